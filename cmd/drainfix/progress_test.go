package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestProgress(t *testing.T) {
	for _, tc := range []struct {
		terminal bool
		args     []string
		want     bool
	}{
		{true, nil, true},
		{false, nil, false},
		{true, []string{"-json"}, false},
		{true, []string{"-format", "sarif"}, false},
	} {
		var stdout, stderr bytes.Buffer
		c := &command{stdout: &stdout, stderr: &stderr, terminal: func() bool { return tc.terminal }, progressMin: 2}
		args := append(append([]string{"-C", "../..", "-rules", "signal-unbuffered"}, tc.args...), "./...")
		c.main(args)
		got := strings.Contains(stderr.String(), "drainfix: checked ")
		if got != tc.want {
			t.Errorf("terminal=%v %v: progress shown %v, want %v; stderr %q", tc.terminal, tc.args, got, tc.want, stderr.String())
		}
		if tc.want && !strings.HasSuffix(stderr.String(), "\r\033[K") {
			t.Errorf("progress line not cleared at the end: %q", stderr.String())
		}
	}
}
