package curltrace

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The real traces in ../pcaps were written by curl 7.88.1 with
// --trace-time and --trace or --trace-ascii while tcpdump captured the
// same transfer; ../pcaps/expected/NAME.json holds what tshark found in the
// capture. These tests check the parsed traces against those capture
// facts, which the parser never sees.

const pcaps = "../pcaps"

// expected is the part of pcaps/expected/NAME.json these tests use.
type expected struct {
	BodySHA256  string `json:"body_sha256"`
	Bodies      []body `json:"bodies"`
	ReqBodies   []body `json:"request_bodies"`
	Truncated   bool   `json:"truncated"`
	Connections []struct {
		Client string `json:"client"`
		Server string `json:"server"`
		C2S    struct {
			Payload int `json:"payload_bytes"`
		} `json:"client_to_server"`
		S2C struct {
			Payload       int `json:"payload_bytes"`
			Retransmitted int `json:"retransmitted_segments"`
		} `json:"server_to_client"`
		HTTP []struct {
			Method   string `json:"method"`
			URI      string `json:"uri"`
			Status   *int   `json:"status"`
			Interim  []int  `json:"interim_statuses"`
			FileData *int   `json:"file_data_len"`
		} `json:"http"`
		TLS *struct {
			C2S []tlsRecord `json:"client_to_server"`
			S2C []tlsRecord `json:"server_to_client"`
		} `json:"tls"`
	} `json:"connections"`
}

type body struct {
	Path   string `json:"path"`
	SHA256 string `json:"sha256"`
	Bytes  int    `json:"bytes"`
}

type tlsRecord struct {
	Type   int `json:"type"`
	Length int `json:"length"`
}

// captureOf finds a trace's capture by its expected JSON in
// pcaps/expected (NAME.pcap.json, NAME.pcapng.json).
func captureOf(name string) (string, bool) {
	m, _ := filepath.Glob(filepath.Join(pcaps, "expected", name+".pcap*.json"))
	if len(m) != 1 {
		return "", false
	}
	return strings.TrimSuffix(filepath.Base(m[0]), ".json"), true
}

// curl8Traces were made with curl 8.14 (the others with 7.88), and
// noTimeTraces without --trace-time (pcaps/README.md).
var (
	curl8Traces = map[string]bool{
		"h2-tls12-curl8": true, "h2-tls13-curl8": true, "h2-tls13-curl8-all": true, "h2-tls13-snap200": true,
		"h2-tls13-snap96": true, "mtu1400-curl8": true, "python-server": true, "limit-rate-curl8": true, "notime-curl8": true,
		"earlydata-tls13-curl8": true,
	}
	noTimeTraces = map[string]bool{"h2-tls13-notime": true, "notime-curl8": true, "notime-curl788": true}
)

// asciiTraces are the traces pcaps/README.md says were made with
// --trace-ascii (the others with --trace).
var asciiTraces = map[string]bool{
	"any-sll2": true, "limit-rate": true, "lo-chunked": true, "lo-http": true,
	"mixed-linktypes": true, "nanosecond": true, "snaplen96": true,
	"ipv6-mtu1280": true, "limit-rate-curl8": true, "mtu1400-curl8": true, "notime-curl788": true,
	"notime-curl8": true, "paced-chunked": true, "python-server": true, "tbf-offloads-on": true,
	"truncated": true, "vlan-qinq": true,
}

// bodySizes are the sizes of the files make.sh serves.
var bodySizes = map[string]int{
	"/1m.bin": 1048576, "/256k.bin": 262144, "/100k.bin": 102400,
	"/32k.bin": 32768, "/small.txt": 256,
}

// makeBody is make.sh's make_body: printable 64-byte lines
// "NAME %08d " + a rotated alphabet + "\n", cut to size.
func makeBody(name string, size int) []byte {
	const alpha = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	var out []byte
	for n := 0; len(out) < size; n++ {
		head := fmt.Sprintf("%s %08d ", name, n)
		k := n % len(alpha)
		fill := strings.Repeat(alpha[k:]+alpha[:k], 2)
		out = append(out, head+fill[:63-len(head)]+"\n"...)
	}
	return out[:size]
}

// asciiView is what --trace-ascii shows of b and Parse recovers: bytes
// outside 0x20-0x7E as '.', CR LF pairs kept.
func asciiView(b []byte) []byte {
	out := make([]byte, len(b))
	for i, c := range b {
		switch {
		case c == '\r' && i+1 < len(b) && b[i+1] == '\n', c == '\n' && i > 0 && b[i-1] == '\r':
			out[i] = c
		case c < 0x20 || c >= 0x80:
			out[i] = '.'
		default:
			out[i] = c
		}
	}
	return out
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func parseFile(t testing.TB, file string) *Trace {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tr, err := Parse(f, filepath.Base(file))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return tr
}

func realTraces(t testing.TB) []string {
	files, err := filepath.Glob(filepath.Join(pcaps, "*.trace"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no traces in %s: %v", pcaps, err)
	}
	return files
}

// dechunk decodes a chunked body (no trailers).
func dechunk(t *testing.T, b []byte) []byte {
	t.Helper()
	var out []byte
	for {
		i := bytes.Index(b, []byte("\r\n"))
		if i < 0 {
			t.Fatalf("chunk size line without CRLF: %q", b[:min(len(b), 20)])
		}
		n, err := strconv.ParseInt(string(b[:i]), 16, 32)
		if err != nil {
			t.Fatalf("chunk size %q: %v", b[:i], err)
		}
		b = b[i+2:]
		if n == 0 {
			if string(b) != "\r\n" {
				t.Fatalf("after the last chunk: %q", b)
			}
			return out
		}
		out = append(out, b[:n]...)
		if string(b[n:n+2]) != "\r\n" {
			t.Fatalf("chunk not followed by CRLF")
		}
		b = b[n+2:]
	}
}

func TestRealTraces(t *testing.T) {
	for _, file := range realTraces(t) {
		name := strings.TrimSuffix(filepath.Base(file), ".trace")
		t.Run(name, func(t *testing.T) {
			cap, ok := captureOf(name)
			if !ok {
				t.Fatalf("no capture known for %s: add it to captureOf", name)
			}
			raw, err := os.ReadFile(filepath.Join(pcaps, "expected", cap+".json"))
			if err != nil {
				t.Fatal(err)
			}
			var exp expected
			if err := json.Unmarshal(raw, &exp); err != nil {
				t.Fatal(err)
			}
			tr := parseFile(t, file)
			checkReal(t, name, tr, &exp)
		})
	}
}

// checkReal checks what holds for every real trace.
func checkReal(t *testing.T, name string, tr *Trace, exp *expected) {
	if tr.ASCII != asciiTraces[name] {
		t.Errorf("ASCII = %v, README says %v", tr.ASCII, asciiTraces[name])
	}
	// The 8.14 traces with ids: --trace-config all, or ids,tcp (the
	// README lists each trace's options).
	wantIDs := name == "h2-tls13-curl8-all" || name == "mtu1400-curl8"
	// The curl version comes from the trace's User-Agent.
	if want := map[bool]int{true: 8, false: 7}[curl8Traces[name]]; tr.Curl.Known() && tr.Curl.Major != want {
		t.Errorf("curl %v; pcaps/README.md says curl %d", tr.Curl, want)
	}
	if tr.InfoStyle != "== Info:" || tr.HasTimes == noTimeTraces[name] || tr.HasIDs != wantIDs {
		t.Errorf("InfoStyle %q HasTimes %v HasIDs %v; want == Info:, times %v, ids %v", tr.InfoStyle, tr.HasTimes, tr.HasIDs, !noTimeTraces[name], wantIDs)
	}
	if tr.IDsInData != (name == "h2-tls13-curl8-all") {
		t.Errorf("IDsInData %v: only curl 8.14 with --trace-config all has curl#18755 here", tr.IDsInData)
	}
	if len(tr.EventConn) != len(tr.Events) {
		t.Fatalf("%d EventConn for %d events", len(tr.EventConn), len(tr.Events))
	}

	// Connections: one per capture connection, same server address, in
	// capture order.
	if len(tr.Conns) != len(exp.Connections) {
		t.Fatalf("%d connections, the capture has %d", len(tr.Conns), len(exp.Connections))
	}
	for i, c := range tr.Conns {
		want := netip.MustParseAddrPort(exp.Connections[i].Server)
		if got := netip.AddrPortFrom(c.IP, c.Port); got != want {
			t.Errorf("Conns[%d] = %v, capture server %v", i, got, want)
		}
		// curl 8.16 names the local address on its connect line, and
		// curl 8.3 on with --trace-config tcp the local port; the
		// capture's client port is the oracle.
		if c.LocalIP.IsValid() {
			t.Errorf("Conns[%d]: no trace here tells the local IP, got %v", i, c.LocalIP)
		}
		if client := netip.MustParseAddrPort(exp.Connections[i].Client); c.LocalPort != 0 && c.LocalPort != client.Port() {
			t.Errorf("Conns[%d]: local port %d, the capture's client port %d", i, c.LocalPort, client.Port())
		}
	}

	// Times of day never go back (the concatenated trace is in capture
	// order too), ids absent, sizes complete.
	var last Event
	for i, e := range tr.Events {
		if e.HasTime == noTimeTraces[name] {
			t.Fatalf("event %d (line %d): time %v in a trace with times %v", i, e.Line, e.HasTime, !noTimeTraces[name])
		}
		if i > 0 && e.Time < last.Time {
			t.Errorf("line %d: time %v before line %d's %v", e.Line, e.Time, last.Line, last.Time)
		}
		last = e
		if !wantIDs && (e.Xfer != -1 || e.Conn != -1) {
			t.Errorf("line %d: ids %d-%d in a trace without --trace-ids", e.Line, e.Xfer, e.Conn)
		}
		if e.Kind == Info {
			if e.Data != nil || e.Size != 0 {
				t.Errorf("line %d: info with data", e.Line)
			}
			continue
		}
		if e.Cut != NotCut {
			continue // curl#18755: the dump is cut, the parser says so
		}
		if len(e.Data) != e.Size {
			t.Errorf("line %d: %d bytes of data for %v, %d bytes", e.Line, len(e.Data), e.Kind, e.Size)
		}
		if !tr.ASCII && !e.Exact {
			t.Errorf("line %d: hex event not exact", e.Line)
		}
		if tr.ASCII && e.Exact && bytes.IndexByte(e.Data, '.') >= 0 {
			t.Errorf("line %d: ascii event with '.' marked exact", e.Line)
		}
		if tr.EventConn[i] < 0 {
			t.Errorf("line %d: %v belongs to no connection", e.Line, e.Kind)
		}
	}

	// Per connection: the requests are the capture's, and for cleartext
	// HTTP/1 the header and data events add up to the TCP payload both
	// ways.
	type dir struct{ sent, recv, sendHdr, recvHdr int }
	sum := make([]dir, len(tr.Conns))
	reqs := make([][]string, len(tr.Conns))
	h2 := false
	for i, e := range tr.Events {
		if e.Kind == Info {
			if strings.HasPrefix(e.Text, "h2h3 ") {
				h2 = true
			}
			continue
		}
		d := &sum[tr.EventConn[i]]
		switch e.Kind {
		case SendHeader:
			d.sent += e.Size
			line, _, _ := bytes.Cut(e.Data, []byte("\r\n"))
			reqs[tr.EventConn[i]] = append(reqs[tr.EventConn[i]], string(line))
		case SendData:
			d.sent += e.Size
		case RecvHeader, RecvData:
			d.recv += e.Size
		case SendSSL:
			d.sendHdr += e.Size
		case RecvSSL:
			d.recvHdr += e.Size
		}
	}
	for i, c := range exp.Connections {
		var want []string
		for _, h := range c.HTTP {
			want = append(want, h.Method+" "+h.URI+" HTTP/")
		}
		if c.TLS != nil || h2 {
			continue // the requests are encrypted or HPACK
		}
		if len(reqs[i]) != len(want) {
			t.Errorf("conn %d: requests %q, capture %q", i, reqs[i], want)
		} else {
			for k := range want {
				if !strings.HasPrefix(reqs[i][k], want[k]) {
					t.Errorf("conn %d: request %d %q, capture %q", i, k, reqs[i][k], want[k])
				}
			}
		}
		if sum[i].sent != c.C2S.Payload {
			t.Errorf("conn %d: sent %d bytes, capture client payload %d", i, sum[i].sent, c.C2S.Payload)
		}
		// curl 7.88 traces the status line of an interim (1xx) response
		// but not the empty line that ends it: 2 bytes fewer each.
		recv := c.S2C.Payload
		for _, h := range c.HTTP {
			recv -= 2 * len(h.Interim)
		}
		// Retransmitted segments count twice in the capture's payload.
		if c.S2C.Retransmitted > 0 && sum[i].recv <= recv {
			continue
		}
		if !exp.Truncated && sum[i].recv != recv {
			t.Errorf("conn %d: received %d bytes, capture server payload %d (%d without the interim responses' empty lines)", i, sum[i].recv, c.S2C.Payload, recv)
		}
	}

	if !strings.Contains(name, "snap") { // tshark sees only the records a snap length left
		checkTLS(t, tr, exp)
	}
	checkBodies(t, name, tr, exp)
}

// checkTLS: every TLS record header curl traced ("Send/Recv SSL data, 5
// bytes") is the capture's record, one to one: type and length.
func checkTLS(t *testing.T, tr *Trace, exp *expected) {
	for ci, c := range exp.Connections {
		if c.TLS == nil {
			continue
		}
		var sent, recv []tlsRecord
		var wire int
		known := true
		for i, e := range tr.Events {
			if tr.EventConn[i] != ci || e.TLSHeader == nil {
				continue
			}
			h := e.TLSHeader
			if !h.LengthKnown { // curl#18755 cut the header at a NUL
				known = false
				continue
			}
			r := tlsRecord{Type: int(h.Type), Length: h.Length}
			if e.Kind == SendSSL {
				sent = append(sent, r)
			} else {
				recv = append(recv, r)
				wire += 5 + r.Length
			}
		}
		if !known {
			continue
		}
		// curl sends its last records (close_notify, and over HTTP/2 a
		// GOAWAY) at exit, after the trace's last line, and does not read
		// the server's own close_notify (an alert, or in TLS 1.3 a 19-byte
		// encrypted record): the capture may have up to two records more
		// each way, at the end.
		if !prefixOf(sent, c.TLS.C2S, 2) {
			t.Errorf("conn %d: client records %v, capture %v", ci, sent, c.TLS.C2S)
		}
		if !prefixOf(recv, c.TLS.S2C, 2) {
			t.Errorf("conn %d: server records %v, capture %v", ci, recv, c.TLS.S2C)
		}
		extra := 0
		for _, r := range c.TLS.S2C[min(len(recv), len(c.TLS.S2C)):] {
			if r.Type != 21 && !(r.Type == 23 && r.Length == 19) {
				t.Errorf("conn %d: server record %v not traced, and not a closing alert", ci, r)
			}
			extra += 5 + r.Length
		}
		if wire+extra != c.S2C.Payload {
			t.Errorf("conn %d: server records add up to %d bytes (+%d untraced), capture payload %d", ci, wire, extra, c.S2C.Payload)
		}
	}
}

// prefixOf tells whether got is want less at most n records at its end.
func prefixOf(got, want []tlsRecord, n int) bool {
	return len(got) <= len(want) && len(got) >= len(want)-n && fmt.Sprint(got) == fmt.Sprint(want[:len(got)])
}

// checkBodies: the Recv data events of each fetch, concatenated, are the
// body the capture's JSON names (by SHA-256); for --trace-ascii with
// non-printable bytes, they are the body as --trace-ascii shows it, the
// body rebuilt with make.sh's generator and checked against the same
// SHA-256.
func checkBodies(t *testing.T, name string, tr *Trace, exp *expected) {
	bodies := exp.Bodies
	if exp.BodySHA256 != "" {
		bodies = []body{{SHA256: exp.BodySHA256, Bytes: -1}}
	}
	var recv, sent []byte
	for _, e := range tr.Events {
		switch e.Kind {
		case RecvData:
			recv = append(recv, e.Data...)
		case SendData:
			sent = append(sent, e.Data...)
		}
	}
	// Request paths in order, for the generator.
	var paths []string
	for _, e := range tr.Events {
		if e.Kind == SendHeader {
			f := strings.Fields(string(e.Data[:bytes.IndexByte(e.Data, '\r')]))
			paths = append(paths, f[1])
		}
	}
	off := 0
	for k, b := range bodies {
		n := b.Bytes
		chunked := strings.Contains(b.Path, "chunked") || name == "lo-chunked" || name == "truncated" || name == "paced-chunked"
		if n < 0 || (chunked && k == len(bodies)-1) {
			n = len(recv) - off // the wire body, framing included
		}
		if off+n > len(recv) {
			t.Fatalf("body %d (%s): %d bytes, only %d received after %d", k, b.Path, n, len(recv)-off, off)
		}
		got := recv[off : off+n]
		off += n
		switch {
		case chunked:
			got = dechunk(t, got)
			fallthrough
		case !tr.ASCII:
			if sha(got) != b.SHA256 {
				t.Errorf("body %d (%s): SHA-256 %s, capture %s", k, b.Path, sha(got), b.SHA256)
			}
		default:
			p := b.Path
			if p == "" {
				p = paths[0]
			}
			want := makeBody(path.Base(p), bodySizes[p])
			if sha(want) != b.SHA256 {
				t.Fatalf("body %d: make.sh's generator gives %s for %s, capture %s", k, sha(want), p, b.SHA256)
			}
			if !bytes.Equal(got, asciiView(want)) {
				t.Errorf("body %d (%s): the recovered bytes differ from the ascii view of the body", k, p)
			}
		}
	}
	if off != len(recv) {
		t.Errorf("%d bytes received past the bodies", len(recv)-off)
	}
	if len(exp.ReqBodies) > 0 {
		if sha(sent) != exp.ReqBodies[0].SHA256 || len(sent) != exp.ReqBodies[0].Bytes {
			t.Errorf("request body: %d bytes SHA-256 %s, capture %d %s", len(sent), sha(sent), exp.ReqBodies[0].Bytes, exp.ReqBodies[0].SHA256)
		}
	}
}

// recvSizes returns the Recv data sizes in order.
func recvSizes(tr *Trace) []int {
	var s []int
	for _, e := range tr.Events {
		if e.Kind == RecvData {
			s = append(s, e.Size)
		}
	}
	return s
}

func countSizes(s []int) map[int]int {
	m := map[int]int{}
	for _, n := range s {
		m[n]++
	}
	return m
}

func TestMTU1440(t *testing.T) {
	tr := parseFile(t, filepath.Join(pcaps, "mtu1440-ts.trace"))
	if tr.ASCII {
		t.Fatal("mtu1440-ts is a hex trace")
	}
	total := 0
	var body []byte
	for _, e := range tr.Events {
		if e.Kind == RecvData {
			total += e.Size
			body = append(body, e.Data...)
		}
	}
	if total != 102400 {
		t.Errorf("Recv data adds up to %d, want 102400", total)
	}
	if got := sha(body); got != "ba639799b67c26f2a27f23db1133af42fe1d4fb1929381e79c27a958964b3320" {
		t.Errorf("body SHA-256 %s", got)
	}
	m := countSizes(recvSizes(tr))
	if m[1388] != 67 || m[2776] != 2 || m[3852] != 1 {
		t.Errorf("Recv data sizes %v, README: 1388 (67), 2776 (2), 3852 (1)", m)
	}
	var hdr *Event
	for i := range tr.Events {
		if tr.Events[i].Kind == SendHeader {
			hdr = &tr.Events[i]
			break
		}
	}
	if hdr == nil || !bytes.HasPrefix(hdr.Data, []byte("GET /100k.bin HTTP/1.1\r\n")) || hdr.Size != 87 || !hdr.Exact {
		t.Fatalf("Send header: %+v", hdr)
	}
	if hdr.Line != 3 || hdr.Time != parseDur(t, "20:44:34.151417") {
		t.Errorf("Send header at line %d time %v", hdr.Line, hdr.Time)
	}
	c := tr.Conns[0]
	if c.IP != netip.MustParseAddr("10.200.1.1") || c.Port != 8080 || c.ID != 0 || c.Host != "10.200.1.1" || c.Line != 2 || c.Reused {
		t.Errorf("Conns[0] = %+v", c)
	}
}

func parseDur(t *testing.T, s string) time.Duration {
	t.Helper()
	d, ok := parseTime([]byte(s + " "))
	if !ok {
		t.Fatalf("bad time %q", s)
	}
	return d
}

func TestChunked(t *testing.T) {
	tr := parseFile(t, filepath.Join(pcaps, "lo-chunked.trace"))
	if !tr.ASCII {
		t.Fatal("lo-chunked is an ascii trace")
	}
	sizes := recvSizes(tr)
	if len(sizes) != 21 || sizes[0] != 1007 || sizes[len(sizes)-1] != 5 || countSizes(sizes)[1007] != 20 {
		t.Errorf("Recv data sizes %v, want 1007 x20 then 5", sizes)
	}
	for _, e := range tr.Events {
		if e.Kind != RecvData {
			continue
		}
		// Hex digits and CR LF only: --trace-ascii shows them exactly.
		if !e.Exact {
			t.Errorf("line %d: chunked data not exact: %q", e.Line, e.Data[:20])
		}
		if e.Size == 1007 && (!bytes.HasPrefix(e.Data, []byte("3e8\r\n")) || !bytes.HasSuffix(e.Data, []byte("\r\n")) || bytes.Count(e.Data, []byte("\r\n")) != 2) {
			t.Errorf("line %d: %q...%q", e.Line, e.Data[:20], e.Data[len(e.Data)-10:])
		}
		if e.Size == 5 && string(e.Data) != "0\r\n\r\n" {
			t.Errorf("last chunk %q", e.Data)
		}
	}
	// The ascii dump of the request: 0052-style empty last line = CR LF.
	if e := tr.Events[2]; e.Kind != SendHeader || !bytes.HasSuffix(e.Data, []byte("Accept: */*\r\n\r\n")) || len(e.Data) != 110 {
		t.Errorf("Send header %q", e.Data)
	}
}

func TestHTTPSRecords(t *testing.T) {
	for _, tc := range []struct {
		file   string
		record int // the length of a full application data record
		inner  bool
	}{
		{"https-tls13.trace", 16401, true},  // 16384 + 1 inner type + 16 tag
		{"https-tls12.trace", 16408, false}, // 16384 + 8 nonce + 16 tag
		{"https-h2.trace", 16401, true},
	} {
		tr := parseFile(t, filepath.Join(pcaps, tc.file))
		full, ones := 0, 0
		for _, e := range tr.Events {
			if e.Kind != RecvSSL {
				continue
			}
			if e.Size == 5 && int(e.Data[3])<<8|int(e.Data[4]) == tc.record {
				if e.Data[0] != 23 || e.Data[1] != 3 || e.Data[2] != 3 {
					t.Errorf("%s line %d: record header % x", tc.file, e.Line, e.Data)
				}
				full++
			}
			if e.Size == 1 {
				ones++
			}
		}
		if full < 5 {
			t.Errorf("%s: %d full records of %d", tc.file, full, tc.record)
		}
		if tc.inner != (ones > 0) {
			t.Errorf("%s: %d 'Recv SSL data, 1 bytes' events", tc.file, ones)
		}
	}
}

func TestReuse(t *testing.T) {
	tr := parseFile(t, filepath.Join(pcaps, "lo-methods.trace"))
	if len(tr.Conns) != 2 || tr.Conns[0].Reused || !tr.Conns[1].Reused || tr.Conns[1].ID != 1 || tr.Conns[1].Port != 8081 {
		t.Fatalf("Conns %+v", tr.Conns)
	}
	// Every Send header belongs to the connection the capture saw the
	// request on: HEAD on 8080, the other five on 8081.
	var got []int
	for i, e := range tr.Events {
		if e.Kind == SendHeader {
			got = append(got, tr.EventConn[i])
		}
	}
	if fmt.Sprint(got) != "[0 1 1 1 1 1]" {
		t.Errorf("Send header connections %v", got)
	}
	// After "Closing connection 1" nothing belongs to a connection.
	lastInfo := len(tr.Events) - 1
	if e := tr.Events[lastInfo]; e.Text != "Closing connection 1" || tr.EventConn[lastInfo] != 1 {
		t.Errorf("last event %q conn %d", e.Text, tr.EventConn[lastInfo])
	}

	tr = parseFile(t, filepath.Join(pcaps, "mixed-linktypes.trace"))
	if len(tr.Conns) != 2 || tr.Conns[0].ID != 0 || tr.Conns[1].ID != 0 || tr.Conns[0].Reused || tr.Conns[1].Reused {
		t.Fatalf("mixed-linktypes Conns %+v", tr.Conns)
	}
	for i, e := range tr.Events {
		want := 0
		if e.Line >= 1633 {
			want = 1
		}
		if e.Line == 1 || e.Line == 1632 { // "Trying", before the connect line
			want = -1
		}
		if tr.EventConn[i] != want {
			t.Errorf("line %d (%v %q): conn %d, want %d", e.Line, e.Kind, e.Text, tr.EventConn[i], want)
		}
	}
}
