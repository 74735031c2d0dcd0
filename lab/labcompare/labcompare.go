// Package labcompare declares what a comparison of lab runs is made of:
// the conditions a run was asked for (the Path between client and server,
// the ServerConfig of the built-in server) and what the run showed
// (Condition, one column of the comparison).
//
// Package lab builds the conditions, runs them and fills Conditions in;
// package report renders them. This package runs nothing and imports
// nothing Linux-only, so report, and the offline commands with it, build
// on every platform while the lab itself needs Linux.
package labcompare

import (
	"time"

	"github.com/segscope/segscope/analyze"
	"github.com/segscope/segscope/explain"
)

// Path is the shape of the path between a lab's client and server.
type Path struct {
	MTU  int  // both veth ends; 0 means 1500
	IPv6 bool // address the server by IPv6 (the IPv4 addresses stay, unused)
	// MSS, when not 0, is the MSS both sides advertise in their SYNs (the
	// routes' advmss): a clamp, as a VPN's TCPMSS rule does.
	MSS        int
	Timestamps bool // net.ipv4.tcp_timestamps in both namespaces (it covers IPv6 too)
	SACK       bool // net.ipv4.tcp_sack in both namespaces
	// Offloads on both veth ends (ethtool -K): segmentation (TSO, GSO)
	// and receive (GRO) offload.
	TSO, GSO, GRO bool
	// Rate paces the server's sending side with a tbf qdisc ("20mbit",
	// tc's syntax); empty: no pacing. Burst is tbf's bucket ("32kbit");
	// empty picks one from the rate and the MTU.
	Rate, Burst string
	// Delay and Loss need the netem qdisc ("20ms", "1%"), which not every
	// kernel has: lab.New then fails with lab.ErrNoNetem.
	Delay, Loss string
}

// Body is what the lab's built-in server sends for every request.
type Body struct {
	Size    int64
	Chunked bool // Transfer-Encoding: chunked, one chunk per write
	// WriteSize, when not 0, cuts the body into writes of this many bytes,
	// each flushed to the connection at once: with TLS each write is one
	// record (crypto/tls writes one record per Write, at most 16384
	// bytes), so this also fixes the record size.
	WriteSize int
	// WriteDelay waits between writes: paced writes, each its own segment.
	WriteDelay time.Duration
}

// ServerConfig is the lab's built-in server.
type ServerConfig struct {
	Body  Body
	TLS   string // "", "1.2" or "1.3"
	HTTP2 bool   // offer HTTP/2 (ALPN h2 with TLS, prior knowledge without)
}

// Condition condenses one run for a side-by-side comparison: the facts
// that tell one way of getting a read size from another.
type Condition struct {
	Label  string
	Path   Path
	Server ServerConfig
	Failed bool // the run gave nothing to compare

	// From the path as built: the MSS the MTU allows (MTU - IP - TCP
	// header), before any clamp.
	IPHeader, PathMSS int

	// From the client's capture, the server-to-client direction of the
	// transfer's connection.
	MSS, OptionBytes, EffectiveMSS int
	Segments                       int
	TopSegment                     analyze.SizeCount
	Super                          int // super-segments (several MSS merged) on the client's side
	// ServerSuper counts super-segments on the server's side; -1 when
	// the server's side was not captured.
	ServerSuper int

	// From the explanation.
	Reads      int
	TopRead    analyze.SizeCount
	TopReadWhy explain.Cause // the most common cause among the most common reads
	Causes     []explain.CauseCount
}
