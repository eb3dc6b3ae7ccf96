package rewrites

import (
	"go/ast"
	"go/token"

	"github.com/dave/dst"
	"github.com/drainfix/drainfix/matchers"
)

// SignalUnbuffered gives the make call of a signal channel a buffer of 1:
// make(chan os.Signal) becomes make(chan os.Signal, 1).
func SignalUnbuffered(c *Context, f *matchers.Finding) error {
	call := dstOf[*dst.CallExpr](c, f.Fix.(*ast.CallExpr))
	one := &dst.BasicLit{Kind: token.INT, Value: "1"}
	if len(call.Args) == 2 {
		call.Args[1] = one
	} else {
		call.Args = append(call.Args, one)
	}
	return nil
}
