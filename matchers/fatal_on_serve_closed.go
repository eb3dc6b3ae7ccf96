package matchers

import (
	"go/ast"
	"go/types"
)

// FatalOnServeClosed: log.Fatal on the error of ListenAndServe (or Serve,
// ListenAndServeTLS, ServeTLS) of a server that is shut down.
//
// Shutdown and Close make Serve return http.ErrServerClosed at once, while
// Shutdown is still waiting for requests in flight. Exiting on that error
// kills the process in the middle of the drain it just started. Reported
// only for a server (a variable or a struct field, followed one call into
// a helper's parameter) that the package shuts down or closes somewhere.
//
//	go func() {
//		log.Fatal(srv.ListenAndServe())   // bad
//	}()
//	<-stop
//	srv.Shutdown(ctx)
//
//	go func() {
//		if err := srv.ListenAndServe(); !errors.Is(err, http.ErrServerClosed) {
//			log.Fatal(err)                // good
//		}
//	}()
func FatalOnServeClosed(p *Pass) []Finding {
	if !imports(p.Pkg, "net/http") {
		return nil
	}
	var serves, stops []*ast.CallExpr
	for _, f := range p.Files {
		p.inspectCallees(f, func(n ast.Node, fn *types.Func) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			if _, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr); !ok {
				return true
			}
			switch {
			case isMethod(fn, "net/http", "Server", "ListenAndServe", "ListenAndServeTLS", "Serve", "ServeTLS"):
				serves = append(serves, call)
			case isMethod(fn, "net/http", "Server", "Shutdown", "Close"):
				stops = append(stops, call)
			}
			return true
		}, (*ast.CallExpr)(nil))
	}
	var found []Finding
	for _, call := range serves {
		if !p.isStopped(call, stops) {
			continue
		}
		if fd, ok := p.fatalOnServeClosed(call); ok {
			found = append(found, fd)
		}
	}
	return found
}

// A FatalOnServeClosedFix lets http.ErrServerClosed through. Either Test,
// the err != nil of an if, becomes err != nil && !errors.Is(err,
// http.ErrServerClosed); or Direct, exit(srv.ListenAndServe()), becomes an
// if whose condition is !errors.Is(err, http.ErrServerClosed).
type FatalOnServeClosedFix struct {
	Test   *ast.BinaryExpr
	Err    string // the name of the error variable of Test
	Direct *ExitArgFix
}

const fatalOnServeClosedMsg = "exiting on the error of a server that is shut down: Shutdown makes Serve return http.ErrServerClosed at once, so the process dies mid-drain; skip http.ErrServerClosed"

func (p *Pass) fatalOnServeClosed(call *ast.CallExpr) (Finding, bool) {
	path := p.pathTo(call)
	if ea, ok := p.exitArgOf(path); ok {
		fd := Finding{Pos: ea.exit.Pos(), End: ea.exit.End(), Message: fatalOnServeClosedMsg}
		fix, why := p.exitArgFix(path, ea, "serveErr")
		if fix != nil {
			setFix(&fd, &FatalOnServeClosedFix{Direct: fix}, "")
		} else {
			fd.NoFix = why
		}
		return fd, true
	}
	ec, ok := p.errCheckOf(path)
	if !ok || p.mentionsServerClosed(ec.ifs.Cond) || p.mentionsServerClosed(ec.ifs.Body) {
		return Finding{}, false
	}
	exits := p.exitCalls(ec.ifs.Body)
	if len(exits) == 0 {
		return Finding{}, false
	}
	// One finding per if: its fix is one edit of the condition.
	return Finding{
		Pos: exits[0].Pos(), End: exits[0].End(), Message: fatalOnServeClosedMsg,
		Fix: &FatalOnServeClosedFix{Test: ec.test, Err: ec.err.Name()},
	}, true
}

// isStopped reports whether the server call is made on is shut down or
// closed somewhere in the package, at a time the call may still be
// serving: a Shutdown deferred, or coming later, in the very function that
// waits for the call to return does not count.
func (p *Pass) isStopped(call *ast.CallExpr, stops []*ast.CallExpr) bool {
	sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr)
	if !ok {
		return false
	}
	keys := map[string]bool{}
	for _, k := range p.serverKeys(sel.X) {
		keys[k] = true
	}
	path := p.pathTo(call)
	body, _ := funcBody(path)
	for _, stop := range stops {
		stopPath := p.pathTo(stop)
		if b, _ := funcBody(stopPath); b == body && (stop.Pos() > call.End() || isDeferred(stopPath)) {
			continue
		}
		for _, k := range p.serverKeys(ast.Unparen(stop.Fun).(*ast.SelectorExpr).X) {
			if keys[k] {
				return true
			}
		}
	}
	return false
}

// isDeferred reports whether the call at path[0] is the call of a defer
// statement.
func isDeferred(path []ast.Node) bool {
	if len(path) < 2 {
		return false
	}
	d, ok := path[1].(*ast.DeferStmt)
	return ok && d.Call == path[0]
}

// serverKeys returns the varKeys naming the server e: its own, and when e
// is a parameter of a function, those of the arguments passed for it.
func (p *Pass) serverKeys(e ast.Expr) []string {
	var keys []string
	if k := varKey(p.Info, e); k != "" {
		keys = append(keys, k)
	}
	fn, i := p.paramOf(e)
	if fn == nil {
		return keys
	}
	for _, f := range p.Files {
		p.inspectCallees(f, func(n ast.Node, c *types.Func) bool {
			if call, ok := n.(*ast.CallExpr); ok && c == fn && i < len(call.Args) {
				if k := varKey(p.Info, call.Args[i]); k != "" {
					keys = append(keys, k)
				}
			}
			return true
		}, (*ast.CallExpr)(nil))
	}
	return keys
}

// mentionsServerClosed reports whether n refers to http.ErrServerClosed.
func (p *Pass) mentionsServerClosed(n ast.Node) bool {
	found := false
	ast.Inspect(n, func(n ast.Node) bool {
		if id, ok := n.(*ast.Ident); ok {
			if v, ok := p.Info.Uses[id].(*types.Var); ok && v.Pkg() != nil &&
				v.Pkg().Path() == "net/http" && v.Name() == "ErrServerClosed" {
				found = true
			}
		}
		return !found
	})
	return found
}
