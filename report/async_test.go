package report

import (
	"errors"
	"testing"

	"github.com/segscope/segscope/analyze"
)

// recWriter records what it was given, and fails from the connection
// failAt on.
type recWriter struct {
	ids    []int
	skips  []int
	firsts []int64
	first  func() int64
	failAt int
}

var errFull = errors.New("disk full")

func (w *recWriter) Conn(c *analyze.Connection, _ []analyze.Warning) error {
	if w.failAt > 0 && c.ID >= w.failAt {
		return errFull
	}
	w.ids = append(w.ids, c.ID)
	w.firsts = append(w.firsts, w.first())
	return nil
}
func (w *recWriter) Skip(id int) error                    { w.skips = append(w.skips, id); return nil }
func (w *recWriter) Close(*analyze.Result, []error) error { return nil }

// TestAsync: the writer gets the connections and skips in the order they
// were handed over, each with the first frame time of its hand-over; a
// writer's error stops the hand-over and is what Wait returns.
func TestAsync(t *testing.T) {
	w := &recWriter{}
	a := NewAsync(w)
	w.first = func() int64 { return a.First.Load() }
	for i := range 1000 {
		var err error
		if i%10 == 3 {
			err = a.Skip(i, int64(100+i))
		} else {
			err = a.Put(&analyze.Connection{ID: i}, nil, int64(100+i))
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := a.Wait(); err != nil {
		t.Fatal(err)
	}
	if len(w.ids) != 900 || len(w.skips) != 100 || w.ids[3] != 4 || w.skips[1] != 13 || w.firsts[3] != 104 {
		t.Errorf("%d conns (4th %d, first %d), %d skips (2nd %d)", len(w.ids), w.ids[3], w.firsts[3], len(w.skips), w.skips[1])
	}

	w = &recWriter{failAt: 5, first: func() int64 { return 0 }}
	a = NewAsync(w)
	stopped := false
	for i := range 100000 {
		if err := a.Put(&analyze.Connection{ID: i}, nil, 0); err != nil {
			stopped = true
			break
		}
	}
	if err := a.Wait(); !errors.Is(err, errFull) || !stopped || len(w.ids) != 5 {
		t.Errorf("after a failing write: Wait %v, hand-over stopped %v, %d written", err, stopped, len(w.ids))
	}
}
