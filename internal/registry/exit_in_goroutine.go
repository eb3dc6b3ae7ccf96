package registry

import (
	"github.com/drainfix/drainfix/matchers"
	"github.com/drainfix/drainfix/rewrites"
)

var exitInGoroutine = &Rule{
	Name:    "exit-in-goroutine",
	Seed:    []int{11},
	Summary: "os.Exit or log.Fatal inside a goroutine ends the process without a drain",
	Doc: `os.Exit, and log.Fatal which calls it, end the process from wherever they are
called: main's drain never starts, and no deferred call of any goroutine runs.
A goroutine that fails should hand the failure to main, which drains and then
decides the exit status. The rule reports os.Exit, log.Fatal and
(*log.Logger).Fatal (and their f and ln forms) in go func() {...}() literals,
in closures they call, in funcs given to an errgroup's or a WaitGroup's Go,
and in functions of the package that are only ever started with go, when a
function starting the goroutine then waits for a termination signal or a
context's Done: it has a drain the exit skips. An exit the goroutine reaches
after a signal or a context's Done itself (the forced exit on a second signal,
or when the drain overruns its deadline) is the drain's hard stop and is not
reported. An exit on the error of net/http's ListenAndServe or Serve (directly, or
through a function of the program that only returns that error) is left to
fatal-on-serve-closed: apart from http.ErrServerClosed they fail when the
listener cannot be opened, before anything is in flight. An exit inside
if err := x.Serve(); err != nil (also ListenAndServe, Listen and their TLS
forms) on a server outside net/http, given no context, is shown only with
-all: it fails when its listener cannot be opened, and such servers (gRPC's,
fasthttp's) return nil when stopped; log.Fatal(x.Serve()) exits whatever
Serve returns and stays a finding. The fix needs a
cancel func of the program's lifetime context in scope (made by
signal.NotifyContext or context.WithCancel in a function that waits for the
context's Done): log.Fatal becomes log.Print (Fatalf Printf, Fatalln Println),
os.Exit goes, and cancel() then return follow, so that main wakes up and
drains. The exit status is then main's to decide: a process that used to exit
1 on the failure exits as main does after its drain, so main should exit
non-zero when the drain was started by a failure (for example by recording the
error and checking it after the drain). Without such a cancel func the finding
is reported unfixed: surface the error to main, for example through an error
channel.

An exit that skips nothing is not reported: when the starting function is
main and nothing but log lines, prints and context cancels follows its wait
or is deferred, the process loses nothing by exiting. In a program that
handles no termination signal the finding is shown only with -all, and so
is an exit taken only on the error of a call the stop cannot end (given no
context but context.Background or TODO, on a value the package never
stops: a dial, a read of stdin, a module's start): a failure exit, which no
stop leads to. So is an exit whose starting function waits only for Ctrl-C
(a channel notified of os.Interrupt alone) and drains nothing after it: an
interactive command's abort, which SIGTERM never runs.`,
	Bad: `ctx, cancel := signal.NotifyContext(context.Background(), syscall.SIGTERM)
defer cancel()
go func() {
	if err := server.Run(ctx); err != nil {
		log.Fatal(err)
	}
}()
<-ctx.Done()`,
	Good: `ctx, cancel := signal.NotifyContext(context.Background(), syscall.SIGTERM)
defer cancel()
go func() {
	if err := server.Run(ctx); err != nil {
		log.Print(err)
		cancel()
		return
	}
}()
<-ctx.Done()`,
	Match: matchers.ExitInGoroutine,
	Fix:   rewrites.ExitInGoroutine,
}
