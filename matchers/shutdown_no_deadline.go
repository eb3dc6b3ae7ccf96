package matchers

import (
	"fmt"
	"go/ast"
	"go/types"
	"slices"
)

// ShutdownNoDeadline: (*http.Server).Shutdown with a context that can
// carry no deadline.
//
// Shutdown waits until every connection is idle or its context is done.
// context.Background() and context.TODO() are never done, so one hung
// handler or a client that keeps a connection busy makes the drain wait
// forever, until the orchestrator kills the process at the end of its grace
// period. Only contexts that are certainly Background or TODO are reported:
// the call's own argument, or a local variable every assignment of which is
// one of them. A context from a parameter, a field, any other call or a
// With* derivation is the caller's business.
//
//	srv.Shutdown(context.Background())  // bad
//
//	ctx, cancel := context.WithTimeout(context.Background(), 25*time.Second)
//	defer cancel()
//	srv.Shutdown(ctx)                   // good
func ShutdownNoDeadline(p *Pass) []Finding {
	if !imports(p.Pkg, "net/http") || !imports(p.Pkg, "context") {
		return nil
	}
	var found []Finding
	// Names of the deadline contexts this pass declares, per statement list,
	// so that two fixes in one block do not both declare ctx.
	taken := map[ast.Node]map[string]bool{}
	// A Shutdown that shutdown-in-handler moves to a goroutine gets its
	// deadline there.
	moved := map[*ast.CallExpr]bool{}
	for _, f := range ShutdownInHandler(p) {
		if fix, ok := f.Fix.(*ShutdownInHandlerFix); ok {
			moved[fix.Call] = true
		}
	}
	for _, f := range p.Owned {
		p.inspectCallees(f, func(n ast.Node, fn *types.Func) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || len(call.Args) != 1 || !isMethod(fn, "net/http", "Server", "Shutdown") {
				return true
			}
			arg := call.Args[0]
			if !p.neverDone(arg) || p.inTestFunc(call) || moved[call] {
				return true
			}
			fd := Finding{
				Pos: call.Pos(), End: call.End(),
				Message: "(*http.Server).Shutdown with a context that has no deadline waits forever for a hung connection; give it a deadline shorter than the grace period",
			}
			if p.neverCalled(p.enclosingFunc(call.Pos())) {
				fd.Harmless = harmlessNeverCalled
				found = append(found, fd)
				return true
			}
			if p.cutByMain(call) {
				fd.Harmless = harmlessCutByMain
				found = append(found, fd)
				return true
			}
			if sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr); ok {
				if fn := p.exitsFirst(p.pathTo(call), varKey(p.Info, sel.X)); fn != "" {
					fd.Harmless = fn + " returns as soon as serving ends and nothing waits for this goroutine: the Shutdown cannot keep the process waiting, and a deadline here changes nothing until " + fn + " waits for the drain (see exit-before-drain)"
					found = append(found, fd)
					return true
				}
			}
			if p.Program.Drain().ForcesExit(p.Pkg) {
				fd.Harmless = harmlessForcedExit
				found = append(found, fd)
				return true
			}
			fix, why := p.shutdownNoDeadlineFix(call, arg, taken)
			fd = withFix(fd, fix, why)
			found = append(found, fd)
			return true
		}, (*ast.CallExpr)(nil))
	}
	return found
}

// A ShutdownNoDeadlineFix declares a deadline context whose base is the
// call's old argument, and passes it to Shutdown instead.
type ShutdownNoDeadlineFix struct {
	Call     *ast.CallExpr
	Deadline DeadlineFix
}

// shutdownNoDeadlineFix places the deadline for call before its statement,
// or says why it cannot: the places deadlineFix refuses, a case or comm
// clause, a loop condition (the deadline would be shared by every try), a
// context variable declared in the statement itself. Names already given
// to another fix of this pass in the same block are not given again.
func (p *Pass) shutdownNoDeadlineFix(call *ast.CallExpr, arg ast.Expr, taken map[ast.Node]map[string]bool) (*ShutdownNoDeadlineFix, string) {
	path := p.pathTo(call)
	d, why := p.deadlineFix(path, arg)
	if why != "" {
		return nil, why
	}
	if d.Reuse != "" {
		return &ShutdownNoDeadlineFix{Call: call, Deadline: d}, ""
	}
	switch s := d.Place.Stmt.(type) {
	case *ast.CaseClause, *ast.CommClause:
		// A switch case expression or a select comm: no statement list
		// to put the declaration in.
		return nil, "the call is not inside a statement list"
	case *ast.ForStmt:
		if s.Init == nil || !within(s.Init, call.Pos()) {
			return nil, "the call is in a loop's condition or post statement"
		}
	}
	if !slices.Contains(stmtList(d.Place.Block), d.Place.Stmt) {
		return nil, "the call is not inside a statement list"
	}
	// A variable base must be in scope where the deadline is declared.
	if v := p.localVar(arg); v != nil && v.Pos() >= d.Place.Stmt.Pos() {
		return nil, "the context variable is declared in the statement that calls Shutdown"
	}
	used := taken[d.Place.Block]
	if used == nil {
		used = map[string]bool{}
		taken[d.Place.Block] = used
	}
	if used[d.Ctx] || used[d.Cancel] {
		d.Ctx, d.Cancel = p.freshPair(d.Place.Stmt, used)
		if d.Ctx == "" {
			return nil, "no free name for the deadline context"
		}
	}
	used[d.Ctx], used[d.Cancel] = true, true
	return &ShutdownNoDeadlineFix{Call: call, Deadline: d}, ""
}

// freshPair returns names for a deadline context and its cancel func that
// are free before s and not in used, or "" when there are none.
func (p *Pass) freshPair(s ast.Stmt, used map[string]bool) (string, string) {
	free := func(name string) bool { return !used[name] && p.FreshName(s, name) == name }
	pairs := [][2]string{{"ctx", "cancel"}, {"shutdownCtx", "shutdownCancel"}, {"drainCtx", "drainCancel"}}
	for i := 2; i < 100; i++ {
		pairs = append(pairs, [2]string{fmt.Sprintf("shutdownCtx%d", i), fmt.Sprintf("shutdownCancel%d", i)})
	}
	for _, pair := range pairs {
		if free(pair[0]) && free(pair[1]) {
			return pair[0], pair[1]
		}
	}
	return "", ""
}

// neverDone reports whether e is certainly context.Background() or
// context.TODO(): such a call itself, or a local variable (not a parameter,
// not captured by address) every assignment of which is such a call.
func (p *Pass) neverDone(e ast.Expr) bool {
	if p.isBackground(e) {
		return true
	}
	v := p.localVar(e)
	if v == nil {
		return false
	}
	f := p.FileOf(v.Pos())
	if f == nil {
		return false
	}
	ok, assigned := true, false
	check := func(rhs ast.Expr) {
		assigned = true
		if rhs == nil || !p.isBackground(rhs) {
			ok = false
		}
	}
	is := func(lhs ast.Expr) bool {
		id, isID := ast.Unparen(lhs).(*ast.Ident)
		return isID && p.Info.ObjectOf(id) == v
	}
	ast.Inspect(f, func(n ast.Node) bool {
		if !ok {
			return false
		}
		switch n := n.(type) {
		case *ast.AssignStmt:
			for i, lhs := range n.Lhs {
				if !is(lhs) {
					continue
				}
				if len(n.Lhs) != len(n.Rhs) {
					check(nil)
				} else {
					check(n.Rhs[i])
				}
			}
		case *ast.ValueSpec:
			for i, name := range n.Names {
				if !is(name) {
					continue
				}
				if len(n.Names) != len(n.Values) {
					check(nil)
				} else {
					check(n.Values[i])
				}
			}
		case *ast.RangeStmt:
			if (n.Key != nil && is(n.Key)) || (n.Value != nil && is(n.Value)) {
				check(nil)
			}
		case *ast.UnaryExpr:
			if is(n.X) {
				check(nil) // &ctx: it may be set through the pointer
			}
		}
		return true
	})
	return ok && assigned
}

// isBackground reports whether e is a call of context.Background or
// context.TODO.
func (p *Pass) isBackground(e ast.Expr) bool {
	call, ok := ast.Unparen(e).(*ast.CallExpr)
	return ok && isFunc(callee(p.Info, call), "context", "Background", "TODO")
}

// localVar returns the variable e names when it is declared in a function
// body (by := or var), not a parameter, result, field or package variable.
func (p *Pass) localVar(e ast.Expr) *types.Var {
	id, ok := ast.Unparen(e).(*ast.Ident)
	if !ok {
		return nil
	}
	v, ok := p.Info.Uses[id].(*types.Var)
	if !ok || v.IsField() || v.Parent() == nil || v.Parent() == p.Pkg.Scope() {
		return nil
	}
	f := p.FileOf(v.Pos())
	if f == nil {
		return nil
	}
	path := enclosing(f, v.Pos(), v.Pos())
	for _, n := range path {
		switch n.(type) {
		case *ast.AssignStmt, *ast.ValueSpec:
			return v
		case *ast.FuncType, *ast.Field, *ast.FieldList, *ast.BlockStmt, *ast.FuncDecl, *ast.FuncLit:
			return nil
		}
	}
	return nil
}
