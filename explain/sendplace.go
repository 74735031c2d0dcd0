package explain

import (
	"sort"

	"github.com/segscope/segscope/analyze"
	"github.com/segscope/segscope/curltrace"
	"github.com/segscope/segscope/h2"
	"github.com/segscope/segscope/stream"
	"github.com/segscope/segscope/tlsdec"
	"github.com/segscope/segscope/tlsrec"
)

// sendSide places one trace connection's sends on the client's stream:
// the TCP stream in the clear, the plaintext inside TLS (mapped to the
// records that carried it), the DATA frames in HTTP/2.
type sendSide struct {
	m     *Match
	layer Layer
	segs  *segIndex    // client-to-server data segments
	wins  *windowIndex // the window the server advertised over the client's stream
	eff   int          // the client's effective MSS
	mss   *MSSFact
	// next is where the next send starts: on the TCP stream (clear), on
	// the plaintext (TLS); anchored tells that it is known.
	next     int64
	anchored bool
	plain    *tlsdec.Direction // decrypted TLS: the client's plaintext map
	keyless  *keylessPlain     // TLS without keys: plaintext laid from the record lengths
	frames   *frameIndex       // HTTP/2: the client's DATA frames
	flow     *flowLedger       // HTTP/2: the client's windows after each DATA frame
	headers  []h2.Frame        // HTTP/2: the client's HEADERS frames
	nheader  int
	data     int64
	byStream map[uint32]int64
	streams  map[int]uint32
	tls      *tlsInfo
	content  *contentPlacement
	// midStream: clear HTTP/1 whose capture began after the client's
	// SYN: a send is laid from the stream's end (anchorFromEnd), not
	// where its bytes are found, which for a request sent twice on a
	// keep-alive connection is the later copy (review 41: the first
	// request, sent before the capture began, found on the second's
	// packets made the pair "another run"). rest as connState.sendRest.
	midStream bool
	rest      map[int]int64
	// sent is the client's stream end, in capture order: how far the
	// client had sent by each packet's time.
	sent []sentMark
}

type sentMark struct {
	t   int64 // capture time, Unix nanoseconds
	end int64 // stream offset past the highest byte sent by then
}

func newSendSide(st *connState) *sendSide {
	m := st.m
	c := m.Conn
	s := &sendSide{m: m, layer: st.layer, segs: newSegIndex(c, analyze.ClientToServer, false), wins: newWindowIndexOf(c, analyze.ServerToClient),
		mss: mssFactOf(c, analyze.ClientToServer), anchored: c.Dir(analyze.ClientToServer).SYN.Seen, streams: st.streams, tls: st.tls,
		content: st.content, midStream: st.clearHTTP1 && !c.Dir(analyze.ClientToServer).SYN.Seen, rest: st.sendRest}
	s.eff = s.segs.eff
	var hi int64
	for _, sg := range c.Segments.All() {
		if sg.Dir == analyze.ClientToServer && sg.Len > 0 && sg.End() > hi && sg.Kind&analyze.KindDuplicate == 0 {
			hi = sg.End()
			s.sent = append(s.sent, sentMark{sg.Time, hi})
		}
	}
	a := c.App
	if a == nil {
		return s
	}
	if st.walked {
		a = a.Tunnel // the CONNECT itself goes through connectSide
		if a.Protocol == analyze.ProtoHTTP1 {
			s.next = c.App.HTTP.UpgradedAt[analyze.ClientToServer] // clear HTTP/1 after the CONNECT
		}
	}
	switch a.Protocol {
	case analyze.ProtoH2C:
		s.h2From(a.H2[analyze.ClientToServer], nil)
		s.flowFrom(a.H2)
	case analyze.ProtoTLS:
		s.anchored = true // the plaintext starts with the first application data
		d := a.TLSDec
		decrypted := d != nil && d.Client().Stats().Decrypted > 0
		switch {
		case decrypted && a.Inner == analyze.ProtoH2:
			s.h2From(a.H2[analyze.ClientToServer], d.Client())
			s.flowFrom(a.H2)
		case decrypted:
			s.plain = d.Client()
		case st.layer == LayerTLS && st.tls != nil && st.tls.overhead > 0 && a.TLS[analyze.ClientToServer] != nil:
			s.keyless = newKeylessPlain(a.TLS[analyze.ClientToServer].Records(), st.tls)
		}
	}
	return s
}

// connectSide places the CONNECT curl sent to a proxy, in the clear
// before the tunnel analyze walked: HTTP/1 from the stream's start.
func connectSide(st *connState) *sendSide {
	c := st.m.Conn
	return &sendSide{m: st.m, layer: LayerHTTP1, segs: newSegIndex(c, analyze.ClientToServer, false), wins: newWindowIndexOf(c, analyze.ServerToClient),
		mss: mssFactOf(c, analyze.ClientToServer), anchored: c.Dir(analyze.ClientToServer).SYN.Seen, content: st.content}
}

func (s *sendSide) h2From(w *h2.Walker, dec *tlsdec.Direction) {
	if w == nil {
		return
	}
	s.frames = newFrameIndex(w.Frames(), dec)
	for _, f := range w.Frames() {
		if f.Type == h2.TypeHeaders {
			s.headers = append(s.headers, f)
		}
	}
}

// flowFrom replays the flow control of the client's DATA, when both
// directions' frames are known.
func (s *sendSide) flowFrom(w [2]*h2.Walker) {
	if w[analyze.ClientToServer] != nil && w[analyze.ServerToClient] != nil {
		s.flow = newFlowLedger(w[analyze.ClientToServer].Frames(), w[analyze.ServerToClient].Frames())
	}
}

// place finds where a send's bytes went; false when they could not be
// placed (the event keeps NoteUnplaced).
func (s *sendSide) place(ev *Event, e *curltrace.Event) bool {
	ev.Facts.MSS = s.mss
	at, located := s.content.placedAt(ev.Index, s.m.Conn)
	if s.midStream {
		located = false
		if !s.anchored {
			if pos, ok := anchorFromEnd(s.m.Conn, analyze.ClientToServer, s.rest[ev.Index], e.Data, ev.Facts.ascii); ok && onlyThere(s.m.Conn, analyze.ClientToServer, pos, e.Data, ev.Facts.ascii) && !s.content.elsewhere(s.m.Conn, analyze.ClientToServer, e.Data, ev.Facts.ascii) {
				s.next, s.anchored = pos, true
			}
		}
	}
	if located {
		s.next, s.anchored = at.off, true
	}
	switch {
	case s.frames != nil:
		return s.placeH2(ev, e)
	case s.layer == LayerH2C || s.layer == LayerH2TLS:
		return false // frames unknown: TLS without keys
	case !s.anchored:
		return false
	}
	rng := stream.Range{Start: s.next, End: s.next + int64(ev.Size)}
	s.next = rng.End
	switch {
	case s.plain != nil:
		c, ok := s.plain.ToCipher(rng)
		i, ok1 := s.plain.SpanOf(rng.Start)
		j, ok2 := s.plain.SpanOf(rng.End - 1)
		if !ok || !ok1 || !ok2 {
			return false
		}
		ev.Facts.Record = decryptedRecord(s.plain, i, j, rng.Start, s.tls)
		ev.Plain, rng = rng, c
		s.segments(ev, rng)
		s.shareByRecords(ev, s.plain, i, j)
		return true
	case s.keyless != nil:
		f, c, ok := s.keyless.place(rng, e.Kind == curltrace.SendData)
		if !ok {
			s.keyless = nil // the records no longer follow the sends
			return false
		}
		s.tls.nameVersion(f)
		ev.Facts.Record, ev.Plain, rng = f, rng, c
	case s.layer == LayerTLS:
		return false
	}
	s.segments(ev, rng)
	return true
}

// placeH2: a Send header is curl's rendering of the request's HEADERS
// frame (HPACK on the wire, so not its bytes); a Send data is DATA
// payload, on its stream's DATA when the trace's ids name the stream.
func (s *sendSide) placeH2(ev *Event, e *curltrace.Event) bool {
	x := s.frames
	var ext stream.Range
	if e.Kind == curltrace.SendHeader {
		if s.nheader >= len(s.headers) {
			return false
		}
		f := s.headers[s.nheader]
		s.nheader++
		ext = f.Range
		ev.Facts.Frames = &FrameFact{Source: x.src, Extent: ext.Len()}
	} else {
		var at int64
		if id, ok := s.streams[e.Xfer]; ok && e.Xfer >= 0 {
			x = x.forStream(id)
			if s.byStream == nil {
				s.byStream = map[uint32]int64{}
			}
			at = s.byStream[id]
			s.byStream[id] = at + int64(ev.Size)
		} else {
			at = s.data
			s.data += int64(ev.Size)
		}
		refs, first, last := x.place(at, ev.Size)
		in := 0
		for _, r := range refs {
			in += r.InRead
		}
		if len(refs) == 0 || in != ev.Size {
			return false
		}
		ext = x.extent(at, ev.Size, first, last)
		f := &FrameFact{Source: x.src, Frames: refs, Extent: ext.Len(), Leading: refs[0].From == 0}
		f.Headers, _, f.Padding, f.Other = x.between(ext)
		f.Shape = shapeOf(f, ev.Size, false)
		ev.Facts.Frames = f
		ev.Facts.H2Flow = s.flow.fact(x.data[first].seq, x.data[last].seq)
	}
	rng := ext
	if x.dec != nil {
		c, ok := x.dec.ToCipher(ext)
		if !ok {
			return false
		}
		ev.Plain, rng = ext, c
		i, ok1 := x.dec.SpanOf(ext.Start)
		j, ok2 := x.dec.SpanOf(ext.End - 1)
		if ok1 && ok2 {
			ev.Facts.Record = decryptedRecord(x.dec, i, j, ext.Start, s.tls)
			s.segments(ev, rng)
			s.shareByRecords(ev, x.dec, i, j)
			return true
		}
	}
	s.segments(ev, rng)
	return true
}

// shareByRecords tells whether the send's first and last segments carried
// bytes before and after its records (i to j of dec), not only the
// records' own header and tag around its plaintext (review 26: a 76-byte
// segment holding one 71-byte record of a 47-byte HEADERS frame was
// "shared with the bytes sent before and after it").
func (s *sendSide) shareByRecords(ev *Event, dec *tlsdec.Direction, i, j int) {
	f := ev.Facts.Segments
	recs, spans := dec.W.Records(), dec.Spans()
	a, b := spans[i].Record, spans[j].Record
	if f == nil || a < 0 || b < 0 || a >= len(recs) || b >= len(recs) {
		return
	}
	whole := stream.Range{Start: recs[a].Start, End: recs[b].End}
	wf := s.segs.fact(s.segs.in(whole), whole)
	f.StartsInside, f.EndsInside = wf.StartsInside, wf.EndsInside
}

// segments finds the client segments that carried rng, and the state of
// the connection when the last of them left.
func (s *sendSide) segments(ev *Event, rng stream.Range) {
	ev.Range = rng
	ev.Segments = s.segs.in(rng)
	ev.Facts.Segments = s.segs.fact(ev.Segments, rng)
}

// pressure is the state of the connection when curl logged a send (on the
// capture's clock): how much of what curl had written by then the socket
// still held unsent, the bytes in flight, and the window the server had
// advertised. A socket that takes less than curl offers is one whose send
// buffer is full: bytes it could not send yet.
func (s *sendSide) pressure(ev *Event) {
	if ev.Kind != curltrace.SendData || s.wins == nil || ev.Time.IsZero() || ev.Range.Len() == 0 || len(ev.Segments) == 0 {
		return
	}
	if s.m != nil && s.m.Point != nil && s.m.Point.Where == PointServer {
		// Seen from the server, what curl's socket held and what was in
		// flight are not in the capture: bytes on the path look unsent
		// (review 14: 328103 "unsent", nothing "in flight", where the
		// client's capture had 173167 unsent and 154936 in flight).
		return
	}
	t := ev.Time.UnixNano()
	edge, w, ack, ok := s.wins.atTime(t)
	if !ok {
		return
	}
	k := sort.Search(len(s.sent), func(k int) bool { return s.sent[k].t > t }) - 1
	var sent int64
	if k >= 0 {
		sent = s.sent[k].end
	}
	first := ev.Segments[0].Packet
	for _, sg := range ev.Segments {
		first = min(first, sg.Packet)
	}
	f := &SendBufferFact{Source: FromCapture, Packet: ack, Window: w, InFlight: max(0, sent-(edge-int64(w))),
		Unsent: max(0, ev.Range.End-sent), ZeroWindow: w == 0 || s.wins.zeroBetween(first, ack)}
	f.Full = s.eff > 0 && edge-sent < int64(s.eff)
	ev.Facts.SendBuffer = f
}

// keylessPlain lays the client's plaintext on its application data records
// without keys: each record carries its length less the suite's overhead.
// curl writes a buffer with one SSL_write, which ends at a record's end.
type keylessPlain struct {
	recs []tlsrec.Record
	cum  []int64 // plaintext before each record
	plen []int
	over int
}

func newKeylessPlain(recs []tlsrec.Record, t *tlsInfo) *keylessPlain {
	k := &keylessPlain{over: t.overhead}
	skipped := t.version != tlsdec.VersionTLS13 // TLS 1.3 sends the client's Finished as application data first
	var cum int64
	for _, r := range recs {
		if r.Type != tlsrec.ApplicationData || r.Truncated {
			continue
		}
		if !skipped {
			skipped = true
			continue
		}
		n := r.Length - t.overhead
		if n <= 0 {
			continue
		}
		k.recs = append(k.recs, r)
		k.cum = append(k.cum, cum)
		k.plen = append(k.plen, n)
		cum += int64(n)
	}
	return k
}

// place maps plaintext rng to the records; a send of data must end where
// a record ends (SSL_write writes whole records), else the records do not
// follow the sends.
func (k *keylessPlain) place(rng stream.Range, mustEnd bool) (*RecordFact, stream.Range, bool) {
	i := sort.Search(len(k.cum), func(i int) bool { return k.cum[i]+int64(k.plen[i]) > rng.Start })
	j := sort.Search(len(k.cum), func(i int) bool { return k.cum[i]+int64(k.plen[i]) >= rng.End })
	if i >= len(k.recs) || j >= len(k.recs) || (mustEnd && k.cum[j]+int64(k.plen[j]) != rng.End) {
		return nil, stream.Range{}, false
	}
	a, b := k.recs[i], k.recs[j]
	f := &RecordFact{Source: FromCapture, Index: i, Count: j - i + 1, Length: a.Length, Wire: a.Length + 5, Plain: k.plen[i],
		Overhead: k.over, OverheadKnown: true, Before: int(rng.Start - k.cum[i])}
	return f, stream.Range{Start: a.Start, End: b.End}, true
}
