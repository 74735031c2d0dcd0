package tlsdec

import (
	"github.com/segscope/segscope/stream"
	"github.com/segscope/segscope/tlsrec"
)

// 0-RTT early data (TLS 1.3, RFC 8446 4.2.10): a client resuming a
// session may send application data right behind its ClientHello,
// protected by keys from CLIENT_EARLY_TRAFFIC_SECRET, before the server
// has answered. Whether the server accepted it is said twice: by the
// server, in its EncryptedExtensions (an early_data extension), and by the
// client, which ends accepted early data with EndOfEarlyData (under the
// early keys) and sends no such message when it was rejected (4.5).
//
// Early data is held until that is known. Accepted, it begins the
// client's plaintext stream (decrypted, or a gap of its length when the
// key log has no early secret), laid down when the server's
// EncryptedExtensions is read, so before the server's answer to it (0.5-RTT
// data); rejected, the server never read it: it is counted, and left off
// the stream.

// EarlyData counts a client's 0-RTT application data records
// (EndOfEarlyData is not one of them).
type EarlyData struct {
	Records   int // records of early data
	Decrypted int // of them, decrypted (the key log had the early secret)
	Cut       int // of them, cut by the capture (a snap length or loss)
	// Known: whether the server accepted them is known (its
	// EncryptedExtensions was decrypted, or the client's EndOfEarlyData
	// or its Finished was); Accepted: it did.
	Known, Accepted bool
	// Secret: the key log had the connection's CLIENT_EARLY_TRAFFIC_SECRET.
	Secret bool
	// NoHello: of them, not tried, because the capture has no ServerHello
	// after them to tell the cipher suite.
	NoHello int
}

// pendingRecord is a record held until its keys can be known: 0-RTT data
// comes before the ServerHello that says the suite.
type pendingRecord struct {
	r     tlsrec.Record
	rec   int
	buf   []byte
	marks []mark
	cut   bool
}

// heldEarly is early application data waiting for the server's answer:
// its plaintext (nil when it could not be decrypted: then n, the length
// its record leaves, is laid down as a gap).
type heldEarly struct {
	r     tlsrec.Record
	rec   int
	pt    []byte
	n     int64
	marks []mark
}

// maxPendingEarly bounds the records held (a server accepts at most its
// max_early_data_size, 16 KB by default: one or two records).
const maxPendingEarly = 16

// endOfEarlyDataRecord is the length of a record carrying EndOfEarlyData
// alone, unpadded (4 bytes of message, the inner type, the tag): how a
// record under early keys that cannot be decrypted is told from data.
const endOfEarlyDataRecord = 4 + 1 + 16

// offersEarly tells whether this is the client's direction of a
// ClientHello offering early data.
func (x *Direction) offersEarly() bool {
	if x.server {
		return false
	}
	ch := x.W.ClientHello()
	return ch != nil && ch.EarlyData
}

// mayBeEarly tells whether a client record may still be early data: TLS
// 1.3, early data offered, and no record under the handshake keys yet.
func (x *Direction) mayBeEarly() bool {
	return x.c.version == VersionTLS13 && !x.pastEarly && !x.onApp && x.offersEarly()
}

func (x *Direction) holdEarly(r *tlsrec.Record) {
	cut := r.Truncated || len(x.buf) != r.Length
	if len(x.pending) >= maxPendingEarly {
		x.early0.Records++
		return
	}
	p := pendingRecord{r: *r, rec: x.rec, cut: cut, marks: append([]mark(nil), x.marks...)}
	if !cut {
		p.buf = append([]byte(nil), x.buf...)
	}
	x.pending = append(x.pending, p)
}

// replayEarly decrypts the records held for keys, now that they are
// known, in the place of the record being walked.
func (x *Direction) replayEarly() {
	buf, marks, rec := x.buf, x.marks, x.rec
	for i := range x.pending {
		p := &x.pending[i]
		x.buf, x.marks, x.rec = p.buf, p.marks, p.rec
		switch {
		case p.cut:
			x.early0.Cut++
			x.earlySeq++ // the sender used the number all the same
			x.holdPlain(&p.r, nil)
		case !x.openEarly(&p.r):
			x.holdPlain(&p.r, nil)
		}
	}
	x.pending = nil
	x.buf, x.marks, x.rec = buf, marks, rec
	x.flushEarly()
}

// openEarly opens record r (in x.buf) with the early keys; false, with
// x.buf as it was, when there are none or they do not open it.
func (x *Direction) openEarly(r *tlsrec.Record) bool {
	if x.early == nil {
		return false
	}
	x.spare = append(x.spare[:0], x.buf...) // a failed Open may overwrite its input
	pt, typ, ok := x.open13(r, x.early, x.earlySeq)
	if !ok {
		x.buf = append(x.buf[:0], x.spare...)
		return false
	}
	x.earlySeq++
	x.decrypted++
	switch typ {
	case tlsrec.Handshake:
		if len(pt) > 0 && pt[0] == 5 { // end_of_early_data: the server accepted
			x.pastEarly = true
			x.c.earlyKnown, x.c.earlyAccepted = true, true
			x.flushEarly()
		}
	case tlsrec.ApplicationData:
		x.holdPlain(r, pt)
	case tlsrec.Alert:
		if len(pt) >= 2 {
			x.alerts = append(x.alerts, Alert{Offset: r.Start, Level: pt[0], Description: pt[1]})
		}
	}
	return true
}

// holdPlain keeps an early data record's plaintext (nil: not decrypted)
// until the server's answer is known.
func (x *Direction) holdPlain(r *tlsrec.Record, pt []byte) {
	x.early0.Records++
	h := heldEarly{r: *r, rec: x.rec, marks: append([]mark(nil), x.marks...)}
	if pt != nil {
		x.early0.Decrypted++
		h.pt = append([]byte(nil), pt...)
		h.n = int64(len(pt))
	} else {
		h.n = int64(r.Length - x.c.s.overhead(VersionTLS13))
	}
	x.held = append(x.held, h)
}

// notEarly is called when a client record opened under the handshake
// keys ends the early data: with no EndOfEarlyData before it, the server
// rejected it.
func (x *Direction) notEarly() {
	x.pastEarly = true
	if !x.c.earlyKnown && x.early0.Records > 0 && x.early0.Cut == 0 && x.undecryptable == 0 && x.early != nil {
		x.c.earlyKnown = true // EndOfEarlyData would have come first
	}
	x.flushEarly()
}

// flushEarly lays the held early data on the plaintext stream once the
// server accepted it, or drops it once it rejected it.
func (x *Direction) flushEarly() {
	if !x.c.earlyKnown || len(x.held) == 0 {
		return
	}
	if x.c.earlyAccepted {
		marks, rec := x.marks, x.rec
		for i := range x.held {
			h := &x.held[i]
			x.marks, x.rec = h.marks, h.rec
			if h.pt != nil {
				x.deliver(&h.r, h.pt)
				continue
			}
			// Not decrypted: a gap of the length the record leaves.
			x.addSpan(Span{Record: h.rec, Plain: stream.Range{Start: x.plainOff, End: x.plainOff + h.n}, Cipher: h.r.Start + 5, Estimated: true})
			if x.inner != nil && h.n > 0 {
				x.inner.Gap(x.plainOff, h.n, h.r.Last)
			}
			x.plainOff += h.n
		}
		x.marks, x.rec = marks, rec
	}
	x.held = nil
}
