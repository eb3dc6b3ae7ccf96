package rewrites

import (
	"fmt"
	"go/ast"

	"github.com/dave/dst"
	"github.com/drainfix/drainfix/matchers"
)

// CloseBeforeDrain moves the close statement, with its comments, to just
// after the drain (and after the closes other fixes moved there before it,
// so that the closes keep their order). The statement that followed the
// close takes over the space that stood before it; a close set apart by
// an empty line stays so.
func CloseBeforeDrain(c *Context, f *matchers.Finding) error {
	fix := f.Fix.(*matchers.CloseBeforeDrainFix)
	list, err := cbdList(c, fix.Block)
	if err != nil {
		return err
	}
	closeStmt := dstOf[dst.Stmt](c, fix.Close)
	i := cbdIndex(*list, closeStmt)
	if i < 0 || i+1 >= len(*list) {
		return fmt.Errorf("close statement not found before the drain")
	}
	decs, next := closeStmt.Decorations(), (*list)[i+1].Decorations()
	before := decs.Before
	if i == 0 || before > next.Before {
		next.Before = before
	}
	*list = append((*list)[:i:i], (*list)[i+1:]...)

	anchor := fix.Drain
	j := cbdIndex(*list, dstOf[dst.Stmt](c, fix.Drain))
	if j < 0 {
		return fmt.Errorf("drain statement not found")
	}
	// Skip the closes moved here before this one.
	for j+1 < len(*list) {
		k := -1
		for n, e := range fix.Earlier {
			if c.Nodes[e] == (*list)[j+1] {
				k = n
			}
		}
		if k < 0 {
			break
		}
		anchor = fix.Earlier[k]
		j++
	}
	if err := c.Insert(matchers.StmtPlace{Stmt: anchor, Block: fix.Block}, true, closeStmt); err != nil {
		return err
	}
	// A close set apart by an empty line stays set apart.
	if before == dst.EmptyLine {
		decs.Before = before
	}
	return nil
}

// cbdList returns the statement list of a block, case or comm clause.
func cbdList(c *Context, block ast.Node) (*[]dst.Stmt, error) {
	switch b := c.Nodes[block].(type) {
	case *dst.BlockStmt:
		return &b.List, nil
	case *dst.CaseClause:
		return &b.Body, nil
	case *dst.CommClause:
		return &b.Body, nil
	}
	return nil, fmt.Errorf("no statement list at %v", c.Pass.Fset.Position(block.Pos()))
}

func cbdIndex(list []dst.Stmt, s dst.Stmt) int {
	for i, x := range list {
		if x == s {
			return i
		}
	}
	return -1
}
