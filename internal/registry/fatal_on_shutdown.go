package registry

import (
	"github.com/drainfix/drainfix/matchers"
	"github.com/drainfix/drainfix/rewrites"
)

var fatalOnShutdown = &Rule{
	Name:    "fatal-on-shutdown",
	Seed:    []int{12},
	Summary: "log.Fatal or os.Exit on the error of (*http.Server).Shutdown skips the remaining clean-up",
	Doc: `log.Fatal calls os.Exit(1), which ends the process at once: deferred calls do
not run and nothing after the call in the function happens. When Shutdown
fails (most often because its deadline passed with requests still in flight),
exiting there also skips every clean-up still to come: closing the database,
flushing logs and traces, stopping workers. The rule reports log.Fatal,
(*log.Logger).Fatal and os.Exit taking Shutdown's error, directly or in the
if that checks it; so are a logging library's Fatal (a function or method
named Fatal, Fatalf, Fatalln or Fatalw, or klog's and glog's Exit, Exitf,
Exitln, with no results, of a package whose path names a logger, or zap:
logrus, zap, klog, glog; the program's own functions count only when their
body always ends in an exit), a zerolog chain that
starts with Fatal and ends in Msg, Msgf, MsgFunc or Send (log.Fatal().Err(err).Msg(...)),
and a function of the program that always
ends in such a call (a project's own fatalf: its body returns nowhere and
its last statement is the exit). It is reported only where something is
skipped: a defer registered
before the exit (other than the cancel of Shutdown's own deadline context,
also wrapped in a func literal that does nothing else, and the Close of a listener the server serves, which Shutdown has already
closed, and, for a logging library's Fatal, which flushes its own output
before it exits, a deferred Sync or Flush of the same logger, or of its
package for a package-level Fatal such as klog's, also in a func literal) or statements that follow in the function. The fix
logs instead, on the same logger (Fatal becomes Print, Fatalf Printf,
Fatalln Println; a logging library's Fatal becomes its Error twin, Fatalf
Errorf, Fatalw Errorw, or else its Print twin, with the same parameters; a
zerolog chain starts with Error instead; a
logger with neither is not fixed, nor is the program's own exiting
function, which has no twin that returns); the direct form
log.Fatal(srv.Shutdown(ctx)) becomes an if that logs a non-nil error. os.Exit
is reported but not fixed: removing it would change the exit status.

An exit that skips only trivia (log lines, prints, the cancel of a context,
signal.Stop) loses nothing and is not reported. Exit status: in a function
that returns just an error (a command's RunE, a run function main checks),
with only trivia after the check, the fix logs and then returns the error,
so the deferred calls run and the caller still sees the failure (the
command exits non-zero as before). Elsewhere (in main) a failed drain is
logged and the function goes on with its clean-up, so the process exits 0
where it used to exit 1 when Shutdown failed. That is the price of running
the clean-up; where the status matters, record the error and exit non-zero
at the end of main, after the deferred calls have run.`,
	Bad: `defer db.Close()
if err := srv.Shutdown(ctx); err != nil {
	log.Fatal(err)
}`,
	Good: `defer db.Close()
if err := srv.Shutdown(ctx); err != nil {
	log.Print(err)
}`,
	Match: matchers.FatalOnShutdown,
	Fix:   rewrites.FatalOnShutdown,
}
