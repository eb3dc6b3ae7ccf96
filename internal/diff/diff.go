// Package diff prints unified diffs in the format of GNU diff -u, computed
// with github.com/sergi/go-diff, which has no unified printer of its own.
package diff

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/sergi/go-diff/diffmatchpatch"
)

// contextLines matches the default of diff -u and git diff.
const contextLines = 3

const noEOL = "\\ No newline at end of file\n"

// line is one line of a diff: kind is ' ', '-' or '+', text includes the
// line's terminator, if any, so CRLF and a missing final newline survive
// byte for byte.
type line struct {
	kind byte
	text string
}

// Unified returns a unified diff turning old into new, with headers
// "--- a/PATH" and "+++ b/PATH" (both using the given path, which is
// slash-separated and relative), or nil when old and new are equal.
//
// Lines are compared byte for byte, including any "\r". Hunks carry three
// lines of context and use GNU diff's conventions for range headers and for
// "\ No newline at end of file", so both git apply and patch -p1 accept the
// output. The result is deterministic.
func Unified(path string, old, new []byte) []byte {
	if bytes.Equal(old, new) {
		return nil
	}
	lines := diffLines(string(old), string(new))

	var buf bytes.Buffer
	buf.WriteString("--- " + fileHeader("a/"+path) + "\n")
	buf.WriteString("+++ " + fileHeader("b/"+path) + "\n")

	// oldBefore/newBefore count the lines of each side that precede
	// lines[i]; hunk headers need them at every hunk start.
	oldBefore := make([]int, len(lines)+1)
	newBefore := make([]int, len(lines)+1)
	for i, l := range lines {
		oldBefore[i+1], newBefore[i+1] = oldBefore[i], newBefore[i]
		if l.kind != '+' {
			oldBefore[i+1]++
		}
		if l.kind != '-' {
			newBefore[i+1]++
		}
	}

	prevEnd := 0
	for i := 0; i < len(lines); {
		if lines[i].kind == ' ' {
			i++
			continue
		}
		start := max(i-contextLines, prevEnd)
		end := i
		for {
			for end < len(lines) && lines[end].kind != ' ' {
				end++
			}
			eq := end
			for eq < len(lines) && lines[eq].kind == ' ' {
				eq++
			}
			// GNU diff joins two changes into one hunk unless more than
			// twice the context separates them.
			if eq == len(lines) || eq-end > 2*contextLines {
				end = min(end+contextLines, eq)
				break
			}
			end = eq
		}

		fmt.Fprintf(&buf, "@@ -%s +%s @@\n",
			hunkRange(oldBefore[start], oldBefore[end]-oldBefore[start]),
			hunkRange(newBefore[start], newBefore[end]-newBefore[start]))
		for _, l := range lines[start:end] {
			buf.WriteByte(l.kind)
			buf.WriteString(l.text)
			if !strings.HasSuffix(l.text, "\n") {
				buf.WriteString("\n" + noEOL)
			}
		}
		prevEnd, i = end, end
	}
	return buf.Bytes()
}

// fileHeader writes a file name as git does, so that git apply and
// patch -p1 both read it back: C-quoted when it holds a quote, a
// backslash, a control byte or a non-ASCII byte; followed by a tab when it
// holds a space (both tools end a name at a tab; patch otherwise ends it at
// the space).
func fileHeader(name string) string {
	quote := false
	for i := 0; i < len(name); i++ {
		if c := name[i]; c < 0x20 || c == '"' || c == '\\' || c >= 0x80 || c == 0x7f {
			quote = true
		}
	}
	if quote {
		var b strings.Builder
		b.WriteByte('"')
		for i := 0; i < len(name); i++ {
			switch c := name[i]; {
			case c == '"' || c == '\\':
				b.WriteByte('\\')
				b.WriteByte(c)
			case c == '\t':
				b.WriteString(`\t`)
			case c == '\n':
				b.WriteString(`\n`)
			case c < 0x20 || c >= 0x7f:
				fmt.Fprintf(&b, "\\%03o", c)
			default:
				b.WriteByte(c)
			}
		}
		b.WriteByte('"')
		return b.String()
	}
	if strings.Contains(name, " ") {
		return name + "\t"
	}
	return name
}

// hunkRange formats one side of a hunk header as GNU diff does: an empty
// range names the line before it (patch relies on "0,0" to recognise an
// empty file), and a count of 1 is left out.
func hunkRange(before, count int) string {
	switch count {
	case 0:
		return strconv.Itoa(before) + ",0"
	case 1:
		return strconv.Itoa(before + 1)
	}
	return strconv.Itoa(before+1) + "," + strconv.Itoa(count)
}

// diffLines computes a line-level diff of old and new.
func diffLines(old, new string) []line {
	dmp := diffmatchpatch.New()
	// The default 1 s timeout makes the result depend on machine speed;
	// without one go-diff also skips its non-minimal half-match speedup.
	dmp.DiffTimeout = 0
	// Each rune stands for one line; equal lines get equal runes.
	a, b, _ := dmp.DiffLinesToRunes(old, new)
	oldLines, newLines := splitLines(old), splitLines(new)
	if len(a) != len(oldLines) || len(b) != len(newLines) {
		panic("diff: go-diff split lines differently")
	}

	ra, ka, rb, kb := keepShared(a, b)

	// changed[f][k+1] tells whether line k of old (f=0) or new (f=1) is
	// deleted or inserted; the extra false entries at both ends are the
	// sentinels that shiftBoundaries expects.
	changed := [2][]bool{make([]bool, len(a)+2), make([]bool, len(b)+2)}
	for k := range a {
		changed[0][k+1] = true
	}
	for k := range b {
		changed[1][k+1] = true
	}
	x, y := 0, 0 // position in ra, rb
	for _, d := range dmp.DiffMainRunes(ra, rb, false) {
		n := utf8.RuneCountInString(d.Text)
		switch d.Type {
		case diffmatchpatch.DiffEqual:
			for k := 0; k < n; k++ {
				changed[0][ka[x+k]+1] = false
				changed[1][kb[y+k]+1] = false
			}
			x += n
			y += n
		case diffmatchpatch.DiffDelete:
			x += n
		case diffmatchpatch.DiffInsert:
			y += n
		}
	}
	shiftBoundaries([2][]rune{a, b}, changed)

	var out []line
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case changed[0][i+1]:
			out = append(out, line{'-', oldLines[i]})
			i++
		case changed[1][j+1]:
			out = append(out, line{'+', newLines[j]})
			j++
		default:
			if i == len(a) || j == len(b) || a[i] != b[j] {
				panic("diff: unchanged lines do not correspond")
			}
			out = append(out, line{' ', oldLines[i]})
			i++
			j++
		}
	}
	return out
}

// keepShared returns the lines of a and b found on both sides (ra, rb),
// with their line numbers (ka, kb). Lines found on only one side can
// never be matched, so, like GNU diff, they are left out of the
// O((N+M)D) search: a rewritten 20k-line file otherwise takes seconds,
// and the time grows quadratically.
func keepShared(a, b []rune) (ra []rune, ka []int, rb []rune, kb []int) {
	inA, inB := set(a), set(b)
	for i, r := range a {
		if inB[r] {
			ra, ka = append(ra, r), append(ka, i)
		}
	}
	for j, r := range b {
		if inA[r] {
			rb, kb = append(rb, r), append(kb, j)
		}
	}
	return ra, ka, rb, kb
}

// shiftBoundaries is GNU diff's shift_boundaries (analyze.c), so that
// among equally short diffs we print the one diff -u prints. When a run of
// changed lines could as well start one line earlier or later because the
// lines are identical, it slides the run to join neighbouring changes,
// preferring a spot that lines up with a change in the other file, and
// otherwise as far down as it goes. That keeps, for example, an inserted
// function from claiming the previous function's closing brace.
//
// ids holds the line identities of both files, changed their change marks
// offset by one as set up in diffLines; the loops mirror the C code, which
// indexes one past either end.
func shiftBoundaries(ids [2][]rune, changed [2][]bool) {
	for f := range 2 {
		eq, ch, other := ids[f], changed[f], changed[1-f]
		c := func(k int) bool { return ch[k+1] }
		o := func(k int) bool { return other[k+1] }
		iEnd := len(eq)
		i, j := 0, 0
		for {
			// Find the start of the next run of changes, keeping j at the
			// corresponding point of the other file.
			for i < iEnd && !c(i) {
				for o(j) {
					j++
				}
				j++
				i++
			}
			if i == iEnd {
				break
			}
			start := i
			for i++; c(i); i++ {
			}
			for o(j) {
				j++
			}

			var corresponding int
			for {
				runLength := i - start

				// Move the run up while the line above it equals its last
				// line, merging with changes above.
				for start > 0 && eq[start-1] == eq[i-1] {
					start--
					ch[start+1] = true
					i--
					ch[i+1] = false
					for c(start - 1) {
						start--
					}
					for j--; o(j); j-- {
					}
				}

				// corresponding is the end of the run at the last point
				// where it lines up with a change in the other file.
				corresponding = iEnd
				if o(j - 1) {
					corresponding = i
				}

				// Move it down while the line below equals its first line,
				// merging with changes below and ending as low as it goes.
				for i != iEnd && eq[start] == eq[i] {
					ch[start+1] = false
					start++
					ch[i+1] = true
					i++
					for c(i) {
						i++
					}
					for j++; o(j); j++ {
						corresponding = i
					}
				}
				if runLength == i-start {
					break
				}
			}

			// Prefer the last position lined up with the other file's
			// changes, if there was one.
			for corresponding < i {
				start--
				ch[start+1] = true
				i--
				ch[i+1] = false
				for j--; o(j); j-- {
				}
			}
		}
	}
}

func set(rs []rune) map[rune]bool {
	m := make(map[rune]bool, len(rs))
	for _, r := range rs {
		m[r] = true
	}
	return m
}

// splitLines splits s after each "\n"; a final line without one is kept.
func splitLines(s string) []string {
	var lines []string
	for len(s) > 0 {
		n := strings.IndexByte(s, '\n') + 1
		if n == 0 {
			n = len(s)
		}
		lines = append(lines, s[:n])
		s = s[n:]
	}
	return lines
}

// Apply applies a unified diff produced by Unified (single file) to old and
// returns the result. It is strict: the headers, every hunk's line numbers
// and counts, and every context and removed line must match exactly, or
// Apply returns an error. An empty diff leaves old unchanged.
func Apply(old []byte, unified []byte) ([]byte, error) {
	src := splitLines(string(old))
	patch := splitLines(string(unified))
	if len(patch) == 0 {
		return bytes.Clone(old), nil
	}
	if len(patch) < 2 || !strings.HasPrefix(patch[0], "--- ") || !strings.HasPrefix(patch[1], "+++ ") {
		return nil, errors.New("diff: missing ---/+++ header")
	}
	patch = patch[2:]

	var out bytes.Buffer
	pos, outLines := 0, 0 // lines of src consumed, lines written to out
	ended := false        // a line without "\n" was written; nothing may follow
	emit := func(s string) error {
		if ended {
			return errors.New("diff: text after a line without newline")
		}
		out.WriteString(s)
		outLines++
		ended = !strings.HasSuffix(s, "\n")
		return nil
	}

	for len(patch) > 0 {
		oldStart, oldCount, newStart, newCount, err := parseHunkHeader(patch[0])
		if err != nil {
			return nil, err
		}
		patch = patch[1:]
		// Empty ranges name the line before them; see hunkRange.
		if oldCount > 0 {
			oldStart--
		}
		if newCount > 0 {
			newStart--
		}
		if oldStart < pos || oldStart > len(src) {
			return nil, fmt.Errorf("diff: hunk at old line %d out of order or past end", oldStart+1)
		}
		for ; pos < oldStart; pos++ {
			if err := emit(src[pos]); err != nil {
				return nil, err
			}
		}
		if newStart != outLines {
			return nil, fmt.Errorf("diff: hunk at new line %d, want %d", newStart+1, outLines+1)
		}

		for oldCount > 0 || newCount > 0 {
			if len(patch) == 0 {
				return nil, errors.New("diff: hunk truncated")
			}
			p := patch[0]
			patch = patch[1:]
			if !strings.HasSuffix(p, "\n") || len(p) < 2 {
				return nil, fmt.Errorf("diff: malformed hunk line %q", p)
			}
			kind, text := p[0], p[1:]
			if kind != ' ' && kind != '-' && kind != '+' {
				return nil, fmt.Errorf("diff: malformed hunk line %q", p)
			}
			if len(patch) > 0 && patch[0] == noEOL {
				text = strings.TrimSuffix(text, "\n")
				patch = patch[1:]
			}
			if kind == ' ' || kind == '-' {
				if oldCount == 0 {
					return nil, errors.New("diff: hunk longer than its header says")
				}
				if pos >= len(src) || src[pos] != text {
					return nil, fmt.Errorf("diff: hunk does not match at old line %d", pos+1)
				}
				pos++
				oldCount--
			}
			if kind == ' ' || kind == '+' {
				if newCount == 0 {
					return nil, errors.New("diff: hunk longer than its header says")
				}
				if err := emit(text); err != nil {
					return nil, err
				}
				newCount--
			}
		}
	}
	for ; pos < len(src); pos++ {
		if err := emit(src[pos]); err != nil {
			return nil, err
		}
	}
	return out.Bytes(), nil
}

// parseHunkHeader parses "@@ -l[,s] +l[,s] @@\n".
func parseHunkHeader(h string) (oldStart, oldCount, newStart, newCount int, err error) {
	rest, ok := strings.CutPrefix(h, "@@ -")
	if ok {
		rest, ok = strings.CutSuffix(rest, " @@\n")
	}
	oldRange, newRange, ok2 := strings.Cut(rest, " +")
	if !ok || !ok2 {
		return 0, 0, 0, 0, fmt.Errorf("diff: malformed hunk header %q", h)
	}
	if oldStart, oldCount, err = parseRange(oldRange); err != nil {
		return 0, 0, 0, 0, fmt.Errorf("diff: malformed hunk header %q", h)
	}
	if newStart, newCount, err = parseRange(newRange); err != nil {
		return 0, 0, 0, 0, fmt.Errorf("diff: malformed hunk header %q", h)
	}
	if oldCount == 0 && newCount == 0 {
		return 0, 0, 0, 0, fmt.Errorf("diff: empty hunk %q", h)
	}
	return oldStart, oldCount, newStart, newCount, nil
}

// parseRange parses "l[,s]". ParseUint, unlike Atoi, rejects signs.
func parseRange(r string) (start, count int, err error) {
	s, c, hasCount := strings.Cut(r, ",")
	n := uint64(1)
	if hasCount {
		if n, err = strconv.ParseUint(c, 10, 31); err != nil {
			return 0, 0, err
		}
	}
	l, err := strconv.ParseUint(s, 10, 31)
	if err != nil {
		return 0, 0, err
	}
	if l == 0 && n > 0 {
		return 0, 0, errors.New("line 0 in a non-empty range")
	}
	return int(l), int(n), nil
}

// An Edit replaces old[Start:End] with New.
type Edit struct {
	Start, End int
	New        []byte
}

// Edits returns the line-level edits that turn old into new, in order and
// not overlapping: each run of removed and added lines is one edit. They
// are what a go/analysis SuggestedFix needs.
func Edits(old, new []byte) []Edit {
	if bytes.Equal(old, new) {
		return nil
	}
	var edits []Edit
	off := 0
	var cur *Edit
	for _, l := range diffLines(string(old), string(new)) {
		switch l.kind {
		case ' ':
			if cur != nil {
				edits = append(edits, *cur)
				cur = nil
			}
			off += len(l.text)
		case '-':
			if cur == nil {
				cur = &Edit{Start: off, End: off}
			}
			off += len(l.text)
			cur.End = off
		case '+':
			if cur == nil {
				cur = &Edit{Start: off, End: off}
			}
			cur.New = append(cur.New, l.text...)
		}
	}
	if cur != nil {
		edits = append(edits, *cur)
	}
	return edits
}
