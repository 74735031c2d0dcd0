package curltrace

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"time"
	"unicode/utf8"
)

// maxLine bounds one line (its newline excluded); a longer one is a
// ParseError. curl's own lines are at most a few hundred bytes.
const maxLine = 1 << 20

// maxSize bounds an event's N; larger is a ParseError (no curl read or
// write comes near it, and it keeps the arithmetic far from overflow):
// 2^50, or 2^30 where int has 32 bits (so segscope builds for them).
const maxSize = 1<<50*(strconv.IntSize/64) + 1<<30*(1-strconv.IntSize/64)

const (
	hintLine = "expected an event header, an info line or a dump line"
	hintV    = "this looks like curl -v output (or its progress meter); use --trace FILE or --trace-ascii FILE"
	// hintBinary: the body went into the same file or pipe as the trace.
	hintBinary = "binary bytes among the trace's lines: a response body written into the same file (curl --trace - or -o with the trace's name)? Write the trace to a file of its own: curl --trace FILE -o BODY"
	// hintCapture: the trace and capture arguments swapped, most likely.
	hintCapture = "this is a capture file (pcap, pcapng or gzip), not a trace: the trace is what curl --trace FILE wrote"
)

var errLong = errors.New("line too long")

// lineReader hands out lines without their "\n" (and without a "\r"
// before it) and counts them.
type lineReader struct {
	br   *bufio.Reader
	buf  []byte
	n    int
	head []byte // the start of an overlong line, for the error
	// more: the last line was overlong and the next call returns more of
	// it, under the same number.
	more bool
	cr   bool // the line returned ended with a "\r" that was taken off
}

// next returns the next line and whether it ended with "\n". The line is
// valid until the next call. io.EOF when nothing is left, errLong when
// the line is over maxLine (the rest of it is not read: the next call
// returns it, or its next maxLine bytes, as a line of the same number).
func (lr *lineReader) next() ([]byte, bool, error) {
	lr.buf = lr.buf[:0]
	lr.cr = false
	cont := lr.more
	lr.more = false
	count := func() {
		if !cont {
			lr.n++
		}
	}
	for {
		frag, err := lr.br.ReadSlice('\n')
		if len(lr.buf)+len(frag) > maxLine+1 {
			count()
			lr.more = err != nil // the fragment did not end the line
			lr.head = append(lr.head[:0], lr.buf[:min(len(lr.buf), 80)]...)
			lr.head = append(lr.head, frag[:min(len(frag), 80-len(lr.head))]...)
			return nil, false, errLong
		}
		switch {
		case err == nil:
			var line []byte
			if len(lr.buf) == 0 {
				line = frag
			} else {
				lr.buf = append(lr.buf, frag...)
				line = lr.buf
			}
			count()
			line = line[:len(line)-1]
			if len(line) > 0 && line[len(line)-1] == '\r' {
				line, lr.cr = line[:len(line)-1], true
			}
			return line, true, nil
		case err == bufio.ErrBufferFull:
			lr.buf = append(lr.buf, frag...)
		case err == io.EOF:
			lr.buf = append(lr.buf, frag...)
			if len(lr.buf) == 0 {
				return nil, false, io.EOF
			}
			count()
			line := lr.buf
			if line[len(line)-1] == '\r' {
				line, lr.cr = line[:len(line)-1], true
			}
			return line, false, nil
		default:
			return nil, false, err
		}
	}
}

// parser holds the state of one Parse.
type parser struct {
	gzip bool // the trace is read through gzip
	t    *Trace

	// The event whose dump is open, -1 when none.
	ev      int
	hex     bool // its dump is hex (decided by its first dump line)
	lines   int  // dump lines read for it
	dots    bool // an ascii dump line had a '.'
	modeSet bool // t.ASCII was decided
	wasHex  bool // the dumps before the open one were hex

	conns connState

	blank int // line number of a blank line not yet known to be trailing; 0 when none

	oldOrder bool // a filter line had curl 8.3-8.14's "-> nread, err=E"

	// written: an event curl hands to the output (Recv header or data)
	// came; only after one can other text be between the events.
	written bool
	term    bool // the line being read ended with a newline
	// body is what curl wrote to the trace's stream after the last Recv
	// event, still to come: that event's bytes (Trace.Skipped). bodyDots:
	// a '.' in it stands for any byte (--trace-ascii). full is scratch.
	body     []byte
	bodyDots bool
	full     []byte
}

// Parse reads a whole trace. On a line that does not fit it returns a
// *ParseError and the events parsed before it. A trace cut mid-dump
// returns the Trace with the last event's Data short and an error wrapping
// ErrTruncated that names the file and line. The Trace is never nil, so
// callers can report what was read; its EventConn always has one entry per
// event. A gzip-compressed trace is read through gzip.
func Parse(r io.Reader, name string) (*Trace, error) {
	t := &Trace{Name: name}
	p := &parser{t: t, ev: -1}
	p.conns.cur, p.conns.pend, p.conns.idle = -1, -1, -1
	br := bufio.NewReaderSize(r, 64<<10)
	if head, _ := br.Peek(2); len(head) == 2 && head[0] == 0x1f && head[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return t, fmt.Errorf("%s: gzip: %w", name, err)
		}
		br = bufio.NewReaderSize(zr, 64<<10)
		p.gzip = true
	}
	if head, _ := br.Peek(16); len(head) >= 4 && looksCapture(head) {
		// A pcapng's first byte is a newline: it read as a blank line
		// (review 36).
		if i := bytes.IndexByte(head, '\n'); i >= 0 {
			head = head[:i]
		}
		return t, &ParseError{Name: name, Line: 1, Text: string(head), Reason: "not a curl trace line", Hint: hintCapture}
	}
	lr := &lineReader{br: br}
	err := p.run(lr)
	p.finish()
	return t, err
}

func (p *parser) run(lr *lineReader) error {
	name := p.t.Name
	for {
		line, term, err := lr.next()
		if err == io.EOF {
			if lr.n == 0 {
				return fmt.Errorf("%s: %w", name, ErrEmpty)
			}
			break
		}
		if err == errLong {
			p.body = nil // its bytes are not read: the body cannot be followed
			if p.skippable(nil) {
				p.skip(lr.n)
				continue
			}
			return &ParseError{Name: name, Line: lr.n, Text: string(lr.head), Reason: "line longer than 1 MB"}
		}
		if errors.Is(err, io.ErrUnexpectedEOF) && p.gzip {
			// A gzip stream cut short (review 32: "unexpected EOF").
			return fmt.Errorf("%s: line %d: the gzip stream ends early: %w", name, lr.n+1, ErrTruncated)
		}
		if err != nil {
			return fmt.Errorf("%s: reading line %d: %w", name, lr.n+1, err)
		}
		if lr.n == 1 {
			line = bytes.TrimPrefix(line, []byte("\xef\xbb\xbf"))
		}
		if p.ev >= 0 && !p.inDump(line) && p.closeDump() {
			p.expectBody(p.t.Events[len(p.t.Events)-1])
		}
		if p.body != nil {
			rest, ate := p.eatBody(lr.n, line, lr.cr, term)
			if ate && rest == nil {
				continue
			}
			if ate {
				line = rest // the next event's header, after the body's last bytes
			}
		}
		if len(line) == 0 {
			// Blank lines are not curl's; allow them only at the end.
			if p.blank == 0 {
				p.blank = lr.n
			}
			continue
		}
		if p.blank != 0 {
			if !p.skippable(nil) {
				return &ParseError{Name: name, Line: p.blank, Text: "", Reason: "blank line in a curl trace", Hint: hintLine}
			}
			for b := p.blank; b < lr.n; b++ {
				p.skip(b)
			}
			p.blank = 0
		}
		if !term && p.cutFirstHexLine(line) {
			return p.truncated(lr.n, "inside it, before its newline")
		}
		p.term = term
		if err := p.line(lr.n, line); err != nil {
			if !term && len(p.t.Events) > 0 {
				// The last line, without its newline: the file was cut
				// inside it.
				if p.ev >= 0 {
					p.partialDump(line)
				}
				return p.truncated(lr.n, "inside it, before its newline")
			}
			if p.ev >= 0 {
				// The event whose dump the bad line is in: its size and
				// bytes disagree, so it is not kept (review 24: a header's
				// 4294967296 bytes over a 2776-byte dump were explained as
				// bytes the capture missed). The error names it.
				p.dropOpen()
			}
			return err
		}
	}
	if p.ev >= 0 {
		if !p.closeDump() {
			return p.truncated(lr.n, "inside a dump")
		}
	}
	return nil
}

// truncated is the error for a file that ends early.
func (p *parser) truncated(line int, where string) error {
	msg := fmt.Sprintf("%s: line %d: %v: the file ends %s", p.t.Name, line, ErrTruncated, where)
	if p.ev >= 0 {
		e := &p.t.Events[p.ev]
		msg += fmt.Sprintf(" (%s at line %d has %d of %d bytes)", e.Kind, e.Line, len(e.Data), e.Size)
	}
	return &truncError{msg: msg}
}

type truncError struct{ msg string }

func (e *truncError) Error() string { return e.msg }
func (e *truncError) Unwrap() error { return ErrTruncated }

func (p *parser) errAt(line int, text []byte, reason, hint string) *ParseError {
	if len(text) > 80 {
		text = text[:80]
	}
	return &ParseError{Name: p.t.Name, Line: line, Text: string(text), Reason: reason, Hint: hint}
}

// line handles one non-blank line.
func (p *parser) line(n int, line []byte) error {
	if p.ev >= 0 {
		e := &p.t.Events[p.ev]
		if off, rest, ok := dumpPrefix(line); ok && off < int64(e.Size) {
			return p.dumpLine(n, line, int(off), rest)
		}
		if !p.closeDump() {
			return p.errAt(n, line, fmt.Sprintf("the dump of %s at line %d ends after %d of its %d bytes", e.Kind, e.Line, len(e.Data), e.Size), "")
		}
	}
	h, ok := parseHead(line)
	if !ok {
		if !p.skippable(line) {
			return p.badLine(n, line)
		}
		p.skip(n)
		// curl writes the body to the same stream without a newline at
		// its end: the next event's header follows it on the line.
		if h, ok = headInside(line); !ok {
			return nil
		}
	}
	if h.kind != Info && h.size != h.hex {
		return p.errAt(n, line, fmt.Sprintf("size %d does not match 0x%x", h.size, h.hex), "")
	}
	t := p.t
	ev := Event{Kind: h.kind, Line: n, Size: int(h.size), HeaderSize: int(h.size), HasTime: h.hasTime, Time: h.time, At: NoTime, Xfer: h.xfer, Conn: h.conn}
	if h.hasTime {
		t.HasTimes = true
		ev.At = TimeOfDay(h.time)
	}
	if h.xfer >= 0 {
		t.HasIDs = true
	}
	if h.kind == Info {
		if t.InfoStyle == "" {
			t.InfoStyle = h.style
		}
		ev.Text = string(h.text)
		parseInfo(&ev, p.oldOrder)
		if !p.oldOrder && ev.Components != nil && bytes.Contains(h.text, []byte(") -> ")) && bytes.Contains(h.text, []byte(", err=")) {
			// curl 8.3-8.14: "(len=L) -> nread, err=E"; SSL reads
			// without "err=" use the same order.
			p.oldOrder = true
		}
	}
	t.Events = append(t.Events, ev)
	t.EventConn = append(t.EventConn, p.conns.event(t, len(t.Events)-1))
	p.written = p.written || h.kind == RecvHeader || h.kind == RecvData
	if h.kind != Info && h.size > 0 {
		p.ev = len(t.Events) - 1
		p.lines = 0
		p.dots = false
		t.Events[p.ev].Data = make([]byte, 0, min(h.size, 64<<10))
	} else if h.kind != Info {
		t.Events[len(t.Events)-1].Exact = true
	}
	return nil
}

// inDump tells whether line goes on the open event's dump.
func (p *parser) inDump(line []byte) bool {
	off, _, ok := dumpPrefix(line)
	return ok && off < int64(p.t.Events[p.ev].Size)
}

// expectBody follows a Recv event whose dump just closed: curl --trace -
// without -o writes its bytes (the body, or with -i the header) into the
// same stream right after it, so the next bytes, if they are these, are
// skipped whole, whatever they look like (review 28: a body holding
// trace-like lines had them parsed as events: a request head, a read, a
// connection). Only where the trace already showed such text, or the
// event is 16 bytes or more, which no event's header line begins with by
// chance.
func (p *parser) expectBody(e Event) {
	p.body = nil
	if (e.Kind != RecvData && e.Kind != RecvHeader) || len(e.Data) != e.Size || e.Size == 0 {
		return
	}
	if e.Size >= 16 || len(p.t.Skipped) > 0 {
		p.body, p.bodyDots = e.Data, p.t.ASCII && !e.Exact
	}
}

// eatBody takes line (its "\r" and "\n" as they were) as the next bytes
// of the expected body when they are: it returns true, and what of the
// line comes after the body's end (nil when nothing: the line was body
// bytes only). On bytes that differ it stops expecting the body.
func (p *parser) eatBody(n int, line []byte, cr, term bool) ([]byte, bool) {
	full := append(p.full[:0], line...)
	if cr {
		full = append(full, '\r')
	}
	if term {
		full = append(full, '\n')
	}
	p.full = full
	k := min(len(full), len(p.body))
	for i := 0; i < k; i++ {
		if full[i] != p.body[i] && !(p.bodyDots && p.body[i] == '.') {
			p.body = nil
			return nil, false
		}
	}
	p.body = p.body[k:]
	if len(p.body) == 0 {
		p.body = nil
	}
	p.skip(n)
	if k == len(full) {
		return nil, true
	}
	rest := bytes.TrimSuffix(bytes.TrimSuffix(full[k:], []byte("\n")), []byte("\r"))
	if len(rest) == 0 {
		return nil, true
	}
	return rest, true
}

// skippable tells whether line, neither a header nor an info line, is
// text between events (Trace.Skipped): after an event whose dump it
// closes, and not a dump line (one past its event's bytes is an error).
// line is nil for a blank or overlong line.
func (p *parser) skippable(line []byte) bool {
	if !p.written {
		return false // a file that is not a trace, or curl -v output
	}
	if line != nil && !p.term && cutHead(line) {
		return false // the file ends inside a header line
	}
	if p.ev >= 0 && !p.closeDump() {
		return false
	}
	if _, _, ok := dumpPrefix(line); ok && line != nil {
		return false
	}
	return true
}

// cutHead tells whether line, the last of the file and without its
// newline, is the start of an event header or info line: a marker cut
// anywhere ("<", "== In", "<= Recv da"), after a timestamp and ids or part
// of them, or a marker with its space glued after other text. Text that
// only ends in "==" (a base64 body's padding) is not.
func cutHead(line []byte) bool {
	if len(line) == 0 {
		return false
	}
	_, _, _, _, rest := parsePrefix(line)
	if len(rest) < len(line) && len(rest) == 0 {
		return true // a timestamp, ids: the marker never came
	}
	if len(rest) == len(line) && (cutTime(line) || cutIDs(line)) {
		return true
	}
	if len(rest) < len(line) && cutIDs(rest) {
		return true
	}
	for _, m := range [...]string{"<= ", "=> ", "== Info: "} {
		if bytes.HasPrefix(rest, []byte(m)) || bytes.HasPrefix([]byte(m), rest) {
			return true
		}
		if bytes.Contains(line, []byte(m[:3])) {
			return true // glued after a body's text
		}
	}
	return false
}

// LooksLikeTrace tells whether head, a file's first bytes, starts as
// curl's --trace or --trace-ascii output does: an info line or an event
// header, after a --trace-time timestamp and --trace-ids or not. For
// telling a trace given where a capture or a kept file was expected.
func LooksLikeTrace(head []byte) bool {
	_, _, _, _, rest := parsePrefix(head)
	for _, m := range [...]string{"== Info:", "=> Send", "<= Recv"} {
		if bytes.HasPrefix(rest, []byte(m)) {
			return true
		}
	}
	return false
}

// cutTime tells whether b is the start of a "HH:MM:SS.uuuuuu " timestamp
// cut short (three bytes at least: "12:").
func cutTime(b []byte) bool {
	const shape = "00:00:00.000000 "
	if len(b) < 3 || len(b) >= len(shape) {
		return false
	}
	for i, c := range b {
		if shape[i] == '0' && (c < '0' || c > '9') || shape[i] != '0' && c != shape[i] {
			return false
		}
	}
	return true
}

// cutIDs tells whether b is the start of curl 8's "[0-1] " ids cut short.
func cutIDs(b []byte) bool {
	if len(b) < 2 || b[0] != '[' {
		return false
	}
	for _, c := range b[1:] {
		if (c < '0' || c > '9') && c != '-' && c != 'x' {
			return false
		}
	}
	return true
}

// skip adds line n to Trace.Skipped.
func (p *parser) skip(n int) {
	t := p.t
	if k := len(t.Skipped); k > 0 && t.Skipped[k-1].Last >= n-1 {
		t.Skipped[k-1].Last = max(t.Skipped[k-1].Last, n)
		return
	}
	t.Skipped = append(t.Skipped, LineSpan{First: n, Last: n})
}

// headInside finds an event header or "== Info:" line at the end of line,
// after other text: the header that begins where the earliest marker's
// optional timestamp and ids begin.
func headInside(line []byte) (head, bool) {
	var best head
	found, at := false, len(line)
	for _, m := range []string{"<= ", "=> ", "== Info: "} {
		i := bytes.LastIndex(line, []byte(m))
		if i <= 0 {
			continue
		}
		// A timestamp and ids come before the marker: "12:34:56.789012 [0-1] ".
		for s := max(0, i-40); s <= i && s < at; s++ {
			if h, ok := parseHead(line[s:]); ok {
				best, found, at = h, true, s
				break
			}
		}
	}
	return best, found
}

// badLine explains a line that is neither a header nor an info line.
func (p *parser) badLine(n int, line []byte) error {
	if off, _, ok := dumpPrefix(line); ok {
		if p.ev < 0 && len(p.t.Events) > 0 {
			e := &p.t.Events[len(p.t.Events)-1]
			if e.Kind != Info {
				return p.errAt(n, line, fmt.Sprintf("dump line at offset 0x%x past the %d bytes of %s at line %d", off, e.Size, e.Kind, e.Line), "")
			}
		}
		return p.errAt(n, line, "dump line without an event header", "")
	}
	if looksVerbose(line) {
		return p.errAt(n, line, "not a curl trace line", hintV)
	}
	if n == 1 && looksCapture(line) {
		return p.errAt(n, line, "not a curl trace line", hintCapture)
	}
	if n > 1 && looksBinary(line) {
		return p.errAt(n, line, "not a curl trace line", hintBinary)
	}
	return p.errAt(n, line, "not a curl trace line", hintLine)
}

// looksBinary tells a line of binary bytes (a body written into the same
// stream as the trace, say) from a line of text.
func looksBinary(line []byte) bool {
	bad := 0
	for _, c := range line {
		if c < 0x20 && c != '\t' || c == 0x7f {
			bad++
		}
	}
	return bad > 0 && bad*20 >= len(line) || !utf8.Valid(line)
}

// looksCapture tells whether a first line starts as a pcap, pcapng or
// gzip file does.
func looksCapture(line []byte) bool {
	if len(line) < 4 {
		return len(line) >= 2 && line[0] == 0x1f && line[1] == 0x8b
	}
	switch binary.LittleEndian.Uint32(line) {
	case 0xa1b2c3d4, 0xd4c3b2a1, 0xa1b23c4d, 0x4d3cb2a1, 0x0a0d0d0a:
		return true
	}
	return line[0] == 0x1f && line[1] == 0x8b
}

// looksVerbose tells whether the line is one of curl -v's "> ", "< ",
// "{ [", "} [" lines (after an optional --trace-time/--trace-ids prefix).
func looksVerbose(line []byte) bool {
	if bytes.Contains(line, []byte("% Total")) {
		return true // the progress meter's header, in 2>&1 of curl -v
	}
	_, _, _, _, rest := parsePrefix(line)
	if len(rest) == 1 && (rest[0] == '>' || rest[0] == '<') {
		return true
	}
	if len(rest) < 2 || rest[1] != ' ' {
		return false
	}
	switch rest[0] {
	case '>', '<':
		return true
	case '{', '}':
		return len(rest) > 2 && rest[2] == '['
	}
	return false
}

// dumpPrefix parses "^[0-9a-f]{4,}: " and returns the offset and the rest.
// An offset of more than 15 digits is returned as a huge value.
func dumpPrefix(line []byte) (int64, []byte, bool) {
	i := 0
	var off int64
	for i < len(line) {
		c := line[i]
		var v byte
		switch {
		case c >= '0' && c <= '9':
			v = c - '0'
		case c >= 'a' && c <= 'f':
			v = c - 'a' + 10
		default:
			goto done
		}
		if i < 15 {
			off = off<<4 | int64(v)
		} else {
			off = 1 << 62
		}
		i++
	}
done:
	if i < 4 || i+1 >= len(line) || line[i] != ':' || line[i+1] != ' ' {
		return 0, nil, false
	}
	return off, line[i+2:], true
}

// dumpLine takes one dump line of the open event; off < Size.
func (p *parser) dumpLine(n int, line []byte, off int, rest []byte) error {
	e := &p.t.Events[p.ev]
	if p.lines == 0 {
		if off != 0 {
			return p.errAt(n, line, fmt.Sprintf("the dump of %s at line %d starts at offset 0x%x, not 0000", e.Kind, e.Line, off), "")
		}
		var cells [16]byte
		_, p.hex = hexLine(rest, &cells)
		p.wasHex = p.modeSet && !p.t.ASCII
		if !p.modeSet {
			p.modeSet = true
			p.t.ASCII = !p.hex
		}
	}
	if p.hex {
		var cells [16]byte
		k, ok := hexLine(rest, &cells)
		if !ok {
			return p.errAt(n, line, "not a --trace hex dump line", "")
		}
		if off != len(e.Data) {
			return p.errAt(n, line, fmt.Sprintf("dump offset 0x%x, expected 0x%x", off, len(e.Data)), "")
		}
		if want := min(16, e.Size-off); k != want {
			return p.errAt(n, line, fmt.Sprintf("hex dump line with %d bytes, expected %d", k, want), "")
		}
		e.Data = append(e.Data, cells[:k]...)
	} else {
		if p.lines == 0 && p.wasHex && hexShaped(rest) {
			// In a --trace file, a hex line that does not add up rather
			// than a --trace-ascii line that happens to look like one.
			return p.errAt(n, line, "not a --trace hex dump line", "")
		}
		if len(rest) > 64 {
			return p.errAt(n, line, "--trace-ascii dump line longer than 64 characters", "")
		}
		for _, c := range rest {
			if c < 0x20 || c >= 0x80 {
				return p.errAt(n, line, fmt.Sprintf("byte 0x%02x in a --trace-ascii dump line", c), "")
			}
		}
		switch {
		case off == len(e.Data):
		case off == len(e.Data)+2 && p.lines > 0:
			// The line before ended with a CR LF curl swallowed.
		default:
			return p.errAt(n, line, fmt.Sprintf("dump offset 0x%x does not follow the line before (0x%x bytes so far)", off, len(e.Data)), "")
		}
		if off+len(rest) > e.Size {
			return p.errAt(n, line, fmt.Sprintf("dump line goes past the %d bytes of %s at line %d", e.Size, e.Kind, e.Line), "")
		}
		if off != len(e.Data) {
			e.Data = append(e.Data, '\r', '\n')
		}
		if bytes.IndexByte(rest, '.') >= 0 {
			p.dots = true
		}
		e.Data = append(e.Data, rest...)
	}
	p.lines++
	return nil
}

// closeDump ends the open dump and tells whether it was complete; when it
// was not, the dump stays open (for the error message).
func (p *parser) closeDump() bool {
	e := &p.t.Events[p.ev]
	if !p.hex && p.lines > 0 && e.Size-len(e.Data) == 2 {
		// The last line ended with a swallowed CR LF.
		e.Data = append(e.Data, '\r', '\n')
	}
	if len(e.Data) != e.Size {
		return false
	}
	e.Exact = p.hex || !p.dots
	p.ev = -1
	return true
}

// cutFirstHexLine handles the last line of a file, without its newline,
// when it is the cut first line of a hex dump (which as a whole would also
// be a valid --trace-ascii line): it takes the complete cells and tells
// whether it did. Not in a file whose dumps so far were ascii.
func (p *parser) cutFirstHexLine(line []byte) bool {
	if p.ev < 0 || p.lines > 0 || p.modeSet && p.t.ASCII {
		return false
	}
	off, rest, ok := dumpPrefix(line)
	if !ok || off != 0 {
		return false
	}
	if n := p.t.Events[p.ev].Size; len(rest) == n || len(rest)+2 == n {
		return false // a complete --trace-ascii dump
	}
	var cells [16]byte
	if _, ok := hexLine(rest, &cells); ok || len(rest) < 2 || !isHex(rest[0]) || !isHex(rest[1]) {
		return false
	}
	for i, c := range rest[:min(len(rest), 48)] {
		if i%3 == 2 && c != ' ' || i%3 != 2 && c != ' ' && !isHex(c) {
			return false
		}
	}
	p.partialDump(line)
	return true
}

// partialDump takes what it can from a hex dump line cut by the end of
// the file: the complete cells. (A cut --trace-ascii line is still a valid
// line, and was taken as one.)
func (p *parser) partialDump(line []byte) {
	e := &p.t.Events[p.ev]
	off, rest, ok := dumpPrefix(line)
	if !ok || int(off) != len(e.Data) || off >= int64(e.Size) {
		return
	}
	if p.lines == 0 {
		p.hex = len(rest) >= 2 && isHex(rest[0]) && isHex(rest[1]) && (len(rest) == 2 || rest[2] == ' ')
		if !p.modeSet {
			p.modeSet = true
			p.t.ASCII = !p.hex
		}
	}
	if !p.hex {
		return
	}
	room := e.Size - len(e.Data)
	for i := 0; i+2 <= len(rest) && i < 48 && room > 0; i += 3 {
		if !isHex(rest[i]) || !isHex(rest[i+1]) || (i+2 < len(rest) && rest[i+2] != ' ') {
			break
		}
		e.Data = append(e.Data, unhex(rest[i])<<4|unhex(rest[i+1]))
		room--
	}
}

// hexShaped tells whether rest has the shape of a hex dump line: sixteen
// three-character cells ending in a space, the first two hex digits in
// either case, then 1 to 16 characters.
func hexShaped(rest []byte) bool {
	if len(rest) < 49 || len(rest) > 64 {
		return false
	}
	for c := 0; c < 16; c++ {
		if rest[3*c+2] != ' ' {
			return false
		}
	}
	a, b := rest[0]|0x20, rest[1]|0x20
	return isHex(a) && isHex(b)
}

func isHex(c byte) bool { return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' }

func unhex(c byte) byte {
	if c <= '9' {
		return c - '0'
	}
	return c - 'a' + 10
}

// hexLine parses the part of a --trace dump line after the offset: sixteen
// "xx " or "   " cells (the blank ones last), then one character per byte,
// each the byte itself or '.' for a byte curl does not print. It returns
// the number of bytes and whether the line is such a line.
func hexLine(rest []byte, cells *[16]byte) (int, bool) {
	if len(rest) < 49 || len(rest) > 64 {
		return 0, false
	}
	k := 0
	for c := 0; c < 16; c++ {
		a, b, sp := rest[3*c], rest[3*c+1], rest[3*c+2]
		if sp != ' ' {
			return 0, false
		}
		if a == ' ' && b == ' ' {
			continue
		}
		if k != c || !isHex(a) || !isHex(b) {
			return 0, false
		}
		cells[k] = unhex(a)<<4 | unhex(b)
		k++
	}
	asc := rest[48:]
	if len(asc) != k {
		return 0, false
	}
	for i, ch := range asc {
		b := cells[i]
		switch {
		case ch == b && b >= 0x20 && b <= 0x7f:
		case ch == '.' && (b < 0x20 || b >= 0x7f || b == '.'):
		default:
			return 0, false
		}
	}
	return k, true
}

// head is a parsed event header or info line.
type head struct {
	kind       Kind
	size, hex  int
	hasTime    bool
	time       time.Duration
	xfer, conn int
	style      string // Info: "== Info:" or "*"
	text       []byte // Info: the text
}

// parsePrefix takes "[HH:MM:SS.uuuuuu ][[X-C] ]" off the line.
func parsePrefix(line []byte) (hasTime bool, tm time.Duration, xfer, conn int, rest []byte) {
	xfer, conn = -1, -1
	rest = line
	if d, ok := parseTime(rest); ok {
		hasTime, tm = true, d
		rest = rest[16:]
	}
	if len(rest) > 0 && rest[0] == '[' {
		if x, c, n, ok := parseIDs(rest); ok {
			xfer, conn = x, c
			rest = rest[n:]
		}
	}
	return
}

// parseTime parses "HH:MM:SS.uuuuuu " at the start of b.
func parseTime(b []byte) (time.Duration, bool) {
	if len(b) < 16 || b[2] != ':' || b[5] != ':' || b[8] != '.' || b[15] != ' ' {
		return 0, false
	}
	num := func(s []byte) (int, bool) {
		v := 0
		for _, c := range s {
			if c < '0' || c > '9' {
				return 0, false
			}
			v = v*10 + int(c-'0')
		}
		return v, true
	}
	h, ok1 := num(b[0:2])
	m, ok2 := num(b[3:5])
	s, ok3 := num(b[6:8])
	us, ok4 := num(b[9:15])
	if !ok1 || !ok2 || !ok3 || !ok4 || h > 23 || m > 59 || s > 60 {
		return 0, false
	}
	return time.Duration(h)*time.Hour + time.Duration(m)*time.Minute + time.Duration(s)*time.Second + time.Duration(us)*time.Microsecond, true
}

// parseIDs parses "[X-C] " (C a number or "x") at the start of b and
// returns the ids (-1 for "x") and the length taken.
func parseIDs(b []byte) (int, int, int, bool) {
	i := 1
	x, n, ok := digits(b[i:], 18)
	if !ok {
		return 0, 0, 0, false
	}
	i += n
	if i >= len(b) || b[i] != '-' {
		return 0, 0, 0, false
	}
	i++
	c := -1
	if i < len(b) && b[i] == 'x' {
		i++
	} else {
		c, n, ok = digits(b[i:], 18)
		if !ok {
			return 0, 0, 0, false
		}
		i += n
	}
	if i+1 >= len(b) || b[i] != ']' || b[i+1] != ' ' {
		return 0, 0, 0, false
	}
	return x, c, i + 2, true
}

// digits parses 1 to max decimal digits at the start of b.
func digits(b []byte, max int) (v, n int, ok bool) {
	for n < len(b) && b[n] >= '0' && b[n] <= '9' {
		if n == max || v > (math.MaxInt-9)/10 {
			return 0, 0, false // too long, or past int (32-bit platforms)
		}
		v = v*10 + int(b[n]-'0')
		n++
	}
	return v, n, n > 0
}

var (
	sendNames = [...]Kind{SendHeader, SendData, SendSSL}
	recvNames = [...]Kind{RecvHeader, RecvData, RecvSSL}
)

// parseHead parses an event header or an info line.
func parseHead(line []byte) (head, bool) {
	var h head
	h.hasTime, h.time, h.xfer, h.conn, line = parsePrefix(line)
	switch {
	case bytes.HasPrefix(line, []byte("== Info: ")):
		h.kind, h.style, h.text = Info, "== Info:", line[9:]
		return h, true
	case bytes.HasPrefix(line, []byte("* ")):
		h.kind, h.style, h.text = Info, "*", line[2:]
		return h, true
	}
	var kinds []Kind
	switch {
	case bytes.HasPrefix(line, []byte("=> ")):
		kinds = sendNames[:]
	case bytes.HasPrefix(line, []byte("<= ")):
		kinds = recvNames[:]
	default:
		return h, false
	}
	line = line[3:]
	found := false
	for _, k := range kinds {
		name := kindNames[k]
		if len(line) > len(name)+2 && string(line[:len(name)]) == name && line[len(name)] == ',' && line[len(name)+1] == ' ' {
			h.kind = k
			line = line[len(name)+2:]
			found = true
			break
		}
	}
	if !found {
		return h, false
	}
	// "N bytes (0xH)"
	size, n, ok := digits(line, 16)
	if !ok || size > maxSize {
		return h, false
	}
	line = line[n:]
	if !bytes.HasPrefix(line, []byte(" bytes (0x")) {
		return h, false
	}
	line = line[len(" bytes (0x"):]
	hx, i := 0, 0
	for i < len(line) && isHex(line[i]) {
		if i == 13 {
			return h, false
		}
		hx = hx<<4 | int(unhex(line[i]))
		i++
	}
	if i == 0 || i+1 != len(line) || line[i] != ')' {
		return h, false
	}
	h.size, h.hex = size, hx
	return h, true
}

// Sniff tells whether the first bytes look like a curl trace: the first
// line is an event header or an info line ("== Info: " or "* ", after an
// optional timestamp and ids). It is meant for a friendly "not a curl
// trace" message; a curl -v file whose first line is "* ..." passes, and
// Parse then says it is -v output.
func Sniff(b []byte) bool {
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		b = b[:i]
	}
	b = bytes.TrimSuffix(b, []byte("\r"))
	if len(b) == 0 || len(b) > maxLine {
		return false
	}
	h, ok := parseHead(b)
	return ok && (h.kind == Info || h.size == h.hex)
}

// finish fills what is decided after the last line: curl#18755's
// prefixes and cuts, the TLS record headers, and the connection of every
// event that carries --trace-ids ids.
func (p *parser) finish() {
	t := p.t
	exact := fixIDsInData(t)
	settleByWrites(t, exact)
	tlsHeaders(t)
	t.Curl = curlVersion(t)
	defer resolveH2(t, exact)
	for i := range t.Events {
		e := &t.Events[i]
		if e.Xfer < 0 {
			continue
		}
		id := e.Conn
		if id < 0 {
			if e.Kind == Info {
				if n, ok := endsConn(infoMessage(e)); ok && n >= 0 {
					id = n
				}
			}
			if id < 0 {
				t.EventConn[i] = -1
				continue
			}
		}
		t.EventConn[i] = p.conns.byIDAt(t, id, e.Line)
	}
}

// dropOpen removes the event whose dump is open: a line of it was not
// what its header announced.
func (p *parser) dropOpen() {
	t := p.t
	t.Events = t.Events[:p.ev]
	if len(t.EventConn) > p.ev {
		t.EventConn = t.EventConn[:p.ev]
	}
	p.ev = -1
}
