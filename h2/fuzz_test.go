package h2

import (
	"github.com/segscope/segscope/internal/wiretest"

	"testing"

	"github.com/segscope/segscope/stream"
)

func FuzzWalker(f *testing.F) {
	// Small seeds: the fuzzer minimizes every new input it finds, and
	// minimizing a large one takes its whole minimize time.
	client, server := crafted(f, 300)
	f.Add(client, []byte{30, 0xC2, 100}, true, true)
	f.Add(server, []byte{1, 2, 3, 4, 5, 6, 7, 8, 9}, false, true)
	s := runH2(f, 0)
	f.Add(s.client[:min(len(s.client), 2000)], []byte{}, true, false)
	f.Add(s.server[:min(len(s.server), 2000)], []byte{50, 0xF0, 50}, false, true)
	f.Add([]byte("GET / HTTP/1.1\r\n\r\n"), []byte{}, true, true)
	f.Fuzz(func(t *testing.T, data []byte, planBytes []byte, isClient, end bool) {
		plan := wiretest.FuzzPlan(len(data), planBytes)
		w := NewWalker(isClient, Limits{MaxFrames: 50, MaxStreams: 20})
		wiretest.Feed(w, data, plan, end)
		total := int64(len(data))
		gaps := false
		for _, c := range plan {
			gaps = gaps || c.Gap
		}
		var next int64
		if p := w.Preface(); p != nil {
			if !isClient || *p != (stream.Range{Start: 0, End: 24}) {
				t.Fatalf("preface %v", p)
			}
			next = 24
		}
		frames := w.Frames()
		if len(frames) > 0 && isClient && w.Preface() == nil {
			t.Fatal("frames without a preface")
		}
		for i, fr := range frames {
			if fr.Start != next || fr.End < fr.Start || fr.End > total {
				t.Fatalf("frame %d %v: previous ended at %d, stream is %d bytes", i, fr.Range, next, total)
			}
			next = fr.End
			if full := int64(9 + fr.Length); fr.Len() > full || (fr.Len() < full && !(end && fr.Truncated && fr.End == total)) {
				t.Fatalf("frame %d: %v for length %d (truncated %v)", i, fr.Range, fr.Length, fr.Truncated)
			}
			if fr.Truncated && !gaps && !(end && fr.End == total) {
				t.Fatalf("frame %d truncated without gap or end", i)
			}
			if !wiretest.Holds(plan, fr.First, fr.Start) || !wiretest.Holds(plan, fr.Last, fr.End-1) {
				t.Fatalf("frame %d %v: First %+v Last %+v", i, fr.Range, fr.First, fr.Last)
			}
		}
		if w.FrameCount() != len(frames)+w.Dropped() {
			t.Fatalf("%d frames walked, %d kept, %d dropped", w.FrameCount(), len(frames), w.Dropped())
		}
		ss := w.Streams()
		if len(ss) > 20 {
			t.Fatalf("%d streams over the limit", len(ss))
		}
		for i, s := range ss {
			if s.DataBytes < 0 || s.DataBytes > total || (i > 0 && s.ID <= ss[i-1].ID) {
				t.Fatalf("stream %+v", s)
			}
			if s.Headers.End > total || s.Headers.Start < 0 {
				t.Fatalf("stream %d headers %v", s.ID, s.Headers)
			}
		}
		for _, p := range w.Problems() {
			if p.Offset < 0 || p.Offset > total {
				t.Fatalf("problem %v outside the stream", p)
			}
		}
		// Without gaps, chunking does not matter.
		if !gaps {
			one := NewWalker(isClient, Limits{MaxFrames: 50, MaxStreams: 20})
			one.Data(0, data, stream.Pos{})
			if end {
				one.End(total)
			}
			a := one.Frames()
			if len(a) != len(frames) || one.FrameCount() != w.FrameCount() || len(one.Problems()) != len(w.Problems()) {
				t.Fatalf("one call: %d frames, problems %v; chunked: %d, %v", len(a), one.Problems(), len(frames), w.Problems())
			}
			for i := range a {
				x, y := a[i], frames[i]
				x.First, x.Last, y.First, y.Last = stream.Pos{}, stream.Pos{}, stream.Pos{}, stream.Pos{}
				if x != y {
					t.Fatalf("frame %d: one call %+v, chunked %+v", i, x, y)
				}
			}
			b := one.Streams()
			if len(b) != len(ss) {
				t.Fatalf("one call: %d streams, chunked %d", len(b), len(ss))
			}
			for i := range b {
				x, y := b[i], ss[i]
				x.FirstData, x.LastData, y.FirstData, y.LastData = stream.Pos{}, stream.Pos{}, stream.Pos{}, stream.Pos{}
				if x != y {
					t.Fatalf("stream: one call %+v, chunked %+v", x, y)
				}
			}
		}
	})
}
