package registry

import (
	"github.com/drainfix/drainfix/matchers"
	"github.com/drainfix/drainfix/rewrites"
)

var handlerIgnoresCtx = &Rule{
	Name:    "handler-ignores-ctx",
	Seed:    []int{6},
	Summary: "time.Sleep in an HTTP handler ignores the request's context",
	Doc: `A handler that sleeps cannot be interrupted: when the client goes away, or the
server cuts the connection at the end of a drain (Close, or a BaseContext
cancelled on shutdown), the request's context is done, but the handler sleeps
on, and Shutdown waits for it. A handler is a function, method or function
literal of type func(http.ResponseWriter, *http.Request). Not reported: a
Sleep in a goroutine the handler starts or a closure it keeps for later, a constant Sleep under a second outside any loop (also the Sleep of a
field the program only sets to such constants, directly or through a
setter), a handler that already selects
on a context's Done or checks its Err, and handlers in _test.go files. The fix
replaces the Sleep with a timer and a select that also waits for
r.Context().Done(), where the handler answers 503 (unless it has already
written to the response) and returns. Before Go 1.23 the timer is stopped on
return (deferred, or in the Done case inside a loop); from Go 1.23 on an
unreferenced timer is collected. A blank or unnamed request parameter is
named. There is no fix for a Sleep that is deferred or in a closure the
handler runs, in a handler also called directly by code that goes on after
it, or before an Unlock, a WaitGroup.Done or the end of something the
handler began before the Sleep (span.End(), lp.Finished(), f.Close() on a
local variable, a package function that ends what its pair began before
the Sleep, pprof.StopCPUProfile after pprof.StartCPUProfile, a setter also
called before the Sleep, runtime.SetMutexProfileFraction, or a function of
the program that makes such a call) that an early return would skip.

Only a Sleep that the drain could cut short is a default finding: one in a
program whose drain ends request contexts while it waits for them (a
server's BaseContext, or a Close on the drain after which the drain still
waits, for its handlers through a WaitGroup of its own; servers in test
files do not count). Shutdown itself never cancels them, and a Close after
Shutdown's deadline with nothing waiting after it cancels them only once
the drain has stopped waiting, so elsewhere the drain waits out the
Sleep, up to its deadline, as it waits for any request's work, and watching
r.Context() would end it only when the client goes away.`,
	Bad: `func handle(w http.ResponseWriter, r *http.Request) {
	time.Sleep(30 * time.Second)
	fmt.Fprintln(w, "done")
}`,
	Good: `func handle(w http.ResponseWriter, r *http.Request) {
	t := time.NewTimer(30 * time.Second)
	select {
	case <-t.C:
	case <-r.Context().Done():
		http.Error(w, "cancelled", http.StatusServiceUnavailable)
		return
	}
	fmt.Fprintln(w, "done")
}`,
	Match: matchers.HandlerIgnoresCtx,
	Fix:   rewrites.HandlerIgnoresCtx,
}
