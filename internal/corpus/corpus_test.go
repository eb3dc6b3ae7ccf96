//go:build corpus

package corpus

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestCorpus runs drainfix -w on copies of real modules and requires that
// they still build and vet as before, and that a second -w changes
// nothing. It is behind the corpus build tag (.ci/run runs it):
//
//	go test -tags corpus -run TestCorpus -timeout 60m -v ./internal/corpus
//
// The default findings of each module must be exactly those judged and
// pinned in testdata/expected/MODULE.txt (file:line:col: rule, with
// " (not fixed)" for a finding without a fix): a new or vanished finding
// fails the test until it is judged. Lines starting with # hold the
// verdicts. DRAINFIX_CORPUS_UPDATE=1 rewrites the files without them
// (read the diff, judge every change, put the verdicts back, commit).
//
// With DRAINFIX_CORPUS_REPORT=DIR it keeps each module's findings
// (drainfix -json) and fixes (drainfix -diff) there.
func TestCorpus(t *testing.T) {
	mods, err := Modules()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "drainfix")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/drainfix/drainfix/cmd/drainfix").CombinedOutput(); err != nil {
		t.Fatalf("building drainfix: %v\n%s", err, out)
	}
	report := os.Getenv("DRAINFIX_CORPUS_REPORT")
	for _, m := range mods {
		t.Run(m.Path, func(t *testing.T) {
			dir := t.TempDir()
			if err := m.Prepare(dir); err != nil {
				t.Fatal(err)
			}
			vetBefore, vetErrBefore := goCmd(dir, "vet", "./...")
			if out, err := goCmd(dir, "build", "./..."); err != nil {
				t.Fatalf("the module does not build before drainfix: %v\n%s", err, out)
			}

			findings, _ := drainfix(bin, dir, "-json", "./...")
			diff, _ := drainfix(bin, dir, "-diff", "./...")
			if report != "" {
				name := strings.ReplaceAll(m.Path, "/", "_")
				os.MkdirAll(report, 0o755)
				os.WriteFile(filepath.Join(report, name+".jsonl"), []byte(findings), 0o644)
				os.WriteFile(filepath.Join(report, name+".diff"), []byte(diff), 0o644)
			}
			t.Logf("%s@%s: %d findings, %d files changed", m.Path, m.Version,
				strings.Count(findings, "\n"), strings.Count(diff, "\n+++ "))
			checkExpected(t, m.Path, dir, findings)

			if out, err := drainfix(bin, dir, "-w", "./..."); err != nil && !isExit(err, 1) {
				t.Fatalf("drainfix -w: %v\n%s", err, out)
			}
			if out, err := goCmd(dir, "build", "./..."); err != nil {
				t.Fatalf("the module does not build after drainfix -w: %v\n%s", err, out)
			}
			vetAfter, vetErrAfter := goCmd(dir, "vet", "./...")
			if (vetErrBefore == nil) != (vetErrAfter == nil) || (vetErrAfter != nil && vetAfter != vetBefore) {
				t.Fatalf("go vet changed after drainfix -w:\nbefore (%v):\n%s\nafter (%v):\n%s", vetErrBefore, vetBefore, vetErrAfter, vetAfter)
			}

			sum := treeSum(t, dir)
			if out, err := drainfix(bin, dir, "-w", "./..."); err != nil && !isExit(err, 1) {
				t.Fatalf("second drainfix -w: %v\n%s", err, out)
			}
			if treeSum(t, dir) != sum {
				t.Fatal("a second drainfix -w changed the module again")
			}
		})
	}
}

// checkExpected compares the module's default findings (drainfix -json
// output) with the judged ones pinned for it.
func checkExpected(t *testing.T, path, dir, jsonl string) {
	t.Helper()
	var got []string
	for _, line := range strings.Split(strings.TrimSpace(jsonl), "\n") {
		if line == "" {
			continue
		}
		var f struct {
			File    string `json:"file"`
			Line    int    `json:"line"`
			Column  int    `json:"column"`
			Rule    string `json:"rule"`
			Fixable bool   `json:"fixable"`
		}
		if err := json.Unmarshal([]byte(line), &f); err != nil {
			t.Fatalf("drainfix -json: %v: %s", err, line)
		}
		rel, _ := filepath.Rel(dir, f.File)
		s := fmt.Sprintf("%s:%d:%d: %s", filepath.ToSlash(rel), f.Line, f.Column, f.Rule)
		if !f.Fixable {
			s += " (not fixed)"
		}
		got = append(got, s)
	}
	file := filepath.Join("testdata", "expected", strings.ReplaceAll(path, "/", "_")+".txt")
	if os.Getenv("DRAINFIX_CORPUS_UPDATE") != "" {
		os.MkdirAll(filepath.Dir(file), 0o755)
		if err := os.WriteFile(file, []byte(strings.Join(got, "\n")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("no judged findings pinned for %s: %v", path, err)
	}
	var want []string
	for _, line := range strings.Split(string(data), "\n") {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
			want = append(want, line)
		}
	}
	wantSet, gotSet := map[string]bool{}, map[string]bool{}
	for _, w := range want {
		wantSet[w] = true
	}
	for _, g := range got {
		gotSet[g] = true
		if !wantSet[g] {
			t.Errorf("new finding, not judged: %s", g)
		}
	}
	for _, w := range want {
		if !gotSet[w] {
			t.Errorf("judged finding vanished: %s", w)
		}
	}
}

func goCmd(dir string, args ...string) (string, error) {
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func drainfix(bin, dir string, args ...string) (string, error) {
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	err := cmd.Run()
	return out.String(), err
}

func isExit(err error, code int) bool {
	ee, ok := err.(*exec.ExitError)
	return ok && ee.ExitCode() == code
}

// treeSum hashes every file's path and content.
func treeSum(t *testing.T, dir string) string {
	h := sha256.New()
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "%s\x00%d\x00", path, len(data))
		h.Write(data)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%x", h.Sum(nil))
}
