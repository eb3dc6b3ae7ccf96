// Package matchers finds graceful-shutdown ("drain") bugs in type-checked Go
// syntax. A matcher reads go/ast and types.Info and returns findings; it never
// mutates anything. Each finding carries the syntax nodes and facts its
// rewrite needs, so that rewrites never match again.
package matchers

import (
	"go/ast"
	"go/token"
	"go/types"
	"go/version"
	"strings"
	"sync"

	"github.com/drainfix/drainfix/internal/drainpath"
)

// A Pass is one type-checked package as a matcher sees it.
type Pass struct {
	Fset  *token.FileSet
	Files []*ast.File // every syntax file of the package
	Pkg   *types.Package
	Info  *types.Info
	// Owned are the files findings may be reported in and fixes applied
	// to: one package owns each file, though test variants of a package
	// hold it too; generated and cgo-processed files are owned by none.
	// A rule looks for its findings in Owned and learns about the package
	// from Files: a test variant's copies of the package's files, and
	// generated files, would only cost time.
	Owned []*ast.File
	// Program is every package of the run, for fixes that must change
	// call sites in other packages.
	Program *Program

	// keys is cbdKeyOf's memory. The rules of one package run at the same
	// time: only close-before-drain may use it.
	keys map[ast.Expr]string

	indexMu sync.Mutex
	index   *nodeIndex // inspectFile's, built on first use

	parentsMu sync.Mutex
	parents   map[ast.Decl]map[ast.Node]ast.Node // pathTo's, per top-level declaration, built on first use

	startsOnce sync.Once
	starts     []ast.Node // groupWorkers': the go statements and Go-like calls, found on first use
	workersMu  sync.Mutex
	workers    map[string][]worker // groupWorkers' answers, by group

	aliasesOnce sync.Once
	aliases     map[types.Object]string // groupAlias': local WaitGroups by the key of the pointer field holding them
}

// Done frees what the rules built while matching the package; the engine
// calls it once they have all run. A rule of another package that looks
// into this one later builds the index again.
func (p *Pass) Done() {
	p.keys = nil
	p.indexMu.Lock()
	p.index = nil
	p.indexMu.Unlock()
	p.parentsMu.Lock()
	p.parents = nil
	p.parentsMu.Unlock()
}

// A Program is every package loaded without errors in one run.
type Program struct {
	Packages []*Pass
	// Imports is the load's import graph, every package's import paths
	// by its path (dependencies without syntax too); nil when the run
	// sees one package (go vet).
	Imports drainpath.Graph
	// UnloadedMains are the paths of the load's main packages that could
	// not be loaded: what is said of the whole program (it has no drain,
	// no main) rests on part of it.
	UnloadedMains []string

	ifacesOnce sync.Once
	ifaces     map[string][]progIface // programIfaces', built on first use

	drainOnce sync.Once
	drain     *drainpath.Model // Drain's, built on first use

	testOnlyOnce      sync.Once
	testOnly          map[string]bool // testOnlyPkgs', built on first use
	testOnlyDeclsOnce sync.Once
	testOnlyDeclSet   map[token.Pos]bool // testOnlyDecls', built on first use

	srcMu sync.Mutex
	src   map[string]*ast.File // funcSource's parsed dependency files, by name

	reqCtxOnce sync.Once
	reqCtxEnds bool // requestCtxEndsOnDrain's answer

	budgetOnce sync.Once
	budgets    []*types.Var // budgetFields', built on first use

	bufferedOnce sync.Once
	buffered     map[string]bool // bufferedChan's, built on first use
	// delaySetting's answers, per field.
	delayMu sync.Mutex
	delay   map[*types.Var]bool
	// endsProcess's answers for the program's functions.
	exitMu sync.Mutex
	exitFn map[*types.Func]bool
	// unbufferedField's answers, per field key.
	unbufMu sync.Mutex
	unbuf   map[string]bool

	// drainDeadlineOf's answers, per function.
	helperMu sync.Mutex
	helper   map[*types.Func]string

	declsOnce sync.Once
	decls     map[*types.Func]progDecl // declOf's, built on first use
	methods   map[string][]*types.Func // the declared methods by name
}

// budgetFields returns the time.Duration fields the program (outside test
// files) passes as the duration of context.WithTimeout in a drain (a
// function named Stop, Shutdown, Close…, or on a drain path): the drain
// budgets its types already carry. A field the program never sets (in a
// composite literal or an assignment), or compares with a constant (zero
// meaning "use a default"), is left out: it may be zero, an expired
// deadline.
func (p *Program) budgetFields() []*types.Var {
	p.budgetOnce.Do(func() {
		seen := map[*types.Var]bool{}
		set, compared := map[*types.Var]bool{}, map[*types.Var]bool{}
		for _, pass := range p.Packages {
			for _, f := range pass.ownedFiles() {
				if strings.HasSuffix(pass.Fset.File(f.Pos()).Name(), "_test.go") {
					continue
				}
				ast.Inspect(f, func(n ast.Node) bool {
					switch n := n.(type) {
					case *ast.KeyValueExpr:
						if v := fieldVarOf(pass.Info, n.Key); v != nil {
							set[v] = true
						}
					case *ast.AssignStmt:
						for _, l := range n.Lhs {
							if v := fieldVarOf(pass.Info, l); v != nil {
								set[v] = true
							}
						}
					case *ast.BinaryExpr:
						if tv, ok := pass.Info.Types[n.Y]; ok && tv.Value != nil {
							if v := fieldVarOf(pass.Info, n.X); v != nil {
								compared[v] = true
							}
						}
						if tv, ok := pass.Info.Types[n.X]; ok && tv.Value != nil {
							if v := fieldVarOf(pass.Info, n.Y); v != nil {
								compared[v] = true
							}
						}
					}
					return true
				})
			}
		}
		for _, pass := range p.Packages {
			if !imports(pass.Pkg, "context") {
				continue
			}
			for _, f := range pass.ownedFiles() {
				if strings.HasSuffix(pass.Fset.File(f.Pos()).Name(), "_test.go") {
					continue
				}
				ast.Inspect(f, func(n ast.Node) bool {
					call, ok := n.(*ast.CallExpr)
					if !ok || len(call.Args) != 2 || !isFunc(callee(pass.Info, call), "context", "WithTimeout") {
						return true
					}
					sel, ok := ast.Unparen(call.Args[1]).(*ast.SelectorExpr)
					if !ok {
						return true
					}
					// A drain's budget, not a request's timeout: the
					// function is named as a drain, or runs on a drain path.
					fn := pass.enclosingFunc(call.Pos())
					if fn == nil || !isWaitDrainName(fn.Name()) && !p.Drain().Runs(call.Pos(), fn) {
						return true
					}
					if s, ok := pass.Info.Selections[sel]; ok && s.Kind() == types.FieldVal && isNamed(s.Obj().Type(), "time", "Duration") {
						v := s.Obj().(*types.Var).Origin()
						if !seen[v] && set[v] && !compared[v] {
							seen[v] = true
							p.budgets = append(p.budgets, v)
						}
					}
					return true
				})
			}
		}
	})
	return p.budgets
}

// A progDecl is a function declared in the program, with the Pass of the
// package holding it.
type progDecl struct {
	pass *Pass
	fd   *ast.FuncDecl
}

// declOf returns the declaration of fn in the program's packages (their
// own files, not a test variant's copies). A nil fn (a call of a func
// value) has none.
func (p *Program) declOf(fn *types.Func) (progDecl, bool) {
	if fn == nil {
		return progDecl{}, false
	}
	p.indexDecls()
	d, ok := p.decls[fn.Origin()]
	return d, ok
}

// passOf returns the Pass of the program's package pkg (its own files,
// not a test variant's), or nil.
func (p *Program) passOf(pkg *types.Package) *Pass {
	if pkg == nil || p == nil {
		return nil
	}
	for _, pass := range p.Packages {
		if pass.Pkg == pkg {
			return pass
		}
	}
	return nil
}

// methodsNamed returns the methods of the program's types named name.
func (p *Program) methodsNamed(name string) []*types.Func {
	p.indexDecls()
	return p.methods[name]
}

func (p *Program) indexDecls() {
	p.declsOnce.Do(func() {
		p.decls, p.methods = map[*types.Func]progDecl{}, map[string][]*types.Func{}
		for _, pass := range p.Packages {
			for _, f := range pass.ownedFiles() {
				for _, d := range f.Decls {
					fd, ok := d.(*ast.FuncDecl)
					if !ok || fd.Body == nil {
						continue
					}
					fn, ok := pass.Info.Defs[fd.Name].(*types.Func)
					if !ok {
						continue
					}
					if _, dup := p.decls[fn]; dup {
						continue
					}
					p.decls[fn] = progDecl{pass, fd}
					if fd.Recv != nil {
						p.methods[fn.Name()] = append(p.methods[fn.Name()], fn)
					}
				}
			}
		}
	})
}

// Drain returns the program's drain-path model, built on first use.
func (p *Program) Drain() *drainpath.Model {
	p.drainOnce.Do(func() {
		// The model is of the programs a deploy stops: test files (the
		// larger part of many modules) are left out, as their findings
		// are never default ones. Generated files, which no package owns,
		// are part of the program all the same (a generated server's
		// signal handling is the program's drain): the first package of a
		// path (not a test variant) brings them. A package that is not
		// deployed (a benchmark, test tooling: NotDeployed) is left out
		// whole: its main's signal handling stops no deployed process,
		// so the library code only it reaches is on no drain path.
		pkgs := make([]drainpath.Package, len(p.Packages))
		generatedFrom := map[string]bool{}
		for i, pass := range p.Packages {
			var files []*ast.File
			if pass.NotDeployed() != "" {
				pkgs[i] = drainpath.Package{Types: pass.Pkg, Info: pass.Info}
				continue
			}
			for _, f := range pass.Owned {
				if !strings.HasSuffix(pass.Fset.File(f.Pos()).Name(), "_test.go") {
					files = append(files, f)
				}
			}
			if path := pass.Pkg.Path(); !generatedFrom[path] {
				generatedFrom[path] = true
				for _, f := range pass.Files {
					if name := pass.Fset.File(f.Pos()).Name(); ast.IsGenerated(f) && strings.HasSuffix(name, ".go") && !strings.HasSuffix(name, "_test.go") {
						files = append(files, f)
					}
				}
			}
			pkgs[i] = drainpath.Package{Types: pass.Pkg, Info: pass.Info, Files: files}
		}
		p.drain = drainpath.New(pkgs, p.Imports)
	})
	return p.drain
}

// A Finding is one bug at one place.
type Finding struct {
	Pos, End token.Pos
	Message  string
	// Fix holds what the rule's rewrite needs; nil when no safe mechanical
	// fix exists (the finding is then reported with fixable false).
	Fix any
	// NoFix says why there is no fix, when Fix is nil; it is appended to the
	// message.
	NoFix string
	// Harmless, when set, says why the finding is true in form but not
	// worth a maintainer's time where it stands (it runs on no drain path,
	// the program has no drain for it to break). Such a finding is shown
	// only with -all, with this reason, and never fixed.
	Harmless string
	// Touches are positions in other files the fix also changes (call
	// sites of a changed signature), each in a file some Pass owns. The
	// rewrite is run once for each file touched, and the fix is applied
	// everywhere or nowhere.
	Touches []token.Pos
}

// A Matcher reports the findings of one rule in a package.
type Matcher func(*Pass) []Finding

// FileOf returns the file holding pos.
func (p *Pass) FileOf(pos token.Pos) *ast.File {
	for _, f := range p.Files {
		if f.FileStart <= pos && pos <= f.FileEnd {
			return f
		}
	}
	return nil
}

// AtLeast reports whether the language version of the file holding pos is
// at least v (such as "go1.21"). An unknown version counts as too old, so
// that a fix never uses a feature the file may not have.
func (p *Pass) AtLeast(pos token.Pos, v string) bool {
	fv := p.fileVersion(pos)
	return fv != "" && version.Compare(fv, v) >= 0
}

// Before reports whether the language version of the file holding pos is
// known and older than v. A rule that reports a bug only old versions have
// (per-loop variables before go1.22) uses it: an unknown version is not
// reported.
func (p *Pass) Before(pos token.Pos, v string) bool {
	fv := p.fileVersion(pos)
	return fv != "" && version.Compare(fv, v) < 0
}

// fileVersion is the language version of the file holding pos, or of its
// package when the file has none recorded; "" when unknown.
func (p *Pass) fileVersion(pos token.Pos) string {
	if f := p.FileOf(pos); f != nil && p.Info.FileVersions != nil {
		if fv := p.Info.FileVersions[f]; version.IsValid(fv) {
			return fv
		}
	}
	if p.Pkg != nil && version.IsValid(p.Pkg.GoVersion()) {
		return p.Pkg.GoVersion()
	}
	return ""
}

// withFix returns f with fix, or, when fix is nil, with the reason why
// there is none. It is generic so that a typed nil pointer can never pass
// for a fix in the Fix interface.
func withFix[T any](f Finding, fix *T, why string) Finding {
	if fix != nil {
		f.Fix = fix
	} else {
		f.NoFix = why
	}
	return f
}

// setFix sets fd's fix, or the reason there is none.
func setFix[T any](fd *Finding, fix *T, why string) {
	*fd = withFix(*fd, fix, why)
}
