// Package synthtrace makes a curl trace and the analysis of a capture of
// the same transfer, in memory, so that benchmarks of explain and of the
// HTML report run on a fresh clone at any size. It is test support only.
package synthtrace

import (
	"net/netip"
	"time"

	"github.com/segscope/segscope/analyze"
	"github.com/segscope/segscope/curltrace"
)

// Transfer is one clear HTTP/1 transfer of n reads of size bytes, each
// read one segment captured 20 µs before it, a read every interval: what
// a paced transfer looks like.
func Transfer(n, size int, every time.Duration) (*curltrace.Trace, *analyze.Result) {
	srv := netip.MustParseAddrPort("10.0.0.1:80")
	t := &curltrace.Trace{Name: "synthetic", HasTimes: true,
		Conns: []curltrace.Connection{{IP: srv.Addr(), Port: srv.Port(), Line: 1}}}
	start := 10 * time.Hour
	t.Events = append(t.Events, curltrace.Event{Kind: curltrace.RecvHeader, Line: 2, Size: 17, HeaderSize: 17,
		Data: []byte("HTTP/1.1 200 OK\r\n"), HasTime: true, Time: start, At: curltrace.TimeOfDay(start), Xfer: -1, Conn: -1})
	c := &analyze.Connection{ID: 0, Client: netip.MustParseAddrPort("10.0.0.2:40000"), Server: srv}
	// The stream starts at the connection's start, as after a captured
	// handshake (explain lays reads from offset 0 only then).
	c.Dirs[analyze.ServerToClient].SYN.Seen = true
	day := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c.First = day.Add(start).UnixNano()
	c.Segments.Append(analyze.Segment{Time: c.First, Offset: 0, Len: 17, Packet: 1, Dir: analyze.ServerToClient})
	for i := range n {
		at := start + time.Duration(i+1)*every
		t.Events = append(t.Events, curltrace.Event{Kind: curltrace.RecvData, Line: 3 + i, Size: size, HeaderSize: size,
			HasTime: true, Time: at, At: curltrace.TimeOfDay(at), Xfer: -1, Conn: -1})
		c.Segments.Append(analyze.Segment{Time: day.Add(at - 20*time.Microsecond).UnixNano(),
			Offset: 17 + int64(i*size), Len: size, Packet: 2 + i, Dir: analyze.ServerToClient})
	}
	t.EventConn = make([]int, len(t.Events))
	c.Last = c.Segments.Last().Time
	return t, &analyze.Result{Sources: []string{"synthetic"}, First: c.First, Last: c.Last, Connections: []*analyze.Connection{c}}
}
