package registry

import (
	"github.com/drainfix/drainfix/matchers"
	"github.com/drainfix/drainfix/rewrites"
)

var exitBeforeDrain = &Rule{
	Name:    "exit-before-drain",
	Summary: "main returns when ListenAndServe does, before the drain in another goroutine finishes",
	Doc: `Shutdown makes ListenAndServe (and Serve) return at once, with
http.ErrServerClosed, while it goes on waiting for the requests in flight. A
main that drains its server in a signal goroutine and simply returns after
ListenAndServe therefore exits as soon as the drain starts: the process ends,
the requests in flight get an empty reply, and the drain's deadline never
matters. The rule reports, in func main, a go statement whose func literal
calls (*http.Server).Shutdown after a termination signal or a context's Done,
followed by a statement that serves the same server, when the goroutine
signals nobody (no close, send, WaitGroup Done or cancel) and nothing after
the serve statement waits (a receive, a select, a Wait or a Sleep). A
goroutine woken only by the Done of a context that main's own deferred
cancel ends (context.WithCancel of Background, its cancel used by nothing
but defer cancel()) is shown only with -all: its Shutdown cannot start
while main serves. The goroutine may also run a function of the package that is handed the server
(go shutdownOnQuit(srv)), and main may serve through a helper that is handed
it (web.ListenAndServe(srv, ...)). While main does not wait, a Shutdown
without a deadline in that goroutine is not a default finding of
shutdown-no-deadline (a deadline changes nothing there), unless this rule's
fix makes main wait. The fix makes a done channel before the go statement,
closes it in a defer the goroutine starts with (a named function's call is
wrapped in a func literal that does, when its arguments are local variables
main does not assign afterwards, constants or new values), and receives from
it after the serve statement, as net/http's documentation does. When the
serve statement ends main on every other error (if err :=
srv.ListenAndServe(); err != http.ErrServerClosed { log.Fatal(err) }), the
receive follows it; when main goes on after any error but keeps it (err :=
srv.ListenAndServe()), the receive waits only if errors.Is(err,
http.ErrServerClosed), and only when no other code of the package shuts down
or closes that server. Otherwise the fix is refused: a listener that fails
to open, or a server closed elsewhere, would leave main waiting for a signal
instead of exiting.`,
	Bad: `go func() {
	<-ctx.Done()
	if err := srv.Shutdown(drainCtx); err != nil {
		log.Print(err)
	}
}()
if err := srv.ListenAndServe(); err != http.ErrServerClosed {
	log.Fatal(err)
}`,
	Good: `drained := make(chan struct{})
go func() {
	defer close(drained)
	<-ctx.Done()
	if err := srv.Shutdown(drainCtx); err != nil {
		log.Print(err)
	}
}()
if err := srv.ListenAndServe(); err != http.ErrServerClosed {
	log.Fatal(err)
}
<-drained`,
	Match: matchers.ExitBeforeDrain,
	Fix:   rewrites.ExitBeforeDrain,
}
