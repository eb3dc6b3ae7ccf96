package engine_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/drainfix/drainfix/internal/engine"
	"github.com/drainfix/drainfix/internal/registry"
)

// TestDeterministic checks that the result does not depend on how many
// packages are checked at once.
func TestDeterministic(t *testing.T) {
	var first *engine.Result
	for _, p := range []int{1, 4, 1, 8} {
		res, err := engine.Run(engine.Config{
			Dir: "../..", Patterns: []string{"./testdata/demo/...", "./internal/...", "./cmd/..."},
			Rules: registry.All(), Tests: true, Timeout: 25 * time.Second, Parallel: p,
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Findings) == 0 {
			t.Fatal("no findings in the demo")
		}
		if first == nil {
			first = res
			continue
		}
		if !reflect.DeepEqual(first, res) {
			t.Fatalf("-p %d gives another result than -p 1", p)
		}
	}
}
