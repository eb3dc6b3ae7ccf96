package registry

import (
	"github.com/drainfix/drainfix/matchers"
	"github.com/drainfix/drainfix/rewrites"
)

var closeBeforeDrain = &Rule{
	Name:    "close-before-drain",
	Seed:    []int{7, 18},
	Summary: "a resource the workers use is closed before they are drained",
	Doc: `Workers still running when the database, the kafka reader or writer, or
anything else they use is closed fail mid-job: queries error out, offsets are
not committed and the messages are delivered again after a restart. The rule
reports a close statement (X.Close(), _ = X.Close(), if err := X.Close(); ...)
followed in the same statement list by a drain (wg.Wait() on a
sync.WaitGroup, also when run in a goroutine that closes a done channel the
code then receives from, or a Drain, Shutdown, Stop, GracefulStop or Wait
method of another value) when the code shows that the drained workers use X:
the goroutines the WaitGroup joins refer to X (directly, through the
package's functions they call, or by being handed it), or the drained value
was built from X, was handed X by a call, or its type's methods refer to X.
It is silent in _test.go files (a test closes what its workers use to end
them or to see them fail), on a Wait of another package's value that nothing
before the close stops (its workers are out of sight and the close may be
what ends them, as for a server's accept loop on a listener it was given),
on a close of something the workers never refer to, a close
after the drain or deferred, a close of the drained value or of what holds
it, a listener, a server (a type whose Serve takes a listener: closing it is
how its Serve workers stop, and waiting first would hang), a Close that closes a channel (a stop signal), a close the
drain repeats itself, and a close that is how the workers stop (their loop
takes its work from X, or from a stream or reader made on X, without a
context). A Stop method of the program that waits for nothing (neither
it nor what it calls receives, sends, selects, sleeps, waits for a
goroutine or calls a drain out of sight: it only closes its parts) is a
teardown: a close before it is shown only with -all, since work in flight
is as unfinished after it as before. The fix moves the close statement, with its comments and error
handling, to just after the drain. It is refused when the code in between
uses X, sets what the close statement reads or reads what it sets, or can
return before the drain ends; when the drain is a return statement; and when
the workers of a Wait loop and nothing before the close stops them (a
context cancel for workers fetching from X with a context, else a cancel or
a channel close), for then the close may be what ends them.`,
	Bad: `db.Close()
pool.Drain(ctx)`,
	Good: `pool.Drain(ctx)
db.Close()`,
	Match: matchers.CloseBeforeDrain,
	Fix:   rewrites.CloseBeforeDrain,
}
