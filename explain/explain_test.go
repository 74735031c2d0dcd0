package explain

import (
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/segscope/segscope/analyze"
	"github.com/segscope/segscope/capture"
	"github.com/segscope/segscope/curltrace"
	"github.com/segscope/segscope/keylog"
)

const pcaps = "../pcaps"

// captureOf finds the capture of a trace in pcaps/: NAME.pcap, .pcap.gz or
// .pcapng.
func captureOf(t testing.TB, name string) string {
	t.Helper()
	for _, ext := range []string{".pcap", ".pcap.gz", ".pcapng"} {
		if p := filepath.Join(pcaps, name+ext); fileExists(p) {
			return p
		}
	}
	t.Fatalf("%s: no capture in %s", name, pcaps)
	return ""
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

func readTrace(t testing.TB, path string) *curltrace.Trace {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tr, err := curltrace.Parse(f, filepath.Base(path))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return tr
}

// analyzeFor analyzes a capture as `segscope explain` does: the trace's
// connections keep their segments, no unit bound, the key log if given.
func analyzeFor(t testing.TB, tr *curltrace.Trace, path, keys string) *analyze.Result {
	t.Helper()
	return analyzeSome(t, tr, path, keys, nil)
}

// analyzeSome is analyzeFor with only the packets keep says (numbered
// from 1; all when keep is nil), as a capture that lost the others, or
// was started late or stopped early, would hold them.
func analyzeSome(t testing.TB, tr *curltrace.Trace, path, keys string, keep func(n int) bool) *analyze.Result {
	t.Helper()
	opts := AnalyzeOptions(tr)
	if keys != "" {
		opts.Keys = &keylog.Store{}
		if err := opts.Keys.LoadFile(keys); err != nil {
			t.Fatal(err)
		}
	}
	src, err := capture.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	a := analyze.New(opts)
	if keep == nil {
		if err := a.ReadAll(src); err != nil {
			t.Logf("%v (explained as far as it goes)", err) // truncated.pcap is cut short on purpose
		}
		return a.Result()
	}
	for n := 1; ; n++ {
		p, err := src.ReadPacket()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if !keep(n) {
			continue
		}
		if err := a.Add(p); err != nil {
			t.Fatal(err)
		}
	}
	return a.Result()
}

// explainPair explains pcaps/NAME.trace against its capture, with
// NAME.keys when withKeys and it exists.
func explainPair(t testing.TB, name string, withKeys bool) *Result {
	t.Helper()
	tr := readTrace(t, filepath.Join(pcaps, name+".trace"))
	keys := filepath.Join(pcaps, name+".keys")
	if !withKeys || !fileExists(keys) {
		keys = ""
	}
	return Explain(tr, analyzeFor(t, tr, captureOf(t, name), keys))
}

func explainTrace(t testing.TB, name string) *Result {
	t.Helper()
	return Explain(readTrace(t, filepath.Join(pcaps, name+".trace")), nil)
}

// pairs is what explain says about every trace and capture in pcaps/ (with
// its key log): the dominant cause and its most common size, the events of
// each cause, and the events certain, inferred and cannot tell.
var pairs = []struct {
	name     string
	dominant Cause
	size     int
	causes   map[Cause]int
	conf     [3]int
}{
	{"any-sll2", CauseBacklog, 65536, map[Cause]int{CauseBacklog: 1, CauseBodyEnd: 1}, [3]int{2, 0, 0}},
	{"cbc-tls12", CauseTLSRecord, 16384, map[Cause]int{CauseTLSRecord: 3}, [3]int{0, 3, 0}},
	{"go-tls13", CauseTLSRecord, 16375, map[Cause]int{CauseTLSRecord: 21, CauseH2Frames: 1}, [3]int{22, 0, 0}},
	{"h1-aes128-12", CauseTLSRecord, 1007, map[Cause]int{CauseTLSRecord: 24}, [3]int{24, 0, 0}},
	{"h1-chacha12", CauseTLSRecord, 16384, map[Cause]int{CauseTLSRecord: 3}, [3]int{3, 0, 0}},
	{"h2-chacha13", CauseH2Frames, 16366, map[Cause]int{CauseH2Frames: 2, CauseTLSRecord: 1}, [3]int{3, 0, 0}},
	{"h2-tls12-curl8", CauseTLSRecord, 8174, map[Cause]int{CauseTLSRecord: 12, CauseH2Frames: 7}, [3]int{19, 0, 0}},
	{"h2-tls12", CauseH2Frames, 16366, map[Cause]int{CauseH2Frames: 7, CauseTLSRecord: 2}, [3]int{9, 0, 0}},
	{"h2-tls13-curl8-all", CauseTLSRecord, 8174, map[Cause]int{CauseTLSRecord: 12, CauseH2Frames: 7}, [3]int{19, 0, 0}},
	{"h2-tls13-curl8", CauseTLSRecord, 8174, map[Cause]int{CauseTLSRecord: 12, CauseH2Frames: 7}, [3]int{19, 0, 0}},
	{"h2-tls13-notime", CauseH2Frames, 16366, map[Cause]int{CauseH2Frames: 2, CauseTLSRecord: 1}, [3]int{3, 0, 0}},
	{"h2-tls13-snap200", CauseH2Frames, 8192, map[Cause]int{CauseH2Frames: 5, CauseTLSRecord: 1}, [3]int{0, 6, 0}},
	{"h2-tls13-snap96", CauseH2Frames, 8192, map[Cause]int{CauseH2Frames: 5, CauseTLSRecord: 1}, [3]int{0, 6, 0}},
	{"h2c", CauseH2Frames, 32732, map[Cause]int{CauseH2Frames: 4}, [3]int{4, 0, 0}},
	{"https-h2", CauseH2Frames, 16366, map[Cause]int{CauseH2Frames: 7, CauseTLSRecord: 3}, [3]int{10, 0, 0}},
	{"https-tls12", CauseTLSRecord, 16384, map[Cause]int{CauseTLSRecord: 7}, [3]int{7, 0, 0}},
	{"https-tls13", CauseTLSRecord, 16384, map[Cause]int{CauseTLSRecord: 7}, [3]int{7, 0, 0}},
	{"ipv6-mtu1280", CauseFullSegment, 1208, map[Cause]int{CauseFullSegment: 79, CauseBacklog: 1, CauseSenderPush: 1, CauseBodyEnd: 1}, [3]int{81, 1, 0}},
	{"ipv6-mtu1460", CauseFullSegment, 1388, map[Cause]int{CauseFullSegment: 69, CauseBacklog: 1, CauseSenderPush: 1, CauseBodyEnd: 1}, [3]int{71, 1, 0}},
	{"limit-rate-curl8", CauseRateLimit, 51200, map[Cause]int{CauseRateLimit: 4, CauseBufferCap: 1, CauseBodyEnd: 1}, [3]int{1, 5, 0}},
	{"limit-rate", CauseBufferCap, 51200, map[Cause]int{CauseShortSegment: 1, CauseBufferCap: 4, CauseBodyEnd: 1}, [3]int{1, 5, 0}},
	{"lo-chunked", CauseChunkWrite, 1007, map[Cause]int{CauseChunkWrite: 19, CauseBodyEnd: 1, CauseAfterHeaders: 1}, [3]int{2, 19, 0}},
	{"lo-http", CauseBacklog, 65536, map[Cause]int{CauseShortSegment: 1, CauseBacklog: 15, CauseBodyEnd: 1}, [3]int{16, 1, 0}},
	{"lo-keepalive", CauseBodyEnd, 36864, map[Cause]int{CauseBacklog: 1, CauseBodyEnd: 3}, [3]int{4, 0, 0}},
	{"lo-methods", CauseShortSegment, 10000, map[Cause]int{CauseShortSegment: 3, CauseBodyEnd: 1, CauseAfterHeaders: 3}, [3]int{4, 3, 0}},
	{"lo-upgrade", CauseShortSegment, 2000, map[Cause]int{CauseShortSegment: 1}, [3]int{0, 1, 0}},
	{"mixed-linktypes", CauseBodyEnd, 36864, map[Cause]int{CauseBacklog: 1, CauseBodyEnd: 2}, [3]int{3, 0, 0}},
	{"mtu1400-curl8", CauseFullSegment, 1348, map[Cause]int{CauseFullSegment: 748, CauseShortSegment: 1, CauseBacklog: 3, CauseSenderPush: 8, CauseBodyEnd: 1}, [3]int{752, 9, 0}},
	{"mtu1440-nots", CauseFullSegment, 1400, map[Cause]int{CauseFullSegment: 69, CauseBacklog: 1, CauseSenderPush: 1, CauseBodyEnd: 1}, [3]int{71, 1, 0}},
	{"mtu1440-ts", CauseFullSegment, 1388, map[Cause]int{CauseFullSegment: 67, CauseBacklog: 1, CauseSenderPush: 1, CauseBodyEnd: 1}, [3]int{69, 1, 0}},
	{"mtu1440-tso", CauseBodyEnd, 95460, map[Cause]int{CauseBodyEnd: 1, CauseSuperSegment: 1}, [3]int{1, 1, 0}},
	{"nanosecond", CauseBodyEnd, 32768, map[Cause]int{CauseBodyEnd: 1}, [3]int{1, 0, 0}},
	{"notime-curl788", CauseFullSegment, 1448, map[Cause]int{CauseFullSegment: 18, CauseBacklog: 1, CauseBodyEnd: 1}, [3]int{20, 0, 0}},
	{"notime-curl8", CauseFullSegment, 1448, map[Cause]int{CauseFullSegment: 17, CauseBacklog: 2, CauseBodyEnd: 1}, [3]int{20, 0, 0}},
	{"paced-chunked", CauseChunkWrite, 1007, map[Cause]int{CauseChunkWrite: 18, CauseBodyEnd: 1, CauseAfterHeaders: 1}, [3]int{2, 18, 0}},
	{"python-server", CauseFullSegment, 1448, map[Cause]int{CauseFullSegment: 67, CauseBacklog: 1, CauseBodyEnd: 1}, [3]int{69, 0, 0}},
	{"raw-ip", CauseBacklog, 44268, map[Cause]int{CauseBacklog: 3, CauseBodyEnd: 1}, [3]int{4, 0, 0}},
	{"resumed-tls12", CauseTLSRecord, 16384, map[Cause]int{CauseTLSRecord: 4}, [3]int{4, 0, 0}},
	{"resumed-tls13", CauseTLSRecord, 16384, map[Cause]int{CauseTLSRecord: 4}, [3]int{4, 0, 0}},
	{"earlydata-tls13-curl8", CauseTLSRecord, 16384, map[Cause]int{CauseTLSRecord: 4}, [3]int{4, 0, 0}},
	// The last read ends the Content-Length curl logged: the body's end,
	// as on the whole capture (the snap length hides the header from the
	// capture, not from the trace; review 12 had it sender-push).
	{"snaplen96", CauseFullSegment, 1448, map[Cause]int{CauseFullSegment: 67, CauseBacklog: 1, CauseBodyEnd: 1}, [3]int{69, 0, 0}},
	{"ssl-buffer-1388", CauseTLSRecord, 1388, map[Cause]int{CauseTLSRecord: 74}, [3]int{74, 0, 0}},
	{"tbf-offloads-on", CauseFullSegment, 1448, map[Cause]int{CauseFullSegment: 67, CauseBacklog: 1, CauseBodyEnd: 1}, [3]int{69, 0, 0}},
	{"truncated", CauseMissing, 1007, map[Cause]int{CauseMissing: 11, CauseChunkWrite: 9, CauseAfterHeaders: 1}, [3]int{1, 9, 11}},
	{"vlan-qinq", CauseFullSegment, 1448, map[Cause]int{CauseFullSegment: 107, CauseBacklog: 12, CauseBodyEnd: 2}, [3]int{121, 0, 0}},
}

// TestEveryPair checks every pair in pcaps/: the counts above, and what
// must hold for any event: a matched connection, a cause the confidence
// allows (cannot tell always says what would tell), segments under every
// certain cause drawn from the capture.
func TestEveryPair(t *testing.T) {
	seen := map[string]bool{}
	for _, p := range pairs {
		seen[p.name] = true
		t.Run(p.name, func(t *testing.T) {
			r := explainPair(t, p.name, true)
			if len(r.Matches) == 0 || len(r.Problems) > 0 {
				t.Fatalf("matches %d, problems %v", len(r.Matches), r.Problems)
			}
			s := r.Summary
			if s.Dominant != p.dominant || s.DominantSize != p.size {
				t.Errorf("dominant %s %d, want %s %d", s.Dominant, s.DominantSize, p.dominant, p.size)
			}
			got := map[Cause]int{}
			for _, c := range s.Causes {
				got[c.Cause] = c.Count
			}
			if !sameCounts(got, p.causes) || s.Confidence != p.conf {
				t.Errorf("causes %v confidence %v, want %v %v", got, s.Confidence, p.causes, p.conf)
			}
			checkEvents(t, r)
		})
	}
	files, _ := filepath.Glob(filepath.Join(pcaps, "*.trace"))
	for _, f := range files {
		if name := trimExt(f); !seen[name] {
			t.Errorf("pcaps/%s.trace has no row in pairs", name)
		}
	}
}

func trimExt(path string) string {
	b := filepath.Base(path)
	return b[:len(b)-len(filepath.Ext(b))]
}

func sameCounts(a, b map[Cause]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// checkEvents holds every event to the rules of honesty.
func checkEvents(t *testing.T, r *Result) {
	t.Helper()
	var bytes int64
	for _, e := range r.Events {
		bytes += int64(e.Size)
		if e.Conn < 0 {
			t.Errorf("line %d: not on a capture connection", e.Line)
		}
		switch e.Confidence {
		case CannotTell:
			if len(e.Needs) == 0 {
				t.Errorf("line %d: cannot tell, without saying what would tell", e.Line)
			}
		case Inferred:
			if e.Inference == NoInference {
				t.Errorf("line %d: inferred without an inference", e.Line)
			}
		case Certain:
			if e.Cause == CauseUnknown {
				t.Errorf("line %d: certain of nothing", e.Line)
			}
		}
		if e.Confidence != CannotTell && e.Cause != CauseMissing && len(e.Segments) == 0 && e.Facts.Segments != nil {
			t.Errorf("line %d: %s without segments", e.Line, e.Cause)
		}
	}
	if bytes != r.Summary.Bytes || bytes == 0 {
		t.Errorf("events hold %d bytes, summary %d", bytes, r.Summary.Bytes)
	}
}

// A full-segment read sits on exactly one segment of the effective MSS,
// captured before curl's read, and its facts carry the MSS as measured.
func TestFullSegmentEvidence(t *testing.T) {
	r := explainPair(t, "mtu1440-ts", false)
	n := 0
	for _, e := range r.Events {
		if e.Cause != CauseFullSegment {
			continue
		}
		n++
		s, m := e.Segments, e.Facts.MSS
		if e.Size != 1388 || len(s) != 1 || s[0].Len != 1388 || s[0].Offset != e.Range.Start {
			t.Fatalf("line %d: %d bytes on %+v", e.Line, e.Size, s)
		}
		if s[0].Before < 0 {
			t.Errorf("line %d: segment captured %v after the read", e.Line, -s[0].Before)
		}
		if m == nil || m.MSS != 1400 || m.OptionBytes != 12 || !m.Timestamps || m.Effective != 1388 || m.Inferred || m.IPv6 {
			t.Errorf("line %d: MSS fact %+v", e.Line, m)
		}
	}
	if n < 60 {
		t.Errorf("only %d full-segment reads", n)
	}
	// Without timestamps the same path carries 1400: no option bytes.
	r = explainPair(t, "mtu1440-nots", false)
	if m := r.Summary.MSS; m == nil || m.MSS != 1400 || m.OptionBytes != 0 || m.Timestamps || m.Effective != 1400 {
		t.Errorf("mtu1440-nots: MSS %+v", m)
	}
	// IPv6 at MTU 1280: 1280 - 40 - 20 - 12.
	r = explainPair(t, "ipv6-mtu1280", false)
	if m := r.Summary.MSS; m == nil || m.MSS != 1220 || !m.IPv6 || m.Effective != 1208 {
		t.Errorf("ipv6-mtu1280: MSS %+v", m)
	}
}

// One write of 1000 bytes, chunked, is one segment and one read of 1007:
// the chunk framing is counted from the capture's chunks.
func TestChunkWrites(t *testing.T) {
	for _, name := range []string{"lo-chunked", "paced-chunked"} {
		r := explainPair(t, name, false)
		n := 0
		for _, e := range r.Events {
			if e.Size != 1007 || e.Cause != CauseChunkWrite {
				continue
			}
			n++
			if c := e.Facts.Chunks; c == nil || c.Framing != 7 || c.Data != 1000 || c.Whole != 1 || !c.Aligned {
				t.Errorf("%s line %d: chunks %+v", name, e.Line, c)
			}
		}
		if n < 18 {
			t.Errorf("%s: %d chunk-write reads of 1007 bytes, want at least 18", name, n)
		}
		// The terminating chunk alone ("0\r\n\r\n") is the body's end, not
		// a chunk the server wrote.
		for _, e := range r.Events {
			if c := e.Facts.Chunks; c != nil && c.Last && c.Data == 0 && e.Cause != CauseBodyEnd {
				t.Errorf("%s line %d: the terminating chunk is %s", name, e.Line, e.Cause)
			}
		}
	}
}

// HTTP/2 over TLS with the key log: curl 7.88 reports one event per record,
// the record's DATA less its frame headers (16366 = 16384 - 2 x 9, nginx's
// 8192-byte frames paired in 16384-byte records).
func TestH2RecordDataWithKeys(t *testing.T) {
	for _, name := range []string{"https-h2", "h2-tls12", "h2-chacha13", "h2-tls13-notime"} {
		r := explainPair(t, name, true)
		n := 0
		for _, e := range r.Events {
			if e.Size != 16366 {
				continue
			}
			n++
			f := e.Facts.Frames
			if e.Cause != CauseH2Frames || e.Confidence != Certain || f == nil || f.Shape != ShapeRecordData ||
				f.RecordPlain != 16384 || f.RecordHeaders != 2 || f.RecordHeaderBytes != 18 || f.Source != FromKeyLog {
				t.Errorf("%s line %d: %s %s, frames %+v", name, e.Line, e.Cause, e.Confidence, f)
			}
		}
		if n == 0 {
			t.Errorf("%s: no 16366-byte event", name)
		}
	}
}

// curl 8 hands over one DATA frame at a time: 8192 is one whole frame; the
// 8174/18 and 8156/36 pairs are frames a record boundary cut.
func TestH2FramesCurl8WithKeys(t *testing.T) {
	for _, name := range []string{"h2-tls12-curl8", "h2-tls13-curl8", "h2-tls13-curl8-all"} {
		r := explainPair(t, name, true)
		whole, pieces := 0, 0
		for _, e := range r.Events {
			f := e.Facts.Frames
			if f == nil {
				t.Fatalf("%s line %d: no frames", name, e.Line)
			}
			switch e.Size {
			case 8192:
				whole++
				if e.Cause != CauseH2Frames || f.Shape != ShapeWhole || len(f.Frames) != 1 || f.Frames[0].Payload != 8192 {
					t.Errorf("%s line %d: %s %+v", name, e.Line, e.Cause, f)
				}
			case 8174, 8156, 18, 36:
				pieces++
				if e.Cause != CauseTLSRecord || f.Shape != ShapePiece || !f.RecordCut || len(f.Frames) != 1 || f.Frames[0].Payload != 8192 {
					t.Errorf("%s line %d (%d): %s %+v", name, e.Line, e.Size, e.Cause, f)
				}
			}
		}
		if whole != 6 || pieces != 12 {
			t.Errorf("%s: %d whole frames, %d pieces; want 6 and 12", name, whole, pieces)
		}
		// The record overhead is the negotiated suite's.
		want := 17
		if name == "h2-tls12-curl8" {
			want = 24
		}
		for _, e := range r.Events {
			if rec := e.Facts.Record; rec != nil && rec.Plain == 16384 && rec.Overhead != want {
				t.Errorf("%s line %d: overhead %d, want %d", name, e.Line, rec.Overhead, want)
			}
		}
	}
}

// Without the key log, curl 8's reads are inferred from the records the
// capture shows: the reads of one record add up to its plaintext less
// whole 9-byte frame headers (record-sum), or a read is all of a record
// that held no frame header (a piece of one frame). Each inference is
// checked against the decryption of the same pair: the record's
// plaintext, and the frame headers the key log finds in it.
func TestH2Curl8WithoutKeys(t *testing.T) {
	for _, name := range []string{"h2-tls12-curl8", "h2-tls13-curl8"} {
		r := explainPair(t, name, false)
		keyed := explainPair(t, name, true)
		if len(r.Events) != len(keyed.Events) {
			t.Fatalf("%s: %d events without keys, %d with", name, len(r.Events), len(keyed.Events))
		}
		sum := 0
		for i, e := range r.Events {
			k := keyed.Events[i]
			rec, kf := e.Facts.Record, k.Facts.Frames
			if e.Confidence != Inferred || len(e.Needs) == 0 || e.Needs[0] != NeedKeyLog || rec == nil || kf == nil {
				t.Errorf("%s line %d (%d): %s %s %v", name, e.Line, e.Size, e.Cause, e.Confidence, e.Needs)
				continue
			}
			if k.Facts.Record == nil || rec.Plain != k.Facts.Record.Plain {
				t.Errorf("%s line %d: plaintext %d without keys, %+v with", name, e.Line, rec.Plain, k.Facts.Record)
			}
			switch e.Inference {
			case ByRecordSum:
				sum++
				if e.Cause != CauseH2Frames || rec.Plain-rec.ReadBytes != 9*kf.RecordHeaders {
					t.Errorf("%s line %d: %d - %d is not the %d frame headers the key log finds", name, e.Line, rec.Plain, rec.ReadBytes, kf.RecordHeaders)
				}
			case ByFrameHeaders:
				if got := (rec.Plain - rec.Before - e.Size) / 9; got != kf.RecordHeaders || (got == 0) != (e.Cause == CauseTLSRecord) {
					t.Errorf("%s line %d: %s with %d frame headers, the key log finds %d", name, e.Line, e.Cause, got, kf.RecordHeaders)
				}
			default:
				t.Errorf("%s line %d: inferred by %v", name, e.Line, e.Inference)
			}
		}
		if sum < 12 {
			t.Errorf("%s: %d reads by record sum; curl 8 splits 12 of them in pairs", name, sum)
		}
	}
	// With curl's own FRAME lines (--trace-config all) the whole frames
	// are certain without keys.
	r := explainPair(t, "h2-tls13-curl8-all", false)
	for _, e := range r.Events {
		if e.Size == 8192 && (e.Cause != CauseH2Frames || e.Confidence != Certain || e.Facts.Frames.Source != FromTrace) {
			t.Errorf("-all line %d: %s %s", e.Line, e.Cause, e.Confidence)
		}
	}
}

// A snap length keeps the records from being decrypted: the records are
// laid from the trace's own headers on the segments' sequence numbers, and
// the events ask for a capture without a snap length.
func TestSnapLength(t *testing.T) {
	for _, name := range []string{"h2-tls13-snap200", "h2-tls13-snap96"} {
		r := explainPair(t, name, true)
		for _, e := range r.Events {
			// Inferred from the records laid from the trace's headers, or
			// cannot tell; either way what would tell is the whole packets.
			if e.Confidence == Certain || len(e.Needs) == 0 || e.Needs[0] != NeedFullSnap {
				t.Errorf("%s line %d: %s %v", name, e.Line, e.Confidence, e.Needs)
			}
			if rec := e.Facts.Record; rec == nil || rec.Length <= 0 || len(e.Segments) == 0 {
				t.Errorf("%s line %d: record %+v, %d segments", name, e.Line, rec, len(e.Segments))
			}
		}
	}
}

// TLS 1.2 records: AES-GCM adds 24, ChaCha20-Poly1305 16; HTTP/1.1 reads
// are one record each, the first less the response header in it.
func TestTLSOverheads(t *testing.T) {
	for _, c := range []struct {
		name     string
		overhead int
	}{{"https-tls12", 24}, {"h1-chacha12", 16}, {"https-tls13", 17}, {"h1-aes128-12", 24}} {
		r := explainPair(t, c.name, true)
		for i, e := range r.Events {
			rec := e.Facts.Record
			if e.Cause != CauseTLSRecord || rec == nil || !rec.OverheadKnown || rec.Overhead != c.overhead || rec.Plain-rec.Before != e.Size {
				t.Errorf("%s line %d: %s %+v", c.name, e.Line, e.Cause, rec)
			}
			if i == 0 && (rec.Before == 0 || e.Facts.Header == nil) {
				t.Errorf("%s: the first read does not count the header in its record: %+v", c.name, rec)
			}
		}
	}
}

// curl 8.14 with --limit-rate pauses a second between reads of its 51200
// buffer; curl 7.88 did not pause here, its reads were capped by the
// buffer while more was waiting.
func TestLimitRate(t *testing.T) {
	r := explainPair(t, "limit-rate-curl8", false)
	if r.Buffer == nil || r.Buffer.Size != 51200 || r.Summary.Dominant != CauseRateLimit {
		t.Fatalf("curl 8: buffer %+v, dominant %s", r.Buffer, r.Summary.Dominant)
	}
	for _, e := range r.Events {
		if e.Cause == CauseRateLimit && (e.Facts.Timing.SincePrevious < 900*time.Millisecond || e.Inference != ByReadGaps) {
			t.Errorf("line %d: %+v", e.Line, e.Facts.Timing)
		}
	}
	r = explainPair(t, "limit-rate", false)
	if r.Summary.Count(CauseRateLimit) != 0 || r.Summary.Count(CauseBufferCap) < 3 {
		t.Errorf("curl 7.88: causes %v", r.Summary.Causes)
	}
	// Loopback reads of 65536 are what was waiting, not a buffer: nothing
	// shows curl capped them.
	r = explainPair(t, "lo-http", false)
	if r.Buffer != nil || r.Summary.Count(CauseBufferCap) != 0 {
		t.Errorf("lo-http: buffer %+v, causes %v", r.Buffer, r.Summary.Causes)
	}
}

// Without --trace-time only what order and sizes prove is said: no read is
// timed, no rate is inferred, and every event notes it.
func TestNoTime(t *testing.T) {
	for _, name := range []string{"notime-curl8", "notime-curl788", "h2-tls13-notime"} {
		r := explainPair(t, name, true)
		if !r.Summary.NoTime {
			t.Errorf("%s: summary does not say the trace has no time", name)
		}
		for _, e := range r.Events {
			if !e.Time.IsZero() || e.Facts.Timing != nil || e.Cause == CauseRateLimit || !hasNote(e, NoteNoTime) {
				t.Errorf("%s line %d: time %v, timing %+v, cause %s", name, e.Line, e.Time, e.Facts.Timing, e.Cause)
			}
		}
	}
}

func hasNote(e Event, n Note) bool {
	for _, x := range e.Notes {
		if x == n {
			return true
		}
	}
	return false
}

func TestTraceAloneAndMismatch(t *testing.T) {
	// The trace alone: nothing tells a read's cause but the last one's,
	// which reaches the Content-Length curl logged: the body's end.
	r := explainTrace(t, "mtu1440-ts")
	if r.Summary.Dominant != CauseTraceOnly || r.Summary.Events != 70 || r.Summary.Confidence[CannotTell] != 69 || r.Summary.Count(CauseBodyEnd) != 1 {
		t.Errorf("trace only: %+v", r.Summary)
	}
	if last := r.Events[len(r.Events)-1]; last.Cause != CauseBodyEnd || last.Confidence != Certain || last.Facts.Body == nil || last.Facts.Body.Source != FromTrace || last.Facts.Body.Length != 102400 {
		t.Errorf("trace only, the last read: %s %s %+v", last.Cause, last.Confidence, last.Facts.Body)
	}
	// HTTPS: the record headers curl logged tell each record's size; the
	// overhead is inferred from the difference (17: TLS 1.3).
	r = explainTrace(t, "https-tls13")
	for _, e := range r.Events {
		rec := e.Facts.Record
		if e.Size == 16384 && (e.Cause != CauseTLSRecord || e.Confidence != Inferred || rec == nil || rec.Length != 16401) {
			t.Errorf("trace-only HTTPS line %d: %s %s %+v", e.Line, e.Cause, e.Confidence, rec)
		}
	}
	// The trace of one transfer against the capture of another.
	tr := readTrace(t, filepath.Join(pcaps, "mtu1440-ts.trace"))
	r = Explain(tr, analyzeFor(t, tr, filepath.Join(pcaps, "lo-chunked.pcap"), ""))
	if len(r.Matches) != 0 || len(r.Problems) != 1 || r.Problems[0].Kind != ProblemNoConnection || len(r.Problems[0].Have) == 0 || r.Problems[0].Have[0].Port() != 8081 {
		t.Errorf("mismatch: matches %d, problems %+v", len(r.Matches), r.Problems)
	}
	if r.Summary.Dominant != CauseUnmatched {
		t.Errorf("mismatch: dominant %s", r.Summary.Dominant)
	}
	for _, e := range r.Events {
		if e.Cause == CauseBodyEnd && e.Index == r.Events[len(r.Events)-1].Index {
			continue // the trace's own Content-Length tells this one
		}
		if len(e.Needs) != 1 || e.Needs[0] != NeedMatchingCapture {
			t.Fatalf("mismatch line %d: needs %v", e.Line, e.Needs)
		}
	}
}

// A segment lost before the capture point and resent is the only copy of
// its bytes: the read that took them is explained from it, and timed by
// it, not reported as missing.
func TestLostAndResentSegment(t *testing.T) {
	tr := readTrace(t, "testdata/lost.trace")
	r := Explain(tr, analyzeFor(t, tr, "testdata/lost.pcap", ""))
	if len(r.Events) != 2 {
		t.Fatalf("%d events", len(r.Events))
	}
	last := r.Events[1]
	if last.Cause == CauseMissing || len(last.Segments) != 2 {
		t.Fatalf("the read after the loss: %s with %d segments", last.Cause, len(last.Segments))
	}
	if b := latest(last.Segments).Before; b < 0 || b > time.Millisecond {
		t.Errorf("the resent segment was captured %v before the read, want under 1ms", b)
	}
}

// Every cause has a name, and names are unique.
func TestCauseNames(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range Causes() {
		n := c.String()
		if n == "" || seen[n] {
			t.Errorf("cause %d: name %q", c, n)
		}
		seen[n] = true
	}
}

// without returns a copy of the trace without the events drop picks, as if
// curl had not logged them.
func without(tr *curltrace.Trace, drop func(curltrace.Event) bool) *curltrace.Trace {
	out := *tr
	out.Events, out.EventConn = nil, nil
	for i, e := range tr.Events {
		if !drop(e) {
			out.Events = append(out.Events, e)
			out.EventConn = append(out.EventConn, tr.EventConn[i])
		}
	}
	return &out
}

// Reads are placed on what the capture's walkers found (each response's
// header and body, the decrypted records), so a header line curl did not
// log, or a record header missing from the trace, moves no read.
func TestPlacementResyncs(t *testing.T) {
	for _, c := range []struct {
		name string
		drop func() func(curltrace.Event) bool
	}{
		// The Content-Type line of every response of a keep-alive
		// connection, and of HTTP/1.1 inside TLS.
		{"lo-keepalive", isHeaderLine("Content-Type")},
		{"https-tls12", isHeaderLine("Content-Type")},
		// A record header (the first after the handshake) inside TLS.
		{"https-tls13", firstRecordHeaderAfter(250)},
	} {
		t.Run(c.name, func(t *testing.T) {
			tr := readTrace(t, filepath.Join(pcaps, c.name+".trace"))
			keys := filepath.Join(pcaps, c.name+".keys")
			if !fileExists(keys) {
				keys = ""
			}
			res := analyzeFor(t, tr, captureOf(t, c.name), keys)
			want := Explain(tr, res)
			cut := without(tr, c.drop())
			if len(cut.Events) == len(tr.Events) {
				t.Fatal("nothing dropped")
			}
			got := Explain(cut, res)
			if len(got.Events) != len(want.Events) {
				t.Fatalf("%d events, want %d", len(got.Events), len(want.Events))
			}
			for i, e := range got.Events {
				w := want.Events[i]
				if e.Range != w.Range || e.Cause != w.Cause {
					t.Errorf("line %d: %v %s, with every line logged %v %s", e.Line, e.Range, e.Cause, w.Range, w.Cause)
				}
			}
		})
	}
}

func isHeaderLine(name string) func() func(curltrace.Event) bool {
	return func() func(curltrace.Event) bool {
		return func(e curltrace.Event) bool {
			return e.Kind == curltrace.RecvHeader && len(e.Data) > len(name) && string(e.Data[:len(name)]) == name
		}
	}
}

func firstRecordHeaderAfter(line int) func() func(curltrace.Event) bool {
	return func() func(curltrace.Event) bool {
		done := false
		return func(e curltrace.Event) bool {
			if !done && e.Line > line && e.TLSHeader != nil && e.Kind == curltrace.RecvSSL {
				done = true
				return true
			}
			return false
		}
	}
}

// Two HTTP/2 streams on one connection (Go's client fetched /100k.bin on
// stream 1 and /32k.bin on stream 3; nginx sent 8192-byte DATA frames):
// with curl's ids each transfer's reads are placed on its own stream's
// DATA, however the reads of the two interleave in the trace.
func TestH2StreamsByTransfer(t *testing.T) {
	srv := netip.MustParseAddrPort("127.0.0.1:8082")
	tr := &curltrace.Trace{Name: "two-streams", Conns: []curltrace.Connection{{IP: srv.Addr(), Port: srv.Port(), Line: 1}}}
	add := func(e curltrace.Event) {
		e.Line = len(tr.Events) + 1
		tr.Events = append(tr.Events, e)
		tr.EventConn = append(tr.EventConn, 0)
	}
	add(curltrace.Event{Kind: curltrace.Info, Xfer: 0, Conn: 0, H2Open: &curltrace.H2Open{Stream: 1}})
	add(curltrace.Event{Kind: curltrace.Info, Xfer: 1, Conn: 0, H2Open: &curltrace.H2Open{Stream: 3}})
	// Stream 3's four frames interleaved with stream 1's first four.
	for range 4 {
		add(curltrace.Event{Kind: curltrace.RecvData, Size: 8192, HeaderSize: 8192, Xfer: 1, Conn: 0})
		add(curltrace.Event{Kind: curltrace.RecvData, Size: 8192, HeaderSize: 8192, Xfer: 0, Conn: 0})
	}
	r := Explain(tr, analyzeFor(t, tr, filepath.Join(pcaps, "h2c-2streams.pcap"), ""))
	if len(r.Events) != 8 {
		t.Fatalf("%d events", len(r.Events))
	}
	for i, e := range r.Events {
		want := uint32(3)
		if i%2 == 1 {
			want = 1
		}
		f := e.Facts.Frames
		if f == nil || len(f.Frames) != 1 || f.Frames[0].Stream != want || !f.Frames[0].Whole() || e.Cause != CauseH2Frames {
			t.Errorf("read %d (transfer of stream %d): %s %+v", i, want, e.Cause, f)
		}
	}
}

// The request curl sent is checked against the capture's first request,
// in the clear, decrypted HTTP/1 and HTTP/2 alike: a trace of another
// request on the same server is a problem, named with both lines.
func TestRequestDiffers(t *testing.T) {
	for _, name := range []string{"mtu1440-ts", "https-tls13", "https-h2", "h2c"} {
		tr := readTrace(t, filepath.Join(pcaps, name+".trace"))
		keys := filepath.Join(pcaps, name+".keys")
		if !fileExists(keys) {
			keys = ""
		}
		res := analyzeFor(t, tr, captureOf(t, name), keys)
		other := *tr
		other.Events = append([]curltrace.Event(nil), tr.Events...)
		noHello(&other) // else the ClientHello's random decides first
		for i, e := range other.Events {
			if e.Kind == curltrace.SendHeader && len(e.Data) > 0 {
				other.Events[i].Data = []byte(strings.Replace(string(e.Data), " /", " /other", 1))
				break
			}
		}
		r := Explain(&other, res)
		if len(r.Problems) != 1 || r.Problems[0].Kind != ProblemRequestDiffers || !strings.HasPrefix(r.Problems[0].Sent, "GET /other") || !strings.HasPrefix(r.Problems[0].Began, "GET /") {
			t.Errorf("%s: problems %+v", name, r.Problems)
		}
	}
}

func TestLimitRateArg(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{nil, ""},
		{[]string{"-s", "--limit-rate", "50k", "http://x/"}, "50k"},
		{[]string{"--limit-rate", "50k", "--limit-rate", "1M", "http://x/"}, "1M"},
		{[]string{"http://x/", "--limit-rate"}, ""},
	} {
		if got := limitRateArg(c.args); got != c.want {
			t.Errorf("%v: %q, want %q", c.args, got, c.want)
		}
	}
}

// TestClockBack: pcaps/mtu1440-ts.trace with line 42's time set 4.15 s
// before the line before it (review 24): the clock of the trace's host
// stepped, or the trace was edited. It had been aligned 4 s off ("were
// they taken on two hosts?", every cause inferred); its times are now not
// used, as without --trace-time, and the causes are the untimed ones.
func TestClockBack(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(pcaps, "mtu1440-ts.trace"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(b), "\n")
	if !strings.HasPrefix(lines[41], "20:44:34.151586 <= Recv data") {
		t.Fatalf("line 42 is %q", lines[41])
	}
	lines[41] = "20:44:30.000000" + strings.TrimPrefix(lines[41], "20:44:34.151586")
	tr, err := curltrace.Parse(strings.NewReader(strings.Join(lines, "\n")), "timeback.trace")
	if err != nil {
		t.Fatal(err)
	}
	r := Explain(tr, analyzeFor(t, tr, captureOf(t, "mtu1440-ts"), ""))
	if r.ClockBack.Line != 42 || r.ClockBack.By < 4*time.Second || r.Trace.HasTimes || len(r.Problems) != 0 {
		t.Fatalf("clock back %+v, times %v, problems %+v", r.ClockBack, r.Trace.HasTimes, r.Problems)
	}
	for _, e := range r.Events {
		if e.Facts.Timing != nil {
			t.Errorf("line %d timed", e.Line)
		}
	}
	if r.Summary.Confidence[Certain] != 70 {
		t.Errorf("confidence %v", r.Summary.Confidence)
	}
}
