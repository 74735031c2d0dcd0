package analyze

import (
	"sync"

	"github.com/segscope/segscope/internal/inorder"
)

// Flow-sharded analysis (Options.Workers > 1): the reading goroutine
// decodes every frame and routes it (route.go): what is global, the flow
// table, connection IDs, the capture clock, the live lists and when each
// connection ends, is decided there exactly as one analyzer decides it.
// Each connection is tracked (reassembled, parsed) on one of N shards, by
// its share of the reassembly bound (a hash of its 4-tuple), so its
// packets reach that shard in capture order.
// The router's decisions about a connection travel on the same queue as
// its packets ("close its reassembly", "it ended"), at the point of the
// capture where they were taken, so a shard acts on them where one
// analyzer would.
//
// Streaming, a shard finishes an ended connection and hands it to a
// collector goroutine, which calls Options.Done in the order the router
// ended them: the order, and so the output, is the one analyzer's, byte
// for byte (shards_test.go checks it on every capture in pcaps/).
//
// What could tell the two apart is ordered by hand: a key log block read
// from a pcapng file waits until the shards have tracked every packet
// before it; the whole-capture reassembly bound is split in shares by
// flow, and a share's connections are all on one shard (app.go's
// BudgetShares), so they meet its bound in capture order.
//
// Shards are not used when bytes are kept per connection (KeepBytes):
// that is asked about each connection from the tracking, and those who
// keep them (explain) keep every byte of a few connections. KeepSegments
// is asked by the router, when the connection starts.

// opKind is what a shard is asked to do with a connection.
type opKind uint8

const (
	opPacket   opKind = iota // track the packet
	opCloseApp               // end its reassembly: a new SYN reused its 4-tuple
	opEnd                    // finish it and hand it over: it ended
)

// shardOp is one thing for a shard to do, in capture order.
type shardOp struct {
	c    *Connection
	kind opKind
	p    decoded // opPacket: the packet; its data point into the batch
	// now is the packet's time, or for opEnd the capture's first frame
	// time when the connection ended; number is the packet's number, or
	// for opEnd the order in which the router ended it.
	now    int64
	number int
}

// segBatch carries ops to a shard; packets' payload bytes are copied
// into buf.
type segBatch struct {
	ops  []shardOp
	buf  []byte
	ends int           // opEnd among ops
	sync chan struct{} // non-nil: a barrier, closed once everything before is done
}

const (
	batchOps   = 256
	batchBytes = 256 << 10
	// maxUnsentEnds bounds the ended connections waiting in batches not
	// yet sent: the collector holds every later one until they come, so a
	// shard that gets few packets must not keep one back for long.
	maxUnsentEnds = 64
)

// ended is a connection a shard finished, for the collector.
type ended struct {
	c     *Connection
	ws    []Warning
	first int64
	order int
}

type shards struct {
	workers []*worker
	pending []*segBatch // the batch being filled, per shard
	free    chan *segBatch
	wg      sync.WaitGroup

	// Streaming: ended connections go to the collector, which hands
	// them to done in the order they ended.
	ends       chan ended
	collected  sync.WaitGroup
	nextEnd    int
	unsentEnds int
}

type worker struct {
	a  *Analyzer
	in chan *segBatch
}

// startShards starts n shards sharing a's limits (bounds, keys). A
// connection's shard is its share of the reassembly bound's, so there is
// work for at most BudgetShares.
func (a *Analyzer) startShards(n int) {
	n = min(n, BudgetShares)
	s := &shards{free: make(chan *segBatch, 8*n)}
	if a.streaming() {
		s.ends = make(chan ended, 4*batchOps)
		s.collected.Add(1)
		go s.collect(a.opts.Done)
	}
	for range n {
		w := &worker{a: &Analyzer{opts: a.opts, limits: a.limits}, in: make(chan *segBatch, 4)}
		s.workers = append(s.workers, w)
		s.pending = append(s.pending, nil)
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			for b := range w.in {
				s.run(w, b)
			}
		}()
	}
	a.shards = s
}

func (s *shards) run(w *worker, b *segBatch) {
	if b.sync != nil {
		close(b.sync)
		return
	}
	for i := range b.ops {
		op := &b.ops[i]
		c := op.c
		switch op.kind {
		case opPacket:
			dir := ClientToServer
			if op.p.src != c.Client {
				dir = ServerToClient
			}
			w.a.track(c, dir, &op.p, op.now, op.number)
		case opCloseApp:
			c.closeApp()
		case opEnd:
			s.ends <- ended{c: c, ws: finished(c), first: op.now, order: op.number}
		}
		*op = shardOp{} // the batch is reused: let the connection go
	}
	b.ops, b.buf, b.ends = b.ops[:0], b.buf[:0], 0
	select {
	case s.free <- b:
	default:
	}
}

// collect calls done with the ended connections in the order they ended.
func (s *shards) collect(done func(*Connection, []Warning, int64)) {
	defer s.collected.Done()
	var q inorder.Queue[ended]
	emit := func(e ended) { done(e.c, e.ws, e.first) }
	for e := range s.ends {
		q.Put(e.order, e, emit)
	}
}

// op queues an op for c's shard: p (nil but for opPacket) is copied.
func (s *shards) op(c *Connection, kind opKind, p *decoded, now int64, number int) {
	i := int(c.r.shard)
	n := 0
	if p != nil {
		n = len(p.data)
	}
	b := s.pending[i]
	if b == nil || len(b.buf)+n > cap(b.buf) {
		// The payload would not fit: the batch goes as it is.
		s.send(i)
		b = s.batch(n)
		s.pending[i] = b
	}
	op := shardOp{c: c, kind: kind, now: now, number: number}
	if p != nil {
		op.p = *p
		if n > 0 {
			start := len(b.buf)
			b.buf = append(b.buf, p.data...)
			op.p.data = b.buf[start:len(b.buf):len(b.buf)]
		}
	}
	if kind == opEnd {
		op.number = s.nextEnd
		s.nextEnd++
		b.ends++
		s.unsentEnds++
	}
	b.ops = append(b.ops, op)
	if len(b.ops) == batchOps {
		s.send(i)
	}
	if s.unsentEnds >= maxUnsentEnds {
		for j, b := range s.pending {
			if b != nil && b.ends > 0 {
				s.send(j)
			}
		}
	}
}

// batch returns an empty batch, a used one when the shards have handed
// one back, with room for at least n payload bytes.
func (s *shards) batch(n int) *segBatch {
	select {
	case b := <-s.free:
		if cap(b.buf) >= n {
			return b
		}
	default:
	}
	return &segBatch{ops: make([]shardOp, 0, batchOps), buf: make([]byte, 0, max(batchBytes, n))}
}

func (s *shards) send(i int) {
	if b := s.pending[i]; b != nil && len(b.ops) > 0 {
		s.unsentEnds -= b.ends
		s.workers[i].in <- b
		s.pending[i] = nil
	}
}

// barrier returns once every shard has done every op sent.
func (s *shards) barrier() {
	var waits []chan struct{}
	for i, w := range s.workers {
		s.send(i)
		c := make(chan struct{})
		w.in <- &segBatch{sync: c}
		waits = append(waits, c)
	}
	for _, c := range waits {
		<-c
	}
}

// stop waits for the shards, and the collector, to be done.
func (s *shards) stop() {
	for i, w := range s.workers {
		s.send(i)
		close(w.in)
	}
	s.wg.Wait()
	if s.ends != nil {
		close(s.ends)
		s.collected.Wait()
	}
}
