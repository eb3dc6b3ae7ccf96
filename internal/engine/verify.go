package engine

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/drainfix/drainfix/matchers"
	"golang.org/x/tools/go/gcexportdata"
)

// verify type-checks, in process, every package whose files the fixes
// change, with the new contents and against the types already loaded; and
// the loaded packages that import one whose exported API a fix changed. A
// fix whose package then fails to type-check is dropped: checked alone, a
// fix that fails is reported not fixed with the compiler's message; fixes
// that pass alone but fail together are all dropped, with the message. It
// returns the fixes that are left.
func verify(cfg Config, passes []*matchers.Pass, files map[*token.File]*file, all []*ruleFinding, fixes []FileFix) ([]FileFix, []error) {
	if len(fixes) == 0 {
		return fixes, nil
	}
	v := newVerifier(cfg, passes)
	failing := v.check(fixes)
	if len(failing) == 0 {
		return fixes, nil
	}
	// Which fixes break: each fix of a failing package, alone.
	for _, f := range all {
		if f.Fix == nil || !v.touches(f, files, failing) {
			continue
		}
		alone := fixAlone(cfg, files, f)
		if bad := v.check(alone); len(bad) > 0 {
			f.Fix, f.NoFix = nil, "the fixed code "+v.first(bad)
		}
	}
	fixes, errs := fixAll(cfg, files, all)
	if failing = v.check(fixes); len(failing) == 0 {
		return fixes, errs
	}
	// Each passes alone; together they do not.
	why := v.first(failing)
	for _, f := range all {
		if f.Fix != nil && v.touches(f, files, failing) {
			f.Fix, f.NoFix = nil, "together with the other fixes of the package, the fixed code "+why
		}
	}
	fixes, errs2 := fixAll(cfg, files, all)
	errs = append(errs, errs2...)
	if failing = v.check(fixes); len(failing) > 0 {
		// Fixes in other packages break these (a changed signature):
		// nothing is written rather than half of it.
		for _, f := range all {
			if f.Fix != nil {
				f.Fix, f.NoFix = nil, "with the fixes of other packages, the fixed code "+v.first(failing)
			}
		}
		return nil, errs
	}
	return fixes, errs
}

// A verifier type-checks packages of one run with new contents for some
// of their files.
type verifier struct {
	cfg    Config
	passes []*matchers.Pass
	sizes  types.Sizes
	loaded map[string]*types.Package // the complete packages of the load's graph, by path
	graph  map[string]*types.Package // all of them, by path: also those export data only mentions

	mu       sync.Mutex
	exported map[string]*types.Package // packages read from export data, by path
	vetBase  map[*matchers.Pass]map[string]int
	reach    map[*types.Package]map[*types.Package]bool // importsPkg's
}

func newVerifier(cfg Config, passes []*matchers.Pass) *verifier {
	arch := runtime.GOARCH
	for _, kv := range cfg.Env {
		if a, ok := strings.CutPrefix(kv, "GOARCH="); ok && a != "" {
			arch = a
		}
	}
	if a := os.Getenv("GOARCH"); cfg.Env == nil && a != "" {
		arch = a
	}
	v := &verifier{cfg: cfg, passes: passes, sizes: types.SizesFor("gc", arch), loaded: map[string]*types.Package{}, graph: map[string]*types.Package{}, exported: map[string]*types.Package{}, vetBase: map[*matchers.Pass]map[string]int{}, reach: map[*types.Package]map[*types.Package]bool{}}
	// Only complete packages: one that export data mentions but that was
	// not imported itself holds just what its importers refer to (and
	// may have no name).
	var visit func(p *types.Package)
	visit = func(p *types.Package) {
		if _, ok := v.graph[p.Path()]; ok {
			return
		}
		v.graph[p.Path()] = p
		if p.Complete() && p.Name() != "" {
			v.loaded[p.Path()] = p
		}
		for _, q := range p.Imports() {
			visit(q)
		}
	}
	for _, p := range passes {
		for _, q := range p.Pkg.Imports() {
			visit(q)
		}
	}
	return v
}

// A failure is a package that does not type-check or fails go vet with
// the fixes, and what fails first ("does not type-check: file:line:col:
// message", "fails go vet: …").
type failure struct {
	pass *matchers.Pass
	err  string
}

// check type-checks the packages fixes change and returns those that fail.
func (v *verifier) check(fixes []FileFix) []failure {
	if len(fixes) == 0 {
		return nil
	}
	newSrc := map[string][]byte{}
	for _, fx := range fixes {
		newSrc[fx.Path] = fx.New
	}
	// The packages holding a changed file (test variants included), and
	// the loaded packages that import one of them: if its API changes,
	// they are checked against the new one, and so are the packages in
	// between, so that every package sees one version of each type.
	changed := map[*matchers.Pass]bool{}
	for _, p := range v.passes {
		for _, f := range p.Files {
			if _, ok := newSrc[p.Fset.File(f.Pos()).Name()]; ok {
				changed[p] = true
				break
			}
		}
	}
	var todo []*matchers.Pass
	for _, p := range v.passes {
		if changed[p] {
			todo = append(todo, p)
			continue
		}
		for c := range changed {
			if v.importsPkg(p.Pkg, c.Pkg) {
				todo = append(todo, p)
				break
			}
		}
	}
	// Dependencies first: a package imports every package its imports
	// import, so it imports more of the others than any of them.
	deps := map[*matchers.Pass]int{}
	for _, a := range todo {
		for _, b := range todo {
			if a != b && v.importsPkg(a.Pkg, b.Pkg) {
				deps[a]++
			}
		}
	}
	slices.SortStableFunc(todo, func(a, b *matchers.Pass) int { return deps[a] - deps[b] })
	// The new version of a package, where its importers must use it:
	// its API changed, or it was checked against new versions of its
	// imports (its types refer to theirs). A changed package whose API
	// stays the same is used as loaded.
	checked := map[*types.Package]*types.Package{}
	var failing []failure
	for _, p := range todo {
		replaced := slices.ContainsFunc(p.Pkg.Imports(), func(q *types.Package) bool { return checked[q] != nil })
		if !changed[p] && !replaced {
			continue
		}
		pkg, err := v.checkPass(p, newSrc, checked)
		if err != "" {
			failing = append(failing, failure{p, err})
			continue
		}
		if replaced || apiChanged(p.Pkg, pkg) {
			checked[p.Pkg] = pkg
		}
	}
	return failing
}

// checkPass type-checks p with the new contents of its changed files.
func (v *verifier) checkPass(p *matchers.Pass, newSrc map[string][]byte, checked map[*types.Package]*types.Package) (*types.Package, string) {
	files := make([]*ast.File, 0, len(p.Files))
	for _, f := range p.Files {
		name := p.Fset.File(f.Pos()).Name()
		src, ok := newSrc[name]
		if !ok {
			files = append(files, f)
			continue
		}
		nf, err := parser.ParseFile(p.Fset, name, src, parser.ParseComments|parser.SkipObjectResolution)
		if err != nil {
			return nil, "does not parse: " + v.rel(err.Error())
		}
		files = append(files, nf)
	}
	var first error
	info := &types.Info{
		Types:        map[ast.Expr]types.TypeAndValue{},
		Defs:         map[*ast.Ident]types.Object{},
		Uses:         map[*ast.Ident]types.Object{},
		Implicits:    map[ast.Node]types.Object{},
		Instances:    map[*ast.Ident]types.Instance{},
		Scopes:       map[ast.Node]*types.Scope{},
		Selections:   map[*ast.SelectorExpr]*types.Selection{},
		FileVersions: map[*ast.File]string{},
	}
	conf := types.Config{
		GoVersion: p.Pkg.GoVersion(),
		Sizes:     v.sizes,
		Importer:  importerFunc(func(path string) (*types.Package, error) { return v.importFor(p, path, checked) }),
		Error: func(err error) {
			if first == nil {
				first = err
			}
		},
	}
	pkg, _ := conf.Check(p.Pkg.Path(), p.Fset, files, info)
	if first != nil {
		return nil, "does not type-check: " + v.rel(first.Error())
	}
	if msg := v.newVetDiagnostic(p, files, pkg, info); msg != "" {
		return nil, msg
	}
	return pkg, ""
}

// importFor resolves an import of p: the package p imported when it was
// loaded (its new version when a fix changed it), another package of the
// load's graph, or, for an import a fix adds, one read from export data.
func (v *verifier) importFor(p *matchers.Pass, path string, checked map[*types.Package]*types.Package) (*types.Package, error) {
	if path == "unsafe" {
		return types.Unsafe, nil
	}
	for _, q := range p.Pkg.Imports() {
		if q.Path() == path {
			if n := checked[q]; n != nil {
				return n, nil
			}
			return q, nil
		}
	}
	if q := v.loaded[path]; q != nil {
		if n := checked[q]; n != nil {
			return n, nil
		}
		return q, nil
	}
	return v.fromExportData(path)
}

// fromExportData reads path's types from the export data the go command
// builds for it, its dependencies taken from the load where they are.
func (v *verifier) fromExportData(path string) (*types.Package, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if p := v.exported[path]; p != nil {
		return p, nil
	}
	cmd := exec.Command("go", "list", "-export", "-f", "{{.Export}}", "--", path)
	cmd.Dir, cmd.Env = v.cfg.Dir, v.cfg.Env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go list -export %s: %v: %s", path, err, strings.TrimSpace(stderr.String()))
	}
	name := strings.TrimSpace(string(out))
	if name == "" {
		return nil, fmt.Errorf("no export data for %s", path)
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r, err := gcexportdata.NewReader(f)
	if err != nil {
		return nil, err
	}
	// The packages the load already has, complete or not: export data
	// fills in an incomplete one, so that its types stay the ones the
	// loaded packages refer to (context.WithTimeout's time.Duration).
	imports := map[string]*types.Package{}
	for k, p := range v.graph {
		imports[k] = p
	}
	for k, p := range v.exported {
		imports[k] = p
	}
	p, err := gcexportdata.Read(r, token.NewFileSet(), imports, path)
	if err != nil {
		return nil, err
	}
	v.exported[path] = p
	return p, nil
}

// touches reports whether f's fix changes a file of a failing package.
func (v *verifier) touches(f *ruleFinding, files map[*token.File]*file, failing []failure) bool {
	for _, pos := range append([]token.Pos{f.Pos}, f.Touches...) {
		fi := files[f.pass.Fset.File(pos)]
		if fi == nil {
			continue
		}
		for _, bad := range failing {
			for _, af := range bad.pass.Files {
				if bad.pass.Fset.File(af.Pos()).Name() == fi.name {
					return true
				}
			}
		}
	}
	return false
}

// first returns the first failure's message.
func (v *verifier) first(failing []failure) string {
	return failing[0].err
}

// rel shortens the absolute paths in a compiler message to paths
// relative to the working directory.
func (v *verifier) rel(msg string) string {
	dir, err := filepath.Abs(v.cfg.Dir)
	if err != nil {
		dir = v.cfg.Dir
	}
	msg = strings.ReplaceAll(msg, dir+string(filepath.Separator), "")
	// One line: the compiler's "have … want …" on their own lines.
	return strings.Join(strings.Fields(strings.ReplaceAll(msg, "\n", "; ")), " ")
}

type importerFunc func(path string) (*types.Package, error)

func (f importerFunc) Import(path string) (*types.Package, error) { return f(path) }

// importsPkg reports whether a imports b, directly or not. The packages a
// reaches are computed once per a: check asks for every pair of a changed
// package and a loaded one, once per fix tried alone.
func (v *verifier) importsPkg(a, b *types.Package) bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	reach := v.reach[a]
	if reach == nil {
		reach = map[*types.Package]bool{}
		var walk func(p *types.Package)
		walk = func(p *types.Package) {
			for _, q := range p.Imports() {
				if !reach[q] {
					reach[q] = true
					walk(q)
				}
			}
		}
		walk(a)
		v.reach[a] = reach
	}
	return reach[b]
}

// apiChanged reports whether the exported declarations of a package differ
// between old and new (by their types' text).
func apiChanged(old, new *types.Package) bool {
	describe := func(p *types.Package) []string {
		var out []string
		for _, name := range p.Scope().Names() {
			obj := p.Scope().Lookup(name)
			if !obj.Exported() {
				continue
			}
			t := obj.Type()
			if _, ok := obj.(*types.TypeName); ok {
				t = t.Underlying()
			}
			out = append(out, name+" "+types.TypeString(t, (*types.Package).Name))
			if tn, ok := obj.(*types.TypeName); ok {
				if named, ok := tn.Type().(*types.Named); ok {
					for m := range named.Methods() {
						if m.Exported() {
							out = append(out, name+"."+m.Name()+" "+types.TypeString(m.Type(), (*types.Package).Name))
						}
					}
				}
			}
		}
		return out
	}
	return !slices.Equal(describe(old), describe(new))
}
