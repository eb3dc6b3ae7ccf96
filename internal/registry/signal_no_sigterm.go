package registry

import (
	"github.com/drainfix/drainfix/matchers"
	"github.com/drainfix/drainfix/rewrites"
)

var signalNoSigterm = &Rule{
	Name:    "signal-no-sigterm",
	Summary: "the drain runs on SIGINT (Ctrl-C) but not on SIGTERM",
	Doc: `Kubernetes, systemd, ECS and docker stop a process with SIGTERM, not SIGINT.
Code that catches only os.Interrupt (or syscall.SIGINT) and then drains a
server or pool drains on Ctrl-C at a developer's desk and never in
production: SIGTERM takes its default action and kills the process at once,
dropping every request in flight. Reported are signal.Notify and
signal.NotifyContext calls with an explicit list holding SIGINT and not
SIGTERM, in a function that also drains: it calls a method named Shutdown,
GracefulStop, Drain or Stop, or (*http.Server).Close, itself or, after the
signal comes, through functions of the program up to two calls down (the
drain behind the program's own Close). A command that only
aborts on Ctrl-C is left alone, and so is a package that handles SIGTERM
anywhere, or may: an empty list (every signal), a spread list, a variable in
a list, signal.Ignore or signal.Reset of SIGTERM. The fix adds syscall.SIGTERM to the list (unix.SIGTERM where the list
uses golang.org/x/sys/unix), and where the code that receives from the
channel switches on the signal (a receive, a range, a select case, through
a variable or a function of the package the channel is handed to), to the
case that handles SIGINT: caught but matched by no case, SIGTERM would be
ignored and the process would not stop at all. A handler that compares the
signal (also through its String()), hands it to a function, returns or
stores it, or switches on it with a case that is not a named signal, and
one whose channel goes where its receivers cannot be followed (returned
by an accessor, in a struct literal without keys, to a function of another
package), is reported but not fixed, with the reason; a signal only
logged needs no case. Nor is a registration in a package other programs
may import (not main, not under internal/) that the function does not
undo when it returns (a deferred signal.Stop of the channel, or a deferred
call of the NotifyContext's stop, in the function itself, with no return
before it: an undo in the goroutine that waits for the signal runs only
once one has come): SIGTERM
added there would be taken from every program that calls
it, for good, even after the call returns. Nor is one in a program that
also registers SIGINT without SIGTERM elsewhere, in code that does not
drain (a command that cancels its workers on Ctrl-C and returns): caught
here, SIGTERM would no longer kill that process, and the other code would
never hear it, so it would stop in part and run on until killed; the
reason names the other registration. Files whose name or build
constraints name plan9, where signals are notes and syscall.SIGTERM is the
same note as SIGINT, are reported but not fixed; other files are fixed
(syscall.SIGTERM compiles on every port).
In a package that catches SIGINT only and tells its user to stop it with
Ctrl+C (a string literal such as "ctrl+c to exit", before the signal
comes: a log line after it only reports the signal), the finding is shown
only with -all: the program is run by hand at a terminal (a demo, a dev
tool), not stopped by an orchestrator.`,
	Bad: `signal.Notify(stop, os.Interrupt)
<-stop
srv.Shutdown(ctx)`,
	Good: `signal.Notify(stop, os.Interrupt, syscall.SIGTERM)
<-stop
srv.Shutdown(ctx)`,
	Match: matchers.SignalNoSigterm,
	Fix:   rewrites.SignalNoSigterm,
}
