package analyze

import "net/netip"

// The router: what is decided for the whole capture, one packet after
// another in capture order, whether the connections are tracked here or
// on shards (shards.go). It owns the flow table, numbers connections by
// their first packet, tells a new SYN on a used 4-tuple from a repeated
// one, and, when streaming, keeps the live lists and decides when each
// connection ends. It reads only what it keeps itself (routeState) and
// what never changes once a connection exists (ID, Client, Server), so a
// shard may track the connection at the same time.

// routeState is a connection's state the router keeps: its place on a
// live list, its last packet and when it closed, and the few facts of
// its packets that decide a connection's start and end, kept as the
// tracking keeps them in Direction.
type routeState struct {
	prev, next *Connection
	last       int64 // the time of its last packet
	closedAt   int64 // FIN both ways or RST; 0 while open
	clientISN  uint32
	// clientStarted: the client's stream has started (at a SYN or at
	// data); clientSYN: a SYN from the client was seen. The ISN is the
	// SYN's when the stream started at it.
	clientStarted, clientSYN bool
	fin                      [2]bool // a FIN seen in the direction
	shard                    uint16  // the shard that tracks it, if any
	share                    uint8   // its share of the reassembly bound
	// finAcked: the other side acknowledged the direction's FIN, whose
	// acknowledgment number is finAck.
	finAcked [2]bool
	finAck   [2]uint32
}

// closedDone tells whether the connection closed with a FIN each way and
// each was acknowledged: nothing more is due on it, but for a FIN resent
// because its acknowledgment was lost past the capture point.
func (r *routeState) closedDone() bool {
	return r.fin[0] && r.fin[1] && r.finAcked[0] && r.finAcked[1]
}

// shareOf is the share of the reassembly bound a connection with key k
// draws on: a hash of its 4-tuple that is the same in every run (FNV-1a),
// so that the shares, and the shards made of them, are too.
func shareOf(k Key) uint8 {
	h := uint64(14695981039346656037)
	mix := func(ap netip.AddrPort) {
		a := ap.Addr().As16()
		for _, b := range a {
			h = (h ^ uint64(b)) * 1099511628211
		}
		p := ap.Port()
		h = (h ^ uint64(p>>8)) * 1099511628211
		h = (h ^ uint64(p&0xff)) * 1099511628211
	}
	mix(k.A)
	mix(k.B)
	return uint8(h % BudgetShares)
}

// see keeps what the router needs of a packet of the connection.
func (r *routeState) see(dir Dir, p *decoded, now int64) {
	r.last = now
	if p.flags&flagFIN != 0 {
		r.fin[dir] = true
		r.finAck[dir] = p.seq + uint32(p.payload) + 1
	}
	if o := 1 - dir; p.flags&flagACK != 0 && r.fin[o] && int32(p.ack-r.finAck[o]) >= 0 {
		r.finAcked[o] = true
	}
	if dir != ClientToServer {
		return
	}
	if p.flags&flagSYN != 0 && !r.clientSYN {
		r.clientSYN = true
		if !r.clientStarted {
			r.clientStarted, r.clientISN = true, p.seq
		}
	}
	r.clientStarted = true
}

// reopens tells whether a SYN (without ACK) starts a new connection on
// the 4-tuple of c: it does unless it repeats the client's SYN.
func (c *Connection) reopens(p *decoded) bool {
	return reopensAfter(c.r.clientSYN, p.src == c.Client, c.r.clientISN, p.seq)
}

// reopensAfter is reopens for a connection whose client SYN (clientSYN)
// had sequence number isn: a SYN with seq from the client side
// (fromClient) repeats it when the numbers agree.
func reopensAfter(clientSYN, fromClient bool, isn, seq uint32) bool {
	return !clientSYN || !fromClient || isn != seq
}

// route finds (or starts) the packet's connection and has it tracked:
// here, or on the connection's shard.
func (a *Analyzer) route(p *decoded, now int64, number int) {
	// Bulk transfers hit the last connection again and again: equality
	// with its key, either way round, is cheaper than ordering the
	// endpoints (keyOf).
	if a.streaming() {
		// A packet past a closed connection's grace belongs to none:
		// end (or forget the tomb of) what expired before looking it up
		// (review 13: one past the grace was counted, the next was not).
		a.expire(a.res.Last)
	}
	// The last key is compared where it lies: copied to the stack first,
	// its load was a third of route's time on real-1500.
	c := a.lastConn
	if c == nil || !a.lastKey.joins(p.src, p.dst) {
		key := keyOf(p.src, p.dst)
		c = a.conns[key]
		if c == nil && len(a.tombs.m) > 0 && a.lateFor(key, p) {
			return
		}
		a.lastKey = key
	}
	if c == nil || (p.flags&(flagSYN|flagACK) == flagSYN && c.reopens(p)) {
		if c != nil {
			a.closeApp(c)
			if a.streaming() {
				a.emit(c) // no packet can reach it any more
			}
		}
		c = a.newConnection(a.lastKey, p, now)
	}
	a.lastConn = c

	dir := ClientToServer
	if p.src != c.Client {
		dir = ServerToClient
	}
	c.r.see(dir, p, now)
	p.dup = a.multi && c.copyOf(dir, p.iface)
	p.copy = p.dup
	if p.payload > 0 && !p.dup && (p.ipID != 0 || p.hasTSval) {
		p.dup = a.copied(c, dir, p)
	}
	if a.shards != nil {
		a.shards.op(c, opPacket, p, now, number)
	} else {
		a.track(c, dir, p, now, number)
	}
	if a.streaming() {
		a.touch(c, p.flags, now)
	}
}

// copied tells whether data packet p was captured before (dupTable),
// turning the table on at the first packet that repeats the one before.
func (a *Analyzer) copied(c *Connection, dir Dir, p *decoded) bool {
	fp := fingerprintOf(p)
	if a.dups == nil {
		if a.prev.c == c && a.prev.fp == fp {
			a.dups = new(dupTable)
		}
		a.prev.c, a.prev.fp = c, fp
		return false // the repeat itself is the direction's recent one
	}
	return a.dups.seen(c.ID, dir, fp)
}

// copyOf tells whether a packet of direction dir on interface iface is a
// copy of one seen on the connection's own interface, and notes the
// interface. It is when its direction was seen there (a router's two
// sides, lo and any), or when the other direction was seen on this
// interface too (then this interface carries the whole connection, and
// its copies come first on one side of a router); a direction that only
// ever shows on another interface (asymmetric routing, a bond's slaves)
// is the connection's own.
func (c *Connection) copyOf(dir Dir, iface int32) bool {
	bit := uint64(1) << (uint32(iface) & 63)
	own := uint64(1) << (uint32(c.iface) & 63)
	copied := iface != c.iface && (c.ifaces[dir]&own != 0 || c.ifaces[1-dir]&bit != 0)
	c.ifaces[dir] |= bit
	return copied
}

// closeApp ends c's reassembly, where c is tracked.
func (a *Analyzer) closeApp(c *Connection) {
	if a.shards != nil {
		a.shards.op(c, opCloseApp, nil, 0, 0)
		return
	}
	c.closeApp()
}
