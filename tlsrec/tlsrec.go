// Package tlsrec walks the TLS record layer on one direction of a TCP
// connection and places every record on the stream coordinate: where each
// 5-byte header and payload lie, which segments carried its first and last
// byte, and the record sizes a sender chose. From the first handshake
// messages it also reads what travels in clear: the ClientHello's server
// name, ALPN offers and versions, and the ServerHello's version, cipher
// suite and (TLS 1.2 only) ALPN choice.
//
// It is not a TLS implementation: nothing is decrypted, no handshake
// message after the hellos is parsed, and payloads are skipped without
// being copied. It does no reassembly either: a Walker is a
// stream.Consumer and expects the bytes of one direction in order, with
// gaps declared (package analyze does the reassembly).
//
// The record header is walked on the stream rather than decoded per
// packet (gopacket's layers.TLS, for instance) because records straddle
// segments freely: the header alone gives the next record's offset.
package tlsrec

import (
	"bytes"
	"fmt"

	"github.com/segscope/segscope/stream"
)

// ContentType is a record's content type (RFC 8446, 5.1).
type ContentType uint8

const (
	ChangeCipherSpec ContentType = 20
	Alert            ContentType = 21
	Handshake        ContentType = 22
	ApplicationData  ContentType = 23
	Heartbeat        ContentType = 24
)

// String names the type as Wireshark does ("application_data").
func (t ContentType) String() string {
	switch t {
	case ChangeCipherSpec:
		return "change_cipher_spec"
	case Alert:
		return "alert"
	case Handshake:
		return "handshake"
	case ApplicationData:
		return "application_data"
	case Heartbeat:
		return "heartbeat"
	}
	return fmt.Sprintf("type %d", uint8(t))
}

const (
	headerLen = 5
	// MaxLength is the largest payload a record may declare: 2^14 plus
	// the 2048 bytes of expansion TLS 1.2 allows a protected record.
	MaxLength = 16384 + 2048
	// maxHello bounds the handshake bytes buffered to find the hellos: a
	// ClientHello with a post-quantum key share is about 1.8 KB, one with
	// many PSK identities a few KB; 64 KB is far above any real one.
	maxHello          = 64 << 10
	defaultMaxRecords = 100000
)

// Sniff tells whether a direction's first bytes look like TLS: a record
// header with content type 20..24, version 0x0300..0x0304 (a ClientHello
// record usually says 0x0301, later ones 0x0303) and a length no larger
// than MaxLength. needMore is true when fewer than 5 bytes are available
// and those seen so far could still start a record.
func Sniff(b []byte) (ok, needMore bool) {
	if len(b) >= 1 && !validType(b[0]) {
		return false, false
	}
	if len(b) >= 2 && b[1] != 3 {
		return false, false
	}
	if len(b) >= 3 && b[2] > 4 {
		return false, false
	}
	if len(b) < headerLen {
		return false, true
	}
	return int(b[3])<<8|int(b[4]) <= MaxLength, false
}

func validType(t uint8) bool {
	return ContentType(t) >= ChangeCipherSpec && ContentType(t) <= Heartbeat
}

// Record is one TLS record on the stream.
type Record struct {
	// Range is the whole record, 5-byte header plus payload. It stays
	// within what the stream delivered: a record cut by End ends there,
	// so Len() < 5+Length (and Truncated is set).
	stream.Range
	Type    ContentType
	Version uint16 // record-layer version field
	Length  int    // the header's length field: payload bytes (Wireshark's tls.record.length)
	// First and Last are the segments that carried the record's first and
	// last byte. A byte that fell in a gap is attributed to the Pos given
	// with the Gap call.
	First, Last stream.Pos
	// Truncated: the stream ended inside the record or a gap fell inside
	// its payload.
	Truncated bool
	// Resync: the walk lost sync at a gap over a header (a snap length, a
	// loss never resent) and picked up again here, on a record header at
	// the start of a segment. The bytes since the last record were not
	// walked: the records no longer tile the stream there.
	Resync bool
}

// ClientHello is what a ClientHello says in clear.
type ClientHello struct {
	Random    [32]byte // names the connection in a key log
	SessionID []byte   // legacy_session_id: a TLS 1.2 client offering to resume
	SNI       string   // server_name (host_name entry), "" if absent
	ALPN      []string // application_layer_protocol_negotiation, in the client's order
	// Versions is the supported_versions extension as sent (GREASE values
	// included), or the legacy version alone when the extension is absent.
	Versions []uint16
	// EarlyData: the early_data extension, TLS 1.3 0-RTT: application
	// data follows the ClientHello before the handshake ends.
	EarlyData bool
}

// ServerHello is what a ServerHello says in clear.
type ServerHello struct {
	// Version is the selected version: the supported_versions extension
	// if present (TLS 1.3), else the legacy version field.
	Version uint16
	Cipher  uint16 // selected cipher suite
	Random  [32]byte
	// SessionID echoes the client's to resume a TLS 1.2 session (an
	// abbreviated handshake); PSK says a TLS 1.3 server accepted a
	// pre-shared key (resumption).
	SessionID []byte
	PSK       bool
	// ALPN is the selected protocol. Only TLS 1.2 and older carry it in
	// the ServerHello; TLS 1.3 moves it into the encrypted extensions, so
	// it is "" there whatever was negotiated.
	ALPN string
	// HelloRetryRequest: the server first answered with a
	// HelloRetryRequest; the fields above come from the ServerHello that
	// followed it (or from the HelloRetryRequest if none followed).
	HelloRetryRequest bool
}

// Problem is something that stopped or limited the walk, at a stream
// offset.
type Problem = stream.Problem

// Limits bound what a Walker keeps.
type Limits struct {
	// MaxRecords is the number of records kept in Records(); 0 means
	// 100000, a negative value keeps none. Records beyond it are still
	// counted in Stats.
	MaxRecords int
}

// Stats summarizes every record walked, kept or not.
type Stats struct {
	Records   int                 // records walked
	Bytes     int64               // stream bytes they cover, headers included
	Payload   int64               // sum of their Length fields
	Truncated int                 // records marked Truncated
	MaxLength int                 // largest Length seen
	Resyncs   int                 // times the walk picked up again after a gap
	ByType    map[ContentType]int // records by content type
	Sizes     map[int]int         // records by Length
}

// Sink receives the payload bytes of every record as they are walked,
// for a decrypter: Payload calls for one record, in order, then Done
// (also for a record cut short by a gap or the end of the stream, with
// Truncated set). r is the walker's own record: read it, do not keep it.
type Sink interface {
	Payload(r *Record, p []byte, at stream.Pos)
	Done(r *Record)
}

// Walker walks one direction's records. It implements stream.Consumer.
// It is not safe for concurrent use.
type Walker struct {
	limit int
	sink  Sink

	off    int64      // next stream offset expected
	lastAt stream.Pos // Pos of the last byte delivered
	lost   bool       // sync lost: ignore everything after
	gapped bool       // ... at a gap: a header at a segment start may resume the walk
	// bulkHdr is the last header of an application data record of 1 KiB
	// or more: a sender of a bulk transfer repeats it exactly, so after a
	// gap it finds the next record inside a segment too.
	bulkHdr [headerLen]byte
	ended   bool // End was called
	resync  bool // the next record starts a resynchronised walk

	hdr      [headerLen]byte
	hdrN     int // header bytes collected for cur
	inRecord bool
	need     int // payload bytes of cur still to come
	cur      Record

	records  []Record
	dropped  int
	stats    Stats
	problems []Problem

	hs hello
	ch *ClientHello
	sh *ServerHello
	// cutRandom is the random (or its first bytes) of a ClientHello the
	// capture cut (a snap length): enough to name the connection, not to
	// read it.
	cutRandom []byte
}

// NewWalker returns a Walker for one direction.
func NewWalker(l Limits) *Walker {
	limit := l.MaxRecords
	if limit == 0 {
		limit = defaultMaxRecords
	}
	if limit < 0 {
		limit = 0
	}
	return &Walker{
		limit: limit,
		stats: Stats{ByType: map[ContentType]int{}, Sizes: map[int]int{}},
		hs:    hello{active: true},
	}
}

// StartAt makes the walk begin at stream offset off: the records start
// there, after bytes that are not TLS (an HTTP proxy's CONNECT exchange,
// whose tunnel the TLS runs in). Call it before any Data.
func (w *Walker) StartAt(off int64) { w.off = off }

// SetSink makes w hand every record's payload to s.
func (w *Walker) SetSink(s Sink) { w.sink = s }

// Records returns the records kept, in stream order. They tile the
// stream from offset 0 up to where the walk stopped, with no hole and no
// overlap (the first Dropped() beyond MaxRecords are not kept).
func (w *Walker) Records() []Record { return w.records }

// Dropped is the number of records walked but not kept because of
// Limits.MaxRecords.
func (w *Walker) Dropped() int { return w.dropped }

// Stats returns the statistics of every record walked; the maps are
// copies.
func (w *Walker) Stats() Stats {
	s := w.stats
	s.ByType = make(map[ContentType]int, len(w.stats.ByType))
	for k, v := range w.stats.ByType {
		s.ByType[k] = v
	}
	s.Sizes = make(map[int]int, len(w.stats.Sizes))
	for k, v := range w.stats.Sizes {
		s.Sizes[k] = v
	}
	return s
}

// ClientHello returns the first ClientHello this direction sent, or nil.
func (w *Walker) ClientHello() *ClientHello { return w.ch }

// ClientRandom is the random of the first ClientHello this direction
// sent: of a whole one, or of one the capture cut after its first 38
// bytes (a snap length keeps them: tcpdump -s 200 does), which
// ClientHello does not return. ClientRandomPrefix gives what a shorter
// cut left of it.
func (w *Walker) ClientRandom() ([32]byte, bool) {
	switch {
	case w.ch != nil:
		return w.ch.Random, true
	case len(w.cutRandom) == 32:
		return [32]byte(w.cutRandom), true
	}
	return [32]byte{}, false
}

// ClientRandomPrefix is what the capture holds of the first ClientHello's
// random: all 32 bytes, or its first 8 to 31 when a snap length cut the
// hello inside it; nil when none.
func (w *Walker) ClientRandomPrefix() []byte {
	if w.ch != nil {
		return w.ch.Random[:]
	}
	return w.cutRandom
}

// ServerHello returns the ServerHello this direction sent, or nil.
func (w *Walker) ServerHello() *ServerHello { return w.sh }

// Problems returns what stopped or limited the walk, in stream order.
func (w *Walker) Problems() []Problem { return w.problems }

// Stopped tells whether the walk lost sync (an invalid header, or a gap
// over a header): records after that point are unknown.
func (w *Walker) Stopped() bool { return w.lost }

// Done tells whether the walk has stopped: sync lost, or the stream ended.
func (w *Walker) Done() bool { return w.done() }

func (w *Walker) done() bool { return w.lost || w.ended }

func (w *Walker) problem(off int64, format string, args ...any) {
	w.problems = append(w.problems, Problem{Offset: off, Reason: fmt.Sprintf(format, args...)})
}

// Data implements stream.Consumer.
func (w *Walker) Data(off int64, data []byte, at stream.Pos) {
	if w.lost && w.gapped && !w.ended {
		switch {
		case off == at.Start && looksLikeHeader(data):
			w.resume(off)
		case w.bulkHdr[0] != 0:
			// Inside a segment, only a header the sender has written
			// before, all five bytes (review 25: with 16 KiB records over
			// 1448-byte segments, a header at a segment start is rare, and
			// one dropped packet ended the walk for good).
			if i := bytes.Index(data, w.bulkHdr[:]); i > 0 && looksLikeHeader(data[i:]) {
				w.resume(off + int64(i))
				off, data = off+int64(i), data[i:]
			}
		}
	}
	// Consumers are promised a tiling; be defensive anyway: a hole is a
	// gap, an overlap is trimmed.
	data, ok := stream.Enter(w, w.off, off, data, at)
	if !ok {
		return
	}
	w.lastAt = at
	for len(data) > 0 {
		if !w.inRecord {
			if w.hdrN == 0 {
				w.cur = Record{Range: stream.Range{Start: w.off}, First: at, Resync: w.resync}
				w.resync = false
			}
			n := copy(w.hdr[w.hdrN:], data)
			w.hdrN += n
			w.off += int64(n)
			data = data[n:]
			if w.hdrN < headerLen {
				return
			}
			if !w.header(at) {
				return
			}
			continue
		}
		n := len(data)
		if n > w.need {
			n = w.need
		}
		if w.hs.capturing {
			w.helloBytes(data[:n])
		}
		if w.sink != nil {
			w.sink.Payload(&w.cur, data[:n], at)
		}
		w.need -= n
		w.off += int64(n)
		data = data[n:]
		if w.need == 0 {
			w.cur.Last = at
			w.finish()
		}
	}
}

// looksLikeHeader tells whether b starts with a plausible record header
// of a connection past its handshake, and, when the record ends inside b,
// the next one too: what tshark also resynchronises on.
func looksLikeHeader(b []byte) bool {
	for k := 0; k < 2; k++ {
		if len(b) < headerLen {
			return k > 0
		}
		t := ContentType(b[0])
		n := int(b[3])<<8 | int(b[4])
		if (t != ApplicationData && t != Alert && t != Handshake) || b[1] != 3 || b[2] == 0 || b[2] > 4 || n > MaxLength || n == 0 {
			return false
		}
		if len(b) < headerLen+n {
			return true
		}
		b = b[headerLen+n:]
	}
	return true
}

// resume restarts the walk at off, a segment start where a header sits,
// after sync was lost at a gap.
func (w *Walker) resume(off int64) {
	if n := off - w.off; n > 0 {
		w.problem(off, "resynchronised on a record header; %d bytes before it not walked", n)
	} else {
		w.problem(off, "resynchronised on a record header at the segment after the gap")
	}
	w.stats.Resyncs++
	w.lost, w.gapped = false, false
	w.off = off
	w.inRecord, w.hdrN, w.need = false, 0, 0
	w.resync = true
}

// header checks the complete header in w.hdr and starts the record;
// false when the walk must stop.
func (w *Walker) header(at stream.Pos) bool {
	h := w.hdr
	typ, ver, n := h[0], uint16(h[1])<<8|uint16(h[2]), int(h[3])<<8|int(h[4])
	switch {
	case !validType(typ):
		w.problem(w.cur.Start, "record header: content type 0x%02x is not TLS", typ)
	case ver < 0x0300 || ver > 0x0304:
		w.problem(w.cur.Start, "record header: version 0x%04x is not TLS", ver)
	case n > MaxLength:
		w.problem(w.cur.Start, "record header: length %d is over the %d a record may carry", n, MaxLength)
	default:
		w.cur.Type, w.cur.Version, w.cur.Length = ContentType(typ), ver, n
		w.cur.End = w.cur.Start + headerLen + int64(n)
		if ContentType(typ) == ApplicationData && n >= 1024 {
			w.bulkHdr = h
		}
		w.inRecord = true
		w.need = n
		w.helloRecord()
		if n == 0 {
			w.cur.Last = at
			w.finish()
		}
		return true
	}
	w.lost = true
	w.helloDone()
	return false
}

// finish accounts for w.cur and readies the walker for the next header.
func (w *Walker) finish() {
	r := &w.cur
	s := &w.stats
	s.Records++
	s.Bytes += r.Len()
	s.Payload += int64(r.Length)
	if r.Truncated {
		s.Truncated++
	}
	if r.Length > s.MaxLength {
		s.MaxLength = r.Length
	}
	s.ByType[r.Type]++
	s.Sizes[r.Length]++
	if w.sink != nil {
		w.sink.Done(r)
	}
	if len(w.records) < w.limit {
		w.records = append(w.records, *r)
	} else {
		w.dropped++
	}
	w.inRecord = false
	w.hdrN = 0
	w.need = 0
	w.hs.capturing = false
}

// Gap implements stream.Consumer. A gap inside a payload truncates that
// record only (the header gave its length); a gap that reaches into a
// header loses sync and stops the walk.
func (w *Walker) Gap(off, n int64, at stream.Pos) {
	if w.done() || n <= 0 {
		return
	}
	if off < w.off { // overlap with what was delivered: keep the new part
		n -= w.off - off
		if n <= 0 {
			return
		}
	} else if off > w.off { // an undeclared hole before the gap: part of it
		n += off - w.off
	}
	start := w.off
	w.lastAt = at
	if w.inRecord {
		w.cur.Truncated = true
		if w.hs.capturing {
			w.cutRandom = w.hs.cutClientRandom()
			w.helloFail(w.cur.Start, "handshake: a gap inside the hello leaves it unread")
		}
		if n <= int64(w.need) {
			w.need -= int(n)
			w.off += n
			if w.need == 0 {
				w.cur.Last = at
				w.finish()
			}
			return
		}
		// The gap runs past this record into the next header.
		n -= int64(w.need)
		w.off += int64(w.need)
		w.cur.Last = at
		w.finish()
		start = w.off
	}
	hdrStart := w.off
	if w.hdrN > 0 {
		hdrStart = w.cur.Start
	}
	w.problem(hdrStart, "gap of %d bytes at %d covers a record header: sync lost", n, start)
	w.off += n
	w.lost, w.gapped = true, true
	w.helloDone()
}

// End implements stream.Consumer. A record the stream ends inside is kept,
// Truncated, with its range cut at the end of the stream.
func (w *Walker) End(off int64) {
	if w.ended {
		return
	}
	if !w.lost && off > w.off {
		w.Gap(w.off, off-w.off, w.lastAt)
	}
	if !w.lost {
		switch {
		case w.inRecord:
			w.cur.Truncated = true
			w.cur.End = w.off
			w.cur.Last = w.lastAt
			w.finish()
		case w.hdrN > 0:
			w.problem(w.cur.Start, "stream ends inside a record header (%d of 5 bytes)", w.hdrN)
		}
	}
	if w.hs.active && len(w.hs.buf) > w.hs.pos {
		w.problem(w.off, "handshake: the stream ends inside the hello")
	}
	w.helloDone()
	w.ended = true
}
