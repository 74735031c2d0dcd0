package curltrace

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"math/rand"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// curlDump writes one data event the way curl's tool_cb_dbg.c dump() does
// (7.88 to 8.21) and returns the bytes Parse can recover from it: the data
// itself for hex, for ascii the printed characters with the swallowed CR LF
// pairs put back.
func curlDump(b *strings.Builder, prefix, text string, data []byte, ascii bool) []byte {
	width := 16
	if ascii {
		width = 64
	}
	size := len(data)
	fmt.Fprintf(b, "%s%s, %d bytes (0x%x)\n", prefix, text, size, size)
	var rec []byte
	for i := 0; i < size; i += width {
		fmt.Fprintf(b, "%04x: ", i)
		if !ascii {
			for c := 0; c < width; c++ {
				if i+c < size {
					fmt.Fprintf(b, "%02x ", data[i+c])
				} else {
					b.WriteString("   ")
				}
			}
		}
		for c := 0; c < width && i+c < size; c++ {
			if ascii && i+c+1 < size && data[i+c] == 0x0d && data[i+c+1] == 0x0a {
				i += c + 2 - width
				rec = append(rec, '\r', '\n')
				break
			}
			ch := data[i+c]
			if ch < 0x20 || ch >= 0x80 {
				ch = '.'
			}
			b.WriteByte(ch)
			rec = append(rec, ch)
			if ascii && i+c+2 < size && data[i+c+1] == 0x0d && data[i+c+2] == 0x0a {
				i += c + 3 - width
				rec = append(rec, '\r', '\n')
				break
			}
		}
		b.WriteByte('\n')
	}
	if !ascii {
		return data
	}
	return rec
}

func parseString(t *testing.T, s string) *Trace {
	t.Helper()
	tr, err := Parse(strings.NewReader(s), "sample")
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	checkInvariants(t, tr)
	return tr
}

// checkInvariants holds for every Trace Parse returns, with or without an
// error.
func checkInvariants(t testing.TB, tr *Trace) {
	t.Helper()
	if tr == nil {
		t.Fatal("nil Trace")
	}
	if len(tr.EventConn) != len(tr.Events) {
		t.Fatalf("%d EventConn for %d events", len(tr.EventConn), len(tr.Events))
	}
	for i, e := range tr.Events {
		if c := tr.EventConn[i]; c < -1 || c >= len(tr.Conns) {
			t.Fatalf("EventConn[%d] = %d with %d connections", i, c, len(tr.Conns))
		}
		if len(e.Data) > e.Size {
			t.Fatalf("event %d (line %d): %d bytes of data for size %d", i, e.Line, len(e.Data), e.Size)
		}
		if e.Exact && len(e.Data) != e.Size {
			t.Fatalf("event %d: exact with %d of %d bytes", i, len(e.Data), e.Size)
		}
		if e.Kind == Info && (e.Data != nil || e.Size != 0) {
			t.Fatalf("event %d: info with data", i)
		}
		if e.Kind > RecvSSL {
			t.Fatalf("event %d: kind %v", i, e.Kind)
		}
		if i > 0 && e.Line <= tr.Events[i-1].Line {
			t.Fatalf("event %d: line %d after %d", i, e.Line, tr.Events[i-1].Line)
		}
		checkEventFacts(t, tr, i)
	}
	for i, c := range tr.Conns {
		if c.ALPN.Line < 0 || c.ALPN.Line > 0 && c.ALPN.Accepted == "" && !c.ALPN.Refused {
			t.Fatalf("Conns[%d]: ALPN %+v", i, c.ALPN)
		}
	}
	if tr.IDsInData != (tr.IDsInDataLine > 0) {
		t.Fatalf("IDsInData %v at line %d", tr.IDsInData, tr.IDsInDataLine)
	}
}

// checkEventFacts checks the typed facts of event i: time, curl#18755
// marks, and the typed info lines.
func checkEventFacts(t testing.TB, tr *Trace, i int) {
	t.Helper()
	e := tr.Events[i]
	if e.HasTime != e.At.Valid() || e.HasTime && time.Duration(e.At) != e.Time || !e.HasTime && e.Time != 0 {
		t.Fatalf("event %d: HasTime %v Time %v At %v", i, e.HasTime, e.Time, e.At)
	}
	if (e.Inflated != 0 || e.Cut != NotCut || e.SizeLowerBound) && !tr.IDsInData {
		t.Fatalf("event %d: curl#18755 marks (inflated %d, %v, lower bound %v) in a trace without it", i, e.Inflated, e.Cut, e.SizeLowerBound)
	}
	if e.Cut != NotCut && e.Exact || e.SizeLowerBound && e.Cut == NotCut || e.Cut > CutAtNUL || e.Inflated < 0 {
		t.Fatalf("event %d: cut %v exact %v lower bound %v inflated %d", i, e.Cut, e.Exact, e.SizeLowerBound, e.Inflated)
	}
	if e.Kind != Info && e.Cut == NotCut && e.HeaderSize != e.Size+e.Inflated {
		t.Fatalf("event %d: header size %d, size %d + inflated %d", i, e.HeaderSize, e.Size, e.Inflated)
	}
	if e.Kind == Info && (e.HeaderSize != 0 || e.TLSHeader != nil) ||
		e.Kind != Info && (e.TCPRecv != nil || e.SSLRecv != nil || e.H2Frame != nil || e.H2Open != nil || e.Components != nil) {
		t.Fatalf("event %d (%v): facts of the wrong kind", i, e.Kind)
	}
	if h := e.TLSHeader; h != nil && h.ASCII {
		// --trace-ascii: type and version are dots; the length has the
		// bits LengthMask says, within LengthMax.
		if e.Kind != RecvSSL && e.Kind != SendSSL || e.Size != 5 || h.Type != 0 || h.Version != 0 || h.LengthMax > 0x4800 ||
			uint16(h.Length)&^h.LengthMask != 0 || h.LengthKnown != (h.LengthMask == 0xffff) || !h.Fits(h.Length) {
			t.Fatalf("event %d: ASCII TLS header %+v, size %d", i, *h, e.Size)
		}
	} else if h != nil {
		if e.Kind != RecvSSL && e.Kind != SendSSL || e.Size != 5 || h.Type < 20 || h.Type > 24 || h.Version>>8 != 3 ||
			h.LengthKnown && h.Length != h.LengthMax || h.LengthMax > 0xffff || !h.LengthKnown && h.Length != 0 {
			t.Fatalf("event %d: TLS header %+v, size %d", i, *h, e.Size)
		}
	}
	if f := e.H2Frame; f != nil && (f.Type.String() == "" || f.Len < -1 || f.Type == FrameData && f.Len >= 0 && f.DataLen() > f.Len) {
		t.Fatalf("event %d: frame %+v", i, *f)
	}
	if r := e.TCPRecv; r != nil && (r.Len < 0 || r.NRead < 0) {
		t.Fatalf("event %d: TCPRecv %+v", i, *r)
	}
}

// A curl 7.88.1 --trace (hex) trace, as in the spec.
const sample788hex = `== Info:   Trying 127.0.0.1:8080...
== Info: Connected to 127.0.0.1 (127.0.0.1) port 8080 (#0)
=> Send header, 23 bytes (0x17)
0000: 47 45 54 20 2f 73 6d 61 6c 6c 2e 74 78 74 20 48 GET /small.txt H
0010: 2a 2f 2a 0d 0a 0d 0a                            */*....
<= Recv header, 17 bytes (0x11)
0000: 48 54 54 50 2f 31 2e 31 20 32 30 30 20 4f 4b 0d HTTP/1.1 200 OK.
0010: 0a                                              .
<= Recv data, 12 bytes (0xc)
0000: 68 65 6c 6c 6f 20 77 6f 72 6c 64 0a             hello world.
== Info: Connection #0 to host 127.0.0.1 left intact
`

func TestHex788(t *testing.T) {
	tr := parseString(t, sample788hex)
	if tr.ASCII || tr.HasTimes || tr.HasIDs || tr.InfoStyle != "== Info:" {
		t.Errorf("ASCII %v HasTimes %v HasIDs %v InfoStyle %q", tr.ASCII, tr.HasTimes, tr.HasIDs, tr.InfoStyle)
	}
	want := []struct {
		kind Kind
		line int
		size int
		data string
	}{
		{Info, 1, 0, ""},
		{Info, 2, 0, ""},
		{SendHeader, 3, 23, "GET /small.txt H*/*\r\n\r\n"},
		{RecvHeader, 6, 17, "HTTP/1.1 200 OK\r\n"},
		{RecvData, 9, 12, "hello world\n"},
		{Info, 11, 0, ""},
	}
	if len(tr.Events) != len(want) {
		t.Fatalf("%d events", len(tr.Events))
	}
	for i, w := range want {
		e := tr.Events[i]
		if e.Kind != w.kind || e.Line != w.line || e.Size != w.size || string(e.Data) != w.data || e.Exact != (w.kind != Info) || e.Xfer != -1 || e.Conn != -1 || e.HasTime {
			t.Errorf("event %d = %+v, want %+v", i, e, w)
		}
	}
	if tr.Events[0].Text != "  Trying 127.0.0.1:8080..." || tr.Events[0].Components != nil {
		t.Errorf("info text %q components %q", tr.Events[0].Text, tr.Events[0].Components)
	}
	wantConn := Connection{ID: 0, Host: "127.0.0.1", IP: netip.MustParseAddr("127.0.0.1"), Port: 8080, Line: 2}
	if len(tr.Conns) != 1 || tr.Conns[0] != wantConn {
		t.Errorf("Conns %+v", tr.Conns)
	}
	if got := tr.Conns[0].String(); got != "#0 127.0.0.1:8080 (127.0.0.1)" {
		t.Errorf("String() = %q", got)
	}
	if !SendHeader.Sent() || SendHeader.Received() || !RecvSSL.Received() || Info.Sent() || Info.Received() {
		t.Error("Sent/Received")
	}
	if fmt.Sprint(tr.EventConn) != "[-1 0 0 0 0 0]" {
		t.Errorf("EventConn %v", tr.EventConn)
	}
}

// A curl 8.21.0 --trace-ascii --trace-ids --trace-time trace, after the
// spec's sample, with --trace-config components and a second transfer
// reusing the connection. Note the trailing space of the "Established"
// line.
const sample821 = "19:12:39.674367 [0-0] *   Trying 127.0.0.1:8080...\n" +
	"19:12:39.674731 [0-0] * Established connection to 127.0.0.1 (127.0.0.1 port 8080) from 127.0.0.1 port 53152 \n" +
	`19:12:39.674883 [0-0] => Send header, 87 bytes (0x57)
0000: GET /small.txt HTTP/1.1
0019: Host: 127.0.0.1:8080
002f: User-Agent: curl/8.21.0
0048: Accept: */*
0055: 
19:12:39.674909 [0-0] * Request completely sent off
19:12:39.674950 [0-0] * [TCP] recv(len=102400) -> 0, 1388
19:12:39.674951 [0-0] * [TCP] recv(len=65653) -> 81, 0
19:12:39.674960 [0-0] <= Recv header, 17 bytes (0x11)
0000: HTTP/1.1 200 OK
19:12:39.674977 [0-0] <= Recv data, 12 bytes (0xc)
0000: hello world.
19:12:39.675001 [0-0] * [MULTI] [CONNECT] [CPOOL] adding connection #0 to pool
19:12:39.675010 [0-0] * Connection #0 to host 127.0.0.1:8080 left intact
19:12:39.675100 [1-x] * [MULTI] [INIT] -> CONNECT
19:12:39.675110 [1-0] * Reusing existing http: connection with host 127.0.0.1
19:12:39.675120 [1-0] * [HTTP/2] [1] OPENED stream for http://127.0.0.1:8080/
19:12:39.675130 [1-0] * [HTTP/2] [1] [:method: GET]
19:12:39.675200 [1-0] <= Recv data, 0 bytes (0x0)
19:12:39.675300 [1-0] * Connection #0 to host 127.0.0.1:8080 left intact
`

func TestASCII821(t *testing.T) {
	tr := parseString(t, sample821)
	if !tr.ASCII || !tr.HasTimes || !tr.HasIDs || tr.InfoStyle != "*" {
		t.Errorf("ASCII %v HasTimes %v HasIDs %v InfoStyle %q", tr.ASCII, tr.HasTimes, tr.HasIDs, tr.InfoStyle)
	}
	ev := tr.Events
	if len(ev) != 16 {
		t.Fatalf("%d events", len(ev))
	}
	if ev[0].Time != 19*time.Hour+12*time.Minute+39*time.Second+674367*time.Microsecond || ev[0].Xfer != 0 || ev[0].Conn != 0 {
		t.Errorf("event 0: %+v", ev[0])
	}
	if ev[1].Text != "Established connection to 127.0.0.1 (127.0.0.1 port 8080) from 127.0.0.1 port 53152 " {
		t.Errorf("trailing space lost: %q", ev[1].Text)
	}
	hdr := ev[2]
	if hdr.Kind != SendHeader || hdr.Size != 87 || string(hdr.Data) != "GET /small.txt HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: curl/8.21.0\r\nAccept: */*\r\n\r\n" {
		t.Errorf("Send header %q", hdr.Data)
	}
	if hdr.Exact { // "curl/8.21.0" has dots
		t.Error("Send header with '.' marked exact")
	}
	if *ev[4].TCPRecv != (TCPRecv{102400, 0, 1388}) || *ev[5].TCPRecv != (TCPRecv{65653, 81, 0}) || !reflect.DeepEqual(ev[4].Components, []string{"TCP"}) {
		t.Errorf("TCPRecv %+v %+v components %q", ev[4].TCPRecv, ev[5].TCPRecv, ev[4].Components)
	}
	if ev[6].Kind != RecvHeader || string(ev[6].Data) != "HTTP/1.1 200 OK\r\n" || ev[6].Exact {
		t.Errorf("Recv header %+v", ev[6])
	}
	if ev[7].Kind != RecvData || string(ev[7].Data) != "hello world." || ev[7].Exact {
		t.Errorf("Recv data %+v", ev[7])
	}
	if !reflect.DeepEqual(ev[8].Components, []string{"MULTI", "CONNECT", "CPOOL"}) || ev[8].Text != "[MULTI] [CONNECT] [CPOOL] adding connection #0 to pool" || ev[8].TCPRecv != nil {
		t.Errorf("components %q text %q", ev[8].Components, ev[8].Text)
	}
	if ev[10].Xfer != 1 || ev[10].Conn != -1 {
		t.Errorf("[1-x]: xfer %d conn %d", ev[10].Xfer, ev[10].Conn)
	}
	if !reflect.DeepEqual(ev[12].Components, []string{"HTTP/2", "1"}) || !reflect.DeepEqual(ev[13].Components, []string{"HTTP/2", "1"}) {
		t.Errorf("HTTP/2 components %q %q", ev[12].Components, ev[13].Components)
	}
	if e := ev[14]; e.Kind != RecvData || e.Size != 0 || len(e.Data) != 0 || !e.Exact || e.Line != 22 {
		t.Errorf("Recv data, 0 bytes: %+v", e)
	}
	want := Connection{ID: 0, Host: "127.0.0.1", IP: netip.MustParseAddr("127.0.0.1"), Port: 8080,
		LocalIP: netip.MustParseAddr("127.0.0.1"), LocalPort: 53152, Line: 2, Reused: true}
	if len(tr.Conns) != 1 || tr.Conns[0] != want {
		t.Errorf("Conns %+v", tr.Conns)
	}
	// With ids, the ids decide: everything on connection 0 but [1-x].
	for i, c := range tr.EventConn {
		want := 0
		if i == 10 {
			want = -1
		}
		if c != want {
			t.Errorf("EventConn[%d] = %d, want %d", i, c, want)
		}
	}
}

// curl 8.2 to 8.16 (source only): "== Info: " with ids, "Connected to"
// without "#N"; and curl 8.3-8.14's older TCP recv line; and the 8.13-8.16
// bug that repeats the ids inside the info text.
const sample8x = `[0-x] == Info: [0-x] [MULTI] [INIT] -> CONNECT
[0-0] == Info: Connected to localhost (::1) port 8080
[0-0] == Info: [TCP] recv(len=65536) -> 1388, err=0
[0-0] == Info: [TCP] recv(len=65536) -> -1, err=81
[0-0] == Info: [TCP-1] recv(len=16384) -> 0, 100
[0-0] <= Recv data, 3 bytes (0x3)
0000: abc
[0-0] == Info: [SSL] ossl_recv(len=16384) -> 0, 16384 (in_pending=1)
`

func TestInfo8x(t *testing.T) {
	tr := parseString(t, sample8x)
	ev := tr.Events
	if tr.InfoStyle != "== Info:" || !tr.HasIDs || tr.HasTimes {
		t.Errorf("InfoStyle %q HasIDs %v HasTimes %v", tr.InfoStyle, tr.HasIDs, tr.HasTimes)
	}
	// curl#18755: the ids inside the text are taken off, and the trace
	// says it has the bug.
	if !reflect.DeepEqual(ev[0].Components, []string{"MULTI", "INIT"}) || ev[0].Text != "[MULTI] [INIT] -> CONNECT" || ev[0].Inflated != 6 {
		t.Errorf("ids inside the text: components %q text %q inflated %d", ev[0].Components, ev[0].Text, ev[0].Inflated)
	}
	if !tr.IDsInData || tr.IDsInDataLine != 1 {
		t.Errorf("IDsInData %v line %d", tr.IDsInData, tr.IDsInDataLine)
	}
	want := Connection{ID: 0, Host: "localhost", IP: netip.MustParseAddr("::1"), Port: 8080, Line: 2}
	if len(tr.Conns) != 1 || tr.Conns[0] != want {
		t.Errorf("Conns %+v", tr.Conns)
	}
	for i, w := range []TCPRecv{{65536, 0, 1388}, {65536, 81, 0}, {16384, 0, 100}} {
		if r := ev[2+i].TCPRecv; r == nil || *r != w {
			t.Errorf("line %d: TCPRecv %+v, want %+v", ev[2+i].Line, r, w)
		}
	}
	if !reflect.DeepEqual(ev[4].Components, []string{"TCP-1"}) {
		t.Errorf("components %q", ev[4].Components)
	}
	// A short data event of a trace with curl#18755 may have been cut at a
	// NUL: its size is only a lower bound, its bytes not exact.
	if e := ev[5]; string(e.Data) != "abc" || e.Exact || !tr.ASCII || e.Cut != MaybeCut || !e.SizeLowerBound || e.Size != 3 || e.HeaderSize != 3 {
		t.Errorf("Recv data %+v", e)
	}
	if ev[6].TCPRecv != nil || !reflect.DeepEqual(ev[6].Components, []string{"SSL"}) {
		t.Errorf("SSL line: %+v", ev[6])
	}
	if r := ev[6].SSLRecv; r == nil || *r != (SSLRecv{Func: "ossl_recv", Len: 16384, Result: 0, NRead: 16384, InPending: 1}) {
		t.Errorf("SSLRecv %+v", r)
	}
	if fmt.Sprint(tr.EventConn) != "[-1 0 0 0 0 0 0]" {
		t.Errorf("EventConn %v", tr.EventConn)
	}
}

// Without ids: connect, leave intact, re-use by host, close; IPv6 Trying.
func TestConnsWithoutIDs(t *testing.T) {
	s := `* Trying [::1]:8080...
* Connected to localhost (::1) port 8080
<= Recv data, 1 bytes (0x1)
0000: a
* Connection #0 to host localhost left intact
<= Recv data, 1 bytes (0x1)
0000: b
* Re-using existing connection with host localhost
<= Recv data, 1 bytes (0x1)
0000: c
* Closing connection
<= Recv data, 1 bytes (0x1)
0000: d
* Trying 10.0.0.1:80...
* Connected to example (10.0.0.1) port 80
* Closing connection #1
`
	tr := parseString(t, s)
	// After "Closing connection" curl traces that connection's close_notify
	// alerts: what follows is still its own, until the next Trying.
	if fmt.Sprint(tr.EventConn) != "[-1 0 0 0 -1 0 0 0 0 -1 1 1]" {
		t.Errorf("EventConn %v", tr.EventConn)
	}
	if len(tr.Conns) != 2 || !tr.Conns[0].Reused || tr.Conns[1].Reused || tr.Conns[1].ID != 1 || tr.Conns[1].IP != netip.MustParseAddr("10.0.0.1") {
		t.Errorf("Conns %+v", tr.Conns)
	}
	if tr.InfoStyle != "*" {
		t.Errorf("InfoStyle %q", tr.InfoStyle)
	}
}

// Offsets grow past 0xffff ("10000: ") in both formats.
func TestLargeOffsets(t *testing.T) {
	data := make([]byte, 0x10000+20)
	for i := range data {
		data[i] = "0123456789abcdef"[i%16]
	}
	for _, ascii := range []bool{false, true} {
		var b strings.Builder
		want := curlDump(&b, "", "<= Recv data", data, ascii)
		s := b.String()
		if !strings.Contains(s, "\n10000: ") {
			t.Fatalf("ascii %v: no 10000 offset", ascii)
		}
		tr := parseString(t, s)
		e := tr.Events[0]
		if !bytes.Equal(e.Data, want) || !e.Exact || tr.ASCII != ascii {
			t.Errorf("ascii %v: %d bytes, exact %v", ascii, len(e.Data), e.Exact)
		}
	}
	// The literal tail of such a dump.
	s := "<= Recv data, 65540 bytes (0x10004)\n"
	for off := 0; off < 0x10000; off += 64 {
		s += fmt.Sprintf("%04x: %s\n", off, strings.Repeat("x", 64))
	}
	s += "10000: abcd\n"
	tr := parseString(t, s)
	if e := tr.Events[0]; len(e.Data) != 65540 || string(e.Data[65536:]) != "abcd" || !e.Exact {
		t.Errorf("10000 line: %d bytes", len(e.Data))
	}
}

// The --trace-ascii CR LF rules: swallowed pairs, empty lines, a pair at
// the 64th character, a lone CR or LF as '.'.
func TestASCIICRLF(t *testing.T) {
	cases := []string{
		"\r\n",
		"a\r\n",
		"\r\n\r\n",
		"ab\r\n\r\ncd",
		"a\rb\nc\r\r\n",
		strings.Repeat("x", 63) + "\r\n" + "y",
		strings.Repeat("x", 64) + "\r\n" + "y",
		strings.Repeat("x", 62) + "\r\n",
		strings.Repeat("x", 64) + "\r\n",
		strings.Repeat("x", 65) + "\r\n",
		strings.Repeat("x", 128),
		"\x00\x7f\x80\xff.",
	}
	for _, c := range cases {
		var b strings.Builder
		want := curlDump(&b, "", "<= Recv data", []byte(c), true)
		tr, err := Parse(strings.NewReader(b.String()), "crlf")
		if err != nil {
			t.Errorf("%q: %v\n%s", c, err, b.String())
			continue
		}
		e := tr.Events[0]
		if !bytes.Equal(e.Data, want) {
			t.Errorf("%q: got %q want %q", c, e.Data, want)
		}
		if e.Exact != (string(want) == c && !strings.Contains(c, ".")) {
			t.Errorf("%q: exact %v", c, e.Exact)
		}
	}
}

// Random data through curl's dump and back, both formats.
func TestDumpRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	alphabet := []byte("ab.\r\n\x00\x7f\xff ")
	for n := 0; n < 2000; n++ {
		size := rng.Intn(300)
		data := make([]byte, size)
		for i := range data {
			data[i] = alphabet[rng.Intn(len(alphabet))]
		}
		roundTrip(t, data)
	}
}

func roundTrip(t testing.TB, data []byte) {
	t.Helper()
	for _, ascii := range []bool{false, true} {
		var b strings.Builder
		b.WriteString("== Info: before\n")
		want := curlDump(&b, "12:00:00.000001 [3-4] ", "=> Send data", data, ascii)
		b.WriteString("* after\n")
		tr, err := Parse(strings.NewReader(b.String()), "rt")
		if err != nil {
			t.Fatalf("ascii %v %q: %v", ascii, data, err)
		}
		checkInvariants(t, tr)
		if len(tr.Events) != 3 {
			t.Fatalf("%d events", len(tr.Events))
		}
		e := tr.Events[1]
		if e.Kind != SendData || e.Size != len(data) || !bytes.Equal(e.Data, want) || e.Xfer != 3 || e.Conn != 4 {
			t.Fatalf("ascii %v %q: got %q want %q", ascii, data, e.Data, want)
		}
		if len(data) > 0 && tr.ASCII != ascii {
			t.Fatalf("ASCII = %v", tr.ASCII)
		}
		exact := !ascii || bytes.Equal(want, data) && !bytes.Contains(data, []byte("."))
		if e.Exact != exact {
			t.Fatalf("ascii %v %q: exact %v", ascii, data, e.Exact)
		}
	}
}

// Concatenated runs may switch format and info style.
func TestConcatenatedFormats(t *testing.T) {
	var b strings.Builder
	b.WriteString("== Info: Connected to a (10.0.0.1) port 80 (#0)\n")
	curlDump(&b, "", "<= Recv data", []byte("GET 0123456789abcdef"), false)
	b.WriteString("* Connected to b (10.0.0.2) port 81 (#0)\n")
	curlDump(&b, "", "<= Recv data", []byte("hello\r\nworld"), true)
	tr := parseString(t, b.String())
	if tr.ASCII || tr.InfoStyle != "== Info:" {
		t.Errorf("ASCII %v InfoStyle %q: want the first run's", tr.ASCII, tr.InfoStyle)
	}
	if string(tr.Events[1].Data) != "GET 0123456789abcdef" || string(tr.Events[3].Data) != "hello\r\nworld" || !tr.Events[3].Exact {
		t.Errorf("data %q %q", tr.Events[1].Data, tr.Events[3].Data)
	}
	if fmt.Sprint(tr.EventConn) != "[0 0 1 1]" {
		t.Errorf("EventConn %v", tr.EventConn)
	}
}

func TestKindString(t *testing.T) {
	want := []string{"Info", "Send header", "Send data", "Recv header", "Recv data", "Send SSL data", "Recv SSL data", "Kind(7)"}
	for k, w := range want {
		if got := Kind(k).String(); got != w {
			t.Errorf("Kind(%d) = %q, want %q", k, got, w)
		}
	}
}

func TestSniff(t *testing.T) {
	for _, s := range []string{
		"20:44:12.325723 == Info:   Trying 127.0.0.1:8080...\n",
		"== Info: x",
		"* Trying 127.0.0.1:8080...\r\n",
		"19:12:39.674883 [0-0] => Send header, 91 bytes (0x5b)\n0000: GET",
		"<= Recv data, 0 bytes (0x0)\n",
		"\xef\xbb\xbf== Info: with a BOM\n",
	} {
		if !Sniff([]byte(s)) {
			t.Errorf("Sniff(%q) = false", s)
		}
	}
	for _, s := range []string{
		"", "\n", "hello\n", "GET / HTTP/1.1\r\n", "> GET / HTTP/1.1\n",
		"\xd4\xc3\xb2\xa1\x02\x00\x04\x00", "\x0a\x0d\x0d\x0a", "<= Recv data, 5 bytes (0x6)\n",
		"0000: 47 45 54\n", "*Trying\n",
	} {
		if Sniff([]byte(s)) {
			t.Errorf("Sniff(%q) = true", s)
		}
	}
	for _, f := range realTraces(t) {
		b, _ := os.ReadFile(f)
		if !Sniff(b[:512]) {
			t.Errorf("Sniff(%s) = false", filepath.Base(f))
		}
	}
}

func parseErr(t *testing.T, s string) (*Trace, *ParseError) {
	t.Helper()
	tr, err := Parse(strings.NewReader(s), "out.txt")
	if tr == nil {
		t.Fatal("nil Trace with an error")
	}
	checkInvariants(t, tr)
	var pe *ParseError
	if !errors.As(err, &pe) {
		t.Fatalf("error %v (%T), want a *ParseError", err, err)
	}
	if pe.Name != "out.txt" {
		t.Errorf("Name %q", pe.Name)
	}
	return tr, pe
}

func TestNotATrace(t *testing.T) {
	tr, pe := parseErr(t, "hello world\nsecond line\n")
	want := `out.txt: line 1: not a curl trace line: "hello world" (expected an event header, an info line or a dump line)`
	if pe.Error() != want {
		t.Errorf("got  %s\nwant %s", pe.Error(), want)
	}
	if len(tr.Events) != 0 {
		t.Errorf("%d events", len(tr.Events))
	}
	_, pe = parseErr(t, strings.Repeat("x", 200)+"\n")
	if pe.Line != 1 || len(pe.Text) != 80 {
		t.Errorf("line %d text %d bytes", pe.Line, len(pe.Text))
	}
	// A binary file, a capture say.
	_, pe = parseErr(t, "\xd4\xc3\xb2\xa1\x02\x00\x04\x00\x00\x00\x00\x00\n")
	if pe.Line != 1 || !strings.Contains(pe.Error(), `line 1: not a curl trace line: "\xd4`) {
		t.Errorf("%v", pe)
	}
	// A pcapng, whose first byte is a newline, was "a blank line"
	// (review 36).
	_, pe = parseErr(t, "\n\r\r\n\x1c\x00\x00\x00\x4d\x3c\x2b\x1a\x01\x00\x00\x00")
	if pe.Line != 1 || !strings.Contains(pe.Error(), "this is a capture file") {
		t.Errorf("pcapng: %v", pe)
	}
}

func TestVerboseFile(t *testing.T) {
	s := `*   Trying 127.0.0.1:8080...
* Connected to 127.0.0.1 (127.0.0.1) port 8080 (#0)
> GET /small.txt HTTP/1.1
> Host: 127.0.0.1:8080
`
	tr, pe := parseErr(t, s)
	if pe.Line != 3 || pe.Text != "> GET /small.txt HTTP/1.1" || pe.Hint != hintV {
		t.Errorf("%+v", pe)
	}
	if !strings.HasSuffix(pe.Error(), `line 3: not a curl trace line: "> GET /small.txt HTTP/1.1" (this looks like curl -v output (or its progress meter); use --trace FILE or --trace-ascii FILE)`) {
		t.Errorf("%s", pe.Error())
	}
	if len(tr.Events) != 2 || len(tr.Conns) != 1 {
		t.Errorf("%d events %d conns before the error", len(tr.Events), len(tr.Conns))
	}
	// With --trace-time, and the TLS lines of -v.
	_, pe = parseErr(t, "20:44:12.325723 * TLSv1.3 (OUT), TLS handshake, Client hello (1):\n20:44:12.325724 } [512 bytes data]\n")
	if pe.Line != 2 || pe.Hint != hintV {
		t.Errorf("%+v", pe)
	}
}

func TestSizeMismatch(t *testing.T) {
	tr, pe := parseErr(t, "== Info: x\n<= Recv data, 12 bytes (0xd)\n0000: hello world.\n")
	if pe.Line != 2 || !strings.Contains(pe.Error(), "size 12 does not match 0xd") {
		t.Errorf("%v", pe)
	}
	if len(tr.Events) != 1 {
		t.Errorf("%d events", len(tr.Events))
	}
}

func TestBadDumps(t *testing.T) {
	for _, tc := range []struct {
		name, trace string
		line        int
		reason      string
	}{
		{"extra dump line", "<= Recv data, 3 bytes (0x3)\n0000: abc\n0003: def\n", 3, "dump line at offset 0x3 past the 3 bytes of Recv data at line 1"},
		{"dump without header", "== Info: x\n0000: abc\n", 2, "dump line without an event header"},
		{"short dump", "<= Recv data, 6 bytes (0x6)\n0000: abc\n== Info: x\n", 3, "the dump of Recv data at line 1 ends after 3 of its 6 bytes"},
		{"no dump", "<= Recv data, 5 bytes (0x5)\n== Info: x\n", 2, "ends after 0 of its 5 bytes"},
		{"hex offset", "<= Recv data, 40 bytes (0x28)\n" +
			hexRow(0, strings.Repeat("a", 16), "") + hexRow(0x20, "aaaa", ""), 3, "dump offset 0x20, expected 0x10"},
		{"hex short line", "<= Recv data, 20 bytes (0x14)\n" +
			hexRow(0, strings.Repeat("a", 15), ""), 2, "hex dump line with 15 bytes, expected 16"},
		{"hex bad column", "<= Recv data, 18 bytes (0x12)\n" +
			hexRow(0, strings.Repeat("a", 16), "") + hexRow(0x10, "ab", "ax"), 3, "not a --trace hex dump line"},
		{"hex uppercase cell", "<= Recv data, 1 bytes (0x1)\n" +
			hexRow(0, "\xab", "") + "<= Recv data, 1 bytes (0x1)\n" + strings.Replace(hexRow(0, "\xab", ""), "ab", "AB", 1), 4, "not a --trace hex dump line"},
		{"ascii too long", "<= Recv data, 100 bytes (0x64)\n0000: " + strings.Repeat("a", 65) + "\n", 2, "longer than 64"},
		{"ascii offset", "<= Recv data, 100 bytes (0x64)\n0000: abc\n0010: def\n", 3, "dump offset 0x10 does not follow"},
		{"ascii past N", "<= Recv data, 4 bytes (0x4)\n0000: abcdef\n", 2, "dump line goes past the 4 bytes"},
		{"first offset", "<= Recv data, 4 bytes (0x4)\n0002: ab\n", 2, "starts at offset 0x2, not 0000"},
		{"control byte", "<= Recv data, 4 bytes (0x4)\n0000: ab\tc\n", 2, "byte 0x09 in a --trace-ascii dump line"},
		{"blank line", "== Info: x\n\n== Info: y\n", 2, "blank line"},
		{"uppercase hex size", "<= Recv data, 12 bytes (0xC)\n", 1, "not a curl trace line"},
		{"bad time", "25:00:00.000000 == Info: x\n", 1, "not a curl trace line"},
		{"bad ids", "[0-y] == Info: x\n", 1, "not a curl trace line"},
		{"kind direction", "=> Recv data, 1 bytes (0x1)\n", 1, "not a curl trace line"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, pe := parseErr(t, tc.trace)
			if pe.Line != tc.line || !strings.Contains(pe.Reason, tc.reason) {
				t.Errorf("line %d reason %q, want line %d %q", pe.Line, pe.Reason, tc.line, tc.reason)
			}
		})
	}
}

func TestLongLine(t *testing.T) {
	s := "== Info: x\n== Info: " + strings.Repeat("y", maxLine+10) + "\n== Info: z\n"
	tr, pe := parseErr(t, s)
	if pe.Line != 2 || pe.Reason != "line longer than 1 MB" || len(pe.Text) != 80 || len(tr.Events) != 1 {
		t.Errorf("%+v, %d events", pe, len(tr.Events))
	}
	// Exactly 1 MB is fine.
	tr = parseString(t, "== Info: "+strings.Repeat("y", maxLine-9)+"\n")
	if len(tr.Events[0].Text) != maxLine-9 {
		t.Errorf("text %d bytes", len(tr.Events[0].Text))
	}
}

func TestTruncated(t *testing.T) {
	for _, file := range []string{"lo-chunked.trace", "mtu1440-ts.trace"} {
		raw, err := os.ReadFile(filepath.Join(pcaps, file))
		if err != nil {
			t.Fatal(err)
		}
		full := parseFile(t, filepath.Join(pcaps, file))
		// Cut inside the dump of a Recv data in the middle of the file:
		// at a line boundary, and inside a line.
		var ev Event
		for _, e := range full.Events {
			if e.Kind == RecvData && e.Line > 100 {
				ev = e
				break
			}
		}
		start := lineOffset(raw, ev.Line+3) // two dump lines in
		for _, cut := range []int{start, start + 5, start + 20} {
			tr, err := Parse(bytes.NewReader(raw[:cut]), file)
			if !errors.Is(err, ErrTruncated) {
				t.Fatalf("%s cut at %d: error %v", file, cut, err)
			}
			checkInvariants(t, tr)
			msg := err.Error()
			if !strings.HasPrefix(msg, file+": line ") || !strings.Contains(msg, fmt.Sprintf("Recv data at line %d", ev.Line)) {
				t.Errorf("message %q", msg)
			}
			n := len(tr.Events)
			if n == 0 || tr.Events[n-1].Line != ev.Line {
				t.Fatalf("last event at line %d, want %d", tr.Events[n-1].Line, ev.Line)
			}
			for i := 0; i < n-1; i++ {
				if !reflect.DeepEqual(tr.Events[i], full.Events[i]) {
					t.Fatalf("event %d differs from the full parse", i)
				}
			}
			last := tr.Events[n-1]
			if len(last.Data) >= last.Size || last.Exact || !bytes.HasPrefix(ev.Data, last.Data) {
				t.Errorf("cut at %d: last event %d of %d bytes, exact %v", cut, len(last.Data), last.Size, last.Exact)
			}
			if cut == start && len(last.Data) < 32 {
				t.Errorf("cut at a line boundary: only %d bytes", len(last.Data))
			}
		}
	}
	// Cut inside a header line: the events before are complete.
	s := sample788hex[:strings.Index(sample788hex, "<= Recv data")+8]
	tr, err := Parse(strings.NewReader(s), "t")
	if !errors.Is(err, ErrTruncated) || len(tr.Events) != 4 || !tr.Events[3].Exact {
		t.Errorf("cut in a header: %v, %d events", err, len(tr.Events))
	}
	// A header whose dump never came.
	tr, err = Parse(strings.NewReader("<= Recv data, 12 bytes (0xc)\n"), "t")
	if !errors.Is(err, ErrTruncated) || len(tr.Events) != 1 || len(tr.Events[0].Data) != 0 {
		t.Errorf("no dump: %v", err)
	}
	// Cut inside the first hex line of a dump: the complete cells count.
	for cut, want := range map[string]string{
		"0000: 61 62 6":  "ab",
		"0000: 61 62":    "ab",
		"0000: 61":       "a",
		"0000: 6":        "6", // as well an ascii line: taken as one
		"00":             "",
		"0000: 61 62 63": "abc",
	} {
		tr, err := Parse(strings.NewReader("== Info: x\n<= Recv data, 20 bytes (0x14)\n"+cut), "t")
		if !errors.Is(err, ErrTruncated) || string(tr.Events[1].Data) != want || tr.Events[1].Exact {
			t.Errorf("cut %q: %v, data %q", cut, err, tr.Events[1].Data)
		}
	}
	// A missing final newline is not a cut.
	parseString(t, strings.TrimSuffix(sample788hex, "\n"))
	parseString(t, strings.TrimSuffix(sample821, "\n"))
	parseString(t, "<= Recv data, 3 bytes (0x3)\n0000: abc")
	if tr := parseString(t, "<= Recv data, 8 bytes (0x8)\n0000: 61 62 63"); string(tr.Events[0].Data) != "61 62 63" || !tr.ASCII {
		t.Errorf("complete ascii dump without a newline: %q", tr.Events[0].Data)
	}
}

// hexRow is one --trace dump line of data at off; column replaces the
// ASCII column when not empty.
func hexRow(off int, data, column string) string {
	var cells strings.Builder
	for i := 0; i < 16; i++ {
		if i < len(data) {
			fmt.Fprintf(&cells, "%02x ", data[i])
		} else {
			cells.WriteString("   ")
		}
	}
	if column == "" {
		for _, c := range []byte(data) {
			if c < 0x20 || c >= 0x80 {
				c = '.'
			}
			column += string(rune(c))
		}
	}
	return fmt.Sprintf("%04x: %s%s\n", off, cells.String(), column)
}

// lineOffset is the byte offset where 1-based line n starts.
func lineOffset(b []byte, n int) int {
	off := 0
	for i := 1; i < n; i++ {
		off += bytes.IndexByte(b[off:], '\n') + 1
	}
	return off
}

type failReader struct{ n int }

func (r *failReader) Read(p []byte) (int, error) {
	if r.n > 0 {
		r.n = 0
		return copy(p, "== Info: x\n"), nil
	}
	return 0, io.ErrUnexpectedEOF
}

func TestReadError(t *testing.T) {
	tr, err := Parse(&failReader{n: 1}, "r")
	var pe *ParseError
	if !errors.Is(err, io.ErrUnexpectedEOF) || errors.As(err, &pe) || len(tr.Events) != 1 {
		t.Errorf("%v, %d events", err, len(tr.Events))
	}
}

func TestCRLFFile(t *testing.T) {
	tr := parseString(t, strings.ReplaceAll(sample821, "\n", "\r\n"))
	ref := parseString(t, sample821)
	if !reflect.DeepEqual(tr.Events, ref.Events) {
		t.Error("a CRLF file parses differently")
	}
}

// The info lines that name connections, across curl versions.
func TestConnectLines(t *testing.T) {
	for _, tc := range []struct {
		msg  string
		ok   bool
		want Connection
	}{
		{"Connected to 127.0.0.1 (127.0.0.1) port 8080 (#0)", true, Connection{ID: 0, Host: "127.0.0.1", IP: netip.MustParseAddr("127.0.0.1"), Port: 8080}},
		{"Connected to fd00:5e9::1 (fd00:5e9::1) port 8080 (#12)", true, Connection{ID: 12, Host: "fd00:5e9::1", IP: netip.MustParseAddr("fd00:5e9::1"), Port: 8080}},
		{"Connected to segscope.test (10.200.1.1) port 8443", true, Connection{ID: -1, Host: "segscope.test", IP: netip.MustParseAddr("10.200.1.1"), Port: 8443}},
		{"Connected to h (fe80::1%eth0) port 80", true, Connection{ID: -1, Host: "h", IP: netip.MustParseAddr("fe80::1%eth0"), Port: 80}},
		{"Established connection to h (::1 port 443) from ::1 port 40000 ", true, Connection{ID: -1, Host: "h", IP: netip.MustParseAddr("::1"), Port: 443, LocalIP: netip.MustParseAddr("::1"), LocalPort: 40000}},
		{"Established connection to h (10.0.0.1 port 80)", true, Connection{ID: -1, Host: "h", IP: netip.MustParseAddr("10.0.0.1"), Port: 80}},
		{"Connected to localhost (/tmp/u.sock) port 80 (#0)", true, Connection{ID: 0, Host: "localhost", Unix: "/tmp/u.sock", Port: 80}},
		{"Connected to localhost (@abstract) port 0", true, Connection{ID: -1, Host: "localhost", Unix: "@abstract"}},
		{"Connected to h (not-an-address) port 80", true, Connection{ID: -1, Host: "h", Port: 80}},
		{"Connected to h (10.0.0.1) port 99999", false, Connection{}},
		{"Connected to h (10.0.0.1)", false, Connection{}},
		{"Connected to (10.0.0.1) port 80", false, Connection{}},
		{"Established connection to h (10.0.0.1)", false, Connection{}},
		{"Connection #0 to host h left intact", false, Connection{}},
	} {
		got, ok := parseConnect(tc.msg)
		if ok != tc.ok || ok && got != tc.want {
			t.Errorf("%q: %+v %v, want %+v %v", tc.msg, got, ok, tc.want, tc.ok)
		}
	}
	for _, tc := range []struct {
		msg  string
		id   int
		host string
		ok   bool
	}{
		{"Re-using existing connection #1 with host 127.0.0.1", 1, "127.0.0.1", true},
		{"Re-using existing connection! (#0) with host localhost", 0, "localhost", true},
		{"Re-using existing connection with host example.com", -1, "example.com", true},
		{"Reusing existing https: connection with host segscope.test", -1, "segscope.test", true},
		{"Re-using existing connection #2 with proxy p", 2, "p", true},
		{"Re-using existing stuff", 0, "", false},
	} {
		id, host, ok := parseReuse(tc.msg)
		if ok != tc.ok || ok && (id != tc.id || host != tc.host) {
			t.Errorf("%q: %d %q %v", tc.msg, id, host, ok)
		}
	}
	for _, tc := range []struct {
		msg string
		id  int
		ok  bool
	}{
		{"Connection #0 to host 127.0.0.1 left intact", 0, true},
		{"Connection #3 to host 127.0.0.1:8080 left intact", 3, true},
		{"Connection #x to host h left intact", -1, true},
		{"Connection #0 is still name resolving", 0, false},
		{"Closing connection", -1, true},
		{"Closing connection 1", 1, true},
		{"Closing connection #4", 4, true},
		{"closing connection #5", 5, true},
		{"Closing connection pool", 0, false},
		{"Closing connections", 0, false},
	} {
		id, ok := endsConn(tc.msg)
		if ok != tc.ok || ok && id != tc.id {
			t.Errorf("%q: %d %v", tc.msg, id, ok)
		}
	}
	for _, tc := range []struct {
		msg string
		ok  bool
		r   TCPRecv
	}{
		{"recv(len=102400) -> 0, 1388", true, TCPRecv{102400, 0, 1388}},
		{"recv(len=65536) -> 1388, err=0", true, TCPRecv{65536, 0, 1388}},
		{"recv(len=65536) -> -1, err=81", true, TCPRecv{65536, 81, 0}},
		{"recv(len=65536) -> -1, 81", false, TCPRecv{}},
		{"recv(len=65536) -> 0, 1388 ", false, TCPRecv{}},
		{"recv(len=) -> 0, 1", false, TCPRecv{}},
		{"recv(len=1) -> 0", false, TCPRecv{}},
		{"send(len=1) -> 0, 1", false, TCPRecv{}},
	} {
		r, ok := parseTCPRecv(tc.msg)
		if ok != tc.ok || ok && r != tc.r {
			t.Errorf("%q: %+v %v", tc.msg, r, ok)
		}
	}
	// Only under a TCP component.
	if _, r := parseComponents("[UDP] recv(len=1) -> 0, 1"); r != nil {
		t.Error("TCPRecv from a UDP line")
	}
	if tags, r := parseComponents("recv(len=1) -> 0, 1"); r != nil || tags != nil {
		t.Error("TCPRecv without a component")
	}
	// An IP the connect line does not give comes from the Trying line.
	tr := parseString(t, "* Trying 10.1.2.3:80...\n* Connected to h (not-an-ip) port 80\n")
	if tr.Conns[0].IP != netip.MustParseAddr("10.1.2.3") {
		t.Errorf("IP %v", tr.Conns[0].IP)
	}
}

// TestBodyInTrace: `curl --trace - URL > f` puts the body between the
// trace's lines: the first binary line is named as that, not only as "not
// a curl trace line", and what came before it is kept.
func TestBodyInTrace(t *testing.T) {
	s := "== Info:   Trying 127.0.0.1:8080...\n" +
		"== Info: Connected to 127.0.0.1 (127.0.0.1) port 8080 (#0)\n" +
		"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03\xed\xbd\x07`\x1cI\x96%&/m\xca{\x7fJ\xf5J\xd7\xe0t\xa1\x08\x80`\x13$\xd8\x90@\x10\xec\xc1\x88\xcd\xe6\x92\xec\x1diG#)\xab*\x81\xcaeVe]f\x16@\xcc\xed\x9d\xbc\xf7\xde{\xef\xbd\xf7\xde\n"
	tr, pe := parseErr(t, s)
	if pe.Line != 3 || pe.Hint != hintBinary || len(tr.Events) != 2 {
		t.Errorf("line %d, hint %q, %d events before it", pe.Line, pe.Hint, len(tr.Events))
	}
	// A line of text that is not the trace's keeps the general hint.
	_, pe = parseErr(t, "== Info:   Trying 127.0.0.1:8080...\nhello world\n")
	if pe.Hint != hintLine {
		t.Errorf("text line: hint %q", pe.Hint)
	}
}

// TestHappyEyeballsLocalPort: curl 8 tries ::1 and 127.0.0.1 under one
// connection id, each with its "[TCP] local address" line; the connect
// line's address picks the winner's port (the last line's had won, and a
// match by that port excluded the right capture connection; code review).
func TestHappyEyeballsLocalPort(t *testing.T) {
	const p = "[0-0] "
	tr := "10:00:00.000001 " + p + "== Info:   Trying [::1]:3128...\n" +
		"10:00:00.000002 " + p + "== Info: [TCP] local address ::1 port 50000...\n" +
		"10:00:00.200001 " + p + "== Info:   Trying 127.0.0.1:3128...\n" +
		"10:00:00.200002 " + p + "== Info: [TCP] local address 127.0.0.1 port 50002...\n" +
		"10:00:00.300003 " + p + "== Info: Connected to localhost (::1) port 3128\n"
	x, err := Parse(strings.NewReader(tr), "t")
	if err != nil {
		t.Fatal(err)
	}
	if len(x.Conns) != 1 || x.Conns[0].LocalPort != 50000 || x.Conns[0].IP.String() != "::1" {
		t.Errorf("connections %+v", x.Conns)
	}
}

// TestASCIIHeaderHighDot: --trace-ascii prints a record length's high byte
// 0x2e as '.', like any byte below 0x20: "....e" is 0x0065-0x1f65 or
// 0x2e65 (review 23: an 11877-byte record, 0x2e65, of a Go server's, fit
// no header and was left unplaced).
func TestASCIIHeaderHighDot(t *testing.T) {
	h, ok := asciiHeader([]byte("....e"))
	if !ok || !h.HighDot || h.LengthKnown {
		t.Fatalf("%+v %v", h, ok)
	}
	for n, want := range map[int]bool{0x2e65: true, 0x1f65: true, 0x65: true, 0x2065: false, 0x2d65: false, 0x2f65: false, 0x2e66: false} {
		if h.Fits(n) != want {
			t.Errorf("Fits(%#x) = %v, want %v", n, !want, want)
		}
	}
	if h, _ := asciiHeader([]byte("...@.")); h.HighDot || !h.Fits(0x4011) || h.Fits(0x3f11) {
		t.Errorf("...@.: %+v", h)
	}
}

// TestBadDumpLineDropsItsEvent: a dump line that does not fit its event's
// header (review 24: "Recv data, 4294967296 bytes" over a 2776-byte dump)
// ends the parse with an error naming it, and the event is not kept: its
// size and bytes disagree, so nothing may be explained from it.
func TestBadDumpLineDropsItsEvent(t *testing.T) {
	in := "== Info: Connected to 127.0.0.1 (127.0.0.1) port 80 (#0)\n" +
		"<= Recv data, 1000000000 bytes (0x3b9aca00)\n" +
		hexRow(0, strings.Repeat("a", 16), "") +
		hexRow(0x10, strings.Repeat("b", 8), "")
	tr, err := Parse(strings.NewReader(in), "big.trace")
	var pe *ParseError
	if !errors.As(err, &pe) || pe.Line != 4 || !strings.Contains(pe.Reason, "expected 16") {
		t.Fatalf("error %v", err)
	}
	for _, e := range tr.Events {
		if e.Kind == RecvData {
			t.Errorf("the damaged event was kept: %+v", e)
		}
	}
	if len(tr.Events) != 1 || len(tr.EventConn) != 1 {
		t.Errorf("%d events, %d attributions", len(tr.Events), len(tr.EventConn))
	}
}

// TestBodyBetweenEvents: curl --trace - without -o writes the body into
// the trace's stream after each Recv event, its last bytes without a
// newline before the next header. Those lines are skipped (Skipped), with
// their blank and overlong lines, and the header after them is read.
func TestBodyBetweenEvents(t *testing.T) {
	head := "== Info: Connected to h (127.0.0.1) port 80 (#0)\n" +
		"<= Recv data, 3 bytes (0x3)\n0000: abc\n"
	for _, tc := range []struct {
		name, body, next string
		skipped          []LineSpan
		lastLine         int
	}{
		{"glued", "abc", "<= Recv data, 2 bytes (0x2)\n0000: de\n", []LineSpan{{4, 4}}, 4},
		{"glued after time and ids", "ab\ncd12:", "12:00:00.000001 [0-0] == Info: Connection #0 to host h left intact\n", []LineSpan{{4, 5}}, 5},
		{"own lines, a blank one", "x\n\n> quoted\n", "== Info: Closing connection 0\n", []LineSpan{{4, 6}}, 7},
		{"overlong", strings.Repeat("y", maxLine+5) + "\nz\n", "== Info: Closing connection 0\n", []LineSpan{{4, 5}}, 6},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr := parseString(t, head+tc.body+tc.next)
			if !reflect.DeepEqual(tr.Skipped, tc.skipped) {
				t.Errorf("skipped %v, want %v", tr.Skipped, tc.skipped)
			}
			last := tr.Events[len(tr.Events)-1]
			if len(tr.Events) != 3 || last.Line != tc.lastLine || len(tr.Events[1].Data) != 3 {
				t.Errorf("%d events, the last at line %d, want 3 and line %d", len(tr.Events), last.Line, tc.lastLine)
			}
		})
	}
	// Before any Recv header or data nothing is skipped: a file that is
	// not a trace, or curl -v output, is an error at its first odd line.
	if _, pe := parseErr(t, "== Info: x\nhello\n"); pe.Line != 2 {
		t.Errorf("line %d", pe.Line)
	}
	// A dump line past its event is an error still, and so is a header
	// the file ends in after the body.
	if _, pe := parseErr(t, head+"0040: abc\n"); pe.Line != 4 || !strings.Contains(pe.Reason, "past the 3 bytes") {
		t.Errorf("%+v", pe)
	}
	tr, err := Parse(strings.NewReader(head+"body\n<= Recv da"), "t")
	if !errors.Is(err, ErrTruncated) || len(tr.Events) != 2 || !reflect.DeepEqual(tr.Skipped, []LineSpan{{4, 4}}) {
		t.Errorf("cut header after the body: %v, %d events, skipped %v", err, len(tr.Events), tr.Skipped)
	}
}

// TestCutHead: the last line of a file, without its newline, is a header
// cut short only when it is one, whole or in part; a body ending in
// base64's "==" is text (it was taken for a cut header: "trace cut short").
func TestCutHead(t *testing.T) {
	for line, want := range map[string]bool{
		"<":                           true,
		"=":                           true,
		"==":                          true,
		"== In":                       true,
		"<= Recv da":                  true,
		"=> Send data, 12":            true,
		"12:":                         true,
		"12:34:56.78":                 true,
		"12:34:56.789012 ":            true,
		"12:34:56.789012 [0-":         true,
		"12:34:56.789012 [0-0] <= Re": true,
		"[0-x] == Info":               true,
		"some body text<= Recv da":    true,
		"aGVsbG8gd29ybGQ==":           false,
		"key=value&other==":           false,
		"a => b":                      true, // a marker with its space: cannot tell it from a glued header
		"plain text":                  false,
		"12 bytes":                    false,
		"[note]":                      false,
	} {
		if got := cutHead([]byte(line)); got != want {
			t.Errorf("cutHead(%q) = %v, want %v", line, got, want)
		}
	}
	// A body written between the events whose bytes are not the read's
	// (curl writes a chunked body decoded), ending the file in "==".
	s := "== Info: x\n<= Recv header, 4 bytes (0x4)\n0000: 48 54 54 50                                     HTTP\n" +
		"<= Recv data, 3 bytes (0x3)\n0000: 61 62 63                                        abc\nZm9vYmFy=="
	tr, err := Parse(strings.NewReader(s), "t")
	if err != nil || len(tr.Events) != 3 || len(tr.Skipped) != 1 || tr.Skipped[0] != (LineSpan{First: 6, Last: 6}) {
		t.Errorf("body ending in ==: %v, %d events, skipped %v", err, len(tr.Events), tr.Skipped)
	}
}

// TestGzipCutShort: a gzip'd trace cut in half is named as such, and what
// was read before is kept (review 32: "reading line 3417: unexpected EOF").
func TestGzipCutShort(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(pcaps, "mtu1440-ts.trace"))
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	zw.Write(raw)
	zw.Close()
	tr, err := Parse(bytes.NewReader(b.Bytes()[:b.Len()/2]), "t.gz")
	if !errors.Is(err, ErrTruncated) || !strings.Contains(err.Error(), "the gzip stream ends early") || len(tr.Events) < 2 {
		t.Errorf("%v, %d events", err, len(tr.Events))
	}
}

// TestLooksLikeTrace: a trace's first bytes, with or without time and ids,
// as a kept trace.txt or a trace given as a capture begins.
func TestLooksLikeTrace(t *testing.T) {
	for head, want := range map[string]bool{
		"== Info:   Trying 127.0.0.1:8080...":                   true,
		"12:34:56.789012 == Info:   Trying":                     true,
		"12:34:56.789012 [0-0] => Send header, 85 bytes (0x55)": true,
		"<= Recv data, 3 bytes (0x3)":                           true,
		"my notes":                                              false,
		"\xd4\xc3\xb2\xa1\x02\x00":                              false,
		"":                                                      false,
	} {
		if got := LooksLikeTrace([]byte(head)); got != want {
			t.Errorf("LooksLikeTrace(%q) = %v, want %v", head, got, want)
		}
	}
}

// TestReuseCheckReadsWithoutIDs: curl 7 reads what the server sent on a
// connection it is about to reuse (an HTTP/2 frame ending the last
// stream) before its "Re-using existing connection" line: those TLS
// events are that connection's (review 39); a body byte there, or TLS
// events before a new connection's Trying line, are not.
func TestReuseCheckReadsWithoutIDs(t *testing.T) {
	s := `* Trying 127.0.0.1:443...
* Connected to localhost (127.0.0.1) port 443 (#0)
<= Recv data, 1 bytes (0x1)
0000: a
* Connection #0 to host localhost left intact
* Found bundle for host: 0x5596ced5ac90 [can multiplex]
<= Recv SSL data, 5 bytes (0x5)
0000: 17 03 03 00 1a                                  .....
=> Send SSL data, 5 bytes (0x5)
0000: 17 03 03 00 1e                                  .....
<= Recv data, 1 bytes (0x1)
0000: b
* Re-using existing connection #0 with host localhost
* Connection #0 to host localhost left intact
<= Recv SSL data, 5 bytes (0x5)
0000: 17 03 03 00 1a                                  .....
* Trying 10.0.0.1:443...
* Connected to example (10.0.0.1) port 443 (#1)
`
	tr := parseString(t, s)
	if fmt.Sprint(tr.EventConn) != "[-1 0 0 0 -1 0 0 -1 0 0 -1 -1 1]" {
		t.Errorf("EventConn %v", tr.EventConn)
	}
}
