package report

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/segscope/segscope/analyze"
	"github.com/segscope/segscope/capture"
	"github.com/segscope/segscope/keylog"
)

// TestAnalysisStreamMatchesWhole: on every capture in pcaps/, `analyze
// --format json` written as connections end (AnalysisJSONStream) is the
// document the whole-capture analysis writes, key order aside (the keys
// known only at the end come after the connections), and the streamed
// CSV is byte for byte the whole-capture CSV.
func TestAnalysisStreamMatchesWhole(t *testing.T) {
	var files []string
	for _, pat := range []string{"*.pcap", "*.pcap.gz", "*.pcapng"} {
		m, _ := filepath.Glob(filepath.Join("..", "pcaps", pat))
		files = append(files, m...)
	}
	if len(files) < 10 {
		t.Fatalf("only %d captures in pcaps/", len(files))
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			ks := &keylog.Store{}
			k := strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(f, ".gz"), ".pcap"), ".pcapng") + ".keys"
			if _, err := os.Stat(k); err == nil {
				if err := ks.LoadFile(k); err != nil {
					t.Fatal(err)
				}
			}
			read := func(opts analyze.Options) *analyze.Result {
				a := analyze.New(opts)
				src, err := capture.Open(f)
				if err != nil {
					t.Fatal(err)
				}
				defer src.Close()
				a.ReadAll(src) // a cut capture still has what was read
				return a.Result()
			}
			whole := read(analyze.Options{Keys: ks})
			var wantJSON, wantCSV bytes.Buffer
			a := Analysis{Result: whole, Connections: whole.Connections}
			if err := a.Write(&wantJSON, JSON); err != nil {
				t.Fatal(err)
			}
			if err := a.Write(&wantCSV, CSV); err != nil {
				t.Fatal(err)
			}

			var gotJSON, gotCSV bytes.Buffer
			js, cs := NewAnalysisJSONStream(&gotJSON), NewAnalysisCSVStream(&gotCSV)
			res := read(analyze.Options{Keys: ks, Done: func(c *analyze.Connection, ws []analyze.Warning, _ int64) {
				if err := js.Conn(c, ws); err != nil {
					t.Fatal(err)
				}
				if err := cs.Conn(c, ws); err != nil {
					t.Fatal(err)
				}
			}})
			if err := js.Close(res, nil); err != nil {
				t.Fatal(err)
			}
			if err := cs.Close(res, nil); err != nil {
				t.Fatal(err)
			}
			if gotCSV.String() != wantCSV.String() {
				t.Errorf("streamed CSV differs:\n%s", jsonDiff(gotCSV.String(), wantCSV.String()))
			}
			var got, want map[string]any
			if err := json.Unmarshal(gotJSON.Bytes(), &got); err != nil {
				t.Fatalf("streamed JSON: %v\n%s", err, gotJSON.String())
			}
			json.Unmarshal(wantJSON.Bytes(), &want)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("streamed JSON differs from the whole-capture JSON:\n%s", jsonDiff(gotJSON.String(), wantJSON.String()))
			}
			if keys := keysInOrder(t, gotJSON.Bytes()); !slices.Equal(keys, []string{"schema", "connections", "source", "files", "capture", "warnings", "errors"}) {
				t.Errorf("keys %v", keys)
			}
		})
	}
}

// TestReorder: records come out in ID order whatever order they are put
// in, skipped IDs leave nothing, and records held past the memory bound
// go through the spill file and come back whole.
func TestReorder(t *testing.T) {
	var out []string
	r := newReorder(func(b []byte) error { out = append(out, string(b)); return nil })
	r.spillAt = 10 // "rec3" and "rec4" fit, the rest spill
	put := func(id int, s string) {
		var b []byte
		if s != "" {
			b = []byte(s)
		}
		if err := r.put(id, b); err != nil {
			t.Fatal(err)
		}
	}
	put(3, "rec3")
	put(4, "rec4")
	put(6, "rec6-long")
	put(2, "") // skipped
	put(7, "rec7")
	if len(out) != 0 || r.spill == nil || r.mem != 8 {
		t.Fatalf("before ID 0: out %v, spill %v, %d bytes in memory", out, r.spill != nil, r.mem)
	}
	put(0, "rec0")
	put(1, "rec1") // 2 skipped: 3 and 4 follow, 5 has not ended
	if want := []string{"rec0", "rec1", "rec3", "rec4"}; !slices.Equal(out, want) || r.mem != 0 {
		t.Fatalf("got %v (%d bytes held), want %v", out, r.mem, want)
	}
	put(5, "rec5")
	if want := []string{"rec0", "rec1", "rec3", "rec4", "rec5", "rec6-long", "rec7"}; !slices.Equal(out, want) {
		t.Fatalf("got %v, want %v", out, want)
	}
	if err := r.put(1, []byte("again")); err == nil {
		t.Error("a connection ending twice was taken")
	}
	if err := r.flush(); err != nil || r.spill != nil {
		t.Errorf("flush: %v, spill file still open: %v", err, r.spill != nil)
	}
}

// TestAnalysisJSONStreamWarningsInIDOrder: connections end in any order
// (a short one inside a long one), and the streamed document lists their
// warnings by connection ID, as the whole-capture one does: each
// connection's size and missing-bytes warnings, then the bounds.
func TestAnalysisJSONStreamWarningsInIDOrder(t *testing.T) {
	src, err := capture.Open(filepath.Join("..", "pcaps", "lo-methods.pcap"))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	var conns []*analyze.Connection
	a := analyze.New(analyze.Options{Done: func(c *analyze.Connection, _ []analyze.Warning, _ int64) { conns = append(conns, c) }})
	if err := a.ReadAll(src); err != nil {
		t.Fatal(err)
	}
	res := a.Result()
	if len(conns) != 2 {
		t.Fatalf("%d connections", len(conns))
	}
	var b bytes.Buffer
	js := NewAnalysisJSONStream(&b)
	for _, c := range []*analyze.Connection{conns[1], conns[0]} { // 1 ends first
		ws := []analyze.Warning{{Conn: c.ID, Kind: analyze.WarnUnitsDropped, N: 1}, {Conn: c.ID, Kind: analyze.WarnSuperSegments, N: 1, Segments: 1, MSS: 1448, Largest: 2896}}
		if err := js.Conn(c, ws); err != nil {
			t.Fatal(err)
		}
	}
	if err := js.Close(res, nil); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Connections []struct{ ID int }
		Warnings    []struct {
			Conn *int
			Text string
		}
	}
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	var ids, warned []int
	for _, c := range doc.Connections {
		ids = append(ids, c.ID)
	}
	for _, w := range doc.Warnings {
		warned = append(warned, *w.Conn)
	}
	if !slices.Equal(ids, []int{0, 1}) || !slices.Equal(warned, []int{0, 1, 0, 1}) ||
		!strings.Contains(doc.Warnings[0].Text, "2896") || strings.Contains(doc.Warnings[2].Text, "2896") {
		t.Errorf("connections %v, warnings of %v: %+v", ids, warned, doc.Warnings)
	}
}
