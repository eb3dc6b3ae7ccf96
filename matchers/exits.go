package matchers

import (
	"go/ast"
	"go/types"
	"slices"
	"strings"
)

// endsProcess reports whether a call of fn ends the process without
// running deferred calls: isExit's standard ones; a logging library's
// Fatal (loggerFatal); or a function of the program that always ends in
// one of these (exitWrapper: a project's own fatalf).
func (p *Program) endsProcess(fn *types.Func) bool {
	return p.endsProcessSeen(fn, nil)
}

func (p *Program) endsProcessSeen(fn *types.Func, seen map[*types.Func]bool) bool {
	if fn == nil {
		return false
	}
	if isExit(fn) {
		return true
	}
	// A logging library's Fatal is known by its name; the program's own
	// functions by their body (a Fatal of its own that only logs is no
	// exit).
	if loggerFatal(fn) && (p == nil || !p.declared(fn)) {
		return true
	}
	if p == nil || seen[fn] {
		return false
	}
	p.exitMu.Lock()
	v, ok := p.exitFn[fn]
	p.exitMu.Unlock()
	if ok {
		return v
	}
	if seen == nil {
		seen = map[*types.Func]bool{}
	}
	seen[fn] = true
	v = p.exitWrapper(fn, seen)
	p.exitMu.Lock()
	if p.exitFn == nil {
		p.exitFn = map[*types.Func]bool{}
	}
	p.exitFn[fn] = v
	p.exitMu.Unlock()
	return v
}

// declared reports whether fn is one of the program's functions.
func (p *Program) declared(fn *types.Func) bool {
	_, ok := p.declOf(fn)
	return ok
}

// loggerFatal reports whether fn is a logging library's Fatal: a function
// or method named Fatal, Fatalf, Fatalln or Fatalw (or klog's and glog's
// Exit, Exitf, Exitln), with no results, of a package whose path names a
// logger (logrus, klog, glog, go-kit's log,
// zap, whose path has no "log"). zerolog's Fatal returns the event to
// write and ends the process only at its Msg: see zerologFatal.
func loggerFatal(fn *types.Func) bool {
	if fn.Pkg() == nil || fn.Signature().Results().Len() != 0 {
		return false
	}
	path := fn.Pkg().Path()
	if path == "log" || !strings.Contains(path, "log") && path != "go.uber.org/zap" {
		return false // package log's are isExit's
	}
	return slices.Contains([]string{"Fatal", "Fatalf", "Fatalln", "Fatalw", "Exit", "Exitf", "Exitln"}, fn.Name())
}

// exitWrapper reports whether fn is a function of the program whose body
// returns nowhere (outside func literals) and whose last statement is a
// call that ends the process: func fatalf(format string, args ...any) {
// logger.Printf(format, args...); os.Exit(1) }.
func (p *Program) exitWrapper(fn *types.Func, seen map[*types.Func]bool) bool {
	d, ok := p.declOf(fn)
	if !ok || d.fd.Body == nil || len(d.fd.Body.List) == 0 {
		return false
	}
	if returnsIn(d.fd.Body) {
		return false
	}
	last, ok := d.fd.Body.List[len(d.fd.Body.List)-1].(*ast.ExprStmt)
	if !ok {
		return false
	}
	call, ok := ast.Unparen(last.X).(*ast.CallExpr)
	return ok && p.endsProcessSeen(callee(d.pass.Info, call), seen)
}

// zerologFatal returns the selector of the Fatal call that starts the
// zerolog chain call ends (log.Fatal().Err(err).Msg("..."): zerolog's
// Fatal returns the event, and its Msg, Msgf, MsgFunc or Send writes it
// and ends the process), or nil when call is no such end.
func (p *Pass) zerologFatal(call *ast.CallExpr) *ast.SelectorExpr {
	fn := callee(p.Info, call)
	if fn == nil || !isZerologEvent(fn.Signature().Recv()) || !slices.Contains([]string{"Msg", "Msgf", "MsgFunc", "Send"}, fn.Name()) {
		return nil
	}
	sel, _ := ast.Unparen(call.Fun).(*ast.SelectorExpr)
	for sel != nil {
		inner, ok := ast.Unparen(sel.X).(*ast.CallExpr)
		if !ok {
			return nil
		}
		isel, ok := ast.Unparen(inner.Fun).(*ast.SelectorExpr)
		if !ok {
			return nil
		}
		// zerolog's own Fatal (a Logger's, or package log's): a Fatal of
		// another type that returns an event may have no Error to rename
		// it to.
		if f := callee(p.Info, inner); f != nil && f.Name() == "Fatal" && isZerologPkg(f.Pkg()) && f.Signature().Results().Len() == 1 && isZerologEventType(f.Signature().Results().At(0).Type()) {
			return isel
		}
		sel = isel
	}
	return nil
}

// isZerologEvent reports whether recv is a *zerolog.Event receiver.
func isZerologEvent(recv *types.Var) bool {
	return recv != nil && isZerologEventType(recv.Type())
}

func isZerologEventType(t types.Type) bool {
	return isNamed(t, "github.com/rs/zerolog", "Event")
}

// isZerologPkg reports whether pkg is zerolog or its global logger package.
func isZerologPkg(pkg *types.Package) bool {
	return pkg != nil && (pkg.Path() == "github.com/rs/zerolog" || pkg.Path() == "github.com/rs/zerolog/log")
}
