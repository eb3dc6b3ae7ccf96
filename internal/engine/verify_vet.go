package engine

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"os"
	"reflect"
	"sort"

	"github.com/drainfix/drainfix/matchers"
	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/passes/assign"
	"golang.org/x/tools/go/analysis/passes/atomic"
	"golang.org/x/tools/go/analysis/passes/atomicalign"
	"golang.org/x/tools/go/analysis/passes/bools"
	"golang.org/x/tools/go/analysis/passes/copylock"
	"golang.org/x/tools/go/analysis/passes/defers"
	"golang.org/x/tools/go/analysis/passes/lostcancel"
	"golang.org/x/tools/go/analysis/passes/nilfunc"
	"golang.org/x/tools/go/analysis/passes/unreachable"
	"golang.org/x/tools/go/analysis/passes/waitgroup"
)

// vetAnalyzers are the vet checks a fix can trip: a lock field added to a
// struct that is copied (copylock), a cancel func not called on every path
// (lostcancel), code after an inserted return (unreachable), a field put
// before a 64-bit atomic word (atomicalign, on a 32-bit layout), and the
// other checks go vet runs that need no facts from other packages.
var vetAnalyzers = []*analysis.Analyzer{
	assign.Analyzer, atomic.Analyzer, atomicalign.Analyzer, bools.Analyzer, copylock.Analyzer,
	defers.Analyzer, lostcancel.Analyzer, nilfunc.Analyzer, unreachable.Analyzer, waitgroup.Analyzer,
}

// sizes32 is the layout atomicalign checks: it has nothing to say on a
// 64-bit one.
var sizes32 = types.SizesFor("gc", "386")

// newVetDiagnostic returns the first vet diagnostic of the fixed package
// (files, pkg, info) that the package as loaded does not have, or "".
// Diagnostics are compared by analyzer and message, counted: positions
// move when a fix inserts lines.
func (v *verifier) newVetDiagnostic(p *matchers.Pass, files []*ast.File, pkg *types.Package, info *types.Info) string {
	after, firstAt := runVet(p.Fset, files, pkg, info, v.sizes)
	if len(after) == 0 {
		return ""
	}
	v.mu.Lock()
	before, ok := v.vetBase[p]
	v.mu.Unlock()
	if !ok {
		before, _ = runVet(p.Fset, p.Files, p.Pkg, p.Info, v.sizes)
		v.mu.Lock()
		v.vetBase[p] = before
		v.mu.Unlock()
	}
	var news []string
	for k, n := range after {
		if n > before[k] {
			news = append(news, k)
		}
	}
	if len(news) == 0 {
		return ""
	}
	sort.Strings(news)
	return "fails go vet: " + v.rel(firstAt[news[0]])
}

// runVet runs vetAnalyzers on one type-checked package and returns their
// diagnostics counted by "analyzer: message", and for each the first one
// with its position.
func runVet(fset *token.FileSet, files []*ast.File, pkg *types.Package, info *types.Info, sizes types.Sizes) (map[string]int, map[string]string) {
	counts, first := map[string]int{}, map[string]string{}
	results := map[*analysis.Analyzer]any{}
	var run func(a *analysis.Analyzer, report bool) any
	run = func(a *analysis.Analyzer, report bool) (res any) {
		if r, ok := results[a]; ok {
			return r
		}
		resultOf := map[*analysis.Analyzer]any{}
		for _, req := range a.Requires {
			resultOf[req] = run(req, false)
		}
		sz := sizes
		if a == atomicalign.Analyzer {
			sz = sizes32
		}
		pass := &analysis.Pass{
			Analyzer: a, Fset: fset, Files: files, Pkg: pkg, TypesInfo: info, TypesSizes: sz,
			ResultOf: resultOf,
			Report: func(d analysis.Diagnostic) {
				if !report {
					return
				}
				k := a.Name + ": " + d.Message
				if counts[k]++; counts[k] == 1 {
					first[k] = fmt.Sprintf("%s: %s", fset.Position(d.Pos), k)
				}
			},
			ReadFile:          os.ReadFile,
			ImportObjectFact:  func(types.Object, analysis.Fact) bool { return false },
			ExportObjectFact:  func(types.Object, analysis.Fact) {},
			ImportPackageFact: func(*types.Package, analysis.Fact) bool { return false },
			ExportPackageFact: func(analysis.Fact) {},
			AllObjectFacts:    func() []analysis.ObjectFact { return nil },
			AllPackageFacts:   func() []analysis.PackageFact { return nil },
		}
		defer func() {
			if recover() != nil {
				res = nil // an analyzer that cannot run here says nothing
			}
		}()
		r, err := a.Run(pass)
		if err != nil {
			r = nil
		}
		if r != nil && reflect.TypeOf(r) != a.ResultType {
			r = nil
		}
		results[a] = r
		return r
	}
	for _, a := range vetAnalyzers {
		run(a, true)
	}
	return counts, first
}
