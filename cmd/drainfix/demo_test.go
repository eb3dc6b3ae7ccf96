package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestDemo runs the README's first command on the bundled demo and checks
// that it shows fixes for several seed bugs, and that the fixed demo
// builds, vets and leaves nothing to fix.
func TestDemo(t *testing.T) {
	var out, errOut bytes.Buffer
	code := run([]string{"-C", "../..", "-diff", "./testdata/demo"}, nil, &out, &errOut)
	if code != exitFindings {
		t.Fatalf("exit %d, want %d; stderr:\n%s", code, exitFindings, errOut.String())
	}
	if !strings.Contains(out.String(), "--- a/testdata/demo/service.go") {
		t.Errorf("diff does not name testdata/demo/service.go:\n%s", out.String())
	}

	dir := t.TempDir()
	srcs, _ := filepath.Glob("../../testdata/demo/*.go")
	for _, src := range srcs {
		data, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, filepath.Base(src)), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module demo\n\ngo 1.22\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if code := run([]string{"-C", dir, "./..."}, nil, &out, &errOut); code != exitFindings {
		t.Fatalf("report: exit %d; stderr:\n%s", code, errOut.String())
	}
	for _, rule := range []string{
		"signal-unbuffered", "signal-no-sigterm", "server-close", "shutdown-no-deadline",
		"drain-ctx-cancelled", "lost-cancel", "fatal-on-shutdown", "fatal-on-serve-closed",
	} {
		if !strings.Contains(out.String(), ": "+rule+": ") {
			t.Errorf("the demo shows no %s finding:\n%s", rule, out.String())
		}
	}
	out.Reset()
	if code := run([]string{"-C", dir, "-w", "./..."}, nil, &out, &errOut); code == exitError {
		t.Fatalf("-w: exit %d; stderr:\n%s", code, errOut.String())
	}
	vet := exec.Command("go", "vet", "./...")
	vet.Dir = dir
	if b, err := vet.CombinedOutput(); err != nil {
		t.Fatalf("go vet on the fixed demo: %v\n%s", err, b)
	}
	out.Reset()
	run([]string{"-C", dir, "-json", "./..."}, nil, &out, &errOut)
	if strings.Contains(out.String(), `"fixable":true`) {
		t.Errorf("fixable findings remain after -w:\n%s", out.String())
	}
}
