package report

import (
	"fmt"
	"os"
)

// reorder writes records in connection-ID order although connections end
// in any order: a finished connection's bytes wait here until every lower
// ID has been written or skipped. It holds bytes, not connections (a
// connection's state is many times its JSON), and past spillAt bytes it
// moves what waits to a temporary file, so one connection that lives for
// the whole capture cannot hold the rest of the output in memory.
type reorder struct {
	emit    func(b []byte) error // writes one record
	next    int                  // the lowest ID not yet written or skipped
	held    map[int]heldRec
	mem     int // bytes held in memory
	spillAt int
	spill   *os.File
	end     int64 // spill's length
	buf     []byte
}

// heldRec is one waiting record: in memory (b), in the spill file (n
// bytes at off), or nothing (a skipped connection).
type heldRec struct {
	b   []byte
	off int64
	n   int
}

// defaultSpillAt bounds the bytes held in memory.
const defaultSpillAt = 16 << 20

func newReorder(emit func(b []byte) error) reorder {
	return reorder{emit: emit, held: map[int]heldRec{}, spillAt: defaultSpillAt}
}

// put gives the record of connection id (nil: the connection is not in
// the output), writing it and whatever waited for it when its turn has
// come.
func (r *reorder) put(id int, b []byte) error {
	if id == r.next {
		if b != nil {
			if err := r.emit(b); err != nil {
				return err
			}
		}
		r.next++
		return r.drain()
	}
	if id < r.next {
		return fmt.Errorf("report: connection %d ended twice", id)
	}
	if b == nil {
		r.held[id] = heldRec{}
		return nil
	}
	if r.mem+len(b) <= r.spillAt {
		r.held[id] = heldRec{b: append([]byte(nil), b...), n: len(b)}
		r.mem += len(b)
		return nil
	}
	if r.spill == nil {
		f, err := os.CreateTemp("", "segscope-reorder-*")
		if err != nil {
			return fmt.Errorf("holding output until earlier connections end: %w", err)
		}
		os.Remove(f.Name()) // gone when closed, whatever happens
		r.spill = f
	}
	if _, err := r.spill.WriteAt(b, r.end); err != nil {
		return fmt.Errorf("holding output until earlier connections end: %w", err)
	}
	r.held[id] = heldRec{off: r.end, n: len(b)}
	r.end += int64(len(b))
	return nil
}

// drain writes the waiting records that are next in order.
func (r *reorder) drain() error {
	for {
		h, ok := r.held[r.next]
		if !ok {
			return nil
		}
		delete(r.held, r.next)
		r.next++
		if h.n == 0 {
			continue // skipped
		}
		b := h.b
		if b == nil {
			if cap(r.buf) < h.n {
				r.buf = make([]byte, h.n)
			}
			b = r.buf[:h.n]
			if _, err := r.spill.ReadAt(b, h.off); err != nil {
				return fmt.Errorf("reading back held output: %w", err)
			}
		} else {
			r.mem -= len(b)
		}
		if err := r.emit(b); err != nil {
			return err
		}
	}
}

// flush writes what still waits, in ID order (at the end of the capture
// every connection has ended, so nothing should), and drops the spill
// file.
func (r *reorder) flush() error {
	defer func() {
		if r.spill != nil {
			r.spill.Close()
			r.spill = nil
		}
	}()
	for len(r.held) > 0 {
		lowest := -1
		for id := range r.held {
			if lowest < 0 || id < lowest {
				lowest = id
			}
		}
		r.next = lowest
		if err := r.drain(); err != nil {
			return err
		}
	}
	return nil
}
