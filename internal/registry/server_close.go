package registry

import (
	"github.com/drainfix/drainfix/matchers"
	"github.com/drainfix/drainfix/rewrites"
)

var serverClose = &Rule{
	Name:    "server-close",
	Seed:    []int{1},
	Summary: "(*http.Server).Close on a shutdown path cuts requests in flight",
	Doc: `Close is the hard stop: it closes every listener and connection at once, so
requests being served get a reset instead of a response. On the shutdown path
(after a termination signal or a context's Done in the same function) the
server must be drained with Shutdown, which stops accepting, lets handlers
finish and closes idle connections, bounded by a deadline shorter than the
orchestrator's grace period. The fix declares a deadline context (-timeout,
default 25s) just before the statement and calls Shutdown with it, keeping
the statement's error handling; an exit on its error that would skip
clean-up (log.Fatal(srv.Close())) becomes a log line in the same run, as
fatal-on-shutdown makes it on Shutdown's. Close after a Shutdown of the same server is
the fallback for a failed drain and is not reported.
In a package that catches SIGINT only and tells its user to stop it with
Ctrl+C (a string literal such as "ctrl+c to exit"), the finding is shown
only with -all: the program is run by hand at a terminal (a demo, a dev
tool), not stopped by an orchestrator. So is a Close that follows only a
context's Done, in a program that handles its signals where drainfix sees
them, when that context is not the signal's: a parameter every call of
whose function (all seen: never a func value, and not reachable through an
interface) hands it a context the program cancels for another reason (a
temporary server closed when a migration ends).`,
	Bad: `<-stop
srv.Close()`,
	Good: `<-stop
ctx, cancel := context.WithTimeout(context.Background(), 25*time.Second)
defer cancel()
srv.Shutdown(ctx)`,
	Match: matchers.ServerClose,
	Fix:   rewrites.ServerClose,
}
