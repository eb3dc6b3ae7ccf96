package matchers

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
)

// This file decides whether close-before-drain can move a close statement
// after its drain without changing what the code in between does.

// blocker says why moving list[i], the close of x, after the drain list[j]
// would change what the code does, or "".
func (m *cbdMatcher) blocker(list []ast.Stmt, i, j int, d cbdDrain, x ast.Expr, xk map[string]bool) string {
	if d.ret {
		return "the drain is a return statement: the close cannot follow it"
	}
	for _, s := range list[i+1 : j+1] {
		if cbdLeaves(m.p.Info, s, 0, 0) {
			return "the code up to the drain can leave the block (return, break, panic, exit): the moved close would not run there"
		}
	}
	name := types.ExprString(x)
	uses := false
	for _, s := range list[d.start : j+1] {
		uses = uses || m.p.cbdRefers(s, xk)
	}
	if !uses {
		r := m.reach(xk)
		r.walk(cbdNodes(list[i+1:d.start]), func(n ast.Node) {
			if e, ok := n.(ast.Expr); ok && r.keys[m.p.cbdKeyOf(e)] {
				uses = true
			}
		})
		uses = uses || r.exhausted
	}
	if uses {
		return fmt.Sprintf("the code between the close and the drain uses %s: moving the close would change what it does", name)
	}
	reads, writes := m.p.cbdReadsWrites(list[i])
	for _, s := range list[i+1 : j+1] {
		if v := m.p.cbdSets(s, reads); v != "" {
			return fmt.Sprintf("the code between the close and the drain sets or redeclares %s, which the close statement reads", v)
		}
		if v := m.p.cbdReads(s, writes); v != "" {
			return fmt.Sprintf("the close statement sets %s, which the code up to the drain reads", v)
		}
	}
	return ""
}

// cbdLeaves reports whether n can leave the statement list it is in:
// return, goto, a labelled branch, a break or continue of no loop, switch
// or select inside n, panic or an exit. loops and breaks count the loops
// and the breakable statements n is inside.
func cbdLeaves(info *types.Info, n ast.Node, loops, breaks int) bool {
	leaves := false
	ast.Inspect(n, func(c ast.Node) bool {
		if leaves {
			return false
		}
		switch c := c.(type) {
		case *ast.FuncLit:
			return false
		case *ast.ReturnStmt:
			leaves = true
		case *ast.BranchStmt:
			leaves = c.Tok == token.GOTO || c.Label != nil ||
				(c.Tok == token.BREAK && breaks == 0) || (c.Tok == token.CONTINUE && loops == 0)
		case *ast.ForStmt:
			leaves = cbdLeaves(info, c.Body, loops+1, breaks+1)
			return false
		case *ast.RangeStmt:
			leaves = cbdLeaves(info, c.Body, loops+1, breaks+1)
			return false
		case *ast.SwitchStmt:
			leaves = cbdLeaves(info, c.Body, loops, breaks+1)
			return false
		case *ast.TypeSwitchStmt:
			leaves = cbdLeaves(info, c.Body, loops, breaks+1)
			return false
		case *ast.SelectStmt:
			leaves = cbdLeaves(info, c.Body, loops, breaks+1)
			return false
		case *ast.CallExpr:
			if id, ok := ast.Unparen(c.Fun).(*ast.Ident); ok {
				if b, ok := info.Uses[id].(*types.Builtin); ok && b.Name() == "panic" {
					leaves = true
				}
			}
			leaves = leaves || isExit(callee(info, c))
		}
		return !leaves
	})
	return leaves
}

// cbdRefers reports whether n refers to any of the keys.
func (p *Pass) cbdRefers(n ast.Node, keys map[string]bool) bool {
	found := false
	ast.Inspect(n, func(c ast.Node) bool {
		if e, ok := c.(ast.Expr); ok && keys[cbdKey(p.Info, e)] {
			found = true
		}
		return !found
	})
	return found
}

// cbdReadsWrites returns the variables declared outside s that s reads,
// and those it sets.
func (p *Pass) cbdReadsWrites(s ast.Stmt) (reads, writes map[*types.Var]bool) {
	reads, writes = map[*types.Var]bool{}, map[*types.Var]bool{}
	outside := func(id *ast.Ident) *types.Var {
		v, ok := p.Info.Uses[id].(*types.Var)
		if !ok || v.IsField() || within(s, v.Pos()) {
			return nil
		}
		return v
	}
	ast.Inspect(s, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.Ident:
			if v := outside(n); v != nil {
				reads[v] = true
			}
		case *ast.AssignStmt:
			for _, l := range n.Lhs {
				if id, ok := ast.Unparen(l).(*ast.Ident); ok {
					if v := outside(id); v != nil {
						writes[v] = true
					}
				}
			}
		case *ast.IncDecStmt:
			if id, ok := ast.Unparen(n.X).(*ast.Ident); ok {
				if v := outside(id); v != nil {
					writes[v] = true
				}
			}
		}
		return true
	})
	return reads, writes
}

// cbdSets returns the name of a variable of vars that s sets, takes the
// address of, or declares anew in the list s is in, or "".
func (p *Pass) cbdSets(s ast.Stmt, vars map[*types.Var]bool) string {
	names := map[string]bool{}
	for v := range vars {
		names[v.Name()] = true
	}
	// A declaration at the top of the list shadows the variable for the
	// moved statement.
	var top []*ast.Ident
	switch s := s.(type) {
	case *ast.AssignStmt:
		if s.Tok == token.DEFINE {
			for _, l := range s.Lhs {
				if id, ok := l.(*ast.Ident); ok {
					top = append(top, id)
				}
			}
		}
	case *ast.DeclStmt:
		ast.Inspect(s, func(n ast.Node) bool {
			if id, ok := n.(*ast.Ident); ok && p.Info.Defs[id] != nil {
				top = append(top, id)
			}
			return true
		})
	}
	for _, id := range top {
		if _, isNew := p.Info.Defs[id]; isNew && names[id.Name] {
			return id.Name
		}
	}
	set := ""
	mark := func(e ast.Expr) {
		if id, ok := ast.Unparen(e).(*ast.Ident); ok && set == "" {
			if v, ok := p.Info.ObjectOf(id).(*types.Var); ok && vars[v] {
				set = v.Name()
			}
		}
	}
	ast.Inspect(s, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.AssignStmt:
			for _, l := range n.Lhs {
				mark(l)
			}
		case *ast.IncDecStmt:
			mark(n.X)
		case *ast.RangeStmt:
			if n.Tok == token.ASSIGN {
				mark(n.Key)
				mark(n.Value)
			}
		case *ast.UnaryExpr:
			if n.Op == token.AND {
				mark(n.X)
			}
		}
		return set == ""
	})
	return set
}

// cbdReads returns the name of a variable of vars that s reads, or "".
func (p *Pass) cbdReads(s ast.Stmt, vars map[*types.Var]bool) string {
	name := ""
	ast.Inspect(s, func(n ast.Node) bool {
		if id, ok := n.(*ast.Ident); ok {
			if v, ok := p.Info.Uses[id].(*types.Var); ok && vars[v] {
				name = v.Name()
			}
		}
		return name == ""
	})
	return name
}
