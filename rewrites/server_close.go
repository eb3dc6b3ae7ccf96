package rewrites

import (
	"github.com/dave/dst"
	"github.com/drainfix/drainfix/matchers"
)

// ServerClose turns srv.Close() into srv.Shutdown(ctx) under a new deadline
// context declared just before the statement. The statement's shape (and so
// its error handling) is kept.
func ServerClose(c *Context, f *matchers.Finding) error {
	fix := f.Fix.(*matchers.ServerCloseFix)
	ctx, err := declareDeadline(c, fix.Deadline)
	if err != nil {
		return err
	}
	call := dstOf[*dst.CallExpr](c, fix.Call)
	sel := dstOf[*dst.SelectorExpr](c, fix.Sel)
	sel.Sel.Name = "Shutdown"
	call.Args = []dst.Expr{dst.NewIdent(ctx)}
	for _, ff := range fix.Fatal {
		if err := FatalOnShutdown(c, &matchers.Finding{Fix: ff}); err != nil {
			return err
		}
	}
	return nil
}
