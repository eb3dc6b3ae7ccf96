package engine

import (
	"fmt"
	"go/ast"
	"go/token"

	"github.com/drainfix/drainfix/internal/registry"
	"github.com/drainfix/drainfix/matchers"
)

// suppressions maps a line to the rules silenced on it ("" for all).
type suppressions map[int][]string

// parseSuppressions reads //drainfix:ignore RULE[,RULE] reason and
// //nolint[:drainfix] comments. Each silences its own line and the next;
// one in a declaration's doc comment silences the whole declaration, as
// golangci-lint reads //nolint. It also returns a warning for each rule a
// comment names that drainfix does not have (a typo silences nothing).
func parseSuppressions(fset *token.FileSet, f *ast.File) (suppressions, []string) {
	var s suppressions
	var warnings []string
	add := func(line int, rules []string) {
		if s == nil {
			s = suppressions{}
		}
		s[line] = append(s[line], rules...)
	}
	docs := map[*ast.CommentGroup]ast.Decl{}
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			if d.Doc != nil {
				docs[d.Doc] = d
			}
		case *ast.GenDecl:
			if d.Doc != nil {
				docs[d.Doc] = d
			}
		}
	}
	for _, cg := range f.Comments {
		for _, c := range cg.List {
			rules, ok := matchers.Directive(c.Text)
			if !ok {
				continue
			}
			at := fset.PositionFor(c.Slash, false)
			for _, r := range rules {
				if r != "" && registry.Lookup(r) == nil {
					warnings = append(warnings, fmt.Sprintf("%s:%d: unknown rule %q in a suppression comment: it silences nothing", at.Filename, at.Line, r))
				}
			}
			add(at.Line, rules)
			add(at.Line+1, rules)
			if d := docs[cg]; d != nil {
				for l, end := fset.PositionFor(d.Pos(), false).Line, fset.PositionFor(d.End(), false).Line; l <= end; l++ {
					add(l, rules)
				}
			}
		}
	}
	return s, warnings
}

func (s suppressions) has(line int, rule string) bool {
	for _, r := range s[line] {
		if r == "" || r == rule {
			return true
		}
	}
	return false
}
