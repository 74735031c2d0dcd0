package report

import (
	"fmt"
	"strconv"

	"github.com/segscope/segscope/analyze"
	"github.com/segscope/segscope/report/prose"
)

// The fields of one unit of `segscope map` (an HTTP header block, body or
// chunk, a TLS record, an HTTP/2 frame), declared once: the map's JSON
// units, its CSV rows and its unit table iterate UnitFields.

// unitRow is what UnitFields read: unit i of a connection's map.
type unitRow struct {
	c *analyze.Connection
	m *analyze.Map
	i int
	u *analyze.Unit
	// nested: the map holds decrypted units, and the table shows them
	// under the records that carried them.
	nested bool
}

func (r *unitRow) packets() []int {
	out := make([]int, 0, len(r.m.UnitSegments[r.i]))
	for _, si := range r.m.UnitSegments[r.i] {
		out = append(out, r.m.Segments[si].Packet)
	}
	return out
}

// firstOffset and lastOffset are where the unit starts in the segment
// carrying its first byte and ends in the one carrying its last.
func (r *unitRow) firstOffset() int64 {
	if r.u.First.Packet == 0 {
		return 0
	}
	return r.u.Start - r.u.First.Start
}

func (r *unitRow) lastOffset() int64 {
	if r.u.Last.Packet == 0 {
		return 0
	}
	return r.u.End - r.u.Last.Start
}

// plain is the unit's plaintext range, present inside TLS.
func (r *unitRow) plain(end bool) fieldValue {
	if !r.u.InTLS {
		return fieldValue{Null: true}
	}
	if end {
		return intV(r.u.Plain.End)
	}
	return intV(r.u.Plain.Start)
}

// UnitFields are the fields of a map's unit, in the order every format
// writes them.
var UnitFields = Fields[unitRow]{
	col("conn", FieldInt, "", "the connection's ID (JSON has it once, under `connection`)",
		func(r *unitRow) fieldValue { return intV(int64(r.c.ID)) }).only(InCSV),
	col("index", FieldInt, "", "the unit's position in the map, from 0 (`records` refers to it)",
		func(r *unitRow) fieldValue { return intV(int64(r.i)) }).only(InJSON),
	col("direction", FieldString, "", "`client_to_server` or `server_to_client`",
		func(r *unitRow) fieldValue { return strV(r.u.Dir.String()) }).table("DIR", func(r *unitRow) string { return r.u.Dir.Arrow() }, true),
	col("kind", FieldString, "", "`request-header`, `response-header`, `body`, `chunk`, `tls-record`, `h2-frame`, ...",
		func(r *unitRow) fieldValue { return strV(string(r.u.Kind)) }).table("UNIT", unitKindCell, true),
	col("label", FieldString, "", "what it holds: `GET /x`, `200`, `application_data`, `DATA`, `102400 bytes in 3 chunks`",
		func(r *unitRow) fieldValue { return strV(prose.UnitLabel(*r.u)) }).table("LABEL", unitLabelCell, true),
	col("exchange", FieldInt, "", "the HTTP exchange (index) or HTTP/2 stream ID it belongs to; -1 when none",
		func(r *unitRow) fieldValue { return intV(int64(r.u.Exchange)) }),
	col("start", FieldInt, "bytes", "its first byte's offset on its direction's stream (inside TLS: of the ciphertext that carried it)",
		func(r *unitRow) fieldValue { return intV(r.u.Start) }).table("START", nil, false),
	col("end", FieldInt, "bytes", "the offset just past its last byte", func(r *unitRow) fieldValue { return intV(r.u.End) }).table("END", nil, false),
	col("bytes", FieldInt, "bytes", "`end - start`: the stream bytes it spans, framing included",
		func(r *unitRow) fieldValue { return intV(r.u.End - r.u.Start) }).only(0).table("BYTES", nil, false),
	col("plaintext", FieldString, "", "inside TLS: its plaintext range and length, `[0,88) 88B` (shown when the map was decrypted)",
		func(r *unitRow) fieldValue {
			if !r.u.InTLS {
				return strV("-")
			}
			return strV(fmt.Sprintf("[%d,%d) %dB", r.u.Plain.Start, r.u.Plain.End, r.u.Plain.Len()))
		}).only(0).table("PLAINTEXT", nil, true),
	col("size", FieldInt, "bytes", "the payload it carries: a header's bytes, body or chunk data bytes, a TLS record's length, an HTTP/2 frame's length",
		func(r *unitRow) fieldValue { return intV(r.u.Size) }),
	col("first_packet", FieldInt, "", "the packet carrying its first byte; 0 when not captured",
		func(r *unitRow) fieldValue { return intV(int64(r.u.First.Packet)) }).table("FIRST", func(r *unitRow) string { return place(r.u.First.Packet, r.firstOffset()) }, true),
	col("first_offset", FieldInt, "bytes", "where it starts inside that packet's payload",
		func(r *unitRow) fieldValue { return intV(r.firstOffset()) }),
	col("last_packet", FieldInt, "", "the packet carrying its last byte; 0 when not captured",
		func(r *unitRow) fieldValue { return intV(int64(r.u.Last.Packet)) }).table("LAST", func(r *unitRow) string { return place(r.u.Last.Packet, r.lastOffset()) }, true),
	col("last_offset", FieldInt, "bytes", "where it ends inside that packet's payload",
		func(r *unitRow) fieldValue { return intV(r.lastOffset()) }),
	col("first_time", FieldTime, "", "when its first packet was captured (RFC 3339); left out when not captured",
		func(r *unitRow) fieldValue { return intV(r.u.First.Time) }).only(InJSON).omitEmpty(),
	col("last_time", FieldTime, "", "when its last packet was captured (RFC 3339); left out when not captured",
		func(r *unitRow) fieldValue { return intV(r.u.Last.Time) }).only(InJSON).omitEmpty(),
	col("segments", FieldInts, "", "the packets that carried it (CSV and the table: how many)",
		func(r *unitRow) fieldValue { return intsV(r.packets()) }).
		csvAs(func(r *unitRow) string { return strconv.Itoa(len(r.m.UnitSegments[r.i])) }).
		table("SEGS", func(r *unitRow) string { return strconv.Itoa(len(r.m.UnitSegments[r.i])) }, false),
	col("truncated", FieldBool, "", "cut by the end of the capture or a gap (JSON leaves it out when false)",
		func(r *unitRow) fieldValue { return boolV(r.u.Truncated) }).only(InJSON | InCSV).omitEmpty(),
	col("plain_start", FieldInt, "bytes", "inside TLS: its first byte's offset on the decrypted stream; left out otherwise",
		func(r *unitRow) fieldValue { return r.plain(false) }).only(InJSON).omitNull(),
	col("plain_end", FieldInt, "bytes", "inside TLS: the offset just past its last byte on the decrypted stream; left out otherwise",
		func(r *unitRow) fieldValue { return r.plain(true) }).only(InJSON).omitNull(),
	col("records", FieldInts, "", "inside TLS, when decrypted: the TLS records (their `index`) that carried it; left out otherwise",
		func(r *unitRow) fieldValue {
			if !r.u.InTLS || r.m.Records == nil {
				return fieldValue{Null: true}
			}
			return intsV(r.m.Records[r.i])
		}).only(InJSON).omitEmpty(),
}

// unitKindCell is the table's UNIT: the kind, "(cut)" when truncated, and
// "└" under its record when decrypted.
func unitKindCell(r *unitRow) string {
	k := string(r.u.Kind)
	if r.u.Truncated {
		k += " (cut)"
	}
	if r.nested && r.u.InTLS {
		k = "└ " + k
	}
	return k
}

// unitLabelCell is the table's LABEL: decrypted HTTP/2 frames add their
// stream, units spanning records how many.
func unitLabelCell(r *unitRow) string {
	label := prose.UnitLabel(*r.u)
	if !r.nested || !r.u.InTLS {
		return label
	}
	if r.u.Exchange >= 0 && r.u.Kind == analyze.UnitH2Frame {
		label = fmt.Sprintf("%s s%d", label, r.u.Exchange)
	}
	if r.m.Records != nil {
		if n := len(r.m.Records[r.i]); n > 1 {
			label += fmt.Sprintf(" (%d records)", n)
		}
	}
	return label
}
