//go:build linux

package capture

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"github.com/segscope/segscope/internal/testtool"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"golang.org/x/sys/unix"
)

// needLive skips a test that captures only where capturing cannot be
// expected to work: not root and not asked for with SEGSCOPE_LIVE_TESTS=1
// (CI sets it, so a missing permission there fails the tests).
func needLive(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 && os.Getenv("SEGSCOPE_LIVE_TESTS") != "1" {
		t.Skip("live capture needs root or CAP_NET_RAW: run as root or set SEGSCOPE_LIVE_TESTS=1")
	}
	testtool.Need(t, "ip", "curl", "setpriv")
}

// capturedPacket is a copy of a captured packet with its TCP header decoded.
type capturedPacket struct {
	rec          record
	ok           bool // IPv4 or IPv6 TCP
	src, dst     net.IP
	sport, dport uint16
	seq, ack     uint32
	flags        uint8 // FIN 1, SYN 2, RST 4, PSH 8, ACK 16
	window       uint16
	tsval        uint32
	payload      int
	hasTS        bool
}

func decodeCaptured(p Packet) capturedPacket {
	c := capturedPacket{rec: record{append([]byte(nil), p.Data...), p.Timestamp, p.Length, p.LinkType, p.Number}}
	pkt := gopacket.NewPacket(c.rec.data, p.LinkType, gopacket.Default)
	tcp, _ := pkt.Layer(layers.LayerTypeTCP).(*layers.TCP)
	if tcp == nil || pkt.NetworkLayer() == nil {
		return c
	}
	switch ip := pkt.NetworkLayer().(type) {
	case *layers.IPv4:
		c.src, c.dst = ip.SrcIP, ip.DstIP
	case *layers.IPv6:
		c.src, c.dst = ip.SrcIP, ip.DstIP
	}
	c.ok = true
	c.sport, c.dport = uint16(tcp.SrcPort), uint16(tcp.DstPort)
	c.seq, c.ack, c.window, c.payload = tcp.Seq, tcp.Ack, tcp.Window, len(tcp.Payload)
	for bit, set := range []bool{tcp.FIN, tcp.SYN, tcp.RST, tcp.PSH, tcp.ACK} {
		if set {
			c.flags |= 1 << bit
		}
	}
	for _, o := range tcp.Options {
		if o.OptionType == layers.TCPOptionKindTimestamps && len(o.OptionData) >= 4 {
			c.tsval, c.hasTS = binary.BigEndian.Uint32(o.OptionData), true
		}
	}
	return c
}

// segmentKey identifies a TCP segment: two packets with the same key are
// the same segment seen twice (a retransmission would need a lost packet,
// which loopback does not lose).
type segmentKey struct {
	sport, dport uint16
	seq, ack     uint32
	payload      int
	flags        uint8
	window       uint16
	tsval        uint32
}

func (c capturedPacket) key() segmentKey {
	return segmentKey{c.sport, c.dport, c.seq, c.ack, c.payload, c.flags, c.window, c.tsval}
}

// collector reads a Source in a goroutine until io.EOF or an error,
// keeping a decoded copy of every packet and calling onPacket.
type collector struct {
	mu      sync.Mutex
	packets []capturedPacket
	err     error
	done    chan struct{}
}

func collect(src Source, onPacket func(Packet) error) *collector {
	c := &collector{done: make(chan struct{})}
	go func() {
		defer close(c.done)
		for {
			p, err := src.ReadPacket()
			if err == io.EOF {
				return
			}
			if err == nil && onPacket != nil {
				err = onPacket(p)
			}
			if err != nil {
				c.mu.Lock()
				c.err = err
				c.mu.Unlock()
				return
			}
			cp := decodeCaptured(p)
			c.mu.Lock()
			c.packets = append(c.packets, cp)
			c.mu.Unlock()
		}
	}()
	return c
}

func (c *collector) snapshot() []capturedPacket {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]capturedPacket(nil), c.packets...)
}

// waitFor polls cond on the packets so far until it holds or the time is up.
func (c *collector) waitFor(t *testing.T, d time.Duration, what string, cond func([]capturedPacket) bool) {
	t.Helper()
	for end := time.Now().Add(d); ; time.Sleep(20 * time.Millisecond) {
		if cond(c.snapshot()) {
			return
		}
		if time.Now().After(end) {
			t.Fatalf("after %v the capture still lacks %s (%d packets so far)", d, what, len(c.snapshot()))
		}
	}
}

// finish waits for the collector to end after Stop or Close.
func (c *collector) finish(t *testing.T) []capturedPacket {
	t.Helper()
	select {
	case <-c.done:
	case <-time.After(5 * time.Second):
		t.Fatal("the reader did not end within 5 s of Stop")
	}
	if c.err != nil {
		t.Fatalf("reading: %v", c.err)
	}
	return c.packets
}

// serve starts an HTTP server on 127.0.0.1 (a free port) answering /big
// with body; it is shut down at the end of the test.
func serve(t *testing.T, body []byte) uint16 {
	t.Helper()
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.Write(body)
	})}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return uint16(ln.Addr().(*net.TCPAddr).Port)
}

// countingConn counts the bytes the client reads: header and body bytes.
type countingConn struct {
	net.Conn
	n *atomic.Int64
}

func (c countingConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	c.n.Add(int64(n))
	return n, err
}

// fetch GETs url on a new connection and returns the bytes the server sent
// (status line, headers and body) and the body length.
func fetch(url string) (wire, body int64, err error) {
	var n atomic.Int64
	tr := &http.Transport{
		DisableKeepAlives: true,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			// A receive buffer that holds the whole body: the window never
			// limits the server's segments, so full 64 KB frames appear
			// however slowly this client reads (as under the race detector).
			d := &net.Dialer{Control: func(_, _ string, rc syscall.RawConn) error {
				return rc.Control(func(fd uintptr) {
					if syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUFFORCE, 4<<20) != nil {
						syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4<<20)
					}
				})
			}}
			c, err := d.DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			return countingConn{c, &n}, nil
		},
	}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr, Timeout: 20 * time.Second}).Get(url)
	if err != nil {
		return 0, 0, err
	}
	body, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return n.Load(), body, err
}

// TestLiveLoopback captures four 1 MB HTTP transfers on lo (three with
// net/http, one with curl) while other traffic runs on another port, writes
// the capture to pcapng as it goes, and checks that every segment was seen
// exactly once and in full, that nothing else was captured, and that the
// file holds the same packets.
func TestLiveLoopback(t *testing.T) {
	needLive(t)
	curl, err := exec.LookPath("curl")
	if err != nil {
		t.Fatalf("curl is needed for this test: %v", err)
	}
	body := bytes.Repeat([]byte("segscope live capture test body\n"), 1<<20/32)
	port := serve(t, body)
	other := serve(t, body[:50000])

	live, err := OpenLive(LiveOptions{Interface: "lo", Ports: []uint16{port}})
	if err != nil {
		t.Fatal(err)
	}
	defer live.Close()
	if live.Name() != "lo" || live.LinkType() != layers.LinkTypeEthernet || live.SnapLen() != DefaultSnapLen {
		t.Errorf("name %q link type %v snap length %d", live.Name(), live.LinkType(), live.SnapLen())
	}
	asked, granted := live.Buffer()
	t.Logf("socket buffer: asked %d, granted %d bytes", asked, granted)
	if asked != DefaultBufferMB<<20 || granted <= 0 || (os.Geteuid() == 0 && granted != asked) {
		t.Errorf("socket buffer: asked %d, granted %d bytes", asked, granted)
	}

	file := filepath.Join(t.TempDir(), "lo.pcapng")
	f, err := os.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ngw, err := NewNgWriter(f, live.LinkType(), live.SnapLen(), live.Name())
	if err != nil {
		t.Fatal(err)
	}
	col := collect(live, ngw.WritePacket)

	// Traffic on another port all along: none of it may be captured.
	stopOther := make(chan struct{})
	var otherFetches atomic.Int64
	var otherWG sync.WaitGroup
	otherWG.Add(1)
	go func() {
		defer otherWG.Done()
		for {
			select {
			case <-stopOther:
				return
			default:
			}
			if _, _, err := fetch(fmt.Sprintf("http://127.0.0.1:%d/big", other)); err == nil {
				otherFetches.Add(1)
			}
			time.Sleep(2 * time.Millisecond) // traffic, not a CPU hog

		}
	}()

	url := fmt.Sprintf("http://127.0.0.1:%d/big", port)
	var wantServerBytes int64
	for i := 0; i < 3; i++ {
		wire, n, err := fetch(url)
		if err != nil {
			t.Fatal(err)
		}
		if n != int64(len(body)) {
			t.Fatalf("fetch %d: body of %d bytes, want %d", i+1, n, len(body))
		}
		wantServerBytes += wire
	}
	out, err := exec.Command(curl, "-s", "-o", "/dev/null", "-w", "%{size_header} %{size_download}", url).Output()
	if err != nil {
		t.Fatalf("curl: %v", err)
	}
	var hdr, dl int64
	if _, err := fmt.Sscan(string(out), &hdr, &dl); err != nil || dl != int64(len(body)) {
		t.Fatalf("curl -w printed %q (%v)", out, err)
	}
	wantServerBytes += hdr + dl

	// Wait until the capture holds all the server's bytes and both FINs of
	// the four connections, then stop and read what is left.
	serverBytes := func(ps []capturedPacket) (n int64) {
		for _, p := range ps {
			if p.ok && p.sport == port {
				n += int64(p.payload)
			}
		}
		return n
	}
	fins := func(ps []capturedPacket) (n int) {
		for _, p := range ps {
			if p.flags&1 != 0 {
				n++
			}
		}
		return n
	}
	col.waitFor(t, 10*time.Second, "all the server's bytes and 8 FINs", func(ps []capturedPacket) bool {
		return serverBytes(ps) >= wantServerBytes && fins(ps) >= 8
	})
	close(stopOther)
	otherWG.Wait()
	if err := live.Stop(); err != nil {
		t.Fatal(err)
	}
	packets := col.finish(t)
	if err := live.Close(); err != nil {
		t.Fatal(err)
	}
	received, dropped, err := live.Stats()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d packets, kernel: received %d, dropped %d; %d transfers on the other port meanwhile", len(packets), received, dropped, otherFetches.Load())
	if otherFetches.Load() == 0 {
		t.Error("no transfer on the other port completed during the capture")
	}

	seen := map[segmentKey]int{}
	var syns, maxLen int
	for i, p := range packets {
		if p.rec.number != i+1 || p.rec.lt != layers.LinkTypeEthernet {
			t.Fatalf("packet %d: number %d, link type %v", i+1, p.rec.number, p.rec.lt)
		}
		if !p.ok || (p.sport != port && p.dport != port) || !p.src.Equal(net.IPv4(127, 0, 0, 1)) || !p.dst.Equal(net.IPv4(127, 0, 0, 1)) {
			t.Fatalf("packet %d is not TCP between 127.0.0.1 and port %d: %s", i+1, port, gopacket.NewPacket(p.rec.data, p.rec.lt, gopacket.Default))
		}
		if !p.hasTS {
			t.Fatalf("packet %d has no TCP timestamp option (the duplicate check relies on it)", i+1)
		}
		if seen[p.key()]++; seen[p.key()] > 1 {
			t.Errorf("packet %d is a second copy of a segment (%d > %d seq %d len %d flags %#x): outgoing copies are not dropped", i+1, p.sport, p.dport, p.seq, p.payload, p.flags)
		}
		if p.flags&2 != 0 && p.flags&16 == 0 {
			syns++
		}
		if len(p.rec.data) != p.rec.length {
			t.Errorf("packet %d cut: %d of %d bytes captured", i+1, len(p.rec.data), p.rec.length)
		}
		maxLen = max(maxLen, p.rec.length)
		if p.rec.ts.IsZero() || time.Since(p.rec.ts) > time.Minute || time.Until(p.rec.ts) > time.Second {
			t.Errorf("packet %d: timestamp %v", i+1, p.rec.ts)
		}
	}
	if got := serverBytes(packets); got != wantServerBytes {
		t.Errorf("the server's payload in the capture is %d bytes; the clients received %d (4 x %d body bytes and the headers)", got, wantServerBytes, len(body))
	}
	if syns != 4 {
		t.Errorf("%d connections (SYNs), want 4", syns)
	}
	if maxLen <= 65536 {
		t.Errorf("the largest frame is %d bytes; a 1 MB loopback transfer has frames over 65536", maxLen)
	}
	t.Logf("largest frame %d bytes, captured in full", maxLen)
	if dropped != 0 {
		t.Errorf("the kernel dropped %d packets", dropped)
	}
	if received < uint64(len(packets)) {
		t.Errorf("the kernel counts %d packets received, fewer than the %d read", received, len(packets))
	}

	// The pcapng file written during the capture holds the same packets.
	if err := ngw.WriteStats(received, dropped); err != nil {
		t.Fatal(err)
	}
	if err := ngw.Close(); err != nil {
		t.Fatal(err)
	}
	want := make([]record, len(packets))
	for i, p := range packets {
		want[i] = p.rec
	}
	checkPcapng(t, file, want)
}

// TestLiveLoopbackOutgoingCopies is the control for TestLiveLoopback's
// duplicate check: without the packet-type test in the filter, every
// loopback segment is captured twice.
func TestLiveLoopbackOutgoingCopies(t *testing.T) {
	needLive(t)
	port := serve(t, []byte("hello"))
	live, err := openLive(LiveOptions{Interface: "lo", Ports: []uint16{port}}, false)
	if err != nil {
		t.Fatal(err)
	}
	defer live.Close()
	col := collect(live, nil)
	if _, _, err := fetch(fmt.Sprintf("http://127.0.0.1:%d/", port)); err != nil {
		t.Fatal(err)
	}
	col.waitFor(t, 5*time.Second, "both copies of the 4 FINs", func(ps []capturedPacket) bool {
		n := 0
		for _, p := range ps {
			if p.flags&1 != 0 {
				n++
			}
		}
		return n >= 4
	})
	live.Stop()
	packets := col.finish(t)
	seen := map[segmentKey]int{}
	for _, p := range packets {
		seen[p.key()]++
	}
	for k, n := range seen {
		if n != 2 {
			t.Errorf("segment %+v seen %d times without the outgoing check, want 2", k, n)
		}
	}
	if len(packets) < 14 {
		t.Errorf("only %d packets for an HTTP exchange seen twice", len(packets))
	}
}

// TestLiveCloseUnblocksReader closes a capture while ReadPacket waits on a
// port without traffic: ReadPacket must return io.EOF promptly.
func TestLiveCloseUnblocksReader(t *testing.T) {
	needLive(t)
	for _, how := range []string{"Close", "Stop"} {
		t.Run(how, func(t *testing.T) {
			live, err := OpenLive(LiveOptions{Interface: "lo", Ports: []uint16{freeTCPPort(t)}})
			if err != nil {
				t.Fatal(err)
			}
			defer live.Close()
			done := make(chan error, 1)
			go func() {
				_, err := live.ReadPacket()
				done <- err
			}()
			time.Sleep(200 * time.Millisecond) // let it block
			select {
			case err := <-done:
				t.Fatalf("ReadPacket returned before %s: %v", how, err)
			default:
			}
			start := time.Now()
			if how == "Close" {
				err = live.Close()
			} else {
				err = live.Stop()
			}
			if err != nil {
				t.Fatal(err)
			}
			select {
			case err := <-done:
				t.Logf("ReadPacket returned %v %v after %s", err, time.Since(start), how)
				if err != io.EOF {
					t.Errorf("ReadPacket after %s = %v, want io.EOF", how, err)
				}
			case <-time.After(5 * time.Second):
				t.Fatalf("ReadPacket still blocked 5 s after %s", how)
			}
			if _, err := live.ReadPacket(); err != io.EOF {
				t.Errorf("ReadPacket again = %v, want io.EOF", err)
			}
			if err := live.Close(); err != nil {
				t.Errorf("second Close: %v", err)
			}
			if _, _, err := live.Stats(); err != nil {
				t.Errorf("Stats after Close: %v", err)
			}
		})
	}
}

// freeTCPPort returns a port nothing listens on (nothing will use it during
// the test, with luck).
func freeTCPPort(t *testing.T) uint16 {
	t.Helper()
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return uint16(ln.Addr().(*net.TCPAddr).Port)
}

// TestLiveStopDrains stops a capture nobody read from: ReadPacket still
// returns every packet the kernel took in, then io.EOF, and the kernel's
// count matches.
func TestLiveStopDrains(t *testing.T) {
	needLive(t)
	port := serve(t, bytes.Repeat([]byte("x"), 200000))
	live, err := OpenLive(LiveOptions{Interface: "lo", Ports: []uint16{port}, BufferMB: 8})
	if err != nil {
		t.Fatal(err)
	}
	defer live.Close()
	for i := 0; i < 3; i++ {
		if _, _, err := fetch(fmt.Sprintf("http://127.0.0.1:%d/", port)); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(300 * time.Millisecond) // the last ACKs and FINs
	if err := live.Stop(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	received, dropped, err := live.Stats()
	if err != nil {
		t.Fatal(err)
	}
	recs, err := readAll(live)
	if err != nil {
		t.Fatal(err)
	}
	if dropped != 0 || uint64(len(recs)) != received || received == 0 {
		t.Errorf("read %d packets after Stop; the kernel received %d and dropped %d", len(recs), received, dropped)
	}
	if r2, _, _ := live.Stats(); r2 != received {
		t.Errorf("the kernel took in %d more packets after Stop", r2-received)
	}
	t.Logf("%d packets drained after Stop", len(recs))
}

func TestLiveUnknownInterface(t *testing.T) {
	_, err := OpenLive(LiveOptions{Interface: "nosuchif0"})
	if !errors.Is(err, ErrNoInterface) {
		t.Fatalf("err = %v, want ErrNoInterface", err)
	}
	var ce *Error
	if !errors.As(err, &ce) || ce.Source != "nosuchif0" {
		t.Errorf("err = %#v, want a *capture.Error for nosuchif0", err)
	}
	names, ierr := Interfaces()
	if ierr != nil || len(names) == 0 {
		t.Fatalf("Interfaces() = %v, %v", names, ierr)
	}
	want := `reading nosuchif0: no interface "nosuchif0"; interfaces here: ` + strings.Join(names, ", ")
	if err.Error() != want {
		t.Errorf("message\n%s\nwant\n%s", err, want)
	}
	if !strings.Contains(err.Error(), "lo") {
		t.Errorf("message %q does not name lo", err)
	}
	if _, err := OpenLive(LiveOptions{}); !errors.Is(err, ErrNoInterface) || !strings.Contains(err.Error(), "no interface given; interfaces here: ") {
		t.Errorf("no interface: %v", err)
	}
	if _, err := OpenLive(LiveOptions{Interface: "lo", BufferMB: -1}); err == nil || !strings.Contains(err.Error(), "buffer size -1 MiB") {
		t.Errorf("BufferMB -1: %v", err)
	}
}

// TestLivePermissionDenied runs this test binary as an unprivileged user
// (nobody, without capabilities) to open a capture, which must fail with
// ErrPermission and its message.
func TestLivePermissionDenied(t *testing.T) {
	needLive(t)
	setpriv, err := exec.LookPath("setpriv")
	if err != nil {
		t.Skip("setpriv is not installed; TestPermissionErrorMapping checks the message")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	// A copy nobody can run: the go build directory is private.
	dir := t.TempDir()
	for d := dir; d != os.TempDir() && d != "/" && strings.HasPrefix(d, os.TempDir()); d = filepath.Dir(d) {
		os.Chmod(d, 0o755)
	}
	bin := filepath.Join(dir, "capture.test")
	b, err := os.ReadFile(exe)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, b, 0o755); err != nil {
		t.Fatal(err)
	}
	args := []string{"--inh-caps=-all", "--ambient-caps=-all"}
	if os.Geteuid() == 0 {
		args = append([]string{"--reuid=65534", "--regid=65534", "--clear-groups"}, args...)
	}
	args = append(args, bin, "-test.run=^TestLivePermissionChild$", "-test.v")
	cmd := exec.Command(setpriv, args...)
	cmd.Dir = "/"
	cmd.Env = append(os.Environ(), "SEGSCOPE_PERMISSION_CHILD=1")
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "--- PASS: TestLivePermissionChild") {
		t.Fatalf("unprivileged run: %v\n%s", err, out)
	}
	t.Logf("%s", out)
}

// TestLivePermissionChild is run by TestLivePermissionDenied without
// privileges; on its own it does nothing.
func TestLivePermissionChild(t *testing.T) {
	if os.Getenv("SEGSCOPE_PERMISSION_CHILD") != "1" {
		return
	}
	_, err := OpenLive(LiveOptions{Interface: "lo"})
	if !errors.Is(err, ErrPermission) {
		t.Fatalf("OpenLive without privileges = %v, want ErrPermission", err)
	}
	if want := "reading lo: " + ErrPermission.Error(); err.Error() != want {
		t.Fatalf("message\n%s\nwant\n%s", err, want)
	}
	t.Logf("uid %d: %v", os.Geteuid(), err)
}

// waitLinkUp waits until the kernel has finished bringing name up: the
// operational state is UP and the device has its real qdisc. Until the
// link watcher runs (asynchronously, late on a loaded machine), a device
// that is administratively up still sits on noop_qdisc, which drops every
// frame sent through it.
func waitLinkUp(t *testing.T, name string) {
	t.Helper()
	for end := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		out, err := exec.Command("ip", "-o", "link", "show", "dev", name).CombinedOutput()
		if err != nil {
			t.Fatalf("ip link show %s: %v\n%s", name, err, out)
		}
		s := string(out)
		if strings.Contains(s, " state UP ") && !strings.Contains(s, " qdisc noop ") {
			return
		}
		if time.Now().After(end) {
			t.Fatalf("%s is not up after 10 s: %s", name, s)
		}
	}
}

func ipCmd(t *testing.T, args ...string) {
	t.Helper()
	if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
		t.Fatalf("ip %s: %v\n%s (creating interfaces needs root)", strings.Join(args, " "), err, out)
	}
}

// sendFrame sends frame out of the interface ifindex through a packet
// socket of its own, as if a host had put it on the wire.
func sendFrame(t *testing.T, ifindex int, frame []byte) {
	t.Helper()
	fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	sa := &unix.SockaddrLinklayer{Ifindex: ifindex, Protocol: htons(binary.BigEndian.Uint16(frame[12:]))}
	if err := unix.Sendto(fd, frame, 0, sa); err != nil {
		t.Fatalf("sending a frame: %v", err)
	}
}

// TestLiveVeth captures on one end of a veth pair (an Ethernet interface,
// not loopback: nothing is dropped as an outgoing copy) frames injected at
// either end, with and without VLAN tags: the kernel takes the outer tag
// of a received frame out of it, and the capture must put it back so the
// captured frame is the one sent; a tag left in the frame (sent frames,
// the inner tag of QinQ) must pass the filter.
func TestLiveVeth(t *testing.T) {
	needLive(t)
	a, b := fmt.Sprintf("sgv%da", os.Getpid()%100000), fmt.Sprintf("sgv%db", os.Getpid()%100000)
	ipCmd(t, "link", "add", a, "type", "veth", "peer", "name", b)
	t.Cleanup(func() { exec.Command("ip", "link", "del", a).Run() })
	ipCmd(t, "link", "set", b, "up")
	ipCmd(t, "link", "set", a, "up")
	waitLinkUp(t, a)
	waitLinkUp(t, b)
	ifA, errA := net.InterfaceByName(a)
	ifB, errB := net.InterfaceByName(b)
	if errA != nil || errB != nil {
		t.Fatal(errA, errB)
	}
	const port = 18080
	live, err := OpenLive(LiveOptions{Interface: a, Ports: []uint16{port}, Promisc: true})
	if err != nil {
		t.Fatal(err)
	}
	defer live.Close()
	if live.LinkType() != layers.LinkTypeEthernet {
		t.Errorf("link type %v", live.LinkType())
	}
	col := collect(live, nil)

	type sent struct {
		name  string
		from  int // ifindex
		frame testFrame
		want  bool
	}
	v4 := func(sport uint16) testFrame {
		return testFrame{src: "198.18.0.1", dst: "198.18.0.2", sport: sport, dport: port}
	}
	var cases []sent
	add := func(name string, from int, f testFrame, want bool) {
		cases = append(cases, sent{name, from, f, want})
	}
	f := v4(1001)
	add("received untagged", ifB.Index, f, true)
	f = v4(1002)
	f.tag = layers.EthernetTypeDot1Q
	add("received 802.1Q", ifB.Index, f, true)
	f = v4(1003)
	f.tag = layers.EthernetTypeQinQ
	add("received 802.1ad", ifB.Index, f, true)
	f = v4(1004)
	f.tag, f.inner = layers.EthernetTypeQinQ, layers.EthernetTypeDot1Q
	add("received QinQ", ifB.Index, f, true)
	f = testFrame{v6: true, src: "2001:db8::1", dst: "2001:db8::2", sport: 1005, dport: port, tag: layers.EthernetTypeDot1Q}
	add("received IPv6 802.1Q", ifB.Index, f, true)
	f = v4(1006)
	f.dport, f.tag = 9999, layers.EthernetTypeDot1Q
	add("received 802.1Q other port", ifB.Index, f, false)
	f = v4(1007)
	f.udp = true
	add("received UDP", ifB.Index, f, false)
	f = v4(1008)
	f.tag = layers.EthernetTypeDot1Q
	add("sent 802.1Q", ifA.Index, f, true)
	add("sent untagged", ifA.Index, v4(1009), true)

	want := map[string]string{} // frame bytes -> case name
	for _, c := range cases {
		frame := c.frame.build(t, false)
		if c.want {
			want[string(frame)] = c.name
		}
		sendFrame(t, c.from, frame)
	}
	// Not waitFor: on a timeout the checks below name the frames missing.
	for end := time.Now().Add(5 * time.Second); len(col.snapshot()) < len(want) && time.Now().Before(end); {
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond) // anything that should not come
	live.Stop()
	packets := col.finish(t)
	got := map[string]int{}
	for _, p := range packets {
		name, ok := want[string(p.rec.data)]
		if !ok {
			t.Errorf("captured a frame not sent or not wanted: %s", gopacket.NewPacket(p.rec.data, p.rec.lt, gopacket.Default))
			continue
		}
		if got[name]++; got[name] > 1 {
			t.Errorf("%s: captured twice", name)
		}
		if p.rec.length != len(p.rec.data) {
			t.Errorf("%s: length %d, %d bytes captured", name, p.rec.length, len(p.rec.data))
		}
	}
	for _, name := range want {
		if got[name] == 0 {
			t.Errorf("%s: not captured as sent", name)
		}
	}
	if _, dropped, err := live.Stats(); err != nil || dropped != 0 {
		t.Errorf("stats: %d dropped, %v", dropped, err)
	}
}

// TestLiveTun captures on a tun interface, whose packets have no link
// layer: raw IP, with the filter reading the IP version from the first
// byte.
func TestLiveTun(t *testing.T) {
	needLive(t)
	name := fmt.Sprintf("sgt%d", os.Getpid()%100000)
	tun, err := os.OpenFile("/dev/net/tun", os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer tun.Close() // removes the interface
	ifr, err := unix.NewIfreq(name)
	if err != nil {
		t.Fatal(err)
	}
	ifr.SetUint16(unix.IFF_TUN | unix.IFF_NO_PI)
	rc, err := tun.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var ierr error
	if err := rc.Control(func(fd uintptr) { ierr = unix.IoctlIfreq(int(fd), unix.TUNSETIFF, ifr) }); err != nil || ierr != nil {
		t.Fatalf("TUNSETIFF: %v %v", err, ierr)
	}
	ipCmd(t, "addr", "add", "198.18.77.1/24", "dev", name)
	ipCmd(t, "link", "set", name, "up")

	const port = 18081
	live, err := OpenLive(LiveOptions{Interface: name, Ports: []uint16{port}})
	if err != nil {
		t.Fatal(err)
	}
	defer live.Close()
	if live.LinkType() != layers.LinkTypeRaw {
		t.Fatalf("link type %v, want raw IP", live.LinkType())
	}
	col := collect(live, nil)

	// Packets arriving on the tun (written to its descriptor).
	in := []struct {
		f    testFrame
		want bool
	}{
		{testFrame{src: "198.18.77.2", dst: "198.18.77.1", sport: 2001, dport: port}, true},
		{testFrame{v6: true, src: "2001:db8::2", dst: "2001:db8::1", sport: 2002, dport: port}, true},
		{testFrame{src: "198.18.77.2", dst: "198.18.77.1", sport: 2003, dport: 9999}, false},
		{testFrame{src: "198.18.77.2", dst: "198.18.77.1", sport: 2004, dport: port, udp: true}, false},
	}
	want := map[string]bool{}
	for _, c := range in {
		pkt := c.f.build(t, true)
		if c.want {
			want[string(pkt)] = true
		}
		if _, err := tun.Write(pkt); err != nil {
			t.Fatal(err)
		}
	}
	// A packet leaving through the tun: the SYN of a connection nobody
	// answers.
	go func() {
		c, err := net.DialTimeout("tcp4", fmt.Sprintf("198.18.77.2:%d", port), 300*time.Millisecond)
		if err == nil {
			c.Close()
		}
	}()
	isSYN := func(p capturedPacket) bool {
		return p.ok && p.flags&2 != 0 && p.dport == port && p.src.Equal(net.ParseIP("198.18.77.1"))
	}
	col.waitFor(t, 5*time.Second, "the injected packets and an outgoing SYN", func(ps []capturedPacket) bool {
		n, syn := 0, false
		for _, p := range ps {
			if want[string(p.rec.data)] {
				n++
			}
			syn = syn || isSYN(p)
		}
		return n >= len(want) && syn
	})
	live.Stop()
	seen := map[string]int{}
	for _, p := range col.finish(t) {
		if p.rec.lt != layers.LinkTypeRaw || !p.ok || (p.sport != port && p.dport != port) {
			t.Errorf("captured %s", gopacket.NewPacket(p.rec.data, p.rec.lt, gopacket.Default))
		}
		if want[string(p.rec.data)] {
			if seen[string(p.rec.data)]++; seen[string(p.rec.data)] > 1 {
				t.Errorf("an injected packet was captured twice")
			}
		}
	}
}

// TestLiveHostsFilter captures on lo with a host filter: only the IPv6
// connection to ::1 is kept, not the one to 127.0.0.1 on the same port.
func TestLiveHostsFilter(t *testing.T) {
	needLive(t)
	ln6, err := net.Listen("tcp6", "[::1]:0")
	if err != nil {
		t.Fatalf("no IPv6 on lo: %v", err)
	}
	port := uint16(ln6.Addr().(*net.TCPAddr).Port)
	ln4, err := net.Listen("tcp4", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		ln6.Close()
		t.Fatalf("port %d on 127.0.0.1: %v", port, err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("hi")) })}
	go srv.Serve(ln6)
	go srv.Serve(ln4)
	defer srv.Close()

	live, err := OpenLive(LiveOptions{Interface: "lo", Hosts: hosts("::1"), Ports: []uint16{port}})
	if err != nil {
		t.Fatal(err)
	}
	defer live.Close()
	col := collect(live, nil)
	for _, host := range []string{"127.0.0.1", "[::1]", "127.0.0.1"} {
		if _, _, err := fetch(fmt.Sprintf("http://%s:%d/", host, port)); err != nil {
			t.Fatal(err)
		}
	}
	col.waitFor(t, 5*time.Second, "both FINs of the IPv6 connection", func(ps []capturedPacket) bool {
		n := 0
		for _, p := range ps {
			if p.flags&1 != 0 {
				n++
			}
		}
		return n >= 2
	})
	time.Sleep(100 * time.Millisecond)
	live.Stop()
	packets := col.finish(t)
	syns := 0
	for _, p := range packets {
		if !p.ok || !p.src.Equal(net.IPv6loopback) || !p.dst.Equal(net.IPv6loopback) {
			t.Errorf("captured a packet not between ::1 and ::1: %s", gopacket.NewPacket(p.rec.data, p.rec.lt, gopacket.Default))
		}
		if p.flags&2 != 0 && p.flags&16 == 0 {
			syns++
		}
	}
	if syns != 1 {
		t.Errorf("%d IPv6 connections captured, want 1", syns)
	}
}

// TestLiveInterfaceRemoved: a capture whose interface goes away ends with
// an error instead of waiting forever.
func TestLiveInterfaceRemoved(t *testing.T) {
	needLive(t)
	a, b := fmt.Sprintf("sgr%da", os.Getpid()%100000), fmt.Sprintf("sgr%db", os.Getpid()%100000)
	ipCmd(t, "link", "add", a, "type", "veth", "peer", "name", b)
	t.Cleanup(func() { exec.Command("ip", "link", "del", a).Run() })
	ipCmd(t, "link", "set", a, "up")
	if _, err := OpenLive(LiveOptions{Interface: b}); err == nil || !strings.Contains(err.Error(), "interface "+b+" is down") {
		t.Errorf("OpenLive on an interface that is down: %v", err)
	}
	live, err := OpenLive(LiveOptions{Interface: a})
	if err != nil {
		t.Fatal(err)
	}
	defer live.Close()
	done := make(chan error, 1)
	go func() {
		for {
			if _, err := live.ReadPacket(); err != nil {
				done <- err
				return
			}
		}
	}()
	time.Sleep(100 * time.Millisecond)
	ipCmd(t, "link", "del", a)
	select {
	case err := <-done:
		var ce *Error
		if !errors.As(err, &ce) || ce.Source != a || !strings.Contains(err.Error(), "the interface went down or away") {
			t.Errorf("ReadPacket after the interface was removed: %v", err)
		}
		if _, again := live.ReadPacket(); again != err {
			t.Errorf("the error does not stick: %v", again)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("ReadPacket still waits 5 s after the interface was removed")
	}
	if _, err := OpenLive(LiveOptions{Interface: a}); !errors.Is(err, ErrNoInterface) {
		t.Errorf("OpenLive on the removed interface: %v", err)
	}
}
