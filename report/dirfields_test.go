package report

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/segscope/segscope/analyze"
	"github.com/segscope/segscope/capture"
)

func analyzeFile(t *testing.T, path string) *analyze.Result {
	t.Helper()
	src, err := capture.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	a := analyze.New(analyze.Options{})
	if err := a.ReadAll(src); err != nil {
		t.Fatal(err)
	}
	return a.Result()
}

// TestDirFieldsEveryFormat: every field of DirFields is in the JSON
// document, in every jsonl line, as a CSV column and as a Parquet column,
// with the same value (payload_bytes, effective_mss, mean_segment, checked
// against tshark's sum of tcp.len for pcaps/mtu1440-ts: 87 and 102658).
func TestDirFieldsEveryFormat(t *testing.T) {
	res := analyzeFile(t, filepath.Join("..", "pcaps", "mtu1440-ts.pcap.gz"))
	a := Analysis{Result: res, Connections: res.Connections}
	var names []string
	for _, f := range DirFields {
		names = append(names, f.Name)
	}
	want := append(append([]string{}, names...), "psh_runs", "sizes", "histogram")

	// JSON: each direction's keys, in order.
	var b bytes.Buffer
	if err := a.Write(&b, JSON); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Connections []struct {
			Directions map[string]json.RawMessage `json:"directions"`
		} `json:"connections"`
	}
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	s2c := doc.Connections[0].Directions["server_to_client"]
	if got := keysInOrder(t, s2c); !slices.Equal(got, want) {
		t.Errorf("JSON direction keys\n got %v\nwant %v", got, want)
	}
	var dir map[string]any
	json.Unmarshal(s2c, &dir)
	if dir["payload_bytes"] != 102658.0 || dir["effective_mss"] != 1388.0 {
		t.Errorf("JSON payload_bytes %v, effective_mss %v", dir["payload_bytes"], dir["effective_mss"])
	}

	// The table: a column for each field with a Table title.
	b.Reset()
	if err := a.Write(&b, Table); err != nil {
		t.Fatal(err)
	}
	header := strings.SplitN(b.String(), "\n", 4)[2]
	for _, f := range DirFields {
		if f.Table != "" && !strings.Contains(header, f.Table) {
			t.Errorf("the table has no column %s: %q", f.Table, header)
		}
	}
	if !strings.Contains(b.String(), "1388 = 1400-12") {
		t.Errorf("the table's effective MSS cell:\n%s", b.String())
	}

	// jsonl: the same object.
	b.Reset()
	w := NewAnalysisJSONL(&b)
	for _, c := range res.Connections {
		w.Conn(c, nil)
	}
	w.w.Flush()
	line, _ := bufio.NewReader(&b).ReadBytes('\n')
	var jl struct {
		Directions map[string]json.RawMessage `json:"directions"`
	}
	if err := json.Unmarshal(line, &jl); err != nil {
		t.Fatal(err)
	}
	if got := keysInOrder(t, jl.Directions["server_to_client"]); !slices.Equal(got, want) {
		t.Errorf("jsonl direction keys %v", got)
	}

	// CSV: a column each, the same values.
	b.Reset()
	if err := a.Write(&b, CSV); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	for _, n := range names {
		if _, ok := col[n]; !ok {
			t.Errorf("CSV has no column %s", n)
		}
	}
	if r := rows[2]; r[col["direction"]] != "server_to_client" || r[col["payload_bytes"]] != "102658" || r[col["effective_mss"]] != "1388" ||
		r[col["mean_segment"]] != strconv.FormatFloat(dir["mean_segment"].(float64), 'f', -1, 64) {
		t.Errorf("CSV row %v", r)
	}

	// Parquet: a column each, one row per direction.
	cols, prows := parquetColumns(t, filepath.Join(writeParquet(t, res), ParquetConnections))
	for _, n := range names {
		if !slices.Contains(cols, n) {
			t.Errorf("connections.parquet has no column %s (it has %v)", n, cols)
		}
	}
	if len(prows) != 2 || prows[1]["payload_bytes"] != int64(102658) || prows[1]["effective_mss"] != int32(1388) {
		t.Errorf("Parquet rows %d: %v", len(prows), prows)
	}
}

// keysInOrder lists a JSON object's keys in the order written.
func keysInOrder(t *testing.T, raw json.RawMessage) []string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.Token() // {
	var keys []string
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, k.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			t.Fatal(err)
		}
	}
	return keys
}

// TestREADMEFields: README's tables of each record kind's fields are the
// schema's (go test ./report -update rewrites them).
func TestREADMEFields(t *testing.T) {
	path := filepath.Join("..", "README.md")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for _, sec := range readmeFieldTables() {
		begin, end := "<!-- "+sec.name+": generated from report."+sec.list+" by go test ./report -update -->\n", "<!-- /"+sec.name+" -->"
		i, j := strings.Index(s, begin), strings.Index(s, end)
		if i < 0 || j < i {
			t.Errorf("README.md has no %q ... %q section", begin, end)
			continue
		}
		if got := s[i+len(begin) : j]; got != sec.markdown {
			if *update {
				s = s[:i+len(begin)] + sec.markdown + s[j:]
				continue
			}
			t.Errorf("README.md's table of %s differs from the schema (go test ./report -update rewrites it)", sec.list)
		}
	}
	if *update && s != string(b) {
		if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// readmeFieldTables are README's generated tables: the marker's name,
// the schema list, its table.
func readmeFieldTables() []struct{ name, list, markdown string } {
	return []struct{ name, list, markdown string }{
		{"dirfields", "DirFields", DirFields.markdown(inAll)},
		{"segmentfields", "SegmentFields", SegmentFields.markdown(inAll)},
		{"unitfields", "UnitFields", UnitFields.markdown(InJSON | InCSV)},
		{"eventfields", "EventFields", EventFields.markdown(InJSON | InCSV)},
		{"conditionfields", "ConditionFields", ConditionFields.markdown(InJSON)},
	}
}
