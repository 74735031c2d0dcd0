// Package lab builds a two-namespace network on demand, shapes the path
// between them, and serves generated bodies from the server side, so that
// one segmentation condition (an MTU, timestamps off, a paced link, small
// TLS records) can be reproduced with one command and torn down after it.
//
// A Lab is two network namespaces, client and server, joined by a veth
// pair, with addresses of their own: nothing touches the host's
// interfaces, and two labs (in one process or several) never share a
// name. An Experiment is one transfer through a fresh lab: it hands the
// capture, curl and the explanation to package orchestrate, and
// Summarize condenses its outcome for a comparison. The package prints
// nothing; cmd/segscope wires flags to it and package report renders.
//
// It is not a network emulator: it shapes with what the kernel has (tbf;
// netem where built), and it measures curl on this machine.
//
// It needs root (or CAP_SYS_ADMIN and CAP_NET_ADMIN) and the ip, tc,
// ethtool and nice commands (Debian: iproute2, ethtool, coreutils).
package lab

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/segscope/segscope/lab/labcompare"
)

// Path, ServerConfig, Body and Condition are declared in package
// labcompare, which package report renders without importing this one
// (Linux-only, and a runner of commands); the aliases keep their names
// here, as os.FileMode does for io/fs's FileMode.
type (
	Path         = labcompare.Path
	ServerConfig = labcompare.ServerConfig
	Body         = labcompare.Body
	Condition    = labcompare.Condition
)

// DefaultPath is Linux's own default, unpaced: MTU 1500, timestamps and
// SACK on, offloads off (so the capture sees the wire's segments).
func DefaultPath() Path { return Path{MTU: 1500, Timestamps: true, SACK: true} }

// ErrNoNetem is wrapped by New's error when --delay or --loss asked for
// the netem qdisc and the kernel has none.
var ErrNoNetem = errors.New("this kernel has no netem qdisc (sch_netem is neither built in nor loadable), so a delay or a loss cannot be added; pacing with a rate (tbf) works")

// ErrNeedsLinux is returned by New, In and Reap in builds for other
// systems (Supported is false): a lab is made of Linux network namespaces.
var ErrNeedsLinux = fmt.Errorf("a lab is made of Linux network namespaces, and this build is for %s/%s: %w",
	runtime.GOOS, runtime.GOARCH, errors.ErrUnsupported)

// ErrNotRoot is wrapped by New's error when the process may not create
// network namespaces.
var ErrNotRoot = errors.New("the lab creates network namespaces and needs root (or CAP_SYS_ADMIN and CAP_NET_ADMIN): run it with sudo")

// Side is one end of the lab: a namespace, its veth and its addresses.
type Side struct {
	NS   string // network namespace name, as `ip netns` lists it
	Dev  string // the veth end inside it
	IPv4 netip.Addr
	IPv6 netip.Addr
}

// Addr is the address the path uses: IPv6 when the lab was asked for it.
func (s Side) Addr(ipv6 bool) netip.Addr {
	if ipv6 {
		return s.IPv6
	}
	return s.IPv4
}

// Lab is a running lab. Close removes everything New made.
type Lab struct {
	ID             string
	Path           Path
	Client, Server Side
	made           []string // namespaces created, for Close
	log            func(cmd []string)
}

// Prefix names every namespace a lab makes: "seglab-PID-N-c" and "-s".
// The PID lets Reap find the namespaces of a lab whose process died
// without cleaning up (SIGKILL).
const Prefix = "seglab-"

// nsDir is where `ip netns add` pins namespaces.
const nsDir = "/run/netns"

// labPID reads the process ID out of a lab namespace's name.
func labPID(name string) (int, bool) {
	rest, ok := strings.CutPrefix(name, Prefix)
	if !ok {
		return 0, false
	}
	p, _, ok := strings.Cut(rest, "-")
	if !ok {
		return 0, false
	}
	pid, err := strconv.Atoi(p)
	return pid, err == nil && pid > 0
}

var seq atomic.Uint32

// Options tune New.
type Options struct {
	// Log, when set, sees every command New and Close run.
	Log func(cmd []string)
}

// New builds a lab with the given path. On failure nothing is left.
func New(ctx context.Context, p Path, o Options) (*Lab, error) {
	if !Supported {
		return nil, ErrNeedsLinux
	}
	if os.Geteuid() != 0 {
		return nil, ErrNotRoot
	}
	if p.MTU == 0 {
		p.MTU = 1500
	}
	if err := checkPath(p); err != nil {
		return nil, err
	}
	n := seq.Add(1)
	pid := os.Getpid()
	id := fmt.Sprintf("%s%d-%d", Prefix, pid, n)
	// The addresses differ from lab to lab, so that captures and traces
	// from two labs are never confused (the namespaces alone would keep
	// the traffic apart).
	k := (pid*7 + int(n)) % 250
	l := &Lab{ID: id, Path: p, log: o.Log,
		Client: Side{NS: id + "-c", Dev: "lab-c",
			IPv4: netip.AddrFrom4([4]byte{10, 77, byte(k), 2}),
			IPv6: netip.MustParseAddr(fmt.Sprintf("fd00:77:%x::2", k))},
		Server: Side{NS: id + "-s", Dev: "lab-s",
			IPv4: netip.AddrFrom4([4]byte{10, 77, byte(k), 1}),
			IPv6: netip.MustParseAddr(fmt.Sprintf("fd00:77:%x::1", k))},
	}
	if err := l.build(ctx); err != nil {
		return nil, errors.Join(err, l.Close())
	}
	return l, nil
}

// CheckPath refuses a path the kernel would not build (an MTU or MSS out
// of range), before anything is built.
func CheckPath(p Path) error { return checkPath(p) }

// checkPath refuses a path the kernel would not build.
func checkPath(p Path) error {
	switch {
	case p.MTU < 576 || p.MTU > 65535:
		return fmt.Errorf("MTU %d: must be between 576 and 65535", p.MTU)
	case p.IPv6 && p.MTU < 1280:
		return fmt.Errorf("MTU %d: IPv6 needs at least 1280", p.MTU)
	case p.MSS != 0 && (p.MSS < 88 || p.MSS > 65495):
		return fmt.Errorf("MSS %d: must be between 88 and 65495", p.MSS)
	}
	return nil
}

func (l *Lab) build(ctx context.Context) error {
	c, s := l.Client, l.Server
	for _, ns := range []string{c.NS, s.NS} {
		if err := l.run(ctx, "ip", "netns", "add", ns); err != nil {
			if os.IsPermission(err) || strings.Contains(err.Error(), "Operation not permitted") {
				return fmt.Errorf("%w (%v)", ErrNotRoot, err)
			}
			return err
		}
		l.made = append(l.made, ns)
	}
	for _, ns := range []string{c.NS, s.NS} {
		// Before the veth exists, so that it inherits them: no duplicate
		// address detection (a link-local address still tentative cost
		// the first SYN over IPv6, a second of retransmission timeout).
		if err := l.sysctl(ns, "net.ipv4.tcp_timestamps="+onOff01(l.Path.Timestamps),
			"net.ipv4.tcp_sack="+onOff01(l.Path.SACK),
			"net.ipv6.conf.all.accept_dad=0", "net.ipv6.conf.default.accept_dad=0"); err != nil {
			return err
		}
	}
	// Both ends are born inside their namespaces: no name is ever taken
	// in the host's, so labs cannot collide there.
	var steps [][]string
	steps = append(steps, []string{"ip", "link", "add", "name", c.Dev, "netns", c.NS, "type", "veth", "peer", "name", s.Dev, "netns", s.NS})
	mtu := strconv.Itoa(l.Path.MTU)
	for _, sd := range []Side{c, s} {
		steps = append(steps,
			[]string{"ip", "-n", sd.NS, "link", "set", "lo", "up"},
			[]string{"ip", "-n", sd.NS, "link", "set", sd.Dev, "mtu", mtu},
			[]string{"ip", "-n", sd.NS, "addr", "add", sd.IPv4.String() + "/24", "dev", sd.Dev},
			// nodad: the address works at once instead of after a second
			// of duplicate address detection.
			[]string{"ip", "-n", sd.NS, "addr", "add", sd.IPv6.String() + "/64", "dev", sd.Dev, "nodad"},
			[]string{"ip", "netns", "exec", sd.NS, "ethtool", "-K", sd.Dev,
				"tso", onOff(l.Path.TSO), "gso", onOff(l.Path.GSO), "gro", onOff(l.Path.GRO)},
			[]string{"ip", "-n", sd.NS, "link", "set", sd.Dev, "up"},
		)
		if l.Path.MSS != 0 {
			mss := strconv.Itoa(l.Path.MSS)
			steps = append(steps,
				[]string{"ip", "-n", sd.NS, "route", "replace", prefix(sd.IPv4, 24), "dev", sd.Dev, "advmss", mss},
				// metric 256 is the kernel's own route for the prefix:
				// without it a second route is added, and the kernel's wins.
				[]string{"ip", "-n", sd.NS, "-6", "route", "replace", prefix(sd.IPv6, 64), "dev", sd.Dev, "proto", "kernel", "metric", "256", "advmss", mss},
			)
		}
	}
	for _, st := range steps {
		if err := l.run(ctx, st...); err != nil {
			return err
		}
	}
	if err := l.shape(ctx); err != nil {
		return err
	}
	for _, sd := range []Side{c, s} {
		if err := l.waitUp(ctx, sd); err != nil {
			return err
		}
	}
	return nil
}

// waitUp waits for the kernel's link watcher to mark the veth end up. Until
// it has, the device drops what is sent (its qdisc is still noop), and it
// may take up to a second: the first SYN was lost, and the transfer began
// with a second's retransmission timeout.
func (l *Lab) waitUp(ctx context.Context, sd Side) error {
	deadline := time.Now().Add(5 * time.Second)
	for {
		out, err := exec.CommandContext(ctx, "ip", "-n", sd.NS, "-o", "link", "show", "dev", sd.Dev).Output()
		if err != nil {
			return fmt.Errorf("ip -n %s link show dev %s: %w", sd.NS, sd.Dev, err)
		}
		if strings.Contains(string(out), "state UP") && !strings.Contains(string(out), "qdisc noop") {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s in %s is not up after 5s: %s", sd.Dev, sd.NS, strings.TrimSpace(string(out)))
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// shape adds the qdiscs on the server's veth, which sends the body.
func (l *Lab) shape(ctx context.Context) error {
	s := l.Server
	parent := []string{"root"}
	if l.Path.Delay != "" || l.Path.Loss != "" {
		args := []string{"ip", "netns", "exec", s.NS, "tc", "qdisc", "add", "dev", s.Dev, "root", "handle", "1:", "netem"}
		if l.Path.Delay != "" {
			args = append(args, "delay", l.Path.Delay)
		}
		if l.Path.Loss != "" {
			args = append(args, "loss", l.Path.Loss)
		}
		if err := l.run(ctx, args...); err != nil {
			if strings.Contains(err.Error(), "qdisc kind is unknown") {
				return fmt.Errorf("a delay or a loss on the path: %w", ErrNoNetem)
			}
			return err
		}
		parent = []string{"parent", "1:1"}
	}
	if l.Path.Rate == "" {
		return nil
	}
	burst := l.Path.Burst
	if burst == "" {
		b, err := defaultBurst(l.Path.Rate, l.Path.MTU)
		if err != nil {
			return err
		}
		burst = strconv.Itoa(b)
	}
	args := append([]string{"ip", "netns", "exec", s.NS, "tc", "qdisc", "add", "dev", s.Dev}, parent...)
	args = append(args, "tbf", "rate", l.Path.Rate, "burst", burst, "latency", "400ms")
	return l.run(ctx, args...)
}

// defaultBurst is tbf's bucket in bytes: one full frame, or 100 us of the
// rate when that is more. A bucket of one frame spaces the segments out,
// so curl reads each one as it arrives; measured at 5mbit, a bucket of two
// frames let them through in pairs after every pause (17 of 75 reads took
// two segments), and one of 4 ms at 20mbit (10000 bytes) made a third of
// the reads backlogs.
func defaultBurst(rate string, mtu int) (int, error) {
	bps, err := ParseRate(rate)
	if err != nil {
		return 0, err
	}
	return max(int(bps/8/10000), mtu+14), nil
}

// ParseRate reads a rate in tc's syntax ("20mbit", "500kbit", "1gbit",
// "100kbps" in bytes) and returns bits per second.
func ParseRate(s string) (float64, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	units := []struct {
		suffix string
		mult   float64
	}{{"gbit", 1e9}, {"mbit", 1e6}, {"kbit", 1e3}, {"gbps", 8e9}, {"mbps", 8e6}, {"kbps", 8e3}, {"bps", 8}, {"bit", 1}}
	for _, u := range units {
		if strings.HasSuffix(t, u.suffix) {
			v, err := strconv.ParseFloat(strings.TrimSuffix(t, u.suffix), 64)
			if err != nil || v <= 0 {
				break
			}
			return v * u.mult, nil
		}
	}
	return 0, fmt.Errorf("rate %q: want a number and a unit as tc takes it, e.g. 20mbit, 500kbit, 1gbit", s)
}

func prefix(a netip.Addr, bits int) string {
	p, _ := a.Prefix(bits)
	return p.String()
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

func onOff01(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

// sysctl sets KEY=VALUE settings in namespace ns, written to /proc/sys
// from a thread inside it (the net settings there are the namespace's of
// the thread that opens them): no sysctl binary needed.
func (l *Lab) sysctl(ns string, settings ...string) error {
	if l.log != nil {
		l.log(append([]string{"ip", "netns", "exec", ns, "sysctl", "-w"}, settings...))
	}
	return In(ns, func() error {
		for _, kv := range settings {
			k, v, _ := strings.Cut(kv, "=")
			path := "/proc/sys/" + strings.ReplaceAll(k, ".", "/")
			if err := os.WriteFile(path, []byte(v), 0); err != nil {
				return fmt.Errorf("sysctl %s in %s: %w", kv, ns, err)
			}
		}
		return nil
	})
}

// run runs one setup command, its stderr in the error.
func (l *Lab) run(ctx context.Context, args ...string) error {
	if l.log != nil {
		l.log(args)
	}
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return fmt.Errorf("%s: %s", strings.Join(args, " "), strings.TrimSpace(stderr.String()))
		}
		if errors.Is(err, exec.ErrNotFound) {
			return fmt.Errorf("%s not found: the lab needs iproute2 and ethtool (apt-get install iproute2 ethtool)", args[0])
		}
		return fmt.Errorf("%s: %w", strings.Join(args, " "), err)
	}
	return nil
}

// Close deletes the namespaces, which takes the veth pair and its qdiscs
// with them. Sockets still open inside a namespace (a server, a capture)
// keep it alive, unnamed, until they close: close them first. Close uses
// no context, so a cancelled run still cleans up, and can be called twice.
func (l *Lab) Close() error {
	var errs []error
	for i := len(l.made) - 1; i >= 0; i-- {
		if err := l.run(context.Background(), "ip", "netns", "del", l.made[i]); err != nil {
			errs = append(errs, err)
		}
	}
	l.made = nil
	return errors.Join(errs...)
}
