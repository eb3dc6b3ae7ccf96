package matchers

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"reflect"
	"slices"
	"sort"
	"strconv"

	"golang.org/x/tools/go/ast/astutil"
	"golang.org/x/tools/go/types/typeutil"
)

// callee returns the function or method a call statically calls, or nil.
func callee(info *types.Info, call *ast.CallExpr) *types.Func {
	fn, _ := typeutil.Callee(info, call).(*types.Func)
	return fn
}

// isFunc reports whether fn is the package-level function path.name.
func isFunc(fn *types.Func, path string, names ...string) bool {
	if fn == nil || fn.Pkg() == nil || fn.Pkg().Path() != path {
		return false
	}
	if fn.Signature().Recv() != nil {
		return false
	}
	for _, n := range names {
		if fn.Name() == n {
			return true
		}
	}
	return false
}

// isMethod reports whether fn is a method of the named type path.typ (or a
// pointer to it) with one of the given names.
func isMethod(fn *types.Func, path, typ string, names ...string) bool {
	if fn == nil {
		return false
	}
	recv := fn.Signature().Recv()
	if recv == nil {
		return false
	}
	if !isNamed(recv.Type(), path, typ) {
		return false
	}
	for _, n := range names {
		if fn.Name() == n {
			return true
		}
	}
	return false
}

// isNamed reports whether t, or what t points to, is the named type path.name.
func isNamed(t types.Type, path, name string) bool {
	if p, ok := types.Unalias(t).(*types.Pointer); ok {
		t = p.Elem()
	}
	n, ok := types.Unalias(t).(*types.Named)
	if !ok {
		return false
	}
	obj := n.Obj()
	return obj.Pkg() != nil && obj.Pkg().Path() == path && obj.Name() == name
}

// isContext reports whether t is context.Context.
func isContext(t types.Type) bool { return isNamed(t, "context", "Context") }

// imports reports whether pkg imports path, directly.
func imports(pkg *types.Package, path string) bool {
	for _, imp := range pkg.Imports() {
		if imp.Path() == path {
			return true
		}
	}
	return false
}

// pathTo returns the chain of nodes from the file down to the node spanning
// [pos, end), innermost first.
func (p *Pass) pathTo(n ast.Node) []ast.Node {
	f := p.FileOf(n.Pos())
	if f == nil {
		return nil
	}
	start, end := n.Pos(), n.End()
	i := sort.Search(len(f.Decls), func(i int) bool { return f.Decls[i].End() > start })
	if i == len(f.Decls) || f.Decls[i].Pos() > start || end > f.Decls[i].End() {
		return enclosing(f, start, end)
	}
	switch n.(type) {
	case *ast.Comment, *ast.CommentGroup:
		// Comments are not among PathEnclosingInterval's children.
		return enclosing(f, start, end)
	}
	decl := f.Decls[i]
	parent := p.parentsOf(decl)
	if _, ok := parent[n]; !ok && n != ast.Node(decl) || start == end {
		// Not a node of the tree (made up by a rule), or one of no
		// extent (the empty statement of a label on a closing brace).
		return enclosing(f, start, end)
	}
	// The extent of a function declaration's type is, to
	// PathEnclosingInterval, the declaration's (the nodes inside the type
	// do have it on their path).
	skip := func(a ast.Node) bool {
		ft, ok := a.(*ast.FuncType)
		if !ok {
			return false
		}
		fd, ok := parent[ft].(*ast.FuncDecl)
		return ok && fd.Type == ft
	}
	if skip(n) {
		n = parent[n]
	}
	// Up from n through its parents: a walk as deep as the tree, where
	// PathEnclosingInterval lists every statement of each block on the
	// way down (quadratic in a function of 10,000 statements). Down from
	// n first, as it does: a child with n's very extent (the call of an
	// expression statement) is the innermost node of the interval.
	var down []ast.Node
	for cur := n; cur != nil; {
		down = append(down, cur)
		var next ast.Node
		ast.Inspect(cur, func(c ast.Node) bool {
			if c == cur {
				return true
			}
			switch c.(type) {
			case *ast.CommentGroup, nil:
				return false
			}
			if next == nil && !skip(c) && c.Pos() <= start && end <= c.End() {
				next = c
			}
			return false
		})
		cur = next
	}
	path := make([]ast.Node, 0, len(down)+8)
	for k := len(down) - 1; k >= 0; k-- {
		path = append(path, down[k])
	}
	for a := parent[n]; a != nil; a = parent[a] {
		path = append(path, a)
	}
	return append(path, f)
}

// parentsOf returns the parent of each node of decl (decl has none).
func (p *Pass) parentsOf(decl ast.Decl) map[ast.Node]ast.Node {
	p.parentsMu.Lock()
	defer p.parentsMu.Unlock()
	if m := p.parents[decl]; m != nil {
		return m
	}
	m := map[ast.Node]ast.Node{}
	var stack []ast.Node
	ast.Inspect(decl, func(n ast.Node) bool {
		if n == nil {
			stack = stack[:len(stack)-1]
			return false
		}
		if len(stack) > 0 {
			m[n] = stack[len(stack)-1]
		}
		stack = append(stack, n)
		return true
	})
	if p.parents == nil {
		p.parents = map[ast.Decl]map[ast.Node]ast.Node{}
	}
	p.parents[decl] = m
	return m
}

// enclosing is astutil.PathEnclosingInterval(f, start, end) with the path
// found in the one top-level declaration holding the interval:
// PathEnclosingInterval lists and sorts every declaration of the file at
// each step down, which is quadratic in the huge files generators write.
func enclosing(f *ast.File, start, end token.Pos) []ast.Node {
	i := sort.Search(len(f.Decls), func(i int) bool { return f.Decls[i].End() > start })
	if i == len(f.Decls) || f.Decls[i].Pos() > start || end > f.Decls[i].End() {
		path, _ := astutil.PathEnclosingInterval(f, start, end)
		return path
	}
	one := *f
	one.Decls = f.Decls[i : i+1]
	path, _ := astutil.PathEnclosingInterval(&one, start, end)
	if len(path) > 0 && path[len(path)-1] == &one {
		path[len(path)-1] = f
	}
	return path
}

// funcBody returns the body of the innermost function in path and the
// function's type.
func funcBody(path []ast.Node) (*ast.BlockStmt, *ast.FuncType) {
	for _, n := range path {
		switch n := n.(type) {
		case *ast.FuncLit:
			return n.Body, n.Type
		case *ast.FuncDecl:
			return n.Body, n.Type
		}
	}
	return nil, nil
}

// A StmtPlace is a statement directly inside a statement list, where new
// statements can be put before or after it.
type StmtPlace struct {
	Stmt  ast.Stmt
	Block ast.Node // *ast.BlockStmt, *ast.CaseClause or *ast.CommClause
}

// stmtPlace returns the innermost statement of path that sits in a statement
// list, not crossing a function boundary, such that statements put just
// before it run exactly once, right before path[0] is evaluated. It fails
// for a node in a switch case expression or a for loop's condition or post
// statement, which run conditionally or repeatedly.
func stmtPlace(path []ast.Node) (StmtPlace, bool) {
	for i, n := range path {
		var child ast.Node
		if i > 0 {
			child = path[i-1]
		}
		switch n := n.(type) {
		case *ast.FuncLit:
			return StmtPlace{}, false
		case *ast.CaseClause:
			if !slices.Contains(n.Body, asStmt(child)) {
				return StmtPlace{}, false
			}
			continue
		case *ast.CommClause:
			continue // its comm is evaluated when the select is entered
		case *ast.ForStmt:
			if child != nil && (child == n.Cond || child == n.Post) {
				return StmtPlace{}, false
			}
		}
		s, ok := n.(ast.Stmt)
		if !ok || i+1 >= len(path) {
			continue
		}
		if parent := path[i+1]; slices.Contains(stmtList(parent), s) {
			return StmtPlace{Stmt: s, Block: parent}, true
		}
	}
	return StmtPlace{}, false
}

func asStmt(n ast.Node) ast.Stmt {
	s, _ := n.(ast.Stmt)
	return s
}

// stmtList returns the statements of a block, case or comm clause.
// stmtListTypes are the node types stmtList returns the statements of.
var stmtListTypes = []ast.Node{(*ast.BlockStmt)(nil), (*ast.CaseClause)(nil), (*ast.CommClause)(nil)}

func stmtList(n ast.Node) []ast.Stmt {
	switch n := n.(type) {
	case *ast.BlockStmt:
		return n.List
	case *ast.CaseClause:
		return n.Body
	case *ast.CommClause:
		return n.Body
	}
	return nil
}

// scopeAt returns the scope that holds the statement list s is in.
func (p *Pass) scopeAt(s ast.Stmt) *types.Scope {
	sc := p.Pkg.Scope().Innermost(s.Pos())
	// Scopes opened by s itself (if, for, switch) start at s.Pos().
	for sc != nil && sc.Pos() == s.Pos() && sc.Parent() != nil {
		sc = sc.Parent()
	}
	return sc
}

// FreshName returns the first candidate that can be declared just before s
// without shadowing or clashing with anything, or "" when none can.
func (p *Pass) FreshName(s ast.Stmt, candidates ...string) string {
	sc := p.scopeAt(s)
	if sc == nil {
		return ""
	}
	taken := func(name string) bool {
		if name == "_" {
			return true
		}
		if sc.Lookup(name) != nil {
			return true
		}
		_, obj := sc.LookupParent(name, s.Pos())
		return obj != nil
	}
	for _, c := range candidates {
		if !taken(c) {
			return c
		}
	}
	base := candidates[len(candidates)-1]
	for i := 2; i < 100; i++ {
		if c := fmt.Sprintf("%s%d", base, i); !taken(c) {
			return c
		}
	}
	return ""
}

// refKey names the variable or field chain an expression denotes (x, x.f,
// x.f.g), by object identity, or "" when it denotes something else.
func refKey(info *types.Info, e ast.Expr) string {
	switch e := ast.Unparen(e).(type) {
	case *ast.Ident:
		if v, ok := info.ObjectOf(e).(*types.Var); ok {
			return ptr(v)
		}
	case *ast.SelectorExpr:
		sel, ok := info.Selections[e]
		if !ok || sel.Kind() != types.FieldVal {
			// A package-qualified variable.
			if v, ok := info.ObjectOf(e.Sel).(*types.Var); ok && !v.IsField() {
				return ptr(v)
			}
			return ""
		}
		x := refKey(info, e.X)
		if x == "" {
			// A field reached through a call or index: name it by the field alone
			// only when the base is a receiver-like variable chain.
			return ""
		}
		return x + "." + ptr(sel.Obj())
	case *ast.StarExpr:
		return refKey(info, e.X)
	}
	return ""
}

// fieldKey names a struct field by identity, whatever value holds it, so
// that s.stop in a constructor and srv.stop in a method are one field.
func fieldKey(info *types.Info, e ast.Expr) string {
	if sel, ok := ast.Unparen(e).(*ast.SelectorExpr); ok {
		if s, ok := info.Selections[sel]; ok && s.Kind() == types.FieldVal {
			return fieldVarKey(s.Obj().(*types.Var))
		}
	}
	return ""
}

// fieldVarOf returns the field e sets or reads (x.f, or the key f of a
// composite literal), its generic origin, or nil.
func fieldVarOf(info *types.Info, e ast.Expr) *types.Var {
	switch e := ast.Unparen(e).(type) {
	case *ast.SelectorExpr:
		if s, ok := info.Selections[e]; ok && s.Kind() == types.FieldVal {
			return s.Obj().(*types.Var).Origin()
		}
	case *ast.Ident:
		if v, ok := info.Uses[e].(*types.Var); ok && v.IsField() {
			return v.Origin() // a key of a composite literal
		}
	}
	return nil
}

// fieldVarKey is fieldKey of a use of the field v. Origin: in a generic
// type each method sees its own instance of a field; they are one field.
func fieldVarKey(v *types.Var) string { return "field " + ptr(v.Origin()) }

// varKey is the key matching a variable or field wherever it is used: a
// field by its identity, anything else by refKey.
func varKey(info *types.Info, e ast.Expr) string {
	if k := fieldKey(info, e); k != "" {
		return k
	}
	return refKey(info, e)
}

// recvKey is the key of the value a method call x.m is made on: varKey of
// x, or, when m is promoted from an embedded field (s.Stop() for a struct
// embedding *grpc.Server), the key of that field, so that s.Stop() and
// s.Server.GracefulStop() are known to be made on one server.
func recvKey(info *types.Info, sel *ast.SelectorExpr) string {
	s, ok := info.Selections[sel]
	if !ok || s.Kind() != types.MethodVal || len(s.Index()) < 2 {
		return varKey(info, sel.X)
	}
	t := s.Recv()
	var field *types.Var
	for _, i := range s.Index()[:len(s.Index())-1] {
		if ptr, ok := t.Underlying().(*types.Pointer); ok {
			t = ptr.Elem()
		}
		st, ok := t.Underlying().(*types.Struct)
		if !ok || i >= st.NumFields() {
			return varKey(info, sel.X)
		}
		field = st.Field(i)
		t = field.Type()
	}
	return fieldVarKey(field)
}

// isTerminal reports whether a statement list ends by leaving the function
// (return, panic, os.Exit, log.Fatal).
func isTerminal(info *types.Info, list []ast.Stmt) bool {
	if len(list) == 0 {
		return false
	}
	switch s := list[len(list)-1].(type) {
	case *ast.ReturnStmt:
		return true
	case *ast.ExprStmt:
		if call, ok := s.X.(*ast.CallExpr); ok {
			if id, ok := ast.Unparen(call.Fun).(*ast.Ident); ok {
				if b, ok := info.Uses[id].(*types.Builtin); ok && b.Name() == "panic" {
					return true
				}
			}
			return isExit(callee(info, call))
		}
	}
	return false
}

// isExit reports whether fn ends the process without running deferred calls.
func isExit(fn *types.Func) bool {
	return isFunc(fn, "os", "Exit") ||
		isFunc(fn, "log", "Fatal", "Fatalf", "Fatalln") ||
		isMethod(fn, "log", "Logger", "Fatal", "Fatalf", "Fatalln")
}

// isBuiltinClose reports whether call is the builtin close(ch).
func isBuiltinClose(info *types.Info, call *ast.CallExpr) bool {
	return isBuiltin(info, call.Fun, "close")
}

// within reports whether pos lies inside n.
func within(n ast.Node, pos token.Pos) bool { return n.Pos() <= pos && pos < n.End() }

// ptr names an object by identity.
// It is on the hot path of several matchers: no fmt.
func ptr(obj types.Object) string {
	return strconv.FormatUint(uint64(reflect.ValueOf(obj).Pointer()), 36)
}

// ContextAt returns a context.Context variable usable at pos inside the
// function holding it (a parameter or a local declared before pos),
// preferring the innermost and, within one scope, the one named ctx; nil
// when there is none. Package-level contexts are not a lifetime a function
// owns and are not returned.
func (p *Pass) ContextAt(pos token.Pos) *types.Var {
	inner := p.Pkg.Scope().Innermost(pos)
	for sc := inner; sc != nil && sc != p.Pkg.Scope() && sc != types.Universe; sc = sc.Parent() {
		var best *types.Var
		for _, name := range sc.Names() {
			v, ok := sc.Lookup(name).(*types.Var)
			if !ok || v.Pos() >= pos || !isContext(v.Type()) || name == "_" {
				continue
			}
			if _, obj := inner.LookupParent(name, pos); obj != v {
				continue // shadowed at pos (ctx := "label" in a goroutine)
			}
			if best == nil || name == "ctx" {
				best = v
			}
		}
		if best != nil {
			return best
		}
		if sc.Parent() == p.Pkg.Scope() {
			break
		}
	}
	return nil
}

// inTestFunc reports whether n lies in a function taking a *testing.T, B or
// F: a test gets no SIGTERM, and go test's timeout is its deadline.
func (p *Pass) inTestFunc(n ast.Node) bool {
	for _, a := range p.pathTo(n) {
		fd, ok := a.(*ast.FuncDecl)
		if !ok {
			continue
		}
		for _, field := range fd.Type.Params.List {
			t := p.Info.TypeOf(field.Type)
			if isNamed(t, "testing", "T") || isNamed(t, "testing", "B") || isNamed(t, "testing", "F") {
				return true
			}
		}
		return false
	}
	return false
}

// importsPath reports whether pkg is the package path or imports it,
// directly or not; memo holds the answers found so far.
func importsPath(pkg *types.Package, path string, memo map[*types.Package]bool) bool {
	if pkg.Path() == path {
		return true
	}
	if r, ok := memo[pkg]; ok {
		return r
	}
	memo[pkg] = false // an import cycle cannot reach path through pkg again
	for _, imp := range pkg.Imports() {
		if importsPath(imp, path, memo) {
			memo[pkg] = true
			return true
		}
	}
	return false
}

// sizes32 is a 32-bit layout (386, arm): there a 64-bit word is aligned
// to 8 only where the struct's layout puts it.
var sizes32 = types.SizesFor("gc", "386")

// keepsAtomicAlignment reports whether inserting fields of the types add
// before the field entry at (len(st.Fields.List) appends) keeps every
// 64-bit integer field of the struct that was 8-aligned on a 32-bit
// layout 8-aligned: sync/atomic's 64-bit functions panic on one that is
// not ("unaligned 64-bit atomic operation"). atomic.Int64 and its kind
// align themselves and need nothing.
func (p *Pass) keepsAtomicAlignment(st *ast.StructType, at int, add ...types.Type) bool {
	t, ok := p.Info.TypeOf(st).(*types.Struct)
	if !ok {
		return true
	}
	before := make([]*types.Var, 0, t.NumFields()+len(add))
	for i := range t.NumFields() {
		before = append(before, t.Field(i))
	}
	varAt := 0 // index of the first var of entry at
	for _, f := range st.Fields.List[:at] {
		varAt += max(len(f.Names), 1)
	}
	var after []*types.Var
	after = append(after, before[:varAt]...)
	for _, a := range add {
		after = append(after, types.NewField(token.NoPos, p.Pkg, "_", a, false))
	}
	after = append(after, before[varAt:]...)
	offBefore, offAfter := sizes32.Offsetsof(before), sizes32.Offsetsof(after)
	for i := varAt; i < len(before); i++ {
		b, ok := before[i].Type().Underlying().(*types.Basic)
		if !ok || b.Kind() != types.Int64 && b.Kind() != types.Uint64 {
			continue
		}
		if offBefore[i]%8 == 0 && offAfter[i+len(add)]%8 != 0 {
			return false
		}
	}
	return true
}

// syncMutexType is a type laid out as sync.Mutex (two 32-bit words), for
// layouts in a package that may not import sync.
func (p *Pass) syncMutexType() types.Type {
	return types.NewStruct([]*types.Var{
		types.NewField(token.NoPos, p.Pkg, "state", types.Typ[types.Int32], false),
		types.NewField(token.NoPos, p.Pkg, "sema", types.Typ[types.Uint32], false),
	}, nil)
}

// inspectFuncs calls visit with the body of each function of f, declared
// or literal.
func inspectFuncs(f *ast.File, visit func(*ast.BlockStmt)) {
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncDecl:
			if n.Body != nil {
				visit(n.Body)
			}
		case *ast.FuncLit:
			visit(n.Body)
		}
		return true
	})
}

// receiverNamed returns the named type of a method's receiver.
func receiverNamed(fn *types.Func) *types.Named {
	t := types.Unalias(fn.Signature().Recv().Type())
	if pt, ok := t.(*types.Pointer); ok {
		t = types.Unalias(pt.Elem())
	}
	n, _ := t.(*types.Named)
	return n
}

// inPrintPkg reports whether fn belongs to fmt, log or log/slog: a call
// of it prints or logs its arguments and is no drain step.
func inPrintPkg(fn *types.Func) bool {
	if fn == nil || fn.Pkg() == nil {
		return false
	}
	switch fn.Pkg().Path() {
	case "fmt", "log", "log/slog":
		return true
	}
	return false
}

// hasDefault reports whether the select has a default case (it never
// blocks).
func hasDefault(sel *ast.SelectStmt) bool {
	for _, c := range sel.Body.List {
		if c.(*ast.CommClause).Comm == nil {
			return true
		}
	}
	return false
}

// sameRef reports whether a and b name the same variable or the same
// field of the same variable (refKey), both known.
func sameRef(info *types.Info, a, b ast.Expr) bool {
	ka := refKey(info, a)
	return ka != "" && ka == refKey(info, b)
}

// isBuiltin reports whether fun names the builtin function name.
func isBuiltin(info *types.Info, fun ast.Expr, name string) bool {
	id, ok := ast.Unparen(fun).(*ast.Ident)
	if !ok {
		return false
	}
	b, ok := info.Uses[id].(*types.Builtin)
	return ok && b.Name() == name
}

// isMakeCall reports whether e is a call of the builtin make.
func isMakeCall(info *types.Info, e ast.Expr) bool {
	call, ok := ast.Unparen(e).(*ast.CallExpr)
	return ok && isBuiltin(info, call.Fun, "make")
}

// isNilIdent reports whether e is the predeclared nil.
func isNilIdent(info *types.Info, e ast.Expr) bool {
	id, ok := ast.Unparen(e).(*ast.Ident)
	return ok && info.Uses[id] == types.Universe.Lookup("nil")
}

// identOf returns e as an identifier, or nil.
func identOf(e ast.Expr) *ast.Ident {
	id, _ := ast.Unparen(e).(*ast.Ident)
	return id
}

// inLoop reports whether the statement at path[0] runs in the body of a
// loop of its own function.
func inLoop(path []ast.Node) bool {
	for _, n := range path[1:] {
		switch n.(type) {
		case *ast.ForStmt, *ast.RangeStmt:
			return true
		case *ast.FuncLit, *ast.FuncDecl:
			return false
		}
	}
	return false
}
