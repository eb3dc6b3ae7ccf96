package matchers

import (
	"go/ast"
	"go/token"
	"go/types"
)

// harmlessLeaveOnQuit is why a Wait whose workers all leave on the stop
// signal the drain sends just before it is not a default finding.
const harmlessLeaveOnQuit = "every goroutine the Wait joins leaves on the stop signal the drain sends just before it (a closed channel or a cancelled context it selects on): the Wait is a bounded join"

// workersLeaveOnQuit reports whether every goroutine that the WaitGroup of
// wait joins leaves as soon as the drain fd stops it: before the Wait, fd
// closes channels held in fields, or cancels a context, and each worker
// receives from one of those channels (or from a context's Done, when one
// was cancelled) in a select or a plain receive. A worker that ranges over
// a closed channel drains what is queued first and does not count, nor
// does a worker that is not found (started in another package): only
// known workers that all leave on the signal excuse the Wait.
func (p *Pass) workersLeaveOnQuit(fd *ast.FuncDecl, wait *ast.CallExpr) bool {
	sel, ok := ast.Unparen(wait.Fun).(*ast.SelectorExpr)
	if !ok {
		return false
	}
	group := varKey(p.Info, sel.X)
	if group == "" {
		return false
	}
	closed, cancelled := map[string]bool{}, false
	// The stop is sent in the function holding the Wait: fd's body, or a
	// func literal in it (once.Do(func() { close(quit); wg.Wait() })).
	body, _ := funcBody(p.pathTo(wait))
	if body == nil {
		body = fd.Body
	}
	ast.Inspect(body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit, *ast.GoStmt, *ast.DeferStmt:
			return n == nil
		case *ast.CallExpr:
			if n.Pos() >= wait.Pos() || !p.stopsWorkers(n) {
				return true
			}
			if id, ok := ast.Unparen(n.Fun).(*ast.Ident); ok && id.Name == "close" {
				closed[fieldKey(p.Info, n.Args[0])] = true
			} else {
				cancelled = true
			}
		}
		return true
	})
	if len(closed) == 0 && !cancelled {
		return false
	}
	workers := p.groupWorkers(group)
	if len(workers) == 0 {
		return false
	}
	for _, w := range workers {
		if leaves, blocks := p.leavesOn(w, closed, cancelled, 2); !leaves || blocks {
			return false
		}
	}
	return true
}

// groupWorkers returns the bodies of the goroutines of the package that
// call Done on the WaitGroup group (in the func literal started, or in the
// function or method a go statement calls), and the funcs given to its Go.
func (p *Pass) groupWorkers(group string) []*ast.BlockStmt {
	decls := p.cbdDecls()
	var bodies []*ast.BlockStmt
	doneOn := func(body *ast.BlockStmt) bool {
		found := false
		ast.Inspect(body, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if ok && isMethod(callee(p.Info, call), "sync", "WaitGroup", "Done") {
				if s, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr); ok && varKey(p.Info, s.X) == group {
					found = true
				}
			}
			return !found
		})
		return found
	}
	bodyOf := func(e ast.Expr) *ast.BlockStmt {
		switch e := ast.Unparen(e).(type) {
		case *ast.FuncLit:
			return e.Body
		case *ast.CallExpr:
			if lit, ok := ast.Unparen(e.Fun).(*ast.FuncLit); ok {
				return lit.Body
			}
			if fn := callee(p.Info, e); fn != nil && decls[fn] != nil {
				return decls[fn].Body
			}
		}
		return nil
	}
	for _, f := range p.Files {
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.GoStmt:
				if b := bodyOf(n.Call); b != nil && doneOn(b) {
					bodies = append(bodies, b)
				}
			case *ast.CallExpr:
				if p.wrapsGroup(n, group) {
					if b := bodyOf(n.Args[0]); b != nil {
						bodies = append(bodies, b)
					}
				}
				if p.addsTo(n, group) && isMethod(callee(p.Info, n), "sync", "WaitGroup", "Go") && len(n.Args) == 1 {
					if b := bodyOf(n.Args[0]); b != nil {
						bodies = append(bodies, b)
					} else if fn, ok := p.Info.Uses[identOfExpr(n.Args[0])].(*types.Func); ok && decls[fn] != nil {
						bodies = append(bodies, decls[fn].Body)
					}
				}
			}
			return true
		})
	}
	return bodies
}

// wrapsGroup reports whether call is x.M(f) on the WaitGroup group where
// M is a method of a type built on a sync.WaitGroup that takes just a
// func(): the small wrapper that starts f as a goroutine the group joins
// (x.Wrap(func() { ... })).
func (p *Pass) wrapsGroup(call *ast.CallExpr, group string) bool {
	sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr)
	if !ok || len(call.Args) != 1 || varKey(p.Info, sel.X) != group {
		return false
	}
	fn := callee(p.Info, call)
	if !isGroupWrapperMethod(fn, sel.Sel.Name, 1) {
		return false
	}
	sig, ok := fn.Signature().Params().At(0).Type().Underlying().(*types.Signature)
	return ok && sig.Params().Len() == 0
}

// identOfExpr returns the identifier naming e (x or a.x), or nil.
func identOfExpr(e ast.Expr) *ast.Ident {
	switch e := ast.Unparen(e).(type) {
	case *ast.Ident:
		return e
	case *ast.SelectorExpr:
		return e.Sel
	}
	return nil
}

// leavesOn reports whether the worker body receives from one of the
// closed channels (or a context's Done, when cancelled), itself or in the
// package's functions it calls (depth levels down), and whether it blocks
// anywhere else: a channel operation that is not a case of a select that
// also waits for the stop, or ranging over a closed channel.
func (p *Pass) leavesOn(body *ast.BlockStmt, closed map[string]bool, cancelled bool, depth int) (leaves, blocks bool) {
	isQuit := func(x ast.Expr) bool {
		return closed[fieldKey(p.Info, x)] || cancelled && p.doneOf(x) != ""
	}
	decls := p.cbdDecls()
	guarded := map[ast.Node]bool{} // comms of selects that also wait for the stop
	ast.Inspect(body, func(n ast.Node) bool {
		if blocks {
			return false
		}
		switch n := n.(type) {
		case *ast.FuncLit:
			return false
		case *ast.SelectStmt:
			var comms []ast.Node
			quit := false
			for _, cc := range n.Body.List {
				cc := cc.(*ast.CommClause)
				if cc.Comm == nil {
					quit = true // a default never blocks
					continue
				}
				comms = append(comms, cc.Comm)
				if r := recvOf(cc.Comm); r != nil && isQuit(r.X) {
					quit = true
					// Leaving through a loop that works off what is
					// queued is not leaving at once.
					for _, s := range cc.Body {
						ast.Inspect(s, func(n ast.Node) bool {
							switch n.(type) {
							case *ast.ForStmt, *ast.RangeStmt:
								blocks = true
							case *ast.FuncLit:
								return false
							}
							return !blocks
						})
					}
				}
			}
			for _, c := range comms {
				guarded[c] = quit
			}
		case *ast.RangeStmt:
			if closed[fieldKey(p.Info, n.X)] {
				blocks = true // drains what is queued before it leaves
			}
		case *ast.SendStmt:
			blocks = blocks || !guarded[n]
		case *ast.ExprStmt, *ast.AssignStmt:
			if r := recvOf(n.(ast.Stmt)); r != nil {
				switch {
				case isQuit(r.X):
					leaves = true
				case !guarded[n]:
					blocks = true
				}
			}
		case *ast.CallExpr:
			// The package's functions the worker calls: their loop may be
			// the one that leaves on the signal, or may block elsewhere.
			if fn := callee(p.Info, n); fn != nil && decls[fn] != nil {
				if depth == 0 {
					blocks = blocks || blocksOnChan(decls[fn].Body)
				} else {
					l, b := p.leavesOn(decls[fn].Body, closed, cancelled, depth-1)
					leaves, blocks = leaves || l, blocks || b
				}
			}
		}
		return true
	})
	return leaves, blocks
}

// blocksOnChan reports whether body sends on or receives from a channel
// outside a select with a default.
func blocksOnChan(body *ast.BlockStmt) bool {
	found := false
	ast.Inspect(body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit:
			return false
		case *ast.SelectStmt:
			for _, cc := range n.Body.List {
				if cc.(*ast.CommClause).Comm == nil {
					return false
				}
			}
		case *ast.SendStmt:
			found = true
		case *ast.UnaryExpr:
			found = found || n.Op == token.ARROW
		}
		return !found
	})
	return found
}
