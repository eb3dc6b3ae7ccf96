package matchers

import (
	"go/ast"
	"go/token"
	"go/types"
	"strings"
)

// FatalOnShutdown: log.Fatal or os.Exit on the error of
// (*http.Server).Shutdown.
//
// log.Fatal calls os.Exit(1): deferred calls do not run and nothing after
// it in the function happens, so a drain that failed (or timed out) also
// skips every clean-up still to come: closing the database, flushing logs
// and traces, stopping workers. Reported only where something is skipped:
// a defer registered before the exit, or statements that follow in the
// function. The deferred cancel of Shutdown's own deadline context does not
// count: it has done its work once Shutdown returns.
//
//	defer db.Close()
//	if err := srv.Shutdown(ctx); err != nil {
//		log.Fatal(err)                  // bad: db.Close never runs
//	}
//
//	defer db.Close()
//	if err := srv.Shutdown(ctx); err != nil {
//		log.Print(err)                  // good
//	}
func FatalOnShutdown(p *Pass) []Finding {
	if !imports(p.Pkg, "net/http") {
		return nil
	}
	var found []Finding
	for _, f := range p.Owned {
		p.inspectCallees(f, func(n ast.Node, fn *types.Func) bool {
			call, ok := n.(*ast.CallExpr)
			if ok && isMethod(fn, "net/http", "Server", "Shutdown") {
				found = append(found, p.fatalOnShutdown(call)...)
			}
			return true
		}, (*ast.CallExpr)(nil))
	}
	return found
}

// A FatalOnShutdownFix turns an exit on Shutdown's error into a log line:
// Sel (log.Fatal, logger.Fatalf, ...) is renamed Print (Printf, ...).
// Direct is set when the exit takes Shutdown's result as its argument; the
// statement then becomes an if that logs only a non-nil error.
type FatalOnShutdownFix struct {
	Sel    *ast.SelectorExpr
	Print  string
	Direct *ExitArgFix
	// Return, when set, is the error variable to return after the log
	// line, and After the statement (the exit's) it goes after; After is
	// unset in the Direct form, where it ends the new if's body.
	Return string
	After  StmtPlace
}

// An ExitArgFix rewrites the statement exit(..., call, ...) as
//
//	if Err := call; COND { exit(..., Err, ...) }
//
// where each rule writes its own COND.
type ExitArgFix struct {
	Place StmtPlace     // the statement, in its list
	Exit  *ast.CallExpr // the exit call
	Arg   int           // index of call among Exit.Args
	Err   string        // name of the new error variable
}

const fatalOnShutdownMsg = "exiting on the error of (*http.Server).Shutdown skips the deferred calls and the clean-up that follows; log the error and let the drain finish"

func (p *Pass) fatalOnShutdown(call *ast.CallExpr) []Finding {
	path := p.pathTo(call)
	body, _ := funcBody(path)
	if body == nil {
		return nil
	}
	skips := func(stmt ast.Stmt, exit *ast.CallExpr) bool {
		return p.defersBefore(body, exit.Pos(), call, exit) || p.followed(p.pathTo(stmt))
	}
	if ea, ok := p.exitArgOf(path); ok {
		if !skips(ea.stmt, ea.exit) {
			return nil
		}
		fd := Finding{Pos: ea.exit.Pos(), End: ea.exit.End(), Message: fatalOnShutdownMsg}
		fix, why := p.printFix(ea.exit)
		if fix != nil {
			fix.Direct, why = p.exitArgFix(path, ea, "shutdownErr")
			if fix.Direct == nil {
				fix = nil
			} else if p.returnsErrorAfter(path, ea.stmt) {
				fix.Return = fix.Direct.Err
			}
		}
		setFix(&fd, fix, why)
		return []Finding{fd}
	}
	ec, ok := p.errCheckOf(path)
	if !ok {
		return nil
	}
	var found []Finding
	for _, exit := range p.exitCalls(ec.ifs.Body) {
		if !skips(ec.ifs, exit) {
			continue
		}
		fd := Finding{Pos: exit.Pos(), End: exit.End(), Message: fatalOnShutdownMsg}
		fix, why := p.printFix(exit)
		if fix != nil {
			fix.Return, fix.After = p.errReturn(path, ec, exit)
		}
		setFix(&fd, fix, why)
		found = append(found, fd)
	}
	return found
}

// errReturn returns the error variable of ec to return after the log line
// that replaces exit, and the exit's statement, when the exit ends the if's
// body and returnsErrorAfter holds; "" otherwise.
func (p *Pass) errReturn(path []ast.Node, ec errCheck, exit *ast.CallExpr) (string, StmtPlace) {
	list := ec.ifs.Body.List
	if len(list) == 0 || !p.returnsErrorAfter(path, ec.ifs) {
		return "", StmtPlace{}
	}
	last, ok := list[len(list)-1].(*ast.ExprStmt)
	if !ok || ast.Unparen(last.X) != exit {
		return "", StmtPlace{}
	}
	// The name must still mean the checked variable at the exit.
	sc := p.Pkg.Scope().Innermost(exit.Pos())
	if sc == nil {
		return "", StmtPlace{}
	}
	if _, obj := sc.LookupParent(ec.err.Name(), exit.Pos()); obj != ec.err {
		return "", StmtPlace{}
	}
	return ec.err.Name(), StmtPlace{Stmt: last, Block: ec.ifs.Body}
}

// returnsErrorAfter reports whether the function holding path[0] returns
// just an error, and what follows stmt up to the function's end is trivia
// (log lines, prints) and returns without effects: returning the error
// after stmt then skips nothing the exit did not, runs the deferred calls,
// and hands the failure to the caller (a command's RunE still exits
// non-zero).
func (p *Pass) returnsErrorAfter(path []ast.Node, stmt ast.Stmt) bool {
	_, ft := funcBody(path)
	if ft == nil || ft.Results == nil || len(ft.Results.List) != 1 || len(ft.Results.List[0].Names) > 1 {
		return false
	}
	if t := p.Info.TypeOf(ft.Results.List[0].Type); t == nil || !types.Identical(t, types.Universe.Lookup("error").Type()) {
		return false
	}
	return !p.followedBy(p.pathTo(stmt), true)
}

// printFix names the Print method that replaces the Fatal one of exit.
func (p *Pass) printFix(exit *ast.CallExpr) (*FatalOnShutdownFix, string) {
	if sel := p.zerologFatal(exit); sel != nil {
		// The chain's Fatal() becomes Error(): the same event, written
		// at error level, and Msg returns.
		return &FatalOnShutdownFix{Sel: sel, Print: "Error"}, ""
	}
	fn := callee(p.Info, exit)
	if isFunc(fn, "os", "Exit") {
		return nil, "os.Exit sets the exit status, and removing it would make a failed drain exit 0"
	}
	if !isExit(fn) && (!loggerFatal(fn) || p.Program.declared(fn)) {
		return nil, fn.Name() + " is the program's own function that always ends the process: no twin of it that logs and returns is known"
	}
	sel, ok := ast.Unparen(exit.Fun).(*ast.SelectorExpr)
	if !ok {
		return nil, "the Fatal function is not called through a selector"
	}
	if loggerFatal(fn) {
		return p.loggerTwin(fn, sel)
	}
	name := "Print" + strings.TrimPrefix(fn.Name(), "Fatal")
	if fn.Signature().Recv() != nil {
		// A type embedding *log.Logger may have a Print of its own.
		obj, _, _ := types.LookupFieldOrMethod(p.Info.TypeOf(sel.X), true, p.Pkg, name)
		if m, _ := obj.(*types.Func); !isMethod(m, "log", "Logger", name) {
			return nil, "the logger's " + name + " is not (*log.Logger)." + name
		}
	}
	return &FatalOnShutdownFix{Sel: sel, Print: name}, ""
}

// loggerTwin names the method (or function) of the same logger that logs
// what a logging library's Fatal fn would and returns: its Error twin
// (Fatalf → Errorf, Fatalw → Errorw), else its Print twin, with the same
// parameters and no results.
func (p *Pass) loggerTwin(fn *types.Func, sel *ast.SelectorExpr) (*FatalOnShutdownFix, string) {
	suffix := strings.TrimPrefix(strings.TrimPrefix(fn.Name(), "Fatal"), "Exit")
	for _, name := range []string{"Error" + suffix, "Print" + suffix} {
		var obj types.Object
		if fn.Signature().Recv() != nil {
			obj, _, _ = types.LookupFieldOrMethod(p.Info.TypeOf(sel.X), true, p.Pkg, name)
		} else {
			obj = fn.Pkg().Scope().Lookup(name)
		}
		twin, ok := obj.(*types.Func)
		if ok && twin.Signature().Results().Len() == 0 && types.Identical(twin.Signature(), fn.Signature()) {
			return &FatalOnShutdownFix{Sel: sel, Print: name}, ""
		}
	}
	return nil, "the logger has no Error" + suffix + " or Print" + suffix + " with the parameters of " + fn.Name()
}

// An exitArg is exit(..., call, ...) as a statement of its own, where call
// is path[0].
type exitArg struct {
	stmt *ast.ExprStmt
	exit *ast.CallExpr
	arg  int
}

// exitArgOf reports whether the call at path[0] is an argument of a
// log.Fatal call that is a statement of its own.
func (p *Pass) exitArgOf(path []ast.Node) (exitArg, bool) {
	i := 1
	for i < len(path) {
		if _, ok := path[i].(*ast.ParenExpr); !ok {
			break
		}
		i++
	}
	if i+1 >= len(path) {
		return exitArg{}, false
	}
	exit, ok := path[i].(*ast.CallExpr)
	if !ok || !p.Program.endsProcess(callee(p.Info, exit)) {
		return exitArg{}, false
	}
	stmt, ok := path[i+1].(*ast.ExprStmt)
	if !ok {
		return exitArg{}, false
	}
	for j, a := range exit.Args {
		if ast.Unparen(a) == path[0] {
			return exitArg{stmt: stmt, exit: exit, arg: j}, true
		}
	}
	return exitArg{}, false
}

// exitArgFix checks that ea can become an if statement: it sits in a
// statement list, and the other parts of the exit call can be evaluated
// after the call and only on failure.
func (p *Pass) exitArgFix(path []ast.Node, ea exitArg, alt string) (*ExitArgFix, string) {
	var stmtPath []ast.Node
	for i, n := range path {
		if n == ea.stmt {
			stmtPath = path[i:]
			break
		}
	}
	place, ok := stmtPlace(stmtPath)
	if !ok || place.Stmt != ea.stmt {
		return nil, "the statement is not directly in a statement list"
	}
	others := []ast.Expr{ea.exit.Fun}
	for j, a := range ea.exit.Args {
		if j != ea.arg {
			others = append(others, a)
		}
	}
	if ea.exit.Ellipsis.IsValid() {
		return nil, "the exit call spreads a slice"
	}
	used := map[string]bool{}
	for _, e := range others {
		if p.hasEffects(e) {
			return nil, "the other arguments call functions, which would then run after the call and only on failure"
		}
		identNames(e, used)
	}
	for _, name := range []string{"err", alt, alt + "2", alt + "3"} {
		if !used[name] {
			return &ExitArgFix{Place: place, Exit: ea.exit, Arg: ea.arg, Err: name}, ""
		}
	}
	return nil, "no free name for the error"
}

// hasEffects reports whether evaluating e may call a function or receive
// (type conversions and len/cap do not count).
func (p *Pass) hasEffects(e ast.Node) bool {
	found := false
	ast.Inspect(e, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit:
			return false
		case *ast.UnaryExpr:
			if n.Op == token.ARROW {
				found = true
			}
		case *ast.CallExpr:
			if tv, ok := p.Info.Types[n.Fun]; ok && tv.IsType() {
				return true
			}
			if id, ok := ast.Unparen(n.Fun).(*ast.Ident); ok {
				if b, ok := p.Info.Uses[id].(*types.Builtin); ok && (b.Name() == "len" || b.Name() == "cap") {
					return true
				}
			}
			found = true
		}
		return !found
	})
	return found
}

// identNames adds to names every identifier e refers to by name (not the
// field or method names after a dot).
func identNames(e ast.Node, names map[string]bool) {
	ast.Inspect(e, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.SelectorExpr:
			identNames(n.X, names)
			return false
		case *ast.Ident:
			names[n.Name] = true
		}
		return true
	})
}

// An errCheck is the error of a call stored in a variable and tested:
//
//	if err := call; err != nil { ... }
//	err := call
//	if err != nil { ... }
type errCheck struct {
	ifs  *ast.IfStmt
	test *ast.BinaryExpr // the err != nil of ifs.Cond
	err  *types.Var
}

// errCheckOf reports whether the error of the call at path[0] is checked
// by an if statement.
func (p *Pass) errCheckOf(path []ast.Node) (errCheck, bool) {
	if len(path) < 3 {
		return errCheck{}, false
	}
	as, ok := path[1].(*ast.AssignStmt)
	if !ok || len(as.Lhs) != 1 || len(as.Rhs) != 1 || ast.Unparen(as.Rhs[0]) != path[0] {
		return errCheck{}, false
	}
	id, ok := as.Lhs[0].(*ast.Ident)
	if !ok {
		return errCheck{}, false
	}
	v, ok := p.Info.ObjectOf(id).(*types.Var)
	if !ok {
		return errCheck{}, false
	}
	var ifs *ast.IfStmt
	if s, ok := path[2].(*ast.IfStmt); ok && s.Init == as {
		ifs = s
	} else {
		list := stmtList(path[2])
		for i, s := range list {
			if s == as && i+1 < len(list) {
				if next, ok := list[i+1].(*ast.IfStmt); ok && next.Init == nil {
					ifs = next
				}
			}
		}
	}
	if ifs == nil {
		return errCheck{}, false
	}
	test := p.nonNilTest(ifs.Cond, v)
	if test == nil {
		return errCheck{}, false
	}
	return errCheck{ifs: ifs, test: test, err: v}, true
}

// nonNilTest returns the v != nil (or nil != v) that cond is, or is a
// conjunct of, or nil.
func (p *Pass) nonNilTest(cond ast.Expr, v *types.Var) *ast.BinaryExpr {
	b, ok := ast.Unparen(cond).(*ast.BinaryExpr)
	if !ok {
		return nil
	}
	switch b.Op {
	case token.LAND:
		if t := p.nonNilTest(b.X, v); t != nil {
			return t
		}
		return p.nonNilTest(b.Y, v)
	case token.NEQ:
		is := func(e ast.Expr, obj types.Object) bool {
			id, ok := ast.Unparen(e).(*ast.Ident)
			return ok && p.Info.ObjectOf(id) == obj
		}
		isNil := func(e ast.Expr) bool {
			id, ok := ast.Unparen(e).(*ast.Ident)
			return ok && p.Info.ObjectOf(id) == types.Universe.Lookup("nil")
		}
		if is(b.X, v) && isNil(b.Y) || isNil(b.X) && is(b.Y, v) {
			return b
		}
	}
	return nil
}

// exitCalls returns the calls of n that end the process, not looking into
// function literals.
func (p *Pass) exitCalls(n ast.Node) []*ast.CallExpr {
	var calls []*ast.CallExpr
	ast.Inspect(n, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit:
			return false
		case *ast.CallExpr:
			if p.Program.endsProcess(callee(p.Info, n)) || p.zerologFatal(n) != nil {
				calls = append(calls, n)
			}
		}
		return true
	})
	return calls
}

// defersBefore reports whether body registers a deferred call before pos
// that matters when shutdown fails: not the cancel of the context given to
// shutdown (when set), not the Close of a listener its server serves, and,
// at the end of main, not trivia.
func (p *Pass) defersBefore(body *ast.BlockStmt, pos token.Pos, shutdown, exit *ast.CallExpr) bool {
	// A logging library's Fatal flushes its own output before it exits
	// (zap syncs the logger's cores, klog and glog flush): a deferred Sync
	// or Flush of that same logger has nothing left to do.
	flushed := func(*ast.CallExpr) bool { return false }
	if exit != nil {
		if fn := callee(p.Info, exit); fn != nil && loggerFatal(fn) && !p.Program.declared(fn) {
			flushed = func(call *ast.CallExpr) bool { return p.flushesLogger(call, exit, fn) }
		}
	}
	var ignore *types.Var
	if shutdown != nil {
		ignore = p.cancelOf(body, shutdown)
	}
	found := false
	ast.Inspect(body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit:
			return false
		case *ast.DeferStmt:
			if n.Pos() >= pos {
				return false
			}
			if p.callsOnly(n.Call, ignore) || onlyCalls(n.Call, flushed) {
				return false
			}
			found = found || !(p.isMainBody(body) && p.trivialCall(n.Call)) && !p.closesServedListener(body, n.Call, shutdown)
		}
		return !found
	})
	return found
}

// flushesLogger reports whether call is a Sync or Flush of the logger the
// exit call (of the logging library's fn) is made on: a method on the same
// variable (logger.Sync() for logger.Fatal, or for logger.Sugar().Fatalf),
// or, for a package-level exit (klog.Fatalf), the package's own Flush or
// Sync function.
func (p *Pass) flushesLogger(call, exit *ast.CallExpr, fn *types.Func) bool {
	f := callee(p.Info, call)
	if f == nil || f.Name() != "Sync" && f.Name() != "Flush" || len(call.Args) != 0 {
		return false
	}
	if fn.Signature().Recv() == nil {
		return f.Signature().Recv() == nil && f.Pkg() == fn.Pkg()
	}
	root := func(e ast.Expr) types.Object {
		for {
			switch x := ast.Unparen(e).(type) {
			case *ast.Ident:
				return p.Info.ObjectOf(x)
			case *ast.SelectorExpr:
				e = x.X
			case *ast.CallExpr:
				e = x.Fun
			default:
				return nil
			}
		}
	}
	a, b := root(exit.Fun), root(call.Fun)
	return a != nil && a == b && f.Pkg() == fn.Pkg()
}

// onlyCalls reports whether the deferred call is one that ok accepts, or a
// func literal whose every statement is such a call (or _ = such a call).
func onlyCalls(call *ast.CallExpr, ok func(*ast.CallExpr) bool) bool {
	if ok(call) {
		return true
	}
	lit, isLit := ast.Unparen(call.Fun).(*ast.FuncLit)
	if !isLit || len(lit.Body.List) == 0 || len(call.Args) != 0 {
		return false
	}
	for _, st := range lit.Body.List {
		var e ast.Expr
		switch st := st.(type) {
		case *ast.ExprStmt:
			e = st.X
		case *ast.AssignStmt:
			if len(st.Lhs) == 1 && len(st.Rhs) == 1 {
				if id, isID := st.Lhs[0].(*ast.Ident); isID && id.Name == "_" {
					e = st.Rhs[0]
				}
			}
		}
		c, isCall := ast.Unparen(e).(*ast.CallExpr)
		if e == nil || !isCall || !ok(c) {
			return false
		}
	}
	return true
}

// callsOnly reports whether the deferred call does nothing but call fn
// (when set) with no arguments: fn() itself, or a func literal whose
// every statement is fn() (defer func() { cancel() }()).
func (p *Pass) callsOnly(call *ast.CallExpr, fn *types.Var) bool {
	if fn == nil || len(call.Args) != 0 {
		return false
	}
	isFn := func(e ast.Expr) bool {
		c, ok := ast.Unparen(e).(*ast.CallExpr)
		if !ok || len(c.Args) != 0 {
			return false
		}
		id, ok := ast.Unparen(c.Fun).(*ast.Ident)
		return ok && p.Info.ObjectOf(id) == fn
	}
	if isFn(call) {
		return true
	}
	lit, ok := ast.Unparen(call.Fun).(*ast.FuncLit)
	if !ok || len(lit.Body.List) == 0 {
		return false
	}
	for _, st := range lit.Body.List {
		if es, ok := st.(*ast.ExprStmt); !ok || !isFn(es.X) {
			return false
		}
	}
	return true
}

// closesServedListener reports whether call is l.Close() for a listener l
// that the server shut down by shutdown serves in body (srv.Serve(l), also
// in a goroutine): its Shutdown has already closed l, so skipping this
// Close loses nothing.
func (p *Pass) closesServedListener(body *ast.BlockStmt, call, shutdown *ast.CallExpr) bool {
	sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr)
	if !ok || sel.Sel.Name != "Close" || len(call.Args) != 0 || shutdown == nil || !p.isListener(sel.X) {
		return false
	}
	srv, ok := ast.Unparen(shutdown.Fun).(*ast.SelectorExpr)
	if !ok {
		return false
	}
	srvKey := varKey(p.Info, srv.X)
	if srvKey == "" {
		return false
	}
	key := varKey(p.Info, sel.X)
	if key == "" {
		return false
	}
	served := false
	ast.Inspect(body, func(n ast.Node) bool {
		c, ok := n.(*ast.CallExpr)
		if ok && len(c.Args) > 0 && isMethod(callee(p.Info, c), "net/http", "Server", "Serve", "ServeTLS") {
			recv, isSel := ast.Unparen(c.Fun).(*ast.SelectorExpr)
			served = served || isSel && varKey(p.Info, recv.X) == srvKey && varKey(p.Info, c.Args[0]) == key
		}
		return !served
	})
	return served
}

// cancelOf returns the cancel function declared with the context given to
// the Shutdown call (ctx, cancel := context.WithTimeout(...)), or nil.
func (p *Pass) cancelOf(body *ast.BlockStmt, shutdown *ast.CallExpr) *types.Var {
	if len(shutdown.Args) != 1 {
		return nil
	}
	id, ok := ast.Unparen(shutdown.Args[0]).(*ast.Ident)
	if !ok {
		return nil
	}
	ctx := p.Info.ObjectOf(id)
	var cancel *types.Var
	ast.Inspect(body, func(n ast.Node) bool {
		as, ok := n.(*ast.AssignStmt)
		if !ok || len(as.Lhs) != 2 || cancel != nil {
			return cancel == nil
		}
		l0, ok0 := as.Lhs[0].(*ast.Ident)
		l1, ok1 := as.Lhs[1].(*ast.Ident)
		if ok0 && ok1 && ctx != nil && p.Info.ObjectOf(l0) == ctx {
			cancel, _ = p.Info.ObjectOf(l1).(*types.Var)
		}
		return true
	})
	return cancel
}

// followed reports whether something still runs in the function after the
// statement at path[0] completes: a later statement of an enclosing block
// (up to a return that calls nothing, or a branch), or another turn of an
// enclosing loop.
func (p *Pass) followed(path []ast.Node) bool {
	return p.followedBy(path, false)
}

// followedBy is followed, where with trivia set, trivial calls count as
// nothing in any function (not only at the end of main).
func (p *Pass) followedBy(path []ast.Node, trivia bool) bool {
	for i := 0; i+1 < len(path); i++ {
		child, parent := path[i], path[i+1]
		switch parent := parent.(type) {
		case *ast.FuncLit, *ast.FuncDecl:
			return false
		case *ast.ForStmt:
			if child == parent.Body {
				return true
			}
		case *ast.RangeStmt:
			if child == parent.Body {
				return true
			}
		}
		switch child.(type) {
		case *ast.CaseClause, *ast.CommClause:
			continue // the other clauses do not follow
		}
		list := stmtList(parent)
		for k, s := range list {
			if s != child {
				continue
			}
			for _, next := range list[k+1:] {
				switch next := next.(type) {
				case *ast.EmptyStmt:
					continue
				case *ast.ExprStmt:
					if call, ok := ast.Unparen(next.X).(*ast.CallExpr); ok && p.trivialCall(call) && (trivia || p.isMainBodyOf(path)) {
						continue
					}
				case *ast.ReturnStmt:
					return p.hasEffects(next)
				case *ast.BranchStmt:
					return false
				}
				return true
			}
		}
	}
	return false
}
