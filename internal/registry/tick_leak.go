package registry

import (
	"github.com/drainfix/drainfix/matchers"
	"github.com/drainfix/drainfix/rewrites"
)

var tickLeak = &Rule{
	Name:    "tick-leak",
	Seed:    []int{19},
	Summary: "time.Tick in a goroutine or component: a ticker that cannot be stopped",
	Doc: `The ticker behind time.Tick can never be stopped. Before Go 1.23 it is never
collected either, so each call outside the program's main function leaks
one, and a loop over it never ends, so its goroutine cannot be drained. From
Go 1.23 (by the file's language version) an unreferenced ticker is collected,
and only a for range time.Tick loop with no way out is reported. Calls in
main.main and init run once for the program and are not reported. The fix,
for a range over time.Tick with a context in scope, makes a time.NewTicker
just before the loop, defers its Stop, and selects on the ticker and on
ctx.Done. It is refused when the interval may be zero or negative
(time.NewTicker panics where time.Tick returns nil): it must be a positive
constant or checked before, as in if d <= 0 { return }.

Not a default finding: a program that handles no termination signal (a CLI:
no drain to hold up), and a time.Tick in a function that runs a fixed number
of times per process: every caller outside test files is main, or a function
that itself runs so (up to four calls down), calling it outside any loop,
goroutine or func literal; helpers only tests call are left out. The ticker then lives as long as the process. Nor is a range over
time.Tick with no context in scope, in a goroutine nothing waits for and
started a fixed number of times (a scheduler of the process's life), also
when the function is started with go from another package, or through an
interface its receiver implements, or handed to a sync.Once's Do by a
method that does nothing else and is itself only started so, by a function
that runs a fixed number of times per process, and every use
of it outside test files is such a start. Nor, before Go 1.23, is a time.Tick kept in a goroutine
started a fixed number of times (not in a loop) that selects on it and on
its stop: it leaks one ticker per start, when it leaves, not a growing
number.`,
	Bad: `go func() {
	for tick := range time.Tick(time.Second) {
		work(tick)
	}
}()`,
	Good: `go func() {
	ticker := time.NewTicker(time.Second)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case tick := <-ticker.C:
			work(tick)
		}
	}
}()`,
	Match: matchers.TickLeak,
	Fix:   rewrites.TickLeak,
}
