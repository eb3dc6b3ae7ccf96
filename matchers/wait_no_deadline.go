package matchers

import (
	"fmt"
	"go/ast"
	"go/printer"
	"go/token"
	"go/types"
	"strings"

	"golang.org/x/tools/go/types/typeutil"
)

// WaitNoDeadline: a drain waits on a sync.WaitGroup with no bound.
//
// A drain (a function that closes its work channel or cancels its workers,
// or one named Drain, Shutdown, Stop, Close or GracefulStop) that calls
// wg.Wait() waits as long as its slowest worker: one hung worker keeps the
// process past its grace period, and the orchestrator kills it with work
// half done. A drain that takes a context and still returns nil after an
// unbounded Wait promises a deadline it does not keep. Fan-out code that
// starts its own goroutines (wg.Add) and waits for them is not a drain, and
// a Wait in a goroutine (the bounded shape below) is not reported.
//
// The fix races the Wait against the drain's context. Without one, the
// function gets a ctx context.Context parameter and an error result, and
// every call site in the loaded packages passes a context: the one in
// scope, unless the call comes after a signal or a context's Done (that
// context is then likely the one being cancelled), else a new deadline.
// That is refused where callers outside the loaded packages, an interface
// or a method value depend on the old signature, and where a library's
// exported function would get a hidden deadline.
//
//	func (p *Pool) Drain() {                     // bad
//		close(p.queue)
//		p.wg.Wait()
//	}
//
//	func (p *Pool) Drain(ctx context.Context) error { // good
//		close(p.queue)
//		done := make(chan struct{})
//		go func() { p.wg.Wait(); close(done) }()
//		select {
//		case <-done:
//			return nil
//		case <-ctx.Done():
//			return ctx.Err()
//		}
//	}
func WaitNoDeadline(p *Pass) []Finding {
	if !imports(p.Pkg, "sync") {
		return nil
	}
	var found []Finding
	for _, f := range p.ownedFiles() {
		// The functions that call (*sync.WaitGroup).Wait at all, from the
		// index: most call none, and groupWaits walks a whole body.
		waiters := p.funcsCalling(f, func(fn *types.Func) bool { return isMethod(fn, "sync", "WaitGroup", "Wait") })
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Body == nil || !waiters[fd] {
				continue
			}
			var sites []*WaitSite
			for _, s := range p.groupWaits(fd) {
				// neverAdded scans the program: only for drains.
				if p.drainsBefore(fd, s.Call) && !p.neverAdded(s.Call) {
					sites = append(sites, s)
				}
			}
			if len(sites) == 0 {
				continue
			}
			// The finding is at the first Wait that matters; when none
			// does, at the first, with its reason.
			fnd := Finding{Message: "the drain waits on a sync.WaitGroup with no deadline: one hung worker keeps the process past its grace period; race the Wait against a context"}
			for i := len(sites) - 1; i >= 0; i-- {
				why := p.waitHarmless(fd, sites[i].Call)
				if why == "" || fnd.Harmless != "" || fnd.Pos == token.NoPos {
					fnd.Pos, fnd.End, fnd.Harmless = sites[i].Call.Pos(), sites[i].Call.End(), why
				}
			}
			if fnd.Harmless != "" {
				found = append(found, fnd)
				continue
			}
			fix, why := p.waitNoDeadlineFix(fd, sites)
			if fix != nil {
				fnd.Fix = fix
				fnd.Touches = fix.touches(p)
			} else {
				fnd.NoFix = why
			}
			found = append(found, fnd)
		}
	}
	return found
}

// waitHarmless returns why the Wait call in fd is harmless where it
// stands: its workers leave on the drain's signal, are bounded by a
// deadline, or call Done before anything that can block; or it runs on no
// drain path. "" when it matters.
func (p *Pass) waitHarmless(fd *ast.FuncDecl, wait *ast.CallExpr) string {
	switch {
	case p.workersLeaveOnQuit(fd, wait):
		return harmlessLeaveOnQuit
	case p.workersBoundedByDeadline(wait):
		return harmlessWorkersDeadline
	case p.workersStartBarrier(wait):
		return harmlessStartBarrier
	case p.workersRunHere(fd, wait):
		return harmlessRunHere
	case p.workersCleanUp(wait):
		return harmlessCleanUp
	case !p.Program.Drain().HasMains() && !p.startsWorkers(wait):
		return harmlessLibraryNoWorkers
	}
	if what := p.workersFlush(wait); what != "" {
		return fmt.Sprintf(harmlessFlush, what)
	}
	return p.unboundedDrainHarmless(wait.Pos())
}

// harmlessLibraryNoWorkers is why a Wait in a load with no main, on a
// group that no goroutine of the load marks Done, is not a default
// finding.
const harmlessLibraryNoWorkers = "no main package in the load, and no goroutine of it marks the group done (its Add and Done are made by code the caller runs, such as a Serve loop): nothing shows a worker that can hang (run drainfix on the program that uses this package)"

// startsWorkers reports whether some goroutine of the load marks the
// group of wait done: the workers a library's Wait joins, whose code can
// show the harm of waiting for them without a deadline.
func (p *Pass) startsWorkers(wait *ast.CallExpr) bool {
	group := p.waitGroupOf(wait)
	return group == "" || len(p.groupWorkers(group)) > 0
}

// ownedFiles returns the files findings may be reported in: a test
// variant's copies of the package's files are another package's, and the
// work of fixing them (finding call sites everywhere) would be thrown away.
func (p *Pass) ownedFiles() []*ast.File {
	if len(p.Owned) > 0 {
		return p.Owned
	}
	return p.Files
}

// A WaitSite is one unbounded wg.Wait() in a drain.
type WaitSite struct {
	Call     *ast.CallExpr
	Stmt     *ast.ExprStmt // the statement wg.Wait(); nil when deferred
	Place    StmtPlace
	Deferred bool
	// Once is the once.Do(func() {...}) statement (directly in the
	// function's body) whose func literal holds the Wait, or nil.
	Once *ast.ExprStmt
	// Done is the proposed name of the done channel.
	Done string
	// ReturnNil is the return nil right after the Wait, merged into the
	// select (case <-done: return nil); nil when there is none.
	ReturnNil *ast.ReturnStmt
	// DoneReturns says the done case returns nil (the Wait ends a function
	// that gets an error result).
	DoneReturns bool
	// StopAfter says the ctx case of a Wait inside once.Do returns from the
	// func literal (statements follow the Wait there).
	StopAfter bool
}

// A WaitNoDeadlineFix bounds every Wait of Func by a context.
type WaitNoDeadlineFix struct {
	Func  *ast.FuncDecl
	Waits []*WaitSite
	Ctx   string // the context variable, or the new parameter's name
	// AddParam adds Ctx context.Context as the first parameter, AddResult
	// an error result.
	AddParam, AddResult bool
	// BareReturns become return nil, and AppendReturn appends return nil
	// to the body, when the function gets an error result.
	BareReturns  []*ast.ReturnStmt
	AppendReturn bool
	// Once shape: var Err error before the once.Do statement, err =
	// ctx.Err() in the select, and the function returns Err: OnceReturn
	// (a return nil after once.Do) is changed, or return Err is appended.
	Err        string
	OnceReturn *ast.ReturnStmt
	// Calls are the call sites that must pass a context (AddParam).
	Calls []*CtxCallSite
}

// A CtxCallSite is a call that gets a context as its new first argument:
// the variable Ctx, or a new deadline context.
type CtxCallSite struct {
	Call     *ast.CallExpr
	Pass     *Pass
	Ctx      string // "" with no Deadline: the call gets no context
	Deadline *DeadlineFix
	LogErr   *LogErr // the call's statement drops the new error result
	// Replaces is the argument (a context.Background() or TODO) the
	// context takes the place of; nil: the context is a new first
	// argument.
	Replaces ast.Expr
}

// A LogErr turns the expression statement Place.Stmt, whose call gets an
// error result, into
//
//	if err := call; err != nil {
//		log.Printf("Label: %v", err) // or slog.Error("Label", "err", err)
//	}
type LogErr struct {
	Place StmtPlace
	Pkg   string // "log" or "log/slog"
	Label string
	TB    string // in a test, the *testing.T (or B, F, TB) in scope: the error fails the test (t.Errorf)
	// Key is the key the file's slog calls give an error ("err" when
	// they give none), and Attr says they give it as slog.Any(Key, err).
	Key  string
	Attr bool
}

func (fx *WaitNoDeadlineFix) touches(p *Pass) []token.Pos {
	var ts []token.Pos
	file := p.FileOf(fx.Func.Pos())
	for _, cs := range fx.Calls {
		if cs.Pass.FileOf(cs.Call.Pos()) != file {
			ts = append(ts, cs.Call.Pos())
		}
	}
	return ts
}

// groupWaits returns the unbounded (*sync.WaitGroup).Wait calls of fd: as
// statements of its body (or of a once.Do func literal directly in it), or
// deferred. Waits in goroutines and in other func literals are not the
// function's own.
func (p *Pass) groupWaits(fd *ast.FuncDecl) []*WaitSite {
	var sites []*WaitSite
	var visit func(n ast.Node, once *ast.ExprStmt) bool
	visit = func(n ast.Node, once *ast.ExprStmt) bool {
		switch n := n.(type) {
		case *ast.GoStmt, *ast.FuncLit:
			return false
		case *ast.DeferStmt:
			if p.isGroupWait(n.Call) {
				sites = append(sites, &WaitSite{Call: n.Call, Deferred: true, Once: once})
			}
			return false
		case *ast.ExprStmt:
			call, ok := ast.Unparen(n.X).(*ast.CallExpr)
			if !ok {
				return true
			}
			if p.isGroupWait(call) {
				sites = append(sites, &WaitSite{Call: call, Stmt: n, Once: once})
				return false
			}
			if lit := p.onceFunc(call); lit != nil && once == nil && inFuncBody(fd, n) {
				ast.Inspect(lit.Body, func(m ast.Node) bool { return visit(m, n) })
				return false
			}
		}
		return true
	}
	ast.Inspect(fd.Body, func(n ast.Node) bool { return visit(n, nil) })
	return sites
}

// neverAdded reports whether the WaitGroup the Wait call waits on is a
// variable or field of type sync.WaitGroup that the program only ever
// waits on: nothing calls its Add or Go, takes its address or hands it on
// (outside test files; handing a copy, by value, is not handing it on).
// Such a Wait returns at once; it cannot hang.
func (p *Pass) neverAdded(wait *ast.CallExpr) bool {
	sel, ok := ast.Unparen(wait.Fun).(*ast.SelectorExpr)
	if !ok || !isNamed(p.Info.TypeOf(sel.X), "sync", "WaitGroup") {
		return false
	}
	id := identOfExpr(sel.X)
	if id == nil {
		return false
	}
	v, ok := p.Info.Uses[id].(*types.Var)
	if !ok || v.Pkg() == nil {
		return false
	}
	at := p.Fset.Position(v.Pos())
	same := func(q *Pass, o types.Object) bool {
		w, ok := o.(*types.Var)
		return ok && w.Name() == v.Name() && q.Fset.Position(w.Pos()) == at
	}
	for _, q := range p.programPasses() {
		if !v.Exported() && q.Pkg.Path() != v.Pkg().Path() && q.Pkg.Path() != v.Pkg().Path()+"_test" {
			continue
		}
		for use, o := range q.Info.Uses {
			if use.Name != v.Name() || !same(q, o) || q.inTestFile(use) {
				continue
			}
			path := q.pathTo(use)
			i := 1
			if len(path) > 1 {
				if s, ok := path[1].(*ast.SelectorExpr); ok && s.Sel == use {
					i = 2 // x.wg: the selector is the WaitGroup
				}
			}
			if call, ok := path[i].(*ast.CallExpr); ok && call.Fun != path[i-1] && q.copiesGroup(path[i-1]) {
				continue // handed on by value: the callee adds to a copy
			}
			if i+1 >= len(path) {
				return false
			}
			m, ok := path[i].(*ast.SelectorExpr)
			if !ok {
				return false
			}
			if call, ok := path[i+1].(*ast.CallExpr); !ok || call.Fun != m || !q.isGroupWait(call) {
				return false
			}
		}
	}
	return true
}

// copiesGroup reports whether e, an argument, is a sync.WaitGroup value
// (not a pointer): the call gets a copy, and what it adds to the copy
// never reaches e (go vet's copylocks reports it).
func (p *Pass) copiesGroup(e ast.Node) bool {
	x, ok := e.(ast.Expr)
	if !ok {
		return false
	}
	t := p.Info.TypeOf(x)
	if t == nil {
		return false
	}
	n, ok := types.Unalias(t).(*types.Named)
	return ok && isNamed(n, "sync", "WaitGroup")
}

// isGroupWait reports whether call is (*sync.WaitGroup).Wait.
func (p *Pass) isGroupWait(call *ast.CallExpr) bool {
	return isMethod(callee(p.Info, call), "sync", "WaitGroup", "Wait")
}

// onceFunc returns the func literal of once.Do(func() {...}), or nil.
func (p *Pass) onceFunc(call *ast.CallExpr) *ast.FuncLit {
	if !isMethod(callee(p.Info, call), "sync", "Once", "Do") || len(call.Args) != 1 {
		return nil
	}
	lit, _ := ast.Unparen(call.Args[0]).(*ast.FuncLit)
	return lit
}

// inFuncBody reports whether s is a statement of fd's body itself.
func inFuncBody(fd *ast.FuncDecl, s ast.Stmt) bool {
	for _, t := range fd.Body.List {
		if t == s {
			return true
		}
	}
	return false
}

// isWaitDrainName reports whether a function or method named name is a drain
// whatever it does: Drain, Shutdown, Stop, Close or GracefulStop, in any
// case.
func isWaitDrainName(name string) bool {
	switch strings.ToLower(name) {
	case "drain", "shutdown", "stop", "close", "gracefulstop":
		return true
	}
	return false
}

// drainsBefore reports whether fd is a drain for the Wait call: its name
// says so, or before the Wait it closes a channel field or calls a cancel
// func field (telling its workers to stop), and it does not start the
// goroutines it waits for itself (fan-out code that waits for its own
// workers is not a drain).
func (p *Pass) drainsBefore(fd *ast.FuncDecl, wait *ast.CallExpr) bool {
	if isWaitDrainName(fd.Name.Name) {
		return true
	}
	sel, ok := ast.Unparen(wait.Fun).(*ast.SelectorExpr)
	if !ok {
		return false
	}
	group := varKey(p.Info, sel.X)
	stops, fansOut := false, false
	ast.Inspect(fd.Body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.GoStmt, *ast.DeferStmt:
			// What a goroutine or a deferred call does happens later.
			if d, ok := n.(*ast.DeferStmt); ok {
				ast.Inspect(d.Call, func(m ast.Node) bool { fansOut = fansOut || p.addsTo(m, group); return true })
			}
			return false
		case *ast.CallExpr:
			fansOut = fansOut || p.addsTo(n, group)
			if n.Pos() < wait.Pos() && p.stopsWorkers(n) {
				stops = true
			}
		}
		return true
	})
	return stops && !fansOut
}

// addsTo reports whether n is a call of Add or Go on the wait group key.
func (p *Pass) addsTo(n ast.Node, group string) bool {
	call, ok := n.(*ast.CallExpr)
	if !ok || group == "" || !isMethod(callee(p.Info, call), "sync", "WaitGroup", "Add", "Go") {
		return false
	}
	sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr)
	return ok && (varKey(p.Info, sel.X) == group || p.groupAlias(sel.X) == group)
}

// groupAlias returns the key of the pointer field that holds the address
// of the local WaitGroup x (wg: &wg in the literal of a struct, s.wg = &wg):
// its Add and Done are the field's. "" when x is no such variable.
func (p *Pass) groupAlias(x ast.Expr) string {
	id, ok := ast.Unparen(x).(*ast.Ident)
	if !ok {
		return ""
	}
	p.aliasesOnce.Do(func() {
		p.aliases = map[types.Object]string{}
		addrOf := func(e ast.Expr) types.Object {
			u, ok := ast.Unparen(e).(*ast.UnaryExpr)
			if !ok || u.Op != token.AND {
				return nil
			}
			id, ok := ast.Unparen(u.X).(*ast.Ident)
			if !ok {
				return nil
			}
			v, ok := p.Info.Uses[id].(*types.Var)
			if !ok || v.IsField() || v.Parent() == p.Pkg.Scope() || !isNamed(v.Type(), "sync", "WaitGroup") {
				return nil
			}
			return v
		}
		for _, f := range p.Owned {
			ast.Inspect(f, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.KeyValueExpr:
					if v := addrOf(n.Value); v != nil {
						if k, ok := n.Key.(*ast.Ident); ok {
							if fv, ok := p.Info.Uses[k].(*types.Var); ok && fv.IsField() {
								p.aliases[v] = fieldVarKey(fv)
							}
						}
					}
				case *ast.AssignStmt:
					for i, r := range n.Rhs {
						if v := addrOf(r); v != nil && len(n.Lhs) == len(n.Rhs) {
							if k := fieldKey(p.Info, n.Lhs[i]); k != "" {
								p.aliases[v] = k
							}
						}
					}
				}
				return true
			})
		}
	})
	return p.aliases[p.Info.Uses[id]]
}

// stopsWorkers reports whether call closes a channel held in a struct field
// or calls a cancel func held in one.
func (p *Pass) stopsWorkers(call *ast.CallExpr) bool {
	if id, ok := ast.Unparen(call.Fun).(*ast.Ident); ok {
		if b, ok := p.Info.Uses[id].(*types.Builtin); ok && b.Name() == "close" && len(call.Args) == 1 {
			return fieldKey(p.Info, call.Args[0]) != ""
		}
		return false
	}
	if fieldKey(p.Info, call.Fun) == "" {
		return false
	}
	t := p.Info.TypeOf(call.Fun)
	if isNamed(t, "context", "CancelFunc") || isNamed(t, "context", "CancelCauseFunc") {
		return true
	}
	sel := ast.Unparen(call.Fun).(*ast.SelectorExpr)
	sig, ok := t.Underlying().(*types.Signature)
	return ok && sig.Params().Len() == 0 && sig.Results().Len() == 0 &&
		strings.Contains(strings.ToLower(sel.Sel.Name), "cancel")
}

// waitNoDeadlineFix works out how to bound the Waits of fd, or says why it
// cannot.
func (p *Pass) waitNoDeadlineFix(fd *ast.FuncDecl, sites []*WaitSite) (*WaitNoDeadlineFix, string) {
	fn, _ := p.Info.Defs[fd.Name].(*types.Func)
	if fn == nil {
		return nil, "the function has no type information"
	}
	once := sites[0].Once
	for _, s := range sites {
		if s.Deferred {
			return nil, "the Wait is deferred: it runs as the function returns, where it cannot be raced against a deadline"
		}
		if s.Once != once {
			return nil, "the Waits sit in different func literals"
		}
	}
	res := fn.Signature().Results()
	hasErr := res.Len() == 1 && isPredeclaredError(res.At(0).Type())
	if res.Len() > 0 && !hasErr {
		return nil, "the function returns something other than just an error: there is no result to report the expired context through"
	}
	if why := p.universeNames(fd.Body.Lbrace, "close", "make", "nil", "error"); why != "" {
		return nil, why
	}
	if why := p.groupReusedAfter(fd, fn, sites); why != "" {
		return nil, why
	}
	fix := &WaitNoDeadlineFix{Func: fd, Waits: sites, AddResult: !hasErr}
	if why := p.waitCtx(fd, fix); why != "" {
		return nil, why
	}
	if fix.AddResult {
		fix.BareReturns = resultlessReturns(fd.Body)
	}
	why := ""
	if once != nil {
		why = p.onceShape(fd, fix, once, hasErr)
	} else {
		why = p.directShape(fd, fix, hasErr)
	}
	if why != "" {
		return nil, why
	}
	if fix.AddParam || fix.AddResult {
		calls, why := p.signatureChange(fd, fn, fix.AddParam, fix.AddResult)
		if why != "" {
			return nil, why
		}
		fix.Calls = calls
	}
	if !fix.AddParam {
		if why := p.rootCtxCallers(fd, fn, fix); why != "" {
			return nil, why
		}
	}
	return fix, ""
}

// rootCtxCallers gives a deadline to each call of the drain that hands
// its context parameter (the one the Waits race against) a
// context.Background() or context.TODO(): raced against a context that
// is never done, the Wait would stay unbounded there. Test files are left
// as they are. It returns why not when such a call cannot get one, or
// hands a variable or parameter that only ever holds such a context
// (neverDone): its other uses are not this fix's to change.
func (p *Pass) rootCtxCallers(fd *ast.FuncDecl, fn *types.Func, fix *WaitNoDeadlineFix) string {
	idx := -1
	params := fn.Signature().Params()
	for i := 0; i < params.Len(); i++ {
		if params.At(i).Name() == fix.Ctx && p.Info.Defs[fd.Name] == fn {
			if obj, _ := p.Info.ObjectOf(paramIdent(fd, i)).(*types.Var); obj == params.At(i) {
				idx = i
			}
		}
	}
	if idx < 0 || (params.Len() == idx+1 && fn.Signature().Variadic()) {
		return ""
	}
	refs, _, _ := p.callRefs(fn)
	valueCalls := false
	for _, ref := range refs {
		if ref.pass.inTestFile(ref.id) {
			continue
		}
		if ref.call == nil {
			if !valueCalls {
				valueCalls = true
				if why := p.funcValueCalls(fn, idx); why != "" {
					return why
				}
			}
			continue
		}
		at := idx
		if sel, ok := ast.Unparen(ref.call.Fun).(*ast.SelectorExpr); ok {
			if s, ok := ref.pass.Info.Selections[sel]; ok && s.Kind() == types.MethodExpr {
				at++ // (*T).Drain(p, ctx): the receiver comes first
			}
		}
		if len(ref.call.Args) <= at || ref.call.Ellipsis.IsValid() {
			continue
		}
		where := shortPos(ref.pass.Fset, ref.call.Pos())
		if lit := ref.pass.litParam(ref.call, ref.call.Args[at]); lit != nil {
			return fmt.Sprintf("the call at %s hands %s the context parameter of a func literal (a hook wrapping the drain), whose callers drainfix does not follow: racing the Wait against it may bound nothing", where, fn.Name())
		}
		if arg := ref.call.Args[at]; !ref.pass.isBackground(arg) {
			if ref.pass.neverDone(arg) {
				// A variable or a caller's parameter that only ever
				// holds Background: the Wait would be raced against a
				// context that never ends.
				return fmt.Sprintf("the call at %s hands %s a context that is never done (%s is context.Background() or TODO, or made from one and not cancelled before the call): racing the Wait against it would bound nothing; give that context a deadline", where, fn.Name(), types.ExprString(arg))
			}
			continue
		}
		if !ref.owned {
			return fmt.Sprintf("the call at %s hands %s a context that is never done, in a file drainfix does not rewrite", where, fn.Name())
		}
		// A new deadline even where a context is in scope: the call
		// chose a root context over it (it may be the one whose end
		// started the drain).
		site, why := ref.pass.ctxCallSite(ref.call, true)
		if why != "" {
			return fmt.Sprintf("the call at %s hands %s a context that is never done and %s", where, fn.Name(), why)
		}
		site.Replaces = ref.call.Args[at]
		merged := false
		for _, cs := range fix.Calls {
			if cs.Call == ref.call {
				cs.Ctx, cs.Deadline, cs.Replaces, merged = site.Ctx, site.Deadline, site.Replaces, true
			}
		}
		if !merged {
			fix.Calls = append(fix.Calls, site)
		}
	}
	return ""
}

// funcValueCalls says why the Waits cannot be raced against the drain's
// context parameter (the idx-th) when the drain is also used as a func
// value (a shutdown hook, a method value in a slice) and a call in the
// program of a func value of the drain's signature hands that parameter
// a context that is never done: the value may be the drain, called with
// a context that bounds nothing. Calls of the value outside the loaded
// program (a library that runs hooks) are theirs to bound.
func (p *Pass) funcValueCalls(fn *types.Func, idx int) string {
	sig := fn.Signature()
	want := types.NewSignatureType(nil, nil, nil, sig.Params(), sig.Results(), sig.Variadic())
	// A method expression's value, (*T).Drain, takes the receiver first.
	var wantExpr *types.Signature
	if recv := sig.Recv(); recv != nil {
		params := []*types.Var{recv}
		for i := range sig.Params().Len() {
			params = append(params, sig.Params().At(i))
		}
		wantExpr = types.NewSignatureType(nil, nil, nil, types.NewTuple(params...), sig.Results(), sig.Variadic())
	}
	why := ""
	for _, q := range p.programPasses() {
		for _, f := range q.Owned {
			if why != "" {
				return why
			}
			if q.inTestFile(f) {
				continue
			}
			ast.Inspect(f, func(n ast.Node) bool {
				call, ok := n.(*ast.CallExpr)
				if !ok || why != "" || call.Ellipsis.IsValid() {
					return why == ""
				}
				if typeutil.StaticCallee(q.Info, call) != nil {
					return true
				}
				if sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr); ok {
					if s, ok := q.Info.Selections[sel]; ok && s.Kind() != types.FieldVal {
						return true // a method of an interface: callRefs has it
					}
				}
				tf := q.Info.TypeOf(call.Fun)
				if tf == nil {
					return true
				}
				t, _ := tf.Underlying().(*types.Signature) // also a named func type
				at := -1
				switch {
				case t == nil:
				case types.Identical(t, want):
					at = idx
				case wantExpr != nil && types.Identical(t, wantExpr):
					at = idx + 1
				}
				if at < 0 || at >= len(call.Args) || !q.neverDone(call.Args[at]) {
					return true
				}
				why = fmt.Sprintf("%s is used as a func value, and the call of a func value at %s hands it a context that is never done (%s): racing the Wait against it would bound nothing there; give that context a deadline", fn.Name(), shortPos(q.Fset, call.Pos()), types.ExprString(call.Args[at]))
				return false
			})
		}
	}
	return why
}

// litParam returns the func literal enclosing call of which arg names a
// parameter, or nil.
func (p *Pass) litParam(call *ast.CallExpr, arg ast.Expr) *ast.FuncLit {
	id, ok := ast.Unparen(arg).(*ast.Ident)
	if !ok {
		return nil
	}
	v, _ := p.Info.Uses[id].(*types.Var)
	if v == nil {
		return nil
	}
	for _, n := range p.pathTo(call) {
		lit, ok := n.(*ast.FuncLit)
		if !ok {
			continue
		}
		for _, f := range lit.Type.Params.List {
			for _, name := range f.Names {
				if p.Info.Defs[name] == v {
					return lit
				}
			}
		}
	}
	return nil
}

// paramIdent returns the name of fd's i-th parameter, or nil.
func paramIdent(fd *ast.FuncDecl, i int) *ast.Ident {
	for _, f := range fd.Type.Params.List {
		if len(f.Names) == 0 {
			if i == 0 {
				return nil
			}
			i--
			continue
		}
		if i < len(f.Names) {
			return f.Names[i]
		}
		i -= len(f.Names)
	}
	return nil
}

// groupReusedAfter says why the WaitGroup cannot be raced against a
// deadline when it is used again after the drain: a function of the
// package that adds to it (a Subscribe that starts the workers again) is
// called after a call of the drain, in one function (or both in one loop).
// After a drain that timed out, the fix's goroutine is still in Wait, and
// the next Add and Wait panic ("WaitGroup is reused before previous Wait
// has returned": kafka-go's Reader.unsubscribe and subscribe).
func (p *Pass) groupReusedAfter(fd *ast.FuncDecl, drain *types.Func, sites []*WaitSite) string {
	groups := map[string]bool{}
	for _, s := range sites {
		if sel, ok := ast.Unparen(s.Call.Fun).(*ast.SelectorExpr); ok {
			if k := varKey(p.Info, sel.X); k != "" {
				groups[k] = true
			}
		}
	}
	p.addGroupAliases(groups)
	// The functions that add to the group, other than the drain.
	adders := map[*types.Func]bool{}
	for _, f := range p.Files {
		for _, d := range f.Decls {
			other, ok := d.(*ast.FuncDecl)
			if !ok || other == fd || other.Body == nil {
				continue
			}
			fn, _ := p.Info.Defs[other.Name].(*types.Func)
			if fn == nil {
				continue
			}
			ast.Inspect(other.Body, func(n ast.Node) bool {
				for g := range groups {
					if p.addsTo(n, g) && !p.addsToFresh(other, n.(*ast.CallExpr)) {
						adders[fn] = true
					}
				}
				return !adders[fn]
			})
		}
	}
	if len(adders) == 0 {
		return ""
	}
	why := ""
	for _, f := range p.Files {
		inspectFuncs(f, func(body *ast.BlockStmt) {
			var drains, adds []ast.Node
			ast.Inspect(body, func(n ast.Node) bool {
				if _, ok := n.(*ast.FuncLit); ok {
					return false
				}
				if call, ok := n.(*ast.CallExpr); ok {
					if fn := callee(p.Info, call); fn != nil {
						switch {
						case fn.Origin() == drain:
							drains = append(drains, call)
						case adders[fn.Origin()]:
							adds = append(adds, call)
						}
					}
				}
				return true
			})
			for _, d := range drains {
				for _, a := range adds {
					if why == "" && (a.Pos() > d.Pos() || p.inOneLoop(body, d, a)) {
						why = fmt.Sprintf("%s adds to the WaitGroup again after %s drains it (%s): after a drain that timed out, the goroutine still in Wait would make that reuse panic",
							callee(p.Info, a.(*ast.CallExpr)).Name(), fd.Name.Name, shortPos(p.Fset, a.Pos()))
					}
				}
			}
		})
	}
	return why
}

// addGroupAliases adds to groups the pointer fields and variables of the
// package that are given the address of one of them (sub{wg: &h.wg}, or
// s.wg = &h.wg): an Add through one adds to the group itself.
func (p *Pass) addGroupAliases(groups map[string]bool) {
	isGroupAddr := func(e ast.Expr) bool {
		u, ok := ast.Unparen(e).(*ast.UnaryExpr)
		return ok && u.Op == token.AND && groups[varKey(p.Info, u.X)]
	}
	var aliases []string
	for _, f := range p.Files {
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.KeyValueExpr:
				if isGroupAddr(n.Value) {
					if v := fieldVarOf(p.Info, n.Key); v != nil {
						aliases = append(aliases, fieldVarKey(v))
					}
				}
			case *ast.AssignStmt:
				for i, r := range n.Rhs {
					if len(n.Lhs) == len(n.Rhs) && isGroupAddr(r) {
						if k := varKey(p.Info, n.Lhs[i]); k != "" {
							aliases = append(aliases, k)
						}
					}
				}
			}
			return true
		})
	}
	for _, k := range aliases {
		groups[k] = true
	}
}

// addsToFresh reports whether the Add call, in fd, adds to the WaitGroup
// of a value fd itself allocates (p := &Pool{}; p.wg.Add(1): a
// constructor), not to one it is handed: a WaitGroup held by value in a
// struct fd makes is a new one, which no earlier drain waits on.
func (p *Pass) addsToFresh(fd *ast.FuncDecl, add *ast.CallExpr) bool {
	sel, ok := ast.Unparen(add.Fun).(*ast.SelectorExpr)
	if !ok || !isNamed(p.Info.TypeOf(sel.X), "sync", "WaitGroup") {
		return false
	}
	if _, ptr := types.Unalias(p.Info.TypeOf(sel.X)).(*types.Pointer); ptr {
		return false // a *sync.WaitGroup field may point at a shared one (wg: &h.wg)
	}
	field, ok := ast.Unparen(sel.X).(*ast.SelectorExpr)
	if !ok {
		return false
	}
	if s := p.Info.Selections[field]; s == nil || s.Kind() != types.FieldVal || len(s.Index()) != 1 {
		return false // promoted through an embedded field, which may point elsewhere
	}
	id, ok := ast.Unparen(field.X).(*ast.Ident)
	if !ok {
		return false
	}
	v, ok := p.Info.Uses[id].(*types.Var)
	if !ok || v.Pos() < fd.Body.Pos() || v.Pos() >= fd.Body.End() {
		return false // a parameter, a receiver or a package variable
	}
	fresh := func(e ast.Expr) bool {
		e = ast.Unparen(e)
		if u, ok := e.(*ast.UnaryExpr); ok && u.Op == token.AND {
			e = ast.Unparen(u.X)
		}
		switch e := e.(type) {
		case *ast.CompositeLit:
			return true
		case *ast.CallExpr:
			b, ok := p.Info.Uses[identOf(e.Fun)].(*types.Builtin)
			return ok && b.Name() == "new"
		}
		return false
	}
	defs, all := 0, true
	ast.Inspect(fd.Body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.AssignStmt:
			for i, l := range n.Lhs {
				if lid, ok := ast.Unparen(l).(*ast.Ident); ok && p.Info.ObjectOf(lid) == v {
					defs++
					all = all && len(n.Lhs) == len(n.Rhs) && fresh(n.Rhs[i])
				}
			}
		case *ast.ValueSpec:
			for i, name := range n.Names {
				if p.Info.Defs[name] == v {
					defs++
					all = all && (len(n.Values) == 0 || i < len(n.Values) && fresh(n.Values[i]))
				}
			}
		case *ast.UnaryExpr:
			if n.Op == token.AND {
				if lid, ok := ast.Unparen(n.X).(*ast.Ident); ok && p.Info.Uses[lid] == v {
					all = false // &p: may be set elsewhere
				}
			}
		}
		return all
	})
	return defs > 0 && all
}

// inOneLoop reports whether a and b, in body, lie in one for or range
// loop of it.
func (p *Pass) inOneLoop(body *ast.BlockStmt, a, b ast.Node) bool {
	found := false
	ast.Inspect(body, func(n ast.Node) bool {
		switch n.(type) {
		case *ast.FuncLit:
			return false
		case *ast.ForStmt, *ast.RangeStmt:
			if n.Pos() <= a.Pos() && a.End() <= n.End() && n.Pos() <= b.Pos() && b.End() <= n.End() {
				found = true
			}
		}
		return !found
	})
	return found
}

// waitCtx picks the context the Waits race against: the one every Wait
// sees, when it is not surely done yet, or a new parameter.
func (p *Pass) waitCtx(fd *ast.FuncDecl, fix *WaitNoDeadlineFix) string {
	v := p.ContextAt(fix.Waits[0].Call.Pos())
	if v == nil {
		for _, param := range fd.Type.Params.List {
			if isContext(p.Info.TypeOf(param.Type)) {
				return "the function has a context parameter without a usable name"
			}
		}
		for _, s := range fix.Waits {
			if p.onShutdownPath(p.pathTo(s.Call)) || p.Program.Drain().FollowsStop(s.Call.Pos()) {
				return "the Wait follows the stop inside " + fd.Name.Name + ": a deadline handed in by its callers would start before the drain does; make one after the stop"
			}
		}
		fix.AddParam = true
		fix.Ctx = ctxParamName(fd)
		return ""
	}
	for _, s := range fix.Waits {
		if _, obj := p.Pkg.Scope().Innermost(s.Call.Pos()).LookupParent(v.Name(), s.Call.Pos()); obj != v {
			return "the Waits do not all see the same context"
		}
		if p.mayBeDone(p.pathTo(s.Call), v) || (s.Once != nil && p.mayBeDone(p.pathTo(s.Once), v)) {
			return v.Name() + "'s Done may already have been received before the Wait: racing the Wait against it would not wait at all"
		}
	}
	fix.Ctx = v.Name()
	return ""
}

// directShape completes fix for Waits that are statements of the function
// itself: a return nil right after a Wait joins its done case, and a
// function that gets an error result returns nil when its last statement
// (the Wait, or any other) is done.
func (p *Pass) directShape(fd *ast.FuncDecl, fix *WaitNoDeadlineFix, hasErr bool) string {
	last := fd.Body.List[len(fd.Body.List)-1]
	for _, s := range fix.Waits {
		place, ok := stmtPlace(p.pathTo(s.Stmt))
		if !ok || place.Stmt != s.Stmt {
			return "the Wait is not a statement of a block"
		}
		s.Place = place
		if rest := p.stmtsAfter(p.pathTo(s.Stmt), hasErr); rest != nil {
			return "the clean-up after the Wait (" + p.shortStmt(rest) + ") would be skipped when the deadline passes"
		}
		s.Done = p.FreshName(s.Stmt, "done", "waitDone")
		if s.Done == "" || s.Done == fix.Ctx {
			return "no free name for the done channel"
		}
		list := stmtList(place.Block)
		for i, t := range list {
			if t == s.Stmt && i+1 < len(list) && hasErr && p.isReturnNilStmt(list[i+1]) {
				s.ReturnNil = list[i+1].(*ast.ReturnStmt)
			}
		}
		s.DoneReturns = fix.AddResult && s.Stmt == last
	}
	if fix.AddResult && !fix.Waits[len(fix.Waits)-1].DoneReturns {
		var why string
		fix.AppendReturn, why = p.endReachable(last)
		return why
	}
	return ""
}

// stmtsAfter returns the first statement that runs after the statement at
// path[0] on its way out of the function: the next one in its block or in
// an enclosing one. A return nil (when the function returns an error) or a
// bare return after it is no clean-up, and neither is the post statement of
// an enclosing loop; nil when there is none.
func (p *Pass) stmtsAfter(path []ast.Node, hasErr bool) ast.Stmt {
	for i := 0; i+1 < len(path); i++ {
		child, parent := path[i], path[i+1]
		switch parent.(type) {
		case *ast.FuncDecl, *ast.FuncLit:
			return nil
		case *ast.ForStmt, *ast.RangeStmt:
			return nil // the loop goes on; its next round is not clean-up
		}
		list := stmtList(parent)
		for j, s := range list {
			if s != child || j+1 == len(list) {
				continue
			}
			for _, next := range list[j+1:] {
				if es, ok := next.(*ast.ExprStmt); ok {
					if call, ok := ast.Unparen(es.X).(*ast.CallExpr); ok && p.trivialCall(call) {
						continue // a log line is no clean-up
					}
				}
				if r, ok := next.(*ast.ReturnStmt); ok && (len(r.Results) == 0 || hasErr && p.isReturnNilStmt(r)) {
					return nil
				}
				return next
			}
			return nil
		}
	}
	return nil
}

// shortStmt is a statement's source, cut to its first line.
func (p *Pass) shortStmt(s ast.Stmt) string {
	var b strings.Builder
	printer.Fprint(&b, p.Fset, s)
	line, _, _ := strings.Cut(b.String(), "\n")
	return strings.TrimSuffix(line, " {")
}

// endReachable reports whether the end of a function whose last statement
// is s can be reached, so that a function given a result needs a return
// there. It gives up (why not) on statements whose answer depends on
// breaks and clauses (the spec's terminating statements), where a wrong
// guess makes a missing return or unreachable code.
func (p *Pass) endReachable(s ast.Stmt) (bool, string) {
	switch s := s.(type) {
	case *ast.ReturnStmt:
		return false, ""
	case *ast.ExprStmt:
		if call, ok := ast.Unparen(s.X).(*ast.CallExpr); ok {
			if id, ok := ast.Unparen(call.Fun).(*ast.Ident); ok {
				if b, ok := p.Info.Uses[id].(*types.Builtin); ok && b.Name() == "panic" {
					return false, ""
				}
			}
		}
		return true, ""
	case *ast.AssignStmt, *ast.IncDecStmt, *ast.SendStmt, *ast.DeclStmt, *ast.GoStmt, *ast.DeferStmt, *ast.EmptyStmt, *ast.RangeStmt:
		return true, ""
	case *ast.IfStmt:
		if s.Else == nil {
			return true, ""
		}
	case *ast.ForStmt:
		if s.Cond != nil {
			return true, ""
		}
	}
	return false, "the function ends in a statement that may or may not terminate it: where to return the new error result is unclear"
}

// onceShape completes fix for Waits inside once.Do(func() {...}): the
// select sets an error variable declared before once.Do, which the
// function returns after it.
func (p *Pass) onceShape(fd *ast.FuncDecl, fix *WaitNoDeadlineFix, once *ast.ExprStmt, hasErr bool) string {
	i := 0
	for fd.Body.List[i] != once {
		i++
	}
	switch {
	case hasErr && i+1 < len(fd.Body.List) && p.isReturnNilStmt(fd.Body.List[i+1]):
		fix.OnceReturn = fd.Body.List[i+1].(*ast.ReturnStmt)
	case !hasErr && i == len(fd.Body.List)-1:
	default:
		return "statements follow the once.Do call: the error of the bounded Wait has no plain place to be returned"
	}
	lit := p.onceFunc(once.X.(*ast.CallExpr))
	for _, name := range []string{"err", "drainErr", "waitErr"} {
		free := p.FreshName(once, name) == name && name != fix.Ctx
		for _, s := range fix.Waits {
			free = free && p.FreshName(s.Stmt, name) == name
		}
		if free {
			fix.Err = name
			break
		}
	}
	if fix.Err == "" {
		return "no free name for the error variable"
	}
	for _, s := range fix.Waits {
		place, ok := stmtPlace(p.pathTo(s.Stmt))
		if !ok || place.Stmt != s.Stmt {
			return "the Wait is not a statement of a block"
		}
		s.Place = place
		s.Done = p.FreshName(s.Stmt, "done", "waitDone")
		if s.Done == "" || s.Done == fix.Ctx || s.Done == fix.Err {
			return "no free name for the done channel"
		}
		s.StopAfter = lit.Body.List[len(lit.Body.List)-1] != s.Stmt
	}
	fix.AppendReturn = false
	return ""
}

// mayBeDone reports whether the Done of context v may have been received
// before the node at path[0] (on some way there, such as one case of a
// select).
func (p *Pass) mayBeDone(path []ast.Node, v *types.Var) bool {
	for _, w := range p.waitsBefore(path) {
		if w.ctx == ptr(v) {
			return true
		}
	}
	return false
}

// isReturnNilStmt reports whether s is return nil.
func (p *Pass) isReturnNilStmt(s ast.Stmt) bool {
	r, ok := s.(*ast.ReturnStmt)
	if !ok || len(r.Results) != 1 {
		return false
	}
	id, ok := r.Results[0].(*ast.Ident)
	return ok && p.Info.Uses[id] == types.Universe.Lookup("nil")
}

// universeNames returns why not when one of names does not mean the
// predeclared object at pos.
func (p *Pass) universeNames(pos token.Pos, names ...string) string {
	sc := p.Pkg.Scope().Innermost(pos)
	for _, n := range names {
		if _, obj := sc.LookupParent(n, pos); obj != types.Universe.Lookup(n) {
			return n + " is redeclared here"
		}
	}
	return ""
}

// resultlessReturns returns the return statements without results of body,
// outside func literals.
func resultlessReturns(body *ast.BlockStmt) []*ast.ReturnStmt {
	var rs []*ast.ReturnStmt
	ast.Inspect(body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit:
			return false
		case *ast.ReturnStmt:
			if len(n.Results) == 0 {
				rs = append(rs, n)
			}
		}
		return true
	})
	return rs
}

// ctxParamName returns the name a new context parameter of fd gets: one no
// identifier in fd has.
func ctxParamName(fd *ast.FuncDecl) string {
	return freeFuncName(fd, "ctx", "drainCtx", "waitCtx")
}

// freeFuncName returns the first candidate no identifier in fd is named,
// so that a new parameter neither clashes with nor shadows anything.
func freeFuncName(fd *ast.FuncDecl, candidates ...string) string {
	used := map[string]bool{}
	ast.Inspect(fd, func(n ast.Node) bool {
		if id, ok := n.(*ast.Ident); ok {
			used[id.Name] = true
		}
		return true
	})
	for _, c := range candidates {
		if !used[c] {
			return c
		}
	}
	for i := 2; ; i++ {
		if c := fmt.Sprintf("%s%d", candidates[0], i); !used[c] {
			return c
		}
	}
}
