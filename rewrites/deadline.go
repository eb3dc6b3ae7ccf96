package rewrites

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"slices"
	"strings"

	"github.com/dave/dst"
	"github.com/drainfix/drainfix/matchers"
	"golang.org/x/tools/go/ast/astutil"
	"golang.org/x/tools/go/types/typeutil"
)

// declareDeadline inserts, before the fix's statement,
//
//	ctx, cancel := context.WithTimeout(base, timeout)
//	defer cancel()
//
// where timeout is the type's own drain budget (d.Budget) or -timeout's,
// and returns the name the context got (the matcher's proposal, unless
// another fix in this file took it); or, when the drain already made its
// deadline (d.Reuse), returns that. One drain sequence has one budget: when
// another fix in this file already declared the same deadline earlier in
// the same function, in this statement list or one enclosing it, that one
// is returned, and the next step of the drain shares it rather than getting
// a fresh budget of its own.
func declareDeadline(c *Context, d matchers.DeadlineFix) (string, error) {
	if d.Reuse != "" {
		return d.Reuse, nil
	}
	pos := d.Place.Stmt.Pos()
	withTimeout, err := c.Qual("context", "WithTimeout", pos)
	if err != nil {
		return "", err
	}
	var base dst.Expr
	if d.Base != nil {
		base = dst.Clone(c.Nodes[d.Base]).(dst.Expr)
	} else {
		bg, err := c.Qual("context", "Background", pos)
		if err != nil {
			return "", err
		}
		base = &dst.CallExpr{Fun: bg}
	}
	var dur dst.Expr
	switch {
	case d.Budget != "":
		dur = &dst.SelectorExpr{X: dst.NewIdent(d.Recv), Sel: dst.NewIdent(d.Budget)}
	case d.After != "" && c.Timeout <= d.Less:
		return d.After, nil // the program's deadline is the larger budget: share it
	case d.After != "":
		return declareAfter(c, d)
	default:
		if dur, err = c.Duration(pos); err != nil {
			return "", err
		}
	}
	// Only a deadline on a root context is shared: a base variable could
	// be another one at the later place.
	key := exprText(base) + ", " + exprText(dur)
	if d.Base == nil || isRootCtx(c.Pass.Info, d.Base) {
		key = "root, " + exprText(dur) // Background and TODO alike
	}
	if d.Base == nil || isRootCtx(c.Pass.Info, d.Base) {
		if name := c.madeBefore(d.Place, key); name != "" {
			return name, nil
		}
		if name, err := c.hoistMade(d.Place, key); name != "" || err != nil {
			return name, err
		}
	}
	ctxName, cancelName, err := declarePair(c, d)
	if err != nil {
		return "", err
	}
	decl := &dst.AssignStmt{
		Lhs: []dst.Expr{dst.NewIdent(ctxName), dst.NewIdent(cancelName)},
		Tok: token.DEFINE,
		Rhs: []dst.Expr{&dst.CallExpr{Fun: withTimeout, Args: []dst.Expr{base, dur}}},
	}
	deferCancel := &dst.DeferStmt{Call: &dst.CallExpr{Fun: dst.NewIdent(cancelName)}}
	c.made = append(c.made, madeDeadline{d.Place, ctxName, key, decl, deferCancel, nil, ""})
	return ctxName, c.Insert(d.Place, false, decl, deferCancel)
}

// declareAfter gives a step that follows one the program handed its own
// deadline d.After (d.Less long) the drain budget counted from the same
// start, -timeout in all, by inserting before the step
//
//	// The drain's 25s, counted from ctx's start: its 5s and 20s more.
//	deadline, _ := ctx.Deadline()
//	shutdownCtx, shutdownCancel := context.WithDeadline(context.Background(), deadline.Add(20*time.Second))
//	defer shutdownCancel()
//
// The deadline is absolute: the step gets what the earlier steps left of
// the program's deadline and the rest of the budget on top, whatever they
// took, and the drain still ends within -timeout of when the program's
// deadline was made. Later steps of the same drain share it.
func declareAfter(c *Context, d matchers.DeadlineFix) (string, error) {
	pos := d.Place.Stmt.Pos()
	extra, err := c.DurationOf(c.Timeout-d.Less, pos)
	if err != nil {
		return "", err
	}
	key := "after " + d.After + ", " + exprText(extra)
	if name := c.madeBefore(d.Place, key); name != "" {
		return name, nil
	}
	if name, err := c.hoistMade(d.Place, key); name != "" || err != nil {
		return name, err
	}
	withDeadline, err := c.Qual("context", "WithDeadline", pos)
	if err != nil {
		return "", err
	}
	bg, err := c.Qual("context", "Background", pos)
	if err != nil {
		return "", err
	}
	dlName, err := c.Declare(d.Place, "deadline")
	if err != nil {
		return "", err
	}
	ctxName, cancelName, err := declarePair(c, d)
	if err != nil {
		return "", err
	}
	dl := &dst.AssignStmt{
		Lhs: []dst.Expr{dst.NewIdent(dlName), dst.NewIdent("_")},
		Tok: token.DEFINE,
		Rhs: []dst.Expr{&dst.CallExpr{Fun: &dst.SelectorExpr{X: dst.NewIdent(d.After), Sel: dst.NewIdent("Deadline")}}},
	}
	dl.Decs.Before = dst.NewLine
	note := fmt.Sprintf("// The drain's %v, counted from %s's start: its %v and %v more.", c.Timeout, d.After, d.Less, c.Timeout-d.Less)
	dl.Decs.Start.Append(note)
	decl := &dst.AssignStmt{
		Lhs: []dst.Expr{dst.NewIdent(ctxName), dst.NewIdent(cancelName)},
		Tok: token.DEFINE,
		Rhs: []dst.Expr{&dst.CallExpr{Fun: withDeadline, Args: []dst.Expr{
			&dst.CallExpr{Fun: bg},
			&dst.CallExpr{Fun: &dst.SelectorExpr{X: dst.NewIdent(dlName), Sel: dst.NewIdent("Add")}, Args: []dst.Expr{extra}},
		}}},
	}
	deferCancel := &dst.DeferStmt{Call: &dst.CallExpr{Fun: dst.NewIdent(cancelName)}}
	c.made = append(c.made, madeDeadline{d.Place, ctxName, key, decl, deferCancel, dl, note})
	return ctxName, c.Insert(d.Place, false, dl, decl, deferCancel)
}

// declarePair claims at d.Place the names of the deadline context and its
// cancel func that the matcher proposed (or the next free ones).
func declarePair(c *Context, d matchers.DeadlineFix) (ctx, cancel string, err error) {
	if ctx, err = c.Declare(d.Place, d.Ctx); err != nil {
		return "", "", err
	}
	cancel, err = c.Declare(d.Place, d.Cancel)
	return ctx, cancel, err
}

// hoistMade handles a drain whose later step got its deadline first (the
// fixes of a file are applied in the order of their findings, and a
// later step's finding can sit earlier in the file, in the function it
// calls): a deadline with the same base and duration (key) that a
// rewrite declared later in place's statement list or a block nested in
// it (a guard), with nothing between place and it that waits, moves up to
// place, and this step shares it. One drain, one budget, whatever the order of the fixes. It
// returns the shared name, or "" when there is no such deadline. An
// absolute deadline (declareAfter) moves with the statement that reads the
// program's deadline and its comment; it is the same wherever it is made,
// so waits between do not matter.
func (c *Context) hoistMade(place matchers.StmtPlace, key string) (string, error) {
	for i := range c.made {
		m := &c.made[i]
		if m.key != key || m.place.Stmt.Pos() <= place.Stmt.Pos() || m.decl == nil || !c.within(m.place.Stmt, place.Block) ||
			(m.pre == nil && c.waitsBetween(place.Block, place.Stmt.End(), m.place.Stmt.Pos())) {
			continue
		}
		names := []string{m.name, m.deferCancel.(*dst.DeferStmt).Call.Fun.(*dst.Ident).Name}
		if m.pre != nil {
			names = append(names, m.pre.Lhs[0].(*dst.Ident).Name)
		}
		if slices.ContainsFunc(names, func(n string) bool { return c.Pass.FreshName(place.Stmt, n) != n }) {
			continue
		}
		list := stmtsOf(c.Nodes[m.place.Block])
		at := indexInList(*list, m.decl)
		if at < 0 || at+1 >= len(*list) || (*list)[at+1] != m.deferCancel {
			continue
		}
		moved := []dst.Stmt{m.decl, m.deferCancel}
		first := m.decl.Decorations()
		if m.pre != nil {
			if at == 0 || (*list)[at-1] != m.pre {
				continue
			}
			at--
			moved = append([]dst.Stmt{m.pre}, moved...)
			first = m.pre.Decorations()
		}
		// The comments the declaration took from the statement below it
		// go back to that statement; an absolute deadline's own note
		// moves with it.
		var back dst.Decorations
		for _, d := range first.Start {
			if m.pre == nil || d != m.note {
				back = append(back, d)
			}
		}
		if at+len(moved) < len(*list) {
			below := (*list)[at+len(moved)].Decorations()
			below.Start = append(back, below.Start...)
			below.Before = first.Before
		}
		first.Start = nil
		if m.pre != nil {
			first.Start = dst.Decorations{m.note}
		}
		*list = append((*list)[:at:at], (*list)[at+len(moved):]...)
		if err := c.Insert(place, false, moved...); err != nil {
			return "", err
		}
		m.place = place
		return m.name, nil
	}
	return "", nil
}

// madeBefore returns the name of a deadline context with the same base and
// duration (key) that a rewrite declared before place, in place's
// statement list or one enclosing it within the same function, and that
// no declaration of the source shadows at place; "" for none.
func (c *Context) madeBefore(place matchers.StmtPlace, key string) string {
	if len(c.made) == 0 {
		return ""
	}
	path, _ := astutil.PathEnclosingInterval(c.AST, place.Stmt.Pos(), place.Stmt.End())
	for _, m := range c.made {
		if m.key != key || m.place.Stmt.Pos() > place.Stmt.Pos() || c.Pass.FreshName(place.Stmt, m.name) != m.name {
			continue
		}
	up:
		for _, n := range path {
			switch n.(type) {
			case *ast.FuncLit, *ast.FuncDecl:
				break up
			}
			if n == m.place.Block && !c.waitsBetween(n, m.place.Stmt.End(), place.Stmt.Pos()) {
				return m.name
			}
		}
	}
	return ""
}

// within reports whether the statement st sits in block, directly or in a
// block nested in it, not in a func literal of its own.
func (c *Context) within(st ast.Stmt, block ast.Node) bool {
	path, _ := astutil.PathEnclosingInterval(c.AST, st.Pos(), st.End())
	for _, n := range path[1:] {
		switch n.(type) {
		case *ast.FuncLit, *ast.FuncDecl:
			return false
		}
		if n == block {
			return true
		}
	}
	return false
}

// waitsBetween reports whether the code of block between pos and end may
// wait for something before the drain goes on: a stop the drain-path
// model knows (a signal, a Done, a function that returns only after one),
// or what matchers.Pass.WaitsBetween calls a wait (a receive, a select, a
// range over a channel, a Wait, a Sleep). A deadline made before such a
// wait (at start-up, before the signal) must not be the drain's: it may
// have expired by then.
func (c *Context) waitsBetween(block ast.Node, pos, end token.Pos) bool {
	if c.Pass.Program != nil && c.Pass.Program.Drain().WaitsIn(pos, end) {
		return true
	}
	return c.Pass.WaitsBetween(block, pos, end)
}

// exprText prints a dst expression built by a rewrite, for comparing two.
func exprText(e dst.Expr) string {
	switch e := e.(type) {
	case *dst.Ident:
		return e.Path + "." + e.Name
	case *dst.SelectorExpr:
		return exprText(e.X) + "." + e.Sel.Name
	case *dst.CallExpr:
		args := make([]string, len(e.Args))
		for i, a := range e.Args {
			args[i] = exprText(a)
		}
		return exprText(e.Fun) + "(" + strings.Join(args, ", ") + ")"
	case *dst.BinaryExpr:
		return exprText(e.X) + e.Op.String() + exprText(e.Y)
	case *dst.BasicLit:
		return e.Value
	}
	return fmt.Sprintf("%T %p", e, e) // never equal to another expression
}

// isRootCtx reports whether e is context.Background() or context.TODO().
func isRootCtx(info *types.Info, e ast.Expr) bool {
	call, ok := ast.Unparen(e).(*ast.CallExpr)
	if !ok {
		return false
	}
	fn, ok := typeutil.Callee(info, call).(*types.Func)
	return ok && fn.Pkg() != nil && fn.Pkg().Path() == "context" && (fn.Name() == "Background" || fn.Name() == "TODO")
}
