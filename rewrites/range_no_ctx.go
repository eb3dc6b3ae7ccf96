package rewrites

import (
	"fmt"
	"go/token"

	"github.com/dave/dst"
	"github.com/drainfix/drainfix/matchers"
)

// RangeNoCtx turns a goroutine's range over a channel into a loop that
// receives in a select watching the context in scope:
//
//	for msg := range ch {
//		BODY
//	}
//
// becomes
//
//	for {
//		select {
//		case <-ctx.Done():
//			return
//		case msg, ok := <-ch:
//			if !ok {
//				return
//			}
//			BODY
//		}
//	}
//
// with break LABEL instead of return when code follows the loop.
func RangeNoCtx(c *Context, f *matchers.Finding) error {
	s := f.Fix.(*matchers.SelectLoop)
	ch := dst.Clone(dstOf[dst.Expr](c, s.Range.X)).(dst.Expr)
	return selectLoop(c, s, ch)
}

// selectLoop rewrites the range loop of s into a select loop receiving
// from ch.
func selectLoop(c *Context, s *matchers.SelectLoop, ch dst.Expr) error {
	label, err := claimLabel(c, s)
	if err != nil {
		return err
	}
	ok := ""
	if s.Ok != "" {
		if ok, err = declareIn(c, s, s.Ok); err != nil {
			return err
		}
	}
	exit := func() dst.Stmt {
		if label == "" {
			return &dst.ReturnStmt{}
		}
		return &dst.BranchStmt{Tok: token.BREAK, Label: dst.NewIdent(label)}
	}
	for _, b := range s.Breaks {
		dstOf[*dst.BranchStmt](c, b).Label = dst.NewIdent(label)
	}

	rng := dstOf[*dst.RangeStmt](c, s.Range)
	var recv dst.Stmt
	var body []dst.Stmt
	key := dst.Expr(nil)
	if k, ok := rng.Key.(*dst.Ident); ok && k.Name != "_" {
		key = dst.NewIdent(k.Name)
	}
	from := &dst.UnaryExpr{Op: token.ARROW, X: ch}
	switch {
	case ok != "":
		if key == nil {
			key = dst.NewIdent("_")
		}
		recv = &dst.AssignStmt{Lhs: []dst.Expr{key, dst.NewIdent(ok)}, Tok: token.DEFINE, Rhs: []dst.Expr{from}}
		body = append(body, &dst.IfStmt{
			Cond: &dst.UnaryExpr{Op: token.NOT, X: dst.NewIdent(ok)},
			Body: &dst.BlockStmt{List: []dst.Stmt{exit()}},
		})
	case key != nil:
		recv = &dst.AssignStmt{Lhs: []dst.Expr{key}, Tok: token.DEFINE, Rhs: []dst.Expr{from}}
	default:
		recv = &dst.ExprStmt{X: from}
	}
	body = append(body, rng.Body.List...)
	recvCase := &dst.CommClause{Comm: recv, Body: body}
	// Comments that stood alone in the body stay in the case.
	recvCase.Decs.Colon = rng.Body.Decs.Lbrace
	// The body's statements now live in the case: rewrites of statements
	// inside the loop (a nested loop) must edit that list.
	c.Nodes[s.Range.Body] = recvCase

	done := &dst.CommClause{
		Comm: &dst.ExprStmt{X: &dst.UnaryExpr{Op: token.ARROW, X: &dst.CallExpr{
			Fun: &dst.SelectorExpr{X: dst.NewIdent(s.Ctx), Sel: dst.NewIdent("Done")},
		}}},
		Body: []dst.Stmt{exit()},
	}
	loop := &dst.ForStmt{Body: &dst.BlockStmt{List: []dst.Stmt{
		&dst.SelectStmt{Body: &dst.BlockStmt{List: []dst.Stmt{done, recvCase}}},
	}}}
	return replaceLoop(c, s, rng, loop, label)
}

// claimLabel returns the label the loop's exits break, claiming a new one
// in the function (labels live in the function, not in a block) when the
// loop needs one; "" when the exits return.
func claimLabel(c *Context, s *matchers.SelectLoop) (string, error) {
	if !s.NewLabel {
		return s.Label, nil
	}
	for {
		name, err := c.Declare(matchers.StmtPlace{Stmt: s.Place.Stmt, Block: s.Func}, s.Label)
		if err != nil || !s.Labels[name] {
			return name, err
		}
	}
}

// replaceLoop puts loop where the range statement rng stood (labelled
// with label when the label is new), keeping the comments around it.
func replaceLoop(c *Context, s *matchers.SelectLoop, rng *dst.RangeStmt, loop *dst.ForStmt, label string) error {
	if ls, ok := c.Nodes[s.Place.Stmt].(*dst.LabeledStmt); ok && s.Place.Stmt != s.Range {
		if ls.Stmt != rng {
			return fmt.Errorf("loop at %v was already rewritten", c.Pass.Fset.Position(s.Range.Pos()))
		}
		loop.Decs.NodeDecs = rng.Decs.NodeDecs
		ls.Stmt = loop
		c.Nodes[s.Range] = loop
		return nil
	}
	list, i, err := c.stmtIndex(s.Place)
	if err != nil {
		return err
	}
	if (*list)[i] != rng {
		return fmt.Errorf("loop at %v was already rewritten", c.Pass.Fset.Position(s.Range.Pos()))
	}
	var stmt dst.Stmt = loop
	if s.NewLabel {
		stmt = &dst.LabeledStmt{Label: dst.NewIdent(label), Stmt: loop}
	}
	stmt.Decorations().Before, stmt.Decorations().After = rng.Decs.Before, rng.Decs.After
	stmt.Decorations().Start, stmt.Decorations().End = rng.Decs.Start, rng.Decs.End
	(*list)[i] = stmt
	// Other rewrites that insert before the loop find the new statement.
	c.Nodes[s.Range] = stmt
	return nil
}

// declareIn claims name for a variable the new receive declares: it must
// also not be declared at the top of the loop's body, which becomes the
// case's body.
func declareIn(c *Context, s *matchers.SelectLoop, name string) (string, error) {
	body := c.Pass.Info.Scopes[s.Range.Body]
	for {
		got, err := c.Declare(matchers.StmtPlace{Stmt: s.Place.Stmt, Block: s.Range.Body}, name)
		if err != nil {
			return "", err
		}
		if body == nil || body.Lookup(got) == nil {
			return got, nil
		}
	}
}
