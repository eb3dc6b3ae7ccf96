package engine_test

import (
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/drainfix/drainfix/internal/engine"
	"github.com/drainfix/drainfix/internal/registry"
	"golang.org/x/tools/txtar"
)

// FuzzRules feeds Go files to every matcher and rewrite. The seed corpus is
// every Go file of the rule and seed cases (run as an ordinary test); the
// fuzzer mutates them. For any input that type-checks: no panic, every fix
// parses, type-checks and is gofmt-clean where the input was (the engine
// verifies the last, and that the splice into a file that is not keeps its
// code: no "internal error" refusal),
// and fixing the fixed file again changes nothing.
//
//	go test ./internal/engine -run '^$' -fuzz FuzzRules -fuzztime 5m
func FuzzRules(f *testing.F) {
	cases, _ := filepath.Glob("../../testdata/rules/*/*.txtar")
	seeds, _ := filepath.Glob("../../testdata/seed/*.txtar")
	for _, c := range append(cases, seeds...) {
		ar, err := txtar.ParseFile(c)
		if err != nil {
			f.Fatal(err)
		}
		for _, file := range ar.Files {
			if strings.HasSuffix(file.Name, ".go") {
				f.Add(file.Data)
			}
		}
	}
	imp := importer.Default()
	f.Fuzz(func(t *testing.T, src []byte) {
		dir := t.TempDir()
		path := filepath.Join(dir, "x.go")
		res, ok := checkSource(t, imp, path, src)
		if !ok {
			return
		}
		for _, e := range res.Errors {
			t.Errorf("error: %v\n%s", e, src)
		}
		for _, f := range res.Findings {
			if strings.Contains(f.Message, "internal error") {
				t.Errorf("%s\n%s", f.Message, src)
			}
		}
		if len(res.Fixes) == 0 {
			return
		}
		fixed := res.Fixes[0].New
		again, ok := checkSource(t, imp, path, fixed)
		if !ok {
			t.Fatalf("the fixed file does not type-check:\n--- input\n%s\n--- fixed\n%s", src, fixed)
		}
		if len(again.Fixes) > 0 {
			t.Fatalf("a second run changes the file again:\n--- input\n%s\n--- fixed\n%s\n--- again\n%s", src, fixed, again.Fixes[0].New)
		}
	})
}

// checkSource writes src to path, type-checks it alone and runs every
// rule on it; ok is false when src is not a valid one-file package.
func checkSource(t *testing.T, imp types.Importer, path string, src []byte) (*engine.Result, bool) {
	if err := os.WriteFile(path, src, 0o644); err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	file, err := parser.ParseFile(fset, path, src, parser.ParseComments|parser.AllErrors)
	if err != nil {
		return nil, false
	}
	info := &types.Info{
		Types: map[ast.Expr]types.TypeAndValue{}, Defs: map[*ast.Ident]types.Object{},
		Uses: map[*ast.Ident]types.Object{}, Implicits: map[ast.Node]types.Object{},
		Selections: map[*ast.SelectorExpr]*types.Selection{}, Scopes: map[ast.Node]*types.Scope{},
		Instances: map[*ast.Ident]types.Instance{}, FileVersions: map[*ast.File]string{},
	}
	conf := types.Config{Importer: imp, GoVersion: "go1.22", Error: func(error) {}}
	pkg, err := conf.Check(file.Name.Name, fset, []*ast.File{file}, info)
	if err != nil {
		return nil, false
	}
	return engine.RunTyped(engine.Config{Rules: registry.All(), Timeout: 25 * time.Second, Parallel: 1},
		fset, []*ast.File{file}, pkg, info), true
}
