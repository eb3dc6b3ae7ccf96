package matchers

import (
	"go/ast"
	"go/token"
	"go/types"
	"strings"
)

// harmlessBoundedCaller is why an unbounded wait is not a default finding
// when whoever runs it already bounds it.
const harmlessBoundedCaller = "every caller runs the function holding it in a goroutine and stops waiting for it at a deadline (a select on its completion and on a context's Done or a timer): the drain is already bounded there"

// boundedByCallers reports whether every run of fn is raced against a
// deadline by the code that starts it: each call of fn (or of a function
// whose every call is, up to three calls up) is made in a goroutine whose
// completion its starter selects on together with a context's Done or a
// timer; a method value or func handed to a function counts when that
// function calls it only that way. Test files do not count.
func (p *Pass) boundedByCallers(fn *types.Func) bool {
	return p.bounded(fn, 3, map[*types.Func]bool{})
}

func (p *Pass) bounded(fn *types.Func, depth int, seen map[*types.Func]bool) bool {
	if fn == nil || depth < 0 || seen[fn] {
		return false
	}
	seen[fn] = true
	defer delete(seen, fn)
	key := crossPkgKey(fn)
	refs := 0
	at := map[token.Position]bool{} // a file a test variant also holds is seen once
	for _, pass := range p.Program.Packages {
		for id, obj := range pass.Info.Uses {
			f, ok := obj.(*types.Func)
			if !ok || f.Name() != fn.Name() {
				continue
			}
			pos := pass.Fset.Position(id.Pos())
			if at[pos] || strings.HasSuffix(pos.Filename, "_test.go") || f.Origin() != fn.Origin() && (key == "" || crossPkgKey(f) != key) {
				continue
			}
			at[pos] = true
			refs++
			path := pass.pathTo(id)
			if len(path) < 2 {
				return false
			}
			i := 1
			if sel, ok := path[1].(*ast.SelectorExpr); ok && sel.Sel == id {
				i = 2
			}
			if i >= len(path) {
				return false
			}
			call, ok := path[i].(*ast.CallExpr)
			if !ok {
				return false
			}
			if ast.Unparen(call.Fun) == path[i-1] {
				// A call: raced where it is, or its function bounded.
				if pass.racedGoroutine(path[i:]) {
					continue
				}
				caller := funcDeclOf(path)
				if caller == nil {
					return false
				}
				c, _ := pass.Info.Defs[caller.Name].(*types.Func)
				if !p.bounded(c, depth-1, seen) {
					return false
				}
				continue
			}
			// A value handed to a function: each call it makes of its
			// parameter must be raced.
			if !p.paramRaced(pass, call, path[i-1]) {
				return false
			}
		}
	}
	return refs > 0
}

// paramRaced reports whether the function call calls, given arg, calls
// that parameter only in goroutines it races against a deadline.
func (p *Pass) paramRaced(pass *Pass, call *ast.CallExpr, arg ast.Node) bool {
	fn := callee(pass.Info, call)
	if fn == nil {
		return false
	}
	at := -1
	for j, a := range call.Args {
		if a == arg {
			at = j
		}
	}
	params := fn.Signature().Params()
	if at < 0 || at >= params.Len() || fn.Signature().Variadic() && at >= params.Len()-1 {
		return false
	}
	d, ok := p.Program.declOf(fn)
	if !ok || d.fd.Body == nil {
		return false
	}
	param := d.fd.Type.Params
	var v types.Object
	j := 0
	for _, fld := range param.List {
		for _, name := range fld.Names {
			if j == at {
				v = d.pass.Info.Defs[name]
			}
			j++
		}
		if len(fld.Names) == 0 {
			j++
		}
	}
	if v == nil {
		return false
	}
	calls := 0
	ok = true
	ast.Inspect(d.fd.Body, func(n ast.Node) bool {
		id, isID := n.(*ast.Ident)
		if !isID || d.pass.Info.Uses[id] != v || !ok {
			return ok
		}
		path := d.pass.pathTo(id)
		c, isCall := path[1].(*ast.CallExpr)
		if !isCall || c.Fun != id || !d.pass.racedGoroutine(path[1:]) {
			ok = false
			return false
		}
		calls++
		return true
	})
	return ok && calls > 0
}

// racedGoroutine reports whether the call at path[0] runs in a func literal
// started with go that then closes (or sends on) a channel, and whose
// starter, after the go statement, selects on that channel together with
// a context's Done or a timer.
func (p *Pass) racedGoroutine(path []ast.Node) bool {
	for i, n := range path {
		lit, ok := n.(*ast.FuncLit)
		if !ok {
			continue
		}
		if i+3 >= len(path) {
			return false
		}
		gcall, ok := path[i+1].(*ast.CallExpr)
		if !ok || gcall.Fun != lit {
			return false
		}
		gs, ok := path[i+2].(*ast.GoStmt)
		if !ok {
			return false
		}
		block, ok := path[i+3].(*ast.BlockStmt)
		if !ok {
			return false
		}
		// The channel the goroutine reports completion on, after the call.
		done := map[string]bool{}
		ast.Inspect(lit.Body, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.FuncLit:
				return false
			case *ast.SendStmt:
				if n.Pos() > path[0].Pos() {
					done[varKey(p.Info, n.Chan)] = true
				}
			case *ast.CallExpr:
				if id, ok := ast.Unparen(n.Fun).(*ast.Ident); ok && len(n.Args) == 1 && n.Pos() > path[0].Pos() {
					if b, ok := p.Info.Uses[id].(*types.Builtin); ok && b.Name() == "close" {
						done[varKey(p.Info, n.Args[0])] = true
					}
				}
			}
			return true
		})
		delete(done, "")
		if len(done) == 0 {
			return false
		}
		for _, s := range block.List {
			if s.Pos() <= gs.Pos() {
				continue
			}
			sel, ok := s.(*ast.SelectStmt)
			if !ok {
				continue
			}
			gotDone, gotDeadline := false, false
			for _, cc := range sel.Body.List {
				cc := cc.(*ast.CommClause)
				recv := recvOf(cc.Comm)
				if recv == nil {
					continue
				}
				switch {
				case done[varKey(p.Info, recv.X)]:
					gotDone = true
				case p.isDeadlineChan(recv.X):
					gotDeadline = true
				}
			}
			if gotDone && gotDeadline {
				return true
			}
		}
		return false
	}
	return false
}

// isDeadlineChan reports whether e is a context's Done(), time.After(d) or
// a timer's channel.
func (p *Pass) isDeadlineChan(e ast.Expr) bool {
	if call, ok := ast.Unparen(e).(*ast.CallExpr); ok {
		fn := callee(p.Info, call)
		if sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr); ok && fn != nil && fn.Name() == "Done" && isNamed(p.Info.TypeOf(sel.X), "context", "Context") {
			return true
		}
		if isFunc(fn, "time", "After") {
			return true
		}
	}
	if sel, ok := ast.Unparen(e).(*ast.SelectorExpr); ok && sel.Sel.Name == "C" && isNamed(derefType(p.Info.TypeOf(sel.X)), "time", "Timer") {
		return true
	}
	return false
}
