package h2

import (
	"sync"
	"testing"

	"github.com/segscope/segscope/stream"
)

var benchStream struct {
	sync.Once
	raw []byte
}

// BenchmarkWalker walks 10 MB of a real server direction (a 10 MB
// response from x/net/http2's Server) in 16 KB Data calls. The
// allocations are the walker's own and the kept-frame slice as it grows,
// plus the HPACK decoder's strings for the one header block; none per
// DATA frame.
func BenchmarkWalker(b *testing.B) {
	benchStream.Do(func() { benchStream.raw = runH2(b, 10<<20).server })
	raw := benchStream.raw
	const chunk = 16 << 10
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	frames := 0
	for b.Loop() {
		w := NewWalker(false, Limits{})
		for off := 0; off < len(raw); off += chunk {
			end := min(off+chunk, len(raw))
			w.Data(int64(off), raw[off:end], stream.Pos{Packet: off / chunk, Start: int64(off)})
		}
		w.End(int64(len(raw)))
		frames = w.FrameCount()
	}
	b.ReportMetric(float64(frames), "frames/op")
}
