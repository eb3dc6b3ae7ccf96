package rewrites

import (
	"go/token"

	"github.com/dave/dst"
	"github.com/drainfix/drainfix/matchers"
)

// ExitBeforeDrain makes main wait for its drain goroutine: a done channel
// made before the go statement, closed by a defer the goroutine starts
// with, and received from after the statement that serves.
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
	lit := dstOf[*dst.FuncLit](c, fix.Lit)
	closeDone := &dst.DeferStmt{Call: &dst.CallExpr{Fun: dst.NewIdent("close"), Args: []dst.Expr{dst.NewIdent(fix.Done)}}}
	closeDone.Decs.Before, closeDone.Decs.After = dst.NewLine, dst.NewLine
	lit.Body.List = append([]dst.Stmt{closeDone}, lit.Body.List...)
	wait := &dst.ExprStmt{X: &dst.UnaryExpr{Op: token.ARROW, X: dst.NewIdent(fix.Done)}}
	return c.Insert(fix.Serve, true, wait)
}
