package engine

import (
	"testing"

	"golang.org/x/tools/go/packages"
)

// A package the type checker refuses because its module needs a newer Go
// than drainfix was built with gives one line for the whole load, naming
// both versions and the way out, with every package it kept unchecked.
func TestNewerGoOneLine(t *testing.T) {
	var roots []*packages.Package
	for _, path := range []string{"example.com/m/a", "example.com/m/b"} {
		roots = append(roots, &packages.Package{
			PkgPath: path,
			Errors: []packages.Error{{
				Pos:  "/src/m/" + path[len("example.com/m/"):] + "/x.go:1:1",
				Msg:  "package requires newer Go version go1.27 (application built with go1.26)",
				Kind: packages.TypeError,
			}},
		})
	}
	errs := loadErrors("/src/m", roots)
	if len(errs) != 1 {
		t.Fatalf("got %d lines, want 1: %v", len(errs), errs)
	}
	const want = "the module needs go1.27, and drainfix was built with go1.26: build drainfix with go1.27 (GOTOOLCHAIN=go1.27.0 go install github.com/drainfix/drainfix/cmd/drainfix@latest) (not checked: example.com/m/a, example.com/m/b)"
	if got := errs[0].Error(); got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}
