// Package explain joins a curl trace to a capture of the same transfer and
// says, for every `Recv data, N bytes` event, which segments carried those
// bytes, when they arrived relative to the read, and why N is what it is;
// and for every `Send header` and `Send data` event (Result.Sends) where
// its bytes went and why curl sent that many (send.go).
//
// Each event's explanation is evidence, then rules: typed facts, each with
// its source (the capture, the trace, the key log; see Facts), and a cause
// derived from them by the rules in rules.go, with a confidence: certain,
// inferred (with the inference named), or cannot tell (with what is
// missing, see Need). A cause the facts do not support is never given.
//
// It parses nothing: it takes a parsed trace (package curltrace) and an
// analysis (package analyze) whose matching connections kept their
// segments, and intersects ranges on the stream-offset coordinate, placing
// reads on what the walkers found (response headers and bodies, TLS
// records, HTTP/2 frames) so that placement resynchronises after anything
// curl did not log. It writes no prose either: package report turns the
// facts and causes into sentences.
package explain

import (
	"bytes"
	"fmt"
	"math"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/segscope/segscope/analyze"
	"github.com/segscope/segscope/curltrace"
	"github.com/segscope/segscope/stream"
	"github.com/segscope/segscope/tlsdec"
)

// Event explains one Recv data event, or one Send header or Send data
// event (Dir).
type Event struct {
	Index int // into the trace's events
	Line  int
	Size  int
	Dir   Direction
	Kind  curltrace.Kind
	// Time is the read's time on the capture's clock (zero without
	// --trace-time or without a matched capture).
	Time time.Time
	Conn int // capture connection ID; -1 when unmatched
	// Range is the bytes on the server-to-client TCP stream: the read's
	// own bytes in the clear, the ciphertext that carried them inside TLS
	// (the whole record when the plaintext cannot be placed).
	Range stream.Range
	// Plain is the read's extent on the decrypted stream (HTTP/2 over TLS
	// with keys); empty otherwise.
	Plain    stream.Range
	Segments []Seg

	Facts      Facts
	Cause      Cause
	Confidence Confidence
	Inference  Inference // when Confidence is Inferred
	Needs      []Need    // what would decide (CannotTell) or make certain (Inferred)
	Notes      []Note

	tod    time.Duration // the trace's time of day, when it has one
	hasTOD bool
}

// MatchBy says how a trace connection was matched to the capture's.
type MatchBy uint8

const (
	ByServerInOrder   MatchBy = iota // same server address and port, in order of connection
	ByServerAndClient                // same server, and the client port the trace names (curl 8.16+)
	ByContent                        // the bytes curl logged are this connection's
	ByConnectTime                    // of several to the server, the one that connected when the trace did
	ByClientRandom                   // its ClientHello carries the random curl's trace dumped
)

func (m MatchBy) String() string {
	switch m {
	case ByServerAndClient:
		return "server-and-client-port"
	case ByContent:
		return "content"
	case ByConnectTime:
		return "connect-time"
	case ByClientRandom:
		return "client-random"
	}
	return "server-in-order"
}

// Match pairs a trace connection with a capture connection.
type Match struct {
	TraceConn int // index into Trace.Conns
	Conn      *analyze.Connection
	By        MatchBy
	// ClockZone is the trace clock's offset from UTC (a whole number of
	// quarter hours) and ClockSkew what remains between the two clocks,
	// taken as the smallest delay between a segment's capture and the read
	// that returned its last byte (curl 7.x times events with a monotonic
	// clock and an offset taken once, so tens of milliseconds are common).
	ClockZone, ClockSkew time.Duration
	// ClockByH2Head: the offset is the HTTP/2 request head's, taken as
	// sent as curl logged it, as every read came later than that allows
	// for the quickest to be immediate (curl held its reads back).
	ClockByH2Head bool
	Aligned       bool
	// ClockAsIs: the two clocks are taken as they are (ClockSkew 0): curl
	// 8's trace clock is the system's, and on the capture's no read came
	// before its data, so nothing says they are apart (a --limit-rate
	// run delays every read: its quickest read is not immediate).
	ClockAsIs bool
	// Ambiguous: the capture has more connections to the server than the
	// trace, and the trace does not name its client port: the match in
	// order of connection is a guess.
	Ambiguous bool
	// Point is where the capture was taken, and whether the server's
	// segments show offload.
	Point *PointFact
	// KeyMissing: the connection is TLS, a key log was given, and it
	// holds no secret for this connection (another run's key log).
	KeyMissing bool
	// uncrossed: swapped by uncross; the content placement, made for the
	// other match, says nothing of it.
	uncrossed bool
}

// ProblemKind names what went wrong joining the trace to the capture.
type ProblemKind uint8

const (
	ProblemNoConnection    ProblemKind = iota + 1 // no capture connection to the trace connection's server
	ProblemRequestDiffers                         // the capture connection began with another request
	ProblemClockSkew                              // the two clocks are too far apart for one host
	ProblemResponseDiffers                        // the response curl logged has another Date than the capture's
	ProblemAmbiguous                              // more capture connections to the server than the trace has
	ProblemContentDiffers                         // bytes curl logged are not on the capture connection, which holds that direction whole
	ProblemHostClocks                             // the bytes match, but the clocks are too far apart for one host: two hosts' clocks
	// ProblemOtherRun: the bytes match, but curl 8's clock (the
	// system's) puts the trace's connection wholly before or after the
	// capture connection (Skew: how far after its last packet, or
	// negative, before its first): another run of the same transfer, or
	// a capture on another host.
	ProblemOtherRun
	// ProblemStrayStop: the read at Line (Size bytes) stopped inside
	// packet Packet of connection Conn with room left in curl's Buffer:
	// one read of that stream takes all that waits, so the trace may be
	// of another run of the transfer (curl 7's trace clock cannot tell),
	// or curl was slowed. The connection's causes are inferred.
	ProblemStrayStop
	// ProblemHelloDiffers: the trace dumped the ClientHello it sent
	// (curl --trace), and capture connection Conn to the same server
	// sent one with another random (Sent, Began: the two, shortened):
	// another TLS session, so another transfer.
	ProblemHelloDiffers
	// ProblemReadBeforeData: both ends of capture connection Conn are on
	// one host, where curl 8's trace clock is the capture's, and curl
	// logged a read Skew (negative) before the capture shows its bytes:
	// the trace is of another run of the transfer (review 23: the next
	// run, the same bytes and Date, had its clock moved 20 ms to fit).
	ProblemReadBeforeData
	// ProblemReadsEarly: curl 8 logged a read of capture connection Conn
	// Skew (negative) before the capture shows its bytes, and the capture
	// is not shown to be on another host than curl (one address for both
	// ends refuses: ProblemReadBeforeData): another run of the same
	// transfer, or a capture on a host whose clock is that far ahead. The
	// connection's causes are inferred (review 26: the next run, 85 ms
	// later across a veth, had the trace clock moved to fit, every cause
	// certain).
	ProblemReadsEarly
	// ProblemUnixSocket: the trace connection at Line is to the Unix
	// socket Socket (curl --unix-socket): no TCP carried it, and no
	// capture connection is matched to it.
	ProblemUnixSocket
)

// Refuses tells whether a problem shows that the trace and the capture
// are of different transfers: then no cause is given.
func (k ProblemKind) Refuses() bool {
	switch k {
	case ProblemRequestDiffers, ProblemResponseDiffers, ProblemClockSkew, ProblemContentDiffers, ProblemHelloDiffers, ProblemReadBeforeData:
		return true
	}
	return false
}

// ClockBack is where the trace's clock went back: at Line, By before the
// line before it. curl writes its lines in order, so the clock of the
// host stepped (an NTP correction, an edited trace): its times are not
// used, as in a trace without --trace-time (review 24: one line 4 s back
// had the whole trace aligned 4 s off, "two hosts?").
type ClockBack struct {
	Line int
	By   time.Duration
}

// clockBackSlack is how far a trace time may go back from the line before
// without the clock having stepped: never, but for rounding.
const clockBackSlack = time.Millisecond

// clockBack finds the first trace line whose time is before the line
// before it by more than clockBackSlack (across midnight, times wrap:
// a day's jump back is the next day).
func clockBack(t *curltrace.Trace) ClockBack {
	if !t.HasTimes {
		return ClockBack{}
	}
	var prev time.Duration
	have := false
	for _, e := range t.Events {
		if !e.HasTime {
			continue
		}
		if d := prev - e.Time; have && d > clockBackSlack && d < 12*time.Hour {
			return ClockBack{Line: e.Line, By: d}
		}
		prev, have = e.Time, true
	}
	return ClockBack{}
}

// withoutTimes is t with its times taken off.
func withoutTimes(t *curltrace.Trace) *curltrace.Trace {
	out := *t
	out.HasTimes = false
	out.Events = slices.Clone(t.Events)
	for i := range out.Events {
		e := &out.Events[i]
		e.HasTime, e.Time, e.At = false, 0, curltrace.NoTime
	}
	return &out
}

// Problem is something that kept the trace and the capture apart.
type Problem struct {
	Kind   ProblemKind
	Line   int            // trace line
	Server netip.AddrPort // the trace connection's server
	// Have lists the servers the capture does have (at most 5; More when
	// there were more); NoTCP when it has no TCP connection at all.
	Have  []netip.AddrPort
	More  bool
	NoTCP bool
	// SnapCut frames of the capture were cut inside their headers by its
	// snap length (SnapLen bytes kept at most) and could not be read.
	SnapCut, SnapLen int
	// ProblemRequestDiffers: what the trace sent and what the capture
	// connection Conn began with.
	Conn        int
	Sent, Began string
	// ProblemAmbiguous: how many capture connections (Candidates) could
	// be the trace's connections to Server (TraceConns).
	Candidates, TraceConns int
	// ProblemClockSkew: how far the trace's clock is ahead of the
	// capture's (negative: behind), once aligned on the quickest read.
	Skew time.Duration
	// ProblemContentDiffers: the events (Unfound of them, the first at
	// Line with Size bytes) whose bytes are on no capture connection
	// though connection Conn holds that direction whole; Sent: they were
	// sent (else received).
	Unfound, Size int
	SentDir       bool
	// ProblemNoConnection through a proxy: the target of curl's CONNECT
	// (Tunnel), and the capture connection to it (TunnelConn, -1: none):
	// the proxy's leg to the origin, not curl's connection.
	Tunnel     netip.AddrPort
	TunnelConn int
	// ProxyForm: Tunnel is the origin of an absolute-form request (curl
	// through an HTTP proxy to an http:// URL), not a CONNECT's.
	ProxyForm bool
	// ProblemAmbiguous: the guess was by the connect line's time (curl
	// 7's clock), not the order of connection; Crossed: by the order in
	// which the connections began, against the bytes (uncross).
	ByTime  bool
	Crossed bool
	// Unseen: matched by the bytes, but another connection to the
	// server began before the capture and may be the trace's.
	Unseen bool
	// NoDate: the trace shows no response Date of this connection's, or
	// the capture none of its candidates' (encrypted), so none could be
	// ruled out by it.
	NoDate bool
	// ProblemStrayStop: the packet the read stopped inside, and curl's
	// buffer.
	Packet, Buffer int
	// ProblemNoConnection: other connections of the trace are in the
	// capture (it is of this transfer, not all of it).
	OthersMatched bool
	// ProblemUnixSocket: the socket's path.
	Socket string
}

// Result is the explanation of a trace.
type Result struct {
	Trace *curltrace.Trace
	// ClockBack: the trace's clock went back (Line 0 when not); its
	// times were then taken off, Trace has none.
	ClockBack ClockBack
	Matches   []Match
	Events    []Event
	Summary   Summary
	Problems  []Problem
	// Buffer is curl's receive buffer as the trace shows it (nil when no
	// read of the clear shows one).
	Buffer *BufferFact
	// Warnings are the capture's warnings about the matched connections.
	Warnings []analyze.Warning
	// Refused: a problem shows that the trace and the capture are of
	// different transfers (Problem.Kind.Refuses); no event has a cause.
	Refused bool

	// Sends explains the Send header and Send data events, in trace order.
	Sends []Event

	content *contentPlacement // where the trace's bytes were found; nil without them
	uploads *uploadPlan
	scan    map[int]*traceScan
	// parallel: curl 7 without ids ran transfers in parallel (see
	// parallelNoIDs): which connection an event is of is not known.
	parallel bool
	last     int64 // the capture's last packet, Unix nanoseconds
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

// AnalyzeOptions are what explain needs of the analysis of a capture: the
// segments and the bytes of the trace's connections (Wanted), and every
// record, frame and chunk, however long the transfer.
func AnalyzeOptions(t *curltrace.Trace) analyze.Options {
	w := Wanted(t)
	return analyze.Options{KeepSegments: w, KeepBytes: w, MaxUnits: math.MaxInt32}
}

func unmap(ap netip.AddrPort) netip.AddrPort { return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()) }

// Explain joins the trace's Recv data events to the capture. res may be
// nil: then only what the trace tells is reported.
func Explain(t *curltrace.Trace, res *analyze.Result) *Result {
	back := clockBack(t)
	if back.Line != 0 {
		t = withoutTimes(t)
	}
	var cp *contentPlacement
	if res != nil {
		cp = placeByContent(t, res)
		t = cp.reattributed(t)
	}
	r := &Result{Trace: t, content: cp, ClockBack: back}
	if res != nil {
		r.last = res.Last
	}
	scan := scanTrace(t)
	r.scan = scan
	r.parallel = parallelNoIDs(t)
	if res != nil {
		r.match(res, scan)
		r.uncross(res, scan)
		for i := range r.Problems {
			r.Problems[i].OthersMatched = r.Problems[i].Kind == ProblemNoConnection && len(r.Matches) > 0
		}
	}
	conns := r.connStates(res != nil, scan)
	if r.parallel {
		for _, st := range conns {
			st.parallel = true
		}
	}
	if res != nil && res.TCPPackets == 0 && res.SnapCut > 0 {
		for _, st := range conns {
			st.snapLost = true
		}
	}
	r.Buffer = bufferOf(t, conns)
	for i := range t.Events {
		e := &t.Events[i]
		st := conns[eventConn(t, i)]
		if ev, ok := st.feed(i, e); ok {
			r.Events = append(r.Events, ev)
		}
	}
	for ti := -1; ti < len(t.Conns); ti++ {
		if st := conns[ti]; st != nil {
			st.tbody.flush()
			r.Summary.CutBodies = append(r.Summary.CutBodies, st.tbody.cuts...)
		}
	}
	slices.SortFunc(r.Summary.CutBodies, func(a, b CutBody) int { return a.Line - b.Line })
	r.Summary.Stops = stopLines(t)
	sides := r.placeSends(conns)
	r.timeReads(conns)
	r.contentCheck()
	if r.Buffer == nil {
		r.inferBuffer()
	}
	if r.Buffer != nil {
		r.Buffer.LimitRate = limitRateArg(t.Args)
	}
	r.recordReads()
	stray := map[int]bool{}
	for i := range r.Events {
		ev := &r.Events[i]
		if ev.Facts.Layer == LayerHTTP1 || ev.Facts.Layer == LayerUnknown || ev.Facts.Frames != nil {
			r.bufferFacts(ev)
		}
		if ev.Conn >= 0 && !stray[ev.Conn] && strayStop(&ev.Facts) {
			stray[ev.Conn] = true
			r.Problems = append(r.Problems, Problem{Kind: ProblemStrayStop, Line: ev.Line, Conn: ev.Conn,
				Size: ev.Size, Packet: ev.Segments[len(ev.Segments)-1].Packet, Buffer: ev.Facts.Buffer.Size})
		}
	}
	for i := range r.Events {
		ev := &r.Events[i]
		ev.Facts.stray = ev.Conn >= 0 && stray[ev.Conn]
		decide(ev, t.HasTimes)
	}
	r.decideSends(conns, sides)
	r.refuse()
	r.summarize(res)
	r.summarizeSends()
	return r
}

// contentCheck finds the events whose bytes are on no capture
// connection, where the connection matched to theirs holds that direction
// whole: the capture is of another transfer.
// upgradeAt is the index of the first 101 response to HTTP/2 (Upgrade:
// h2c) curl logged on trace connection ti, -1 when none.
func (r *Result) upgradeAt(ti int) int {
	t := r.Trace
	at := -1
	for i := range t.Events {
		e := &t.Events[i]
		if e.Kind != curltrace.RecvHeader || eventConn(t, i) != ti {
			continue
		}
		switch {
		case isStatusLine(e.Data):
			at = -1
			if isUpgrade(e.Data) {
				at = i
			}
		case at >= 0 && isH2CUpgradeField(e.Data):
			return at
		}
	}
	return -1
}

func (r *Result) contentCheck() {
	cp := r.content
	if cp == nil || r.parallel {
		// Parallel transfers without ids: an event's connection is a
		// guess, so bytes not on it do not show another transfer.
		return
	}
	told := map[int]bool{}
	for _, p := range r.Problems {
		told[p.Conn] = told[p.Conn] || p.Kind == ProblemRequestDiffers
	}
	for _, m := range r.Matches {
		if told[m.Conn.ID] || m.uncrossed {
			continue // its request was named already; or swapped (uncross)
		}
		if sc := r.scan[m.TraceConn]; sc != nil && sc.tlsHeaders {
			// curl spoke TLS on it, and the capture's stream is not TLS
			// from its start (an HTTP proxy's CONNECT before it): the
			// bytes curl logged are inside the tunnel, not comparable.
			if a := m.Conn.App; a != nil && (a.Protocol != analyze.ProtoTLS || a.HTTP != nil && a.HTTP.Tunnel) {
				continue // or inside an HTTPS proxy's TLS, the CONNECT's tunnel
			}
		}
		var first *curltrace.Event
		n := 0
		upgrade := r.upgradeAt(m.TraceConn)
		for _, i := range cp.unfound[m.TraceConn] {
			if upgrade >= 0 && i > upgrade {
				continue // HTTP/2 after an h2c upgrade: not HTTP/1 bytes on the stream
			}
			e := &r.Trace.Events[i]
			d, _ := checkable(e)
			if len(e.Data) < minSearch || !whole(m.Conn, d) {
				continue
			}
			if a, _ := anchor(e.Data, r.Trace.ASCII); len(a) < minAnchor {
				// Looked for only where the events before left off: a
				// --trace-ascii dump of binary data has no stretch of
				// printable bytes to search by (review 38: 1000 random
				// bytes, all there, "not on capture connection 0").
				continue
			}
			if first == nil {
				first = e
			}
			n++
		}
		if first != nil {
			r.Problems = append(r.Problems, Problem{Kind: ProblemContentDiffers, Line: first.Line, Conn: m.Conn.ID,
				Unfound: n, Size: first.Size, SentDir: first.Kind.Sent()})
		}
	}
}

// whole tells whether the capture holds direction d of c from its SYN to
// its FIN without a gap, with its bytes kept: bytes curl logged that are
// not there were not on this connection.
func whole(c *analyze.Connection, d analyze.Dir) bool {
	a := c.App
	if a == nil || a.Bytes[d] == nil || a.Bytes[d].Truncated {
		return false
	}
	dir := c.Dir(d)
	if !dir.SYN.Seen || (dir.Fins == 0 && dir.Resets == 0) || a.Streams[d].GapBytes > 0 || a.Streams[d].GapCount > 0 {
		return false
	}
	if a.Protocol == analyze.ProtoTLS {
		if a.Inner != analyze.ProtoHTTP1 || a.Plain[d].Len() == 0 || a.TLSDec == nil {
			return false
		}
		// Every record decrypted: none cut, none past a failure or
		// without a key, no early data left encrypted.
		for _, st := range []tlsdec.Stats{a.TLSDec.Client().Stats(), a.TLSDec.Server().Stats()} {
			if st.Undecryptable > 0 || (st.Status != tlsdec.Decrypted && st.Status != tlsdec.NotEncrypted) || st.Early.Decrypted < st.Early.Records {
				return false
			}
		}
		return true
	}
	return a.Protocol == analyze.ProtoHTTP1
}

// refuse: when a problem shows that the trace and the capture are of
// different transfers, no event keeps a cause.
func (r *Result) refuse() {
	for _, p := range r.Problems {
		if p.Kind.Refuses() {
			r.Refused = true
		}
	}
	if !r.Refused {
		return
	}
	for _, evs := range [][]Event{r.Events, r.Sends} {
		for i := range evs {
			ev := &evs[i]
			ev.Cause, ev.Confidence, ev.Inference, ev.Needs = CauseUnmatched, CannotTell, NoInference, []Need{NeedMatchingCapture}
			// Nor is it on a capture connection, its packets or its
			// stream (review 32: CSV rows of "no capture connection
			// matched" named connection 0 and its packets).
			// (The trace's own size facts stay: the notes of curl bug
			// 18755 read them; review 38, a nil one crashed --format json.)
			ev.Conn, ev.Range, ev.Segments, ev.Facts = -1, stream.Range{}, nil, Facts{Layer: ev.Facts.Layer, Size: ev.Facts.Size}
		}
	}
}

func eventConn(t *curltrace.Trace, i int) int {
	if i < len(t.EventConn) {
		return t.EventConn[i]
	}
	return -1
}

// match finds the capture connection of each trace connection: the same
// server address and port (and client port, when the trace names it),
// in the order the connections were opened.
// parallelNoIDs tells whether the trace has no ids and opened a connection
// before the one before it had sent its request: curl -Z (or
// --parallel-immediate) with curl 7, which then logs every event after
// its last connect line under the last connection, so which connection an
// event is of is not in the trace (review round 7: three connections, the
// requests of all three taken for the last's, and the pair refused).
func parallelNoIDs(t *curltrace.Trace) bool {
	if len(t.Conns) < 2 {
		return false
	}
	firstSend := map[int]int{}
	for i, e := range t.Events {
		if e.Conn >= 0 {
			return false // ids name each event's connection
		}
		if k := t.EventConn[i]; k >= 0 && e.Kind == curltrace.SendHeader {
			if _, ok := firstSend[k]; !ok {
				firstSend[k] = e.Line
			}
		}
	}
	for k := 1; k < len(t.Conns); k++ {
		if l, ok := firstSend[k-1]; !ok || t.Conns[k].Line < l {
			return true
		}
	}
	// curl 8 sends each request before the next connection opens, but
	// the transfers still run at once: a connection opens before the one
	// before it was done with ("Connection #0 to host ... left intact"
	// after the second "Connected to").
	ended := map[int]int{} // curl's connection number: the line it was done at
	for _, e := range t.Events {
		if e.Kind == curltrace.Info {
			if n, ok := connDone(e.Text); ok {
				if _, seen := ended[n]; !seen {
					ended[n] = e.Line
				}
			}
		}
	}
	for k := 1; k < len(t.Conns); k++ {
		if l, ok := ended[k-1]; ok && t.Conns[k].Line < l {
			return true
		}
	}
	return false
}

// connDone reads the number of the connection curl says it is done with:
// "Connection #0 to host h left intact", "Closing connection 0",
// "shutting down connection #0".
func connDone(text string) (int, bool) {
	text = strings.TrimSpace(text)
	var rest string
	switch {
	case strings.HasPrefix(text, "Connection #") && strings.HasSuffix(text, "left intact"):
		rest = strings.TrimPrefix(text, "Connection #")
	case strings.HasPrefix(text, "Closing connection "):
		rest = strings.TrimPrefix(strings.TrimPrefix(text, "Closing connection "), "#")
	case strings.HasPrefix(text, "shutting down connection #"):
		rest = strings.TrimPrefix(text, "shutting down connection #")
	default:
		return 0, false
	}
	end := 0
	for end < len(rest) && rest[end] >= '0' && rest[end] <= '9' {
		end++
	}
	n, err := strconv.Atoi(rest[:end])
	return n, err == nil
}

func (r *Result) match(res *analyze.Result, scan map[int]*traceScan) {
	used := map[*analyze.Connection]bool{}
	// How many connections each server has in the trace: more in the
	// capture (that its Date does not rule out), and order alone cannot
	// tell which.
	inTrace := map[netip.AddrPort]int{}
	for _, tc := range r.Trace.Conns {
		inTrace[netip.AddrPortFrom(tc.IP.Unmap(), tc.Port)]++
	}
	told := map[netip.AddrPort]bool{}
	if r.content != nil {
		for _, c := range r.content.bound {
			used[c] = true
		}
	}
	var randoms []helloRand // every ClientHello the trace dumped: parallel transfers without ids
	if r.parallel {
		randoms = traceRandoms(r.Trace)
	}
	for ti, tc := range r.Trace.Conns {
		if tc.Unix != "" {
			r.Problems = append(r.Problems, Problem{Kind: ProblemUnixSocket, Line: tc.Line, Socket: tc.Unix})
			continue
		}
		ep := netip.AddrPortFrom(tc.IP.Unmap(), tc.Port)
		var differs *Problem
		if c := r.content.boundTo(ti); c != nil {
			// The bytes curl logged are this connection's; a Date or a
			// request of another run still rules it out. Then another
			// connection may be this run's (review round 8: the same file
			// fetched twice, this run's connection captured without its
			// header, the other's whole): the search goes on without it.
			p, bad := dateCheck(c, scan[ti])
			if !bad {
				if p, bad := r.requestCheck(c, scan[ti]); bad {
					r.Problems = append(r.Problems, p)
				}
				m := Match{TraceConn: ti, Conn: c, By: ByContent}
				if o := r.unseenStart(res, c); o != nil {
					// Another connection to the server began before the
					// capture did and holds no other trace connection's
					// bytes: what it missed may be these (review 44: one
					// URL fetched twice at once, the capture begun after
					// both; the first run's trace bound to the second's).
					m.Ambiguous = true
					r.Problems = append(r.Problems, Problem{Kind: ProblemAmbiguous, Line: tc.Line, Server: ep, Conn: c.ID, Candidates: 2, TraceConns: inTrace[ep], Unseen: true})
				}
				r.addMatch(res, m)
				continue
			}
			differs = &p
		}
		// The ClientHello curl dumped (--trace hex) names its TLS
		// session: a capture connection that sent it is this one, one
		// that sent another is not (review 20: another client's HTTPS
		// run, 30 ms apart, was matched in the order of connection and
		// every cause called certain).
		rnd, hasRnd := traceRandom(r.Trace, ti)
		if hasRnd && !r.parallel {
			if c := byRandom(res, ep, rnd, used); c != nil {
				used[c] = true
				r.addMatch(res, Match{TraceConn: ti, Conn: c, By: ByClientRandom})
				continue
			}
		}
		var found *analyze.Connection
		for _, c := range res.Connections {
			if used[c] || unmap(c.Server) != ep || (tc.LocalPort != 0 && c.Client.Port() != tc.LocalPort) {
				continue
			}
			if r.parallel {
				// Parallel transfers without ids: which trace connection
				// a ClientHello is of is not known, only that it is the
				// trace's (curl 7 logs every event after its last
				// connect line under that connection).
				if p, bad := helloOfNone(c, randoms, tc.Line); bad {
					if differs == nil {
						differs = &p
					}
					continue
				}
			} else if hasRnd {
				if p, bad := helloCheck(c, rnd, tc.Line); bad {
					if differs == nil {
						differs = &p
					}
					continue
				}
			}
			// A response of another run of the same request carries
			// another Date: that connection is not this one.
			if p, bad := dateCheck(c, scan[ti]); bad {
				if differs == nil {
					differs = &p
				}
				continue
			}
			found = c
			break
		}
		if found == nil && differs != nil {
			r.Problems = append(r.Problems, *differs)
			continue
		}
		if found == nil {
			p := noConnection(res, ep, tc.Line)
			p.Tunnel, p.ProxyForm = r.connectTarget(ti)
			p.TunnelConn = -1
			for _, c := range res.Connections {
				if p.Tunnel.IsValid() && unmap(c.Server) == p.Tunnel {
					p.TunnelConn = c.ID
					break
				}
			}
			r.Problems = append(r.Problems, p)
			continue
		}
		m := Match{TraceConn: ti, Conn: found}
		n := candidates(res, ep, scan[ti])
		if tc.LocalPort == 0 && n > inTrace[ep] {
			// The order of connection is not evidence; the time curl
			// connected is.
			c, ok := r.byConnectTime(res, ep, tc, used, scan[ti])
			if !ok && c != nil && c != found {
				// Not decisive among the nearest, but the connect line
				// rules out what is far from it: the first of those near
				// it, not the first in the capture (review 20: a run 4 s
				// earlier was chosen for curl 8 -Z's two connections).
				found, m.Conn = c, c
			}
			if ok {
				found, m.Conn, m.By = c, c, ByConnectTime
				if r.clockRoughNear(res, ep, c, tc, used) {
					// curl 7's trace clock runs up to a second off the
					// system's (269 and 359 ms in two runs): another
					// candidate that near makes the choice a guess.
					m.Ambiguous = true
					if !told[ep] {
						told[ep] = true
						r.Problems = append(r.Problems, Problem{Kind: ProblemAmbiguous, Line: tc.Line, Server: ep, Conn: c.ID, Candidates: n, TraceConns: inTrace[ep], ByTime: true, NoDate: noDates(res, ep, scan[ti])})
					}
				}
			}
		}
		used[found] = true
		if tc.LocalPort != 0 {
			m.By = ByServerAndClient
		} else if m.By != ByConnectTime && n > inTrace[ep] {
			m.Ambiguous = true
			if !told[ep] {
				told[ep] = true
				r.Problems = append(r.Problems, Problem{Kind: ProblemAmbiguous, Line: tc.Line, Server: ep, Conn: found.ID, Candidates: n, TraceConns: inTrace[ep], NoDate: noDates(res, ep, scan[ti])})
			}
		}
		if p, bad := r.requestCheck(found, scan[ti]); bad && !r.parallel {
			// (With curl 7's parallel transfers the trace's first request
			// on a connection may be another connection's.)
			r.Problems = append(r.Problems, p)
		}
		r.addMatch(res, m)
	}
}

// unseenStart returns a connection to c's server, other than c, whose
// start the capture missed and which no trace connection's bytes were
// bound to: nil when there is none.
func (r *Result) unseenStart(res *analyze.Result, c *analyze.Connection) *analyze.Connection {
	bound := map[*analyze.Connection]bool{}
	for _, b := range r.content.bound {
		bound[b] = true
	}
	for _, o := range res.Connections {
		if o == c || bound[o] || unmap(o.Server) != unmap(c.Server) || o.Dir(analyze.ClientToServer).SYN.Seen || o.Dir(analyze.ServerToClient).SYN.Seen {
			continue
		}
		if o.Dir(analyze.ServerToClient).DataSegments > 0 {
			return o
		}
	}
	return nil
}

// uncross undoes matches that cross in time: of two trace connections to
// one server, the one curl connected first was matched to a capture
// connection whose SYN the capture holds, the later one to a connection
// whose start the capture missed, which therefore began first (review 43:
// one URL fetched on two connections in turn, the capture begun inside the
// first; the identical bytes had bound each trace connection to the
// other's, 98-125 causes certain on the other's packets, and with a second
// URL whose body begins as the first's the pair was refused). They are
// swapped, the request checks made again, and each is a guess: the bytes
// that bound them said otherwise.
func (r *Result) uncross(res *analyze.Result, scan map[int]*traceScan) {
	began := func(c *analyze.Connection) bool {
		return c.Dir(analyze.ClientToServer).SYN.Seen || c.Dir(analyze.ServerToClient).SYN.Seen
	}
	for i := range r.Matches {
		for j := range r.Matches {
			mi, mj := &r.Matches[i], &r.Matches[j]
			ti, tj := r.Trace.Conns[mi.TraceConn], r.Trace.Conns[mj.TraceConn]
			if ti.Line >= tj.Line || unmap(mi.Conn.Server) != unmap(mj.Conn.Server) || !began(mi.Conn) || began(mj.Conn) {
				continue
			}
			ci, cj := mi.Conn, mj.Conn
			r.Problems = slices.DeleteFunc(r.Problems, func(p Problem) bool {
				return (p.Conn == ci.ID || p.Conn == cj.ID) && (p.Kind == ProblemRequestDiffers || p.Kind == ProblemAmbiguous)
			})
			for _, m := range []*Match{mi, mj} {
				m.Conn, m.By, m.Ambiguous, m.uncrossed = cj, ByServerInOrder, true, true
				if m == mj {
					m.Conn = ci
				}
				m.Point = pointOf(m.Conn)
				if p, bad := r.requestCheck(m.Conn, scan[m.TraceConn]); bad {
					r.Problems = append(r.Problems, p)
				}
			}
			ep := netip.AddrPortFrom(ti.IP.Unmap(), ti.Port)
			r.Problems = append(r.Problems, Problem{Kind: ProblemAmbiguous, Line: ti.Line, Server: ep, Conn: mi.Conn.ID, Candidates: 2, TraceConns: 2, Crossed: true})
		}
	}
}

// addMatch keeps a match and the capture's warnings about its connection.
func (r *Result) addMatch(res *analyze.Result, m Match) {
	m.Point = pointOf(m.Conn)
	r.Matches = append(r.Matches, m)
	for _, w := range res.Warnings {
		if w.Conn == m.Conn.ID {
			r.Warnings = append(r.Warnings, w)
		}
	}
}

// clockRoughNear tells whether, with a trace clock that is not the
// system's (curl 7), another candidate connection to ep began within a
// second of the chosen one: the connect line's time cannot tell them
// apart (review round 8: three runs 0.3 s apart, curl 7.88's clock
// 359 ms ahead, the next run's connection chosen).
func (r *Result) clockRoughNear(res *analyze.Result, ep netip.AddrPort, chosen *analyze.Connection, tc curltrace.Connection, used map[*analyze.Connection]bool) bool {
	if c := r.Trace.Curl; c.Known() && c.AtLeast(8, 0) {
		return false
	}
	for _, c := range res.Connections {
		if c == chosen || used[c] || unmap(c.Server) != ep {
			continue
		}
		if d := time.Duration(c.First - chosen.First).Abs(); d < time.Second {
			return true
		}
	}
	return false
}

// connectMargin is how much nearer in time to the trace's connect line
// one candidate's handshake must be than every other's to be chosen by it.
const connectMargin = 100 * time.Millisecond

// curl8ConnectMargin is connectMargin for curl 8's trace clock.
const curl8ConnectMargin = 2 * time.Millisecond

// byConnectTime chooses, among the capture connections to ep not yet
// matched nor ruled out by their Date, the one whose first packet came
// when the trace says curl connected (its connect line's time, on the
// capture's clock modulo the time zone): decisive only when that one is
// within maxSkew and every other is connectMargin further off. When
// several are that near, it returns the first of them in capture order,
// and false.
func (r *Result) byConnectTime(res *analyze.Result, ep netip.AddrPort, tc curltrace.Connection, used map[*analyze.Connection]bool, sc *traceScan) (*analyze.Connection, bool) {
	var at time.Duration
	found := false
	// curl logs "Connected to" once the TCP handshake is done, but curl 8
	// only after the TLS handshake too (review 25: milliseconds later,
	// past other clients' SYNs; six of eight concurrent traces had been
	// matched to the last connection). Where TLS records were logged
	// before the connect line, the "Trying IP:port..." line before them,
	// logged as curl sent the SYN, dates the connection instead: when it
	// is the only one to this server since the connect line before (curl
	// -Z logs the Trying lines of all its connections first, which then
	// do not say which is which).
	trying := "Trying " + ep.String() + "..."
	connLine := map[int]bool{}
	for _, c := range r.Trace.Conns {
		connLine[c.Line] = true
	}
	var tryAt time.Duration
	tries, tls := 0, false
	for _, e := range r.Trace.Events {
		if e.Line > tc.Line {
			break
		}
		switch {
		case e.Line == tc.Line && e.HasTime:
			at, found = e.Time, true
		case connLine[e.Line]:
			tries, tls = 0, false // another connection's: its Trying lines are its own
		case e.Kind == curltrace.Info && e.HasTime && strings.Contains(e.Text, trying):
			tryAt, tries, tls = e.Time, tries+1, false
		case e.Kind == curltrace.SendSSL || e.Kind == curltrace.RecvSSL:
			tls = true
		}
	}
	if found && tries == 1 && tls {
		at = tryAt
	}
	if !found {
		return nil, false
	}
	var best *analyze.Connection
	bestOff, second := time.Duration(-1), time.Duration(-1)
	offs := map[*analyze.Connection]time.Duration{}
	for _, c := range res.Connections {
		if used[c] || unmap(c.Server) != ep {
			continue
		}
		if _, bad := dateCheck(c, sc); bad {
			continue
		}
		d := at - timeOfDay(c.First)
		off := d - zoneOf(d)
		if off < 0 {
			off = -off
		}
		offs[c] = off
		switch {
		case bestOff < 0 || off < bestOff:
			best, second, bestOff = c, bestOff, off
		case second < 0 || off < second:
			second = off
		}
	}
	margin := connectMargin
	if c := r.Trace.Curl; c.Known() && c.AtLeast(8, 0) {
		// curl 8's trace clock is the system's, to the microsecond: two
		// handshakes a few milliseconds apart are told apart (review 20:
		// runs 7.5 ms apart, the trace's connect line 45 us after its
		// own SYN, had been matched "in the order of connection").
		margin = curl8ConnectMargin
	}
	if best == nil || bestOff > maxSkew {
		return nil, false
	}
	if second >= 0 && second < bestOff+margin {
		// Several near the connect line: the first of them in the
		// capture's order, not decided.
		for _, c := range res.Connections {
			if off, ok := offs[c]; ok && off < bestOff+margin {
				return c, false
			}
		}
	}
	return best, true
}

// connectTarget is the origin curl asked a proxy for on trace connection
// ti, when it named it by IP address: the target of its CONNECT, or of
// its first request in absolute form ("GET http://10.0.0.2:8080/x", as
// curl asks an HTTP proxy for an http:// URL; review 26); absolute tells
// which.
func (r *Result) connectTarget(ti int) (target netip.AddrPort, absolute bool) {
	t := r.Trace
	for i, e := range t.Events {
		if e.Kind != curltrace.SendHeader || eventConn(t, i) != ti {
			continue
		}
		if rest, ok := bytes.CutPrefix(e.Data, []byte("CONNECT ")); ok {
			hostport, _, _ := strings.Cut(string(rest), " ")
			if ap, err := netip.ParseAddrPort(hostport); err == nil {
				return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()), false
			}
			return netip.AddrPort{}, false
		}
		_, uri, _ := strings.Cut(string(e.Data), " ")
		if rest, ok := strings.CutPrefix(uri, "http://"); ok {
			hostport, _, _ := strings.Cut(rest, "/")
			hostport, _, _ = strings.Cut(hostport, " ")
			if ap, err := netip.ParseAddrPort(hostport); err == nil {
				return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()), true
			}
			if ip, err := netip.ParseAddr(strings.Trim(hostport, "[]")); err == nil {
				return netip.AddrPortFrom(ip.Unmap(), 80), true
			}
		}
		return netip.AddrPort{}, false
	}
	return netip.AddrPort{}, false
}

// noConnection names the endpoints the capture does have, to make a
// mismatch plain.
func noConnection(res *analyze.Result, want netip.AddrPort, line int) Problem {
	p := Problem{Kind: ProblemNoConnection, Line: line, Server: want, NoTCP: len(res.Connections) == 0, SnapCut: res.SnapCut, SnapLen: res.SnapLen}
	seen := map[netip.AddrPort]bool{}
	for _, c := range res.Connections {
		if seen[c.Server] {
			continue
		}
		seen[c.Server] = true
		if len(p.Have) == 5 {
			p.More = true
			break
		}
		p.Have = append(p.Have, c.Server)
	}
	return p
}

// requestCheck compares the request curl sent first on a connection with
// the capture's first request on it: HTTP/1 in the clear or decrypted, and
// HTTP/2 (curl logs its request as an HTTP/1-style line: "GET /x HTTP/2").
func (r *Result) requestCheck(c *analyze.Connection, sc *traceScan) (Problem, bool) {
	want, ok := firstRequest(c)
	if !ok || sc == nil || sc.firstSend < 0 {
		return Problem{}, false
	}
	e := r.Trace.Events[sc.firstSend]
	line, _, _ := strings.Cut(string(e.Data), "\r\n")
	if strings.HasPrefix(line, want+" ") {
		return Problem{}, false
	}
	return Problem{Kind: ProblemRequestDiffers, Line: e.Line, Conn: c.ID, Sent: line, Began: want}, true
}

// firstRequest is "METHOD TARGET" of the first request the capture shows
// on a connection.
// candidates counts the capture connections to ep that could be a trace
// connection: those whose first response does not carry another Date.
func candidates(res *analyze.Result, ep netip.AddrPort, sc *traceScan) int {
	n := 0
	for _, c := range res.Connections {
		if unmap(c.Server) != ep {
			continue
		}
		if _, bad := dateCheck(c, sc); !bad {
			n++
		}
	}
	return n
}

// dateCheck compares the Date of the first final response curl logged on
// a trace connection with the capture connection's first response: two
// runs of one request differ there (to the second).
func dateCheck(c *analyze.Connection, sc *traceScan) (Problem, bool) {
	if sc == nil || sc.date == "" {
		return Problem{}, false
	}
	date, name, ok := responseDate(c)
	if !ok || date == sc.date {
		return Problem{}, false
	}
	return Problem{Kind: ProblemResponseDiffers, Line: sc.dateLine, Conn: c.ID, Sent: name + ": " + sc.date, Began: name + ": " + date}, true
}

// noDates tells that no Date could rule out a capture connection to ep:
// the trace shows none for its connection, or the capture none for those
// (HTTPS without the key log; review 20, and this session's last read).
func noDates(res *analyze.Result, ep netip.AddrPort, sc *traceScan) bool {
	if sc == nil || sc.date == "" {
		return true
	}
	for _, c := range res.Connections {
		if unmap(c.Server) == ep {
			if _, _, ok := responseDate(c); ok {
				return false
			}
		}
	}
	return true
}

// responseDate is the Date of c's first final response as the capture
// shows it (HTTP/2: decoded by HPACK, clear or decrypted), and the
// field's name as written; false when it shows none (no response, none
// with a Date, TLS not decrypted).
func responseDate(c *analyze.Connection) (date, name string, ok bool) {
	if c.App == nil {
		return "", "", false
	}
	if w := c.App.H2[analyze.ServerToClient]; w != nil {
		for _, st := range w.Streams() {
			if st.Status >= 200 {
				return st.Date, "date", st.Date != ""
			}
		}
		return "", "", false
	}
	if c.App.HTTP == nil {
		return "", "", false
	}
	for _, ex := range c.App.HTTP.Exchanges() {
		if m := ex.Response; m != nil && m.Status >= 200 {
			return m.Date, "Date", m.Date != ""
		}
	}
	return "", "", false
}

func firstRequest(c *analyze.Connection) (string, bool) {
	a := c.App
	switch {
	case a == nil:
	case a.HTTP != nil && (a.Protocol == analyze.ProtoHTTP1 || a.Inner == analyze.ProtoHTTP1):
		if ex := a.HTTP.Exchanges(); len(ex) > 0 && ex[0].Request != nil {
			return ex[0].Request.Method + " " + ex[0].Request.Target, true
		}
	case a.H2[analyze.ClientToServer] != nil && (a.Protocol == analyze.ProtoH2C || a.Inner == analyze.ProtoH2):
		if ss := a.H2[analyze.ClientToServer].Streams(); len(ss) > 0 && ss[0].Method != "" {
			return ss[0].Method + " " + ss[0].Path, true
		}
	}
	return "", false
}

// limitRateArg is the value of --limit-rate among curl's arguments, ""
// when it was not given (or they are not known).
func limitRateArg(args []string) string {
	rate := ""
	for i, a := range args {
		if a == "--limit-rate" && i+1 < len(args) {
			rate = args[i+1] // the last one given counts
		}
	}
	return rate
}

// traceRandom is the random of the ClientHello curl dumped on trace
// connection ti (its Send SSL data).
func traceRandom(t *curltrace.Trace, ti int) (helloRand, bool) {
	for i := range t.Events {
		if rnd, ok := helloRandom(t, i); ok && eventConn(t, i) == ti {
			return rnd, true
		}
	}
	return helloRand{}, false
}

// traceRandoms are the randoms of every ClientHello the trace dumped,
// whichever connection it is logged under.
func traceRandoms(t *curltrace.Trace) []helloRand {
	var out []helloRand
	for i := range t.Events {
		if rnd, ok := helloRandom(t, i); ok {
			out = append(out, rnd)
		}
	}
	return out
}

// helloRand is a ClientHello's random as curl's trace dumped it: every
// byte with --trace (hex); with --trace-ascii the bytes 0x20-0x7e as
// themselves and every other as '.', so a '.' stands for a '.' or any
// byte outside that range. About a third of a random's bytes print, so
// the ascii dump still tells one connection's random from another's (a
// wrong one agrees on its printed bytes about once in 256^12).
type helloRand struct {
	b     [32]byte
	ascii bool
}

// matches tells whether the capture's random c (or the first bytes of
// it a snap length left) is the one dumped.
func (r helloRand) matches(c []byte) bool {
	if !r.ascii {
		return bytes.Equal(r.b[:len(c)], c)
	}
	for i, t := range r.b[:len(c)] {
		printed := c[i] >= 0x20 && c[i] < 0x7f
		if t == '.' && printed && c[i] != '.' || t != '.' && t != c[i] {
			return false
		}
	}
	return true
}

// String is the random as the trace shows it: its first bytes in hex,
// or the whole of it as --trace-ascii printed it.
func (r helloRand) String() string {
	if r.ascii {
		return "'" + string(r.b[:]) + "' (as --trace-ascii prints it)"
	}
	return fmt.Sprintf("%x...", r.b[:8])
}

// shown is the capture's random c (or its first bytes) as the trace
// would show it.
func (r helloRand) shown(c []byte) string {
	if !r.ascii {
		return fmt.Sprintf("%x...", c[:8])
	}
	b := append([]byte(nil), c...)
	for i, x := range b {
		if x < 0x20 || x >= 0x7f {
			b[i] = '.'
		}
	}
	return fmt.Sprintf("%x... ('%s')", c[:8], b)
}

// helloRandom is the random of event i when it is a ClientHello curl
// dumped: a handshake message of type 1, a 3-byte length, legacy_version
// 3.x, then the random. In a --trace-ascii dump the type and version
// print as dots: the info line curl writes before it names the message
// ("TLS handshake, Client hello (1):").
func helloRandom(t *curltrace.Trace, i int) (helloRand, bool) {
	e := &t.Events[i]
	d := e.Data
	if e.Kind != curltrace.SendSSL || e.Cut != curltrace.NotCut || len(d) < 38 {
		return helloRand{}, false
	}
	r := helloRand{ascii: t.ASCII}
	copy(r.b[:], d[6:38])
	if !t.ASCII {
		return r, d[0] == 1 && d[4] == 3
	}
	named := i > 0 && t.Events[i-1].Kind == curltrace.Info && strings.Contains(t.Events[i-1].Text, "Client hello (1)")
	return r, named && d[0] == '.' && d[4] == '.'
}

// helloOfNone: c's ClientHello has a random that none of the trace's
// dumped ClientHellos (all) has, and the trace dumped some.
func helloOfNone(c *analyze.Connection, all []helloRand, line int) (Problem, bool) {
	cr, ok := captureRandom(c)
	if !ok || len(all) == 0 {
		return Problem{}, false
	}
	for _, r := range all {
		if r.matches(cr) {
			return Problem{}, false
		}
	}
	return Problem{Kind: ProblemHelloDiffers, Line: line, Conn: c.ID, Sent: all[0].String(), Began: all[0].shown(cr)}, true
}

// captureRandom is the random of the ClientHello c's client sent, as the
// capture shows it: whole, or the first bytes a snap length left.
func captureRandom(c *analyze.Connection) ([]byte, bool) {
	if c.App == nil || c.App.TLS[analyze.ClientToServer] == nil {
		return nil, false
	}
	p := c.App.TLS[analyze.ClientToServer].ClientRandomPrefix()
	return p, len(p) > 0
}

// byRandom is the capture connection to ep whose ClientHello has rnd: the
// only one. A random cut short, or printed mostly as dots, may fit
// several; then none is chosen by it.
func byRandom(res *analyze.Result, ep netip.AddrPort, rnd helloRand, used map[*analyze.Connection]bool) *analyze.Connection {
	var found *analyze.Connection
	for _, c := range res.Connections {
		if used[c] || unmap(c.Server) != ep {
			continue
		}
		if cr, ok := captureRandom(c); ok && rnd.matches(cr) {
			if found != nil {
				return nil
			}
			found = c
		}
	}
	return found
}

// helloCheck: c's ClientHello has another random than rnd, the one the
// trace connection at line sent.
func helloCheck(c *analyze.Connection, rnd helloRand, line int) (Problem, bool) {
	cr, ok := captureRandom(c)
	if !ok || rnd.matches(cr) {
		return Problem{}, false
	}
	return Problem{Kind: ProblemHelloDiffers, Line: line, Conn: c.ID, Sent: rnd.String(), Began: rnd.shown(cr)}, true
}
