package registry

import (
	"github.com/drainfix/drainfix/matchers"
	"github.com/drainfix/drainfix/rewrites"
)

var lostCancel = &Rule{
	Name:    "lost-cancel",
	Seed:    []int{2},
	Summary: "the cancel func of a derived context is discarded with _",
	Doc: `Until it is cancelled, a context made by context.WithTimeout, WithDeadline or
WithCancel (or a Cause variant) stays registered with its parent, and one
with a deadline keeps its timer; the work it was given is never told that the
function is done with it. Discarded on every drain or request, these pile up
until the parent ends. The fix names the cancel func (cancel, or a name made
from the context's, such as drainCancel for drainCtx) and defers it right
after the statement (with a nil cause for a CancelCauseFunc). It is refused
for an assignment with =, a statement in an if, for or switch header, a
statement inside a loop (the defers would pile up until the function
returns), and a context that outlives its function (returned, stored, or used
by a goroutine).

WithCancel of a context that is never cancelled (context.Background() or
TODO()) registers nothing and has no timer: nothing is kept, and it is not
reported. Not a default finding (-all shows it, with the reason): a
discarded cancel of context.WithTimeout with a constant timeout within the
grace period (30 s) in code that is not on a drain path; its own timer frees
it soon, and no drain waits on it.`,
	Bad: `drainCtx, _ := context.WithTimeout(context.Background(), 25*time.Second)
_ = srv.Shutdown(drainCtx)`,
	Good: `drainCtx, cancel := context.WithTimeout(context.Background(), 25*time.Second)
defer cancel()
_ = srv.Shutdown(drainCtx)`,
	Match: matchers.LostCancel,
	Fix:   rewrites.LostCancel,
}
