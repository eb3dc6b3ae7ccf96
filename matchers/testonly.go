package matchers

import (
	"go/ast"
	"go/token"
	"go/types"
	"sort"
	"strconv"
	"strings"
	"unicode"
)

// HarmlessTestOnly is why a finding in code that only tests reach is not
// a default finding.
const HarmlessTestOnly = "only tests reach this code (its package is imported only by test files and test-only packages, its function is called only from them, takes a *testing.T, or is a method of a Mock… or Fake… type): it never runs in a deployed process"

// HarmlessBenchmark is why a finding in a benchmark's program is not a
// default finding.
const HarmlessBenchmark = "in a benchmark (a bench, benches, benchmark or benchmarks directory of the package's path): it is run by hand to measure, not deployed, and no orchestrator's SIGTERM stops it"

// HarmlessTestTooling is why a finding in a test tool's program is not a
// default finding.
const HarmlessTestTooling = "in test tooling (a test, tests, testing, testonly, testutil, testutils or e2e directory of the package's path): it is run by tests or by hand, not deployed, and no orchestrator's SIGTERM stops it"

// NotDeployed returns why the package is not part of what is deployed, by
// the same convention as _test.go files and testdata: it lies in a
// directory named bench, benches, benchmark or benchmarks (a benchmark,
// run by hand to measure the program), or test, tests, testing, testonly,
// testutil, testutils or e2e (test tooling: a test's fake server, an
// integration environment's challenge server, a monitor run against a test
// deployment); "" otherwise.
func (p *Pass) NotDeployed() string {
	for _, elem := range strings.Split(p.Pkg.Path(), "/") {
		switch strings.ToLower(elem) {
		case "bench", "benches", "benchmark", "benchmarks":
			return HarmlessBenchmark
		case "test", "tests", "testing", "testonly", "testutil", "testutils", "e2e":
			return HarmlessTestTooling
		}
	}
	return ""
}

// TestOnly reports whether the code at pos, in a file that is not a test
// file, is reached only from tests: its package is test-only (below), or
// the function holding it is (testOnlyDecls).
func (p *Pass) TestOnly(pos token.Pos) bool {
	if p.Program.testOnlyPkgs()[p.Pkg.Path()] {
		return true
	}
	fn := p.enclosingFunc(pos)
	return fn != nil && (p.Program.testOnlyDecls()[fn.Origin().Pos()] || testDouble(fn))
}

// testDouble reports whether fn is test code by the conventions of Go's
// mocking tools: it takes a *testing.T, B, F or a testing.TB, or it is a
// method of a type named Mock… or Fake… (mockgen, mockery, counterfeiter
// and hand-written doubles alike), which stands in for the real thing in
// tests and is not what a deployed process runs.
func testDouble(fn *types.Func) bool {
	sig := fn.Signature()
	for i := 0; i < sig.Params().Len(); i++ {
		t := sig.Params().At(i).Type()
		if ptr, ok := t.(*types.Pointer); ok {
			t = ptr.Elem()
		}
		if n, ok := t.(*types.Named); ok && n.Obj().Pkg() != nil && n.Obj().Pkg().Path() == "testing" {
			switch n.Obj().Name() {
			case "T", "B", "F", "TB":
				return true
			}
		}
	}
	if sig.Recv() == nil {
		return false
	}
	t := receiverNamed(fn)
	if t == nil {
		return false
	}
	name := t.Obj().Name()
	for _, prefix := range []string{"Mock", "Fake", "mock", "fake"} {
		if rest, ok := strings.CutPrefix(name, prefix); ok && (rest == "" || unicode.IsUpper(rune(rest[0]))) {
			return true
		}
	}
	return false
}

// testOnlyPkgs returns the paths of the loaded packages that are imported
// only by test files and by other such packages (a test suite's helpers,
// mocks and e2e specs): the greatest set where every importing file outside
// it is a _test.go file. A package a main imports (directly or not), one
// nothing but its own tests imports, and any package of a load with no
// main (which may hold only part of its importers) is never in it.
func (p *Program) testOnlyPkgs() map[string]bool {
	p.testOnlyOnce.Do(func() {
		type importer struct {
			from string
			test bool
		}
		imps := map[string][]importer{}
		main := map[string]bool{}
		for _, pass := range p.Packages {
			from := pass.Pkg.Path()
			if strings.HasSuffix(from, ".test") {
				continue // a generated test main
			}
			if pass.Pkg.Name() == "main" {
				main[from] = true
			}
			for _, f := range pass.Files {
				test := strings.HasSuffix(pass.Fset.File(f.Pos()).Name(), "_test.go")
				for _, spec := range f.Imports {
					// A package's own tests (p_test) say nothing about who
					// else uses it.
					if path, err := strconv.Unquote(spec.Path.Value); err == nil && path != strings.TrimSuffix(from, "_test") {
						imps[path] = append(imps[path], importer{from, test})
					}
				}
			}
		}
		set := map[string]bool{}
		if len(main) == 0 {
			// Without a program the load may hold only part of a
			// package's importers (a pre-commit run on a few packages).
			p.testOnly = set
			return
		}
		// What a main imports, directly or not, runs in the program,
		// whether or not the importers are loaded with syntax.
		used := map[string]bool{}
		var walk func(pkg *types.Package)
		walk = func(pkg *types.Package) {
			if used[pkg.Path()] {
				return
			}
			used[pkg.Path()] = true
			for _, imp := range pkg.Imports() {
				walk(imp)
			}
		}
		for _, pass := range p.Packages {
			if main[pass.Pkg.Path()] {
				walk(pass.Pkg)
			}
		}
		for _, pass := range p.Packages {
			path := pass.Pkg.Path()
			if !used[path] && len(imps[path]) > 0 && !strings.HasSuffix(path, ".test") {
				set[path] = true
			}
		}
		for changed := true; changed; {
			changed = false
			for path := range set {
				for _, im := range imps[path] {
					if !im.test && !set[strings.TrimSuffix(im.from, "_test")] {
						delete(set, path)
						changed = true
						break
					}
				}
			}
		}
		p.testOnly = set
	})
	return p.testOnly
}

// testOnlyDecls returns the declarations (by position, the same in every
// variant of a package) of the functions and types that only test code
// reaches: the greatest set of unexported functions (or functions of
// package main), unexported types and the methods of those types where
// every use is in a test file, a test-only package, or a function of the
// set (a type's own methods included), and a function or type is used at
// least once (a method is as reachable as its type); and of those, the
// ones a test reaches, directly or through others. A mock's constructor
// called only by tests, and the mock's methods, are in it; a helper the
// program also calls is not.
func (p *Program) testOnlyDecls() map[token.Pos]bool {
	p.testOnlyDeclsOnce.Do(func() {
		set := map[token.Pos]bool{}
		recvOf := map[token.Pos]token.Pos{} // method -> its type
		type use struct {
			pass *Pass
			id   *ast.Ident
		}
		uses := map[token.Pos][]use{}
		pkgs := p.testOnlyPkgs()
		for _, pass := range p.Packages {
			if strings.HasSuffix(pass.Pkg.Path(), ".test") {
				continue
			}
			for _, f := range pass.Files {
				if strings.HasSuffix(pass.Fset.File(f.Pos()).Name(), "_test.go") {
					continue
				}
				for _, d := range f.Decls {
					switch d := d.(type) {
					case *ast.FuncDecl:
						fn, _ := pass.Info.Defs[d.Name].(*types.Func)
						if fn == nil || d.Recv == nil && (fn.Name() == "main" || fn.Name() == "init") {
							continue
						}
						if d.Recv != nil {
							if t := receiverNamed(fn); t != nil && !t.Obj().Exported() {
								set[fn.Pos()], recvOf[fn.Pos()] = true, t.Obj().Pos()
							}
						} else if !fn.Exported() || pass.Pkg.Name() == "main" {
							set[fn.Pos()] = true
						}
					case *ast.GenDecl:
						for _, spec := range d.Specs {
							if ts, ok := spec.(*ast.TypeSpec); ok && !ts.Name.IsExported() {
								set[ts.Name.Pos()] = true
							}
						}
					}
				}
			}
		}
		for _, pass := range p.Packages {
			for id, obj := range pass.Info.Uses {
				switch obj := obj.(type) {
				case *types.Func:
					if at := obj.Origin().Pos(); set[at] {
						uses[at] = append(uses[at], use{pass, id})
					}
				case *types.TypeName:
					if set[obj.Pos()] {
						uses[obj.Pos()] = append(uses[obj.Pos()], use{pass, id})
					}
				}
			}
		}
		testOnlyAt := func(u use) bool {
			if strings.HasSuffix(u.pass.Fset.File(u.id.Pos()).Name(), "_test.go") || pkgs[u.pass.Pkg.Path()] {
				return true
			}
			at := u.pass.enclosingDecl(u.id.Pos())
			return at.IsValid() && set[at]
		}
		for changed := true; changed; {
			changed = false
			for at := range set {
				keep := true
				if t, ok := recvOf[at]; ok {
					keep = set[t]
				} else {
					keep = len(uses[at]) > 0
					for _, u := range uses[at] {
						if !testOnlyAt(u) {
							keep = false
							break
						}
					}
				}
				if !keep {
					delete(set, at)
					changed = true
				}
			}
		}
		// Of those, only what tests reach: a type used only by its own
		// methods, or a function nothing outside the set calls, is unused
		// (neverCalled's business), not test-only.
		reached := map[token.Pos]bool{}
		for changed := true; changed; {
			changed = false
			for at := range set {
				if reached[at] {
					continue
				}
				r := false
				if t, ok := recvOf[at]; ok {
					r = reached[t]
				} else {
					for _, u := range uses[at] {
						if strings.HasSuffix(u.pass.Fset.File(u.id.Pos()).Name(), "_test.go") || pkgs[u.pass.Pkg.Path()] {
							r = true
						} else if d := u.pass.enclosingDecl(u.id.Pos()); d != at && reached[d] {
							r = true
						}
						if r {
							break
						}
					}
				}
				if r {
					reached[at] = true
					changed = true
				}
			}
		}
		p.testOnlyDeclSet = reached
	})
	return p.testOnlyDeclSet
}

// enclosingDecl returns the position that keys the top-level function or
// type declaration holding pos (testOnlyDecls' keys), or token.NoPos.
func (p *Pass) enclosingDecl(pos token.Pos) token.Pos {
	f := p.FileOf(pos)
	if f == nil {
		return token.NoPos
	}
	i := sort.Search(len(f.Decls), func(i int) bool { return f.Decls[i].End() > pos })
	if i < len(f.Decls) && f.Decls[i].Pos() <= pos {
		switch d := f.Decls[i].(type) {
		case *ast.FuncDecl:
			if fn, ok := p.Info.Defs[d.Name].(*types.Func); ok {
				return fn.Origin().Pos()
			}
		case *ast.GenDecl:
			for _, spec := range d.Specs {
				if ts, ok := spec.(*ast.TypeSpec); ok && ts.Pos() <= pos && pos < ts.End() {
					return ts.Name.Pos()
				}
			}
		}
	}
	return token.NoPos
}
