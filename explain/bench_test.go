package explain

import (
	"fmt"
	"testing"
	"time"

	"github.com/segscope/segscope/analyze"
	"github.com/segscope/segscope/curltrace"
	"github.com/segscope/segscope/internal/synthtrace"
)

// synthetic is a transfer of n reads of size bytes, a read every 100 µs.
func synthetic(n, size int) (*curltrace.Trace, *analyze.Result) {
	return synthtrace.Transfer(n, size, 100*time.Microsecond)
}

// BenchmarkExplain measures the join on generated transfers of growing
// size: the time per read must stay flat (the cost is linear in events
// plus segments: segments are sorted once and found by binary search).
// 72416 reads of 1448 bytes are a 100 MiB transfer.
func BenchmarkExplain(b *testing.B) {
	for _, n := range []int{1000, 10000, 72416} {
		tr, res := synthetic(n, 1448)
		b.Run(fmt.Sprintf("reads=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				Explain(tr, res)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/read")
		})
	}
}

// BenchmarkExplainPair measures a real pair: 761 reads of curl 8 over a
// paced MTU-1400 path.
func BenchmarkExplainPair(b *testing.B) {
	tr := readTrace(b, pcaps+"/mtu1400-curl8.trace")
	res := analyzeFor(b, tr, pcaps+"/mtu1400-curl8.pcap.gz", "")
	b.ReportAllocs()
	for b.Loop() {
		Explain(tr, res)
	}
}

// The generated transfer is explained as the real ones are: every read
// one segment, placed where it belongs.
func TestSynthetic(t *testing.T) {
	tr, res := synthetic(100, 1448)
	r := Explain(tr, res)
	if len(r.Events) != 100 || len(r.Matches) != 1 {
		t.Fatalf("%d events, %d matches", len(r.Events), len(r.Matches))
	}
	for i, e := range r.Events {
		if len(e.Segments) != 1 || e.Range.Start != 17+int64(i*1448) || e.Segments[0].Packet != 2+i {
			t.Fatalf("read %d: range %v, segments %+v", i, e.Range, e.Segments)
		}
	}
}

// Without a capture a read of the curl tool's 102400 buffer is only
// inferred to be capped by it: nothing shows whether more was waiting.
func TestTraceOnlyBuffer(t *testing.T) {
	tr, _ := synthetic(5, 102400)
	r := Explain(tr, nil)
	if r.Buffer == nil || r.Buffer.Kind != BufferCurlTool {
		t.Fatalf("buffer %+v", r.Buffer)
	}
	for _, e := range r.Events {
		if e.Cause != CauseBufferCap || e.Confidence != Inferred || e.Inference != BySizeOnly || len(e.Needs) != 1 || e.Needs[0] != NeedCapture {
			t.Errorf("line %d: %s %s %s %v", e.Line, e.Cause, e.Confidence, e.Inference, e.Needs)
		}
	}
}

// A server that writes 51200 bytes a second leaves reads of 51200 a second
// apart, as --limit-rate 50k does; but its bytes arrive just before each
// read, so curl did not pause: no buffer and no rate limit are claimed.
func TestPacedServerIsNoRateLimit(t *testing.T) {
	tr, res := synthtrace.Transfer(5, 51200, time.Second)
	r := Explain(tr, res)
	if r.Buffer != nil || r.Summary.Count(CauseRateLimit) != 0 {
		t.Errorf("buffer %+v, causes %v", r.Buffer, r.Summary.Causes)
	}
}
