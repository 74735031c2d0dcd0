package analyze

import (
	"net/netip"
	"time"
)

// Dir is one direction of a connection.
type Dir uint8

const (
	ClientToServer Dir = 0
	ServerToClient Dir = 1
)

func (d Dir) String() string {
	if d == ClientToServer {
		return "client_to_server"
	}
	return "server_to_client"
}

// Arrow is the short form used in tables: "c>s" or "s>c".
func (d Dir) Arrow() string {
	if d == ClientToServer {
		return "c>s"
	}
	return "s>c"
}

// Key identifies a TCP 4-tuple regardless of direction: A is the smaller
// endpoint. It is a comparable value, usable as a map key without
// allocating.
type Key struct{ A, B netip.AddrPort }

// joins tells whether src and dst are k's endpoints, either way round.
func (k *Key) joins(src, dst netip.AddrPort) bool {
	return src == k.A && dst == k.B || src == k.B && dst == k.A
}

func keyOf(src, dst netip.AddrPort) Key {
	if src.Compare(dst) <= 0 {
		return Key{src, dst}
	}
	return Key{dst, src}
}

// SYNOptions are the options one side put in its SYN (or SYN-ACK).
type SYNOptions struct {
	Seen          bool   // a SYN from this side was captured
	MSS           uint16 // 0 when the option was absent
	WindowScale   int8   // shift count; -1 when the option was absent
	SACKPermitted bool
	Timestamps    bool
	// TTL is the SYN's IPv4 TTL or IPv6 hop limit as captured: at its
	// initial value (64, 128, 255) on the host that sent it, lower past
	// each router. It tells where the capture was taken.
	TTL uint8
	// CopyTTL is the TTL of the same SYN captured again on another
	// interface, when it differs (0 otherwise): a router captured on
	// both sides (tcpdump -i any), the SYN as it came in and went out.
	CopyTTL uint8
	// CopyMSS is the MSS option of that copy when it differs (0
	// otherwise): a router's MSS clamp between the two interfaces. The
	// smaller one is what the peer was held to.
	CopyMSS uint16
}

// Handshake holds the times (Unix nanoseconds, 0 when not captured) of the
// three-way handshake.
type Handshake struct {
	SYN, SYNACK, ACK int64
}

// Seen tells whether the client's SYN was captured.
func (h Handshake) Seen() bool { return h.SYN != 0 }

// RTT is the time from the SYN to the ACK of the SYN-ACK, as Wireshark's
// tcp.analysis.initial_rtt; ok is false when the handshake is incomplete.
func (h Handshake) RTT() (rtt time.Duration, ok bool) {
	if h.SYN == 0 || h.ACK == 0 {
		return 0, false
	}
	return time.Duration(h.ACK - h.SYN), true
}

// Connection is one TCP connection: a 4-tuple from a SYN (or from the first
// packet seen) until a new SYN reuses the 4-tuple or the capture ends.
type Connection struct {
	// ID numbers connections from 0 in the order their first packet
	// appears, as Wireshark's tcp.stream does.
	ID     int
	Client netip.AddrPort
	Server netip.AddrPort
	// RolesGuessed is set when the handshake was not captured and the
	// server was taken to be the endpoint with the lower port.
	RolesGuessed bool
	keepSegments bool
	// iface is the capture interface the connection is seen on: its
	// first packet's (in time order; see capture's merge). ifaces has,
	// by direction, a bit for each interface (mod 64) that direction was
	// seen on (see copyOf).
	iface       int32
	ifaces      [2]uint64
	Packets     int32
	Handshake   Handshake
	First, Last int64 // Unix nanoseconds of the first and last packet
	Dirs        [2]Direction
	// App holds the reassembled streams' application layer; nil when the
	// connection carried no payload or the analysis was segments-only.
	App *App
	// Segments holds every segment of the connection in capture order,
	// when the analyzer was asked to keep them for it.
	Segments Segments

	// What the router (route.go) keeps of it; its map key is
	// keyOf(Client, Server), not kept: 64 bytes of 25 000 connections in
	// their close grace.
	r routeState
}

// Dir returns the state of one direction.
func (c *Connection) Dir(d Dir) *Direction { return &c.Dirs[d] }

// The TCP flag bits of Segment.Flags.
const (
	FlagFIN uint8 = 0x01
	FlagSYN uint8 = 0x02
	FlagRST uint8 = 0x04
	FlagPSH uint8 = 0x08
	FlagACK uint8 = 0x10
)

// Segment is one captured TCP segment, as a value.
type Segment struct {
	Time   int64 // Unix nanoseconds
	Offset int64 // stream offset of the first payload byte; the SYN sits at -1
	Len    int   // payload bytes on the wire (from the IP length)
	Packet int   // packet number in the capture
	Window uint16
	Flags  uint8 // TCP flags: FlagFIN, FlagSYN, FlagRST, FlagPSH, FlagACK
	Dir    Dir
	Kind   Kind
	// OptionLen is the number of TCP option bytes in the header.
	OptionLen uint8
	// Ack is the offset on the other direction's stream this segment
	// acknowledges (all bytes before it); -1 without the ACK flag or
	// before the other direction's origin is known.
	Ack int64
}

// End is the stream offset just past the segment's payload.
func (s Segment) End() int64 { return s.Offset + int64(s.Len) }

// Kind marks what the analyzer noticed about a segment.
type Kind uint8

const (
	KindRetransmission Kind = 1 << iota // carries bytes seen before, or fills a hole too late to be reordering
	KindOutOfOrder                      // fills a hole within the RTT of the highest byte's arrival
	KindDuplicate                       // the same packet captured twice
	KindKeepAlive                       // a keep-alive probe
	KindZeroWindow                      // advertises a zero receive window
	KindAfterGap                        // starts past bytes the capture never saw
)

// Has tells whether k includes all of flag.
func (k Kind) Has(flag Kind) bool { return k&flag == flag }
