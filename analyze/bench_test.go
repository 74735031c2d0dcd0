package analyze

import (
	"bytes"
	"crypto/tls"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/segscope/segscope/capture"
	"github.com/segscope/segscope/internal/synth"
	"github.com/segscope/segscope/keylog"
)

// synthCapture makes a capture in memory, or fails the test.
func synthCapture(tb testing.TB, cfg synth.Config) ([]byte, synth.Stats) {
	tb.Helper()
	b, st, err := synth.Bytes(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	return b, st
}

func analyzeBytes(tb testing.TB, b []byte, opts Options) *Result {
	tb.Helper()
	src, err := capture.NewReader("synth", bytes.NewReader(b), int64(len(b)))
	if err != nil {
		tb.Fatal(err)
	}
	a := New(opts)
	if err := a.ReadAll(src); err != nil {
		tb.Fatal(err)
	}
	return a.Result()
}

// TestPortReuseCount is the many-flows case from shared/reference/anchors.md:
// 60 000 short connections, 9 700 of which reuse an earlier 4-tuple. Keying
// on the 4-tuple alone would find 50 300; tshark and tcptrace find 60 000.
func TestPortReuseCount(t *testing.T) {
	if testing.Short() {
		t.Skip("makes a 540 000-packet capture")
	}
	b, st := synthCapture(t, synth.Config{Connections: 60000, ReusedTuples: 9700, ResponseBytes: 1000, Timestamps: true, Seed: 1})
	res := analyzeBytes(t, b, Options{})
	if len(res.Connections) != 60000 || st.Connections != 60000 {
		t.Fatalf("%d connections (generator: %d), want 60000", len(res.Connections), st.Connections)
	}
	var data int
	var payload int64
	for _, c := range res.Connections {
		if !c.Handshake.Seen() || c.RolesGuessed {
			t.Fatalf("connection %d: handshake not seen", c.ID)
		}
		for _, d := range c.Dirs {
			data += int(d.DataSegments)
			payload += d.PayloadBytes
		}
	}
	if res.Packets != st.Packets || data != st.DataSegments || payload != st.PayloadBytes {
		t.Errorf("packets %d data %d bytes %d; generator %d %d %d", res.Packets, data, payload, st.Packets, st.DataSegments, st.PayloadBytes)
	}
}

// TestSynthSuperSegmentsAndRetransmissions checks the counts the generator
// knows it wrote. The two periods never meet within a connection: a
// retransmitted super-segment would count as both, as it does in tshark.
func TestSynthSuperSegmentsAndRetransmissions(t *testing.T) {
	b, st := synthCapture(t, synth.Config{Connections: 3, ResponseBytes: 200000, Timestamps: true, SuperSegmentEvery: 10, RetransmitEvery: 33, Seed: 2})
	res := analyzeBytes(t, b, Options{})
	var super, retx int
	for _, c := range res.Connections {
		d := c.Dir(ServerToClient)
		super += d.Stats().Super
		retx += int(d.RetransmittedSegments)
		if d.EffectiveMSS().Value != 1448 || d.Stats().Max != 4*1448 {
			t.Errorf("connection %d: effective MSS %d, max %d; want 1448 and %d", c.ID, d.EffectiveMSS().Value, d.Stats().Max, 4*1448)
		}
	}
	if super != st.SuperSegments || retx != st.Retransmissions || super == 0 || retx == 0 {
		t.Errorf("super %d retransmitted %d; generator wrote %d and %d", super, retx, st.SuperSegments, st.Retransmissions)
	}
}

func benchmarkAnalyze(b *testing.B, cfg synth.Config, opts Options) {
	data, st := synthCapture(b, cfg)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		analyzeBytes(b, data, opts)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*st.Packets), "ns/packet")
}

var (
	bulkCfg      = synth.Config{Connections: 20, ResponseBytes: 1 << 20, Timestamps: true, Seed: 3}
	manyFlowsCfg = synth.Config{Connections: 6000, ReusedTuples: 970, ResponseBytes: 1000, Timestamps: true, Seed: 4}
)

// Bulk: 20 connections of 1 MB HTTP responses, 1448-byte segments. The
// full analysis (reassembly, HTTP) and the segment-only one side by side.
func BenchmarkAnalyzeBulk(b *testing.B) { benchmarkAnalyze(b, bulkCfg, Options{}) }
func BenchmarkAnalyzeBulkSegmentsOnly(b *testing.B) {
	benchmarkAnalyze(b, bulkCfg, Options{SegmentsOnly: true})
}

// ManyFlows: 6 000 short connections, 970 reusing a 4-tuple.
func BenchmarkAnalyzeManyFlows(b *testing.B) { benchmarkAnalyze(b, manyFlowsCfg, Options{}) }
func BenchmarkAnalyzeManyFlowsSegmentsOnly(b *testing.B) {
	benchmarkAnalyze(b, manyFlowsCfg, Options{SegmentsOnly: true})
}

// httpsCapture is a capture of conns HTTPS connections, each the same real
// TLS session of a 1 MiB response, and its key log.
func httpsCapture(tb testing.TB, version uint16, conns int) ([]byte, *keylog.Store) {
	tb.Helper()
	cli, srv, keys, err := synth.TLSSession(version, 1<<20)
	if err != nil {
		tb.Fatal(err)
	}
	b, _ := synthCapture(tb, synth.Config{Connections: conns, Request: cli, Response: srv, Timestamps: true, Seed: 3})
	ks := &keylog.Store{}
	if err := ks.Parse("synth", strings.NewReader(keys)); err != nil {
		tb.Fatal(err)
	}
	return b, ks
}

// BenchmarkHTTPS analyzes HTTPS with and without the key log: the cost of
// decryption is the difference (the issue allows at most half again).
func BenchmarkHTTPS(b *testing.B) {
	for _, v := range []struct {
		name    string
		version uint16
	}{{"tls13", tls.VersionTLS13}, {"tls12", tls.VersionTLS12}} {
		capBytes, ks := httpsCapture(b, v.version, 20)
		for _, keys := range []bool{false, true} {
			name := v.name + "/records-only"
			if keys {
				name = v.name + "/decrypted"
			}
			b.Run(name, func(b *testing.B) {
				b.SetBytes(int64(len(capBytes)))
				b.ReportAllocs()
				for b.Loop() {
					opts := Options{}
					if keys {
						opts.Keys = ks
					}
					res := analyzeBytes(b, capBytes, opts)
					if keys && res.Connections[0].App.Inner != ProtoHTTP1 {
						b.Fatal("not decrypted")
					}
				}
			})
		}
	}
}

// TestHTTPSSynthDecrypts checks the benchmark's capture is what it claims:
// every connection decrypts to one exchange with a 1 MiB body.
func TestHTTPSSynthDecrypts(t *testing.T) {
	for _, v := range []uint16{tls.VersionTLS12, tls.VersionTLS13} {
		capBytes, ks := httpsCapture(t, v, 3)
		res := analyzeBytes(t, capBytes, Options{Keys: ks})
		if len(res.Connections) != 3 {
			t.Fatalf("%d connections", len(res.Connections))
		}
		for _, c := range res.Connections {
			ex := c.App.HTTP.Exchanges()
			if c.App.Inner != ProtoHTTP1 || len(ex) != 1 || ex[0].Response.BodyBytes != 1<<20 || !ex[0].Response.Complete {
				t.Fatalf("TLS %x connection %d: %s, %d exchanges", v, c.ID, c.App.Inner, len(ex))
			}
		}
	}
}

// BenchmarkDecode decodes every frame of the bulk capture (Ethernet, IPv4,
// TCP and its options) and nothing else: the decoder's share of
// BenchmarkAnalyzeBulk. The frames are read once, before the timer.
func BenchmarkDecode(b *testing.B) {
	data, _ := synthCapture(b, bulkCfg)
	src, err := capture.NewReader("synth", bytes.NewReader(data), int64(len(data)))
	if err != nil {
		b.Fatal(err)
	}
	var frames []capture.Packet
	for {
		p, err := src.ReadPacket()
		if err != nil {
			break
		}
		p.Data = append([]byte(nil), p.Data...)
		frames = append(frames, p)
	}
	dec := newDecoder()
	var out decoded
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		for _, p := range frames {
			if err := dec.decode(&p, &out); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(frames)), "ns/packet")
}

// BenchmarkStreaming analyzes the many-flows capture streaming each
// connection to a no-op as it ends: the cost of the live lists.
func BenchmarkStreaming(b *testing.B) {
	benchmarkAnalyze(b, manyFlowsCfg, Options{Done: func(*Connection, []Warning, int64) {}, CloseGrace: time.Millisecond})
}

// BenchmarkWorkers analyzes the bulk and many-flows captures with 1, 2
// and 4 flow-sharded workers.
func BenchmarkWorkers(b *testing.B) {
	for _, c := range []struct {
		name string
		cfg  synth.Config
	}{{"bulk", bulkCfg}, {"many-flows", manyFlowsCfg}} {
		for _, n := range []int{1, 2, 4} {
			b.Run(fmt.Sprintf("%s/workers=%d", c.name, n), func(b *testing.B) {
				benchmarkAnalyze(b, c.cfg, Options{Workers: n})
			})
		}
	}
}
