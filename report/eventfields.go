package report

import (
	"fmt"
	"strconv"
	"time"

	"github.com/segscope/segscope/explain"
	"github.com/segscope/segscope/report/prose"
)

// The fields of one explain event (a `Recv data`, `Send header` or `Send
// data` line of curl's trace, with its explanation), declared once: the
// events of `explain --format json`, its CSV rows and its Events table
// iterate EventFields.

// eventRow is what EventFields read.
type eventRow struct {
	e *explain.Event
}

// packets are the packets of the segments that carried the event.
func (r *eventRow) packets() []int {
	out := make([]int, 0, len(r.e.Segments))
	for _, s := range r.e.Segments {
		out = append(out, s.Packet)
	}
	return out
}

// jsonExplainSeg is one segment of an event in JSON.
type jsonExplainSeg struct {
	Packet   int     `json:"packet"`
	Offset   int64   `json:"offset"`
	Len      int     `json:"len"`
	BeforeUs float64 `json:"before_read_us"`
	Super    bool    `json:"super,omitempty"`
}

// EventFields are the fields of an explain event, in the order every
// format writes them.
var EventFields = Fields[eventRow]{
	col("line", FieldInt, "", "the trace line of curl's event", func(r *eventRow) fieldValue { return intV(int64(r.e.Line)) }).table("LINE", nil, false),
	col("direction", FieldString, "", "`recv` (Recv data) or `send` (Send header, Send data)",
		func(r *eventRow) fieldValue { return strV(r.e.Dir.String()) }).table("DIR", nil, true),
	col("kind", FieldString, "", "curl's event: `Recv data`, `Send header`, `Send data`",
		func(r *eventRow) fieldValue { return strV(r.e.Kind.String()) }).only(InJSON),
	col("size", FieldInt, "bytes", "N, the size curl logged", func(r *eventRow) fieldValue { return intV(int64(r.e.Size)) }).table("N", nil, false),
	col("time", FieldString, "", "when curl logged it, on the capture's clock (RFC 3339); empty (JSON: left out) without `--trace-time` or aligned clocks",
		func(r *eventRow) fieldValue {
			if r.e.Time.IsZero() {
				return strV("")
			}
			return strV(r.e.Time.UTC().Format(time.RFC3339Nano))
		}).only(InJSON | InCSV).omitEmpty(),
	col("conn", FieldInt, "", "the capture connection it was matched to; -1 when none",
		func(r *eventRow) fieldValue { return intV(int64(r.e.Conn)) }).table("CONN", func(r *eventRow) string {
		if r.e.Conn < 0 {
			return "-"
		}
		return strconv.Itoa(r.e.Conn)
	}, false),
	col("start", FieldInt, "bytes", "where its bytes start on the stream: the server's for a read, the client's for a send (inside TLS, the ciphertext's)",
		func(r *eventRow) fieldValue { return intV(r.e.Range.Start) }).only(InJSON | InCSV),
	col("end", FieldInt, "bytes", "the offset just past its last byte", func(r *eventRow) fieldValue { return intV(r.e.Range.End) }).only(InJSON | InCSV),
	col("stream", FieldString, "bytes", "`start-end`, when the event was placed", func(r *eventRow) fieldValue {
		if r.e.Conn < 0 || r.e.Range.End <= r.e.Range.Start {
			return strV("")
		}
		return strV(fmt.Sprintf("%d-%d", r.e.Range.Start, r.e.Range.End))
	}).only(0).table("STREAM", nil, false),
	col("plain_start", FieldInt, "bytes", "inside TLS: where its bytes start on the decrypted stream; left out otherwise",
		func(r *eventRow) fieldValue { return intV(r.e.Plain.Start) }).only(InJSON).omitEmpty(),
	col("plain_end", FieldInt, "bytes", "inside TLS: the offset just past its last byte on the decrypted stream; left out otherwise",
		func(r *eventRow) fieldValue { return intV(r.e.Plain.End) }).only(InJSON).omitEmpty(),
	object("segments", "", "the segments that carried it: `packet`, `offset`, `len`, `before_read_us` (how long before curl's event it was captured), `super` (CSV: how many)",
		func(e *jenc, r *eventRow) {
			segs := make([]jsonExplainSeg, 0, len(r.e.Segments))
			for _, sg := range r.e.Segments {
				segs = append(segs, jsonExplainSeg{sg.Packet, sg.Offset, sg.Len, round3(float64(sg.Before) / 1e3), sg.Super})
			}
			e.any(segs)
		}).csvAs(func(r *eventRow) string { return strconv.Itoa(len(r.e.Segments)) }),
	col("packets", FieldInts, "", "their packet numbers", func(r *eventRow) fieldValue { return intsV(r.packets()) }).only(InCSV).table("PACKETS", packetsCell, true),
	col("before", FieldString, "", "how long before the event the last of its segments was captured (with aligned clocks)",
		func(r *eventRow) fieldValue { return strV(beforeCell(r)) }).only(0).table("LAST BEFORE EVENT", nil, false),
	col("cause", FieldString, "", "why N is what it is: one of the causes above", func(r *eventRow) fieldValue { return strV(r.e.Cause.String()) }).table("CAUSE", nil, true),
	col("why", FieldString, "", "the explanation, computed from the facts", func(r *eventRow) fieldValue { return strV(prose.Why(*r.e)) }),
	col("confidence", FieldString, "", "`certain`, `inferred` or `cannot-tell`",
		func(r *eventRow) fieldValue { return strV(r.e.Confidence.Name()) }).table("CONFIDENCE", nil, true),
	col("inference", FieldString, "", "when inferred: what it was inferred from; left out otherwise", func(r *eventRow) fieldValue {
		if r.e.Inference == explain.NoInference {
			return strV("")
		}
		return strV(r.e.Inference.String())
	}).only(InJSON).omitEmpty(),
	object("needs", "", "what would decide (cannot tell) or make it certain (inferred)", func(e *jenc, r *eventRow) {
		e.any(append([]explain.Need{}, r.e.Needs...))
	}),
	object("notes", "", "what else the evidence shows", func(e *jenc, r *eventRow) { e.any(append([]explain.Note{}, r.e.Notes...)) }),
	col("chunk_framing", FieldInt, "bytes", "the chunked framing bytes inside N; left out when none", func(r *eventRow) fieldValue {
		if c := r.e.Facts.Chunks; c != nil {
			return intV(int64(c.Framing))
		}
		return intV(0)
	}).only(InJSON).omitEmpty(),
	object("facts", "", "the facts the explanation rests on, each with its source (capture, trace, key log)",
		func(e *jenc, r *eventRow) { e.any(r.e.Facts) }),
}

// packetsCell is the table's PACKETS: "17", or "17-33 (12)": the
// first and last packet of the read's segments, and how many.
func packetsCell(r *eventRow) string {
	s := r.e.Segments
	switch len(s) {
	case 0:
		return ""
	case 1:
		return strconv.Itoa(s[0].Packet)
	}
	// The segments are in stream order; a retransmission can make the
	// last byte's packet come before the first's: give the span.
	lo, hi := s[0].Packet, s[0].Packet
	for _, g := range s[1:] {
		lo, hi = min(lo, g.Packet), max(hi, g.Packet)
	}
	return fmt.Sprintf("%d-%d (%d)", lo, hi, len(s))
}

// beforeCell is how long before the event its last segment was captured,
// when the clocks were aligned.
func beforeCell(r *eventRow) string {
	if len(r.e.Segments) == 0 || r.e.Time.IsZero() {
		return ""
	}
	last := round3(float64(r.e.Segments[0].Before) / 1e3) // the segment captured last
	for _, sg := range r.e.Segments {
		last = min(last, round3(float64(sg.Before)/1e3))
	}
	return time.Duration(last * 1e3).Round(time.Microsecond).String()
}
