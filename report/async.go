package report

import (
	"sync/atomic"

	"github.com/segscope/segscope/analyze"
)

// Async runs a ConnWriter on a goroutine of its own, so encoding the
// output (JSON, CSV, Parquet: up to half of a run over many short
// connections) overlaps the analysis on another core. The analysis hands
// each ended connection over with Put, which waits only when the writer
// is asyncDepth connections behind; the analyzer forgets a connection
// once it is handed over, so the writer may read it freely.
type Async struct {
	w    ConnWriter
	ch   chan asyncItem
	done chan struct{}
	err  error // the writer's first error; read after done is closed
	bad  atomic.Bool
	// First is the capture's first frame time as it was when the
	// connection being written was handed over (writers that give times
	// relative to it read it through their first func).
	First atomic.Int64
}

type asyncItem struct {
	c     *analyze.Connection
	ws    []analyze.Warning
	first int64
	skip  bool // c is left out: only its ID counts
	id    int
}

// asyncDepth bounds the connections waiting for the writer.
const asyncDepth = 256

// NewAsync starts the writer's goroutine.
func NewAsync(w ConnWriter) *Async {
	a := &Async{w: w, ch: make(chan asyncItem, asyncDepth), done: make(chan struct{})}
	go a.run()
	return a
}

func (a *Async) run() {
	defer close(a.done)
	skipper, _ := a.w.(interface{ Skip(id int) error })
	for it := range a.ch {
		if a.err != nil {
			continue // drain: the analysis stops at its next Put
		}
		a.First.Store(it.first)
		if it.skip {
			if skipper != nil {
				a.err = skipper.Skip(it.id)
			}
		} else {
			a.err = a.w.Conn(it.c, it.ws)
		}
		if a.err != nil {
			a.bad.Store(true)
		}
	}
}

// Put hands over an ended connection; first is the capture's first frame
// time now. It returns an error once the writer has failed.
func (a *Async) Put(c *analyze.Connection, ws []analyze.Warning, first int64) error {
	if a.bad.Load() {
		return errAsyncFailed
	}
	a.ch <- asyncItem{c: c, ws: ws, first: first}
	return nil
}

// Skip hands over the ID of a connection the output leaves out.
func (a *Async) Skip(id int, first int64) error {
	if a.bad.Load() {
		return errAsyncFailed
	}
	a.ch <- asyncItem{skip: true, id: id, first: first}
	return nil
}

// Wait lets the writer finish what was handed over and returns its first
// error; the writer may then be closed on the caller's goroutine.
func (a *Async) Wait() error {
	close(a.ch)
	<-a.done
	return a.err
}

type asyncError struct{}

func (asyncError) Error() string { return "the output could not be written" }

// errAsyncFailed stops the analysis; Wait returns the writer's own error.
var errAsyncFailed error = asyncError{}
