package matchers

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"strings"
)

// CloseBeforeDrain: a resource the workers use is closed before they are
// drained.
//
// Workers still running when the database, the kafka reader or writer, or
// anything else they use is closed fail mid-job: queries error out, offsets
// are not committed and the messages come again after a restart. The rule
// reads one statement list: a close statement (X.Close(), _ = X.Close() or
// if err := X.Close(); ...) followed later in the same list by a drain:
// wg.Wait() on a sync.WaitGroup (also inside go func() { wg.Wait();
// close(done) }() up to the receive from done), or a method Drain,
// Shutdown, Stop, GracefulStop or Wait of another value. It reports only
// when the code shows that the drained workers use X:
//
//   - the goroutines the WaitGroup joins (those that call its Done or are
//     given it) refer to X, directly or through the package's functions they
//     call, or are handed X;
//   - the drained value was built from X (pool := NewPool(db)), was handed X
//     by a call (pool.Submit(func() { db.Exec(q) }), Register(srv, h{db})),
//     or its type's methods refer to X.
//
// Silent in _test.go files, where closing what the workers use is how a
// test ends them or sees them fail, and on a Wait of another package's
// value that nothing before the close stops (no cancel, no channel
// closed): its workers are out of sight, and the close may be what ends
// them. Silent on a close of something the
// workers never refer to (an output file
// written before the drain), a close after the drain or deferred, a close of
// the drained value or of what holds it, a listener, a Close that closes a
// channel (a stop signal), a close the drain repeats itself, and a close
// that is how the workers stop: a worker loop that takes its work from X,
// or from what is computed from X (a stream opened on it, a reader made on
// it), without a context, so that only the close ends it
// (for { c, err := ln.Accept() }, for m := range sub.C()).
//
// The fix moves the close statement, with its comments and error handling,
// to just after the drain. It is refused when that would change what the
// code in between does: it uses X, sets what the close statement reads,
// reads what it sets, or can leave the block before the drain ends; when
// the drain is a return statement; and when the workers of a Wait loop and
// nothing before the close stops them (a context cancel, for workers that
// take their work from X with a context; else a cancel or a channel close),
// for then the close may be what ends them.
//
//	db.Close()        // bad: the pool's workers may still be querying
//	pool.Drain(ctx)
//
//	pool.Drain(ctx)   // good
//	db.Close()
func CloseBeforeDrain(p *Pass) []Finding {
	m := &cbdMatcher{p: p, workers: map[string][]ast.Node{}}
	var found []Finding
	for _, f := range p.Owned {
		// Tests close what their workers use on purpose, to end them or to
		// see them fail; a test's order is not a deploy's drain. In a test
		// package's huge test files, following every such close through
		// the workers is also where this rule's time went.
		if p.isTestFile(f) {
			continue
		}
		p.inspectFile(f, func(n ast.Node) bool {
			if list := stmtList(n); len(list) >= 2 {
				found = append(found, m.block(n, list)...)
			}
			return true
		}, stmtListTypes...)
	}
	return found
}

// A CloseBeforeDrainFix moves Close to just after Drain, both statements of
// the list Block; after Earlier, the close statements before it that other
// fixes move after the same drain, so that the closes keep their order.
type CloseBeforeDrainFix struct {
	Close, Drain ast.Stmt
	Block        ast.Node
	Earlier      []ast.Stmt
}

type cbdMatcher struct {
	p       *Pass
	decls   map[*types.Func]*ast.FuncDecl
	gos     []*ast.GoStmt
	stored  map[string][]ast.Expr // key → the values stored in it
	uses    map[string][]cbdCall  // key → the calls given it
	workers map[string][]ast.Node // WaitGroup key → its workers
	indexed bool
	budget  *int // nodes the reaches may still visit
}

// A cbdDrain is a statement that waits for workers.
type cbdDrain struct {
	stmt  ast.Stmt // the statement after which the workers are done
	start int      // the index of the statement that starts the drain
	call  *ast.CallExpr
	recv  ast.Expr
	wg    bool // (*sync.WaitGroup).Wait
	wait  bool // a Wait: something else must stop the workers
	ret   bool // return x.Drain(ctx)
}

// block reports the close statements of one statement list.
func (m *cbdMatcher) block(block ast.Node, list []ast.Stmt) []Finding {
	var found []Finding
	moved := map[ast.Stmt][]ast.Stmt{} // drain → closes fixed to follow it
	for i, s := range list {
		call, x := m.p.cbdClose(s)
		if call == nil || cbdListener(m.p.Info.TypeOf(x)) || isServerType(m.p.Info.TypeOf(x)) {
			// Closing a listener stops the intake, and closing a server
			// is how its Serve workers are stopped (cutting its requests
			// is server-close's business), not work failing on it.
			continue
		}
		if !m.indexed {
			m.decls = m.p.cbdDecls()
			m.index()
			m.indexed = true
		}
		if m.closeSignals(call) {
			continue
		}
		xk := map[string]bool{m.p.cbdKeyOf(x): true}
		for _, a := range m.aliases(xk) {
			xk[a] = true
		}
		var target *cbdDrain
		j, ctxLoop, loops, stops := -1, false, false, false
		for k := i + 1; k < len(list) && !stops; k++ {
			d, end, ok := m.p.cbdDrainAt(list, k)
			if !ok || cbdHolds(m.p.Info, x, d.recv) {
				continue
			}
			u := m.relate(d, xk)
			if !u.refers {
				continue
			}
			stops = u.stops || u.closes
			ctxLoop = ctxLoop || (u.ctxLoop && (d.wg || d.wait))
			loops = loops || (u.loops && (d.wg || d.wait))
			target, j = &d, end
		}
		if target == nil || stops {
			continue
		}
		teardown := ""
		// Stop may be a hard stop; GracefulStop, Shutdown and Drain say
		// they drain, and are taken at their word.
		if fn := callee(m.p.Info, target.call); !target.wg && fn != nil && fn.Name() == "Stop" {
			if d, ok := m.p.Program.declOf(fn); ok && !m.p.Program.waitsForWork(d, 4, map[*types.Func]bool{}) {
				teardown = types.ExprString(target.call.Fun)
			}
		}
		fd := Finding{
			Pos: call.Pos(), End: call.End(),
			Message: fmt.Sprintf("%s is closed before %s drains the workers that use it: work still in flight fails on the closed %s; close it after the drain",
				types.ExprString(x), types.ExprString(target.call.Fun), types.ExprString(x)),
		}
		why := ""
		// What runs before the drain once the close has moved: everything
		// before it, the code between the close and the drain included.
		cancels, signals := m.stopsBefore(list[target.start])
		if target.wait && !signals && m.declOf(target.call) == nil {
			// A Wait for workers out of sight (another package's) that
			// nothing before the close stops: the close may be what ends
			// them (a server's accept loop on a listener it was given).
			continue
		}
		switch {
		case ctxLoop && !cancels:
			why = fmt.Sprintf("the workers stop taking work from %s when their context is cancelled or %s is closed, and nothing before the close cancels a context: moving the close could leave the drain waiting", types.ExprString(x), types.ExprString(x))
		case loops && !signals:
			why = fmt.Sprintf("the workers loop, and nothing before the close stops them (no cancel, no close of a channel): if closing %s is what ends them, waiting first would block", types.ExprString(x))
		}
		if why == "" {
			why = m.blocker(list, i, j, *target, x, xk)
		}
		switch {
		case teardown != "":
			// Never fixed, and no other close's fix may count on this one moving.
			fd.Harmless = fmt.Sprintf(harmlessTeardown, teardown)
		case why != "":
			fd.NoFix = why
		default:
			fd.Fix = &CloseBeforeDrainFix{Close: s, Drain: target.stmt, Block: block, Earlier: moved[target.stmt]}
			moved[target.stmt] = append(moved[target.stmt], s)
		}
		found = append(found, fd)
	}
	return found
}

// harmlessTeardown is why a close before a stop that waits for nothing
// is not a default finding.
const harmlessTeardown = "%s waits for nothing (neither it nor what it calls receives, sends, selects, sleeps or waits for a goroutine): it is a teardown, not a drain, so work in flight is as unfinished after it as before, and closing after it would change nothing"

// waitsForWork reports whether the function d, or a function of the
// program it calls (depth calls down), may wait for work in flight: a
// receive, a send, a select, a range over a channel or an iterator, a
// Sleep, a call of a function value other than a cancel func, an
// interface method other than Close, a function out of sight named as a
// drain or a wait (Wait, Drain, Shutdown, GracefulStop, Stop, Join,
// Flush), or anything past depth. A call out of sight that does none of
// that (a Close: a teardown; a lock; a log line) does not.
func (p *Program) waitsForWork(d progDecl, depth int, seen map[*types.Func]bool) bool {
	if fn, ok := d.pass.Info.Defs[d.fd.Name].(*types.Func); ok {
		if seen[fn] {
			return false // recursion: the other visit tells
		}
		seen[fn] = true
	}
	info := d.pass.Info
	waits := false
	ast.Inspect(d.fd.Body, func(n ast.Node) bool {
		if waits {
			return false
		}
		switch n := n.(type) {
		case *ast.FuncLit:
			return false // a callback: it runs later, if ever
		case *ast.GoStmt:
			return false
		case *ast.SendStmt, *ast.SelectStmt:
			waits = true
		case *ast.UnaryExpr:
			waits = n.Op == token.ARROW
		case *ast.RangeStmt:
			if t := info.TypeOf(n.X); t != nil {
				switch t.Underlying().(type) {
				case *types.Chan, *types.Signature:
					waits = true
				}
			}
		case *ast.CallExpr:
			if tv := info.Types[n.Fun]; tv.IsType() || tv.IsBuiltin() {
				return true
			}
			if t := info.TypeOf(n.Fun); isNamed(t, "context", "CancelFunc") || isNamed(t, "context", "CancelCauseFunc") {
				return true
			}
			fn := callee(info, n)
			switch {
			case fn == nil:
				waits = true // a func value: unknown
			case isFunc(fn, "time", "Sleep"):
				waits = true
			default:
				if decl, ok := p.declOf(fn); ok {
					waits = depth == 0 || p.waitsForWork(decl, depth-1, seen)
					break
				}
				if recv := fn.Signature().Recv(); recv != nil && types.IsInterface(recv.Type()) && fn.Name() != "Close" {
					waits = true // an interface's method: unknown
					break
				}
				switch fn.Name() {
				case "Wait", "Drain", "Shutdown", "GracefulStop", "Stop", "Join", "Flush":
					waits = true
				}
			}
		}
		return !waits
	})
	return waits
}

// cbdClose returns the X.Close() call of a close statement (X.Close(),
// _ = X.Close(), if [err :=] X.Close(); ...) and X, or nil.
func (p *Pass) cbdClose(s ast.Stmt) (*ast.CallExpr, ast.Expr) {
	var e ast.Expr
	switch s := s.(type) {
	case *ast.ExprStmt:
		e = s.X
	case *ast.AssignStmt:
		if len(s.Lhs) == 1 && len(s.Rhs) == 1 && s.Tok == token.ASSIGN && cbdBlank(s.Lhs[0]) {
			e = s.Rhs[0]
		}
	case *ast.IfStmt:
		if as, ok := s.Init.(*ast.AssignStmt); ok && len(as.Rhs) == 1 && len(as.Lhs) == 1 {
			e = as.Rhs[0]
		}
	}
	call, _ := ast.Unparen(e).(*ast.CallExpr)
	return p.cbdCloseCall(call)
}

// cbdCloseCall returns call and X when call is X.Close() on a variable or
// field X, or nil.
func (p *Pass) cbdCloseCall(call *ast.CallExpr) (*ast.CallExpr, ast.Expr) {
	if call == nil || len(call.Args) != 0 {
		return nil, nil
	}
	sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr)
	fn := callee(p.Info, call)
	if !ok || fn == nil || fn.Name() != "Close" || fn.Signature().Recv() == nil || cbdKey(p.Info, sel.X) == "" {
		return nil, nil
	}
	return call, sel.X
}

// cbdDrainAt returns the drain that list[k] starts, and the index of the
// statement that ends it: list[k] itself, or for a wait in a goroutine
// (go func() { wg.Wait(); close(done) }()) the later statement that
// receives from done (<-done, or a select with a case for it).
func (p *Pass) cbdDrainAt(list []ast.Stmt, k int) (cbdDrain, int, bool) {
	if d, ok := p.cbdDrainOf(list[k]); ok {
		d.start = k
		return d, k, true
	}
	gs, ok := list[k].(*ast.GoStmt)
	if !ok {
		return cbdDrain{}, 0, false
	}
	lit, ok := ast.Unparen(gs.Call.Fun).(*ast.FuncLit)
	if !ok || len(lit.Body.List) != 2 {
		return cbdDrain{}, 0, false
	}
	var d cbdDrain
	done := ""
	for _, s := range lit.Body.List {
		if dd, ok := p.cbdDrainOf(s); ok && !dd.ret {
			d = dd
		} else if ch := p.cbdClosedChan(s); ch != "" {
			done = ch
		}
	}
	if d.call == nil || done == "" {
		return cbdDrain{}, 0, false
	}
	for end := k + 1; end < len(list); end++ {
		if p.cbdReceives(list[end], done) {
			d.stmt, d.start = list[end], k
			return d, end, true
		}
	}
	return cbdDrain{}, 0, false
}

// cbdClosedChan returns the key of the channel s closes (close(done) or
// defer close(done)), or "".
func (p *Pass) cbdClosedChan(s ast.Stmt) string {
	var call *ast.CallExpr
	switch s := s.(type) {
	case *ast.ExprStmt:
		call, _ = ast.Unparen(s.X).(*ast.CallExpr)
	case *ast.DeferStmt:
		call = s.Call
	}
	if call == nil || len(call.Args) != 1 {
		return ""
	}
	id, ok := ast.Unparen(call.Fun).(*ast.Ident)
	if b, isB := p.Info.Uses[id].(*types.Builtin); !ok || !isB || b.Name() != "close" {
		return ""
	}
	return cbdKey(p.Info, call.Args[0])
}

// stmtValue returns the expression an expression statement or a
// single-valued assignment evaluates, or nil.
func stmtValue(s ast.Stmt) ast.Expr {
	switch s := s.(type) {
	case *ast.ExprStmt:
		return s.X
	case *ast.AssignStmt:
		if len(s.Rhs) == 1 {
			return s.Rhs[0]
		}
	}
	return nil
}

// cbdReceives reports whether s receives from the channel keyed ch: <-ch,
// v := <-ch, or a select with such a case.
func (p *Pass) cbdReceives(s ast.Stmt, ch string) bool {
	recv := func(s ast.Stmt) bool {
		u, ok := ast.Unparen(stmtValue(s)).(*ast.UnaryExpr)
		return ok && u.Op == token.ARROW && cbdKey(p.Info, u.X) == ch
	}
	if sel, ok := s.(*ast.SelectStmt); ok {
		for _, cc := range sel.Body.List {
			if recv(cc.(*ast.CommClause).Comm) {
				return true
			}
		}
		return false
	}
	return recv(s)
}

// cbdDrainOf classifies a statement that drains workers: x.Drain(ctx),
// _ = x.Drain(ctx), err := ..., if err := ...; ..., return x.Drain(ctx).
func (p *Pass) cbdDrainOf(s ast.Stmt) (cbdDrain, bool) {
	d := cbdDrain{stmt: s}
	e := stmtValue(s)
	switch s := s.(type) {
	case *ast.IfStmt:
		if as, ok := s.Init.(*ast.AssignStmt); ok && len(as.Rhs) == 1 {
			e = as.Rhs[0]
		}
	case *ast.ReturnStmt:
		if len(s.Results) == 1 {
			e, d.ret = s.Results[0], true
		}
	}
	call, ok := ast.Unparen(e).(*ast.CallExpr)
	if !ok {
		return d, false
	}
	sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr)
	fn := callee(p.Info, call)
	if !ok || fn == nil || fn.Signature().Recv() == nil || fn.Pkg() == nil || cbdKey(p.Info, sel.X) == "" {
		return d, false
	}
	d.call, d.recv = call, sel.X
	if isMethod(fn, "sync", "WaitGroup", "Wait") {
		d.wg = true
		return d, true
	}
	switch fn.Pkg().Path() {
	case "sync", "time", "os", "os/exec", "context":
		return d, false // a Cond, a Timer, a child process: not workers
	}
	switch name := fn.Name(); {
	case isDrainName(name):
		return d, true
	case name == "Wait":
		d.wait = true
		return d, true
	}
	return d, false
}

// cbdHolds reports whether closing x closes the drained value y itself or
// what holds it (c.Close() before c.wg.Wait()).
func cbdHolds(info *types.Info, x, y ast.Expr) bool {
	if cbdKey(info, x) == cbdKey(info, y) {
		return true
	}
	rx, ry := refKey(info, x), refKey(info, y)
	return rx != "" && (rx == ry || strings.HasPrefix(ry, rx+"."))
}

// cbdListener reports whether t is a listener (Accept, Addr and Close):
// closing it stops the intake, not work in flight.
func cbdListener(t types.Type) bool {
	if t == nil {
		return false
	}
	ms := types.NewMethodSet(t)
	if _, ok := t.Underlying().(*types.Interface); !ok {
		if _, isPtr := t.(*types.Pointer); !isPtr {
			ms = types.NewMethodSet(types.NewPointer(t))
		}
	}
	n := 0
	for _, name := range []string{"Accept", "Addr", "Close"} {
		for i := range ms.Len() {
			if ms.At(i).Obj().Name() == name {
				n++
				break
			}
		}
	}
	return n == 3
}

// closeSignals reports whether the Close of call is declared in the
// package and closes a channel: it tells the workers to stop, and belongs
// before the wait.
func (m *cbdMatcher) closeSignals(call *ast.CallExpr) bool {
	fd := m.declOf(call)
	if fd == nil || fd.Body == nil {
		return false
	}
	closes := false
	r := m.reach(nil)
	r.walk([]ast.Node{fd.Body}, func(n ast.Node) {
		if c, ok := n.(*ast.CallExpr); ok {
			if id, ok := ast.Unparen(c.Fun).(*ast.Ident); ok {
				if b, ok := m.p.Info.Uses[id].(*types.Builtin); ok && b.Name() == "close" {
					closes = true
				}
			}
		}
	})
	return closes
}

// declOf returns the declaration, in the package, of the function call
// calls, or nil.
func (m *cbdMatcher) declOf(call *ast.CallExpr) *ast.FuncDecl {
	if fn := callee(m.p.Info, call); fn != nil {
		return m.decls[fn.Origin()]
	}
	return nil
}

// stopsBefore reports whether the function holding s, before s (not
// deferred, not in a closure), calls a context.CancelFunc (cancels), or
// that or closes a channel (stops): what tells looping workers to end.
func (m *cbdMatcher) stopsBefore(s ast.Stmt) (cancels, stops bool) {
	body, _ := funcBody(m.p.pathTo(s))
	if body == nil {
		return false, false
	}
	ast.Inspect(body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit, *ast.DeferStmt:
			return false
		case *ast.CallExpr:
			if n.Pos() >= s.Pos() {
				return false
			}
			t := m.p.Info.TypeOf(n.Fun)
			if isNamed(t, "context", "CancelFunc") || isNamed(t, "context", "CancelCauseFunc") {
				cancels = true
			}
			if id, ok := ast.Unparen(n.Fun).(*ast.Ident); ok {
				if b, ok := m.p.Info.Uses[id].(*types.Builtin); ok && b.Name() == "close" {
					stops = true
				}
			}
		}
		return true
	})
	return cancels, stops || cancels
}
