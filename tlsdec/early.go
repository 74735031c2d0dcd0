package tlsdec

import "github.com/segscope/segscope/tlsrec"

// 0-RTT early data (TLS 1.3, RFC 8446 4.2.10): a client resuming a
// session may send application data right behind its ClientHello,
// protected by keys from CLIENT_EARLY_TRAFFIC_SECRET, before the server
// has answered, and ends it with EndOfEarlyData (under the same keys) once
// the server accepted. The server says in its EncryptedExtensions (an
// early_data extension) whether it accepted. Accepted, early data begins
// the client's plaintext stream; rejected, the server never read it (the
// client sends it again after the handshake), so it is counted and
// decrypted but not laid on the stream. Without the early secret the
// records are counted as early data, not as an authentication failure.

// EarlyData counts a client's 0-RTT records.
type EarlyData struct {
	Records   int // records sent under the early keys (EndOfEarlyData's included)
	Decrypted int // of them, decrypted (the key log had the early secret)
	// Known: the server's EncryptedExtensions was decrypted; Accepted: it
	// accepted early data.
	Known, Accepted bool
	// Secret: the key log had the connection's CLIENT_EARLY_TRAFFIC_SECRET.
	Secret bool
}

// pendingRecord is a record held until its keys can be known: 0-RTT data
// comes before the ServerHello that says the suite.
type pendingRecord struct {
	r     tlsrec.Record
	rec   int
	buf   []byte
	marks []mark
}

// maxPendingEarly bounds the records held (a server accepts at most its
// max_early_data_size, 16 KB by default: one or two records).
const maxPendingEarly = 16

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
	if len(x.pending) >= maxPendingEarly || r.Truncated || len(x.buf) != r.Length {
		x.earlyRecords++
		return
	}
	x.pending = append(x.pending, pendingRecord{r: *r, rec: x.rec,
		buf: append([]byte(nil), x.buf...), marks: append([]mark(nil), x.marks...)})
}

// replayEarly decrypts the records held for keys, now that they are
// known, in the place of the record being walked.
func (x *Direction) replayEarly() {
	buf, marks, rec := x.buf, x.marks, x.rec
	for i := range x.pending {
		p := &x.pending[i]
		x.buf, x.marks, x.rec = p.buf, p.marks, p.rec
		if !x.openEarly(&p.r) {
			x.earlyRecords++
		}
	}
	x.pending = nil
	x.buf, x.marks, x.rec = buf, marks, rec
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
	x.earlyRecords++
	x.earlyOpened++
	switch typ {
	case tlsrec.Handshake:
		if len(pt) > 0 && pt[0] == 5 { // end_of_early_data
			x.pastEarly = true
		}
	case tlsrec.ApplicationData:
		if x.c.earlyAccepted {
			x.deliver(r, pt)
		}
	case tlsrec.Alert:
		if len(pt) >= 2 {
			x.alerts = append(x.alerts, Alert{Offset: r.Start, Level: pt[0], Description: pt[1]})
		}
	}
	return true
}
