package engine

import (
	"errors"
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
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
// be expressed there and is left out; the finding says so. The edits are
// made against the contents readFile returns (the pass's ReadFile: an
// editor's unsaved buffer under gopls); nil means the file on disk. A
// matcher that panics is an error naming the rule and the panic, returned
// with the other rules' diagnostics: the driver fails the run (go vet exits
// non-zero) as drainfix itself does, rather than report a clean package
// that a crashed rule never looked at.
func Diagnostics(fset *token.FileSet, files []*ast.File, pkg *types.Package, info *types.Info,
	rules []*registry.Rule, timeout time.Duration, all bool, urlFor func(*registry.Rule) string,
	readFile func(string) ([]byte, error)) ([]analysis.Diagnostic, error) {
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
	cfg := Config{Timeout: timeout, Parallel: 1, ReadFile: readFile}
	v := newVerifier(cfg, []*matchers.Pass{pass})
	type entry struct {
		d   analysis.Diagnostic
		msg string
		f   *ruleFinding
		fi  *file
	}
	var entries []*entry
	var crashed []error
	for _, r := range rules {
		found, err := safeMatch(r, pass)
		if err != nil {
			crashed = append(crashed, fmt.Errorf("rule %s: %v", r.Name, err))
			continue
		}
		for _, f := range found {
			fi := byTF[fset.File(f.Pos)]
			if fi == nil || fi.suppress.has(fset.PositionFor(f.Pos, false).Line, r.Name) {
				continue
			}
			holdByPlace(pass, fi.name, &f)
			if f.Harmless != "" && !all {
				continue
			}
			e := &entry{d: analysis.Diagnostic{Pos: f.Pos, End: f.End, Category: r.Name, URL: urlFor(r)}, msg: f.Message}
			switch {
			case f.Harmless != "":
				e.msg += " (not a default finding: " + f.Harmless + ")"
			case f.Fix != nil && r.Fix != nil && len(f.Touches) == 0:
				e.f, e.fi = &ruleFinding{rule: r, pass: pass, Finding: f}, fi
			case len(f.Touches) > 0:
				e.msg += " (not fixed here: the fix changes other files; run drainfix -w)"
			case f.NoFix != "":
				e.msg += " (not fixed: " + f.NoFix + ")"
			}
			entries = append(entries, e)
		}
	}
	// The fixes of one function go together, as drainfix -w makes them:
	// go vet -fix applies every suggested fix, and two computed alone
	// would each declare the deadline (ctx, cancel :=) in one block.
	type key struct {
		fi   *file
		decl ast.Decl
	}
	groups := map[key][]*entry{}
	var order []key
	for _, e := range entries {
		if e.f == nil {
			continue
		}
		k := key{e.fi, enclosingTopDecl(e.fi.ast, e.f.Pos)}
		if groups[k] == nil {
			order = append(order, k)
		}
		groups[k] = append(groups[k], e)
	}
	for _, k := range order {
		g := groups[k]
		fs := make([]*ruleFinding, len(g))
		for i, e := range g {
			fs[i] = e.f
		}
		fix, failed, err := suggestedFix(cfg, v, k.fi, fs)
		var first *entry
		for _, e := range g {
			switch why, bad := failed[e.f]; {
			case err != nil:
				e.msg += " (not fixed: " + err.Error() + ")"
			case bad:
				e.msg += " (not fixed: " + why + ")"
			case first == nil:
				first = e
				e.d.SuggestedFixes = fix
			default:
				at := fset.PositionFor(first.d.Pos, false)
				e.msg += fmt.Sprintf(" (fixed with the finding at line %d, whose suggested fix covers the function)", at.Line)
			}
		}
	}
	diags := make([]analysis.Diagnostic, 0, len(entries))
	for _, e := range entries {
		e.d.Message = e.d.Category + ": " + e.msg
		diags = append(diags, e.d)
	}
	return diags, errors.Join(crashed...)
}

// enclosingTopDecl returns the top-level declaration of f holding pos, or
// nil.
func enclosingTopDecl(f *ast.File, pos token.Pos) ast.Decl {
	for _, d := range f.Decls {
		if d.Pos() <= pos && pos < d.End() {
			return d
		}
	}
	return nil
}

// suggestedFix computes the fixes of fs (findings of one function)
// together, verifies them as the CLI does, and turns them into edits; a
// fix whose rewrite fails is left out and returned in failed, with why.
func suggestedFix(cfg Config, v *verifier, fi *file, fs []*ruleFinding) ([]analysis.SuggestedFix, map[*ruleFinding]string, error) {
	fix, failed, err := fixFile(cfg, fi, fs)
	if err != nil {
		return nil, nil, err
	}
	f := fs[0]
	if fix == nil {
		if len(failed) > 0 {
			return nil, failed, nil
		}
		return nil, nil, fmt.Errorf("the fix changes nothing")
	}
	if bad := v.check([]FileFix{*fix}); len(bad) > 0 {
		return nil, nil, fmt.Errorf("the fixed code %s", v.first(bad))
	}
	tf := fi.pass.Fset.File(fi.ast.Pos())
	var edits []analysis.TextEdit
	for _, e := range diff.Edits(fix.Old, fix.New) {
		edits = append(edits, analysis.TextEdit{Pos: tf.Pos(e.Start), End: tf.Pos(e.End), NewText: e.New})
	}
	return []analysis.SuggestedFix{{Message: "drainfix: " + f.rule.Summary, TextEdits: edits}}, failed, nil
}
