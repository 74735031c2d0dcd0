package explain

import (
	"bytes"
	"net/netip"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/segscope/segscope/analyze"
	"github.com/segscope/segscope/capture"
	"github.com/segscope/segscope/curltrace"
	"github.com/segscope/segscope/stream"
)

// Several connections in one trace, made with two python http.servers on
// 127.0.0.1:18301 (alpha.txt, 64800 bytes) and :18302 (beta.txt, 92300
// bytes; alpha.txt too), tcpdump -i lo -s 0 around the run:
//
//	multi-z8ascii: curl 8.14 -Z --trace-time --trace-ascii, no --trace-ids:
//	  curl puts every event after the second connect line on the last
//	  connection;
//	multi-z788: curl 7.88 -Z --trace-time --trace: after "left intact" the
//	  next server's events come with no connect line;
//	multi-bg: curl 7.88 --trace-time --trace of /alpha.txt on :18302 while
//	  an untraced `curl --limit-rate 100k` fetched /beta.txt from the same
//	  server, started 0.2 s before.
//
// tshark -z conv,tcp gives the client ports; the reads' bytes are the
// connections' (the bodies differ line by line).
func TestFieldSeveralConnections(t *testing.T) {
	type read struct {
		line  int
		conn  int
		start int64
		end   int64
	}
	for _, c := range []struct {
		name  string
		ports map[int]uint16 // capture connection -> client port
		reads []read
	}{
		{"multi-z8ascii", map[int]uint16{0: 40930, 1: 50294}, []read{{36, 0, 189, 64989}, {1066, 1, 189, 32957}, {1579, 1, 32957, 92489}}},
		{"multi-z788", map[int]uint16{0: 40942, 1: 50310}, []read{{43, 0, 189, 64989}, {4119, 1, 189, 92489}}},
		{"multi-bg", map[int]uint16{1: 35734}, []read{{34, 1, 189, 64989}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			tr := readTraceGz(t, c.name+".trace.gz")
			r := Explain(tr, analyzeFor(t, tr, filepath.Join(field, c.name+".pcap.gz"), ""))
			if r.Refused || len(r.Problems) != 0 || len(r.Matches) != len(c.ports) {
				t.Fatalf("refused %v, problems %+v, %d matches", r.Refused, r.Problems, len(r.Matches))
			}
			for _, m := range r.Matches {
				if m.By != ByContent || c.ports[m.Conn.ID] != m.Conn.Client.Port() || m.Ambiguous {
					t.Errorf("trace connection %d = capture connection %d (port %d) by %v", m.TraceConn, m.Conn.ID, m.Conn.Client.Port(), m.By)
				}
			}
			if len(r.Events) != len(c.reads) {
				t.Fatalf("%d events, want %d", len(r.Events), len(c.reads))
			}
			for i, e := range r.Events {
				w := c.reads[i]
				if e.Line != w.line || e.Conn != w.conn || e.Range.Start != w.start || e.Range.End != w.end ||
					e.Cause == CauseMissing || e.Cause == CauseUnmatched || len(e.Segments) == 0 {
					t.Errorf("line %d: connection %d %v, %v; want line %d on %d [%d,%d)", e.Line, e.Conn, e.Range, e.Cause, w.line, w.conn, w.start, w.end)
				}
			}
		})
	}
}

// TestFieldSameBytesTwice: python's http.server sends alpha.txt twice in
// the same second (identical bytes, identical Date): an untraced
// `curl --limit-rate 40k` first, then, 0.3 s later, curl 7.88 traced
// (its -w '%{local_port}' said 45630: capture connection 1). The bytes
// cannot tell the two apart; the trace's connect line, 0.3 s after the
// first connection's SYN and within milliseconds of the second's, points
// at the second. curl 7's trace clock runs up to a second off, though
// (359 ms ahead in review round 8, where the same choice took the wrong
// run): the match is a guess, listed, and no read is certain.
func TestFieldSameBytesTwice(t *testing.T) {
	tr := readTraceGz(t, "multi-same.trace.gz")
	r := Explain(tr, analyzeFor(t, tr, filepath.Join(field, "multi-same.pcap.gz"), ""))
	if len(r.Matches) != 1 || len(r.Problems) != 1 || r.Problems[0].Kind != ProblemAmbiguous {
		t.Fatalf("matches %+v, problems %+v", r.Matches, r.Problems)
	}
	m := r.Matches[0]
	if m.Conn.ID != 1 || m.Conn.Client.Port() != 45630 || m.By != ByConnectTime || !m.Ambiguous {
		t.Errorf("matched to connection %d (port %d) by %v, ambiguous %v", m.Conn.ID, m.Conn.Client.Port(), m.By, m.Ambiguous)
	}
	for _, e := range r.Events {
		if e.Conn != 1 || len(e.Segments) == 0 || e.Confidence == Certain {
			t.Errorf("line %d on connection %d, %d segments, %s", e.Line, e.Conn, len(e.Segments), e.Confidence)
		}
	}
}

// TestFieldBufferWithHeaders: curl 8.14 -Z --trace-ids to three nginx
// ports: the first read of t120k.txt is 102156 bytes after a 244-byte
// header, which shared curl's 102400-byte buffer (strace: one recvfrom of
// 102400), and more had arrived: buffer-cap, not a slow reader.
func TestFieldBufferWithHeaders(t *testing.T) {
	tr := readTraceGz(t, "z3-buffer.trace.gz")
	r := Explain(tr, analyzeFor(t, tr, filepath.Join(field, "z3-buffer.pcap.gz"), ""))
	if r.Buffer == nil || r.Buffer.Size != 102400 || r.Buffer.Kind != BufferCurlTool {
		t.Fatalf("buffer %+v", r.Buffer)
	}
	for _, e := range r.Events {
		if e.Line != 3844 {
			continue
		}
		b := e.Facts.Buffer
		if e.Size != 102156 || e.Cause != CauseBufferCap || e.Confidence != Certain || b == nil || b.HeaderBytes != 244 {
			t.Errorf("line 3844: %d bytes, %v %v, buffer %+v", e.Size, e.Cause, e.Confidence, b)
		}
		return
	}
	t.Error("no line 3844")
}

// TestFieldProxyTunnel: curl 7.88 -k -x http://127.0.0.1:18128 to an
// HTTPS server (python's ssl http.server, TLS 1.3) through a CONNECT
// proxy, captured on the proxy's port: the stream begins with the CONNECT
// in clear and carries TLS after it. The tunnel had not been walked, and
// the reads were inferred from the record headers curl logged; analyze
// now walks it, and each read is a whole record of the capture's walk,
// certain, without keys: tshark shows records of 16401 bytes in packets
// 14 (two), 16 and 1265 in 17. The CONNECT is placed in the clear, the
// GET inside the tunnel on its record.
func TestFieldProxyTunnel(t *testing.T) {
	tr := readTraceGz(t, "proxy-tunnel.trace.gz")
	r := Explain(tr, analyzeFor(t, tr, filepath.Join(field, "proxy-tunnel.pcap.gz"), ""))
	if r.Refused || len(r.Matches) != 1 || len(r.Events) != 4 {
		t.Fatalf("refused %v, %d matches, %d events, problems %+v", r.Refused, len(r.Matches), len(r.Events), r.Problems)
	}
	lastPackets := []int{14, 14, 16, 17}
	for i, e := range r.Events {
		rec := e.Facts.Record
		if e.Cause != CauseTLSRecord || e.Confidence != Certain || rec == nil || rec.Length-rec.Before-e.Size != 17 || len(e.Segments) == 0 ||
			e.Segments[len(e.Segments)-1].Packet != lastPackets[i] || e.Facts.Conn != nil && e.Facts.Conn.Tunnel {
			t.Errorf("line %d (%d bytes): %v %v %v, record %+v, %d segments", e.Line, e.Size, e.Cause, e.Confidence, e.Needs, rec, len(e.Segments))
		}
	}
	if len(r.Sends) != 2 || r.Sends[0].Range != (stream.Range{Start: 0, End: 114}) || r.Sends[0].Facts.Layer != LayerHTTP1 ||
		len(r.Sends[1].Segments) != 1 || r.Sends[1].Segments[0].Packet != 11 || r.Sends[1].Facts.Layer != LayerTLS {
		t.Errorf("sends: %+v", r.Sends)
	}

	// Where analyze could not walk the tunnel (its bytes not TLS to it),
	// the reads are what the record headers curl logged tell, as without
	// a capture (a record each, inferred), and say the tunnel is why.
	res := analyzeFor(t, tr, filepath.Join(field, "proxy-tunnel.pcap.gz"), "")
	res.Connections[0].App.Tunnel = nil
	r = Explain(tr, res)
	for _, e := range r.Events {
		rec := e.Facts.Record
		if e.Cause != CauseTLSRecord || e.Confidence != Inferred || e.Inference != ByTraceRecords || len(e.Needs) != 1 || e.Needs[0] != NeedNoTunnel ||
			rec == nil || rec.Source != FromTrace || rec.Length-rec.Before-e.Size != 17 || e.Facts.Conn == nil || !e.Facts.Conn.Tunnel {
			t.Errorf("not walked, line %d (%d bytes): %v %v %v %v, record %+v", e.Line, e.Size, e.Cause, e.Confidence, e.Inference, e.Needs, rec)
		}
	}
	if len(r.Sends) != 2 || len(r.Sends[0].Segments) != 1 || r.Sends[0].Range.Start != 0 || len(r.Sends[1].Segments) != 0 || r.Sends[1].Facts.Conn == nil || !r.Sends[1].Facts.Conn.Tunnel {
		t.Errorf("not walked, sends: %+v", r.Sends)
	}
}

// TestFieldProxyWalked: curl 8.14 -x http://proxy (a Go CONNECT proxy,
// review4-srv.go.txt) to nginx, TLS 1.2 with HTTP/1.1 and TLS 1.3 with
// HTTP/2, both legs captured, with the key log. Every read is placed on
// the tunnel's decrypted records (had been inferred, or cannot tell, with
// "segscope does not walk TLS inside the tunnel"). tshark, decrypting the
// tunnel: TLS 1.2's records of 16408, 16408 and 7498 bytes start at
// offsets 1359, 17772 and 34185 of the proxy's stream, the first after a
// 242-byte response header.
func TestFieldProxyWalked(t *testing.T) {
	tr := readTraceGz(t, "proxy-tls12.trace.gz")
	r := Explain(tr, analyzeFor(t, tr, filepath.Join(field, "proxy-tls12.pcap.gz"), filepath.Join(field, "proxy-tls12.keys")))
	want := []stream.Range{{Start: 1614, End: 17756}, {Start: 17785, End: 34169}, {Start: 34198, End: 41672}}
	if len(r.Matches) != 1 || r.Matches[0].Conn.ID != 0 || len(r.Events) != len(want) {
		t.Fatalf("%d matches, %d events", len(r.Matches), len(r.Events))
	}
	for i, e := range r.Events {
		if e.Cause != CauseTLSRecord || e.Confidence != Certain || e.Range != want[i] {
			t.Errorf("line %d: %s %s %v, want %v", e.Line, e.Cause, e.Confidence, e.Range, want[i])
		}
	}
	tr = readTraceGz(t, "proxy-h2.trace.gz")
	r = Explain(tr, analyzeFor(t, tr, filepath.Join(field, "proxy-h2.pcap.gz"), filepath.Join(field, "proxy-h2.keys")))
	if len(r.Events) != 7 {
		t.Fatalf("h2: %d events", len(r.Events))
	}
	for _, e := range r.Events {
		if e.Confidence != Certain || e.Cause != CauseTLSRecord && e.Cause != CauseH2Frames || e.Facts.Frames == nil {
			t.Errorf("h2, line %d: %s %s %v", e.Line, e.Cause, e.Confidence, e.Needs)
		}
	}
}

// TestFieldGuessRepeatedBytes: two identical runs to a Go server within a
// second, only the second traced, no port given: the match is a guess
// (connection 0), and on it each read follows the one before (the bodies
// repeat one 3000-byte chunk; every read had been placed on the first),
// and nothing is certain, the request head included.
func TestFieldGuessRepeatedBytes(t *testing.T) {
	tr := readTraceGz(t, "guess-repeat.trace.gz")
	r := Explain(tr, analyzeFor(t, tr, filepath.Join(field, "guess-repeat.pcap.gz"), ""))
	if len(r.Matches) != 1 || !r.Matches[0].Ambiguous || r.Matches[0].Conn.ID != 0 {
		t.Fatalf("matches %+v", r.Matches)
	}
	want := []stream.Range{{Start: 125, End: 3132}, {Start: 3132, End: 6139}, {Start: 6139, End: 9146}, {Start: 9146, End: 12153}, {Start: 12153, End: 12158}}
	if len(r.Events) != len(want) {
		t.Fatalf("%d events", len(r.Events))
	}
	for i, e := range r.Events {
		if e.Range != want[i] || e.Confidence == Certain {
			t.Errorf("line %d at %v, %v; want at %v, not certain", e.Line, e.Range, e.Confidence, want[i])
		}
	}
	for _, e := range r.Sends {
		if e.Confidence == Certain {
			t.Errorf("send at line %d certain on a guessed match", e.Line)
		}
	}
}

// TestFieldOffloadBufferHeader: captured above curl's GRO, the reads that
// fill curl's 102400-byte buffer (line 30 with its 258-byte header, line
// 2131 alone; strace: recvfrom returned 102400) are buffer-cap, inferred:
// whether more was waiting is what the merged segments cannot show.
func TestFieldOffloadBufferHeader(t *testing.T) {
	tr := readTraceGz(t, "offload-buffer-header.trace.gz")
	r := Explain(tr, analyzeFor(t, tr, filepath.Join(field, "offload-buffer-header.pcap.gz"), ""))
	seen := 0
	for _, e := range r.Events {
		if e.Line != 30 && e.Line != 2131 {
			continue
		}
		seen++
		if e.Cause != CauseBufferCap || e.Confidence != Inferred || e.Facts.Buffer == nil || !e.Facts.Buffer.Filled {
			t.Errorf("line %d (%d bytes): %v %v", e.Line, e.Size, e.Cause, e.Confidence)
		}
	}
	if seen != 2 {
		t.Errorf("%d of lines 30 and 2131 found", seen)
	}
}

// TestFieldSameRequestTwice: two connections in one curl run send the same
// request; the first one's bytes are on both capture connections (a
// guess), and following that guess must leave the second connection's own
// request where it is: each trace connection is matched to its own, and
// nothing is refused as another transfer's.
func TestFieldSameRequestTwice(t *testing.T) {
	tr := readTraceGz(t, "twice-snap200.trace.gz")
	r := Explain(tr, analyzeFor(t, tr, filepath.Join(field, "twice-snap200.pcap.gz"), ""))
	if r.Refused || len(r.Problems) != 0 {
		t.Fatalf("refused %v, problems %+v", r.Refused, r.Problems)
	}
	if len(r.Matches) != 2 || r.Matches[0].Conn.ID != 0 || r.Matches[1].Conn.ID != 1 {
		t.Fatalf("matches %+v", r.Matches)
	}
	if len(r.Sends) != 2 || r.Sends[0].Conn != 0 || r.Sends[1].Conn != 1 || len(r.Sends[1].Segments) != 1 {
		t.Errorf("sends %+v", r.Sends)
	}
	for i, e := range r.Events {
		if e.Conn != i || e.Size != 20000 || len(e.Segments) == 0 {
			t.Errorf("read %d (line %d): connection %d, %d bytes, %d segments", i, e.Line, e.Conn, e.Size, len(e.Segments))
		}
	}
}

// TestFieldHTTPSProxy: curl 8.14 -x https://127.0.0.1:13129 (a Go CONNECT
// proxy behind TLS, https-proxy-srv.go.txt) to nginx TLS 1.2, with the
// key log of both sessions. The capture's connection decrypts to the
// CONNECT and its 200, and inside that the origin's TLS, which is not
// walked: the GET curl logged is not on the decrypted stream, and the
// trace had been refused as another transfer's. It is matched; the reads
// cannot tell and name the proxy's leg to the origin.
func TestFieldHTTPSProxy(t *testing.T) {
	tr := readTraceGz(t, "https-proxy.trace.gz")
	r := Explain(tr, analyzeFor(t, tr, filepath.Join(field, "https-proxy.pcap.gz"), filepath.Join(field, "https-proxy.keys")))
	if r.Refused || len(r.Matches) != 1 || len(r.Problems) != 0 || len(r.Events) != 3 {
		t.Fatalf("refused %v, %d matches, problems %+v, %d events", r.Refused, len(r.Matches), r.Problems, len(r.Events))
	}
	for _, e := range r.Events {
		if e.Confidence != CannotTell || len(e.Needs) != 1 || e.Needs[0] != NeedOriginLeg || len(e.Segments) != 0 {
			t.Errorf("line %d: %s %s %v", e.Line, e.Cause, e.Confidence, e.Needs)
		}
	}
	if len(r.Sends) != 2 || len(r.Sends[0].Segments) != 1 || len(r.Sends[1].Segments) != 0 || r.Sends[1].Facts.Conn == nil || !r.Sends[1].Facts.Conn.Tunnel {
		t.Errorf("sends %+v", r.Sends)
	}
}

// TestFieldSquid407: squid answers the first CONNECT with a 407 and the
// second, on the same connection, with a 200 (squid-407.*, curl 7.88).
// With the key log the first read is the 782 bytes of body after the
// origin's 242-byte header in the tunnel's first application record:
// 5720-6502 (tshark: that record starts at offset 5473, 1041 bytes after
// its 5-byte header: 242 + 782 + 17). The origin's header had been taken
// for the proxy's and every read was "cannot tell". Without the key log,
// the records curl logged are laid from the tunnel's start, certain,
// the first at 5473 (they had all been 3501 bytes early: the 407 and the
// 200).
func TestFieldSquid407(t *testing.T) {
	tr := readTraceGz(t, "squid-407.trace.gz")
	// With keys a read is placed on the ciphertext of its plaintext;
	// without them on its whole record (5 bytes of header and 1041).
	for _, c := range []struct {
		keys  string
		first stream.Range
	}{{filepath.Join(field, "squid-407.keys"), stream.Range{Start: 5720, End: 6502}}, {"", stream.Range{Start: 5473, End: 6519}}} {
		r := Explain(tr, analyzeFor(t, tr, filepath.Join(field, "squid-407.pcap.gz"), c.keys))
		if len(r.Matches) != 1 || len(r.Events) != 40 {
			t.Fatalf("keys %q: %d matches, %d events", c.keys, len(r.Matches), len(r.Events))
		}
		for _, e := range r.Events {
			if e.Cause != CauseTLSRecord || e.Confidence != Certain {
				t.Errorf("keys %q, line %d: %s %s %v", c.keys, e.Line, e.Cause, e.Confidence, e.Needs)
			}
		}
		if first := r.Events[0]; first.Size != 782 || first.Range != c.first {
			t.Errorf("keys %q: first read %d bytes at %v, want %v", c.keys, first.Size, first.Range, c.first)
		}
		if len(r.Sends) != 3 || r.Sends[1].Range != (stream.Range{Start: 114, End: 269}) {
			t.Errorf("keys %q: sends %+v", c.keys, r.Sends)
		}
	}
}

// TestFieldTinyproxy407: tinyproxy answers the CONNECT with a 407 and
// closes; curl 8.14 connects again with the credentials. curl 8 logs no
// connect line for the first connection and keeps connection id 0 for
// the second: the trace had one connection, matched to the capture's
// first (the 407's), and the tunnel, on the second, was read as missing.
// Now each attempt is a trace connection of its own: the first with the
// 114-byte CONNECT on capture connection 0 (port 48640), the second on
// capture connection 1, the port its "[TCP] local address" line names
// (48656, as tshark's tcp.stream 1), every read certain there.
func TestFieldTinyproxy407(t *testing.T) {
	tr := readTraceGz(t, "tinyproxy-407.trace.gz")
	if len(tr.Conns) != 2 || tr.Conns[0].Port != 13133 || tr.Conns[1].LocalPort != 48656 {
		t.Fatalf("trace connections %+v", tr.Conns)
	}
	r := Explain(tr, analyzeFor(t, tr, filepath.Join(field, "tinyproxy-407.pcap.gz"), filepath.Join(field, "tinyproxy-407.keys")))
	if len(r.Matches) != 2 || r.Matches[0].Conn.ID != 0 || r.Matches[1].Conn.ID != 1 || r.Matches[1].Conn.Client.Port() != 48656 {
		t.Fatalf("matches %+v", r.Matches)
	}
	if len(r.Events) != 40 {
		t.Fatalf("%d reads", len(r.Events))
	}
	for _, e := range r.Events {
		if e.Conn != 1 || e.Cause != CauseTLSRecord || e.Confidence != Certain {
			t.Errorf("line %d: connection %d, %s %s %v", e.Line, e.Conn, e.Cause, e.Confidence, e.Needs)
		}
	}
	if len(r.Sends) < 2 || r.Sends[0].Conn != 0 || r.Sends[0].Size != 114 || r.Sends[1].Conn != 1 || r.Sends[1].Range != (stream.Range{Start: 0, End: 155}) {
		t.Errorf("sends %+v", r.Sends[:min(2, len(r.Sends))])
	}

	// Without --trace-config: no ids, no local port; the attempts split
	// all the same, in order.
	tr = readTraceGz(t, "tinyproxy-407-plain.trace.gz")
	if len(tr.Conns) != 2 || tr.Conns[0].Line >= tr.Conns[1].Line {
		t.Fatalf("plain trace connections %+v", tr.Conns)
	}
	sends := 0
	for i, e := range tr.Events {
		if e.Kind == curltrace.SendHeader && bytes.HasPrefix(e.Data, []byte("CONNECT ")) {
			if tr.EventConn[i] != sends {
				t.Errorf("CONNECT at line %d on trace connection %d, want %d", e.Line, tr.EventConn[i], sends)
			}
			sends++
		}
	}
	if sends != 2 {
		t.Errorf("%d CONNECTs", sends)
	}
}

// TestProxyOriginLegOnly: a capture of only the proxy's connection to the
// origin (proxy-tls12.* without its connection 0, as review round 5's
// tcpdump on the origin's port took it) said only "no capture connection
// to that address and port: are the trace and the capture of the same
// transfer?". It now names curl's CONNECT and the capture connection to
// its target.
func TestProxyOriginLegOnly(t *testing.T) {
	tr := readTraceGz(t, "proxy-tls12.trace.gz")
	res := analyzeFor(t, tr, filepath.Join(field, "proxy-tls12.pcap.gz"), filepath.Join(field, "proxy-tls12.keys"))
	res.Connections = res.Connections[1:]
	r := Explain(tr, res)
	if len(r.Matches) != 0 || len(r.Problems) != 1 {
		t.Fatalf("%d matches, problems %+v", len(r.Matches), r.Problems)
	}
	p := r.Problems[0]
	if p.Kind != ProblemNoConnection || p.Tunnel.String() != "127.0.0.1:18446" || p.TunnelConn != 1 || p.Server.Port() != 13128 {
		t.Errorf("problem %+v", p)
	}
}

// TestFieldProxyTunnelHTTP: curl -p (proxytunnel) to an http:// URL: the
// CONNECT, then clear HTTP/1 inside the tunnel (proxytunnel-http.*). The
// tunnel was not walked (not TLS), and the last read, the terminating
// chunks with the last and its trailers, was "short-segment, inferred";
// it is the body's end, its 25116 bytes data, framing and the 33 bytes of
// trailer fields, and the GET is placed right after the 114-byte CONNECT.
func TestFieldProxyTunnelHTTP(t *testing.T) {
	tr := readTraceGz(t, "proxytunnel-http.trace.gz")
	res := analyzeFor(t, tr, filepath.Join(field, "proxytunnel-http.pcap.gz"), "")
	if a := res.Connections[0].App; a.Tunnel == nil || a.Tunnel.Protocol != analyze.ProtoHTTP1 || len(a.Tunnel.HTTP.Exchanges()) != 1 {
		t.Fatalf("tunnel %+v", a.Tunnel)
	}
	r := Explain(tr, res)
	if len(r.Events) != 3 {
		t.Fatalf("%d reads", len(r.Events))
	}
	last := r.Events[2]
	if c := last.Facts.Chunks; last.Cause != CauseBodyEnd || last.Confidence != Certain || c == nil || c.Trailers != 33 || !c.Last || c.Data+c.Framing+c.Trailers != last.Size {
		t.Errorf("last read: %s %s, chunks %+v", last.Cause, last.Confidence, last.Facts.Chunks)
	}
	if len(r.Sends) != 2 || r.Sends[1].Range != (stream.Range{Start: 114, End: 201}) {
		t.Errorf("sends %+v", r.Sends)
	}
}

// TestFieldParallelCurl7: curl 7.88 -Z --parallel-immediate opened three
// connections before any request (parallel-curl7.*): it logs every event
// after its last connect line under the last connection, so the GET of
// a=1 was taken for connection 2's, whose decrypted first request is a=3,
// and the pair was refused as different transfers. Which connection an
// event is of is not in such a trace: nothing is refused, and every read
// cannot tell, naming trace ids.
func TestFieldParallelCurl7(t *testing.T) {
	tr := readTraceGz(t, "parallel-curl7.trace.gz")
	r := Explain(tr, analyzeFor(t, tr, filepath.Join(field, "parallel-curl7.pcap.gz"), filepath.Join(field, "parallel-curl7.keys")))
	if r.Refused || len(r.Matches) != 3 || len(r.Events) != 3 {
		t.Fatalf("refused %v, %d matches, %d reads, problems %+v", r.Refused, len(r.Matches), len(r.Events), r.Problems)
	}
	for _, e := range r.Events {
		if e.Confidence != CannotTell || len(e.Needs) != 1 || e.Needs[0] != NeedTransferIDs || len(e.Segments) != 0 {
			t.Errorf("line %d: %s %s %v, %d segments", e.Line, e.Cause, e.Confidence, e.Needs, len(e.Segments))
		}
	}
	// Nor is a send's, whose bytes (an HTTP/2 request head, HPACK on
	// the wire) are not found: no connection is named for it (review 26:
	// all three heads were "CONN 2", and said to need the key log given).
	for _, e := range r.Sends {
		if len(e.Segments) != 0 || e.Conn != -1 || e.Facts.Capture != nil {
			t.Errorf("send at line %d placed on connection %d (capture fact %+v)", e.Line, e.Conn, e.Facts.Capture)
		}
	}
	// The ClientHellos curl dumped are all logged under the last
	// connection: none binds a trace connection, none is ruled out, and
	// the same holds without the key log.
	r = Explain(tr, analyzeFor(t, tr, filepath.Join(field, "parallel-curl7.pcap.gz"), ""))
	if r.Refused || len(r.Matches) != 3 {
		t.Fatalf("without keys: refused %v, %d matches, problems %+v", r.Refused, len(r.Matches), r.Problems)
	}
	for _, m := range r.Matches {
		if m.By == ByClientRandom {
			t.Errorf("trace connection %d bound by a ClientHello logged under another", m.TraceConn)
		}
	}
	// One of the three ClientHellos another: the capture connection that
	// sent the real one is none of the trace's.
	other := *tr
	other.Events = slices.Clone(tr.Events)
	for i, e := range other.Events {
		if e.Kind == curltrace.SendSSL && len(e.Data) >= 38 && e.Data[0] == 1 {
			d := slices.Clone(e.Data)
			d[10] ^= 0xff
			other.Events[i].Data = d
			break
		}
	}
	r = Explain(&other, analyzeFor(t, tr, filepath.Join(field, "parallel-curl7.pcap.gz"), ""))
	hello := 0
	for _, p := range r.Problems {
		if p.Kind == ProblemHelloDiffers {
			hello++
		}
	}
	if hello == 0 || len(r.Matches) != 2 {
		t.Errorf("one ClientHello another: %d matches, problems %+v", len(r.Matches), r.Problems)
	}
}

// TestFieldSameFileTwiceHeadless: the same file fetched twice 1.3 s apart
// (python's http.server: a Date a second apart), the first run traced
// (same-file-twice.*). Taken without its first seven frames (its SYN, the
// request and the response header: a capture started mid-transfer), the
// traced run's connection holds only body bytes, which the other run's
// whole connection holds too: the bytes bound the trace to that one, its
// Date ruled it out, and the pair was refused as different transfers
// (review round 8). The search now goes on: the traced run's own
// connection is matched; its one read, the whole body, is placed from the
// stream's end (the server's FIN captured): what curl logged from it on
// ends there.
func TestFieldSameFileTwiceHeadless(t *testing.T) {
	tr := readTraceGz(t, "same-file-twice.trace.gz")
	src, err := capture.Open(filepath.Join(field, "same-file-twice.pcap.gz"))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	a := analyze.New(AnalyzeOptions(tr))
	for {
		p, err := src.ReadPacket()
		if err != nil {
			break
		}
		if p.Number > 7 {
			if err := a.Add(p); err != nil {
				t.Fatal(err)
			}
		}
	}
	r := Explain(tr, a.Result())
	if r.Refused || len(r.Matches) != 1 || r.Matches[0].Conn.Client.Port() != 38872 {
		t.Fatalf("refused %v, matches %+v, problems %+v", r.Refused, r.Matches, r.Problems)
	}
	if len(r.Events) != 1 || r.Events[0].Cause != CauseBodyEnd || r.Events[0].Range.Start != 0 || len(r.Events[0].Segments) == 0 {
		e := r.Events[0]
		t.Errorf("%d events; line %d: %s %s at %v", len(r.Events), e.Line, e.Cause, e.Confidence, e.Range)
	}
}

// TestFieldEarlierConnectionsBytes: an HTTPS transfer, then the same file
// in the clear on another port (https-then-http-snap200.*, a snap length
// of 200, no key log). The HTTPS response's first header lines, logged
// decrypted, are byte for byte the clear response's, which the capture
// holds: they were taken for the clear connection's, which curl opened
// only later, and its one read was laid 125 bytes late and called
// missing. The clear read is the body, bytes 242-40242 (tshark: the
// header is frame 20's 242 bytes), in two segments that had both come,
// and it ends the 40000 bytes of Content-Length curl logged.
func TestFieldEarlierConnectionsBytes(t *testing.T) {
	tr := readTraceGz(t, "https-then-http-snap200.trace.gz")
	r := Explain(tr, analyzeFor(t, tr, filepath.Join(field, "https-then-http-snap200.pcap.gz"), ""))
	if len(r.Events) != 4 {
		t.Fatalf("%d reads", len(r.Events))
	}
	for _, e := range r.Events[:3] {
		if e.Conn != 0 || e.Cause != CauseTLSRecord || e.Confidence != Certain {
			t.Errorf("line %d: connection %d, %s %s", e.Line, e.Conn, e.Cause, e.Confidence)
		}
	}
	if e := r.Events[3]; e.Conn != 1 || e.Range != (stream.Range{Start: 242, End: 40242}) || e.Cause != CauseBodyEnd || len(e.Segments) != 2 {
		t.Errorf("clear read: connection %d at %v, %s, %d segments", e.Conn, e.Range, e.Cause, len(e.Segments))
	}
}

// TestConnectTimeCurl8: curl 8's trace clock is the system's, so two
// handshakes to one server 7.5 ms apart are told apart by the trace's
// connect line (review 20: it connected 45 us after its own SYN, and the
// other run's connection, 7.5 ms earlier, had been chosen "in the order
// of connection", as the 100 ms margin curl 7's clock needs was applied).
func TestConnectTimeCurl8(t *testing.T) {
	srv := netip.MustParseAddrPort("127.0.0.1:19002")
	day := time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)
	at := func(d time.Duration) int64 { return day.Add(15*time.Hour + d).UnixNano() }
	res := &analyze.Result{Connections: []*analyze.Connection{
		// An earlier run's, 4 s before: far from the connect line.
		{ID: 0, Server: srv, Client: netip.MustParseAddrPort("127.0.0.1:49936"), First: at(-4 * time.Second)},
		{ID: 10, Server: srv, Client: netip.MustParseAddrPort("127.0.0.1:38804"), First: at(13856 * time.Microsecond)},
		{ID: 11, Server: srv, Client: netip.MustParseAddrPort("127.0.0.1:38806"), First: at(21407 * time.Microsecond)},
	}}
	tc := curltrace.Connection{Line: 2, IP: srv.Addr(), Port: srv.Port()}
	for _, c := range []struct {
		curl curltrace.Version
		want int // the connection chosen, -1 none
	}{
		{curltrace.Version{Major: 8, Minor: 14}, 11},
		// curl 7's clock: 100 ms are needed, so not decided; but of the
		// two near the connect line the first, not the earlier run's
		// (review 20).
		{curltrace.Version{Major: 7, Minor: 88}, 10},
	} {
		tr := &curltrace.Trace{Curl: c.curl, Conns: []curltrace.Connection{tc},
			Events: []curltrace.Event{{Line: 2, HasTime: true, Time: 15*time.Hour + 21452*time.Microsecond}}}
		r := &Result{Trace: tr}
		got, ok := r.byConnectTime(res, srv, tc, map[*analyze.Connection]bool{}, nil)
		decided := c.curl.Major >= 8
		if got == nil || got.ID != c.want || ok != decided {
			t.Errorf("curl %v: %v decided %v, want %d decided %v", c.curl, got, ok, c.want, decided)
		}
	}
}

// TestNoDates: whether a Date could rule out capture connections: the
// clear capture shows its response's, HTTPS without the key log none, so
// "none ruled out by its response's Date" is not said of it.
func TestNoDates(t *testing.T) {
	sc := &traceScan{date: "Mon, 07 Dec 2026 15:25:20 GMT"}
	for _, c := range []struct {
		name string
		want bool
	}{{"mtu1440-ts", false}, {"https-h2", true}} {
		tr := readTrace(t, filepath.Join(pcaps, c.name+".trace"))
		res := analyzeFor(t, tr, captureOf(t, c.name), "")
		ep := unmap(res.Connections[0].Server)
		if got := noDates(res, ep, sc); got != c.want {
			t.Errorf("%s: noDates %v, want %v", c.name, got, c.want)
		}
		if !noDates(res, ep, &traceScan{}) {
			t.Errorf("%s: a trace without a Date", c.name)
		}
	}
}

// TestFieldSameFileH2AndH1: curl 8 -Z fetched one file over HTTP/2 (TLS)
// and over HTTP/1 from one host; its trace names each event's connection
// (ids). The HTTP/2 reads' bytes are also in the HTTP/1 connection's clear
// stream: they stay on the connection the ids name (review 29: moved onto
// the HTTP/1 one, the pair was refused as different transfers).
func TestFieldSameFileH2AndH1(t *testing.T) {
	tr := readTraceGz(t, "z-h2-h1-same-8.trace.gz")
	r := Explain(tr, analyzeFor(t, tr, filepath.Join(field, "z-h2-h1-same-8.pcapng.gz"), filepath.Join(field, "z-h2-h1-same-8.keys")))
	if r.Refused || len(r.Problems) != 0 || len(r.Matches) != 2 {
		t.Fatalf("refused %v, %d matches, problems %+v", r.Refused, len(r.Matches), r.Problems)
	}
	for _, e := range r.Events {
		ti := tr.EventConn[e.Index]
		var want *analyze.Connection
		for _, m := range r.Matches {
			if m.TraceConn == ti {
				want = m.Conn
			}
		}
		if want == nil || e.Conn != want.ID || e.Confidence != Certain {
			t.Errorf("line %d (trace connection %d): capture connection %d, %v %v", e.Line, ti, e.Conn, e.Cause, e.Confidence)
		}
	}
}
