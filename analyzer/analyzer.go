// Package analyzer exposes drainfix's rules as go/analysis analyzers, so
// that they run wherever analyzers run: go vet -vettool, go fix -fixtool,
// gopls, golangci-lint (module plugin), Bazel's nogo, and any build system
// that distributes vet tools with the build. Each diagnostic carries its
// rule's fix as a SuggestedFix.
//
// Analyzer runs every rule; Analyzers holds one analyzer per rule, for
// drivers that enable or disable checks by analyzer name.
package analyzer

import (
	"fmt"
	"strings"
	"time"

	"github.com/drainfix/drainfix/internal/engine"
	"github.com/drainfix/drainfix/internal/registry"
	"golang.org/x/tools/go/analysis"
)

// DocURL is where each rule's documentation lives; a rule's anchor is its name.
const DocURL = "https://github.com/drainfix/drainfix#"

// Analyzer reports (and suggests fixes for) every drainfix rule.
var Analyzer = New("drainfix", registry.All())

// Analyzers holds one analyzer per rule, named after it with underscores
// for dashes (analyzer names are Go identifiers): signal_unbuffered.
var Analyzers = perRule()

func perRule() []*analysis.Analyzer {
	var as []*analysis.Analyzer
	for _, r := range registry.All() {
		as = append(as, New(strings.ReplaceAll(r.Name, "-", "_"), []*registry.Rule{r}))
	}
	return as
}

// New returns an analyzer named name that runs the given rules. Its flag
// -timeout sets the drain deadline written into fixes (default 25s).
func New(name string, rules []*registry.Rule) *analysis.Analyzer {
	a := &analysis.Analyzer{
		Name: name,
		Doc:  doc(rules),
		URL:  DocURL + "rule-catalogue",
	}
	if len(rules) == 1 {
		a.URL = DocURL + rules[0].Name
	}
	timeout := &deadlineFlag{25 * time.Second}
	a.Flags.Var(timeout, "timeout", "the drain deadline written into fixes (at least 1s)")
	all := a.Flags.Bool("all", false, "also report findings that are harmless where they stand, with the reason (never fixed)")
	a.Run = func(pass *analysis.Pass) (any, error) {
		diags, err := engine.Diagnostics(pass.Fset, pass.Files, pass.Pkg, pass.TypesInfo, rules, timeout.d, *all,
			func(r *registry.Rule) string { return DocURL + r.Name }, pass.ReadFile)
		for _, d := range diags {
			pass.Report(d)
		}
		return nil, err
	}
	return a
}

func doc(rules []*registry.Rule) string {
	if len(rules) == 1 {
		return rules[0].Name + ": " + rules[0].Summary + "\n\n" + rules[0].Doc
	}
	s := "drainfix: find and fix graceful-shutdown (drain) bugs\n\nRules:\n"
	for _, r := range rules {
		s += "  " + r.Name + ": " + r.Summary + "\n"
	}
	return s
}

// Select returns an analyzer named drainfix that runs only the rules named
// in only (all when empty) less those in disable, with the given drain
// deadline (zero: the default). It is how a plugin host's settings choose rules.
func Select(only, disable []string, timeout time.Duration) (*analysis.Analyzer, error) {
	on, off := map[string]bool{}, map[string]bool{}
	for _, set := range []struct {
		names []string
		m     map[string]bool
	}{{only, on}, {disable, off}} {
		for _, n := range set.names {
			if registry.Lookup(n) == nil {
				return nil, fmt.Errorf("unknown drainfix rule %q", n)
			}
			set.m[n] = true
		}
	}
	var rules []*registry.Rule
	for _, r := range registry.All() {
		if (len(on) == 0 || on[r.Name]) && !off[r.Name] {
			rules = append(rules, r)
		}
	}
	if len(rules) == 0 {
		return nil, fmt.Errorf("no drainfix rule left to run")
	}
	a := New("drainfix", rules)
	if timeout != 0 {
		if err := a.Flags.Set("timeout", timeout.String()); err != nil {
			return nil, err
		}
	}
	return a, nil
}

// A deadlineFlag is the -timeout flag: a duration of at least
// registry.MinTimeout, refused when set otherwise.
type deadlineFlag struct{ d time.Duration }

func (f *deadlineFlag) String() string { return f.d.String() }

func (f *deadlineFlag) Set(s string) error {
	d, err := time.ParseDuration(s)
	if err != nil {
		return err
	}
	if err := registry.CheckTimeout(d); err != nil {
		return err
	}
	f.d = d
	return nil
}
