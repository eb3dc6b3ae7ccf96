package rewrites

import (
	"github.com/dave/dst"
	"github.com/drainfix/drainfix/matchers"
)

// ShutdownNoDeadline declares a deadline context just before the statement
// that calls Shutdown, derived from the call's old argument (so
// context.Background() or the local variable stays the base), and passes
// it to Shutdown instead. The statement's shape is kept.
func ShutdownNoDeadline(c *Context, f *matchers.Finding) error {
	fix := f.Fix.(*matchers.ShutdownNoDeadlineFix)
	call := dstOf[*dst.CallExpr](c, fix.Call)
	// The argument's line breaks and comments stay in the Shutdown call;
	// the base declareDeadline copies from it starts clean.
	old := call.Args[0].Decorations()
	decs := *old
	*old = dst.NodeDecs{}
	name, err := declareDeadline(c, fix.Deadline)
	if err != nil {
		*old = decs
		return err
	}
	ctx := dst.NewIdent(name)
	ctx.Decs.NodeDecs = decs
	call.Args[0] = ctx
	return nil
}
