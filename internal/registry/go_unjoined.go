package registry

import (
	"github.com/drainfix/drainfix/matchers"
	"github.com/drainfix/drainfix/rewrites"
)

var goUnjoined = &Rule{
	Name:    "go-unjoined",
	Seed:    []int{8},
	Summary: "a goroutine stopped by a deferred cancel is never waited for",
	Doc: `A function that starts a goroutine with a context and defers that context's
cancel tells the goroutine to stop when it returns, but nothing waits for the
goroutine to finish stopping: it outlives the function, still using what the
function releases, and in main the process exits in the middle of its drain.
The rule reports go f(ctx), go x.Run(ctx) and go func() { ...(ctx) }() where
the function defers the cancel of ctx and does not join the goroutine: no
WaitGroup or errgroup, no channel the goroutine is given, or sends on or
closes as it ends (in its last statement or a defer; a send before its work
is a start-up handshake), that the function itself receives from (plainly,
or in a select whose other cases are timers or a context's Done: a select
that also takes a signal returns without the join; a receive in another
goroutine does not hold the function), no send on an unbuffered channel the
goroutine holds (done <- struct{}{}: a handshake that returns once the
goroutine takes it), no later call on the goroutine's receiver that may stop
or wait for it (a method named Stop, Shutdown, Close, Wait, Join, Drain,
GracefulStop, Quit, Cancel or Terminate, alone or followed by another word:
StopAndWait; a Status or Run call joins nothing). In main.main, whose exit ends every goroutine anyway, only a
goroutine running a Run, Serve, Start or Listen call is reported. Nor is a
function that cannot return once past the go statement (it ends in
select {} or an endless loop): its deferred cancel never runs. The fix
declares a sync.WaitGroup and defers its Wait just before the defer cancel(),
so that Wait runs after cancel (defers run last in, first out), adds the
goroutine to it and makes it call Done when it ends. Each deferred cancel gets
its own WaitGroup (wg, wg2, ...). The fix is refused for a go statement in a
loop, when the deferred cancel is not in a block enclosing the go statement,
before it, and when go f(args) has a function or arguments that are not plain
variables left unchanged afterwards (moved into a func literal, they would be
evaluated later), when a clean-up deferred after the cancel (closing a
database) would run before the join, with the goroutine still using it, and
when a clean-up deferred before the cancel closes a network connection
(a value with SetDeadline or SetWriteDeadline): it would run after the join,
and a goroutine blocked writing to that connection is freed only by it.

Shown only with -all: a goroutine running a function of the package that
holds no resource (it is handed only contexts and values with no Close,
Flush, Stop, Shutdown, Sync or Commit method, reads no package variable and
calls none of the program's functions, such as a metrics timer): it leaves
on the cancel with nothing to finish. So is a goroutine that only waits and
starts work of its own (its selects return when the context is done, beside
timers; outside the goroutines it starts it calls only time, math and
math/rand): it is waiting when the cancel comes, and joining it would not
join the work it started. And so is a func literal that only waits in one
call handed a context (and no func: a Receive handed a handler does work)
whose name begins with Watch, Wait, Recv, Receive, Next, Poll or Subscribe,
and then only logs or calls a cancel func (in ifs whose condition calls
nothing; the wait may be the if's init): when the function returns the wait ends on
the cancel, and the goroutine has nothing left to do.`,
	Bad: `ctx, cancel := context.WithCancel(ctx)
defer cancel()
go server.Run(ctx)`,
	Good: `ctx, cancel := context.WithCancel(ctx)
var wg sync.WaitGroup
defer wg.Wait()
defer cancel()
wg.Add(1)
go func() {
	defer wg.Done()
	server.Run(ctx)
}()`,
	Match: matchers.GoUnjoined,
	Fix:   rewrites.GoUnjoined,
}
