package matchers

import (
	"go/ast"
	"go/constant"
	"go/token"
	"go/types"
)

// TickLeak: time.Tick in a goroutine or a component's function.
//
// The ticker of time.Tick can never be stopped. Before Go 1.23 it is never
// collected either, so every call outside the program's main function
// leaks one; and a loop over it never ends, so its goroutine cannot be
// drained. From Go 1.23 (by the file's language version) an unreferenced
// ticker is collected, and only a for range time.Tick loop that has no way
// out is reported. time.Tick in main.main and init runs once for the
// program's life and is not reported; nor, by default, a loop over it
// with no context in scope in a goroutine nothing waits for, started a
// fixed number of times (a scheduler of the process's life). The fix, for a range loop with a
// context in scope and an interval that is a positive constant (or checked
// to be positive: time.NewTicker panics where time.Tick(0) returns nil),
// makes a ticker stopped when the function returns and selects on the
// context too.
//
//	go func() {
//		for tick := range time.Tick(time.Second) {   // bad
//			work(tick)
//		}
//	}()
//
//	go func() {
//		ticker := time.NewTicker(time.Second)        // good
//		defer ticker.Stop()
//		for {
//			select {
//			case <-ctx.Done():
//				return
//			case tick := <-ticker.C:
//				work(tick)
//			}
//		}
//	}()
func TickLeak(p *Pass) []Finding {
	if !imports(p.Pkg, "time") {
		return nil
	}
	var found []Finding
	for _, f := range p.Owned {
		p.inspectCallees(f, func(n ast.Node, fn *types.Func) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || !isTick(fn) {
				return true
			}
			path := p.pathTo(call)
			body, typ := funcBody(path)
			if body == nil || p.inMainOrInit(path) {
				return true
			}
			var rng *ast.RangeStmt
			var rngPath []ast.Node
			for i, n := range path[1:] {
				if r, ok := n.(*ast.RangeStmt); ok && ast.Unparen(r.X) == call {
					rng, rngPath = r, path[i+1:]
				}
				if _, ok := n.(ast.Stmt); ok {
					break
				}
			}
			collected := !p.Before(call.Pos(), "go1.23")
			if collected {
				if rng == nil {
					return true
				}
				if w := p.loopWaysOut(rng.Body, labelOf(rngPath)); w.out || len(w.breaks) > 0 {
					return true
				}
			}
			fd := Finding{Pos: call.Pos(), End: call.End()}
			if collected {
				fd.Message = "this loop over time.Tick never ends: its goroutine cannot be drained; use a time.NewTicker stopped on return and select on the context"
			} else if rng != nil {
				fd.Message = "time.Tick's ticker can never be stopped and, before Go 1.23, is never collected: it leaks, and a loop over it cannot be drained; use a time.NewTicker stopped on return"
			} else {
				fd.Message = "time.Tick's ticker can never be stopped and, before Go 1.23, is never collected: each call of the function leaks one; use a time.NewTicker stopped on return"
			}
			fix, why := p.tickLeakFix(rngPath, goFunc{Body: body, Type: typ}, call)
			setFix(&fd, fix, why)
			fd.Harmless = p.noDrain()
			if fd.Harmless == "" && rng == nil && p.runsOncePerProcess(p.enclosingFunc(call.Pos())) {
				fd.Harmless = harmlessOnce
			}
			if fd.Harmless == "" && rng == nil {
				// A goroutine started a fixed number of times that
				// selects on its ticker: it leaks one ticker per start,
				// when it leaves, and holds up no drain.
				for _, g := range p.goroutineFuncs() {
					if g.Body == body && g.Go != nil && !p.startedPerEvent(g.Go) {
						fd.Harmless = harmlessTickPerStart
					}
				}
			}
			if fd.Harmless == "" && rng != nil && p.ContextAt(call.Pos()) == nil {
				// A loop over the ticker in a goroutine of the process's
				// life, like loop-no-exit's endless loops.
				for _, g := range p.goroutineFuncs() {
					if g.Body == body && !p.joined(g) && !p.startedPerEvent(g.Go) {
						fd.Harmless = harmlessLifetimeLoop
					}
				}
				if fd.Harmless == "" && p.startedOnlyForLife(funcDeclOf(path), body) {
					fd.Harmless = harmlessLifetimeLoop
				}
			}
			found = append(found, fd)
			return true
		}, (*ast.CallExpr)(nil))
	}
	return found
}

// A TickLeakFix declares
//
//	Ticker := time.NewTicker(Dur)
//	defer Ticker.Stop()
//
// before the loop, and makes the loop a select on the context and
// Ticker.C.
type TickLeakFix struct {
	Loop   *SelectLoop
	Dur    ast.Expr
	Ticker string
}

func (p *Pass) tickLeakFix(rngPath []ast.Node, g goFunc, call *ast.CallExpr) (*TickLeakFix, string) {
	if rngPath == nil {
		return nil, "only a for range time.Tick loop is rewritten"
	}
	rng := rngPath[0].(*ast.RangeStmt)
	ctx := p.ContextAt(rng.Pos())
	if ctx == nil {
		return nil, "no context is in scope to stop the loop"
	}
	if inLoop(rngPath) {
		return nil, "the loop is inside another loop: a deferred Stop would pile up"
	}
	if len(call.Args) != 1 {
		return nil, "time.Tick is not called with one interval"
	}
	d := call.Args[0]
	if !p.positiveDuration(rngPath, d) {
		return nil, "the interval may be zero or negative: time.NewTicker panics where time.Tick returns nil"
	}
	loop, why := p.selectLoop(rngPath, g, ctx, "")
	if loop == nil {
		return nil, why
	}
	ticker := p.FreshName(loop.Place.Stmt, "ticker", "t")
	if ticker == "" {
		return nil, "no free name for the ticker"
	}
	return &TickLeakFix{Loop: loop, Dur: d, Ticker: ticker}, ""
}

// isTickCall reports whether e is a call of time.Tick.
func (p *Pass) isTickCall(e ast.Expr) bool {
	call, ok := ast.Unparen(e).(*ast.CallExpr)
	return ok && isTick(callee(p.Info, call))
}

// isTick reports whether fn is time.Tick.
func isTick(fn *types.Func) bool { return isFunc(fn, "time", "Tick") }

// inMainOrInit reports whether path[0] lies in package main's main
// function or in an init function, which run once for the program.
func (p *Pass) inMainOrInit(path []ast.Node) bool {
	for _, n := range path {
		if fd, ok := n.(*ast.FuncDecl); ok {
			return fd.Recv == nil && (fd.Name.Name == "init" || fd.Name.Name == "main" && p.Pkg.Name() == "main")
		}
	}
	return false
}

// positiveDuration reports whether the interval d, used at path[0], is
// known to be positive: a constant > 0, or a variable the code checked,
// by an if around the use (if d > 0 { ... }) or one before it that leaves
// otherwise (if d <= 0 { return }).
func (p *Pass) positiveDuration(path []ast.Node, d ast.Expr) bool {
	if tv, ok := p.Info.Types[d]; ok && tv.Value != nil {
		return constant.Sign(tv.Value) > 0
	}
	key := refKey(p.Info, d)
	if key == "" {
		return false
	}
	for i := 0; i+1 < len(path); i++ {
		child, parent := path[i], path[i+1]
		switch parent := parent.(type) {
		case *ast.FuncLit, *ast.FuncDecl:
			return false
		case *ast.IfStmt:
			if child == parent.Body && p.boundTest(parent.Cond, key, true) {
				return true
			}
		}
		for _, s := range stmtList(parent) {
			if s == child {
				break
			}
			if ifs, ok := s.(*ast.IfStmt); ok && ifs.Init == nil && ifs.Else == nil &&
				p.boundTest(ifs.Cond, key, false) && isTerminal(p.Info, ifs.Body.List) {
				return true
			}
		}
	}
	return false
}

// boundTest reports whether cond is a comparison of the variable key with
// a constant that, when it holds (positive) or when it fails (!positive),
// leaves the variable > 0.
func (p *Pass) boundTest(cond ast.Expr, key string, positive bool) bool {
	b, ok := ast.Unparen(cond).(*ast.BinaryExpr)
	if !ok {
		return false
	}
	x, y, op := b.X, b.Y, b.Op
	if refKey(p.Info, y) == key { // 0 < d is d > 0
		x, y = y, x
		switch op {
		case token.LSS:
			op = token.GTR
		case token.LEQ:
			op = token.GEQ
		case token.GTR:
			op = token.LSS
		case token.GEQ:
			op = token.LEQ
		}
	}
	tv, ok := p.Info.Types[y]
	if refKey(p.Info, x) != key || !ok || tv.Value == nil || tv.Value.Kind() != constant.Int {
		return false
	}
	sign := constant.Sign(tv.Value)
	if !positive {
		// d <= c (c >= 0) or d < c (c > 0) fails only for d > c >= 0.
		op = map[token.Token]token.Token{token.LEQ: token.GTR, token.LSS: token.GEQ}[op]
	}
	switch op {
	case token.GTR:
		return sign >= 0
	case token.GEQ:
		return sign > 0
	}
	return false
}

// harmlessTickPerStart is why a time.Tick in a goroutine started a fixed
// number of times is not a default finding.
const harmlessTickPerStart = "the function is a goroutine started a fixed number of times (not per connection or message) that does not range over the ticker: it leaks one ticker per start, not a growing number, and the leak holds up no drain"
