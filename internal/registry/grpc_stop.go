package registry

import (
	"github.com/drainfix/drainfix/matchers"
	"github.com/drainfix/drainfix/rewrites"
)

var grpcStop = &Rule{
	Name:    "grpc-stop",
	Summary: "(*grpc.Server).Stop on a shutdown path cancels the RPCs in flight",
	Doc: `Stop is gRPC's hard stop: it closes every listener and connection and
cancels the RPCs being served, so clients get Unavailable instead of their
responses. On the shutdown path (after a termination signal or a context's Done
in the same function) the server must be drained with GracefulStop, which stops
accepting and waits for the RPCs in flight. GracefulStop has no deadline of its
own, so the fix runs it in a goroutine and races it against a timer (-timeout,
default 25s): when the timer fires first, the original Stop cuts what is left.
In files older than go1.23 the timer is also stopped. Stop after a GracefulStop
of the same server is that fallback and is not reported, nor is Stop in a test
function.`,
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
