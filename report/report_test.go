package report

import (
	"bytes"
	"encoding/json"
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
