package engine

import (
	"errors"
	"go/version"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"

	"github.com/drainfix/drainfix/matchers"
	"golang.org/x/tools/go/packages"
)

// loadErrors says why packages could not be loaded: one line for each
// cause, given where it is (the package that cannot be loaded, not each
// of its importers, which only say "could not import"), with the loaded
// packages it kept from being checked. A package of the main module that
// a loaded package imports counts too, though the importer is checked;
// and so does a package of any module under a loaded package that
// go/packages marks ill-typed (its importer is checked: its own code
// type-checked). Each line names the packages of the load left unchecked
// because of it, the broken package too when it is one of them.
func loadErrors(dir string, roots []*packages.Package) []error {
	type cause struct {
		line    string
		blocked []string // packages not checked because of it
		tests   []string // packages whose tests alone were not checked because of it
	}
	var causes []*cause
	byLine := map[string]*cause{}
	// The packages whose own files loaded: a test variant of one that
	// fails leaves only its tests unchecked.
	checked := map[string]bool{}
	for _, p := range roots {
		if !isTestVariant(p) && len(p.Errors) == 0 {
			checked[p.PkgPath] = true
		}
	}
	add := func(line string, blocked *packages.Package) {
		c := byLine[line]
		if c == nil {
			c = &cause{line: line}
			byLine[line] = c
			causes = append(causes, c)
		}
		if blocked == nil {
			return
		}
		path := strings.TrimSuffix(blocked.PkgPath, "_test")
		if isTestVariant(blocked) && checked[path] {
			if !slices.Contains(c.tests, path) {
				c.tests = append(c.tests, path)
			}
		} else if !slices.Contains(c.blocked, blocked.PkgPath) {
			c.blocked = append(c.blocked, blocked.PkgPath)
		}
	}
	// Dependencies walked, from any root: of the main module, and, from
	// a root that go/packages marks ill-typed though it has no error of
	// its own, of every module (a module the proxy refuses, deep in the
	// graph, leaves only that mark on the packages that import it).
	seenMain, seenAll := map[*packages.Package]bool{}, map[*packages.Package]bool{}
	for _, p := range roots {
		if len(p.Errors) > 0 {
			// p itself is not checked, whether the cause is its own or
			// an import's.
			at := causeOf(p, map[*packages.Package]bool{})
			if line := newerGo(at); line != "" {
				add(line, p) // one line for the whole load, not one per package
				continue
			}
			add(at.PkgPath+": "+describeErrors(dir, at), p)
			continue
		}
		// A broken package that p imports: of the main module, or of
		// any module when p is marked ill-typed.
		all, seen := p.IllTyped, seenMain
		if all {
			seen = seenAll
		}
		var walk func(q *packages.Package)
		walk = func(q *packages.Package) {
			for _, d := range q.Imports {
				if seen[d] || !all && (d.Module == nil || !d.Module.Main) {
					continue
				}
				seen[d] = true
				if len(d.Errors) > 0 {
					at := causeOf(d, map[*packages.Package]bool{})
					add(at.PkgPath+": "+describeErrors(dir, at), nil)
					continue
				}
				walk(d)
			}
		}
		walk(p)
	}
	var errs []error
	for _, c := range causes {
		line := c.line
		if len(c.blocked) > 0 {
			line += " (not checked: " + matchers.ListPaths(c.blocked) + ")"
		}
		if len(c.tests) > 0 {
			line += " (test files not checked, the packages were: " + matchers.ListPaths(c.tests) + "; give the tests' build tags in GOFLAGS, or -tests=false)"
		}
		errs = append(errs, errors.New(line))
	}
	return errs
}

// isTestVariant reports whether p is a package's test variant (p [p.test]),
// its external test package (p_test) or the test main (p.test).
func isTestVariant(p *packages.Package) bool {
	return strings.Contains(p.ID, " [") || strings.HasSuffix(p.PkgPath, "_test") || strings.HasSuffix(p.PkgPath, ".test")
}

// newerGoRE finds the Go version a package needs in the type checker's
// error for code newer than drainfix's Go.
var newerGoRE = regexp.MustCompile(`requires newer Go version (go[0-9][0-9.a-z]*) \(application built with (go[0-9][0-9.a-z]*)\)`)

// newerGo returns the one line for a package the type checker refused
// because its module needs a newer Go than drainfix was built with, or "".
func newerGo(p *packages.Package) string {
	for _, e := range p.Errors {
		if m := newerGoRE.FindStringSubmatch(e.Msg); m != nil {
			return needsGo(m[1], m[2])
		}
	}
	return ""
}

// needsGo says that the module needs Go need while drainfix was built
// with Go built, and how to build it with need. A toolchain is named with
// its patch release (go1.27.0, not go1.27).
func needsGo(need, built string) string {
	toolchain := need
	if strings.Count(toolchain, ".") == 1 {
		toolchain += ".0"
	}
	return "the module needs " + need + ", and drainfix was built with " + built + ": build drainfix with " + need +
		" (GOTOOLCHAIN=" + toolchain + " go install github.com/drainfix/drainfix/cmd/drainfix@latest)"
}

// goDirectiveRE finds the go directive of a go.mod file.
var goDirectiveRE = regexp.MustCompile(`(?m)^go[ \t]+([0-9][0-9.a-z]*)[ \t]*(?://.*)?$`)

// newerModule returns an error when the module holding dir declares a Go
// version newer than the one drainfix was built with: the type checker
// would refuse every package, after a load that can take minutes, so say
// it at once.
func newerModule(dir string) error {
	built := runtime.Version()
	if !version.IsValid(built) {
		return nil // a development build: let the load decide
	}
	d, err := filepath.Abs(dir)
	if err != nil {
		return nil
	}
	for {
		data, err := os.ReadFile(filepath.Join(d, "go.mod"))
		if err == nil {
			m := goDirectiveRE.FindSubmatch(data)
			if m == nil {
				return nil
			}
			need := "go" + string(m[1])
			if version.IsValid(need) && version.Compare(version.Lang(need), version.Lang(built)) > 0 {
				return errors.New(needsGo(need, version.Lang(built)))
			}
			return nil
		}
		parent := filepath.Dir(d)
		if parent == d {
			return nil
		}
		d = parent
	}
}

// goCommandError returns the go command's own message from a load that
// failed as a whole (go/packages wraps it as "err: exit status 1: stderr:
// go: ..."), or err when there is none.
func goCommandError(err error) error {
	msg := err.Error()
	if _, rest, ok := strings.Cut(msg, "stderr: "); ok && strings.HasPrefix(msg, "err: ") {
		if rest = strings.TrimSpace(rest); rest != "" {
			return errors.New(rest)
		}
	}
	return err
}

// causeOf follows a package with an import that failed to the imported
// package that failed, and returns the package that holds the real cause.
// The package's own type errors then follow from the import (undefined:
// throttled, for a package no required module provides), so the import
// is the cause.
func causeOf(p *packages.Package, seen map[*packages.Package]bool) *packages.Package {
	seen[p] = true
	for _, e := range p.Errors {
		if d := p.Imports[importFailed(e)]; d != nil && len(d.Errors) > 0 && !seen[d] {
			return causeOf(d, seen)
		}
	}
	// Only type errors, and an import that failed to build (cgo: cannot
	// use bimg.VipsVersion (constant unknown with invalid type), when
	// pkg-config finds no vips): the import is the cause.
	if !slices.ContainsFunc(p.Errors, func(e packages.Error) bool { return e.Kind != packages.TypeError }) {
		for _, path := range slices.Sorted(maps.Keys(p.Imports)) {
			if d := p.Imports[path]; len(d.Errors) > 0 && !seen[d] {
				return causeOf(d, seen)
			}
		}
	}
	return p
}

// importFailed returns the path of the package a type error says could
// not be imported, or "".
func importFailed(e packages.Error) string {
	if e.Kind != packages.TypeError {
		return ""
	}
	rest, ok := strings.CutPrefix(e.Msg, "could not import ")
	if !ok {
		return ""
	}
	path, _, _ := strings.Cut(rest, " ")
	return path
}

// describeErrors gives the most telling of a package's errors on one
// line. A package and its test variant have the same path and cause: the
// count of its other errors would tell them apart, so it is left out.
func describeErrors(dir string, p *packages.Package) string {
	e := bestError(p.Errors)
	msg := oneLine(e.Msg)
	if e.Pos != "" && e.Pos != "-" {
		return relTo(dir, e.Pos) + ": " + msg
	}
	// The compiler's messages under "# pkg" name files relative to the
	// package's directory.
	if file, rest, ok := strings.Cut(msg, ":"); ok && !filepath.IsAbs(file) && len(p.GoFiles) > 0 {
		if path := filepath.Join(filepath.Dir(p.GoFiles[0]), file); fileExists(path) {
			return relTo(dir, path) + ":" + rest
		}
	}
	return msg
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// bestError picks the most telling of a package's errors: a parse error,
// then the go command's own (a missing module, an import cycle), then a
// type error, then the compiler's under the go command's "# pkg" (a cgo
// failure), and last a type error that only says an import failed.
func bestError(errs []packages.Error) packages.Error {
	better := []func(packages.Error) bool{
		func(e packages.Error) bool { return e.Kind == packages.ParseError },
		func(e packages.Error) bool { return e.Kind == packages.ListError && !strings.HasPrefix(e.Msg, "#") },
		func(e packages.Error) bool {
			return e.Kind == packages.TypeError && !strings.HasPrefix(e.Msg, "could not import ")
		},
		func(e packages.Error) bool {
			return e.Kind == packages.ListError && strings.Contains(strings.TrimSpace(e.Msg), "\n")
		},
		func(e packages.Error) bool { return e.Kind == packages.TypeError },
	}
	for _, ok := range better {
		for _, e := range errs {
			if ok(e) {
				return e
			}
		}
	}
	return errs[0]
}

// oneLine puts an error of the go command or the compiler on one line:
// the header of a failed compile ("# pkg") is dropped, and so is all
// after the first message but the go command's hint, on the indented
// lines after a colon ("to add it:\n\tgo get …").
func oneLine(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > 1 && strings.HasPrefix(lines[0], "# ") && !strings.HasPrefix(lines[0], "# [") {
		lines = lines[1:]
	}
	// A command the go command ran that failed ("# [pkg-config --cflags
	// -- vips]") and its first line of output.
	if cmd, ok := strings.CutPrefix(lines[0], "# ["); ok && len(lines) > 1 {
		return strings.Join(strings.Fields(strings.TrimSuffix(cmd, "]")), " ") + ": " + lines[1]
	}
	out := lines[0]
	for _, l := range lines[1:] {
		if !strings.HasSuffix(out, ":") || !strings.HasPrefix(l, "\t") {
			break
		}
		out += " " + strings.TrimSpace(l)
	}
	return out
}
