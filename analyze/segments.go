package analyze

import "iter"

// segBlock is how many segments one block of a Segments holds.
const (
	segBlockShift = 12
	segBlock      = 1 << segBlockShift
)

// Segments is a connection's segments in capture order. It grows by
// blocks that are never copied: one slice doubling to hold a million
// segments spent a sixth of a Parquet run copying and faulting in its
// copies, and held half again as much memory.
type Segments struct {
	blocks [][]Segment
	n      int
}

// SegmentsOf returns the segments given, in that order.
func SegmentsOf(segs ...Segment) Segments {
	var s Segments
	for _, g := range segs {
		s.Append(g)
	}
	return s
}

// Len is the number of segments.
func (s *Segments) Len() int { return s.n }

// At returns the i-th segment, to read or change in place.
func (s *Segments) At(i int) *Segment { return &s.blocks[i>>segBlockShift][i&(segBlock-1)] }

// Last returns the last segment; nil when there is none.
func (s *Segments) Last() *Segment {
	if s.n == 0 {
		return nil
	}
	return s.At(s.n - 1)
}

// Append adds a segment at the end.
func (s *Segments) Append(g Segment) {
	if len(s.blocks) == 0 || len(s.blocks[len(s.blocks)-1]) == segBlock {
		var b []Segment
		if len(s.blocks) > 0 {
			// The first block grows as a slice does (most connections
			// have a few segments); the others start whole.
			b = make([]Segment, 0, segBlock)
		}
		s.blocks = append(s.blocks, b)
	}
	last := &s.blocks[len(s.blocks)-1]
	*last = append(*last, g)
	s.n++
}

// All yields every segment with its index, in capture order.
func (s *Segments) All() iter.Seq2[int, Segment] {
	return func(yield func(int, Segment) bool) {
		i := 0
		for _, b := range s.blocks {
			for _, g := range b {
				if !yield(i, g) {
					return
				}
				i++
			}
		}
	}
}

// Slice returns the segments as one slice (a copy).
func (s *Segments) Slice() []Segment {
	out := make([]Segment, 0, s.n)
	for _, b := range s.blocks {
		out = append(out, b...)
	}
	return out
}

// OnlyDir keeps the segments sent in one direction.
func (s *Segments) OnlyDir(d Dir) {
	var out Segments
	for _, g := range s.All() {
		if g.Dir == d {
			out.Append(g)
		}
	}
	*s = out
}
