package rewrites

import (
	"fmt"
	"go/token"

	"github.com/dave/dst"
	"github.com/drainfix/drainfix/matchers"
)

// CommitBeforeProcess replaces the go statement by the call it starts, run
// in place: in
//
//	if err := process(msg); err != nil {
//		return err
//	}
//
// when the call returns an error, so that neither this commit nor a later
// one is made and the message is fetched again, else as a plain statement. The err declared here lives in the if
// statement alone, which reads nothing else, so it is not claimed with
// Declare: shadowing the loop's err is what the seed's fix does, and
// harmless. The go statement's comments, and those of a func literal's
// only statement, stay with the new statement.
func CommitBeforeProcess(c *Context, f *matchers.Finding) error {
	fix := f.Fix.(*matchers.CommitBeforeProcessFix)
	list, err := cbdList(c, fix.Block)
	if err != nil {
		return err
	}
	goStmt := dstOf[*dst.GoStmt](c, fix.Go)
	i := cbdIndex(*list, goStmt)
	if i < 0 {
		return fmt.Errorf("go statement not found in its block")
	}
	decs := goStmt.Decs.NodeDecs
	if len(goStmt.Decs.Go) > 0 {
		return fmt.Errorf("a comment after the go keyword has no place in the fix")
	}
	if fix.Inner != nil {
		inner := dstOf[*dst.ExprStmt](c, fix.Inner)
		lit := dstOf[*dst.CallExpr](c, fix.Go.Call).Fun.(*dst.FuncLit)
		if len(lit.Decs.Type) > 0 || len(lit.Body.Decs.End) > 0 || len(lit.Body.Decs.Start) > 0 || len(lit.Decs.End) > 0 {
			return fmt.Errorf("the goroutine's comments have no place in the fix")
		}
		decs.Start = append(append(decs.Start, lit.Body.Decs.Lbrace...), inner.Decs.Start...)
		decs.End = append(append(dst.Decorations{}, inner.Decs.End...), decs.End...)
	}
	call := dst.Clone(dstOf[*dst.CallExpr](c, fix.Call)).(*dst.CallExpr)
	var stmt dst.Stmt
	if fix.CheckErr {
		s := &dst.IfStmt{
			Init: &dst.AssignStmt{Lhs: []dst.Expr{dst.NewIdent("err")}, Tok: token.DEFINE, Rhs: []dst.Expr{call}},
			Cond: &dst.BinaryExpr{X: dst.NewIdent("err"), Op: token.NEQ, Y: dst.NewIdent("nil")},
			Body: &dst.BlockStmt{List: []dst.Stmt{&dst.ReturnStmt{Results: []dst.Expr{dst.NewIdent("err")}}}},
		}
		// A comment at the end of the go statement's line stays on the if's
		// first line.
		s.Body.Decs.Lbrace, decs.End = decs.End, nil
		s.Decs.NodeDecs = decs
		stmt = s
	} else {
		s := &dst.ExprStmt{X: call}
		s.Decs.NodeDecs = decs
		stmt = s
	}
	(*list)[i] = stmt
	return nil
}
