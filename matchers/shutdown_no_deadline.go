package matchers

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"slices"
	"strings"
)

// ShutdownNoDeadline: (*http.Server).Shutdown with a context that can
// carry no deadline.
//
// Shutdown waits until every connection is idle or its context is done.
// context.Background() and context.TODO() are never done, so one hung
// handler or a client that keeps a connection busy makes the drain wait
// forever, until the orchestrator kills the process at the end of its grace
// period. Only contexts that are certainly Background or TODO are reported:
// the call's own argument, a local variable every assignment of which is
// one of them, or a parameter every call gives one (neverDone). A context
// from a field, any other call or a With* derivation is the caller's
// business.
//
//	srv.Shutdown(context.Background())  // bad
//
//	ctx, cancel := context.WithTimeout(context.Background(), 25*time.Second)
//	defer cancel()
//	srv.Shutdown(ctx)                   // good
func ShutdownNoDeadline(p *Pass) []Finding {
	if !imports(p.Pkg, "context") {
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
			if !ok || len(call.Args) != 1 || !p.Program.ctxShutdown(p.Fset, fn) {
				return true
			}
			arg := call.Args[0]
			if !p.neverDone(arg) || p.inTestFunc(call) || moved[call] {
				return true
			}
			fd := Finding{
				Pos: call.Pos(), End: call.End(),
				Message: "(" + types.TypeString(fn.Signature().Recv().Type(), (*types.Package).Name) + ").Shutdown with a context that has no deadline waits forever for a hung connection; give it a deadline shorter than the grace period",
			}
			if p.neverCalled(p.enclosingFunc(call.Pos())) {
				fd.Harmless = harmlessNeverCalled
				found = append(found, fd)
				return true
			}
			if m := p.Program.Drain(); m.HasMain(p.Pkg) && m.HandlesSignals(p.Pkg) && !m.Runs(call.Pos(), p.enclosingFunc(call.Pos())) && !p.waitsEarlier(call) {
				fd.Harmless = harmlessOffDrain
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
			if p.unjoinedAfter(call) {
				fd.Harmless = harmlessUnjoinedShutdown
				found = append(found, fd)
				return true
			}
			if p.Program.Drain().ForcesExit(p.Pkg) {
				fd.Harmless = harmlessForcedExit
				found = append(found, fd)
				return true
			}
			if p.boundedByCallers(p.enclosingFunc(call.Pos())) {
				fd.Harmless = harmlessBoundedCaller
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

// waitsEarlier reports whether the function holding call (a func literal or
// a declaration) waits before it: a receive, a select, or a range over a
// channel. A Shutdown after a wait is taken as a drain even where the
// drain-path model does not know what the wait is for (the Done of a
// context a command framework hands out).
func (p *Pass) waitsEarlier(call *ast.CallExpr) bool {
	body, _ := funcBody(p.pathTo(call))
	return body == nil || p.waitsBetween(body, body.Pos(), call.Pos(), nil)
}

// harmlessOffDrain is why a Shutdown that does not run when the process is
// told to stop is not a default finding.
const harmlessOffDrain = "it does not run when the process is told to stop (not after the signal wait, and in no function the drain calls: a restart at start-up, a reload): a hung connection here holds up that step, not the drain"

// harmlessUnjoinedShutdown is why a Shutdown that ends a goroutine nothing
// waits for is not a default finding.
const harmlessUnjoinedShutdown = "it ends a function only ever started with go, which tells no one when the Shutdown returns (no close, send or call of the program's after it or deferred): nothing waits for it, so it cannot keep the process waiting, and a deadline changes nothing until something waits for the drain (see exit-before-drain)"

// unjoinedAfter reports whether the Shutdown call is a statement of the
// body of a declared function that every use starts with go (go f(), or a
// func literal without defers ending in f()), whose statements after the
// Shutdown's call and whose deferred calls call nothing of the program
// or of package sync (wg.Done) and close, send or receive on no channel
// (logging and closing a listener are quiet): no one learns when the Shutdown returns (dendrite's SetupAndServeHTTP, whose component is reported
// finished when Shutdown starts).
func (p *Pass) unjoinedAfter(call *ast.CallExpr) bool {
	path := p.pathTo(call)
	fd := funcDeclOf(path)
	if fd == nil || fd.Body == nil {
		return false
	}
	at := -1
	for i, st := range fd.Body.List {
		if st.Pos() <= call.Pos() && call.End() <= st.End() {
			at = i
		}
	}
	if at < 0 || containsLoop(fd.Body.List[at], call) {
		return false
	}
	// The server is served by fd itself: where its caller serves it, and
	// returns when serving ends, exit-before-drain makes the caller wait.
	sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr)
	if !ok || !p.servesIn(fd.Body, varKey(p.Info, sel.X)) {
		return false
	}
	quiet := true
	deferred := map[*ast.CallExpr]bool{}
	ast.Inspect(fd.Body, func(n ast.Node) bool {
		if !quiet {
			return false
		}
		switch n := n.(type) {
		case *ast.FuncLit:
			// A deferred func literal runs after the Shutdown, whole;
			// another runs where it is called.
			for d := range deferred {
				if d.Fun == n {
					return true
				}
			}
			return n.Pos() > call.End()
		case *ast.DeferStmt:
			deferred[n.Call] = true
		case *ast.SendStmt:
			quiet = false
		case *ast.UnaryExpr:
			quiet = !(n.Op == token.ARROW && n.Pos() > call.End())
		case *ast.CallExpr:
			if n.Pos() <= call.End() && !deferred[n] && !insideDeferred(deferred, n) {
				return true
			}
			if id, ok := ast.Unparen(n.Fun).(*ast.Ident); ok {
				if b, ok := p.Info.Uses[id].(*types.Builtin); ok {
					quiet = b.Name() != "close"
					return quiet
				}
			}
			if fn := callee(p.Info, n); fn == nil || fn.Pkg() != nil && fn.Pkg().Path() == "sync" {
				quiet = false // a func value, a cancel, a wg.Done: it may tell someone
			} else if _, ok := p.Program.declOf(fn); ok {
				quiet = false
			}
		}
		return quiet
	})
	if !quiet {
		return false
	}
	fn, ok := p.Info.Defs[fd.Name].(*types.Func)
	if !ok {
		return false
	}
	refs, complete, hidden := p.callRefs(fn)
	if !complete || hidden || len(refs) == 0 {
		return false
	}
	for _, r := range refs {
		if r.pass.inTestFile(r.id) {
			continue
		}
		if r.call == nil {
			return false
		}
		g := r.pass.goStarting(r.call)
		if g == nil {
			return false
		}
		if lit, ok := ast.Unparen(g.Call.Fun).(*ast.FuncLit); ok && len(lit.Body.List) > 1 {
			return false // its defers may tell someone
		}
	}
	return true
}

// servesIn reports whether body (its func literals included) calls
// ListenAndServe, Serve or their TLS forms on the server with key srv.
func (p *Pass) servesIn(body *ast.BlockStmt, srv string) bool {
	found := false
	ast.Inspect(body, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok || found || srv == "" {
			return !found
		}
		if !isMethod(callee(p.Info, call), "net/http", "Server", "ListenAndServe", "ListenAndServeTLS", "Serve", "ServeTLS") {
			return true
		}
		sel := ast.Unparen(call.Fun).(*ast.SelectorExpr)
		found = varKey(p.Info, sel.X) == srv
		return !found
	})
	return found
}

// insideDeferred reports whether n lies inside one of the deferred calls.
func insideDeferred(deferred map[*ast.CallExpr]bool, n ast.Node) bool {
	for d := range deferred {
		if d.Pos() <= n.Pos() && n.End() <= d.End() {
			return true
		}
	}
	return false
}

// containsLoop reports whether, between the statement st and the node n
// inside it, there is a loop.
func containsLoop(st ast.Stmt, n ast.Node) bool {
	found := false
	ast.Inspect(st, func(m ast.Node) bool {
		switch m.(type) {
		case *ast.ForStmt, *ast.RangeStmt:
			if m.Pos() <= n.Pos() && n.End() <= m.End() {
				found = true
			}
		}
		return !found
	})
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
// context.TODO(), or a context that cannot end before e's use: such a call
// itself or a WithValue or WithoutCancel of one, a local variable (not
// captured by address) every assignment of which is one of those or a
// WithCancel of one whose cancel func is only deferred in the function
// that uses e (it runs as that function returns, after the use), or a parameter of a
// declared function for which every call in the program passes such a
// context (up to three calls up; the function's package must be one a
// main of the load imports, so that its callers are the program's, and it
// must be only ever called, never used as a value or through an
// interface).
func (p *Pass) neverDone(e ast.Expr) bool {
	return p.neverDoneUp(e, 3)
}

func (p *Pass) neverDoneUp(e ast.Expr, depth int) bool {
	if p.isBackground(e) {
		return true
	}
	if depth < 0 {
		return false
	}
	if p.derivedNeverDone(e, depth) {
		return true // context.WithValue(context.Background(), k, v) itself
	}
	v := p.localVar(e)
	if v == nil {
		return depth > 0 && p.paramNeverDone(e, depth)
	}
	f := p.FileOf(v.Pos())
	if f == nil {
		return false
	}
	ok, assigned := true, false
	var is func(ast.Expr) bool
	check := func(rhs ast.Expr) {
		assigned = true
		if call, isCall := ast.Unparen(rhs).(*ast.CallExpr); isCall && len(call.Args) > 0 && is(call.Args[0]) &&
			isFunc(callee(p.Info, call), "context", "WithValue", "WithoutCancel") {
			return // ctx = context.WithValue(ctx, k, v): as never done as ctx
		}
		if rhs == nil || !p.isBackground(rhs) && !p.derivedNeverDone(rhs, depth) {
			ok = false
		}
	}
	// ctx, cancel := context.WithCancel(parent).
	checkCancel := func(rhs ast.Expr, cancel ast.Expr) {
		assigned = true
		call, isCall := ast.Unparen(rhs).(*ast.CallExpr)
		if !isCall || len(call.Args) != 1 || !isFunc(callee(p.Info, call), "context", "WithCancel", "WithCancelCause") ||
			!p.neverDoneUp(call.Args[0], depth-1) || !p.onlyDeferred(cancel, e) {
			ok = false
		}
	}
	is = func(lhs ast.Expr) bool {
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
				switch {
				case len(n.Lhs) == len(n.Rhs):
					check(n.Rhs[i])
				case len(n.Lhs) == 2 && len(n.Rhs) == 1 && i == 0:
					checkCancel(n.Rhs[0], n.Lhs[1])
				default:
					check(nil)
				}
			}
		case *ast.ValueSpec:
			for i, name := range n.Names {
				if !is(name) {
					continue
				}
				switch {
				case len(n.Names) == len(n.Values):
					check(n.Values[i])
				case len(n.Names) == 2 && len(n.Values) == 1 && i == 0:
					checkCancel(n.Values[0], n.Names[1])
				default:
					check(nil)
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

// derivedNeverDone reports whether e is context.WithValue(parent, k, v)
// of a parent neverDoneUp holds for with depth-1, or
// context.WithoutCancel(anything): neither can end.
func (p *Pass) derivedNeverDone(e ast.Expr, depth int) bool {
	call, ok := ast.Unparen(e).(*ast.CallExpr)
	if !ok || len(call.Args) == 0 {
		return false
	}
	fn := callee(p.Info, call)
	switch {
	case isFunc(fn, "context", "WithoutCancel"):
		return true
	case isFunc(fn, "context", "WithValue"):
		return p.neverDoneUp(call.Args[0], depth-1)
	}
	return false
}

// onlyDeferred reports whether cancel is the blank identifier or a local
// variable whose every use is a deferred call of it (defer cancel(),
// defer cancel(cause), or defer func() { cancel() }()) made in the
// function that holds use, not in a func literal inside it, and use is not
// handed to a goroutine: the context it cancels stays alive until after
// use.
func (p *Pass) onlyDeferred(cancel ast.Expr, use ast.Expr) bool {
	id, ok := ast.Unparen(cancel).(*ast.Ident)
	if !ok {
		return false
	}
	if id.Name == "_" {
		return true
	}
	v, _ := p.Info.ObjectOf(id).(*types.Var)
	if v == nil || v.Parent() == nil || v.Parent() == p.Pkg.Scope() {
		return false
	}
	path := p.pathTo(use)
	body, _ := funcBody(path)
	if body == nil {
		return false
	}
	for _, n := range path {
		if _, ok := n.(*ast.GoStmt); ok {
			return false // handed to a goroutine, which may outlive the function
		}
	}
	uses, deferred := 0, 0
	for _, obj := range p.Info.Uses {
		if obj == v {
			uses++
		}
	}
	// cancel(), or cancel(cause) for a CancelCauseFunc.
	isCancel := func(call *ast.CallExpr) bool {
		f, ok := ast.Unparen(call.Fun).(*ast.Ident)
		return ok && p.Info.Uses[f] == v
	}
	ast.Inspect(body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit:
			return false
		case *ast.DeferStmt:
			if isCancel(n.Call) {
				deferred++
			}
			// defer func() { cancel() }(): a literal that only cancels.
			if lit, ok := ast.Unparen(n.Call.Fun).(*ast.FuncLit); ok && len(n.Call.Args) == 0 && len(lit.Body.List) == 1 {
				if es, ok := lit.Body.List[0].(*ast.ExprStmt); ok {
					if call, ok := ast.Unparen(es.X).(*ast.CallExpr); ok && isCancel(call) {
						deferred++
					}
				}
			}
		}
		return true
	})
	return uses == deferred
}

// paramNeverDone reports whether e names a parameter of a declared
// function that every call of it in the program gives a context
// neverDoneUp holds for, with depth-1.
func (p *Pass) paramNeverDone(e ast.Expr, depth int) bool {
	id, ok := ast.Unparen(e).(*ast.Ident)
	if !ok {
		return false
	}
	v, ok := p.Info.Uses[id].(*types.Var)
	if !ok || v.IsField() || !p.Program.Drain().HasMain(p.Pkg) {
		return false
	}
	f := p.FileOf(v.Pos())
	if f == nil {
		return false
	}
	fn, index := p.paramIndex(v)
	fd := funcDeclOf(enclosing(f, v.Pos(), v.Pos()))
	if fn == nil || fd == nil || assignsTo(p.Info, fd.Body, v, nil) {
		return false
	}
	i := fn.Signature().Params().Len()
	key := crossPkgKey(fn)
	if key == "" || fd.Recv != nil && p.interfaceRequiring(fn, key) != "" {
		return false
	}
	calls := 0
	for _, r := range p.programRefs(fn, key) {
		if r.pass.inTestFile(r.id) {
			continue
		}
		if r.call == nil || len(r.call.Args) != i {
			return false
		}
		if sel, ok := ast.Unparen(r.call.Fun).(*ast.SelectorExpr); ok {
			if s, ok := r.pass.Info.Selections[sel]; ok && s.Kind() == types.MethodExpr {
				return false
			}
		}
		if !r.pass.neverDoneUp(r.call.Args[index], depth-1) {
			return false
		}
		calls++
	}
	return calls > 0
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

// ctxShutdown reports whether fn is a server's Shutdown that waits as
// long as its context lets it: (*http.Server).Shutdown, or a method named
// Shutdown that takes just a context.Context, of a dependency's type that
// also has a method whose name begins with Serve, ListenAndServe or Start
// (a web framework's server, an SSH server), unless its source makes a
// deadline of its own. Found by signature, not by a list of types. The program's own Shutdown methods are not: one that
// hands its context to a server's Shutdown is reported there (the context
// traced back to its callers), and one that does not may bound itself.
func (p *Program) ctxShutdown(fset *token.FileSet, fn *types.Func) bool {
	if fn == nil || fn.Name() != "Shutdown" {
		return false
	}
	if isMethod(fn, "net/http", "Server", "Shutdown") {
		return true
	}
	sig := fn.Signature()
	if sig.Recv() == nil || sig.Params().Len() != 1 || !isContext(sig.Params().At(0).Type()) {
		return false
	}
	if _, ok := p.declOf(fn); ok || p.passOf(fn.Pkg()) != nil {
		return false
	}
	// A Shutdown whose source (when the module cache has it) makes a
	// deadline of its own bounds itself.
	if fd := p.funcSource(fset, fn); fd != nil && fd.Body != nil && makesDeadline(fd.Body) {
		return false
	}
	ms := types.NewMethodSet(types.NewPointer(derefType(sig.Recv().Type())))
	for i := range ms.Len() {
		name := ms.At(i).Obj().Name()
		if strings.HasPrefix(name, "Serve") || strings.HasPrefix(name, "ListenAndServe") || strings.HasPrefix(name, "Start") {
			return true
		}
	}
	return false
}

// makesDeadline reports whether body, read without types, calls
// context.WithTimeout or context.WithDeadline (or their Cause forms).
func makesDeadline(body *ast.BlockStmt) bool {
	found := false
	ast.Inspect(body, func(n ast.Node) bool {
		if sel, ok := n.(*ast.SelectorExpr); ok {
			if x, ok := sel.X.(*ast.Ident); ok && x.Name == "context" && strings.HasPrefix(sel.Sel.Name, "With") && (strings.Contains(sel.Sel.Name, "Timeout") || strings.Contains(sel.Sel.Name, "Deadline")) {
				found = true
			}
		}
		return !found
	})
	return found
}
