package matchers

import (
	"go/ast"
	"go/token"
	"go/types"
)

// A wait is a receive that tells the code it is shutting down: from a
// signal channel, or from a context's Done channel.
type wait struct {
	signal bool   // a receive from a chan os.Signal
	ctx    string // refKey of the context whose Done was received
	// sure is whether the wait certainly happened on every way to the node
	// (a statement before it in an enclosing block, or the select case it
	// sits in), not just on some way (one case of an earlier select).
	sure bool
}

// waitsBefore returns the waits that come before the node at path[0] in
// its function: statements earlier in each enclosing block, and the select
// case holding it.
func (p *Pass) waitsBefore(path []ast.Node) []wait {
	var ws []wait
	for i := 0; i+1 < len(path); i++ {
		child, parent := path[i], path[i+1]
		switch parent := parent.(type) {
		case *ast.FuncLit, *ast.FuncDecl:
			return ws
		case *ast.CommClause:
			if child != parent.Comm {
				if w, ok := p.recvWait(parent.Comm); ok {
					w.sure = true
					ws = append(ws, w)
				}
			}
		}
		for _, s := range stmtList(parent) {
			if s == child {
				break
			}
			ws = append(ws, p.stmtWaits(s)...)
		}
	}
	return ws
}

// stmtWaits returns the waits a statement performs.
func (p *Pass) stmtWaits(s ast.Stmt) []wait {
	if w, ok := p.recvWait(s); ok {
		w.sure = true
		return []wait{w}
	}
	sel, ok := s.(*ast.SelectStmt)
	if !ok {
		return nil
	}
	var ws []wait
	// After a select, a context is surely done when every case that goes on
	// past the select waited for that context.
	sureCtx, allSame := "", true
	for _, cc := range sel.Body.List {
		cc := cc.(*ast.CommClause)
		w, ok := p.recvWait(cc.Comm)
		if ok {
			ws = append(ws, w)
		}
		if isTerminal(p.Info, cc.Body) {
			continue
		}
		if !ok || w.signal || (sureCtx != "" && sureCtx != w.ctx) {
			allSame = false
			continue
		}
		sureCtx = w.ctx
	}
	if allSame && sureCtx != "" {
		ws = append(ws, wait{ctx: sureCtx, sure: true})
	}
	return ws
}

// recvOf returns the receive a statement (or select comm) makes: <-x,
// v := <-x and the like; nil for any other statement.
func recvOf(s ast.Stmt) *ast.UnaryExpr {
	var x ast.Expr
	switch s := s.(type) {
	case *ast.ExprStmt:
		x = s.X
	case *ast.AssignStmt:
		if len(s.Rhs) == 1 {
			x = s.Rhs[0]
		}
	}
	if u, ok := ast.Unparen(x).(*ast.UnaryExpr); ok && u.Op == token.ARROW {
		return u
	}
	return nil
}

// recvWait classifies a statement (or select comm) that receives.
func (p *Pass) recvWait(s ast.Stmt) (wait, bool) {
	u := recvOf(s)
	if u == nil {
		return wait{}, false
	}
	if k := p.doneOf(u.X); k != "" {
		return wait{ctx: k}, true
	}
	if isSignalChan(p.Info.TypeOf(u.X)) {
		return wait{signal: true}, true
	}
	return wait{}, false
}

// doneOf returns the refKey of ctx when e is ctx.Done() for a
// context.Context, else "".
func (p *Pass) doneOf(e ast.Expr) string {
	call, ok := ast.Unparen(e).(*ast.CallExpr)
	if !ok || len(call.Args) != 0 {
		return ""
	}
	sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr)
	if !ok || sel.Sel.Name != "Done" || !isContext(p.Info.TypeOf(sel.X)) {
		return ""
	}
	if k := refKey(p.Info, sel.X); k != "" {
		return k
	}
	return "?"
}

// isSignalChan reports whether t is a channel of os.Signal.
func isSignalChan(t types.Type) bool {
	if t == nil {
		return false
	}
	ch, ok := t.Underlying().(*types.Chan)
	return ok && isNamed(ch.Elem(), "os", "Signal")
}

// onShutdownPath reports whether the node at path[0] runs after a
// termination signal or a context's Done in its function.
func (p *Pass) onShutdownPath(path []ast.Node) bool {
	return len(p.waitsBefore(path)) > 0
}
