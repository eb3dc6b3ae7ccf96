package matchers

import (
	"go/ast"
	"go/token"
	"go/types"
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
// starter, after the go statement, selects on that channel together with
// a context's Done or a timer.
func (p *Pass) racedGoroutine(path []ast.Node) bool {
	for i, n := range path {
		lit, ok := n.(*ast.FuncLit)
		if !ok {
			continue
		}
		if i+3 >= len(path) {
			return false
		}
		gcall, ok := path[i+1].(*ast.CallExpr)
		if !ok || gcall.Fun != lit {
			return false
		}
		gs, ok := path[i+2].(*ast.GoStmt)
		if !ok {
			return false
		}
		block, ok := path[i+3].(*ast.BlockStmt)
		if !ok {
			return false
		}
		// The channel the goroutine reports completion on, after the call.
		done := map[string]bool{}
		ast.Inspect(lit.Body, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.FuncLit:
				return false
			case *ast.SendStmt:
				// After the call, or of its result (done <- s.Shutdown()).
				if n.End() >= path[0].End() {
					done[varKey(p.Info, n.Chan)] = true
				}
			case *ast.CallExpr:
				if id, ok := ast.Unparen(n.Fun).(*ast.Ident); ok && len(n.Args) == 1 && n.Pos() > path[0].Pos() {
					if b, ok := p.Info.Uses[id].(*types.Builtin); ok && b.Name() == "close" {
						done[varKey(p.Info, n.Args[0])] = true
					}
				}
			}
			return true
		})
		delete(done, "")
		if len(done) == 0 {
			return false
		}
		for _, s := range block.List {
			if s.Pos() <= gs.Pos() {
				continue
			}
			sel, ok := s.(*ast.SelectStmt)
			if !ok {
				continue
			}
			gotDone, gotDeadline := false, false
			for _, cc := range sel.Body.List {
				cc := cc.(*ast.CommClause)
				recv := recvOf(cc.Comm)
				if recv == nil {
					continue
				}
				switch {
				case done[varKey(p.Info, recv.X)]:
					gotDone = true
				case p.isDeadlineChan(recv.X):
					gotDeadline = true
				}
			}
			if gotDone && gotDeadline {
				return true
			}
		}
		return false
	}
	return false
}

// isDeadlineChan reports whether e is a context's Done(), time.After(d) or
// a timer's channel. time.After with a constant longer than the default
// grace period is none: the process is killed before it fires.
func (p *Pass) isDeadlineChan(e ast.Expr) bool {
	if p.doneOf(e) != "" {
		return true
	}
	if call, ok := ast.Unparen(e).(*ast.CallExpr); ok && isFunc(callee(p.Info, call), "time", "After") {
		return len(call.Args) == 1 && drainpath.BoundsDrain(p.Info, call.Args[0])
	}
	if sel, ok := ast.Unparen(e).(*ast.SelectorExpr); ok && sel.Sel.Name == "C" && isNamed(derefType(p.Info.TypeOf(sel.X)), "time", "Timer") {
		return true
	}
	return false
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
