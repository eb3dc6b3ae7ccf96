package matchers

import (
	"go/ast"
	"go/constant"
	"go/token"
	"go/types"
	"maps"
	"slices"
	"strings"
	"unicode"

	"github.com/drainfix/drainfix/internal/drainpath"
)

// harmlessLeaveOnQuit is why a Wait whose workers all leave on the stop
// signal the drain sends just before it is not a default finding.
const harmlessLeaveOnQuit = "every goroutine the Wait joins leaves on the stop signal the drain sends just before it (a closed channel or a cancelled context it selects on, or, for a lone goroutine, a send on a channel it receives from): the Wait is a bounded join"

// workersLeaveOnQuit reports whether every goroutine that the WaitGroup of
// wait joins leaves as soon as the drain fd stops it: before the Wait, fd
// closes channels held in fields, or cancels a context, and each worker
// receives from one of those channels (or from a context's Done, when one
// was cancelled) in a select or a plain receive. A worker that ranges over
// a closed channel drains what is queued first and does not count (unless
// it returns at once), nor does a worker whose code is not in the program:
// only known workers that all leave on the signal excuse the Wait. An
// accept loop on a listener the drain closes, and a server's Serve that
// the drain shuts down, leave too.
func (p *Pass) workersLeaveOnQuit(fd *ast.FuncDecl, wait *ast.CallExpr) bool {
	group := p.waitGroupOf(wait)
	if group == "" {
		return false
	}
	closed, cancelled := map[string]bool{}, false
	// Field channels the drain sends on before the Wait: a send stops the
	// one worker that receives it, so it counts as a stop only for a group
	// of one goroutine (below).
	sent := map[string]bool{}
	// The stop is sent in the function holding the Wait: fd's body, or a
	// func literal in it (once.Do(func() { close(quit); wg.Wait() })).
	body, _ := funcBody(p.pathTo(wait))
	if body == nil {
		body = fd.Body
	}
	// Func literals that run on the spot: called at once, or by a
	// sync.Once's Do (once.Do(func() { close(quit) })).
	now := map[*ast.FuncLit]bool{}
	ast.Inspect(body, func(n ast.Node) bool {
		if call, ok := n.(*ast.CallExpr); ok {
			if lit, ok := ast.Unparen(call.Fun).(*ast.FuncLit); ok {
				now[lit] = true
			}
			if fn := callee(p.Info, call); len(call.Args) == 1 && isMethod(fn, "sync", "Once", "Do") {
				if lit, ok := ast.Unparen(call.Args[0]).(*ast.FuncLit); ok {
					now[lit] = true
				}
			}
		}
		return true
	})
	ast.Inspect(body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit:
			return now[n]
		case *ast.GoStmt, *ast.DeferStmt:
			return false
		case *ast.SendStmt:
			if k := fieldKey(p.Info, n.Chan); k != "" && n.Pos() < wait.Pos() {
				sent[k] = true
			}
		case *ast.CallExpr:
			if n.Pos() >= wait.Pos() || !p.stopsWorkers(n) {
				return true
			}
			if isBuiltinClose(p.Info, n) {
				closed[fieldKey(p.Info, n.Args[0])] = true
			} else {
				cancelled = true
			}
		}
		return true
	})
	// Listeners closed and servers shut down by the drain before the
	// Wait, or by a worker that leaves on the signal: an accept loop on
	// one of them, or a server's Serve, returns then.
	lis := map[string]bool{}
	p.closesListeners(body, wait.Pos(), lis)
	workers := p.groupWorkers(group)
	if len(workers) == 0 {
		return false
	}
	if p.sendStops(sent, workers) {
		return true
	}
	if len(closed) == 0 && !cancelled && len(lis) == 0 {
		return false
	}
	// A worker that leaves on the signal may close a channel of its own
	// once its loop is over (close(m.monitorQuit) after the controller's
	// loop): the workers that leave on that one leave in turn. Grow the
	// closed set until no worker adds to it.
	left := map[int]bool{}
	for grew := true; grew; {
		grew = false
		for i, w := range workers {
			if left[i] {
				continue
			}
			if leaves, blocks := w.pass.leavesOn(w.body, closed, cancelled, 2, handshakeEnd(w.body)); leaves && !blocks {
				left[i], grew = true, true
				w.pass.closesOnLeaving(w.body, closed)
			}
		}
	}
	var rest []worker
	for i, w := range workers {
		if left[i] {
			w.pass.closesListeners(w.body, w.body.End(), lis)
			continue
		}
		if _, blocks := w.pass.leavesOn(w.body, closed, cancelled, 2, handshakeEnd(w.body)); blocks {
			return false
		}
		rest = append(rest, w)
	}
	for _, w := range rest {
		// An accept loop that serves each connection inline (io.Copy
		// from it) is still reading when its listener closes.
		if !w.pass.acceptsOn(w.body, w.pass.startListeners(w, lis), 1) || w.pass.readsConnInline(w.body) {
			return false
		}
	}
	return true
}

// isDefaultClient reports whether call is a method call on
// http.DefaultClient.
func isDefaultClient(info *types.Info, call *ast.CallExpr) bool {
	sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr)
	if !ok {
		return false
	}
	x, ok := ast.Unparen(sel.X).(*ast.SelectorExpr)
	if !ok {
		return false
	}
	v, ok := info.Uses[x.Sel].(*types.Var)
	return ok && v.Pkg() != nil && v.Pkg().Path() == "net/http" && v.Name() == "DefaultClient"
}

// readsConnInline reports whether body, outside the goroutines it starts,
// reads or writes a network connection to the end (io.Copy, io.ReadAll,
// io.ReadFull or a Read or Write of a connection, isConnType), or
// makes a call that waits on a peer (callsPeer).
func (p *Pass) readsConnInline(body *ast.BlockStmt) bool {
	found := false
	ast.Inspect(body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.GoStmt, *ast.FuncLit:
			return false
		case *ast.CallExpr:
			fn := callee(p.Info, n)
			if fn == nil {
				return true
			}
			if isFunc(fn, "io", "Copy", "CopyN", "CopyBuffer", "ReadAll", "ReadFull", "ReadAtLeast") {
				for _, a := range n.Args {
					found = found || isConnType(p.Info.TypeOf(a))
				}
			}
			if sel, ok := ast.Unparen(n.Fun).(*ast.SelectorExpr); ok && (fn.Name() == "Read" || fn.Name() == "Write") {
				found = found || isConnType(p.Info.TypeOf(sel.X))
			}
		}
		return !found
	})
	return found || p.callsPeer(body, 1)
}

// closesOnLeaving adds to closed the field channels a worker closes on its
// way out: a close that is a statement of its body itself (after the loop
// it leaves, not inside it) or a deferred close.
func (p *Pass) closesOnLeaving(body *ast.BlockStmt, closed map[string]bool) {
	// A close after a loop is reached only when no return inside the
	// loop (as on the stop: case <-quit: return) leaves first.
	skipped := false
	for _, s := range body.List {
		var call *ast.CallExpr
		switch s := s.(type) {
		case *ast.ExprStmt:
			if !skipped {
				call, _ = s.X.(*ast.CallExpr)
			}
		case *ast.DeferStmt:
			call = s.Call
		case *ast.ForStmt, *ast.RangeStmt, *ast.LabeledStmt, *ast.SelectStmt:
			skipped = skipped || returnsIn(s)
		}
		if call != nil && isBuiltinClose(p.Info, call) && len(call.Args) == 1 {
			if k := fieldKey(p.Info, call.Args[0]); k != "" {
				closed[k] = true
			}
		}
	}
}

// startListeners returns lis with the parameters of the worker's func
// literal that its go statement hands an element of a slice whose every
// element the drain closes (for _, l := range s.listeners { l.Close() },
// rangeElemKey): go func(l net.Listener) { srv.Serve(l) }(l) in a range
// over s.listeners serves a closed listener.
func (p *Pass) startListeners(w worker, lis map[string]bool) map[string]bool {
	if w.start == nil {
		return lis
	}
	// The parameters' keys, in order: of the func literal, or of the
	// declared function the go statement calls.
	var params []string
	if lit, ok := ast.Unparen(w.start.Fun).(*ast.FuncLit); ok {
		for _, f := range lit.Type.Params.List {
			for _, name := range f.Names {
				params = append(params, varKey(p.Info, name))
			}
		}
	} else if fn := callee(p.Info, w.start); fn != nil {
		sig := fn.Origin().Signature()
		for i := range sig.Params().Len() {
			params = append(params, ptr(sig.Params().At(i)))
		}
	}
	var out map[string]bool
	for i, k := range params {
		if i < len(w.start.Args) {
			if e := p.rangeElemKey(w.start.Args[i]); e != "" && lis[e] {
				if out == nil {
					out = maps.Clone(lis)
				}
				out[k] = true
			}
		}
	}
	if out == nil {
		return lis
	}
	return out
}

// rangeElemKey returns, for e the value variable of a range over a slice
// (for _, l := range s.listeners), a key for every element of that slice:
// "elems " and varKey of the slice; else "".
func (p *Pass) rangeElemKey(e ast.Expr) string {
	id, ok := ast.Unparen(e).(*ast.Ident)
	if !ok {
		return ""
	}
	obj := p.Info.Uses[id]
	if obj == nil {
		return ""
	}
	for _, n := range p.pathTo(id) {
		r, ok := n.(*ast.RangeStmt)
		if !ok {
			continue
		}
		if v, ok := r.Value.(*ast.Ident); ok && p.Info.Defs[v] == obj {
			if _, ok := p.Info.TypeOf(r.X).Underlying().(*types.Slice); ok {
				if k := varKey(p.Info, r.X); k != "" {
					return "elems " + k
				}
			}
			return ""
		}
	}
	return ""
}

// sendStops reports whether the drain's send on one of the field
// channels sent (h.quit <- struct{}{}; h.wg.Wait()) ends the group's only
// worker at once: one goroutine, started once outside tests, whose select
// has a case receiving from that channel that waits on nothing, calls the
// group's Done (or the worker defers it) and returns; and every channel the
// program puts in the field is unbuffered. The send then returns only once
// the worker is in that case, so whatever else the worker may block on
// holds up the send, not the Wait. With two workers, or a buffered
// channel, the Wait could still hang.
func (p *Pass) sendStops(sent map[string]bool, workers []worker) bool {
	if len(sent) == 0 || len(workers) != 1 || !workers[0].once {
		return false
	}
	w := workers[0]
	deferredDone := false
	for _, st := range w.body.List {
		if d, ok := st.(*ast.DeferStmt); ok && isMethod(callee(w.pass.Info, d.Call), "sync", "WaitGroup", "Done") {
			deferredDone = true
		}
	}
	found := false
	ast.Inspect(w.body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit:
			return false
		case *ast.CommClause:
			r := recvOf(n.Comm)
			if r == nil || len(n.Body) == 0 || !slices.ContainsFunc(w.pass.fieldsOf(r.X), func(k string) bool { return sent[k] && p.Program.unbufferedField(k) }) {
				return true
			}
			if _, ok := n.Body[len(n.Body)-1].(*ast.ReturnStmt); !ok || w.pass.waitsIn(n.Body) {
				return true
			}
			done := deferredDone
			for _, st := range n.Body {
				if e, ok := st.(*ast.ExprStmt); ok {
					if call, ok := e.X.(*ast.CallExpr); ok && isMethod(callee(w.pass.Info, call), "sync", "WaitGroup", "Done") {
						done = true
					}
				}
			}
			found = found || done
		}
		return !found
	})
	return found
}

// unbufferedField reports whether the program (outside test files) puts
// a channel in the field key somewhere, always one made unbuffered: in a
// composite literal (Hub{quit: make(chan struct{})}) or by assignment
// (h.quit = make(chan struct{})).
func (p *Program) unbufferedField(key string) bool {
	p.unbufMu.Lock()
	defer p.unbufMu.Unlock()
	if v, ok := p.unbuf[key]; ok {
		return v
	}
	if p.unbuf == nil {
		p.unbuf = map[string]bool{}
	}
	v := p.findUnbufferedField(key)
	p.unbuf[key] = v
	return v
}

// findUnbufferedField is unbufferedField's walk over the program.
func (p *Program) findUnbufferedField(key string) bool {
	some, all := false, true
	for _, pass := range p.Packages {
		for _, f := range pass.ownedFiles() {
			if pass.isTestFile(f) {
				continue
			}
			check := func(v ast.Expr) {
				call, ok := ast.Unparen(v).(*ast.CallExpr)
				if !ok || !pass.isMakeChan(call) {
					all = false
					return
				}
				some = true
				all = all && pass.makesUnbuffered(call)
			}
			ast.Inspect(f, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.KeyValueExpr:
					if id, ok := n.Key.(*ast.Ident); ok {
						if v, ok := pass.Info.Uses[id].(*types.Var); ok && v.IsField() && fieldVarKey(v) == key {
							check(n.Value)
						}
					}
				case *ast.AssignStmt:
					if len(n.Lhs) == len(n.Rhs) {
						for i, l := range n.Lhs {
							if fieldKey(pass.Info, l) == key {
								check(n.Rhs[i])
							}
						}
					}
				}
				return all
			})
		}
	}
	return some && all
}

// makesUnbuffered reports whether call, a make(chan T), makes a channel
// with no buffer: no size, or a constant 0.
func (p *Pass) makesUnbuffered(call *ast.CallExpr) bool {
	if len(call.Args) < 2 {
		return true
	}
	c := p.Info.Types[call.Args[1]].Value
	return c != nil && constant.Sign(c) == 0
}

// closesListeners adds to lis the keys of the listeners (values with an
// Accept method) that body closes before pos, and of the servers it shuts
// down or closes ((*http.Server).Shutdown or Close, a gRPC server's Stop or
// GracefulStop), outside func literals. A local alias of a field (srv :=
// s.server) stands for the field too.
func (p *Pass) closesListeners(body *ast.BlockStmt, pos token.Pos, lis map[string]bool) {
	ast.Inspect(body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit:
			return false
		case *ast.CallExpr:
			sel, ok := ast.Unparen(n.Fun).(*ast.SelectorExpr)
			if !ok || n.Pos() >= pos {
				return true
			}
			fn := callee(p.Info, n)
			if sel.Sel.Name == "Close" && len(n.Args) == 0 && p.isListener(sel.X) ||
				isMethod(fn, "net/http", "Server", "Shutdown", "Close") ||
				isMethod(fn, "google.golang.org/grpc", "Server", "Stop", "GracefulStop") ||
				isStopName(sel.Sel.Name) && isServerType(p.Info.TypeOf(sel.X)) {
				for _, k := range p.keysOf(sel.X) {
					lis[k] = true
				}
				if k := p.rangeElemKey(sel.X); k != "" && p.eachTurn(n) {
					lis[k] = true
				}
			}
		}
		return true
	})
}

// eachTurn reports whether call runs on every turn of the innermost range
// loop holding it: its statement (an expression or assignment, or the init
// of an if) is a statement of the loop's body, and no statement before it
// there may leave the turn early (a continue, break, return or goto: if
// l.Addr() == health { continue } skips a listener).
func (p *Pass) eachTurn(call *ast.CallExpr) bool {
	path := p.pathTo(call)
	for i, n := range path {
		r, ok := n.(*ast.RangeStmt)
		if !ok {
			continue
		}
		if i < 2 {
			return false
		}
		stmt, ok := path[i-2].(ast.Stmt)
		if !ok || path[i-1] != r.Body {
			return false
		}
		switch s := stmt.(type) {
		case *ast.ExprStmt, *ast.AssignStmt:
		case *ast.IfStmt:
			if s.Init == nil || !within(s.Init, call.Pos()) {
				return false
			}
		default:
			return false
		}
		for _, before := range r.Body.List {
			if before == stmt {
				return true
			}
			leaves := false
			ast.Inspect(before, func(n ast.Node) bool {
				switch n.(type) {
				case *ast.FuncLit:
					return false
				case *ast.BranchStmt, *ast.ReturnStmt:
					leaves = true
				}
				return !leaves
			})
			if leaves {
				return false
			}
		}
		return false
	}
	return false
}

// isServerType reports whether t is a server: it has a Serve method whose
// first parameter is a listener (a type with an Accept method), as
// net/http's, gRPC's, go-smtp's and go-imap's servers have. Its Serve
// returns once it is stopped (Shutdown, Close, Stop) or its listener is
// closed.
func isServerType(t types.Type) bool {
	if t == nil {
		return false
	}
	obj, _, _ := types.LookupFieldOrMethod(t, true, nil, "Serve")
	fn, ok := obj.(*types.Func)
	if !ok || fn.Signature().Params().Len() == 0 {
		return false
	}
	return isListenerType(fn.Signature().Params().At(0).Type())
}

// keysOf returns varKey of x and, when x is a local variable defined once
// from a field (srv := s.server) and never assigned again, that field's key.
func (p *Pass) keysOf(x ast.Expr) []string {
	k := varKey(p.Info, x)
	if k == "" {
		return nil
	}
	keys := []string{k}
	if _, as, i := p.localDef(x); as != nil && len(as.Lhs) == len(as.Rhs) {
		if fk := fieldKey(p.Info, as.Rhs[i]); fk != "" {
			keys = append(keys, fk)
		}
	}
	return keys
}

// isListener reports whether x has an Accept method (a net.Listener, or
// any listener type built like one).
func (p *Pass) isListener(x ast.Expr) bool {
	return isListenerType(p.Info.TypeOf(x))
}

// isListenerType reports whether t has an Accept method taking nothing,
// or just a context (a QUIC listener), and returning two results (a
// connection and an error).
func isListenerType(t types.Type) bool {
	if t == nil {
		return false
	}
	obj, _, _ := types.LookupFieldOrMethod(t, true, nil, "Accept")
	fn, ok := obj.(*types.Func)
	if !ok || fn.Signature().Results().Len() != 2 {
		return false
	}
	params := fn.Signature().Params()
	return params.Len() == 0 || params.Len() == 1 && isContext(params.At(0).Type())
}

// acceptsOn reports whether the worker body is an accept loop on one of
// the closed listeners lis, or serves one of its stopped servers: it calls
// Accept on one, Serve (or ListenAndServe) on one or with one, or hands one
// to a function of the program that does (depth calls down). Accept fails
// once its listener is closed, and an accept loop leaves on that error;
// Serve returns once its server is shut down.
func (p *Pass) acceptsOn(body *ast.BlockStmt, lis map[string]bool, depth int) bool {
	found := false
	ast.Inspect(body, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok || found {
			return !found
		}
		if sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr); ok {
			fn := callee(p.Info, call)
			switch {
			case sel.Sel.Name == "Accept" && lis[varKey(p.Info, sel.X)] && p.isListener(sel.X):
				found = true
			case isMethod(fn, "net/http", "Server", "Serve", "ServeTLS", "ListenAndServe", "ListenAndServeTLS") ||
				isMethod(fn, "google.golang.org/grpc", "Server", "Serve") ||
				(strings.HasPrefix(sel.Sel.Name, "Serve") || strings.HasPrefix(sel.Sel.Name, "ListenAndServe")) && isServerType(p.Info.TypeOf(sel.X)):
				// Serving returns once its server is shut down or its
				// listener closed.
				found = lis[varKey(p.Info, sel.X)] || len(call.Args) > 0 && lis[varKey(p.Info, call.Args[0])]
			}
			if found {
				return false
			}
		}
		fn := callee(p.Info, call)
		if fn == nil || depth == 0 {
			return true
		}
		d, ok := p.Program.declOf(fn)
		if !ok {
			return true
		}
		params := fn.Signature().Params()
		sub := map[string]bool{}
		for i, a := range call.Args {
			if i < params.Len() && lis[varKey(p.Info, a)] {
				sub[ptr(params.At(i))] = true
			}
		}
		if len(sub) > 0 && d.pass.acceptsOn(d.fd.Body, sub, depth-1) {
			found = true
		}
		return !found
	})
	return found
}

// waitGroupOf returns the key of the WaitGroup a wg.Wait() call waits on,
// or "".
func (p *Pass) waitGroupOf(wait *ast.CallExpr) string {
	if sel, ok := ast.Unparen(wait.Fun).(*ast.SelectorExpr); ok {
		return varKey(p.Info, sel.X)
	}
	return ""
}

// harmlessRunHere is why a Wait for goroutines its own function just
// started is not a default finding.
const harmlessRunHere = "every goroutine the Wait joins is started just before it, in the same function, with nothing in between that waits: the Wait waits for the drain's own work run in parallel, as it would for that work run inline (a deadline would cut it short)"

// workersRunHere reports whether every goroutine the Wait in fd joins is
// a func literal started in fd itself before the Wait, with no context in
// scope at the Wait (whoever made one meant the work to be bounded) and
// nothing
// between the first start and the Wait that waits (a receive, a select, a
// range over a channel, another Wait): a parallel clean-up (go func() {
// stop each hook; wg.Done() }(); wg.Wait()), not workers that outlive
// the drain's start.
func (p *Pass) workersRunHere(fd *ast.FuncDecl, wait *ast.CallExpr) bool {
	if p.ContextAt(wait.Pos()) != nil {
		return false // whoever made the context meant the work to be bounded
	}
	workers := p.groupWorkers(p.waitGroupOf(wait))
	if len(workers) == 0 {
		return false
	}
	first := wait.Pos()
	for _, w := range workers {
		if w.pass != p || w.body.Pos() < fd.Body.Pos() || w.body.End() > wait.Pos() {
			return false
		}
		first = min(first, w.body.Pos())
	}
	return !p.waitsBetween(fd.Body, first, wait.Pos(), func(c *ast.CallExpr) bool {
		return c != wait && isMethod(callee(p.Info, c), "sync", "WaitGroup", "Wait")
	})
}

// waitsBetween reports whether body, outside func literals, waits between
// the positions from and to: a receive, a select, a range over a channel,
// or a call that waits says waits (nil for none).
func (p *Pass) waitsBetween(body *ast.BlockStmt, from, to token.Pos, waitsCall func(*ast.CallExpr) bool) bool {
	waits := false
	ast.Inspect(body, func(n ast.Node) bool {
		if n == nil || waits || n.End() <= from || n.Pos() >= to {
			return false
		}
		switch n := n.(type) {
		case *ast.FuncLit:
			return false
		case *ast.SelectStmt:
			waits = true
		case *ast.UnaryExpr:
			waits = n.Op == token.ARROW
		case *ast.RangeStmt:
			if t := p.Info.TypeOf(n.X); t != nil {
				_, ch := t.Underlying().(*types.Chan)
				waits = ch
			}
		case *ast.CallExpr:
			waits = waitsCall != nil && waitsCall(n)
		}
		return !waits
	})
	return waits
}

// harmlessCleanUp is why a Wait for goroutines that only run a clean-up
// is not a default finding.
const harmlessCleanUp = "every goroutine the Wait joins only runs a clean-up (a Close, Stop or Shutdown call, under a lock at most): the Wait waits for the drain's own work run in the background, as it would for that call made inline (where it is not reported)"

// workersCleanUp reports whether every goroutine that the WaitGroup of
// wait joins is a clean-up handed to the background (go func() { defer
// wg.Done(); mu.Lock(); defer mu.Unlock(); old.Close() }()): its body only
// calls Close, Stop, Shutdown, GracefulStop or Drain on something, marks
// the group done and takes a lock. Whatever such a call waits for, the
// same call made inline would wait for too. As for workersRunHere, a
// context in scope at the Wait says the work was meant to be bounded.
func (p *Pass) workersCleanUp(wait *ast.CallExpr) bool {
	group := p.waitGroupOf(wait)
	if group == "" || p.ContextAt(wait.Pos()) != nil {
		return false
	}
	workers := p.groupWorkers(group)
	for _, w := range workers {
		if !w.pass.onlyCleanUp(w.body) {
			return false
		}
	}
	return len(workers) > 0
}

// onlyCleanUp reports whether every statement of body is a stop call (a
// method named Close, Stop, Shutdown, GracefulStop or Drain, its result
// dropped or assigned to _), a WaitGroup's Done, a mutex's Lock or Unlock,
// or a defer of one of those, with at least one stop call among them.
func (p *Pass) onlyCleanUp(body *ast.BlockStmt) bool {
	stops := 0
	kind := func(call *ast.CallExpr) (stop, other bool) {
		fn := callee(p.Info, call)
		sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr)
		switch {
		case fn == nil || !ok:
			return false, false
		case isMethod(fn, "sync", "WaitGroup", "Done") ||
			isMethod(fn, "sync", "Mutex", "Lock", "Unlock") ||
			isMethod(fn, "sync", "RWMutex", "Lock", "Unlock", "RLock", "RUnlock"):
			return false, true
		case isStopName(sel.Sel.Name) && fn.Signature().Recv() != nil:
			for _, a := range call.Args {
				if _, lit := ast.Unparen(a).(*ast.FuncLit); lit {
					return false, false
				}
			}
			return true, false
		}
		return false, false
	}
	for _, st := range body.List {
		var call *ast.CallExpr
		switch st := st.(type) {
		case *ast.DeferStmt:
			call = st.Call
		case *ast.ExprStmt:
			call, _ = ast.Unparen(st.X).(*ast.CallExpr)
		case *ast.AssignStmt:
			if len(st.Lhs) == 1 && len(st.Rhs) == 1 && isBlank(st.Lhs[0]) {
				call, _ = ast.Unparen(st.Rhs[0]).(*ast.CallExpr)
			}
		}
		if call == nil {
			return false
		}
		stop, other := kind(call)
		if !stop && !other {
			return false
		}
		if stop {
			stops++
		}
	}
	return stops > 0
}

// harmlessFlush is why a Wait for goroutines that persist what they hold
// once their loop ends is not a default finding.
const harmlessFlush = "every goroutine the Wait joins, once its loop ends, persists what it holds (%s): the Wait is there so that write finishes before what follows the drain (closing the store it writes to); a deadline would let that run while the write is still going"

// persistPrefixes begin the names of calls that write out what a worker
// holds.
var persistPrefixes = []string{"Flush", "flush", "Sync", "sync", "Persist", "persist", "Commit", "commit", "Save", "save"}

// workersFlush returns the call (x.FlushUtxoCache, ...) every goroutine
// that the WaitGroup of wait joins makes after its loop: a worker whose
// body has a loop with a way out, followed, among the statements of the
// body after it, by a call whose name begins with Flush, Sync, Persist,
// Commit or Save (also deferred before the loop). "" when some worker
// does not.
func (p *Pass) workersFlush(wait *ast.CallExpr) string {
	group := p.waitGroupOf(wait)
	if group == "" {
		return ""
	}
	workers := p.groupWorkers(group)
	what := ""
	for _, w := range workers {
		name := w.pass.flushAfterLoop(w.body)
		if name == "" {
			return ""
		}
		if what == "" {
			what = name
		}
	}
	return what
}

// flushAfterLoop returns the name of a persisting call the body makes
// after its last loop with a way out, when that loop has no return in it
// (or a persisting call it defers before the loop), or "".
func (p *Pass) flushAfterLoop(body *ast.BlockStmt) string {
	persist := func(n ast.Node) string {
		found := ""
		ast.Inspect(n, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.FuncLit:
				return false
			case *ast.CallExpr:
				if sel, ok := ast.Unparen(n.Fun).(*ast.SelectorExpr); ok && persists(p.Info, n, sel.Sel.Name) {
					found = sel.Sel.Name
				}
			}
			return found == ""
		})
		return found
	}
	loop, returns := -1, false
	for i, st := range body.List {
		target, label := st, (*ast.Ident)(nil)
		if ls, ok := st.(*ast.LabeledStmt); ok {
			target, label = ls.Stmt, ls.Label
		}
		var lb *ast.BlockStmt
		switch l := target.(type) {
		case *ast.ForStmt:
			lb = l.Body
		case *ast.RangeStmt:
			lb = l.Body
		}
		if lb != nil {
			if w := p.loopWaysOut(lb, label); w.out || len(w.breaks) > 0 {
				loop, returns = i, returnsIn(lb)
			}
		}
	}
	if loop < 0 {
		return ""
	}
	for _, st := range body.List[:loop] {
		if d, ok := st.(*ast.DeferStmt); ok {
			if name := persist(d.Call); name != "" {
				return name
			}
		}
	}
	// After the loop: only when every way out of it gets there (a return
	// inside it, as on the stop, skips what follows).
	if returns {
		return ""
	}
	for _, st := range body.List[loop+1:] {
		if _, ok := st.(*ast.GoStmt); ok {
			continue
		}
		if name := persist(st); name != "" {
			return name
		}
	}
	return ""
}

// persists reports whether call, of the method or function name, writes
// out what the worker holds: name is one of persistPrefixes as a word of
// its own (Flush, FlushAll, SaveState; not SavedCount), and it returns
// nothing or just an error (not a getter).
func persists(info *types.Info, call *ast.CallExpr, name string) bool {
	word := false
	for _, pre := range persistPrefixes {
		if rest, ok := strings.CutPrefix(name, pre); ok && (rest == "" || !unicode.IsLower(rune(rest[0]))) {
			word = true
		}
	}
	if !word {
		return false
	}
	sig, ok := info.TypeOf(call.Fun).(*types.Signature)
	if !ok {
		return false
	}
	res := sig.Results()
	return res.Len() == 0 || res.Len() == 1 && types.Identical(res.At(0).Type(), types.Universe.Lookup("error").Type())
}

// harmlessStartBarrier is why a Wait whose workers call Done before
// anything that can block is not a default finding.
const harmlessStartBarrier = "every goroutine the Wait joins calls Done on its group before anything that can block: the Wait only waits for them to start"

// workersStartBarrier reports whether every goroutine that the WaitGroup
// of wait joins calls Done on it as a statement of its body that only
// defers and calls that cannot block precede: a barrier that waits for
// the goroutines to start (started.Done() first thing, the real work
// joined by another group).
func (p *Pass) workersStartBarrier(wait *ast.CallExpr) bool {
	group := p.waitGroupOf(wait)
	if group == "" {
		return false
	}
	workers := p.groupWorkers(group)
	for _, w := range workers {
		if !w.pass.doneFirst(w.body, group) {
			return false
		}
	}
	return len(workers) > 0
}

// doneFirst reports whether body calls Done on the group before any
// statement that may block (only defers and calls that cannot block come
// first).
func (p *Pass) doneFirst(body *ast.BlockStmt, group string) bool {
	for _, st := range body.List {
		switch st := st.(type) {
		case *ast.DeferStmt:
			continue
		case *ast.ExprStmt:
			call, ok := ast.Unparen(st.X).(*ast.CallExpr)
			if !ok {
				return false
			}
			if isMethod(callee(p.Info, call), "sync", "WaitGroup", "Done") {
				if sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr); ok && (varKey(p.Info, sel.X) == group || slices.Contains(p.fieldsOf(sel.X), group)) {
					return true
				}
			}
			if !p.cannotBlock(call) {
				return false
			}
		default:
			return false
		}
	}
	return false
}

// harmlessWorkersDeadline is why a Wait whose workers each hand their work
// a deadline context is not a default finding.
const harmlessWorkersDeadline = "every goroutine the Wait joins hands its work a deadline context (made with context.WithTimeout or WithDeadline) or the context in scope at the Wait, and does nothing else that can block: the Wait ends when that context does"

// workersBoundedByDeadline reports whether every goroutine that the
// WaitGroup of wait joins is bounded by a deadline: each passes a context
// made with a deadline to its calls, and makes no other call that can
// block (only log lines, prints, the group's Done and the like), no loop
// and no channel operation. The shape of a drain that shuts down several
// servers in parallel under one deadline:
//
//	ctx, cancel := context.WithTimeout(context.Background(), grace)
//	for _, s := range servers {
//		wg.Go(func() { s.Shutdown(ctx) })
//	}
//	wg.Wait()
func (p *Pass) workersBoundedByDeadline(wait *ast.CallExpr) bool {
	group := p.waitGroupOf(wait)
	if group == "" {
		return false
	}
	own := p.ContextAt(wait.Pos())
	workers := p.groupWorkers(group)
	for _, w := range workers {
		if !w.pass.boundedByDeadline(w.body, own) {
			return false
		}
	}
	return len(workers) > 0
}

// boundedByDeadline reports whether the worker body passes a deadline
// context, or own (the context in scope at the Wait, which a fix would
// race the Wait against), to at least one call and every other call it
// makes cannot block.
func (p *Pass) boundedByDeadline(body *ast.BlockStmt, own *types.Var) bool {
	isBound := func(e ast.Expr) bool {
		if id, ok := ast.Unparen(e).(*ast.Ident); ok && own != nil && p.Info.Uses[id] == own {
			return true
		}
		return p.isDeadlineCtx(e)
	}
	bounded, other := false, false
	ast.Inspect(body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit, *ast.ForStmt, *ast.SelectStmt, *ast.SendStmt:
			other = true
		case *ast.RangeStmt:
			// A range over a slice or a map ends; over a channel or an
			// iterator it may not.
			if t := p.Info.TypeOf(n.X); t != nil {
				switch t.Underlying().(type) {
				case *types.Chan, *types.Signature:
					other = true
				}
			}
		case *ast.UnaryExpr:
			other = other || n.Op == token.ARROW
		case *ast.CallExpr:
			switch {
			case slices.ContainsFunc(n.Args, isBound):
				bounded = true
			case !p.cannotBlock(n):
				other = true
			}
		}
		return !other
	})
	return bounded && !other
}

// cannotBlock reports whether call returns without waiting on anything: a
// conversion or builtin, a log line or print, a WaitGroup's Done, a
// method of error, a function (or method) of fmt, errors, strings,
// strconv, context or sync/atomic, a structured logger's field constructor, or a listener's Close.
func (p *Pass) cannotBlock(call *ast.CallExpr) bool {
	if tv, ok := p.Info.Types[call.Fun]; ok && (tv.IsType() || tv.IsBuiltin()) {
		return true
	}
	if p.trivialCall(call) {
		return true
	}
	fn := callee(p.Info, call)
	if fn == nil {
		return false
	}
	if isMethod(fn, "sync", "WaitGroup", "Done") || fn.Pkg() == nil && fn.Name() == "Error" {
		return true // error's Error has no package
	}
	if fn.Pkg() == nil {
		return false
	}
	switch fn.Pkg().Path() {
	case "fmt", "errors", "strings", "strconv", "context", "sync/atomic":
		return true
	}
	// A structured logger's field constructors (zap.String, slog.Any)
	// build a value.
	if res := fn.Signature().Results(); res.Len() == 1 && (isNamed(res.At(0).Type(), "go.uber.org/zap/zapcore", "Field") || isNamed(res.At(0).Type(), "log/slog", "Attr")) {
		return true
	}
	// Closing a listener does not wait for its connections.
	if sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr); ok && fn.Name() == "Close" && p.isListener(sel.X) {
		return true
	}
	return false
}

// isDeadlineCtx reports whether x is a local variable defined by
// x, cancel := context.WithTimeout(...) or WithDeadline (or their Cause
// variants), and never assigned again.
func (p *Pass) isDeadlineCtx(x ast.Expr) bool {
	v, as, i := p.localDef(x)
	if v == nil || !isContext(v.Type()) || i != 0 || len(as.Lhs) != 2 || len(as.Rhs) != 1 {
		return false
	}
	call, ok := ast.Unparen(as.Rhs[0]).(*ast.CallExpr)
	return ok && isFunc(callee(p.Info, call), "context", "WithTimeout", "WithDeadline", "WithTimeoutCause", "WithDeadlineCause")
}

// localDef returns the local variable that x names, the := statement that
// defines it and the index of the variable among its left-hand sides,
// when it is never assigned again nor has its address taken; nil when not.
func (p *Pass) localDef(x ast.Expr) (*types.Var, *ast.AssignStmt, int) {
	id, ok := ast.Unparen(x).(*ast.Ident)
	if !ok {
		return nil, nil, 0
	}
	v, ok := p.Info.Uses[id].(*types.Var)
	if !ok {
		return nil, nil, 0
	}
	if as, i := p.defOf(v); as != nil {
		return v, as, i
	}
	return nil, nil, 0
}

// defOf returns the := statement that defines the local variable v and
// the index of v among its left-hand sides, when v is never assigned
// again nor has its address taken; nil when not.
func (p *Pass) defOf(v *types.Var) (*ast.AssignStmt, int) {
	if v.IsField() || v.Parent() == nil || v.Parent() == p.Pkg.Scope() {
		return nil, 0
	}
	f := p.FileOf(v.Pos())
	if f == nil {
		return nil, 0
	}
	path := enclosing(f, v.Pos(), v.Pos()+token.Pos(len(v.Name())))
	if len(path) < 2 {
		return nil, 0
	}
	as, ok := path[1].(*ast.AssignStmt)
	if !ok || as.Tok != token.DEFINE || p.assignedAgain(v, path) {
		return nil, 0
	}
	for i, l := range as.Lhs {
		if l == path[0] {
			return as, i
		}
	}
	return nil, 0
}

// assignedAgain reports whether the local variable v, defined at path[0],
// is assigned again or has its address taken in the function holding it.
func (p *Pass) assignedAgain(v *types.Var, path []ast.Node) bool {
	body, _ := funcBody(path)
	if body == nil {
		return true
	}
	def, _ := path[0].(*ast.Ident)
	return assignsTo(p.Info, body, v, def)
}

// assignsTo reports whether body assigns to v (other than at the
// identifier except, its definition) or takes its address.
func assignsTo(info *types.Info, body *ast.BlockStmt, v *types.Var, except *ast.Ident) bool {
	if body == nil {
		return false
	}
	found := false
	is := func(e ast.Expr) bool {
		id, ok := ast.Unparen(e).(*ast.Ident)
		return ok && id != except && info.ObjectOf(id) == v
	}
	ast.Inspect(body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.AssignStmt:
			found = found || slices.ContainsFunc(n.Lhs, is)
		case *ast.UnaryExpr:
			found = found || n.Op == token.AND && is(n.X)
		}
		return !found
	})
	return found
}

// A worker is the body of a goroutine a WaitGroup joins, with the Pass of
// the package that declares it.
type worker struct {
	pass *Pass
	body *ast.BlockStmt
	// start: the call a go statement makes (go func(l net.Listener)
	// {...}(l), go s.serve(l)), else nil.
	start *ast.CallExpr
	// once: started by a go statement outside any loop of its function
	// (one goroutine per call of that function).
	once bool
}

// groupWorkers returns the goroutines started in the package that call
// Done on the WaitGroup group (in the func literal started, or in the
// function or method a go statement calls, which may be another
// package's), and the funcs given to its Go.
func (p *Pass) groupWorkers(group string) []worker {
	p.workersMu.Lock()
	defer p.workersMu.Unlock()
	if w, ok := p.workers[group]; ok {
		return w
	}
	if p.workers == nil {
		p.workers = map[string][]worker{}
	}
	w := p.findWorkers(group)
	p.workers[group] = w
	return w
}

// findWorkers is groupWorkers' search.
func (p *Pass) findWorkers(group string) []worker {
	var workers []worker
	// doneOn reports whether w calls Done on the group, and whether it
	// reaches the group only through an accessor (r.WaitGroup().Done()).
	doneOn := func(w worker) (found, accessor bool) {
		ast.Inspect(w.body, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if ok && isMethod(callee(w.pass.Info, call), "sync", "WaitGroup", "Done") {
				s := ast.Unparen(call.Fun).(*ast.SelectorExpr) // a method call
				found = varKey(w.pass.Info, s.X) == group || w.pass.groupAlias(s.X) == group
				accessor = !found && slices.Contains(w.pass.fieldsOf(s.X), group)
			}
			return !found && !accessor
		})
		return found || accessor, accessor
	}
	// addsBefore reports whether the function holding the go statement
	// adds to the group: an accessor reached through an interface may
	// stand for another type's group.
	addsBefore := func(g *ast.GoStmt) bool {
		body, _ := funcBody(p.pathTo(g))
		adds := false
		if body != nil {
			ast.Inspect(body, func(n ast.Node) bool {
				adds = adds || p.addsTo(n, group)
				return !adds
			})
		}
		return adds
	}
	declared := func(fn *types.Func) (worker, bool) {
		if fn == nil {
			return worker{}, false
		}
		if d, ok := p.Program.declOf(fn); ok {
			return worker{pass: d.pass, body: d.fd.Body}, true
		}
		return worker{}, false
	}
	workerOf := func(e ast.Expr) (worker, bool) {
		switch e := ast.Unparen(e).(type) {
		case *ast.FuncLit:
			return worker{pass: p, body: e.Body}, true
		case *ast.CallExpr:
			if lit, ok := ast.Unparen(e.Fun).(*ast.FuncLit); ok {
				return worker{pass: p, body: lit.Body}, true
			}
			// A func literal kept in a local variable (stop := func(s
			// *Server) {...}; go stop(s)).
			if _, as, i := p.localDef(e.Fun); as != nil && len(as.Lhs) == len(as.Rhs) {
				if lit, ok := ast.Unparen(as.Rhs[i]).(*ast.FuncLit); ok {
					return worker{pass: p, body: lit.Body}, true
				}
			}
			return declared(callee(p.Info, e))
		}
		return worker{}, false
	}
	for _, n := range p.goStarts() {
		switch n := n.(type) {
		case *ast.GoStmt:
			if w, ok := workerOf(n.Call); ok {
				w.start = n.Call
				if done, accessor := doneOn(w); done && (!accessor || addsBefore(n)) {
					w.once = !inLoop(p.pathTo(n))
					workers = append(workers, w)
				}
			}
		case *ast.CallExpr:
			if p.wrapsGroup(n, group) {
				if w, ok := workerOf(n.Args[0]); ok {
					workers = append(workers, w)
				}
			}
			if p.addsTo(n, group) && isMethod(callee(p.Info, n), "sync", "WaitGroup", "Go") && len(n.Args) == 1 {
				if w, ok := workerOf(n.Args[0]); ok {
					workers = append(workers, w)
				} else if fn, ok := p.Info.Uses[identOfExpr(n.Args[0])].(*types.Func); ok {
					if w, ok := declared(fn); ok {
						workers = append(workers, w)
					}
				}
			}
		}
	}
	if len(workers) == 0 && p.Program != nil {
		// A method of this package that another package of the program
		// starts (go n.hub.Run(), with Run's own Add and Done), outside
		// test files. A file loaded in several packages (a test variant)
		// counts once.
		seen := map[string]bool{}
		for _, q := range p.Program.Packages {
			if q == p || !slices.Contains(q.Pkg.Imports(), p.Pkg) {
				continue
			}
			for _, n := range q.goStarts() {
				g, ok := n.(*ast.GoStmt)
				if !ok {
					continue
				}
				fn := callee(q.Info, g.Call)
				at := q.Fset.Position(g.Pos()).String()
				if fn == nil || fn.Pkg() != p.Pkg || seen[at] || q.inTestFile(g) {
					continue
				}
				seen[at] = true
				if w, ok := declared(fn); ok {
					if done, accessor := doneOn(w); done && !accessor {
						w.once = !inLoop(q.pathTo(g))
						workers = append(workers, w)
					}
				}
			}
		}
	}
	return workers
}

// goStarts returns, once per package, the places that may start a
// worker: go statements, and calls with one argument of a method Go or of
// a method of a type built on a WaitGroup (which groupWorkers then checks
// against the group).
func (p *Pass) goStarts() []ast.Node {
	p.startsOnce.Do(func() {
		for _, f := range p.Files {
			ast.Inspect(f, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.GoStmt:
					p.starts = append(p.starts, n)
				case *ast.CallExpr:
					if len(n.Args) == 1 {
						if sel, ok := ast.Unparen(n.Fun).(*ast.SelectorExpr); ok {
							if s, ok := p.Info.Selections[sel]; ok && s.Kind() == types.MethodVal {
								p.starts = append(p.starts, n)
							}
						}
					}
				}
				return true
			})
		}
	})
	return p.starts
}

// wrapsGroup reports whether call is x.M(f) on the WaitGroup group where
// M is a method of a type built on a sync.WaitGroup that takes just a
// func(): the small wrapper that starts f as a goroutine the group joins
// (x.Wrap(func() { ... })).
func (p *Pass) wrapsGroup(call *ast.CallExpr, group string) bool {
	sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr)
	if !ok || len(call.Args) != 1 || varKey(p.Info, sel.X) != group {
		return false
	}
	fn := callee(p.Info, call)
	if !isGroupWrapperMethod(fn, sel.Sel.Name, 1) {
		return false
	}
	sig, ok := fn.Signature().Params().At(0).Type().Underlying().(*types.Signature)
	return ok && sig.Params().Len() == 0
}

// identOfExpr returns the identifier naming e (x or a.x), or nil.
func identOfExpr(e ast.Expr) *ast.Ident {
	switch e := ast.Unparen(e).(type) {
	case *ast.Ident:
		return e
	case *ast.SelectorExpr:
		return e.Sel
	}
	return nil
}

// leavesOn reports whether the worker body receives from one of the
// closed channels (or a context's Done, when cancelled), itself or in the
// program's functions it calls (depth levels down), and whether it blocks
// anywhere else: a channel operation that is not a case of a select that
// also waits for the stop, or ranging over a closed channel (and not
// returning at once). Sends before handshake are the worker's start-up
// handshake and do not count.
func (p *Pass) leavesOn(body *ast.BlockStmt, closed map[string]bool, cancelled bool, depth int, handshake token.Pos) (leaves, blocks bool) {
	isClosed := func(x ast.Expr) bool {
		return slices.ContainsFunc(p.fieldsOf(x), func(k string) bool { return closed[k] })
	}
	isQuit := func(x ast.Expr) bool {
		return isClosed(x) || cancelled && p.doneOf(x) != ""
	}
	guarded := map[ast.Node]bool{} // comms of selects that also wait for the stop
	started := startedChans(p.Info, body)
	ast.Inspect(body, func(n ast.Node) bool {
		if blocks {
			return false
		}
		switch n := n.(type) {
		case *ast.FuncLit:
			return false
		case *ast.GoStmt:
			return false // the goroutine it starts is not the worker: it runs on its own
		case *ast.SelectStmt:
			var comms []ast.Node
			quit := false
			for _, cc := range n.Body.List {
				cc := cc.(*ast.CommClause)
				if cc.Comm == nil {
					quit = true // a default never blocks
					continue
				}
				comms = append(comms, cc.Comm)
				if r := recvOf(cc.Comm); r != nil && p.timerChan(r.X) {
					quit = true // a timer's case ends the wait: the select cannot block for good
				}
				if r := recvOf(cc.Comm); r != nil && isQuit(r.X) {
					quit = true
					// Leaving through a loop that works off what is
					// queued is not leaving at once, unless the loop
					// stops when the queue is empty (a select's default
					// leaves it) and what it does per item waits on no
					// peer (a request per queued item is as long as the
					// queue times the peer's timeout); the walk below
					// looks at the rest of what it does.
					for _, s := range cc.Body {
						ast.Inspect(s, func(n ast.Node) bool {
							switch n := n.(type) {
							case *ast.ForStmt:
								blocks = blocks || !emptiesQueue(n) || p.callsPeer(n.Body, 3)
							case *ast.RangeStmt:
								// Closing each of a slice's channels
								// (for _, q := range quits { close(q) })
								// works off nothing.
								blocks = blocks || !closesEach(p.Info, n)
							case *ast.FuncLit:
								return false
							}
							return !blocks
						})
					}
				}
			}
			for _, c := range comms {
				guarded[c] = quit
			}
		case *ast.RangeStmt:
			if isClosed(n.X) {
				if !returnsAtOnce(n.Body) {
					blocks = true // drains what is queued before it leaves
				}
				leaves = true
				return false
			}
		case *ast.SendStmt:
			// A send on a buffered channel waits only once its
			// receiver has fallen a whole buffer behind: no evidence
			// that the worker hangs.
			blocks = blocks || !guarded[n] && n.Pos() >= handshake && !p.Program.bufferedChan(p.Info.TypeOf(n.Chan))
		case *ast.ExprStmt, *ast.AssignStmt:
			if r := recvOf(n.(ast.Stmt)); r != nil {
				switch {
				case isQuit(r.X):
					leaves = true
				case !guarded[n] && !handshakeRecv(p.Info, started, r):
					blocks = true
				}
			}
		case *ast.CallExpr:
			// The package's functions the worker calls: their loop may be
			// the one that leaves on the signal, or may block elsewhere.
			fn := callee(p.Info, n)
			if fn == nil {
				return true
			}
			if isFunc(fn, "time", "Sleep") && len(n.Args) == 1 && p.Info.Types[n.Args[0]].Value == nil && !p.configuredDelay(n.Args[0]) {
				blocks = true // a sleep as long as the job says: the stop does not end it
				return false
			}
			if isFunc(fn, "net/http", "Get", "Head", "Post", "PostForm") || isMethod(fn, "net/http", "Client", "Get", "Head", "Post", "PostForm", "Do") && isDefaultClient(p.Info, n) {
				blocks = true // the default client has no timeout, and the stop does not reach it
				return false
			}
			if d, ok := p.Program.declOf(fn); ok && depth == 0 {
				blocks = blocks || blocksOnChan(d.pass.Info, d.fd.Body)
			} else if ok {
				l, b := d.pass.leavesOn(d.fd.Body, closed, cancelled, depth-1, token.NoPos)
				leaves, blocks = leaves || l, blocks || b
			}
		}
		return true
	})
	return leaves, blocks
}

// closesEach reports whether loop ranges over a slice, array or map (not a
// channel) and does nothing but close the channels it holds.
func closesEach(info *types.Info, loop *ast.RangeStmt) bool {
	if _, ok := info.TypeOf(loop.X).Underlying().(*types.Chan); ok || len(loop.Body.List) == 0 {
		return false
	}
	for _, s := range loop.Body.List {
		e, ok := s.(*ast.ExprStmt)
		if !ok {
			return false
		}
		if call, ok := e.X.(*ast.CallExpr); !ok || !isBuiltinClose(info, call) {
			return false
		}
	}
	return true
}

// configuredDelay reports whether the duration d is a setting of the
// worker's own value, not something a job brings: a field reached from
// the method's receiver (c.options.RetryDelay) that the program (outside
// test files) sets only to constants within the grace period
// (drainpath.BoundsDrain) or to a parameter (an option func's, the
// setting its users chose), and sets at least once. A sleep that long
// ends by itself within the grace period, as a forced exit's configured
// delay does.
func (p *Pass) configuredDelay(d ast.Expr) bool {
	sel, ok := ast.Unparen(d).(*ast.SelectorExpr)
	if !ok {
		return false
	}
	s, ok := p.Info.Selections[sel]
	if !ok || s.Kind() != types.FieldVal || !isNamed(s.Obj().Type(), "time", "Duration") {
		return false
	}
	// Rooted at the receiver of the method holding it.
	root := sel.X
	for {
		inner, ok := ast.Unparen(root).(*ast.SelectorExpr)
		if !ok {
			break
		}
		root = inner.X
	}
	id, ok := ast.Unparen(root).(*ast.Ident)
	fn := p.enclosingFunc(d.Pos())
	if !ok || fn == nil || fn.Signature().Recv() == nil || p.Info.Uses[id] != fn.Signature().Recv() {
		return false
	}
	return p.Program.delaySetting(s.Obj().(*types.Var).Origin())
}

// delaySetting reports whether every value the program (outside test
// files) gives the time.Duration field v is a constant that bounds a
// drain (drainpath.BoundsDrain) or a parameter of the function doing it,
// and it gives one.
func (p *Program) delaySetting(v *types.Var) bool {
	p.delayMu.Lock()
	defer p.delayMu.Unlock()
	if b, ok := p.delay[v]; ok {
		return b
	}
	if p.delay == nil {
		p.delay = map[*types.Var]bool{}
	}
	b := p.findDelaySetting(v)
	p.delay[v] = b
	return b
}

func (p *Program) findDelaySetting(v *types.Var) bool {
	set, ok := 0, true
	check := func(pass *Pass, val ast.Expr) {
		set++
		if tv := pass.Info.Types[val]; tv.Value != nil {
			ok = ok && drainpath.BoundsDrain(pass.Info, val)
			return
		}
		id, isID := ast.Unparen(val).(*ast.Ident)
		pv, _ := pass.Info.Uses[id].(*types.Var)
		if !isID || pv == nil {
			ok = false
			return
		}
		if fn, _ := pass.paramIndex(pv); fn == nil {
			ok = false
		}
	}
	for _, pass := range p.Packages {
		for _, f := range pass.ownedFiles() {
			if !ok || pass.inTestFile(f) {
				continue
			}
			ast.Inspect(f, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.KeyValueExpr:
					if fieldVarOf(pass.Info, n.Key) == v {
						check(pass, n.Value)
					}
				case *ast.AssignStmt:
					for i, l := range n.Lhs {
						if fieldVarOf(pass.Info, l) != v {
							continue
						}
						if len(n.Lhs) != len(n.Rhs) || n.Tok != token.ASSIGN {
							ok = false
							continue
						}
						check(pass, n.Rhs[i])
					}
				case *ast.UnaryExpr:
					if n.Op == token.AND && fieldVarOf(pass.Info, n.X) == v {
						ok = false // set through a pointer: unknown
					}
				}
				return ok
			})
		}
	}
	return ok && set > 0
}

// bufferedChan reports whether every channel of type t (its element
// type, whatever its direction) that the program makes outside test files
// is made with a constant capacity above zero, and it makes some: a send
// on one waits only while the buffer is full.
func (p *Program) bufferedChan(t types.Type) bool {
	if t == nil || p == nil {
		return false
	}
	ch, ok := types.Unalias(t).Underlying().(*types.Chan)
	if !ok {
		return false
	}
	p.bufferedOnce.Do(func() {
		p.buffered = map[string]bool{}
		for _, pass := range p.Packages {
			for _, f := range pass.ownedFiles() {
				if pass.isTestFile(f) {
					continue
				}
				ast.Inspect(f, func(n ast.Node) bool {
					call, ok := n.(*ast.CallExpr)
					if !ok || !pass.isMakeChan(call) {
						return true
					}
					c := pass.Info.TypeOf(call.Args[0]).Underlying().(*types.Chan)
					key := types.TypeString(c.Elem(), nil)
					buffered := false
					if len(call.Args) > 1 {
						if v := pass.Info.Types[call.Args[1]].Value; v != nil && constant.Sign(v) > 0 {
							buffered = true
						}
					}
					if prev, seen := p.buffered[key]; !seen || prev {
						p.buffered[key] = buffered
					}
					return true
				})
			}
		}
	})
	return p.buffered[types.TypeString(ch.Elem(), nil)]
}

// timerChan reports whether x is the channel of a timer: time.After(d),
// or the C of a *time.Timer or *time.Ticker. A select with a case on one
// waits at most that long (a send raced against a 50ms timer).
func (p *Pass) timerChan(x ast.Expr) bool {
	x = ast.Unparen(x)
	if call, ok := x.(*ast.CallExpr); ok {
		fn := callee(p.Info, call)
		return fn != nil && fn.Pkg() != nil && fn.Pkg().Path() == "time" && fn.Signature().Recv() == nil && (fn.Name() == "After" || fn.Name() == "Tick")
	}
	sel, ok := x.(*ast.SelectorExpr)
	if !ok || sel.Sel.Name != "C" {
		return false
	}
	t := p.Info.TypeOf(sel.X)
	if ptr, ok := t.(*types.Pointer); ok {
		t = ptr.Elem()
	}
	return isNamed(t, "time", "Timer") || isNamed(t, "time", "Ticker")
}

// emptiesQueue reports whether loop is "for { select { case v := <-q:
// ...; default: return } }": it takes what is queued without waiting for
// more, and its select's default leaves the loop (a return, or a labelled
// break out of it), so it ends once the queue is empty.
func emptiesQueue(loop *ast.ForStmt) bool {
	if loop.Cond != nil || len(loop.Body.List) != 1 {
		return false
	}
	sel, ok := loop.Body.List[0].(*ast.SelectStmt)
	if !ok {
		return false
	}
	for _, cc := range sel.Body.List {
		cc := cc.(*ast.CommClause)
		if cc.Comm != nil || len(cc.Body) == 0 {
			continue
		}
		switch last := cc.Body[len(cc.Body)-1].(type) {
		case *ast.ReturnStmt:
			return true
		case *ast.BranchStmt:
			// An unlabelled break leaves only the select.
			return last.Label != nil && last.Tok == token.BREAK
		}
	}
	return false
}

// callsPeer reports whether body, or a function of the program it calls
// (depth levels down, not through go statements), waits on a peer: an
// HTTP request (an *http.Client's Do, Get, Head, Post or PostForm, or
// the package's functions of those names), a read or write on a
// net.Conn, or a database/sql query or exec.
func (p *Pass) callsPeer(body ast.Node, depth int) bool {
	found := false
	ast.Inspect(body, func(n ast.Node) bool {
		if found {
			return false
		}
		switch n := n.(type) {
		case *ast.GoStmt:
			return false
		case *ast.CallExpr:
			fn := callee(p.Info, n)
			if fn == nil {
				return true
			}
			if isPeerCall(fn) {
				found = true
			} else if d, ok := p.Program.declOf(fn); ok && depth > 0 {
				found = d.pass.callsPeer(d.fd.Body, depth-1)
			}
		}
		return !found
	})
	return found
}

// isPeerCall reports whether a call of fn waits on a peer (callsPeer).
func isPeerCall(fn *types.Func) bool {
	http := []string{"Do", "Get", "Head", "Post", "PostForm"}
	sqlOps := []string{"Exec", "ExecContext", "Query", "QueryContext", "QueryRow", "QueryRowContext"}
	return isMethod(fn, "net/http", "Client", http...) || isFunc(fn, "net/http", http[1:]...) ||
		isMethod(fn, "net", "Conn", "Read", "Write") ||
		isMethod(fn, "database/sql", "DB", sqlOps...) || isMethod(fn, "database/sql", "Tx", sqlOps...) ||
		isMethod(fn, "database/sql", "Conn", sqlOps...) || isMethod(fn, "database/sql", "Stmt", sqlOps...)
}

// handshakeEnd returns where a worker's start-up ends: the first loop
// among the statements of its body. A send before it (ready <- err, the
// start-up handshake its starter waits for) happened long before the
// drain; NoPos when the body has no loop at its top level.
func handshakeEnd(body *ast.BlockStmt) token.Pos {
	for _, s := range body.List {
		switch s.(type) {
		case *ast.ForStmt, *ast.RangeStmt:
			return s.Pos()
		}
	}
	return token.NoPos
}

// returnsAtOnce reports whether a loop body always returns in its first
// pass: it ends in a return and holds no loop, continue or break (for
// range quit { return }, which leaves on the first value or the close).
func returnsAtOnce(body *ast.BlockStmt) bool {
	if len(body.List) == 0 {
		return false
	}
	if _, ok := body.List[len(body.List)-1].(*ast.ReturnStmt); !ok {
		return false
	}
	other := false
	ast.Inspect(body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit:
			return false
		case *ast.ForStmt, *ast.RangeStmt, *ast.SelectStmt, *ast.SwitchStmt, *ast.TypeSwitchStmt:
			other = true
		case *ast.BranchStmt:
			other = other || n.Tok == token.CONTINUE || n.Tok == token.BREAK || n.Tok == token.GOTO
		}
		return !other
	})
	return !other
}

// fieldsOf returns the keys of the fields e denotes (through & and
// parens): fieldKey of e itself, or, for a call x.M() of an accessor (a
// method of the program whose body is just return r.f or return &r.f), the
// field it returns; through an interface, the fields returned by every
// accessor of that name in the program whose type implements it.
func (p *Pass) fieldsOf(e ast.Expr) []string {
	e = ast.Unparen(e)
	if u, ok := e.(*ast.UnaryExpr); ok && u.Op == token.AND {
		e = ast.Unparen(u.X)
	}
	if k := fieldKey(p.Info, e); k != "" {
		return []string{k}
	}
	call, ok := e.(*ast.CallExpr)
	if !ok || len(call.Args) != 0 {
		return nil
	}
	fn := callee(p.Info, call)
	if fn == nil || fn.Signature().Recv() == nil {
		return nil
	}
	impls := []*types.Func{fn}
	if iface, ok := fn.Signature().Recv().Type().Underlying().(*types.Interface); ok {
		impls = nil
		for _, m := range p.Program.methodsNamed(fn.Name()) {
			if implementsIface(m, iface) {
				impls = append(impls, m)
			}
		}
	}
	var keys []string
	for _, m := range impls {
		d, ok := p.Program.declOf(m)
		if !ok || len(d.fd.Body.List) != 1 {
			continue
		}
		ret, ok := d.fd.Body.List[0].(*ast.ReturnStmt)
		if !ok || len(ret.Results) != 1 {
			continue
		}
		r := ast.Unparen(ret.Results[0])
		if u, ok := r.(*ast.UnaryExpr); ok && u.Op == token.AND {
			r = ast.Unparen(u.X)
		}
		if k := fieldKey(d.pass.Info, r); k != "" {
			keys = append(keys, k)
		}
	}
	return keys
}

// implementsIface reports whether the receiver type of the method fn, or
// a pointer to it, implements iface.
func implementsIface(fn *types.Func, iface *types.Interface) bool {
	t := fn.Signature().Recv().Type()
	if types.Implements(t, iface) {
		return true
	}
	_, isPtr := t.(*types.Pointer)
	return !isPtr && types.Implements(types.NewPointer(t), iface)
}

// blocksOnChan reports whether body sends on or receives from a channel
// outside a select with a default; a start-up handshake (handshakeRecv)
// does not count.
func blocksOnChan(info *types.Info, body *ast.BlockStmt) bool {
	started := startedChans(info, body)
	found := false
	ast.Inspect(body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit:
			return false
		case *ast.SelectStmt:
			if hasDefault(n) {
				return false
			}
		case *ast.SendStmt:
			found = true
		case *ast.UnaryExpr:
			found = found || n.Op == token.ARROW && !handshakeRecv(info, started, n)
		}
		return !found
	})
	return found
}

// startedChans returns the channels declared in body that a go statement
// of body hands to the goroutine it starts (as an argument, or captured),
// each with where the first such statement is.
func startedChans(info *types.Info, body *ast.BlockStmt) map[types.Object]token.Pos {
	started := map[types.Object]token.Pos{}
	ast.Inspect(body, func(n ast.Node) bool {
		g, ok := n.(*ast.GoStmt)
		if !ok {
			return true
		}
		ast.Inspect(g.Call, func(n ast.Node) bool {
			id, ok := n.(*ast.Ident)
			if !ok {
				return true
			}
			v, ok := info.Uses[id].(*types.Var)
			if !ok || v.IsField() || v.Pos() < body.Pos() || v.Pos() >= body.End() {
				return true
			}
			if _, isChan := v.Type().Underlying().(*types.Chan); isChan {
				if _, seen := started[v]; !seen {
					started[v] = g.Pos()
				}
			}
			return true
		})
		return false
	})
	return started
}

// handshakeRecv reports whether the receive u is the start-up handshake
// with a goroutine started before it (ready := make(chan error, 1); go
// w.run(ready); err := <-ready): it waits for the goroutine to start, not
// for work, and the goroutine answers once it runs.
func handshakeRecv(info *types.Info, started map[types.Object]token.Pos, u *ast.UnaryExpr) bool {
	id, ok := ast.Unparen(u.X).(*ast.Ident)
	if !ok {
		return false
	}
	at, ok := started[info.Uses[id]]
	return ok && at < u.Pos()
}
