package curltrace

import (
	"bytes"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/segscope/segscope/tlsrec"
)

// The traces in testdata/ were written by curl 8.14.1 and curl 7.88.1
// against nginx 1.22 on loopback by testdata/make.sh (see its header):
// https://segscope.test:18443 (TLS 1.2, ALPN h2), https://segscope.test:18444
// (TLS 1.2, ALPN http/1.1) and http://127.0.0.1:18080, serving big.txt
// (20000 bytes, no NUL) and nul.bin (1000 bytes, a NUL every 9th byte,
// the first at offset 8). The tests check the parsed traces against what
// the script served and against what nginx does (8192-byte DATA frames).

const (
	bigSize = 20000
	nulSize = 1000
)

// The bodies make.sh serves, byte for byte.
var (
	bigBody = strings.Repeat("segscope-0123456789abcdefghijklmnopqrstuvwxyz\n", 435)[:bigSize]
	nulBody = strings.Repeat("segscope\x00", 112)[:nulSize]
)

// ourTraces lists testdata/*.trace.
func ourTraces(t testing.TB) []string {
	files, err := filepath.Glob(filepath.Join("testdata", "*.trace"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no traces in testdata (run testdata/make.sh): %v", err)
	}
	return files
}

func parseOurs(t *testing.T, name string) *Trace {
	t.Helper()
	tr := parseFile(t, filepath.Join("testdata", name+".trace"))
	checkInvariants(t, tr)
	return tr
}

// recvData returns the Recv data events of connection conn (-2: all).
func recvData(tr *Trace, conn int) []Event {
	var out []Event
	for i, e := range tr.Events {
		if e.Kind == RecvData && (conn == -2 || tr.EventConn[i] == conn) {
			out = append(out, e)
		}
	}
	return out
}

// view is body as the trace shows it: --trace-ascii prints every byte
// outside 0x20-0x7E as '.' (the bodies have no CR LF pair).
func view(tr *Trace, body string) string {
	if !tr.ASCII {
		return body
	}
	b := []byte(body)
	for i, c := range b {
		if c < 0x20 || c > 0x7e {
			b[i] = '.'
		}
	}
	return string(b)
}

func sizes(evs []Event) []int {
	var out []int
	for _, e := range evs {
		out = append(out, e.Size)
	}
	return out
}

func sum(xs []int) int {
	n := 0
	for _, x := range xs {
		n += x
	}
	return n
}

// dataFrames returns the lengths of the received DATA frames of a stream.
func dataFrames(tr *Trace, stream uint32) []int {
	var out []int
	for _, e := range tr.Events {
		if f := e.H2Frame; f != nil && f.In && f.Type == FrameData && f.Stream == stream {
			out = append(out, f.Len)
		}
	}
	return out
}

// tcpRecvLens returns the distinct buffer sizes of "[TCP] recv" lines, and
// how many found nothing (EAGAIN).
func tcpRecvLens(tr *Trace) ([]int, int) {
	seen := map[int]bool{}
	again := 0
	for _, e := range tr.Events {
		if r := e.TCPRecv; r != nil {
			seen[r.Len] = true
			if r.Again() {
				again++
			}
		}
	}
	var out []int
	for l := range seen {
		out = append(out, l)
	}
	sort.Ints(out)
	return out, again
}

type wantALPN struct {
	port     uint16
	offered  string
	accepted string
}

func checkALPN(t *testing.T, tr *Trace, want []wantALPN) {
	t.Helper()
	if len(tr.Conns) != len(want) {
		t.Fatalf("%d connections, want %d: %+v", len(tr.Conns), len(want), tr.Conns)
	}
	for i, w := range want {
		c := tr.Conns[i]
		if c.Port != w.port || c.ALPN.Offered != w.offered || c.ALPN.Accepted != w.accepted || c.ALPN.Refused {
			t.Errorf("Conns[%d]: port %d ALPN %+v, want port %d offered %q accepted %q", i, c.Port, c.ALPN, w.port, w.offered, w.accepted)
		}
		if w.accepted != "" && c.ALPN.Line == 0 || c.ALPN.H2() != (w.accepted == "h2") {
			t.Errorf("Conns[%d]: ALPN line %d H2 %v", i, c.ALPN.Line, c.ALPN.H2())
		}
	}
	if w := tr.Conns[0].ALPN.OfferedList(); len(want) > 0 && want[0].offered != "" && !reflect.DeepEqual(w, strings.Split(want[0].offered, ",")) {
		t.Errorf("OfferedList %q", w)
	}
}

// The three connections of make.sh's ALL3/ALL4 runs.
var threeConns = []wantALPN{
	{18443, "h2,http/1.1", "h2"},
	{18444, "h2,http/1.1", "http/1.1"},
	{18080, "", ""},
}

func checkTimes(t *testing.T, tr *Trace, want bool) {
	t.Helper()
	if tr.HasTimes != want {
		t.Errorf("HasTimes %v, want %v", tr.HasTimes, want)
	}
	for _, e := range tr.Events {
		if e.HasTime != want || e.At.Valid() != want {
			t.Fatalf("line %d: HasTime %v At %v", e.Line, e.HasTime, e.At)
		}
		if !want && (e.At != NoTime || e.Time != 0) {
			t.Fatalf("line %d: no --trace-time, but At %v Time %v", e.Line, e.At, e.Time)
		}
	}
}

// h2Sizes814 are curl 8.14's Recv data events for big.txt then nul.bin
// over one h2 connection: one event per DATA chunk of nginx's 8192-byte
// frames, cut where 16384-byte TLS records end (8192, 8174 + 18, 3616),
// then 8.x's empty end-of-stream event per stream.
var h2Sizes814 = []int{8192, 8174, 18, 3616, 0, 1000, 0}

// curl 8.14 --trace-config all: curl#18755 everywhere under 2048 bytes.
func TestCurl814AllBug18755(t *testing.T) {
	for _, name := range []string{"c814-all-hex", "c814-all-time-ascii"} {
		t.Run(name, func(t *testing.T) {
			tr := parseOurs(t, name)
			ascii := strings.Contains(name, "ascii")
			if tr.ASCII != ascii || !tr.HasIDs || tr.InfoStyle != "== Info:" {
				t.Errorf("ASCII %v HasIDs %v InfoStyle %q", tr.ASCII, tr.HasIDs, tr.InfoStyle)
			}
			checkTimes(t, tr, strings.Contains(name, "time"))
			// The first line already shows it: "[0-x] == Info: [0-x] [MULTI] ...".
			if !tr.IDsInData || tr.IDsInDataLine != 1 {
				t.Fatalf("IDsInData %v line %d", tr.IDsInData, tr.IDsInDataLine)
			}
			for _, e := range tr.Events {
				if e.Kind == Info && e.Xfer >= 0 && (e.Inflated != 6 || strings.HasPrefix(e.Text, "[0-") || strings.HasPrefix(e.Text, "[1-") || strings.HasPrefix(e.Text, "[2-") || strings.HasPrefix(e.Text, "[3-")) {
					t.Fatalf("line %d: info text %q, inflated %d", e.Line, e.Text, e.Inflated)
				}
			}
			// Three connections, not six: "[HAPPY-EYEBALLS] Connected to"
			// is a filter's line, not the transfer's connect line.
			checkALPN(t, tr, threeConns)

			// h2: every size settled by the DATA frame lines after the events.
			h2 := recvData(tr, 0)
			if got := sizes(h2); !reflect.DeepEqual(got, h2Sizes814) || sum(got) != bigSize+nulSize {
				t.Errorf("h2 Recv data sizes %v, want %v", got, h2Sizes814)
			}
			for _, e := range h2 {
				if e.SizeLowerBound {
					t.Errorf("line %d: h2 size %d still a lower bound", e.Line, e.Size)
				}
			}
			// 18 bytes of big.txt, under 2048: "[0-0] " + 18 = 24, no NUL.
			if e := h2[2]; e.HeaderSize != 24 || e.Inflated != 6 || e.Cut != NotCut || string(e.Data) != view(tr, bigBody[8192+8174:8192+8192]) {
				t.Errorf("18-byte event: %+v", e)
			}
			// nul.bin: "[0-0] segscope" (14), cut at the NUL after
			// "segscope"; the frame line gives the true 1000.
			if e := h2[5]; e.HeaderSize != 14 || e.Inflated != 6 || e.Cut != CutAtNUL || e.Size != nulSize || string(e.Data) != "segscope" || e.Exact {
				t.Errorf("nul.bin event: %+v", e)
			}
			// 8.x's end-of-stream event: "[0-0] " alone.
			if e := h2[4]; e.HeaderSize != 6 || e.Size != 0 || e.Cut != NotCut || !e.Exact {
				t.Errorf("end-of-stream event: %+v", e)
			}
			if got := dataFrames(tr, 1); !reflect.DeepEqual(got, []int{8192, 8192, 3616}) {
				t.Errorf("stream 1 DATA frames %v", got)
			}
			if got := dataFrames(tr, 3); !reflect.DeepEqual(got, []int{1000}) {
				t.Errorf("stream 3 DATA frames %v", got)
			}

			// TLS http/1.1, nul.bin: cut at its first NUL; curl's
			// "client_write(type=1, len=1000)" line after it gives the
			// true size.
			if got := recvData(tr, 1); len(got) != 1 || got[0].HeaderSize != 14 || got[0].Cut != CutAtNUL || got[0].SizeLowerBound || got[0].Size != nulSize || string(got[0].Data) != "segscope" {
				t.Errorf("http/1.1 nul.bin events %+v", got)
			}
			// Cleartext big.txt: one read of 20000 bytes here, over the
			// limit, untouched.
			if got := recvData(tr, 2); len(got) != 1 || got[0].Size != bigSize || got[0].Inflated != 0 || got[0].Cut != NotCut || string(got[0].Data) != view(tr, bigBody) {
				t.Errorf("cleartext events %v", sizes(got))
			}

			lens, again := tcpRecvLens(tr)
			for _, l := range []int{5, 16408, 102400} {
				if !slices.Contains(lens, l) {
					t.Errorf("TCP recv lengths %v: no %d", lens, l)
				}
			}
			// How many reads found nothing depends on timing: only log.
			t.Logf("TCP recv lengths %v, %d found nothing", lens, again)
			if !ascii {
				checkBug18755TLS(t, tr)
			}
		})
	}
}

// checkBug18755TLS checks the TLS record headers of c814-all-hex: what
// survived of each, and what the NUL after a cut implies.
func checkBug18755TLS(t *testing.T, tr *Trace) {
	t.Helper()
	var first, firstIn, big *Event
	for i := range tr.Events {
		e := &tr.Events[i]
		switch {
		case e.TLSHeader == nil:
		case first == nil:
			first = e
		case e.Kind == RecvSSL && firstIn == nil:
			firstIn = e
		case e.Kind == RecvSSL && e.TLSHeader.Length == 16408 && big == nil:
			big = e
		}
	}
	if first == nil || firstIn == nil || big == nil {
		t.Fatal("TLS headers missing")
	}
	// ClientHello: 16 03 01 02 [00]: 4 bytes survived, the length is 512.
	if h := first.TLSHeader; first.Kind != SendSSL || first.HeaderSize != 10 || first.Size != 5 || first.Cut != CutAtNUL ||
		*h != (TLSHeader{Type: tlsrec.Handshake, Version: 0x0301, Length: 512, LengthKnown: true, LengthMax: 512}) {
		t.Errorf("ClientHello header %+v %+v", first, h)
	}
	// ServerHello: 16 03 03 [00] xx: "Recv SSL data, 9 bytes", the length unknown.
	if h := firstIn.TLSHeader; firstIn.HeaderSize != 9 || firstIn.Size != 5 || firstIn.Cut != CutAtNUL || firstIn.Exact ||
		*h != (TLSHeader{Type: tlsrec.Handshake, Version: 0x0303, LengthMax: 255}) || !bytes.Equal(firstIn.Data, []byte{0x16, 3, 3}) {
		t.Errorf("ServerHello header %+v %+v", firstIn, h)
	}
	// A full TLS 1.2 record: 17 03 03 40 18, no NUL, complete.
	if big.HeaderSize != 11 || big.Cut != NotCut || !big.Exact || big.TLSHeader.Type != tlsrec.ApplicationData {
		t.Errorf("16408-byte record header %+v", big)
	}
	// Handshake messages after their headers: "[0-0] 02" is a ServerHello
	// cut after its type byte.
	for i := range tr.Events {
		e := &tr.Events[i]
		if e.Kind == RecvSSL && e.TLSHeader == nil && e.HeaderSize == 7 && len(e.Data) == 1 && e.Data[0] == 2 {
			if e.Cut != CutAtNUL || !e.SizeLowerBound || e.Size != 2 {
				t.Errorf("ServerHello message %+v", e)
			}
			return
		}
	}
	t.Error("no ServerHello message event")
}

// curl 8.14 with ids but not "all": no curl#18755.
func TestCurl814Components(t *testing.T) {
	tr := parseOurs(t, "c814-ids-h2-time-hex")
	if tr.IDsInData || !tr.HasIDs || tr.ASCII {
		t.Errorf("IDsInData %v HasIDs %v ASCII %v", tr.IDsInData, tr.HasIDs, tr.ASCII)
	}
	checkTimes(t, tr, true)
	checkALPN(t, tr, threeConns[:1])
	evs := recvData(tr, 0)
	if got := sizes(evs); !reflect.DeepEqual(got, h2Sizes814) {
		t.Errorf("Recv data %v, want %v", got, h2Sizes814)
	}
	var body []byte
	for _, e := range evs {
		if !e.Exact || e.Cut != NotCut || e.Inflated != 0 {
			t.Errorf("line %d: %+v", e.Line, e)
		}
		body = append(body, e.Data...)
	}
	if string(body) != bigBody+nulBody {
		t.Error("bodies differ from make.sh's")
	}
	if got := dataFrames(tr, 1); !reflect.DeepEqual(got, []int{8192, 8192, 3616}) {
		t.Errorf("stream 1 DATA frames %v", got)
	}
	// The Recv data line comes before its FRAME line.
	var opened []H2Open
	sawData := false
	for _, e := range tr.Events {
		if e.Kind == RecvData && e.Size == 8192 {
			sawData = true
		}
		if f := e.H2Frame; f != nil && f.Type == FrameData && f.In && f.Stream == 1 && !sawData {
			t.Errorf("line %d: DATA frame before its Recv data", e.Line)
		}
		if e.H2Open != nil {
			opened = append(opened, *e.H2Open)
		}
		if f := e.H2Frame; f != nil && !f.In && f.Type == FrameSettings && f.Stream == 0 && !f.Ack && f.Len != 18 {
			t.Errorf("line %d: SETTINGS %+v", e.Line, f)
		}
	}
	if want := []H2Open{{1, "https://segscope.test:18443/big.txt"}, {3, "https://segscope.test:18443/nul.bin"}}; !reflect.DeepEqual(opened, want) {
		t.Errorf("OPENED %+v", opened)
	}
	lens, _ := tcpRecvLens(tr)
	if !slices.Contains(lens, 5) || !slices.Contains(lens, 16408) {
		t.Errorf("TCP recv lengths %v", lens)
	}
	// SSL reads: 8.14's "cf_recv(len=16384) -> 16384, 0" is nread first.
	found := false
	for _, e := range tr.Events {
		if r := e.SSLRecv; r != nil && r.Func == "cf_recv" && r.NRead == 16384 {
			found = r.Len == 16384 && r.Result == 0 && r.InPending == -1
		}
	}
	if !found {
		t.Error("no cf_recv of 16384 bytes")
	}

	tr = parseOurs(t, "c814-ids-h1-ascii")
	checkTimes(t, tr, false)
	if tr.IDsInData || !tr.ASCII || len(tr.Conns) != 1 || !tr.Conns[0].Reused || tr.Conns[0].ALPN != (ALPN{}) {
		t.Errorf("IDsInData %v ASCII %v Conns %+v", tr.IDsInData, tr.ASCII, tr.Conns)
	}
	if got := sizes(recvData(tr, 0)); !reflect.DeepEqual(got, []int{bigSize, nulSize}) {
		t.Errorf("Recv data %v", got)
	}
	lens, _ = tcpRecvLens(tr)
	if !slices.Contains(lens, 102400) {
		t.Errorf("TCP recv lengths %v: curl 8.14's 100 KB buffer missing", lens)
	}
}

// Plain --trace and --trace-ids on curl 8.14, and curl 7.88: no components,
// ALPN per connection in both orders of lines (7.88 after the connect
// line, 8.x before it).
func TestRealALPNAndBodies(t *testing.T) {
	for _, tc := range []struct {
		name  string
		conns []wantALPN
		ids   bool
	}{
		{"c814-plain-h2-hex", threeConns[:1], false},
		{"c814-traceids-time-ascii", threeConns, true},
		{"c788-time-hex", threeConns, false},
		{"c788-ascii", threeConns, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr := parseOurs(t, tc.name)
			if tr.IDsInData || tr.HasIDs != tc.ids || tr.ASCII != strings.Contains(tc.name, "ascii") {
				t.Errorf("IDsInData %v HasIDs %v ASCII %v", tr.IDsInData, tr.HasIDs, tr.ASCII)
			}
			checkTimes(t, tr, strings.Contains(tc.name, "time"))
			checkALPN(t, tr, tc.conns)
			// Every data event has its connection, the TLS handshake
			// too (8.x traces it before "Connected to").
			for i, e := range tr.Events {
				if e.Kind != Info && tr.EventConn[i] < 0 {
					t.Fatalf("line %d: %v belongs to no connection", e.Line, e.Kind)
				}
			}
			var body []byte
			for _, e := range recvData(tr, -2) {
				body = append(body, e.Data...)
				if e.Cut != NotCut || e.SizeLowerBound || e.HeaderSize != e.Size {
					t.Errorf("line %d: %+v", e.Line, e)
				}
			}
			want := bigBody + nulBody + bigBody
			if len(tc.conns) == 1 {
				want = bigBody + nulBody
				if got := sizes(recvData(tr, 0)); !reflect.DeepEqual(got, h2Sizes814) {
					t.Errorf("Recv data %v", got)
				}
			}
			if string(body) != view(tr, want) {
				t.Errorf("bodies: %d bytes, want %d", len(body), len(want))
			}
			if strings.HasPrefix(tc.name, "c788") {
				// 7.88: one event per TLS record over h2, at most a
				// record's plaintext less two 9-byte frame headers.
				h2 := sizes(recvData(tr, 0))
				if sum(h2) != bigSize || len(h2) != 2 || slices.Max(h2) > 16384-18 {
					t.Errorf("7.88 h2 events %v", h2)
				}
			}
		})
	}
}

// curl 8.17 and later write info lines as "* TEXT". Not installed here:
// a synthetic sample, shaped after the 8.21.0 lines in the spec.
const sample817 = `19:12:39.674367 [0-0] *   Trying 127.0.0.1:8443...
19:12:39.674731 [0-0] * Established connection to localhost (127.0.0.1 port 8443) from 127.0.0.1 port 53152 
19:12:39.674740 [0-0] * ALPN: curl offers h2,http/1.1
19:12:39.674750 [0-0] * ALPN: server accepted h2
19:12:39.674760 [0-0] * [HTTP/2] [1] OPENED stream for https://localhost:8443/x
19:12:39.674770 [0-0] * [HTTP/2] [0] -> FRAME[SETTINGS, len=18]
19:12:39.674780 [0-0] * [TCP] recv(len=102400) -> 0, 1388
19:12:39.674790 [0-0] * [TCP] recv(len=65653) -> 81, 0
19:12:39.674800 [0-0] * [SSL] ossl_recv(len=16384) -> 0, 16384 (in_pending=1)
19:12:39.674810 [0-0] * [HTTP/2] [0] ingress: read 163 bytes
19:12:39.674820 [0-0] <= Recv data, 3 bytes (0x3)
0000: 61 62 00                                        ab.
19:12:39.674830 [0-0] * [HTTP/2] [1] <- FRAME[DATA, len=20, eos=1, padlen=17]
19:12:39.674840 [0-0] * [HTTP/2] [0] <- FRAME[GOAWAY, error=0, reason='a, b', last_stream=1]
19:12:39.674850 [0-0] * [HTTP/2] [1] <- FRAME[RST_STREAM, len=4, flags=0, error=8]
`

func TestInfo817Synthetic(t *testing.T) {
	tr := parseString(t, sample817)
	ev := tr.Events
	if tr.InfoStyle != "*" || tr.IDsInData || !tr.HasTimes {
		t.Errorf("InfoStyle %q IDsInData %v", tr.InfoStyle, tr.IDsInData)
	}
	want := ALPN{Offered: "h2,http/1.1", Accepted: "h2", Line: 4}
	if len(tr.Conns) != 1 || tr.Conns[0].ALPN != want || tr.Conns[0].LocalPort != 53152 {
		t.Errorf("Conns %+v", tr.Conns)
	}
	if o := ev[4].H2Open; o == nil || *o != (H2Open{1, "https://localhost:8443/x"}) {
		t.Errorf("OPENED %+v", o)
	}
	if f := ev[5].H2Frame; f == nil || *f != (H2Frame{Stream: 0, Type: FrameSettings, Len: 18, Flags: -1}) {
		t.Errorf("SETTINGS %+v", f)
	}
	if r := ev[6].TCPRecv; r == nil || *r != (TCPRecv{102400, 0, 1388}) || r.Again() {
		t.Errorf("TCP %+v", r)
	}
	if r := ev[7].TCPRecv; r == nil || *r != (TCPRecv{65653, 81, 0}) || !r.Again() {
		t.Errorf("TCP EAGAIN %+v", r)
	}
	if r := ev[8].SSLRecv; r == nil || *r != (SSLRecv{"ossl_recv", 16384, 0, 16384, 1}) {
		t.Errorf("SSL %+v", r)
	}
	if ev[9].H2Frame != nil || ev[9].H2Open != nil {
		t.Errorf("ingress line taken for a frame: %+v", ev[9])
	}
	if e := ev[10]; e.Size != 3 || e.Cut != NotCut || !e.Exact || string(e.Data) != "ab\x00" {
		t.Errorf("Recv data %+v", e)
	}
	if f := ev[11].H2Frame; f == nil || !f.In || f.Stream != 1 || f.Type != FrameData || f.Len != 20 || !f.EOS || f.PadLen != 17 || f.DataLen() != 3 {
		t.Errorf("DATA %+v", f)
	}
	if f := ev[12].H2Frame; f == nil || f.Type != FrameGoAway || f.LastStream != 1 || f.Len != -1 || f.Type.String() != "GOAWAY" {
		t.Errorf("GOAWAY %+v", f)
	}
	if f := ev[13].H2Frame; f == nil || f.Type != FrameRSTStream || f.ErrorCode != 8 || f.Flags != 0 || f.Len != 4 {
		t.Errorf("RST_STREAM %+v", f)
	}
	if ev[0].At.String() != "19:12:39.674367" || FrameType(42).String() != "FRAME_TYPE_42" || NoTime.String() != "no time" {
		t.Errorf("String: %q %q %q", ev[0].At, FrameType(42), NoTime)
	}
}

// ALPN lines belong to their own connection, in both orders, without ids.
func TestALPNByOrder(t *testing.T) {
	const s = `== Info:   Trying 10.0.0.1:443...
== Info: ALPN: curl offers h2,http/1.1
== Info: ALPN: server accepted h2
== Info: Connected to a (10.0.0.1) port 443
== Info: Connection #0 to host a left intact
== Info:   Trying 10.0.0.2:443...
== Info: Connected to b (10.0.0.2) port 443 (#1)
== Info: ALPN: offers h2,http/1.1
== Info: ALPN: server did not agree on a protocol. Uses default.
== Info:   Trying 10.0.0.3:80...
== Info: Connected to c (10.0.0.3) port 80 (#2)
`
	tr := parseString(t, s)
	want := []ALPN{
		{Offered: "h2,http/1.1", Accepted: "h2", Line: 3},
		{Offered: "h2,http/1.1", Refused: true, Line: 9},
		{},
	}
	if len(tr.Conns) != 3 {
		t.Fatalf("Conns %+v", tr.Conns)
	}
	for i, w := range want {
		if tr.Conns[i].ALPN != w {
			t.Errorf("Conns[%d].ALPN %+v, want %+v", i, tr.Conns[i].ALPN, w)
		}
	}
}
