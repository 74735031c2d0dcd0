package report

import (
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/segscope/segscope/analyze"
	"github.com/segscope/segscope/internal/inorder"
)

// Async runs a ConnWriter on a goroutine of its own, so encoding the
// output (JSON, CSV, Parquet: up to half of a run over many short
// connections) overlaps the analysis on another core. The analysis hands
// each ended connection over with Put, which waits only when the writer
// is asyncDepth connections behind; the analyzer forgets a connection
// once it is handed over, so the writer may read it freely.
//
// A writer whose encoding of a connection stands alone (an encodingWriter:
// JSON, CSV, jsonl) encodes on several goroutines at once, and what they
// encoded is written in the order it was handed over: the output is the
// same bytes.
type Async struct {
	w    ConnWriter
	ch   chan asyncItem // to the writing goroutine
	done chan struct{}
	err  error // the writer's first error; read after done is closed
	bad  atomic.Bool
	// First is the capture's first frame time as it was when the
	// connection being written was handed over (writers that give times
	// relative to it read it through their first func).
	First atomic.Int64

	// Encoding on several goroutines: Put numbers the items and hands
	// them to the encoders (in); the writing goroutine takes them back
	// in that order.
	ew      encodingWriter
	in      chan asyncItem
	seq     int
	encoded sync.WaitGroup
	bufs    sync.Pool
}

type asyncItem struct {
	c     *analyze.Connection
	ws    []analyze.Warning
	first int64
	skip  bool // c is left out: only its ID counts
	id    int
	seq   int
	b     *[]byte // what an encoder made of c
}

// encodingWriter is a ConnWriter whose work on one connection splits in
// two: encoding it, which may run on several goroutines at once (each
// with its own encoder), and writing what was encoded, in the order the
// connections were handed over, which Conn does after its own encoding.
type encodingWriter interface {
	ConnWriter
	encoder() connEncoder
	putEncoded(c *analyze.Connection, ws []analyze.Warning, b []byte) error
}

// connEncoder appends the encoding of one connection to dst.
type connEncoder func(dst []byte, c *analyze.Connection, ws []analyze.Warning) []byte

// asyncDepth bounds the connections waiting for the writer.
const asyncDepth = 256

// maxEncoders bounds the goroutines that encode: past a few, the one
// that writes in order is the bound.
const maxEncoders = 8

// NewAsync starts the writer's goroutine, and the encoders' (one per CPU)
// when w's encoding stands alone.
func NewAsync(w ConnWriter) *Async {
	return newAsync(w, min(runtime.GOMAXPROCS(0), maxEncoders))
}

func newAsync(w ConnWriter, encoders int) *Async {
	a := &Async{w: w, ch: make(chan asyncItem, asyncDepth), done: make(chan struct{})}
	if ew, ok := w.(encodingWriter); ok && encoders > 1 {
		a.ew = ew
		a.in = make(chan asyncItem, asyncDepth)
		a.bufs.New = func() any { return new([]byte) }
		for range encoders {
			a.encoded.Add(1)
			go a.encode(ew.encoder())
		}
		go func() {
			a.encoded.Wait()
			close(a.ch)
		}()
		go a.runInOrder()
		return a
	}
	go a.run()
	return a
}

func (a *Async) run() {
	defer close(a.done)
	for it := range a.ch {
		a.write(it)
	}
}

// write writes one item, unless the writer has failed.
func (a *Async) write(it asyncItem) {
	if a.err != nil {
		return // drain: Put says so, and the caller stops the analysis
	}
	a.First.Store(it.first)
	switch {
	case it.skip:
		if skipper, ok := a.w.(interface{ Skip(id int) error }); ok {
			a.err = skipper.Skip(it.id)
		}
	case it.b != nil:
		a.err = a.ew.putEncoded(it.c, it.ws, *it.b)
		*it.b = (*it.b)[:0]
		a.bufs.Put(it.b)
	default:
		a.err = a.w.Conn(it.c, it.ws)
	}
	if a.err != nil {
		a.bad.Store(true)
	}
}

// encode is one encoder's goroutine.
func (a *Async) encode(enc connEncoder) {
	defer a.encoded.Done()
	for it := range a.in {
		if !it.skip && !a.bad.Load() {
			it.b = a.bufs.Get().(*[]byte)
			*it.b = enc(*it.b, it.c, it.ws)
		}
		a.ch <- it
	}
}

// runInOrder writes what the encoders made in the order it was handed
// over: an item waits here until every earlier one has been written.
func (a *Async) runInOrder() {
	defer close(a.done)
	var q inorder.Queue[asyncItem]
	for it := range a.ch {
		q.Put(it.seq, it, a.write) // not encoded only once the writer failed
	}
}

// put hands an item to the encoders, or straight to the writer.
func (a *Async) put(it asyncItem) error {
	if a.bad.Load() {
		return errAsyncFailed
	}
	if a.in != nil {
		it.seq = a.seq
		a.seq++
		a.in <- it
		return nil
	}
	a.ch <- it
	return nil
}

// Put hands over an ended connection; first is the capture's first frame
// time now. It returns an error once the writer has failed.
func (a *Async) Put(c *analyze.Connection, ws []analyze.Warning, first int64) error {
	return a.put(asyncItem{c: c, ws: ws, first: first})
}

// Skip hands over the ID of a connection the output leaves out.
func (a *Async) Skip(id int, first int64) error {
	return a.put(asyncItem{skip: true, id: id, first: first})
}

// Wait lets the writer finish what was handed over and returns its first
// error; the writer may then be closed on the caller's goroutine.
func (a *Async) Wait() error {
	if a.in != nil {
		close(a.in)
	} else {
		close(a.ch)
	}
	<-a.done
	return a.err
}

type asyncError struct{}

func (asyncError) Error() string { return "the output could not be written" }

// errAsyncFailed stops the analysis; Wait returns the writer's own error.
var errAsyncFailed error = asyncError{}
