package explain

import (
	"bytes"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/segscope/segscope/analyze"
	"github.com/segscope/segscope/curltrace"
	"github.com/segscope/segscope/http1"
	"github.com/segscope/segscope/stream"
	"github.com/segscope/segscope/tlsdec"
)

// connState follows one trace connection through the trace: where its
// next received byte sits on the capture's stream, which record and which
// frame curl is in, and what the trace logged since the previous read.
type connState struct {
	m       *Match // nil when the trace connection was not matched
	capture bool   // a capture was given
	unix    bool   // the connection is to a Unix socket: no capture can hold it
	layer   Layer
	segs    *segIndex // server-to-client data segments (nil without a match)
	mss     *MSSFact

	// Clear HTTP/1 (or the plaintext of HTTP/1 inside TLS): the next
	// received byte, the response header bytes logged since the last
	// read, and the responses, to anchor each one on the capture.
	recv   int64
	header int
	// The header's first line since the last read: its time and line.
	headerTOD    time.Duration
	headerLine   int
	headerHasTOD bool
	finals       int
	exchanges    []http1.Exchange
	body         *http1.Message // the response the reads belong to

	recs    *recordLayer      // TLS: records laid from the trace's headers and the capture
	plain   *tlsdec.Direction // HTTP/1 inside TLS, decrypted: the plaintext stream's map
	lastRec int               // the record the previous read came from (decrypted HTTP/1)
	frames  *frameIndex       // HTTP/2: DATA frames from the capture (h2c) or the decryption
	tframe  *frameIndex       // HTTP/2: DATA frames from the trace's FRAME lines
	data    int64             // HTTP/2: DATA payload bytes read so far
	// HTTP/2 with the trace's ids: each transfer's stream (from curl's
	// "[HTTP/2] [1] OPENED stream" lines), and the DATA read on each.
	streams    map[int]uint32
	streamData map[uint32]int64
	// HTTP/2 without ids (curl 7): the server's bytes the frames lie on
	// (clear or decrypted; nil when not kept), where on each stream's
	// DATA its reads found so far left off, and whether a read was left
	// without a stream (attribute).
	h2bytes *stream.Bytes
	h2at    map[uint32]int64
	h2lost  bool

	synSeen bool // the server's SYN was captured: its stream starts at the connection's start
	// foundOn: a read of a capture without its start was anchored
	// (anchorAt): where the reads are is known from that read on.
	foundOn bool
	// rest is, by trace event index, the bytes curl logged received on
	// this connection (header and data) from that event on: how far
	// before the stream's end a read of a capture begun mid-transfer
	// starts.
	rest map[int]int64
	// anchorScans counts the stream scans anchorAt made (maxAnchorScans).
	anchorScans int
	// sendRest is the same of what curl logged sending.
	sendRest map[int]int64
	// eof is the index of the connection's last read of 0 bytes (curl
	// saw the server close it): -1 when none.
	eof int
	// last is the index of the connection's last read with data, and
	// lastData its bytes.
	last     int
	lastData []byte
	// clearHTTP1: the trace shows HTTP/1 in the clear on this connection
	// (no TLS, no HTTP/2 status or stream lines): only then is a capture
	// begun mid-transfer, which analyze cannot recognise, taken as its.
	clearHTTP1 bool
	// hdrInRecord: curl logged response header lines (an HTTP/2
	// HEADERS frame) since the last TLS record header it logged, so
	// the record the next read comes from may hold that frame too.
	hdrInRecord bool
	curl8       bool         // curl 8's [HTTP/2] stream lines: it reports DATA as the frames come
	wins        *windowIndex // the receive window the client advertised; nil when unknown
	// snapLost: the capture's snap length cut every frame inside its
	// headers, so it has no connection to match.
	snapLost bool
	tcp      *TCPRecvFact // the [TCP] recv line since the previous read
	h2Lines  bool         // curl 8.3+ [HTTP/2] stream lines, but no FRAME lines
	prevTOD  time.Duration
	hasPrev  bool
	tls      *tlsInfo

	curlVersion curltrace.Version
	ascii       bool
	tunnel      bool // TLS inside an HTTP CONNECT tunnel (a proxy) that analyze did not walk: not placed
	// walked: the capture's TLS inside a proxy's CONNECT tunnel, as
	// analyze walked it (App.Tunnel): the reads are placed on it, and
	// the proxy's responses (header lines curl logs before the tunnel's:
	// a 407 and the 2xx after it) are not the origin's. inProxy holds
	// until the blank line after the proxy's 2xx; proxyOK is that 2xx.
	walked  bool
	inProxy bool
	proxyOK bool
	nagle   *nagleIndex // the server's short segments Nagle's algorithm held
	// othersMatched: other connections of the trace are in the capture;
	// sslTraced: the trace has [SSL] read lines.
	othersMatched, sslTraced bool
	// parallel: curl 7 ran transfers in parallel without ids: the
	// connection the trace puts an event on is not known to be its own.
	parallel bool
	// nested: an HTTPS proxy (curl -x https://): the CONNECT went inside
	// the proxy's TLS, and the origin's TLS inside that, not walked.
	nested   bool
	upgraded bool  // a 101 response switched the connection to HTTP/2 (h2c upgrade): not placed after it
	in101    bool  // in the header block of a 101
	inner    Layer // in a tunnel: what the trace says the TLS carried
	// clearCut: HTTP/2 in the clear whose server stream the capture cut
	// (a snap length, lost packets); nil when whole.
	clearCut *CaptureFact
	tbody    traceBody

	content *contentPlacement
	// at is where the current event's bytes were found on this
	// connection's stream (located tells whether they were).
	at      placed
	located bool
}

// connStates prepares the state of every trace connection (and of -1,
// the events of no known connection).
func (r *Result) connStates(capture bool, seen map[int]*traceScan) map[int]*connState {
	byTrace := map[int]*Match{}
	for i := range r.Matches {
		byTrace[r.Matches[i].TraceConn] = &r.Matches[i]
	}
	out := map[int]*connState{-1: {capture: capture, layer: LayerUnknown, curlVersion: r.Trace.Curl, ascii: r.Trace.ASCII}}
	sslTraced := false
	for i := range r.Trace.Events {
		sslTraced = sslTraced || r.Trace.Events[i].SSLRecv != nil
	}
	for ti, tc := range r.Trace.Conns {
		st := &connState{m: byTrace[ti], capture: capture, lastRec: -1, eof: -1, last: -1, content: r.content, curlVersion: r.Trace.Curl, ascii: r.Trace.ASCII, othersMatched: len(r.Matches) > 0, sslTraced: sslTraced,
			unix: tc.Unix != ""}
		sc := seen[ti]
		if sc == nil {
			sc = newTraceScan()
		}
		if len(sc.frames.data) > 0 {
			st.tframe = sc.frames.without(sc.ignored)
		}
		st.h2Lines = st.tframe == nil && sc.h2Open
		st.curl8 = sc.h2Open
		st.clearHTTP1 = traceLayer(tc, sc) == LayerHTTP1 && !sc.h2Open
		st.streams = sc.streams
		if st.m != nil {
			st.fromCapture(st.m.Conn, tc)
			st.tls.fromTrace(sc.tlsVersion, sc.tlsSuite)
			// curl spoke TLS, and the capture's stream begins in clear
			// HTTP/1: a proxy's CONNECT, whose tunnel is not walked.
			st.tunnel = st.layer == LayerHTTP1 && sc.tlsHeaders && connectSeen(st.m.Conn)
			if st.tunnel {
				// What the trace tells of the TLS inside: the record
				// headers curl logged, laid as without a capture.
				st.inner, st.recs = traceLayer(tc, sc), &recordLayer{}
			}
			r.align(st.m, st.segs, sc)
			st.frames = st.frames.without(sc.ignored)
		} else {
			st.layer = traceLayer(tc, sc)
			st.recs = &recordLayer{}
		}
		out[ti] = st
	}
	// What each connection received from each of its events on (-1 past
	// an event whose size curl did not log: curl bug 18755's lower
	// bounds).
	sums, sent := map[int]int64{}, map[int]int64{}
	for i := len(r.Trace.Events) - 1; i >= 0; i-- {
		e := &r.Trace.Events[i]
		ti := eventConn(r.Trace, i)
		st := out[ti]
		if st != nil && e.Kind == curltrace.RecvData && e.Size == 0 && st.eof < 0 {
			st.eof = i
		}
		if st != nil && e.Kind == curltrace.RecvData && e.Size > 0 && st.last < 0 {
			st.last, st.lastData = i, e.Data
		}
		if st != nil && st.m != nil && (e.Kind == curltrace.SendHeader || e.Kind == curltrace.SendData) {
			sent[ti] += int64(e.Size)
			if st.sendRest == nil {
				st.sendRest = map[int]int64{}
			}
			st.sendRest[i] = sent[ti]
		}
		if st == nil || st.m == nil || (e.Kind != curltrace.RecvHeader && e.Kind != curltrace.RecvData) {
			continue
		}
		if sums[ti] >= 0 {
			sums[ti] += int64(e.Size)
		}
		if e.SizeLowerBound {
			sums[ti] = -1
		}
		if st.rest == nil {
			st.rest = map[int]int64{}
		}
		st.rest[i] = sums[ti]
	}
	return out
}

// traceScan is what the trace says about one connection beyond its
// events in order: curl's FRAME lines, its stream lines, its record
// headers.
type traceScan struct {
	frames     frameIndex     // received DATA frames of the FRAME lines
	h2Open     bool           // "[HTTP/2] [1] OPENED stream" lines (curl 8.3+)
	tlsHeaders bool           // "Recv SSL data" record headers
	firstSend  int            // the first Send header event with data; -1 when none
	firstRecv  int            // the first received data event with a time; -1 when none
	streams    map[int]uint32 // transfer id -> HTTP/2 stream, from the OPENED lines with ids
	// date is the Date field of the first final HTTP/1 response curl
	// logged on the connection (dateLine its line); inFinal while its
	// header lines are being read.
	date     string
	dateLine int
	inFinal  int // 0 before the response, 1 in its header, 2 after
	// ignored are the HTTP/2 streams whose body curl ignored without
	// logging it (curl 8 following a redirect: "Ignoring the
	// response-body", then no Recv data until the next stream opens):
	// their DATA is not on the coordinate of the reads.
	ignored map[uint32]bool
	// cur is the stream opened last, reads the Recv data since, and
	// ignoring whether curl said it ignores that stream's body.
	cur      uint32
	reads    int
	ignoring bool
	// tlsVersion and tlsSuite: curl's "SSL connection using TLSv1.2 /
	// ECDHE-RSA-AES256-GCM-SHA384" line, for when the capture's
	// ServerHello was cut.
	tlsVersion, tlsSuite string
}

// header follows the first final HTTP/1 response's header lines for its
// Date field.
func (sc *traceScan) header(e *curltrace.Event) {
	switch {
	case sc.inFinal == 0 && (isFinalStatus(e.Data) || isFinalH2Status(e.Data)):
		sc.inFinal = 1
	case sc.inFinal == 1 && (len(e.Data) <= 2 || e.Data[0] == '\r'):
		sc.inFinal = 2 // the empty line ends the header
	case sc.inFinal == 1:
		name, value, ok := strings.Cut(string(e.Data), ":")
		if ok && strings.EqualFold(strings.TrimSpace(name), "date") {
			sc.date, sc.dateLine = strings.TrimSpace(value), e.Line
		}
	}
}

// opened notes that a stream opened: the previous one's body was ignored
// unlogged when curl said it would ignore it and logged no read.
func (sc *traceScan) opened(stream uint32) {
	sc.closeStream()
	sc.cur, sc.reads, sc.ignoring = stream, 0, false
}

func (sc *traceScan) closeStream() {
	if sc.cur != 0 && sc.ignoring && sc.reads == 0 {
		if sc.ignored == nil {
			sc.ignored = map[uint32]bool{}
		}
		sc.ignored[sc.cur] = true
	}
}

func newTraceScan() *traceScan {
	return &traceScan{frames: frameIndex{src: FromTrace}, firstSend: -1, firstRecv: -1}
}

// scanTrace reads the trace once for what each connection's placement
// needs ahead of its reads (a FRAME line comes after the reads of its
// payload).
func scanTrace(t *curltrace.Trace) map[int]*traceScan {
	out := map[int]*traceScan{}
	for i, e := range t.Events {
		sc := out[eventConn(t, i)]
		if sc == nil {
			sc = newTraceScan()
			out[eventConn(t, i)] = sc
		}
		if sc.firstSend < 0 && e.Kind == curltrace.SendHeader && len(e.Data) > 0 {
			sc.firstSend = i
		}
		if sc.firstRecv < 0 && e.HasTime && e.Kind.Received() {
			sc.firstRecv = i
		}
		sc.h2Open = sc.h2Open || e.H2Open != nil
		if e.Kind == curltrace.RecvHeader {
			sc.header(&e)
		}
		switch {
		case e.H2Open != nil:
			sc.opened(e.H2Open.Stream)
		case e.Kind == curltrace.Info && strings.Contains(e.Text, "Ignoring the response-body"):
			sc.ignoring = true
		case e.Kind == curltrace.Info && strings.HasPrefix(e.Text, "SSL connection using "):
			f := strings.Split(strings.TrimPrefix(e.Text, "SSL connection using "), " / ")
			if len(f) >= 2 {
				sc.tlsVersion, sc.tlsSuite = strings.TrimSpace(f[0]), strings.TrimSpace(f[1])
			}
		case e.Kind == curltrace.RecvData && e.Size > 0:
			sc.reads++
		}
		if e.H2Open != nil && e.Xfer >= 0 {
			if sc.streams == nil {
				sc.streams = map[int]uint32{}
			}
			sc.streams[e.Xfer] = e.H2Open.Stream
		}
		sc.tlsHeaders = sc.tlsHeaders || (e.Kind == curltrace.RecvSSL && e.TLSHeader != nil)
		if f := e.H2Frame; f != nil && f.In && f.Type == curltrace.FrameData && f.DataLen() >= 0 {
			sc.frames.add(f)
		}
	}
	for _, sc := range out {
		sc.closeStream()
	}
	return out
}

// fromCapture sets the layer and the walkers' findings of the matched
// capture connection.
func (st *connState) fromCapture(c *analyze.Connection, tc curltrace.Connection) {
	st.segs = newSegIndex(c, analyze.ServerToClient, st.m != nil && st.m.Point != nil && st.m.Point.Where == PointServer)
	st.wins = newWindowIndex(c)
	st.mss = mssFactOf(c, analyze.ServerToClient)
	if m := st.mss; m != nil {
		rtt, _ := c.Handshake.RTT()
		st.nagle = newNagleIndex(c, m.Effective, rtt)
	}
	st.synSeen = c.Dir(analyze.ServerToClient).SYN.Seen
	a := c.App
	st.layer = LayerHTTP1
	if a == nil {
		return
	}
	if t := a.Tunnel; t != nil && (t.Protocol == analyze.ProtoTLS || t.Protocol == analyze.ProtoHTTP1) && a.HTTP != nil && a.HTTP.UpgradedAt != nil {
		st.walked, st.inProxy = true, true
		a = t
	}
	switch a.Protocol {
	case analyze.ProtoHTTP1:
		st.exchanges = a.HTTP.Exchanges()
	case analyze.ProtoH2C:
		st.layer = LayerH2C
		st.frames = newFrameIndex(a.H2[analyze.ServerToClient].Frames(), nil)
		st.h2bytes = a.Bytes[analyze.ServerToClient]
		st.clearCut = cutFact(a)
	case analyze.ProtoTLS:
		st.tls = newTLSInfo(a)
		st.m.KeyMissing = st.tls.keyMissing
		st.recs = &recordLayer{caps: a.TLS[analyze.ServerToClient].Records(), tls: st.tls}
		if st.walked {
			// The tunnel's records begin after the proxy's response.
			st.recs.next = c.App.HTTP.UpgradedAt[analyze.ServerToClient]
		}
		st.layer = LayerTLS
		if st.tls.h2(tc) {
			st.recs.h2 = true
			st.layer = LayerH2TLS
		}
		if a.Inner == analyze.ProtoHTTP1 && a.HTTP != nil && st.tls.decrypted {
			st.exchanges, st.plain = a.HTTP.Exchanges(), a.TLSDec.Server()
			st.nested = a.HTTP.Tunnel
		}
		if a.Inner == analyze.ProtoH2 && a.H2[analyze.ServerToClient] != nil {
			st.frames = newFrameIndex(a.H2[analyze.ServerToClient].Frames(), a.TLSDec.Server())
			st.h2bytes = a.Plain[analyze.ServerToClient]
		}
	}
}

// cutFact says whether the capture cut the server's stream of a
// connection in the clear, and how: a snap length, or packets it lost.
func cutFact(a *analyze.App) *CaptureFact {
	st := a.Streams[analyze.ServerToClient]
	if st.GapCount == 0 && st.BoundHits == 0 {
		return nil
	}
	f := &CaptureFact{Source: FromCapture, SnapCut: true, BoundHits: int(st.BoundHits)}
	for _, g := range st.Gaps {
		f.Snapped = f.Snapped || g.Reason == stream.GapSnapLength
	}
	return f
}

// traceLayer guesses what a connection without a capture carried, from
// the trace alone: ALPN h2, TLS record headers, or neither.
func traceLayer(tc curltrace.Connection, sc *traceScan) Layer {
	switch {
	case tc.ALPN.H2():
		return LayerH2TLS
	case sc.tlsHeaders:
		return LayerTLS
	}
	return LayerHTTP1
}

// mssFactOf is the effective MSS of direction d.
func mssFactOf(c *analyze.Connection, d analyze.Dir) *MSSFact {
	e := c.Dir(d).EffectiveMSS()
	if e.Value == 0 {
		return nil
	}
	dir := c.Dir(d)
	st := dir.Stats()
	f := &MSSFact{Source: FromCapture, Effective: e.Value, MSS: e.MSS, From: e.MSSFrom, FromServer: e.MSSFrom == analyze.ServerToClient,
		OptionBytes: e.OptionBytes, Timestamps: e.Timestamps, Inferred: e.Inferred, IPv6: c.Server.Addr().Unmap().Is6()}
	if e.Inferred {
		// (Review 42: 2000-byte writes on loopback, captured without
		// the SYN, were "one full-size segment" of an MSS of 2000.)
		f.writes = 2*int(dir.PushedSegments) > int(dir.DataSegments)
	}
	if e.Inferred || st.Super > 0 {
		return f
	}
	if st.Max < e.Value {
		f.Largest = st.Max
	}
	// The most common size, below the MSS, in most segments, which
	// mostly left without PSH: the stack cut them there, not the writes
	// (Linux pushes each write's last segment; review 31: 80 of 86 at
	// 1228 under an MSS of 1448, 30 pushed).
	held, n := 0, 0
	for _, sc := range st.Sizes {
		if sc.Count > n || sc.Count == n && sc.Size > held {
			held, n = sc.Size, sc.Count
		}
	}
	if held < e.Value && n >= 8 && 2*n >= int(dir.DataSegments) && 2*int(dir.PushedSegments) < int(dir.DataSegments) {
		f.Held, f.HeldSegments, f.DataSegments = held, n, int(dir.DataSegments)
	}
	return f
}

// feed takes one trace event; it returns the explained event for a
// Recv data event.
func (st *connState) feed(i int, e *curltrace.Event) (Event, bool) {
	st.located = false
	if st.m != nil {
		st.at, st.located = st.content.placedAt(i, st.m.Conn)
		if st.parallel && st.content.several(i) {
			// Parallel transfers without ids, and the same bytes on
			// several connections (one file fetched twice): which one
			// the read came on is not known.
			st.located = false
		}
	}
	switch e.Kind {
	case curltrace.Info:
		if t := e.TCPRecv; t != nil && !t.Again() && t.NRead > 0 {
			st.tcp = &TCPRecvFact{Source: FromTrace, Len: t.Len, NRead: t.NRead, Line: e.Line}
		}
	case curltrace.RecvSSL:
		if e.TLSHeader != nil && st.recs != nil {
			st.recs.header(e.TLSHeader)
			st.hdrInRecord = false
		}
	case curltrace.RecvHeader:
		st.recvHeader(e)
		st.hdrInRecord = true
	case curltrace.RecvData:
		if e.Size == 0 {
			return Event{}, false
		}
		return st.read(i, e), true
	}
	return Event{}, false
}

// traceBody follows an HTTP/1 response body through the trace alone: the
// Content-Length curl logged, and the bytes of the Recv data since its
// header.
type traceBody struct {
	inHeader bool  // between a final status line and the empty line
	length   int64 // the Content-Length; -1 when none, chunked, or unknown
	got      int64
	line     int       // of the last read
	cuts     []CutBody // bodies before this one that stopped short
}

// flush keeps the body followed so far if it stopped short.
func (b *traceBody) flush() {
	if c, ok := b.cut(); ok {
		b.cuts = append(b.cuts, c)
	}
}

// cut tells whether the body's reads stopped short of its Content-Length.
func (b *traceBody) cut() (CutBody, bool) {
	if b.inHeader || b.length < 0 || b.got == 0 || b.got >= b.length {
		return CutBody{}, false
	}
	return CutBody{Line: b.line, Got: b.got, Length: b.length}, true
}

// header follows a response header line.
func (b *traceBody) header(line []byte) {
	switch {
	case isFinalStatus(line):
		b.flush()
		*b = traceBody{inHeader: true, length: -1, cuts: b.cuts}
	case isStatusLine(line):
		*b = traceBody{length: -1, cuts: b.cuts} // an interim response (100 Continue)
	case !b.inHeader:
	case len(line) <= 2 || line[0] == '\r':
		b.inHeader = false
	default:
		name, value, _ := strings.Cut(string(line), ":")
		value = strings.TrimSpace(value)
		switch strings.ToLower(strings.TrimSpace(name)) {
		case "content-length":
			if n, err := strconv.ParseInt(value, 10, 64); err == nil && n >= 0 && b.length == -1 {
				b.length = n
			} else {
				b.inHeader, b.length = false, -1 // two, or not a number: not followed
			}
		case "transfer-encoding":
			b.inHeader, b.length = false, -1 // the framing is in the body: not followed
		}
	}
}

// read counts a read of the body and tells whether it ends the body.
func (b *traceBody) read(n int) bool {
	if b.inHeader || b.length < 0 || b.got >= b.length {
		return false
	}
	b.got += int64(n)
	return b.got == b.length
}

// recvHeader counts a response header line, and anchors the stream
// position on the capture's response when a status line starts one.
func (st *connState) recvHeader(e *curltrace.Event) {
	if isStatusLine(e.Data) && !bytes.HasPrefix(e.Data, []byte("HTTP/1")) {
		st.clearHTTP1 = false // h2c: curl renders HTTP/2's status as a line
	}
	if st.midStream() {
		// Where a header's bytes are found says nothing on a capture
		// begun mid-transfer (review 43: a keep-alive connection's
		// first /b laid on the second /b's packets): the headers
		// follow on from the anchor, as logged.
		st.located = false
	}
	if st.inProxy {
		// The proxy's responses to the CONNECT, in the clear before the
		// tunnel: none of the origin's records or responses. Its 407
		// bodies curl does not log.
		switch {
		case isStatusLine(e.Data):
			st.proxyOK = e.Data[9] == '2'
		case st.proxyOK && isBlankLine(e.Data):
			st.inProxy = false
		}
		return
	}
	if st.layer != LayerH2C && st.layer != LayerH2TLS {
		st.tbody.header(e.Data)
	}
	if st.layer == LayerTLS || st.tunnel && st.inner == LayerTLS {
		st.recs.consume(e.Size) // HTTP/2's Recv header lines are curl's rendering, not the bytes of a record
	}
	if isStatusLine(e.Data) {
		// A new response: header bytes of an interim one (100
		// Continue) before it did not share the body's segment.
		st.header = 0
		st.in101 = isUpgrade(e.Data) && (st.layer == LayerHTTP1 || st.layer == LayerUnknown)
	} else if st.in101 && isH2CUpgradeField(e.Data) {
		st.upgraded = true
	}
	if (st.layer == LayerHTTP1 || st.plain != nil) && isFinalStatus(e.Data) {
		st.body = nil
		if st.located {
			// The bytes say which response this is.
			if k, ok := st.responseAt(st.at.off); ok {
				st.finals = k
			}
		}
		if st.finals < len(st.exchanges) && st.exchanges[st.finals].Response != nil {
			if r := st.exchanges[st.finals].Response; r.Status >= 200 && r.Header.Len() > 0 {
				st.body = r
				st.recv = st.body.Header.Start
			}
			// Else the capture holds only its interim responses (100
			// Continue) and not the final header: nothing anchors the
			// body, whose reads follow the trace's bytes (past the
			// capture's end, they are missing).
		}
		st.finals++
	}
	if st.located {
		st.recv = st.at.off
	}
	if st.header == 0 {
		st.headerTOD, st.headerLine, st.headerHasTOD = e.Time, e.Line, e.HasTime
	}
	st.recv += int64(e.Size)
	st.header += e.Size
}

// responseAt finds the exchange whose response starts at off.
func (st *connState) responseAt(off int64) (int, bool) {
	for k, ex := range st.exchanges {
		if ex.Response != nil && ex.Response.Header.Start == off {
			return k, true
		}
	}
	return 0, false
}

// isStatusLine tells whether a Recv header event is an HTTP/1 status line.
func isStatusLine(line []byte) bool {
	return len(line) >= 12 && string(line[:7]) == "HTTP/1." && line[9] >= '1' && line[9] <= '9'
}

// isBlankLine tells whether a header line is the empty line ending a
// header block.
func isBlankLine(line []byte) bool { return string(line) == "\r\n" || string(line) == "\n" }

// isUpgrade tells whether a status line is a 101 Switching Protocols.
func isUpgrade(line []byte) bool { return isStatusLine(line) && string(line[9:12]) == "101" }

// isH2CUpgradeField tells whether a header line is "Upgrade: h2c".
func isH2CUpgradeField(line []byte) bool {
	name, value, ok := strings.Cut(string(line), ":")
	return ok && strings.EqualFold(strings.TrimSpace(name), "upgrade") && strings.EqualFold(strings.TrimSpace(value), "h2c")
}

// isFinalH2Status tells whether a Recv header event is curl's rendering
// of an HTTP/2 final status ("HTTP/2 200 ").
func isFinalH2Status(line []byte) bool {
	return len(line) >= 10 && string(line[:7]) == "HTTP/2 " && line[7] >= '2' && line[7] <= '9'
}

// isFinalStatus tells whether a Recv header event is an HTTP/1 status
// line of a final (not 1xx) response.
func isFinalStatus(line []byte) bool { return isStatusLine(line) && line[9] != '1' }

// connectSeen tells whether the capture shows an HTTP CONNECT on c: a
// proxy's tunnel, not a capture begun inside TLS that the sniffing took
// for clear HTTP/1 (review 14: a capture started 0.8 s into an HTTPS
// download was said to go through a proxy).
func connectSeen(c *analyze.Connection) bool {
	a := c.App
	if a == nil || a.HTTP == nil {
		return false
	}
	if a.HTTP.Tunnel {
		return true
	}
	for _, x := range a.HTTP.Exchanges() {
		if x.Request != nil && x.Request.Method == "CONNECT" {
			return true
		}
	}
	return false
}

// read explains one Recv data event: its facts, placed on the stream.
func (st *connState) read(i int, e *curltrace.Event) Event {
	ev := Event{Index: i, Line: e.Line, Size: e.Size, Conn: -1, Kind: e.Kind}
	ev.Facts.Layer = st.layer
	ev.Facts.n, ev.Facts.unmatched, ev.Facts.h2Lines = e.Size, st.capture && st.m == nil && !st.unix, st.h2Lines
	ev.Facts.unix = st.unix
	ev.Facts.othersMatched, ev.Facts.sslTraced = st.othersMatched, st.sslTraced
	ev.Facts.snapLost = st.snapLost
	ev.Facts.curl, ev.Facts.ascii = st.curlVersion, st.ascii
	if e.SizeLowerBound || e.Inflated > 0 || e.Cut != curltrace.NotCut {
		cut := e.Cut == curltrace.CutAtNUL && !e.SizeLowerBound
		ev.Facts.Size = &SizeFact{Source: FromTrace, LowerBound: e.SizeLowerBound, Inflated: e.Inflated, Logged: e.HeaderSize, Cut: cut}
		switch {
		case e.SizeLowerBound:
			ev.Notes = append(ev.Notes, NoteSizeLowerBound)
		case cut:
			ev.Notes = append(ev.Notes, NoteCutAtNUL)
		case e.Inflated > 0:
			ev.Notes = append(ev.Notes, NoteIDsInData)
		}
	}
	ev.Facts.TCPRecv, st.tcp = st.tcp, nil
	ev.Facts.eofLater = st.eof > i
	ev.tod, ev.hasTOD = e.Time, e.HasTime
	if e.HasTime {
		if st.hasPrev {
			ev.Facts.Timing = &TimingFact{Source: FromTrace, SincePrevious: e.Time - st.prevTOD, HasPrevious: true}
		}
		st.prevTOD, st.hasPrev = e.Time, true
	}
	if st.m != nil {
		ev.Conn = st.m.Conn.ID
		ev.Facts.MSS = st.mss
		ev.Facts.Point = st.m.Point
		ev.Facts.ambiguous = st.m.Ambiguous
	}
	if st.parallel && !st.located && (st.m != nil || st.capture) {
		// Parallel transfers without ids: the trace's connection for
		// this read is a guess (or none), and its bytes were not found
		// on it.
		ev.Facts.parallel, ev.Facts.unmatched = true, false
		st.header = 0
		return ev
	}
	if st.upgraded {
		// HTTP/2 after an h2c upgrade: the reads are DATA the frames of
		// which are not walked, not HTTP/1 bytes.
		ev.Facts.upgraded = true
		st.header = 0
		return ev
	}
	if st.nested {
		// The origin's TLS inside the HTTPS proxy's: the decrypted
		// stream holds the inner records, not the reads' bytes.
		ev.Facts.nested = true
		ev.Facts.Conn = &ConnFact{Source: FromCapture, Tunnel: true}
		st.header = 0
		return ev
	}
	ends := st.tbody.read(e.Size)
	st.tbody.line = e.Line
	if st.tunnel {
		// The TLS inside is not walked: the trace's record headers
		// are what is known, as without a capture.
		ev.Facts.tunnel, ev.Facts.Layer = true, st.inner
		ev.Facts.Conn = &ConnFact{Source: FromCapture, Tunnel: true}
		ev.Facts.Record, _ = st.recs.recordFact(ev.Size)
		if st.header > 0 {
			ev.Facts.Header = &HeaderFact{Source: FromTrace, Bytes: st.header}
		}
		if ends {
			ev.Facts.Body = &BodyFact{Source: FromTrace, Length: st.tbody.length, AtEnd: true}
		}
		st.header = 0
		return ev
	}
	switch st.layer {
	case LayerH2C, LayerH2TLS:
		ev.Facts.hdrInRecord, st.hdrInRecord = st.hdrInRecord, false
		st.readH2(&ev, e.Xfer, e.Data)
		if ev.Facts.Capture == nil && st.clearCut != nil {
			ev.Facts.Capture = st.clearCut
		}
	case LayerTLS:
		st.readTLS(&ev)
	default:
		st.readClear(&ev, i, e.Data)
	}
	if ends && ev.Facts.Body == nil {
		// No capture connection, or one whose response the capture does
		// not show whole (a snap length cut its header): the trace's own
		// Content-Length says this read took the body's last bytes.
		ev.Facts.Body = &BodyFact{Source: FromTrace, Length: st.tbody.length, AtEnd: true}
	}
	st.header = 0
	return ev
}

// windowShort: a read that ended less than a segment before the window's
// edge, where the server sent nothing more until an ACK moved the edge
// (review 30: 78192 = 54 x 1448 of a 78848-byte window, 656 unsent, was
// "a burst that one read took whole"). nil otherwise.
func (st *connState) windowShort(edge int64, w, ack int, end int64) *WindowFact {
	// A runt: less than a segment, and less than half the window (a
	// sender sends that much into it: on loopback, 32768 of a 65536-byte
	// window under a 65483-byte MSS is a segment like any).
	eff := int64(st.segs.eff)
	if eff <= 0 || edge <= end || edge-end >= eff || 2*(edge-end) >= int64(w) {
		return nil
	}
	next := st.segs.in(stream.Range{Start: end, End: end + 1})
	if len(next) == 0 || next[0].Offset != end {
		return nil
	}
	moved, _, reopen, ok := st.wins.at(next[0].Packet)
	if !ok || moved <= edge {
		return nil
	}
	// And promptly after that ACK: a server that paused on its own (a
	// sleep between writes) resumed long after it (review 33: 100 ms
	// after the ACK on a 0.2 ms path, "the window ended them").
	at, ok := st.wins.timeOf(reopen)
	prompt := 2 * time.Millisecond
	if st.m != nil {
		if rtt, ok := st.m.Conn.Handshake.RTT(); ok {
			prompt = max(prompt, 4*rtt)
		}
	}
	if !ok || next[0].Arrived.Sub(time.Unix(0, at)) > prompt {
		return nil
	}
	return &WindowFact{Source: FromCapture, Edge: edge, Window: w, Packet: ack, Short: int(edge - end), Reopened: reopen}
}

// readClear places a read of clear HTTP/1 on the stream: after the
// response's header (anchored on the capture's), or after the previous
// read.
func (st *connState) readClear(ev *Event, i int, data []byte) {
	if st.midStream() {
		if !st.foundOn {
			if off, ok := st.anchorAt(i, data); ok {
				// The reads before it were laid on no stream: where
				// they left off says nothing.
				st.foundOn, st.recv = true, off
			}
		}
		// The reads follow on from the anchor, as curl logged them:
		// where else their bytes are found says nothing more.
		st.located = false
	}
	ev.Range = st.nextRead(ev.Size)
	if st.segs == nil {
		if st.header > 0 {
			// The header curl logged just before: it may have shared
			// the read's buffer (bufferFacts).
			ev.Facts.Header = &HeaderFact{Source: FromTrace, Bytes: st.header}
		}
		return
	}
	if st.body == nil && !st.synSeen && !st.foundOn {
		// Offset 0 is only the first byte captured: laying the reads
		// from it would match them to the wrong segments.
		ev.Facts.unanchored = true
		// Nor is its range on the capture's stream: the trace's own
		// count would sit among the placed reads' offsets (review 41).
		ev.Range = stream.Range{}
		return
	}
	ev.Segments = st.segs.in(ev.Range)
	ev.Facts.Segments = st.segs.fact(ev.Segments, ev.Range)
	if len(ev.Segments) == 1 {
		ev.Facts.Nagle = st.nagle.fact(ev.Segments[0].Packet)
	}
	ev.Facts.Recovery = recoveryFact(ev.Segments)
	if n := len(ev.Segments); n > 0 && st.wins != nil {
		last := ev.Segments[n-1]
		if edge, w, ack, ok := st.wins.at(last.Packet); ok && edge == ev.Range.End && last.End() == edge {
			ev.Facts.Window = &WindowFact{Source: FromCapture, Edge: edge, Window: w, Packet: ack}
		} else if ok && last.End() == ev.Range.End && last.Len == st.segs.eff {
			// (Its last segment full: the stack was cutting at the MSS,
			// so what was left of the window was a runt to it. Loopback
			// segments follow the writes: 32768 of a 65483-byte MSS.)
			ev.Facts.Window = st.windowShort(edge, w, ack, ev.Range.End)
		}
	}
	if st.header > 0 {
		ev.Facts.Header = headerFact(st.header, ev.Segments, ev.Range)
		if st.headerHasTOD && ev.hasTOD && ev.tod > st.headerTOD {
			ev.Facts.Header.LoggedFor, ev.Facts.Header.FirstLine = ev.tod-st.headerTOD, st.headerLine
		}
	}
	if st.body != nil {
		ev.Facts.Body = bodyFact(st.body, ev.Range)
		ev.Facts.Chunks = chunkFact(st.body, ev.Range)
	}
}

// nextRead places the next n bytes curl read of an HTTP/1 response: on
// the body's start after a header (the capture's, so that any byte curl
// did not log is skipped), else after the previous read.
func (st *connState) nextRead(n int) stream.Range {
	switch {
	case st.located && !st.keepSequence(n):
		st.recv = st.at.off // where its bytes are
	case st.body != nil && st.header > 0 && st.recv != st.body.Body.Start:
		st.recv = st.body.Body.Start
	}
	r := stream.Range{Start: st.recv, End: st.recv + int64(n)}
	st.recv = r.End
	return r
}

// midStream tells that the capture began after the connection's start:
// neither the server's SYN nor a response header the walker found.
func (st *connState) midStream() bool {
	return st.segs != nil && st.body == nil && !st.synSeen && len(st.exchanges) == 0
}

// anchorAt tells where read i lies on a capture begun mid-transfer, from
// the trace's arithmetic: what curl logged received on this connection
// from it on ends where the server's stream ends, at its FIN, so the read
// starts that far before the end; it does when its bytes are there, with
// nothing missing from there on. Neither where its bytes are found first
// nor their being found once tells: a read from before the capture began
// is found on a later copy of its bytes (review 42: a body of one block
// twice, the capture begun inside the first; review 41: a keep-alive
// connection fetching one URL twice).
func (st *connState) anchorAt(i int, data []byte) (int64, bool) {
	if !st.clearHTTP1 {
		return 0, false
	}
	pos, ok := anchorFromEnd(st.m.Conn, analyze.ServerToClient, st.rest[i], data, st.ascii)
	if !ok || st.anchorScans >= maxAnchorScans {
		return 0, false
	}
	st.anchorScans++
	if !onlyThere(st.m.Conn, analyze.ServerToClient, pos, data, st.ascii) {
		return 0, false
	}
	// Another connection to the server, begun before the capture too,
	// that ends as this trace connection's reads do may be its: then
	// which one is not known (review 44: one URL fetched twice at once,
	// the capture begun after both).
	if k := st.last; k >= 0 && st.content != nil {
		tail := st.lastData
		for _, src := range st.content.srcs {
			c := src.c
			if c == st.m.Conn || unmap(c.Server) != unmap(st.m.Conn.Server) || c.Dir(analyze.ServerToClient).SYN.Seen {
				continue
			}
			if _, ok := anchorFromEnd(c, analyze.ServerToClient, st.rest[k], tail, st.ascii); ok {
				return 0, false
			}
		}
	}
	return pos, true
}

// onlyThere tells whether an event's bytes, at pos on direction d, are
// nowhere else on it: where the server sent bytes curl never read (a body
// longer than its Content-Length, a HEAD answered with one, a transfer
// aborted with data queued), the stream's end is not where curl's reads
// end, and a body of one repeated byte has the read's bytes at the wrong
// place too (review 43). Bytes found once, where the arithmetic puts them,
// are there.
func onlyThere(c *analyze.Connection, d analyze.Dir, pos int64, data []byte, ascii bool) bool {
	src := &contentSrc{c: c, b: c.App.Bytes}
	budget := int64(searchBudget)
	first, ok := src.find(d, 0, data, ascii, &budget)
	if !ok || first != pos {
		return false
	}
	_, again := src.find(d, first+1, data, ascii, &budget)
	return !again
}

// maxAnchorScans bounds the reads whose bytes are looked for over the
// whole stream as an anchor (onlyThere): in a body that repeats itself
// every read fits the arithmetic and none is there alone, and a scan per
// read was quadratic (review 42: 13 s for a 128 MiB stream).
const maxAnchorScans = 8

// anchorFromEnd is where an event whose bytes are data, followed by rest
// bytes (its own included) to the end of direction d, starts: rest before
// the end of d's stream, when the capture holds d's FIN with nothing
// missing from there on and the event's bytes are there.
func anchorFromEnd(c *analyze.Connection, d analyze.Dir, rest int64, data []byte, ascii bool) (int64, bool) {
	a := c.App
	if a == nil || a.Bytes[d] == nil || c.Dir(d).Fins == 0 {
		return 0, false
	}
	b := a.Bytes[d]
	end := b.End()
	pos := end - rest
	if b.Truncated || rest <= 0 || pos < 0 || !b.Captured(stream.Range{Start: pos, End: end}) {
		return 0, false
	}
	src := &contentSrc{c: c, b: a.Bytes}
	return pos, src.agrees(d, pos, data, ascii) == agreeWhole
}

// keepSequence tells whether a read of n bytes whose bytes were found
// elsewhere on the stream stays where the read before ended: the found
// place would overlap bytes curl already read, or the capture lacks bytes
// where it would follow on (a gap), and a body that repeats itself has
// the same bytes further on (review 33: a 1000-byte pattern and a lost
// GRO packet put a read 72000 bytes on, the next reads overlapping).
func (st *connState) keepSequence(n int) bool {
	off := st.at.off
	if off == st.recv || st.recv == 0 || st.segs == nil {
		return false
	}
	if off < st.recv {
		return true
	}
	rng := stream.Range{Start: st.recv, End: st.recv + int64(n)}
	return st.segs.fact(st.segs.in(rng), rng).Missing > 0
}

// recoveryFact finds, among a read's segments in stream order, a
// retransmission that later segments of the read had arrived before: the
// bytes after the hole could not be read until it came.
func recoveryFact(segs []Seg) *RecoveryFact {
	// Any segment that bytes after it in the stream had arrived before
	// filled a hole: a retransmission, or one the capture calls out of
	// order (review 30: a resent copy tshark and segscope class so, which
	// came 632 ms after the segment behind it, was "backlog: curl read
	// less often than they came").
	for i, r := range segs {
		f := &RecoveryFact{Source: FromCapture, Packet: r.Packet, Retransmission: r.Retrans}
		for _, s := range segs[i+1:] {
			if s.Arrived.Before(r.Arrived) {
				f.Waited++
				f.Before = max(f.Before, r.Arrived.Sub(s.Arrived))
			}
		}
		later := false // a segment of the read came after the filler
		for _, s := range segs {
			later = later || s.Arrived.After(r.Arrived)
		}
		// A filler the capture calls out of order made the read only if
		// it came last, after a wait worth the name (review 35: a 4 µs
		// reordering, 20 of the read's 35 segments after it, had become
		// loss-recovery).
		if f.Waited > 0 && (r.Retrans || !later && f.Before >= time.Millisecond) {
			return f
		}
	}
	return nil
}

// headerFact: the header bytes curl logged before the read, and the
// segment that carried both the header's end and the read's first bytes.
func headerFact(n int, segs []Seg, rng stream.Range) *HeaderFact {
	h := &HeaderFact{Source: FromTrace, Bytes: n}
	if len(segs) > 0 && segs[0].Offset < rng.Start && segs[0].Offset >= rng.Start-int64(n) {
		h.Source = FromCapture
		h.SharedPacket, h.SharedLen, h.HeaderInSeg = segs[0].Packet, segs[0].Len, rng.Start-segs[0].Offset
	}
	return h
}

func bodyFact(m *http1.Message, rng stream.Range) *BodyFact {
	b := m.Body.Range
	if !b.Overlaps(rng) {
		return nil
	}
	f := &BodyFact{Source: FromCapture, Length: b.Len(), AtEnd: rng.End == b.End, AtStart: rng.Start == b.Start}
	if m.Chunked {
		f.Chunked, f.Data = true, m.BodyBytes
	}
	return f
}

// chunkFact counts the chunks of a chunked body inside rng.
func chunkFact(m *http1.Message, rng stream.Range) *ChunkFact {
	if !m.Chunked || len(m.Chunks) == 0 {
		return nil
	}
	chs := m.Chunks
	k := sort.Search(len(chs), func(i int) bool { return chs[i].End > rng.Start })
	f := &ChunkFact{Source: FromCapture}
	startOK := k < len(chs) && chs[k].Start == rng.Start
	endOK := false
	for ; k < len(chs) && chs[k].Start < rng.End; k++ {
		ch := chs[k]
		in := min(ch.End, rng.End) - max(ch.Start, rng.Start)
		data := max(0, min(ch.Data.End, rng.End)-max(ch.Data.Start, rng.Start))
		trailers := int64(0)
		if ch.Size == 0 {
			// The last chunk's range runs on over its trailer fields to
			// the empty line: those are not framing.
			t := stream.Range{Start: ch.Data.End, End: max(ch.Data.End, ch.End-2)}
			trailers = max(0, min(t.End, rng.End)-max(t.Start, rng.Start))
		}
		f.Chunks++
		f.Data += int(data)
		f.Trailers += int(trailers)
		f.Framing += int(in - data - trailers)
		if ch.Start >= rng.Start && ch.End <= rng.End {
			f.Whole++
		}
		f.Last = f.Last || ch.Size == 0
		endOK = ch.End == rng.End
	}
	if f.Chunks == 0 {
		return nil
	}
	f.Aligned = startOK && endOK
	return f
}
