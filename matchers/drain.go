package matchers

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"slices"
	"strings"
)

// Why a finding is harmless where it stands (Finding.Harmless), as the
// drain-path model tells.
const (
	harmlessNoMain     = "no main package in the load: nothing shows that this runs when a process is stopped (run drainfix on the program that uses this package)"
	harmlessNoImporter = "no main package of the load imports this package: nothing shows that it runs when a process is stopped (run drainfix on the program that uses it)"
	harmlessNoStop     = "the program handles no termination signal: it has no drain for this to hold up or skip"
	harmlessOffPath    = "not on a drain path: no code that runs after the program learns it must stop reaches it"
	harmlessForcedExit = "the program forces its exit a fixed time after it learns it must stop (its drain code sleeps, then exits or kills the process): that already bounds this drain"
	harmlessUnseen     = "the program hands its termination signals to code drainfix has no source for (a service framework): what runs on its drain is not known, so nothing shows this runs there"
)

// noDrain returns why code that never stops, or ends the process, is
// harmless in this program: it has no main, or no drain (it handles no
// signal) that the code could hold up or skip; "" when it has one.
func (p *Pass) noDrain() string {
	m := p.Program.Drain()
	why := ""
	switch {
	case !m.HasMain(p.Pkg) && m.HasMains():
		why = harmlessNoImporter
	case !m.HasMain(p.Pkg):
		why = harmlessNoMain
	case !m.HandlesSignals(p.Pkg):
		why = harmlessNoStop
	default:
		return ""
	}
	if u := p.Program.UnloadedMains; len(u) > 0 {
		why += fmt.Sprintf("; but %s could not be loaded (see the load errors), so this rests on part of the program", ListPaths(u))
	}
	return why
}

// ListPaths names up to three paths and says how many more there are
// (a load error's unchecked packages, a program's unloaded mains).
func ListPaths(paths []string) string {
	s := strings.Join(paths[:min(len(paths), 3)], ", ")
	if n := len(paths); n > 3 {
		s += fmt.Sprintf(" and %d more", n-3)
	}
	return s
}

// offDrainPath returns why the code at pos, which holds up a drain when it
// runs in one, is harmless: the program has no drain, or no code that runs
// after a stop reaches it; "" when it runs on a drain path.
func (p *Pass) offDrainPath(pos token.Pos) string {
	if why := p.noDrain(); why != "" {
		return why
	}
	if m := p.Program.Drain(); !m.Runs(pos, p.enclosingFunc(pos)) {
		if m.HandlesSignalsUnseen(p.Pkg) {
			if p.stopForUnseen(pos) {
				return ""
			}
			return harmlessUnseen
		}
		return harmlessOffPath
	}
	return ""
}

// stopForUnseen reports whether pos is in the body (not a func literal)
// of a method named as a stop (isDrainName) through which its type
// satisfies an interface of a dependency drainfix has no source for. In a
// program that hands its signals to such code (a service framework), that
// is how the framework stops the type: the method is the drain.
func (p *Pass) stopForUnseen(pos token.Pos) bool {
	fn := p.enclosingFunc(pos)
	if fn == nil || fn.Signature().Recv() == nil || !isDrainName(fn.Name()) || p.inFuncLit(pos) {
		return false
	}
	loaded := map[string]bool{}
	for _, q := range p.programPasses() {
		loaded[q.Pkg.Path()] = true
	}
	recv := fn.Signature().Recv().Type()
	if ptr, ok := recv.(*types.Pointer); ok {
		recv = ptr.Elem()
	}
	for _, c := range p.programIfaces()[fn.Name()] {
		if c.pkg != "" && !loaded[c.pkg] && implementsByText(types.NewPointer(recv), c.iface) {
			return true
		}
	}
	return false
}

// unboundedDrainHarmless returns why a wait with no deadline at pos is
// harmless: the program forces its exit a fixed time after the stop, every
// caller already races the wait's function against a deadline or starts it
// as a goroutine nothing waits for, or it runs
// on no drain path. A wait that ignores a context in
// scope (one the function was handed or made) is not excused: whoever made
// the context meant the wait to be bounded, wherever it is called from.
func (p *Pass) unboundedDrainHarmless(pos token.Pos) string {
	if p.Program.Drain().ForcesExit(p.Pkg) {
		return harmlessForcedExit
	}
	if p.boundedByCallers(p.enclosingFunc(pos)) {
		return harmlessBoundedCaller
	}
	if !p.inFuncLit(pos) && p.detachedByCallers(p.enclosingFunc(pos), pos) {
		return harmlessDetached
	}
	if p.ContextAt(pos) != nil {
		return ""
	}
	return p.offDrainPath(pos)
}

// requestCtxEndsOnDrain reports whether the program's drain ends the
// contexts of the requests in flight while it still waits for them, which
// (*http.Server).Shutdown never does by itself: some server sets
// BaseContext (the common way to tie them to the drain). A Close after
// Shutdown's deadline cancels them too, but only once the drain has
// stopped waiting for the requests: a handler that ends then holds up
// nothing.
func (p *Pass) requestCtxEndsOnDrain() bool {
	prog := p.Program
	prog.reqCtxOnce.Do(func() {
		m := prog.Drain()
		for _, pass := range prog.Packages {
			if !imports(pass.Pkg, "net/http") {
				continue
			}
			for id, obj := range pass.Info.Uses {
				switch obj := obj.(type) {
				case *types.Var:
					if obj.IsField() && obj.Name() == "BaseContext" && obj.Pkg() != nil && obj.Pkg().Path() == "net/http" && !pass.inTestFile(id) {
						prog.reqCtxEnds = true
					}
				case *types.Func:
					// A Close after which the drain still waits (for
					// the handlers, through a WaitGroup of its own).
					if isMethod(obj, "net/http", "Server", "Close") && !pass.inTestFile(id) && m.Runs(id.Pos(), pass.enclosingFunc(id.Pos())) && pass.waitsAfter(id) {
						prog.reqCtxEnds = true
					}
				}
				if prog.reqCtxEnds {
					return
				}
			}
		}
	})
	return prog.reqCtxEnds
}

// waitsAfter reports whether a statement after the one holding n, in an
// enclosing block of its function, waits: a call of a method named Wait,
// a receive, or a select without a default.
func (p *Pass) waitsAfter(n ast.Node) bool {
	path := p.pathTo(n)
	for i := 0; i+1 < len(path); i++ {
		child, parent := path[i], path[i+1]
		switch parent.(type) {
		case *ast.FuncDecl, *ast.FuncLit:
			return false
		}
		after := false
		for _, st := range stmtList(parent) {
			if st == child {
				after = true
				continue
			}
			if after && p.waitsInStmt(st) {
				return true
			}
		}
	}
	return false
}

// waitsInStmt reports whether the statement st waits (waitsAfter's sense),
// outside func literals and go statements.
func (p *Pass) waitsInStmt(st ast.Stmt) bool {
	found := false
	ast.Inspect(st, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit, *ast.GoStmt:
			return false
		case *ast.UnaryExpr:
			found = found || n.Op == token.ARROW
		case *ast.SelectStmt:
			found = found || !hasDefault(n)
		case *ast.CallExpr:
			if fn := callee(p.Info, n); fn != nil && fn.Name() == "Wait" && fn.Signature().Recv() != nil {
				found = true
			}
		}
		return !found
	})
	return found
}

// harmlessOnce is why a ticker that lives as long as the process is no
// leak worth fixing.
const harmlessOnce = "its function runs a fixed number of times per process, called from main (or from functions main calls), never in a loop: its ticker lives as long as the process, like the goroutine that ticks"

// runsOncePerProcess reports whether fn runs a fixed number of times in
// the life of the process: every call of it outside test files is made, outside any
// loop, goroutine or func literal and not as a value, by main.main or by a
// function that itself runs once per process (up to four calls down from
// main), and some such call exists.
func (p *Pass) runsOncePerProcess(fn *types.Func) bool {
	return p.once(fn, 4, map[*types.Func]bool{})
}

func (p *Pass) once(fn *types.Func, depth int, seen map[*types.Func]bool) bool {
	if fn == nil || depth < 0 || seen[fn] {
		return false
	}
	seen[fn] = true // a cycle: a recursive call may run it any number of times
	defer delete(seen, fn)
	calls := 0
	for _, pass := range p.Program.Packages {
		for id, obj := range pass.Info.Uses {
			if f, ok := obj.(*types.Func); !ok || f.Origin() != fn.Origin() || strings.HasSuffix(pass.Fset.Position(id.Pos()).Filename, "_test.go") {
				continue
			}
			path := pass.pathTo(id)
			if len(path) < 2 {
				return false
			}
			caller, _ := path[len(path)-2].(*ast.FuncDecl) // the top-level declaration
			if caller == nil {
				return false
			}
			if c, _ := pass.Info.Defs[caller.Name].(*types.Func); caller.Recv == nil && p.uncalled(c) {
				continue // a helper only tests call never runs in the program
			}
			for i, n := range path {
				switch n := n.(type) {
				case *ast.ForStmt, *ast.RangeStmt, *ast.FuncLit, *ast.GoStmt:
					return false
				case *ast.CallExpr:
					if i > 0 && ast.Unparen(n.Fun) != path[i-1] && (i < 2 || ast.Unparen(n.Fun) != path[i-2]) {
						return false // an argument: used as a value
					}
				}
			}
			if !(caller.Recv == nil && caller.Name.Name == "main" && pass.Pkg.Name() == "main") {
				c, _ := pass.Info.Defs[caller.Name].(*types.Func)
				if !p.once(c, depth-1, seen) {
					return false
				}
			}
			calls++
		}
	}
	return calls > 0
}

// uncalled reports whether nothing outside test files in the program
// refers to fn.
func (p *Pass) uncalled(fn *types.Func) bool {
	if fn == nil || fn.Name() == "init" || fn.Name() == "main" {
		return false
	}
	fn = fn.Origin()
	for _, pass := range p.Program.Packages {
		for id, obj := range pass.Info.Uses {
			// A method of a generic type is used through its instances.
			if f, ok := obj.(*types.Func); ok && f.Origin() == fn && !strings.HasSuffix(pass.Fset.Position(id.Pos()).Filename, "_test.go") {
				return false
			}
		}
	}
	return true
}

// harmlessNeverCalled is why code in a function nothing calls is harmless.
const harmlessNeverCalled = "nothing in the program calls the function holding it (no call, no use as a value, no interface the program declares or imports that its type implements with it): it never runs"

// neverCalled reports whether fn can never run in the program: the program
// has a main, nothing outside test files refers to fn, and, for a method,
// no interface with a method of its name that the program declares or
// imports is implemented by its receiver type (a framework could call it
// through that interface).
func (p *Pass) neverCalled(fn *types.Func) bool {
	if fn == nil || !p.Program.Drain().HasMain(p.Pkg) || !p.uncalled(fn) {
		return false
	}
	recv := fn.Signature().Recv()
	if recv == nil {
		return true
	}
	for _, it := range p.programIfaces()[fn.Name()] {
		if implementsIface(fn, it.iface) {
			return false
		}
	}
	return true
}

// isMainBodyOf reports whether path[0] lies in main.main itself.
func (p *Pass) isMainBodyOf(path []ast.Node) bool {
	body, _ := funcBody(path)
	return p.isMainBody(body)
}

// isMainBody reports whether body is the body of main.main, whose end is
// the end of the process: skipping trivia there loses nothing, while the
// end of any other function is followed by its caller's code.
func (p *Pass) isMainBody(body *ast.BlockStmt) bool {
	if body == nil || p.Pkg.Name() != "main" {
		return false
	}
	fd := p.declOfBody(body)
	return fd != nil && fd.Recv == nil && fd.Name.Name == "main"
}

// trivialCall reports whether skipping call when the process exits loses
// nothing: a log line or a print, cancelling a context, or signal.Stop.
func (p *Pass) trivialCall(call *ast.CallExpr) bool {
	t := p.Info.TypeOf(call.Fun)
	if isNamed(t, "context", "CancelFunc") || isNamed(t, "context", "CancelCauseFunc") {
		return true
	}
	fn := callee(p.Info, call)
	if fn == nil || fn.Pkg() == nil {
		return false
	}
	name := fn.Name()
	if path := fn.Pkg().Path(); strings.Contains(path, "log") && path != "log" && path != "log/slog" || path == "go.uber.org/zap" {
		// A logging package's leveled calls (logger.Info, klog.Infof, a
		// logrus entry's Warnln, zap's, whose path has no "log"); never
		// its Fatal or Panic.
		for _, level := range []string{"Debug", "Info", "Warn", "Error", "Print", "Trace"} {
			if strings.HasPrefix(name, level) {
				return true
			}
		}
		return false
	}
	switch fn.Pkg().Path() {
	case "log":
		return strings.HasPrefix(name, "Print") || name == "Output"
	case "fmt":
		return strings.HasPrefix(name, "Print") || strings.HasPrefix(name, "Fprint")
	case "log/slog":
		return slices.Contains([]string{"Debug", "Info", "Warn", "Error", "DebugContext", "InfoContext", "WarnContext", "ErrorContext", "Log", "LogAttrs"}, name)
	case "os/signal":
		return name == "Stop"
	}
	return false
}

// skipsOnlyTrivia reports whether body is main's and what follows pos in
// it, where the process learns it must stop, is at most trivia: no
// deferred call and no statement after the one holding pos other than
// trivial calls, returns and empty statements. An exit that cuts such a
// main short loses nothing.
func (p *Pass) skipsOnlyTrivia(body *ast.BlockStmt, pos token.Pos) bool {
	if !p.isMainBody(body) || p.defersBefore(body, body.End(), nil, nil) {
		return false
	}
	var path []ast.Node
	ast.Inspect(body, func(n ast.Node) bool {
		if n == nil || n.Pos() > pos || pos >= n.End() {
			return false
		}
		if _, ok := n.(*ast.FuncLit); ok {
			return false
		}
		path = append([]ast.Node{n}, path...)
		return true
	})
	if len(path) == 0 {
		return false
	}
	// followed asks whether the function is main's from the path's end.
	if fd := p.declOfBody(body); fd != nil {
		path = append(path, fd)
	}
	return !p.followed(path)
}

// declOfBody returns the function declaration whose body is body.
func (p *Pass) declOfBody(body *ast.BlockStmt) *ast.FuncDecl {
	if f := p.FileOf(body.Pos()); f != nil {
		for _, d := range f.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok && fd.Body == body {
				return fd
			}
		}
	}
	return nil
}

// inFuncLit reports whether pos is inside a func literal.
func (p *Pass) inFuncLit(pos token.Pos) bool {
	f := p.FileOf(pos)
	found := false
	if f != nil {
		ast.Inspect(f, func(n ast.Node) bool {
			if n == nil || found || pos < n.Pos() || pos >= n.End() {
				return false
			}
			_, found = n.(*ast.FuncLit)
			return !found
		})
	}
	return found
}

// enclosingFunc returns the named function whose declaration holds pos.
func (p *Pass) enclosingFunc(pos token.Pos) *types.Func {
	f := p.FileOf(pos)
	if f == nil {
		return nil
	}
	for _, d := range f.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok && fd.Pos() <= pos && pos < fd.End() {
			fn, _ := p.Info.Defs[fd.Name].(*types.Func)
			return fn
		}
	}
	return nil
}

// doneOnlyAtReturn reports whether the context the expression ctx names is
// done only once the function declaring it returns: a local variable
// every assignment of which (its address never taken) is
// context.Background() or TODO(), or context.WithCancel (or
// WithCancelCause, or WithValue) of such a context, whose cancel func is
// used only by defer cancel() in that function. A wait for its Done in a
// goroutine that function starts wakes only after it has returned: in
// main, after the process has begun to exit.
func (p *Pass) doneOnlyAtReturn(ctx ast.Expr) bool {
	id, ok := ast.Unparen(ctx).(*ast.Ident)
	v, _ := p.Info.Uses[id].(*types.Var)
	if !ok || v == nil || v.IsField() || v.Parent() == nil || v.Parent() == p.Pkg.Scope() {
		return false
	}
	f := p.FileOf(v.Pos())
	if f == nil {
		return false
	}
	body, _ := funcBody(enclosing(f, v.Pos(), v.Pos()))
	if body == nil {
		return false
	}
	isV := func(e ast.Expr) bool {
		id, ok := ast.Unparen(e).(*ast.Ident)
		return ok && p.Info.ObjectOf(id) == v
	}
	// rootOK: a parent that is never cancelled, or v itself (ctx, cancel
	// := context.WithCancel(ctx), whose earlier values are checked too).
	rootOK := func(e ast.Expr) bool { return isV(e) || p.neverCancelled(e) }
	var cancels []*types.Var
	ok = true
	assigns := 0
	ast.Inspect(body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.UnaryExpr:
			ok = ok && !(n.Op == token.AND && isV(n.X))
		case *ast.ValueSpec:
			for _, name := range n.Names {
				ok = ok && p.Info.Defs[name] != v // var ctx = ...: not followed
			}
		case *ast.AssignStmt:
			for i, l := range n.Lhs {
				if !isV(l) {
					continue
				}
				assigns++
				if i != 0 || len(n.Rhs) != 1 {
					ok = false
					return false
				}
				call, isCall := ast.Unparen(n.Rhs[0]).(*ast.CallExpr)
				if !isCall {
					ok = false
					return false
				}
				fn := callee(p.Info, call)
				switch {
				case isFunc(fn, "context", "Background", "TODO"):
				case isFunc(fn, "context", "WithValue") && len(call.Args) == 3 && rootOK(call.Args[0]):
				case isFunc(fn, "context", "WithCancel", "WithCancelCause") && len(call.Args) == 1 && rootOK(call.Args[0]) && len(n.Lhs) == 2:
					c, isID := n.Lhs[1].(*ast.Ident)
					cv, _ := p.Info.ObjectOf(c).(*types.Var)
					if !isID || cv == nil {
						ok = false
						return false
					}
					cancels = append(cancels, cv)
				default:
					ok = false
				}
			}
		}
		return ok
	})
	if !ok || assigns == 0 {
		return false
	}
	// Each cancel func: only defer cancel() in the function's own body
	// (not in a func literal, which may run at any time).
	for _, c := range cancels {
		uses, deferred := 0, 0
		ast.Inspect(body, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.FuncLit:
				ast.Inspect(n, func(m ast.Node) bool {
					if id, isID := m.(*ast.Ident); isID && p.Info.Uses[id] == c {
						uses++
					}
					return true
				})
				return false
			case *ast.DeferStmt:
				if id, isID := ast.Unparen(n.Call.Fun).(*ast.Ident); isID && p.Info.Uses[id] == c && len(n.Call.Args) <= 1 {
					deferred++
				}
			case *ast.Ident:
				if p.Info.Uses[n] == c {
					uses++
				}
			}
			return true
		})
		if uses != deferred {
			return false
		}
	}
	return true
}
