package explain

import (
	"strings"
	"time"

	"github.com/segscope/segscope/curltrace"

	"github.com/segscope/segscope/analyze"
	"github.com/segscope/segscope/tlsdec"
)

// Source is where a fact comes from.
type Source uint8

const (
	FromCapture Source = iota + 1 // the packets: sequence numbers, sizes, times, what the walkers found
	FromTrace                     // curl's trace: event sizes, logged record headers, [TCP] and [HTTP/2] lines
	FromKeyLog                    // the capture decrypted with the key log
)

func (s Source) String() string {
	switch s {
	case FromCapture:
		return "capture"
	case FromTrace:
		return "trace"
	case FromKeyLog:
		return "key log"
	}
	return "unknown"
}

// MarshalText writes the source's name in JSON.
func (s Source) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Confidence says how far the evidence decides an event's cause.
type Confidence uint8

const (
	Certain    Confidence = iota // the facts decide the cause
	Inferred                     // the cause follows from the facts plus an inference (Explanation.Inference)
	CannotTell                   // the facts do not decide: Explanation.Missing says what would
)

func (c Confidence) String() string {
	switch c {
	case Certain:
		return "certain"
	case Inferred:
		return "inferred"
	case CannotTell:
		return "cannot tell"
	}
	return "unknown"
}

// Name is the confidence as JSON carries it: "certain", "inferred",
// "cannot-tell".
func (c Confidence) Name() string { return strings.ReplaceAll(c.String(), " ", "-") }

// MarshalText writes the confidence's name in JSON.
func (c Confidence) MarshalText() ([]byte, error) { return []byte(c.Name()), nil }

// Inference names the step taken beyond the facts when the confidence is
// Inferred.
type Inference uint8

const (
	NoInference       Inference = iota
	ByFrameHeaders              // record plaintext minus N is a multiple of the 9-byte HTTP/2 frame header
	ByTraceFrames               // frames from the trace's [HTTP/2] FRAME lines, not from the capture
	ByTraceRecords              // the record laid on the stream from the trace's logged record headers
	ByMSSFromSizes              // the effective MSS taken from the segment sizes (no MSS option captured)
	ByReadGaps                  // curl paused: the reads are the buffer apart in time
	BySizeOnly                  // the read equals the buffer size; nothing shows whether more was waiting
	ByOffloadCapture            // the capture point was above TSO/GSO or after GRO
	ByFramePiece                // curl 8 hands a DATA frame over in pieces at TLS record boundaries
	ByUnknownOverhead           // one record per SSL_read; the suite's per-record overhead is not known
	ByShortSegment              // a segment shorter than the MSS is taken as one push of the sender's stack
	ByGuessedMatch              // the capture connection is one of several to the server, taken in order
	ByDistantClocks             // the trace's clock is far from the capture's: maybe another run's connection
	ByPushFlags                 // the PSH flags mark where the server's stack ended a push
	ByWholePush                 // a segment longer than the MSS and not a multiple of it is one push passed whole
	ByRecordSum                 // the reads of one record add up to its plaintext less whole 9-byte frame headers
	ByMSSPiece                  // a super-segment captured above TSO is cut at the MSS on its way: the read is one piece
	ByWholeWindow               // the read is the whole window curl advertised, seen from the server's side
	ByUploadSizes               // curl's upload buffer is the largest send size, which the trace repeats
	ByBufferSum                 // the sends of one buffer add up to curl's upload buffer
	BySendPressure              // the capture shows the connection backed up when the send was short
	ByLastSend                  // the trace logs no later send of the request
	ByCurlDefault               // curl's upload buffer is libcurl's default, which no send exceeds
	ByPartBoundary              // the send ends where a form part ends: curl's form reader returns there
	ByWindowWait                // the send's bytes went out as WINDOW_UPDATEs came: curl's HTTP/2 layer held them, and took what it had room for
	ByInitialWindow             // the stream's DATA up to the send is 65535, HTTP/2's initial window
	ByServerResend              // seen from the server, which sent the bytes twice: the first copy taken as lost on the way
	ByWholeChunks               // a segment of whole chunks is taken as the server's write: the capture does not show writes
	ByPause                     // curl waited with the bytes there, at a buffer size the trace names: --limit-rate at that rate, or its output blocked
	ByNagle                     // short segments that each left as the one before was acknowledged: Nagle held the server's small writes
	ByServerWindow              // seen from the server, the read ends where the window curl's side advertised ended
	ByChunkRest                 // curl 7: the send begins inside a chunk and ends where one ends: the rest of a write of one chunk
	ByChunkCut                  // curl 7: the send ends inside a chunk, which curl 7 writes whole
	ByStrayStop                 // a read of the trace stopped where one read of this capture's stream could not: maybe another run's trace
	BySendPause                 // curl waited before the send with the socket free: it paced itself (--limit-rate)
	ByServerSegments            // seen from the server: its segments left apart; GRO on curl's host may have merged them, and when they arrived is not known
	ByBufferFromReads           // curl's buffer size is taken from the reads (--limit-rate's): no trace line or option names it
	ByHeldMSS                   // most of the sender's segments had this size, below the MSS, and left without PSH: a path MTU it learnt
	ByRecordLeft                // the read stopped inside a TLS record whose plaintext is its length less the suite's overhead (TLS 1.3 padding aside)
	ByWindowRemainder           // the read ended less than a segment before the window's edge, and the server sent more only once the window moved
	ByRecordPadding             // the reads of a TLS 1.3 record stopped short of its length less the overhead, and the next read came from the next record: the rest was padding
)

// inferenceNames is keyed, so that a name cannot slip to its neighbour's
// constant (an unkeyed list once lacked "trace-frames", and every later
// inference was written under the next one's name).
var inferenceNames = [...]string{
	NoInference:       "none",
	ByFrameHeaders:    "frame-headers",
	ByTraceFrames:     "trace-frames",
	ByTraceRecords:    "trace-records",
	ByMSSFromSizes:    "mss-from-sizes",
	ByReadGaps:        "read-gaps",
	BySizeOnly:        "size-only",
	ByOffloadCapture:  "offload-capture",
	ByFramePiece:      "frame-piece",
	ByUnknownOverhead: "unknown-overhead",
	ByShortSegment:    "short-segment",
	ByGuessedMatch:    "guessed-match",
	ByDistantClocks:   "distant-clocks",
	ByPushFlags:       "push-flags",
	ByWholePush:       "whole-push",
	ByRecordSum:       "record-sum",
	ByMSSPiece:        "mss-piece",
	ByWholeWindow:     "whole-window",
	ByUploadSizes:     "upload-sizes",
	ByBufferSum:       "buffer-sum",
	BySendPressure:    "send-pressure",
	ByLastSend:        "last-send",
	ByCurlDefault:     "curl-default",
	ByPartBoundary:    "part-boundary",
	ByWindowWait:      "window-wait",
	ByInitialWindow:   "initial-window",
	ByServerResend:    "server-resend",
	ByWholeChunks:     "whole-chunks",
	ByPause:           "pause",
	ByNagle:           "nagle",
	ByServerWindow:    "server-window",
	ByChunkRest:       "chunk-rest",
	ByChunkCut:        "chunk-cut",
	ByStrayStop:       "stray-stop",
	BySendPause:       "send-pause",
	ByServerSegments:  "server-segments",
	ByBufferFromReads: "buffer-from-reads",
	ByHeldMSS:         "held-mss",
	ByRecordLeft:      "record-left",
	ByWindowRemainder: "window-remainder",
	ByRecordPadding:   "record-padding",
}

func (i Inference) String() string {
	if int(i) < len(inferenceNames) {
		return inferenceNames[i]
	}
	return "unknown"
}

// MarshalText writes the inference's name in JSON.
func (i Inference) MarshalText() ([]byte, error) { return []byte(i.String()), nil }

// Need is something missing from the evidence, and what would supply it.
type Need uint8

const (
	NeedCapture         Need = iota + 1 // no capture was given
	NeedMatchingCapture                 // the capture is of another transfer
	NeedFullSnap                        // the capture was cut by a snap length (tcpdump -s 0)
	NeedPackets                         // packets are missing from the capture
	NeedTraceTime                       // the trace has no --trace-time
	NeedKeyLog                          // TLS not decrypted: the key log (--keylog)
	NeedFrameTrace                      // curl 8.3+ --trace-config http/2 would list the frames
	NeedBelowOffload                    // capture below TSO/GRO (offloads off, or on the receiver)
	NeedRecordHeaders                   // the trace lacks the record headers (curl --trace, not -v)
	NeedTCPTrace                        // curl 8.3+ --trace-config tcp would show each socket read
	NeedWholeCapture                    // the capture ended before the transfer did
	NeedReassembly                      // the reassembly bound cut the stream (--max-buffered)
	NeedSSLTrace                        // curl 8.3+ --trace-config ssl would show each SSL_read
	NeedEarlierCapture                  // the capture started after the transfer: no SYN, no response header
	NeedStreamOrder                     // curl 7 with multiplexed HTTP/2 streams: which stream a read is of
	NeedStrace                          // curl before 8.3 cannot log its socket reads: strace a run of the same condition
	NeedHexTrace                        // --trace-ascii prints a record header's length bytes as dots: --trace (hex) logs them
	NeedRunKeyLog                       // the key log given has no secret for this connection: the key log of this run
	NeedNoTunnel                        // TLS inside a proxy's CONNECT tunnel: a capture without the proxy
	NeedClientCapture                   // captured at the server: how and when its segments reached curl (a resent copy, GRO)
	NeedStraceServer                    // the server's writes: strace its sends (or its own log)
	NeedPriorKnowledge                  // HTTP/2 after an h2c upgrade (101) is not walked: --http2-prior-knowledge
	NeedOriginLeg                       // TLS inside an HTTPS proxy's TLS is not walked: the proxy's leg to the origin
	NeedTransferIDs                     // curl 7's parallel transfers: which connection each event is of
	NeedSupportedSuite                  // the key log was given, but the suite is not one segscope decrypts (CBC)
	NeedConnInCapture                   // the capture has the trace's other connections, not this one (a filter left it out)
	NeedKeyAuth                         // the key log has this connection, but the server's records fail to authenticate with it
	NeedServerSecret                    // the key log has this connection's handshake secrets, not the server's application secret
)

var needNames = [...]string{"", "capture", "matching-capture", "full-snap", "packets", "trace-time", "key-log",
	"frame-trace", "below-offload", "record-headers", "tcp-trace", "whole-capture", "reassembly", "ssl-trace", "earlier-capture", "stream-order",
	"strace", "hex-trace", "run-key-log", "no-tunnel", "client-capture", "server-writes", "prior-knowledge", "origin-leg", "transfer-ids", "supported-suite", "conn-in-capture",
	"key-auth", "server-secret"}

func (n Need) String() string {
	if int(n) < len(needNames) && n > 0 {
		return needNames[n]
	}
	return "unknown"
}

// MarshalText writes the need's name in JSON.
func (n Need) MarshalText() ([]byte, error) { return []byte(n.String()), nil }

// Layer is what the read's bytes travelled in.
type Layer uint8

const (
	LayerHTTP1   Layer = iota // clear HTTP/1.x
	LayerTLS                  // HTTP/1.x (or unknown) inside TLS
	LayerH2C                  // clear HTTP/2
	LayerH2TLS                // HTTP/2 inside TLS
	LayerUnknown              // no capture connection, or a protocol without a walker
)

func (l Layer) String() string {
	return [...]string{"http/1", "tls", "h2c", "h2-tls", "unknown"}[min(int(l), 4)]
}

// MarshalText writes the layer's name in JSON.
func (l Layer) MarshalText() ([]byte, error) { return []byte(l.String()), nil }

// Facts is the evidence about one read. Every fact is nil when not known,
// and carries its source.
type Facts struct {
	Layer    Layer         `json:"layer"`
	Segments *SegmentFact  `json:"segments,omitempty"`
	MSS      *MSSFact      `json:"mss,omitempty"`
	Header   *HeaderFact   `json:"header,omitempty"`
	Body     *BodyFact     `json:"body,omitempty"`
	Chunks   *ChunkFact    `json:"chunks,omitempty"`
	Record   *RecordFact   `json:"record,omitempty"`
	Frames   *FrameFact    `json:"frames,omitempty"`
	Buffer   *BufferFact   `json:"buffer,omitempty"`
	TCPRecv  *TCPRecvFact  `json:"tcp_recv,omitempty"`
	Timing   *TimingFact   `json:"timing,omitempty"`
	Size     *SizeFact     `json:"size,omitempty"`
	Capture  *CaptureFact  `json:"capture,omitempty"`
	Conn     *ConnFact     `json:"conn,omitempty"`
	Window   *WindowFact   `json:"window,omitempty"`
	Recovery *RecoveryFact `json:"recovery,omitempty"`
	Point    *PointFact    `json:"-"` // the connection's, in Match.Point
	Push     *PushFact     `json:"push,omitempty"`
	Nagle    *NagleFact    `json:"nagle,omitempty"`
	// Sends only.
	Upload     *UploadFact     `json:"upload,omitempty"`
	SendBuffer *SendBufferFact `json:"send_buffer,omitempty"`
	Expect     *ExpectFact     `json:"expect,omitempty"`
	H2Flow     *H2FlowFact     `json:"h2_flow,omitempty"`

	n         int  // the event's N, for the rules
	unmatched bool // a capture was given, but not of this connection
	unix      bool // the connection is to a Unix socket: only strace shows its reads
	// othersMatched: the capture has other connections of the trace.
	othersMatched bool
	// sslTraced: the trace has curl's [SSL] read lines (--trace-config
	// ssl): not to be asked for.
	sslTraced bool
	h2Lines   bool // the trace has curl 8.3+'s [HTTP/2] stream lines but no FRAME lines
	// unanchored: the capture has neither the server's SYN nor the
	// response's header, so no stream offset is known to be where the
	// reads start (the capture began mid-transfer).
	unanchored bool
	snapLost   bool // the capture's snap length cut every frame inside its headers
	upgraded   bool // after a 101 (h2c upgrade): the connection no longer carries HTTP/1
	// unattributed: HTTP/2 streams interleaved on the connection and
	// curl 7 does not say which a read is of, nor hands them over in the
	// frames' order: no place on the frames can be given.
	unattributed bool
	// hdrInRecord: HTTP/2 header lines came since the last TLS record
	// header curl logged: the read's record may hold a HEADERS frame.
	hdrInRecord  bool
	eofLater     bool // curl read the connection's end (0 bytes) after this read
	ambiguous    bool // the connection was matched by order among several candidates
	distant      bool // the trace's and the capture's clocks are too far apart for one host
	stray        bool // a read of the connection stopped where one read of its stream could not (ProblemStrayStop)
	curl         curltrace.Version
	ascii        bool // the trace is --trace-ascii
	keyMissing   bool // a key log was given, with no secret for this connection
	capturedPast bool // the capture went on after the read (its last packet came later)
	timed        bool // the read was dated on the capture's clock (capturedPast is known)
	tunnel       bool // TLS inside a proxy's CONNECT tunnel, which is not walked
	nested       bool // TLS inside an HTTPS proxy's TLS (curl -x https://), not walked
	parallel     bool // curl 7's parallel transfers without ids: the read's connection is not known
	// tlsStatus is the decryption's status of the read's TLS connection,
	// and keysGiven whether a key log was given (captureFact sets them).
	tlsStatus tlsdec.Status
	// serverKey is the status of the server's direction, which a key
	// log may fail for alone (a wrong secret, a missing line).
	serverKey tlsdec.Status
	noAppKey  bool
	keysGiven bool
}

// RecoveryFact: the read holds the retransmission of a segment lost
// before the capture point (Packet) and bytes after it that had arrived
// before it (Waited of them, the first Before earlier): the kernel held
// those until the hole was filled.
type RecoveryFact struct {
	Source Source        `json:"source"`
	Packet int           `json:"packet"`
	Waited int           `json:"waited"`
	Before time.Duration `json:"before_ns"`
	// Retransmission: the capture classes Packet a retransmission (of a
	// segment lost before the capture point); else out of order (resent,
	// or reordered on the way).
	Retransmission bool `json:"retransmission"`
}

// PushFact: the read is exactly one push of the server's stack: its
// segments (Segments of them) end with the only PSH flag among them, the
// segment before them ended a push too, and they arrived within Span of
// each other, after curl's previous read (Idle before the first).
type PushFact struct {
	Source   Source        `json:"source"`
	Segments int           `json:"segments"`
	Span     time.Duration `json:"span_ns"`
	Idle     time.Duration `json:"idle_ns"`
}

// NagleFact: the read's one short segment left Delay after curl's side
// acknowledged all the data before it (AckPacket, a pure ACK), and the
// connection's short segments all left that way, never two small ones
// unacknowledged at once: Nagle's algorithm held the server's small
// writes (see nagleIndex).
type NagleFact struct {
	Source    Source        `json:"source"`
	AckPacket int           `json:"ack_packet"`
	Delay     time.Duration `json:"delay_ns"`
}

// WindowFact is the receive window curl's side had advertised when the
// server sent the read's last segment (from the client's last ACK before
// it), when the read ended at the window's edge: the server had sent all
// the window allowed.
type WindowFact struct {
	Source Source `json:"source"`
	Edge   int64  `json:"edge"`   // the window's end on the server's stream
	Window int    `json:"window"` // its size in bytes, scaled
	Packet int    `json:"packet"` // the ACK that advertised it
	// Short: the read ended this many bytes (less than a segment) before
	// the edge, and the server sent no more until an ACK (Reopened, its
	// packet) moved the edge: it left the window's last bytes unsent.
	Short    int `json:"short,omitempty"`
	Reopened int `json:"reopened,omitempty"`
}

// SegmentFact is what the segments that carried the read's bytes show.
type SegmentFact struct {
	Source Source `json:"source"`
	Count  int    `json:"count"`
	// Covered bytes of the read the capture holds; Missing the rest.
	Covered int64 `json:"covered"`
	Missing int64 `json:"missing"`
	// PastEnd: the missing bytes lie past the last byte the capture holds
	// of this direction (it ended too early), not in a hole.
	PastEnd bool `json:"past_end,omitempty"`
	// Full counts segments of exactly the effective MSS; Super those
	// longer than it (merged by TSO/GSO or GRO), Largest the longest.
	Full    int `json:"full"`
	Super   int `json:"super"`
	Largest int `json:"largest"`
	// Exact: the read is exactly these whole segments (it neither starts
	// nor ends inside one). StartsInside: the first segment began before
	// the read (an earlier read or the header took its start).
	// EndsInside: the last segment went on past the read.
	Exact        bool `json:"exact"`
	StartsInside bool `json:"starts_inside"`
	EndsInside   bool `json:"ends_inside"`
	// NextArrived tells that the segment after the read's last byte was
	// captured before the read (known with --trace-time only; see
	// NextKnown).
	NextArrived bool `json:"next_arrived"`
	NextKnown   bool `json:"next_known"`
	// Resent counts, in a capture at the server, the segments whose
	// bytes the server sent more than once (the copy listed is the last):
	// which copy reached curl, and when, is not in the capture.
	Resent int `json:"resent,omitempty"`
	// Piece: the read is one effective-MSS piece of a super-segment,
	// where cutting the segment at the MSS (as the sender's NIC or a
	// router does) puts a boundary on each side of it.
	Piece bool `json:"mss_piece,omitempty"`
}

// MSSFact is the effective MSS of the server's direction.
type MSSFact struct {
	Source      Source      `json:"source"`
	Effective   int         `json:"effective"`
	MSS         int         `json:"mss"`
	From        analyze.Dir `json:"-"`
	FromServer  bool        `json:"mss_from_server"`
	OptionBytes int         `json:"option_bytes"`
	Timestamps  bool        `json:"timestamps"`
	Inferred    bool        `json:"inferred"`
	IPv6        bool        `json:"ipv6"`
	// Largest is the longest data segment this direction sent in the
	// capture, when shorter than Effective (0 otherwise). Held is the size most of its segments had when that is
	// below Effective and most left without PSH (the stack cut them, not
	// the writes): the sender's segments were held below the MSS the
	// SYNs allow, as a path MTU it learnt does (ICMP "fragmentation
	// needed", review 31); HeldSegments of DataSegments had it.
	Largest      int `json:"largest_segment,omitempty"`
	Held         int `json:"held,omitempty"`
	HeldSegments int `json:"held_segments,omitempty"`
	DataSegments int `json:"data_segments,omitempty"`
	// writes: the MSS is inferred from the segment sizes, and most of
	// the sender's segments carried PSH: their sizes are its writes', so
	// the largest says nothing of the MSS.
	writes bool
}

// FromWrites tells that the MSS was inferred from segment sizes that are
// the sender's writes (most carried PSH): it is not known.
func (m *MSSFact) FromWrites() bool { return m != nil && m.writes }

// HeaderFact: the response header curl logged as Recv header right before
// the read, and whether its last bytes shared the read's first segment or
// record.
type HeaderFact struct {
	Source Source `json:"source"`
	Bytes  int    `json:"bytes"`
	// SharedPacket is the packet that carried the header's end and the
	// read's first bytes; 0 when none.
	SharedPacket int   `json:"shared_packet,omitempty"`
	SharedLen    int   `json:"shared_len,omitempty"`
	HeaderInSeg  int64 `json:"header_in_segment,omitempty"`
	// LoggedFor is how long before the read's line curl logged the
	// header's first line (FirstLine), from the trace's times: a read
	// that returned the header too came before that, so the read's
	// line is that much late, or more.
	LoggedFor time.Duration `json:"logged_for_ns,omitempty"`
	FirstLine int           `json:"first_line,omitempty"`
}

// BodyFact places the read in its response body.
type BodyFact struct {
	Source  Source `json:"source"`
	Length  int64  `json:"length"`
	AtEnd   bool   `json:"at_end"`   // the read ends where the body ends
	AtStart bool   `json:"at_start"` // the read starts where the body starts
	// Chunked: Length counts the chunk framing; Data is the body's data.
	Chunked bool  `json:"chunked,omitempty"`
	Data    int64 `json:"data_bytes,omitempty"`
}

// ChunkFact counts the chunks of a chunked body inside the read.
type ChunkFact struct {
	Source  Source `json:"source"`
	Chunks  int    `json:"chunks"`  // chunks touched
	Whole   int    `json:"whole"`   // chunks wholly inside the read
	Data    int    `json:"data"`    // chunk data bytes in the read
	Framing int    `json:"framing"` // size lines and CRLFs in the read
	// Trailers counts the trailer fields after the last chunk in the read
	// (without the empty line that ends them, which is framing).
	Trailers int  `json:"trailers,omitempty"`
	Last     bool `json:"last"`    // the terminating 0 chunk is in the read
	Aligned  bool `json:"aligned"` // the read is exactly whole chunks
}

// RecordFact is the TLS record a read came from.
type RecordFact struct {
	Source Source `json:"source"`
	Index  int    `json:"index"`  // in the server's record walk (or the trace's logged headers)
	Count  int    `json:"count"`  // records the read's bytes span (HTTP/2)
	Length int    `json:"length"` // the header's length field: bytes after the 5-byte header
	// Plain is the record's plaintext (Length - Overhead, or from the
	// decryption); Overhead what the version and suite add per record.
	Plain         int  `json:"plain"`
	Overhead      int  `json:"overhead"`
	OverheadKnown bool `json:"overhead_known"`
	// OverheadGuessed: Overhead and Plain are the one usual overhead (16,
	// 17 or 24) that fits the read, not known from the capture.
	OverheadGuessed bool           `json:"overhead_guessed,omitempty"`
	Version         tlsdec.Version `json:"-"`
	VersionName     string         `json:"version,omitempty"`
	Suite           string         `json:"suite,omitempty"`
	// Before is the plaintext of the record that came before the read
	// (the response header, or an earlier read of the same record).
	Before int `json:"before"`
	// SameAsPrevious: the previous read came from this record too.
	SameAsPrevious bool `json:"same_as_previous"`
	// Reads and ReadBytes: how many reads came from this record, and
	// their bytes together (curl 8 hands HTTP/2 DATA over a frame, or a
	// record's piece of one, at a time: several reads per record).
	Reads     int `json:"reads,omitempty"`
	ReadBytes int `json:"read_bytes,omitempty"`
	Wire      int `json:"wire"` // 5 + Length
	// last: no later read came from this record; followed: a later read
	// of the connection did (from a later record).
	last, followed bool
}

// FrameFact is the HTTP/2 frames a read's bytes came from.
type FrameFact struct {
	Source Source     `json:"source"`
	Frames []FrameRef `json:"frames"`
	// Headers counts the 9-byte frame headers inside the read's extent
	// (between its first and last byte); Padding the padding bytes there;
	// Other the bytes of other frames (HEADERS, WINDOW_UPDATE...) there.
	Headers int `json:"headers"`
	Padding int `json:"padding"`
	Other   int `json:"other"`
	// Extent is the plaintext (or stream) bytes from the read's first
	// byte to its last. Leading tells that the read starts with a frame's
	// first DATA byte: that frame's header came with it.
	Extent  int64 `json:"extent"`
	Leading bool  `json:"leading"`
	// RecordPlain is the plaintext of the TLS records the extent touches
	// (0 for h2c); RecordCut tells that a record boundary cut a frame at
	// the read's start or end.
	// Shape is how the read sits on the frames and records.
	Shape       FrameShape `json:"shape"`
	RecordPlain int        `json:"record_plain,omitempty"`
	RecordCut   bool       `json:"record_cut"`
	// RecordLost: the read's bytes are in TLS records that were not
	// decrypted (lost, or cut by a snap length): which records, where
	// they were and where they ended are not known.
	RecordLost bool `json:"record_lost,omitempty"`
	// What the records held besides DATA payload: frame headers (how
	// many, and their bytes inside the records), padding, other frames.
	RecordHeaders     int `json:"record_headers,omitempty"`
	RecordHeaderBytes int `json:"record_header_bytes,omitempty"`
	RecordPadding     int `json:"record_padding,omitempty"`
	RecordOther       int `json:"record_other,omitempty"`
}

// FrameShape is how a read sits on the DATA frames and the records.
type FrameShape uint8

const (
	ShapeUnknown    FrameShape = iota
	ShapeWhole                 // whole DATA frames (curl 8 hands over one frame at a time)
	ShapeRecordData            // all the DATA of whole TLS records, less their frame headers (curl 7.88: one event per record)
	ShapePiece                 // a piece of one frame, cut where a TLS record ends or starts
	ShapeSocketRead            // h2c, curl 7: the DATA of what one socket read took
	ShapeReadPiece             // h2c, curl 8: a piece of one frame, cut where a socket read ended (curl 8 hands over the DATA each read brings, frame by frame)
)

func (s FrameShape) String() string {
	return [...]string{"unknown", "whole-frames", "record-data", "frame-piece", "socket-read", "read-piece"}[min(int(s), 5)]
}

// MarshalText writes the shape's name in JSON.
func (s FrameShape) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// FrameRef is one DATA frame, and the part of its payload in the read.
type FrameRef struct {
	Index   int    `json:"index"` // among the connection's DATA frames, from 0
	Stream  uint32 `json:"stream"`
	Payload int    `json:"payload"` // data bytes (padding excluded)
	Padding int    `json:"padding"`
	InRead  int    `json:"in_read"`
	// Offset of the read's first byte in this frame's data.
	From int  `json:"from"`
	EOS  bool `json:"eos"`
}

// Whole tells whether the read holds all of the frame's data.
func (f FrameRef) Whole() bool { return f.InRead == f.Payload }

// BufferKind names where curl's receive buffer size comes from.
type BufferKind uint8

const (
	BufferUnknown   BufferKind = iota
	BufferCurlTool             // the curl tool's 102400 (CURLOPT_BUFFERSIZE)
	BufferLibcurl              // libcurl's CURL_MAX_WRITE_SIZE 16384
	BufferLimitRate            // reads of this size stopped inside segments, or came after pauses: --limit-rate sizes the buffer to the rate
	BufferTCPRecv              // as curl's [TCP] recv(len=...) line asked
)

func (b BufferKind) String() string {
	return [...]string{"unknown", "curl-tool", "libcurl", "limit-rate", "tcp-recv"}[min(int(b), 4)]
}

// MarshalText writes the kind's name in JSON.
func (b BufferKind) MarshalText() ([]byte, error) { return []byte(b.String()), nil }

// BufferFact is curl's receive buffer.
type BufferFact struct {
	Source Source     `json:"source"`
	Size   int        `json:"size"`
	Kind   BufferKind `json:"kind"`
	// Filled: N == Size, or N + HeaderBytes == Size. A read that did not
	// fill it has the fact only when it stopped inside a segment.
	Filled bool `json:"filled"`
	// HeaderBytes: the read that filled the buffer also held the response
	// header curl logged as Recv header just before it (N + HeaderBytes ==
	// Size), so the Recv data line shows less than the buffer.
	HeaderBytes int `json:"header_bytes,omitempty"`
	// LimitRate is the --limit-rate curl ran with, from its arguments
	// when segscope ran it (a trace file does not record them).
	LimitRate string `json:"limit_rate,omitempty"`
}

// TCPRecvFact is the [TCP] recv line curl logged for the read (curl 8.3+
// --trace-config tcp).
type TCPRecvFact struct {
	Source Source `json:"source"`
	Len    int    `json:"len"`
	NRead  int    `json:"nread"`
	Line   int    `json:"line"`
}

// TimingFact times the read against the segments, on the capture's clock.
type TimingFact struct {
	Source Source `json:"source"`
	// LastBefore and FirstBefore: how long before the read the last and
	// first of its segments were captured.
	LastBefore  time.Duration `json:"last_before_ns"`
	FirstBefore time.Duration `json:"first_before_ns"`
	// SincePrevious is the time since the connection's previous read; 0
	// for the first.
	SincePrevious time.Duration `json:"since_previous_ns"`
	HasPrevious   bool          `json:"has_previous"`
}

// SizeFact is what the trace says about N itself.
type SizeFact struct {
	Source Source `json:"source"`
	// LowerBound: curl#18755 cut the event, N is at least this.
	LowerBound bool `json:"lower_bound"`
	Inflated   int  `json:"inflated"` // ids prefix taken off N
	// Logged is N as the trace's header line wrote it; Cut tells that
	// curl#18755 cut the logged data at a NUL byte, and N came from
	// curl's own lines (a write line, a frame line, a record header).
	Logged int  `json:"logged"`
	Cut    bool `json:"cut"`
}

// CaptureFact is about the capture as a whole, where it limits the read.
type CaptureFact struct {
	Source Source `json:"source"`
	// SnapCut: records of the connection were cut (by a snap length, or
	// by a gap: BoundHits counts those the reassembly bound forced).
	SnapCut bool `json:"snap_cut"`
	// Snapped: the snap length cut some of the server's segments; when
	// not, the records were cut by packets the capture lost.
	Snapped   bool `json:"snapped"`
	BoundHits int  `json:"bound_hits,omitempty"`
	// TLSStatus is why TLS was not decrypted; TLSVersion/Suite when the
	// ServerHello was seen.
	TLSStatus string `json:"tls_status,omitempty"`
}

// ConnFact is about the read's capture connection.
type ConnFact struct {
	Source Source `json:"source"`
	ALPN   string `json:"alpn,omitempty"`
	ALPNBy Source `json:"alpn_source,omitempty"`
	// Tunnel: the connection is to an HTTP proxy, and TLS went inside
	// its CONNECT tunnel, which is not walked.
	Tunnel bool `json:"tunnel,omitempty"`
}
