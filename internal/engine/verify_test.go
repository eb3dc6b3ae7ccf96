package engine

import (
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"path/filepath"
	"strings"
	"testing"

	"github.com/drainfix/drainfix/matchers"
)

// typedPass parses and type-checks one package of src (file name → text)
// in dir, as the engine's load would.
func typedPass(t *testing.T, dir string, src map[string]string) *matchers.Pass {
	t.Helper()
	fset := token.NewFileSet()
	var files []*ast.File
	for name, text := range src {
		f, err := parser.ParseFile(fset, filepath.Join(dir, name), text, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	info := &types.Info{
		Types: map[ast.Expr]types.TypeAndValue{}, Defs: map[*ast.Ident]types.Object{},
		Uses: map[*ast.Ident]types.Object{}, Implicits: map[ast.Node]types.Object{},
		Scopes: map[ast.Node]*types.Scope{}, Selections: map[*ast.SelectorExpr]*types.Selection{},
		Instances: map[*ast.Ident]types.Instance{}, FileVersions: map[*ast.File]string{},
	}
	conf := types.Config{Importer: importer.Default(), GoVersion: "go1.24"}
	pkg, err := conf.Check("example.com/p", fset, files, info)
	if err != nil {
		t.Fatal(err)
	}
	return &matchers.Pass{Fset: fset, Files: files, Pkg: pkg, Info: info}
}

// TestVerify: the verify step finds a fixed file that does not type-check,
// and one that type-checks but trips a vet check the original does not;
// a fixed file that is fine, and vet findings the original already had,
// pass.
func TestVerify(t *testing.T) {
	dir := t.TempDir()
	const orig = `package p

import "sync"

type pool struct{ jobs chan int }

func (p pool) size() int { return cap(p.jobs) }

var mu sync.Mutex

func copied() sync.Mutex { return mu } // vet: already there
`
	pass := typedPass(t, dir, map[string]string{"p.go": orig})
	v := newVerifier(Config{Dir: dir}, []*matchers.Pass{pass})
	path := filepath.Join(dir, "p.go")
	cases := []struct {
		name, fixed, want string
	}{
		{"fine", strings.Replace(orig, "cap(p.jobs)", "len(p.jobs) + cap(p.jobs)", 1), ""},
		{"compile", strings.Replace(orig, "cap(p.jobs)", "ctx.Done()", 1), "does not type-check: p.go:7:35: undefined: ctx"},
		{"vet", strings.Replace(orig, "jobs chan int", "jobs chan int\n\tmu sync.Mutex", 1),
			"fails go vet: p.go:8:9: copylocks: size passes lock by value: example.com/p.pool contains sync.Mutex"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			failing := v.check([]FileFix{{Path: path, Old: []byte(orig), New: []byte(c.fixed)}})
			got := ""
			if len(failing) > 0 {
				got = v.first(failing)
			}
			if got != c.want {
				t.Errorf("verify = %q, want %q", got, c.want)
			}
		})
	}
}
