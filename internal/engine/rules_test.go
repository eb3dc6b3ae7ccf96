package engine_test

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/drainfix/drainfix/internal/engine"
	"github.com/drainfix/drainfix/internal/registry"
	"golang.org/x/tools/txtar"
)

var update = flag.Bool("update", false, "rewrite the want sections and golden files of the txtar cases")

// TestRules runs every txtar case under testdata/rules/RULE and
// testdata/seed through the whole engine with every rule on:
//
//   - the findings, -all's included, must be the "want" section
//     (file:line:col: rule, with " (not fixed)" for a finding without a
//     fix and " (not default)" for one shown only with -all);
//   - each line of an optional "messages" section, file:line:col: REGEXP,
//     must match the message of a finding at that position (the refusal
//     or hold reason included);
//   - each FILE.golden section is FILE after the fixes; a file without one
//     must not change;
//   - the fixed module must pass go vet (which builds it);
//   - a second run must change nothing and find only what the first could
//     not fix.
func TestRules(t *testing.T) {
	dirs, _ := filepath.Glob("../../testdata/rules/*")
	dirs = append(dirs, "../../testdata/seed")
	known := map[string]bool{"seed": true}
	for _, r := range registry.All() {
		known[r.Name] = true
	}
	for _, dir := range dirs {
		name := filepath.Base(dir)
		if !known[name] {
			t.Errorf("testdata/rules/%s names no rule", name)
			continue
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			cases, _ := filepath.Glob(filepath.Join(dir, "*.txtar"))
			if len(cases) == 0 {
				t.Fatalf("no cases in %s", dir)
			}
			for _, file := range cases {
				t.Run(strings.TrimSuffix(filepath.Base(file), ".txtar"), func(t *testing.T) {
					t.Parallel()
					runCase(t, file)
				})
			}
		})
	}
}

// Every rule has cases.
func TestEveryRuleHasCases(t *testing.T) {
	for _, r := range registry.All() {
		cases, _ := filepath.Glob(filepath.Join("../../testdata/rules", r.Name, "*.txtar"))
		if len(cases) < 2 {
			t.Errorf("rule %s has %d txtar cases; want positives and negatives", r.Name, len(cases))
		}
	}
}

const defaultGoMod = "module example.com/app\n\ngo 1.22\n"

func runCase(t *testing.T, file string) {
	ar, err := txtar.ParseFile(file)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	sources := map[string][]byte{}
	goldens := map[string][]byte{}
	var want, messages []byte
	hasWant := false
	for _, f := range ar.Files {
		switch {
		case f.Name == "want":
			want, hasWant = f.Data, true
		case f.Name == "messages":
			messages = f.Data
		case strings.HasSuffix(f.Name, ".golden"):
			goldens[strings.TrimSuffix(f.Name, ".golden")] = f.Data
		default:
			sources[f.Name] = f.Data
		}
	}
	if !hasWant {
		t.Fatal("case has no want section")
	}
	if _, ok := sources["go.mod"]; !ok {
		sources["go.mod"] = []byte(defaultGoMod)
	}
	for name, data := range sources {
		writeTestFile(t, filepath.Join(dir, name), data)
	}
	for name := range goldens {
		if _, ok := sources[name]; !ok {
			t.Fatalf("golden for %s, which the case does not have", name)
		}
	}
	// A case using real third-party modules (kafka-go, grpc) names them in
	// its go.mod; go mod tidy fetches them through the module proxy (once:
	// the module cache keeps them) and writes go.sum.
	if bytes.Contains(sources["go.mod"], []byte("require")) {
		if _, ok := sources["go.sum"]; !ok {
			tidy := exec.Command("go", "mod", "tidy")
			tidy.Dir = dir
			if out, err := tidy.CombinedOutput(); err != nil {
				t.Fatalf("go mod tidy: %v\n%s", err, out)
			}
		}
	}

	res := check(t, dir)
	got := formatFindings(t, dir, res.Findings)
	fixed := map[string][]byte{}
	for _, fx := range res.Fixes {
		rel, _ := filepath.Rel(dir, fx.Path)
		fixed[filepath.ToSlash(rel)] = fx.New
	}

	checkMessages(t, dir, messages, res.Findings)
	if *update {
		updateCase(t, file, ar, got, fixed)
		return
	}
	if g, w := strings.TrimSpace(got), strings.TrimSpace(string(want)); g != w {
		t.Errorf("findings:\n%s\nwant:\n%s", g, w)
	}
	for name, src := range sources {
		wantSrc := src
		if g, ok := goldens[name]; ok {
			wantSrc = g
		}
		gotSrc := src
		if f, ok := fixed[name]; ok {
			gotSrc = f
		}
		if !bytes.Equal(gotSrc, wantSrc) {
			t.Errorf("%s after fixes:\n%s\nwant:\n%s", name, gotSrc, wantSrc)
		}
	}
	if t.Failed() || len(fixed) == 0 {
		return
	}

	// The fixed module builds and vets, and a second run changes nothing.
	for name, data := range fixed {
		writeTestFile(t, filepath.Join(dir, name), data)
	}
	vet := exec.Command("go", "vet", "./...")
	vet.Dir = dir
	if out, err := vet.CombinedOutput(); err != nil {
		t.Errorf("go vet on the fixed module: %v\n%s", err, out)
	}
	again := check(t, dir)
	if len(again.Fixes) > 0 {
		for _, fx := range again.Fixes {
			t.Errorf("second run changes %s again:\n%s", fx.Path, fx.New)
		}
	}
	var unfixed, left []string
	for _, f := range res.Findings {
		if !f.Fixable {
			unfixed = append(unfixed, f.Rule)
		}
	}
	for _, f := range again.Findings {
		left = append(left, f.Rule)
	}
	slices.Sort(unfixed)
	slices.Sort(left)
	if !slices.Equal(unfixed, left) {
		t.Errorf("second run finds %v; want only the unfixed %v:\n%s", left, unfixed, formatFindings(t, dir, again.Findings))
	}
}

// checkMessages checks each line of a case's messages section,
// file:line:col: REGEXP, against the messages of the findings at that
// position: one of them must match.
func checkMessages(t *testing.T, dir string, messages []byte, fs []engine.Finding) {
	t.Helper()
	for _, line := range strings.Split(strings.TrimSpace(string(messages)), "\n") {
		if line == "" {
			continue
		}
		// file:line:col: then the expression.
		parts := strings.SplitN(line, ": ", 2)
		if len(parts) != 2 {
			t.Errorf("messages: %q is not file:line:col: REGEXP", line)
			continue
		}
		re, err := regexp.Compile(parts[1])
		if err != nil {
			t.Errorf("messages: %v", err)
			continue
		}
		var got []string
		for _, f := range fs {
			rel, _ := filepath.Rel(dir, f.File)
			if fmt.Sprintf("%s:%d:%d", filepath.ToSlash(rel), f.Line, f.Column) == parts[0] {
				got = append(got, f.Message)
			}
		}
		if !slices.ContainsFunc(got, re.MatchString) {
			t.Errorf("messages: no finding at %s matches %q; messages there: %q", parts[0], parts[1], got)
		}
	}
}

func check(t *testing.T, dir string) *engine.Result {
	t.Helper()
	res, err := engine.Run(engine.Config{
		Dir: dir, Patterns: []string{"./..."}, Rules: registry.All(),
		Tests: true, All: true, Timeout: 25 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range res.Errors {
		t.Errorf("error: %v", e)
	}
	return res
}

func formatFindings(t *testing.T, dir string, fs []engine.Finding) string {
	var b strings.Builder
	for _, f := range fs {
		rel, err := filepath.Rel(dir, f.File)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "%s:%d:%d: %s", filepath.ToSlash(rel), f.Line, f.Column, f.Rule)
		switch {
		case f.Harmless != "":
			b.WriteString(" (not default)")
		case !f.Fixable:
			b.WriteString(" (not fixed)")
		}
		b.WriteString("\n")
	}
	return b.String()
}

func updateCase(t *testing.T, file string, ar *txtar.Archive, got string, fixed map[string][]byte) {
	var files []txtar.File
	for _, f := range ar.Files {
		if f.Name == "want" || strings.HasSuffix(f.Name, ".golden") {
			continue
		}
		files = append(files, f)
	}
	files = append(files, txtar.File{Name: "want", Data: []byte(got)})
	names := make([]string, 0, len(fixed))
	for n := range fixed {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		files = append(files, txtar.File{Name: n + ".golden", Data: fixed[n]})
	}
	ar.Files = files
	if err := os.WriteFile(file, txtar.Format(ar), 0o644); err != nil {
		t.Fatal(err)
	}
}

func writeTestFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}
