package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"drainfix": func() { os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) },
	})
}

// TestScripts runs the CLI scripts under testdata/script.
func TestScripts(t *testing.T) {
	goEnv := map[string]string{}
	out, err := exec.Command("go", "env", "GOCACHE", "GOMODCACHE", "GOPATH", "GOROOT").Output()
	if err != nil {
		t.Fatalf("go env: %v", err)
	}
	vals := strings.Split(strings.TrimSpace(string(out)), "\n")
	for i, k := range []string{"GOCACHE", "GOMODCACHE", "GOPATH", "GOROOT"} {
		goEnv[k] = vals[i]
	}
	// The vet tool scripts need the analyzer built as a binary.
	vettool := filepath.Join(t.TempDir(), "drainfix-vet")
	if out, err := exec.Command("go", "build", "-o", vettool, "github.com/drainfix/drainfix/cmd/drainfix-vet").CombinedOutput(); err != nil {
		t.Fatalf("building drainfix-vet: %v\n%s", err, out)
	}
	testscript.Run(t, testscript.Params{
		Dir: "../../testdata/script",
		Setup: func(env *testscript.Env) error {
			for k, v := range goEnv {
				env.Setenv(k, v)
			}
			env.Setenv("GOFLAGS", "-buildvcs=false")
			env.Setenv("GOPROXY", os.Getenv("GOPROXY"))
			env.Setenv("GOTOOLCHAIN", "local")
			env.Setenv("DRAINFIX_VET", vettool)
			return nil
		},
		RequireExplicitExec: true,
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"drainload": drainLoad,
			// reshape crlf|bom|nofinalnl FILE rewrites FILE's bytes in a way
			// txtar cannot hold.
			"reshape": func(ts *testscript.TestScript, neg bool, args []string) {
				if neg || len(args) != 2 {
					ts.Fatalf("usage: reshape crlf|bom|nofinalnl|latin1 FILE")
				}
				data := []byte(ts.ReadFile(args[1]))
				switch args[0] {
				case "crlf":
					data = bytes.ReplaceAll(data, []byte("\n"), []byte("\r\n"))
				case "bom":
					data = append([]byte("\ufeff"), data...)
				case "nofinalnl":
					data = bytes.TrimSuffix(data, []byte("\n"))
				case "latin1":
					data = bytes.ReplaceAll(data, []byte("LATIN1"), []byte{0xe9, 0xe8})
				default:
					ts.Fatalf("unknown shape %q", args[0])
				}
				ts.Check(os.WriteFile(ts.MkAbs(args[1]), data, 0o644))
			},
		},
	})
}
