package matchers

import (
	"go/ast"
	"go/token"
	"go/types"
	"strings"
)

// LoopvarCapture: a loop variable captured by a goroutine or a deferred
// func literal, in a file older than Go 1.22.
//
// Before Go 1.22 a loop's variables are shared by all its iterations: a
// goroutine started in the loop (or a func deferred in it) that reads the
// variable sees whatever value it holds when the goroutine runs, most often
// the last one. Reported for go func() {...}(), defer func() {...}() and
// the funcs given to an errgroup's or a WaitGroup's Go, in files whose
// language version is below 1.22; silent from 1.22 on, where each
// iteration has its own variables. A variable passed as an argument, or
// copied (v := v) before the capture, is not captured; a func started just
// before a return or a break out of the loop sees no later iteration.
//
//	for _, item := range items {
//		go func() { process(item) }()  // bad before Go 1.22
//	}
//
//	for _, item := range items {
//		item := item
//		go func() { process(item) }()  // good
//	}
func LoopvarCapture(p *Pass) []Finding {
	var found []Finding
	for _, f := range p.Owned {
		if !p.Before(f.Package, "go1.22") {
			continue
		}
		p.inspectFile(f, func(n ast.Node) bool {
			var vars []*types.Var
			var body *ast.BlockStmt
			threeClause := false
			switch n := n.(type) {
			case *ast.RangeStmt:
				if n.Tok == token.DEFINE {
					vars = p.definedVars(n.Key, n.Value)
				}
				body = n.Body
			case *ast.ForStmt:
				if as, ok := n.Init.(*ast.AssignStmt); ok && as.Tok == token.DEFINE {
					vars = p.definedVars(as.Lhs...)
				}
				body, threeClause = n.Body, true
			default:
				return true
			}
			if fd, ok := p.loopvarCapture(vars, body, threeClause); ok {
				found = append(found, fd)
			}
			return true
		}, (*ast.RangeStmt)(nil), (*ast.ForStmt)(nil))
	}
	return found
}

// A LoopvarCaptureFix copies each of Vars (v := v) at the top of Body.
type LoopvarCaptureFix struct {
	Body *ast.BlockStmt
	Vars []string
}

// definedVars returns the variables the expressions declare, in order.
func (p *Pass) definedVars(es ...ast.Expr) []*types.Var {
	var vars []*types.Var
	for _, e := range es {
		if id, ok := e.(*ast.Ident); ok && id.Name != "_" {
			if v, ok := p.Info.Defs[id].(*types.Var); ok {
				vars = append(vars, v)
			}
		}
	}
	return vars
}

func (p *Pass) loopvarCapture(vars []*types.Var, body *ast.BlockStmt, threeClause bool) (Finding, bool) {
	if len(vars) == 0 {
		return Finding{}, false
	}
	captured := map[*types.Var]bool{}
	var first *ast.Ident
	onlyLogged := true // every captured read is an argument of a log call
	for _, lit := range p.goFuncsIn(body) {
		if p.awaitsReads(lit, body, vars) {
			continue
		}
		var stack []ast.Node
		ast.Inspect(lit.Body, func(n ast.Node) bool {
			if n == nil {
				stack = stack[:len(stack)-1]
				return true
			}
			stack = append(stack, n)
			id, ok := n.(*ast.Ident)
			if !ok {
				return true
			}
			for _, v := range vars {
				if p.Info.Uses[id] == v {
					captured[v] = true
					onlyLogged = onlyLogged && p.inLogCall(stack)
					if first == nil || id.Pos() < first.Pos() {
						first = id
					}
				}
			}
			return true
		})
	}
	if first == nil {
		return Finding{}, false
	}
	var names []string
	for _, v := range vars {
		if captured[v] {
			names = append(names, v.Name())
		}
	}
	what, it := "loop variable "+names[0]+" is", "it"
	if len(names) > 1 {
		what, it = "loop variables "+strings.Join(names, ", ")+" are", "them"
	}
	fd := Finding{
		Pos: first.Pos(), End: first.End(),
		Message: what + " captured by a func run later (a goroutine or a deferred call); before Go 1.22 every iteration shares " + it + ", so the func sees a later value; copy " + it + " at the top of the loop body",
	}
	fix, why := p.loopvarFix(vars, captured, names, body, threeClause)
	setFix(&fd, fix, why)
	if onlyLogged {
		fd.Harmless = harmlessOnlyLogged
	}
	return fd, true
}

// harmlessOnlyLogged is why a loop variable a func captures only to log it
// is not a default finding.
const harmlessOnlyLogged = "the func reads the loop variable only to log it: a later iteration's value makes a log line wrong, not the work or the drain"

// inLogCall reports whether the innermost node of stack (a path from a
// func literal's body down) is an argument of a logging call: a function
// or method of package log or log/slog, or of a logging library (logrus,
// zap, zerolog, klog, glog), other than one that exits or panics, directly
// or inside the composite literals and field calls handed to it
// (log.WithFields(log.Fields{"id": v.ID}).Error(...)).
func (p *Pass) inLogCall(stack []ast.Node) bool {
	for i := len(stack) - 2; i >= 0; i-- {
		call, ok := stack[i].(*ast.CallExpr)
		if !ok || stack[i+1] == call.Fun {
			continue
		}
		fn := callee(p.Info, call)
		if fn == nil || fn.Pkg() == nil {
			return false
		}
		if isLogFunc(fn) {
			return true
		}
	}
	return false
}

// isLogFunc reports whether fn is a logging function or method that
// returns: one of package log or log/slog, or of a package whose path
// names a logging library, other than Fatal*, Panic* and Exit.
func isLogFunc(fn *types.Func) bool {
	path := fn.Pkg().Path()
	lib := path == "log" || path == "log/slog"
	for _, l := range []string{"logrus", "go.uber.org/zap", "zerolog", "klog", "glog"} {
		lib = lib || strings.Contains(path, l)
	}
	name := fn.Name()
	return lib && !strings.HasPrefix(name, "Fatal") && !strings.HasPrefix(name, "Panic") && name != "Exit"
}

// awaitsReads reports whether the loop waits for the goroutine running lit
// to read the loop variables before it moves on: the go statement is a
// statement of the loop body, a later one receives from a channel ch, and
// the goroutine reads every loop variable (outside nested func literals)
// before it first mentions ch, which is how it tells the loop it is ready.
func (p *Pass) awaitsReads(lit *ast.FuncLit, body *ast.BlockStmt, vars []*types.Var) bool {
	at := -1
	for i, s := range body.List {
		if gs, ok := s.(*ast.GoStmt); ok && ast.Unparen(gs.Call.Fun) == lit {
			at = i
		}
	}
	if at < 0 {
		return false
	}
	for _, s := range body.List[at+1:] {
		r := recvOf(s)
		if r == nil {
			continue
		}
		id, ok := ast.Unparen(r.X).(*ast.Ident)
		if !ok {
			return false
		}
		ch := p.Info.Uses[id]
		first := token.NoPos
		ast.Inspect(lit.Body, func(n ast.Node) bool {
			if id, ok := n.(*ast.Ident); ok && ch != nil && p.Info.Uses[id] == ch && (first == token.NoPos || id.Pos() < first) {
				first = id.Pos()
			}
			return true
		})
		if first == token.NoPos {
			return false
		}
		before := true
		var inspect func(n ast.Node, nested bool)
		inspect = func(n ast.Node, nested bool) {
			ast.Inspect(n, func(m ast.Node) bool {
				if l, ok := m.(*ast.FuncLit); ok && m != n {
					inspect(l.Body, true)
					return false
				}
				if id, ok := m.(*ast.Ident); ok {
					for _, v := range vars {
						if p.Info.Uses[id] == v && (nested || id.Pos() > first) {
							before = false
						}
					}
				}
				return true
			})
		}
		inspect(lit.Body, false)
		return before
	}
	return false
}

// goFuncsIn returns the func literals of body that run after the iteration
// may have moved on: started with go, deferred, or given to an errgroup's
// or a WaitGroup's Go. Closures called on the spot are not looked into.
func (p *Pass) goFuncsIn(body *ast.BlockStmt) []*ast.FuncLit {
	var lits []*ast.FuncLit
	ast.Inspect(body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit:
			return false
		case *ast.GoStmt:
			if lit, ok := ast.Unparen(n.Call.Fun).(*ast.FuncLit); ok && !p.leavesLoop(n, body) {
				lits = append(lits, lit)
			}
		case *ast.DeferStmt:
			if lit, ok := ast.Unparen(n.Call.Fun).(*ast.FuncLit); ok && !p.leavesLoop(n, body) {
				lits = append(lits, lit)
			}
		case *ast.CallExpr:
			for _, a := range n.Args {
				if lit, ok := ast.Unparen(a).(*ast.FuncLit); ok && p.isGoFunc(n, lit) && !p.leavesLoop(n, body) {
					lits = append(lits, lit)
				}
			}
		}
		return true
	})
	return lits
}

// leavesLoop reports whether the statement holding n is followed at once
// by a return, or a break out of the loop whose body is body: no later
// iteration then changes the variables n captured.
func (p *Pass) leavesLoop(n ast.Node, body *ast.BlockStmt) bool {
	path := p.pathTo(n)
	place, ok := stmtPlace(path)
	if !ok {
		return false
	}
	list := stmtList(place.Block)
	var next ast.Stmt
	for k, s := range list {
		if s == place.Stmt && k+1 < len(list) {
			next = list[k+1]
		}
	}
	switch next := next.(type) {
	case *ast.ReturnStmt:
		return true
	case *ast.BranchStmt:
		if next.Tok != token.BREAK || next.Label != nil {
			return false
		}
		// An unlabelled break leaves the innermost for, switch or select.
		for _, n := range path {
			if n == body {
				return true
			}
			switch n.(type) {
			case *ast.CaseClause, *ast.CommClause, *ast.ForStmt, *ast.RangeStmt:
				return false
			}
		}
	}
	return false
}

func (p *Pass) loopvarFix(vars []*types.Var, captured map[*types.Var]bool, names []string, body *ast.BlockStmt, threeClause bool) (*LoopvarCaptureFix, string) {
	if len(body.List) == 0 {
		return nil, "the loop body is empty"
	}
	if sc := p.Info.Scopes[body]; sc != nil {
		for _, n := range names {
			if sc.Lookup(n) != nil {
				return nil, "the loop body already declares " + n
			}
		}
	}
	if threeClause {
		// A copy would take the body's changes away from the loop's own
		// variable, which the condition and post statement read.
		for _, v := range vars {
			if captured[v] && p.changedIn(body, v) {
				return nil, "the loop body changes " + v.Name() + ", which a copy would hide from the loop's condition and post statement"
			}
		}
	}
	return &LoopvarCaptureFix{Body: body, Vars: names}, ""
}

// changedIn reports whether n assigns v, increments it or takes its
// address.
func (p *Pass) changedIn(n ast.Node, v *types.Var) bool {
	is := func(e ast.Expr) bool {
		id, ok := ast.Unparen(e).(*ast.Ident)
		return ok && p.Info.Uses[id] == v
	}
	changed := false
	ast.Inspect(n, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.AssignStmt:
			for _, l := range n.Lhs {
				changed = changed || is(l)
			}
		case *ast.IncDecStmt:
			changed = changed || is(n.X)
		case *ast.UnaryExpr:
			changed = changed || n.Op == token.AND && is(n.X)
		case *ast.RangeStmt:
			changed = changed || n.Tok == token.ASSIGN && (is(n.Key) || n.Value != nil && is(n.Value))
		}
		return !changed
	})
	return changed
}
