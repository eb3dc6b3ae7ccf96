package registry

import (
	"github.com/drainfix/drainfix/matchers"
	"github.com/drainfix/drainfix/rewrites"
)

var shutdownNoDeadline = &Rule{
	Name:    "shutdown-no-deadline",
	Seed:    []int{12, 16},
	Summary: "(*http.Server).Shutdown with a context that has no deadline",
	Doc: `Shutdown stops accepting and then waits until every connection is idle or
its context is done. context.Background() and context.TODO() are never done,
so a single hung handler, or a client that keeps its connection busy, makes
the drain wait forever: the orchestrator then kills the process at the end of
its grace period, and everything the code meant to do after the drain (flush,
close the database, exit cleanly) never runs. Besides (*http.Server).Shutdown,
the rule knows any server type of a dependency by its signature: a method
named Shutdown that takes just a context, on a type that also has a method
beginning with Serve, ListenAndServe or Start (a web framework's server, an
SSH server), unless its source makes a deadline of its own. The program's own Shutdown(ctx) methods are not taken as such:
one that hands its context to a server's Shutdown is reported there. Reported are contexts that are
certainly Background or TODO, or made from one without a way to end: the
argument itself, a context.WithValue of one, or a context.WithoutCancel of
any context (it drops the deadline with the cancellation), or a local
variable every assignment of which is one of them, or a parameter of a function that every
call in the program (up to three calls up, in a package a main of the load
imports) gives such a context, the function being only ever called, never
used as a value or through an interface; a context from a field, any other
call or a parameter some caller gives a deadline is the caller's business. The fix declares a deadline context
derived from the old argument just before the statement and passes it to
Shutdown. Its duration is the drain budget the type already carries, when the
method's receiver has exactly one time.Duration field that the program's
drains pass to context.WithTimeout (a graceTimeout); otherwise -timeout
(default 25s). One drain has one budget: a deadline the drain made after the
stop is reused, and so is one another fix declared earlier in the same
function (the next Shutdown of the sequence shares it instead of adding a
fresh budget). ` + laterStepsDoc + ` A step guarded by an if (if srv != nil { ... }) that a later
step follows gets its deadline just before the guard, where the later step
can share it, unless something before the step inside the guard waits. A deferred or go Shutdown is reported but not fixed: the
deadline would start running long before the drain.

Not a default finding: a Shutdown in a goroutine main does not wait for
while main returns when serving ends (a deadline changes nothing there; see
exit-before-drain, which fixes it in the same run where it can); a
Shutdown that ends a function which serves that server itself, is only
ever started with go, and tells no one when the Shutdown returns (nothing
of the program is called, and no channel closed, sent on or received
from, after it or in its deferred calls): nothing waits for it; and a
Shutdown in a program that forces its exit a fixed time after the stop (its
drain code sleeps, then exits or kills the process), a Shutdown whose every
caller (up to three calls up) runs it in a goroutine and stops waiting for it
at a deadline (a context's Done, or a timer of at most 30s): the drain is
already bounded there; and a Shutdown in a package under a test, tests or
testing directory (test tooling), and a Shutdown in a
function nothing in the program can call (no reference, no interface it
implements with that method); and, in a program that handles termination
signals, a Shutdown that does not run when the process is told to stop
(before the signal wait, and in no function the drain calls: a restart at
start-up, a closer only a SIGHUP reload calls) and that waits for nothing
before it in its own function (a Shutdown after a receive is taken as a
drain, as after the Done of a context a command framework hands out).`,
	Bad: `<-ctx.Done()
if err := srv.Shutdown(context.Background()); err != nil {
	log.Printf("shutdown: %v", err)
}`,
	Good: `<-ctx.Done()
shutdownCtx, shutdownCancel := context.WithTimeout(context.Background(), 25*time.Second)
defer shutdownCancel()
if err := srv.Shutdown(shutdownCtx); err != nil {
	log.Printf("shutdown: %v", err)
}`,
	Match: matchers.ShutdownNoDeadline,
	Fix:   rewrites.ShutdownNoDeadline,
}

// laterStepsDoc is how the deadline fixes (shutdown-no-deadline,
// wait-no-deadline) budget a step that follows one with the program's own
// deadline.
const laterStepsDoc = `When an earlier step was handed
that deadline first and its duration is a constant shorter than -timeout, the
step gets a deadline of its own, -timeout after that deadline's start (its
deadline plus what -timeout has beyond it; a comment says so): shared, it
would get whatever the earlier step left, possibly nothing; this way it gets
that and the rest of the budget, and the drain still ends within -timeout
(a context.WithDeadline at time.Now().Add of a constant counts as that
constant). The fix is refused where a new deadline would be a second budget:
the deadline the step would share was made before an earlier step that has
a deadline of its own (it may be spent when this step starts), or the step
sits in a helper or a func literal that runs after its caller made a
deadline of its own (the caller should hand it on): called after it, in
any statement, or deferred in a function that makes one; or, after the
stop and on the same goroutine, a function of the program that takes a
drain step of its own (a Shutdown or Close of an http.Server, or a deadline
it makes) runs before the step, in its function or before a call of it
(stopAPI(a) then stopAdmin(b), each with its own budget, would add up).`
