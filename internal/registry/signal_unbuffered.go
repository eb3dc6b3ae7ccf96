package registry

import (
	"github.com/drainfix/drainfix/matchers"
	"github.com/drainfix/drainfix/rewrites"
)

var signalUnbuffered = &Rule{
	Name:    "signal-unbuffered",
	Seed:    []int{1},
	Summary: "a channel given to signal.Notify is made unbuffered",
	Doc: `signal.Notify does not block when it delivers a signal: if nobody is
receiving from the channel at that moment, the signal is dropped. With an
unbuffered channel, a SIGTERM that arrives while the program is busy is lost,
the drain never starts, and the orchestrator kills the process after its grace
period, dropping every request in flight. The channel is found wherever it is
made: a local, a package variable, a struct field set in a constructor or a
composite literal, or the argument of a helper that calls Notify on its
parameter. The fix gives the make call a buffer of 1.`,
	Bad: `stop := make(chan os.Signal)
signal.Notify(stop, syscall.SIGTERM)
<-stop`,
	Good: `stop := make(chan os.Signal, 1)
signal.Notify(stop, syscall.SIGTERM)
<-stop`,
	Match: matchers.SignalUnbuffered,
	Fix:   rewrites.SignalUnbuffered,
}
