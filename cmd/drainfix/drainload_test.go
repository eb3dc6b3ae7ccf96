package main

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// drainLoad is the testscript command
//
//	drainload BIN RECORD N
//
// It starts BIN RECORD (a job service that prints "listening on ADDR"),
// sends N requests at once to /job?id=I, sends SIGTERM while they are in
// flight, waits for the process to exit, and succeeds when every request
// was answered with 200 and every job is recorded in RECORD. Requests and
// waiting are bounded; it only talks to 127.0.0.1.
func drainLoad(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 3 {
		ts.Fatalf("usage: drainload BIN RECORD N")
	}
	var n int
	fmt.Sscan(args[2], &n)
	record := ts.MkAbs(args[1])
	cmd := exec.Command(ts.MkAbs(args[0]), record)
	stdout, err := cmd.StdoutPipe()
	ts.Check(err)
	cmd.Stderr = os.Stderr
	ts.Check(cmd.Start())
	defer cmd.Process.Kill()

	sc := bufio.NewScanner(stdout)
	if !sc.Scan() || !strings.HasPrefix(sc.Text(), "listening on 127.0.0.1:") {
		ts.Fatalf("the service did not say where it listens: %q", sc.Text())
	}
	addr := strings.TrimPrefix(sc.Text(), "listening on ")
	go io.Copy(io.Discard, stdout)

	client := &http.Client{Timeout: 20 * time.Second}
	var wg sync.WaitGroup
	answered := make([]bool, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := client.Get(fmt.Sprintf("http://%s/job?id=%d", addr, i))
			if err != nil {
				return
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			answered[i] = resp.StatusCode == http.StatusOK && strings.Contains(string(body), fmt.Sprint("accepted ", i))
		}()
	}
	time.Sleep(100 * time.Millisecond) // the requests are in flight
	ts.Check(cmd.Process.Signal(syscall.SIGTERM))
	wg.Wait()
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	select {
	case <-exited:
	case <-time.After(30 * time.Second):
		ts.Fatalf("the service did not exit within 30s of SIGTERM")
	}

	data, _ := os.ReadFile(record)
	recorded := map[string]bool{}
	for _, l := range strings.Split(string(data), "\n") {
		if l != "" {
			recorded[l] = true
		}
	}
	var lost []string
	for i := 0; i < n; i++ {
		if !answered[i] {
			lost = append(lost, fmt.Sprintf("request %d unanswered", i))
		}
		if !recorded[fmt.Sprintf("job %d", i)] {
			lost = append(lost, fmt.Sprintf("job %d not recorded", i))
		}
	}
	ts.Logf("%d requests: %d problems %v", n, len(lost), lost)
	switch {
	case len(lost) > 0 && !neg:
		ts.Fatalf("drain lost work: %s", strings.Join(lost, ", "))
	case len(lost) == 0 && neg:
		ts.Fatalf("every request answered and every job recorded, but the drain was expected to lose work")
	}
}
