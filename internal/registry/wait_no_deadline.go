package registry

import (
	"github.com/drainfix/drainfix/matchers"
	"github.com/drainfix/drainfix/rewrites"
)

var waitNoDeadline = &Rule{
	Name:    "wait-no-deadline",
	Seed:    []int{3, 9, 15},
	Summary: "a drain waits on a sync.WaitGroup with no deadline",
	Doc: `A drain (a function that closes its work channel or cancels its workers, or
one named Drain, Shutdown, Stop, Close or GracefulStop) that calls wg.Wait()
waits as long as its slowest worker: one hung worker keeps the process past
its grace period, and the orchestrator kills it with the work half done. A
Drain(ctx) error that waits without looking at ctx and returns nil promises a
deadline it does not keep. Fan-out code that starts its own goroutines
(wg.Add) and waits for them is not a drain, and a Wait already in a goroutine
raced against a context is not reported. The fix waits in a goroutine that
closes a done channel and selects on it and on ctx.Done(), returning
ctx.Err() when the context ends first (inside once.Do, through an error
variable the function returns). A function without a context gets a ctx
context.Context parameter, and one without an error result gets one; every
call site in the loaded packages then passes a context: the one in scope,
unless the call comes after a signal or a context's Done (that context is
then likely the one being cancelled), else a new deadline context of
-timeout. The signature is only changed when no caller can be outside the
loaded packages (the function is unexported, or in a main package or under
internal/), no interface requires it (a Close() error that is an io.Closer
keeps its signature) and it is never used as a value. A drain that takes a
context and is handed context.Background() or context.TODO() (outside test
files) would stay unbounded there: that call gets a new deadline context in
the argument's place, and the fix is refused where it cannot (a deferred
call, whose argument is made when the defer statement runs) and where a
call hands it a variable or a caller's parameter that only ever holds such
a context (or a WithValue of one, or a WithCancel or WithCancelCause of one
whose cancel is only deferred, as cancel(), cancel(cause) or in a literal
that only cancels, in the function that makes the call), the context
parameter of a func literal (a hook wrapping the drain, whose callers are
not followed), or, where the drain is also used as a func value, a call of
a func value of its signature (a named func type's or a method
expression's too) hands such a context. A drain whose
own context may already be done before the Wait is reported but not fixed.

Only a Wait that runs when the process is stopped is a default finding: one
on a drain path (code that runs after the program receives a termination
signal, or after the Done of a signal context, through the program's call
graph), or one that ignores a context in scope (whoever made the context
meant the Wait to be bounded). A Wait whose workers all leave on the stop
signal the drain sends just before it (also in a func literal that runs on
the spot, such as a sync.Once's Do) is a bounded join, not a default
finding: they select on the channel it closes or the context it cancels (a
check of the context's Err at each turn does not count: it does not wake a
worker blocked inside the turn) (or
range over that channel and return at once; a send on an unbuffered channel
stops a lone loop, started once, whose case on it calls Done and returns), or
accept on a listener the
drain, or a worker leaving on the signal, closes (also each element of a
slice of listeners the drain closes in a range loop, served by goroutines
started in a range over it); a worker that leaves on the signal and then
closes a channel of its own (a statement after its loop when no return in
the loop leaves first, or deferred) stops
the workers that leave on that one in turn; and they block nowhere
else, sends before their first loop (a start-up handshake) aside, sends on
channels the program always makes with a buffer aside (such a send waits
only once its receiver is a whole buffer behind), and a
receive from a channel they just handed to a goroutine they started (its
start-up handshake) aside; a select with a timer's case (time.After,
time.Tick, a Timer's or Ticker's C) does not block for good (a time.Sleep
whose length is not a constant does: a job that sleeps as long as its input
says; but not a sleep of a field of the worker's own receiver, such as a
retry delay, that the program sets only to constants within the grace
period or to an option func's parameter; a package-level http.Get, Head,
Post or PostForm, or one on http.DefaultClient, blocks too: the default
client has no timeout, and an
accept loop that reads a connection inline, io.Copy from it, or makes a
request to a peer is still busy when its listener closes), and what a
goroutine they start does is not theirs. On the stop,
working off what is queued in a loop is leaving only when the loop's select
has a default that leaves it (it ends once the queue is empty) and nothing
it does per item makes a request to a peer (an HTTP request, a net.Conn
read or write, a database/sql query: as long as the queue times the peer's
timeout). Workers are
followed into the functions they call and into other packages, and a
WaitGroup or channel may be reached through accessor methods (r.WaitGroup(),
r.Done(), also through an interface). Nor is a Wait whose workers each hand
their work a deadline context (context.WithTimeout), or the very context in
scope at the Wait, and make no other call that can block (racing the Wait
against that context adds nothing); nor a Wait whose workers all call Done
first thing, before anything that can block (a barrier that waits for them
to start); nor a Wait, with no context in scope, whose workers are all
started just before it in the same function with nothing in between that
waits (a parallel clean-up: it waits for the drain's own work as it would
inline, and a deadline would cut that work short); nor a Wait, with no
context in scope, whose workers only run a clean-up wherever they are
started (a Close, Stop or Shutdown call, under a lock at most: the same call
made inline is not reported); nor a Wait whose workers all, once their loop
ends, persist what they hold (a call whose name begins with the word Flush,
Sync, Persist, Commit or Save and that returns nothing or just an error,
deferred before the loop, or after it when no return inside the loop skips
it): the Wait
lets that write finish before what follows the drain closes the store, and
a deadline would cut it short; nor a Wait in a function
that every caller starts as a goroutine nothing waits for (a go statement,
and the function closes no channel, calls no Done and sends nothing after
the Wait or in a defer): the process does not wait for it; nor a Wait in a
test file. A Wait on a WaitGroup variable or field that nothing in the
program adds to (no Add, Go or Done, never handed on) returns at once and
is not reported at all. With several Waits in one function,
the finding is at the first that matters. -all shows them with the reason.

The fix never moves a drain's deadline before the drain: a Wait that follows
the stop inside its own function (a function that is the program's main
loop) gets no deadline from its callers, which call it at start-up; the
finding is reported with that reason. A deadline the drain already made
after the stop is reused rather than a fresh one added, so that one drain
keeps one budget. ` + laterStepsDoc + ` A new error result is never dropped: a call site that
ignored the result logs it (with log, or log/slog where the file uses only
that; in a test, with the *testing.T or B in scope, it fails the test with
t.Errorf), and a call started as a goroutine or deferred refuses the fix. A
Wait followed by more clean-up is not fixed: returning on the deadline would
skip it. Nor is a Wait whose
WaitGroup is added to again after the drain (an unsubscribe and subscribe
cycle): after a drain that timed out, the fix's goroutine would still be in
Wait, and the reuse panics.`,
	Bad: `func (p *Pool) Drain() {
	close(p.queue)
	p.wg.Wait()
}`,
	Good: `func (p *Pool) Drain(ctx context.Context) error {
	close(p.queue)
	done := make(chan struct{})
	go func() { p.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}`,
	Match: matchers.WaitNoDeadline,
	Fix:   rewrites.WaitNoDeadline,
}
