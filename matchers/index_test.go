package matchers

import (
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
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
	// Not type-checked: the index looks up callees in empty maps.
	info := &types.Info{Types: map[ast.Expr]types.TypeAndValue{}, Uses: map[*ast.Ident]types.Object{}}
	p := &Pass{Fset: fset, Files: files, Info: info}
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

// TestInspectCallees checks that the index hands each call the callee
// callee(info, call) finds, and nil to every other node.
func TestInspectCallees(t *testing.T) {
	const src = `package p

type T struct{ f func() }

func (T) M() {}

func G[X any](x X) X { return x }

func use(t T, ts []T) {
	t.M()
	G(1)
	G[string]("")
	t.f()
	_ = len(ts)
	func() { T.M(t) }()
	_ = int(3)
}
`
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "p.go", src, 0)
	if err != nil {
		t.Fatal(err)
	}
	info := &types.Info{Types: map[ast.Expr]types.TypeAndValue{}, Uses: map[*ast.Ident]types.Object{}, Instances: map[*ast.Ident]types.Instance{}}
	if _, err := new(types.Config).Check("p", fset, []*ast.File{f}, info); err != nil {
		t.Fatal(err)
	}
	p := &Pass{Fset: fset, Files: []*ast.File{f}, Info: info}
	var calls, named int
	p.inspectCallees(f, func(n ast.Node, fn *types.Func) bool {
		call, ok := n.(*ast.CallExpr)
		switch {
		case !ok && fn != nil:
			t.Errorf("%T at %v given callee %v", n, fset.Position(n.Pos()), fn)
		case ok && fn != callee(info, call):
			t.Errorf("call at %v given callee %v, want %v", fset.Position(n.Pos()), fn, callee(info, call))
		case ok:
			calls++
			if fn != nil {
				named++
			}
		}
		return true
	}, (*ast.CallExpr)(nil), (*ast.FuncLit)(nil), (*ast.AssignStmt)(nil))
	// t.M, G, G[string], T.M: four calls of a declared function; t.f, len,
	// int and the literal are not.
	if calls != 8 || named != 4 {
		t.Errorf("saw %d calls, %d with a callee; want 8 and 4", calls, named)
	}
}
