package registry

import (
	"github.com/drainfix/drainfix/matchers"
	"github.com/drainfix/drainfix/rewrites"
)

var shutdownInHandler = &Rule{
	Name:    "shutdown-in-handler",
	Seed:    []int{16},
	Summary: "(*http.Server).Shutdown called by a handler of the server it shuts down",
	Doc: `Shutdown waits until every connection is idle, and the handler that calls it
keeps its own connection busy until it returns: each waits for the other.
With context.Background() the drain never ends; with a deadline it always
takes the whole deadline and then fails. Reported is a Shutdown directly in a
handler's body (or in a closure it runs there and then), unless the handler is
known to be served by another server: every registration of it found
(http.Handle, http.HandleFunc, a ServeMux's Handle or HandleFunc, a Server's
Handler) is on a mux other than the one the server serves. The fix starts
Shutdown in a goroutine under a deadline context of its own (-timeout, default
25s) derived from context.Background() — never from the request's context,
which is cancelled when the handler returns — or from the old argument when
that outlives the handler. An if that only logs Shutdown's error moves into
the goroutine with it. There is no fix when the error is used otherwise, when
the context is one the handler made, or when what the handler does after
Shutdown (or defers) would no longer wait for the drain. Make sure the program
waits for Shutdown to return before it exits: ListenAndServe returns at once.`,
	Bad: `http.HandleFunc("/quit", func(w http.ResponseWriter, r *http.Request) {
	srv.Shutdown(context.Background())
})`,
	Good: `http.HandleFunc("/quit", func(w http.ResponseWriter, r *http.Request) {
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 25*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	}()
})`,
	Match: matchers.ShutdownInHandler,
	Fix:   rewrites.ShutdownInHandler,
}
