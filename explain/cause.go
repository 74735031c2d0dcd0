package explain

// Cause is why a Recv data event has its size.
type Cause uint8

const (
	CauseUnknown      Cause = iota // the facts do not decide (see the event's Needs)
	CauseFullSegment               // one segment carrying the effective MSS
	CauseShortSegment              // one segment shorter than the MSS: what the sender's stack sent at once
	CauseChunkWrite                // one segment holding whole chunks with their framing: one write of the server
	CauseBacklog                   // bytes of several segments were waiting when curl read
	CauseBufferCap                 // the read filled curl's receive buffer while more was waiting
	CauseRateLimit                 // curl paused reading to hold --limit-rate, then filled its buffer
	CauseBodyEnd                   // the last bytes of the body
	CauseAfterHeaders              // the first read after the response header, which shared its segment
	CauseTLSRecord                 // one TLS record's plaintext (or what is left of it)
	CauseH2Frames                  // HTTP/2 DATA payload: whole frames, or a record's DATA less its frame headers
	CauseSuperSegment              // one segment merged by TSO/GSO or GRO, longer than the MSS
	CauseWindowFull                // the read ended at the receive window's edge: the server had sent all it allowed
	CauseLossRecovery              // bytes after a lost segment waited for its retransmission, then came at once
	CauseSenderPush                // one push of the server's stack, read whole: several segments that came together, or one GSO segment a veth passed whole
	CauseMissing                   // some of the bytes are not in the capture
	CauseUnmatched                 // no capture connection for the event
	CauseTraceOnly                 // no capture given
	// Sends (curl's Send header and Send data events).
	CauseRequestHeader // the request's header block, which curl logs as one event
	CauseUploadBuffer  // curl filled its upload buffer and the socket took all of it
	CausePartialSend   // the socket took fewer bytes than curl offered: its send buffer was full
	CauseBufferRest    // what was left of curl's upload buffer after a partial send
	CauseUploadChunk   // one chunk of a chunked upload: what curl read from its source, with the framing
	CauseH2Window      // HTTP/2 flow control: curl sent what the server's stream or connection window allowed
	CauseFormPart      // a multipart form's part ended: curl's form reader returns at a part's end
	causeCount
)

var causeNames = [...]string{
	CauseUnknown:       "unknown",
	CauseFullSegment:   "full-segment",
	CauseShortSegment:  "short-segment",
	CauseChunkWrite:    "chunk-write",
	CauseBacklog:       "backlog",
	CauseBufferCap:     "buffer-cap",
	CauseRateLimit:     "rate-limit",
	CauseBodyEnd:       "body-end",
	CauseAfterHeaders:  "after-headers",
	CauseTLSRecord:     "tls-record",
	CauseH2Frames:      "h2-frames",
	CauseSuperSegment:  "super-segment",
	CauseWindowFull:    "window-full",
	CauseLossRecovery:  "loss-recovery",
	CauseSenderPush:    "sender-push",
	CauseMissing:       "missing",
	CauseUnmatched:     "unmatched",
	CauseTraceOnly:     "trace-only",
	CauseRequestHeader: "request-header",
	CauseUploadBuffer:  "upload-buffer",
	CausePartialSend:   "partial-send",
	CauseBufferRest:    "buffer-rest",
	CauseUploadChunk:   "upload-chunk",
	CauseH2Window:      "h2-window",
	CauseFormPart:      "form-part",
}

// String returns the cause's name, as the JSON carries it: "full-segment".
func (c Cause) String() string {
	if c < causeCount {
		return causeNames[c]
	}
	return "unknown"
}

// MarshalText writes the cause's name in JSON.
func (c Cause) MarshalText() ([]byte, error) { return []byte(c.String()), nil }

// Causes lists every cause, in the order of the constants.
func Causes() []Cause {
	out := make([]Cause, 0, causeCount)
	for c := Cause(0); c < causeCount; c++ {
		out = append(out, c)
	}
	return out
}

// Note is something about a read that does not decide its size but that
// its reader should know.
type Note uint8

const (
	NoteSuperSegments  Note = iota + 1 // the capture holds super-segments (taken above TSO/GSO or after GRO)
	NoteNoTime                         // the trace has no times: only order and sizes were used
	NoteSizeLowerBound                 // curl#18755 cut the event: N is a lower bound
	NoteChunkFraming                   // N counts chunk framing (size lines and CRLFs)
	NoteIDsInData                      // curl#18755 wrote its ids inside the event: the header line's N was larger
	NoteCutAtNUL                       // curl#18755 cut the event's data at a NUL; curl's own lines give N
	NoteUnplaced                       // a send's bytes could not be placed on the capture's stream
)

func (n Note) String() string {
	return [...]string{"", "super-segments", "no-time", "size-lower-bound", "chunk-framing", "ids-in-data", "cut-at-nul", "unplaced"}[min(int(n), 7)]
}

// MarshalText writes the note's name in JSON.
func (n Note) MarshalText() ([]byte, error) { return []byte(n.String()), nil }
