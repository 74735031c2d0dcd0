package report

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/segscope/segscope/analyze"
	"github.com/segscope/segscope/capture"
	"github.com/segscope/segscope/keylog"
)

// namesIn lists the names of the fields a format carries.
func namesIn[R any](fs Fields[R], d Docs) []string {
	var out []string
	for _, f := range fs.in(d) {
		out = append(out, f.Name)
	}
	return out
}

// writeParquet writes res's connections as `analyze --format parquet`
// does, into a new directory it returns.
func writeParquet(t *testing.T, res *analyze.Result) string {
	t.Helper()
	out := t.TempDir()
	p, err := NewParquet(out, func() int64 { return res.First })
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range res.Connections {
		if err := p.Conn(c, nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.Close(res, nil); err != nil {
		t.Fatal(err)
	}
	return out
}

// parquetColumns reads a Parquet file's column names and its rows.
func parquetColumns(t *testing.T, path string) ([]string, []map[string]any) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, _ := f.Stat()
	pf, err := parquet.OpenFile(f, st.Size())
	if err != nil {
		t.Fatal(err)
	}
	var cols []string
	for _, c := range pf.Schema().Fields() {
		cols = append(cols, c.Name())
	}
	rd := parquet.NewGenericReader[map[string]any](f, pf.Schema())
	rows := make([]map[string]any, pf.NumRows())
	for i := range rows {
		rows[i] = map[string]any{}
	}
	if n, _ := rd.Read(rows); n != len(rows) {
		t.Fatalf("%s: read %d of %d rows", path, n, len(rows))
	}
	return cols, rows
}

// TestSegmentFieldsEveryFormat: `segments` writes SegmentFields in JSON,
// jsonl, CSV, the table and segments.parquet, each format the fields it
// carries, in order, with the same values. Packet 8 of
// pcaps/mtu1440-ts.pcap.gz as tshark gives it (tshark -r ... -T fields -e
// frame.time_epoch -e tcp.len -e tcp.seq -e tcp.window_size_value -e
// tcp.hdr_len -e tcp.ack): 1795466674.240560000, 258 bytes at relative
// seq 1 (offset 0), window 64, header 32 bytes (12 of options), ack 88
// (offset 87 on the client's stream).
func TestSegmentFieldsEveryFormat(t *testing.T) {
	src, err := capture.Open(filepath.Join("..", "pcaps", "mtu1440-ts.pcap.gz"))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	a := analyze.New(analyze.Options{KeepSegments: func(*analyze.Connection) bool { return true }})
	if err := a.ReadAll(src); err != nil {
		t.Fatal(err)
	}
	res := a.Result()
	s := Segments{Result: res, Connections: res.Connections, Carried: true}
	const packet = 8
	want := map[string]any{"packet": 8.0, "time": "2026-11-23T20:44:34.24056Z", "conn": 0.0, "direction": "server_to_client",
		"source": "10.200.1.1:8080", "destination": "10.200.1.2:51526", "offset": 0.0, "len": 258.0, "flags": "P.",
		"window": 64.0, "option_bytes": 12.0, "class": "short"}

	// JSON: the keys in schema order, the values.
	var b bytes.Buffer
	if err := s.Write(&b, JSON); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Segments []json.RawMessage `json:"segments"`
	}
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	raw := doc.Segments[packet-3] // packets 1 and 2 are not TCP
	if got, w := keysInOrder(t, raw), namesIn(SegmentFields, InJSON); !slices.Equal(got, w) {
		t.Errorf("JSON keys\n got %v\nwant %v", got, w)
	}
	var obj map[string]any
	json.Unmarshal(raw, &obj)
	for k, v := range want {
		if obj[k] != v {
			t.Errorf("JSON %s = %v, want %v", k, obj[k], v)
		}
	}
	if c, _ := obj["carried"].([]any); len(c) != 1 || !strings.Contains(c[0].(string), "header") {
		t.Errorf("JSON carried %v: want the response header block", obj["carried"])
	}

	// jsonl: the same objects, byte for byte, compact.
	b.Reset()
	jw := NewSegmentsJSONL(&b, func() int64 { return res.First }, true, nil)
	for _, c := range res.Connections {
		jw.Conn(c, nil)
	}
	jw.w.Flush()
	lines := strings.Split(b.String(), "\n")
	var compact bytes.Buffer
	json.Compact(&compact, raw)
	if lines[packet-3] != compact.String() {
		t.Errorf("jsonl line\n got %s\nwant %s", lines[packet-3], compact.String())
	}

	// CSV: a column per field CSV carries, the same values.
	b.Reset()
	if err := s.Write(&b, CSV); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if w := namesIn(SegmentFields, InCSV); !slices.Equal(rows[0], w) {
		t.Errorf("CSV header %v, want %v", rows[0], w)
	}
	row := map[string]string{}
	for i, h := range rows[0] {
		row[h] = rows[packet-2][i]
	}
	for k, v := range map[string]string{"packet": "8", "time": "2026-11-23T20:44:34.24056Z", "rel_time_s": "0.000312", "offset": "0",
		"len": "258", "flags": "P.", "window": "64", "option_bytes": "12", "class": "short", "destination": "10.200.1.2:51526"} {
		if row[k] != v {
			t.Errorf("CSV %s = %q, want %q", k, row[k], v)
		}
	}

	// The table: a column per field with a title, CARRIED last.
	b.Reset()
	if err := s.Write(&b, Table); err != nil {
		t.Fatal(err)
	}
	tl := strings.Split(b.String(), "\n")
	if h := strings.Fields(tl[0]); !slices.Equal(h, []string{"PACKET", "TIME", "CONN", "DIR", "FROM", "OFFSET", "LEN", "FLAGS", "WIN", "CLASS", "CARRIED"}) {
		t.Errorf("table header %v", h)
	}
	if f := strings.Fields(tl[2+packet-3]); len(f) < 10 || !slices.Equal(f[:10], []string{"8", "0.000312", "0", "s>c", "10.200.1.1:8080", "0", "258", "P.", "64", "short"}) {
		t.Errorf("table row %q", tl[2+packet-3])
	}

	// segments.parquet: a column per field Parquet carries, in order.
	cols, prows := parquetColumns(t, filepath.Join(writeParquet(t, res), ParquetSegments))
	if w := namesIn(SegmentFields, InParquet); !slices.Equal(cols, w) {
		t.Errorf("segments.parquet columns %v, want %v", cols, w)
	}
	pr := prows[packet-3]
	if pr["time_ns"] != int64(1795466674240560000) || pr["len"] != int32(258) || pr["offset"] != int64(0) ||
		pr["ack"] != int64(87) || pr["option_bytes"] != int32(12) || pr["class"] != "short" {
		t.Errorf("segments.parquet row %v", pr)
	}
}

// TestUnitFieldsEveryFormat: `map` writes UnitFields in JSON, CSV and
// its unit table, each format the fields it carries, in order. The
// client's first TLS record of pcaps/h2-tls12 as tshark gives it
// (tshark -r ... -Y tls.record -T fields -e frame.number -e
// tls.record.length): packet 6, 512 bytes, so the stream's bytes 0-517;
// its second record (37 bytes) starts in packet 10.
func TestUnitFieldsEveryFormat(t *testing.T) {
	src, err := capture.Open(filepath.Join("..", "pcaps", "h2-tls12.pcap.gz"))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	keys := &keylog.Store{}
	if err := keys.LoadFile(filepath.Join("..", "pcaps", "h2-tls12.keys")); err != nil {
		t.Fatal(err)
	}
	a := analyze.New(analyze.Options{KeepSegments: func(*analyze.Connection) bool { return true }, Keys: keys})
	if err := a.ReadAll(src); err != nil {
		t.Fatal(err)
	}
	res := a.Result()
	c := res.Connections[0]
	b := BoundaryMap{Result: res, Conn: c, Map: c.Map()}

	var out bytes.Buffer
	if err := b.Write(&out, JSON); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Units []json.RawMessage `json:"units"`
	}
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	// A record (no plaintext fields) and a frame inside one (all of them).
	var inTLS json.RawMessage
	for _, u := range doc.Units {
		if strings.Contains(string(u), "plain_start") {
			inTLS = u
			break
		}
	}
	all := namesIn(UnitFields, InJSON)
	if got := keysInOrder(t, doc.Units[0]); !slices.Equal(got, slices.DeleteFunc(slices.Clone(all), func(n string) bool {
		return n == "truncated" || n == "plain_start" || n == "plain_end" || n == "records"
	})) {
		t.Errorf("a record's JSON keys %v (schema %v)", got, all)
	}
	if got := keysInOrder(t, inTLS); !slices.Equal(got, slices.DeleteFunc(slices.Clone(all), func(n string) bool { return n == "truncated" })) {
		t.Errorf("a frame's JSON keys %v (schema %v)", got, all)
	}
	var u0 map[string]any
	json.Unmarshal(doc.Units[0], &u0)
	if u0["kind"] != "tls-record" || u0["start"] != 0.0 || u0["end"] != 517.0 || u0["size"] != 512.0 || u0["first_packet"] != 6.0 {
		t.Errorf("the first record in JSON: %v", u0)
	}

	out.Reset()
	if err := b.Write(&out, CSV); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&out).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if w := namesIn(UnitFields, InCSV); !slices.Equal(rows[0], w) {
		t.Errorf("CSV header %v, want %v", rows[0], w)
	}
	if !slices.Equal(rows[2], []string{"0", "client_to_server", "tls-record", "handshake", "-1", "517", "559", "37", "10", "0", "10", "42", "1", "false"}) {
		t.Errorf("CSV second record %v", rows[2])
	}

	out.Reset()
	if err := b.Write(&out, Table); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(out.String(), "\n")
	if h := strings.Fields(lines[3]); !slices.Equal(h, []string{"DIR", "UNIT", "LABEL", "START", "END", "BYTES", "PLAINTEXT", "FIRST", "LAST", "SEGS"}) {
		t.Errorf("table header %v", h)
	}
	if f := strings.Fields(lines[5]); !slices.Equal(f, []string{"c>s", "tls-record", "handshake", "0", "517", "517", "-", "#6@0", "#6@517", "1"}) {
		t.Errorf("table's first record %v", f)
	}
}

// TestEventFieldsEveryFormat: `explain` writes EventFields in JSON, CSV
// and its Events table, each format the fields it carries, in order.
// pcaps/lo-http against its trace: the read on trace line 29 is 65536
// bytes, packets 8 and 10 (tshark -r pcaps/lo-http.pcap -Y tcp.len>0 -T
// fields -e frame.number -e tcp.len: 32768 each), after the 260-byte
// response header (packet 6).
func TestEventFieldsEveryFormat(t *testing.T) {
	x := explainPair(t, "lo-http", true)
	var b bytes.Buffer
	if err := x.Write(&b, JSON); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Events []json.RawMessage `json:"events"`
	}
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	raw := doc.Events[1]
	want := slices.DeleteFunc(namesIn(EventFields, InJSON), func(n string) bool {
		// in the clear, not chunked, and certain
		return n == "plain_start" || n == "plain_end" || n == "chunk_framing" || n == "inference"
	})
	if got := keysInOrder(t, raw); !slices.Equal(got, want) {
		t.Errorf("JSON event keys\n got %v\nwant %v", got, want)
	}
	var ev struct {
		Line, Size int
		Start, End int64
		Segments   []struct{ Packet, Len int }
		Cause      string
	}
	json.Unmarshal(raw, &ev)
	if ev.Line != 29 || ev.Size != 65536 || ev.Start != 260 || ev.End != 65796 || len(ev.Segments) != 2 ||
		ev.Segments[0].Packet != 8 || ev.Segments[1].Len != 32768 || ev.Cause != "backlog" {
		t.Errorf("JSON event %+v", ev)
	}

	b.Reset()
	if err := x.Write(&b, CSV); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if w := namesIn(EventFields, InCSV); !slices.Equal(rows[0], w) {
		t.Errorf("CSV header %v, want %v", rows[0], w)
	}
	if r := rows[2]; r[0] != "29" || r[2] != "65536" || r[5] != "260" || r[6] != "65796" || r[7] != "2" || r[8] != "8;10" || r[9] != "backlog" {
		t.Errorf("CSV row %v", r)
	}

	b.Reset()
	if err := x.Write(&b, Table); err != nil {
		t.Fatal(err)
	}
	_, after, _ := strings.Cut(b.String(), "\nEvents:\n")
	lines := strings.Split(after, "\n")
	var head []string
	for _, f := range EventFields.tabled() {
		head = append(head, f.Table)
	}
	if got := strings.Join(strings.Fields(lines[0]), " "); got != strings.Join(head, " ") {
		t.Errorf("Events table header %q, want %q", got, head)
	}
	if f := strings.Fields(lines[3]); len(f) < 9 || !slices.Equal(f[:6], []string{"29", "recv", "65536", "0", "260-65796", "8-10"}) {
		t.Errorf("Events table row %q", lines[3])
	}
}
