package matchers

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"slices"
)

// sigtermCases returns the case clauses that SIGTERM must join when it is
// added to the signals of the signal.Notify call: the code that receives
// from its channel may tell the signals apart, and SIGTERM must take the
// path SIGINT takes there (switch sig { case os.Interrupt: drain }),
// else it would be caught and then ignored, and the process would no
// longer stop at all. It follows the values received from the channel
// (a receive, a range, a select case, through a variable, in the
// package's files, also into a function of the package it is handed to)
// and returns why not when it cannot: a value compared, handed to a
// function, returned or stored, a case that is not a named signal, or
// the channel handed somewhere it cannot see.
func (p *Pass) sigtermCases(call *ast.CallExpr) ([]*ast.CaseClause, string) {
	if !isFunc(callee(p.Info, call), "os/signal", "Notify") || len(call.Args) == 0 {
		return nil, ""
	}
	s := &sigScan{p: p, seen: map[string]bool{}}
	s.channel(call.Args[0], 0)
	return s.cases, s.why
}

type sigScan struct {
	p     *Pass
	seen  map[string]bool
	cases []*ast.CaseClause
	why   string
}

func (s *sigScan) fail(n ast.Node, what string) {
	if s.why == "" {
		s.why = fmt.Sprintf("the handler %s (%s): drainfix cannot tell whether SIGTERM would take SIGINT's path there", what, shortPos(s.p.Fset, n.Pos()))
	}
}

// channel follows the uses of the signal channel ch.
func (s *sigScan) channel(ch ast.Expr, depth int) {
	p := s.p
	key := varKey(p.Info, ch)
	if key == "" {
		if _, ok := ast.Unparen(ch).(*ast.CallExpr); !ok {
			s.fail(ch, "gets its signals through a channel expression drainfix does not follow")
		}
		return // make(chan os.Signal, 1) in place: nothing receives from it
	}
	s.scanKey(key, depth)
}

// scanKey follows the uses of the channel variable or field key.
func (s *sigScan) scanKey(key string, depth int) {
	p := s.p
	if s.seen[key] {
		return
	}
	s.seen[key] = true
	for _, f := range p.Files {
		var stack []ast.Node
		ast.Inspect(f, func(n ast.Node) bool {
			if n == nil {
				stack = stack[:len(stack)-1]
				return true
			}
			if s.why != "" {
				return false
			}
			stack = append(stack, n)
			e, ok := n.(ast.Expr)
			if !ok || len(stack) < 2 {
				return true
			}
			if sel, ok := stack[len(stack)-2].(*ast.SelectorExpr); ok && sel.Sel == n {
				return true // the selector as a whole is the expression
			}
			switch n.(type) {
			case *ast.Ident, *ast.SelectorExpr:
			default:
				return true
			}
			if varKey(p.Info, e) != key {
				return true
			}
			s.chanUse(e, stack, depth)
			return true
		})
	}
}

// chanUse accepts one use of the signal channel e (stack: the nodes from
// the file down to e): a definition, a receive or range (whose values are
// followed), a call of os/signal or close, a hand-off to a function of the
// package or a copy into a variable (followed). Anything else fails the
// scan: the channel goes where its receivers cannot be seen.
func (s *sigScan) chanUse(e ast.Expr, stack []ast.Node, depth int) {
	p := s.p
	i := len(stack) - 2
	var child ast.Node = e
	for i >= 0 {
		if _, ok := stack[i].(*ast.ParenExpr); !ok {
			break
		}
		child = stack[i]
		i--
	}
	if i < 0 {
		return
	}
	switch parent := stack[i].(type) {
	case *ast.Field, *ast.SendStmt:
		return // a declaration; a send of a signal (a test's, a forwarder's)
	case *ast.UnaryExpr:
		if parent.Op == token.ARROW {
			s.received(parent)
			return
		}
	case *ast.RangeStmt:
		if parent.X == child {
			if parent.Key != nil && parent.Value == nil {
				s.value(parent.Key)
			}
			return
		}
	case *ast.CallExpr:
		for j, a := range parent.Args {
			if a != child {
				continue
			}
			fn := callee(p.Info, parent)
			switch {
			case fn != nil && fn.Pkg() != nil && fn.Pkg().Path() == "os/signal":
			case isBuiltinClose(p.Info, parent):
			default:
				if id, ok := ast.Unparen(parent.Fun).(*ast.Ident); ok {
					if b, ok := p.Info.Uses[id].(*types.Builtin); ok && (b.Name() == "len" || b.Name() == "cap") {
						return
					}
				}
				s.handedOn(parent, fn, j, depth)
			}
			return
		}
	case *ast.AssignStmt:
		for j, l := range parent.Lhs {
			if l == child {
				return // the channel is made or set here
			}
			_ = j
		}
		for j, r := range parent.Rhs {
			if r == child && len(parent.Lhs) == len(parent.Rhs) {
				if varKey(p.Info, parent.Lhs[j]) != "" {
					s.channel(parent.Lhs[j], depth)
					return
				}
			}
		}
	case *ast.ValueSpec:
		for _, n := range parent.Names {
			if n == child {
				return
			}
		}
		for j, v := range parent.Values {
			if v == child && j < len(parent.Names) && len(parent.Names) == len(parent.Values) {
				s.channel(parent.Names[j], depth)
				return
			}
		}
	case *ast.KeyValueExpr:
		if parent.Key == child {
			return // the field's name in a literal
		}
		if v := fieldVarOf(p.Info, parent.Key); v != nil {
			s.scanKey(fieldVarKey(v), depth) // T{sigs: ch}
			return
		}
	case *ast.CommClause:
		return
	}
	s.fail(stack[i], "hands the signal channel on where drainfix cannot follow it")
}

// handedOn follows the channel into the parameter of a function of the
// package it is handed to.
func (s *sigScan) handedOn(call *ast.CallExpr, fn *types.Func, i, depth int) {
	p := s.p
	if fn == nil || depth >= 2 || fn.Pkg() != p.Pkg || call.Ellipsis.IsValid() {
		s.fail(call, "hands the signal channel to a function drainfix does not follow")
		return
	}
	var fd *ast.FuncDecl
	for _, f := range p.Files {
		for _, d := range f.Decls {
			if d, ok := d.(*ast.FuncDecl); ok && p.Info.Defs[d.Name] == fn.Origin() {
				fd = d
			}
		}
	}
	if fd == nil || fd.Body == nil {
		s.fail(call, "hands the signal channel to a function drainfix does not follow")
		return
	}
	id := paramIdent(fd, i)
	if id == nil || id.Name == "_" {
		return // the function ignores it
	}
	s.channel(id, depth+1)
}

// received looks at what is done with the value of the receive r.
func (s *sigScan) received(r *ast.UnaryExpr) {
	p := s.p
	path := p.pathTo(r)
	i := aboveParens(path)
	if i >= len(path) {
		return
	}
	var child ast.Node = path[i-1]
	switch parent := path[i].(type) {
	case *ast.ExprStmt:
	case *ast.AssignStmt:
		for j, rhs := range parent.Rhs {
			if rhs == child && j < len(parent.Lhs) {
				s.value(parent.Lhs[j])
			}
		}
	case *ast.ValueSpec:
		for j, v := range parent.Values {
			if v == child && j < len(parent.Names) {
				s.value(parent.Names[j])
			}
		}
	case *ast.SwitchStmt:
		if parent.Tag == child {
			s.sw(parent)
		}
	default:
		s.use(path[i-1], path[i:])
	}
}

// value follows the variable (an identifier being assigned) that holds a
// received signal.
func (s *sigScan) value(lhs ast.Expr) {
	p := s.p
	id, ok := ast.Unparen(lhs).(*ast.Ident)
	if !ok {
		s.fail(lhs, "keeps the signal where drainfix cannot follow it")
		return
	}
	if id.Name == "_" {
		return
	}
	v, _ := p.Info.ObjectOf(id).(*types.Var)
	if v == nil {
		return
	}
	f := p.FileOf(id.Pos())
	if f == nil {
		return
	}
	ast.Inspect(f, func(n ast.Node) bool {
		use, ok := n.(*ast.Ident)
		if !ok || s.why != "" || p.Info.Uses[use] != v {
			return s.why == ""
		}
		path := p.pathTo(use)
		i := aboveParens(path)
		if i >= len(path) {
			return true
		}
		if sw, ok := path[i].(*ast.SwitchStmt); ok && sw.Tag == path[i-1] {
			s.sw(sw)
			return true
		}
		if as, ok := path[i].(*ast.AssignStmt); ok {
			for _, l := range as.Lhs {
				if l == path[i-1] {
					return true // assigned again: another receive
				}
			}
		}
		s.use(path[i-1], path[i:])
		return true
	})
}

// use accepts what tells no signals apart: a log or print call, also of
// what a method of the signal returns (sig.String()). Anything else fails
// the scan.
func (s *sigScan) use(x ast.Node, path []ast.Node) {
	p := s.p
	switch parent := path[0].(type) {
	case *ast.CallExpr:
		if parent.Fun != x {
			if fn := callee(p.Info, parent); fn != nil && fn.Pkg() != nil {
				if inPrintPkg(fn) {
					return
				}
				if fn.Signature().Recv() != nil && isNamed(fn.Signature().Recv().Type(), "log/slog", "Logger") {
					return
				}
			}
			s.fail(parent, "hands the signal to a function")
			return
		}
	case *ast.SelectorExpr:
		if parent.X == x && len(path) > 1 {
			if c, ok := path[1].(*ast.CallExpr); ok && c.Fun == parent && len(c.Args) == 0 && len(path) > 2 {
				s.use(c, path[2:]) // sig.String(): its result must only be logged
				return
			}
		}
	case *ast.BinaryExpr:
		s.fail(parent, "compares the signal")
		return
	case *ast.ReturnStmt:
		s.fail(parent, "returns the signal")
		return
	}
	s.fail(path[0], "uses the signal")
}

// sw records the clause of a switch on the signal that handles SIGINT.
func (s *sigScan) sw(sw *ast.SwitchStmt) {
	for _, st := range sw.Body.List {
		cc := st.(*ast.CaseClause)
		sigint := false
		for _, e := range cc.List {
			switch s.p.signalName(e) {
			case "":
				s.fail(e, "switches on the signal with a case that is not a named signal")
				return
			case "SIGINT":
				sigint = true // os.Interrupt, syscall.SIGINT: one clause
			}
		}
		if sigint && !slices.Contains(s.cases, cc) {
			s.cases = append(s.cases, cc)
		}
	}
}

// aboveParens returns the index in path (from a node up) of the first
// node above path[0] that is not a parenthesis: its parent in effect.
func aboveParens(path []ast.Node) int {
	i := 1
	for i < len(path) {
		if _, ok := path[i].(*ast.ParenExpr); !ok {
			break
		}
		i++
	}
	return i
}
