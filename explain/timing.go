package explain

import (
	"sort"
	"time"

	"github.com/segscope/segscope/analyze"
	"github.com/segscope/segscope/curltrace"
)

// align works out the trace clock's offset from the capture's: the first
// received event's time against the capture time of the server's first
// data segment, rounded to whole quarter hours (time zones).
func (r *Result) align(m *Match, segs *segIndex, sc *traceScan) {
	if len(segs.segs) == 0 || sc.firstRecv < 0 {
		return
	}
	e := r.Trace.Events[sc.firstRecv]
	m.ClockZone, m.Aligned = zoneOf(e.Time-timeOfDay(segs.segs[0].Time)), true
}

// midnight is the start of t's day in UTC, the day a trace's times of
// day are counted from.
func midnight(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// timeOfDay is a capture time (Unix nanoseconds) as a UTC time of day.
func timeOfDay(ns int64) time.Duration {
	t := time.Unix(0, ns)
	return t.Sub(midnight(t))
}

// zoneOf is the time zone a clock difference of d stands for: the
// nearest offset a zone uses, from UTC-12:00 to UTC+14:00 (times of day
// wrap at midnight, so d is taken modulo a day into that range).
func zoneOf(d time.Duration) time.Duration {
	const day = 24 * time.Hour
	d %= day
	if d > 14*time.Hour {
		d -= day
	}
	if d < -12*time.Hour {
		d += day
	}
	return nearestZone(d)
}

// Zones are whole or half hours from UTC, but for Nepal (+05:45), Eucla
// (+08:45) and the Chatham Islands (+12:45, +13:45 in summer): a quarter
// hour elsewhere is a clock off, not a zone (two runs 14 minutes 50
// apart were taken for UTC-00:15 and 9 s of skew).
var quarterZones = []time.Duration{
	5*time.Hour + 45*time.Minute, 8*time.Hour + 45*time.Minute,
	12*time.Hour + 45*time.Minute, 13*time.Hour + 45*time.Minute,
}

// nearestZone rounds a clock difference to the nearest zone offset.
func nearestZone(d time.Duration) time.Duration {
	best := roundTo(d, 30*time.Minute)
	for _, z := range quarterZones {
		if (d - z).Abs() < (d - best).Abs() {
			best = z
		}
	}
	return best
}

// roundTo rounds d to the nearest multiple of q, halves away from zero.
func roundTo(d, q time.Duration) time.Duration {
	if d < 0 {
		return -((-d + q/2).Truncate(q))
	}
	return (d + q/2).Truncate(q)
}

// readTime puts a trace time of day on the capture's clock.
func readTime(m *Match, tod time.Duration) time.Time {
	first := time.Unix(0, m.Conn.First)
	t := midnight(first).Add(tod - m.ClockZone)
	// A read just after midnight of a capture that began before it.
	if t.Before(first.Add(-12 * time.Hour)) {
		t = t.Add(24 * time.Hour)
	}
	return t
}

// timeReads sets each match's clock skew, from the smallest delay between
// a segment's capture and the read of its last byte, then dates every read
// on the capture's clock and times its segments against it.
func (r *Result) timeReads(conns map[int]*connState) {
	byConn := map[int][]int{} // capture connection ID -> indexes into r.Events
	for i, ev := range r.Events {
		if ev.Conn >= 0 && ev.hasTOD {
			byConn[ev.Conn] = append(byConn[ev.Conn], i)
		}
	}
	// One curl process has one clock: each connection's quickest read
	// gives its own estimate of the offset (a connection whose own is far
	// off is not the trace's), and the trace's offset is the smallest
	// of them, the quickest read of all taken as immediate.
	type timed struct {
		st   *connState
		skew time.Duration
	}
	var skews []timed
	common, have := time.Duration(0), false
	for ti := -1; ti < len(r.Trace.Conns); ti++ {
		st := conns[ti]
		if st == nil {
			continue
		}
		m := st.m
		if m == nil || !m.Aligned {
			continue
		}
		skew, ok := r.skew(m, byConn[m.Conn.ID])
		if !ok {
			// No read lies on the capture's segments: nothing to align
			// the clocks with.
			m.Aligned = false
			continue
		}
		skews = append(skews, timed{st, skew})
		if skew <= maxSkew && skew >= -maxSkew && (!have || skew < common) {
			common, have = skew, true
		}
	}
	// curl 8's trace clock is the system's (to the microsecond): on one
	// host no offset is needed unless a read seems to come before its
	// data. curl 7's runs up to a second off, and a capture at the server
	// is another host's clock: there the quickest read is taken as
	// immediate.
	curl8 := r.Trace.Curl.AtLeast(8, 0)
	asIs := have && common >= 0 && curl8
	for _, x := range skews {
		st, skew := x.st, x.skew
		m := st.m
		evs := byConn[m.Conn.ID]
		client := !m.Point.awayFromCurl()
		// Without a common offset every skew is far off, and each
		// connection keeps its own below.
		m.ClockSkew = common
		if asIs && client {
			m.ClockSkew, m.ClockAsIs = 0, true
		}
		// One host, one clock: a read cannot be logged before its bytes
		// passed the capture; the trace is another run's.
		before := curl8 && m.Point != nil && m.Point.By == "one-host" && skew < -oneHostSlack
		if before {
			r.Problems = append(r.Problems, Problem{Kind: ProblemReadBeforeData, Line: r.Trace.Conns[m.TraceConn].Line, Conn: m.Conn.ID, Skew: skew})
		}
		outside := time.Duration(0)
		if curl8 && client && !before {
			outside = r.outsideConn(m, evs)
		}
		if outside == 0 && curl8 && client && !before && skew < -twoHostSlack && skew >= -maxSkew {
			// Nothing shows curl and the capture on two hosts, whose
			// clocks could be that far apart; on one they are not.
			r.Problems = append(r.Problems, Problem{Kind: ProblemReadsEarly, Line: r.Trace.Conns[m.TraceConn].Line, Conn: m.Conn.ID, Skew: skew})
			r.distantConn(m, evs)
		}
		if outside != 0 && skew <= maxSkew && skew >= -maxSkew {
			// curl 8's clock is the system's: the trace's connection
			// cannot have begun after the capture's ended, nor ended
			// before it began, on one host.
			r.Problems = append(r.Problems, Problem{Kind: ProblemOtherRun, Line: r.Trace.Conns[m.TraceConn].Line, Conn: m.Conn.ID, Skew: outside})
			m.ClockSkew, m.ClockAsIs = skew, false
			r.distantConn(m, evs)
		}
		if skew > maxSkew || skew < -maxSkew {
			// Nothing but the order says this connection is the trace's,
			// and the clocks say it is not; unless the bytes say it is:
			// then the clocks are two hosts'.
			kind := ProblemClockSkew
			if m.By == ByContent {
				kind = ProblemHostClocks
			}
			r.Problems = append(r.Problems, Problem{Kind: kind, Line: r.Trace.Conns[m.TraceConn].Line, Conn: m.Conn.ID, Skew: skew})
			m.ClockSkew = skew
			for _, i := range evs {
				r.Events[i].Facts.distant = true
			}
		}
		for _, i := range evs {
			ev := &r.Events[i]
			timeRead(ev, m, st)
			ev.Facts.capturedPast, ev.Facts.timed = r.last > ev.Time.UnixNano(), true
		}
	}
}

// distantConn marks the reads evs and the sends of m's connection as
// timed across clocks that may not agree: no cause of theirs is certain.
func (r *Result) distantConn(m *Match, evs []int) {
	for _, i := range evs {
		r.Events[i].Facts.distant = true
	}
	for i := range r.Sends {
		if r.Sends[i].Conn == m.Conn.ID {
			r.Sends[i].Facts.distant = true
		}
	}
}

// twoHostSlack is how far apart two hosts' clocks may be and still be
// taken as kept together (NTP keeps a network's within milliseconds):
// a curl 8 read logged further ahead of its bytes than this, on a
// capture not shown to be on another host, needs another explanation.
const twoHostSlack = 10 * time.Millisecond

// oneHostSlack is how far before the capture of its bytes curl 8 may
// log a read when curl, the server and the capture share one host and
// one clock: the clocks' resolution, never scheduling (the capture
// stamps a packet before the reader can take it).
const oneHostSlack = time.Millisecond

// otherRunSlack is how far, on one host's clock, curl 8 may log a
// connection's first event after the connection's last captured packet
// (it logs the request head once its send returns) or its last read
// before the first packet: scheduling, never a transfer's length.
const otherRunSlack = 100 * time.Millisecond

// lineTime is the --trace-time of the event at line, when it has one.
func lineTime(t *curltrace.Trace, line int) (time.Duration, bool) {
	i := sort.Search(len(t.Events), func(k int) bool { return t.Events[k].Line >= line })
	if i == len(t.Events) || t.Events[i].Line != line || t.Events[i].At == curltrace.NoTime {
		return 0, false
	}
	return time.Duration(t.Events[i].At), true
}

// connectSlack is how far curl's connect line may fall outside its
// connection's packets on one host's clock (scheduling, not clocks).
const connectSlack = 10 * time.Millisecond

// outsideConn tells whether a curl 8 trace's events on m (the reads evs
// and m's sends, on the trace's clock taken as the capture's) lie wholly
// after the capture connection's last packet (how far after, positive)
// or wholly before its first (how far before, negative); 0 when they
// overlap it.
func (r *Result) outsideConn(m *Match, evs []int) time.Duration {
	var lo, hi time.Duration
	seen := false
	see := func(tod time.Duration) {
		if !seen || tod < lo {
			lo = tod
		}
		if !seen || tod > hi {
			hi = tod
		}
		seen = true
	}
	for _, i := range evs {
		see(r.Events[i].tod)
	}
	for i := range r.Sends {
		if ev := &r.Sends[i]; ev.Conn == m.Conn.ID && ev.hasTOD {
			see(ev.tod)
		}
	}
	if !seen {
		return 0
	}
	first, last := time.Unix(0, m.Conn.First), time.Unix(0, m.Conn.Last)
	// The connect line is logged as the handshake ends: not after the
	// connection's last packet, nor before its first (review 33: run 2's
	// "Connected" 12 ms after run 1's connection had closed, every cause
	// certain; a read may come long after the FIN, a connect may not).
	if ci := m.TraceConn; ci >= 0 && ci < len(r.Trace.Conns) {
		if at, ok := lineTime(r.Trace, r.Trace.Conns[ci].Line); ok {
			c := readTime(m, at)
			if d := c.Sub(last); d > connectSlack {
				return d
			}
			// (Before the first only when the capture has the
			// connection's start: one begun mid-transfer has its
			// first packet long after the connect.)
			if d := c.Sub(first); d < -connectSlack && m.Conn.Dir(analyze.ClientToServer).SYN.Seen {
				return d
			}
		}
	}
	if d := readTime(m, lo).Sub(last); d > otherRunSlack {
		return d
	}
	if d := readTime(m, hi).Sub(first); d < -otherRunSlack {
		return d
	}
	return 0
}

// skew is the smallest delay between the capture of a read's last segment
// and the read, taken as the clocks' offset. A request head counts too:
// it leaves during curl's send (the connection has nothing queued before
// it), and curl logs it after, so its first segment bounds the offset
// the same way; an upload's only read, the response, is logged after curl
// has dumped the whole body, which can take milliseconds (or a
// --limit-rate pause). curl 8 logs the head after its send returns
// (strace: sendto 2 ms before the Send header line); curl 7's trace clock
// cannot be compared with strace's. Captured at the server, the head
// arrives a path's delay late: there only the reads count.
func (r *Result) skew(m *Match, evs []int) (time.Duration, bool) {
	var skew time.Duration
	first := true
	take := func(lag time.Duration) {
		if first || lag < skew {
			skew, first = lag, false
		}
	}
	for _, i := range evs {
		ev := &r.Events[i]
		if len(ev.Segments) == 0 {
			continue
		}
		take(readTime(m, ev.tod).Sub(latest(ev.Segments).Arrived))
	}
	if m.Point != nil && m.Point.Where == PointServer {
		return skew, !first
	}
	var (
		floor    time.Duration
		hasFloor bool
	)
	for i := range r.Sends {
		ev := &r.Sends[i]
		if ev.Conn != m.Conn.ID || ev.Kind != curltrace.SendHeader || !ev.hasTOD || len(ev.Segments) == 0 {
			continue
		}
		lag := readTime(m, ev.tod).Sub(earliest(ev.Segments).Arrived)
		if ev.Facts.Layer == LayerH2C || ev.Facts.Layer == LayerH2TLS {
			// Over HTTP/2 curl logs the head when it hands it to its
			// HTTP/2 layer, before the HEADERS frame leaves: the offset
			// is at least this (the head is not captured before it is
			// logged).
			if !hasFloor || lag > floor {
				floor, hasFloor = lag, true
			}
			continue
		}
		take(lag)
	}
	if hasFloor && (first || skew-floor > heldReads) {
		// The quickest read taken as immediate would have the head leave
		// long after curl logged it; an HTTP/2 head leaves within a
		// moment (HEADERS are not flow-controlled), a read can be held
		// back by curl (review 19: curl 7.88 with --limit-rate over
		// HTTP/2, its one read 337 ms after the response's packet by
		// strace, had been taken as immediate, and the head as sent 337
		// ms after it was logged). The head sets the offset.
		skew, first = floor, false
		m.ClockByH2Head = true
	}
	return skew, !first
}

// heldReads is how much later than an HTTP/2 head allows the quickest
// read may come and still be taken as immediate: scheduling, never a
// pause of curl's.
const heldReads = 50 * time.Millisecond

// maxSkew is the most the clocks of a trace and a capture taken on one
// host are apart once aligned: curl 7.x's trace clock runs up to a second
// off the system's (curl 8 agrees to microseconds).
const maxSkew = 2 * time.Second

// timeRead dates one read and its segments, and tells whether the segment
// after its last byte had arrived before it.
func timeRead(ev *Event, m *Match, st *connState) {
	ev.Time = readTime(m, ev.tod).Add(-m.ClockSkew)
	for j := range ev.Segments {
		ev.Segments[j].Before = ev.Time.Sub(ev.Segments[j].Arrived)
	}
	if len(ev.Segments) > 0 {
		t := ev.Facts.Timing
		if t == nil {
			t = &TimingFact{}
			ev.Facts.Timing = t
		}
		t.Source = FromCapture
		t.LastBefore = latest(ev.Segments).Before
		t.FirstBefore = earliest(ev.Segments).Before
	}
	s := ev.Facts.Segments
	if s == nil || st == nil || st.segs == nil || ev.Facts.Layer != LayerHTTP1 {
		return
	}
	if p := st.m.Point; p != nil && p.Where == PointServer { // st.segs is set only with a match
		return // the segments' times are when they left, not when they reached curl
	}
	s.NextKnown = true
	if next, ok := st.segs.at(ev.Range.End); ok && !s.EndsInside {
		s.NextArrived = time.Unix(0, next.Time).Before(ev.Time)
	}
	ev.Facts.Push = pushFact(ev, st.segs)
}

// pushFact: the read is exactly one push of the server's stack (the PSH
// flag on its last segment only, and on the segment before it), whose
// segments came together after curl's previous read: curl was waiting,
// and took the push as it came, not because it read slowly.
func pushFact(ev *Event, x *segIndex) *PushFact {
	segs, s, t := ev.Segments, ev.Facts.Segments, ev.Facts.Timing
	n := len(segs)
	if n < 2 || !s.Exact || s.Super > 0 || t == nil || !t.HasPrevious || t.Source != FromCapture {
		return nil
	}
	for _, sg := range segs[:n-1] {
		if sg.Push {
			return nil
		}
	}
	if !segs[n-1].Push {
		return nil
	}
	if ev.Range.Start > 0 {
		prev, ok := x.at(ev.Range.Start - 1)
		if !ok || prev.Flags&analyze.FlagPSH == 0 {
			return nil
		}
	}
	first, last := earliest(segs).Arrived, latest(segs).Arrived
	idle := first.Sub(ev.Time.Add(-t.SincePrevious))
	span := last.Sub(first)
	if idle <= 0 || pushBurst*span > idle || t.FirstBefore > pushWake {
		return nil
	}
	return &PushFact{Source: FromCapture, Segments: n, Span: span, Idle: idle}
}

// pushBurst: a push's segments came together when they arrived within a
// quarter of the time curl had waited for them; and curl was waiting when
// it read within pushWake of the first one's arrival (else the bytes sat
// waiting: backlog).
const (
	pushBurst = 4
	pushWake  = 500 * time.Microsecond
)

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

// bufferOf finds curl's receive buffer in the trace: the length curl's
// [TCP] recv lines asked for on clear connections (curl 8.3+
// --trace-config tcp), else the curl tool's 102400 or libcurl's 16384
// when a read of the clear hit it and none was larger.
func bufferOf(t *curltrace.Trace, conns map[int]*connState) *BufferFact {
	lens := map[int]int{}
	hit := map[int]bool{}
	largest := 0
	header := map[int]int{} // response header bytes logged since the connection's last read
	toolH2 := false         // an HTTP/2 read of the curl tool's 102400 bytes
	for i, e := range t.Events {
		ci := eventConn(t, i)
		st := conns[ci]
		if st != nil && (st.layer == LayerH2C || st.layer == LayerH2TLS) {
			// HTTP/2 reads are frames, or (curl 7) what its layer had,
			// up to the buffer: only the tool's 102400 names it (a
			// 16384-byte read is a whole frame as often).
			toolH2 = toolH2 || e.Kind == curltrace.RecvData && e.Size == 102400
			continue
		}
		if st == nil || (st.layer != LayerHTTP1 && st.layer != LayerUnknown) {
			continue
		}
		if e.TCPRecv != nil && e.TCPRecv.Len >= 1024 {
			lens[e.TCPRecv.Len]++
		}
		switch e.Kind {
		case curltrace.RecvHeader:
			header[ci] += e.Size
		case curltrace.RecvData:
			// The first read of a body can fill the buffer with the
			// header, which curl logs apart.
			n := e.Size + header[ci]
			header[ci] = 0
			largest = max(largest, e.Size)
			hit[e.Size], hit[n] = true, true
		}
	}
	if size := mostCommon(lens); size > 0 {
		return &BufferFact{Source: FromTrace, Size: size, Kind: BufferTCPRecv}
	}
	switch {
	case largest <= 102400 && (hit[102400] || toolH2):
		return &BufferFact{Source: FromTrace, Size: 102400, Kind: BufferCurlTool}
	case largest <= 16384 && hit[16384]:
		return &BufferFact{Source: FromTrace, Size: 16384, Kind: BufferLibcurl}
	}
	return nil
}

// inferBuffer finds a buffer the trace does not name (curl sizes it to
// --limit-rate below 102400) from the reads of the clear: the largest
// size, when at least two reads of it stopped inside a segment (more was
// waiting) or came after curl paused.
func (r *Result) inferBuffer() {
	largest := 0
	for _, e := range r.Events {
		if e.Facts.Layer == LayerHTTP1 {
			largest = max(largest, e.Size)
		}
	}
	n := 0
	for _, e := range r.Events {
		f := e.Facts
		// A body's first read shares curl's buffer with the header curl
		// logged apart (review 22: 258 + 50942 = 51200 with --limit-rate
		// 50k, curl 8's reads capped at the rate).
		size := e.Size
		if h := f.Header; h != nil && h.Bytes > 0 && size+h.Bytes == largest {
			size = largest
		}
		if size != largest || f.Layer != LayerHTTP1 {
			continue
		}
		if (f.Segments != nil && f.Segments.EndsInside) || paused(f) {
			n++
		}
	}
	if n >= 2 && largest%1024 == 0 {
		r.Buffer = &BufferFact{Source: FromCapture, Size: largest, Kind: BufferLimitRate}
	}
}

// paused tells that curl waited before a read while its bytes were there:
// the read came long after the previous one, and its first segment had
// been captured long before it (a server that paces its writes leaves
// long gaps too, but then the bytes are fresh).
func paused(f Facts) bool {
	t := f.Timing
	return t != nil && t.HasPrevious && t.SincePrevious >= ratePause && t.Source == FromCapture && t.FirstBefore >= ratePause/2
}

func mostCommon(m map[int]int) int {
	best := 0
	for v, n := range m {
		if n > m[best] || (n == m[best] && v > best) {
			best = v
		}
	}
	return best
}

// bufferFacts gives a read of the clear the buffer fact when it filled the
// buffer.
//
// The first read of a body may have filled the buffer with the header
// too: curl logs the header apart (Recv header, right before), so N plus
// the header bytes is the buffer.
func (r *Result) bufferFacts(ev *Event) {
	b := r.Buffer
	if b == nil {
		return
	}
	f := *b
	switch h := ev.Facts.Header; {
	case ev.Size == b.Size:
		f.Filled = true
	case h != nil && h.Bytes > 0 && ev.Size+h.Bytes == b.Size:
		f.Filled, f.HeaderBytes = true, h.Bytes
	case ev.Facts.Layer == LayerHTTP1 && ev.Facts.Segments != nil && ev.Facts.Segments.EndsInside:
		// Room left in the buffer, and the read stopped inside a
		// segment: the buffer is part of why that is odd (clearRules).
	default:
		return
	}
	ev.Facts.Buffer = &f
}
