package matchers

import (
	"go/ast"
	"go/token"
	"go/types"
	"slices"
	"strings"
	"unicode"
)

// CondNoDeadline: a drain waits on a sync.Cond in a loop that only the
// condition can end.
//
// A drain method (Drain, Shutdown, Stop, Close, GracefulStop, an exported
// Wait…, or any method that closes a channel or cancels a context) that
// waits with for cond { c.Wait() } hangs forever when the condition never
// turns: a stuck request keeps inFlight above zero and the drain outlives
// the grace period. Cond.Wait cannot be given a deadline; the way out is
// context.AfterFunc, which broadcasts on the Cond (holding its lock, so the
// wake-up cannot slip in before Wait) once the context is done, and a
// ctx.Err() check in the loop. The fix needs a context in scope, go1.21 for
// AfterFunc, and a last result of type error to return ctx.Err() through;
// without them (or for a loop inside another loop, where the deferred
// stop would pile up, or a Cond reached through a call) the finding is
// reported only. Blocking queues (Pop, Get,
// Take) wait on a Cond by design and are not drains; a loop that already
// checks its context, or a function that already wakes its Cond with
// context.AfterFunc or time.AfterFunc, is not reported.
//
//	s.mu.Lock()
//	defer s.mu.Unlock()
//	for s.inFlight > 0 {
//		s.cond.Wait()                     // bad: no way out but inFlight
//	}
//
//	s.mu.Lock()
//	defer s.mu.Unlock()
//	stop := context.AfterFunc(ctx, func() {
//		s.cond.L.Lock()
//		defer s.cond.L.Unlock()
//		s.cond.Broadcast()
//	})
//	defer stop()
//	for s.inFlight > 0 {
//		if err := ctx.Err(); err != nil { // good
//			return err
//		}
//		s.cond.Wait()
//	}
func CondNoDeadline(p *Pass) []Finding {
	if !imports(p.Pkg, "sync") {
		return nil
	}
	var found []Finding
	for _, f := range p.Owned {
		// The functions that call (*sync.Cond).Wait at all, from the
		// index: isDrainFunc and wakesCond walk whole bodies.
		waiters := p.funcsCalling(f, func(fn *types.Func) bool { return isMethod(fn, "sync", "Cond", "Wait") })
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Body == nil || !waiters[fd] || !p.isDrainFunc(fd) || p.wakesCond(fd.Body) {
				continue
			}
			ast.Inspect(fd.Body, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.FuncLit:
					return false // another function, perhaps a goroutine
				case *ast.ForStmt:
					if wait := p.condWaitIn(n); wait != nil && !p.checksCtx(n) {
						found = append(found, p.condNoDeadline(fd, n, wait))
					}
				}
				return true
			})
		}
	}
	return found
}

// A CondNoDeadlineFix wakes the Cond of a wait loop when Ctx is done and
// returns Ctx's error from the loop:
//
//	Stop := context.AfterFunc(Ctx, func() { Cond.L.Lock(); defer Cond.L.Unlock(); Cond.Broadcast() })
//	defer Stop()
//
// before Place (the loop), and, at the top of the loop's body,
//
//	if err := Ctx.Err(); err != nil { return Zeros..., err }
type CondNoDeadlineFix struct {
	Loop  *ast.ForStmt
	Place StmtPlace
	Cond  ast.Expr // the Cond waited on: c in c.Wait()
	Ctx   string
	Stop  string   // proposed name of AfterFunc's stop func
	Zeros []string // zero values of the results before the error: 0, "", false, nil or T{}
	// Unlock, when set, is the explicit unlock after the loop (the
	// function locks before it and defers no unlock): the early return
	// runs it first, or the lock would stay held.
	Unlock *ast.ExprStmt
}

func (p *Pass) condNoDeadline(fd *ast.FuncDecl, loop *ast.ForStmt, wait *ast.CallExpr) Finding {
	cond := wait.Fun.(*ast.SelectorExpr).X
	fdg := Finding{
		Pos: wait.Pos(), End: wait.End(),
		Message: "sync.Cond wait loop in " + fd.Name.Name + " has no deadline: if what it waits for never comes, the drain blocks forever, past the grace period; wake the Cond with context.AfterFunc and return ctx.Err()",
	}
	if fdg.Harmless = p.unboundedDrainHarmless(fdg.Pos); fdg.Harmless != "" {
		return fdg
	}
	if fix, why := p.condNoDeadlineFix(fd, loop, cond); fix != nil {
		fdg.Fix = fix
	} else {
		fdg.NoFix = why
	}
	return fdg
}

func (p *Pass) condNoDeadlineFix(fd *ast.FuncDecl, loop *ast.ForStmt, cond ast.Expr) (*CondNoDeadlineFix, string) {
	ctx := p.ContextAt(loop.Pos())
	if ctx == nil {
		return nil, "add a ctx parameter: " + fd.Name.Name + " has no context to bound the wait by"
	}
	if !p.AtLeast(loop.Pos(), "go1.21") {
		return nil, "context.AfterFunc needs go1.21 and the file's language version is older"
	}
	fn, _ := p.Info.Defs[fd.Name].(*types.Func)
	if fn == nil {
		return nil, "the function has no type information"
	}
	res := fn.Signature().Results()
	if res.Len() == 0 || !isErrorType(res.At(res.Len()-1).Type()) {
		return nil, fd.Name.Name + " does not return an error to report the expired context through"
	}
	path := p.pathTo(loop)
	if inLoop(path) {
		return nil, "the wait loop is inside another loop: a deferred stop would pile up until the function returns"
	}
	place, ok := stmtPlace(path)
	if !ok {
		return nil, "the wait loop is not in a statement list"
	}
	if refKey(p.Info, cond) == "" || !p.sameMeaningAt(cond, place.Stmt.Pos()) {
		return nil, "the Cond is not a variable or field that can be named before the loop"
	}
	top := loop.Body.List[0].Pos()
	scope := p.Pkg.Scope().Innermost(top)
	if _, obj := scope.LookupParent(ctx.Name(), top); obj != ctx {
		return nil, ctx.Name() + " is shadowed in the loop"
	}
	zeros := make([]string, 0, res.Len()-1)
	for i := 0; i < res.Len()-1; i++ {
		z := p.zeroText(res.At(i).Type(), scope, top)
		if z == "" {
			return nil, "no simple zero value for the result of type " + types.TypeString(res.At(i).Type(), types.RelativeTo(p.Pkg))
		}
		zeros = append(zeros, z)
	}
	stop := p.FreshName(place.Stmt, "stop", "stopWake")
	if stop == "" {
		return nil, "no free name for the stop func"
	}
	unlock, why := p.condUnlock(fd, place)
	if why != "" {
		return nil, why
	}
	return &CondNoDeadlineFix{Loop: loop, Place: place, Cond: cond, Ctx: ctx.Name(), Stop: stop, Zeros: zeros, Unlock: unlock}, ""
}

// condUnlock returns the unlock the fix's early return must run first:
// when fd locks (sync's Lock or RLock, a Locker's too) before the wait
// loop at place, in its block, and defers no unlock, the first unlock
// statement after the loop in that block. A function that does not lock
// waits under its caller's lock, which the caller releases.
func (p *Pass) condUnlock(fd *ast.FuncDecl, place StmtPlace) (*ast.ExprStmt, string) {
	syncCall := func(call *ast.CallExpr, names ...string) bool {
		fn := callee(p.Info, call)
		return fn != nil && fn.Pkg() != nil && fn.Pkg().Path() == "sync" && slices.Contains(names, fn.Name())
	}
	deferred := false
	inspectFunc(fd.Body, func(n ast.Node) bool {
		if d, ok := n.(*ast.DeferStmt); ok && syncCall(d.Call, "Unlock", "RUnlock") {
			deferred = true
		}
		return !deferred
	})
	if deferred {
		return nil, ""
	}
	list := stmtList(place.Block)
	at := slices.Index(list, place.Stmt)
	locked := false
	for _, st := range list[:max(at, 0)] {
		if es, ok := st.(*ast.ExprStmt); ok {
			if call, ok := ast.Unparen(es.X).(*ast.CallExpr); ok && syncCall(call, "Lock", "RLock") {
				locked = true
			}
		}
	}
	if !locked {
		return nil, ""
	}
	for _, st := range list[at+1:] {
		if es, ok := st.(*ast.ExprStmt); ok {
			if call, ok := ast.Unparen(es.X).(*ast.CallExpr); ok && syncCall(call, "Unlock", "RUnlock") {
				return es, ""
			}
		}
	}
	return nil, "the function locks before the wait loop and unlocks neither by defer nor right after the loop: the early return on the deadline would leave the lock held"
}

// isDrainFunc reports whether fd drains something: its name says so, or it
// closes a channel or cancels a context (stopping workers). Blocking-queue
// methods are not drains, whatever they do.
func (p *Pass) isDrainFunc(fd *ast.FuncDecl) bool {
	name := fd.Name.Name
	upper := strings.ToUpper(name[:1]) + name[1:]
	switch upper {
	case "Pop", "Get", "Take", "Dequeue", "Next", "Recv", "Receive", "Acquire":
		return false
	}
	if isWaitDrainName(name) {
		return true
	}
	if rest, ok := strings.CutPrefix(name, "Wait"); ok && (rest == "" || unicode.IsUpper(rune(rest[0]))) {
		return true
	}
	stops := false
	ast.Inspect(fd.Body, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok || stops {
			return !stops
		}
		if id := identOf(call.Fun); id != nil {
			if b, ok := p.Info.Uses[id].(*types.Builtin); ok && b.Name() == "close" {
				stops = true
			}
		}
		t := p.Info.TypeOf(call.Fun)
		if isNamed(t, "context", "CancelFunc") || isNamed(t, "context", "CancelCauseFunc") {
			stops = true
		}
		return true
	})
	return stops
}

// condWaitIn returns the (*sync.Cond).Wait call that is a statement of the
// loop's body, or nil.
func (p *Pass) condWaitIn(loop *ast.ForStmt) *ast.CallExpr {
	for _, s := range loop.Body.List {
		es, ok := s.(*ast.ExprStmt)
		if !ok {
			continue
		}
		call, ok := ast.Unparen(es.X).(*ast.CallExpr)
		if !ok || !isMethod(callee(p.Info, call), "sync", "Cond", "Wait") {
			continue
		}
		if _, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr); ok {
			return call
		}
	}
	return nil
}

// checksCtx reports whether the loop (condition or body) looks at a
// context: ctx.Err(), ctx.Done() or context.Cause(ctx).
func (p *Pass) checksCtx(loop *ast.ForStmt) bool {
	found := false
	ast.Inspect(loop, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok || found {
			return !found
		}
		if isFunc(callee(p.Info, call), "context", "Cause") {
			found = true
		}
		if sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr); ok &&
			(sel.Sel.Name == "Err" || sel.Sel.Name == "Done") && isContext(p.Info.TypeOf(sel.X)) {
			found = true
		}
		return true
	})
	return found
}

// wakesCond reports whether body arranges a wake-up of its own:
// context.AfterFunc or time.AfterFunc, the two ways to bound a Cond wait.
func (p *Pass) wakesCond(body *ast.BlockStmt) bool {
	found := false
	ast.Inspect(body, func(n ast.Node) bool {
		if call, ok := n.(*ast.CallExpr); ok && !found {
			fn := callee(p.Info, call)
			found = isFunc(fn, "context", "AfterFunc") || isFunc(fn, "time", "AfterFunc")
		}
		return !found
	})
	return found
}

// zeroText returns the zero value of t written so that it means the same
// at pos (0, "", false, nil, or T{} for a struct or array type of this
// package), or "" when there is no such simple spelling.
func (p *Pass) zeroText(t types.Type, scope *types.Scope, pos token.Pos) string {
	universal := func(name string) bool {
		_, obj := scope.LookupParent(name, pos)
		return obj == types.Universe.Lookup(name)
	}
	switch u := t.Underlying().(type) {
	case *types.Basic:
		switch {
		case u.Info()&types.IsBoolean != 0 && universal("false"):
			return "false"
		case u.Info()&types.IsNumeric != 0:
			return "0"
		case u.Info()&types.IsString != 0:
			return `""`
		case u.Kind() == types.UnsafePointer && universal("nil"):
			return "nil"
		}
	case *types.Pointer, *types.Slice, *types.Map, *types.Chan, *types.Signature, *types.Interface:
		if _, isParam := t.(*types.TypeParam); !isParam && universal("nil") {
			return "nil"
		}
	case *types.Struct, *types.Array:
		n, ok := types.Unalias(t).(*types.Named)
		if !ok || n.TypeArgs().Len() > 0 || n.Obj().Pkg() != p.Pkg || n.Obj().Parent() != p.Pkg.Scope() {
			return ""
		}
		if _, obj := scope.LookupParent(n.Obj().Name(), pos); obj == n.Obj() {
			return n.Obj().Name() + "{}"
		}
	}
	return ""
}

// isErrorType reports whether t is the predeclared error.
func isErrorType(t types.Type) bool {
	return types.Identical(t, types.Universe.Lookup("error").Type())
}

// sameMeaningAt reports whether every identifier of e denotes at pos what
// it denotes in e, so that e can be copied there.
func (p *Pass) sameMeaningAt(e ast.Expr, pos token.Pos) bool {
	scope := p.Pkg.Scope().Innermost(pos)
	if scope == nil {
		return false
	}
	ok := true
	ast.Inspect(e, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.SelectorExpr:
			// The selected name's meaning follows from its operand's.
			ok = ok && p.sameMeaningAt(n.X, pos)
			return false
		case *ast.Ident:
			if obj := p.Info.Uses[n]; obj != nil {
				if _, got := scope.LookupParent(n.Name, pos); got != obj {
					ok = false
				}
			}
		}
		return ok
	})
	return ok
}
