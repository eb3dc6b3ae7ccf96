package matchers

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"slices"
	"strings"
	"unicode"
)

// BlockForever: main ends by blocking forever, and the program handles no
// signal.
//
// select {}, <-make(chan struct{}), a receive from a channel nothing uses
// and an empty for {} keep the process alive, but nothing in the program
// catches SIGTERM: the orchestrator's stop kills it with the default
// action, deferred calls never run and whatever main started is never
// drained. A program that calls signal.Notify, NotifyContext or Ignore in
// any package of it (main's own or one it imports, as far as they are
// loaded) handles signals on purpose and is not reported. The fix waits
// for SIGINT or SIGTERM instead, then drains each local main started
// (x.Start(), go x.Serve(...)) whose type has a Shutdown, Drain,
// GracefulStop or Stop method, under a -timeout deadline when the method
// takes a context.
//
//	app := NewApp()
//	app.Start()
//	<-make(chan struct{})                // bad
//
//	app := NewApp()
//	app.Start()
//	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
//	defer stop()
//	<-ctx.Done()                         // good
//	drainCtx, cancel := context.WithTimeout(context.Background(), 25*time.Second)
//	defer cancel()
//	if err := app.Drain(drainCtx); err != nil {
//		log.Printf("drain: %v", err)
//	}
func BlockForever(p *Pass) []Finding {
	if p.Pkg.Name() != "main" || strings.HasSuffix(p.Pkg.Path(), ".test") {
		return nil
	}
	var found []Finding
	for _, f := range p.Owned {
		if p.isTestFile(f) {
			continue
		}
		for _, d := range f.Decls {
			main, ok := d.(*ast.FuncDecl)
			if !ok || main.Recv != nil || main.Name.Name != "main" || main.Body == nil || len(main.Body.List) == 0 {
				continue
			}
			// main itself, or the function of its package that main
			// calls as its last statement (wakapi's listen, set BV):
			// either way the process ends blocked there.
			fd, msg := main, blockForeverMsg
			last := main.Body.List[len(main.Body.List)-1]
			decl, ok := p.blocksForever(main.Body, last)
			if !ok {
				tail := p.tailFunc(last)
				if tail == nil {
					continue
				}
				fd, last = tail, tail.Body.List[len(tail.Body.List)-1]
				msg = fmt.Sprintf(blockForeverTailMsg, tail.Name.Name)
				if decl, ok = p.blocksForever(fd.Body, last); !ok {
					continue
				}
			}
			if p.programHandlesSignals() {
				continue
			}
			fnd := Finding{Pos: last.Pos(), End: last.End(), Message: msg}
			if what := p.nothingToDrain(fd); what == "" && (fd == main || p.nothingToDrain(main) == "") {
				fnd.Harmless = harmlessNothingToDrain
			} else {
				fix, why := p.blockForeverFix(f, fd, last, decl)
				setFix(&fnd, fix, why)
			}
			found = append(found, fnd)
		}
	}
	return found
}

// The message, for a block in main and in the function main ends by
// calling.
const (
	blockForeverMsg     = "main blocks forever and the program handles no signal: SIGTERM kills it without running deferred calls or draining what it started; wait for SIGTERM with signal.NotifyContext and drain"
	blockForeverTailMsg = "%s, which main ends by calling, blocks forever and the program handles no signal: SIGTERM kills it without running deferred calls or draining what it started; wait for SIGTERM with signal.NotifyContext and drain"
)

// tailFunc returns the function of main's package, with a body, that the
// statement s (main's last) calls as a plain statement: f(...).
func (p *Pass) tailFunc(s ast.Stmt) *ast.FuncDecl {
	es, ok := s.(*ast.ExprStmt)
	if !ok {
		return nil
	}
	call, ok := ast.Unparen(es.X).(*ast.CallExpr)
	if !ok {
		return nil
	}
	id, ok := ast.Unparen(call.Fun).(*ast.Ident)
	if !ok {
		return nil
	}
	fn, ok := p.Info.Uses[id].(*types.Func)
	if !ok || fn.Pkg() != p.Pkg {
		return nil
	}
	d, ok := p.Program.declOf(fn)
	if !ok || d.pass != p || d.fd.Recv != nil || d.fd.Body == nil || len(d.fd.Body.List) == 0 {
		return nil
	}
	return d.fd
}

const harmlessNothingToDrain = "main defers nothing and starts nothing that serves or has a drain method (no Start, Run, Serve or Listen call in its package, no call into the program's other packages, no value with a Shutdown, Stop, GracefulStop, Drain or Flush method): returning on SIGTERM would run nothing that being killed by it skips"

// nothingToDrain returns "" when a SIGTERM that kills the program skips
// nothing that returning from main would run: main's body defers
// nothing, no file of main's package calls a function or method named
// Start, Run, Serve or Listen… (a server or worker pool started) or a
// function of the program's other packages (which may start one), and
// main's function, literals included, holds no value with a drain method
// (Shutdown, Stop, GracefulStop, Drain) or a Flush. Otherwise it returns
// what there is to drain. Close alone (a client connection, a file) is
// no drain: nothing flushes on it that unbuffered writes have not done;
// nor is a value main closes itself before it blocks, or one a goroutine
// holds (main's return would not run its clean-up either).
func (p *Pass) nothingToDrain(fd *ast.FuncDecl) string {
	what := ""
	inspectFunc(fd.Body, func(n ast.Node) bool {
		if _, ok := n.(*ast.DeferStmt); ok && what == "" {
			what = "a deferred call"
		}
		return what == ""
	})
	if what != "" {
		return what
	}
	for _, file := range p.Owned {
		if p.isTestFile(file) {
			continue
		}
		ast.Inspect(file, func(n ast.Node) bool {
			if call, ok := n.(*ast.CallExpr); ok && what == "" {
				fn := callee(p.Info, call)
				if fn == nil {
					return true
				}
				if isStartName(fn.Name()) {
					what = fn.Name()
				} else if _, ok := p.Program.declOf(fn); ok && fn.Pkg() != p.Pkg {
					what = fn.FullName() // the program's own code, which may start anything
				}
			}
			return what == ""
		})
	}
	if what != "" {
		return what
	}
	// Values main itself holds (not a goroutine's: returning from main
	// runs nothing of theirs either) and does not close before it blocks.
	closed := map[*types.Var]bool{}
	inspectFunc(fd.Body, func(n ast.Node) bool {
		if v := p.stoppedVar(n); v != nil {
			closed[v] = true
		}
		return true
	})
	inspectFunc(fd.Body, func(n ast.Node) bool {
		id, ok := n.(*ast.Ident)
		if !ok || what != "" {
			return what == ""
		}
		v, ok := p.Info.Defs[id].(*types.Var)
		if !ok || closed[v] {
			return true
		}
		for _, name := range append(slices.Clone(drainMethods), "Flush") {
			if obj, _, _ := types.LookupFieldOrMethod(v.Type(), true, p.Pkg, name); obj != nil {
				if _, ok := obj.(*types.Func); ok {
					what = v.Name() + "." + name
				}
			}
		}
		return what == ""
	})
	return what
}

// A BlockForeverFix turns the blocking statement Place.Stmt into
// <-ctx.Done() after ctx, stop := signal.NotifyContext(...) and defer
// stop(), then drains each of Drains after it, in order; when one of them
// takes a context, under Deadline (declared after the wait).
type BlockForeverFix struct {
	Place     StmtPlace
	Recv      *ast.UnaryExpr // Place.Stmt's receive (<-make(...) or <-ch), or nil for select {} and for {}
	Decl      ast.Stmt       // the declaration of the unused channel <-ch waits on, to remove; or nil
	Ctx, Stop string
	Drains    []BlockForeverDrain
	Deadline  DeadlineFix
}

// A BlockForeverDrain is Var.Method(...) called after the wait. A gRPC
// server's GracefulStop, which has no deadline of its own, runs in a
// goroutine closing Done, raced against the fix's Deadline or, when there
// is none, a timer T, and Stop is called when the deadline comes first (as
// grpc-stop fixes it); StopTimer says to defer the timer's Stop (files
// older than go1.23).
type BlockForeverDrain struct {
	Var    string
	Method string
	Ctx    bool // the method takes a context.Context (the deadline)
	Err    bool // it returns an error, which is logged

	Grpc      bool
	Done, T   string
	StopTimer bool
}

// blocksForever reports whether s, the last statement of main's body,
// blocks forever, and returns the declaration of the channel it receives
// from when that must go with it.
func (p *Pass) blocksForever(body *ast.BlockStmt, s ast.Stmt) (decl ast.Stmt, ok bool) {
	switch s := s.(type) {
	case *ast.SelectStmt:
		return nil, len(s.Body.List) == 0
	case *ast.ForStmt:
		return nil, s.Init == nil && s.Cond == nil && s.Post == nil && len(s.Body.List) == 0
	case *ast.ExprStmt:
		u, ok := ast.Unparen(s.X).(*ast.UnaryExpr)
		if !ok || u.Op != token.ARROW {
			return nil, false
		}
		if call, ok := ast.Unparen(u.X).(*ast.CallExpr); ok {
			return nil, p.isMakeChan(call)
		}
		if id, ok := ast.Unparen(u.X).(*ast.Ident); ok {
			decl := p.unusedChanDecl(body, id)
			return decl, decl != nil
		}
	}
	return nil, false
}

// unusedChanDecl returns the statement of body declaring id's variable as
// a new channel (ch := make(chan T) or var ch = make(chan T)), when id is
// the only other use of it: nothing can send on it or close it.
func (p *Pass) unusedChanDecl(body *ast.BlockStmt, id *ast.Ident) ast.Stmt {
	v, ok := p.Info.Uses[id].(*types.Var)
	if !ok {
		return nil
	}
	uses := 0
	ast.Inspect(body, func(n ast.Node) bool {
		if x, ok := n.(*ast.Ident); ok && p.Info.Uses[x] == v {
			uses++
		}
		return true
	})
	if uses != 1 {
		return nil
	}
	for _, s := range body.List {
		var name *ast.Ident
		var value ast.Expr
		switch s := s.(type) {
		case *ast.AssignStmt:
			if s.Tok == token.DEFINE && len(s.Lhs) == 1 && len(s.Rhs) == 1 {
				name, _ = s.Lhs[0].(*ast.Ident)
				value = s.Rhs[0]
			}
		case *ast.DeclStmt:
			gd, _ := s.Decl.(*ast.GenDecl)
			if gd != nil && gd.Tok == token.VAR && len(gd.Specs) == 1 {
				vs := gd.Specs[0].(*ast.ValueSpec)
				if len(vs.Names) == 1 && len(vs.Values) == 1 && vs.Type == nil {
					name, value = vs.Names[0], vs.Values[0]
				}
			}
		}
		if name == nil || p.Info.Defs[name] != v {
			continue
		}
		if call, ok := ast.Unparen(value).(*ast.CallExpr); ok && p.isMakeChan(call) {
			return s
		}
		return nil
	}
	return nil
}

// isMakeChan reports whether call is make(chan T) or make(chan T, n).
func (p *Pass) isMakeChan(call *ast.CallExpr) bool {
	id, ok := ast.Unparen(call.Fun).(*ast.Ident)
	if !ok || len(call.Args) == 0 {
		return false
	}
	if b, ok := p.Info.Uses[id].(*types.Builtin); !ok || b.Name() != "make" {
		return false
	}
	t := p.Info.TypeOf(call.Args[0])
	if t == nil {
		return false
	}
	_, ok = types.Unalias(t).Underlying().(*types.Chan)
	return ok
}

// isTestFile reports whether f is a _test.go file.
func (p *Pass) isTestFile(f *ast.File) bool { return p.inTestFile(f) }

// inTestFile reports whether n lies in a _test.go file of p.
func (p *Pass) inTestFile(n ast.Node) bool {
	tf := p.Fset.File(n.Pos())
	return tf != nil && strings.HasSuffix(tf.Name(), "_test.go")
}

// programHandlesSignals reports whether the program of this main package
// calls signal.Notify, NotifyContext or Ignore anywhere: in the package's
// own (non-test) files, or in those of a package it imports, directly or
// not, that the run loaded. Packages the run did not load (third-party
// modules) are not seen.
func (p *Pass) programHandlesSignals() bool {
	byPath := map[string][]*Pass{}
	if p.Program != nil {
		for _, q := range p.Program.Packages {
			byPath[q.Pkg.Path()] = append(byPath[q.Pkg.Path()], q)
		}
	}
	seen := map[string]bool{p.Pkg.Path(): true}
	queue := []*Pass{p}
	for len(queue) > 0 {
		q := queue[0]
		queue = queue[1:]
		if q.callsNotify() {
			return true
		}
		for _, imp := range q.Pkg.Imports() {
			if seen[imp.Path()] {
				continue
			}
			seen[imp.Path()] = true
			queue = append(queue, byPath[imp.Path()]...)
		}
	}
	return false
}

// callsNotify reports whether a non-test file of the package calls
// signal.Notify, NotifyContext or Ignore.
func (p *Pass) callsNotify() bool {
	if !imports(p.Pkg, "os/signal") {
		return false
	}
	found := false
	for _, f := range p.Files {
		if p.isTestFile(f) {
			continue
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if call, ok := n.(*ast.CallExpr); ok && isFunc(callee(p.Info, call), "os/signal", "Notify", "NotifyContext", "Ignore") {
				found = true
			}
			return !found
		})
		if found {
			return true
		}
	}
	return false
}

func (p *Pass) blockForeverFix(f *ast.File, fd *ast.FuncDecl, last ast.Stmt, decl ast.Stmt) (*BlockForeverFix, string) {
	if !p.AtLeast(last.Pos(), "go1.16") {
		return nil, "signal.NotifyContext needs go1.16"
	}
	if p.commentIn(f, last.Pos(), last.End()) {
		return nil, "a comment inside the blocking statement would be lost"
	}
	fix := &BlockForeverFix{
		Place: StmtPlace{Stmt: last, Block: fd.Body},
		Decl:  decl,
		Ctx:   p.FreshName(last, "ctx", "sigCtx"),
		Stop:  p.FreshName(last, "stop", "stopSignals"),
	}
	if es, ok := last.(*ast.ExprStmt); ok {
		fix.Recv = ast.Unparen(es.X).(*ast.UnaryExpr)
	}
	if fix.Ctx == "" || fix.Stop == "" {
		return nil, "no free name for the signal context"
	}
	fix.Drains = p.startedDrains(fd.Body, last)
	for i := range fix.Drains {
		d := &fix.Drains[i]
		if !d.Grpc {
			continue
		}
		sc := p.scopeAt(last)
		for _, name := range []string{"make", "close"} {
			if _, obj := sc.LookupParent(name, last.Pos()); obj != types.Universe.Lookup(name) {
				return nil, "the builtin " + name + " is redefined in main"
			}
		}
		d.Done, d.T = p.FreshName(last, "done", "stopped"), p.FreshName(last, "t", "timer")
		if d.Done == "" || d.T == "" {
			return nil, "no free name for the gRPC drain's channel or timer"
		}
		d.StopTimer = !p.AtLeast(last.Pos(), "go1.23")
	}
	for _, d := range fix.Drains {
		if d.Ctx {
			fix.Deadline = DeadlineFix{
				Place:  fix.Place,
				Ctx:    p.FreshName(last, "drainCtx"),
				Cancel: p.FreshName(last, "cancel", "drainCancel"),
			}
			if fix.Deadline.Ctx == "" || fix.Deadline.Cancel == "" {
				return nil, "no free name for the drain deadline"
			}
			break
		}
	}
	return fix, ""
}

// commentIn reports whether a comment of f lies in (from, to).
func (p *Pass) commentIn(f *ast.File, from, to token.Pos) bool {
	for _, cg := range f.Comments {
		if cg.Pos() > from && cg.Pos() < to {
			return true
		}
	}
	return false
}

// drainMethods are the methods that stop what main started, best first:
// those that take a deadline, then those that do not.
var drainMethods = []string{"Shutdown", "Drain", "GracefulStop", "Stop"}

// startedDrains returns the locals of main's body that main started
// (called a Start, Run, Serve or Listen… method on), does not already
// stop or close, and that have a drain method main can call at last (the
// end of the body), last started first.
func (p *Pass) startedDrains(body *ast.BlockStmt, last ast.Stmt) []BlockForeverDrain {
	bodyScope := p.scopeAt(last)
	var vars []*types.Var
	seen := map[*types.Var]bool{}
	ast.Inspect(body, func(n ast.Node) bool {
		v := p.methodCallOn(n, isStartName)
		if v == nil || seen[v] || v.Parent() != bodyScope {
			return true
		}
		if _, obj := bodyScope.LookupParent(v.Name(), last.Pos()); obj != v {
			return true
		}
		seen[v] = true
		vars = append(vars, v)
		return true
	})
	// What main already stops (a deferred Stop, say) it must not stop twice.
	ast.Inspect(body, func(n ast.Node) bool {
		if v := p.stoppedVar(n); v != nil {
			seen[v] = false
		}
		return true
	})
	var drains []BlockForeverDrain
	for i := len(vars) - 1; i >= 0; i-- {
		if !seen[vars[i]] {
			continue
		}
		if d, ok := p.drainOf(vars[i]); ok {
			drains = append(drains, d)
		}
	}
	return drains
}

// isStartName reports whether a method so named starts something that runs
// on: Start, Run, Serve, ListenAndServe and the like.
func isStartName(name string) bool {
	for _, pre := range []string{"Start", "Run", "Serve", "Listen"} {
		if rest, ok := strings.CutPrefix(name, pre); ok && (rest == "" || unicode.IsUpper(rune(rest[0]))) {
			return true
		}
	}
	return false
}

// stoppedVar returns the variable n stops: n is v.M() where M is a
// method of v's type that stops or releases it (isStopName), or nil.
func (p *Pass) stoppedVar(n ast.Node) *types.Var {
	return p.methodCallOn(n, isStopName)
}

// methodCallOn returns v when n calls v.M(), v a variable and M a method
// of its type (the type checker says so: not a func-valued field) whose
// name is one named accepts; nil otherwise.
func (p *Pass) methodCallOn(n ast.Node, named func(string) bool) *types.Var {
	call, ok := n.(*ast.CallExpr)
	if !ok {
		return nil
	}
	sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr)
	if !ok || !named(sel.Sel.Name) {
		return nil
	}
	if fn := callee(p.Info, call); fn == nil || fn.Signature().Recv() == nil {
		return nil
	}
	id, ok := ast.Unparen(sel.X).(*ast.Ident)
	if !ok {
		return nil
	}
	v, _ := p.Info.Uses[id].(*types.Var)
	return v
}

// isStopName reports whether a method so named stops or releases
// something: a drain method, or Close.
func isStopName(name string) bool {
	for _, m := range drainMethods {
		if name == m {
			return true
		}
	}
	return name == "Close"
}

// drainOf returns how to drain v: a gRPC server by a bounded
// GracefulStop, anything else by its best drain method that takes no
// argument or just a context.Context and returns nothing or just an error.
func (p *Pass) drainOf(v *types.Var) (BlockForeverDrain, bool) {
	graceful, _, _ := types.LookupFieldOrMethod(v.Type(), true, p.Pkg, "GracefulStop")
	stop, _, _ := types.LookupFieldOrMethod(v.Type(), true, p.Pkg, "Stop")
	if g, _ := graceful.(*types.Func); isMethod(g, grpcPath, "Server", "GracefulStop") {
		if s, _ := stop.(*types.Func); isMethod(s, grpcPath, "Server", "Stop") {
			return BlockForeverDrain{Var: v.Name(), Method: "GracefulStop", Grpc: true}, true
		}
	}
	var fallback *BlockForeverDrain
	for _, name := range drainMethods {
		obj, _, _ := types.LookupFieldOrMethod(v.Type(), true, p.Pkg, name)
		fn, ok := obj.(*types.Func)
		if !ok {
			continue
		}
		sig := fn.Signature()
		if sig.Variadic() || sig.Params().Len() > 1 || sig.Results().Len() > 1 {
			continue
		}
		d := BlockForeverDrain{Var: v.Name(), Method: name}
		if sig.Params().Len() == 1 {
			if !isContext(sig.Params().At(0).Type()) {
				continue
			}
			d.Ctx = true
		}
		if sig.Results().Len() == 1 {
			if !types.Identical(sig.Results().At(0).Type(), types.Universe.Lookup("error").Type()) {
				continue
			}
			d.Err = true
		}
		if d.Ctx {
			return d, true
		}
		if fallback == nil {
			fallback = &d
		}
	}
	if fallback != nil {
		return *fallback, true
	}
	return BlockForeverDrain{}, false
}
