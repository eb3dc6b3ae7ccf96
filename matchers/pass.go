// Package matchers finds graceful-shutdown ("drain") bugs in type-checked Go
// syntax. A matcher reads go/ast and types.Info and returns findings; it never
// mutates anything. Each finding carries the syntax nodes and facts its
// rewrite needs, so that rewrites never match again.
package matchers

import (
	"go/ast"
	"go/token"
	"go/types"
	"go/version"
)

// A Pass is one type-checked package as a matcher sees it.
type Pass struct {
	Fset  *token.FileSet
	Files []*ast.File // every syntax file of the package
	Pkg   *types.Package
	Info  *types.Info
}

// A Finding is one bug at one place.
type Finding struct {
	Pos, End token.Pos
	Message  string
	// Fix holds what the rule's rewrite needs; nil when no safe mechanical
	// fix exists (the finding is then reported with fixable false).
	Fix any
	// NoFix says why there is no fix, when Fix is nil; it is appended to the
	// message.
	NoFix string
}

// A Matcher reports the findings of one rule in a package.
type Matcher func(*Pass) []Finding

// FileOf returns the file holding pos.
func (p *Pass) FileOf(pos token.Pos) *ast.File {
	for _, f := range p.Files {
		if f.FileStart <= pos && pos <= f.FileEnd {
			return f
		}
	}
	return nil
}

// AtLeast reports whether the language version of the file holding pos is
// at least v (such as "go1.21"). An unknown version counts as too old, so
// that a fix never uses a feature the file may not have.
func (p *Pass) AtLeast(pos token.Pos, v string) bool {
	f := p.FileOf(pos)
	if f == nil || p.Info.FileVersions == nil {
		return false
	}
	fv := p.Info.FileVersions[f]
	if fv == "" {
		return false
	}
	return version.Compare(fv, v) >= 0
}
