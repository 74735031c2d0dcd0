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
//   - CloseGrace after it closed (a FIN each way, or a RST): the last ACK
//     and a retransmitted FIN still count for it (Zeek's tcp_close_delay);
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
	// 2 000 connections a second).
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
	a.expire(a.res.Last)
	a.res.MaxLiveSeen = max(a.res.MaxLiveSeen, a.live.n)
}

// expire ends the connections past their grace or idle time, then the
// least recently active ones while too many are live.
func (a *Analyzer) expire(now int64) {
	grace, idle := int64(a.opts.CloseGrace), int64(a.opts.IdleTimeout)
	for c := a.live.closing.head; c != nil && now-c.r.closedAt > grace; c = a.live.closing.head {
		a.emit(c)
	}
	for c := a.live.active.head; c != nil && now-c.r.last > idle; c = a.live.active.head {
		a.res.IdleEnded++
		a.emit(c)
	}
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
