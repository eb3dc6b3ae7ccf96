package diff

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/sergi/go-diff/diffmatchpatch"
)

// numbered returns lines "1\n" … "n\n", the usual backdrop for edits.
func numbered(n int) string {
	var b strings.Builder
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "%d\n", i)
	}
	return b.String()
}

// replaceLine swaps line i (1-based) of s for repl (which carries its own
// terminator; "" deletes the line).
func replaceLine(s string, i int, repl string) string {
	lines := splitLines(s)
	lines[i-1] = repl
	return strings.Join(lines, "")
}

type testCase struct {
	name     string
	path     string
	old, new string
	want     string // output after the two header lines; "" means nil
}

var cases = []testCase{
	{name: "equal", old: "a\nb\n", new: "a\nb\n"},
	{name: "equal empty", old: "", new: ""},
	{name: "equal no newline", old: "a\nb", new: "a\nb"},
	{
		name: "insert at start", old: "b\nc\nd\ne\n", new: "a\nb\nc\nd\ne\n",
		want: "@@ -1,3 +1,4 @@\n+a\n b\n c\n d\n",
	},
	{
		name: "insert in middle", old: numbered(10), new: replaceLine(numbered(10), 5, "5\nnew\n"),
		want: "@@ -3,6 +3,7 @@\n 3\n 4\n 5\n+new\n 6\n 7\n 8\n",
	},
	{
		name: "insert at end", old: numbered(5), new: numbered(5) + "x\ny\n",
		want: "@@ -3,3 +3,5 @@\n 3\n 4\n 5\n+x\n+y\n",
	},
	{
		name: "delete", old: numbered(10), new: replaceLine(numbered(10), 6, ""),
		want: "@@ -3,7 +3,6 @@\n 3\n 4\n 5\n-6\n 7\n 8\n 9\n",
	},
	{
		name: "replace", old: numbered(10), new: replaceLine(numbered(10), 4, "four\n"),
		want: "@@ -1,7 +1,7 @@\n 1\n 2\n 3\n-4\n+four\n 5\n 6\n 7\n",
	},
	{
		name: "replace only line", old: "a\n", new: "b\n",
		want: "@@ -1 +1 @@\n-a\n+b\n",
	},
	{
		name: "replace everything", old: "a\nb\nc\n", new: "x\ny\n",
		want: "@@ -1,3 +1,2 @@\n-a\n-b\n-c\n+x\n+y\n",
	},
	{
		name: "empty old", old: "", new: "a\nb\n",
		want: "@@ -0,0 +1,2 @@\n+a\n+b\n",
	},
	{
		name: "empty new", old: "a\nb\n", new: "",
		want: "@@ -1,2 +0,0 @@\n-a\n-b\n",
	},
	{
		name: "empty old, new without newline", old: "", new: "a",
		want: "@@ -0,0 +1 @@\n+a\n\\ No newline at end of file\n",
	},
	{
		name: "old lacks final newline", old: "a\nb\nc", new: "a\nb\nc\n",
		want: "@@ -1,3 +1,3 @@\n a\n b\n-c\n\\ No newline at end of file\n+c\n",
	},
	{
		name: "new lacks final newline", old: "a\nb\nc\n", new: "a\nb\nc",
		want: "@@ -1,3 +1,3 @@\n a\n b\n-c\n+c\n\\ No newline at end of file\n",
	},
	{
		name: "both lack final newline, last line changed", old: "a\nb\nc", new: "a\nb\nd",
		want: "@@ -1,3 +1,3 @@\n a\n b\n-c\n\\ No newline at end of file\n+d\n\\ No newline at end of file\n",
	},
	{
		name: "both lack final newline, last line is context", old: "a\nb\nc", new: "a\nB\nc",
		want: "@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n\\ No newline at end of file\n",
	},
	{
		name: "no newline, far from change", old: numbered(9) + "10", new: replaceLine(numbered(9), 1, "one\n") + "10",
		want: "@@ -1,4 +1,4 @@\n-1\n+one\n 2\n 3\n 4\n",
	},
	{
		name: "lines appended after line without newline", old: "a\nb", new: "a\nb\nc\n",
		want: "@@ -1,2 +1,3 @@\n a\n-b\n\\ No newline at end of file\n+b\n+c\n",
	},
	{
		name: "crlf", old: "a\r\nb\r\nc\r\n", new: "a\r\nB\r\nc\r\n",
		want: "@@ -1,3 +1,3 @@\n a\r\n-b\r\n+B\r\n c\r\n",
	},
	{
		name: "crlf to lf", old: "a\r\nb\r\nc\r\n", new: "a\r\nb\nc\r\n",
		want: "@@ -1,3 +1,3 @@\n a\r\n-b\r\n+b\n c\r\n",
	},
	{
		name: "crlf without final newline", old: "a\r\nb\r\nc", new: "a\r\nb\r\nc\r\n",
		want: "@@ -1,3 +1,3 @@\n a\r\n b\r\n-c\n\\ No newline at end of file\n+c\r\n",
	},
	{
		name: "lone cr", old: "a\rb\nc\n", new: "a\rB\nc\n",
		want: "@@ -1,2 +1,2 @@\n-a\rb\n+a\rB\n c\n",
	},
	{
		// 7 unchanged lines between changes: more than 2×3, so split.
		name: "distant changes, two hunks", path: "sub/dir/file.go",
		old: numbered(20), new: replaceLine(replaceLine(numbered(20), 12, "twelve\n"), 4, "four\n"),
		want: "@@ -1,7 +1,7 @@\n 1\n 2\n 3\n-4\n+four\n 5\n 6\n 7\n" +
			"@@ -9,7 +9,7 @@\n 9\n 10\n 11\n-12\n+twelve\n 13\n 14\n 15\n",
	},
	{
		// 6 unchanged lines between changes: the contexts touch, so merge.
		name: "near changes, one hunk",
		old:  numbered(20), new: replaceLine(replaceLine(numbered(20), 11, "eleven\n"), 4, "four\n"),
		want: "@@ -1,14 +1,14 @@\n 1\n 2\n 3\n-4\n+four\n 5\n 6\n 7\n 8\n 9\n 10\n-11\n+eleven\n 12\n 13\n 14\n",
	},
	{
		name: "three changes, last two merged", old: numbered(40),
		new: replaceLine(replaceLine(replaceLine(numbered(40), 28, ""), 21, "x\n"), 5, "y\n"),
		want: "@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+y\n 6\n 7\n 8\n" +
			"@@ -18,14 +18,13 @@\n 18\n 19\n 20\n-21\n+x\n 22\n 23\n 24\n 25\n 26\n 27\n-28\n 29\n 30\n 31\n",
	},
	{
		name: "duplicate line inserted", old: "a\nb\nc\n", new: "a\nb\nb\nc\n",
		want: "@@ -1,3 +1,4 @@\n a\n b\n+b\n c\n",
	},
	{
		name: "function inserted between functions",
		old:  "func a() {\n}\n\nfunc c() {\n}\n",
		new:  "func a() {\n}\n\nfunc b() {\n}\n\nfunc c() {\n}\n",
		want: "@@ -1,5 +1,8 @@\n func a() {\n }\n \n+func b() {\n+}\n+\n func c() {\n }\n",
	},
	{
		// The cases below have several shortest diffs; GNU diff (and
		// shiftBoundaries) slide changes over identical lines to join other
		// changes, else as far down as they go.
		name: "removed blank joins the replacement", old: "x()\n\n\n", new: "}\n\n",
		want: "@@ -1,3 +1,2 @@\n-x()\n-\n+}\n \n",
	},
	{
		name: "inserted brace slides down", old: "}\n", new: "\n}\n}\n",
		want: "@@ -1 +1,3 @@\n+\n+}\n }\n",
	},
	{
		name: "replacement next to its duplicate", old: "x\na\nb\n", new: "a\na\nb\n",
		want: "@@ -1,3 +1,3 @@\n-x\n+a\n a\n b\n",
	},
	{
		name: "closing brace stays with its function",
		old:  "func a() {\n\tx()\n}\n",
		new:  "func a() {\n\tx()\n}\n\nfunc b() {\n\ty()\n}\n",
		want: "@@ -1,3 +1,7 @@\n func a() {\n \tx()\n }\n+\n+func b() {\n+\ty()\n+}\n",
	},
	{
		name: "statement added before identical one",
		old:  "f() {\n\tx()\n}\n\ng() {\n}\n",
		new:  "f() {\n\ty()\n\tx()\n}\n\ng() {\n\tx()\n}\n",
		want: "@@ -1,6 +1,8 @@\n f() {\n+\ty()\n \tx()\n }\n \n g() {\n+\tx()\n }\n",
	},
	{
		name: "content looks like diff syntax", old: "-- a/f\n++ b/f\n@@ -1 +1 @@\nx\n", new: "@@ -1 +1 @@\n\\ No newline at end of file\n",
		want: "@@ -1,4 +1,2 @@\n--- a/f\n-++ b/f\n @@ -1 +1 @@\n-x\n+\\ No newline at end of file\n",
	},
	{
		name: "invalid utf-8", old: "\xff\xfe\n\xc3\n", new: "\xff\xfe\n\xc3\xa9\n",
		want: "@@ -1,2 +1,2 @@\n \xff\xfe\n-\xc3\n+\xc3\xa9\n",
	},
	{
		name: "blank lines only", old: "\n\n\n", new: "\n\n",
		want: "@@ -1,3 +1,2 @@\n \n \n-\n",
	},
}

func (c testCase) filePath() string {
	if c.path == "" {
		return "f.txt"
	}
	return c.path
}

func (c testCase) wantDiff() []byte {
	if c.want == "" {
		return nil
	}
	p := c.filePath()
	return []byte("--- a/" + p + "\n+++ b/" + p + "\n" + c.want)
}

func TestUnified(t *testing.T) {
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := Unified(c.filePath(), []byte(c.old), []byte(c.new))
			if want := c.wantDiff(); !bytes.Equal(got, want) || (got == nil) != (want == nil) {
				t.Errorf("Unified:\n%s\nwant:\n%s", quote(got), quote(want))
			}
			checkShape(t, []byte(c.old), got)
			applied, err := Apply([]byte(c.old), got)
			if err != nil {
				t.Fatalf("Apply: %v", err)
			}
			if !bytes.Equal(applied, []byte(c.new)) {
				t.Errorf("Apply = %q, want %q", applied, c.new)
			}
		})
	}
}

// quote shows a diff with \r and bad bytes visible, one line per line.
func quote(d []byte) string {
	if d == nil {
		return "<nil>"
	}
	var b strings.Builder
	for _, l := range splitLines(string(d)) {
		b.WriteString(strconv.Quote(l) + "\n")
	}
	return b.String()
}

// checkShape checks the hunk layout rules of diff -u that Apply does not:
// exactly 3 lines of context around each hunk unless the file ends first,
// hunks merged when at most 6 unchanged lines separate their changes.
// old is the file d applies to.
func checkShape(t *testing.T, old, d []byte) {
	t.Helper()
	if d == nil {
		return
	}
	lines := splitLines(string(d))[2:]
	prevEnd := -1 // old line number after the last change of the previous hunk
	for len(lines) > 0 {
		oldStart, oldCount, _, _, err := parseHunkHeader(lines[0])
		if err != nil {
			t.Fatal(err)
		}
		if oldCount > 0 {
			oldStart--
		}
		lines = lines[1:]
		var kinds []byte
		for len(lines) > 0 && lines[0][0] != '@' {
			if lines[0][0] != '\\' {
				kinds = append(kinds, lines[0][0])
			}
			lines = lines[1:]
		}
		lead := bytes.IndexAny(kinds, "-+")
		trail := len(kinds) - 1 - bytes.LastIndexAny(kinds, "-+")
		if lead < 0 {
			t.Fatalf("hunk without changes in\n%s", d)
		}
		if lead > 3 || lead < 3 && oldStart != 0 {
			t.Errorf("hunk at old line %d has %d leading context lines in\n%s", oldStart+1, lead, d)
		}
		if trail > 3 || trail < 3 && (len(lines) > 0 || oldStart+oldCount != len(splitLines(string(old)))) {
			t.Errorf("hunk at old line %d has %d trailing context lines in\n%s", oldStart+1, trail, d)
		}
		if prevEnd >= 0 && oldStart+lead-prevEnd <= 6 {
			t.Errorf("hunk at old line %d should have been merged with the previous one in\n%s", oldStart+1, d)
		}
		if gaps := longestInnerRun(kinds[lead : len(kinds)-trail]); gaps > 6 {
			t.Errorf("hunk at old line %d has %d unchanged lines inside in\n%s", oldStart+1, gaps, d)
		}
		oldLen := 0
		for _, k := range kinds[:len(kinds)-trail] {
			if k != '+' {
				oldLen++
			}
		}
		prevEnd = oldStart + oldLen
	}
}

func longestInnerRun(kinds []byte) int {
	longest, run := 0, 0
	for _, k := range kinds {
		if k == ' ' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	return longest
}

// gnuDiff returns the output of diff -u for old and new, without the two
// header lines, which carry file names and timestamps.
func gnuDiff(t *testing.T, old, new []byte) []byte {
	t.Helper()
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	writeFile(t, a, old)
	writeFile(t, b, new)
	out, err := exec.Command("diff", "-u", a, b).Output()
	var exit *exec.ExitError
	if err != nil && !(errors.As(err, &exit) && exit.ExitCode() == 1) {
		t.Fatalf("diff -u: %v", err)
	}
	if len(out) == 0 {
		return nil
	}
	_, body, _ := bytes.Cut(out, []byte("\n+++ "))
	_, body, _ = bytes.Cut(body, []byte("\n"))
	return body
}

func stripHeader(d []byte) []byte {
	if len(d) == 0 {
		return nil
	}
	lines := splitLines(string(d))
	return []byte(strings.Join(lines[2:], ""))
}

func writeFile(t *testing.T, name string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func requireProgram(t *testing.T, name string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		t.Skipf("%s not on PATH, cannot compare with it: %v", name, err)
	}
}

func TestMatchesGNUDiff(t *testing.T) {
	requireProgram(t, "diff")
	if out, err := exec.Command("diff", "--version").Output(); err != nil || !bytes.Contains(out, []byte("GNU diffutils")) {
		t.Skipf("diff on PATH is not GNU diffutils (%v); its output format may differ", err)
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := stripHeader(Unified(c.filePath(), []byte(c.old), []byte(c.new)))
			want := gnuDiff(t, []byte(c.old), []byte(c.new))
			if !bytes.Equal(got, want) {
				t.Errorf("Unified:\n%s\ndiff -u:\n%s", quote(got), quote(want))
			}
		})
	}
}

// countChanges returns the number of removed and added lines in a diff.
func countChanges(d []byte) (removed, added int) {
	lines := splitLines(string(d))
	for _, l := range lines[min(2, len(lines)):] {
		switch l[0] {
		case '-':
			removed++
		case '+':
			added++
		}
	}
	return removed, added
}

// TestMinimalLikeGNU compares many small random pairs over a tiny alphabet,
// where lines repeat and many equally short diffs exist, with diff -u
// --minimal: ours must change exactly as many lines. The exact text differs
// when go-diff and GNU pick different longest common subsequences; the count
// of such ties is logged.
func TestMinimalLikeGNU(t *testing.T) {
	requireProgram(t, "diff")
	r := rand.New(rand.NewPCG(1, 2))
	gen := func() []byte {
		var b []byte
		for n := r.IntN(12); n > 0; n-- {
			b = append(b, byte('a'+r.IntN(4)), '\n')
		}
		if r.IntN(4) == 0 && len(b) > 0 {
			b = b[:len(b)-1]
		}
		return b
	}
	const n = 300
	ties := 0
	for range n {
		old, new := gen(), gen()
		got := Unified("f", old, new)
		checkShape(t, old, got)
		if applied, err := Apply(old, got); err != nil || !bytes.Equal(applied, new) {
			t.Fatalf("Apply(%q, diff) = %q, %v; want %q", old, applied, err, new)
		}
		dir := t.TempDir()
		writeFile(t, filepath.Join(dir, "a"), old)
		writeFile(t, filepath.Join(dir, "b"), new)
		want, err := exec.Command("diff", "-u", "--minimal", filepath.Join(dir, "a"), filepath.Join(dir, "b")).Output()
		if err != nil && len(want) == 0 {
			t.Fatalf("diff: %v", err)
		}
		gr, ga := countChanges(got)
		wr, wa := countChanges(want)
		if gr != wr || ga != wa {
			t.Errorf("old %q new %q: %d removed, %d added; diff --minimal: %d, %d\n%s\n%s", old, new, gr, ga, wr, wa, got, want)
		}
		if !bytes.Equal(stripHeader(got), stripHeader(want)) {
			ties++
		}
	}
	t.Logf("%d of %d pairs resolved a tie differently from diff -u", ties, n)
}

// hermeticGit runs git in dir, isolated from the user's and system's
// configuration (core.autocrlf there would rewrite the CRLF cases).
func hermeticGit(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL="+os.DevNull, "HOME="+dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// applyWithTool writes c.old to a fresh directory, lets run apply the
// diff there, and checks the file ends up as c.new.
func applyWithTool(t *testing.T, run func(t *testing.T, dir, patchFile string)) {
	for _, c := range cases {
		d := Unified(c.filePath(), []byte(c.old), []byte(c.new))
		if d == nil {
			continue // tools reject an empty patch; nothing to apply
		}
		t.Run(c.name, func(t *testing.T) {
			tmp := t.TempDir()
			dir := filepath.Join(tmp, "work")
			patchFile := filepath.Join(tmp, "change.diff")
			writeFile(t, patchFile, d)
			file := filepath.Join(dir, filepath.FromSlash(c.filePath()))
			writeFile(t, file, []byte(c.old))
			run(t, dir, patchFile)
			got, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, []byte(c.new)) {
				t.Errorf("after applying\n%s\nfile = %q, want %q", quote(d), got, c.new)
			}
		})
	}
}

func TestGitApply(t *testing.T) {
	requireProgram(t, "git")
	applyWithTool(t, func(t *testing.T, dir, patchFile string) {
		hermeticGit(t, dir, "init", "-q")
		hermeticGit(t, dir, "apply", patchFile)
	})
}

func TestPatch(t *testing.T) {
	requireProgram(t, "patch")
	applyWithTool(t, func(t *testing.T, dir, patchFile string) {
		// -F0 and the check for "offset" make patch fail instead of
		// quietly repairing wrong line numbers or context.
		cmd := exec.Command("patch", "-p1", "-F0", "--batch", "--no-backup-if-mismatch", "-i", patchFile)
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("patch: %v\n%s", err, out)
		}
		if bytes.Contains(out, []byte("offset")) || bytes.Contains(out, []byte("fuzz")) {
			t.Errorf("patch needed to adjust the diff:\n%s", out)
		}
	})
}

// TestLargeFile uses more distinct lines than fit in 16 bits, since go-diff
// encodes each distinct line as one rune: lines whose numbers differ by
// 65536 or straddle UTF-8 length and surrogate boundaries must stay apart.
func TestLargeFile(t *testing.T) {
	const n = 100_000
	var old strings.Builder
	for i := 0; i < n; i++ {
		fmt.Fprintf(&old, "line %d\n", i)
	}
	lines := splitLines(old.String())
	newLines := append([]string(nil), lines...)
	// Copy the line 65536 earlier over each target: a 16-bit index would
	// make the copy look unchanged.
	for _, i := range []int{65536, 70000, 99999} {
		newLines[i] = lines[i-65536]
	}
	// Likewise for encoding each index as rune(i) and round-tripping it
	// through a string: every line in the surrogate range becomes U+FFFD.
	newLines[0xd900] = lines[0xd901]
	// go-diff numbers lines from 1; these straddle its encoding ranges
	// (1, 2 and 3-byte UTF-8, the surrogate gap, 4-byte UTF-8).
	for _, i := range []int{126, 127, 2046, 2047, 0xd7fe, 0xd7ff, 0xdfff, 63483, 63484, 65532, 65533} {
		newLines[i] = fmt.Sprintf("changed %d\n", i)
	}
	old2, new2 := []byte(old.String()), []byte(strings.Join(newLines, ""))

	d := Unified("big.txt", old2, new2)
	checkShape(t, old2, d)
	// Every edit is one replaced line; 126/127, 2046/2047, 0xd7fe/0xd7ff,
	// 63483/63484 and 65532…65536 pair up into single hunks.
	if got, want := bytes.Count(d, []byte("\n@@ ")), 9; got != want {
		t.Errorf("got %d hunks, want %d", got, want)
	}
	if got, want := bytes.Count(d, []byte("\n-line ")), 15; got != want {
		t.Errorf("got %d removed lines, want %d", got, want)
	}
	got, err := Apply(old2, d)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, new2) {
		t.Error("Apply(old, Unified(old, new)) != new")
	}
	if _, err := exec.LookPath("diff"); err == nil {
		if want := gnuDiff(t, old2, new2); !bytes.Equal(stripHeader(d), want) {
			t.Errorf("differs from diff -u:\n%s\nwant:\n%s", d, want)
		}
	}
}

// TestLargeRewrite checks a rewrite of two mostly unrelated 100k-line
// files: the diff applies and keeps the shared lines as context, and only
// those shared lines reach the Myers search, which is O((N+M)·D): with the
// one-sided lines in it, such a diff takes minutes. How long it takes is
// the bench's to measure, not a test's.
func TestLargeRewrite(t *testing.T) {
	const n = 100_000
	var old, new strings.Builder
	for i := 0; i < n; i++ {
		fmt.Fprintf(&old, "old %d\n", i)
		fmt.Fprintf(&new, "new %d\n", i)
		if i%1000 == 0 {
			// A few shared lines keep the search from being trivial.
			old.WriteString("}\n")
			new.WriteString("}\n")
		}
	}
	a, b, _ := diffmatchpatch.New().DiffLinesToRunes(old.String(), new.String())
	ra, ka, rb, kb := keepShared(a, b)
	if len(ra) != n/1000 || len(rb) != n/1000 || len(ka) != len(ra) || len(kb) != len(rb) {
		t.Errorf("keepShared kept %d and %d lines (%d, %d positions); want the %d shared ones", len(ra), len(rb), len(ka), len(kb), n/1000)
	}
	if len(ka) > 1 && (ka[0] != 1 || ka[1] != 1002) {
		t.Errorf("keepShared's first positions are %v; want 1 and 1002", ka[:2])
	}
	d := Unified("big.txt", []byte(old.String()), []byte(new.String()))
	got, err := Apply([]byte(old.String()), d)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, []byte(new.String())) {
		t.Error("Apply(old, Unified(old, new)) != new")
	}
	if !bytes.Contains(d, []byte("\n }\n")) {
		t.Error("shared lines not kept as context")
	}
}

func TestApplyRejects(t *testing.T) {
	old := []byte(numbered(10))
	good := string(Unified("f", old, []byte(replaceLine(numbered(10), 5, "five\n"))))
	for _, c := range []struct {
		name, diff string
	}{
		{"no header", strings.Join(splitLines(good)[2:], "")},
		{"garbage", "hello\n"},
		{"context mismatch", strings.Replace(good, " 4\n", " four\n", 1)},
		{"removed line mismatch", strings.Replace(good, "-5\n", "-6\n", 1)},
		{"wrong old start", strings.Replace(good, "@@ -2,7", "@@ -3,7", 1)},
		{"wrong new start", strings.Replace(good, "+2,7 @@", "+3,7 @@", 1)},
		{"old count too big", strings.Replace(good, "@@ -2,7", "@@ -2,8", 1)},
		{"old count too small", strings.Replace(good, "@@ -2,7", "@@ -2,6", 1)},
		{"truncated", good[:len(good)-3]},
		{"bad line prefix", strings.Replace(good, " 4\n", "*4\n", 1)},
		{"signed count", strings.Replace(good, "@@ -2,7", "@@ -2,+7", 1)},
		{"past end", "--- a/f\n+++ b/f\n@@ -11 +11 @@\n-x\n+y\n"},
		{"overlapping hunks", good + strings.Join(splitLines(good)[2:], "")},
		{"no newline mid-file", strings.Replace(good, "+five\n", "+five\n\\ No newline at end of file\n", 1)},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got, err := Apply(old, []byte(c.diff)); err == nil {
				t.Errorf("Apply succeeded with %q on\n%s", got, c.diff)
			}
		})
	}
	if _, err := Apply(old, []byte(good)); err != nil {
		t.Errorf("unmodified diff rejected: %v", err)
	}
}

func FuzzUnified(f *testing.F) {
	for _, c := range cases {
		f.Add([]byte(c.old), []byte(c.new))
	}
	f.Fuzz(func(t *testing.T, old, new []byte) {
		if d := Unified("f", old, old); d != nil {
			t.Fatalf("Unified(old, old) = %q, want nil", d)
		}
		d := Unified("f", old, new)
		if (d == nil) != bytes.Equal(old, new) {
			t.Fatalf("Unified = %q for equal=%v", d, bytes.Equal(old, new))
		}
		checkShape(t, old, d)
		got, err := Apply(old, d)
		if err != nil {
			t.Fatalf("Apply: %v\n%s", err, quote(d))
		}
		if !bytes.Equal(got, new) {
			t.Fatalf("Apply = %q, want %q\n%s", got, new, quote(d))
		}
	})
}

func TestEdits(t *testing.T) {
	cases := []struct{ old, new string }{
		{"a\nb\nc\n", "a\nB\nc\n"},
		{"a\nb\nc\n", "x\na\nb\nc\ny\n"},
		{"a\nb\nc\n", ""},
		{"", "a\n"},
		{"a\nb", "a\nc"},
		{"import (\n\t\"os\"\n)\n\nfunc f() {\n\tx()\n}\n", "import (\n\t\"os\"\n\t\"time\"\n)\n\nfunc f() {\n\ty(time.Second)\n}\n"},
	}
	for _, c := range cases {
		edits := Edits([]byte(c.old), []byte(c.new))
		var b []byte
		last := 0
		for _, e := range edits {
			if e.Start < last || e.End < e.Start {
				t.Fatalf("%q → %q: edits out of order: %+v", c.old, c.new, edits)
			}
			b = append(b, c.old[last:e.Start]...)
			b = append(b, e.New...)
			last = e.End
		}
		b = append(b, c.old[last:]...)
		if string(b) != c.new {
			t.Errorf("%q → %q: applying the edits gives %q", c.old, c.new, b)
		}
	}
	if e := Edits([]byte("same\n"), []byte("same\n")); e != nil {
		t.Errorf("equal inputs give edits %+v", e)
	}
}
