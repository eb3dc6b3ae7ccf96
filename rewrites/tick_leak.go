package rewrites

import (
	"go/token"

	"github.com/dave/dst"
	"github.com/drainfix/drainfix/matchers"
)

// TickLeak replaces a range over time.Tick by a ticker that is stopped
// when the function returns, received from in a select that also watches
// the context:
//
//	for tick := range time.Tick(d) {
//		BODY
//	}
//
// becomes
//
//	ticker := time.NewTicker(d)
//	defer ticker.Stop()
//	for {
//		select {
//		case <-ctx.Done():
//			return
//		case tick := <-ticker.C:
//			BODY
//		}
//	}
func TickLeak(c *Context, f *matchers.Finding) error {
	fix := f.Fix.(*matchers.TickLeakFix)
	place := fix.Loop.Place
	newTicker, err := c.Qual("time", "NewTicker", place.Stmt.Pos())
	if err != nil {
		return err
	}
	ticker, err := c.Declare(place, fix.Ticker)
	if err != nil {
		return err
	}
	d := dst.Clone(dstOf[dst.Expr](c, fix.Dur)).(dst.Expr)
	d.Decorations().Before, d.Decorations().After = dst.None, dst.None
	decl := &dst.AssignStmt{
		Lhs: []dst.Expr{dst.NewIdent(ticker)},
		Tok: token.DEFINE,
		Rhs: []dst.Expr{&dst.CallExpr{Fun: newTicker, Args: []dst.Expr{d}}},
	}
	stop := &dst.DeferStmt{Call: &dst.CallExpr{Fun: &dst.SelectorExpr{X: dst.NewIdent(ticker), Sel: dst.NewIdent("Stop")}}}
	if err := c.Insert(place, false, decl, stop); err != nil {
		return err
	}
	return selectLoop(c, fix.Loop, &dst.SelectorExpr{X: dst.NewIdent(ticker), Sel: dst.NewIdent("C")})
}
