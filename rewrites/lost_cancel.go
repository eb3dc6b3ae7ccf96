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
// other fixes of the same statement (drain-ctx-cancelled) still apply.
func LostCancel(c *Context, f *matchers.Finding) error {
	fix := f.Fix.(*matchers.LostCancelFix)
	blank := dstOf[*dst.Ident](c, fix.Blank)
	blank.Name = fix.Name
	call := &dst.CallExpr{Fun: dst.NewIdent(fix.Name)}
	if fix.Cause {
		call.Args = []dst.Expr{dst.NewIdent("nil")}
	}
	return c.Insert(fix.Place, true, &dst.DeferStmt{Call: call})
}
