package matchers

import (
	"go/ast"
	"go/token"
	"go/types"
)

// DeadlineBeforeSignal reports drain deadlines made before the process
// learns that it must stop; registry's deadline-before-signal holds the
// rule's documentation.
func DeadlineBeforeSignal(p *Pass) []Finding {
	if !imports(p.Pkg, "context") {
		return nil
	}
	m := p.Program.Drain()
	var found []Finding
	for _, f := range p.Owned {
		if !m.WaitsIn(f.Pos(), f.End()) {
			continue
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if list := stmtList(n); len(list) > 1 {
				for i := range list {
					if fd, ok := p.deadlineBeforeSignal(n, list, i); ok {
						found = append(found, fd)
					}
				}
			}
			return true
		})
	}
	return found
}

// A DeadlineBeforeSignalFix moves the statement that makes the deadline
// (Make) and the defer that cancels it (Cancel, when there is one) from
// their place in Block to just after Wait, the statement that learns the
// process must stop.
type DeadlineBeforeSignalFix struct {
	Block  ast.Node
	Make   ast.Stmt
	Cancel ast.Stmt
	Wait   ast.Stmt
}

// deadlineBeforeSignal reports the finding for list[i] of block when it is
// ctx, cancel := context.WithTimeout(...) (or WithDeadline), a later
// statement of the list waits for the stop, ctx is not used before that and
// is used after it.
func (p *Pass) deadlineBeforeSignal(block ast.Node, list []ast.Stmt, i int) (Finding, bool) {
	as, ok := list[i].(*ast.AssignStmt)
	if !ok || as.Tok != token.DEFINE || len(as.Lhs) != 2 || len(as.Rhs) != 1 {
		return Finding{}, false
	}
	call, ok := ast.Unparen(as.Rhs[0]).(*ast.CallExpr)
	if !ok || !isFunc(callee(p.Info, call), "context", "WithTimeout", "WithDeadline", "WithTimeoutCause", "WithDeadlineCause") {
		return Finding{}, false
	}
	ctxID, ok := as.Lhs[0].(*ast.Ident)
	if !ok || ctxID.Name == "_" {
		return Finding{}, false
	}
	ctx := p.Info.ObjectOf(ctxID)
	var cancel types.Object
	if id, ok := as.Lhs[1].(*ast.Ident); ok && id.Name != "_" {
		cancel = p.Info.ObjectOf(id)
	}
	wait := -1
	for j := i + 1; j < len(list); j++ {
		// A deferred call runs when the function returns, after the
		// stop: defer func() { _ = exp.Shutdown(shutdownCtx) }().
		if usesObjUndeferred(p.Info, list[j], ctx) {
			return Finding{}, false // the deadline serves work before the stop too
		}
		if p.blocksForStop(list[j]) {
			wait = j
			break
		}
	}
	if wait < 0 {
		return Finding{}, false
	}
	// Used after the wait, or by a call deferred before it (defer
	// srv.Shutdown(ctx); <-sig: it runs once the function returns, after
	// the stop).
	deferredUse := false
	for _, st := range list[i+1 : wait] {
		if d, ok := st.(*ast.DeferStmt); ok && usesObj(p.Info, d, ctx) {
			deferredUse = true
		}
	}
	if !deferredUse && !usesAny(p.Info, list[wait+1:], ctx) {
		return Finding{}, false
	}
	fd := Finding{
		Pos: call.Pos(), End: call.End(),
		Message: "the drain's deadline is made before the process learns it must stop: its clock runs from then, so a process stopped after that long gets a drain that has already expired; make the deadline after the wait",
	}
	fix, why := p.deadlineBeforeSignalFix(block, list, i, wait, call, cancel)
	setFix(&fd, fix, why)
	return fd, true
}

// deadlineBeforeSignalFix plans the move, or says why not: the statements
// it passes must not use cancel (but for one defer cancel()), change what
// the deadline is made from, or declare the names it declares.
func (p *Pass) deadlineBeforeSignalFix(block ast.Node, list []ast.Stmt, i, wait int, call *ast.CallExpr, cancel types.Object) (*DeadlineBeforeSignalFix, string) {
	fix := &DeadlineBeforeSignalFix{Block: block, Make: list[i], Wait: list[wait]}
	reads := map[types.Object]bool{}
	ast.Inspect(call, func(n ast.Node) bool {
		if id, ok := n.(*ast.Ident); ok {
			if obj, ok := p.Info.Uses[id].(*types.Var); ok {
				reads[obj] = true
			}
		}
		return true
	})
	declared := map[string]bool{}
	for _, id := range list[i].(*ast.AssignStmt).Lhs {
		declared[id.(*ast.Ident).Name] = true
	}
	for _, s := range list[i+1 : wait+1] {
		if d, ok := s.(*ast.DeferStmt); ok && cancel != nil && fix.Cancel == nil && len(d.Call.Args) == 0 {
			if id, ok := ast.Unparen(d.Call.Fun).(*ast.Ident); ok && p.Info.Uses[id] == cancel {
				fix.Cancel = s
				continue
			}
		}
		if cancel != nil && usesObj(p.Info, s, cancel) {
			return nil, "the code before the wait uses the cancel func"
		}
		if usesObj(p.Info, s, p.Info.ObjectOf(list[i].(*ast.AssignStmt).Lhs[0].(*ast.Ident))) {
			return nil, "calls deferred before the wait use the deadline: moved after the wait, it would not be declared where they are"
		}
		bad := ""
		ast.Inspect(s, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.FuncLit:
				return false
			case *ast.AssignStmt:
				for _, l := range n.Lhs {
					if id, ok := l.(*ast.Ident); ok {
						if reads[p.Info.ObjectOf(id)] {
							bad = "the code before the wait changes " + id.Name + ", which the deadline is made from"
						}
						if n.Tok == token.DEFINE && declared[id.Name] && s == n {
							bad = "the code before the wait declares " + id.Name + " again"
						}
					}
				}
			}
			return bad == ""
		})
		if bad != "" {
			return nil, bad
		}
	}
	if _, ok := fix.Wait.(*ast.ReturnStmt); ok {
		return nil, "the wait is a return statement"
	}
	return fix, ""
}

// blocksForStop reports whether the statement itself (not a goroutine or
// a func literal in it) learns that the process must stop.
func (p *Pass) blocksForStop(s ast.Stmt) bool {
	m := p.Program.Drain()
	if !m.WaitsIn(s.Pos(), s.End()) {
		return false
	}
	switch s.(type) {
	case *ast.GoStmt, *ast.DeferStmt:
		return false
	}
	var lits []ast.Node
	ast.Inspect(s, func(n ast.Node) bool {
		if lit, ok := n.(*ast.FuncLit); ok {
			lits = append(lits, lit)
			return false
		}
		return true
	})
	pos := s.Pos()
	for _, lit := range lits {
		if m.WaitsIn(pos, lit.Pos()) {
			return true
		}
		pos = lit.End()
	}
	return m.WaitsIn(pos, s.End())
}

// usesObjUndeferred reports whether n refers to obj other than in the
// call of a defer statement of n's own function (one in a func literal
// runs when the literal returns).
func usesObjUndeferred(info *types.Info, n ast.Node, obj types.Object) bool {
	found := false
	var walk func(n ast.Node, inLit bool)
	walk = func(n ast.Node, inLit bool) {
		ast.Inspect(n, func(c ast.Node) bool {
			switch c := c.(type) {
			case *ast.FuncLit:
				if c != n {
					walk(c.Body, true)
					return false
				}
			case *ast.DeferStmt:
				if !inLit {
					return false
				}
			case *ast.Ident:
				if info.Uses[c] == obj {
					found = true
				}
			}
			return !found
		})
	}
	walk(n, false)
	return found
}

// usesObj reports whether n refers to obj.
func usesObj(info *types.Info, n ast.Node, obj types.Object) bool {
	found := false
	ast.Inspect(n, func(n ast.Node) bool {
		if id, ok := n.(*ast.Ident); ok && info.Uses[id] == obj {
			found = true
		}
		return !found
	})
	return found
}

// usesAny reports whether any of the statements refers to obj.
func usesAny(info *types.Info, list []ast.Stmt, obj types.Object) bool {
	for _, s := range list {
		if usesObj(info, s, obj) {
			return true
		}
	}
	return false
}
