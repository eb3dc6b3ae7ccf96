package engine

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/scanner"
	"go/token"
	"slices"
	"strings"

	"github.com/drainfix/drainfix/internal/diff"
)

// A hunk is a run of lines where the file and the printer's rendering of
// it differ: printed[p0:p1] is orig[o0:o1].
type hunk struct{ p0, p1, o0, o1 int }

// hunks returns where orig differs from printed, in order.
func hunks(printed, orig []byte) []hunk {
	var hs []hunk
	delta := 0 // orig offset - printed offset, after the hunks so far
	for _, e := range diff.Edits(printed, orig) {
		o0 := e.Start + delta
		hs = append(hs, hunk{e.Start, e.End, o0, o0 + len(e.New)})
		delta += len(e.New) - (e.End - e.Start)
	}
	return hs
}

// A spliceConflict is a line the fix changes only in part of a run of
// lines the printer would also reformat: applying the fix would reformat
// lines it does not change.
type spliceConflict struct {
	at int // offset in the original file
}

func (c *spliceConflict) Error() string { return "splice conflict" }

// splice applies a fix to the file as it is on disk. orig is the file
// (line ends normalized), printed the printer's rendering of its tree
// and out the rendering of the fixed tree. Each run of lines the fix
// changes (printed → out) replaces the same lines of orig, printed as
// gofmt prints them; every other byte of orig is kept, however it is
// formatted (a legacy build line, unsorted imports, an old-style doc
// comment, hand alignment). A fix that changes some but not all of a run
// of lines the printer would reformat is a conflict. When the printer
// reproduces orig, the result is out itself.
func splice(orig, printed, out []byte) ([]byte, error) {
	if bytes.Equal(orig, printed) {
		return out, nil
	}
	hs := hunks(printed, orig)
	// at maps printed offset x, the start (end: the end) of a run the fix
	// changes, to orig. Where orig has lines of its own at x, a start
	// goes after them and an end before them: they are kept.
	at := func(x int, end bool) (int, bool) {
		delta := 0
		for _, h := range hs {
			if h.p1 < x || h.p1 == x && h.p0 < x {
				delta = h.o1 - h.p1
				continue
			}
			if h.p0 < x {
				return 0, false // inside a reformatted run
			}
			if h.p0 == x && h.p1 == x && !end {
				return h.o1, true
			}
			break
		}
		return x + delta, true
	}
	var b bytes.Buffer
	prev := 0
	for _, e := range diff.Edits(printed, out) {
		start, ok1 := at(e.Start, false)
		end, ok2 := at(e.End, e.End > e.Start)
		if !ok1 || !ok2 || start < prev || end < start {
			o, _ := at(e.Start, false)
			for _, h := range hs {
				if h.p0 < e.Start && e.Start < h.p1 || e.Start <= h.p0 && h.p0 < e.End {
					o = h.o0
					break
				}
			}
			return nil, &spliceConflict{o}
		}
		b.Write(orig[prev:start])
		b.Write(e.New)
		prev = end
	}
	b.Write(orig[prev:])
	return b.Bytes(), nil
}

// conflictReason says why a fix cannot be spliced at offset at of the
// file tf.
func conflictReason(tf *token.File, at int) string {
	line := 1
	if tf != nil && at >= 0 && at <= tf.Size() {
		line = tf.Line(tf.Pos(at))
	}
	return fmt.Sprintf("the fix must change line %d, which is not formatted as gofmt prints it; run gofmt on the file, or make the change by hand", line)
}

// lineDirective returns the position of the first //line (or /*line)
// directive of f, or token.NoPos. Positions in such a file are not its
// own, so drainfix does not rewrite it.
func lineDirective(f *ast.File) token.Pos {
	for _, g := range f.Comments {
		for _, c := range g.List {
			if strings.HasPrefix(c.Text, "//line ") || strings.HasPrefix(c.Text, "/*line ") {
				return c.Pos()
			}
		}
	}
	return token.NoPos
}

// sameCode reports whether a and b hold the same Go code up to layout:
// the same tokens (the specs of an import block in any order: the
// printer sorts them, the splice keeps the file's order), and the same
// comments in number, with the same directives (//go:, //line,
// //drainfix:, //nolint) in the same order; build constraints do not
// count. The text of other comments
// may differ: the printer reformats old-style doc comments, which the
// splice keeps as they were.
func sameCode(a, b []byte) bool {
	scan := func(src []byte) (toks []string, comments int) {
		fset := token.NewFileSet()
		var s scanner.Scanner
		s.Init(fset.AddFile("", -1, len(src)), src, nil, scanner.ScanComments)
		var specs []string // of the import block being read
		inImports, spec := false, ""
		for {
			_, t, lit := s.Scan()
			switch t {
			case token.EOF:
				return toks, comments
			case token.SEMICOLON:
				lit = "" // written or inserted at a line end
			case token.COMMENT:
				if strings.HasPrefix(lit, "//go:build") || strings.HasPrefix(lit, "// +build") {
					continue // the printer writes a //go:build line for a // +build one
				}
				comments++
				if !isDirective(lit) {
					continue
				}
			}
			text := t.String() + " " + lit
			switch {
			case t == token.IMPORT:
				inImports = true
			case inImports && t == token.LPAREN && spec == "" && specs == nil:
				specs = []string{}
				continue
			case inImports && specs != nil && t == token.RPAREN:
				if spec != "" {
					specs = append(specs, spec)
				}
				slices.Sort(specs)
				toks = append(append(toks, specs...), text)
				inImports, specs, spec = false, nil, ""
				continue
			case inImports && specs != nil && t == token.SEMICOLON:
				if spec != "" {
					specs = append(specs, spec)
				}
				spec = ""
				continue
			case inImports && specs != nil:
				spec += text + "\x00"
				continue
			case inImports && t == token.SEMICOLON:
				inImports = false // import "x"
			}
			toks = append(toks, text)
		}
	}
	// A semicolon before a closing ) or } may be left out: "f()}" and
	// "f()\n}" are the same code.
	optional := func(toks []string) []string {
		var out []string
		for i, t := range toks {
			if t == token.SEMICOLON.String()+" " && i+1 < len(toks) &&
				(toks[i+1] == token.RBRACE.String()+" " || toks[i+1] == token.RPAREN.String()+" ") {
				continue
			}
			out = append(out, t)
		}
		return out
	}
	ta, ca := scan(a)
	tb, cb := scan(b)
	return ca == cb && slices.Equal(optional(ta), optional(tb))
}

// isDirective reports whether a comment is one a tool reads.
func isDirective(c string) bool {
	for _, p := range []string{"//go:", "//line ", "/*line ", "//drainfix:", "//nolint"} {
		if strings.HasPrefix(c, p) {
			return true
		}
	}
	return false
}
