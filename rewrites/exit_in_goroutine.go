package rewrites

import (
	"fmt"
	"go/ast"
	"go/token"

	"github.com/dave/dst"
	"github.com/drainfix/drainfix/matchers"
)

// ExitInGoroutine hands a goroutine's failure to main: log.Fatal(args)
// becomes log.Print(args) (Fatalf Printf, Fatalln Println, on the same
// logger), os.Exit(n) goes, and cancel() of the program's lifetime context
// follows, then return so that the goroutine stops. main wakes from its
// wait for the context, drains, and decides the exit status.
//
// The exit statement is looked up by its call, not by its place, so that a
// rule rewriting the same statement earlier (fatal-on-serve-closed wrapping
// it in an if) composes with this one.
func ExitInGoroutine(c *Context, f *matchers.Finding) error {
	fix := f.Fix.(*matchers.ExitInGoroutineFix)
	exit := dstOf[*dst.CallExpr](c, fix.Exit)
	list, i := findStmt(c.File, func(s dst.Stmt) bool {
		es, ok := s.(*dst.ExprStmt)
		return ok && es.X == exit
	})
	if list == nil {
		return fmt.Errorf("the exit at %v is no longer a statement", c.Pass.Fset.Position(fix.Exit.Pos()))
	}
	cancel := &dst.ExprStmt{X: &dst.CallExpr{Fun: dst.NewIdent(fix.Cancel)}}
	var after []dst.Stmt
	if fix.Sel != nil {
		dstOf[*dst.SelectorExpr](c, fix.Sel).Sel.Name = fix.Print
		after = append(after, cancel)
	} else {
		// os.Exit(n) itself becomes cancel(), keeping its comments.
		(*list)[i].(*dst.ExprStmt).X = cancel.X
	}
	if fix.Return {
		after = append(after, &dst.ReturnStmt{})
	}
	insertAfter(list, i, after...)
	if fix.Import != nil && !anyReachable(c, fix.PkgUses) {
		dropImport(c.File, dstOf[*dst.ImportSpec](c, fix.Import))
	}
	return nil
}

// anyReachable reports whether the dst twin of any of ids is still in the
// file: whichever rewrites removed the others, the last one out drops the
// import.
func anyReachable(c *Context, ids []*ast.Ident) bool {
	want := map[dst.Node]bool{}
	for _, id := range ids {
		if d, ok := c.Nodes[id]; ok {
			want[d] = true
		}
	}
	found := false
	dst.Inspect(c.File, func(n dst.Node) bool {
		if want[n] {
			found = true
		}
		return !found
	})
	return found
}

// dropImport removes spec from the file's imports, keeping the blank
// lines that separate the remaining groups.
func dropImport(f *dst.File, spec *dst.ImportSpec) {
	for di, d := range f.Decls {
		gd, ok := d.(*dst.GenDecl)
		if !ok || gd.Tok != token.IMPORT {
			continue
		}
		for k, s := range gd.Specs {
			if s != spec {
				continue
			}
			if k+1 < len(gd.Specs) {
				next := gd.Specs[k+1].(*dst.ImportSpec)
				if k == 0 || spec.Decs.Before == dst.EmptyLine {
					next.Decs.Before = spec.Decs.Before
				}
				next.Decs.Start = append(spec.Decs.Start, next.Decs.Start...)
			} else if k > 0 {
				gd.Specs[k-1].(*dst.ImportSpec).Decs.After = spec.Decs.After
			}
			gd.Specs = append(gd.Specs[:k:k], gd.Specs[k+1:]...)
			if len(gd.Specs) == 0 {
				f.Decls = append(f.Decls[:di:di], f.Decls[di+1:]...)
			}
			return
		}
	}
}

// findStmt returns the statement list holding the first statement of f for
// which is returns true, and its index; nil when there is none.
func findStmt(f *dst.File, is func(dst.Stmt) bool) (*[]dst.Stmt, int) {
	var list *[]dst.Stmt
	idx := -1
	dst.Inspect(f, func(n dst.Node) bool {
		if list != nil {
			return false
		}
		var l *[]dst.Stmt
		switch n := n.(type) {
		case *dst.BlockStmt:
			l = &n.List
		case *dst.CaseClause:
			l = &n.Body
		case *dst.CommClause:
			l = &n.Body
		default:
			return true
		}
		for k, s := range *l {
			if is(s) {
				list, idx = l, k
				return false
			}
		}
		return true
	})
	return list, idx
}

// insertAfter puts stmts after (*list)[i], each on its own line; the space
// after the old statement moves past the new ones.
func insertAfter(list *[]dst.Stmt, i int, stmts ...dst.Stmt) {
	if len(stmts) == 0 {
		return
	}
	for _, s := range stmts {
		s.Decorations().Before, s.Decorations().After = dst.NewLine, dst.NewLine
	}
	old := (*list)[i].Decorations()
	if last := stmts[len(stmts)-1].Decorations(); old.After != dst.None {
		last.After, old.After = old.After, dst.NewLine
	}
	*list = append((*list)[:i+1:i+1], append(stmts, (*list)[i+1:]...)...)
}
