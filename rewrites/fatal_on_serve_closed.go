package rewrites

import (
	"go/token"

	"github.com/dave/dst"
	"github.com/drainfix/drainfix/matchers"
)

// FatalOnServeClosed lets the http.ErrServerClosed that Shutdown makes
// Serve return pass without an exit. The test err != nil becomes
// err != nil && !errors.Is(err, http.ErrServerClosed); the statement
// log.Fatal(srv.ListenAndServe()) becomes
//
//	if err := srv.ListenAndServe(); !errors.Is(err, http.ErrServerClosed) {
//		log.Fatal(err)
//	}
func FatalOnServeClosed(c *Context, f *matchers.Finding) error {
	fix := f.Fix.(*matchers.FatalOnServeClosedFix)
	if d := fix.Direct; d != nil {
		notClosed, err := notServerClosed(c, d.Err, d.Place.Stmt.Pos())
		if err != nil {
			return err
		}
		return exitOnError(c, d, notClosed)
	}
	notClosed, err := notServerClosed(c, fix.Err, fix.Test.Pos())
	if err != nil {
		return err
	}
	// Edit the test in place, so that whatever holds it stays as it is.
	test := dstOf[*dst.BinaryExpr](c, fix.Test)
	test.X = &dst.BinaryExpr{X: test.X, Op: test.Op, Y: test.Y}
	test.Op = token.LAND
	test.Y = notClosed
	return nil
}

// notServerClosed returns !errors.Is(name, http.ErrServerClosed) as seen
// at pos.
func notServerClosed(c *Context, name string, pos token.Pos) (dst.Expr, error) {
	is, err := c.Qual("errors", "Is", pos)
	if err != nil {
		return nil, err
	}
	closed, err := c.Qual("net/http", "ErrServerClosed", pos)
	if err != nil {
		return nil, err
	}
	return &dst.UnaryExpr{Op: token.NOT, X: &dst.CallExpr{Fun: is, Args: []dst.Expr{dst.NewIdent(name), closed}}}, nil
}
