package explain

import (
	"slices"
	"testing"
	"time"

	"github.com/segscope/segscope/curltrace"
)

// TestNoTraceTimeAdviceWithTimes: a read that filled curl's buffer, where
// nothing shows whether more was waiting, asks for --trace-time; a trace
// that has its times (they could not be put on the capture's clock) is
// told to use strace instead (review 11: "add --trace-time to curl" to a
// trace made with it).
func TestNoTraceTimeAdviceWithTimes(t *testing.T) {
	for _, hasTOD := range []bool{false, true} {
		ev := Event{Kind: curltrace.RecvData, Size: 102400, Conn: 0, hasTOD: hasTOD}
		ev.Facts = Facts{Layer: LayerHTTP1, n: 102400,
			Segments: &SegmentFact{Source: FromCapture, Count: 3, Covered: 102400},
			Buffer:   &BufferFact{Source: FromTrace, Size: 102400, Kind: BufferCurlTool, Filled: true}}
		decide(&ev, hasTOD)
		if ev.Cause != CauseBufferCap || ev.Confidence != Inferred {
			t.Fatalf("times %v: %v %v", hasTOD, ev.Cause, ev.Confidence)
		}
		switch {
		case !hasTOD && !slices.Contains(ev.Needs, NeedTraceTime):
			t.Errorf("no times: needs %v, want --trace-time", ev.Needs)
		case hasTOD && (slices.Contains(ev.Needs, NeedTraceTime) || !slices.Contains(ev.Needs, NeedStrace)):
			t.Errorf("times given: needs %v, want strace, not --trace-time", ev.Needs)
		}
	}
}

// TestH2BufferCap: curl 7.88 hands HTTP/2 DATA over up to its buffer
// (review 10: a read of 102400 bytes, 35 decrypted frames across 27
// records, the last cut after 1359 of its 3000 bytes, had been "which
// frames the record held is not in the evidence" with the key log given).
// Stopped inside a frame, the buffer capped it: certain; at a frame's end,
// whether more was waiting is not shown: inferred.
func TestH2BufferCap(t *testing.T) {
	for _, c := range []struct {
		last FrameRef
		conf Confidence
	}{
		{FrameRef{Index: 295, From: 0, InRead: 1359, Payload: 3000}, Certain},
		{FrameRef{Index: 295, From: 0, InRead: 3000, Payload: 3000}, Inferred},
	} {
		frames := []FrameRef{{Index: 294, From: 0, InRead: 101041 - 0, Payload: 101041}, c.last}
		n := frames[0].InRead + c.last.InRead
		ev := Event{Kind: curltrace.RecvData, Size: n, Conn: 0}
		ev.Facts = Facts{Layer: LayerH2TLS, n: n,
			Frames: &FrameFact{Source: FromKeyLog, Frames: frames, Shape: ShapeUnknown},
			Buffer: &BufferFact{Source: FromTrace, Size: n, Kind: BufferCurlTool, Filled: true}}
		decide(&ev, true)
		if ev.Cause != CauseBufferCap || ev.Confidence != c.conf {
			t.Errorf("last frame %d of %d: %v %v, want buffer-cap %v", c.last.InRead, c.last.Payload, ev.Cause, ev.Confidence, c.conf)
		}
	}
}

// TestNoSSLTraceAdviceWhenGiven: segscope curl traces with --trace-config
// ssl; a read it cannot explain was told to add it (review 14).
func TestNoSSLTraceAdviceWhenGiven(t *testing.T) {
	v814 := curltrace.Version{Major: 8, Minor: 14, Patch: 1}
	for _, given := range []bool{false, true} {
		f := Facts{curl: v814, sslTraced: given}
		got := slices.Contains(fitNeeds(&f, []Need{NeedSSLTrace}), NeedSSLTrace)
		if got == given {
			t.Errorf("[SSL] lines in the trace %v: needs --trace-config ssl %v", given, got)
		}
	}
}

// TestWholeSuperAtBodyEnd: review 31 (client capture past a router, the
// server's TSO on): the body's last 3600 bytes came as one 3600-byte
// segment, read whole. Captured at the client it was sender-push,
// inferred; at the server body-end, certain. The body's end decides,
// wherever the capture was taken; a whole one before it stays the
// sender's push.
func TestWholeSuperAtBodyEnd(t *testing.T) {
	for _, atEnd := range []bool{true, false} {
		ev := Event{Kind: curltrace.RecvData, Size: 3600, Conn: 0}
		ev.Facts = Facts{Layer: LayerHTTP1, n: 3600,
			Segments: &SegmentFact{Source: FromCapture, Count: 1, Covered: 3600, Super: 1, Largest: 3600, Exact: true},
			MSS:      &MSSFact{Source: FromCapture, Effective: 1448, MSS: 1460},
			Point:    &PointFact{Source: FromCapture, Where: PointClient, By: "ttl", Super: 53, Segments: 155, MSS: 1448},
			Body:     &BodyFact{Source: FromCapture, Length: 300000, AtEnd: atEnd}}
		decide(&ev, true)
		want, conf := CauseBodyEnd, Certain
		if !atEnd {
			want, conf = CauseSenderPush, Inferred
		}
		if ev.Cause != want || ev.Confidence != conf {
			t.Errorf("at end %v: %v %v, want %v %v", atEnd, ev.Cause, ev.Confidence, want, conf)
		}
	}
}

// TestRecoveryOutOfOrderFiller: review 30. Packet 208 (121632-123080), a
// resent copy of a dropped segment that tshark and segscope class out of
// order, came 631.78 ms after packet 148 (123080-124528), which waited
// behind the hole; one read took both. It was "backlog: curl read less
// often than they came"; the hole held packet 148, whatever the filler is
// called.
func TestRecoveryOutOfOrderFiller(t *testing.T) {
	at := time.Unix(1000, 0)
	segs := []Seg{
		{Packet: 208, Offset: 121632, Len: 1448, Arrived: at.Add(5221617 * time.Microsecond)},
		{Packet: 148, Offset: 123080, Len: 1448, Arrived: at.Add(4590796 * time.Microsecond)},
	}
	f := recoveryFact(segs)
	if f == nil || f.Packet != 208 || f.Waited != 1 || f.Before != 630821*time.Microsecond || f.Retransmission {
		t.Fatalf("recovery %+v, want packet 208, 1 waited 630.821ms, not a retransmission", f)
	}
	// In stream order, as they came: no hole.
	segs[0].Arrived, segs[1].Arrived = segs[1].Arrived, segs[0].Arrived
	if f := recoveryFact(segs); f != nil {
		t.Errorf("in order: %+v", f)
	}
}

// TestRecordCapTLS12: a read that stops inside a TLS record holding more
// is buffer-cap; from the wire alone, certain for TLS 1.2 AEAD (a fixed
// overhead: the plaintext is known), inferred for TLS 1.3, which may pad
// (review 33: TLS 1.2 reads were "TLS 1.3 padding ... would make it
// smaller").
func TestRecordCapTLS12(t *testing.T) {
	for _, c := range []struct {
		version string
		conf    Confidence
	}{{"TLS 1.2", Certain}, {"TLS 1.3", Inferred}} {
		ev := Event{Kind: curltrace.RecvData, Size: 8192, Conn: 0}
		ev.Facts = Facts{Layer: LayerTLS, n: 8192,
			Record: &RecordFact{Source: FromCapture, Index: 4, Length: 16408, Plain: 16384, Overhead: 24, OverheadKnown: true, VersionName: c.version}}
		decide(&ev, true)
		if ev.Cause != CauseBufferCap || ev.Confidence != c.conf {
			t.Errorf("%s: %v %v, want buffer-cap %v", c.version, ev.Cause, ev.Confidence, c.conf)
		}
	}
}

// TestRecoveryReorderedNotLast: review 35. A filler the capture calls out
// of order, 4 µs late, with later segments of the read arriving after it,
// did not make the read: no recovery (backlog stays).
func TestRecoveryReorderedNotLast(t *testing.T) {
	at := time.Unix(1000, 0)
	segs := []Seg{
		{Packet: 10, Offset: 0, Len: 1448, Arrived: at.Add(4 * time.Microsecond)},
		{Packet: 9, Offset: 1448, Len: 1448, Arrived: at},
		{Packet: 11, Offset: 2896, Len: 1448, Arrived: at.Add(50 * time.Microsecond)},
	}
	if f := recoveryFact(segs); f != nil {
		t.Errorf("a 4 µs reordering: %+v", f)
	}
	segs[0].Retrans = true // a retransmission fills a loss, however soon
	if f := recoveryFact(segs); f == nil || f.Packet != 10 {
		t.Errorf("a retransmission: %+v", f)
	}
}

// TestH2RecordWholeCaptureEnded: review 39. An HTTP/2 read over TLS
// without the key log (no frames), whose record is whole in a capture
// that ended before the read, was "missing: 0 of the 8223 bytes ... are
// not in the capture"; only a read whose bytes were not captured is.
func TestH2RecordWholeCaptureEnded(t *testing.T) {
	for _, missing := range []int64{0, 100} {
		ev := Event{Kind: curltrace.RecvData, Size: 8192, Conn: 0}
		ev.Facts = Facts{Layer: LayerH2TLS, n: 8192, timed: true,
			Segments: &SegmentFact{Source: FromCapture, Count: 1, Covered: 8223 - missing, Missing: missing},
			Record:   &RecordFact{Source: FromCapture, Index: 35, Length: 8218, Plain: 8201, Overhead: 17, OverheadKnown: true, VersionName: "TLS 1.3"}}
		decide(&ev, true)
		if (ev.Cause == CauseMissing) != (missing > 0) {
			t.Errorf("%d missing: %v %v", missing, ev.Cause, ev.Confidence)
		}
	}
}

// TestH2HeadersInRecord: review 39. Without the key log a read's record
// arithmetic (4096 - 4060 = 36 = 4 x 9 frame headers) assumes the record
// held DATA only; when curl logged header lines (a HEADERS frame) since
// its last record header, the record may hold that frame (27 + 9 = 36).
func TestH2HeadersInRecord(t *testing.T) {
	for _, hdr := range []bool{false, true} {
		ev := Event{Kind: curltrace.RecvData, Size: 4060, Conn: 0}
		ev.Facts = Facts{Layer: LayerH2TLS, n: 4060, hdrInRecord: hdr,
			Record: &RecordFact{Source: FromCapture, Index: 64, Length: 4113, Plain: 4096, Overhead: 17, OverheadKnown: true, VersionName: "TLS 1.3", Reads: 1, ReadBytes: 4060}}
		decide(&ev, true)
		if hdr && ev.Confidence != CannotTell || !hdr && (ev.Cause != CauseH2Frames || ev.Confidence != Inferred) {
			t.Errorf("headers logged %v: %v %v", hdr, ev.Cause, ev.Confidence)
		}
	}
}

// TestRecordReadsSpread: review 42. The HEADERS logged before a record's
// first read may share the record with all of its reads (curl 8 hands a
// record's DATA over a frame at a time): every read of the record carries
// it. And a TLS 1.3 read stopping inside a record, the last from it, is
// padding only when the transfer went on (a later read, curl's read of
// the end, the body's end); the last read of a transfer cut short (-m,
// | head) stays record-left.
func TestRecordReadsSpread(t *testing.T) {
	rec := func() *RecordFact {
		return &RecordFact{Source: FromCapture, Index: 7, Length: 4113, Plain: 4096, Overhead: 17, OverheadKnown: true, VersionName: "TLS 1.3"}
	}
	r := &Result{Events: []Event{
		{Conn: 0, Size: 9, Facts: Facts{Layer: LayerH2TLS, n: 9, hdrInRecord: true, Record: rec()}},
		{Conn: 0, Size: 4051, Facts: Facts{Layer: LayerH2TLS, n: 4051, Record: rec()}},
	}}
	r.recordReads()
	if !r.Events[1].Facts.hdrInRecord {
		t.Error("the record's second read: no HEADERS flag")
	}
	for _, c := range []struct {
		followed, eof bool
		want          Cause
		by            Inference
	}{{false, false, CauseBufferCap, ByRecordLeft}, {true, false, CauseTLSRecord, ByRecordPadding}, {false, true, CauseTLSRecord, ByRecordPadding}} {
		ev := Event{Kind: curltrace.RecvData, Size: 8192, Conn: 0}
		f := rec()
		f.Length, f.Plain, f.last, f.followed = 16401, 16384, true, c.followed
		ev.Facts = Facts{Layer: LayerTLS, n: 8192, eofLater: c.eof, Record: f}
		decide(&ev, true)
		if ev.Cause != c.want || ev.Inference != c.by {
			t.Errorf("followed %v, eof %v: %v (%v), want %v (%v)", c.followed, c.eof, ev.Cause, ev.Inference, c.want, c.by)
		}
	}
}
