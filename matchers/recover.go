package matchers

import (
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"os"
	"strings"
)

// recovered reports whether a panic at path[0] is recovered in the
// function that holds it, so that it cannot crash the process: that
// function defers a recover before it (a func literal calling recover, or a
// named function that calls recover itself), or it is a func literal handed
// to a function that defers a recover and then calls the literal (a
// PanicToError(func() { ... }) helper, also from another module).
func (p *Pass) recovered(path []ast.Node) bool {
	for _, n := range path {
		switch n := n.(type) {
		case *ast.FuncDecl:
			return p.defersRecover(n.Body, path[0].Pos())
		case *ast.FuncLit:
			if p.defersRecover(n.Body, path[0].Pos()) {
				return true
			}
			return p.runUnderRecover(n, path)
		}
	}
	return false
}

// runUnderRecover reports whether lit, found on path, is an argument of a
// call whose callee defers a recover and then calls that parameter.
func (p *Pass) runUnderRecover(lit *ast.FuncLit, path []ast.Node) bool {
	var call *ast.CallExpr
	for i, n := range path {
		if n == lit && i+1 < len(path) {
			call, _ = path[i+1].(*ast.CallExpr)
			break
		}
	}
	if call == nil {
		return false
	}
	arg := -1
	for i, a := range call.Args {
		if ast.Unparen(a) == lit {
			arg = i
		}
	}
	fn := callee(p.Info, call)
	if arg < 0 || fn == nil || fn.Signature().Variadic() && arg >= fn.Signature().Params().Len()-1 {
		return false
	}
	fd := p.Program.funcSource(p.Fset, fn)
	if fd == nil || fd.Body == nil {
		return false
	}
	var param string
	i := 0
	for _, f := range fd.Type.Params.List {
		for _, name := range f.Names {
			if i == arg {
				param = name.Name
			}
			i++
		}
	}
	if param == "" || param == "_" {
		return false
	}
	// The deferred recover comes first, then the call of the parameter,
	// not in a goroutine or a literal of its own.
	deferred := false
	for _, st := range fd.Body.List {
		if d, ok := st.(*ast.DeferStmt); ok && !deferred {
			deferred = p.recoversIn(d.Call, nil)
			continue
		}
		if !deferred {
			continue
		}
		called := false
		ast.Inspect(st, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.GoStmt, *ast.FuncLit:
				return false
			case *ast.CallExpr:
				if id, ok := ast.Unparen(n.Fun).(*ast.Ident); ok && id.Name == param {
					called = true
				}
			}
			return !called
		})
		if called {
			return true
		}
	}
	return false
}

// defersRecover reports whether body defers, among its own statements and
// before pos, a call that recovers a panic.
func (p *Pass) defersRecover(body *ast.BlockStmt, pos token.Pos) bool {
	if body == nil {
		return false
	}
	for _, st := range body.List {
		if st.Pos() >= pos {
			break
		}
		if d, ok := st.(*ast.DeferStmt); ok && p.recoversIn(d.Call, p.Info) {
			return true
		}
	}
	return false
}

// recoversIn reports whether the deferred call recovers: a func literal
// that calls recover, or a function of the program or its dependencies
// that calls recover among its own statements (recover works only when
// the deferred function itself calls it). info, when known, resolves a
// named callee.
func (p *Pass) recoversIn(call *ast.CallExpr, info *types.Info) bool {
	if lit, ok := ast.Unparen(call.Fun).(*ast.FuncLit); ok {
		return callsRecover(lit.Body)
	}
	if info == nil {
		return false
	}
	fn := callee(info, call)
	if fn == nil {
		return false
	}
	fd := p.Program.funcSource(p.Fset, fn)
	return fd != nil && callsRecover(fd.Body)
}

// callsRecover reports whether body calls recover outside any nested func
// literal.
func callsRecover(body *ast.BlockStmt) bool {
	found := false
	if body == nil {
		return false
	}
	ast.Inspect(body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit:
			return false
		case *ast.CallExpr:
			if id, ok := ast.Unparen(n.Fun).(*ast.Ident); ok && id.Name == "recover" && len(n.Args) == 0 {
				found = true
			}
		}
		return !found
	})
	return found
}

// funcSource returns fn's declaration: from the loaded program, or else
// parsed from the source file its position names (a dependency loaded
// from export data), without types.
func (p *Program) funcSource(fset *token.FileSet, fn *types.Func) *ast.FuncDecl {
	if d, ok := p.declOf(fn); ok {
		return d.fd
	}
	name := fset.Position(fn.Pos()).Filename
	if name == "" || !strings.HasSuffix(name, ".go") {
		return nil
	}
	p.srcMu.Lock()
	f, ok := p.src[name]
	if !ok {
		if data, err := os.ReadFile(name); err == nil {
			f, _ = parser.ParseFile(token.NewFileSet(), name, data, parser.SkipObjectResolution)
		}
		if p.src == nil {
			p.src = map[string]*ast.File{}
		}
		p.src[name] = f
	}
	p.srcMu.Unlock()
	if f == nil {
		return nil
	}
	recv := ""
	if r := fn.Signature().Recv(); r != nil {
		t := r.Type()
		if pt, ok := t.(*types.Pointer); ok {
			t = pt.Elem()
		}
		if n, ok := t.(*types.Named); ok {
			recv = n.Obj().Name()
		}
	}
	for _, d := range f.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok || fd.Name.Name != fn.Name() || (fd.Recv == nil) != (recv == "") {
			continue
		}
		if recv == "" || recvTypeName(fd) == recv {
			return fd
		}
	}
	return nil
}

// recvTypeName is the name of the type of fd's receiver.
func recvTypeName(fd *ast.FuncDecl) string {
	t := fd.Recv.List[0].Type
	for {
		switch x := t.(type) {
		case *ast.StarExpr:
			t = x.X
		case *ast.IndexExpr:
			t = x.X
		case *ast.IndexListExpr:
			t = x.X
		case *ast.ParenExpr:
			t = x.X
		case *ast.Ident:
			return x.Name
		default:
			return ""
		}
	}
}
