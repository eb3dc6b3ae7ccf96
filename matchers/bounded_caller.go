package matchers

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"slices"
	"strings"

	"github.com/drainfix/drainfix/internal/drainpath"
)

// harmlessBoundedCaller is why an unbounded wait is not a default finding
// when whoever runs it already bounds it.
const harmlessBoundedCaller = "every caller runs the function holding it in a goroutine and stops waiting for it at a deadline (a select on its completion and on a context's Done or a timer): the drain is already bounded there"

// boundedByCallers reports whether every run of fn is raced against a
// deadline by the code that starts it: each call of fn (or of a function
// whose every call is, up to three calls up) is made in a goroutine whose
// completion its starter selects on together with a context's Done or a
// timer; a method value or func handed to a function counts when that
// function calls it only that way. Test files do not count.
func (p *Pass) boundedByCallers(fn *types.Func) bool {
	return p.bounded(fn, 3, map[*types.Func]bool{})
}

func (p *Pass) bounded(fn *types.Func, depth int, seen map[*types.Func]bool) bool {
	if fn == nil || depth < 0 || seen[fn] {
		return false
	}
	seen[fn] = true
	defer delete(seen, fn)
	key := crossPkgKey(fn)
	if key == "" {
		return false
	}
	refs := 0
	for _, r := range p.programRefs(fn, key) {
		pass, id := r.pass, r.id
		if strings.HasSuffix(pass.Fset.Position(id.Pos()).Filename, "_test.go") {
			continue
		}
		refs++
		if r.call != nil {
			// A call: raced where it is, or its function bounded.
			path := pass.pathTo(r.call)
			if pass.racedGoroutine(path) {
				continue
			}
			caller := funcDeclOf(path)
			if caller == nil {
				return false
			}
			c, _ := pass.Info.Defs[caller.Name].(*types.Func)
			if !p.bounded(c, depth-1, seen) {
				return false
			}
			continue
		}
		// A value handed to a function (f(x.Close)): each call that
		// function makes of its parameter must be raced.
		path := pass.pathTo(id)
		i := 1
		if len(path) > 1 {
			if sel, ok := path[1].(*ast.SelectorExpr); ok && sel.Sel == id {
				i = 2
			}
		}
		if i >= len(path) {
			return false
		}
		call, ok := path[i].(*ast.CallExpr)
		if !ok || !p.paramRaced(pass, call, path[i-1]) {
			return false
		}
	}
	return refs > 0
}

// paramRaced reports whether the function call calls, given arg, calls
// that parameter only in goroutines it races against a deadline.
func (p *Pass) paramRaced(pass *Pass, call *ast.CallExpr, arg ast.Node) bool {
	fn := callee(pass.Info, call)
	if fn == nil {
		return false
	}
	at := -1
	for j, a := range call.Args {
		if a == arg {
			at = j
		}
	}
	params := fn.Signature().Params()
	if at < 0 || at >= params.Len() || fn.Signature().Variadic() && at >= params.Len()-1 {
		return false
	}
	d, ok := p.Program.declOf(fn)
	if !ok || d.fd.Body == nil {
		return false
	}
	// The parameter as the declaration's own package sees it: the uses
	// in the body refer to that object.
	declared, _ := d.pass.Info.Defs[d.fd.Name].(*types.Func)
	if declared == nil {
		return false
	}
	v := declared.Signature().Params().At(at)
	if v.Name() == "" || v.Name() == "_" {
		return false
	}
	calls := 0
	ok = true
	ast.Inspect(d.fd.Body, func(n ast.Node) bool {
		id, isID := n.(*ast.Ident)
		if !isID || d.pass.Info.Uses[id] != v || !ok {
			return ok
		}
		path := d.pass.pathTo(id)
		c, isCall := path[1].(*ast.CallExpr)
		if !isCall || c.Fun != id || !d.pass.racedGoroutine(path[1:]) {
			ok = false
			return false
		}
		calls++
		return true
	})
	return ok && calls > 0
}

// racedGoroutine reports whether the call at path[0] runs in a func literal
// started with go that then closes (or sends on) a channel, and whose
// starter, after the go statement, stops waiting for it at a deadline for
// good: a select on that channel (a local the starter uses nowhere else
// that could block, localDone) and on a bounded deadline (isDeadlineChan),
// whose deadline case cannot block and leaves (leaves), and nothing that
// runs the starter again (notRetried): a retry after the deadline would
// start the wait again.
func (p *Pass) racedGoroutine(path []ast.Node) bool {
	r := p.raceOf(path, true)
	if r == nil || r.deadline == nil {
		return false
	}
	return p.localDone(r) && p.leaves(r) && p.notRetried(r.up)
}

// localDone reports whether the race's done channel is a local variable
// the starter makes (done := make(chan T)) and uses only there, in the
// goroutine's close or send, in the select's receive, and in receives of
// selects with a default case: not returned, stored, handed on or
// waited on elsewhere.
func (p *Pass) localDone(r *race) bool {
	id, ok := ast.Unparen(r.recv.X).(*ast.Ident)
	if !ok {
		return false
	}
	v, _ := p.Info.Uses[id].(*types.Var)
	if v == nil {
		return false
	}
	as, i := p.defOf(v)
	if as == nil || !within(r.body, as.Pos()) || len(as.Rhs) != len(as.Lhs) || !isMakeCall(p.Info, as.Rhs[i]) {
		return false
	}
	ok = true
	ast.Inspect(r.body, func(n ast.Node) bool {
		use, isID := n.(*ast.Ident)
		if !ok || !isID || p.Info.Uses[use] != v || use == id {
			return ok
		}
		path := p.pathTo(use)
		switch up := path[1].(type) {
		case *ast.CallExpr: // close(done) in the goroutine
			ok = isBuiltinClose(p.Info, up) && within(r.lit, use.Pos())
		case *ast.SendStmt:
			ok = up.Chan == use && within(r.lit, use.Pos())
		case *ast.UnaryExpr: // <-done in a select that does not block
			ok = false
			if cc, isCC := path[3].(*ast.CommClause); isCC && up.Op == token.ARROW && len(path) > 5 {
				if sel, isSel := path[5].(*ast.SelectStmt); isSel {
					ok = hasDefault(sel) && recvOf(cc.Comm) == up
				}
			}
		default:
			ok = false
		}
		return ok
	})
	return ok
}

// retriedGoroutine returns what (as "the loop at line N", "the loop at
// file:line" in a caller of the starter, or "the recursive call at
// file:line") starts the goroutine running the call at path[0] on each
// pass, once its starter has stopped waiting for the last one (raceOf):
// a deadline given to the call bounds one pass, not the drain (a retry
// after a timeout, or one budget per item that add up). "" when none
// does.
func (p *Pass) retriedGoroutine(path []ast.Node) string {
	r := p.raceOf(path, false)
	if r == nil || len(r.sel.Body.List) < 2 {
		return "" // nothing else to stop waiting at
	}
	for _, n := range r.up {
		switch n := n.(type) {
		case *ast.ForStmt, *ast.RangeStmt:
			return fmt.Sprintf("the loop at line %d", p.Fset.Position(n.Pos()).Line)
		case *ast.FuncLit:
			return ""
		case *ast.FuncDecl:
			// A caller that runs the starter again after a timeout.
			fn, _ := p.Info.Defs[n.Name].(*types.Func)
			if hasGoto(n.Body) {
				return "the goto in " + n.Name.Name
			}
			why, _ := p.rerun(fn, 4)
			return why
		}
	}
	return ""
}

// retriedRefusal is why a deadline for the call at path[0] is refused when
// a retry runs its goroutine again (retriedGoroutine), worded to follow
// "the call" or "the call at file:line"; "" when nothing does.
func (p *Pass) retriedRefusal(path []ast.Node) string {
	loop := p.retriedGoroutine(path)
	if loop == "" {
		return ""
	}
	return "runs in a goroutine that " + loop + " starts on each pass, after its starter stopped waiting for the last one: a deadline for the call would bound one pass, not the drain"
}

// A race is a goroutine whose starter selects on its completion.
type race struct {
	lit      *ast.FuncLit
	done     map[string]bool // the channels it signals completion on
	body     *ast.BlockStmt  // the starter's body
	up       []ast.Node      // from the block holding the go statement up
	sel      *ast.SelectStmt
	recv     *ast.UnaryExpr  // the select's receive from done
	rest     []ast.Stmt      // the statements after the select
	deadline *ast.CommClause // the select's case on a bounded deadline
}

// raceOf returns the race the call at path[0] runs in: a func literal
// started with go that closes (or sends on) a channel once the call has
// returned (completionChans), and the first select after the go statement
// in its block that receives from that channel. nil when there is none.
func (p *Pass) raceOf(path []ast.Node, strict bool) *race {
	for i, n := range path {
		lit, ok := n.(*ast.FuncLit)
		if !ok {
			continue
		}
		if i+3 >= len(path) {
			return nil
		}
		gcall, ok := path[i+1].(*ast.CallExpr)
		if !ok || gcall.Fun != lit {
			return nil
		}
		gs, ok := path[i+2].(*ast.GoStmt)
		if !ok {
			return nil
		}
		block, ok := path[i+3].(*ast.BlockStmt)
		if !ok {
			return nil
		}
		done := p.completionChans(lit, path[0], strict)
		body, _ := funcBody(path[i+3:])
		if len(done) == 0 || body == nil {
			return nil
		}
		for j, s := range block.List {
			sel, ok := s.(*ast.SelectStmt)
			if !ok || s.Pos() <= gs.Pos() {
				continue
			}
			r := &race{lit: lit, done: done, body: body, up: path[i+3:], sel: sel, rest: block.List[j+1:]}
			for _, cc := range sel.Body.List {
				cc := cc.(*ast.CommClause)
				recv := recvOf(cc.Comm)
				switch {
				case recv == nil:
				case done[varKey(p.Info, recv.X)]:
					r.recv = recv
				case p.isDeadlineChan(recv.X, r.up):
					r.deadline = cc
				}
			}
			if r.recv != nil {
				return r
			}
		}
		return nil
	}
	return nil
}

// leaves reports whether the race's deadline case ends the wait for good:
// nothing in it can block or jump (nonBlocking), the starter defers
// nothing that can block, and the case returns, or the select sits in the
// starter's body and what follows it cannot block either.
func (p *Pass) leaves(r *race) bool {
	if !p.nonBlocking(r.deadline.Body) {
		return false
	}
	ok := true
	ast.Inspect(r.body, func(n ast.Node) bool {
		if d, isDefer := n.(*ast.DeferStmt); isDefer && ok {
			ok = p.nonBlocking([]ast.Stmt{&ast.ExprStmt{X: d.Call}})
			return false
		}
		_, lit := n.(*ast.FuncLit)
		return ok && !lit
	})
	if !ok {
		return false
	}
	if l := len(r.deadline.Body); l > 0 {
		if _, ret := r.deadline.Body[l-1].(*ast.ReturnStmt); ret {
			return true
		}
	}
	// Falling out of the select: only to the end of the starter's body,
	// through statements that cannot block either.
	return r.up[0] == ast.Node(r.body) && p.nonBlocking(r.rest)
}

// nonBlocking reports whether the statements cannot block nor jump: only
// calls that cannotBlock, exit the process or stop a timer, with values of
// basic types (or ctx.Err()) as their arguments, or that stop a server at
// once (forcedStop); no send,
// no receive but in a select with a default case, no loop or blocking
// select, no continue, goto or labelled break.
func (p *Pass) nonBlocking(list []ast.Stmt) bool {
	ok := true
	var visit func(n ast.Node) bool
	visit = func(n ast.Node) bool {
		if !ok {
			return false
		}
		switch n := n.(type) {
		case *ast.FuncLit:
			return false
		case *ast.SelectStmt:
			if !hasDefault(n) {
				ok = false
				return false
			}
			for _, cc := range n.Body.List {
				for _, st := range cc.(*ast.CommClause).Body {
					ast.Inspect(st, visit)
				}
			}
			return false
		case *ast.SendStmt, *ast.ForStmt, *ast.RangeStmt:
			ok = false
		case *ast.UnaryExpr:
			ok = n.Op != token.ARROW
		case *ast.BranchStmt:
			ok = n.Tok == token.BREAK && n.Label == nil
		case *ast.CallExpr:
			fn := callee(p.Info, n)
			if lit, isLit := ast.Unparen(n.Fun).(*ast.FuncLit); isLit && len(n.Args) == 0 {
				for _, st := range lit.Body.List {
					ast.Inspect(st, visit)
				}
				return false // a func literal called on the spot (a deferred one)
			}
			// An argument of another type may be formatted through a
			// String or Error method that blocks (on a lock a stuck job
			// holds): only values of basic types.
			basic := !slices.ContainsFunc(n.Args, func(a ast.Expr) bool {
				if c, isCall := ast.Unparen(a).(*ast.CallExpr); isCall && len(c.Args) == 0 {
					if f := callee(p.Info, c); f != nil && f.Pkg() != nil && f.Pkg().Path() == "context" {
						return false // ctx.Err()
					}
				}
				t := p.Info.TypeOf(a)
				if t == nil {
					return true
				}
				_, isBasic := types.Unalias(t).Underlying().(*types.Basic)
				return !isBasic
			})
			ok = p.forcedStop(n) || basic && (p.cannotBlock(n) || isFunc(fn, "os", "Exit") || isFunc(fn, "log", "Fatal", "Fatalf", "Fatalln")) ||
				isMethod(fn, "time", "Timer", "Stop") || isMethod(fn, "time", "Ticker", "Stop")
		}
		return ok
	}
	for _, st := range list {
		ast.Inspect(st, visit)
	}
	return ok
}

// forcedStop reports whether call stops a server at once, without waiting
// for its requests: (*grpc.Server).Stop or (*http.Server).Close, the
// fallback when a graceful stop overruns.
func (p *Pass) forcedStop(call *ast.CallExpr) bool {
	fn := callee(p.Info, call)
	return isMethod(fn, "google.golang.org/grpc", "Server", "Stop") || isMethod(fn, "net/http", "Server", "Close")
}

// notRetried reports whether nothing can run the race again once its
// deadline has passed: no loop around the go statement (up runs from the
// block holding it to its function), no goto in that function, and the
// function is called nowhere in a loop, by itself, or from a func literal
// handed elsewhere (a callback that may run many times), checked up the
// chain of callers to main (callsOutsideLoops). The function is a declared
// one, an immediately called literal, or a literal returned by a declared
// function whose callers store it in a variable they only call so.
func (p *Pass) notRetried(up []ast.Node) bool {
	for i, n := range up {
		switch n := n.(type) {
		case *ast.ForStmt, *ast.RangeStmt:
			return false
		case *ast.FuncDecl:
			return !hasGoto(n.Body) && p.callsOutsideLoops(p.Info.Defs[n.Name], 4, nil)
		case *ast.FuncLit:
			if hasGoto(n.Body) {
				return false
			}
			if i+1 < len(up) {
				if c, ok := up[i+1].(*ast.CallExpr); ok && c.Fun == n {
					return p.callOutsideLoops(up[i+1:], 4)
				}
			}
			fd := returnedBy(up[i:])
			if fd == nil {
				return false
			}
			return p.callsOutsideLoops(p.Info.Defs[fd.Name], 4, func(q *Pass, call *ast.CallExpr) bool {
				return q.storedCalls(call, func(c *ast.CallExpr) bool { return q.callOutsideLoops(q.pathTo(c), 3) })
			})
		}
	}
	return false
}

// hasGoto reports whether body jumps with goto (a retry written so).
func hasGoto(body *ast.BlockStmt) bool {
	found := false
	ast.Inspect(body, func(n ast.Node) bool {
		if b, ok := n.(*ast.BranchStmt); ok && b.Tok == token.GOTO {
			found = true
		}
		return !found
	})
	return found
}

// callOutsideLoops reports whether the call at path[0] runs at most once
// for each run of its declared function, and that function is itself run
// so (rerunAt finds nothing, and knows).
func (p *Pass) callOutsideLoops(path []ast.Node, depth int) bool {
	why, known := p.rerunAt(path, depth)
	return known && why == ""
}

// callsOutsideLoops reports whether fn runs once per run of its callers,
// up the chain (rerun finds nothing, and knows); each, when set, must
// also hold for every call of fn.
func (p *Pass) callsOutsideLoops(obj types.Object, depth int, each func(*Pass, *ast.CallExpr) bool) bool {
	fn, _ := obj.(*types.Func)
	why, known := p.rerun(fn, depth)
	return known && why == "" && (each == nil || p.everyCall(fn, each))
}

// rerun returns what may run fn again and again once a deadline inside it
// has passed (a retry): a loop around one of its calls, a recursive call,
// a goto in a caller, or a func literal holding a call that is handed
// elsewhere (a callback), up depth levels of callers; known is false
// when the chain cannot be followed to main (or init): a use of fn that is
// not a call, calls not all found, a function with no call in the load,
// or a chain deeper than depth. Test files do not count.
func (p *Pass) rerun(fn *types.Func, depth int) (why string, known bool) {
	if fn == nil {
		return "", false
	}
	if fn.Signature().Recv() == nil && (fn.Name() == "init" || fn.Name() == "main" && fn.Pkg() != nil && fn.Pkg().Name() == "main") {
		return "", true
	}
	if depth <= 0 {
		return "", false
	}
	refs, complete, hidden := p.callRefs(fn)
	if !complete || hidden {
		return "", false
	}
	n := 0
	for _, r := range refs {
		if r.pass.inTestFile(r.id) {
			continue
		}
		if r.call == nil {
			return "", false
		}
		path := r.pass.pathTo(r.call)
		if caller := funcDeclOf(path); caller != nil && r.pass.Info.Defs[caller.Name] == fn {
			return "the recursive call at " + shortPos(r.pass.Fset, r.call.Pos()), true
		}
		why, known := r.pass.rerunAt(path, depth)
		if why != "" || !known {
			return why, known
		}
		n++
	}
	return "", n > 0
}

// rerunAt is rerun for the call at path[0]: a loop or a handed func
// literal around it up to its declared function, a goto in that
// function, then rerun of that function, one level less deep.
func (p *Pass) rerunAt(path []ast.Node, depth int) (why string, known bool) {
	for i, n := range path {
		switch n := n.(type) {
		case *ast.ForStmt, *ast.RangeStmt:
			return "the loop at " + shortPos(p.Fset, n.Pos()), true
		case *ast.FuncLit:
			if i+1 >= len(path) {
				return "", false
			}
			if c, ok := path[i+1].(*ast.CallExpr); !ok || c.Fun != n {
				return "the func literal at " + shortPos(p.Fset, n.Pos()) + " (handed on, it may run many times)", true
			}
		case *ast.FuncDecl:
			if hasGoto(n.Body) {
				return "the goto in " + n.Name.Name, true
			}
			fn, _ := p.Info.Defs[n.Name].(*types.Func)
			return p.rerun(fn, depth-1)
		}
	}
	return "", false
}

// completionChans returns the keys of the channels the goroutine lit
// closes or sends on once the call at path[0] has returned: a close or
// send after the call, a send of its result (done <- s.Shutdown()), or a
// deferred close. strict (for a hold) asks for one channel, signalled in
// the plain spelling and no other channel signalled at all: a caller may
// block on another, and deferred closes were the door to two hostile
// reviews' hidden drains (/work/hostile37a, /work/hostile37d).
func (p *Pass) completionChans(lit *ast.FuncLit, call ast.Node, strict bool) map[string]bool {
	done, all := map[string]bool{}, map[string]bool{}
	ast.Inspect(lit.Body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit:
			return false
		case *ast.DeferStmt:
			if strict {
				all["defer"] = true
				return true
			}
			if c := n.Call; isBuiltinClose(p.Info, c) && len(c.Args) == 1 {
				done[varKey(p.Info, c.Args[0])] = true
			} else if fl, ok := ast.Unparen(c.Fun).(*ast.FuncLit); ok {
				ast.Inspect(fl.Body, func(m ast.Node) bool {
					if c, ok := m.(*ast.CallExpr); ok && isBuiltinClose(p.Info, c) && len(c.Args) == 1 {
						done[varKey(p.Info, c.Args[0])] = true
					}
					return true
				})
			}
		case *ast.SendStmt:
			k := varKey(p.Info, n.Chan)
			all[k] = true
			// After the call, or of its result (done <- s.Shutdown()).
			if n.End() >= call.End() {
				done[k] = true
			}
		case *ast.CallExpr:
			if isBuiltinClose(p.Info, n) && len(n.Args) == 1 {
				k := varKey(p.Info, n.Args[0])
				all[k] = true
				if n.Pos() > call.Pos() {
					done[k] = true
				}
			}
		}
		return true
	})
	delete(done, "")
	if strict && (len(done) != 1 || len(all) != 1) {
		return nil
	}
	return done
}

// isDeadlineChan reports whether e, received from in the block at path[0],
// fires within the default grace period: time.After(d) with a bounded d
// (boundsDrain), or the Done of a bounded deadline context
// (boundedDeadline), made in the function or handed to it as a parameter
// at every call (deadlineParam). A context that may be
// context.Background() (never done), a longer constant, and timers (which
// can be stopped, reset or drained anywhere they are handed) do not count.
func (p *Pass) isDeadlineChan(e ast.Expr, path []ast.Node) bool {
	call, ok := ast.Unparen(e).(*ast.CallExpr)
	if !ok {
		return false
	}
	if isFunc(callee(p.Info, call), "time", "After") {
		return len(call.Args) == 1 && p.boundsDrain(call.Args[0], path)
	}
	if p.doneOf(call) == "" {
		return false
	}
	ctx := ast.Unparen(call.Fun).(*ast.SelectorExpr).X
	return p.boundedDeadline(ctx) || p.deadlineParam(ctx, path)
}

// boundsDrain reports whether the duration d is known to end within the
// default grace period (drainpath.BoundsDrain's limit): a constant, a
// local variable defined once from one and never assigned again nor
// addressed, or a parameter of the declared function around path[0]
// (never assigned) that every call in the program hands such a value. A
// duration from anywhere else (a field, a flag, a package variable, a
// computation) is not: a hostile review built ten minutes each of those
// ways (/work/hostile37d e01-e04, e11).
func (p *Pass) boundsDrain(d ast.Expr, path []ast.Node) bool {
	if constBounded(p.Info, d) {
		return true
	}
	if _, as, i := p.localDef(d); as != nil && len(as.Lhs) == len(as.Rhs) {
		return constBounded(p.Info, as.Rhs[i])
	}
	id, ok := ast.Unparen(d).(*ast.Ident)
	if !ok {
		return false
	}
	v, _ := p.Info.Uses[id].(*types.Var)
	if v == nil {
		return false
	}
	for _, n := range path {
		fd, ok := n.(*ast.FuncDecl)
		if !ok {
			continue
		}
		at := paramIndex(p.Info, fd.Type, v)
		fn, _ := p.Info.Defs[fd.Name].(*types.Func)
		if at < 0 || fn == nil || assignsTo(p.Info, fd.Body, v, nil) || fn.Signature().Variadic() && at == fn.Signature().Params().Len()-1 {
			return false
		}
		return p.everyCall(fn, func(q *Pass, call *ast.CallExpr) bool {
			return at < len(call.Args) && constBounded(q.Info, call.Args[at])
		})
	}
	return false
}

// constBounded reports whether d is a constant duration within the
// default grace period.
func constBounded(info *types.Info, d ast.Expr) bool {
	return info.Types[d].Value != nil && drainpath.BoundsDrain(info, d)
}

// boundedDeadline reports whether x is a deadline context (isDeadlineCtx)
// that ends within the default grace period: made by WithTimeout with a
// bounded duration (boundsDrain). A WithDeadline's time is not judged.
func (p *Pass) boundedDeadline(x ast.Expr) bool {
	if !p.isDeadlineCtx(x) {
		return false
	}
	_, as, _ := p.localDef(x)
	made := ast.Unparen(as.Rhs[0]).(*ast.CallExpr)
	return isFunc(callee(p.Info, made), "context", "WithTimeout", "WithTimeoutCause") &&
		len(made.Args) >= 2 && p.boundsDrain(made.Args[1], p.pathTo(made))
}

// deadlineParam reports whether x is a context parameter of the function
// around path[0] that every call in the program hands a bounded deadline
// context (boundedDeadline): calls of a declared function, or, for a func
// literal its declared function returns (a clean-up wrapper), calls of
// the variable each caller stores it in. Test files do not count.
func (p *Pass) deadlineParam(x ast.Expr, path []ast.Node) bool {
	id, ok := ast.Unparen(x).(*ast.Ident)
	if !ok {
		return false
	}
	v, ok := p.Info.Uses[id].(*types.Var)
	if !ok {
		return false
	}
	for i, n := range path {
		var ft *ast.FuncType
		switch n := n.(type) {
		case *ast.FuncDecl:
			ft = n.Type
		case *ast.FuncLit:
			ft = n.Type
		default:
			continue
		}
		at := paramIndex(p.Info, ft, v)
		body, _ := funcBody(path[i:])
		if at < 0 || assignsTo(p.Info, body, v, nil) {
			return false // ctx = context.WithoutCancel(ctx): not what callers hand
		}
		if fd, ok := n.(*ast.FuncDecl); ok {
			fn, _ := p.Info.Defs[fd.Name].(*types.Func)
			return fn != nil && p.everyCall(fn, func(q *Pass, call *ast.CallExpr) bool {
				return at < len(call.Args) && q.boundedDeadline(call.Args[at])
			})
		}
		// A func literal returned by its declared function.
		fd := returnedBy(path[i:])
		if fd == nil {
			return false
		}
		fn, _ := p.Info.Defs[fd.Name].(*types.Func)
		return fn != nil && p.everyCall(fn, func(q *Pass, call *ast.CallExpr) bool {
			return q.storedCalls(call, func(c *ast.CallExpr) bool { return at < len(c.Args) && q.boundedDeadline(c.Args[at]) })
		})
	}
	return false
}

// returnedBy returns the declared function whose body returns the func
// literal at path[0] directly (return func(...) {...}, the one result); nil
// when none does.
func returnedBy(path []ast.Node) *ast.FuncDecl {
	if len(path) < 4 {
		return nil
	}
	ret, ok := path[1].(*ast.ReturnStmt)
	if !ok || len(ret.Results) != 1 || ret.Results[0] != path[0] {
		return nil
	}
	fd, ok := path[3].(*ast.FuncDecl)
	if !ok || path[2] != fd.Body {
		return nil
	}
	return fd
}

// paramIndex returns the index of v among the parameters of ft; -1 when
// it is none of them.
func paramIndex(info *types.Info, ft *ast.FuncType, v *types.Var) int {
	at := 0
	for _, f := range ft.Params.List {
		if len(f.Names) == 0 {
			at++
		}
		for _, name := range f.Names {
			if info.Defs[name] == v {
				return at
			}
			at++
		}
	}
	return -1
}

// everyCall reports whether every call of fn in the program (test files
// aside; at least one) satisfies each. A use of fn as a value, or calls
// that cannot all be found, do not.
func (p *Pass) everyCall(fn *types.Func, each func(*Pass, *ast.CallExpr) bool) bool {
	refs, complete, hidden := p.callRefs(fn)
	if fn == nil || !complete || hidden {
		return false
	}
	n := 0
	for _, r := range refs {
		if r.pass.inTestFile(r.id) {
			continue
		}
		if r.call == nil || !each(r.pass, r.call) {
			return false
		}
		n++
	}
	return n > 0
}

// storedCalls reports whether call's result is stored by x := call in a
// local variable that is only ever called (at least once), each call
// satisfying ok.
func (p *Pass) storedCalls(call *ast.CallExpr, ok func(*ast.CallExpr) bool) bool {
	path := p.pathTo(call)
	if len(path) < 2 {
		return false
	}
	as, isAssign := path[1].(*ast.AssignStmt)
	if !isAssign || as.Tok != token.DEFINE || len(as.Lhs) != 1 || len(as.Rhs) != 1 || as.Rhs[0] != call {
		return false
	}
	lhs, isID := as.Lhs[0].(*ast.Ident)
	if !isID {
		return false
	}
	obj := p.Info.Defs[lhs]
	body, _ := funcBody(path)
	if obj == nil || body == nil {
		return false
	}
	calls, other := 0, false
	ast.Inspect(body, func(n ast.Node) bool {
		id, isID := n.(*ast.Ident)
		if !isID || p.Info.Uses[id] != obj {
			return !other
		}
		up := p.pathTo(id)
		c, isCall := up[1].(*ast.CallExpr)
		if !isCall || c.Fun != id || !ok(c) {
			other = true
			return false
		}
		calls++
		return true
	})
	return !other && calls > 0
}

// harmlessDetached is why an unbounded wait is not a default finding when
// nothing waits for the function that holds it.
const harmlessDetached = "every caller starts the function holding it as a goroutine that nothing waits for (a go statement, and the function signals no completion after the wait): the process does not wait for it, so it cannot hold the exit past the grace period"

// detachedByCallers reports whether nothing waits for the wait at pos in
// fn: every call of fn in the program (interfaces included; test files do
// not count) is a go statement's own call, or a call from a function that
// is itself detached that way (up to three calls up), and fn, after the
// wait or in a defer, closes no channel, calls no WaitGroup's Done and
// sends nothing (the ways a goroutine tells a waiter it has ended).
func (p *Pass) detachedByCallers(fn *types.Func, pos token.Pos) bool {
	return p.detached(fn, pos, 3, map[*types.Func]bool{})
}

func (p *Pass) detached(fn *types.Func, pos token.Pos, depth int, seen map[*types.Func]bool) bool {
	if fn == nil || depth < 0 || seen[fn] {
		return false
	}
	seen[fn] = true
	defer delete(seen, fn)
	d, ok := p.Program.declOf(fn)
	if !ok || d.fd.Body == nil || d.pass.signalsEnd(d.fd.Body, pos) {
		return false
	}
	refs, complete, hidden := p.callRefs(fn)
	if !complete || hidden {
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
		n++
		path := r.pass.pathTo(r.call)
		if len(path) > 1 {
			if g, ok := path[1].(*ast.GoStmt); ok && g.Call == r.call {
				continue
			}
		}
		caller := funcDeclOf(path)
		if caller == nil {
			return false
		}
		c, _ := r.pass.Info.Defs[caller.Name].(*types.Func)
		if !p.detached(c, r.call.End(), depth-1, seen) {
			return false
		}
	}
	return n > 0
}

// signalsEnd reports whether body, after pos or in a deferred call, closes
// a channel, calls a WaitGroup's Done or sends on a channel.
func (p *Pass) signalsEnd(body *ast.BlockStmt, pos token.Pos) bool {
	found := false
	var walk func(n ast.Node, deferred bool)
	walk = func(root ast.Node, deferred bool) {
		ast.Inspect(root, func(n ast.Node) bool {
			if found {
				return false
			}
			if d, ok := n.(*ast.DeferStmt); ok && !deferred {
				walk(d.Call, true)
				return false
			}
			if n == nil || !deferred && n.End() <= pos {
				return false // before the wait
			}
			switch n := n.(type) {
			case *ast.SendStmt:
				found = true
			case *ast.CallExpr:
				found = isBuiltinClose(p.Info, n) || isMethod(callee(p.Info, n), "sync", "WaitGroup", "Done")
			}
			return !found
		})
	}
	walk(body, false)
	return found
}
