//go:build unix

package main

import (
	"os"
	"syscall"
)

// shared reports whether a rename over the file would cut it off from its
// other hard links or hand it to another owner.
func shared(st os.FileInfo) bool {
	sys, ok := st.Sys().(*syscall.Stat_t)
	return ok && (sys.Nlink > 1 || int(sys.Uid) != os.Getuid())
}
