package matchers

import (
	"go/ast"
	"go/types"
	"slices"
)

const grpcPath = "google.golang.org/grpc"

// GrpcStop: (*grpc.Server).Stop on a shutdown path.
//
// Stop closes every listener and connection at once and cancels the RPCs
// in flight: clients get Unavailable instead of their responses. After a
// termination signal (or a context's Done) the server should be drained
// with GracefulStop, which stops accepting and waits for the RPCs, bounded
// by a deadline after which Stop cuts what is left. Stop after a
// GracefulStop of the same server (that fallback) is correct and not
// reported, nor is Stop in a test function.
//
//	<-ctx.Done()
//	s.Stop()                           // bad
//
//	<-ctx.Done()
//	done := make(chan struct{})        // good
//	go func() {
//		s.GracefulStop()
//		close(done)
//	}()
//	t := time.NewTimer(25 * time.Second)
//	select {
//	case <-done:
//	case <-t.C:
//		s.Stop()
//	}
func GrpcStop(p *Pass) []Finding {
	if !imports(p.Pkg, grpcPath) {
		return nil
	}
	var found []Finding
	for _, f := range p.Owned {
		p.inspectCallees(f, func(n ast.Node, fn *types.Func) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr)
			if !ok {
				return true
			}
			if isMethod(fn, grpcPath, "Server", "GracefulStop") {
				if fd, ok := p.unboundedGracefulStop(call, sel); ok {
					found = append(found, fd)
				}
				return true
			}
			if !isMethod(fn, grpcPath, "Server", "Stop") {
				return true
			}
			path := p.pathTo(call)
			if p.inTestFunc(call) || !p.onShutdownPath(path) || p.gracefulStopBefore(path, sel.X, call) {
				return true
			}
			fd := Finding{
				Pos: call.Pos(), End: call.End(),
				Message: "(*grpc.Server).Stop on the shutdown path cancels the RPCs in flight; drain with GracefulStop under a deadline, then Stop",
			}
			fix, why := p.grpcStopFix(path, call, sel)
			setFix(&fd, fix, why)
			found = append(found, fd)
			return true
		}, (*ast.CallExpr)(nil))
	}
	return found
}

// unboundedGracefulStop reports a GracefulStop with no deadline: it waits
// for every RPC in flight, and a long-lived stream or a hung handler keeps
// it (and Serve, which returns only once it is done) waiting until the
// process is killed. Not reported: a GracefulStop in a test function, in a
// function that also stops the server (a Stop fallback, called or handed
// to a timer), in a goroutine whose starter races it against a deadline,
// or in a program that forces its exit a fixed time after the stop. Off a
// drain path it is not a default finding.
func (p *Pass) unboundedGracefulStop(call *ast.CallExpr, sel *ast.SelectorExpr) (Finding, bool) {
	path := p.pathTo(call)
	if p.inTestFunc(call) || p.racedGoroutine(path) || p.stopsServer(path, sel) {
		return Finding{}, false
	}
	if fd := funcDeclOf(path); fd != nil && fd.Name.Name == "GracefulStop" {
		return Finding{}, false // a wrapper: its callers bound it
	}
	fd := Finding{
		Pos: call.Pos(), End: call.End(),
		Message: "(*grpc.Server).GracefulStop has no deadline: one long-lived stream or hung RPC keeps the drain (and Serve) waiting until the process is killed; race it against a deadline and Stop when the deadline passes",
	}
	switch {
	case p.Program.Drain().ForcesExit(p.Pkg):
		fd.Harmless = harmlessForcedExit
	case p.boundedByCallers(p.enclosingFunc(call.Pos())):
		fd.Harmless = harmlessBoundedCaller
	case !p.onShutdownPath(path):
		fd.Harmless = p.offDrainPath(call.Pos())
	}
	if other := p.otherDrainStep(path, call); other != "" {
		fd.NoFix = "the drain has another step (" + other + "): a timer of its own would give this step a budget apart from the drain's, and the steps together could outlast the grace period"
		return fd, true
	}
	fix, why := p.grpcStopFix(path, call, sel)
	if fix != nil {
		fix.Graceful = true
	}
	setFix(&fd, fix, why)
	return fd, true
}

// otherDrainStep returns a call of a drain method (Shutdown, Drain,
// GracefulStop, Stop; not a time.Timer's or Ticker's) in the declared
// function holding path[0], other than call, or "".
func (p *Pass) otherDrainStep(path []ast.Node, call *ast.CallExpr) string {
	fd := funcDeclOf(path)
	if fd == nil || fd.Body == nil {
		return ""
	}
	other := ""
	ast.Inspect(fd.Body, func(n ast.Node) bool {
		c, ok := n.(*ast.CallExpr)
		if !ok || c == call || other != "" {
			return other == ""
		}
		if s, ok := ast.Unparen(c.Fun).(*ast.SelectorExpr); ok && slices.Contains(drainMethods, s.Sel.Name) {
			// A timer's or ticker's Stop is no drain step, nor is the
			// gRPC health server's Shutdown, which only marks every
			// service NOT_SERVING and returns.
			if fn := callee(p.Info, c); fn != nil && fn.Signature().Recv() != nil && fn.Pkg() != nil && fn.Pkg().Path() != "time" &&
				!isMethod(fn, "google.golang.org/grpc/health", "Server", "Shutdown") {
				other = types.ExprString(c.Fun) + "()"
			}
		}
		return other == ""
	})
	return other
}

// stopsServer reports whether the declared function holding path[0]
// (func literals included) refers to the Stop method of the server sel.X
// anywhere (a call, or a method value handed to a timer): a fallback that
// bounds the GracefulStop.
func (p *Pass) stopsServer(path []ast.Node, sel *ast.SelectorExpr) bool {
	fd := funcDeclOf(path)
	if fd == nil || fd.Body == nil {
		return false
	}
	body := fd.Body
	key := recvKey(p.Info, sel)
	found := false
	ast.Inspect(body, func(n ast.Node) bool {
		s, ok := n.(*ast.SelectorExpr)
		if !ok || found {
			return !found
		}
		if fn, ok := p.Info.Uses[s.Sel].(*types.Func); ok && isMethod(fn, grpcPath, "Server", "Stop") && (key == "" || recvKey(p.Info, s) == key) {
			found = true
		}
		return !found
	})
	return found
}

// A GrpcStopFix replaces the statement Place.Stmt (Srv.Stop()) with a
// GracefulStop in a goroutine that closes Done, raced against a timer T,
// with the original Stop as the fallback when the timer fires. StopTimer
// says how to stop the timer in files older than go1.23, where an unstopped
// timer lives until it fires: "defer" (defer T.Stop() after it is made),
// "after" (T.Stop() after the select, in a loop) or "" (not needed).
type GrpcStopFix struct {
	Place     StmtPlace
	Srv       ast.Expr // the server, a variable or field chain
	Done, T   string
	StopTimer string
	// Graceful says Place.Stmt is Srv.GracefulStop(), which had no
	// deadline: it is replaced, and the fallback is a new Srv.Stop().
	Graceful bool
	// Recv.Budget is the type's own drain budget (a time.Duration field
	// the program sets), the timer's length instead of -timeout's.
	Recv, Budget string
}

func (p *Pass) grpcStopFix(path []ast.Node, call *ast.CallExpr, sel *ast.SelectorExpr) (*GrpcStopFix, string) {
	place, ok := stmtPlace(path)
	if es, isExpr := place.Stmt.(*ast.ExprStmt); !ok || !isExpr || ast.Unparen(es.X) != call {
		return nil, "the call is not a statement of its own (deferred, started as a goroutine, labelled or used as a value)"
	}
	if refKey(p.Info, sel.X) == "" {
		return nil, "the server is not a variable or a field: the fix would evaluate it twice"
	}
	obj, _, _ := types.LookupFieldOrMethod(p.Info.TypeOf(sel.X), true, p.Pkg, "GracefulStop")
	if fn, _ := obj.(*types.Func); !isMethod(fn, grpcPath, "Server", "GracefulStop") {
		return nil, "the receiver's GracefulStop method is not (*grpc.Server).GracefulStop"
	}
	if !p.AtLeast(call.Pos(), "go1.22") && p.sharedLoopVar(path, sel.X) {
		return nil, "the server is a loop variable shared by every iteration before go1.22: the GracefulStop goroutine would see the next server"
	}
	sc := p.scopeAt(place.Stmt)
	for _, name := range []string{"make", "close"} {
		if _, obj := sc.LookupParent(name, place.Stmt.Pos()); obj != types.Universe.Lookup(name) {
			return nil, "the builtin " + name + " is redefined here"
		}
	}
	fix := &GrpcStopFix{
		Place: place,
		Srv:   sel.X,
		Done:  p.FreshName(place.Stmt, "done", "stopped"),
		T:     p.FreshName(place.Stmt, "t", "timer"),
	}
	if fix.Done == "" || fix.T == "" {
		return nil, "no free name for the drain's channel or timer"
	}
	fix.Recv, fix.Budget = p.drainBudget(path)
	if !p.AtLeast(call.Pos(), "go1.23") {
		fix.StopTimer = "defer"
		if inLoop(path) {
			fix.StopTimer = "after"
		}
	}
	return fix, ""
}

// gracefulStopBefore reports whether the function holding path[0] calls
// GracefulStop on the same server before call: Stop is then the fallback
// for a drain that took too long.
func (p *Pass) gracefulStopBefore(path []ast.Node, srv ast.Expr, call *ast.CallExpr) bool {
	return p.calledBefore(path, srv, call, grpcPath, "Server", "GracefulStop")
}

// sharedLoopVar reports whether the variable at the root of e (x in x.f.g)
// is declared by a for or range statement enclosing path[0].
func (p *Pass) sharedLoopVar(path []ast.Node, e ast.Expr) bool {
	for {
		switch x := ast.Unparen(e).(type) {
		case *ast.SelectorExpr:
			e = x.X
			continue
		case *ast.StarExpr:
			e = x.X
			continue
		case *ast.Ident:
			v, ok := p.Info.Uses[x].(*types.Var)
			if !ok {
				return false
			}
			for _, n := range path {
				var decl ast.Node
				switch n := n.(type) {
				case *ast.RangeStmt:
					decl = n
					if n.Body != nil && within(n.Body, v.Pos()) {
						decl = nil
					}
				case *ast.ForStmt:
					decl = n.Init
				}
				if decl != nil && within(decl, v.Pos()) {
					return true
				}
			}
		}
		return false
	}
}
