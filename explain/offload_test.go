package explain

import (
	"path/filepath"
	"testing"
)

// TestFieldVethTSOWrites: a Go server writing 2900-byte chunks 5 ms apart
// (gowrites.go.txt), over one veth pair (MTU 1500) with TSO/GSO on at the
// server: each write travels as one 2907-byte GSO segment that the veth
// does not cut (tshark: 2907 x 60 on both ends), and strace shows one
// 2907-byte recvfrom per read. Each read is the server's write, not
// several wire segments merged: chunk-write, never super-segment.
func TestFieldVethTSOWrites(t *testing.T) {
	tr := readTraceGz(t, "veth-tso-chunk.trace.gz")
	r := Explain(tr, analyzeFor(t, tr, filepath.Join(field, "veth-tso-chunk.pcap.gz"), ""))
	got := map[Cause]int{}
	for _, e := range r.Events {
		got[e.Cause]++
		if e.Cause == CauseChunkWrite && (e.Size != 2907 || len(e.Segments) != 1 || e.Segments[0].Len != 2907 || e.Inference != ByWholePush) {
			t.Errorf("line %d: %d bytes, %v, segments %+v", e.Line, e.Size, e.Inference, e.Segments)
		}
	}
	if got[CauseChunkWrite] != 59 || got[CauseBodyEnd] != 1 || len(got) != 2 {
		t.Errorf("causes %v, want 59 chunk-write and 1 body-end", got)
	}
}

// TestFieldVethSplitWrites: the same server writing 4096-byte buffers with
// a Content-Length, over a veth with TSO/GSO off: each write leaves as
// 1448 + 1448 + 1200 (PSH on the last), the three arrive within 24-74 µs,
// 5 ms after the previous write, and curl (idle in between) reads 4096 at
// once (strace). That is one push of the server, not a slow reader.
func TestFieldVethSplitWrites(t *testing.T) {
	tr := readTraceGz(t, "veth-notso-cl.trace.gz")
	r := Explain(tr, analyzeFor(t, tr, filepath.Join(field, "veth-notso-cl.pcap.gz"), ""))
	got := map[Cause]int{}
	for _, e := range r.Events {
		got[e.Cause]++
		if e.Cause != CauseSenderPush {
			continue
		}
		p := e.Facts.Push
		if e.Size != 4096 || p == nil || p.Segments != 3 || e.Confidence != Inferred || e.Inference != ByPushFlags ||
			e.Segments[0].Len != 1448 || e.Segments[2].Len != 1200 || p.Span > p.Idle/4 {
			t.Errorf("line %d: %d bytes, push %+v, segments %+v", e.Line, e.Size, p, e.Segments)
		}
	}
	if got[CauseSenderPush] < 55 || got[CauseBacklog] > 3 || got[CauseBodyEnd] != 1 {
		t.Errorf("causes %v, want about 57 sender-push", got)
	}
}

// TestFieldTLSGap: apache2 over TLS 1.3 (8000-byte records, 8022 on the
// stream), curl 7.88, and a tcpdump that lost two whole records (16044
// bytes) mid-transfer. Without the key log, each read is one record, laid
// from the record headers curl logged: the two records in the gap are
// laid from the trace, and the reads after them on the records the
// capture has, where they are (they had been laid 16044 bytes on, the
// last two past the end of the capture). The reads tile the stream.
func TestFieldTLSGap(t *testing.T) {
	tr := readTraceGz(t, "apache-gap-tls13.trace.gz")
	r := Explain(tr, analyzeFor(t, tr, filepath.Join(field, "apache-gap-tls13.pcap.gz"), ""))
	if len(r.Events) != 26 {
		t.Fatalf("%d events, want 26", len(r.Events))
	}
	empty := 0
	for i, e := range r.Events {
		if i > 0 && e.Range.Start != r.Events[i-1].Range.End {
			t.Errorf("line %d: starts at %d, the read before ended at %d", e.Line, e.Range.Start, r.Events[i-1].Range.End)
		}
		if e.Cause != CauseTLSRecord {
			t.Errorf("line %d: %v", e.Line, e.Cause)
		}
		if len(e.Segments) == 0 {
			empty++
		}
	}
	last := r.Events[len(r.Events)-1]
	if empty != 2 || last.Range.End != 207624 || len(last.Segments) == 0 {
		t.Errorf("%d reads without segments (want the 2 in the gap); last read %v on %d segments", empty, last.Range, len(last.Segments))
	}
}

// TestFieldServerSideTSO: nginx behind a router (client - router -
// server namespaces, TSO/GSO on at the server, tbf 20 Mbit/s toward the
// client, GRO off at the client), curl 7.88; captured at the same time on
// the server's veth and on the client's. The server's capture shows 20
// of its 22 data segments as super-segments (5792 x 16 ...), the client's
// none over 1448. Ground truth (client capture, strace): 46 reads were
// one 1448-byte segment each, 7 took several, the last is the body's end.
func TestFieldServerSideTSO(t *testing.T) {
	tr := readTraceGz(t, "tso-server-side.trace.gz")
	server := Explain(tr, analyzeFor(t, tr, filepath.Join(field, "tso-server-side.server.pcap.gz"), ""))
	client := Explain(tr, analyzeFor(t, tr, filepath.Join(field, "tso-server-side.client.pcap.gz"), ""))
	if len(server.Events) != 54 || len(client.Events) != 54 {
		t.Fatalf("%d and %d events, want 54", len(server.Events), len(client.Events))
	}
	// Where each capture was taken, from the SYNs' TTLs (64 on the host
	// that sent the SYN, 63 past the router).
	if p := server.Matches[0].Point; p == nil || p.Where != PointServer || p.By != "ttl" || p.ClientTTL != 63 || p.ServerTTL != 64 || p.Super != 20 {
		t.Errorf("server capture point %+v", p)
	}
	if p := client.Matches[0].Point; p == nil || p.Where != PointClient || p.Super != 0 {
		t.Errorf("client capture point %+v", p)
	}
	got := map[Cause]int{}
	for i, e := range server.Events {
		c := client.Events[i]
		got[e.Cause]++
		// No certain cause from the server's side that the client's
		// side contradicts; every one-segment read of 1448 is found as
		// one MSS piece of a super-segment, inferred.
		if e.Confidence == Certain && e.Cause != c.Cause {
			t.Errorf("line %d: certain %v from the server's capture, %v from the client's", e.Line, e.Cause, c.Cause)
		}
		if c.Cause == CauseFullSegment && (e.Cause != CauseFullSegment || e.Confidence == CannotTell) {
			t.Errorf("line %d: one 1448 segment at the client, %v %v from the server's capture", e.Line, e.Cause, e.Confidence)
		}
		if e.Cause == CauseBacklog && e.Confidence == Certain {
			t.Errorf("line %d: certain backlog from above TSO", e.Line)
		}
	}
	if got[CauseFullSegment] != 46 || got[CauseBodyEnd] != 1 {
		t.Errorf("server capture: causes %v", got)
	}
}

// TestFieldServerSideAfterHeaders: nginx over IPv6 behind a router, TSO
// on at the server, curl 7.88; captured at both ends. From the server's
// side the first read (74021 bytes) is the rest of a 7140-byte
// super-segment after the 235 header bytes, then whole ones: the header's
// end and the read's first bytes share the first MSS piece, so it is the
// first read after the headers whatever the path cut, as the client's
// capture says (not "part of one segment").
func TestFieldServerSideAfterHeaders(t *testing.T) {
	tr := readTraceGz(t, "tso-v6.trace.gz")
	for _, side := range []string{"server", "client"} {
		r := Explain(tr, analyzeFor(t, tr, filepath.Join(field, "tso-v6."+side+".pcap.gz"), ""))
		if len(r.Events) != 2 {
			t.Fatalf("%s: %d events", side, len(r.Events))
		}
		e := r.Events[0]
		if e.Line != 38 || e.Size != 74021 || e.Cause != CauseAfterHeaders || e.Confidence != Certain {
			t.Errorf("%s: line %d, %d bytes: %v %v", side, e.Line, e.Size, e.Cause, e.Confidence)
		}
		if e := r.Events[1]; e.Cause != CauseBodyEnd {
			t.Errorf("%s: last read %v", side, e.Cause)
		}
	}
}
