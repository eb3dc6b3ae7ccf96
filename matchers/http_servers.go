package matchers

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
)

// Which server serves a handler, as far as the package tells: enough to
// keep shutdown-in-handler silent for a handler of one server that shuts
// down another.

// servedElsewhere reports whether the handler h is known to be served only
// by muxes other than the one the server srv serves: every registration of
// h found is on another mux, and every Handler srv is given is known.
// Anything unknown (a server made by a call, a wrapped mux, a router other
// than net/http's) counts as maybe the same.
func (p *Pass) servedElsewhere(h *httpHandler, srv ast.Expr, idx *handlerIndex) bool {
	key := varKey(p.Info, srv)
	if key == "" {
		return false
	}
	serving, ok := p.serverMuxes(key, idx)
	if !ok || len(serving) == 0 {
		return false
	}
	regs, ok := p.registrations(h, idx)
	if !ok || len(regs) == 0 {
		return false
	}
	for k := range serving {
		if regs[k] {
			return false
		}
	}
	return true
}

// serverMuxes returns the keys of what the server named by key serves: the
// Handler of each http.Server literal assigned to it, and each value
// assigned to its Handler field, following copies from other variables
// (a.srv = srv). ok is false when something else is assigned to it.
func (p *Pass) serverMuxes(key string, idx *handlerIndex) (map[string]bool, bool) {
	type assignment struct{ lhs, rhs ast.Expr }
	var all []assignment
	for _, f := range p.Files {
		p.inspectFile(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.AssignStmt:
				if len(n.Lhs) == len(n.Rhs) {
					for i := range n.Lhs {
						all = append(all, assignment{n.Lhs[i], n.Rhs[i]})
					}
				}
			case *ast.ValueSpec:
				if len(n.Names) == len(n.Values) {
					for i := range n.Names {
						all = append(all, assignment{n.Names[i], n.Values[i]})
					}
				}
			case *ast.KeyValueExpr:
				if id, isID := n.Key.(*ast.Ident); isID {
					if v, isVar := p.Info.Uses[id].(*types.Var); isVar && v.IsField() {
						all = append(all, assignment{id, n.Value})
					}
				}
			}
			return true
		}, (*ast.AssignStmt)(nil), (*ast.ValueSpec)(nil), (*ast.KeyValueExpr)(nil))
	}
	servers := map[string]bool{key: true}
	keys, ok := map[string]bool{}, true
	for grown := true; grown; {
		grown = false
		for _, a := range all {
			lk := varKey(p.Info, a.lhs)
			if id, isID := a.lhs.(*ast.Ident); isID {
				if v, isVar := p.Info.Uses[id].(*types.Var); isVar && v.IsField() {
					lk = "field " + ptr(v) // a key in a struct literal
				}
			}
			if servers[lk] {
				if lit := p.httpServerLit(a.rhs); lit != nil {
					keys[p.litHandlerKey(lit, idx)] = true
				} else if rk := varKey(p.Info, a.rhs); rk != "" {
					grown = grown || !servers[rk]
					servers[rk] = true
				} else {
					ok = false
				}
			}
			if sel, isSel := ast.Unparen(a.lhs).(*ast.SelectorExpr); isSel && sel.Sel.Name == "Handler" &&
				servers[varKey(p.Info, sel.X)] && isNamed(p.Info.TypeOf(sel.X), "net/http", "Server") {
				keys[p.muxKey(a.rhs, idx)] = true
			}
		}
	}
	return keys, ok && !keys[""]
}

// litHandlerKey returns the muxKey of an http.Server literal's Handler,
// "default" when it has none.
func (p *Pass) litHandlerKey(lit *ast.CompositeLit, idx *handlerIndex) string {
	for _, el := range lit.Elts {
		if kv, ok := el.(*ast.KeyValueExpr); ok {
			if id, ok := kv.Key.(*ast.Ident); ok && id.Name == "Handler" {
				return p.muxKey(kv.Value, idx)
			}
		}
	}
	return "default"
}

// httpServerLit returns the http.Server literal e is (or takes the address
// of), or nil.
func (p *Pass) httpServerLit(e ast.Expr) *ast.CompositeLit {
	e = ast.Unparen(e)
	if u, ok := e.(*ast.UnaryExpr); ok && u.Op == token.AND {
		e = ast.Unparen(u.X)
	}
	lit, ok := e.(*ast.CompositeLit)
	if !ok || !isNamed(p.Info.TypeOf(lit), "net/http", "Server") {
		return nil
	}
	return lit
}

// muxKey names what a server serves or a handler is registered on:
// "default" for nil or http.DefaultServeMux, "handler %p" for a handler of
// the package, a variable's key for anything else held in a variable, and
// "" when unknown.
func (p *Pass) muxKey(e ast.Expr, idx *handlerIndex) string {
	e = ast.Unparen(e)
	if id, ok := e.(*ast.Ident); ok {
		if _, isNil := p.Info.Uses[id].(*types.Nil); isNil {
			return "default"
		}
	}
	if sel, ok := e.(*ast.SelectorExpr); ok {
		if v, isVar := p.Info.Uses[sel.Sel].(*types.Var); isVar && v.Pkg() != nil && v.Pkg().Path() == "net/http" && v.Name() == "DefaultServeMux" {
			return "default"
		}
	}
	if h := p.handlerFor(e, idx); h != nil {
		return fmt.Sprintf("handler %p", h.Node)
	}
	return varKey(p.Info, e)
}

// registrations returns the keys of the muxes h is registered on with
// http.Handle, http.HandleFunc or a ServeMux's Handle or HandleFunc, and
// h's own key when it is the Handler of a server. ok is false when one of
// those muxes is unknown.
func (p *Pass) registrations(h *httpHandler, idx *handlerIndex) (map[string]bool, bool) {
	regs, ok := map[string]bool{}, true
	self := fmt.Sprintf("handler %p", h.Node)
	for _, f := range p.Files {
		p.inspectCallees(f, func(n ast.Node, fn *types.Func) bool {
			switch n := n.(type) {
			case *ast.CompositeLit:
				if isNamed(p.Info.TypeOf(n), "net/http", "Server") && p.litHandlerKey(n, idx) == self {
					regs[self] = true
				}
				return true
			case *ast.AssignStmt:
				for i, lhs := range n.Lhs {
					sel, isSel := ast.Unparen(lhs).(*ast.SelectorExpr)
					if isSel && sel.Sel.Name == "Handler" && len(n.Lhs) == len(n.Rhs) &&
						isNamed(p.Info.TypeOf(sel.X), "net/http", "Server") && p.muxKey(n.Rhs[i], idx) == self {
						regs[self] = true
					}
				}
				return true
			}
			call, isCall := n.(*ast.CallExpr)
			if !isCall || len(call.Args) != 2 {
				return true
			}
			switch {
			case isFunc(fn, "net/http", "Handle", "HandleFunc"):
				if p.handlerFor(call.Args[1], idx) == h {
					regs["default"] = true
				}
			case isMethod(fn, "net/http", "ServeMux", "Handle", "HandleFunc"):
				if p.handlerFor(call.Args[1], idx) == h {
					sel, _ := ast.Unparen(call.Fun).(*ast.SelectorExpr)
					k := ""
					if sel != nil {
						k = p.muxKey(sel.X, idx)
					}
					if k == "" {
						ok = false
					}
					regs[k] = true
				}
			}
			return true
		}, (*ast.CompositeLit)(nil), (*ast.AssignStmt)(nil), (*ast.CallExpr)(nil))
	}
	return regs, ok
}
