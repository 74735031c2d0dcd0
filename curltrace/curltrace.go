// Package curltrace reads the files curl writes with --trace and
// --trace-ascii (optionally with --trace-time and --trace-ids) and turns them
// into events: every "=> Send header", "<= Recv data", "<= Recv SSL data"...
// with its size, time of day, transfer and connection ids and the bytes of
// its dump, every info line with its text and components, and the
// connections the info lines name.
//
// It is the trace half of segscope: it tells what curl saw, in curl's
// order. It knows nothing about packet captures and explains nothing; the
// explain package joins these events to the stream ranges of a capture.
//
// Both dump formats are read: --trace (hex, 16 bytes a line, the bytes are
// recovered exactly) and --trace-ascii (64 characters a line, CR LF pairs
// swallowed, non-printable bytes shown as '.'; the bytes are recovered
// where they can be, see Event.Exact), curl 7.x to 8.21 ("== Info: " or
// "* " info lines). The format is decided per dump, so traces of several
// curl runs concatenated in one file are read too. The plain -v format is
// not: Parse stops at its first "> " or "< " line and says so.
//
// What curl traces is not every byte on the wire: curl 7.88 does not trace
// the empty line that ends an interim (1xx) response, nor the TLS
// close_notify it sends at exit over HTTP/1.1. Callers that count stream
// offsets from event sizes must allow for that.
package curltrace

import (
	"errors"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// Kind is the kind of a trace event.
type Kind uint8

const (
	Info       Kind = iota // "== Info: TEXT" (7.x to 8.16) or "* TEXT" (8.17+)
	SendHeader             // "=> Send header, N bytes (0xH)"
	SendData               // "=> Send data, N bytes (0xH)"
	RecvHeader             // "<= Recv header, N bytes (0xH)"
	RecvData               // "<= Recv data, N bytes (0xH)"
	SendSSL                // "=> Send SSL data, N bytes (0xH)"
	RecvSSL                // "<= Recv SSL data, N bytes (0xH)"
)

var kindNames = [...]string{
	Info:       "Info",
	SendHeader: "Send header",
	SendData:   "Send data",
	RecvHeader: "Recv header",
	RecvData:   "Recv data",
	SendSSL:    "Send SSL data",
	RecvSSL:    "Recv SSL data",
}

// String returns the kind as curl writes it: "Recv data", "Send SSL data",
// "Info".
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// Sent tells whether the kind is an outgoing data event ("=>").
func (k Kind) Sent() bool { return k == SendHeader || k == SendData || k == SendSSL }

// Received tells whether the kind is an incoming data event ("<=").
func (k Kind) Received() bool { return k == RecvHeader || k == RecvData || k == RecvSSL }

// Event is one event of a trace: an info line, or a data event with its
// dump.
type Event struct {
	Kind    Kind
	Line    int           // 1-based line number of the event's header line
	Size    int           // N from the header line (0 for Info)
	HasTime bool          // the line carried a --trace-time timestamp
	Time    time.Duration // time of day since midnight, when HasTime (no date: it wraps at midnight)
	Xfer    int           // transfer id from --trace-ids "[X-C] "; -1 when absent
	Conn    int           // connection id from --trace-ids; -1 when absent or "x"

	// Data holds the event's bytes, nil for Info. With --trace they are
	// exact. With --trace-ascii every byte curl printed as '.' is '.' here
	// (it may have been any byte outside 0x20-0x7F, or a '.'), a swallowed
	// CR LF pair is "\r\n" again. len(Data) < Size only when the trace was
	// cut inside the dump (Parse then returns an error wrapping
	// ErrTruncated).
	Data []byte
	// Exact tells that Data holds exactly the Size bytes as sent or
	// received: always for a complete --trace dump; for --trace-ascii only
	// when the dump has no '.' at all.
	Exact bool

	Text       string   // Info: the text after "== Info: " or "* ", trailing spaces kept, components included
	Components []string // Info: the leading "[COMP] " / "[COMP-n] " tags as written between the brackets; nil when none
	TCPRecv    *TCPRecv // Info: a "[TCP] recv(len=...) -> ..." line (--trace-config tcp, 8.3+)
}

// TCPRecv is one socket read reported by curl's TCP connection filter:
// "[TCP] recv(len=102400) -> 0, 1388" (8.15 and later: result, nread) or
// "[TCP] recv(len=65536) -> 1388, err=0" (8.3 to 8.14: nread, result).
type TCPRecv struct {
	Len    int // the buffer size asked for
	Result int // curl's result code: 0 OK, 81 CURLE_AGAIN (nothing to read yet)
	NRead  int // bytes read; 0 when the read failed (8.3-8.14 print -1 then)
}

// Connection is what the info lines tell about one connection curl used.
type Connection struct {
	// ID is curl's connection number: "#N" from "Connected to ... (#N)"
	// (up to 8.1), else the connection id of the line's --trace-ids
	// prefix, else the connection's index in order of appearance in the
	// file (which equals curl's numbering within one run of curl).
	ID        int
	Host      string
	IP        netip.Addr
	Port      uint16
	LocalIP   netip.Addr // zero when the trace does not say (curl < 8.16)
	LocalPort uint16     // 0 when unknown
	Line      int        // line of the connect info line
	Reused    bool       // also the target of a "Re-using existing connection" / "Reusing existing ... connection" line
}

// Trace is a parsed trace file.
type Trace struct {
	Name      string
	ASCII     bool   // --trace-ascii (false: --trace hex), from the first dump line
	InfoStyle string // "== Info:" (curl up to 8.16) or "*" (8.17+), from the first info line; "" without info lines
	HasTimes  bool   // some event has a --trace-time timestamp
	HasIDs    bool   // some event has --trace-ids ids
	Events    []Event
	Conns     []Connection
	// EventConn[i] is the index into Conns of the connection event i
	// belongs to, -1 when unknown. An event with --trace-ids ids belongs to
	// the connection with its id (the latest one connected at or before
	// it, else the next one: concatenated runs repeat ids); "[X-x]" gives
	// -1. Without ids an event belongs to the most recent connection that
	// was connected or re-used before it; "Connection #N to host H left
	// intact" and "Closing connection" end that (the line itself still
	// belongs to it), so events after them and before the next connect or
	// re-use line get -1.
	EventConn []int
}

// ParseError points at the first line that does not fit.
type ParseError struct {
	Name   string
	Line   int
	Text   string // the line, cut to 80 bytes
	Reason string
	Hint   string // what was expected, or what the file looks like instead; may be empty
}

// Error returns e.g. `out.txt: line 17: not a curl trace line: "..."
// (expected an event header, an info line or a dump line)`.
func (e *ParseError) Error() string {
	var b strings.Builder
	if e.Name != "" {
		b.WriteString(e.Name)
		b.WriteString(": ")
	}
	b.WriteString("line ")
	b.WriteString(strconv.Itoa(e.Line))
	b.WriteString(": ")
	b.WriteString(e.Reason)
	b.WriteString(": ")
	b.WriteString(strconv.Quote(e.Text))
	if e.Hint != "" {
		b.WriteString(" (")
		b.WriteString(e.Hint)
		b.WriteString(")")
	}
	return b.String()
}

// ErrTruncated is wrapped by the error Parse returns when the file ends
// inside a dump (or inside a line): the events before the last one are
// complete, the last one's Data is short.
var ErrTruncated = errors.New("curl trace cut short")
