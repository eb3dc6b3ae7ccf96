package rewrites

import (
	"go/token"

	"github.com/dave/dst"
	"github.com/drainfix/drainfix/matchers"
)

// ShutdownInHandler moves the statement calling Shutdown in a handler into
// a goroutine of its own, so that the handler returns and Shutdown no
// longer waits for it:
//
//	go func() {
//		ctx, cancel := context.WithTimeout(context.Background(), 25*time.Second)
//		defer cancel()
//		_ = srv.Shutdown(ctx)
//	}()
//
// The base of the deadline is context.Background() or the kept old
// argument; an if that logs Shutdown's error moves whole.
func ShutdownInHandler(c *Context, f *matchers.Finding) error {
	fix := f.Fix.(*matchers.ShutdownInHandlerFix)
	d := fix.Deadline
	pos := d.Place.Stmt.Pos()
	list, i, err := c.stmtIndex(d.Place)
	if err != nil {
		return err
	}
	withTimeout, err := c.Qual("context", "WithTimeout", pos)
	if err != nil {
		return err
	}
	call := dstOf[*dst.CallExpr](c, fix.Call)
	arg := call.Args[0]
	base := arg
	if d.Base == nil {
		bg, err := c.Qual("context", "Background", pos)
		if err != nil {
			return err
		}
		base = &dst.CallExpr{Fun: bg}
	}
	dur, err := c.Duration(pos)
	if err != nil {
		return err
	}
	ctxName, err := c.Declare(d.Place, d.Ctx)
	if err != nil {
		return err
	}
	cancelName, err := c.Declare(d.Place, d.Cancel)
	if err != nil {
		return err
	}

	// The argument's line breaks and comments stay in the Shutdown call.
	ctx := dst.NewIdent(ctxName)
	ctx.Decs.NodeDecs = *arg.Decorations()
	*base.Decorations() = dst.NodeDecs{}
	call.Args[0] = ctx

	old := (*list)[i]
	inner := old
	if es, ok := old.(*dst.ExprStmt); ok {
		inner = &dst.AssignStmt{Lhs: []dst.Expr{dst.NewIdent("_")}, Tok: token.ASSIGN, Rhs: []dst.Expr{es.X}}
	}
	// The go statement takes the old one's place and comments.
	body := &dst.BlockStmt{}
	goStmt := &dst.GoStmt{Call: &dst.CallExpr{Fun: &dst.FuncLit{
		Type: &dst.FuncType{Func: true, Params: &dst.FieldList{Opening: true, Closing: true}},
		Body: body,
	}}}
	replaceStmt(list, i, goStmt)
	inner.Decorations().Start, inner.Decorations().End = nil, nil
	body.List = lines(
		&dst.AssignStmt{
			Lhs: []dst.Expr{dst.NewIdent(ctxName), dst.NewIdent(cancelName)},
			Tok: token.DEFINE,
			Rhs: []dst.Expr{&dst.CallExpr{Fun: withTimeout, Args: []dst.Expr{base, dur}}},
		},
		&dst.DeferStmt{Call: &dst.CallExpr{Fun: dst.NewIdent(cancelName)}},
		inner,
	)
	c.Nodes[d.Place.Stmt] = goStmt
	return nil
}
