package registry

import (
	"github.com/drainfix/drainfix/matchers"
	"github.com/drainfix/drainfix/rewrites"
)

var deadlineBeforeSignal = &Rule{
	Name:    "deadline-before-signal",
	Summary: "a drain's deadline context is made before the process learns it must stop",
	Doc: `A deadline context's clock starts when it is made. One made at start-up for
the drain (ctx, cancel := context.WithTimeout(...) before <-sig) has
expired long before the signal comes: Shutdown, GracefulStop or a Drain given
it return at once with context.DeadlineExceeded, and the drain gets no time
at all. The rule reports a context.WithTimeout or WithDeadline declared in a
block that then waits for the stop (a receive from a signal channel, the
Done of a signal context, or a call of a function that returns only after
one), when the context is used after the wait, or by a call deferred before
the wait (defer srv.Shutdown(ctx), which runs as the function returns, after
the stop), and not otherwise before it. The fix moves the declaration, and
its defer cancel(), to just after the wait. It is refused when the code in
between uses the cancel func, changes what the deadline is made from,
declares the same names again, or defers a call that uses the deadline (it
would be left without the name).`,
	Bad: `ctx, cancel := context.WithTimeout(context.Background(), 25*time.Second)
defer cancel()
<-sig
_ = srv.Shutdown(ctx)`,
	Good: `<-sig
ctx, cancel := context.WithTimeout(context.Background(), 25*time.Second)
defer cancel()
_ = srv.Shutdown(ctx)`,
	Match: matchers.DeadlineBeforeSignal,
	Fix:   rewrites.DeadlineBeforeSignal,
}
