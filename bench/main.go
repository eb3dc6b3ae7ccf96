// Command bench measures drainfix against a bare typed load of the same
// packages and prints medians, ratios, peak memory and whether the targets
// hold:
//
//	go run ./bench                 # std, net/... and the corpus modules
//	go run ./bench -reps 3 -corpus=false
//
// Targets: drainfix -json wall time ≤ 1.25× the bare load and peak memory
// ≤ 1.5×; -diff on a module where one file gets fixes ≤ report mode + 10%;
// time per file about the same on std and net/... (linear growth); and a
// pre-commit run on one file of a large module far below ./....
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/drainfix/drainfix/internal/corpus"
)

type sample struct {
	wall time.Duration
	rss  int64 // peak resident set, KiB
}

type stats struct {
	wall     time.Duration // median
	min, max time.Duration // the spread of the repetitions
	n        int           // repetitions
	rss      int64         // median of the peaks
}

func main() {
	reps := flag.Int("reps", 5, "repetitions per measurement, at least (the median is reported)")
	withCorpus := flag.Bool("corpus", true, "also measure the corpus modules")
	flag.Parse()
	if err := run(*reps, *withCorpus); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(reps int, withCorpus bool) error {
	tmp, err := os.MkdirTemp("", "drainfix-bench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	drainfix, bare := filepath.Join(tmp, "drainfix"), filepath.Join(tmp, "bareload")
	for bin, pkg := range map[string]string{drainfix: "./cmd/drainfix", bare: "./bench/bareload"} {
		if out, err := exec.Command("go", "build", "-o", bin, pkg).CombinedOutput(); err != nil {
			return fmt.Errorf("go build %s: %v\n%s", pkg, err, out)
		}
	}
	wd, _ := os.Getwd()
	type target struct{ name, dir, pattern string }
	targets := []target{{"std", wd, "std"}, {"net/...", wd, "net/..."}}
	var mods []corpus.Module
	if withCorpus {
		if mods, err = corpus.Modules(); err != nil {
			return err
		}
		for _, m := range mods {
			dir := filepath.Join(tmp, strings.ReplaceAll(m.Path, "/", "_"))
			if err := m.Prepare(dir); err != nil {
				return err
			}
			targets = append(targets, target{m.Path, dir, "./..."})
		}
	}

	fmt.Printf("drainfix benchmark: medians of %d repetitions or more (about %s of runs for a fast target), each pair in turns; %s\n\n", reps, minTotal, time.Now().Format(time.DateOnly))
	tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "target\tfiles\truns\tbare load\tdrainfix -json\ttime ×\tbare range\tdrainfix range\tbare RSS MiB\tdrainfix RSS MiB\tmemory ×\tms/file\ttargets (≤1.25×, ≤1.5×)\t")
	perFile := map[string]float64{}
	for _, tg := range targets {
		files := countFiles(bare, tg.dir, tg.pattern)
		b, d := measurePair(reps, tg.dir, []string{bare, tg.pattern}, []string{drainfix, "-json", tg.pattern})
		tr, mr := ratio(d.wall, b.wall), float64(d.rss)/float64(b.rss)
		ms := float64(d.wall.Milliseconds()) / float64(max(files, 1))
		perFile[tg.name] = ms
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%s\t%.2f\t%s\t%s\t%d\t%d\t%.2f\t%.2f\t%s\t\n", tg.name, files, b.n,
			round(b.wall), round(d.wall), tr, spread(b), spread(d), b.rss/1024, d.rss/1024, mr, ms, holds(tr <= 1.25 && mr <= 1.5))
	}
	tw.Flush()
	fmt.Printf("\nlinear growth: %.2f ms/file on std, %.2f ms/file on net/... (ratio %.2f)\n",
		perFile["std"], perFile["net/..."], perFile["net/..."]/perFile["std"])

	if err := hugeFunction(reps, tmp, bare, drainfix); err != nil {
		return err
	}
	if err := largeFile(reps, tmp, drainfix); err != nil {
		return err
	}

	if len(mods) == 0 {
		return nil
	}
	// -diff where one file gets fixes costs no more than report mode + 10%:
	// a module with no findings of its own, given one file with a bug.
	one := targets[len(targets)-1]
	for _, tg := range targets {
		if tg.name == "github.com/prometheus/client_golang" {
			one = tg
		}
	}
	bug := "package benchbug\n\nimport (\n\t\"os\"\n\t\"os/signal\"\n)\n\nfunc benchWait() {\n\tc := make(chan os.Signal)\n\tsignal.Notify(c, os.Interrupt)\n\t<-c\n}\n"
	if err := os.MkdirAll(filepath.Join(one.dir, "zz_benchbug"), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(one.dir, "zz_benchbug", "bug.go"), []byte(bug), 0o644); err != nil {
		return err
	}
	check := exec.Command(drainfix, "-diff", "./...")
	check.Dir = one.dir
	out, _ := check.Output()
	if n := strings.Count(string(out), "\n+++ "); n != 1 {
		return fmt.Errorf("-diff on %s with the bench bug changes %d files, want 1", one.name, n)
	}
	rep, dif := measurePair(reps, one.dir, []string{drainfix, "-json", "./..."}, []string{drainfix, "-diff", "./..."})
	r := ratio(dif.wall, rep.wall)
	fmt.Printf("-diff with one fixed file (%s, %d runs): report %s, diff %s, ratio %.2f: %s (≤1.10)\n",
		one.name, rep.n, round(rep.wall), round(dif.wall), r, holds(r <= 1.10))

	// Pre-commit: one file of the largest module against the whole module.
	big := targets[2]
	for _, tg := range targets[2:] {
		if tg.name == "golang.org/x/tools" {
			big = tg
		}
	}
	file := filepath.Join(big.dir, "go", "analysis", "passes", "lostcancel", "lostcancel.go")
	if _, err := os.Stat(file); err != nil {
		return nil
	}
	whole, single := measurePair(reps, big.dir, []string{drainfix, "./..."}, []string{drainfix, file})
	fmt.Printf("pre-commit on %s: one file %s, ./... %s (%.1f× faster)\n", big.name, round(single.wall), round(whole.wall),
		float64(whole.wall)/float64(single.wall))
	return nil
}

// measure runs bin with args in dir reps times, after one unmeasured run
// that warms the build cache, and returns the medians.
// measurePair measures two commands (binary and arguments) in turns, a
// then b, after one warm-up run of each: a machine that slows down or
// speeds up part way through affects both alike, where measuring all of a
// and then all of b would tilt their ratio. A command that runs in under
// a few seconds is repeated more than reps times, until about minTotal of
// runs of a: on this machine one sub-second run can be 25% off the next,
// and the median of five such runs moves a ratio by a tenth.
func measurePair(reps int, dir string, a, b []string) (stats, stats) {
	warm := runOnce(dir, a[0], a[1:]...)
	runOnce(dir, b[0], b[1:]...)
	n := reps
	if more := int(minTotal / max(warm.wall, time.Millisecond)); more > n {
		n = min(more, 4*reps)
	}
	var as, bs []sample
	for range n {
		as = append(as, runOnce(dir, a[0], a[1:]...))
		bs = append(bs, runOnce(dir, b[0], b[1:]...))
	}
	return summarize(as), summarize(bs)
}

// minTotal is how long measurePair runs a command in all, at least.
const minTotal = 10 * time.Second

func summarize(samples []sample) stats {
	var walls []time.Duration
	var rsss []int64
	for _, s := range samples {
		walls = append(walls, s.wall)
		rsss = append(rsss, s.rss)
	}
	slices.Sort(walls)
	slices.Sort(rsss)
	return stats{walls[len(walls)/2], walls[0], walls[len(walls)-1], len(samples), rsss[len(rsss)/2]}
}

func runOnce(dir, bin string, args ...string) sample {
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = &bytes.Buffer{}, &bytes.Buffer{}
	start := time.Now()
	_ = cmd.Run() // drainfix exits 1 when it finds something
	s := sample{wall: time.Since(start)}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		s.rss = ru.Maxrss
	}
	return s
}

func countFiles(bare, dir, pattern string) int {
	cmd := exec.Command(bare, pattern)
	cmd.Dir = dir
	out, _ := cmd.Output()
	var pkgs, files int
	fmt.Sscanf(string(out), "packages %d files %d", &pkgs, &files)
	return files
}

// spread is the fastest and slowest of the repetitions: on a shared
// machine one run can be far from the median.
func spread(s stats) string { return round(s.min) + "–" + round(s.max) }

func ratio(a, b time.Duration) float64 { return float64(a) / float64(b) }

func round(d time.Duration) string { return d.Round(10 * time.Millisecond).String() }

func holds(ok bool) string {
	if ok {
		return "holds"
	}
	return "MISSED"
}

// hugeFunction times drainfix -json on one generated function of n
// goroutines, each ranging over a channel without watching the context in
// scope (a finding each), for two sizes four times apart: no rule may be
// quadratic in a function's size, so the time may grow about fourfold,
// not sixteenfold.
func hugeFunction(reps int, tmp, bare, drainfix string) error {
	var walls []time.Duration
	sizes := []int{2500, 10000}
	for _, n := range sizes {
		dir := filepath.Join(tmp, fmt.Sprintf("huge%d", n))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		var b strings.Builder
		b.WriteString("package main\n\nimport (\n\t\"context\"\n\t\"fmt\"\n\t\"os/signal\"\n\t\"sync\"\n\t\"syscall\"\n)\n\n")
		b.WriteString("func run(ctx context.Context, ch chan int) {\n\tvar wg sync.WaitGroup\n")
		for i := range n {
			fmt.Fprintf(&b, "\twg.Add(1)\n\tgo func() {\n\t\tdefer wg.Done()\n\t\tfor v := range ch {\n\t\t\tfmt.Println(%d, v)\n\t\t}\n\t}()\n", i)
		}
		b.WriteString("\t<-ctx.Done()\n\twg.Wait()\n}\n\nfunc main() {\n\tctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)\n\tdefer stop()\n\trun(ctx, make(chan int))\n}\n")
		if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module example.com/huge\n\ngo 1.24\n"), 0o644); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(b.String()), 0o644); err != nil {
			return err
		}
		bl, d := measurePair(reps, dir, []string{bare, "./..."}, []string{drainfix, "-json", "./..."})
		fmt.Printf("one function of %d goroutines (%d findings): bare load %s, drainfix -json %s\n", n, n, round(bl.wall), round(d.wall))
		walls = append(walls, d.wall)
	}
	r := ratio(walls[1], walls[0])
	fmt.Printf("four times the function, %.1f× the time: %s (≤6×; quadratic would be 16×)\n", r, holds(r <= 6))
	return nil
}

// largeFile times the fix phase on one file of about 1600 lines with one
// fix: drainfix -diff against drainfix -json, for the file gofmt-clean and
// for the same file with a legacy // +build line and unsorted imports,
// into whose own bytes the fix is spliced.
func largeFile(reps int, tmp, drainfix string) error {
	for _, clean := range []bool{true, false} {
		dir := filepath.Join(tmp, fmt.Sprintf("largefile-%v", clean))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		var b strings.Builder
		imports := "import (\n\t\"os\"\n\t\"os/signal\"\n)\n"
		if !clean {
			b.WriteString("// +build !nobench\n\n")
			imports = "import (\n\t\"os/signal\"\n\t\"os\"\n)\n"
		}
		b.WriteString("package main\n\n" + imports)
		for i := range 180 {
			fmt.Fprintf(&b, "\nfunc f%d(a, b int) int {\n\tx := a + b\n\tif x > %d {\n\t\treturn x - %d\n\t}\n\t// the rest\n\treturn x * 2\n}\n", i, i, i)
		}
		b.WriteString("\nfunc main() {\n\tc := make(chan os.Signal)\n\tsignal.Notify(c, os.Interrupt)\n\t<-c\n}\n")
		files := map[string]string{"go.mod": "module example.com/largefile\n\ngo 1.22\n", "main.go": b.String()}
		for name, data := range files {
			if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
				return err
			}
		}
		check := exec.Command(drainfix, "-diff", "./...")
		check.Dir = dir
		out, _ := check.Output()
		if !strings.Contains(string(out), "+\tc := make(chan os.Signal, 1)") {
			return fmt.Errorf("large file (gofmt-clean: %v): the fix is not applied:\n%s", clean, out)
		}
		rep, dif := measurePair(reps, dir, []string{drainfix, "-json", "./..."}, []string{drainfix, "-diff", "./..."})
		kind := "gofmt-clean, printed"
		if !clean {
			kind = "not gofmt-clean, spliced"
		}
		extra := (dif.wall - rep.wall).Round(time.Millisecond).String()
		if dif.wall >= rep.wall {
			extra = "+" + extra
		}
		fmt.Printf("fix phase on one file of %d lines (%s): report %s, diff %s: %s\n",
			strings.Count(b.String(), "\n"), kind, round(rep.wall), round(dif.wall), extra)
	}
	return nil
}
