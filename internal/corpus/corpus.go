// Package corpus fetches the real third-party modules that drainfix's
// corpus test and benchmark run on, pinned in testdata/pins/go.mod, and
// copies them where they may be rewritten.
package corpus

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
)

// A Module is one downloaded module.
type Module struct {
	Path, Version, Dir string
}

// Modules downloads the pinned modules through the module proxy (once;
// the module cache keeps them) and returns them in go.mod order.
func Modules() ([]Module, error) {
	_, self, _, ok := runtime.Caller(0)
	if !ok {
		return nil, fmt.Errorf("cannot find the corpus pins")
	}
	cmd := exec.Command("go", "mod", "download", "-json")
	cmd.Dir = filepath.Join(filepath.Dir(self), "testdata", "pins")
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go mod download: %v", err)
	}
	var mods []Module
	dec := json.NewDecoder(bytes.NewReader(out))
	for dec.More() {
		var m struct {
			Path, Version, Dir, Error string
		}
		if err := dec.Decode(&m); err != nil {
			return nil, err
		}
		if m.Error != "" {
			return nil, fmt.Errorf("%s: %s", m.Path, m.Error)
		}
		mods = append(mods, Module{m.Path, m.Version, m.Dir})
	}
	return mods, nil
}

// Copy copies the module's files into dst, writable (the module cache is
// read-only), keeping the executable bit.
func (m Module) Copy(dst string) error {
	return filepath.WalkDir(m.Dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(m.Dir, path)
		to := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(to, 0o755)
		}
		if !d.Type().IsRegular() {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		return copyFile(path, to, info.Mode().Perm()|0o200)
	})
}

// Prepare copies the module into dst and brings its go.mod up to date
// there: as a main module rather than a dependency, a module may need
// go mod tidy first, and that is not drainfix's change.
func (m Module) Prepare(dst string) error {
	if err := m.Copy(dst); err != nil {
		return err
	}
	cmd := exec.Command("go", "mod", "tidy")
	cmd.Dir = dst
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go mod tidy in %s: %v\n%s", m.Path, err, out)
	}
	return nil
}

func copyFile(from, to string, mode fs.FileMode) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, mode)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
