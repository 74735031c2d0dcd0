package explain

import (
	"bytes"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/segscope/segscope/analyze"
	"github.com/segscope/segscope/curltrace"
)

// uploads holds real upload runs (testdata/uploads/README.md): curl 7.88
// and 8.14 against nginx and a Go server, each a capture, the trace, and
// a separate strace run's socket writes.
const uploads = "testdata/uploads/runs"

// uploadRun explains one run, with its key log when keys.
func uploadRun(t testing.TB, name string, keys bool) *Result {
	t.Helper()
	dir := filepath.Join(uploads, name)
	tr := parseGz(t, filepath.Join(dir, "trace.txt.gz"))
	k := ""
	if keys {
		k = filepath.Join(dir, "keys.log")
	}
	return Explain(tr, analyzeFor(t, tr, filepath.Join(dir, "cap.pcap.gz"), k))
}

// sendShape writes a run's sends compactly: cause letter, '~' when
// inferred, '!' when cannot tell, the size, "xN" for repeats; '(u)' marks
// a send not placed on the capture.
func sendShape(r *Result) string {
	letter := map[Cause]string{CauseRequestHeader: "H", CauseUploadBuffer: "B", CausePartialSend: "P", CauseBufferRest: "R",
		CauseBodyEnd: "E", CauseUploadChunk: "C", CauseUnknown: "?", CauseH2Window: "W", CauseFormPart: "F"}
	var out []string
	prev, n := "", 0
	flush := func() {
		if n > 1 {
			prev += fmt.Sprintf("x%d", n)
		}
		if n > 0 {
			out = append(out, prev)
		}
	}
	for _, e := range r.Sends {
		s := letter[e.Cause] + [...]string{"", "~", "!"}[e.Confidence] + fmt.Sprint(e.Size)
		if len(e.Segments) == 0 {
			s += "(u)"
		}
		if s == prev {
			n++
			continue
		}
		flush()
		prev, n = s, 1
	}
	flush()
	return strings.Join(out, " ")
}

// TestUploadCauses: every send of every run gets the cause its trace and
// strace show (GROUND.md of each run): 7.88 sends the head alone and then
// 65536-byte buffers; 8.14 fills the first buffer with the head and the
// body's first bytes, so its last send is the head's size; on the slow
// receiver the socket took less (strace's sendto(65536) = 65160) and curl
// 8.14 sent the rest alone; a chunked body from a slow pipe is 4000 bytes
// a read plus 7 of framing. The sends' bytes are the client's payload
// bytes in the clear (tshark: the sum of tcp.len towards the server).
func TestUploadCauses(t *testing.T) {
	for _, tc := range []struct {
		run     string
		keys    bool
		want    string
		payload int64 // tshark, client to server; 0 inside TLS
	}{
		{"c1-small-postd-788", false, "H154 E30000", 30154},
		{"c1-postd-788-veth", false, "H157 B~65536x15 E51488", 1034685},
		{"c2-chunk-slow-814-lo", false, "H131 C4007x50 E5", 200486},
		{"c3-exp-never-814", false, "H177 B~65536x3 E8192", 204977},
		{"c3-exp-nginx-814", false, "H177 B~65536x3 E8192", 204977},
		// curl 7.88's refill after a short first buffer: both sends are
		// short, and only the backed-up socket tells (strace: 65536=65160).
		{"c4-slowrcv-788-veth", false, "H157 P~65160x2 B~65536x14 E752", 1048733},
		{"c4-slowrcv-814-veth", false, "H157 P~65003 R~376 P~35824 R~29712 B~65536x14 E157", 1048733},
		{"c4-tbf-814", false, "H157 B~65379 P~41992 R~23544 B~65536x14 E157", 1048733},
		{"c5-h1-tls13-814", true, "H156 B~65380 B~65536x15 E156", 0},
		{"c5-h1-tls13-814", false, "H156 B~65380 B~65536x15 E156", 0},
		{"c5-h2-814", true, "H154 B~65382 B~65536x15 E154", 0},
		// HTTP/2 without keys: the sizes still tell, the frames do not.
		{"c5-h2-814", false, "H154(u) B~65382(u) B~65536(u)x15 E154(u)", 0},
	} {
		t.Run(fmt.Sprintf("%s/keys=%v", tc.run, tc.keys), func(t *testing.T) {
			r := uploadRun(t, tc.run, tc.keys)
			if got := sendShape(r); got != tc.want {
				t.Errorf("sends\n got %s\nwant %s", got, tc.want)
			}
			if tc.payload == 0 {
				return
			}
			var sum int64
			for _, e := range r.Sends {
				sum += int64(e.Size)
				if e.Range.Start != sum-int64(e.Size) || e.Range.End != sum {
					t.Errorf("line %d: range %v, the sends before it add up to %d", e.Line, e.Range, sum-int64(e.Size))
				}
			}
			if sum != tc.payload {
				t.Errorf("sends add up to %d, the client sent %d", sum, tc.payload)
			}
		})
	}
}

// TestUploadSummary: the body's arithmetic and the buffer, from the sends.
func TestUploadSummary(t *testing.T) {
	r := uploadRun(t, "c4-slowrcv-814-veth", false)
	s := r.Summary.Send
	if s.Buffer != 65536 || s.BufferBy != UploadBufferRepeated || s.Events != 20 || s.Headers != 1 || s.Bytes != 1048576 || len(s.Requests) != 1 {
		t.Fatalf("summary %+v", s)
	}
	q := s.Requests[0]
	// 157 + 1048576 = 16 x 65536 + 157: the head shared the first buffer.
	if q.Body != 1048576 || q.ContentLength != 1048576 || q.Head != 157 || !q.HeadShared || q.Sends != 19 || q.FullBuffers != 14 ||
		q.Partial != 2 || q.Last != 157 || q.Conn != 0 {
		t.Errorf("request %+v", q)
	}
	r = uploadRun(t, "c2-chunk-slow-814-lo", false)
	q = r.Summary.Send.Requests[0]
	// 50 reads of 4000 bytes ("fa0\r\n" + data + "\r\n") and "0\r\n\r\n".
	if !q.Chunked || q.Chunks != 51 || q.ChunkData != 200000 || q.ChunkFraming != 50*7+5 || q.Body != 200355 {
		t.Errorf("chunked request %+v", q)
	}
	if r.Summary.Send.Buffer != 0 {
		t.Errorf("a chunked body shows no upload buffer, got %d", r.Summary.Send.Buffer)
	}
}

// TestUploadPartialSend: curl 8.14's sendto(65536) returned 65160 on the
// slow receiver (strace.txt); the trace logs 65003 after the 157-byte
// head, then the 376 left. When curl logged the rest, the server's window
// was full: tshark shows its ACK (packet 13) advertising 14480 bytes
// (calculated window) with 14480 in flight.
func TestUploadPartialSend(t *testing.T) {
	r := uploadRun(t, "c4-slowrcv-814-veth", false)
	p, rest := r.Sends[1], r.Sends[2]
	u := p.Facts.Upload
	if p.Size != 65003 || p.Cause != CausePartialSend || p.Inference != ByBufferSum || u == nil || u.Offered != 65379 || u.Group != 2 || !u.HeadShared {
		t.Fatalf("partial send: %d %v %v, upload %+v", p.Size, p.Cause, p.Inference, u)
	}
	if rest.Size != 376 || rest.Cause != CauseBufferRest || rest.Facts.Upload.Offered != 376 {
		t.Errorf("rest: %d %v, upload %+v", rest.Size, rest.Cause, rest.Facts.Upload)
	}
	b := rest.Facts.SendBuffer
	if b == nil || b.Packet != 13 || b.Window != 14480 || b.InFlight != 14480 || !b.Full || b.Unsent <= 0 {
		t.Errorf("send buffer when curl logged the rest: %+v", b)
	}
	// The wire: 1448-byte segments (the client's MSS 1460 less the
	// timestamps option), the first shared with the head (packet 4).
	if p.Facts.MSS == nil || p.Facts.MSS.Effective != 1448 || p.Segments[0].Packet != 4 || p.Range.Start != 157 || p.Range.End != 65160 {
		t.Errorf("placement: mss %+v, first segment %+v, range %v", p.Facts.MSS, p.Segments[0], p.Range)
	}
}

// TestUploadExpect: the wait for 100 Continue, from the trace: a server
// that never answers (curl waited its 1 s) and nginx, which answers.
func TestUploadExpect(t *testing.T) {
	r := uploadRun(t, "c3-exp-never-814", false)
	x := r.Sends[1].Facts.Expect
	if x == nil || !x.TimedOut || x.Answered || !x.HasTime || x.Waited < time.Second || x.Waited > 1100*time.Millisecond {
		t.Errorf("never answered: %+v", x)
	}
	r = uploadRun(t, "c3-exp-nginx-814", false)
	x = r.Sends[1].Facts.Expect
	if x == nil || x.TimedOut || !x.Answered || x.Waited > 100*time.Millisecond {
		t.Errorf("nginx: %+v", x)
	}
	if r.Sends[2].Facts.Expect != nil {
		t.Error("only the body's first send waited")
	}
}

// TestUploadTLS: each 65536-byte send is one SSL_write of 4 records of
// 16384 bytes of plaintext, 16406 on the wire (TLS 1.3, AES-256-GCM: 17
// bytes of overhead); without keys the records are laid on their lengths
// and hold the same sends.
func TestUploadTLS(t *testing.T) {
	with, without := uploadRun(t, "c5-h1-tls13-814", true), uploadRun(t, "c5-h1-tls13-814", false)
	if len(with.Sends) != len(without.Sends) || len(with.Sends) != 18 {
		t.Fatalf("%d and %d sends", len(with.Sends), len(without.Sends))
	}
	for i := range with.Sends {
		a, b := with.Sends[i], without.Sends[i]
		ra, rb := a.Facts.Record, b.Facts.Record
		if ra == nil || rb == nil || ra.Count != rb.Count || ra.Wire != rb.Wire || a.Plain != b.Plain || ra.Source != FromKeyLog || rb.Source != FromCapture {
			t.Errorf("line %d: records %+v and %+v, plaintext %v and %v", a.Line, ra, rb, a.Plain, b.Plain)
		}
		// Without keys a send's range is its whole records; with keys
		// only the ciphertext of its plaintext: the latter lies inside.
		if a.Range.Start < b.Range.Start || a.Range.End > b.Range.End {
			t.Errorf("line %d: %v not inside %v", a.Line, a.Range, b.Range)
		}
	}
	if e := with.Sends[2]; e.Size != 65536 || e.Facts.Record.Count != 4 || e.Facts.Record.Wire != 16406 || e.Facts.Record.Plain != 16384 {
		t.Errorf("a full buffer: %d bytes, record %+v", e.Size, e.Facts.Record)
	}
}

// TestUploadH2: with the key log each send is placed on the client's DATA
// frames; tshark shows them as 16384 x 3 + 16230 for the first send
// (65382 bytes after the 154-byte head), 16384 each after, and 154 last;
// the HEADERS frame is 69 bytes of payload (78 with its header).
func TestUploadH2(t *testing.T) {
	r := uploadRun(t, "c5-h2-814", true)
	h := r.Sends[0]
	if h.Kind != curltrace.SendHeader || h.Facts.Frames == nil || h.Facts.Frames.Extent != 78 {
		t.Errorf("head: %+v", h.Facts.Frames)
	}
	frames := func(e Event) []int {
		var out []int
		for _, f := range e.Facts.Frames.Frames {
			out = append(out, f.Payload)
		}
		return out
	}
	if got := fmt.Sprint(frames(r.Sends[1])); got != "[16384 16384 16384 16230]" {
		t.Errorf("first send's DATA frames %s", got)
	}
	if got := fmt.Sprint(frames(r.Sends[len(r.Sends)-1])); got != "[154]" {
		t.Errorf("last send's DATA frames %s", got)
	}
}

// TestUploadWithoutTimes: the same slow-receiver run with the times taken
// out of the trace, and without the capture. The two short sends of curl
// 7.88 add up to no buffer, so only a backed-up socket at the moment curl
// logged them would tell: without times (or without the capture) they
// cannot be told, and the event says what would tell.
func TestUploadWithoutTimes(t *testing.T) {
	dir := filepath.Join(uploads, "c4-slowrcv-788-veth")
	raw := gunzip(t, filepath.Join(dir, "trace.txt.gz"))
	untimed := regexp.MustCompile(`(?m)^\d\d:\d\d:\d\d\.\d{6} `).ReplaceAll(raw, nil)
	tr, err := curltrace.Parse(bytes.NewReader(untimed), "untimed")
	if err != nil || tr.HasTimes {
		t.Fatalf("%v, times %v", err, tr.HasTimes)
	}
	for _, tc := range []struct {
		name string
		res  *analyze.Result
		need Need
	}{
		{"capture", analyzeFor(t, tr, filepath.Join(dir, "cap.pcap.gz"), ""), NeedTraceTime},
		{"trace only", nil, NeedCapture},
	} {
		r := Explain(tr, tc.res)
		if got := sendShape(r); !strings.HasPrefix(got, "H157") || !strings.Contains(got, "?!65160") || !strings.Contains(got, "E752") {
			t.Errorf("%s: %s", tc.name, got)
		}
		if e := r.Sends[1]; len(e.Needs) != 2 || e.Needs[0] != tc.need || e.Needs[1] != NeedStrace {
			t.Errorf("%s: needs %v", tc.name, e.Needs)
		}
	}
}

// TestUploadH2Window: a Go h2c server with a 65535-byte stream window that
// grants 4096 bytes per WINDOW_UPDATE as it reads (testdata/uploads
// README). tshark shows curl 7.88's first DATA as 16384 x 3 + 16383 =
// 65535 before the server's SETTINGS, then one 4096-byte frame per grant:
// each send took exactly what the window allowed. curl 8.14 logs a send
// when its HTTP/2 layer takes the bytes into its own buffer, so its sends
// went out only as later grants came: inferred, not certain.
func TestUploadH2Window(t *testing.T) {
	r := uploadRun(t, "h2c-window-788-lo", false)
	if got := sendShape(r); !strings.HasPrefix(got, "H153 W65535 W4096x") {
		t.Errorf("sends %s", got)
	}
	n := 0
	for _, e := range r.Sends {
		if e.Cause == CauseH2Window {
			n++
			if e.Confidence != Certain || e.Facts.H2Flow == nil || e.Facts.H2Flow.StreamLeft != 0 || e.Facts.H2Flow.Initial != 65535 {
				t.Errorf("line %d: %v %v, flow %+v", e.Line, e.Cause, e.Confidence, e.Facts.H2Flow)
			}
		}
	}
	first := r.Sends[1]
	if n != 60 || first.Size != 65535 || first.Facts.H2Flow.Updates != 0 || len(first.Facts.Frames.Frames) != 4 || first.Facts.Frames.Frames[3].Payload != 16383 {
		t.Errorf("%d window-limited sends; the first %d bytes, flow %+v", n, first.Size, first.Facts.H2Flow)
	}
	if second := r.Sends[2]; second.Size != 4096 || second.Facts.H2Flow.StreamGranted != 4096 {
		t.Errorf("second send %d bytes, flow %+v", second.Size, second.Facts.H2Flow)
	}
	r = uploadRun(t, "h2c-window-814-lo", false)
	waited := 0
	for _, e := range r.Sends {
		if e.Cause == CauseH2Window && e.Confidence == Inferred && e.Inference == ByWindowWait && e.Facts.H2Flow.StreamLeft < 0 {
			waited++
		}
		if e.Cause == CausePartialSend || e.Cause == CauseBufferRest {
			t.Errorf("line %d: %v: flow control taken for the socket", e.Line, e.Cause)
		}
	}
	if waited != 10 || r.Summary.Send.Requests[0].H2Window != 10 {
		t.Errorf("curl 8.14: %d sends waited for the window, summary %+v", waited, r.Summary.Send.Requests[0])
	}
}

// TestUploadFormPart: curl 7.88 -F file=@300k -F note=hello -F f2=@65537
// (a field run): the fifth body send, 45461 bytes, ends with the headers
// of the part whose data is the next file; strace shows it written whole,
// sendto(..., 45461) = 45461. It is the form reader, not the socket.
func TestUploadFormPart(t *testing.T) {
	r := uploadRun(t, "form-788-lo", false)
	if got := sendShape(r); got != "H192 B~65536x4 F~45461 B~65536 E49" {
		t.Errorf("sends %s", got)
	}
	if q := r.Summary.Send.Requests[0]; q.FormParts != 1 || q.Partial != 0 || q.Body != 373190 || q.ContentLength != 373190 {
		t.Errorf("request %+v", q)
	}
}

// TestUploadStopped: a server that answers 413 before the body: curl
// 8.14 stopped after its first buffer ("abort upload after having sent
// 65379 bytes") of a 5 MiB Content-Length. That last send is not the
// body's end.
func TestUploadStopped(t *testing.T) {
	r := uploadRun(t, "early413-814-veth", false)
	e := r.Sends[len(r.Sends)-1]
	if e.Size != 65379 || e.Cause != CauseUploadBuffer || !e.Facts.Upload.Stopped || !e.Facts.Upload.HeadShared {
		t.Errorf("last send %d bytes: %v, upload %+v", e.Size, e.Cause, e.Facts.Upload)
	}
	if q := r.Summary.Send.Requests[0]; q.Body != 65379 || q.ContentLength != 5242880 {
		t.Errorf("request %+v", q)
	}
}

// TestUploadClockFromHead: with --limit-rate the only read (the response)
// is logged 439 ms after its segment came, because curl was pausing; the
// request head, sent when nothing was queued, aligns the clocks instead,
// and every send's segments are then captured within a millisecond of
// curl logging it (as the capture's and the trace's deltas agree).
func TestUploadClockFromHead(t *testing.T) {
	r := uploadRun(t, "limit100k-788-lo", false)
	for _, e := range r.Sends {
		if tf := e.Facts.Timing; tf == nil || tf.FirstBefore > time.Millisecond || tf.FirstBefore < -time.Millisecond {
			t.Errorf("line %d: timing %+v", e.Line, tf)
		}
	}
	if rd := r.Events[0]; rd.Facts.Timing == nil || rd.Facts.Timing.LastBefore < 400*time.Millisecond {
		t.Errorf("the read: %+v", rd.Facts.Timing)
	}
}

func TestParseChunks(t *testing.T) {
	for _, tc := range []struct {
		in                    string
		chunks, data, framing int
		last                  bool
	}{
		{"fa0\r\n" + strings.Repeat("x", 4000) + "\r\n", 1, 4000, 7, false},
		{"0\r\n\r\n", 1, 0, 5, true},
		{"3\r\nabc\r\n0\r\n\r\n", 2, 3, 5 + 5, true},
		{"3;ext=1\r\nabc\r\n", 1, 3, 11, false},
		{"3\r\nab", 0, 0, 0, false},      // cut inside the data
		{"zz\r\nab\r\n", 0, 0, 0, false}, // no size line
		{"0\r\nTrailer: x\r\n\r\n", 1, 0, 17, true},
	} {
		c, d, f, l := parseChunks([]byte(tc.in), len(tc.in))
		if c != tc.chunks || d != tc.data || f != tc.framing || l != tc.last {
			t.Errorf("%q: %d chunks, %d data, %d framing, last %v", tc.in, c, d, f, l)
		}
	}
}

// FuzzParseChunks: the bytes curl logged are outside input; whole chunks
// account for every byte.
func FuzzParseChunks(f *testing.F) {
	f.Add([]byte("fa0\r\n" + strings.Repeat("x", 4000) + "\r\n"))
	f.Add([]byte("0\r\n\r\n"))
	f.Add([]byte("3\r\nabc\r\n0\r\nA: b\r\n\r\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, d, fr, _ := parseChunks(b, len(b))
		if c > 0 && d+fr != len(b) {
			t.Errorf("%q: %d chunks, %d + %d != %d", b, c, d, fr, len(b))
		}
	})
}

// FuzzExplainTrace: any trace the parser accepts is explained without a
// capture without panicking, and every Send line becomes one send event
// whose cause has a name.
func FuzzExplainTrace(f *testing.F) {
	for _, run := range []string{"c2-chunk-slow-814-lo", "c3-exp-never-814", "form-788-lo"} {
		raw := gunzip(f, filepath.Join(uploads, run, "trace.txt.gz"))
		f.Add(raw[:min(len(raw), 2<<10)]) // small seeds: the fuzzer minimizes what it finds
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		tr, err := curltrace.Parse(bytes.NewReader(b), "fuzz")
		if tr == nil || (err != nil && len(tr.Events) == 0) {
			return
		}
		r := Explain(tr, nil)
		n := 0
		for _, e := range tr.Events {
			if (e.Kind == curltrace.SendHeader || e.Kind == curltrace.SendData) && e.Size > 0 {
				n++
			}
		}
		if len(r.Sends) != n {
			t.Fatalf("%d send events for %d Send lines", len(r.Sends), n)
		}
		for _, e := range r.Sends {
			if e.Cause.String() == "" {
				t.Fatalf("line %d: a cause without a name", e.Line)
			}
		}
	})
}

// A first send that brings the stream's DATA to 65535, HTTP/2's initial
// window, is the window's doing even when the capture shows the server's
// SETTINGS (raising it) before the DATA frames: curl 7.88 under
// `segscope curl` to a Go h2 server, where the two crossed on loopback.
func TestUploadInitialWindow(t *testing.T) {
	ev := &Event{Kind: curltrace.SendData, Size: 65535}
	ev.Facts.Layer = LayerH2TLS
	ev.Facts.Upload = &UploadFact{Buffer: 65536, Offset: 0, Index: 0, Sends: 5, ContentLength: 300000, Body: 300000}
	ev.Facts.H2Flow = &H2FlowFact{StreamLeft: 983041, ConnLeft: 983041, Initial: 1048576}
	if v := sendRules(ev); v.cause != CauseH2Window || v.conf != Inferred || v.inf != ByInitialWindow {
		t.Errorf("65535 at the stream's start: %+v", v)
	}
	ev.Facts.Upload.Offset = 1 // 1 + 65535 is no initial window
	if v := sendRules(ev); v.cause == CauseH2Window {
		t.Errorf("65535 after one byte: %+v", v)
	}
}

// TestFlowGrantsSharedFrame: when a send ends inside the next one's first
// DATA frame (curl 8), the grants between the two are not counted at
// frames: not "nothing granted" (review 19), but unknown (-1).
func TestFlowGrantsSharedFrame(t *testing.T) {
	l := &flowLedger{last: map[uint32]int{}, marks: []flowMark{
		{stream: 1, streamCap: 65535, connCap: 65535, streamSent: 16384, connSent: 16384, initial: 65535},
		{stream: 1, streamCap: 65535, connCap: 65535, streamSent: 32768, connSent: 32768, initial: 65535},
		{stream: 1, streamCap: 98303, connCap: 98303, streamSent: 49152, connSent: 49152, initial: 65535, streamUpd: 32768, connUpd: 32768, updates: 2},
	}}
	if f := l.fact(0, 1); f.Updates != 0 {
		t.Fatalf("first send: %+v", f)
	}
	// The next send begins in frame 1, where the first ended.
	if f := l.fact(1, 2); f.Updates != -1 || f.StreamGranted != 0 {
		t.Errorf("shared frame: %+v, want Updates -1", f)
	}
	// Not shared: the grants between are counted.
	l = &flowLedger{last: map[uint32]int{1: 0}, marks: l.marks}
	if f := l.fact(2, 2); f.Updates != 2 || f.StreamGranted != 32768 {
		t.Errorf("apart: %+v, want 2 updates granting 32768", f)
	}
}

// TestUploadFormSplit: after a form part's short read (the head and 1337
// bytes, one write), curl 8.14 offered a full buffer the socket took in
// two (strace: sendto(65536) = 50680, then 14856). The buffer's sends are
// found past the short read (they had been "cannot tell: the sends around
// it add up to no buffer"); the last buffer, 37017 bytes (the file's end
// and the last part), no sizes show, so its short send stays cannot tell.
func TestUploadFormSplit(t *testing.T) {
	r := uploadRun(t, "form-split-814-veth", false)
	if got := sendShape(r); got != "H197 F~1337 P~50680 R~14856 ?!36200 E817" {
		t.Errorf("sends %s", got)
	}
	for _, e := range r.Sends {
		if u := e.Facts.Upload; e.Size == 50680 && (u == nil || u.Offered != 65536) {
			t.Errorf("50680: offered %+v", u)
		}
	}
}

// TestRestBeforeFormPart: the rest of a buffer the socket took in two
// that ends where a form part ends is the buffer's rest, not a form
// part's short read (review 27, curl 8.14 -F with a 5 MB file: strace
// read(65536) = 65536, sendto(65536) = 47784, sendto(17752) = 17752).
func TestRestBeforeFormPart(t *testing.T) {
	ev := &Event{Kind: curltrace.SendData, Size: 17752}
	ev.Facts.Upload = &UploadFact{Buffer: 65536, Group: 2, Offered: 17752, FormPart: true, Index: 5, Sends: 9, ContentLength: -1}
	if v := sendRules(ev); v.cause != CauseBufferRest {
		t.Errorf("%v %v", v.cause, v.conf)
	}
	// Alone, a send that ends at a part's end is the form reader's.
	ev.Facts.Upload.Group, ev.Facts.Upload.Offered = 0, 0
	if v := sendRules(ev); v.cause != CauseFormPart {
		t.Errorf("alone: %v %v", v.cause, v.conf)
	}
}

// TestUploadAnsweredFirst: the head announced 102 400 bytes and asked for
// 100 Continue; nginx answered 413 first, and curl sent none of the body.
// The summary says so (review 27: nothing was said of the upload).
func TestUploadAnsweredFirst(t *testing.T) {
	r := uploadRun(t, "expect413-788-veth", false)
	if len(r.Summary.Send.Requests) != 1 {
		t.Fatalf("%d requests", len(r.Summary.Send.Requests))
	}
	q := r.Summary.Send.Requests[0]
	if !q.Unsent || q.ContentLength != 102400 || !q.AskedExpect || q.Answer != "HTTP/1.1 413 Request Entity Too Large" || q.AnswerLine != 11 || q.Sends != 0 || q.Conn != 0 {
		t.Errorf("%+v", q)
	}
}

// TestBufferFromSums: curl 8.14 -F of 555 341 bytes into a small send
// buffer (review 28, c-form-814: tcp_wmem 4096 8192 16384, a slow reader).
// The trace's sends, as logged; 28960 is the largest size it repeats, but
// both were short writes (strace: sendto(29712) = 28960 and
// sendto(65536) = 28960). The sends add up to libcurl's 65536-byte buffer
// 8 times (strace: every sendto group began with 65536), to 28960 twice.
func TestBufferFromSums(t *testing.T) {
	sizes := []int{21522, 15928, 14480, 13408, 15552, 20272, 28960, 752, 28960, 21720, 10136, 4720, 20272, 23168, 14480, 7616, 10136,
		23168, 20272, 11960, 18824, 20272, 24616, 1824, 14104, 20272, 26064, 5096, 19520, 20272, 20272, 5472, 20592, 10659}
	head := "POST /up HTTP/1.1\r\nHost: h\r\nUser-Agent: curl/8.14.1\r\nContent-Length: 555341\r\n" +
		"Content-Type: multipart/form-data; boundary=------------------------x\r\n\r\n"
	head += strings.Repeat("x", 198-len(head)) // the logged head was 198 bytes
	tr := &curltrace.Trace{Curl: curltrace.Version{Major: 8, Minor: 14, Patch: 1}}
	tr.Events = append(tr.Events, curltrace.Event{Kind: curltrace.SendHeader, Size: len(head), Data: []byte(head), Line: 1})
	for i, n := range sizes {
		tr.Events = append(tr.Events, curltrace.Event{Kind: curltrace.SendData, Size: n, Line: 2 + i})
	}
	for range tr.Events {
		tr.EventConn = append(tr.EventConn, -1)
	}
	p := planUploads(tr)
	if p.buffer != 65536 || p.bufferBy != UploadBufferSums || p.fillsOf != 8 || p.repeated != 28960 {
		t.Errorf("buffer %d by %v, %d fills, repeated %d", p.buffer, p.bufferBy, p.fillsOf, p.repeated)
	}
}

// TestUploadWindowNotCurls: review 34. The windows a send's frames met are
// the ones curl's send saw only when the frames left as curl logged it: 54
// curl 8 sends of 16384, captured 9 ms after their lines (which said the
// stream window was 0 and curl's 64 KiB buffer full), had been "took what
// the window allowed, used it up exactly, certain". And HTTP/2's initial
// 65535, sent before the server's SETTINGS of 16384 reached curl (the
// stream then reset, FLOW_CONTROL_ERROR), is the initial window's doing,
// not the server's.
func TestUploadWindowNotCurls(t *testing.T) {
	ev := &Event{Kind: curltrace.SendData, Size: 16384}
	ev.Facts.Layer = LayerH2C
	ev.Facts.Upload = &UploadFact{Buffer: 65536, Offset: 163964, Index: 10, Sends: 64, ContentLength: 1 << 20, Body: 1 << 20}
	ev.Facts.H2Flow = &H2FlowFact{StreamLeft: 0, ConnLeft: 1032192, Initial: 16384, Settings: 16384}
	ev.Facts.Timing = &TimingFact{FirstBefore: -9138 * time.Microsecond, LastBefore: -9 * time.Millisecond}
	if v := sendRules(ev); v.cause != CauseH2Window || v.conf != Inferred || v.inf != ByWindowWait {
		t.Errorf("frames 9 ms after the line: %+v", v)
	}
	ev.Facts.Timing.FirstBefore = 200 * time.Microsecond // left as curl logged it
	if v := sendRules(ev); v.cause != CauseH2Window || v.conf != Certain {
		t.Errorf("frames as curl logged it: %+v", v)
	}
	// curl 8 without --trace-time: when the frames left is not known
	// (review 37: 55 sends certain without times, inferred with them).
	ev.Facts.Timing, ev.Facts.curl = nil, curltrace.Version{Major: 8, Minor: 14, Patch: 1}
	if v := sendRules(ev); v.cause != CauseH2Window || v.conf != Inferred || v.inf != ByWindowWait {
		t.Errorf("curl 8, no times: %+v", v)
	}
	ev.Facts.curl = curltrace.Version{Major: 7, Minor: 88, Patch: 1} // curl 7 logs after nghttp2 wrote
	if v := sendRules(ev); v.cause != CauseH2Window || v.conf != Certain {
		t.Errorf("curl 7, no times: %+v", v)
	}
	ev = &Event{Kind: curltrace.SendData, Size: 65535}
	ev.Facts.Layer = LayerH2C
	ev.Facts.Upload = &UploadFact{Buffer: 65536, Offset: 0, Index: 0, Sends: 1, ContentLength: 1 << 20, Body: 65535, Stopped: true}
	ev.Facts.H2Flow = &H2FlowFact{StreamLeft: 0, ConnLeft: 0, Initial: 65535, Settings: 16384}
	if v := sendRules(ev); v.cause != CauseH2Window || v.conf != Inferred || v.inf != ByInitialWindow {
		t.Errorf("65535 before SETTINGS of 16384: %+v", v)
	}
}

// TestBufferHeadSharedEachRequest: review 34. curl 8.14 --data-binary to
// an nginx that refused the stream six times: each request a 155-byte head
// and one send of 65381, 155 + 65381 = 65536. The size repeated six times
// was "curl's upload buffer is 65381 bytes"; the sends with their heads add
// up to libcurl's default as often.
func TestBufferHeadSharedEachRequest(t *testing.T) {
	head := "POST /up HTTP/2\r\nHost: h\r\nUser-Agent: curl/8.14.1\r\nContent-Length: 1048576\r\n\r\n"
	head += strings.Repeat("x", 155-len(head))
	tr := &curltrace.Trace{Curl: curltrace.Version{Major: 8, Minor: 14, Patch: 1}}
	for i := range 6 {
		tr.Events = append(tr.Events, curltrace.Event{Kind: curltrace.SendHeader, Size: len(head), Data: []byte(head), Line: 10 * i},
			curltrace.Event{Kind: curltrace.SendData, Size: 65381, Line: 10*i + 1})
		tr.EventConn = append(tr.EventConn, i, i)
	}
	p := planUploads(tr)
	if p.buffer != 65536 || p.bufferBy != UploadBufferSums || p.fillsOf != 6 || p.repeated != 65381 {
		t.Errorf("buffer %d by %v, %d fills, repeated %d", p.buffer, p.bufferBy, p.fillsOf, p.repeated)
	}
}

// TestBufferNotTheWindow: review 34. curl 7.88 uploading 1 MiB over HTTP/2
// to a Go server whose stream window is 16384: 64 sends of 16384, each of
// which used the stream window up (its WINDOW_UPDATEs refill 8192 + 8192).
// It was "curl's upload buffer is 16384 bytes" (curl 7.88 reads 65536:
// strace); the sends are h2-window, the buffer libcurl's default.
func TestBufferNotTheWindow(t *testing.T) {
	tr := &curltrace.Trace{Curl: curltrace.Version{Major: 7, Minor: 88, Patch: 1}}
	head := "POST /up HTTP/2\r\nHost: h\r\nContent-Length: 1048576\r\n\r\n"
	tr.Events = append(tr.Events, curltrace.Event{Kind: curltrace.SendHeader, Size: len(head), Data: []byte(head), Line: 1})
	tr.EventConn = append(tr.EventConn, 0)
	for i := range 64 {
		tr.Events = append(tr.Events, curltrace.Event{Kind: curltrace.SendData, Size: 16384, Line: 2 + i})
		tr.EventConn = append(tr.EventConn, 0)
	}
	r := &Result{Trace: tr, uploads: planUploads(tr)}
	if r.uploads.buffer != 16384 || r.uploads.bufferBy != UploadBufferRepeated {
		t.Fatalf("before the windows: buffer %d by %v", r.uploads.buffer, r.uploads.bufferBy)
	}
	for i := range tr.Events {
		ev := Event{Kind: tr.Events[i].Kind, Size: tr.Events[i].Size, Index: i}
		ev.Facts.Layer, ev.Facts.curl = LayerH2TLS, tr.Curl
		ev.Facts.Upload = r.uploads.fact(tr, i)
		if ev.Kind == curltrace.SendData {
			ev.Facts.H2Flow = &H2FlowFact{StreamLeft: 0, ConnLeft: 1032192, Initial: 16384, Settings: 16384}
		}
		r.Sends = append(r.Sends, ev)
	}
	r.windowCutBuffer()
	if r.uploads.buffer != 65536 || r.uploads.bufferBy != UploadBufferWindow || r.uploads.repeated != 16384 {
		t.Errorf("buffer %d by %v, repeated %d", r.uploads.buffer, r.uploads.bufferBy, r.uploads.repeated)
	}
	ev := &r.Sends[5]
	if v := sendRules(ev); v.cause != CauseH2Window || v.conf != Certain {
		t.Errorf("send 5: %+v, upload %+v", v, ev.Facts.Upload)
	}
}
