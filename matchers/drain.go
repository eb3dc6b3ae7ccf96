package matchers

import (
	"go/ast"
	"go/token"
	"go/types"
)

// Why a finding is harmless where it stands (Finding.Harmless), as the
// drain-path model tells.
const (
	harmlessNoMain  = "no main package in the load: nothing shows that this runs when a process is stopped (run drainfix on the program that uses this package)"
	harmlessNoStop  = "the program handles no termination signal: it has no drain for this to hold up or skip"
	harmlessOffPath = "not on a drain path: no code that runs after the program learns it must stop reaches it"
)

// noDrain returns why code that never stops, or ends the process, is
// harmless in this program: it has no main, or no drain (it handles no
// signal) that the code could hold up or skip; "" when it has one.
func (p *Pass) noDrain() string {
	m := p.Program.Drain()
	switch {
	case !m.HasMain():
		return harmlessNoMain
	case !m.HandlesSignals():
		return harmlessNoStop
	}
	return ""
}

// offDrainPath returns why the code at pos, which holds up a drain when it
// runs in one, is harmless: the program has no drain, or no code that runs
// after a stop reaches it; "" when it runs on a drain path.
func (p *Pass) offDrainPath(pos token.Pos) string {
	if why := p.noDrain(); why != "" {
		return why
	}
	if !p.Program.Drain().Runs(pos, p.enclosingFunc(pos)) {
		return harmlessOffPath
	}
	return ""
}

// enclosingFunc returns the named function whose declaration holds pos.
func (p *Pass) enclosingFunc(pos token.Pos) *types.Func {
	f := p.FileOf(pos)
	if f == nil {
		return nil
	}
	for _, d := range f.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok && fd.Pos() <= pos && pos < fd.End() {
			fn, _ := p.Info.Defs[fd.Name].(*types.Func)
			return fn
		}
	}
	return nil
}
