package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
)

// writeFile replaces the contents of path with new, atomically: through a
// temporary file in the same directory and a rename, keeping the mode. A
// symlink is written through, so the link stays a link. It refuses when the
// file no longer holds old (it changed since it was loaded).
func writeFile(path string, old, new []byte) error {
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		return err
	}
	st, err := os.Stat(real)
	if err != nil {
		return err
	}
	if st.Mode().Perm()&0o200 == 0 {
		return errors.New("file is read-only; not rewritten")
	}
	cur, err := os.ReadFile(real)
	if err != nil {
		return err
	}
	if !bytes.Equal(cur, old) {
		return errors.New("changed on disk since it was loaded; not overwritten")
	}
	tmp, err := os.CreateTemp(filepath.Dir(real), "."+filepath.Base(real)+".drainfix-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // a no-op once renamed
	if _, err := tmp.Write(new); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(st.Mode().Perm()); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), real)
}
