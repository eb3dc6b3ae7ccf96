// Package drainpath models when a program's code runs relative to its
// drain: where the process learns that it must stop (a receive from a
// signal.Notify channel, the Done of a signal.NotifyContext context or of a
// context derived from it or cancelled after a signal, or a channel the
// drain closes or sends on, also one a function returns), and which code
// runs after that moment, through the loaded program's call graph. Code
// run only for a signal that asks for no stop (if s == syscall.SIGHUP {
// reload() }) runs on no stop.
//
// Rules ask it whether a site matters when the process is stopped. A site
// that runs on no drain path, or in a program that has no drain at all, is
// true in form at best: a maintainer would not fix it.
package drainpath

import (
	"go/ast"
	"go/constant"
	"go/token"
	"go/types"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
)

// A Package is one type-checked package of the program. Files are the
// files it owns: a file a test variant of the package holds again is
// given once, so that no work is done twice.
type Package struct {
	Types *types.Package
	Info  *types.Info
	Files []*ast.File
}

// A Stop is a place where the process learns that it must stop.
type Stop struct {
	Pos token.Pos
	// Signal is whether it receives from a channel of os.Signal (else it
	// waits for a context's Done).
	Signal bool
}

// A Model is what the program does when it is told to stop.
type Model struct {
	// In a load with no main (deferred), the stops' own regions and
	// waits answer FollowsStop and WaitsIn; the rest is built by the
	// first query that needs it (lazy).
	deferred    bool
	nearRegions []region
	nearWaits   []token.Pos
	lazy        sync.Once
	boxedOnce   sync.Once // boxed and asserted

	// closeOverCalls' state, kept so that a later closure (after relays
	// or serve calls add regions) walks only what is new.
	closedTo int                     // the regions already closed over
	stored   map[string][]storedFunc // the stored funcs by type
	funcArgs *funcArgIndex           // funcValues', built at the first call of a func value
	reached  map[string]bool         // func types whose stored funcs are marked
	litDone  map[*ast.FuncLit]bool   // func literals already walked

	mains       []*types.Package                   // the main packages (not test mains)
	handles     bool                               // some package calls signal.Notify or NotifyContext
	handlers    map[string]bool                    // paths of the packages that do
	closure     map[*types.Package]map[string]bool // each main's imports, by path
	graph       Graph                              // the loader's import graph, nil for none
	byPath      map[string]*types.Package          // the packages closure met, by path (without a graph)
	loaded      map[string]bool                    // paths of the packages with syntax
	mentions    map[string]bool                    // paths of the packages naming a termination signal
	stops       []Stop
	waits       []token.Pos          // stops, and calls of functions that return only after one
	regions     []region             // code that runs after a stop, by position
	onDrain     map[*types.Func]bool // functions called (or referenced) after a stop
	pkgs        []Package
	decls       map[*types.Func]*ast.FuncDecl
	methods     map[string][]*types.Func // concrete methods of the program, by name
	defs        map[types.Object][]ast.Expr
	notified    map[types.Object]bool               // signal channels given to signal.Notify: true once given a termination signal (or every signal) (recordNotify's)
	fieldDefs   map[*types.Var][]ast.Expr           // what the context fields of the program's structs are set to (recordFieldWrites')
	chanFields  map[*types.Var][]siteValue          // what the channel fields of the program's structs are set to (recordFieldWrites')
	ctxOnce     sync.Once                           // builds ctxParams, ctxCalls and ctxEscaped (indexCtxParams)
	ctxParams   map[*types.Var]ctxParam             // the context parameters of the program's functions
	ctxCalls    map[*types.Func][]ctxCall           // the calls of the functions with one
	ctxEscape   map[*types.Func]bool                // those of them used other than by a call (a func value: callers unseen), or methods of a name the program calls through an interface
	ctxValue    map[*types.Func]bool                // those of them used as func values
	cancels     map[types.Object]types.Object       // a context's cancel func, by the context
	waiters     map[*types.Func]bool                // functions that return only after a stop
	relays      map[types.Object]bool               // channels the drain sends on or closes
	relayFns    map[*types.Func]bool                // functions that return a relay they make (findRelays')
	sentParams  map[*types.Var]bool                 // channel parameters sent on or closed after a stop in their function (findRelays')
	forwards    map[*types.Var]forward              // channel parameters a signal wrapper forwards the signals it is notified of into (findRelays')
	notifiers   map[*ast.FuncDecl]Package           // the functions that call signal.Notify (index's)
	wrappers    map[*ast.FuncDecl]forward           // those of them that are signal wrappers, and how (recordWrapperCalls')
	paramNotify bool                                // a function calls signal.Notify on a channel parameter (index's)
	askedNotify map[*types.Var]bool                 // channel parameters given to signal.Notify with signals the caller names (recordNotify's)
	sigsWritten map[types.Object]bool               // slices of signals set other than by assignment: by index, through their address, by copy (index's)
	notifyCalls []notifyCall                        // the signal.Notify calls, for index to record once every definition is known
	forcers     map[string]bool                     // paths of packages whose drain code forces the exit after a delay
	mayForce    map[string]bool                     // paths of packages with a declaration that both delays (time.Sleep, time.AfterFunc) and ends the process: the only possible forcers
	boxed       map[*types.TypeName]map[string]bool // types whose values the program converts to an interface: the method names of those interfaces (boxedTypes')
	asserted    map[string]bool                     // method names of the interfaces the program type-asserts to (boxedTypes')
	merged      []region                            // the regions as sorted disjoint intervals (inRegion's)
	holes       []region                            // code run only for a signal that is no stop (if s == syscall.SIGHUP {...}), sorted and disjoint (index's)
	reloadIfs   []reloadIf                          // if statements testing a signal through a call, for index to resolve
	mergedOf    int                                 // how many regions merged was made from
	stopAt      map[token.Pos]bool                  // the stops found, by position
	signalsTo   map[string]bool                     // paths of the packages the program hands termination signals to (handsSignal)
	hookArgs    []hookArg                           // func values handed to other packages' parameters and fields named for a stop (index's)
	visiting    map[types.Object]bool
}

// A region is a range of source that runs after a stop: code that follows
// it, or (called) the body of a func value a call after it may run.
type region struct {
	pos, end token.Pos
	called   bool
}

// A Graph is the import paths each package of a load imports, by its
// path, for every package the load holds (its dependencies too). The
// loader knows them all; a types.Package read from export data (a
// dependency drainfix has no syntax for) lists only the packages its
// exported API names, so a framework's os/signal is missing from it.
// A dependency's os/signal belongs in the graph only when its source
// names a termination signal (NamesTermination).
type Graph map[string][]string

// NamesTermination reports whether the file names a termination signal
// (syscall or x/sys/unix's SIGTERM or SIGINT, os.Interrupt), resolving
// the selector's package through the file's imports: what the loader can
// tell of a dependency it has no types for. A package that imports
// os/signal only for another signal (SIGWINCH for a terminal's resize,
// SIGHUP for a reload) gives its program no drain.
func NamesTermination(f *ast.File) bool {
	paths := map[string]string{} // import name -> path
	for _, im := range f.Imports {
		path, _ := strconv.Unquote(im.Path.Value)
		name := path[strings.LastIndex(path, "/")+1:]
		if im.Name != nil {
			name = im.Name.Name
		}
		paths[name] = path
	}
	found := false
	ast.Inspect(f, func(n ast.Node) bool {
		sel, ok := n.(*ast.SelectorExpr)
		if !ok || found {
			return !found
		}
		if x, ok := sel.X.(*ast.Ident); ok {
			switch path, name := paths[x.Name], sel.Sel.Name; {
			case (path == "syscall" || path == "golang.org/x/sys/unix") && (name == "SIGTERM" || name == "SIGINT"),
				path == "os" && name == "Interrupt":
				found = true
			}
		}
		return !found
	})
	return found
}

// New builds the model of the program made of pkgs. imports is the load's
// import graph; nil makes the model use the packages' types (which miss
// what a dependency without syntax imports but does not name in its API).
func New(pkgs []Package, imports Graph) *Model {
	m := &Model{
		pkgs:        pkgs,
		graph:       imports,
		byPath:      map[string]*types.Package{},
		onDrain:     map[*types.Func]bool{},
		handlers:    map[string]bool{},
		closure:     map[*types.Package]map[string]bool{},
		loaded:      map[string]bool{},
		mentions:    map[string]bool{},
		signalsTo:   map[string]bool{},
		decls:       map[*types.Func]*ast.FuncDecl{},
		methods:     map[string][]*types.Func{},
		defs:        map[types.Object][]ast.Expr{},
		fieldDefs:   map[*types.Var][]ast.Expr{},
		chanFields:  map[*types.Var][]siteValue{},
		notified:    map[types.Object]bool{},
		cancels:     map[types.Object]types.Object{},
		waiters:     map[*types.Func]bool{},
		visiting:    map[types.Object]bool{},
		relays:      map[types.Object]bool{},
		relayFns:    map[*types.Func]bool{},
		sentParams:  map[*types.Var]bool{},
		forwards:    map[*types.Var]forward{},
		notifiers:   map[*ast.FuncDecl]Package{},
		askedNotify: map[*types.Var]bool{},
		sigsWritten: map[types.Object]bool{},
		wrappers:    map[*ast.FuncDecl]forward{},
		forcers:     map[string]bool{},
		mayForce:    map[string]bool{},
		stopAt:      map[token.Pos]bool{},
	}
	m.index()
	for _, main := range m.mains {
		m.imports(main) // now, so that queries from many goroutines only read
	}
	if hooks := m.findHooks(); !m.handles && !hooks {
		return m
	}
	m.recordWrapperCalls()
	m.recordSignalParams()
	m.findStops()
	m.propagateWaiters()
	if len(m.mains) == 0 {
		// No program: the stops and what follows them in their
		// functions are enough for the rules that look at one function
		// (FollowsStop, WaitsIn, and Runs and OnDrainPath, which have no
		// program's call graph to follow). The call graph from a stop
		// (the standard library's test runner handles signals) is built
		// only when ForcesExit needs it: a library's own forced exit
		// bounds the drains registered with it.
		m.sortAndMerge()
		m.nearRegions, m.nearWaits = slices.Clone(m.regions), slices.Clone(m.waits)
		m.deferred = true
		return m
	}
	m.complete()
	return m
}

// complete builds the rest of the model: the call-graph closure from the
// stops, relays and serve calls, and forced exits. New does it at once in
// a load with a main; in one without, the first query that needs it does.
func (m *Model) complete() {
	m.closeOverCalls()
	// A channel the drain closes or sends on tells whoever receives from
	// it to stop (close(quit) after <-sig): receiving from it is a stop
	// too, and what follows it drain code.
	for round := 0; round < 2 && m.findRelays(); round++ {
		m.findStops()
		m.propagateWaiters()
		m.closeOverCalls()
	}
	// A server the drain shuts down ends its Serve: the code after a
	// serve call runs after the stop (a main that closes its stores once
	// ListenAndServe returns).
	if m.findServeEnds() {
		m.propagateWaiters()
		m.closeOverCalls()
	}
	m.findForcedExits()
	m.sortAndMerge()
}

// sortAndMerge prepares the regions for lookups: queries come from many
// goroutines, and they only read.
func (m *Model) sortAndMerge() {
	sort.Slice(m.regions, func(i, j int) bool { return m.regions[i].pos < m.regions[j].pos })
	m.merge()
}

// full returns the model with its call-graph closure, building it on the
// first call in a load with no main.
func (m *Model) full() *Model {
	if m.deferred {
		m.lazy.Do(m.complete)
	}
	return m
}

// near returns the regions and waits of the queries about one function:
// in a load with no main, those New found before any closure (complete
// may be adding to the model's own meanwhile).
func (m *Model) near() ([]region, []token.Pos) {
	if m.deferred {
		return m.nearRegions, m.nearWaits
	}
	return m.regions, m.waits
}

// HasMain reports whether a main package of the load is, or imports, the
// package pkg: whether pkg is part of a program drainfix sees.
func (m *Model) HasMain(pkg *types.Package) bool {
	for _, main := range m.mains {
		if m.imports(main)[pkg.Path()] {
			return true
		}
	}
	return false
}

// SharesProgram reports whether a main package of the load is, or
// imports, both a and b: code of the two runs in one process.
func (m *Model) SharesProgram(a, b *types.Package) bool {
	for _, main := range m.mains {
		if paths := m.imports(main); paths[a.Path()] && paths[b.Path()] {
			return true
		}
	}
	return false
}

// HasMains reports whether the load holds a main package.
func (m *Model) HasMains() bool { return len(m.mains) > 0 }

// HandlesSignals reports whether a program holding pkg (a main package
// that is or imports it) asks to be told of signals, in any of its
// packages (signal.Notify or signal.NotifyContext): only then does the
// program have a drain.
func (m *Model) HandlesSignals(pkg *types.Package) bool {
	seen, unseen := m.handling(pkg)
	return seen || unseen
}

// HandlesSignalsUnseen reports whether the programs holding pkg ask to be
// told of signals only in packages drainfix has no syntax for (a
// dependency such as a service framework imports os/signal): they have a
// drain, but the model cannot see what runs on it.
func (m *Model) HandlesSignalsUnseen(pkg *types.Package) bool {
	seen, unseen := m.handling(pkg)
	return !seen && unseen
}

// handling reports whether a program holding pkg handles signals in a
// package of the load (seen), or may in a dependency without syntax that
// imports os/signal (unseen).
func (m *Model) handling(pkg *types.Package) (seen, unseen bool) {
	for _, main := range m.mains {
		paths := m.imports(main)
		if !paths[pkg.Path()] {
			continue
		}
		for path := range paths {
			switch {
			case m.handlers[path]:
				seen = true
			case m.mentions[path]:
				unseen = true
			case !m.loaded[path] && path != "os/signal" && slices.Contains(m.importsOf(path), "os/signal"):
				unseen = true
			}
		}
	}
	return seen, unseen
}

// imports returns the paths of main and of every package it imports,
// however indirectly. New asks for each main first, so that later queries
// (from many goroutines) only read.
func (m *Model) imports(main *types.Package) map[string]bool {
	if c := m.closure[main]; c != nil {
		return c
	}
	c := m.importClosure(main, m.byPath)
	m.closure[main] = c
	return c
}

// importClosure returns the paths of p and of every package it imports,
// however indirectly: from the load's graph, else from the packages'
// types, which it records in byPath.
func (m *Model) importClosure(p *types.Package, byPath map[string]*types.Package) map[string]bool {
	c := map[string]bool{}
	if m.graph != nil {
		var add func(path string)
		add = func(path string) {
			if !c[path] {
				c[path] = true
				for _, q := range m.graph[path] {
					add(q)
				}
			}
		}
		add(p.Path())
		return c
	}
	var add func(p *types.Package)
	add = func(p *types.Package) {
		if !c[p.Path()] {
			c[p.Path()] = true
			byPath[p.Path()] = p
			for _, q := range p.Imports() {
				add(q)
			}
		}
	}
	add(p)
	return c
}

// importsOf returns the paths the package at path imports: from the
// load's graph, else from its types (for a package a main imports).
func (m *Model) importsOf(path string) []string {
	if m.graph != nil {
		return m.graph[path]
	}
	var paths []string
	if p := m.byPath[path]; p != nil {
		for _, q := range p.Imports() {
			paths = append(paths, q.Path())
		}
	}
	return paths
}

// Stops returns where the program learns it must stop, in position order.
func (m *Model) Stops() []Stop { return m.full().stops }

// WaitsIn reports whether the code between pos and end learns that the
// process must stop: it holds a stop, or a call of a function that returns
// only after one.
func (m *Model) WaitsIn(pos, end token.Pos) bool {
	_, waits := m.near()
	for _, w := range waits {
		if pos <= w && w < end {
			return true
		}
	}
	return false
}

// OnDrainPath reports whether fn is called (or referenced: a method value,
// a deferred or started function) by code that runs after a stop.
func (m *Model) OnDrainPath(fn *types.Func) bool { return !m.deferred && m.onDrain[fn.Origin()] }

// Runs reports whether the code at pos runs after a stop: it lies after a
// stop in its own function (or in a function literal such code runs), or in
// the body of a function on a drain path. enclosing is the named function
// holding pos, nil for none.
func (m *Model) Runs(pos token.Pos, enclosing *types.Func) bool {
	if m.deferred {
		// No program: code after a stop in its own function only.
		if m.inHole(pos) {
			return false
		}
		regions, _ := m.near()
		for _, r := range regions {
			if r.pos <= pos && pos < r.end {
				return true
			}
		}
		return false
	}
	if enclosing != nil && m.onDrain[enclosing.Origin()] {
		return !m.inHole(pos)
	}
	return m.inRegion(pos)
}

// FollowsStop reports whether the code at pos follows a stop in its own
// function: it lies after a receive from a signal channel or a signal
// context's Done (or a call of a function that returns only after one).
func (m *Model) FollowsStop(pos token.Pos) bool {
	if m.inHole(pos) {
		return false
	}
	regions, _ := m.near()
	for _, r := range regions {
		if !r.called && r.pos <= pos && pos < r.end {
			return true
		}
	}
	return false
}

// index records the program's functions, methods and local definitions,
// and whether it has a main and handles signals.
func (m *Model) index() {
	for _, p := range m.pkgs {
		m.loaded[p.Types.Path()] = true
		for _, f := range p.Files {
			for _, d := range f.Decls {
				fd, ok := d.(*ast.FuncDecl)
				if !ok || fd.Body == nil {
					continue
				}
				fn, _ := p.Info.Defs[fd.Name].(*types.Func)
				if fn == nil {
					continue
				}
				m.decls[fn] = fd
				if fd.Recv != nil {
					m.methods[fn.Name()] = append(m.methods[fn.Name()], fn)
				} else if fn.Name() == "main" && p.Types.Name() == "main" && !strings.HasSuffix(p.Types.Path(), ".test") {
					m.mains = append(m.mains, p.Types)
				}
			}
			// A declaration that both delays and ends the process may
			// force the exit (mayForceIn).
			for _, d := range f.Decls {
				if m.indexDecl(p, d) {
					m.mayForce[p.Types.Path()] = true
				}
			}
		}
	}
	// if isReload(s) { ... }, where isReload returns a comparison
	// reloadCond takes for one.
	for _, r := range m.reloadIfs {
		if fn := callee(r.info, r.call); fn != nil && m.decls[fn.Origin()] != nil && reloadTest(r.info, m.decls[fn.Origin()]) {
			m.holes = append(m.holes, region{pos: r.body.Pos(), end: r.body.End()})
		}
	}
	m.reloadIfs = nil
	m.holes = disjoint(m.holes)
	for _, c := range m.notifyCalls {
		m.recordNotify(c)
	}
	m.notifyCalls = nil
}

// recordSigsWrite remembers that the slice of signals (or channel of
// signals) e names, when it is a variable, is written other than by an
// assignment to it, so what it holds cannot be told from its assignments
// (spreadSignals, recordSignalParams).
func (m *Model) recordSigsWrite(info *types.Info, e ast.Expr) {
	id, ok := ast.Unparen(e).(*ast.Ident)
	if !ok {
		return
	}
	v, ok := info.ObjectOf(id).(*types.Var)
	if !ok {
		return
	}
	if sl, ok := v.Type().Underlying().(*types.Slice); ok && isSignalType(sl.Elem()) || isSignalChan(v.Type()) {
		m.sigsWritten[v] = true
	}
}

// A notifyCall is a call of signal.Notify, in fd (nil outside a
// function).
type notifyCall struct {
	info *types.Info
	fd   *ast.FuncDecl
	call *ast.CallExpr
}

// A reloadIf is an if statement whose condition calls a function of the
// program with a signal: a hole if that function tests for a reload.
type reloadIf struct {
	info *types.Info
	call *ast.CallExpr
	body *ast.BlockStmt
}

// reloadTest reports whether fd, of one signal parameter and a bool
// result, is a single return of a comparison reloadCond takes (func
// isReload(s os.Signal) bool { return s == syscall.SIGHUP }), read with
// info, the caller's: a function of another package is not taken.
func reloadTest(info *types.Info, fd *ast.FuncDecl) bool {
	if fd.Body == nil || len(fd.Body.List) != 1 || fd.Type.Params.NumFields() != 1 {
		return false
	}
	ret, ok := fd.Body.List[0].(*ast.ReturnStmt)
	return ok && len(ret.Results) == 1 && info.Types[ret.Results[0]].Type != nil && reloadCond(info, ret.Results[0])
}

// indexDecl records what index needs from the declaration d, and reports
// whether it may force the exit as findForcedExits looks for it: it ends
// the process after a time.Sleep, or in the arguments of a
// time.AfterFunc.
func (m *Model) indexDecl(p Package, d ast.Decl) (mayForce bool) {
	slept := token.NoPos
	var timers []ast.Node // AfterFunc calls
	ast.Inspect(d, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.AssignStmt:
			m.recordAssign(p.Info, n.Lhs, n.Rhs)
			for _, l := range n.Lhs {
				if ix, ok := ast.Unparen(l).(*ast.IndexExpr); ok {
					m.recordSigsWrite(p.Info, ix.X) // sigs[0] = syscall.SIGTERM
				}
			}
			if len(n.Lhs) == len(n.Rhs) {
				for i, l := range n.Lhs {
					if sel, ok := ast.Unparen(l).(*ast.SelectorExpr); ok {
						m.recordFieldWrite(p.Info, sel.Sel, n.Rhs[i])
					}
				}
			}
		case *ast.UnaryExpr:
			if n.Op == token.AND {
				m.recordSigsWrite(p.Info, n.X) // addStop(&sigs)
			}
		case *ast.ValueSpec:
			lhs := make([]ast.Expr, len(n.Names))
			for i, id := range n.Names {
				lhs[i] = id
				if len(n.Values) == 0 {
					m.recordSigsWrite(p.Info, id) // var sigs []os.Signal: may stay empty, every signal
				}
			}
			m.recordAssign(p.Info, lhs, n.Values)
		case *ast.CompositeLit:
			m.recordHookFields(p, n)
			m.recordFieldWrites(p.Info, n)
		case *ast.IfStmt:
			if reloadCond(p.Info, n.Cond) && !exits(p.Info, n.Body) {
				m.holes = append(m.holes, region{pos: n.Body.Pos(), end: n.Body.End()})
			} else if c, ok := ast.Unparen(n.Cond).(*ast.CallExpr); ok && len(c.Args) == 1 && isSignalType(p.Info.TypeOf(c.Args[0])) && !exits(p.Info, n.Body) {
				m.reloadIfs = append(m.reloadIfs, reloadIf{p.Info, c, n.Body})
			}
		case *ast.SwitchStmt:
			for _, c := range n.Body.List {
				if c := c.(*ast.CaseClause); reloadCase(p.Info, n.Tag, c.List) && !exits(p.Info, c) {
					m.holes = append(m.holes, region{pos: c.Colon, end: c.End()})
				}
			}
		case *ast.CallExpr:
			if id, ok := ast.Unparen(n.Fun).(*ast.Ident); ok && id.Name == "copy" && len(n.Args) == 2 {
				if _, ok := p.Info.Uses[id].(*types.Builtin); ok {
					m.recordSigsWrite(p.Info, n.Args[0])
				}
			}
			fn := callee(p.Info, n)
			m.recordHookArgs(p, fn, n)
			switch {
			case fn == nil:
			case isFunc(fn, "time", "Sleep"):
				if !slept.IsValid() {
					slept = n.Pos()
				}
			case isFunc(fn, "time", "AfterFunc"):
				timers = append(timers, n)
			case endsProcess(fn):
				mayForce = mayForce || slept.IsValid() && n.Pos() > slept || slices.ContainsFunc(timers, func(t ast.Node) bool {
					return t.Pos() < n.Pos() && n.End() <= t.End()
				})
			}
			if fn != nil && isFunc(fn, "os/signal", "Notify", "NotifyContext") && p.Types.Path() != "os/signal" {
				m.handles = true
				m.handlers[p.Types.Path()] = true
			}
			if fn != nil && isFunc(fn, "os/signal", "Notify") {
				fd, _ := d.(*ast.FuncDecl)
				m.notifyCalls = append(m.notifyCalls, notifyCall{p.Info, fd, n})
				if fd != nil {
					m.notifiers[fd] = p
					if v, ok := chanObject(p.Info, n.Args[0]).(*types.Var); ok && isParamOf(p.Info, fd, v) {
						m.paramNotify = true
					}
				}
			}
			if handsSignal(p.Info, fn, n) {
				m.mentions[p.Types.Path()] = true
				if fn != nil && fn.Pkg() != nil {
					m.signalsTo[fn.Pkg().Path()] = true
				}
			}
		case *ast.SelectorExpr:
			// signal.Notify kept in a variable (for tests) and
			// called through it.
			if fn, ok := p.Info.Uses[n.Sel].(*types.Func); ok && isFunc(fn, "os/signal", "Notify", "NotifyContext") && p.Types.Path() != "os/signal" {
				m.handles = true
				m.handlers[p.Types.Path()] = true
			}
		}
		return true
	})
	return mayForce
}

// A hookArg is a func value the program hands to another package, in a
// parameter or struct field whose name says it is called on a stop
// (interrupt, OnStop, shutdown, cleanup): a stop hook, if that package
// handles signals.
type hookArg struct {
	p   Package
	to  string   // the receiving package's path
	fun ast.Expr // the func literal, or the function or method value
}

// stopHookName reports whether a parameter or field so named receives a
// function to call when something stops: interrupt, stop, onStop,
// shutdown, teardown, cleanup, drain.
func stopHookName(name string) bool {
	name = strings.ToLower(name)
	for _, w := range []string{"interrupt", "stop", "shutdown", "teardown", "cleanup", "drain"} {
		if strings.Contains(name, w) {
			return true
		}
	}
	return false
}

// recordHookArgs remembers the func values call hands to fn's parameters
// named for a stop, when fn belongs to another package.
func (m *Model) recordHookArgs(p Package, fn *types.Func, call *ast.CallExpr) {
	if fn == nil || fn.Pkg() == nil || fn.Pkg() == p.Types {
		return
	}
	params := fn.Signature().Params()
	for i, a := range call.Args {
		j := i
		if j >= params.Len() {
			if !fn.Signature().Variadic() {
				break
			}
			j = params.Len() - 1
		}
		if isFuncType(p.Info.TypeOf(a)) && stopHookName(params.At(j).Name()) {
			m.hookArgs = append(m.hookArgs, hookArg{p, fn.Pkg().Path(), a})
		}
	}
}

// recordHookFields remembers the func values a composite literal of
// another package's struct type puts in fields named for a stop
// (fx.Hook{OnStop: ...}).
func (m *Model) recordHookFields(p Package, lit *ast.CompositeLit) {
	t := p.Info.TypeOf(lit)
	if t == nil {
		return
	}
	if ptr, ok := t.(*types.Pointer); ok {
		t = ptr.Elem()
	}
	named, ok := t.(*types.Named)
	if !ok || named.Obj().Pkg() == nil || named.Obj().Pkg() == p.Types {
		return
	}
	if _, ok := named.Underlying().(*types.Struct); !ok {
		return
	}
	for _, e := range lit.Elts {
		kv, ok := e.(*ast.KeyValueExpr)
		if !ok {
			continue
		}
		if key, ok := kv.Key.(*ast.Ident); ok && isFuncType(p.Info.TypeOf(kv.Value)) && stopHookName(key.Name) {
			m.hookArgs = append(m.hookArgs, hookArg{p, named.Obj().Pkg().Path(), kv.Value})
		}
	}
}

// findHooks makes the stop hooks regions that run after a stop: the func
// values the program hands (index recorded them) to a package it has no
// source for, which handles signals (it imports os/signal and names a
// termination signal, or the program hands it one), in a parameter or field named for
// a stop. A run group that catches SIGTERM and then calls each actor's
// interrupt function, or a framework's OnStop hook, runs them on the
// drain; drainfix cannot follow the call inside the dependency, but its
// API says what the function is for. It reports whether it found one.
func (m *Model) findHooks() bool {
	found := false
	for _, h := range m.hookArgs {
		if m.loaded[h.to] || !m.signalsTo[h.to] && !slices.Contains(m.importsOf(h.to), "os/signal") {
			continue
		}
		var body *ast.BlockStmt
		if lit, ok := ast.Unparen(h.fun).(*ast.FuncLit); ok {
			body = lit.Body
		} else if fn := callee(h.p.Info, &ast.CallExpr{Fun: h.fun}); fn != nil && m.decls[fn.Origin()] != nil {
			body = m.decls[fn.Origin()].Body // a function or method value
		}
		if body != nil {
			m.regions = append(m.regions, region{pos: body.Pos(), end: body.End(), called: true})
			found = true
		}
	}
	return found
}

// handsSignal reports whether call hands a termination signal
// (syscall.SIGTERM, os.Interrupt) to a function that may handle it itself,
// as a service framework does (svc.Run(prg, syscall.SIGINT,
// syscall.SIGTERM)): not to os/signal, and not to the functions of os,
// syscall and x/sys/unix that send signals.
func handsSignal(info *types.Info, fn *types.Func, call *ast.CallExpr) bool {
	if fn != nil && fn.Pkg() != nil {
		switch fn.Pkg().Path() {
		case "os/signal", "os", "syscall", "golang.org/x/sys/unix":
			return false
		}
	}
	for _, a := range call.Args {
		sel, ok := ast.Unparen(a).(*ast.SelectorExpr)
		if !ok {
			continue
		}
		obj := info.Uses[sel.Sel]
		if obj == nil || obj.Pkg() == nil {
			continue
		}
		switch path, name := obj.Pkg().Path(), obj.Name(); {
		case path == "syscall" && (name == "SIGTERM" || name == "SIGINT"),
			path == "golang.org/x/sys/unix" && (name == "SIGTERM" || name == "SIGINT"),
			path == "os" && name == "Interrupt":
			return true
		}
	}
	return false
}

// recordAssign remembers what each variable on the left is given.
func (m *Model) recordAssign(info *types.Info, lhs, rhs []ast.Expr) {
	obj := func(e ast.Expr) types.Object {
		id, ok := ast.Unparen(e).(*ast.Ident)
		if !ok || id.Name == "_" {
			return nil
		}
		if o := info.Defs[id]; o != nil {
			return o
		}
		return info.Uses[id]
	}
	switch {
	case len(lhs) == len(rhs):
		for i := range lhs {
			if o := obj(lhs[i]); o != nil {
				m.defs[o] = append(m.defs[o], rhs[i])
			}
		}
	case len(rhs) == 1 && len(lhs) >= 1:
		o := obj(lhs[0])
		if o == nil {
			return
		}
		m.defs[o] = append(m.defs[o], rhs[0])
		// ctx, cancel := context.WithCancel(parent): remember the cancel.
		if len(lhs) == 2 {
			if c := obj(lhs[1]); c != nil {
				m.cancels[o] = c
			}
		}
	}
}

// recordNotify remembers the channel signal.Notify(ch, sigs...) is given,
// and whether sigs may hold a termination signal: none (every signal), or
// any but the ones that ask for something else (reloadSignal: SIGHUP for a
// reload, the user signals, SIGWINCH, ...). A slice spread into the call
// is read through spreadSignals. A channel parameter given signals its
// callers name (func notifyReload(ch chan<- os.Signal, extra
// ...os.Signal) { signal.Notify(ch, append([]os.Signal{syscall.SIGHUP},
// extra...)...) }) is left to each call (recordWrapperCalls).
func (m *Model) recordNotify(c notifyCall) {
	info, call := c.info, c.call
	if len(call.Args) == 0 {
		return
	}
	obj := chanObject(info, call.Args[0])
	if obj == nil {
		return
	}
	args := call.Args[1:]
	s := sigSet{unknown: len(args) == 0}
	if call.Ellipsis.IsValid() && len(args) > 0 {
		s = m.spreadSignals(info, c.fd, args[len(args)-1], map[types.Object]bool{})
		args = args[:len(args)-1]
	}
	for _, a := range args {
		s.add(signalOf(info, a))
	}
	if s.asked && !s.stop && !s.unknown {
		if v, ok := obj.(*types.Var); ok && c.fd != nil && isParamOf(info, c.fd, v) {
			m.askedNotify[v.Origin()] = true
			return
		}
	}
	m.notified[obj] = m.notified[obj] || s.stop || s.unknown || s.asked
}

// A sigSet says what a list of signals may hold.
type sigSet struct {
	stop    bool // a stop signal (stopSignal)
	unknown bool // a signal that cannot be told
	asked   bool // the signals of a parameter: those its function's callers name
}

func (s *sigSet) add(t sigSet) {
	s.stop, s.unknown, s.asked = s.stop || t.stop, s.unknown || t.unknown, s.asked || t.asked
}

// signalOf tells what the one signal e is: a stop, a signal that asks for
// something else (reloadSignal: the empty sigSet), or one that cannot be
// told.
func signalOf(info *types.Info, e ast.Expr) sigSet {
	switch {
	case stopSignal(info, e):
		return sigSet{stop: true}
	case reloadSignal(info, e):
		return sigSet{}
	}
	return sigSet{unknown: true}
}

// spreadSignals tells what the signals of e, a slice of fd's (nil outside
// a function) spread into a call, may be: the elements of a composite
// literal, of an append's arguments, and of every value a variable of the
// program is given (signal.Notify(ch, append(reloadSignals,
// syscall.SIGUSR2)...), var reloadSignals = []os.Signal{syscall.SIGHUP}).
// A parameter of fd holds what its callers name (asked); anything else
// cannot be told. seen holds the variables being read, so a variable
// appended to itself adds only what it is given elsewhere.
func (m *Model) spreadSignals(info *types.Info, fd *ast.FuncDecl, e ast.Expr, seen map[types.Object]bool) (s sigSet) {
	switch x := ast.Unparen(e).(type) {
	case *ast.CompositeLit:
		if len(x.Elts) == 0 {
			// Notify with no signals relays every one.
			return sigSet{unknown: true}
		}
		for _, el := range x.Elts {
			if kv, ok := el.(*ast.KeyValueExpr); ok {
				el = kv.Value
			}
			s.add(signalOf(info, el))
		}
	case *ast.CallExpr:
		id, _ := ast.Unparen(x.Fun).(*ast.Ident)
		if b, ok := info.Uses[id].(*types.Builtin); !ok || b.Name() != "append" || len(x.Args) == 0 {
			return sigSet{unknown: true}
		}
		s.add(m.spreadSignals(info, fd, x.Args[0], seen))
		rest := x.Args[1:]
		if x.Ellipsis.IsValid() && len(rest) > 0 {
			s.add(m.spreadSignals(info, fd, rest[len(rest)-1], seen))
			rest = rest[:len(rest)-1]
		}
		for _, a := range rest {
			s.add(signalOf(info, a))
		}
	case *ast.Ident:
		v, ok := info.Uses[x].(*types.Var)
		switch {
		case !ok:
			return sigSet{unknown: true}
		case seen[v]:
		case fd != nil && isParamOf(info, fd, v):
			s.asked = true
		case len(m.defs[v]) == 0, m.sigsWritten[v], v.Exported() && v.Pkg() != nil && v.Parent() == v.Pkg().Scope():
			// Another package may change an exported variable.
			return sigSet{unknown: true}
		default:
			seen[v] = true
			for _, d := range m.defs[v] {
				s.add(m.spreadSignals(info, fd, d, seen))
			}
		}
	default:
		return sigSet{unknown: true}
	}
	return s
}

// selIdent returns sel's Sel when ok, else nil.
func selIdent(sel *ast.SelectorExpr, ok bool) *ast.Ident {
	if !ok {
		return nil
	}
	return sel.Sel
}

// chanObject returns the variable or field a channel expression names.
func chanObject(info *types.Info, e ast.Expr) types.Object {
	switch e := ast.Unparen(e).(type) {
	case *ast.Ident:
		return info.ObjectOf(e)
	case *ast.SelectorExpr:
		if v, ok := info.Uses[e.Sel].(*types.Var); ok {
			return v.Origin()
		}
	}
	return nil
}

// reloadOnly reports whether the signal channel ch is only ever given to
// signal.Notify with signals that do not stop a process (SIGHUP and the
// like): receiving from it is a reload or a dump, not a stop.
func (m *Model) reloadOnly(info *types.Info, ch ast.Expr) bool {
	obj := chanObject(info, ch)
	term, seen := m.notified[obj]
	return obj != nil && seen && !term
}

// recordFieldWrite remembers that the field sel names, when it holds a
// context, is set to e.
func (m *Model) recordFieldWrite(info *types.Info, sel *ast.Ident, e ast.Expr) {
	if v, ok := info.Uses[sel].(*types.Var); ok && v.IsField() {
		m.recordField(info, v, e)
	}
}

// recordField remembers that the field v, when it holds a context or a
// channel, is set to e.
func (m *Model) recordField(info *types.Info, v *types.Var, e ast.Expr) {
	if isNamed(v.Type(), "context", "Context") {
		m.fieldDefs[v.Origin()] = append(m.fieldDefs[v.Origin()], e)
	} else if _, ok := v.Type().Underlying().(*types.Chan); ok {
		m.chanFields[v.Origin()] = append(m.chanFields[v.Origin()], siteValue{info: info, expr: e})
	}
}

// recordFieldWrites remembers the context fields a struct literal sets, by
// key or by position.
func (m *Model) recordFieldWrites(info *types.Info, lit *ast.CompositeLit) {
	t := info.TypeOf(lit)
	if t == nil {
		return
	}
	st, ok := t.Underlying().(*types.Struct)
	if !ok {
		return
	}
	for i, e := range lit.Elts {
		if kv, ok := e.(*ast.KeyValueExpr); ok {
			if id, ok := kv.Key.(*ast.Ident); ok {
				m.recordFieldWrite(info, id, kv.Value)
			}
			continue
		}
		if i < st.NumFields() {
			m.recordField(info, st.Field(i), e)
		}
	}
}

// SignalCtx reports whether e is surely a context that the stop cancels: the
// context of signal.NotifyContext for a termination signal (SIGTERM,
// SIGINT, os.Interrupt, or every signal), one derived from it by a
// function whose result is cancelled with its parent (context.WithCancel, WithTimeout,
// WithDeadline and their Cause variants, WithValue, errgroup.WithContext;
// not WithoutCancel), a variable every assignment of which is such a
// context, a parameter of a program function every call of which (none
// through a func value or an interface) passes one, or a field of the
// program's structs that is set (outside tests) only to such contexts. A
// call of anything else, or a field or parameter given another context
// anywhere, is not. When a program's drain runs on the signal, such a
// context is done.
func (m *Model) SignalCtx(info *types.Info, e ast.Expr) bool {
	return m.signalCtx(info, e, map[types.Object]bool{})
}

func (m *Model) signalCtx(info *types.Info, e ast.Expr, seen map[types.Object]bool) bool {
	all := func(obj types.Object, defs []ast.Expr, infoOf func(ast.Expr) *types.Info) bool {
		if len(defs) == 0 || seen[obj] {
			return false
		}
		seen[obj] = true
		for _, d := range defs {
			if !m.signalCtx(infoOf(d), d, seen) {
				return false
			}
		}
		return true
	}
	switch e := ast.Unparen(e).(type) {
	case *ast.CallExpr:
		fn := callee(info, e)
		switch {
		case fn == nil:
			return false
		case isFunc(fn, "os/signal", "NotifyContext"):
			return len(e.Args) == 1 || handsSignal(info, nil, e) // no signals: every one
		case cancelledWithParent(fn):
			return len(e.Args) > 0 && m.signalCtx(info, e.Args[0], seen)
		}
		return false
	case *ast.Ident:
		v, ok := info.ObjectOf(e).(*types.Var)
		if !ok || v.IsField() {
			return false
		}
		if defs := m.defs[v]; len(defs) > 0 {
			return all(v, defs, func(ast.Expr) *types.Info { return info })
		}
		// A parameter: what every call of its function passes.
		m.ctxOnce.Do(m.indexCtxParams)
		cp, ok := m.ctxParams[v]
		if !ok || m.ctxEscape[cp.fn] || seen[v] {
			return false
		}
		calls := m.ctxCalls[cp.fn]
		if len(calls) == 0 {
			return false
		}
		seen[v] = true
		for _, c := range calls {
			if cp.i >= len(c.call.Args) || !m.signalCtx(c.info, c.call.Args[cp.i], seen) {
				return false
			}
		}
		return true
	case *ast.SelectorExpr:
		v, ok := info.Uses[e.Sel].(*types.Var)
		if !ok || !v.IsField() {
			return false
		}
		return all(v.Origin(), m.fieldDefs[v.Origin()], m.infoOf)
	}
	return false
}

// A ctxParam is a context parameter: its function and its index.
type ctxParam struct {
	fn *types.Func
	i  int
}

// A ctxCall is a call of a function with a context parameter.
type ctxCall struct {
	info *types.Info
	call *ast.CallExpr
}

// indexCtxParams records the context parameters of the program's
// functions, every call of those functions, and which of them are also
// used as values (their calls then cannot all be seen).
func (m *Model) indexCtxParams() {
	m.ctxParams, m.ctxCalls, m.ctxEscape, m.ctxValue = map[*types.Var]ctxParam{}, map[*types.Func][]ctxCall{}, map[*types.Func]bool{}, map[*types.Func]bool{}
	withCtx := map[*types.Func]bool{}
	for fn := range m.decls {
		params := fn.Signature().Params()
		for i := range params.Len() {
			if isNamed(params.At(i).Type(), "context", "Context") && !fn.Signature().Variadic() {
				m.ctxParams[params.At(i)] = ctxParam{fn: fn, i: i}
				withCtx[fn] = true
			}
		}
	}
	if len(withCtx) == 0 {
		return
	}
	viaIface := map[string]bool{}
	defer func() {
		for fn := range withCtx {
			if fn.Signature().Recv() != nil && viaIface[fn.Name()] {
				m.ctxEscape[fn] = true
			}
		}
	}()
	for _, p := range m.pkgs {
		for _, f := range p.Files {
			called := map[*ast.Ident]bool{}
			ast.Inspect(f, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.CallExpr:
					fun := ast.Unparen(n.Fun)
					if ix, ok := fun.(*ast.IndexExpr); ok {
						fun = ix.X
					}
					var id *ast.Ident
					switch fun := fun.(type) {
					case *ast.Ident:
						id = fun
					case *ast.SelectorExpr:
						id = fun.Sel
					}
					if id == nil {
						return true
					}
					fn, ok := p.Info.Uses[id].(*types.Func)
					if ok && fn.Signature().Recv() != nil && types.IsInterface(fn.Signature().Recv().Type()) {
						viaIface[fn.Name()] = true // reaches the program's methods of that name unseen
					}
					if ok && withCtx[fn.Origin()] {
						called[id] = true
						m.ctxCalls[fn.Origin()] = append(m.ctxCalls[fn.Origin()], ctxCall{info: p.Info, call: n})
					}
				case *ast.Ident:
					if fn, ok := p.Info.Uses[n].(*types.Func); ok && withCtx[fn.Origin()] && !called[n] {
						m.ctxEscape[fn.Origin()] = true
						m.ctxValue[fn.Origin()] = true
					}
				}
				return true
			})
		}
	}
}

// cancelledWithParent reports whether fn derives a context that is done as
// soon as its parent is (context.WithCancel, WithTimeout, WithDeadline and
// their Cause variants, WithValue, errgroup.WithContext; not
// WithoutCancel).
func cancelledWithParent(fn *types.Func) bool {
	return isFunc(fn, "context", "WithCancel", "WithCancelCause", "WithTimeout", "WithTimeoutCause",
		"WithDeadline", "WithDeadlineCause", "WithValue") ||
		isFunc(fn, "golang.org/x/sync/errgroup", "WithContext")
}

// infoOf returns the type information of the package holding e.
func (m *Model) infoOf(e ast.Expr) *types.Info {
	for _, p := range m.pkgs {
		for _, f := range p.Files {
			if f.Pos() <= e.Pos() && e.End() <= f.End() {
				return p.Info
			}
		}
	}
	return &types.Info{}
}

// findStops walks every function for the places the program learns it must
// stop and records the code that runs after each.
func (m *Model) findStops() {
	m.walkWithStack(func(p Package, n ast.Node, stack []ast.Node) {
		switch n := n.(type) {
		case *ast.UnaryExpr:
			if n.Op == token.ARROW && !m.stopAt[n.Pos()] && isSignalChan(p.Info.TypeOf(n.X)) && m.reloadOnly(p.Info, n.X) {
				// <-upgrade; spawn(); p.Stop(); os.Exit(0), also as a
				// select case.
				m.stopAt[n.Pos()] = true
				m.addHandovers(p.Info, afterRecv(n, stack))
			}
			if n.Op == token.ARROW && !m.stopAt[n.Pos()] {
				if sig, ok := m.stopChan(p.Info, n.X); ok && !m.joinInDrain(p.Info, n, stack) {
					m.stopAt[n.Pos()] = true
					m.addStop(p.Info, n.Pos(), sig, stack)
				}
			}
		case *ast.CallExpr:
			// context.AfterFunc(ctx, f): f runs once the stop ends ctx.
			if c := callee(p.Info, n); c != nil && isFunc(c, "context", "AfterFunc") && len(n.Args) == 2 &&
				!m.stopAt[n.Pos()] && m.stopCtx(p.Info, n.Args[0]) {
				m.stopAt[n.Pos()] = true
				var body *ast.BlockStmt
				if lit, ok := ast.Unparen(n.Args[1]).(*ast.FuncLit); ok {
					body = lit.Body
				} else if fn := callee(p.Info, &ast.CallExpr{Fun: n.Args[1]}); fn != nil && m.decls[fn.Origin()] != nil {
					body = m.decls[fn.Origin()].Body // a function or method value
				}
				if body != nil {
					m.regions = append(m.regions, region{pos: body.Pos(), end: body.End(), called: true})
				}
			}
		case *ast.RangeStmt:
			if !m.stopAt[n.Pos()] && isSignalChan(p.Info.TypeOf(n.X)) && m.reloadOnly(p.Info, n.X) {
				m.stopAt[n.Pos()] = true
				m.addHandovers(p.Info, n.Body.List)
			}
			if !m.stopAt[n.Pos()] && (isSignalChan(p.Info.TypeOf(n.X)) && !m.reloadOnly(p.Info, n.X) || m.relays[chanKey(p.Info, n.X)]) {
				m.stopAt[n.Pos()] = true
				m.regions = append(m.regions, region{pos: n.Body.Pos(), end: n.Body.End()})
				if m.leavesLoop(n, stack) {
					// for s := range sigs { if s == syscall.SIGHUP {
					// reload(); continue }; break }: what follows the
					// loop, and the function's deferred calls, run after
					// the stop too.
					m.addStop(p.Info, n.Pos(), true, stack)
				} else {
					m.stops = append(m.stops, Stop{Pos: n.Pos(), Signal: true})
					m.waits = append(m.waits, n.Pos())
				}
			}
		}
	})
}

// addHandovers records, in list (code that runs on a signal that asks
// for no stop, SIGHUP or SIGUSR2, and the blocks and case bodies nested
// in it), each statement list that ends in os.Exit(0) as a stop and code
// that runs after it: an upgrade hands over to a new process, drains this
// one and exits (for range hup { if err := startChild(); err != nil {
// continue }; p.Stop(); os.Exit(0) }). Of the list, the statements that
// may leave it early (a continue, break, goto or return that leaves it)
// are left out, so a reload that continues is not taken for the
// handover; so are defer statements, which os.Exit skips. An exit with
// another status (a reload that failed) is no drain.
func (m *Model) addHandovers(info *types.Info, list []ast.Stmt) {
	tail := func(list []ast.Stmt) {
		if len(list) < 2 || !exitsZero(info, list[len(list)-1]) {
			return
		}
		first := true
		for _, st := range list[:len(list)-1] {
			if _, ok := st.(*ast.DeferStmt); ok || leaves(st) {
				continue
			}
			if first {
				m.stops = append(m.stops, Stop{Pos: st.Pos(), Signal: true})
				first = false
			}
			m.regions = append(m.regions, region{pos: st.Pos(), end: st.End()})
		}
	}
	tail(list)
	for _, st := range list {
		ast.Inspect(st, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.FuncLit:
				return false
			case *ast.BlockStmt:
				tail(n.List)
			case *ast.CaseClause:
				tail(n.Body)
			case *ast.CommClause:
				tail(n.Body)
			}
			return true
		})
	}
}

// leaves reports whether st holds (outside func literals) a return, a
// goto, a labeled branch, or a break or continue not of a loop (or, for a
// break, a switch or select) within st: it may leave the list it is in
// before the list's end.
func leaves(st ast.Stmt) bool {
	found := false
	var walk func(n ast.Node, inLoop, inSwitch bool)
	walk = func(n ast.Node, inLoop, inSwitch bool) {
		switch n.(type) {
		case *ast.ForStmt, *ast.RangeStmt:
			inLoop = true
		case *ast.SwitchStmt, *ast.TypeSwitchStmt, *ast.SelectStmt:
			inSwitch = true
		}
		ast.Inspect(n, func(c ast.Node) bool {
			if found {
				return false
			}
			switch c := c.(type) {
			case *ast.FuncLit:
				return false
			case *ast.ForStmt, *ast.RangeStmt, *ast.SwitchStmt, *ast.TypeSwitchStmt, *ast.SelectStmt:
				if c != n {
					walk(c, inLoop, inSwitch)
					return false
				}
			case *ast.ReturnStmt:
				found = true
			case *ast.BranchStmt:
				switch {
				case c.Label != nil || c.Tok == token.GOTO:
					found = true
				case c.Tok == token.CONTINUE:
					found = !inLoop
				case c.Tok == token.BREAK:
					found = !inLoop && !inSwitch
				}
			}
			return !found
		})
	}
	walk(st, false, false)
	return found
}

// afterRecv returns the statements that run after the receive recv, at
// the end of stack, in the list of the statement it is made in: the body
// of the select case it is the comm of, or the statements after it in its
// block.
func afterRecv(recv ast.Node, stack []ast.Node) []ast.Stmt {
	for i := len(stack) - 1; i > 0; i-- {
		st, ok := stack[i].(ast.Stmt)
		if !ok {
			continue
		}
		switch parent := stack[i-1].(type) {
		case *ast.CommClause:
			if parent.Comm == st {
				return parent.Body
			}
		case *ast.BlockStmt:
			if j := slices.Index(parent.List, st); j >= 0 {
				return parent.List[j+1:]
			}
		case *ast.CaseClause:
			if j := slices.Index(parent.Body, st); j >= 0 {
				return parent.Body[j+1:]
			}
		}
		return nil
	}
	return nil
}

// exitsZero reports whether s is os.Exit(0).
func exitsZero(info *types.Info, s ast.Stmt) bool {
	es, ok := s.(*ast.ExprStmt)
	if !ok {
		return false
	}
	call, ok := ast.Unparen(es.X).(*ast.CallExpr)
	if !ok || len(call.Args) != 1 {
		return false
	}
	if fn := callee(info, call); fn == nil || !isFunc(fn, "os", "Exit") {
		return false
	}
	v := info.Types[call.Args[0]].Value
	return v != nil && v.Kind() == constant.Int && constant.Sign(v) == 0
}

// returnsRelay reports whether fd returns, in a return statement of its
// own (not of a func literal), a variable that is a relay.
func (m *Model) returnsRelay(info *types.Info, fd *ast.FuncDecl) bool {
	found := false
	ast.Inspect(fd.Body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit:
			return false
		case *ast.ReturnStmt:
			for _, r := range n.Results {
				if k := chanKey(info, r); k != nil && m.relays[k] {
					found = true
				}
			}
		}
		return !found
	})
	return found
}

// chanResult reports whether fn returns a channel.
func chanResult(fn *types.Func) bool {
	res := fn.Signature().Results()
	for i := range res.Len() {
		if _, ok := res.At(i).Type().Underlying().(*types.Chan); ok {
			return true
		}
	}
	return false
}

// relayCall reports whether e calls a function that returns a relay it
// makes (relayFns).
func (m *Model) relayCall(info *types.Info, e ast.Expr) bool {
	if len(m.relayFns) == 0 || info == nil {
		return false
	}
	call, ok := ast.Unparen(e).(*ast.CallExpr)
	if !ok {
		return false
	}
	fn := callee(info, call)
	return fn != nil && m.relayFns[fn.Origin()]
}

// joinedBy returns the path, from stack[0], of the first statement
// wg.Wait() after the go statement stack[gi] in its block, on a
// sync.WaitGroup the started code is handed (go f(&wg)) or refers to (a
// literal's wg.Done()); nil for none.
func joinedBy(info *types.Info, stack []ast.Node, gi int) []ast.Node {
	g := stack[gi].(*ast.GoStmt)
	blk, ok := stack[gi-1].(*ast.BlockStmt)
	if !ok {
		return nil
	}
	groups := map[types.Object]bool{}
	ast.Inspect(g.Call, func(n ast.Node) bool {
		if id, ok := n.(*ast.Ident); ok {
			if v, ok := info.Uses[id].(*types.Var); ok && isWaitGroup(v.Type()) {
				groups[v.Origin()] = true
			}
		}
		return true
	})
	if len(groups) == 0 {
		return nil
	}
	after := false
	for _, st := range blk.List {
		if !after {
			after = st == g
			continue
		}
		es, ok := st.(*ast.ExprStmt)
		if !ok {
			continue
		}
		call, ok := es.X.(*ast.CallExpr)
		if !ok {
			continue
		}
		if sel, ok := call.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "Wait" && isWaitGroup(info.TypeOf(sel.X)) && groups[objOf(info, sel.X)] {
			return append(slices.Clone(stack[:gi]), es, call)
		}
	}
	return nil
}

// isWaitGroup reports whether t is a sync.WaitGroup or a pointer to one.
func isWaitGroup(t types.Type) bool {
	if p, ok := t.(*types.Pointer); ok {
		t = p.Elem()
	}
	return isNamed(t, "sync", "WaitGroup")
}

// startedOrDeferred reports whether call, the last of stack, is the call
// of a go or defer statement: its caller goes on at once, not after it
// returns.
func startedOrDeferred(call *ast.CallExpr, stack []ast.Node) bool {
	if len(stack) < 2 {
		return false
	}
	switch st := stack[len(stack)-2].(type) {
	case *ast.GoStmt:
		return st.Call == call
	case *ast.DeferStmt:
		return st.Call == call
	}
	return false
}

// leavesLoop reports whether the body of loop, the last of stack, has a
// break or a return that leaves it, outside code run only for a signal
// that is no stop (inHole).
func (m *Model) leavesLoop(loop *ast.RangeStmt, stack []ast.Node) bool {
	var label string
	if len(stack) > 1 {
		if l, ok := stack[len(stack)-2].(*ast.LabeledStmt); ok {
			label = l.Label.Name
		}
	}
	leaves := false
	var walk func(n ast.Node, nested bool)
	walk = func(n ast.Node, nested bool) {
		ast.Inspect(n, func(n ast.Node) bool {
			if leaves || n == nil || m.inHole(n.Pos()) {
				return false
			}
			switch n := n.(type) {
			case *ast.FuncLit:
				return false
			case *ast.ReturnStmt:
				leaves = true
			case *ast.BranchStmt:
				if n.Tok == token.BREAK && (n.Label == nil && !nested || n.Label != nil && n.Label.Name == label) {
					leaves = true
				}
			case *ast.ForStmt, *ast.RangeStmt, *ast.SwitchStmt, *ast.TypeSwitchStmt, *ast.SelectStmt:
				if !nested {
					walk(n, true) // a break in it leaves it, not loop
					return false
				}
			}
			return true
		})
	}
	for _, st := range loop.Body.List {
		walk(st, false)
	}
	return leaves
}

// ForcesExit reports whether a program holding pkg forces its exit a
// fixed time (configured, or a constant of at most forcedExitLimit) after
// it learns it must stop: drain
// code sleeps and then exits or kills the process, or arms a timer that
// does. Every drain of that program is bounded by it.
//
// In a library with no main that holds pkg, the program is pkg and what it
// imports: a framework's shutdown package forcing the exit bounds the
// drains of the packages that register with it.
func (m *Model) ForcesExit(pkg *types.Package) bool {
	if m.deferred && !m.mayForceIn(pkg) {
		return false // without the call-graph closure, which only this needs
	}
	m = m.full()
	forced := func(paths map[string]bool) bool {
		for path := range m.forcers {
			if paths[path] {
				return true
			}
		}
		return false
	}
	held := false
	for _, main := range m.mains {
		if paths := m.imports(main); paths[pkg.Path()] {
			held = true
			if forced(paths) {
				return true
			}
		}
	}
	if held || len(m.forcers) == 0 {
		return false
	}
	return forced(m.importClosure(pkg, map[string]*types.Package{}))
}

// mayForceIn reports whether some package pkg imports (or pkg itself)
// can be a forcer: findForcedExits requires a delay and something that
// ends the process in one function. In a load with no main, a false
// answer spares the call-graph closure.
func (m *Model) mayForceIn(pkg *types.Package) bool {
	if len(m.mayForce) == 0 {
		return false
	}
	for path := range m.importClosure(pkg, map[string]*types.Package{}) {
		if m.mayForce[path] {
			return true
		}
	}
	return false
}

// endsProcess reports whether a call of fn ends the process: os.Exit,
// a kill or signal sent to a process, or a logging package's Fatal
// (log.Fatal, zerolog's log.Fatal().Msg(...), logrus, zap).
func endsProcess(fn *types.Func) bool {
	if fn == nil || fn.Pkg() == nil {
		return false
	}
	path := fn.Pkg().Path()
	return isFunc(fn, "os", "Exit") || isFunc(fn, "syscall", "Kill") ||
		path == "os" && fn.Signature().Recv() != nil && (fn.Name() == "Kill" || fn.Name() == "Signal") ||
		strings.Contains(path, "log") && strings.HasPrefix(fn.Name(), "Fatal")
}

// forcedExitLimit is the longest constant forced exit that bounds a
// drain: the grace period orchestrators give by default (Kubernetes: 30s).
// A process that drains for a minute before its fallback exit is killed
// first.
const forcedExitLimit = 30 * time.Second

// BoundsDrain reports whether the delay d (a time.Duration expression)
// bounds a drain: a budget the program computes (from its configuration)
// is the one its users chose; a constant must be at most forcedExitLimit,
// the default grace period.
func BoundsDrain(info *types.Info, d ast.Expr) bool {
	tv := info.Types[d]
	if tv.Value == nil || tv.Value.Kind() != constant.Int {
		return true
	}
	v, exact := constant.Int64Val(tv.Value)
	return exact && v >= 0 && time.Duration(v) <= forcedExitLimit
}

// findForcedExits records the packages whose drain code (a function on a
// drain path, or code after a stop) sleeps and then, in the same block,
// ends the process, or hands a func that ends it to time.AfterFunc. A delay the code computes
// (from its configuration) is the budget its users chose and counts; a
// constant one counts when it is at most forcedExitLimit.
func (m *Model) findForcedExits() {
	ends := func(info *types.Info, n ast.Node) bool {
		found := false
		ast.Inspect(n, func(n ast.Node) bool {
			if call, ok := n.(*ast.CallExpr); ok && endsProcess(callee(info, call)) {
				found = true
			}
			return !found
		})
		return found
	}
	within := BoundsDrain
	m.eachFunc(func(p Package, fd *ast.FuncDecl, inDrain bool) {
		ast.Inspect(fd.Body, func(n ast.Node) bool {
			var list []ast.Stmt
			switch n := n.(type) {
			case *ast.BlockStmt:
				list = n.List
			case *ast.CaseClause:
				list = n.Body
			case *ast.CommClause:
				list = n.Body
			case *ast.CallExpr:
				c := callee(p.Info, n)
				if c != nil && isFunc(c, "time", "AfterFunc") && len(n.Args) == 2 &&
					(inDrain || m.inRegion(n.Pos())) && ends(p.Info, n.Args[1]) && within(p.Info, n.Args[0]) {
					m.forcers[p.Types.Path()] = true
				}
			}
			// A sleep and then, in the same block, a statement that
			// ends the process: the exit comes whatever happens. An
			// exit under a condition after a sleep (a start-up retry
			// that gives up) is error handling, not a forced exit.
			var slept ast.Expr
			for _, st := range list {
				call := stmtCall(st)
				if call == nil || !(inDrain || m.inRegion(call.Pos())) {
					continue
				}
				if c := callee(p.Info, call); c != nil && isFunc(c, "time", "Sleep") && len(call.Args) == 1 {
					slept = call.Args[0]
				} else if slept != nil && ends(p.Info, call) && within(p.Info, slept) {
					m.forcers[p.Types.Path()] = true
				}
			}
			return true
		})
	})
}

// stmtCall returns the call a statement makes and nothing else: f(x), or
// _ = f(x) (the error of a syscall.Kill dropped), or nil.
func stmtCall(st ast.Stmt) *ast.CallExpr {
	switch st := st.(type) {
	case *ast.ExprStmt:
		call, _ := st.X.(*ast.CallExpr)
		return call
	case *ast.AssignStmt:
		if len(st.Rhs) != 1 {
			return nil
		}
		for _, l := range st.Lhs {
			if id, ok := l.(*ast.Ident); !ok || id.Name != "_" {
				return nil
			}
		}
		call, _ := st.Rhs[0].(*ast.CallExpr)
		return call
	}
	return nil
}

// eachFunc calls visit for every function declaration with a body, and
// whether it is on a drain path.
func (m *Model) eachFunc(visit func(p Package, fd *ast.FuncDecl, inDrain bool)) {
	for _, p := range m.pkgs {
		for _, f := range p.Files {
			for _, d := range f.Decls {
				if fd, ok := d.(*ast.FuncDecl); ok && fd.Body != nil {
					fn, _ := p.Info.Defs[fd.Name].(*types.Func)
					visit(p, fd, fn != nil && m.onDrain[fn])
				}
			}
		}
	}
}

// joinInDrain reports whether the receive recv, whose syntax path is
// stack, takes a relayed stop in code that already runs on the drain: a
// drain waiting for its goroutines to report that they are gone (<-done
// after close(quit)) is joining them, not learning that it must stop.
func (m *Model) joinInDrain(info *types.Info, recv *ast.UnaryExpr, stack []ast.Node) bool {
	if k := chanKey(info, recv.X); k == nil || !m.relays[k] {
		return false
	}
	if m.inRegion(recv.Pos()) {
		return true
	}
	for _, n := range stack {
		if fd, ok := n.(*ast.FuncDecl); ok {
			fn, _ := info.Defs[fd.Name].(*types.Func)
			return fn != nil && m.onDrain[fn]
		}
	}
	return false
}

// findRelays adds to relays the channels that drain code closes or sends
// on, and the channel parameters such channels are passed to; it reports
// whether it found any new one.
func (m *Model) findRelays() bool {
	before := len(m.relays)
	add := func(k types.Object) {
		if k != nil {
			m.relays[k] = true
		}
	}
	m.eachFunc(func(p Package, fd *ast.FuncDecl, inDrain bool) {
		wrapper := m.wrappers[fd]
		// A signal wrapper: signal.Notify on a channel of its own, each
		// signal forwarded (sent, or the channel closed) into the
		// caller's channel, unless the branch it is forwarded in is
		// taken only for a signal that does not stop a process.
		forwards := func(k types.Object, pos token.Pos) {
			v, ok := k.(*types.Var)
			if !ok || !m.inRegion(pos) || !isParamOf(p.Info, fd, v) {
				return
			}
			if wrapper == 0 {
				// func relay(sigs <-chan os.Signal, stop chan<-
				// struct{}) { <-sigs; stop <- struct{}{} }: the
				// caller's channel is sent on after the stop.
				m.sentParams[v.Origin()] = true
			} else if !underReloadBranch(p.Info, fd.Body, pos) {
				m.forwards[v] = wrapper
			}
		}
		ast.Inspect(fd.Body, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.SendStmt:
				if inDrain || m.inRegion(n.Pos()) {
					k := chanKey(p.Info, n.Chan)
					add(k)
					forwards(k, n.Pos())
				}
			case *ast.CallExpr:
				if id, ok := ast.Unparen(n.Fun).(*ast.Ident); ok && id.Name == "close" && len(n.Args) == 1 {
					if _, ok := p.Info.Uses[id].(*types.Builtin); ok && (inDrain || m.inRegion(n.Pos())) {
						k := chanKey(p.Info, n.Args[0])
						add(k)
						forwards(k, n.Pos())
					}
				}
			}
			return true
		})
	})
	// A function that returns a relay (stop := make(chan struct{}); go
	// func() { <-sig; close(stop) }(); return stop, or a Done accessor
	// of a field the drain closes) hands it to its callers: what they
	// keep its result in is a relay too, and so is a field given a relay.
	infos := map[*types.Package]*types.Info{}
	for _, p := range m.pkgs {
		infos[p.Types] = p.Info
	}
	for grew := true; grew; {
		grew = false
		for fn, fd := range m.decls {
			if !m.relayFns[fn] && chanResult(fn) && m.returnsRelay(infos[fn.Pkg()], fd) {
				m.relayFns[fn], grew = true, true
			}
		}
		for f, vals := range m.chanFields {
			if !m.relays[f] && slices.ContainsFunc(vals, func(v siteValue) bool { return m.relays[chanKey(v.info, v.expr)] || m.relayCall(v.info, v.expr) }) {
				add(f)
				grew = true
			}
		}
	}
	if len(m.relayFns) > 0 {
		names := map[string]bool{}
		for fn := range m.relayFns {
			names[fn.Name()] = true
		}
		named := func(d ast.Expr) bool { // the call's function is so named: worth finding its types
			call, ok := ast.Unparen(d).(*ast.CallExpr)
			if !ok {
				return false
			}
			switch f := ast.Unparen(call.Fun).(type) {
			case *ast.Ident:
				return names[f.Name]
			case *ast.SelectorExpr:
				return names[f.Sel.Name]
			}
			return false
		}
		for obj, defs := range m.defs {
			if slices.ContainsFunc(defs, func(d ast.Expr) bool { return named(d) && m.relayCall(m.infoOf(d), d) }) {
				add(obj)
			}
		}
	}
	// A relay handed to a function is that function's channel parameter,
	// and a channel handed to a parameter the function sends on or
	// closes after a stop of its own is a relay. The channel a signal
	// wrapper forwards into is the caller's signal channel, when the
	// wrapper or the call names a stop signal; and a parameter of the
	// caller handed on so is forwarded into in turn (a wrapper of a
	// wrapper).
	m.eachCallArg(func(p Package, fd *ast.FuncDecl, call *ast.CallExpr, i int, param *types.Var) {
		a := call.Args[i]
		if m.relays[chanKey(p.Info, a)] || m.relayCall(p.Info, a) {
			add(param.Origin())
		}
		if m.sentParams[param.Origin()] {
			add(chanKey(p.Info, a))
		}
		kind, ok := m.forwards[param.Origin()]
		if !ok || kind == forwardAsked && !m.asksStop(p.Info, fd, call, i) {
			return
		}
		k := chanKey(p.Info, a)
		add(k)
		if v, ok := k.(*types.Var); ok && fd != nil && isParamOf(p.Info, fd, v) {
			m.forwards[v] = forwardAlways // the call names a stop signal, or the wrapper does
		}
	})
	return len(m.relays) > before
}

// recordWrapperCalls records the os.Signal channels handed to signal
// wrappers (wrapperKind) the way recordNotify records those handed to
// signal.Notify: a channel the wrapper forwards into only in branches
// taken for a reload, or one whose call names no stop signal while the
// wrapper takes its signals from the call, is given no termination
// signal, so receiving from it is no stop.
func (m *Model) recordWrapperCalls() {
	params := map[*types.Var]forward{} // the forwarded-into channel parameters; 0 for a reload's only
	for fd, p := range m.notifiers {
		kind := m.wrapperKind(p.Info, fd)
		if kind == 0 {
			continue
		}
		m.wrappers[fd] = kind
		ast.Inspect(fd.Body, func(n ast.Node) bool {
			var ch ast.Expr
			switch n := n.(type) {
			case *ast.SendStmt:
				ch = n.Chan
			case *ast.CallExpr:
				if id, ok := ast.Unparen(n.Fun).(*ast.Ident); ok && id.Name == "close" && len(n.Args) == 1 {
					if _, ok := p.Info.Uses[id].(*types.Builtin); ok {
						ch = n.Args[0]
					}
				}
			}
			if ch == nil {
				return true
			}
			if v, ok := chanKey(p.Info, ch).(*types.Var); ok && isParamOf(p.Info, fd, v) {
				if !underReloadBranch(p.Info, fd.Body, n.Pos()) {
					params[v] = kind
				} else if _, seen := params[v]; !seen {
					params[v] = 0
				}
			}
			return true
		})
	}
	if len(params) == 0 && !m.paramNotify {
		return
	}
	m.eachCallArg(func(p Package, fd *ast.FuncDecl, call *ast.CallExpr, i int, param *types.Var) {
		kind, ok := params[param.Origin()]
		a := call.Args[i]
		obj := chanObject(p.Info, a)
		if obj == nil || !isSignalChan(p.Info.TypeOf(a)) {
			return
		}
		// func notifyReload(ch chan<- os.Signal) { signal.Notify(ch,
		// syscall.SIGHUP) }: the caller's channel is given what the
		// parameter is.
		if term, seen := m.notified[param.Origin()]; seen {
			m.notified[obj] = m.notified[obj] || term
		}
		if m.askedNotify[param.Origin()] {
			m.notified[obj] = m.notified[obj] || m.asksStop(p.Info, fd, call, i)
		}
		if !ok {
			return
		}
		term := kind == forwardAlways || kind == forwardAsked && m.asksStop(p.Info, fd, call, i)
		m.notified[obj] = m.notified[obj] || term
	})
}

// recordSignalParams records what the os.Signal channel parameters of
// the program's functions are given: what every call passes for them
// (func watchReload(ch chan os.Signal) { for range ch { ... } }, called
// only with a channel given SIGHUP, receives no stop). A parameter its own
// function hands to signal.Notify is left as recordNotify has it; one of
// a method, or of a function also used as a value (callers unseen), or
// passed a channel of unknown signals, may receive a stop.
func (m *Model) recordSignalParams() {
	// Only a channel given no termination signal can make a parameter
	// receive no stop: most programs have none, and skip the walk.
	reload := false
	for _, term := range m.notified {
		reload = reload || !term
	}
	if !reload {
		return
	}
	own := map[types.Object]bool{}
	for o := range m.notified {
		own[o] = true
	}
	for v := range m.askedNotify {
		own[v] = true
	}
	type site struct {
		info *types.Info
		arg  ast.Expr
	}
	sites := map[*types.Var][]site{}
	fnOf := map[*types.Var]*types.Func{}
	m.eachCallArg(func(p Package, _ *ast.FuncDecl, call *ast.CallExpr, i int, param *types.Var) {
		a := call.Args[i]
		v := param.Origin()
		if own[v] || !isSignalChan(p.Info.TypeOf(a)) {
			return
		}
		sites[v] = append(sites[v], site{p.Info, a})
		fnOf[v] = callee(p.Info, call)
	})
	// Parameters whose calls can all be seen and that their function
	// never sets (ch = term).
	var params []*types.Var
	for v := range sites {
		fn := fnOf[v]
		if fn == nil || fn.Signature().Recv() != nil || len(m.defs[v]) > 0 || m.sigsWritten[v] {
			m.notified[v] = true
			continue
		}
		if m.funcArgs == nil {
			m.funcArgs = m.indexFuncArgs()
		}
		if m.funcArgs.asValue[fn.Origin()] {
			m.notified[v] = true
			continue
		}
		params = append(params, v)
	}
	// A parameter handed on to another function's (serve(ch) {
	// watch(ch) }) holds what it is given: rounds until nothing changes,
	// from "may stop" for what is not yet known.
	for _, v := range params {
		m.notified[v] = false
	}
	for changed, round := true, 0; changed && round < 8; round++ {
		changed = false
		for _, v := range params {
			term := false
			for _, s := range sites[v] {
				obj := chanObject(s.info, s.arg)
				t, seen := m.notified[obj]
				term = term || !seen || t || m.sigsWritten[obj]
			}
			if term && !m.notified[v] {
				m.notified[v] = true
				changed = true
			}
		}
	}
}

// eachCallArg calls visit for each argument of each call, in the loaded
// files, of a function whose object is known, with the parameter the
// argument fills (none for the extra arguments of a variadic call) and the
// function declaration the call is made in (nil outside one).
func (m *Model) eachCallArg(visit func(p Package, fd *ast.FuncDecl, call *ast.CallExpr, i int, param *types.Var)) {
	for _, p := range m.pkgs {
		for _, f := range p.Files {
			for _, d := range f.Decls {
				fd, _ := d.(*ast.FuncDecl)
				ast.Inspect(d, func(n ast.Node) bool {
					call, ok := n.(*ast.CallExpr)
					if !ok {
						return true
					}
					fn := callee(p.Info, call)
					if fn == nil {
						return true
					}
					params := fn.Signature().Params()
					for i := range call.Args {
						if i >= params.Len() {
							break
						}
						visit(p, fd, call, i, params.At(i))
					}
					return true
				})
			}
		}
	}
}

// A forward says which signals a signal wrapper forwards into a channel
// parameter.
type forward int

const (
	forwardAlways forward = iota + 1 // a stop signal the wrapper names itself
	forwardAsked                     // those its caller names: a stop only when the call names one (asksStop)
)

// wrapperKind returns how the function fd forwards signals: 0 when it
// calls no signal.Notify, forwardAlways when every Notify it makes names
// its signals and one is a stop signal, forwardAsked when a Notify takes
// signals that cannot be told, or its caller's arguments. A slice spread
// into Notify is read through spreadSignals
// (signal.Notify(ch, append([]os.Signal{syscall.SIGTERM}, extra...)...)
// always asks for a stop signal).
func (m *Model) wrapperKind(info *types.Info, fd *ast.FuncDecl) forward {
	kind, stop := forward(0), false
	ast.Inspect(fd.Body, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok {
			return true
		}
		if fn := callee(info, call); fn == nil || !isFunc(fn, "os/signal", "Notify") {
			return true
		}
		if kind == 0 {
			kind = forwardAlways
		}
		args := call.Args[1:]
		s := sigSet{unknown: len(args) == 0}
		if call.Ellipsis.IsValid() && len(args) > 0 {
			s = m.spreadSignals(info, fd, args[len(args)-1], map[types.Object]bool{})
			args = args[:len(args)-1]
		}
		for _, a := range args {
			s.add(signalOf(info, a))
		}
		switch {
		case s.stop:
			stop = true
		case s.unknown || s.asked:
			kind = forwardAsked
		}
		return true
	})
	if kind == forwardAlways && !stop {
		return 0 // only reload signals: receiving them is no stop
	}
	return kind
}

// asksStop reports whether an argument of call, a call of a signal
// wrapper made in fd (nil outside a function), but the channel at skip,
// names a stop signal (stopSignal), or a slice of signals spread into it
// may hold one (spreadSignals: one that cannot be told, or its own
// caller's).
func (m *Model) asksStop(info *types.Info, fd *ast.FuncDecl, call *ast.CallExpr, skip int) bool {
	for i, a := range call.Args {
		if i == skip {
			continue
		}
		// A slice of signals, spread or not (notifyWith(ch,
		// []os.Signal{syscall.SIGTERM})).
		if info.Types[a].IsNil() && signalsParam(info, call, i) {
			return true // notifyWith(ch, nil): no signals, every one
		}
		if t := info.TypeOf(a); t == nil {
			continue
		} else if sl, ok := t.Underlying().(*types.Slice); ok && isSignalType(sl.Elem()) {
			if s := m.spreadSignals(info, fd, a, map[types.Object]bool{}); s != (sigSet{}) {
				return true
			}
			continue
		}
		if stopSignal(info, a) {
			return true
		}
	}
	return false
}

// signalsParam reports whether argument i of call fills a parameter of
// type []os.Signal (one not spread: a variadic one's single slice).
func signalsParam(info *types.Info, call *ast.CallExpr, i int) bool {
	ft := info.TypeOf(call.Fun)
	if ft == nil {
		return false
	}
	sig, ok := ft.Underlying().(*types.Signature)
	if !ok {
		return false
	}
	t := argType(sig, call, i) // a variadic list's one signal is no slice
	if t == nil {
		return false
	}
	sl, ok := t.Underlying().(*types.Slice)
	return ok && isSignalType(sl.Elem())
}

// argType returns the type of the parameter argument i of call (of a
// function of signature sig) fills: for the arguments of a variadic list,
// its element type, or the slice type when the call spreads one; nil past
// the parameters.
func argType(sig *types.Signature, call *ast.CallExpr, i int) types.Type {
	params := sig.Params()
	switch {
	case sig.Variadic() && i >= params.Len()-1:
		t := params.At(params.Len() - 1).Type()
		if s, ok := t.(*types.Slice); ok && !call.Ellipsis.IsValid() {
			return s.Elem()
		}
		return t
	case i < params.Len():
		return params.At(i).Type()
	}
	return nil
}

// underReloadBranch reports whether pos, in body, lies in a switch case
// or an if branch taken only for signals that do not stop a process (case
// syscall.SIGHUP:, if s == syscall.SIGUSR1).
func underReloadBranch(info *types.Info, body *ast.BlockStmt, pos token.Pos) bool {
	found := false
	ast.Inspect(body, func(n ast.Node) bool {
		if found || n == nil || pos < n.Pos() || pos >= n.End() {
			return false
		}
		switch n := n.(type) {
		case *ast.CaseClause:
			if len(n.List) > 0 && pos >= n.Colon {
				all := true
				for _, e := range n.List {
					all = all && reloadSignal(info, e)
				}
				found = all
			}
		case *ast.IfStmt:
			if b, ok := ast.Unparen(n.Cond).(*ast.BinaryExpr); ok && b.Op == token.EQL && pos >= n.Body.Pos() && pos < n.Body.End() {
				found = reloadSignal(info, b.X) || reloadSignal(info, b.Y)
			}
		}
		return !found
	})
	return found
}

// stopSignal reports whether e names a signal that stops a process:
// os.Interrupt or os.Kill, a syscall (or x/sys/unix) constant whose value
// is SIGTERM's, SIGINT's, SIGQUIT's or SIGKILL's, or a constant of another
// type whose name or string value says so (SignalTerm = "term").
func stopSignal(info *types.Info, e ast.Expr) bool {
	name, ok := signalName(info, e)
	return ok && signalNameStops(name)
}

// reloadSignal reports whether e names a signal that asks for something
// other than a stop (a reload, a dump: SIGHUP, SIGUSR1, ...).
func reloadSignal(info *types.Info, e ast.Expr) bool {
	name, ok := signalName(info, e)
	return ok && !signalNameStops(name) && signalNameReloads(name)
}

// signalName returns the name e gives a signal: for a
// constant of syscall's (or x/sys/unix's) Signal type, the name of
// that package's SIG constant with the same value (const drain =
// syscall.SIGTERM is SIGTERM); for another constant, its name and its
// string value; os.Interrupt and os.Kill as SIGINT and SIGKILL.
func signalName(info *types.Info, e ast.Expr) (string, bool) {
	var id *ast.Ident
	switch x := ast.Unparen(e).(type) {
	case *ast.Ident:
		id = x
	case *ast.SelectorExpr:
		id = x.Sel
	default:
		return "", false
	}
	switch obj := info.Uses[id].(type) {
	case *types.Var:
		if obj.Pkg() != nil && obj.Pkg().Path() == "os" && obj.Parent() == obj.Pkg().Scope() {
			switch obj.Name() {
			case "Interrupt":
				return "SIGINT", true
			case "Kill":
				return "SIGKILL", true
			}
		}
	case *types.Const:
		if n, ok := obj.Type().(*types.Named); ok && n.Obj().Pkg() != nil && n.Obj().Name() == "Signal" {
			switch pkg := n.Obj().Pkg(); pkg.Path() {
			case "syscall", "golang.org/x/sys/unix":
				for _, name := range pkg.Scope().Names() {
					if c, ok := pkg.Scope().Lookup(name).(*types.Const); ok && strings.HasPrefix(name, "SIG") && constant.Compare(c.Val(), token.EQL, obj.Val()) && types.Identical(c.Type(), obj.Type()) {
						return name, true
					}
				}
				return "", false
			}
		}
		name := obj.Name()
		if obj.Val().Kind() == constant.String {
			name += " " + constant.StringVal(obj.Val())
		}
		return name, true
	}
	return "", false
}

// signalNameStops reports whether a word of the signal name names one
// that stops a process (SIGTERM, SIGINT, SIGQUIT, SIGKILL; TERM, INT,
// INTERRUPT, QUIT, KILL, SHUTDOWN in a name of the program's own, such
// as SignalTerm or "term"), and none names another (signalNameReloads).
func signalNameStops(name string) bool {
	if signalNameReloads(name) {
		return false
	}
	for _, w := range signalWords(name) {
		switch strings.TrimPrefix(w, "SIG") {
		case "TERM", "INT", "INTERRUPT", "QUIT", "KILL", "SHUTDOWN":
			return true
		}
	}
	return false
}

// signalNameReloads reports whether a word of the signal name names a
// signal that does not stop a process (recordNotify's list, and a
// "reload").
func signalNameReloads(name string) bool {
	for _, w := range signalWords(name) {
		switch strings.TrimPrefix(w, "SIG") {
		case "HUP", "USR1", "USR2", "USR", "WINCH", "CHLD", "PIPE", "INFO", "URG", "CONT", "RELOAD":
			return true
		}
	}
	return false
}

// signalWords splits a name into upper-cased words at case changes,
// digits kept with their word, and at anything not a letter or a digit
// (SignalUsr2 "usr2" is SIGNAL USR2 USR2).
func signalWords(name string) []string {
	var b strings.Builder
	prevLower := false
	for _, r := range name {
		switch {
		case unicode.IsUpper(r):
			if prevLower {
				b.WriteByte(' ')
			}
			prevLower = false
			b.WriteRune(r)
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			prevLower = unicode.IsLower(r)
			b.WriteRune(unicode.ToUpper(r))
		default:
			prevLower = false
			b.WriteByte(' ')
		}
	}
	return strings.Fields(b.String())
}

// isParamOf reports whether v is a parameter of fd.
func isParamOf(info *types.Info, fd *ast.FuncDecl, v *types.Var) bool {
	for _, f := range fd.Type.Params.List {
		for _, id := range f.Names {
			if info.Defs[id] == v {
				return true
			}
		}
	}
	return false
}

// findServeEnds finds the servers the drain shuts down or stops
// ((*http.Server).Shutdown or Close, a gRPC server's GracefulStop or Stop,
// in code that runs after a stop) and records each call that serves one of
// them, made as a statement of its function (not started with go or
// deferred), as a stop: serving returns once the drain has begun. It
// reports whether it found any.
func (m *Model) findServeEnds() bool {
	ended := map[types.Object]bool{}
	m.eachFunc(func(p Package, fd *ast.FuncDecl, inDrain bool) {
		ast.Inspect(fd.Body, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || !inDrain && !m.inRegion(call.Pos()) {
				return true
			}
			fn := callee(p.Info, call)
			if isMethod(fn, "net/http", "Server", "Shutdown", "Close") || isMethod(fn, "google.golang.org/grpc", "Server", "GracefulStop", "Stop") {
				if k := objOf(p.Info, ast.Unparen(call.Fun).(*ast.SelectorExpr).X); k != nil {
					ended[k] = true
				}
			}
			return true
		})
	})
	if len(ended) == 0 {
		return false
	}
	found := false
	m.walkWithStack(func(p Package, n ast.Node, stack []ast.Node) {
		call, ok := n.(*ast.CallExpr)
		if !ok || m.stopAt[call.Pos()] {
			return
		}
		fn := callee(p.Info, call)
		if !isMethod(fn, "net/http", "Server", "ListenAndServe", "ListenAndServeTLS", "Serve", "ServeTLS") && !isMethod(fn, "google.golang.org/grpc", "Server", "Serve") {
			return
		}
		if !ended[objOf(p.Info, ast.Unparen(call.Fun).(*ast.SelectorExpr).X)] {
			return
		}
		for i := len(stack) - 2; i >= 0 && funcBody(stack[i]) == nil; i-- {
			switch stack[i].(type) {
			case *ast.GoStmt, *ast.DeferStmt:
				return // serving in another goroutine, or at return
			}
		}
		m.stopAt[call.Pos()] = true
		m.addStop(p.Info, call.Pos(), false, stack)
		m.stops = m.stops[:len(m.stops)-1] // a call, not a stop of its own
		found = true
	})
	return found
}

// objOf is the variable or field the expression e names (through * and
// parens), or nil.
func objOf(info *types.Info, e ast.Expr) types.Object {
	switch e := ast.Unparen(e).(type) {
	case *ast.Ident:
		if v, ok := info.Uses[e].(*types.Var); ok {
			return v.Origin()
		}
	case *ast.SelectorExpr:
		if v, ok := info.Uses[e.Sel].(*types.Var); ok && v.IsField() {
			return v.Origin()
		}
	case *ast.StarExpr:
		return objOf(info, e.X)
	}
	return nil
}

// inRegion reports whether pos lies in code that follows a stop.
func (m *Model) inRegion(pos token.Pos) bool {
	if m.mergedOf != len(m.regions) {
		m.merge() // only while New builds the model, on one goroutine
	}
	return within(m.merged, pos) && !m.inHole(pos)
}

// merge makes merged: the regions as sorted, disjoint intervals.
func (m *Model) merge() {
	m.merged = disjoint(slices.Clone(m.regions))
	m.mergedOf = len(m.regions)
}

// disjoint sorts rs and joins those that overlap or touch.
func disjoint(rs []region) []region {
	sort.Slice(rs, func(i, j int) bool { return rs[i].pos < rs[j].pos })
	var out []region
	for _, r := range rs {
		if n := len(out); n > 0 && r.pos <= out[n-1].end {
			if r.end > out[n-1].end {
				out[n-1].end = r.end
			}
			continue
		}
		out = append(out, region{pos: r.pos, end: r.end})
	}
	return out
}

// within reports whether pos lies in one of rs, sorted and disjoint.
func within(rs []region, pos token.Pos) bool {
	i := sort.Search(len(rs), func(i int) bool { return rs[i].end > pos })
	return i < len(rs) && rs[i].pos <= pos
}

// inHole reports whether pos lies in code that runs only for a signal
// that asks for no stop: the body of if s == syscall.SIGHUP, a case
// syscall.SIGUSR1: of a switch on the signal. No stop runs it, though it
// may follow one.
func (m *Model) inHole(pos token.Pos) bool { return within(m.holes, pos) }

// exits reports whether n, outside its func literals, ends the process
// (os.Exit, log.Fatal): a SIGHUP that hands over to a new process and
// exits (an upgrade) is a stop, not a reload.
func exits(info *types.Info, n ast.Node) bool {
	found := false
	ast.Inspect(n, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit:
			return false
		case *ast.CallExpr:
			// os.Exit or a Fatal, not a signal sent to a child
			// (endsProcess's Process.Signal).
			if fn := callee(info, n); fn != nil && endsProcess(fn) && (fn.Pkg().Path() != "os" || fn.Signature().Recv() == nil) {
				found = true
			}
		}
		return !found
	})
	return found
}

// reloadCond reports whether cond holds only for signals that ask for
// no stop: s == syscall.SIGHUP, where s is a signal, or several such
// comparisons joined by ||.
func reloadCond(info *types.Info, cond ast.Expr) bool {
	b, ok := ast.Unparen(cond).(*ast.BinaryExpr)
	if !ok {
		return false
	}
	switch b.Op {
	case token.LOR:
		return reloadCond(info, b.X) && reloadCond(info, b.Y)
	case token.EQL:
		return reloadSignal(info, b.X) && isSignalType(info.TypeOf(b.Y)) ||
			reloadSignal(info, b.Y) && isSignalType(info.TypeOf(b.X))
	}
	return false
}

// reloadCase reports whether a case of a switch on tag (nil for none) is
// taken only for signals that ask for no stop: case syscall.SIGHUP: of
// a switch on a signal, case s == syscall.SIGHUP: of a switch with no tag.
func reloadCase(info *types.Info, tag ast.Expr, list []ast.Expr) bool {
	if len(list) == 0 || tag != nil && !isSignalType(info.TypeOf(tag)) {
		return false
	}
	for _, e := range list {
		if tag == nil && !reloadCond(info, e) || tag != nil && !reloadSignal(info, e) {
			return false
		}
	}
	return true
}

// isSignalType reports whether t is os.Signal or a Signal of syscall or
// x/sys/unix.
func isSignalType(t types.Type) bool {
	return t != nil && (isNamed(t, "os", "Signal") || isNamed(t, "syscall", "Signal") || isNamed(t, "golang.org/x/sys/unix", "Signal"))
}

// chanKey is the variable or field a channel expression names, or nil.
func chanKey(info *types.Info, e ast.Expr) types.Object {
	t := info.TypeOf(e)
	if t == nil {
		return nil
	}
	if _, ok := t.Underlying().(*types.Chan); !ok {
		return nil
	}
	switch e := ast.Unparen(e).(type) {
	case *ast.Ident:
		if v, ok := info.Uses[e].(*types.Var); ok {
			return v.Origin()
		}
		if v, ok := info.Defs[e].(*types.Var); ok {
			return v.Origin()
		}
	case *ast.SelectorExpr:
		if v, ok := info.Uses[e.Sel].(*types.Var); ok && v.IsField() {
			return v.Origin()
		}
	}
	return nil
}

// stopChan reports whether receiving from ch is learning to stop, and
// whether it is a signal (not a context).
func (m *Model) stopChan(info *types.Info, ch ast.Expr) (signal, ok bool) {
	if isSignalChan(info.TypeOf(ch)) {
		return true, !m.reloadOnly(info, ch)
	}
	if k := chanKey(info, ch); k != nil && m.relays[k] || m.relayCall(info, ch) {
		return false, true
	}
	call, isCall := ast.Unparen(ch).(*ast.CallExpr)
	if !isCall || len(call.Args) != 0 {
		return false, false
	}
	sel, isSel := ast.Unparen(call.Fun).(*ast.SelectorExpr)
	if !isSel || sel.Sel.Name != "Done" || !isNamed(info.TypeOf(sel.X), "context", "Context") {
		return false, false
	}
	return false, m.stopCtx(info, sel.X)
}

// stopCtx reports whether the context e is done when the process must
// stop: made by signal.NotifyContext, derived from such a context, or
// cancelled after a signal. A context the function was handed (a
// parameter, a field) counts too: in a program that handles signals, that
// is how the signal's context reaches the code that waits on it.
func (m *Model) stopCtx(info *types.Info, e ast.Expr) bool {
	switch e := ast.Unparen(e).(type) {
	case *ast.CallExpr:
		fn := callee(info, e)
		switch {
		case fn == nil:
			return false
		case isFunc(fn, "os/signal", "NotifyContext"):
			return true
		case cancelledWithParent(fn):
			return len(e.Args) > 0 && m.stopCtx(info, e.Args[0])
		}
		// A method or function returning a context (r.Context(),
		// context.Background()) gives one that is not the drain's.
		return false
	case *ast.Ident:
		obj := info.Uses[e]
		if obj == nil {
			obj = info.Defs[e]
		}
		v, ok := obj.(*types.Var)
		if !ok || m.visiting[v] {
			return false
		}
		defs := m.defs[v]
		if len(defs) == 0 {
			// A parameter, or a variable of another package: the
			// signal's context may come through it, unless every call
			// of its function can be seen and none hands it one.
			m.visiting[v] = true
			defer delete(m.visiting, v)
			return m.paramMayStop(v)
		}
		m.visiting[v] = true
		defer delete(m.visiting, v)
		for _, d := range defs {
			if m.stopCtx(info, d) {
				return true
			}
		}
		if c := m.cancels[v]; c != nil && m.cancelledAfterSignal(c) {
			return true
		}
		return false
	case *ast.SelectorExpr:
		// A field: set wherever the struct is built.
		_, isField := info.Uses[e.Sel].(*types.Var)
		return isField
	}
	return false
}

// paramMayStop reports whether the context parameter (or other variable
// with no definition in the program) v may be done when the process must
// stop: true unless v is a context parameter of a program function whose
// calls can all be seen (never used as a func value, and not a method an
// interface call can reach: none of that name is called through an
// interface, or its receiver type is never converted to an interface with
// it) and no call hands it a stop context (stopCtx). A temporary server
// handed a context its caller cancels when a migration ends is not
// stopped by the signal.
func (m *Model) paramMayStop(v *types.Var) bool {
	m.ctxOnce.Do(m.indexCtxParams)
	cp, ok := m.ctxParams[v]
	if !ok || m.ctxValue[cp.fn] || m.ctxEscape[cp.fn] && m.BoxedWith(cp.fn) {
		return true
	}
	calls := m.ctxCalls[cp.fn]
	if len(calls) == 0 {
		return true
	}
	for _, c := range calls {
		if cp.i >= len(c.call.Args) || m.opaqueCtx(c.info, c.call.Args[cp.i]) || m.stopCtx(c.info, c.call.Args[cp.i]) {
			return true
		}
	}
	return false
}

// opaqueCtx reports whether e is a context some function or method hands
// out, other than package context's and (*http.Request).Context: a
// command framework's cmd.Context(), an accessor of the program, or a
// helper that returns signal.NotifyContext's, any of which may be the
// signal's (stopCtx does not follow results).
func (m *Model) opaqueCtx(info *types.Info, e ast.Expr) bool {
	if id, ok := ast.Unparen(e).(*ast.Ident); ok {
		// A variable set from such a call (ctx, stop := stopContext()).
		v, _ := info.ObjectOf(id).(*types.Var)
		if v == nil || m.visiting[v] {
			return false
		}
		m.visiting[v] = true
		defer delete(m.visiting, v)
		return slices.ContainsFunc(m.defs[v], func(d ast.Expr) bool { return m.opaqueCtx(info, d) })
	}
	call, ok := ast.Unparen(e).(*ast.CallExpr)
	if !ok {
		return false
	}
	if fn := callee(info, call); fn != nil && cancelledWithParent(fn) {
		return false // stopCtx follows the parent
	}
	fn := callee(info, call)
	if fn == nil {
		return true // a func value's result
	}
	return fn.Pkg() == nil || fn.Pkg().Path() != "context" && !isMethod(fn, "net/http", "Request", "Context")
}

// cancelledAfterSignal reports whether the cancel func c is called after a
// receive from a signal channel in the function that calls it.
func (m *Model) cancelledAfterSignal(c types.Object) bool {
	found := false
	for _, p := range m.pkgs {
		if p.Types != c.Pkg() {
			continue
		}
		for _, f := range p.Files {
			if f.Pos() > c.Pos() || c.Pos() > f.End() {
				continue
			}
			ast.Inspect(f, func(n ast.Node) bool {
				body := funcBody(n)
				if body == nil || found {
					return !found
				}
				signalled := false
				ast.Inspect(body, func(n ast.Node) bool {
					switch n := n.(type) {
					case *ast.FuncLit:
						return n.Body == body
					case *ast.UnaryExpr:
						if n.Op == token.ARROW && isSignalChan(p.Info.TypeOf(n.X)) {
							signalled = true
						}
					case *ast.RangeStmt:
						if isSignalChan(p.Info.TypeOf(n.X)) {
							signalled = true
						}
					case *ast.CallExpr:
						if id, ok := ast.Unparen(n.Fun).(*ast.Ident); ok && signalled && p.Info.Uses[id] == c {
							found = true
						}
					}
					return !found
				})
				return !found
			})
		}
	}
	return found
}

// addStop records a stop at pos, whose syntax path (outermost first) is
// stack, and the code that runs after it.
func (m *Model) addStop(info *types.Info, pos token.Pos, signal bool, stack []ast.Node) {
	m.stops = append(m.stops, Stop{Pos: pos, Signal: signal})
	m.waits = append(m.waits, pos)
	fnIdx := -1
	for i := len(stack) - 1; i >= 0; i-- {
		if funcBody(stack[i]) != nil {
			fnIdx = i
			break
		}
	}
	if fnIdx < 0 {
		return
	}
	sure, returns := m.addAfter(stack[fnIdx:])
	// Deferred calls of the function run when it returns, after the stop:
	// those deferred before it (one deferred after it, in the code that
	// follows it, is in that code's region; one in another case of its
	// select is not deferred when the stop fires).
	ast.Inspect(funcBody(stack[fnIdx]), func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit:
			return false
		case *ast.DeferStmt:
			if n.Pos() < pos {
				m.regions = append(m.regions, region{pos: n.Pos(), end: n.End()})
			}
		}
		return true
	})
	if fd, ok := stack[fnIdx].(*ast.FuncDecl); ok && (sure || returns) {
		if fn, _ := info.Defs[fd.Name].(*types.Func); fn != nil {
			m.waiters[fn] = true
		}
	}
}

// addAfter records, for the node at the end of path (path[0] is its
// function), the statements after it in every enclosing block and the body
// of the select case it is the comm of. Code after a select that waited
// for the stop in one case runs after it too, unless the select has a
// default (it need not have waited at all): a select of a signal and a
// server's error is how a main waits for either. sure reports whether the
// node is passed on every way through the function; returns, whether the
// function returns right after it (its select case, in an endless loop,
// ends in a return), so that the code after a call of it runs after the
// stop as well.
func (m *Model) addAfter(path []ast.Node) (sure, returns bool) {
	sure = true
	for i := len(path) - 1; i > 0; i-- {
		child, parent := path[i], path[i-1]
		switch parent := parent.(type) {
		case *ast.CommClause:
			if child != parent.Comm {
				sure = false
				continue
			}
			if len(parent.Body) > 0 {
				m.regions = append(m.regions, region{pos: parent.Body[0].Pos(), end: parent.Body[len(parent.Body)-1].End()})
				// A case that returns leaves the function: what follows
				// the select runs only when another case fires (select
				// { case <-ctx.Done(): return ctx.Err(); case <-tokens: };
				// return f()).
				// The function itself returns then, after the stop: when
				// the select is in an endless loop (a serve loop that
				// runs until the stop or an error), the code after its
				// calls runs after the stop too (alertmanager's serveLoop
				// and its caller's deferred Stop). A lone select racing
				// work against the stop returns as often on the work.
				if _, ok := parent.Body[len(parent.Body)-1].(*ast.ReturnStmt); ok {
					return false, inEndlessLoop(path[:i])
				}
			}
			sel := path[i-3].(*ast.SelectStmt)
			if hasDefault(sel) {
				return false, false
			}
			// The select may leave through another case: what follows
			// it is drain code (a main waiting for a signal or a
			// server's error), but the function does not return only
			// after a stop.
			if len(sel.Body.List) > 1 {
				sure = false
			}
		case *ast.BlockStmt:
			switch path[i-2].(type) {
			case *ast.SelectStmt, *ast.SwitchStmt, *ast.TypeSwitchStmt:
				continue // the clauses are alternatives, not a sequence
			}
			for j, s := range parent.List {
				if s == child && j+1 < len(parent.List) {
					m.regions = append(m.regions, region{pos: parent.List[j+1].Pos(), end: parent.List[len(parent.List)-1].End()})
				}
			}
		case *ast.CaseClause:
			sure = false
			for j, s := range parent.Body {
				if s == child && j+1 < len(parent.Body) {
					m.regions = append(m.regions, region{pos: parent.Body[j+1].Pos(), end: parent.Body[len(parent.Body)-1].End()})
				}
			}
		case *ast.SelectStmt, *ast.LabeledStmt, *ast.ExprStmt, *ast.AssignStmt, *ast.FuncDecl, *ast.FuncLit,
			*ast.UnaryExpr, *ast.ParenExpr, *ast.DeclStmt, *ast.GenDecl, *ast.ValueSpec:
		default:
			sure = false
		}
	}
	return sure, false
}

// inEndlessLoop reports whether path (outermost first, from a function)
// passes through a for loop with no condition.
func inEndlessLoop(path []ast.Node) bool {
	for _, n := range path {
		if f, ok := n.(*ast.ForStmt); ok && f.Cond == nil {
			return true
		}
	}
	return false
}

// hasDefault reports whether a select has a default case.
func hasDefault(sel *ast.SelectStmt) bool {
	for _, cc := range sel.Body.List {
		if cc.(*ast.CommClause).Comm == nil {
			return true
		}
	}
	return false
}

// propagateWaiters treats a call of a function that returns only after a
// stop as a stop itself: the code after the call runs after the stop.
func (m *Model) propagateWaiters() {
	done := map[*types.Func]bool{}
	for round := 0; round < 4; round++ {
		var todo []*types.Func
		for fn := range m.waiters {
			if !done[fn] {
				todo = append(todo, fn)
				done[fn] = true
			}
		}
		if len(todo) == 0 {
			return
		}
		m.walkWithStack(func(p Package, n ast.Node, stack []ast.Node) {
			if call, ok := n.(*ast.CallExpr); ok {
				if fn := callee(p.Info, call); fn != nil && slices.Contains(todo, fn.Origin()) {
					if !startedOrDeferred(call, stack) {
						m.addStop(p.Info, call.Pos(), false, stack)
						m.stops = m.stops[:len(m.stops)-1] // a call, not a stop of its own
					}
					// go handleSignals(&wg); wg.Wait(), or go func() {
					// defer wg.Done(); waitSignal() }(); wg.Wait(): the
					// Wait returns only after the stop.
					n := len(stack)
					gi := -1
					if _, ok := stack[n-2].(*ast.GoStmt); ok && startedOrDeferred(call, stack) {
						gi = n - 2
					} else if n >= 6 {
						lit, isLit := stack[n-4].(*ast.FuncLit)
						c, isCall := stack[n-5].(*ast.CallExpr)
						_, isGo := stack[n-6].(*ast.GoStmt)
						_, isStmt := stack[n-2].(*ast.ExprStmt)
						if isLit && isCall && isGo && isStmt && c.Fun == lit && stack[n-3] == lit.Body {
							gi = n - 6
						}
					}
					if gi > 0 {
						if path := joinedBy(p.Info, stack, gi); path != nil {
							m.addStop(p.Info, path[len(path)-1].Pos(), false, path)
							m.stops = m.stops[:len(m.stops)-1]
						}
					}
				}
			}
		})
	}
}

// walkWithStack calls visit for every node of the program's files, with
// the path from the file down to it (stack, outermost first; n is last).
func (m *Model) walkWithStack(visit func(p Package, n ast.Node, stack []ast.Node)) {
	for _, p := range m.pkgs {
		for _, f := range p.Files {
			var stack []ast.Node
			ast.Inspect(f, func(n ast.Node) bool {
				if n == nil {
					stack = stack[:len(stack)-1]
					return true
				}
				stack = append(stack, n)
				visit(p, n, stack)
				return true
			})
		}
	}
}

// closeOverCalls marks every function referenced in a region, and in the
// body of every function so marked, as on a drain path. A call through an
// interface reaches every method of the program's types that implement it.
func (m *Model) closeOverCalls() {
	var queue []*types.Func
	mark := func(fn *types.Func) {
		fn = fn.Origin()
		if !m.onDrain[fn] {
			m.onDrain[fn] = true
			queue = append(queue, fn)
		}
	}
	// The stored funcs by the text of their type: comparing each
	// dynamic call's type with every stored func is quadratic. Built at
	// the first dynamic call, kept for the next closure.
	storedOf := func(k string) []storedFunc {
		if m.stored == nil {
			m.stored = map[string][]storedFunc{}
			for _, s := range m.storedFuncs() {
				t := types.TypeString(s.sig, nil)
				m.stored[t] = append(m.stored[t], s)
			}
		}
		return m.stored[k]
	}
	if m.reached == nil {
		m.reached, m.litDone = map[string]bool{}, map[*ast.FuncLit]bool{}
	}
	reached, litDone := m.reached, m.litDone // types whose stored funcs are reached; literals walked
	type litWork struct {
		info *types.Info
		lit  *ast.FuncLit
	}
	var lits []litWork
	// runs marks a func the drain may call: a function, or a literal
	// whose body becomes a region to walk.
	runs := func(s storedFunc) {
		if s.fn != nil {
			mark(s.fn)
		} else if !litDone[s.lit] {
			litDone[s.lit] = true
			m.regions = append(m.regions, region{s.lit.Body.Pos(), s.lit.Body.End(), true})
			lits = append(lits, litWork{s.info, s.lit})
		}
	}
	// refs walks the code from pos to end of n: a region, a func
	// literal's body, or the body of owner, a function on a drain path.
	refs := func(info *types.Info, n ast.Node, pos, end token.Pos, owner *types.Func) {
		ast.Inspect(n, func(n ast.Node) bool {
			if n == nil || n.End() <= pos || n.Pos() >= end || m.inHole(n.Pos()) {
				return false
			}
			if call, ok := n.(*ast.CallExpr); ok && callee(info, call) == nil {
				// A call of a func value runs what the program gives it,
				// when every such value is known (withRecover(p.shutdown)
				// runs p.shutdown; a cancel from context.WithCancel runs
				// none of the program's funcs); else any func of its type
				// the program stored away (a registered callback) may run.
				if m.ownParam(info, call.Fun, owner) {
					// A call of owner's parameter: owner is on a drain
					// path because drain code calls it, and what that
					// code passes was marked where it was walked.
				} else if vals, ok := m.funcValues(info, call.Fun); ok {
					for _, v := range vals {
						runs(v)
					}
				} else if tv, ok := info.Types[call.Fun]; ok && tv.IsValue() {
					if sig, ok := tv.Type.Underlying().(*types.Signature); ok && !reached[types.TypeString(sig, nil)] {
						k := types.TypeString(sig, nil)
						reached[k] = true
						for _, s := range storedOf(k) {
							runs(s)
						}
					}
				}
			}
			id, ok := n.(*ast.Ident)
			if !ok {
				return true
			}
			fn, ok := info.Uses[id].(*types.Func)
			if !ok {
				return true
			}
			mark(fn)
			if recv := fn.Signature().Recv(); recv != nil {
				if iface, ok := recv.Type().Underlying().(*types.Interface); ok {
					for _, impl := range m.methods[fn.Name()] {
						if implements(impl, iface) && m.reachesInterfaces(impl) {
							mark(impl)
						}
					}
				}
			}
			return true
		})
	}
	type fileOf struct {
		f    *ast.File
		info *types.Info
	}
	var files []fileOf
	for _, p := range m.pkgs {
		for _, f := range p.Files {
			files = append(files, fileOf{f, p.Info})
		}
	}
	sort.Slice(files, func(i, j int) bool { return files[i].f.FileStart < files[j].f.FileStart })
	// Only the regions found since the last closure: what the earlier
	// ones reach is marked already.
	for _, r := range slices.Clone(m.regions[m.closedTo:]) {
		i := sort.Search(len(files), func(i int) bool { return files[i].f.FileEnd >= r.pos })
		if i < len(files) && files[i].f.FileStart <= r.pos {
			refs(files[i].info, files[i].f, r.pos, r.end, nil)
		}
	}
	infoOf := map[*types.Package]*types.Info{}
	for _, p := range m.pkgs {
		infoOf[p.Types] = p.Info
	}
	for len(queue) > 0 || len(lits) > 0 {
		if len(lits) > 0 {
			l := lits[0]
			lits = lits[1:]
			refs(l.info, l.lit.Body, l.lit.Body.Pos(), l.lit.Body.End(), nil)
			continue
		}
		fn := queue[0]
		queue = queue[1:]
		if d := m.decls[fn]; d != nil {
			if info := infoOf[fn.Pkg()]; info != nil {
				refs(info, d.Body, d.Body.Pos(), d.Body.End(), fn)
			}
		}
	}
	m.closedTo = len(m.regions)
}

// A funcArgIndex is what funcValues needs: where the program's func-typed
// parameters, variables and fields get their values.
type funcArgIndex struct {
	params  map[*types.Var]paramRef    // func-typed parameters of declared functions
	calls   map[*types.Func][]siteCall // the calls of the functions that have one
	asValue map[*types.Func]bool       // functions used as values (their callers are not all known)
	stores  map[*types.Var][]siteValue // what the program assigns to func-typed variables and fields
	unknown map[*types.Var]bool        // variables given a value funcValues cannot follow (address taken, ranged over)
	sends   map[*types.Var][]siteValue // what the program sends on channels of funcs, by the channel's variable or field
	aliased map[*types.Var]bool        // channels of funcs used other than to send, receive, close or make (their sends are not all known)
	made    map[*types.Var]bool        // channels of funcs the program makes
	memo    map[*types.Var][]storedFunc
	failed  map[*types.Var]bool
}

type paramRef struct {
	fn *types.Func
	i  int
}

type siteCall struct {
	info *types.Info
	call *ast.CallExpr
}

// A siteValue is a value the program gives a variable: expr, or result i
// of the call expr when a call's results are spread over several
// variables.
type siteValue struct {
	info  *types.Info
	expr  ast.Expr
	tuple bool
}

// funcValues returns the funcs a call of the func value fun may run, when
// the program shows every value fun can hold: fun is a parameter of one
// of its functions (what every call of that function passes for it), or
// a variable or a field of its own packages that it gives only functions,
// method values, func literals, nil, other such values, or the results of
// calls into code without syntax that are handed no func (the cancel of
// context.WithCancel). ok is false when the values cannot all be known:
// the caller then takes every func of the type that the program stores.
func (m *Model) funcValues(info *types.Info, fun ast.Expr) ([]storedFunc, bool) {
	if _, ok := ast.Unparen(fun).(*ast.FuncLit); ok {
		return nil, true // called on the spot: its body is walked with the code around it
	}
	v := varOf(info, fun)
	if v == nil {
		return nil, false
	}
	if m.funcArgs == nil {
		m.funcArgs = m.indexFuncArgs()
	}
	x := m.funcArgs
	if vals, ok := x.memo[v]; ok {
		return vals, true
	}
	// Only the answer for the variable asked about is complete: one met
	// on the way may have had a cycle back to it cut short.
	vals, ok := x.values(m, v, map[*types.Var]bool{})
	if ok {
		x.memo[v] = vals
	}
	return vals, ok
}

// ownParam reports whether fun is a func-typed parameter of owner.
func (m *Model) ownParam(info *types.Info, fun ast.Expr, owner *types.Func) bool {
	if _, ok := ast.Unparen(fun).(*ast.Ident); !ok || owner == nil {
		return false
	}
	v := varOf(info, fun)
	if v == nil {
		return false
	}
	if m.funcArgs == nil {
		m.funcArgs = m.indexFuncArgs()
	}
	ref, ok := m.funcArgs.params[v]
	return ok && ref.fn == owner && !m.funcArgs.unknown[v] && len(m.funcArgs.stores[v]) == 0
}

func (x *funcArgIndex) values(m *Model, v *types.Var, seen map[*types.Var]bool) (vals []storedFunc, ok bool) {
	if x.failed[v] {
		return nil, false
	}
	if seen[v] {
		return nil, true // a cycle: what it adds is counted where it started
	}
	seen[v] = true
	defer func() {
		if !ok {
			x.failed[v] = true // whatever the cycles, one value is unknown
		}
	}()
	if x.unknown[v] {
		return nil, false
	}
	// What an expression given to v (or passed for it) may hold.
	var add func(info *types.Info, e ast.Expr, tuple bool) bool
	// recv adds what a receive from ch may give: what the program sends
	// on it, when the channel is a variable or field only ever sent on,
	// received from, closed or made.
	recv := func(info *types.Info, ch ast.Expr) bool {
		c := chanVar(info, ch)
		if c == nil || x.aliased[c] || !x.made[c] {
			return false // a parameter, or a channel that can be reached another way
		}
		for _, s := range x.sends[c] {
			if !add(s.info, s.expr, false) {
				return false
			}
		}
		return true
	}
	add = func(info *types.Info, e ast.Expr, tuple bool) bool {
		e = ast.Unparen(e)
		if tuple {
			if u, ok := e.(*ast.UnaryExpr); ok && u.Op == token.ARROW {
				return recv(info, u.X) // f, ok := <-ch
			}
			call, ok := e.(*ast.CallExpr)
			return ok && x.foreignCall(m, info, call)
		}
		switch e := e.(type) {
		case *ast.FuncLit:
			vals = append(vals, storedFunc{info: info, lit: e})
			return true
		case *ast.Ident:
			switch o := info.Uses[e].(type) {
			case *types.Nil:
				return true
			case *types.Func:
				vals = append(vals, storedFunc{info: info, fn: o})
				return true
			case *types.Var:
				more, ok := x.values(m, o, seen)
				vals = append(vals, more...)
				return ok
			}
		case *ast.SelectorExpr:
			if fn, ok := info.Uses[e.Sel].(*types.Func); ok {
				vals = append(vals, storedFunc{info: info, fn: fn})
				return true
			}
			if sel := info.Selections[e]; sel != nil && sel.Kind() == types.FieldVal {
				if w, ok := sel.Obj().(*types.Var); ok {
					more, ok := x.values(m, w, seen)
					vals = append(vals, more...)
					return ok
				}
			}
		case *ast.CallExpr:
			return x.foreignCall(m, info, e)
		case *ast.UnaryExpr:
			if e.Op == token.ARROW {
				return recv(info, e.X)
			}
		}
		return false
	}
	if ref, ok := x.params[v]; ok {
		if x.asValue[ref.fn] || ref.fn.Signature().Recv() != nil && m.reachesInterfaces(ref.fn) {
			return nil, false
		}
		for _, c := range x.calls[ref.fn] {
			if ref.i >= len(c.call.Args) || c.call.Ellipsis.IsValid() && ref.i == len(c.call.Args)-1 {
				return nil, false
			}
			if !add(c.info, c.call.Args[ref.i], false) {
				return nil, false
			}
		}
	} else if len(x.stores[v]) == 0 {
		// Given a value nowhere in the program's code: another
		// package's variable, or a field a dependency fills.
		return nil, false
	}
	for _, s := range x.stores[v] {
		if !add(s.info, s.expr, s.tuple) {
			return nil, false
		}
	}
	return vals, true
}

// foreignCall reports whether a call's results can hold none of the
// program's funcs: it calls a function without syntax in the program
// (context.WithCancel) and hands it no func.
func (x *funcArgIndex) foreignCall(m *Model, info *types.Info, call *ast.CallExpr) bool {
	fn := callee(info, call)
	if fn == nil || m.decls[fn.Origin()] != nil {
		return false
	}
	if recv := fn.Signature().Recv(); recv != nil && types.IsInterface(recv.Type()) {
		return false // the program's own types may implement it
	}
	for _, a := range call.Args {
		if _, ok := info.TypeOf(a).Underlying().(*types.Signature); ok {
			return false
		}
	}
	return true
}

// indexFuncArgs builds what funcValues needs, in one walk of the program.
func (m *Model) indexFuncArgs() *funcArgIndex {
	x := &funcArgIndex{
		params: map[*types.Var]paramRef{}, calls: map[*types.Func][]siteCall{},
		asValue: map[*types.Func]bool{}, stores: map[*types.Var][]siteValue{},
		unknown: map[*types.Var]bool{}, memo: map[*types.Var][]storedFunc{}, failed: map[*types.Var]bool{},
		sends: map[*types.Var][]siteValue{}, aliased: map[*types.Var]bool{}, made: map[*types.Var]bool{},
	}
	made := x.made
	for fn := range m.decls {
		params := fn.Signature().Params()
		for i := range params.Len() {
			if isFuncType(params.At(i).Type()) {
				x.params[params.At(i)] = paramRef{fn, i}
			}
		}
	}
	hasFuncParam := func(fn *types.Func) bool {
		params := fn.Signature().Params()
		for i := range params.Len() {
			if _, ok := x.params[params.At(i)]; ok {
				return true
			}
		}
		return false
	}
	for _, p := range m.pkgs {
		info := p.Info
		// target returns the func-typed variable or field e names.
		target := func(e ast.Expr) *types.Var {
			if v := varOf(info, e); v != nil && isFuncType(v.Type()) {
				return v
			}
			return nil
		}
		store := func(lhs, rhs []ast.Expr) {
			for i, l := range lhs {
				v := target(l)
				switch {
				case v == nil:
				case len(lhs) == len(rhs):
					x.stores[v] = append(x.stores[v], siteValue{info, rhs[i], false})
				case len(rhs) == 1:
					x.stores[v] = append(x.stores[v], siteValue{info, rhs[0], true})
				default:
					x.unknown[v] = true
				}
			}
		}
		// isMake reports whether e makes a channel.
		isMake := func(e ast.Expr) bool {
			call, ok := ast.Unparen(e).(*ast.CallExpr)
			if !ok {
				return false
			}
			id, ok := ast.Unparen(call.Fun).(*ast.Ident)
			return ok && info.Uses[id] == types.Universe.Lookup("make")
		}
		for _, f := range p.Files {
			called := map[*ast.Ident]bool{}
			allowed := map[ast.Node]bool{} // uses of a channel of funcs that send, receive, close or make it
			ast.Inspect(f, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.SelectorExpr:
					if allowed[n] {
						allowed[n.Sel] = true
					}
				case *ast.AssignStmt:
					if len(n.Lhs) == len(n.Rhs) {
						for i, l := range n.Lhs {
							if c := chanVar(info, l); c != nil && isMake(n.Rhs[i]) {
								allowed[ast.Unparen(l)] = true
								made[c] = true
							}
						}
					}
				case *ast.ValueSpec:
					for i, name := range n.Names {
						if c, ok := info.Defs[name].(*types.Var); ok && i < len(n.Values) && isMake(n.Values[i]) && chanVar(info, name) != nil {
							made[c] = true
						}
					}
				case *ast.KeyValueExpr:
					if c := chanVar(info, n.Key); c != nil && isMake(n.Value) {
						allowed[n.Key] = true
						made[c] = true
					}
				}
				if id, ok := n.(*ast.Ident); ok {
					if c := chanVar(info, id); c != nil && !allowed[id] && info.Uses[id] != nil {
						x.aliased[c] = true
					}
				}
				switch n := n.(type) {
				case *ast.CallExpr:
					if id, ok := ast.Unparen(n.Fun).(*ast.Ident); ok && len(n.Args) == 1 {
						if b, ok := info.Uses[id].(*types.Builtin); ok && (b.Name() == "close" || b.Name() == "len" || b.Name() == "cap") {
							allowed[ast.Unparen(n.Args[0])] = true
						}
					}
					var id *ast.Ident
					switch fun := ast.Unparen(n.Fun).(type) {
					case *ast.Ident:
						id = fun
					case *ast.SelectorExpr:
						if sel := info.Selections[fun]; sel == nil || sel.Kind() != types.MethodExpr {
							id = fun.Sel
						}
					}
					if id == nil {
						// An instantiation (F[T](f)), or a method expression
						// (T.M(r, f), whose arguments are shifted by the
						// receiver): a use of F as a value.
						return true
					}
					called[id] = true
					if fn, ok := info.Uses[id].(*types.Func); ok && hasFuncParam(fn.Origin()) {
						x.calls[fn.Origin()] = append(x.calls[fn.Origin()], siteCall{info, n})
					}
				case *ast.AssignStmt:
					if n.Tok == token.ASSIGN || n.Tok == token.DEFINE {
						store(n.Lhs, n.Rhs)
					} else {
						for _, l := range n.Lhs {
							if v := target(l); v != nil {
								x.unknown[v] = true
							}
						}
					}
				case *ast.ValueSpec:
					lhs := make([]ast.Expr, len(n.Names))
					for i, name := range n.Names {
						lhs[i] = name
					}
					store(lhs, n.Values)
				case *ast.RangeStmt:
					if c := chanVar(info, n.X); c != nil && n.Tok == token.DEFINE {
						// for f := range ch: f is what is sent on ch.
						allowed[ast.Unparen(n.X)] = true
						if v := target(n.Key); v != nil {
							x.stores[v] = append(x.stores[v], siteValue{info, &ast.UnaryExpr{Op: token.ARROW, X: n.X}, false})
						}
						return true
					}
					for _, e := range []ast.Expr{n.Key, n.Value} {
						if v := target(e); v != nil {
							x.unknown[v] = true
						}
					}
				case *ast.SendStmt:
					if c := chanVar(info, n.Chan); c != nil {
						allowed[ast.Unparen(n.Chan)] = true
						x.sends[c] = append(x.sends[c], siteValue{info, n.Value, false})
					}
				case *ast.UnaryExpr:
					if v := target(n.X); n.Op == token.AND && v != nil {
						x.unknown[v] = true // assigned through its address
					}
					if n.Op == token.ARROW {
						allowed[ast.Unparen(n.X)] = true
					}
				case *ast.CompositeLit:
					st, ok := info.TypeOf(n).Underlying().(*types.Struct)
					if !ok {
						if ptr, isPtr := info.TypeOf(n).Underlying().(*types.Pointer); isPtr {
							st, ok = ptr.Elem().Underlying().(*types.Struct)
						}
					}
					if !ok {
						return true
					}
					for i, el := range n.Elts {
						if kv, isKV := el.(*ast.KeyValueExpr); isKV {
							if v := target(kv.Key); v != nil {
								x.stores[v] = append(x.stores[v], siteValue{info, kv.Value, false})
							}
						} else if i < st.NumFields() && isFuncType(st.Field(i).Type()) {
							x.stores[st.Field(i)] = append(x.stores[st.Field(i)], siteValue{info, el, false})
						}
					}
				case *ast.Ident:
					if fn, ok := info.Uses[n].(*types.Func); ok && !called[n] {
						x.asValue[fn.Origin()] = true
					}
				}
				return true
			})
		}
	}
	return x
}

// chanVar returns the variable or field e names when it is a channel of
// funcs.
func chanVar(info *types.Info, e ast.Expr) *types.Var {
	v := varOf(info, e)
	if v == nil {
		return nil
	}
	if ch, ok := v.Type().Underlying().(*types.Chan); ok && isFuncType(ch.Elem()) {
		return v
	}
	return nil
}

// varOf returns the variable or field e names (x, or a.x), or nil.
func varOf(info *types.Info, e ast.Expr) *types.Var {
	var obj types.Object
	switch e := ast.Unparen(e).(type) {
	case *ast.Ident:
		obj = info.ObjectOf(e)
	case *ast.SelectorExpr:
		if sel := info.Selections[e]; sel != nil && sel.Kind() == types.FieldVal {
			obj = sel.Obj()
		}
	}
	v, _ := obj.(*types.Var)
	return v
}

// isFuncType reports whether t is a func type.
func isFuncType(t types.Type) bool {
	if t == nil {
		return false
	}
	_, ok := t.Underlying().(*types.Signature)
	return ok
}

// A storedFunc is a func literal or a function that the program uses as a
// value (passes, assigns, stores), and may call later through it.
type storedFunc struct {
	sig  *types.Signature
	info *types.Info
	lit  *ast.FuncLit
	fn   *types.Func
}

// storedFuncs returns the func literals and functions of the program used
// as values: not called on the spot, not started with go or deferred.
func (m *Model) storedFuncs() []storedFunc {
	var out []storedFunc
	for _, p := range m.pkgs {
		for _, f := range p.Files {
			called := map[ast.Node]bool{}
			ast.Inspect(f, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.CallExpr:
					called[ast.Unparen(n.Fun)] = true
					if sel, ok := ast.Unparen(n.Fun).(*ast.SelectorExpr); ok {
						called[sel.Sel] = true
					}
				case *ast.FuncLit:
					if called[n] {
						return true
					}
					if sig, ok := p.Info.TypeOf(n).(*types.Signature); ok {
						out = append(out, storedFunc{sig: sig, info: p.Info, lit: n})
					}
				case *ast.SelectorExpr:
					if called[n] {
						called[n.Sel] = true
						return true
					}
					// A method value (r.stop pushed on a cleanup stack).
					if fn, ok := p.Info.Uses[n.Sel].(*types.Func); ok && fn.Signature().Recv() != nil {
						if sig, ok := p.Info.TypeOf(n).(*types.Signature); ok {
							out = append(out, storedFunc{sig: sig, info: p.Info, fn: fn})
						}
					}
				case *ast.Ident:
					if called[n] {
						return true
					}
					if fn, ok := p.Info.Uses[n].(*types.Func); ok && fn.Signature().Recv() == nil {
						out = append(out, storedFunc{sig: fn.Signature(), info: p.Info, fn: fn})
					}
				}
				return true
			})
		}
	}
	return out
}

// reachesInterfaces reports whether values of impl's receiver type can be
// behind an interface: the program converts one (or a struct embedding
// it) to an interface somewhere. A call through an interface can only run
// the methods of such types: class-hierarchy dispatch alone would put on
// the drain path every Close of the program whose type happens to fit.
//
// The interface must have the method: a type only ever put in an any (a
// log argument, a map of values) or behind interfaces without it cannot
// be reached through a call of it, unless the program type-asserts to an
// interface with that method (x.(io.Closer)), which may find it in any.
func (m *Model) reachesInterfaces(impl *types.Func) bool {
	names, named := m.boxedNames(impl)
	return !named || names[impl.Name()] || names != nil && m.asserted[impl.Name()]
}

// boxedNames returns the method names of the interfaces the program
// converts values of impl's receiver type to (nil for none); named is
// false when that type is not a named type, whose conversions are not
// tracked.
func (m *Model) boxedNames(impl *types.Func) (names map[string]bool, named bool) {
	t := impl.Signature().Recv().Type()
	if p, ok := t.(*types.Pointer); ok {
		t = p.Elem()
	}
	n, ok := t.(*types.Named)
	if !ok {
		return nil, false
	}
	m.boxedOnce.Do(func() { m.boxed, m.asserted = m.boxedTypes() })
	return m.boxed[n.Origin().Obj()], true
}

// BoxedWith reports whether the program converts a value of the receiver
// type of the method impl (or a struct embedding it) to an interface that
// has a method of impl's name: whether a call through an interface can
// reach impl without a type assertion first. A type converted only to
// interfaces without it is reached through them only by asserting the
// value to another interface (w.(io.Closer)).
func (m *Model) BoxedWith(impl *types.Func) bool {
	names, named := m.boxedNames(impl)
	return !named || names[impl.Name()]
}

// boxedTypes returns the named types whose values the program's code
// converts to an interface, implicitly or not: assigned to an interface
// variable or field, passed for an interface parameter (append's
// included), returned as an interface result, put in an interface
// element of a composite literal or sent on a channel of interfaces; and,
// with a struct, the types it embeds (their methods are promoted).
func (m *Model) boxedTypes() (map[*types.TypeName]map[string]bool, map[string]bool) {
	boxed := map[*types.TypeName]map[string]bool{}
	asserted := map[string]bool{}
	methodNames := func(it *types.Interface) []string {
		var names []string
		for i := range it.NumMethods() {
			names = append(names, it.Method(i).Name())
		}
		return names
	}
	var add func(t types.Type, names []string, depth int)
	add = func(t types.Type, names []string, depth int) {
		if p, ok := t.(*types.Pointer); ok {
			t = p.Elem()
		}
		n, ok := t.(*types.Named)
		if !ok || depth > 4 {
			return
		}
		obj := n.Origin().Obj()
		set := boxed[obj]
		if set == nil {
			set = map[string]bool{}
			boxed[obj] = set
		}
		fresh := false
		for _, name := range names {
			fresh = fresh || !set[name]
			set[name] = true
		}
		if !fresh && depth > 0 {
			return
		}
		if st, ok := n.Underlying().(*types.Struct); ok {
			for i := range st.NumFields() {
				if f := st.Field(i); f.Embedded() {
					add(f.Type(), names, depth+1)
				}
			}
		}
	}
	isIface := func(t types.Type) bool {
		if t == nil {
			return false
		}
		_, ok := t.Underlying().(*types.Interface)
		return ok
	}
	convType := func(t, dst types.Type) {
		if t != nil && isIface(dst) && !isIface(t) {
			add(t, methodNames(dst.Underlying().(*types.Interface)), 0)
		}
	}
	conv := func(info *types.Info, e ast.Expr, dst types.Type) {
		if e != nil {
			convType(info.TypeOf(e), dst)
		}
	}
	// convTuple: the results of one call assigned to several variables
	// (w, err = NewWriter()).
	convTuple := func(info *types.Info, call ast.Expr, lhs []types.Type) {
		if tuple, ok := info.TypeOf(call).(*types.Tuple); ok && tuple.Len() == len(lhs) {
			for i, dst := range lhs {
				convType(tuple.At(i).Type(), dst)
			}
		}
	}
	assertTo := func(t types.Type) {
		if t != nil && isIface(t) {
			for _, name := range methodNames(t.Underlying().(*types.Interface)) {
				asserted[name] = true
			}
		}
	}
	for _, p := range m.pkgs {
		info := p.Info
		var walk func(body ast.Node, results *types.Tuple)
		walk = func(body ast.Node, results *types.Tuple) {
			ast.Inspect(body, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.FuncLit:
					if sig, ok := info.TypeOf(n).(*types.Signature); ok {
						walk(n.Body, sig.Results())
					}
					return false
				case *ast.TypeAssertExpr:
					if n.Type != nil {
						assertTo(info.TypeOf(n.Type))
					}
				case *ast.TypeSwitchStmt:
					for _, c := range n.Body.List {
						for _, e := range c.(*ast.CaseClause).List {
							assertTo(info.TypeOf(e))
						}
					}
				case *ast.AssignStmt:
					if n.Tok == token.ASSIGN && len(n.Lhs) == len(n.Rhs) {
						for i := range n.Lhs {
							conv(info, n.Rhs[i], info.TypeOf(n.Lhs[i]))
						}
					} else if n.Tok == token.ASSIGN && len(n.Rhs) == 1 {
						lhs := make([]types.Type, len(n.Lhs))
						for i, l := range n.Lhs {
							lhs[i] = info.TypeOf(l)
						}
						convTuple(info, n.Rhs[0], lhs)
					}
				case *ast.ValueSpec:
					if n.Type != nil {
						for _, v := range n.Values {
							conv(info, v, info.TypeOf(n.Type))
						}
						if len(n.Values) == 1 && len(n.Names) > 1 {
							lhs := make([]types.Type, len(n.Names))
							for i := range lhs {
								lhs[i] = info.TypeOf(n.Type)
							}
							convTuple(info, n.Values[0], lhs)
						}
					}
				case *ast.ReturnStmt:
					if results != nil && len(n.Results) == results.Len() {
						for i, r := range n.Results {
							conv(info, r, results.At(i).Type())
						}
					} else if results != nil && len(n.Results) == 1 {
						lhs := make([]types.Type, results.Len())
						for i := range lhs {
							lhs[i] = results.At(i).Type()
						}
						convTuple(info, n.Results[0], lhs)
					}
				case *ast.SendStmt:
					if ch, ok := types.Unalias(info.TypeOf(n.Chan)).Underlying().(*types.Chan); ok {
						conv(info, n.Value, ch.Elem())
					}
				case *ast.CallExpr:
					tv, ok := info.Types[n.Fun]
					if !ok {
						return true
					}
					if tv.IsType() {
						if len(n.Args) == 1 {
							conv(info, n.Args[0], tv.Type)
						}
						return true
					}
					sig, ok := tv.Type.Underlying().(*types.Signature)
					if !ok {
						return true
					}
					for i, a := range n.Args {
						conv(info, a, argType(sig, n, i))
					}
				case *ast.CompositeLit:
					t := info.TypeOf(n)
					if t == nil {
						return true
					}
					switch u := t.Underlying().(type) {
					case *types.Struct:
						for i, el := range n.Elts {
							if kv, ok := el.(*ast.KeyValueExpr); ok {
								if id, ok := kv.Key.(*ast.Ident); ok {
									if f, ok := info.Uses[id].(*types.Var); ok {
										conv(info, kv.Value, f.Type())
									}
								}
							} else if i < u.NumFields() {
								conv(info, el, u.Field(i).Type())
							}
						}
					case *types.Slice, *types.Array, *types.Map:
						var key, elem types.Type
						switch u := u.(type) {
						case *types.Slice:
							elem = u.Elem()
						case *types.Array:
							elem = u.Elem()
						case *types.Map:
							key, elem = u.Key(), u.Elem()
						}
						for _, el := range n.Elts {
							if kv, ok := el.(*ast.KeyValueExpr); ok {
								if key != nil {
									conv(info, kv.Key, key)
								}
								conv(info, kv.Value, elem)
							} else {
								conv(info, el, elem)
							}
						}
					}
				}
				return true
			})
		}
		for _, f := range p.Files {
			for _, d := range f.Decls {
				if fd, ok := d.(*ast.FuncDecl); ok {
					if fn, ok := info.Defs[fd.Name].(*types.Func); ok && fd.Body != nil {
						walk(fd.Body, fn.Signature().Results())
					}
					continue
				}
				walk(d, nil) // package-level var initializers
			}
		}
	}
	return boxed, asserted
}

// implements reports whether the receiver type of method impl implements
// iface.
func implements(impl *types.Func, iface *types.Interface) bool {
	t := impl.Signature().Recv().Type()
	if types.Implements(t, iface) {
		return true
	}
	if _, isPtr := t.(*types.Pointer); !isPtr {
		return types.Implements(types.NewPointer(t), iface)
	}
	return false
}

// funcBody returns the body of a function declaration or literal.
func funcBody(n ast.Node) *ast.BlockStmt {
	switch n := n.(type) {
	case *ast.FuncDecl:
		return n.Body
	case *ast.FuncLit:
		return n.Body
	}
	return nil
}

// callee returns the function or method a call calls, when static.
func callee(info *types.Info, call *ast.CallExpr) *types.Func {
	var id *ast.Ident
	switch fun := ast.Unparen(call.Fun).(type) {
	case *ast.Ident:
		id = fun
	case *ast.SelectorExpr:
		id = fun.Sel
	case *ast.IndexExpr:
		return callee(info, &ast.CallExpr{Fun: fun.X})
	case *ast.IndexListExpr:
		return callee(info, &ast.CallExpr{Fun: fun.X})
	default:
		return nil
	}
	fn, _ := info.Uses[id].(*types.Func)
	return fn
}

// isFunc reports whether fn is the package-level function path.name for
// one of names.
func isFunc(fn *types.Func, path string, names ...string) bool {
	if fn.Pkg() == nil || fn.Pkg().Path() != path || fn.Signature().Recv() != nil {
		return false
	}
	return slices.Contains(names, fn.Name())
}

// isNamed reports whether t is the named type path.name.
func isNamed(t types.Type, path, name string) bool {
	if t == nil {
		return false
	}
	n, ok := types.Unalias(t).(*types.Named)
	return ok && n.Obj().Pkg() != nil && n.Obj().Pkg().Path() == path && n.Obj().Name() == name
}

// isSignalChan reports whether t is a channel of os.Signal.
func isSignalChan(t types.Type) bool {
	if t == nil {
		return false
	}
	ch, ok := t.Underlying().(*types.Chan)
	return ok && isNamed(ch.Elem(), "os", "Signal")
}

// isMethod reports whether fn is one of the named methods of path.typ (or
// of a pointer to it).
func isMethod(fn *types.Func, path, typ string, names ...string) bool {
	if fn == nil || fn.Signature().Recv() == nil {
		return false
	}
	t := fn.Signature().Recv().Type()
	if ptr, ok := t.(*types.Pointer); ok {
		t = ptr.Elem()
	}
	return isNamed(t, path, typ) && slices.Contains(names, fn.Name())
}
