package curltrace

import (
	"strconv"
	"strings"
)

// FrameType is an HTTP/2 frame type (RFC 9113, 6), with the numbers of the
// wire (h2.Frame.Type holds the same values).
type FrameType uint8

const (
	FrameData         FrameType = 0
	FrameHeaders      FrameType = 1
	FramePriority     FrameType = 2
	FrameRSTStream    FrameType = 3
	FrameSettings     FrameType = 4
	FramePushPromise  FrameType = 5
	FramePing         FrameType = 6
	FrameGoAway       FrameType = 7
	FrameWindowUpdate FrameType = 8
	FrameContinuation FrameType = 9
)

var frameNames = [...]string{
	FrameData:         "DATA",
	FrameHeaders:      "HEADERS",
	FramePriority:     "PRIORITY",
	FrameRSTStream:    "RST_STREAM",
	FrameSettings:     "SETTINGS",
	FramePushPromise:  "PUSH_PROMISE",
	FramePing:         "PING",
	FrameGoAway:       "GOAWAY",
	FrameWindowUpdate: "WINDOW_UPDATE",
	FrameContinuation: "CONTINUATION",
}

// String returns the name curl and RFC 9113 use ("DATA", "WINDOW_UPDATE"),
// or "FRAME_TYPE_N" for an unknown type.
func (t FrameType) String() string {
	if int(t) < len(frameNames) {
		return frameNames[t]
	}
	return "FRAME_TYPE_" + strconv.Itoa(int(t))
}

// H2Frame is one frame curl's HTTP/2 filter traced (--trace-config http/2,
// curl 8.3+):
//
//	[HTTP/2] [1] <- FRAME[DATA, len=8192, eos=0, padlen=0]
//	[HTTP/2] [1] -> FRAME[HEADERS, len=40, hend=1, eos=1]
//	[HTTP/2] [0] -> FRAME[SETTINGS, len=18]
//	[HTTP/2] [0] <- FRAME[SETTINGS, ack=1]
//	[HTTP/2] [0] <- FRAME[WINDOW_UPDATE, incr=2147418112]
//
// A received frame's line comes after the "Recv data" / "Recv header"
// events of its payload (curl logs the frame when it is complete).
type H2Frame struct {
	In     bool // "<-": received; false for "->", sent
	Stream uint32
	Type   FrameType
	// Len is the frame's payload length (padding included); -1 when the
	// line does not give it (SETTINGS ack, WINDOW_UPDATE, GOAWAY).
	Len        int
	EOS        bool   // END_STREAM ("eos=1": DATA, HEADERS)
	EndHeaders bool   // END_HEADERS ("hend=1": HEADERS, PUSH_PROMISE)
	Ack        bool   // ACK ("ack=1": SETTINGS, PING)
	PadLen     int    // DATA: the padding, pad length byte included ("padlen=N"); 0 when none
	Incr       int    // WINDOW_UPDATE: the window increment
	Flags      int    // "flags=N" (PRIORITY, RST_STREAM, unknown types); -1 when absent
	ErrorCode  uint32 // RST_STREAM, GOAWAY: "error=N"
	LastStream uint32 // GOAWAY: "last_stream=N"
}

// DataLen is the payload of a DATA frame without its padding: the bytes
// curl hands on as body (the sum of the "Recv data" events the frame
// produced). -1 when Len is unknown or the frame is not DATA.
func (f H2Frame) DataLen() int {
	if f.Type != FrameData || f.Len < 0 {
		return -1
	}
	return max(f.Len-f.PadLen, 0)
}

// H2Open is "[HTTP/2] [1] OPENED stream for https://host/path": curl
// opened a stream for a transfer.
type H2Open struct {
	Stream uint32
	URL    string
}

// isH2Tag tells whether a component tag is curl's HTTP/2 filter
// ("HTTP/2", or "HTTP/2-n" with a socket index).
func isH2Tag(tag string) bool {
	return tag == "HTTP/2" || strings.HasPrefix(tag, "HTTP/2-")
}

// parseH2 parses the HTTP/2 filter's frame and stream lines: tags are the
// info line's components (the last one the stream id), msg the rest.
func parseH2(tags []string, msg string) (*H2Frame, *H2Open) {
	if len(tags) < 2 || !isH2Tag(tags[len(tags)-2]) {
		return nil, nil
	}
	sid, k, ok := digits([]byte(tags[len(tags)-1]), 10)
	if !ok || k != len(tags[len(tags)-1]) || sid > 1<<31-1 {
		return nil, nil
	}
	if url, ok := strings.CutPrefix(msg, "OPENED stream for "); ok {
		return nil, &H2Open{Stream: uint32(sid), URL: url}
	}
	f := H2Frame{Stream: uint32(sid), Len: -1, Flags: -1}
	switch {
	case strings.HasPrefix(msg, "<- FRAME["):
		f.In = true
	case strings.HasPrefix(msg, "-> FRAME["):
	default:
		return nil, nil
	}
	body, ok := strings.CutSuffix(msg[len("<- FRAME["):], "]")
	if !ok {
		return nil, nil
	}
	name, rest, _ := strings.Cut(body, ", ")
	if !f.setType(name) {
		return nil, nil
	}
	for rest != "" {
		var kv string
		if strings.HasPrefix(rest, "reason='") {
			// GOAWAY's reason is free text: it ends at "', ".
			j := strings.Index(rest, "', ")
			if j < 0 {
				break
			}
			rest = rest[j+3:]
			continue
		}
		kv, rest, _ = strings.Cut(rest, ", ")
		key, val, ok := strings.Cut(kv, "=")
		if !ok {
			return nil, nil
		}
		n, err := strconv.ParseInt(val, 10, 64)
		if err != nil {
			return nil, nil
		}
		if !f.set(key, n) {
			return nil, nil
		}
	}
	return &f, nil
}

// setType takes the frame name: a known one, or the number curl prints
// for an unknown type.
func (f *H2Frame) setType(name string) bool {
	for t, n := range frameNames {
		if n == name {
			f.Type = FrameType(t)
			return true
		}
	}
	n, k, ok := digits([]byte(name), 3)
	if !ok || k != len(name) || n > 255 {
		return false
	}
	f.Type = FrameType(n)
	return true
}

// set takes one "key=value" of a frame line; unknown keys are skipped.
func (f *H2Frame) set(key string, n int64) bool {
	if n < 0 || n > 1<<32-1 {
		return key == "error" // GOAWAY prints error with %d
	}
	switch key {
	case "len":
		f.Len = int(n)
	case "eos":
		f.EOS = n != 0
	case "hend":
		f.EndHeaders = n != 0
	case "ack":
		f.Ack = n != 0
	case "padlen":
		f.PadLen = int(n)
	case "incr":
		f.Incr = int(n)
	case "flags":
		f.Flags = int(n)
	case "error":
		f.ErrorCode = uint32(n)
	case "last_stream":
		f.LastStream = uint32(n)
	}
	return true
}
