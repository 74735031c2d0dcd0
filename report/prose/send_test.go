package prose

import (
	"strings"
	"testing"
	"time"

	"github.com/segscope/segscope/explain"
)

// TestSendTakerAndPressure: a send over TLS is taken by curl's TLS layer,
// which writes it to the socket in records (review 11: "the socket took
// all of it in one write" where strace showed a short write and waits);
// a partial send with nothing left unsent blames the send buffer, not the
// path (it had said the path held back bytes while saying none waited).
func TestSendTakerAndPressure(t *testing.T) {
	u := &explain.UploadFact{Buffer: 65536, BufferBy: explain.UploadBufferRepeated, Sends: 3, Index: 1, Offered: 65536}
	tls := explain.Event{Cause: explain.CauseUploadBuffer, Size: 65536}
	tls.Facts.Upload, tls.Facts.Layer = u, explain.LayerTLS
	tls.Facts.SendBuffer = &explain.SendBufferFact{Packet: 9, Window: 65536, InFlight: 65536, Unsent: 12000, Full: true}
	got := sendCauseSentence(tls)
	for _, want := range []string{"curl's TLS layer took all of it", "in records as the socket took them", "the socket still held 12000 of the bytes"} {
		if !strings.Contains(got, want) {
			t.Errorf("TLS: %q lacks %q", got, want)
		}
	}
	if strings.Contains(got, "the socket took all") {
		t.Errorf("TLS: %q", got)
	}
	got = pressureText(&explain.SendBufferFact{Packet: 46, Window: 65536, InFlight: 20272})
	for _, want := range []string{"had sent all curl had written, 20272 of them not yet acknowledged", "neither the window nor the path held bytes back", "tcp_wmem"} {
		if !strings.Contains(got, want) {
			t.Errorf("nothing unsent: %q lacks %q", got, want)
		}
	}
}

// TestChunkedUploadCount: the terminating chunk is not counted as one of
// the data chunks (review 11: "60,000 bytes of data in 21 chunks" for 20
// and the terminating one).
func TestChunkedUploadCount(t *testing.T) {
	q := explain.UploadSummary{Line: 4, Conn: 0, Chunked: true, Body: 60145, Sends: 21, Chunks: 21, Terminated: true, ChunkData: 60000, ChunkFraming: 145}
	got := requestSentence(q, explain.SendSummary{}, nil)
	if want := "60,000 bytes of data in 20 chunks and the terminating one + 145 of framing"; !strings.Contains(got, want) {
		t.Errorf("%q lacks %q", got, want)
	}
}

// TestPauseNamesItsCauses: a read after curl paused, with nothing in the
// trace naming --limit-rate, may be the rate, a blocked output or other
// transfers keeping curl busy (review 15: -Z with three URLs, no limit).
func TestPauseNamesItsCauses(t *testing.T) {
	e := explain.Event{Cause: explain.CauseRateLimit, Inference: explain.ByPause, Size: 102400}
	e.Facts.Timing = &explain.TimingFact{SincePrevious: 665 * time.Millisecond, FirstBefore: 666 * time.Millisecond, HasPrevious: true}
	e.Facts.Buffer = &explain.BufferFact{Size: 102400, Filled: true}
	if got := causeSentence(e); !strings.Contains(got, "or other transfers kept it busy") {
		t.Errorf("%q", got)
	}
}

// TestSendOffloadText: a send's super-segments are named after the
// capture point: TSO/GSO at curl's side, GRO at the server's, either
// where the point is not shown (review 27: GRO at the server was called
// segmentation offload).
func TestSendOffloadText(t *testing.T) {
	for _, tc := range []struct {
		p    *explain.PointFact
		want string
	}{
		{&explain.PointFact{Where: explain.PointClient}, "(GSO/TSO) on curl's host"},
		{&explain.PointFact{Where: explain.PointServer}, "receive offload (GRO/LRO) on the server's host"},
		{&explain.PointFact{}, "which side that was is not shown"},
		{nil, "which side that was is not shown"},
	} {
		if got := sendOffloadText(tc.p); !strings.Contains(got, tc.want) {
			t.Errorf("%+v: %q", tc.p, got)
		}
	}
}

// TestPressureNothingInFlight: bytes curl wrote that the capture had not
// seen, with nothing in flight and the window open, are not said to be
// held by the socket (review 27: a shaper's queue below TCP).
func TestPressureNothingInFlight(t *testing.T) {
	got := pressureText(&explain.SendBufferFact{Unsent: 91596, Window: 88064, Packet: 16})
	if strings.Contains(got, "socket still held") || !strings.Contains(got, "capture had not yet seen 91596") || !strings.Contains(got, "qdisc or shaper") {
		t.Errorf("%q", got)
	}
	got = pressureText(&explain.SendBufferFact{Unsent: 5000, InFlight: 30000, Window: 30000, Full: true, Packet: 9})
	if !strings.Contains(got, "the socket still held 5000") {
		t.Errorf("window full: %q", got)
	}
}
