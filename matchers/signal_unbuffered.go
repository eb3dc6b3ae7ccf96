package matchers

import (
	"go/ast"
	"go/constant"
	"go/types"
)

// SignalUnbuffered: a channel given to signal.Notify is made unbuffered.
//
// signal.Notify never blocks: a signal that arrives while nobody is
// receiving from an unbuffered channel is dropped, and the drain never
// starts. The channel is found wherever it is made: a local, a package
// variable, a struct field set in a constructor or a composite literal, or
// the argument of a helper that calls Notify on its parameter.
//
//	stop := make(chan os.Signal)      // bad
//	stop := make(chan os.Signal, 1)   // good
//	signal.Notify(stop, syscall.SIGTERM)
func SignalUnbuffered(p *Pass) []Finding {
	if !imports(p.Pkg, "os/signal") {
		return nil
	}
	keys := map[string]bool{}
	var direct []*ast.CallExpr
	params := map[*types.Func]int{} // helpers passing a parameter to Notify
	addArg := func(arg ast.Expr) {
		arg = ast.Unparen(arg)
		if call, ok := arg.(*ast.CallExpr); ok && p.isUnbufferedMake(call) {
			direct = append(direct, call)
			return
		}
		if k := varKey(p.Info, arg); k != "" {
			keys[k] = true
		}
	}
	for _, f := range p.Files {
		p.inspectCallees(f, func(n ast.Node, fn *types.Func) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || len(call.Args) == 0 || !isFunc(fn, "os/signal", "Notify") {
				return true
			}
			addArg(call.Args[0])
			if fn, i := p.paramOf(call.Args[0]); fn != nil {
				params[fn] = i
			}
			return true
		}, (*ast.CallExpr)(nil))
	}
	if len(params) > 0 {
		for _, f := range p.Files {
			p.inspectCallees(f, func(n ast.Node, fn *types.Func) bool {
				if call, ok := n.(*ast.CallExpr); ok {
					if i, ok := params[fn]; ok && i < len(call.Args) {
						addArg(call.Args[i])
					}
				}
				return true
			}, (*ast.CallExpr)(nil))
		}
	}

	var found []Finding
	report := func(call *ast.CallExpr) {
		found = append(found, Finding{
			Pos: call.Pos(), End: call.End(),
			Message: "channel given to signal.Notify is unbuffered: a signal that arrives while nobody receives is dropped and the drain never starts; make it with buffer 1",
			Fix:     call,
		})
	}
	for _, call := range direct {
		report(call)
	}
	check := func(lhs, rhs ast.Expr) {
		call, ok := ast.Unparen(rhs).(*ast.CallExpr)
		if ok && keys[varKey(p.Info, lhs)] && p.isUnbufferedMake(call) {
			report(call)
		}
	}
	for _, f := range p.Owned {
		p.inspectFile(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.AssignStmt:
				if len(n.Lhs) == len(n.Rhs) {
					for i := range n.Lhs {
						check(n.Lhs[i], n.Rhs[i])
					}
				}
			case *ast.ValueSpec:
				if len(n.Names) == len(n.Values) {
					for i := range n.Names {
						check(n.Names[i], n.Values[i])
					}
				}
			case *ast.KeyValueExpr:
				if id, ok := n.Key.(*ast.Ident); ok {
					if v, ok := p.Info.ObjectOf(id).(*types.Var); ok && v.IsField() {
						call, ok := ast.Unparen(n.Value).(*ast.CallExpr)
						if ok && keys["field "+ptr(v)] && p.isUnbufferedMake(call) {
							report(call)
						}
					}
				}
			}
			return true
		}, (*ast.AssignStmt)(nil), (*ast.ValueSpec)(nil), (*ast.KeyValueExpr)(nil))
	}
	return found
}

// isUnbufferedMake reports whether call is make(chan T) or make(chan T, 0).
func (p *Pass) isUnbufferedMake(call *ast.CallExpr) bool {
	id, ok := ast.Unparen(call.Fun).(*ast.Ident)
	if !ok {
		return false
	}
	if b, ok := p.Info.Uses[id].(*types.Builtin); !ok || b.Name() != "make" {
		return false
	}
	if len(call.Args) == 0 {
		return false
	}
	if _, ok := types.Unalias(p.Info.TypeOf(call.Args[0])).Underlying().(*types.Chan); !ok {
		return false
	}
	switch len(call.Args) {
	case 1:
		return true
	case 2:
		tv := p.Info.Types[call.Args[1]]
		return tv.Value != nil && constant.Sign(tv.Value) == 0
	}
	return false
}

// paramOf returns the function whose parameter e is, and its index.
func (p *Pass) paramOf(e ast.Expr) (*types.Func, int) {
	id, ok := ast.Unparen(e).(*ast.Ident)
	if !ok {
		return nil, 0
	}
	v, ok := p.Info.Uses[id].(*types.Var)
	if !ok {
		return nil, 0
	}
	return p.paramIndex(v)
}
