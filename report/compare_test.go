package report

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/segscope/segscope/analyze"
	"github.com/segscope/segscope/explain"
	"github.com/segscope/segscope/lab/labcompare"
)

// comparison1388 is `segscope lab --preset 1388` as measured (docs/labcompare.md),
// with a fourth condition that failed to run.
func comparison1388() Comparison {
	ipv4 := labcompare.Path{MTU: 1440, Timestamps: true, SACK: true, Rate: "20mbit"}
	ipv6 := ipv4
	ipv6.IPv6, ipv6.MTU = true, 1460
	plain := labcompare.ServerConfig{Body: labcompare.Body{Size: 1 << 20}}
	return Comparison{Flag: "preset 1388: three ways to get 1388-byte reads", Conditions: []labcompare.Condition{
		{Label: "IPv4 MTU 1440 + timestamps", Path: ipv4, Server: plain, IPHeader: 20, PathMSS: 1400, ServerSuper: -1,
			MSS: 1400, OptionBytes: 12, EffectiveMSS: 1388, Segments: 760, TopSegment: analyze.SizeCount{Size: 1388, Count: 751},
			Reads: 760, TopRead: analyze.SizeCount{Size: 1388, Count: 750}, TopReadWhy: explain.CauseFullSegment,
			Causes: []explain.CauseCount{{Cause: explain.CauseFullSegment, Count: 750}, {Cause: explain.CauseShortSegment, Count: 9}, {Cause: explain.CauseAfterHeaders, Count: 1}}},
		{Label: "IPv6 MTU 1460 + timestamps", Path: ipv6, Server: plain, IPHeader: 40, PathMSS: 1400, ServerSuper: -1,
			MSS: 1400, OptionBytes: 12, EffectiveMSS: 1388, Segments: 759, TopSegment: analyze.SizeCount{Size: 1388, Count: 752},
			Reads: 759, TopRead: analyze.SizeCount{Size: 1388, Count: 744}, TopReadWhy: explain.CauseFullSegment,
			Causes: []explain.CauseCount{{Cause: explain.CauseFullSegment, Count: 744}, {Cause: explain.CauseShortSegment, Count: 13}, {Cause: explain.CauseBacklog, Count: 1}, {Cause: explain.CauseAfterHeaders, Count: 1}}},
		{Label: "TLS 1.3 records of 1388", Path: labcompare.Path{MTU: 1500, Timestamps: true, SACK: true, Rate: "20mbit"},
			Server:   labcompare.ServerConfig{TLS: "1.3", Body: labcompare.Body{Size: 1 << 20, WriteSize: 1388}},
			IPHeader: 20, PathMSS: 1460, ServerSuper: 0, MSS: 1460, OptionBytes: 12, EffectiveMSS: 1448, Segments: 747,
			TopSegment: analyze.SizeCount{Size: 1448, Count: 726}, Reads: 756, TopRead: analyze.SizeCount{Size: 1388, Count: 755},
			TopReadWhy: explain.CauseTLSRecord, Causes: []explain.CauseCount{{Cause: explain.CauseTLSRecord, Count: 756}}},
		{Label: "failed", Path: labcompare.Path{MTU: 1500, Delay: "20ms"}, Failed: true,
			Server: labcompare.ServerConfig{Body: labcompare.Body{Size: 20000, Chunked: true, WriteSize: 1000, WriteDelay: 5 * time.Millisecond}}},
	}}
}

func TestComparisonGolden(t *testing.T) {
	c := comparison1388()
	for _, f := range []Format{Table, JSON, CSV} {
		var b bytes.Buffer
		if err := c.Write(&b, f); err != nil {
			t.Fatal(err)
		}
		golden(t, filepath.Join("testdata", "compare", "preset1388."+string(f)), b.Bytes())
		if f == JSON {
			var doc struct {
				Schema     string `json:"schema"`
				Conditions []struct {
					TopRead struct{ Size, Count int } `json:"top_read"`
					Causes  []struct {
						Cause string  `json:"cause"`
						Share float64 `json:"share"`
					} `json:"causes"`
				} `json:"conditions"`
			}
			if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
				t.Fatal(err)
			}
			if doc.Schema != LabSchema || len(doc.Conditions) != 4 || doc.Conditions[2].TopRead.Size != 1388 || doc.Conditions[2].Causes[0].Share != 1 {
				t.Errorf("JSON: %+v", doc)
			}
		}
	}
}

// TestConditionFieldsEveryFormat: the JSON conditions have ConditionFields'
// keys in order (failed only when true, server_super_segments only when the server's side was captured), and the
// table's and CSV's rows are the fields with a Table title.
func TestConditionFieldsEveryFormat(t *testing.T) {
	c := comparison1388()
	var b bytes.Buffer
	if err := c.Write(&b, JSON); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Conditions []json.RawMessage `json:"conditions"`
	}
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	all := namesIn(ConditionFields, InJSON)
	if got, want := keysInOrder(t, doc.Conditions[2]), slices.DeleteFunc(slices.Clone(all), func(n string) bool { return n == "failed" }); !slices.Equal(got, want) {
		t.Errorf("JSON keys of a condition with the server's side\n got %v\nwant %v", got, want)
	}
	if got, want := keysInOrder(t, doc.Conditions[0]), slices.DeleteFunc(slices.Clone(all), func(n string) bool { return n == "failed" || n == "server_super_segments" }); !slices.Equal(got, want) {
		t.Errorf("JSON keys of a condition without the server's side\n got %v\nwant %v", got, want)
	}
	if got := keysInOrder(t, doc.Conditions[3]); !slices.Equal(got, all) {
		t.Errorf("JSON keys of a failed condition\n got %v\nwant %v", got, all)
	}
	b.Reset()
	if err := c.Write(&b, CSV); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var titles, want []string
	for _, r := range rows[1:] {
		titles = append(titles, r[0])
	}
	for _, f := range ConditionFields.tabled() {
		want = append(want, f.Table)
	}
	if !slices.Equal(titles, want) {
		t.Errorf("CSV rows %v, want %v", titles, want)
	}
	if rows[3][1] != "1440 - 20 (IP) - 20 (TCP) = 1400" || rows[5][3] != "1448 = 1460 - 12 (options)" || rows[5][4] != "failed" {
		t.Errorf("CSV cells %v / %v", rows[3], rows[5])
	}
}
