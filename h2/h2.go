// Package h2 walks HTTP/2 frames on one direction of a cleartext (h2c,
// prior knowledge) TCP connection, or on decrypted TLS application data,
// and places every frame on the stream coordinate: its 9-byte header and
// payload, the segments that carried its first and last byte. It decodes
// header blocks (HPACK) to name each HTTP/2 stream's method, path,
// authority and status, and counts each stream's DATA bytes.
//
// It is not an HTTP/2 implementation: it never answers, keeps no flow
// control, does not validate stream states, and copies no DATA payload. It
// does no reassembly either: a Walker is a stream.Consumer and expects the
// bytes of one direction in order, with gaps declared. It reads one
// direction only, so it cannot know the peer's SETTINGS (frame size, table
// size): it accepts any frame length the 24-bit field can carry and any
// HPACK table size up to 1 MiB.
package h2

import (
	"encoding/binary"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/net/http2/hpack"

	"github.com/segscope/segscope/stream"
)

// Preface is the client connection preface (RFC 9113, 3.4).
const Preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"

// SniffClient tells whether a client direction starts with the preface.
// needMore is true when fewer than 24 bytes are available and they match
// the preface so far.
func SniffClient(b []byte) (ok, needMore bool) {
	n := min(len(b), len(Preface))
	if string(b[:n]) != Preface[:n] {
		return false, false
	}
	return n == len(Preface), n < len(Preface)
}

// FrameType is an HTTP/2 frame type (RFC 9113 section 6 and the IANA
// registry).
type FrameType uint8

// Frame types.
const (
	TypeData         FrameType = 0
	TypeHeaders      FrameType = 1
	TypePriority     FrameType = 2
	TypeRSTStream    FrameType = 3
	TypeSettings     FrameType = 4
	TypePushPromise  FrameType = 5
	TypePing         FrameType = 6
	TypeGoAway       FrameType = 7
	TypeWindowUpdate FrameType = 8
	TypeContinuation FrameType = 9
)

// Flags are a frame's flags; what a bit means depends on the type.
type Flags uint8

// Frame flags.
const (
	FlagEndStream  Flags = 0x1 // DATA, HEADERS
	FlagAck        Flags = 0x1 // SETTINGS, PING
	FlagEndHeaders Flags = 0x4 // HEADERS, PUSH_PROMISE, CONTINUATION
	FlagPadded     Flags = 0x8 // DATA, HEADERS, PUSH_PROMISE
	FlagPriority   Flags = 0x20
)

// Has tells whether every bit of v is set.
func (f Flags) Has(v Flags) bool { return f&v == v }

var typeNames = [...]string{"DATA", "HEADERS", "PRIORITY", "RST_STREAM", "SETTINGS", "PUSH_PROMISE", "PING", "GOAWAY", "WINDOW_UPDATE", "CONTINUATION", "ALTSVC", "", "ORIGIN"}

// String names a frame type as RFC 9113 and its registry do, or
// "UNKNOWN_0x.." for an extension type.
func (t FrameType) String() string {
	if t == 0x10 {
		return "PRIORITY_UPDATE"
	}
	if int(t) < len(typeNames) && typeNames[t] != "" {
		return typeNames[t]
	}
	return fmt.Sprintf("UNKNOWN_0x%02x", uint8(t))
}

// flagNames are the flags each type defines (x/net/http2's flagName).
var flagNames = map[FrameType]map[Flags]string{
	TypeData:         {FlagEndStream: "END_STREAM", FlagPadded: "PADDED"},
	TypeHeaders:      {FlagEndStream: "END_STREAM", FlagEndHeaders: "END_HEADERS", FlagPadded: "PADDED", FlagPriority: "PRIORITY"},
	TypeSettings:     {FlagAck: "ACK"},
	TypePing:         {FlagAck: "ACK"},
	TypePushPromise:  {FlagEndHeaders: "END_HEADERS", FlagPadded: "PADDED"},
	TypeContinuation: {FlagEndHeaders: "END_HEADERS"},
}

// FlagString names a frame's flags as its type defines them, "|"
// between; a bit the type does not define is written as 0x..; "" for none.
func (t FrameType) FlagString(f Flags) string {
	var parts []string
	for bit := Flags(1); bit != 0; bit <<= 1 {
		if f&bit == 0 {
			continue
		}
		if n, ok := flagNames[t][bit]; ok {
			parts = append(parts, n)
		} else {
			parts = append(parts, fmt.Sprintf("0x%02x", uint8(bit)))
		}
	}
	return strings.Join(parts, "|")
}

// frameCheck is what RFC 9113 section 6 requires of one type's header,
// on pain of a connection error: which streams it may use, and its length.
type frameCheck struct {
	stream0 int8                  // 1: only stream 0; -1: never stream 0; 0: either
	length  func(int, Flags) bool // the length is valid; nil: any
}

// frameChecks are the checks by type, in the style of x/net/http2's
// frameParsers; a type not listed (an extension) is not checked.
var frameChecks = map[FrameType]frameCheck{
	TypeData:         {stream0: -1},
	TypeHeaders:      {stream0: -1},
	TypePriority:     {stream0: -1, length: func(n int, _ Flags) bool { return n == 5 }},
	TypeRSTStream:    {stream0: -1, length: func(n int, _ Flags) bool { return n == 4 }},
	TypeSettings:     {stream0: 1, length: func(n int, f Flags) bool { return n%6 == 0 && !(f.Has(FlagAck) && n != 0) }},
	TypePushPromise:  {stream0: -1},
	TypePing:         {stream0: 1, length: func(n int, _ Flags) bool { return n == 8 }},
	TypeGoAway:       {stream0: 1, length: func(n int, _ Flags) bool { return n >= 8 }},
	TypeWindowUpdate: {length: func(n int, _ Flags) bool { return n == 4 }},
	TypeContinuation: {stream0: -1},
}

// check returns why a frame header is not valid HTTP/2, "" when it is.
func (f *Frame) check() string {
	c, ok := frameChecks[f.Type]
	switch {
	case !ok:
	case c.stream0 == -1 && f.StreamID == 0:
		return f.Type.String() + " on stream 0"
	case c.stream0 == 1 && f.StreamID != 0:
		return fmt.Sprintf("%s on stream %d", f.Type, f.StreamID)
	case c.length != nil && !c.length(f.Length, f.Flags):
		return fmt.Sprintf("%s with length %d", f.Type, f.Length)
	}
	return ""
}

const (
	headerLen = 9
	// maxBlockBuf is how much of a header block is gathered before it is
	// handed to the HPACK decoder; a larger block goes in several writes
	// (the decoder keeps its state across them), so no block is skipped.
	maxBlockBuf = 256 << 10
	// maxTable bounds the HPACK dynamic table the encoder may announce.
	// The real bound is the peer's SETTINGS_HEADER_TABLE_SIZE, which
	// travels in the other direction.
	maxTable       = 1 << 20
	defaultMaxKeep = 100000
	maxProblems    = 1000
)

// Frame is one HTTP/2 frame on the stream.
type Frame struct {
	// Range is the 9-byte header plus payload. It stays within what the
	// stream delivered: a frame cut by End ends there, so Len() < 9+Length
	// (and Truncated is set).
	stream.Range
	Type     FrameType
	Flags    Flags
	StreamID uint32
	Length   int // the header's length field (Wireshark's http2.length)
	// Data is a DATA frame's payload without the pad-length byte and the
	// padding: what an application reads (curl's Recv data counts it).
	Data int
	// First and Last are the segments that carried the frame's first and
	// last byte; a byte that fell in a gap is attributed to the Pos given
	// with the Gap call.
	First, Last stream.Pos
	// Truncated: the stream ended inside the frame or a gap fell inside
	// its payload.
	Truncated bool
	// Increment is a WINDOW_UPDATE's window size increment; InitialWindow
	// a SETTINGS frame's SETTINGS_INITIAL_WINDOW_SIZE, when SetsWindow.
	// Flow control is the peer's to follow: these say what was granted.
	Increment     uint32
	InitialWindow uint32
	SetsWindow    bool
}

// StreamInfo is what one direction says about one HTTP/2 stream.
type StreamInfo struct {
	ID uint32
	// Method, Path and Authority come from this direction's header blocks
	// (a client's HEADERS, or a server's PUSH_PROMISE for a pushed
	// stream). Authority falls back to a "host" field.
	Method, Path, Authority string
	// Status is the final (not 1xx) :status of this direction's HEADERS,
	// 0 if none was decoded; Date the date field of that response (two
	// runs of one request differ there).
	Status int
	Date   string
	// DataBytes counts DATA payload bytes, padding excluded; bytes a gap
	// hid count (the frame header says they were sent), bytes after End
	// do not.
	DataBytes  int64
	DataFrames int
	// FirstData and LastData are the First of the stream's first DATA
	// frame and the Last of its last one.
	FirstData, LastData stream.Pos
	EndStream           bool         // END_STREAM was seen on HEADERS or DATA
	Headers             stream.Range // the stream's first HEADERS frame
}

// Problem is something that stopped or limited the walk, at a stream
// offset.
type Problem = stream.Problem

// Limits bound what a Walker keeps. 0 means 100000, a negative value
// keeps none.
type Limits struct {
	MaxFrames  int // frames kept in Frames(); beyond, they are only counted in Dropped()
	MaxStreams int // streams tracked in Streams(); beyond, new streams are counted in DroppedStreams()
}

func keep(n int) int {
	switch {
	case n == 0:
		return defaultMaxKeep
	case n < 0:
		return 0
	}
	return n
}

// Walker walks one direction's frames. It implements stream.Consumer. It
// is not safe for concurrent use.
type Walker struct {
	frameLimit, streamLimit int

	off    int64
	lastAt stream.Pos
	lost   bool // sync lost: ignore everything after
	ended  bool

	prefN   int // preface bytes matched
	preface *stream.Range
	// prefFirst and prefLast hold the preface's first and last bytes.
	prefFirst, prefLast stream.Pos
	nFrames             int // frame headers accepted
	inFrame             bool
	hdr                 [headerLen]byte
	hdrN                int
	need                int // payload bytes of cur still to come
	cur                 Frame
	payPos              int // payload bytes of cur seen (delivered or gap)
	padLen              int // DATA/HEADERS/PUSH_PROMISE pad length, once read
	val                 [6]byte
	valN                int  // bytes of a WINDOW_UPDATE's increment or a SETTINGS entry read so far
	curIdx              int  // streams index of a HEADERS frame's stream, -1 if none
	hdrBlock            bool // cur carries a fragment of the block being decoded

	// Header block state. A block (HEADERS or PUSH_PROMISE, then
	// CONTINUATIONs) is decoded in order by one decoder: the dynamic
	// table is per direction.
	dec       *hpack.Decoder
	decoding  bool   // false once HPACK state is lost
	inBlock   bool   // a block is open: the next frame must be its CONTINUATION
	blockSID  uint32 // stream of the frames carrying the open block
	target    int    // streams index the open block describes, -1 if none
	pre       [6]byte
	preLen    int // HEADERS/PUSH_PROMISE fields before the fragment
	fragStart int // fragment within cur's payload: [fragStart, fragEnd)
	fragEnd   int
	block     []byte // fragment bytes not yet given to the decoder

	frames         []Frame
	dropped        int
	streams        []StreamInfo
	index          map[uint32]int
	droppedStreams int
	highest        [2]uint32 // highest stream ID seen, by parity
	problems       []Problem
}

// NewWalker returns a Walker for one direction. A client direction starts
// with the preface (reported by Preface()); a server one with SETTINGS.
func NewWalker(client bool, l Limits) *Walker {
	w := &Walker{
		frameLimit:  keep(l.MaxFrames),
		streamLimit: keep(l.MaxStreams),
		decoding:    true,
		target:      -1,
		curIdx:      -1,
		index:       map[uint32]int{},
	}
	w.dec = hpack.NewDecoder(4096, w.emit)
	w.dec.SetAllowedMaxDynamicTableSize(maxTable)
	w.dec.SetMaxStringLength(maxBlockBuf)
	if !client {
		w.prefN = len(Preface)
	}
	return w
}

// Preface returns where the client preface lies, or nil (a server
// direction, or a preface not yet complete).
func (w *Walker) Preface() *stream.Range { return w.preface }

// PrefacePos returns the positions of the segments that held the client
// preface's first and last bytes (valid when Preface is not nil).
func (w *Walker) PrefacePos() (first, last stream.Pos) { return w.prefFirst, w.prefLast }

// Frames returns the frames kept, in stream order. After the preface they
// tile the stream up to where the walk stopped.
func (w *Walker) Frames() []Frame { return w.frames }

// Dropped is the number of frames walked but not kept (Limits.MaxFrames).
func (w *Walker) Dropped() int { return w.dropped }

// FrameCount is the number of frames walked, kept or not (a frame counts
// once its last byte, or End, arrived).
func (w *Walker) FrameCount() int { return len(w.frames) + w.dropped }

// DroppedStreams is the number of streams not tracked (Limits.MaxStreams).
func (w *Walker) DroppedStreams() int { return w.droppedStreams }

// Streams returns a copy of the streams seen, by stream ID.
func (w *Walker) Streams() []StreamInfo {
	s := append([]StreamInfo(nil), w.streams...)
	sort.Slice(s, func(i, j int) bool { return s[i].ID < s[j].ID })
	return s
}

// Problems returns what stopped or limited the walk, in stream order (the
// first 1000).
func (w *Walker) Problems() []Problem { return w.problems }

// Stopped tells whether the walk lost sync: frames after that point are
// unknown.
func (w *Walker) Stopped() bool { return w.lost }

// Decoding tells whether header blocks are still decoded (false once a
// gap, an HPACK error or a broken block sequence lost the HPACK state).
func (w *Walker) Decoding() bool { return w.decoding }

// Done tells whether the walk has stopped: sync lost, or the stream ended.
func (w *Walker) Done() bool { return w.done() }

func (w *Walker) done() bool { return w.lost || w.ended }

func (w *Walker) problem(off int64, format string, args ...any) {
	if len(w.problems) >= maxProblems { // only bad padding repeats: one per frame
		return
	}
	w.problems = append(w.problems, Problem{Offset: off, Reason: fmt.Sprintf(format, args...)})
}

// loseSync stops the walk.
func (w *Walker) loseSync(off int64, format string, args ...any) {
	w.problem(off, format, args...)
	w.lost = true
	w.stopDecoding()
}

// stopDecoding gives up on header blocks for the rest of the direction.
func (w *Walker) stopDecoding() {
	w.decoding = false
	w.inBlock = false
	w.target = -1
	w.block = nil
}

func (w *Walker) decodeProblem(off int64, format string, args ...any) {
	if !w.decoding {
		return
	}
	w.problem(off, format+": header decoding stops", args...)
	w.stopDecoding()
}

// Data implements stream.Consumer.
func (w *Walker) Data(off int64, data []byte, at stream.Pos) {
	// Consumers are promised a tiling; be defensive anyway: a hole is a
	// gap, an overlap is trimmed.
	data, ok := stream.Enter(w, w.off, off, data, at)
	if !ok {
		return
	}
	w.lastAt = at
	if w.prefN < len(Preface) {
		n := min(len(data), len(Preface)-w.prefN)
		if string(data[:n]) != Preface[w.prefN:w.prefN+n] {
			w.loseSync(0, "preface: the stream does not start with the HTTP/2 client preface")
			return
		}
		if w.prefN == 0 {
			w.prefFirst = at
		}
		w.prefLast = at
		w.prefN += n
		w.off += int64(n)
		data = data[n:]
		if w.prefN == len(Preface) {
			w.preface = &stream.Range{Start: 0, End: int64(len(Preface))}
		}
	}
	for len(data) > 0 {
		if !w.inFrame {
			if w.hdrN == 0 {
				w.cur = Frame{Range: stream.Range{Start: w.off}, First: at}
			}
			n := copy(w.hdr[w.hdrN:], data)
			w.hdrN += n
			w.off += int64(n)
			data = data[n:]
			if w.hdrN < headerLen {
				return
			}
			if !w.header() {
				return
			}
			if w.need == 0 {
				w.cur.Last = at
				w.finish()
			}
			continue
		}
		n := min(len(data), w.need)
		w.payload(data[:n])
		w.need -= n
		w.payPos += n
		w.off += int64(n)
		data = data[n:]
		if w.need == 0 {
			w.cur.Last = at
			w.finish()
		}
	}
}

// header checks the complete header in w.hdr and starts the frame; false
// when the walk must stop. The checks are those whose failure makes any
// endpoint close the connection (RFC 9113 section 6): after one, the bytes
// that follow are most likely not frames at all.
func (w *Walker) header() bool {
	h := &w.hdr
	f := &w.cur
	f.Length = int(h[0])<<16 | int(h[1])<<8 | int(h[2])
	f.Type, f.Flags = FrameType(h[3]), Flags(h[4])
	f.StreamID = (uint32(h[5])<<24 | uint32(h[6])<<16 | uint32(h[7])<<8 | uint32(h[8])) & 0x7fffffff
	f.End = f.Start + headerLen + int64(f.Length)
	name := f.Type.String()
	bad := f.check()
	if w.nFrames == 0 && (f.Type != TypeSettings || f.Flags.Has(FlagAck)) {
		bad = fmt.Sprintf("the first frame is %s, not SETTINGS", name)
	}
	if bad != "" {
		w.loseSync(f.Start, "frame header: %s: not HTTP/2 or sync lost", bad)
		return false
	}
	w.nFrames++
	w.inFrame = true
	w.need = f.Length
	w.payPos = 0
	w.padLen = 0
	w.valN = 0
	w.hdrBlock = false
	w.curIdx = -1

	if w.inBlock && f.Type != TypeContinuation {
		w.decodeProblem(f.Start, "%s inside the header block of stream %d", name, w.blockSID)
	}
	switch f.Type {
	case TypeHeaders, TypePushPromise:
		if f.Type == TypeHeaders {
			w.curIdx = w.stream(f.StreamID)
		}
		w.preLen = 0
		if f.Flags&FlagPadded != 0 {
			w.preLen = 1
		}
		if f.Type == TypeHeaders && f.Flags&FlagPriority != 0 {
			w.preLen += 5
		}
		if f.Type == TypePushPromise {
			w.preLen += 4
		}
		if !w.decoding {
			break
		}
		w.hdrBlock = true
		w.inBlock = true
		w.blockSID = f.StreamID
		w.target = w.curIdx
		w.block = w.block[:0]
		if f.Length < w.preLen {
			w.decodeProblem(f.Start, "%s of length %d is shorter than its fields", name, f.Length)
			break
		}
		if w.preLen == 0 {
			w.fragment()
		}
	case TypeContinuation:
		if !w.decoding {
			break
		}
		if !w.inBlock || f.StreamID != w.blockSID {
			w.decodeProblem(f.Start, "CONTINUATION on stream %d without an open header block", f.StreamID)
			break
		}
		w.hdrBlock = true
		w.preLen = 0
		w.fragStart, w.fragEnd = 0, f.Length
	}
	return true
}

// fragment is called once the fields before a HEADERS or PUSH_PROMISE
// fragment are read (w.pre).
func (w *Walker) fragment() {
	f := &w.cur
	pad := 0
	if f.Flags&FlagPadded != 0 {
		pad = int(w.pre[0])
	}
	w.fragStart, w.fragEnd = w.preLen, f.Length-pad
	if w.fragEnd < w.fragStart {
		w.decodeProblem(f.Start, "%s: padding of %d bytes is longer than the payload", f.Type, pad)
		return
	}
	if f.Type == TypePushPromise {
		p := w.pre[w.preLen-4:]
		id := (uint32(p[0])<<24 | uint32(p[1])<<16 | uint32(p[2])<<8 | uint32(p[3])) & 0x7fffffff
		w.target = w.stream(id)
	}
}

// payload takes payload bytes of the current frame at w.payPos.
func (w *Walker) payload(p []byte) {
	f := &w.cur
	if w.payPos == 0 && f.Type == TypeData && f.Flags&FlagPadded != 0 {
		w.padLen = int(p[0])
	}
	if f.Type == TypeWindowUpdate || f.Type == TypeSettings {
		w.flowValues(p)
	}
	if !w.hdrBlock || !w.decoding {
		return
	}
	pos := w.payPos
	if pos < w.preLen {
		n := copy(w.pre[pos:w.preLen], p)
		p = p[n:]
		pos += n
		if pos < w.preLen {
			return
		}
		w.fragment()
		if !w.decoding {
			return
		}
	}
	lo, hi := max(pos, w.fragStart), min(pos+len(p), w.fragEnd)
	if hi <= lo {
		return
	}
	frag := p[lo-pos : hi-pos]
	for len(frag) > 0 {
		n := min(len(frag), maxBlockBuf-len(w.block))
		w.block = append(w.block, frag[:n]...)
		frag = frag[n:]
		if len(w.block) == maxBlockBuf && !w.flush() {
			return
		}
	}
}

// flowValues reads a WINDOW_UPDATE's increment and a SETTINGS frame's
// initial window size (identifier 4, RFC 9113 section 6.5.2), which may
// come over several Data calls.
func (w *Walker) flowValues(p []byte) {
	f := &w.cur
	for _, b := range p {
		w.val[w.valN] = b
		w.valN++
		switch {
		case f.Type == TypeWindowUpdate && w.valN == 4:
			f.Increment = binary.BigEndian.Uint32(w.val[:4]) & 0x7fffffff
			w.valN = 0
		case f.Type == TypeSettings && w.valN == 6:
			if binary.BigEndian.Uint16(w.val[:2]) == 4 {
				f.InitialWindow, f.SetsWindow = binary.BigEndian.Uint32(w.val[2:6]), true
			}
			w.valN = 0
		}
	}
}

// flush gives the gathered fragment bytes to the decoder.
func (w *Walker) flush() bool {
	if len(w.block) == 0 {
		return true
	}
	_, err := w.dec.Write(w.block)
	w.block = w.block[:0]
	if err != nil {
		w.decodeProblem(w.cur.Start, "HPACK: %v", err)
		return false
	}
	return true
}

// stream returns the index of stream id in w.streams, adding it; -1 when
// over the limit.
func (w *Walker) stream(id uint32) int {
	if i, ok := w.index[id]; ok {
		return i
	}
	// Stream IDs only grow (per initiator, by parity), so a new stream is
	// one above the highest seen: the count needs no set of dropped IDs.
	isNew := id > w.highest[id&1]
	if isNew {
		w.highest[id&1] = id
	}
	if len(w.streams) >= w.streamLimit {
		if isNew {
			w.droppedStreams++
		}
		return -1
	}
	w.streams = append(w.streams, StreamInfo{ID: id})
	w.index[id] = len(w.streams) - 1
	return len(w.streams) - 1
}

// emit receives the decoded fields of the open block.
func (w *Walker) emit(f hpack.HeaderField) {
	if w.target < 0 {
		return
	}
	s := &w.streams[w.target]
	switch f.Name {
	case ":method":
		s.Method = f.Value
	case ":path":
		s.Path = f.Value
	case ":authority":
		s.Authority = f.Value
	case "host":
		if s.Authority == "" {
			s.Authority = f.Value
		}
	case ":status":
		if n, err := strconv.Atoi(f.Value); err == nil && n >= 200 {
			s.Status = n
		}
	case "date":
		if s.Date == "" {
			s.Date = f.Value
		}
	}
}

// finish accounts for w.cur and readies the walker for the next header.
func (w *Walker) finish() {
	f := &w.cur
	switch f.Type {
	case TypeData:
		f.Data = int(w.dataBytes())
		if i := w.stream(f.StreamID); i >= 0 {
			s := &w.streams[i]
			if s.DataFrames == 0 {
				s.FirstData = f.First
			}
			s.DataFrames++
			s.LastData = f.Last
			s.DataBytes += int64(f.Data)
			if f.Flags&FlagEndStream != 0 && !f.Truncated {
				s.EndStream = true
			}
		}
	case TypeHeaders:
		if w.curIdx >= 0 {
			s := &w.streams[w.curIdx]
			if s.Headers == (stream.Range{}) {
				s.Headers = f.Range
			}
			if f.Flags&FlagEndStream != 0 {
				s.EndStream = true
			}
		}
	}
	if w.hdrBlock && w.decoding && f.Flags&FlagEndHeaders != 0 {
		if f.Truncated {
			w.decodeProblem(f.Start, "%s cut by the end of the stream", f.Type)
		} else if w.flush() {
			if err := w.dec.Close(); err != nil {
				w.decodeProblem(f.Start, "HPACK: %v", err)
			}
			w.inBlock = false
			w.target = -1
		}
	}
	if len(w.frames) < w.frameLimit {
		w.frames = append(w.frames, *f)
	} else {
		w.dropped++
	}
	w.inFrame = false
	w.hdrN = 0
	w.need = 0
	w.hdrBlock = false
}

// dataBytes is the data in the current DATA frame, padding excluded, up
// to where the stream delivered it.
func (w *Walker) dataBytes() int64 {
	f := &w.cur
	seen := f.Len() - headerLen
	start, end := int64(0), int64(f.Length)
	if f.Flags&FlagPadded != 0 {
		start = 1
		end -= int64(w.padLen)
		if end < start {
			if !f.Truncated {
				w.problem(f.Start, "DATA: pad length %d does not fit in a %d-byte payload", w.padLen, f.Length)
			}
			return 0
		}
	}
	return max(0, min(seen, end)-start)
}

// Gap implements stream.Consumer. A gap inside a payload truncates that
// frame only (the header gave its length), but inside a header block it
// loses the HPACK state; a gap that reaches into a frame header or the
// preface loses sync and stops the walk.
func (w *Walker) Gap(off, n int64, at stream.Pos) {
	if w.done() || n <= 0 {
		return
	}
	if off < w.off {
		n -= w.off - off
		if n <= 0 {
			return
		}
	} else if off > w.off {
		n += off - w.off
	}
	start := w.off
	w.lastAt = at
	if w.prefN < len(Preface) {
		w.loseSync(0, "gap of %d bytes at %d inside the preface", n, start)
		return
	}
	if w.inFrame {
		w.cur.Truncated = true
		if w.hdrBlock {
			w.decodeProblem(w.cur.Start, "gap of %d bytes at %d inside %s", n, start, w.cur.Type)
			w.hdrBlock = false
		}
		k := min(n, int64(w.need))
		w.need -= int(k)
		w.payPos += int(k)
		w.off += k
		n -= k
		if w.need == 0 {
			w.cur.Last = at
			w.finish()
		}
		if n == 0 {
			return
		}
		start = w.off
	}
	hdrStart := w.off
	if w.hdrN > 0 {
		hdrStart = w.cur.Start
	}
	w.off += n
	w.loseSync(hdrStart, "gap of %d bytes at %d covers a frame header: sync lost", n, start)
}

// End implements stream.Consumer. A frame the stream ends inside is kept,
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
		case w.prefN < len(Preface) && w.prefN > 0:
			w.problem(0, "the stream ends inside the preface")
		case w.inFrame:
			w.cur.Truncated = true
			w.cur.End = w.off
			w.cur.Last = w.lastAt
			w.finish()
		case w.hdrN > 0:
			w.problem(w.cur.Start, "the stream ends inside a frame header (%d of 9 bytes)", w.hdrN)
		}
	}
	w.block = nil
	w.ended = true
}

// Skippable implements stream.Skipper: a DATA frame's payload is only
// counted (but a padded frame's first byte, its pad length); after the
// walk stops nothing is read.
func (w *Walker) Skippable(off int64) int64 {
	switch {
	case w.done():
		return math.MaxInt64
	case w.prefN < len(Preface) || !w.inFrame || w.cur.Type != TypeData:
		return 0
	case w.cur.Flags&FlagPadded != 0 && w.payPos == 0:
		return 0
	}
	return int64(w.need)
}
