package analyzer_test

import (
	"os/exec"
	"testing"
)

// TestGolangciPlugin builds and tests the golangci-lint module plugin
// (../golangci, a module of its own so that drainfix does not depend on
// golangci-lint) against golangci's plugin-module API from the module proxy.
func TestGolangciPlugin(t *testing.T) {
	if testing.Short() {
		t.Skip("builds another module; skipped with -short")
	}
	for _, args := range [][]string{{"vet", "./..."}, {"test", "./..."}} {
		cmd := exec.Command("go", args...)
		cmd.Dir = "../golangci"
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go %v in golangci/: %v\n%s", args, err, out)
		}
	}
}
