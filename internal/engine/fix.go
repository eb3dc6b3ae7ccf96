package engine

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/format"
	"go/token"
	"os"
	"slices"

	"github.com/dave/dst"
	"github.com/dave/dst/decorator"
	"github.com/drainfix/drainfix/internal/diff"
	"github.com/drainfix/drainfix/rewrites"
)

// fixAll computes the new content of every file a fix touches. A fix that
// cannot be applied in one of its files (its rewrite fails, or the file
// cannot be rewritten at all) is dropped everywhere: its finding becomes
// unfixable with the reason, and the other files it touches are rewritten
// again without it, so no half-applied fix survives.
func fixAll(cfg Config, files map[*token.File]*file, all []*ruleFinding) ([]FileFix, []error) {
	byFile := map[*file][]*ruleFinding{}
	touched := map[*ruleFinding][]*file{}
	for _, f := range all {
		if f.Fix == nil {
			continue
		}
		for _, pos := range append([]token.Pos{f.Pos}, f.Touches...) {
			fi := files[f.pass.Fset.File(pos)]
			if fi != nil && !slices.Contains(touched[f], fi) {
				touched[f] = append(touched[f], fi)
				byFile[fi] = append(byFile[fi], f)
			}
		}
	}
	failed := map[*ruleFinding]string{}
	results := map[*file]*FileFix{}
	var errs []error
	todo := make([]*file, 0, len(byFile))
	for fi := range byFile {
		todo = append(todo, fi)
	}
	for len(todo) > 0 {
		slices.SortFunc(todo, func(a, b *file) int { return cmpString(a.name, b.name) })
		type outcome struct {
			fix    *FileFix
			failed map[*ruleFinding]string
			err    error
		}
		outs := make([]outcome, len(todo))
		parallel(cfg.Parallel, len(todo), func(i int) {
			var live []*ruleFinding
			for _, f := range byFile[todo[i]] {
				if _, bad := failed[f]; !bad {
					live = append(live, f)
				}
			}
			fix, bad, err := fixFile(cfg, todo[i], live)
			outs[i] = outcome{fix, bad, err}
		})
		redo := map[*file]bool{}
		for i, o := range outs {
			fi := todo[i]
			results[fi] = o.fix
			newly := o.failed
			if o.err != nil {
				errs = append(errs, fmt.Errorf("%s: %v", relTo(cfg.Dir, fi.name), o.err))
				newly = map[*ruleFinding]string{}
				for _, f := range byFile[fi] {
					if _, bad := failed[f]; !bad {
						newly[f] = "file not rewritten: " + o.err.Error()
					}
				}
			}
			for f, why := range newly {
				failed[f] = why
				for _, other := range touched[f] {
					if other != fi {
						redo[other] = true
					}
				}
			}
		}
		todo = todo[:0]
		for fi := range redo {
			todo = append(todo, fi)
		}
	}
	for f, why := range failed {
		f.Fix, f.NoFix = nil, why
	}
	var fixes []FileFix
	for _, fx := range results {
		if fx != nil {
			fixes = append(fixes, *fx)
		}
	}
	errs = slices.CompactFunc(errs, func(a, b error) bool { return a.Error() == b.Error() })
	return fixes, errs
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// fixFile applies the fixes of found to one file. A fix whose rewrite fails
// is dropped (returned in failed, with the reason) and the file is
// rewritten again from scratch without it; so is a fix that cannot be
// spliced into the file as it stands (splice). It returns a nil fix when
// nothing changes, and an error when the file cannot be read as loaded.
func fixFile(cfg Config, fi *file, found []*ruleFinding) (fix *FileFix, failed map[*ruleFinding]string, err error) {
	failed = map[*ruleFinding]string{}
	if len(found) == 0 {
		return nil, failed, nil
	}
	slices.SortStableFunc(found, func(a, b *ruleFinding) int { return int(a.Pos) - int(b.Pos) })
	read := cfg.ReadFile
	if read == nil {
		read = os.ReadFile
	}
	src, err := read(fi.name)
	if err != nil {
		return nil, nil, err
	}
	tf := fi.pass.Fset.File(fi.ast.Pos())
	if tf == nil || tf.Size() != len(src) {
		return nil, nil, fmt.Errorf("file changed on disk since it was loaded")
	}
	refuse := func(why string) (*FileFix, map[*ruleFinding]string, error) {
		for _, f := range found {
			if _, bad := failed[f]; !bad {
				failed[f] = why
			}
		}
		return nil, failed, nil
	}
	if pos := lineDirective(fi.ast); pos.IsValid() {
		return refuse(fmt.Sprintf("the file has a //line directive (line %d): its positions are not its own; left untouched", tf.Line(pos)))
	}
	// What the printer cannot reproduce (a byte-order mark, CRLF line ends,
	// a missing final newline) is taken off here and put back at the end.
	lf, shape := normalize(src)

	// printed is the file as the printer renders the unchanged tree; the
	// fix is what the printer renders differently once the tree is
	// rewritten. Printing leaves the dst tree as it was, so the first
	// attempt rewrites the same tree.
	d, err := decorate(fi)
	if err != nil {
		return refuse("the file cannot be rewritten: " + err.Error())
	}
	printed, err := d.print()
	if err != nil {
		return refuse("the file cannot be rewritten: " + err.Error())
	}
	clean := bytes.Equal(printed, lf)

	for {
		var live []*ruleFinding
		for _, f := range found {
			if _, bad := failed[f]; !bad {
				live = append(live, f)
			}
		}
		if len(live) == 0 {
			return nil, failed, nil
		}
		if d == nil {
			// A rewrite failed part way: start again from a fresh tree.
			if d, err = decorate(fi); err != nil {
				return refuse("the file cannot be rewritten: " + err.Error())
			}
		}
		out, bad, err := d.rewrite(cfg, fi, live)
		d = nil
		if err != nil {
			return refuse(err.Error())
		}
		if bad != nil {
			failed[bad.f] = bad.err.Error()
			continue
		}
		if bytes.Equal(out, printed) {
			return nil, failed, nil
		}
		formatted, err := format.Source(out)
		if err != nil {
			return refuse(fmt.Sprintf("internal error: the fixed file does not parse: %v", err))
		}
		if clean && !bytes.Equal(formatted, out) {
			return refuse("internal error: the fixed file is not gofmt-clean")
		}
		merged, err := splice(lf, printed, out)
		if c, ok := err.(*spliceConflict); ok {
			// Drop the fixes of the declaration that holds the line, or all.
			why := conflictReason(tf, c.at)
			var hit []*ruleFinding
			for _, f := range live {
				if decl := enclosingTopDecl(fi.ast, f.Pos); decl != nil && tf.Offset(decl.Pos()) <= c.at && c.at < tf.Offset(decl.End()) {
					hit = append(hit, f)
				}
			}
			if len(hit) == 0 {
				hit = live
			}
			for _, f := range hit {
				failed[f] = why
			}
			continue
		}
		// The splice keeps what the fix did not change: the code must be
		// what the printer rendered, whatever the formatting.
		if !clean && !sameCode(merged, out) {
			return refuse("internal error: the fix could not be spliced into the file as it stands")
		}
		return &FileFix{Path: fi.name, Old: src, New: shape.apply(lf, merged)}, failed, nil
	}
}

// A fixError is a rewrite that failed.
type fixError struct {
	f   *ruleFinding
	err error
}

// A decorated file is the dst tree of a file, with its ast → dst map.
type decorated struct {
	file  *dst.File
	nodes map[ast.Node]dst.Node
}

// decorate builds the dst tree of the file.
func decorate(fi *file) (d *decorated, err error) {
	defer func() {
		if e := recover(); e != nil {
			err = fmt.Errorf("internal error while decorating: %v", e)
		}
	}()
	dec := decorator.NewDecorator(fi.pass.Fset)
	df, err := dec.DecorateFile(fi.ast)
	if err != nil {
		return nil, err
	}
	return &decorated{df, dec.Dst.Nodes}, nil
}

// print prints the tree as it stands.
func (d *decorated) print() (out []byte, err error) {
	defer func() {
		if e := recover(); e != nil {
			err = fmt.Errorf("internal error while printing: %v", e)
		}
	}()
	var buf bytes.Buffer
	if err := decorator.NewRestorer().Fprint(&buf, d.file); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// rewrite applies the fixes of found to the tree and prints the result. A
// rewrite that fails is returned as bad, with no output; the tree is then
// half-changed and must not be used again.
func (d *decorated) rewrite(cfg Config, fi *file, found []*ruleFinding) (out []byte, bad *fixError, err error) {
	defer func() {
		if e := recover(); e != nil {
			err = fmt.Errorf("internal error while rewriting: %v", e)
		}
	}()
	ctx := rewrites.NewContext(fi.pass, fi.ast, d.file, d.nodes, cfg.Timeout)
	for _, f := range found {
		if err := applyOne(ctx, f); err != nil {
			return nil, &fixError{f, err}, nil
		}
	}
	ctx.FinishImports()
	out, err = d.print()
	return out, nil, err
}

// applyOne runs one rewrite, turning a panic into an error for that finding.
func applyOne(ctx *rewrites.Context, f *ruleFinding) (err error) {
	defer func() {
		if e := recover(); e != nil {
			err = fmt.Errorf("internal error in rewrite %s: %v", f.rule.Name, e)
		}
	}()
	return f.rule.Fix(ctx, &f.Finding)
}

// A shape is what normalize took off a file.
type shape struct {
	bom, crlf, noFinalNewline bool
	// src is the file without its byte-order mark and with a final
	// newline, its line ends as they were (when some are CRLF).
	src []byte
}

var bom = []byte("\ufeff")

// normalize returns src as the printer would print it: no byte-order
// mark, LF line ends, a final newline.
func normalize(src []byte) ([]byte, shape) {
	var sh shape
	if bytes.HasPrefix(src, bom) {
		sh.bom = true
		src = src[len(bom):]
	}
	if len(src) > 0 && src[len(src)-1] != '\n' {
		sh.noFinalNewline = true
		src = append(src[:len(src):len(src)], '\n')
	}
	if bytes.Contains(src, []byte("\r\n")) {
		sh.crlf = true
		sh.src = src
		src = bytes.ReplaceAll(src, []byte("\r\n"), []byte("\n"))
	}
	return src, sh
}

// apply puts back on printed output (out, a new version of lf, which
// normalize returned) what normalize took off. Line ends are kept line by
// line: the lines the fix did not change keep theirs, and the lines it
// wrote take the end of the line they replace or follow, so one CRLF line
// in an LF file (or the reverse) stays one line.
func (sh shape) apply(lf, out []byte) []byte {
	if sh.crlf {
		out = sh.lineEnds(lf, out)
	}
	if sh.noFinalNewline {
		out = bytes.TrimSuffix(out, []byte("\n")) // the one normalize added: it ends a line as LF
	}
	if sh.bom {
		out = append(bom[:len(bom):len(bom)], out...)
	}
	return out
}

// lineEnds maps the line edits that turn lf into out onto the file with
// its own line ends (sh.src).
func (sh shape) lineEnds(lf, out []byte) []byte {
	orig := sh.src
	// at[i] is where lf[i] is in orig: a CRLF's \r has no place in lf.
	at := make([]int, 0, len(lf)+1)
	for i := 0; i < len(orig); i++ {
		if orig[i] == '\r' && i+1 < len(orig) && orig[i+1] == '\n' {
			continue
		}
		at = append(at, i)
	}
	at = append(at, len(orig))
	// crlfAt reports whether the line of orig holding offset o ends in CRLF.
	crlfAt := func(o int) bool {
		if o >= len(orig) {
			o = len(orig) - 1
		}
		nl := bytes.IndexByte(orig[o:], '\n')
		if nl < 0 {
			return false
		}
		return o+nl > 0 && orig[o+nl-1] == '\r'
	}
	var b bytes.Buffer
	prev := 0
	for _, e := range diff.Edits(lf, out) {
		b.Write(orig[at[prev]:at[e.Start]])
		text := e.New
		if crlfAt(at[e.Start]) {
			text = bytes.ReplaceAll(text, []byte("\n"), []byte("\r\n"))
		}
		b.Write(text)
		prev = e.End
	}
	b.Write(orig[at[prev]:])
	return b.Bytes()
}

// fixAlone computes one finding's fix without the others, in every file it
// touches; nil when it cannot be applied alone.
func fixAlone(cfg Config, files map[*token.File]*file, f *ruleFinding) []FileFix {
	var out []FileFix
	seen := map[*file]bool{}
	for _, pos := range append([]token.Pos{f.Pos}, f.Touches...) {
		fi := files[f.pass.Fset.File(pos)]
		if fi == nil || seen[fi] {
			continue
		}
		seen[fi] = true
		fix, failed, err := fixFile(cfg, fi, []*ruleFinding{f})
		if err != nil || len(failed) > 0 {
			return nil
		}
		if fix != nil {
			out = append(out, *fix)
		}
	}
	return out
}
