package prose

import (
	"fmt"
	"github.com/segscope/segscope/capture"
	"github.com/segscope/segscope/curltrace"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/segscope/segscope/analyze"
	"github.com/segscope/segscope/explain"
	"github.com/segscope/segscope/keylog"
)

// TestPointSentence: the capture point is said from the TTLs the SYNs
// carried (the values explain/offload_test.go reads from a capture taken
// at the server, one router away from curl), and offload is named for
// the side the capture was taken on.
func TestPointSentence(t *testing.T) {
	server := &explain.PointFact{Where: explain.PointServer, By: "ttl", ClientTTL: 63, ServerTTL: 64, Super: 20, Segments: 90, MSS: 1448}
	// Not "at the server": the TTLs put no router between the capture
	// and the server, which a router's interface toward it fits too;
	// and a veth passes offload's units whole to curl (review 12).
	want := "Captured on the server's side (its SYN still had TTL 64, so no router was between; the client's SYN came with 63, past a router): 20 of 90 of the server's segments are longer than the MSS 1448, units of its segmentation offload (TSO/GSO), or merged by GRO at the capture point (a router's interface facing the server sees its SYN with the TTL it left with too), cut at the MSS where the path requires it (its NIC, or a router to a smaller MTU; a veth or a bridge passes them whole, and curl's host may take them so): the segments curl received, and when they reached it, are not in this capture; the times are when they passed the capture point."
	if got := pointSentence(server); got != want {
		t.Errorf("server:\n got %q\nwant %q", got, want)
	}
	client := &explain.PointFact{Where: explain.PointClient, By: "ttl", ClientTTL: 64, ServerTTL: 63}
	want = "Captured on the client's side (its SYN still had TTL 64, so no router was between; the server's SYN came with 63, past a router)."
	if got := pointSentence(client); got != want {
		t.Errorf("client:\n got %q\nwant %q", got, want)
	}
	// Review 31: tcpdump -i any on a router holds each SYN twice, one
	// TTL apart; it was "alike on both sides, as on one host".
	router := &explain.PointFact{By: "forwarded", ClientTTL: 64, ClientCopyTTL: 63, ServerTTL: 64, ServerCopyTTL: 63}
	want = "Captured on a router between them, on both sides (each SYN is in the capture twice, on two interfaces: the client's with TTL 64 and 63, the server's with 64 and 63, as it came in and went out)."
	if got := pointSentence(router); got != want {
		t.Errorf("router:\n got %q\nwant %q", got, want)
	}
	if got := pointSentence(&explain.PointFact{Where: explain.PointUnknown}); got != "" {
		t.Errorf("unknown point without offload: %q, want nothing said", got)
	}
}

// The effective MSS as a sentence, for every case the facts allow.
func TestEffectiveMSS(t *testing.T) {
	for _, c := range []struct {
		e    analyze.EffectiveMSS
		want string
	}{
		{analyze.EffectiveMSS{Value: 1388, MSS: 1400, MSSFrom: analyze.ServerToClient, OptionBytes: 12, Timestamps: true}, "1400 (MSS in the server's SYN-ACK) - 12 (timestamps option) = 1388"},
		{analyze.EffectiveMSS{Value: 1460, MSS: 1460}, "1460 (MSS in the client's SYN; no TCP options on data segments) = 1460"},
		{analyze.EffectiveMSS{Value: 1428, MSS: 1460, OptionBytes: 32}, "1460 (MSS in the client's SYN) - 32 (TCP options) = 1428"},
		{analyze.EffectiveMSS{Value: 1448, Inferred: true}, "1448 (taken from the segment sizes: no MSS option was captured)"},
		{analyze.EffectiveMSS{}, "unknown (no MSS option captured, and no segment size shows it)"},
	} {
		if got := EffectiveMSS(c.e); got != c.want {
			t.Errorf("%+v: %q, want %q", c.e, got, c.want)
		}
	}
}

func TestUnitLabel(t *testing.T) {
	for _, c := range []struct {
		u    analyze.Unit
		want string
	}{
		{analyze.Unit{Kind: analyze.UnitRequestHeader, Label: "GET /x"}, "GET /x"},
		{analyze.Unit{Kind: analyze.UnitResponseBody, Size: 102400}, "102400 bytes"},
		{analyze.Unit{Kind: analyze.UnitResponseBody, Size: 20000, Chunks: 21}, "20000 bytes in 21 chunks"},
		{analyze.Unit{Kind: analyze.UnitChunk, Size: 1000}, "1000 bytes"},
		{analyze.Unit{Kind: analyze.UnitH2Frame, Label: "DATA", Exchange: 3}, "DATA"},
	} {
		if got := UnitLabel(c.u); got != c.want {
			t.Errorf("%+v: %q, want %q", c.u, got, c.want)
		}
	}
	if got := UnitName(analyze.Unit{Kind: analyze.UnitH2Frame, Label: "DATA", Exchange: 3}); got != "h2-frame DATA s3" {
		t.Errorf("UnitName: %q", got)
	}
}

// TestUTCOffset: zones off the hour (Kathmandu +05:45, St John's -03:30)
// were rounded to the next hour (UTC+06:45 for +05:45).
func TestUTCOffset(t *testing.T) {
	for _, c := range []struct {
		d    time.Duration
		want string
	}{
		{0, "UTC+00:00"},
		{5*time.Hour + 45*time.Minute, "UTC+05:45"},
		{5*time.Hour + 30*time.Minute, "UTC+05:30"},
		{-(3*time.Hour + 30*time.Minute), "UTC-03:30"},
		{-15 * time.Minute, "UTC-00:15"},
		{-8 * time.Hour, "UTC-08:00"},
		{14 * time.Hour, "UTC+14:00"},
	} {
		if got := utcOffset(c.d); got != c.want {
			t.Errorf("utcOffset(%v) = %s, want %s", c.d, got, c.want)
		}
	}
}

// TestPointSentenceNamesItsConnection: with several connections matched,
// the capture-point sentence's counts are its connection's, and it says
// which (review 14: "11 of 14 of the server's segments" read as the
// capture's, which had 31).
func TestPointSentenceNamesItsConnection(t *testing.T) {
	point := &explain.PointFact{Where: explain.PointClient, By: "ttl", ClientTTL: 64, ServerTTL: 63, Super: 11, Segments: 14, MSS: 1448}
	r := &explain.Result{Matches: []explain.Match{{Conn: &analyze.Connection{ID: 0}}, {Conn: &analyze.Connection{ID: 1}, Point: point}}}
	got := matchPointSentence(r, r.Matches[1])
	if !strings.HasPrefix(got, "On capture connection 1 (the one with the most reads): captured on the client's side") || !strings.Contains(got, "11 of 14") {
		t.Errorf("%q", got)
	}
	r.Matches = r.Matches[1:]
	if got := matchPointSentence(r, r.Matches[0]); !strings.HasPrefix(got, "Captured on the client's side") {
		t.Errorf("one connection: %q", got)
	}
}

// TestWindowFullRest: a read that ends at the window's edge but starts
// where the read before stopped inside a segment is the rest of what
// waited, not what the window let through (review 16: 79872 bytes of a
// 94208-byte window were called the window's worth).
func TestWindowFullRest(t *testing.T) {
	e := explain.Event{
		Size: 8962, Cause: explain.CauseWindowFull,
		Segments: []explain.Seg{{Packet: 12, Offset: 128258, Len: 34304}},
		Facts: explain.Facts{
			Segments: &explain.SegmentFact{Count: 1, StartsInside: true},
			Window:   &explain.WindowFact{Edge: 162562, Window: 81920, Packet: 10},
		},
	}
	e.Range.Start, e.Range.End = 153600, 162562
	got := causeSentence(e)
	if !strings.Contains(got, "the read before stopped inside packet 12, at stream offset 153600, so N is what was left from there to the window's edge (162562 - 153600), not what the window let through") || strings.Contains(got, "since the read before") {
		t.Errorf("rest of a window:\n%s", got)
	}
	e.Facts.Segments.StartsInside = false
	if got := causeSentence(e); !strings.HasSuffix(got, "so N is what the window let through since the read before") {
		t.Errorf("a window's worth:\n%s", got)
	}
}

// TestMSSStandardPaths: the standard MTU-1500 path is the family's, and
// a capture of one is not told it is not (review 16: IPv6 with MSS 1440
// and IPv4 without timestamps were set against IPv4's 1448).
func TestMSSStandardPaths(t *testing.T) {
	for _, c := range []struct {
		m    explain.MSSFact
		want string // the "So" sentence, "" for none
	}{
		{explain.MSSFact{MSS: 1440, Effective: 1428, OptionBytes: 12, Timestamps: true, IPv6: true}, ""},
		{explain.MSSFact{MSS: 1460, Effective: 1460}, ""},
		{explain.MSSFact{MSS: 1460, Effective: 1448, OptionBytes: 12, Timestamps: true}, ""},
		{explain.MSSFact{MSS: 1400, Effective: 1388, OptionBytes: 12, Timestamps: true}, "So 1388 is not what a standard MTU-1500 link with nothing clamping the MSS gives: there the MSS on IPv4 is 1460, and a full segment carries 1448 with timestamps, 1460 without."},
		{explain.MSSFact{MSS: 1220, Effective: 1208, OptionBytes: 12, Timestamps: true, IPv6: true}, "So 1208 is not what a standard MTU-1500 link with nothing clamping the MSS gives: there the MSS on IPv6 is 1440, and a full segment carries 1428 with timestamps, 1440 without."},
	} {
		got := ""
		for _, s := range mssSentences(&c.m) {
			if strings.HasPrefix(s, "So ") {
				got = s
			}
		}
		if got != c.want {
			t.Errorf("%+v:\n got %q\nwant %q", c.m, got, c.want)
		}
	}
}

// TestPauseRate: the rate a pause-paced read implies is computed from
// the buffer and the gaps (review 16: a fixed "--limit-rate 100k is
// 102400 bytes a second" was printed for a 51200-byte buffer), and the
// --limit-rate curl ran with, when segscope ran it, is named.
func TestPauseRate(t *testing.T) {
	if got := rateOf(51200, time.Second); got != "50k (51200 bytes a second)" {
		t.Errorf("rateOf(51200, 1s) = %q", got)
	}
	if got := rateOf(102400, 500*time.Millisecond); got != "200k (204800 bytes a second)" {
		t.Errorf("rateOf(102400, 500ms) = %q", got)
	}
	e := explain.Event{Cause: explain.CauseRateLimit, Inference: explain.ByPause, Size: 102400}
	e.Facts.Buffer = &explain.BufferFact{Size: 102400, Filled: true, LimitRate: "100k"}
	if got := inferenceText(e); !strings.Contains(got, "it ran with --limit-rate 100k") || strings.Contains(got, "nothing in the trace") {
		t.Errorf("with the argument: %q", got)
	}
	e.Facts.Buffer.LimitRate = ""
	if got := inferenceText(e); !strings.Contains(got, "nothing in the trace says --limit-rate") {
		t.Errorf("without: %q", got)
	}
}

// TestMissingStreamBytes: the bytes missing are stream bytes; inside TLS
// they are more than N (review 19: "106 of the 17 bytes").
func TestMissingStreamBytes(t *testing.T) {
	e := explain.Event{Size: 17, Cause: explain.CauseMissing}
	e.Range.Start, e.Range.End = 6162, 6268
	e.Facts.Segments = &explain.SegmentFact{Missing: 106, PastEnd: true}
	if got, want := causeSentence(e), "106 of the 106 bytes of stream that carried its 17 are past the end of the capture"; got != want {
		t.Errorf("got %q\nwant %q", got, want)
	}
	e.Range.End = e.Range.Start + 17
	e.Facts.Segments = &explain.SegmentFact{Missing: 5}
	if got, want := causeSentence(e), "5 of the 17 bytes are not in the capture: packets were missed"; got != want {
		t.Errorf("got %q\nwant %q", got, want)
	}
}

// TestWarningNamesConnection: with several matched connections a
// capture warning says whose counts it gives.
func TestWarningNamesConnection(t *testing.T) {
	f, err := os.Open("../../pcaps/mtu1440-ts.trace")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tr, err := curltrace.Parse(f, "mtu1440-ts.trace")
	if err != nil {
		t.Fatal(err)
	}
	src, err := capture.Open("../../pcaps/mtu1440-ts.pcap.gz")
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	a := analyze.New(explain.AnalyzeOptions(tr))
	if err := a.ReadAll(src); err != nil {
		t.Fatal(err)
	}
	r := explain.Explain(tr, a.Result())
	w := analyze.Warning{Conn: r.Summary.Conn, Dir: analyze.ServerToClient.String(), Kind: analyze.WarnSuperSegments, N: 3, Segments: 40, MSS: 1448, Largest: 4344}
	r.Warnings = []analyze.Warning{w}
	find := func() string {
		for _, l := range summarySentences(r) {
			if strings.HasPrefix(l, "Capture warning") {
				return l
			}
		}
		return ""
	}
	if got := find(); !strings.HasPrefix(got, "Capture warning: ") {
		t.Errorf("one match: %q", got)
	}
	r.Matches = append(r.Matches, explain.Match{Conn: &analyze.Connection{ID: 9}})
	if got := find(); !strings.HasPrefix(got, fmt.Sprintf("Capture warning, connection %d %s: ", w.Conn, w.Dir)) {
		t.Errorf("two matches: %q", got)
	}
}

// TestDecryptionSeqLost: records after one the capture lost whole are
// not "cut by the capture" (review 17: "5 records cut by the capture
// (snap length or loss, first at offset 83922)", where 83922 begins a
// whole record after the lost bytes 83891-83922). h2-gap-go-curl8 with
// packet 27 dropped, as explain/field_test.go's TestFieldH2TLSGap. Since
// review 23 the next record's tag tells how many were lost, and the rest
// decrypts.
func TestDecryptionSeqLost(t *testing.T) {
	const dir = "../../explain/testdata/field/"
	keys := &keylog.Store{}
	if err := keys.LoadFile(dir + "h2-gap-go-curl8.keys"); err != nil {
		t.Fatal(err)
	}
	src, err := capture.Open(dir + "h2-gap-go-curl8.pcap.gz")
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	a := analyze.New(analyze.Options{Keys: keys})
	for {
		p, err := src.ReadPacket()
		if err != nil {
			break
		}
		if p.Number != 27 {
			a.Add(p)
		}
	}
	res := a.Result()
	got := Decryption(res.Connections[0].App)
	if want := "s>c: whole records lost by the capture at 1 place (a dropped packet), the next record's tag telling how many: decryption went on after them"; !strings.Contains(got, want) || strings.Contains(got, "cut by the capture") || strings.Contains(got, "not decryptable") {
		t.Errorf("got %q\nwant it to hold %q", got, want)
	}
}

// TestSkippedSentence: the lines counted and named from the spans.
func TestSkippedSentence(t *testing.T) {
	for _, tc := range []struct {
		spans []curltrace.LineSpan
		want  string
	}{
		{nil, ""},
		{[]curltrace.LineSpan{{First: 7, Last: 7}}, "Line 7 of the trace is not a curl trace line (or only begins with text before one): it comes after"},
		{[]curltrace.LineSpan{{First: 7, Last: 9}}, "Lines 7-9 of the trace (3 lines) are not"},
		{[]curltrace.LineSpan{{First: 7, Last: 7}, {First: 20, Last: 20}}, "Line 7 and one more stretch of the trace (2 lines) are not curl trace lines (or only begin with text before one): they"},
		{[]curltrace.LineSpan{{First: 7, Last: 9}, {First: 20, Last: 29}, {First: 40, Last: 40}}, "Lines 7-9 and 2 more stretches of the trace (14 lines) are not"},
	} {
		got := skippedSentence(tc.spans)
		if !strings.HasPrefix(got, tc.want) || (tc.want == "") != (got == "") {
			t.Errorf("%v: %q, want %q...", tc.spans, got, tc.want)
		}
	}
}

// TestCBCSuite: only CBC suites are said to add an IV, a MAC and padding
// (review: a CCM suite's record was said to).
func TestCBCSuite(t *testing.T) {
	for name, want := range map[string]bool{
		"TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256":  true,
		"ECDHE-RSA-AES128-SHA256":                true,
		"AES256-SHA":                             true,
		"TLS_ECDHE_ECDSA_WITH_AES_128_CCM":       false,
		"TLS_AES_128_CCM_8_SHA256":               false,
		"ECDHE-ECDSA-AES128-CCM8":                false,
		"ECDHE-ARIA128-GCM-SHA256":               false,
		"TLS_ECDHE_RSA_WITH_ARIA_128_GCM_SHA256": false,
	} {
		if got := cbcSuite(name); got != want {
			t.Errorf("cbcSuite(%q) = %v, want %v", name, got, want)
		}
	}
}

// TestBug18755NoteWithoutSize: review 38. A refused pair's events kept
// curl bug 18755's notes but not the size facts they are told from, and
// --format json panicked rendering them; the note is said without them.
func TestBug18755NoteWithoutSize(t *testing.T) {
	e := explain.Event{Line: 92, Size: 1000, Cause: explain.CauseUnmatched, Confidence: explain.CannotTell,
		Notes: []explain.Note{explain.NoteCutAtNUL}}
	if got := Why(e); !strings.Contains(got, "curl bug 18755") {
		t.Errorf("why %q", got)
	}
}

// TestSenderPushCutAtMSS: review 38. "cut at the MSS" was said of every
// PSH run, also of 64000 + 1536 on loopback (MSS 65483), a writev the
// stack split so.
func TestSenderPushCutAtMSS(t *testing.T) {
	for _, c := range []struct {
		mss  int
		lens []int
		cut  bool
	}{{65483, []int{64000, 1536}, false}, {1448, []int{1448, 1448, 111}, true}} {
		e := explain.Event{Line: 10, Cause: explain.CauseSenderPush, Confidence: explain.Inferred}
		for i, n := range c.lens {
			e.Segments = append(e.Segments, explain.Seg{Packet: i + 1, Len: n})
			e.Size += n
		}
		e.Facts.MSS = &explain.MSSFact{Source: explain.FromCapture, Effective: c.mss}
		e.Facts.Push = &explain.PushFact{Source: explain.FromCapture, Segments: len(c.lens)}
		if got := strings.Contains(Why(e), "cut at the MSS"); got != c.cut {
			t.Errorf("%v of MSS %d: 'cut at the MSS' %v: %s", c.lens, c.mss, got, Why(e))
		}
	}
}

// TestBacklogRestOfPacket: review 44. A read of the rest of one packet
// named the packet's length ("the rest of packet 8 (41013 bytes)") where
// the read took 6144 of them.
func TestBacklogRestOfPacket(t *testing.T) {
	e := explain.Event{Line: 40, Size: 6144, Cause: explain.CauseBacklog, Confidence: explain.Certain,
		Segments: []explain.Seg{{Packet: 8, Len: 41013}}}
	e.Facts.Segments = &explain.SegmentFact{Source: explain.FromCapture, Count: 1, Covered: 6144}
	if got := Why(e); !strings.Contains(got, "the rest of packet 8 (6144 of its 41013 bytes)") {
		t.Errorf("why %q", got)
	}
}
