package explain

import (
	"slices"
	"testing"

	"github.com/segscope/segscope/curltrace"
)

// TestNoTraceTimeAdviceWithTimes: a read that filled curl's buffer, where
// nothing shows whether more was waiting, asks for --trace-time; a trace
// that has its times (they could not be put on the capture's clock) is
// told to use strace instead (review 11: "add --trace-time to curl" to a
// trace made with it).
func TestNoTraceTimeAdviceWithTimes(t *testing.T) {
	for _, hasTOD := range []bool{false, true} {
		ev := Event{Kind: curltrace.RecvData, Size: 102400, Conn: 0, hasTOD: hasTOD}
		ev.Facts = Facts{Layer: LayerHTTP1, n: 102400,
			Segments: &SegmentFact{Source: FromCapture, Count: 3, Covered: 102400},
			Buffer:   &BufferFact{Source: FromTrace, Size: 102400, Kind: BufferCurlTool, Filled: true}}
		decide(&ev, hasTOD)
		if ev.Cause != CauseBufferCap || ev.Confidence != Inferred {
			t.Fatalf("times %v: %v %v", hasTOD, ev.Cause, ev.Confidence)
		}
		switch {
		case !hasTOD && !slices.Contains(ev.Needs, NeedTraceTime):
			t.Errorf("no times: needs %v, want --trace-time", ev.Needs)
		case hasTOD && (slices.Contains(ev.Needs, NeedTraceTime) || !slices.Contains(ev.Needs, NeedStrace)):
			t.Errorf("times given: needs %v, want strace, not --trace-time", ev.Needs)
		}
	}
}
