package main

import (
	"bytes"
	"fmt"
	"github.com/segscope/segscope/internal/testtool"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// segscopeChild starts segscope (this test binary, through
// TestLabHelperProcess) with args, optionally under a wrapper such as
// setpriv; bin is the test binary to run.
func segscopeChild(t *testing.T, bin string, wrapper []string, args ...string) (*exec.Cmd, *bytes.Buffer) {
	t.Helper()
	argv := append(append([]string(nil), wrapper...), bin, "-test.run=^TestLabHelperProcess$")
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), "SEGSCOPE_LAB_HELPER=1", "SEGSCOPE_LAB_ARGS="+strings.Join(args, " "))
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = io.Discard, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd, &stderr
}

// fetchSome makes a few requests to srv, so that a capture on lo has
// something to see.
func fetchSome(t *testing.T, srv *httptest.Server) {
	t.Helper()
	for i := 0; i < 3; i++ {
		resp, err := http.Get(srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
}

func bodyServer(t *testing.T) (*httptest.Server, string) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write(bytes.Repeat([]byte("segscope "), 20000))
	}))
	t.Cleanup(srv.Close)
	return srv, srv.URL[strings.LastIndex(srv.URL, ":")+1:]
}

// waitOpenDeleted waits until process pid holds open an unlinked file
// whose name has prefix.
func waitOpenDeleted(t *testing.T, pid int, prefix string) {
	t.Helper()
	for i := 0; i < 500; i++ {
		fds, _ := filepath.Glob(fmt.Sprintf("/proc/%d/fd/*", pid))
		for _, fd := range fds {
			if l, err := os.Readlink(fd); err == nil && strings.Contains(l, prefix) && strings.HasSuffix(l, "(deleted)") {
				time.Sleep(100 * time.Millisecond)
				return
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("process %d never held a temporary %s* file: the capture did not start", pid, prefix)
}

// waitCapturing waits until the child has opened its capture: the pcapng
// is being written (under its temporary name beside path, renamed to path
// at the end), which happens after the socket is open and bound.
func waitCapturing(t *testing.T, path string) {
	t.Helper()
	dir, base := filepath.Split(path)
	for i := 0; i < 500; i++ {
		tmp, _ := filepath.Glob(filepath.Join(dir, "."+base+".segscope-*"))
		if len(tmp) > 0 {
			time.Sleep(100 * time.Millisecond)
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("%s did not appear: the capture did not start", path)
}

// TestSniffWriteInterrupted stops `segscope sniff -w` with a real SIGINT
// mid-capture (and a SIGHUP: a closed terminal, which had ended it
// without its report): the pcapng must read back whole in tshark, with
// every packet segscope says it wrote.
func TestSniffWriteInterrupted(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGHUP} {
		t.Run(sig.String(), func(t *testing.T) { sniffStoppedBy(t, sig) })
	}
}

func sniffStoppedBy(t *testing.T, sig syscall.Signal) {
	needLabRoot(t)
	testtool.Need(t, "tshark")
	tshark, err := exec.LookPath("tshark")
	if err != nil {
		t.Fatalf("tshark is needed: %v (apt-get install tshark)", err)
	}
	srv, port := bodyServer(t)
	out := filepath.Join(t.TempDir(), "cut.pcapng")
	cmd, stderr := segscopeChild(t, os.Args[0], nil, "sniff", "-i", "lo", "--port", port, "-q", "-w", out)
	waitCapturing(t, out)
	fetchSome(t, srv)
	if err := cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	// An interrupt ends the capture with its report and its file whole,
	// and the exit status says which signal it was (as every command's).
	if code := cmd.ProcessState.ExitCode(); code != 128+int(sig) {
		t.Fatalf("exit %d after %v, want %d:\n%s", code, sig, 128+int(sig), stderr)
	}
	m := regexp.MustCompile(`(\d+) written to`).FindStringSubmatch(stderr.String())
	if m == nil {
		t.Fatalf("no count of packets written in:\n%s", stderr)
	}
	written, _ := strconv.Atoi(m[1])
	var terr bytes.Buffer
	tc := exec.Command(tshark, "-r", out, "-T", "fields", "-e", "frame.number")
	tc.Stderr = &terr
	frames, err := tc.Output()
	// A file cut short makes tshark say so ("appears to have been cut
	// short in the middle of a packet"); as root it also warns of that.
	complaint := regexp.MustCompile(`(?m)^.*(cut short|isn't a capture file|corrupt|error).*$`).FindString(terr.String())
	if err != nil || complaint != "" {
		t.Fatalf("tshark -r: %v\n%s", err, terr.String())
	}
	if n := len(strings.Fields(string(frames))); n != written || n == 0 {
		t.Errorf("tshark reads %d packets, segscope wrote %d", n, written)
	}
}

// TestSniffCapabilities captures as nobody with only the capabilities:
// CAP_NET_RAW and CAP_NET_ADMIN capture; CAP_NET_RAW alone captures with
// a warning that names CAP_NET_ADMIN (the buffer stays small); none fails
// with an error that names both and how to grant them.
func TestSniffCapabilities(t *testing.T) {
	needLabRoot(t) // root, to drop to the capabilities
	testtool.Need(t, "setpriv")
	setpriv, err := exec.LookPath("setpriv")
	if err != nil {
		t.Fatalf("setpriv is needed: %v (apt-get install util-linux)", err)
	}
	dir, err := os.MkdirTemp("", "segscope-caps-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	os.Chmod(dir, 0o755)
	bin := filepath.Join(dir, "segscope.test")
	b, err := os.ReadFile(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, b, 0o755); err != nil {
		t.Fatal(err)
	}
	srv, port := bodyServer(t)
	for _, tc := range []struct {
		name, caps string
		code       int
		want       []string
	}{
		{"raw+admin", "+net_raw,+net_admin", 0, []string{"packets received by the filter"}},
		{"raw", "+net_raw", 0, []string{"packets received by the filter", "CAP_NET_ADMIN"}},
		{"none", "", 1, []string{"CAP_NET_RAW", "CAP_NET_ADMIN", "setcap"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wrapper := []string{setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"}
			if tc.caps != "" {
				wrapper = append(wrapper, "--inh-caps="+tc.caps, "--ambient-caps="+tc.caps)
			} else {
				wrapper = append(wrapper, "--inh-caps=-all")
			}
			cmd, stderr := segscopeChild(t, bin, wrapper, "sniff", "-i", "lo", "--port", port, "-q", "--duration", "1500ms")
			time.Sleep(500 * time.Millisecond)
			fetchSome(t, srv)
			cmd.Wait()
			if code := cmd.ProcessState.ExitCode(); code != tc.code {
				t.Errorf("exit %d, want %d:\n%s", code, tc.code, stderr)
			}
			for _, w := range tc.want {
				if !strings.Contains(stderr.String(), w) {
					t.Errorf("no %q in:\n%s", w, stderr)
				}
			}
			if tc.code == 0 {
				if m := regexp.MustCompile(`(\d+) packets received`).FindStringSubmatch(stderr.String()); m == nil || m[1] == "0" {
					t.Errorf("nothing captured:\n%s", stderr)
				}
			}
		})
	}
}

// TestSniffWriteFull writes to a full disk: the error says so, at once.
func TestSniffWriteFull(t *testing.T) {
	needLabRoot(t)
	start := time.Now()
	cmd, stderr := segscopeChild(t, os.Args[0], nil, "sniff", "-i", "lo", "-q", "--duration", "10s", "-w", "/dev/full")
	cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code != 1 {
		t.Errorf("exit %d, want 1:\n%s", code, stderr)
	}
	if !strings.Contains(stderr.String(), "/dev/full") || !strings.Contains(stderr.String(), "no space left on device") {
		t.Errorf("the error does not name the file and the full disk:\n%s", stderr)
	}

	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v to fail: it should fail before capturing", d)
	}
}

// TestSniffKilledLeavesNoTemp kills `segscope sniff -w --keylog` with
// SIGKILL mid-capture: the temporary capture it keeps the packets in
// until the key log is complete must not be left behind, as no handler
// runs on SIGKILL.
func TestSniffKilledLeavesNoTemp(t *testing.T) {
	needLabRoot(t)
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp) // the child's os.TempDir
	srv, port := bodyServer(t)
	dir := t.TempDir()
	keys := filepath.Join(dir, "keys.txt")
	if err := os.WriteFile(keys, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "killed.pcapng")
	cmd, stderr := segscopeChild(t, os.Args[0], nil, "sniff", "-i", "lo", "--port", port, "-q", "--keylog", keys, "-w", out)
	// With --keylog the packets go to an unlinked temporary file until
	// the end: wait until the child holds it open.
	waitOpenDeleted(t, cmd.Process.Pid, "segscope-sniff-")
	fetchSome(t, srv)
	// The temporary file exists by now if it was ever going to be visible.
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	left, err := os.ReadDir(tmp)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range left {
		t.Errorf("left behind in TMPDIR after SIGKILL: %s (stderr: %s)", e.Name(), stderr)
	}
}

// TestSniffKeyLogTypo: a --keylog whose directory does not exist is a
// usage error at once; one that never appears during the capture makes
// the run fail and say that nothing was decrypted with it (it had exited
// 0 without a word).
func TestSniffKeyLogTypo(t *testing.T) {
	code, _, stderr := runCmd(t, nil, "sniff", "-i", "lo", "--duration", "1s", "-q", "--keylog", "/no-such-dir/keys.txt")
	if code != 2 || !strings.Contains(stderr, "--keylog /no-such-dir/keys.txt: no directory /no-such-dir") {
		t.Errorf("missing directory: exit %d, stderr %q", code, stderr)
	}
	needLabRoot(t)
	dir := t.TempDir()
	typo, out := filepath.Join(dir, "kyes.txt"), filepath.Join(dir, "kept.pcapng")
	code, _, stderr = runCmd(t, nil, "sniff", "-i", "lo", "--duration", "500ms", "-q", "--keylog", typo, "-w", out)
	if code != 1 || !strings.Contains(stderr, "key log "+typo+": no such file, and none appeared during the capture") {
		t.Errorf("a key log that never appeared: exit %d, stderr %q", code, stderr)
	}
	// The capture is kept all the same: only a failed write drops it.
	if st, err := os.Stat(out); err != nil || st.Size() == 0 {
		t.Errorf("the -w file after a key log error: %v", err)
	}
}

// TestSniffDiskFillsUp: the disk fills up during the capture (a 256 KiB
// tmpfs, 180 KB responses on lo): the file that was there is kept,
// nothing is said to be written, and the report says the capture
// stopped (review 21: "209 written to s.pcapng", and a report of the
// first 307 ms of 2 s that did not say it was cut short).
func TestSniffDiskFillsUp(t *testing.T) {
	needLabRoot(t)
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Fatalf("mount: %v: %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", dir).Run() })
	target := filepath.Join(dir, "s.pcapng")
	if err := os.WriteFile(target, []byte("precious"), 0o644); err != nil {
		t.Fatal(err)
	}
	srv, port := bodyServer(t)
	cmd, stderr := segscopeChild(t, os.Args[0], nil, "sniff", "-i", "lo", "-q", "--port", port, "--duration", "3s", "-w", target)
	time.Sleep(500 * time.Millisecond)
	for range 6 {
		if resp, err := http.Get(srv.URL); err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	}
	cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code != 1 {
		t.Errorf("exit %d, want 1:\n%s", code, stderr)
	}
	if b, _ := os.ReadFile(target); string(b) != "precious" {
		t.Errorf("the file that was there: %.20q", b)
	}
	e := stderr.String()
	if regexp.MustCompile(`\d+ written to`).MatchString(e) || !strings.Contains(e, "nothing written to "+target) || !strings.Contains(e, "the capture stopped when writing failed") {
		t.Errorf("stderr:\n%s", e)
	}
}
