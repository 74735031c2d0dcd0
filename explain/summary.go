package explain

import (
	"fmt"
	"sort"

	"github.com/segscope/segscope/analyze"
)

// summarize counts sizes and causes and writes the sentences a reader of
// the course note would want.
func (r *Result) summarize(res *analyze.Result) {
	s := &r.Summary
	sizes := map[int]int{}
	causes := map[Cause]int{}
	for _, e := range r.Events {
		s.Events++
		s.Bytes += int64(e.Size)
		sizes[e.Size]++
		causes[e.Cause]++
	}
	for size, n := range sizes {
		s.Sizes = append(s.Sizes, analyze.SizeCount{Size: size, Count: n})
	}
	sort.Slice(s.Sizes, func(i, j int) bool {
		if s.Sizes[i].Count != s.Sizes[j].Count {
			return s.Sizes[i].Count > s.Sizes[j].Count
		}
		return s.Sizes[i].Size > s.Sizes[j].Size
	})
	for c, n := range causes {
		s.Causes = append(s.Causes, CauseCount{c, n})
	}
	sort.Slice(s.Causes, func(i, j int) bool {
		if s.Causes[i].Count != s.Causes[j].Count {
			return s.Causes[i].Count > s.Causes[j].Count
		}
		return s.Causes[i].Cause < s.Causes[j].Cause
	})
	if len(s.Causes) == 0 {
		s.Sentences = append(s.Sentences, "The trace has no Recv data events.")
		return
	}
	s.Dominant = s.Causes[0].Cause
	top := s.Sizes[0]
	s.Sentences = append(s.Sentences, fmt.Sprintf("%d Recv data events, %d bytes; the most common size is %d (%d times).", s.Events, s.Bytes, top.Size, top.Count))
	// The connection most events came from speaks for the capture.
	var conn *analyze.Connection
	counts := map[int]int{}
	for _, e := range r.Events {
		if e.Conn >= 0 {
			counts[e.Conn]++
		}
	}
	best := -1
	for id, n := range counts {
		if best < 0 || n > counts[best] {
			best = id
		}
	}
	for _, m := range r.Matches {
		if m.Conn.ID == best {
			conn = m.Conn
		}
	}
	n := s.Causes[0].Count
	switch s.Dominant {
	case CauseFullSegment:
		s.Sentences = append(s.Sentences, fmt.Sprintf("%d of %d reads were exactly one full-size segment: curl read faster than the data arrived, so each read took the one segment that was waiting.", n, s.Events))
		s.Sentences = append(s.Sentences, mssSentences(conn)...)
	case CauseBacklog, CauseBufferCap:
		s.Sentences = append(s.Sentences, fmt.Sprintf("%d of %d reads took several segments at once or filled curl's buffer: the reader was slower than the network, so N is how much was waiting (up to the buffer), not the segment size.", causeCount(s, CauseBacklog)+causeCount(s, CauseBufferCap), s.Events))
		if conn != nil {
			e := conn.Dir(analyze.ServerToClient).EffectiveMSS()
			if e.Value > 0 {
				s.Sentences = append(s.Sentences, fmt.Sprintf("The segments themselves were up to %d bytes (%s).", e.Value, e.Arithmetic()))
			}
		}
	case CauseH2Frames:
		if conn != nil && conn.App != nil && conn.App.Protocol == analyze.ProtoH2C {
			s.Sentences = append(s.Sentences, fmt.Sprintf("%d of %d reads were HTTP/2 DATA: curl reports the DATA payload of the frames one read of the connection took, so N is the bytes read minus 9 per frame header.", n, s.Events))
			for _, e := range r.Events {
				if e.Size == top.Size && e.Cause == CauseH2Frames {
					k := (e.Range.Len() - int64(e.Size)) / 9
					s.Sentences = append(s.Sentences, fmt.Sprintf("Here %d = %d - %d x 9: %d frames in %d bytes of stream.", e.Size, e.Range.Len(), k, k, e.Range.Len()))
					break
				}
			}
			break
		}
		fallthrough
	case CauseTLSRecord:
		s.Sentences = append(s.Sentences, fmt.Sprintf("%d of %d reads were one TLS record each: curl reads one record per SSL_read, so the record size the server chose sets N (16384 is the TLS maximum), whatever the segments were.", n, s.Events))
		if top.Size != 16384 && top.Size < 16384 && top.Count > 1 && s.Dominant == CauseTLSRecord {
			s.Sentences = append(s.Sentences, fmt.Sprintf("This server chose %d-byte records (with nginx: ssl_buffer_size %d): that, not the MSS, is where %d comes from.", top.Size, top.Size, top.Size))
		}
		if s.Dominant == CauseH2Frames {
			s.Sentences = append(s.Sentences, "Over HTTP/2, curl 7.88 reports the DATA payload: the record's plaintext minus 9 bytes per frame header (16366 = 16384 - 2 x 9).")
		}
	case CauseSuperSegment:
		s.Sentences = append(s.Sentences, "The capture holds super-segments (several MSS merged by TSO/GSO on the sender or GRO on the receiver): it was taken above the offload, so it cannot show the segments curl's socket received. Capture with offloads off (ethtool -K IFACE tso off gso off gro off) or on the other host.")
	case CauseShortSegment:
		s.Sentences = append(s.Sentences, fmt.Sprintf("%d of %d reads were one segment smaller than the MSS: the server wrote that much at a time, one write per segment, and curl read each as it came.", n, s.Events))
	case CauseMissing:
		s.Sentences = append(s.Sentences, "Packets are missing from the capture, so the reads cannot be explained from it.")
	case CauseUnmatched:
		s.Sentences = append(s.Sentences, "No connection in the capture matched the trace: are they of the same transfer?")
	case CauseTraceOnly:
		s.Sentences = append(s.Sentences, "Without a capture only the sizes are known: give the capture of the same transfer to see which segments made each read.")
	}
	if r.BufferSize > 0 {
		if c := causeCount(s, CauseBufferCap); c > 0 && s.Dominant != CauseBufferCap && s.Dominant != CauseBacklog {
			s.Sentences = append(s.Sentences, fmt.Sprintf("%d reads filled curl's %d-byte buffer.", c, r.BufferSize))
		}
	}
	if res != nil {
		for _, w := range res.Warnings {
			if w.Conn >= 0 && conn != nil && w.Conn == conn.ID {
				s.Sentences = append(s.Sentences, "Capture warning: "+w.Text+".")
			}
		}
	}
}

func causeCount(s *Summary, c Cause) int {
	for _, x := range s.Causes {
		if x.Cause == c {
			return x.Count
		}
	}
	return 0
}

// mssSentences explain the effective MSS in the terms of the course note:
// which MTU, which options, and why "MSS 1460 minus TCP headers" is not it.
func mssSentences(c *analyze.Connection) []string {
	if c == nil {
		return nil
	}
	e := c.Dir(analyze.ServerToClient).EffectiveMSS()
	if e.Value == 0 {
		return nil
	}
	var out []string
	out = append(out, fmt.Sprintf("A full segment carries %s.", e.Arithmetic()))
	if e.Inferred {
		return out
	}
	ipv6 := c.Server.Addr().Unmap().Is6()
	ipHdr, family := 20, "IPv4"
	if ipv6 {
		ipHdr, family = 40, "IPv6"
	}
	mtu := e.MSS + ipHdr + 20
	out = append(out, fmt.Sprintf("MSS %d on %s means a path MTU of %d (%d - %d IP header - 20 TCP header = %d): the MSS already leaves out the IP and TCP headers.", e.MSS, family, mtu, mtu, ipHdr, e.MSS))
	if e.OptionBytes > 0 {
		out = append(out, fmt.Sprintf("What is taken out of the MSS is the %d bytes of TCP options every segment carries (%s).", e.OptionBytes, optionNote(e)))
	}
	if e.Value != 1448 {
		out = append(out, fmt.Sprintf("So %d is not \"MSS 1460 minus TCP headers\": on a standard MTU-1500 path (MSS 1460) a full segment would carry 1448 with timestamps, 1460 without.", e.Value))
	}
	if e.Value == 1388 {
		if ipv6 {
			out = append(out, "Here 1388 comes from IPv6 on an MTU-1460 path: 1460 - 40 - 20 - 12 = 1388 (the same size an IPv4 path with MTU 1440 gives).")
		} else {
			out = append(out, "Here 1388 comes from an IPv4 path with MTU 1440 (typical of VPNs and tunnels) with timestamps on: 1440 - 20 - 20 - 12 = 1388; without timestamps it would be 1400.")
		}
	}
	return out
}

func optionNote(e analyze.EffectiveMSS) string {
	if e.Timestamps && e.OptionBytes == 12 {
		return "the timestamp option, 10 bytes padded to 12, on by default on Linux"
	}
	return "negotiated in the SYNs"
}
