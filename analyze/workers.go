package analyze

import (
	"hash/maphash"
	"slices"
	"sync"
)

// Flow-sharded analysis (Options.Workers > 1): the reading goroutine
// decodes every frame and hands each TCP segment, by a hash of its
// 4-tuple, to one of N workers; every worker tracks its own connections
// (and reassembles and parses them), so a connection's packets reach the
// same worker in capture order. Connections are numbered at the end in
// the order of their first packet, as one worker numbers them, and the
// result is finished as one worker finishes it: the output is the same,
// byte for byte (workers_test.go checks it on every capture in pcaps/).
//
// What could tell the two apart is ordered by hand: a key log block read
// from a pcapng file waits until the workers have analyzed every packet
// before it. The whole-capture reassembly bound is shared: when it is hit,
// which connection waits first can differ from one run to the next.
//
// Workers are not used when segments are kept per connection
// (KeepSegments, which is asked with the connection's ID) or when
// streaming (Done).

// segBatch carries decoded segments to a worker; their payload bytes are
// copied into buf, which the segments' data point into.
type segBatch struct {
	segs []shardSeg
	buf  []byte
	sync chan struct{} // non-nil: a barrier, closed once everything before is done
}

type shardSeg struct {
	p      decoded
	now    int64
	number int
	seq    int // global order of the packet, across sources
}

const (
	batchSegs  = 256
	batchBytes = 256 << 10
)

type shards struct {
	seed    maphash.Seed
	workers []*worker
	pending []*segBatch // the batch being filled, per worker
	free    chan *segBatch
	seq     int
	wg      sync.WaitGroup
}

type worker struct {
	a  *Analyzer
	in chan *segBatch
}

func (a *Analyzer) sharded() bool { return a.shards != nil }

// startShards starts n workers sharing a's limits (bounds, keys).
func (a *Analyzer) startShards(n int) {
	s := &shards{seed: maphash.MakeSeed(), free: make(chan *segBatch, 8*n)}
	for range n {
		w := &worker{a: &Analyzer{opts: a.opts, limits: a.limits, conns: map[Key]*Connection{}, inShard: true}, in: make(chan *segBatch, 4)}
		s.workers = append(s.workers, w)
		s.pending = append(s.pending, nil)
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			for b := range w.in {
				w.run(b, s.free)
			}
		}()
	}
	a.shards = s
}

func (w *worker) run(b *segBatch, free chan *segBatch) {
	if b.sync != nil {
		close(b.sync)
		return
	}
	for i := range b.segs {
		sg := &b.segs[i]
		w.a.seq = sg.seq
		w.a.track(&sg.p, sg.now, sg.number)
	}
	b.segs, b.buf = b.segs[:0], b.buf[:0]
	select {
	case free <- b:
	default:
	}
}

// dispatch hands a decoded segment to its connection's worker.
func (s *shards) dispatch(p *decoded, now int64, number int) {
	k := keyOf(p.src, p.dst)
	i := int(maphash.Comparable(s.seed, k) % uint64(len(s.workers)))
	b := s.pending[i]
	if b == nil {
		b = s.batch(len(p.data))
		s.pending[i] = b
	}
	s.seq++
	sg := shardSeg{p: *p, now: now, number: number, seq: s.seq}
	if len(p.data) > 0 {
		if len(b.buf)+len(p.data) > cap(b.buf) {
			// The payload would not fit: the batch goes as it is.
			s.send(i)
			b = s.batch(len(p.data))
			s.pending[i] = b
		}
		start := len(b.buf)
		b.buf = append(b.buf, p.data...)
		sg.p.data = b.buf[start:len(b.buf):len(b.buf)]
	}
	b.segs = append(b.segs, sg)
	if len(b.segs) == batchSegs {
		s.send(i)
	}
}

// batch returns an empty batch, a used one when the workers have handed
// one back, with room for at least n payload bytes.
func (s *shards) batch(n int) *segBatch {
	select {
	case b := <-s.free:
		if cap(b.buf) >= n {
			return b
		}
	default:
	}
	return &segBatch{segs: make([]shardSeg, 0, batchSegs), buf: make([]byte, 0, max(batchBytes, n))}
}

func (s *shards) send(i int) {
	if b := s.pending[i]; b != nil && len(b.segs) > 0 {
		s.workers[i].in <- b
		s.pending[i] = nil
	}
}

// barrier returns once every worker has analyzed every segment sent.
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

// stop waits for the workers and returns their connections, numbered in
// the order of their first packet.
func (s *shards) stop() []*Connection {
	for i, w := range s.workers {
		s.send(i)
		close(w.in)
	}
	s.wg.Wait()
	var all []*Connection
	for _, w := range s.workers {
		all = append(all, w.a.res.Connections...)
	}
	slices.SortFunc(all, func(x, y *Connection) int { return x.ID - y.ID })
	for i, c := range all {
		c.ID = i
	}
	return all
}
