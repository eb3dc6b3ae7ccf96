package matchers

import (
	"go/ast"
	"go/token"
	"go/types"
)

// LoopNoExit: a goroutine runs a for loop that has no way out.
//
// A for loop without a condition whose body never returns, breaks out,
// jumps away or ends the goroutine (panic, runtime.Goexit, os.Exit,
// log.Fatal) runs until the process dies: nothing can tell it to stop, so
// the service cannot drain it and the work it is doing when the process is
// killed is cut. A loop that receives from a channel and returns when it is
// closed has a way out and is not reported. With a context in scope, the
// fix checks it at the top of each iteration, or adds it as a case to the
// select the body waits in (in a goroutine whose function has no results);
// without one, there is no fix.
//
//	go func() {
//		for {            // bad
//			work()
//		}
//	}()
//
//	go func() {
//		for {            // good
//			select {
//			case <-ctx.Done():
//				return
//			default:
//			}
//			work()
//		}
//	}()
func LoopNoExit(p *Pass) []Finding {
	// A package that never touches a context has no cancellation to drain
	// with: its endless goroutines are process-lifetime daemons by design
	// (the runtime's sweeper, scavenger and finalizer goroutines in std).
	if !imports(p.Pkg, "context") {
		return nil
	}
	var found []Finding
	for _, g := range p.goroutineFuncs() {
		ast.Inspect(g.Body, func(n ast.Node) bool {
			if _, ok := n.(*ast.FuncLit); ok {
				return false
			}
			loop, ok := n.(*ast.ForStmt)
			if !ok || loop.Cond != nil {
				return true
			}
			if w := p.loopWaysOut(loop.Body, labelOf(p.pathTo(loop))); w.out || len(w.breaks) > 0 {
				return true
			}
			if p.recoversByDesign(g.Body) && callsIn(loop.Body) {
				return true // its calls panic out of the loop, by design
			}
			fd := Finding{
				Pos: loop.Pos(), End: loop.Body.Lbrace + 1,
				Message: "this goroutine's for loop has no way out (no return, break or context check): it cannot be drained and runs until the process dies",
			}
			ctx := p.ContextAt(loop.Body.Lbrace + 1)
			switch {
			case ctx == nil:
				fd.NoFix = "no context is in scope to stop the loop"
			case hasResults(g.Type):
				fd.NoFix = "the goroutine's function has results: the bare return the fix adds would not compile"
			default:
				fd.Fix = &LoopNoExitFix{Loop: loop, Ctx: ctx.Name(), Select: p.blockingSelect(loop.Body)}
			}
			fd.Harmless = p.noDrain()
			switch {
			case fd.Harmless != "":
			case p.receivesSignals(loop.Body):
				fd.Harmless = harmlessSignalLoop
			case p.joined(g) || p.startedPerEvent(g.Go):
			case ctx == nil:
				fd.Harmless = harmlessLifetimeLoop
			case p.madeForOthers(ctx, g.Body):
				fd.Harmless = harmlessOthersContext
			case !p.stoppedByDrain(ast.NewIdent(ctx.Name()), ctx, 3):
				fd.Harmless = harmlessUnjoinedLoop
			}
			found = append(found, fd)
			return true
		})
	}
	return found
}

// harmlessSignalLoop is why a loop that handles the process's signals
// has no need of a way out.
const harmlessSignalLoop = "the loop receives the process's signals (it relays or handles them): it must live as long as the process, and no drain waits for it"

// receivesSignals reports whether body receives from a channel of
// os.Signal, outside func literals.
func (p *Pass) receivesSignals(body *ast.BlockStmt) bool {
	found := false
	ast.Inspect(body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit:
			return false
		case *ast.UnaryExpr:
			found = found || n.Op == token.ARROW && isSignalChan(p.Info.TypeOf(n.X))
		case *ast.RangeStmt:
			found = found || isSignalChan(p.Info.TypeOf(n.X))
		}
		return !found
	})
	return found
}

// harmlessLifetimeLoop is why an endless loop that has no way to learn of
// the stop and that nothing waits for is not a default finding.
const harmlessLifetimeLoop = "no context is in scope to stop it, nothing waits for the goroutine, and it is started a fixed number of times (not per connection or message): it lives as long as the process and holds up no drain"

// harmlessOthersContext is why an endless loop that nothing waits for is
// not a default finding when the only context in scope is one its
// function made for other work.
const harmlessOthersContext = "the context in scope is one its function made from context.Background for other goroutines, and this goroutine never uses it; nothing waits for the goroutine, and it is started a fixed number of times (not per connection or message): it lives as long as the process and holds up no drain"

// madeForOthers reports whether ctx is a local variable its function
// made from context.Background or context.TODO (through
// context.WithCancel and the like, directly or from another such
// variable), and body never names it: no caller handed it down to stop
// the code, and the goroutine was not given it. A parameter, a field or
// a context of unknown origin is a stop the code was handed.
func (p *Pass) madeForOthers(ctx *types.Var, body *ast.BlockStmt) bool {
	uses := false
	ast.Inspect(body, func(n ast.Node) bool {
		if id, ok := n.(*ast.Ident); ok && p.Info.Uses[id] == ctx {
			uses = true
		}
		return !uses
	})
	if uses {
		return false
	}
	for v, seen := ctx, 0; seen < 8; seen++ {
		as, i := p.defOf(v)
		if as == nil || len(as.Rhs) != 1 {
			return false
		}
		call, ok := ast.Unparen(as.Rhs[0]).(*ast.CallExpr)
		if !ok {
			return false
		}
		fn := callee(p.Info, call)
		if isFunc(fn, "context", "Background", "TODO") {
			return len(as.Lhs) == 1 && i == 0
		}
		if fn == nil || fn.Pkg() == nil || fn.Pkg().Path() != "context" || i != 0 || len(call.Args) == 0 {
			return false
		}
		if p.isBackground(call.Args[0]) {
			return true
		}
		id, ok := ast.Unparen(call.Args[0]).(*ast.Ident)
		if !ok {
			return false
		}
		if v, ok = p.Info.Uses[id].(*types.Var); !ok {
			return false
		}
	}
	return false
}

// harmlessUnjoinedLoop is why an endless loop that ignores the context in
// scope is not a default finding when nothing waits for its goroutine and
// nothing shows that the drain cancels that context.
const harmlessUnjoinedLoop = "nothing waits for the goroutine, it is started a fixed number of times (not per connection or message), and nothing shows that the program cancels the context in scope when it stops (a signal context, or a cancel called on the drain path): it lives as long as the process and holds up no drain, and leaving on that context would change nothing"

// stoppedByDrain reports whether the context v (named by e, when e is not
// nil) is cancelled when the program stops: it is made by
// signal.NotifyContext, derived (With*) from such a context or from one
// whose cancel function is called on a drain path, or it is a parameter
// some call in the program fills with such a context (up to depth calls
// up). A field, a reassigned variable or a context of unknown origin is
// not shown to be.
func (p *Pass) stoppedByDrain(e ast.Expr, v *types.Var, depth int) bool {
	if v == nil {
		switch e := ast.Unparen(e).(type) {
		case *ast.Ident:
			v, _ = p.Info.Uses[e].(*types.Var)
		case *ast.CallExpr:
			// context.WithValue(parent, ...) is done when parent is.
			if isFunc(callee(p.Info, e), "context", "WithValue") && len(e.Args) == 3 {
				return p.stoppedByDrain(e.Args[0], nil, depth)
			}
		}
	}
	if v == nil || v.IsField() {
		return false
	}
	if as, i := p.defOf(v); as != nil {
		if len(as.Rhs) != 1 || i != 0 {
			return false
		}
		call, ok := ast.Unparen(as.Rhs[0]).(*ast.CallExpr)
		if !ok || len(call.Args) == 0 {
			return false
		}
		fn := callee(p.Info, call)
		switch {
		case isFunc(fn, "os/signal", "NotifyContext"):
			return true
		case isFunc(fn, "context", "WithValue"):
			return p.stoppedByDrain(call.Args[0], nil, depth)
		case isCancelCtx(call, fn):
			if len(as.Lhs) == 2 {
				if id, ok := as.Lhs[1].(*ast.Ident); ok && p.calledOnDrain(p.Info.ObjectOf(id)) {
					return true
				}
			}
			return p.stoppedByDrain(call.Args[0], nil, depth)
		}
		return false
	}
	if depth == 0 {
		return false
	}
	fn, index := p.paramIndex(v)
	if fn == nil || crossPkgKey(fn) == "" {
		return false
	}
	key := crossPkgKey(fn)
	for _, r := range p.programRefs(fn, key) {
		if r.call != nil && index < len(r.call.Args) && !r.pass.inTestFile(r.id) &&
			r.pass.stoppedByDrain(r.call.Args[index], nil, depth-1) {
			return true
		}
	}
	return false
}

// calledOnDrain reports whether the function variable obj (a cancel func)
// is called, or deferred, in code that runs after the program learns it
// must stop.
func (p *Pass) calledOnDrain(obj types.Object) bool {
	if obj == nil {
		return false
	}
	m := p.Program.Drain()
	for id, o := range p.Info.Uses {
		if o != obj {
			continue
		}
		path := p.pathTo(id)
		if len(path) > 1 {
			if call, ok := path[1].(*ast.CallExpr); ok && call.Fun == id && m.Runs(id.Pos(), p.enclosingFunc(id.Pos())) {
				return true
			}
		}
	}
	return false
}

// paramIndex returns the declared function (not a func literal) whose
// parameter v is, and v's index; nil for none, and for a variadic one.
func (p *Pass) paramIndex(v *types.Var) (*types.Func, int) {
	f := p.FileOf(v.Pos())
	if f == nil {
		return nil, 0
	}
	fd := funcDeclOf(enclosing(f, v.Pos(), v.Pos()))
	if fd == nil || !within(fd.Type.Params, v.Pos()) {
		return nil, 0
	}
	fn, _ := p.Info.Defs[fd.Name].(*types.Func)
	if fn == nil {
		return nil, 0
	}
	params := fn.Signature().Params()
	for i := 0; i < params.Len(); i++ {
		if params.At(i) == v && !(fn.Signature().Variadic() && i == params.Len()-1) {
			return fn, i
		}
	}
	return nil, 0
}

// joined reports whether something waits for the goroutine g: it (or the
// func literal its go statement starts) tells someone it is done, calling
// Done on a WaitGroup or closing a channel. An endless loop then holds up
// that wait forever. (A send is data, not a sign of completion.)
func (p *Pass) joined(g goFunc) bool {
	// A close or Done inside a loop or a func literal of the body (a
	// once.Do(func() { close(ready) }) in the loop) says the goroutine has
	// started, not that it has ended.
	done := func(body *ast.BlockStmt) bool {
		found := false
		ast.Inspect(body, func(n ast.Node) bool {
			switch n.(type) {
			case *ast.ForStmt, *ast.RangeStmt, *ast.FuncLit:
				return false
			}
			call, ok := n.(*ast.CallExpr)
			if !ok || found {
				return !found
			}
			if id, ok := ast.Unparen(call.Fun).(*ast.Ident); ok {
				if b, ok := p.Info.Uses[id].(*types.Builtin); ok && b.Name() == "close" {
					found = true
				}
			}
			found = found || isMethod(callee(p.Info, call), "sync", "WaitGroup", "Done")
			return !found
		})
		return found
	}
	if done(g.Body) {
		return true
	}
	if g.Go != nil {
		if lit, ok := ast.Unparen(g.Go.Call.Fun).(*ast.FuncLit); ok && done(lit.Body) {
			return true
		}
	}
	return false
}

// startedPerEvent reports whether the go statement runs in a loop that
// waits for events (a for loop, or a range over a channel or an
// iterator, in its own function): a goroutine started per connection or
// per message that never ends leaks one each time. A range over a slice,
// a map or a number starts a fixed number of them.
func (p *Pass) startedPerEvent(g *ast.GoStmt) bool {
	if g == nil {
		return true
	}
	for _, n := range p.pathTo(g) {
		switch n := n.(type) {
		case *ast.FuncLit, *ast.FuncDecl:
			return false
		case *ast.ForStmt:
			return true
		case *ast.RangeStmt:
			if t := p.Info.TypeOf(n.X); t != nil {
				switch t.Underlying().(type) {
				case *types.Chan, *types.Signature:
					return true
				}
			}
		}
	}
	return false
}

// A LoopNoExitFix puts
//
//	select {
//	case <-Ctx.Done():
//		return
//	default:
//	}
//
// at the top of Loop's body; or, when the body waits in a select (Select),
// adds case <-Ctx.Done(): return to it, so that the loop stops while it
// waits too.
type LoopNoExitFix struct {
	Loop   *ast.ForStmt
	Ctx    string
	Select *ast.SelectStmt
}

// blockingSelect returns the first select among the statements of body
// that blocks (has no default) and does not already wait for a context.
func (p *Pass) blockingSelect(body *ast.BlockStmt) *ast.SelectStmt {
	for _, s := range body.List {
		sel, ok := s.(*ast.SelectStmt)
		if !ok {
			continue
		}
		for _, cc := range sel.Body.List {
			cc := cc.(*ast.CommClause)
			if cc.Comm == nil {
				return nil
			}
			if w, ok := p.recvWait(cc.Comm); ok && w.ctx != "" {
				return nil
			}
		}
		return sel
	}
	return nil
}

// A goFunc is the function a go statement runs.
type goFunc struct {
	Body *ast.BlockStmt
	Type *ast.FuncType
	Go   *ast.GoStmt // the go statement that starts it (the first found)
}

// goroutineFuncs returns the functions the package starts as goroutines: a
// function literal (go func() {...}()), a function or method declared in
// the package (go w.run(ctx)), and one such function a literal ends by
// calling after its defers (go func() { defer wg.Done(); w.run(ctx) }()).
func (p *Pass) goroutineFuncs() []goFunc {
	decls := map[*types.Func]*ast.FuncDecl{}
	for _, f := range p.Files {
		for _, d := range f.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok && fd.Body != nil {
				if fn, ok := p.Info.Defs[fd.Name].(*types.Func); ok {
					decls[fn] = fd
				}
			}
		}
	}
	seen := map[*ast.BlockStmt]bool{}
	var out []goFunc
	var g *ast.GoStmt
	add := func(body *ast.BlockStmt, typ *ast.FuncType) {
		if body != nil && !seen[body] {
			seen[body] = true
			out = append(out, goFunc{Body: body, Type: typ, Go: g})
		}
	}
	started := func(call *ast.CallExpr) {
		if fn := callee(p.Info, call); fn != nil {
			if fd := decls[fn.Origin()]; fd != nil {
				add(fd.Body, fd.Type)
			}
		}
	}
	for _, f := range p.Files {
		p.inspectFile(f, func(n ast.Node) bool {
			var ok bool
			if g, ok = n.(*ast.GoStmt); !ok {
				return true
			}
			if lit, ok := ast.Unparen(g.Call.Fun).(*ast.FuncLit); ok {
				add(lit.Body, lit.Type)
				if call := tailCall(lit.Body); call != nil {
					started(call)
				}
				return true
			}
			started(g.Call)
			return true
		}, (*ast.GoStmt)(nil))
	}
	return out
}

// startedOnlyForLife reports whether the declared function fd (whose body
// is body) is only ever started as a goroutine of the process's life, from
// any package of the program (go worker.Start() in another package, or a
// func literal that ends by calling it): every use outside test files is
// such a go statement, none started per event, and none joined.
func (p *Pass) startedOnlyForLife(fd *ast.FuncDecl, body *ast.BlockStmt) bool {
	return p.startedForLife(fd, body, 1)
}

// startedForLife is startedOnlyForLife, where a use may also be the
// argument of a sync.Once's Do that is all a declared function does
// (func (d *Device) Run() { d.once.Do(d.run) }), when that function is
// itself only started so, by a function that runs a fixed number of
// times per process (depth levels of such wrappers).
func (p *Pass) startedForLife(fd *ast.FuncDecl, body *ast.BlockStmt, depth int) bool {
	if fd == nil || fd.Body != body {
		return false
	}
	fn, ok := p.Info.Defs[fd.Name].(*types.Func)
	if !ok {
		return false
	}
	refs, complete, hidden := p.callRefs(fn)
	if !complete || hidden {
		return false
	}
	if p.joined(goFunc{Body: body}) {
		return false
	}
	started := false
	for _, r := range refs {
		if r.pass.inTestFile(r.id) {
			continue
		}
		if r.call == nil {
			if w := r.pass.onceWrapper(r.id); depth > 0 && w != nil && w != fd && r.pass.startedForLife(w, w.Body, depth-1) {
				started = true
				continue
			}
			return false // a func value: who runs it, and how, is not known
		}
		// The go statement's own func literal may signal the end (go
		// func() { defer wg.Done(); w.Start() }()).
		g := r.pass.goStarting(r.call)
		if g == nil || r.pass.startedPerEvent(g) || r.pass.joined(goFunc{Body: &ast.BlockStmt{}, Go: g}) {
			return false
		}
		// Through a Once wrapper, the go statement's function must
		// itself run a fixed number of times (a constructor called per
		// connection starts one per connection).
		if depth < 1 && !r.pass.runsOncePerProcess(r.pass.enclosingFunc(g.Pos())) {
			return false
		}
		started = true
	}
	return started
}

// onceWrapper returns the declared function whose body is, after its
// defers, only once.Do(f), when id names f there (a method value or a
// function); nil otherwise.
func (p *Pass) onceWrapper(id *ast.Ident) *ast.FuncDecl {
	path := p.pathTo(id)
	i := 1
	if len(path) > i {
		if sel, ok := path[i].(*ast.SelectorExpr); ok && sel.Sel == id {
			i++
		}
	}
	if len(path) <= i {
		return nil
	}
	call, ok := path[i].(*ast.CallExpr)
	if !ok || len(call.Args) != 1 || call.Args[0] != path[i-1] || !isMethod(callee(p.Info, call), "sync", "Once", "Do") {
		return nil
	}
	fd := funcDeclOf(path)
	if fd == nil || fd.Body == nil || tailCall(fd.Body) != call {
		return nil
	}
	return fd
}

// goStarting returns the go statement that runs call: go call, or go
// func() { defers; call }(); nil when call runs in its caller.
func (p *Pass) goStarting(call *ast.CallExpr) *ast.GoStmt {
	path := p.pathTo(call)
	if len(path) > 1 {
		if g, ok := path[1].(*ast.GoStmt); ok && g.Call == call {
			return g
		}
	}
	for i, n := range path {
		lit, ok := n.(*ast.FuncLit)
		if !ok {
			continue
		}
		if tailCall(lit.Body) != call || i+2 >= len(path) {
			return nil
		}
		if c, ok := path[i+1].(*ast.CallExpr); ok && c.Fun == lit {
			if g, ok := path[i+2].(*ast.GoStmt); ok && g.Call == c {
				return g
			}
		}
		return nil
	}
	return nil
}

// tailCall returns the call a function body consists of, after its defers.
func tailCall(body *ast.BlockStmt) *ast.CallExpr {
	n := len(body.List)
	if n == 0 {
		return nil
	}
	for _, s := range body.List[:n-1] {
		if _, ok := s.(*ast.DeferStmt); !ok {
			return nil
		}
	}
	if es, ok := body.List[n-1].(*ast.ExprStmt); ok {
		call, _ := ast.Unparen(es.X).(*ast.CallExpr)
		return call
	}
	return nil
}

// hasResults reports whether a function type declares results.
func hasResults(t *ast.FuncType) bool { return t.Results != nil && t.Results.NumFields() > 0 }

// labelOf returns the label of the statement at path[0], or nil.
func labelOf(path []ast.Node) *ast.Ident {
	if len(path) > 1 {
		if ls, ok := path[1].(*ast.LabeledStmt); ok && ls.Stmt == path[0] {
			return ls.Label
		}
	}
	return nil
}

// loopWays are the ways out of a loop's body.
type loopWays struct {
	// out: a return, a goto, a labelled break or continue leaving the loop,
	// or a call that ends the goroutine or the process.
	out bool
	// breaks are the unlabelled breaks of the loop itself.
	breaks []*ast.BranchStmt
}

// loopWaysOut finds the ways out of the body of a loop labelled label
// (nil for none), not counting those of function literals inside it.
func (p *Pass) loopWaysOut(body *ast.BlockStmt, label *ast.Ident) loopWays {
	var w loopWays
	var walk func(root ast.Node, direct bool)
	walk = func(root ast.Node, direct bool) {
		ast.Inspect(root, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.FuncLit:
				return false
			case *ast.ForStmt, *ast.RangeStmt, *ast.SwitchStmt, *ast.TypeSwitchStmt, *ast.SelectStmt:
				if n != root {
					// An unlabelled break in there is that statement's.
					walk(n, false)
					return false
				}
			case *ast.ReturnStmt:
				w.out = true
			case *ast.BranchStmt:
				switch {
				case n.Tok == token.GOTO:
					w.out = true
				case n.Label != nil:
					l, _ := p.Info.Uses[n.Label].(*types.Label)
					own := l != nil && label != nil && l.Pos() == label.Pos()
					if l == nil || (!within(body, l.Pos()) && !(own && n.Tok == token.CONTINUE)) {
						w.out = true
					}
				case n.Tok == token.BREAK && direct:
					w.breaks = append(w.breaks, n)
				}
			case *ast.CallExpr:
				if p.neverReturns(n) {
					w.out = true
				}
			}
			return true
		})
	}
	walk(body, true)
	return w
}

// recoversByDesign reports whether body (a goroutine's function) defers a
// func literal that recovers a panic and tells panics apart (compares the
// recovered value with something other than nil, or asserts its type):
// panicking is how the function's code leaves (a connection handler whose
// x-functions panic with a sentinel on a closed connection or a protocol
// error), so a loop of calls in it has a way out. A recover that only logs
// what it got is a crash guard, not a way out, and does not count.
func (p *Pass) recoversByDesign(body *ast.BlockStmt) bool {
	for _, s := range body.List {
		d, ok := s.(*ast.DeferStmt)
		if !ok {
			continue
		}
		lit, ok := ast.Unparen(d.Call.Fun).(*ast.FuncLit)
		if !ok {
			continue
		}
		// The variables given recover()'s value.
		got := map[types.Object]bool{}
		ast.Inspect(lit.Body, func(n ast.Node) bool {
			as, ok := n.(*ast.AssignStmt)
			if !ok || len(as.Lhs) != 1 || len(as.Rhs) != 1 {
				return true
			}
			if c, ok := ast.Unparen(as.Rhs[0]).(*ast.CallExpr); ok && p.isRecover(c) {
				if id, ok := as.Lhs[0].(*ast.Ident); ok && p.Info.ObjectOf(id) != nil {
					got[p.Info.ObjectOf(id)] = true
				}
			}
			return true
		})
		isGot := func(e ast.Expr) bool {
			id, ok := ast.Unparen(e).(*ast.Ident)
			return ok && got[p.Info.ObjectOf(id)]
		}
		isNil := func(e ast.Expr) bool {
			id, ok := ast.Unparen(e).(*ast.Ident)
			_, isNil := p.Info.Uses[id].(*types.Nil)
			return ok && isNil
		}
		tells := false
		ast.Inspect(lit.Body, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.BinaryExpr:
				if n.Op == token.EQL || n.Op == token.NEQ {
					tells = tells || isGot(n.X) && !isNil(n.Y) || isGot(n.Y) && !isNil(n.X)
				}
			case *ast.TypeAssertExpr:
				tells = tells || isGot(n.X)
			}
			return !tells
		})
		if tells {
			return true
		}
	}
	return false
}

// isRecover reports whether call is the builtin recover().
func (p *Pass) isRecover(call *ast.CallExpr) bool {
	id, ok := ast.Unparen(call.Fun).(*ast.Ident)
	b, isB := p.Info.Uses[id].(*types.Builtin)
	return ok && isB && b.Name() == "recover"
}

// callsIn reports whether body calls anything (outside func literals).
func callsIn(body *ast.BlockStmt) bool {
	found := false
	ast.Inspect(body, func(n ast.Node) bool {
		switch n.(type) {
		case *ast.FuncLit:
			return false
		case *ast.CallExpr:
			found = true
		}
		return !found
	})
	return found
}

// neverReturns reports whether call ends the goroutine or the process:
// panic, runtime.Goexit, os.Exit, log.Fatal and log.Panic and their
// Logger methods, and the testing methods that stop a test.
func (p *Pass) neverReturns(call *ast.CallExpr) bool {
	if id, ok := ast.Unparen(call.Fun).(*ast.Ident); ok {
		if b, ok := p.Info.Uses[id].(*types.Builtin); ok {
			return b.Name() == "panic"
		}
	}
	fn := callee(p.Info, call)
	stops := []string{"FailNow", "Fatal", "Fatalf", "SkipNow", "Skip", "Skipf"}
	return isExit(fn) ||
		isFunc(fn, "runtime", "Goexit") ||
		isFunc(fn, "log", "Panic", "Panicf", "Panicln") ||
		isMethod(fn, "log", "Logger", "Panic", "Panicf", "Panicln") ||
		isMethod(fn, "testing", "common", stops...) ||
		isMethod(fn, "testing", "TB", stops...)
}
