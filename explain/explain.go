// Package explain joins a curl trace to a capture of the same transfer and
// says, for every `Recv data, N bytes` event, which segments carried those
// bytes, when they arrived relative to the read, and why N is what it is.
//
// It parses nothing: it takes a parsed trace (package curltrace) and an
// analysis (package analyze) whose matching connections kept their
// segments, and intersects ranges on the stream-offset coordinate. It
// prints nothing either (package report renders the result).
package explain

import (
	"fmt"
	"net/netip"
	"sort"
	"strings"
	"time"

	"github.com/segscope/segscope/analyze"
	"github.com/segscope/segscope/curltrace"
	"github.com/segscope/segscope/h2"
	"github.com/segscope/segscope/stream"
	"github.com/segscope/segscope/tlsrec"
)

// Cause is why a Recv data event has its size.
type Cause string

const (
	CauseFullSegment  Cause = "full-segment"  // one segment carrying the effective MSS
	CauseShortSegment Cause = "short-segment" // one segment shorter than the MSS: what the sender wrote
	CauseBacklog      Cause = "backlog"       // several segments had arrived before curl read
	CauseBufferCap    Cause = "buffer-cap"    // the read filled curl's receive buffer
	CauseBodyEnd      Cause = "body-end"      // the last bytes of the body
	CauseAfterHeaders Cause = "after-headers" // the first read after the response header
	CauseTLSRecord    Cause = "tls-record"    // one TLS record's plaintext, sized by the server
	CauseH2Frames     Cause = "h2-frames"     // HTTP/2 DATA payload of a TLS record, minus frame headers
	CauseSuperSegment Cause = "super-segment" // the capture shows merged segments: cannot tell
	CauseMissing      Cause = "missing"       // some of the bytes were not captured
	CauseUnmatched    Cause = "unmatched"     // no capture connection for the event
	CauseTraceOnly    Cause = "trace-only"    // no capture given
	CauseUnknown      Cause = "unknown"
)

// Describe says what a cause means, in a few words.
func (c Cause) Describe() string {
	switch c {
	case CauseFullSegment:
		return "one full-size segment (the effective MSS)"
	case CauseShortSegment:
		return "one segment smaller than the MSS: the sender wrote that much"
	case CauseBacklog:
		return "several segments were waiting when curl read: the reader was slower than the network"
	case CauseBufferCap:
		return "capped by curl's receive buffer"
	case CauseBodyEnd:
		return "the last bytes of the body"
	case CauseAfterHeaders:
		return "the first read after the headers: the header bytes are reported apart"
	case CauseTLSRecord:
		return "one TLS record's plaintext: the server chose the record size"
	case CauseH2Frames:
		return "HTTP/2 DATA in one TLS record, frame headers taken out"
	case CauseSuperSegment:
		return "the capture was taken above TSO/GRO: the wire segments cannot be told"
	case CauseMissing:
		return "packets missing from the capture"
	case CauseUnmatched:
		return "no matching connection in the capture"
	case CauseTraceOnly:
		return "no capture: sizes only"
	}
	return "not determined"
}

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
}

// Event explains one Recv data event.
type Event struct {
	Index int // into the trace's events
	Line  int
	Size  int
	// Time is the read's time on the capture's clock (zero without
	// --trace-time or without a matched capture).
	Time     time.Time
	Conn     int          // capture connection ID; -1 when unmatched
	Range    stream.Range // the bytes on the server-to-client stream (the TLS record, for HTTPS)
	Segments []Seg
	Cause    Cause
	Why      string // the explanation in plain words, with the numbers
	// ChunkFraming counts bytes of chunked-encoding framing inside N.
	ChunkFraming int

	tod    time.Duration // the trace's time of day, when it has one
	hasTOD bool
}

// Match pairs a trace connection with a capture connection.
type Match struct {
	TraceConn int // index into Trace.Conns
	Conn      *analyze.Connection
	How       string
	// ClockZone is the trace clock's offset from UTC (a whole number of
	// quarter hours) and ClockSkew what remains between the two clocks,
	// taken as the smallest delay between a segment's capture and the read
	// that returned its last byte (curl 7.x times events with a monotonic
	// clock and an offset taken once, so tens of milliseconds are common).
	ClockZone, ClockSkew time.Duration
	Aligned              bool
}

// Result is the explanation of a trace.
type Result struct {
	Trace    *curltrace.Trace
	Matches  []Match
	Events   []Event
	Summary  Summary
	Problems []string
	// BufferSize is the receive buffer size inferred from the trace (0:
	// no read hit one).
	BufferSize int
}

// Summary condenses the events.
type Summary struct {
	Events    int
	Bytes     int64
	Sizes     []analyze.SizeCount // most common first
	Causes    []CauseCount        // most common first
	Dominant  Cause
	Sentences []string
}

// CauseCount is how many events had one cause.
type CauseCount struct {
	Cause Cause
	Count int
}

// Wanted tells which capture connections the explanation needs with their
// segments kept: those to an address and port the trace connected to.
func Wanted(t *curltrace.Trace) func(*analyze.Connection) bool {
	eps := map[netip.AddrPort]bool{}
	for _, c := range t.Conns {
		eps[netip.AddrPortFrom(c.IP.Unmap(), c.Port)] = true
	}
	return func(c *analyze.Connection) bool {
		return eps[unmap(c.Server)] || eps[unmap(c.Client)]
	}
}

func unmap(ap netip.AddrPort) netip.AddrPort { return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()) }

// Explain joins the trace's Recv data events to the capture. res may be
// nil: then only what the trace tells is reported.
func Explain(t *curltrace.Trace, res *analyze.Result) *Result {
	r := &Result{Trace: t}
	r.BufferSize = bufferSize(t)
	if res != nil {
		r.match(res)
	}
	byTraceConn := map[int]*Match{}
	for i := range r.Matches {
		byTraceConn[r.Matches[i].TraceConn] = &r.Matches[i]
	}
	// Walk each connection's events in order, keeping its stream offsets.
	type cursor struct {
		recv       int64 // offset of the next Recv header/data byte
		records    int   // TLS records announced by Recv SSL headers
		lastRecord int   // the record the latest Recv data came from
		data       int64 // Recv data bytes so far (HTTP/2: DATA payload)
		recordLen  int   // length field of the latest record header curl logged, -1 unknown
		interim    bool  // a 1xx status line was logged and not yet its empty line
	}
	cursors := map[int]*cursor{}
	for i, e := range t.Events {
		ci := -1
		if i < len(t.EventConn) {
			ci = t.EventConn[i]
		}
		cur := cursors[ci]
		if cur == nil {
			cur = &cursor{lastRecord: -1, recordLen: -1}
			cursors[ci] = cur
		}
		switch e.Kind {
		case curltrace.RecvSSL:
			if e.Size == 5 {
				cur.records++
				cur.recordLen = -1
				if len(e.Data) == 5 && e.Exact {
					cur.recordLen = int(e.Data[3])<<8 | int(e.Data[4])
				}
			}
		case curltrace.RecvHeader:
			// curl logs a 1xx response's status line but not the empty line
			// that ends it: count those 2 bytes when the next response starts.
			line := string(e.Data)
			if cur.interim && strings.HasPrefix(line, "HTTP/") {
				cur.recv += 2
			}
			switch {
			case strings.HasPrefix(line, "HTTP/1.") && len(line) >= 12 && line[9] == '1':
				cur.interim = true
			case line == "\r\n":
				cur.interim = false
			}
			cur.recv += int64(e.Size)
		case curltrace.RecvData:
			if e.Size == 0 {
				continue
			}
			ev := Event{Index: i, Line: e.Line, Size: e.Size, Conn: -1}
			m := byTraceConn[ci]
			switch {
			case res == nil:
				ev.Cause, ev.Why = CauseTraceOnly, r.traceOnlyWhy(e, cur.recordLen)
			case m == nil:
				ev.Cause, ev.Why = CauseUnmatched, "no capture connection matched this trace connection"
			default:
				ev.Conn = m.Conn.ID
				ev.tod, ev.hasTOD = e.Time, e.HasTime
				if m.Conn.App != nil && m.Conn.App.Protocol == analyze.ProtoH2C {
					r.explainH2C(&ev, m, cur.data)
				} else if m.Conn.App != nil && m.Conn.App.Protocol == analyze.ProtoTLS {
					r.explainTLS(&ev, m, cur.records-1, cur.lastRecord == cur.records-1, precedingHeader(t, i))
					cur.lastRecord = cur.records - 1
				} else {
					ev.Range = stream.Range{Start: cur.recv, End: cur.recv + int64(e.Size)}
					r.explainClear(&ev, m, t, i)
				}
			}
			cur.recv += int64(e.Size)
			cur.data += int64(e.Size)
			r.Events = append(r.Events, ev)
		}
	}
	r.timeReads()
	r.summarize(res)
	return r
}

// timeReads sets the clocks' skew for each match, from the smallest delay
// between a segment's capture and the read of its last byte, then dates
// every read on the capture's clock.
func (r *Result) timeReads() {
	for mi := range r.Matches {
		m := &r.Matches[mi]
		if !m.Aligned {
			continue
		}
		first := true
		for _, ev := range r.Events {
			if ev.Conn != m.Conn.ID || !ev.hasTOD || len(ev.Segments) == 0 {
				continue
			}
			lag := readTime(m, ev.tod).Sub(latest(ev.Segments).Arrived)
			if first || lag < m.ClockSkew {
				m.ClockSkew, first = lag, false
			}
		}
		if first {
			m.ClockSkew = 0
		}
		for i := range r.Events {
			ev := &r.Events[i]
			if ev.Conn != m.Conn.ID || !ev.hasTOD {
				continue
			}
			ev.Time = readTime(m, ev.tod).Add(-m.ClockSkew)
			for j := range ev.Segments {
				ev.Segments[j].Before = ev.Time.Sub(ev.Segments[j].Arrived)
			}
			if n := len(ev.Segments); n > 0 && ev.Cause != CauseSuperSegment {
				ev.Why += fmt.Sprintf("; the last segment was captured %s before the read", roundDur(latest(ev.Segments).Before))
				if n > 1 {
					ev.Why += fmt.Sprintf(", the first %s before", roundDur(earliest(ev.Segments).Before))
				}
			}
		}
	}
}

// bufferSize infers curl's receive buffer from the reads: the curl tool's
// 102400 or libcurl's 16384 when a read hit it, else (--limit-rate sizes
// the buffer to the rate) the largest whole-KiB size several reads hit. A
// read of that size counts as capped only when the capture shows more
// bytes waiting (see explainClear).
func bufferSize(t *curltrace.Trace) int {
	counts := map[int]int{}
	largest := 0
	for _, e := range t.Events {
		if e.Kind != curltrace.RecvData {
			continue
		}
		largest = max(largest, e.Size)
		if e.Size >= 4096 && e.Size%1024 == 0 {
			counts[e.Size]++
		}
	}
	for _, known := range []int{102400, 16384} {
		if counts[known] > 0 && largest == known {
			return known
		}
	}
	best := 0
	for size, n := range counts {
		if n >= 2 && size > best && size == largest {
			best = size
		}
	}
	return best
}

// readTime puts a trace time of day on the capture's clock.
func readTime(m *Match, tod time.Duration) time.Time {
	first := time.Unix(0, m.Conn.First).UTC()
	midnight := time.Date(first.Year(), first.Month(), first.Day(), 0, 0, 0, 0, time.UTC)
	t := midnight.Add(tod - m.ClockZone)
	// A read just after midnight of a capture that began before it.
	if t.Before(first.Add(-12 * time.Hour)) {
		t = t.Add(24 * time.Hour)
	}
	return t
}

// match finds the capture connection of each trace connection: the same
// server address and port (and client port, when the trace names it),
// in the order the connections were opened.
func (r *Result) match(res *analyze.Result) {
	used := map[*analyze.Connection]bool{}
	for ti, tc := range r.Trace.Conns {
		ep := netip.AddrPortFrom(tc.IP.Unmap(), tc.Port)
		var found *analyze.Connection
		how := ""
		for _, c := range res.Connections {
			if used[c] || unmap(c.Server) != ep {
				continue
			}
			if tc.LocalPort != 0 && c.Client.Port() != tc.LocalPort {
				continue
			}
			found = c
			how = "server " + ep.String()
			if tc.LocalPort != 0 {
				how += fmt.Sprintf(" and client port %d (from the trace)", tc.LocalPort)
			} else {
				how += ", in the order of connection"
			}
			break
		}
		if found == nil {
			r.Problems = append(r.Problems, fmt.Sprintf("trace connection to %s (line %d): no capture connection to that address and port%s", ep, tc.Line, r.nearMiss(res, ep)))
			continue
		}
		used[found] = true
		m := Match{TraceConn: ti, Conn: found, How: how}
		r.align(&m, ti)
		if why := r.requestCheck(found, ti); why != "" {
			r.Problems = append(r.Problems, why)
		}
		r.Matches = append(r.Matches, m)
	}
}

// nearMiss names the endpoints the capture does have, to make a mismatch
// plain.
func (r *Result) nearMiss(res *analyze.Result, want netip.AddrPort) string {
	seen := map[string]bool{}
	var have []string
	for _, c := range res.Connections {
		if s := c.Server.String(); !seen[s] {
			seen[s] = true
			have = append(have, s)
		}
	}
	if len(have) == 0 {
		return " (the capture has no TCP connections)"
	}
	if len(have) > 5 {
		have = append(have[:5], "...")
	}
	return "; the capture has connections to " + strings.Join(have, ", ") + ": are the trace and the capture of the same transfer?"
}

// requestCheck compares the request curl sent with the capture's first
// request on the connection (clear HTTP/1 only).
func (r *Result) requestCheck(c *analyze.Connection, ti int) string {
	if c.App == nil || c.App.Protocol != analyze.ProtoHTTP1 {
		return ""
	}
	ex := c.App.HTTP.Exchanges()
	for i, e := range r.Trace.Events {
		if i >= len(r.Trace.EventConn) || r.Trace.EventConn[i] != ti || e.Kind != curltrace.SendHeader || len(e.Data) == 0 {
			continue
		}
		line, _, _ := strings.Cut(string(e.Data), "\r\n")
		if len(ex) > 0 && ex[0].Request != nil {
			if want := ex[0].Request.Method + " " + ex[0].Request.Target; !strings.HasPrefix(line, want+" ") {
				return fmt.Sprintf("trace line %d sent %q but capture connection %d began with %q: the trace and the capture may be of different transfers", e.Line, line, c.ID, want)
			}
		}
		return ""
	}
	return ""
}

// align works out the trace clock's offset from the capture's: the first
// Recv event's time against the capture time of the segment that carried
// its first byte.
func (r *Result) align(m *Match, ti int) {
	t := r.Trace
	segs := dataSegments(m.Conn, analyze.ServerToClient)
	for i, e := range t.Events {
		if i >= len(t.EventConn) || t.EventConn[i] != ti || !e.HasTime {
			continue
		}
		if e.Kind != curltrace.RecvHeader && e.Kind != curltrace.RecvData && e.Kind != curltrace.RecvSSL {
			continue
		}
		if len(segs) == 0 {
			return
		}
		arrived := time.Unix(0, segs[0].Time).UTC()
		tod := arrived.Sub(time.Date(arrived.Year(), arrived.Month(), arrived.Day(), 0, 0, 0, 0, time.UTC))
		diff := e.Time - tod
		// Time zones are whole quarter hours away from UTC.
		zone := (diff + 7*time.Minute + 30*time.Second).Truncate(15 * time.Minute)
		if diff < 0 {
			zone = -((-diff + 7*time.Minute + 30*time.Second).Truncate(15 * time.Minute))
		}
		m.ClockZone, m.Aligned = zone, true
		return
	}
}

// dataSegments returns the data segments of one direction in stream
// order, each byte range once: the copy captured first. A retransmission
// stays when it is the only copy of some bytes (the original was lost
// before the capture point) or brings new bytes along.
func dataSegments(c *analyze.Connection, d analyze.Dir) []analyze.Segment {
	var all []analyze.Segment
	for _, s := range c.Segments {
		if s.Dir == d && s.Len > 0 && s.Kind&(analyze.KindDuplicate|analyze.KindKeepAlive) == 0 {
			all = append(all, s)
		}
	}
	sort.SliceStable(all, func(i, j int) bool {
		if all[i].Offset != all[j].Offset {
			return all[i].Offset < all[j].Offset
		}
		return all[i].Time < all[j].Time
	})
	var out []analyze.Segment
	covered := int64(-1 << 62)
	for _, s := range all {
		if s.End() > covered {
			out = append(out, s)
			covered = s.End()
		}
	}
	return out
}

// segmentsIn returns the segments overlapping rng, with their timing
// relative to the read.
func segmentsIn(c *analyze.Connection, d analyze.Dir, rng stream.Range) []Seg {
	var out []Seg
	eff := c.Dir(d).EffectiveMSS().Value
	for _, s := range dataSegments(c, d) {
		if s.End() <= rng.Start || s.Offset >= rng.End {
			continue
		}
		out = append(out, Seg{Packet: s.Packet, Offset: s.Offset, Len: s.Len, Super: eff > 0 && s.Len > eff, Arrived: time.Unix(0, s.Time)})
	}
	return out
}

// explainClear explains an event of clear HTTP/1: its bytes are a range of
// the server-to-client stream.
func (r *Result) explainClear(ev *Event, m *Match, t *curltrace.Trace, idx int) {
	c := m.Conn
	ev.Segments = segmentsIn(c, analyze.ServerToClient, ev.Range)
	eff := c.Dir(analyze.ServerToClient).EffectiveMSS()
	ev.ChunkFraming = chunkFraming(c, ev.Range)
	framing := ""
	if ev.ChunkFraming > 0 {
		framing = fmt.Sprintf(" (%d of them chunk framing: the size line and CRLF are counted in N)", ev.ChunkFraming)
	}
	covered := int64(0)
	for _, s := range ev.Segments {
		covered += min(s.Offset+int64(s.Len), ev.Range.End) - max(s.Offset, ev.Range.Start)
		if s.Super {
			ev.Cause = CauseSuperSegment
			ev.Why = fmt.Sprintf("the %d bytes sit in a %d-byte super-segment (packet %d): the capture was taken above TSO/GSO or after GRO, so the segments curl's socket received (at most %d bytes each) cannot be told from it", ev.Size, s.Len, s.Packet, eff.Value)
			return
		}
	}
	if covered < ev.Range.Len() {
		ev.Cause = CauseMissing
		ev.Why = fmt.Sprintf("%d of the %d bytes were not in the capture (packets missed, or after the capture ended)", ev.Range.Len()-covered, ev.Range.Len())
		return
	}
	one := len(ev.Segments) == 1 && ev.Segments[0].Offset == ev.Range.Start && int64(ev.Segments[0].Len) == ev.Range.Len()
	wholeSegs := len(ev.Segments) > 0 && ev.Segments[0].Offset == ev.Range.Start && ev.Segments[len(ev.Segments)-1].Offset+int64(ev.Segments[len(ev.Segments)-1].Len) == ev.Range.End
	header := precedingHeader(t, idx)
	body := bodyOf(c, ev.Range)
	switch {
	case one && ev.Size == eff.Value:
		ev.Cause = CauseFullSegment
		ev.Why = fmt.Sprintf("one segment (packet %d) carrying the effective MSS: %s%s", ev.Segments[0].Packet, eff.Arithmetic(), framing)
	case r.BufferSize > 0 && ev.Size == r.BufferSize && !wholeSegs:
		// The read stopped inside a segment: more was waiting.
		ev.Cause = CauseBufferCap
		ev.Why = fmt.Sprintf("curl's receive buffer is %d bytes and the read filled it: %d segments held these bytes%s%s", r.BufferSize, len(ev.Segments), bufferNote(r.BufferSize), framing)
	case header > 0 && len(ev.Segments) > 0 && ev.Segments[0].Offset < ev.Range.Start && ev.Segments[0].Offset >= ev.Range.Start-int64(header):
		ev.Cause = CauseAfterHeaders
		s := ev.Segments[0]
		ev.Why = fmt.Sprintf("packet %d (%d bytes) carried the end of the response header and the first body bytes; curl reports the %d header bytes as Recv header, so the first Recv data is smaller%s", s.Packet, s.Len, ev.Range.Start-s.Offset, framing)
		if len(ev.Segments) > 1 {
			ev.Why += fmt.Sprintf(", and %d more segments had arrived before the read", len(ev.Segments)-1)
		}
	case one:
		ev.Cause = CauseShortSegment
		ev.Why = fmt.Sprintf("one segment (packet %d) of %d bytes, less than the effective MSS %d: the server wrote that much at once%s", ev.Segments[0].Packet, ev.Size, eff.Value, framing)
	case body != nil && ev.Range.End == body.End && len(ev.Segments) > 0:
		ev.Cause = CauseBodyEnd
		ev.Why = fmt.Sprintf("the last %d bytes of the body: the response ended there%s", ev.Size, framing)
	case wholeSegs && len(ev.Segments) > 1:
		ev.Cause = CauseBacklog
		ev.Why = fmt.Sprintf("%d segments (%s) had arrived before curl read: the reader was slower than the network, so one read took them together%s", len(ev.Segments), segSizes(ev.Segments), framing)
	case len(ev.Segments) > 1:
		ev.Cause = CauseBacklog
		ev.Why = fmt.Sprintf("the bytes of %d segments (%s), cut where the previous and next reads ended: the socket held more than one segment when curl read%s", len(ev.Segments), segSizes(ev.Segments), framing)
	case len(ev.Segments) == 1 && ev.Segments[0].Offset < ev.Range.Start:
		// The previous read stopped inside this segment (its buffer was
		// full): the rest was already waiting.
		ev.Cause = CauseBacklog
		ev.Why = fmt.Sprintf("the rest of packet %d (%d bytes), which the previous read stopped inside: these bytes were already waiting%s", ev.Segments[0].Packet, ev.Segments[0].Len, framing)
	default:
		ev.Cause = CauseUnknown
		ev.Why = "part of one segment: another read took the rest"
	}
}

func bufferNote(size int) string {
	switch size {
	case 102400:
		return " (the curl tool's default buffer, CURLOPT_BUFFERSIZE 102400)"
	case 16384:
		return " (libcurl's default, CURL_MAX_WRITE_SIZE)"
	}
	return " (curl sizes its buffer to --limit-rate when that is lower than 102400)"
}

func roundDur(d time.Duration) string {
	if d < 0 {
		return "-" + roundDur(-d)
	}
	switch {
	case d < time.Millisecond:
		return d.Round(time.Microsecond).String()
	default:
		return d.Round(10 * time.Microsecond).String()
	}
}

func segSizes(segs []Seg) string {
	counts := map[int]int{}
	var order []int
	for _, s := range segs {
		if counts[s.Len] == 0 {
			order = append(order, s.Len)
		}
		counts[s.Len]++
	}
	var parts []string
	for _, n := range order {
		if counts[n] > 1 {
			parts = append(parts, fmt.Sprintf("%d x%d", n, counts[n]))
		} else {
			parts = append(parts, fmt.Sprint(n))
		}
	}
	if len(parts) > 4 {
		parts = append(parts[:4], "...")
	}
	return strings.Join(parts, ", ")
}

// precedingHeader is how many Recv header bytes came right before event
// idx (0 when the previous Recv event was data).
func precedingHeader(t *curltrace.Trace, idx int) int {
	n := 0
	conn := -1
	if idx < len(t.EventConn) {
		conn = t.EventConn[idx]
	}
	for i := idx - 1; i >= 0; i-- {
		e := t.Events[i]
		if i < len(t.EventConn) && t.EventConn[i] != conn {
			continue
		}
		switch e.Kind {
		case curltrace.RecvHeader:
			n += e.Size
		case curltrace.RecvData:
			return n
		}
	}
	return n
}

// bodyOf returns the response body range containing rng, if any.
func bodyOf(c *analyze.Connection, rng stream.Range) *stream.Range {
	if c.App == nil || c.App.HTTP == nil {
		return nil
	}
	for _, e := range c.App.HTTP.Exchanges() {
		if e.Response != nil && e.Response.Body.Range.Overlaps(rng) {
			b := e.Response.Body.Range
			return &b
		}
	}
	return nil
}

// chunkFraming counts the chunk-framing bytes inside rng.
func chunkFraming(c *analyze.Connection, rng stream.Range) int {
	if c.App == nil || c.App.HTTP == nil {
		return 0
	}
	n := int64(0)
	for _, e := range c.App.HTTP.Exchanges() {
		if e.Response == nil || !e.Response.Chunked || !e.Response.Body.Range.Overlaps(rng) {
			continue
		}
		for _, ch := range e.Response.Chunks {
			if !ch.Range.Overlaps(rng) {
				continue
			}
			in := min(ch.End, rng.End) - max(ch.Start, rng.Start)
			data := max(int64(0), min(ch.Data.End, rng.End)-max(ch.Data.Start, rng.Start))
			n += in - data
		}
	}
	return int(n)
}

// explainTLS explains an event of HTTPS: curl reads one TLS record per
// SSL_read, so the event is the plaintext of the record announced by the
// latest `Recv SSL data, 5 bytes`.
func (r *Result) explainTLS(ev *Event, m *Match, record int, sameRecord bool, header int) {
	c := m.Conn
	w := c.App.TLS[analyze.ServerToClient]
	recs := w.Records()
	if record < 0 || record >= len(recs) {
		ev.Cause = CauseUnknown
		ev.Why = fmt.Sprintf("the trace announced TLS record %d, the capture has %d", record+1, len(recs))
		return
	}
	rec := recs[record]
	ev.Range = rec.Range
	ev.Segments = segmentsIn(c, analyze.ServerToClient, rec.Range)
	overhead := rec.Length - ev.Size
	// The first body read shares its record with the response header,
	// which curl reports as Recv header events just before it.
	if header > 0 && header < overhead {
		overhead -= header
	} else {
		header = 0
	}
	for _, s := range ev.Segments {
		if s.Super {
			ev.Cause = CauseTLSRecord
			ev.Why = fmt.Sprintf("record %d (%d bytes on the wire) holds these %d plaintext bytes; the capture shows super-segments (above TSO/GRO), which does not matter here: the record, not the segments, sized the read", record+1, rec.Length+5, ev.Size)
			return
		}
	}
	what := "application_data"
	if rec.Type != tlsrec.ApplicationData {
		what = rec.Type.String()
	}
	proto := ""
	if hello := c.App.TLS[analyze.ClientToServer].ClientHello(); hello != nil && len(hello.ALPN) > 0 {
		if sh := w.ServerHello(); sh != nil && sh.ALPN == "h2" || r.isH2(m) {
			proto = "h2"
		}
	}
	switch {
	case proto == "h2" && overhead > 24 && (overhead-17)%9 == 0:
		frames := (overhead - 17) / 9
		ev.Cause = CauseH2Frames
		ev.Why = fmt.Sprintf("one TLS record (%d bytes, %s) of %d plaintext bytes carrying HTTP/2 frames: curl reports the DATA payload, the plaintext minus %d frame header(s) of 9 bytes", rec.Length, what, rec.Length-17, frames)
	case sameRecord:
		ev.Cause = CauseTLSRecord
		ev.Why = fmt.Sprintf("the rest of TLS record %d (%d bytes) after the response header", record+1, rec.Length)
	default:
		ev.Cause = CauseTLSRecord
		hdr := ""
		if header > 0 {
			hdr = fmt.Sprintf(" + %d of response header (reported as Recv header)", header)
		}
		ev.Why = fmt.Sprintf("one TLS record: %d bytes of %s = %d of body%s + %d of record overhead (%s); curl reads one record per SSL_read, so the record size the server chose sets N, whatever the segments (%d: %s)", rec.Length, what, ev.Size, hdr, overhead, overheadNote(overhead), len(ev.Segments), segSizes(ev.Segments))
	}
}

func (r *Result) isH2(m *Match) bool {
	for _, e := range r.Trace.Events {
		if e.Kind == curltrace.Info && strings.Contains(e.Text, "ALPN") && strings.Contains(e.Text, "h2") && strings.Contains(e.Text, "accepted") {
			return true
		}
		if e.Kind == curltrace.Info && strings.Contains(e.Text, "server accepted h2") {
			return true
		}
	}
	return false
}

func overheadNote(n int) string {
	switch n {
	case 17:
		return "TLS 1.3: 16-byte AEAD tag + 1 inner content type"
	case 24:
		return "TLS 1.2 AES-GCM: 8-byte explicit nonce + 16-byte tag"
	}
	if n > 17 {
		return "AEAD overhead plus response header bytes in the same record"
	}
	return "cipher overhead"
}

// traceOnlyWhy says what the trace alone tells about an event.
func (r *Result) traceOnlyWhy(e curltrace.Event, recordLen int) string {
	switch {
	case recordLen > 0:
		return fmt.Sprintf("the TLS record curl logged before it (Recv SSL data, 5 bytes) is %d bytes long: %d of plaintext + %d of record overhead (%s); curl reads one record per SSL_read, so the server's record size sets N. A capture would show the segments that carried the record", recordLen, e.Size, recordLen-e.Size, overheadNote(recordLen-e.Size))
	case r.BufferSize > 0 && e.Size == r.BufferSize:
		return fmt.Sprintf("the read filled curl's %d-byte buffer%s; a capture would show how many segments it held", r.BufferSize, bufferNote(r.BufferSize))
	default:
		return "a capture of the same transfer would tell which segments carried these bytes and why"
	}
}

// explainH2C explains an event of cleartext HTTP/2: curl reports DATA
// payload, so the event is placed by the DATA bytes before it onto the
// server's DATA frames.
func (r *Result) explainH2C(ev *Event, m *Match, before int64) {
	c := m.Conn
	var frames []h2.Frame
	var cum, first int64 = 0, -1
	want := stream.Range{Start: before, End: before + int64(ev.Size)}
	for _, f := range c.App.H2[analyze.ServerToClient].Frames() {
		if f.Type != 0 { // DATA
			continue
		}
		payload := stream.Range{Start: cum, End: cum + int64(f.Data)} // padding is not data
		cum = payload.End
		if payload.Overlaps(want) || (f.Data == 0 && payload.Start == want.End) {
			if first < 0 {
				first = f.Start
			}
			frames = append(frames, f)
			ev.Range = stream.Range{Start: first, End: f.End}
		}
	}
	if len(frames) == 0 {
		ev.Cause, ev.Why = CauseUnknown, "no HTTP/2 DATA frame in the capture holds these bytes"
		return
	}
	ev.Segments = segmentsIn(c, analyze.ServerToClient, ev.Range)
	var sizes []string
	for _, f := range frames {
		sizes = append(sizes, fmt.Sprint(f.Data))
	}
	ev.Cause = CauseH2Frames
	ev.Why = fmt.Sprintf("the DATA payload of %d HTTP/2 frame(s) (%s) that curl took in one read: %d bytes of stream, of which %d are 9-byte frame headers, carried by %d segment(s) (%s)",
		len(frames), strings.Join(sizes, ", "), ev.Range.Len(), 9*len(frames), len(ev.Segments), segSizes(ev.Segments))
}

// latest is the segment captured last; earliest the one captured first
// (stream order and capture order differ when a segment was resent).
func latest(segs []Seg) Seg {
	l := segs[0]
	for _, s := range segs[1:] {
		if s.Arrived.After(l.Arrived) {
			l = s
		}
	}
	return l
}

func earliest(segs []Seg) Seg {
	e := segs[0]
	for _, s := range segs[1:] {
		if s.Arrived.Before(e.Arrived) {
			e = s
		}
	}
	return e
}
