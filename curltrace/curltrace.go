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
// Info lines of curl's connection filters (--trace-config, 8.3+) become
// typed values where segscope needs them: socket reads ("[TCP] recv",
// Event.TCPRecv), TLS filter reads ("[SSL] ...", Event.SSLRecv), HTTP/2
// frames and streams ("[HTTP/2] [1] <- FRAME[DATA, len=8192, ...]",
// Event.H2Frame, Event.H2Open), and the ALPN lines of each connection
// (Connection.ALPN). A "Send/Recv SSL data" event holding a TLS record
// header carries it decoded (Event.TLSHeader).
//
// curl 8.13 to 8.16 with --trace-config all write the library's ids inside
// the data of every event under 2048 bytes and cut that data at its first
// NUL (curl issue 18755). Parse detects it (Trace.IDsInData), takes the
// ids off again (Event.Inflated), and says which events were or may have
// been cut (Event.Cut, Event.SizeLowerBound), recovering the true size
// where the trace tells it: a TLS record header is 5 bytes, an HTTP/2 DATA
// frame line gives the payload of the Recv data events before it.
//
// What curl traces is not every byte on the wire: curl 7.88 does not trace
// the empty line that ends an interim (1xx) response, nor the TLS
// close_notify it sends at exit over HTTP/1.1. Callers that count stream
// offsets from event sizes must allow for that.
package curltrace

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/segscope/segscope/tlsrec"
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
	Size    int           // the event's size: N from the header line (0 for Info), less Inflated; see Cut and SizeLowerBound for curl#18755
	HasTime bool          // the line carried a --trace-time timestamp
	Time    time.Duration // time of day since midnight, when HasTime (no date: it wraps at midnight)
	Xfer    int           // transfer id from --trace-ids "[X-C] "; -1 when absent
	Conn    int           // connection id from --trace-ids; -1 when absent or "x"

	// Data holds the event's bytes, nil for Info. With --trace they are
	// exact. With --trace-ascii every byte curl printed as '.' is '.' here
	// (it may have been any byte outside 0x20-0x7E, or a '.'), a swallowed
	// CR LF pair is "\r\n" again. len(Data) < Size only when the trace was
	// cut inside the dump (Parse then returns an error wrapping
	// ErrTruncated) or when curl#18755 cut the data (Cut).
	Data []byte
	// Exact tells that Data holds exactly the Size bytes as sent or
	// received: always for a complete --trace dump; for --trace-ascii only
	// when the dump has no '.' at all.
	Exact bool

	Text       string   // Info: the text after "== Info: " or "* ", trailing spaces kept, components included (without a curl#18755 ids prefix, see Inflated)
	Components []string // Info: the leading "[COMP] " / "[COMP-n] " tags as written between the brackets; nil when none
	TCPRecv    *TCPRecv // Info: a "[TCP] recv(len=...) -> ..." line (--trace-config tcp, 8.3+)

	// At is the --trace-time time of day, NoTime without one (the same
	// as HasTime and Time, as one value).
	At TimeOfDay

	SSLRecv *SSLRecv // Info: an "[SSL] NAME(len=...) -> ..." read line (--trace-config ssl, 8.3+)
	H2Frame *H2Frame // Info: an "[HTTP/2] [S] <- FRAME[...]" or "-> FRAME[...]" line (--trace-config http/2, 8.3+)
	H2Open  *H2Open  // Info: an "[HTTP/2] [S] OPENED stream for URL" line (8.3+)
	// BodyWrite is the length of an "[WRITE] client_write(type=1, len=N)"
	// line (--trace-config write, 8.3+): the body bytes of the Recv data
	// event before it, as curl handed them on; 0 on other lines.
	BodyWrite int
	// TLSHeader is set on a "Send SSL data"/"Recv SSL data" event that
	// holds a TLS record header (5 bytes; with Cut, what survived of it).
	TLSHeader *TLSHeader

	// HeaderSize is N as the header line wrote it (0 for Info). It equals
	// Size except in a trace with curl#18755 (Trace.IDsInData).
	HeaderSize int
	// Inflated is the length of the "[X-C] " ids prefix curl 8.13-8.16
	// wrote inside this event's data or info text (curl#18755); it is
	// taken off Data and Text, and Size does not count it. 0 when none.
	Inflated int
	// Cut tells whether curl#18755 cut Data at a NUL byte: NotCut (also
	// every event of a trace without the bug), MaybeCut or CutAtNUL.
	// Unless NotCut, Exact is false and Data is a prefix of what curl
	// sent or received.
	Cut Cut
	// SizeLowerBound tells that Size is not the event's true size but a
	// lower bound: the data was (or may have been) cut and nothing in the
	// trace tells how long it was. Never set outside curl#18755 events.
	SizeLowerBound bool
}

// Cut says whether curl#18755 (curl 8.13 to 8.16 with --trace-config all)
// cut an event's data at its first NUL byte.
type Cut uint8

const (
	// NotCut: Data is complete (or the trace does not have the bug).
	NotCut Cut = iota
	// MaybeCut: the event was under curl's 2048-byte limit and its bytes
	// could have held a NUL; nothing in the trace tells whether they did.
	// Size is a lower bound (SizeLowerBound).
	MaybeCut
	// CutAtNUL: Data was cut; the byte after it was a NUL. Size is the
	// true size where the trace tells it (a TLS record header is 5 bytes,
	// an HTTP/2 DATA frame line gives the payload), else a lower bound.
	CutAtNUL
)

func (c Cut) String() string {
	switch c {
	case NotCut:
		return "not cut"
	case MaybeCut:
		return "maybe cut"
	case CutAtNUL:
		return "cut at NUL"
	}
	return "Cut(" + strconv.Itoa(int(c)) + ")"
}

// TimeOfDay is a --trace-time timestamp: the time of day since midnight
// (no date; it wraps at midnight). NoTime marks an event without one, so
// that no zero value passes for midnight.
type TimeOfDay time.Duration

// NoTime is the TimeOfDay of an event without a --trace-time timestamp.
const NoTime TimeOfDay = -1

// Valid tells whether t is a timestamp (not NoTime).
func (t TimeOfDay) Valid() bool { return t >= 0 }

// Duration returns the time since midnight and whether there is one.
func (t TimeOfDay) Duration() (time.Duration, bool) {
	if t < 0 {
		return 0, false
	}
	return time.Duration(t), true
}

// String formats t as curl does ("19:07:41.431139"), or "no time".
func (t TimeOfDay) String() string {
	if t < 0 {
		return "no time"
	}
	d := time.Duration(t)
	us := d / time.Microsecond
	return fmt.Sprintf("%02d:%02d:%02d.%06d", us/3600e6, us/60e6%60, us/1e6%60, us%1e6)
}

// TLSHeader is what a TLS record header in a "Recv SSL data" / "Send SSL
// data" event says (curl logs each record's 5-byte header as an event of
// its own). Under curl#18755 the header may be cut at its first NUL byte:
// then only what survived is set, and what the NUL implies (the byte
// after the cut is 0).
type TLSHeader struct {
	Type    tlsrec.ContentType
	Version uint16 // 0x0303 for TLS 1.2 and 1.3, 0x0301 in a ClientHello
	// Length is the record's length (payload, without the 5-byte header)
	// when LengthKnown; else it is unknown but at most LengthMax.
	Length      int
	LengthKnown bool
	LengthMax   int
	// Type and Version are unknown in a --trace-ascii header (ASCII),
	// which prints the three bytes as dots; the length bytes it printed
	// are known: LengthMask has the bits of Length that are (0xff00, 0x00ff,
	// or 0 when both length bytes were dots).
	ASCII      bool
	LengthMask uint16
	// HighDot: --trace-ascii printed the length's high byte as a dot: it
	// is below 0x20, or 0x2e ('.').
	HighDot bool
}

// Fits tells whether a record of length n can be the one this header
// announced.
func (h TLSHeader) Fits(n int) bool {
	switch {
	case h.LengthKnown:
		return n == h.Length
	case n < 0 || (h.LengthMax > 0 && n > h.LengthMax):
		return false
	case h.HighDot && n>>8 >= 0x20 && n>>8 != 0x2e:
		return false
	}
	return uint16(n)&h.LengthMask == uint16(h.Length)&h.LengthMask
}

// SSLRecv is a read line of curl's SSL connection filter
// (--trace-config ssl): "[SSL] ossl_recv(len=16384) -> 0, 16384" (8.15+:
// result, nread), "[SSL] cf_recv(len=16384) -> 177, 0" and
// "[SSL] ossl_bio_cf_in_read(len=5) -> 5, err=0" (8.3-8.14: nread, err).
type SSLRecv struct {
	Func   string // "cf_recv", "ossl_recv", "ossl_bio_cf_in_read"...
	Len    int    // the buffer size asked for
	Result int    // curl's result code: 0 OK, 81 CURLE_AGAIN
	NRead  int    // bytes read; 0 when the read failed
	// InPending is the "(in_pending=N)" curl 8.15+ appends; -1 when absent.
	InPending int
}

// Again tells whether the read found nothing to read yet (CURLE_AGAIN).
func (r SSLRecv) Again() bool { return r.Result == curleAgain }

// TCPRecv is one socket read reported by curl's TCP connection filter:
// "[TCP] recv(len=102400) -> 0, 1388" (8.15 and later: result, nread) or
// "[TCP] recv(len=65536) -> 1388, err=0" (8.3 to 8.14: nread, result).
type TCPRecv struct {
	Len    int // the buffer size asked for
	Result int // curl's result code: 0 OK, 81 CURLE_AGAIN (nothing to read yet)
	NRead  int // bytes read; 0 when the read failed (8.3-8.14 print -1 then)
}

// Again tells whether the read found nothing to read (CURLE_AGAIN, 81:
// "-> 81, 0" on 8.15+, "-> -1, err=81" on 8.3-8.14).
func (r TCPRecv) Again() bool { return r.Result == curleAgain }

// curleAgain is CURLE_AGAIN, the result of a read that found nothing.
const curleAgain = 81

// Connection is what the info lines tell about one connection curl used.
type Connection struct {
	// ID is curl's connection number: "#N" from "Connected to ... (#N)"
	// (up to 8.1), else the connection id of the line's --trace-ids
	// prefix, else the connection's index in order of appearance in the
	// file (which equals curl's numbering within one run of curl).
	ID   int
	Host string
	IP   netip.Addr
	Port uint16
	// Unix is the socket's path where curl connected to a Unix socket
	// (--unix-socket, --abstract-unix-socket: "Connected to H (/path)
	// port P"); IP is then zero. No TCP carries such a connection.
	Unix      string
	LocalIP   netip.Addr // zero when the trace does not say (curl < 8.16)
	LocalPort uint16     // 0 when unknown
	Line      int        // line of the connect info line
	Reused    bool       // also the target of a "Re-using existing connection" / "Reusing existing ... connection" line
	// ALPN is what the "ALPN: ..." info lines of this connection's TLS
	// handshake said; zero for a connection without TLS or without them.
	ALPN ALPN
}

// ALPN is what curl's "ALPN: ..." info lines say about one connection.
// With --trace-ids they belong to the connection with their id; without,
// to the connection being set up: the one whose "Trying" line (or
// connect line) came last before them (curl 7.x prints them after the
// connect line, 8.x before it).
type ALPN struct {
	// Offered is the list of "ALPN: offers h2,http/1.1" (7.x) or
	// "ALPN: curl offers h2,http/1.1" (8.x) as curl wrote it ("h2,http/1.1"),
	// so that ALPN and Connection stay comparable; "" when not seen. See
	// OfferedList.
	Offered string
	// Accepted is the protocol of "ALPN: server accepted h2"; "" when
	// not seen.
	Accepted string
	// Refused is set by "ALPN: server did not agree on a protocol" (the
	// connection then speaks HTTP/1.1).
	Refused bool
	Line    int // line of the accepted (or refused) line; 0 when none
}

// OfferedList splits Offered: ["h2", "http/1.1"]; nil when none.
func (a ALPN) OfferedList() []string {
	if a.Offered == "" {
		return nil
	}
	return strings.Split(a.Offered, ",")
}

// H2 tells whether the server accepted h2 by ALPN on this connection.
func (a ALPN) H2() bool { return a.Accepted == "h2" }

// Trace is a parsed trace file.
type Trace struct {
	Name      string
	ASCII     bool   // --trace-ascii (false: --trace hex), from the first dump line
	InfoStyle string // "== Info:" (curl up to 8.16) or "*" (8.17+), from the first info line; "" without info lines
	HasTimes  bool   // some event has a --trace-time timestamp
	HasIDs    bool   // some event has --trace-ids ids
	// Curl is the curl version of the trace's User-Agent (zero when the
	// trace does not show it): how curl hands data over differs between
	// 7.x and 8.x.
	Curl Version
	// Args are curl's command-line arguments when whoever made the trace
	// ran curl and says so (segscope curl): a trace file does not hold
	// them, and Parse leaves Args nil.
	Args   []string
	Events []Event
	Conns  []Connection
	// IDsInData tells that the trace shows curl#18755 (curl 8.13 to 8.16
	// with --trace-config all): the library wrote "[X-C] " ids inside the
	// data of events under 2048 bytes and cut that data at its first NUL.
	// Parse takes the ids off (Event.Inflated) and marks what may be cut
	// (Event.Cut). IDsInDataLine is the first line that shows it (0 when
	// not IDsInData).
	IDsInData     bool
	IDsInDataLine int
	// EventConn[i] is the index into Conns of the connection event i
	// belongs to, -1 when unknown. An event with --trace-ids ids belongs to
	// the connection with its id (the latest one connected at or before
	// it, else the next one: concatenated runs repeat ids); "[X-x]" gives
	// -1. Without ids an event belongs to the most recent connection that
	// was connected or re-used before it; "Connection #N to host H left
	// intact" and "Closing connection" end that (the line itself still
	// belongs to it), so events after them and before the next connect or
	// re-use line get -1. A "Trying" line starts a new connection: the
	// events after it, up to the next connect line, belong to the
	// connection that line names (curl 8.x traces the TLS handshake before
	// "Connected to"), or to none if it never comes; the "Trying" line
	// itself gets -1.
	EventConn []int
	// Skipped lists the stretches of lines after the first event that are
	// not curl's (curl --trace - without -o writes the body into the same
	// stream, between the events): Parse goes on at the next event header,
	// also one that follows such text on its line.
	Skipped []LineSpan
}

// LineSpan is the lines First to Last of a file, both included.
type LineSpan struct{ First, Last int }

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

// ErrEmpty is wrapped by the error Parse returns for a file with no line
// at all.
var ErrEmpty = errors.New("empty file: not a curl trace (curl --trace FILE writes one)")

// ErrTruncated is wrapped by the error Parse returns when the file ends
// inside a dump (or inside a line): the events before the last one are
// complete, the last one's Data is short.
var ErrTruncated = errors.New("curl trace cut short")
