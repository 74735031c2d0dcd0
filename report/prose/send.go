package prose

import (
	"fmt"
	"strings"

	"github.com/segscope/segscope/curltrace"
	"github.com/segscope/segscope/explain"
)

// The words for sends: curl's Send header and Send data events.

// sendWhy explains one send in a sentence, from its facts and cause.
func sendWhy(e explain.Event) string {
	return verdict(e, sendCauseSentence(e), sendNeedText) + expectText(e) + wireText(e) + sendTimingText(e)
}

// sendNeedText: what is missing for a send; strace shows what curl
// offered the socket, which the trace does not log.
func sendNeedText(n explain.Need) string {
	switch n {
	case explain.NeedStrace:
		return "what curl offered the socket: strace -f -e trace=sendto,write,sendmsg curl ... in a run of the same condition (a write returns what the socket took of what it was offered)"
	case explain.NeedTraceTime:
		return "the send times: add --trace-time to curl (the capture then shows whether the socket held unsent bytes when curl logged the send)"
	}
	return needText(n)
}

// bufferName names curl's upload buffer and how it is known.
func bufferName(u *explain.UploadFact) string {
	switch u.BufferBy {
	case explain.UploadBufferRepeated:
		return fmt.Sprintf("its %d-byte upload buffer", u.Buffer)
	case explain.UploadBufferDefault, explain.UploadBufferSums, explain.UploadBufferWindow:
		return fmt.Sprintf("its %d-byte upload buffer (libcurl's default)", u.Buffer)
	}
	return "its upload buffer"
}

func sendCauseSentence(e explain.Event) string {
	u := e.Facts.Upload
	switch e.Cause {
	case explain.CauseRequestHeader:
		return headerSentence(e)
	case explain.CauseUploadBuffer:
		tls := e.Facts.Layer == explain.LayerTLS
		if u.HeadShared && u.Index == 0 {
			how := "in one write"
			if tls {
				how = "in records, as the socket took them (how many writes and waits that was is not in the trace)"
			}
			return fmt.Sprintf("curl filled %s with the request head (%d bytes, logged apart as Send header) and these %d bytes of body, %d + %d = %d, and %s took all of it %s", bufferName(u), u.Head, e.Size, u.Head, e.Size, u.Buffer, taker(e), how)
		}
		if tls {
			return fmt.Sprintf("curl filled %s from its source and %s took all of it, writing it to the socket in records as the socket took them (how many writes and waits that was is not in the trace)", bufferName(u), taker(e)) + pressureText(e.Facts.SendBuffer)
		}
		return fmt.Sprintf("curl filled %s from its source and %s took all of it", bufferName(u), taker(e))
	case explain.CausePartialSend:
		return partialSentence(e)
	case explain.CauseRateLimit:
		if u.Paused > 0 {
			return fmt.Sprintf("curl waited %s after its send before, with the socket free, then sent %d bytes: a slice of a paced upload (--limit-rate), not what its buffer or the socket held it to", roundDur(u.Paused), e.Size)
		}
		return fmt.Sprintf("%d bytes of a paced upload (its sends mostly come after pauses, with the socket free: --limit-rate): a slice curl sent, not what its buffer or the socket held it to", e.Size)
	case explain.CauseBufferRest:
		if u.ChunkWrites && u.ChunkWrite > 0 {
			return fmt.Sprintf("the rest of a chunk %s had taken only part of: curl 7 writes each chunk (size line, data, CRLF) whole; the sends before took %d bytes of this %d-byte one, and this send the %d left (%d + %d = %d)",
				taker(e), u.ChunkBefore, u.ChunkWrite, e.Size, u.ChunkBefore, e.Size, u.ChunkWrite)
		}
		return fmt.Sprintf("the rest of a buffer %s had taken only part of: curl offered the %d bytes left of %s, and %s took them (the sends of that buffer add up to %d)", taker(e), u.Offered, bufferName(u), taker(e), u.Buffer)
	case explain.CauseH2Window:
		return h2WindowSentence(e)
	case explain.CauseFormPart:
		return fmt.Sprintf("%d bytes that end where a part of the multipart form ends (the bytes curl logged show the part's boundary): curl's form reader returns a read at a part's end, so the send is short though the socket took it all", e.Size)
	case explain.CauseUploadChunk:
		what := fmt.Sprintf("one chunk: %d bytes curl read from its source, framed with %d bytes of size line and CRLFs (%d + %d = %d)", u.ChunkData, u.ChunkFraming, u.ChunkData, u.ChunkFraming, e.Size)
		if u.Chunks > 1 {
			what = fmt.Sprintf("%d chunks: %d bytes curl read from its source, framed with %d bytes of size lines and CRLFs (%d + %d = %d)", u.Chunks, u.ChunkData, u.ChunkFraming, u.ChunkData, u.ChunkFraming, e.Size)
		}
		return what + "; a chunked upload sends each read of its source as it comes"
	case explain.CauseBodyEnd:
		return bodyEndSentence(e)
	case explain.CauseUnmatched:
		return "no capture connection of this transfer"
	}
	if u == nil {
		return fmt.Sprintf("%d bytes, with no request head before them in the trace", e.Size)
	}
	if u.Chunked {
		return fmt.Sprintf("%d bytes of a chunked body that are not whole chunks, and the capture shows no backed-up connection", e.Size)
	}
	return fmt.Sprintf("%d bytes: not %s, not the body's end, and the sends around it add up to no buffer", e.Size, "curl's "+strings.TrimPrefix(bufferName(u), "its "))
}

func headerSentence(e explain.Event) string {
	s := fmt.Sprintf("the request head (%d bytes), which curl logs as one event", e.Size)
	if e.Facts.Layer == explain.LayerH2C || e.Facts.Layer == explain.LayerH2TLS {
		s = fmt.Sprintf("the request head as curl renders it (%d bytes, HTTP/1-style)", e.Size)
		if f := e.Facts.Frames; f != nil && f.Extent > 0 {
			s += fmt.Sprintf("; on the wire it is a %d-byte HEADERS frame (HPACK-coded)", f.Extent)
		}
	}
	if u := e.Facts.Upload; u != nil && u.HeadShared {
		s += fmt.Sprintf("; it shared curl's first %d-byte upload buffer with the body's first bytes (one write)", u.Buffer)
	}
	return s
}

// taker is what takes curl's writes: the socket, or over HTTP/2 curl's
// HTTP/2 layer, which also holds to the server's flow-control windows.
func taker(e explain.Event) string {
	switch e.Facts.Layer {
	case explain.LayerH2C, explain.LayerH2TLS:
		return "curl's HTTP/2 layer"
	case explain.LayerTLS:
		// curl logs a send once TLS took all of it: the socket writes
		// under it (short ones too, and waits) are not in the trace.
		return "curl's TLS layer"
	}
	return "the socket"
}

// h2WindowSentence: the send used up a flow-control window.
func h2WindowSentence(e explain.Event) string {
	f := e.Facts.H2Flow
	if e.Inference == explain.ByInitialWindow || f == nil {
		return fmt.Sprintf("HTTP/2 flow control: %d bytes bring the stream's DATA to 65535, HTTP/2's initial stream window, which curl's HTTP/2 layer may not exceed until the server grants more", e.Size)
	}
	which, left := "stream", f.StreamLeft
	if f.ConnLeft < f.StreamLeft {
		which, left = "connection", f.ConnLeft
	}
	var s string
	switch {
	case left == 0 && e.Inference == explain.ByWindowWait && e.Facts.Timing == nil:
		s = fmt.Sprintf("HTTP/2 flow control: its DATA used up the server's %s window exactly; curl 8 logs a send when its HTTP/2 layer takes the bytes into its own buffer, and without --trace-time when the frames left, so whether that window was the one curl's send saw, is not known", which)
	case left == 0 && e.Inference == explain.ByWindowWait && e.Facts.Timing != nil:
		// Its frames left well after the line (review 34): the window
		// they met is not the one curl's send saw.
		s = fmt.Sprintf("HTTP/2 flow control: its DATA, which left %s after curl logged the send, used up the server's %s window exactly; curl 8 logs a send when its HTTP/2 layer takes the bytes into its own buffer, so N is what that buffer had room for, and the bytes waited there for the window", roundDur(-e.Facts.Timing.FirstBefore), which)
	case left == 0:
		s = fmt.Sprintf("HTTP/2 flow control: curl's HTTP/2 layer took what the server's %s window allowed, and this send used it up exactly", which)
	default:
		s = fmt.Sprintf("HTTP/2 flow control: the server's %s window was used up, and this send's DATA went out only as the server granted more (%d more than the window open when its first frame left)", which, -left)
	}
	switch {
	case f.Updates < 0:
		s += fmt.Sprintf("; what the server granted since stream %d's previous send is not told apart: that send ended inside this one's first DATA frame", f.Stream)
	case f.Updates > 0:
		s += fmt.Sprintf("; since stream %d's previous send the server had granted %d (stream) and %d (connection) in %s", f.Stream, f.StreamGranted, f.ConnGranted, countOf(f.Updates, "WINDOW_UPDATE", "WINDOW_UPDATEs"))
	default:
		s += fmt.Sprintf("; the server had granted nothing since stream %d's previous send", f.Stream)
	}
	if f.Initial != 65535 {
		s += fmt.Sprintf(" (its SETTINGS set the stream window to %d)", f.Initial)
	} else {
		s += " (the stream window was 65535, HTTP/2's initial one)"
	}
	return s
}

func partialSentence(e explain.Event) string {
	u := e.Facts.Upload
	var s string
	if e.Inference == explain.ByBufferSum {
		s = fmt.Sprintf("%s took %d of the %d bytes curl offered (%s", taker(e), e.Size, u.Offered, bufferName(u))
		if u.HeadShared && u.Index == 0 {
			s += fmt.Sprintf(" less the %d-byte head", u.Head)
		} else if u.Offered < u.Buffer {
			s += fmt.Sprintf(" less the %d bytes sent before", u.Buffer-u.Offered)
		}
		s += fmt.Sprintf("); the rest went in the next send: the sends of that buffer add up to %d", u.Buffer)
	} else {
		s = fmt.Sprintf("%d bytes, less than %s and not the body's end, while the connection was backed up: the socket took part of what curl offered", e.Size, bufferName(u))
	}
	if f := e.Facts.H2Flow; f != nil {
		return s + fmt.Sprintf("; not the flow-control windows, which still allowed %d (stream) and %d (connection): curl's HTTP/2 layer held the rest", f.StreamLeft, f.ConnLeft)
	}
	if taker(e) != "the socket" {
		return s + "; whether the socket or HTTP/2 flow control held the rest, only the frames would tell (--keylog)"
	}
	return s + pressureText(e.Facts.SendBuffer)
}

// pressureText says how backed up the connection was when curl logged
// the send, as the capture shows it.
func pressureText(b *explain.SendBufferFact) string {
	if b == nil {
		return ""
	}
	held := fmt.Sprintf("; when curl logged it, the socket still held %d of the bytes curl had written, unsent", b.Unsent)
	if b.Unsent == 0 {
		held = "; when curl logged it, the socket had sent all curl had written"
	}
	switch {
	case b.ZeroWindow:
		return held + fmt.Sprintf(", and the server had advertised a zero window (packet %d): it was not reading", b.Packet)
	case b.Full:
		return held + fmt.Sprintf(", and the server's receive window was full (%d bytes in flight, window %d, packet %d): the server read slower than curl wrote", b.InFlight, b.Window, b.Packet)
	case b.InFlight == 0 && b.Unsent > 0:
		// Nothing in flight, the window open: TCP had nothing to wait
		// for, so it was not holding them (review 27: a tbf shaper's
		// queue, below TCP and before tcpdump, was "the socket still
		// held 91596 bytes").
		return fmt.Sprintf("; when curl logged it, the capture had not yet seen %d of the bytes curl had written, though nothing was in flight and the server's window was %d (packet %d): TCP had no window to wait for, so they were queued below it, in a qdisc or shaper before the capture point, or the trace's clock is a little off the capture's", b.Unsent, b.Window, b.Packet)
	case b.InFlight == 0:
		return held + fmt.Sprintf("; nothing was in flight, and the server's window was %d (packet %d)", b.Window, b.Packet)
	case b.Unsent == 0:
		// Nothing waited to be sent: the send buffer was full of bytes
		// sent and not yet acknowledged.
		return held + fmt.Sprintf(", %d of them not yet acknowledged (the server's window %d, packet %d): nothing waited to be sent, so neither the window nor the path held bytes back; a socket takes no more than the room in its send buffer, which bytes in flight fill until acknowledged (its size: tcp_wmem, SO_SNDBUF)", b.InFlight, b.Window, b.Packet)
	}
	return held + fmt.Sprintf("; the server's window was not the limit (%d bytes in flight, window %d, packet %d): the path or the congestion window held the bytes back", b.InFlight, b.Window, b.Packet)
}

func bodyEndSentence(e explain.Event) string {
	u := e.Facts.Upload
	if u.Chunked && !(u.Chunks > 0 && u.ChunkData == 0) {
		return "the body's last bytes, up to the terminating chunk (0 and an empty line): the body's end"
	}
	if u.Chunked {
		return "the terminating chunk (0 and an empty line): the body's end"
	}
	s := "the last bytes of the body"
	if u.Sends == 1 {
		s = fmt.Sprintf("the whole body (%d bytes) in one send", e.Size)
		if u.Buffer > 0 && e.Size < u.Buffer {
			s += fmt.Sprintf(", smaller than %s", bufferName(u))
		}
	}
	if u.ContentLength >= 0 && u.ContentLength == u.Body {
		s += fmt.Sprintf("; the sends add up to the Content-Length curl sent, %s", thousands(u.Body))
	}
	if u.Sends > 1 {
		if a := bodyArithmetic(u, e.Size); a != "" {
			s += ": " + a
		}
	}
	return s
}

// bodyArithmetic writes the body (with the head when it shared the first
// buffer) as whole buffers and the last send, when it is that.
func bodyArithmetic(u *explain.UploadFact, last int) string {
	if u.Buffer <= 0 {
		return ""
	}
	total := u.Body
	lhs := thousands(u.Body)
	if u.HeadShared {
		total += int64(u.Head)
		lhs = fmt.Sprintf("%d (head) + %s", u.Head, thousands(u.Body))
	}
	if (total-int64(last))%int64(u.Buffer) != 0 {
		return fmt.Sprintf("the sends before it add up to %s", thousands(u.Body-int64(last)))
	}
	if last == u.Buffer {
		return fmt.Sprintf("%s = %d x %d: the body ended with a full buffer", lhs, total/int64(u.Buffer), u.Buffer)
	}
	return fmt.Sprintf("%s = %d x %d + %d", lhs, (total-int64(last))/int64(u.Buffer), u.Buffer, last)
}

// expectText: the wait for 100 Continue before the body.
func expectText(e explain.Event) string {
	x := e.Facts.Expect
	if x == nil {
		return ""
	}
	wait := ""
	if x.HasTime {
		wait = " " + roundDur(x.Waited)
	}
	switch {
	case x.TimedOut && x.LateLine > 0:
		return fmt.Sprintf("; before it curl waited%s for 100 Continue, which had not come when its wait ran out: it sent the body then (\"Done waiting for 100-continue\"; --expect100-timeout sets it), and the 100 Continue came later, during the body (line %d)", wait, x.LateLine)
	case x.TimedOut:
		return fmt.Sprintf("; before it curl waited%s for 100 Continue, which did not come: it sent the body when its wait ran out (\"Done waiting for 100-continue\"; --expect100-timeout sets it)", wait)
	case x.Answered && x.HasTime:
		// How long the 100 took is not the gap: curl's own time is in it.
		return fmt.Sprintf("; the head asked for 100 Continue, which came before the body: curl sent the body %s after the head", roundDur(x.Waited))
	case x.Answered:
		return "; the head asked for 100 Continue, which came before the body"
	}
	return fmt.Sprintf("; the head asked for 100 Continue, and curl sent the body%s after it without logging an answer", wait)
}

// sendOffloadText says where a send's segments longer than the MSS come
// from, as far as the capture point tells (review 27: a capture at the
// server with GRO on had them "captured above segmentation offload").
func sendOffloadText(p *explain.PointFact) string {
	switch {
	case p != nil && p.Where == explain.PointClient:
		return "captured above segmentation offload (GSO/TSO) on curl's host"
	case p != nil && p.Where == explain.PointServer:
		return "merged by receive offload (GRO/LRO) on the server's host, where it was captured"
	}
	return "units of segmentation offload (GSO/TSO) on curl's host, or merged by receive offload (GRO/LRO) where the capture was taken (which side that was is not shown)"
}

// wireText says how the send travelled: TLS records, HTTP/2 frames,
// segments.
func wireText(e explain.Event) string {
	var parts []string
	if r := e.Facts.Record; r != nil {
		src := "decrypted"
		if r.Source == explain.FromCapture {
			src = "laid on the record lengths less the suite's overhead, without keys"
		}
		parts = append(parts, fmt.Sprintf("%s (%s; the first %d bytes on the wire, %d of them plaintext)", countOf(r.Count, "TLS record", "TLS records"), src, r.Wire, r.Plain))
	}
	if f := e.Facts.Frames; f != nil && len(f.Frames) > 0 {
		sizes := make([]explain.Seg, 0, len(f.Frames))
		whole := true
		for _, x := range f.Frames {
			sizes = append(sizes, explain.Seg{Len: x.InRead})
			whole = whole && x.Whole()
		}
		// What of each frame's payload the send holds: a frame it shares
		// with the send before or after counts its part (review 27:
		// "16384 x2, 27" of a 32768-byte send).
		of := "bytes of payload"
		if !whole {
			of = "bytes of their payload in this send"
		}
		parts = append(parts, fmt.Sprintf("%s (%s %s)", countOf(len(f.Frames), "DATA frame", "DATA frames"), segSizes(sizes), of))
	}
	if s := e.Facts.Segments; s != nil && s.Count > 0 {
		seg := fmt.Sprintf("%s (%s)", countOf(s.Count, "segment", "segments"), segSizes(e.Segments))
		switch {
		case s.StartsInside && s.EndsInside:
			seg += ", the first and last shared with the bytes sent before and after it"
		case s.StartsInside:
			seg += ", the first shared with the bytes sent before it"
		case s.EndsInside:
			seg += ", the last shared with the bytes sent after it"
		}
		if s.Super > 0 {
			seg += ", longer than the effective MSS: " + sendOffloadText(e.Facts.Point) + ", so the wire's segments are not these"
		} else if m := e.Facts.MSS; m != nil && s.Full > 0 && s.Count == 1 {
			seg += ", the client's effective MSS"
		} else if m != nil && s.Full > 0 {
			seg += fmt.Sprintf(", %d of them the client's effective MSS %d", s.Full, m.Effective)
		}
		if m := e.Facts.MSS; m != nil && s.Exact && s.Super == 0 && s.Count > 1 && cutAtMSS(e.Size, m.Effective, s) {
			// Only where the segments are that sum: on loopback they
			// follow the writes and the window (review 32: "32768 x2:
			// 65536 = 1 x 65483 + 53").
			seg += ": " + multiple(e.Size, m.Effective)
		}
		if s.Missing > 0 {
			seg += fmt.Sprintf("; %d bytes are not in the capture", s.Missing)
		}
		parts = append(parts, seg)
	}
	for _, n := range e.Notes {
		if n == explain.NoteUnplaced && e.Conn >= 0 {
			parts = append(parts, unplacedText(e))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return "; it went out as " + strings.Join(parts, ", in ")
}

// cutAtMSS tells whether n bytes went out as full segments of eff and
// what was left, as s counts them.
func cutAtMSS(n, eff int, s *explain.SegmentFact) bool {
	if eff <= 0 {
		return false
	}
	full, rest := n/eff, 0
	if n%eff != 0 {
		rest = 1
	}
	return s.Full == full && s.Count == full+rest
}

func unplacedText(e explain.Event) string {
	switch c := e.Facts.Capture; {
	case e.Facts.Conn != nil && e.Facts.Conn.Tunnel:
		return "segments the capture cannot tell: they went through the proxy's CONNECT tunnel, whose TLS is not walked (the capture does not show it, or it runs inside an HTTPS proxy's own TLS)"
	case e.Facts.Layer == explain.LayerH2C && c != nil && c.Snapped:
		return "frames the capture cannot tell: its snap length cut the packets (capture whole packets: tcpdump -s 0)"
	case e.Facts.Layer == explain.LayerH2C:
		return "frames the capture cannot tell: the connection's HTTP/2 frames could not be read from it (packets missing or cut, or its start not captured)"
	case e.Facts.Layer != explain.LayerH2TLS && e.Facts.Layer != explain.LayerTLS:
		return "segments the capture cannot tell: the bytes curl logged were not found on the connection's stream as captured (packets missing or cut by a snap length, or its start not captured)"
	case c != nil && c.Snapped:
		return "records the capture cannot tell: its snap length cut the packets (capture whole packets: tcpdump -s 0)"
	case c != nil && c.SnapCut:
		return "records the capture cannot tell: packets of the connection are missing from it"
	case c != nil && c.TLSStatus == "unsupported":
		return "records the capture cannot tell: the connection's cipher suite is not one segscope decrypts (not AES-GCM or ChaCha20-Poly1305), key log or not (tshark -o tls.keylog_file:KEYLOG decrypts it)"
	}
	return "records the capture cannot tell without the decrypted frames (--keylog with the key log of this run)"
}

// sendTimingText: when the send's segments were captured, against the
// time curl logged it (curl logs what the socket took; the socket sends it
// when the windows let it).
func sendTimingText(e explain.Event) string {
	t := e.Facts.Timing
	if t == nil {
		return ""
	}
	a, b := t.FirstBefore, t.LastBefore // positive: before curl logged it
	switch {
	case a == 0 && b == 0:
		return "; captured as curl logged it, to the microsecond on the clocks as aligned"
	case a == b && a >= 0:
		return fmt.Sprintf("; captured %s before curl logged it", roundDur(a))
	case a == b:
		return fmt.Sprintf("; captured %s after curl logged it", roundDur(-a))
	case b >= 0:
		return fmt.Sprintf("; captured %s to %s before curl logged it", roundDur(a), roundDur(b))
	case a <= 0:
		return fmt.Sprintf("; captured %s to %s after curl logged it", roundDur(-a), roundDur(-b))
	}
	return fmt.Sprintf("; captured from %s before to %s after curl logged it", roundDur(a), roundDur(-b))
}

// uploadSentences: one summary line per request body, and the buffer.
func uploadSentences(r *explain.Result) []string {
	s := r.Summary.Send
	if len(s.Requests) == 0 {
		return nil // request heads only: nothing was uploaded
	}
	var out []string
	for _, q := range s.Requests {
		out = append(out, requestSentence(q, s, r.Summary.Stops))
	}
	switch s.BufferBy {
	case explain.UploadBufferRepeated:
		out = append(out, fmt.Sprintf("curl's upload buffer is %d bytes: the largest send, which the trace has %d times.", s.Buffer, sizeCount(r, s.Buffer)))
	case explain.UploadBufferDefault:
		out = append(out, fmt.Sprintf("curl's upload buffer is taken to be libcurl's default, %d bytes (curl %s): no send is larger, and none repeats a size that would show another.", s.Buffer, r.Trace.Curl))
	case explain.UploadBufferSums:
		out = append(out, fmt.Sprintf("curl's upload buffer is taken to be libcurl's default, %d bytes (curl %s): the sends add up to it %s, at least as often as to %d, the largest size they repeat (a request head shares the first buffer, and short writes repeat sizes too).", s.Buffer, r.Trace.Curl, times(s.BufferFills), s.Repeated))
	case explain.UploadBufferWindow:
		out = append(out, fmt.Sprintf("curl's upload buffer is taken to be libcurl's default, %d bytes (curl %s): %d, the size the sends repeat, is what the server's HTTP/2 flow-control window allowed each of them, not curl's buffer.", s.Buffer, r.Trace.Curl, s.Repeated))
	}
	c := s.Confidence
	out = append(out, fmt.Sprintf("Of the %s: certain for %d, inferred for %d, cannot tell for %d (a send's size is curl's doing: the trace's sizes show it, strace -e trace=sendto,write shows what curl offered).",
		countOf(s.Events, "send", "sends"), c[explain.Certain], c[explain.Inferred], c[explain.CannotTell]))
	return out
}

func sizeCount(r *explain.Result, size int) int {
	n := 0
	for _, e := range r.Sends {
		if e.Kind == curltrace.SendData && e.Size == size {
			n++
		}
	}
	return n
}

func requestSentence(q explain.UploadSummary, s explain.SendSummary, stops []explain.TraceLine) string {
	where := fmt.Sprintf("line %d", q.Line)
	if q.Conn >= 0 {
		where += fmt.Sprintf(", connection %d", q.Conn)
	}
	if q.Unsent {
		body := "a chunked body"
		if q.ContentLength > 0 {
			body = fmt.Sprintf("a %s-byte body", thousands(q.ContentLength))
		}
		asked := ""
		if q.AskedExpect {
			asked = " and asked for 100 Continue"
		}
		return fmt.Sprintf("Upload (%s): the head announced %s%s; the server's answer, %q (line %d), came before any of it, and curl sent none of the body.", where, body, asked, q.Answer, q.AnswerLine)
	}
	if q.Chunked {
		out := fmt.Sprintf("Chunked upload (%s): %s bytes in %s", where, thousands(q.Body), countOf(q.Sends, "send", "sends"))
		if data := q.Chunks; data > 0 {
			end := ""
			if q.Terminated {
				data--
				end = " and the terminating one"
			}
			out += fmt.Sprintf(", %s bytes of data in %s%s + %s of framing", thousands(q.ChunkData), countOf(data, "chunk", "chunks"), end, thousands(q.ChunkFraming))
		}
		return out + ": curl sends each read of its source as a chunk; N counts the framing." + expectSummary(q)
	}
	out := fmt.Sprintf("Upload (%s): %s bytes of body in %s", where, thousands(q.Body), countOf(q.Sends, "send", "sends"))
	if s.Buffer > 0 && q.FullBuffers > 0 {
		out += fmt.Sprintf("; %d filled curl's %d-byte upload buffer alone", q.FullBuffers, s.Buffer)
	}
	if q.HeadShared {
		out += fmt.Sprintf("; the head (%d bytes) shared the first buffer", q.Head)
	}
	if q.Partial > 0 {
		out += fmt.Sprintf("; in %s the socket took less than curl offered", countOf(q.Partial, "send", "sends"))
	}
	if q.H2Window > 0 {
		out += fmt.Sprintf("; %s held to an HTTP/2 flow-control window (see each send: the server's, or HTTP/2's initial one)", countOf(q.H2Window, "send", "sends"))
	}
	if q.FormParts > 0 {
		out += fmt.Sprintf("; %s ended where a form part ended", countOf(q.FormParts, "send", "sends"))
	}
	if q.ContentLength >= 0 && q.Body < q.ContentLength {
		out += fmt.Sprintf("; curl stopped the upload after %s of the %s bytes its Content-Length announced", thousands(q.Body), thousands(q.ContentLength))
		if len(stops) > 0 {
			out += fmt.Sprintf(" (line %d, curl's message: %q)", stops[0].Line, stops[0].Text)
		} else {
			out += " (a server that answers before the body ends makes curl stop; so does a reset of the stream or the connection)"
		}
	}
	if s.Buffer > 0 && q.Sends > 1 {
		u := &explain.UploadFact{Buffer: s.Buffer, Head: q.Head, HeadShared: q.HeadShared, Body: q.Body}
		if a := bodyArithmetic(u, q.Last); a != "" && !strings.HasPrefix(a, "the sends") {
			out += "; " + a
		}
	}
	return out + "." + expectSummary(q)
}

func expectSummary(q explain.UploadSummary) string {
	x := q.Expect
	if x == nil {
		return ""
	}
	e := explain.Event{Facts: explain.Facts{Expect: x}}
	return " " + capitalize(strings.TrimPrefix(expectText(e), "; ")) + "."
}

// thousands writes n with commas: 1,048,576.
func thousands(n int64) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return "-" + thousands(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
