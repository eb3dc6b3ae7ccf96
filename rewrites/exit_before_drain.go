package rewrites

import (
	"go/token"

	"github.com/dave/dst"
	"github.com/drainfix/drainfix/matchers"
)

// ExitBeforeDrain makes main wait for its drain goroutine: a done channel
// made before the go statement, closed by a defer the goroutine starts
// with (a named function's call is wrapped in a func literal for it), and
// received from after the statement that serves (only when serving ended
// with http.ErrServerClosed, where main goes on after other errors).
func ExitBeforeDrain(c *Context, f *matchers.Finding) error {
	fix := f.Fix.(*matchers.ExitBeforeDrainFix)
	makeDone := &dst.AssignStmt{
		Lhs: []dst.Expr{dst.NewIdent(fix.Done)},
		Tok: token.DEFINE,
		Rhs: []dst.Expr{&dst.CallExpr{Fun: dst.NewIdent("make"), Args: []dst.Expr{
			&dst.ChanType{Dir: dst.SEND | dst.RECV, Value: &dst.StructType{Fields: &dst.FieldList{Opening: true, Closing: true}}},
		}}},
	}
	if err := c.Insert(fix.Go, false, makeDone); err != nil {
		return err
	}
	closeDone := &dst.DeferStmt{Call: &dst.CallExpr{Fun: dst.NewIdent("close"), Args: []dst.Expr{dst.NewIdent(fix.Done)}}}
	closeDone.Decs.Before, closeDone.Decs.After = dst.NewLine, dst.NewLine
	if fix.Lit != nil {
		lit := dstOf[*dst.FuncLit](c, fix.Lit)
		lit.Body.List = append([]dst.Stmt{closeDone}, lit.Body.List...)
	} else {
		// go drain(srv, quit) → go func() { defer close(Done); drain(srv, quit) }()
		gs := dstOf[*dst.GoStmt](c, fix.Go.Stmt)
		call := gs.Call
		inner := &dst.ExprStmt{X: call}
		inner.Decs.Before, inner.Decs.After = dst.NewLine, dst.NewLine
		gs.Call = &dst.CallExpr{Fun: &dst.FuncLit{
			Type: &dst.FuncType{Func: true, Params: &dst.FieldList{Opening: true, Closing: true}},
			Body: &dst.BlockStmt{List: []dst.Stmt{closeDone, inner}},
		}}
	}
	var wait dst.Stmt = &dst.ExprStmt{X: &dst.UnaryExpr{Op: token.ARROW, X: dst.NewIdent(fix.Done)}}
	if fix.ErrVar != "" {
		pos := fix.Serve.Stmt.End()
		is, err := c.Qual("errors", "Is", pos)
		if err != nil {
			return err
		}
		closed, err := c.Qual("net/http", "ErrServerClosed", pos)
		if err != nil {
			return err
		}
		wait = &dst.IfStmt{
			Cond: &dst.CallExpr{Fun: is, Args: []dst.Expr{dst.NewIdent(fix.ErrVar), closed}},
			Body: &dst.BlockStmt{List: []dst.Stmt{wait}},
		}
	}
	return c.Insert(fix.Serve, true, wait)
}
