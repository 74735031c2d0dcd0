package analyze

import (
	"slices"
	"time"
)

// Streaming (Options.Done): a connection is handed over and forgotten as
// soon as no more packets are expected for it, so memory is bounded by the
// connections live at once, not by every connection ever seen.
//
// Time is capture time (the latest frame timestamp seen), never the wall
// clock, so the same capture always streams the same way. A connection
// ends:
//   - when a FIN each way was acknowledged each way: nothing more is due
//     on it. It is handed over then, and a tomb holds its 4-tuple for
//     CloseGrace, so that a packet still coming (a FIN resent because the
//     last ACK was lost past the capture point) is counted as late
//     (Result.Late, WarnLate), not taken for a new connection (nor listed
//     in its Segments). Not with Options.HoldClosed, nor in a capture of
//     several interfaces or with copies (their copies of the last ACK
//     come after it);
//   - CloseGrace after it closed otherwise (a FIN each way, or a RST):
//     the last ACK and a retransmitted FIN still count for it (Zeek's
//     tcp_close_delay);
//   - after IdleTimeout without a packet (Zeek's tcp_inactivity_timeout);
//   - when a new SYN reuses its 4-tuple;
//   - early, when MaxLive connections are live and it is the least
//     recently active (a SYN flood's half-open connections): the bound
//     hit, counted in Result.Evicted;
//   - at the end of the capture, in ID order.

// Defaults of the streaming bounds in Options.
const (
	DefaultIdleTimeout = 5 * time.Minute
	// DefaultCloseGrace covers the last ACK and a FIN resent up to three
	// times from a 200 ms RTO; memory holds rate x grace closed
	// connections (5 s, Zeek's tcp_close_delay, held 11 000 and 61 MiB at
	// 2 000 connections a second), but for those closed cleanly, of which
	// only a tomb is held.
	DefaultCloseGrace = 2 * time.Second
	// DefaultMaxLive bounds the live connections: one costs about 1.3 KB
	// of heap with its map entry and the collector's headroom (a SYN
	// flood's half-open ones; more with reassembly under way), so 100 000
	// of them take about 130 MiB.
	DefaultMaxLive = 100000
	// DefaultStreamingMaxBufferedTotal is the out-of-order bytes held for
	// the whole capture that commands suggest when streaming, in place of
	// DefaultMaxBufferedTotal: a flood of segments out of any window, or
	// of gaps across thousands of connections, would otherwise hold 256
	// MiB that streaming promises not to need.
	DefaultStreamingMaxBufferedTotal = 32 << 20
)

// liveLists orders the live connections: active ones by their last
// packet (least recent first), closed ones by when they closed.
type liveLists struct {
	active, closing connList
	n               int
}

// connList is an intrusive doubly linked list through routeState.prev/next.
type connList struct{ head, tail *Connection }

func (l *connList) pushBack(c *Connection) {
	c.r.prev, c.r.next = l.tail, nil
	if l.tail != nil {
		l.tail.r.next = c
	} else {
		l.head = c
	}
	l.tail = c
}

func (l *connList) remove(c *Connection) {
	if c.r.prev != nil {
		c.r.prev.r.next = c.r.next
	} else {
		l.head = c.r.next
	}
	if c.r.next != nil {
		c.r.next.r.prev = c.r.prev
	} else {
		l.tail = c.r.prev
	}
	c.r.prev, c.r.next = nil, nil
}

func (a *Analyzer) streaming() bool { return a.opts.Done != nil }

// touch moves c after a packet of it: to the back of the active list, or
// onto the closing list once it has closed; then ends what has expired.
func (a *Analyzer) touch(c *Connection, flags uint8, now int64) {
	if c.r.closedAt == 0 {
		if flags&flagRST != 0 || (c.r.fin[0] && c.r.fin[1]) {
			a.live.active.remove(c)
			c.r.closedAt = max(now, 1)
			a.live.closing.pushBack(c)
		} else if a.live.active.tail != c {
			a.live.active.remove(c)
			a.live.active.pushBack(c)
		}
	}
	if c.r.closedDone() && !a.opts.HoldClosed && !a.multi && a.dups == nil {
		a.bury(c)
	}
	// route expired what the packet's time ends before it looked c up;
	// only the bound on live connections can have been passed since (a
	// new one). (Expiring in full twice a packet was 2.4% of a bulk read.)
	a.evictOverBound()
	a.res.MaxLiveSeen = max(a.res.MaxLiveSeen, a.live.n)
}

// expire ends the connections past their grace or idle time, then the
// least recently active ones while too many are live.
func (a *Analyzer) expire(now int64) {
	grace, idle := int64(a.opts.CloseGrace), int64(a.opts.IdleTimeout)
	for c := a.live.closing.head; c != nil && now-c.r.closedAt > grace; c = a.live.closing.head {
		a.emit(c)
	}
	for len(a.tombs.queue) > a.tombs.head && now-a.tombs.queue[a.tombs.head].at > grace {
		a.tombs.pop()
	}
	for c := a.live.active.head; c != nil && now-c.r.last > idle; c = a.live.active.head {
		a.res.IdleEnded++
		a.emit(c)
	}
	a.evictOverBound()
}

// evictOverBound ends the least recently active connections (closed
// ones first) while too many are live.
func (a *Analyzer) evictOverBound() {
	for a.live.n > a.opts.MaxLive {
		if c := a.live.closing.head; c != nil {
			a.emit(c)
			continue
		}
		a.res.Evicted++
		a.emit(a.live.active.head)
	}
}

// emit finishes c, hands it to Done and forgets it.
func (a *Analyzer) emit(c *Connection) {
	if c.r.closedAt != 0 {
		a.live.closing.remove(c)
	} else {
		a.live.active.remove(c)
	}
	a.live.n--
	if k := keyOf(c.Client, c.Server); a.conns[k] == c {
		delete(a.conns, k)
	}
	if a.lastConn == c {
		a.lastConn = nil
	}
	a.res.Streamed++
	if a.shards != nil {
		a.shards.op(c, opEnd, nil, a.res.First, 0)
		return
	}
	a.opts.Done(c, finished(c), a.res.First)
}

// tombs are what is kept of the connections handed over as soon as they
// closed cleanly (bury), for their grace: a map by 4-tuple, and the order
// they closed in (queue[head:]) to expire them.
type tombs struct {
	m     map[Key]tomb
	queue []tombRef
	head  int
	// late: the packets that came for a tomb, and the connections they
	// came for (how many, and the first's ID) for WarnLate.
	late, lateConns, firstLate int
}

// tomb is what a late packet needs of its connection: to be told from a
// new connection's first packet (reopens), and counted.
type tomb struct {
	id        int
	at        int64 // when it closed
	clientISN uint32
	clientSYN bool
	clientIsA bool // the client is the key's A
	late      bool // a packet came for it
}

type tombRef struct {
	key Key
	at  int64
}

// bury hands c over now that it closed cleanly and keeps its tomb.
func (a *Analyzer) bury(c *Connection) {
	key := keyOf(c.Client, c.Server)
	at := c.r.closedAt
	t := tomb{id: c.ID, at: at, clientISN: c.r.clientISN, clientSYN: c.r.clientSYN, clientIsA: key.A == c.Client}
	a.emit(c)
	if a.tombs.m == nil {
		a.tombs.m = map[Key]tomb{}
	}
	a.tombs.m[key] = t
	a.tombs.queue = append(a.tombs.queue, tombRef{key, at})
}

// pop forgets the tomb that closed first, unless its 4-tuple was buried
// again since.
func (t *tombs) pop() {
	r := t.queue[t.head]
	t.queue[t.head] = tombRef{}
	t.head++
	if tb, ok := t.m[r.key]; ok && tb.at == r.at {
		delete(t.m, r.key)
	}
	// Reuse the queue's array once half of it is spent.
	if t.head > len(t.queue)/2 && t.head > 1024 {
		n := copy(t.queue, t.queue[t.head:])
		clear(t.queue[n:])
		t.queue, t.head = t.queue[:n], 0
	}
}

// lateFor tells whether p, of no live connection, is a late packet of a
// buried one on its 4-tuple, and counts it. A SYN that starts a new
// connection is not: the tomb is forgotten.
func (a *Analyzer) lateFor(key Key, p *decoded) bool {
	t, ok := a.tombs.m[key]
	if !ok {
		return false
	}
	if p.flags&(flagSYN|flagACK) == flagSYN && reopensAfter(t.clientSYN, (p.src == key.A) == t.clientIsA, t.clientISN, p.seq) {
		delete(a.tombs.m, key)
		return false
	}
	a.tombs.late++
	if !t.late {
		t.late = true
		a.tombs.m[key] = t
		if a.tombs.lateConns == 0 {
			a.tombs.firstLate = t.id
		}
		a.tombs.lateConns++
	}
	return true
}

// finished finishes an ended connection and returns its warnings.
func finished(c *Connection) []Warning {
	return append(finishConn(c, nil), boundWarnings(c)...)
}

// flushLive ends every live connection, in ID order, at the end of the
// capture.
func (a *Analyzer) flushLive() {
	var all []*Connection
	for _, l := range []*connList{&a.live.active, &a.live.closing} {
		for c := l.head; c != nil; c = c.r.next {
			all = append(all, c)
		}
	}
	slices.SortFunc(all, func(x, y *Connection) int { return x.ID - y.ID })
	for _, c := range all {
		a.emit(c)
	}
}

// First is the time of the earliest frame read so far (Unix nanoseconds),
// for the goroutine that reads.
func (a *Analyzer) First() int64 { return a.res.First }
