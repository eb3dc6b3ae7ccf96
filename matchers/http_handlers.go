package matchers

import (
	"fmt"
	"go/ast"
	"go/types"
	"strings"
)

// An httpHandler is a function serving HTTP requests: a function, method or
// function literal of type func(http.ResponseWriter, *http.Request).
type httpHandler struct {
	Node ast.Node // *ast.FuncDecl or *ast.FuncLit
	Type *ast.FuncType
	Body *ast.BlockStmt
	Func *types.Func // the declared function or method; nil for a literal
	W, R handlerParam
}

// A handlerParam is one parameter of a handler.
type handlerParam struct {
	Field *ast.Field
	Index int        // of its name in Field.Names; -1 when unnamed
	Var   *types.Var // nil when unnamed or blank
}

// A handlerIndex is the handlers of one package.
type handlerIndex struct {
	byNode map[ast.Node]*httpHandler
	byFunc map[*types.Func]*httpHandler
}

// httpHandlers finds every handler of the package: each function, method
// (ServeHTTP or any other) and function literal with the handler's
// signature, except a literal called on the spot.
func (p *Pass) httpHandlers() *handlerIndex {
	idx := &handlerIndex{byNode: map[ast.Node]*httpHandler{}, byFunc: map[*types.Func]*httpHandler{}}
	calledLits := map[*ast.FuncLit]bool{}
	for _, f := range p.Files {
		p.inspectFile(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.CallExpr:
				if lit, ok := ast.Unparen(n.Fun).(*ast.FuncLit); ok {
					calledLits[lit] = true
				}
			case *ast.FuncDecl:
				fn, _ := p.Info.Defs[n.Name].(*types.Func)
				if n.Body != nil && fn != nil && isHandlerSig(fn.Signature()) {
					h := p.newHandler(n, n.Type, n.Body)
					h.Func = fn
					idx.byNode[n], idx.byFunc[fn] = h, h
				}
			case *ast.FuncLit:
				if sig, ok := p.Info.TypeOf(n).(*types.Signature); ok && isHandlerSig(sig) {
					idx.byNode[n] = p.newHandler(n, n.Type, n.Body)
				}
			}
			return true
		}, (*ast.CallExpr)(nil), (*ast.FuncDecl)(nil), (*ast.FuncLit)(nil))
	}
	for lit := range calledLits {
		delete(idx.byNode, lit)
	}
	return idx
}

// isHandlerSig reports whether sig is func(http.ResponseWriter, *http.Request).
func isHandlerSig(sig *types.Signature) bool {
	ps := sig.Params()
	if ps.Len() != 2 || sig.Results().Len() != 0 || sig.Variadic() {
		return false
	}
	if _, ptr := types.Unalias(ps.At(0).Type()).(*types.Pointer); ptr || !isNamed(ps.At(0).Type(), "net/http", "ResponseWriter") {
		return false
	}
	req, ok := types.Unalias(ps.At(1).Type()).(*types.Pointer)
	return ok && isNamed(req.Elem(), "net/http", "Request")
}

func (p *Pass) newHandler(n ast.Node, ft *ast.FuncType, body *ast.BlockStmt) *httpHandler {
	var params []handlerParam
	for _, field := range ft.Params.List {
		if len(field.Names) == 0 {
			params = append(params, handlerParam{Field: field, Index: -1})
			continue
		}
		for i, name := range field.Names {
			v, _ := p.Info.Defs[name].(*types.Var)
			if name.Name == "_" {
				v = nil
			}
			params = append(params, handlerParam{Field: field, Index: i, Var: v})
		}
	}
	h := &httpHandler{Node: n, Type: ft, Body: body}
	if len(params) == 2 {
		h.W, h.R = params[0], params[1]
	}
	return h
}

// handlerOf returns the handler the node at path[0] runs in, and whether it
// sits directly in the handler's body rather than in a closure the handler
// runs on the spot (called, deferred, or given to sync.Once.Do). It returns
// nil when the node runs in some other function: a goroutine, a closure
// stored for later, a function that is not a handler.
func (p *Pass) handlerOf(path []ast.Node, idx *handlerIndex) (h *httpHandler, direct bool) {
	direct = true
	for i, n := range path {
		switch n := n.(type) {
		case *ast.FuncDecl:
			return idx.byNode[n], direct
		case *ast.FuncLit:
			if h := idx.byNode[n]; h != nil {
				return h, direct
			}
			if !p.runsOnTheSpot(n, path[i+1:]) {
				return nil, false
			}
			direct = false
		}
	}
	return nil, false
}

// runsOnTheSpot reports whether the literal lit, whose enclosing nodes are
// up, runs in the goroutine of the function holding it: called or deferred
// there, or given to (*sync.Once).Do.
func (p *Pass) runsOnTheSpot(lit *ast.FuncLit, up []ast.Node) bool {
	for len(up) > 0 {
		if _, ok := up[0].(*ast.ParenExpr); !ok {
			break
		}
		up = up[1:]
	}
	if len(up) == 0 {
		return false
	}
	call, ok := up[0].(*ast.CallExpr)
	if !ok {
		return false
	}
	if ast.Unparen(call.Fun) == lit {
		if len(up) < 2 {
			return false
		}
		_, inGo := up[1].(*ast.GoStmt)
		return !inGo
	}
	return isMethod(callee(p.Info, call), "sync", "Once", "Do")
}

// handlerFor returns the handler an expression denotes: a handler literal
// or function, a method value, an http.HandlerFunc conversion of one, or a
// value whose ServeHTTP method is a handler of the package.
func (p *Pass) handlerFor(e ast.Expr, idx *handlerIndex) *httpHandler {
	e = ast.Unparen(e)
	switch e := e.(type) {
	case *ast.FuncLit:
		return idx.byNode[e]
	case *ast.CallExpr:
		if tv, ok := p.Info.Types[e.Fun]; ok && tv.IsType() && len(e.Args) == 1 {
			return p.handlerFor(e.Args[0], idx)
		}
		return nil
	case *ast.Ident:
		if fn, ok := p.Info.Uses[e].(*types.Func); ok {
			return idx.byFunc[fn]
		}
	case *ast.SelectorExpr:
		if fn, ok := p.Info.Uses[e.Sel].(*types.Func); ok {
			return idx.byFunc[fn]
		}
	}
	t := p.Info.TypeOf(e)
	if _, basic := t.(*types.Basic); t == nil || basic {
		return nil
	}
	obj, _, _ := types.LookupFieldOrMethod(t, true, p.Pkg, "ServeHTTP")
	if fn, ok := obj.(*types.Func); ok {
		return idx.byFunc[fn]
	}
	return nil
}

// handlerKey names a function across packages: the *types.Func of one
// method differs between the package declaring it and one importing it.
func handlerKey(fn *types.Func) string {
	recv := ""
	if r := fn.Signature().Recv(); r != nil {
		t := r.Type()
		if pt, ok := types.Unalias(t).(*types.Pointer); ok {
			t = pt.Elem()
		}
		if n, ok := types.Unalias(t).(*types.Named); ok {
			recv = n.Obj().Name()
		}
	}
	path := ""
	if fn.Pkg() != nil {
		path = fn.Pkg().Path()
	}
	return path + "." + recv + "." + fn.Name()
}

// callerGoesOn returns the position of a call of h, outside test files,
// after which its caller goes on with more work: there, a handler returning
// early lets the caller go on as if the request had been served. A call
// as the last thing its caller does, or followed by a return, is harmless.
// It returns "" when there is none.
func (p *Pass) callerGoesOn(h *httpHandler) string {
	var calls func(q *Pass, call *ast.CallExpr) bool
	passes := []*Pass{p}
	switch {
	case h.Func != nil:
		key := handlerKey(h.Func)
		calls = func(q *Pass, call *ast.CallExpr) bool {
			fn := callee(q.Info, call)
			return fn != nil && (fn.Origin() == h.Func || handlerKey(fn.Origin()) == key)
		}
		if h.Func.Exported() && p.Program != nil {
			for _, q := range p.Program.Packages {
				if q != p && q.Pkg != nil && imports(q.Pkg, p.Pkg.Path()) {
					passes = append(passes, q)
				}
			}
		}
	default:
		v := p.boundVar(h.Node.(*ast.FuncLit))
		if v == nil {
			return ""
		}
		calls = func(q *Pass, call *ast.CallExpr) bool {
			id, ok := ast.Unparen(call.Fun).(*ast.Ident)
			return ok && q.Info.Uses[id] == v
		}
	}
	for _, q := range passes {
		files := q.Owned
		if q == p && len(files) == 0 {
			files = q.Files
		}
		for _, f := range files {
			name := q.Fset.File(f.Pos()).Name()
			if strings.HasSuffix(name, "_test.go") {
				continue
			}
			where := ""
			ast.Inspect(f, func(n ast.Node) bool {
				call, ok := n.(*ast.CallExpr)
				if where != "" || !ok || !calls(q, call) {
					return where == ""
				}
				if !q.returnsAfter(q.pathTo(call)) {
					pos := q.Fset.Position(call.Pos())
					where = fmt.Sprintf("%s:%d", pos.Filename[strings.LastIndex(pos.Filename, "/")+1:], pos.Line)
				}
				return true
			})
			if where != "" {
				return where
			}
		}
	}
	return ""
}

// boundVar returns the local variable a literal is assigned to (h :=
// func(...) {...}), or nil.
func (p *Pass) boundVar(lit *ast.FuncLit) *types.Var {
	path := p.pathTo(lit)
	if len(path) < 2 {
		return nil
	}
	var lhs []ast.Expr
	var rhs []ast.Expr
	switch s := path[1].(type) {
	case *ast.AssignStmt:
		lhs, rhs = s.Lhs, s.Rhs
	case *ast.ValueSpec:
		for _, n := range s.Names {
			lhs = append(lhs, n)
		}
		rhs = s.Values
	}
	for i, r := range rhs {
		if r == lit && i < len(lhs) {
			if id, ok := lhs[i].(*ast.Ident); ok {
				v, _ := p.Info.ObjectOf(id).(*types.Var)
				return v
			}
		}
	}
	return nil
}

// returnsAfter reports whether the call at path[0], a statement of its own
// (or started with go), is the last thing its function does: the first
// statement to run after it, if any, is a return, and no loop runs it again.
func (p *Pass) returnsAfter(path []ast.Node) bool {
	if len(path) < 2 {
		return false
	}
	switch path[1].(type) {
	case *ast.GoStmt:
		return true
	case *ast.ExprStmt:
		after, loop := stmtsAfter(path[1:])
		if loop {
			return false
		}
		if len(after) == 0 {
			return true
		}
		_, ret := after[0].(*ast.ReturnStmt)
		return ret
	}
	return false
}

// stmtsAfter returns the statements that run after the statement path[0]
// until its function ends, in order: those after it in its list, then those
// after the statement holding that list, and so on up to the function. loop
// reports that a loop encloses the statement (within its function), which
// may run it, and what precedes it, again.
func stmtsAfter(path []ast.Node) (after []ast.Stmt, loop bool) {
	for i := 0; i+1 < len(path); i++ {
		child, parent := path[i], path[i+1]
		switch parent.(type) {
		case *ast.FuncDecl, *ast.FuncLit:
			return after, loop
		case *ast.ForStmt, *ast.RangeStmt:
			loop = true
		}
		switch child.(type) {
		case *ast.CaseClause, *ast.CommClause:
			continue // one clause of a switch or select runs, not the next
		}
		list := stmtList(parent)
		for k, s := range list {
			if s == child {
				after = append(after, list[k+1:]...)
				break
			}
		}
	}
	return after, loop
}
