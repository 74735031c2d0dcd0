package report

import (
	"fmt"
	"strconv"

	"github.com/segscope/segscope/analyze"
	"github.com/segscope/segscope/report/prose"
)

// The fields of one connection direction, declared once. The JSON and
// JSONL writers (both encoders), CSV, Parquet, analyze's table (the
// fields with a Table column) and README.md's table of them all iterate
// DirFields: a new per-direction metric is one entry here
// (TestDirFieldsEveryFormat checks that every format carries each field,
// TestREADMEDirFields that README lists it).

// DirField is one field of a connection direction.
type DirField = Field[dirRow]

// tableDirFields are the fields analyze's table shows, in schema order.
var tableDirFields = DirFields.tabled()

// dirRow is what the fields are read from: one direction, its statistics
// computed once.
type dirRow struct {
	c        *analyze.Connection
	d        *analyze.Direction
	st       analyze.SizeStats
	e        analyze.EffectiveMSS
	src, dst string
}

func newDirRow(c *analyze.Connection, dir analyze.Dir) dirRow {
	return newDirRowOf(c, dir, c.Client.String(), c.Server.String())
}

// newDirRowOf takes the endpoints already written as strings (a
// connection's record writes each once, not once per direction too).
func newDirRowOf(c *analyze.Connection, dir analyze.Dir, client, server string) dirRow {
	d := c.Dir(dir)
	src, dst := client, server
	if dir == analyze.ServerToClient {
		src, dst = server, client
	}
	return dirRow{c: c, d: d, st: d.Stats(), e: d.EffectiveMSS(), src: src, dst: dst}
}

// DirFields are the fields of a connection direction, in the order every
// format writes them.
var DirFields = Fields[dirRow]{
	col("source", FieldString, "", "the sender, `ip:port`", func(r *dirRow) fieldValue { return strV(r.src) }),
	col("destination", FieldString, "", "the receiver, `ip:port`", func(r *dirRow) fieldValue { return strV(r.dst) }),
	col("syn_seen", FieldBool, "", "this sender's SYN was captured", func(r *dirRow) fieldValue { return boolV(r.d.SYN.Seen) }),
	col("mss", FieldOptInt32, "bytes", "the MSS option in this sender's SYN; null when not captured or absent",
		func(r *dirRow) fieldValue { return optV(int(r.d.SYN.MSS), r.d.SYN.MSS > 0) }).table("MSS", nil, false),
	col("window_scale", FieldOptInt32, "shift", "the window scale option in this sender's SYN; null when not captured or absent",
		func(r *dirRow) fieldValue {
			return optV(int(r.d.SYN.WindowScale), r.d.SYN.WindowScale >= 0 && r.d.SYN.Seen)
		}),
	col("sack_permitted", FieldBool, "", "the SACK-permitted option in this sender's SYN", func(r *dirRow) fieldValue { return boolV(r.d.SYN.SACKPermitted) }),
	col("timestamps", FieldBool, "", "the timestamps option in this sender's SYN", func(r *dirRow) fieldValue { return boolV(r.d.SYN.Timestamps) }),
	col("effective_mss", FieldOptInt32, "bytes", "the largest payload a segment of this direction carries: the MSS the other side advertised less the option bytes on data segments; null without data",
		func(r *dirRow) fieldValue { return optV(r.e.Value, r.e.Value > 0) }).table("EFFECTIVE MSS", effCell, true),
	col("effective_mss_inferred", FieldBool, "", "the effective MSS was taken from the segment sizes (no MSS option captured)", func(r *dirRow) fieldValue { return boolV(r.e.Inferred) }),
	col("effective_mss_arithmetic", FieldString, "", "the effective MSS as a sentence: `1400 (MSS in the client's SYN) - 12 (timestamps option) = 1388`",
		func(r *dirRow) fieldValue { return strV(prose.EffectiveMSS(r.e)) }),
	col("option_bytes", FieldInt32, "bytes", "the TCP option bytes on data segments (the most common count)", func(r *dirRow) fieldValue { return intV(int64(r.e.OptionBytes)) }),
	col("packets", FieldInt, "packets", "every packet this way, data or not", func(r *dirRow) fieldValue { return intV(int64(r.d.Packets)) }),
	col("data_segments", FieldInt, "segments", "segments with payload (retransmissions included; duplicates and keep-alive probes not)", func(r *dirRow) fieldValue { return intV(int64(r.d.DataSegments)) }).table("SEGS", nil, false),
	col("payload_bytes", FieldInt, "bytes", "the payload bytes of those segments", func(r *dirRow) fieldValue { return intV(r.d.PayloadBytes) }).table("BYTES", nil, false),
	col("min_segment", FieldInt32, "bytes", "the smallest payload", func(r *dirRow) fieldValue { return intV(int64(r.st.Min)) }).table("MIN", nil, false),
	col("median_segment", FieldInt32, "bytes", "the median payload (nearest rank)", func(r *dirRow) fieldValue { return intV(int64(r.st.Median)) }).table("MEDIAN", nil, false),
	col("p95_segment", FieldInt32, "bytes", "the 95th percentile payload (nearest rank)", func(r *dirRow) fieldValue { return intV(int64(r.st.P95)) }),
	col("max_segment", FieldInt32, "bytes", "the largest payload", func(r *dirRow) fieldValue { return intV(int64(r.st.Max)) }).table("MAX", nil, false),
	col("mean_segment", FieldFloat, "bytes", "the mean payload", func(r *dirRow) fieldValue { return floatV(round3(r.st.Mean)) }),
	col("full_size_segments", FieldInt, "segments", "segments carrying exactly the effective MSS", func(r *dirRow) fieldValue { return intV(int64(r.st.Full)) }).table("FULL", nil, false),
	col("short_segments", FieldInt, "segments", "segments shorter than the effective MSS", func(r *dirRow) fieldValue { return intV(int64(r.st.Short)) }).table("SHORT", nil, false),
	col("super_segments", FieldInt, "segments", "segments longer than the effective MSS: merged by TSO/GSO or GRO before the capture point", func(r *dirRow) fieldValue { return intV(int64(r.st.Super)) }).table("SUPER", nil, false),
	col("largest_mss_multiple", FieldFloat, "MSS", "the largest segment divided by the effective MSS", func(r *dirRow) fieldValue { return floatV(round3(r.st.LargestMultiple)) }),
	col("retransmitted_segments", FieldInt, "segments", "segments that resent bytes already seen, and SYNs resent (see \"How segscope counts\")", func(r *dirRow) fieldValue { return intV(int64(r.d.RetransmittedSegments)) }).table("RETX", retxCell, false),
	col("retransmitted_bytes", FieldInt, "bytes", "the bytes they resent", func(r *dirRow) fieldValue { return intV(r.d.RetransmittedBytes) }),
	col("out_of_order_segments", FieldInt, "segments", "segments that came before bytes ahead of them in the stream", func(r *dirRow) fieldValue { return intV(int64(r.d.OutOfOrderSegments)) }),
	col("duplicate_segments", FieldInt, "segments", "segments whose bytes and flags had all been seen (two capture points, or a copy)", func(r *dirRow) fieldValue { return intV(int64(r.d.Duplicates)) }),
	col("zero_windows", FieldInt, "segments", "segments advertising a zero window", func(r *dirRow) fieldValue { return intV(int64(r.d.ZeroWindows)) }),
	col("keep_alives", FieldInt, "segments", "keep-alive probes", func(r *dirRow) fieldValue { return intV(int64(r.d.KeepAlives)) }),
	col("resets", FieldInt, "segments", "segments with RST, not counting copies (duplicates)", func(r *dirRow) fieldValue { return intV(int64(r.d.Resets)) }),
	col("fins", FieldInt, "segments", "segments with FIN, not counting copies (duplicates)", func(r *dirRow) fieldValue { return intV(int64(r.d.Fins)) }),
	col("pushed_segments", FieldInt, "segments", "data segments with PSH", func(r *dirRow) fieldValue { return intV(int64(r.d.PushedSegments)) }),
	col("missing_bytes", FieldInt, "bytes", "stream bytes the capture never saw (Zeek's `missed_bytes`)", func(r *dirRow) fieldValue { return intV(r.d.MissingBytes) }),
}

// effCell writes the effective MSS with its arithmetic in short: "1388 =
// 1400-12", "1448 (inferred)".
func effCell(r *dirRow) string {
	e := r.e
	switch {
	case e.Inferred:
		return fmt.Sprintf("%d (inferred)", e.Value)
	case e.Value > 0 && e.OptionBytes > 0:
		return fmt.Sprintf("%d = %d-%d", e.Value, e.MSS, e.OptionBytes)
	case e.Value > 0:
		return strconv.Itoa(e.Value)
	}
	return "-"
}

// retxCell writes the retransmissions, and the out-of-order segments
// beside them when there are any.
func retxCell(r *dirRow) string {
	s := strconv.Itoa(int(r.d.RetransmittedSegments))
	if r.d.OutOfOrderSegments > 0 {
		s += fmt.Sprintf(" (+%d ooo)", r.d.OutOfOrderSegments)
	}
	return s
}
