package stream

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

// recorder is a Consumer that checks the tiling contract and keeps what it
// gets.
type recorder struct {
	t     testing.TB
	next  int64
	data  []byte // delivered bytes; gaps filled with '?'
	gaps  []Range
	ended bool
	end   int64
	ats   []Pos
}

func (r *recorder) Data(off int64, data []byte, at Pos) {
	if off != r.next || r.ended || len(data) == 0 {
		r.t.Fatalf("Data(%d, %d bytes) with next %d ended %v", off, len(data), r.next, r.ended)
	}
	r.data = append(r.data, data...)
	r.next += int64(len(data))
	r.ats = append(r.ats, at)
}

func (r *recorder) Gap(off, n int64, at Pos) {
	if off != r.next || r.ended || n <= 0 {
		r.t.Fatalf("Gap(%d, %d) with next %d ended %v", off, n, r.next, r.ended)
	}
	r.data = append(r.data, bytes.Repeat([]byte{'?'}, int(n))...)
	r.gaps = append(r.gaps, Range{off, off + n})
	r.next += n
}

func (r *recorder) End(off int64) {
	if off != r.next || r.ended {
		r.t.Fatalf("End(%d) with next %d ended %v", off, r.next, r.ended)
	}
	r.ended, r.end = true, off
}

type seg struct {
	off int64
	n   int
}

// cut splits [0, total) into segments of at most mss bytes.
func cut(total, mss int) []seg {
	var out []seg
	for off := 0; off < total; off += mss {
		out = append(out, seg{int64(off), min(mss, total-off)})
	}
	return out
}

func payload(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('a' + i%23)
	}
	return b
}

func TestInOrderIsDeliveredWithoutHolding(t *testing.T) {
	src := payload(10000)
	rec := &recorder{t: t}
	r := NewReassembler(rec, 0, nil)
	for i, s := range cut(len(src), 1448) {
		r.Segment(s.off, s.n, src[s.off:s.off+int64(s.n)], Pos{Packet: i + 1, Start: s.off})
		if r.buffered != 0 || r.Next() != s.off+int64(s.n) {
			t.Fatalf("after segment %d: buffered %d next %d", i, r.buffered, r.Next())
		}
	}
	r.Close(int64(len(src)))
	if !bytes.Equal(rec.data, src) || len(rec.gaps) != 0 || rec.end != 10000 || rec.ats[2].Packet != 3 {
		t.Fatalf("delivered %d bytes, gaps %v, end %d", len(rec.data), rec.gaps, rec.end)
	}
}

// Shuffled, duplicated, overlapping and super-sized segments deliver every
// byte exactly once, in order.
func TestShuffledOverlappingSegments(t *testing.T) {
	src := payload(200000)
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := 0; trial < 50; trial++ {
		var segs []seg
		for _, s := range cut(len(src), 1388) {
			segs = append(segs, s)
			if rng.IntN(5) == 0 { // a retransmission that overlaps the next segment
				segs = append(segs, seg{s.off + int64(rng.IntN(s.n)), min(2000, len(src)-int(s.off))})
			}
		}
		segs = append(segs, seg{0, 65160}) // a super-segment far longer than the MSS
		// Local disorder, as a network reorders: swap neighbours.
		for i := range segs {
			j := min(len(segs)-1, i+rng.IntN(4))
			segs[i], segs[j] = segs[j], segs[i]
		}
		rec := &recorder{t: t}
		r := NewReassembler(rec, 0, nil)
		for _, s := range segs {
			end := min(s.off+int64(s.n), int64(len(src)))
			r.Segment(s.off, int(end-s.off), src[s.off:end], Pos{Start: s.off})
		}
		r.Close(int64(len(src)))
		if !bytes.Equal(rec.data, src) || len(rec.gaps) != 0 || r.buffered != 0 {
			t.Fatalf("trial %d: %d bytes delivered, gaps %v, %d still buffered", trial, len(rec.data), rec.gaps, r.buffered)
		}
	}
}

func TestMissingSegmentBecomesAGapAtClose(t *testing.T) {
	src := payload(10 * 1000)
	rec := &recorder{t: t}
	r := NewReassembler(rec, 0, nil)
	for _, s := range cut(len(src), 1000) {
		if s.off == 3000 {
			continue // lost before the capture point, never retransmitted in it
		}
		r.Segment(s.off, s.n, src[s.off:s.off+int64(s.n)], Pos{Start: s.off})
	}
	if r.Next() != 3000 || r.buffered != 6000 {
		t.Fatalf("next %d buffered %d before close", r.Next(), r.buffered)
	}
	r.Close(10000)
	if len(rec.gaps) != 1 || rec.gaps[0] != (Range{3000, 4000}) || r.GapBytes != 1000 || r.Gaps[0].Reason != GapNotCaptured {
		t.Fatalf("gaps %v (%v)", rec.gaps, r.Gaps)
	}
	if !bytes.Equal(rec.data[4000:], src[4000:]) || !bytes.Equal(rec.data[:3000], src[:3000]) {
		t.Fatal("bytes around the gap differ")
	}
}

func TestSnapLengthAndMemoryBound(t *testing.T) {
	src := payload(5000)
	rec := &recorder{t: t}
	r := NewReassembler(rec, 0, nil)
	r.Segment(0, 1000, src[:40], Pos{}) // 40 of 1000 bytes captured
	r.Segment(1000, 1000, src[1000:2000], Pos{})
	r.Close(2000)
	if len(rec.gaps) != 1 || rec.gaps[0] != (Range{40, 1000}) || r.Gaps[0].Reason != GapSnapLength {
		t.Fatalf("snap length gaps %v", r.Gaps)
	}

	// A bound of 2500 bytes: the third held segment forces a gap.
	rec = &recorder{t: t}
	budget := &Budget{}
	r = NewReassembler(rec, 2500, budget)
	for _, s := range cut(len(src), 1000)[1:] {
		r.Segment(s.off, s.n, src[s.off:s.off+int64(s.n)], Pos{Start: s.off})
	}
	if r.BoundHits != 1 || len(rec.gaps) != 1 || rec.gaps[0] != (Range{0, 1000}) || r.Gaps[0].Reason != GapMemoryBound {
		t.Fatalf("bound: hits %d gaps %v", r.BoundHits, r.Gaps)
	}
	r.Close(5000)
	if !bytes.Equal(rec.data[1000:], src[1000:]) || budget.used.Load() != 0 {
		t.Fatalf("after the bound: %d bytes, budget in use %d", len(rec.data), budget.used.Load())
	}

	// The shared budget bounds two streams together.
	shared := &Budget{Max: 1500}
	a, b := NewReassembler(&recorder{t: t}, 0, shared), NewReassembler(&recorder{t: t}, 0, shared)
	a.Segment(1000, 1000, src[1000:2000], Pos{})
	b.Segment(1000, 1000, src[1000:2000], Pos{})
	if shared.Hits() != 1 || b.BoundHits != 1 || a.buffered != 1000 {
		t.Fatalf("shared budget: hits %d, b hits %d, a buffered %d", shared.Hits(), b.BoundHits, a.buffered)
	}
}

// FuzzReassembler offers arbitrary segments: the consumer's tiling checks
// must hold and every delivered byte must be the source's byte.
func FuzzReassembler(f *testing.F) {
	f.Add([]byte{0, 10, 20, 5, 0, 30, 255, 1, 3, 3}, uint16(100))
	f.Fuzz(func(t *testing.T, ops []byte, max uint16) {
		src := payload(1 << 12)
		rec := &recorder{t: t}
		r := NewReassembler(rec, int64(max), &Budget{Max: int64(max) * 2})
		for i := 0; i+2 < len(ops); i += 3 {
			off := int64(ops[i]) * 16
			n := int(ops[i+1]) + 1
			capped := min(int(off)+n, len(src))
			captured := src[off:capped]
			if ops[i+2]%4 == 0 {
				captured = captured[:len(captured)/2]
			}
			r.Segment(off, n, captured, Pos{Packet: i})
		}
		r.Close(0)
		for i, c := range rec.data {
			if c != '?' && c != src[i%len(src)] && i < len(src) {
				t.Fatalf("byte %d is %q, source %q", i, c, src[i])
			}
		}
	})
}

func TestTrim(t *testing.T) {
	for _, tc := range []struct {
		next, off int64
		data      string
		gap       int64
		rest      string
	}{
		{10, 10, "abc", 0, "abc"}, // in order
		{10, 14, "abc", 4, "abc"}, // a hole of 4 bytes before it
		{10, 8, "abcd", 0, "cd"},  // overlaps 2 bytes already taken
		{10, 5, "abc", 0, ""},     // all taken before
	} {
		gap, rest := Trim(tc.next, tc.off, []byte(tc.data))
		if gap != tc.gap || string(rest) != tc.rest {
			t.Errorf("Trim(%d, %d, %q) = %d, %q; want %d, %q", tc.next, tc.off, tc.data, gap, rest, tc.gap, tc.rest)
		}
	}
}
