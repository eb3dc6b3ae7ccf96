package rewrites

import (
	"go/token"

	"github.com/dave/dst"
	"github.com/drainfix/drainfix/matchers"
)

// declareDeadline inserts, before the fix's statement,
//
//	ctx, cancel := context.WithTimeout(base, timeout)
//	defer cancel()
//
// where timeout is the type's own drain budget (d.Budget) or -timeout's,
// and returns the name the context got (the matcher's proposal, unless
// another fix in this file took it); or, when the drain already made its
// deadline (d.Reuse), returns that.
func declareDeadline(c *Context, d matchers.DeadlineFix) (string, error) {
	if d.Reuse != "" {
		return d.Reuse, nil
	}
	pos := d.Place.Stmt.Pos()
	withTimeout, err := c.Qual("context", "WithTimeout", pos)
	if err != nil {
		return "", err
	}
	var base dst.Expr
	if d.Base != nil {
		base = dst.Clone(c.Nodes[d.Base]).(dst.Expr)
	} else {
		bg, err := c.Qual("context", "Background", pos)
		if err != nil {
			return "", err
		}
		base = &dst.CallExpr{Fun: bg}
	}
	var dur dst.Expr
	if d.Budget != "" {
		dur = &dst.SelectorExpr{X: dst.NewIdent(d.Recv), Sel: dst.NewIdent(d.Budget)}
	} else if dur, err = c.Duration(pos); err != nil {
		return "", err
	}
	ctxName, err := c.Declare(d.Place, d.Ctx)
	if err != nil {
		return "", err
	}
	cancelName, err := c.Declare(d.Place, d.Cancel)
	if err != nil {
		return "", err
	}
	decl := &dst.AssignStmt{
		Lhs: []dst.Expr{dst.NewIdent(ctxName), dst.NewIdent(cancelName)},
		Tok: token.DEFINE,
		Rhs: []dst.Expr{&dst.CallExpr{Fun: withTimeout, Args: []dst.Expr{base, dur}}},
	}
	deferCancel := &dst.DeferStmt{Call: &dst.CallExpr{Fun: dst.NewIdent(cancelName)}}
	return ctxName, c.Insert(d.Place, false, decl, deferCancel)
}
