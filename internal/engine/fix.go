package engine

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/format"
	"os"

	"github.com/dave/dst/decorator"
	"github.com/drainfix/drainfix/matchers"
	"github.com/drainfix/drainfix/rewrites"
)

// fixFile applies the fixes of found to one file. A fix whose rewrite fails
// is dropped (its finding becomes unfixable, with the reason) and the file is
// rewritten again from scratch without it, so that no half-applied edit
// survives. It returns nil when nothing changes.
func fixFile(cfg Config, pass *matchers.Pass, af *ast.File, name string, found []ruleFinding) (*FileFix, error) {
	src, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	tf := pass.Fset.File(af.Pos())
	if tf == nil || tf.Size() != len(src) {
		return nil, fmt.Errorf("file changed on disk since it was loaded")
	}
	crlf := bytes.Contains(src, []byte("\r\n"))
	lf := src
	if crlf {
		lf = bytes.ReplaceAll(src, []byte("\r\n"), []byte("\n"))
	}

	// The file must come back byte for byte when nothing is changed, or a
	// rewrite would also reformat what it did not touch.
	same, err := restore(pass, af, nil, cfg)
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(same, lf) {
		return nil, fmt.Errorf("file does not survive a round trip through the printer (not gofmt-formatted?); left untouched")
	}

	for {
		out, err := restore(pass, af, found, cfg)
		if err != nil {
			if fe, ok := err.(*fixError); ok {
				found[fe.index].Fix = nil
				found[fe.index].NoFix = fe.err.Error()
				continue
			}
			return nil, err
		}
		if !hasFix(found) || bytes.Equal(out, lf) {
			return nil, nil
		}
		formatted, err := format.Source(out)
		if err != nil {
			return nil, fmt.Errorf("fixed file does not parse: %v", err)
		}
		if !bytes.Equal(formatted, out) {
			return nil, fmt.Errorf("fixed file is not gofmt-clean")
		}
		if crlf {
			out = bytes.ReplaceAll(out, []byte("\n"), []byte("\r\n"))
		}
		return &FileFix{Path: name, Old: src, New: out}, nil
	}
}

// A fixError is a rewrite that failed: the finding at index has no fix.
type fixError struct {
	index int
	err   error
}

func (e *fixError) Error() string { return e.err.Error() }

// restore decorates af, applies the fixes of found (none when found is
// nil) and prints the result.
func restore(pass *matchers.Pass, af *ast.File, found []ruleFinding, cfg Config) (out []byte, err error) {
	defer func() {
		if e := recover(); e != nil {
			err = fmt.Errorf("internal error while rewriting: %v", e)
		}
	}()
	dec := decorator.NewDecorator(pass.Fset)
	df, err := dec.DecorateFile(af)
	if err != nil {
		return nil, err
	}
	ctx := rewrites.NewContext(pass, af, df, dec.Dst.Nodes, cfg.Timeout)
	for i, f := range found {
		if f.Fix == nil || f.rule.Fix == nil {
			continue
		}
		if err := applyOne(ctx, f); err != nil {
			return nil, &fixError{i, err}
		}
	}
	ctx.FinishImports()
	var buf bytes.Buffer
	if err := decorator.NewRestorer().Fprint(&buf, df); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// applyOne runs one rewrite, turning a panic into an error for that finding.
func applyOne(ctx *rewrites.Context, f ruleFinding) (err error) {
	defer func() {
		if e := recover(); e != nil {
			err = fmt.Errorf("internal error in rewrite %s: %v", f.rule.Name, e)
		}
	}()
	return f.rule.Fix(ctx, &f.Finding)
}
