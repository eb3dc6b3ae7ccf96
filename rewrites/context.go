// Package rewrites turns findings into edits of a decorated (dst) file. A
// rewrite never matches again: everything it needs, it takes from the
// finding, and every type look-up happens before the tree is changed.
package rewrites

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/dave/dst"
	"github.com/drainfix/drainfix/matchers"
)

// A Context is one file being rewritten.
type Context struct {
	Pass    *matchers.Pass
	AST     *ast.File
	File    *dst.File
	Nodes   map[ast.Node]dst.Node // ast node → its dst twin
	Timeout time.Duration         // the drain deadline written into fixes

	names    map[string]string            // import path → local name used in this file
	declared map[ast.Node]map[string]bool // names the rewrites declared, per statement list
	add      []string                     // import paths to add, in order of first use
	made     []madeDeadline               // deadline contexts the rewrites declared
}

// A madeDeadline is a deadline context a rewrite declared in this file.
type madeDeadline struct {
	place matchers.StmtPlace
	name  string
	key   string // the base and duration, printed
	// decl and deferCancel are the statements declaring it, in the
	// statement list of place.
	decl, deferCancel dst.Stmt
	// pre, for an absolute deadline (declareAfter), is the statement
	// before decl that reads the program's deadline (deadline, _ :=
	// ctx.Deadline()), and note its comment; nil for a deadline made with
	// WithTimeout.
	pre  *dst.AssignStmt
	note string
}

// A Rewrite applies the fix of one finding.
type Rewrite func(*Context, *matchers.Finding) error

// NewContext returns a Context for rewriting file.
func NewContext(pass *matchers.Pass, af *ast.File, file *dst.File, nodes map[ast.Node]dst.Node, timeout time.Duration) *Context {
	return &Context{Pass: pass, AST: af, File: file, Nodes: nodes, Timeout: timeout, names: map[string]string{}, declared: map[ast.Node]map[string]bool{}}
}

// Dst returns the dst twin of an ast node; it panics when there is none,
// which is a bug in a matcher (the engine turns it into an error).
func dstOf[T dst.Node](c *Context, n ast.Node) T {
	d, ok := c.Nodes[n]
	if !ok {
		panic(fmt.Sprintf("no dst node for %T at %v", n, c.Pass.Fset.Position(n.Pos())))
	}
	return d.(T)
}

// Declare returns the first of name, name2, name3, ... that can be declared
// just before the statement of place (the type checker knows of no such
// name there) and that no other rewrite has declared in the same statement
// list, and claims it. Matchers propose names; two fixes in one block must
// not both declare ctx.
func (c *Context) Declare(place matchers.StmtPlace, name string) (string, error) {
	taken := c.declared[place.Block]
	if taken == nil {
		taken = map[string]bool{}
		c.declared[place.Block] = taken
	}
	for i := 1; i < 100; i++ {
		cand := name
		if i > 1 {
			cand = fmt.Sprintf("%s%d", name, i)
		}
		if !taken[cand] && c.Pass.FreshName(place.Stmt, cand) == cand {
			taken[cand] = true
			return cand, nil
		}
	}
	return "", fmt.Errorf("no free name like %s", name)
}

// Qual returns the expression path.name as seen at pos, importing path when
// the file does not yet. It fails when the package's name is shadowed at pos.
func (c *Context) Qual(path, name string, pos token.Pos) (dst.Expr, error) {
	local, err := c.pkgName(path, pos)
	if err != nil {
		return nil, err
	}
	return &dst.SelectorExpr{X: dst.NewIdent(local), Sel: dst.NewIdent(name)}, nil
}

// pkgName returns the name under which path is (or will be) imported, and
// checks that it denotes the package at pos.
func (c *Context) pkgName(path string, pos token.Pos) (string, error) {
	scope := c.Pass.Pkg.Scope().Innermost(pos)
	if scope == nil {
		return "", fmt.Errorf("no scope at %v", c.Pass.Fset.Position(pos))
	}
	resolves := func(name string, want bool) bool {
		_, obj := scope.LookupParent(name, pos)
		if obj == nil {
			return !want
		}
		pn, ok := obj.(*types.PkgName)
		return want && ok && pn.Imported().Path() == path
	}
	if local, ok := c.names[path]; ok {
		if !resolves(local, c.isImported(path)) {
			return "", fmt.Errorf("%s is shadowed here", local)
		}
		return local, nil
	}
	if local := c.importedAs(path); local != "" {
		if !resolves(local, true) {
			return "", fmt.Errorf("package %s is shadowed here", local)
		}
		c.names[path] = local
		return local, nil
	}
	base := path[strings.LastIndex(path, "/")+1:]
	for _, cand := range []string{base, "std" + base, "std" + base + "2"} {
		if resolves(cand, false) && !c.fileUses(cand) {
			c.names[path] = cand
			c.add = append(c.add, path)
			return cand, nil
		}
	}
	return "", fmt.Errorf("no free name to import %q", path)
}

// isImported reports whether the original file imports path.
func (c *Context) isImported(path string) bool { return c.importedAs(path) != "" }

// importedAs returns the name the original file imports path under, or "".
func (c *Context) importedAs(path string) string {
	for _, imp := range c.AST.Imports {
		p, _ := strconv.Unquote(imp.Path.Value)
		if p != path {
			continue
		}
		if imp.Name != nil {
			if imp.Name.Name == "_" || imp.Name.Name == "." {
				continue
			}
			return imp.Name.Name
		}
		if pn, ok := c.Pass.Info.Implicits[imp].(*types.PkgName); ok {
			return pn.Name()
		}
	}
	return ""
}

// fileUses reports whether name is declared anywhere in the file's own
// scope (another import) so that importing under it would clash.
func (c *Context) fileUses(name string) bool {
	if sc := c.Pass.Info.Scopes[c.AST]; sc != nil && sc.Lookup(name) != nil {
		return true
	}
	return false
}

// FinishImports adds the imports the rewrites used to the file: into the
// standard-library group of the first import declaration, sorted, so that
// every other group and comment stays as written.
func (c *Context) FinishImports() {
	for _, path := range c.add {
		spec := &dst.ImportSpec{Path: &dst.BasicLit{Kind: token.STRING, Value: strconv.Quote(path)}}
		if base := path[strings.LastIndex(path, "/")+1:]; c.names[path] != base {
			spec.Name = dst.NewIdent(c.names[path])
		}
		addImport(c.File, spec)
	}
	c.add = nil
}

func addImport(f *dst.File, spec *dst.ImportSpec) {
	var decl *dst.GenDecl
	for _, d := range f.Decls {
		if gd, ok := d.(*dst.GenDecl); ok && gd.Tok == token.IMPORT {
			decl = gd
			break
		}
	}
	if decl == nil {
		decl = &dst.GenDecl{Tok: token.IMPORT}
		decl.Decs.Before = dst.EmptyLine
		decl.Decs.After = dst.EmptyLine
		f.Decls = append([]dst.Decl{decl}, f.Decls...)
	}
	if len(decl.Specs) >= 1 {
		decl.Lparen, decl.Rparen = true, true
	}
	specs := decl.Specs
	// Groups are runs of specs separated by an empty line.
	start, end := -1, -1
	for i := 0; i < len(specs); {
		j := i + 1
		for j < len(specs) && specs[j].(*dst.ImportSpec).Decs.Before != dst.EmptyLine {
			j++
		}
		if isStdGroup(specs[i:j]) {
			start, end = i, j
			break
		}
		i = j
	}
	spec.Decs.Before = dst.NewLine
	spec.Decs.After = dst.NewLine
	if start < 0 {
		// No standard-library group: open one at the top.
		if len(specs) > 0 {
			specs[0].(*dst.ImportSpec).Decs.Before = dst.EmptyLine
			spec.Decs.After = dst.EmptyLine
		}
		decl.Specs = append([]dst.Spec{spec}, specs...)
		return
	}
	at := start + sort.Search(end-start, func(k int) bool {
		return importPath(specs[start+k]) > importPath(spec)
	})
	// The space around the group belongs to the group: when the new spec
	// becomes its first or last, it takes over that space.
	if at == start {
		old := specs[start].(*dst.ImportSpec)
		if old.Decs.Before != dst.None {
			spec.Decs.Before, old.Decs.Before = old.Decs.Before, dst.NewLine
		}
	}
	if at == end {
		old := specs[end-1].(*dst.ImportSpec)
		if old.Decs.After != dst.None {
			spec.Decs.After, old.Decs.After = old.Decs.After, dst.NewLine
		}
	}
	decl.Specs = append(specs[:at:at], append([]dst.Spec{spec}, specs[at:]...)...)
}

func importPath(s dst.Spec) string {
	p, _ := strconv.Unquote(s.(*dst.ImportSpec).Path.Value)
	return p
}

// isStdGroup reports whether every import of a group is of the standard
// library (no dot in the first path element).
func isStdGroup(specs []dst.Spec) bool {
	for _, s := range specs {
		p := importPath(s)
		first := p
		if i := strings.IndexByte(p, '/'); i >= 0 {
			first = p[:i]
		}
		if strings.Contains(first, ".") {
			return false
		}
	}
	return len(specs) > 0
}

// Duration returns the drain deadline as an expression (25 * time.Second).
func (c *Context) Duration(pos token.Pos) (dst.Expr, error) {
	return c.DurationOf(c.Timeout, pos)
}

// DurationOf returns d as an expression in its largest whole unit.
func (c *Context) DurationOf(d time.Duration, pos token.Pos) (dst.Expr, error) {
	// The largest unit that divides it: 90*time.Minute, not 5400*time.Second.
	unit, n := "Nanosecond", int64(d)
	for _, u := range []struct {
		name string
		d    time.Duration
	}{{"Hour", time.Hour}, {"Minute", time.Minute}, {"Second", time.Second}, {"Millisecond", time.Millisecond}, {"Microsecond", time.Microsecond}} {
		if d%u.d == 0 {
			unit, n = u.name, int64(d/u.d)
			break
		}
	}
	sel, err := c.Qual("time", unit, pos)
	if err != nil {
		return nil, err
	}
	if n == 1 {
		return sel, nil
	}
	return &dst.BinaryExpr{X: &dst.BasicLit{Kind: token.INT, Value: strconv.FormatInt(n, 10)}, Op: token.MUL, Y: sel}, nil
}

// Insert puts stmts before (or after) the statement of place.
func (c *Context) Insert(place matchers.StmtPlace, after bool, stmts ...dst.Stmt) error {
	target := c.Nodes[place.Stmt]
	var list *[]dst.Stmt
	switch b := c.Nodes[place.Block].(type) {
	case *dst.BlockStmt:
		list = &b.List
	case *dst.CaseClause:
		list = &b.Body
	case *dst.CommClause:
		list = &b.Body
	default:
		return fmt.Errorf("no statement list at %v", c.Pass.Fset.Position(place.Stmt.Pos()))
	}
	i := -1
	for k, s := range *list {
		if s == target {
			i = k
			break
		}
	}
	if i < 0 {
		return fmt.Errorf("statement not found in its block at %v", c.Pass.Fset.Position(place.Stmt.Pos()))
	}
	for _, s := range stmts {
		s.Decorations().Before = dst.NewLine
		s.Decorations().After = dst.NewLine
	}
	if after {
		// The space after the old statement moves past the new ones.
		old := (*list)[i].Decorations()
		if last := stmts[len(stmts)-1].Decorations(); old.After != dst.None {
			last.After, old.After = old.After, dst.NewLine
		}
		i++
	} else {
		// Comments above the old statement move up to the first new one, so
		// that they keep describing the block of code they stood over; a
		// //drainfix:ignore or //nolint stays on it: it silences findings
		// on the line below it, which is still the old statement's.
		old := (*list)[i].Decorations()
		if len(stmts) > 0 {
			first := stmts[0].Decorations()
			first.Before = old.Before
			var up, keep dst.Decorations
			for _, d := range old.Start {
				if isSuppression(d) {
					keep = append(keep, d)
				} else {
					up = append(up, d)
				}
			}
			first.Start, old.Start = append(up, first.Start...), keep
			old.Before = dst.NewLine
		}
	}
	*list = append((*list)[:i:i], append(stmts, (*list)[i:]...)...)
	return nil
}

// isSuppression reports whether a comment silences drainfix on the line
// below it.
func isSuppression(comment string) bool {
	return strings.HasPrefix(comment, "//drainfix:ignore") || strings.HasPrefix(comment, "//nolint")
}

// Replace puts stmt in place of the statement of place, with its comments.
func (c *Context) Replace(place matchers.StmtPlace, stmt dst.Stmt) error {
	if err := c.Insert(place, false, stmt); err != nil {
		return err
	}
	old := c.Nodes[place.Stmt].(dst.Stmt)
	list := stmtsOf(c.Nodes[place.Block])
	for i, s := range *list {
		if s == old {
			decs := stmt.Decorations()
			decs.After, decs.End = old.Decorations().After, old.Decorations().End
			decs.Start = append(decs.Start, old.Decorations().Start...) // a suppression Insert left on it
			*list = append((*list)[:i], (*list)[i+1:]...)
			return nil
		}
	}
	return fmt.Errorf("statement not found in its block at %v", c.Pass.Fset.Position(place.Stmt.Pos()))
}

// InFile reports whether n lies in the file being rewritten: a fix that
// touches several files (a signature and its call sites) is run once for
// each and applies the parts that lie in it.
func (c *Context) InFile(n ast.Node) bool {
	return c.AST.FileStart <= n.Pos() && n.Pos() <= c.AST.FileEnd
}
