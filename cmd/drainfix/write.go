package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// A pendingWrite is a file whose new contents are ready next to it in a
// temporary file, checked and synced, waiting to replace it.
type pendingWrite struct {
	path, real, tmp string
	new             []byte
	// inPlace: the file has other hard links, or another owner, which a
	// rename would cut off or take over; it is rewritten in place (as
	// gofmt -w does) once every file of the run is ready.
	inPlace bool
}

// prepareWrite checks that path may be replaced by new (it exists, is
// writable and still holds old: it did not change since it was loaded)
// and writes new to a temporary file in the same directory. A symlink is
// written through, so the link stays a link.
func prepareWrite(path string, old, new []byte) (*pendingWrite, error) {
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		return nil, err
	}
	st, err := os.Stat(real)
	if err != nil {
		return nil, err
	}
	if st.Mode().Perm()&0o200 == 0 {
		return nil, errors.New("file is read-only; not rewritten")
	}
	cur, err := os.ReadFile(real)
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(cur, old) {
		return nil, errors.New("changed on disk since it was loaded; not overwritten")
	}
	w := &pendingWrite{path: path, real: real, new: new, inPlace: shared(st)}
	if w.inPlace {
		// Opening it for writing now is the check that the write will go
		// through; nothing is written yet.
		f, err := os.OpenFile(real, os.O_WRONLY, 0)
		if err != nil {
			return nil, err
		}
		f.Close()
	}
	tmp, err := os.CreateTemp(filepath.Dir(real), "."+filepath.Base(real)+".drainfix-*")
	if err != nil {
		return nil, err
	}
	w.tmp = tmp.Name()
	if _, err := tmp.Write(new); err != nil {
		tmp.Close()
		w.abort()
		return nil, err
	}
	if err := tmp.Chmod(st.Mode().Perm()); err != nil {
		tmp.Close()
		w.abort()
		return nil, err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		w.abort()
		return nil, err
	}
	if err := tmp.Close(); err != nil {
		w.abort()
		return nil, err
	}
	return w, nil
}

// commit replaces the file: by renaming the temporary file over it, or,
// in place, by writing the new contents into it (the temporary file is the
// copy that survives a failure half way).
func (w *pendingWrite) commit() error {
	if !w.inPlace {
		return os.Rename(w.tmp, w.real)
	}
	if err := os.WriteFile(w.real, w.new, 0); err != nil {
		return fmt.Errorf("%v (the new contents are in %s)", err, w.tmp)
	}
	return os.Remove(w.tmp)
}

// abort removes the temporary file.
func (w *pendingWrite) abort() {
	if w.tmp != "" {
		os.Remove(w.tmp)
	}
}

// writeAll replaces every file of fixes, or none: each is checked and its
// new contents made ready first, and when any cannot be, nothing is
// written. It returns the files that failed, each with why, and how many
// were written.
func writeAll(fixes []fileFix) (map[string]error, int) {
	failed := map[string]error{}
	var ready []*pendingWrite
	for _, fx := range fixes {
		w, err := prepareWrite(fx.path, fx.old, fx.new)
		if err != nil {
			failed[fx.path] = err
			continue
		}
		ready = append(ready, w)
	}
	if len(failed) > 0 {
		for _, w := range ready {
			w.abort()
		}
		return failed, 0
	}
	written := 0
	for _, w := range ready {
		if err := w.commit(); err != nil {
			failed[w.path] = err
			continue
		}
		written++
	}
	return failed, written
}

// A fileFix is one file to replace: its path, what it held when loaded,
// and its new contents.
type fileFix struct {
	path     string
	old, new []byte
}

// writeFile replaces one file (writeAll of one).
func writeFile(path string, old, new []byte) error {
	failed, _ := writeAll([]fileFix{{path, old, new}})
	return failed[path]
}
