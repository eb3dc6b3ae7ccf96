package registry

import (
	"github.com/drainfix/drainfix/matchers"
	"github.com/drainfix/drainfix/rewrites"
)

var sendCloseRace = &Rule{
	Name:    "send-close-race",
	Seed:    []int{4},
	Summary: "a method sends on a channel field that another method closes, unguarded",
	Doc: `A send on a closed channel panics. When Submit sends on p.queue and Drain closes
it, a Submit that comes during or after the drain crashes the process in the
middle of it. Only a type's own methods, reaching the field through their
receiver, are looked at. Not reported: the send and the close under one mutex
with a flag checked before the send (also where the send is in an unexported
helper that is only called under that mutex after that check), or a closer
that sets a flag to true under the mutex before it closes, after the unlock,
while the sender, under that mutex, leaves on that flag (if closed { return })
before the send; a channel closed only by the method that
sends on it, or by one-shot methods that each send once and close; unexported
methods only ever called one after the other from one function (a run loop);
a closer that waits for the senders (WaitGroup.Wait, a receive) when they can
be waited for (a select send beside a receive, a send in a goroutine, a
sender counted in that WaitGroup); a close followed by a new channel in the field, and a close in a closure kept for later;
a send whose panic is recovered (a deferred recover in its function, or a func
literal handed to a helper that defers a recover and then calls it, also
from another module: a PanicToError helper; or in every caller, up to three
calls up, none through a go statement: an event loop that defers a
RecoverAndLog); a method and its closer, exported or not, whose every call
(direct, through an interface of the load, or through a type assertion to
one from elsewhere, x.(io.Closer)) one function makes, or its helpers, one
after the other, where that function is started at one place outside any
loop, on a channel field the program only ever sets to a make (and, where
the sends go to the elements of a registry, one that owns them, as below)
(a log loop
that writes and, when its context ends, closes the writer); and an unexported sender called
only by the closer itself, before its deferred close (one goroutine, in
order); nor, in the whole program, a close deferred in the function that
makes the sends through the senders (a run loop calling an exported
TrySend), or a closer that only runs deferred in one function (or on a value that has not run that function yet: a watcher
stopped on a validation error before it was started), while the sender
only runs in plain calls that function makes, through up to three levels
of functions, exported or reached through interfaces of the load; nor, in a
program, a sender and a closer only ever called, plainly or deferred, on
values each confined to the goroutine that made it (a local variable given
only a fresh value, &T{...} or a constructor's, used only as a method
receiver, never handed on or captured), that send and close themselves (not
from a goroutine or a func value they start or return), on a channel field
the program only ever sets to a make (a work queue one function makes,
fills and stops); nor a handshake: the field's only send is followed by a
receive on it (s.done <- struct{}{}; <-s.done), its method runs once in the
process (called at one place, in no loop or func literal, by main or by a
function that runs once so), and the close runs only after a receive on the
field (case <-s.done: s.close()); nor producers that own their values:
unexported send and close methods used only by functions that each get the
value as a parameter, fresh at every call (never handed to two producers,
nor across a loop or a callback that may run again), send during the run
(plain calls, or callbacks of calls that return their error and, when the
program has their code, call them on the spot) and close as the run ends (an
iterator a goroutine fills). The holds that order a sending method before
the closer (run loops, helpers) need the send made by the method itself, not
by a goroutine it starts, and so does a channel sent on and closed by one
method (one whose goroutine sends, while it closes, races; one goroutine of
it that sends and then closes, neither in a loop, does not: go func() {
s.notify <- srv.Serve(l); close(s.notify) }()); an unexported
sender called only by the closer may be called anywhere in it when the
close ends the closer's run (a return follows it: case <-quit: close(out);
return) and the closer is started at one place. Shown
only with -all: a race whose every send is made while serving an HTTP
request (a handler, a function taking a *http.Request or a framework context
with one, or plain calls from one), since net/http recovers the handler's
panic and only that request fails, unless the send holds a lock it releases
without defer; and a channel whose only send is a statement of a start
method (Start, Run, Serve, Listen), outside loops and goroutines, on a
channel the program always makes with a buffer: the send does not block and
is over when the method returns, so it meets the close only through a misuse
of the type (a Submit of the API, called again and again, is reported). The fix,
when every racing
sender returns just an error and the type is a struct of this package, adds a
mutex and a closed flag next to the channel (closeMu and closed, or free
names), makes each sender check the flag under the mutex and return
errors.New("closed") once closed, and closes under the mutex, once. Methods
and the struct may lie in several files of the package. Like the seed's fix,
a sender holds the mutex while its send blocks on a full channel, so a drain
waits for that send to complete: close while the receivers still run, which
is the usual order. Refused: senders that return anything but just an error
(they cannot tell the caller the channel is closed), a channel a method makes
anew (the flag would stay set), a type with value receivers or passed by
value (the mutex would be copied), an unkeyed literal of the type, and a send
in a loop, in a goroutine or twice in one method, and a sender that after the
send does something that can block (a call not known to return at once, a
send, a receive, a select without default, in a select case's body too): the
guard's deferred unlock would hold it across that, and a close that used to
end it would wait for it instead.

Only a race whose close runs on a drain path (after the program learns it
must stop, through its call graph) is a default finding; -all shows the
others. In a package other than main, a race is a default finding only when
a sender is reached from the package's API (an exported function or method
of an exported type, another package, a callback handed out of the
package); a race whose senders are all the package's own machinery
(unexported, reached only from goroutines it starts) is shown only with
-all: whether such a send can follow the close is the package's protocol
(an in-flight count, a lock its callers hold), which drainfix does not see. A send that is a select case under the mutex the closer holds,
with the closed flag checked before it (the unlock written on each
branch), senders started through a small wrapper around a WaitGroup
whose Wait the closer calls first, and a sender and a closer whose callers
all hold one registry lock (the sender, called plainly, not deferred or
in a go statement, in a range over a registry field with the lock held
from before the range and no unlock or Cond.Wait before the call, sending
itself without letting go of any lock; the closer holding the lock for
writing, Lock not RLock, with the closed value found in that field by a
key, x := F[k], and the statement right after the close deleting F[k] or
storing nil there; the registry owning its subscribers: each value, or
key for a map ranged by key, made for it, &T{...} or a constructor's, and
put there once, never handed in by a caller), on a channel field the
program only ever sets to a make, are not races.`,
	Bad: `func (p *Pool) Submit(j Job) error {
	p.queue <- j
	return nil
}

func (p *Pool) Drain() {
	close(p.queue)
}`,
	Good: `func (p *Pool) Submit(j Job) error {
	p.closeMu.Lock()
	defer p.closeMu.Unlock()
	if p.closed {
		return errors.New("closed")
	}
	p.queue <- j
	return nil
}

func (p *Pool) Drain() {
	p.closeMu.Lock()
	if !p.closed {
		p.closed = true
		close(p.queue)
	}
	p.closeMu.Unlock()
}`,
	Match: matchers.SendCloseRace,
	Fix:   rewrites.SendCloseRace,
}
