package explain

import (
	"bytes"
	"strconv"
	"strings"
	"time"

	"github.com/segscope/segscope/curltrace"
)

// Sends: curl's `Send header` and `Send data` events. What decides a
// send's N is curl's side, not the network's: curl fills an upload buffer
// from its source (a file, stdin, a form), offers it to the socket, and
// logs what the socket took. So the sizes are explained from the trace's
// own sends, one request at a time: the buffer they fill, the head that
// shared the first buffer, the sends of one buffer that add up to it
// (the socket took less, then the rest), the body's end, a chunk's
// framing. The capture then says how each send travelled (segments,
// records, frames) and why the socket took less (the server's window).

// Direction is which way an event's bytes went.
type Direction uint8

const (
	DirRecv Direction = iota // Recv header, Recv data: what curl received
	DirSend                  // Send header, Send data: what curl sent
)

func (d Direction) String() string {
	if d == DirSend {
		return "send"
	}
	return "recv"
}

// MarshalText writes the direction's name in JSON.
func (d Direction) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// BufferSource says how curl's upload buffer was found.
type BufferSource uint8

const (
	UploadBufferUnknown  BufferSource = iota // the trace does not show it
	UploadBufferRepeated                     // the largest send size, repeated in the trace
	UploadBufferDefault                      // libcurl's default (65536 since 7.62), and no send is larger
	// UploadBufferSums: libcurl's default, which the sends add up to more
	// often than to the largest size they repeat (short writes repeat
	// sizes too).
	UploadBufferSums
	// UploadBufferWindow: libcurl's default; the size the sends repeat is
	// what an HTTP/2 flow-control window allowed each of them.
	UploadBufferWindow
)

func (b BufferSource) String() string {
	return [...]string{"unknown", "repeated", "curl-default", "curl-default-sums", "curl-default-window"}[min(int(b), 4)]
}

// Default tells whether the buffer is taken to be libcurl's default.
func (b BufferSource) Default() bool {
	return b == UploadBufferDefault || b == UploadBufferSums || b == UploadBufferWindow
}

// MarshalText writes the buffer source's name in JSON.
func (b BufferSource) MarshalText() ([]byte, error) { return []byte(b.String()), nil }

// uploadDefault is libcurl's upload buffer unless the application sets
// CURLOPT_UPLOAD_BUFFERSIZE (the curl tool does not): 64 KiB since 7.62.
const uploadDefault = 65536

// UploadFact is a send's place in its request, from the trace's sends.
type UploadFact struct {
	Source Source `json:"source"`
	// Buffer is curl's upload buffer (0: the trace does not show it), and
	// how it was found.
	Buffer   int          `json:"buffer"`
	BufferBy BufferSource `json:"buffer_by"`
	// Paused is how long curl waited after the request's send before
	// this one, when that was a pause (--limit-rate); 0 otherwise. Paced:
	// the upload's sends of its largest size mostly came after pauses.
	Paused time.Duration `json:"paused_ns,omitempty"`
	Paced  bool          `json:"paced,omitempty"`
	// Head is the request head (Send header) of the request; HeadShared
	// tells that the head and the body's first bytes filled one buffer
	// (curl 8 sends them in one write).
	Head       int  `json:"head"`
	HeadShared bool `json:"head_shared"`
	// Body is the request body as curl logged it: the sum of its sends.
	// ContentLength is the Content-Length curl sent (-1: none).
	Body          int64 `json:"body"`
	ContentLength int64 `json:"content_length"`
	// Offset is where this send starts in the body; Index is its place
	// among the body's Sends; FullBuffers counts the body's sends that
	// filled the buffer alone.
	Offset      int64 `json:"offset"`
	Index       int   `json:"index"`
	Sends       int   `json:"sends"`
	FullBuffers int   `json:"full_buffers"`
	// Group is the sends that together filled one buffer, this one among
	// them (1 when it filled the buffer alone; 0 when the sends around it
	// add up to no buffer); Offered is what curl offered the socket at
	// this send (the buffer, less the head and the earlier sends of it).
	Group   int `json:"group"`
	Offered int `json:"offered"`
	// Chunked: the request body is chunked (Transfer-Encoding: chunked);
	// ChunkData and ChunkFraming are this send's chunk data and framing,
	// read from the bytes curl logged, when it holds whole chunks.
	Chunked bool `json:"chunked"`
	// FormPart: the body is a multipart form and this send ends where a
	// part ends (the next send begins with the boundary), or with a part's
	// boundary and headers (its data, a file, comes next): curl's form
	// reader returns at a part's end.
	FormPart bool `json:"form_part,omitempty"`
	// Stopped: the sends add up to less than the Content-Length curl sent:
	// curl stopped the upload (a server's early answer).
	Stopped      bool `json:"stopped,omitempty"`
	Chunks       int  `json:"chunks,omitempty"`
	ChunkData    int  `json:"chunk_data,omitempty"`
	ChunkFraming int  `json:"chunk_framing,omitempty"`
	LastChunk    bool `json:"last_chunk,omitempty"`
	// ChunkBounds: the whole chunked body was read across its sends, and
	// StartsChunk, EndsChunk tell whether this send begins and ends where
	// a chunk does; EndsBody, that it ends the body (the terminating
	// chunk's end). ChunkWrites: the trace is curl 7's, which frames each
	// read of its source as a chunk and writes it on its own, so a send
	// that begins inside a chunk is the rest of a write the socket took
	// only part of (curl 8 fills its buffer with chunks across writes).
	ChunkBounds bool `json:"chunk_bounds,omitempty"`
	ChunkWrites bool `json:"chunk_writes,omitempty"`
	StartsChunk bool `json:"starts_chunk,omitempty"`
	EndsChunk   bool `json:"ends_chunk,omitempty"`
	EndsBody    bool `json:"ends_body,omitempty"`
	// ChunkWrite is the chunk (size line, data and CRLF) this send lies
	// in, when it lies in one, and ChunkBefore how much of it the sends
	// before it took.
	ChunkWrite  int `json:"chunk_write,omitempty"`
	ChunkBefore int `json:"chunk_before,omitempty"`
}

// SendBufferFact is the state of the connection when curl logged a send,
// as the capture shows it: the bytes curl had written that the socket had
// not sent yet (Unsent), the bytes in flight, the window the server had
// advertised last (by packet Packet), and whether it advertised a zero
// window since the send's first segment.
type SendBufferFact struct {
	Source     Source `json:"source"`
	Packet     int    `json:"packet"`
	Window     int    `json:"window"`
	InFlight   int64  `json:"in_flight"`
	Unsent     int64  `json:"unsent"`
	ZeroWindow bool   `json:"zero_window"`
	// Full: the bytes in flight reached the window, within one MSS.
	Full bool `json:"full"`
}

// backedUp tells that the socket held bytes it could not send when curl
// logged the send, with the server's window full or zero: its buffer was
// filling because the receiver was not taking the bytes (a held byte
// alone is a matter of microseconds and of the clocks' alignment).
func (b *SendBufferFact) backedUp() bool { return b != nil && b.Unsent > 0 && (b.Full || b.ZeroWindow) }

// ExpectFact is the wait before a body whose head sent "Expect:
// 100-continue": from the head to the body's first send (trace times),
// and how it ended.
type ExpectFact struct {
	Source   Source        `json:"source"`
	Waited   time.Duration `json:"waited_ns"`
	HasTime  bool          `json:"has_time"`
	Answered bool          `json:"answered"`  // a 100 Continue came first
	TimedOut bool          `json:"timed_out"` // curl logged "Done waiting for 100-continue"
	// LateLine is the trace line of a 100 Continue that came after curl
	// stopped waiting and began the body; 0 when none did.
	LateLine int `json:"late_line,omitempty"`
}

// upRequest is one request's sends in the trace.
type upRequest struct {
	head     int   // Send header event; -1 when the body's sends came without one
	headSize int   // its size
	sends    []int // Send data events
	chunked  bool
	boundary string // multipart/form-data boundary, "" when not a form
	// answer is the final response's status line when it came before any
	// of the body was sent (answerLine its trace line; 0 when none).
	answer     string
	answerLine int
	expect     bool
	length     int64 // Content-Length, -1 when none
	answered   bool  // a 100 Continue before the first send
	timedOut   bool  // "Done waiting for 100-continue" before the first send
	lateLine   int   // a 1xx logged after the wait ran out and the body began
	shared     bool  // head and first body bytes filled one buffer
	groups     []int // per send: how many sends filled its buffer (0: none)
	offered    []int
	full       int
	body       int64
	offsets    []int64
	// chunk boundaries of a chunked body read across its sends (body
	// offsets where a chunk, or the terminating chunk's trailers, end);
	// chunkLast is where the body ends, 0 when not read.
	chunkEnds map[int64]bool
	chunkLast int64
	// The body's chunks (the terminating one included), their data and
	// framing, when it was read (chunkLast > 0).
	chunks                  int
	chunkData, chunkFraming int64
}

// uploadPlan is what the trace's sends say, before the capture.
type uploadPlan struct {
	buffer   int
	bufferBy BufferSource
	// UploadBufferSums: the buffers the sends fill, and the largest size
	// they repeat, which is not the buffer.
	fillsOf, repeated int
	reqs              []*upRequest
	of                map[int]*upRequest // event index -> its request
	// pacedUp: the upload came in slices after pauses (--limit-rate).
	pacedUp bool
}

// planUploads groups each connection's sends into requests and finds
// curl's upload buffer from their sizes.
func planUploads(t *curltrace.Trace) *uploadPlan {
	p := &uploadPlan{of: map[int]*upRequest{}}
	type key struct{ conn, xfer int }
	cur := map[key]*upRequest{}
	for i, e := range t.Events {
		k := key{eventConn(t, i), e.Xfer}
		q := cur[k]
		switch {
		case e.Kind == curltrace.SendHeader && e.Size > 0:
			q = &upRequest{head: i, headSize: e.Size, length: -1}
			q.readHead(e.Data)
			cur[k] = q
			p.reqs = append(p.reqs, q)
			p.of[i] = q
		case e.Kind == curltrace.SendData && e.Size > 0:
			if q == nil {
				q = &upRequest{head: -1, length: -1}
				cur[k] = q
				p.reqs = append(p.reqs, q)
			}
			q.sends = append(q.sends, i)
			p.of[i] = q
		case q == nil:
		case len(q.sends) > 0:
			// 100-continue lines after the body's first send are not its
			// wait, but one that came late is worth saying.
			if q.timedOut && q.lateLine == 0 && e.Kind == curltrace.RecvHeader && isStatusLine(e.Data) && e.Data[9] == '1' {
				q.lateLine = e.Line
			}
		case e.Kind == curltrace.RecvHeader && isStatusLine(e.Data) && e.Data[9] == '1':
			q.answered = true
		case e.Kind == curltrace.RecvHeader && isStatusLine(e.Data) && q.answerLine == 0 && q.head >= 0:
			q.answer, q.answerLine = strings.TrimSpace(string(e.Data)), e.Line
		case e.Kind == curltrace.Info && strings.Contains(e.Text, "Done waiting for 100-continue"):
			q.timedOut = true
		}
	}
	p.findBuffer(t)
	for _, q := range p.reqs {
		q.group(t, p.buffer)
	}
	return p
}

// readHead takes what the request head says of its body.
func (q *upRequest) readHead(head []byte) {
	for _, line := range bytes.Split(head, []byte("\r\n")) {
		name, value, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			continue
		}
		v := strings.TrimSpace(string(value))
		switch strings.ToLower(strings.TrimSpace(string(name))) {
		case "transfer-encoding":
			q.chunked = strings.Contains(strings.ToLower(v), "chunked")
		case "content-type":
			if mt, params, ok := strings.Cut(v, ";"); ok && strings.EqualFold(strings.TrimSpace(mt), "multipart/form-data") {
				for _, p := range strings.Split(params, ";") {
					if k, b, ok := strings.Cut(strings.TrimSpace(p), "="); ok && strings.EqualFold(k, "boundary") {
						q.boundary = strings.Trim(b, `"`)
					}
				}
			}
		case "expect":
			q.expect = strings.EqualFold(v, "100-continue")
		case "content-length":
			if n, err := strconv.ParseInt(v, 10, 64); err == nil && n >= 0 {
				q.length = n
			}
		}
	}
}

// findBuffer: curl's upload buffer is the largest size a body send had,
// when several had it; else libcurl's default when the trace names a curl
// that has it and no send was larger.
func (p *uploadPlan) findBuffer(t *curltrace.Trace) {
	largest, n := 0, 0
	for _, q := range p.reqs {
		if q.chunked {
			continue
		}
		for _, i := range q.sends {
			switch s := t.Events[i].Size; {
			case s > largest:
				largest, n = s, 1
			case s == largest:
				n++
			}
		}
	}
	sums := p.fills(t, uploadDefault) // the default buffers the sends fill
	switch {
	case n >= 2 && largest >= 1024 && p.paced(t, largest):
		// Sends of one size, each after a pause: --limit-rate's slices,
		// not the buffer (review 11: 51200 a second at --limit-rate 50k).
		if t.Curl.AtLeast(7, 62) && largest <= uploadDefault {
			p.buffer, p.bufferBy = uploadDefault, UploadBufferDefault
		}
	case n >= 2 && largest >= 1024 && largest < uploadDefault && t.Curl.AtLeast(7, 62) && sums > 0 && sums >= p.fills(t, largest):
		// Short writes repeat sizes too (review 28: curl 8.14 -F into a
		// small send buffer sent 28960 twice, each the part of a 65536-byte
		// buffer the socket took): libcurl's default, whose buffers the
		// sends add up to as often or more, is the buffer (review 34: six
		// retried requests, each a 155-byte head and 65381 bytes, had
		// been "curl's upload buffer is 65381 bytes").
		p.buffer, p.bufferBy = uploadDefault, UploadBufferSums
		p.fillsOf, p.repeated = sums, largest
	case n >= 2 && largest >= 1024:
		p.buffer, p.bufferBy = largest, UploadBufferRepeated
	case t.Curl.AtLeast(7, 62) && largest <= uploadDefault && largest > 0:
		p.buffer, p.bufferBy = uploadDefault, UploadBufferDefault
	}
}

// pauseBefore is how long curl waited after the send before event i of
// its request, when the trace has times and that was at least ratePause;
// 0 otherwise.
func (p *uploadPlan) pauseBefore(t *curltrace.Trace, i int) time.Duration {
	q := p.of[i]
	if q == nil {
		return 0
	}
	prev := q.head
	for _, j := range q.sends {
		if j == i {
			break
		}
		prev = j
	}
	if prev < 0 || prev == i || !t.Events[prev].HasTime || !t.Events[i].HasTime {
		return 0
	}
	if d := t.Events[i].Time - t.Events[prev].Time; d >= ratePause {
		return d
	}
	return 0
}

// paced tells whether most sends of size n but a request's first came
// after a pause: curl holding --limit-rate sends a slice at a time (curl
// 8 a few slices of its buffer a second, not all after a pause).
func (p *uploadPlan) paced(t *curltrace.Trace, n int) bool {
	sends, paused := 0, 0
	for _, q := range p.reqs {
		for k, i := range q.sends {
			if k == 0 || t.Events[i].Size != n {
				continue
			}
			sends++
			if p.pauseBefore(t, i) > 0 {
				paused++
			}
		}
	}
	p.pacedUp = sends > 0 && 2*paused >= sends
	return p.pacedUp
}

// fills counts the buffers of size buffer the sends fill, as group finds
// them.
func (p *uploadPlan) fills(t *curltrace.Trace, buffer int) int {
	n := 0
	for _, q := range p.reqs {
		if q.chunked {
			continue
		}
		size := func(k int) int { return t.Events[q.sends[k]].Size }
		head := 0
		if q.head >= 0 && sharesHead(q.headSize, size, len(q.sends), buffer) {
			head = q.headSize
		}
		bufferRuns(size, len(q.sends), head, buffer, func(k, j int) { n++ })
	}
	return n
}

// sharesHead tells whether the request head shared the first buffer: it
// and the first sends add up to it.
func sharesHead(headSize int, size func(int) int, n, buffer int) bool {
	sum := headSize
	for k := 0; k < n && sum < buffer; k++ {
		if sum += size(k); sum == buffer {
			return true
		}
	}
	return false
}

// bufferRuns calls fill for each run of sends k..j that filled one buffer:
// they add up to it, the first run with head (the head's size when it
// shared the buffer, else 0). A send no run takes may begin the next run
// (review 27: after a form part's short read, 50680 + 14856 = 65536 had
// been passed over with it).
func bufferRuns(size func(int) int, n, head, buffer int, fill func(k, j int)) {
	for k := 0; k < n; {
		sum := 0
		if k == 0 {
			sum = head
		}
		j := k
		for ; j < n && sum+size(j) < buffer; j++ {
			sum += size(j)
		}
		if j < n && sum+size(j) == buffer {
			fill(k, j)
			k = j + 1
			continue
		}
		k++
	}
}

// group finds the sends that filled each buffer: curl offers the socket
// its buffer (after the head, when the head shared it) and logs what the
// socket took; when that was less, it offers the rest next.
func (q *upRequest) group(t *curltrace.Trace, buffer int) {
	n := len(q.sends)
	q.groups, q.offered, q.offsets = make([]int, n), make([]int, n), make([]int64, n)
	for k, i := range q.sends {
		q.offsets[k] = q.body
		q.body += int64(t.Events[i].Size)
	}
	if q.chunked {
		q.chunkEnds, q.chunkLast, q.chunks, q.chunkData = chunkBounds(t, q.sends)
		q.chunkFraming = q.chunkLast - q.chunkData
	}
	if buffer == 0 || q.chunked || n == 0 {
		return
	}
	size := func(k int) int { return t.Events[q.sends[k]].Size }
	head := 0
	if q.head >= 0 && sharesHead(q.headSize, size, n, buffer) {
		q.shared, head = true, q.headSize
	}
	// What curl offered is known only in a run that filled a buffer: the
	// buffer less the sends of it before (offered stays 0 elsewhere).
	bufferRuns(size, n, head, buffer, func(k, j int) {
		sum := 0
		if k == 0 {
			sum = head
		}
		for m := k; m <= j; m++ {
			q.offered[m] = buffer - sum
			sum += size(m)
			q.groups[m] = j - k + 1
		}
		if j == k && !(k == 0 && q.shared) {
			q.full++ // filled by one send alone (the head shares the first)
		}
	})
}

// sendKind is what a send is, from the trace's sizes alone.
func (p *uploadPlan) fact(t *curltrace.Trace, i int) *UploadFact {
	q := p.of[i]
	if q == nil {
		return nil
	}
	f := &UploadFact{Source: FromTrace, Buffer: p.buffer, BufferBy: p.bufferBy, Head: q.headSize, HeadShared: q.shared,
		Body: q.body, ContentLength: q.length, Sends: len(q.sends), FullBuffers: q.full, Chunked: q.chunked, Index: -1}
	for k, j := range q.sends {
		if j != i {
			continue
		}
		f.Index, f.Offset, f.Group, f.Offered = k, q.offsets[k], q.groups[k], q.offered[k]
		f.Paused, f.Paced = p.pauseBefore(t, i), p.pacedUp
		f.FormPart = q.boundary != "" && (k+1 < len(q.sends) && startsPart(t.Events[q.sends[k+1]].Data, q.boundary) || endsAtPartHead(t.Events[i].Data, q.boundary))
		f.Stopped = q.length >= 0 && q.body < q.length
		if q.chunked {
			e := t.Events[i]
			f.Chunks, f.ChunkData, f.ChunkFraming, f.LastChunk = parseChunks(e.Data, e.Size)
			if q.chunkLast > 0 {
				end := f.Offset + int64(e.Size)
				f.ChunkBounds = true
				f.ChunkWrites = t.Curl.Known() && !t.Curl.AtLeast(8, 0)
				f.StartsChunk = f.Offset == 0 || q.chunkEnds[f.Offset]
				f.EndsChunk = q.chunkEnds[end]
				f.EndsBody = end == q.chunkLast
				if a, b, ok := chunkAround(q.chunkEnds, f.Offset, end); ok {
					f.ChunkWrite, f.ChunkBefore = int(b-a), int(f.Offset-a)
				}
			}
		}
	}
	return f
}

// chunkBounds reads a chunked body across its sends, from the bytes curl
// logged: the body offsets where each chunk ends, and where the body does
// (after the terminating chunk and its trailers), and its chunks (the
// terminating one included) and their data; last is 0 when the
// bytes are not a chunked body (a send's bytes not all logged, a size
// line unreadable, or no terminating chunk).
func chunkBounds(t *curltrace.Trace, sends []int) (ends map[int64]bool, last int64, chunks int, data int64) {
	var body []byte
	for _, i := range sends {
		e := t.Events[i]
		if len(e.Data) != e.Size {
			return nil, 0, 0, 0
		}
		body = append(body, e.Data...)
	}
	ends = map[int64]bool{}
	var off int64
	for int(off) < len(body) {
		// --trace-ascii prints a CR or LF as '.' when its pair is in
		// another send (curl 8 cuts its writes anywhere): lenient.
		b := body[off:]
		head, size, ok := chunkHead(b, true)
		if !ok {
			return nil, 0, 0, 0
		}
		if size == 0 {
			n, ok := trailerEnd(b[head:], true)
			if !ok {
				return nil, 0, 0, 0
			}
			off += int64(head + n)
			ends[off] = true
			return ends, off, chunks + 1, data
		}
		chunks++
		data += int64(size)
		off += int64(head) + int64(size) + 2
		if int(off) > len(body) || !crlfAt(body[off-2:], true) {
			return nil, 0, 0, 0
		}
		ends[off] = true
	}
	return nil, 0, 0, 0
}

// chunkAround finds the chunk whose bytes [a, b) hold the body bytes
// [from, to): none when a chunk ends between them.
func chunkAround(ends map[int64]bool, from, to int64) (a, b int64, ok bool) {
	b = -1
	for e := range ends {
		switch {
		case e > from && e < to:
			return 0, 0, false
		case e <= from && e > a:
			a = e
		case e >= to && (b < 0 || e < b):
			b = e
		}
	}
	return a, b, b >= 0
}

// parseChunks reads the chunks a send holds from the bytes curl logged:
// how many, their data and framing, and whether the last is the
// terminating zero chunk. chunks is 0 when the bytes are not whole chunks.
// A --trace-ascii dump prints CR and LF as they were ("\r\n" restored),
// and other bytes outside the printable range as '.': the framing is
// printable, and the data is skipped by its length.
func parseChunks(b []byte, n int) (chunks, data, framing int, last bool) {
	if len(b) != n {
		return 0, 0, 0, false
	}
	for len(b) > 0 {
		head, size, ok := chunkHead(b, false)
		if !ok {
			return 0, 0, 0, false
		}
		if size == 0 {
			// The last chunk, then trailers up to an empty line.
			if t, ok := trailerEnd(b[head:], false); !ok || head+t != len(b) {
				return 0, 0, 0, false
			}
			return chunks + 1, data, framing + len(b), true
		}
		end := head + int(size) + 2
		if end > len(b) || !crlfAt(b[end-2:], false) {
			return 0, 0, 0, false
		}
		chunks++
		data += int(size)
		framing += head + 2
		b = b[end:]
	}
	return chunks, data, framing, false
}

// chunkHead reads the size line that starts b (extensions after ';'
// allowed): its length with its CRLF, and the chunk's size. lenient takes
// a '.' for the CR or the LF (crlfAt).
func chunkHead(b []byte, lenient bool) (head int, size uint64, ok bool) {
	i := 0
	for i < len(b) && i <= 16 && b[i] != '\r' && (!lenient || b[i] != '.') {
		i++
	}
	if i == 0 || i > 16 || !crlfAt(b[i:], lenient) {
		return 0, 0, false
	}
	hex, _, _ := bytes.Cut(b[:i], []byte(";"))
	size, err := strconv.ParseUint(string(hex), 16, 32)
	return i + 2, size, err == nil
}

// trailerEnd is the length of what follows the terminating chunk's size
// line: its empty line, or trailer lines up to one.
func trailerEnd(b []byte, lenient bool) (int, bool) {
	if crlfAt(b, lenient) {
		return 2, true
	}
	if k := bytes.Index(b, []byte("\r\n\r\n")); k >= 0 {
		return k + 4, true
	}
	return 0, false
}

// crlfAt tells whether b begins with CRLF; lenient, with a '.' for either.
func crlfAt(b []byte, lenient bool) bool {
	if len(b) < 2 {
		return false
	}
	if lenient {
		return (b[0] == '\r' || b[0] == '.') && (b[1] == '\n' || b[1] == '.')
	}
	return b[0] == '\r' && b[1] == '\n'
}

// startsPart tells whether a send's bytes begin with a part's delimiter:
// CRLF, "--" and the boundary (the first part has no CRLF before it).
// --trace-ascii may print the CR as a dot: a few bytes of slack.
func startsPart(b []byte, boundary string) bool {
	i := bytes.Index(b[:min(len(b), len(boundary)+8)], []byte("--"+boundary))
	return i >= 0 && i <= 4
}

// endsAtPartHead tells whether a send ends with a part's delimiter and
// headers, up to the empty line that ends them: curl's form reader
// returns there before it reads the part's data (a file).
func endsAtPartHead(b []byte, boundary string) bool {
	i := bytes.LastIndex(b, []byte("--"+boundary))
	if i < 0 {
		return false
	}
	j := bytes.Index(b[i:], []byte("\r\n\r\n"))
	return j >= 0 && i+j+4 == len(b)
}

// sendRules decides a send's cause from its facts.
func sendRules(ev *Event) verdict {
	f := &ev.Facts
	u := f.Upload
	switch {
	case ev.Kind == curltrace.SendHeader:
		return certain(CauseRequestHeader)
	case u == nil:
		return cannotTell(CauseUnknown, NeedStrace)
	case u.Chunked:
		return chunkRule(ev, u)
	case u.Paced && ev.Size != u.Buffer && !u.Chunked && !f.SendBuffer.backedUp() && !(u.Index == u.Sends-1 && u.ContentLength >= 0 && u.ContentLength == u.Body) &&
		!(u.Index == 0 && u.HeadShared && u.Head+ev.Size == u.Buffer) && !initialWindow(ev):
		// curl waited before it with the socket free: it was pacing
		// itself (--limit-rate), and N is its slice, not the socket's.
		// Not the first send when the head and it fill the buffer, nor
		// one that ends HTTP/2's initial window: those are what the
		// buffer and the window held it to (review 19: 156 + 65380 =
		// 65536, strace's first sendto, had been a slice).
		return inferred(CauseRateLimit, BySendPause)
	case u.Group == 1 && u.Offered == ev.Size:
		return inferred(CauseUploadBuffer, uploadBy(u))
	case u.Index == u.Sends-1 && !u.Stopped && u.ContentLength >= 0 && u.ContentLength == u.Body:
		return certain(CauseBodyEnd) // the body ended here, whatever the windows
	case f.H2Flow.Exhausted() && initialWindow(ev) && f.H2Flow.Settings != 0 && f.H2Flow.Settings != defaultWindow:
		// HTTP/2's initial window, spent before the server's SETTINGS
		// (another window) reached curl: the windows the capture shows
		// are not what curl saw (review 34: 65535 sent into a window of
		// 16384, the stream reset with FLOW_CONTROL_ERROR, had been
		// "used up the server's window exactly").
		return inferred(CauseH2Window, ByInitialWindow)
	case f.H2Flow.Exhausted() && (f.H2Flow.StreamLeft == 0 || f.H2Flow.ConnLeft == 0) && !sentLater(f):
		return certain(CauseH2Window) // it took exactly what the window allowed
	case f.H2Flow.Exhausted():
		// Or its frames left well after curl logged it (curl 8 logs what
		// its HTTP/2 layer buffered): grants came meanwhile, and the
		// windows at the frames are not the ones curl's send saw (review
		// 34: 54 sends captured 9 ms after their lines, which said the
		// stream window was 0 and curl's 64 KiB buffer full).
		return inferred(CauseH2Window, ByWindowWait)
	case initialWindow(ev):
		// The stream's DATA up to here is HTTP/2's initial window: curl's
		// HTTP/2 layer took the bytes before the server's SETTINGS (or a
		// WINDOW_UPDATE) had reached it, whatever order the capture shows
		// them in.
		return inferred(CauseH2Window, ByInitialWindow)
	case u.Group > 1 && ev.Size < u.Offered:
		return inferred(CausePartialSend, ByBufferSum)
	case u.Group > 1:
		// Before a form part's end: the rest of a short write may end
		// where a part does (review 27: 47784 + 17752, the file part's
		// end, had been "form-part").
		return inferred(CauseBufferRest, ByBufferSum)
	case u.FormPart:
		return inferred(CauseFormPart, ByPartBoundary)
	case u.Index == u.Sends-1 && !u.Stopped:
		return bodyEndRule(ev, u)
	case u.Buffer > 0 && ev.Size < u.Buffer && f.SendBuffer.backedUp():
		return inferred(CausePartialSend, BySendPressure)
	}
	return cannotTell(CauseUnknown, shortNeeds(ev)...)
}

// sentLater tells whether a curl 8 send's frames may have left after
// curl logged it: its first segment captured more than a millisecond
// after, on the aligned clocks, or no times to tell.
func sentLater(f *Facts) bool {
	// curl 7 logs a send after nghttp2 wrote it: a gap there is its
	// clock's offset (review 35: a steady 1.6-2.2 ms), not a wait.
	if f.curl.Known() && !f.curl.AtLeast(8, 0) {
		return false
	}
	// curl 8 without times: when the frames left is not known (review
	// 37: 55 sends certain without --trace-time, inferred with it).
	return f.Timing == nil || f.Timing.FirstBefore < -time.Millisecond
}

// initialWindow: an HTTP/2 send whose stream DATA, up to its end, is the
// initial window (65535).
func initialWindow(ev *Event) bool {
	f, u := &ev.Facts, ev.Facts.Upload
	return (f.Layer == LayerH2C || f.Layer == LayerH2TLS) && u.Offset+int64(ev.Size) == defaultWindow && !u.Chunked
}

// shortNeeds is what would tell why a send was short: the capture, with
// times, shows whether the socket was backed up when curl logged it;
// strace shows what curl offered.
func shortNeeds(ev *Event) []Need {
	switch {
	case ev.Conn < 0:
		return []Need{NeedCapture, NeedStrace}
	case ev.Time.IsZero() && !ev.hasTOD:
		return []Need{NeedTraceTime, NeedStrace}
	}
	// With times that could not be put on the capture's clock, strace
	// is what tells (review 11: "add --trace-time" to a trace that had it).
	return []Need{NeedStrace}
}

// uploadBy names what makes a full send curl's buffer.
func uploadBy(u *UploadFact) Inference {
	if u.BufferBy.Default() {
		return ByCurlDefault
	}
	return ByUploadSizes
}

// bodyEndRule: the last send of a body. Certain when the Content-Length
// curl sent is what its sends add up to; else that no later send came
// is what says so.
func bodyEndRule(ev *Event, u *UploadFact) verdict {
	if u.ContentLength >= 0 && u.ContentLength == u.Body {
		return certain(CauseBodyEnd)
	}
	return inferred(CauseBodyEnd, ByLastSend)
}

// chunkRule: a send of a chunked body holds whole chunks (one read of
// curl's source, framed) or the terminating chunk; anything else is a
// piece of one, which only a socket that took less explains.
func chunkRule(ev *Event, u *UploadFact) verdict {
	switch {
	case u.Chunks > 0 && u.LastChunk && u.ChunkData == 0:
		return certain(CauseBodyEnd)
	case u.Chunks > 0:
		return certain(CauseUploadChunk)
	case u.EndsBody:
		return certain(CauseBodyEnd) // it ends with the terminating chunk
	case u.ChunkWrites && !u.StartsChunk && u.EndsChunk:
		return inferred(CauseBufferRest, ByChunkRest)
	case u.ChunkWrites && !u.EndsChunk:
		// It stops inside a chunk, which curl 7 writes whole: the socket
		// took less than it offered.
		return inferred(CausePartialSend, ByChunkCut)
	case u.ChunkBounds:
		// curl 8 fills its buffer with chunks, cut where the buffer is
		// full: a send that is no whole chunks may be a whole write as
		// well as a partial one, backed-up socket or not (strace of a run
		// showed 29 of 73 such sends whole).
	case ev.Facts.SendBuffer.backedUp():
		return inferred(CausePartialSend, BySendPressure)
	}
	return cannotTell(CauseUnknown, shortNeeds(ev)...)
}

// placeSends makes an event of every Send header and Send data event, its
// size facts from the trace's sends and its place on the capture; the
// sides it returns place and time them.
func (r *Result) placeSends(conns map[int]*connState) map[int]*sendSide {
	t := r.Trace
	plan := planUploads(t)
	r.uploads = plan
	sides, connects := map[int]*sendSide{}, map[int]*sendSide{}
	for i := range t.Events {
		e := &t.Events[i]
		if (e.Kind != curltrace.SendHeader && e.Kind != curltrace.SendData) || e.Size == 0 {
			continue
		}
		ti := eventConn(t, i)
		st := conns[ti]
		ev := Event{Index: i, Line: e.Line, Size: e.Size, Dir: DirSend, Kind: e.Kind, Conn: -1}
		ev.Facts.Layer, ev.Facts.n, ev.Facts.curl, ev.Facts.ascii = LayerUnknown, e.Size, t.Curl, t.ASCII
		ev.tod, ev.hasTOD = e.Time, e.HasTime
		ev.Facts.Upload = plan.fact(t, i)
		if e.Kind == curltrace.SendData {
			ev.Facts.Expect = plan.expect(t, i)
		}
		if st != nil {
			ev.Facts.Layer = st.layer
		}
		if st != nil && st.m != nil {
			ev.Conn = st.m.Conn.ID
			if st.parallel {
				// curl 7's parallel transfers: the connection is the
				// last one connected, a guess, until the send's bytes
				// are found on one.
				if _, found := st.content.placedAt(ev.Index, st.m.Conn); !found {
					ev.Conn = -1
					ev.Notes = append(ev.Notes, NoteUnplaced)
					r.Sends = append(r.Sends, ev)
					continue
				}
			}
			ev.Facts.Point = st.m.Point
			s := sides[ti]
			if s == nil {
				s = newSendSide(st)
				sides[ti] = s
			}
			if st.walked && bytes.HasPrefix(e.Data, []byte("CONNECT ")) {
				if connects[ti] == nil {
					connects[ti] = connectSide(st)
				}
				s, ev.Facts.Layer = connects[ti], LayerHTTP1
			}
			// In a tunnel only the CONNECT itself is in the clear.
			inTunnel := (st.tunnel || st.nested) && !bytes.HasPrefix(e.Data, []byte("CONNECT "))
			if inTunnel {
				ev.Facts.Conn = &ConnFact{Source: FromCapture, Tunnel: true}
			}
			if inTunnel || !s.place(&ev, e) {
				ev.Notes = append(ev.Notes, NoteUnplaced)
				st.captureFact(&ev) // inside TLS: what kept the records from being read
				if ev.Facts.Capture == nil && st.clearCut != nil {
					ev.Facts.Capture = st.clearCut
				}
			}
		}
		r.Sends = append(r.Sends, ev)
	}
	return sides
}

// decideSends dates the sends on the capture's clock (once timeReads has
// aligned the clocks), reads the connection's state when each was logged,
// and decides each one's cause.
func (r *Result) decideSends(conns map[int]*connState, sides map[int]*sendSide) {
	t := r.Trace
	if !t.HasTimes {
		r.pacedByCapture()
	}
	r.windowCutBuffer()
	for i := range r.Sends {
		ev := &r.Sends[i]
		ev.Facts.curl = t.Curl
		ti := eventConn(t, ev.Index)
		if st := conns[ti]; st != nil && st.m != nil && st.m.Aligned && ev.hasTOD {
			timeSend(ev, st.m)
			if s := sides[ti]; s != nil {
				s.pressure(ev)
			}
		}
		v := sendRules(ev)
		if st := conns[ti]; v.conf == Certain && ev.Conn >= 0 && st != nil && st.m != nil && st.m.Ambiguous {
			// As for reads: certain of the connection it was matched to;
			// that the match is this transfer's is the guess.
			v.conf, v.inf = Inferred, ByGuessedMatch
		}
		if v.conf == Certain && ev.Facts.distant {
			// The clocks say the capture may be of another run.
			v.conf, v.inf = Inferred, ByDistantClocks
		}
		ev.Cause, ev.Confidence, ev.Inference, ev.Needs = v.cause, v.conf, v.inf, fitNeeds(&ev.Facts, v.needs)
		if !t.HasTimes {
			ev.Notes = append(ev.Notes, NoteNoTime)
		}
		if u := ev.Facts.Upload; u != nil && u.ChunkFraming > 0 {
			ev.Notes = append(ev.Notes, NoteChunkFraming)
		}
	}
}

// pacedByCapture finds, in a trace without times, the uploads whose sends
// of their largest size mostly left in bursts after a silence of half a
// second or more (the capture's times): curl pacing itself (--limit-rate),
// whose slices are not its upload buffer (review 11: "curl's upload buffer
// is 30720 bytes" at --limit-rate 30k without --trace-time). A burst is a
// send whose segments span under a quarter of the silence before it: a
// server reading slowly spreads them instead.
func (r *Result) pacedByCapture() {
	var req []*Event
	flush := func() {
		defer func() { req = req[:0] }()
		largest := 0
		for _, ev := range req {
			if ev.Kind == curltrace.SendData {
				largest = max(largest, ev.Size)
			}
		}
		n, paused := 0, 0
		gaps := make([]time.Duration, len(req))
		for k := 1; k < len(req); k++ {
			prev, ev := req[k-1], req[k]
			if ev.Size != largest {
				continue
			}
			n++
			if len(prev.Segments) == 0 || len(ev.Segments) == 0 {
				continue
			}
			gap := ev.Segments[0].Arrived.Sub(prev.Segments[len(prev.Segments)-1].Arrived)
			span := ev.Segments[len(ev.Segments)-1].Arrived.Sub(ev.Segments[0].Arrived)
			if gap >= ratePause && 4*span < gap {
				paused++
				gaps[k] = gap
			}
		}
		if n == 0 || 2*paused < n {
			return
		}
		for k, ev := range req {
			u := ev.Facts.Upload
			u.Paced, u.Paused = true, gaps[k]
			if u.BufferBy == UploadBufferRepeated && u.Buffer == largest {
				u.FullBuffers, u.Group = 0, 0 // the slices filled no buffer
				u.Buffer, u.BufferBy = 0, UploadBufferUnknown
				if r.Trace.Curl.AtLeast(7, 62) && largest <= uploadDefault {
					u.Buffer, u.BufferBy = uploadDefault, UploadBufferDefault
				}
			}
		}
	}
	var head *Event // the request's head, whose fact names the buffer too
	for i := range r.Sends {
		ev := &r.Sends[i]
		u := ev.Facts.Upload
		if ev.Kind == curltrace.SendHeader && u != nil {
			flush()
			head = ev
			continue
		}
		if ev.Kind != curltrace.SendData || u == nil || u.Chunked {
			continue
		}
		if u.Index == 0 || len(req) > 0 && req[len(req)-1].Conn != ev.Conn {
			flush()
		}
		if len(req) == 0 && head != nil && head.Conn == ev.Conn {
			req = append(req, head) // not a send of the body: its size is not compared
		}
		req = append(req, ev)
	}
	flush()
}

// windowCutBuffer: HTTP/2 sends of the repeated size, each of which used
// up a flow-control window, are the window's size, not curl's upload
// buffer (review 34: "curl's upload buffer is 16384 bytes" of curl 7.88,
// which reads 65536, against a server whose stream window was 16384).
func (r *Result) windowCutBuffer() {
	p := r.uploads
	if p == nil || p.bufferBy != UploadBufferRepeated || p.buffer >= uploadDefault {
		return
	}
	// Only a size below libcurl's default that the server's SETTINGS set
	// as the stream window: the ledger's windows alone are not enough
	// (review 35: 65536-byte sends of curl's buffer, a WINDOW_UPDATE after
	// every frame the ledger missed, had become "the server's window").
	n, cut := 0, 0
	for i := range r.Sends {
		ev := &r.Sends[i]
		if ev.Kind != curltrace.SendData || ev.Size != p.buffer {
			continue
		}
		n++
		if f := ev.Facts.H2Flow; f.Exhausted() && f.Settings == int64(p.buffer) {
			cut++
		}
	}
	if n == 0 || cut < n {
		return
	}
	old, buf, by := p.buffer, 0, UploadBufferUnknown
	if r.Trace.Curl.AtLeast(7, 62) {
		buf, by = uploadDefault, UploadBufferWindow
	}
	p.buffer, p.bufferBy, p.repeated = buf, by, old
	for _, q := range p.reqs {
		q.full, q.shared = 0, false
	}
	for i := range r.Sends {
		if u := r.Sends[i].Facts.Upload; u != nil && u.BufferBy == UploadBufferRepeated && u.Buffer == old {
			u.Buffer, u.BufferBy, u.FullBuffers, u.Group, u.Offered = buf, by, 0, 0, 0
		}
	}
}

// expect is the wait before the body's first send, when the head asked
// for 100 Continue.
func (p *uploadPlan) expect(t *curltrace.Trace, i int) *ExpectFact {
	q := p.of[i]
	if q == nil || !q.expect || len(q.sends) == 0 || q.sends[0] != i || q.head < 0 {
		return nil
	}
	f := &ExpectFact{Source: FromTrace, Answered: q.answered, TimedOut: q.timedOut, LateLine: q.lateLine}
	h, e := t.Events[q.head], t.Events[i]
	if h.HasTime && e.HasTime {
		f.Waited, f.HasTime = e.Time-h.Time, true
	}
	return f
}

// timeSend dates a send on the capture's clock, and its segments against
// it: Before is how long before curl logged the send a segment was
// captured (curl logs what the socket took, once it took it; a segment
// still in the socket's buffer leaves after).
func timeSend(ev *Event, m *Match) {
	ev.Time = readTime(m, ev.tod).Add(-m.ClockSkew)
	if len(ev.Segments) == 0 {
		return
	}
	for j := range ev.Segments {
		ev.Segments[j].Before = ev.Time.Sub(ev.Segments[j].Arrived)
	}
	ev.Facts.Timing = &TimingFact{Source: FromCapture, LastBefore: latest(ev.Segments).Before, FirstBefore: earliest(ev.Segments).Before}
}

// SendSummary condenses the sends.
type SendSummary struct {
	Events  int   // Send header and Send data events
	Headers int   // of them Send header
	Bytes   int64 // Send data bytes
	Causes  []CauseCount
	// Confidence counts the sends by confidence.
	Confidence [3]int
	// Buffer is curl's upload buffer as the sends show it (0: not shown).
	Buffer   int
	BufferBy BufferSource
	// UploadBufferSums: how many buffers the sends fill, and the largest
	// size they repeat.
	BufferFills, Repeated int
	Requests              []UploadSummary
}

// UploadSummary is one request's body as its sends show it.
type UploadSummary struct {
	Line          int   `json:"line"` // the Send header's line (the first send's without one)
	Conn          int   `json:"conn"` // capture connection; -1 when unmatched
	Head          int   `json:"head"`
	HeadShared    bool  `json:"head_shared"`
	Body          int64 `json:"body"`
	ContentLength int64 `json:"content_length"` // -1: none
	Sends         int   `json:"sends"`
	FullBuffers   int   `json:"full_buffers"`
	Partial       int   `json:"partial"`   // sends the socket took only part of
	H2Window      int   `json:"h2_window"` // sends that used up an HTTP/2 flow-control window
	FormParts     int   `json:"form_parts"`
	Chunked       bool  `json:"chunked"`
	Chunks        int   `json:"chunks"` // the body's chunks (the terminating one included), read across its sends; 0 when not readable
	// Terminated: the terminating chunk is one of Chunks.
	Terminated   bool  `json:"terminated,omitempty"`
	ChunkData    int64 `json:"chunk_data"`
	ChunkFraming int64 `json:"chunk_framing"`
	Last         int   `json:"last"` // the last send's size
	// Unsent: the head announced a body (a Content-Length above 0, or
	// chunked) and the server's final answer (Answer, at AnswerLine) came
	// before any of it was sent: curl sent none.
	Unsent      bool   `json:"unsent,omitempty"`
	Answer      string `json:"answer,omitempty"`
	AnswerLine  int    `json:"answer_line,omitempty"`
	AskedExpect bool   `json:"asked_expect,omitempty"` // the head asked for 100 Continue
	// Expect: the first send waited for 100 Continue.
	Expect *ExpectFact `json:"expect"`
}

// summarizeSends counts the sends' causes and sums each request's body.
func (r *Result) summarizeSends() {
	s := &r.Summary.Send
	causes := map[Cause]*CauseCount{}
	for i, e := range r.Sends {
		s.Events++
		if e.Kind == curltrace.SendHeader {
			s.Headers++
		} else {
			s.Bytes += int64(e.Size)
		}
		if causes[e.Cause] == nil {
			causes[e.Cause] = &CauseCount{Cause: e.Cause, Example: i}
		}
		causes[e.Cause].Count++
		s.Confidence[e.Confidence]++
	}
	for _, c := range causes {
		s.Causes = append(s.Causes, *c)
	}
	sortCauses(s.Causes)
	p := r.uploads
	if p == nil {
		return
	}
	s.Buffer, s.BufferBy, s.BufferFills, s.Repeated = p.buffer, p.bufferBy, p.fillsOf, p.repeated
	byIndex := map[int]*Event{}
	for i := range r.Sends {
		byIndex[r.Sends[i].Index] = &r.Sends[i]
	}
	for _, q := range p.reqs {
		if len(q.sends) == 0 {
			if q.answerLine > 0 && (q.length > 0 || q.chunked) {
				// The server answered before the body (review 27: a 413
				// to Expect: 100-continue, and nothing said of the body).
				u := UploadSummary{Line: r.Trace.Events[q.head].Line, Conn: -1, Head: q.headSize, ContentLength: q.length, Chunked: q.chunked,
					Unsent: true, Answer: q.answer, AnswerLine: q.answerLine, AskedExpect: q.expect}
				if ev := byIndex[q.head]; ev != nil {
					u.Conn = ev.Conn
				}
				s.Requests = append(s.Requests, u)
			}
			continue
		}
		u := UploadSummary{Head: q.headSize, HeadShared: q.shared, Body: q.body, ContentLength: q.length, Sends: len(q.sends),
			FullBuffers: q.full, Chunked: q.chunked, Conn: -1}
		first := q.head
		if first < 0 {
			first = q.sends[0]
		}
		u.Line = r.Trace.Events[first].Line
		if q.chunkLast > 0 {
			// The chunks of the whole body, read across its sends: a
			// chunk a short write cut is in two sends, whole in neither
			// (review 27: "36,876 bytes of data in 1 chunk" of 102,400
			// in 2).
			u.Chunks, u.Terminated, u.ChunkData, u.ChunkFraming = q.chunks, true, q.chunkData, q.chunkFraming
		}
		for _, i := range q.sends {
			ev := byIndex[i]
			if ev == nil {
				continue
			}
			u.Conn = ev.Conn
			u.Last = ev.Size
			switch ev.Cause {
			case CausePartialSend:
				u.Partial++
			case CauseH2Window:
				u.H2Window++
			case CauseFormPart:
				u.FormParts++
			}

			if ev.Facts.Expect != nil {
				u.Expect = ev.Facts.Expect
			}
			if f := ev.Facts.Upload; f != nil && f.Paced && f.FullBuffers == 0 {
				u.FullBuffers = 0 // its slices, found paced by the capture, filled no buffer
			}
		}
		s.Requests = append(s.Requests, u)
	}
}
