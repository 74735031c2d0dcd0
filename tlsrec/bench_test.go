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
