package matchers

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"path/filepath"
	"slices"
)

// A SendCloseRaceFix adds the fields Mu (a sync.Mutex) and Flag (a bool)
// after the channel's field After in Struct, guards each send with
//
//	Recv.Mu.Lock(); defer Recv.Mu.Unlock(); if Recv.Flag { return errors.New("closed") }
//
// and turns each close statement into
//
//	Recv.Mu.Lock(); if !Recv.Flag { Recv.Flag = true; close(...) }; Recv.Mu.Unlock()
type SendCloseRaceFix struct {
	Struct   *ast.StructType
	After    *ast.Field
	Chan     string // the channel field's name, for the new fields' comment
	Mu, Flag string
	Sends    []GuardedSend
	Closes   []GuardedClose
}

// A GuardedSend is a send to guard: the guard goes before Place.
type GuardedSend struct {
	Place StmtPlace
	Recv  string
}

// A GuardedClose is a close statement to put under the guard.
type GuardedClose struct {
	Place StmtPlace // Place.Stmt is the close statement
	Recv  string
}

// sendCloseFix plans the guard for the channel field, or says why not.
func (p *Pass) sendCloseFix(field *types.Var, u *chanFieldUse, racing []chanUse) (*SendCloseRaceFix, string) {
	st, after := p.chanStructDecl(u.named, field)
	if st == nil {
		return nil, u.named.Obj().Name() + " is not a struct type declared in this package"
	}
	if p.Pkg.Scope().Lookup("bool") != nil {
		return nil, "bool is redefined in the package"
	}
	if why := p.lockCopyRisk(u.named); why != "" {
		return nil, why
	}
	if why := p.unloadedCopies(u.named, p.Fset.File(u.named.Obj().Pos()).Name()); why != "" {
		return nil, why
	}
	if why := p.unkeyedLiteral(u.named); why != "" {
		return nil, why
	}
	for _, r := range u.remade {
		return nil, r.fd.Name.Name + " stores a new channel in " + field.Name() + ": a closed flag would stay set for it"
	}
	// After the channel's field, unless that would move a 64-bit field
	// sync/atomic needs 8-aligned on 32-bit platforms: then last.
	for i, f := range st.Fields.List {
		if f == after && !p.keepsAtomicAlignment(st, i+1, p.syncMutexType(), types.Typ[types.Bool]) {
			after = st.Fields.List[len(st.Fields.List)-1]
		}
	}
	fix := &SendCloseRaceFix{Struct: st, After: after, Chan: field.Name()}
	fix.Mu = p.freeFieldName(u.named, "", "closeMu", field.Name()+"Mu")
	fix.Flag = p.freeFieldName(u.named, fix.Mu, "closed", field.Name()+"Closed")
	if fix.Mu == "" || fix.Flag == "" {
		return nil, "no free field names for the mutex and the closed flag"
	}

	sends := map[*ast.FuncDecl]bool{}
	for _, s := range u.sends {
		sends[s.fd] = true
	}
	senders := map[*ast.FuncDecl]bool{}
	var senderFuncs []*types.Func
	for _, s := range racing {
		if senders[s.fd] {
			return nil, s.fd.Name.Name + " sends on the channel more than once"
		}
		senders[s.fd] = true
		if fn, ok := p.Info.Defs[s.fd.Name].(*types.Func); ok {
			senderFuncs = append(senderFuncs, fn)
		}
	}
	for _, s := range racing {
		g, why := p.guardSend(s, senderFuncs)
		if why != "" {
			return nil, why
		}
		fix.Sends = append(fix.Sends, g)
	}
	for _, c := range u.closes {
		if sends[c.fd] {
			return nil, c.fd.Name.Name + " both sends on the channel and closes it"
		}
		g, why := p.guardClose(c)
		if why != "" {
			return nil, why
		}
		fix.Closes = append(fix.Closes, g)
	}
	return fix, ""
}

// guardSend plans the guard before the send s.
func (p *Pass) guardSend(s chanUse, senders []*types.Func) (GuardedSend, string) {
	name := s.fd.Name.Name
	fn, _ := p.Info.Defs[s.fd.Name].(*types.Func)
	if fn == nil {
		return GuardedSend{}, "no type information for " + name
	}
	res := fn.Signature().Results()
	if res.Len() != 1 || !isErrorType(res.At(0).Type()) {
		return GuardedSend{}, name + " does not return just an error, so it cannot report that the channel is closed; make it return error"
	}
	if _, ft := funcBody(s.path); ft != s.fd.Type {
		return GuardedSend{}, "the send in " + name + " is in a function literal"
	}
	if inLoop(s.path) {
		return GuardedSend{}, "the send in " + name + " is in a loop, where a deferred unlock would not run between the sends"
	}
	place, ok := stmtPlace(s.path)
	if !ok {
		return GuardedSend{}, "the send in " + name + " is not in a statement list"
	}
	if _, labelled := place.Stmt.(*ast.LabeledStmt); labelled {
		return GuardedSend{}, "the send in " + name + " is labelled"
	}
	if !p.recvSeenAt(s.recv, place.Stmt.Pos()) {
		return GuardedSend{}, "the receiver of " + name + " is shadowed at the send"
	}
	calls := false
	ast.Inspect(s.fd.Body, func(n ast.Node) bool {
		if call, ok := n.(*ast.CallExpr); ok && slices.Contains(senders, callee(p.Info, call)) {
			calls = true
		}
		return !calls
	})
	if calls {
		return GuardedSend{}, name + " calls a method that sends on the channel, which would wait for the guard it holds"
	}
	// From the send itself: a send that is a select case is followed by
	// its case's body.
	if what := p.blocksAfter(s.fd.Body, s.stmt); what != "" {
		return GuardedSend{}, fmt.Sprintf("the guard's deferred unlock would hold it across %s, which can block: a close would wait for it, where before the close could end it", what)
	}
	return GuardedSend{Place: place, Recv: s.recv.Name()}, ""
}

// guardClose plans the guard around the close c.
func (p *Pass) guardClose(c chanUse) (GuardedClose, string) {
	name := c.fd.Name.Name
	place, ok := stmtPlace(c.path)
	es, isExpr := place.Stmt.(*ast.ExprStmt)
	if !ok || !isExpr || ast.Unparen(es.X) != c.call {
		return GuardedClose{}, "the close in " + name + " is not a statement of its own (deferred, or part of an expression)"
	}
	if !p.recvSeenAt(c.recv, es.Pos()) {
		return GuardedClose{}, "the receiver of " + name + " is shadowed at the close"
	}
	if _, obj := p.Pkg.Scope().Innermost(es.Pos()).LookupParent("true", es.Pos()); obj != types.Universe.Lookup("true") {
		return GuardedClose{}, "true is redefined in " + name
	}
	return GuardedClose{Place: place, Recv: c.recv.Name()}, ""
}

// recvSeenAt reports whether the receiver is seen under its name at pos.
func (p *Pass) recvSeenAt(recv *types.Var, pos token.Pos) bool {
	scope := p.Pkg.Scope().Innermost(pos)
	if scope == nil {
		return false
	}
	_, obj := scope.LookupParent(recv.Name(), pos)
	return obj == recv
}

// chanStructDecl returns the struct type literal of the declaration of named and
// the field declaring field in it.
func (p *Pass) chanStructDecl(named *types.Named, field *types.Var) (*ast.StructType, *ast.Field) {
	for _, f := range p.Files {
		for _, d := range f.Decls {
			gd, ok := d.(*ast.GenDecl)
			if !ok || gd.Tok != token.TYPE {
				continue
			}
			for _, spec := range gd.Specs {
				ts := spec.(*ast.TypeSpec)
				if ts.Name.Pos() != named.Obj().Pos() || ts.Assign.IsValid() {
					continue
				}
				st, ok := ts.Type.(*ast.StructType)
				if !ok {
					return nil, nil
				}
				for _, fl := range st.Fields.List {
					for _, n := range fl.Names {
						if p.Info.Defs[n] == field {
							return st, fl
						}
					}
				}
				return nil, nil
			}
		}
	}
	return nil, nil
}

// lockCopyRisk says why adding a mutex to named could make go vet report
// copies of it: a method with a value receiver, or a parameter, result or
// field of the type itself. A type that already holds a lock is copied
// (or not) the same way after the fix, and is not examined.
func (p *Pass) lockCopyRisk(named *types.Named) string {
	st := named.Underlying().(*types.Struct)
	for i := 0; i < st.NumFields(); i++ {
		if holdsSyncValue(st.Field(i).Type(), 0) {
			return ""
		}
	}
	for i := 0; i < named.NumMethods(); i++ {
		if _, ptr := named.Method(i).Signature().Recv().Type().(*types.Pointer); !ptr {
			return named.Method(i).Name() + " has a value receiver: a mutex in " + named.Obj().Name() + " would be copied"
		}
	}
	risky := ""
	for _, f := range p.Files {
		ast.Inspect(f, func(n ast.Node) bool {
			fl, ok := n.(*ast.Field)
			if ok && risky == "" {
				if t := p.Info.TypeOf(fl.Type); t != nil && chanOwner(t) == named && t == types.Type(named) {
					risky = "a value of " + named.Obj().Name() + " is passed, returned or stored by value: its new mutex would be copied"
				}
			}
			return risky == ""
		})
	}
	return risky
}

// holdsSyncValue reports whether t (a struct or array holding it, not a pointer)
// contains a value of a sync or sync/atomic type.
func holdsSyncValue(t types.Type, depth int) bool {
	if depth > 5 {
		return false
	}
	if n, ok := types.Unalias(t).(*types.Named); ok && n.Obj().Pkg() != nil {
		switch n.Obj().Pkg().Path() {
		case "sync", "sync/atomic":
			return true
		}
	}
	switch u := t.Underlying().(type) {
	case *types.Struct:
		for i := 0; i < u.NumFields(); i++ {
			if holdsSyncValue(u.Field(i).Type(), depth+1) {
				return true
			}
		}
	case *types.Array:
		return holdsSyncValue(u.Elem(), depth+1)
	}
	return false
}

// unkeyedLiteral says why a new field would break a composite literal of
// named written without field names, in any package of the run.
func (p *Pass) unkeyedLiteral(named *types.Named) string {
	path, name := named.Obj().Pkg().Path(), named.Obj().Name()
	found := ""
	reaches := map[*types.Package]bool{}
	for _, pass := range p.Program.Packages {
		// Only a package that imports the type's, however indirectly, can
		// write a literal of it (its type may be elided there: []pkg.T{{…}}).
		if !importsPath(pass.Pkg, path, reaches) {
			continue
		}
		for _, f := range pass.Owned {
			ast.Inspect(f, func(n ast.Node) bool {
				lit, ok := n.(*ast.CompositeLit)
				if !ok || found != "" || len(lit.Elts) == 0 {
					return found == ""
				}
				if _, keyed := lit.Elts[0].(*ast.KeyValueExpr); keyed {
					return true
				}
				if ln := chanOwner(pass.Info.TypeOf(lit)); ln != nil && ln.Obj().Pkg() != nil &&
					ln.Obj().Pkg().Path() == path && ln.Obj().Name() == name {
					pos := pass.Fset.Position(lit.Pos())
					found = fmt.Sprintf("a %s{...} literal without field names (%s:%d) would no longer compile with new fields", name, filepath.Base(pos.Filename), pos.Line)
				}
				return found == ""
			})
		}
	}
	return found
}

// freeFieldName returns the first of the candidates (then the first with 2, 3,
// … appended) that names no field or method of named and is not other.
func (p *Pass) freeFieldName(named *types.Named, other string, cands ...string) string {
	free := func(n string) bool {
		obj, _, _ := types.LookupFieldOrMethod(types.NewPointer(named), true, p.Pkg, n)
		return obj == nil && n != other
	}
	for _, c := range cands {
		if free(c) {
			return c
		}
	}
	for i := 2; i < 100; i++ {
		if c := fmt.Sprintf("%s%d", cands[0], i); free(c) {
			return c
		}
	}
	return ""
}

// sendCloseTouches lists a position in each file other than the one
// holding pos that the fix changes.
func (p *Pass) sendCloseTouches(pos token.Pos, fix *SendCloseRaceFix) []token.Pos {
	home := p.Fset.File(pos)
	seen := map[*token.File]bool{home: true}
	var touches []token.Pos
	add := func(at token.Pos) {
		if tf := p.Fset.File(at); tf != nil && !seen[tf] {
			seen[tf] = true
			touches = append(touches, at)
		}
	}
	add(fix.Struct.Pos())
	for _, s := range fix.Sends {
		add(s.Place.Stmt.Pos())
	}
	for _, c := range fix.Closes {
		add(c.Place.Stmt.Pos())
	}
	return touches
}

// blocksAfter describes the first thing after the statement st in body
// (to the function's end, outside func literals and go statements) that
// can block: a call cannotBlock does not clear, a send, a receive, or a
// select without a default; "" when there is none.
func (p *Pass) blocksAfter(body *ast.BlockStmt, st ast.Stmt) string {
	// A select case's send or receive is tried with the others: the
	// select blocks as a whole (judged below), not each comm.
	var comms []ast.Node
	ast.Inspect(body, func(n ast.Node) bool {
		if cc, ok := n.(*ast.CommClause); ok && cc.Comm != nil {
			comms = append(comms, cc.Comm)
		}
		return true
	})
	inComm := func(n ast.Node) bool {
		return slices.ContainsFunc(comms, func(c ast.Node) bool { return c.Pos() <= n.Pos() && n.End() <= c.End() })
	}
	what := ""
	ast.Inspect(body, func(n ast.Node) bool {
		if what != "" {
			return false
		}
		switch n := n.(type) {
		case *ast.FuncLit, *ast.GoStmt:
			return false
		case *ast.SelectStmt:
			if n.Pos() > st.End() {
				if !hasDefault(n) {
					what = fmt.Sprintf("the select on line %d", p.Fset.Position(n.Pos()).Line)
				}
				// Its cases' sends and receives are tried, not waited on.
				for _, c := range n.Body.List {
					for _, b := range c.(*ast.CommClause).Body {
						ast.Inspect(b, func(m ast.Node) bool {
							if what != "" {
								return false
							}
							if call, ok := m.(*ast.CallExpr); ok && !p.cannotBlock(call) {
								what = fmt.Sprintf("%s on line %d", types.ExprString(call.Fun), p.Fset.Position(call.Pos()).Line)
							}
							return what == ""
						})
					}
				}
				return false
			}
		case *ast.SendStmt:
			if n.Pos() > st.End() && !inComm(n) {
				what = fmt.Sprintf("the send on line %d", p.Fset.Position(n.Pos()).Line)
			}
		case *ast.UnaryExpr:
			if n.Op == token.ARROW && n.Pos() > st.End() && !inComm(n) {
				what = fmt.Sprintf("the receive on line %d", p.Fset.Position(n.Pos()).Line)
			}
		case *ast.CallExpr:
			if n.Pos() > st.End() && !p.cannotBlock(n) {
				what = fmt.Sprintf("%s on line %d", types.ExprString(n.Fun), p.Fset.Position(n.Pos()).Line)
			}
		}
		return what == ""
	})
	return what
}
