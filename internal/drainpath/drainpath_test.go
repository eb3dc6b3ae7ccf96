package drainpath_test

import (
	"bytes"
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"strings"
	"sync"
	"testing"

	"github.com/drainfix/drainfix/internal/drainpath"
	"golang.org/x/tools/go/gcexportdata"
)

// One importer for every case: type-checking os/signal and context from
// source is the slow part.
var (
	importMu  sync.Mutex
	importOne types.Importer
	fset      = token.NewFileSet()
)

// load type-checks src as package main and builds its model.
func load(t *testing.T, src string) (*drainpath.Model, *ast.File, *types.Info, *types.Package) {
	t.Helper()
	importMu.Lock()
	defer importMu.Unlock()
	if importOne == nil {
		importOne = importer.ForCompiler(fset, "source", nil)
	}
	f, err := parser.ParseFile(fset, "main.go", src, parser.SkipObjectResolution)
	if err != nil {
		t.Fatal(err)
	}
	info := &types.Info{
		Types: map[ast.Expr]types.TypeAndValue{}, Defs: map[*ast.Ident]types.Object{},
		Uses: map[*ast.Ident]types.Object{}, Selections: map[*ast.SelectorExpr]*types.Selection{},
	}
	pkg, err := (&types.Config{Importer: importOne}).Check(f.Name.Name, fset, []*ast.File{f}, info)
	if err != nil {
		t.Fatal(err)
	}
	return drainpath.New([]drainpath.Package{{Types: pkg, Info: info, Files: []*ast.File{f}}}, nil), f, info, pkg
}

// fn returns the function or method named name ("T.m" for a method).
func fn(t *testing.T, f *ast.File, info *types.Info, name string) *types.Func {
	t.Helper()
	for _, d := range f.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok {
			continue
		}
		n := fd.Name.Name
		if fd.Recv != nil {
			typ := fd.Recv.List[0].Type
			if s, ok := typ.(*ast.StarExpr); ok {
				typ = s.X
			}
			n = typ.(*ast.Ident).Name + "." + n
		}
		if n == name {
			return info.Defs[fd.Name].(*types.Func)
		}
	}
	t.Fatalf("no function %s", name)
	return nil
}

// callPos returns the position of the first call whose text is call.
func callPos(t *testing.T, f *ast.File, src, call string) token.Pos {
	t.Helper()
	i := strings.Index(src, call)
	if i < 0 {
		t.Fatalf("no %q in the source", call)
	}
	return fset.File(f.Pos()).Pos(i)
}

func TestOnDrainPath(t *testing.T) {
	cases := []struct {
		name      string
		src       string
		on, off   []string // functions on and off the drain path
		handles   bool
		stopCount int
	}{{
		name: "signal receive, then calls and interface calls",
		src: `package main

import (
	"os"
	"os/signal"
	"syscall"
)

type Stopper interface{ Stop() }
type pool struct{}

func (*pool) Stop()  { flush() }
func (*pool) Start() {}
func flush()         {}
func idle()          {}

func main() {
	var s Stopper = &pool{}
	c := make(chan os.Signal, 1)
	signal.Notify(c, syscall.SIGTERM)
	idle()
	<-c
	s.Stop()
}
`,
		on: []string{"pool.Stop", "flush"}, off: []string{"pool.Start", "idle", "main"},
		handles: true, stopCount: 1,
	}, {
		name: "a helper that returns after the signal",
		src: `package main

import (
	"os"
	"os/signal"
)

func waitForSignal() {
	c := make(chan os.Signal, 1)
	signal.Notify(c, os.Interrupt)
	<-c
}

func closeAll() {}
func serve()    {}

func main() {
	go serve()
	waitForSignal()
	closeAll()
}
`,
		on: []string{"closeAll"}, off: []string{"serve"}, handles: true, stopCount: 1,
	}, {
		name: "NotifyContext passed down; deferred calls run after",
		src: `package main

import (
	"context"
	"os"
	"os/signal"
)

func run(ctx context.Context) {
	defer cleanup()
	work()
	<-ctx.Done()
	drain()
}

func cleanup() {}
func work()    {}
func drain()   {}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	run(ctx)
}
`,
		on: []string{"cleanup", "drain"}, off: []string{"work"}, handles: true, stopCount: 1,
	}, {
		name: "a context cancelled after a signal, waited on in a select",
		src: `package main

import (
	"context"
	"os"
	"os/signal"
	"time"
)

func loop(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			finish()
			return
		case <-time.After(time.Second):
			tick()
		}
	}
}

func finish() {}
func tick()   {}

func main() {
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		c := make(chan os.Signal, 1)
		signal.Notify(c, os.Interrupt)
		<-c
		cancel()
	}()
	loop(ctx)
}
`,
		on: []string{"finish"}, off: []string{"tick"}, handles: true, stopCount: 2,
	}, {
		name: "a timeout context's Done is not a stop",
		src: `package main

import (
	"context"
	"os"
	"os/signal"
	"time"
)

func expired() {}

func main() {
	signal.Ignore(os.Interrupt)
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	<-ctx.Done()
	expired()
}
`,
		off: []string{"expired"}, handles: false, stopCount: 0,
	}, {
		name: "no signal handling: no drain",
		src: `package main

func stop() {}

func main() {
	stop()
}
`,
		off: []string{"stop"}, handles: false,
	}}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m, f, info, pkg := load(t, c.src)
			if !m.HasMain(pkg) {
				t.Error("HasMain is false")
			}
			if m.HandlesSignals(pkg) != c.handles {
				t.Errorf("HandlesSignals = %v, want %v", m.HandlesSignals(pkg), c.handles)
			}
			if got := len(m.Stops()); got != c.stopCount {
				t.Errorf("%d stops, want %d", got, c.stopCount)
			}
			for _, name := range c.on {
				if !m.OnDrainPath(fn(t, f, info, name)) {
					t.Errorf("%s is not on the drain path", name)
				}
			}
			for _, name := range c.off {
				if m.OnDrainPath(fn(t, f, info, name)) {
					t.Errorf("%s is on the drain path", name)
				}
			}
		})
	}
}

func TestRuns(t *testing.T) {
	src := `package main

import (
	"os"
	"os/signal"
)

func before() {}
func after()  {}
func inCase() {}
func other()  {}

func main() {
	c := make(chan os.Signal, 1)
	signal.Notify(c, os.Interrupt)
	before()
	select {
	case <-c:
		inCase()
	default:
		other()
	}
	after()
}
`
	m, f, info, _ := load(t, src)
	main := fn(t, f, info, "main")
	for call, want := range map[string]bool{
		"before()": false, "inCase()": true, "other()": false, "after()": false,
	} {
		// after() follows a select that may not have received: only
		// the case body surely runs after the stop.
		if got := m.Runs(callPos(t, f, src, "\t"+call)+1, main); got != want {
			t.Errorf("Runs(%s) = %v, want %v", call, got, want)
		}
	}
}

// Serving returns once the drain shuts the server down: the code after a
// serve call (in main, or after a call of a function that serves last)
// runs after the stop; a server started with go, or one no drain shuts
// down, ends nothing.
func TestServeEnds(t *testing.T) {
	src := `package main

import (
	"context"
	"net/http"
	"os"
	"os/signal"
	"syscall"
)

type App struct{ srv *http.Server }

func (a *App) run() {
	a.srv.ListenAndServe()
	a.flushInRun()
}

func (a *App) flushInRun() {}
func closeStores()         {}
func afterGo()             {}
func afterOther()          {}

func main() {
	a := &App{srv: &http.Server{}}
	other := &http.Server{}
	go func() {
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, syscall.SIGTERM)
		<-sig
		a.srv.Shutdown(context.Background())
	}()
	go other.ListenAndServe()
	afterGo()
	other.Serve(nil)
	afterOther()
	a.run()
	closeStores()
}
`
	m, f, info, _ := load(t, src)
	main := fn(t, f, info, "main")
	for call, want := range map[string]bool{
		"afterGo()": false, "afterOther()": false, "closeStores()": true,
	} {
		if got := m.Runs(callPos(t, f, src, "\t"+call)+1, main); got != want {
			t.Errorf("Runs(%s) = %v, want %v", call, got, want)
		}
	}
	if !m.OnDrainPath(fn(t, f, info, "App.flushInRun")) {
		t.Errorf("flushInRun, called after run's ListenAndServe, is not on the drain path")
	}
}

func TestInterfaceDispatch(t *testing.T) {
	src := `package main

import (
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

type Closer interface{ Close() }

type store struct{}

func (s *store) Close() {}

// pipeline fits Closer too, but the program never puts one behind an
// interface: a call through Closer cannot run its Close.
type pipeline struct{}

func (p *pipeline) Close() {}

// logged is only ever put in an any (a log argument): no call through
// Closer can find it. found is put in an any too, but the program asserts
// an any to Stopper, whose Stop the drain calls: it may find it there.
type logged struct{}

func (l *logged) Close() {}

type found struct{}

func (f *found) Stop() {}

type Stopper interface{ Stop() }

func stopAll(vs []any) {
	for _, v := range vs {
		if s, ok := v.(Stopper); ok {
			s.Stop()
		}
	}
}

// embedded reaches Closer inside wrapper, which promotes its Close.
type embedded struct{}

func (e *embedded) Close() {}

type wrapper struct{ *embedded }

func open() Closer { return &store{} }

func request() {
	p := &pipeline{}
	defer p.Close()
	fmt.Println(&logged{})
}

func main() {
	request()
	var closers []Closer
	closers = append(closers, open(), wrapper{&embedded{}})
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM)
	<-sig
	for _, c := range closers {
		c.Close()
	}
	stopAll([]any{&found{}})
}
`
	m, f, info, _ := load(t, src)
	wantOnDrainPath(t, m, f, info, map[string]bool{
		"store.Close": true, "embedded.Close": true, "pipeline.Close": false,
		"logged.Close": false, "found.Stop": true,
	})
}

// BoxedWith tells whether a call through an interface can reach a method
// without a type assertion: a type is reached through the interfaces the
// program converts its values to, also when the value is one result of a
// call assigned or returned with others.
func TestBoxedWith(t *testing.T) {
	src := `package main

import (
	"io"
	"os"
)

type Writer interface{ Write(p []byte) (int, error) }

// tap is only ever put behind Writer, from a call with an error.
type tap struct{}

func (*tap) Write(p []byte) (int, error) { return len(p), nil }
func (*tap) Close() error                { return nil }

func newTap() (*tap, error) { return &tap{}, nil }

// file goes behind io.Closer as the first of two results returned.
type file struct{}

func (*file) Close() error { return nil }

func newFile() (*file, error) { return &file{}, nil }

func openCloser() (io.Closer, error) { return newFile() }

// kept is assigned, with an error, to variables of interface types.
type kept struct{}

func (*kept) Close() error { return nil }

func newKept() (*kept, error) { return &kept{}, nil }

func main() {
	var w Writer
	var err error
	w, err = newTap()
	var c io.Closer
	c, err = newKept()
	_, _, _ = w, c, err
	_, _ = openCloser()
	os.Exit(0)
}
`
	m, f, info, _ := load(t, src)
	for name, want := range map[string]bool{
		"tap.Write": true, "tap.Close": false, "file.Close": true, "kept.Close": true,
	} {
		if got := m.BoxedWith(fn(t, f, info, name)); got != want {
			t.Errorf("BoxedWith(%s) = %v, want %v", name, got, want)
		}
	}
}

// A framework that catches SIGTERM inside its Run is a dependency drainfix
// has no syntax for: the loader reads it from export data, whose Imports
// lists only what its API names (not os/signal). The load's import graph
// tells that the program handles signals there, unseen.
func TestHandlesSignalsInDependency(t *testing.T) {
	importMu.Lock()
	defer importMu.Unlock()
	if importOne == nil {
		importOne = importer.ForCompiler(fset, "source", nil)
	}
	const fwSrc = `package fw

import (
	"os"
	"os/signal"
	"syscall"
)

type App struct{ Stop func() }

func (a *App) Run() {
	c := make(chan os.Signal, 1)
	signal.Notify(c, syscall.SIGTERM)
	<-c
	a.Stop()
}
`
	ff, err := parser.ParseFile(fset, "fw.go", fwSrc, 0)
	if err != nil {
		t.Fatal(err)
	}
	fwSource, err := (&types.Config{Importer: importOne}).Check("example.com/fw", fset, []*ast.File{ff}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := gcexportdata.Write(&buf, fset, fwSource); err != nil {
		t.Fatal(err)
	}
	fw, err := gcexportdata.Read(&buf, token.NewFileSet(), map[string]*types.Package{}, "example.com/fw")
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range fw.Imports() {
		if q.Path() == "os/signal" {
			t.Fatal("the export data's Imports lists os/signal: the case no longer shows what the graph is for")
		}
	}

	const src = `package main

import "example.com/fw"

func main() {
	app := &fw.App{Stop: stop}
	app.Run()
}

func stop() {}
`
	f, err := parser.ParseFile(fset, "main.go", src, 0)
	if err != nil {
		t.Fatal(err)
	}
	imp := importerFunc(func(path string) (*types.Package, error) {
		if path == "example.com/fw" {
			return fw, nil
		}
		return importOne.Import(path)
	})
	info := &types.Info{Types: map[ast.Expr]types.TypeAndValue{}, Defs: map[*ast.Ident]types.Object{}, Uses: map[*ast.Ident]types.Object{}, Selections: map[*ast.SelectorExpr]*types.Selection{}}
	pkg, err := (&types.Config{Importer: imp}).Check("main", fset, []*ast.File{f}, info)
	if err != nil {
		t.Fatal(err)
	}
	pkgs := []drainpath.Package{{Types: pkg, Info: info, Files: []*ast.File{f}}}

	if m := drainpath.New(pkgs, nil); m.HandlesSignals(pkg) {
		t.Error("without the graph: HandlesSignals = true; the types alone cannot show fw's os/signal")
	}
	graph := drainpath.Graph{
		"main":           {"example.com/fw"},
		"example.com/fw": {"os", "os/signal", "syscall"},
		"os/signal":      {"os"},
	}
	m := drainpath.New(pkgs, graph)
	if !m.HandlesSignals(pkg) || !m.HandlesSignalsUnseen(pkg) {
		t.Errorf("with the graph: HandlesSignals = %v, HandlesSignalsUnseen = %v; want both true (fw catches SIGTERM, drainfix has no syntax for it)",
			m.HandlesSignals(pkg), m.HandlesSignalsUnseen(pkg))
	}
	if m.ForcesExit(pkg) {
		t.Error("ForcesExit = true for a program whose drain is unseen")
	}

	// stop is handed to fw's field Stop: a stop hook of a package that
	// handles signals, so it runs on the drain, which fw's source would
	// show; without the graph nothing shows fw handles signals.
	stop := fn(t, f, info, "stop")
	body := funcDecl(f, "stop").Body
	if !m.Runs(body.Pos(), stop) {
		t.Error("with the graph: Runs(stop) = false; want true (a stop hook of a package that catches SIGTERM)")
	}
	if m := drainpath.New(pkgs, nil); m.Runs(body.Pos(), stop) {
		t.Error("without the graph: Runs(stop) = true; nothing shows fw handles signals")
	}
}

// funcDecl returns the declaration of the function named name.
func funcDecl(f *ast.File, name string) *ast.FuncDecl {
	for _, d := range f.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv == nil && fd.Name.Name == name {
			return fd
		}
	}
	return nil
}

type importerFunc func(path string) (*types.Package, error)

func (f importerFunc) Import(path string) (*types.Package, error) { return f(path) }

// SignalCtx: the contexts the stop surely cancels, followed through
// variables, struct fields (by key, by position, by assignment) and the
// parameters every call gives one; not a field or parameter also given
// another context (also through an interface's method), a context for SIGHUP alone, WithoutCancel, or a
// function also used as a value.
func TestSignalCtx(t *testing.T) {
	src := `package main

import (
	"context"
	"os/signal"
	"syscall"
)

type A struct{ ctx context.Context }
type B struct {
	ctx  context.Context
	name string
}
type C struct{ ctx context.Context }
type D struct{ ctx context.Context }

func newA(ctx context.Context) *A { return &A{ctx: ctx} }
func newB(ctx context.Context) *B { b := &B{}; b.ctx = ctx; return b }
func newC(ctx context.Context) *C { return &C{ctx} }
func valueOf(ctx context.Context) *D { return &D{ctx: ctx} }

func (a *A) use() context.Context { return a.ctx }
func (b *B) use() context.Context { return b.ctx }
func (c *C) use() context.Context { return c.ctx }
func (d *D) use() context.Context { return d.ctx }

func param(ctx context.Context) context.Context { return ctx }

type E struct{}

func (E) take(ctx context.Context) context.Context { return ctx }

type taker interface{ take(context.Context) context.Context }
func mixed(ctx context.Context) context.Context { return ctx }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	hup, stop2 := signal.NotifyContext(context.Background(), syscall.SIGHUP)
	defer stop2()
	all, stop3 := signal.NotifyContext(context.Background())
	defer stop3()
	child, cancel := context.WithCancel(ctx)
	defer cancel()
	kept := context.WithoutCancel(ctx)
	newA(ctx).use()
	newB(child).use()
	newC(all).use()
	valueOf(ctx).use()
	f := valueOf
	_ = f
	param(ctx)
	E{}.take(ctx)
	var tk taker = E{}
	tk.take(context.Background())
	mixed(ctx)
	mixed(context.Background())
	_, _ = hup, kept
}
`
	m, f, info, _ := load(t, src)
	var exprs = map[string]ast.Expr{}
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.ReturnStmt:
			if len(n.Results) == 1 {
				exprs["return "+types.ExprString(n.Results[0])+" in "+fset.Position(n.Pos()).String()] = n.Results[0]
			}
		case *ast.AssignStmt:
			for _, l := range n.Lhs {
				if id, ok := l.(*ast.Ident); ok && id.Name != "_" {
					exprs[id.Name] = id
				}
			}
		}
		return true
	})
	at := func(method string) ast.Expr {
		t.Helper()
		d := fn(t, f, info, method)
		for _, d2 := range f.Decls {
			if fd, ok := d2.(*ast.FuncDecl); ok && info.Defs[fd.Name] == d {
				return fd.Body.List[len(fd.Body.List)-1].(*ast.ReturnStmt).Results[0]
			}
		}
		t.Fatalf("no return in %s", method)
		return nil
	}
	for _, c := range []struct {
		name string
		e    ast.Expr
		want bool
	}{
		{"the NotifyContext variable", exprs["ctx"], true},
		{"a WithCancel child of it", exprs["child"], true},
		{"NotifyContext of every signal", exprs["all"], true},
		{"NotifyContext of SIGHUP alone", exprs["hup"], false},
		{"WithoutCancel of it", exprs["kept"], false},
		{"a field set by key from a parameter given it", at("A.use"), true},
		{"a field set by assignment from a parameter given its child", at("B.use"), true},
		{"a field set by position", at("C.use"), true},
		{"a field set from a function also used as a value", at("D.use"), false},
		{"a parameter every call gives it", at("param"), true},
		{"a parameter also given Background", at("mixed"), false},
		{"a method's parameter, the method also called through an interface", at("E.take"), false},
	} {
		if c.e == nil {
			t.Fatalf("%s: no expression", c.name)
		}
		if got := m.SignalCtx(info, c.e); got != c.want {
			t.Errorf("%s (%s): SignalCtx = %v, want %v", c.name, types.ExprString(c.e), got, c.want)
		}
	}
}

// A channel given to signal.Notify only with signals that do not stop a
// process (SIGHUP for a reload, SIGUSR1) is not a stop: the code after its
// receive is a reload, not a drain. One also given SIGTERM, or every
// signal, is.
func TestReloadChannelNotStop(t *testing.T) {
	src := `package main

import (
	"os"
	"os/signal"
	"syscall"
)

func reload() {}
func dump()   {}

var hup = make(chan os.Signal, 1)

func watch() {
	for range hup {
		reload()
	}
}
func drain()  {}
func both()   {}
func viaParam() {}
func shared()   {}

func watchParam(ch chan os.Signal) {
	for range ch {
		viaParam()
	}
}

func watchShared(ch chan os.Signal) {
	<-ch
	shared()
}

func forwarded() {}
func repointed() {}
func viaAddr()   {}

func serveReload(ch chan os.Signal) { watchForwarded(ch) }

func watchForwarded(ch chan os.Signal) {
	for range ch {
		forwarded()
	}
}

var term2 = make(chan os.Signal, 1)

func watchRepointed(ch chan os.Signal, andStop bool) {
	if andStop {
		ch = term2
	}
	<-ch
	repointed()
}

func watchAddr(ch chan os.Signal) {
	<-ch
	viaAddr()
}

func swap(pc *chan os.Signal) { *pc = term2 }

func main() {
	signal.Notify(hup, syscall.SIGHUP, syscall.SIGUSR1)
	go watch()
	go watchParam(hup)
	go watchShared(hup)
	term := make(chan os.Signal, 1)
	signal.Notify(term, syscall.SIGTERM)
	go watchShared(term)
	signal.Notify(term2, syscall.SIGTERM)
	go serveReload(hup)
	go watchRepointed(hup, true)
	hup2 := make(chan os.Signal, 1)
	signal.Notify(hup2, syscall.SIGHUP)
	swap(&hup2)
	go watchAddr(hup2)
	usr := make(chan os.Signal, 1)
	signal.Notify(usr, syscall.SIGUSR2)
	go func() {
		<-usr
		dump()
	}()
	mixed := make(chan os.Signal, 1)
	signal.Notify(mixed, syscall.SIGHUP)
	signal.Notify(mixed, syscall.SIGTERM)
	go func() {
		<-mixed
		both()
	}()
	all := make(chan os.Signal, 1)
	signal.Notify(all)
	<-all
	drain()
}
`
	m, f, info, _ := load(t, src)
	wantOnDrainPath(t, m, f, info, map[string]bool{
		"reload": false, "dump": false, "both": true, "drain": true,
		"viaParam":  false, // a parameter given only the reload channel
		"shared":    true,  // one call hands it a SIGTERM channel
		"forwarded": false, // handed on from a parameter given only the reload channel
		"repointed": true,  // the parameter is set to a SIGTERM channel
		"viaAddr":   true,  // the argument's address is taken: it may be set to anything
	})
}

// A loop over a channel given only SIGHUP reloads, but a block in it that
// ends in os.Exit(0) hands over to a new process and drains this one: its
// code runs when the process stops.
func TestHandover(t *testing.T) {
	src := `package main

import (
	"os"
	"os/signal"
	"syscall"
	"time"
)

func startChild() error { return nil }
func drain()   {}
func reload()  {}
func failed()  {}
func logIt()   {}
func inCase()  {}
func inSelect() {}
func afterRecv() {}
func restart() {}
func handoverOnly() {}
func stopFirst()    {}
func closeEach()    {}
func deferredOnly() {}

func main() {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	go func() {
		for range hup {
			reload()
			if err := startChild(); err != nil {
				failed()
				os.Exit(1)
			}
		}
	}()
	up := make(chan os.Signal, 1)
	signal.Notify(up, syscall.SIGUSR2)
	a, b, c, d := make(chan os.Signal, 1), make(chan os.Signal, 1), make(chan os.Signal, 1), make(chan os.Signal, 1)
	signal.Notify(a, syscall.SIGUSR2)
	signal.Notify(b, syscall.SIGUSR2)
	signal.Notify(c, syscall.SIGUSR2)
	signal.Notify(d, syscall.SIGHUP)
	go func() {
		for s := range a {
			switch s {
			case syscall.SIGUSR2:
				inCase()
				os.Exit(0)
			}
		}
	}()
	go func() {
		for {
			select {
			case <-b:
				inSelect()
				os.Exit(0)
			case <-time.After(time.Second):
			}
		}
	}()
	go func() {
		<-c
		afterRecv()
		os.Exit(0)
	}()
	go func() {
		for range d {
			if os.Getenv("UPGRADE") == "" {
				restart()
				continue
			}
			handoverOnly()
			os.Exit(0)
		}
	}()
	e := make(chan os.Signal, 1)
	signal.Notify(e, syscall.SIGUSR2)
	go func() {
		for range e {
			stopFirst()
			for _, c := range []int{0, 1} {
				if c == 0 {
					continue
				}
				closeEach()
			}
			defer deferredOnly()
			if err := startChild(); err != nil {
				continue
			}
			os.Exit(0)
		}
	}()
	for s := range up {
		logIt()
		if s == syscall.SIGUSR2 {
			if err := startChild(); err != nil {
				continue
			}
			drain()
			os.Exit(0)
		}
	}
}
`
	m, f, info, _ := load(t, src)
	wantOnDrainPath(t, m, f, info, map[string]bool{
		"drain": true, "inCase": true, "inSelect": true, "afterRecv": true, "handoverOnly": true,
		"reload": false, "failed": false, "logIt": false,
		"restart":   false,                   // a reload that continues, before the handover's tail
		"stopFirst": true, "closeEach": true, // before a spawn that may fail, and behind an inner loop's continue
		"deferredOnly": false, // os.Exit skips it
	})
}

// A slice of signals spread into signal.Notify holds what its literal,
// its append's arguments and the values its variable is given hold; a
// variadic parameter holds what each call names; anything else may be a
// stop signal.
func TestSpreadSignals(t *testing.T) {
	src := `package main

import (
	"os"
	"os/signal"
	"syscall"
)

var reloadSignals = []os.Signal{syscall.SIGHUP}

var stopSignals []os.Signal

func init() { stopSignals = append(stopSignals, syscall.SIGTERM) }

func signals() []os.Signal { return nil }

func notifyReload(ch chan<- os.Signal, extra ...os.Signal) {
	signal.Notify(ch, append([]os.Signal{syscall.SIGHUP}, extra...)...)
}

func onVar()     {}
func onAppended() {}
func onUsr()     {}
func onTerm()    {}
func onUnknown() {}
func onForward() {}
func onGrown()   {}

func forward(ch chan os.Signal, sigs ...os.Signal) { notifyReload(ch, sigs...) }

func notifyWith(ch chan os.Signal, sigs []os.Signal) { signal.Notify(ch, sigs...) }

func onEmpty() {}
func onNil()   {}

func main() {
	a := make(chan os.Signal, 1)
	signal.Notify(a, reloadSignals...)
	go func() { <-a; onVar() }()
	b := make(chan os.Signal, 1)
	signal.Notify(b, append(reloadSignals, syscall.SIGUSR2)...)
	go func() { <-b; onAppended() }()
	c := make(chan os.Signal, 1)
	notifyReload(c, syscall.SIGUSR2)
	go func() { <-c; onUsr() }()
	d := make(chan os.Signal, 1)
	notifyReload(d, syscall.SIGTERM)
	go func() { <-d; onTerm() }()
	e := make(chan os.Signal, 1)
	signal.Notify(e, signals()...)
	go func() { <-e; onUnknown() }()
	f := make(chan os.Signal, 1)
	forward(f, syscall.SIGHUP)
	go func() { <-f; onForward() }()
	var maybe []os.Signal
	if len(os.Args) > 2 {
		maybe = append(maybe, syscall.SIGHUP)
	}
	h := make(chan os.Signal, 1)
	signal.Notify(h, maybe...)
	go func() { <-h; onEmpty() }()
	k := make(chan os.Signal, 1)
	notifyWith(k, nil)
	go func() { <-k; onNil() }()
	g := make(chan os.Signal, 1)
	signal.Notify(g, stopSignals...)
	<-g
	onGrown()
}
`
	m, f, info, _ := load(t, src)
	wantOnDrainPath(t, m, f, info, map[string]bool{
		"onVar": false, "onAppended": false, "onUsr": false, // only reload signals
		"onTerm": true, "onUnknown": true, "onGrown": true,
		"onEmpty": true, "onNil": true, // no signals: every one
		"onForward": true, // a wrapper of a wrapper: what forward's callers name is not read
	})
}

// A signal wrapper calls signal.Notify on a channel of its own and
// forwards what it receives into the caller's channel (a send, or a
// close): receiving from the caller's channel is learning to stop when
// the wrapper or the call names a stop signal, and not in a branch taken
// only for a reload; a wrapper's channel parameter handed to another
// wrapper is forwarded into too.
func TestSignalWrapper(t *testing.T) {
	src := `package main

import (
	"context"
	"log"
	"os"
	"os/signal"
	"syscall"
)

type Signal string

const (
	SignalTerm Signal = "term"
	SignalUsr2 Signal = "usr2"
)

const maintenance = syscall.SIGUSR2

var toOS = map[Signal]os.Signal{SignalTerm: syscall.SIGTERM, SignalUsr2: syscall.SIGUSR2}

func NotifySignal(c chan<- Signal, sig ...Signal) {
	ch := make(chan os.Signal, cap(c))
	sigs := make([]os.Signal, 0, len(sig))
	for _, s := range sig {
		sigs = append(sigs, toOS[s])
	}
	signal.Notify(ch, sigs...)
	go func() {
		for range ch {
			c <- SignalTerm
		}
	}()
}

// notifyOn takes its signals from the caller, beside a context and a logger.
func notifyOn(ctx context.Context, l *log.Logger, c chan<- os.Signal, sigs ...os.Signal) {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, sigs...)
	go func() {
		for s := range ch {
			c <- s
		}
	}()
}

// route sends SIGHUP to reload and the rest to stop.
func route(reload, stop chan<- struct{}) {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGHUP, syscall.SIGTERM)
	go func() {
		for s := range ch {
			switch s {
			case syscall.SIGHUP:
				reload <- struct{}{}
			default:
				stop <- struct{}{}
				return
			}
		}
	}()
}

// closeOnTerm closes done on SIGTERM.
func closeOnTerm(done chan struct{}) {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGTERM)
	go func() {
		<-ch
		close(done)
	}()
}

// terminateOn hands its channel to a wrapper.
func terminateOn(c chan os.Signal) {
	notifyOn(context.Background(), nil, c, syscall.SIGTERM, os.Interrupt)
}

// forward hands on what it is given, without signal.Notify of its own.
func forward(in <-chan int, out chan<- int) {
	for v := range in {
		out <- v
	}
}

func upgrade()  {}
func drain()    {}
func consume()  {}
func reopen()   {}
func dump()     {}
func swap()     {}
func stopAll()  {}
func closeAll() {}
func finish()   {}

func main() {
	usr2 := make(chan Signal, 1)
	NotifySignal(usr2, SignalUsr2)
	go func() {
		<-usr2
		upgrade()
	}()
	in, out := make(chan int), make(chan int)
	go forward(in, out)
	go func() {
		<-out
		consume()
	}()
	hup := make(chan os.Signal, 1)
	notifyOn(context.Background(), log.Default(), hup, syscall.SIGHUP)
	go func() {
		<-hup
		reopen()
	}()
	maint := make(chan os.Signal, 1)
	notifyOn(context.Background(), nil, maint, maintenance)
	go func() {
		<-maint
		dump()
	}()
	reload, stop := make(chan struct{}, 1), make(chan struct{}, 1)
	route(reload, stop)
	go func() {
		<-reload
		swap()
	}()
	go func() {
		<-stop
		stopAll()
	}()
	done := make(chan struct{})
	closeOnTerm(done)
	go func() {
		<-done
		closeAll()
	}()
	term := make(chan os.Signal, 1)
	terminateOn(term)
	go func() {
		<-term
		finish()
	}()
	c := make(chan Signal, 1)
	NotifySignal(c, SignalTerm)
	<-c
	drain()
}
`
	m, f, info, _ := load(t, src)
	wantOnDrainPath(t, m, f, info, map[string]bool{
		"drain": true, "stopAll": true, "closeAll": true, "finish": true,
		"upgrade": false, "consume": false, "reopen": false, "dump": false, "swap": false,
	})
}

// Code in a branch taken only for a signal that asks for no stop (if s ==
// syscall.SIGHUP, case syscall.SIGUSR1:, case s == syscall.SIGHUP || s ==
// syscall.SIGUSR2:) runs after a receive from a stop channel but is no
// drain. A loop over a signal channel that leaves by a break or a return
// runs what follows it after the stop; one that never leaves, nothing.
func TestReloadBranch(t *testing.T) {
	src := `package main

import (
	"os"
	"os/signal"
	"syscall"
)

func reload()   {}
func reopen()   {}
func rotate()   {}
func drain()    {}
func flush()    {}
func after()    {}
func deferred() {}
func never()    {}
func inLoop()   {}
func quit()     {}
func hupOrTerm() {}
func viaWrapper() {}
func upgrade()    {}
func onHup()      {}
func viaHelper()  {}
func notReload()  {}

func isReload(s os.Signal) bool { return s == syscall.SIGHUP || s == syscall.SIGUSR1 }

func isQuit(s os.Signal) bool { return s == syscall.SIGQUIT }

// notifyReload asks for SIGHUP only, on the caller's channel.
func notifyReload(ch chan<- os.Signal) { signal.Notify(ch, syscall.SIGHUP) }

// notify always asks for SIGTERM and os.Interrupt, and for what the
// caller adds.
func notify(out chan<- os.Signal, extra ...os.Signal) {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, append([]os.Signal{syscall.SIGTERM, os.Interrupt}, extra...)...)
	go func() {
		for s := range ch {
			out <- s
		}
	}()
}

func serve(sigs chan os.Signal) {
	defer deferred()
	for s := range sigs {
		if s == syscall.SIGHUP {
			reload()
			continue
		}
		if s == syscall.SIGUSR2 {
			upgrade() // hands over to a new process and exits
			os.Exit(0)
		}
		if isReload(s) {
			viaHelper()
			continue
		}
		if isQuit(s) {
			notReload()
		}
		switch s {
		case syscall.SIGUSR1, syscall.SIGUSR2:
			reopen()
			continue
		case syscall.SIGQUIT:
			quit()
		}
		switch {
		case s == syscall.SIGWINCH || s == syscall.SIGCONT:
			rotate()
		case s == syscall.SIGHUP || s == syscall.SIGTERM:
			hupOrTerm()
		}
		drain()
		break
	}
	after()
}

func forever(sigs chan os.Signal) {
	for range sigs {
		inLoop()
	}
	never()
}

func main() {
	sigs := make(chan os.Signal, 1)
	notify(sigs, syscall.SIGHUP, syscall.SIGUSR1)
	other := make(chan os.Signal, 1)
	signal.Notify(other, syscall.SIGINT)
	go forever(other)
	term := make(chan os.Signal, 1)
	notify(term)
	go func() {
		<-term
		viaWrapper()
	}()
	hup := make(chan os.Signal, 1)
	notifyReload(hup)
	go func() {
		for range hup {
			onHup()
		}
	}()
	serve(sigs)
	flush()
}
`
	m, f, info, _ := load(t, src)
	wantOnDrainPath(t, m, f, info, map[string]bool{
		"drain": true, "after": true, "deferred": true, "flush": true, "quit": true, "hupOrTerm": true, "inLoop": true, "viaWrapper": true, "upgrade": true, "onHup": false, "viaHelper": false, "notReload": true,
		"reload": false, "reopen": false, "rotate": false, "never": false,
	})
}

// A function that makes a channel, closes it (or sends on it) once a
// signal arrives and returns it hands its caller a stop channel (the
// setupSignalHandler of controller-runtime's older releases): receiving
// from what the call returns, directly, through a variable or through a
// parameter, is a stop. A channel a function returns and closes for
// another reason (work done) is none.
func TestReturnedRelay(t *testing.T) {
	src := `package main

import (
	"os"
	"os/signal"
	"sync"
	"syscall"
)

func setupSignalHandler() <-chan struct{} {
	stop := make(chan struct{})
	ch := make(chan os.Signal, 2)
	signal.Notify(ch, syscall.SIGTERM, os.Interrupt)
	go func() {
		<-ch
		close(stop)
		<-ch
		os.Exit(1)
	}()
	return stop
}

func work() <-chan struct{} {
	done := make(chan struct{})
	go func() {
		close(done)
	}()
	return done
}

func drain()    {}
func direct()   {}
func viaParam() {}
func finished() {}
func viaField() {}
func viaDone()  {}
func joined()   {}
func started()  {}

func relayed()    {}
func notRelayed() {}

func relay(sigs <-chan os.Signal, stop chan<- struct{}) {
	<-sigs
	stop <- struct{}{}
}

func ready(c chan<- struct{}) { c <- struct{}{} }

type Controller struct{ stopCh <-chan struct{} }

func NewController(stopCh <-chan struct{}) *Controller { return &Controller{stopCh: stopCh} }

func (c *Controller) Run() {
	<-c.stopCh
	viaField()
}

type Lifecycle struct{ quit chan struct{} }

func NewLifecycle() *Lifecycle {
	l := &Lifecycle{quit: make(chan struct{})}
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGTERM)
	go func() {
		<-ch
		close(l.quit)
	}()
	return l
}

func (l *Lifecycle) Done() <-chan struct{} { return l.quit }

func waitSignal(wg *sync.WaitGroup) {
	defer wg.Done()
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGINT)
	<-ch
}

func wait(stop <-chan struct{}) {
	<-stop
	viaParam()
}

func main() {
	go wait(setupSignalHandler())
	go func() {
		<-setupSignalHandler()
		direct()
	}()
	go func() {
		<-work()
		finished()
	}()
	go NewController(setupSignalHandler()).Run()
	go func() {
		<-NewLifecycle().Done()
		viaDone()
	}()
	go func() {
		var wg sync.WaitGroup
		wg.Add(1)
		go waitSignal(&wg)
		started()
		wg.Wait()
		joined()
	}()
	go func() {
		sigs := make(chan os.Signal, 1)
		signal.Notify(sigs, syscall.SIGTERM)
		stop := make(chan struct{})
		go relay(sigs, stop)
		<-stop
		relayed()
	}()
	go func() {
		r := make(chan struct{})
		go ready(r)
		<-r
		notRelayed()
	}()
	stop := setupSignalHandler()
	<-stop
	drain()
}
`
	m, f, info, _ := load(t, src)
	wantOnDrainPath(t, m, f, info, map[string]bool{
		"drain": true, "direct": true, "viaParam": true, "finished": false,
		"viaField": true, "viaDone": true, "joined": true, "started": false,
		"relayed": true, "notRelayed": false,
	})
}

// A serve loop whose case on the signal context's Done returns: its
// caller's deferred Stop, and what follows its call, run after the stop
// (alertmanager's Run and serveLoop, blind set BT, HELD-WRONG). A loop
// whose Done case only breaks to a later return is not such a return, and
// one that returns only on another channel's case says nothing of the
// stop.
func TestReturnAfterStop(t *testing.T) {
	src := `package main

import (
	"context"
	"os/signal"
	"syscall"
)

type App struct{ errc chan error }

func stopApp()   {}
func afterLoop() {}
func afterErr()  {}

func (a *App) serveLoop(ctx context.Context) error {
	for {
		select {
		case <-ctx.Done():
			return nil
		case err := <-a.errc:
			return err
		}
	}
}

func (a *App) errLoop(ctx context.Context) error {
	for {
		select {
		case err := <-a.errc:
			return err
		}
	}
}

func run(ctx context.Context, a *App) error {
	defer func() { stopApp() }()
	err := a.serveLoop(ctx)
	afterLoop()
	return err
}

func runErr(ctx context.Context, a *App) error {
	err := a.errLoop(ctx)
	afterErr()
	return err
}

func main() {
	ctx, cancel := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer cancel()
	a := &App{errc: make(chan error)}
	go runErr(ctx, a)
	run(ctx, a)
}
`
	m, f, info, _ := load(t, src)
	wantOnDrainPath(t, m, f, info, map[string]bool{
		"stopApp": true, "afterLoop": true, "afterErr": false,
	})
}

// wantOnDrainPath checks OnDrainPath of the functions of f named in want.
func wantOnDrainPath(t *testing.T, m *drainpath.Model, f *ast.File, info *types.Info, want map[string]bool) {
	t.Helper()
	for name, w := range want {
		if got := m.OnDrainPath(fn(t, f, info, name)); got != w {
			t.Errorf("OnDrainPath(%s) = %v, want %v", name, got, w)
		}
	}
}
