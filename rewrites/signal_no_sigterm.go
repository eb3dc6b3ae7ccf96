package rewrites

import (
	"github.com/dave/dst"
	"github.com/drainfix/drainfix/matchers"
)

// SignalNoSigterm appends SIGTERM to the signals of a signal.Notify or
// signal.NotifyContext call, importing syscall when the file does not yet.
// In a list written one signal a line, SIGTERM gets a line of its own.
func SignalNoSigterm(c *Context, f *matchers.Finding) error {
	fix := f.Fix.(*matchers.SignalNoSigtermFix)
	call := dstOf[*dst.CallExpr](c, fix.Call)
	sig, err := c.Qual(fix.Pkg, "SIGTERM", fix.Call.Pos())
	if err != nil {
		return err
	}
	last := call.Args[len(call.Args)-1].Decorations()
	if last.Before == dst.NewLine {
		sig.Decorations().Before = dst.NewLine
		sig.Decorations().After = last.After
		last.After = dst.None
	}
	call.Args = append(call.Args, sig)
	return nil
}
