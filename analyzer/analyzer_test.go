package analyzer_test

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

	"github.com/drainfix/drainfix/analyzer"
	"github.com/drainfix/drainfix/internal/registry"
	"github.com/drainfix/drainfix/matchers"
	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/analysistest"
)

func TestAnalyzer(t *testing.T) {
	analysistest.RunWithSuggestedFixes(t, analysistest.TestData(), analyzer.Analyzer, "a")
}

func TestPerRuleAnalyzers(t *testing.T) {
	if err := analysis.Validate(append(analyzer.Analyzers, analyzer.Analyzer)); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, a := range analyzer.Analyzers {
		if seen[a.Name] {
			t.Errorf("two analyzers named %s", a.Name)
		}
		seen[a.Name] = true
		if a.Run == nil || a.Doc == "" {
			t.Errorf("analyzer %s lacks Run or Doc", a.Name)
		}
	}
	if !seen["server_close"] {
		t.Error("no per-rule analyzer for server-close")
	}
}

// TestDiagnosticsFromBuffer runs the analyzer on a file as an editor holds
// it (pass.ReadFile returns the unsaved buffer; the file on disk is older
// and shorter) that is not gofmt-clean. The suggested fix's edits are made
// against the buffer and change only the line the fix changes. There is
// no analysistest for it: analysistest reads the files from disk.
func TestDiagnosticsFromBuffer(t *testing.T) {
	const buffer = `package p

import (
	"os/signal"
	"os"
)

var (
	a = 1 // one
	bb = 2     // two
)

// Wait waits.
func Wait() {
	n   :=  1
	_ = n
	c := make(chan os.Signal)
	signal.Notify(c, os.Interrupt)
	<-c
}
`
	want := strings.Replace(buffer, "make(chan os.Signal)", "make(chan os.Signal, 1)", 1)
	name := filepath.Join(t.TempDir(), "p.go")
	if err := os.WriteFile(name, []byte("package p\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	run := func(readFile func(string) ([]byte, error)) []analysis.Diagnostic {
		fset, f, pkg, info := typeCheck(t, name, buffer)
		var diags []analysis.Diagnostic
		pass := &analysis.Pass{
			Analyzer: analyzer.Analyzer, Fset: fset, Files: []*ast.File{f}, Pkg: pkg, TypesInfo: info,
			TypesSizes: types.SizesFor("gc", "amd64"), ResultOf: map[*analysis.Analyzer]any{},
			Report: func(d analysis.Diagnostic) { diags = append(diags, d) }, ReadFile: readFile,
		}
		if _, err := analyzer.Analyzer.Run(pass); err != nil {
			t.Fatal(err)
		}
		for _, d := range diags {
			for _, fix := range d.SuggestedFixes {
				for _, e := range fix.TextEdits {
					if fset.File(e.Pos) != fset.File(f.Pos()) {
						t.Fatalf("edit outside the file: %v", e)
					}
				}
			}
		}
		return diags
	}

	diags := run(func(string) ([]byte, error) { return []byte(buffer), nil })
	if len(diags) != 1 || !strings.HasPrefix(diags[0].Message, "signal-unbuffered: channel given to signal.Notify is unbuffered") {
		t.Fatalf("diagnostics: %+v", diags)
	}
	fixes := diags[0].SuggestedFixes
	if len(fixes) != 1 || len(fixes[0].TextEdits) != 1 {
		t.Fatalf("want one fix with one edit, got %+v", fixes)
	}
	e := fixes[0].TextEdits[0]
	start, end := int(e.Pos)-1, int(e.End)-1 // the file is the first in its FileSet: base 1
	got := buffer[:start] + string(e.NewText) + buffer[end:]
	if got != want {
		t.Errorf("the fix applied to the buffer gives\n%s\nwant\n%s", got, want)
	}
	if string(e.NewText) != "\tc := make(chan os.Signal, 1)\n" {
		t.Errorf("the edit writes %q; want only the fixed line", e.NewText)
	}

	// Read from the disk, the file is not the one analysed: no fix.
	diags = run(nil)
	if len(diags) != 1 || len(diags[0].SuggestedFixes) != 0 ||
		!strings.HasSuffix(diags[0].Message, "(not fixed: file changed on disk since it was loaded)") {
		t.Errorf("with the file on disk: %+v", diags)
	}
}

// TestPanickingRuleFails: a rule whose matcher panics fails the analyzer's
// run with an error naming the rule and the panic (go vet then exits
// non-zero), as drainfix itself reports it; the other rules' diagnostics
// are still reported.
func TestPanickingRuleFails(t *testing.T) {
	const src = `package p

import (
	"os"
	"os/signal"
)

func Wait() {
	c := make(chan os.Signal)
	signal.Notify(c, os.Interrupt)
	<-c
}
`
	fset, f, pkg, info := typeCheck(t, "p.go", src)
	boom := &registry.Rule{Name: "boom", Match: func(*matchers.Pass) []matchers.Finding { panic("boom") }}
	a := analyzer.New("drainfix", []*registry.Rule{boom, registry.Lookup("signal-unbuffered")})
	var diags []analysis.Diagnostic
	pass := &analysis.Pass{
		Analyzer: a, Fset: fset, Files: []*ast.File{f}, Pkg: pkg, TypesInfo: info,
		TypesSizes: types.SizesFor("gc", "amd64"), ResultOf: map[*analysis.Analyzer]any{},
		Report:   func(d analysis.Diagnostic) { diags = append(diags, d) },
		ReadFile: func(string) ([]byte, error) { return []byte(src), nil },
	}
	_, err := a.Run(pass)
	if err == nil || err.Error() != "rule boom: panic: boom" {
		t.Errorf("Run's error is %v; want %q", err, "rule boom: panic: boom")
	}
	if len(diags) != 1 || !strings.HasPrefix(diags[0].Message, "signal-unbuffered: ") {
		t.Errorf("the other rule's diagnostics: %+v; want its one finding", diags)
	}
}

// typeCheck parses src as the file name of package p and type-checks it
// against the installed standard library.
func typeCheck(t *testing.T, name, src string) (*token.FileSet, *ast.File, *types.Package, *types.Info) {
	t.Helper()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, name, src, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	info := &types.Info{
		Types: map[ast.Expr]types.TypeAndValue{}, Defs: map[*ast.Ident]types.Object{},
		Uses: map[*ast.Ident]types.Object{}, Implicits: map[ast.Node]types.Object{},
		Selections: map[*ast.SelectorExpr]*types.Selection{}, Scopes: map[ast.Node]*types.Scope{},
	}
	pkg, err := (&types.Config{Importer: importer.Default()}).Check("p", fset, []*ast.File{f}, info)
	if err != nil {
		t.Fatal(err)
	}
	return fset, f, pkg, info
}
