package rewrites

import (
	"go/token"

	"github.com/dave/dst"
	"github.com/drainfix/drainfix/matchers"
)

// LoopNoExit puts a non-blocking check of the context at the top of each
// iteration of a loop that had no way out:
//
//	for {
//		select {
//		case <-ctx.Done():
//			return
//		default:
//		}
//		BODY
//	}
//
// The comments above the body's first statement stay with it.
//
// When the body waits in a select, the check becomes its first case
// instead, so that the loop also stops while it waits.
func LoopNoExit(c *Context, f *matchers.Finding) error {
	fix := f.Fix.(*matchers.LoopNoExitFix)
	done := &dst.CommClause{
		Comm: &dst.ExprStmt{X: &dst.UnaryExpr{Op: token.ARROW, X: &dst.CallExpr{
			Fun: &dst.SelectorExpr{X: dst.NewIdent(fix.Ctx), Sel: dst.NewIdent("Done")},
		}}},
		Body: []dst.Stmt{&dst.ReturnStmt{}},
	}
	if fix.Select != nil {
		sel := dstOf[*dst.SelectStmt](c, fix.Select)
		sel.Body.List = append([]dst.Stmt{done}, sel.Body.List...)
		return nil
	}
	body := dstOf[*dst.BlockStmt](c, fix.Loop.Body)
	check := &dst.SelectStmt{Body: &dst.BlockStmt{List: []dst.Stmt{done, &dst.CommClause{}}}}
	check.Decs.Before, check.Decs.After = dst.NewLine, dst.NewLine
	if len(body.List) > 0 {
		first := body.List[0].Decorations()
		if first.Before == dst.None {
			first.Before = dst.NewLine
		}
	}
	body.List = append([]dst.Stmt{check}, body.List...)
	return nil
}
