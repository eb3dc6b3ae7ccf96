package matchers

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
)

// ShutdownInHandler: (*http.Server).Shutdown called by a handler of the
// server it shuts down.
//
// Shutdown waits until every connection is idle, and the connection of the
// handler calling it is busy until the handler returns: the handler waits
// for Shutdown, Shutdown waits for the handler. Without a deadline the
// drain never ends; with one it always takes the whole deadline and then
// fails. A Shutdown directly in a handler's body (or in a closure the
// handler runs there and then) is reported, unless the handler is known to
// be served by another server: it is registered (http.Handle, HandleFunc,
// (*http.ServeMux).Handle, HandleFunc, or as a Server's Handler) only on
// muxes other than the one the shut-down server serves. A Shutdown started
// with go is not reported.
//
//	http.HandleFunc("/quit", func(w http.ResponseWriter, r *http.Request) {
//		srv.Shutdown(context.Background())    // bad: waits for itself
//	})
//
//	http.HandleFunc("/quit", func(w http.ResponseWriter, r *http.Request) {
//		go func() {                           // good
//			ctx, cancel := context.WithTimeout(context.Background(), 25*time.Second)
//			defer cancel()
//			_ = srv.Shutdown(ctx)
//		}()
//	})
func ShutdownInHandler(p *Pass) []Finding {
	if !imports(p.Pkg, "net/http") {
		return nil
	}
	var idx *handlerIndex
	var found []Finding
	for _, f := range p.Owned {
		p.inspectCallees(f, func(n ast.Node, fn *types.Func) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || len(call.Args) != 1 || !isMethod(fn, "net/http", "Server", "Shutdown") {
				return true
			}
			sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr)
			path := p.pathTo(call)
			if !ok || len(path) < 2 {
				return true
			}
			if _, ok := path[1].(*ast.GoStmt); ok {
				return true
			}
			if idx == nil {
				idx = p.httpHandlers()
			}
			h, direct := p.handlerOf(path, idx)
			if h == nil || p.servedElsewhere(h, sel.X, idx) {
				return true
			}
			fd := Finding{
				Pos: call.Pos(), End: call.End(),
				Message: "(*http.Server).Shutdown in a handler of the server waits for that very handler to return: the drain hangs until its deadline, or forever; start it in a goroutine",
			}
			fix, why := p.shutdownInHandlerFix(path, sel, h, direct)
			setFix(&fd, fix, why)
			found = append(found, fd)
			return true
		}, (*ast.CallExpr)(nil))
	}
	return found
}

// A ShutdownInHandlerFix moves the statement calling Shutdown into a new
// goroutine, where a deadline context is declared first (its Place is the
// statement), and gives Shutdown that context. An expression statement
// becomes _ = srv.Shutdown(ctx).
type ShutdownInHandlerFix struct {
	Call     *ast.CallExpr
	Deadline DeadlineFix // Base: nil for context.Background(), else the old argument
}

func (p *Pass) shutdownInHandlerFix(path []ast.Node, sel *ast.SelectorExpr, h *httpHandler, direct bool) (*ShutdownInHandlerFix, string) {
	call := path[0].(*ast.CallExpr)
	if !direct {
		return nil, "the call is in a closure the handler runs, not in the handler's own body"
	}
	if _, ok := path[1].(*ast.DeferStmt); ok {
		return nil, "the call is deferred"
	}
	if !simpleRefExpr(sel.X) {
		return nil, "the server is computed by a call, which would then run in the goroutine"
	}
	base, why := p.shutdownBase(call.Args[0], h)
	if why != "" {
		return nil, why
	}
	d, why := p.deadlineFix(path, base)
	if why != "" {
		return nil, why
	}
	if why := p.movableShutdown(d.Place.Stmt, call, h); why != "" {
		return nil, why
	}
	after, loop := stmtsAfter(p.pathTo(d.Place.Stmt))
	if loop {
		return nil, "the call is in a loop"
	}
	for _, s := range after {
		if !p.besideDrain(s, h) {
			return nil, fmt.Sprintf("what follows Shutdown in the handler (line %d) would no longer wait for the drain", p.Fset.Position(s.Pos()).Line)
		}
	}
	var early ast.Stmt
	ast.Inspect(h.Body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit:
			return false
		case *ast.DeferStmt:
			if n.Pos() < call.Pos() && early == nil && !p.besideDrain(n, h) {
				early = n
			}
		}
		return early == nil
	})
	if early != nil {
		return nil, fmt.Sprintf("the handler's defer on line %d would run before the drain ends", p.Fset.Position(early.Pos()).Line)
	}
	return &ShutdownInHandlerFix{Call: call, Deadline: d}, ""
}

// simpleRefExpr reports whether e only names a value (x, x.f, *x), without
// calls whose evaluation a goroutine would put off.
func simpleRefExpr(e ast.Expr) bool {
	switch e := ast.Unparen(e).(type) {
	case *ast.Ident:
		return true
	case *ast.SelectorExpr:
		return simpleRefExpr(e.X)
	case *ast.StarExpr:
		return simpleRefExpr(e.X)
	}
	return false
}

// shutdownBase returns the base of the goroutine's deadline context: nil
// (context.Background()) for Background, TODO or the request's context,
// which the server cancels when the handler returns; the old argument when
// it is a local that is always Background or TODO, or a variable that
// outlives the handler (a field of the receiver, a package variable, a
// captured parameter). A context the handler makes itself is refused: its cancel
// may run when the handler returns.
func (p *Pass) shutdownBase(arg ast.Expr, h *httpHandler) (ast.Expr, string) {
	if p.isBackground(arg) || p.isRequestContext(arg, h) {
		return nil, ""
	}
	if p.neverDone(arg) || p.outlives(arg, h.Body) {
		return arg, ""
	}
	return nil, "the context given to Shutdown belongs to the handler and would not outlive it"
}

// isRequestContext reports whether e is r.Context() for the handler's
// request r.
func (p *Pass) isRequestContext(e ast.Expr, h *httpHandler) bool {
	call, ok := ast.Unparen(e).(*ast.CallExpr)
	if !ok || h.R.Var == nil || !isMethod(callee(p.Info, call), "net/http", "Request", "Context") {
		return false
	}
	sel := ast.Unparen(call.Fun).(*ast.SelectorExpr)
	id, ok := ast.Unparen(sel.X).(*ast.Ident)
	return ok && p.Info.Uses[id] == h.R.Var
}

// outlives reports whether e names a variable declared outside body (a
// receiver or captured variable, a package-level variable), or a field of
// one.
func (p *Pass) outlives(e ast.Expr, body *ast.BlockStmt) bool {
	switch e := ast.Unparen(e).(type) {
	case *ast.Ident:
		v, ok := p.Info.Uses[e].(*types.Var)
		return ok && !within(body, v.Pos())
	case *ast.SelectorExpr:
		if id, ok := e.X.(*ast.Ident); ok {
			if _, ok := p.Info.Uses[id].(*types.PkgName); ok {
				_, isVar := p.Info.Uses[e.Sel].(*types.Var)
				return isVar
			}
		}
		return p.outlives(e.X, body)
	case *ast.StarExpr:
		return p.outlives(e.X, body)
	}
	return false
}

// movableShutdown says why the statement s calling Shutdown cannot move to
// a goroutine, or returns "": s is the call itself, _ = call, or
// if err := call; cond { log(err) } whose handling only logs, using nothing
// of the handler's.
func (p *Pass) movableShutdown(s ast.Stmt, call *ast.CallExpr, h *httpHandler) string {
	const used = "the error of Shutdown is used other than by a log call"
	switch s := s.(type) {
	case *ast.ExprStmt:
		if ast.Unparen(s.X) == call {
			return ""
		}
	case *ast.AssignStmt:
		if s.Tok == token.ASSIGN && len(s.Lhs) == 1 && len(s.Rhs) == 1 && ast.Unparen(s.Rhs[0]) == call {
			if id, ok := s.Lhs[0].(*ast.Ident); ok && id.Name == "_" {
				return ""
			}
		}
	case *ast.IfStmt:
		init, ok := s.Init.(*ast.AssignStmt)
		if !ok || s.Else != nil || init.Tok != token.DEFINE || len(init.Lhs) != 1 || len(init.Rhs) != 1 || ast.Unparen(init.Rhs[0]) != call {
			return used
		}
		for _, st := range s.Body.List {
			es, ok := st.(*ast.ExprStmt)
			if !ok {
				return used
			}
			if c, isCall := ast.Unparen(es.X).(*ast.CallExpr); !isCall || !p.isLogCall(c) {
				return used
			}
		}
		errVar, _ := p.Info.Defs[init.Lhs[0].(*ast.Ident)].(*types.Var)
		if p.usesLocalsOf(s.Cond, h.Node, errVar) || p.usesLocalsOf(s.Body, h.Node, errVar) {
			return "the handling of Shutdown's error uses the handler's variables"
		}
		return ""
	}
	return used
}

// usesLocalsOf reports whether n uses a variable declared in fn (its
// parameters included), other than except.
func (p *Pass) usesLocalsOf(n ast.Node, fn ast.Node, except *types.Var) bool {
	found := false
	ast.Inspect(n, func(n ast.Node) bool {
		if id, ok := n.(*ast.Ident); ok {
			if v, ok := p.Info.Uses[id].(*types.Var); ok && v != except && !v.IsField() && within(fn, v.Pos()) {
				found = true
			}
		}
		return !found
	})
	return found
}

// besideDrain reports whether a statement of the handler may as well run
// while the drain goes on: a return, or a call (or deferred call) that logs,
// cancels a context, or deals with the request or response.
func (p *Pass) besideDrain(s ast.Stmt, h *httpHandler) bool {
	var call *ast.CallExpr
	switch s := s.(type) {
	case *ast.ReturnStmt:
		return true
	case *ast.ExprStmt:
		call, _ = ast.Unparen(s.X).(*ast.CallExpr)
	case *ast.DeferStmt:
		call = s.Call
	}
	if call == nil {
		return false
	}
	if p.isLogCall(call) || isNamed(p.Info.TypeOf(call.Fun), "context", "CancelFunc") {
		return true
	}
	mentions := false
	ast.Inspect(call, func(n ast.Node) bool {
		if id, ok := n.(*ast.Ident); ok {
			if v := p.Info.Uses[id]; v != nil && (v == h.W.Var || v == h.R.Var) {
				mentions = true
			}
		}
		return !mentions
	})
	return mentions
}

// isLogCall reports whether call is a function or method of log or
// log/slog that writes a record.
func (p *Pass) isLogCall(call *ast.CallExpr) bool {
	fn := callee(p.Info, call)
	logs := []string{"Print", "Printf", "Println", "Fatal", "Fatalf", "Fatalln"}
	slogs := []string{"Debug", "Info", "Warn", "Error", "DebugContext", "InfoContext", "WarnContext", "ErrorContext", "Log", "LogAttrs"}
	return isFunc(fn, "log", logs...) || isMethod(fn, "log", "Logger", logs...) ||
		isFunc(fn, "log/slog", slogs...) || isMethod(fn, "log/slog", "Logger", slogs...)
}
