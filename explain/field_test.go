package explain

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/segscope/segscope/analyze"
	"github.com/segscope/segscope/capture"
	"github.com/segscope/segscope/curltrace"
	"github.com/segscope/segscope/stream"
)

// field is where the field captures are (testdata/field/README.md).
const field = "testdata/field"

// readTraceGz parses a gzip'd trace of testdata/field.
func readTraceGz(t testing.TB, name string) *curltrace.Trace {
	t.Helper()
	return parseGz(t, filepath.Join(field, name))
}

// gunzip reads a gzip'd file whole.
func gunzip(t testing.TB, path string) []byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return b
}

// parseGz parses a gzip'd trace.
func parseGz(t testing.TB, path string) *curltrace.Trace {
	t.Helper()
	tr, err := curltrace.Parse(bytes.NewReader(gunzip(t, path)), filepath.Base(path))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return tr
}

// TestFieldNulCut: curl 8.14 --trace-config all cut both reads of a
// binary body at a NUL byte (it logged 694 and 662 bytes, ids included);
// its client_write lines give the true sizes, 1000 and 1500, each read
// right after its response header (tshark: packets 6 and 9, 1282 and 1786
// bytes, Content-Length 1000 and 1500).
func TestFieldNulCut(t *testing.T) {
	tr := readTraceGz(t, "curl8-traceall-nul-cut.trace.gz")
	r := Explain(tr, analyzeFor(t, tr, filepath.Join(field, "curl8-traceall-nul-cut.pcap"), ""))
	if len(r.Events) != 2 {
		t.Fatalf("%d events", len(r.Events))
	}
	want := []struct {
		size, logged int
		start, end   int64
		packet       int
	}{{1000, 694, 282, 1282, 6}, {1500, 662, 1568, 3068, 9}}
	for i, w := range want {
		e := r.Events[i]
		if e.Size != w.size || e.Facts.Size == nil || !e.Facts.Size.Cut || e.Facts.Size.Logged != w.logged || e.Facts.Size.LowerBound {
			t.Errorf("read %d: size %d, size facts %+v", i, e.Size, e.Facts.Size)
		}
		if e.Range.Start != w.start || e.Range.End != w.end || len(e.Segments) != 1 || e.Segments[0].Packet != w.packet {
			t.Errorf("read %d: range %v, segments %+v", i, e.Range, e.Segments)
		}
		if e.Cause != CauseAfterHeaders || e.Confidence != Certain || !slices.Contains(e.Notes, NoteCutAtNUL) {
			t.Errorf("read %d: %v %v, notes %v", i, e.Cause, e.Confidence, e.Notes)
		}
	}
}

// TestFieldRedirectH2: curl 8.14 -L over HTTP/2 ignores the 302's body
// (DATA of 145 bytes on stream 1) without logging it. With the key log
// every read is placed on stream 3's frames, certain (as tshark's
// decryption shows: the first read is packet 19's first DATA frame).
func TestFieldRedirectH2(t *testing.T) {
	tr := readTraceGz(t, "redirect-h2-curl8-plain.trace.gz")
	capPath := filepath.Join(field, "redirect-h2-curl8-plain.pcap.gz")
	r := Explain(tr, analyzeFor(t, tr, capPath, filepath.Join(field, "redirect-h2-curl8-plain.keys")))
	var total int
	for _, e := range r.Events {
		total += e.Size
		f := e.Facts.Frames
		if e.Confidence != Certain || f == nil || len(f.Frames) == 0 {
			t.Errorf("line %d (%d bytes): %v %v, frames %+v", e.Line, e.Size, e.Cause, e.Confidence, f)
			continue
		}
		for _, fr := range f.Frames {
			if fr.Stream != 3 {
				t.Errorf("line %d: a frame of stream %d", e.Line, fr.Stream)
			}
		}
	}
	if len(r.Events) != 19 || total != 102400 {
		t.Errorf("%d events, %d bytes; want 19 and the 102400-byte body", len(r.Events), total)
	}
	if e := r.Events[0]; e.Line != 332 || e.Size != 8192 || e.Facts.Frames.Frames[0].From != 0 || e.Facts.Frames.Frames[0].InRead != 8192 {
		t.Errorf("first read: line %d, %d bytes, frames %+v", e.Line, e.Size, e.Facts.Frames)
	}

	// Without the key log, and without curl's FRAME lines in this trace,
	// the records give the arithmetic at best: nothing is certain, and
	// each read asks for the key log.
	r = Explain(tr, analyzeFor(t, tr, capPath, ""))
	for _, e := range r.Events {
		if e.Confidence == Certain || !slices.Contains(e.Needs, NeedKeyLog) {
			t.Errorf("line %d without the key log: %v %v, needs %v", e.Line, e.Cause, e.Confidence, e.Needs)
		}
	}
}

// TestFieldMidConnection: a capture started 0.7 s into the transfer has
// neither the SYN nor the response header. It holds the server's FIN, so
// what curl logged from a read on says where the read would start; but
// the body repeats itself (2000-byte pieces of the alphabet, the same
// every 13), so no read's bytes are there alone: a server that sent bytes
// curl never read would put the same bytes there too (review 43). No read
// is placed, and each says what would tell. The cause is unknown, not
// missing: the capture holds the later reads' bytes, only not where.
func TestFieldMidConnection(t *testing.T) {
	tr := readTraceGz(t, "midconn-capture.trace.gz")
	r := Explain(tr, analyzeFor(t, tr, filepath.Join(field, "midconn-capture.pcap.gz"), ""))
	if len(r.Events) != 100 || len(r.Matches) != 1 {
		t.Fatalf("%d events, %d matches", len(r.Events), len(r.Matches))
	}
	for _, e := range r.Events {
		if e.Cause != CauseUnknown || e.Confidence != CannotTell || !slices.Equal(e.Needs, []Need{NeedEarlierCapture}) || len(e.Segments) != 0 {
			t.Fatalf("line %d: %v %v needs %v, %d segments", e.Line, e.Cause, e.Confidence, e.Needs, len(e.Segments))
		}
	}
	if r.Matches[0].Aligned {
		t.Error("clocks aligned on reads that lie on no segment")
	}
}

// TestFieldLateCapture: tcpdump started a second after curl (review 30
// F4), so the capture has neither the SYN nor the response header. The
// reads whose bytes are on the captured stream, once, are placed from the
// first of them on; those before stay "cannot tell". late-hex-7: curl
// 7.88 --trace, a Go server writing 3007-byte chunks every 30 ms; the
// trace's bytes of 34 of the 61 reads are on the captured stream, once
// each, from line 5130 at its first byte to line 11367 at its last
// (99236: checked against tshark's payloads). late-ascii-8: curl 8.14
// --trace-ascii, nginx's limit_rate 50k; strace shows the reads 55052,
// 43252 and 6024 that the capture holds, the first 8.8 ms after its last
// segment (packet 56). curl 8's connect line, 1 s before the capture's
// first packet, is no other run's: the capture did not start with the
// connection.
func TestFieldLateCapture(t *testing.T) {
	tr := readTraceGz(t, "late-hex-7.trace.gz")
	r := Explain(tr, analyzeFor(t, tr, filepath.Join(field, "late-hex-7.pcap.gz"), ""))
	placed := 0
	for _, e := range r.Events {
		switch {
		case e.Line < 5130:
			if e.Cause != CauseUnknown || len(e.Segments) != 0 || !slices.Equal(e.Needs, []Need{NeedEarlierCapture}) {
				t.Errorf("hex line %d: %v needs %v, %d segments", e.Line, e.Cause, e.Needs, len(e.Segments))
			}
		case len(e.Segments) > 0:
			placed++
		}
	}
	first, last := eventAt(t, r, 5130), eventAt(t, r, 11367)
	if placed != 34 || first.Range != (stream.Range{Start: 0, End: 3007}) || first.Segments[0].Packet != 1 ||
		last.Range != (stream.Range{Start: 99231, End: 99236}) {
		t.Errorf("hex: %d placed; line 5130 at %v, line 11367 at %v", placed, first.Range, last.Range)
	}
	if e := eventAt(t, r, 5319); e.Cause != CauseSenderPush || e.Confidence != Inferred {
		t.Errorf("hex line 5319: %v %v", e.Cause, e.Confidence)
	}

	tr = readTraceGz(t, "late-ascii-8.trace.gz")
	r = Explain(tr, analyzeFor(t, tr, filepath.Join(field, "late-ascii-8.pcap.gz"), ""))
	if len(r.Problems) != 0 {
		t.Errorf("ascii: problems %+v", r.Problems)
	}
	want := []struct {
		line  int
		cause Cause
		rng   stream.Range
	}{
		{31, CauseUnknown, stream.Range{}},
		{544, CauseUnknown, stream.Range{}},
		{1569, CauseBacklog, stream.Range{Start: 0, End: 55052}},
		{2431, CauseBacklog, stream.Range{Start: 55052, End: 98304}},
		{3108, CauseBodyEnd, stream.Range{Start: 98304, End: 104328}},
	}
	for _, w := range want {
		e := eventAt(t, r, w.line)
		if e.Cause != w.cause || w.rng.End > 0 && (e.Range != w.rng || e.Confidence != Certain) || w.rng.End == 0 && len(e.Segments) != 0 {
			t.Errorf("ascii line %d: %v %v at %v, want %v at %v", w.line, e.Cause, e.Confidence, e.Range, w.cause, w.rng)
		}
	}
	if e := eventAt(t, r, 1569); len(e.Segments) != 39 || e.Segments[len(e.Segments)-1].Packet != 56 {
		t.Errorf("ascii line 1569: %d segments", len(e.Segments))
	}
}

// TestFieldLateKeepAliveTwice (reviews 41 and 42): curl 7.88 fetching one
// URL twice over one keep-alive connection (nginx limit_rate 50k, a 60790-
// byte text file), tcpdump started 0.7 s after curl, inside the first
// transfer. The first transfer's reads and request, whose bytes the second
// transfer repeats, were found on the second's packets, certain, and the
// second's reads called missing. From the stream's end (the FIN captured)
// the first transfer's last read would start at the capture's first byte
// (strace: 9832, packets 1-13), but its bytes are on the stream twice: it
// stays unknown. The second transfer's first read, whose bytes are there
// alone, anchors it; the second request is at the client stream's start
// (packet 15).
func TestFieldLateKeepAliveTwice(t *testing.T) {
	tr := readTraceGz(t, "late-keepalive-twice-7.trace.gz")
	r := Explain(tr, analyzeFor(t, tr, filepath.Join(field, "late-keepalive-twice-7.pcap.gz"), ""))
	if len(r.Problems) != 0 {
		t.Errorf("problems %+v", r.Problems)
	}
	want := map[int]stream.Range{29: {}, 542: {}, 828: {}, 1013: {Start: 10074, End: 42842}, 1526: {Start: 42842, End: 61032}, 1812: {Start: 61032, End: 70864}}
	for line, rng := range want {
		e := eventAt(t, r, line)
		if e.Range != rng || (rng.End == 0) != (len(e.Segments) == 0) {
			t.Errorf("line %d at %v (%d segments), want %v", line, e.Range, len(e.Segments), rng)
		}
	}
	if e := eventAt(t, r, 1013); e.Cause != CauseAfterHeaders || e.Segments[0].Packet != 16 {
		t.Errorf("line 1013: %v, first packet %d", e.Cause, e.Segments[0].Packet)
	}
	for _, e := range r.Sends {
		switch {
		case e.Line == 3 && len(e.Segments) != 0:
			t.Errorf("the first request, sent before the capture: packets %v", e.Segments)
		case e.Line == 987 && (e.Range != stream.Range{Start: 0, End: 91} || len(e.Segments) != 1 || e.Segments[0].Packet != 15):
			t.Errorf("the second request at %v, %d segments", e.Range, len(e.Segments))
		}
	}
}

// TestFieldLateTwoConnections (review 43): curl 7.88 fetching one URL
// twice on two connections in turn (the server closes each), tcpdump
// started 0.5 s after curl, inside the first. The capture holds the first
// connection (port 52044) without its start and the second (52048, its
// SYN at packet 154) whole. The bytes, the same on both, had bound the
// trace's first connection to the second and the second to the first, 98
// causes certain on the other's packets. Matched in the order the
// connections began, a guess: nothing certain.
func TestFieldLateTwoConnections(t *testing.T) {
	tr := readTraceGz(t, "late-two-conns-7.trace.gz")
	r := Explain(tr, analyzeFor(t, tr, filepath.Join(field, "late-two-conns-7.pcap.gz"), ""))
	if len(r.Matches) != 2 {
		t.Fatalf("matches %+v", r.Matches)
	}
	for _, m := range r.Matches {
		want := uint16(52044)
		if tr.Conns[m.TraceConn].Line > 2 {
			want = 52048
		}
		if m.Conn.Client.Port() != want || !m.Ambiguous {
			t.Errorf("trace connection at line %d: client port %d (ambiguous %v), want %d", tr.Conns[m.TraceConn].Line, m.Conn.Client.Port(), m.Ambiguous, want)
		}
	}
	if r.Refused {
		t.Errorf("refused: %+v", r.Problems)
	}
	noneCertain(t, r)
}

// TestFieldTwoRunsTailLost (review 40): two curl 7.88 runs of one URL in
// one second, captured together by tcpdump -i lo, which lost the second
// run's last packets (port 43262: its SYN 1.1 ms after curl's connect in
// strace). The second run's trace had been bound to the first run's
// connection, the only one still holding its last read's bytes, "found on
// this connection's stream", every cause certain on the other run's
// packets. A connection that lacks bytes is not ruled out by them: the
// match is a guess, and nothing is certain.
func TestFieldTwoRunsTailLost(t *testing.T) {
	tr := readTraceGz(t, "two-runs-tail-lost-7.trace.gz")
	r := Explain(tr, analyzeFor(t, tr, filepath.Join(field, "two-runs-tail-lost-7.pcap.gz"), ""))
	if len(r.Matches) != 1 || !r.Matches[0].Ambiguous || r.Matches[0].By == ByContent {
		t.Fatalf("matches %+v", r.Matches)
	}
	if !slices.ContainsFunc(r.Problems, func(p Problem) bool { return p.Kind == ProblemAmbiguous }) {
		t.Errorf("problems %+v", r.Problems)
	}
	noneCertain(t, r)
}

// TestFieldTLS13Padded (review 39): openssl s_server -record_padding 512
// -max_send_frag 1000 pads its TLS 1.3 records. Without the key log,
// the six 384-byte reads of 528-byte records (511 of plaintext less the
// padding) were "buffer-cap: the record had 127 more, curl asked for no
// more", though the next read came from the next record and tshark
// decrypts each to 384 bytes. A read whose record gives no later read is
// that record's content, the rest padding: tls-record, inferred; with the
// key log, certain.
func TestFieldTLS13Padded(t *testing.T) {
	tr := readTraceGz(t, "tls13-padded-8.trace.gz")
	for _, keys := range []string{"", filepath.Join(field, "tls13-padded-8.keys")} {
		r := Explain(tr, analyzeFor(t, tr, filepath.Join(field, "tls13-padded-8.pcap.gz"), keys))
		padded := 0
		for _, e := range r.Events {
			if e.Cause != CauseTLSRecord {
				t.Errorf("keys %q: line %d: %v %v", keys, e.Line, e.Cause, e.Confidence)
			}
			if e.Size == 384 {
				padded++
				want, by := Inferred, ByRecordPadding
				if keys != "" {
					want, by = Certain, Inference(0)
				}
				if e.Confidence != want || e.Inference != by || e.Facts.Record.Length != 528 {
					t.Errorf("keys %q: line %d: %v %v (%v), record %+v", keys, e.Line, e.Cause, e.Confidence, e.Inference, e.Facts.Record)
				}
			}
		}
		if padded != 6 || len(r.Events) != 107 {
			t.Errorf("keys %q: %d reads of 384, %d events", keys, padded, len(r.Events))
		}
	}
}

// TestFieldReuseRead (review 39): curl 7.88 fetching /a (20000 bytes)
// and /b (5000) from node's HTTP/2 server over one connection. node ends
// stream 1 with an empty DATA frame in a 26-byte record of its own, which
// curl read after "left intact", checking the connection before its
// "Re-using existing connection #0" line (trace lines 1534-1537). That read
// went to no connection, and without the key log /b's read was laid 31
// bytes early, on packets 22-23; tshark (key log) puts /b's 5000 bytes in
// the record at stream offset 22211 (5026 bytes, packet 23).
func TestFieldReuseRead(t *testing.T) {
	tr := readTraceGz(t, "node-h2-reuse-7.trace.gz")
	n := 0
	for i, e := range tr.Events {
		if e.Line > 1532 && e.Line < 1541 && e.Kind == curltrace.RecvSSL {
			n++
			if tr.EventConn[i] != 0 {
				t.Errorf("line %d: connection %d", e.Line, tr.EventConn[i])
			}
		}
	}
	if n != 2 {
		t.Errorf("%d Recv SSL events before the reuse line", n)
	}
	r := Explain(tr, analyzeFor(t, tr, filepath.Join(field, "node-h2-reuse-7.pcap.gz"), ""))
	e := eventAt(t, r, 1579)
	if e.Range != (stream.Range{Start: 22211, End: 27242}) || len(e.Segments) != 1 || e.Segments[0].Packet != 23 || e.Cause != CauseH2Frames {
		t.Errorf("line 1579: %v %v at %v, %d segments", e.Cause, e.Confidence, e.Range, len(e.Segments))
	}
}

// TestFieldASCIIBinaryAll (review 38): curl 8.14 --trace-ascii
// --trace-config all of node writing 40 random 1000-byte pieces 5 ms
// apart. curl bug 18755 cut each read's dump at its first NUL, and an
// --trace-ascii dump of random bytes has no 8 printable bytes in a row to
// search by: such reads are found only where the ones before left off,
// and one not found so was "not on capture connection 0, which holds that
// direction whole": the pair was refused as two transfers (exit 1), though
// strace's recvfrom sizes are the trace's 40 x 1000.
func TestFieldASCIIBinaryAll(t *testing.T) {
	tr := readTraceGz(t, "ascii-all-binary-8.trace.gz")
	r := Explain(tr, analyzeFor(t, tr, filepath.Join(field, "ascii-all-binary-8.pcap.gz"), ""))
	if r.Refused || len(r.Problems) != 0 {
		t.Fatalf("refused %v, problems %+v", r.Refused, r.Problems)
	}
	if len(r.Events) != 40 {
		t.Fatalf("%d events", len(r.Events))
	}
	for _, e := range r.Events {
		if e.Size != 1000 || len(e.Segments) == 0 {
			t.Errorf("line %d: %d bytes, %d segments", e.Line, e.Size, len(e.Segments))
		}
	}
}

// TestFieldSnap64: tcpdump -s 64 cut all 67 packets inside their TCP
// options. They are counted as cut, not malformed, and the trace's
// connection is unmatched for that reason, which is what explain says.
func TestFieldSnap64(t *testing.T) {
	tr := readTraceGz(t, "snap64.trace.gz")
	res := analyzeFor(t, tr, filepath.Join(field, "snap64.pcap"), "")
	if res.Packets != 67 || res.SnapCut != 67 || res.SnapLen != 64 || res.Malformed != 0 || res.TCPPackets != 0 {
		t.Fatalf("packets %d, cut %d (snap %d), malformed %d, tcp %d", res.Packets, res.SnapCut, res.SnapLen, res.Malformed, res.TCPPackets)
	}
	r := Explain(tr, res)
	if len(r.Problems) != 1 || r.Problems[0].Kind != ProblemNoConnection || r.Problems[0].SnapCut != 67 {
		t.Fatalf("problems %+v", r.Problems)
	}
	for _, e := range r.Events {
		if e.Cause != CauseUnmatched || !slices.Equal(e.Needs, []Need{NeedFullSnap}) {
			t.Fatalf("line %d: %v needs %v", e.Line, e.Cause, e.Needs)
		}
	}
}

// TestFieldWindowFull: on loopback the server fills the receive window
// curl's socket advertised; tshark flags packet 15 "window full". The
// read ending there is window-full, from the window of the ACK in packet
// 13 (95232 bytes from offset 98494); no other read ends at a window.
func TestFieldWindowFull(t *testing.T) {
	tr := readTraceGz(t, "window-full.trace.gz")
	r := Explain(tr, analyzeFor(t, tr, filepath.Join(field, "window-full.pcap.gz"), ""))
	if len(r.Events) != 5 {
		t.Fatalf("%d events", len(r.Events))
	}
	for _, e := range r.Events {
		w := e.Facts.Window
		if e.Line != 6180 {
			if w != nil || e.Cause == CauseWindowFull {
				t.Errorf("line %d: %v, window %+v", e.Line, e.Cause, w)
			}
			continue
		}
		if e.Cause != CauseWindowFull || e.Confidence != Certain || w == nil || w.Window != 95232 || w.Packet != 13 || w.Edge != 193726 || e.Range.End != 193726 {
			t.Errorf("line 6180: %v %v, range %v, window %+v", e.Cause, e.Confidence, e.Range, w)
		}
	}
}

// TestFieldTwoRuns: the same request made twice, 1.5 s apart; the capture
// is of the second run only. The first run's trace is not matched to it
// (its response's Date is 10:39:54, the capture's 10:39:56), and says
// why; the second run's trace is.
func TestFieldTwoRuns(t *testing.T) {
	capPath := filepath.Join(field, "two-runs-runB.pcap")
	trA := readTraceGz(t, "two-runs-runA.trace.gz")
	r := Explain(trA, analyzeFor(t, trA, capPath, ""))
	if len(r.Matches) != 0 || len(r.Problems) != 1 {
		t.Fatalf("run A against run B's capture: %d matches, problems %+v", len(r.Matches), r.Problems)
	}
	p := r.Problems[0]
	if p.Kind != ProblemResponseDiffers || p.Sent != "Date: Sat, 28 Nov 2026 10:39:54 GMT" || p.Began != "Date: Sat, 28 Nov 2026 10:39:56 GMT" || p.Conn != 0 {
		t.Errorf("problem %+v", p)
	}
	for _, e := range r.Events {
		if e.Cause != CauseUnmatched {
			t.Errorf("line %d: %v", e.Line, e.Cause)
		}
	}
	trB := readTraceGz(t, "two-runs-runB.trace.gz")
	r = Explain(trB, analyzeFor(t, trB, capPath, ""))
	if len(r.Matches) != 1 || len(r.Problems) != 0 || len(r.Events) != 1 || r.Events[0].Size != 20000 || r.Events[0].Cause == CauseUnmatched {
		t.Errorf("run B: %d matches, problems %+v, events %d", len(r.Matches), r.Problems, len(r.Events))
	}
}

// TestField788Parallel: curl 7.88 -Z fetched three streams over one
// HTTP/2 connection; the frames of streams 1, 3 and 5 interleave (tshark)
// and curl 7.88 served them in turn without naming the stream, so the
// connection's DATA order does not place a read. Each read's bytes are
// the next of one stream's DATA (review 26: every read had been "cannot
// tell" with the key log given): the server wrote 2000-byte runs of
// fill+i%7, fill a, k and u for streams 1, 3 and 5 (the requests' order),
// so a read's first byte names its stream. Without the key log nothing
// is placed: the frames are not known.
func TestField788Parallel(t *testing.T) {
	tr := readTraceGz(t, "par-same-788.trace.gz")
	r := Explain(tr, analyzeFor(t, tr, filepath.Join(field, "par-same-788.pcap.gz"), filepath.Join(field, "par-same-788.keys")))
	if len(r.Events) != 45 {
		t.Fatalf("%d events", len(r.Events))
	}
	streamOf := map[byte]uint32{'a': 1, 'k': 3, 'u': 5}
	perStream := map[uint32]int{}
	for _, e := range r.Events {
		fr := e.Facts.Frames
		want := streamOf[tr.Events[e.Index].Data[0]]
		if e.Cause != CauseH2Frames || e.Confidence != Certain || fr == nil || len(fr.Frames) != 1 || fr.Frames[0].Stream != want ||
			fr.Frames[0].Payload != 2000 || !fr.Frames[0].Whole() || len(e.Segments) == 0 {
			t.Fatalf("line %d (stream %d's bytes): %v %v frames %+v", e.Line, want, e.Cause, e.Confidence, fr)
		}
		perStream[want]++
	}
	if perStream[1] != 15 || perStream[3] != 15 || perStream[5] != 15 {
		t.Errorf("reads per stream %v, want 15 each", perStream)
	}
	r = Explain(tr, analyzeFor(t, tr, filepath.Join(field, "par-same-788.pcap.gz"), ""))
	for _, e := range r.Events {
		if e.Confidence == Certain || e.Facts.Frames != nil {
			t.Fatalf("without keys, line %d: %v %v frames %+v", e.Line, e.Cause, e.Confidence, e.Facts.Frames)
		}
	}
}

// TestFieldDrops: tcpdump dropped 284 packets (no snap length: every
// frame is whole). What would tell is the missing packets, never a
// capture without a snap length; and no read is certain on frames that do
// not hold all its bytes.
func TestFieldDrops(t *testing.T) {
	tr := readTraceGz(t, "drops-tiny-788.trace.gz")
	r := Explain(tr, analyzeFor(t, tr, filepath.Join(field, "drops-tiny-788.pcap.gz"), filepath.Join(field, "drops-tiny-788.keys")))
	if len(r.Events) != 300 {
		t.Fatalf("%d events", len(r.Events))
	}
	certain := 0
	for _, e := range r.Events {
		if slices.Contains(e.Needs, NeedFullSnap) {
			t.Fatalf("line %d: asks for a capture without a snap length", e.Line)
		}
		if e.Confidence != Certain {
			if !slices.Contains(e.Needs, NeedPackets) {
				t.Errorf("line %d: %v, needs %v", e.Line, e.Confidence, e.Needs)
			}
			continue
		}
		certain++
		in := 0
		for _, f := range e.Facts.Frames.Frames {
			in += f.InRead
		}
		if in != e.Size {
			t.Errorf("line %d: certain on frames holding %d of its %d bytes", e.Line, in, e.Size)
		}
	}
	if certain == 0 || certain == 300 {
		t.Errorf("%d certain of 300: some frames were decrypted, some lost", certain)
	}
}

// TestFieldManyFrames: each TLS record held 20 DATA frames of 100 bytes
// (tshark), and curl 7.88 reported each record's DATA as one read of
// 2000: each read is 20 whole frames.
func TestFieldManyFrames(t *testing.T) {
	tr := readTraceGz(t, "manyframes-788.trace.gz")
	r := Explain(tr, analyzeFor(t, tr, filepath.Join(field, "manyframes-788.pcap.gz"), filepath.Join(field, "manyframes-788.keys")))
	if len(r.Events) != 5 {
		t.Fatalf("%d events", len(r.Events))
	}
	for _, e := range r.Events {
		f := e.Facts.Frames
		if e.Size != 2000 || e.Cause != CauseH2Frames || e.Confidence != Certain || f == nil || len(f.Frames) != 20 {
			t.Fatalf("line %d: %d bytes, %v %v, frames %+v", e.Line, e.Size, e.Cause, e.Confidence, f)
		}
		for _, x := range f.Frames {
			if x.Payload != 100 || x.InRead != 100 {
				t.Errorf("line %d: frame %+v", e.Line, x)
			}
		}
	}
}

// TestInferenceNames: every inference has its own name in JSON.
func TestInferenceNames(t *testing.T) {
	seen := map[string]Inference{}
	for i := NoInference; i <= ByDistantClocks; i++ {
		n := i.String()
		if n == "" || n == "unknown" {
			t.Errorf("inference %d has no name", i)
		}
		if j, dup := seen[n]; dup {
			t.Errorf("inferences %d and %d are both %q", j, i, n)
		}
		seen[n] = i
	}
	if ByTraceRecords.String() != "trace-records" || ByShortSegment.String() != "short-segment" {
		t.Errorf("trace-records %q, short-segment %q", ByTraceRecords, ByShortSegment)
	}
}

// TestFieldTwoConns: the capture has two connections to the server, the
// trace one, with no client port and the same response Date. The match
// in order of connection (to 0; curl's -w '%{local_port}' said 41392,
// connection 1) is flagged as a guess and nothing is certain; with the
// connection chosen by its client port (explain --port), it is.
func TestFieldTwoConns(t *testing.T) {
	tr := readTraceGz(t, "two-conns.trace.gz")
	res := analyzeFor(t, tr, filepath.Join(field, "two-conns.pcap"), "")
	r := Explain(tr, res)
	if len(r.Matches) != 1 || !r.Matches[0].Ambiguous || len(r.Problems) != 1 || r.Problems[0].Kind != ProblemAmbiguous || r.Problems[0].Candidates != 2 {
		t.Fatalf("matches %+v, problems %+v", r.Matches, r.Problems)
	}
	for _, e := range r.Events {
		if e.Confidence == Certain {
			t.Errorf("line %d: certain on a guessed connection", e.Line)
		}
	}
	sel := *res
	sel.Connections = res.Select(analyze.Filter{Ports: []uint16{41392}})
	r = Explain(tr, &sel)
	if len(r.Matches) != 1 || r.Matches[0].Ambiguous || r.Matches[0].Conn.ID != 1 || len(r.Problems) != 0 {
		t.Fatalf("with --port 41392: matches %+v, problems %+v", r.Matches, r.Problems)
	}
	for _, e := range r.Events {
		if e.Confidence != Certain || e.Size != 20000 {
			t.Errorf("line %d: %d bytes, %v", e.Line, e.Size, e.Confidence)
		}
	}
}

// TestFieldLossRecovery: tbf dropped segments; bytes after each hole
// waited in the kernel until the retransmission came. The read at line
// 768 took 5 segments at once because packet 32 (tshark: a fast
// retransmission of seq 11775) filled the hole before 4 of them that had
// arrived earlier: loss-recovery, certain, not backlog.
func TestFieldLossRecovery(t *testing.T) {
	tr := readTraceGz(t, "loss-recovery.trace.gz")
	r := Explain(tr, analyzeFor(t, tr, filepath.Join(field, "loss-recovery.pcap.gz"), ""))
	var n int
	for _, e := range r.Events {
		if e.Cause == CauseLossRecovery {
			n++
		}
		if e.Line != 768 {
			continue
		}
		rc := e.Facts.Recovery
		if e.Size != 7240 || e.Cause != CauseLossRecovery || e.Confidence != Certain || rc == nil || rc.Packet != 32 || rc.Waited != 4 || len(e.Segments) != 5 {
			t.Errorf("line 768: %d bytes, %v %v, recovery %+v, %d segments", e.Size, e.Cause, e.Confidence, rc, len(e.Segments))
		}
	}
	if n < 5 {
		t.Errorf("%d loss-recovery reads; the capture has more than 5 holes filled late", n)
	}
}

// TestDistantClocks: the window-full pair with the trace's clock moved
// 10 s (as a trace from another host would be): the bytes curl logged
// are the connection's, so the clocks are two hosts'; that is listed, and
// no cause is certain, each saying why.
func TestDistantClocks(t *testing.T) {
	tr := readTraceGz(t, "window-full.trace.gz")
	res := analyzeFor(t, tr, filepath.Join(field, "window-full.pcap.gz"), "")
	for i := range tr.Events {
		tr.Events[i].Time += 10 * time.Second
	}
	r := Explain(tr, res)
	if len(r.Problems) != 1 || r.Problems[0].Kind != ProblemHostClocks || r.Problems[0].Skew < 9*time.Second || r.Refused {
		t.Fatalf("problems %+v, refused %v", r.Problems, r.Refused)
	}
	for _, e := range r.Events {
		if e.Confidence == Certain || e.Confidence == Inferred && e.Inference != ByDistantClocks && e.Inference != ByShortSegment {
			t.Errorf("line %d: %v %v", e.Line, e.Confidence, e.Inference)
		}
	}
}

// TestFieldExpectCut: an upload with Expect: 100-continue whose capture
// ends after the 100 Continue: the body read of the final response (line
// 650, 10 bytes) is missing, past the capture's end, not placed on the
// interim response's bytes; on the whole capture it is at 142-152 in
// packet 11 (tshark: the 200's 127-byte segment).
func TestFieldExpectCut(t *testing.T) {
	tr := readTraceGz(t, "expect-cut.trace.gz")
	for _, tc := range []struct {
		file   string
		cause  Cause
		at     stream.Range
		packet int
	}{
		{"expect-cut.pcap.gz", CauseMissing, stream.Range{}, 0},
		{"expect-full.pcap.gz", CauseAfterHeaders, stream.Range{Start: 142, End: 152}, 11},
	} {
		r := Explain(tr, analyzeFor(t, tr, filepath.Join(field, tc.file), ""))
		if len(r.Events) != 1 {
			t.Fatalf("%s: %d events", tc.file, len(r.Events))
		}
		e := r.Events[0]
		if e.Line != 650 || e.Cause != tc.cause {
			t.Errorf("%s: line %d %v, want line 650 %v", tc.file, e.Line, e.Cause, tc.cause)
		}
		if tc.packet == 0 {
			if len(e.Segments) != 0 {
				t.Errorf("%s: placed on %d segments (packet %d)", tc.file, len(e.Segments), e.Segments[0].Packet)
			}
			continue
		}
		if e.Range != tc.at || len(e.Segments) != 1 || e.Segments[0].Packet != tc.packet {
			t.Errorf("%s: at %v on %d segments, want %v in packet %d", tc.file, e.Range, len(e.Segments), tc.at, tc.packet)
		}
	}
}

// TestFieldReadBeforeData: two curl 8.14 --trace-ascii runs of one URL
// back to back in one second (python's http.server on 127.0.0.1, 200000
// bytes of text: the same bytes, the same Date), the capture cut to the
// second run's connection, the first run's trace. The bytes match, and the
// clock was moved 23 ms to fit the reads; on one host curl 8's clock is
// the capture's, so a read logged before its bytes were captured refuses
// the pair.
func TestFieldReadBeforeData(t *testing.T) {
	tr := readTraceGz(t, "read-before-data.trace.gz")
	r := Explain(tr, analyzeFor(t, tr, filepath.Join(field, "read-before-data.pcap.gz"), ""))
	if !r.Refused || len(r.Problems) != 1 || r.Problems[0].Kind != ProblemReadBeforeData ||
		r.Problems[0].Skew > -20*time.Millisecond || r.Problems[0].Skew < -30*time.Millisecond {
		t.Errorf("refused %v, problems %+v", r.Refused, r.Problems)
	}
}

// TestFieldLimitRateHeaderShared: curl 8.14 --limit-rate 50k from nginx
// on 127.0.0.1 (review 22; strace: recvfrom 51200 = 51200, then 51200 a
// second later, then 258): curl 8 reads at most the rate. The first read
// held the 258 header bytes too (258 + 50942), so one read of 51200 showed
// in the trace, and the buffer was not found: both reads that stopped
// inside a segment, its rest there for 994 ms, were "backlog, certain"
// ("N is how much was waiting"). The header's share counts now: the
// buffer is 51200, the first read capped by it, the second paced.
func TestFieldLimitRateHeaderShared(t *testing.T) {
	tr := readTraceGz(t, "limit-rate-50k-8.trace.gz")
	r := Explain(tr, analyzeFor(t, tr, filepath.Join(field, "limit-rate-50k-8.pcap.gz"), ""))
	if r.Buffer == nil || r.Buffer.Size != 51200 || len(r.Events) != 3 {
		t.Fatalf("buffer %+v, %d reads", r.Buffer, len(r.Events))
	}
	want := []struct {
		line  int
		cause Cause
		conf  Confidence
	}{{43, CauseBufferCap, Inferred}, {3229, CauseRateLimit, Inferred}, {6430, CauseBodyEnd, Certain}}
	for i, w := range want {
		if e := r.Events[i]; e.Line != w.line || e.Cause != w.cause || e.Confidence != w.conf {
			t.Errorf("line %d: %v %v, want line %d %v %v", e.Line, e.Cause, e.Confidence, w.line, w.cause, w.conf)
		}
	}
}

// TestFieldGROServerSide: node writing 10 chunks of 5000 bytes 20 ms
// apart (gro-chunks-srv.js.txt), curl 7.88 through a router, TSO and GSO
// off at the server, GRO on at curl's host; tcpdump at both ends (review
// 22). strace: every read is 5008 bytes, 20 ms apart. The client's capture
// shows one 5008-byte segment a read (GRO); the server's, 1448 x3 + 664,
// which were "backlog, certain": from the server's side how the segments
// reached curl is not known, so it is inferred.
func TestFieldGROServerSide(t *testing.T) {
	tr := readTraceGz(t, "gro-chunks.trace.gz")
	r := Explain(tr, analyzeFor(t, tr, filepath.Join(field, "gro-chunks.server.pcap.gz"), ""))
	n := 0
	for _, e := range r.Events {
		if e.Size == 5008 && e.Cause == CauseBacklog {
			n++
			if e.Confidence != Inferred || e.Inference != ByServerSegments {
				t.Errorf("line %d: backlog %v (%v) from the server's side", e.Line, e.Confidence, e.Inference)
			}
		}
	}
	if n == 0 {
		t.Error("no 5008-byte read taken for backlog from the server's side")
	}
	r = Explain(tr, analyzeFor(t, tr, filepath.Join(field, "gro-chunks.client.pcap.gz"), ""))
	for _, e := range r.Events {
		if e.Size == 5008 && (len(e.Segments) != 1 || e.Cause == CauseBacklog) {
			t.Errorf("client side, line %d: %v on %d segments", e.Line, e.Cause, len(e.Segments))
		}
	}
}

// TestFieldDropH2TLS12: curl 7.88 --http2 from nginx (TLS 1.2,
// AES-128-GCM, 4 KiB records), one packet of the capture deleted
// (editcap, packet 20: record #11 whole), with the key log (review 23).
// Every record after the drop had been left undecrypted (its sequence
// number unknown), and the next read called "the capture has none of
// these bytes" of bytes packet 20 holds (tshark: seq 18006, 4125 bytes).
// The next record's tag tells one record was lost: every read but the
// lost record's is as against the whole capture.
func TestFieldDropH2TLS12(t *testing.T) {
	tr := readTraceGz(t, "drop-h2-tls12.trace.gz")
	r := Explain(tr, analyzeFor(t, tr, filepath.Join(field, "drop-h2-tls12.pcap.gz"), filepath.Join(field, "drop-h2-tls12.keys")))
	for _, e := range r.Events {
		switch {
		case e.Line == 997:
			if e.Confidence == Certain || len(e.Segments) != 0 {
				t.Errorf("line 997, in the dropped packet: %v %v on %d segments", e.Cause, e.Confidence, len(e.Segments))
			}
		case e.Line == 1256 && (e.Cause != CauseH2Frames || e.Confidence != Certain || len(e.Segments) != 1 || e.Segments[0].Packet != 20):
			t.Errorf("line 1256: %v %v on %+v", e.Cause, e.Confidence, e.Segments)
		case e.Line != 997 && e.Confidence != Certain:
			t.Errorf("line %d: %v %v", e.Line, e.Cause, e.Confidence)
		}
	}
}

// TestFieldEightClientsTrying: eight curl 8.14 --trace-ascii runs at
// once to nginx TLS 1.3 on 127.0.0.1:20502, tcpdump -s 100 (the
// ClientHellos cut inside their randoms), each trace cut after its first
// 400 lines (review 25; eight-clients-s80 is the same cut to 80 bytes a
// packet with editcap -s 80). curl 8 logs "Connected to" after the TLS
// handshake: matched by that line's time, six of eight traces had been
// given the last connection, without "a guess". Its "Trying" line is the
// SYN's time: the random's printable bytes (the oracle, from the cut
// packets) give trace 1 client port 44922, trace 7 44938, trace 3 44892;
// 1 and 7 are now matched so, 3 (no SYN alone near its Trying line) is a
// guess, said as such.
func TestFieldEightClientsTrying(t *testing.T) {
	for _, tc := range []struct {
		n, port int
		guess   bool
	}{{1, 44922, false}, {7, 44938, false}, {3, 0, true}} {
		tr := readTraceGz(t, fmt.Sprintf("eight-clients-%d.trace.gz", tc.n))
		// -s 100 cut the randoms after 23 bytes: those tell every trace's
		// connection (the oracle above); cut to 80 bytes (3 of them) they
		// do not, and the Trying line decides.
		r := Explain(tr, analyzeFor(t, tr, filepath.Join(field, "eight-clients-s100.pcap.gz"), ""))
		if want := map[int]int{1: 44922, 3: 44892, 7: 44938}[tc.n]; len(r.Matches) != 1 || r.Matches[0].By != ByClientRandom || int(r.Matches[0].Conn.Client.Port()) != want {
			t.Errorf("trace %d, 23 bytes of each random: %+v, want port %d by the random", tc.n, r.Matches, want)
		}
		r = Explain(tr, analyzeFor(t, tr, filepath.Join(field, "eight-clients-s80.pcap.gz"), ""))
		if len(r.Matches) != 1 {
			t.Fatalf("trace %d: %d matches", tc.n, len(r.Matches))
		}
		m := r.Matches[0]
		switch {
		case tc.guess && !m.Ambiguous:
			t.Errorf("trace %d: matched to %v by %v, not as a guess", tc.n, m.Conn.Client, m.By)
		case !tc.guess && (m.Ambiguous || int(m.Conn.Client.Port()) != tc.port):
			t.Errorf("trace %d: matched to %v (ambiguous %v), want port %d", tc.n, m.Conn.Client, m.Ambiguous, tc.port)
		}
	}
}

// TestFieldOtherRun: three curl 8.14 runs of one URL in one second
// (python's http.server, 102400 bytes of text, one Date), tcpdump on only
// while the middle one (A, client port 44902) ran. curl 8's trace clock
// is the system's: the run before (Z) ended 330 ms before the captured
// connection began, the run after (B) began 450 ms after it ended. Their
// bytes match, so they were matched and every cause called certain (the
// two runs' reads are not the capture's); now each is flagged as another
// run (or another host's clock) and nothing is certain. A itself stays
// certain, the clock taken as is. Both ends are on one host (127.0.0.1),
// one clock: Z's reads come before the capture shows their bytes, which
// refuses it as another run's.
func TestFieldOtherRun(t *testing.T) {
	tr := readTraceGz(t, "other-run-Z.trace.gz")
	r := Explain(tr, analyzeFor(t, tr, filepath.Join(field, "other-run.pcap.gz"), ""))
	if !r.Refused || len(r.Problems) != 1 || r.Problems[0].Kind != ProblemReadBeforeData || r.Problems[0].Skew > -300*time.Millisecond {
		t.Errorf("Z: refused %v, problems %+v", r.Refused, r.Problems)
	}
	for _, tc := range []struct {
		name  string
		other bool
		after bool
	}{{"A", false, false}, {"B", true, true}} {
		tr := readTraceGz(t, "other-run-"+tc.name+".trace.gz")
		r := Explain(tr, analyzeFor(t, tr, filepath.Join(field, "other-run.pcap.gz"), ""))
		if len(r.Matches) != 1 || r.Matches[0].Conn.Client.Port() != 44902 || r.Refused {
			t.Fatalf("%s: %d matches, refused %v", tc.name, len(r.Matches), r.Refused)
		}
		var other []Problem
		for _, p := range r.Problems {
			if p.Kind == ProblemOtherRun {
				other = append(other, p)
			}
		}
		certain := r.Summary.Confidence[Certain] + r.Summary.Send.Confidence[Certain]
		switch {
		case !tc.other && (len(other) != 0 || !r.Matches[0].ClockAsIs || r.Summary.Confidence[Inferred] != 0):
			t.Errorf("%s, the captured run: problems %+v, clock as is %v, confidence %v", tc.name, r.Problems, r.Matches[0].ClockAsIs, r.Summary.Confidence)
		case tc.other && (len(other) != 1 || certain != 0 || r.Matches[0].ClockAsIs):
			t.Errorf("%s, another run: problems %+v, %d certain, clock as is %v", tc.name, r.Problems, certain, r.Matches[0].ClockAsIs)
		case tc.other && tc.after && (other[0].Skew < 300*time.Millisecond || other[0].Skew > 600*time.Millisecond):
			t.Errorf("%s: %v after the capture's connection, want about 450ms", tc.name, other[0].Skew)
		case tc.other && !tc.after && (other[0].Skew > -250*time.Millisecond || other[0].Skew < -500*time.Millisecond):
			t.Errorf("%s: %v before the capture's connection, want about -330ms", tc.name, other[0].Skew)
		}
	}
}

// TestFieldTraceBodyEnd: A's trace alone, one read of 102400 bytes,
// curl's buffer and the whole Content-Length: the body ended there (it had
// said "capped by curl's receive buffer while more was waiting").
func TestFieldTraceBodyEnd(t *testing.T) {
	tr := readTraceGz(t, "other-run-A.trace.gz")
	r := Explain(tr, nil)
	if len(r.Events) != 1 {
		t.Fatalf("%d events", len(r.Events))
	}
	e := r.Events[0]
	if e.Size != 102400 || e.Cause != CauseBodyEnd || e.Confidence != Certain || e.Facts.Body == nil || e.Facts.Body.Source != FromTrace || e.Facts.Body.Length != 102400 {
		t.Errorf("%d bytes: %s %s, body %+v", e.Size, e.Cause, e.Confidence, e.Facts.Body)
	}
}

// TestFieldH2CSnap: h2c (nginx, --http2-prior-knowledge, curl 8.14)
// captured with tcpdump -s 96: the frames are cut, and what would tell is
// whole packets, not a key log (there is no TLS).
func TestFieldH2CSnap(t *testing.T) {
	tr := readTraceGz(t, "h2c-snap96.trace.gz")
	r := Explain(tr, analyzeFor(t, tr, filepath.Join(field, "h2c-snap96.pcap.gz"), ""))
	if len(r.Events) != 19 || len(r.Sends) != 1 {
		t.Fatalf("%d events, %d sends", len(r.Events), len(r.Sends))
	}
	for _, e := range append(r.Events, r.Sends...) {
		if e.Dir == DirSend {
			if c := e.Facts.Capture; c == nil || !c.Snapped || e.Facts.Layer != LayerH2C {
				t.Errorf("send line %d: capture fact %+v, layer %v", e.Line, c, e.Facts.Layer)
			}
			continue
		}
		if e.Confidence != CannotTell || len(e.Needs) != 1 || e.Needs[0] != NeedFullSnap {
			t.Errorf("line %d: %s %s %v", e.Line, e.Cause, e.Confidence, e.Needs)
		}
	}
}

// TestFieldLossTbf: nginx serving 300000 bytes of text through a router
// whose tbf queue (limit 12000) drops, curl 7.88, tcpdump at the client's
// and the server's veth at once. analyze counts retransmissions as tshark
// does (36 at the client, 58 at the server, none out of order: six
// hole-fillers had been called reordered, arriving after the RTT but
// within 3 ms). From the server, the reads the client's capture shows
// waiting for a resent segment were "backlog, certain" on the dropped
// copies; now they are loss-recovery, inferred (the last copy listed),
// and every other cause is the client capture's (backlog inferred: how
// the server's segments reached curl is not in its capture).
func TestFieldLossTbf(t *testing.T) {
	tr := readTraceGz(t, "loss-tbf.trace.gz")
	want := map[string]int32{"client": 36, "server": 58}
	causes := map[string]map[int]string{}
	for _, side := range []string{"client", "server"} {
		res := analyzeFor(t, tr, filepath.Join(field, "loss-tbf."+side+".pcap.gz"), "")
		d := res.Connections[0].Dir(analyze.ServerToClient)
		if d.RetransmittedSegments != want[side] || d.OutOfOrderSegments != 0 {
			t.Errorf("%s: %d retransmitted, %d out of order; tshark: %d and 0", side, d.RetransmittedSegments, d.OutOfOrderSegments, want[side])
		}
		r := Explain(tr, res)
		causes[side] = map[int]string{}
		for _, e := range r.Events {
			causes[side][e.Line] = e.Cause.String() + " " + e.Confidence.String()
			if side == "server" && e.Confidence == Certain && e.Facts.Segments != nil && e.Facts.Segments.Resent > 0 && e.Facts.Segments.Count > 1 {
				t.Errorf("server line %d: %s %s on segments the server sent twice", e.Line, e.Cause, e.Confidence)
			}
		}
		if n := r.Summary.Count(CauseLossRecovery); n != 13 {
			t.Errorf("%s: %d loss-recovery reads, want 13", side, n)
		}
	}
	for line, c := range causes["client"] {
		s := causes["server"][line]
		// From the server, several segments a read took are backlog
		// inferred: GRO on curl's host may have merged them (review 22).
		if c != s && !(c == "loss-recovery certain" && s == "loss-recovery inferred") && !(c == "backlog certain" && s == "backlog inferred") {
			t.Errorf("line %d: client %s, server %s", line, c, s)
		}
	}
}

// TestFieldOneHost: curl 7.88 and python's http.server on 127.0.0.1 in a
// namespace whose loopback has MTU 1500, tcpdump on that loopback: 12 of
// the 15 server segments are GSO segments of up to 45 x 1448, which
// loopback hands to curl's socket whole. Both ends share an address, so
// the capture is on curl's host and its segments are what curl received:
// nothing is "above offload, cannot tell" (a read of 80720 bytes had
// been unknown), and the point says why.
func TestFieldOneHost(t *testing.T) {
	tr := readTraceGz(t, "onehost-lo1500.trace.gz")
	r := Explain(tr, analyzeFor(t, tr, filepath.Join(field, "onehost-lo1500.pcap.gz"), ""))
	if len(r.Matches) != 1 || len(r.Events) != 4 {
		t.Fatalf("%d matches, %d events", len(r.Matches), len(r.Events))
	}
	if p := r.Matches[0].Point; p == nil || p.Where != PointClient || p.By != "one-host" || p.Super != 12 {
		t.Errorf("capture point %+v", p)
	}
	if r.Summary.Confidence[Certain] != 4 {
		t.Errorf("confidence %v, causes %+v", r.Summary.Confidence, r.Summary.Causes)
	}
}

// TestFieldCutBody: a server announces Content-Length 200000, sends 50000
// bytes and closes (curl 8.14 exits 18): the summary says the body
// stopped short, from the trace alone, and the last read is not called
// the body's end.
func TestFieldCutBody(t *testing.T) {
	r := Explain(readTraceGz(t, "cut-body.trace.gz"), nil)
	if len(r.Summary.CutBodies) != 1 || r.Summary.CutBodies[0] != (CutBody{Line: 22, Got: 50000, Length: 200000}) {
		t.Errorf("cut bodies %+v", r.Summary.CutBodies)
	}
	for _, e := range r.Events {
		if e.Cause == CauseBodyEnd {
			t.Errorf("line %d is called the body's end", e.Line)
		}
	}
}

// TestFieldH2CUpgrade: curl 8.14 --http2 on an http:// URL asks a Go
// server (x/net/http2/h2c, h2c-upgrade-srv.go.txt) to upgrade; the 101
// switches the connection to HTTP/2, whose frames analyze does not walk
// after an upgrade. The trace was refused as "another transfer's" (curl's
// renderings of the HTTP/2 headers are not on the stream); now it is
// matched, and every read says why it cannot tell.
func TestFieldH2CUpgrade(t *testing.T) {
	tr := readTraceGz(t, "h2c-upgrade.trace.gz")
	r := Explain(tr, analyzeFor(t, tr, filepath.Join(field, "h2c-upgrade.pcap.gz"), ""))
	if r.Refused || len(r.Matches) != 1 || len(r.Events) != 26 || len(r.Problems) != 0 {
		t.Fatalf("refused %v, %d matches, %d events, problems %+v", r.Refused, len(r.Matches), len(r.Events), r.Problems)
	}
	for _, e := range r.Events {
		if e.Confidence != CannotTell || len(e.Needs) != 1 || e.Needs[0] != NeedPriorKnowledge || len(e.Segments) != 0 {
			t.Errorf("line %d: %s %s %v, %d segments", e.Line, e.Cause, e.Confidence, e.Needs, len(e.Segments))
		}
	}
}

// TestFieldTrailers: a Go server's chunked response with two trailer
// fields (review4-srv.go.txt, /trailers). The last read, 38 bytes, is
// "0\r\n" + "X-Checksum: abc123\r\n" + "X-Count: 20\r\n" + "\r\n" in the
// trace: 5 bytes of chunk framing and 33 of trailer fields, which had
// all been called framing.
func TestFieldTrailers(t *testing.T) {
	tr := readTraceGz(t, "trailers.trace.gz")
	r := Explain(tr, analyzeFor(t, tr, filepath.Join(field, "trailers.pcap.gz"), ""))
	last := r.Events[len(r.Events)-1]
	c := last.Facts.Chunks
	if last.Line != 3830 || last.Size != 38 || last.Cause != CauseBodyEnd || c == nil || c.Framing != 5 || c.Trailers != 33 || !c.Last {
		t.Fatalf("last read: line %d, %d bytes, %s, chunks %+v", last.Line, last.Size, last.Cause, c)
	}
	for _, e := range r.Events[:len(r.Events)-1] {
		if c := e.Facts.Chunks; c != nil && c.Trailers != 0 {
			t.Errorf("line %d: %d trailer bytes before the last chunk", e.Line, c.Trailers)
		}
	}
}

// TestFieldBigHeader: 40 600 bytes of response header and a 50 000-byte
// body (review4-srv.go.txt, /bighdr), curl 8.14. curl's strace shows one
// recvfrom of 90 600 bytes 120 us after the last segment; the trace logs
// the Recv data 5.25 ms later, after dumping the header lines. The read
// was said to come 5.25 ms after the segments: the line's lateness is now
// a fact (logged_for), and the prose says the line does not date the read.
func TestFieldBigHeader(t *testing.T) {
	tr := readTraceGz(t, "bighdr.trace.gz")
	r := Explain(tr, analyzeFor(t, tr, filepath.Join(field, "bighdr.pcap.gz"), ""))
	if len(r.Events) != 1 {
		t.Fatalf("%d reads", len(r.Events))
	}
	e := r.Events[0]
	h, tm := e.Facts.Header, e.Facts.Timing
	// One read took the header and the whole body: it stopped where the
	// body did (body-end; "the first read after the headers" until
	// review 22).
	if e.Cause != CauseBodyEnd || h == nil || h.Bytes != 40600 || h.FirstLine != 11 || tm == nil {
		t.Fatalf("read: %s, header %+v, timing %+v", e.Cause, h, tm)
	}
	// The header's first line was logged 4.87 ms before the data's, and
	// the last segment came 5.25 ms before: the read fits between.
	if h.LoggedFor < 4800*time.Microsecond || h.LoggedFor > 4900*time.Microsecond || tm.LastBefore < h.LoggedFor {
		t.Errorf("header logged for %v, last segment %v before the data's line", h.LoggedFor, tm.LastBefore)
	}
}

// TestCaptureEndsEarly: pcaps/h2-tls12 with its last 12 packets left out,
// as a tcpdump stopped before curl exits leaves it (review round 4: a
// buffered tcpdump lost the tail, with 0 drops). The reads past the
// capture's last packet asked for "the missing packets" and a larger
// capture buffer; what would tell is a capture of the whole transfer.
func TestCaptureEndsEarly(t *testing.T) {
	tr := readTrace(t, filepath.Join(pcaps, "h2-tls12.trace"))
	res := analyzeSome(t, tr, filepath.Join(pcaps, "h2-tls12.pcap.gz"), filepath.Join(pcaps, "h2-tls12.keys"),
		func(n int) bool { return n <= 114 }) // frame 115 on is not captured
	r := Explain(tr, res)
	short := 0
	for _, e := range r.Events {
		if e.Confidence != CannotTell {
			continue
		}
		short++
		if !slices.Contains(e.Needs, NeedWholeCapture) || slices.Contains(e.Needs, NeedPackets) {
			t.Errorf("line %d (%s): needs %v", e.Line, e.Cause, e.Needs)
		}
	}
	if short == 0 {
		t.Fatal("no read past the capture's end")
	}
}

// TestKeyLogMissingNamed: a key log without this connection's secret was
// dropped without a word where every read is certain without it (review
// round 4); the match now says so.
func TestKeyLogMissingNamed(t *testing.T) {
	tr := readTrace(t, filepath.Join(pcaps, "h2-tls12.trace"))
	for _, c := range []struct {
		keys    string
		missing bool
	}{{"go-tls13.keys", true}, {"h2-tls12.keys", false}, {"", false}} {
		keys := c.keys
		if keys != "" {
			keys = filepath.Join(pcaps, keys)
		}
		r := Explain(tr, analyzeFor(t, tr, filepath.Join(pcaps, "h2-tls12.pcap.gz"), keys))
		if len(r.Matches) != 1 || r.Matches[0].KeyMissing != c.missing {
			t.Errorf("key log %q: %d matches, key missing %v", c.keys, len(r.Matches), len(r.Matches) > 0 && r.Matches[0].KeyMissing)
		}
	}
}

// TestFieldNagle: a Go server with TCP_NODELAY off writing 37-byte pieces
// (nagle-37.*; its strace: every body write 37 bytes). Each short segment
// left right after the client's ACK of the one before, never two small
// ones unacknowledged: Nagle held the writes, so a segment is several
// (111, 148, 185 bytes), which had been called one write per segment.
// The same server's trickle with TCP_NODELAY on (1 to 3 bytes every
// 30 ms, one write per segment) is not taken for Nagle.
func TestFieldNagle(t *testing.T) {
	tr := readTraceGz(t, "nagle-37.trace.gz")
	r := Explain(tr, analyzeFor(t, tr, filepath.Join(field, "nagle-37.pcap.gz"), ""))
	nagle := 0
	for _, e := range r.Events {
		if e.Inference != ByNagle {
			continue
		}
		nagle++
		if e.Cause != CauseShortSegment || e.Facts.Nagle == nil || e.Facts.Nagle.Delay > time.Millisecond || e.Facts.Nagle.AckPacket >= e.Segments[0].Packet {
			t.Errorf("line %d: %s, nagle %+v", e.Line, e.Cause, e.Facts.Nagle)
		}
		if e.Facts.Chunks == nil && e.Facts.Header == nil && e.Size%37 != 0 {
			t.Errorf("line %d: %d bytes, not whole 37-byte writes", e.Line, e.Size)
		}
	}
	if nagle < 60 {
		t.Errorf("%d reads taken for Nagle, want the short segments (65)", nagle)
	}
	tr = readTraceGz(t, "trickle-nodelay.trace.gz")
	r = Explain(tr, analyzeFor(t, tr, filepath.Join(field, "trickle-nodelay.pcap.gz"), ""))
	for _, e := range r.Events {
		if e.Inference == ByNagle || e.Facts.Nagle != nil {
			t.Errorf("trickle, line %d taken for Nagle", e.Line)
		}
	}
}

// TestFieldCurlStopped: curl --max-filesize 50000 on a chunked response
// (max-filesize.*, exit 63). Nothing said curl had ended the transfer;
// its own message is in the summary.
func TestFieldCurlStopped(t *testing.T) {
	tr := readTraceGz(t, "max-filesize.trace.gz")
	r := Explain(tr, analyzeFor(t, tr, filepath.Join(field, "max-filesize.pcap.gz"), ""))
	if len(r.Summary.Stops) != 1 || r.Summary.Stops[0].Line != 5257 || !r.Summary.Stops[0].ByCurl || !strings.HasPrefix(r.Summary.Stops[0].Text, "Exceeded the maximum allowed file size (50000)") {
		t.Errorf("stops %+v", r.Summary.Stops)
	}
	// The server closed early (curl exits 18): not curl's doing.
	if s := Explain(readTraceGz(t, "cut-body.trace.gz"), nil).Summary.Stops; len(s) != 1 || s[0].ByCurl || !strings.HasPrefix(s[0].Text, "end of response with 150000 bytes missing") {
		t.Errorf("cut body: stops %+v", s)
	}
	tr = readTrace(t, filepath.Join(pcaps, "h2-tls12.trace"))
	if s := Explain(tr, nil).Summary.Stops; len(s) != 0 {
		t.Errorf("a whole transfer: stops %+v", s)
	}
}

// TestFieldRouterTwoSides: dumpcap on both sides of a lossy router
// (router-two-sides.*). The capture is read in time order, and the
// connection as seen on the interface its first packet came on, the
// client's side: tshark on that interface alone counts 209 data segments
// and 41 retransmissions of the server's (276 on the whole file, whose
// copies it takes for resends). Every read is explained as from that
// interface alone.
func TestFieldRouterTwoSides(t *testing.T) {
	tr := readTraceGz(t, "router-two-sides.trace.gz")
	both := analyzeFor(t, tr, filepath.Join(field, "router-two-sides.pcapng.gz"), "")
	if len(both.Connections) != 1 {
		t.Fatalf("%d connections", len(both.Connections))
	}
	d := both.Connections[0].Dir(analyze.ServerToClient)
	if d.DataSegments != 209 || d.PayloadBytes != 300190 || d.RetransmittedSegments != 41 || d.OutOfOrderSegments != 0 {
		t.Errorf("server: %d data segments, %d bytes, %d retransmitted, %d out of order", d.DataSegments, d.PayloadBytes, d.RetransmittedSegments, d.OutOfOrderSegments)
	}

	// The client's side alone: the packets of interface 0.
	src, err := capture.Open(filepath.Join(field, "router-two-sides.pcapng.gz"))
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
		if p.Interface == 0 {
			p.Interfaces = 1
			if err := a.Add(p); err != nil {
				t.Fatal(err)
			}
		}
	}
	one := Explain(tr, a.Result())
	r := Explain(tr, both)
	if len(r.Events) != len(one.Events) || len(r.Events) == 0 {
		t.Fatalf("%d reads, %d from the client's side alone", len(r.Events), len(one.Events))
	}
	for i, e := range r.Events {
		o := one.Events[i]
		if e.Cause != o.Cause || e.Confidence != o.Confidence || e.Range != o.Range || len(e.Segments) != len(o.Segments) {
			t.Errorf("line %d: %s %s %v, from the client's side alone %s %s %v", e.Line, e.Cause, e.Confidence, e.Range, o.Cause, o.Confidence, o.Range)
		}
	}
	if p := r.Matches[0].Point; p == nil || p.Where != PointClient {
		t.Errorf("capture point %+v", p)
	}
}

// TestFieldFINAfterLoss: fin-after-loss.pcap.gz read without its packet
// 12 (the last data segment, 1731 bytes, as tshark lists it), the way a
// capture under load loses one: the FIN after it ends the stream 1731
// bytes past the bytes seen. Those bytes are missing (they were counted
// as none, the connection held whole from SYN to FIN, and the pair refused
// as different transfers), and the read of them, line 252, misses its
// 1731 bytes for want of packets, not of a longer capture.
func TestFieldFINAfterLoss(t *testing.T) {
	tr := readTraceGz(t, "fin-after-loss.trace.gz")
	res := analyzeSome(t, tr, filepath.Join(field, "fin-after-loss.pcap.gz"), "", func(n int) bool { return n != 12 })
	c := res.Connections[0]
	if got := c.Dir(analyze.ServerToClient).MissingBytes; got != 1731 {
		t.Errorf("missing bytes %d, want 1731", got)
	}
	if g := c.App.Streams[analyze.ServerToClient]; g.GapBytes != 1731 || len(g.Gaps) != 1 || g.Gaps[0].Start != 14669 {
		t.Errorf("gaps %+v, want 1731 bytes from 14669", g)
	}
	r := Explain(tr, res)
	if len(r.Problems) != 0 {
		t.Fatalf("problems %+v", r.Problems)
	}
	var last *Event
	for i := range r.Events {
		if r.Events[i].Kind == curltrace.RecvData {
			last = &r.Events[i]
		}
	}
	if last == nil || last.Line != 252 || last.Cause != CauseMissing || !slices.Contains(last.Needs, NeedPackets) ||
		last.Facts.Segments == nil || last.Facts.Segments.Missing != 1731 || last.Facts.Segments.PastEnd {
		t.Fatalf("last read %+v", last)
	}
}

// TestFieldServerWindow: one transfer captured at the client's and at the
// server's end of a routed path (server-window.*). Reads that end at the
// edge of curl's advertised window are window-full from either side:
// certain at the client, inferred at the server, which cannot see when
// the bytes reached curl (they had been "backlog, certain" there). A read
// that fills curl's buffer and stops inside a segment is buffer-cap from
// either side (from the server, which resent three segments, it had been
// inferred loss recovery).
func TestFieldServerWindow(t *testing.T) {
	tr := readTraceGz(t, "server-window.trace.gz")
	type got struct {
		cause Cause
		conf  Confidence
		by    Inference
	}
	want := map[string]map[int]got{
		"client": {1119: {CauseBufferCap, Certain, NoInference}, 2720: {CauseWindowFull, Certain, NoInference}, 3931: {CauseWindowFull, Certain, NoInference}},
		"server": {1119: {CauseBufferCap, Certain, NoInference}, 2720: {CauseWindowFull, Inferred, ByServerWindow}, 3931: {CauseWindowFull, Inferred, ByServerWindow}},
	}
	for side, lines := range want {
		r := Explain(tr, analyzeFor(t, tr, filepath.Join(field, "server-window."+side+".pcap.gz"), ""))
		seen := 0
		for _, e := range r.Events {
			w, ok := lines[e.Line]
			if !ok {
				continue
			}
			seen++
			if g := (got{e.Cause, e.Confidence, e.Inference}); g != w {
				t.Errorf("%s, line %d: %v %v %v, want %v", side, e.Line, g.cause, g.conf, g.by, w)
			}
			if w.cause == CauseWindowFull && (e.Facts.Window == nil || e.Facts.Window.Edge != e.Range.End) {
				t.Errorf("%s, line %d: window %+v, want its edge at the read's end %d", side, e.Line, e.Facts.Window, e.Range.End)
			}
		}
		if seen != len(lines) {
			t.Errorf("%s: %d of the %d lines found", side, seen, len(lines))
		}
	}
}

// TestFieldH2cCurl8Pieces: curl 8.14 over h2c reads its socket 16384
// bytes at a time (h2c-curl8-pieces.strace.gz) and logs the DATA each
// read brings frame by frame: a read that is part of a frame is a piece,
// ending where a recvfrom ended, and the read's size is not the socket
// read's less 9 per frame header (it had said so, certain).
func TestFieldH2cCurl8Pieces(t *testing.T) {
	tr := readTraceGz(t, "h2c-curl8-pieces.trace.gz")
	r := Explain(tr, analyzeFor(t, tr, filepath.Join(field, "h2c-curl8-pieces.pcap.gz"), ""))
	// Where curl's socket reads ended on the server's stream, from strace.
	ends := map[int64]bool{}
	var off int64
	for _, line := range strings.Split(string(gunzip(t, filepath.Join(field, "h2c-curl8-pieces.strace.gz"))), "\n") {
		if i := strings.LastIndex(line, ") = "); i >= 0 && strings.Contains(line, "recvfrom(5") {
			n, err := strconv.ParseInt(strings.TrimSpace(line[i+4:]), 10, 64)
			if err != nil {
				continue // -1 EAGAIN
			}
			off += n
			ends[off] = true
		}
	}
	if len(ends) < 20 {
		t.Fatalf("%d socket reads in the strace", len(ends))
	}
	pieces := 0
	for _, e := range r.Events {
		fr := e.Facts.Frames
		if e.Kind != curltrace.RecvData || fr == nil {
			continue
		}
		if fr.Shape == ShapeSocketRead {
			t.Errorf("line %d: taken as all one socket read took", e.Line)
		}
		if fr.Shape != ShapeReadPiece {
			continue
		}
		pieces++
		f := fr.Frames[0]
		if f.From == 0 && !ends[e.Range.End] {
			t.Errorf("line %d: a frame's first piece ending at %d, where no recvfrom ended", e.Line, e.Range.End)
		}
		if e.Line == 9277 && (f.Index != 10 || f.InRead != 3374 || f.Payload != 16384 || e.Cause != CauseH2Frames || e.Confidence != Certain) {
			t.Errorf("line 9277: %+v %v %v", f, e.Cause, e.Confidence)
		}
	}
	if pieces != 46 {
		t.Errorf("%d pieces of frames, want 46", pieces)
	}
}

// TestFieldExpectLate: curl's wait for 100 Continue ran out (0.1 s), it
// sent the body, and the server's 100 Continue came 0.3 s after the head,
// during the body (line 25638): the first send says so, not that it
// never came.
func TestFieldExpectLate(t *testing.T) {
	r := Explain(readTraceGz(t, "expect-late.trace.gz"), nil)
	for _, e := range r.Sends {
		if x := e.Facts.Expect; x != nil {
			if e.Line != 13 || !x.TimedOut || x.Answered || x.LateLine != 25638 {
				t.Errorf("line %d: expect %+v, want timed out at line 13 and the 100 at line 25638", e.Line, x)
			}
			return
		}
	}
	t.Fatal("no send with the wait for 100 Continue")
}

// TestFieldH2cSnapNotMissing: h2c-snap200-curl7 was captured with
// tcpdump -s 200 and dropped nothing: a read whose frames lie in packets
// the snap length cut asks for whole packets, not for the packets a
// capture missed (line 2393 had said "0 of the 32705 bytes are not in the
// capture: packets were missed").
func TestFieldH2cSnapNotMissing(t *testing.T) {
	tr := readTraceGz(t, "h2c-snap200-curl7.trace.gz")
	r := Explain(tr, analyzeFor(t, tr, filepath.Join(field, "h2c-snap200-curl7.pcap"), ""))
	found := false
	for _, e := range r.Events {
		if slices.Contains(e.Needs, NeedPackets) || e.Cause == CauseMissing {
			t.Errorf("line %d: %v, needs %v", e.Line, e.Cause, e.Needs)
		}
		if e.Line == 2393 {
			found = true
			if !slices.Contains(e.Needs, NeedFullSnap) {
				t.Errorf("line 2393: needs %v, want full-snap", e.Needs)
			}
		}
	}
	if !found {
		t.Error("no line 2393")
	}
}

// TestFieldChunkedUnderPressure: chunked uploads from a pipe into a socket
// that takes less than curl offers (chunk-pressure-7, -8). Each Send data
// is checked against strace of the same run: with curl 7.88, partial-send
// exactly where the sendto returned less than it was given and buffer-rest
// where it took the rest whole; curl 8.14, which cuts its writes anywhere
// in a buffer of chunks, makes neither claim (29 of its sends had been
// partial, 12 of them whole writes), and its last send, data then the terminating chunk, is
// the body's end.
func TestFieldChunkedUnderPressure(t *testing.T) {
	for _, v := range []string{"7", "8"} {
		tr := readTraceGz(t, "chunk-pressure-"+v+".trace.gz")
		r := Explain(tr, analyzeFor(t, tr, filepath.Join(field, "chunk-pressure-"+v+".pcap.gz"), ""))
		type call struct{ req, ret int }
		var calls []call
		for _, line := range strings.Split(strings.TrimSpace(string(gunzip(t, filepath.Join(field, "chunk-pressure-"+v+".strace.gz")))), "\n") {
			var fd int
			var c call
			if _, err := fmt.Sscanf(line, "sendto(%d, %d) = %d", &fd, &c.req, &c.ret); err != nil {
				t.Fatalf("strace %q: %v", line, err)
			}
			calls = append(calls, c)
		}
		var sends []Event
		for _, e := range r.Sends {
			if e.Kind == curltrace.SendData {
				sends = append(sends, e)
			}
		}
		calls = calls[1:] // the request head
		if len(sends) != len(calls) {
			t.Fatalf("curl %s: %d sends, %d sendto calls", v, len(sends), len(calls))
		}
		for k, e := range sends {
			c := calls[k]
			if c.ret != e.Size {
				t.Fatalf("curl %s, line %d: %d bytes, sendto returned %d", v, e.Line, e.Size, c.ret)
			}
			partial := c.ret < c.req
			switch {
			case v == "7" && e.Cause != CauseBodyEnd && partial != (e.Cause == CausePartialSend):
				t.Errorf("curl 7, line %d: %v, sendto took %d of %d", e.Line, e.Cause, c.ret, c.req)
			case v == "7" && k > 0 && calls[k-1].ret < calls[k-1].req && !partial && e.Cause != CauseBufferRest && e.Cause != CauseBodyEnd:
				t.Errorf("curl 7, line %d: %v, the whole rest of a partial write", e.Line, e.Cause)
			case v == "8" && (e.Cause == CausePartialSend || e.Cause == CauseBufferRest):
				t.Errorf("curl 8, line %d: %v %v, sendto took %d of %d", e.Line, e.Cause, e.Inference, c.ret, c.req)
			}
			if k == len(sends)-1 && (e.Cause != CauseBodyEnd || e.Confidence != Certain) {
				t.Errorf("curl %s, last send (line %d): %v %v", v, e.Line, e.Cause, e.Confidence)
			}
			// The rest of a chunk write: what the sendto calls of that
			// write took before it, of what the first was given.
			if u := e.Facts.Upload; v == "7" && e.Cause == CauseBufferRest {
				took, j := 0, k-1
				for ; j >= 0 && calls[j].ret < calls[j].req; j-- {
					took += calls[j].ret
				}
				if u.ChunkWrite != calls[j+1].req || u.ChunkBefore != took {
					t.Errorf("curl 7, line %d: chunk of %d, %d before; strace: %d, %d", e.Line, u.ChunkWrite, u.ChunkBefore, calls[j+1].req, took)
				}
			}
		}
		// The body's chunks, read across the sends: curl 7 writes each
		// chunk on its own (strace: a sendto given what is left of the
		// one before, or a new chunk), of the 400 000 bytes of the pipe
		// (review 27: chunks a short write cut were left out, "0 bytes
		// of data in 0 chunks").
		if len(r.Summary.Send.Requests) != 1 {
			t.Fatalf("curl %s: %d requests", v, len(r.Summary.Send.Requests))
		}
		q := r.Summary.Send.Requests[0]
		if q.ChunkData != 400000 || !q.Terminated || q.ChunkFraming != q.Body-q.ChunkData {
			t.Errorf("curl %s: %d bytes of data in %d chunks + %d of framing, terminated %v", v, q.ChunkData, q.Chunks, q.ChunkFraming, q.Terminated)
		}
		if v == "7" {
			writes, left := 0, 0
			for _, c := range calls {
				if left == 0 {
					writes, left = writes+1, c.req
				}
				left -= c.ret
			}
			if q.Chunks != writes {
				t.Errorf("curl 7: %d chunks, strace %d chunk writes", q.Chunks, writes)
			}
		}
	}
}

// TestFieldPacedNotNagle: paced-1000's /close connection (1) is one
// 1000-byte write every 3 ms; each segment left 3 ms after curl's ACK, as
// held ones do, but all but one are 1000 bytes: writes that Nagle held
// add up to sizes that vary. /chunked (0) is 1200-byte chunks, paced too.
func TestFieldPacedNotNagle(t *testing.T) {
	src, err := capture.Open(filepath.Join(field, "paced-1000.pcap"))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	a := analyze.New(analyze.Options{KeepSegments: func(*analyze.Connection) bool { return true }})
	if err := a.ReadAll(src); err != nil {
		t.Fatal(err)
	}
	res := a.Result()
	if len(res.Connections) != 2 {
		t.Fatalf("%d connections", len(res.Connections))
	}
	for _, c := range res.Connections {
		rtt, _ := c.Handshake.RTT()
		x := newNagleIndex(c, c.Dir(analyze.ServerToClient).EffectiveMSS().Value, rtt)
		if x == nil || x.likely {
			t.Errorf("connection %d: %d segments taken as released by Nagle", c.ID, len(x.released))
		}
		if c.ID == 1 && len(x.released) < 50 {
			t.Errorf("connection 1: %d segments left right after an ACK, want the 57 paced ones", len(x.released))
		}
	}
}

// TestFieldRetriedNotStopped: a reset on a reused connection that curl
// retried on a fresh one (retry-reset.trace.gz) is not the transfer
// ending early.
func TestFieldRetriedNotStopped(t *testing.T) {
	r := Explain(readTraceGz(t, "retry-reset.trace.gz"), nil)
	if s := r.Summary.Stops; len(s) != 0 {
		t.Errorf("stops %+v", s)
	}
	if n := len(r.Events); n != 2 || r.Events[1].Size != 3000 {
		t.Errorf("%d reads, want the two whole 3000-byte bodies", n)
	}
}

// TestFieldH2cCaptureEndsEarly: h2c-curl8-pieces read without its packets
// after the 60th, as a tcpdump stopped before curl exits leaves it: the
// reads past the capture's end are missing for a capture of the whole
// transfer (review 10: "nothing in the evidence shows why", no advice).
func TestFieldH2cCaptureEndsEarly(t *testing.T) {
	tr := readTraceGz(t, "h2c-curl8-pieces.trace.gz")
	r := Explain(tr, analyzeSome(t, tr, filepath.Join(field, "h2c-curl8-pieces.pcap.gz"), "", func(n int) bool { return n <= 60 }))
	past := 0
	for _, e := range r.Events {
		if e.Confidence != CannotTell {
			continue
		}
		if len(e.Needs) == 0 {
			t.Errorf("line %d (%v): cannot tell, and nothing would tell", e.Line, e.Cause)
		}
		if e.Cause == CauseMissing && slices.Contains(e.Needs, NeedWholeCapture) {
			past++
		}
	}
	if past < 10 {
		t.Errorf("%d reads past the capture's end asking for the whole transfer", past)
	}
}

// TestFieldParallelSameFileCurl8: curl 8.14 -Z fetching one file twice at
// once, without --trace-ids (parallel-same-file-8): strace showed the two
// sockets reading in turns, while the trace logs every event after the
// second connect line under the second connection, and the same bytes are
// on both. No read may be placed, certain, on a connection; none is
// refused as another transfer's.
func TestFieldParallelSameFileCurl8(t *testing.T) {
	tr := readTraceGz(t, "parallel-same-file-8.trace.gz")
	r := Explain(tr, analyzeFor(t, tr, filepath.Join(field, "parallel-same-file-8.pcap.gz"), ""))
	if r.Refused || len(r.Problems) != 0 {
		t.Fatalf("refused %v, problems %+v", r.Refused, r.Problems)
	}
	if len(r.Events) != 280 {
		t.Fatalf("%d reads", len(r.Events))
	}
	cannotTellWhichConn(t, r)
}

// TestFieldParallelTwoServersCurl8: curl 8.14 -Z fetching one file twice
// from one nginx port and once from another, without --trace-ids
// (parallel-two-servers-8, review 20's F2): every event after the third
// connect line is logged under it, and the only capture connection to its
// server is the third. The first transfer's reads had been put there,
// certain, with a trace clock 30 ms off to fit them; the bytes are on all
// three, so no read may be placed on one. The request heads name their
// server (Host) and stay certain.
func TestFieldParallelTwoServersCurl8(t *testing.T) {
	tr := readTraceGz(t, "parallel-two-servers-8.trace.gz")
	r := Explain(tr, analyzeFor(t, tr, filepath.Join(field, "parallel-two-servers-8.pcap.gz"), ""))
	if r.Refused || len(r.Problems) != 0 || len(r.Matches) != 3 {
		t.Fatalf("refused %v, problems %+v, %d matches", r.Refused, r.Problems, len(r.Matches))
	}
	for _, m := range r.Matches {
		if m.ClockSkew != 0 {
			t.Errorf("trace connection %d: clock %v off", m.TraceConn, m.ClockSkew)
		}
	}
	if len(r.Events) != 9 {
		t.Fatalf("%d reads", len(r.Events))
	}
	cannotTellWhichConn(t, r)
	for i, s := range r.Sends {
		if s.Confidence != Certain || s.Conn != i {
			t.Errorf("send line %d: %v on connection %d", s.Line, s.Confidence, s.Conn)
		}
	}
}

// TestFieldASCIIHelloRandom: --trace-ascii prints a ClientHello's random
// bytes 0x20-0x7e as themselves and the rest as dots, which still tells
// one random from another (review 23). ascii-hello-run1: curl 7.88
// --http1.1 to a Go TLS server, no key log: against its own capture the
// trace is matched by the random; against the next run's capture (same
// command, same bytes) it had been matched in the order of connection,
// 12 causes certain; now refused, the two randoms named. 7clients: the
// traced curl 7.88 among six others to one server (tshark: its
// connection is 127.0.0.1:56844, the seventh), captured with a snap length
// of 200 (the ClientHellos cut after their randoms): it had been matched,
// a guess, to the first.
func TestFieldASCIIHelloRandom(t *testing.T) {
	tr := readTraceGz(t, "ascii-hello-run1.trace.gz")
	r := Explain(tr, analyzeFor(t, tr, filepath.Join(field, "ascii-hello-run1.pcap.gz"), ""))
	if r.Refused || len(r.Matches) != 1 || r.Matches[0].By != ByClientRandom {
		t.Errorf("own capture: refused %v, matches %+v, problems %+v", r.Refused, r.Matches, r.Problems)
	}
	r = Explain(tr, analyzeFor(t, tr, filepath.Join(field, "ascii-hello-run2.pcap.gz"), ""))
	if !r.Refused || len(r.Problems) != 1 || r.Problems[0].Kind != ProblemHelloDiffers ||
		!strings.HasPrefix(r.Problems[0].Sent, `'..A"S..E.t...-5v.~....#\.....'N.'`) || !strings.HasPrefix(r.Problems[0].Began, "cfc70127c0a71fab") {
		t.Errorf("next run's capture: refused %v, problems %+v", r.Refused, r.Problems)
	}
	for _, e := range r.Events {
		if e.Confidence == Certain {
			t.Errorf("next run's capture: line %d %v certain", e.Line, e.Cause)
		}
	}
	tr = readTraceGz(t, "ascii-hello-7clients.trace.gz")
	r = Explain(tr, analyzeFor(t, tr, filepath.Join(field, "ascii-hello-7clients-s200.pcap.gz"), ""))
	if len(r.Matches) != 1 || r.Matches[0].By != ByClientRandom || r.Matches[0].Conn.Client.Port() != 56844 {
		t.Errorf("7 clients: matches %+v", r.Matches)
	}
}

// TestFieldOtherRunCurl7: the trace of a second run of the same request
// (other-run-7.trace.gz, same Date, curl 7's trace clock) against the
// first run's capture: one read stops inside a segment with room left in
// curl's buffer, which a read of that stream cannot; the problem names it
// and nothing is certain. The first run's own trace has no such read.
func TestFieldOtherRunCurl7(t *testing.T) {
	own := readTraceGz(t, "other-run-7.own.trace.gz")
	r := Explain(own, analyzeFor(t, own, filepath.Join(field, "other-run-7.pcap.gz"), ""))
	if len(r.Problems) != 0 {
		t.Errorf("own trace: problems %+v", r.Problems)
	}
	tr := readTraceGz(t, "other-run-7.trace.gz")
	r = Explain(tr, analyzeFor(t, tr, filepath.Join(field, "other-run-7.pcap.gz"), ""))
	if len(r.Problems) != 1 || r.Problems[0].Kind != ProblemStrayStop || r.Problems[0].Buffer != 102400 || r.Refused {
		t.Fatalf("other run: problems %+v, refused %v", r.Problems, r.Refused)
	}
	for _, e := range r.Events {
		if e.Confidence == Certain {
			t.Errorf("line %d: %v certain", e.Line, e.Cause)
		}
	}
}

// TestFieldRedirectUncaptured: curl -L to another port that the capture's
// filter left out: the trace's first connection is in the capture, its
// second is not, which the problem says as such (not "are they of the
// same transfer?").
func TestFieldRedirectUncaptured(t *testing.T) {
	tr := readTraceGz(t, "redirect-uncaptured.trace.gz")
	r := Explain(tr, analyzeFor(t, tr, filepath.Join(field, "redirect-uncaptured.pcap"), ""))
	if len(r.Matches) != 1 || len(r.Problems) != 1 {
		t.Fatalf("%d matches, problems %+v", len(r.Matches), r.Problems)
	}
	if p := r.Problems[0]; p.Kind != ProblemNoConnection || !p.OthersMatched || p.Server.Port() != 19397 {
		t.Errorf("problem %+v", p)
	}
}

// TestFieldLimitRateUpload: curl 8.14 --limit-rate 20k sends 20480-byte
// slices a second apart (limit-rate-up, strace: each sendto whole): they
// are a paced upload's, not curl's upload buffer's size.
func TestFieldLimitRateUpload(t *testing.T) {
	for _, name := range []string{"limit-rate-up", "limit-rate-up-notime"} {
		t.Run(name, func(t *testing.T) { limitRateUpload(t, name) })
	}
}

// limitRateUpload checks one of the runs: with --trace-time the pauses
// are the trace's, without it the capture's bursts a second apart.
func limitRateUpload(t *testing.T, name string) {
	tr := readTraceGz(t, name+".trace.gz")
	r := Explain(tr, analyzeFor(t, tr, filepath.Join(field, name+".pcap.gz"), ""))
	want := map[int]Cause{11: CauseRateLimit, 332: CauseRateLimit, 653: CauseRateLimit, 974: CauseRateLimit, 1038: CauseBodyEnd}
	seen := 0
	for _, e := range r.Sends {
		if c, ok := want[e.Line]; ok {
			seen++
			if e.Cause != c {
				t.Errorf("line %d (%d bytes): %v %v, want %v", e.Line, e.Size, e.Cause, e.Inference, c)
			}
		}
		if u := e.Facts.Upload; u != nil && u.Buffer == 20480 {
			t.Errorf("line %d: upload buffer taken as %d", e.Line, u.Buffer)
		}
	}
	if seen != len(want) {
		t.Errorf("%d of %d sends found", seen, len(want))
	}
}

// TestFieldTLSGapKeyLog: tls-gap-4k read without frames 22 and 23, which
// held the start (and the header) of one 4 KB record: with the key log,
// every read after it had been put one record late, certain (review 14).
// Each read is now on the record it is on in the whole capture, and the
// lost record's read is not certain.
func TestFieldTLSGapKeyLog(t *testing.T) {
	tr := readTraceGz(t, "tls-gap-4k.trace.gz")
	keys := filepath.Join(field, "tls-gap-4k.keys")
	whole := Explain(tr, analyzeFor(t, tr, filepath.Join(field, "tls-gap-4k.pcap.gz"), keys))
	cut := Explain(tr, analyzeSome(t, tr, filepath.Join(field, "tls-gap-4k.pcap.gz"), keys, func(n int) bool { return n != 22 && n != 23 }))
	if len(cut.Events) != len(whole.Events) || len(cut.Events) < 15 {
		t.Fatalf("%d reads, %d on the whole capture", len(cut.Events), len(whole.Events))
	}
	placed := 0
	for i, e := range cut.Events {
		w := whole.Events[i]
		if e.Line == 313 && e.Confidence == Certain {
			t.Errorf("line 313, the lost record's read: %v certain at %v", e.Cause, e.Range)
		}
		if e.Range.Len() == 0 {
			continue
		}
		placed++
		if e.Range.End <= w.Range.Start || e.Range.Start >= w.Range.End {
			t.Errorf("line %d at %v, on the whole capture at %v", e.Line, e.Range, w.Range)
		}
	}
	if placed < len(cut.Events)-1 {
		t.Errorf("%d of %d reads placed", placed, len(cut.Events))
	}
}

// TestCaptureBegunInsideTLS: pcaps/go-tls13 read from its 31st packet, as
// a tcpdump started during the download: the capture's stream begins
// inside TLS, which the sniffing took for clear HTTP/1, and curl logged
// TLS: that had been called an HTTP proxy's CONNECT tunnel (review 14),
// with advice to capture without the proxy. No CONNECT is in the capture.
func TestCaptureBegunInsideTLS(t *testing.T) {
	tr := readTrace(t, filepath.Join(pcaps, "go-tls13.trace"))
	r := Explain(tr, analyzeSome(t, tr, filepath.Join(pcaps, "go-tls13.pcap.gz"), "", func(n int) bool { return n > 30 }))
	for _, e := range r.Events {
		if e.Facts.tunnel || slices.Contains(e.Needs, NeedNoTunnel) {
			t.Errorf("line %d: taken as inside a proxy's tunnel (%v, needs %v)", e.Line, e.Cause, e.Needs)
		}
	}
}

// TestFieldUploadAtServer: an upload captured at the server's end of a
// routed path: bytes on their way look unsent from there, so no send
// carries what curl's socket held (review 14: "the socket still held
// 328103 ... unsent; nothing was in flight", where the client's capture
// had 173167 unsent and 154936 in flight).
func TestFieldUploadAtServer(t *testing.T) {
	tr := readTraceGz(t, "upload-at-server.trace.gz")
	r := Explain(tr, analyzeFor(t, tr, filepath.Join(field, "upload-at-server.pcap.gz"), ""))
	if len(r.Matches) != 1 || r.Matches[0].Point == nil || r.Matches[0].Point.Where != PointServer {
		t.Fatalf("matches %+v", r.Matches)
	}
	sends := 0
	for _, e := range r.Sends {
		if e.Kind == curltrace.SendData {
			sends++
		}
		if e.Facts.SendBuffer != nil {
			t.Errorf("line %d: send buffer %+v from the server's side", e.Line, e.Facts.SendBuffer)
		}
	}
	if sends < 4 {
		t.Errorf("%d sends", sends)
	}
}

// TestFieldHeaderSplitNoStrayStop: the status line came 50 ms before the
// rest of the header (header-split): curl's second read took the rest of
// the header and 102285 bytes of body, filling its 102400-byte buffer with
// only some of the header lines curl logged. That read is not one that
// stopped short (review 15: it was listed as a stray stop, another run's).
func TestFieldHeaderSplitNoStrayStop(t *testing.T) {
	tr := readTraceGz(t, "header-split.trace.gz")
	r := Explain(tr, analyzeFor(t, tr, filepath.Join(field, "header-split.pcap.gz"), ""))
	if len(r.Problems) != 0 {
		t.Errorf("problems %+v", r.Problems)
	}
	for _, e := range r.Events {
		if e.Inference == ByStrayStop {
			t.Errorf("line %d: %v %v", e.Line, e.Cause, e.Inference)
		}
	}
}

// TestFieldWindowRest: under --limit-rate 50k (curl's buffer 51200)
// from nginx on lo, line 6428 filled the buffer and stopped inside
// packet 12 (strace: recvfrom 51200), and line 9629 took the rest of it,
// 8962 bytes, up to the edge of the window curl had advertised (strace:
// recvfrom 8962). The server stopped at the edge: window-full, certain;
// its start is where the read before stopped, not a window's worth.
func TestFieldWindowRest(t *testing.T) {
	tr := readTraceGz(t, "window-rest-7.trace.gz")
	r := Explain(tr, analyzeFor(t, tr, filepath.Join(field, "window-rest-7.pcapng.gz"), ""))
	found := 0
	for _, e := range r.Events {
		switch e.Line {
		case 6428:
			found++
			if e.Cause != CauseBufferCap || e.Range.End != 153600 || !e.Facts.Segments.EndsInside {
				t.Errorf("line 6428: %v, ends at %d, inside %v; want buffer-cap ending at 153600 inside a segment", e.Cause, e.Range.End, e.Facts.Segments.EndsInside)
			}
		case 9629:
			found++
			w := e.Facts.Window
			if e.Cause != CauseWindowFull || e.Confidence != Certain || e.Size != 8962 || !e.Facts.Segments.StartsInside || w == nil || w.Edge != 162562 || e.Range.Start != 153600 {
				t.Errorf("line 9629: %v %v, %d bytes from %d, starts inside %v, window %+v", e.Cause, e.Confidence, e.Size, e.Range.Start, e.Facts.Segments.StartsInside, w)
			}
		}
	}
	if found != 2 {
		t.Fatalf("%d of the 2 lines found", found)
	}
}

// TestFieldH2TLSGap: HTTP/2 over TLS 1.3 from a Go server
// (h2-gap-go-srv.go.txt), decrypted with the key log, the test dropping
// the one packet that held a whole record, as a capture that lost it.
// curl 8 (packet 27: a 26-byte record, the last 9 bytes of DATA frame
// #4): line 5422 is those 9 bytes, the rest of the frame, and had been
// placed at the start of the next record, certain, inside line 5428's
// range. curl 7 with ChaCha20 (packet 21: an 8108-byte record, 8091 of
// plaintext): line 1810 had been "what one socket read took", certain,
// on the next record. The decryption does not know where a lost record
// ended; curl's trace does (its Recv SSL data header lines): each read
// is on the record the trace gives, as tshark shows it on the whole
// capture, inferred, and no two reads overlap.
func TestFieldH2TLSGap(t *testing.T) {
	for _, c := range []struct {
		name  string
		drop  int
		line  int
		plain int // the lost record's plaintext (tshark on the whole capture)
	}{
		{"h2-gap-go-curl8", 27, 5422, 9},
		{"h2-gap-go-chacha-curl7", 21, 1810, 8091},
	} {
		tr := readTraceGz(t, c.name+".trace.gz")
		pc, keys := filepath.Join(field, c.name+".pcap.gz"), filepath.Join(field, c.name+".keys")
		r := Explain(tr, analyzeSome(t, tr, pc, keys, func(n int) bool { return n != c.drop }))
		found := false
		var prev stream.Range
		for _, e := range r.Events {
			if e.Dir == DirSend {
				continue
			}
			if e.Range.Len() > 0 && prev.Len() > 0 && e.Range.Overlaps(prev) {
				t.Errorf("%s: line %d at %v overlaps the read before at %v", c.name, e.Line, e.Range, prev)
			}
			if e.Range.Len() > 0 {
				prev = e.Range
			}
			if e.Line != c.line {
				continue
			}
			found = true
			if rec := e.Facts.Record; e.Cause != CauseTLSRecord || e.Confidence != Inferred || rec == nil || rec.Source != FromTrace || rec.Plain != c.plain || e.Facts.Frames == nil || !e.Facts.Frames.RecordLost {
				t.Errorf("%s: line %d: %v %v, record %+v, frames %+v", c.name, e.Line, e.Cause, e.Confidence, e.Facts.Record, e.Facts.Frames)
			}
		}
		if !found {
			t.Errorf("%s: line %d not found", c.name, c.line)
		}
		// On the whole capture the same reads are placed on their records.
		whole := Explain(tr, analyzeFor(t, tr, pc, keys))
		for _, e := range whole.Events {
			if e.Line == c.line && (e.Confidence != Certain || e.Facts.Frames == nil || e.Facts.Frames.RecordLost) {
				t.Errorf("%s whole: line %d %v %v", c.name, e.Line, e.Cause, e.Confidence)
			}
		}
	}
}

// TestFieldPacedAfterAck: a python server (paced-after-ack-srv.py.txt,
// TCP_NODELAY off) writing 200 sizes of 50-300 bytes about 170 us apart
// in a namespace over a veth; its own log of the writes is
// paced-after-ack.writes.gz. A segment Nagle held leaves at most a round
// trip after the ACK at the client's side; 68 of those left 150-300 us
// after it, writes made after the ACK, and had been counted as held
// (163 of 166 short segments).
func TestFieldPacedAfterAck(t *testing.T) {
	tr := readTraceGz(t, "paced-after-ack.trace.gz")
	res := analyzeFor(t, tr, filepath.Join(field, "paced-after-ack.pcapng.gz"), "")
	r := Explain(tr, res)
	held := 0
	for _, e := range r.Events {
		if g := e.Facts.Nagle; g != nil {
			held++
			if g.Delay > 200*time.Microsecond {
				t.Errorf("line %d: held by Nagle, left %v after the ACK", e.Line, g.Delay)
			}
		}
	}
	if held == 0 || held > 110 {
		t.Errorf("%d reads held by Nagle, want the ~95 that left within a round trip of the ACK", held)
	}
}

// TestKeyLogFailsServer: a key log with this connection's client random
// that does not decrypt the server's records asks for a key log that
// does, not for packets (review 17: "the missing packets: capture with
// a larger buffer" for a capture that dropped none). A secret edited
// (TLS 1.2 CLIENT_RANDOM line) fails authentication; a TLS 1.3 key log
// without SERVER_TRAFFIC_SECRET_0 has no key for the server's data.
func TestKeyLogFailsServer(t *testing.T) {
	dir := t.TempDir()
	edit := func(name string, f func(line string) string) string {
		b, err := os.ReadFile(filepath.Join(pcaps, name+".keys"))
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
			if l = f(l); l != "" {
				out = append(out, l)
			}
		}
		p := filepath.Join(dir, name+".keys")
		if err := os.WriteFile(p, []byte(strings.Join(out, "\n")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, c := range []struct {
		name string
		keys string
		want Need
	}{
		{"h2-tls12", edit("h2-tls12", func(l string) string {
			f := strings.Fields(l)
			return f[0] + " " + f[1] + " " + strings.Repeat("ab", len(f[2])/2)
		}), NeedKeyAuth},
		{"h2-tls13-curl8", edit("h2-tls13-curl8", func(l string) string {
			if strings.HasPrefix(l, "SERVER_TRAFFIC_SECRET_0 ") {
				return ""
			}
			return l
		}), NeedServerSecret},
	} {
		tr := readTrace(t, filepath.Join(pcaps, c.name+".trace"))
		r := Explain(tr, analyzeFor(t, tr, filepath.Join(pcaps, c.name+".pcap.gz"), c.keys))
		asked := 0
		for _, e := range r.Events {
			if e.Dir == DirSend {
				continue
			}
			if slices.Contains(e.Needs, NeedPackets) {
				t.Errorf("%s: line %d asks for packets the capture has (%v)", c.name, e.Line, e.Needs)
			}
			if slices.Contains(e.Needs, c.want) {
				asked++
			}
		}
		if asked == 0 {
			t.Errorf("%s: no read asks for %v", c.name, c.want)
		}
	}
}

// TestFieldH2LimitRateClock: curl 7.88 uploading 300 000 bytes over h2c
// with --limit-rate 100k (h2c-limit-rate-up-srv.go.txt reads 4 KiB
// every 3 ms), under strace: the response's one read returned at
// 22.833423, 337.6 ms after its packet was captured (22.495796), as curl
// paused. Taken as immediate, it had put the trace clock 337 ms off, and
// every send 337 ms after curl logged it. The HTTP/2 request head,
// which leaves as curl logs it, now sets the offset.
func TestFieldH2LimitRateClock(t *testing.T) {
	tr := readTraceGz(t, "h2c-limit-rate-up-7.trace.gz")
	r := Explain(tr, analyzeFor(t, tr, filepath.Join(field, "h2c-limit-rate-up-7.pcap.gz"), ""))
	if len(r.Matches) != 1 || !r.Matches[0].ClockByH2Head {
		t.Fatalf("matches %+v: want the clock set by the HTTP/2 head", r.Matches)
	}
	for _, e := range r.Events {
		if e.Line != 18795 {
			continue
		}
		late := e.Facts.Timing.LastBefore
		if d := late - 337600*time.Microsecond; d < -5*time.Millisecond || d > 5*time.Millisecond {
			t.Errorf("line 18795 read %v after its last segment; strace: 337.6ms", late)
		}
		return
	}
	t.Fatal("line 18795 not found")
}

// TestFieldLimitRateFirstSend: curl 8.14 --limit-rate 100k uploading
// 300 000 bytes over HTTP/1 (the h2c-limit-rate-up server), under
// strace: the first sendto took 65536 bytes, the 156-byte head and 65380
// of body, curl's upload buffer, and no pause came before it; it had
// been "a slice curl sent" (rate-limit) because the later 65536-byte
// sends came after pauses.
func TestFieldLimitRateFirstSend(t *testing.T) {
	tr := readTraceGz(t, "limit-rate-up-64k-8.trace.gz")
	r := Explain(tr, analyzeFor(t, tr, filepath.Join(field, "limit-rate-up-64k-8.pcap.gz"), ""))
	for _, e := range r.Sends {
		if e.Line == 15 {
			if e.Size != 65380 || e.Cause != CauseUploadBuffer {
				t.Errorf("line 15: %d bytes, %v; want 65380, upload-buffer", e.Size, e.Cause)
			}
			return
		}
	}
	t.Fatal("line 15 not found")
}

// cannotTellWhichConn checks that no read of r is placed on a connection:
// parallel transfers without ids, the same bytes on several.
func cannotTellWhichConn(t *testing.T, r *Result) {
	t.Helper()
	for _, e := range r.Events {
		if e.Confidence != CannotTell || !slices.Contains(e.Needs, NeedTransferIDs) {
			t.Errorf("line %d: %v %v on connection %d, needs %v", e.Line, e.Cause, e.Confidence, e.Conn, e.Needs)
		}
	}
}

// TestFieldBodyInTrace: curl --trace - (and --trace-ascii -) without -o,
// stdout redirected to the trace: the body lands between the events, its
// last bytes glued to the next header. The parse had stopped at the first
// body line and the rest of the trace was lost. The body's lines are
// skipped, and the reads are curl's socket reads, as strace has them
// (less the header bytes curl logged first).
func TestFieldBodyInTrace(t *testing.T) {
	for _, tc := range []struct {
		name    string
		skipped []curltrace.LineSpan
	}{
		{"body-in-trace-ascii-788", []curltrace.LineSpan{{First: 1623, Last: 2838}, {First: 3117, Last: 3298}}},
		{"body-in-trace-hex-814", []curltrace.LineSpan{{First: 539, Last: 561}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr := readTraceGz(t, tc.name+".trace.gz")
			if !slices.Equal(tr.Skipped, tc.skipped) {
				t.Errorf("skipped %v, want %v", tr.Skipped, tc.skipped)
			}
			// The socket reads, from strace: each read's bytes are the
			// Recv header and data events logged after it.
			var reads []int
			for _, line := range strings.Split(string(gunzip(t, filepath.Join(field, tc.name+".strace.gz"))), "\n") {
				if i := strings.LastIndex(line, ") = "); i >= 0 && strings.Contains(line, "recvfrom(") {
					if n, err := strconv.Atoi(strings.TrimSpace(line[i+4:])); err == nil && n > 0 {
						reads = append(reads, n)
					}
				}
			}
			var logged []int
			sum := 0
			for _, e := range tr.Events {
				switch e.Kind {
				case curltrace.RecvHeader:
					sum += e.Size
				case curltrace.RecvData:
					logged = append(logged, sum+e.Size)
					sum = 0
				}
			}
			if !slices.Equal(logged, reads) {
				t.Errorf("reads logged %v, strace %v", logged, reads)
			}
			r := Explain(tr, analyzeFor(t, tr, filepath.Join(field, tc.name+".pcap.gz"), ""))
			if len(r.Matches) != 1 || r.Refused {
				t.Fatalf("%d matches, refused %v", len(r.Matches), r.Refused)
			}
			for _, e := range r.Events {
				if e.Kind == curltrace.RecvData && e.Confidence != Certain {
					t.Errorf("line %d: %v %v", e.Line, e.Cause, e.Confidence)
				}
			}
			if last := r.Events[len(r.Events)-1]; last.Cause != CauseBodyEnd {
				t.Errorf("last read (line %d) %v, want body-end", last.Line, last.Cause)
			}
		})
	}
}

// noneCertain fails for each read or send of r given a certain cause.
func noneCertain(t *testing.T, r *Result) {
	t.Helper()
	for _, e := range append(r.Events, r.Sends...) {
		if e.Confidence == Certain {
			t.Errorf("line %d: %v certain", e.Line, e.Cause)
		}
	}
}

// TestFieldOtherRunVeth: run A's curl 8 trace against run B's capture,
// taken across a veth (two addresses, so not shown to be one host): the
// trace clock had been moved 23 ms to fit, every cause certain. A read
// logged before its bytes is a problem now, and no cause is certain;
// run B's own trace has no problem and certain causes.
func TestFieldOtherRunVeth(t *testing.T) {
	pcap := filepath.Join(field, "other-run-veth-8-B.pcap.gz")
	tr := readTraceGz(t, "other-run-veth-8-A.trace.gz")
	r := Explain(tr, analyzeFor(t, tr, pcap, ""))
	// (Its connect line falls 22.9 ms before the capture connection's
	// first packet: another run, said so since review 33; a read logged
	// before its bytes said it before.)
	if len(r.Problems) != 1 || (r.Problems[0].Kind != ProblemReadsEarly && r.Problems[0].Kind != ProblemOtherRun) || r.Problems[0].Skew > -twoHostSlack {
		t.Fatalf("problems %+v", r.Problems)
	}
	noneCertain(t, r)
	tr = readTraceGz(t, "other-run-veth-8-B.trace.gz")
	r = Explain(tr, analyzeFor(t, tr, pcap, ""))
	if len(r.Problems) != 0 || len(r.Events) != 1 || r.Events[0].Confidence != Certain || r.Events[0].Cause != CauseBodyEnd {
		t.Errorf("run B: problems %+v, events %+v", r.Problems, r.Events)
	}
}

// TestFieldUnixSocket: curl --unix-socket: no TCP carries the transfer.
// The connection is named as the socket, with or without a capture (one
// of another transfer here), and the reads are explained from the trace:
// strace has the first socket read at 102400 bytes, 62 of them header.
func TestFieldUnixSocket(t *testing.T) {
	for _, name := range []string{"unix-788.trace.gz", "unix-814.trace.gz"} {
		tr := readTraceGz(t, name)
		if len(tr.Conns) != 1 || tr.Conns[0].Unix != "/tmp/s13/u.sock" || tr.Conns[0].IP.IsValid() {
			t.Fatalf("%s: connections %+v", name, tr.Conns)
		}
		for _, res := range []*analyze.Result{nil, analyzeFor(t, tr, filepath.Join(field, "body-in-trace-ascii-788.pcap.gz"), "")} {
			r := Explain(tr, res)
			if res != nil && (len(r.Problems) != 1 || r.Problems[0].Kind != ProblemUnixSocket || r.Problems[0].Socket != "/tmp/s13/u.sock") {
				t.Errorf("%s: problems %+v", name, r.Problems)
			}
			if len(r.Events) != 2 {
				t.Fatalf("%s: %d reads", name, len(r.Events))
			}
			first, last := r.Events[0], r.Events[1]
			if first.Size != 102338 || first.Cause != CauseBufferCap || first.Confidence != Inferred || first.Facts.Buffer == nil || first.Facts.Buffer.HeaderBytes != 62 {
				t.Errorf("%s (capture %v): first read %d %v %v %+v", name, res != nil, first.Size, first.Cause, first.Confidence, first.Facts.Buffer)
			}
			if res != nil && (len(first.Needs) != 1 || first.Needs[0] != NeedStrace) {
				t.Errorf("%s: needs %v", name, first.Needs)
			}
			if last.Size != 8062 || last.Cause != CauseBodyEnd || last.Confidence != Certain {
				t.Errorf("%s: last read %d %v %v", name, last.Size, last.Cause, last.Confidence)
			}
		}
	}
}

// TestFieldH2UnmatchedNotTraceOnly: an HTTP/2-over-TLS trace against a
// capture of another transfer: its reads are unmatched, not "trace-only"
// ("no capture: sizes only", review 26, of a capture of the proxy's leg).
func TestFieldH2UnmatchedNotTraceOnly(t *testing.T) {
	tr := readTraceGz(t, "manyframes-788.trace.gz")
	r := Explain(tr, analyzeFor(t, tr, filepath.Join(field, "body-in-trace-ascii-788.pcap.gz"), ""))
	n := 0
	for _, e := range r.Events {
		if e.Cause == CauseTraceOnly {
			t.Errorf("line %d: trace-only with a capture given", e.Line)
		}
		if e.Cause == CauseUnmatched {
			n++
		}
	}
	if len(r.Matches) != 0 || n == 0 {
		t.Errorf("%d matches, %d unmatched reads of %d", len(r.Matches), n, len(r.Events))
	}
}

// TestFieldProxyHTTPLeg: curl through an HTTP proxy to an http:// URL
// sends its request in absolute form; a capture of the proxy's own leg
// to the origin is named as that leg, as a CONNECT's target is (review
// 26: "are the trace and the capture of the same transfer?").
func TestFieldProxyHTTPLeg(t *testing.T) {
	tr := readTraceGz(t, "proxy-http-leg.trace.gz")
	r := Explain(tr, analyzeFor(t, tr, filepath.Join(field, "proxy-http-leg.pcap.gz"), ""))
	if len(r.Problems) != 1 {
		t.Fatalf("problems %+v", r.Problems)
	}
	p := r.Problems[0]
	if p.Kind != ProblemNoConnection || !p.ProxyForm || p.Tunnel != netip.MustParseAddrPort("127.0.0.2:19451") || p.TunnelConn != 0 || p.Server != netip.MustParseAddrPort("127.0.0.1:19450") {
		t.Errorf("%+v", p)
	}
}

// TestFieldTraceLikeBody: curl --trace - without -o, of a body whose lines
// quote a curl trace (connect lines, Send header and Recv data headers with
// their dumps, with times and ids). After each Recv data event curl writes
// its bytes into the stream: they are skipped whole, so the events are
// curl's own: one request head, reads that add up to the body and hold its
// bytes, one connection (review 28: the quoted lines were events).
func TestFieldTraceLikeBody(t *testing.T) {
	body := gunzip(t, filepath.Join(field, "trace-like-body.txt.gz"))
	for _, name := range []string{"trace-like-body-788-ascii.trace.gz", "trace-like-body-814-hex.trace.gz"} {
		tr := readTraceGz(t, name)
		if len(tr.Conns) != 1 || len(tr.Skipped) == 0 {
			t.Fatalf("%s: %d connections, skipped %v", name, len(tr.Conns), tr.Skipped)
		}
		var heads, off int
		for _, e := range tr.Events {
			switch e.Kind {
			case curltrace.SendHeader, curltrace.SendData:
				heads++
			case curltrace.RecvData:
				if off+e.Size > len(body) {
					t.Fatalf("%s, line %d: %d bytes past the body's %d", name, e.Line, off+e.Size, len(body))
				}
				want := body[off : off+e.Size]
				for i := range e.Data {
					if e.Data[i] != want[i] && !(tr.ASCII && e.Data[i] == '.') {
						t.Fatalf("%s, line %d: byte %d is %q, the body's %q", name, e.Line, i, e.Data[i], want[i])
					}
				}
				off += e.Size
			}
		}
		if heads != 1 || off != len(body) {
			t.Errorf("%s: %d sends, reads of %d bytes, the body %d", name, heads, off, len(body))
		}
		r := Explain(tr, analyzeFor(t, tr, filepath.Join(field, "trace-like-body.pcap.gz"), ""))
		if len(r.Matches) != 1 || len(r.Problems) != 0 {
			t.Errorf("%s: %d matches, problems %+v", name, len(r.Matches), r.Problems)
		}
		for _, e := range r.Events {
			if e.Confidence != Certain {
				t.Errorf("%s, line %d: %v %v", name, e.Line, e.Cause, e.Confidence)
			}
		}
	}
}

// TestFieldPathMTUHeld: review 31. A router's link at MTU 1280 between
// ends at 1500 (both SYNs: MSS 1460, 1440 on IPv6); the server learnt the
// path MTU from ICMP "fragmentation needed" (11 in its capture, MTU 1280)
// and cut its segments at 1228 (1208 on IPv6). nginx wrote the file in two
// sendfile calls, so reads of one 1228-byte segment were not "one write per
// segment" (short-segment): they are full segments of the held size,
// inferred. tshark: 80 of 86 data segments 1228, 31 pushed (client); 80 of
// 97, 11 of 1448 (server); IPv6 82 of 88 at 1208.
func TestFieldPathMTUHeld(t *testing.T) {
	for _, c := range []struct {
		trace, capture            string
		held, segs, data, largest int
		full, short               int
	}{
		{"pmtud-1280-7.trace.gz", "pmtud-1280-7.pcap.gz", 1228, 80, 86, 1228, 73, 3},
		{"pmtud-1280-7.trace.gz", "pmtud-1280-7-server.pcap.gz", 1228, 80, 97, 0, 65, 1},
		{"pmtud6-1280-8.trace.gz", "pmtud6-1280-8.pcap.gz", 1208, 82, 88, 1208, 78, -1},
	} {
		tr := readTraceGz(t, c.trace)
		r := Explain(tr, analyzeFor(t, tr, filepath.Join(field, c.capture), ""))
		m := r.Summary.MSS
		if m == nil || m.Held != c.held || m.HeldSegments != c.segs || m.DataSegments != c.data || m.Largest != c.largest {
			t.Fatalf("%s: MSS fact %+v, want held %d in %d of %d, largest %d", c.capture, m, c.held, c.segs, c.data, c.largest)
		}
		full, short := 0, 0
		for _, e := range r.Events {
			switch {
			case e.Cause == CauseFullSegment && e.Inference == ByHeldMSS:
				full++
				if e.Size != c.held || len(e.Segments) != 1 {
					t.Errorf("%s line %d: %d bytes in %d segments taken as a held full segment", c.capture, e.Line, e.Size, len(e.Segments))
				}
			case e.Cause == CauseShortSegment:
				short++
				if e.Size == c.held {
					t.Errorf("%s line %d: a %d-byte read is short-segment", c.capture, e.Line, e.Size)
				}
			}
		}
		if full != c.full || (c.short >= 0 && short != c.short) {
			t.Errorf("%s: %d held full segments, %d short; want %d and %d", c.capture, full, short, c.full, c.short)
		}
	}
}

// analyzeField analyzes a field capture alone, with no trace.
func analyzeField(t *testing.T, name string) *analyze.Result {
	t.Helper()
	src, err := capture.Open(filepath.Join(field, name))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	a := analyze.New(analyze.Options{})
	if err := a.ReadAll(src); err != nil {
		t.Fatal(err)
	}
	return a.Result()
}

// TestFieldRouterBothSides: review 31. tcpdump -i any on a router between
// client and server namespaces holds each packet twice, on its way in and
// out (router-any-h1.pcap: the first 16 packets of that capture; tshark:
// SYN TTL 64 on ifindex 587 and 63 on 590, SYN-ACK 64 on 590 and 63 on
// 587). It was "not shown (the SYNs' TTLs ... alike on both sides, as on
// one host)"; now the capture point is a router that forwarded them.
func TestFieldRouterBothSides(t *testing.T) {
	res := analyzeField(t, "router-any-h1.pcap")
	if len(res.Connections) != 1 {
		t.Fatalf("%d connections, want 1", len(res.Connections))
	}
	c := res.Connections[0]
	cs, ss := c.Dir(analyze.ClientToServer).SYN, c.Dir(analyze.ServerToClient).SYN
	if cs.TTL != 64 || cs.CopyTTL != 63 || ss.TTL != 64 || ss.CopyTTL != 63 {
		t.Errorf("SYN TTLs %d/%d, SYN-ACK %d/%d; want 64/63 both", cs.TTL, cs.CopyTTL, ss.TTL, ss.CopyTTL)
	}
	p := pointOf(c)
	if p.By != "forwarded" || p.Where != PointUnknown || p.ClientCopyTTL != 63 || p.ServerCopyTTL != 63 {
		t.Errorf("point %+v, want forwarded, unknown side, copies at 63", p)
	}
	// Review 33: an nft MSS clamp to 1200 on the router's way to the
	// server. The client's SYN came in with MSS 1460 and left with 1200
	// (tshark: frames 1 and 2); the server's 1188-byte segments are full
	// ones (1200 - 12), not "short" of 1448.
	c = analyzeField(t, "router-clamp1200.pcap").Connections[0]
	cs, ss = c.Dir(analyze.ClientToServer).SYN, c.Dir(analyze.ServerToClient).SYN
	if cs.MSS != 1460 || cs.CopyMSS != 1200 || ss.MSS != 1460 || ss.CopyMSS != 0 {
		t.Errorf("SYN MSS %d/%d, SYN-ACK %d/%d; want 1460/1200 and 1460/0", cs.MSS, cs.CopyMSS, ss.MSS, ss.CopyMSS)
	}
	if e := c.Dir(analyze.ServerToClient).EffectiveMSS(); e.Value != 1188 || e.MSS != 1200 {
		t.Errorf("server's effective MSS %+v, want 1200 - 12 = 1188", e)
	}
	// The client's own data is held by the server's SYN-ACK (1460 both
	// ways), not by its own SYN's clamp (review 35: it had become 1188).
	if e := c.Dir(analyze.ClientToServer).EffectiveMSS(); e.Value != 1448 || e.MSS != 1460 {
		t.Errorf("client's effective MSS %+v, want 1460 - 12 = 1448", e)
	}
}

// TestFieldTLSRecordHalved: review 30. curl 8.14 --http1.1 --limit-rate 8k
// over TLS 1.3 (nginx, 16 KiB records): curl's buffer is 8192, so each
// 16384-byte record (tshark: 16401 on the wire, frames 13, 15, 16) is read
// in two halves; strace: one 16401-byte socket read per record. The first
// half was "cannot tell" (with the key log: "pass the key log"), the second
// "the record size the server chose sets N". A read that stops inside a
// record holding more is buffer-cap: certain with the key log, inferred
// (record-left) from the wire alone.
func TestFieldTLSRecordHalved(t *testing.T) {
	want := []struct {
		line  int
		cause Cause
	}{{270, CauseBufferCap}, {767, CauseTLSRecord}, {1284, CauseBufferCap}, {1797, CauseTLSRecord}, {2314, CauseBufferCap}, {2827, CauseTLSRecord}, {3344, CauseTLSRecord}}
	for _, keys := range []string{filepath.Join(field, "tls13-limit8k-8.keys"), ""} {
		tr := readTraceGz(t, "tls13-limit8k-8.trace.gz")
		r := Explain(tr, analyzeFor(t, tr, filepath.Join(field, "tls13-limit8k-8.pcap.gz"), keys))
		if len(r.Events) != len(want) {
			t.Fatalf("keys %q: %d reads, want %d", keys, len(r.Events), len(want))
		}
		for i, w := range want {
			e := r.Events[i]
			conf := Certain
			if keys == "" && w.cause == CauseBufferCap {
				conf = Inferred
			}
			if e.Line != w.line || e.Cause != w.cause || e.Confidence != conf {
				t.Errorf("keys %q: line %d %v %v, want line %d %v %v", keys, e.Line, e.Cause, e.Confidence, w.line, w.cause, conf)
			}
			if r := e.Facts.Record; w.cause == CauseBufferCap && (r == nil || r.Plain != 16384 || r.Plain-r.Before-e.Size != 8192) {
				t.Errorf("keys %q: line %d record %+v, want 16384 of plaintext with 8192 left", keys, e.Line, r)
			}
		}
	}
}

// TestFieldWindowRunt: review 30's F5, made again. curl 7.88 over a veth
// (offloads off) from python's http.server, 1 MiB of zeros: the read at
// line 15734 ends at stream offset 323661 (packet 315; tshark: nxtseq
// 323662), 1400 bytes before the edge of the 66560-byte window curl's side
// had advertised, less than the 1448-byte MSS; the server sent on only
// after curl's ACK in packet 317 moved the edge (packet 318). It was
// "backlog: a burst that one read took whole"; now window-full, inferred.
func TestFieldWindowRunt(t *testing.T) {
	tr := readTraceGz(t, "window-runt-7.trace.gz")
	r := Explain(tr, analyzeFor(t, tr, filepath.Join(field, "window-runt-7.pcap.gz"), ""))
	n := 0
	for _, e := range r.Events {
		w := e.Facts.Window
		if w == nil || w.Short == 0 {
			continue
		}
		n++
		if e.Line != 15734 || e.Range.End != 323661 || w.Short != 1400 || w.Window != 66560 || w.Reopened != 317 ||
			e.Cause != CauseWindowFull || e.Confidence != Inferred || e.Inference != ByWindowRemainder {
			t.Errorf("line %d: end %d, window %+v, %v %v %v", e.Line, e.Range.End, w, e.Cause, e.Confidence, e.Inference)
		}
	}
	if n != 1 {
		t.Errorf("%d reads short of the window's edge, want 1", n)
	}
	// Review 33: a Go server writing 8688 bytes (6 x 1448) then sleeping
	// 100 ms, into an 8960-byte window: each read ends 272 bytes short of
	// the edge, but the server resumed 100 ms after curl's ACK (tshark:
	// frame 26 at 0.102929, frame 27 at 0.203020) on a 0.2 ms path: its
	// sleep, not the window. It had been window-full for 10 of 12 reads.
	tr = readTraceGz(t, "window-app-pause-7.trace.gz")
	r = Explain(tr, analyzeFor(t, tr, filepath.Join(field, "window-app-pause-7.pcap.gz"), ""))
	for _, e := range r.Events {
		if w := e.Facts.Window; e.Cause == CauseWindowFull || (w != nil && w.Short > 0) {
			t.Errorf("app pause, line %d: %v, window %+v", e.Line, e.Cause, w)
		}
	}
}

// TestFieldOtherRunNext: review 33's same-second pair, made again. curl
// 8.14 fetched the same 300000 zero bytes twice in a row, one capture;
// run B's trace against run A's connection: B's "Connected" line (22:26:36.221216) is 13.671
// ms after A's connection's last packet (tshark: 22:26:36.207545) on the one clock both share, so
// it is another run (before: 3 of 5 causes certain, with A's packets and
// timings). Run A's own trace has no problem.
func TestFieldOtherRunNext(t *testing.T) {
	pcap := filepath.Join(field, "other-run-next-8-A.pcap.gz")
	tr := readTraceGz(t, "other-run-next-8-B.trace.gz")
	r := Explain(tr, analyzeFor(t, tr, pcap, ""))
	if len(r.Problems) != 1 || r.Problems[0].Kind != ProblemOtherRun || r.Problems[0].Skew != 13671*time.Microsecond {
		t.Fatalf("problems %+v", r.Problems)
	}
	noneCertain(t, r)
	tr = readTraceGz(t, "other-run-next-8-A.trace.gz")
	r = Explain(tr, analyzeFor(t, tr, pcap, ""))
	if len(r.Problems) != 0 || r.Summary.Confidence[Certain] != len(r.Events) {
		t.Errorf("run A: problems %+v, confidence %v", r.Problems, r.Summary.Confidence)
	}
}

// TestFieldPeriodicBodyGap: review 33. A Go server's 300000-byte body
// repeats every 1000 bytes; tcpdump at the client lost a 62752-byte GRO
// packet (tshark: frame 38, "previous segment not captured", at relative
// seq 77836). The reads' own sizes put line 399 at 6083 (6000 + 37000 +
// 102400 + 102400 + 52200 = 300000 after the 83-byte header); its bytes
// were found 72000 bytes on, in a later period, and the reads after it
// overlapped. A read stays where the one before ended when its bytes
// would follow on in a gap, or the place found would overlap.
func TestFieldPeriodicBodyGap(t *testing.T) {
	tr := readTraceGz(t, "periodic-gap-7.trace.gz")
	r := Explain(tr, analyzeFor(t, tr, filepath.Join(field, "periodic-gap-7.pcap.gz"), ""))
	end := int64(83)
	for _, e := range r.Events {
		if e.Kind != curltrace.RecvData {
			continue
		}
		if e.Range.Start != end {
			t.Errorf("line %d at %d-%d, want it to follow on at %d", e.Line, e.Range.Start, e.Range.End, end)
		}
		end = e.Range.Start + int64(e.Size)
	}
	if end != 300083 {
		t.Errorf("the reads end at %d, want 300083", end)
	}
}

// TestFieldTLSGapKeys: review 37. curl 7.88 --limit-rate 8k over TLS 1.3
// from a Go server, tcpdump dropping packets of the server's side: with
// the key log, the decrypted records fell apart from the wire's after the
// gap, and line 4379 was "8192 bytes from record #18, which holds 8430
// bytes of plaintext (14249 on the wire) ... 238 more", buffer-cap,
// certain (the record holds 14232: 14249 - 17). A decrypted plaintext that
// does not fit its wire record is not taken.
func TestFieldTLSGapKeys(t *testing.T) {
	tr := readTraceGz(t, "tls-gap-keys-7.trace.gz")
	r := Explain(tr, analyzeFor(t, tr, filepath.Join(field, "tls-gap-keys-7.pcap.gz"), filepath.Join(field, "tls-gap-keys-7.keys")))
	for _, e := range r.Events {
		rec := e.Facts.Record
		if rec == nil || !rec.OverheadKnown {
			continue
		}
		if over := rec.Length - rec.Plain; over < 0 || over > maxRecordOverhead {
			t.Errorf("line %d: record #%d of %d bytes holds %d of plaintext", e.Line, rec.Index, rec.Length, rec.Plain)
		}
		if e.Line == 4379 && (rec.Plain != 14232 || e.Cause != CauseBufferCap || rec.Plain-rec.Before-e.Size != 6040) {
			t.Errorf("line 4379: %v %v, record %+v", e.Cause, e.Confidence, rec)
		}
	}
}

// eventAt is the read (or the event) logged at line.
func eventAt(t *testing.T, r *Result, line int) *Event {
	t.Helper()
	for i := range r.Events {
		if r.Events[i].Line == line {
			return &r.Events[i]
		}
	}
	t.Fatalf("no event at line %d", line)
	return nil
}
