package explain

import (
	"bytes"
	"net/netip"
	"slices"

	"github.com/segscope/segscope/analyze"
	"github.com/segscope/segscope/curltrace"
	"github.com/segscope/segscope/stream"
)

// Placing events by their content: curl's --trace and --trace-ascii dump
// the bytes of every header and data event, and on HTTP/1 (in the clear,
// or decrypted) those bytes are a stretch of one connection's stream. So
// the bytes say, better than any id or order, which capture connection an
// event belongs to and where on its stream it sits: whatever curl's ids,
// the order of its connect lines, or how parallel transfers interleave.
// Order and ids stay the fallbacks where the bytes are not there (HTTP/2,
// TLS without keys, a snap length, --trace-ascii of binary data).

// placed is where an event's bytes were found.
type placed struct {
	conn *analyze.Connection
	off  int64 // on the TCP stream (clear) or the plaintext stream (decrypted TLS)
	// guessed: the bytes were found on several connections at once, and
	// neither the trace's ids nor an earlier event decided.
	guessed bool
}

// contentSrc is one capture connection whose bytes can be compared with
// the trace's: what each direction carried on the coordinate curl's
// events count (the TCP stream, or the plaintext inside TLS), and how far
// the trace's events have been found on it.
type contentSrc struct {
	c      *analyze.Connection
	b      [2]*stream.Bytes // by analyze.Dir
	cursor [2]int64
	bound  int // the trace connection its events belong to; -1 until known
}

// contentPlacement is what the trace's bytes told.
type contentPlacement struct {
	// at lists where each event's bytes are: one place, or several when
	// the same bytes are on several connections (guessed).
	at      map[int][]placed
	guessed []int
	// conn is the trace connection each placed event belongs to, by the
	// connection its bytes are on (it overrides the trace's attribution).
	conn map[int]int
	// bound maps a trace connection to the capture connection its events
	// were found on.
	bound map[int]*analyze.Connection
	// unfound lists checkable events whose bytes are on no candidate
	// connection, by the trace connection they were attributed to.
	unfound map[int][]int
	// srcs are the connections whose bytes were compared.
	srcs []*contentSrc
}

// elsewhere tells whether data is on direction d of a connection to c's
// server other than c: there a capture begun mid-transfer cannot say which
// connection a request is of (two runs of one URL at once, the capture
// begun after both: review 44).
func (p *contentPlacement) elsewhere(c *analyze.Connection, d analyze.Dir, data []byte, ascii bool) bool {
	if p == nil {
		return false
	}
	budget := int64(searchBudget)
	for _, s := range p.srcs {
		if s.c == c || unmap(s.c.Server) != unmap(c.Server) || s.b[d] == nil {
			continue
		}
		if _, ok := s.find(d, 0, data, ascii, &budget); ok {
			return true
		}
	}
	return false
}

// contentSources lists the capture connections whose bytes explain can
// compare: HTTP/1 in the clear (its capture begun mid-body too), and
// HTTP/1 inside decrypted TLS.
func contentSources(res *analyze.Result) []*contentSrc {
	var out []*contentSrc
	for _, c := range res.Connections {
		a := c.App
		if a == nil || a.Bytes[0] == nil {
			continue
		}
		s := &contentSrc{c: c, bound: -1}
		switch {
		case a.Protocol == analyze.ProtoHTTP1:
			s.b = a.Bytes
		case a.Protocol == analyze.ProtoUnknown && !c.Dir(analyze.ServerToClient).SYN.Seen:
			// Captured from the middle of a body, which is recognised
			// as nothing: its bytes are HTTP/1's all the same.
			s.b = a.Bytes
		case a.Protocol == analyze.ProtoTLS && a.Inner == analyze.ProtoHTTP1 && a.Plain[1].Len() > 0:
			s.b = a.Plain
		default:
			continue
		}
		out = append(out, s)
	}
	return out
}

// checkable tells whether an event's bytes can be looked for on a
// stream, and in which direction.
func checkable(e *curltrace.Event) (analyze.Dir, bool) {
	if len(e.Data) == 0 {
		return 0, false
	}
	switch e.Kind {
	case curltrace.RecvHeader, curltrace.RecvData:
		return analyze.ServerToClient, true
	case curltrace.SendHeader, curltrace.SendData:
		return analyze.ClientToServer, true
	}
	return 0, false
}

// minSearch is the fewest bytes an event must have to be looked for away
// from where the previous events left off: shorter ones ("\r\n") match
// anywhere.
const minSearch = 16

// placeByContent finds every checkable event of the trace on the capture
// connections' bytes. A response's header lines are found together (curl
// logs them one event each, consecutively): "HTTP/1.1 200 OK" alone is on
// every connection, the block with its Date and Content-Length is on one.
func placeByContent(t *curltrace.Trace, res *analyze.Result) *contentPlacement {
	srcs := contentSources(res)
	if len(srcs) == 0 {
		return nil
	}
	p := &contentPlacement{at: map[int][]placed{}, conn: map[int]int{}, bound: map[int]*analyze.Connection{},
		unfound: map[int][]int{}, srcs: srcs}
	x := &placer{t: t, p: p, srcs: srcs, byTrace: map[int]*contentSrc{}, budget: searchBudget, lost: map[int]bool{},
		guess: map[int]map[*contentSrc][2]int64{}, began: map[int]int{}, parallel: parallelNoIDs(t)}
	for i, e := range t.Events {
		if k := t.EventConn[i]; k >= 0 {
			if _, ok := x.began[k]; !ok {
				x.began[k] = e.Line
			}
		}
	}
	for i := 0; i < len(t.Events); {
		u := unitAt(t, i)
		i = u.next
		switch {
		case u.events == nil:
		case len(u.events) > 1:
			if !x.find(u, false) {
				// A header block not found whole (a line curl did not log
				// as it came): its lines one by one.
				for _, k := range u.events {
					x.find(single(t, k), true)
				}
			}
		default:
			x.find(u, true)
		}
	}
	// A guess made before the bytes told the connections apart is settled
	// by what they told. (Not when transfers ran in parallel without ids:
	// which trace connection an event was logged under is no evidence.)
	if x.parallel {
		return p
	}
	for _, i := range p.guessed {
		ti := eventConn(t, i)
		if c := p.bound[ti]; c != nil {
			for _, at := range p.at[i] {
				if at.conn == c {
					at.guessed = false
					p.at[i], p.conn[i] = []placed{at}, ti
				}
			}
		}
	}
	return p
}

// placer walks the trace's units over the candidate connections.
type placer struct {
	t       *curltrace.Trace
	p       *contentPlacement
	srcs    []*contentSrc
	byTrace map[int]*contentSrc // trace connection -> its capture connection, once found
	budget  int64               // bytes the searches may still scan
	// lost: the trace connection's last unit was not found, so where its
	// cursor stands says nothing: a few bytes (a header's closing CRLF)
	// that happen to be there are not found by it.
	lost map[int]bool
	// guess: while a trace connection's bytes are on several capture
	// connections at once, where its next bytes would be on each. The
	// candidates' own cursors stay: another trace connection's bytes
	// (the same request again) may be on one of them.
	guess map[int]map[*contentSrc][2]int64
	// began is the line of each trace connection's first event: a unit
	// logged before it is not that connection's.
	began map[int]int
	// parallel: the transfers ran at once and the trace names no
	// connection per event (parallelNoIDs): the connection an event is
	// logged under does not choose among connections holding its bytes
	// (review 20: a file fetched from two servers at once, the first
	// transfer's reads put on the other server's connection, the only
	// one to the last connect line's server).
	parallel bool
}

// guessed finds u's bytes where the trace connection's previous units,
// placed by a guess, left off on each candidate.
//
// A candidate whose capture lacks those bytes stays one when nothing it
// holds there differs: the bytes not being where they would be tells
// nothing of a connection whose packets were lost (review 40: two runs
// of one URL, the second's last packets lost by a stopped tcpdump; its
// trace was bound to the first run's connection, the only one left
// holding its last reads, every cause certain on the other run's
// packets). Unless what it holds is all its stream: its server's FIN
// was captured, and no byte before it missing. With no candidate
// holding the bytes, there is no hit. (A copy cut by the kept-bytes
// limit lacks them too.)
func (x *placer) guessed(ti int, u unit) []hit {
	cands := x.guess[ti]
	var out, blind []hit
	for _, s := range x.srcs { // in the capture's order
		c, ok := cands[s]
		if !ok {
			continue
		}
		switch s.agrees(u.dir, c[u.dir], u.data, x.t.ASCII) {
		case agreeWhole:
			out = append(out, hit{s, c[u.dir]})
		case agreeLacking:
			if d := s.c.Dir(u.dir); d.Fins == 0 || d.MissingBytes > 0 || s.b[u.dir].Truncated {
				blind = append(blind, hit{s, c[u.dir]})
			}
		}
	}
	if len(out) == 0 {
		return nil
	}
	return append(out, blind...)
}

// find looks for one unit: where the previous units of its connection
// left off, else further on. A unit found nowhere is listed unfound when
// last says it is the last try.
func (x *placer) find(u unit, last bool) bool {
	t, p := x.t, x.p
	ti := eventConn(t, u.events[0])
	hits := x.guessed(ti, u)
	switch {
	case x.parallel && (!x.lost[ti] || len(u.data) >= minSearch):
		// The trace connection an event is logged under is not its
		// own: where the events before it left off on each connection
		// is as good a place as where its guess chain did.
		for _, h := range contiguous(x.srcs, nil, u.dir, u.data, t.ASCII) {
			if !slices.ContainsFunc(hits, func(o hit) bool { return o.src == h.src }) {
				hits = append(hits, h)
			}
		}
	case len(hits) == 0 && (!x.lost[ti] || len(u.data) >= minSearch):
		hits = contiguous(x.srcs, x.byTrace[ti], u.dir, u.data, t.ASCII)
	}
	if len(hits) == 0 && len(u.data) >= minSearch {
		hits = search(x.srcs, u.dir, u.data, t.ASCII, &x.budget)
	}
	// Bytes found on a connection no trace connection open by then could
	// own are not this unit's: an HTTPS response's header lines, the same
	// as a later clear connection's to another port, had been moved onto
	// it (the later connection's reads then laid 126 bytes late).
	line := t.Events[u.events[0]].Line
	hits = slices.DeleteFunc(hits, func(h hit) bool { return !x.mayOwn(h.src, ti, line) })
	if len(hits) == 0 {
		if last {
			p.unfound[ti] = append(p.unfound[ti], u.events...)
			x.lost[ti] = true
		}
		return false
	}
	x.lost[ti] = false
	h, guessed := hits[0], true
	if !x.parallel || len(hits) == 1 {
		h, guessed = choose(hits, t, ti)
	}
	if guessed {
		// The same bytes are on several connections: keep every place,
		// and follow each for this trace connection, until bytes that
		// differ (a Date, a body) or the trace's ids tell them apart.
		// (Following none placed every later read of a body of
		// repeated bytes at the first one.)
		next := map[*contentSrc][2]int64{}
		for _, o := range hits {
			p.place(t, u, o, true)
			c, ok := x.guess[ti][o.src]
			if !ok {
				c = o.src.cursor
			}
			c[u.dir] = o.off + int64(len(u.data))
			next[o.src] = c
		}
		x.guess[ti] = next
		p.guessed = append(p.guessed, u.events...)
		return true
	}
	delete(x.guess, ti)
	s := h.src
	s.cursor[u.dir] = h.off + int64(len(u.data))
	owner := ti
	switch {
	case s.bound >= 0:
		owner = s.bound
	case ti >= 0 && x.byTrace[ti] == nil && sameServer(t, ti, s.c):
		s.bound, x.byTrace[ti] = ti, s
		p.bound[ti] = s.c
	default:
		// The trace did not say (no ids after a connection was left) or
		// said another server: the first trace connection to this server
		// not yet bound takes it.
		if tj := unboundConn(t, x.byTrace, s.c, x.began, line); tj >= 0 {
			s.bound, x.byTrace[tj] = tj, s
			p.bound[tj] = s.c
			owner = tj
		}
	}
	p.place(t, u, h, false)
	if owner >= 0 {
		for _, k := range u.events {
			p.conn[k] = owner
		}
	}
	return true
}

// single is the unit of event k alone.
func single(t *curltrace.Trace, k int) unit {
	d, _ := checkable(&t.Events[k])
	return unit{events: []int{k}, data: t.Events[k].Data, dir: d, next: k + 1}
}

// unit is what is looked for at once: one event's bytes, or a response's
// header block (its consecutive Recv header events).
type unit struct {
	events []int // nil: nothing to look for
	data   []byte
	dir    analyze.Dir
	next   int // the event after the unit
}

// unitAt is the unit that starts at event i.
func unitAt(t *curltrace.Trace, i int) unit {
	e := &t.Events[i]
	d, ok := checkable(e)
	if !ok {
		return unit{next: i + 1}
	}
	u := unit{events: []int{i}, data: e.Data, dir: d, next: i + 1}
	if e.Kind != curltrace.RecvHeader || !isStatusLine(e.Data) || !e.Exact && !t.ASCII {
		return u
	}
	// The header lines that follow, up to the empty line that ends them,
	// on the same connection as far as the trace says.
	ti := eventConn(t, i)
	data := append([]byte(nil), e.Data...)
	for k := i + 1; k < len(t.Events); k++ {
		f := &t.Events[k]
		if f.Kind != curltrace.RecvHeader || eventConn(t, k) != ti || len(f.Data) != f.Size || isStatusLine(f.Data) {
			break
		}
		data = append(data, f.Data...)
		u.events = append(u.events, k)
		u.next = k + 1
		if len(f.Data) <= 2 {
			break // the empty line
		}
	}
	u.data = data
	return u
}

// place records where a unit's events are, one after the other from h.
func (p *contentPlacement) place(t *curltrace.Trace, u unit, h hit, guessed bool) {
	off := h.off
	for _, k := range u.events {
		p.at[k] = append(p.at[k], placed{conn: h.src.c, off: off, guessed: guessed})
		off += int64(len(t.Events[k].Data))
	}
}

// hit is a place an event's bytes were found.
type hit struct {
	src *contentSrc
	off int64
}

// contiguous finds the event's bytes where the previous events left off:
// on the trace connection's own capture connection first, else on every
// candidate.
func contiguous(srcs []*contentSrc, own *contentSrc, d analyze.Dir, want []byte, ascii bool) []hit {
	if own != nil && own.matchAt(d, own.cursor[d], want, ascii) {
		return []hit{{own, own.cursor[d]}}
	}
	var out []hit
	for _, s := range srcs {
		if s.matchAt(d, s.cursor[d], want, ascii) {
			out = append(out, hit{s, s.cursor[d]})
		}
	}
	return out
}

// search looks for the event's bytes past each connection's cursor: curl
// skipped bytes it did not log, or an earlier event was not found.
//
// budget bounds the bytes all searches may scan together: a trace of
// another transfer against a large capture would otherwise scan every
// stream once per event. Past it, events are found only where the
// previous ones left off.
func search(srcs []*contentSrc, d analyze.Dir, want []byte, ascii bool, budget *int64) []hit {
	var out []hit
	for _, s := range srcs {
		if *budget <= 0 {
			break
		}
		if off, ok := s.find(d, s.cursor[d], want, ascii, budget); ok {
			out = append(out, hit{s, off})
		}
	}
	return out
}

// searchBudget is what the searches of one trace may scan: a few passes
// over a large capture's streams.
const searchBudget = 8 << 30

// choose takes one of several places: the trace connection's own, else
// the one place there is; several places at once are a guess.
func choose(hits []hit, t *curltrace.Trace, ti int) (hit, bool) {
	if len(hits) == 1 {
		return hits[0], false
	}
	var free []hit
	for _, h := range hits {
		if h.src.bound == ti && ti >= 0 {
			return h, false
		}
		if h.src.bound < 0 && (ti < 0 || sameServer(t, ti, h.src.c)) {
			free = append(free, h)
		}
	}
	if len(free) > 0 {
		return free[0], len(free) > 1
	}
	return hits[0], true
}

func sameServer(t *curltrace.Trace, ti int, c *analyze.Connection) bool {
	if ti < 0 || ti >= len(t.Conns) {
		return false
	}
	tc := t.Conns[ti]
	if unmap(c.Server) != netipAddrPort(tc) {
		return false
	}
	return tc.LocalPort == 0 || tc.LocalPort == c.Client.Port()
}

// unboundConn is the first trace connection to c's server that no capture
// connection was found for yet; -1 when none.
func unboundConn(t *curltrace.Trace, byTrace map[int]*contentSrc, c *analyze.Connection, began map[int]int, line int) int {
	for tj := range t.Conns {
		if b, ok := began[tj]; byTrace[tj] == nil && sameServer(t, tj, c) && ok && b <= line {
			return tj
		}
	}
	return -1
}

// mayOwn tells whether bytes found on s at a unit of trace connection ti
// logged at line can be that unit's: s is bound to a trace connection
// begun by then, or the unit's own connection is to s's server, or an
// unbound trace connection to it had connected by then.
func (x *placer) mayOwn(s *contentSrc, ti, line int) bool {
	t := x.t
	if t.HasIDs && ti >= 0 {
		// The trace's ids name the event's connection: its bytes are on
		// that one, to its server (review 29: curl -Z fetched one file
		// over HTTP/2 and over HTTP/1; the HTTP/2 reads, found in the
		// HTTP/1 connection's clear bytes, were moved onto it, and the
		// pair refused as different transfers).
		return s.bound == ti || s.bound < 0 && sameServer(t, ti, s.c)
	}
	switch {
	case s.bound >= 0:
		b, ok := x.began[s.bound]
		return ok && b <= line
	case sameServer(t, ti, s.c):
		return true
	}
	return unboundConn(t, x.byTrace, s.c, x.began, line) >= 0
}

// matchAt tells whether want is the stream's bytes at off.
func (s *contentSrc) matchAt(d analyze.Dir, off int64, want []byte, ascii bool) bool {
	have, ok := s.b[d].At(stream.Range{Start: off, End: off + int64(len(want))})
	return ok && same(want, have, ascii)
}

// agreement is how a connection's captured bytes compare with an event's
// at one place.
type agreement int

const (
	agreeNot     agreement = iota // a byte it holds there differs
	agreeWhole                    // it holds them all, the same
	agreeLacking                  // it lacks some, and those it holds are the same
)

func (s *contentSrc) agrees(d analyze.Dir, off int64, want []byte, ascii bool) agreement {
	b := s.b[d]
	end := off + int64(len(want))
	whole := true
	at := off
	for at < end {
		next, ok := b.Next(at)
		if !ok || next >= end {
			return agreeLacking
		}
		if next > at {
			whole = false
		}
		have := b.From(next)
		have = have[:min(int64(len(have)), end-next)]
		if !same(want[next-off:next-off+int64(len(have))], have, ascii) {
			return agreeNot
		}
		at = next + int64(len(have))
	}
	if !whole {
		return agreeLacking
	}
	return agreeWhole
}

// find looks for want on the stream from off on: an anchor of literal
// bytes found with bytes.Index, then the whole compared.
func (s *contentSrc) find(d analyze.Dir, from int64, want []byte, ascii bool, budget *int64) (int64, bool) {
	a, aoff := anchor(want, ascii)
	if len(a) < minAnchor {
		return 0, false
	}
	b := s.b[d]
	for off, ok := b.Next(from); ok; off, ok = b.Next(off) {
		run := b.From(off)
		*budget -= int64(len(run))
		for k := 0; ; {
			j := bytes.Index(run[k:], a)
			if j < 0 {
				break
			}
			start := off + int64(k+j) - int64(aoff)
			if start >= from && s.matchAt(d, start, want, ascii) {
				return start, true
			}
			k += j + 1
		}
		off += int64(len(run))
	}
	return 0, false
}

// minAnchor is the fewest literal bytes an event's search starts from.
const minAnchor = 8

// anchor is the longest stretch of want (of its first 256 bytes) that is
// known exactly: all of it in a --trace dump; in --trace-ascii the bytes
// between the dots, which stand for any unprintable byte.
func anchor(want []byte, ascii bool) ([]byte, int) {
	w := want[:min(len(want), 256)]
	if !ascii {
		return w, 0
	}
	best, at := 0, 0
	for i := 0; i < len(w); {
		j := i
		for j < len(w) && w[j] != '.' {
			j++
		}
		if j-i > best {
			best, at = j-i, i
		}
		i = j + 1
	}
	return w[at : at+best], at
}

// same compares an event's bytes with the stream's. In --trace-ascii a
// '.' stands for itself or for any byte curl does not print: below 0x20,
// or 0x7F (DEL) and above.
func same(want, have []byte, ascii bool) bool {
	if !ascii {
		return bytes.Equal(want, have)
	}
	if len(want) != len(have) {
		return false
	}
	for i, w := range want {
		h := have[i]
		if w != h && !(w == '.' && (h < 0x20 || h >= 0x7f)) {
			return false
		}
	}
	return true
}

// reattributed returns the trace with each placed event on the trace
// connection its bytes showed (t itself when nothing changes).
func (p *contentPlacement) reattributed(t *curltrace.Trace) *curltrace.Trace {
	if p == nil || len(p.conn) == 0 {
		return t
	}
	out := *t
	out.EventConn = make([]int, len(t.Events))
	for i := range out.EventConn {
		out.EventConn[i] = eventConn(t, i)
		if ti, ok := p.conn[i]; ok {
			out.EventConn[i] = ti
		}
	}
	// Events between two placed ones of the same connection (Info lines,
	// record headers, events without bytes) follow them.
	last := -1
	for i := range out.EventConn {
		if ti, ok := p.conn[i]; ok {
			last = ti
			continue
		}
		if last >= 0 && out.EventConn[i] < 0 {
			out.EventConn[i] = last
		}
	}
	return &out
}

// boundTo is the capture connection the trace connection's bytes were
// found on; nil when none.
func (p *contentPlacement) boundTo(ti int) *analyze.Connection {
	if p == nil {
		return nil
	}
	return p.bound[ti]
}

// placedAt is where event i's bytes were found on capture connection c.
// several tells whether event i's bytes are on more than one connection.
func (p *contentPlacement) several(i int) bool { return p != nil && len(p.at[i]) > 1 }

func (p *contentPlacement) placedAt(i int, c *analyze.Connection) (placed, bool) {
	if p == nil {
		return placed{}, false
	}
	for _, at := range p.at[i] {
		if at.conn == c {
			return at, true
		}
	}
	return placed{}, false
}

func netipAddrPort(tc curltrace.Connection) netip.AddrPort {
	return netip.AddrPortFrom(tc.IP.Unmap(), tc.Port)
}
