package registry

import (
	"github.com/drainfix/drainfix/matchers"
	"github.com/drainfix/drainfix/rewrites"
)

var commitBeforeProcess = &Rule{
	Name:    "commit-before-process",
	Seed:    []int{14},
	Summary: "a consumer commits a message's offset while a goroutine is still processing it",
	Doc: `A consumer that hands a fetched message to a goroutine and commits its offset
right away says the message is done while it is still being processed: when
processing fails, or the service drains and exits before the goroutine ends,
the message is lost, because the consumer group resumes after it. The rule
reads one iteration of a consumer loop: a message fetched with
(*kafka.Reader).FetchMessage (github.com/segmentio/kafka-go) or received from
a sarama ConsumerGroupClaim's Messages channel (github.com/IBM/sarama), given
to a go statement, then committed in the same statement list with
CommitMessages on the same reader or with the session's MarkMessage. A
goroutine that commits after its own processing is not reported. The fix
processes the message in place and commits only when that succeeds: go
process(msg) becomes if err := process(msg); err != nil { return err } when
process returns just an error, and process(msg) when it returns nothing.
Skipping the failed message with continue would not do: offsets are
committed per partition and cumulatively, so committing the next message
commits past the failed one, which is lost anyway; returning leaves it
uncommitted, to be fetched again. The fix is therefore refused when process
returns an error and the consumer's function has no error result to return
it through (retry the message, or stop the consumer, by hand), when the
goroutine runs more than a single call, and when the call returns anything
else. For concurrency, use a worker pool that commits after processing.`,
	Bad: `for {
	msg, err := reader.FetchMessage(ctx)
	if err != nil {
		return err
	}
	go process(msg) // fire-and-forget
	_ = reader.CommitMessages(ctx, msg)
}`,
	Good: `for {
	msg, err := reader.FetchMessage(ctx)
	if err != nil {
		return err
	}
	if err := process(msg); err != nil {
		return err
	}
	_ = reader.CommitMessages(ctx, msg)
}`,
	Match: matchers.CommitBeforeProcess,
	Fix:   rewrites.CommitBeforeProcess,
}
