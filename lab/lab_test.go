package lab

import (
	"context"
	"errors"
	"github.com/segscope/segscope/internal/testtool"
	"os"
	"os/exec"
	"strings"
	"testing"
)

func TestParseRate(t *testing.T) {
	for in, want := range map[string]float64{"20mbit": 20e6, "500kbit": 500e3, "1gbit": 1e9, "1.5Mbit": 1.5e6, "100kbps": 800e3, "9600bit": 9600} {
		got, err := ParseRate(in)
		if err != nil || got != want {
			t.Errorf("ParseRate(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "20", "fast", "-1mbit", "0mbit", "mbit"} {
		if _, err := ParseRate(in); err == nil {
			t.Errorf("ParseRate(%q): no error", in)
		}
	}
}

func TestDefaultBurst(t *testing.T) {
	for _, tc := range []struct {
		rate string
		mtu  int
		want int
	}{
		{"20mbit", 1500, 1514}, // one frame: more than 100 us (250)
		{"1gbit", 1500, 12500}, // 100 us
		{"5mbit", 9000, 9014},
	} {
		if got, _ := defaultBurst(tc.rate, tc.mtu); got != tc.want {
			t.Errorf("defaultBurst(%s, %d) = %d; want %d", tc.rate, tc.mtu, got, tc.want)
		}
	}
}

func TestLabPID(t *testing.T) {
	for name, want := range map[string]int{"seglab-123-4-c": 123, "seglab-9-1-s": 9} {
		if got, ok := labPID(name); !ok || got != want {
			t.Errorf("labPID(%q) = %d, %v", name, got, ok)
		}
	}
	for _, name := range []string{"seglab-x-1-c", "other-123-1-c", "seglab-123", "seglab--1-c"} {
		if _, ok := labPID(name); ok {
			t.Errorf("labPID(%q) accepted", name)
		}
	}
}

func TestPathCheck(t *testing.T) {
	bad := []Path{{MTU: 500}, {MTU: 1200, IPv6: true}, {MTU: 1500, MSS: 40}, {MTU: 70000}}
	for _, p := range bad {
		if checkPath(p) == nil {
			t.Errorf("%+v accepted", p)
		}
	}
	if err := checkPath(DefaultPath()); err != nil {
		t.Error(err)
	}
}

// needLab skips a test that builds namespaces where that cannot work
// and nobody asked for it; CI sets SEGSCOPE_LIVE_TESTS=1 and runs as
// root, so there a missing permission or tool fails the test.
func needLab(t *testing.T) {
	t.Helper()
	if !Supported {
		t.Skip("a lab needs Linux")
	}
	live := os.Getenv("SEGSCOPE_LIVE_TESTS") == "1"
	if os.Geteuid() != 0 {
		if live {
			t.Fatal("SEGSCOPE_LIVE_TESTS=1 but not root: the lab needs root to create network namespaces")
		}
		t.Skip("the lab needs root (or SEGSCOPE_LIVE_TESTS=1 to fail instead of skipping)")
	}
	testtool.Need(t, "ip", "tc", "ethtool", "curl")
	for _, tool := range []string{"ip", "tc", "ethtool", "curl"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is needed: %v (apt-get install iproute2 ethtool curl)", tool, err)
		}
	}
}

// labNamespaces lists this process's lab namespaces.
func labNamespaces(t *testing.T) []string {
	ents, err := os.ReadDir(nsDir)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		if pid, ok := labPID(e.Name()); ok && pid == os.Getpid() {
			out = append(out, e.Name())
		}
	}
	return out
}

func TestNewAndClose(t *testing.T) {
	needLab(t)
	ctx := context.Background()
	a, err := New(ctx, Path{MTU: 1440, Timestamps: false, SACK: false, MSS: 1300, Rate: "10mbit"}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := New(ctx, Path{MTU: 1500, IPv6: true, Timestamps: true, SACK: true}, Options{})
	if err != nil {
		a.Close()
		t.Fatal(err)
	}
	if a.Client.NS == b.Client.NS || a.Client.IPv4 == b.Client.IPv4 {
		t.Errorf("two labs share names or addresses: %+v %+v", a.Client, b.Client)
	}
	check := func(ns string, args []string, want string) {
		t.Helper()
		out, err := exec.Command("ip", append([]string{"netns", "exec", ns}, args...)...).CombinedOutput()
		if err != nil || !strings.Contains(string(out), want) {
			t.Errorf("%s in %s: %q (%v), want %q in it", strings.Join(args, " "), ns, out, err, want)
		}
	}
	check(a.Client.NS, []string{"ip", "link", "show", "lab-c"}, "mtu 1440")
	check(a.Client.NS, []string{"cat", "/proc/sys/net/ipv4/tcp_timestamps"}, "0")
	check(a.Server.NS, []string{"cat", "/proc/sys/net/ipv4/tcp_sack"}, "0")
	check(b.Server.NS, []string{"cat", "/proc/sys/net/ipv4/tcp_sack"}, "1")
	check(b.Server.NS, []string{"cat", "/proc/sys/net/ipv4/tcp_timestamps"}, "1")
	check(b.Client.NS, []string{"cat", "/proc/sys/net/ipv6/conf/lab-c/accept_dad"}, "0")
	check(a.Client.NS, []string{"ip", "-6", "route"}, "advmss 1300")
	check(a.Server.NS, []string{"tc", "qdisc", "show", "dev", "lab-s"}, "tbf")
	check(a.Client.NS, []string{"ip", "route"}, "advmss 1300")
	check(a.Client.NS, []string{"ethtool", "-k", "lab-c"}, "tcp-segmentation-offload: off")
	check(b.Client.NS, []string{"ip", "-6", "addr", "show", "dev", "lab-c"}, b.Client.IPv6.String())
	if err := errors.Join(a.Close(), b.Close()); err != nil {
		t.Fatal(err)
	}
	if left := labNamespaces(t); len(left) > 0 {
		t.Fatalf("left behind: %v", left)
	}
}

func TestNoNetem(t *testing.T) {
	needLab(t)
	// Where the kernel has netem the delay must be applied; where it has
	// not (this project's kernel), the error must say so plainly and
	// leave nothing.
	l, err := New(context.Background(), Path{MTU: 1500, Delay: "20ms", Rate: "10mbit"}, Options{})
	if err == nil {
		defer l.Close()
		out, err := exec.Command("ip", "netns", "exec", l.Server.NS, "tc", "qdisc", "show", "dev", "lab-s").CombinedOutput()
		if err != nil || !strings.Contains(string(out), "netem") || !strings.Contains(string(out), "tbf") {
			t.Errorf("qdiscs: %s (%v)", out, err)
		}
		return
	}
	if !errors.Is(err, ErrNoNetem) {
		t.Fatalf("error %v, want ErrNoNetem", err)
	}
	if left := labNamespaces(t); len(left) > 0 {
		t.Fatalf("left behind: %v", left)
	}
}
