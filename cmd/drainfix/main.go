// Command drainfix finds graceful-shutdown ("drain") bugs in Go code and
// rewrites them into the correct shape.
//
//	drainfix -diff ./...   # review the fixes as a unified diff
//	drainfix -w ./...      # apply them in place
//	drainfix ./...         # report only; exit 1 when anything is found
package main

import (
	"io"
	"os"
)

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run is the whole command, testable in-process: it returns the exit code.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	c := &command{stdin: stdin, stdout: stdout, stderr: stderr, terminal: func() bool { return isTerminal(stderr) }}
	return c.main(args)
}
