package rewrites

import (
	"fmt"

	"github.com/dave/dst"
	"github.com/drainfix/drainfix/matchers"
)

// DeadlineBeforeSignal moves the statement making the drain's deadline,
// and its defer cancel(), with their comments, to just after the statement
// that waits for the stop.
func DeadlineBeforeSignal(c *Context, f *matchers.Finding) error {
	fix := f.Fix.(*matchers.DeadlineBeforeSignalFix)
	list := stmtsOf(c.Nodes[fix.Block])
	moved := []dst.Stmt{c.Nodes[fix.Make].(dst.Stmt)}
	if fix.Cancel != nil {
		moved = append(moved, c.Nodes[fix.Cancel].(dst.Stmt))
	}
	var kept []dst.Stmt
	for _, s := range *list {
		if s != moved[0] && (len(moved) < 2 || s != moved[1]) {
			kept = append(kept, s)
		}
	}
	wait := c.Nodes[fix.Wait].(dst.Stmt)
	for i, s := range kept {
		if s != wait {
			continue
		}
		for _, m := range moved {
			m.Decorations().Before = dst.NewLine
			m.Decorations().After = dst.NewLine
		}
		// The blank line after the wait, if any, stays after the moved
		// statements.
		if wait.Decorations().After == dst.EmptyLine {
			wait.Decorations().After = dst.NewLine
			moved[len(moved)-1].Decorations().After = dst.EmptyLine
		}
		*list = append(append(append([]dst.Stmt{}, kept[:i+1]...), moved...), kept[i+1:]...)
		return nil
	}
	return fmt.Errorf("the wait is not in the deadline's block")
}
