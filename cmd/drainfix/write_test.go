package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestWriteFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "a.go")
	if err := os.WriteFile(path, []byte("old"), 0o751); err != nil {
		t.Fatal(err)
	}

	// Changed on disk since it was loaded: refused, untouched.
	err := writeFile(path, []byte("what was loaded"), []byte("new"))
	if err == nil || !strings.Contains(err.Error(), "changed on disk") {
		t.Fatalf("writeFile over a changed file: %v", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "old" {
		t.Fatalf("changed file was overwritten: %q", b)
	}

	// Written, mode kept, no temporary file left behind.
	if err := writeFile(path, []byte("old"), []byte("new")); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); string(b) != "new" {
		t.Fatalf("content %q, want new", b)
	}
	if st.Mode().Perm() != 0o751 {
		t.Errorf("mode %v, want 0751", st.Mode().Perm())
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Errorf("directory holds %d entries after the write, want 1", len(ents))
	}

	// Read-only: refused.
	if err := os.Chmod(path, 0o444); err != nil {
		t.Fatal(err)
	}
	if err := writeFile(path, []byte("new"), []byte("newer")); err == nil {
		t.Error("writeFile replaced a read-only file")
	}
}

// TestWriteHardLink: a file with another hard link is rewritten in place,
// so both names keep seeing one file, with the new contents.
func TestWriteHardLink(t *testing.T) {
	dir := t.TempDir()
	path, link := filepath.Join(dir, "a.go"), filepath.Join(dir, "b.go")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Link(path, link); err != nil {
		t.Skipf("no hard links here: %v", err)
	}
	if err := writeFile(path, []byte("old"), []byte("new")); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(link); string(b) != "new" {
		t.Errorf("the other link holds %q, want new", b)
	}
	a, _ := os.Stat(path)
	b, _ := os.Stat(link)
	if !os.SameFile(a, b) {
		t.Error("the rewrite cut the file off from its other link")
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 2 {
		t.Errorf("directory holds %d entries after the write, want 2", len(ents))
	}
}
