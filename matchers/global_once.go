package matchers

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"strconv"
	"strings"
)

// GlobalOnce: a package-level sync.Once used only by the methods of one
// type.
//
// A Once guarding a method's work (closing a queue in Drain, say) belongs
// to the value the method works on. At package level it is shared by every
// value of the type: the first one drained uses it up, and every other one
// is never drained, its queue never closed and its workers never told to
// stop. A lazy-init Once used by package functions, or one shared by
// several types on purpose, is correct and not reported.
//
//	var once sync.Once                      // bad
//
//	func (s *Server) Drain() {
//		once.Do(func() { close(s.queue) })
//	}
//
//	type Server struct {
//		once  sync.Once                     // good
//		queue chan Job
//	}
//
//	func (s *Server) Drain() {
//		s.once.Do(func() { close(s.queue) })
//	}
func GlobalOnce(p *Pass) []Finding {
	if !imports(p.Pkg, "sync") {
		return nil
	}
	var found []Finding
	for _, f := range p.ownedFiles() {
		for _, d := range f.Decls {
			gd, ok := d.(*ast.GenDecl)
			if !ok || gd.Tok != token.VAR {
				continue
			}
			for _, spec := range gd.Specs {
				vs := spec.(*ast.ValueSpec)
				for _, name := range vs.Names {
					v, ok := p.Info.Defs[name].(*types.Var)
					if !ok || !isOnceValue(v.Type()) {
						continue
					}
					uses := p.onceUses(v)
					owner := methodsOwner(uses)
					if owner == nil || !stopsAReceiver(uses) {
						continue
					}
					fnd := Finding{
						Pos: name.Pos(), End: name.End(),
						Message: fmt.Sprintf("package-level sync.Once %s is used only by methods of %s: every %s shares it, so only the first one does the work; make it a field", v.Name(), owner.Obj().Name(), owner.Obj().Name()),
					}
					fix, why := p.globalOnceFix(f, gd, vs, v, owner, uses)
					if fix != nil {
						fnd.Fix = fix
						fnd.Touches = fix.touches(p, f)
					} else {
						fnd.NoFix = why
					}
					found = append(found, fnd)
				}
			}
		}
	}
	return found
}

// A GlobalOnceFix moves a package-level Once into a struct as Field and
// makes every use go through the method's receiver.
type GlobalOnceFix struct {
	Decl   *ast.GenDecl
	Spec   *ast.ValueSpec // removed; with Decl when it is its only spec
	Struct *ast.StructType
	Field  string
	// AtEnd puts the field last rather than first: first would move a
	// 64-bit field that sync/atomic needs 8-aligned on 32-bit platforms.
	AtEnd bool
	Uses  []OnceUse
	// Import is the file's import of sync, removed when the variable was
	// its only use there; nil otherwise.
	Import *ast.ImportSpec
}

// A OnceUse is once in once.Do(...), to become Recv.Field.
type OnceUse struct {
	Sel  *ast.SelectorExpr // once.Do
	Recv string
}

func (fx *GlobalOnceFix) touches(p *Pass, file *ast.File) []token.Pos {
	name := func(pos token.Pos) string { return p.Fset.Position(pos).Filename }
	var ts []token.Pos
	seen := map[string]bool{name(file.Pos()): true}
	add := func(pos token.Pos) {
		if !seen[name(pos)] {
			seen[name(pos)] = true
			ts = append(ts, pos)
		}
	}
	add(fx.Struct.Pos())
	for _, u := range fx.Uses {
		add(u.Sel.Pos())
	}
	return ts
}

// isOnceValue reports whether t is sync.Once itself, not a pointer to it.
func isOnceValue(t types.Type) bool {
	_, isPtr := types.Unalias(t).(*types.Pointer)
	return !isPtr && isNamed(t, "sync", "Once")
}

// A onceUse is one use of the package-level Once.
type onceUse struct {
	pass *Pass
	id   *ast.Ident
	fd   *ast.FuncDecl // the function declaration holding it; nil at package level
	recv *types.Named  // its receiver's type, nil for a function
}

// onceUses returns the uses of v in every loaded variant of its package
// (its test variant holds the package's _test.go files too), each file
// once.
func (p *Pass) onceUses(v *types.Var) []onceUse {
	at := p.Fset.Position(v.Pos())
	seen := map[string]bool{}
	var uses []onceUse
	for _, q := range p.programPasses() {
		if q.Pkg.Path() != p.Pkg.Path() && q.Pkg.Path() != p.Pkg.Path()+"_test" {
			continue
		}
		for _, f := range q.Files {
			fname := q.Fset.File(f.Pos()).Name()
			if seen[fname] {
				continue
			}
			seen[fname] = true
			for _, d := range f.Decls {
				fd, _ := d.(*ast.FuncDecl)
				ast.Inspect(d, func(n ast.Node) bool {
					id, ok := n.(*ast.Ident)
					if !ok || id.Name != v.Name() { // the name first: cheaper than the look-up
						return true
					}
					u, ok := q.Info.Uses[id].(*types.Var)
					if !ok || u.Pkg() == nil || u.Pkg().Path() != p.Pkg.Path() || q.Fset.Position(u.Pos()) != at {
						return true
					}
					use := onceUse{pass: q, id: id, fd: fd}
					if fd != nil && fd.Recv != nil {
						if fn, ok := q.Info.Defs[fd.Name].(*types.Func); ok {
							use.recv = receiverNamed(fn)
						}
					}
					uses = append(uses, use)
					return true
				})
			}
		}
	}
	return uses
}

// methodsOwner returns the type whose methods hold every use, or nil when
// a use is outside a method or the methods are of several types.
func methodsOwner(uses []onceUse) *types.Named {
	var owner *types.Named
	for _, u := range uses {
		if u.recv == nil {
			return nil
		}
		if owner != nil && owner.Obj().Name() != u.recv.Obj().Name() {
			return nil
		}
		owner = u.recv
	}
	return owner
}

// stopsAReceiver reports whether a func literal given to once.Do stops
// something of the method's receiver: the Once guards per-value drain work,
// not a package-wide init.
func stopsAReceiver(uses []onceUse) bool {
	for _, u := range uses {
		path := u.pass.pathTo(u.id)
		if len(path) < 3 || len(u.fd.Recv.List[0].Names) == 0 {
			continue
		}
		call, ok := path[2].(*ast.CallExpr)
		if !ok || len(call.Args) != 1 {
			continue
		}
		lit, ok := ast.Unparen(call.Args[0]).(*ast.FuncLit)
		if !ok {
			continue
		}
		recv := u.pass.Info.Defs[u.fd.Recv.List[0].Names[0]]
		stops := false
		ast.Inspect(lit.Body, func(n ast.Node) bool {
			if c, ok := n.(*ast.CallExpr); ok && !stops {
				stops = u.pass.stopsVia(c, recv)
			}
			return !stops
		})
		if stops {
			return true
		}
	}
	return false
}

// stopsVia reports whether call stops something reached from recv:
// close(recv.ch), recv.cancel(), recv.wg.Wait(), recv.conn.Close() and
// the like (a method named as a drain, or Cancel).
func (p *Pass) stopsVia(call *ast.CallExpr, recv types.Object) bool {
	rooted := func(e ast.Expr) bool {
		for {
			switch x := ast.Unparen(e).(type) {
			case *ast.Ident:
				return recv != nil && p.Info.Uses[x] == recv
			case *ast.SelectorExpr:
				e = x.X
			case *ast.StarExpr:
				e = x.X
			default:
				return false
			}
		}
	}
	if id, ok := ast.Unparen(call.Fun).(*ast.Ident); ok {
		b, ok := p.Info.Uses[id].(*types.Builtin)
		return ok && b.Name() == "close" && len(call.Args) == 1 && rooted(call.Args[0])
	}
	sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr)
	if !ok || !rooted(sel.X) {
		return false
	}
	t := p.Info.TypeOf(call.Fun)
	if isNamed(t, "context", "CancelFunc") || isNamed(t, "context", "CancelCauseFunc") || p.isGroupWait(call) {
		return true
	}
	return isWaitDrainName(sel.Sel.Name) || strings.EqualFold(sel.Sel.Name, "cancel")
}

// globalOnceFix checks that the Once can become a field of owner, or says
// why not.
func (p *Pass) globalOnceFix(file *ast.File, gd *ast.GenDecl, vs *ast.ValueSpec, v *types.Var, owner *types.Named, uses []onceUse) (*GlobalOnceFix, string) {
	if v.Exported() {
		return nil, "the variable is exported: other packages may use it"
	}
	if len(vs.Names) != 1 || !zeroOnce(p.Info, vs) {
		return nil, "the variable is declared together with others or with an initial value"
	}
	st := p.structDecl(owner)
	if st == nil {
		return nil, owner.Obj().Name() + " is not declared as a struct type in this package"
	}
	fix := &GlobalOnceFix{Decl: gd, Spec: vs, Struct: st}
	for _, u := range uses {
		sel, recv, why := u.pass.onceDoThroughRecv(u)
		if why != "" {
			return nil, why
		}
		fix.Uses = append(fix.Uses, OnceUse{Sel: sel, Recv: recv})
	}
	ptrT := types.NewPointer(owner)
	for _, name := range []string{v.Name(), "once", v.Name() + "2"} {
		if obj, _, _ := types.LookupFieldOrMethod(ptrT, false, owner.Obj().Pkg(), name); obj == nil {
			fix.Field = name
			break
		}
	}
	if fix.Field == "" {
		return nil, "no free field name in " + owner.Obj().Name()
	}
	if why := p.fieldAddable(owner); why != "" {
		return nil, why
	}
	if why := p.unloadedCopies(owner, p.Fset.File(owner.Obj().Pos()).Name()); why != "" {
		return nil, why
	}
	fix.AtEnd = !p.keepsAtomicAlignment(st, 0, v.Type())
	if !p.declaresStruct(file, st) {
		fix.Import = p.lastSyncUse(file, vs)
	}
	return fix, ""
}

// zeroOnce reports whether the spec declares a zero sync.Once: with the
// type and no value, or with the value sync.Once{}.
func zeroOnce(info *types.Info, vs *ast.ValueSpec) bool {
	if len(vs.Values) == 0 {
		return vs.Type != nil
	}
	lit, ok := ast.Unparen(vs.Values[0]).(*ast.CompositeLit)
	return ok && vs.Type == nil && len(lit.Elts) == 0 && isOnceValue(info.TypeOf(lit))
}

// structDecl returns the struct literal owner is declared with in this
// package, or nil.
func (p *Pass) structDecl(owner *types.Named) *ast.StructType {
	for _, f := range p.Files {
		for _, d := range f.Decls {
			gd, ok := d.(*ast.GenDecl)
			if !ok || gd.Tok != token.TYPE {
				continue
			}
			for _, s := range gd.Specs {
				ts := s.(*ast.TypeSpec)
				if p.Info.Defs[ts.Name] != owner.Obj() || ts.Assign.IsValid() {
					continue
				}
				st, _ := ts.Type.(*ast.StructType)
				return st
			}
		}
	}
	return nil
}

// onceDoThroughRecv checks that a use is once.Do(...) in a method with a
// named pointer receiver that the use can see, and returns the selector
// and the receiver's name.
func (p *Pass) onceDoThroughRecv(u onceUse) (*ast.SelectorExpr, string, string) {
	at := shortPos(p.Fset, u.id.Pos())
	path := p.pathTo(u.id)
	if len(path) < 3 {
		return nil, "", "the variable is used other than in once.Do(...) at " + at
	}
	sel, ok := path[1].(*ast.SelectorExpr)
	call, ok2 := path[2].(*ast.CallExpr)
	if !ok || !ok2 || sel.X != u.id || call.Fun != sel || !isMethod(callee(p.Info, call), "sync", "Once", "Do") {
		return nil, "", "the variable is used other than in once.Do(...) at " + at
	}
	recv := u.fd.Recv.List[0]
	if _, ok := recv.Type.(*ast.StarExpr); !ok || len(recv.Names) == 0 || recv.Names[0].Name == "_" {
		return nil, "", "the method at " + shortPos(p.Fset, u.fd.Pos()) + " has no named pointer receiver"
	}
	name := recv.Names[0]
	rv := p.Info.Defs[name]
	if _, obj := p.Pkg.Scope().Innermost(u.id.Pos()).LookupParent(name.Name, u.id.Pos()); obj != rv {
		return nil, "", "the receiver " + name.Name + " is shadowed at " + at
	}
	return sel, name.Name, ""
}

// fieldAddable returns why not when a new field would break code or vet:
// an unkeyed composite literal of owner, or, when owner holds no lock yet
// (so go vet's copylocks would start to report), a copy of an owner value:
// a value receiver, parameter, result, field or range variable of the
// type, or a value used other than by selecting from it or taking its
// address.
func (p *Pass) fieldAddable(owner *types.Named) string {
	same := func(t types.Type) bool {
		n, ok := types.Unalias(t).(*types.Named)
		return ok && n.Obj().Name() == owner.Obj().Name() && n.Obj().Pkg() != nil && n.Obj().Pkg().Path() == owner.Obj().Pkg().Path()
	}
	locked := holdsNoCopyValue(owner.Underlying(), 0)
	name := owner.Obj().Name()
	var why string
	for _, q := range p.programPasses() {
		for _, f := range q.Owned {
			var stack []ast.Node
			ast.Inspect(f, func(n ast.Node) bool {
				if n == nil {
					stack = stack[:len(stack)-1]
					return true
				}
				if why != "" {
					return false
				}
				var parent ast.Node
				if len(stack) > 0 {
					parent = stack[len(stack)-1]
				}
				why = q.copiesOrBreaks(n, parent, same, locked, name)
				if why != "" {
					return false
				}
				stack = append(stack, n)
				return true
			})
		}
	}
	return why
}

// copiesOrBreaks returns why not for one node (see fieldAddable).
func (p *Pass) copiesOrBreaks(n, parent ast.Node, same func(types.Type) bool, locked bool, name string) string {
	if id, ok := n.(*ast.Ident); ok {
		if v, ok := p.Info.Defs[id].(*types.Var); ok && !locked && same(v.Type()) {
			if _, ok := parent.(*ast.ValueSpec); !ok {
				return "the " + name + " value " + id.Name + " at " + shortPos(p.Fset, id.Pos()) + " is a copy: with a sync.Once field, go vet would report it"
			}
		}
	}
	e, ok := n.(ast.Expr)
	if !ok {
		return ""
	}
	tv, ok := p.Info.Types[e]
	if !ok || tv.IsType() || !same(tv.Type) {
		return ""
	}
	if lit, ok := e.(*ast.CompositeLit); ok && len(lit.Elts) > 0 {
		if _, keyed := lit.Elts[0].(*ast.KeyValueExpr); !keyed {
			return "the unkeyed composite literal of " + name + " at " + shortPos(p.Fset, lit.Pos()) + " would lack the new field"
		}
	}
	if !locked && !addressedOnly(e, parent) {
		return "a value of " + name + " is copied at " + shortPos(p.Fset, e.Pos()) + ": with a sync.Once field, go vet would report the copy"
	}
	return ""
}

// addressedOnly reports whether the value e of a struct type is used
// without being copied: its field or method is selected, or its address is
// taken.
func addressedOnly(e ast.Expr, parent ast.Node) bool {
	switch pa := parent.(type) {
	case *ast.SelectorExpr:
		return pa.X == e
	case *ast.UnaryExpr:
		return pa.Op == token.AND
	}
	return false
}

// holdsNoCopyValue reports whether a value of type t holds a sync type that
// must not be copied (so a copy is already an error go vet reports).
func holdsNoCopyValue(t types.Type, depth int) bool {
	if depth > 8 {
		return false
	}
	if n, ok := types.Unalias(t).(*types.Named); ok {
		if obj := n.Obj(); obj.Pkg() != nil && obj.Pkg().Path() == "sync" {
			switch obj.Name() {
			case "Mutex", "RWMutex", "WaitGroup", "Once", "Cond", "Map", "Pool":
				return true
			}
		}
	}
	switch u := t.Underlying().(type) {
	case *types.Struct:
		for i := 0; i < u.NumFields(); i++ {
			if holdsNoCopyValue(u.Field(i).Type(), depth+1) {
				return true
			}
		}
	case *types.Array:
		return u.Len() > 0 && holdsNoCopyValue(u.Elem(), depth+1)
	}
	return false
}

// declaresStruct reports whether st lies in file.
func (p *Pass) declaresStruct(file *ast.File, st *ast.StructType) bool {
	return file.FileStart <= st.Pos() && st.Pos() <= file.FileEnd
}

// lastSyncUse returns the file's import of sync when the spec holds its
// only use in the file, so that removing the spec must remove the import.
func (p *Pass) lastSyncUse(file *ast.File, vs *ast.ValueSpec) *ast.ImportSpec {
	var imp *ast.ImportSpec
	for _, s := range file.Imports {
		if path, _ := strconv.Unquote(s.Path.Value); path == "sync" {
			imp = s
		}
	}
	if imp == nil {
		return nil
	}
	others := false
	ast.Inspect(file, func(n ast.Node) bool {
		id, ok := n.(*ast.Ident)
		if !ok || others {
			return !others
		}
		if pn, ok := p.Info.Uses[id].(*types.PkgName); ok && pn.Imported().Path() == "sync" && !within(vs, id.Pos()) {
			others = true
		}
		return true
	})
	if others {
		return nil
	}
	return imp
}
