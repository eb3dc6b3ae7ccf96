package matchers

import (
	"go/ast"
	"go/token"
	"go/types"
	"slices"
	"strings"
)

// This file finds the workers a drain waits for and what they use, for
// close-before-drain.
// A cbdUse is what the workers of a drain do with the closed value.
type cbdUse struct {
	refers  bool // they refer to it
	stops   bool // a worker loop takes its work from it with no context: only the close ends it
	ctxLoop bool // a worker loop takes its work from it with a context
	loops   bool // the workers loop
	closes  bool // the drain closes it itself
}

// relate finds the workers of the drain d and what they do with the value
// whose keys are xk.
func (m *cbdMatcher) relate(d cbdDrain, xk map[string]bool) cbdUse {
	var roots []ast.Node
	if d.wg {
		roots = m.wgWorkers(m.p.cbdKeyOf(d.recv))
	} else {
		roots = m.valueRoots(d.recv)
	}
	var u cbdUse
	if len(roots) == 0 {
		return u
	}
	var drainBody ast.Node
	if fd := m.declOf(d.call); fd != nil {
		drainBody = fd.Body
	}
	r := m.reach(xk)
	source := func(n ast.Node) {
		if n == nil || !r.refersIn(n) {
			return
		}
		if cbdHasCtxCall(m.p.Info, n) {
			u.ctxLoop = true
		} else {
			u.stops = true
		}
	}
	r.walk(roots, func(n ast.Node) {
		if call, ok := n.(*ast.CallExpr); ok && drainBody != nil && within(drainBody, call.Pos()) {
			if c, x := m.p.cbdCloseCall(call); c != nil && r.keys[m.p.cbdKeyOf(x)] {
				u.closes = true
			}
		}
		switch n := n.(type) {
		case ast.Expr:
			if r.keys[m.p.cbdKeyOf(n)] {
				u.refers = true
			}
		case *ast.RangeStmt:
			u.loops = true
			source(n.X)
		case *ast.ForStmt:
			u.loops = true
			if n.Cond != nil {
				source(n.Cond)
				return
			}
			if len(n.Body.List) > 0 {
				for _, e := range cbdLoopHead(n.Body.List[0]) {
					source(e)
				}
			}
		}
	})
	if r.exhausted {
		return cbdUse{}
	}
	return u
}

// cbdLoopHead returns the parts of the first statement of an endless
// loop's body that take the loop's work: v, err := src.Next(ctx),
// if ... := ..., a select's cases.
func cbdLoopHead(s ast.Stmt) []ast.Node {
	var out []ast.Node
	switch s := s.(type) {
	case *ast.AssignStmt:
		for _, e := range s.Rhs {
			out = append(out, e)
		}
	case *ast.ExprStmt:
		out = append(out, s.X)
	case *ast.IfStmt:
		out = append(out, s.Init, s.Cond)
	case *ast.SelectStmt:
		for _, cc := range s.Body.List {
			out = append(out, cc.(*ast.CommClause).Comm)
		}
	}
	return out
}

// wgWorkers returns the go statements' calls that the WaitGroup wk joins
// (they call its Done, or a function given it does) and the funcs given to
// its Go method.
func (m *cbdMatcher) wgWorkers(wk string) []ast.Node {
	if roots, ok := m.workers[wk]; ok {
		return roots
	}
	info := m.p.Info
	var roots []ast.Node
	for _, gs := range m.gos {
		r := m.reach(map[string]bool{wk: true})
		joined := false
		r.walk([]ast.Node{gs.Call}, func(c ast.Node) {
			if call, ok := c.(*ast.CallExpr); ok && isMethod(callee(info, call), "sync", "WaitGroup", "Done") {
				if sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr); ok && r.keys[m.p.cbdKeyOf(sel.X)] {
					joined = true
				}
			}
		})
		if joined {
			roots = append(roots, gs.Call)
		}
	}
	for _, u := range m.uses[wk] {
		if u.arg < 0 && isMethod(callee(info, u.call), "sync", "WaitGroup", "Go") {
			roots = append(roots, cbdNodes(u.call.Args)...)
		}
	}
	m.workers[wk] = roots
	return roots
}

// valueRoots returns the code that makes up the drained value y: what is
// assigned to it (following variables a few steps back), what its methods
// and the package's functions are given along with it, and its type's
// methods when declared in the package.
func (m *cbdMatcher) valueRoots(y ast.Expr) []ast.Node {
	roots := m.keyRoots(m.p.cbdKeyOf(y), map[string]bool{}, 0)
	t := m.p.Info.TypeOf(y)
	if ptr, ok := types.Unalias(t).(*types.Pointer); ok {
		t = ptr.Elem()
	}
	if n, ok := types.Unalias(t).(*types.Named); ok && n.Obj().Pkg() == m.p.Pkg {
		for i := range n.NumMethods() {
			if fd := m.decls[n.Method(i)]; fd != nil && fd.Body != nil {
				roots = append(roots, fd.Body)
			}
		}
	}
	return roots
}

// keyRoots returns what is assigned to the value keyed yk, and what is
// given along with it to its methods and to the package's functions.
func (m *cbdMatcher) keyRoots(yk string, seen map[string]bool, depth int) []ast.Node {
	if yk == "" {
		return nil
	}
	seen[yk] = true
	var roots []ast.Node
	for _, rhs := range m.stored[yk] {
		roots = append(roots, rhs)
		if k := m.p.cbdKeyOf(rhs); k != "" && !seen[k] && depth < 3 {
			roots = append(roots, m.keyRoots(k, seen, depth+1)...)
		}
	}
	for _, u := range m.uses[yk] {
		if u.arg < 0 {
			roots = append(roots, cbdNodes(u.call.Args)...)
			continue
		}
		roots = append(roots, cbdNodes(u.call.Args[:u.arg])...)
		roots = append(roots, cbdNodes(u.call.Args[u.arg+1:])...)
	}
	return roots
}

// aliases returns the keys of the variables and fields whose values are
// stored in the value keyed xk (db in a.db = db, or App{db: db}).
func (m *cbdMatcher) aliases(xk map[string]bool) []string {
	var out []string
	for lhs := range xk {
		for _, rhs := range m.stored[lhs] {
			if k := m.p.cbdKeyOf(rhs); k != "" {
				out = append(out, k)
			}
		}
	}
	return out
}

// A cbdCall is a call that takes a value as its receiver (arg < 0) or as
// its argument arg, a function of the package (not the standard library's).
type cbdCall struct {
	call *ast.CallExpr
	arg  int
}

// index records the package's calls, go statements and assignments: every
// single-valued assignment, variable declaration, struct literal field,
// and argument of a call of the package's functions (to its parameter or
// receiver).
func (m *cbdMatcher) index() {
	info := m.p.Info
	m.stored, m.uses = map[string][]ast.Expr{}, map[string][]cbdCall{}
	add := func(lhs string, rhs ast.Expr) {
		if lhs != "" {
			m.stored[lhs] = append(m.stored[lhs], rhs)
		}
	}
	for _, file := range m.p.Files {
		m.p.inspectCallees(file, func(n ast.Node, fn *types.Func) bool {
			switch n := n.(type) {
			case *ast.GoStmt:
				m.gos = append(m.gos, n)
			case *ast.CallExpr:
				m.indexCall(n, fn)
				if fn == nil || m.decls[fn.Origin()] == nil {
					return true
				}
				fd := m.decls[fn.Origin()]
				for i, v := range cbdParams(info, fd.Type.Params) {
					if v != nil && i < len(n.Args) {
						add(ptr(v), n.Args[i])
					}
				}
				if sel, ok := ast.Unparen(n.Fun).(*ast.SelectorExpr); ok {
					if rv := cbdParams(info, fd.Recv); len(rv) == 1 && rv[0] != nil {
						add(ptr(rv[0]), sel.X)
					}
				}
			case *ast.AssignStmt:
				if len(n.Lhs) == len(n.Rhs) {
					for i := range n.Lhs {
						add(m.p.cbdKeyOf(n.Lhs[i]), n.Rhs[i])
					}
				}
			case *ast.ValueSpec:
				if len(n.Names) == len(n.Values) {
					for i, id := range n.Names {
						if v, ok := info.Defs[id].(*types.Var); ok {
							add(ptr(v), n.Values[i])
						}
					}
				}
			case *ast.KeyValueExpr:
				add(cbdFieldKey(info, n.Key), n.Value)
			}
			return true
		}, (*ast.GoStmt)(nil), (*ast.CallExpr)(nil), (*ast.AssignStmt)(nil), (*ast.ValueSpec)(nil), (*ast.KeyValueExpr)(nil))
	}
}

// indexCall records the call under the key of its receiver, or else under
// the key of its first argument of each key when it calls a function
// outside the standard library.
func (m *cbdMatcher) indexCall(call *ast.CallExpr, fn *types.Func) {
	recv := ""
	if sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr); ok {
		if recv = m.p.cbdKeyOf(sel.X); recv != "" {
			m.uses[recv] = append(m.uses[recv], cbdCall{call, -1})
		}
	}
	if fn == nil || fn.Pkg() == nil || cbdStd(fn.Pkg().Path()) {
		return
	}
	for i, a := range call.Args {
		k := m.p.cbdKeyOf(a)
		if k == "" || k == recv || slices.ContainsFunc(call.Args[:i], func(b ast.Expr) bool { return m.p.cbdKeyOf(b) == k }) {
			continue
		}
		m.uses[k] = append(m.uses[k], cbdCall{call, i})
	}
}

// cbdFieldKey is the key of the struct field a composite literal's key
// names, or "".
func cbdFieldKey(info *types.Info, key ast.Expr) string {
	id, ok := key.(*ast.Ident)
	if !ok {
		return ""
	}
	if v, ok := info.Uses[id].(*types.Var); ok && v.IsField() {
		return "field " + ptr(v)
	}
	return ""
}

// A cbdReach follows a value through the package: the code under some
// roots, and the bodies of the package's functions that code names, a few
// calls deep. keys, the variables and fields that stand for the value,
// grows as the value is passed to a parameter, stored, or used to compute
// another (a stream opened on a connection); holders are the variables of
// structs built around it (&Pool{db: db}), whose other fields are not it.
type cbdReach struct {
	p *Pass
	// budget bounds the nodes the reaches of one package may visit
	// together: in very large packages (hundreds of closes, each walking
	// through callees) the work grows with their product. An exhausted
	// reach proves nothing, and the matcher then stays silent.
	budget    *int
	exhausted bool
	decls     map[*types.Func]*ast.FuncDecl
	keys      map[string]bool
	holders   map[string]bool
	seen      map[*ast.FuncDecl]bool
}

const cbdDepth = 4

// cbdBudget is how many nodes the reaches of one package may visit.
const cbdBudget = 3_000_000

func (m *cbdMatcher) reach(keys map[string]bool) *cbdReach {
	own := map[string]bool{}
	for k := range keys {
		own[k] = true
	}
	if m.budget == nil {
		b := cbdBudget
		m.budget = &b
	}
	return &cbdReach{p: m.p, decls: m.decls, keys: own, holders: map[string]bool{}, budget: m.budget}
}

// walk calls visit on every node reached from roots, again until keys stop
// growing, so that visit sees the value under every name it takes.
func (r *cbdReach) walk(roots []ast.Node, visit func(ast.Node)) {
	for range 4 {
		n := len(r.keys) + len(r.holders)
		r.seen = map[*ast.FuncDecl]bool{}
		for _, root := range roots {
			r.walkAt(root, 0, visit)
		}
		if len(r.keys)+len(r.holders) == n {
			return
		}
	}
}

func (r *cbdReach) walkAt(root ast.Node, depth int, visit func(ast.Node)) {
	info := r.p.Info
	ast.Inspect(root, func(n ast.Node) bool {
		if n == nil || r.exhausted {
			return false
		}
		if *r.budget--; *r.budget < 0 {
			r.exhausted = true
			return false
		}
		visit(n)
		switch n := n.(type) {
		case *ast.CallExpr:
			r.bindCall(n)
		case *ast.AssignStmt:
			for i, rhs := range n.Rhs {
				if len(n.Lhs) == len(n.Rhs) {
					r.derive(n.Lhs[i], rhs)
					continue
				}
				for _, l := range n.Lhs {
					r.derive(l, rhs)
				}
			}
		case *ast.ValueSpec:
			for i, id := range n.Names {
				if len(n.Values) == len(n.Names) {
					r.derive(id, n.Values[i])
				} else if len(n.Values) == 1 {
					r.derive(id, n.Values[0])
				}
			}
		case *ast.RangeStmt:
			for _, e := range []ast.Expr{n.Key, n.Value} {
				if e != nil {
					r.derive(e, n.X)
				}
			}
		case *ast.KeyValueExpr:
			if r.keys[r.p.cbdKeyOf(n.Value)] {
				r.add(r.keys, cbdFieldKey(info, n.Key))
			}
		case *ast.Ident:
			fn, _ := info.Uses[n].(*types.Func)
			if fn == nil || depth >= cbdDepth {
				return true
			}
			if fd := r.decls[fn.Origin()]; fd != nil && fd.Body != nil && !r.seen[fd] {
				r.seen[fd] = true
				r.walkAt(fd.Body, depth+1, visit)
			}
		}
		return true
	})
}

// derive marks lhs as standing for the value when rhs is computed from it,
// or as a holder when rhs is a struct literal built around it.
func (r *cbdReach) derive(lhs, rhs ast.Expr) {
	if !r.refersIn(rhs) {
		return
	}
	e := ast.Unparen(rhs)
	if u, ok := e.(*ast.UnaryExpr); ok && u.Op == token.AND {
		e = ast.Unparen(u.X)
	}
	if _, ok := e.(*ast.CompositeLit); ok && !r.keys[r.p.cbdKeyOf(rhs)] {
		r.add(r.holders, r.p.cbdKeyOf(lhs))
		return
	}
	r.add(r.keys, r.p.cbdKeyOf(lhs))
}

// bindCall marks the parameters (and receiver) of the package function a
// call calls that receive the value or a holder of it.
func (r *cbdReach) bindCall(call *ast.CallExpr) {
	info := r.p.Info
	var params, recv *ast.FieldList
	switch fun := ast.Unparen(call.Fun).(type) {
	case *ast.FuncLit:
		params = fun.Type.Params
	default:
		fn := callee(info, call)
		if fn == nil {
			return
		}
		fd := r.decls[fn.Origin()]
		if fd == nil {
			return
		}
		params, recv = fd.Type.Params, fd.Recv
		if sel, ok := fun.(*ast.SelectorExpr); ok {
			if rv := cbdParams(info, recv); len(rv) == 1 && rv[0] != nil {
				r.bind(sel.X, rv[0])
			}
		}
	}
	ps := cbdParams(info, params)
	for i, a := range call.Args {
		if i < len(ps) && ps[i] != nil {
			r.bind(a, ps[i])
		}
	}
}

func (r *cbdReach) bind(arg ast.Expr, param *types.Var) {
	switch k := r.p.cbdKeyOf(arg); {
	case r.keys[k]:
		r.add(r.keys, ptr(param))
	case r.holders[k]:
		r.add(r.holders, ptr(param))
	}
}

func (r *cbdReach) add(set map[string]bool, k string) {
	if k != "" {
		set[k] = true
	}
}

// refersIn reports whether n refers to the value, outside closures: names
// it, or calls a method of a holder; a holder's other fields are not it.
func (r *cbdReach) refersIn(n ast.Node) bool {
	info := r.p.Info
	found := false
	ast.Inspect(n, func(c ast.Node) bool {
		if found {
			return false
		}
		switch c := c.(type) {
		case *ast.FuncLit:
			return false
		case *ast.SelectorExpr:
			k := r.p.cbdKeyOf(c)
			found = r.keys[k]
			if sel, ok := info.Selections[c]; ok && !found {
				base := r.p.cbdKeyOf(c.X)
				if sel.Kind() == types.FieldVal && r.holders[base] {
					return false
				}
				found = sel.Kind() != types.FieldVal && r.holders[base]
			}
		case ast.Expr:
			found = r.keys[r.p.cbdKeyOf(c)]
		}
		return !found
	})
	return found
}

// cbdParams returns the variables of a parameter list, nil for an unnamed
// one.
func cbdParams(info *types.Info, fl *ast.FieldList) []*types.Var {
	if fl == nil {
		return nil
	}
	var out []*types.Var
	for _, f := range fl.List {
		if len(f.Names) == 0 {
			out = append(out, nil)
		}
		for _, id := range f.Names {
			v, _ := info.Defs[id].(*types.Var)
			out = append(out, v)
		}
	}
	return out
}

// cbdHasCtxCall reports whether n calls something with a context.
func cbdHasCtxCall(info *types.Info, n ast.Node) bool {
	found := false
	ast.Inspect(n, func(c ast.Node) bool {
		if _, ok := c.(*ast.FuncLit); ok || found {
			return false
		}
		if call, ok := c.(*ast.CallExpr); ok {
			for _, a := range call.Args {
				if isContext(info.TypeOf(a)) {
					found = true
				}
			}
		}
		return !found
	})
	return found
}

// cbdDecls maps the package's functions and methods to their declarations.
func (p *Pass) cbdDecls() map[*types.Func]*ast.FuncDecl {
	decls := map[*types.Func]*ast.FuncDecl{}
	for _, f := range p.Files {
		for _, d := range f.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok {
				if fn, ok := p.Info.Defs[fd.Name].(*types.Func); ok {
					decls[fn] = fd
				}
			}
		}
	}
	return decls
}

// cbdKey names the variable or field e denotes (through & and parens).
// cbdKeyOf is cbdKey, remembered per expression: the matcher asks for
// the same keys many times over in large packages.
func (p *Pass) cbdKeyOf(e ast.Expr) string {
	if k, ok := p.keys[e]; ok {
		return k
	}
	if p.keys == nil {
		p.keys = map[ast.Expr]string{}
	}
	k := cbdKey(p.Info, e)
	p.keys[e] = k
	return k
}

func cbdKey(info *types.Info, e ast.Expr) string {
	e = ast.Unparen(e)
	if u, ok := e.(*ast.UnaryExpr); ok && u.Op == token.AND {
		e = ast.Unparen(u.X)
	}
	return varKey(info, e)
}

// cbdStd reports whether path is a standard-library package.
func cbdStd(path string) bool {
	first, _, _ := strings.Cut(path, "/")
	return !strings.Contains(first, ".")
}

func cbdBlank(e ast.Expr) bool {
	id, ok := e.(*ast.Ident)
	return ok && id.Name == "_"
}

func cbdNodes[T ast.Node](list []T) []ast.Node {
	out := make([]ast.Node, len(list))
	for i, n := range list {
		out[i] = n
	}
	return out
}
