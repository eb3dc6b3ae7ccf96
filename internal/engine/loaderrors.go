package engine

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"golang.org/x/tools/go/packages"
)

// loadErrors says why packages could not be loaded: one line for each
// cause, given where it is (the package that cannot be loaded, not each
// of its importers, which only say "could not import"), with the loaded
// packages it kept from being checked. A package of the main module that
// a loaded package imports counts too, though the importer is checked.
func loadErrors(dir string, roots []*packages.Package) []error {
	type cause struct {
		line    string
		blocked []string // packages not checked because of it
	}
	var causes []*cause
	byLine := map[string]*cause{}
	add := func(line string, blocked *packages.Package) {
		c := byLine[line]
		if c == nil {
			c = &cause{line: line}
			byLine[line] = c
			causes = append(causes, c)
		}
		if blocked != nil && !slices.Contains(c.blocked, blocked.PkgPath) {
			c.blocked = append(c.blocked, blocked.PkgPath)
		}
	}
	for _, p := range roots {
		if len(p.Errors) > 0 {
			at := causeOf(p, map[*packages.Package]bool{})
			var blocked *packages.Package
			if at != p {
				blocked = p
			}
			add(at.PkgPath+": "+describeErrors(dir, at.Errors), blocked)
			continue
		}
		// A broken package of the main module that p imports.
		seen := map[*packages.Package]bool{}
		var walk func(q *packages.Package)
		walk = func(q *packages.Package) {
			for _, d := range q.Imports {
				if seen[d] || d.Module == nil || !d.Module.Main {
					continue
				}
				seen[d] = true
				if len(d.Errors) > 0 {
					at := causeOf(d, map[*packages.Package]bool{})
					add(at.PkgPath+": "+describeErrors(dir, at.Errors), nil)
					continue
				}
				walk(d)
			}
		}
		walk(p)
	}
	var errs []error
	for _, c := range causes {
		line := c.line
		if n := len(c.blocked); n > 0 {
			shown := c.blocked[:min(n, 3)]
			line += " (so not checked: " + strings.Join(shown, ", ")
			if n > 3 {
				line += fmt.Sprintf(" and %d more", n-3)
			}
			line += ")"
		}
		errs = append(errs, errors.New(line))
	}
	return errs
}

// causeOf follows a package whose only errors are imports that failed to
// the imported package that failed, and returns the package that holds
// the real cause.
func causeOf(p *packages.Package, seen map[*packages.Package]bool) *packages.Package {
	seen[p] = true
	for _, e := range p.Errors {
		if importFailed(e) == "" {
			return p // an error of its own
		}
	}
	for _, e := range p.Errors {
		if d := p.Imports[importFailed(e)]; d != nil && len(d.Errors) > 0 && !seen[d] {
			return causeOf(d, seen)
		}
	}
	return p
}

// importFailed returns the path of the package a type error says could
// not be imported, or "".
func importFailed(e packages.Error) string {
	if e.Kind != packages.TypeError {
		return ""
	}
	rest, ok := strings.CutPrefix(e.Msg, "could not import ")
	if !ok {
		return ""
	}
	path, _, _ := strings.Cut(rest, " ")
	return path
}

// describeErrors gives the most telling of a package's errors on one
// line, and how many others it has.
func describeErrors(dir string, errs []packages.Error) string {
	best := bestError(errs)
	msg := describe(dir, best)
	more := 0
	for _, e := range errs {
		// The go command's "# pkg" summary of a failed compile repeats
		// the type errors.
		if e.Kind == packages.ListError && strings.HasPrefix(e.Msg, "#") && len(errs) > 1 {
			continue
		}
		more++
	}
	if more > 1 {
		msg += fmt.Sprintf(" (and %d more errors)", more-1)
	}
	return msg
}
