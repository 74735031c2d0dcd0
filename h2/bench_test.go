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

// TestNoAllocPerFrame: once a stream is known, walking DATA frames
// allocates nothing when no frame is kept.
func TestNoAllocPerFrame(t *testing.T) {
	var unit []byte
	for i := 0; i < 16; i++ {
		unit = append(unit, 0, 0x10, 0, byte(TypeData), 0, 0, 0, 0, 1) // 4096 bytes on stream 1
		unit = append(unit, make([]byte, 4096)...)
	}
	w := NewWalker(false, Limits{MaxFrames: -1})
	w.Data(0, []byte{0, 0, 0, byte(TypeSettings), 0, 0, 0, 0, 0}, stream.Pos{})
	off := int64(9)
	feedUnit := func() {
		for i := 0; i < len(unit); i += 1000 {
			w.Data(off, unit[i:min(i+1000, len(unit))], stream.Pos{Start: off})
			off += int64(min(1000, len(unit)-i))
		}
	}
	feedUnit()
	// AllocsPerRun feeds 101 more units (one warm-up).
	if n := testing.AllocsPerRun(100, feedUnit); n != 0 {
		t.Fatalf("%v allocations per %d frames", n, 16)
	}
	if s := w.Streams(); len(s) != 1 || s[0].DataBytes != 102*16*4096 || len(w.Frames()) != 0 || w.Dropped() != 1+102*16 {
		t.Fatalf("streams %+v, %d frames, %d dropped", s, w.FrameCount(), w.Dropped())
	}
}
