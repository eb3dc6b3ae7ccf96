package rewrites

import (
	"fmt"
	"go/ast"
	"go/token"

	"github.com/dave/dst"
	"github.com/drainfix/drainfix/matchers"
)

// GlobalOnce moves a package-level sync.Once into its type as the first
// field (keeping the variable's comments), makes each once.Do go through
// the method's receiver (s.once.Do), and deletes the variable, with the
// file's sync import when that was its last use. Each file of the fix
// applies its own part.
func GlobalOnce(c *Context, f *matchers.Finding) error {
	fix := f.Fix.(*matchers.GlobalOnceFix)
	var comments dst.Decorations
	var end dst.Decorations
	if c.InFile(fix.Spec) {
		var err error
		if comments, end, err = removeVar(c, fix); err != nil {
			return err
		}
		if fix.Import != nil {
			if err := removeImport(c, fix.Import); err != nil {
				return err
			}
		}
	}
	if c.InFile(fix.Struct) {
		typ, err := c.Qual("sync", "Once", fix.Struct.Pos())
		if err != nil {
			return err
		}
		field := &dst.Field{Names: []*dst.Ident{dst.NewIdent(fix.Field)}, Type: typ}
		field.Decs.Before, field.Decs.After = dst.NewLine, dst.NewLine
		if c.InFile(fix.Spec) {
			field.Decs.Start, field.Decs.End = comments, end
		}
		st := dstOf[*dst.StructType](c, fix.Struct)
		if fix.AtEnd {
			st.Fields.List = append(st.Fields.List, field)
		} else {
			st.Fields.List = append([]*dst.Field{field}, st.Fields.List...)
		}
	}
	for _, u := range fix.Uses {
		if !c.InFile(u.Sel) {
			continue
		}
		sel := dstOf[*dst.SelectorExpr](c, u.Sel)
		id, ok := sel.X.(*dst.Ident)
		if !ok {
			return fmt.Errorf("once.Do at %v was already rewritten", c.Pass.Fset.Position(u.Sel.Pos()))
		}
		recv := &dst.SelectorExpr{X: dst.NewIdent(u.Recv), Sel: dst.NewIdent(fix.Field)}
		recv.Decs.NodeDecs = id.Decs.NodeDecs
		sel.X = recv
	}
	return nil
}

// removeVar deletes the variable's spec (its whole declaration when it is
// the only spec) and returns the comments above it and at the end of its
// line, for the new field.
func removeVar(c *Context, fix *matchers.GlobalOnceFix) (dst.Decorations, dst.Decorations, error) {
	spec := dstOf[*dst.ValueSpec](c, fix.Spec)
	if len(fix.Decl.Specs) > 1 {
		gd := dstOf[*dst.GenDecl](c, fix.Decl)
		for i, s := range gd.Specs {
			if s == spec {
				gd.Specs = append(gd.Specs[:i:i], gd.Specs[i+1:]...)
				return spec.Decs.Start, spec.Decs.End, nil
			}
		}
		return nil, nil, fmt.Errorf("variable not found in its declaration")
	}
	gd := dstOf[*dst.GenDecl](c, fix.Decl)
	for i, d := range c.File.Decls {
		if d == gd {
			c.File.Decls = append(c.File.Decls[:i:i], c.File.Decls[i+1:]...)
			return gd.Decs.Start, append(spec.Decs.End, gd.Decs.End...), nil
		}
	}
	return nil, nil, fmt.Errorf("variable declaration not found in its file")
}

func noComments(d *dst.NodeDecs) bool { return len(d.Start) == 0 && len(d.End) == 0 }

// removeImport deletes an import spec, and its declaration when that
// becomes empty. An empty line that opened the spec's group moves to the
// spec after it.
func removeImport(c *Context, imp *ast.ImportSpec) error {
	spec := dstOf[*dst.ImportSpec](c, imp)
	for i, d := range c.File.Decls {
		gd, ok := d.(*dst.GenDecl)
		if !ok || gd.Tok != token.IMPORT {
			continue
		}
		for j, s := range gd.Specs {
			if s != spec {
				continue
			}
			if j+1 < len(gd.Specs) && spec.Decs.Before == dst.EmptyLine {
				gd.Specs[j+1].Decorations().Before = dst.EmptyLine
			}
			gd.Specs = append(gd.Specs[:j:j], gd.Specs[j+1:]...)
			switch {
			case len(gd.Specs) == 0:
				c.File.Decls = append(c.File.Decls[:i:i], c.File.Decls[i+1:]...)
			case len(gd.Specs) == 1 && gd.Lparen && noComments(gd.Specs[0].Decorations()) && len(gd.Decs.Lparen) == 0:
				// import "fmt", as gofmt users write a lone import.
				gd.Lparen, gd.Rparen = false, false
				gd.Specs[0].Decorations().Before, gd.Specs[0].Decorations().After = dst.None, dst.None
			}
			for k, s := range c.File.Imports {
				if s == spec {
					c.File.Imports = append(c.File.Imports[:k:k], c.File.Imports[k+1:]...)
					break
				}
			}
			return nil
		}
	}
	return fmt.Errorf("import of sync not found")
}
