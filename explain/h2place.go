package explain

import (
	"sort"

	"github.com/segscope/segscope/curltrace"
	"github.com/segscope/segscope/h2"
	"github.com/segscope/segscope/stream"
	"github.com/segscope/segscope/tlsdec"
)

// dataFrame is one DATA frame on curl's DATA coordinate: the payload
// bytes curl reports, counted from the connection's first DATA frame.
type dataFrame struct {
	cum    int64        // DATA bytes of the frames before it
	data   int          // payload without padding
	pad    int          // padding, pad length byte included
	pay    stream.Range // the data bytes on the stream (capture frames only)
	stream uint32
	eos    bool
	seq    int // index among the connection's DATA frames, kept by filter: FrameRef.Index
}

// frameIndex lays a connection's DATA frames on the DATA coordinate, with
// every frame of the server's direction (for the headers and the other
// frames between DATA) and, inside TLS, the record map.
type frameIndex struct {
	all  []h2.Frame
	data []dataFrame
	dec  *tlsdec.Direction // nil for h2c and for trace frames
	src  Source
	// byStream caches the DATA frames of one stream, on that stream's
	// own DATA coordinate (see forStream).
	byStream map[uint32]*frameIndex
	// interleaved: DATA frames of several streams alternate on the
	// connection (a stream's DATA resumes after another's).
	interleaved bool
}

// forStream returns the index of one stream's DATA frames, counted from
// its first: the coordinate of a transfer's reads when several streams
// share the connection. nil when x is nil.
func (x *frameIndex) forStream(id uint32) *frameIndex {
	if x == nil {
		return nil
	}
	if s := x.byStream[id]; s != nil {
		return s
	}
	s := x.filter(func(stream uint32) bool { return stream == id })
	if x.byStream == nil {
		x.byStream = map[uint32]*frameIndex{}
	}
	x.byStream[id] = s
	return s
}

// without returns the index less the DATA frames of the streams in
// skip: the coordinate of the reads when curl did not log those streams'
// bodies. x itself when there is nothing to skip.
func (x *frameIndex) without(skip map[uint32]bool) *frameIndex {
	if x == nil || len(skip) == 0 {
		return x
	}
	return x.filter(func(stream uint32) bool { return !skip[stream] })
}

// filter returns the index of the DATA frames of the streams keep
// accepts, recounted on their own DATA coordinate.
func (x *frameIndex) filter(keep func(stream uint32) bool) *frameIndex {
	s := &frameIndex{all: x.all, dec: x.dec, src: x.src}
	var cum int64
	for _, d := range x.data {
		if keep(d.stream) {
			d.cum = cum
			s.data = append(s.data, d)
			cum += int64(d.data)
		}
	}
	s.interleaved = interleaved(s.data)
	return s
}

// interleaved tells whether DATA frames of several streams alternate: a
// stream's DATA resumes after another's.
func interleaved(data []dataFrame) bool {
	seen := map[uint32]bool{}
	for i, d := range data {
		if i > 0 && data[i-1].stream != d.stream && seen[d.stream] {
			return true
		}
		seen[d.stream] = true
	}
	return false
}

func newFrameIndex(frames []h2.Frame, dec *tlsdec.Direction) *frameIndex {
	x := &frameIndex{all: frames, dec: dec, src: FromCapture}
	if dec != nil {
		x.src = FromKeyLog
	}
	var cum int64
	for _, f := range frames {
		if f.Type != h2.TypeData {
			continue
		}
		start := f.Start + 9
		pad := f.Length - f.Data
		if f.Flags&h2.FlagPadded != 0 {
			start++
		}
		x.data = append(x.data, dataFrame{cum: cum, data: f.Data, pad: pad, pay: stream.Range{Start: start, End: start + int64(f.Data)},
			stream: f.StreamID, eos: f.Flags&h2.FlagEndStream != 0, seq: len(x.data)})
		cum += int64(f.Data)
	}
	x.interleaved = interleaved(x.data)
	return x
}

// add lays the next DATA frame of curl's [HTTP/2] FRAME lines (curl 8.3+
// --trace-config http/2).
func (x *frameIndex) add(f *curltrace.H2Frame) {
	var cum int64
	if n := len(x.data); n > 0 {
		cum = x.data[n-1].cum + int64(x.data[n-1].data)
	}
	x.data = append(x.data, dataFrame{cum: cum, data: f.DataLen(), pad: f.PadLen, stream: f.Stream, eos: f.EOS, seq: len(x.data)})
}

// place finds the DATA frames holding DATA bytes [at, at+n).
func (x *frameIndex) place(at int64, n int) (refs []FrameRef, first, last int) {
	end := at + int64(n)
	k := sort.Search(len(x.data), func(i int) bool { return x.data[i].cum+int64(x.data[i].data) > at })
	first, last = k, k-1
	for ; k < len(x.data) && x.data[k].cum < end; k++ {
		d := x.data[k]
		from := max(at, d.cum) - d.cum
		in := min(end, d.cum+int64(d.data)) - d.cum - from
		refs = append(refs, FrameRef{Index: d.seq, Stream: d.stream, Payload: d.data, Padding: d.pad, InRead: int(in), From: int(from), EOS: d.eos})
		last = k
	}
	return refs, first, last
}

// extent is the stream (or plaintext) range from the read's first DATA
// byte to just past its last.
func (x *frameIndex) extent(at int64, n int, first, last int) stream.Range {
	a, b := x.data[first], x.data[last]
	return stream.Range{Start: a.pay.Start + at - a.cum, End: b.pay.Start + at + int64(n) - b.cum}
}

// between counts what lies in rng besides DATA payload: frame header
// bytes (and how many headers start there), padding, and other frames.
func (x *frameIndex) between(rng stream.Range) (headers, headerBytes, pad, other int) {
	k := sort.Search(len(x.all), func(i int) bool { return x.all[i].End > rng.Start })
	for ; k < len(x.all) && x.all[k].Start < rng.End; k++ {
		f := x.all[k]
		hdr := stream.Range{Start: f.Start, End: f.Start + 9}
		if hdr.Overlaps(rng) {
			headers++
			headerBytes += int(min(hdr.End, rng.End) - max(hdr.Start, rng.Start))
		}
		body := stream.Range{Start: hdr.End, End: f.End}
		in := int(max(0, min(body.End, rng.End)-max(body.Start, rng.Start)))
		if f.Type == h2.TypeData {
			pad += max(0, in-f.Data)
		} else {
			other += in
		}
	}
	return headers, headerBytes, pad, other
}

// readH2 places a read of HTTP/2 DATA: curl reports DATA payload, so the
// read is DATA bytes [data, data+N) of its stream when the trace's ids
// name the transfer's stream (curl 8.3+), else of the connection.
func (st *connState) readH2(ev *Event, xfer int, data []byte) {
	x, tx := st.frames, st.tframe
	var at int64
	if id, ok := st.streams[xfer]; ok && xfer >= 0 {
		x, tx = x.forStream(id), tx.forStream(id)
		if st.streamData == nil {
			st.streamData = map[uint32]int64{}
		}
		at = st.streamData[id]
		st.streamData[id] = at + int64(ev.Size)
	} else {
		at = st.data
		st.data += int64(ev.Size)
		if !st.curl8 && x != nil && x.interleaved {
			// curl 7 serves multiplexed streams in its own order: the
			// connection's DATA order says nothing of this read's place;
			// the bytes may say which stream's it is.
			id, sat, ok := st.attribute(x, data)
			if !ok {
				ev.Facts.unattributed = true
				st.captureFact(ev)
				return
			}
			x, tx, at = x.forStream(id), tx.forStream(id), sat
		}
	}
	if st.recs != nil {
		var rng stream.Range
		ev.Facts.Record, rng = st.recs.recordFact(ev.Size)
		ev.Range = rng
		st.captureFact(ev)
	}
	switch {
	case x != nil && len(x.data) > 0:
		st.h2FromCapture(ev, x, at)
	case tx != nil && len(tx.data) > 0:
		ev.Facts.Frames = tx.fact(at, ev.Size)
		if ev.Facts.Frames != nil && st.segs != nil && ev.Range.Len() > 0 {
			ev.Segments = st.segs.in(ev.Range)
			ev.Facts.Segments = st.segs.fact(ev.Segments, ev.Range)
		}
	default:
		if st.segs != nil && ev.Range.Len() > 0 {
			ev.Segments = st.segs.in(ev.Range)
			ev.Facts.Segments = st.segs.fact(ev.Segments, ev.Range)
		}
	}
}

// attribute finds the stream of a read of curl 7's multiplexed HTTP/2,
// whose trace names none: curl hands each stream's DATA over in order,
// so the read is the next bytes of its stream's DATA; the one stream
// whose DATA holds the read's bytes where its reads so far left off is
// its stream (review 26: with the key log, 102 of 102 reads of three
// streams had been "cannot tell"). Two streams that fit, or none, leave
// it unattributed; after such a read only reads of 8 bytes or more are
// attributed, as a stream's place may then be lost.
func (st *connState) attribute(x *frameIndex, want []byte) (uint32, int64, bool) {
	if st.h2bytes == nil || len(want) == 0 || st.h2lost && len(want) < 8 {
		st.h2lost = true
		return 0, 0, false
	}
	if st.h2at == nil {
		st.h2at = map[uint32]int64{}
	}
	var id uint32
	var at int64
	n := 0
	for _, s := range x.streamIDs() {
		cur := st.h2at[s]
		if x.forStream(s).holds(st.h2bytes, cur, want, st.ascii) {
			id, at = s, cur
			n++
		}
	}
	if n != 1 {
		st.h2lost = true
		return 0, 0, false
	}
	st.h2at[id] = at + int64(len(want))
	return id, at, true
}

// streamIDs lists the streams of the DATA frames, in order of their first.
func (x *frameIndex) streamIDs() []uint32 {
	var ids []uint32
	seen := map[uint32]bool{}
	for _, d := range x.data {
		if !seen[d.stream] {
			seen[d.stream] = true
			ids = append(ids, d.stream)
		}
	}
	return ids
}

// holds tells whether DATA bytes [at, at+len(want)) of x are want, on the
// bytes b the frames lie on.
func (x *frameIndex) holds(b *stream.Bytes, at int64, want []byte, ascii bool) bool {
	refs, first, _ := x.place(at, len(want))
	pos := 0
	for i, r := range refs {
		d := x.data[first+i]
		start := d.pay.Start + int64(r.From)
		have, ok := b.At(stream.Range{Start: start, End: start + int64(r.InRead)})
		if !ok || !same(want[pos:pos+r.InRead], have, ascii) {
			return false
		}
		pos += r.InRead
	}
	return pos == len(want)
}

// fact is the frames of a read, without positions (trace frames).
func (x *frameIndex) fact(at int64, n int) *FrameFact {
	refs, _, _ := x.place(at, n)
	if len(refs) == 0 {
		return nil
	}
	f := &FrameFact{Source: x.src, Frames: refs, Headers: len(refs) - 1}
	for _, r := range refs[:len(refs)-1] {
		f.Padding += r.Padding
	}
	if f.Shape = shapeOf(f, n, false); f.Shape == ShapeUnknown && len(refs) == 1 {
		f.Shape = ShapePiece // where it was cut is not in the trace
	}
	return f
}

// h2FromCapture places the read on the frames the capture (or the
// decryption) found, and inside TLS on the records that carried them.
func (st *connState) h2FromCapture(ev *Event, x *frameIndex, at int64) {
	refs, first, last := x.place(at, ev.Size)
	if len(refs) == 0 {
		return
	}
	ext := x.extent(at, ev.Size, first, last)
	f := &FrameFact{Source: x.src, Frames: refs, Extent: ext.Len(), Leading: refs[0].From == 0}
	f.Headers, _, f.Padding, f.Other = x.between(ext)
	ev.Facts.Frames = f
	rng := ext
	if x.dec != nil {
		ev.Plain = ext
		c, ok := x.dec.ToCipher(ext)
		if ok && x.dec.Estimated(ext) {
			// Its bytes are in a record that was not decrypted (cut by
			// a gap or a snap length): the frame says which bytes they
			// are, not where on the stream, nor in which record (review
			// 17: the end of a frame whose record was lost was placed at
			// the start of the next record, certain).
			ok, f.RecordLost = false, true
			if r := ev.Facts.Record; r != nil && r.Source == FromTrace && r.OverheadKnown {
				// curl logged the lost record's header: its plaintext.
				f.RecordPlain = r.Plain
			}
		}
		if !ok {
			f.Shape = shapeOf(f, ev.Size, st.isCurl8())
			return
		}
		rng = c
		st.recordsOf(ev, x, ext)
	}
	f.Shape = shapeOf(f, ev.Size, st.isCurl8())
	ev.Range = rng
	if st.segs != nil {
		ev.Segments = st.segs.in(rng)
		ev.Facts.Segments = st.segs.fact(ev.Segments, rng)
	}
}

// recordsOf sets the record facts of a read inside TLS from the
// decryption: the records its plaintext extent touches, their plaintext,
// and what else they held (frame headers, padding, other frames).
func (st *connState) recordsOf(ev *Event, x *frameIndex, ext stream.Range) {
	i, ok1 := x.dec.SpanOf(ext.Start)
	j, ok2 := x.dec.SpanOf(ext.End - 1)
	if !ok1 || !ok2 {
		return
	}
	spans := x.dec.Spans()
	whole := stream.Range{Start: spans[i].Plain.Start, End: spans[j].Plain.End}
	f := ev.Facts.Frames
	f.RecordPlain = int(whole.Len())
	f.RecordHeaders, f.RecordHeaderBytes, f.RecordPadding, f.RecordOther = x.between(whole)
	ev.Facts.Record = decryptedRecord(x.dec, i, j, ext.Start, st.tls)
	f.RecordCut = cutByRecord(f, ext, spans[i].Plain, spans[j].Plain)
}

// cutByRecord tells whether a record boundary cut a DATA frame at the
// read's start or end.
func cutByRecord(f *FrameFact, ext, firstSpan, lastSpan stream.Range) bool {
	a, b := f.Frames[0], f.Frames[len(f.Frames)-1]
	startCut := ext.Start == firstSpan.Start && a.From > 0
	endCut := ext.End == lastSpan.End && b.From+b.InRead < b.Payload
	return startCut || endCut
}

// isCurl8 tells whether the trace is curl 8's: its version line, or its
// [HTTP/2] stream lines.
func (st *connState) isCurl8() bool { return st.curl8 || st.curlVersion.AtLeast(8, 0) }

// shapeOf tells how a read sits on its frames and records; curl8: the
// trace is curl 8's, which hands over the DATA of each socket read a frame
// at a time (curl 7 all of it at once).
func shapeOf(f *FrameFact, n int, curl8 bool) FrameShape {
	whole := true
	for _, x := range f.Frames {
		whole = whole && x.Whole()
	}
	last := f.Frames[len(f.Frames)-1]
	switch {
	case whole:
		return ShapeWhole
	case f.RecordLost && curl8 && len(f.Frames) == 1 && last.From+last.InRead == last.Payload:
		// The rest of a frame a read began inside: it starts where that
		// read stopped and ends with the frame, whatever records came.
		return ShapeReadPiece
	case f.RecordLost:
		return ShapeUnknown // where the lost records ended is not known
	case f.RecordCut && len(f.Frames) == 1:
		return ShapePiece
	case f.RecordPlain > 0 && n == f.RecordPlain-f.RecordHeaderBytes-f.RecordPadding-f.RecordOther:
		return ShapeRecordData
	case f.RecordPlain == 0 && f.Source != FromTrace && curl8 && len(f.Frames) == 1:
		return ShapeReadPiece
	case f.RecordPlain == 0 && f.Source != FromTrace && !curl8:
		return ShapeSocketRead
	}
	return ShapeUnknown
}
