package rewrites

import (
	"fmt"
	"go/token"

	"github.com/dave/dst"
	"github.com/drainfix/drainfix/matchers"
)

// GrpcStop turns the statement s.Stop() into a GracefulStop bounded by the
// deadline, with the original statement (and its comments) as the
// fallback when the deadline passes:
//
//	done := make(chan struct{})
//	go func() {
//		s.GracefulStop()
//		close(done)
//	}()
//	t := time.NewTimer(25 * time.Second)
//	select {
//	case <-done:
//	case <-t.C:
//		s.Stop()
//	}
//
// Files older than go1.23 also stop the timer, which lives until it fires
// there.
func GrpcStop(c *Context, f *matchers.Finding) error {
	fix := f.Fix.(*matchers.GrpcStopFix)
	pos := fix.Place.Stmt.Pos()
	done, err := c.Declare(fix.Place, fix.Done)
	if err != nil {
		return err
	}
	t, err := c.Declare(fix.Place, fix.T)
	if err != nil {
		return err
	}
	var budget dst.Expr
	if fix.Budget != "" {
		budget = &dst.SelectorExpr{X: dst.NewIdent(fix.Recv), Sel: dst.NewIdent(fix.Budget)}
	}
	timer, expired, err := newTimer(c, pos, t, budget, fix.StopTimer == "defer")
	if err != nil {
		return err
	}
	old := dstOf[dst.Stmt](c, fix.Place.Stmt)
	fallback := old
	if fix.Graceful {
		// GracefulStop had no deadline: the goroutine runs it, and
		// Stop is the fallback.
		fallback = lined(&dst.ExprStmt{X: &dst.CallExpr{Fun: &dst.SelectorExpr{X: dst.Clone(dstOf[dst.Expr](c, fix.Srv)).(dst.Expr), Sel: dst.NewIdent("Stop")}}})
	}
	before, sel := boundedGracefulStop(dstOf[dst.Expr](c, fix.Srv), done, timer, expired, fallback)
	if err := c.Insert(fix.Place, false, before...); err != nil {
		return err
	}
	if fix.StopTimer == "after" {
		if err := c.Insert(fix.Place, true, &dst.ExprStmt{X: timerStop(t)}); err != nil {
			return err
		}
	}

	// The Stop statement moves into the select as the fallback; the select
	// takes its place.
	list := stmtsOf(c.Nodes[fix.Place.Block])
	i := indexInList(*list, old)
	if i < 0 {
		return fmt.Errorf("Stop statement not found in its block")
	}
	sel.Decs.Before, sel.Decs.After = old.Decorations().Before, old.Decorations().After
	if fix.Graceful {
		// The comments above the GracefulStop statement went above the
		// first statement inserted; its line comment stays on the line
		// of the GracefulStop call, in the goroutine.
		sel.Decs.Start = old.Decorations().Start
		gracefulStmt(before).Decorations().End = old.Decorations().End
	}
	old.Decorations().Before, old.Decorations().After = dst.NewLine, dst.NewLine
	(*list)[i] = sel
	return nil
}

// boundedGracefulStop returns the statements that run srv.GracefulStop()
// in a goroutine closing done, followed by timer (the statements starting
// a timer, if any), and the select that waits for done or deadline,
// running fallback when the deadline comes first.
func boundedGracefulStop(srv dst.Expr, done string, timer []dst.Stmt, deadline dst.Expr, fallback dst.Stmt) ([]dst.Stmt, *dst.SelectStmt) {
	before := []dst.Stmt{
		&dst.AssignStmt{
			Lhs: []dst.Expr{dst.NewIdent(done)},
			Tok: token.DEFINE,
			Rhs: []dst.Expr{&dst.CallExpr{Fun: dst.NewIdent("make"), Args: []dst.Expr{
				&dst.ChanType{Dir: dst.SEND | dst.RECV, Value: &dst.StructType{Fields: &dst.FieldList{Opening: true, Closing: true}}},
			}}},
		},
		&dst.GoStmt{Call: &dst.CallExpr{Fun: &dst.FuncLit{
			Type: &dst.FuncType{Func: true, Params: &dst.FieldList{}},
			Body: &dst.BlockStmt{List: []dst.Stmt{
				lined(&dst.ExprStmt{X: &dst.CallExpr{Fun: &dst.SelectorExpr{X: dst.Clone(srv).(dst.Expr), Sel: dst.NewIdent("GracefulStop")}}}),
				lined(&dst.ExprStmt{X: &dst.CallExpr{Fun: dst.NewIdent("close"), Args: []dst.Expr{dst.NewIdent(done)}}}),
			}},
		}}},
	}
	before = append(before, timer...)
	sel := &dst.SelectStmt{Body: &dst.BlockStmt{List: []dst.Stmt{
		lined(&dst.CommClause{Comm: &dst.ExprStmt{X: &dst.UnaryExpr{Op: token.ARROW, X: dst.NewIdent(done)}}}),
		lined(&dst.CommClause{
			Comm: &dst.ExprStmt{X: &dst.UnaryExpr{Op: token.ARROW, X: deadline}},
			Body: []dst.Stmt{fallback},
		}),
	}}}
	return before, sel
}

// gracefulStmt returns the GracefulStop statement of the goroutine
// boundedGracefulStop starts (its second statement before the select).
func gracefulStmt(before []dst.Stmt) dst.Stmt {
	return before[1].(*dst.GoStmt).Call.Fun.(*dst.FuncLit).Body.List[0]
}

// newTimer returns t := time.NewTimer(timeout), with defer t.Stop() when
// deferStop, and t.C. The timeout is budget when not nil (the type's own
// drain budget), else -timeout's.
func newTimer(c *Context, pos token.Pos, t string, budget dst.Expr, deferStop bool) ([]dst.Stmt, dst.Expr, error) {
	fn, err := c.Qual("time", "NewTimer", pos)
	if err != nil {
		return nil, nil, err
	}
	dur := budget
	if dur == nil {
		if dur, err = c.Duration(pos); err != nil {
			return nil, nil, err
		}
	}
	stmts := []dst.Stmt{&dst.AssignStmt{
		Lhs: []dst.Expr{dst.NewIdent(t)},
		Tok: token.DEFINE,
		Rhs: []dst.Expr{&dst.CallExpr{Fun: fn, Args: []dst.Expr{dur}}},
	}}
	if deferStop {
		stmts = append(stmts, &dst.DeferStmt{Call: timerStop(t)})
	}
	return stmts, &dst.SelectorExpr{X: dst.NewIdent(t), Sel: dst.NewIdent("C")}, nil
}

func timerStop(t string) *dst.CallExpr {
	return &dst.CallExpr{Fun: &dst.SelectorExpr{X: dst.NewIdent(t), Sel: dst.NewIdent("Stop")}}
}

// lined puts n on a line of its own.
func lined[T dst.Node](n T) T {
	n.Decorations().Before = dst.NewLine
	n.Decorations().After = dst.NewLine
	return n
}

// stmtsOf returns the statement list of a block, case or comm clause.
func stmtsOf(n dst.Node) *[]dst.Stmt {
	switch b := n.(type) {
	case *dst.BlockStmt:
		return &b.List
	case *dst.CaseClause:
		return &b.Body
	case *dst.CommClause:
		return &b.Body
	}
	return &[]dst.Stmt{}
}
