package stream

import "sort"

// Bytes is a copy of the bytes of one stream that were captured, at their
// offsets: what a Consumer was handed, with the gaps left out. It is what
// lets a trace's logged bytes be found on a connection (package explain);
// a walker never needs it.
//
// The zero value is empty and ready to use. Data calls must come in
// stream order (as a Consumer's do); a call that would exceed the limit
// is dropped and the copy marked Truncated from there on.
type Bytes struct {
	runs []run
	size int64
	// Limit bounds the bytes kept (0: no bound).
	Limit int64
	// Truncated: the limit stopped the copy at TruncatedAt.
	Truncated   bool
	TruncatedAt int64
}

// run is one stretch of contiguous captured bytes.
type run struct {
	off int64
	b   []byte
}

func (r run) end() int64 { return r.off + int64(len(r.b)) }

// Data copies data at off. Bytes before the end of what is held are
// dropped (a consumer's calls tile the stream, so there are none).
func (x *Bytes) Data(off int64, data []byte) {
	if x.Truncated || len(data) == 0 {
		return
	}
	if n := len(x.runs); n > 0 {
		last := &x.runs[n-1]
		if off < last.end() {
			skip := last.end() - off
			if skip >= int64(len(data)) {
				return
			}
			off, data = off+skip, data[skip:]
		}
	}
	if x.Limit > 0 && x.size+int64(len(data)) > x.Limit {
		x.Truncated, x.TruncatedAt = true, off
		return
	}
	x.size += int64(len(data))
	if n := len(x.runs); n > 0 && x.runs[n-1].end() == off {
		x.runs[n-1].b = append(x.runs[n-1].b, data...)
		return
	}
	x.runs = append(x.runs, run{off: off, b: append(make([]byte, 0, max(len(data), 4096)), data...)})
}

// Len is the number of bytes held.
func (x *Bytes) Len() int64 { return x.size }

// End is the offset just past the last byte held (0 when empty).
func (x *Bytes) End() int64 {
	if len(x.runs) == 0 {
		return 0
	}
	return x.runs[len(x.runs)-1].end()
}

// At returns the bytes of r when all of them were captured; the slice
// aliases the copy and must not be changed.
func (x *Bytes) At(r Range) ([]byte, bool) {
	if r.Len() <= 0 {
		return nil, r.Len() == 0
	}
	i := x.runOf(r.Start)
	if i < 0 || x.runs[i].end() < r.End {
		return nil, false
	}
	s := x.runs[i]
	return s.b[r.Start-s.off : r.End-s.off], true
}

// From returns the captured bytes that follow off without a gap (nil when
// the byte at off was not captured).
func (x *Bytes) From(off int64) []byte {
	i := x.runOf(off)
	if i < 0 {
		return nil
	}
	s := x.runs[i]
	return s.b[off-s.off:]
}

// Next returns the offset of the first captured byte at or after off, and
// false when there is none.
func (x *Bytes) Next(off int64) (int64, bool) {
	i := x.firstEndingAfter(off)
	if i == len(x.runs) {
		return 0, false
	}
	return max(off, x.runs[i].off), true
}

// Captured tells whether every byte of r was captured.
func (x *Bytes) Captured(r Range) bool {
	_, ok := x.At(r)
	return ok
}

// runOf is the index of the run holding the byte at off, -1 when none.
func (x *Bytes) runOf(off int64) int {
	i := x.firstEndingAfter(off)
	if i == len(x.runs) || x.runs[i].off > off {
		return -1
	}
	return i
}

// firstEndingAfter is the index of the first run that ends after off
// (len(x.runs) when none): the run holding off, or the next one.
func (x *Bytes) firstEndingAfter(off int64) int {
	return sort.Search(len(x.runs), func(i int) bool { return x.runs[i].end() > off })
}
