package rewrites

import (
	"fmt"
	"go/token"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/dave/dst"
	"github.com/drainfix/drainfix/matchers"
)

// BlockForever turns main's forever block into a wait for SIGINT or
// SIGTERM:
//
//	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
//	defer stop()
//	<-ctx.Done()
//
// then drains what main started, under one deadline when a drain takes a
// context (a gRPC server's bounded GracefulStop uses it too). The blocking
// statement itself becomes the wait, so its comments stay on it; the
// declaration of a channel it alone received from is removed, its comments
// moved above the wait.
func BlockForever(c *Context, f *matchers.Finding) error {
	fix := f.Fix.(*matchers.BlockForeverFix)
	pos := fix.Place.Stmt.Pos()
	notify, err := c.Qual("os/signal", "NotifyContext", pos)
	if err != nil {
		return err
	}
	bg, err := c.Qual("context", "Background", pos)
	if err != nil {
		return err
	}
	interrupt, err := c.Qual("os", "Interrupt", pos)
	if err != nil {
		return err
	}
	sigterm, err := c.Qual("syscall", "SIGTERM", pos)
	if err != nil {
		return err
	}
	ctx, err := c.Declare(fix.Place, fix.Ctx)
	if err != nil {
		return err
	}
	stop, err := c.Declare(fix.Place, fix.Stop)
	if err != nil {
		return err
	}

	body := dstOf[*dst.BlockStmt](c, fix.Place.Block)
	if fix.Decl != nil {
		if err := removeKeepingComments(&body.List, dstOf[dst.Stmt](c, fix.Decl), dstOf[dst.Stmt](c, fix.Place.Stmt)); err != nil {
			return err
		}
	}
	setup := []dst.Stmt{
		&dst.AssignStmt{
			Lhs: []dst.Expr{dst.NewIdent(ctx), dst.NewIdent(stop)},
			Tok: token.DEFINE,
			Rhs: []dst.Expr{&dst.CallExpr{Fun: notify, Args: []dst.Expr{&dst.CallExpr{Fun: bg}, interrupt, sigterm}}},
		},
		&dst.DeferStmt{Call: &dst.CallExpr{Fun: dst.NewIdent(stop)}},
	}
	if err := c.Insert(fix.Place, false, setup...); err != nil {
		return err
	}
	if len(fix.Drains) > 0 {
		var after []dst.Stmt
		drainCtx := ""
		if fix.Deadline.Ctx != "" {
			// declareDeadline puts the deadline before the wait; it belongs
			// after it, or it would run out before the signal comes.
			if drainCtx, err = declareDeadline(c, fix.Deadline); err != nil {
				return err
			}
			i := indexInList(body.List, c.Nodes[fix.Place.Stmt])
			if i < 2 {
				return fmt.Errorf("deadline not found before the wait")
			}
			after = append(after, body.List[i-2], body.List[i-1])
			body.List = append(body.List[:i-2:i-2], body.List[i:]...)
		}
		for _, d := range fix.Drains {
			stmts, err := foreverDrain(c, fix, d, drainCtx)
			if err != nil {
				return err
			}
			after = append(after, stmts...)
		}
		if err := c.Insert(fix.Place, true, after...); err != nil {
			return err
		}
	}

	// <-ctx.Done() takes the blocking statement's place and comments.
	wait := &dst.CallExpr{Fun: &dst.SelectorExpr{X: dst.NewIdent(ctx), Sel: dst.NewIdent("Done")}}
	if fix.Recv != nil {
		dstOf[*dst.UnaryExpr](c, fix.Recv).X = wait
		return nil
	}
	old := dstOf[dst.Stmt](c, fix.Place.Stmt)
	i := indexInList(body.List, old)
	if i < 0 {
		return fmt.Errorf("blocking statement not found in main")
	}
	es := &dst.ExprStmt{X: &dst.UnaryExpr{Op: token.ARROW, X: wait}}
	es.Decs.NodeDecs = *old.Decorations()
	body.List[i] = es
	return nil
}

// foreverDrain returns the statements draining one thing main started:
// x.M(drainCtx) or x.M(), inside
// if err := ...; err != nil { log.Printf("m: %v", err) } when M returns an
// error; for a gRPC server, GracefulStop raced against the deadline.
func foreverDrain(c *Context, fix *matchers.BlockForeverFix, d matchers.BlockForeverDrain, drainCtx string) ([]dst.Stmt, error) {
	if d.Grpc {
		return foreverGrpcDrain(c, fix.Place, d, drainCtx)
	}
	call := &dst.CallExpr{Fun: &dst.SelectorExpr{X: dst.NewIdent(d.Var), Sel: dst.NewIdent(d.Method)}}
	if d.Ctx {
		call.Args = []dst.Expr{dst.NewIdent(drainCtx)}
	}
	if !d.Err {
		return []dst.Stmt{&dst.ExprStmt{X: call}}, nil
	}
	printf, err := c.Qual("log", "Printf", fix.Place.Stmt.Pos())
	if err != nil {
		return nil, err
	}
	msg := lowerInitial(d.Method)
	if len(fix.Drains) > 1 {
		msg = d.Var + " " + msg
	}
	return []dst.Stmt{&dst.IfStmt{
		Init: &dst.AssignStmt{Lhs: []dst.Expr{dst.NewIdent("err")}, Tok: token.DEFINE, Rhs: []dst.Expr{call}},
		Cond: &dst.BinaryExpr{X: dst.NewIdent("err"), Op: token.NEQ, Y: dst.NewIdent("nil")},
		Body: &dst.BlockStmt{List: []dst.Stmt{&dst.ExprStmt{X: &dst.CallExpr{
			Fun:  printf,
			Args: []dst.Expr{&dst.BasicLit{Kind: token.STRING, Value: strconv.Quote(msg + ": %v")}, dst.NewIdent("err")},
		}}}},
	}}, nil
}

// foreverGrpcDrain drains a gRPC server as grpc-stop does: GracefulStop
// raced against the deadline (drainCtx's, when there is one, else a new
// timer's), Stop when the deadline comes first.
func foreverGrpcDrain(c *Context, place matchers.StmtPlace, d matchers.BlockForeverDrain, drainCtx string) ([]dst.Stmt, error) {
	done, err := c.Declare(place, d.Done)
	if err != nil {
		return nil, err
	}
	var timer []dst.Stmt
	var deadline dst.Expr
	if drainCtx != "" {
		deadline = &dst.CallExpr{Fun: &dst.SelectorExpr{X: dst.NewIdent(drainCtx), Sel: dst.NewIdent("Done")}}
	} else {
		t, err := c.Declare(place, d.T)
		if err != nil {
			return nil, err
		}
		if timer, deadline, err = newTimer(c, place.Stmt.Pos(), t, nil, d.StopTimer); err != nil {
			return nil, err
		}
	}
	stop := &dst.ExprStmt{X: &dst.CallExpr{Fun: &dst.SelectorExpr{X: dst.NewIdent(d.Var), Sel: dst.NewIdent("Stop")}}}
	before, sel := boundedGracefulStop(dst.NewIdent(d.Var), done, timer, deadline, lined(stop))
	return append(before, sel), nil
}

func lowerInitial(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToLower(r)) + s[n:]
}

// indexInList returns the index of s in list, or -1.
func indexInList(list []dst.Stmt, s dst.Node) int {
	for i, x := range list {
		if x == s {
			return i
		}
	}
	return -1
}

// removeKeepingComments deletes s from list. Its comments go above to,
// the statement that takes over its job, so that none is lost; the space
// before it stays with the statement that follows it.
func removeKeepingComments(list *[]dst.Stmt, s, to dst.Stmt) error {
	i := indexInList(*list, s)
	if i < 0 || i+1 >= len(*list) {
		return fmt.Errorf("statement to remove not found")
	}
	decs := s.Decorations()
	var moved dst.Decorations
	moved = append(moved, decs.Start...)
	for _, c := range decs.End {
		moved = append(moved, strings.TrimSpace(c))
	}
	if len(moved) > 0 {
		t := to.Decorations()
		t.Start = append(moved, t.Start...)
	}
	if next := (*list)[i+1].Decorations(); decs.Before > next.Before {
		next.Before = decs.Before
	}
	*list = append((*list)[:i:i], (*list)[i+1:]...)
	return nil
}
