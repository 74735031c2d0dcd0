package tlsdec

import (
	"encoding/binary"
	"sort"

	"github.com/segscope/segscope/stream"
	"github.com/segscope/segscope/tlsrec"
)

// maxPayload is the largest record payload tlsrec lets through.
const maxPayload = tlsrec.MaxLength

// maxTrials bounds the records tried with the application keys while the
// handshake keys are missing or did not open a record.
const maxTrials = 16

// Direction decrypts one direction. It is a stream.Consumer (fed the TCP
// stream) and a tlsrec.Sink (fed each record's payload by its walker).
type Direction struct {
	W *tlsrec.Walker // the record walk, ciphertext coordinates

	c      *Conn
	server bool
	inner  stream.Consumer

	// Record protection: hs until this direction's Finished (TLS 1.3),
	// then app. TLS 1.2 uses app from its ChangeCipherSpec on.
	hs, app *trafficKeys
	onApp   bool
	secret  []byte // current TLS 1.3 application traffic secret, for KeyUpdate
	seq     uint64
	ccs     bool // TLS 1.2: ChangeCipherSpec seen, records are encrypted
	seqLost bool // records went by unwalked: sequence numbers unknown
	trials  int
	lastEnd int64 // stream offset where the last record walked ended
	resumed int   // times decryption went on past records a gap took (resume)

	status   Status // AuthFailed stops the direction
	failedAt Failure

	// The record being walked: its payload and where each segment's
	// bytes begin in it.
	buf   []byte
	spare []byte
	marks []mark
	rec   int // index of the record being walked

	hsMsg    handshakeReader
	plainOff int64

	spans    []Span
	maxSpans int

	encrypted     int // encrypted records seen
	decrypted     int
	undecryptable int // cut by a snap length or a gap
	firstCut      int64
	alerts        []Alert
	nonce         [12]byte
	aad           [13]byte
	ctr           [16]byte // lazy: the counter block
	ks            [64]byte // lazy: keystream, and bytes skipped to reach an offset
	tail          [64]byte // lazy: a TLS 1.3 record's end, decrypted to find its type
	pieces        [][2]int // lazy: the ranges of the record decrypted in place

	// 0-RTT early data (the client's direction, early.go).
	early     *trafficKeys
	earlySeq  uint64
	pastEarly bool // a record under the handshake keys (or EndOfEarlyData) came
	pending   []pendingRecord
	held      []heldEarly

	noHandshakeKey int       // TLS 1.3 handshake records not decrypted: no handshake secret
	noAppKey       bool      // past the handshake, no application secret: NoKey (stop)
	early0         EarlyData // the counts; Known, Accepted and Secret are filled in by Stats
}

type mark struct {
	off int // offset in the record's payload
	at  stream.Pos
}

// Alert is a decrypted alert.
type Alert struct {
	Offset      int64 // stream offset of its record
	Level       uint8
	Description uint8 // 0 close_notify
}

// Stats counts a direction's encrypted records.
type Stats struct {
	Status Status
	// Encrypted records seen; Decrypted of them opened; Undecryptable
	// were cut by a snap length or a gap (FirstCut is the first one's
	// offset, -1 when none). The rest were not tried: no key, an
	// unsupported suite, or after a failure.
	Encrypted, Decrypted, Undecryptable int
	FirstCut                            int64
	Failed                              Failure // Record -1 when none
	Plaintext                           int64   // application data bytes laid on the plaintext stream
	Alerts                              []Alert
	// Early is the client's 0-RTT early data (Records 0 when none).
	Early EarlyData
	// NoHandshakeKey counts TLS 1.3 handshake records not decrypted
	// because the key log has no handshake secret for this direction.
	NoHandshakeKey int
	// NoAppKey: Status is NoKey because the key log has no application
	// secret for this direction (SERVER_TRAFFIC_SECRET_0 or
	// CLIENT_TRAFFIC_SECRET_0 missing), past a handshake decrypted.
	NoAppKey bool
	// SeqLost: records went by unwalked (a gap over a header), so the
	// sequence numbers of every record after are unknown: the
	// Undecryptable ones from FirstCut on are whole records, not cut.
	SeqLost bool
	// Resumed counts the gaps that took whole records (a packet the
	// capture dropped) after which decryption went on: the next record's
	// tag told how many were lost.
	Resumed int
}

// Stats returns the direction's counts.
func (x *Direction) Stats() Stats {
	first := x.firstCut
	if x.undecryptable == 0 {
		first = -1
	}
	return Stats{Status: x.status, Encrypted: x.encrypted, Decrypted: x.decrypted, Undecryptable: x.undecryptable,
		FirstCut: first, Failed: x.failedAt, Plaintext: x.plainOff, Alerts: x.alerts,
		Early: x.earlyStats(), NoHandshakeKey: x.noHandshakeKey, NoAppKey: x.noAppKey, SeqLost: x.seqLost, Resumed: x.resumed}
}

// Spans maps the plaintext stream onto the records, in order; they tile
// it from 0 (the first MaxRecords).
func (x *Direction) Spans() []Span { return x.spans }

// ToCipher maps a plaintext range to the TCP stream range of its
// ciphertext: from its first byte's position to just past its last
// byte's, across record headers and tags between them. ok is false when
// the range is not on the plaintext stream.
func (x *Direction) ToCipher(p stream.Range) (c stream.Range, ok bool) {
	if p.Len() <= 0 {
		if s, ok := x.spanAt(p.Start); ok {
			off := s.Cipher + p.Start - s.Plain.Start
			return stream.Range{Start: off, End: off}, true
		}
		return stream.Range{}, false
	}
	a, ok1 := x.spanAt(p.Start)
	b, ok2 := x.spanAt(p.End - 1)
	if !ok1 || !ok2 {
		return stream.Range{}, false
	}
	return stream.Range{Start: a.Cipher + p.Start - a.Plain.Start, End: b.Cipher + p.End - b.Plain.Start}, true
}

// Estimated tells whether any of plaintext range p lies in a record that
// was not decrypted (its span's place and length are the record's less
// the suite's overhead, estimated), or off the spans: where the bytes
// were, and in which record, is then not known.
func (x *Direction) Estimated(p stream.Range) bool {
	i, ok := x.SpanOf(p.Start)
	if !ok {
		return true
	}
	for ; i < len(x.spans) && x.spans[i].Plain.Start < max(p.End, p.Start+1); i++ {
		if x.spans[i].Estimated {
			return true
		}
	}
	return false
}

// SpanOf returns the index of the span holding plaintext offset off.
func (x *Direction) SpanOf(off int64) (int, bool) {
	i := sort.Search(len(x.spans), func(i int) bool { return x.spans[i].Plain.End > off })
	if i == len(x.spans) || !x.spans[i].Plain.Contains(off) {
		return 0, false
	}
	return i, true
}

func (x *Direction) spanAt(off int64) (Span, bool) {
	i, ok := x.SpanOf(off)
	if !ok {
		return Span{}, false
	}
	return x.spans[i], true
}

// Data, Gap and End implement stream.Consumer: the walker reads the
// records and hands their payloads back through Payload and Done.
func (x *Direction) Data(off int64, data []byte, at stream.Pos) {
	x.W.Data(off, data, at)
}

func (x *Direction) Gap(off, n int64, at stream.Pos) {
	x.W.Gap(off, n, at)
}

func (x *Direction) End(off int64) {
	x.W.End(off)
	if len(x.pending) > 0 {
		// Early data held for keys, and no record after it to replay it
		// at; when the ServerHello has not come yet, the server's first
		// encrypted record replays it.
		if x.c.setup(); x.c.status == Decrypted && x.status != AuthFailed && !x.noAppKey {
			x.status = Decrypted
			x.replayEarly()
		}
	}
	if x.inner != nil {
		x.inner.End(x.plainOff)
		x.inner = nil
	}
}

// encrypted tells whether record r is protected: TLS 1.3 protects every
// application_data record; TLS 1.2 everything after ChangeCipherSpec.
func (x *Direction) isEncrypted(r *tlsrec.Record) bool {
	if r.Type == tlsrec.ChangeCipherSpec {
		return false
	}
	return x.ccs || r.Type == tlsrec.ApplicationData
}

// Payload implements tlsrec.Sink.
func (x *Direction) Payload(r *tlsrec.Record, p []byte, at stream.Pos) {
	if x.status == AuthFailed || x.noAppKey || !x.isEncrypted(r) || x.c.status == NoKey || (x.c.ready && x.c.status != Decrypted) {
		return // nothing will be decrypted: copy nothing
	}
	if len(x.buf)+len(p) > maxPayload {
		return // cannot happen: tlsrec refuses longer records
	}
	if x.buf == nil {
		x.buf = make([]byte, 0, maxPayload) // once per direction: records then reuse it
	}
	if n := len(x.marks); n == 0 || x.marks[n-1].at.Packet != at.Packet {
		x.marks = append(x.marks, mark{len(x.buf), at})
	}
	x.buf = append(x.buf, p...)
}

// Done implements tlsrec.Sink.
func (x *Direction) Done(r *tlsrec.Record) {
	defer func() {
		x.buf = x.buf[:0]
		x.marks = x.marks[:0]
		x.rec++
		x.lastEnd = r.End
	}()
	if r.Type == tlsrec.ChangeCipherSpec {
		if sh := x.c.dirs[1].W.ServerHello(); sh != nil && Version(sh.Version) != VersionTLS13 {
			x.ccs = true
			x.seq = 0
		}
		return
	}
	if !x.isEncrypted(r) {
		return
	}
	x.encrypted++
	if x.status == AuthFailed || x.noAppKey {
		return
	}
	c := x.c
	c.setup()
	if c.status != Decrypted {
		x.status = c.status
		if c.status == NoKey {
			x.seq++ // the sender used a sequence number all the same
		}
		if c.status == NoHello && x.offersEarly() && c.dirs[1].W.ServerHello() == nil {
			x.holdEarly(r) // 0-RTT data, ahead of the ServerHello that tells the suite
		}
		return
	}
	x.status = Decrypted
	if cli := &c.dirs[0]; len(cli.pending) > 0 && cli.status != AuthFailed {
		// The keys are known now: the client's early data held for them
		// (the client may even have ended before the ServerHello came).
		cli.status = Decrypted
		cli.replayEarly()
	}
	if x.hs == nil && x.app == nil && (x.early == nil || !x.mayBeEarly()) {
		// The key log has no secret for this direction (only the other
		// side's, or only the early one): not a failure of its records.
		x.status = NoKey
		x.seq++
		return
	}
	if r.Resync && !x.seqLost && !x.resume(r) {
		// Records were lost between sync and resync: their sequence
		// numbers are unknown, and so are the nonces from here on.
		x.seqLost = true
	}
	if x.seqLost || r.Truncated || len(x.buf) != r.Length {
		if !x.seqLost && x.mayBeEarly() && r.Length != endOfEarlyDataRecord {
			// Early data the capture cut: its number is an early one.
			x.early0.Cut++
			x.earlySeq++
			x.holdPlain(r, nil)
			x.flushEarly()
			return
		}
		x.cut(r)
		return
	}
	if x.lazy(r) {
		return
	}
	var (
		pt  []byte
		typ tlsrec.ContentType
		ok  bool
	)
	if x.mayBeEarly() {
		if x.openEarly(r) {
			return
		}
		pt, typ, ok = x.open(r)
		if !ok && x.early == nil {
			// Not under the handshake keys, before the client's Finished,
			// behind a ClientHello offering early data: 0-RTT data (or
			// EndOfEarlyData) the key log has no early secret for.
			if r.Length == endOfEarlyDataRecord {
				x.pastEarly = true
			} else {
				x.holdPlain(r, nil)
				x.flushEarly()
			}
			return
		}
		if ok {
			x.notEarly()
		}
	} else {
		pt, typ, ok = x.open(r)
	}
	if !ok && x.hs == nil && !x.onApp && x.c.version == VersionTLS13 {
		// A handshake record, and the key log has no handshake secret
		// for this direction: not a failure; the application keys are
		// tried on the records after it.
		x.noHandshakeKey++
		return
	}
	if !ok && x.app == nil && x.onApp {
		// Past this direction's Finished, and the key log has no
		// application secret for it: no record can authenticate, and
		// none failed to (review 17: a key log without
		// SERVER_TRAFFIC_SECRET_0 was "wrong key or corrupted record").
		x.noAppKey = true
		x.stop(r, NoKey)
		return
	}
	if !ok {
		x.fail(r)
		return
	}
	x.decrypted++
	switch typ {
	case tlsrec.ApplicationData:
		x.deliver(r, pt)
	case tlsrec.Handshake:
		x.handshake(pt)
	case tlsrec.Alert:
		if len(pt) >= 2 {
			x.alerts = append(x.alerts, Alert{Offset: r.Start, Level: pt[0], Description: pt[1]})
		}
	}
}

// maxLost bounds the sequence numbers tried on the record the walk
// resumed on after a gap: how many records the gap may have held.
const maxLost = 64

// resume finds the sequence number of r, the record the walk picked up
// again on after a gap took one or more whole records with it (a packet
// the capture dropped): one at least was lost, and the first number
// whose tag authenticates r is its own. The records lost become one gap
// on the plaintext stream (the gap's bytes less each record's header and
// overhead), and decryption goes on. False when r cannot tell (cut, no
// keys yet, or no number up to maxLost opens it).
func (x *Direction) resume(r *tlsrec.Record) bool {
	c := x.c
	k := x.app
	if k == nil || r.Truncated || len(x.buf) != r.Length || (c.version == VersionTLS13 && !x.onApp) {
		return false
	}
	gap := r.Start - x.lastEnd
	per := int64(5 + c.s.overhead(c.version))
	saved := append(x.spare[:0], x.buf...)
	x.spare = saved
	base := x.seq
	for lost := uint64(1); lost <= maxLost && int64(lost)*per <= gap; lost++ {
		x.buf = append(x.buf[:0], saved...)
		var ok bool
		if c.version == VersionTLS12 {
			x.seq = base + lost
			_, ok = x.open12(r, k)
		} else {
			_, _, ok = x.open13(r, k, base+lost)
		}
		if !ok {
			continue
		}
		x.buf = append(x.buf[:0], saved...)
		x.seq = base + lost
		// The lost records' plaintext, as one gap (TLS 1.3 padding
		// makes it a bound, not a length).
		n := gap - int64(lost)*per
		x.addSpan(Span{Record: -1, Plain: stream.Range{Start: x.plainOff, End: x.plainOff + n}, Cipher: x.lastEnd, Estimated: true})
		if x.inner != nil && n > 0 {
			x.inner.Gap(x.plainOff, n, r.First)
		}
		x.plainOff += n
		x.resumed++
		return true
	}
	x.buf = append(x.buf[:0], saved...)
	x.seq = base
	return false
}

// open decrypts the record in x.buf in place.
func (x *Direction) open(r *tlsrec.Record) (pt []byte, typ tlsrec.ContentType, ok bool) {
	c := x.c
	if c.version == VersionTLS12 {
		if x.app == nil {
			return nil, 0, false
		}
		pt, ok = x.open12(r, x.app)
		x.app.verified = x.app.verified || ok
		return pt, r.Type, ok
	}
	k := x.hs
	if x.onApp || k == nil {
		k = x.app
	}
	trial := !x.onApp && x.app != nil && (k != x.app || x.hs == nil) && x.trials < maxTrials
	if trial {
		// A failed Open may overwrite its input: keep a copy to try again.
		x.spare = append(x.spare[:0], x.buf...)
	}
	if k != nil {
		if pt, typ, ok = x.open13(r, k, x.seq); ok {
			k.verified = true
			x.seq++
			return pt, typ, true
		}
	}
	// TLS 1.3 before this direction's Finished: the handshake keys may be
	// missing from the key log, or a handshake record was lost. The
	// application keys then start at sequence 0 on some later record.
	if trial {
		// Records before this one may have gone by undecrypted (cut, or
		// before the keys were known): try the first sequence numbers.
		x.trials++
		for seq := uint64(0); seq <= uint64(min(x.encrypted, maxTrials)); seq++ {
			x.buf = append(x.buf[:0], x.spare...)
			if pt, typ, ok = x.open13(r, x.app, seq); ok {
				x.app.verified = true
				x.onApp, x.seq = true, seq+1
				return pt, typ, true
			}
		}
	}
	return nil, 0, false
}

func (x *Direction) setNonce(k *trafficKeys, seq uint64) {
	x.nonce = k.iv
	for i := 0; i < 8; i++ {
		x.nonce[11-i] ^= byte(seq >> (8 * i))
	}
}

func (x *Direction) open13(r *tlsrec.Record, k *trafficKeys, seq uint64) ([]byte, tlsrec.ContentType, bool) {
	x.setNonce(k, seq)
	aad := x.aad[:5]
	aad[0] = byte(r.Type)
	binary.BigEndian.PutUint16(aad[1:], r.Version)
	binary.BigEndian.PutUint16(aad[3:], uint16(r.Length))
	in := x.buf
	pt, err := k.aead.Open(in[:0], x.nonce[:], in, aad)
	if err != nil {
		return nil, 0, false
	}
	// The inner plaintext: content, then the real type, then zero padding.
	i := len(pt) - 1
	for i >= 0 && pt[i] == 0 {
		i--
	}
	if i < 0 {
		return nil, 0, false
	}
	return pt[:i], tlsrec.ContentType(pt[i]), true
}

func (x *Direction) open12(r *tlsrec.Record, k *trafficKeys) ([]byte, bool) {
	s := x.c.s
	in := x.buf
	if len(in) < s.explicit+16 {
		return nil, false
	}
	if s.explicit > 0 { // AES-GCM: salt, then the record's explicit nonce
		copy(x.nonce[:4], k.iv[:4])
		copy(x.nonce[4:], in[:8])
		in = in[8:]
	} else {
		x.setNonce(k, x.seq)
	}
	aad := x.aad[:13]
	binary.BigEndian.PutUint64(aad, x.seq)
	aad[8] = byte(r.Type)
	binary.BigEndian.PutUint16(aad[9:], r.Version)
	binary.BigEndian.PutUint16(aad[11:], uint16(len(in)-16))
	pt, err := k.aead.Open(in[:0], x.nonce[:], in, aad)
	if err != nil {
		return nil, false
	}
	x.seq++
	return pt, true
}

// deliver lays a record's application data on the plaintext stream,
// split where the segments that carried its ciphertext begin, so every
// plaintext byte keeps the Pos of the segment its ciphertext came in.
func (x *Direction) deliver(r *tlsrec.Record, pt []byte) {
	base := x.c.s.explicit // payload offset of plaintext byte 0
	x.addSpan(Span{Record: x.rec, Plain: stream.Range{Start: x.plainOff, End: x.plainOff + int64(len(pt))}, Cipher: r.Start + 5 + int64(base)})
	x.deliverRange(pt, base, 0, len(pt))
	x.plainOff += int64(len(pt))
}

// deliverRange hands pt[from:to] to the consumer, one Data call per
// segment that carried it; base is the payload offset of pt[0].
func (x *Direction) deliverRange(pt []byte, base, from, to int) {
	if x.inner == nil || from >= to {
		return
	}
	for i, m := range x.marks {
		a := max(m.off-base, from)
		b := to
		if i+1 < len(x.marks) {
			b = min(x.marks[i+1].off-base, to)
		}
		if a >= b {
			continue
		}
		x.inner.Data(x.plainOff+int64(a), pt[a:b], m.at)
	}
}

// earlyStats is the client's early data counts with what is known of
// the server's answer.
func (x *Direction) earlyStats() EarlyData {
	e := x.early0
	e.Known, e.Accepted, e.Secret = x.c.earlyKnown, x.c.earlyAccepted, x.early != nil
	e.NoHello = len(x.pending)
	e.Records += e.NoHello
	return e
}

func (x *Direction) addSpan(s Span) {
	if len(x.spans) < x.maxSpans {
		x.spans = append(x.spans, s)
	}
}

// cut accounts for a record that a snap length or a gap left incomplete:
// its sequence number is used up, and its plaintext (application data,
// presumably) is a gap of the length the suite's overhead leaves.
func (x *Direction) cut(r *tlsrec.Record) {
	if x.undecryptable == 0 {
		x.firstCut = r.Start
	}
	x.undecryptable++
	x.seq++
	if x.c.version == VersionTLS13 && !x.onApp {
		return // a handshake record: nothing on the plaintext stream
	}
	n := int64(r.Length - x.c.s.overhead(x.c.version))
	if n <= 0 {
		return
	}
	x.addSpan(Span{Record: x.rec, Plain: stream.Range{Start: x.plainOff, End: x.plainOff + n}, Cipher: r.Start + 5 + int64(x.c.s.explicit), Estimated: true})
	if x.inner != nil {
		x.inner.Gap(x.plainOff, n, r.Last)
	}
	x.plainOff += n
}

// fail stops decrypting this direction at record r.
func (x *Direction) fail(r *tlsrec.Record) { x.stop(r, AuthFailed) }

// stop ends this direction's decryption at record r, with status st.
func (x *Direction) stop(r *tlsrec.Record, st Status) {
	x.status = st
	x.failedAt = Failure{Record: x.rec, Offset: r.Start}
	if x.inner != nil {
		x.inner.End(x.plainOff)
		x.inner = nil
	}
}

// handshake reads decrypted TLS 1.3 handshake messages: Finished moves
// this direction to its application keys, KeyUpdate to the next ones,
// EncryptedExtensions says which protocol ALPN chose.
func (x *Direction) handshake(pt []byte) {
	if x.c.version != VersionTLS13 {
		return
	}
	var finished, update bool
	x.hsMsg.feed(pt, func(typ uint8, body []byte) {
		switch typ {
		case 8: // encrypted_extensions
			if x.server {
				x.c.alpn, x.c.alpnSet = alpnOf(body), true
				x.c.earlyKnown = true
				eachExtension(body, func(typ int, _ []byte) {
					if typ == 42 { // early_data: the server accepted 0-RTT
						x.c.earlyAccepted = true
					}
				})
				// The client's early data (replayed when this record's
				// keys were known) goes on its stream now, before the
				// server's answer to it (0.5-RTT data) is walked.
				x.c.dirs[0].flushEarly()
			}
		case 20: // finished
			finished = true
		case 24: // key_update
			update = true
		}
	})
	if finished && !x.onApp {
		x.onApp, x.seq = true, 0
	}
	if update && x.onApp && x.secret != nil {
		next, err := nextSecret(x.c.s, x.secret)
		if err != nil {
			return
		}
		k, err := keys13(x.c.s, next)
		if err != nil {
			return
		}
		x.secret, x.app, x.seq = next, &k, 0
	}
}

// alpnOf reads the ALPN extension of an EncryptedExtensions body; "" when
// there is none.
func alpnOf(b []byte) string {
	alpn := ""
	eachExtension(b, func(typ int, data []byte) {
		if typ != 16 || len(data) < 3 || alpn != "" {
			return
		}
		if pl := int(data[2]); 3+pl <= len(data) {
			alpn = string(data[3 : 3+pl])
		}
	})
	return alpn
}

// eachExtension calls fn with each extension of an extension list (a
// 2-byte length, then type, length, data), up to the first that does not
// fit.
func eachExtension(b []byte, fn func(typ int, data []byte)) {
	if len(b) < 2 {
		return
	}
	n := int(b[0])<<8 | int(b[1])
	b = b[2:]
	if n < len(b) {
		b = b[:n]
	}
	for len(b) >= 4 {
		typ, l := int(b[0])<<8|int(b[1]), int(b[2])<<8|int(b[3])
		b = b[4:]
		if l > len(b) {
			return
		}
		fn(typ, b[:l])
		b = b[l:]
	}
}

// handshakeReader splits decrypted handshake bytes into messages across
// records, keeping only the bodies it reads (EncryptedExtensions,
// KeyUpdate), which are small.
type handshakeReader struct {
	hdr  [4]byte
	hdrN int
	typ  uint8
	left int
	body []byte
}

const maxKeptBody = 4096

func (h *handshakeReader) feed(p []byte, done func(typ uint8, body []byte)) {
	for len(p) > 0 {
		if h.hdrN < 4 {
			n := copy(h.hdr[h.hdrN:], p)
			h.hdrN += n
			p = p[n:]
			if h.hdrN < 4 {
				return
			}
			h.typ = h.hdr[0]
			h.left = int(h.hdr[1])<<16 | int(h.hdr[2])<<8 | int(h.hdr[3])
			h.body = h.body[:0]
		}
		n := min(h.left, len(p))
		if (h.typ == 8 || h.typ == 24) && len(h.body)+n <= maxKeptBody {
			h.body = append(h.body, p[:n]...)
		}
		h.left -= n
		p = p[n:]
		if h.left == 0 {
			done(h.typ, h.body)
			h.hdrN = 0
		}
	}
}
