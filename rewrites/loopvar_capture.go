package rewrites

import (
	"go/token"

	"github.com/dave/dst"
	"github.com/drainfix/drainfix/matchers"
)

// LoopvarCapture gives every iteration its own copy of the captured loop
// variables, as Go 1.22 does: v := v at the top of the loop body, one line
// per variable in the order the loop declares them.
func LoopvarCapture(c *Context, f *matchers.Finding) error {
	fix := f.Fix.(*matchers.LoopvarCaptureFix)
	body := dstOf[*dst.BlockStmt](c, fix.Body)
	var copies []dst.Stmt
	for _, name := range fix.Vars {
		copies = append(copies, &dst.AssignStmt{
			Lhs: []dst.Expr{dst.NewIdent(name)},
			Tok: token.DEFINE,
			Rhs: []dst.Expr{dst.NewIdent(name)},
		})
	}
	prepend(&body.List, copies...)
	return nil
}
