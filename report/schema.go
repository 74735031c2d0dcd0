package report

import (
	"strconv"
	"strings"
)

// The schema layer: each record kind segscope writes (a connection
// direction, a segment, a map's unit, an explain event, a lab condition)
// is declared once, as a list of Fields in the order every format writes
// them. JSON and JSONL (the fast encoder), CSV, Parquet, the tables and
// README.md's field tables iterate the list, so a new column is one entry
// (the tests in schema_test.go hold every format and README to it).

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
	FieldTime                      // Unix nanoseconds: JSON and CSV an RFC 3339 string, Parquet TIMESTAMP(MICROS)
	FieldSeconds                   // JSON number; CSV and tables with 6 decimals
	FieldInts                      // JSON array of numbers; CSV joined by ';'
	FieldStrings                   // JSON array of strings; CSV joined by ';'
	FieldObject                    // JSON object or array of objects, written by the field's own writer
	FieldOptInt                    // JSON number or null, Parquet optional INT64
)

// TypeName is the kind as README's tables give it (DuckDB's names, and
// JSON's for what only JSON carries).
func (k FieldKind) TypeName() string {
	return [...]string{"BIGINT", "INTEGER", "INTEGER (null)", "DOUBLE", "BOOLEAN", "VARCHAR", "TIMESTAMP",
		"DOUBLE", "INTEGER[]", "VARCHAR[]", "object", "BIGINT (null)"}[k]
}

// Docs are the formats that carry a field.
type Docs uint8

const (
	InJSON    Docs = 1 << iota // JSON and JSONL
	InCSV                      // CSV
	InParquet                  // Parquet
	inAll     = InJSON | InCSV | InParquet
)

// String lists the formats for README: "json, csv".
func (d Docs) String() string {
	var parts []string
	for _, x := range []struct {
		d    Docs
		name string
	}{{InJSON, "json"}, {InCSV, "csv"}, {InParquet, "parquet"}} {
		if d&x.d != 0 {
			parts = append(parts, x.name)
		}
	}
	return strings.Join(parts, ", ")
}

// Field is one column of a record kind R.
type Field[R any] struct {
	Name string // JSON key, CSV column, Parquet column: snake_case
	Kind FieldKind
	Unit string // bytes, segments, packets, ...; "" when none
	Doc  string // what it means, for README
	In   Docs   // the formats that carry it
	get  func(r *R) fieldValue
	// Table is the field's column (or row) in the record's table, "" for
	// none (tables are for people: a few columns); cell writes it there
	// when the value alone would say less, width fixes the column's
	// width in streamed tables.
	Table string
	cell  func(r *R) string
	left  bool // the cell is text: aligned left
	width int
	// dict marks a string of few distinct values: Parquet
	// dictionary-encodes it.
	dict bool
	// omit leaves the JSON key out: omitEmpty when the value is null,
	// zero or empty (encoding/json's omitempty), omitNull when null.
	omit omitMode
	// obj writes a FieldObject value to JSON; csvCell gives its CSV cell.
	obj     func(e *jenc, r *R)
	csvCell func(r *R) string
}

// col declares a field carried by every format; the methods below narrow
// or extend it.
func col[R any](name string, k FieldKind, unit, doc string, get func(r *R) fieldValue) Field[R] {
	return Field[R]{Name: name, Kind: k, Unit: unit, Doc: doc, In: inAll, get: get}
}

// object declares a FieldObject field, JSON only unless csv is set.
func object[R any](name, unit, doc string, obj func(e *jenc, r *R)) Field[R] {
	return Field[R]{Name: name, Kind: FieldObject, Unit: unit, Doc: doc, In: InJSON, obj: obj}
}

// table shows the field in its record's table.
func (f Field[R]) table(title string, cell func(r *R) string, left bool) Field[R] {
	f.Table, f.cell, f.left = title, cell, left
	return f
}

// wide fixes the field's column width in a streamed table.
func (f Field[R]) wide(n int) Field[R] {
	f.width = n
	return f
}

// few marks a string field of few distinct values (dictionary-encoded
// in Parquet).
func (f Field[R]) few() Field[R] {
	f.dict = true
	return f
}

// only keeps the field to the given formats.
func (f Field[R]) only(d Docs) Field[R] {
	f.In = d
	return f
}

type omitMode uint8

const (
	omitNever omitMode = iota
	omitIfEmpty
	omitIfNull
)

// omitEmpty leaves the JSON key out when the value is null, zero or empty.
func (f Field[R]) omitEmpty() Field[R] {
	f.omit = omitIfEmpty
	return f
}

// omitNull leaves the JSON key out when the value is null (a pointer's
// omitempty).
func (f Field[R]) omitNull() Field[R] {
	f.omit = omitIfNull
	return f
}

// skip says whether JSON leaves v out.
func (f *Field[R]) skip(v fieldValue) bool {
	switch f.omit {
	case omitIfEmpty:
		return v.empty()
	case omitIfNull:
		return v.Null
	}
	return false
}

// csvAs writes the field's CSV cell (and puts it in CSV).
func (f Field[R]) csvAs(cell func(r *R) string) Field[R] {
	f.csvCell = cell
	f.In |= InCSV
	return f
}

// Fields is a record kind's schema.
type Fields[R any] []Field[R]

// in is the fields a format carries, in order.
func (fs Fields[R]) in(d Docs) Fields[R] {
	var out Fields[R]
	for _, f := range fs {
		if f.In&d != 0 {
			out = append(out, f)
		}
	}
	return out
}

// tabled is the fields with a table column, in order.
func (fs Fields[R]) tabled() Fields[R] {
	var out Fields[R]
	for _, f := range fs {
		if f.Table != "" {
			out = append(out, f)
		}
	}
	return out
}

// csvHeader names the CSV columns.
func (fs Fields[R]) csvHeader() []string {
	var h []string
	for _, f := range fs {
		if f.In&InCSV != 0 {
			h = append(h, f.Name)
		}
	}
	return h
}

// appendCSV appends r's CSV cells to row.
func (fs Fields[R]) appendCSV(row []string, r *R) []string {
	for i := range fs {
		f := &fs[i]
		if f.In&InCSV != 0 {
			row = append(row, f.csvOf(r))
		}
	}
	return row
}

func (f *Field[R]) csvOf(r *R) string {
	if f.csvCell != nil {
		return f.csvCell(r)
	}
	return f.get(r).csv(f.Kind)
}

// json writes r's JSON members (the object's braces are the caller's).
func (fs Fields[R]) json(e *jenc, r *R) {
	for i := range fs {
		f := &fs[i]
		if f.In&InJSON == 0 {
			continue
		}
		if f.obj != nil {
			if f.omit != omitNever && f.get != nil && f.skip(f.get(r)) {
				continue
			}
			e.key(f.Name)
			f.obj(e, r)
			continue
		}
		v := f.get(r)
		if f.skip(v) {
			continue
		}
		e.key(f.Name)
		v.json(e, f.Kind)
	}
}

// jsonObject writes r as a JSON object.
func (fs Fields[R]) jsonObject(e *jenc, r *R) {
	e.open('{')
	fs.json(e, r)
	e.close('}')
}

// tableHead is the table's alignment ("l" or "r" per column) and
// headings, one per field (the caller picks the fields: tabled()).
func (fs Fields[R]) tableHead() (align string, head []string) {
	for _, f := range fs {
		head = append(head, f.Table)
		if f.left {
			align += "l"
		} else {
			align += "r"
		}
	}
	return align, head
}

// tableCells fills cells (one per field) with r's.
func (fs Fields[R]) tableCells(cells []string, r *R) {
	for k := range fs {
		cells[k] = fs[k].tableCell(r)
	}
}

// tableCell is a field's cell in its table: "-" for null.
func (f *Field[R]) tableCell(r *R) string {
	if f.cell != nil {
		return f.cell(r)
	}
	v := f.get(r)
	if v.Null {
		return "-"
	}
	if f.Kind == FieldStrings {
		return strings.Join(v.Strs, "; ")
	}
	return v.csv(f.Kind)
}

// markdown is README's table of the fields; has is the formats the
// record is written in at all.
func (fs Fields[R]) markdown(has Docs) string {
	var b strings.Builder
	b.WriteString("| key | type | unit | in | table | meaning |\n|---|---|---|---|---|---|\n")
	for _, f := range fs {
		unit, col := f.Unit, f.Table
		if unit == "" {
			unit = "-"
		}
		if col == "" {
			col = "-"
		}
		in := (f.In & has).String()
		if in == "" {
			in = "table only"
		}
		b.WriteString("| `" + f.Name + "` | " + f.Kind.TypeName() + " | " + unit + " | " + in + " | " + col + " | " + f.Doc + " |\n")
	}
	return b.String()
}

// fieldValue is one field's value; Null for an absent optional one.
type fieldValue struct {
	I    int64
	F    float64
	S    string
	B    bool
	Null bool
	Ints []int
	Strs []string
}

func intV(v int64) fieldValue     { return fieldValue{I: v} }
func floatV(v float64) fieldValue { return fieldValue{F: v} }
func boolV(v bool) fieldValue     { return fieldValue{B: v} }
func strV(v string) fieldValue    { return fieldValue{S: v} }
func intsV(v []int) fieldValue    { return fieldValue{Ints: v} }
func strsV(v []string) fieldValue { return fieldValue{Strs: v} }
func optV64(v int64, ok bool) fieldValue {
	if !ok {
		return fieldValue{Null: true}
	}
	return fieldValue{I: v}
}
func optV(v int, ok bool) fieldValue {
	if !ok {
		return fieldValue{Null: true}
	}
	return fieldValue{I: int64(v)}
}

// empty is encoding/json's omitempty: null, zero, "" or no elements.
func (v fieldValue) empty() bool {
	return v.Null || (v.I == 0 && v.F == 0 && v.S == "" && !v.B && len(v.Ints) == 0 && len(v.Strs) == 0)
}

// csv writes a value as a CSV cell: empty for null.
func (v fieldValue) csv(k FieldKind) string {
	switch {
	case v.Null:
		return ""
	case k == FieldFloat:
		return strconv.FormatFloat(v.F, 'f', -1, 64)
	case k == FieldSeconds:
		return strconv.FormatFloat(v.F, 'f', 6, 64)
	case k == FieldBool:
		return strconv.FormatBool(v.B)
	case k == FieldString:
		return v.S
	case k == FieldTime:
		return timeString(v.I)
	case k == FieldInts:
		parts := make([]string, len(v.Ints))
		for i, n := range v.Ints {
			parts[i] = strconv.Itoa(n)
		}
		return strings.Join(parts, ";")
	case k == FieldStrings:
		return strings.Join(v.Strs, ";")
	}
	return strconv.FormatInt(v.I, 10)
}

// json appends a value to the encoder.
func (v fieldValue) json(e *jenc, k FieldKind) {
	switch {
	case v.Null:
		e.null()
	case k == FieldFloat, k == FieldSeconds:
		e.float(v.F)
	case k == FieldBool:
		e.bool(v.B)
	case k == FieldString:
		e.str(v.S)
	case k == FieldTime && v.I > 0:
		e.b = append(e.b, '"')
		e.b = appendRFC3339Nano(e.b, v.I)
		e.b = append(e.b, '"')
	case k == FieldTime:
		e.str(timeString(v.I))
	case k == FieldInts:
		e.open('[')
		for _, n := range v.Ints {
			e.sep()
			e.int(int64(n))
		}
		e.close(']')
	case k == FieldStrings:
		e.open('[')
		for _, s := range v.Strs {
			e.sep()
			e.str(s)
		}
		e.close(']')
	default:
		e.int(v.I)
	}
}
