package explain

import (
	"slices"
	"time"

	"github.com/segscope/segscope/tlsdec"
)

// The rules: every cause an event can get, and the facts it needs, in one
// place. Each rule is tried in order; the first that holds decides. A
// rule that cannot be decided from the facts says so (CannotTell) with
// what would decide it.

// verdict is a rule's outcome.
type verdict struct {
	cause Cause
	conf  Confidence
	inf   Inference
	needs []Need
}

func certain(c Cause) verdict                           { return verdict{cause: c} }
func inferred(c Cause, by Inference, n ...Need) verdict { return verdict{c, Inferred, by, n} }
func cannotTell(c Cause, n ...Need) verdict             { return verdict{c, CannotTell, NoInference, n} }

// ratePause is the least time between two reads that shows curl paused
// to hold --limit-rate (it sleeps up to a second at a time).
const ratePause = 500 * time.Millisecond

// decide sets the event's cause, confidence and needs from its facts.
func decide(ev *Event, hasTimes bool) {
	var v verdict
	switch {
	case ev.Facts.upgraded:
		v = cannotTell(CauseUnknown, NeedPriorKnowledge)
	case ev.Facts.nested:
		v = cannotTell(CauseUnknown, NeedOriginLeg)
	case ev.Facts.parallel:
		v = cannotTell(CauseUnknown, NeedTransferIDs)
	case ev.Conn < 0 || ev.Facts.tunnel:
		v = traceOnly(ev)
	case ev.Facts.Layer == LayerTLS:
		v = tlsRules(&ev.Facts)
	case ev.Facts.Layer == LayerH2C || ev.Facts.Layer == LayerH2TLS:
		v = h2Rules(&ev.Facts)
	default:
		v = clearRules(&ev.Facts)
	}
	switch {
	case v.conf != Certain:
	case ev.Facts.ambiguous:
		// Certain of the connection it was matched to; that the match
		// is this transfer's is the guess.
		v.conf, v.inf = Inferred, ByGuessedMatch
	case ev.Facts.distant:
		v.conf, v.inf = Inferred, ByDistantClocks
	case ev.Facts.stray:
		v.conf, v.inf = Inferred, ByStrayStop
	}
	ev.Cause, ev.Confidence, ev.Inference, ev.Needs = v.cause, v.conf, v.inf, fitNeeds(&ev.Facts, v.needs)
	if ev.hasTOD {
		// The trace has its times: what they could not tell (the
		// clocks not aligned), strace does.
		ev.Needs = withoutTraceTime(ev.Needs)
	}
	if f := &ev.Facts; f.timed && !f.capturedPast {
		// The capture's last packet came before the read: packets
		// missing for it may simply not have been captured yet.
		for i, n := range ev.Needs {
			if n == NeedPackets {
				ev.Needs[i] = NeedWholeCapture
			}
		}
	}
	if !hasTimes {
		ev.Notes = append(ev.Notes, NoteNoTime)
	}
	if s := ev.Facts.Segments; s != nil && s.Super > 0 && ev.Cause != CauseSuperSegment && ev.Inference != ByMSSPiece && ev.Inference != ByWholePush {
		ev.Notes = append(ev.Notes, NoteSuperSegments)
	}
	if c := ev.Facts.Chunks; c != nil && (c.Framing > 0 || c.Trailers > 0) {
		ev.Notes = append(ev.Notes, NoteChunkFraming)
	}
}

// withoutTraceTime replaces NeedTraceTime with NeedStrace, once.
func withoutTraceTime(needs []Need) []Need {
	if !slices.Contains(needs, NeedTraceTime) {
		return needs
	}
	var out []Need
	for _, n := range needs {
		if n == NeedTraceTime {
			n = NeedStrace
		}
		if !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out
}

// fitNeeds keeps the advice to what this user can do: curl before 8.3
// has no --trace-config (its socket reads show under strace, its frames
// and SSL reads nowhere but in the decryption), and a --trace-ascii
// trace has the record headers, but not their lengths.
func fitNeeds(f *Facts, needs []Need) []Need {
	old := f.curl.Known() && !f.curl.AtLeast(8, 3)
	var out []Need
	for _, n := range needs {
		switch {
		case old && n == NeedTCPTrace:
			n = NeedStrace
		case old && (n == NeedFrameTrace || n == NeedSSLTrace):
			continue
		case f.sslTraced && n == NeedSSLTrace:
			continue // given (segscope curl adds it): ask for nothing it has
		case f.ascii && n == NeedRecordHeaders:
			n = NeedHexTrace
		case f.keyMissing && n == NeedKeyLog:
			n = NeedRunKeyLog
		case f.keysGiven && n == NeedKeyLog && f.serverKey == tlsdec.AuthFailed:
			n = NeedKeyAuth // review 17: it had asked for the packets
		case f.keysGiven && n == NeedKeyLog && f.noAppKey:
			n = NeedServerSecret
		case f.keysGiven && n == NeedKeyLog && f.tlsStatus == tlsdec.Unsupported:
			n = NeedSupportedSuite // the key log was given: the suite is why
		case f.keysGiven && n == NeedKeyLog && f.tlsStatus == tlsdec.Decrypted:
			n = NeedPackets // decrypted: this record is what the capture lacks
		}
		out = append(out, n)
	}
	return out
}

// traceOnly: no capture connection. What the trace alone tells: a TLS
// record's length from the header curl logged, curl's buffer.
func traceOnly(ev *Event) verdict {
	f := &ev.Facts
	need := NeedCapture
	switch {
	case f.tunnel:
		need = NeedNoTunnel
	case f.unix:
		need = NeedStrace
	case f.unmatched && f.snapLost:
		need = NeedFullSnap
	case f.unmatched && f.othersMatched:
		need = NeedConnInCapture
	case f.unmatched:
		need = NeedMatchingCapture
	}
	if f.Layer == LayerH2TLS {
		return h2TraceOnly(f, need)
	}
	if r := f.Record; r != nil && !r.SameAsPrevious && tlsOverhead(r.Length-r.Before-ev.Size) {
		return inferred(CauseTLSRecord, ByTraceRecords, need)
	}
	if b := f.Body; b != nil && b.AtEnd {
		// The Content-Length curl logged ends here: nothing of the
		// body was left to wait, whatever the buffer.
		return certain(CauseBodyEnd)
	}
	if b := f.Buffer; b != nil && b.Filled {
		return inferred(CauseBufferCap, BySizeOnly, need)
	}
	return cannotTell(noSegments(f, need), need)
}

// noSegments is the cause of a read the trace alone does not explain:
// without a capture, trace-only; with one that has not its connection,
// unmatched; inside a proxy's tunnel, where there is a capture, unknown.
func noSegments(f *Facts, need Need) Cause {
	switch {
	case need == NeedNoTunnel:
		return CauseUnknown
	case f.unmatched:
		return CauseUnmatched
	}
	return CauseTraceOnly
}

// h2TraceOnly: HTTP/2 over TLS with the trace alone. curl's FRAME lines
// give the frames; else the record curl logged, less one of the usual
// overheads, leaves the read (a piece of a frame) or the read plus 1 to 4
// frame headers, when exactly one overhead fits.
func h2TraceOnly(f *Facts, need Need) verdict {
	if fr := f.Frames; fr != nil && fr.Shape == ShapeWhole {
		return certain(CauseH2Frames)
	}
	r := f.Record
	if r == nil || r.SameAsPrevious {
		return cannotTell(noSegments(f, need), need)
	}
	left := r.Length - r.Before - f.n
	var fits []Cause
	overhead := 0
	for _, o := range []int{16, 17, 24} {
		switch {
		case left == o:
			fits, overhead = append(fits, CauseTLSRecord), o
		case frameHeaders(left - o):
			fits, overhead = append(fits, CauseH2Frames), o
		}
	}
	if len(fits) == 1 {
		r.Overhead, r.Plain, r.OverheadGuessed = overhead, r.Length-overhead, true // the inference, kept with the facts
		return inferred(fits[0], ByTraceRecords, need)
	}
	return cannotTell(noSegments(f, need), need)
}

// tlsOverhead tells whether n bytes are one record's overhead with a
// usual AEAD suite: 16 (TLS 1.2 ChaCha20), 17 (TLS 1.3), 24 (TLS 1.2
// AES-GCM).
func tlsOverhead(n int) bool { return n == 16 || n == 17 || n == 24 }

// clearRules: HTTP/1 in the clear; the read's bytes are a range of the
// TCP stream, so the segments decide.
func clearRules(f *Facts) verdict {
	s := f.Segments
	switch {
	case f.unanchored:
		// Not "missing": the capture may well hold these bytes (it
		// began mid-transfer); nothing says where on its stream.
		return cannotTell(CauseUnknown, NeedEarlierCapture)
	case s == nil:
		return cannotTell(CauseMissing, NeedPackets)
	case s.Missing > 0 && s.PastEnd && f.capturedPast:
		// The capture ran on after the read: its packets were lost, not
		// stopped too early.
		return cannotTell(CauseMissing, NeedPackets)
	case s.Missing > 0 && s.PastEnd:
		return cannotTell(CauseMissing, NeedWholeCapture)
	case s.Missing > 0 || s.Count == 0:
		return cannotTell(CauseMissing, NeedPackets)
	case s.Super > 0 && f.Point.aboveOffload():
		return offloadRules(f)
	case f.Buffer != nil && f.Buffer.Filled && s.EndsInside && !paused(*f):
		// The read filled curl's buffer and stopped inside a segment,
		// the rest of which had come with it (a socket receives whole
		// segments), wherever the capture was taken.
		return capped(f)
	case s.Resent > 0 && s.Count > 1 && f.Point.awayFromCurl():
		// Seen from the server, which sent some of these bytes twice:
		// which copy reached curl, and when, is not in the capture, so
		// neither is whether the segments waited for each other. (A
		// read of one segment is that segment, whichever copy came.)
		if f.Recovery != nil {
			return inferred(CauseLossRecovery, ByServerResend, NeedClientCapture)
		}
		return cannotTell(CauseUnknown, NeedClientCapture)
	case f.Buffer != nil && f.Buffer.Filled:
		return bufferRule(f)
	case s.Count == 1 && s.Exact && s.Super == 1 && (f.Body == nil || !f.Body.AtEnd):
		// (A whole one that ends the body is body-end below: review 31
		// had it sender-push, inferred, at the client and body-end,
		// certain, at the server.)
		return wholeSuper(f)
	case s.Count == 1 && s.Exact && f.MSS != nil && s.Largest == f.MSS.Effective && !f.MSS.writes:
		if f.MSS.Inferred {
			return inferred(CauseFullSegment, ByMSSFromSizes)
		}
		return certain(CauseFullSegment)
	case f.Header != nil && f.Header.SharedPacket != 0 && f.Body != nil && f.Body.AtEnd && s.Count > 1:
		// The whole body came in the read that followed its header: it
		// stopped because the body did (review 22: 170 + 50096 bytes
		// over 14 segments, "the first read after the headers" alone).
		return certain(CauseBodyEnd)
	case f.Header != nil && f.Header.SharedPacket != 0:
		return certain(CauseAfterHeaders)
	case s.Count == 1 && s.Exact && f.Chunks != nil && f.Chunks.Aligned && f.Chunks.Data > 0:
		// That the segment holds whole chunks is a fact; that it was
		// one write of the server is not in the capture (a send of three
		// chunks, or a chunk in three sends under TCP_CORK, looks alike).
		return inferred(CauseChunkWrite, ByWholeChunks, NeedStraceServer)
	case f.Body != nil && f.Body.AtEnd:
		return certain(CauseBodyEnd) // the sender stopped because the body did
	case f.Window != nil && f.Window.Short > 0 && !s.EndsInside:
		// Less than a segment of the window was left, and the server
		// waited for it to move: a sender does not send a runt into a
		// window about to open (its stack's choice, not in the capture).
		return inferred(CauseWindowFull, ByWindowRemainder)
	case f.Window != nil && !s.EndsInside && !f.Point.awayFromCurl():
		// The sender stopped because the window did (seen from the
		// server, what had reached curl by the read is not known).
		return certain(CauseWindowFull)
	case f.Window != nil && !s.EndsInside:
		// Seen from the server: it sent up to the window's edge, where
		// the read ends, and waited. That the bytes were all waiting in
		// curl's socket (backlog) would hide why they stopped there.
		return inferred(CauseWindowFull, ByServerWindow, NeedClientCapture)
	case f.Recovery != nil && s.Count > 1:
		return certain(CauseLossRecovery) // the bytes were readable only once the hole was filled
	case f.Push != nil:
		return inferred(CauseSenderPush, ByPushFlags)
	case s.Count == 1 && s.Exact && f.MSS != nil && f.MSS.Held > 0 && s.Largest == f.MSS.Held:
		// One segment of the size most of the sender's had, below the
		// MSS, cut by its stack (they mostly left without PSH): a full
		// segment of the path it learnt, not one write (review 31: path
		// MTU discovery to 1280, "one write per segment").
		return inferred(CauseFullSegment, ByHeldMSS)
	case s.Count == 1 && s.Exact && f.Nagle != nil:
		// Held until the ACK of the data before it: the writes made
		// meanwhile, not one (the capture does not show the writes).
		return inferred(CauseShortSegment, ByNagle, NeedStraceServer)
	case s.Count == 1 && s.Exact:
		// That curl read one segment is a fact; why the sender stopped
		// short of the MSS is not in the capture: one write of the
		// server, or a window, or its stack's own packet sizes.
		return inferred(CauseShortSegment, ByShortSegment)
	case strayStop(f):
		// It stopped inside a segment, which came whole, with room left
		// in curl's buffer: one read takes all that waits. Not the
		// socket's doing: a rate limit, or the trace of another run
		// (review 12: two runs in one second, one Date). curl 8.3+
		// logs its socket reads (review 20: the advice had said "this
		// curl, before 8.3" of curl 8.14).
		return cannotTell(CauseUnknown, tcpNeed(f)...)
	case s.EndsInside:
		// It stopped inside a segment, which reached the socket whole:
		// the rest was waiting, so the read did not take all that
		// waited; curl asked for no more (its buffer, which the trace
		// does not show, or a rate limit). Not backlog (review 22: a
		// --limit-rate read, "N is how much was waiting").
		return cannotTell(CauseUnknown, tcpNeed(f)...)
	case s.Count > 1 && f.Point.awayFromCurl():
		// Seen from the server (review 22: TSO off there, GRO on at
		// curl's host, which took 1448 x3 + 664 as one 5008-byte unit
		// a read took as it came, 20 ms after the one before).
		return inferred(CauseBacklog, ByServerSegments, NeedClientCapture)
	case s.Count > 1:
		return certain(CauseBacklog)
	case s.StartsInside:
		return certain(CauseBacklog) // the rest of a segment an earlier read stopped inside
	}
	return cannotTell(CauseUnknown, tcpNeed(f)...)
}

// strayStop tells whether a read of the clear stopped inside a segment
// with room left in curl's buffer (as the trace shows it: not one taken
// from reads that stop inside segments, as a rate limit's), not at the
// body's end, and not after a pause (a rate limit): a segment reaches the
// socket whole, and one read takes all that waits, up to the buffer.
func strayStop(f *Facts) bool {
	s := f.Segments
	// A read right after header lines may have shared curl's buffer with
	// any of them (the status line can come in a read of its own: review
	// 15), so whether it filled the buffer is not known.
	return f.Layer == LayerHTTP1 && s != nil && s.EndsInside && f.Buffer != nil && f.Buffer.Source == FromTrace && !f.Buffer.Filled && !paused(*f) &&
		(f.Header == nil || f.Header.Bytes == 0) &&
		(f.Body == nil || !f.Body.AtEnd) && (f.Point == nil || !f.Point.aboveOffload() || s.Super == 0)
}

// wholeSuper: the read is one whole segment longer than the MSS, as the
// capture shows it. Whole chunks, or a length that is no multiple of the
// MSS, are one push of the sender's stack passed whole (a veth or
// loopback path does not cut GSO segments; GRO merges up to a push's
// end); a multiple of the MSS may be wire segments merged.
func wholeSuper(f *Facts) verdict {
	s := f.Segments
	switch {
	case f.Chunks != nil && f.Chunks.Aligned:
		return inferred(CauseChunkWrite, ByWholePush)
	case f.MSS != nil && f.MSS.Effective > 0 && s.Largest%f.MSS.Effective != 0:
		return inferred(CauseSenderPush, ByWholePush)
	}
	return inferred(CauseSuperSegment, ByOffloadCapture, NeedBelowOffload)
}

// offloadRules: the read touches segments longer than the MSS, and the
// capture was not shown to be at the client: the segments curl's socket
// received are not in it (the sender's NIC or a router cuts them at the
// MSS, a veth passes them whole, GRO may merge them again), and their
// times are when the server sent them. What holds without those: the
// body's end, one push read whole, one MSS piece of a segment.
func offloadRules(f *Facts) verdict {
	s := f.Segments
	switch {
	case f.Body != nil && f.Body.AtEnd:
		return certain(CauseBodyEnd)
	case f.Buffer != nil && f.Buffer.Filled:
		// As large as curl's buffer (with the header, for a body's first
		// read): the buffer capped it, most likely; whether more was
		// waiting is what the segments above offload cannot show.
		return inferred(CauseBufferCap, BySizeOnly, NeedBelowOffload)
	case f.Header != nil && f.Header.SharedPacket != 0 && f.MSS != nil && f.Header.HeaderInSeg < int64(f.MSS.Effective):
		// The header's end and the read's first bytes share the first
		// MSS piece of the segment: they reached curl together, however
		// the rest was cut.
		return certain(CauseAfterHeaders)
	case s.Count == 1 && s.Exact:
		return wholeSuper(f)
	case s.Piece:
		return inferred(CauseFullSegment, ByMSSPiece, NeedBelowOffload)
	case f.Window != nil && f.Window.Short == 0 && !s.EndsInside && !f.Point.awayFromCurl():
		// The read ends at the window's edge: the server could send no
		// more until curl read, however the segments were merged.
		return certain(CauseWindowFull)
	case f.Window != nil && f.Window.Short == 0 && !s.EndsInside && f.n == f.Window.Window:
		// The read is all the window curl had advertised: the server
		// sent that much and waited, whatever the path did.
		return inferred(CauseWindowFull, ByWholeWindow, NeedBelowOffload)
	}
	return cannotTell(CauseUnknown, NeedBelowOffload)
}

// tcpNeed is curl's socket reads (--trace-config tcp), unless the trace
// has them already: then nothing known would tell.
func tcpNeed(f *Facts) []Need {
	if f.TCPRecv != nil {
		return nil
	}
	return []Need{NeedTCPTrace}
}

// capped: the read filled curl's buffer while more was waiting. Certain
// when the buffer's size is known; taken from the reads alone (as
// --limit-rate sizes it, no trace line or option naming it), it is what
// a capture of another run, where reads stop anywhere, would give too
// (review 31: 79872-byte reads that ended at the window in their own
// capture were "capped by the --limit-rate buffer, certain" in the other
// run's).
func capped(f *Facts) verdict {
	if f.Buffer.Kind == BufferLimitRate && f.Buffer.LimitRate == "" {
		return inferred(CauseBufferCap, ByBufferFromReads, tcpNeed(f)...)
	}
	return certain(CauseBufferCap)
}

// bufferRule: the read is as large as curl's buffer. It was capped when
// more was waiting: the read stopped inside a segment, or the next one
// had been captured before the read. curl paused for --limit-rate when
// the reads are that far apart.
func bufferRule(f *Facts) verdict {
	s := f.Segments
	if paused(*f) {
		if f.Buffer.Kind == BufferLimitRate {
			return inferred(CauseRateLimit, ByReadGaps)
		}
		// The buffer has a size of its own (the curl tool's 102400 is
		// also --limit-rate 100k's): curl waited with the bytes there.
		return inferred(CauseRateLimit, ByPause)
	}
	switch {
	case s.EndsInside || s.NextArrived:
		return capped(f)
	case f.Body != nil && f.Body.AtEnd:
		// Nothing came after it: the buffer size is a coincidence (a
		// recv that filled its length says only that at least that much
		// was there).
		return certain(CauseBodyEnd)
	case f.TCPRecv != nil && f.TCPRecv.NRead == f.TCPRecv.Len:
		return certain(CauseBufferCap)
	case s.NextKnown:
		return certain(CauseBacklog) // nothing more was waiting: the buffer size is a coincidence
	}
	return inferred(CauseBufferCap, BySizeOnly, NeedTraceTime)
}

// tlsRules: HTTP/1 inside TLS. curl reads one record per SSL_read, so the
// record decides, whatever the segments.
func tlsRules(f *Facts) verdict {
	r := f.Record
	switch {
	case r == nil:
		return cannotTell(CauseUnknown, NeedRecordHeaders)
	case !r.OverheadKnown:
		return unknownOverhead(f)
	case r.Plain-r.Before == sizeOf(f):
		return certain(CauseTLSRecord)
	case r.Plain-r.Before > sizeOf(f) && (r.Source == FromKeyLog || r.Version == tlsdec.VersionTLS12 || r.VersionName == "TLS 1.2"):
		// The read stopped inside the record, which held more: SSL_read
		// returns up to what it is asked for, so curl asked for no more,
		// its buffer (review 30: --limit-rate 8k, 16 KiB records read in
		// two 8192-byte halves; the first was "cannot tell"). Without the
		// key log a TLS 1.2 AEAD record's plaintext is known too (its
		// overhead is fixed); TLS 1.3 may pad (review 33).
		return certain(CauseBufferCap)
	case r.Plain-r.Before > sizeOf(f) && r.last && (r.followed || f.eofLater || f.Body != nil && f.Body.AtEnd):
		// No later read came from the record: what the overhead leaves
		// of it was never handed over, as TLS 1.3 padding is not
		// (review 39: openssl s_server -record_padding 512, "the record
		// had 127 more ... curl asked for no more" of records holding
		// what was read, the next read from the next record).
		return inferred(CauseTLSRecord, ByRecordPadding)
	case r.Plain-r.Before > sizeOf(f):
		return inferred(CauseBufferCap, ByRecordLeft)
	case r.Source == FromKeyLog:
		return cannotTell(CauseUnknown, NeedSSLTrace)
	}
	return cannotTell(CauseUnknown, NeedKeyLog)
}

// unknownOverhead: a record whose suite's overhead is not known (a trace
// alone; a suite segscope does not decrypt, such as CBC). curl still reads
// one record per SSL_read: what is left is the overhead.
func unknownOverhead(f *Facts) verdict {
	r := f.Record
	left := r.Length - r.Before - sizeOf(f)
	if !r.SameAsPrevious && left > 0 && left <= maxRecordOverhead {
		return inferred(CauseTLSRecord, ByUnknownOverhead)
	}
	return cannotTell(CauseUnknown, NeedSSLTrace)
}

// maxRecordOverhead bounds what a record adds to its plaintext: TLS 1.2 CBC
// with an explicit IV (16), a SHA-384 MAC (48) and at most 256 bytes of
// padding.
const maxRecordOverhead = 16 + 48 + 256

// h2Rules: HTTP/2. curl reports DATA payload: whole frames (curl 8 hands
// one DATA chunk at a time), a record's DATA less its frame headers (curl
// 7.88, one event per record), or a piece of a frame a record boundary
// cut.
func h2Rules(f *Facts) verdict {
	fr, r := f.Frames, f.Record
	switch {
	case f.unattributed:
		return cannotTell(CauseUnknown, NeedStreamOrder)
	case fr == nil && f.timed && !f.capturedPast && (f.Segments == nil || f.Segments.Missing > 0):
		// No frame of it captured, and the capture ended before the
		// read: it did not last the transfer. (Not when its record is
		// whole in the capture and only undecrypted: review 39, "0 of
		// the 8223 bytes ... are not in the capture".)
		return cannotTell(CauseMissing, NeedWholeCapture)
	case fr != nil && fr.Source != FromTrace && !(fr.RecordLost && r != nil && r.Source == FromTrace):
		return h2Placed(f)
	case fr != nil && fr.Shape == ShapeWhole:
		return certain(CauseH2Frames) // the trace's own FRAME lines give the frames
	case fr != nil && fr.Shape == ShapePiece:
		return inferred(CauseTLSRecord, ByFramePiece, h2Need(f)...)
	case f.hdrInRecord && r != nil && r.Source != FromKeyLog:
		// The record's arithmetic below assumes it held DATA only; curl
		// logged a HEADERS frame's fields since its last record header,
		// so this record may hold that frame (review 39: "36 = 4 x 9: 4
		// frame headers" of a record holding stream 5's HEADERS, 27
		// bytes, and one DATA header).
		return cannotTell(CauseUnknown, h2Need(f)...)
	case r != nil && r.OverheadKnown && r.Reads > 1 && frameHeaders(r.Plain-r.ReadBytes):
		// curl 8: the record's reads, a frame or a piece of one each,
		// add up to its DATA.
		return inferred(CauseH2Frames, ByRecordSum, h2Need(f)...)
	case r != nil && r.OverheadKnown && !r.SameAsPrevious && r.Reads <= 1 && r.Plain-r.Before == sizeOf(f):
		// The record held nothing but DATA, all of it this read's: a
		// piece of one frame, cut where the record ends.
		return inferred(CauseTLSRecord, ByFrameHeaders, h2Need(f)...)
	case r != nil && r.OverheadKnown && !r.SameAsPrevious && frameHeaders(r.Plain-r.Before-sizeOf(f)):
		return inferred(CauseH2Frames, ByFrameHeaders, h2Need(f)...)
	}
	return cannotTell(CauseUnknown, h2Need(f)...)
}

// h2Placed: the read placed on the capture's (or the decryption's)
// frames; the shape says how.
func h2Placed(f *Facts) verdict {
	in := 0
	for _, r := range f.Frames.Frames {
		in += r.InRead
	}
	if in != f.n {
		// The frames found hold less than the read: some of its bytes
		// fell in a hole of the capture, or in packets its snap length
		// cut (they are there, their frames not readable).
		if c := f.Capture; c != nil && c.SnapCut && c.Snapped {
			return cannotTell(CauseUnknown, NeedFullSnap)
		}
		return cannotTell(CauseMissing, NeedPackets)
	}
	if b := f.Buffer; b != nil && b.Filled {
		// curl's buffer size: its HTTP/2 layer hands over up to that.
		// Stopped inside a frame, more had come (review 10: curl 7.88's
		// 102400-byte read of 35 frames across 27 records).
		if x := f.Frames.Frames[len(f.Frames.Frames)-1]; x.From+x.InRead < x.Payload {
			return certain(CauseBufferCap)
		}
		return inferred(CauseBufferCap, BySizeOnly)
	}
	switch f.Frames.Shape {
	case ShapeWhole, ShapeRecordData, ShapeSocketRead, ShapeReadPiece:
		return certain(CauseH2Frames)
	case ShapePiece:
		return certain(CauseTLSRecord)
	}
	if f.Frames.RecordLost {
		// Its bytes came in records the capture lost: where they ended
		// decided N.
		return cannotTell(CauseMissing, h2Need(f)...)
	}
	return cannotTell(CauseUnknown, tcpNeed(f)...)
}

// h2Need is what would tell the frames of a read inside TLS: the whole
// records, or the key log, or (curl 8.3+) curl's own frame lines.
func h2Need(f *Facts) []Need {
	switch c := f.Capture; {
	case c != nil && c.SnapCut && c.BoundHits > 0:
		return []Need{NeedReassembly}
	case c != nil && c.SnapCut && c.Snapped:
		return []Need{NeedFullSnap}
	case c != nil && c.SnapCut:
		return []Need{NeedPackets} // lost, not cut: no snap length in play
	case f.Layer == LayerH2C:
		return []Need{NeedFrameTrace} // in the clear: no key to ask for
	case f.h2Lines:
		return []Need{NeedKeyLog, NeedFrameTrace}
	}
	return []Need{NeedKeyLog}
}

// frameHeaders tells whether n bytes can be 1 to 4 HTTP/2 frame headers.
func frameHeaders(n int) bool { return n > 0 && n%9 == 0 && n/9 <= 4 }

// recordReads counts, on every record, the reads that came from it and
// their bytes: curl 8 hands HTTP/2 DATA over a frame (or a record's piece
// of one) at a time, so the reads of one record add up to its DATA.
func (r *Result) recordReads() {
	type key struct {
		conn, index int
		src         Source
	}
	type tally struct {
		reads, bytes, last int
		hdr                bool
	}
	sums := map[key]tally{}
	lastOfConn := map[int]int{}
	for i, ev := range r.Events {
		if rf := ev.Facts.Record; rf != nil && ev.Conn >= 0 {
			k := key{ev.Conn, rf.Index, rf.Source}
			t := sums[k]
			sums[k] = tally{t.reads + 1, t.bytes + ev.Size, i, t.hdr || ev.Facts.hdrInRecord}
		}
		if ev.Conn >= 0 {
			lastOfConn[ev.Conn] = i
		}
	}
	for i := range r.Events {
		ev := &r.Events[i]
		if rf := ev.Facts.Record; rf != nil && ev.Conn >= 0 {
			t := sums[key{ev.Conn, rf.Index, rf.Source}]
			rf.Reads, rf.ReadBytes, rf.last = t.reads, t.bytes, t.last == i
			// A later read on the connection came from a later record:
			// this one was done with, not left by a transfer cut short
			// (review 42: -m or | head ending a read inside a record).
			rf.followed = lastOfConn[ev.Conn] > t.last
			// The HEADERS curl logged before a record's first read may
			// share the record with all its reads (curl 8 hands over a
			// frame at a time: review 42).
			ev.Facts.hdrInRecord = t.hdr
		}
	}
}

func sizeOf(f *Facts) int { return f.n }
