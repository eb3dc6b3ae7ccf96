package rewrites

import (
	"go/token"
	"strconv"

	"github.com/dave/dst"
	"github.com/drainfix/drainfix/matchers"
)

// HandlerIgnoresCtx replaces time.Sleep(d) in a handler with a timer and a
// select that also waits for the request's context: when it is done first,
// the handler answers 503 (unless it has written to the response already)
// and returns. Before Go 1.23 the timer is stopped on the way out. A blank
// or unnamed request (or writer) parameter is named first. Comments above
// the Sleep go above the timer; one at the end of its line stays there.
func HandlerIgnoresCtx(c *Context, f *matchers.Finding) error {
	fix := f.Fix.(*matchers.HandlerIgnoresCtxFix)
	pos := fix.Place.Stmt.Pos()
	list, i, err := c.stmtIndex(fix.Place)
	if err != nil {
		return err
	}
	newTimer, err := c.Qual("time", "NewTimer", pos)
	if err != nil {
		return err
	}
	timer, err := c.Declare(fix.Place, fix.Timer)
	if err != nil {
		return err
	}
	sel, err := timerSelect(c, fix, timer)
	if err != nil {
		return err
	}
	for _, pn := range fix.Names {
		field := dstOf[*dst.Field](c, pn.Field)
		switch {
		case pn.Index >= 0:
			field.Names[pn.Index].Name = pn.Name
		case len(field.Names) == 0: // another fix in the handler may have named it
			field.Names = []*dst.Ident{dst.NewIdent(pn.Name)}
		}
	}
	sleep := dstOf[*dst.CallExpr](c, fix.Call)
	decl := &dst.AssignStmt{
		Lhs: []dst.Expr{dst.NewIdent(timer)},
		Tok: token.DEFINE,
		Rhs: []dst.Expr{&dst.CallExpr{Fun: newTimer, Args: sleep.Args}},
	}
	stmts := []dst.Stmt{decl}
	if fix.DeferStop {
		stmts = append(stmts, &dst.DeferStmt{Call: stopCall(timer)})
	}
	replaceStmt(list, i, append(stmts, sel)...)
	c.Nodes[fix.Place.Stmt] = decl
	return nil
}

// timerSelect builds the select waiting for the timer or the request's
// context.
func timerSelect(c *Context, fix *matchers.HandlerIgnoresCtxFix, timer string) (*dst.SelectStmt, error) {
	pos := fix.Place.Stmt.Pos()
	var cancelled []dst.Stmt
	if fix.StopOnDone {
		cancelled = append(cancelled, &dst.ExprStmt{X: stopCall(timer)})
	}
	if fix.Writer != "" {
		httpError, err := c.Qual("net/http", "Error", pos)
		if err != nil {
			return nil, err
		}
		status, err := c.Qual("net/http", "StatusServiceUnavailable", pos)
		if err != nil {
			return nil, err
		}
		cancelled = append(cancelled, &dst.ExprStmt{X: &dst.CallExpr{Fun: httpError, Args: []dst.Expr{
			dst.NewIdent(fix.Writer), &dst.BasicLit{Kind: token.STRING, Value: strconv.Quote("cancelled")}, status,
		}}})
	}
	cancelled = append(cancelled, &dst.ReturnStmt{})
	fired := &dst.CommClause{Comm: &dst.ExprStmt{X: &dst.UnaryExpr{Op: token.ARROW,
		X: &dst.SelectorExpr{X: dst.NewIdent(timer), Sel: dst.NewIdent("C")}}}}
	done := &dst.CommClause{
		Comm: &dst.ExprStmt{X: &dst.UnaryExpr{Op: token.ARROW, X: &dst.CallExpr{Fun: &dst.SelectorExpr{
			X:   &dst.CallExpr{Fun: &dst.SelectorExpr{X: dst.NewIdent(fix.Req), Sel: dst.NewIdent("Context")}},
			Sel: dst.NewIdent("Done"),
		}}}},
		Body: lines(cancelled...),
	}
	return &dst.SelectStmt{Body: &dst.BlockStmt{List: lines(fired, done)}}, nil
}

func stopCall(timer string) *dst.CallExpr {
	return &dst.CallExpr{Fun: &dst.SelectorExpr{X: dst.NewIdent(timer), Sel: dst.NewIdent("Stop")}}
}

// replaceStmt puts stmts in place of (*list)[i], each on its own line: the
// first takes the old statement's line, with the comments above and at the
// end of it; the space after it goes after the last.
func replaceStmt(list *[]dst.Stmt, i int, stmts ...dst.Stmt) {
	old := *(*list)[i].Decorations()
	lines(stmts...)
	first, last := stmts[0].Decorations(), stmts[len(stmts)-1].Decorations()
	first.Before, first.Start, first.End = old.Before, old.Start, old.End
	last.After = old.After
	*list = append((*list)[:i:i], append(stmts, (*list)[i+1:]...)...)
}

// lines puts each statement on a line of its own.
func lines(stmts ...dst.Stmt) []dst.Stmt {
	for _, s := range stmts {
		s.Decorations().Before, s.Decorations().After = dst.NewLine, dst.NewLine
	}
	return stmts
}
