package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"runtime/pprof"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/drainfix/drainfix/internal/diff"
	"github.com/drainfix/drainfix/internal/engine"
	"github.com/drainfix/drainfix/internal/registry"
)

// Exit codes.
const (
	exitClean    = 0 // nothing found, or everything found was fixed
	exitFindings = 1 // findings remain
	exitError    = 2 // usage, load or I/O error
)

// A command is one invocation of drainfix.
type command struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	// terminal reports whether stderr is a terminal (progress is shown
	// only there).
	terminal    func() bool
	progressMin int // packages before progress shows; 0: minProgressPackages

	dir                        string // the working directory (-C)
	diff, write, list, jsonOut bool
	sarif                      bool
	rules, disable             string
	timeout                    time.Duration
	tests, all                 bool
	parallel                   int
}

func (c *command) main(args []string) int {
	fs := flag.NewFlagSet("drainfix", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	fs.Usage = func() { c.usage(fs) }
	fs.BoolVar(&c.diff, "diff", false, "print the fixes as one unified diff")
	fs.BoolVar(&c.write, "w", false, "apply the fixes in place")
	fs.BoolVar(&c.list, "l", false, "list the files a fix would change")
	fs.BoolVar(&c.jsonOut, "json", false, "report findings as JSON Lines")
	format := fs.String("format", "text", "report format: text, json or sarif")
	fs.StringVar(&c.rules, "rules", "", "run only these rules (comma-separated)")
	fs.StringVar(&c.disable, "disable", "", "do not run these rules (comma-separated)")
	listRules := fs.Bool("list", false, "list the rules and exit")
	explain := fs.String("explain", "", "print a rule's documentation and exit")
	fs.DurationVar(&c.timeout, "timeout", 25*time.Second, "the drain deadline written into fixes")
	fs.BoolVar(&c.tests, "tests", true, "include _test.go files")
	fs.BoolVar(&c.all, "all", false, "also report findings that are harmless where they stand, with the reason (never fixed)")
	fs.StringVar(&c.dir, "C", "", "run as if started in `DIR`")
	fs.IntVar(&c.parallel, "p", 0, "packages checked at once (default: number of CPUs)")
	version := fs.Bool("version", false, "print the version and exit")
	cpuprofile := fs.String("cpuprofile", "", "write a CPU profile to `FILE`")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitClean
		}
		return exitError
	}
	switch *format {
	case "text":
	case "json":
		c.jsonOut = true
	case "sarif":
		c.sarif = true
	default:
		return c.usageErr("unknown -format %q (want text, json or sarif)", *format)
	}
	switch {
	case *version:
		fmt.Fprintln(c.stdout, "drainfix", buildVersion())
		return exitClean
	case *listRules:
		c.printList()
		return exitClean
	case *explain != "":
		r := registry.Lookup(*explain)
		if r == nil {
			return c.usageErr("unknown rule %q (drainfix -list shows them)", *explain)
		}
		fmt.Fprint(c.stdout, r.Explain())
		return exitClean
	}
	modes := 0
	for _, m := range []bool{c.diff, c.write, c.list, c.jsonOut, c.sarif} {
		if m {
			modes++
		}
	}
	if modes > 1 {
		return c.usageErr("-diff, -w, -l, -json and -format sarif exclude each other")
	}
	if err := registry.CheckTimeout(c.timeout); err != nil {
		return c.usageErr("-timeout: %v", err)
	}
	rules, err := selectRules(c.rules, c.disable)
	if err != nil {
		return c.usageErr("%v", err)
	}
	if c.dir == "" {
		wd, err := os.Getwd()
		if err != nil {
			fmt.Fprintln(c.stderr, "drainfix:", err)
			return exitError
		}
		c.dir = wd
	} else if abs, err := filepath.Abs(c.dir); err == nil {
		c.dir = abs
	}
	if st, err := os.Stat(c.dir); err != nil || !st.IsDir() {
		return c.usageErr("-C %s: not a directory", c.dir)
	}
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			fmt.Fprintln(c.stderr, "drainfix:", err)
			return exitError
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintln(c.stderr, "drainfix:", err)
			return exitError
		}
		defer pprof.StopCPUProfile()
	}
	patterns, err := c.patterns(fs.Args())
	if err != nil {
		fmt.Fprintln(c.stderr, "drainfix:", err)
		return exitError
	}
	progress := c.progress()
	res, err := engine.Run(engine.Config{
		Dir: c.dir, Patterns: patterns, Rules: rules, Tests: c.tests, All: c.all,
		Timeout: c.timeout, Parallel: c.parallel, FixPerFinding: c.sarif,
		Progress: progress.update,
	})
	progress.done()
	if err != nil {
		fmt.Fprintln(c.stderr, "drainfix:", oneLine(err.Error()))
		return exitError
	}
	code := c.output(res)
	for _, w := range res.Warnings {
		fmt.Fprintln(c.stderr, "drainfix: warning:", c.relMsg(w))
	}
	for _, e := range res.Errors {
		fmt.Fprintln(c.stderr, "drainfix:", oneLine(e.Error()))
	}
	if len(res.Errors) > 0 {
		// The findings above, if any, are those of the packages that
		// were checked: say so, since the exit is 2 either way.
		noun := "packages"
		if res.Checked == 1 {
			noun = "package"
		}
		fmt.Fprintf(c.stderr, "drainfix: %d %s checked; the errors above name what was not\n", res.Checked, noun)
		return exitError
	}
	return code
}

// output prints the result in the chosen mode and returns the exit code.
func (c *command) output(res *engine.Result) int {
	found := exitClean
	if len(res.Findings) > 0 {
		found = exitFindings
	}
	switch {
	case c.sarif:
		if err := c.writeSARIF(c.stdout, res); err != nil {
			fmt.Fprintln(c.stderr, "drainfix:", err)
			return exitError
		}
	case c.jsonOut:
		enc := json.NewEncoder(c.stdout)
		for _, f := range res.Findings {
			enc.Encode(f)
		}
	case c.diff:
		// A diff names files relative to where it is applied: one outside
		// the working directory has no such name (an absolute path is
		// refused by git apply and patch -p1 alike).
		outside := 0
		for _, fx := range res.Fixes {
			rel := c.rel(fx.Path)
			if filepath.IsAbs(rel) {
				fmt.Fprintf(c.stderr, "drainfix: %s: outside the working directory, not in the diff; run drainfix -diff where it is (-C)\n", fx.Path)
				outside++
				continue
			}
			c.stdout.Write(diff.Unified(filepath.ToSlash(rel), fx.Old, fx.New))
		}
		c.report(c.stderr, res.Findings, func(f engine.Finding) bool { return !f.Fixable })
		if outside > 0 {
			return exitError
		}
	case c.list:
		for _, fx := range res.Fixes {
			fmt.Fprintln(c.stdout, c.rel(fx.Path))
		}
	case c.write:
		// All or nothing: a fix may span files (a signature and its
		// callers), and half of it does not build.
		todo := make([]fileFix, 0, len(res.Fixes))
		for _, fx := range res.Fixes {
			todo = append(todo, fileFix{fx.Path, fx.Old, fx.New})
		}
		failed, written := writeAll(todo)
		for _, fx := range res.Fixes {
			if err := failed[fx.Path]; err != nil {
				fmt.Fprintf(c.stderr, "drainfix: %s: %v\n", c.rel(fx.Path), err)
			}
		}
		if len(failed) > 0 && written == 0 && len(res.Fixes) > 1 {
			fmt.Fprintf(c.stderr, "drainfix: nothing written: %d of the %d files to fix cannot be written\n", len(failed), len(res.Fixes))
		}
		unfixed := c.report(c.stdout, res.Findings, func(f engine.Finding) bool { return !f.Fixable })
		switch {
		case len(failed) > 0:
			return exitError
		case unfixed > 0:
			return exitFindings
		}
		return exitClean
	default:
		c.report(c.stdout, res.Findings, func(engine.Finding) bool { return true })
	}
	return found
}

// report prints the findings that keep passes, one a line, and counts them.
func (c *command) report(w io.Writer, fs []engine.Finding, keep func(engine.Finding) bool) int {
	n := 0
	for _, f := range fs {
		if keep(f) {
			fmt.Fprintf(w, "%s:%d:%d: %s: %s\n", c.rel(f.File), f.Line, f.Column, f.Rule, f.Message)
			n++
		}
	}
	return n
}

// relMsg shortens a message that starts with an absolute file name.
func (c *command) relMsg(msg string) string {
	if i := strings.Index(msg, ":"); i > 0 && filepath.IsAbs(msg[:i]) {
		return c.rel(msg[:i]) + msg[i:]
	}
	return msg
}

// rel returns path relative to the working directory when inside it.
func (c *command) rel(path string) string {
	if r, err := filepath.Rel(c.dir, path); err == nil && r != ".." && !strings.HasPrefix(r, ".."+string(filepath.Separator)) {
		return r
	}
	return path
}

// patterns turns the arguments into go/packages patterns: a .go file
// becomes a file= query (only its package is loaded), a directory becomes
// a ./-relative path.
func (c *command) patterns(args []string) ([]string, error) {
	if len(args) == 0 {
		return []string{"./..."}, nil
	}
	out := make([]string, 0, len(args))
	for _, a := range args {
		p := a
		if !filepath.IsAbs(p) {
			p = filepath.Join(c.dir, a)
		}
		dir := strings.TrimSuffix(a, "/...")
		st, err := os.Stat(p)
		if err != nil && strings.HasSuffix(a, ".go") && !strings.Contains(a, "...") {
			return nil, fmt.Errorf("%s: no such file", a)
		}
		switch {
		case err == nil && !st.IsDir() && strings.HasSuffix(a, ".go"):
			out = append(out, "file="+p)
		case filepath.IsAbs(a) || strings.HasPrefix(a, "."):
			out = append(out, a)
		case !isMetaPattern(a) && isDir(filepath.Join(c.dir, dir)):
			// A directory named without ./ would be taken for an import path.
			out = append(out, "./"+a)
		default:
			out = append(out, a)
		}
	}
	return out, nil
}

func isDir(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.IsDir()
}

func isMetaPattern(a string) bool { return a == "std" || a == "all" || a == "cmd" }

func selectRules(only, disable string) ([]*registry.Rule, error) {
	all := registry.All()
	pick := func(list string) (map[string]bool, error) {
		m := map[string]bool{}
		for _, n := range strings.Split(list, ",") {
			n = strings.TrimSpace(n)
			if n == "" {
				continue
			}
			if registry.Lookup(n) == nil {
				return nil, fmt.Errorf("unknown rule %q (drainfix -list shows them)", n)
			}
			m[n] = true
		}
		return m, nil
	}
	on, err := pick(only)
	if err != nil {
		return nil, err
	}
	off, err := pick(disable)
	if err != nil {
		return nil, err
	}
	var rules []*registry.Rule
	for _, r := range all {
		if (len(on) == 0 || on[r.Name]) && !off[r.Name] {
			rules = append(rules, r)
		}
	}
	if len(rules) == 0 {
		return nil, errors.New("no rule left to run")
	}
	return rules, nil
}

func (c *command) printList() {
	tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "RULE\tSEED\tFIXES\tSUMMARY")
	for _, r := range registry.All() {
		fix := "no"
		if r.Fixes() {
			fix = "yes"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.Name, r.SeedText(), fix, r.Summary)
	}
	tw.Flush()
}

func (c *command) usage(fs *flag.FlagSet) {
	fmt.Fprint(c.stderr, `usage: drainfix [flags] [packages | directories | files]

Finds graceful-shutdown (drain) bugs and fixes them. Default: ./...
Exit status: 0 nothing found (or all fixed with -w), 1 findings remain,
2 usage, load or I/O error.

Flags:
`)
	fs.PrintDefaults()
}

func (c *command) usageErr(format string, args ...any) int {
	fmt.Fprintf(c.stderr, "drainfix: "+format+"\n", args...)
	fmt.Fprintln(c.stderr, "run 'drainfix -h' for usage")
	return exitError
}

func buildVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "devel"
}

func oneLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
