// Package engine loads packages, runs the rules over them and computes the
// fixes: load (go/packages, typed) → match (go/ast, every package at once)
// → decorate only the files with a fix (dst) → rewrite → restore → verify.
package engine

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/drainfix/drainfix/internal/drainpath"
	"github.com/drainfix/drainfix/internal/registry"
	"github.com/drainfix/drainfix/matchers"
	"golang.org/x/tools/go/packages"
)

// Config says what to check and how.
type Config struct {
	Dir      string   // working directory; patterns are relative to it
	Patterns []string // go package patterns, or file=PATH queries
	Rules    []*registry.Rule
	Tests    bool // include _test.go files
	// All also reports the findings that are true in form but harmless
	// where they stand (Finding.Harmless says why); they are never fixed.
	All      bool
	Timeout  time.Duration // drain deadline written into fixes
	Parallel int           // packages processed at once; 0 means GOMAXPROCS
	Env      []string      // environment for the go command; nil means os.Environ
	// Progress, when set, is called once the packages are loaded
	// (done 0) and as each is checked.
	Progress func(done, total int)
	// FixPerFinding also computes each finding's fix alone (Finding.Fix),
	// for outputs that attach a fix to each result (SARIF).
	FixPerFinding bool
	// ReadFile reads a file the fixes change, as it was loaded (an
	// editor's buffer under go/analysis); nil means os.ReadFile.
	ReadFile func(name string) ([]byte, error)
}

// A Finding is one reported bug with its resolved position.
type Finding struct {
	File      string `json:"file"` // absolute path
	Line      int    `json:"line"`
	Column    int    `json:"column"`
	EndLine   int    `json:"end_line"`
	EndColumn int    `json:"end_column"`
	Rule      string `json:"rule"`
	Message   string `json:"message"`
	Fixable   bool   `json:"fixable"`
	// Harmless, shown only with -all, says why the finding is not a
	// default one: true in form, but harmless where it stands.
	Harmless string `json:"harmless,omitempty"`
	// Fix is the finding's fix alone, when Config.FixPerFinding is set.
	Fix []FileFix `json:"-"`
}

// A FileFix is the new content of one file.
type FileFix struct {
	Path     string // absolute
	Old, New []byte
}

// A Result is everything one run found, in a deterministic order.
type Result struct {
	Findings []Finding
	Fixes    []FileFix
	Errors   []error  // one per failing package or file
	Warnings []string // what the run could go on despite (an unknown rule in a suppression comment)
	Checked  int      // the packages checked (a package and its tests count once)
}

// A ruleFinding is a matcher's finding with its rule and package.
type ruleFinding struct {
	rule *registry.Rule
	pass *matchers.Pass
	matchers.Finding
}

// A file is one source file the run may report on or fix.
type file struct {
	ast      *ast.File
	name     string
	pass     *matchers.Pass // of the package that owns the file
	fixable  bool           // in a main module, not vendored
	suppress suppressions
	warnings []string // about its suppression comments
}

// Run loads the packages and checks them.
func Run(cfg Config) (*Result, error) {
	mode := packages.NeedName | packages.NeedFiles | packages.NeedCompiledGoFiles |
		packages.NeedSyntax | packages.NeedTypes | packages.NeedTypesInfo | packages.NeedModule |
		packages.NeedImports
	if err := newerModule(cfg.Dir); err != nil {
		return nil, err
	}
	fset := token.NewFileSet()
	pcfg := &packages.Config{Mode: mode, Dir: cfg.Dir, Tests: cfg.Tests, Env: cfg.Env, Fset: fset}
	pkgs, err := packages.Load(pcfg, cfg.Patterns...)
	if err != nil {
		return nil, goCommandError(err)
	}
	slices.SortFunc(pkgs, func(a, b *packages.Package) int { return strings.Compare(a.ID, b.ID) })

	var errs []error
	for _, pat := range cfg.Patterns {
		if !matchesAny(cfg.Dir, pat, pkgs) {
			errs = append(errs, fmt.Errorf("pattern %s matched no packages", pat))
		}
	}
	errs = append(errs, loadErrors(cfg.Dir, pkgs)...)
	prog := &matchers.Program{Imports: importGraph(pkgs)}
	for _, p := range pkgs {
		if p.Name == "main" && !isTestVariant(p) && len(p.Errors) > 0 && !slices.Contains(prog.UnloadedMains, p.PkgPath) {
			prog.UnloadedMains = append(prog.UnloadedMains, p.PkgPath)
		}
	}
	files := map[*token.File]*file{}
	taken := map[string]bool{} // the names of files' keys
	var passes []*matchers.Pass
	for _, p := range pkgs {
		if len(p.Errors) > 0 {
			continue // loadErrors said why
		}
		pass := &matchers.Pass{Fset: fset, Files: p.Syntax, Pkg: p.Types, Info: p.TypesInfo, Program: prog}
		passes = append(passes, pass)
		claimFiles(fset, p, pass, files, taken)
	}
	prog.Packages = passes
	if cfg.Progress != nil {
		cfg.Progress(0, len(passes))
	}

	return check(cfg, fset, passes, files, errs), nil
}

// RunTyped checks one package that the caller parsed and type-checked (a
// fuzz target, a test); every file not generated is its own and fixable.
func RunTyped(cfg Config, fset *token.FileSet, astFiles []*ast.File, pkg *types.Package, info *types.Info) *Result {
	pass := &matchers.Pass{Fset: fset, Files: astFiles, Pkg: pkg, Info: info}
	pass.Program = &matchers.Program{Packages: []*matchers.Pass{pass}}
	files := map[*token.File]*file{}
	for _, f := range astFiles {
		tf := fset.File(f.Pos())
		if tf == nil || ast.IsGenerated(f) {
			continue
		}
		sup, warns := parseSuppressions(fset, f)
		files[tf] = &file{ast: f, name: tf.Name(), pass: pass, fixable: true, suppress: sup, warnings: warns}
		pass.Owned = append(pass.Owned, f)
	}
	return check(cfg, fset, []*matchers.Pass{pass}, files, nil)
}

// check matches every package, fixes every file and sorts the result.
func check(cfg Config, fset *token.FileSet, passes []*matchers.Pass, files map[*token.File]*file, errs []error) *Result {
	// Match every package; a file belongs to the first package (by ID) that
	// holds it, so that test variants do not report or fix it twice.
	all, matchErrs := matchAll(cfg, passes, files)
	errs = append(errs, matchErrs...)

	res := &Result{}
	checked := map[string]bool{}
	for _, p := range passes {
		if path := p.Pkg.Path(); !strings.HasSuffix(path, ".test") {
			checked[strings.TrimSuffix(path, "_test")] = true
		}
	}
	res.Checked = len(checked)
	for _, fi := range files {
		res.Warnings = append(res.Warnings, fi.warnings...)
	}
	slices.Sort(res.Warnings)
	fixes, fixErrs := fixAll(cfg, files, all)
	errs = append(errs, fixErrs...)
	fixes, fixErrs = verify(cfg, passes, files, all, fixes)
	res.Fixes = fixes
	errs = append(errs, fixErrs...)
	for _, f := range all {
		rf := report(fset, f)
		if cfg.FixPerFinding && f.Fix != nil {
			rf.Fix = fixAlone(cfg, files, f)
		}
		res.Findings = append(res.Findings, rf)
	}
	slices.SortFunc(res.Findings, func(a, b Finding) int {
		if c := strings.Compare(a.File, b.File); c != 0 {
			return c
		}
		if a.Line != b.Line {
			return a.Line - b.Line
		}
		if a.Column != b.Column {
			return a.Column - b.Column
		}
		if c := strings.Compare(a.Rule, b.Rule); c != 0 {
			return c
		}
		return strings.Compare(a.Message, b.Message)
	})
	res.Findings = slices.CompactFunc(res.Findings, func(a, b Finding) bool {
		return a.File == b.File && a.Line == b.Line && a.Column == b.Column && a.Rule == b.Rule && a.Message == b.Message
	})
	slices.SortFunc(res.Fixes, func(a, b FileFix) int { return strings.Compare(a.Path, b.Path) })
	slices.SortFunc(errs, func(a, b error) int { return strings.Compare(a.Error(), b.Error()) })
	res.Errors = errs
	return res
}

// claimFiles records the files of p that no earlier package holds: real
// (not cgo-processed) and not generated. taken holds the names of the
// files already claimed, and gains p's.
func claimFiles(fset *token.FileSet, p *packages.Package, pass *matchers.Pass, files map[*token.File]*file, taken map[string]bool) {
	goFiles := map[string]bool{}
	for _, f := range p.GoFiles {
		goFiles[f] = true
	}
	for _, f := range p.Syntax {
		tf := fset.File(f.Pos())
		if tf == nil || !goFiles[tf.Name()] || taken[tf.Name()] || ast.IsGenerated(f) {
			continue
		}
		sup, warns := parseSuppressions(fset, f)
		taken[tf.Name()] = true
		files[tf] = &file{
			ast:      f,
			name:     tf.Name(),
			pass:     pass,
			fixable:  inMainModule(p, tf.Name()),
			suppress: sup,
			warnings: warns,
		}
		pass.Owned = append(pass.Owned, f)
	}
}

// parallel runs do(0..n-1) on at most par goroutines.
func parallel(par, n int, do func(int)) {
	if par <= 0 {
		par = runtime.GOMAXPROCS(0)
	}
	var wg sync.WaitGroup
	sem := make(chan struct{}, par)
	for i := 0; i < n; i++ {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			do(i)
		}()
	}
	wg.Wait()
}

// matchAll runs every rule on every package that owns files. The work is
// split into (package, rule) units, those of the largest packages started
// first, so that one huge package does not leave the other cores idle at
// the end; the findings come out in package order, then rule order, as if
// matched one by one. Rules of one package run at the same time: a matcher
// may keep state on its own value, not on the shared Pass.
func matchAll(cfg Config, passes []*matchers.Pass, files map[*token.File]*file) ([]*ruleFinding, []error) {
	type unit struct{ pass, rule int }
	size := make([]int, len(passes))
	for i, pass := range passes {
		for _, f := range pass.Owned {
			size[i] += pass.Fset.File(f.Pos()).Size()
		}
	}
	order := make([]int, len(passes))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return size[b] - size[a] })
	var units []unit
	left := make([]int, len(passes)) // rules still to run, per package
	done := 0                        // packages matched
	for _, i := range order {
		if len(passes[i].Owned) == 0 || len(cfg.Rules) == 0 {
			done++
			continue
		}
		left[i] = len(cfg.Rules)
		for r := range cfg.Rules {
			units = append(units, unit{i, r})
		}
	}
	found := make([][][]*ruleFinding, len(passes))
	errs := make([][]error, len(passes))
	for i := range passes {
		found[i] = make([][]*ruleFinding, len(cfg.Rules))
		errs[i] = make([]error, len(cfg.Rules))
	}
	var mu sync.Mutex
	if cfg.Progress != nil && done > 0 {
		cfg.Progress(done, len(passes))
	}
	parallel(cfg.Parallel, len(units), func(k int) {
		u := units[k]
		found[u.pass][u.rule], errs[u.pass][u.rule] = matchRule(cfg, passes[u.pass], cfg.Rules[u.rule], files)
		mu.Lock()
		defer mu.Unlock()
		if left[u.pass]--; left[u.pass] == 0 {
			passes[u.pass].Done()
			if cfg.Progress != nil {
				done++
				cfg.Progress(done, len(passes))
			}
		}
	})
	var all []*ruleFinding
	var allErrs []error
	for i := range passes {
		for r := range cfg.Rules {
			all = append(all, found[i][r]...)
			if errs[i][r] != nil {
				allErrs = append(allErrs, errs[i][r])
			}
		}
	}
	return all, allErrs
}

// matchRule runs one rule on one package and keeps the findings it may
// report: in a file the package owns, not suppressed, harmless ones only
// with cfg.All (and then without a fix), a fix only where the rule has a
// rewrite and every file it touches may be changed.
func matchRule(cfg Config, pass *matchers.Pass, r *registry.Rule, files map[*token.File]*file) ([]*ruleFinding, error) {
	found, err := safeMatch(r, pass)
	if err != nil {
		return nil, fmt.Errorf("%s: rule %s: %v", pass.Pkg.Path(), r.Name, err)
	}
	var out []*ruleFinding
	for _, f := range found {
		fi := files[pass.Fset.File(f.Pos)]
		if fi == nil || fi.pass != pass || fi.suppress.has(pass.Fset.PositionFor(f.Pos, false).Line, r.Name) {
			continue
		}
		holdByPlace(pass, fi.name, &f)
		if f.Harmless != "" {
			if !cfg.All {
				continue
			}
			f.Fix, f.NoFix = nil, ""
		}
		if f.Fix != nil && r.Fix == nil {
			f.Fix = nil
		}
		if f.Fix != nil {
			for _, pos := range append([]token.Pos{f.Pos}, f.Touches...) {
				if t := files[pass.Fset.File(pos)]; t == nil || !t.fixable {
					f.Fix, f.NoFix = nil, "a file it must change is outside the main module or generated"
					break
				}
			}
		}
		out = append(out, &ruleFinding{rule: r, pass: pass, Finding: f})
	}
	return out, nil
}

// harmlessInTest is why a finding in a _test.go file is not a default one.
const harmlessInTest = "in a test file: a test's goroutines and drains do not run when a deployed process is stopped"

// holdByPlace makes f, found in the file named name, harmless when that
// file is never part of a deployed process: a test file, code only tests
// reach, a benchmark's or a test tool's package.
func holdByPlace(pass *matchers.Pass, name string, f *matchers.Finding) {
	switch {
	case strings.HasSuffix(name, "_test.go"):
		f.Harmless = harmlessInTest
	case f.Harmless != "":
	case pass.TestOnly(f.Pos):
		f.Harmless = matchers.HarmlessTestOnly
	default:
		f.Harmless = pass.NotDeployed() // "" when it is deployed
	}
}

// report resolves a finding's position and message.
func report(fset *token.FileSet, f *ruleFinding) Finding {
	start, end := fset.PositionFor(f.Pos, false), fset.PositionFor(f.End, false)
	msg := f.Message
	switch {
	case f.Harmless != "":
		msg += " (not a default finding: " + f.Harmless + ")"
	case f.Fix == nil && f.NoFix != "":
		msg += " (not fixed: " + f.NoFix + ")"
	}
	return Finding{
		File: start.Filename, Line: start.Line, Column: start.Column,
		EndLine: end.Line, EndColumn: end.Column,
		Rule: f.rule.Name, Message: msg, Fixable: f.Fix != nil, Harmless: f.Harmless,
	}
}

// panicSite returns " (at FILE:LINE)" for the innermost frame of
// drainfix's own matchers in the panicking goroutine's stack, so that a
// report of the crash says where it happened; "" when there is none.
func panicSite() string {
	pcs := make([]uintptr, 64)
	frames := runtime.CallersFrames(pcs[:runtime.Callers(3, pcs)])
	for {
		f, more := frames.Next()
		if strings.Contains(f.Function, "drainfix/matchers.") {
			return fmt.Sprintf(" (at %s:%d)", filepath.Base(f.File), f.Line)
		}
		if !more {
			return ""
		}
	}
}

// safeMatch runs a matcher, turning a panic into an error.
func safeMatch(r *registry.Rule, pass *matchers.Pass) (found []matchers.Finding, err error) {
	defer func() {
		if e := recover(); e != nil {
			err = fmt.Errorf("panic: %v%s", e, panicSite())
		}
	}()
	return r.Match(pass), nil
}

// inMainModule reports whether file may be rewritten: it lies in a main
// module of the load (not the module cache, not GOROOT) and not in vendor/.
func inMainModule(p *packages.Package, file string) bool {
	m := p.Module
	if m == nil || !m.Main || m.Dir == "" {
		return false
	}
	rel, err := filepath.Rel(m.Dir, file)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return false
	}
	for _, part := range strings.Split(filepath.ToSlash(rel), "/") {
		if part == "vendor" {
			return false
		}
	}
	return true
}

// relTo returns path relative to dir when it lies inside dir.
func relTo(dir, path string) string {
	if dir == "" {
		dir, _ = os.Getwd()
	}
	if rel, err := filepath.Rel(dir, path); err == nil && rel != ".." &&
		!strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return rel
	}
	return path
}

// matchesAny reports whether a package of pkgs matches the go pattern pat
// (a directory, relative or absolute, or an import path, either ending in
// /... or holding ... as a wildcard); file= queries and the go command's
// own names (std, all, cmd) are taken as matching.
func matchesAny(dir, pat string, pkgs []*packages.Package) bool {
	if strings.HasPrefix(pat, "file=") || pat == "std" || pat == "all" || pat == "cmd" {
		return true
	}
	if filepath.IsAbs(pat) || pat == "." || pat == ".." || strings.HasPrefix(pat, "./") || strings.HasPrefix(pat, "../") {
		base, recursive := strings.CutSuffix(filepath.ToSlash(pat), "/...")
		if pat == "..." || base == "." && recursive {
			base = "."
		}
		abs := base
		if !filepath.IsAbs(abs) {
			abs = filepath.Join(dir, base)
		}
		abs = filepath.Clean(abs)
		for _, p := range pkgs {
			if p.Dir == "" {
				return true // no directory to tell: assume it matched
			}
			if p.Dir == abs || recursive && strings.HasPrefix(p.Dir, abs+string(filepath.Separator)) {
				return true
			}
		}
		return false
	}
	re := "^" + strings.ReplaceAll(regexp.QuoteMeta(pat), `\.\.\.`, `.*`) + "$"
	if base, ok := strings.CutSuffix(pat, "/..."); ok && !strings.Contains(base, "...") {
		// x/... matches x itself too.
		re = "^" + regexp.QuoteMeta(base) + "(/.*)?$"
	}
	rx, err := regexp.Compile(re)
	if err != nil {
		return true
	}
	for _, p := range pkgs {
		if rx.MatchString(p.PkgPath) {
			return true
		}
	}
	return false
}

// importGraph returns the import paths of every package the load holds,
// by path. The loader materialises the whole graph (NeedImports), the
// dependencies loaded from export data included.
//
// A dependency without syntax that imports os/signal keeps that import
// only when one of its files names a termination signal: the model takes
// it for a framework that runs the program's drain, which a package
// watching a terminal's resize (SIGWINCH) is not.
func importGraph(pkgs []*packages.Package) drainpath.Graph {
	g := drainpath.Graph{}
	packages.Visit(pkgs, nil, func(p *packages.Package) {
		for _, q := range p.Imports {
			if q.PkgPath == "os/signal" && p.Syntax == nil && !namesTermination(p.GoFiles) {
				continue
			}
			if !slices.Contains(g[p.PkgPath], q.PkgPath) {
				g[p.PkgPath] = append(g[p.PkgPath], q.PkgPath)
			}
		}
	})
	return g
}

// namesTermination reports whether one of the files names a termination
// signal (drainpath.NamesTermination); a file that cannot be parsed does.
func namesTermination(files []string) bool {
	fset := token.NewFileSet()
	for _, name := range files {
		f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
		if err != nil || drainpath.NamesTermination(f) {
			return true
		}
	}
	return false
}
