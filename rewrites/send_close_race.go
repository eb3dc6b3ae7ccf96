package rewrites

import (
	"fmt"
	"go/token"
	"strconv"

	"github.com/dave/dst"
	"github.com/drainfix/drainfix/matchers"
)

// SendCloseRace keeps the sends on a channel field and its close apart
// with a new mutex and closed flag:
//
//	type Pool struct {
//		queue   chan Job
//		closeMu sync.Mutex // guards closed and the closing of queue
//		closed  bool
//	}
//
//	func (p *Pool) Submit(j Job) error {
//		p.closeMu.Lock()
//		defer p.closeMu.Unlock()
//		if p.closed {
//			return errors.New("closed")
//		}
//		p.queue <- j
//		return nil
//	}
//
//	func (p *Pool) Drain() {
//		p.closeMu.Lock()
//		if !p.closed {
//			p.closed = true
//			close(p.queue)
//		}
//		p.closeMu.Unlock()
//	}
//
// The struct, the senders and the closers may lie in different files of
// the package: each run applies the parts in its file.
func SendCloseRace(c *Context, f *matchers.Finding) error {
	fix := f.Fix.(*matchers.SendCloseRaceFix)
	if c.InFile(fix.Struct) {
		if err := addGuardFields(c, fix); err != nil {
			return err
		}
	}
	for _, s := range fix.Sends {
		if c.InFile(s.Place.Stmt) {
			if err := guardSend(c, fix, s); err != nil {
				return err
			}
		}
	}
	for _, cl := range fix.Closes {
		if c.InFile(cl.Place.Stmt) {
			if err := guardClose(c, fix, cl); err != nil {
				return err
			}
		}
	}
	return nil
}

// addGuardFields declares the mutex and the flag right after the
// channel's field.
func addGuardFields(c *Context, fix *matchers.SendCloseRaceFix) error {
	mutex, err := c.Qual("sync", "Mutex", fix.Struct.Pos())
	if err != nil {
		return err
	}
	st := dstOf[*dst.StructType](c, fix.Struct)
	after := dstOf[*dst.Field](c, fix.After)
	mu := &dst.Field{Names: []*dst.Ident{dst.NewIdent(fix.Mu)}, Type: mutex}
	mu.Decs.End = dst.Decorations{fmt.Sprintf("// guards %s and the closing of %s", fix.Flag, fix.Chan)}
	flag := &dst.Field{Names: []*dst.Ident{dst.NewIdent(fix.Flag)}, Type: dst.NewIdent("bool")}
	for _, fl := range []*dst.Field{mu, flag} {
		fl.Decs.Before, fl.Decs.After = dst.NewLine, dst.NewLine
	}
	// The space after the channel's field now follows the new ones.
	if after.Decs.After == dst.EmptyLine {
		flag.Decs.After, after.Decs.After = dst.EmptyLine, dst.NewLine
	}
	list := st.Fields.List
	for i, fl := range list {
		if fl == after {
			st.Fields.List = append(list[:i+1:i+1], append([]*dst.Field{mu, flag}, list[i+1:]...)...)
			return nil
		}
	}
	return fmt.Errorf("the channel's field is not in its struct")
}

// guardSend checks the flag under the mutex before the send and keeps the
// mutex until the sender returns.
func guardSend(c *Context, fix *matchers.SendCloseRaceFix, s matchers.GuardedSend) error {
	errorsNew, err := c.Qual("errors", "New", s.Place.Stmt.Pos())
	if err != nil {
		return err
	}
	check := &dst.IfStmt{
		Cond: guardField(s.Recv, fix.Flag),
		Body: &dst.BlockStmt{List: guardLines(&dst.ReturnStmt{Results: []dst.Expr{
			&dst.CallExpr{Fun: errorsNew, Args: []dst.Expr{&dst.BasicLit{Kind: token.STRING, Value: strconv.Quote("closed")}}},
		}})},
	}
	return c.Insert(s.Place, false,
		&dst.ExprStmt{X: guardCall(s.Recv, fix.Mu, "Lock")},
		&dst.DeferStmt{Call: guardCall(s.Recv, fix.Mu, "Unlock")},
		check,
	)
}

// guardClose closes under the mutex, once.
func guardClose(c *Context, fix *matchers.SendCloseRaceFix, cl matchers.GuardedClose) error {
	if err := c.Insert(cl.Place, false, &dst.ExprStmt{X: guardCall(cl.Recv, fix.Mu, "Lock")}); err != nil {
		return err
	}
	if err := c.Insert(cl.Place, true, &dst.ExprStmt{X: guardCall(cl.Recv, fix.Mu, "Unlock")}); err != nil {
		return err
	}
	old := dstOf[dst.Stmt](c, cl.Place.Stmt)
	once := &dst.IfStmt{
		Cond: &dst.UnaryExpr{Op: token.NOT, X: guardField(cl.Recv, fix.Flag)},
		Body: &dst.BlockStmt{List: guardLines(
			&dst.AssignStmt{Lhs: []dst.Expr{guardField(cl.Recv, fix.Flag)}, Tok: token.ASSIGN, Rhs: []dst.Expr{dst.NewIdent("true")}},
			old,
		)},
	}
	once.Decs.Before, once.Decs.After = dst.NewLine, dst.NewLine
	var list []dst.Stmt
	switch b := c.Nodes[cl.Place.Block].(type) {
	case *dst.BlockStmt:
		list = b.List
	case *dst.CaseClause:
		list = b.Body
	case *dst.CommClause:
		list = b.Body
	}
	for i, s := range list {
		if s == old {
			list[i] = once
			return nil
		}
	}
	return fmt.Errorf("the close statement is not in its block")
}

// guardField is recv.name.
func guardField(recv, name string) *dst.SelectorExpr {
	return &dst.SelectorExpr{X: dst.NewIdent(recv), Sel: dst.NewIdent(name)}
}

// guardCall is recv.mu.method().
func guardCall(recv, mu, method string) *dst.CallExpr {
	return &dst.CallExpr{Fun: &dst.SelectorExpr{X: guardField(recv, mu), Sel: dst.NewIdent(method)}}
}

// guardLines marks statements to be printed one per line.
func guardLines(stmts ...dst.Stmt) []dst.Stmt {
	for _, s := range stmts {
		s.Decorations().Before, s.Decorations().After = dst.NewLine, dst.NewLine
	}
	return stmts
}
