package prose

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/segscope/segscope/analyze"
	"github.com/segscope/segscope/curltrace"
	"github.com/segscope/segscope/explain"
)

// The words: everything below turns explain's facts into sentences.

func matchHow(r *explain.Result, m explain.Match) string {
	tc := r.Trace.Conns[m.TraceConn]
	ep := fmt.Sprintf("server %s:%d", tc.IP.Unmap(), tc.Port)
	if tc.IP.Unmap().Is6() {
		ep = fmt.Sprintf("server [%s]:%d", tc.IP.Unmap(), tc.Port)
	}
	switch m.By {
	case explain.ByServerAndClient:
		return fmt.Sprintf("%s and client port %d (from the trace)", ep, tc.LocalPort)
	case explain.ByContent:
		return ep + ", and the bytes curl logged, found on this connection's stream"
	case explain.ByConnectTime:
		if m.Ambiguous {
			// curl 7's clock, up to a second off: the nearest is a guess
			// (review 40: the other run's, a second later, chosen).
			return ep + ": of the capture's connections to it, the one nearest the trace's connect line on a clock that can be a second off, a guess (the bytes curl logged are on several)"
		}
		return ep + ": of the capture's connections to it, the one that connected when the trace's connect line says (the bytes curl logged are on several)"
	case explain.ByClientRandom:
		return ep + ", and the random of the ClientHello curl dumped, which this connection's carries"
	}
	return ep + ", in the order of connection"
}

func problemText(p explain.Problem) string {
	switch p.Kind {
	case explain.ProblemRequestDiffers:
		return fmt.Sprintf("trace line %d sent %q but capture connection %d began with %q: the trace and the capture may be of different transfers", p.Line, p.Sent, p.Conn, p.Began)
	case explain.ProblemAmbiguous:
		how := "in order of connection"
		switch {
		case p.ByTime:
			how = "by the time of the trace's connect line, which curl 7's clock, up to a second off, cannot tell within a second"
		case p.Unseen:
			how = "by the bytes curl logged, which another connection to it, begun before the capture (its start not in it), may have carried too"
		case p.Crossed:
			how = "in order of connection: the bytes curl logged, the same on both, had matched the trace's first connection to the capture's later one, whose start the capture holds, though the other began before the capture did"
		}
		date := "none ruled out by its response's Date"
		if p.NoDate {
			// Review 20: said of a connection the trace showed no Date of,
			// or of HTTPS the capture could not read a Date in.
			date = "no response Date, in the trace or the capture, to rule any out"
		}
		return fmt.Sprintf("trace connection to %s (line %d): %d capture connections to that server could be the trace's %d (%s), and the trace does not name its client port: matched %s (to capture connection %d), a guess; name the right one with --port CLIENT-PORT (curl -w '%%{local_port}' prints it; curl 8.16+ traces name it)", p.Server, p.Line, p.Candidates, p.TraceConns, date, how, p.Conn)
	case explain.ProblemHelloDiffers:
		return fmt.Sprintf("trace connection (line %d) sent a ClientHello with random %s (curl dumped it), but capture connection %d's ClientHello has %s: another TLS session, so another transfer; it was not matched", p.Line, p.Sent, p.Conn, p.Began)
	case explain.ProblemResponseDiffers:
		return fmt.Sprintf("trace line %d logged the response header %q, but capture connection %d's response has %q: they are of different runs of the transfer, so it was not matched", p.Line, p.Sent, p.Conn, p.Began)
	case explain.ProblemClockSkew:
		return fmt.Sprintf("trace connection (line %d) and capture connection %d: the trace's clock is %s the capture's, where one host's clocks agree to within a second, and only the order of connection paired them (the bytes curl logged could not be compared): they are taken as different transfers, and no cause is given", p.Line, p.Conn, skewText(p.Skew))
	case explain.ProblemHostClocks:
		return fmt.Sprintf("trace connection (line %d) and capture connection %d: the bytes curl logged are this connection's, but the trace's clock is %s the capture's, further apart than one host's clocks are: were they taken on two hosts, or is the trace of another run? Reads are timed with that offset taken out, and no cause that rests on timing is certain", p.Line, p.Conn, skewText(p.Skew))
	case explain.ProblemOtherRun:
		when := roundDur(p.Skew) + " after its last packet"
		if p.Skew < 0 {
			when = roundDur(-p.Skew) + " before its first"
		}
		return fmt.Sprintf("trace connection (line %d) and capture connection %d: the bytes curl logged are on this connection, but curl 8's trace clock, which is the system's, puts the trace's connection wholly outside it, %s: this is another run of the same transfer, or the capture was taken on a host whose clock is that far off. Reads are timed with the quickest read taken as immediate, and no cause is certain; to tell, trace and capture one run (segscope curl does both)", p.Line, p.Conn, when)
	case explain.ProblemReadBeforeData:
		return fmt.Sprintf("trace connection (line %d) and capture connection %d: both ends are on one host, where curl 8's trace clock is the capture's, yet curl logged a read %s before the capture shows its bytes: the trace is of another run of the transfer, so no cause is given; trace and capture one run (segscope curl does both)", p.Line, p.Conn, roundDur(-p.Skew))
	case explain.ProblemUnixSocket:
		return fmt.Sprintf("trace connection (line %d) is to the Unix socket %s (curl --unix-socket): no TCP carried it, so no capture holds its segments, and its reads are explained from the trace alone", p.Line, p.Socket)
	case explain.ProblemReadsEarly:
		return fmt.Sprintf("trace connection (line %d) and capture connection %d: curl logged a read %s before the capture shows its bytes, and curl 8's trace clock is the system's: the trace is of another run of the same transfer (every run of a URL that does not change logs the same bytes), or the capture was taken on a host whose clock is that far ahead of curl's. Reads are timed with that offset taken out, and no cause is certain; to tell, trace and capture one run (segscope curl does both)", p.Line, p.Conn, roundDur(-p.Skew))
	case explain.ProblemStrayStop:
		return fmt.Sprintf("trace line %d: the %d bytes curl read stopped inside packet %d of capture connection %d, with room left in curl's %d-byte buffer; a segment reaches the socket whole, and one read takes all that is waiting, so no read of this connection's stream stops there: the trace may be of another run of the same transfer (two runs in one second share a Date), or curl was slowed (--limit-rate). The connection's causes are inferred; to tell, trace and capture one run (segscope curl does both)", p.Line, p.Size, p.Packet, p.Conn, p.Buffer)
	case explain.ProblemContentDiffers:
		verb := "received"
		if p.SentDir {
			verb = "sent"
		}
		return fmt.Sprintf("trace line %d: the %d bytes curl %s are not on capture connection %d, which holds that direction whole, from its SYN to its FIN (%s of the trace's events are not there): the trace and the capture are of different transfers, and no cause is given", p.Line, p.Size, verb, p.Conn, countOf(p.Unfound, "event", "events"))
	}
	s := fmt.Sprintf("trace connection to %s (line %d): no capture connection to that address and port", p.Server, p.Line)
	if p.NoTCP && p.SnapCut > 0 {
		return s + fmt.Sprintf(": the capture's snap length (%d bytes kept) cut all %d of its packets inside their headers, so none could be read; capture whole packets (tcpdump -s 0)", p.SnapLen, p.SnapCut)
	}
	if p.NoTCP {
		return s + " (the capture has no TCP connections)"
	}
	var have []string
	for _, h := range p.Have {
		have = append(have, h.String())
	}
	if p.More {
		have = append(have, "...")
	}
	if p.Tunnel.IsValid() && p.TunnelConn >= 0 && p.ProxyForm {
		return s + fmt.Sprintf("; curl asked that proxy for %s (its request names the origin: an HTTP proxy), and capture connection %d is to %s: the proxy's own connection to the origin, whose segments are not what curl received. Capture curl's connection to the proxy (%s)", p.Tunnel, p.TunnelConn, p.Tunnel, p.Server)
	}
	if p.Tunnel.IsValid() && p.TunnelConn >= 0 {
		return s + fmt.Sprintf("; curl went through that proxy to %s (its CONNECT), and capture connection %d is to %s: the proxy's own connection to the origin, whose records are the same but whose segments are not what curl received. Capture curl's connection to the proxy (%s)", p.Tunnel, p.TunnelConn, p.Tunnel, p.Server)
	}
	if p.OthersMatched {
		return s + "; the capture has the trace's other connections (to " + strings.Join(have, ", ") + "): it missed this one, as a capture filter on a host or port does (a redirect to another host, say); capture with a filter that takes it in"
	}
	return s + "; the capture has connections to " + strings.Join(have, ", ") + ": are the trace and the capture of the same transfer?"
}

// skewText says how far a clock is from another: "1.5s ahead of",
// "2s behind".
func skewText(d time.Duration) string {
	if d < 0 {
		return roundDur(-d) + " behind"
	}
	return roundDur(d) + " ahead of"
}

// causeMeaning says what a cause means, in a few words.
func causeMeaning(c explain.Cause) string {
	switch c {
	case explain.CauseFullSegment:
		return "one full-size segment (the effective MSS, or the smaller size the sender held its segments to)"
	case explain.CauseShortSegment:
		return "one segment smaller than the MSS: what the sender sent at once"
	case explain.CauseChunkWrite:
		return "one segment of whole chunks with their framing: taken as one write of the server"
	case explain.CauseBacklog:
		return "several segments were waiting when curl read, and one read took them"
	case explain.CauseBufferCap:
		return "capped by curl's receive buffer while more was waiting"
	case explain.CauseRateLimit:
		return "curl paused reading (--limit-rate, or its output or other transfers held it), then filled its buffer"
	case explain.CauseBodyEnd:
		return "the last bytes of the body"
	case explain.CauseAfterHeaders:
		return "the first read after the headers: the header bytes are reported apart"
	case explain.CauseTLSRecord:
		return "one TLS record's plaintext (or the rest of it): the server chose the record size"
	case explain.CauseH2Frames:
		return "HTTP/2 DATA payload: whole frames, or a record's DATA less its frame headers"
	case explain.CauseSuperSegment:
		return "one segment merged by TSO/GSO or GRO: the wire segments cannot be told"
	case explain.CauseSenderPush:
		return "one run between PSH flags, read whole as it came"
	case explain.CauseWindowFull:
		return "the read ended at curl's receive window: the server had sent all it allowed"
	case explain.CauseLossRecovery:
		return "bytes after a hole waited for the segment that filled it (a retransmission, or one out of order), then came at once"
	case explain.CauseMissing:
		return "bytes missing from the capture"
	case explain.CauseUnmatched:
		return "no matching connection in the capture"
	case explain.CauseTraceOnly:
		return "no capture: sizes only"
	case explain.CauseRequestHeader:
		return "the request head: curl logs it as one event"
	case explain.CauseUploadBuffer:
		return "curl filled its upload buffer and the socket (or, over HTTP/2, curl's HTTP/2 layer) took all of it"
	case explain.CausePartialSend:
		return "the socket (or, over HTTP/2, curl's HTTP/2 layer) took less than curl offered"
	case explain.CauseBufferRest:
		return "what was left of curl's upload buffer after a partial send"
	case explain.CauseUploadChunk:
		return "one chunk of a chunked upload: a read of curl's source with its framing"
	case explain.CauseH2Window:
		return "HTTP/2 flow control: curl sent what the server's window allowed"
	case explain.CauseFormPart:
		return "a form part ended: curl's form reader returns at a part's end"
	}
	return "cannot tell from the evidence"
}

// needText says what is missing and how to get it.
func needText(n explain.Need) string {
	switch n {
	case explain.NeedCapture:
		return "a capture of the same transfer (segscope curl, or tcpdump -s 0 -w FILE while curl runs)"
	case explain.NeedConnInCapture:
		return "a capture that holds this connection too: the one given has the trace's other connections but not this one (see the problems)"
	case explain.NeedMatchingCapture:
		return "a capture of this very transfer: the one given has no connection of it (see the problems)"
	case explain.NeedFullSnap:
		return "a capture of whole packets: tcpdump -s 0 (a snap length cut these packets)"
	case explain.NeedPackets:
		return "the missing packets: capture with a larger buffer (tcpdump -B 32768) and check the drop count"
	case explain.NeedTraceTime:
		return "the read times: add --trace-time to curl"
	case explain.NeedKeyLog:
		return "the decrypted frames: pass the key log with --keylog (curl writes it to $SSLKEYLOGFILE)"
	case explain.NeedFrameTrace:
		return "curl's own frame lines: --trace-config http/2 (curl 8.3 and later)"
	case explain.NeedBelowOffload:
		return "the wire segments: offloads off where you capture (ethtool -K IFACE gro off, and tso off gso off on the sender's interface: a veth or bridge path carries the sender's TSO/GSO units whole, whatever the capturing side's settings)"
	case explain.NeedRecordHeaders:
		return "the record headers curl logs: curl --trace or --trace-ascii (not -v)"
	case explain.NeedWholeCapture:
		return "a capture of the whole transfer: this one ends before the read (stop it only after curl exits; tcpdump -U --immediate-mode writes every packet as it comes, where a buffered tcpdump stopped by a signal can lose the last ones)"
	case explain.NeedReassembly:
		return "every byte of the stream: the reassembly bound cut it, raise it with --max-buffered"
	case explain.NeedSSLTrace:
		return "each SSL_read: --trace-config ssl (curl 8.3 and later)"
	case explain.NeedStreamOrder:
		return "which stream each read belongs to: curl 7 hands over the data of streams that share a connection in its own order, not as the frames came; curl 8 reports each DATA frame as it arrives (--trace-ids names each transfer)"
	case explain.NeedEarlierCapture:
		return "a capture started before curl (this one began mid-transfer: without the SYN or the response header, no stream offset is known to be where curl's reads start)"
	case explain.NeedTCPTrace:
		return "each socket read: --trace-config tcp (curl 8.3 and later)"
	case explain.NeedStrace:
		return "each socket read: strace -f -e trace=read,recvfrom curl ... in a run of the same condition (curl 8.3 and later log them with --trace-config tcp; older ones cannot)"
	case explain.NeedSupportedSuite:
		return "the decrypted records: the key log was given, but the connection's cipher suite is not one segscope decrypts (it decrypts AES-GCM and ChaCha20-Poly1305, not CBC, CCM or TLS 1.1 and older); tshark -o tls.keylog_file:KEYLOG decrypts it"
	case explain.NeedTransferIDs:
		return "which connection each event is of: curl ran the transfers in parallel (-Z) and its trace names no connection per event (it logs every event after its last connect line under the last connection); trace each transfer on its own, or with curl 8.3+ and --trace-ids"
	case explain.NeedOriginLeg:
		return "the origin's TLS records: curl went through an HTTPS proxy (-x https://), whose own TLS carries the CONNECT and, inside it, the origin's TLS, which segscope does not walk; go through an http:// proxy (its tunnel is walked) or without one (curl --noproxy '*')"
	case explain.NeedPriorKnowledge:
		return "the HTTP/2 frames: this connection switched from HTTP/1.1 to HTTP/2 with a 101 (curl --http2 on an http:// URL: an h2c upgrade), and segscope does not walk the frames after an upgrade; curl --http2-prior-knowledge speaks HTTP/2 from the start, whose frames it reads"
	case explain.NeedStraceServer:
		return "the server's writes: strace -f -e trace=write,writev,sendto,sendmsg its process (or its own log of what it wrote)"
	case explain.NeedClientCapture:
		return "a capture at curl's host: seen from the server (or a router before curl), how and when its segments reached curl (which copy of bytes it sent twice, whether GRO on curl's host merged segments) is not in the capture"
	case explain.NeedNoTunnel:
		return "the TLS records themselves: this connection went through an HTTP proxy (CONNECT), and the capture does not show TLS inside the tunnel (its start is missing or cut); capture the whole connection with whole packets, or without the proxy (curl --noproxy '*')"
	case explain.NeedKeyAuth:
		return "a key log that decrypts this connection: the one given has its client random, but the server's records fail authentication with the secret there (a key log of another run with the same random, or an edited line); pass the file curl wrote in the captured run"
	case explain.NeedServerSecret:
		return "the server's application secret: the key log given has this connection's handshake secrets but no SERVER_TRAFFIC_SECRET_0 line, so the server's data records are not decrypted; pass the whole file curl wrote in the captured run"
	case explain.NeedRunKeyLog:
		return "the key log of this run: the one given has no secret for this connection's ClientHello (curl adds each run's keys to $SSLKEYLOGFILE; pass the file the captured run wrote)"
	case explain.NeedHexTrace:
		return "the record lengths: curl --trace (hex) logs each record header whole, where --trace-ascii prints its length bytes as dots; or a capture that holds the records (tcpdump -s 0)"
	}
	return "more evidence"
}

// why explains one read in a sentence, from its facts and cause.
func why(e explain.Event) string {
	return verdict(e, causeSentence(e), needText) + tcpRecvText(e) + timingText(e) + noteText(e)
}

// verdict is an event's cause sentence with its confidence: the inference
// taken, or "cannot tell", and what would tell (or make it sure), each
// need worded by needWords.
func verdict(e explain.Event, cause string, needWords func(explain.Need) string) string {
	s := cause
	switch e.Confidence {
	case explain.Inferred:
		s += " (inferred: " + inferenceText(e) + ")"
	case explain.CannotTell:
		s = "cannot tell: " + s
	}
	if len(e.Needs) > 0 {
		var needs []string
		for _, n := range e.Needs {
			needs = append(needs, needWords(n))
		}
		verb := "to tell"
		if e.Confidence == explain.Inferred {
			verb = "to be sure"
		}
		s += "; " + verb + ", " + strings.Join(needs, "; ")
	}
	return s
}

// tcpRecvText shows curl's own socket read, when it logged one.
func tcpRecvText(e explain.Event) string {
	t := e.Facts.TCPRecv
	if t == nil || e.Cause == explain.CauseBufferCap {
		return ""
	}
	if t.NRead == e.Size {
		return fmt.Sprintf("; curl's [TCP] recv(len=%d) returned these %d bytes in one socket read (line %d)", t.Len, t.NRead, t.Line)
	}
	return fmt.Sprintf("; curl's last socket read before it, [TCP] recv(len=%d), returned %d bytes (line %d)", t.Len, t.NRead, t.Line)
}

func causeSentence(e explain.Event) string {
	f := e.Facts
	switch e.Cause {
	case explain.CauseFullSegment:
		if m := f.MSS; e.Inference == explain.ByHeldMSS && m != nil {
			return fmt.Sprintf("one segment (packet %d) of %d bytes, the size %d of the server's %d data segments had, below the effective MSS %d (%s): a full segment as the server cut them", e.Segments[0].Packet, e.Size, m.HeldSegments, m.DataSegments, m.Effective, mssArithmetic(m))
		}
		return fmt.Sprintf("one segment (packet %d) carrying the effective MSS: %s", e.Segments[0].Packet, mssArithmetic(f.MSS))
	case explain.CauseShortSegment:
		than := fmt.Sprintf(", less than the effective MSS %d", effective(f.MSS))
		switch {
		case f.MSS == nil:
			than = " (the effective MSS is not known)"
		case f.MSS.FromWrites():
			than = " (the effective MSS is not known: no SYN was captured, and the segments' sizes are the server's writes, most with PSH)"
		}
		if g := f.Nagle; g != nil {
			return fmt.Sprintf("one segment (packet %d) of %d bytes%s, which left %s after curl's side acknowledged all the data before it (packet %d): Nagle's algorithm holds a small segment while an earlier small one is unacknowledged, so the segment is what the server had written by the time that ACK came (one write, several, or part of one), not a segment per write%s", e.Segments[0].Packet, e.Size, than, roundDur(g.Delay), g.AckPacket, framing(f.Chunks))
		}
		return fmt.Sprintf("one segment (packet %d) of %d bytes%s: the server's stack sent that much at once%s", e.Segments[0].Packet, e.Size, than, framing(f.Chunks))
	case explain.CauseChunkWrite:
		c := f.Chunks
		return fmt.Sprintf("one segment (packet %d) holding %d whole chunk(s): %d bytes of data + %d of chunk framing (size line and CRLF)%s = %d; curl read it as it came, and the segment is taken as one write of the server", e.Segments[0].Packet, c.Whole, c.Data, c.Framing, trailers(c, " + "), e.Size)
	case explain.CauseBacklog:
		return backlogText(e)
	case explain.CauseBufferCap:
		if f.Layer == explain.LayerTLS && f.Record != nil {
			return recordCapText(e)
		}
		return bufferText(e)
	case explain.CauseRateLimit:
		if e.Inference == explain.ByPause {
			// No rate from the buffer: curl sizes its buffer to
			// --limit-rate only below 102400 (review 30: "--limit-rate at
			// 102400 bytes a second" of a 300k limit), and one gap is not
			// the rate curl averages.
			return fmt.Sprintf("curl waited %s after its previous read, the first of these bytes there for %s, then filled its %d-byte buffer: it paused (--limit-rate, its output blocked, or other transfers kept it busy)", roundDur(f.Timing.SincePrevious), roundDur(f.Timing.FirstBefore), f.Buffer.Size)
		}
		return fmt.Sprintf("curl waited %s after its previous read to hold --limit-rate (its buffer is the rate, %d bytes), then filled the buffer", roundDur(f.Timing.SincePrevious), f.Buffer.Size)
	case explain.CauseBodyEnd:
		if b := f.Body; b.Chunked {
			return fmt.Sprintf("the last %d bytes of the chunked body (%d bytes with its framing, %d of data): the response ended there%s", e.Size, b.Length, b.Data, framing(f.Chunks))
		}
		return fmt.Sprintf("the last %d bytes of the %d-byte body: the response ended there%s", e.Size, f.Body.Length, framing(f.Chunks))
	case explain.CauseAfterHeaders:
		h := f.Header
		s := fmt.Sprintf("packet %d (%d bytes) carried the last %d bytes of the response header and the first body bytes; curl reports the %d header bytes as Recv header, so the first Recv data is smaller%s", h.SharedPacket, h.SharedLen, h.HeaderInSeg, h.Bytes, framing(f.Chunks))
		if n := len(e.Segments); n > 1 {
			when := "the read"
			if lateLog(e) {
				when = "curl logged the read"
			}
			s += fmt.Sprintf(", and %s more had arrived before %s", countOf(n-1, "segment", "segments"), when)
		}
		return s
	case explain.CauseTLSRecord:
		if f.Frames != nil {
			return framePieceText(e)
		}
		return recordText(e)
	case explain.CauseH2Frames:
		return framesText(e)
	case explain.CauseLossRecovery:
		rc := f.Recovery
		if e.Inference == explain.ByServerResend {
			return fmt.Sprintf("%s (%s): packet %d is the server's resending of bytes it had sent before, and it had sent %s after them up to %s earlier; if the first copy was lost on the way, curl's kernel held the bytes after the hole until the resent ones came, and curl got them all at once, not because it read slowly", countOf(len(e.Segments), "segment", "segments"), segSizes(e.Segments), rc.Packet, countOf(rc.Waited, "segment", "segments"), roundDur(rc.Before))
		}
		if !rc.Retransmission {
			return fmt.Sprintf("%s (%s): packet %d filled a hole (the capture classes it out of order: a resent copy of a segment lost before the capture point, or one reordered on the way), and %s after it in the stream had arrived up to %s before it; the kernel holds bytes after a hole until it is filled, so curl got them all at once when it came, not because it read slowly", countOf(len(e.Segments), "segment", "segments"), segSizes(e.Segments), rc.Packet, countOf(rc.Waited, "segment", "segments"), roundDur(rc.Before))
		}
		return fmt.Sprintf("%s (%s): packet %d is the retransmission of a segment lost before the capture point, and %s after it in the stream had arrived up to %s before it; the kernel holds bytes after a hole until it is filled, so curl got them all at once when the retransmission came, not because it read slowly", countOf(len(e.Segments), "segment", "segments"), segSizes(e.Segments), rc.Packet, countOf(rc.Waited, "segment", "segments"), roundDur(rc.Before))
	case explain.CauseWindowFull:
		w := f.Window
		if w.Short > 0 {
			s := fmt.Sprintf("%s (%s), ending %d bytes before the edge of the receive window curl's side advertised (%d bytes, in packet %d, up to stream offset %d): less than a segment was left of it, and the server sent nothing more until curl's ACK in packet %d moved the edge, so the window, less the runt the server would not send into it, ended N", countOf(len(e.Segments), "segment", "segments"), segSizes(e.Segments), w.Short, w.Window, w.Packet, w.Edge, w.Reopened)
			if sg := f.Segments; sg != nil && sg.StartsInside && len(e.Segments) > 0 {
				// Review 35: "1 segment (65483)" of a read of its last
				// 53248 bytes.
				s += fmt.Sprintf("; it began inside packet %d, where the read before stopped (stream offset %d): N is what was left from there", e.Segments[0].Packet, e.Range.Start)
			}
			return s
		}
		head := fmt.Sprintf("%s (%s), ending where the receive window curl's side advertised ended (%d bytes, in packet %d, up to stream offset %d): the server had sent all the window allowed and waited for curl to read", countOf(len(e.Segments), "segment", "segments"), segSizes(e.Segments), w.Window, w.Packet, w.Edge)
		if sg := f.Segments; sg != nil && sg.StartsInside && len(e.Segments) > 0 {
			// The read before stopped inside a segment (its buffer was
			// full): this one is the rest, not a window's worth (review
			// 16: 79872 of a 94208-byte window).
			return fmt.Sprintf("%s; the read before stopped inside packet %d, at stream offset %d, so N is what was left from there to the window's edge (%d - %d), not what the window let through", head, e.Segments[0].Packet, e.Range.Start, w.Edge, e.Range.Start)
		}
		return head + ", so N is what the window let through since the read before"
	case explain.CauseSenderPush:
		return senderPushText(e)
	case explain.CauseSuperSegment:
		s := e.Segments[0]
		eff := effective(f.MSS)
		return fmt.Sprintf("one %d-byte segment (packet %d), longer than the effective MSS %d (%s): the capture point was above TSO/GSO or after GRO, which handed over several wire segments as one", s.Len, s.Packet, eff, multiple(s.Len, eff))
	case explain.CauseMissing:
		if f.Segments == nil {
			return "the capture has none of these bytes"
		}
		// Missing counts stream bytes: inside TLS (or HTTP/2 framing)
		// the read's N is fewer than the stream bytes that carried it
		// (review 19: "106 of the 17 bytes").
		of := fmt.Sprintf("%d of the %d bytes", f.Segments.Missing, e.Size)
		if n := e.Range.Len(); n > 0 && n != int64(e.Size) {
			of = fmt.Sprintf("%d of the %d bytes of stream that carried its %d", f.Segments.Missing, n, e.Size)
		}
		if f.Segments.PastEnd {
			return of + " are past the end of the capture"
		}
		return of + " are not in the capture: packets were missed"
	case explain.CauseUnmatched:
		return "no capture connection matched this trace connection"
	case explain.CauseTraceOnly:
		return "no capture: the trace alone does not say which segments carried these bytes"
	}
	return unknownText(e)
}

func effective(m *explain.MSSFact) int {
	if m == nil {
		return 0
	}
	return m.Effective
}

// mssArithmetic spells out the effective MSS from its facts, e.g.
// "1400 (MSS in the client's SYN) - 12 (timestamps option) = 1388".
func mssArithmetic(m *explain.MSSFact) string {
	if m == nil {
		return "unknown (no MSS)"
	}
	return EffectiveMSS(analyze.EffectiveMSS{Value: m.Effective, MSS: m.MSS, MSSFrom: m.From, OptionBytes: m.OptionBytes,
		Timestamps: m.Timestamps, Inferred: m.Inferred})
}

func multiple(n, eff int) string {
	if eff <= 0 {
		return "no MSS known"
	}
	if n%eff == 0 {
		return fmt.Sprintf("%d = %d x %d", n, n/eff, eff)
	}
	return fmt.Sprintf("%d = %d x %d + %d", n, n/eff, eff, n%eff)
}

func framing(c *explain.ChunkFact) string {
	if c == nil || c.Framing == 0 && c.Trailers == 0 {
		return ""
	}
	if c.Trailers > 0 {
		return fmt.Sprintf(" (%d of them chunk framing and %d the trailer fields after the last chunk: the size lines, CRLFs and trailers are counted in N)", c.Framing, c.Trailers)
	}
	return fmt.Sprintf(" (%d of them chunk framing: the size lines and CRLFs are counted in N)", c.Framing)
}

// trailers adds the trailer fields after the last chunk to a sum (sep
// " + ") or a list (", ") of a read's parts, when it holds any.
func trailers(c *explain.ChunkFact, sep string) string {
	if c.Trailers == 0 {
		return ""
	}
	return fmt.Sprintf("%s%d of trailer fields", sep, c.Trailers)
}

// senderPushText: several segments of one push that came together, or
// one segment longer than the MSS passed whole.
func senderPushText(e explain.Event) string {
	f := e.Facts
	if p := f.Push; p != nil {
		// "Cut at the MSS" only of segments that are (review 38: 64000
		// and 1536 on loopback, MSS 65483, node's writev split so).
		cut := ""
		if eff := effective(f.MSS); eff > 0 && len(e.Segments) > 1 {
			cut = ", cut at the MSS"
			for _, sg := range e.Segments[:len(e.Segments)-1] {
				if sg.Len != eff {
					cut = ""
					break
				}
			}
		}
		return fmt.Sprintf("%s (%s), the last with the PSH flag and none before it, the segment before them ending a push too: one run between PSH flags%s: what the server's stack pushed at once (a write, or a piece of a long one); they arrived within %s of each other, %s after curl's previous read, so curl took them as they came", countOf(p.Segments, "segment", "segments"), segSizes(e.Segments), cut, roundDur(p.Span), roundDur(p.Idle))
	}
	s := e.Segments[0]
	eff := effective(f.MSS)
	return fmt.Sprintf("one %d-byte segment (packet %d), longer than the effective MSS %d and no multiple of it (%s): one push of the server's stack that a veth or loopback path passed whole (GSO), as the server wrote it%s", s.Len, s.Packet, eff, multiple(s.Len, eff), framing(f.Chunks))
}

func backlogText(e explain.Event) string {
	f := e.Facts
	s := f.Segments
	switch {
	case f.Buffer != nil && f.Buffer.Filled:
		return fmt.Sprintf("%d bytes of %d segment(s) (%s) had arrived before curl read; the read equals curl's %d-byte buffer, but the next segment came only after it, so nothing more was waiting", e.Size, s.Count, segSizes(e.Segments), f.Buffer.Size)
	case s.Count == 1:
		// The rest, not the packet's length (review 44: "the rest of
		// packet 8 (41013 bytes)" of a 6144-byte read).
		return fmt.Sprintf("the rest of packet %d (%d of its %d bytes), which the previous read stopped inside: these bytes were already waiting", e.Segments[0].Packet, e.Size, e.Segments[0].Len)
	case s.Exact:
		why := "curl read less often than they came"
		if t := f.Timing; t != nil && t.Source == explain.FromCapture && t.FirstBefore-t.LastBefore < time.Millisecond && t.LastBefore >= 0 {
			// A burst: not a slow reader, one that woke once for it
			// (review 19: 3 segments of one write within 42 us, read
			// 200 us later).
			why = fmt.Sprintf("they came within %s of each other, a burst that one read took whole", roundDur(t.FirstBefore-t.LastBefore))
		}
		return fmt.Sprintf("%d segments (%s) had all arrived before curl read, so one read took them together: %s%s", s.Count, segSizes(e.Segments), why, framing(f.Chunks))
	}
	return fmt.Sprintf("the bytes of %d segments (%s), cut where the previous and next reads ended: the socket held more than one segment when curl read%s", s.Count, segSizes(e.Segments), framing(f.Chunks))
}

func bufferText(e explain.Event) string {
	f := e.Facts
	b, s := f.Buffer, f.Segments
	out := fmt.Sprintf("curl's receive buffer is %d bytes%s and the read filled it", b.Size, bufferNote(b))
	if b.HeaderBytes > 0 {
		out += fmt.Sprintf(" with the %d header bytes curl logged as Recv header just before (%d + %d = %d)", b.HeaderBytes, b.HeaderBytes, e.Size, b.Size)
	}
	switch {
	case s == nil:
		return out
	case e.Confidence != explain.Certain && e.Inference != explain.ByBufferFromReads:
		return out + fmt.Sprintf(" (%d segments: %s)", s.Count, segSizes(e.Segments))
	case s.EndsInside:
		return out + fmt.Sprintf(" while more was waiting: it stopped inside packet %d, after %d segments (%s)%s", e.Segments[len(e.Segments)-1].Packet, s.Count, segSizes(e.Segments), framing(f.Chunks))
	case s.NextArrived:
		return out + fmt.Sprintf(" while more was waiting: the segment after its last byte had been captured before the read (%d segments: %s)", s.Count, segSizes(e.Segments))
	}
	return out + fmt.Sprintf(": [TCP] recv(len=%d) returned %d (line %d)", f.TCPRecv.Len, f.TCPRecv.NRead, f.TCPRecv.Line)
}

// tlsCaps counts the buffer-cap reads of HTTP/1 inside TLS, with the line
// of the first.
func tlsCaps(r *explain.Result) (n, line int) {
	for _, e := range r.Events {
		if e.Cause == explain.CauseBufferCap && e.Facts.Layer == explain.LayerTLS {
			if n == 0 {
				line = e.Line
			}
			n++
		}
	}
	return n, line
}

// recordCapText: a read of HTTP/1 in TLS that stopped inside a record
// holding more: curl's SSL_read asked for no more.
func recordCapText(e explain.Event) string {
	r := e.Facts.Record
	asked, with := e.Size, ""
	if h := e.Facts.Header; h != nil && h.Bytes > 0 && !r.SameAsPrevious && r.Before == h.Bytes {
		asked += r.Before
		with = fmt.Sprintf(" (%d of them the response header curl logged as Recv header just before: %d + %d)", r.Before, r.Before, e.Size)
	}
	took := ""
	if r.SameAsPrevious && r.Before > 0 {
		took = fmt.Sprintf(", %d of it taken by the reads before", r.Before)
	}
	return fmt.Sprintf("curl's SSL_read took %d bytes%s from TLS record #%d, which holds %d bytes of plaintext%s (%d on the wire, %s): the record had %d more, and SSL_read returns what it is asked for up to the record's end, so curl asked for no more: its buffer (or its room) ended the read, not the record",
		asked, with, r.Index, r.Plain, took, r.Length, overheadText(r), r.Plain-r.Before-e.Size)
}

func bufferNote(b *explain.BufferFact) string {
	switch {
	case b.Kind == explain.BufferTCPRecv:
		return fmt.Sprintf(" (curl's [TCP] recv lines ask for len=%d)", b.Size)
	case b.Size == 102400:
		return " (the curl tool's default, CURLOPT_BUFFERSIZE 102400)"
	case b.Size == 16384:
		return " (libcurl's default, CURL_MAX_WRITE_SIZE 16384)"
	case b.Kind == explain.BufferLimitRate:
		return " (no read was larger, and reads of this size stopped inside segments or came after a pause: curl sizes its buffer to --limit-rate when that is below 102400)"
	}
	return ""
}

// recordText: one TLS record's plaintext, with its arithmetic.
func recordText(e explain.Event) string {
	r := e.Facts.Record
	what := "the capture's record walk"
	if r.Source == explain.FromTrace {
		what = "laid from the record headers curl logged"
	}
	body := "body"
	switch c := e.Facts.Chunks; {
	case e.Facts.Layer == explain.LayerH2TLS:
		body = "DATA (the rest of a frame: no frame header in this record)"
	case c != nil && c.Data == 0 && c.Trailers > 0:
		body = fmt.Sprintf("chunk framing and trailer fields (%d of framing, %d of trailers)", c.Framing, c.Trailers)
	case c != nil && c.Data == 0 && c.Framing > 0:
		body = "chunk framing (size lines and CRLFs)"
	case c != nil && (c.Framing > 0 || c.Trailers > 0):
		body = fmt.Sprintf("body (%d of chunk data, %d of chunk framing%s)", c.Data, c.Framing, trailers(c, ", "))
	}
	if !r.OverheadKnown {
		over := overheadGuess(r.Length - r.Before - e.Size)
		if r.Suite != "" {
			// A CBC record adds an IV, a MAC and padding; other suites
			// segscope does not decrypt (CCM) add a nonce and a tag.
			parts := "its nonce and tag"
			if cbcSuite(r.Suite) {
				parts = "its IV, MAC and padding"
			}
			over = overheadText(r) + ", a suite segscope does not decrypt (" + parts + ")"
		}
		return fmt.Sprintf("TLS record #%d (%s) is %d bytes after its header: %d of %s%s + %d of record overhead (%s); curl reads one record per SSL_read, so the record size the server chose sets N",
			r.Index, what, r.Length, e.Size, body, beforeText(e), r.Length-r.Before-e.Size, over)
	}
	if e.Inference == explain.ByRecordPadding {
		return fmt.Sprintf("one TLS record (#%d, %s): %d bytes = %d of %s%s + %d of overhead (%s) + %d more, and no later read came from it though the transfer went on: SSL_read hands over all a record holds before the next one's, so those %d were, if curl logged every read, padding the server added, not data; curl reads one record per SSL_read, so what the server put in the record sets N",
			r.Index, what, r.Length, e.Size, body, beforeText(e), r.Overhead, overheadText(r), r.Plain-r.Before-e.Size, r.Plain-r.Before-e.Size)
	}
	s := fmt.Sprintf("one TLS record (#%d, %s): %d bytes = %d of %s%s + %d of overhead (%s)", r.Index, what, r.Length, e.Size, body, beforeText(e), r.Overhead, overheadText(r))
	if r.SameAsPrevious && r.Before > 0 {
		// Review 30: the rest of a record an 8192-byte buffer had
		// halved was "the record size the server chose sets N".
		s += "; SSL_read returns at most what is left of one record, so N is what the reads before left of it, whatever the segments"
	} else {
		s += "; curl reads one record per SSL_read, so the record size the server chose sets N, whatever the segments"
	}
	if sg := e.Facts.Segments; sg != nil && sg.Count > 0 {
		s += fmt.Sprintf(" (here %s: %s)", countOf(sg.Count, "segment", "segments"), segSizes(e.Segments))
	}
	return s
}

func beforeText(e explain.Event) string {
	r := e.Facts.Record
	switch {
	case r.Before == 0:
		return ""
	case e.Facts.Header != nil && !r.SameAsPrevious:
		return fmt.Sprintf(" + %d of response header (logged as Recv header)", r.Before)
	}
	return fmt.Sprintf(" + %d an earlier read took", r.Before)
}

func overheadText(r *explain.RecordFact) string {
	v := r.VersionName
	if v == "" {
		v = "TLS"
	}
	switch {
	case r.Suite != "":
		return fmt.Sprintf("%s, %s", v, r.Suite)
	}
	return v
}

// cbcSuite tells a CBC suite by its IANA name (..._CBC_...) or OpenSSL's,
// which names the AEAD mode (GCM, CCM, CHACHA20-POLY1305) and not CBC
// ("ECDHE-RSA-AES128-SHA256").
func cbcSuite(name string) bool {
	if strings.Contains(name, "CBC") {
		return true
	}
	if strings.HasPrefix(name, "TLS_") {
		return false
	}
	for _, aead := range []string{"GCM", "CCM", "POLY1305"} {
		if strings.Contains(name, aead) {
			return false
		}
	}
	return true
}

// overheadGuess names the suites whose overhead is n bytes, when the
// version and suite are unknown.
func overheadGuess(n int) string {
	switch n {
	case 17:
		return "TLS 1.3 (16-byte tag + 1 inner content type)"
	case 24:
		return "TLS 1.2 AES-GCM (8-byte explicit nonce + 16-byte tag)"
	case 16:
		return "TLS 1.2 ChaCha20-Poly1305 (16-byte tag)"
	}
	return "not the overhead of a usual AEAD suite"
}

// framesText: HTTP/2 DATA frames, with the headers counted from the
// frames.
func framesText(e explain.Event) string {
	f := e.Facts
	fr, r := f.Frames, f.Record
	if fr == nil && e.Inference == explain.ByRecordSum {
		k := (r.Plain - r.ReadBytes) / 9
		return fmt.Sprintf("TLS record #%d holds %d bytes of plaintext (%d - %d of overhead, %s); its %d reads, this one of %d bytes, add up to %d = %d - %d x 9: the record's DATA less %d HTTP/2 frame header(s), handed over a frame (or the record's piece of one) at a time, if the record held nothing but DATA frames",
			r.Index, r.Plain, r.Length, r.Overhead, overheadText(r), r.Reads, e.Size, r.ReadBytes, r.Plain, k, k)
	}
	if fr == nil {
		k := (r.Plain - r.Before - e.Size) / 9
		over := overheadText(r)
		if r.OverheadGuessed {
			over = overheadGuess(r.Overhead)
		}
		return fmt.Sprintf("TLS record #%d holds %d bytes of plaintext (%d - %d of overhead, %s); %d - %d = %d = %d x 9: %d HTTP/2 frame header(s), if the record held nothing but DATA frames",
			r.Index, r.Plain-r.Before, r.Length, r.Overhead, over, r.Plain-r.Before, e.Size, r.Plain-r.Before-e.Size, k, k)
	}
	src := frameSource(fr.Source)
	if fr.RecordLost && fr.Source == explain.FromKeyLog {
		// Review 39: said of bytes in a record the capture lost.
		src = "its header decrypted with the key log; the record holding these bytes was not captured"
	}
	switch fr.Shape {
	case explain.ShapeRecordData:
		return recordDataText(e, src)
	case explain.ShapeSocketRead:
		lead := 0
		if fr.Leading {
			lead = 1
		}
		return fmt.Sprintf("the DATA payload of %s (%s) that one socket read took: %d bytes of stream = %d + %d x 9 (frame headers)",
			frameList(fr.Frames), src, fr.Extent+int64(9*lead), e.Size, fr.Headers+lead)
	case explain.ShapeReadPiece:
		part, cut := pieceOf(fr.Frames[0])
		brings := "each socket read brings"
		if e.Facts.Layer == explain.LayerH2TLS {
			brings = "each TLS record brings (one SSL_read)" // not h2c's socket reads (review 39)
		}
		return fmt.Sprintf("%s of DATA frame #%d (%d of its %d bytes) (%s): curl 8 hands over the DATA %s, a frame at a time, so a frame that a read %s is reported in pieces",
			part, fr.Frames[0].Index, e.Size, fr.Frames[0].Payload, src, brings, cut)
	}
	s := fmt.Sprintf("the whole DATA payload of %s (%s)", frameList(fr.Frames), src)
	if fr.Padding > 0 {
		s += fmt.Sprintf(", %d bytes of padding left out", fr.Padding)
	}
	if r != nil && r.Source == explain.FromKeyLog {
		s += fmt.Sprintf("; carried in TLS record #%d", r.Index)
		if r.Count > 1 {
			s += fmt.Sprintf(" and %d more", r.Count-1)
		}
		s += fmt.Sprintf(" (%d bytes of plaintext)", fr.RecordPlain)
	}
	return s + "; curl reported the frame's DATA payload, without its 9-byte header"
}

func frameSource(s explain.Source) string {
	switch s {
	case explain.FromKeyLog:
		return "decrypted with the key log"
	case explain.FromTrace:
		return "curl's FRAME lines"
	}
	return "the capture"
}

// recordDataText: curl 7.88 reports a record's DATA: its plaintext less
// the frame headers, padding and other frames in it.
func recordDataText(e explain.Event, src string) string {
	fr := e.Facts.Frames
	return fmt.Sprintf("the DATA in TLS record #%d (%s): %s; it holds %s; curl reported what one record delivered, DATA payload only",
		e.Facts.Record.Index, src, recordArithmetic(e), frameList(fr.Frames))
}

// framePieceText: part of one DATA frame, cut where a TLS record ends or
// starts.
func framePieceText(e explain.Event) string {
	fr := e.Facts.Frames
	x := fr.Frames[0]
	frame := fmt.Sprintf("the %d-byte DATA frame #%d (stream %d)", x.Payload, x.Index, x.Stream)
	if fr.Source == explain.FromTrace {
		return fmt.Sprintf("bytes %d-%d of %s, from curl's FRAME line: curl 8 hands a frame over in pieces where a TLS record ends", x.From, x.From+x.InRead, frame)
	}
	r := e.Facts.Record
	rec := fmt.Sprintf("TLS record #%d (%d bytes of plaintext)", r.Index, fr.RecordPlain)
	switch {
	case x.From == 0:
		return fmt.Sprintf("the first %d bytes of %s: %s ends there, and curl hands over what one record holds of a frame", x.InRead, frame, rec)
	case x.From+x.InRead == x.Payload:
		return fmt.Sprintf("the rest of %s, its last %d bytes, at the start of %s: the record boundary cut the frame, and curl hands over what one record holds of it", frame, x.InRead, rec)
	}
	return fmt.Sprintf("bytes %d-%d of %s, all that %s holds of it: curl hands over what one record holds of a frame", x.From, x.From+x.InRead, frame, rec)
}

// pieceOf names the part of a frame a read took, and where the socket
// reads cut the frame around it.
func pieceOf(f explain.FrameRef) (part, cut string) {
	switch {
	case f.From == 0:
		return "the first part", "ended inside"
	case f.From+f.InRead == f.Payload:
		return "the rest", "began inside"
	}
	return "a middle part", "began and ended inside"
}

func frameList(fs []explain.FrameRef) string {
	var sizes []string
	for i, f := range fs {
		if i == 6 {
			sizes = append(sizes, "...")
			break
		}
		s := strconv.Itoa(f.Payload)
		if !f.Whole() {
			s = fmt.Sprintf("%d of %d", f.InRead, f.Payload)
		}
		sizes = append(sizes, s)
	}
	if len(fs) == 1 {
		return fmt.Sprintf("DATA frame #%d (%s bytes)", fs[0].Index, sizes[0])
	}
	return fmt.Sprintf("%d DATA frames (%s)", len(fs), strings.Join(sizes, ", "))
}

func unknownText(e explain.Event) string {
	f := e.Facts
	switch {
	case slices.Contains(e.Needs, explain.NeedTransferIDs):
		return "curl logged this read without naming its connection, while transfers ran in parallel, and its bytes were not found on the connection it was taken for: which connection it came on is not in the trace"
	case slices.Contains(e.Needs, explain.NeedOriginLeg):
		return "the read's bytes came through the origin's TLS, inside the HTTPS proxy's TLS: the capture's decrypted stream holds the origin's records, not these bytes"
	case (f.Layer == explain.LayerH2TLS || f.Layer == explain.LayerH2C) && f.Frames != nil && len(f.Frames.Frames) > 0 && f.Frames.Source != explain.FromTrace:
		// The frames are known (decrypted, or h2c): what is not is why
		// curl handed over this much.
		return fmt.Sprintf("the read is the DATA of %s (%s), and nothing in the evidence shows why curl handed over this much at once", frameList(f.Frames.Frames), frameSource(f.Frames.Source))
	case f.Layer == explain.LayerH2TLS && f.Record != nil:
		r := f.Record
		s := fmt.Sprintf("HTTP/2 inside TLS record #%d (%d bytes", r.Index, r.Length)
		if r.OverheadKnown {
			s += fmt.Sprintf(", %d of plaintext", r.Plain)
		}
		return s + "): curl reports DATA payload, and which frames the record held is not in the evidence"
	case f.Layer == explain.LayerH2TLS:
		return "HTTP/2 inside TLS: which record and frames held these bytes is not in the evidence"
	case f.Record != nil && f.Record.OverheadKnown:
		return fmt.Sprintf("TLS record #%d holds %d bytes of plaintext, and the read (%d, after %d) does not match it", f.Record.Index, f.Record.Plain, e.Size, f.Record.Before)
	case f.Layer == explain.LayerTLS:
		return "inside TLS, no record header curl logged names the record"
	}
	if sg := f.Segments; sg != nil && sg.Super > 0 && f.Point != nil && f.Point.Where != explain.PointClient {
		where := "the capture was taken above the server's segmentation offload, so how these bytes reached curl, and when, is not in it"
		if f.Point.Where != explain.PointServer {
			where = "where the capture was taken is not shown, and taken above the server's segmentation offload it does not show how these bytes reached curl, or when"
		}
		return fmt.Sprintf("%s (%s) as the capture shows them, %d longer than the MSS: %s", countOf(sg.Count, "segment", "segments"), segSizes(e.Segments), sg.Super, where)
	}
	if sg := f.Segments; sg != nil && sg.Count == 1 && (sg.StartsInside || sg.EndsInside) {
		return "part of one segment: another read took the rest, and nothing shows why the read stopped there"
	}
	return "nothing in the evidence shows why the read stopped where it did"
}

func inferenceText(e explain.Event) string {
	switch e.Inference {
	case explain.ByFrameHeaders:
		return "assuming the record held only DATA frames"
	case explain.ByTraceRecords:
		return "the record's length is from the header curl logged; its overhead from the difference"
	case explain.ByMSSFromSizes:
		return "the MSS is taken from the segment sizes"
	case explain.ByPause:
		if b := e.Facts.Buffer; b != nil && b.LimitRate != "" {
			return fmt.Sprintf("curl read long after the bytes came, at its buffer's size, and it ran with --limit-rate %s", b.LimitRate)
		}
		return "curl read long after the bytes came, at its buffer's size; nothing in the trace says --limit-rate"
	case explain.ByReadGaps:
		return fmt.Sprintf("the reads are %s apart and each fills the buffer", roundDur(e.Facts.Timing.SincePrevious))
	case explain.BySizeOnly:
		if b := e.Facts.Buffer; b != nil && b.HeaderBytes > 0 {
			return "N and the header bytes before it make the buffer size; nothing shows whether more was waiting"
		}
		return "N equals the buffer size; nothing shows whether more was waiting"
	case explain.ByOffloadCapture:
		return "a segment longer than the MSS can only come from TSO/GSO or GRO"
	case explain.ByFramePiece:
		return "curl 8 splits a DATA frame where a TLS record ends"
	case explain.ByGuessedMatch:
		return "the capture has more connections to this server than the trace, and the trace does not name its client port: the one it was matched to may be another transfer's (choose it with --port CLIENT-PORT)"
	case explain.ByWholeChunks:
		return "a segment of whole chunks is taken as one write of the server; the capture does not show its writes"
	case explain.ByServerResend:
		return "seen from the server, which sent these bytes again: the first copy is taken as lost on the way, and the bytes after it as waiting in curl's socket for the resent one"
	case explain.BySendPause:
		return "the upload's sends mostly came after pauses though the socket was not backed up: curl was pacing itself, as --limit-rate does (the trace does not name the option)"
	case explain.ByBufferFromReads:
		return "curl's buffer size is taken from the reads, as --limit-rate sets it; nothing in the trace names the option, and a capture of another run, where the reads stop anywhere, would look the same"
	case explain.ByHeldMSS:
		return "most of the server's segments had this size and left without PSH, so its stack, not its writes, cut them there: it held them below the MSS the SYNs allow, as a path MTU it learnt on the way does (" + heldMTU(e.Facts.MSS) + "); segscope does not read the ICMP messages that would tell which"
	case explain.ByRecordPadding:
		return "TLS 1.3 lets a server pad a record, which only the key log shows; the rest not coming out of SSL_read before the next record's bytes is what padding does, and a read curl did not log would look the same"
	case explain.ByRecordLeft:
		return "the record's plaintext is its length less the suite's overhead, from the wire without the key log; TLS 1.3 padding, which only the key log shows, would make it smaller"
	case explain.ByWindowRemainder:
		return "a sender does not send a segment smaller than the MSS into a window that curl's next ACK will open (silly-window avoidance, and Nagle's rule for a runt); the capture shows the wait, not the sender's reason"
	case explain.ByStrayStop:
		return "a read of this trace stopped where no read of this capture connection's stream can (see the problems): the trace may be of another run than the capture, and this cause not the read's"
	case explain.ByDistantClocks:
		return "the trace's clock and the capture's disagree (see the problems): as on two hosts, or the trace and the capture are of different runs of the transfer, and this cause not the read's"
	case explain.ByMSSPiece:
		return "the capture was taken above the server's segmentation offload, so its segment was cut at the effective MSS after the capture (by the NIC, or by a router on the path), and the read is exactly one such piece, where the cut falls; the client's own capture would show the piece"
	case explain.ByWholeWindow:
		return "the read is exactly the window curl's side had advertised (its ACK is in this capture too): the server sent all it allowed and waited; seen from the server's side, when those bytes reached curl is not known"
	case explain.ByChunkRest:
		return "the send begins inside a chunk, where the send before it stopped, and ends where a chunk ends: curl 7 frames each read of its source as a chunk (its size line, the data, CRLF) and writes it on its own, so it is what was left of a write the socket had taken only part of"
	case explain.ByChunkCut:
		return "the send ends inside a chunk, and curl 7 writes each chunk (its size line, the data, CRLF) on its own: the socket took less than curl offered, and the rest went in the next send"
	case explain.ByServerSegments:
		return "the capture was taken on the server's side, where these segments left one by one; how they reached curl is not in it (GRO on curl's host merges segments of one burst into one, which a read then takes as it comes), nor when they arrived"
	case explain.ByServerWindow:
		return "the read ends where the receive window curl's side advertised ended, as the server saw it (its ACK is in this capture): the server sent all it allowed and waited; seen from the server's side, when those bytes reached curl is not known"
	case explain.ByPushFlags:
		return "Linux sets PSH on the last segment of each write, and inside long writes too (sendfile, or every half window), so a run between PSH flags is a write or a piece of one; a shaper on the path can also bunch segments"
	case explain.ByWholePush:
		return "a segment longer than the MSS is a GSO unit of the sender, which a veth or loopback path delivers whole, or wire segments GRO merged on curl's host, which it does only up to a push's end: either way, a length that is no multiple of the MSS is what the server pushed at once"
	case explain.ByNagle:
		return "the server's short segments each left as the one before was acknowledged, never two unacknowledged, as Nagle's algorithm sends; the capture does not show the writes themselves, and a server writing just after each ACK would look alike"
	case explain.ByShortSegment:
		return "a segment shorter than the MSS is usually one write of a server that writes in pieces, or the end of a longer one after full segments; a full receive window, the congestion window or the sender's own packet sizes (loopback, large writes) cut segments too, and the capture does not show the server's writes"
	case explain.ByUnknownOverhead:
		return "curl reads one record per SSL_read; what the record holds beyond the read is taken as the suite's overhead, which segscope cannot measure without decrypting"
	case explain.ByUploadSizes:
		return "the largest send, which the trace repeats, is taken as curl's upload buffer; curl offers the socket a whole buffer, and logs what it took"
	case explain.ByCurlDefault:
		return "curl's upload buffer is taken as libcurl's default, as the application did not set CURLOPT_UPLOAD_BUFFERSIZE (the curl tool does not)"
	case explain.ByBufferSum:
		return "the sends of this buffer add up to curl's upload buffer exactly; curl offers a whole buffer, and after a short write offers what is left"
	case explain.BySendPressure:
		return "the capture shows the socket holding bytes it had not sent when curl logged the send, which is when a write returns short; the trace logs what the socket took, not what curl offered"
	case explain.ByLastSend:
		return "the trace logs no later send of this request, and no Content-Length to check it against"
	case explain.ByInitialWindow:
		return "the stream's DATA up to the end of this send is 65535 bytes, HTTP/2's initial window: curl's HTTP/2 layer took what it allowed before the server's SETTINGS or WINDOW_UPDATE reached it, which the capture's order of packets cannot show to the microsecond"
	case explain.ByWindowWait:
		if f := e.Facts.H2Flow; f != nil && (f.StreamLeft == 0 || f.ConnLeft == 0) && e.Facts.Timing == nil {
			return "curl 8 logs a send when its HTTP/2 layer takes the bytes into its own buffer, and the trace has no times to show whether the frames left then (--trace-time would; --trace-config http/2 logs the windows and buffer at each send)"
		}
		if f := e.Facts.H2Flow; f != nil && (f.StreamLeft == 0 || f.ConnLeft == 0) {
			return "the frames left well after curl logged the send, as the server's WINDOW_UPDATEs came: curl's HTTP/2 layer had held them, so the windows they met are not the ones curl's send saw (curl 8 logs a send when its HTTP/2 layer takes the bytes into its own buffer, before they go out; --trace-config http/2 logs its windows and buffer at each send)"
		}
		return "the windows open when the send's first DATA frame left did not hold all of it: its frames went out as the server's WINDOW_UPDATEs came, so curl's HTTP/2 layer had held them, and N is what it had room for while the window was used up (curl 8 logs a send when its HTTP/2 layer takes the bytes into its own buffer, before they go out)"
	case explain.ByPartBoundary:
		return "the send ends where a part of the form ends, as the bytes curl logged show; curl's form reader returns a read there, so the send is short without the socket having taken less (strace shows the write whole)"
	}
	return e.Inference.String()
}

func timingText(e explain.Event) string {
	t := e.Facts.Timing
	if t == nil || t.Source != explain.FromCapture || e.Cause == explain.CauseSuperSegment {
		return ""
	}
	if h := e.Facts.Header; lateLog(e) {
		// curl logs a read's body bytes after the header lines it
		// parsed from it: the line is late by that logging, or more.
		s := fmt.Sprintf("; the last segment was captured %s before curl logged the read", roundDur(t.LastBefore))
		if len(e.Segments) > 1 {
			s += fmt.Sprintf(" (the first %s before)", roundDur(t.FirstBefore))
		}
		if h.SharedPacket != 0 {
			// The header's end and these bytes came in one segment,
			// so in one read.
			return s + fmt.Sprintf(", which may be later than the read: curl logged the %d header bytes first, from line %d, %s earlier, and the read that returned them with these came before that", h.Bytes, h.FirstLine, roundDur(h.LoggedFor))
		}
		return s + fmt.Sprintf(", which may be later than the read: curl logged the %d header bytes first, from line %d, %s earlier, and if one read returned them with these, it came before that", h.Bytes, h.FirstLine, roundDur(h.LoggedFor))
	}
	if sg := e.Facts.Segments; sg != nil && sg.Missing > 0 {
		// Bytes of the read the capture lost: its last segment is not
		// in it (review 25: "the last segment was captured 393us before
		// the read" of a record whose end was in a dropped packet).
		return fmt.Sprintf("; the capture lost %d of its bytes, and the last segment it holds was captured %s before the read", sg.Missing, roundDur(t.LastBefore))
	}
	s := fmt.Sprintf("; the last segment was captured %s before the read", roundDur(t.LastBefore))
	if len(e.Segments) > 1 {
		s += fmt.Sprintf(", the first %s before", roundDur(t.FirstBefore))
	}
	return s
}

// lateLog tells whether curl spent long enough logging a read's header
// lines before its data that the data's line may not date the read (a
// read that returned the header too came before them). Whether it did is
// not compared with the segments' times: with curl 7 those rest on the
// clocks' alignment.
// lateLog tells whether curl logged the read's bytes after header lines
// a read returning them too may have held: not when the read's first
// segment was captured after curl had logged the header (review 22: the
// header was read alone, then the body, 0.8 ms later).
func lateLog(e explain.Event) bool {
	h, t := e.Facts.Header, e.Facts.Timing
	return h != nil && h.LoggedFor >= 100*time.Microsecond && t != nil && t.Source == explain.FromCapture &&
		(h.SharedPacket != 0 || t.FirstBefore >= h.LoggedFor)
}

// bug18755Text says what curl 8.13-8.16 logged for an event (curl bug
// 18755): its ids inside the data, the data cut at a NUL, or both.
func bug18755Text(e explain.Event) string {
	f := e.Facts.Size
	if f == nil {
		return "curl 8.13-8.16 logged this event's data wrongly (curl bug 18755)"
	}
	s := fmt.Sprintf("curl 8.13-8.16 logged %d bytes here (curl bug 18755): ", f.Logged)
	ids := ""
	if f.Inflated > 0 {
		ids = fmt.Sprintf("its ids (%d bytes) and ", f.Inflated)
	}
	switch {
	case f.LowerBound:
		return s + ids + "the data up to its first NUL byte if it held one, and nothing in the trace tells the length: N is a lower bound"
	case f.Cut:
		return s + ids + fmt.Sprintf("the data up to its first NUL byte; %d, the length curl's own lines give it, is the true size", e.Size)
	}
	return s + fmt.Sprintf("its ids (%d bytes) inside the data; %d is the true size", f.Inflated, e.Size)
}

func noteText(e explain.Event) string {
	var out []string
	for _, n := range e.Notes {
		switch n {
		case explain.NoteSizeLowerBound, explain.NoteCutAtNUL, explain.NoteIDsInData:
			out = append(out, bug18755Text(e))
		case explain.NoteSuperSegments:
			out = append(out, "the capture holds super-segments (taken above TSO/GSO or after GRO), which does not change the cause")
		}
	}
	if len(out) == 0 {
		return ""
	}
	return " [" + strings.Join(out, "; ") + "]"
}

func segSizes(segs []explain.Seg) string {
	counts := map[int]int{}
	var order []int
	for _, s := range segs {
		if counts[s.Len] == 0 {
			order = append(order, s.Len)
		}
		counts[s.Len]++
	}
	var parts []string
	for _, n := range order {
		if counts[n] > 1 {
			parts = append(parts, fmt.Sprintf("%d x%d", n, counts[n]))
		} else {
			parts = append(parts, strconv.Itoa(n))
		}
	}
	if len(parts) > 4 {
		parts = append(parts[:4], "...")
	}
	return strings.Join(parts, ", ")
}

func roundDur(d time.Duration) string {
	if d < 0 {
		return "-" + roundDur(-d)
	}
	if d < time.Millisecond {
		return d.Round(time.Microsecond).String()
	}
	return d.Round(10 * time.Microsecond).String()
}

// unixOnly tells whether every connection of the trace is to a Unix
// socket.
func unixOnly(t *curltrace.Trace) bool {
	if t == nil || len(t.Conns) == 0 {
		return false
	}
	for _, c := range t.Conns {
		if c.Unix == "" {
			return false
		}
	}
	return true
}

// skippedSentence says which lines of the trace were not curl's.
func skippedSentence(spans []curltrace.LineSpan) string {
	if len(spans) == 0 {
		return ""
	}
	lines := 0
	for _, sp := range spans {
		lines += sp.Last - sp.First + 1
	}
	where, verb := fmt.Sprintf("Line %d of the trace is not a curl trace line (or only begins with text before one)", spans[0].First), "it comes"
	if lines > 1 {
		where, verb = fmt.Sprintf("Lines %d-%d", spans[0].First, spans[0].Last), "they come"
		if spans[0].First == spans[0].Last {
			where = fmt.Sprintf("Line %d", spans[0].First)
		}
		switch more := len(spans) - 1; more {
		case 0:
		case 1:
			where += " and one more stretch"
		default:
			where += fmt.Sprintf(" and %d more stretches", more)
		}
		where += fmt.Sprintf(" of the trace (%d lines) are not curl trace lines (or only begin with text before one)", lines)
	}
	return fmt.Sprintf("%s: %s after its Recv events, where curl --trace - without -o writes the body into the same stream, and %s skipped. To keep them apart, write the trace to a file of its own (--trace FILE) or the body elsewhere (-o FILE).",
		where, verb, map[bool]string{true: "was", false: "were"}[lines == 1])
}

// summarySentences writes the summary from the counts and from the facts
// of an event of the dominant cause and size: no sentence is fixed text.
func summarySentences(r *explain.Result) []string {
	s := r.Summary
	if s.Events == 0 {
		out := []string{"The trace has no Recv data events."}
		if !r.Refused {
			out = append(out, uploadSentences(r)...)
		}
		return out
	}
	top := s.Sizes[0]
	out := []string{fmt.Sprintf("%d Recv data event%s, %d bytes; the most common size is %d (%s).", s.Events, plural(s.Events), s.Bytes, top.Size, times(top.Count))}
	if r.Refused {
		return append(out, "No cause is given: the trace and the capture are of different transfers (see Problems). Capture the transfer the trace is of, or trace the one the capture is of.")
	}
	out = append(out, causeSentences(r, s.Dominant, s.Example)...)
	if len(s.Causes) > 1 && 4*s.Causes[1].Count >= s.Events && !sameSentences(s.Dominant, s.Causes[1].Cause) {
		out = append(out, causeSentences(r, s.Causes[1].Cause, s.Causes[1].Example)...)
	}
	if r.Buffer != nil {
		if c := s.Count(explain.CauseBufferCap); c > 0 && s.Dominant != explain.CauseBufferCap && s.Dominant != explain.CauseBacklog {
			out = append(out, fmt.Sprintf("%d read%s filled curl's %d-byte buffer.", c, plural(c), r.Buffer.Size))
		}
	}
	for _, m := range r.Matches {
		if m.Conn.ID == s.Conn {
			if p := matchPointSentence(r, m); p != "" {
				out = append(out, p)
			}
		}
	}
	out = append(out, confidenceSentences(s)...)
	out = append(out, uploadSentences(r)...)
	switch b := r.ClockBack; {
	case b.Line != 0:
		out = append(out, fmt.Sprintf("The trace's clock goes back %s at line %d, from the line before (its host's clock stepped, or the trace was edited): its times are not used, and only what the order and sizes of the events prove is said.", roundDur(b.By), b.Line))
	case s.NoTime:
		out = append(out, "The trace has no times (curl without --trace-time): only what the order and sizes of the events prove is said.")
	}
	for _, l := range s.Stops {
		if l.ByCurl {
			out = append(out, fmt.Sprintf("curl ended the transfer itself (line %d: %q): the reads stop there because curl stopped reading, not because the body or the connection did.", l.Line, l.Text))
			continue
		}
		out = append(out, fmt.Sprintf("The transfer ended early (line %d, curl's message: %q): the other end reset or closed it, and what was read or sent stops there.", l.Line, l.Text))
	}
	for _, c := range s.CutBodies {
		out = append(out, fmt.Sprintf("The response body stopped at %d of the %d bytes its Content-Length announced (the last read at line %d): the transfer ended early (the connection closed, as curl exit 18 says, or a timeout or an interrupt stopped curl), or the trace was cut.", c.Got, c.Length, c.Line))
	}
	for _, w := range r.Warnings {
		if w.Conn != s.Conn {
			continue
		}
		if len(r.Matches) > 1 && w.Conn >= 0 {
			// Several connections matched: say whose (the counts are).
			out = append(out, fmt.Sprintf("Capture warning, connection %d %s: %s.", w.Conn, w.Dir, WarningText(w)))
			continue
		}
		out = append(out, "Capture warning: "+WarningText(w)+".")
	}
	return out
}

// matchPointSentence is pointSentence for match m, which names its
// connection when the trace matched several: its counts are that
// connection's (review 14: "11 of 14 segments" read as the capture's, of
// 31).
func matchPointSentence(r *explain.Result, m explain.Match) string {
	p := pointSentence(m.Point)
	if p != "" && len(r.Matches) > 1 {
		p = fmt.Sprintf("On capture connection %d (the one with the most reads): %s%s", m.Conn.ID, strings.ToLower(p[:1]), p[1:])
	}
	return p
}

// pointSentence names where the capture was taken when the capture
// shows it, or when offload makes it matter.
func pointSentence(p *explain.PointFact) string {
	if p == nil || (p.Where == explain.PointUnknown && p.Super == 0 && p.By != "forwarded") {
		return ""
	}
	var where string
	switch {
	case p.By == "one-host" && p.Super == 0:
		return "" // nothing it changes
	case p.By == "one-host":
		where = "Captured on the one host both ends are on (client and server share an address): the segments are as curl's socket received them"
	case p.By == "forwarded":
		where = fmt.Sprintf("Captured on a router between them, on both sides (each SYN is in the capture twice, on two interfaces: the client's with TTL %d and %d, the server's with %d and %d, as it came in and went out)", p.ClientTTL, p.ClientCopyTTL, p.ServerTTL, p.ServerCopyTTL)
	case p.Where != explain.PointUnknown && p.By == "ttl":
		host, other, ttl, otherTTL := "client", "server's", p.ClientTTL, p.ServerTTL
		if p.Where == explain.PointServer {
			host, other, ttl, otherTTL = "server", "client's", p.ServerTTL, p.ClientTTL
		}
		// The TTLs place no router between the capture and that end: on
		// its host, or on the link before the first router.
		where = fmt.Sprintf("Captured on the %s's side (its SYN still had TTL %d, so no router was between; the %s SYN came with %d, past a router)", host, ttl, other, otherTTL)
	case p.Where != explain.PointUnknown:
		first, second := p.SynToSynAck, p.SynAckToAck
		where = fmt.Sprintf("Captured at the %s (the SYN-ACK followed the SYN by %s and the ACK followed it by %s: the round trip lies on the other side)", p.Where, roundDur(first), roundDur(second))
	case p.ClientTTL == 0 || p.ServerTTL == 0:
		where = "Where the capture was taken is not shown (it lacks a SYN, so neither the SYNs' TTLs nor the handshake's timing can tell)"
	default:
		where = "Where the capture was taken is not shown (the SYNs' TTLs and the handshake's timing are alike on both sides: no router between them, or one host)"
	}
	switch {
	case p.Super == 0:
		return where + "."
	case p.By == "one-host":
		return fmt.Sprintf("%s: %d of %d of the server's segments are longer than the MSS %d, handed over whole on the host (loopback passes GSO segments as they are), and curl's reads can take them whole.", where, p.Super, p.Segments, p.MSS)
	case p.Where == explain.PointClient:
		return fmt.Sprintf("%s, after receive offload: %d of %d of the server's segments are longer than the MSS %d, merged by GRO on curl's host or a router before it (or passed whole by a veth), and curl's reads can take them whole.", where, p.Super, p.Segments, p.MSS)
	case p.Where == explain.PointServer:
		return fmt.Sprintf("%s: %d of %d of the server's segments are longer than the MSS %d, units of its segmentation offload (TSO/GSO), or merged by GRO at the capture point (a router's interface facing the server sees its SYN with the TTL it left with too), cut at the MSS where the path requires it (its NIC, or a router to a smaller MTU; a veth or a bridge passes them whole, and curl's host may take them so): the segments curl received, and when they reached it, are not in this capture; the times are when they passed the capture point.", where, p.Super, p.Segments, p.MSS)
	}
	return fmt.Sprintf("%s; %d of %d of the server's segments are longer than the MSS %d: taken above the server's segmentation offload or after curl's receive offload, so a read whose size turns on how they reached curl is not explained as certain (one a TLS record or the body's end decides still is).", where, p.Super, p.Segments, p.MSS)
}

// sameSentences tells whether two causes share their summary sentences.
func sameSentences(a, b explain.Cause) bool {
	waiting := func(c explain.Cause) bool { return c == explain.CauseBacklog || c == explain.CauseBufferCap }
	return waiting(a) && waiting(b)
}

func confidenceSentences(s explain.Summary) []string {
	c := s.Confidence
	if c[explain.Inferred] == 0 && c[explain.CannotTell] == 0 {
		return []string{"Every cause above is certain: it follows from the facts of each event."}
	}
	out := []string{fmt.Sprintf("Certain for %s, inferred for %d, cannot tell for %d.", countOf(c[explain.Certain], "event", "events"), c[explain.Inferred], c[explain.CannotTell])}
	for _, n := range s.Needs {
		out = append(out, fmt.Sprintf("For %s, what would tell: %s.", countOf(n.Count, "event", "events"), needText(n.Need)))
	}
	return out
}

// certainOf counts the reads of the given causes, and the certain ones.
func certainOf(r *explain.Result, causes ...explain.Cause) (n, sure int) {
	for _, e := range r.Events {
		if slices.Contains(causes, e.Cause) {
			n++
			if e.Confidence == explain.Certain {
				sure++
			}
		}
	}
	return n, sure
}

// causeSentences explain one of the main causes with the numbers of an
// example event of it.
func causeSentences(r *explain.Result, cause explain.Cause, example int) []string {
	s := r.Summary
	n := s.Count(cause)
	e := r.Events[example]
	switch cause {
	case explain.CauseFullSegment:
		var out []string
		if _, sure := certainOf(r, explain.CauseFullSegment); sure == n {
			out = append(out, fmt.Sprintf("%d of %d reads were exactly one full-size segment: curl read faster than the data arrived, so each read took the one segment that was waiting.", n, s.Events))
		} else {
			out = append(out, fmt.Sprintf("%d of %d reads are taken to be exactly one full-size segment (certain for %d; see each event): if so, curl read faster than the data arrived, and each read took the one segment that was waiting.", n, s.Events, sure))
		}
		return append(out, mssSentences(s.MSS)...)
	case explain.CauseBacklog, explain.CauseBufferCap:
		waiting, sure := certainOf(r, explain.CauseBacklog, explain.CauseBufferCap)
		if k, line := tlsCaps(r); k == waiting {
			// Reads inside a TLS record come from the record, not the
			// segments (review 30: "took several segments at once").
			if sure == waiting {
				return []string{fmt.Sprintf("%d of %d reads stopped inside a TLS record that held more (line %d): SSL_read returns what it is asked for up to the record's end, so curl asked for no more; its buffer, not the record or the segments, ended them.", k, s.Events, line)}
			}
			return []string{fmt.Sprintf("%d of %d reads are taken to have stopped inside a TLS record that held more (line %d; inferred, see each event): if so, curl asked SSL_read for no more, and its buffer, not the record or the segments, ended them.", k, s.Events, line)}
		}
		var out []string
		switch {
		case unixOnly(r.Trace) && r.Buffer != nil:
			// No segments carry a Unix socket's bytes (review 28: "found
			// several segments waiting" of curl --unix-socket).
			with := ""
			for _, e := range r.Events {
				if b := e.Facts.Buffer; b != nil && b.HeaderBytes > 0 && (e.Cause == explain.CauseBufferCap || e.Cause == explain.CauseBacklog) {
					with = fmt.Sprintf(" (line %d with the %d header bytes curl logged before it)", e.Line, b.HeaderBytes)
					break
				}
			}
			return []string{fmt.Sprintf("%d of %d reads are taken to have filled curl's %d-byte buffer: their size is the buffer's%s; the connection is a Unix socket, which no segments carry, and nothing shows whether more was waiting.", waiting, s.Events, r.Buffer.Size, with)}
		case sure == waiting:
			out = append(out, fmt.Sprintf("%d of %d reads took several segments at once or filled curl's buffer: curl read after more than one segment had come, so N is how much was waiting (up to the buffer), not the segment size.", waiting, s.Events))
		case sure > 0:
			out = append(out, fmt.Sprintf("%d of %d reads took several segments at once or filled curl's buffer (certain for %d of them, inferred for the others): curl read after more than one segment had come, so N is how much was waiting (up to the buffer), not the segment size.", waiting, s.Events, sure))
		default:
			out = append(out, fmt.Sprintf("%d of %d reads are taken to have found several segments waiting or filled curl's buffer, inferred and not certain (see each event): if so, curl read after more than one segment had come, and N is how much was waiting (up to the buffer), not the segment size.", waiting, s.Events))
		}
		if s.MSS != nil {
			if sup := superOf(r, s.Conn); sup > 0 {
				// Review 22: "up to 1448" beside 65160-byte units a
				// veth passed whole to curl's socket.
				out = append(out, fmt.Sprintf("A segment on the wire carries at most %d bytes (%s); %d of the server's segments in the capture are longer, units of its offload or merged by GRO, and where the path hands them on whole (a veth, loopback, GRO on curl's host) they reach curl's socket so.", s.MSS.Effective, mssArithmetic(s.MSS), sup))
			} else if m := s.MSS; m.Largest > 0 && m.Largest < m.Effective {
				// Review 31: "up to 1448" of a capture whose largest was
				// 1228 (path MTU discovery).
				out = append(out, fmt.Sprintf("The server's segments were up to %d bytes, less than the %d a full one carries (%s).", m.Largest, m.Effective, mssArithmetic(m)))
			} else {
				out = append(out, fmt.Sprintf("The segments themselves were up to %d bytes (%s).", s.MSS.Effective, mssArithmetic(s.MSS)))
			}
		}
		return out
	case explain.CauseRateLimit:
		lo, hi := rateGaps(r)
		gap := roundDur(lo)
		if hi != lo {
			gap = roundDur(lo) + " to " + roundDur(hi)
		}
		if e.Inference == explain.ByPause {
			b := e.Facts.Buffer
			if b.LimitRate != "" {
				return []string{fmt.Sprintf("%d of %d reads came after curl paused with the bytes waiting, %s after the read before, and filled its %d-byte buffer: curl ran with --limit-rate %s, which paces its reads so (a blocked output or other transfers would pause it too).", n, s.Events, gap, b.Size, b.LimitRate)}
			}
			// The rate a --limit-rate would need for these pauses, from
			// the buffer and the gaps: not a fixed example (review 16).
			rate := rateOf(b.Size, hi)
			if hi != lo {
				rate = rateOf(b.Size, hi) + " to " + rateOf(b.Size, lo)
			}
			return []string{fmt.Sprintf("%d of %d reads came after curl paused with the bytes waiting, %s after the read before, and filled its %d-byte buffer: a --limit-rate of about %s (the buffer once per pause), its output blocked, or other transfers kept it busy; the trace does not say which.", n, s.Events, gap, b.Size, rate)}
		}
		return []string{fmt.Sprintf("%d of %d reads came after curl paused to hold --limit-rate: its buffer is the rate (%d bytes), and each read, %s after the one before, filled it.", n, s.Events, e.Facts.Buffer.Size, gap)}
	case explain.CauseH2Frames:
		return h2Sentences(r)
	case explain.CauseTLSRecord:
		return tlsSentences(r, e, n)
	case explain.CauseChunkWrite:
		c := e.Facts.Chunks
		return []string{fmt.Sprintf("%d of %d reads were one segment of whole chunks with their framing, read as it came (%d = %d of data + %d of framing%s): each segment is taken as one write of the server, which the capture does not show (a write of several chunks, or a chunk written in pieces under TCP_CORK, leaves the same segment).", n, s.Events, e.Size, c.Data, c.Framing, trailers(c, " + "))}
	case explain.CauseShortSegment:
		if k, line := byInference(r, explain.ByNagle); k > 0 {
			return []string{fmt.Sprintf("%d of %d reads were one segment smaller than the MSS; %d of them left each right after curl's side acknowledged the one before, and no two small segments were ever unacknowledged at once: most likely Nagle's algorithm held what the server wrote until the ACK (it did not set TCP_NODELAY), so each segment is what it had written by then (one write, several, or part of one); a server writing just after each ACK would look the same, which only its writes tell (line %d).", n, s.Events, k, line)}
		}
		if e.Facts.MSS.FromWrites() {
			return []string{fmt.Sprintf("%d of %d reads were one segment each, most of the server's segments with PSH: the server's stack sent that much at a time, most likely one write per segment (the MSS is not known: no SYN was captured; the capture does not show the writes).", n, s.Events)}
		}
		return []string{fmt.Sprintf("%d of %d reads were one segment smaller than the MSS: the server's stack sent that much at a time, which is one write per segment when the server writes in pieces, or the end of a longer write after full segments (the capture does not show its writes).", n, s.Events)}
	case explain.CauseLossRecovery:
		if e.Inference == explain.ByServerResend {
			return []string{fmt.Sprintf("%d of %d reads took bytes the server sent again (line %d: packet %d): seen from the server, the first copies are taken as lost on the way, and N as what the resent bytes made readable at once, not a sign of a slow reader (inferred: a capture at curl's host would show it).", n, s.Events, e.Line, e.Facts.Recovery.Packet)}
		}
		return []string{fmt.Sprintf("%d of %d reads took bytes that had waited behind a lost segment until its retransmission came (line %d: packet %d): N is what the retransmission made readable at once, not a sign of a slow reader.", n, s.Events, e.Line, e.Facts.Recovery.Packet)}
	case explain.CauseWindowFull:
		// Reads that ended less than a segment short of the edge are
		// told apart (review 30).
		var atEdge, short []explain.Event
		for _, x := range r.Events {
			if x.Cause == explain.CauseWindowFull && x.Facts.Window != nil {
				if x.Facts.Window.Short > 0 {
					short = append(short, x)
				} else {
					atEdge = append(atEdge, x)
				}
			}
		}
		var out []string
		if len(atEdge) > 0 {
			out = append(out, fmt.Sprintf("%d of %d reads ended at the edge of the receive window curl's side advertised (%d bytes at line %d): the server had sent all the window allowed, so the window's edge, not the segment size, ended them.", len(atEdge), s.Events, atEdge[0].Facts.Window.Window, atEdge[0].Line))
		}
		if len(short) > 0 {
			w := short[0].Facts.Window
			out = append(out, fmt.Sprintf("%d of %d reads ended less than a segment before the receive window's edge (line %d: %d bytes before the edge of a %d-byte window), and the server sent no more until curl's ACK moved it: the window ended them, less the runt the server would not send into it (inferred: its stack's choice, which the capture does not show).", len(short), s.Events, short[0].Line, w.Short, w.Window))
		}
		return out
	case explain.CauseSenderPush:
		return []string{fmt.Sprintf("%d of %d reads were one run between PSH flags each, read whole as it came (line %d: %s): curl was waiting, so N is what arrived at once (a write of the server, a piece of a long one, or a burst the path let through), not a sign of a slow reader.", n, s.Events, e.Line, senderPushText(e))}
	case explain.CauseSuperSegment:
		if p := e.Facts.Point; p != nil && p.Where == explain.PointServer {
			return []string{"The capture holds super-segments (several MSS merged by TSO/GSO): it was taken on the server's side, above its offload, so it cannot show the segments curl's socket received. " + capitalize(needText(explain.NeedBelowOffload)) + "."}
		}
		if p := e.Facts.Point; p != nil && p.Where == explain.PointClient {
			// Review 31: "where it was taken is not shown" beside
			// "Captured on the client's side".
			return []string{"The capture holds super-segments, taken on curl's side after receive offload: they are the segments curl's socket received, and these reads each took one whole; what each was made of on the wire (the sender's TSO/GSO unit passed whole by a veth or bridge, or wire segments GRO merged on curl's host or a router before it) is not in the capture. " + capitalize(needText(explain.NeedBelowOffload)) + "."}
		}
		return []string{"The capture holds super-segments (several MSS merged by TSO/GSO on the sender or GRO on the receiver). Taken on the server's side above its offload, they are not what curl's socket received; taken on curl's host after GRO, they are; where it was taken is not shown, so reads inside them are not certain. " + capitalize(needText(explain.NeedBelowOffload)) + "."}
	case explain.CauseMissing:
		return []string{fmt.Sprintf("For %d of %d reads bytes are missing from the capture, so the capture cannot explain them.", n, s.Events)}
	case explain.CauseAfterHeaders:
		return []string{fmt.Sprintf("%d of %d reads came right after a response header that ended in the same segment: curl logs the header bytes apart (Recv header), so these reads are smaller than the segment.", n, s.Events)}
	case explain.CauseBodyEnd:
		return []string{fmt.Sprintf("%d of %d reads took the last bytes of a body: the response ended there.", n, s.Events)}
	case explain.CauseUnmatched:
		if slices.Contains(e.Needs, explain.NeedFullSnap) {
			return []string{"No connection in the capture matched the trace: the capture's snap length cut every packet inside its headers."}
		}
		if len(r.Matches) > 0 {
			// Some of the trace's connections are there: the capture is of
			// this transfer, not of all of it.
			return []string{fmt.Sprintf("%d of %d reads came on a connection the capture does not have (see the problems), though it has the trace's other connections: the capture missed that one (a capture filter on a host or port leaves out, say, a redirect to another host).", n, s.Events)}
		}
		return []string{"No connection in the capture matched the trace: are they of the same transfer?"}
	case explain.CauseTraceOnly:
		return []string{"Without a capture only the sizes are known: give the capture of the same transfer to see which segments made each read."}
	}
	return []string{fmt.Sprintf("For %d of %d reads the evidence does not tell the cause.", n, s.Events)}
}

func countOf(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}

func h2Sentences(r *explain.Result) []string {
	// The reads of this cause are not all alike (a frame, several, a
	// record's DATA, a socket read's; decrypted, or inferred from the
	// records): one sentence per kind, each with its own count and
	// example, so no kind is said of reads of another.
	type kind struct {
		shape    explain.FrameShape
		inferred bool // no frames: inferred from the record
		sum      bool // inferred from the sum of a record's reads
		several  bool // several whole frames in one read
		source   explain.Source
	}
	var order []kind
	groups := map[kind][]explain.Event{}
	for _, ev := range r.Events {
		if ev.Cause != explain.CauseH2Frames {
			continue
		}
		var k kind
		if fr := ev.Facts.Frames; fr != nil {
			k = kind{shape: fr.Shape, several: fr.Shape == explain.ShapeWhole && len(fr.Frames) > 1, source: fr.Source}
		} else {
			k = kind{inferred: true, sum: ev.Inference == explain.ByRecordSum}
		}
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], ev)
	}
	var out []string
	for _, k := range order {
		out = append(out, h2Sentence(r, typical(groups[k]), len(groups[k])))
	}
	return out
}

// typical is the first of evs whose size is their most common one.
func typical(evs []explain.Event) explain.Event {
	count := map[int]int{}
	best := evs[0]
	for _, e := range evs {
		count[e.Size]++
		if count[e.Size] > count[best.Size] {
			best = e
		}
	}
	for _, e := range evs {
		if e.Size == best.Size {
			return e
		}
	}
	return best
}

// h2Sentence says what n reads alike e were.
func h2Sentence(r *explain.Result, e explain.Event, n int) string {
	s := r.Summary
	fr, rec := e.Facts.Frames, e.Facts.Record
	if fr == nil && rec != nil && e.Inference == explain.ByRecordSum {
		k := (rec.Plain - rec.ReadBytes) / 9
		return fmt.Sprintf("%d of %d reads shared a TLS record with other reads, and each record's reads add up to its plaintext less whole 9-byte frame headers (line %d: %d reads, %d bytes = %d - %d x 9): curl handed over a DATA frame, or the record's piece of one, at a time, without the headers, if the records held nothing but DATA frames; what would tell, %s.", n, s.Events, e.Line, rec.Reads, rec.ReadBytes, rec.Plain, k, needOrKeyLog(e))
	}
	if fr == nil && rec != nil {
		k := (rec.Plain - rec.Before - e.Size) / 9
		return fmt.Sprintf("%d of %d reads look like the DATA of one TLS record each: %d = %d - %d x 9, the record's plaintext less %d HTTP/2 frame header(s), if the records held nothing but DATA frames; what would tell, %s.", n, s.Events, e.Size, rec.Plain-rec.Before, k, k, needOrKeyLog(e))
	}
	if fr == nil {
		return fmt.Sprintf("%d of %d reads were HTTP/2 DATA.", n, s.Events)
	}
	switch fr.Shape {
	case explain.ShapeRecordData:
		return fmt.Sprintf("%d of %d reads were the DATA of one TLS record each: curl reported what one record delivered, DATA payload only, so N is the record's plaintext less its frame headers: here %s (%s).", n, s.Events, recordArithmetic(e), frameList(fr.Frames))
	case explain.ShapeReadPiece:
		brings, unit := "each socket read brings", "a socket read"
		if e.Facts.Layer == explain.LayerH2TLS {
			brings, unit = "each TLS record brings (one SSL_read)", "a record"
		}
		return fmt.Sprintf("%d of %d reads were pieces of HTTP/2 DATA frames: curl 8 hands over the DATA %s, a frame at a time, so a frame that %s ended inside is reported in pieces (line %d: %d of frame #%d's %d bytes).", n, s.Events, brings, unit, e.Line, e.Size, fr.Frames[0].Index, fr.Frames[0].Payload)
	case explain.ShapeSocketRead:
		lead := 0
		if fr.Leading {
			lead = 1
		}
		return fmt.Sprintf("%d of %d reads were HTTP/2 DATA: curl reports the DATA payload of the frames one socket read took, so N is the bytes read less 9 per frame header: here %d = %d - %d x 9 (line %d).", n, s.Events, e.Size, fr.Extent+int64(9*lead), fr.Headers+lead, e.Line)
	}
	if len(fr.Frames) > 1 {
		return fmt.Sprintf("%d of %d reads were several whole HTTP/2 DATA frames each (%s; line %d: %s): curl handed over what it had of them at once, without their 9-byte headers, so N is their DATA together, not one frame's size.", n, s.Events, frameSource(fr.Source), e.Line, frameList(fr.Frames))
	}
	if v := r.Trace.Curl; v.Known() && v.Major < 8 && fr.Source == explain.FromKeyLog {
		// curl 7 hands over what one record delivered; here that was one
		// whole frame.
		return fmt.Sprintf("%d of %d reads were whole HTTP/2 DATA frames (%s): curl %s hands over the DATA one TLS record delivered, and each of these records held one whole frame, so N is the size of the DATA frame the server sent (%d at line %d: %s), without its 9-byte header.", n, s.Events, frameSource(fr.Source), v, e.Size, e.Line, frameWhy(fr))
	}
	return fmt.Sprintf("%d of %d reads were whole HTTP/2 DATA frames (%s): curl handed over one DATA frame at a time, without its 9-byte header, so N is the size of the DATA frame the server sent (%d at line %d: %s), not the TLS record or the segment size.", n, s.Events, frameSource(fr.Source), e.Size, e.Line, frameWhy(fr))
}

// frameWhy says why a whole DATA frame had its size: the stream's last
// one holds what was left of the body (review 23: the 1696-byte rest of
// 100000 bytes had been "its choice, or what the window let through").
func frameWhy(fr *explain.FrameFact) string {
	if len(fr.Frames) == 1 && fr.Frames[0].EOS {
		return "the stream's last DATA frame (END_STREAM), what was left of the body"
	}
	return "its choice, or what curl's flow-control window let through"
}

// needOrKeyLog is what would show an event's frames: its first need, else
// the key log.
func needOrKeyLog(e explain.Event) string {
	if len(e.Needs) > 0 {
		return needText(e.Needs[0])
	}
	return needText(explain.NeedKeyLog)
}

// recordArithmetic: "16366 = 16384 - 2 x 9", from the frames in the record.
func recordArithmetic(e explain.Event) string {
	fr := e.Facts.Frames
	s := fmt.Sprintf("%d = %d - %d x 9", e.Size, fr.RecordPlain, fr.RecordHeaders)
	if fr.RecordHeaderBytes != 9*fr.RecordHeaders {
		s = fmt.Sprintf("%d = %d - %d (frame header bytes)", e.Size, fr.RecordPlain, fr.RecordHeaderBytes)
	}
	if fr.RecordPadding > 0 {
		s += fmt.Sprintf(" - %d (padding)", fr.RecordPadding)
	}
	if fr.RecordOther > 0 {
		s += fmt.Sprintf(" - %d (other frames)", fr.RecordOther)
	}
	return s
}

func tlsSentences(r *explain.Result, e explain.Event, n int) []string {
	s := r.Summary
	rec := e.Facts.Record
	if fr := e.Facts.Frames; fr != nil {
		x := fr.Frames[0]
		if fr.Source == explain.FromTrace {
			return []string{fmt.Sprintf("%d of %d reads were a piece of an HTTP/2 DATA frame (line %d: bytes %d-%d of a %d-byte frame, from curl's FRAME lines): curl hands a frame over in pieces where a TLS record ends; what would lay the frames on the records, %s.",
				n, s.Events, e.Line, x.From, x.From+x.InRead, x.Payload, needText(explain.NeedKeyLog))}
		}
		return []string{fmt.Sprintf("%d of %d reads were a piece of an HTTP/2 DATA frame that a TLS record boundary cut: curl hands over what one record holds of a frame, so these sizes come from where the records end (line %d: bytes %d-%d of a %d-byte frame, in a record of %d bytes of plaintext).",
			n, s.Events, e.Line, x.From, x.From+x.InRead, x.Payload, fr.RecordPlain)}
	}
	var out []string
	if _, sure := certainOf(r, explain.CauseTLSRecord); sure == n {
		out = append(out, fmt.Sprintf("%d of %d reads were one TLS record each (or the rest of one): curl reads one record per SSL_read, so the record size the server chose sets N, whatever the segments were.", n, s.Events))
	} else {
		// Review 40: said as fact of HTTP/2 reads inferred without the
		// key log.
		out = append(out, fmt.Sprintf("%d of %d reads are taken to be one TLS record each, or the rest of one (certain for %d; see each event): curl reads one record per SSL_read, so if so, the record size the server chose sets N, whatever the segments were.", n, s.Events, sure))
	}
	switch whole := wholeRecords(r, e.Size); {
	case rec == nil || !rec.OverheadKnown || rec.Plain != e.Size:
	case rec.Plain == maxTLSPlaintext:
		// Of the reads that were such records (review 39: Go's dynamic
		// record sizing, 15 of 27 records smaller).
		were := "of them were whole records"
		if whole == 1 {
			were = "of them was a whole record"
		}
		out = append(out, fmt.Sprintf("%d %s of %d bytes of plaintext, the most TLS allows, %d after the record header (%d of overhead with %s).", whole, were, rec.Plain, rec.Length, rec.Overhead, overheadText(rec)))
	case whole > 1:
		// Said of the reads that were such records, not of every record
		// of the server: a server can send records of several sizes.
		out = append(out, fmt.Sprintf("%d of them were whole records of %d bytes of plaintext, %d after the record header (%d of overhead with %s): the server sent records of that size, and that, not the MSS, is where %d comes from.", whole, rec.Plain, rec.Length, rec.Overhead, overheadText(rec), e.Size))
	}
	return out
}

// wholeRecords counts the tls-record reads of n bytes that were a whole
// record's plaintext.
func wholeRecords(r *explain.Result, n int) int {
	k := 0
	for _, e := range r.Events {
		if rec := e.Facts.Record; e.Cause == explain.CauseTLSRecord && e.Size == n && rec != nil && rec.OverheadKnown && rec.Plain == n && rec.Before == 0 {
			k++
		}
	}
	return k
}

// byInference counts the reads resting on inference i, and gives the line
// of the first.
func byInference(r *explain.Result, i explain.Inference) (n, line int) {
	for _, e := range r.Events {
		if e.Inference == i {
			if n == 0 {
				line = e.Line
			}
			n++
		}
	}
	return n, line
}

// rateGaps is the shortest and longest time between a rate-limit read and
// the read before it.
func rateGaps(r *explain.Result) (lo, hi time.Duration) {
	first := true
	for _, e := range r.Events {
		if e.Cause != explain.CauseRateLimit || e.Facts.Timing == nil || !e.Facts.Timing.HasPrevious {
			continue
		}
		d := e.Facts.Timing.SincePrevious
		if first || d < lo {
			lo = d
		}
		if first || d > hi {
			hi = d
		}
		first = false
	}
	return lo, hi
}

// maxTLSPlaintext is the most plaintext a TLS record may hold (RFC 8446,
// 5.1).
const maxTLSPlaintext = 16384

// mssSentences explain the effective MSS from its facts: which MTU the
// MSS means, which options, and why it is not "MSS 1460 minus headers".
func mssSentences(m *explain.MSSFact) []string {
	if m == nil {
		return nil
	}
	out := []string{fmt.Sprintf("A full segment carries %s.", mssArithmetic(m))}
	if m.Held > 0 {
		largest := ""
		if m.Largest > 0 {
			largest = " (none longer)"
			if m.Largest != m.Held {
				largest = fmt.Sprintf(" (the largest %d)", m.Largest)
			}
		}
		out = append(out, fmt.Sprintf("Yet %d of the server's %d data segments were %d bytes%s, and most left without PSH: its stack held them below the MSS, as a path MTU it learnt on the way does (%s), which the SYNs, advertising each end's own link, do not show.", m.HeldSegments, m.DataSegments, m.Held, largest, heldMTU(m)))
	}
	if m.Inferred {
		return out
	}
	ipHdr, family := 20, "IPv4"
	if m.IPv6 {
		ipHdr, family = 40, "IPv6"
	}
	mtu := m.MSS + ipHdr + 20
	// What an MTU gives, not what the path's is: a router's MSS clamp or
	// the application's TCP_MAXSEG sets it lower than the link's (review
	// 33: "means a path MTU of 1240" of a clamp on MTU-1500 links).
	if m.Held > 0 {
		out = append(out, fmt.Sprintf("MSS %d on %s is what an MTU of %d at the end that sent it gives (%d - %d IP header - 20 TCP header = %d): the MSS already leaves out the IP and TCP headers.", m.MSS, family, mtu, mtu, ipHdr, m.MSS))
	} else {
		out = append(out, fmt.Sprintf("MSS %d on %s is what an MTU of %d gives (%d - %d IP header - 20 TCP header = %d): the MSS already leaves out the IP and TCP headers (a router's MSS clamp or the application's TCP_MAXSEG would set it lower than the link allows).", m.MSS, family, mtu, mtu, ipHdr, m.MSS))
	}
	if m.OptionBytes > 0 {
		what := "negotiated in the SYNs"
		if m.Timestamps && m.OptionBytes == 12 {
			what = "the timestamp option, 10 bytes padded to 12, on by default on Linux"
		}
		out = append(out, fmt.Sprintf("What is taken out of the MSS is the %d bytes of TCP options every segment carries (%s).", m.OptionBytes, what))
	}
	// Said only where the path is not the usual one, and with the
	// usual one of the family (review 16: IPv6's 1440 and IPv4 without
	// timestamps were set against IPv4's 1460 with them).
	if std := 1500 - ipHdr - 20; m.MSS != std {
		out = append(out, fmt.Sprintf("So %d is not what a standard MTU-1500 link with nothing clamping the MSS gives: there the MSS on %s is %d, and a full segment carries %d with timestamps, %d without.", m.Effective, family, std, std-12, std))
	}
	return out
}

// heldMTU is the MTU a held segment size means: "1228 + 12 of TCP
// options + 40 of IP and TCP headers = 1280; an ICMP "fragmentation
// needed" from a router, or a route's MTU on the server's side".
func heldMTU(m *explain.MSSFact) string {
	if m == nil || m.Held == 0 {
		return "an ICMP \"fragmentation needed\" from a router, or a route's MTU on the server's side"
	}
	hdr, icmp := 40, "an ICMP \"fragmentation needed\""
	if m.IPv6 {
		hdr, icmp = 60, "an ICMPv6 \"packet too big\""
	}
	return fmt.Sprintf("%d + %d of TCP options + %d of IP and TCP headers = an MTU of %d; %s from a router, or a route's MTU on the server's side; or a router clamped the MSS of the client's SYN to %d, which a capture on this side of it does not show", m.Held, m.OptionBytes, hdr, m.Held+m.OptionBytes+hdr, icmp, m.Held+m.OptionBytes)
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// EffectiveMSS spells out how a direction's effective MSS comes about:
// "1400 (MSS in the client's SYN) - 12 (timestamps option) = 1388".
// Concatenation, not fmt: JSON and CSV write it for every direction of
// every connection.
func EffectiveMSS(e analyze.EffectiveMSS) string {
	if e.Value == 0 {
		return "unknown (no MSS option captured, and no segment size shows it)"
	}
	if e.Inferred {
		return strconv.Itoa(e.Value) + " (taken from the segment sizes: no MSS option was captured)"
	}
	who := "client's SYN"
	if e.MSSFrom == analyze.ServerToClient {
		who = "server's SYN-ACK"
	}
	if e.OptionBytes == 0 {
		return strconv.Itoa(e.MSS) + " (MSS in the " + who + "; no TCP options on data segments) = " + strconv.Itoa(e.Value)
	}
	what := "TCP options"
	if e.Timestamps && e.OptionBytes == 12 {
		what = "timestamps option"
	}
	return strconv.Itoa(e.MSS) + " (MSS in the " + who + ") - " + strconv.Itoa(e.OptionBytes) + " (" + what + ") = " + strconv.Itoa(e.Value)
}

// rateOf is n bytes every d as a rate, in curl's --limit-rate units.
func rateOf(n int, d time.Duration) string {
	if d <= 0 {
		return "?"
	}
	r := float64(n) / d.Seconds()
	switch {
	case r >= 1<<20:
		return fmt.Sprintf("%.3gM (%.0f bytes a second)", r/(1<<20), r)
	case r >= 1<<10:
		return fmt.Sprintf("%.3gk (%.0f bytes a second)", r/(1<<10), r)
	}
	return fmt.Sprintf("%.0f bytes a second", r)
}

// times is "once", "twice" or "N times".
func times(n int) string {
	switch n {
	case 1:
		return "once"
	case 2:
		return "twice"
	}
	return fmt.Sprintf("%d times", n)
}

// superOf is how many of capture connection conn's server segments are
// longer than the effective MSS, as its match's capture point counted.
func superOf(r *explain.Result, conn int) int {
	for _, m := range r.Matches {
		if m.Conn != nil && m.Conn.ID == conn && m.Point != nil {
			return m.Point.Super
		}
	}
	return 0
}
