package matchers

import (
	"fmt"
	"go/ast"
	"go/types"
	"runtime"
	"sync"
	"sync/atomic"
)

// A nodeIndex lists, in the order ast.Inspect visits them, the nodes of
// the package's files that rules start their searches from. Each rule used
// to walk every file for its own few node types; a scan of this index costs
// a small part of a walk. It holds only those nodes (a fifth of all nodes
// in nats-server's server package), not every node twice as ast/inspector
// does, which cost 1.8× the load's memory there.
//
// It also holds each call's callee, looked up once: a dozen rules ask for
// the callee of every call, and those look-ups in the package's Uses map
// (a cache miss each) were a third of the rules' time on nats-server.
//
// The files are indexed on all cores at once: the rules of a package wait
// for its index, and in a package much larger than the others (nats-server's
// test package) they would otherwise all wait on one core.
type nodeIndex struct {
	files map[*ast.File]fileSpan
}

// An indexPart holds the nodes of some files, indexed by one goroutine.
type indexPart struct {
	nodes   []ast.Node
	kinds   []nodeKind
	next    []int32       // the index of the first node after nodes[i]'s subtree
	callees []*types.Func // of the calls: callee(info, nodes[i]); nil elsewhere
}

// A fileSpan is where a file's nodes are: part's [lo, hi).
type fileSpan struct {
	part   *indexPart
	lo, hi int32
}

type nodeKind uint16

const (
	kindCall nodeKind = 1 << iota
	kindGo
	kindAssign
	kindValueSpec
	kindKeyValue
	kindBlock
	kindCaseClause
	kindCommClause
	kindRange
	kindFor
	kindUnary
	kindFuncDecl
	kindFuncLit
	kindCompositeLit
)

func kindOf(n ast.Node) nodeKind {
	switch n.(type) {
	case *ast.CallExpr:
		return kindCall
	case *ast.GoStmt:
		return kindGo
	case *ast.AssignStmt:
		return kindAssign
	case *ast.ValueSpec:
		return kindValueSpec
	case *ast.KeyValueExpr:
		return kindKeyValue
	case *ast.BlockStmt:
		return kindBlock
	case *ast.CaseClause:
		return kindCaseClause
	case *ast.CommClause:
		return kindCommClause
	case *ast.RangeStmt:
		return kindRange
	case *ast.ForStmt:
		return kindFor
	case *ast.UnaryExpr:
		return kindUnary
	case *ast.FuncDecl:
		return kindFuncDecl
	case *ast.FuncLit:
		return kindFuncLit
	case *ast.CompositeLit:
		return kindCompositeLit
	}
	return 0
}

func buildIndex(files []*ast.File, info *types.Info) *nodeIndex {
	spans := make([]fileSpan, len(files))
	var next atomic.Int64 // the next file to index
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(files)) {
		wg.Go(func() {
			x := &indexPart{}
			for i := int(next.Add(1) - 1); i < len(files); i = int(next.Add(1) - 1) {
				lo := int32(len(x.nodes))
				x.add(files[i], info)
				spans[i] = fileSpan{x, lo, int32(len(x.nodes))}
			}
		})
	}
	wg.Wait()
	idx := &nodeIndex{files: make(map[*ast.File]fileSpan, len(files))}
	for i, f := range files {
		idx.files[f] = spans[i]
	}
	return idx
}

// add appends the nodes of f.
func (x *indexPart) add(f *ast.File, info *types.Info) {
	var open []int32 // per node on the walk's stack: its index, or -1
	ast.Inspect(f, func(n ast.Node) bool {
		if n == nil {
			if i := open[len(open)-1]; i >= 0 {
				x.next[i] = int32(len(x.nodes))
			}
			open = open[:len(open)-1]
			return true
		}
		k := kindOf(n)
		if k == 0 {
			open = append(open, -1)
			return true
		}
		open = append(open, int32(len(x.nodes)))
		x.nodes = append(x.nodes, n)
		x.kinds = append(x.kinds, k)
		x.next = append(x.next, 0)
		var fn *types.Func
		if call, ok := n.(*ast.CallExpr); ok {
			fn = callee(info, call)
		}
		x.callees = append(x.callees, fn)
		return true
	})
}

// inspectFile is ast.Inspect(f, fn) for the nodes of the given types
// only (samples such as (*ast.CallExpr)(nil), of the indexed kinds): fn
// returning false skips the node's subtree. f must be one of p.Files.
func (p *Pass) inspectFile(f *ast.File, fn func(ast.Node) bool, kinds ...ast.Node) {
	p.inspectCallees(f, func(n ast.Node, _ *types.Func) bool { return fn(n) }, kinds...)
}

// inspectCallees is inspectFile, with fn also given each call's callee
// (callee(p.Info, call), nil for other nodes) from the index.
func (p *Pass) inspectCallees(f *ast.File, fn func(n ast.Node, callee *types.Func) bool, kinds ...ast.Node) {
	var mask nodeKind
	for _, t := range kinds {
		k := kindOf(t)
		if k == 0 {
			panic(fmt.Sprintf("inspectFile: %T is not indexed", t))
		}
		mask |= k
	}
	p.indexMu.Lock()
	if p.index == nil {
		p.index = buildIndex(p.Files, p.Info)
	}
	r, ok := p.index.files[f]
	p.indexMu.Unlock()
	if !ok {
		panic("inspectFile: not a file of the package")
	}
	x := r.part
	for i := r.lo; i < r.hi; {
		if x.kinds[i]&mask != 0 && !fn(x.nodes[i], x.callees[i]) {
			i = x.next[i]
			continue
		}
		i++
	}
}

// funcsCalling returns the function declarations of f whose bodies (func
// literals included) call a function that match accepts.
func (p *Pass) funcsCalling(f *ast.File, match func(*types.Func) bool) map[*ast.FuncDecl]bool {
	decls := map[*ast.FuncDecl]bool{}
	var cur *ast.FuncDecl
	p.inspectCallees(f, func(n ast.Node, fn *types.Func) bool {
		if fd, ok := n.(*ast.FuncDecl); ok {
			cur = fd
		} else if cur != nil && n.Pos() < cur.End() && match(fn) {
			decls[cur] = true
		}
		return true
	}, (*ast.FuncDecl)(nil), (*ast.CallExpr)(nil))
	return decls
}
