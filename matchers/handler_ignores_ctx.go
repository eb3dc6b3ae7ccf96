package matchers

import (
	"fmt"
	"go/ast"
	"go/constant"
	"go/token"
	"go/types"
	"slices"
	"strings"
	"time"
)

// HandlerIgnoresCtx: time.Sleep in an HTTP handler.
//
// A handler that sleeps does not notice that its request's context is
// done: the client has gone, or the server is cutting connections at the
// end of a drain. It sleeps on, and the server's Shutdown waits for it. A
// handler is a function, method or literal of type func(http.ResponseWriter,
// *http.Request). Not reported: a Sleep in a goroutine the handler starts or
// in a closure it stores for later, a constant Sleep under a second outside
// any loop (the drain waits no longer than that; also a field the program
// only sets to such constants, directly or through a setter), a handler that already
// selects on a context's Done or checks its Err (it polls, and the Sleep is
// its interval), and handlers in _test.go files (a test's slow handler is
// slow on purpose).
//
//	func handle(w http.ResponseWriter, r *http.Request) {
//		time.Sleep(30 * time.Second)              // bad
//		fmt.Fprintln(w, "done")
//	}
//
//	func handle(w http.ResponseWriter, r *http.Request) {
//		t := time.NewTimer(30 * time.Second)      // good
//		select {
//		case <-t.C:
//		case <-r.Context().Done():
//			http.Error(w, "cancelled", http.StatusServiceUnavailable)
//			return
//		}
//		fmt.Fprintln(w, "done")
//	}
func HandlerIgnoresCtx(p *Pass) []Finding {
	if !imports(p.Pkg, "net/http") || !imports(p.Pkg, "time") {
		return nil
	}
	var idx *handlerIndex
	var found []Finding
	for _, f := range p.Owned {
		if strings.HasSuffix(p.Fset.File(f.Pos()).Name(), "_test.go") {
			continue
		}
		p.inspectCallees(f, func(n ast.Node, fn *types.Func) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || len(call.Args) != 1 || !isFunc(fn, "time", "Sleep") {
				return true
			}
			if idx == nil {
				idx = p.httpHandlers()
			}
			if fd, ok := p.handlerSleep(call, idx); ok {
				found = append(found, fd)
			}
			return true
		}, (*ast.CallExpr)(nil))
	}
	return found
}

// A HandlerIgnoresCtxFix replaces the statement time.Sleep(d) with
//
//	Timer := time.NewTimer(d)
//	defer Timer.Stop()                  // DeferStop
//	select {
//	case <-Timer.C:
//	case <-Req.Context().Done():
//		Timer.Stop()                    // StopOnDone
//		http.Error(Writer, "cancelled", http.StatusServiceUnavailable)
//		return
//	}
//
// where http.Error is left out when Writer is "" (the handler has written
// to the response already), and the handler's parameters in Names are
// named first (they were _ or unnamed).
type HandlerIgnoresCtxFix struct {
	Place                 StmtPlace
	Call                  *ast.CallExpr
	Timer                 string
	DeferStop, StopOnDone bool
	Req, Writer           string
	Names                 []ParamName
}

// A ParamName gives a blank or unnamed parameter a name: Field.Names[Index]
// is renamed, or, when Index is -1, the unnamed Field gets the name.
type ParamName struct {
	Field *ast.Field
	Index int
	Name  string
}

const handlerIgnoresCtxMsg = "time.Sleep in an HTTP handler ignores the request's context: the handler sleeps on after the client has gone or the server cuts its connection, and the drain waits for it; wait in a select on r.Context().Done()"

// harmlessCtxNotCancelled is why a handler's Sleep is not a default
// finding in a program whose drain ends no request context: Shutdown waits
// for the Sleep as it waits for any request's work, and a select on the
// request's context would end it only when the client goes away.
const harmlessCtxNotCancelled = "no drain of this program ends request contexts while it waits for them (no server sets BaseContext; a Close after Shutdown's deadline ends them only once the drain has stopped waiting): Shutdown waits out the Sleep, up to its deadline, as it waits for any request's work, and watching r.Context() would end it only when the client goes away"

// handlerSleep reports the Sleep call when it runs in a handler that does
// not watch a context.
func (p *Pass) handlerSleep(call *ast.CallExpr, idx *handlerIndex) (Finding, bool) {
	path := p.pathTo(call)
	if len(path) < 2 {
		return Finding{}, false
	}
	if _, ok := path[1].(*ast.GoStmt); ok {
		return Finding{}, false
	}
	h, direct := p.handlerOf(path, idx)
	if h == nil || h.R.Field == nil || p.watchesContext(h.Body) {
		return Finding{}, false
	}
	loop := outerLoop(path, h.Node)
	if loop == nil && (p.shortSleep(call.Args[0]) || p.shortField(call.Args[0])) {
		return Finding{}, false
	}
	fd := Finding{Pos: call.Pos(), End: call.End(), Message: handlerIgnoresCtxMsg}
	if !p.requestCtxEndsOnDrain() {
		fd.Harmless = harmlessCtxNotCancelled
	}
	fix, why := p.handlerSleepFix(path, h, direct, loop)
	setFix(&fd, fix, why)
	return fd, true
}

func (p *Pass) handlerSleepFix(path []ast.Node, h *httpHandler, direct bool, loop ast.Node) (*HandlerIgnoresCtxFix, string) {
	call := path[0].(*ast.CallExpr)
	if !direct {
		return nil, "the Sleep is in a closure the handler runs, not in the handler's own body"
	}
	es, ok := path[1].(*ast.ExprStmt)
	if !ok {
		return nil, "the Sleep is deferred"
	}
	place, ok := stmtPlace(path)
	if !ok || place.Stmt != es {
		return nil, "the Sleep is not a statement of its own in a statement list"
	}
	if where := p.callerGoesOn(h); where != "" {
		return nil, fmt.Sprintf("the handler is also called directly (%s), and its caller would go on after an early return", where)
	}
	if what := p.releasedAfter(h.Body, es); what != "" {
		return nil, fmt.Sprintf("returning early would skip %s", what)
	}
	fix := &HandlerIgnoresCtxFix{Place: place, Call: call}
	if fix.Timer = p.FreshName(es, "t", "timer"); fix.Timer == "" {
		return nil, "no free name for the timer"
	}
	if !p.AtLeast(call.Pos(), "go1.23") {
		// Before Go 1.23 a timer is not collected until it fires or is
		// stopped; a defer in a loop would pile up, so stop it on return.
		fix.DeferStop, fix.StopOnDone = loop == nil, loop != nil
	}
	// An unnamed writer is never written to before: the 503 is always due,
	// and so both unnamed parameters get names.
	var why string
	if fix.Req, why = p.paramName(h, es, h.R, "r", "req", "request"); why != "" {
		return nil, why
	}
	if !p.writtenBefore(h, es, loop) {
		if fix.Writer, why = p.paramName(h, es, h.W, "w", "rw", "resp"); why != "" {
			return nil, why
		}
	}
	for _, prm := range []struct {
		param handlerParam
		name  string
	}{{h.W, fix.Writer}, {h.R, fix.Req}} {
		if prm.param.Var == nil && prm.name != "" {
			fix.Names = append(fix.Names, ParamName{Field: prm.param.Field, Index: prm.param.Index, Name: prm.name})
		}
	}
	return fix, ""
}

// paramName returns the name under which the handler's parameter can be
// used at s: its own, when it is named and not shadowed there, or a name
// free in the whole function for a blank or unnamed one (the same for every
// fix in the handler, since each renames the parameter).
func (p *Pass) paramName(h *httpHandler, s ast.Stmt, prm handlerParam, candidates ...string) (string, string) {
	if prm.Var != nil {
		if sc := p.scopeAt(s); sc != nil {
			if _, obj := sc.LookupParent(prm.Var.Name(), s.Pos()); obj == prm.Var {
				return prm.Var.Name(), ""
			}
		}
		return "", fmt.Sprintf("the handler's parameter %s is shadowed at the Sleep", prm.Var.Name())
	}
	fnScope := p.Info.Scopes[h.Type]
	for _, c := range candidates {
		if fnScope != nil && !declaredIn(fnScope, c) {
			if _, obj := fnScope.LookupParent(c, h.Body.Pos()); obj == nil {
				return c, ""
			}
		}
	}
	return "", "no free name for the handler's parameter"
}

// declaredIn reports whether name is declared in sc or any scope inside it.
func declaredIn(sc *types.Scope, name string) bool {
	if sc.Lookup(name) != nil {
		return true
	}
	for i := 0; i < sc.NumChildren(); i++ {
		if declaredIn(sc.Child(i), name) {
			return true
		}
	}
	return false
}

// watchesContext reports whether a handler's body (outside the closures in
// it) selects on a context's Done or asks for its Err.
func (p *Pass) watchesContext(body *ast.BlockStmt) bool {
	found := false
	ast.Inspect(body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit:
			return false
		case *ast.CommClause:
			if w, ok := p.recvWait(n.Comm); ok && !w.signal {
				found = true
			}
		case *ast.CallExpr:
			if sel, ok := ast.Unparen(n.Fun).(*ast.SelectorExpr); ok && sel.Sel.Name == "Err" && len(n.Args) == 0 && isContext(p.Info.TypeOf(sel.X)) {
				found = true
			}
		}
		return !found
	})
	return found
}

// outerLoop returns the outermost loop around path[0] inside fn, or nil.
func outerLoop(path []ast.Node, fn ast.Node) ast.Node {
	var loop ast.Node
	for _, n := range path {
		if n == fn {
			break
		}
		switch n.(type) {
		case *ast.ForStmt, *ast.RangeStmt:
			loop = n
		}
	}
	return loop
}

// repeatingLoop is outerLoop for a call that can run again: none when the
// call's statement list ends in a return after it (a select case on the
// stop that drains, then returns), since the function then leaves every
// loop.
func repeatingLoop(path []ast.Node, fn ast.Node) ast.Node {
	for _, n := range path {
		if n == fn {
			break
		}
		switch n.(type) {
		case *ast.ForStmt, *ast.RangeStmt:
			return outerLoop(path, fn) // the call repeats with it
		}
		if list := stmtList(n); len(list) > 0 {
			if _, ok := list[len(list)-1].(*ast.ReturnStmt); ok && path[0].Pos() < list[len(list)-1].Pos() {
				return nil
			}
		}
	}
	return outerLoop(path, fn)
}

// shortField reports whether d is a field (x.f) that the program only
// ever sets to constant durations under a second: every assignment to it
// outside test files stores such a constant, or a parameter of the
// function it is in (a setter) that every call outside test files gives
// such a constant (frp's SetAuthFailDelay(200 * time.Millisecond)).
func (p *Pass) shortField(d ast.Expr) bool {
	sel, ok := ast.Unparen(d).(*ast.SelectorExpr)
	if !ok {
		return false
	}
	field, ok := p.Info.Uses[sel.Sel].(*types.Var)
	if !ok || !field.IsField() {
		return false
	}
	stores := 0
	short := true
	for _, pass := range p.Program.Packages {
		for _, f := range pass.Files {
			if !short || strings.HasSuffix(pass.Fset.File(f.Pos()).Name(), "_test.go") {
				continue
			}
			ast.Inspect(f, func(n ast.Node) bool {
				if !short {
					return false
				}
				var value ast.Expr
				switch n := n.(type) {
				case *ast.AssignStmt:
					for i, l := range n.Lhs {
						if ls, ok := ast.Unparen(l).(*ast.SelectorExpr); ok && pass.Info.Uses[ls.Sel] == field {
							if len(n.Rhs) != len(n.Lhs) || n.Tok != token.ASSIGN {
								short = false
								return false
							}
							value = n.Rhs[i]
						}
					}
				case *ast.KeyValueExpr:
					if id, ok := n.Key.(*ast.Ident); ok && pass.Info.Uses[id] == field {
						value = n.Value
					}
				case *ast.UnaryExpr:
					if n.Op == token.AND {
						if ls, ok := ast.Unparen(n.X).(*ast.SelectorExpr); ok && pass.Info.Uses[ls.Sel] == field {
							short = false // its address escapes
						}
					}
				}
				if value != nil {
					stores++
					short = pass.shortSleep(value) || pass.shortParam(value)
				}
				return short
			})
		}
	}
	return short && stores > 0
}

// shortParam reports whether e is a parameter of the function declaring
// it that every call of that function outside test files (at least one)
// gives a constant duration under a second.
func (p *Pass) shortParam(e ast.Expr) bool {
	id, ok := ast.Unparen(e).(*ast.Ident)
	if !ok {
		return false
	}
	param, ok := p.Info.Uses[id].(*types.Var)
	if !ok {
		return false
	}
	fn := p.enclosingFunc(id.Pos())
	if fn == nil {
		return false
	}
	params := fn.Signature().Params()
	index := -1
	for i := 0; i < params.Len(); i++ {
		if params.At(i) == param {
			index = i
		}
	}
	if index < 0 || fn.Signature().Variadic() && index == params.Len()-1 {
		return false
	}
	calls := 0
	for _, pass := range p.Program.Packages {
		for use, obj := range pass.Info.Uses {
			if f, ok := obj.(*types.Func); !ok || f.Origin() != fn.Origin() || strings.HasSuffix(pass.Fset.Position(use.Pos()).Filename, "_test.go") {
				continue
			}
			path := pass.pathTo(use)
			var call *ast.CallExpr
			for i := 1; i < len(path) && i <= 2; i++ {
				if c, ok := path[i].(*ast.CallExpr); ok && (ast.Unparen(c.Fun) == path[i-1]) {
					call = c
				}
			}
			if call == nil || index >= len(call.Args) || !pass.shortSleep(call.Args[index]) {
				return false // a method value, or a long or unknown delay
			}
			calls++
		}
	}
	return calls > 0
}

// shortSleep reports whether d is a constant duration under a second.
func (p *Pass) shortSleep(d ast.Expr) bool {
	tv := p.Info.Types[d]
	if tv.Value == nil {
		return false
	}
	ns, exact := constant.Int64Val(constant.ToInt(tv.Value))
	return exact && ns < int64(time.Second)
}

// releasedAfter describes an unlock or WaitGroup.Done that the body runs,
// undeferred, after the statement s, or returns "": an early return would
// skip it and leave the lock held or the group waiting.
func (p *Pass) releasedAfter(body *ast.BlockStmt, s ast.Stmt) string {
	what := ""
	ast.Inspect(body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit, *ast.DeferStmt:
			return false
		case *ast.CallExpr:
			fn := callee(p.Info, n)
			if n.Pos() > s.End() && what == "" && (isMethod(fn, "sync", "Mutex", "Unlock") ||
				isMethod(fn, "sync", "RWMutex", "Unlock", "RUnlock") ||
				isMethod(fn, "sync", "Locker", "Unlock") ||
				isMethod(fn, "sync", "WaitGroup", "Done") || p.endsLocal(body, s, n) || p.undoes(fn, body, s, 1)) {
				what = fmt.Sprintf("%s() on line %d", types.ExprString(n.Fun), p.Fset.Position(n.Pos()).Line)
			}
		}
		return what == ""
	})
	return what
}

// undoes reports whether a call of fn after the statement s undoes what
// the handler did before s: it ends what its pair began (endsBegun), it is
// a setter (Set..., Enable..., Disable...) the handler also called before
// s (runtime.SetMutexProfileFraction(5), then (0)), or it is a function of
// the program that makes such a call itself (depth levels down: a helper
// that stops the profile).
func (p *Pass) undoes(fn *types.Func, body *ast.BlockStmt, s ast.Stmt, depth int) bool {
	if fn == nil {
		return false
	}
	if endsBegun(fn, body, s, p.Info) {
		return true
	}
	if fn.Signature().Recv() == nil && (strings.HasPrefix(fn.Name(), "Set") || strings.HasPrefix(fn.Name(), "Enable") || strings.HasPrefix(fn.Name(), "Disable")) &&
		calledBefore(p.Info, body, s, func(b *types.Func) bool { return b == fn }) {
		return true
	}
	if depth == 0 || p.Program == nil {
		return false
	}
	d, ok := p.Program.declOf(fn)
	if !ok || d.fd.Body == nil {
		return false
	}
	found := false
	ast.Inspect(d.fd.Body, func(n ast.Node) bool {
		if call, ok := n.(*ast.CallExpr); ok && !found {
			found = p.undoes(callee(d.pass.Info, call), body, s, depth-1)
		}
		return !found
	})
	return found
}

// endsBegun reports whether fn (called after the statement s) is a
// function whose name ends what a call before s, of a function of the same
// package with the matching name, began: pprof.StopCPUProfile after
// pprof.StartCPUProfile, trace.Stop after trace.Start,
// runtime.UnlockOSThread after LockOSThread. An early return would leave it
// running (every later profile fails: "cpu profiling already in use").
func endsBegun(fn *types.Func, body *ast.BlockStmt, s ast.Stmt, info *types.Info) bool {
	if fn == nil || fn.Pkg() == nil {
		return false
	}
	begin := ""
	for _, pair := range [][2]string{{"Stop", "Start"}, {"End", "Begin"}, {"Finish", "Start"}, {"Close", "Open"}, {"Release", "Acquire"}, {"Unlock", "Lock"}} {
		if rest, ok := strings.CutPrefix(fn.Name(), pair[0]); ok {
			begin = pair[1] + rest
			break
		}
	}
	return begin != "" && calledBefore(info, body, s, func(b *types.Func) bool { return b.Pkg() == fn.Pkg() && b.Name() == begin })
}

// calledBefore reports whether body calls, before the statement s and not
// deferred or in a func literal, a function match holds for.
func calledBefore(info *types.Info, body *ast.BlockStmt, s ast.Stmt, match func(*types.Func) bool) bool {
	found := false
	ast.Inspect(body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit, *ast.DeferStmt:
			return false
		case *ast.CallExpr:
			if b := callee(info, n); n.End() <= s.Pos() && b != nil && match(b) {
				found = true
			}
		}
		return !found
	})
	return found
}

// releaseNames are the names of methods that end what a value began: a
// tracing span, a timer of a latency measure, a lease.
var releaseNames = []string{"End", "Finish", "Finished", "Close", "Release", "Stop", "Done", "Unlock"}

// endsLocal reports whether call is v.M() with M one of releaseNames on a
// local variable v of body declared before the statement s: something the
// handler began before s and ends after it (lp := start(); ...;
// lp.Finished()).
func (p *Pass) endsLocal(body *ast.BlockStmt, s ast.Stmt, call *ast.CallExpr) bool {
	sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr)
	if !ok || !slices.Contains(releaseNames, sel.Sel.Name) {
		return false
	}
	id, ok := ast.Unparen(sel.X).(*ast.Ident)
	if !ok {
		return false
	}
	v, ok := p.Info.Uses[id].(*types.Var)
	return ok && !v.IsField() && v.Pos() > body.Pos() && v.Pos() < s.Pos()
}

// writtenBefore reports whether the handler may have written to its
// response before s runs: it uses its ResponseWriter (other than for
// Header()) before s, or anywhere in a loop around s. Writing a 503 after
// that would only add noise to a response already under way.
func (p *Pass) writtenBefore(h *httpHandler, s ast.Stmt, loop ast.Node) bool {
	w := h.W.Var
	if w == nil {
		return false
	}
	written := false
	ast.Inspect(h.Body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.SelectorExpr:
			if id, ok := n.X.(*ast.Ident); ok && p.Info.Uses[id] == w && n.Sel.Name == "Header" {
				return false
			}
		case *ast.Ident:
			if p.Info.Uses[n] == w && (n.Pos() < s.Pos() || (loop != nil && within(loop, n.Pos()))) {
				written = true
			}
		}
		return !written
	})
	return written
}
