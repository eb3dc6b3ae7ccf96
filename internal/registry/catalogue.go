package registry

import (
	"fmt"
	"strings"
)

// Catalogue markers delimit the generated part of README.md.
const (
	CatalogueStart = "<!-- catalogue:start (generated from the rule registry; go test ./internal/registry -update rewrites it) -->"
	CatalogueEnd   = "<!-- catalogue:end -->"
)

// Catalogue is the README's rule catalogue in Markdown: a table, then each
// rule's doc with bad and good code.
func Catalogue() string {
	var b strings.Builder
	b.WriteString("| rule | seed bugs | fixes | finds |\n| --- | --- | --- | --- |\n")
	for _, r := range All() {
		fmt.Fprintf(&b, "| [`%s`](#%s) | %s | %s | %s |\n", r.Name, r.Name, r.SeedText(), yesNo(r.Fixes()), r.Summary)
	}
	for _, r := range All() {
		fmt.Fprintf(&b, "\n### %s\n\n", r.Name)
		fmt.Fprintf(&b, "%s. Seed bugs: %s. Fixes: %s.\n\n", capitalize(r.Summary), r.SeedText(), yesNo(r.Fixes()))
		b.WriteString(strings.Join(strings.Fields(r.Doc), " "))
		b.WriteString("\n\nBad:\n\n```go\n" + strings.Trim(r.Bad, "\n") + "\n```\n\nGood:\n\n```go\n" + strings.Trim(r.Good, "\n") + "\n```\n")
	}
	return b.String()
}

// capitalize starts a sentence with a capital letter, unless it starts
// with Go code (time.Tick, os.Exit), whose case is part of its meaning.
func capitalize(s string) string {
	first, _, _ := strings.Cut(s, " ")
	if s == "" || strings.ContainsAny(first, ".()") {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
