package explain

import (
	"time"

	"github.com/segscope/segscope/analyze"
)

// nagleIndex finds the server's short segments that left as curl's side
// acknowledged the data before them: Nagle's algorithm (Linux's, after
// Minshall) holds a small segment while an earlier small one is
// unacknowledged, so with TCP_NODELAY off a server writing in small
// pieces sends one short segment per round trip, each the pieces written
// meanwhile. Review round 6: 100-byte writes left as segments of 300 to
// 900 bytes, each about 10 us after the client's ACK of the one before,
// and were called one write per segment.
type nagleIndex struct {
	released map[int]NagleFact // by the short segment's packet number
	// likely: the connection shows the pattern. At least three short
	// segments left right after the ACK of everything before them, at
	// least half of all short ones, of sizes that vary, no one size three
	// quarters of them (held writes add up to sizes that vary; segments
	// of one size clocked by ACKs are as much a congestion or send-buffer
	// limit: python's http.server on loopback sent 32768 bytes per ACK;
	// or one write each, paced: review 12's server wrote 1000 bytes every
	// 3 ms, 57 of 58 segments 1000 bytes, one with the header), and none
	// left while an earlier short one was unacknowledged (which Nagle
	// does not allow).
	likely bool
}

// nagleMinReleased is how many released short segments make a pattern.
const nagleMinReleased = 3

// newNagleIndex reads c's segments in capture order; mss is the server's
// effective MSS, rtt the handshake's (0 when not captured).
func newNagleIndex(c *analyze.Connection, mss int, rtt time.Duration) *nagleIndex {
	if mss <= 0 {
		return nil
	}
	// How soon after the ACK the held segment shows: a round trip at the
	// client's side (the ACK's way there, the segment's way back: at most
	// the handshake's, which includes the server taking the SYN), a few
	// microseconds at the server's. Not more: a server writing once
	// every interval longer than the round trip sends each write after
	// the ACK of the one before too, later (review 16: 50 to 300 bytes
	// 170 us apart, 150-300 us after each ACK, a 122 us handshake, had
	// been taken for Nagle's holding; nagle-37's held writes left 8-26
	// us after the ACK, the handshake took 34 us).
	window := rtt + rtt/8 + 20*time.Microsecond
	if rtt <= 0 {
		window = time.Millisecond
	}
	x := &nagleIndex{released: map[int]NagleFact{}}
	sizes := map[int]int{}
	var (
		lastData      int64 // capture time of the server's last data segment
		shortEnd      int64 = -1
		acked         int64 = -1 // the client's highest ACK
		ackAt         int64
		ackPacket     int
		ackPure       bool
		short, unheld int
	)
	for _, s := range c.Segments.All() {
		if s.Kind&analyze.KindDuplicate != 0 {
			continue // a copy on another interface, or the same packet captured twice
		}
		if s.Dir == analyze.ClientToServer {
			if s.Ack > acked {
				acked, ackAt, ackPacket, ackPure = s.Ack, s.Time, s.Packet, s.Len == 0
			}
			continue
		}
		if s.Len == 0 || s.Kind&(analyze.KindRetransmission|analyze.KindDuplicate|analyze.KindKeepAlive|analyze.KindOutOfOrder) != 0 {
			continue
		}
		if s.Len < mss {
			short++
			delay := time.Duration(s.Time - ackAt)
			switch {
			case shortEnd >= 0 && acked < shortEnd:
				unheld++ // an earlier short segment was still unacknowledged
			case acked >= s.Offset && ackPure && ackAt > lastData && delay <= window:
				x.released[s.Packet] = NagleFact{Source: FromCapture, AckPacket: ackPacket, Delay: delay}
				sizes[s.Len]++
			}
			shortEnd = s.End()
		}
		lastData = s.Time
	}
	n := len(x.released)
	top := 0
	for _, k := range sizes {
		top = max(top, k)
	}
	x.likely = n >= nagleMinReleased && unheld == 0 && 2*n >= short && 4*top < 3*n
	return x
}

// fact is the Nagle fact of a read of one short segment, nil when the
// pattern does not hold.
func (x *nagleIndex) fact(packet int) *NagleFact {
	if x == nil || !x.likely {
		return nil
	}
	if f, ok := x.released[packet]; ok {
		return &f
	}
	return nil
}
