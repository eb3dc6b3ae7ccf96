package engine

import (
	"fmt"
	"go/ast"
	"go/token"
	"strings"

	"github.com/drainfix/drainfix/internal/registry"
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
			rules, ok := directive(c.Text)
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

// directive parses one comment; rules is [""] when every rule is silenced.
func directive(text string) (rules []string, ok bool) {
	text = strings.TrimPrefix(text, "//")
	switch {
	case strings.HasPrefix(text, "drainfix:ignore"):
		rest := strings.TrimPrefix(text, "drainfix:ignore")
		if rest == "" {
			return []string{""}, true
		}
		if rest[0] != ' ' && rest[0] != '\t' {
			return nil, false
		}
		fields := strings.Fields(rest)
		if len(fields) == 0 {
			return []string{""}, true
		}
		return strings.Split(fields[0], ","), true
	case strings.HasPrefix(text, "nolint"):
		rest := strings.TrimPrefix(text, "nolint")
		if rest == "" || rest[0] == ' ' || rest[0] == '\t' {
			return []string{""}, true
		}
		if rest[0] != ':' {
			return nil, false
		}
		list := strings.Fields(rest[1:])
		if len(list) == 0 {
			return nil, false
		}
		for _, l := range strings.Split(list[0], ",") {
			if l == "drainfix" || l == "all" {
				return []string{""}, true
			}
		}
	}
	return nil, false
}

func (s suppressions) has(line int, rule string) bool {
	for _, r := range s[line] {
		if r == "" || r == rule {
			return true
		}
	}
	return false
}
