package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestPreCommit runs the real pre-commit program with this checkout as the
// hook repository: the drainfix hook blocks a commit that adds a drain
// bug, drainfix-fix fixes it, and then the commit goes through.
func TestPreCommit(t *testing.T) {
	if _, err := exec.LookPath("pre-commit"); err != nil {
		t.Skip("pre-commit is not installed (CI installs Debian's pre-commit package)")
	}
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	if testing.Short() {
		t.Skip("installs the hook with go install; skipped with -short")
	}
	tmp := t.TempDir()
	env := append(os.Environ(),
		"PRE_COMMIT_HOME="+filepath.Join(tmp, "cache"),
		"GIT_CONFIG_GLOBAL="+filepath.Join(tmp, "gitconfig"),
		"GIT_CONFIG_NOSYSTEM=1",
		"GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com",
		"GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com",
	)
	if out, err := exec.Command("go", "env", "GOMODCACHE").Output(); err == nil {
		// pre-commit gives the hook a GOPATH of its own; share the module cache.
		env = append(env, "GOMODCACHE="+strings.TrimSpace(string(out)))
	}
	sh := func(dir string, name string, args ...string) (string, error) {
		cmd := exec.Command(name, args...)
		cmd.Dir, cmd.Env = dir, env
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	must := func(dir string, name string, args ...string) string {
		t.Helper()
		out, err := sh(dir, name, args...)
		if err != nil {
			t.Fatalf("%s %v: %v\n%s", name, args, err, out)
		}
		return out
	}

	// The hook repository: this checkout's HEAD (in CI, a clean clone of
	// main), committed anew as pre-commit wants a repository and a rev.
	hooks := filepath.Join(tmp, "hooks")
	root, _ := filepath.Abs("../..")
	if err := os.MkdirAll(hooks, 0o755); err != nil {
		t.Fatal(err)
	}
	archive := exec.Command("sh", "-c", "git -C \"$0\" archive HEAD | tar -x -C \"$1\"", root, hooks)
	if out, err := archive.CombinedOutput(); err != nil {
		t.Skipf("this checkout has no git HEAD to use as the hook repository: %v\n%s", err, out)
	}
	must(hooks, "git", "init", "-q")
	must(hooks, "git", "add", "-A")
	must(hooks, "git", "commit", "-qm", "snapshot")
	rev := strings.TrimSpace(must(hooks, "git", "rev-parse", "HEAD"))

	// A service with a drain bug.
	repo := filepath.Join(tmp, "svc")
	writeT(t, filepath.Join(repo, "go.mod"), "module example.com/svc\n\ngo 1.22\n")
	writeT(t, filepath.Join(repo, "main.go"), `package main

import (
	"os"
	"os/signal"
	"syscall"
)

func main() {
	stop := make(chan os.Signal)
	signal.Notify(stop, syscall.SIGTERM)
	<-stop
}
`)
	writeT(t, filepath.Join(repo, ".pre-commit-config.yaml"), `repos:
  - repo: `+hooks+`
    rev: `+rev+`
    hooks:
      - id: drainfix
      - id: drainfix-fix
        stages: [manual]
`)
	must(repo, "git", "init", "-q")
	must(repo, "git", "add", "-A")
	must(repo, "pre-commit", "install")

	out, err := sh(repo, "git", "commit", "-qm", "add service")
	if err == nil {
		t.Fatalf("the commit with a drain bug went through:\n%s", out)
	}
	if !strings.Contains(out, "main.go:10:10: signal-unbuffered") {
		t.Fatalf("the hook did not report the bug:\n%s", out)
	}

	// drainfix-fix rewrites the file (pre-commit fails the run because a
	// file changed), and then the commit goes through.
	out, err = sh(repo, "pre-commit", "run", "--hook-stage", "manual", "drainfix-fix", "--all-files")
	if err == nil {
		t.Fatalf("pre-commit did not flag the rewritten file:\n%s", out)
	}
	data, _ := os.ReadFile(filepath.Join(repo, "main.go"))
	if !strings.Contains(string(data), "make(chan os.Signal, 1)") {
		t.Fatalf("drainfix-fix did not fix main.go:\n%s\n%s", data, out)
	}
	must(repo, "git", "add", "-A")
	must(repo, "git", "commit", "-qm", "add service")
}

func writeT(t *testing.T, path, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}
