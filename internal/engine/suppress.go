package engine

import (
	"go/ast"
	"go/token"
	"strings"
)

// suppressions maps a line to the rules silenced on it ("" for all).
type suppressions map[int][]string

// parseSuppressions reads //drainfix:ignore RULE[,RULE] reason and
// //nolint[:drainfix] comments. Each silences its own line and the next.
func parseSuppressions(fset *token.FileSet, f *ast.File) suppressions {
	var s suppressions
	for _, cg := range f.Comments {
		for _, c := range cg.List {
			rules, ok := directive(c.Text)
			if !ok {
				continue
			}
			if s == nil {
				s = suppressions{}
			}
			line := fset.PositionFor(c.Slash, false).Line
			s[line] = append(s[line], rules...)
			s[line+1] = append(s[line+1], rules...)
		}
	}
	return s
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
