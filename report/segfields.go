package report

import (
	"github.com/segscope/segscope/analyze"
)

// The fields of one segment, declared once: `segments` writes them as a
// table, JSON, JSONL and CSV, and segments.parquet has a column for each
// one Parquet carries (its row type is generated from this list, see
// parquetgen_test.go). A segment is written once per packet, so the row
// is filled once per connection and only seg changes.

// segRow is what SegmentFields read: one segment of a connection.
type segRow struct {
	c     *analyze.Connection
	seg   *analyze.Segment
	first int64 // the capture's first frame time
	// ends are the sender and receiver of each direction, rendered once
	// per connection.
	ends    [2][2]string
	carried map[int][]string // by packet; nil without --keylog's walk
}

// newSegRow starts the rows of c's segments; withCarried names what each
// data segment carried (the application layer must have been walked).
func newSegRow(c *analyze.Connection, first int64, withCarried bool) segRow {
	r := segRow{c: c, first: first}
	if withCarried {
		r.carried = carriedNames(c)
	}
	for _, d := range dirs() {
		r.ends[d][0], r.ends[d][1] = endpoint(c, d)
	}
	return r
}

// SegmentFields are the fields of a segment, in the order every format
// writes them.
var SegmentFields = Fields[segRow]{
	col("packet", FieldInt, "", "the frame number in the capture, from 1 (tshark's `frame.number`)",
		func(r *segRow) fieldValue { return intV(int64(r.seg.Packet)) }).table("PACKET", nil, false).wide(8),
	col("time", FieldTime, "", "when it was captured: RFC 3339 (UTC) in JSON and CSV, microseconds in Parquet", func(r *segRow) fieldValue { return intV(r.seg.Time) }).only(InJSON | InCSV | InParquet),
	col("time_ns", FieldInt, "ns", "the capture time as Unix nanoseconds", func(r *segRow) fieldValue { return intV(r.seg.Time) }).only(InParquet),
	col("rel_time_s", FieldSeconds, "s", "seconds since the capture's first packet",
		func(r *segRow) fieldValue { return floatV(float64(r.seg.Time-r.first) / 1e9) }).only(InJSON|InCSV).table("TIME", nil, false).wide(12),
	col("conn", FieldInt, "", "the connection's ID", func(r *segRow) fieldValue { return intV(int64(r.c.ID)) }).table("CONN", nil, false).wide(6),
	col("direction", FieldString, "", "`client_to_server` or `server_to_client`",
		func(r *segRow) fieldValue { return strV(r.seg.Dir.String()) }).few().table("DIR", dirArrow, true).wide(3),
	col("source", FieldString, "", "the sender, `ip:port`", func(r *segRow) fieldValue { return strV(r.ends[r.seg.Dir][0]) }).few().table("FROM", nil, true).wide(21),
	col("destination", FieldString, "", "the receiver, `ip:port`", func(r *segRow) fieldValue { return strV(r.ends[r.seg.Dir][1]) }).few(),
	col("offset", FieldInt, "bytes", "the first payload byte's offset on its direction's stream (0 is the byte after the SYN)",
		func(r *segRow) fieldValue { return intV(r.seg.Offset) }).table("OFFSET", nil, false).wide(11),
	col("len", FieldInt32, "bytes", "the TCP payload length (tshark's `tcp.len`)", func(r *segRow) fieldValue { return intV(int64(r.seg.Len)) }).table("LEN", nil, false).wide(6),
	col("flags", FieldString, "", "the TCP flags as tcpdump writes them: `S` SYN, `F` FIN, `R` RST, `P` PSH, `.` ACK (`P.`, `S.`, `F.`)",
		func(r *segRow) fieldValue { return strV(analyze.FlagString(r.seg.Flags)) }).few().table("FLAGS", nil, true).wide(6),
	col("window", FieldInt32, "", "the window field as sent (not scaled by the SYN's window scale)",
		func(r *segRow) fieldValue { return intV(int64(r.seg.Window)) }).table("WIN", nil, false).wide(6),
	col("option_bytes", FieldInt32, "bytes", "the TCP option bytes", func(r *segRow) fieldValue { return intV(int64(r.seg.OptionLen)) }),
	col("class", FieldString, "", "what the segment is: `syn`, `syn-ack`, `fin`, `rst`, `ack` without payload; `full`, `short` or `super` against the effective MSS with it; then `+retransmission`, `+out-of-order`, `+duplicate`, `+keep-alive`, `+zero-window`, `+after-gap` when noticed",
		func(r *segRow) fieldValue { return strV(r.c.Class(*r.seg)) }).few().table("CLASS", nil, true).wide(14),
	col("ack", FieldOptInt, "bytes", "the offset on the other direction's stream it acknowledges; null without the ACK flag",
		func(r *segRow) fieldValue { return optV64(r.seg.Ack, r.seg.Ack >= 0) }).only(InParquet),
	col("carried", FieldStrings, "", "the innermost units it carried (in the clear, or inside TLS with a key log; not with --segments-only) (`DATA stream 1 (bytes 0-1379 of 16384)`); left out when none",
		func(r *segRow) fieldValue { return strsV(r.carried[r.seg.Packet]) }).only(InJSON).omitEmpty().table("CARRIED", nil, true),
}

// dirArrow is the direction as the table shows it: c>s, s>c.
func dirArrow(r *segRow) string {
	if r.seg.Dir == analyze.ServerToClient {
		return "s>c"
	}
	return "c>s"
}
