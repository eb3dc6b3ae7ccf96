package rewrites

import (
	"github.com/dave/dst"
	"github.com/drainfix/drainfix/matchers"
)

// LostCancel names a discarded cancel func and defers it right after its
// statement:
//
//	drainCtx, _ := context.WithTimeout(ctx, d)
//
// becomes
//
//	drainCtx, cancel := context.WithTimeout(ctx, d)
//	defer cancel()
//
// Only the blank identifier and the new statement are touched, so that
// other fixes of the same statement (drain-ctx-cancelled) still apply. The
// matcher's name is claimed in the statement list, so that a deadline
// another fix declares there does not take it too.
func LostCancel(c *Context, f *matchers.Finding) error {
	fix := f.Fix.(*matchers.LostCancelFix)
	name, err := c.Declare(fix.Place, fix.Name)
	if err != nil {
		return err
	}
	blank := dstOf[*dst.Ident](c, fix.Blank)
	blank.Name = name
	call := &dst.CallExpr{Fun: dst.NewIdent(name)}
	if fix.Cause {
		call.Args = []dst.Expr{dst.NewIdent("nil")}
	}
	return c.Insert(fix.Place, true, &dst.DeferStmt{Call: call})
}
