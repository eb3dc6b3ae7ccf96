package matchers

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"slices"
	"strings"

	"github.com/drainfix/drainfix/internal/drainpath"
)

// LostCancel: the cancel func of context.WithTimeout, WithDeadline or
// WithCancel (or a Cause variant) is discarded with _.
//
// Until it is cancelled, a derived context stays registered with its
// parent, and one with a deadline keeps its timer: a context made on every
// drain or every request and never cancelled leaks until its parent ends or
// its deadline passes, and its work is never told to stop when the function
// is done with it. The fix names the cancel func and defers it right after
// the statement; it is refused where a defer would be wrong: in a loop
// (the defers pile up until the function returns), in an if/for/switch
// header, for an assignment with =, and when the context outlives the
// function (returned, stored, or used by a goroutine).
//
//	drainCtx, _ := context.WithTimeout(ctx, 25*time.Second)      // bad
//
//	drainCtx, cancel := context.WithTimeout(ctx, 25*time.Second) // good
//	defer cancel()
func LostCancel(p *Pass) []Finding {
	if !imports(p.Pkg, "context") {
		return nil
	}
	var found []Finding
	// Names this rule gives, per function body, so that two fixes in one
	// function do not both declare cancel.
	taken := map[*ast.BlockStmt]map[string]bool{}
	for _, f := range p.Owned {
		p.inspectFile(f, func(n ast.Node) bool {
			as, ok := n.(*ast.AssignStmt)
			if !ok || len(as.Lhs) != 2 || len(as.Rhs) != 1 || !isBlank(as.Lhs[1]) {
				return true
			}
			call, ok := ast.Unparen(as.Rhs[0]).(*ast.CallExpr)
			if !ok {
				return true
			}
			fn := callee(p.Info, call)
			if !isCancelCtx(call, fn) {
				return true
			}
			// WithCancel of a context that is never cancelled registers
			// nothing with it and has no timer: nothing is kept.
			if isFunc(fn, "context", "WithCancel", "WithCancelCause") && p.neverCancelled(call.Args[0]) {
				return true
			}
			fd := Finding{
				Pos: as.Lhs[1].Pos(), End: as.Lhs[1].End(),
				Message: "the cancel func of context." + fn.Name() + " is discarded: the context stays registered with its parent (and keeps its timer) until the parent ends or its deadline passes; name it and defer it",
			}
			fix, why := p.lostCancelFix(as, fn, taken)
			fd = withFix(fd, fix, why)
			if d := p.boundedTimeout(call, fn); d != "" && !p.Program.Drain().Runs(call.Pos(), p.enclosingFunc(call.Pos())) {
				fd.Harmless = fmt.Sprintf(harmlessTimedCtx, d)
			}
			found = append(found, fd)
			return true
		}, (*ast.AssignStmt)(nil))
	}
	return found
}

// harmlessTimedCtx is why a discarded cancel of a short timeout off the
// drain path is not a default finding.
const harmlessTimedCtx = "the context's own timer (%s) frees it soon, and the code is not on a drain path: nothing is held long, and no drain waits on it"

// boundedTimeout returns the duration of a context.WithTimeout (or
// WithTimeoutCause) call whose timeout is a constant within the grace
// period (drainpath.BoundsDrain), or "".
func (p *Pass) boundedTimeout(call *ast.CallExpr, fn *types.Func) string {
	if !isFunc(fn, "context", "WithTimeout", "WithTimeoutCause") || len(call.Args) < 2 || p.Info.Types[call.Args[1]].Value == nil {
		return ""
	}
	if !drainpath.BoundsDrain(p.Info, call.Args[1]) {
		return ""
	}
	return types.ExprString(call.Args[1])
}

// A LostCancelFix names the discarded cancel func Blank as Name and inserts
// defer Name() (defer Name(nil) when Cause) after Place.
type LostCancelFix struct {
	Blank *ast.Ident
	Place StmtPlace
	Name  string
	Cause bool // a CancelCauseFunc, called with a nil cause
}

func (p *Pass) lostCancelFix(as *ast.AssignStmt, fn *types.Func, taken map[*ast.BlockStmt]map[string]bool) (*LostCancelFix, string) {
	if as.Tok != token.DEFINE {
		return nil, "the cancel func is discarded in an assignment with =; naming it needs a new variable"
	}
	path := p.pathTo(as)
	place, ok := stmtPlace(path)
	if !ok || place.Stmt != as {
		return nil, "the statement is in an if, for or switch header (or labelled); there is no place for a defer after it"
	}
	if inLoop(path) {
		return nil, "the statement is inside a loop: a deferred cancel would pile up until the function returns"
	}
	if v, ok := p.Info.Defs[identOf(as.Lhs[0])].(*types.Var); ok && p.ctxEscapes(path, v) {
		return nil, "the context outlives the statement's function (returned, stored or used by a goroutine): a deferred cancel would end it too early"
	}
	cause := false
	if res := fn.Signature().Results(); res.Len() == 2 {
		cause = isNamed(res.At(1).Type(), "context", "CancelCauseFunc")
	}
	if cause {
		if _, obj := p.scopeAt(as).LookupParent("nil", as.Pos()); obj != types.Universe.Lookup("nil") {
			return nil, "nil is redefined here"
		}
	}
	body, _ := funcBody(path)
	if taken[body] == nil {
		taken[body] = map[string]bool{}
	}
	name := p.cancelName(as, taken[body])
	if name == "" {
		return nil, "no free name for the cancel func"
	}
	taken[body][name] = true
	return &LostCancelFix{Blank: as.Lhs[1].(*ast.Ident), Place: place, Name: name, Cause: cause}, ""
}

// cancelName returns a free name for the cancel func of as: cancel, else
// one made from the context's name, not one of taken.
func (p *Pass) cancelName(as *ast.AssignStmt, taken map[string]bool) string {
	derived := cancelNameFor(identOf(as.Lhs[0]))
	cands := []string{"cancel", derived}
	for i := 2; i < 100; i++ {
		cands = append(cands, fmt.Sprintf("%s%d", derived, i))
	}
	for _, c := range cands {
		if !taken[c] && p.FreshName(as, c) == c {
			return c
		}
	}
	return ""
}

// isBlank reports whether e is the blank identifier.
func isBlank(e ast.Expr) bool {
	id, ok := e.(*ast.Ident)
	return ok && id.Name == "_"
}

// cancelNameFor derives a cancel func's name from its context's:
// drainCtx → drainCancel, reqContext → reqCancel, sctx → scancel.
func cancelNameFor(ctx *ast.Ident) string {
	if ctx == nil || ctx.Name == "_" {
		return "cancel"
	}
	n := ctx.Name
	for _, suf := range []string{"Context", "Ctx"} {
		if strings.HasSuffix(n, suf) && len(n) > len(suf) {
			return strings.TrimSuffix(n, suf) + "Cancel"
		}
	}
	if strings.HasSuffix(n, "ctx") {
		return strings.TrimSuffix(n, "ctx") + "cancel"
	}
	return n + "Cancel"
}

// ctxEscapes reports whether the context variable v, defined at path[0],
// may be used after its function returns: it, or a value that may hold it
// (such as a request made with it), is returned, stored, sent on a channel,
// or used by a goroutine or by a closure that is not called on the spot.
// Local variables that take such a value are followed.
func (p *Pass) ctxEscapes(path []ast.Node, v *types.Var) bool {
	body, _ := funcBody(path)
	if body == nil {
		return true
	}
	seen := map[*types.Var]bool{}
	var escapes func(v *types.Var) bool
	escapes = func(v *types.Var) bool {
		if seen[v] {
			return false
		}
		seen[v] = true
		found := false
		ast.Inspect(body, func(n ast.Node) bool {
			if id, ok := n.(*ast.Ident); ok && p.Info.Uses[id] == v {
				vars, out := p.useFlow(id, body)
				if out {
					found = true
				}
				for _, w := range vars {
					found = found || escapes(w)
				}
			}
			return !found
		})
		return found
	}
	return escapes(v)
}

// useFlow follows the value of the use id up to its statement in body. It
// reports the local variables of body the value (or a value that may hold
// it) is assigned to, and whether it leaves the function another way.
func (p *Pass) useFlow(id *ast.Ident, body *ast.BlockStmt) (vars []*types.Var, out bool) {
	path := p.pathTo(id)
	var child ast.Node = id
	holds := true // the value of child may hold the context
	for _, n := range path[1:] {
		if n == body {
			return vars, false
		}
		switch n := n.(type) {
		case *ast.GoStmt:
			return nil, true
		case *ast.FuncLit:
			if call, ok := parentOf(path, n).(*ast.CallExpr); !ok || call.Fun != n {
				return nil, true
			}
			holds = false
		case *ast.ParenExpr, *ast.SelectorExpr, *ast.StarExpr, *ast.UnaryExpr,
			*ast.TypeAssertExpr, *ast.IndexExpr, *ast.SliceExpr:
		case *ast.CallExpr:
			holds = holds && p.callHolds(n, child)
		case *ast.ReturnStmt, *ast.CompositeLit, *ast.KeyValueExpr:
			if holds {
				return nil, true
			}
		case *ast.SendStmt:
			if holds && n.Value == child {
				return nil, true
			}
		case *ast.AssignStmt:
			if holds && slices.Contains(n.Rhs, child.(ast.Expr)) {
				vars, out = p.flowInto(n.Lhs, n.Rhs, child.(ast.Expr), body)
				if out {
					return nil, true
				}
			}
			holds = false
		case *ast.ValueSpec:
			if holds && slices.Contains(n.Values, child.(ast.Expr)) {
				lhs := make([]ast.Expr, len(n.Names))
				for i, id := range n.Names {
					lhs[i] = id
				}
				vars, out = p.flowInto(lhs, n.Values, child.(ast.Expr), body)
				if out {
					return nil, true
				}
			}
			holds = false
		default:
			// The value goes no further; a goroutine or a closure around the
			// use can still take it out.
			holds = false
		}
		child = n
	}
	return vars, false
}

// callHolds reports whether the result of call may hold the value of its
// part child (an argument, or the function or method value).
func (p *Pass) callHolds(call *ast.CallExpr, child ast.Node) bool {
	if tv, ok := p.Info.Types[call.Fun]; ok && tv.IsType() {
		return true // a conversion
	}
	if b, ok := p.Info.Uses[identOf(call.Fun)].(*types.Builtin); ok {
		return b.Name() == "append" && child != call.Fun
	}
	return mayHold(p.Info.TypeOf(call))
}

// mayHold reports whether a value of type t may hold a context: anything
// but booleans, numbers, strings and errors.
func mayHold(t types.Type) bool {
	if t == nil {
		return true
	}
	if tup, ok := t.(*types.Tuple); ok {
		for v := range tup.Variables() {
			if mayHold(v.Type()) {
				return true
			}
		}
		return false
	}
	if _, ok := t.Underlying().(*types.Basic); ok {
		return false
	}
	return !types.Identical(t, types.Universe.Lookup("error").Type())
}

// flowInto returns the local variables of body that rhs is assigned to,
// and reports whether it is assigned to anything else (a field, a package
// variable, an element).
func (p *Pass) flowInto(lhs, rhs []ast.Expr, r ast.Expr, body *ast.BlockStmt) ([]*types.Var, bool) {
	targets := lhs
	if len(lhs) == len(rhs) {
		targets = lhs[slices.Index(rhs, r) : slices.Index(rhs, r)+1]
	}
	var vars []*types.Var
	for _, l := range targets {
		if isBlank(l) {
			continue
		}
		id := identOf(l)
		if id == nil {
			return nil, true
		}
		v, ok := p.Info.ObjectOf(id).(*types.Var)
		if !ok || !within(body, v.Pos()) {
			return nil, true
		}
		if mayHold(v.Type()) {
			vars = append(vars, v)
		}
	}
	return vars, false
}

// parentOf returns the node just above n in path, or nil.
func parentOf(path []ast.Node, n ast.Node) ast.Node {
	for i, m := range path {
		if m == n && i+1 < len(path) {
			return path[i+1]
		}
	}
	return nil
}
