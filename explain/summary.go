package explain

import (
	"sort"
	"strings"

	"github.com/segscope/segscope/analyze"
	"github.com/segscope/segscope/curltrace"
)

// Summary condenses the events: computed from them, with the facts a
// reader needs to check the dominant cause.
type Summary struct {
	Events int
	Bytes  int64
	Sizes  []analyze.SizeCount // most common first
	Causes []CauseCount        // most common first
	// Dominant is the most common cause; DominantSize the most common N
	// among its events (DominantSizeCount times), and Example the index
	// (into Result.Events) of the first event of that cause and size; -1
	// when there are no events.
	Dominant          Cause
	DominantSize      int
	DominantSizeCount int
	Example           int
	// Confidence counts the events by confidence.
	Confidence [3]int
	// Needs counts, for each thing missing, the events it would decide.
	Needs []NeedCount
	// Conn is the capture connection most events came from (-1: none) and
	// MSS its server's effective MSS.
	Conn int
	MSS  *MSSFact
	// NoTime: the trace has no --trace-time.
	NoTime bool
	// Send condenses the sends (Result.Sends); the fields above are the
	// reads'.
	Send SendSummary
	// CutBodies are the HTTP/1 responses whose Recv data, as curl logged
	// it, stopped short of their Content-Length (the transfer ended early,
	// curl's exit 18, or the trace was cut).
	CutBodies []CutBody
	// Stops are curl's messages that a transfer ended early: by curl
	// itself (a limit hit, a timeout, a failed write of the output) or by
	// the other end (a stream reset, a connection closed too soon). The
	// last reads or sends end there because the transfer did.
	Stops []TraceLine
}

// TraceLine is one info line of the trace; ByCurl tells that curl ended
// the transfer itself (else the other end, or the network, did).
type TraceLine struct {
	Line   int
	Text   string
	ByCurl bool
}

// stopMessages begin curl's messages for a transfer that ended early
// (its failf texts, which the trace logs as info lines), and tell whether
// curl ended it itself.
var stopMessages = []struct {
	prefix string
	byCurl bool
}{
	{"Exceeded the maximum allowed file size", true},
	{"Maximum file size exceeded", true},
	{"Operation timed out", true},
	{"Operation too slow", true},
	{"Failed writing", true},
	{"Failure writing output", true},
	{"client returned ERROR on write", true},
	{"Callback aborted", true},
	{"transfer closed with", false},
	{"end of response with", false}, // curl 8: "end of response with 150000 bytes missing"
	{"Recv failure", false},
	{"Send failure", false},
	{"HTTP/2 stream", false}, // "HTTP/2 stream 1 was not closed cleanly: INTERNAL_ERROR (err 2)"
	{"stream error", false},
}

// stopLines finds curl's messages that the transfer ended early.
func stopLines(t *curltrace.Trace) []TraceLine {
	var out []TraceLine
	for i := range t.Events {
		e := &t.Events[i]
		if e.Kind != curltrace.Info {
			continue
		}
		msg := strings.TrimSpace(e.Text)
		if _, rest, ok := strings.Cut(msg, "] "); ok && strings.HasPrefix(msg, "[") {
			msg = rest // a filter's tag
		}
		for _, p := range stopMessages {
			if strings.HasPrefix(msg, p.prefix) && (p.prefix != "HTTP/2 stream" || strings.Contains(msg, "not closed cleanly")) && !retried(t, i) {
				out = append(out, TraceLine{e.Line, msg, p.byCurl})
				break
			}
		}
	}
	return out
}

// retried tells whether curl went on after the message of event i on a
// fresh connection ("Connection died, retrying a fresh connect": a
// reused connection the server had closed), so nothing ended early.
func retried(t *curltrace.Trace, i int) bool {
	for _, e := range t.Events[i+1:] {
		if e.Kind != curltrace.Info {
			return false
		}
		if strings.HasPrefix(strings.TrimSpace(e.Text), "Connection died, retrying") {
			return true
		}
	}
	return false
}

// CutBody is a response body the trace shows cut short: curl logged Got of
// its Length bytes, the last at Line.
type CutBody struct {
	Line        int
	Got, Length int64
}

// CauseCount is how many events had one cause, and the first of them
// (an index into Result.Events).
type CauseCount struct {
	Cause   Cause
	Count   int
	Example int
}

// NeedCount is how many events a missing piece of evidence would decide.
type NeedCount struct {
	Need  Need
	Count int
}

// summarize counts sizes, causes, confidences and needs.
func (r *Result) summarize(res *analyze.Result) {
	s := &r.Summary
	s.Example, s.Conn, s.NoTime = -1, -1, !r.Trace.HasTimes
	sizes := map[int]int{}
	causes := map[Cause]*CauseCount{}
	needs := map[Need]int{}
	conns := map[int]int{}
	for i, e := range r.Events {
		s.Events++
		s.Bytes += int64(e.Size)
		sizes[e.Size]++
		if causes[e.Cause] == nil {
			causes[e.Cause] = &CauseCount{Cause: e.Cause, Example: i}
		}
		causes[e.Cause].Count++
		s.Confidence[e.Confidence]++
		for _, n := range e.Needs {
			needs[n]++
		}
		if e.Conn >= 0 {
			conns[e.Conn]++
		}
	}
	s.Sizes = sortedSizes(sizes)
	for _, c := range causes {
		s.Causes = append(s.Causes, *c)
	}
	sortCauses(s.Causes)
	for n, c := range needs {
		s.Needs = append(s.Needs, NeedCount{n, c})
	}
	sort.Slice(s.Needs, func(i, j int) bool { return s.Needs[i].Need < s.Needs[j].Need })
	if len(s.Causes) > 0 {
		s.Dominant = s.Causes[0].Cause
		r.dominantSize()
	}
	r.mainConn(conns)
}

// sortCauses orders causes by count, most common first.
func sortCauses(cs []CauseCount) {
	sort.Slice(cs, func(i, j int) bool {
		if cs[i].Count != cs[j].Count {
			return cs[i].Count > cs[j].Count
		}
		return cs[i].Cause < cs[j].Cause
	})
}

func sortedSizes(sizes map[int]int) []analyze.SizeCount {
	out := make([]analyze.SizeCount, 0, len(sizes))
	for size, n := range sizes {
		out = append(out, analyze.SizeCount{Size: size, Count: n})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].Size > out[j].Size
	})
	return out
}

// dominantSize finds the most common N among the dominant cause's events
// and the first event of that size.
func (r *Result) dominantSize() {
	s := &r.Summary
	sizes := map[int]int{}
	for _, e := range r.Events {
		if e.Cause == s.Dominant {
			sizes[e.Size]++
		}
	}
	top := sortedSizes(sizes)[0]
	s.DominantSize, s.DominantSizeCount = top.Size, top.Count
	for i, e := range r.Events {
		if e.Cause == s.Dominant && e.Size == top.Size {
			s.Example = i
			return
		}
	}
}

// mainConn picks the connection most events came from, for the MSS.
func (r *Result) mainConn(conns map[int]int) {
	s := &r.Summary
	best := -1
	for id, n := range conns {
		if best < 0 || n > conns[best] || (n == conns[best] && id < best) {
			best = id
		}
	}
	s.Conn = best
	for _, e := range r.Events {
		if e.Conn == best && e.Facts.MSS != nil {
			s.MSS = e.Facts.MSS
			return
		}
	}
}

// Count returns how many events had cause c.
func (s *Summary) Count(c Cause) int {
	for _, x := range s.Causes {
		if x.Cause == c {
			return x.Count
		}
	}
	return 0
}
