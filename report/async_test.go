package report

import (
	"bytes"
	"errors"
	"io"
	"slices"
	"testing"
	"time"

	"github.com/segscope/segscope/analyze"
	"github.com/segscope/segscope/capture"
	"github.com/segscope/segscope/internal/synth"
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

// TestAsyncEncoders: with several encoders, JSON, CSV and jsonl written
// through Async are the bytes one goroutine writes, connections handed
// over in end order (not ID order) with some left out, and their
// warnings; an error stops the hand-over.
func TestAsyncEncoders(t *testing.T) {
	b, _, err := synth.Bytes(synth.Config{Connections: 3000, ReusedTuples: 500, ResponseBytes: 3000, Timestamps: true, RetransmitEvery: 5, SuperSegmentEvery: 4, Seed: 8})
	if err != nil {
		t.Fatal(err)
	}
	type ended struct {
		c  *analyze.Connection
		ws []analyze.Warning
	}
	var conns []ended
	a := analyze.New(analyze.Options{CloseGrace: time.Millisecond, Done: func(c *analyze.Connection, ws []analyze.Warning, _ int64) {
		conns = append(conns, ended{c, ws})
	}})
	src, _ := capture.NewReader("many", bytes.NewReader(b), int64(len(b)))
	if err := a.ReadAll(src); err != nil {
		t.Fatal(err)
	}
	res := a.Result()
	if len(conns) != 3000 {
		t.Fatalf("%d connections", len(conns))
	}
	// Connections end in any order, some with warnings.
	for i := 0; i+10 <= len(conns); i += 10 {
		slices.Reverse(conns[i : i+10])
	}
	for i := range conns {
		if i%5 == 0 {
			conns[i].ws = append(conns[i].ws, analyze.Warning{Conn: conns[i].c.ID, Dir: "server_to_client", Kind: analyze.WarnMissingBytes, N: int64(i)})
		}
	}
	for _, mk := range []func(io.Writer) ConnWriter{
		func(w io.Writer) ConnWriter { return NewAnalysisJSONStream(w) },
		func(w io.Writer) ConnWriter { return NewAnalysisCSVStream(w) },
		func(w io.Writer) ConnWriter { return NewAnalysisJSONL(w) },
	} {
		write := func(encoders int) string {
			var out bytes.Buffer
			w := mk(&out)
			as := newAsync(w, encoders)
			if (as.in != nil) != (encoders > 1) {
				t.Fatalf("%T with %d encoders: encoding apart %v", w, encoders, as.in != nil)
			}
			for _, e := range conns {
				if e.c.ID%7 == 3 {
					err = as.Skip(e.c.ID, 0)
				} else {
					err = as.Put(e.c, e.ws, 0)
				}
				if err != nil {
					t.Fatal(err)
				}
			}
			if err := as.Wait(); err != nil {
				t.Fatal(err)
			}
			if err := w.Close(res, nil); err != nil {
				t.Fatal(err)
			}
			return out.String()
		}
		one := write(1)
		if len(one) < 1<<20 {
			t.Fatalf("%T: %d bytes", mk(io.Discard), len(one))
		}
		for range 3 {
			if got := write(4); got != one {
				t.Fatalf("%T: four encoders differ from one: %d bytes against %d", mk(io.Discard), len(got), len(one))
			}
		}
	}

	// A writer that fails: the hand-over stops, Wait says why.
	w := NewAnalysisJSONL(failingWriter{})
	as := newAsync(w, 4)
	stopped := false
	for i := 0; i < 100000 && !stopped; i++ {
		stopped = as.Put(conns[i%len(conns)].c, nil, 0) != nil
	}
	if err := as.Wait(); !errors.Is(err, errFull) || !stopped {
		t.Errorf("after a failing write: Wait %v, hand-over stopped %v", err, stopped)
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errFull }
