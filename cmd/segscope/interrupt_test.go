//go:build unix

package main

import (
	"bytes"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestSegscopeHelperProcess runs segscope with the arguments in
// SEGSCOPE_HELPER_ARGS, for the tests that signal a real process.
func TestSegscopeHelperProcess(t *testing.T) {
	if os.Getenv("SEGSCOPE_HELPER") != "1" {
		return // only the child of the signal tests runs it (no skip: CI counts them)
	}
	os.Exit(run(strings.Split(os.Getenv("SEGSCOPE_HELPER_ARGS"), " "), os.Stdin, os.Stdout, os.Stderr))
}

// TestAnalyzeInterrupt: `tcpdump -w - | segscope analyze -` stopped with
// Ctrl-C reports what it read and exits 130 (it had printed nothing). The
// capture comes down a pipe that stays open, so the read is waiting when
// SIGINT (and, in a second run, SIGTERM: 143) comes.
func TestAnalyzeInterrupt(t *testing.T) {
	data, err := os.ReadFile(pcaps + "lo-chunked.pcap")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		sig  syscall.Signal
		code int
	}{{syscall.SIGINT, 130}, {syscall.SIGTERM, 143}} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestSegscopeHelperProcess$")
		cmd.Env = append(os.Environ(), "SEGSCOPE_HELPER=1", "SEGSCOPE_HELPER_ARGS=analyze -q -")
		in, err := cmd.StdinPipe()
		if err != nil {
			t.Fatal(err)
		}
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		in.Write(data) // and the pipe stays open, as tcpdump's would
		time.Sleep(500 * time.Millisecond)
		cmd.Process.Signal(tc.sig)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			// Liveness, not speed: it must stop while the pipe is open.
			cmd.Process.Kill()
			<-done
			t.Fatalf("%v: still reading the open pipe; stderr %q", tc.sig, stderr.String())
		}
		in.Close()
		if code := cmd.ProcessState.ExitCode(); code != tc.code {
			t.Errorf("%v: exit %d, want %d; stderr %q", tc.sig, code, tc.code, stderr.String())
		}
		if !strings.Contains(stdout.String(), "stdin: ") || !strings.Contains(stdout.String(), "connections shown") ||
			!strings.Contains(stderr.String(), "stopped reading; what was read is reported") {
			t.Errorf("%v: stdout %q, stderr %q", tc.sig, stdout.String(), stderr.String())
		}
	}
}
