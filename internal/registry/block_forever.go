package registry

import (
	"github.com/drainfix/drainfix/matchers"
	"github.com/drainfix/drainfix/rewrites"
)

var blockForever = &Rule{
	Name:    "block-forever",
	Seed:    []int{17},
	Summary: "main blocks forever and the program handles no signal",
	Doc: `A main that ends in select {}, <-make(chan struct{}), a receive from a
channel nothing else uses, or an empty for {} (or that ends by calling a
function of its package that ends so: a listen that starts the servers and
blocks) keeps the process alive but never learns it should stop: when nothing in the program calls signal.Notify (or
NotifyContext, or Ignore), SIGTERM kills it with the default action, deferred
calls never run and whatever main started is cut off mid-request. A program
that handles signals in any of its packages the run loaded (main's own, or one
it imports) is not reported. A main with nothing to drain (it defers nothing,
its package starts no server or worker and calls into no other package of the
program, and it holds nothing with a drain method or a Flush that it has not
closed itself; what its goroutines hold does not count, as main's return runs
none of their clean-up either) is not a default finding: being killed skips
nothing that returning from main would run. The
fix waits for SIGINT or SIGTERM with
signal.NotifyContext in place of the forever block, then drains each local
main started (x.Start(), go x.Serve(...)) whose type has a Shutdown, Drain,
GracefulStop or Stop method, best first: a method taking a context gets a
deadline (-timeout, default 25s), and an error it returns is logged.`,
	Bad: `app := NewApp()
app.Start()
<-make(chan struct{}) // block forever`,
	Good: `app := NewApp()
app.Start()
ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
defer stop()
<-ctx.Done()
drainCtx, cancel := context.WithTimeout(context.Background(), 25*time.Second)
defer cancel()
if err := app.Drain(drainCtx); err != nil {
	log.Printf("drain: %v", err)
}`,
	Match: matchers.BlockForever,
	Fix:   rewrites.BlockForever,
}
