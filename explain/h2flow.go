package explain

import (
	"sort"

	"github.com/segscope/segscope/h2"
)

// HTTP/2 flow control of the client's DATA: the server grants the client
// a window per stream (SETTINGS_INITIAL_WINDOW_SIZE, 65535 until its
// SETTINGS says otherwise, plus its WINDOW_UPDATEs on the stream) and one
// for the connection (65535 plus its WINDOW_UPDATEs on stream 0); each
// DATA frame spends its length from both (RFC 9113 section 6.9). curl (its
// HTTP/2 library) sends no more than they allow, and logs as sent what it
// accepted: a send that used a window up was cut by flow control, not by
// the socket.

// defaultWindow is HTTP/2's initial window, for streams until SETTINGS
// says otherwise, and for the connection for good.
const defaultWindow = 65535

// H2FlowFact is what the client's flow-control windows allowed a send,
// from the server's SETTINGS and WINDOW_UPDATE frames the capture holds
// before its first DATA frame.
type H2FlowFact struct {
	Source Source `json:"source"`
	Stream uint32 `json:"stream"`
	// StreamLeft and ConnLeft are what the stream's and the connection's
	// windows, as they stood when the send's first DATA frame left, still
	// allowed after its last (0 or less: the send used a window up);
	// Initial the stream window the server's SETTINGS set (65535 before
	// any).
	StreamLeft int64 `json:"stream_left"`
	ConnLeft   int64 `json:"conn_left"`
	Initial    int64 `json:"initial"`
	// StreamGranted and ConnGranted are what the server's WINDOW_UPDATEs
	// added between the stream's previous send and this one (Updates of
	// them; -1 when the two sends share a DATA frame, and the grants
	// between them are not known).
	StreamGranted int64 `json:"stream_granted"`
	ConnGranted   int64 `json:"conn_granted"`
	Updates       int   `json:"updates"`
	// Settings is the stream window the server's SETTINGS set, wherever
	// in the capture (0 when none did): a send of HTTP/2's initial
	// window made before it reached curl was not held to it.
	Settings int64 `json:"settings,omitempty"`
}

// Exhausted tells whether the send used a window up.
func (f *H2FlowFact) Exhausted() bool { return f != nil && (f.StreamLeft <= 0 || f.ConnLeft <= 0) }

// flowMark is the state of the windows around one client DATA frame:
// what the windows allowed in all when it began (initial, plus the grants
// so far), and what the client had sent in all once it was sent.
type flowMark struct {
	stream     uint32
	streamCap  int64
	connCap    int64
	streamSent int64
	connSent   int64
	initial    int64
	streamUpd  int64 // WINDOW_UPDATE increments on the stream so far
	connUpd    int64
	updates    int // WINDOW_UPDATE frames (stream or connection) so far
}

// flowLedger has a mark for every client DATA frame, by its seq.
type flowLedger struct {
	marks    []flowMark
	settings int64          // the last stream window the server's SETTINGS set; 0 when none
	last     map[uint32]int // stream -> seq of the last DATA frame of its previous send
}

// newFlowLedger replays the server's grants and the client's DATA frames in
// capture order: a grant counts from the packet that completed its frame,
// a DATA frame from the packet that began it.
func newFlowLedger(client, server []h2.Frame) *flowLedger {
	type grant struct {
		packet int
		f      *h2.Frame
	}
	var gs []grant
	for i := range server {
		f := &server[i]
		if (f.Type == h2.TypeSettings && f.SetsWindow && f.Flags&h2.FlagAck == 0) || (f.Type == h2.TypeWindowUpdate && !f.Truncated) {
			gs = append(gs, grant{f.Last.Packet, f})
		}
	}
	sort.SliceStable(gs, func(i, j int) bool { return gs[i].packet < gs[j].packet })
	l := &flowLedger{last: map[uint32]int{}}
	for _, x := range gs {
		if x.f.Type == h2.TypeSettings {
			l.settings = int64(x.f.InitialWindow)
		}
	}
	initial := int64(defaultWindow)
	var connUpd, connSent int64
	streamUpd, streamSent := map[uint32]int64{}, map[uint32]int64{}
	updates := 0
	g := 0
	for i := range client {
		f := &client[i]
		if f.Type != h2.TypeData {
			continue
		}
		for ; g < len(gs) && gs[g].packet < f.First.Packet; g++ {
			x := gs[g].f
			switch {
			case x.Type == h2.TypeSettings:
				initial = int64(x.InitialWindow)
			case x.StreamID == 0:
				connUpd += int64(x.Increment)
				updates++
			default:
				streamUpd[x.StreamID] += int64(x.Increment)
				updates++
			}
		}
		m := flowMark{stream: f.StreamID, initial: initial, streamUpd: streamUpd[f.StreamID], connUpd: connUpd, updates: updates,
			streamCap: initial + streamUpd[f.StreamID], connCap: defaultWindow + connUpd}
		connSent += int64(f.Length)
		streamSent[f.StreamID] += int64(f.Length)
		m.connSent, m.streamSent = connSent, streamSent[f.StreamID]
		l.marks = append(l.marks, m)
	}
	return l
}

// fact gives the windows of a send whose DATA frames are first..last (by
// seq): what they still allowed once the send's frames were out, counted
// against the windows open when its first frame left (curl's HTTP/2
// library takes what the windows allow when curl writes, and the frames
// follow), and what was granted since the stream's previous send.
func (l *flowLedger) fact(first, last int) *H2FlowFact {
	if l == nil || first < 0 || last < first || last >= len(l.marks) {
		return nil
	}
	a, m := l.marks[first], l.marks[last]
	f := &H2FlowFact{Source: FromCapture, Stream: m.stream, StreamLeft: a.streamCap - m.streamSent, ConnLeft: a.connCap - m.connSent, Initial: a.initial,
		StreamGranted: a.streamUpd, ConnGranted: a.connUpd, Updates: a.updates, Settings: l.settings}
	if p, ok := l.last[m.stream]; ok {
		q := l.marks[p]
		f.StreamGranted, f.ConnGranted, f.Updates = a.streamUpd-q.streamUpd, a.connUpd-q.connUpd, a.updates-q.updates
		if p >= first {
			// The previous send ended inside this one's first DATA frame
			// (curl 8 writes frames across sends): the grants are counted
			// at frames, so those between the two sends are not told
			// apart (review 19: "granted nothing" with four
			// WINDOW_UPDATEs between them).
			f.StreamGranted, f.ConnGranted, f.Updates = 0, 0, -1
		}
	}
	l.last[m.stream] = last
	return f
}
