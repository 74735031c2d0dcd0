package analyze

import (
	"net/netip"
	"slices"
	"strings"
)

// Filter selects connections. An empty field matches everything; within a
// field any value matches; all non-empty fields must match.
type Filter struct {
	Hosts []netip.Addr // either endpoint's address
	Ports []uint16     // either endpoint's port
	IDs   []int        // connection IDs
}

// Match tells whether c passes the filter.
func (f Filter) Match(c *Connection) bool {
	if len(f.IDs) > 0 && !slices.Contains(f.IDs, c.ID) {
		return false
	}
	if len(f.Hosts) > 0 && !slices.Contains(f.Hosts, c.Client.Addr().Unmap()) && !slices.Contains(f.Hosts, c.Server.Addr().Unmap()) {
		return false
	}
	if len(f.Ports) > 0 && !slices.Contains(f.Ports, c.Client.Port()) && !slices.Contains(f.Ports, c.Server.Port()) {
		return false
	}
	return true
}

// Select returns the connections that pass the filter, in ID order.
func (r *Result) Select(f Filter) []*Connection {
	var out []*Connection
	for _, c := range r.Connections {
		if f.Match(c) {
			out = append(out, c)
		}
	}
	return out
}

// Class names what a segment is, given its connection's effective MSS:
// "syn", "syn-ack", "fin", "rst", "ack" for segments without payload;
// "full", "short" or "super" for data; followed by what was noticed
// ("+retransmission", "+out-of-order", ...).
func (c *Connection) Class(s Segment) string {
	var b strings.Builder
	switch {
	case s.Flags&flagRST != 0:
		b.WriteString("rst")
	case s.Flags&(flagSYN|flagACK) == flagSYN|flagACK:
		b.WriteString("syn-ack")
	case s.Flags&flagSYN != 0:
		b.WriteString("syn")
	case s.Len == 0 && s.Flags&flagFIN != 0:
		b.WriteString("fin")
	case s.Len == 0:
		b.WriteString("ack")
	default:
		eff := int(c.Dirs[s.Dir].eff.value)
		switch {
		case eff == 0 || s.Len < eff:
			b.WriteString("short")
		case s.Len == eff:
			b.WriteString("full")
		default:
			b.WriteString("super")
		}
	}
	for _, k := range []struct {
		kind Kind
		name string
	}{
		{KindRetransmission, "retransmission"},
		{KindOutOfOrder, "out-of-order"},
		{KindDuplicate, "duplicate"},
		{KindKeepAlive, "keep-alive"},
		{KindZeroWindow, "zero-window"},
		{KindAfterGap, "after-gap"},
	} {
		if s.Kind.Has(k.kind) {
			b.WriteString("+")
			b.WriteString(k.name)
		}
	}
	return b.String()
}

// FlagString renders TCP flags as letters, as tcpdump does: S F R P and
// "." for ACK.
func FlagString(f uint8) string {
	var b []byte
	for _, x := range []struct {
		bit uint8
		c   byte
	}{{flagSYN, 'S'}, {flagFIN, 'F'}, {flagRST, 'R'}, {flagPSH, 'P'}, {flagACK, '.'}} {
		if f&x.bit != 0 {
			b = append(b, x.c)
		}
	}
	return string(b)
}
