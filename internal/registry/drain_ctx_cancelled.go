package registry

import (
	"github.com/drainfix/drainfix/matchers"
	"github.com/drainfix/drainfix/rewrites"
)

var drainCtxCancelled = &Rule{
	Name:    "drain-ctx-cancelled",
	Seed:    []int{2},
	Summary: "a drain deadline is derived from a context that is already done",
	Doc: `context.WithTimeout, WithDeadline and WithCancel (and their Cause variants)
make a context that is cancelled as soon as its parent is. After <-ctx.Done()
(earlier in an enclosing block, in the select case that waited for ctx, or
after a select whose every way on waited for ctx) ctx is done, so a drain
deadline derived from it, or from a context derived from it, is cancelled at
birth: Shutdown returns context.Canceled at once and every request in flight
is dropped. The ctx of signal.NotifyContext is the usual case. The fix keeps
the parent but not its cancellation: the parent argument becomes
context.WithoutCancel(parent), which keeps its values (Go 1.21); files older
than go1.21 get context.Background(), unless that would drop values set with
context.WithValue or leave a variable unused.`,
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
