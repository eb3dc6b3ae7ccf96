package matchers

import (
	"go/token"
	"slices"
	"strings"
)

// Directive parses one comment: a //drainfix:ignore RULE[,RULE] reason or
// a //nolint[:drainfix] one; rules is [""] when every rule is silenced.
// //nolint:govet (or :lostcancel, :sigchanyzer) silences the rules that
// report what that go vet analyzer reports (vetTwins).
func Directive(text string) (rules []string, ok bool) {
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
			rules = append(rules, vetTwins[l]...)
		}
		return rules, len(rules) > 0
	}
	return nil, false
}

// vetTwins are the rules that report what a go vet analyzer reports, by
// the names golangci-lint's //nolint takes for it: a user who silenced
// go vet's lostcancel or sigchanyzer there has silenced the same finding.
var vetTwins = map[string][]string{
	"govet":       {"lost-cancel", "signal-unbuffered"},
	"vet":         {"lost-cancel", "signal-unbuffered"},
	"lostcancel":  {"lost-cancel"},
	"sigchanyzer": {"signal-unbuffered"},
}

// suppressedAt reports whether a comment on pos's line, or on the line
// above, silences rule there: what a fix of another rule must leave alone.
func (p *Pass) suppressedAt(pos token.Pos, rule string) bool {
	f := p.FileOf(pos)
	if f == nil {
		return false
	}
	line := p.Fset.PositionFor(pos, false).Line
	for _, cg := range f.Comments {
		for _, c := range cg.List {
			l := p.Fset.PositionFor(c.Slash, false).Line
			if l != line && l != line-1 {
				continue
			}
			if rules, ok := Directive(c.Text); ok && (slices.Contains(rules, "") || slices.Contains(rules, rule)) {
				return true
			}
		}
	}
	return false
}
