package matchers

import (
	"go/ast"
	"go/types"
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
			if !ok || !isMethod(fn, grpcPath, "Server", "Stop") {
				return true
			}
			sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr)
			if !ok {
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
}

func (p *Pass) grpcStopFix(path []ast.Node, call *ast.CallExpr, sel *ast.SelectorExpr) (*GrpcStopFix, string) {
	place, ok := stmtPlace(path)
	if es, isExpr := place.Stmt.(*ast.ExprStmt); !ok || !isExpr || ast.Unparen(es.X) != call {
		return nil, "the Stop call is not a statement of its own (deferred, started as a goroutine, labelled or used as a value)"
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
