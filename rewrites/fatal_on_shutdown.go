package rewrites

import (
	"fmt"
	"go/token"

	"github.com/dave/dst"
	"github.com/drainfix/drainfix/matchers"
)

// FatalOnShutdown turns the exit on a failed Shutdown into a log line on
// the same logger (Fatal → Print, Fatalf → Printf, Fatalln → Println), so
// that the clean-up after it still runs. Only the selector's name changes,
// so a fix of the same statement by another rule (a deadline for Shutdown)
// composes with it. log.Fatal(srv.Shutdown(ctx)) becomes
//
//	if err := srv.Shutdown(ctx); err != nil {
//		log.Print(err)
//	}
//
// In a function that returns just an error, with nothing but trivia after
// the check, the error is also returned after the log line (Return).
func FatalOnShutdown(c *Context, f *matchers.Finding) error {
	fix := f.Fix.(*matchers.FatalOnShutdownFix)
	sel := dstOf[*dst.SelectorExpr](c, fix.Sel)
	sel.Sel.Name = fix.Print
	ret := func() dst.Stmt {
		r := &dst.ReturnStmt{Results: []dst.Expr{dst.NewIdent(fix.Return)}}
		r.Decs.Before, r.Decs.After = dst.NewLine, dst.NewLine
		return r
	}
	if fix.Direct == nil {
		if fix.Return == "" {
			return nil
		}
		list, i, err := c.stmtIndex(fix.After)
		if err != nil {
			return err
		}
		*list = append((*list)[:i+1], append([]dst.Stmt{ret()}, (*list)[i+1:]...)...)
		return nil
	}
	notNil := &dst.BinaryExpr{X: dst.NewIdent(fix.Direct.Err), Op: token.NEQ, Y: dst.NewIdent("nil")}
	if err := exitOnError(c, fix.Direct, notNil); err != nil {
		return err
	}
	if fix.Return != "" {
		ifs := c.Nodes[fix.Direct.Place.Stmt].(*dst.IfStmt)
		ifs.Body.List = append(ifs.Body.List, ret())
	}
	return nil
}

// exitOnError rewrites the statement exit(..., call, ...) as
//
//	if err := call; cond {
//		exit(..., err, ...)
//	}
//
// The ast statement then
// maps to the if, so that other rewrites can still insert before it.
func exitOnError(c *Context, d *matchers.ExitArgFix, cond dst.Expr) error {
	list, i, err := c.stmtIndex(d.Place)
	if err != nil {
		return err
	}
	old, ok := (*list)[i].(*dst.ExprStmt)
	if !ok {
		return fmt.Errorf("statement at %v was already rewritten", c.Pass.Fset.Position(d.Place.Stmt.Pos()))
	}
	exit := dstOf[*dst.CallExpr](c, d.Exit)
	produce := exit.Args[d.Arg]
	for {
		p, ok := produce.(*dst.ParenExpr)
		if !ok {
			break
		}
		produce = p.X
	}
	ref := dst.NewIdent(d.Err)
	ref.Decs.Before, ref.Decs.After = exit.Args[d.Arg].Decorations().Before, exit.Args[d.Arg].Decorations().After
	produce.Decorations().Before, produce.Decorations().After = dst.None, dst.None
	exit.Args[d.Arg] = ref

	ifs := &dst.IfStmt{
		Init: &dst.AssignStmt{Lhs: []dst.Expr{dst.NewIdent(d.Err)}, Tok: token.DEFINE, Rhs: []dst.Expr{produce}},
		Cond: cond,
		Body: &dst.BlockStmt{List: []dst.Stmt{old}},
	}
	// Comments above the statement go above the if; one at the end of its
	// line stays with the exit call it described.
	ifs.Decs.Before, ifs.Decs.Start, ifs.Decs.After = old.Decs.Before, old.Decs.Start, old.Decs.After
	old.Decs.Before, old.Decs.Start, old.Decs.After = dst.NewLine, nil, dst.NewLine
	(*list)[i] = ifs
	c.Nodes[d.Place.Stmt] = ifs
	return nil
}

// stmtIndex returns the statement list holding place's statement, and its
// index there.
func (c *Context) stmtIndex(place matchers.StmtPlace) (*[]dst.Stmt, int, error) {
	var list *[]dst.Stmt
	switch b := c.Nodes[place.Block].(type) {
	case *dst.BlockStmt:
		list = &b.List
	case *dst.CaseClause:
		list = &b.Body
	case *dst.CommClause:
		list = &b.Body
	default:
		return nil, 0, fmt.Errorf("no statement list at %v", c.Pass.Fset.Position(place.Stmt.Pos()))
	}
	target := c.Nodes[place.Stmt]
	for i, s := range *list {
		if s == target {
			return list, i, nil
		}
	}
	return nil, 0, fmt.Errorf("statement not found in its block at %v", c.Pass.Fset.Position(place.Stmt.Pos()))
}
