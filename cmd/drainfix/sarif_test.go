package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// TestSARIF checks the -format sarif output: valid against the SARIF
// 2.1.0 schema (shipped under testdata/sarif), rule metadata present, and
// each result's fix, applied alone, giving what drainfix -w writes for it.
func TestSARIF(t *testing.T) {
	dir := t.TempDir()
	writeT(t, filepath.Join(dir, "go.mod"), "module example.com/svc\n\ngo 1.22\n")
	src := `package main

import (
	"net/http"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	srv := &http.Server{Addr: ":8080"}
	go srv.ListenAndServe()
	stop := make(chan os.Signal)
	signal.Notify(stop, syscall.SIGTERM)
	<-stop
	srv.Close()
}
`
	writeT(t, filepath.Join(dir, "main.go"), src)
	var out, errOut bytes.Buffer
	if code := run([]string{"-C", dir, "-format", "sarif", "./..."}, nil, &out, &errOut); code != exitFindings {
		t.Fatalf("exit %d; stderr:\n%s", code, errOut.String())
	}
	logPath := filepath.Join(dir, "out.sarif")
	writeT(t, logPath, out.String())

	var log sarifLog
	if err := json.Unmarshal(out.Bytes(), &log); err != nil {
		t.Fatal(err)
	}
	if log.Version != "2.1.0" || len(log.Runs) != 1 {
		t.Fatalf("version %q, %d runs", log.Version, len(log.Runs))
	}
	run0 := log.Runs[0]
	if len(run0.Tool.Driver.Rules) == 0 || run0.Tool.Driver.Rules[0].HelpURI == "" ||
		run0.Tool.Driver.Rules[0].FullDescription.Text == "" {
		t.Errorf("rule metadata incomplete: %+v", run0.Tool.Driver.Rules)
	}
	if len(run0.Results) != 2 {
		t.Fatalf("%d results, want 2", len(run0.Results))
	}
	for _, r := range run0.Results {
		if run0.Tool.Driver.Rules[r.RuleIndex].ID != r.RuleID {
			t.Errorf("result %s points at rule %d", r.RuleID, r.RuleIndex)
		}
		loc := r.Locations[0].PhysicalLocation
		if loc.ArtifactLocation.URI != "main.go" || loc.ArtifactLocation.URIBaseID != "%SRCROOT%" || loc.Region.StartLine == 0 {
			t.Errorf("result %s location %+v", r.RuleID, loc)
		}
		if len(r.Fixes) != 1 || len(r.Fixes[0].ArtifactChanges) != 1 {
			t.Fatalf("result %s has no fix", r.RuleID)
		}
		got := applyReplacements(t, src, r.Fixes[0].ArtifactChanges[0].Replacements)
		// The same fix alone, as drainfix -w writes it.
		alone := t.TempDir()
		writeT(t, filepath.Join(alone, "go.mod"), "module example.com/svc\n\ngo 1.22\n")
		writeT(t, filepath.Join(alone, "main.go"), src)
		run([]string{"-C", alone, "-rules", r.RuleID, "-w", "./..."}, nil, &bytes.Buffer{}, &bytes.Buffer{})
		want, _ := os.ReadFile(filepath.Join(alone, "main.go"))
		if got != string(want) {
			t.Errorf("fix of %s applied from SARIF:\n%s\nwant:\n%s", r.RuleID, got, want)
		}
	}

	// Schema validation with ajv (npm); .ci/run installs it.
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("node is not installed: the schema check needs node and ajv (see .ci/run)")
	}
	cmd := exec.Command("node", "../../testdata/sarif/validate.js", "../../testdata/sarif/sarif-schema-2.1.0.json", logPath)
	b, err := cmd.CombinedOutput()
	if err != nil && strings.Contains(string(b), "Cannot find module") {
		t.Skipf("ajv is not installed (npm install ajv@8 ajv-draft-04@1 ajv-formats@3, on NODE_PATH; .ci/run does it):\n%s", b)
	}
	if err != nil {
		t.Fatalf("SARIF log is not valid against the 2.1.0 schema: %v\n%s", err, b)
	}
}

// applyReplacements applies whole-line SARIF replacements to src.
func applyReplacements(t *testing.T, src string, reps []sarifReplacement) string {
	lineStart := []int{0}
	for i, c := range src {
		if c == '\n' {
			lineStart = append(lineStart, i+1)
		}
	}
	off := func(line, col int) int {
		if line-1 >= len(lineStart) {
			return len(src)
		}
		return lineStart[line-1] + col - 1
	}
	sort.Slice(reps, func(i, j int) bool { return reps[i].DeletedRegion.StartLine > reps[j].DeletedRegion.StartLine })
	for _, r := range reps {
		start := off(r.DeletedRegion.StartLine, r.DeletedRegion.StartColumn)
		end := off(r.DeletedRegion.EndLine, r.DeletedRegion.EndColumn)
		text := ""
		if r.InsertedContent != nil {
			text = r.InsertedContent.Text
		}
		src = src[:start] + text + src[end:]
	}
	return src
}

// TestSARIFColumns: SARIF columns count UTF-16 code units (columnKind
// says so), -json columns count bytes: after "café" (5 bytes, 4 units)
// and an emoji (4 bytes, 2 units) they differ.
func TestSARIFColumns(t *testing.T) {
	dir := t.TempDir()
	writeT(t, filepath.Join(dir, "go.mod"), "module example.com/svc\n\ngo 1.22\n")
	writeT(t, filepath.Join(dir, "main.go"), `package main

import (
	"os"
	"os/signal"
	"syscall"
)

func main() {
	café := /* 🚀 */ make(chan os.Signal)
	signal.Notify(café, syscall.SIGTERM)
	<-café
}
`)
	var out, errOut bytes.Buffer
	if code := run([]string{"-C", dir, "-format", "sarif", "./..."}, nil, &out, &errOut); code != exitFindings {
		t.Fatalf("exit %d; stderr:\n%s", code, errOut.String())
	}
	var log sarifLog
	if err := json.Unmarshal(out.Bytes(), &log); err != nil {
		t.Fatal(err)
	}
	if k := log.Runs[0].ColumnKind; k != "utf16CodeUnits" {
		t.Errorf("columnKind %q, want utf16CodeUnits", k)
	}
	if len(log.Runs[0].Results) != 1 {
		t.Fatalf("%d results, want 1", len(log.Runs[0].Results))
	}
	// \t + "café := /* 🚀 */ " is 1+4+4+3+2+4 = 18 units: make is at 19.
	if r := log.Runs[0].Results[0].Locations[0].PhysicalLocation.Region; r.StartLine != 10 || r.StartColumn != 19 {
		t.Errorf("SARIF region starts at %d:%d, want 10:19", r.StartLine, r.StartColumn)
	}
	out.Reset()
	run([]string{"-C", dir, "-json", "./..."}, nil, &out, &errOut)
	var f struct{ Line, Column int }
	if err := json.Unmarshal(out.Bytes(), &f); err != nil {
		t.Fatal(err)
	}
	// In bytes: 1+5+4+3+4+4 = 21, make at 22.
	if f.Line != 10 || f.Column != 22 {
		t.Errorf("-json position %d:%d, want 10:22", f.Line, f.Column)
	}
}
