package registry

import (
	"flag"
	"os"
	"regexp"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the README catalogue")

// TestREADMECatalogue fails when README.md's rule catalogue is not what the
// registry generates.
func TestREADMECatalogue(t *testing.T) {
	const path = "../../README.md"
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	readme := string(data)
	i, j := strings.Index(readme, CatalogueStart), strings.Index(readme, CatalogueEnd)
	if i < 0 || j < i {
		t.Fatalf("README.md lacks the catalogue markers %q ... %q", CatalogueStart, CatalogueEnd)
	}
	want := CatalogueStart + "\n\n" + Catalogue() + "\n" + CatalogueEnd
	got := readme[i : j+len(CatalogueEnd)]
	if got == want {
		return
	}
	if *update {
		if err := os.WriteFile(path, []byte(readme[:i]+want+readme[j+len(CatalogueEnd):]), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("README.md's rule catalogue is stale: run go test ./internal/registry -update")
}

var kebab = regexp.MustCompile(`^[a-z]+(-[a-z]+)*$`)

// TestRules checks that every registry entry is complete.
func TestRules(t *testing.T) {
	seen := map[string]bool{}
	for _, r := range All() {
		if !kebab.MatchString(r.Name) {
			t.Errorf("rule name %q is not kebab-case", r.Name)
		}
		if seen[r.Name] {
			t.Errorf("rule %s registered twice", r.Name)
		}
		seen[r.Name] = true
		if r.Summary == "" || r.Doc == "" || r.Bad == "" || r.Good == "" || r.Match == nil {
			t.Errorf("rule %s lacks a summary, doc, bad or good code, or a matcher", r.Name)
		}
		if Lookup(r.Name) != r {
			t.Errorf("Lookup(%q) does not find the rule", r.Name)
		}
		for _, s := range r.Seed {
			if s < 1 || s > 20 {
				t.Errorf("rule %s names seed bug %d; the catalogue has 1 to 20", r.Name, s)
			}
		}
		if !strings.Contains(r.Explain(), "Bad:") {
			t.Errorf("rule %s: Explain lacks the bad code", r.Name)
		}
	}
}

// TestCapitalize: a summary is a sentence, but Go code keeps its case.
func TestCapitalize(t *testing.T) {
	for in, want := range map[string]string{
		"a drain waits on a sync.WaitGroup": "A drain waits on a sync.WaitGroup",
		"time.Tick in a goroutine":          "time.Tick in a goroutine",
		"os.Exit or log.Fatal inside":       "os.Exit or log.Fatal inside",
		"":                                  "",
	} {
		if got := capitalize(in); got != want {
			t.Errorf("capitalize(%q) = %q, want %q", in, got, want)
		}
	}
}
