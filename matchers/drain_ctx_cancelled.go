package matchers

import (
	"go/ast"
	"go/token"
	"go/types"
	"path/filepath"
	"slices"
	"strconv"
)

// DrainCtxCancelled: a deadline or cancel context derived from a context
// that is already done.
//
// A context made by context.WithTimeout, WithDeadline or WithCancel (or
// their Cause variants) is cancelled as soon as its parent is. After
// <-ctx.Done() (a statement before it in an enclosing block, the select
// case that waited for ctx, or a select whose every way on waited for ctx)
// ctx is done, so a drain deadline derived from it, or from a context
// derived from it, has no time at all: Shutdown returns context.Canceled at
// once and drops every request in flight. The parent is kept, but without
// its cancellation: context.WithoutCancel (Go 1.21) keeps its values; older
// files get context.Background().
//
//	<-ctx.Done()
//	drainCtx, cancel := context.WithTimeout(ctx, 25*time.Second)                        // bad
//
//	<-ctx.Done()
//	drainCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 25*time.Second) // good
func DrainCtxCancelled(p *Pass) []Finding {
	if !imports(p.Pkg, "context") {
		return nil
	}
	d := &lazyDerivations{p: p}
	var found []Finding
	for _, f := range p.Owned {
		p.inspectCallees(f, func(n ast.Node, fn *types.Func) bool {
			call, ok := n.(*ast.CallExpr)
			if ok && len(call.Args) > 0 && p.ctxDrain(fn, 2) {
				if fd, ok := p.doneCtxDrain(call, fn, d); ok {
					found = append(found, fd)
				}
				return true
			}
			if ok && len(call.Args) > 0 {
				if at := p.Program.drainDeadlineOf(fn); at != "" {
					if fd, ok := p.doneCtxHelper(call, at, d); ok {
						found = append(found, fd)
					}
					return true
				}
			}
			if !ok || !isCancelCtx(call, fn) {
				return true
			}
			path := p.pathTo(call)
			done, chain, ok := p.doneParent(path, call, d)
			if !ok {
				if fd, ok := p.signalCtxDrain(call, path, d); ok {
					found = append(found, fd)
				}
				return true
			}
			parent := types.ExprString(call.Args[0])
			fix, why := p.drainCtxFix(call, chain, d)
			base := fix.replacement(parent)
			fd := Finding{
				Pos: call.Args[0].Pos(), End: call.Args[0].End(),
				Message: "context." + callee(p.Info, call).Name() + " derives from " + parent +
					", which is already done here (after <-" + done + ".Done()): the new context is cancelled at once and the drain gets no time; derive from " + base,
			}
			fd = withFix(fd, fix, why)
			found = append(found, fd)
			return true
		}, (*ast.CallExpr)(nil))
	}
	return found
}

// doneCtxDrain reports the drain call (ctxDrain) given, as its context,
// one that is surely done there (doneParent): the context a sure wait
// received from, or one derived from it. The drain returns at once. The
// fix gives it a deadline of its own, made where the drain starts, as
// shutdown-no-deadline's does (one budget per drain sequence), on
// context.Background() when the done context carries no values, or the
// drain is net/http's (which reads none).
func (p *Pass) doneCtxDrain(call *ast.CallExpr, fn *types.Func, l *lazyDerivations) (Finding, bool) {
	path := p.pathTo(call)
	done, chain, ok := p.doneParent(path, call, l)
	// A deadline made before the wait, and so done with it, is
	// deadline-before-signal's business.
	if !ok || chain.derived || p.inTestFunc(call) || p.ownBudget(call) {
		return Finding{}, false
	}
	arg := types.ExprString(call.Args[0])
	when := "here (after <-" + done + ".Done())"
	if deferred(path) {
		when = "when this deferred call runs (its function returns after <-" + done + ".Done())"
	}
	fd := Finding{
		Pos: call.Args[0].Pos(), End: call.Args[0].End(),
		Message: types.ExprString(call.Fun) + " is given " + arg + ", which is already done " + when + ": it returns at once and drops the work in flight; give the drain a deadline of its own, made after the wait",
	}
	from := ""
	if !isMethod(fn, "net/http", "Server", "Shutdown") && !chain.values {
		from = p.mayCarryValues(chain.done, chain.doneName, l.get())
	}
	switch {
	case chain.values && !isMethod(fn, "net/http", "Server", "Shutdown"):
		fd.NoFix = "the context carries values (context.WithValue) that a deadline on context.Background() would drop"
	case from != "":
		fd.NoFix = "the context may carry values (from " + from + ") that a deadline on context.Background() would drop"
	case deferred(path):
		fd.NoFix = harmlessDeferredDrain
	default:
		d, why := p.deadlineFix(path, nil)
		if why == "" && d.Reuse == "" && !slices.Contains(stmtList(d.Place.Block), d.Place.Stmt) {
			why = "the call is not inside a statement list"
		}
		if why != "" {
			fd.NoFix = why
		} else {
			fd.Fix = &ShutdownNoDeadlineFix{Call: call, Deadline: d}
		}
	}
	return fd, true
}

// doneCtxHelper reports the call of a function that derives its drain's
// deadline from its context parameter (drainDeadlineOf; at says where)
// given a context that is surely done there: the deadline is done as soon
// as it is made. The fix passes context.WithoutCancel of the done context
// (its values kept, its cancellation dropped), so the helper's own budget
// starts when it is called; context.Background() in files older than
// go1.21, where that drops nothing.
func (p *Pass) doneCtxHelper(call *ast.CallExpr, at string, l *lazyDerivations) (Finding, bool) {
	path := p.pathTo(call)
	done, chain, ok := p.doneParent(path, call, l)
	if !ok || chain.derived || p.inTestFunc(call) || p.ownBudget(call) {
		return Finding{}, false
	}
	arg := types.ExprString(call.Args[0])
	fix, why := p.drainCtxFix(call, chain, l)
	base := fix.replacement(arg)
	fd := Finding{
		Pos: call.Args[0].Pos(), End: call.Args[0].End(),
		Message: types.ExprString(call.Fun) + " is given " + arg + ", which is already done here (after <-" + done +
			".Done()), and derives its drain's deadline from it (" + at + "): that deadline is done at once and the drain gets no time; pass " + base,
	}
	return withFix(fd, fix, why), true
}

// signalCtxDrain reports a drain deadline derived, in code that runs after
// the stop (drainpath's Runs), from the signal context itself though no
// wait for it is in sight: a field or package variable holding the context of
// signal.NotifyContext (drainpath's SignalCtx), the <-ctx.Done() in another
// function. When the drain runs on the signal, that context is done, so
// the deadline is too. Only a deadline handed to a drain (ctxDrain) in the
// same function is reported.
func (p *Pass) signalCtxDrain(call *ast.CallExpr, path []ast.Node, l *lazyDerivations) (Finding, bool) {
	m := p.Program.Drain()
	parent := call.Args[0]
	if m == nil || p.inTestFunc(call) || !m.SignalCtx(p.Info, parent) {
		return Finding{}, false
	}
	fn := p.enclosingFunc(call.Pos())
	if !m.Runs(call.Pos(), fn) || !p.handedToDrain(path, call) {
		return Finding{}, false
	}
	// A local context of this function is the local analysis' business
	// (doneParent: a child made after the wait is reported where it is
	// made, not again where it is used), and a parameter its callers'
	// (a caller handing a done context is reported at the call, by
	// doneCtxHelper): only fields and package variables are left.
	if id, ok := ast.Unparen(parent).(*ast.Ident); ok {
		if v, ok := p.Info.Uses[id].(*types.Var); ok && v.Parent() != p.Pkg.Scope() {
			return Finding{}, false
		}
	}
	text := types.ExprString(parent)
	chain := derivChain{done: refKey(p.Info, parent), doneName: text}
	fix, why := p.drainCtxFix(call, chain, l)
	base := fix.replacement(text)
	fd := Finding{
		Pos: call.Args[0].Pos(), End: call.Args[0].End(),
		Message: "context." + callee(p.Info, call).Name() + " derives from " + text +
			", the signal context (signal.NotifyContext), which is done whenever this drain runs on the signal: the new context is cancelled at once and the drain gets no time; derive from " + base,
	}
	return withFix(fd, fix, why), true
}

// handedToDrain reports whether the context that call (a cancelling
// derivation, at path) defines is handed, later in the same function, as
// the first argument to a drain (ctxDrain).
func (p *Pass) handedToDrain(path []ast.Node, call *ast.CallExpr) bool {
	if len(path) < 2 {
		return false
	}
	as, ok := path[1].(*ast.AssignStmt)
	if !ok || len(as.Lhs) != 2 || len(as.Rhs) != 1 || ast.Unparen(as.Rhs[0]) != call {
		return false
	}
	id, ok := as.Lhs[0].(*ast.Ident)
	v := p.Info.ObjectOf(id)
	body, _ := funcBody(path)
	if !ok || v == nil || body == nil {
		return false
	}
	found := false
	ast.Inspect(body, func(n ast.Node) bool {
		c, ok := n.(*ast.CallExpr)
		if found || !ok || c.Pos() < call.End() || len(c.Args) == 0 {
			return !found
		}
		if a, ok := ast.Unparen(c.Args[0]).(*ast.Ident); ok && p.Info.ObjectOf(a) == v && p.ctxDrain(callee(p.Info, c), 1) {
			found = true
		}
		return !found
	})
	return found
}

// drainDeadlineOf returns where fn, a function of the program whose first
// parameter is a context, derives from that parameter (not in a func
// literal) a deadline or cancel context (context.WithTimeout and the like)
// that it then hands, as the first argument, to a drain (ctxDrain): a
// shutdown helper's own budget,
//
//	func shutdown(ctx context.Context, srv *http.Server) error {
//		ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
//		defer cancel()
//		return srv.Shutdown(ctx)
//	}
//
// as "context.WithTimeout at file:line", or "". Answers are cached.
func (p *Program) drainDeadlineOf(fn *types.Func) string {
	if fn == nil || fn.Signature().Params().Len() == 0 || !isContext(fn.Signature().Params().At(0).Type()) {
		return ""
	}
	d, ok := p.declOf(fn)
	if !ok {
		return ""
	}
	p.helperMu.Lock()
	defer p.helperMu.Unlock()
	if at, ok := p.helper[fn.Origin()]; ok {
		return at
	}
	if p.helper == nil {
		p.helper = map[*types.Func]string{}
	}
	at := d.pass.drainDeadline(d.fd)
	p.helper[fn.Origin()] = at
	return at
}

// drainDeadline is drainDeadlineOf's search in the declaration fd.
func (p *Pass) drainDeadline(fd *ast.FuncDecl) string {
	if fd.Body == nil || fd.Type.Params == nil || len(fd.Type.Params.List) == 0 || len(fd.Type.Params.List[0].Names) == 0 {
		return ""
	}
	param := p.Info.Defs[fd.Type.Params.List[0].Names[0]]
	uses := func(e ast.Expr, v types.Object) bool {
		id, ok := ast.Unparen(e).(*ast.Ident)
		return ok && v != nil && p.Info.ObjectOf(id) == v
	}
	// The contexts derived from the parameter, and where.
	derived := map[types.Object]*ast.CallExpr{}
	at := ""
	ast.Inspect(fd.Body, func(n ast.Node) bool {
		if at != "" {
			return false
		}
		switch n := n.(type) {
		case *ast.FuncLit:
			return false
		case *ast.AssignStmt:
			if len(n.Lhs) != 2 || len(n.Rhs) != 1 {
				return true
			}
			c, ok := ast.Unparen(n.Rhs[0]).(*ast.CallExpr)
			if !ok || !isCancelCtxCall(p.Info, c) || !uses(c.Args[0], param) {
				return true
			}
			if id, ok := n.Lhs[0].(*ast.Ident); ok && p.Info.ObjectOf(id) != nil {
				derived[p.Info.ObjectOf(id)] = c
			}
		case *ast.CallExpr:
			if len(n.Args) == 0 {
				return true
			}
			for v, c := range derived {
				if uses(n.Args[0], v) && c.End() <= n.Pos() && p.ctxDrain(callee(p.Info, n), 1) {
					pos := p.Fset.Position(c.Pos())
					at = "context." + callee(p.Info, c).Name() + " at " + filepath.Base(pos.Filename) + ":" + strconv.Itoa(pos.Line)
				}
			}
		}
		return at == ""
	})
	return at
}

// ownBudget reports whether the context the drain call is given is a
// parameter of the drain method holding the call (Stop(ctx), Shutdown(ctx),
// not in a func literal): the budget its caller gave the drain. Done, it
// says the time is up, and a Shutdown then is the hard end of the drain
// (return srv.Shutdown(ctx) after waiting out the budget), not a drain
// given no time; a fresh deadline would overrun the caller's. Where that
// context is the stop signal itself, the caller's call is the finding.
func (p *Pass) ownBudget(call *ast.CallExpr) bool {
	id, ok := ast.Unparen(call.Args[0]).(*ast.Ident)
	v, _ := p.Info.Uses[id].(*types.Var)
	fn := p.enclosingFunc(call.Pos())
	return ok && v != nil && fn != nil && isWaitDrainName(fn.Name()) && !p.inFuncLit(call.Pos()) &&
		fn.Signature().Params().Len() > 0 && fn.Signature().Params().At(0) == v
}

// ctxDrain reports whether fn drains and ends early when its context
// argument is done: (*http.Server).Shutdown; a method out of the
// program's sight named Shutdown or ShutdownWithContext whose first
// parameter is a context (a web framework's, which hands it to net/http);
// or a method of the program named as a drain (those, Stop, Drain,
// Close, GracefulStop) whose first parameter is a context that it waits
// on (<-ctx.Done()) or hands, as the first argument, to such a drain
// (depth calls down).
func (p *Pass) ctxDrain(fn *types.Func, depth int) bool {
	if fn == nil {
		return false
	}
	if isMethod(fn, "net/http", "Server", "Shutdown") {
		return true
	}
	switch fn.Name() {
	case "Shutdown", "ShutdownWithContext", "Stop", "Drain", "Close", "GracefulStop":
	default:
		return false
	}
	sig := fn.Signature()
	if sig.Recv() == nil || sig.Params().Len() == 0 || !isContext(sig.Params().At(0).Type()) {
		return false
	}
	d, ok := p.Program.declOf(fn)
	if !ok {
		return fn.Name() == "Shutdown" || fn.Name() == "ShutdownWithContext"
	}
	if depth == 0 || d.fd.Type.Params == nil || len(d.fd.Type.Params.List) == 0 || len(d.fd.Type.Params.List[0].Names) == 0 {
		return false
	}
	param := d.pass.Info.Defs[d.fd.Type.Params.List[0].Names[0]]
	// A drain that sets its context anew (ctx, cancel =
	// context.WithTimeout(context.WithoutCancel(ctx), d)) waits on a
	// budget of its own, not on the one it is given.
	if v, ok := param.(*types.Var); ok && assignsTo(d.pass.Info, d.fd.Body, v, nil) {
		return false
	}
	isParam := func(e ast.Expr) bool {
		id, ok := ast.Unparen(e).(*ast.Ident)
		return ok && param != nil && d.pass.Info.Uses[id] == param
	}
	found := false
	ast.Inspect(d.fd.Body, func(n ast.Node) bool {
		if found {
			return false
		}
		switch n := n.(type) {
		case *ast.FuncLit:
			return false
		case *ast.UnaryExpr:
			if call, ok := ast.Unparen(n.X).(*ast.CallExpr); ok && n.Op == token.ARROW && d.pass.doneOf(call) != "" {
				found = isParam(ast.Unparen(call.Fun).(*ast.SelectorExpr).X)
			}
		case *ast.CallExpr:
			if len(n.Args) > 0 && isParam(n.Args[0]) {
				found = d.pass.ctxDrain(callee(d.pass.Info, n), depth-1)
			}
		}
		return !found
	})
	return found
}

// A DrainCtxFix replaces the parent argument of Call with
// context.WithoutCancel(parent), or with context.Background() when
// Background is set (files older than go1.21).
type DrainCtxFix struct {
	Call       *ast.CallExpr
	Background bool
}

// replacement says, for the message, what the fix f puts in place of the
// done parent text: context.WithoutCancel(text), context.Background(), or,
// with no fix, a context that is not done.
func (f *DrainCtxFix) replacement(text string) string {
	switch {
	case f == nil:
		return "a context that is not done"
	case f.Background:
		return "context.Background()"
	}
	return "context.WithoutCancel(" + text + ")"
}

// drainCtxFix chooses the replacement of call's parent. chain says how the
// parent was reached from the done context.
func (p *Pass) drainCtxFix(call *ast.CallExpr, chain derivChain, l *lazyDerivations) (*DrainCtxFix, string) {
	if fn := callee(p.Info, call); isFunc(fn, "context", "WithCancel", "WithCancelCause") {
		if at := p.cancelFeedsDrain(call); at != "" {
			return nil, "context." + fn.Name() + " adds no deadline, and " + at + " takes the new context as it is: derived from a context that is not done, that drain would wait with no limit; derive a deadline (context.WithTimeout) from context.WithoutCancel(" + types.ExprString(call.Args[0]) + ") for it instead"
		}
	}
	if p.AtLeast(call.Pos(), "go1.21") {
		return &DrainCtxFix{Call: call}, ""
	}
	if chain.values {
		return nil, "context.WithoutCancel needs go1.21, and context.Background() would drop the values set by context.WithValue"
	}
	if from := p.mayCarryValues(chain.done, chain.doneName, l.get()); from != "" {
		return nil, "context.WithoutCancel needs go1.21, and context.Background() would drop the values the context may carry from " + from
	}
	if name := p.lastUseIn(call.Args[0]); name != "" {
		return nil, "context.WithoutCancel needs go1.21, and context.Background() would leave " + name + " unused"
	}
	return &DrainCtxFix{Call: call, Background: true}, ""
}

// mayCarryValues follows the context of refKey k up through its
// derivations and returns where it may get values from (a context.WithValue,
// a parameter or a field, another call), or "" when it reaches
// context.Background() or TODO() only through contexts that add none
// (WithCancel and the like, signal.NotifyContext).
func (p *Pass) mayCarryValues(k, name string, d ctxDerivations) string {
	for range 20 {
		dv, ok := d.of[k]
		if !ok || d.reassigned[k] {
			return name + " (a parameter, a field, or a variable assigned more than once)"
		}
		if dv.value {
			return "context.WithValue"
		}
		parent := ast.Unparen(dv.parent)
		if c, ok := parent.(*ast.CallExpr); ok {
			if isFunc(callee(p.Info, c), "context", "Background", "TODO") {
				return ""
			}
			if isFunc(callee(p.Info, c), "context", "WithValue") {
				return "context.WithValue"
			}
			return types.ExprString(c.Fun) + "()"
		}
		k, name = refKey(p.Info, parent), types.ExprString(parent)
		if k == "" {
			return name
		}
	}
	return "a long chain of contexts"
}

// cancelCtxFuncs are the context functions whose result is cancelled with
// its parent, and which return a cancel func.
var cancelCtxFuncs = []string{
	"WithCancel", "WithCancelCause",
	"WithTimeout", "WithTimeoutCause",
	"WithDeadline", "WithDeadlineCause",
}

// isCancelCtxCall reports whether call is context.WithTimeout, WithDeadline,
// WithCancel or one of their Cause variants.
func isCancelCtxCall(info *types.Info, call *ast.CallExpr) bool {
	return isCancelCtx(call, callee(info, call))
}

// isCancelCtx is isCancelCtxCall for a call whose callee fn is known.
func isCancelCtx(call *ast.CallExpr, fn *types.Func) bool {
	return len(call.Args) > 0 && isFunc(fn, "context", cancelCtxFuncs...)
}

// A derivation is a local context variable defined once from a parent
// context: v := context.WithValue(parent, k, x) or
// v, cancel := context.WithCancel(parent) (and the like).
type derivation struct {
	call   *ast.CallExpr
	parent ast.Expr
	value  bool // WithValue: v.Done() is parent.Done()
}

// ctxDerivations is what the rule knows of the package's context variables.
type ctxDerivations struct {
	of         map[string]derivation // by refKey of the variable
	reassigned map[string]bool       // refKeys assigned after their definition, or whose address is taken
}

// lazyDerivations computes the package's ctxDerivations on first use: most
// packages have no context wait before a derivation, and the look-up costs
// a key per assignment.
type lazyDerivations struct {
	p *Pass
	d *ctxDerivations
}

func (l *lazyDerivations) get() ctxDerivations {
	if l.d == nil {
		d := l.p.ctxDerivations()
		l.d = &d
	}
	return *l.d
}

// ctxDerivations returns the derivations of the package's context
// variables, and which variables and field chains are ever reassigned.
func (p *Pass) ctxDerivations() ctxDerivations {
	d := ctxDerivations{of: map[string]derivation{}, reassigned: map[string]bool{}}
	define := func(id *ast.Ident, rhs ast.Expr) {
		v, ok := p.Info.Defs[id].(*types.Var)
		if !ok || !isContext(v.Type()) {
			return
		}
		call, ok := ast.Unparen(rhs).(*ast.CallExpr)
		if !ok || len(call.Args) == 0 {
			return
		}
		switch fn := callee(p.Info, call); {
		case isFunc(fn, "context", "WithValue"):
			d.of[ptr(v)] = derivation{call: call, parent: call.Args[0], value: true}
		case isFunc(fn, "context", cancelCtxFuncs...), isFunc(fn, "os/signal", "NotifyContext"):
			d.of[ptr(v)] = derivation{call: call, parent: call.Args[0]}
		}
	}
	for _, f := range p.Files {
		p.inspectFile(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.AssignStmt:
				for i, lhs := range n.Lhs {
					if id, ok := lhs.(*ast.Ident); ok && p.Info.Defs[id] != nil {
						if n.Tok == token.DEFINE && i == 0 && len(n.Rhs) == 1 {
							define(id, n.Rhs[0])
						} else if len(n.Lhs) == len(n.Rhs) {
							define(id, n.Rhs[i])
						}
						continue
					}
					if k := refKey(p.Info, lhs); k != "" {
						d.reassigned[k] = true
					}
				}
			case *ast.ValueSpec:
				for i, id := range n.Names {
					if len(n.Names) == len(n.Values) {
						define(id, n.Values[i])
					} else if i == 0 && len(n.Values) == 1 {
						define(id, n.Values[0])
					}
				}
			case *ast.UnaryExpr:
				if n.Op == token.AND {
					if k := refKey(p.Info, n.X); k != "" {
						d.reassigned[k] = true
					}
				}
			}
			return true
		}, (*ast.AssignStmt)(nil), (*ast.ValueSpec)(nil), (*ast.UnaryExpr)(nil))
	}
	for k := range d.reassigned {
		delete(d.of, k)
	}
	return d
}

// A derivChain is how a parent context was reached from a done context.
type derivChain struct {
	values   bool   // through context.WithValue
	derived  bool   // through a With* context that cancels (made before the wait)
	done     string // the refKey of the done context the chain reaches
	doneName string // its text
}

// doneParent reports whether the parent argument of call, at path, is a
// context that is surely done there: the context a sure wait received from,
// or one derived from it. It returns the waited context's text.
func (p *Pass) doneParent(path []ast.Node, call *ast.CallExpr, l *lazyDerivations) (string, derivChain, bool) {
	waits := p.waitsBefore(path)
	if _, ok := deferredAt(path); ok {
		waits = append(waits, p.deferredWaits(path)...)
	}
	sure := func(w wait) bool { return w.sure && !w.signal && w.ctx != "" && w.ctx != "?" }
	if !slices.ContainsFunc(waits, sure) {
		return "", derivChain{}, false
	}
	d := l.get()
	done := map[string]string{} // done context → the context whose Done was received
	for _, w := range waits {
		if !sure(w) || d.reassigned[w.ctx] {
			continue
		}
		// A WithValue context's Done is its parent's.
		for k := w.ctx; k != "" && done[k] == ""; {
			done[k] = w.ctx
			dv, ok := d.of[k]
			if !ok || !dv.value {
				break
			}
			k = refKey(p.Info, dv.parent)
		}
	}
	if len(done) == 0 {
		return "", derivChain{}, false
	}
	var chain derivChain
	e := call.Args[0]
	for range 20 {
		e = ast.Unparen(e)
		if c, ok := e.(*ast.CallExpr); ok && len(c.Args) > 0 && isFunc(callee(p.Info, c), "context", "WithValue") {
			chain.values = true
			e = c.Args[0]
			continue
		}
		k := refKey(p.Info, e)
		if k == "" || d.reassigned[k] {
			return "", derivChain{}, false
		}
		if w := done[k]; w != "" {
			chain.done, chain.doneName = k, types.ExprString(e)
			return doneText(p, path, w), chain, true
		}
		dv, ok := d.of[k]
		if !ok {
			return "", derivChain{}, false
		}
		if !dv.value && isCancelCtxCall(p.Info, dv.call) {
			// A context derived after its parent was done is reported where it
			// is derived; do not report it again through its children.
			if _, _, again := p.doneParent(p.pathTo(dv.call), dv.call, l); again {
				return "", derivChain{}, false
			}
		}
		chain.values = chain.values || dv.value
		chain.derived = chain.derived || !dv.value
		e = dv.parent
	}
	return "", derivChain{}, false
}

// doneText returns how the done context with refKey k is written in the
// function holding path, for the message.
func doneText(p *Pass, path []ast.Node, k string) string {
	body, _ := funcBody(path)
	text := "ctx"
	if body == nil {
		return text
	}
	ast.Inspect(body, func(n ast.Node) bool {
		if e, ok := n.(ast.Expr); ok && p.doneOf(e) == k {
			text = types.ExprString(ast.Unparen(e).(*ast.CallExpr).Fun.(*ast.SelectorExpr).X)
			return false
		}
		return true
	})
	return text
}

// lastUseIn returns the name of a package or local variable that is used
// only inside e, so that dropping e would leave it unused; "" when there is
// none.
func (p *Pass) lastUseIn(e ast.Expr) string {
	f := p.FileOf(e.Pos())
	if f == nil {
		return ""
	}
	var inside []types.Object
	ast.Inspect(e, func(n ast.Node) bool {
		if id, ok := n.(*ast.Ident); ok {
			switch obj := p.Info.Uses[id].(type) {
			case *types.PkgName:
				inside = append(inside, obj)
			case *types.Var:
				if !obj.IsField() && obj.Parent() != nil && obj.Parent() != p.Pkg.Scope() && !p.isParam(obj) {
					inside = append(inside, obj)
				}
			}
		}
		return true
	})
	if len(inside) == 0 {
		return ""
	}
	// Assigning to a variable does not use it.
	assigned := map[*ast.Ident]bool{}
	ast.Inspect(f, func(n ast.Node) bool {
		if as, ok := n.(*ast.AssignStmt); ok {
			for _, l := range as.Lhs {
				if id, ok := ast.Unparen(l).(*ast.Ident); ok {
					assigned[id] = true
				}
			}
		}
		return true
	})
	used := map[types.Object]bool{}
	ast.Inspect(f, func(n ast.Node) bool {
		if n == e {
			return false
		}
		if id, ok := n.(*ast.Ident); ok && !assigned[id] {
			used[p.Info.Uses[id]] = true
		}
		return true
	})
	for _, obj := range inside {
		if !used[obj] {
			return obj.Name()
		}
	}
	return ""
}

// isParam reports whether v is a parameter, result or receiver of a
// function (which may go unused).
func (p *Pass) isParam(v *types.Var) bool {
	for _, n := range p.pathTo(&ast.Ident{NamePos: v.Pos(), Name: v.Name()}) {
		switch n.(type) {
		case *ast.FieldList:
			return true
		case *ast.BlockStmt:
			return false
		}
	}
	return false
}

// cancelFeedsDrain returns the drain call (ctxDrain) that the context made
// by call (v, cancel := context.WithCancel(parent)) is handed to as it is,
// in the function that makes it, as "Shutdown at file:line"; "" for none.
func (p *Pass) cancelFeedsDrain(call *ast.CallExpr) string {
	path := p.pathTo(call)
	as, ok := path[1].(*ast.AssignStmt)
	if !ok || len(as.Lhs) != 2 || len(as.Rhs) != 1 || as.Rhs[0] != call {
		return ""
	}
	id, ok := as.Lhs[0].(*ast.Ident)
	if !ok {
		return ""
	}
	v := p.Info.ObjectOf(id)
	body, _ := funcBody(path)
	if v == nil || body == nil {
		return ""
	}
	at := ""
	ast.Inspect(body, func(n ast.Node) bool {
		c, ok := n.(*ast.CallExpr)
		if !ok || at != "" {
			return at == ""
		}
		fn := callee(p.Info, c)
		for _, a := range c.Args {
			if aid, ok := ast.Unparen(a).(*ast.Ident); ok && p.Info.Uses[aid] == v && p.ctxDrain(fn, 2) {
				at = fn.Name() + " at " + shortPos(p.Fset, c.Pos())
			}
		}
		return at == ""
	})
	return at
}

// harmlessDeferredDrain is why a deferred drain given a done context is
// not fixed. (The name is the file's: it is a refusal, not a hold.)
const harmlessDeferredDrain = "the drain is deferred: it runs as the function returns, after the function's other drain steps, so a fresh deadline there would add to theirs; give it a deadline of its own inside the deferred function, within what is left of the grace period"

// deferredAt returns the defer statement that runs the node at path[0]
// when its function returns: the node is the deferred call itself (not a
// call in its arguments, evaluated when the defer statement runs), or is
// in the body of the deferred func literal, with no other func literal or
// go statement on the way.
func deferredAt(path []ast.Node) (*ast.DeferStmt, bool) {
	var lit *ast.FuncLit
	for i := 1; i < len(path); i++ {
		switch n := path[i].(type) {
		case *ast.GoStmt, *ast.FuncDecl:
			return nil, false
		case *ast.FuncLit:
			if lit != nil {
				return nil, false
			}
			lit = n
		case *ast.DeferStmt:
			if lit != nil && ast.Unparen(n.Call.Fun) == ast.Expr(lit) {
				return n, true
			}
			// The deferred call itself; a call in its arguments runs when
			// the defer statement does.
			if lit == nil && i == 1 && path[0] == ast.Node(n.Call) {
				return n, true
			}
			return nil, false
		}
	}
	return nil, false
}

// deferred reports whether the node at path[0] runs deferred (deferredAt).
func deferred(path []ast.Node) bool {
	_, ok := deferredAt(path)
	return ok
}

// deferredWaits returns the waits that surely come before the deferred
// node at path[0] runs on the way through them: the waits of the
// statements that follow its defer statement in the body of the function
// it is deferred in (that function returns, and runs it, after them). A
// defer nested in a block is left alone.
func (p *Pass) deferredWaits(path []ast.Node) []wait {
	d, ok := deferredAt(path)
	if !ok {
		return nil
	}
	var body *ast.BlockStmt
	for i, n := range path {
		if n != ast.Node(d) {
			continue
		}
		if i+1 < len(path) {
			body, _ = path[i+1].(*ast.BlockStmt)
			if i+2 >= len(path) {
				return nil
			}
			if fb, _ := funcBody(path[i+2:]); fb != body {
				return nil
			}
		}
		break
	}
	if body == nil {
		return nil
	}
	var ws []wait
	after := false
	for _, st := range body.List {
		if st == ast.Stmt(d) {
			after = true
			continue
		}
		if after {
			for _, w := range p.stmtWaits(st) {
				if w.sure {
					ws = append(ws, w)
				}
			}
		}
	}
	return ws
}
