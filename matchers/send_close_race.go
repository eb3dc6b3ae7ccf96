package matchers

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"slices"
	"strings"
)

// SendCloseRace: a method sends on a channel field that another method of
// the same type closes, with nothing keeping the two apart.
//
// A send on a closed channel panics. When Submit sends on p.queue and
// Drain closes it, a Submit that comes during or after the Drain crashes
// the process in the middle of the drain. Only the type's own methods,
// reaching the field through their receiver, are looked at. Not reported:
//   - the send and the close under one mutex, with a flag checked before
//     the send (in an if or a select) that the closer also looks at;
//   - a channel closed only by the method that sends on it, or by one-shot
//     methods that each send once and close (Resume or Fail);
//   - unexported methods only ever called one after the other from one
//     function (a run loop that sends, then closes at its end), and an
//     unexported sender called only by the closer itself, before its close
//     (a loop that hands each event to a helper and defers the close);
//   - a closer that waits for the senders first (WaitGroup.Wait, a
//     receive, a select on receives) when the senders can be waited for: a
//     select send beside a receive case, a send in a goroutine, or a
//     sender counted in that WaitGroup;
//   - a close followed by a new channel in the field (a broadcast), and a
//     close in a closure kept for later (sync.OnceFunc, a callback);
//   - a send whose panic is recovered: the function holding it defers a
//     recover first, or it is a func literal handed to a function that
//     defers a recover and then calls it (a PanicToError helper);
//   - a handshake: the only send is followed by a receive on the same
//     channel (s.done <- struct{}{}; <-s.done), its method runs once in
//     the process (one call, from main or from a function that runs once
//     so), and the close runs only once a receive on
//     the channel has taken that send (case <-s.done: s.close(), where
//     close ends with close(s.done) as the answer);
//   - producers that own their values: unexported send and close methods
//     used only by functions that each get the value as a parameter,
//     fresh at every call, send in the run (plain calls, or callbacks of
//     calls that return their error) and close as the run ends (an
//     iterator a goroutine fills).
//
// The fix, when every racing sender returns just an error and the type is
// a struct of this package, adds a mutex and a closed flag next to the
// channel (named closeMu and closed unless taken), checks the flag under
// the mutex before the send and returns an error once closed, and closes
// under the mutex only once. The sender holds the mutex while its send
// blocks (as in the seed's fix): a Drain then waits for that send, so it
// must close while the receivers still run, which is the usual order. It
// is refused when a method makes the channel anew (the flag would stay
// set), when the type has value receivers or is passed by value (the mutex
// would be copied), when an unkeyed literal of the type exists, and for a
// send in a loop, a goroutine or twice in one method.
//
//	func (p *Pool) Submit(j Job) error {
//		p.queue <- j                  // bad: panics after Drain
//		return nil
//	}
//
//	func (p *Pool) Submit(j Job) error {
//		p.closeMu.Lock()
//		defer p.closeMu.Unlock()
//		if p.closed {
//			return errors.New("closed")
//		}
//		p.queue <- j                  // good
//		return nil
//	}
//
//	func (p *Pool) Drain() {
//		p.closeMu.Lock()
//		if !p.closed {
//			p.closed = true
//			close(p.queue)
//		}
//		p.closeMu.Unlock()
//	}
func SendCloseRace(p *Pass) []Finding {
	uses, order := p.chanFieldUses()
	var found []Finding
	for _, field := range order {
		u := uses[field]
		sends, closes := map[*ast.FuncDecl]bool{}, map[*ast.FuncDecl]bool{}
		for _, s := range u.sends {
			sends[s.fd] = true
		}
		for _, c := range u.closes {
			closes[c.fd] = true
		}
		var racing []chanUse
		var closers []string
		var closeAt []token.Pos
		for _, s := range u.sends {
			if p.recovered(s.path) || p.recoveredByCallers(s.fd, 3) {
				continue // the panic is caught: a send after the close is an error, by design
			}
			races := false
			for _, c := range u.closes {
				// Methods that each send once and close are one-shot
				// alternatives (Resume or Fail): calling both is misuse.
				oneShot := c.fd != s.fd && closes[s.fd] && sends[c.fd]
				if c.fd == s.fd && (sentByMethod(s) || sendThenClose(s, c) || p.sentInlineBeforeDeferredClose(s, c)) || oneShot || p.closeGuarded(s, c) || (p.sequential(s.fd, c.fd) || p.sendsForCloser(s.fd, c) || p.closedAfterSends(s.fd, c) || p.oneRunLoop(s.fd, c.fd) && p.chanMadeFresh(field) && p.rangedRegistriesOwned(s.fd)) && sentByMethod(s) || p.ownedValues(field, s, c) || p.closedOnAck(field, u, s, c) || p.producedPerRun(s, c) {
					continue
				}
				races = true
				closeAt = append(closeAt, c.call.Pos())
				if !slices.Contains(closers, c.fd.Name.Name) {
					closers = append(closers, c.fd.Name.Name)
				}
			}
			if races {
				racing = append(racing, s)
			}
		}
		if len(racing) == 0 {
			continue
		}
		s := racing[0]
		ch := types.ExprString(s.sel)
		fd := Finding{
			Pos: s.stmt.Pos(), End: s.stmt.End(),
			Message: fmt.Sprintf("send on %s races with close(%s) in %s: a send during or after the close panics (send on closed channel); guard both with a mutex and a closed flag",
				ch, ch, joinMethodNames(closers)),
		}
		if len(racing) > 1 {
			fd.Message += fmt.Sprintf(" (%d methods send on it)", len(racing))
		}
		// The race matters to a drain when the close runs on one.
		fd.Harmless = p.offDrainPath(closeAt[0])
		for _, at := range closeAt[1:] {
			if fd.Harmless != "" {
				fd.Harmless = p.offDrainPath(at)
			}
		}
		if fd.Harmless == "" && !p.anyAPISender(racing) {
			fd.Harmless = harmlessInternalSenders
		}
		if fd.Harmless == "" && p.sentInRequests(racing) {
			fd.Harmless = harmlessRequestSenders
		}
		if fd.Harmless == "" && p.startSendsOnce(u) {
			fd.Harmless = fmt.Sprintf(harmlessStartSend, u.sends[0].fd.Name.Name, joinMethodNames(closers))
		}
		if fd.Harmless != "" {
			found = append(found, fd)
			continue
		}
		if fix, why := p.sendCloseFix(field, u, racing); fix != nil {
			fd.Fix = fix
			fd.Touches = p.sendCloseTouches(s.stmt.Pos(), fix)
		} else {
			fd.NoFix = why
		}
		found = append(found, fd)
	}
	return found
}

// closedOnAck reports whether the send s and the close c are the two
// halves of a handshake: s, the field's only send, is followed at once by
// a receive on the field (the sender waits for the answer), the method
// holding s runs at most once in the process (onceFromMain),
// and c runs only after a receive on the field, in its own method or, for
// an unexported closer, at every call of it on the caller's receiver. The
// close then answers the one send there is.
func (p *Pass) closedOnAck(field *types.Var, u *chanFieldUse, s, c chanUse) bool {
	if len(u.sends) != 1 || !p.awaitsAnswer(field, s) || !p.onceFromMain(s.fd, 3) {
		return false
	}
	if p.afterRecvOf(c.path, field, c.recv) {
		return true
	}
	fn, _ := p.Info.Defs[c.fd.Name].(*types.Func)
	if fn == nil || fn.Exported() || c.fd == s.fd {
		return false
	}
	refs, complete, _ := p.callRefs(fn)
	if !complete {
		return false
	}
	called := false
	for _, r := range refs {
		if r.pass.inTestFile(r.id) {
			continue
		}
		if r.call == nil || r.pass != p {
			return false
		}
		path := p.pathTo(r.call)
		caller := funcDeclOf(path)
		sel, ok := ast.Unparen(r.call.Fun).(*ast.SelectorExpr)
		if caller == nil || caller.Recv == nil || len(caller.Recv.List) != 1 || len(caller.Recv.List[0].Names) != 1 || !ok {
			return false
		}
		recv, _ := p.Info.Defs[caller.Recv.List[0].Names[0]].(*types.Var)
		if id := identOf(sel.X); recv == nil || id == nil || p.Info.Uses[id] != recv || !p.afterRecvOf(path, field, recv) {
			return false
		}
		called = true
	}
	return called
}

// onceFromMain reports whether the function fd runs at most once in the
// process: it is used at exactly one place outside tests, a call in no
// loop and no func literal (a callback may run any number of times), made
// by main or, depth levels up, by a function that runs once so.
func (p *Pass) onceFromMain(fd *ast.FuncDecl, depth int) bool {
	fn, _ := p.Info.Defs[fd.Name].(*types.Func)
	if fn == nil {
		return false
	}
	refs, complete, hidden := p.callRefs(fn)
	if !complete || hidden {
		return false
	}
	var caller *ast.FuncDecl
	var q *Pass
	for _, r := range refs {
		if r.pass.inTestFile(r.id) {
			continue
		}
		if r.call == nil || caller != nil {
			return false
		}
		for _, up := range r.pass.pathTo(r.call)[1:] {
			switch up := up.(type) {
			case *ast.ForStmt, *ast.RangeStmt, *ast.FuncLit:
				return false
			case *ast.FuncDecl:
				caller = up
			}
			if caller != nil {
				break
			}
		}
		q = r.pass
	}
	if caller == nil {
		return false
	}
	if caller.Name.Name == "main" && caller.Recv == nil && q.Pkg.Name() == "main" {
		return true
	}
	return depth > 0 && q.onceFromMain(caller, depth-1)
}

// awaitsAnswer reports whether the statement after the send s in its
// block receives on the same field of the same receiver.
func (p *Pass) awaitsAnswer(field *types.Var, s chanUse) bool {
	if len(s.path) < 2 {
		return false
	}
	block, ok := s.path[1].(*ast.BlockStmt)
	if !ok {
		return false
	}
	for i, st := range block.List {
		if st == s.stmt && i+1 < len(block.List) {
			return p.recvsField(block.List[i+1], field, s.recv)
		}
	}
	return false
}

// recvsField reports whether the statement st is a receive on recv's
// field (<-x.done, v := <-x.done, v, ok = <-x.done).
func (p *Pass) recvsField(st ast.Stmt, field *types.Var, recv *types.Var) bool {
	var e ast.Expr
	switch st := st.(type) {
	case *ast.ExprStmt:
		e = st.X
	case *ast.AssignStmt:
		if len(st.Rhs) != 1 {
			return false
		}
		e = st.Rhs[0]
	default:
		return false
	}
	un, ok := ast.Unparen(e).(*ast.UnaryExpr)
	if !ok || un.Op != token.ARROW {
		return false
	}
	_, f := p.recvField(un.X, recv)
	return f == field
}

// afterRecvOf reports whether the node at path[0] runs only after a
// receive on recv's field in its function: in the body of a select case
// that receives on it, or after a statement that does in an enclosing
// block. A func literal on the way ends the search (it runs at another
// time).
func (p *Pass) afterRecvOf(path []ast.Node, field *types.Var, recv *types.Var) bool {
	for i := 1; i < len(path); i++ {
		switch n := path[i].(type) {
		case *ast.FuncLit, *ast.FuncDecl:
			return false
		case *ast.CommClause:
			if path[i-1] != n.Comm && n.Comm != nil && p.recvsField(n.Comm, field, recv) {
				return true
			}
		case *ast.BlockStmt:
			for _, st := range n.List {
				if st == path[i-1] {
					break
				}
				if p.recvsField(st, field, recv) {
					return true
				}
			}
		}
	}
	return false
}

// A chanUse is a send on, or a close of, a channel field reached directly
// through a method's receiver.
type chanUse struct {
	fd   *ast.FuncDecl
	recv *types.Var
	sel  *ast.SelectorExpr // recv.field
	stmt ast.Stmt          // the send, or the assignment to the field; nil for a close
	call *ast.CallExpr     // the close call; nil for a send
	path []ast.Node
}

type chanFieldUse struct {
	named         *types.Named
	sends, closes []chanUse
	remade        []chanUse // assignments to the field in the type's methods
}

// chanFieldUses returns the sends and closes of each channel field of the
// package's types that happen in the type's own methods, and the fields in
// the order first seen. Closes that do not end the channel's life are
// left out: one in a function literal kept for later (sync.OnceFunc, a
// callback), and one followed by a new channel in the field.
func (p *Pass) chanFieldUses() (map[*types.Var]*chanFieldUse, []*types.Var) {
	uses := map[*types.Var]*chanFieldUse{}
	var order []*types.Var
	use := func(field *types.Var, named *types.Named) *chanFieldUse {
		u := uses[field]
		if u == nil {
			u = &chanFieldUse{named: named}
			uses[field] = u
			order = append(order, field)
		}
		return u
	}
	for _, f := range p.Files {
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Body == nil || fd.Recv == nil || len(fd.Recv.List) != 1 || len(fd.Recv.List[0].Names) != 1 {
				continue
			}
			recv, _ := p.Info.Defs[fd.Recv.List[0].Names[0]].(*types.Var)
			if recv == nil {
				continue
			}
			named := chanOwner(recv.Type())
			if named == nil || named.Obj().Pkg() != p.Pkg {
				continue
			}
			ast.Inspect(fd.Body, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.SendStmt:
					if sel, field := p.recvField(n.Chan, recv); field != nil {
						u := use(field, named)
						u.sends = append(u.sends, chanUse{fd: fd, recv: recv, sel: sel, stmt: n, path: p.pathTo(n)})
					}
				case *ast.AssignStmt:
					for _, l := range n.Lhs {
						if _, field := p.recvField(l, recv); field != nil {
							u := use(field, named)
							u.remade = append(u.remade, chanUse{fd: fd, recv: recv, stmt: n})
						}
					}
				case *ast.CallExpr:
					if id := identOf(n.Fun); id != nil && len(n.Args) == 1 {
						if b, ok := p.Info.Uses[id].(*types.Builtin); ok && b.Name() == "close" {
							if sel, field := p.recvField(n.Args[0], recv); field != nil {
								u := use(field, named)
								u.closes = append(u.closes, chanUse{fd: fd, recv: recv, sel: sel, call: n, path: p.pathTo(n)})
							}
						}
					}
				}
				return true
			})
		}
	}
	for field, u := range uses {
		u.closes = slices.DeleteFunc(u.closes, func(c chanUse) bool {
			return p.closeDeferredToLater(c.path) || u.remadeAfter(c)
		})
		if len(u.sends) == 0 || len(u.closes) == 0 {
			delete(uses, field)
		}
	}
	order = slices.DeleteFunc(order, func(v *types.Var) bool { return uses[v] == nil })
	return uses, order
}

// remadeAfter reports whether the closer stores a new channel in the field
// after the close c: the closed channel is then only a wake-up signal.
func (u *chanFieldUse) remadeAfter(c chanUse) bool {
	for _, r := range u.remade {
		if r.fd == c.fd && r.stmt.Pos() > c.call.Pos() {
			return true
		}
	}
	return false
}

// closeDeferredToLater reports whether the close at path[0] lies in a
// function literal that is neither called on the spot, nor run by go or
// defer, nor given to (*sync.Once).Do: it runs at some other time, from
// some other method.
func (p *Pass) closeDeferredToLater(path []ast.Node) bool {
	for i, n := range path {
		lit, ok := n.(*ast.FuncLit)
		if !ok {
			continue
		}
		if i+1 >= len(path) {
			return true
		}
		if call, ok := path[i+1].(*ast.CallExpr); ok && (call.Fun == lit || p.isOnceDoFunc(path[i:], lit)) {
			continue
		}
		return true
	}
	return false
}

// chanOwner returns the named type a receiver of type t belongs to.
func chanOwner(t types.Type) *types.Named {
	if ptr, ok := types.Unalias(t).(*types.Pointer); ok {
		t = ptr.Elem()
	}
	n, _ := types.Unalias(t).(*types.Named)
	if n == nil {
		return nil
	}
	return n.Origin()
}

// recvField returns e as recv.field, for a channel field declared in the
// receiver's own struct (not promoted), and the field.
func (p *Pass) recvField(e ast.Expr, recv *types.Var) (*ast.SelectorExpr, *types.Var) {
	sel, ok := ast.Unparen(e).(*ast.SelectorExpr)
	if !ok {
		return nil, nil
	}
	if id := identOf(sel.X); id == nil || p.Info.Uses[id] != recv {
		return nil, nil
	}
	s, ok := p.Info.Selections[sel]
	if !ok || s.Kind() != types.FieldVal || len(s.Index()) != 1 {
		return nil, nil
	}
	if _, ok := s.Type().Underlying().(*types.Chan); !ok {
		return nil, nil
	}
	return sel, s.Obj().(*types.Var).Origin()
}

// closeGuarded reports whether the send s cannot meet the close c: both
// hold one mutex and the sender first checks a flag the closer also looks
// at (or the channel field itself); or the closer waits for the senders to
// be gone before it closes, and the sender can be waited for: it can stop
// on its own (a select case beside a receive, or a goroutine), or it takes
// part in the WaitGroup the closer waits on.
func (p *Pass) closeGuarded(s, c chanUse) bool {
	chanKey := originFieldKey(p.Info, s.sel)
	if held := p.mutexesHeld(c.path); len(held) > 0 {
		closerFields := p.fieldsSelectedIn(c.fd.Body)
		guarded := func(path []ast.Node) bool {
			for k := range p.mutexesHeld(path) {
				if !held[k] {
					continue
				}
				for f := range p.flagsChecked(path) {
					if f == chanKey || closerFields[f] {
						return true
					}
				}
			}
			return false
		}
		if guarded(s.path) || p.guardedAtEveryCall(s.fd, guarded) {
			return true
		}
	}
	// The closer sets a flag under a mutex and unlocks before it closes:
	// a sender that checks that flag under that mutex either sends before
	// the flag is set, and so before the close, or sees it set.
	if set := p.flagsSetBefore(c.path); len(set) > 0 {
		guarded := func(path []ast.Node) bool {
			for k := range p.mutexesHeld(path) {
				for f := range set[k] {
					if p.leavesOnFlag(path, f) {
						return true
					}
				}
			}
			return false
		}
		if guarded(s.path) || p.guardedAtEveryCall(s.fd, guarded) {
			return true
		}
	}
	// The registry's lock serializes what the sender does itself, not
	// what a goroutine or func value it starts does.
	if _, ft := funcBody(s.path); ft != s.fd.Type || p.letsGoOfLocks(s.fd.Body) {
		// no registry hold
	} else if field, _ := p.Info.Uses[s.sel.Sel].(*types.Var); field != nil && p.callersSerialize(field, s.fd, c.fd) {
		return true
	}
	waits, groups := p.waitsBeforeClose(c.path)
	if !waits {
		return false
	}
	if _, ft := funcBody(s.path); ft != s.fd.Type || p.selectWithDone(s.path) {
		return true
	}
	return p.usesWaitGroup(s.fd.Body, groups) || p.startedInGroup(s.fd, groups)
}

// guardedAtEveryCall reports whether fd, an unexported function of the
// package, is only called (outside tests; never used as a value) at places
// where guarded holds: a helper that sends, called under the closer's
// mutex after the check of its flag (Write locks, checks closed and calls
// dial, which sends).
func (p *Pass) guardedAtEveryCall(fd *ast.FuncDecl, guarded func(path []ast.Node) bool) bool {
	fn, _ := p.Info.Defs[fd.Name].(*types.Func)
	if fn == nil || fn.Exported() {
		return false
	}
	calls, ok := 0, true
	for _, f := range p.Owned {
		if !ok {
			break
		}
		ast.Inspect(f, func(n ast.Node) bool {
			id, isID := n.(*ast.Ident)
			if !ok || !isID || p.Info.Uses[id] != fn {
				return ok
			}
			path := p.pathTo(id)
			var call *ast.CallExpr
			for i, n := range path[1:] {
				if c, isCall := n.(*ast.CallExpr); isCall && ast.Unparen(c.Fun) == path[i] {
					call = c
				}
				if _, isSel := n.(*ast.SelectorExpr); !isSel {
					break
				}
			}
			if call == nil || p.inTestFile(call) {
				ok = false // a func value, or a call in a test
				return false
			}
			calls++
			ok = guarded(p.pathTo(call))
			return ok
		})
	}
	return ok && calls > 0
}

// isGroupWrapperMethod reports whether fn is a method named name with
// params parameters of a small wrapper around a sync.WaitGroup: a struct
// type holding one (threading.RoutineGroup's Run(fn) and Wait()).
func isGroupWrapperMethod(fn *types.Func, name string, params int) bool {
	if fn == nil || fn.Name() != name || fn.Signature().Recv() == nil || fn.Signature().Params().Len() != params {
		return false
	}
	t := fn.Signature().Recv().Type()
	if ptr, ok := t.(*types.Pointer); ok {
		t = ptr.Elem()
	}
	st, ok := t.Underlying().(*types.Struct)
	if !ok {
		return false
	}
	for i := 0; i < st.NumFields(); i++ {
		if isNamed(st.Field(i).Type(), "sync", "WaitGroup") {
			return true
		}
	}
	return false
}

// startedInGroup reports whether every call of the sender method fd is
// in a func literal handed to a WaitGroup wrapper of one of groups
// (g.Run(func() { q.produce() })): the closer's wait on the wrapper waits
// for it.
func (p *Pass) startedInGroup(fd *ast.FuncDecl, groups map[string]bool) bool {
	fn, _ := p.Info.Defs[fd.Name].(*types.Func)
	if fn == nil {
		return false
	}
	calls, started := 0, 0
	for _, f := range p.Files {
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr)
			if ok && len(call.Args) == 1 && groups[originFieldKey(p.Info, sel.X)] {
				if lit, ok := ast.Unparen(call.Args[0]).(*ast.FuncLit); ok && isGroupWrapperMethod(callee(p.Info, call), sel.Sel.Name, 1) {
					ast.Inspect(lit.Body, func(m ast.Node) bool {
						if c, ok := m.(*ast.CallExpr); ok && callee(p.Info, c) == fn {
							started++
						}
						return true
					})
				}
			}
			if callee(p.Info, call) == fn {
				calls++
			}
			return true
		})
	}
	return calls > 0 && started == calls
}

// usesWaitGroup reports whether body calls Add or Done on one of groups.
func (p *Pass) usesWaitGroup(body *ast.BlockStmt, groups map[string]bool) bool {
	found := false
	ast.Inspect(body, func(n ast.Node) bool {
		if call, ok := n.(*ast.CallExpr); ok && !found && isMethod(callee(p.Info, call), "sync", "WaitGroup", "Add", "Done", "Go") {
			if sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr); ok && groups[originFieldKey(p.Info, sel.X)] {
				found = true
			}
		}
		return !found
	})
	return found
}

// sequential reports whether the methods a and b only ever run one after
// the other on one goroutine: both are unexported (exported methods are an
// API anyone may call at any time), each is called in the package, and
// every call of either is a plain call (not go, not in a function literal,
// not a method value) in one and the same function, such as a run loop
// that sends and, at its end, closes.
func (p *Pass) sequential(a, b *ast.FuncDecl) bool {
	fa, _ := p.Info.Defs[a.Name].(*types.Func)
	fb, _ := p.Info.Defs[b.Name].(*types.Func)
	if fa == nil || fb == nil || fa.Exported() || fb.Exported() {
		return false
	}
	var caller *ast.FuncDecl
	calls := map[*types.Func]int{}
	ok := true
	for _, f := range p.Files {
		ast.Inspect(f, func(n ast.Node) bool {
			sel, isSel := n.(*ast.SelectorExpr)
			if !ok || !isSel {
				return ok
			}
			fn, _ := p.Info.Uses[sel.Sel].(*types.Func)
			if fn == nil || (fn.Origin() != fa && fn.Origin() != fb) {
				return true
			}
			path := p.pathTo(sel)
			call, isCall := path[1].(*ast.CallExpr)
			if !isCall || call.Fun != sel {
				ok = false // a method value: called who knows where
				return false
			}
			if _, isGo := path[2].(*ast.GoStmt); isGo {
				ok = false
				return false
			}
			for _, m := range path {
				if _, lit := m.(*ast.FuncLit); lit {
					ok = false
					return false
				}
				if fd, isDecl := m.(*ast.FuncDecl); isDecl {
					if caller != nil && caller != fd {
						ok = false
					}
					caller = fd
					break
				}
			}
			calls[fn.Origin()]++
			return ok
		})
	}
	return ok && caller != nil && caller != a && caller != b && calls[fa] > 0 && calls[fb] > 0
}

// oneRunLoop reports whether the methods a and b, exported or reached
// through interfaces, only ever run one after the other on one goroutine:
// the load holds a program with their package (so every caller of an
// exported method is seen), every call of either (direct, through an
// interface of the program, or through a type assertion to one from
// elsewhere: callRefsAsserted) is a plain call made by one function w or
// by a function only w calls so, and w itself is called or started at
// one place, outside any loop: a run loop that writes and, when told to
// stop, closes.
func (p *Pass) oneRunLoop(a, b *ast.FuncDecl) bool {
	fa, _ := p.Info.Defs[a.Name].(*types.Func)
	fb, _ := p.Info.Defs[b.Name].(*types.Func)
	if fa == nil || fb == nil || p.Program == nil || !p.Program.Drain().HasMain(p.Pkg) {
		return false
	}
	type caller struct {
		pass *Pass
		fd   *ast.FuncDecl
	}
	var callers []caller
	for _, fn := range []*types.Func{fa, fb} {
		refs, complete := p.callRefsAsserted(fn)
		if !complete {
			return false
		}
		n := 0
		for _, r := range refs {
			if r.pass.inTestFile(r.id) {
				continue
			}
			if fn == fa && r.pass.callRecovered(r.call) {
				continue // a panic of this send is recovered by its caller
			}
			fd := r.pass.plainCaller(r.call)
			if fd == nil {
				return false
			}
			callers = append(callers, caller{r.pass, fd})
			n++
		}
		if n == 0 {
			return false
		}
	}
	for _, w := range callers {
		if w.fd == a || w.fd == b || !w.pass.startedOnce(w.fd) {
			continue
		}
		all := true
		for _, c := range callers {
			if c.fd == w.fd {
				continue
			}
			fn, _ := c.pass.Info.Defs[c.fd.Name].(*types.Func)
			if fn == nil || !p.onlyCalledFrom(fn, w.fd, 3) {
				all = false
				break
			}
		}
		if all {
			return true
		}
	}
	return false
}

// ownedValues reports whether the methods a and b only ever run on
// values each confined to the goroutine that made it: the load holds a
// program with their package, and every call of either, outside tests,
// is a plain or deferred call (not go, not in a func literal, not a
// method value) on an owned receiver (ownedRecv). A work queue that one
// function makes, fills and stops: its sends and its close run on one
// goroutine, one after the other.
func (p *Pass) ownedValues(field *types.Var, s, c chanUse) bool {
	fa, _ := p.Info.Defs[s.fd.Name].(*types.Func)
	fb, _ := p.Info.Defs[c.fd.Name].(*types.Func)
	if fa == nil || fb == nil || p.Program == nil || !p.Program.Drain().HasMain(p.Pkg) {
		return false
	}
	// The whole-program walk last: most pairs fail on their calls.
	return p.madeByMethods(s, c) && p.ownedCalls(fa, 2) && p.ownedCalls(fb, 2) && p.chanMadeFresh(field)
}

// sentByMethod reports whether the send s is made by its method itself,
// not by a goroutine it starts or a func value it hands out: the holds
// that order the sending method before the closing one (run loops,
// helpers the closer calls) order the send only then.
func sentByMethod(s chanUse) bool {
	_, ft := funcBody(s.path)
	return ft == s.fd.Type
}

// sendThenClose reports whether the send s and the close c are made in
// one function literal, the send first and neither in a loop of it:
// go func() { s.notify <- s.srv.Serve(l); close(s.notify) }() sends once
// and closes after, on one goroutine.
func sendThenClose(s, c chanUse) bool {
	bs, _ := funcBody(s.path)
	bc, _ := funcBody(c.path)
	if bs == nil || bs != bc || s.stmt == nil || s.stmt.Pos() > c.call.Pos() {
		return false
	}
	return !inLoop(s.path) && !inLoop(c.path)
}

// sentInlineBeforeDeferredClose reports whether the close c is deferred
// in its method and the send s is made by a local closure of that method
// that runs only inline (flush := func() { wo.batches <- b }; ...;
// flush()): every call of it, directly or through another such closure,
// is a plain call in the method, never started with go nor handed on. The
// send then happens on the method's own goroutine, before the deferred
// close runs (alertmanager's batchLoop, blind set BT).
func (p *Pass) sentInlineBeforeDeferredClose(s, c chanUse) bool {
	if c.fd == nil || c.fd.Body == nil || !deferredIn(c.path, c.fd.Body) {
		return false
	}
	lit, ok := funcOf(s.path).(*ast.FuncLit)
	return ok && p.inlineClosure(c.fd.Body, lit, 3)
}

// deferredIn reports whether the node at path[0] is the call of a defer
// statement of body itself (not of a func literal in it).
func deferredIn(path []ast.Node, body *ast.BlockStmt) bool {
	for i, n := range path {
		if _, ok := n.(*ast.DeferStmt); ok {
			return i+1 < len(path) && path[i+1] == body
		}
		if _, ok := n.(*ast.FuncLit); ok {
			return false
		}
	}
	return false
}

// funcOf returns the innermost function (a FuncDecl or FuncLit) of path.
func funcOf(path []ast.Node) ast.Node {
	for _, n := range path {
		switch n.(type) {
		case *ast.FuncDecl, *ast.FuncLit:
			return n
		}
	}
	return nil
}

// inlineClosure reports whether lit is the value of a local variable of
// body (name := func() {...}) that is only ever called, in body or in
// other such closures (depth levels), never started with go, deferred
// elsewhere or handed on.
func (p *Pass) inlineClosure(body *ast.BlockStmt, lit *ast.FuncLit, depth int) bool {
	if depth == 0 {
		return false
	}
	var v *types.Var
	ast.Inspect(body, func(n ast.Node) bool {
		if as, ok := n.(*ast.AssignStmt); ok && as.Tok == token.DEFINE && len(as.Lhs) == len(as.Rhs) {
			for i, r := range as.Rhs {
				if ast.Unparen(r) == lit {
					if id, ok := as.Lhs[i].(*ast.Ident); ok {
						v, _ = p.Info.Defs[id].(*types.Var)
					}
				}
			}
		}
		return v == nil
	})
	if v == nil {
		return false
	}
	ok, uses := true, 0
	ast.Inspect(body, func(n ast.Node) bool {
		id, isID := n.(*ast.Ident)
		if !isID || p.Info.Uses[id] != v || !ok {
			return ok
		}
		uses++
		path := p.pathTo(id)
		call, isCall := path[1].(*ast.CallExpr)
		if !isCall || call.Fun != id {
			ok = false
			return false
		}
		for _, anc := range path[2:] {
			switch anc := anc.(type) {
			case *ast.GoStmt:
				ok = false
			case *ast.FuncLit:
				ok = ok && p.inlineClosure(body, anc, depth-1)
				return false
			case *ast.BlockStmt:
				if anc == body {
					return false
				}
			}
			if !ok {
				return false
			}
		}
		return false
	})
	return ok && uses > 0
}

// madeByMethods reports whether the send s and the close c are made by
// their methods themselves, not by a goroutine or a func value they start
// or hand out (a close in a sync.Once's Do literal runs at once).
func (p *Pass) madeByMethods(s, c chanUse) bool {
	if !sentByMethod(s) {
		return false
	}
	if body, _ := funcBody(c.path); body != c.fd.Body {
		once := false
		for i, n := range c.path {
			if lit, isLit := n.(*ast.FuncLit); isLit {
				once = p.isOnceDoFunc(c.path[i:], lit)
				break
			}
		}
		if !once {
			return false
		}
	}
	return true
}

// producedPerRun reports whether the unexported sending method a and
// closing method b are used only by producer functions, each on one
// parameter v of its own, and each run of a producer owns its v: a
// goroutine that fills the collector it was handed and then closes it.
//   - Every use of a and b outside tests (direct, or through an interface
//     of the package) is in a producer w with w's parameter v as the
//     receiver, reached without a go or defer statement but for a
//     deferred b at the top of w's body; a method value or func literal on
//     the way is an argument of a call that runs it before returning
//     (callsBack).
//   - Each call of b ends the run: it is a statement followed by a return
//     or last in w's body, or deferred there.
//   - Every call of a producer, outside tests, hands it for v a fresh
//     value (freshValue) or a local variable only assigned fresh values,
//     handed to one producer call only, in no loop its declaration is
//     outside of.
//
// The sends of one run then come before its close, and no two runs share
// a channel.
func (p *Pass) producedPerRun(s, c chanUse) bool {
	fa, _ := p.Info.Defs[s.fd.Name].(*types.Func)
	fb, _ := p.Info.Defs[c.fd.Name].(*types.Func)
	if fa == nil || fb == nil || fa.Exported() || fb.Exported() || fa == fb || !p.madeByMethods(s, c) {
		return false
	}
	producers := map[*types.Func]int{} // the producers, and v's index in each
	for _, fn := range []*types.Func{fa, fb} {
		refs, complete := p.callRefsAsserted(fn)
		if !complete {
			return false
		}
		n := 0
		for _, r := range refs {
			if r.pass.inTestFile(r.id) {
				continue
			}
			if r.pass != p {
				return false
			}
			path := p.pathTo(r.id)
			sel, ok := path[1].(*ast.SelectorExpr)
			w := funcDeclOf(path)
			if !ok || sel.Sel != r.id || w == nil {
				return false
			}
			v, _ := p.Info.Uses[identOf(sel.X)].(*types.Var)
			wfn, _ := p.Info.Defs[w.Name].(*types.Func)
			if v == nil || wfn == nil {
				return false
			}
			at := paramIndex(p.Info, w.Type, v)
			if prev, seen := producers[wfn]; at < 0 || seen && prev != at {
				return false
			}
			producers[wfn] = at
			n++
			if fn == fa && !p.runsInCall(path, w) || fn == fb && !endsRun(path, sel, w) {
				return false
			}
		}
		if n == 0 {
			return false
		}
	}
	for wfn, at := range producers {
		if !p.freshAtEveryCall(wfn, at, producers) {
			return false
		}
	}
	return true
}

// endsRun reports whether the call of the method sel at path[2] ends the
// run of w: a statement directly followed by a return, or the last of
// w's body, or deferred at the top of w's body; with no func literal or
// go statement on the way up.
func endsRun(path []ast.Node, sel *ast.SelectorExpr, w *ast.FuncDecl) bool {
	call, ok := path[2].(*ast.CallExpr)
	if !ok || call.Fun != sel || len(path) < 5 {
		return false
	}
	if _, deferred := path[3].(*ast.DeferStmt); deferred {
		return path[4] == ast.Node(w.Body)
	}
	st, ok := path[3].(*ast.ExprStmt)
	if !ok {
		return false
	}
	for _, n := range path[4:] {
		switch n.(type) {
		case *ast.FuncLit, *ast.GoStmt:
			return false
		}
	}
	block, ok := path[4].(*ast.BlockStmt)
	if !ok {
		return false
	}
	at := slices.Index(block.List, ast.Stmt(st))
	if at == len(block.List)-1 {
		return block == w.Body
	}
	_, ret := block.List[at+1].(*ast.ReturnStmt)
	return ret
}

// runsInCall reports whether the use at path[0] runs while w runs: no go
// or defer statement on the way up to w, and each method value or func
// literal on the way is an argument of a call that runs it before it
// returns (callsBack).
func (p *Pass) runsInCall(path []ast.Node, w *ast.FuncDecl) bool {
	for i := 1; i < len(path); i++ {
		switch n := path[i].(type) {
		case *ast.GoStmt, *ast.DeferStmt:
			return false
		case *ast.SelectorExpr:
			if i != 1 {
				continue
			}
			// The method itself: called here, or handed as a value.
			if call, ok := path[2].(*ast.CallExpr); ok && call.Fun == ast.Expr(n) {
				continue
			}
			if !p.callsBack(path[2], n) {
				return false
			}
		case *ast.FuncLit:
			if i+1 >= len(path) || !p.callsBack(path[i+1], n) {
				return false
			}
		case *ast.FuncDecl:
			return n == w
		}
	}
	return false
}

// callsBack reports whether parent is a call that takes the func value
// arg as an argument and runs it before it returns, as far as its
// signature tells: the parameter is a func whose last result is an error,
// and so is the call's (db.View(func(txn) error {...}), item.Value(c.add)).
// The error the callback returns can only come back through the call if
// the call waits for it; a call that starts it on another goroutine
// (errgroup's Go, time.AfterFunc) has no such result. A callee whose code
// the load holds must also call the callback on the spot
// (callsParamInline): a helper that gives up on it after a timeout, or
// keeps it for later, returns an error too.
func (p *Pass) callsBack(parent ast.Node, arg ast.Expr) bool {
	call, ok := parent.(*ast.CallExpr)
	if !ok {
		return false
	}
	sig, ok := p.Info.TypeOf(call.Fun).Underlying().(*types.Signature)
	if !ok || !lastIsError(sig.Results()) {
		return false
	}
	for i, a := range call.Args {
		if a != arg {
			continue
		}
		var pt types.Type
		switch params := sig.Params(); {
		case sig.Variadic() && i >= params.Len()-1:
			if call.Ellipsis.IsValid() {
				return false
			}
			pt = params.At(params.Len() - 1).Type().(*types.Slice).Elem()
		case i < params.Len():
			pt = params.At(i).Type()
		default:
			return false
		}
		fsig, ok := pt.Underlying().(*types.Signature)
		if !ok || !lastIsError(fsig.Results()) {
			return false
		}
		// A callee of the program shows what it does with the callback;
		// one that shows nothing (a func value, a method of one of its
		// interfaces) may do anything.
		fn := callee(p.Info, call)
		if fn == nil || p.Program == nil {
			return false
		}
		if d, found := p.Program.declOf(fn); found {
			return d.fd.Body != nil && d.pass.callsParamInline(d.fd, i)
		}
		for _, q := range p.programPasses() {
			if fn.Pkg() == nil || q.Pkg.Path() == fn.Pkg().Path() {
				return false
			}
		}
		return true
	}
	return false
}

// callsParamInline reports whether fd only ever calls its parameter i, a
// func, itself and on the spot: every use of it is the function of a call
// that no go statement, defer or func literal holds (a helper that runs
// the callback under a timeout in a goroutine, stores it for a scheduler,
// or fans it out may return before it has run, or while it runs).
func (p *Pass) callsParamInline(fd *ast.FuncDecl, i int) bool {
	var v *types.Var
	at := 0
	for _, f := range fd.Type.Params.List {
		for _, name := range f.Names {
			if at == i {
				v, _ = p.Info.Defs[name].(*types.Var)
			}
			at++
		}
		if len(f.Names) == 0 {
			at++
		}
	}
	if v == nil {
		return false
	}
	ok, used := true, false
	ast.Inspect(fd.Body, func(n ast.Node) bool {
		id, isID := n.(*ast.Ident)
		if !ok || !isID || p.Info.Uses[id] != v {
			return ok
		}
		used = true
		path := p.pathTo(id)
		call, isCall := path[1].(*ast.CallExpr)
		if !isCall || call.Fun != ast.Expr(id) {
			ok = false
			return false
		}
		for _, up := range path[2:] {
			switch up.(type) {
			case *ast.GoStmt, *ast.DeferStmt, *ast.FuncLit:
				ok = false
			}
			if _, top := up.(*ast.FuncDecl); top || !ok {
				break
			}
		}
		return ok
	})
	return ok && used
}

// lastIsError reports whether the last of results is of type error.
func lastIsError(results *types.Tuple) bool {
	return results.Len() > 0 && types.Identical(results.At(results.Len()-1).Type(), types.Universe.Lookup("error").Type())
}

// freshAtEveryCall reports whether every use of fn outside tests is a
// call (go or plain) whose argument idx is a fresh value (freshValue), or
// a local variable of the calling function assigned only fresh values,
// handed to no other call of a function of producers, and not declared
// outside a loop that holds the call; and there is such a call.
func (p *Pass) freshAtEveryCall(fn *types.Func, idx int, producers map[*types.Func]int) bool {
	return p.everyCall(fn, func(q *Pass, call *ast.CallExpr) bool {
		if idx >= len(call.Args) || call.Ellipsis.IsValid() {
			return false
		}
		return q.freshValue(call.Args[idx]) || q.freshLocalFor(call, call.Args[idx], producers)
	})
}

// freshLocalFor reports whether arg, an argument of call, is a local
// variable of the calling function assigned only fresh values, handed to
// no other call of a function of producers there, and declared inside
// every loop and func literal that holds call.
func (q *Pass) freshLocalFor(call *ast.CallExpr, arg ast.Expr, producers map[*types.Func]int) bool {
	id, ok := ast.Unparen(arg).(*ast.Ident)
	if !ok {
		return false
	}
	x, _ := q.Info.Uses[id].(*types.Var)
	path := q.pathTo(call)
	fd := funcDeclOf(path)
	if x == nil || fd == nil || fd.Body == nil || !within(fd.Body, x.Pos()) {
		return false
	}
	if ok, assigned := q.assignedOnly(fd.Body, x, q.freshValue); !ok || !assigned {
		return false
	}
	for _, n := range path {
		switch n.(type) {
		case *ast.ForStmt, *ast.RangeStmt, *ast.FuncLit:
			// A loop, or a callback that may run again (a retry), hands
			// the same value to each run.
			if !within(n, x.Pos()) {
				return false
			}
		}
	}
	handed := 0
	ast.Inspect(fd.Body, func(n ast.Node) bool {
		c, ok := n.(*ast.CallExpr)
		if !ok {
			return true
		}
		if fn := callee(q.Info, c); fn == nil {
			return true
		} else if _, producer := producers[fn.Origin()]; !producer {
			return true
		}
		for _, a := range c.Args {
			if aid, ok := ast.Unparen(a).(*ast.Ident); ok && q.Info.Uses[aid] == x {
				handed++
			}
		}
		return true
	})
	return handed == 1
}

// chanMadeFresh reports whether every value the program stores in the
// channel field (in a composite literal, keyed, or by an assignment,
// outside tests) is a make: no two values share the channel (a
// constructor's &T{out: out} would hand one channel to many).
func (p *Pass) chanMadeFresh(field *types.Var) bool {
	ok := true
	for _, q := range p.programPasses() {
		for _, f := range q.Owned {
			if q.inTestFile(f) {
				continue
			}
			ast.Inspect(f, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.CompositeLit:
					t := q.Info.TypeOf(n)
					if t == nil {
						return true
					}
					st, isStruct := t.Underlying().(*types.Struct)
					if !isStruct {
						return true
					}
					has := false
					for i := range st.NumFields() {
						if st.Field(i).Origin() == field.Origin() {
							has = true
						}
					}
					if !has {
						return true
					}
					for _, el := range n.Elts {
						kv, keyed := el.(*ast.KeyValueExpr)
						if !keyed {
							ok = false // positional: the channel is some value
							break
						}
						if id, isID := kv.Key.(*ast.Ident); isID {
							if v, isVar := q.Info.Uses[id].(*types.Var); isVar && v.Origin() == field.Origin() && !q.isMakeChanExpr(kv.Value) {
								ok = false
							}
						}
					}
				case *ast.AssignStmt:
					for i, l := range n.Lhs {
						sel, isSel := ast.Unparen(l).(*ast.SelectorExpr)
						if !isSel {
							continue
						}
						if v, isVar := q.Info.Uses[sel.Sel].(*types.Var); isVar && v.Origin() == field.Origin() && (len(n.Lhs) != len(n.Rhs) || !q.isMakeChanExpr(n.Rhs[i])) {
							ok = false
						}
					}
				}
				return ok
			})
		}
	}
	return ok
}

// ownedCalls reports whether fn is called at least once outside tests and
// every such call is a plain or deferred one on an owned receiver
// (ownedRecv, depth levels of methods up).
func (p *Pass) ownedCalls(fn *types.Func, depth int) bool {
	refs, complete := p.callRefsAsserted(fn)
	if !complete {
		return false
	}
	n := 0
	for _, r := range refs {
		if r.pass.inTestFile(r.id) {
			continue
		}
		if r.pass.plainCaller(r.call) == nil || !r.pass.ownedRecv(r.call, depth) {
			return false
		}
		n++
	}
	return n > 0
}

// ownedRecv reports whether the receiver of the method call call is owned
// by the goroutine that makes the call: a local variable of the calling
// function assigned only fresh values (freshValue) and used only as the
// receiver of plain or deferred method calls outside func literals (never
// passed, stored, copied, returned or captured), or the receiver of the
// calling method when that method's own calls are owned (depth levels up).
func (p *Pass) ownedRecv(call *ast.CallExpr, depth int) bool {
	sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr)
	if !ok {
		return false
	}
	id, ok := ast.Unparen(sel.X).(*ast.Ident)
	if !ok {
		return false
	}
	v, _ := p.Info.Uses[id].(*types.Var)
	fd := p.plainCaller(call)
	if v == nil || fd == nil || fd.Body == nil {
		return false
	}
	if fd.Recv != nil && len(fd.Recv.List) == 1 && len(fd.Recv.List[0].Names) == 1 && p.Info.Defs[fd.Recv.List[0].Names[0]] == v {
		m, _ := p.Info.Defs[fd.Name].(*types.Func)
		return depth > 0 && m != nil && !assignsTo(p.Info, fd.Body, v, nil) && p.ownedCalls(m, depth-1)
	}
	if v.Parent() == nil || v.Parent() == p.Pkg.Scope() || !within(fd.Body, v.Pos()) {
		return false
	}
	ok, assigned := p.assignedOnly(fd.Body, v, p.freshValue)
	ast.Inspect(fd.Body, func(n ast.Node) bool {
		if id, isID := n.(*ast.Ident); ok && isID && p.Info.Uses[id] == v && !p.methodRecv(p.pathTo(id)) {
			ok = false
		}
		return ok
	})
	return ok && assigned
}

// assignedOnly reports whether every assignment of the local variable v
// in body (by =, := or a var declaration with a value) assigns a value
// fresh holds for, and whether there is one; v's address taken (&v) fails
// it.
func (p *Pass) assignedOnly(body *ast.BlockStmt, v *types.Var, fresh func(ast.Expr) bool) (ok, assigned bool) {
	ok = true
	ast.Inspect(body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.AssignStmt:
			for i, lhs := range n.Lhs {
				if l, isID := lhs.(*ast.Ident); isID && p.Info.ObjectOf(l) == v {
					assigned = true
					ok = ok && len(n.Lhs) == len(n.Rhs) && fresh(n.Rhs[i])
				}
			}
		case *ast.ValueSpec:
			for i, name := range n.Names {
				if p.Info.Defs[name] == v && len(n.Values) > 0 { // var wq *T: nil
					assigned = true
					ok = ok && len(n.Names) == len(n.Values) && fresh(n.Values[i])
				}
			}
		case *ast.UnaryExpr:
			if id, isID := ast.Unparen(n.X).(*ast.Ident); isID && n.Op == token.AND && p.Info.Uses[id] == v {
				ok = false
			}
		}
		return ok
	})
	return ok, assigned
}

// methodRecv reports whether the identifier at path[0] is used as the
// receiver of a method call that is a statement, deferred or part of an
// expression, made outside any func literal and not by a go statement,
// or is assigned to (the assignment itself is judged by its caller).
func (p *Pass) methodRecv(path []ast.Node) bool {
	if len(path) < 3 {
		return false
	}
	if as, ok := path[1].(*ast.AssignStmt); ok {
		for _, l := range as.Lhs {
			if l == path[0] {
				return true
			}
		}
		return false
	}
	sel, ok := path[1].(*ast.SelectorExpr)
	if !ok || sel.X != path[0] {
		return false
	}
	if s, ok := p.Info.Selections[sel]; !ok || s.Kind() != types.MethodVal {
		return false
	}
	call, ok := path[2].(*ast.CallExpr)
	if !ok || call.Fun != sel {
		return false
	}
	for _, n := range path[3:] {
		switch n.(type) {
		case *ast.GoStmt, *ast.FuncLit:
			return false
		case *ast.FuncDecl:
			return true
		}
	}
	return false
}

// freshValue reports whether e is a value no one else holds: &T{...}, or a
// call of a declared function of the program whose every return hands
// back &T{...} or a local variable only ever assigned one.
func (p *Pass) freshValue(e ast.Expr) bool {
	if isNewLit(e) {
		return true
	}
	call, ok := ast.Unparen(e).(*ast.CallExpr)
	if !ok || p.Program == nil {
		return false
	}
	fn := callee(p.Info, call)
	if fn == nil || fn.Signature().Recv() != nil || fn.Signature().Results().Len() != 1 {
		return false
	}
	d, found := p.Program.declOf(fn)
	q, fd := d.pass, d.fd
	if !found || q == nil || fd == nil || fd.Body == nil {
		return false
	}
	returns := 0
	ok = true
	ast.Inspect(fd.Body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit:
			return false
		case *ast.ReturnStmt:
			returns++
			if len(n.Results) != 1 {
				ok = false
				return false
			}
			r := n.Results[0]
			if isNewLit(r) {
				return false
			}
			id, isID := ast.Unparen(r).(*ast.Ident)
			v, _ := q.Info.Uses[id].(*types.Var)
			if !isID || v == nil || v.Parent() == nil || v.Parent() == q.Pkg.Scope() || !within(fd.Body, v.Pos()) {
				ok = false
			} else if only, assigned := q.assignedOnly(fd.Body, v, isNewLit); !only || !assigned {
				ok = false
			}
		}
		return ok
	})
	return ok && returns > 0
}

// isNewLit reports whether e is &T{...}.
func isNewLit(e ast.Expr) bool {
	u, ok := ast.Unparen(e).(*ast.UnaryExpr)
	if !ok || u.Op != token.AND {
		return false
	}
	_, lit := ast.Unparen(u.X).(*ast.CompositeLit)
	return lit
}

// recoveredByCallers reports whether a panic in fd is recovered by its
// callers: every call of it (outside tests) is a plain one, not a go
// statement, made under a recover its caller deferred before the call, or
// by a function whose own callers recover so (depth levels up).
func (p *Pass) recoveredByCallers(fd *ast.FuncDecl, depth int) bool {
	fn, _ := p.Info.Defs[fd.Name].(*types.Func)
	if fn == nil || depth == 0 {
		return false
	}
	refs, complete, hidden := p.callRefs(fn)
	if !complete || hidden {
		return false
	}
	called := false
	for _, r := range refs {
		if r.pass.inTestFile(r.id) {
			continue
		}
		if r.call == nil {
			return false
		}
		if r.pass.callRecovered(r.call) {
			called = true
			continue
		}
		caller := r.pass.plainCaller(r.call)
		if caller == nil || !r.pass.recoveredByCallers(caller, depth-1) {
			return false
		}
		called = true
	}
	return called
}

// callRecovered reports whether a panic of the function call calls is
// recovered where it is made: call is not a go statement's, and a recover
// is deferred before it in its function.
func (p *Pass) callRecovered(call *ast.CallExpr) bool {
	if call == nil {
		return false
	}
	path := p.pathTo(call)
	if _, isGo := path[1].(*ast.GoStmt); isGo {
		return false
	}
	return p.recovered(path)
}

// plainCaller returns the function declaration that makes call itself:
// nil when call is nil (a method value), or is made by a go statement or
// inside a func literal.
func (p *Pass) plainCaller(call *ast.CallExpr) *ast.FuncDecl {
	if call == nil {
		return nil
	}
	for _, n := range p.pathTo(call)[1:] {
		switch n := n.(type) {
		case *ast.GoStmt, *ast.FuncLit:
			return nil
		case *ast.FuncDecl:
			return n
		}
	}
	return nil
}

// startedOnce reports whether the function fd is used at exactly one
// place outside test files, a call (go or not) that is in no loop of its
// function: one goroutine at most runs it for each run of its caller.
func (p *Pass) startedOnce(fd *ast.FuncDecl) bool {
	fn, _ := p.Info.Defs[fd.Name].(*types.Func)
	if fn == nil {
		return false
	}
	refs, complete, _ := p.callRefs(fn)
	if !complete {
		return false
	}
	n := 0
	for _, r := range refs {
		if r.pass.inTestFile(r.id) {
			continue
		}
		if r.call == nil {
			return false
		}
		for _, up := range r.pass.pathTo(r.call)[1:] {
			switch up.(type) {
			case *ast.ForStmt, *ast.RangeStmt:
				return false
			}
			if _, ok := up.(*ast.FuncDecl); ok {
				break
			}
		}
		n++
	}
	return n == 1
}

// closedAfterSends reports whether, in the whole program, the close c is
// deferred in its own function w, or its method b only runs deferred in
// one function w (defer x.Close(), or in a
// func literal w defers) or on a value that has not run w yet
// (closedBeforeStart), and the sending method a only runs in plain
// calls made by w, directly or through up to three levels of functions
// only w reaches so: a run loop that sends through helpers, exported or
// reached through interfaces, and closes when it returns. The sends and
// the close then run in one goroutine, the close after every send.
func (p *Pass) closedAfterSends(a *ast.FuncDecl, c chanUse) bool {
	b := c.fd
	fa, _ := p.Info.Defs[a.Name].(*types.Func)
	fb, _ := p.Info.Defs[b.Name].(*types.Func)
	if fa == nil || fb == nil {
		return false
	}
	// The close deferred in its own function, the run loop that makes the
	// sends (defer func() { close(p.iterations) }() in Run).
	if fd, deferred := p.deferredIn(c.call); deferred && fd == b && b != a {
		return p.onlyCalledFrom(fa, b, 3)
	}
	// Calls through an interface declared outside the load (io.Closer)
	// are not followed: the value would have to be converted to it.
	refs, complete, _ := p.callRefs(fb)
	if !complete {
		return false
	}
	var w *ast.FuncDecl
	var early []progFuncRef // closes not deferred: made before any start?
	for _, r := range refs {
		if r.pass.inTestFile(r.id) {
			continue
		}
		if r.call == nil {
			return false
		}
		fd, deferred := r.pass.deferredIn(r.call)
		if !deferred {
			early = append(early, r)
			continue
		}
		if w != nil && fd != w {
			return false
		}
		w = fd
	}
	if w == nil || w == a || !p.onlyCalledFrom(fa, w, 3) {
		return false
	}
	wfn, _ := p.Info.Defs[w.Name].(*types.Func)
	for _, r := range early {
		if !r.pass.closedBeforeStart(r.call, wfn) {
			return false
		}
	}
	return true
}

// closedBeforeStart reports whether call, x.Close() on a local variable x
// its function made, comes before x could have run the method w: every
// earlier use of x in the function calls a method on it other than w (x :=
// NewWatcher(); if err := x.Validate(); err != nil { x.Stop(); return }).
func (p *Pass) closedBeforeStart(call *ast.CallExpr, w *types.Func) bool {
	sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr)
	if !ok || w == nil {
		return false
	}
	id, ok := ast.Unparen(sel.X).(*ast.Ident)
	if !ok {
		return false
	}
	v, ok := p.Info.Uses[id].(*types.Var)
	fd := funcDeclOf(p.pathTo(call))
	if !ok || v.IsField() || fd == nil || v.Pos() < fd.Pos() || v.Pos() > call.Pos() {
		return false
	}
	early := true
	ast.Inspect(fd.Body, func(n ast.Node) bool {
		use, ok := n.(*ast.Ident)
		if !ok || !early || use.Pos() <= v.Pos() || use.Pos() >= call.Pos() || p.Info.Uses[use] != v {
			return early
		}
		path := p.pathTo(use)
		s, isSel := path[1].(*ast.SelectorExpr)
		if !isSel || s.X != use {
			early = false // handed on, or assigned
			return false
		}
		m, isCall := path[2].(*ast.CallExpr)
		if !isCall || m.Fun != s {
			early = false
			return false
		}
		if f := callee(p.Info, m); f == nil || f.Origin() == w.Origin() || crossPkgKey(f) == crossPkgKey(w) {
			early = false
		}
		return early
	})
	return early
}

// onlyCalledFrom reports whether every use of fn outside test files is a
// plain call (not go, not in a func literal, not a method value) made by
// w, or by a function that is itself only called from w so (depth levels
// up); and there is such a call.
func (p *Pass) onlyCalledFrom(fn *types.Func, w *ast.FuncDecl, depth int) bool {
	refs, complete, _ := p.callRefs(fn)
	if !complete {
		return false
	}
	called := false
	for _, r := range refs {
		if r.pass.inTestFile(r.id) {
			continue
		}
		if r.call == nil {
			return false
		}
		var fd *ast.FuncDecl
		for _, n := range r.pass.pathTo(r.call)[1:] {
			switch n := n.(type) {
			case *ast.GoStmt, *ast.FuncLit:
				return false
			case *ast.FuncDecl:
				fd = n
			}
			if fd != nil {
				break
			}
		}
		if fd == nil {
			return false
		}
		if fd != w {
			caller, _ := r.pass.Info.Defs[fd.Name].(*types.Func)
			if depth == 0 || caller == nil || !p.onlyCalledFrom(caller, w, depth-1) {
				return false
			}
		}
		called = true
	}
	return called
}

// deferredIn returns the function declaration whose deferred calls include
// call: call is the call of a defer statement, or is made (outside any
// other func literal) in a func literal that a defer statement calls.
func (p *Pass) deferredIn(call *ast.CallExpr) (*ast.FuncDecl, bool) {
	path := p.pathTo(call)
	if len(path) < 2 {
		return nil, false
	}
	if d, ok := path[1].(*ast.DeferStmt); ok && d.Call == call {
		fd := funcDeclOf(path)
		_, inLit := funcBody(path)
		return fd, fd != nil && inLit == fd.Type
	}
	for i, n := range path[1:] {
		lit, ok := n.(*ast.FuncLit)
		if !ok {
			continue
		}
		rest := path[i+2:]
		if len(rest) < 2 {
			return nil, false
		}
		c, ok := rest[0].(*ast.CallExpr)
		if !ok || c.Fun != lit {
			return nil, false
		}
		if d, ok := rest[1].(*ast.DeferStmt); !ok || d.Call != c {
			return nil, false
		}
		fd := funcDeclOf(rest)
		_, typ := funcBody(rest)
		return fd, fd != nil && typ == fd.Type
	}
	return nil, false
}

// sendsForCloser reports whether the sending method a is unexported and
// called only by the method holding the close c, directly (not in a
// goroutine, a func literal or as a value) and before the close, which is
// deferred, comes after every call, or ends the closer's run (a return
// follows it) in a closer started once: the sends and the close run in one
// goroutine, in order.
func (p *Pass) sendsForCloser(a *ast.FuncDecl, c chanUse) bool {
	fa, _ := p.Info.Defs[a.Name].(*types.Func)
	if fa == nil || fa.Exported() {
		return false
	}
	deferred := false
	for _, n := range c.path {
		if _, ok := n.(*ast.DeferStmt); ok {
			deferred = true
		}
		if n == c.fd {
			break
		}
		if _, ok := n.(*ast.FuncLit); ok {
			return false // a close kept for later
		}
	}
	// A close that ends the closer's run (followed by a return, or last in
	// its body: case <-w.quit: close(w.out); return) comes after every
	// call the run makes, wherever they are written, when the closer runs
	// once at a time (started at one place, in no loop).
	last := deferred || closeEndsRun(c) && p.startedOnce(c.fd)
	calls, ok := 0, true
	for _, pass := range p.Program.Packages {
		for id, obj := range pass.Info.Uses {
			fn, _ := obj.(*types.Func)
			if !ok || fn == nil || fn.Origin() != fa || strings.HasSuffix(pass.Fset.Position(id.Pos()).Filename, "_test.go") {
				continue
			}
			path := pass.pathTo(id)
			if len(path) < 3 {
				ok = false
				break
			}
			sel, _ := path[1].(*ast.SelectorExpr)
			call, _ := path[2].(*ast.CallExpr)
			if sel == nil || call == nil || call.Fun != sel || !last && id.Pos() > c.call.Pos() {
				ok = false
				break
			}
			for _, n := range path[3:] {
				switch n.(type) {
				case *ast.FuncLit, *ast.GoStmt:
					ok = false
				}
				if n == c.fd || !ok {
					break
				}
			}
			if !ok || !slices.Contains(path, ast.Node(c.fd)) {
				ok = false
				break
			}
			calls++
		}
	}
	return ok && calls > 0
}

// closeEndsRun reports whether the close c is a statement of its method
// followed at once by a return, or the last statement of the method's
// body: nothing of the method runs after it.
func closeEndsRun(c chanUse) bool {
	if len(c.path) < 3 {
		return false
	}
	st, ok := c.path[1].(*ast.ExprStmt)
	if !ok {
		return false
	}
	var list []ast.Stmt
	switch b := c.path[2].(type) {
	case *ast.BlockStmt:
		list = b.List
	case *ast.CommClause:
		list = b.Body
	case *ast.CaseClause:
		list = b.Body
	default:
		return false
	}
	for _, n := range c.path[3:] {
		if _, lit := n.(*ast.FuncLit); lit {
			return false
		}
	}
	at := slices.Index(list, ast.Stmt(st))
	if at == len(list)-1 {
		return c.path[2] == ast.Node(c.fd.Body)
	}
	_, ret := list[at+1].(*ast.ReturnStmt)
	return ret
}

// mutexesHeld returns the mutexes locked (and not yet unlocked) before
// path[0] in its function, by key; a function literal given to
// (*sync.Once).Do runs at once and is seen through.
func (p *Pass) mutexesHeld(path []ast.Node) map[string]bool {
	return p.mutexesHeldFor(path, false)
}

// mutexesHeldFor is mutexesHeld; with exclusive, a mutex read-locked
// (RLock) does not count as held.
func (p *Pass) mutexesHeldFor(path []ast.Node, exclusive bool) map[string]bool {
	held := map[string]bool{}
	for i := 0; i+1 < len(path); i++ {
		child, parent := path[i], path[i+1]
		if _, ok := parent.(*ast.FuncDecl); ok {
			break
		}
		if lit, ok := parent.(*ast.FuncLit); ok && !p.isOnceDoFunc(path[i+1:], lit) {
			break
		}
		if cc, ok := parent.(*ast.CommClause); ok && cc.Comm == child {
			continue // a select case's send comes before the case's body
		}
		var before []ast.Stmt
		for _, st := range stmtList(parent) {
			if st == child {
				break
			}
			before = append(before, st)
		}
		// Earlier statements of an outer block come first in time.
		outer := map[string]bool{}
		for _, st := range before {
			if k, lock, ok := p.mutexCall(st); ok {
				outer[k] = lock && !(exclusive && isRLockStmt(p.Info, st))
			}
		}
		for k, lock := range outer {
			if _, inner := held[k]; !inner {
				held[k] = lock
			}
		}
	}
	for k, lock := range held {
		if !lock {
			delete(held, k)
		}
	}
	return held
}

// flagsSetBefore returns, by mutex key, the fields set to true while that
// mutex was held in statements that come before path[0] in its function
// (h.Lock(); h.closed = true; h.Unlock(); close(h.req)), through a func
// literal given to (*sync.Once).Do as mutexesHeld does.
func (p *Pass) flagsSetBefore(path []ast.Node) map[string]map[string]bool {
	set := map[string]map[string]bool{}
	for i := 0; i+1 < len(path); i++ {
		child, parent := path[i], path[i+1]
		if _, ok := parent.(*ast.FuncDecl); ok {
			break
		}
		if lit, ok := parent.(*ast.FuncLit); ok && !p.isOnceDoFunc(path[i+1:], lit) {
			break
		}
		locked := map[string]bool{}
		for _, st := range stmtList(parent) {
			if st == child {
				break
			}
			if k, lock, ok := p.mutexCall(st); ok {
				locked[k] = lock
				continue
			}
			as, ok := st.(*ast.AssignStmt)
			if !ok || len(as.Lhs) != len(as.Rhs) {
				continue
			}
			for i, l := range as.Lhs {
				f := originFieldKey(p.Info, l)
				if tv := p.Info.Types[as.Rhs[i]]; f == "" || tv.Value == nil || tv.Value.String() != "true" {
					continue // a closed flag is set to true
				}
				for k, on := range locked {
					if on {
						if set[k] == nil {
							set[k] = map[string]bool{}
						}
						set[k][f] = true
					}
				}
			}
		}
	}
	return set
}

// leavesOnFlag reports whether, before the send at path[0] in its
// function, a statement of an enclosing block is if f { ... } (the
// condition the flag field f alone) with no else and a body that cannot
// fall through: a sender that sees the flag set leaves before the send.
func (p *Pass) leavesOnFlag(path []ast.Node, f string) bool {
	for i := 0; i+1 < len(path); i++ {
		child, parent := path[i], path[i+1]
		switch parent.(type) {
		case *ast.FuncDecl, *ast.FuncLit:
			return false
		}
		for _, st := range stmtList(parent) {
			if st == child {
				break
			}
			if is, ok := st.(*ast.IfStmt); ok && is.Else == nil && originFieldKey(p.Info, ast.Unparen(is.Cond)) == f && isTerminal(p.Info, is.Body.List) {
				return true
			}
		}
	}
	return false
}

// isOnceDoFunc reports whether lit is the argument of a (*sync.Once).Do
// call (path[0] is lit, path[1] its parent).
func (p *Pass) isOnceDoFunc(path []ast.Node, lit *ast.FuncLit) bool {
	if len(path) < 2 {
		return false
	}
	call, ok := path[1].(*ast.CallExpr)
	return ok && slices.Contains(call.Args, ast.Expr(lit)) && isMethod(callee(p.Info, call), "sync", "Once", "Do")
}

// mutexCall classifies a statement mu.Lock() (lock true) or mu.Unlock()
// (lock false) of a sync.Mutex or RWMutex, and keys the mutex.
// isRLockStmt reports whether st is a call of (*sync.RWMutex).RLock.
func isRLockStmt(info *types.Info, st ast.Stmt) bool {
	es, ok := st.(*ast.ExprStmt)
	if !ok {
		return false
	}
	call, ok := ast.Unparen(es.X).(*ast.CallExpr)
	return ok && isMethod(callee(info, call), "sync", "RWMutex", "RLock")
}

func (p *Pass) mutexCall(st ast.Stmt) (key string, lock, ok bool) {
	es, isExpr := st.(*ast.ExprStmt)
	if !isExpr {
		return "", false, false
	}
	call, isCall := ast.Unparen(es.X).(*ast.CallExpr)
	if !isCall {
		return "", false, false
	}
	fn := callee(p.Info, call)
	switch {
	case isMethod(fn, "sync", "Mutex", "Lock") || isMethod(fn, "sync", "RWMutex", "Lock", "RLock"):
		lock = true
	case isMethod(fn, "sync", "Mutex", "Unlock") || isMethod(fn, "sync", "RWMutex", "Unlock", "RUnlock"):
	default:
		return "", false, false
	}
	sel, isSel := ast.Unparen(call.Fun).(*ast.SelectorExpr)
	if !isSel {
		return "", false, false
	}
	if s, found := p.Info.Selections[sel]; found && len(s.Index()) > 1 {
		// A mutex embedded in the receiver's type: p.Lock().
		if n := chanOwner(s.Recv()); n != nil {
			return fmt.Sprint("embedded ", ptr(n.Obj()), s.Index()[:len(s.Index())-1]), lock, true
		}
	}
	key = originFieldKey(p.Info, sel.X)
	return key, lock, key != ""
}

// flagsChecked returns the fields the sender looks at before the send at
// path[0]: in the conditions of the if statements that enclose it or come
// before it, and in the receives of the selects that do (<-p.closed).
func (p *Pass) flagsChecked(path []ast.Node) map[string]bool {
	flags := map[string]bool{}
	add := func(n ast.Node) {
		for k := range p.fieldsSelectedIn(n) {
			flags[k] = true
		}
	}
	addSelect := func(sel *ast.SelectStmt) {
		for _, cc := range sel.Body.List {
			if comm := cc.(*ast.CommClause).Comm; comm != nil && recvOf(comm) != nil {
				add(comm)
			}
		}
	}
	for i := 0; i+1 < len(path); i++ {
		child, parent := path[i], path[i+1]
		switch parent := parent.(type) {
		case *ast.FuncDecl, *ast.FuncLit:
			return flags
		case *ast.IfStmt:
			if child == parent.Body || child == parent.Else {
				add(parent.Cond)
			}
		case *ast.SelectStmt:
			addSelect(parent)
		}
		for _, st := range stmtList(parent) {
			if st == child {
				break
			}
			switch st := st.(type) {
			case *ast.IfStmt:
				add(st.Cond)
			case *ast.SelectStmt:
				addSelect(st)
			}
		}
	}
	return flags
}

// fieldsSelectedIn returns the keys of the fields n selects.
func (p *Pass) fieldsSelectedIn(n ast.Node) map[string]bool {
	fields := map[string]bool{}
	ast.Inspect(n, func(n ast.Node) bool {
		if sel, ok := n.(*ast.SelectorExpr); ok {
			if k := originFieldKey(p.Info, sel); k != "" {
				fields[k] = true
			}
		}
		return true
	})
	return fields
}

// selectWithDone reports whether the send at path[0] is a select case
// beside a case that receives.
func (p *Pass) selectWithDone(path []ast.Node) bool {
	if len(path) < 4 {
		return false
	}
	cc, ok := path[1].(*ast.CommClause)
	if !ok || cc.Comm != path[0] {
		return false
	}
	sel, ok := path[3].(*ast.SelectStmt)
	if !ok {
		return false
	}
	for _, other := range sel.Body.List {
		if o := other.(*ast.CommClause); o != cc && recvOf(o.Comm) != nil {
			return true
		}
	}
	return false
}

// waitsBeforeClose reports whether the closer waits before the close at
// path[0]: a (*sync.WaitGroup).Wait, a receive statement or a select that
// only goes on after a receive, earlier in its function (or, for a close
// deferred at its top, after the defer, with no return before the wait). It also returns
// the WaitGroups waited on before the close (also from a goroutine the
// closer waits for, as in a wait bounded by a deadline), by key.
func (p *Pass) waitsBeforeClose(path []ast.Node) (bool, map[string]bool) {
	waits, groups := false, map[string]bool{}
	isWait := func(n ast.Node) (*ast.SelectorExpr, bool) {
		call, ok := n.(*ast.CallExpr)
		if !ok {
			return nil, false
		}
		if fn := callee(p.Info, call); !isMethod(fn, "sync", "WaitGroup", "Wait") && !isGroupWrapperMethod(fn, "Wait", 0) {
			return nil, false
		}
		sel, _ := ast.Unparen(call.Fun).(*ast.SelectorExpr)
		return sel, true
	}
	scan := func(st ast.Stmt) {
		if recvOf(st) != nil || p.selectRecvs(st) {
			waits = true
		}
		if es, ok := st.(*ast.ExprStmt); ok {
			if _, ok := isWait(ast.Unparen(es.X)); ok {
				waits = true
			}
		}
		ast.Inspect(st, func(n ast.Node) bool {
			if sel, ok := isWait(n); ok && sel != nil {
				groups[originFieldKey(p.Info, sel.X)] = true
			}
			return true
		})
	}
	// A close deferred at the top of its function runs as it returns:
	// after the statements that follow the defer, up to the first that
	// may return (an early return closes before the waits below it).
	if d, ok := path[1].(*ast.DeferStmt); ok && len(path) > 3 && d.Call == path[0] {
		if body, _ := funcBody(path[3:]); body != nil && path[2] == ast.Node(body) {
			after := false
			for _, st := range body.List {
				switch {
				case st == ast.Stmt(d):
					after = true
				case after && !waits:
					scan(st)
					if returnsIn(st) {
						after = false
					}
				}
			}
		}
	}
	for i := 0; i+1 < len(path); i++ {
		child, parent := path[i], path[i+1]
		switch parent.(type) {
		case *ast.FuncDecl, *ast.FuncLit:
			return waits, groups
		}
		for _, st := range stmtList(parent) {
			if st == child {
				break
			}
			scan(st)
		}
	}
	return waits, groups
}

// returnsIn reports whether st holds a return statement outside func
// literals.
func returnsIn(st ast.Node) bool {
	found := false
	ast.Inspect(st, func(n ast.Node) bool {
		switch n.(type) {
		case *ast.FuncLit:
			return false
		case *ast.ReturnStmt:
			found = true
		}
		return !found
	})
	return found
}

// selectRecvs reports whether st is a select that goes on past itself
// only after a receive: every case receives or leaves the function.
func (p *Pass) selectRecvs(st ast.Stmt) bool {
	sel, ok := st.(*ast.SelectStmt)
	if !ok {
		return false
	}
	recv := false
	for _, cc := range sel.Body.List {
		cc := cc.(*ast.CommClause)
		switch {
		case isTerminal(p.Info, cc.Body):
		case cc.Comm != nil && recvOf(cc.Comm) != nil:
			recv = true
		default:
			return false
		}
	}
	return recv
}

// joinMethodNames lists method names for a message: A, A and B, A, B and C.
func joinMethodNames(names []string) string {
	s := ""
	for i, n := range names {
		switch {
		case i == 0:
		case i == len(names)-1:
			s += " and "
		default:
			s += ", "
		}
		s += n
	}
	return s
}

// originFieldKey is varKey with the fields of generic types taken at their
// origin: each method of Buffer[T] sees its own instance of b.mu.
func originFieldKey(info *types.Info, e ast.Expr) string {
	if sel, ok := ast.Unparen(e).(*ast.SelectorExpr); ok {
		if s, ok := info.Selections[sel]; ok && s.Kind() == types.FieldVal {
			return "field " + ptr(s.Obj().(*types.Var).Origin())
		}
	}
	return refKey(info, e)
}

// harmlessStartSend is why a lone send a start method makes on a
// buffered channel is not a default finding.
const harmlessStartSend = "the channel's only send is a statement of %s, made once per call outside loops and goroutines, on a channel the program always makes with a buffer: it does not block, so it meets the close in %s only if the two are called at once or in the wrong order, which the type's start and stop do not do"

// startSendsOnce reports whether the field's only send is a statement of
// the body of a start method (Start, Run, Serve, Listen...: wgTun's
// stackDevice.Start sends EventUp), not in a loop or a goroutine, on a
// channel the program always makes with a buffer, the method taking no
// parameters (a Serve(conn) runs per connection) and never called in a
// loop or under a go statement (startCallsOnce): the send returns at
// once and is over before the method returns, so it meets the close (in
// the type's stop) only through a misuse of the type. A Submit of the
// type's API, called again and again, is the race the rule reports.
func (p *Pass) startSendsOnce(u *chanFieldUse) bool {
	if len(u.sends) != 1 {
		return false
	}
	s := u.sends[0]
	if s.fd.Recv == nil || !isStartName(s.fd.Name.Name) || s.fd.Type.Params.NumFields() > 0 || !slices.Contains(s.fd.Body.List, s.stmt) {
		return false
	}
	fn, _ := p.Info.Defs[s.fd.Name].(*types.Func)
	return fn != nil && p.startCallsOnce(fn) && p.Program.bufferedChan(p.Info.TypeOf(s.sel))
}

// startCallsOnce reports whether every call of the start method fn that the
// program's files (outside tests) make is a plain call: not a method value
// called elsewhere, not in a loop (a supervisor that restarts it), not
// under a go statement (go s.Run(), whose send may come after the stop).
func (p *Pass) startCallsOnce(fn *types.Func) bool {
	refs, _, _ := p.callRefs(fn)
	for _, r := range refs {
		if r.pass.inTestFile(r.id) {
			continue
		}
		if r.call == nil {
			return false
		}
		path := r.pass.pathTo(r.call)
		if inLoop(path) {
			return false
		}
		for _, n := range path[1:] {
			if _, ok := n.(*ast.GoStmt); ok {
				return false
			}
		}
	}
	return true
}

// harmlessInternalSenders is why a race whose senders are all a library's
// own machinery is not a default finding.
const harmlessInternalSenders = "every sender is the package's own machinery, not its API: unexported, and reached only from goroutines the package starts itself, never by a call from an exported function, another package or a handler; whether such a send can follow the close is the package's own protocol (an in-flight count, a lock its callers hold, a lookup that hands a value out once), which drainfix does not see. A send a caller of the API makes (Submit after Drain) is the race it reports"

// harmlessRequestSenders is why a race whose sends are all made while
// serving HTTP requests is not a default finding.
const harmlessRequestSenders = "every send is made while serving an HTTP request (in a handler, or in calls it makes without a go statement): net/http recovers a handler's panic, so a send after the close fails that one request, which the closed channel's consumer could not serve anyway, and the process and its drain go on. A send from a goroutine of the program's own is the race it reports"

// sentInRequests reports whether every racing send runs while serving an
// HTTP request: its method serves one, or every call of it is made, with
// no go statement on the way, by functions that do (up to four calls
// down).
func (p *Pass) sentInRequests(racing []chanUse) bool {
	for _, s := range racing {
		fn, _ := p.Info.Defs[s.fd.Name].(*types.Func)
		if fn == nil || p.lockedAcross(s.fd, s.stmt.Pos()) || !p.inRequests(fn, 4, map[*types.Func]bool{}) {
			return false
		}
	}
	return len(racing) > 0
}

// lockedAcross reports whether fd may hold a sync mutex at pos that only a
// later, not deferred, Unlock releases: a panic at pos then leaves it
// locked, and whoever takes it next (the close itself, perhaps) blocks
// for good, recovered or not.
func (p *Pass) lockedAcross(fd *ast.FuncDecl, pos token.Pos) bool {
	locked, deferred := false, false
	ast.Inspect(fd.Body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.DeferStmt:
			if fn := callee(p.Info, n.Call); fn != nil && (isMethod(fn, "sync", "Mutex", "Unlock") || isMethod(fn, "sync", "RWMutex", "Unlock", "RUnlock")) {
				deferred = true
			}
		case *ast.CallExpr:
			if fn := callee(p.Info, n); fn != nil && (isMethod(fn, "sync", "Mutex", "Lock") || isMethod(fn, "sync", "RWMutex", "Lock", "RLock")) && n.Pos() < pos {
				locked = true
			}
		}
		return true
	})
	return locked && !deferred
}

// inRequests reports whether fn serves an HTTP request or is only called,
// plainly, from functions that do, depth calls down at most.
func (p *Pass) inRequests(fn *types.Func, depth int, seen map[*types.Func]bool) bool {
	fn = fn.Origin()
	if servesRequest(fn.Signature()) {
		return true
	}
	if depth == 0 || seen[fn] {
		return false // too deep, or a cycle
	}
	seen[fn] = true
	defer delete(seen, fn)
	refs, complete, hidden := p.callRefs(fn)
	if !complete || hidden {
		return false
	}
	called := false
	for _, r := range refs {
		if r.pass.inTestFile(r.id) {
			continue
		}
		if r.call == nil {
			return false // a method value: called who knows where
		}
	up:
		for _, n := range r.pass.pathTo(r.call)[1:] {
			switch n := n.(type) {
			case *ast.GoStmt:
				return false
			case *ast.FuncLit:
				sig, _ := r.pass.Info.TypeOf(n).(*types.Signature)
				if sig == nil || !servesRequest(sig) {
					return false
				}
				break up
			case *ast.FuncDecl:
				caller, _ := r.pass.Info.Defs[n.Name].(*types.Func)
				if caller == nil || !r.pass.inRequests(caller, depth-1, seen) {
					return false
				}
				break up
			}
		}
		called = true
	}
	return called
}

// servesRequest reports whether a function of signature sig serves an
// HTTP request of net/http: it takes a *http.Request, or a framework's
// request context that holds one (a Request method or field of type
// *http.Request: echo.Context, *gin.Context).
func servesRequest(sig *types.Signature) bool {
	isReq := func(t types.Type) bool {
		ptr, ok := types.Unalias(t).(*types.Pointer)
		return ok && isNamed(ptr.Elem(), "net/http", "Request")
	}
	for i := range sig.Params().Len() {
		t := sig.Params().At(i).Type()
		if isReq(t) {
			return true
		}
		switch obj, _, _ := types.LookupFieldOrMethod(t, true, nil, "Request"); obj := obj.(type) {
		case *types.Var:
			if isReq(obj.Type()) {
				return true
			}
		case *types.Func:
			if r := obj.Signature().Results(); obj.Signature().Params().Len() == 0 && r.Len() == 1 && isReq(r.At(0).Type()) {
				return true
			}
		}
	}
	return false
}

// anyAPISender reports whether one of the racing sends can be made by a
// caller of the package at a time of its choosing: the package is a main
// package (its senders are the program's own handlers and workers), or a
// sender is an exported function (or an exported method of an exported
// type), or is called, synchronously, from one, from another package, as
// a value handed out of the package, or from a caller drainfix cannot
// follow. Calls made in a goroutine the package starts (go f(), go
// func() { ... }()) end the chain: that is the package's machinery.
func (p *Pass) anyAPISender(racing []chanUse) bool {
	if p.Pkg.Name() == "main" {
		return true
	}
	seen := map[*types.Func]bool{}
	for _, s := range racing {
		fn, _ := p.Info.Defs[s.fd.Name].(*types.Func)
		if fn == nil || p.apiReached(fn, 6, seen) {
			return true
		}
	}
	return false
}

// apiReached reports whether fn is part of its package's API or is called
// synchronously by it (up to depth calls down), as anyAPISender describes.
func (p *Pass) apiReached(fn *types.Func, depth int, seen map[*types.Func]bool) bool {
	fn = fn.Origin()
	if seen[fn] {
		return false // a cycle: the other calls decide
	}
	seen[fn] = true
	if fn.Exported() {
		recv := fn.Signature().Recv()
		if recv == nil {
			return true
		}
		t := recv.Type()
		if ptr, ok := t.(*types.Pointer); ok {
			t = ptr.Elem()
		}
		if named, ok := types.Unalias(t).(*types.Named); !ok || named.Obj().Exported() {
			return true
		}
	}
	if depth == 0 {
		return true
	}
	refs, complete, hidden := p.callRefs(fn)
	if !complete || hidden {
		return true
	}
	for _, r := range refs {
		if r.pass.inTestFile(r.id) {
			continue
		}
		if r.pass.Pkg.Path() != fn.Pkg().Path() {
			return true
		}
		path := r.pass.pathTo(r.id)
		if r.call == nil {
			// A method value or func value: started as a goroutine
			// (go f, or handed to a function of the package that starts
			// it) it is machinery; stored or handed elsewhere, who
			// calls it is not known.
			if !r.pass.startedOrLocalArg(path) {
				return true
			}
			continue
		}
		var caller *ast.FuncDecl
	walk:
		for i, n := range path[1:] {
			switch n := n.(type) {
			case *ast.GoStmt:
				break walk
			case *ast.FuncLit:
				if i+2 < len(path) {
					if c, ok := path[i+2].(*ast.CallExpr); ok && c.Fun == n {
						if _, ok := path[i+3].(*ast.GoStmt); ok {
							break walk // go func() { ... }()
						}
						continue // called on the spot
					}
				}
				if !r.pass.startedOrLocalArg(path[i+1:]) {
					return true // a callback stored or handed out: called who knows when
				}
				// Handed to a helper of the package (a callback the
				// package's own code runs): whoever registers it
				// decides.
			case *ast.FuncDecl:
				caller = n
				break walk
			}
		}
		if caller == nil {
			continue
		}
		c, _ := r.pass.Info.Defs[caller.Name].(*types.Func)
		if c == nil || r.pass.apiReached(c, depth-1, seen) {
			return true
		}
	}
	return false
}

// startedOrLocalArg reports whether the func value path[0] (a method
// value, a function or a func literal) is the function of a go statement
// or an argument of a call of a function of the package (a helper that
// starts it, go withRecover(p.run), or runs it as a callback).
func (p *Pass) startedOrLocalArg(path []ast.Node) bool {
	for i := 1; i < len(path); i++ {
		switch n := path[i].(type) {
		case *ast.SelectorExpr, *ast.ParenExpr:
			continue
		case *ast.GoStmt:
			return true
		case *ast.CallExpr:
			if i+1 < len(path) {
				if _, ok := path[i+1].(*ast.GoStmt); ok {
					return true // go start(p.run)
				}
			}
			fn := callee(p.Info, n)
			return fn != nil && fn.Pkg() != nil && fn.Pkg().Path() == p.Pkg.Path()
		}
		return false
	}
	return false
}

// callersSerialize reports whether the sending method a and the closing
// method b are only ever called with one mutex held, the same field of the
// same type (a registry's lock), in this way: every call of the sender is
// a plain call (not deferred, not in a go statement) in a range over one
// registry field F (a map or a slice of the subscribers), with that lock
// held from before the range and nothing letting go of it before the call
// (unlockedSince); every call of the closer holds the lock for writing
// (Lock, not RLock) and is followed at once by the removal of the closed
// value from F under the key it was found by (removedAfterClose); the
// registry owns its subscribers (registryOwnsValues: none can be in two
// registries, or twice in one); and the channel field is only ever set to
// a make (chanMadeFresh: no two subscribers share a channel).
func (p *Pass) callersSerialize(field *types.Var, a, b *ast.FuncDecl) bool {
	fa, _ := p.Info.Defs[a.Name].(*types.Func)
	fb, _ := p.Info.Defs[b.Name].(*types.Func)
	if fa == nil || fb == nil {
		return false
	}
	refsOf := func(fn *types.Func) []progFuncRef {
		refs, complete, hidden := p.callRefs(fn)
		if !complete || hidden {
			return nil
		}
		var out []progFuncRef
		for _, r := range refs {
			if r.pass.inTestFile(r.id) {
				continue
			}
			if r.call == nil {
				return nil
			}
			out = append(out, r)
		}
		return out
	}
	intersect := func(common, h map[string]bool) map[string]bool {
		if common == nil {
			return h
		}
		for k := range common {
			if !h[k] {
				delete(common, k)
			}
		}
		return common
	}
	var registry *types.Var
	var byKey bool
	var sends map[string]bool
	for _, r := range refsOf(fa) {
		path := r.pass.pathTo(r.call)
		switch path[1].(type) {
		case *ast.DeferStmt, *ast.GoStmt:
			return false // runs after the unlock, or outside the lock
		}
		rng, f, key := r.pass.rangedRegistry(path)
		if rng == nil || (registry != nil && (f != registry || key != byKey)) || r.pass.unlockedSince(path, rng) {
			return false
		}
		registry, byKey = f, key
		h := r.pass.mutexesHeld(path)
		sends = intersect(sends, intersect(h, r.pass.mutexesHeld(r.pass.pathTo(rng))))
	}
	if len(sends) == 0 {
		return false
	}
	var closes map[string]bool
	for _, r := range refsOf(fb) {
		path := r.pass.pathTo(r.call)
		if !r.pass.removedAfterClose(path, registry) {
			return false
		}
		closes = intersect(closes, r.pass.mutexesHeldFor(path, true))
	}
	for k := range closes {
		if sends[k] {
			return p.chanMadeFresh(field) && p.registryOwnsValues(registry, byKey)
		}
	}
	return false
}

// letsGoOfLocks reports whether body unlocks a mutex or waits on a
// sync.Cond (which unlocks while it waits), outside func literals.
func (p *Pass) letsGoOfLocks(body *ast.BlockStmt) bool {
	found := false
	ast.Inspect(body, func(n ast.Node) bool {
		if _, lit := n.(*ast.FuncLit); lit {
			return false
		}
		found = p.letsGoOfLock(n)
		return !found
	})
	return found
}

// letsGoOfLock reports whether n is an unlock statement (Unlock, RUnlock)
// or a call of (*sync.Cond).Wait, which lets go of its lock while it waits.
func (p *Pass) letsGoOfLock(n ast.Node) bool {
	if st, ok := n.(ast.Stmt); ok {
		if _, lock, isMu := p.mutexCall(st); isMu && !lock {
			return true
		}
	}
	c, ok := n.(*ast.CallExpr)
	return ok && isMethod(callee(p.Info, c), "sync", "Cond", "Wait")
}

// rangedRegistriesOwned reports whether every call of the method fd
// (outside tests) that is made on the elements of a registry field in a
// range over it (rangedRegistry) is made on a registry that owns its
// values (registryOwnsValues): one run loop per registry does not make one
// sender per subscriber when a subscriber can be in two registries.
func (p *Pass) rangedRegistriesOwned(fd *ast.FuncDecl) bool {
	fn, _ := p.Info.Defs[fd.Name].(*types.Func)
	if fn == nil {
		return false
	}
	refs, _, _ := p.callRefs(fn)
	for _, r := range refs {
		if r.pass.inTestFile(r.id) || r.call == nil {
			continue
		}
		if rng, f, key := r.pass.rangedRegistry(r.pass.pathTo(r.call)); rng != nil && !p.registryOwnsValues(f, key) {
			return false
		}
	}
	return true
}

// unlockedSince reports whether a mutex is unlocked (or a sync.Cond's Wait
// lets go of one) between the start of the range statement rng and the
// call at path[0]: in a statement before it, in its block or an enclosing
// one inside rng's body.
func (p *Pass) unlockedSince(path []ast.Node, rng *ast.RangeStmt) bool {
	for i := 0; i+1 < len(path) && path[i] != ast.Node(rng); i++ {
		for _, st := range stmtList(path[i+1]) {
			if st == path[i] {
				break
			}
			unlocked := false
			ast.Inspect(st, func(n ast.Node) bool {
				if _, lit := n.(*ast.FuncLit); lit {
					return false
				}
				unlocked = p.letsGoOfLock(n)
				return !unlocked
			})
			if unlocked {
				return true
			}
		}
	}
	return false
}

// registryOwnsValues reports whether every value (with byKey, every
// key) the program (outside tests) puts in the registry field is one made
// for it and put there once: x.F[k] = v, x.F = append(x.F, v), or an element of a composite
// literal's F, where v is a new value (&T{...}, a composite literal, or a
// constructor's: freshValue), or a local variable only ever assigned such
// values and used as a value (not as x.m or x.f) only there. Other stores
// to F are removals: a nil element, nil, or F re-sliced or appended from
// its own slices. A subscriber the caller hands in (Attach(s)), one put
// under two keys, or one copied from another registry fails it: it could
// be in two registries, or twice in one, and a removal would not remove it.
func (p *Pass) registryOwnsValues(registry *types.Var, byKey bool) bool {
	if registry == nil {
		return false
	}
	isReg := func(info *types.Info, e ast.Expr) bool { return isFieldRef(info, e, registry) }
	ok := true
	for _, q := range p.programPasses() {
		for _, f := range q.Owned {
			if q.inTestFile(f) {
				continue
			}
			ast.Inspect(f, func(n ast.Node) bool {
				if !ok {
					return false
				}
				switch n := n.(type) {
				case *ast.CompositeLit:
					for _, el := range n.Elts {
						kv, keyed := el.(*ast.KeyValueExpr)
						if !keyed {
							continue
						}
						id, isID := kv.Key.(*ast.Ident)
						if !isID {
							continue
						}
						if v, isVar := q.Info.Uses[id].(*types.Var); isVar && v.Origin() == registry {
							if lit, isLit := ast.Unparen(kv.Value).(*ast.CompositeLit); isLit {
								if byKey && len(lit.Elts) > 0 {
									ok = false
								}
								for _, e := range lit.Elts {
									if ekv, isKV := e.(*ast.KeyValueExpr); isKV {
										e = ekv.Value
									}
									if _, elided := e.(*ast.CompositeLit); !elided && !isNewLit(e) {
										ok = false
									}
								}
							} else if !isMakeCall(q.Info, kv.Value) && !isNilIdent(q.Info, kv.Value) {
								ok = false
							}
						}
					}
				case *ast.AssignStmt:
					for i, l := range n.Lhs {
						var v ast.Expr
						if i < len(n.Rhs) && len(n.Lhs) == len(n.Rhs) {
							v = n.Rhs[i]
						}
						if ix, isIx := ast.Unparen(l).(*ast.IndexExpr); isIx && isReg(q.Info, ix.X) {
							if byKey {
								// The subscribers are the keys.
								if !q.ownedElement(n, ix.Index) {
									ok = false
								}
							} else if v == nil || (!isNilIdent(q.Info, v) && !q.ownedElement(n, v)) {
								ok = false
							}
							continue
						}
						if !isReg(q.Info, l) {
							continue
						}
						if v == nil {
							ok = false
							continue
						}
						switch rv := ast.Unparen(v).(type) {
						case *ast.SliceExpr:
							if !isReg(q.Info, rv.X) {
								ok = false
							}
						case *ast.CallExpr:
							if isBuiltin(q.Info, rv.Fun, "append") && len(rv.Args) > 0 && isReg(q.Info, rv.Args[0]) {
								for _, a := range rv.Args[1:] {
									if sl, isSl := ast.Unparen(a).(*ast.SliceExpr); isSl && rv.Ellipsis.IsValid() && isReg(q.Info, sl.X) {
										continue
									}
									if rv.Ellipsis.IsValid() || !q.ownedElement(n, a) {
										ok = false
									}
								}
							} else if !isMakeCall(q.Info, rv) {
								ok = false
							}
						default:
							if !isNilIdent(q.Info, v) {
								if _, isLit := rv.(*ast.CompositeLit); !isLit || len(rv.(*ast.CompositeLit).Elts) > 0 {
									ok = false
								}
							}
						}
					}
				}
				return ok
			})
		}
	}
	return ok
}

// ownedElement reports whether v, stored into a registry by the statement
// st, is a value made for it: a new value or a constructor's (freshValue),
// or a local variable of st's function only ever assigned such values and
// used as a value (not as the base of x.m or x.f) only once, there.
func (p *Pass) ownedElement(st ast.Stmt, v ast.Expr) bool {
	if p.freshValue(v) {
		return true
	}
	id, ok := ast.Unparen(v).(*ast.Ident)
	if !ok {
		return false
	}
	lv, _ := p.Info.Uses[id].(*types.Var)
	fd := funcDeclOf(p.pathTo(st))
	if lv == nil || fd == nil || fd.Body == nil || lv.Parent() == nil || lv.Parent() == p.Pkg.Scope() || !within(fd.Body, lv.Pos()) {
		return false
	}
	if only, assigned := p.assignedOnly(fd.Body, lv, p.freshValue); !only || !assigned {
		return false
	}
	values := 0
	ast.Inspect(fd.Body, func(n ast.Node) bool {
		use, ok := n.(*ast.Ident)
		if !ok || p.Info.Uses[use] != lv {
			return true
		}
		path := p.pathTo(use)
		if sel, isSel := path[1].(*ast.SelectorExpr); isSel && sel.X == use {
			return true
		}
		values++
		return true
	})
	return values == 1
}

// rangedRegistry returns the range statement over a field (x.subs) that
// encloses path[0], a method call, in its function, outside any func
// literal, with the field, and whether the call's receiver is the range's
// key (for s := range x.subs over a map keyed by subscriber) rather than
// its value; nil when there is none, or the receiver is neither.
func (p *Pass) rangedRegistry(path []ast.Node) (*ast.RangeStmt, *types.Var, bool) {
	call, ok := path[0].(*ast.CallExpr)
	if !ok {
		return nil, nil, false
	}
	sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr)
	if !ok {
		return nil, nil, false
	}
	recv, ok := ast.Unparen(sel.X).(*ast.Ident)
	if !ok {
		return nil, nil, false
	}
	for _, n := range path[1:] {
		switch n := n.(type) {
		case *ast.FuncDecl, *ast.FuncLit:
			return nil, nil, false
		case *ast.RangeStmt:
			x, ok := ast.Unparen(n.X).(*ast.SelectorExpr)
			if !ok {
				return nil, nil, false
			}
			v, ok := p.Info.Uses[x.Sel].(*types.Var)
			if !ok || !v.IsField() {
				return nil, nil, false
			}
			obj := p.Info.Uses[recv]
			if k, isID := n.Key.(*ast.Ident); isID && obj != nil && p.Info.Defs[k] == obj {
				return n, v.Origin(), true
			}
			if val, isID := n.Value.(*ast.Ident); isID && obj != nil && p.Info.Defs[val] == obj {
				return n, v.Origin(), false
			}
			return nil, nil, false
		}
	}
	return nil, nil, false
}

// removedAfterClose reports whether the statement holding the closer's
// call at path[0] is followed at once, in its block, by a statement that
// removes the closed value from the registry field under the key it was
// found by: the call's receiver is a variable defined from F[k] (x, ok :=
// F[k], in that block or an if's init around it), and the next statement
// is delete(F, k) or F[k] = nil with the same k. Nothing can run between
// the close and the removal; the lock the caller holds covers both.
func (p *Pass) removedAfterClose(path []ast.Node, registry *types.Var) bool {
	if registry == nil {
		return false
	}
	call, ok := path[0].(*ast.CallExpr)
	if !ok {
		return false
	}
	sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr)
	if !ok {
		return false
	}
	recv, ok := ast.Unparen(sel.X).(*ast.Ident)
	if !ok {
		return false
	}
	key := p.lookupKey(path, p.Info.Uses[recv], registry)
	if key == "" {
		return false
	}
	for i := 1; i+1 < len(path); i++ {
		list := stmtList(path[i+1])
		st, ok := path[i].(ast.Stmt)
		if !ok || list == nil {
			continue
		}
		at := slices.Index(list, st)
		if es, isExpr := st.(*ast.ExprStmt); !isExpr || ast.Unparen(es.X) != ast.Node(call) || at+1 >= len(list) {
			return false // the close is not a statement of its own, or nothing follows it
		}
		return p.removes(list[at+1], registry, key)
	}
	return false
}

// lookupKey returns the text of the key k by which the variable obj was
// found in the registry field: obj is defined by v := F[k] or v, ok :=
// F[k], in a statement of a block enclosing path[0] or in the init of an
// if statement enclosing it; "" otherwise.
func (p *Pass) lookupKey(path []ast.Node, obj types.Object, registry *types.Var) string {
	if obj == nil {
		return ""
	}
	var def *ast.AssignStmt
	for _, n := range path[1:] {
		if _, isFn := n.(*ast.FuncDecl); isFn {
			break
		}
		if ifs, isIf := n.(*ast.IfStmt); isIf {
			if as, isAs := ifs.Init.(*ast.AssignStmt); isAs {
				def = p.definesFrom(as, obj, def)
			}
		}
		for _, st := range stmtList(n) {
			if as, isAs := st.(*ast.AssignStmt); isAs {
				def = p.definesFrom(as, obj, def)
			}
		}
	}
	if def == nil || len(def.Rhs) != 1 {
		return ""
	}
	ix, ok := ast.Unparen(def.Rhs[0]).(*ast.IndexExpr)
	if !ok {
		return ""
	}
	xs, ok := ast.Unparen(ix.X).(*ast.SelectorExpr)
	if !ok {
		return ""
	}
	if v, isVar := p.Info.Uses[xs.Sel].(*types.Var); !isVar || v.Origin() != registry {
		return ""
	}
	return types.ExprString(ix.Index)
}

// definesFrom returns as when it defines obj (obj's declaring statement),
// else prev.
func (p *Pass) definesFrom(as *ast.AssignStmt, obj types.Object, prev *ast.AssignStmt) *ast.AssignStmt {
	if as.Tok != token.DEFINE || len(as.Lhs) == 0 {
		return prev
	}
	if id, ok := as.Lhs[0].(*ast.Ident); ok && p.Info.Defs[id] == obj {
		return as
	}
	return prev
}

// removes reports whether the statement s itself (not a statement nested
// in it) removes the value under key from the registry field:
// delete(x.F, key), or x.F[key] = nil.
func (p *Pass) removes(s ast.Stmt, registry *types.Var, key string) bool {
	switch s := s.(type) {
	case *ast.ExprStmt:
		call, ok := ast.Unparen(s.X).(*ast.CallExpr)
		return ok && len(call.Args) == 2 && isBuiltin(p.Info, call.Fun, "delete") &&
			isFieldRef(p.Info, call.Args[0], registry) && types.ExprString(call.Args[1]) == key
	case *ast.AssignStmt:
		for i, r := range s.Rhs {
			if !isNilIdent(p.Info, r) || i >= len(s.Lhs) {
				continue
			}
			if ix, ok := ast.Unparen(s.Lhs[i]).(*ast.IndexExpr); ok && isFieldRef(p.Info, ix.X, registry) && types.ExprString(ix.Index) == key {
				return true
			}
		}
	}
	return false
}

// isFieldRef reports whether e selects the field (x.f, of any x).
func isFieldRef(info *types.Info, e ast.Expr, field *types.Var) bool {
	sel, ok := ast.Unparen(e).(*ast.SelectorExpr)
	if !ok {
		return false
	}
	v, ok := info.Uses[sel.Sel].(*types.Var)
	return ok && v.Origin() == field
}
