package report

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The streamed document must be the same JSON as encoding the whole value
// at once, for no, one and several elements.
func TestWriteJSONStreamMatchesOneShot(t *testing.T) {
	type doc struct {
		Schema string           `json:"schema"`
		Items  []map[string]int `json:"items"`
		After  []string         `json:"after"`
	}
	for _, n := range []int{0, 1, 3} {
		var items []map[string]int
		for i := 0; i < n; i++ {
			items = append(items, map[string]int{"i": i, "sq": i * i})
		}
		var streamed bytes.Buffer
		i := 0
		err := writeJSONStream(&streamed, doc{Schema: "x/1", Items: []map[string]int{}, After: []string{"z"}}, "items", func() (any, bool) {
			if i == len(items) {
				return nil, false
			}
			i++
			return items[i-1], true
		})
		if err != nil {
			t.Fatal(err)
		}
		var got, want doc
		if err := json.Unmarshal(streamed.Bytes(), &got); err != nil {
			t.Fatalf("%d items: not JSON: %v\n%s", n, err, streamed.String())
		}
		whole, _ := json.Marshal(doc{Schema: "x/1", Items: append([]map[string]int{}, items...), After: []string{"z"}})
		json.Unmarshal(whole, &want)
		if len(got.Items) != n || got.Schema != "x/1" || len(got.After) != 1 {
			t.Errorf("%d items: got %+v", n, got)
		}
		for k := range want.Items {
			if got.Items[k]["sq"] != want.Items[k]["sq"] {
				t.Errorf("%d items: item %d = %v, want %v", n, k, got.Items[k], want.Items[k])
			}
		}
	}
}

// The streamed table measures its columns in a first pass: rows of any
// width line up under the header.
func TestStreamTableAlignsColumns(t *testing.T) {
	rows := [][]string{{"1", "short"}, {"22222", "a much longer cell"}, {"3", "x"}}
	var buf bytes.Buffer
	err := streamTable(&buf, "rl", []string{"N", "TEXT"}, func(emit func([]string) error) error {
		for _, r := range rows {
			if err := emit(r); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(buf.String(), "\n"), "\n")
	if len(lines) != 2+len(rows) {
		t.Fatalf("%d lines:\n%s", len(lines), buf.String())
	}
	// The TEXT column starts at the same place on every line.
	at := strings.Index(lines[0], "TEXT")
	for i, r := range rows {
		if strings.Index(lines[2+i], r[1]) != at {
			t.Errorf("row %d: %q starts at %d, header at %d:\n%s", i, r[1], strings.Index(lines[2+i], r[1]), at, buf.String())
		}
	}
	// N is right-aligned: the numbers end in the same column.
	end := strings.Index(lines[2+1], "22222") + 5
	if strings.Index(lines[2], "1")+1 != end {
		t.Errorf("numbers not right-aligned:\n%s", buf.String())
	}
}

// Rows padded by streamTable are the rows tablewriter renders: cells
// empty, wide (µ, └, ≤, CJK), left and right aligned, and cells it is
// left to (spaces at an end, a line break).
func TestStreamTableRowsAsTablewriter(t *testing.T) {
	rows := [][]string{
		{"0", "127.0.0.1:44316 > 127.0.0.1:8080", "65483 = 65495-12", "84x1"},
		{"", "127.0.0.1:8080 > 127.0.0.1:44316", "", "47616x14 17920x14 ..."},
		{"12345", "└ DATA 8192 µs ≤ 3", "中文", ""},
		{"7", " leading space", "trailing ", "x"},
		{"8", "two\nlines", "tab\there", "y"},
		{"9", "", "", ""},
		{"10", "GET /a  b", "/nb\u00a0", "/x\u0085y"},
		{"11", "/ls\u2028z", "\u00a0lead", "bad\xffutf8"},
		{"12", "a b c", "tail\u200b", "ok"},
	}
	for _, align := range []string{"rllr", "lrrl"} {
		var got, want bytes.Buffer
		for _, out := range []struct {
			b   *bytes.Buffer
			pad bool
		}{{&got, true}, {&want, false}} {
			err := streamTableRows(out.b, align, []string{"N", "TEXT", "MORE", "LAST"}, func(emit func([]string) error) error {
				for _, r := range rows {
					if err := emit(r); err != nil {
						return err
					}
				}
				return nil
			}, out.pad)
			if err != nil {
				t.Fatal(err)
			}
		}
		if got.String() != want.String() {
			t.Errorf("align %s: padded rows differ from tablewriter's:\n%s\nwant:\n%s", align, got.String(), want.String())
		}
		if n := strings.Count(got.String(), "\n"); n < len(rows)+2 {
			t.Errorf("align %s: %d lines", align, n)
		}
	}
}

// TestParquetAbortRemovesMadeDir: a run whose files are not kept (nothing
// read, or a write failed: review 29, a full disk) removes the directory
// it made for them, and leaves one that was there.
func TestParquetAbortRemovesMadeDir(t *testing.T) {
	parent := t.TempDir()
	made := filepath.Join(parent, "pq")
	p, err := NewParquet(made, func() int64 { return 0 })
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Close(nil, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(made); !os.IsNotExist(err) {
		t.Errorf("%s left: %v", made, err)
	}
	p, err = NewParquet(parent, func() int64 { return 0 })
	if err != nil {
		t.Fatal(err)
	}
	p.Close(nil, nil)
	if _, err := os.Stat(parent); err != nil {
		t.Errorf("the directory that was there: %v", err)
	}
}
