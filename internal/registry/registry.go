// Package registry is the one place each rule's name, seed bug, doc,
// matcher and rewrite are written. -list, -explain, the README catalogue
// and the go/analysis adapter are all made from it.
package registry

import (
	"fmt"
	"strings"
	"time"

	"github.com/drainfix/drainfix/matchers"
	"github.com/drainfix/drainfix/rewrites"
)

// A Rule is one kind of drain bug.
type Rule struct {
	Name    string // kebab-case, says what is wrong
	Seed    []int  // bugs of the seed catalogue it covers; none for rules beyond it
	Summary string // one line
	Doc     string // why it matters, and what the fix does
	Bad     string // code with the bug
	Good    string // the same code fixed
	Match   matchers.Matcher
	Fix     rewrites.Rewrite // nil when the rule never fixes
}

// Fixes reports whether the rule ever rewrites code.
func (r *Rule) Fixes() bool { return r.Fix != nil }

// SeedText is the seed bugs as text ("1, 12"), or "-" for none.
func (r *Rule) SeedText() string {
	if len(r.Seed) == 0 {
		return "-"
	}
	s := make([]string, len(r.Seed))
	for i, n := range r.Seed {
		s[i] = fmt.Sprint(n)
	}
	return strings.Join(s, ", ")
}

// Explain is the rule's whole documentation as plain text.
func (r *Rule) Explain() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s\n\n", r.Name, r.Summary)
	fmt.Fprintf(&b, "Seed bugs: %s. Fixes: %s.\n\n", r.SeedText(), yesNo(r.Fixes()))
	b.WriteString(strings.TrimSpace(r.Doc))
	b.WriteString("\n\nBad:\n\n")
	b.WriteString(indent(r.Bad))
	b.WriteString("\nGood:\n\n")
	b.WriteString(indent(r.Good))
	return b.String()
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func indent(code string) string {
	var b strings.Builder
	for _, l := range strings.Split(strings.Trim(code, "\n"), "\n") {
		if l == "" {
			b.WriteString("\n")
			continue
		}
		b.WriteString("    " + l + "\n")
	}
	return b.String()
}

// Lookup returns the rule named name, or nil.
func Lookup(name string) *Rule {
	for _, r := range All() {
		if r.Name == name {
			return r
		}
	}
	return nil
}

// All returns every rule, in catalogue order.
func All() []*Rule {
	return []*Rule{
		// The shutdown path.
		signalUnbuffered,
		signalNoSigterm,
		serverClose,
		shutdownNoDeadline,
		drainCtxCancelled,
		lostCancel,
		fatalOnShutdown,
		fatalOnServeClosed,
		// Workers and goroutines that cannot be drained.
		waitNoDeadline,
		condNoDeadline,
		sendCloseRace,
		globalOnce,
		rangeNoCtx,
		loopNoExit,
		tickLeak,
		goUnjoined,
		exitInGoroutine,
		loopvarCapture,
		// Ordering, handlers, consumers and the main loop.
		closeBeforeDrain,
		handlerIgnoresCtx,
		shutdownInHandler,
		blockForever,
		commitBeforeProcess,
		grpcStop,
		// Beyond the catalogue: what drainfix's own fixes must never make.
		exitBeforeDrain,
		deadlineBeforeSignal,
	}
}

// MinTimeout is the shortest drain deadline fixes may write: anything
// shorter (999us, 1ns) is a slip of the unit, and would give every drain
// no time at all.
const MinTimeout = time.Second

// CheckTimeout reports why d cannot be the drain deadline written into
// fixes, or nil.
func CheckTimeout(d time.Duration) error {
	if d < MinTimeout {
		return fmt.Errorf("the drain deadline must be at least %v (got %v)", MinTimeout, d)
	}
	return nil
}
