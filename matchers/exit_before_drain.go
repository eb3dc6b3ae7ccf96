package matchers

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"path/filepath"
	"slices"
	"strings"
)

// ExitBeforeDrain reports main functions that serve an *http.Server and
// drain it in a goroutine they never wait for; registry's exit-before-drain
// holds the rule's documentation.
func ExitBeforeDrain(p *Pass) []Finding {
	if p.Pkg.Name() != "main" || !imports(p.Pkg, "net/http") {
		return nil
	}
	var found []Finding
	for _, f := range p.Owned {
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Recv != nil || fd.Name.Name != "main" || fd.Body == nil {
				continue
			}
			found = append(found, p.exitBeforeDrain(fd.Body)...)
		}
	}
	return found
}

// An ExitBeforeDrainFix makes main wait for the drain goroutine:
//
//	Done := make(chan struct{})   // before Go
//	go func() {
//		defer close(Done)         // first in the goroutine
//		...
//	}()
//	if err := srv.ListenAndServe(); ... { log.Fatal(err) }
//	<-Done                        // after Serve
//
// When the goroutine runs a named function (go drain(srv, quit)), Call, its
// call is wrapped: go func() { defer close(Done); drain(srv, quit) }().
// When main goes on after serving fails for another reason (a port in
// use), the wait is only for a server that was shut down: ErrVar holds the
// serving error, and the wait is
//
//	if errors.Is(ErrVar, http.ErrServerClosed) {
//		<-Done
//	}
type ExitBeforeDrainFix struct {
	Go     StmtPlace // the go statement
	Lit    *ast.FuncLit
	Call   *ast.CallExpr // the named function's call, when Lit is nil
	Serve  StmtPlace     // the statement that serves
	Done   string
	ErrVar string
}

// exitBeforeDrain looks at main's statements for a go statement whose
// func literal shuts a server down after a stop, followed by a statement
// that serves the same server, with nothing after it that waits.
func (p *Pass) exitBeforeDrain(body *ast.BlockStmt) []Finding {
	var found []Finding
	for i, s := range body.List {
		gs, ok := s.(*ast.GoStmt)
		if !ok {
			continue
		}
		lit, srv, _ := p.drainGoroutine(gs)
		if srv == "" {
			continue
		}
		for j := i + 1; j < len(body.List); j++ {
			serve := p.serveCallIn(body.List[j], srv)
			if serve == nil {
				continue
			}
			if p.waitsIn(body.List[j+1:]) {
				break
			}
			fd := Finding{
				Pos: serve.Pos(), End: serve.End(),
				Message: "ListenAndServe returns as soon as Shutdown starts and main returns with it: the process exits before the drain in the goroutine finishes, cutting the requests in flight; wait for the drain before main returns",
			}
			fix, why := p.exitBeforeDrainFix(body, gs, lit, srv, body.List[j], serve)
			setFix(&fd, fix, why)
			if lit != nil && p.startsAfterReturn(lit.Body) {
				fd.Harmless = harmlessStartsAfterReturn
			}
			found = append(found, fd)
			break
		}
	}
	return found
}

// harmlessStartsAfterReturn is why a drain goroutine woken only by main's
// own deferred cancel cuts nothing short.
const harmlessStartsAfterReturn = "the goroutine's Shutdown waits for a context that only main's deferred cancel ends: it cannot start while main serves, so main's return cuts no drain short (the program never drains this server: nothing ends that context when the process is told to stop)"

// startsAfterReturn reports whether every wait in body before its
// Shutdown (drainCallIn) is for the Done of a context that is done only
// once the function declaring it returns (doneOnlyAtReturn): no signal
// and no other context starts the drain.
func (p *Pass) startsAfterReturn(body *ast.BlockStmt) bool {
	shutdown := p.drainCallIn(body)
	if shutdown == nil {
		return false
	}
	waits := 0
	ok := true
	inspectFunc(body, func(n ast.Node) bool {
		u, isRecv := n.(*ast.UnaryExpr)
		if !ok || !isRecv || u.Op != token.ARROW || u.Pos() > shutdown.Pos() {
			return ok
		}
		switch {
		case isSignalChan(p.Info.TypeOf(u.X)):
			ok = false
		case p.doneOf(u.X) != "":
			waits++
			ok = p.doneOnlyAtReturn(ast.Unparen(ast.Unparen(u.X).(*ast.CallExpr).Fun).(*ast.SelectorExpr).X) // doneOf checked the shape
		}
		return ok
	})
	return ok && waits > 0
}

// exitsFirst reports whether the call at path[0], made on the server srv
// in a goroutine that a function starts, would be cut short by that
// function: it serves srv after the go statement and returns when serving
// ends, without waiting for the goroutine. A drain put there (Close
// turned into Shutdown) would make serving end at once and the function
// return: main exits, and any other function leaves its caller free to
// exit before the drain. It returns the function's name, or "".
func (p *Pass) exitsFirst(path []ast.Node, srv string) string {
	for i := 1; i+2 < len(path); i++ {
		lit, ok := path[i].(*ast.FuncLit)
		if !ok {
			continue
		}
		call, ok := path[i+1].(*ast.CallExpr)
		if !ok || call.Fun != lit {
			return ""
		}
		gs, ok := path[i+2].(*ast.GoStmt)
		if !ok || i+4 >= len(path) || signalsDone(p.Info, lit.Body) {
			return ""
		}
		body, ok := path[i+3].(*ast.BlockStmt)
		fd, isDecl := path[i+4].(*ast.FuncDecl)
		if !ok || !isDecl {
			return ""
		}
		for j, s := range body.List {
			if s.Pos() <= gs.Pos() {
				continue
			}
			if p.serveCallIn(s, srv) != nil {
				if p.waitsIn(body.List[j:]) {
					return ""
				}
				return fd.Name.Name
			}
		}
		return ""
	}
	return ""
}

// harmlessCutByMain is why a drain that main never waits for is not worth
// a deadline until it does.
const harmlessCutByMain = "main exits as soon as serving ends, before this Shutdown can wait for anything (see exit-before-drain): a deadline here changes nothing until main waits for the drain"

// cutByMain reports whether the Shutdown call runs in a goroutine that
// main starts and never waits for, while main returns when serving ends:
// exit-before-drain's finding, when its fix cannot be made.
func (p *Pass) cutByMain(shutdown *ast.CallExpr) bool {
	if p.Pkg.Name() != "main" {
		return false
	}
	for _, f := range p.Owned {
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Recv != nil || fd.Name.Name != "main" || fd.Body == nil {
				continue
			}
			for i, s := range fd.Body.List {
				gs, ok := s.(*ast.GoStmt)
				if !ok {
					continue
				}
				lit, srv, named := p.drainGoroutine(gs)
				holds := lit != nil && within(lit, shutdown.Pos()) ||
					named != "" && p.enclosingFunc(shutdown.Pos()) == callee(p.Info, gs.Call)
				if srv == "" || !holds {
					continue
				}
				for j := i + 1; j < len(fd.Body.List); j++ {
					serve := p.serveCallIn(fd.Body.List[j], srv)
					if serve == nil {
						continue
					}
					if p.waitsIn(fd.Body.List[j+1:]) {
						return false
					}
					// Where exit-before-drain makes main wait, this drain
					// will matter: it gets its deadline in the same run.
					fix, _ := p.exitBeforeDrainFix(fd.Body, gs, lit, srv, fd.Body.List[j], serve)
					return fix == nil
				}
			}
		}
	}
	return false
}

// drainGoroutine returns, for a go statement that drains a server after a
// stop and signals nobody, the key of that server, with the func literal
// it runs, or the name of the function it runs (go f(srv, ...), f declared
// in the package, the server one of its parameters).
func (p *Pass) drainGoroutine(gs *ast.GoStmt) (lit *ast.FuncLit, srv, named string) {
	if lit, ok := ast.Unparen(gs.Call.Fun).(*ast.FuncLit); ok {
		if len(gs.Call.Args) != 0 || signalsDone(p.Info, lit.Body) {
			return nil, "", ""
		}
		if shutdown := p.drainCallIn(lit.Body); shutdown != nil {
			return lit, varKey(p.Info, ast.Unparen(shutdown.Fun).(*ast.SelectorExpr).X), ""
		}
		return nil, "", ""
	}
	fn := callee(p.Info, gs.Call)
	decl := p.cbdDecls()[fn]
	if decl == nil || decl.Body == nil || signalsDone(p.Info, decl.Body) {
		return nil, "", ""
	}
	shutdown := p.drainCallIn(decl.Body)
	if shutdown == nil {
		return nil, "", ""
	}
	id, ok := ast.Unparen(ast.Unparen(shutdown.Fun).(*ast.SelectorExpr).X).(*ast.Ident)
	if !ok {
		return nil, "", ""
	}
	params := cbdParams(p.Info, decl.Type.Params)
	for i, v := range params {
		if p.Info.Uses[id] == v && i < len(gs.Call.Args) {
			return nil, varKey(p.Info, gs.Call.Args[i]), fn.Name()
		}
	}
	return nil, "", ""
}

// drainCallIn returns the (*http.Server).Shutdown call that body makes
// after it learns that the process must stop, or nil.
func (p *Pass) drainCallIn(body *ast.BlockStmt) *ast.CallExpr {
	var shutdown *ast.CallExpr
	ast.Inspect(body, func(n ast.Node) bool {
		if _, ok := n.(*ast.FuncLit); ok || shutdown != nil {
			return false
		}
		call, ok := n.(*ast.CallExpr)
		if !ok || !isMethod(callee(p.Info, call), "net/http", "Server", "Shutdown") {
			return true
		}
		if _, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr); ok && p.onShutdownPath(p.pathTo(call)) {
			shutdown = call
		}
		return true
	})
	return shutdown
}

// serveCallIn returns the call in s (not in a goroutine or a func literal)
// that serves the server srv: ListenAndServe, ListenAndServeTLS, Serve or
// ServeTLS.
func (p *Pass) serveCallIn(s ast.Stmt, srv string) *ast.CallExpr {
	var serve *ast.CallExpr
	ast.Inspect(s, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit, *ast.GoStmt, *ast.DeferStmt:
			return false
		case *ast.CallExpr:
			fn := callee(p.Info, n)
			if isMethod(fn, "net/http", "Server", "ListenAndServe", "ListenAndServeTLS", "Serve", "ServeTLS") {
				if sel, ok := ast.Unparen(n.Fun).(*ast.SelectorExpr); ok && varKey(p.Info, sel.X) == srv {
					serve = n
				}
				return serve == nil
			}
			// A helper that serves the server it is given
			// (web.ListenAndServe(srv, cfg, logger)).
			if name := strings.ToLower(fnName(fn)); strings.HasPrefix(name, "listenandserve") || strings.HasPrefix(name, "serve") {
				for _, a := range n.Args {
					if isNamed(derefType(p.Info.TypeOf(a)), "net/http", "Server") && varKey(p.Info, a) == srv {
						serve = n
					}
				}
			}
		}
		return serve == nil
	})
	return serve
}

// waitsIn reports whether any of the statements blocks for something a
// drain could signal: a receive, a select, a range over a channel, a Wait
// or a Sleep.
func (p *Pass) waitsIn(list []ast.Stmt) bool {
	for _, s := range list {
		if p.waitIn(s, token.NoPos, token.NoPos, true) != "" {
			return true
		}
	}
	return false
}

// WaitsBetween reports whether the code of n between pos and end (outside
// func literals) may wait for something: a receive, a select, a range
// over a channel, a Wait of a WaitGroup (or a wrapper of one), a Cond, an
// errgroup, a command or a process, or a time.Sleep. The rewrites ask it before sharing a deadline across it.
func (p *Pass) WaitsBetween(n ast.Node, pos, end token.Pos) bool {
	return p.waitIn(n, pos, end, true) != ""
}

// waitIn returns what in n (between pos and end when they are set, outside
// func literals) may wait: "a receive", "a select", "a range over a
// channel", "a Wait", or "a Sleep" (when sleeps count), or "".
func (p *Pass) waitIn(n ast.Node, pos, end token.Pos, sleeps bool) string {
	why := ""
	ast.Inspect(n, func(n ast.Node) bool {
		if n == nil || why != "" || pos.IsValid() && (n.End() <= pos || n.Pos() >= end) {
			return false
		}
		if pos.IsValid() && n.Pos() < pos {
			return true // holds the range: look inside
		}
		switch n := n.(type) {
		case *ast.FuncLit:
			return false
		case *ast.UnaryExpr:
			if n.Op == token.ARROW {
				why = "a receive"
			}
		case *ast.SelectStmt:
			why = "a select"
		case *ast.RangeStmt:
			if t := p.Info.TypeOf(n.X); t != nil {
				if _, isChan := t.Underlying().(*types.Chan); isChan {
					why = "a range over a channel"
				}
			}
		case *ast.CallExpr:
			fn := callee(p.Info, n)
			switch {
			case isMethod(fn, "sync", "WaitGroup", "Wait") || isMethod(fn, "sync", "Cond", "Wait") ||
				isMethod(fn, "golang.org/x/sync/errgroup", "Group", "Wait") || isGroupWrapperMethod(fn, "Wait", 0) ||
				isMethod(fn, "os/exec", "Cmd", "Wait") || isMethod(fn, "os", "Process", "Wait"):
				why = "a Wait"
			case sleeps && isFunc(fn, "time", "Sleep"):
				why = "a Sleep"
			}
		}
		return why == ""
	})
	return why
}

// signalsDone reports whether a goroutine's body tells anyone it is done:
// it closes or sends on a channel, calls Done on a WaitGroup, or cancels a
// context.
func signalsDone(info *types.Info, body *ast.BlockStmt) bool {
	found := false
	ast.Inspect(body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.SendStmt:
			found = true
		case *ast.CallExpr:
			if id, ok := ast.Unparen(n.Fun).(*ast.Ident); ok {
				if b, ok := info.Uses[id].(*types.Builtin); ok && b.Name() == "close" {
					found = true
				}
			}
			if isMethod(callee(info, n), "sync", "WaitGroup", "Done") {
				found = true
			}
			// Cancelling a context made outside: the drain's own deadline
			// (ctx, cancel := ... inside the goroutine) tells nobody.
			t := info.TypeOf(n.Fun)
			if id, ok := ast.Unparen(n.Fun).(*ast.Ident); ok && (isNamed(t, "context", "CancelFunc") || isNamed(t, "context", "CancelCauseFunc")) {
				if obj := info.Uses[id]; obj != nil && !within(body, obj.Pos()) {
					found = true
				}
			}
		}
		return !found
	})
	return found
}

// exitBeforeDrainFix plans the wait, or says why there is none: the serve
// statement must end main on every error but http.ErrServerClosed (else
// main would wait for a drain that never comes when the listener cannot be
// opened), and the goroutine must be started right in main.
func (p *Pass) exitBeforeDrainFix(body *ast.BlockStmt, gs *ast.GoStmt, lit *ast.FuncLit, srv string, serveStmt ast.Stmt, serve *ast.CallExpr) (*ExitBeforeDrainFix, string) {
	errVar := ""
	if !p.exitsOnOtherErrors(serveStmt, serve) {
		errVar = p.serveErrVar(serveStmt, serve)
		if errVar == "" {
			return nil, "the serve statement does not end main on errors other than http.ErrServerClosed (a port in use), nor keeps the error in a variable: waiting for the drain there would hang until a signal comes; exit on those errors first"
		}
		if why := p.universeNames(serveStmt.End(), "errors"); why != "" {
			return nil, why
		}
	}
	if why := p.shutDownElsewhere(gs, srv); why != "" {
		return nil, why
	}
	if why := p.blocksAfterDrain(gs, lit); why != "" {
		return nil, why
	}
	var first ast.Stmt = gs
	if lit != nil {
		if len(lit.Body.List) == 0 {
			return nil, "the goroutine has no statements"
		}
		first = lit.Body.List[0]
	} else if why := p.argsStable(body, gs); why != "" {
		return nil, why
	}
	done := ""
	for _, name := range []string{"drained", "shutdownDone", "drainDone"} {
		if p.FreshName(gs, name) == name && p.FreshName(first, name) == name && p.FreshName(serveStmt, name) == name {
			done = name
			break
		}
	}
	if done == "" {
		return nil, "no free name for the done channel"
	}
	if why := p.universeNames(first.Pos(), "close"); why != "" {
		return nil, why
	}
	if why := p.universeNames(gs.Pos(), "make"); why != "" {
		return nil, why
	}
	fix := &ExitBeforeDrainFix{
		Go:     StmtPlace{Stmt: gs, Block: body},
		Lit:    lit,
		Serve:  StmtPlace{Stmt: serveStmt, Block: body},
		Done:   done,
		ErrVar: errVar,
	}
	if lit == nil {
		fix.Call = gs.Call
	}
	return fix, ""
}

// blocksAfterDrain says why main could wait forever for the drain
// goroutine: after its Shutdown, the goroutine (its func literal, or the
// function it runs) can block: a receive (a second signal before a hard
// exit), a select, a range over a channel, a loop with no condition, or a
// Wait.
func (p *Pass) blocksAfterDrain(gs *ast.GoStmt, lit *ast.FuncLit) string {
	body := (*ast.BlockStmt)(nil)
	if lit != nil {
		body = lit.Body
	} else if d := p.cbdDecls()[callee(p.Info, gs.Call)]; d != nil {
		body = d.Body
	}
	if body == nil {
		return "the drain goroutine's code is not in the package"
	}
	shutdown := p.drainCallIn(body)
	if shutdown == nil {
		return "the drain goroutine's Shutdown is not found"
	}
	// After the Shutdown: a wait (a bounded Sleep aside), or a loop with
	// no condition.
	why := p.waitIn(body, shutdown.End(), body.End(), false)
	ast.Inspect(body, func(n ast.Node) bool {
		if f, ok := n.(*ast.ForStmt); ok && why == "" && f.Pos() >= shutdown.End() && f.Cond == nil {
			why = "a loop with no condition"
		}
		_, lit := n.(*ast.FuncLit)
		return !lit && why == ""
	})
	if why != "" {
		return "after its Shutdown the drain goroutine can block (" + why + "): main would wait for it forever"
	}
	return ""
}

// serveErrVar returns the variable that serveStmt assigns the serving
// error to (err := srv.ListenAndServe(), err = web.ListenAndServe(srv,
// ...)), or "".
func (p *Pass) serveErrVar(serveStmt ast.Stmt, serve *ast.CallExpr) string {
	as, ok := serveStmt.(*ast.AssignStmt)
	if !ok || len(as.Lhs) != 1 || len(as.Rhs) != 1 || ast.Unparen(as.Rhs[0]) != serve {
		return ""
	}
	id, ok := as.Lhs[0].(*ast.Ident)
	if !ok || id.Name == "_" {
		return ""
	}
	if t := p.Info.TypeOf(id); t == nil || !types.Identical(t, types.Universe.Lookup("error").Type()) {
		return ""
	}
	return id.Name
}

// shutDownElsewhere says why waiting for the drain when serving returned
// http.ErrServerClosed could hang: some code of the package other than the
// drain goroutine gs shuts a server down or closes it, and serving would
// then end with that error while the drain still waits for its signal.
func (p *Pass) shutDownElsewhere(gs *ast.GoStmt, srv string) string {
	drain := ast.Node(gs)
	if fn := callee(p.Info, gs.Call); fn != nil {
		if d := p.cbdDecls()[fn]; d != nil {
			drain = d
		}
	}
	why := ""
	for _, f := range p.Files {
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || why != "" || within(drain, call.Pos()) || !isMethod(callee(p.Info, call), "net/http", "Server", "Shutdown", "Close") {
				return why == ""
			}
			if sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr); ok && varKey(p.Info, sel.X) != srv && p.ownServer(sel.X) {
				return true // another function's own server
			}
			pos := p.Fset.Position(call.Pos())
			why = fmt.Sprintf("a server is also shut down or closed at %s:%d, outside the drain: serving could end with http.ErrServerClosed while the drain still waits for its signal, and main would hang", filepath.Base(pos.Filename), pos.Line)
			return false
		})
	}
	return why
}

// ownServer reports whether x is a local variable that its function made
// itself (x := &http.Server{...}), so that it cannot be another
// function's server.
func (p *Pass) ownServer(x ast.Expr) bool {
	_, as, i := p.localDef(x)
	if as == nil || len(as.Lhs) != len(as.Rhs) {
		return false
	}
	u, ok := ast.Unparen(as.Rhs[i]).(*ast.UnaryExpr)
	if !ok || u.Op != token.AND {
		return false
	}
	_, lit := ast.Unparen(u.X).(*ast.CompositeLit)
	return lit
}

// argsStable says why the go statement's arguments could not be evaluated
// later, inside a func literal wrapping the call: each must be a constant,
// nil, make(...) or new(...), or a local variable main does not assign
// after the go statement.
func (p *Pass) argsStable(body *ast.BlockStmt, gs *ast.GoStmt) string {
	args := gs.Call.Args
	switch fun := ast.Unparen(gs.Call.Fun).(type) {
	case *ast.Ident:
	case *ast.SelectorExpr:
		// A method (go a.drain(srv)): its receiver is evaluated later
		// too. A package-qualified function (no selection) has none; a
		// func held in a field may change.
		sel, ok := p.Info.Selections[fun]
		switch {
		case !ok:
		case sel.Kind() == types.MethodVal:
			args = append([]ast.Expr{fun.X}, args...)
		default:
			return "the goroutine's function is not named by a function or a method of a variable"
		}
	default:
		return "the goroutine's function is not named by a function or a method of a variable"
	}
	for _, a := range args {
		a = ast.Unparen(a)
		if tv, ok := p.Info.Types[a]; ok && tv.Value != nil || tv.IsNil() {
			continue
		}
		if call, ok := a.(*ast.CallExpr); ok {
			if id, ok := ast.Unparen(call.Fun).(*ast.Ident); ok {
				if b, ok := p.Info.Uses[id].(*types.Builtin); ok && (b.Name() == "make" || b.Name() == "new") {
					continue
				}
			}
		}
		id, ok := a.(*ast.Ident)
		v, isVar := p.Info.Uses[id].(*types.Var)
		if !ok || !isVar || !within(body, v.Pos()) {
			return "an argument of the go statement is not a local variable, a constant or a new value: wrapped in a func literal, it would be evaluated later"
		}
		// The variable, a field or an element of it, assigned after the
		// go statement; or its address taken anywhere (a pointer may
		// change it later).
		isV := func(e ast.Expr) bool {
			for {
				switch x := ast.Unparen(e).(type) {
				case *ast.Ident:
					return p.Info.ObjectOf(x) == v
				case *ast.SelectorExpr:
					if _, isPtr := p.Info.TypeOf(x.X).Underlying().(*types.Pointer); isPtr {
						return false // through a pointer: shared either way
					}
					e = x.X
				case *ast.IndexExpr:
					if _, isArr := p.Info.TypeOf(x.X).Underlying().(*types.Array); !isArr {
						return false
					}
					e = x.X
				default:
					return false
				}
			}
		}
		assigned := false
		for _, s := range body.List {
			after := s.Pos() > gs.Pos()
			ast.Inspect(s, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.AssignStmt:
					assigned = assigned || after && slices.ContainsFunc(n.Lhs, isV)
				case *ast.IncDecStmt:
					assigned = assigned || after && isV(n.X)
				case *ast.UnaryExpr:
					assigned = assigned || n.Op == token.AND && isV(n.X)
				}
				return !assigned
			})
		}
		if assigned {
			return "main assigns " + id.Name + " (or a part of it) after the go statement, or takes its address: wrapped in a func literal, the call would see the new value"
		}
	}
	return ""
}

// exitsOnOtherErrors reports whether serveStmt is
//
//	if err := srv.ListenAndServe(); err != nil && err != http.ErrServerClosed { <terminal> }
//
// or a form of it (err != http.ErrServerClosed, !errors.Is(err,
// http.ErrServerClosed), the error assigned in the statement before): main
// goes past it only when the server was shut down.
func (p *Pass) exitsOnOtherErrors(serveStmt ast.Stmt, serve *ast.CallExpr) bool {
	ifs, ok := serveStmt.(*ast.IfStmt)
	if !ok || ifs.Else != nil || !isTerminal(p.Info, ifs.Body.List) {
		return false
	}
	mentions := false
	ast.Inspect(ifs.Cond, func(n ast.Node) bool {
		if sel, ok := n.(*ast.SelectorExpr); ok && sel.Sel.Name == "ErrServerClosed" {
			if v, ok := p.Info.Uses[sel.Sel].(*types.Var); ok && v.Pkg() != nil && v.Pkg().Path() == "net/http" {
				mentions = true
			}
		}
		return !mentions
	})
	return mentions && ifs.Init != nil && within(ifs.Init, serve.Pos())
}

// derefType is t, or what it points to.
func derefType(t types.Type) types.Type {
	if ptr, ok := t.(*types.Pointer); ok {
		return ptr.Elem()
	}
	return t
}

// fnName is fn's name, or "" for nil.
func fnName(fn *types.Func) string {
	if fn == nil {
		return ""
	}
	return fn.Name()
}
