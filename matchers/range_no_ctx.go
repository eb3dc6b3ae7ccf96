package matchers

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"maps"
	"slices"
	"strings"
)

// RangeNoCtx: a goroutine ranges over a channel and ignores the context
// in scope.
//
// A range over a channel ends only when the channel is closed. When the
// goroutine has a context (a parameter, or one its literal captures) that
// the loop never looks at, cancelling it does not stop the loop: the drain
// waits for a close that may never come, or for the whole backlog. Loops
// that mention a context or select on a quit channel they leave on, and
// channels that come from a call given a context, are closed by code that
// waits for a context's Done, or are closed after a wait for their senders
// (wg.Wait(); close(errs): a collector, which must not leave before its
// senders), are not reported. The fix receives in a select that also watches ctx.Done; the
// body, its comments and the variable's name are kept, and a break of the
// loop is given a label so that it does not break the select instead.
//
//	go func() {
//		for msg := range incomingCh {     // bad
//			_ = process(msg)
//		}
//	}()
//
//	go func() {
//		for {                             // good
//			select {
//			case <-ctx.Done():
//				return
//			case msg, ok := <-incomingCh:
//				if !ok {
//					return
//				}
//				_ = process(msg)
//			}
//		}
//	}()
func RangeNoCtx(p *Pass) []Finding {
	var found []Finding
	bound := map[string]bool{}                                       // chanBoundByCtx's answers: many goroutines range over one channel
	assigns := map[*ast.BlockStmt]map[*types.Var][]*ast.AssignStmt{} // ctxWrittenAfterGo's, per function body
	for _, g := range p.goroutineFuncs() {
		ast.Inspect(g.Body, func(n ast.Node) bool {
			if _, ok := n.(*ast.FuncLit); ok {
				return false
			}
			rng, ok := n.(*ast.RangeStmt)
			if !ok || !isChanType(p.Info.TypeOf(rng.X)) || p.isTickCall(rng.X) {
				return true
			}
			if rng.Key == nil && len(rng.Body.List) == 0 {
				// for range ch {}: a discarding drain, there so that
				// senders that do not watch the context are not stuck
				// (a producer still walking after its consumer failed);
				// leaving it early would strand them.
				return true
			}
			ctx := p.ContextAt(rng.Pos())
			if ctx == nil || p.mentionsContext(rng) || p.chanBoundByCtx(rng.X, bound) || p.watchesQuit(rng.Body) || p.localPipeline(rng.X, g) {
				return true
			}
			fd := Finding{
				Pos: rng.Pos(), End: rng.Body.Lbrace + 1,
				Message: "this goroutine ranges over a channel without watching " + ctx.Name() + ": cancelling the context does not stop it; receive in a select with " + ctx.Name() + ".Done()",
			}
			if !simpleRef(p.Info, rng.X) {
				fd.NoFix = "the channel is an expression range evaluates once; a select would evaluate it on every iteration"
			} else if fix, why := p.selectLoop(p.pathTo(rng), g, ctx, "ok"); fix != nil {
				fd.Fix = fix
			} else {
				fd.NoFix = why
			}
			fd.Harmless = p.noDrain()
			if fd.Fix != nil {
				if why := p.ctxWrittenAfterGo(g, ctx, assigns); why != "" {
					fd.Fix, fd.NoFix = nil, why
				}
			}
			switch {
			case fd.Harmless != "":
			case p.ownerCloses(p.goArg(g, rng.X)):
				fd.Harmless = harmlessOwnerCloses
			}
			found = append(found, fd)
			return true
		})
	}
	return found
}

// A SelectLoop turns a range loop over a channel into a loop that also
// stops when a context is done:
//
//	for {
//		select {
//		case <-Ctx.Done():
//			EXIT
//		case KEY, Ok := <-CHAN:
//			if !Ok {
//				EXIT
//			}
//			BODY
//		}
//	}
//
// EXIT is return when the loop is the last statement of its function and
// nothing breaks it, else break Label. CHAN is the range's channel, or
// what the rule's rewrite gives.
type SelectLoop struct {
	Range *ast.RangeStmt
	// Place is the loop (or the labelled statement holding it) in its
	// statement list; the new loop takes its place.
	Place StmtPlace
	Ctx   string
	// Ok names the flag telling the channel is open; "" for a channel
	// that is never closed (a ticker's): the receive then has no flag.
	Ok string
	// Label is the label the exits break; "" when they return. NewLabel
	// says it must be put on the loop (claimed, avoiding Labels, the
	// labels of the function Func).
	Label    string
	NewLabel bool
	Labels   map[string]bool
	Func     *ast.BlockStmt
	// Breaks are the loop's unlabelled breaks: they become break Label,
	// since in a select case a bare break would leave the select.
	Breaks []*ast.BranchStmt
}

// selectLoop checks that the range loop at path[0], in the goroutine (or
// function) g, can become a select loop on ctx, and plans it; ok is the
// proposed name of the open flag ("" for none).
func (p *Pass) selectLoop(path []ast.Node, g goFunc, ctx *types.Var, ok string) (*SelectLoop, string) {
	rng := path[0].(*ast.RangeStmt)
	if hasResults(g.Type) {
		return nil, "the function has results: the bare return the fix adds would not compile"
	}
	key := ""
	if rng.Key != nil && !isBlank(rng.Key) {
		if rng.Tok != token.DEFINE {
			return nil, "the range assigns to variables declared outside the loop"
		}
		key = rng.Key.(*ast.Ident).Name
	}
	if p.hasCommentIn(rng.Pos(), rng.Body.Lbrace) {
		return nil, "the loop's header holds a comment the fix would lose"
	}
	body := p.Info.Scopes[rng.Body]
	if key != "" && body != nil && body.Lookup(key) != nil {
		return nil, "the loop's body declares " + key + " again: in the select case both would be in one scope"
	}
	label := labelOf(path)
	place, found := stmtPlace(path)
	if !found || place.Stmt != rng && (label == nil || place.Stmt != path[1]) {
		return nil, "the loop is not in a statement list"
	}
	s := &SelectLoop{Range: rng, Place: place, Ctx: ctx.Name(), Func: g.Body}
	if ok != "" {
		for _, cand := range []string{ok, "open", "more"} {
			if cand != key && p.FreshName(place.Stmt, cand) == cand && (body == nil || body.Lookup(cand) == nil) {
				s.Ok = cand
				break
			}
		}
		if s.Ok == "" {
			return nil, "no free name for the channel's open flag"
		}
	}
	w := p.loopWaysOut(rng.Body, label)
	s.Breaks = w.breaks
	last := len(g.Body.List) > 0 && g.Body.List[len(g.Body.List)-1] == place.Stmt
	switch {
	case label != nil:
		if !last || len(w.breaks) > 0 {
			s.Label = label.Name
		}
	case !last || len(w.breaks) > 0:
		s.Label, s.NewLabel, s.Labels = "loop", true, p.labelsIn(g.Body)
	}
	return s, ""
}

// isChanType reports whether t is a channel type.
func isChanType(t types.Type) bool {
	if t == nil {
		return false
	}
	_, ok := t.Underlying().(*types.Chan)
	return ok
}

// mentionsContext reports whether any expression inside n is a
// context.Context.
func (p *Pass) mentionsContext(n ast.Node) bool {
	found := false
	ast.Inspect(n, func(m ast.Node) bool {
		if e, ok := m.(ast.Expr); ok && !found && isContext(p.Info.TypeOf(e)) {
			found = true
		}
		return !found
	})
	return found
}

// chanBoundByCtx reports whether the channel ch is bounded by a context
// elsewhere: it, or a variable it is reached through (sub in sub.C), is
// assigned the result of a call given a context (a ctx-aware producer or
// subscription), or it is closed in a function that waits for a context's
// Done. The answer depends on the channel's keys alone: memo keeps it
// by them.
func (p *Pass) chanBoundByCtx(ch ast.Expr, memo map[string]bool) bool {
	key := varKey(p.Info, ch)
	made := p.refsIn(ch) // what a ctx-aware call may have made
	if key != "" {
		made[key] = true
	}
	if len(made) == 0 {
		return false
	}
	keys := p.chanKeys(ch)
	memoKey := strings.Join(slices.Sorted(maps.Keys(made)), "\x00") + "\x01" + strings.Join(slices.Sorted(slices.Values(keys)), "\x00")
	if b, ok := memo[memoKey]; ok {
		return b
	}
	b := p.chanBoundByCtxKeys(made, keys)
	if !b {
		// A package-level channel of another package of the program
		// (logic.Deletions): its own package makes and closes it.
		if other := p.Program.passOf(pkgVarOf(p.Info, ch)); other != nil && other != p {
			b = other.chanBoundByCtxKeys(made, keys)
		}
	}
	memo[memoKey] = b
	return b
}

// pkgVarOf returns the package of the package-level variable e names
// (x or pkg.X), or nil.
func pkgVarOf(info *types.Info, e ast.Expr) *types.Package {
	id := identOfExpr(e)
	if id == nil {
		return nil
	}
	v, ok := info.Uses[id].(*types.Var)
	if !ok || v.IsField() || v.Pkg() == nil || v.Parent() != v.Pkg().Scope() {
		return nil
	}
	return v.Pkg()
}

func (p *Pass) chanBoundByCtxKeys(made map[string]bool, keys []string) bool {
	fromCtxCall := func(lhs, rhs ast.Expr) bool {
		call, ok := ast.Unparen(rhs).(*ast.CallExpr)
		return ok && made[varKey(p.Info, lhs)] && p.mentionsContext(call)
	}
	bound := false
	for _, f := range p.Files {
		p.inspectFile(f, func(n ast.Node) bool {
			if bound {
				return false
			}
			switch n := n.(type) {
			case *ast.AssignStmt:
				for i := range n.Lhs {
					if len(n.Lhs) == len(n.Rhs) && fromCtxCall(n.Lhs[i], n.Rhs[i]) ||
						len(n.Rhs) == 1 && fromCtxCall(n.Lhs[i], n.Rhs[0]) {
						bound = true
					}
				}
			case *ast.ValueSpec:
				for i := range n.Names {
					if len(n.Names) == len(n.Values) && fromCtxCall(n.Names[i], n.Values[i]) ||
						len(n.Values) == 1 && fromCtxCall(n.Names[i], n.Values[0]) {
						bound = true
					}
				}
			case *ast.KeyValueExpr:
				if id, ok := n.Key.(*ast.Ident); ok {
					if v, ok := p.Info.ObjectOf(id).(*types.Var); ok && v.IsField() && made["field "+ptr(v)] {
						if call, ok := ast.Unparen(n.Value).(*ast.CallExpr); ok && p.mentionsContext(call) {
							bound = true
						}
					}
				}
			case *ast.CallExpr:
				if id, ok := ast.Unparen(n.Fun).(*ast.Ident); ok && len(n.Args) == 1 && len(keys) > 0 {
					if b, ok := p.Info.Uses[id].(*types.Builtin); ok && b.Name() == "close" && p.closesOneOf(n.Args[0], keys) {
						path := p.pathTo(n)
						bound = bound || p.closedOnDone(path) || p.closedAfterWait(path, n.Args[0])
					}
				}
				// The channel handed back to its maker once the context is
				// done (mqtt.Unsubscribe(topic, ch) after <-ctx.Done()):
				// ending the subscription closes it.
				if _, builtin := p.Info.Uses[identOf(n.Fun)].(*types.Builtin); !builtin && len(keys) > 0 {
					for _, a := range n.Args {
						if isChanType(p.Info.TypeOf(a)) && p.closesOneOf(a, keys) && p.closedOnDone(p.pathTo(n)) {
							bound = true
						}
					}
				}
			}
			return true
		}, (*ast.AssignStmt)(nil), (*ast.ValueSpec)(nil), (*ast.KeyValueExpr)(nil), (*ast.CallExpr)(nil))
	}
	return bound
}

// closedAfterWait reports whether the close of ch at path[0] comes after
// its producers are done: after a wait in its block (wg.Wait(), a group's
// Wait, a receive), after a call in its block that was handed ch (the
// producer ran to its end: produce(ctx, ch); close(ch)), or deferred in a
// function that sends on ch itself (a producer closing its output). The
// range collecting from them ends then; leaving it on ctx instead would
// strand senders that do not watch ctx, and the wait before the close
// would never return.
func (p *Pass) closedAfterWait(path []ast.Node, ch ast.Expr) bool {
	if len(path) < 3 {
		return false
	}
	keys := map[string]bool{}
	for _, k := range p.closeKeys(ch) {
		keys[k] = true
	}
	if _, ok := path[1].(*ast.DeferStmt); ok {
		body, _ := funcBody(path)
		sends := false
		if body != nil {
			inspectFunc(body, func(n ast.Node) bool {
				if s, ok := n.(*ast.SendStmt); ok && keys[varKey(p.Info, s.Chan)] {
					sends = true
				}
				return !sends
			})
		}
		return sends
	}
	// The statements before the close's, in its block and the blocks
	// around it (a close in a loop after the wait), up to its function.
	for i := 2; i < len(path); i++ {
		switch path[i].(type) {
		case *ast.FuncLit, *ast.FuncDecl:
			return false
		}
		for _, st := range stmtList(path[i]) {
			if st == path[i-1] {
				break
			}
			if p.waitIn(st, token.NoPos, token.NoPos, false) != "" || p.groupWaitIn(st) {
				return true
			}
			handed := false
			inspectFunc(st, func(n ast.Node) bool {
				if call, ok := n.(*ast.CallExpr); ok {
					for _, a := range call.Args {
						handed = handed || keys[varKey(p.Info, a)]
					}
				}
				return !handed
			})
			if handed {
				return true
			}
		}
	}
	return false
}

// groupWaitIn reports whether st calls Wait on a group: a value whose type
// has both a Go and a Wait method (an errgroup, a conc pool), outside func
// literals.
func (p *Pass) groupWaitIn(st ast.Stmt) bool {
	found := false
	inspectFunc(st, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok || found {
			return !found
		}
		if sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr); ok && sel.Sel.Name == "Wait" {
			if t := p.Info.TypeOf(sel.X); t != nil {
				if g, _, _ := types.LookupFieldOrMethod(t, true, nil, "Go"); g != nil {
					_, found = g.(*types.Func)
				}
			}
		}
		return !found
	})
	return found
}

// chanKeys returns the keys a ranged channel ch is known by: its own; for
// a parameter of a func literal started with go, those of the argument
// given to it; for the value of a range over a slice or array s, the key
// of s's elements ("elem " + key of s).
func (p *Pass) chanKeys(ch ast.Expr) []string {
	var keys []string
	if k := varKey(p.Info, ch); k != "" {
		keys = append(keys, k)
	}
	id, ok := ast.Unparen(ch).(*ast.Ident)
	if !ok {
		return keys
	}
	v, ok := p.Info.Uses[id].(*types.Var)
	if !ok {
		return keys
	}
	path := p.pathTo(&ast.Ident{NamePos: v.Pos(), Name: v.Name()})
	if len(path) < 2 {
		return keys
	}
	switch n := path[1].(type) {
	case *ast.RangeStmt:
		if vid, ok := n.Value.(*ast.Ident); ok && vid.Pos() == v.Pos() {
			if k := varKey(p.Info, n.X); k != "" {
				keys = append(keys, "elem "+k)
			}
		}
	case *ast.Field:
		// A parameter: of a func literal called by a go statement?
		// path: the name, its Field, FieldList, FuncType, FuncLit, the
		// call of the literal, the go statement.
		if len(path) < 7 {
			break
		}
		lit, ok := path[4].(*ast.FuncLit)
		if !ok {
			break
		}
		call, ok := path[5].(*ast.CallExpr)
		if !ok || ast.Unparen(call.Fun) != lit {
			break
		}
		if _, ok := path[6].(*ast.GoStmt); !ok {
			break
		}
		i := 0
		for _, f := range lit.Type.Params.List {
			for _, name := range f.Names {
				if name.Pos() == v.Pos() && i < len(call.Args) {
					keys = append(keys, p.chanKeys(call.Args[i])...)
				}
				i++
			}
		}
	}
	return keys
}

// localPipeline reports whether the channel ch, ranged over in the
// goroutine g, is a pipeline stage's: made with make in the function that
// starts g (captured by g's literal, or handed to g's function as an
// argument), and closed by that function (also in a deferred func literal)
// or by a function of the package it hands the channel to (the producer
// closing its output when it is done). The range ends when the producer
// does; leaving it on ctx instead would strand a producer blocked on a
// send, or let what follows the range run while it still sends.
func (p *Pass) localPipeline(ch ast.Expr, g goFunc) bool {
	if g.Go == nil {
		return false
	}
	id, ok := ast.Unparen(ch).(*ast.Ident)
	if !ok {
		return false
	}
	v, ok := p.Info.Uses[id].(*types.Var)
	if !ok || v.IsField() {
		return false
	}
	// The channel's variable in the starter: v itself when g's literal
	// captures it, or the argument the go statement hands to v.
	if lit, ok := ast.Unparen(g.Go.Call.Fun).(*ast.FuncLit); !ok || lit.Body != g.Body {
		i := slices.Index(cbdParams(p.Info, g.Type.Params), v)
		if i < 0 || i >= len(g.Go.Call.Args) {
			return false
		}
		arg, ok := ast.Unparen(g.Go.Call.Args[i]).(*ast.Ident)
		if !ok {
			return false
		}
		if v, ok = p.Info.Uses[arg].(*types.Var); !ok || v.IsField() {
			return false
		}
	}
	starter, _ := funcBody(p.pathTo(g.Go))
	if starter == nil || v.Pos() < starter.Pos() || v.Pos() > g.Go.Pos() || !p.madeByMake(starter, v) {
		return false
	}
	closed := false
	ast.Inspect(starter, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok || closed {
			return !closed
		}
		if closesOf(p.Info, call, v) {
			closed = true
			return false
		}
		// A function of the package handed the channel, which closes
		// its parameter.
		for i, a := range call.Args {
			if a, ok := ast.Unparen(a).(*ast.Ident); !ok || p.Info.Uses[a] != v {
				continue
			}
			d, ok := p.Program.declOf(callee(p.Info, call))
			if ok && d.pass == p && d.fd.Body != nil {
				if params := cbdParams(d.pass.Info, d.fd.Type.Params); i < len(params) && params[i] != nil && closesVar(d.pass.Info, d.fd.Body, params[i]) {
					closed = true
				}
			}
		}
		return !closed
	})
	return closed
}

// madeByMake reports whether body gives v its value with make (v :=
// make(chan T) or var v = make(chan T)).
func (p *Pass) madeByMake(body *ast.BlockStmt, v *types.Var) bool {
	made := false
	ast.Inspect(body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.AssignStmt:
			for i, l := range n.Lhs {
				if id, ok := l.(*ast.Ident); ok && p.Info.ObjectOf(id) == v && len(n.Rhs) == len(n.Lhs) {
					made = made || p.isMakeChanExpr(n.Rhs[i])
				}
			}
		case *ast.ValueSpec:
			for i, id := range n.Names {
				if p.Info.ObjectOf(id) == v && len(n.Values) == len(n.Names) {
					made = made || p.isMakeChanExpr(n.Values[i])
				}
			}
		}
		return !made
	})
	return made
}

// isMakeChanExpr reports whether e is make(chan T) or make(chan T, n).
func (p *Pass) isMakeChanExpr(e ast.Expr) bool {
	call, ok := ast.Unparen(e).(*ast.CallExpr)
	return ok && p.isMakeChan(call)
}

// closesVar reports whether body calls close(v).
func closesVar(info *types.Info, body *ast.BlockStmt, v *types.Var) bool {
	found := false
	ast.Inspect(body, func(n ast.Node) bool {
		if call, ok := n.(*ast.CallExpr); ok {
			found = found || closesOf(info, call, v)
		}
		return !found
	})
	return found
}

// closesOf reports whether call is close(v).
func closesOf(info *types.Info, call *ast.CallExpr, v *types.Var) bool {
	id, ok := ast.Unparen(call.Fun).(*ast.Ident)
	if !ok || len(call.Args) != 1 {
		return false
	}
	if b, ok := info.Uses[id].(*types.Builtin); !ok || b.Name() != "close" {
		return false
	}
	a, _ := ast.Unparen(call.Args[0]).(*ast.Ident)
	return a != nil && info.Uses[a] == v
}

// closeKeys returns the keys of the channel a close(e) closes: e's own,
// and for s[i], the key of s's elements.
func (p *Pass) closeKeys(e ast.Expr) []string {
	var keys []string
	if k := varKey(p.Info, e); k != "" {
		keys = append(keys, k)
	}
	if ix, ok := ast.Unparen(e).(*ast.IndexExpr); ok {
		if k := varKey(p.Info, ix.X); k != "" {
			keys = append(keys, "elem "+k)
		}
	}
	return keys
}

// closesOneOf reports whether close(e) closes a channel known by one of
// keys.
func (p *Pass) closesOneOf(e ast.Expr, keys []string) bool {
	for _, k := range p.closeKeys(e) {
		if slices.Contains(keys, k) {
			return true
		}
	}
	return false
}

// watchesQuit reports whether a range body selects on a receive whose
// case leaves the loop (a return, a labelled break, a goto): the loop has
// a stop signal of its own, as one mentioning a context has.
func (p *Pass) watchesQuit(body *ast.BlockStmt) bool {
	found := false
	inspectFunc(body, func(n ast.Node) bool {
		sel, ok := n.(*ast.SelectStmt)
		if !ok || found {
			return !found
		}
		for _, c := range sel.Body.List {
			cc := c.(*ast.CommClause)
			if cc.Comm == nil || !isRecvStmt(cc.Comm) {
				continue
			}
			for _, st := range cc.Body {
				inspectFunc(st, func(m ast.Node) bool {
					switch m := m.(type) {
					case *ast.ReturnStmt:
						found = true
					case *ast.BranchStmt:
						if m.Tok == token.GOTO || m.Tok == token.BREAK && m.Label != nil {
							found = true
						}
					}
					return !found
				})
			}
		}
		return !found
	})
	return found
}

// isRecvStmt reports whether a select case's statement receives.
func isRecvStmt(st ast.Stmt) bool {
	var e ast.Expr
	switch st := st.(type) {
	case *ast.ExprStmt:
		e = st.X
	case *ast.AssignStmt:
		if len(st.Rhs) == 1 {
			e = st.Rhs[0]
		}
	}
	u, ok := ast.Unparen(e).(*ast.UnaryExpr)
	return ok && u.Op == token.ARROW
}

// refsIn returns the keys (refKey) of the variables mentioned in e.
func (p *Pass) refsIn(e ast.Expr) map[string]bool {
	refs := map[string]bool{}
	ast.Inspect(e, func(n ast.Node) bool {
		if id, ok := n.(*ast.Ident); ok {
			if k := refKey(p.Info, id); k != "" {
				refs[k] = true
			}
		}
		return true
	})
	return refs
}

// closedOnDone reports whether the close at path[0] is in a function that
// receives from a context's Done, or in a callback of context.AfterFunc.
func (p *Pass) closedOnDone(path []ast.Node) bool {
	for i, n := range path {
		switch n := n.(type) {
		case *ast.FuncLit:
			if i+1 < len(path) {
				if call, ok := path[i+1].(*ast.CallExpr); ok && isFunc(callee(p.Info, call), "context", "AfterFunc") {
					return true
				}
			}
			return p.waitsForDone(n.Body)
		case *ast.FuncDecl:
			return p.waitsForDone(n.Body)
		}
	}
	return false
}

// waitsForDone reports whether body receives from a context's Done.
func (p *Pass) waitsForDone(body *ast.BlockStmt) bool {
	found := false
	ast.Inspect(body, func(n ast.Node) bool {
		if u, ok := n.(*ast.UnaryExpr); ok && u.Op == token.ARROW && p.doneOf(u.X) != "" {
			found = true
		}
		return !found
	})
	return found
}

// simpleRef reports whether e is a variable or a chain of field selections
// from one, which may be evaluated again without effect.
func simpleRef(info *types.Info, e ast.Expr) bool {
	switch e := ast.Unparen(e).(type) {
	case *ast.Ident:
		_, ok := info.Uses[e].(*types.Var)
		return ok
	case *ast.SelectorExpr:
		if sel, ok := info.Selections[e]; ok {
			return sel.Kind() == types.FieldVal && simpleRef(info, e.X)
		}
		_, ok := info.Uses[e.Sel].(*types.Var) // a package's variable
		return ok
	}
	return false
}

// hasCommentIn reports whether a comment lies in [from, to).
func (p *Pass) hasCommentIn(from, to token.Pos) bool {
	f := p.FileOf(from)
	if f == nil {
		return true
	}
	for _, g := range f.Comments {
		if g.Pos() < to && g.End() > from {
			return true
		}
	}
	return false
}

// labelsIn returns the labels declared in a function body (its own, not
// those of function literals inside it).
func (p *Pass) labelsIn(body *ast.BlockStmt) map[string]bool {
	labels := map[string]bool{}
	ast.Inspect(body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit:
			return false
		case *ast.LabeledStmt:
			labels[n.Label.Name] = true
		}
		return true
	})
	return labels
}

// goArg returns the argument that the go statement starting the func
// literal g hands to its parameter ch (go func(errs <-chan error) { for
// range errs {...} }(c.Errors())), or ch itself when ch is no such
// parameter.
func (p *Pass) goArg(g goFunc, ch ast.Expr) ast.Expr {
	id, ok := ast.Unparen(ch).(*ast.Ident)
	if !ok || g.Go == nil {
		return ch
	}
	lit, ok := ast.Unparen(g.Go.Call.Fun).(*ast.FuncLit)
	if !ok || lit.Body != g.Body || g.Go.Call.Ellipsis.IsValid() {
		return ch
	}
	obj := p.Info.Uses[id]
	i := 0
	for _, field := range lit.Type.Params.List {
		for _, name := range field.Names {
			if p.Info.Defs[name] == obj && obj != nil && i < len(g.Go.Call.Args) {
				return g.Go.Call.Args[i]
			}
			i++
		}
		if len(field.Names) == 0 {
			i++
		}
	}
	return ch
}

// ctxWrittenAfterGo returns why the fix must not read ctx in the func
// literal g: ctx is a variable of the function that starts g, assigned
// in that function's body after the go statement (ctx =
// log.WithContext(ctx)), or before it inside a loop around the go
// statement (a restart loop starts g again), so the goroutine's read may
// race with that write (and see a context the starter made for something
// else). Otherwise "".
func (p *Pass) ctxWrittenAfterGo(g goFunc, ctx *types.Var, memo map[*ast.BlockStmt]map[*types.Var][]*ast.AssignStmt) string {
	if g.Go == nil || ctx == nil {
		return ""
	}
	lit, ok := ast.Unparen(g.Go.Call.Fun).(*ast.FuncLit)
	if !ok || lit.Body != g.Body || within(lit, ctx.Pos()) {
		return ""
	}
	goPath := p.pathTo(g.Go)
	body, _ := funcBody(goPath)
	if body == nil {
		return ""
	}
	// The assignments to each variable in body, gathered once per body:
	// a function with many goroutines would otherwise be walked once per
	// finding.
	byVar, ok := memo[body]
	if !ok {
		byVar = map[*types.Var][]*ast.AssignStmt{}
		ast.Inspect(body, func(n ast.Node) bool {
			if as, isAs := n.(*ast.AssignStmt); isAs {
				for _, l := range as.Lhs {
					if id, isID := ast.Unparen(l).(*ast.Ident); isID {
						if v, isVar := p.Info.Uses[id].(*types.Var); isVar {
							byVar[v] = append(byVar[v], as)
						}
					}
				}
			}
			return true
		})
		memo[body] = byVar
	}
	for _, as := range byVar[ctx] {
		if as.Pos() > g.Go.Pos() || sameLoop(goPath, as) {
			return fmt.Sprintf("%s is assigned again in the function that starts the goroutine (line %d): reading it in the goroutine may race with that write", ctx.Name(), p.Fset.Position(as.Pos()).Line)
		}
	}
	return ""
}

// fieldAssigned reports whether some assignment of the program, outside
// tests, sets the field (x.f = ...).
func (p *Pass) fieldAssigned(field *types.Var) bool {
	for _, q := range p.programPasses() {
		for _, f := range q.Owned {
			if q.inTestFile(f) {
				continue
			}
			found := false
			ast.Inspect(f, func(n ast.Node) bool {
				if as, ok := n.(*ast.AssignStmt); ok {
					for _, l := range as.Lhs {
						if sel, ok := ast.Unparen(l).(*ast.SelectorExpr); ok {
							if v, ok := q.Info.Uses[sel.Sel].(*types.Var); ok && v.Origin() == field {
								found = true
							}
						}
					}
				}
				return !found
			})
			if found {
				return true
			}
		}
	}
	return false
}

// sameLoop reports whether n lies inside a for or range statement that
// encloses path[0] too.
func sameLoop(path []ast.Node, n ast.Node) bool {
	for _, up := range path[1:] {
		switch up.(type) {
		case *ast.ForStmt, *ast.RangeStmt:
			if within(up, n.Pos()) {
				return true
			}
		case *ast.FuncDecl, *ast.FuncLit:
			return false
		}
	}
	return false
}

// harmlessOwnerCloses is why a range over a channel its owner closes is
// not a default finding.
const harmlessOwnerCloses = "the channel is a field its owner's own methods close (the owner's Close or release ends the range), so the loop ends when its source does; leaving earlier on the context would drop what the owner still delivers, or block the owner's last sends"

// ownerCloses reports whether the channel ch is a field of a type of the
// program, read directly (x.events) or through a method that returns it
// (x.Events()), that a method of the field's owner closes through its
// receiver (close(pom.errors) in pom's release).
func (p *Pass) ownerCloses(ch ast.Expr) bool {
	switch e := ast.Unparen(ch).(type) {
	case *ast.SelectorExpr:
		field, _ := p.Info.Uses[e.Sel].(*types.Var)
		return p.fieldClosedByOwner(field)
	case *ast.CallExpr:
		fn := callee(p.Info, e)
		if fn == nil || len(e.Args) != 0 {
			return false
		}
		recv := fn.Signature().Recv()
		if recv == nil {
			return false
		}
		iface, ok := recv.Type().Underlying().(*types.Interface)
		if !ok {
			return p.returnsClosedField(fn)
		}
		// A method of an interface: the implementations of the
		// interface's package (mocks elsewhere aside), or all of them.
		var own, all []*types.Func
		for _, impl := range p.Program.methodsNamed(fn.Name()) {
			if implementsIface(impl, iface) {
				all = append(all, impl)
				if impl.Pkg().Path() == fn.Pkg().Path() {
					own = append(own, impl)
				}
			}
		}
		if len(own) > 0 {
			all = own
		}
		for _, impl := range all {
			if !p.returnsClosedField(impl) {
				return false
			}
		}
		return len(all) > 0
	}
	return false
}

// returnsClosedField reports whether the method fn only returns a channel
// field of its receiver that a method of the field's owner closes.
func (p *Pass) returnsClosedField(fn *types.Func) bool {
	d, ok := p.Program.declOf(fn)
	if !ok || len(d.fd.Body.List) != 1 {
		return false
	}
	ret, ok := d.fd.Body.List[0].(*ast.ReturnStmt)
	if !ok || len(ret.Results) != 1 {
		return false
	}
	sel, ok := ast.Unparen(ret.Results[0]).(*ast.SelectorExpr)
	if !ok {
		return false
	}
	field, _ := d.pass.Info.Uses[sel.Sel].(*types.Var)
	return p.fieldClosedByOwner(field)
}

// fieldClosedByOwner reports whether a method of the type holding the
// channel field closes it through its receiver, and the field is set only
// in composite literals (never replaced by an assignment, which could
// leave a range on the old channel with nothing to close it).
func (p *Pass) fieldClosedByOwner(field *types.Var) bool {
	if field == nil || !field.IsField() || field.Pkg() == nil {
		return false
	}
	field = field.Origin()
	if p.fieldAssigned(field) {
		return false // replaced (a reconnect): the old channel may never be closed
	}
	for _, q := range p.Program.Packages {
		if q.Pkg.Path() != field.Pkg().Path() {
			continue
		}
		for _, f := range q.ownedFiles() {
			for _, d := range f.Decls {
				fd, ok := d.(*ast.FuncDecl)
				if !ok || fd.Body == nil || fd.Recv == nil || len(fd.Recv.List) != 1 || len(fd.Recv.List[0].Names) != 1 {
					continue
				}
				recv, _ := q.Info.Defs[fd.Recv.List[0].Names[0]].(*types.Var)
				if recv == nil {
					continue
				}
				found := false
				ast.Inspect(fd.Body, func(n ast.Node) bool {
					if call, ok := n.(*ast.CallExpr); ok && !found && len(call.Args) == 1 {
						if id := identOf(call.Fun); id != nil {
							if b, ok := q.Info.Uses[id].(*types.Builtin); ok && b.Name() == "close" {
								if sel, v := q.recvField(call.Args[0], recv); sel != nil && v == field {
									found = true
								}
							}
						}
					}
					return !found
				})
				if found {
					return true
				}
			}
		}
	}
	return false
}
