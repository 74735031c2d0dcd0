package explain

import (
	"sort"
	"time"

	"github.com/segscope/segscope/analyze"
	"github.com/segscope/segscope/stream"
)

// Seg is one segment that carried bytes of an event.
type Seg struct {
	Packet int
	Offset int64
	Len    int
	// Before is how long before curl's read the segment was captured
	// (negative: after the read's timestamp); valid when the clocks were
	// aligned.
	Before  time.Duration
	Arrived time.Time
	Super   bool
	// Retrans: a retransmission, here the only captured copy of its
	// bytes (the original was lost before the capture point).
	Retrans bool
	Push    bool // the PSH flag: the sender's stack ended a push here
	// Resent: captured at the server, its bytes were sent more than once
	// (this is the last copy).
	Resent bool
}

// End is the stream offset just past the segment.
func (s Seg) End() int64 { return s.Offset + int64(s.Len) }

// segIndex is one direction's data segments in stream order, each byte
// range once, sorted once so that every read is found by binary search.
type segIndex struct {
	segs   []analyze.Segment
	resent []bool // per segment: another copy of some of its bytes was captured (a capture at the server only)
	eff    int    // effective MSS: longer segments are super-segments
	// fin is where the direction's FIN ended its stream (0 without one):
	// bytes before it that no segment carries were missed, not past the
	// capture's end.
	fin int64
}

// newSegIndex keeps the data segments of direction d in stream order:
// the copy captured first of each byte range. A retransmission stays when
// it is the only copy of some bytes (the original was lost before the
// capture point) or brings new bytes along.
//
// sent (a capture at the sender's side: atSender) keeps the last copy
// instead, and marks the bytes sent more than once: a copy sent again
// was most likely lost on the way, and which one reached the receiver is
// not in the capture.
func newSegIndex(c *analyze.Connection, d analyze.Dir, atSender bool) *segIndex {
	var all []analyze.Segment
	var fin int64
	for _, s := range c.Segments.All() {
		if s.Dir == d && s.Flags&analyze.FlagFIN != 0 && s.Kind&analyze.KindDuplicate == 0 {
			fin = max(fin, s.End())
		}
		if s.Dir == d && s.Len > 0 && s.Kind&(analyze.KindDuplicate|analyze.KindKeepAlive) == 0 {
			all = append(all, s)
		}
	}
	sort.SliceStable(all, func(i, j int) bool {
		if all[i].Offset != all[j].Offset {
			return all[i].Offset < all[j].Offset
		}
		if atSender {
			return all[i].Time > all[j].Time
		}
		return all[i].Time < all[j].Time
	})
	x := &segIndex{eff: c.Dir(d).EffectiveMSS().Value, fin: fin}
	covered := int64(-1 << 62)
	var dropped []analyze.Segment
	for _, s := range all {
		if s.End() > covered {
			x.segs = append(x.segs, s)
			covered = s.End()
		} else if atSender {
			dropped = append(dropped, s)
		}
	}
	if atSender {
		x.resent = make([]bool, len(x.segs))
		for i, s := range x.segs {
			x.resent[i] = s.Kind&analyze.KindRetransmission != 0
		}
		for _, s := range dropped {
			for i := x.first(s.Offset); i < len(x.segs) && x.segs[i].Offset < s.End(); i++ {
				x.resent[i] = true
			}
		}
	}
	return x
}

// first returns the index of the first segment ending after off.
func (x *segIndex) first(off int64) int {
	return sort.Search(len(x.segs), func(i int) bool { return x.segs[i].End() > off })
}

// in returns the segments overlapping rng, in stream order.
func (x *segIndex) in(rng stream.Range) []Seg {
	var out []Seg
	for i := x.first(rng.Start); i < len(x.segs) && x.segs[i].Offset < rng.End; i++ {
		s := x.segs[i]
		out = append(out, Seg{Packet: s.Packet, Offset: s.Offset, Len: s.Len, Super: x.eff > 0 && s.Len > x.eff,
			Arrived: time.Unix(0, s.Time), Retrans: s.Kind&analyze.KindRetransmission != 0, Push: s.Flags&analyze.FlagPSH != 0,
			Resent: x.resent != nil && x.resent[i]})
	}
	return out
}

// after returns the segment holding the byte at off, if captured.
func (x *segIndex) at(off int64) (analyze.Segment, bool) {
	i := x.first(off)
	if i < len(x.segs) && x.segs[i].Offset <= off {
		return x.segs[i], true
	}
	return analyze.Segment{}, false
}

// end is the stream offset past the last byte captured, or of the FIN
// that ended the stream.
func (x *segIndex) end() int64 {
	e := x.fin
	for _, s := range x.segs[max(0, len(x.segs)-8):] {
		e = max(e, s.End())
	}
	return e
}

// fact sums up the segments of a read of rng.
func (x *segIndex) fact(segs []Seg, rng stream.Range) *SegmentFact {
	f := segmentFact(segs, rng, x.eff)
	f.PastEnd = f.Missing > 0 && rng.End > x.end()
	return f
}

// segmentFact sums up the segments of a read of rng.
func segmentFact(segs []Seg, rng stream.Range, eff int) *SegmentFact {
	f := &SegmentFact{Source: FromCapture, Count: len(segs)}
	for _, s := range segs {
		f.Covered += min(s.End(), rng.End) - max(s.Offset, rng.Start)
		f.Largest = max(f.Largest, s.Len)
		if s.Super {
			f.Super++
		}
		if eff > 0 && s.Len == eff {
			f.Full++
		}
		if s.Resent {
			f.Resent++
		}
	}
	f.Missing = rng.Len() - f.Covered
	if n := len(segs); n > 0 {
		f.StartsInside = segs[0].Offset < rng.Start
		f.EndsInside = segs[n-1].End() > rng.End
		f.Exact = !f.StartsInside && !f.EndsInside && f.Missing == 0
		if s := segs[0]; n == 1 && s.Super && eff > 0 && rng.Len() == int64(eff) && (rng.Start-s.Offset)%int64(eff) == 0 {
			f.Piece = true
		}
	}
	return f
}

// windowIndex is the receive window curl's side advertised, ACK by ACK,
// in capture order: where on the server's stream the window ended.
type windowIndex struct {
	packets []int   // the client's ACK segments' packet numbers, ascending
	edges   []int64 // ack + window << scale of each
	windows []int   // the window of each, in bytes
	times   []int64 // the capture time of each, Unix nanoseconds
}

// newWindowIndex reads the client's ACKs: the window curl's side
// advertised over the server's stream.
func newWindowIndex(c *analyze.Connection) *windowIndex {
	return newWindowIndexOf(c, analyze.ClientToServer)
}

// newWindowIndexOf reads the ACKs of direction from: the window that side
// advertised over the other's stream. nil when the window's scale is not
// known (that side's SYN was not captured).
func newWindowIndexOf(c *analyze.Connection, from analyze.Dir) *windowIndex {
	own, peer := c.Dir(from).SYN, c.Dir(1-from).SYN
	if !own.Seen {
		return nil
	}
	shift := 0
	if own.WindowScale >= 0 && peer.Seen && peer.WindowScale >= 0 {
		shift = int(min(own.WindowScale, 14)) // RFC 7323: at most 14
	} else if !peer.Seen {
		return nil // whether the scale applies depends on the other SYN
	}
	x := &windowIndex{}
	for _, s := range c.Segments.All() {
		if s.Dir != from || s.Ack < 0 || s.Flags&analyze.FlagSYN != 0 || s.Kind&analyze.KindDuplicate != 0 {
			continue
		}
		w := int(s.Window) << shift
		x.packets = append(x.packets, s.Packet)
		x.edges = append(x.edges, s.Ack+int64(w))
		x.windows = append(x.windows, w)
		x.times = append(x.times, s.Time)
	}
	return x
}

// atTime returns the window advertised last at or before t (Unix
// nanoseconds): its edge, size and ACK packet.
func (x *windowIndex) atTime(t int64) (edge int64, window, ack int, ok bool) {
	i := sort.Search(len(x.times), func(k int) bool { return x.times[k] > t }) - 1
	if i < 0 {
		return 0, 0, 0, false
	}
	return x.edges[i], x.windows[i], x.packets[i], true
}

// zeroBetween tells whether a window of zero was advertised by a packet
// in [from, to].
func (x *windowIndex) zeroBetween(from, to int) bool {
	for i := sort.SearchInts(x.packets, from); i < len(x.packets) && x.packets[i] <= to; i++ {
		if x.windows[i] == 0 {
			return true
		}
	}
	return false
}

// timeOf is the capture time of the ACK in packet p.
func (x *windowIndex) timeOf(p int) (int64, bool) {
	i := sort.SearchInts(x.packets, p)
	if i == len(x.packets) || x.packets[i] != p {
		return 0, false
	}
	return x.times[i], true
}

// at returns the window the client had advertised before packet p: its
// edge on the server's stream, its size and the ACK's packet.
func (x *windowIndex) at(p int) (edge int64, window, ack int, ok bool) {
	i := sort.SearchInts(x.packets, p) - 1
	if i < 0 {
		return 0, 0, 0, false
	}
	return x.edges[i], x.windows[i], x.packets[i], true
}
