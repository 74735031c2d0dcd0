package report

import (
	"bytes"
	"io"
	"testing"

	"github.com/segscope/segscope/analyze"
	"github.com/segscope/segscope/capture"
	"github.com/segscope/segscope/internal/synth"
)

// manyFlows analyzes n short HTTP connections made in memory (as
// bench/compare.sh's many-flows file).
func manyFlows(tb testing.TB, n int) *analyze.Result {
	tb.Helper()
	b, _, err := synth.Bytes(synth.Config{Connections: n, ReusedTuples: n / 6, ResponseBytes: 5000, Timestamps: true, Seed: 2})
	if err != nil {
		tb.Fatal(err)
	}
	src, err := capture.NewReader("synth", bytes.NewReader(b), int64(len(b)))
	if err != nil {
		tb.Fatal(err)
	}
	a := analyze.New(analyze.Options{})
	if err := a.ReadAll(src); err != nil {
		tb.Fatal(err)
	}
	return a.Result()
}

// BenchmarkWrite renders the analysis of 5000 short connections in each
// format: the target is JSON within 1.3x of CSV.
func BenchmarkWrite(b *testing.B) {
	res := manyFlows(b, 5000)
	a := Analysis{Result: res, Connections: res.Connections}
	for _, f := range []Format{CSV, JSON} {
		b.Run(string(f), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := a.Write(io.Discard, f); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("jsonl", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			w := NewAnalysisJSONL(io.Discard)
			for _, c := range res.Connections {
				w.Conn(c, nil)
			}
			w.Close(res, nil)
		}
	})
}
