package matchers

import (
	"fmt"
	"go/ast"
	"go/build/constraint"
	"go/token"
	"go/types"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// SignalNoSigterm: code that drains on a signal catches SIGINT but not
// SIGTERM.
//
// Kubernetes, systemd, ECS and docker stop send SIGTERM, not SIGINT. A
// program that drains a server or pool after signal.Notify(c, os.Interrupt)
// drains on Ctrl-C at a developer's desk and never in production: SIGTERM
// kills it with the default action, dropping every request in flight.
// Reported are explicit lists of known signals, and only where the
// function holding the call (with the literals in it) also drains: calls a
// method named Shutdown, GracefulStop, Drain or Stop, or
// (*http.Server).Close; a CLI that just aborts on Ctrl-C is left alone. A
// package that handles SIGTERM anywhere, or may (an empty or spread list,
// a variable in a list, signal.Ignore or Reset of it), does so on purpose
// and is not reported at all.
//
//	signal.Notify(stop, os.Interrupt)                  // bad
//	signal.Notify(stop, os.Interrupt, syscall.SIGTERM) // good
//	<-stop
//	srv.Shutdown(ctx)
func SignalNoSigterm(p *Pass) []Finding {
	if !imports(p.Pkg, "os/signal") {
		return nil
	}
	// Calls of Notify, NotifyContext, Ignore and Reset, and the index of
	// the first signal in each.
	calls := map[*ast.CallExpr]int{}
	for _, f := range p.Files {
		p.inspectCallees(f, func(n ast.Node, fn *types.Func) bool {
			if call, ok := n.(*ast.CallExpr); ok {
				switch {
				case isFunc(fn, "os/signal", "Notify", "NotifyContext"):
					calls[call] = 1
				case isFunc(fn, "os/signal", "Ignore", "Reset"):
					calls[call] = 0
				}
			}
			return true
		}, (*ast.CallExpr)(nil))
	}
	// A program that handles SIGTERM somewhere, or may, does so on purpose.
	for call, i := range calls {
		if sigs, ok := p.signalList(call, i); !ok || sigs["SIGTERM"] {
			return nil
		}
	}
	var found []Finding
	for _, f := range p.Owned {
		p.inspectFile(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || calls[call] != 1 {
				return true
			}
			sigs, _ := p.signalList(call, 1)
			fn := outerFunc(p.pathTo(call))
			if !sigs["SIGINT"] || fn == nil || !p.drains(fn) {
				return true
			}
			fd := Finding{
				Pos: call.Pos(), End: call.End(),
				Message: "the drain runs on SIGINT but not on SIGTERM, the signal orchestrators (Kubernetes, systemd, ECS) stop a process with; catch SIGTERM too",
				Fix:     &SignalNoSigtermFix{Call: call, Pkg: p.signalPkg(call)},
			}
			if why := p.plan9File(f); why != "" {
				fd.Fix, fd.NoFix = nil, why
			} else if why := p.leakedLibraryNotify(call, fn); why != "" {
				fd.Fix, fd.NoFix = nil, why
			} else if why := p.sigintElsewhere(call); why != "" {
				fd.Fix, fd.NoFix = nil, why
			} else if cases, why := p.sigtermCases(call); why != "" {
				fd.Fix, fd.NoFix = nil, why
			} else {
				fd.Fix.(*SignalNoSigtermFix).Cases = cases
				for _, cc := range cases {
					if p.FileOf(cc.Pos()) != f {
						fd.Touches = append(fd.Touches, cc.Pos())
					}
				}
			}
			if said := p.toldCtrlC(); said != "" {
				fd.Harmless = fmt.Sprintf(harmlessInteractive, said)
			}
			found = append(found, fd)
			return true
		}, (*ast.CallExpr)(nil))
	}
	return found
}

// sigintElsewhere returns why SIGTERM must not be added to call: another
// registration in a program that holds call's package (outside tests)
// lists SIGINT and not SIGTERM, in a function that does not drain (so no
// finding adds SIGTERM there): once call catches SIGTERM, SIGTERM no
// longer kills that program, and the code waiting on the other
// registration (a command that cancels its workers on Ctrl-C) never hears
// it: the process would stop only part of itself and run on until it is
// killed. "" when there is none.
func (p *Pass) sigintElsewhere(call *ast.CallExpr) string {
	drain := p.Program.Drain()
	for _, q := range p.programPasses() {
		if q.Pkg != p.Pkg && !drain.SharesProgram(p.Pkg, q.Pkg) {
			continue
		}
		why := ""
		for _, f := range q.Files {
			if why != "" || q.inTestFile(f) {
				continue
			}
			q.inspectCallees(f, func(n ast.Node, fn *types.Func) bool {
				other, ok := n.(*ast.CallExpr)
				if !ok || other == call || why != "" || !isFunc(fn, "os/signal", "Notify", "NotifyContext") {
					return why == ""
				}
				sigs, explicit := q.signalList(other, 1)
				if !explicit || !sigs["SIGINT"] || sigs["SIGTERM"] {
					return true
				}
				if outer := outerFunc(q.pathTo(other)); outer != nil && q.drains(outer) {
					return true // a finding of its own adds SIGTERM there
				}
				why = fmt.Sprintf("the program also registers SIGINT without SIGTERM at %s, in code that does not drain: once SIGTERM is caught here it no longer kills the process, and that code never hears it, so the process would stop only in part and run on until it is killed; add SIGTERM there as well", shortPos(q.Fset, other.Pos()))
				return false
			}, (*ast.CallExpr)(nil))
		}
		if why != "" {
			return why
		}
	}
	return ""
}

// leakedLibraryNotify returns why SIGTERM must not be added to call, a
// Notify or NotifyContext in fn, when fn is in a package other programs
// may import (not main, not under internal/) and fn does not undo the
// registration when it returns (no deferred signal.Stop of the channel or
// call of the NotifyContext's stop function): every program that calls it would then
// lose SIGTERM's default action for good, even after the call returns, and
// its own SIGTERM would be taken by this handler as well. Otherwise "".
func (p *Pass) leakedLibraryNotify(call *ast.CallExpr, fn ast.Node) string {
	if p.Pkg.Name() == "main" || slices.Contains(strings.Split(p.Pkg.Path(), "/"), "internal") {
		return ""
	}
	var body *ast.BlockStmt
	switch fn := fn.(type) {
	case *ast.FuncDecl:
		body = fn.Body
	case *ast.FuncLit:
		body = fn.Body
	}
	if body == nil {
		return ""
	}
	// What undoes the registration: signal.Stop of the channel for
	// Notify (the same variable or field), the stop function for
	// NotifyContext. Only a deferred undo in the function itself counts
	// (defer signal.Stop(ch), defer stop(), or a deferred literal making
	// that call) with no return between the registration and it: one in a
	// goroutine runs only once a signal has come.
	notify := isFunc(callee(p.Info, call), "os/signal", "Notify")
	var stopFn types.Object
	if !notify {
		if as, ok := p.pathTo(call)[1].(*ast.AssignStmt); ok && len(as.Lhs) == 2 && len(as.Rhs) == 1 {
			if id, ok := as.Lhs[1].(*ast.Ident); ok && id.Name != "_" {
				stopFn = p.Info.ObjectOf(id)
			}
		}
	}
	undoes := func(c *ast.CallExpr) bool {
		if notify {
			return isFunc(callee(p.Info, c), "os/signal", "Stop") && len(c.Args) == 1 && sameRef(p.Info, c.Args[0], call.Args[0])
		}
		id, ok := ast.Unparen(c.Fun).(*ast.Ident)
		return ok && stopFn != nil && p.Info.Uses[id] == stopFn
	}
	// A return between the registration and the defer leaves it in place
	// on that path.
	returnsBefore := func(at token.Pos) bool {
		found := false
		ast.Inspect(body, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.FuncLit:
				return false
			case *ast.ReturnStmt:
				if n.Pos() > call.End() && n.Pos() < at {
					found = true
				}
			}
			return !found
		})
		return found
	}
	undone := false
	ast.Inspect(body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit:
			return false
		case *ast.DeferStmt:
			if returnsBefore(n.Pos()) {
				return true
			}
			if undoes(n.Call) {
				undone = true
			}
			if lit, ok := ast.Unparen(n.Call.Fun).(*ast.FuncLit); ok {
				for _, st := range lit.Body.List {
					if es, ok := st.(*ast.ExprStmt); ok {
						if c, ok := ast.Unparen(es.X).(*ast.CallExpr); ok && undoes(c) {
							undone = true
						}
					}
				}
			}
		}
		return !undone
	})
	if undone {
		return ""
	}
	name := "the function literal"
	if fd, ok := fn.(*ast.FuncDecl); ok {
		name = fd.Name.Name
	}
	return fmt.Sprintf("package %s can be imported by other programs, and %s does not undo this registration when it returns (no deferred signal.Stop of the channel, or deferred call of the NotifyContext's stop, in the function itself): catching SIGTERM here would take it from every program that calls it, for good, even after the call returns; undo the registration when the function returns (defer signal.Stop, or signal.NotifyContext with defer stop()), then catch SIGTERM",
		p.Pkg.Name(), name)
}

// A SignalNoSigtermFix appends Pkg.SIGTERM to the signals of Call, and to
// each of Cases, the clauses of a switch on a received signal that handle
// SIGINT (sigtermCases).
type SignalNoSigtermFix struct {
	Call  *ast.CallExpr
	Pkg   string // "syscall", or "golang.org/x/sys/unix" where the list uses it
	Cases []*ast.CaseClause
}

// signalPkg returns the package to take SIGTERM from: unix when the list
// already names its signals, syscall otherwise.
func (p *Pass) signalPkg(call *ast.CallExpr) string {
	for _, arg := range call.Args[1:] {
		if sel, ok := ast.Unparen(arg).(*ast.SelectorExpr); ok {
			if obj := p.Info.ObjectOf(sel.Sel); obj != nil && obj.Pkg() != nil && obj.Pkg().Path() == "golang.org/x/sys/unix" {
				return obj.Pkg().Path()
			}
		}
	}
	return "syscall"
}

// outerFunc returns the outermost function declaration or literal in path:
// a signal caught in a goroutine of main is main's.
func outerFunc(path []ast.Node) ast.Node {
	var fn ast.Node
	for _, n := range path {
		switch n.(type) {
		case *ast.FuncDecl, *ast.FuncLit:
			fn = n
		}
	}
	return fn
}

// signalList returns the signals call lists from its argument i on, by
// name (os.Interrupt as SIGINT), and whether the list is known: written
// out, not empty (which means every signal), each one a signal of os,
// syscall or golang.org/x/sys/unix.
func (p *Pass) signalList(call *ast.CallExpr, i int) (map[string]bool, bool) {
	if call.Ellipsis.IsValid() || len(call.Args) <= i {
		return nil, false
	}
	sigs := map[string]bool{}
	for _, arg := range call.Args[i:] {
		name := p.signalName(arg)
		if name == "" {
			return nil, false // a variable or conversion: it may be SIGTERM
		}
		sigs[name] = true
	}
	return sigs, true
}

// signalName returns the name of the signal e denotes when it is a
// package-level signal of os, syscall or golang.org/x/sys/unix
// (os.Interrupt is SIGINT, os.Kill SIGKILL), else "".
func (p *Pass) signalName(e ast.Expr) string {
	id := identOfExpr(e)
	if id == nil {
		return ""
	}
	obj := p.Info.ObjectOf(id)
	if obj == nil || obj.Pkg() == nil || obj.Parent() != obj.Pkg().Scope() {
		return ""
	}
	switch obj.Pkg().Path() {
	case "os":
		switch obj.Name() {
		case "Interrupt":
			return "SIGINT"
		case "Kill":
			return "SIGKILL"
		}
	case "syscall", "golang.org/x/sys/unix":
		if _, ok := obj.(*types.Const); ok && strings.HasPrefix(obj.Name(), "SIG") {
			return obj.Name()
		}
	}
	return ""
}

// drains reports whether fn (with the function literals inside it) calls a
// drain method (drainCall), or, after the stop (the signal's receipt),
// calls a function of the program that does, up to two calls down: the
// drain behind the program's own Close (m.Close() → srv.Close(ctx) →
// httpSrv.Shutdown(ctx)).
func (p *Pass) drains(fn ast.Node) bool {
	return p.callsDrain(fn, 2, true)
}

// callsDrain reports whether n calls a drain method (drainCall), or,
// depth calls down, a function of the program that does; at the top
// (afterStop), only calls that follow the stop are followed down.
func (p *Pass) callsDrain(n ast.Node, depth int, afterStop bool) bool {
	found := false
	ast.Inspect(n, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok || found {
			return !found
		}
		m := callee(p.Info, call)
		switch {
		case m == nil:
		case drainCall(m):
			found = true
		case depth > 0 && (!afterStop || p.Program.Drain().FollowsStop(call.Pos())):
			if d, ok := p.Program.declOf(m); ok {
				found = d.pass.callsDrain(d.fd.Body, depth-1, false)
			}
		}
		return !found
	})
	return found
}

// drainCall reports whether m is a drain method of any type but the
// os/signal and time packages' own, or (*http.Server).Close.
func drainCall(m *types.Func) bool {
	if m.Signature().Recv() == nil || m.Pkg() == nil {
		return false
	}
	if isMethod(m, "net/http", "Server", "Close") {
		return true
	}
	switch m.Pkg().Path() {
	case "os/signal", "time":
		return false
	}
	return isDrainName(m.Name())
}

// isDrainName reports whether a method so named stops a server or pool
// gracefully (or, for Stop, at all).
func isDrainName(name string) bool {
	switch name {
	case "Shutdown", "GracefulStop", "Drain", "Stop":
		return true
	}
	return false
}

// plan9File returns why f cannot be fixed when its build constraints let
// it build for plan9 (or its name says it is plan9's only), else "".
func (p *Pass) plan9File(f *ast.File) string {
	const why = "the file also builds for plan9, where signals are notes and syscall.SIGTERM is the same note as SIGINT; add SIGTERM by hand"
	if tf := p.Fset.File(f.Pos()); tf != nil {
		base := strings.TrimSuffix(filepath.Base(tf.Name()), ".go")
		base = strings.TrimSuffix(base, "_test")
		if strings.HasSuffix(base, "_plan9") || strings.Contains(base, "_plan9_") {
			return why
		}
	}
	for _, cg := range f.Comments {
		if cg.Pos() >= f.Package {
			break
		}
		for _, c := range cg.List {
			if !constraint.IsGoBuild(c.Text) && !constraint.IsPlusBuild(c.Text) {
				continue
			}
			x, err := constraint.Parse(c.Text)
			if err == nil && namesPlan9(x, false) {
				return why
			}
		}
	}
	return ""
}

// namesPlan9 reports whether x names the plan9 tag other than negated.
func namesPlan9(x constraint.Expr, negated bool) bool {
	switch x := x.(type) {
	case *constraint.TagExpr:
		return x.Tag == "plan9" && !negated
	case *constraint.NotExpr:
		return namesPlan9(x.X, !negated)
	case *constraint.AndExpr:
		return namesPlan9(x.X, negated) || namesPlan9(x.Y, negated)
	case *constraint.OrExpr:
		return namesPlan9(x.X, negated) || namesPlan9(x.Y, negated)
	}
	return false
}

// harmlessInteractive is why code that catches only SIGINT in a program
// that tells its user to press Ctrl+C is not a default finding.
const harmlessInteractive = "the program tells its user to stop it with Ctrl+C (%s) and catches SIGINT only: it is run by hand at a terminal (a demo, a dev tool), not stopped by an orchestrator's SIGTERM"

var ctrlC = regexp.MustCompile(`(?i)\bctrl[-+ ]?c\b`)

// toldCtrlC returns the string literal of the package's own files (not
// tests) that tells the user to press Ctrl+C (before the signal comes: one
// that follows a stop only reports it), quoted, when the package
// catches SIGINT and never SIGTERM; "" otherwise.
func (p *Pass) toldCtrlC() string {
	if !imports(p.Pkg, "os/signal") {
		return ""
	}
	sigint, veto := false, false
	said := ""
	for _, f := range p.Owned {
		if p.inTestFile(f) {
			continue
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.BasicLit:
				// A literal that follows the signal's receipt reports it
				// (log.Print("Ctrl+C received")); it tells no user to
				// press anything.
				if said == "" && n.Kind == token.STRING {
					if v, err := strconv.Unquote(n.Value); err == nil && ctrlC.MatchString(v) && !p.Program.Drain().FollowsStop(n.Pos()) {
						said = n.Value
					}
				}
			case *ast.CallExpr:
				fn := callee(p.Info, n)
				switch {
				case isFunc(fn, "os/signal", "Notify", "NotifyContext"):
					sigs, ok := p.signalList(n, 1)
					veto = veto || !ok || sigs["SIGTERM"]
					sigint = sigint || sigs["SIGINT"]
				case isFunc(fn, "os/signal", "Ignore", "Reset"):
					veto = true
				}
			}
			return true
		})
	}
	if veto || !sigint {
		return ""
	}
	return said
}
