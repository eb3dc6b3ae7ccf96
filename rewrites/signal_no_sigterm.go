package rewrites

import (
	"github.com/dave/dst"
	"github.com/drainfix/drainfix/matchers"
)

// SignalNoSigterm appends SIGTERM to the signals of a signal.Notify or
// signal.NotifyContext call, importing syscall when the file does not yet.
// In a list written one signal a line, SIGTERM gets a line of its own. A
// switch on the received signal gets SIGTERM in the case that handles
// SIGINT.
func SignalNoSigterm(c *Context, f *matchers.Finding) error {
	fix := f.Fix.(*matchers.SignalNoSigtermFix)
	if c.InFile(fix.Call) {
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
	}
	// SIGTERM takes SIGINT's path where the handler tells them apart (in
	// this file or another of the package: each file applies its part).
	for _, cc := range fix.Cases {
		if !c.InFile(cc) {
			continue
		}
		clause := dstOf[*dst.CaseClause](c, cc)
		sig, err := c.Qual(fix.Pkg, "SIGTERM", cc.Pos())
		if err != nil {
			return err
		}
		clause.List = append(clause.List, sig)
	}
	return nil
}
