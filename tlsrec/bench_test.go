package tlsrec

import (
	"crypto/tls"
	"sync"
	"testing"

	"github.com/segscope/segscope/stream"
)

var benchStream struct {
	sync.Once
	raw []byte
}

// BenchmarkWalker walks 10 MB of a real TLS 1.3 server direction in 16 KB
// Data calls. The allocations are the walker's own (its maps and the
// kept-record slice as it grows), none per record.
func BenchmarkWalker(b *testing.B) {
	benchStream.Do(func() {
		benchStream.raw = runTLS(b, sessionConfig{maxVersion: tls.VersionTLS13, n: 10 << 20}).server
	})
	raw := benchStream.raw
	const chunk = 16 << 10
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	records := 0
	for b.Loop() {
		w := NewWalker(Limits{})
		for off := 0; off < len(raw); off += chunk {
			end := min(off+chunk, len(raw))
			w.Data(int64(off), raw[off:end], stream.Pos{Packet: off / chunk, Start: int64(off)})
		}
		w.End(int64(len(raw)))
		records = w.Stats().Records
	}
	b.ReportMetric(float64(records), "records/op")
}

// TestNoAllocPerRecord: walking records allocates nothing when no record
// is kept.
func TestNoAllocPerRecord(t *testing.T) {
	var unit []byte
	for _, n := range []int{16384, 1000, 0, 17, 16384 + 256} {
		unit = append(unit, byte(ApplicationData), 3, 3, byte(n>>8), byte(n))
		unit = append(unit, make([]byte, n)...)
	}
	w := NewWalker(Limits{MaxRecords: -1})
	var off int64
	feedUnit := func() {
		for i := 0; i < len(unit); i += 1400 {
			end := min(i+1400, len(unit))
			w.Data(off, unit[i:end], stream.Pos{Start: off})
			off += int64(end - i)
		}
	}
	feedUnit()
	// AllocsPerRun feeds 101 more units (one warm-up).
	if n := testing.AllocsPerRun(100, feedUnit); n != 0 {
		t.Fatalf("%v allocations per 5 records", n)
	}
	if st := w.Stats(); st.Records != 102*5 || w.Dropped() != st.Records || len(w.Records()) != 0 || st.Bytes != off {
		t.Fatalf("stats %+v", st)
	}
}
