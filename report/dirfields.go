package report

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/segscope/segscope/analyze"
	"github.com/segscope/segscope/report/prose"
)

// The fields of one connection direction, declared once. The JSON and
// JSONL writers (both encoders), CSV, Parquet, analyze's table (the
// fields with a Table column) and README.md's table of them all iterate
// DirFields: a new per-direction metric is one entry here
// (TestDirFieldsEveryFormat checks that every format carries each field,
// TestREADMEDirFields that README lists it).

// FieldKind is the type of a field's values, and so its JSON, CSV and
// Parquet types.
type FieldKind uint8

const (
	FieldInt      FieldKind = iota // JSON number, Parquet INT64
	FieldInt32                     // JSON number, Parquet INT32
	FieldOptInt32                  // JSON number or null, Parquet optional INT32
	FieldFloat                     // JSON number, Parquet DOUBLE
	FieldBool                      // JSON true/false, Parquet BOOLEAN
	FieldString                    // JSON string, Parquet BYTE_ARRAY (UTF8)
)

// TypeName is the kind as README's tables give it (DuckDB's names).
func (k FieldKind) TypeName() string {
	return [...]string{"BIGINT", "INTEGER", "INTEGER (null)", "DOUBLE", "BOOLEAN", "VARCHAR"}[k]
}

// DirField is one field of a connection direction.
type DirField struct {
	Name string // JSON key, CSV column, Parquet column: snake_case
	Kind FieldKind
	Unit string // bytes, segments, packets, ...; "" when none
	Doc  string // what it means, for README
	get  func(r *dirRow) fieldValue
	// Table is the field's column in analyze's table, "" for none (the
	// table is for people: a few columns); cell writes it there, when
	// the value alone would say less.
	Table string
	cell  func(r *dirRow) string
	left  bool // the cell is text: aligned left
}

// tableDirFields are the fields analyze's table shows, in schema order.
var tableDirFields = tableFields()

func tableFields() []DirField {
	var out []DirField
	for _, f := range DirFields {
		if f.Table != "" {
			out = append(out, f)
		}
	}
	return out
}

// tableCell is a field's cell in analyze's table: "-" for null.
func (f DirField) tableCell(r *dirRow) string {
	if f.cell != nil {
		return f.cell(r)
	}
	v := f.get(r)
	if v.Null {
		return "-"
	}
	return v.csv(f.Kind)
}

// fieldValue is one field's value; Null for an absent optional one.
type fieldValue struct {
	I    int64
	F    float64
	S    string
	B    bool
	Null bool
}

func intV(v int64) fieldValue     { return fieldValue{I: v} }
func floatV(v float64) fieldValue { return fieldValue{F: v} }
func boolV(v bool) fieldValue     { return fieldValue{B: v} }
func strV(v string) fieldValue    { return fieldValue{S: v} }
func optV(v int, ok bool) fieldValue {
	if !ok {
		return fieldValue{Null: true}
	}
	return fieldValue{I: int64(v)}
}

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
	d := c.Dir(dir)
	src, dst := endpoint(c, dir)
	return dirRow{c: c, d: d, st: d.Stats(), e: d.EffectiveMSS(), src: src, dst: dst}
}

// DirFields are the fields of a connection direction, in the order every
// format writes them.
var DirFields = []DirField{
	{"source", FieldString, "", "the sender, `ip:port`", func(r *dirRow) fieldValue { return strV(r.src) }, "", nil, false},
	{"destination", FieldString, "", "the receiver, `ip:port`", func(r *dirRow) fieldValue { return strV(r.dst) }, "", nil, false},
	{"syn_seen", FieldBool, "", "this sender's SYN was captured", func(r *dirRow) fieldValue { return boolV(r.d.SYN.Seen) }, "", nil, false},
	{"mss", FieldOptInt32, "bytes", "the MSS option in this sender's SYN; null when not captured or absent",
		func(r *dirRow) fieldValue { return optV(int(r.d.SYN.MSS), r.d.SYN.MSS > 0) }, "MSS", nil, false},
	{"window_scale", FieldOptInt32, "shift", "the window scale option in this sender's SYN; null when not captured or absent",
		func(r *dirRow) fieldValue {
			return optV(int(r.d.SYN.WindowScale), r.d.SYN.WindowScale >= 0 && r.d.SYN.Seen)
		}, "", nil, false},
	{"sack_permitted", FieldBool, "", "the SACK-permitted option in this sender's SYN", func(r *dirRow) fieldValue { return boolV(r.d.SYN.SACKPermitted) }, "", nil, false},
	{"timestamps", FieldBool, "", "the timestamps option in this sender's SYN", func(r *dirRow) fieldValue { return boolV(r.d.SYN.Timestamps) }, "", nil, false},
	{"effective_mss", FieldOptInt32, "bytes", "the largest payload a segment of this direction carries: the MSS the other side advertised less the option bytes on data segments; null without data",
		func(r *dirRow) fieldValue { return optV(r.e.Value, r.e.Value > 0) }, "EFFECTIVE MSS", effCell, true},
	{"effective_mss_inferred", FieldBool, "", "the effective MSS was taken from the segment sizes (no MSS option captured)", func(r *dirRow) fieldValue { return boolV(r.e.Inferred) }, "", nil, false},
	{"effective_mss_arithmetic", FieldString, "", "the effective MSS as a sentence: `1400 (MSS in the client's SYN) - 12 (timestamps option) = 1388`",
		func(r *dirRow) fieldValue { return strV(prose.EffectiveMSS(r.e)) }, "", nil, false},
	{"option_bytes", FieldInt32, "bytes", "the TCP option bytes on data segments (the most common count)", func(r *dirRow) fieldValue { return intV(int64(r.e.OptionBytes)) }, "", nil, false},
	{"packets", FieldInt, "packets", "every packet this way, data or not", func(r *dirRow) fieldValue { return intV(int64(r.d.Packets)) }, "", nil, false},
	{"data_segments", FieldInt, "segments", "segments with payload (retransmissions included; duplicates and keep-alive probes not)", func(r *dirRow) fieldValue { return intV(int64(r.d.DataSegments)) }, "SEGS", nil, false},
	{"payload_bytes", FieldInt, "bytes", "the payload bytes of those segments", func(r *dirRow) fieldValue { return intV(r.d.PayloadBytes) }, "BYTES", nil, false},
	{"min_segment", FieldInt32, "bytes", "the smallest payload", func(r *dirRow) fieldValue { return intV(int64(r.st.Min)) }, "MIN", nil, false},
	{"median_segment", FieldInt32, "bytes", "the median payload (nearest rank)", func(r *dirRow) fieldValue { return intV(int64(r.st.Median)) }, "MEDIAN", nil, false},
	{"p95_segment", FieldInt32, "bytes", "the 95th percentile payload (nearest rank)", func(r *dirRow) fieldValue { return intV(int64(r.st.P95)) }, "", nil, false},
	{"max_segment", FieldInt32, "bytes", "the largest payload", func(r *dirRow) fieldValue { return intV(int64(r.st.Max)) }, "MAX", nil, false},
	{"mean_segment", FieldFloat, "bytes", "the mean payload", func(r *dirRow) fieldValue { return floatV(round3(r.st.Mean)) }, "", nil, false},
	{"full_size_segments", FieldInt, "segments", "segments carrying exactly the effective MSS", func(r *dirRow) fieldValue { return intV(int64(r.st.Full)) }, "FULL", nil, false},
	{"short_segments", FieldInt, "segments", "segments shorter than the effective MSS", func(r *dirRow) fieldValue { return intV(int64(r.st.Short)) }, "SHORT", nil, false},
	{"super_segments", FieldInt, "segments", "segments longer than the effective MSS: merged by TSO/GSO or GRO before the capture point", func(r *dirRow) fieldValue { return intV(int64(r.st.Super)) }, "SUPER", nil, false},
	{"largest_mss_multiple", FieldFloat, "MSS", "the largest segment divided by the effective MSS", func(r *dirRow) fieldValue { return floatV(round3(r.st.LargestMultiple)) }, "", nil, false},
	{"retransmitted_segments", FieldInt, "segments", "segments that resent bytes already seen (see \"How segscope counts\")", func(r *dirRow) fieldValue { return intV(int64(r.d.RetransmittedSegments)) }, "RETX", retxCell, false},
	{"retransmitted_bytes", FieldInt, "bytes", "the bytes they resent", func(r *dirRow) fieldValue { return intV(r.d.RetransmittedBytes) }, "", nil, false},
	{"out_of_order_segments", FieldInt, "segments", "segments that came before bytes ahead of them in the stream", func(r *dirRow) fieldValue { return intV(int64(r.d.OutOfOrderSegments)) }, "", nil, false},
	{"duplicate_segments", FieldInt, "segments", "segments whose bytes and flags had all been seen (two capture points, or a copy)", func(r *dirRow) fieldValue { return intV(int64(r.d.Duplicates)) }, "", nil, false},
	{"zero_windows", FieldInt, "segments", "segments advertising a zero window", func(r *dirRow) fieldValue { return intV(int64(r.d.ZeroWindows)) }, "", nil, false},
	{"keep_alives", FieldInt, "segments", "keep-alive probes", func(r *dirRow) fieldValue { return intV(int64(r.d.KeepAlives)) }, "", nil, false},
	{"resets", FieldInt, "segments", "segments with RST", func(r *dirRow) fieldValue { return intV(int64(r.d.Resets)) }, "", nil, false},
	{"fins", FieldInt, "segments", "segments with FIN", func(r *dirRow) fieldValue { return intV(int64(r.d.Fins)) }, "", nil, false},
	{"pushed_segments", FieldInt, "segments", "data segments with PSH", func(r *dirRow) fieldValue { return intV(int64(r.d.PushedSegments)) }, "", nil, false},
	{"missing_bytes", FieldInt, "bytes", "stream bytes the capture never saw (Zeek's `missed_bytes`)", func(r *dirRow) fieldValue { return intV(r.d.MissingBytes) }, "", nil, false},
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

// csv writes a value as a CSV cell: empty for null.
func (v fieldValue) csv(k FieldKind) string {
	switch {
	case v.Null:
		return ""
	case k == FieldFloat:
		return strconv.FormatFloat(v.F, 'f', -1, 64)
	case k == FieldBool:
		return strconv.FormatBool(v.B)
	case k == FieldString:
		return v.S
	}
	return strconv.FormatInt(v.I, 10)
}

// json appends a value to the encoder.
func (v fieldValue) json(e *jenc, k FieldKind) {
	switch {
	case v.Null:
		e.null()
	case k == FieldFloat:
		e.float(v.F)
	case k == FieldBool:
		e.bool(v.B)
	case k == FieldString:
		e.str(v.S)
	default:
		e.int(v.I)
	}
}

// dirFieldsMarkdown is README's table of the fields.
func dirFieldsMarkdown() string {
	var b strings.Builder
	b.WriteString("| key | type | unit | table column | meaning |\n|---|---|---|---|---|\n")
	for _, f := range DirFields {
		unit, col := f.Unit, f.Table
		if unit == "" {
			unit = "-"
		}
		if col == "" {
			col = "-"
		}
		b.WriteString("| `" + f.Name + "` | " + f.Kind.TypeName() + " | " + unit + " | " + col + " | " + f.Doc + " |\n")
	}
	return b.String()
}
