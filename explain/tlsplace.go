package explain

import (
	"strings"

	"github.com/segscope/segscope/analyze"
	"github.com/segscope/segscope/curltrace"
	"github.com/segscope/segscope/stream"
	"github.com/segscope/segscope/tlsdec"
	"github.com/segscope/segscope/tlsrec"
)

// tlsInfo is what the capture tells about a TLS connection: the
// negotiated version, suite and per-record overhead (in clear in the
// ServerHello), whether it was decrypted, and the plaintext of each
// decrypted server record.
type tlsInfo struct {
	overhead   int
	version    tlsdec.Version
	suite      tlsdec.CipherSuite
	status     tlsdec.Status
	snapCut    bool // records cut: by the snap length (snapped) or by lost packets
	snapped    bool
	boundHits  int
	alpn       string
	alpnKnown  bool
	innerH2    bool
	plain      map[int]int // server record index -> plaintext bytes, when decrypted
	decrypted  bool
	keyMissing bool // a key log was given, with no secret for this connection
	keysGiven  bool // a key log was given
	// serverStatus is the server direction's decryption status; noAppKey:
	// it is NoKey for want of the server's application secret.
	serverStatus tlsdec.Status
	noAppKey     bool
	// versionName and suiteName name them when the ServerHello was not
	// captured whole, from curl's "SSL connection using" line (overhead
	// then comes from the trace too).
	versionName, suiteName string
}

// fromTrace takes the version and suite curl logged when the capture did
// not show them (a snap length cut the ServerHello).
func (t *tlsInfo) fromTrace(version, suite string) {
	if t == nil || t.version != 0 || version == "" {
		return
	}
	if o, ok := tlsdec.OverheadOfName(version, suite); ok {
		t.overhead, t.versionName, t.suiteName = o, strings.Replace(version, "TLSv", "TLS ", 1), suite
	}
}

func newTLSInfo(a *analyze.App) *tlsInfo {
	t := &tlsInfo{innerH2: a.Inner == analyze.ProtoH2}
	d := a.TLSDec
	if d == nil {
		return t
	}
	t.overhead, t.version, t.suite, t.status = d.Overhead(), d.Version(), d.Suite(), d.Status()
	t.keysGiven = d.KeysGiven()
	t.keyMissing = t.status == tlsdec.NoKey && t.keysGiven
	t.alpn, t.alpnKnown = d.ALPN()
	st := d.Server().Stats()
	t.serverStatus, t.noAppKey = st.Status, st.NoAppKey
	t.snapCut = st.Undecryptable > 0 || a.TLS[analyze.ServerToClient].Stopped()
	t.boundHits = int(a.Streams[analyze.ServerToClient].BoundHits)
	for _, g := range a.Streams[analyze.ServerToClient].Gaps {
		t.snapped = t.snapped || g.Reason == stream.GapSnapLength
	}
	t.snapCut = t.snapCut || t.snapped
	t.decrypted = st.Decrypted > 0
	if t.decrypted {
		t.plain = map[int]int{}
		for _, s := range d.Server().Spans() {
			if !s.Estimated {
				t.plain[s.Record] += int(s.Plain.Len())
			}
		}
	}
	return t
}

// h2 tells whether the connection spoke HTTP/2: as the decryption or the
// ServerHello showed, else as the trace's ALPN lines for this very
// connection said.
func (t *tlsInfo) h2(tc curltrace.Connection) bool {
	if t.innerH2 {
		return true
	}
	if t.alpnKnown {
		return t.alpn == "h2"
	}
	return tc.ALPN.H2()
}

// laidRecord is one server record placed on the TCP stream, and how much
// of its plaintext curl has logged so far.
type laidRecord struct {
	rng       stream.Range
	length    int
	src       Source
	index     int
	used      int // plaintext bytes of Recv header / Recv data events so far
	dataReads int
}

// recordLayer lays the records curl logged (each `Recv SSL data, 5 bytes`
// is one record's header) on the server's stream: on the capture's
// records where the walker found them, else from the logged lengths and
// the end of the record before, so placement survives a snap length and
// resynchronises on the next record the capture has.
type recordLayer struct {
	caps []tlsrec.Record
	tls  *tlsInfo
	ci   int   // next capture record
	next int64 // stream offset of the next record
	idx  int   // index of the next record
	lost bool  // a header without a length broke the chain
	cur  *laidRecord
	// h2: HTTP/2 inside, where curl hands over a record's DATA a frame
	// (or a piece) at a time: a read is not a record's whole plaintext.
	h2 bool
}

// header lays the record whose header curl logged.
func (l *recordLayer) header(h *curltrace.TLSHeader) {
	l.cur = nil
	if k, ok := l.findCapture(h); ok {
		c := l.caps[k]
		// The record's number is curl's count of headers, not its index
		// among the capture's records: a walk that resynchronised after a
		// snap length left records out of those.
		l.ci, l.lost = k+1, false
		l.next = c.Start + 5 + int64(c.Length)
		l.cur = &laidRecord{rng: stream.Range{Start: c.Start, End: l.next}, length: c.Length, src: FromCapture, index: l.idx}
		l.idx++
		return
	}
	if l.lost || !h.LengthKnown {
		if !l.lost && l.tls != nil && l.tls.overhead > 0 && !l.h2 {
			// In a gap of the capture, its length not logged
			// (--trace-ascii): the read of it gives it (one record per
			// SSL_read), so that the next record is found where it
			// starts (review 14: the reads after a gap of several
			// records had each been put on a later one, certain). Not
			// under HTTP/2, where reads are frames or pieces of them
			// (review 23: a 16401-byte record laid as 35 bytes, from
			// its first read of 18).
			l.cur = &laidRecord{rng: stream.Range{Start: l.next, End: -1}, length: -1, src: FromTrace, index: l.idx}
			l.idx++
			return
		}
		l.lost = true
		return
	}
	r := stream.Range{Start: l.next, End: l.next + 5 + int64(h.Length)}
	l.cur = &laidRecord{rng: r, length: h.Length, src: FromTrace, index: l.idx}
	l.next, l.idx = r.End, l.idx+1
}

// findCapture finds the capture record for a logged header: the one that
// starts where the record before it ended. When none does, the record
// lies in a gap of the capture (lost packets, a snap length) and is laid
// from the trace's header instead; only when a header without a length
// broke the chain is the next capture record that fits taken, a few
// records on at most.
func (l *recordLayer) findCapture(h *curltrace.TLSHeader) (int, bool) {
	for k := l.ci; k < len(l.caps) && k < l.ci+16; k++ {
		c := l.caps[k]
		if l.lost {
			if h.Fits(c.Length) {
				return k, true
			}
			if !h.LengthKnown {
				return 0, false
			}
			continue
		}
		switch {
		case c.Start < l.next:
			continue
		case c.Start == l.next && h.Fits(c.Length):
			return k, true
		}
		return 0, false
	}
	return 0, false
}

// consume counts plaintext of the current record that curl logged.
func (l *recordLayer) consume(n int) {
	if l != nil && l.cur != nil {
		l.cur.used += n
	}
}

// recordFact describes the current record for a read of n bytes, and
// counts the read in it.
func (l *recordLayer) recordFact(n int) (*RecordFact, stream.Range) {
	rec := l.cur
	if rec == nil {
		return nil, stream.Range{}
	}
	if rec.length < 0 {
		// A record in a gap (header): laid from this read's size, only
		// to find the next; the read itself is not in the capture.
		rec.length = rec.used + n + l.tls.overhead
		l.next = rec.rng.Start + 5 + int64(rec.length)
		rec.rng.End = l.next
		rec.used += n
		rec.dataReads++
		return nil, stream.Range{}
	}
	f := &RecordFact{Source: rec.src, Index: rec.index, Count: 1, Length: rec.length, Wire: rec.length + 5,
		Before: rec.used, SameAsPrevious: rec.dataReads > 0}
	if t := l.tls; t != nil {
		if t.version != 0 {
			f.Version, f.VersionName, f.Suite = t.version, t.version.String(), t.suite.String()
		} else if t.suiteName != "" {
			f.VersionName, f.Suite = t.versionName, t.suiteName
		}
		// The decrypted record's plaintext, where it fits the wire
		// record: after a gap in the capture the decrypted records and the
		// walked ones can fall apart (review 37: "4744 bytes of plaintext
		// (555 on the wire)", and buffer-cap, certain, of whole records).
		if p, ok := t.plain[rec.index]; ok && rec.src == FromCapture && rec.length-p >= 0 && rec.length-p <= maxRecordOverhead {
			f.Plain, f.Overhead, f.OverheadKnown, f.Source = p, rec.length-p, true, FromKeyLog
		} else if t.overhead > 0 {
			f.Plain, f.Overhead, f.OverheadKnown = rec.length-t.overhead, t.overhead, true
		}
	}
	rec.used += n
	rec.dataReads++
	return f, rec.rng
}

// readTLS places a read of HTTP/1 inside TLS: curl reads one record per
// SSL_read, so the read came from the record whose header curl logged
// last.
func (st *connState) readTLS(ev *Event) {
	var rng stream.Range
	ev.Facts.Record, rng = st.recs.recordFact(ev.Size)
	if st.header > 0 {
		ev.Facts.Header = &HeaderFact{Source: FromTrace, Bytes: st.header}
	}
	st.captureFact(ev)
	if st.plain != nil && st.readPlain(ev) {
		return
	}
	if ev.Facts.Record == nil || st.segs == nil {
		return
	}
	ev.Range = rng
	ev.Segments = st.segs.in(rng)
	ev.Facts.Segments = st.segs.fact(ev.Segments, rng)
}

// captureFact notes what kept TLS from being read: no key, a snap length.
func (st *connState) captureFact(ev *Event) {
	if st.tls == nil {
		return
	}
	ev.Facts.keyMissing = st.tls.keyMissing
	ev.Facts.tlsStatus, ev.Facts.keysGiven = st.tls.status, st.tls.keysGiven
	ev.Facts.serverKey, ev.Facts.noAppKey = st.tls.serverStatus, st.tls.noAppKey
	if st.tls.snapCut || !st.tls.decrypted {
		ev.Facts.Capture = &CaptureFact{Source: FromCapture, SnapCut: st.tls.snapCut, Snapped: st.tls.snapped, BoundHits: st.tls.boundHits, TLSStatus: st.tls.status.String()}
	}
	alpn := ""
	if st.tls.alpnKnown {
		alpn = st.tls.alpn
	}
	if alpn != "" {
		ev.Facts.Conn = &ConnFact{Source: FromCapture, ALPN: alpn, ALPNBy: FromCapture}
	}
}

// resyncedBy tells whether the record walk lost records before record k
// (it picked up again after a gap over a header).
func resyncedBy(dec *tlsdec.Direction, k int) bool {
	if dec.W.Stats().Resyncs == 0 {
		return false
	}
	recs := dec.W.Records()
	for i := 0; i <= k && i < len(recs); i++ {
		if recs[i].Resync {
			return true
		}
	}
	return false
}

// decryptedRecord is the record fact of plaintext that starts at start in
// span i of dec's map and ends in span j: the record its first byte came
// from, as the decryption shows it, and how many records it spans.
func decryptedRecord(dec *tlsdec.Direction, i, j int, start int64, t *tlsInfo) *RecordFact {
	sp := dec.Spans()[i]
	if sp.Record < 0 || sp.Record >= len(dec.W.Records()) {
		return nil // records a gap took: the walk has none of them
	}
	rec := dec.W.Records()[sp.Record]
	f := &RecordFact{Source: FromKeyLog, Index: sp.Record, Count: j - i + 1, Length: rec.Length, Wire: rec.Length + 5,
		Plain: int(sp.Plain.Len()), Overhead: rec.Length - int(sp.Plain.Len()), OverheadKnown: true, Before: int(start - sp.Plain.Start)}
	t.nameVersion(f)
	return f
}

// nameVersion names the record's version and suite, as the ServerHello
// gave them.
func (t *tlsInfo) nameVersion(f *RecordFact) {
	if t != nil && t.version != 0 {
		f.Version, f.VersionName, f.Suite = t.version, t.version.String(), t.suite.String()
	}
}

// readPlain places a read of decrypted HTTP/1 on the plaintext stream,
// anchored on the decrypted responses as in the clear, and finds its
// record from the plaintext's map; false when the map does not cover it.
func (st *connState) readPlain(ev *Event) bool {
	p := st.nextRead(ev.Size)
	i, ok1 := st.plain.SpanOf(p.Start)
	j, ok2 := st.plain.SpanOf(p.End - 1)
	c, ok3 := st.plain.ToCipher(p)
	if !ok1 || !ok2 || !ok3 {
		return false
	}
	if resyncedBy(st.plain, st.plain.Spans()[j].Record) {
		// Records were lost in a gap before this one: the plaintext
		// stream lacks theirs, so offsets on it past the gap are off by
		// what they held (review 14: every read after a lost record one
		// record late, certain). The records curl logged place it.
		return false
	}
	f := decryptedRecord(st.plain, i, j, p.Start, st.tls)
	if f == nil {
		return false
	}
	f.SameAsPrevious = st.lastRec == f.Index
	st.lastRec = f.Index
	ev.Facts.Record, ev.Plain, ev.Range = f, p, c
	if st.body != nil {
		ev.Facts.Body, ev.Facts.Chunks = bodyFact(st.body, p), chunkFact(st.body, p)
		if ev.Facts.Body != nil {
			ev.Facts.Body.Source = FromKeyLog
		}
		if ev.Facts.Chunks != nil {
			ev.Facts.Chunks.Source = FromKeyLog
		}
	}
	ev.Segments = st.segs.in(c)
	ev.Facts.Segments = st.segs.fact(ev.Segments, c)
	return true
}
