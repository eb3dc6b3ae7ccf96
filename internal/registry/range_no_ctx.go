package registry

import (
	"github.com/drainfix/drainfix/matchers"
	"github.com/drainfix/drainfix/rewrites"
)

var rangeNoCtx = &Rule{
	Name:    "range-no-ctx",
	Seed:    []int{5},
	Summary: "a goroutine ranges over a channel and ignores the context in scope",
	Doc: `A range over a channel ends only when the channel is closed. A goroutine that
has a context (a parameter of its function, or one its literal captures) but
never looks at it in the loop does not stop when the context is cancelled:
the drain waits for a close that may never come, or for the whole backlog.
Loops that mention a context or select on a quit channel they leave on,
and channels made by a call given a context, closed by code that waits for
a context's Done (for a package-level channel, in the package declaring it
too), or handed back to a call once a context is done (Unsubscribe(topic,
ch) after <-ctx.Done(): ending the subscription closes it), or closed once their producers are done (after a
wg.Wait() or a group's Wait, after the call they were handed returns, or by
a producer that defers the close), or pipeline stages (a channel made by
the function that starts the goroutine and closed by that function, or by
a function of the package it hands the channel to), and a range with an
empty body (for range ch {}, a drain that discards what senders still
send), are not reported: the range ends then,
and leaving it early would strand senders that do not watch the context. The fix
receives in a select that also watches ctx.Done, keeping the body, its
comments and the variable's name; when the channel is closed or the context
done it returns (or, when code follows the loop or the body breaks it,
breaks the loop by a label, so that a break keeps leaving the loop and not
the select). It is refused for a channel given by an expression range
evaluates once (a call), a range assigning to outer variables, a
function with results, and a func literal whose context is a variable
of the function starting it that is assigned again after the go
statement (the goroutine's read would race with that write). In a program that handles no termination signal, or in a
package no main of the load uses, the finding is shown only with -all, and
so is a range over a channel field that a method of its owner closes
(read directly, or through a method, also of an interface, that returns
it: client.Errors() closed by the client's Close; also when the go
statement hands it to the literal's parameter): the range ends when its
owner is released, and leaving it earlier would drop what the owner still
delivers.`,
	Bad: `go func() {
	for msg := range incomingCh {
		_ = process(msg)
	}
}()`,
	Good: `go func() {
	for {
		select {
		case <-ctx.Done():
			return
		case msg, ok := <-incomingCh:
			if !ok {
				return
			}
			_ = process(msg)
		}
	}
}()`,
	Match: matchers.RangeNoCtx,
	Fix:   rewrites.RangeNoCtx,
}
