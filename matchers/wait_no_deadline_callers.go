package matchers

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// signatureChange reports whether the parameters or results of fd may
// change: every caller must be in the loaded packages (the function is
// unexported, or in a main package or under internal/, and no file that
// could call it was left out of the load), no interface may require the
// old signature, and it must only ever be called, never used as a value.
// When addCtx is set it returns the call sites, each with the context it
// is to pass; when addErr is set, the call sites whose statement drops the
// new error result, each with how to log it (a call that can neither use
// nor log the error is a reason not to change the signature).
func (p *Pass) signatureChange(fd *ast.FuncDecl, fn *types.Func, addCtx, addErr bool) ([]*CtxCallSite, string) {
	what := "the function"
	if fd.Recv != nil {
		what = "the method"
	}
	main := p.Pkg.Name() == "main"
	root, internal := internalRoot(p.Pkg.Path(), filepath.Dir(p.Fset.File(fd.Pos()).Name()))
	switch {
	case !fn.Exported() || main:
		root = filepath.Dir(p.Fset.File(fd.Pos()).Name())
	case !internal:
		return nil, what + " is exported from an importable package: callers outside the loaded packages would break"
	}
	key := crossPkgKey(fn)
	if key == "" {
		return nil, what + " cannot be identified across packages"
	}
	if fd.Recv != nil {
		if iface := p.interfaceRequiring(fn, key); iface != "" {
			return nil, fmt.Sprintf("%s satisfies %s, which requires the current signature", fn.Name(), iface)
		}
	}
	if why := p.unloadedCallers(root, internal && fn.Exported() && !main, fn.Name(), "call"); why != "" {
		return nil, why
	}
	var sites []*CtxCallSite
	for _, ref := range p.programRefs(fn, key) {
		where := shortPos(ref.pass.Fset, ref.id.Pos())
		switch {
		case !ref.owned:
			return nil, fmt.Sprintf("%s is referred to in %s, which drainfix does not rewrite", fn.Name(), where)
		case ref.call == nil:
			return nil, fmt.Sprintf("%s is used as a value at %s", fn.Name(), where)
		}
		site := &CtxCallSite{Call: ref.call, Pass: ref.pass}
		if addCtx {
			var why string
			if site, why = ref.pass.ctxCallSite(ref.call, false); why != "" {
				return nil, fmt.Sprintf("the call at %s %s", where, why)
			}
		}
		if addErr {
			var why string
			if site.LogErr, why = ref.pass.dropsResult(ref.call); why != "" {
				return nil, fmt.Sprintf("the call at %s %s", where, why)
			}
		}
		if addCtx || site.LogErr != nil {
			sites = append(sites, site)
		}
	}
	return sites, ""
}

// dropsResult returns how the new error result of the call is to be
// logged when the call's statement drops it (a plain expression
// statement), nil when the caller uses the result; or why the error would
// be lost: the call is started as a goroutine or deferred, or the file logs
// with a package drainfix does not write for.
func (p *Pass) dropsResult(call *ast.CallExpr) (*LogErr, string) {
	path := p.pathTo(call)
	if len(path) < 2 {
		return nil, "has no statement"
	}
	switch s := path[1].(type) {
	case *ast.GoStmt:
		return nil, "is started as a goroutine: the new error result would be dropped"
	case *ast.DeferStmt:
		return nil, "is deferred: the new error result would be dropped"
	case *ast.ExprStmt:
		if s.X != call {
			return nil, ""
		}
		place, ok := stmtPlace(path[1:])
		if !ok || place.Stmt != s {
			return nil, "drops the new error result and is not a statement of a block"
		}
		f := p.FileOf(call.Pos())
		has := func(path string) bool {
			for _, im := range f.Imports {
				if strings.Trim(im.Path.Value, `"`) == path {
					return true
				}
			}
			return false
		}
		name := "drain"
		if sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr); ok {
			name = sel.Sel.Name
		} else if id, ok := ast.Unparen(call.Fun).(*ast.Ident); ok {
			name = id.Name
		}
		if tb := testingParam(p.Info, path); tb != "" {
			return &LogErr{Place: place, Label: name, TB: tb}, ""
		}
		switch {
		case has("log"):
			return &LogErr{Place: place, Pkg: "log", Label: name}, ""
		case has("log/slog"):
			key, attr := p.slogErrKey(f)
			return &LogErr{Place: place, Pkg: "log/slog", Label: name, Key: key, Attr: attr}, ""
		}
		for _, im := range f.Imports {
			path := strings.Trim(im.Path.Value, `"`)
			if strings.Contains(path, "log") || strings.Contains(path, "zap") {
				return nil, "drops the new error result, and the file logs with " + path + ", which drainfix does not write for"
			}
		}
		return &LogErr{Place: place, Pkg: "log", Label: name}, ""
	}
	return nil, ""
}

// testingParam returns the name of the innermost parameter of type
// *testing.T, *testing.B, *testing.F or testing.TB among the functions
// enclosing path[0]: a test reports an error so, and a log line would let
// it pass.
func testingParam(info *types.Info, path []ast.Node) string {
	for _, n := range path {
		var ft *ast.FuncType
		switch n := n.(type) {
		case *ast.FuncLit:
			ft = n.Type
		case *ast.FuncDecl:
			ft = n.Type
		default:
			continue
		}
		for _, field := range ft.Params.List {
			t := info.TypeOf(field.Type)
			if ptr, ok := t.(*types.Pointer); ok {
				t = ptr.Elem()
			}
			if !isNamed(t, "testing", "T") && !isNamed(t, "testing", "B") && !isNamed(t, "testing", "F") && !isNamed(t, "testing", "TB") {
				continue
			}
			for _, name := range field.Names {
				if name.Name != "_" {
					return name.Name
				}
			}
		}
	}
	return ""
}

// internalRoot returns the directory whose tree may import the package at
// dir with import path path, when that path has an internal element.
func internalRoot(path, dir string) (string, bool) {
	parts := strings.Split(path, "/")
	for i := len(parts) - 1; i >= 0; i-- {
		if parts[i] == "internal" {
			for range len(parts) - i {
				dir = filepath.Dir(dir)
			}
			return dir, true
		}
	}
	return "", false
}

// crossPkgKey names a function or method by package path, receiver type
// name and name: one method is a different *types.Func in each package
// that loads it.
func crossPkgKey(fn *types.Func) string {
	fn = fn.Origin()
	if fn.Pkg() == nil {
		return ""
	}
	recv := ""
	if r := fn.Signature().Recv(); r != nil {
		t := types.Unalias(r.Type())
		if pt, ok := t.(*types.Pointer); ok {
			t = types.Unalias(pt.Elem())
		}
		n, ok := t.(*types.Named)
		if !ok {
			return ""
		}
		recv = n.Origin().Obj().Name()
	}
	return fn.Pkg().Path() + "." + recv + "." + fn.Name()
}

// programPasses returns every loaded package, or just p without a program.
func (p *Pass) programPasses() []*Pass {
	if p.Program == nil || len(p.Program.Packages) == 0 {
		return []*Pass{p}
	}
	return p.Program.Packages
}

// A progFuncRef is one use of a function in the loaded packages.
type progFuncRef struct {
	pass  *Pass
	id    *ast.Ident
	call  *ast.CallExpr // the call it is the function of; nil for a value
	owned bool          // in a file some package owns (not generated)
}

// programRefs returns the uses of the function fn (with crossPkgKey key)
// in every loaded file, each file once.
func (p *Pass) programRefs(fn *types.Func, key string) []progFuncRef {
	name, path := fn.Name(), fn.Pkg().Path()
	reaches := map[*types.Package]bool{}
	owners := map[string]bool{}
	for _, q := range p.programPasses() {
		for _, f := range q.Owned {
			owners[q.Fset.File(f.Pos()).Name()] = true
		}
	}
	var refs []progFuncRef
	for _, q := range p.programPasses() {
		// Only the function's own package can name an unexported one, and
		// only a package that imports it, however indirectly, an exported
		// one: there is no other way to an object of that package.
		if fn.Exported() && !importsPath(q.Pkg, path, reaches) || !fn.Exported() && q.Pkg.Path() != path {
			continue
		}
		// The package's uses of the function, from its Uses map: far
		// fewer entries than the nodes of its files.
		var ids []*ast.Ident
		for id, obj := range q.Info.Uses {
			if id.Name != name {
				continue // cheaper than the type switch
			}
			if fn, ok := obj.(*types.Func); ok && crossPkgKey(fn) == key {
				ids = append(ids, id)
			}
		}
		if len(ids) == 0 {
			continue
		}
		slices.SortFunc(ids, func(a, b *ast.Ident) int { return int(a.Pos()) - int(b.Pos()) })
		owned := map[*ast.File]bool{}
		for _, f := range q.Owned {
			owned[f] = true
		}
		for _, f := range q.Files {
			if owners[q.Fset.File(f.Pos()).Name()] && !owned[f] {
				continue // a test variant's copy of a file another package owns
			}
			// ids is in position order, and each file spans its own range.
			lo, _ := slices.BinarySearchFunc(ids, f.FileStart, func(id *ast.Ident, pos token.Pos) int { return int(id.Pos()) - int(pos) })
			hi, _ := slices.BinarySearchFunc(ids, f.FileEnd, func(id *ast.Ident, pos token.Pos) int { return int(id.Pos()) - int(pos) })
			if lo == hi {
				continue
			}
			calls := map[*ast.Ident]*ast.CallExpr{}
			ast.Inspect(f, func(n ast.Node) bool {
				if call, ok := n.(*ast.CallExpr); ok {
					if id := funIdent(q.Info, call.Fun); id != nil {
						calls[id] = call
					}
				}
				return true
			})
			for _, id := range ids[lo:hi] {
				refs = append(refs, progFuncRef{pass: q, id: id, call: calls[id], owned: owned[f]})
			}
		}
	}
	return refs
}

// callRefs returns the uses of the function fn in every loaded file, and,
// for a method, the calls through an interface of the loaded packages that
// may run it: calls of the interface's method whose receiver expression
// has an interface type fn's receiver type implements (a value of its type
// may be behind it). complete is false when some calls cannot be found:
// fn has no package-level name (crossPkgKey), or its receiver type
// implements an interface literal. hidden says its receiver type
// implements an interface with the method declared outside the loaded
// packages (io.Closer): code that is not loaded may call it through that
// interface, and calls of it in the loaded code are not followed (a value
// would have to be converted to it, which is not traced).
func (p *Pass) callRefs(fn *types.Func) (refs []progFuncRef, complete, hidden bool) {
	key := crossPkgKey(fn)
	if key == "" {
		return nil, false, false
	}
	refs = p.programRefs(fn, key)
	recv := fn.Signature().Recv()
	if recv == nil {
		return refs, true, false
	}
	seen := map[*ast.Ident]bool{}
	for _, r := range refs {
		seen[r.id] = true
	}
	t := recv.Type()
	if _, ptr := t.(*types.Pointer); !ptr {
		t = types.NewPointer(t) // the pointer's method set holds the value's
	}
	loaded := map[string]bool{}
	for _, q := range p.programPasses() {
		loaded[q.Pkg.Path()] = true
	}
	keys := map[string]bool{}
	complete = true
	for _, it := range p.programIfaces()[fn.Name()] {
		if !types.Implements(t, it.iface) {
			continue
		}
		m, _ := methodSetLookup(it.iface, fn.Pkg(), fn.Name())
		k := ""
		if m != nil {
			k = crossPkgKey(m)
		}
		switch {
		case k == "":
			complete = false
			continue
		case m.Pkg() == nil || !loaded[m.Pkg().Path()]:
			hidden = true
			continue
		case keys[k]:
			continue
		}
		keys[k] = true
		for _, r := range p.programRefs(m, k) {
			if seen[r.id] {
				continue
			}
			// The receiver expression's interface must be able to hold
			// fn's receiver type.
			if sel, ok := r.pass.selectorOf(r.id); ok {
				if tx := r.pass.Info.TypeOf(sel.X); tx != nil {
					if j, ok := tx.Underlying().(*types.Interface); ok && !types.Implements(t, j) {
						continue
					}
				}
			}
			seen[r.id] = true
			refs = append(refs, r)
		}
	}
	return refs, complete, hidden
}

// callRefsAsserted is callRefs with the calls through an interface
// declared outside the load (io.Closer) followed, where the program can
// reach fn so only by a type assertion: fn's receiver type is never
// converted to an interface that has fn's method (BoxedWith), so a call of
// that method through an interface first asserts a value that may hold
// it (w.(io.Closer)). Every such assertion in the loaded code must be used
// only to call methods at once; complete is false when one is used
// otherwise (stored, passed on, switched on by type), or the model is
// missing.
func (p *Pass) callRefsAsserted(fn *types.Func) ([]progFuncRef, bool) {
	refs, complete, hidden := p.callRefs(fn)
	if !complete || !hidden {
		return refs, complete
	}
	if p.Program == nil || p.Program.Drain().BoxedWith(fn) {
		return nil, false
	}
	more, ok := p.assertedRefs(fn)
	return append(refs, more...), ok
}

// assertedRefs returns the calls of fn's method made on the result of a
// type assertion (x.(io.Closer).Close(), or c.Close() after c, ok :=
// x.(io.Closer)) whose operand may hold fn's receiver type and whose
// interface it implements; ok is false when such an assertion's result
// is used other than to call methods on it, or a type switch may find
// the type in a case with the method.
func (p *Pass) assertedRefs(fn *types.Func) (refs []progFuncRef, ok bool) {
	t := fn.Signature().Recv().Type()
	if _, ptr := t.(*types.Pointer); !ptr {
		t = types.NewPointer(t)
	}
	// may reports whether a value of static type x, asserted to the
	// interface to, may be a t with the method.
	may := func(x, to types.Type) bool {
		xi, ok1 := types.Unalias(x).Underlying().(*types.Interface)
		ti, ok2 := types.Unalias(to).Underlying().(*types.Interface)
		if !ok1 || !ok2 || !types.Implements(t, xi) || !types.Implements(t, ti) {
			return false
		}
		m, _ := methodSetLookup(ti, fn.Pkg(), fn.Name())
		return m != nil
	}
	ok = true
	for _, q := range p.programPasses() {
		for _, f := range q.Files {
			ast.Inspect(f, func(n ast.Node) bool {
				if !ok {
					return false
				}
				switch n := n.(type) {
				case *ast.TypeSwitchStmt:
					x := typeSwitchOperand(n)
					for _, c := range n.Body.List {
						for _, e := range c.(*ast.CaseClause).List {
							if x != nil && may(q.Info.TypeOf(x), q.Info.TypeOf(e)) {
								ok = false
							}
						}
					}
				case *ast.TypeAssertExpr:
					if n.Type != nil && may(q.Info.TypeOf(n.X), q.Info.TypeOf(n.Type)) {
						more, used := q.assertionCalls(n, fn.Name())
						refs, ok = append(refs, more...), used
					}
				}
				return ok
			})
		}
	}
	return refs, ok
}

// typeSwitchOperand returns x of switch x.(type) or switch v := x.(type).
func typeSwitchOperand(n *ast.TypeSwitchStmt) ast.Expr {
	var e ast.Expr
	switch a := n.Assign.(type) {
	case *ast.ExprStmt:
		e = a.X
	case *ast.AssignStmt:
		if len(a.Rhs) == 1 {
			e = a.Rhs[0]
		}
	}
	if ta, ok := e.(*ast.TypeAssertExpr); ok {
		return ta.X
	}
	return nil
}

// assertionCalls returns the calls of the method name made on the result
// of the assertion n: at once (x.(I).Close()) or through the variable it
// defines (c, ok := x.(I); ... c.Close()). ok is false when the result
// is used otherwise.
func (p *Pass) assertionCalls(n *ast.TypeAssertExpr, name string) (refs []progFuncRef, ok bool) {
	path := p.pathTo(n)
	if len(path) < 3 {
		return nil, false
	}
	// call returns the call whose method sel is, if sel is called at once.
	call := func(sel *ast.SelectorExpr, parent ast.Node) (*ast.CallExpr, bool) {
		c, isCall := parent.(*ast.CallExpr)
		return c, isCall && c.Fun == sel
	}
	switch parent := path[1].(type) {
	case *ast.ParenExpr:
		return nil, false
	case *ast.SelectorExpr:
		c, called := call(parent, path[2])
		if !called {
			return nil, false // a method value
		}
		if parent.Sel.Name == name {
			refs = append(refs, progFuncRef{pass: p, id: parent.Sel, call: c})
		}
		return refs, true
	case *ast.AssignStmt:
		if parent.Tok != token.DEFINE || len(parent.Rhs) != 1 || parent.Rhs[0] != n {
			return nil, false
		}
		id, isIdent := parent.Lhs[0].(*ast.Ident)
		if !isIdent {
			return nil, false
		}
		if id.Name == "_" {
			return nil, true
		}
		v, _ := p.Info.Defs[id].(*types.Var)
		fd := funcDeclOf(path)
		if v == nil || fd == nil {
			return nil, false
		}
		ok = true
		ast.Inspect(fd.Body, func(m ast.Node) bool {
			use, isIdent := m.(*ast.Ident)
			if !ok || !isIdent || p.Info.Uses[use] != v {
				return ok
			}
			up := p.pathTo(use)
			sel, isSel := up[1].(*ast.SelectorExpr)
			if !isSel || sel.X != use {
				ok = false
				return false
			}
			c, called := call(sel, up[2])
			if !called {
				ok = false
				return false
			}
			if sel.Sel.Name == name {
				refs = append(refs, progFuncRef{pass: p, id: sel.Sel, call: c})
			}
			return true
		})
		return refs, ok
	}
	return nil, false
}

// selectorOf returns the selector expression x.id whose Sel is id.
func (p *Pass) selectorOf(id *ast.Ident) (*ast.SelectorExpr, bool) {
	path := p.pathTo(id)
	if len(path) < 2 {
		return nil, false
	}
	sel, ok := path[1].(*ast.SelectorExpr)
	return sel, ok && sel.Sel == id
}

// funIdent returns the identifier naming the function a call's Fun denotes
// (f, x.f, pkg.f, f[T]), or nil; a method expression (T.f) is not a plain
// call of f.
func funIdent(info *types.Info, fun ast.Expr) *ast.Ident {
	switch e := ast.Unparen(fun).(type) {
	case *ast.Ident:
		return e
	case *ast.SelectorExpr:
		if sel, ok := info.Selections[e]; ok && sel.Kind() == types.MethodExpr {
			return nil
		}
		return e.Sel
	case *ast.IndexExpr:
		return funIdent(info, e.X)
	case *ast.IndexListExpr:
		return funIdent(info, e.X)
	}
	return nil
}

// ctxCallSite picks the context a call passes as its new first argument: a
// context variable in scope, unless the call is on a shutdown path (after a
// signal or some context's Done, when the contexts in scope are likely the
// ones being cancelled), else a new deadline context declared before the
// call's statement. It returns why not for a deferred call, which runs
// when any context in scope may be over and where a deadline would start
// too early, and for a call that would need a deadline inside an exported
// function of an importable package (a library's API, such as a
// GracefulStop documented to wait for as long as it takes). With fresh,
// the call gets a new deadline even where a context is in scope.
func (p *Pass) ctxCallSite(call *ast.CallExpr, fresh bool) (*CtxCallSite, string) {
	path := p.pathTo(call)
	if len(path) > 1 {
		if d, ok := path[1].(*ast.DeferStmt); ok && d.Call == call {
			return nil, "is deferred: no context in scope is sure to be live when it runs, and a deadline would start too early"
		}
	}
	// A retry runs the call's goroutine again: whatever context it gets
	// bounds one pass (deadlineFix refuses a new deadline too).
	if why := p.retriedRefusal(path); why != "" {
		return nil, why
	}
	if v := p.ContextAt(call.Pos()); v != nil && !fresh && !p.onShutdownPath(path) && ctxLiveIn(path, v) {
		if p.varNeverDone(path, v) {
			// A fresh deadline here would not count what the drain has
			// already spent before this call.
			return nil, "has in scope only " + v.Name() + ", which is never done (its callers hand it context.Background() or a context made from it that nothing cancels before the wait): racing the wait against it would bound nothing; give " + v.Name() + " the drain's deadline where it is made"
		}
		return &CtxCallSite{Call: call, Pass: p, Ctx: v.Name()}, ""
	}
	fd := funcDeclOf(path)
	test := strings.HasSuffix(p.Fset.Position(call.Pos()).Filename, "_test.go")
	if fd != nil && fd.Name.IsExported() && p.Pkg.Name() != "main" && !test {
		if _, internal := internalRoot(p.Pkg.Path(), ""); !internal {
			return nil, "would need a new deadline inside " + fd.Name.Name + ", part of the package's API: a hidden deadline would change what " + fd.Name.Name + " does"
		}
	}
	d, why := p.deadlineFix(path, nil)
	if why != "" {
		return nil, "cannot get a deadline: " + why
	}
	// A drain holding the call may get a context parameter of its own from
	// this rule: the deadline must not take (or reassign) its name.
	if fd != nil && p.mayGetCtxParam(fd) {
		planned := ctxParamName(fd)
		if d.Reuse == planned {
			return nil, "its drain's deadline context has the name the context parameter would get"
		}
		if d.Reuse == "" && (d.Ctx == planned || d.Cancel == planned) {
			d.Ctx, d.Cancel = p.freshPair(d.Place.Stmt, map[string]bool{planned: true})
			if d.Ctx == "" {
				return nil, "no free name for a deadline context"
			}
		}
	}
	return &CtxCallSite{Call: call, Pass: p, Deadline: &d}, ""
}

// varNeverDone reports whether the context variable v, in scope at
// path[0], only ever holds a context that is never done (neverDone, judged
// at a use of v in the function around path[0]): a wait raced against it
// would stay unbounded.
func (p *Pass) varNeverDone(path []ast.Node, v *types.Var) bool {
	var use *ast.Ident
	for _, n := range path {
		fn, ok := n.(*ast.FuncDecl)
		if !ok {
			continue
		}
		ast.Inspect(fn.Body, func(n ast.Node) bool {
			if id, ok := n.(*ast.Ident); ok && use == nil && p.Info.Uses[id] == v {
				use = id
			}
			return use == nil
		})
		break
	}
	return use != nil && p.neverDone(use)
}

// slogErrKey returns how the file's log/slog calls log an error value,
// the first one that does: as slog.Any(key, err) (attr), or as a key
// followed by the error; "err" and false when none does.
func (p *Pass) slogErrKey(f *ast.File) (key string, attr bool) {
	isErr := func(e ast.Expr) bool {
		t := p.Info.TypeOf(e)
		return t != nil && types.Identical(t, types.Universe.Lookup("error").Type())
	}
	lit := func(e ast.Expr) (string, bool) {
		b, ok := ast.Unparen(e).(*ast.BasicLit)
		if !ok || b.Kind != token.STRING {
			return "", false
		}
		v, err := strconv.Unquote(b.Value)
		return v, err == nil
	}
	found := false
	ast.Inspect(f, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if found || !ok {
			return !found
		}
		fn := callee(p.Info, call)
		if fn == nil || fn.Pkg() == nil || fn.Pkg().Path() != "log/slog" {
			return true
		}
		if fn.Name() == "Any" && len(call.Args) == 2 && isErr(call.Args[1]) {
			if k, ok := lit(call.Args[0]); ok {
				key, attr, found = k, true, true
			}
			return !found
		}
		for i := 0; i+1 < len(call.Args); i++ {
			if k, ok := lit(call.Args[i]); ok && i > 0 && isErr(call.Args[i+1]) {
				key, found = k, true
				break
			}
		}
		return !found
	})
	if !found {
		return "err", false
	}
	return key, attr
}

// funcDeclOf returns the function declaration path[0] lies in.
func funcDeclOf(path []ast.Node) *ast.FuncDecl {
	for _, n := range path {
		if fd, ok := n.(*ast.FuncDecl); ok {
			return fd
		}
	}
	return nil
}

// mayGetCtxParam reports whether fd is a drain with an unbounded Wait and
// no context: this rule may give it a context parameter.
func (p *Pass) mayGetCtxParam(fd *ast.FuncDecl) bool {
	if fd.Body == nil {
		return false
	}
	for _, s := range p.groupWaits(fd) {
		if p.drainsBefore(fd, s.Call) && p.ContextAt(s.Call.Pos()) == nil && !p.neverAdded(s.Call) {
			return true
		}
	}
	return false
}

// ctxLiveIn reports whether context v, in scope at path[0], is the
// innermost function's own or is captured by a goroutine's func literal: a
// context captured by another func literal (a deferred one, a callback)
// may be over by the time the literal runs.
func ctxLiveIn(path []ast.Node, v *types.Var) bool {
	for i, n := range path {
		switch n := n.(type) {
		case *ast.FuncDecl:
			return true
		case *ast.FuncLit:
			if within(n, v.Pos()) {
				return true
			}
			if i+2 < len(path) {
				if call, ok := path[i+1].(*ast.CallExpr); ok && call.Fun == n {
					if _, ok := path[i+2].(*ast.GoStmt); ok {
						return true
					}
				}
			}
			return false
		}
	}
	return true
}

// interfaceRequiring returns the name of an interface, declared in a loaded
// package or one it imports (or written as a literal in a loaded package),
// that a type of the loaded packages satisfies through the method fn: its
// signature must not change. Signatures are compared as text, since each
// package has its own copy of the types it imports.
func (p *Pass) interfaceRequiring(fn *types.Func, key string) string {
	candidates := p.programIfaces()[fn.Name()]
	if len(candidates) == 0 {
		return ""
	}
	var holders []types.Type
	for _, q := range p.programPasses() {
		scope := q.Pkg.Scope()
		for _, name := range scope.Names() {
			tn, ok := scope.Lookup(name).(*types.TypeName)
			if !ok || tn.IsAlias() || types.IsInterface(tn.Type()) {
				continue
			}
			t := types.NewPointer(tn.Type())
			if m, ok := methodSetLookup(t, tn.Pkg(), fn.Name()); ok && crossPkgKey(m) == key {
				holders = append(holders, t)
			}
		}
	}
	for _, c := range candidates {
		if _, ok := methodSetLookup(c.iface, fn.Pkg(), fn.Name()); !ok {
			continue
		}
		for _, h := range holders {
			if implementsByText(h, c.iface) {
				return c.name
			}
		}
	}
	return ""
}

// implementsByText reports whether t has every method of iface, with the
// same signature. Signatures are compared as text, since each package has
// its own copy of the types it imports, and without the names of
// parameters and results (Close() (err error) is an io.Closer's Close).
func implementsByText(t types.Type, iface *types.Interface) bool {
	for i := 0; i < iface.NumMethods(); i++ {
		want := iface.Method(i)
		m, ok := methodSetLookup(t, want.Pkg(), want.Name())
		if !ok || sigText(m.Signature()) != sigText(want.Signature()) {
			return false
		}
	}
	return true
}

// sigText writes sig's parameter and result types, without their names.
func sigText(sig *types.Signature) string {
	qual := func(pkg *types.Package) string { return pkg.Path() }
	var b strings.Builder
	tuple := func(t *types.Tuple, variadic bool) {
		b.WriteByte('(')
		for i := 0; i < t.Len(); i++ {
			if i > 0 {
				b.WriteString(", ")
			}
			if variadic && i == t.Len()-1 {
				b.WriteString("...")
				b.WriteString(types.TypeString(t.At(i).Type().(*types.Slice).Elem(), qual))
				continue
			}
			b.WriteString(types.TypeString(t.At(i).Type(), qual))
		}
		b.WriteByte(')')
	}
	tuple(sig.Params(), sig.Variadic())
	tuple(sig.Results(), false)
	return b.String()
}

// A progIface is an interface of the program, with its name for messages
// and the path of the package declaring it ("" for a literal).
type progIface struct {
	name  string
	pkg   string
	iface *types.Interface
}

// programIfaces returns, by method name, the interfaces with methods that
// the loaded packages declare or import (each package once, depth first
// from the loaded ones), then the interface literals written in the loaded
// packages, in package and position order. The program builds it once.
func (p *Pass) programIfaces() map[string][]progIface {
	if p.Program == nil {
		return collectIfaces(p.programPasses())
	}
	p.Program.ifacesOnce.Do(func() { p.Program.ifaces = collectIfaces(p.Program.Packages) })
	return p.Program.ifaces
}

func collectIfaces(passes []*Pass) map[string][]progIface {
	byMethod := map[string][]progIface{}
	add := func(name, pkg string, it *types.Interface) {
		for i := 0; i < it.NumMethods(); i++ {
			m := it.Method(i).Name()
			byMethod[m] = append(byMethod[m], progIface{name, pkg, it})
		}
	}
	seen := map[string]bool{}
	var visit func(pkg *types.Package)
	visit = func(pkg *types.Package) {
		if seen[pkg.Path()] {
			return
		}
		seen[pkg.Path()] = true
		scope := pkg.Scope()
		for _, name := range scope.Names() {
			if tn, ok := scope.Lookup(name).(*types.TypeName); ok {
				if it, ok := tn.Type().Underlying().(*types.Interface); ok {
					add(pkg.Name()+"."+name, pkg.Path(), it)
				}
			}
		}
		for _, imp := range pkg.Imports() {
			visit(imp)
		}
	}
	for _, q := range passes {
		visit(q.Pkg)
	}
	for _, q := range passes {
		var lits []ast.Expr
		for e, tv := range q.Info.Types {
			if it, ok := tv.Type.(*types.Interface); ok && tv.IsType() && it.NumMethods() > 0 {
				lits = append(lits, e)
			}
		}
		slices.SortFunc(lits, func(a, b ast.Expr) int { return int(a.Pos()) - int(b.Pos()) })
		for _, e := range lits {
			add("the interface at "+shortPos(q.Fset, e.Pos()), "", q.Info.Types[e].Type.(*types.Interface))
		}
	}
	return byMethod
}

// methodSetLookup returns the method name of t (in the method set of t).
func methodSetLookup(t types.Type, pkg *types.Package, name string) (*types.Func, bool) {
	obj, _, _ := types.LookupFieldOrMethod(t, false, pkg, name)
	m, ok := obj.(*types.Func)
	return m, ok
}

// unloadedCallers returns why not when a Go file under dir (its whole tree
// when deep) was not loaded (left out by build constraints, -tests=false
// or the patterns) and mentions name: a call there would be left broken.
func (p *Pass) unloadedCallers(dir string, deep bool, name, use string) string {
	loaded := p.loadedFileNames()
	var why string
	_ = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || why != "" {
			return filepath.SkipDir
		}
		if d.IsDir() {
			if path == dir {
				return nil
			}
			base := d.Name()
			if !deep || base == "testdata" || base == "vendor" || strings.HasPrefix(base, ".") || strings.HasPrefix(base, "_") {
				return filepath.SkipDir
			}
			if _, err := os.Stat(filepath.Join(path, "go.mod")); err == nil {
				return filepath.SkipDir // another module
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || loaded[path] {
			return nil
		}
		if fileMentions(path, name) {
			rel, _ := filepath.Rel(dir, path)
			why = fmt.Sprintf("%s was not loaded (build constraints, -tests=false, the patterns, or a vet run of one package) and may %s %s", filepath.ToSlash(rel), use, name)
		}
		return nil
	})
	return why
}

// fileMentions reports whether the Go file at path has an identifier name
// (comments and strings aside), or cannot be read or parsed.
func fileMentions(path, name string) bool {
	src, err := os.ReadFile(path)
	if err != nil {
		return true
	}
	if !bytes.Contains(src, []byte(name)) {
		return false
	}
	f, err := parser.ParseFile(token.NewFileSet(), path, src, parser.SkipObjectResolution)
	if err != nil {
		return true
	}
	found := false
	ast.Inspect(f, func(n ast.Node) bool {
		if id, ok := n.(*ast.Ident); ok && id.Name == name {
			found = true
		}
		return !found
	})
	return found
}

// isPredeclaredError reports whether t is the predeclared error type.
func isPredeclaredError(t types.Type) bool {
	return t == types.Universe.Lookup("error").Type()
}

// shortPos formats pos as file:line.
func shortPos(fset *token.FileSet, pos token.Pos) string {
	at := fset.Position(pos)
	return fmt.Sprintf("%s:%d", filepath.Base(at.Filename), at.Line)
}

// loadedFileNames returns the names of every file the program's packages
// were loaded from.
func (p *Pass) loadedFileNames() map[string]bool {
	loaded := map[string]bool{}
	for _, q := range p.programPasses() {
		for _, f := range q.Files {
			loaded[q.Fset.File(f.Pos()).Name()] = true
		}
	}
	return loaded
}

// unloadedCopies says why a field holding a lock cannot be added to owner
// when code drainfix did not load may copy its values (go vet's
// copylocks would then fail there): a test file of the package left out
// of the load (-tests=false), another file of it that names the type (a
// build constraint), or, when the type is exported, any file of the
// module that was not loaded and names it.
func (p *Pass) unloadedCopies(owner *types.Named, declFile string) string {
	dir := filepath.Dir(declFile)
	// A test of the package may copy one without naming the type (c :=
	// *New()): any test file left out of the load is a reason.
	loaded := p.loadedFileNames()
	tests, _ := filepath.Glob(filepath.Join(dir, "*_test.go"))
	for _, t := range tests {
		if !loaded[t] {
			return fmt.Sprintf("%s was not loaded (-tests=false, or a build constraint) and may copy a value of %s", filepath.Base(t), owner.Obj().Name())
		}
	}
	if why := p.unloadedCallers(dir, false, owner.Obj().Name(), "copy a value of"); why != "" {
		return why
	}
	if !owner.Obj().Exported() {
		return ""
	}
	root := dir
	for {
		if _, err := os.Stat(filepath.Join(root, "go.mod")); err == nil {
			break
		}
		up := filepath.Dir(root)
		if up == root {
			return ""
		}
		root = up
	}
	return p.unloadedCallers(root, true, owner.Obj().Name(), "copy a value of")
}
