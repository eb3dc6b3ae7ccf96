package registry

import (
	"github.com/drainfix/drainfix/matchers"
	"github.com/drainfix/drainfix/rewrites"
)

var drainCtxCancelled = &Rule{
	Name:    "drain-ctx-cancelled",
	Seed:    []int{2},
	Summary: "a drain is given, or its deadline derived from, a context that is already done",
	Doc: `context.WithTimeout, WithDeadline and WithCancel (and their Cause variants)
make a context that is cancelled as soon as its parent is. After <-ctx.Done()
(earlier in an enclosing block, in the select case that waited for ctx, or
after a select whose every way on waited for ctx) ctx is done, so a drain
deadline derived from it, or from a context derived from it, is cancelled at
birth: Shutdown returns context.Canceled at once and every request in flight
is dropped. The ctx of signal.NotifyContext is the usual case. The fix keeps
the parent but not its cancellation: the parent argument becomes
context.WithoutCancel(parent), which keeps its values (Go 1.21); files older
than go1.21 get context.Background() only where the done context provably
carries no values (it comes from Background through contexts that add none,
such as signal.NotifyContext): not where values were set with
context.WithValue, or may have been (a parameter, a field, another call), nor
where it would leave a variable unused.

The done context itself handed to a drain is the same bug: after
<-ctx.Done(), srv.Shutdown(ctx) returns at once. Reported for
(*http.Server).Shutdown, for a method out of sight named Shutdown or
ShutdownWithContext that takes a context first (a web framework's), and
for a drain method of the program (Shutdown, ShutdownWithContext, Stop, Drain, Close,
GracefulStop) that waits on its context or hands it to such a drain; not
where the context is the first parameter of the drain method making the
call (Stop(ctx)): that is the budget its caller gave it, done means the
time is up, and the Shutdown is the drain's hard end (the caller that
hands it a done context is the finding). The
fix gives the drain a deadline of its own, made after the wait on
context.Background(), as shutdown-no-deadline's does (one budget per drain
sequence); it is refused for a program's drain given a context that may
carry values. A drain deferred before the wait (defer tp.Shutdown(ctx), also
inside a deferred func literal) runs when its function returns, after a
<-ctx.Done() among the statements that follow the defer in that function's
body: it is given a done context too (a tracer provider's Shutdown drops the
spans it holds). It is reported but not fixed: it runs after the function's
other drain steps, and a fresh deadline there would add to theirs.

So is the done context handed to a function of the program that derives its
drain's deadline from its context parameter and hands it to such a drain
(func shutdown(ctx, srv) { ctx, cancel := context.WithTimeout(ctx, 10*time.Second); ...;
srv.Shutdown(ctx) }): the helper's deadline is done as soon as it is made.
Reported at the call (not where the helper is a drain method's own budget,
as above); the argument becomes context.WithoutCancel(ctx), so the helper's
own budget starts when it is called, or context.Background() under the rule
for files older than go1.21 given above.

And so is a drain deadline derived, in code that runs after the stop (a
function the drain calls), from the signal context itself with no wait for
it in sight: a field or variable that holds only the context of
signal.NotifyContext for a termination signal (or a context derived from it),
set directly or through a parameter every call gives it. When the drain runs
on the signal that context is done. Reported only where the deadline is
handed to a drain in the same function; fixed as above.`,
	Bad: `ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
defer stop()
<-ctx.Done()
drainCtx, cancel := context.WithTimeout(ctx, 25*time.Second)
defer cancel()
_ = srv.Shutdown(drainCtx)`,
	Good: `ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
defer stop()
<-ctx.Done()
drainCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 25*time.Second)
defer cancel()
_ = srv.Shutdown(drainCtx)`,
	Match: matchers.DrainCtxCancelled,
	Fix:   rewrites.DrainCtxCancelled,
}
