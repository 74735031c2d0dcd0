//go:build unix

package main

import (
	"bytes"
	"github.com/segscope/segscope/internal/testtool"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
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

// TestCurlInterrupt: `segscope curl -- URL` against a slow server, stopped
// with SIGINT: curl and the capture stop, what curl traced until then is
// explained, the temporary directory with the trace and the TLS key log
// is removed, and the exit status is 130 (it had died at once, with no
// report, and left the directory behind).
func TestCurlInterrupt(t *testing.T) {
	needLabRoot(t)
	testtool.Need(t, "curl")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f := w.(http.Flusher)
		for i := 0; i < 300 && r.Context().Err() == nil; i++ {
			w.Write(bytes.Repeat([]byte("slow "), 200))
			f.Flush()
			time.Sleep(50 * time.Millisecond)
		}
	}))
	defer srv.Close()
	tmp := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestSegscopeHelperProcess$")
	cmd.Env = append(os.Environ(), "TMPDIR="+tmp, "SEGSCOPE_HELPER=1", "SEGSCOPE_HELPER_ARGS=curl -- -s -o /dev/null "+srv.URL+"/slow")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Wait until curl is reading the body: its temporary directory holds
	// the trace by then.
	for i := 0; ; i++ {
		if m, _ := filepath.Glob(filepath.Join(tmp, "segscope-run-*", "trace.txt")); len(m) > 0 {
			if st, err := os.Stat(m[0]); err == nil && st.Size() > 20000 {
				break
			}
		}
		if i == 500 {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("curl never got going; stderr %q", stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGINT)
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		<-done
		t.Fatalf("segscope curl did not stop; stderr %q", stderr.String())
	}
	if code := cmd.ProcessState.ExitCode(); code != 130 {
		t.Errorf("exit %d, want 130; stderr %q", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), "Recv data events") || !strings.Contains(stderr.String(), "interrupt: curl and the capture stopped") {
		t.Errorf("no report of what was traced:\nstdout %.400q\nstderr %q", stdout.String(), stderr.String())
	}
	if left, _ := os.ReadDir(tmp); len(left) > 0 {
		t.Errorf("left in TMPDIR: %v", left)
	}
}
