// Package engine loads packages, runs the rules over them and computes the
// fixes: load (go/packages, typed) → match (go/ast) → decorate only the files
// with a fix (dst) → rewrite → restore → verify.
package engine

import (
	"errors"
	"fmt"
	"go/ast"
	"go/token"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/drainfix/drainfix/internal/registry"
	"github.com/drainfix/drainfix/matchers"
	"golang.org/x/tools/go/packages"
)

// Config says what to check and how.
type Config struct {
	Dir      string   // working directory; patterns are relative to it
	Patterns []string // go package patterns, or file=PATH queries
	Rules    []*registry.Rule
	Tests    bool          // include _test.go files
	Timeout  time.Duration // drain deadline written into fixes
	Parallel int           // packages processed at once; 0 means GOMAXPROCS
	Env      []string      // environment for the go command; nil means os.Environ
	// Progress, when set, is called as packages are checked.
	Progress func(done, total int)
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
	Errors   []error // one per failing package or file
}

// Run loads the packages and checks them.
func Run(cfg Config) (*Result, error) {
	mode := packages.NeedName | packages.NeedFiles | packages.NeedCompiledGoFiles |
		packages.NeedSyntax | packages.NeedTypes | packages.NeedTypesInfo | packages.NeedModule |
		packages.NeedImports
	fset := token.NewFileSet()
	pcfg := &packages.Config{Mode: mode, Dir: cfg.Dir, Tests: cfg.Tests, Env: cfg.Env, Fset: fset}
	pkgs, err := packages.Load(pcfg, cfg.Patterns...)
	if err != nil {
		return nil, err
	}
	slices.SortFunc(pkgs, func(a, b *packages.Package) int { return strings.Compare(a.ID, b.ID) })

	res := &Result{}
	// A file belongs to the first package (by ID) that holds it, so that test
	// variants of a package do not report or fix it twice.
	owner := map[string]int{}
	var errs []error
	seenErr := map[string]bool{}
	for i, p := range pkgs {
		if len(p.Errors) > 0 {
			msg := fmt.Sprintf("%s: %s", p.PkgPath, describe(cfg.Dir, bestError(p.Errors)))
			if len(p.Errors) > 1 {
				msg += fmt.Sprintf(" (and %d more errors)", len(p.Errors)-1)
			}
			if !seenErr[msg] {
				seenErr[msg] = true
				errs = append(errs, errors.New(msg))
			}
			continue
		}
		for _, f := range p.GoFiles {
			if _, ok := owner[f]; !ok {
				owner[f] = i
			}
		}
	}

	par := cfg.Parallel
	if par <= 0 {
		par = runtime.GOMAXPROCS(0)
	}
	outs := make([]pkgResult, len(pkgs))
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		done int
	)
	sem := make(chan struct{}, par)
	for i, p := range pkgs {
		if len(p.Errors) > 0 {
			continue
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			outs[i] = checkPackage(cfg, fset, p, func(file string) bool { return owner[file] == i })
			if cfg.Progress != nil {
				mu.Lock()
				done++
				cfg.Progress(done, len(pkgs))
				mu.Unlock()
			}
		}()
	}
	wg.Wait()

	for _, o := range outs {
		res.Findings = append(res.Findings, o.findings...)
		res.Fixes = append(res.Fixes, o.fixes...)
		errs = append(errs, o.errs...)
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
	res.Findings = slices.Compact(res.Findings)
	slices.SortFunc(res.Fixes, func(a, b FileFix) int { return strings.Compare(a.Path, b.Path) })
	slices.SortFunc(errs, func(a, b error) int { return strings.Compare(a.Error(), b.Error()) })
	res.Errors = errs
	return res, nil
}

type pkgResult struct {
	findings []Finding
	fixes    []FileFix
	errs     []error
}

// A ruleFinding is a matcher's finding with its rule, before positions are
// resolved.
type ruleFinding struct {
	rule *registry.Rule
	matchers.Finding
}

// checkPackage runs every rule over one package and fixes the files it owns.
func checkPackage(cfg Config, fset *token.FileSet, p *packages.Package, owns func(string) bool) (out pkgResult) {
	goFiles := map[string]bool{}
	for _, f := range p.GoFiles {
		goFiles[f] = true
	}
	// Files to report on: real (not cgo-processed), owned, not generated.
	type fileInfo struct {
		ast      *ast.File
		name     string
		fixable  bool
		suppress suppressions
	}
	files := map[*token.File]*fileInfo{}
	for _, f := range p.Syntax {
		tf := fset.File(f.Pos())
		if tf == nil || !goFiles[tf.Name()] || !owns(tf.Name()) || ast.IsGenerated(f) {
			continue
		}
		files[tf] = &fileInfo{
			ast:      f,
			name:     tf.Name(),
			fixable:  inMainModule(p, tf.Name()),
			suppress: parseSuppressions(fset, f),
		}
	}
	if len(files) == 0 {
		return out
	}
	pass := &matchers.Pass{Fset: fset, Files: p.Syntax, Pkg: p.Types, Info: p.TypesInfo}

	byFile := map[*fileInfo][]ruleFinding{}
	for _, r := range cfg.Rules {
		found, err := safeMatch(r, pass)
		if err != nil {
			out.errs = append(out.errs, fmt.Errorf("%s: rule %s: %v", p.PkgPath, r.Name, err))
			continue
		}
		for _, f := range found {
			tf := fset.File(f.Pos)
			fi := files[tf]
			if fi == nil || fi.suppress.has(fset.Position(f.Pos).Line, r.Name) {
				continue
			}
			if r.Fix == nil || !fi.fixable {
				if f.Fix != nil && r.Fix != nil {
					f.NoFix = "file is outside the main module"
				}
				f.Fix = nil
			}
			byFile[fi] = append(byFile[fi], ruleFinding{r, f})
		}
	}

	for fi, found := range byFile {
		slices.SortStableFunc(found, func(a, b ruleFinding) int { return int(a.Pos) - int(b.Pos) })
		if hasFix(found) {
			fix, err := fixFile(cfg, pass, fi.ast, fi.name, found)
			if err != nil {
				out.errs = append(out.errs, fmt.Errorf("%s: %v", relTo(cfg.Dir, fi.name), err))
				for i := range found {
					if found[i].Fix != nil {
						found[i].Fix = nil
						found[i].NoFix = "file not rewritten: " + err.Error()
					}
				}
			} else if fix != nil {
				out.fixes = append(out.fixes, *fix)
			}
		}
		for _, f := range found {
			start, end := fset.Position(f.Pos), fset.Position(f.End)
			msg := f.Message
			if f.Fix == nil && f.NoFix != "" {
				msg += " (not fixed: " + f.NoFix + ")"
			}
			out.findings = append(out.findings, Finding{
				File: fi.name, Line: start.Line, Column: start.Column,
				EndLine: end.Line, EndColumn: end.Column,
				Rule: f.rule.Name, Message: msg, Fixable: f.Fix != nil,
			})
		}
	}
	return out
}

func hasFix(found []ruleFinding) bool {
	for _, f := range found {
		if f.Fix != nil {
			return true
		}
	}
	return false
}

// safeMatch runs a matcher, turning a panic into an error.
func safeMatch(r *registry.Rule, pass *matchers.Pass) (found []matchers.Finding, err error) {
	defer func() {
		if e := recover(); e != nil {
			err = fmt.Errorf("panic: %v", e)
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

func oneLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return s
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

// bestError picks the most telling of a package's errors: a parse or type
// error over the go command's summary of them.
func bestError(errs []packages.Error) packages.Error {
	for _, kind := range []packages.ErrorKind{packages.ParseError, packages.TypeError} {
		for _, e := range errs {
			if e.Kind == kind {
				return e
			}
		}
	}
	return errs[0]
}

// describe formats a package error on one line, its position relative to dir.
func describe(dir string, e packages.Error) string {
	msg := oneLine(e.Msg)
	if e.Pos == "" || e.Pos == "-" {
		return msg
	}
	return relTo(dir, e.Pos) + ": " + msg
}
