package registry

import (
	"github.com/drainfix/drainfix/matchers"
	"github.com/drainfix/drainfix/rewrites"
)

var grpcStop = &Rule{
	Name:    "grpc-stop",
	Summary: "(*grpc.Server).Stop on a shutdown path cancels the RPCs in flight, and GracefulStop with no deadline waits forever",
	Doc: `Stop is gRPC's hard stop: it closes every listener and connection and
cancels the RPCs being served, so clients get Unavailable instead of their
responses. On the shutdown path (after a termination signal or a context's Done
in the same function) the server must be drained with GracefulStop, which stops
accepting and waits for the RPCs in flight. GracefulStop has no deadline of its
own, so the fix runs it in a goroutine and races it against a timer (the
type's own drain budget, a time.Duration field the program sets and already
gives a drain's context.WithTimeout, when the method's receiver has one; else
-timeout, default 25s): when the timer fires first, the original Stop cuts
what is left.
In files older than go1.23 the timer is also stopped. Stop after a GracefulStop
of the same server is that fallback and is not reported, nor is Stop in a test
function. A GracefulStop with no deadline is reported too: it waits for every RPC in
flight, and Serve returns only once it is done, so one long-lived stream or
hung handler keeps the process until the orchestrator kills it. The fix races
it against a timer in the same way, with Stop as the fallback. It is not
reported in a test function, in a method itself named GracefulStop (a wrapper
whose callers bound it), in a function that also refers to the same server's
Stop (a fallback, called or handed to time.AfterFunc), or in a goroutine its
starter races against a deadline; it is not a default finding in a program that
forces its exit a fixed time after the stop, in a function whose every caller
runs it in a goroutine and stops waiting for it at a deadline, or off a drain
path; and it is reported unfixed when its function has another drain step
(Shutdown, Drain, GracefulStop or Stop of another value; a timer's or
ticker's Stop is none, nor is the gRPC health server's Shutdown, which only
marks the services NOT_SERVING),
which a timer per step would give a budget apart from the drain's.`,
	Bad: `<-ctx.Done()
s.Stop()`,
	Good: `<-ctx.Done()
done := make(chan struct{})
go func() {
	s.GracefulStop()
	close(done)
}()
t := time.NewTimer(25 * time.Second)
select {
case <-done:
case <-t.C:
	s.Stop()
}`,
	Match: matchers.GrpcStop,
	Fix:   rewrites.GrpcStop,
}
