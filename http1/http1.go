// Package http1 reconstructs HTTP/1.x messages from the two reassembled
// byte streams of one connection and places every part of them (header
// block, body, each chunk of a chunked body) on the stream-offset
// coordinate, with the segments that carried its first and last byte.
//
// It reads ordered bytes (it implements stream.Consumer for each
// direction); it does not see packets, and it does not keep bodies: they
// are counted and skipped (and hashed, when asked).
package http1

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"math"
	"strings"
	"sync"

	"github.com/segscope/segscope/stream"
)

// Options bound what a Conn keeps.
type Options struct {
	MaxHeaderBytes int  // a header block (or trailer) longer than this is an error; 0 means 65536
	MaxMessages    int  // exchanges kept per connection; 0 means 10000
	MaxChunks      int  // chunks kept per message; 0 means 10000
	HashBodies     bool // compute each body's SHA-256 (de-chunked)
}

func (o *Options) defaults() {
	if o.MaxHeaderBytes <= 0 {
		o.MaxHeaderBytes = 65536
	}
	if o.MaxMessages <= 0 {
		o.MaxMessages = 10000
	}
	if o.MaxChunks <= 0 {
		o.MaxChunks = 10000
	}
}

// Part is one piece of a message on the stream.
type Part struct {
	stream.Range
	First, Last stream.Pos // the segments that carried its first and last byte
}

// Chunk is one chunk of a chunked body: Range covers its size line, data
// and CRLF; Data only the data. The last chunk (size 0) includes the
// trailers and the final CRLF.
type Chunk struct {
	Part
	Size int64
	Data stream.Range
}

// Message is one request or response.
type Message struct {
	Header Part // start line, header fields and the empty line
	// Body covers the body bytes on the wire, chunk framing included;
	// empty (Start == End == Header.End) when the message has none.
	Body    Part
	Version string // "HTTP/1.1"
	// Requests.
	Method, Target string
	// Responses.
	Status int
	// Date is the value of the Date header field, "" when absent: it
	// tells one response from another of the same resource.
	Date string
	// Interim holds 1xx responses (100 Continue) that came before this
	// final response.
	Interim []Interim

	ContentLength  int64 // -1 when absent
	Chunked        bool
	Chunks         []Chunk
	ChunksDropped  int   // chunks not kept (over MaxChunks), still counted in BodyBytes
	BodyBytes      int64 // body data bytes, without chunk framing
	CloseDelimited bool  // the body ran until the connection closed
	Complete       bool  // the whole message was seen
	// SHA256 is the hex SHA-256 of the (de-chunked) body, when hashing was
	// asked for and every body byte was captured.
	SHA256 string
}

// Interim is a 1xx response.
type Interim struct {
	Status int
	Header Part
}

// Exchange is a request and its response. Either may be nil: a response
// whose request was not captured, a request never answered.
type Exchange struct {
	Request  *Message
	Response *Message
}

// Problem is something in a stream that is not well-formed HTTP, at an
// offset. Parsing of that direction stops there.
type Problem struct {
	stream.Problem
	Response bool // in the server-to-client direction
}

// Conn is the HTTP/1 state of one connection.
type Conn struct {
	opts Options
	// The parsers hold per-direction state; they are dropped once both
	// directions ended, so a finished connection keeps only its results.
	req, resp *dirParser
	ended     int
	exchanges []Exchange
	dropped   int   // exchanges not kept
	waiting   []int // exchanges whose request awaits a response
	problems  []Problem
	// UpgradedAt is set when a 101 response (or a successful CONNECT)
	// switched the connection to another protocol: the offsets in each
	// direction where HTTP/1 ended.
	UpgradedAt *[2]int64
	// Tunnel tells that the upgrade was a CONNECT's 2xx (an HTTP proxy):
	// the bytes after UpgradedAt are a tunnel's, TLS to the origin mostly.
	Tunnel bool
}

// NewConn returns an empty connection.
func NewConn(o Options) *Conn {
	o.defaults()
	c := &Conn{opts: o}
	c.req = &dirParser{conn: c, response: false}
	c.resp = &dirParser{conn: c, response: true}
	return c
}

// Client is the consumer for the client-to-server stream.
func (c *Conn) Client() stream.Consumer { return c.req }

// Server is the consumer for the server-to-client stream.
func (c *Conn) Server() stream.Consumer { return c.resp }

// Exchanges returns the exchanges in request order.
func (c *Conn) Exchanges() []Exchange { return c.exchanges }

// Dropped counts exchanges not kept (over MaxMessages).
func (c *Conn) Dropped() int { return c.dropped }

// Problems returns what could not be parsed.
func (c *Conn) Problems() []Problem { return c.problems }

type state uint8

const (
	stStart      state = iota // before a message: collecting its header block
	stBody                    // Content-Length body: remaining bytes
	stChunkSize               // collecting a chunk-size line
	stChunkData               // chunk data: remaining bytes
	stChunkCRLF               // the CRLF after chunk data
	stTrailers                // after the last chunk: trailers up to an empty line
	stUntilClose              // body delimited by the end of the stream
	stDead                    // parsing stopped (error, upgrade)
)

// dirParser parses one direction.
type dirParser struct {
	conn      *Conn
	response  bool
	st        state
	buf       []byte  // the header block, chunk-size line or trailers being collected
	bufp      *[]byte // buf's pool entry, nil when buf is not from the pool
	bufStart  int64   // stream offset of buf[0]
	bufFirst  stream.Pos
	msg       *Message
	exchange  int   // index of msg's exchange, -1 when not kept
	remain    int64 // bytes left in a body or chunk
	chunk     Chunk
	hash      hash.Hash
	gapInBody bool
	parsed    int64 // offset just past the last byte taken
	messages  int   // messages parsed in this direction
	ended     bool
}

func (p *dirParser) problem(off int64, format string) {
	p.conn.problems = append(p.conn.problems, Problem{Problem: stream.Problem{Offset: off, Reason: format}, Response: p.response})
	p.st = stDead
	p.release()
}

// bufPool holds the buffers header blocks are collected in. A parser
// holds one only while a block is incomplete, so connections that wait
// in a body, or have ended, hold none: with tens of thousands of
// connections that was 1 KB each.
var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

// grab makes sure buf is a pooled buffer.
func (p *dirParser) grab() {
	if p.bufp == nil {
		p.bufp = bufPool.Get().(*[]byte)
		p.buf = append((*p.bufp)[:0], p.buf...)
	}
}

// release returns buf to the pool (unless it grew large); buf is empty
// after.
func (p *dirParser) release() {
	if p.bufp != nil && cap(p.buf) <= 4096 {
		*p.bufp = p.buf[:0]
		bufPool.Put(p.bufp)
	}
	p.buf, p.bufp = nil, nil
}

// Data implements stream.Consumer.
func (p *dirParser) Data(off int64, data []byte, at stream.Pos) {
	p.parsed = off + int64(len(data))
	for len(data) > 0 && p.st != stDead {
		n := p.step(off, data, at)
		off += int64(n)
		data = data[n:]
	}
}

// step consumes a prefix of data in the current state and returns its
// length.
func (p *dirParser) step(off int64, data []byte, at stream.Pos) int {
	switch p.st {
	case stStart:
		if len(p.buf) == 0 {
			// Empty lines between messages are allowed (RFC 9112 2.2).
			if n := leadingCRLF(data); n > 0 {
				return n
			}
			p.bufStart, p.bufFirst = off, at
		}
		return p.collect(off, data, at, []byte("\r\n\r\n"), p.headerDone)
	case stBody:
		n := int(min(p.remain, int64(len(data))))
		p.bodyBytes(data[:n])
		p.remain -= int64(n)
		if p.remain == 0 {
			p.endMessage(off+int64(n), at)
		}
		return n
	case stUntilClose:
		p.bodyBytes(data)
		p.msg.Body.End = off + int64(len(data))
		p.msg.Body.Last = at
		return len(data)
	case stChunkSize:
		if len(p.buf) == 0 {
			p.bufStart, p.bufFirst = off, at
		}
		return p.collect(off, data, at, []byte("\n"), p.chunkSizeDone)
	case stChunkData:
		n := int(min(p.remain, int64(len(data))))
		p.bodyBytes(data[:n])
		p.remain -= int64(n)
		if p.remain == 0 {
			p.st = stChunkCRLF
			p.buf = p.buf[:0]
		}
		return n
	case stChunkCRLF:
		// Collect the two bytes, which may arrive one at a time.
		need := 2 - len(p.buf)
		n := min(need, len(data))
		p.grab()
		p.buf = append(p.buf, data[:n]...)
		if len(p.buf) == 2 {
			if string(p.buf) != "\r\n" {
				p.problem(off+int64(n)-2, "chunk data not followed by CRLF")
				return n
			}
			p.release()
			p.chunk.End, p.chunk.Last = off+int64(n), at
			p.keepChunk()
			p.st = stChunkSize
		}
		return n
	case stTrailers:
		if len(p.buf) == 1 && p.buf[0] == '\r' && data[0] == '\n' {
			// The empty line that ends the body, split after its CR.
			p.release()
			p.trailersDone(off+1, at)
			return 1
		}
		if len(p.buf) == 0 {
			// No trailers: the empty line alone ends the body.
			if len(data) >= 2 && data[0] == '\r' && data[1] == '\n' {
				p.trailersDone(off+2, at)
				return 2
			}
			p.bufStart, p.bufFirst = off, at
		}
		return p.collect(off, data, at, []byte("\r\n\r\n"), func(end int64, at stream.Pos) { p.trailersDone(end, at) })
	}
	return len(data)
}

// collect appends data to buf until it holds sep, then calls done with the
// offset just past sep; it returns how many bytes of data it took.
func (p *dirParser) collect(off int64, data []byte, at stream.Pos, sep []byte, done func(end int64, at stream.Pos)) int {
	old := len(p.buf)
	limit := p.conn.opts.MaxHeaderBytes
	take := max(min(len(data), limit+len(sep)-old), 0)
	// Find sep without copying data first: a segment often carries the
	// header block and a body behind it, and only the header is kept.
	// Where sep may straddle the old and the new bytes, look at the
	// joint alone.
	used := -1
	if old > 0 {
		var joint [8]byte
		tail := p.buf[max(0, old-len(sep)+1):]
		j := append(append(joint[:0], tail...), data[:min(take, len(sep)-1)]...)
		if i := bytes.Index(j, sep); i >= 0 {
			used = i + len(sep) - len(tail)
		}
	}
	if used < 0 {
		if i := bytes.Index(data[:take], sep); i >= 0 {
			used = i + len(sep)
		}
	}
	p.grab()
	if used >= 0 {
		p.buf = append(p.buf, data[:used]...)
		done(p.bufStart+int64(len(p.buf)), at)
		return used
	}
	p.buf = append(p.buf, data[:take]...)
	if len(p.buf) > limit {
		what := "header block"
		if p.st == stChunkSize {
			what = "chunk-size line"
		} else if p.st == stTrailers {
			what = "trailer block"
		}
		p.problem(p.bufStart, what+" longer than "+itoa(int64(limit))+" bytes")
		return len(data)
	}
	return take
}

func leadingCRLF(b []byte) int {
	n := 0
	for n < len(b) && (b[n] == '\r' || b[n] == '\n') {
		n++
	}
	return n
}

func (p *dirParser) bodyBytes(b []byte) {
	p.msg.BodyBytes += int64(len(b))
	if p.hash != nil {
		p.hash.Write(b)
	}
}

// Gap implements stream.Consumer: inside a body the bytes are counted and
// parsing goes on; anywhere else the framing is lost.
func (p *dirParser) Gap(off, n int64, at stream.Pos) {
	switch p.st {
	case stDead:
	case stBody, stChunkData:
		take := min(n, p.remain)
		p.msg.BodyBytes += take
		p.gapInBody = true
		p.remain -= take
		if p.remain == 0 {
			if p.st == stBody {
				p.endMessage(off+take, at)
			} else {
				p.st = stChunkCRLF
				p.buf = p.buf[:0]
			}
		}
		if n > take {
			p.Gap(off+take, n-take, at)
		}
	case stUntilClose:
		p.msg.BodyBytes += n
		p.gapInBody = true
		p.msg.Body.End = off + n
	case stStart:
		if len(p.buf) == 0 && p.msg == nil && off == 0 {
			p.problem(off, "data missing under a gap: "+itoa(n)+" bytes at the start of the stream were not captured (or, inside TLS, not decrypted)")
			return
		}
		p.problem(off, "data missing under a gap of "+itoa(n)+" bytes where a message header was expected")
	default:
		p.problem(off, "data missing under a gap of "+itoa(n)+" bytes inside chunk framing")
	}
}

// End implements stream.Consumer.
func (p *dirParser) End(off int64) {
	switch p.st {
	case stUntilClose:
		p.msg.Body.End = off
		p.endMessage(off, p.msg.Body.Last)
	case stStart:
		if len(p.buf) > 0 {
			p.problem(p.bufStart, "stream ended inside a header block")
		}
	case stDead:
	default:
		if p.msg != nil {
			p.problem(off, "stream ended "+itoa(p.remain)+" bytes before the end of the body")
		}
	}
	p.release()
	p.hash = nil
	p.msg = nil
	if c := p.conn; !p.ended {
		p.ended = true
		if c.ended++; c.ended == 2 {
			c.waiting, c.req, c.resp = nil, nil, nil
		}
	}
}

func itoa(n int64) string {
	var b [20]byte
	i := len(b)
	neg := n < 0
	if neg {
		n = -n
	}
	for {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			break
		}
	}
	if neg {
		i--
		b[i] = '-'
	}
	return string(b[i:])
}

// headerDone parses a complete header block held in buf.
func (p *dirParser) headerDone(end int64, at stream.Pos) {
	block := bytes.TrimRight(p.buf, "\r\n")
	start := p.bufStart
	m := &Message{Header: Part{stream.Range{Start: start, End: end}, p.bufFirst, at}, ContentLength: -1}
	m.Body = Part{Range: stream.Range{Start: end, End: end}}
	// The lines are read in place: only what a Message keeps is copied.
	line, rest := nextLine(block)
	if !p.parseStartLine(m, line, start) {
		p.release()
		return
	}
	for len(rest) > 0 {
		line, rest = nextLine(rest)
		name, value, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			continue
		}
		value = bytes.TrimSpace(value)
		name = bytes.TrimSpace(name)
		switch {
		case bytes.EqualFold(name, []byte("content-length")):
			n, ok := parseDecimal(value)
			if !ok || (m.ContentLength >= 0 && n != m.ContentLength) {
				p.problem(start, "bad Content-Length "+quote(string(value)))
				return
			}
			m.ContentLength = n
		case bytes.EqualFold(name, []byte("transfer-encoding")):
			last := value
			if i := bytes.LastIndexByte(value, ','); i >= 0 {
				last = value[i+1:]
			}
			m.Chunked = bytes.EqualFold(bytes.TrimSpace(last), []byte("chunked"))
		case bytes.EqualFold(name, []byte("date")):
			if m.Date == "" {
				m.Date = string(value)
			}
		}
	}
	p.release()
	p.messages++
	if p.response {
		p.responseHeader(m, end, at)
	} else {
		p.requestHeader(m, end, at)
	}
}

// nextLine splits b at its first LF: the line without its CR, and the
// rest.
func nextLine(b []byte) (line, rest []byte) {
	line = b
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		line, rest = b[:i], b[i+1:]
	}
	return bytes.TrimSuffix(line, []byte("\r")), rest
}

func (p *dirParser) parseStartLine(m *Message, line []byte, off int64) bool {
	if p.response {
		version, rest, _ := bytes.Cut(line, []byte(" "))
		code, _, _ := bytes.Cut(rest, []byte(" "))
		status, ok := parseDecimal(code)
		if !bytes.HasPrefix(version, []byte("HTTP/1.")) || len(code) != 3 || !ok {
			if p.messages > 0 {
				p.problem(off, "garbage after a response: "+quote(string(line)))
			} else {
				p.problem(off, "not an HTTP status line: "+quote(string(line)))
			}
			return false
		}
		m.Version, m.Status = intern(version), int(status)
		return true
	}
	// Exactly three parts: method, target, version.
	method, rest, _ := bytes.Cut(line, []byte(" "))
	target, version, ok := bytes.Cut(rest, []byte(" "))
	if !ok || bytes.IndexByte(version, ' ') >= 0 || !isToken(method) || len(target) == 0 || !bytes.HasPrefix(version, []byte("HTTP/1.")) {
		p.problem(off, "not an HTTP request line: "+quote(string(line)))
		return false
	}
	m.Method, m.Target, m.Version = intern(method), string(target), intern(version)
	return true
}

// common strings are shared instead of kept once per message.
var common = map[string]string{}

func init() {
	for _, s := range []string{"HTTP/1.0", "HTTP/1.1", "GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH", "CONNECT", "TRACE"} {
		common[s] = s
	}
}

// intern returns the shared copy of a common string, or a new one.
func intern(b []byte) string {
	if c, ok := common[string(b)]; ok { // no allocation to look up
		return c
	}
	return string(b)
}

func (p *dirParser) requestHeader(m *Message, end int64, at stream.Pos) {
	c := p.conn
	p.msg = m
	p.exchange = -1
	if len(c.exchanges) < c.opts.MaxMessages {
		c.exchanges = append(c.exchanges, Exchange{Request: m})
		p.exchange = len(c.exchanges) - 1
	} else {
		c.dropped++
	}
	c.waiting = append(c.waiting, p.exchange)
	switch {
	case m.Chunked:
		p.startBody(stChunkSize, 0, at)
	case m.ContentLength > 0:
		p.startBody(stBody, m.ContentLength, at)
	default:
		p.endMessage(end, at)
	}
}

func (p *dirParser) responseHeader(m *Message, end int64, at stream.Pos) {
	c := p.conn
	// The request this answers: the oldest one waiting.
	var req *Message
	idx := -1
	if len(c.waiting) > 0 {
		idx = c.waiting[0]
		if idx >= 0 {
			req = c.exchanges[idx].Request
		}
	}
	if m.Status >= 100 && m.Status < 200 && m.Status != 101 {
		// An interim response: the final one is still to come.
		if req != nil {
			pending := c.exchanges[idx].Response
			if pending == nil {
				pending = &Message{ContentLength: -1}
				c.exchanges[idx].Response = pending
			}
			pending.Interim = append(pending.Interim, Interim{m.Status, m.Header})
		}
		p.msg = nil
		return
	}
	if len(c.waiting) > 0 {
		c.waiting = c.waiting[1:]
	}
	if idx >= 0 {
		if prev := c.exchanges[idx].Response; prev != nil {
			m.Interim = prev.Interim
		}
		c.exchanges[idx].Response = m
	} else if len(c.exchanges) < c.opts.MaxMessages {
		c.exchanges = append(c.exchanges, Exchange{Response: m})
	} else {
		c.dropped++
	}
	p.msg = m
	method := ""
	if req != nil {
		method = req.Method
	}
	switch {
	case m.Status == 101 || (method == "CONNECT" && m.Status/100 == 2):
		m.Complete = true
		c.UpgradedAt = &[2]int64{c.req.parsed, end}
		c.Tunnel = method == "CONNECT"
		c.req.st, p.st = stDead, stDead
	case method == "HEAD" || m.Status == 204 || m.Status == 304:
		p.endMessage(end, at)
	case m.Chunked:
		p.startBody(stChunkSize, 0, at)
	case m.ContentLength >= 0:
		if m.ContentLength == 0 {
			p.endMessage(end, at)
		} else {
			p.startBody(stBody, m.ContentLength, at)
		}
	default:
		m.CloseDelimited = true
		p.startBody(stUntilClose, 0, at)
	}
}

func (p *dirParser) startBody(st state, remain int64, at stream.Pos) {
	p.st, p.remain = st, remain
	p.gapInBody = false
	p.msg.Body.First, p.msg.Body.Last = at, at
	if p.conn.opts.HashBodies {
		p.hash = sha256.New()
	}
}

func (p *dirParser) chunkSizeDone(end int64, at stream.Pos) {
	line := strings.TrimRight(string(p.buf), "\r\n")
	p.release()
	sizeField, _, _ := strings.Cut(line, ";")
	size, ok := parseHex(strings.TrimSpace(sizeField))
	if !ok {
		p.problem(p.bufStart, "bad chunk size "+quote(line))
		return
	}
	p.chunk = Chunk{Part: Part{stream.Range{Start: p.bufStart}, p.bufFirst, at}, Size: size, Data: stream.Range{Start: end, End: end + size}}
	if size == 0 {
		p.st = stTrailers
		return
	}
	p.st, p.remain = stChunkData, size
}

func (p *dirParser) keepChunk() {
	m := p.msg
	if len(m.Chunks) < p.conn.opts.MaxChunks {
		m.Chunks = append(m.Chunks, p.chunk)
	} else {
		m.ChunksDropped++
	}
}

func (p *dirParser) trailersDone(end int64, at stream.Pos) {
	p.release()
	p.chunk.End, p.chunk.Last = end, at
	p.keepChunk()
	p.endMessage(end, at)
}

// endMessage closes the current message at end and readies the parser for
// the next one.
func (p *dirParser) endMessage(end int64, at stream.Pos) {
	m := p.msg
	if m.Body.End < end && end > m.Header.End {
		m.Body.End, m.Body.Last = end, at
	}
	m.Complete = true
	if p.hash != nil && !p.gapInBody {
		m.SHA256 = hex.EncodeToString(p.hash.Sum(nil))
	}
	p.hash = nil
	p.st = stStart
	p.release()
}

func isToken(s []byte) bool {
	if len(s) == 0 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte("()<>@,;:\\\"/[]?={}", c) >= 0 {
			return false
		}
	}
	return true
}

func parseDecimal(s []byte) (int64, bool) {
	if len(s) == 0 || len(s) > 18 {
		return 0, false
	}
	var n int64
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		n = n*10 + int64(s[i]-'0')
	}
	return n, true
}

func parseHex(s string) (int64, bool) {
	if s == "" || len(s) > 15 {
		return 0, false
	}
	var n int64
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			n = n*16 + int64(c-'0')
		case c >= 'a' && c <= 'f':
			n = n*16 + int64(c-'a'+10)
		case c >= 'A' && c <= 'F':
			n = n*16 + int64(c-'A'+10)
		default:
			return 0, false
		}
	}
	return n, true
}

// quote renders at most 40 bytes of s for a message.
func quote(s string) string {
	if len(s) > 40 {
		s = s[:40] + "..."
	}
	return strings.ToValidUTF8(`"`+strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return '.'
		}
		return r
	}, s)+`"`, "?")
}

// TTFB is an exchange's time to first byte, in nanoseconds of capture
// time: from the request's last byte to the response's first. An interim
// 100 Continue counts as the first byte, unless it came before the
// request's body (which it invited). ok is false when either end was not
// captured.
func (e Exchange) TTFB() (ns int64, ok bool) {
	if e.Request == nil || e.Response == nil || e.Response.Header.First.Time == 0 {
		return 0, false
	}
	last := e.Request.Header.Last
	if e.Request.Body.Len() > 0 {
		last = e.Request.Body.Last
	}
	first := e.Response.Header.First
	if len(e.Response.Interim) > 0 && e.Response.Interim[0].Header.First.Time >= last.Time {
		first = e.Response.Interim[0].Header.First
	}
	if last.Time == 0 {
		return 0, false
	}
	return first.Time - last.Time, true
}

// Stopped implements stream.Stopper: parsing stopped at a problem or an
// upgrade.
func (p *dirParser) Stopped() bool { return p.st == stDead }

// Skippable implements stream.Skipper: a body's bytes are only counted,
// unless they are hashed; after a problem nothing is read.
func (p *dirParser) Skippable(off int64) int64 {
	switch p.st {
	case stDead:
		return math.MaxInt64
	case stBody, stChunkData:
		if p.hash == nil {
			return p.remain
		}
	case stUntilClose:
		if p.hash == nil {
			return math.MaxInt64
		}
	}
	return 0
}
