package rewrites

import (
	"github.com/dave/dst"
	"github.com/drainfix/drainfix/matchers"
)

// DrainCtxCancelled replaces the done parent of a deadline or cancel
// context: parent becomes context.WithoutCancel(parent), or
// context.Background() in files older than go1.21. Only the first argument
// is touched, so that other fixes of the same statement (lost-cancel) still
// apply.
//
// A drain given the done context itself gets a deadline of its own, as
// shutdown-no-deadline's fix gives one.
func DrainCtxCancelled(c *Context, f *matchers.Finding) error {
	if _, ok := f.Fix.(*matchers.ShutdownNoDeadlineFix); ok {
		return ShutdownNoDeadline(c, f)
	}
	fix := f.Fix.(*matchers.DrainCtxFix)
	call := dstOf[*dst.CallExpr](c, fix.Call)
	parent := dstOf[dst.Expr](c, fix.Call.Args[0])
	name, args := "WithoutCancel", []dst.Expr{parent}
	if fix.Background {
		name, args = "Background", nil
	}
	fun, err := c.Qual("context", name, fix.Call.Pos())
	if err != nil {
		return err
	}
	repl := &dst.CallExpr{Fun: fun, Args: args}
	// The argument's spacing and comments stay where the argument stood.
	decs := parent.Decorations()
	repl.Decs.NodeDecs, *decs = *decs, dst.NodeDecs{}
	call.Args[0] = repl
	return nil
}
