package matchers

import (
	"fmt"
	"go/ast"
	"go/constant"
	"go/token"
	"go/types"
	"slices"
	"time"
)

// ServerClose: (*http.Server).Close on a shutdown path.
//
// Close cuts every open connection at once: requests in flight get a reset
// instead of a response. After a termination signal (or a context's Done)
// the server should be drained with Shutdown under a deadline. Close after
// a Shutdown of the same server (the fallback when the drain fails) is
// correct and not reported.
//
//	<-stop
//	srv.Close()                         // bad
//
//	<-stop
//	ctx, cancel := context.WithTimeout(context.Background(), 25*time.Second)
//	defer cancel()
//	srv.Shutdown(ctx)                   // good
func ServerClose(p *Pass) []Finding {
	if !imports(p.Pkg, "net/http") {
		return nil
	}
	var found []Finding
	for _, f := range p.Owned {
		p.inspectCallees(f, func(n ast.Node, fn *types.Func) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || !isMethod(fn, "net/http", "Server", "Close") {
				return true
			}
			sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr)
			if !ok {
				return true
			}
			path := p.pathTo(call)
			if !p.onShutdownPath(path) || p.shutDownBefore(path, sel.X, call) {
				return true
			}
			fd := Finding{
				Pos: call.Pos(), End: call.End(),
				Message: "(*http.Server).Close on the shutdown path cuts in-flight requests; drain with Shutdown under a deadline",
			}
			if why := p.ctxWaitOffDrain(path, call); why != "" {
				fd.Harmless = why
				found = append(found, fd)
				return true
			}
			if alt := p.gracefulSibling(path); alt != "" {
				fd.Harmless = "the code chooses between this Close and a drain with Shutdown (" + alt + ") on purpose: where it closes, it does so instead of a drain it has ruled out"
				found = append(found, fd)
				return true
			}
			if said := p.toldCtrlC(); said != "" {
				fd.Harmless = fmt.Sprintf(harmlessInteractive, said)
				found = append(found, fd)
				return true
			}
			if d := p.shortWriteTimeout(sel.X); d > 0 {
				fd.Harmless = fmt.Sprintf("the server's WriteTimeout (%v) already fails every request that runs longer: Close cuts no more work than that", d)
				found = append(found, fd)
				return true
			}
			fix, why := p.serverCloseFix(path, call, sel)
			fd = withFix(fd, fix, why)
			found = append(found, fd)
			return true
		}, (*ast.CallExpr)(nil))
	}
	return found
}

// A ServerCloseFix turns srv.Close() into srv.Shutdown(ctx) under a new
// deadline context.
type ServerCloseFix struct {
	Call     *ast.CallExpr
	Sel      *ast.SelectorExpr
	Deadline DeadlineFix
	// Fatal are the exits on the call's error that skip clean-up
	// (log.Fatal(srv.Close())): on Shutdown's error they are what
	// fatal-on-shutdown reports, so the fix makes them log lines too, in
	// the same run.
	Fatal []*FatalOnShutdownFix
}

// A DeadlineFix declares ctx, cancel := context.WithTimeout(Base, timeout)
// and defer cancel() before Place; or, when Reuse is set, uses the
// deadline context of that name the drain already made: one drain has one
// budget, and a fresh one after it would take the drain past its grace
// period.
type DeadlineFix struct {
	Place       StmtPlace
	Ctx, Cancel string
	Base        ast.Expr // nil: context.Background()
	Reuse       string
	// After names the program's own deadline context that the drain made
	// with the constant duration Less and handed to an earlier step
	// before this one (srv.Shutdown(ctx), then this step): sharing it
	// could leave this step nothing. The new deadline is absolute,
	// -timeout after After's start (After's deadline plus -timeout less
	// Less), so the whole drain stays within -timeout; when -timeout is
	// no longer than Less, the rewrite shares After.
	After string
	Less  time.Duration
	// Budget, when set, is the duration the type already gives its drains
	// (Recv.Budget, a time.Duration field the program passes to
	// context.WithTimeout), used instead of the -timeout value.
	Recv, Budget string
}

func (p *Pass) serverCloseFix(path []ast.Node, call *ast.CallExpr, sel *ast.SelectorExpr) (*ServerCloseFix, string) {
	// The receiver's Shutdown must be http.Server's, not a wrapper's own.
	obj, _, _ := types.LookupFieldOrMethod(p.Info.TypeOf(sel.X), true, p.Pkg, "Shutdown")
	fn, _ := obj.(*types.Func)
	if !isMethod(fn, "net/http", "Server", "Shutdown") {
		return nil, "the receiver's Shutdown method is not (*http.Server).Shutdown"
	}
	if fn := p.exitsFirst(path, varKey(p.Info, sel.X)); fn == "main" && p.Pkg.Name() == "main" {
		return nil, "main returns as soon as ListenAndServe does and nothing waits for this goroutine: with Shutdown here, serving would end at once and the process exit before the drain (exit-before-drain); make main wait for the goroutine, then drain"
	} else if fn != "" {
		return nil, fn + " returns as soon as ListenAndServe does and nothing waits for this goroutine: with Shutdown here, serving would end at once and " + fn + " return before the drain, leaving its caller free to exit (exit-before-drain); make " + fn + " wait for the goroutine, then drain"
	}
	d, why := p.deadlineFix(path, nil)
	if why != "" {
		return nil, why
	}
	fix := &ServerCloseFix{Call: call, Sel: sel, Deadline: d}
	for _, exit := range p.fatalOnShutdown(call) {
		if p.suppressedAt(exit.Pos, "fatal-on-shutdown") {
			continue // the user keeps this exit
		}
		ff, _ := exit.Fix.(*FatalOnShutdownFix)
		if ff == nil {
			return nil, "the exit on its error would skip the clean-up after a drain that fails, and cannot become a log line: " + exit.NoFix
		}
		fix.Fatal = append(fix.Fatal, ff)
	}
	return fix, ""
}

// deadlineFix finds where a deadline context can be declared for the call
// at path[0], and names for it.
func (p *Pass) deadlineFix(path []ast.Node, base ast.Expr) (DeadlineFix, string) {
	if why := p.retriedRefusal(path); why != "" {
		return DeadlineFix{}, "the call " + why
	}
	place, ok := stmtPlace(path)
	if !ok {
		return DeadlineFix{}, "the call is not inside a statement list"
	}
	switch place.Stmt.(type) {
	case *ast.DeferStmt, *ast.GoStmt, *ast.LabeledStmt:
		return DeadlineFix{}, "the call is deferred, started as a goroutine or labelled"
	}
	fnNode := ast.Node(nil)
	for _, n := range path {
		if _, ok := n.(*ast.FuncLit); ok {
			fnNode = n
			break
		}
		if _, ok := n.(*ast.FuncDecl); ok {
			fnNode = n
			break
		}
	}
	if loop, _ := repeatingLoop(path, fnNode).(ast.Stmt); loop != nil {
		// One budget for every step of the loop, made before it: a
		// deadline per iteration would defer a cancel per step and give
		// each step a budget of its own.
		lp, ok := stmtPlace(p.pathTo(loop))
		switch {
		case base != nil && !isBackground(p.Info, base):
			return DeadlineFix{}, "the call is in a loop and its context is not a root one: a deadline made before the loop could not derive from it"
		case !ok || !p.Program.Drain().Runs(loop.Pos(), p.enclosingFunc(loop.Pos())):
			return DeadlineFix{}, "the call is in a loop that does not run only after the stop: a deadline made before it could expire before the drain, and one per iteration would pile up"
		case p.waitsIn([]ast.Stmt{loop}):
			return DeadlineFix{}, "the call is in a loop that also waits (a receive, a select, a Wait or a Sleep): a deadline made before it would be spent waiting, and one per iteration would pile up"
		}
		place = lp
	}
	var after string
	var less time.Duration
	if base == nil || isBackground(p.Info, base) {
		if name, spent, busy := p.drainDeadlineBefore(path, place.Stmt.Pos()); busy != "" {
			return DeadlineFix{}, fmt.Sprintf("%s, the deadline this step would share, was made before an earlier step of this drain (%s) that has a deadline of its own: it may be spent before this step starts; make one deadline where the drain starts and pass it to every step", name, busy)
		} else if name != "" && spent == 0 {
			return DeadlineFix{Place: place, Ctx: name, Reuse: name}, ""
		} else if name != "" {
			after, less = name, spent
		} else if why := p.deadlineAtCall(path); why != "" {
			return DeadlineFix{}, why
		}
	}
	// A deadline on a root context is made before the if statements
	// that guard the step (if srv != nil { srv.Shutdown(...) }), so that
	// the drain's next steps, in sibling ifs, are in its scope and share
	// it: declared inside the guard, it would be out of their reach and
	// each would get a budget of its own.
	at := place.Stmt
	if base == nil || isBackground(p.Info, base) {
		if after == "" {
			// (A deadline after the program's is absolute: it may
			// stay in the guard, and a later step gets the same one.)
			place = p.outOfGuards(path, place)
		}
		if why := p.splitBudget(path, after); why != "" {
			return DeadlineFix{}, why
		}
	}
	if after == "" {
		if why := p.helperBudget(path); why != "" {
			return DeadlineFix{}, why
		}
	}
	free := func(name string) bool {
		return p.FreshName(place.Stmt, name) == name && p.FreshName(at, name) == name
	}
	recv, budget := p.drainBudget(path)
	if after != "" && budget != "" {
		return DeadlineFix{Place: place, Ctx: after, Reuse: after}, "" // the type's own budget is not split
	}
	for _, names := range [][2]string{{"ctx", "cancel"}, {"shutdownCtx", "shutdownCancel"}, {"drainCtx", "drainCancel"}} {
		if free(names[0]) && free(names[1]) {
			return DeadlineFix{Place: place, Ctx: names[0], Cancel: names[1], Base: base, Recv: recv, Budget: budget, After: after, Less: less}, ""
		}
	}
	c, cn := p.FreshName(place.Stmt, "shutdownCtx"), p.FreshName(place.Stmt, "shutdownCancel")
	if c == "" || cn == "" || !free(c) || !free(cn) {
		return DeadlineFix{}, "no free name for the deadline context"
	}
	return DeadlineFix{Place: place, Ctx: c, Cancel: cn, Base: base, Recv: recv, Budget: budget, After: after, Less: less}, ""
}

// outOfGuards returns the place before the if statement (else chains
// included) that holds place in one of its blocks, and so on outwards,
// while a later step of the drain follows that if (laterStep) and nothing
// that runs before the step inside it can wait (an init, a condition, a
// statement before it in the block): the deadline then starts at the same
// moment, and is in scope for the later step. place itself otherwise.
func (p *Pass) outOfGuards(path []ast.Node, place StmtPlace) StmtPlace {
	prev := place
	for {
		block, ok := place.Block.(*ast.BlockStmt)
		if !ok {
			return place
		}
		i := slices.Index(path, ast.Node(block))
		if i < 0 {
			return place
		}
		// The statements of the block before the step.
		for _, s := range block.List {
			if s == place.Stmt {
				break
			}
			if p.waitsIn([]ast.Stmt{s}) {
				return place
			}
		}
		// Up through the if statements (an else if is its parent's Else).
		var outer ast.Stmt
		for j := i + 1; j < len(path); j++ {
			ifs, ok := path[j].(*ast.IfStmt)
			if !ok {
				break
			}
			if ifs.Init != nil && p.waitsIn([]ast.Stmt{ifs.Init}) || p.waitIn(ifs.Cond, token.NoPos, token.NoPos, true) != "" {
				return place
			}
			outer = ifs
			if j+1 < len(path) && slices.Contains(stmtList(path[j+1]), outer) {
				place = StmtPlace{Stmt: outer, Block: path[j+1]}
				break
			}
		}
		if outer == nil || place.Stmt != outer {
			return place
		}
		if !p.laterStep(place) {
			return prev
		}
		prev = place
	}
}

// splitBudget says why a deadline for the step at path[0] would give its
// drain a second budget: an earlier step of the same drain in the same
// function (outside func literals), a Shutdown with no deadline
// or an http.Server's Close that gets a deadline of its own, has that
// deadline made where this step cannot share it, inside a guard it waits
// in (outOfGuards stops there). Steps with the stop between them (a
// restart at start-up, then the signal) belong to different drains. ""
// when there is no such step.
func (p *Pass) splitBudget(path []ast.Node, after string) string {
	call, _ := path[0].(*ast.CallExpr)
	body, _ := funcBody(path)
	if call == nil || body == nil {
		return ""
	}
	drain := p.Program.Drain()
	why := ""
	ast.Inspect(body, func(n ast.Node) bool {
		if why != "" {
			return false
		}
		switch n := n.(type) {
		case *ast.FuncLit:
			return false
		case *ast.CallExpr:
			if n.End() > call.Pos() {
				return false
			}
			fn := callee(p.Info, n)
			shutdown := isMethod(fn, "net/http", "Server", "Shutdown") && len(n.Args) == 1
			if !shutdown && !isMethod(fn, "net/http", "Server", "Close") || drain.WaitsIn(n.End(), call.Pos()) {
				return true
			}
			line := p.Fset.Position(n.Pos()).Line
			if shutdown && after != "" {
				if id, ok := ast.Unparen(n.Args[0]).(*ast.Ident); ok && id.Name == after {
					return true // the deadline the new one follows (DeadlineFix.After)
				}
				if !p.neverDone(n.Args[0]) {
					why = fmt.Sprintf("an earlier step of this drain (line %d) has a deadline of its own besides %s: one more after them could run the drain past the grace period; make one deadline where the drain starts and pass it to every step", line, after)
					return false
				}
			}
			if shutdown && !p.neverDone(n.Args[0]) {
				// Its deadline, had it been in reach, would have been
				// reused (drainDeadlineBefore).
				why = fmt.Sprintf("an earlier step of this drain (line %d) already has a deadline that is out of this step's reach: a second deadline here would give the drain two budgets, one after the other, and could run it past the grace period; pass that step's deadline to this one", line)
				return false
			}
			ePath := p.pathTo(n)
			ePlace, ok := stmtPlace(ePath)
			if !ok {
				return true
			}
			ePlace = p.outOfGuards(ePath, ePlace)
			if !slices.Contains(path, ePlace.Block) {
				why = fmt.Sprintf("an earlier step of this drain (line %d) gets a deadline of its own inside its guard, after a wait there, out of this step's reach: a second deadline here would give the drain two budgets, one after the other, and could run it past the grace period; make one deadline where the drain starts and pass it to both", line)
			}
		}
		return true
	})
	return why
}

// laterStep reports whether a statement after place in its list stops
// something as a drain step does (drainCall), outside func literals: a
// step that can share the deadline made at place.
func (p *Pass) laterStep(place StmtPlace) bool {
	list := stmtList(place.Block)
	i := slices.Index(list, place.Stmt)
	found := false
	for _, s := range list[i+1:] {
		ast.Inspect(s, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.FuncLit:
				return false
			case *ast.CallExpr:
				fn := callee(p.Info, n)
				found = fn != nil && drainCall(fn)
			}
			return !found
		})
		if found {
			return true
		}
	}
	return false
}

// drainBudget returns the receiver name and field of the drain budget the
// method holding path[0] already has: the one time.Duration field of its
// receiver's type (direct, or promoted through one embedded field) that
// the program passes to context.WithTimeout elsewhere (a graceTimeout the
// type's other drains use). A field promoted through an embedded pointer
// counts only when the method uses that pointer before path[0], so it is
// not nil there. "", "" when there is none, or more than one.
func (p *Pass) drainBudget(path []ast.Node) (recv, field string) {
	var fd *ast.FuncDecl
	for _, n := range path {
		if d, ok := n.(*ast.FuncDecl); ok {
			fd = d
		}
		if _, ok := n.(*ast.FuncLit); ok {
			return "", ""
		}
	}
	if fd == nil || fd.Recv == nil || len(fd.Recv.List) != 1 || len(fd.Recv.List[0].Names) != 1 || fd.Recv.List[0].Names[0].Name == "_" {
		return "", ""
	}
	r := fd.Recv.List[0].Names[0]
	rv, ok := p.Info.Defs[r].(*types.Var)
	if !ok {
		return "", ""
	}
	if scope := p.Pkg.Scope().Innermost(path[0].Pos()); scope == nil {
		return "", ""
	} else if _, obj := scope.LookupParent(r.Name, path[0].Pos()); obj != rv {
		return "", "" // the receiver's name is shadowed there
	}
	var found []string
	for _, f := range p.Program.budgetFields() {
		obj, index, _ := types.LookupFieldOrMethod(rv.Type(), true, p.Pkg, f.Name())
		v, ok := obj.(*types.Var)
		if !ok || v.Origin() != f || len(index) > 2 {
			continue
		}
		if len(index) == 2 && !p.embeddedUsedBefore(fd, rv, index[0], path[0].Pos()) {
			continue
		}
		found = append(found, f.Name())
	}
	if len(found) != 1 {
		return "", ""
	}
	return r.Name, found[0]
}

// embeddedUsedBefore reports whether a statement of the body of fd
// before pos selects through the embedded field i of its receiver rv (rv.x
// where x is promoted through it) unconditionally: when that field is a
// pointer, it is not nil after that.
func (p *Pass) embeddedUsedBefore(fd *ast.FuncDecl, rv *types.Var, i int, pos token.Pos) bool {
	st, ok := derefStruct(rv.Type())
	if !ok || i >= st.NumFields() {
		return false
	}
	if _, isPtr := st.Field(i).Type().Underlying().(*types.Pointer); !isPtr {
		return true
	}
	// Only a statement of the body itself, not one under a condition (if
	// s.Base != nil { ... }), and only a selection that goes through the
	// pointer (s.mu, promoted from it), not one that reads the pointer.
	used := false
	for _, st := range fd.Body.List {
		if st.Pos() >= pos || used {
			break
		}
		switch st.(type) {
		case *ast.ExprStmt, *ast.AssignStmt, *ast.DeferStmt:
		default:
			continue
		}
		ast.Inspect(st, func(n ast.Node) bool {
			if _, ok := n.(*ast.FuncLit); ok {
				return false
			}
			sel, ok := n.(*ast.SelectorExpr)
			if !ok || used {
				return !used
			}
			if id, ok := ast.Unparen(sel.X).(*ast.Ident); ok && p.Info.Uses[id] == rv {
				if s, ok := p.Info.Selections[sel]; ok && len(s.Index()) > 1 && s.Index()[0] == i {
					used = true
				}
			}
			return !used
		})
	}
	return used
}

// derefStruct returns the struct under t or under what t points to.
func derefStruct(t types.Type) (*types.Struct, bool) {
	if ptr, ok := t.Underlying().(*types.Pointer); ok {
		t = ptr.Elem()
	}
	st, ok := t.Underlying().(*types.Struct)
	return st, ok
}

// isBackground reports whether e is context.Background() or context.TODO().
func isBackground(info *types.Info, e ast.Expr) bool {
	call, ok := ast.Unparen(e).(*ast.CallExpr)
	return ok && isFunc(callee(info, call), "context", "Background", "TODO")
}

// drainDeadlineBefore returns the name of the deadline context that the
// drain holding path[0] made before it, after the stop (ctx, cancel :=
// context.WithTimeout(...) in an enclosing block, after a signal or Done in
// the same function), still in scope at pos; "" for none. When that
// deadline has a constant duration and is handed to a call before path[0]
// (an earlier step that may spend it), spent is that duration.
func (p *Pass) drainDeadlineBefore(path []ast.Node, pos token.Pos) (name string, spent time.Duration, busy string) {
	var made *ast.AssignStmt
	for i := 0; i+1 < len(path) && name == ""; i++ {
		child, parent := path[i], path[i+1]
		switch parent.(type) {
		case *ast.FuncLit, *ast.FuncDecl:
			return "", 0, ""
		}
		for _, s := range stmtList(parent) {
			if s == child {
				break
			}
			as, ok := s.(*ast.AssignStmt)
			if !ok || len(as.Lhs) != 2 || len(as.Rhs) != 1 {
				continue
			}
			call, ok := ast.Unparen(as.Rhs[0]).(*ast.CallExpr)
			if !ok || !isFunc(callee(p.Info, call), "context", "WithTimeout", "WithDeadline") {
				continue
			}
			id, ok := as.Lhs[0].(*ast.Ident)
			if !ok || id.Name == "_" {
				continue
			}
			obj := p.Info.ObjectOf(id)
			if scope := p.Pkg.Scope().Innermost(pos); scope == nil || obj == nil {
				continue
			} else if _, found := scope.LookupParent(id.Name, pos); found != obj {
				continue
			}
			if p.onShutdownPath(p.pathTo(as)) {
				name, made = id.Name, as
			}
		}
	}
	if made == nil {
		return name, 0, ""
	}
	spent = p.spentBefore(path, made)
	if spent == 0 {
		busy = p.otherDeadlineBetween(path, made)
	}
	return name, spent, busy
}

// deadlineAtCall says why a new deadline for the step at path[0] would be
// a second budget: the function holding it (a func literal called on the
// spot, or a declared function, at any of its calls in the loaded
// program) runs after its caller made a deadline of its own on the drain
// path (drainDeadlineBefore). The step's deadline would start when that
// one is already running, or spent. "" when no caller did.
func (p *Pass) deadlineAtCall(path []ast.Node) string {
	for i, n := range path {
		switch n := n.(type) {
		case *ast.FuncLit:
			if i+2 >= len(path) {
				return ""
			}
			call, ok := path[i+1].(*ast.CallExpr)
			if !ok || call.Fun != n {
				return ""
			}
			if name := p.callerDeadline(path[i+1:], call); name != "" {
				return fmt.Sprintf("the func literal holding the call runs after the drain made its own deadline (%s): a new one here would give the drain a second budget after it; use %s", name, name)
			}
			return ""
		case *ast.FuncDecl:
			fn, _ := p.Info.Defs[n.Name].(*types.Func)
			if fn == nil {
				return ""
			}
			refs, _, _ := p.callRefs(fn)
			for _, ref := range refs {
				if ref.call == nil {
					continue
				}
				if name := ref.pass.callerDeadline(ref.pass.pathTo(ref.call), ref.call); name != "" {
					return fmt.Sprintf("%s is called at %s after the drain made its own deadline (%s): a new one in %s would give the drain a second budget after it; hand %s to %s", fn.Name(), shortPos(ref.pass.Fset, ref.call.Pos()), name, fn.Name(), name, fn.Name())
				}
			}
			return ""
		}
	}
	return ""
}

// callerDeadline returns the deadline context the function holding call
// (path runs from call up) made on the drain path before call runs: made
// before it (drainDeadlineBefore) in whatever statement it sits (a
// return, an if, an assignment), or anywhere in the function when the
// call is deferred (it runs last). "" for none, and for a call started
// as a goroutine (it runs beside the drain, not after it).
func (p *Pass) callerDeadline(path []ast.Node, call *ast.CallExpr) string {
	for _, n := range path[1:] {
		switch n := n.(type) {
		case *ast.FuncLit, *ast.FuncDecl:
			return p.drainDeadlineIn(n)
		case *ast.GoStmt:
			if n.Call == call {
				return ""
			}
		case *ast.DeferStmt:
			if n.Call == call {
				body, _ := funcBody(path)
				if body == nil {
					return ""
				}
				for _, m := range path {
					if fl, ok := m.(*ast.FuncLit); ok && fl.Body == body {
						return p.drainDeadlineIn(fl)
					}
					if fd, ok := m.(*ast.FuncDecl); ok && fd.Body == body {
						return p.drainDeadlineIn(fd)
					}
				}
				return ""
			}
		}
		if _, ok := n.(ast.Stmt); ok {
			name, _, _ := p.drainDeadlineBefore(path, call.Pos())
			return name
		}
	}
	return ""
}

// drainDeadlineIn returns the first deadline context (ctx, cancel :=
// context.WithTimeout or WithDeadline) that the function fn makes on the
// drain path, outside its func literals; "" for none.
func (p *Pass) drainDeadlineIn(fn ast.Node) string {
	name := ""
	ast.Inspect(fn, func(n ast.Node) bool {
		if name != "" {
			return false
		}
		if fl, ok := n.(*ast.FuncLit); ok && fl != fn {
			return false
		}
		as, ok := n.(*ast.AssignStmt)
		if !ok || len(as.Lhs) != 2 || len(as.Rhs) != 1 {
			return true
		}
		c, ok := ast.Unparen(as.Rhs[0]).(*ast.CallExpr)
		if !ok || !isFunc(callee(p.Info, c), "context", "WithTimeout", "WithDeadline") {
			return true
		}
		if id, ok := as.Lhs[0].(*ast.Ident); ok && id.Name != "_" && p.onShutdownPath(p.pathTo(as)) {
			name = id.Name
		}
		return true
	})
	return name
}

// otherDeadlineBetween returns where (as "line N") a step between made
// and path[0] is handed another deadline context that the function
// made with context.WithTimeout or WithDeadline: made's deadline ticks
// while that step spends its own. "" when no step is.
func (p *Pass) otherDeadlineBetween(path []ast.Node, made *ast.AssignStmt) string {
	body, _ := funcBody(path)
	own := p.Info.ObjectOf(made.Lhs[0].(*ast.Ident))
	if body == nil || own == nil {
		return ""
	}
	others := map[types.Object]bool{}
	ast.Inspect(body, func(n ast.Node) bool {
		if _, ok := n.(*ast.FuncLit); ok {
			return false
		}
		as, ok := n.(*ast.AssignStmt)
		if !ok || len(as.Lhs) != 2 || len(as.Rhs) != 1 {
			return true
		}
		if call, ok := ast.Unparen(as.Rhs[0]).(*ast.CallExpr); ok && isFunc(callee(p.Info, call), "context", "WithTimeout", "WithDeadline") {
			if id, ok := as.Lhs[0].(*ast.Ident); ok {
				if obj := p.Info.ObjectOf(id); obj != nil && obj != own {
					others[obj] = true
				}
			}
		}
		return true
	})
	where := ""
	ast.Inspect(body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit:
			return false
		case *ast.DeferStmt:
			return false // a deferred step runs after this one
		case *ast.CallExpr:
			if where != "" || n.Pos() <= made.End() || n.Pos() >= path[0].Pos() {
				return where == ""
			}
			if inPrintPkg(callee(p.Info, n)) {
				return true // a log line, not a step
			}
			for _, a := range n.Args {
				if id, ok := ast.Unparen(a).(*ast.Ident); ok && others[p.Info.Uses[id]] {
					where = fmt.Sprintf("line %d", p.Fset.Position(n.Pos()).Line)
				}
			}
		}
		return where == ""
	})
	return where
}

// spentBefore returns the constant duration of the deadline that made
// declares (ctx, cancel := context.WithTimeout(base, 5*time.Second)) when
// ctx is handed to a call between made and path[0]; 0 otherwise.
func (p *Pass) spentBefore(path []ast.Node, made *ast.AssignStmt) time.Duration {
	call := ast.Unparen(made.Rhs[0]).(*ast.CallExpr)
	if len(call.Args) != 2 {
		return 0
	}
	dur := call.Args[1]
	switch fn := callee(p.Info, call); {
	case isFunc(fn, "context", "WithTimeout"):
	case isFunc(fn, "context", "WithDeadline"):
		// context.WithDeadline(base, time.Now().Add(d)): d from now.
		add, ok := ast.Unparen(dur).(*ast.CallExpr)
		if !ok || len(add.Args) != 1 || !isMethod(callee(p.Info, add), "time", "Time", "Add") {
			return 0
		}
		sel := ast.Unparen(add.Fun).(*ast.SelectorExpr)
		now, ok := ast.Unparen(sel.X).(*ast.CallExpr)
		if !ok || !isFunc(callee(p.Info, now), "time", "Now") {
			return 0
		}
		dur = add.Args[0]
	default:
		return 0
	}
	tv := p.Info.Types[dur]
	if tv.Value == nil || tv.Value.Kind() != constant.Int {
		return 0
	}
	d, exact := constant.Int64Val(tv.Value)
	if !exact || d <= 0 {
		return 0
	}
	obj := p.Info.ObjectOf(made.Lhs[0].(*ast.Ident))
	body, _ := funcBody(path)
	if body == nil || obj == nil {
		return 0
	}
	handed, assigned := false, 0
	ast.Inspect(body, func(n ast.Node) bool {
		if as, ok := n.(*ast.AssignStmt); ok {
			for _, l := range as.Lhs {
				if id, ok := ast.Unparen(l).(*ast.Ident); ok && p.Info.ObjectOf(id) == obj {
					assigned++
				}
			}
		}
		if d, ok := n.(*ast.DeferStmt); ok {
			return d.Pos() > path[0].Pos() // a deferred step runs after this one
		}
		c, ok := n.(*ast.CallExpr)
		if handed || !ok || c.Pos() <= made.End() || c.Pos() >= path[0].Pos() {
			return true
		}
		if inPrintPkg(callee(p.Info, c)) {
			return true // a log line, not a step
		}
		for _, a := range c.Args {
			if id, ok := ast.Unparen(a).(*ast.Ident); ok && p.Info.Uses[id] == obj {
				handed = true
			}
		}
		return true
	})
	if !handed || assigned != 1 {
		return 0 // not spent yet, or reassigned: its duration says nothing
	}
	return time.Duration(d)
}

// shutDownBefore reports whether the function holding path[0] calls
// Shutdown on the same server before call: Close is then the fallback for a
// failed or timed-out drain.
func (p *Pass) shutDownBefore(path []ast.Node, srv ast.Expr, call *ast.CallExpr) bool {
	return p.calledBefore(path, srv, call, "net/http", "Server", "Shutdown")
}

// calledBefore reports whether the function holding path[0] calls the
// method pkg.typ.name on the same receiver as srv before call.
func (p *Pass) calledBefore(path []ast.Node, srv ast.Expr, call *ast.CallExpr, pkg, typ, name string) bool {
	body, _ := funcBody(path)
	if body == nil {
		return false
	}
	key := varKey(p.Info, srv)
	if sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr); ok {
		key = recvKey(p.Info, sel)
	}
	found := false
	ast.Inspect(body, func(n ast.Node) bool {
		c, ok := n.(*ast.CallExpr)
		if !ok || found || c.Pos() >= call.Pos() {
			return !found
		}
		if isMethod(callee(p.Info, c), pkg, typ, name) {
			if s, ok := ast.Unparen(c.Fun).(*ast.SelectorExpr); ok && (key == "" || recvKey(p.Info, s) == key) {
				found = true
			}
		}
		return true
	})
	return found
}

// shortWriteTimeout returns the WriteTimeout of the server srv when it is
// a constant of at most a second (0 otherwise): srv is a variable given
// one http.Server literal, whose timeouts nothing else sets. Every response
// must then be written within that time of its request's header, so a
// request that Close cuts would have failed a moment later anyway.
func (p *Pass) shortWriteTimeout(srv ast.Expr) time.Duration {
	key := varKey(p.Info, srv)
	if key == "" {
		return 0
	}
	var lit *ast.CompositeLit
	assigned := 0
	for _, f := range p.Files {
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.AssignStmt:
				for i, l := range n.Lhs {
					if sel, ok := ast.Unparen(l).(*ast.SelectorExpr); ok && varKey(p.Info, sel.X) == key {
						if f, ok := p.Info.Uses[sel.Sel].(*types.Var); ok && f.IsField() && f.Name() == "WriteTimeout" && isNamed(p.Info.TypeOf(sel.X), "net/http", "Server") {
							assigned += 2 // the timeout set apart from the literal
						}
					}
					if varKey(p.Info, l) == key {
						assigned++
						if len(n.Lhs) == len(n.Rhs) {
							lit = p.httpServerLit(n.Rhs[i])
						}
					}
				}
			case *ast.ValueSpec:
				for i, id := range n.Names {
					if varKey(p.Info, id) == key {
						assigned++
						if len(n.Names) == len(n.Values) {
							lit = p.httpServerLit(n.Values[i])
						}
					}
				}
			}
			return true
		})
	}
	if assigned != 1 || lit == nil {
		return 0
	}
	for _, el := range lit.Elts {
		kv, ok := el.(*ast.KeyValueExpr)
		if id, isID := kv.Key.(*ast.Ident); !ok || !isID || id.Name != "WriteTimeout" {
			continue
		}
		tv := p.Info.Types[kv.Value]
		if tv.Value == nil || tv.Value.Kind() != constant.Int {
			return 0
		}
		if d, exact := constant.Int64Val(tv.Value); exact && d > 0 && time.Duration(d) <= time.Second {
			return time.Duration(d)
		}
	}
	return 0
}

// gracefulSibling reports whether the Close at path[0] is one branch of a
// choice whose other branch drains a server with Shutdown: an if whose
// other branch calls (*http.Server).Shutdown, directly or in a function of
// the package it calls, where the if holds the Close or a call of the
// function that holds it. It returns what drains in the other branch, or
// "".
func (p *Pass) gracefulSibling(path []ast.Node) string {
	// drains returns the Shutdown call or the call of a function of the
	// package that makes one, in n.
	drains := func(n ast.Node) string {
		what := ""
		ast.Inspect(n, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || what != "" {
				return what == ""
			}
			fn := callee(p.Info, call)
			if isMethod(fn, "net/http", "Server", "Shutdown") {
				what = "Shutdown"
				return false
			}
			if fn != nil && fn.Pkg() == p.Pkg {
				if d, ok := p.Program.declOf(fn); ok && d.fd.Body != nil {
					ast.Inspect(d.fd.Body, func(m ast.Node) bool {
						if c, ok := m.(*ast.CallExpr); ok && isMethod(callee(d.pass.Info, c), "net/http", "Server", "Shutdown") {
							what = fn.Name()
						}
						return what == ""
					})
				}
			}
			return what == ""
		})
		return what
	}
	// other returns what drains in the branch of an if on path that does
	// not hold path[0].
	other := func(path []ast.Node) string {
		for i := 1; i < len(path); i++ {
			ifs, ok := path[i].(*ast.IfStmt)
			if !ok || ifs.Else == nil {
				continue
			}
			switch path[i-1] {
			case ifs.Body:
				if d := drains(ifs.Else); d != "" {
					return d
				}
			case ifs.Else:
				if d := drains(ifs.Body); d != "" {
					return d
				}
			}
		}
		return ""
	}
	if d := other(path); d != "" {
		return d
	}
	fd := funcDeclOf(path)
	if fd == nil {
		return ""
	}
	fn, _ := p.Info.Defs[fd.Name].(*types.Func)
	if fn == nil {
		return ""
	}
	for id, obj := range p.Info.Uses {
		if obj == fn {
			if d := other(p.pathTo(id)); d != "" {
				return d
			}
		}
	}
	return ""
}

// ctxWaitOffDrain returns why the Close at path[0], which follows only
// waits on contexts' Done (no signal), does not run when the process is
// told to stop: the load holds the program, which handles its signals
// where drainfix sees them, and the drain-path model finds no stop before
// the Close (none of those contexts is the signal's, through every call
// that hands one in). "" otherwise.
func (p *Pass) ctxWaitOffDrain(path []ast.Node, call *ast.CallExpr) string {
	for _, w := range p.waitsBefore(path) {
		if w.signal {
			return ""
		}
	}
	m := p.Program.Drain()
	if !m.HasMain(p.Pkg) || !m.HandlesSignals(p.Pkg) || m.HandlesSignalsUnseen(p.Pkg) || m.Runs(call.Pos(), p.enclosingFunc(call.Pos())) {
		return ""
	}
	return harmlessOffDrain
}

// helperStep returns where the declared function fn, in the loaded
// program, takes a drain step of its own on its own goroutine: a Shutdown
// or Close of an http.Server, or a deadline context it makes
// (context.WithTimeout or WithDeadline); its func literals and go
// statements aside. "" for none.
func (p *Pass) helperStep(fn *types.Func) string {
	d, ok := p.Program.declOf(fn)
	if !ok || d.fd.Body == nil {
		return ""
	}
	q := d.pass
	at := ""
	ast.Inspect(d.fd.Body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit, *ast.GoStmt:
			return false
		case *ast.CallExpr:
			g := callee(q.Info, n)
			switch {
			case isMethod(g, "net/http", "Server", "Shutdown"), isMethod(g, "net/http", "Server", "Close"):
				at = fmt.Sprintf("a %s at %s", g.Name(), shortPos(q.Fset, n.Pos()))
			case isFunc(g, "context", "WithTimeout", "WithDeadline"):
				at = fmt.Sprintf("a deadline made at %s", shortPos(q.Fset, n.Pos()))
			}
		}
		return at == ""
	})
	return at
}

// earlierHelperStep says which call made before call, on the same drain
// (after a stop, with none between them), on the same goroutine and not
// deferred, runs a declared function that takes a drain step of its own
// (helperStep): the time it spends comes out of the grace period before
// call runs. Only the statements that precede call in each statement list
// around it, up to its function, are looked at, and in them neither func
// literals nor blocks that end in a return, a branch, a panic or an exit
// (if cond { stopOther(); return }: that path never reaches call). ""
// for none.
func (p *Pass) earlierHelperStep(call *ast.CallExpr) string {
	drain := p.Program.Drain()
	path := p.pathTo(call)
	why := ""
	look := func(n ast.Node) bool {
		if why != "" {
			return false
		}
		switch n := n.(type) {
		case *ast.FuncLit, *ast.GoStmt, *ast.DeferStmt:
			return false
		case *ast.BlockStmt:
			return !p.blockLeaves(n)
		case *ast.CallExpr:
			fn := callee(p.Info, n)
			if fn == nil || drain.WaitsIn(n.Pos(), call.Pos()) || !drain.Runs(n.Pos(), p.enclosingFunc(n.Pos())) {
				return true // a step of start-up, or of another drain (also one that waits for a stop itself)
			}
			if step := p.helperStep(fn); step != "" {
				why = fmt.Sprintf("%s (line %d), which takes a drain step of its own (%s)", fn.Name(), p.Fset.Position(n.Pos()).Line, step)
			}
		}
		return true
	}
	for i := 0; i+1 < len(path) && why == ""; i++ {
		child, parent := path[i], path[i+1]
		switch parent.(type) {
		case *ast.FuncLit, *ast.FuncDecl:
			return ""
		}
		for _, st := range stmtList(parent) {
			if st == child {
				break
			}
			ast.Inspect(st, look)
		}
	}
	return why
}

// blockLeaves reports whether the block's last statement leaves it for
// good: a return, a branch (break, continue, goto), a panic, or a call
// that ends the process (os.Exit, log.Fatal).
func (p *Pass) blockLeaves(b *ast.BlockStmt) bool {
	if len(b.List) == 0 {
		return false
	}
	switch last := b.List[len(b.List)-1].(type) {
	case *ast.ReturnStmt, *ast.BranchStmt:
		return true
	case *ast.ExprStmt:
		call, ok := ast.Unparen(last.X).(*ast.CallExpr)
		if !ok {
			return false
		}
		fn := callee(p.Info, call)
		return isBuiltin(p.Info, call.Fun, "panic") || isExit(fn) || isFunc(fn, "log", "Panic", "Panicf", "Panicln")
	}
	return false
}

// helperBudget says why a new deadline for the step at path[0] would give
// its drain a second budget: a function of the program that takes a drain
// step of its own runs before it on the same drain (earlierHelperStep),
// in the function holding the step or, for a declared function, before
// any of its calls in the loaded program. "" when none does.
func (p *Pass) helperBudget(path []ast.Node) string {
	call, _ := path[0].(*ast.CallExpr)
	body, _ := funcBody(path)
	if call == nil || body == nil {
		return ""
	}
	const advice = ": a new deadline here would give the drain a second budget after the time that step spends, and could run it past the grace period; make one deadline where the drain starts and hand it to every step"
	if why := p.earlierHelperStep(call); why != "" {
		return "an earlier step of this drain calls " + why + advice
	}
	fd := p.declOfBody(body)
	if fd == nil {
		return ""
	}
	fn, _ := p.Info.Defs[fd.Name].(*types.Func)
	if fn == nil {
		return ""
	}
	refs, _, _ := p.callRefs(fn)
	for _, ref := range refs {
		if ref.call == nil || ref.pass.inTestFile(ref.id) {
			continue
		}
		if cb, _ := funcBody(ref.pass.pathTo(ref.call)); cb == body {
			continue // a recursive call
		}
		if why := ref.pass.earlierHelperStep(ref.call); why != "" {
			return fmt.Sprintf("%s is called at %s after %s%s", fn.Name(), shortPos(ref.pass.Fset, ref.call.Pos()), why, advice)
		}
	}
	return ""
}
