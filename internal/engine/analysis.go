package engine

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"strings"
	"time"

	"github.com/drainfix/drainfix/internal/diff"
	"github.com/drainfix/drainfix/internal/registry"
	"github.com/drainfix/drainfix/matchers"
	"golang.org/x/tools/go/analysis"
)

// Diagnostics runs the rules over one package as go/analysis sees it (go
// vet -vettool, gopls, golangci-lint) and returns one diagnostic per
// finding, carrying the rule's fix, computed alone, as text edits. A fix
// that must change other packages (a signature and its call sites) cannot
// be expressed there and is left out; the finding says so.
func Diagnostics(fset *token.FileSet, files []*ast.File, pkg *types.Package, info *types.Info,
	rules []*registry.Rule, timeout time.Duration, all bool, urlFor func(*registry.Rule) string) []analysis.Diagnostic {
	pass := &matchers.Pass{Fset: fset, Files: files, Pkg: pkg, Info: info}
	pass.Program = &matchers.Program{Packages: []*matchers.Pass{pass}}
	byTF := map[*token.File]*file{}
	for _, f := range files {
		tf := fset.File(f.Pos())
		if tf == nil || ast.IsGenerated(f) {
			continue
		}
		sup, _ := parseSuppressions(fset, f) // an unknown rule is the CLI's warning to give
		byTF[tf] = &file{ast: f, name: tf.Name(), pass: pass, fixable: true, suppress: sup}
		pass.Owned = append(pass.Owned, f)
	}
	cfg := Config{Timeout: timeout, Parallel: 1}
	v := newVerifier(cfg, []*matchers.Pass{pass})
	var diags []analysis.Diagnostic
	for _, r := range rules {
		found, err := safeMatch(r, pass)
		if err != nil {
			continue // a matcher bug must not fail the build; drainfix itself reports it
		}
		for _, f := range found {
			fi := byTF[fset.File(f.Pos)]
			if fi == nil || fi.suppress.has(fset.PositionFor(f.Pos, false).Line, r.Name) {
				continue
			}
			if strings.HasSuffix(fi.name, "_test.go") {
				f.Harmless = harmlessInTest
			} else if f.Harmless == "" && pass.TestOnly(f.Pos) {
				f.Harmless = matchers.HarmlessTestOnly
			}
			if f.Harmless != "" && !all {
				continue
			}
			d := analysis.Diagnostic{Pos: f.Pos, End: f.End, Category: r.Name, URL: urlFor(r)}
			msg := f.Message
			if f.Harmless != "" {
				msg += " (not a default finding: " + f.Harmless + ")"
			} else if f.Fix != nil && r.Fix != nil && len(f.Touches) == 0 {
				if fix, err := suggestedFix(cfg, v, fi, &ruleFinding{rule: r, pass: pass, Finding: f}); err == nil {
					d.SuggestedFixes = fix
				} else {
					msg += " (not fixed: " + err.Error() + ")"
				}
			} else if len(f.Touches) > 0 {
				msg += " (not fixed here: the fix changes other files; run drainfix -w)"
			} else if f.NoFix != "" {
				msg += " (not fixed: " + f.NoFix + ")"
			}
			d.Message = r.Name + ": " + msg
			diags = append(diags, d)
		}
	}
	return diags
}

// suggestedFix computes one finding's fix alone, verifies it as the CLI
// does, and turns it into edits.
func suggestedFix(cfg Config, v *verifier, fi *file, f *ruleFinding) ([]analysis.SuggestedFix, error) {
	fix, failed, err := fixFile(cfg, fi, []*ruleFinding{f})
	if err != nil {
		return nil, err
	}
	if why, ok := failed[f]; ok {
		return nil, fmt.Errorf("%s", why)
	}
	if fix == nil {
		return nil, fmt.Errorf("the fix changes nothing")
	}
	if bad := v.check([]FileFix{*fix}); len(bad) > 0 {
		return nil, fmt.Errorf("the fixed code %s", v.first(bad))
	}
	tf := fi.pass.Fset.File(fi.ast.Pos())
	var edits []analysis.TextEdit
	for _, e := range diff.Edits(fix.Old, fix.New) {
		edits = append(edits, analysis.TextEdit{Pos: tf.Pos(e.Start), End: tf.Pos(e.End), NewText: e.New})
	}
	return []analysis.SuggestedFix{{Message: "drainfix: " + f.rule.Summary, TextEdits: edits}}, nil
}
