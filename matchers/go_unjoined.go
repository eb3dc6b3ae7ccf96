package matchers

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"slices"
	"strings"
	"unicode"
)

// GoUnjoined: a goroutine is given a context whose cancel the function
// defers, and the function returns without waiting for it.
//
// The deferred cancel tells the goroutine to stop when the function
// returns, but nothing waits for it to finish stopping: it outlives the
// function, still using what the function was about to release, and in
// main the process exits in the middle of its drain. A goroutine joined by a
// sync.WaitGroup, an errgroup, a channel the function receives from or a
// later call on the same receiver (Stop, Wait, Shutdown) is not reported.
// In main.main, where the process exit ends every goroutine anyway, only a
// goroutine running a Run, Serve, Start or Listen method or function is.
//
//	ctx, cancel := context.WithCancel(ctx)
//	defer cancel()
//	go server.Run(ctx)                  // bad: nobody waits for Run
//
//	ctx, cancel := context.WithCancel(ctx)
//	var wg sync.WaitGroup
//	defer wg.Wait()                     // good: runs after cancel
//	defer cancel()
//	wg.Add(1)
//	go func() {
//		defer wg.Done()
//		server.Run(ctx)
//	}()
func GoUnjoined(p *Pass) []Finding {
	if !imports(p.Pkg, "context") && !imports(p.Pkg, "os/signal") {
		return nil
	}
	var found []Finding
	st := &unjoinedState{groups: map[*ast.DeferStmt]*WaitGroupDecl{}, taken: map[*ast.BlockStmt]map[string]bool{}}
	for _, f := range p.Owned {
		p.inspectFile(f, func(n ast.Node) bool {
			gs, ok := n.(*ast.GoStmt)
			if !ok {
				return true
			}
			if fd, ok := p.goUnjoined(gs, st); ok {
				found = append(found, fd)
			}
			return true
		}, (*ast.GoStmt)(nil))
	}
	return found
}

// A GoUnjoinedFix joins the goroutine Go with a WaitGroup waited for after
// the deferred cancel runs: the WaitGroup is declared, and its Wait
// deferred, just before Defer (defer cancel()); wg.Add(1) goes before Go,
// whose call is wrapped in (or whose func literal gets) a deferred Done.
type GoUnjoinedFix struct {
	Go    StmtPlace
	Lit   *ast.FuncLit // the goroutine's func literal, or nil for go f(...)
	Defer StmtPlace
	Group *WaitGroupDecl
}

// A WaitGroupDecl is the one WaitGroup that joins every goroutine a
// deferred cancel stops: the first of their fixes to run in a file declares
// it, the others use it.
type WaitGroupDecl struct {
	Name string // proposed by the matcher, free at every goroutine
	// Declared maps the file being rewritten (the rewrite's decorated file)
	// to the name the WaitGroup got there.
	Declared map[any]string
}

// unjoinedState is what GoUnjoined keeps across the go statements of a
// package.
type unjoinedState struct {
	groups map[*ast.DeferStmt]*WaitGroupDecl
	taken  map[*ast.BlockStmt]map[string]bool // WaitGroup names, per function body
}

// The message, for a go statement in main and elsewhere.
const (
	goUnjoinedMainMsg = "goroutine stopped by a deferred cancel is never waited for: main returns while it still runs, and the process exits mid-drain; join it with a sync.WaitGroup waited for after cancel"
	goUnjoinedMsg     = "goroutine stopped by a deferred cancel is never waited for: it outlives the function that cancels it; join it with a sync.WaitGroup waited for after cancel"
)

func (p *Pass) goUnjoined(gs *ast.GoStmt, st *unjoinedState) (Finding, bool) {
	path := p.pathTo(gs)
	body, _ := funcBody(path[1:])
	if body == nil {
		return Finding{}, false
	}
	lit, _ := ast.Unparen(gs.Call.Fun).(*ast.FuncLit)
	def := p.deferredCancelOf(body, p.goContexts(gs, lit))
	if def == nil {
		return Finding{}, false
	}
	if p.isMainFunc(path) && !p.runsServer(gs, lit) {
		return Finding{}, false
	}
	if p.signalsDone(gs, lit) || p.joinedAfter(body, gs, path) || p.cannotReturnAfter(body, gs.End()) {
		return Finding{}, false
	}
	fd := Finding{Pos: gs.Pos(), End: gs.End(), Message: goUnjoinedMsg}
	if p.isMainFunc(path) {
		fd.Message = goUnjoinedMainMsg
	}
	fix, why := p.goUnjoinedFix(path, body, gs, lit, def, st)
	setFix(&fd, fix, why)
	if what := p.inertGoroutine(gs); what != "" {
		fd.Harmless = fmt.Sprintf(harmlessInert, what)
	} else if what := p.spawnerGoroutine(gs, lit); what != "" {
		fd.Harmless = fmt.Sprintf(harmlessSpawner, what)
	} else if what := p.watcherGoroutine(lit); what != "" {
		fd.Harmless = fmt.Sprintf(harmlessWatcher, what)
	}
	return fd, true
}

// goContexts returns the local context variables the goroutine is given:
// arguments of its call and, for a func literal, of the calls it makes.
func (p *Pass) goContexts(gs *ast.GoStmt, lit *ast.FuncLit) []*types.Var {
	var vars []*types.Var
	add := func(args []ast.Expr) {
		for _, a := range args {
			id, ok := ast.Unparen(a).(*ast.Ident)
			if !ok {
				continue
			}
			v, ok := p.Info.Uses[id].(*types.Var)
			if ok && isContext(v.Type()) && v.Parent() != p.Pkg.Scope() && (lit == nil || !within(lit, v.Pos())) {
				vars = append(vars, v)
			}
		}
	}
	add(gs.Call.Args)
	if lit == nil {
		return vars
	}
	ast.Inspect(lit.Body, func(n ast.Node) bool {
		if call, ok := n.(*ast.CallExpr); ok {
			add(call.Args)
		}
		return true
	})
	return vars
}

// deferredCancelOf returns the statement defer cancel() of body, where
// cancel was made with one of ctxs (ctx, cancel := context.WithCancel(...)
// or another constructor of a cancellable context), or nil.
func (p *Pass) deferredCancelOf(body *ast.BlockStmt, ctxs []*types.Var) *ast.DeferStmt {
	if len(ctxs) == 0 {
		return nil
	}
	cancels := map[types.Object]bool{}
	inspectFunc(body, func(n ast.Node) bool {
		as, ok := n.(*ast.AssignStmt)
		if !ok || len(as.Lhs) != 2 || len(as.Rhs) != 1 {
			return true
		}
		call, ok := ast.Unparen(as.Rhs[0]).(*ast.CallExpr)
		if !ok || !isCancellableCtx(callee(p.Info, call)) {
			return true
		}
		c0, ok0 := as.Lhs[0].(*ast.Ident)
		c1, ok1 := as.Lhs[1].(*ast.Ident)
		if !ok0 || !ok1 {
			return true
		}
		for _, v := range ctxs {
			if p.Info.ObjectOf(c0) == v {
				if obj := p.Info.ObjectOf(c1); obj != nil {
					cancels[obj] = true
				}
			}
		}
		return true
	})
	var def *ast.DeferStmt
	inspectFunc(body, func(n ast.Node) bool {
		d, ok := n.(*ast.DeferStmt)
		if !ok || def != nil || len(d.Call.Args) != 0 {
			return def == nil
		}
		if id, ok := ast.Unparen(d.Call.Fun).(*ast.Ident); ok && cancels[p.Info.Uses[id]] {
			def = d
		}
		return true
	})
	return def
}

// isCancellableCtx reports whether fn returns a context and the func that
// cancels it.
func isCancellableCtx(fn *types.Func) bool {
	return isFunc(fn, "context", "WithCancel", "WithTimeout", "WithDeadline") ||
		isFunc(fn, "os/signal", "NotifyContext")
}

// inspectFunc is ast.Inspect over the statements of one function body,
// not entering func literals.
func inspectFunc(body ast.Node, f func(ast.Node) bool) {
	ast.Inspect(body, func(n ast.Node) bool {
		if _, ok := n.(*ast.FuncLit); ok {
			return false
		}
		return f(n)
	})
}

// isMainFunc reports whether the innermost function of path is main.main.
func (p *Pass) isMainFunc(path []ast.Node) bool {
	for _, n := range path {
		switch n := n.(type) {
		case *ast.FuncLit:
			return false
		case *ast.FuncDecl:
			return p.Pkg.Name() == "main" && n.Recv == nil && n.Name.Name == "main"
		}
	}
	return false
}

// runsServer reports whether the goroutine runs a Run, Serve, Start or
// Listen call: work with a drain of its own that the process exit cuts.
func (p *Pass) runsServer(gs *ast.GoStmt, lit *ast.FuncLit) bool {
	isRun := func(call *ast.CallExpr) bool {
		fn := callee(p.Info, call)
		if fn == nil {
			return false
		}
		for _, pre := range []string{"Run", "Serve", "Start", "Listen"} {
			if strings.HasPrefix(fn.Name(), pre) {
				return true
			}
		}
		return false
	}
	if lit == nil {
		return isRun(gs.Call)
	}
	found := false
	ast.Inspect(lit.Body, func(n ast.Node) bool {
		if call, ok := n.(*ast.CallExpr); ok && isRun(call) {
			found = true
		}
		return !found
	})
	return found
}

// signalsDone reports whether the goroutine is handed a way to say it is
// done: a channel or WaitGroup argument of go f(...), or, in a func
// literal, a Done call as it ends.
func (p *Pass) signalsDone(gs *ast.GoStmt, lit *ast.FuncLit) bool {
	if lit == nil {
		for _, a := range gs.Call.Args {
			if t := p.Info.TypeOf(a); t != nil && (isChan(t) || isNamed(t, "sync", "WaitGroup") || isNamed(t, "golang.org/x/sync/errgroup", "Group")) {
				return true
			}
		}
		return false
	}
	// A send or close the literal makes as it ends joins it only when the
	// function receives it (joinedAfter); a Done tells a WaitGroup that
	// someone, maybe a caller, waits on.
	found := false
	ast.Inspect(lit.Body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.CallExpr:
			if fn := callee(p.Info, n); fn != nil && fn.Name() == "Done" && fn.Signature().Recv() != nil && !isContext(fn.Signature().Recv().Type()) {
				found = found || atEnd(lit, n)
			}
		}
		return !found
	})
	return found
}

// atEnd reports whether n, in the func literal lit, runs as the goroutine
// ends: in a deferred call, or in the last statement of lit's body. A send
// before the work (started <- struct{}{}; r.Run(ctx)) is a start-up
// handshake, not a sign that the goroutine is done.
func atEnd(lit *ast.FuncLit, n ast.Node) bool {
	list := lit.Body.List
	if len(list) == 0 {
		return false
	}
	if within(list[len(list)-1], n.Pos()) {
		return true
	}
	for _, st := range list {
		if d, ok := st.(*ast.DeferStmt); ok && within(d, n.Pos()) {
			return true
		}
	}
	return false
}

// endsOn reports whether the goroutine gs, when it is a func literal,
// sends on or closes the channel ch only as it ends (atEnd): a receive
// from ch then waits for it to finish, not for it to start.
func (p *Pass) endsOn(gs *ast.GoStmt, ch ast.Expr) bool {
	lit, ok := ast.Unparen(gs.Call.Fun).(*ast.FuncLit)
	if !ok {
		return true
	}
	obj := p.Info.ObjectOf(identOf(ch))
	if obj == nil {
		return true
	}
	ok = true
	ast.Inspect(lit.Body, func(n ast.Node) bool {
		var c ast.Expr
		switch n := n.(type) {
		case *ast.SendStmt:
			c = n.Chan
		case *ast.CallExpr:
			if isBuiltinClose(p.Info, n) && len(n.Args) == 1 {
				c = n.Args[0]
			}
		}
		if c != nil && p.Info.ObjectOf(identOf(c)) == obj && !atEnd(lit, n) {
			ok = false
		}
		return ok
	})
	return ok
}

// selectWaits reports whether the receive r, when it is a case of a
// select, still waits for the goroutine: every other case receives from a
// timer or a context's Done (a bounded join, or a cancel that stops the
// goroutine too), and there is no default. A select that also takes a
// signal or another event returns without the join.
func (p *Pass) selectWaits(r *ast.UnaryExpr) bool {
	path := p.pathTo(r)
	for i, n := range path {
		cc, ok := n.(*ast.CommClause)
		if !ok {
			continue
		}
		if cc.Comm == nil || !within(cc.Comm, r.Pos()) || i+2 >= len(path) {
			return true
		}
		sel, ok := path[i+2].(*ast.SelectStmt)
		if !ok {
			return true
		}
		for _, c := range sel.Body.List {
			other := c.(*ast.CommClause)
			if other == cc {
				continue
			}
			rr := recvOf(other.Comm)
			if other.Comm == nil || rr == nil || !p.timerChan(rr.X) && p.doneOf(rr.X) == "" {
				return false
			}
		}
		return true
	}
	return true
}

func isChan(t types.Type) bool {
	_, ok := t.Underlying().(*types.Chan)
	return ok
}

// joinedAfter reports whether the function may wait for the goroutine
// after starting it (or in a deferred call): it calls a Wait, receives from
// a channel that is not a context's Done, a signal or a timer channel, or
// calls a method on the receiver of the goroutine's call (Stop, Shutdown
// and the like may wait for it).
func (p *Pass) joinedAfter(body *ast.BlockStmt, gs *ast.GoStmt, path []ast.Node) bool {
	from := gs.End()
	for _, n := range path {
		if n == body {
			break
		}
		switch n.(type) {
		case *ast.ForStmt, *ast.RangeStmt:
			from = n.Pos() // the next iteration comes after
		}
	}
	recvs := map[string]bool{}
	for _, call := range p.goCalls(gs) {
		if sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr); ok {
			if _, isMethod := p.Info.Selections[sel]; isMethod {
				if k := varKey(p.Info, sel.X); k != "" {
					recvs[k] = true
				}
			}
		}
	}
	joined := false
	var visit func(n ast.Node, deferred bool) bool
	visit = func(n ast.Node, deferred bool) bool {
		if joined || n == nil || n == gs {
			return false
		}
		if d, ok := n.(*ast.DeferStmt); ok && !deferred {
			ast.Inspect(d, func(m ast.Node) bool { return visit(m, true) })
			return false
		}
		if !deferred && n.End() <= from {
			return true // before the go statement; its children may still be after
		}
		switch n := n.(type) {
		case *ast.CallExpr:
			if fn := callee(p.Info, n); fn != nil && fn.Name() == "Wait" {
				joined = true
			}
			if sel, ok := ast.Unparen(n.Fun).(*ast.SelectorExpr); ok && recvs[varKey(p.Info, sel.X)] && joinsName(sel.Sel.Name) {
				if _, isMethod := p.Info.Selections[sel]; isMethod {
					joined = true
				}
			}
		case *ast.FuncLit:
			if !deferred {
				return false // another goroutine's receive does not hold this function
			}
		case *ast.UnaryExpr:
			if n.Op == token.ARROW && p.isJoinChan(n.X) && p.endsOn(gs, n.X) && p.selectWaits(n) {
				joined = true
			}
		case *ast.RangeStmt:
			if t := p.Info.TypeOf(n.X); t != nil && isChan(t) && p.isJoinChan(n.X) {
				joined = true
			}
		case *ast.SendStmt:
			// done <- struct{}{} on an unbuffered channel the goroutine
			// holds: the send returns once the goroutine takes it, a
			// handshake that stops it (opa test --watch).
			joined = p.unbufferedLocal(body, n.Chan) && p.goroutineUses(gs, n.Chan)
		}
		return !joined
	}
	ast.Inspect(body, func(n ast.Node) bool { return visit(n, false) })
	return joined
}

// unbufferedLocal reports whether ch is a local variable of body whose
// every assignment there is make(chan T) with no buffer.
func (p *Pass) unbufferedLocal(body *ast.BlockStmt, ch ast.Expr) bool {
	id, ok := ast.Unparen(ch).(*ast.Ident)
	if !ok {
		return false
	}
	v, ok := p.Info.Uses[id].(*types.Var)
	if !ok || v.Pos() < body.Pos() || v.Pos() >= body.End() {
		return false
	}
	defs, all := 0, true
	ast.Inspect(body, func(n ast.Node) bool {
		as, ok := n.(*ast.AssignStmt)
		if !ok {
			return true
		}
		for i, l := range as.Lhs {
			lid, ok := ast.Unparen(l).(*ast.Ident)
			if !ok || p.Info.ObjectOf(lid) != v {
				continue
			}
			defs++
			if len(as.Lhs) != len(as.Rhs) {
				all = false
				continue
			}
			call, ok := ast.Unparen(as.Rhs[i]).(*ast.CallExpr)
			all = all && ok && p.isMakeChan(call) && p.makesUnbuffered(call)
		}
		return true
	})
	return defs > 0 && all
}

// goroutineUses reports whether the goroutine gs refers to the variable
// x names: in its func literal, or as an argument of its call.
func (p *Pass) goroutineUses(gs *ast.GoStmt, x ast.Expr) bool {
	id, ok := ast.Unparen(x).(*ast.Ident)
	if !ok {
		return false
	}
	obj := p.Info.Uses[id]
	return obj != nil && usesObj(p.Info, gs.Call, obj)
}

// goCalls returns the calls the goroutine makes: its own call, or the
// calls of its func literal.
func (p *Pass) goCalls(gs *ast.GoStmt) []*ast.CallExpr {
	lit, ok := ast.Unparen(gs.Call.Fun).(*ast.FuncLit)
	if !ok {
		return []*ast.CallExpr{gs.Call}
	}
	var calls []*ast.CallExpr
	ast.Inspect(lit.Body, func(n ast.Node) bool {
		if call, ok := n.(*ast.CallExpr); ok {
			calls = append(calls, call)
		}
		return true
	})
	return calls
}

// joinNames begin the names of the methods that may stop or wait for the
// goroutines their value runs.
var joinNames = []string{"Stop", "Shutdown", "Close", "Wait", "Join", "Drain", "GracefulStop", "Quit", "Cancel", "Terminate"}

// joinsName reports whether a later call of the method name on the
// goroutine's receiver may join it: name is one of joinNames, alone or
// followed by another word (StopAndWait, CloseAll). A Run, Get or Update
// on the same value does not wait for it.
func joinsName(name string) bool {
	for _, j := range joinNames {
		if rest, ok := strings.CutPrefix(name, j); ok && (rest == "" || unicode.IsUpper(rune(rest[0]))) {
			return true
		}
	}
	return false
}

// isJoinChan reports whether a receive from ch may wait for a goroutine: ch
// is not a context's Done, a signal channel or a channel of time.Time.
func (p *Pass) isJoinChan(ch ast.Expr) bool {
	if p.doneOf(ch) != "" {
		return false
	}
	t := p.Info.TypeOf(ch)
	if t == nil || isSignalChan(t) {
		return false
	}
	if c, ok := t.Underlying().(*types.Chan); ok && isNamed(c.Elem(), "time", "Time") {
		return false
	}
	return true
}

func (p *Pass) goUnjoinedFix(path []ast.Node, body *ast.BlockStmt, gs *ast.GoStmt, lit *ast.FuncLit, def *ast.DeferStmt, st *unjoinedState) (*GoUnjoinedFix, string) {
	for _, n := range path {
		if n == body {
			break
		}
		switch n.(type) {
		case *ast.ForStmt, *ast.RangeStmt:
			return nil, "the go statement is in a loop"
		}
	}
	goPlace, ok := stmtPlace(path)
	if !ok || goPlace.Stmt != gs {
		return nil, "the go statement is not directly in a statement list"
	}
	defPlace, ok := stmtPlace(p.pathTo(def))
	if !ok || defPlace.Stmt != def || def.Pos() > gs.Pos() || !encloses(path, defPlace.Block) {
		return nil, "the deferred cancel is not in a block enclosing the go statement, before it"
	}
	if lit == nil {
		if why := p.unstableCall(body, gs); why != "" {
			return nil, why
		}
	}
	if later := p.deferredBetween(body, def.End(), gs.Pos()); later != nil {
		// Deferred calls run last first: that clean-up would run before
		// the join, under the goroutine still using what it releases.
		return nil, fmt.Sprintf("a clean-up deferred after the cancel (%s) would run before the join, while the goroutine may still use it; join the goroutine in that clean-up's place", deferDesc(later))
	}
	if conn := p.connClosedBefore(body, def); conn != nil {
		// Deferred calls run last first: that Close would run after the
		// join, and a goroutine blocked writing to the connection is
		// freed only by it.
		return nil, fmt.Sprintf("a clean-up deferred before the cancel closes a connection (%s), and would run after the join: a goroutine blocked writing to it (a peer that stopped reading) is freed only by that Close, so the join could hang where the function now returns", deferDesc(conn))
	}
	g := st.groups[def]
	if g == nil {
		// One WaitGroup per deferred cancel, named apart from the others
		// of the function.
		taken := st.taken[body]
		if taken == nil {
			taken = map[string]bool{}
			st.taken[body] = taken
		}
		name := ""
		for i := 1; i < 100 && name == ""; i++ {
			cand := "wg"
			if i > 1 {
				cand = fmt.Sprintf("wg%d", i)
			}
			if !taken[cand] && p.FreshName(def, cand) == cand && p.freeAt(cand, gs.Pos(), lit) {
				name = cand
			}
		}
		if name == "" {
			return nil, "no free name for the WaitGroup"
		}
		taken[name] = true
		g = &WaitGroupDecl{Name: name, Declared: map[any]string{}}
		st.groups[def] = g
	} else if !p.freeAt(g.Name, gs.Pos(), lit) {
		return nil, "the name of the WaitGroup joining the other goroutines is taken here"
	}
	return &GoUnjoinedFix{Go: goPlace, Lit: lit, Defer: defPlace, Group: g}, ""
}

// deferDesc names what a defer statement calls: the callee, or for a
// func literal the first call in it.
// connClosedBefore returns a defer of body, registered before def (so run
// after it), that closes a network connection: a Close (in the deferred
// call or a func literal it runs) on a value whose type has a SetDeadline
// or SetWriteDeadline method (a net.Conn, a TLS or WebSocket connection).
// nil when there is none.
func (p *Pass) connClosedBefore(body *ast.BlockStmt, def *ast.DeferStmt) *ast.DeferStmt {
	var found *ast.DeferStmt
	ast.Inspect(body, func(n ast.Node) bool {
		if found != nil {
			return false
		}
		switch n := n.(type) {
		case *ast.FuncLit:
			return false
		case *ast.DeferStmt:
			if n.Pos() >= def.Pos() {
				return false
			}
			ast.Inspect(n.Call, func(m ast.Node) bool {
				call, ok := m.(*ast.CallExpr)
				if !ok || found != nil {
					return found == nil
				}
				sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr)
				if ok && sel.Sel.Name == "Close" && isConnType(p.Info.TypeOf(sel.X)) {
					found = n
				}
				return found == nil
			})
			return false
		}
		return true
	})
	return found
}

// isConnType reports whether t has a SetDeadline or SetWriteDeadline
// method: a network connection, whose writes can block until it is closed.
func isConnType(t types.Type) bool {
	if t == nil {
		return false
	}
	for _, m := range []string{"SetDeadline", "SetWriteDeadline"} {
		if obj, _, _ := types.LookupFieldOrMethod(t, true, nil, m); obj != nil {
			if _, ok := obj.(*types.Func); ok {
				return true
			}
		}
	}
	return false
}

func deferDesc(d *ast.DeferStmt) string {
	call := d.Call
	if lit, ok := ast.Unparen(call.Fun).(*ast.FuncLit); ok {
		call = nil
		ast.Inspect(lit.Body, func(n ast.Node) bool {
			if c, ok := n.(*ast.CallExpr); ok && call == nil {
				call = c
			}
			return call == nil
		})
		if call == nil {
			return "an empty func literal"
		}
	}
	return types.ExprString(call.Fun)
}

// cannotReturnAfter reports whether the function with body cannot return
// once past pos: it has no return statement after pos and ends in
// select {} or in a for loop with no condition and no way out (loopWaysOut).
// Its deferred cancel never runs, so nothing is left to join (a command
// that streams until the process is killed).
func (p *Pass) cannotReturnAfter(body *ast.BlockStmt, pos token.Pos) bool {
	if len(body.List) == 0 {
		return false
	}
	switch last := body.List[len(body.List)-1].(type) {
	case *ast.SelectStmt:
		if len(last.Body.List) > 0 {
			return false
		}
	case *ast.ForStmt:
		if w := p.loopWaysOut(last.Body, nil); last.Cond != nil || w.out || len(w.breaks) > 0 {
			return false
		}
	default:
		return false
	}
	returns := false
	inspectFunc(body, func(n ast.Node) bool {
		if _, ok := n.(*ast.ReturnStmt); ok && n.Pos() > pos {
			returns = true
		}
		return !returns
	})
	return !returns
}

// deferredBetween returns the first defer statement of body (outside func
// literals) in (from, to) that releases something: not one whose calls
// only log or cancel a context.
func (p *Pass) deferredBetween(body *ast.BlockStmt, from, to token.Pos) *ast.DeferStmt {
	var found *ast.DeferStmt
	inspectFunc(body, func(n ast.Node) bool {
		d, ok := n.(*ast.DeferStmt)
		if !ok || found != nil || d.Pos() <= from || d.Pos() >= to {
			return found == nil
		}
		trivial := true
		ast.Inspect(d.Call, func(m ast.Node) bool {
			if c, ok := m.(*ast.CallExpr); ok && c != d.Call || ok && c == d.Call && !isFuncLit(c.Fun) {
				if !p.trivialCall(c) {
					trivial = false
				}
			}
			return trivial
		})
		if !trivial {
			found = d
		}
		return found == nil
	})
	return found
}

func isFuncLit(e ast.Expr) bool {
	_, ok := ast.Unparen(e).(*ast.FuncLit)
	return ok
}

// freeAt reports whether name refers to nothing at pos (nor at the top of
// lit's body, where its parameters are in scope).
func (p *Pass) freeAt(name string, pos token.Pos, lit *ast.FuncLit) bool {
	at := []token.Pos{pos}
	if lit != nil {
		at = append(at, lit.Body.Lbrace+1)
	}
	for _, pos := range at {
		sc := p.Pkg.Scope().Innermost(pos)
		if sc == nil {
			return false
		}
		if _, obj := sc.LookupParent(name, pos); obj != nil {
			return false
		}
	}
	return true
}

// encloses reports whether block is one of the nodes of path.
func encloses(path []ast.Node, block ast.Node) bool {
	for _, n := range path {
		if n == block {
			return true
		}
	}
	return false
}

// unstableCall says why go f(args) cannot become go func() { f(args) }():
// the function and its arguments are evaluated when the goroutine starts,
// so they must be plain variables (or fields) the function does not assign
// afterwards, or constants.
func (p *Pass) unstableCall(body *ast.BlockStmt, gs *ast.GoStmt) string {
	var roots []*types.Var
	var plain func(e ast.Expr) bool
	plain = func(e ast.Expr) bool {
		switch e := ast.Unparen(e).(type) {
		case *ast.BasicLit:
			return true
		case *ast.Ident:
			switch obj := p.Info.Uses[e].(type) {
			case *types.Var:
				if obj.Parent() != nil && obj.Parent() != p.Pkg.Scope() {
					roots = append(roots, obj)
				}
				return true
			case *types.Const, *types.Func, *types.Nil:
				return true
			}
			return false
		case *ast.SelectorExpr:
			if sel, ok := p.Info.Selections[e]; ok && sel.Kind() == types.MethodExpr {
				return false
			}
			if _, ok := p.Info.Selections[e]; !ok {
				return plain(e.Sel) // package-qualified
			}
			return plain(e.X)
		case *ast.UnaryExpr:
			return e.Op == token.AND && plain(e.X)
		}
		return false
	}
	for _, e := range append([]ast.Expr{gs.Call.Fun}, gs.Call.Args...) {
		if !plain(e) {
			return "the goroutine's function or arguments are not plain variables, and would be evaluated later inside a func literal"
		}
	}
	if gs.Call.Ellipsis.IsValid() {
		return "the goroutine's call spreads a slice"
	}
	assigned := false
	ast.Inspect(body, func(n ast.Node) bool {
		if n == nil || n.End() <= gs.End() || assigned {
			return !assigned
		}
		var lhs []ast.Expr
		switch n := n.(type) {
		case *ast.AssignStmt:
			lhs = n.Lhs
		case *ast.IncDecStmt:
			lhs = []ast.Expr{n.X}
		case *ast.RangeStmt:
			if n.Tok == token.ASSIGN {
				lhs = []ast.Expr{n.Key, n.Value}
			}
		}
		for _, l := range lhs {
			if v := rootVar(p.Info, l); v != nil {
				for _, r := range roots {
					if r == v {
						assigned = true
					}
				}
			}
		}
		return !assigned
	})
	if assigned {
		return "a variable the goroutine's call uses is assigned after the go statement"
	}
	return ""
}

// harmlessInert is why an unjoined goroutine that holds no resource is
// not a default finding.
const harmlessInert = "the goroutine runs %s, which is handed only a context and values with no Close, Flush, Stop, Shutdown, Sync or Commit method, reads no package variable and calls none of the program's functions: it leaves on the cancel holding nothing to finish, so outliving its starter loses nothing"

// resourceMethods are the methods of a value whose work a goroutine
// killed mid-way might leave unfinished.
var resourceMethods = []string{"Close", "Flush", "Stop", "Shutdown", "Sync", "Commit"}

// inertGoroutine returns the name of the function gs runs when it holds no
// resource (syncthing's addTimeUntilCancelled, a metrics timer): gs calls
// a declared function of the package (not a method), whose arguments are
// contexts or values of types with none of resourceMethods, and whose body
// reads no package-level variable and calls no function of the program.
func (p *Pass) inertGoroutine(gs *ast.GoStmt) string {
	id, ok := ast.Unparen(gs.Call.Fun).(*ast.Ident)
	if !ok {
		return ""
	}
	fn, ok := p.Info.Uses[id].(*types.Func)
	if !ok {
		return ""
	}
	d, ok := p.Program.declOf(fn)
	if !ok || d.fd.Body == nil || d.fd.Recv != nil {
		return ""
	}
	for _, a := range gs.Call.Args {
		t := p.Info.TypeOf(a)
		if t == nil {
			return ""
		}
		if isNamed(t, "context", "Context") {
			continue
		}
		for _, m := range resourceMethods {
			if obj, _, _ := types.LookupFieldOrMethod(t, true, nil, m); obj != nil {
				return ""
			}
		}
	}
	inert := true
	ast.Inspect(d.fd.Body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.Ident:
			if v, ok := d.pass.Info.Uses[n].(*types.Var); ok && v.Parent() != nil && v.Parent() == v.Pkg().Scope() {
				inert = false
			}
		case *ast.CallExpr:
			if f := callee(d.pass.Info, n); f != nil {
				if _, ok := p.Program.declOf(f); ok {
					inert = false
				}
			}
		}
		return inert
	})
	if !inert {
		return ""
	}
	return fn.Name()
}

// harmlessSpawner is why an unjoined goroutine that only waits for the
// cancel and starts detached work is not a default finding.
const harmlessSpawner = "the goroutine runs %s, which only waits (in selects that return when the context is done, beside timers) and starts goroutines of its own: when the cancel comes it is waiting and returns at once, and joining it would not join the work it started, so outliving its starter loses nothing"

// spawnerGoroutine returns the name of what gs runs (its function, or "a
// func literal") when that body does nothing but wait and start detached
// work, so that joining it would wait for nothing (a monitor that starts a
// probe per period in a goroutine of its own, each with its own timeout):
// outside the bodies of the go statements it makes, its statements are
// loops, selects each of which has a case receiving from a context's Done
// whose body is just a return, its other cases receiving from timers, go
// statements whose arguments are plain values, and assignments, returns
// and calls of packages time, math and math/rand only. At least one such
// select must be there. "" otherwise.
func (p *Pass) spawnerGoroutine(gs *ast.GoStmt, lit *ast.FuncLit) string {
	pass, body, what := p, (*ast.BlockStmt)(nil), "a func literal"
	if lit != nil {
		body = lit.Body
	} else if fn := callee(p.Info, gs.Call); fn != nil {
		if d, ok := p.Program.declOf(fn); ok && d.fd.Body != nil {
			pass, body, what = d.pass, d.fd.Body, fn.Name()
		}
	}
	if body == nil {
		return ""
	}
	pure := func(n ast.Node) bool {
		ok := true
		ast.Inspect(n, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.FuncLit:
				ok = false
			case *ast.UnaryExpr:
				ok = ok && n.Op != token.ARROW
			case *ast.CallExpr:
				if tv, isType := pass.Info.Types[n.Fun]; isType && tv.IsType() {
					return true // a conversion
				}
				if _, builtin := pass.Info.Uses[identOfExpr(n.Fun)].(*types.Builtin); builtin {
					return true
				}
				fn := callee(pass.Info, n)
				if fn == nil || fn.Pkg() == nil {
					ok = false
					return false
				}
				switch fn.Pkg().Path() {
				case "time", "math", "math/rand", "math/rand/v2":
				default:
					ok = false
				}
			}
			return ok
		})
		return ok
	}
	waits, ok := false, true
	var walk func(list []ast.Stmt)
	walk = func(list []ast.Stmt) {
		for _, st := range list {
			if !ok {
				return
			}
			switch st := st.(type) {
			case *ast.GoStmt:
				for _, a := range st.Call.Args {
					ok = ok && pure(a)
				}
				if _, isLit := ast.Unparen(st.Call.Fun).(*ast.FuncLit); !isLit {
					ok = ok && pure(st.Call.Fun)
				}
			case *ast.ForStmt:
				ok = ok && st.Init == nil && st.Post == nil && (st.Cond == nil || pure(st.Cond))
				walk(st.Body.List)
			case *ast.SelectStmt:
				done := false
				for _, c := range st.Body.List {
					cc := c.(*ast.CommClause)
					r := recvOf(cc.Comm)
					switch {
					case r != nil && pass.doneOf(r.X) != "":
						ret, _ := onlyStmt(cc.Body).(*ast.ReturnStmt)
						ok = ok && ret != nil && len(ret.Results) == 0
						done = true
					case r != nil && pass.timerChan(r.X) && pure(r.X):
						walk(cc.Body)
					default:
						ok = false
					}
				}
				ok = ok && done
				waits = waits || done
			case *ast.AssignStmt:
				for _, e := range st.Rhs {
					ok = ok && pure(e)
				}
				for _, e := range st.Lhs {
					_, local := ast.Unparen(e).(*ast.Ident)
					ok = ok && local
				}
			case *ast.ReturnStmt:
				ok = ok && len(st.Results) == 0
			case *ast.ExprStmt:
				ok = ok && pure(st.X)
			default:
				ok = false
			}
		}
	}
	walk(body.List)
	if !ok || !waits {
		return ""
	}
	return what
}

// onlyStmt returns the one statement of list, or nil.
func onlyStmt(list []ast.Stmt) ast.Stmt {
	if len(list) != 1 {
		return nil
	}
	return list[0]
}

// rootVar returns the variable at the root of x, x.f, x[i] or *x.
func rootVar(info *types.Info, e ast.Expr) *types.Var {
	for {
		switch x := ast.Unparen(e).(type) {
		case *ast.Ident:
			v, _ := info.ObjectOf(x).(*types.Var)
			return v
		case *ast.SelectorExpr:
			e = x.X
		case *ast.IndexExpr:
			e = x.X
		case *ast.StarExpr:
			e = x.X
		default:
			return nil
		}
	}
}

// harmlessWatcher is why an unjoined goroutine that only watches for an
// event and then cancels or logs is not a default finding.
const harmlessWatcher = "the goroutine only waits in %s, given the context the deferred cancel ends, and then does nothing but log or cancel: when the function returns it leaves holding nothing to finish, so outliving its starter loses nothing"

// watchVerbs begin the names of calls that wait for an event and read it.
var watchVerbs = []string{"Watch", "Wait", "Recv", "Receive", "Next", "Poll", "Subscribe"}

// watcherGoroutine returns the name of the call a func literal goroutine
// waits in when all it does is that one wait and a reaction that finishes
// nothing (drone's runner: done, _ := r.Manager.Watch(ctx, id); if done {
// cancel() }): its statements are the wait, a call whose name begins with
// one of watchVerbs and that is handed a context (its results, if kept,
// go to the literal's own variables), log calls, calls of a cancel func,
// and ifs (with no init, and a condition that calls nothing) holding only
// log calls and cancels. "" otherwise.
func (p *Pass) watcherGoroutine(lit *ast.FuncLit) string {
	if lit == nil {
		return ""
	}
	var wait *types.Func
	isWait := func(e ast.Expr) bool {
		call, ok := ast.Unparen(e).(*ast.CallExpr)
		if !ok {
			return false
		}
		fn := callee(p.Info, call)
		if fn == nil || wait != nil || !slices.ContainsFunc(watchVerbs, func(v string) bool { return strings.HasPrefix(fn.Name(), v) }) {
			return false
		}
		hasCtx := false
		for _, a := range call.Args {
			t := p.Info.TypeOf(a)
			if t == nil {
				return false
			}
			if _, isFunc := t.Underlying().(*types.Signature); isFunc {
				return false // handed work (sub.Receive(ctx, handler)): not only a wait
			}
			hasCtx = hasCtx || isContext(t)
		}
		if hasCtx {
			wait = fn
		}
		return hasCtx
	}
	reacts := func(call *ast.CallExpr) bool {
		if fn := callee(p.Info, call); fn != nil && fn.Pkg() != nil && isLogFunc(fn) {
			return true
		}
		t := p.Info.TypeOf(call.Fun)
		return len(call.Args) == 0 && t != nil && (isNamed(t, "context", "CancelFunc") || isNamed(t, "context", "CancelCauseFunc"))
	}
	callsNothing := func(e ast.Expr) bool {
		ok := true
		ast.Inspect(e, func(n ast.Node) bool {
			if _, isCall := n.(*ast.CallExpr); isCall {
				ok = false
			}
			return ok
		})
		return ok
	}
	var walk func(list []ast.Stmt, top bool) bool
	walk = func(list []ast.Stmt, top bool) bool {
		for _, st := range list {
			switch st := st.(type) {
			case *ast.ExprStmt:
				call, ok := ast.Unparen(st.X).(*ast.CallExpr)
				if !ok || !reacts(call) && !(top && isWait(call)) {
					return false
				}
			case *ast.AssignStmt:
				if !top || len(st.Rhs) != 1 || !isWait(st.Rhs[0]) {
					return false
				}
				for _, l := range st.Lhs {
					id, ok := ast.Unparen(l).(*ast.Ident)
					if !ok {
						return false
					}
					if v, ok := p.Info.ObjectOf(id).(*types.Var); id.Name != "_" && (!ok || !within(lit, v.Pos())) {
						return false
					}
				}
			case *ast.IfStmt:
				// if err := w.Watch(ctx); err != nil { log... }: the init
				// may be the wait itself.
				if st.Init != nil && (!top || !walk([]ast.Stmt{st.Init}, true)) || !callsNothing(st.Cond) || !walk(st.Body.List, false) {
					return false
				}
				switch e := st.Else.(type) {
				case nil:
				case *ast.BlockStmt:
					if !walk(e.List, false) {
						return false
					}
				default:
					return false
				}
			default:
				return false
			}
		}
		return true
	}
	if !walk(lit.Body.List, true) || wait == nil {
		return ""
	}
	return wait.Name()
}
