package engine

import (
	"regexp"
	"testing"

	"github.com/drainfix/drainfix/internal/registry"
	"github.com/drainfix/drainfix/matchers"
)

// A matcher that panics is an error naming the panic and the matchers
// line it happened at, not a crash of the run.
func TestSafeMatchPanic(t *testing.T) {
	r := &registry.Rule{Name: "boom", Match: func(p *matchers.Pass) []matchers.Finding {
		return matchers.ShutdownNoDeadline(p) // p is nil: a nil dereference in matchers
	}}
	_, err := safeMatch(r, nil)
	if err == nil {
		t.Fatal("no error from a panicking matcher")
	}
	if !regexp.MustCompile(`^panic: runtime error: invalid memory address or nil pointer dereference \(at [a-z_]+\.go:\d+\)$`).MatchString(err.Error()) {
		t.Errorf("error %q does not name the panic and its matchers line", err)
	}
}
