package rewrites

import (
	"go/token"

	"github.com/dave/dst"
	"github.com/drainfix/drainfix/matchers"
)

// CondNoDeadline bounds a Cond wait loop by the context in scope, as the
// context.AfterFunc example of the Go documentation does:
//
//	stop := context.AfterFunc(ctx, func() {
//		s.cond.L.Lock()
//		defer s.cond.L.Unlock()
//		s.cond.Broadcast()
//	})
//	defer stop()
//	for s.inFlight > 0 {
//		if err := ctx.Err(); err != nil {
//			return err
//		}
//		s.cond.Wait()
//	}
//
// The wake-up takes the Cond's lock so that its Broadcast cannot come
// between the check of ctx.Err() and Wait, which would be lost.
func CondNoDeadline(c *Context, f *matchers.Finding) error {
	fix := f.Fix.(*matchers.CondNoDeadlineFix)
	pos := fix.Place.Stmt.Pos()
	afterFunc, err := c.Qual("context", "AfterFunc", pos)
	if err != nil {
		return err
	}
	stop, err := c.Declare(fix.Place, fix.Stop)
	if err != nil {
		return err
	}
	cond := func() dst.Expr { return dst.Clone(c.Nodes[fix.Cond]).(dst.Expr) }
	condL := func(method string) *dst.CallExpr {
		return &dst.CallExpr{Fun: &dst.SelectorExpr{X: &dst.SelectorExpr{X: cond(), Sel: dst.NewIdent("L")}, Sel: dst.NewIdent(method)}}
	}
	wake := &dst.FuncLit{
		Type: &dst.FuncType{Params: &dst.FieldList{}},
		Body: &dst.BlockStmt{List: condLines(
			&dst.ExprStmt{X: condL("Lock")},
			&dst.DeferStmt{Call: condL("Unlock")},
			&dst.ExprStmt{X: &dst.CallExpr{Fun: &dst.SelectorExpr{X: cond(), Sel: dst.NewIdent("Broadcast")}}},
		)},
	}
	decl := &dst.AssignStmt{
		Lhs: []dst.Expr{dst.NewIdent(stop)},
		Tok: token.DEFINE,
		Rhs: []dst.Expr{&dst.CallExpr{Fun: afterFunc, Args: []dst.Expr{dst.NewIdent(fix.Ctx), wake}}},
	}
	deferStop := &dst.DeferStmt{Call: &dst.CallExpr{Fun: dst.NewIdent(stop)}}
	if err := c.Insert(fix.Place, false, decl, deferStop); err != nil {
		return err
	}

	results := make([]dst.Expr, 0, len(fix.Zeros)+1)
	for _, z := range fix.Zeros {
		results = append(results, condZeroExpr(z))
	}
	results = append(results, dst.NewIdent("err"))
	check := &dst.IfStmt{
		Init: &dst.AssignStmt{
			Lhs: []dst.Expr{dst.NewIdent("err")},
			Tok: token.DEFINE,
			Rhs: []dst.Expr{&dst.CallExpr{Fun: &dst.SelectorExpr{X: dst.NewIdent(fix.Ctx), Sel: dst.NewIdent("Err")}}},
		},
		Cond: &dst.BinaryExpr{X: dst.NewIdent("err"), Op: token.NEQ, Y: dst.NewIdent("nil")},
		Body: &dst.BlockStmt{List: condLines(&dst.ReturnStmt{Results: results})},
	}
	if fix.Unlock != nil {
		// The lock the function took is not released by a defer: the
		// return must release it, as the code after the loop does.
		unlock := dst.Clone(c.Nodes[fix.Unlock]).(dst.Stmt)
		unlock.Decorations().Start, unlock.Decorations().End = nil, nil
		check.Body.List = condLines(unlock, check.Body.List[0])
	}
	first := fix.Loop.Body.List[0]
	top := matchers.StmtPlace{Stmt: first, Block: fix.Loop.Body}
	old := dstOf[dst.Stmt](c, first).Decorations()
	before, start := old.Before, old.Start
	if err := c.Insert(top, false, check); err != nil {
		return err
	}
	// A comment over the loop body's first statement is about that
	// statement, not about the new check: leave it where it was.
	if len(start) > 0 {
		check.Decs.Start, old.Start = nil, start
		check.Decs.Before, old.Before = before, dst.NewLine
	}
	return nil
}

// condLines marks statements to be printed one per line.
func condLines(stmts ...dst.Stmt) []dst.Stmt {
	for _, s := range stmts {
		s.Decorations().Before = dst.NewLine
		s.Decorations().After = dst.NewLine
	}
	return stmts
}

// condZeroExpr spells a zero value the matcher chose: 0, "", false, nil or T{}.
func condZeroExpr(z string) dst.Expr {
	switch {
	case z == "0":
		return &dst.BasicLit{Kind: token.INT, Value: "0"}
	case z == `""`:
		return &dst.BasicLit{Kind: token.STRING, Value: `""`}
	case len(z) > 2 && z[len(z)-2:] == "{}":
		return &dst.CompositeLit{Type: dst.NewIdent(z[:len(z)-2])}
	}
	return dst.NewIdent(z)
}
