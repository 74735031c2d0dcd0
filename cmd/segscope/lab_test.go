package main

import (
	"bytes"
	"errors"
	"fmt"
	"github.com/segscope/segscope/internal/testtool"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/segscope/segscope/lab"
)

// labRoot is the command tree with lab in it, whether or not root.go
// registers it yet.
func labRoot(in io.Reader, out, errw io.Writer) *cobra.Command {
	root := newRootCmd(in, out, errw)
	if c, _, err := root.Find([]string{"lab"}); err != nil || c == root {
		root.AddCommand(newLabCmd(&streams{in: in, out: out, err: errw}))
	}
	return root
}

// runLabCmd runs segscope with lab registered and returns what run()
// would: the exit status and the output.
func runLabCmd(args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	root := labRoot(strings.NewReader(""), &out, &errb)
	root.SetArgs(args)
	return statusOf(root.Execute(), &errb), out.String(), errb.String()
}

// exitCode maps an error to run()'s exit status.
func TestLabConditionsFromFlags(t *testing.T) {
	parse := func(args ...string) ([]labCondition, error) {
		o := &labOptions{}
		cmd := labCommand(&streams{}, o)
		if err := cmd.ParseFlags(args); err != nil {
			return nil, usageError{err}
		}
		return o.conditions(cmd.Flags())
	}
	conds, err := parse("--mtu", "1440")
	if err != nil || len(conds) != 1 || conds[0].exp.Path.MTU != 1440 || conds[0].exp.Path.Rate != "20mbit" {
		t.Fatalf("one condition: %+v, %v", conds, err)
	}
	conds, err = parse("--compare", "timestamps=true,false", "--mtu", "1440", "--size", "64K")
	if err != nil || len(conds) != 2 {
		t.Fatalf("compare: %+v, %v", conds, err)
	}
	for i, ts := range []bool{true, false} {
		e := conds[i].exp
		if e.Path.Timestamps != ts || e.Path.MTU != 1440 || e.Server.Body.Size != 64<<10 {
			t.Errorf("condition %d: %+v", i, e)
		}
	}
	conds, err = parse("--preset", "1388", "--size", "100K")
	if err != nil || len(conds) != 3 {
		t.Fatalf("preset: %+v, %v", conds, err)
	}
	if p := conds[1].exp.Path; !p.IPv6 || p.MTU != 1460 {
		t.Errorf("preset 1388's IPv6 row: %+v", p)
	}
	if s := conds[2].exp.Server; s.TLS != "1.3" || s.Body.WriteSize != 1388 || s.Body.Size != 100<<10 {
		t.Errorf("preset 1388's TLS row: %+v", s)
	}
	// A preset's values win over the command line's for what they set,
	// and the command line's stand for the rest.
	conds, err = parse("--preset", "offloads", "--rate", "5mbit", "--mtu", "1400")
	if err != nil || len(conds) != 3 {
		t.Fatalf("preset offloads: %+v, %v", conds, err)
	}
	if p := conds[2].exp.Path; p.Rate != "" || p.MTU != 1400 || !p.GRO || p.TSO || !conds[2].exp.ServerCapture {
		t.Errorf("preset offloads' GRO row: %+v, server capture %v", p, conds[2].exp.ServerCapture)
	}
	conds, err = parse("--offloads", "on", "--gro=false", "--rate", "none")
	if p := conds[0].exp.Path; err != nil || !p.TSO || !p.GSO || p.GRO || p.Rate != "" {
		t.Errorf("offloads on, GRO off, unpaced: %+v, %v", p, err)
	}
	for _, bad := range [][]string{
		{"--compare", "mtu"},
		{"--compare", "nosuch=1,2"},
		{"--compare", "keep=a,b"},
		{"--compare", "mtu=1500", "--preset", "1388"},
		{"--preset", "nosuch"},
		{"--offloads", "maybe"},
		{"--rate", "fast"},
		{"--size", "1X"},
		{"--tls", "1.1"},
		{"--compare", "mtu=1500,abc"},
	} {
		if _, err := parse(bad...); !isUsageError(err) {
			t.Errorf("%v: error %v, want a usage error", bad, err)
		}
	}
}

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{"0": 0, "1000": 1000, "1M": 1 << 20, "512k": 512 << 10, "2G": 2 << 30} {
		if got, err := parseSize(in); err != nil || got != want {
			t.Errorf("parseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "M", "-1", "1.5M", "1T"} {
		if _, err := parseSize(in); err == nil {
			t.Errorf("parseSize(%q): no error", in)
		}
	}
}

// needLabRoot skips where namespaces cannot be made and nobody asked;
// with SEGSCOPE_LIVE_TESTS=1 (CI) it fails instead.
func needLabRoot(t *testing.T) {
	t.Helper()
	if !canLab {
		t.Skip("segscope lab needs Linux")
	}
	if os.Geteuid() != 0 {
		if os.Getenv("SEGSCOPE_LIVE_TESTS") == "1" {
			t.Fatal("SEGSCOPE_LIVE_TESTS=1 but not root: segscope lab needs root")
		}
		t.Skip("segscope lab needs root (or SEGSCOPE_LIVE_TESTS=1 to fail instead of skipping)")
	}
	testtool.Need(t, "ip", "tc", "ethtool", "curl")
}

// TestLabNotRoot runs segscope lab without privileges: as root, through
// setpriv as nobody (CI runs as root and allows no skipped test).
func TestLabNotRoot(t *testing.T) {
	if !canLab {
		t.Skip("segscope lab needs Linux")
	}
	var code int
	var errs string
	if os.Geteuid() != 0 {
		code, _, errs = runLabCmd("lab", "--size", "1K")
	} else {
		testtool.Need(t, "setpriv")
		setpriv, err := exec.LookPath("setpriv")
		if err != nil {
			t.Fatalf("setpriv is needed to drop root: %v (apt-get install util-linux)", err)
		}
		// The test binary sits in a directory only root may enter: run a
		// copy nobody can reach.
		dir, err := os.MkdirTemp("", "segscope-lab-nonroot-")
		if err != nil {
			t.Fatal(err)
		}
		defer os.RemoveAll(dir)
		bin := dir + "/segscope.test"
		b, err := os.ReadFile(os.Args[0])
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(bin, b, 0o755); err != nil {
			t.Fatal(err)
		}
		os.Chmod(dir, 0o755)
		cmd := exec.Command(setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all", bin, "-test.run=^TestLabHelperProcess$")
		cmd.Env = append(os.Environ(), "SEGSCOPE_LAB_HELPER=1", "SEGSCOPE_LAB_ARGS=lab --size 1K")
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		cmd.Run()
		code, errs = cmd.ProcessState.ExitCode(), stderr.String()
	}
	if code != 1 || !strings.Contains(errs, "needs root") {
		t.Errorf("exit %d, stderr %q", code, errs)
	}
}

func TestLabRuns(t *testing.T) {
	needLabRoot(t)
	t.Run("mtu1440", func(t *testing.T) {
		code, out, errs := runLabCmd("lab", "--mtu", "1440", "--size", "192K", "--rate", "10mbit")
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errs)
		}
		if !strings.Contains(out, "the most common size is 1388") || !strings.Contains(out, "1400 (MSS in the client's SYN) - 12 (timestamps option) = 1388") {
			t.Errorf("no 1388 = 1400 - 12 in:\n%s", out)
		}
	})
	t.Run("compare", func(t *testing.T) {
		code, out, errs := runLabCmd("lab", "--compare", "timestamps=true,false", "--mtu", "1440", "--size", "128K", "--rate", "10mbit", "-o", "json")
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errs)
		}
		for _, want := range []string{`"label": "timestamps=true"`, `"top_read": {`, `"size": 1388`, `"size": 1400`, `"effective_mss": 1388`, `"effective_mss": 1400`} {
			if !strings.Contains(out, want) {
				t.Errorf("no %s in:\n%s", want, out)
			}
		}
	})
	t.Run("netem", func(t *testing.T) {
		code, _, errs := runLabCmd("lab", "--delay", "20ms", "--size", "1K")
		if code != 1 || !strings.Contains(errs, "netem") {
			t.Errorf("exit %d, stderr %q", code, errs)
		}
	})
}

// TestLabHelperProcess is segscope, for the signal tests: they need a
// process of its own to signal.
func TestLabHelperProcess(t *testing.T) {
	if os.Getenv("SEGSCOPE_LAB_HELPER") != "1" {
		return // only the child of the signal tests runs it (no skip: CI counts them)
	}
	args := strings.Split(os.Getenv("SEGSCOPE_LAB_ARGS"), " ")
	os.Exit(run(args, os.Stdin, os.Stdout, os.Stderr))
}

// TestLabSignals stops a lab mid-transfer with real signals, and checks
// that nothing is left: namespaces, links, curl.
func TestLabSignals(t *testing.T) {
	needLabRoot(t)
	for _, tc := range []struct {
		sig  syscall.Signal
		code int
	}{{syscall.SIGINT, 130}, {syscall.SIGTERM, 143}, {syscall.SIGKILL, -1}} {
		t.Run(tc.sig.String(), func(t *testing.T) {
			tmp := t.TempDir()
			t.Setenv("TMPDIR", tmp) // the child's, and lab.Reap's below
			cmd := exec.Command(os.Args[0], "-test.run=^TestLabHelperProcess$")
			cmd.Env = append(os.Environ(), "SEGSCOPE_LAB_HELPER=1",
				"SEGSCOPE_LAB_ARGS=lab --size 64M --rate 20mbit --server-capture")
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			pid := cmd.Process.Pid
			curl := waitForCurl(t, pid)
			time.Sleep(300 * time.Millisecond) // mid-transfer: 64 MB take half a minute
			if err := cmd.Process.Signal(tc.sig); err != nil {
				t.Fatal(err)
			}
			err := cmd.Wait()
			code := cmd.ProcessState.ExitCode()
			if code != tc.code {
				t.Errorf("exit %d (%v), want %d; stderr:\n%s", code, err, tc.code, stderr.String())
			}
			if tc.sig == syscall.SIGKILL {
				// Nothing runs to clean up: curl dies with its parent
				// (PDEATHSIG), and the next lab reaps the namespaces.
				if left := namespacesOf(t, pid); len(left) == 0 {
					t.Error("SIGKILL left no namespaces: the test does not test the reaper")
				}
				dirs, _ := filepath.Glob(filepath.Join(tmp, fmt.Sprintf("segscope-lab-%d-*", pid)))
				if len(dirs) == 0 {
					t.Error("SIGKILL left no temporary directory: the test does not test the reaper")
				}
				if _, err := lab.Reap(); err != nil {
					t.Fatal(err)
				}
				if left, _ := os.ReadDir(tmp); len(left) > 0 {
					t.Errorf("left in TMPDIR after the reaper: %v", left)
				}
			} else if !strings.Contains(stderr.String(), "the lab is torn down") {
				t.Errorf("stderr does not say the lab was torn down:\n%s", stderr.String())
			}
			if left := namespacesOf(t, pid); len(left) > 0 {
				t.Errorf("namespaces left: %v", left)
			}
			waitGone(t, curl)
			out, _ := exec.Command("ip", "-o", "link").Output()
			if strings.Contains(string(out), "lab-c") || strings.Contains(string(out), "lab-s") {
				t.Errorf("links left in the host's namespace:\n%s", out)
			}
		})
	}
}

// waitForCurl waits for the lab's curl (a child of pid) to start.
func waitForCurl(t *testing.T, pid int) int {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		for _, child := range children(pid) {
			comm, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", child))
			if strings.TrimSpace(string(comm)) == "curl" {
				return child
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("curl did not start within 10s")
	return 0
}

// children lists the processes whose parent is pid, from /proc.
func children(pid int) []int {
	ents, _ := os.ReadDir("/proc")
	var out []int
	for _, e := range ents {
		n, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...: comm may hold spaces, so cut at
		// the last parenthesis.
		f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
		if len(f) > 1 && f[1] == strconv.Itoa(pid) {
			out = append(out, n)
		}
	}
	return out
}

func waitGone(t *testing.T, pid int) {
	t.Helper()
	for i := 0; i < 100; i++ {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
		if err != nil || strings.TrimSpace(string(b)) != "curl" {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Errorf("curl (pid %d) still runs", pid)
}

func namespacesOf(t *testing.T, pid int) []string {
	t.Helper()
	ents, err := os.ReadDir("/run/netns")
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), fmt.Sprintf("%s%d-", lab.Prefix, pid)) {
			out = append(out, e.Name())
		}
	}
	return out
}
