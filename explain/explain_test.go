package explain

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/segscope/segscope/analyze"
	"github.com/segscope/segscope/capture"
	"github.com/segscope/segscope/curltrace"
)

// explainPair explains a trace in pcaps/ against its capture.
func explainPair(t *testing.T, traceName, captureName string) *Result {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "pcaps", traceName))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tr, err := curltrace.Parse(f, traceName)
	if err != nil {
		t.Fatalf("%s: %v", traceName, err)
	}
	if captureName == "" {
		return Explain(tr, nil)
	}
	src, err := capture.Open(filepath.Join("..", "pcaps", captureName))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	a := analyze.New(analyze.Options{KeepSegments: Wanted(tr)})
	if err := a.ReadAll(src); err != nil {
		t.Fatal(err)
	}
	return Explain(tr, a.Result())
}

// TestPairsInPcaps checks that every Recv data event of every trace in
// pcaps/ gets a cause that the capture's setup allows, that the dominant
// one is right, and that the summary names the reason in the right terms.
func TestPairsInPcaps(t *testing.T) {
	cases := []struct {
		trace, capture string
		dominant       Cause
		allowed        []Cause
		sentence       string // a summary sentence must contain this
	}{
		{"mtu1440-ts.trace", "mtu1440-ts.pcap.gz", CauseFullSegment,
			[]Cause{CauseFullSegment, CauseBacklog, CauseAfterHeaders, CauseBodyEnd, CauseShortSegment},
			"an IPv4 path with MTU 1440"},
		{"mtu1440-nots.trace", "mtu1440-nots.pcap.gz", CauseFullSegment,
			[]Cause{CauseFullSegment, CauseBacklog, CauseAfterHeaders, CauseBodyEnd, CauseShortSegment},
			"1400 (MSS in the"},
		{"ipv6-mtu1460.trace", "ipv6-mtu1460.pcapng", CauseFullSegment,
			[]Cause{CauseFullSegment, CauseBacklog, CauseAfterHeaders, CauseBodyEnd, CauseShortSegment},
			"IPv6 on an MTU-1460 path"},
		{"lo-http.trace", "lo-http.pcap", CauseBacklog,
			[]Cause{CauseBufferCap, CauseBacklog, CauseAfterHeaders, CauseBodyEnd, CauseShortSegment, CauseFullSegment},
			"slower than the network"},
		{"lo-chunked.trace", "lo-chunked.pcap", CauseShortSegment,
			[]Cause{CauseShortSegment, CauseAfterHeaders, CauseBodyEnd, CauseBacklog},
			"the server wrote that much"},
		{"https-tls13.trace", "https-tls13.pcap.gz", CauseTLSRecord, []Cause{CauseTLSRecord}, "one TLS record"},
		{"https-tls12.trace", "https-tls12.pcap.gz", CauseTLSRecord, []Cause{CauseTLSRecord}, "one TLS record"},
		{"ssl-buffer-1388.trace", "ssl-buffer-1388.pcap.gz", CauseTLSRecord, []Cause{CauseTLSRecord}, "1388-byte records"},
		// Several connections, 100 Continue (whose empty line curl does not
		// log), 204, 304 and a body delimited by the close.
		{"lo-methods.trace", "lo-methods.pcap", CauseShortSegment,
			[]Cause{CauseShortSegment, CauseAfterHeaders, CauseBodyEnd, CauseBacklog},
			"the server wrote that much"},
		{"lo-keepalive.trace", "lo-keepalive.pcap", "",
			[]Cause{CauseShortSegment, CauseAfterHeaders, CauseBodyEnd, CauseBacklog, CauseFullSegment},
			"Recv data events"},
		{"limit-rate.trace", "limit-rate.pcap.gz", CauseBufferCap,
			[]Cause{CauseBufferCap, CauseBodyEnd, CauseShortSegment, CauseBacklog, CauseAfterHeaders},
			"filled curl's buffer"},
		{"h2c.trace", "h2c.pcap", CauseH2Frames, []Cause{CauseH2Frames}, "minus 9 per frame header"},
		{"https-h2.trace", "https-h2.pcap.gz", CauseH2Frames, []Cause{CauseH2Frames, CauseTLSRecord}, "16366 = 16384 - 2 x 9"},
		{"mtu1440-tso.trace", "mtu1440-tso.pcap.gz", CauseSuperSegment,
			[]Cause{CauseSuperSegment, CauseAfterHeaders, CauseBacklog, CauseBufferCap, CauseBodyEnd, CauseShortSegment, CauseFullSegment},
			"taken above the offload"},
	}
	for _, tc := range cases {
		t.Run(tc.trace, func(t *testing.T) {
			if _, err := os.Stat(filepath.Join("..", "pcaps", tc.capture)); err != nil {
				t.Fatalf("capture missing: %v", err)
			}
			r := explainPair(t, tc.trace, tc.capture)
			if len(r.Matches) == 0 || len(r.Problems) > 0 {
				t.Fatalf("matches %d, problems %v", len(r.Matches), r.Problems)
			}
			if tc.dominant != "" && r.Summary.Dominant != tc.dominant {
				t.Errorf("dominant cause %s, want %s (causes %v)", r.Summary.Dominant, tc.dominant, r.Summary.Causes)
			}
			var body int64
			for _, e := range r.Events {
				if e.Conn < 0 || len(e.Segments) == 0 {
					t.Errorf("line %d (%d bytes): conn %d, %d segments", e.Line, e.Size, e.Conn, len(e.Segments))
				}
				ok := false
				for _, c := range tc.allowed {
					ok = ok || e.Cause == c
				}
				if !ok {
					t.Errorf("line %d (%d bytes): cause %s (%s) is not one this setup allows", e.Line, e.Size, e.Cause, e.Why)
				}
				body += int64(e.Size)
			}
			if body != r.Summary.Bytes || body == 0 {
				t.Errorf("events hold %d bytes, summary %d", body, r.Summary.Bytes)
			}
			if !strings.Contains(strings.Join(r.Summary.Sentences, " "), tc.sentence) {
				t.Errorf("summary lacks %q:\n%s", tc.sentence, strings.Join(r.Summary.Sentences, "\n"))
			}
			if !r.Matches[0].Aligned || r.Matches[0].ClockZone != 0 {
				t.Errorf("clock: aligned %v zone %v skew %v (the traces were made with TZ=UTC)", r.Matches[0].Aligned, r.Matches[0].ClockZone, r.Matches[0].ClockSkew)
			}
		})
	}
}

// A full-segment read must sit on exactly one segment of the effective
// MSS, captured before curl's read.
func TestFullSegmentEvidence(t *testing.T) {
	r := explainPair(t, "mtu1440-ts.trace", "mtu1440-ts.pcap.gz")
	n := 0
	for _, e := range r.Events {
		if e.Cause != CauseFullSegment {
			continue
		}
		n++
		s := e.Segments
		if e.Size != 1388 || len(s) != 1 || s[0].Len != 1388 || s[0].Offset != e.Range.Start {
			t.Fatalf("line %d: %d bytes on %+v", e.Line, e.Size, s)
		}
		if s[0].Before < 0 {
			t.Errorf("line %d: segment captured %v after the read", e.Line, -s[0].Before)
		}
		if !strings.Contains(e.Why, "1400 (MSS in the") || !strings.Contains(e.Why, "12 (timestamps option) = 1388") {
			t.Errorf("line %d: why %q lacks the arithmetic", e.Line, e.Why)
		}
	}
	if n < 50 {
		t.Errorf("only %d full-segment reads", n)
	}
}

func TestChunkFramingIsCounted(t *testing.T) {
	r := explainPair(t, "lo-chunked.trace", "lo-chunked.pcap")
	for _, e := range r.Events {
		// A read of one 1000-byte chunk is 1007 bytes: "3e8\r\n" and "\r\n".
		if e.Size == 1007 && e.ChunkFraming != 7 {
			t.Errorf("line %d: chunk framing %d, want 7", e.Line, e.ChunkFraming)
		}
	}
}

func TestTraceAloneAndMismatch(t *testing.T) {
	r := explainPair(t, "mtu1440-ts.trace", "")
	if r.Summary.Dominant != CauseTraceOnly || r.Summary.Events == 0 {
		t.Errorf("trace only: %+v", r.Summary)
	}
	// HTTPS: the record headers curl logged tell each record's size.
	r = explainPair(t, "https-tls13.trace", "")
	for _, e := range r.Events {
		if e.Size == 16384 && !strings.Contains(e.Why, "is 16401 bytes long: 16384 of plaintext + 17 of record overhead (TLS 1.3") {
			t.Errorf("trace-only HTTPS line %d: %s", e.Line, e.Why)
		}
	}
	// The trace of one transfer against the capture of another.
	r = explainPair(t, "mtu1440-ts.trace", "lo-chunked.pcap")
	if len(r.Matches) != 0 || len(r.Problems) == 0 || !strings.Contains(r.Problems[0], "no capture connection to that address and port") || !strings.Contains(r.Problems[0], "127.0.0.1:8081") {
		t.Errorf("mismatch: matches %d, problems %v", len(r.Matches), r.Problems)
	}
	if r.Summary.Dominant != CauseUnmatched {
		t.Errorf("mismatch: dominant %s", r.Summary.Dominant)
	}
}

// A segment lost before the capture point and resent is the only copy of
// its bytes: the read that took them is explained from it, and timed by
// it, not reported as missing.
func TestLostAndResentSegment(t *testing.T) {
	f, err := os.Open("testdata/lost.trace")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tr, err := curltrace.Parse(f, "lost.trace")
	if err != nil {
		t.Fatal(err)
	}
	src, err := capture.Open("testdata/lost.pcap")
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	a := analyze.New(analyze.Options{KeepSegments: Wanted(tr)})
	if err := a.ReadAll(src); err != nil {
		t.Fatal(err)
	}
	r := Explain(tr, a.Result())
	if len(r.Events) != 2 {
		t.Fatalf("%d events", len(r.Events))
	}
	last := r.Events[1]
	if last.Cause == CauseMissing || len(last.Segments) != 2 {
		t.Fatalf("the read after the loss: %s with %d segments: %s", last.Cause, len(last.Segments), last.Why)
	}
	if b := latest(last.Segments).Before; b < 0 || b > time.Millisecond {
		t.Errorf("the resent segment was captured %v before the read, want under 1ms: %s", b, last.Why)
	}
}
