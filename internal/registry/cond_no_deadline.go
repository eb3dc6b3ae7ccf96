package registry

import (
	"github.com/drainfix/drainfix/matchers"
	"github.com/drainfix/drainfix/rewrites"
)

var condNoDeadline = &Rule{
	Name:    "cond-no-deadline",
	Seed:    []int{20},
	Summary: "a drain waits on a sync.Cond with no deadline",
	Doc: `A drain method (Drain, Shutdown, Stop, Close, GracefulStop, an exported Wait...,
or one that closes a channel or cancels a context) that waits with
for cond { c.Wait() } hangs forever when the condition never comes true: one
stuck request keeps inFlight above zero and the drain outlives the
orchestrator's grace period. Cond.Wait takes no deadline. The fix follows the
context.AfterFunc example of the Go documentation: before the loop it
arranges for the Cond to be broadcast, under the Cond's own lock so the
wake-up cannot be lost between the check and Wait, once the context is done,
and at the top of the loop it returns ctx.Err() (with zero values for the
other results); when the drain locked before the loop and unlocks after it
without defer, that return unlocks first, or the lock would stay held. It
needs a context in scope, a file at go1.21 or later, and
a last result of type error; otherwise, and for a wait loop inside another
loop or a Cond reached through a call, the finding is reported only (add a
ctx parameter, or turn the loop into a select on a channel). Blocking-queue
methods (Pop, Get, Take) wait on a Cond by design and are not reported, nor
is a loop that already checks its context or a function that already wakes
its Cond with context.AfterFunc or time.AfterFunc. Only a wait that runs on a drain path, or that
ignores a context in scope, is a default finding; -all shows the others
with the reason.`,
	Bad: `func (s *Service) Drain(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for s.inFlight > 0 {
		s.cond.Wait()
	}
	return nil
}`,
	Good: `func (s *Service) Drain(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	stop := context.AfterFunc(ctx, func() {
		s.cond.L.Lock()
		defer s.cond.L.Unlock()
		s.cond.Broadcast()
	})
	defer stop()
	for s.inFlight > 0 {
		if err := ctx.Err(); err != nil {
			return err
		}
		s.cond.Wait()
	}
	return nil
}`,
	Match: matchers.CondNoDeadline,
	Fix:   rewrites.CondNoDeadline,
}
