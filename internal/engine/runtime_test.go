//go:build drainfix_runtime

package engine_test

// The runtime tests prove the fixes that change timing at run time: each
// program is built before and after drainfix fixes it, started, given a
// request (or job) in flight, and sent SIGTERM; the test checks what the
// process did with the work and how long it took to exit. They build and
// run programs, so they run only with -tags drainfix_runtime (.ci/run sets
// it).

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/drainfix/drainfix/internal/engine"
	"github.com/drainfix/drainfix/internal/registry"
)

// The drain deadline written into the fixes: short, so that a test of a
// hung drain does not take long.
const runtimeTimeout = 2 * time.Second

// An outcome is what one run of a program did after SIGTERM.
type outcome struct {
	reply    string        // the body of the request in flight, or the error
	exited   bool          // the process exited within the wait
	took     time.Duration // from SIGTERM to exit
	output   string        // stdout and stderr
	exitCode int
}

// build writes src as a module in a new directory, optionally fixes it with
// every rule, and builds it; it returns the binary and the fixed main.go.
func build(t *testing.T, src string, fix bool) (string, string) {
	return buildRequiring(t, src, fix, "")
}

// buildRequiring is build for a program that requires the module
// require ("go.uber.org/zap v1.27.0"), fetched by go mod tidy.
func buildRequiring(t *testing.T, src string, fix bool, require string) (string, string) {
	t.Helper()
	dir := t.TempDir()
	mod := "module example.com/app\n\ngo 1.22\n"
	if require != "" {
		mod += "\nrequire " + require + "\n"
	}
	writeTestFile(t, filepath.Join(dir, "go.mod"), []byte(mod))
	writeTestFile(t, filepath.Join(dir, "main.go"), []byte(src))
	if require != "" {
		tidy := exec.Command("go", "mod", "tidy")
		tidy.Dir = dir
		if out, err := tidy.CombinedOutput(); err != nil {
			t.Fatalf("go mod tidy: %v\n%s", err, out)
		}
	}
	if fix {
		fixDir(t, dir)
	}
	bin := filepath.Join(dir, "app")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	fixed, _ := os.ReadFile(filepath.Join(dir, "main.go"))
	return bin, string(fixed)
}

// fixDir fixes the module in dir with every rule, -timeout runtimeTimeout.
func fixDir(t *testing.T, dir string) {
	t.Helper()
	res, err := engine.Run(engine.Config{
		Dir: dir, Patterns: []string{"./..."}, Rules: registry.All(), Timeout: runtimeTimeout,
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range res.Errors {
		t.Fatal(e)
	}
	if len(res.Fixes) == 0 {
		t.Fatalf("drainfix fixed nothing; findings: %+v", res.Findings)
	}
	for _, fx := range res.Fixes {
		writeTestFile(t, fx.Path, fx.New)
	}
}

// freeAddr returns a loopback address nothing listens on.
func freeAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// serveAndTerm starts bin with ADDR set, waits until it accepts
// connections, makes a request to /slow (whose handler takes about a
// second), sends SIGTERM while it is in flight and waits up to wait for the
// process to exit.
func serveAndTerm(t *testing.T, bin string, wait time.Duration) outcome {
	return serveAndTermAfter(t, bin, wait, 0)
}

// serveAndTermAfter is serveAndTerm for a process that has been up for at
// least uptime when the request comes.
func serveAndTermAfter(t *testing.T, bin string, wait, uptime time.Duration) outcome {
	t.Helper()
	addr := freeAddr(t)
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(), "ADDR="+addr)
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the program never listened on %s:\n%s", addr, out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(uptime)
	reply := make(chan string, 1)
	go func() {
		resp, err := http.Get("http://" + addr + "/slow")
		if err != nil {
			reply <- "error: " + err.Error()
			return
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			reply <- "error: " + err.Error()
			return
		}
		reply <- string(b)
	}()
	time.Sleep(300 * time.Millisecond) // the request is in the handler
	sent := time.Now()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	o := outcome{}
	select {
	case err := <-exited:
		o.exited, o.took = true, time.Since(sent)
		if ee, ok := err.(*exec.ExitError); ok {
			o.exitCode = ee.ExitCode()
		}
	case <-time.After(wait):
	}
	select {
	case o.reply = <-reply:
	case <-time.After(3 * time.Second):
		o.reply = "no reply"
	}
	o.output = out.String()
	return o
}

const slowHandler = `
func slow(w http.ResponseWriter, r *http.Request) {
	time.Sleep(time.Second)
	fmt.Fprint(w, "done")
}
`

// exit-before-drain: before the fix, main returns as soon as Shutdown
// starts and the request in flight gets no reply; after it, main waits for
// the drain, the request completes and the process exits.
func TestRuntimeExitBeforeDrain(t *testing.T) {
	src := `package main

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)
` + slowHandler + `
func main() {
	http.HandleFunc("/slow", slow)
	srv := &http.Server{Addr: os.Getenv("ADDR")}
	go func() {
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, syscall.SIGTERM)
		<-sig
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			log.Printf("shutdown: %v", err)
		}
	}()
	if err := srv.ListenAndServe(); err != nil && err != http.ErrServerClosed {
		log.Fatal(err)
	}
}
`
	before, _ := build(t, src, false)
	after, fixed := build(t, src, true)
	if !strings.Contains(fixed, "<-drained") {
		t.Fatalf("the fix does not wait for the drain:\n%s", fixed)
	}
	b := serveAndTerm(t, before, 5*time.Second)
	if b.reply == "done" {
		t.Errorf("before the fix the request in flight completed; the case proves nothing")
	}
	a := serveAndTerm(t, after, 5*time.Second)
	if a.reply != "done" || !a.exited || a.took > 3*time.Second {
		t.Errorf("after the fix: reply %q, exited %v after %v; want done, exited within 3s\n%s", a.reply, a.exited, a.took, a.output)
	}
}

// drain-ctx-cancelled, the done context itself handed to Shutdown: before
// the fix, Shutdown returns at once (its context is done), main returns
// and the request in flight gets no reply; after it, the drain has a
// deadline of its own, made after the wait, the request completes and the
// process exits within the budget.
func TestRuntimeDoneCtxDrain(t *testing.T) {
	src := `package main

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)
` + slowHandler + `
func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	http.HandleFunc("/slow", slow)
	srv := &http.Server{Addr: os.Getenv("ADDR")}
	go func() {
		if err := srv.ListenAndServe(); err != nil && err != http.ErrServerClosed {
			log.Fatal(err)
		}
	}()
	<-ctx.Done()
	if err := srv.Shutdown(ctx); err != nil {
		log.Printf("shutdown: %v", err)
	}
}
`
	cutThenDrained(t, src, "context.WithTimeout(context.Background(), 2*time.Second)", "srv.Shutdown(ctx)", "the fix does not give the drain a deadline of its own")
}

// cutThenDrained builds src before and after the fix and checks that the
// fixed source holds want (and not notWant, when set; else it fails with
// why), that SIGTERM with a request in flight cuts the request before the
// fix, Shutdown failing with "context canceled", and that after the fix the
// request completes and the process exits within the deadline.
func cutThenDrained(t *testing.T, src, want, notWant, why string) {
	t.Helper()
	before, _ := build(t, src, false)
	after, fixed := build(t, src, true)
	if !strings.Contains(fixed, want) || notWant != "" && strings.Contains(fixed, notWant) {
		t.Fatalf("%s:\n%s", why, fixed)
	}
	b := serveAndTerm(t, before, 5*time.Second)
	if b.reply == "done" || !strings.Contains(b.output, "context canceled") {
		t.Errorf("before the fix: reply %q, output %q; want the request cut and Shutdown failing with context canceled (else the case proves nothing)", b.reply, b.output)
	}
	a := serveAndTerm(t, after, 5*time.Second)
	if a.reply != "done" || !a.exited || a.took > runtimeTimeout+time.Second {
		t.Errorf("after the fix: reply %q, exited %v after %v; want done, exited within the deadline\n%s", a.reply, a.exited, a.took, a.output)
	}
}

// drain-ctx-cancelled, the done context handed to a shutdown helper that
// derives its deadline from it: before the fix the helper's deadline is
// done at once, Shutdown fails with context canceled and the request in
// flight is cut; after it (context.WithoutCancel) the helper's own budget
// runs, the request completes and the process exits within it.
func TestRuntimeDoneCtxHelper(t *testing.T) {
	src := `package main

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)
` + slowHandler + `
func shutdown(ctx context.Context, srv *http.Server) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	return srv.Shutdown(ctx)
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	http.HandleFunc("/slow", slow)
	srv := &http.Server{Addr: os.Getenv("ADDR")}
	go func() {
		if err := srv.ListenAndServe(); err != nil && err != http.ErrServerClosed {
			log.Fatal(err)
		}
	}()
	<-ctx.Done()
	if err := shutdown(ctx, srv); err != nil {
		log.Printf("shutdown: %v", err)
	}
}
`
	cutThenDrained(t, src, "shutdown(context.WithoutCancel(ctx), srv)", "", "the fix does not hand the helper a context that is not done")
}

// drain-ctx-cancelled, a drain deadline derived from the signal context
// kept in a field: before the fix the deadline is done at birth, Shutdown
// fails with context canceled and the request in flight is cut; after it
// (context.WithoutCancel) the request completes and the process exits
// within the deadline.
func TestRuntimeDrainCtxStored(t *testing.T) {
	src := `package main

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)
` + slowHandler + `
type Server struct {
	ctx context.Context
	srv *http.Server
}

func (s *Server) Stop() error {
	ctx, cancel := context.WithTimeout(s.ctx, 2*time.Second)
	defer cancel()
	return s.srv.Shutdown(ctx)
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	http.HandleFunc("/slow", slow)
	s := &Server{ctx: ctx, srv: &http.Server{Addr: os.Getenv("ADDR")}}
	go func() {
		if err := s.srv.ListenAndServe(); err != nil && err != http.ErrServerClosed {
			log.Fatal(err)
		}
	}()
	<-ctx.Done()
	if err := s.Stop(); err != nil {
		log.Printf("shutdown: %v", err)
	}
}
`
	cutThenDrained(t, src, "context.WithTimeout(context.WithoutCancel(s.ctx), 2*time.Second)", "", "the fix does not derive the deadline from a context that is not done")
}

// server-close: Close cuts the request in flight; the fix's Shutdown under
// a deadline lets it complete, and the process exits when it has.
func TestRuntimeServerClose(t *testing.T) {
	src := `package main

import (
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)
` + slowHandler + `
func main() {
	http.HandleFunc("/slow", slow)
	srv := &http.Server{Addr: os.Getenv("ADDR")}
	go srv.ListenAndServe()
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM)
	<-stop
	srv.Close()
}
`
	before, _ := build(t, src, false)
	after, fixed := build(t, src, true)
	if !strings.Contains(fixed, "srv.Shutdown(") {
		t.Fatalf("the fix does not drain with Shutdown:\n%s", fixed)
	}
	if b := serveAndTerm(t, before, 5*time.Second); b.reply == "done" {
		t.Errorf("before the fix the request in flight completed; the case proves nothing")
	}
	a := serveAndTerm(t, after, 5*time.Second)
	if a.reply != "done" || !a.exited || a.took > runtimeTimeout+time.Second {
		t.Errorf("after the fix: reply %q, exited %v after %v; want done, exited within the deadline\n%s", a.reply, a.exited, a.took, a.output)
	}
}

// signal-no-sigterm where the handler switches on the signal: before the
// fix SIGTERM kills the process with the request in flight; after it,
// SIGTERM takes os.Interrupt's case, the request completes and the process
// exits. (Adding SIGTERM to Notify alone, as the fix once did, catches it
// and then ignores it: the process never exits.)
func TestRuntimeSignalSwitch(t *testing.T) {
	src := `package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)
` + slowHandler + `
func main() {
	http.HandleFunc("/slow", slow)
	srv := &http.Server{Addr: os.Getenv("ADDR")}
	go srv.ListenAndServe()
	c := make(chan os.Signal, 1)
	signal.Notify(c, os.Interrupt, syscall.SIGHUP)
	for sig := range c {
		switch sig {
		case os.Interrupt:
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			defer cancel()
			srv.Shutdown(ctx)
			fmt.Println("drained")
			return
		case syscall.SIGHUP:
			fmt.Println("reload")
		}
	}
}
`
	before, _ := build(t, src, false)
	after, fixed := build(t, src, true)
	if !strings.Contains(fixed, "signal.Notify(c, os.Interrupt, syscall.SIGHUP, syscall.SIGTERM)") || !strings.Contains(fixed, "case os.Interrupt, syscall.SIGTERM:") {
		t.Fatalf("the fix does not send SIGTERM down the drain's case:\n%s", fixed)
	}
	if b := serveAndTerm(t, before, 5*time.Second); b.reply == "done" {
		t.Errorf("before the fix the request in flight completed; the case proves nothing")
	}
	a := serveAndTerm(t, after, 5*time.Second)
	if a.reply != "done" || !a.exited || a.took > runtimeTimeout+time.Second || !strings.Contains(a.output, "drained") {
		t.Errorf("after the fix: reply %q, exited %v after %v; want done, drained, exited within the deadline\n%s", a.reply, a.exited, a.took, a.output)
	}
}

// jobPool is the worker pool of the wait-no-deadline runtime programs:
// workers run the jobs sent to them, and Drain closes the queue and waits
// for them with no deadline.
const jobPool = `
type Pool struct {
	jobs chan func()
	wg   sync.WaitGroup
}

func (p *Pool) work() {
	defer p.wg.Done()
	for j := range p.jobs {
		j()
	}
}

// Drain stops taking jobs and waits for the workers.
func (p *Pool) Drain() {
	close(p.jobs)
	p.wg.Wait()
}
`

// wait-no-deadline: a drain waiting for a hung worker never ends; after the
// fix it gives up when its deadline (made after SIGTERM) passes, and the
// clean-up after it in main runs.
func TestRuntimeWaitNoDeadline(t *testing.T) {
	src := `package main

import (
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"
)
` + slowHandler + jobPool + `
func main() {
	p := &Pool{jobs: make(chan func(), 1)}
	p.wg.Add(1)
	go p.work()
	p.jobs <- func() { select {} } // a worker that hangs
	http.HandleFunc("/slow", slow)
	srv := &http.Server{Addr: os.Getenv("ADDR")}
	go srv.ListenAndServe()
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM)
	<-sig
	p.Drain()
	fmt.Println("drained")
}
`
	drainsAtDeadline(t, src, "p.Drain(ctx)", "Drain: context deadline exceeded", "drained")
}

// drainsAtDeadline builds src before and after the fixes (the fixed file
// must hold fixed) and sends each SIGTERM with work that never ends in
// flight: before, the process does not exit; after, it exits about one
// -timeout after SIGTERM, and its output holds each of outputs (the
// deadline error, and what runs after the drain).
func drainsAtDeadline(t *testing.T, src, fixed string, outputs ...string) {
	t.Helper()
	before, _ := build(t, src, false)
	after, got := build(t, src, true)
	if !strings.Contains(got, fixed) {
		t.Fatalf("the fixed file does not hold %q:\n%s", fixed, got)
	}
	if b := serveAndTerm(t, before, runtimeTimeout+2*time.Second); b.exited {
		t.Errorf("before the fix the process exited after %v; the case proves nothing", b.took)
	}
	a := serveAndTerm(t, after, runtimeTimeout+3*time.Second)
	switch {
	case !a.exited:
		t.Errorf("after the fix the process did not exit within %v\n%s", runtimeTimeout+3*time.Second, a.output)
	case a.took < runtimeTimeout-200*time.Millisecond || a.took > runtimeTimeout+time.Second:
		t.Errorf("after the fix the process exited after %v; want about the %v deadline, which starts at SIGTERM", a.took, runtimeTimeout)
	}
	for _, o := range outputs {
		if !strings.Contains(a.output, o) {
			t.Errorf("after the fix the output lacks %q:\n%s", o, a.output)
		}
	}
}

// fatalOnShutdownHeader opens the fatal-on-shutdown runtime programs: the
// imports, the slow handler and a deferred flush that prints "flushed".
const fatalOnShutdownHeader = `package main

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)
` + slowHandler + `
func flush() { fmt.Println("flushed") }
`

// fatal-on-shutdown: Shutdown fails when its deadline passes with a
// request in flight; log.Fatal then skipped the deferred flush. After the
// fix the failure is logged and the flush runs. The exit status goes from
// 1 to 0, as the rule's documentation says.
func TestRuntimeFatalOnShutdown(t *testing.T) {
	src := fatalOnShutdownHeader + `
func main() {
	defer flush()
	http.HandleFunc("/slow", slow)
	srv := &http.Server{Addr: os.Getenv("ADDR")}
	go srv.ListenAndServe()
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	<-ctx.Done()
	drainCtx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if err := srv.Shutdown(drainCtx); err != nil {
		log.Fatal(err)
	}
}
`
	before, _ := build(t, src, false)
	after, fixed := build(t, src, true)
	if !strings.Contains(fixed, "log.Print(err)") {
		t.Fatalf("the fix does not log instead of exiting:\n%s", fixed)
	}
	b := serveAndTerm(t, before, 5*time.Second)
	if strings.Contains(b.output, "flushed") || b.exitCode != 1 {
		t.Errorf("before the fix: exit %d, output %q; want exit 1 without the flush", b.exitCode, b.output)
	}
	a := serveAndTerm(t, after, 5*time.Second)
	sc := bufio.NewScanner(strings.NewReader(a.output))
	var lines []string
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if !a.exited || a.exitCode != 0 || len(lines) < 2 || !strings.Contains(lines[0], "context deadline exceeded") || lines[len(lines)-1] != "flushed" {
		t.Errorf("after the fix: exited %v, exit %d, output %q; want the error logged, then flushed, exit 0", a.exited, a.exitCode, a.output)
	}
}

// fatal-on-shutdown through zap: a sugared Fatalf on the failed Shutdown
// skipped the deferred flush. After the fix (its Error twin, Errorf) the
// failure is logged at error level and the flush runs.
func TestRuntimeFatalOnShutdownZap(t *testing.T) {
	src := `package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"go.uber.org/zap"
)
` + slowHandler + `
func flush() { fmt.Println("flushed") }

func main() {
	defer flush()
	logger := zap.NewExample().Sugar()
	http.HandleFunc("/slow", slow)
	srv := &http.Server{Addr: os.Getenv("ADDR")}
	go srv.ListenAndServe()
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	<-ctx.Done()
	drainCtx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if err := srv.Shutdown(drainCtx); err != nil {
		logger.Fatalf("shutdown: %v", err)
	}
}
`
	before, _ := buildRequiring(t, src, false, "go.uber.org/zap v1.27.0")
	after, fixed := buildRequiring(t, src, true, "go.uber.org/zap v1.27.0")
	if !strings.Contains(fixed, `logger.Errorf("shutdown: %v", err)`) {
		t.Fatalf("the fix does not log with Errorf instead of exiting:\n%s", fixed)
	}
	b := serveAndTerm(t, before, 5*time.Second)
	if strings.Contains(b.output, "flushed") || b.exitCode != 1 {
		t.Errorf("before the fix: exit %d, output %q; want exit 1 without the flush", b.exitCode, b.output)
	}
	a := serveAndTerm(t, after, 5*time.Second)
	if !a.exited || a.exitCode != 0 || !strings.Contains(a.output, `"level":"error"`) || !strings.Contains(a.output, "context deadline exceeded") || !strings.HasSuffix(strings.TrimSpace(a.output), "flushed") {
		t.Errorf("after the fix: exited %v, exit %d, output %q; want the error logged at error level, then flushed, exit 0", a.exited, a.exitCode, a.output)
	}
}

// fatal-on-shutdown in a function that returns an error (a command's
// RunE): after the fix the failure is logged and returned, so the deferred
// flush runs and the process still exits 1, as it did before the fix.
func TestRuntimeFatalOnShutdownReturn(t *testing.T) {
	src := fatalOnShutdownHeader + `
func serve() error {
	defer flush()
	http.HandleFunc("/slow", slow)
	srv := &http.Server{Addr: os.Getenv("ADDR")}
	go srv.ListenAndServe()
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	<-ctx.Done()
	drainCtx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if err := srv.Shutdown(drainCtx); err != nil {
		log.Fatalf("shutdown: %v", err)
	}
	log.Println("drained")
	return nil
}

func main() {
	if err := serve(); err != nil {
		os.Exit(1)
	}
}
`
	before, _ := build(t, src, false)
	after, fixed := build(t, src, true)
	if !strings.Contains(fixed, "log.Printf(\"shutdown: %v\", err)\n\t\treturn err") {
		t.Fatalf("the fix does not log and return the error:\n%s", fixed)
	}
	b := serveAndTerm(t, before, 5*time.Second)
	if strings.Contains(b.output, "flushed") || b.exitCode != 1 {
		t.Errorf("before the fix: exit %d, output %q; want exit 1 without the flush", b.exitCode, b.output)
	}
	a := serveAndTerm(t, after, 5*time.Second)
	if !a.exited || a.exitCode != 1 || !strings.Contains(a.output, "context deadline exceeded") || !strings.HasSuffix(strings.TrimSpace(a.output), "flushed") || strings.Contains(a.output, "drained") {
		t.Errorf("after the fix: exited %v, exit %d, output %q; want the error logged, then flushed, exit 1", a.exited, a.exitCode, a.output)
	}
}

// deadline-before-signal: a drain deadline made at start-up has expired
// when SIGTERM comes after a longer uptime, and the request in flight is
// cut; after the fix the deadline starts at the signal and the request
// completes.
func TestRuntimeDeadlineBeforeSignal(t *testing.T) {
	src := `package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)
` + slowHandler + `
func main() {
	http.HandleFunc("/slow", slow)
	srv := &http.Server{Addr: os.Getenv("ADDR")}
	go srv.ListenAndServe()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM)
	<-sig
	if err := srv.Shutdown(ctx); err != nil {
		fmt.Println("shutdown:", err)
	}
}
`
	before, _ := build(t, src, false)
	after, fixed := build(t, src, true)
	if !strings.Contains(fixed, "<-sig\n\tctx, cancel := context.WithTimeout") {
		t.Fatalf("the fix does not make the deadline after the wait:\n%s", fixed)
	}
	b := serveAndTermAfter(t, before, 5*time.Second, 2500*time.Millisecond)
	if b.reply == "done" || !strings.Contains(b.output, "deadline exceeded") {
		t.Errorf("before the fix: reply %q, output %q; want the request cut by an expired drain", b.reply, b.output)
	}
	a := serveAndTermAfter(t, after, 5*time.Second, 2500*time.Millisecond)
	if a.reply != "done" || !a.exited || a.took > 2*time.Second || strings.Contains(a.output, "shutdown:") {
		t.Errorf("after the fix: reply %q, exited %v after %v, output %q; want done, a clean drain within 2s", a.reply, a.exited, a.took, a.output)
	}
}

// shutdown-no-deadline: a request that hangs holds Shutdown with no
// deadline forever; after the fix the drain ends when the type's own drain
// budget (its grace field, shorter than -timeout) passes after SIGTERM.
func TestRuntimeShutdownNoDeadline(t *testing.T) {
	src := `package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"
)

func hung(w http.ResponseWriter, r *http.Request) {
	time.Sleep(time.Minute)
	fmt.Fprint(w, "done")
}

type Server struct {
	mu    sync.Mutex
	grace time.Duration
	srv   *http.Server
}

func (s *Server) Stop() error {
	ctx, cancel := context.WithTimeout(context.Background(), s.grace)
	defer cancel()
	return s.srv.Shutdown(ctx)
}

type HTTPS struct {
	*Server
	https *http.Server
}

func (h *HTTPS) Stop() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.https.Shutdown(context.Background())
}

func main() {
	http.HandleFunc("/slow", hung)
	base := &Server{grace: 500 * time.Millisecond, srv: &http.Server{}}
	h := &HTTPS{Server: base, https: &http.Server{Addr: os.Getenv("ADDR")}}
	go h.https.ListenAndServe()
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM)
	<-sig
	fmt.Println("stopped:", h.Stop())
	base.Stop()
}
`
	before, _ := build(t, src, false)
	after, fixed := build(t, src, true)
	if !strings.Contains(fixed, "context.WithTimeout(context.Background(), h.grace)") {
		t.Fatalf("the fix does not use the type's drain budget:\n%s", fixed)
	}
	if b := serveAndTerm(t, before, runtimeTimeout+time.Second); b.exited {
		t.Errorf("before the fix the process exited after %v; the case proves nothing", b.took)
	}
	a := serveAndTerm(t, after, runtimeTimeout+time.Second)
	switch {
	case !a.exited:
		t.Errorf("after the fix the process did not exit within %v\n%s", runtimeTimeout+time.Second, a.output)
	case a.took < 400*time.Millisecond || a.took > runtimeTimeout:
		t.Errorf("after the fix the process exited after %v; want about the type's 500ms budget, less than -timeout's %v", a.took, runtimeTimeout)
	case !strings.Contains(a.output, "stopped: context deadline exceeded"):
		t.Errorf("after the fix the drain did not end by its deadline:\n%s", a.output)
	}
}

// shutdown-no-deadline through a parameter: Stop(ctx) is handed the
// command's context.Background() from the code that waits for SIGTERM.
// Before the fix a hung request keeps the process forever; after it the
// deadline, derived from the parameter where Shutdown runs, starts with the
// drain (the process has been up for a while by then) and the process exits
// at -timeout after SIGTERM.
func TestRuntimeShutdownNoDeadlineParam(t *testing.T) {
	src := `package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func hung(w http.ResponseWriter, r *http.Request) {
	time.Sleep(time.Minute)
	fmt.Fprint(w, "done")
}

type Server struct{ srv *http.Server }

func (s *Server) Stop(ctx context.Context) error {
	return s.srv.Shutdown(ctx)
}

func (s *Server) WaitStop(ctx context.Context) {
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM)
	<-sig
	fmt.Println("stopped:", s.Stop(ctx))
}

func main() {
	ctx := context.Background()
	http.HandleFunc("/slow", hung)
	s := &Server{srv: &http.Server{Addr: os.Getenv("ADDR")}}
	go s.srv.ListenAndServe()
	s.WaitStop(ctx)
}
`
	before, _ := build(t, src, false)
	after, fixed := build(t, src, true)
	if !strings.Contains(fixed, "context.WithTimeout(ctx, 2*time.Second)") {
		t.Fatalf("the fix does not derive the deadline from the parameter:\n%s", fixed)
	}
	if b := serveAndTermAfter(t, before, runtimeTimeout+time.Second, runtimeTimeout); b.exited {
		t.Errorf("before the fix the process exited after %v; the case proves nothing", b.took)
	}
	a := serveAndTermAfter(t, after, runtimeTimeout+2*time.Second, runtimeTimeout)
	switch {
	case !a.exited:
		t.Errorf("after the fix the process did not exit within %v\n%s", runtimeTimeout+2*time.Second, a.output)
	case a.took < runtimeTimeout-200*time.Millisecond || a.took > runtimeTimeout+time.Second:
		t.Errorf("after the fix the process exited after %v; want about -timeout's %v after SIGTERM", a.took, runtimeTimeout)
	case !strings.Contains(a.output, "stopped: context deadline exceeded"):
		t.Errorf("after the fix the drain did not end by its deadline:\n%s", a.output)
	}
}

// One drain, one budget: two servers each hold a hung request; with a
// fresh deadline per Shutdown the drain would take twice -timeout. After
// the fix both share the deadline made at the first step, and the process
// exits about -timeout after SIGTERM. The guarded variant puts each step
// in its own if (if srv != nil { srv.Shutdown(...) }, from real code): the
// deadline is made before the first guard, in the second's reach.
func TestRuntimeOneBudget(t *testing.T) {
	// Each shape: declarations, the drain at the end of main, and what
	// the output must show of each step ending by the one deadline.
	steps := map[string][3]string{
		"plain": {"", `	fmt.Println("a:", a.Shutdown(context.Background()))
	fmt.Println("b:", b.Shutdown(context.Background()))
`, "b: context deadline exceeded"},
		"guarded": {"", `	if a != nil {
		fmt.Println("a:", a.Shutdown(context.Background()))
	}
	if b != nil {
		fmt.Println("b:", b.Shutdown(context.Background()))
	}
`, "b: context deadline exceeded"},
		// The pool's Wait comes first in the file, so its caller's
		// deadline is made before the Shutdown's (budget_order.txtar).
		"ordered": {`
type pool struct{ wg sync.WaitGroup }

func (p *pool) stop() {
	p.wg.Wait()
}
`, `	p := &pool{}
	p.wg.Add(1)
	go func() { defer p.wg.Done(); select {} }()
	fmt.Println("a:", b.Shutdown(context.Background()))
	p.stop()
`, "stop: context deadline exceeded"},
	}
	for name, shape := range steps {
		decls, drain, last := shape[0], shape[1], shape[2]
		t.Run(name, func(t *testing.T) {
			src := `package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"
)

var _ sync.Mutex

func hung(w http.ResponseWriter, r *http.Request) {
	time.Sleep(time.Minute)
	fmt.Fprint(w, "done")
}
` + decls + `
func main() {
	http.HandleFunc("/slow", hung)
	a := &http.Server{Addr: os.Getenv("ADDR")}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	b := &http.Server{}
	go b.Serve(l)
	go http.Get("http://" + l.Addr().String() + "/slow") // a request hung in b
	go a.ListenAndServe()
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM)
	<-sig
` + drain + `}
`
			before, _ := build(t, src, false)
			after, fixed := build(t, src, true)
			if strings.Count(fixed, "context.WithTimeout(") != 1 {
				t.Fatalf("the fix does not give the drain one deadline:\n%s", fixed)
			}
			if b := serveAndTerm(t, before, runtimeTimeout+time.Second); b.exited {
				t.Errorf("before the fix the process exited after %v; the case proves nothing", b.took)
			}
			a := serveAndTerm(t, after, 3*runtimeTimeout)
			switch {
			case !a.exited:
				t.Errorf("after the fix the process did not exit within %v\n%s", 3*runtimeTimeout, a.output)
			case a.took < runtimeTimeout-200*time.Millisecond || a.took > runtimeTimeout+time.Second:
				t.Errorf("after the fix the process exited after %v; want about one %v budget for the whole drain", a.took, runtimeTimeout)
			case !strings.Contains(a.output, "a: context deadline exceeded") || !strings.Contains(a.output, last):
				t.Errorf("after the fix the two steps did not end by the one deadline:\n%s", a.output)
			}
		})
	}
}

// The rest of the budget: the program gives its servers' Shutdown a 1 s
// deadline of its own, then stops a pool with no deadline. One worker hangs;
// another is in the middle of a job that ends about 1.3 s after SIGTERM,
// while the request in flight holds the Shutdown for about 0.7 s. Sharing
// the program's deadline (what drainfix wrote before, set AL: judged
// WRONG) would end the pool's wait at 1 s and abandon that job; after the
// fix the pool's deadline is -timeout (2 s) after the program's deadline
// was made: the job completes, and the process exits within -timeout of
// SIGTERM.
func TestRuntimeRestOfBudget(t *testing.T) {
	src := `package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"
)
` + jobPool + `
func main() {
	p := &Pool{jobs: make(chan func(), 2)}
	p.wg.Add(2)
	go p.work()
	go p.work()
	p.jobs <- func() { select {} } // a worker that hangs
	http.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		p.jobs <- func() {
			time.Sleep(1600 * time.Millisecond)
			fmt.Println("job done")
		}
		time.Sleep(time.Second)
		fmt.Fprint(w, "done")
	})
	srv := &http.Server{Addr: os.Getenv("ADDR")}
	go srv.ListenAndServe()
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM)
	<-sig
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		fmt.Println("shutdown:", err)
	}
	p.Drain()
	fmt.Println("drained")
}
`
	restOfBudget(t, src, "\t// The drain's 2s, counted from ctx's start: its 1s and 1s more.\n\tdeadline, _ := ctx.Deadline()\n\tshutdownCtx, shutdownCancel := context.WithDeadline(context.Background(), deadline.Add(time.Second))\n", "p.Drain(shutdownCtx)")
}

// restOfBudget builds src (a pool with a hung worker and a job sent by a
// request in flight, drained after the server's own 1 s deadline) before
// and after the fix, which must hold each of want: before it the process
// never exits; after it the job and the request complete and the process
// exits within the budget.
func restOfBudget(t *testing.T, src string, want ...string) {
	t.Helper()
	before, _ := build(t, src, false)
	after, fixed := build(t, src, true)
	for _, w := range want {
		if !strings.Contains(fixed, w) {
			t.Fatalf("the fix does not give the pool the rest of the budget (no %q):\n%s", w, fixed)
		}
	}
	if b := serveAndTerm(t, before, runtimeTimeout+time.Second); b.exited {
		t.Errorf("before the fix the process exited after %v; the case proves nothing", b.took)
	}
	a := serveAndTerm(t, after, 3*runtimeTimeout)
	switch {
	case !a.exited:
		t.Errorf("after the fix the process did not exit within %v\n%s", 3*runtimeTimeout, a.output)
	case a.took > runtimeTimeout+700*time.Millisecond:
		t.Errorf("after the fix the process exited after %v; want within the %v budget (and the time to exit)", a.took, runtimeTimeout)
	case a.reply != "done" || !strings.Contains(a.output, "job done") || !strings.Contains(a.output, "drained"):
		t.Errorf("after the fix: reply %q; the job in flight or the drain did not complete:\n%s", a.reply, a.output)
	}
}

// wait-no-deadline on a drain that takes a context main hands
// context.Background(): the fix races the Wait against the parameter and
// gives that call a deadline too (after the server's own 1 s one, the rest
// of the budget). Before it, the hung worker keeps the process alive; after
// it, the job in flight completes and the process exits within the budget.
func TestRuntimeRootCtxCaller(t *testing.T) {
	pool := strings.Replace(jobPool, "func (p *Pool) Drain() {", "func (p *Pool) Drain(ctx context.Context) error {", 1)
	pool = strings.Replace(pool, "\tp.wg.Wait()\n}", "\tp.wg.Wait()\n\treturn nil\n}", 1)
	src := `package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"
)
` + pool + `
func main() {
	p := &Pool{jobs: make(chan func(), 2)}
	p.wg.Add(2)
	go p.work()
	go p.work()
	p.jobs <- func() { select {} } // a worker that hangs
	http.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		p.jobs <- func() {
			time.Sleep(1600 * time.Millisecond)
			fmt.Println("job done")
		}
		time.Sleep(time.Second)
		fmt.Fprint(w, "done")
	})
	srv := &http.Server{Addr: os.Getenv("ADDR")}
	go srv.ListenAndServe()
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM)
	<-sig
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		fmt.Println("shutdown:", err)
	}
	if err := p.Drain(context.Background()); err != nil {
		fmt.Println("drain:", err)
	}
	fmt.Println("drained")
}
`
	if !strings.Contains(src, "return nil\n}") {
		t.Fatal("the pool's Drain was not given a context")
	}
	restOfBudget(t, src, "\tdeadline, _ := ctx.Deadline()\n\tshutdownCtx, shutdownCancel := context.WithDeadline(context.Background(), deadline.Add(time.Second))\n", "p.Drain(shutdownCtx)", "case <-ctx.Done():")
}

// exit-before-drain with the drain in a named function and main going on
// after any serving error: before the fix the request in flight gets no
// reply; after it, main waits for the drain (serving ended with
// http.ErrServerClosed), the request completes and the process exits. A
// port already in use still ends the process at once, drain or not.
func TestRuntimeExitBeforeDrainNamed(t *testing.T) {
	src := `package main

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)
` + slowHandler + `
func shutdownOnQuit(srv *http.Server, quit <-chan struct{}) error {
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM)
	select {
	case <-sig:
	case <-quit:
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return srv.Shutdown(ctx)
}

func main() {
	http.HandleFunc("/slow", slow)
	srv := &http.Server{Addr: os.Getenv("ADDR")}
	go shutdownOnQuit(srv, make(chan struct{}))
	err := srv.ListenAndServe()
	if err == http.ErrServerClosed {
		log.Print("stopped")
	} else {
		log.Print("serving failed: ", err)
	}
}
`
	before, _ := build(t, src, false)
	after, fixed := build(t, src, true)
	if !strings.Contains(fixed, "<-drained") || !strings.Contains(fixed, "errors.Is(err, http.ErrServerClosed)") {
		t.Fatalf("the fix does not wait for the drain after a shut-down server:\n%s", fixed)
	}
	if b := serveAndTerm(t, before, 5*time.Second); b.reply == "done" {
		t.Errorf("before the fix the request in flight completed; the case proves nothing")
	}
	a := serveAndTerm(t, after, 5*time.Second)
	if a.reply != "done" || !a.exited || a.took > 3*time.Second {
		t.Errorf("after the fix: reply %q, exited %v after %v; want done, exited within 3s\n%s", a.reply, a.exited, a.took, a.output)
	}
	// The port in use: serving fails at once and main must not wait.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	cmd := exec.Command(after)
	cmd.Env = append(os.Environ(), "ADDR="+l.Addr().String())
	done := make(chan error, 1)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		cmd.Process.Kill()
		t.Errorf("after the fix, with its port in use, the process waited for a drain that never comes")
	}
}

// The gRPC programs' codec: raw bytes, so that no generated code is needed.
const grpcRawCodec = `
type rawCodec struct{}

func (rawCodec) Marshal(v any) ([]byte, error)      { return *(v.(*[]byte)), nil }
func (rawCodec) Unmarshal(data []byte, v any) error { *(v.(*[]byte)) = data; return nil }
func (rawCodec) Name() string                       { return "raw" }
`

// grpcClient calls /app.Slow/Call on the address in os.Args[1] and prints
// the reply or the error.
const grpcClient = `package main

import (
	"context"
	"fmt"
	"os"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
)
` + grpcRawCodec + `
func main() {
	conn, err := grpc.NewClient(os.Args[1], grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	defer conn.Close()
	in, out := []byte("x"), []byte(nil)
	if err := conn.Invoke(context.Background(), "/app.Slow/Call", &in, &out, grpc.ForceCodec(rawCodec{})); err != nil {
		fmt.Println("error:", err)
		return
	}
	fmt.Print(string(out))
}
`

// buildGRPC is build for a program that uses gRPC (the version the corpus
// pins), with the client above built beside it; it returns the server
// binary, the client binary and the fixed main.go.
func buildGRPC(t *testing.T, src string, fix bool) (string, string, string) {
	t.Helper()
	dir := t.TempDir()
	writeTestFile(t, filepath.Join(dir, "go.mod"), []byte("module example.com/app\n\ngo 1.22\n\nrequire google.golang.org/grpc v1.85.0\n"))
	writeTestFile(t, filepath.Join(dir, "main.go"), []byte(src))
	writeTestFile(t, filepath.Join(dir, "client", "main.go"), []byte(grpcClient))
	tidy := exec.Command("go", "mod", "tidy")
	tidy.Dir = dir
	if out, err := tidy.CombinedOutput(); err != nil {
		t.Fatalf("go mod tidy: %v\n%s", err, out)
	}
	if fix {
		fixDir(t, dir)
	}
	bin, cl := filepath.Join(dir, "app"), filepath.Join(dir, "cl")
	for _, b := range [][2]string{{bin, "."}, {cl, "./client"}} {
		cmd := exec.Command("go", "build", "-o", b[0], b[1])
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go build %s: %v\n%s", b[1], err, out)
		}
	}
	fixed, _ := os.ReadFile(filepath.Join(dir, "main.go"))
	return bin, cl, string(fixed)
}

// callAndTerm starts the gRPC server bin, makes a call with the client cl
// (its handler takes about a second), sends SIGTERM while it is in flight
// and waits up to wait for the server to exit.
func callAndTerm(t *testing.T, bin, cl string, wait time.Duration) outcome {
	t.Helper()
	addr := freeAddr(t)
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(), "ADDR="+addr)
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the program never listened on %s:\n%s", addr, out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	reply := make(chan string, 1)
	go func() {
		b, _ := exec.Command(cl, addr).CombinedOutput()
		reply <- string(b)
	}()
	time.Sleep(300 * time.Millisecond) // the call is in the handler
	sent := time.Now()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	o := outcome{}
	select {
	case <-exited:
		o.exited, o.took = true, time.Since(sent)
	case <-time.After(wait):
	}
	select {
	case o.reply = <-reply:
	case <-time.After(3 * time.Second):
		o.reply = "no reply"
	}
	o.output = out.String()
	return o
}

// grpc-stop: Stop cancels the call in flight; after the fix GracefulStop
// lets it complete, and the process exits once it has, well within the
// deadline after which Stop would cut it.
func TestRuntimeGrpcStop(t *testing.T) {
	src := `package main

import (
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"

	"google.golang.org/grpc"
)
` + grpcRawCodec + `
func slow(srv any, stream grpc.ServerStream) error {
	var in []byte
	if err := stream.RecvMsg(&in); err != nil {
		return err
	}
	time.Sleep(time.Second)
	out := []byte("done")
	return stream.SendMsg(&out)
}

func main() {
	l, err := net.Listen("tcp", os.Getenv("ADDR"))
	if err != nil {
		panic(err)
	}
	s := grpc.NewServer(grpc.ForceServerCodec(rawCodec{}), grpc.UnknownServiceHandler(slow))
	go s.Serve(l)
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM)
	<-sig
	s.Stop()
}
`
	before, cl, _ := buildGRPC(t, src, false)
	after, _, fixed := buildGRPC(t, src, true)
	if !strings.Contains(fixed, "s.GracefulStop()") {
		t.Fatalf("the fix does not drain with GracefulStop:\n%s", fixed)
	}
	b := callAndTerm(t, before, cl, 5*time.Second)
	if b.reply == "done" {
		t.Errorf("before the fix the call in flight completed; the case proves nothing")
	}
	a := callAndTerm(t, after, cl, 5*time.Second)
	t.Logf("before the fix: %q; after: %q, exited after %v", strings.TrimSpace(b.reply), a.reply, a.took)
	if a.reply != "done" || !a.exited || a.took > runtimeTimeout {
		t.Errorf("after the fix: reply %q, exited %v after %v; want done, exited before the %v deadline\n%s", a.reply, a.exited, a.took, runtimeTimeout, a.output)
	}
}

// grpc-stop on a GracefulStop with no deadline: a call whose handler
// never ends keeps GracefulStop, and the process, waiting; after the fix
// the timer ends the drain with Stop and the process exits at the deadline.
func TestRuntimeGracefulStopNoDeadline(t *testing.T) {
	src := `package main

import (
	"context"
	"net"
	"os"
	"os/signal"
	"syscall"

	"google.golang.org/grpc"
)
` + grpcRawCodec + grpcHang + `
func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	l, err := net.Listen("tcp", os.Getenv("ADDR"))
	if err != nil {
		panic(err)
	}
	s := grpc.NewServer(grpc.ForceServerCodec(rawCodec{}), grpc.UnknownServiceHandler(hang))
	go func() {
		<-ctx.Done()
		s.GracefulStop()
	}()
	if err := s.Serve(l); err != nil {
		panic(err)
	}
}
`
	stopsAtDeadline(t, src, runtimeTimeout, "s.Stop()", "time.NewTimer(2 * time.Second)")
}

// grpcHang is a gRPC handler whose stream never ends.
const grpcHang = `
func hang(srv any, stream grpc.ServerStream) error {
	var in []byte
	if err := stream.RecvMsg(&in); err != nil {
		return err
	}
	select {} // a stream that never ends
}
`

// stopsAtDeadline builds the gRPC program src before and after the fix,
// checks that the fixed source holds each of fixHas, and that with a
// stream that never ends the program exits only after the fix, about
// deadline after SIGTERM.
func stopsAtDeadline(t *testing.T, src string, deadline time.Duration, fixHas ...string) {
	t.Helper()
	before, cl, _ := buildGRPC(t, src, false)
	after, _, fixed := buildGRPC(t, src, true)
	for _, want := range fixHas {
		if !strings.Contains(fixed, want) {
			t.Fatalf("the fix does not race GracefulStop against the deadline (no %s):\n%s", want, fixed)
		}
	}
	b := callAndTerm(t, before, cl, 2*runtimeTimeout)
	if b.exited {
		t.Errorf("before the fix the process exited after %v; the case proves nothing", b.took)
	}
	a := callAndTerm(t, after, cl, 2*runtimeTimeout)
	t.Logf("before the fix: exited %v; after: exited %v after %v", b.exited, a.exited, a.took)
	if !a.exited || a.took < deadline-200*time.Millisecond || a.took > deadline+time.Second {
		t.Errorf("after the fix: exited %v after %v; want an exit at the %v deadline\n%s", a.exited, a.took, deadline, a.output)
	}
}

// grpc-stop on a GracefulStop with no deadline, in a method of a type
// that carries its own drain budget (a grace field its HTTP drain passes
// to context.WithTimeout): the fix times the GracefulStop with that field,
// not -timeout, so the process exits at the type's own grace period (here
// 500ms, a quarter of -timeout) after SIGTERM with a stream that never
// ends; before the fix it never exits.
func TestRuntimeGracefulStopBudgetField(t *testing.T) {
	src := `package main

import (
	"context"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"google.golang.org/grpc"
)
` + grpcRawCodec + grpcHang + `
type server struct {
	rpc   *grpc.Server
	web   *http.Server
	grace time.Duration
}

func (s *server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), s.grace)
	defer cancel()
	return s.web.Shutdown(ctx)
}

func (s *server) Stop() {
	s.rpc.GracefulStop()
}

func main() {
	l, err := net.Listen("tcp", os.Getenv("ADDR"))
	if err != nil {
		panic(err)
	}
	s := &server{
		rpc:   grpc.NewServer(grpc.ForceServerCodec(rawCodec{}), grpc.UnknownServiceHandler(hang)),
		web:   &http.Server{Addr: "127.0.0.1:0"},
		grace: 500 * time.Millisecond,
	}
	go s.rpc.Serve(l)
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM)
	<-sig
	s.Close()
	s.Stop()
}
`
	stopsAtDeadline(t, src, 500*time.Millisecond, "time.NewTimer(s.grace)", "s.rpc.Stop()")
}

// cond-no-deadline where the drain locks and unlocks explicitly (no
// defer): before the fix a request that never ends holds the drain past
// any deadline; after it the drain gives up at the deadline and releases
// the lock on the way out, so the clean-up after it, which takes the same
// lock, runs and the process exits (issue 12: the first fix returned with
// the lock held, and the clean-up hung).
func TestRuntimeCondNoDeadlineUnlock(t *testing.T) {
	src := `package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"
)
` + slowHandler + `
type Service struct {
	mu       sync.Mutex
	cond     *sync.Cond
	inFlight int
}

func (s *Service) Begin() {
	s.mu.Lock()
	s.inFlight++
	s.mu.Unlock()
}

func (s *Service) Drain(ctx context.Context) error {
	s.mu.Lock()
	for s.inFlight > 0 {
		s.cond.Wait()
	}
	s.mu.Unlock()
	return nil
}

func (s *Service) Count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.inFlight
}

func main() {
	s := &Service{}
	s.cond = sync.NewCond(&s.mu)
	s.Begin() // a job that never ends
	http.HandleFunc("/slow", slow)
	srv := &http.Server{Addr: os.Getenv("ADDR")}
	go srv.ListenAndServe()
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM)
	<-sig
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := s.Drain(ctx); err != nil {
		fmt.Println("drain:", err)
	}
	fmt.Println("left in flight:", s.Count())
}
`
	// The early return releases the lock; the clean-up takes it again.
	drainsAtDeadline(t, src, "s.mu.Unlock()\n\t\t\treturn err", "drain: context deadline exceeded", "left in flight: 1")
}

// hungServer opens a program whose /slow handler hangs for a minute
// (hungUntilDeadline's).
const hungServer = `package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func hung(w http.ResponseWriter, r *http.Request) {
	time.Sleep(time.Minute)
	fmt.Fprint(w, "done")
}
`

// shutdown-no-deadline where Shutdown is handed a WithCancel of
// context.Background() whose cancel is only deferred: the context cannot
// end before Shutdown returns. Before the fix a hung request keeps the
// process for good; after it the deadline, made from that context where
// Shutdown runs, starts with the drain (the process has been up longer than
// -timeout when SIGTERM comes) and the process exits at -timeout.
func TestRuntimeShutdownNoDeadlineWithCancel(t *testing.T) {
	src := hungServer + `
func main() {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	http.HandleFunc("/slow", hung)
	srv := &http.Server{Addr: os.Getenv("ADDR")}
	go srv.ListenAndServe()
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM)
	<-stop
	fmt.Println("stopped:", srv.Shutdown(ctx))
}
`
	hungUntilDeadline(t, src, "context.WithTimeout(ctx, 2*time.Second)", "the fix does not give the drain a deadline made from its context", runtimeTimeout+500*time.Millisecond)
}

// hungUntilDeadline builds src (a server whose /slow handler hangs for a
// minute and whose drain prints "stopped:" and Shutdown's error) before
// and after the fix, and checks that the fixed source holds want (else it
// fails with why), that before the fix SIGTERM with the request in flight
// leaves the process running, and that after it the process exits at
// -timeout after SIGTERM, not earlier, its Shutdown ended by the deadline.
// The process has been up for uptime when SIGTERM comes: a deadline made
// at start-up would have run out by then.
func hungUntilDeadline(t *testing.T, src, want, why string, uptime time.Duration) {
	t.Helper()
	before, _ := build(t, src, false)
	after, fixed := build(t, src, true)
	if !strings.Contains(fixed, want) {
		t.Fatalf("%s:\n%s", why, fixed)
	}
	if b := serveAndTermAfter(t, before, runtimeTimeout+time.Second, uptime); b.exited {
		t.Errorf("before the fix the process exited after %v; the case proves nothing", b.took)
	}
	a := serveAndTermAfter(t, after, runtimeTimeout+time.Second, uptime)
	switch {
	case !a.exited:
		t.Errorf("after the fix the process did not exit within %v\n%s", runtimeTimeout+time.Second, a.output)
	case a.took < runtimeTimeout-300*time.Millisecond:
		t.Errorf("after the fix the process exited %v after SIGTERM: the deadline did not start with the drain\n%s", a.took, a.output)
	case !strings.Contains(a.output, "stopped: context deadline exceeded"):
		t.Errorf("after the fix the drain did not end by its deadline:\n%s", a.output)
	}
}

// handler-ignores-ctx where the drain Closes the server after Shutdown's
// deadline and then still waits for its handlers (an in-flight WaitGroup):
// before the fix the sleeping handler holds that wait for its full minute;
// after it the Close ends the request's context, the handler returns and
// the process exits just after Shutdown's deadline.
func TestRuntimeHandlerIgnoresCtx(t *testing.T) {
	src := `package main

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"
)

var inflight sync.WaitGroup

func track(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		inflight.Add(1)
		defer inflight.Done()
		h.ServeHTTP(w, r)
	})
}

func poll(w http.ResponseWriter, r *http.Request) {
	time.Sleep(time.Minute)
	fmt.Fprintln(w, "no change")
}

func main() {
	mux := http.NewServeMux()
	mux.HandleFunc("/slow", poll)
	srv := &http.Server{Addr: os.Getenv("ADDR"), Handler: track(mux)}
	go srv.ListenAndServe()
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM)
	<-stop
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		log.Print("shutdown: ", err)
		srv.Close()
	}
	inflight.Wait()
	log.Print("bye")
}
`
	before, _ := build(t, src, false)
	after, fixed := build(t, src, true)
	if !strings.Contains(fixed, "case <-r.Context().Done():") {
		t.Fatalf("the fix does not watch the request's context:\n%s", fixed)
	}
	wait := 3 * time.Second
	if b := serveAndTerm(t, before, wait); b.exited {
		t.Errorf("before the fix the process exited after %v; the case proves nothing", b.took)
	}
	a := serveAndTerm(t, after, wait)
	switch {
	case !a.exited:
		t.Errorf("after the fix the process did not exit within %v\n%s", wait, a.output)
	case a.took < 800*time.Millisecond || a.took > 2*time.Second:
		t.Errorf("after the fix the process exited %v after SIGTERM; want just after Shutdown's 1s deadline\n%s", a.took, a.output)
	case !strings.Contains(a.output, "bye"):
		t.Errorf("after the fix the drain did not finish its wait:\n%s", a.output)
	}
}

// shutdown-no-deadline, a Shutdown handed context.WithoutCancel of the
// signal's context: it keeps the values and drops the cancellation, and
// the deadline with it, so a hung request holds the drain for good. After
// the fix the deadline is made from that same context when the drain
// starts, and the process exits at -timeout after SIGTERM.
func TestRuntimeShutdownNoDeadlineWithoutCancel(t *testing.T) {
	src := hungServer + `
func main() {
	http.HandleFunc("/slow", hung)
	srv := &http.Server{Addr: os.Getenv("ADDR")}
	go srv.ListenAndServe()
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	<-ctx.Done()
	fmt.Println("stopped:", srv.Shutdown(context.WithoutCancel(ctx)))
}
`
	hungUntilDeadline(t, src, "context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)", "the fix does not give the detached context a deadline", runtimeTimeout)
}
