package rewrites

import (
	"fmt"
	"go/token"

	"github.com/dave/dst"
	"github.com/drainfix/drainfix/matchers"
)

// GoUnjoined joins a goroutine stopped by a deferred cancel with a
// WaitGroup whose Wait is deferred just before the cancel, so that it runs
// after it (defers run last in, first out):
//
//	var wg sync.WaitGroup
//	defer wg.Wait()
//	defer cancel()
//	...
//	wg.Add(1)
//	go func() {
//		defer wg.Done()
//		server.Run(ctx)
//	}()
//
// Every goroutine one deferred cancel stops shares one WaitGroup: the first
// fix to run declares it, the others add to it.
func GoUnjoined(c *Context, f *matchers.Finding) error {
	fix := f.Fix.(*matchers.GoUnjoinedFix)
	g := fix.Group
	name, declared := g.Declared[c.File]
	var decl []dst.Stmt
	if !declared {
		wgType, err := c.Qual("sync", "WaitGroup", fix.Defer.Stmt.Pos())
		if err != nil {
			return err
		}
		name, err = c.Declare(fix.Defer, g.Name)
		if err != nil {
			return err
		}
		if name != g.Name {
			return fmt.Errorf("the name %s is taken by another fix", g.Name)
		}
		decl = []dst.Stmt{
			&dst.DeclStmt{Decl: &dst.GenDecl{Tok: token.VAR, Specs: []dst.Spec{
				&dst.ValueSpec{Names: []*dst.Ident{dst.NewIdent(name)}, Type: wgType},
			}}},
			&dst.DeferStmt{Call: wgCall(name, "Wait")},
		}
	}

	gs := dstOf[*dst.GoStmt](c, fix.Go.Stmt)
	done := &dst.DeferStmt{Call: wgCall(name, "Done")}
	if fix.Lit != nil {
		prepend(&dstOf[*dst.FuncLit](c, fix.Lit).Body.List, done)
	} else {
		run := &dst.ExprStmt{X: gs.Call}
		// A comment at the end of the go statement described the call.
		run.Decs.End, gs.Decs.End = gs.Decs.End, nil
		gs.Call = &dst.CallExpr{Fun: &dst.FuncLit{
			Type: &dst.FuncType{Func: true, Params: &dst.FieldList{}},
			Body: &dst.BlockStmt{List: []dst.Stmt{done, run}},
		}}
		for _, s := range gs.Call.Fun.(*dst.FuncLit).Body.List {
			s.Decorations().Before, s.Decorations().After = dst.NewLine, dst.NewLine
		}
	}
	add := &dst.ExprStmt{X: wgCall(name, "Add", &dst.BasicLit{Kind: token.INT, Value: "1"})}
	if err := c.Insert(fix.Go, false, add); err != nil {
		return err
	}
	if !declared {
		if err := c.Insert(fix.Defer, false, decl...); err != nil {
			return err
		}
		g.Declared[c.File] = name
	}
	return nil
}

// wgCall returns the call name.method(args...).
func wgCall(name, method string, args ...dst.Expr) *dst.CallExpr {
	return &dst.CallExpr{Fun: &dst.SelectorExpr{X: dst.NewIdent(name), Sel: dst.NewIdent(method)}, Args: args}
}

// prepend puts stmts at the top of a statement list, each on its own line;
// comments above the old first statement stay with it.
func prepend(list *[]dst.Stmt, stmts ...dst.Stmt) {
	for _, s := range stmts {
		s.Decorations().Before, s.Decorations().After = dst.NewLine, dst.NewLine
	}
	if len(*list) > 0 {
		first := (*list)[0].Decorations()
		if first.Before == dst.None {
			first.Before = dst.NewLine
		}
	}
	*list = append(stmts[:len(stmts):len(stmts)], *list...)
}
