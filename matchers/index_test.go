package matchers

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"slices"
	"testing"
)

// TestInspectFile checks that a scan of the node index visits exactly what
// ast.Inspect visits, in the same order, for node types alone and mixed,
// and that a false return skips the node's subtree as it does there.
func TestInspectFile(t *testing.T) {
	fset := token.NewFileSet()
	names, err := filepath.Glob("*.go")
	if err != nil || len(names) == 0 {
		t.Fatalf("no Go files: %v", err)
	}
	var files []*ast.File
	for _, name := range names {
		f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	p := &Pass{Fset: fset, Files: files}
	cases := []struct {
		name  string
		types []ast.Node
		prune func(ast.Node) bool // whether to skip the node's subtree
	}{
		{"calls", []ast.Node{(*ast.CallExpr)(nil)}, func(ast.Node) bool { return false }},
		{"statement lists", stmtListTypes, func(ast.Node) bool { return false }},
		{"calls, not inside function literals",
			[]ast.Node{(*ast.CallExpr)(nil), (*ast.FuncLit)(nil)},
			func(n ast.Node) bool { _, ok := n.(*ast.FuncLit); return ok }},
		{"assignments, not inside loops",
			[]ast.Node{(*ast.AssignStmt)(nil), (*ast.RangeStmt)(nil), (*ast.ForStmt)(nil), (*ast.ValueSpec)(nil)},
			func(n ast.Node) bool {
				switch n.(type) {
				case *ast.RangeStmt, *ast.ForStmt:
					return true
				}
				return false
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var want, got []ast.Node
			for _, f := range files {
				ast.Inspect(f, func(n ast.Node) bool {
					if n == nil || !slices.ContainsFunc(c.types, func(t ast.Node) bool { return kindOf(t) == kindOf(n) }) {
						return true
					}
					want = append(want, n)
					return !c.prune(n)
				})
				p.inspectFile(f, func(n ast.Node) bool {
					got = append(got, n)
					return !c.prune(n)
				}, c.types...)
			}
			if len(want) == 0 {
				t.Fatal("ast.Inspect found no nodes: the case tests nothing")
			}
			if !slices.Equal(got, want) {
				t.Errorf("inspectFile visited %d nodes, ast.Inspect %d, or in another order", len(got), len(want))
			}
		})
	}
}
