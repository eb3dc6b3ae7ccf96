package rewrites

import (
	"fmt"
	"go/token"
	"strconv"
	"strings"

	"github.com/dave/dst"
	"github.com/drainfix/drainfix/matchers"
)

// WaitNoDeadline races each unbounded wg.Wait() of a drain against its
// context:
//
//	done := make(chan struct{})
//	go func() { p.wg.Wait(); close(done) }()
//	select {
//	case <-done:
//	case <-ctx.Done():
//		return ctx.Err()
//	}
//
// A return nil right after the Wait moves into the done case. Inside
// once.Do the select sets an error variable declared before the call, which
// the function then returns. When the function had no context or no error
// result, they are added to its signature and every call site passes a
// context: the variable the matcher chose, or a new deadline context
// declared before the call. Each file of the fix applies its own part.
func WaitNoDeadline(c *Context, f *matchers.Finding) error {
	fix := f.Fix.(*matchers.WaitNoDeadlineFix)
	if c.InFile(fix.Func) {
		if err := boundWaits(c, fix); err != nil {
			return err
		}
	}
	for _, cs := range fix.Calls {
		if !c.InFile(cs.Call) {
			continue
		}
		name := cs.Ctx
		if cs.Deadline != nil {
			var err error
			if name, err = declareDeadline(c, *cs.Deadline); err != nil {
				return err
			}
		}
		call := dstOf[*dst.CallExpr](c, cs.Call)
		switch {
		case cs.Replaces != nil:
			arg := dstOf[dst.Expr](c, cs.Replaces)
			for i, a := range call.Args {
				if a == arg {
					ctx := dst.NewIdent(name)
					ctx.Decs.NodeDecs = *a.Decorations()
					call.Args[i] = ctx
				}
			}
		case name != "":
			call.Args = append([]dst.Expr{dst.NewIdent(name)}, call.Args...)
		}
		if cs.LogErr != nil {
			if err := logErr(c, cs.LogErr, call); err != nil {
				return err
			}
		}
	}
	return nil
}

// logErr replaces the statement that drops call's new error result with
// an if that logs it.
func logErr(c *Context, l *matchers.LogErr, call *dst.CallExpr) error {
	pos := l.Place.Stmt.Pos()
	var logCall *dst.CallExpr
	switch {
	case l.TB != "":
		logCall = &dst.CallExpr{Fun: &dst.SelectorExpr{X: dst.NewIdent(l.TB), Sel: dst.NewIdent("Errorf")}, Args: []dst.Expr{
			&dst.BasicLit{Kind: token.STRING, Value: strconv.Quote(l.Label + ": %v")}, dst.NewIdent("err"),
		}}
	case l.Pkg == "log/slog":
		fn, err := c.Qual("log/slog", "Error", pos)
		if err != nil {
			return err
		}
		key := &dst.BasicLit{Kind: token.STRING, Value: strconv.Quote(l.Key)}
		args := []dst.Expr{&dst.BasicLit{Kind: token.STRING, Value: strconv.Quote(l.Label)}, key, dst.NewIdent("err")}
		if l.Attr {
			anyFn, err := c.Qual("log/slog", "Any", pos)
			if err != nil {
				return err
			}
			args = []dst.Expr{args[0], &dst.CallExpr{Fun: anyFn, Args: []dst.Expr{key, dst.NewIdent("err")}}}
		}
		logCall = &dst.CallExpr{Fun: fn, Args: args}
	default:
		fn, err := c.Qual("log", "Printf", pos)
		if err != nil {
			return err
		}
		logCall = &dst.CallExpr{Fun: fn, Args: []dst.Expr{
			&dst.BasicLit{Kind: token.STRING, Value: strconv.Quote(l.Label + ": %v")}, dst.NewIdent("err"),
		}}
	}
	stmt := &dst.IfStmt{
		Init: &dst.AssignStmt{Lhs: []dst.Expr{dst.NewIdent("err")}, Tok: token.DEFINE, Rhs: []dst.Expr{call}},
		Cond: &dst.BinaryExpr{X: dst.NewIdent("err"), Op: token.NEQ, Y: dst.NewIdent("nil")},
		Body: &dst.BlockStmt{List: []dst.Stmt{&dst.ExprStmt{X: logCall}}},
	}
	return c.Replace(l.Place, stmt)
}

// boundWaits edits the drain function itself.
func boundWaits(c *Context, fix *matchers.WaitNoDeadlineFix) error {
	fd := dstOf[*dst.FuncDecl](c, fix.Func)
	if fix.AddParam {
		typ, err := c.Qual("context", "Context", fix.Func.Body.Lbrace)
		if err != nil {
			return err
		}
		param := &dst.Field{Names: []*dst.Ident{dst.NewIdent(fix.Ctx)}, Type: typ}
		fd.Type.Params.List = append([]*dst.Field{param}, fd.Type.Params.List...)
	}
	if fix.AddResult {
		fd.Type.Results = &dst.FieldList{List: []*dst.Field{{Type: dst.NewIdent("error")}}}
		for _, r := range fix.BareReturns {
			dstOf[*dst.ReturnStmt](c, r).Results = []dst.Expr{dst.NewIdent("nil")}
		}
	}
	errName := ""
	if fix.Err != "" {
		once := fix.Waits[0].Once
		place := matchers.StmtPlace{Stmt: once, Block: fix.Func.Body}
		var err error
		if errName, err = c.Declare(place, fix.Err); err != nil {
			return err
		}
		decl := &dst.DeclStmt{Decl: &dst.GenDecl{Tok: token.VAR, Specs: []dst.Spec{
			&dst.ValueSpec{Names: []*dst.Ident{dst.NewIdent(errName)}, Type: dst.NewIdent("error")},
		}}}
		if err := c.Insert(place, false, decl); err != nil {
			return err
		}
	}
	for _, s := range fix.Waits {
		if err := boundWait(c, fix, s, errName); err != nil {
			return err
		}
	}
	switch {
	case fix.OnceReturn != nil:
		dstOf[*dst.ReturnStmt](c, fix.OnceReturn).Results = []dst.Expr{dst.NewIdent(errName)}
	case errName != "":
		fd.Body.List = append(fd.Body.List, onOwnLine(&dst.ReturnStmt{Results: []dst.Expr{dst.NewIdent(errName)}}))
	case fix.AppendReturn:
		fd.Body.List = append(fd.Body.List, onOwnLine(&dst.ReturnStmt{Results: []dst.Expr{dst.NewIdent("nil")}}))
	}
	return nil
}

// boundWait replaces one wg.Wait() statement by the done channel, the
// goroutine that waits, and the select.
func boundWait(c *Context, fix *matchers.WaitNoDeadlineFix, s *matchers.WaitSite, errName string) error {
	list, i, err := c.stmtIndex(s.Place)
	if err != nil {
		return err
	}
	old, ok := (*list)[i].(*dst.ExprStmt)
	if !ok {
		return fmt.Errorf("the Wait at %v was already rewritten", c.Pass.Fset.Position(s.Stmt.Pos()))
	}
	done, err := c.Declare(s.Place, s.Done)
	if err != nil {
		return err
	}
	makeDone := &dst.AssignStmt{
		Lhs: []dst.Expr{dst.NewIdent(done)},
		Tok: token.DEFINE,
		Rhs: []dst.Expr{&dst.CallExpr{Fun: dst.NewIdent("make"), Args: []dst.Expr{
			&dst.ChanType{Dir: dst.SEND | dst.RECV, Value: &dst.StructType{Fields: &dst.FieldList{Opening: true, Closing: true}}},
		}}},
	}
	wait := old.X
	*wait.Decorations() = dst.NodeDecs{}
	closeDone := &dst.ExprStmt{X: &dst.CallExpr{Fun: dst.NewIdent("close"), Args: []dst.Expr{dst.NewIdent(done)}}}
	waiter := &dst.GoStmt{Call: &dst.CallExpr{Fun: &dst.FuncLit{
		Type: &dst.FuncType{Func: true, Params: &dst.FieldList{Opening: true, Closing: true}},
		Body: &dst.BlockStmt{List: []dst.Stmt{&dst.ExprStmt{X: wait}, closeDone}},
	}}}

	var doneBody, ctxBody []dst.Stmt
	ctxErr := &dst.CallExpr{Fun: &dst.SelectorExpr{X: dst.NewIdent(fix.Ctx), Sel: dst.NewIdent("Err")}}
	if errName != "" {
		ctxBody = append(ctxBody, onOwnLine(&dst.AssignStmt{Lhs: []dst.Expr{dst.NewIdent(errName)}, Tok: token.ASSIGN, Rhs: []dst.Expr{ctxErr}}))
		if s.StopAfter {
			ctxBody = append(ctxBody, onOwnLine(&dst.ReturnStmt{}))
		}
	} else {
		ctxBody = append(ctxBody, onOwnLine(&dst.ReturnStmt{Results: []dst.Expr{ctxErr}}))
	}
	after := old.Decs.After
	remove := 0
	if s.ReturnNil != nil {
		// The return nil joins the done case, unless comments hold it in
		// place.
		if ret, ok := (*list)[i+1].(*dst.ReturnStmt); ok && len(ret.Decs.Start) == 0 && len(ret.Decs.End) == 0 && len(ret.Decs.Return) == 0 && len(old.Decs.End) == 0 {
			doneBody = append(doneBody, onOwnLine(&dst.ReturnStmt{Results: []dst.Expr{dst.NewIdent("nil")}}))
			after, remove = ret.Decs.After, 1
		}
	} else if s.DoneReturns {
		doneBody = append(doneBody, onOwnLine(&dst.ReturnStmt{Results: []dst.Expr{dst.NewIdent("nil")}}))
	}
	recv := func(x dst.Expr) dst.Stmt { return &dst.ExprStmt{X: &dst.UnaryExpr{Op: token.ARROW, X: x}} }
	ctxDone := &dst.CallExpr{Fun: &dst.SelectorExpr{X: dst.NewIdent(fix.Ctx), Sel: dst.NewIdent("Done")}}
	sel := &dst.SelectStmt{Body: &dst.BlockStmt{List: []dst.Stmt{
		onOwnLine(&dst.CommClause{Comm: recv(dst.NewIdent(done)), Body: doneBody}),
		onOwnLine(&dst.CommClause{Comm: recv(ctxDone), Body: ctxBody}),
	}}}

	onOwnLine(makeDone)
	makeDone.Decs.Before, makeDone.Decs.Start = old.Decs.Before, old.Decs.Start
	// A comment at the end of the Wait's line stays with the Wait; those on
	// the lines below it (about what comes after the Wait) go below the
	// select.
	same, below := splitLineEnd(old.Decs.End)
	onOwnLine(waiter)
	waiter.Decs.End = same
	onOwnLine(sel)
	sel.Decs.End, sel.Decs.After = below, after
	*list = append((*list)[:i:i], append([]dst.Stmt{makeDone, waiter, sel}, (*list)[i+1+remove:]...)...)
	c.Nodes[s.Stmt] = makeDone
	return nil
}

// splitLineEnd splits the end decorations of a statement into the comment
// on its own line and those on the lines below.
func splitLineEnd(decs dst.Decorations) (same, below dst.Decorations) {
	for i, d := range decs {
		if d == "\n" {
			return decs[:i], decs[i:]
		}
		if strings.HasPrefix(d, "//") {
			same, below = decs[:i+1], decs[i+1:]
			if len(below) > 0 && below[0] != "\n" {
				below = append(dst.Decorations{"\n"}, below...)
			}
			return same, below
		}
	}
	return decs, nil
}

// onOwnLine gives a new statement its own line.
func onOwnLine[T dst.Node](n T) T {
	n.Decorations().Before = dst.NewLine
	n.Decorations().After = dst.NewLine
	return n
}
