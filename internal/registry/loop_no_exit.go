package registry

import (
	"github.com/drainfix/drainfix/matchers"
	"github.com/drainfix/drainfix/rewrites"
)

var loopNoExit = &Rule{
	Name:    "loop-no-exit",
	Seed:    []int{10},
	Summary: "a goroutine runs a for loop that has no way out",
	Doc: `A for loop without a condition whose body never returns, breaks out, jumps
away or ends the goroutine (panic, runtime.Goexit, os.Exit, log.Fatal) runs
until the process dies: nothing can tell it to stop, so the service cannot
drain it, and the work it is doing when the process is killed is cut. A
break inside a select or switch leaves only that statement and does not
count. A loop that receives from a channel and returns once it is closed
has a way out and is not reported, nor is a loop of calls in a goroutine
whose deferred recover tells panics apart (compares the recovered value
with a sentinel, or asserts its type): its helpers panic out of the loop
when the connection closes, by design. A recover that only logs what it
got is a crash guard and does not count. With a context in scope, the fix checks
it without blocking at the top of every iteration (in a goroutine whose
function has no results); without one, the finding is reported unfixed.
The rule looks only at packages that import context (with -all too): a
package that never touches a context has no cancellation to drain with,
and its endless goroutines are process-lifetime daemons by design (the
runtime's sweeper and scavenger).

Not a default finding (-all shows it, with the reason): an endless loop in a
program that handles no termination signal (a CLI), or in a package no main
of the load uses (there is no drain for it to hold up), and a loop that
receives the process's signals (a relay into a larger channel, a SIGHUP
logger), which must live as long as the process and which no drain waits
for; and a loop in a goroutine nothing waits for (no WaitGroup Done, no
close of a channel) that is started a fixed number of times (not inside a
for loop or a range over a channel or an iterator, where it would be one
per connection or message) and that has no context in scope, or only one
its function made from context.Background for other goroutines, or one
nothing shows the program cancels when it stops: it lives as long as the
process, an in-memory poller, a periodic purger or a control loop, holds
up no drain, and a check of that context would never fire. A context is
shown to be cancelled on stop when it is made by signal.NotifyContext,
derived (With*) from such a context or from one whose cancel function is
called on a drain path, or when it is a parameter some call in the program
fills with such a context (up to three calls up); a field, an embedding
struct or a reassigned variable is not followed.`,
	Bad: `go func() {
	for {
		work()
	}
}()`,
	Good: `go func() {
	for {
		select {
		case <-ctx.Done():
			return
		default:
		}
		work()
	}
}()`,
	Match: matchers.LoopNoExit,
	Fix:   rewrites.LoopNoExit,
}
