package matchers

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"slices"
	"strings"
)

// ExitInGoroutine: os.Exit or log.Fatal inside a goroutine, while the
// code that started it waits to drain.
//
// os.Exit ends the process from wherever it is called: main's drain never
// starts, and no deferred call of any goroutine runs. A goroutine that fails
// should hand the failure to main, which drains and then decides the exit
// status. Reported inside go func() {...}() (and closures it calls),
// errgroup and WaitGroup Go funcs, and functions of the package that are
// only ever started with go, when a function starting the goroutine waits
// afterwards for a termination signal or a context's Done (it has a drain to
// skip). An exit the goroutine reaches after a termination signal or a
// context's Done (a second signal, a drain that overran) is the drain's hard
// stop and is not reported. An exit taken only on the error of a call the
// stop cannot end (given no context but Background or TODO, on a value the
// package never stops: a dial, a read of stdin, a component's start) is a
// failure exit, not on the stop's path: shown only with -all, as is an exit
// whose starter waits only for Ctrl-C and drains nothing (abortsOnCtrlC). An exit on the
// error of net/http's ListenAndServe or Serve (directly, or through a
// function of the program that only returns that error) is left alone: apart
// from http.ErrServerClosed (fatal-on-serve-closed's business) they fail
// when the listener cannot be opened, before anything is in flight. The fix
// needs a cancel func of the program's lifetime context
// (signal.NotifyContext or context.WithCancel, whose context is waited on)
// in scope: the exit becomes a log line, then cancel() and return, and main
// drains.
//
//	go func() {
//		if err := server.Run(ctx); err != nil {
//			log.Fatal(err)          // bad: main's drain never runs
//		}
//	}()
//	<-ctx.Done()
//
//	go func() {
//		if err := server.Run(ctx); err != nil {
//			log.Print(err)
//			cancel()                // good: main drains, then exits
//			return
//		}
//	}()
//	<-ctx.Done()
func ExitInGoroutine(p *Pass) []Finding {
	if !imports(p.Pkg, "os") && !imports(p.Pkg, "log") {
		return nil
	}
	started := p.onlyStarted()
	var found []Finding
	for _, f := range p.Owned {
		p.inspectCallees(f, func(n ast.Node, fn *types.Func) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || !isExit(fn) {
				return true
			}
			path := p.pathTo(call)
			g, ok := p.goroutineOf(path, started)
			// An exit after the goroutine saw the shutdown start (a second
			// signal, a drain that overran its deadline) is the hard stop
			// of a drain, not a way around it.
			if !ok || !p.drainSkipped(g) || p.onServeError(path, g) || p.onShutdownPath(path) {
				return true
			}
			fd := Finding{
				Pos: call.Pos(), End: call.End(),
				Message: "exiting inside a goroutine ends the process at once: main's drain never runs and no deferred call runs; hand the failure to main (cancel its context) and let main decide the exit status",
			}
			fix, why := p.exitInGoroutineFix(path, call, g)
			setFix(&fd, fix, why)
			fd.Harmless = p.noDrain()
			if fd.Harmless == "" {
				if failed := p.exitsOnOwnFailure(path, g); failed != "" {
					fd.Harmless = fmt.Sprintf(harmlessOwnFailure, failed)
				}
			}
			if fd.Harmless == "" && p.onOtherServeError(path, g) {
				fd.Harmless = harmlessOtherServe
			}
			if fd.Harmless == "" && p.abortsOnCtrlC(g) {
				fd.Harmless = harmlessCtrlC
			}
			found = append(found, fd)
			return true
		}, (*ast.CallExpr)(nil))
	}
	return found
}

// An ExitInGoroutineFix replaces the exit statement Exit by a log line
// (Print, when the exit is a Fatal: Sel is renamed) and cancel(), followed
// by return unless the statement ends the goroutine's function.
type ExitInGoroutineFix struct {
	Exit   *ast.CallExpr
	Sel    *ast.SelectorExpr // the Fatal selector, nil for os.Exit
	Print  string            // the Print method replacing Sel's Fatal
	Cancel string            // the cancel func's name
	Return bool
	// For os.Exit: the file's import of os and every use of it, so that
	// the import goes when no use is left.
	Import  *ast.ImportSpec
	PkgUses []*ast.Ident
}

// A goroutine is the function an exit runs in.
type goroutine struct {
	fn      ast.Node // *ast.FuncLit or *ast.FuncDecl
	body    *ast.BlockStmt
	starts  []ast.Node // the statements or calls starting it
	nested  bool       // the exit is in a closure the goroutine calls
	decl    bool       // fn is a declared function started with go
	returns bool       // fn has unnamed results
}

// goroutineOf finds the goroutine the call at path[0] runs in: climbing out
// of closures called on the spot (or stored in a variable only called),
// up to a func literal started with go (or given to an errgroup's or a
// WaitGroup's Go), or a declared function only ever started with go.
func (p *Pass) goroutineOf(path []ast.Node, started map[*types.Func][]ast.Node) (goroutine, bool) {
	nested := false
	for i, n := range path {
		switch n := n.(type) {
		case *ast.FuncDecl:
			fn, _ := p.Info.Defs[n.Name].(*types.Func)
			if fn == nil || started[fn] == nil {
				return goroutine{}, false
			}
			return goroutine{fn: n, body: n.Body, starts: started[fn], nested: nested, decl: true, returns: unnamedResults(n.Type)}, true
		case *ast.FuncLit:
			if i+1 >= len(path) {
				return goroutine{}, false
			}
			lit := goroutine{fn: n, body: n.Body, nested: nested, returns: unnamedResults(n.Type)}
			switch parent := path[i+1].(type) {
			case *ast.CallExpr:
				if ast.Unparen(parent.Fun) == n {
					if i+2 < len(path) {
						if gs, ok := path[i+2].(*ast.GoStmt); ok {
							lit.starts = []ast.Node{gs}
							return lit, true
						}
					}
					nested = true // called on the spot, or deferred
					continue
				}
				if p.isGoFunc(parent, n) {
					lit.starts = []ast.Node{parent}
					return lit, true
				}
				return goroutine{}, false
			case *ast.AssignStmt, *ast.ValueSpec:
				if !p.onlyCalled(parent, n) {
					return goroutine{}, false
				}
				nested = true
			default:
				return goroutine{}, false
			}
		}
	}
	return goroutine{}, false
}

// isGoFunc reports whether call starts lit as a goroutine:
// (*errgroup.Group).Go, TryGo or (*sync.WaitGroup).Go.
func (p *Pass) isGoFunc(call *ast.CallExpr, lit *ast.FuncLit) bool {
	fn := callee(p.Info, call)
	if !isMethod(fn, "golang.org/x/sync/errgroup", "Group", "Go", "TryGo") && !isMethod(fn, "sync", "WaitGroup", "Go") {
		return false
	}
	for _, a := range call.Args {
		if ast.Unparen(a) == lit {
			return true
		}
	}
	return false
}

// onlyCalled reports whether the func literal lit, stored in a local
// variable by decl, is only ever called through it.
func (p *Pass) onlyCalled(decl ast.Node, lit *ast.FuncLit) bool {
	var v *types.Var
	switch d := decl.(type) {
	case *ast.AssignStmt:
		for i, r := range d.Rhs {
			if r == lit && len(d.Lhs) == len(d.Rhs) && d.Tok == token.DEFINE {
				if id, ok := d.Lhs[i].(*ast.Ident); ok {
					v, _ = p.Info.Defs[id].(*types.Var)
				}
			}
		}
	case *ast.ValueSpec:
		for i, r := range d.Values {
			if r == lit && len(d.Names) == len(d.Values) {
				v, _ = p.Info.Defs[d.Names[i]].(*types.Var)
			}
		}
	}
	if v == nil || v.Parent() == p.Pkg.Scope() {
		return false
	}
	body, _ := funcBody(p.pathTo(lit)[1:])
	if body == nil {
		return false
	}
	ok := true
	calls := 0
	ast.Inspect(body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.CallExpr:
			if id, isID := ast.Unparen(n.Fun).(*ast.Ident); isID && p.Info.Uses[id] == v {
				calls++
				for _, a := range n.Args {
					ast.Inspect(a, func(m ast.Node) bool { return visitUse(p, m, v, &ok) })
				}
				return false
			}
		case *ast.Ident:
			visitUse(p, n, v, &ok)
		}
		return ok
	})
	return ok && calls > 0
}

// visitUse clears *ok when n is a use of v.
func visitUse(p *Pass, n ast.Node, v *types.Var, ok *bool) bool {
	if id, isID := n.(*ast.Ident); isID && p.Info.Uses[id] == v {
		*ok = false
	}
	return *ok
}

// unnamedResults reports whether a function returns values a bare return
// cannot give.
func unnamedResults(t *ast.FuncType) bool {
	if t.Results == nil || len(t.Results.List) == 0 {
		return false
	}
	return len(t.Results.List[0].Names) == 0
}

// onlyStarted returns the functions and methods of the package that are
// started with go and never used otherwise (called, or taken as a value),
// with the go statements that start them.
func (p *Pass) onlyStarted() map[*types.Func][]ast.Node {
	goFun := map[*ast.Ident]*ast.GoStmt{} // the name in go f() or go x.m()
	for _, f := range p.Files {
		p.inspectFile(f, func(n ast.Node) bool {
			if gs, ok := n.(*ast.GoStmt); ok {
				switch fun := ast.Unparen(gs.Call.Fun).(type) {
				case *ast.Ident:
					goFun[fun] = gs
				case *ast.SelectorExpr:
					goFun[fun.Sel] = gs
				}
			}
			return true
		}, (*ast.GoStmt)(nil))
	}
	started := map[*types.Func][]ast.Node{}
	used := map[*types.Func]bool{}
	for id, obj := range p.Info.Uses {
		fn, ok := obj.(*types.Func)
		if !ok || fn.Pkg() != p.Pkg {
			continue
		}
		if gs := goFun[id]; gs != nil {
			started[fn] = append(started[fn], gs)
		} else {
			used[fn] = true
		}
	}
	for fn := range started {
		if used[fn] || fn.Name() == "main" || fn.Name() == "init" {
			delete(started, fn)
		}
	}
	return started
}

// drainSkipped reports whether an exit in g skips a drain: a function
// starting g waits, after starting it, for a termination signal or a
// context's Done, and so has shutdown work the exit would cut short.
func (p *Pass) drainSkipped(g goroutine) bool {
	for _, start := range g.starts {
		body, _ := funcBody(p.pathTo(start))
		if body == nil {
			continue
		}
		var wait *ast.UnaryExpr
		inspectFunc(body, func(n ast.Node) bool {
			if u, ok := n.(*ast.UnaryExpr); ok && u.Op == token.ARROW && u.Pos() > start.End() {
				if p.doneOf(u.X) != "" || isSignalChan(p.Info.TypeOf(u.X)) {
					wait = u
				}
			}
			return wait == nil
		})
		if wait != nil && !p.skipsOnlyTrivia(body, wait.Pos()) {
			return true
		}
	}
	return false
}

// harmlessCtrlC is why an exit whose starter waits only for Ctrl-C and
// drains nothing after it is not a default finding.
const harmlessCtrlC = "what the function starting the goroutine waits for is only Ctrl-C (os.Interrupt or SIGINT, not SIGTERM), and it drains nothing after it (no Shutdown, Stop, GracefulStop or Drain): an interactive command's abort, which a stop (SIGTERM) never runs, and which the exit cuts short only when it has failed anyway"

// abortsOnCtrlC reports whether every function starting g waits, after
// starting it, only for signals a terminal sends (each wait a receive
// from a channel that signal.Notify is given, in the package, with SIGINT
// alone: a known list without SIGTERM) and drains nothing (drains): the
// shape of an interactive command that aborts on Ctrl-C (signal-no-sigterm
// leaves it alone for the same reason). A wait for a context's Done, or a
// channel that may carry SIGTERM, is a stop's path.
func (p *Pass) abortsOnCtrlC(g goroutine) bool {
	for _, start := range g.starts {
		path := p.pathTo(start)
		body, _ := funcBody(path)
		fn := outerFunc(path)
		if body == nil || fn == nil || p.drains(fn) {
			return false
		}
		waits := 0
		ok := true
		inspectFunc(body, func(n ast.Node) bool {
			u, isRecv := n.(*ast.UnaryExpr)
			if !ok || !isRecv || u.Op != token.ARROW || u.Pos() <= start.End() {
				return ok
			}
			if p.doneOf(u.X) != "" {
				ok = false
			} else if isSignalChan(p.Info.TypeOf(u.X)) {
				waits++
				ok = p.interruptOnly(u.X)
			}
			return ok
		})
		if !ok || waits == 0 {
			return false
		}
	}
	return len(g.starts) > 0
}

// interruptOnly reports whether ch, a local signal channel, is given to
// signal.Notify in its file only with SIGINT (os.Interrupt), a list
// written out, at least once, and handed to no other call (but
// signal.Stop).
func (p *Pass) interruptOnly(ch ast.Expr) bool {
	id, ok := ast.Unparen(ch).(*ast.Ident)
	v, _ := p.Info.Uses[id].(*types.Var)
	if !ok || v == nil || v.Parent() == p.Pkg.Scope() {
		return false
	}
	notified := 0
	only := true
	for _, f := range p.Files {
		if !within(f, v.Pos()) {
			continue
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, isCall := n.(*ast.CallExpr)
			if !isCall || !only {
				return only
			}
			for i, a := range call.Args {
				if a, isID := ast.Unparen(a).(*ast.Ident); !isID || p.Info.Uses[a] != v {
					continue
				}
				switch fn := callee(p.Info, call); {
				case i == 0 && isFunc(fn, "os/signal", "Notify"):
					notified++
					sigs, known := p.signalList(call, 1)
					only = only && known && len(sigs) == 1 && sigs["SIGINT"]
				case isFunc(fn, "os/signal", "Stop"):
				default:
					only = false // handed on: it may be notified of more
				}
			}
			return only
		})
	}
	return only && notified > 0
}

// harmlessOwnFailure is why an exit taken only when a call fails on its
// own is not a default finding.
const harmlessOwnFailure = "the exit runs only when %s fails on its own (it is given no context the stop can cancel, and nothing in the package stops what it runs on): a stop never leads to it, so no drain is cut short by it; it is a failure exit (at start-up, or of a part the process cannot run without)"

// exitsOnOwnFailure returns the call whose error alone leads to the exit at
// path[0], when that call cannot fail because of the stop: the exit is
// under an if on an error variable, every assignment of that variable in
// the goroutine before the exit is a call given no context but
// context.Background or TODO, and no method of the package that stops
// (Shutdown, Close, Stop, GracefulStop) is called on the call's receiver.
// An exit taken whatever the call returns (log.Fatal(srv.Serve(l))), or on
// the error of a call the stop can end (Run(ctx)), is on the stop's path.
func (p *Pass) exitsOnOwnFailure(path []ast.Node, g goroutine) string {
	var errVar *types.Var
	for _, n := range path {
		if n == g.fn {
			break
		}
		ifs, ok := n.(*ast.IfStmt)
		if !ok || errVar != nil {
			continue
		}
		ast.Inspect(ifs.Cond, func(m ast.Node) bool {
			if id, ok := m.(*ast.Ident); ok && errVar == nil {
				if v, ok := p.Info.Uses[id].(*types.Var); ok && isErrorType(v.Type()) {
					errVar = v
				}
			}
			return errVar == nil
		})
	}
	if errVar == nil {
		return ""
	}
	var calls []*ast.CallExpr
	ok := true
	inspectFunc(g.body, func(n ast.Node) bool {
		as, isAssign := n.(*ast.AssignStmt)
		if !ok || !isAssign || as.Pos() >= path[0].Pos() {
			return ok
		}
		for i, l := range as.Lhs {
			id, isID := ast.Unparen(l).(*ast.Ident)
			if !isID || p.Info.ObjectOf(id) != errVar {
				continue
			}
			rhs := as.Rhs[0]
			if len(as.Rhs) == len(as.Lhs) {
				rhs = as.Rhs[i]
			}
			call, isCall := ast.Unparen(rhs).(*ast.CallExpr)
			if !isCall {
				ok = false
				return false
			}
			calls = append(calls, call)
		}
		return ok
	})
	if !ok || len(calls) == 0 {
		return ""
	}
	for _, call := range calls {
		for _, a := range call.Args {
			if isNamed(p.Info.TypeOf(a), "context", "Context") && !p.neverCancelled(a) {
				return ""
			}
		}
		if sel, isSel := ast.Unparen(call.Fun).(*ast.SelectorExpr); isSel {
			if s, isMethod := p.Info.Selections[sel]; isMethod && s.Kind() == types.MethodVal && p.stoppedInPackage(sel.X) {
				return ""
			}
		}
	}
	return types.ExprString(calls[0].Fun)
}

// neverCancelled reports whether the context expression e is
// context.Background() or context.TODO(), or a local variable defined
// once from one.
func (p *Pass) neverCancelled(e ast.Expr) bool {
	if call, ok := ast.Unparen(e).(*ast.CallExpr); ok {
		return isFunc(callee(p.Info, call), "context", "Background", "TODO")
	}
	if _, as, i := p.localDef(e); as != nil && len(as.Lhs) == len(as.Rhs) {
		if call, ok := ast.Unparen(as.Rhs[i]).(*ast.CallExpr); ok {
			return isFunc(callee(p.Info, call), "context", "Background", "TODO")
		}
	}
	return false
}

// stoppedInPackage reports whether the package calls a stopping method
// (Shutdown, Close, Stop, GracefulStop) on x's value, by key.
func (p *Pass) stoppedInPackage(x ast.Expr) bool {
	keys := map[string]bool{}
	for _, k := range p.keysOf(x) {
		keys[k] = true
	}
	if len(keys) == 0 {
		return true // unknown: assume it is
	}
	found := false
	for _, f := range p.Files {
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || found {
				return !found
			}
			if sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr); ok && isStopName(sel.Sel.Name) {
				for _, k := range p.keysOf(sel.X) {
					found = found || keys[k]
				}
			}
			return !found
		})
	}
	return found
}

// onServeError reports whether the exit at path[0] is on the error of
// net/http's ListenAndServe or Serve: in its arguments, in an if enclosing
// it, or in the statement just before the exit's (or that if's). Apart from http.ErrServerClosed
// (fatal-on-serve-closed's business) those fail when the listener cannot
// be opened, before anything is in flight.
func (p *Pass) onServeError(path []ast.Node, g goroutine) bool {
	if p.callsServe(path[0]) {
		return true
	}
	for i, n := range path {
		if n == g.fn {
			break
		}
		if ifs, ok := n.(*ast.IfStmt); ok && (ifs.Init != nil && p.callsServe(ifs.Init) || p.callsServe(ifs.Cond)) {
			return true
		}
		// The statement just before (the exit's, or an if's that holds
		// it): log(srv.ListenAndServe()); os.Exit(1).
		if st, ok := n.(ast.Stmt); ok && i+1 < len(path) {
			list := stmtList(path[i+1])
			for k, s := range list {
				if s == st && k > 0 && p.callsServe(list[k-1]) {
					return true
				}
			}
		}
	}
	return false
}

// callsServe reports whether n calls net/http's ListenAndServe or Serve
// (or their TLS forms), as a function or a method of *http.Server, or a
// function of the program that only returns such a call's error (a
// StartMetrics wrapper).
func (p *Pass) callsServe(n ast.Node) bool {
	return p.callsServeDepth(n, 1)
}

func (p *Pass) callsServeDepth(n ast.Node, depth int) bool {
	found := false
	inspectFunc(n, func(n ast.Node) bool {
		if call, ok := n.(*ast.CallExpr); ok {
			fn := callee(p.Info, call)
			names := []string{"ListenAndServe", "ListenAndServeTLS", "Serve", "ServeTLS"}
			found = isMethod(fn, "net/http", "Server", names...) || isFunc(fn, "net/http", names...) ||
				depth > 0 && fn != nil && p.returnsServeError(fn, depth-1)
		}
		return !found
	})
	return found
}

// harmlessOtherServe is why an exit on the error of another library's
// serve call is not a default finding.
const harmlessOtherServe = "the exit is on the error of a server's serve call outside net/http (Serve, ListenAndServe, Listen): it fails when its listener cannot be opened, before anything is in flight, and servers such as gRPC's and fasthttp's return nil when they are stopped; check that this one does"

// onOtherServeError reports whether the exit at path[0] is in the body of
// an if whose condition (or init) calls another library's serve method
// (otherServe): if err := app.Listen(addr); err != nil { os.Exit(1) }. An
// exit whatever the call returns (log.Fatal(app.Listen(addr))) runs when
// the server stops too, and is left a finding.
func (p *Pass) onOtherServeError(path []ast.Node, g goroutine) bool {
	for i, n := range path {
		if n == g.fn {
			break
		}
		ifs, ok := n.(*ast.IfStmt)
		if ok && i > 0 && path[i-1] == ifs.Body && (ifs.Init != nil && p.otherServe(ifs.Init) || p.otherServe(ifs.Cond)) {
			return true
		}
	}
	return false
}

// otherServeNames are the names of the methods that run a server until it
// stops, outside net/http.
var otherServeNames = []string{"Serve", "ServeTLS", "ListenAndServe", "ListenAndServeTLS", "Listen", "ListenTLS", "ListenMutualTLS"}

// otherServe reports whether n calls a method with one of otherServeNames
// and the single result error, of a type outside net/http (a gRPC server,
// a fiber app, a project's own LDAP server), given no context (which the
// stop could cancel, making it fail).
func (p *Pass) otherServe(n ast.Node) bool {
	found := false
	inspectFunc(n, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok || found {
			return !found
		}
		fn := callee(p.Info, call)
		if fn == nil || fn.Signature().Recv() == nil || fn.Pkg() == nil || fn.Pkg().Path() == "net/http" || !slices.Contains(otherServeNames, fn.Name()) {
			return true
		}
		// Given a context, the stop can end it with an error (Serve(ctx)).
		for _, a := range call.Args {
			if isNamed(p.Info.TypeOf(a), "context", "Context") {
				return true
			}
		}
		res := fn.Signature().Results()
		found = res.Len() == 1 && isErrorType(res.At(0).Type())
		return !found
	})
	return found
}

// returnsServeError reports whether every return statement of fn, a
// function of the loaded program, returns the error of a serve call.
func (p *Pass) returnsServeError(fn *types.Func, depth int) bool {
	d, ok := p.Program.declOf(fn)
	if !ok || d.fd.Body == nil {
		return false
	}
	returns := 0
	serves := true
	inspectFunc(d.fd.Body, func(n ast.Node) bool {
		if r, ok := n.(*ast.ReturnStmt); ok {
			returns++
			serves = serves && len(r.Results) == 1 && d.pass.callsServeDepth(r.Results[0], depth)
		}
		return serves
	})
	return serves && returns > 0
}

func (p *Pass) exitInGoroutineFix(path []ast.Node, exit *ast.CallExpr, g goroutine) (*ExitInGoroutineFix, string) {
	const surface = "; surface the error to main, e.g. through an error channel"
	if g.decl {
		return nil, "the goroutine is a declared function, where no cancel func of main's context is in scope" + surface
	}
	if g.nested {
		return nil, "the exit is in a closure the goroutine calls, which a return would not end" + surface
	}
	if g.returns {
		return nil, "the goroutine's function returns values" + surface
	}
	place, ok := stmtPlace(path[1:])
	stmt, isExpr := place.Stmt.(*ast.ExprStmt)
	if !ok || !isExpr || stmt.X != exit {
		return nil, "the exit is not a statement of its own" + surface
	}
	list := stmtList(place.Block)
	if list[len(list)-1] != stmt {
		return nil, "statements follow the exit" + surface
	}
	cancel := p.lifetimeCancel(exit.Pos(), g.fn)
	if cancel == nil {
		return nil, "no cancel func of the program's lifetime context is in scope" + surface
	}
	fix := &ExitInGoroutineFix{Exit: exit, Cancel: cancel.Name(), Return: place.Block != g.body}
	fn := callee(p.Info, exit)
	if isFunc(fn, "os", "Exit") {
		if len(exit.Args) == 1 && p.Info.Types[exit.Args[0]].Value == nil && rootVar(p.Info, exit.Args[0]) == nil {
			return nil, "the exit status is computed by an expression the fix would drop" + surface
		}
		fix.Import, fix.PkgUses = p.importUses(exit.Pos(), "os")
	} else {
		sel, ok := ast.Unparen(exit.Fun).(*ast.SelectorExpr)
		if !ok {
			return nil, "the Fatal function is not called through a selector"
		}
		name := "Print" + strings.TrimPrefix(fn.Name(), "Fatal")
		if fn.Signature().Recv() != nil {
			obj, _, _ := types.LookupFieldOrMethod(p.Info.TypeOf(sel.X), true, p.Pkg, name)
			if m, _ := obj.(*types.Func); !isMethod(m, "log", "Logger", name) {
				return nil, "the logger's " + name + " is not (*log.Logger)." + name
			}
		}
		fix.Sel, fix.Print = sel, name
	}
	return fix, ""
}

// lifetimeCancel returns the cancel func, in scope at pos and declared
// outside the goroutine fn, of a context the program lives by: made by
// signal.NotifyContext or context.WithCancel in a function that waits for
// the context's Done itself. Calling it starts that function's drain.
func (p *Pass) lifetimeCancel(pos token.Pos, fn ast.Node) *types.Var {
	for sc := p.Pkg.Scope().Innermost(pos); sc != nil && sc != p.Pkg.Scope(); sc = sc.Parent() {
		for _, name := range sc.Names() {
			v, ok := sc.Lookup(name).(*types.Var)
			if !ok || within(fn, v.Pos()) || !isNamed(v.Type(), "context", "CancelFunc") {
				continue
			}
			if _, obj := p.Pkg.Scope().Innermost(pos).LookupParent(name, pos); obj != v {
				continue
			}
			if p.cancelsWaitedCtx(v) {
				return v
			}
		}
	}
	return nil
}

// cancelsWaitedCtx reports whether cancel is declared by
// ctx, cancel := signal.NotifyContext(...) or context.WithCancel(...) in a
// function that receives from ctx.Done() itself (not in a func literal).
func (p *Pass) cancelsWaitedCtx(cancel *types.Var) bool {
	var ctx types.Object
	var body *ast.BlockStmt
	for _, f := range p.Files {
		if !within(f, cancel.Pos()) {
			continue
		}
		path := enclosing(f, cancel.Pos(), cancel.Pos())
		for i, n := range path {
			as, ok := n.(*ast.AssignStmt)
			if !ok || len(as.Lhs) != 2 || len(as.Rhs) != 1 {
				continue
			}
			call, ok := ast.Unparen(as.Rhs[0]).(*ast.CallExpr)
			if !ok {
				break
			}
			if c := callee(p.Info, call); !isFunc(c, "os/signal", "NotifyContext") && !isFunc(c, "context", "WithCancel") {
				break
			}
			if id, ok := as.Lhs[1].(*ast.Ident); !ok || p.Info.Defs[id] != cancel {
				break
			}
			if id, ok := as.Lhs[0].(*ast.Ident); ok {
				ctx = p.Info.ObjectOf(id)
			}
			body, _ = funcBody(path[i:])
			break
		}
	}
	if ctx == nil || body == nil {
		return false
	}
	key := ptr(ctx)
	waited := false
	inspectFunc(body, func(n ast.Node) bool {
		if u, ok := n.(*ast.UnaryExpr); ok && u.Op == token.ARROW && p.doneOf(u.X) == key {
			waited = true
		}
		return !waited
	})
	return waited
}

// importUses returns the import of path in the file holding pos, and every
// use of the name it imports; nil when the file imports it with _ or dot.
func (p *Pass) importUses(pos token.Pos, path string) (*ast.ImportSpec, []*ast.Ident) {
	f := p.FileOf(pos)
	if f == nil {
		return nil, nil
	}
	var spec *ast.ImportSpec
	var pn *types.PkgName
	for _, imp := range f.Imports {
		if n := p.Info.PkgNameOf(imp); n != nil && n.Imported().Path() == path && n.Name() != "_" && n.Name() != "." {
			spec, pn = imp, n
		}
	}
	if spec == nil {
		return nil, nil
	}
	var uses []*ast.Ident
	ast.Inspect(f, func(n ast.Node) bool {
		if id, ok := n.(*ast.Ident); ok && p.Info.Uses[id] == pn {
			uses = append(uses, id)
		}
		return true
	})
	return spec, uses
}
