package registry

import (
	"github.com/drainfix/drainfix/matchers"
	"github.com/drainfix/drainfix/rewrites"
)

var loopvarCapture = &Rule{
	Name:    "loopvar-capture",
	Seed:    []int{13},
	Summary: "a goroutine or deferred func captures a loop variable shared by every iteration (before Go 1.22)",
	Doc: `Before Go 1.22 the variables a for loop declares are shared by all its
iterations: a goroutine started in the loop, or a func deferred in it, that
reads one sees the value it holds when it runs, most often the last one, so
the work of the other iterations is never done (or done twice). The rule
reports a loop variable (of a range loop or a three-clause loop) read inside
go func() {...}(), defer func() {...}() or a func given to an errgroup's or a
WaitGroup's Go within the loop, in files whose language version (the go line
of go.mod, or a //go:build constraint) is below go1.22; from go1.22 on each
iteration has its own variables and nothing is reported. A variable passed as
an argument or copied first is not captured, and a func started right before a
return or a break out of the loop sees no later iteration. The fix copies each
captured variable at the top of the loop body (item := item), which is what Go
1.22 does. It is refused for a three-clause loop whose body changes the
variable, since the copy would hide the change from the loop's condition and
post statement. A goroutine the loop waits for, before it
moves on, to read the variables (it reads them, then signals on a channel
the loop then receives from) sees no later iteration either. A func that
reads the variables only to log them (arguments of a call of log,
log/slog, logrus, zap, zerolog, klog or glog that returns) is shown only
with -all: a later value makes a log line wrong, not the work.`,
	Bad: `for _, item := range items {
	wg.Add(1)
	go func() {
		defer wg.Done()
		process(item)
	}()
}`,
	Good: `for _, item := range items {
	item := item
	wg.Add(1)
	go func() {
		defer wg.Done()
		process(item)
	}()
}`,
	Match: matchers.LoopvarCapture,
	Fix:   rewrites.LoopvarCapture,
}
