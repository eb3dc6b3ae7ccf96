package registry

import (
	"github.com/drainfix/drainfix/matchers"
	"github.com/drainfix/drainfix/rewrites"
)

var fatalOnServeClosed = &Rule{
	Name:    "fatal-on-serve-closed",
	Summary: "log.Fatal on the error of Serve kills the process when Shutdown starts the drain",
	Doc: `Shutdown (and Close) make ListenAndServe, Serve and their TLS forms return
http.ErrServerClosed at once, while Shutdown is still waiting for the requests
in flight. Code that exits on any error of Serve (log.Fatal, (*log.Logger).Fatal,
os.Exit, a logging library's Fatal, a function of the program that always
exits: see fatal-on-shutdown) therefore kills the process at the very moment the drain begins, and
every request the drain was waiting for is cut. The rule reports it for a
server (a variable or a struct field, followed one call into a helper's
parameter) that the package shuts down or closes somewhere; code that already
tells http.ErrServerClosed apart is left alone. The fix skips that error:
err != nil becomes err != nil && !errors.Is(err, http.ErrServerClosed), and
log.Fatal(srv.ListenAndServe()) becomes an if on !errors.Is(err,
http.ErrServerClosed).`,
	Bad: `go func() {
	log.Fatal(srv.ListenAndServe())
}()
<-stop
srv.Shutdown(ctx)`,
	Good: `go func() {
	if err := srv.ListenAndServe(); !errors.Is(err, http.ErrServerClosed) {
		log.Fatal(err)
	}
}()
<-stop
srv.Shutdown(ctx)`,
	Match: matchers.FatalOnServeClosed,
	Fix:   rewrites.FatalOnServeClosed,
}
