package stream

import (
	"slices"
	"sync"
	"sync/atomic"
)

// Budget bounds the out-of-order bytes held by all reassemblers of one
// analysis together. It may be shared by reassemblers used from one
// goroutine or several.
type Budget struct {
	Max  int64 // 0 means no bound
	used atomic.Int64
	hits atomic.Int64
}

// Hits counts the times a reassembler gave up waiting for missing bytes
// because this budget was exhausted.
func (b *Budget) Hits() int64 { return b.hits.Load() }

func (b *Budget) take(n int64) bool {
	if b == nil {
		return true
	}
	for {
		used := b.used.Load()
		if b.Max > 0 && used+n > b.Max {
			b.hits.Add(1)
			return false
		}
		if b.used.CompareAndSwap(used, used+n) {
			return true
		}
	}
}

func (b *Budget) give(n int64) {
	if b != nil {
		b.used.Add(-n)
	}
}

// DefaultMaxBuffered is the default bound on out-of-order bytes held per
// direction.
const DefaultMaxBuffered = 4 << 20

// GapReason says why bytes were never delivered.
type GapReason uint8

const (
	GapNotCaptured GapReason = iota // the segment never appeared in the capture
	GapSnapLength                   // the segment was captured, its payload cut by the snap length
	GapMemoryBound                  // the bytes after it overflowed the reassembly bound
)

func (r GapReason) String() string {
	switch r {
	case GapSnapLength:
		return "cut by the snap length"
	case GapMemoryBound:
		return "skipped at the reassembly memory bound"
	}
	return "not captured"
}

// Gap is a range of the stream that was never delivered.
type Gap struct {
	Range
	Reason GapReason
}

// maxGapsKept bounds the gaps remembered by position per direction.
const maxGapsKept = 64

// Reassembler puts one direction's segments in stream order and delivers
// each byte once to its Consumer: retransmissions, duplicates and overlaps
// are trimmed, out-of-order segments wait (copied, within a bound) until
// the bytes before them arrive, and segments of any length are taken
// (super-segments from TSO/GRO included). In-order data, the common case,
// is passed on without copying.
type Reassembler struct {
	c        Consumer
	next     int64 // every byte below next was delivered or declared a gap
	pending  []held
	buffered int64
	max      int64
	budget   *Budget
	closed   bool

	// Gaps lists the first gaps; GapBytes and GapCount cover them all.
	Gaps      []Gap
	GapCount  int
	GapBytes  int64
	Delivered int64
	// BoundHits counts the times the memory bound forced a gap.
	BoundHits int
}

type held struct {
	off  int64
	n    int64  // length on the wire
	data []byte // captured bytes (a copy), len(data) <= n
	at   Pos
}

// NewReassembler delivers to c, holding at most maxBuffered out-of-order
// bytes (0 means DefaultMaxBuffered) and drawing them from budget (nil
// means no shared bound).
func NewReassembler(c Consumer, maxBuffered int64, budget *Budget) *Reassembler {
	if maxBuffered <= 0 {
		maxBuffered = DefaultMaxBuffered
	}
	return &Reassembler{c: c, max: maxBuffered, budget: budget}
}

// Next is the offset of the first byte not yet delivered.
func (r *Reassembler) Next() int64 { return r.next }

// Segment offers one segment: n bytes on the wire at off, of which data
// holds the captured ones (fewer with a snap length). data is not kept
// after the call.
func (r *Reassembler) Segment(off int64, n int, data []byte, at Pos) {
	if r.closed || n <= 0 {
		return
	}
	end := off + int64(n)
	if end <= r.next {
		return // every byte was delivered before: a retransmission
	}
	if len(data) > n {
		data = data[:n]
	}
	if off > r.next {
		r.hold(off, int64(n), data, at)
		return
	}
	r.deliver(off, int64(n), data, at)
	r.drain()
}

// deliver passes [off, off+n) on, trimming what was delivered already; the
// part beyond the captured bytes is a snap-length gap.
func (r *Reassembler) deliver(off, n int64, data []byte, at Pos) {
	if skip := r.next - off; skip > 0 {
		if skip >= int64(len(data)) {
			data = nil
		} else {
			data = data[skip:]
		}
		off, n = r.next, n-skip
	}
	if len(data) > 0 {
		r.c.Data(off, data, at)
		r.Delivered += int64(len(data))
	}
	if rest := n - int64(len(data)); rest > 0 {
		r.gap(off+int64(len(data)), rest, GapSnapLength, at)
	}
	r.next = off + n
}

func (r *Reassembler) gap(off, n int64, why GapReason, at Pos) {
	r.c.Gap(off, n, at)
	r.GapCount++
	r.GapBytes += n
	if len(r.Gaps) < maxGapsKept {
		r.Gaps = append(r.Gaps, Gap{Range{off, off + n}, why})
	}
}

// hold keeps an out-of-order segment until the bytes before it arrive. At
// the bound, the reassembler stops waiting: what is missing before the
// first held segment becomes a gap and delivery goes on from there.
func (r *Reassembler) hold(off, n int64, data []byte, at Pos) {
	size := int64(len(data))
	for r.buffered+size > r.max || !r.budget.take(size) {
		if len(r.pending) == 0 {
			// Nothing to give up but this segment's wait.
			r.BoundHits++
			r.gap(r.next, off-r.next, GapMemoryBound, at)
			r.next = off
			r.deliver(off, n, data, at)
			r.drain()
			return
		}
		r.BoundHits++
		first := r.pending[0]
		r.gap(r.next, first.off-r.next, GapMemoryBound, first.at)
		r.next = first.off
		r.drain()
		if off+n <= r.next {
			return
		}
		if off <= r.next {
			r.deliver(off, n, data, at)
			r.drain()
			return
		}
	}
	h := held{off: off, n: n, data: heldCopy(data), at: at}
	i, _ := slices.BinarySearchFunc(r.pending, off, func(h held, off int64) int {
		switch {
		case h.off < off:
			return -1
		case h.off > off:
			return 1
		}
		return 0
	})
	r.pending = slices.Insert(r.pending, i, h)
	r.buffered += size
}

// drain delivers held segments that have become contiguous.
func (r *Reassembler) drain() {
	for len(r.pending) > 0 && r.pending[0].off <= r.next {
		h := r.pending[0]
		r.pending[0].data = nil
		r.pending = r.pending[1:]
		r.release(h)
		if h.off+h.n > r.next {
			r.deliver(h.off, h.n, h.data, h.at)
		}
		recycle(h.data)
	}
	if len(r.pending) == 0 {
		r.pending = nil
	}
}

func (r *Reassembler) release(h held) {
	r.buffered -= int64(len(h.data))
	r.budget.give(int64(len(h.data)))
}

// heldBufs recycles the copies of held segments up to a full-sized
// Ethernet payload: a bulk transfer with losses holds thousands of them
// (10 000 on real-1500, 14 MB), and allocating each was nearly all of a
// capture's garbage, collected again and again. (data is only valid
// during Data: nothing keeps a held copy once it was delivered.)
var heldBufs = sync.Pool{New: func() any { return new([heldBufSize]byte) }}

const heldBufSize = 2048

func heldCopy(data []byte) []byte {
	if len(data) == 0 {
		return nil
	}
	if len(data) > heldBufSize {
		return append([]byte(nil), data...)
	}
	b := heldBufs.Get().(*[heldBufSize]byte)
	return append(b[:0], data...)
}

// recycle hands a delivered held copy back.
func recycle(data []byte) {
	if cap(data) == heldBufSize {
		heldBufs.Put((*[heldBufSize]byte)(data[:heldBufSize]))
	}
}

// Close ends the stream: bytes still missing before held segments become
// gaps, held segments are delivered, and the Consumer gets End at the
// offset after the last byte (or at end, when larger: a FIN past a gap).
func (r *Reassembler) Close(end int64) {
	if r.closed {
		return
	}
	for len(r.pending) > 0 {
		first := r.pending[0]
		if first.off > r.next {
			r.gap(r.next, first.off-r.next, GapNotCaptured, first.at)
			r.next = first.off
		}
		r.drain()
	}
	if end > r.next {
		r.gap(r.next, end-r.next, GapNotCaptured, Pos{})
		r.next = end
	}
	r.closed = true
	r.c.End(r.next)
}

// Closed tells whether Close was called.
func (r *Reassembler) Closed() bool { return r.closed }
