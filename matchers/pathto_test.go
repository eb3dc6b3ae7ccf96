package matchers

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/tools/go/ast/astutil"
	"golang.org/x/tools/txtar"
)

// TestPathTo: pathTo, which walks up a parent map, gives for every node of
// every Go file of the rule cases the path astutil.PathEnclosingInterval
// gives for the node's extent.
func TestPathTo(t *testing.T) {
	cases, _ := filepath.Glob("../testdata/rules/*/*.txtar")
	if len(cases) == 0 {
		t.Fatal("no rule cases found")
	}
	nodes := 0
	for _, c := range cases {
		ar, err := txtar.ParseFile(c)
		if err != nil {
			t.Fatal(err)
		}
		for _, file := range ar.Files {
			if !strings.HasSuffix(file.Name, ".go") {
				continue
			}
			fset := token.NewFileSet()
			f, err := parser.ParseFile(fset, file.Name, file.Data, parser.ParseComments|parser.SkipObjectResolution)
			if err != nil {
				continue // a case may hold a file that does not parse on purpose
			}
			p := &Pass{Fset: fset, Files: []*ast.File{f}}
			ast.Inspect(f, func(n ast.Node) bool {
				if n == nil {
					return false
				}
				nodes++
				want, _ := astutil.PathEnclosingInterval(f, n.Pos(), n.End())
				if got := p.pathTo(n); fmt.Sprint(got) != fmt.Sprint(want) {
					t.Errorf("%s %s: %T at %v:\n got %s\nwant %s", c, file.Name, n, fset.Position(n.Pos()), describePath(got), describePath(want))
				}
				return true
			})
		}
	}
	if nodes < 10000 {
		t.Errorf("only %d nodes compared", nodes)
	}
}

func describePath(path []ast.Node) string {
	var s []string
	for _, n := range path {
		s = append(s, fmt.Sprintf("%T", n))
	}
	return strings.Join(s, " ")
}
