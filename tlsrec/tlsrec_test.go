package tlsrec

import (
	"github.com/segscope/segscope/internal/wiretest"

	"crypto/tls"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/segscope/segscope/stream"
)

// chunk is one call of a feeding plan.
type chunk = wiretest.Chunk

type chunking struct {
	name string
	plan func(raw []byte, writes [][]byte) []chunk
}

var chunkings = []chunking{
	{"one call", func(raw []byte, _ [][]byte) []chunk {
		return wiretest.Split(len(raw), func() int { return len(raw) }, wiretest.SeqPos)
	}},
	{"1-byte calls", func(raw []byte, _ [][]byte) []chunk {
		return wiretest.Split(len(raw), func() int { return 1 }, wiretest.SeqPos)
	}},
	{"random chunks", func(raw []byte, _ [][]byte) []chunk {
		rng := rand.New(rand.NewPCG(uint64(len(raw)), 7))
		return wiretest.Split(len(raw), func() int { return 1 + rng.IntN(3000) }, func(int) stream.Pos {
			return stream.Pos{Packet: rng.IntN(1 << 20), Time: rng.Int64()}
		})
	}},
	{"write by write", func(raw []byte, writes [][]byte) []chunk {
		i := 0
		return wiretest.Split(len(raw), func() int { i++; return len(writes[i-1]) }, wiretest.SeqPos)
	}},
}

// posAt is the Pos of the chunk holding stream offset off.

// checkComplete asserts that the records of a complete, gapless walk tile
// raw exactly and agree with the headers in raw.
func checkComplete(t *testing.T, raw []byte, plan []chunk, w *Walker) {
	t.Helper()
	recs := w.Records()
	if len(recs) == 0 {
		t.Fatal("no records")
	}
	if p := w.Problems(); len(p) > 0 {
		t.Fatalf("problems: %v", p)
	}
	var next int64
	for i, r := range recs {
		if r.Start != next {
			t.Fatalf("record %d starts at %d, previous ended at %d", i, r.Start, next)
		}
		next = r.End
		h := raw[r.Start : r.Start+5]
		if r.Type != ContentType(h[0]) || r.Version != uint16(h[1])<<8|uint16(h[2]) || r.Length != int(h[3])<<8|int(h[4]) {
			t.Fatalf("record %d %+v, header bytes % x", i, r, h)
		}
		if r.Len() != int64(5+r.Length) || r.Truncated {
			t.Fatalf("record %d: range %v for length %d, truncated %v", i, r.Range, r.Length, r.Truncated)
		}
		if want := wiretest.PosAt(plan, r.Start); r.First != want {
			t.Fatalf("record %d at %d: First %+v, want %+v", i, r.Start, r.First, want)
		}
		if want := wiretest.PosAt(plan, r.End-1); r.Last != want {
			t.Fatalf("record %d ending at %d: Last %+v, want %+v", i, r.End, r.Last, want)
		}
	}
	if next != int64(len(raw)) {
		t.Fatalf("records end at %d, stream at %d", next, len(raw))
	}
	st := w.Stats()
	if st.Records != len(recs) || st.Bytes != int64(len(raw)) || st.Truncated != 0 || w.Dropped() != 0 {
		t.Fatalf("stats %+v, dropped %d, for %d records over %d bytes", st, w.Dropped(), len(recs), len(raw))
	}
	sizes := 0
	for _, n := range st.Sizes {
		sizes += n
	}
	if sizes != len(recs) {
		t.Fatalf("Sizes counts %d records, want %d", sizes, len(recs))
	}
}

func walk(raw []byte, plan []chunk, end bool) *Walker {
	w := NewWalker(Limits{})
	wiretest.Feed(w, raw, plan, end)
	return w
}

func TestRealSessions(t *testing.T) {
	for _, tc := range []struct {
		name    string
		cfg     sessionConfig
		version uint16
		retry   bool
	}{
		{"TLS 1.3", sessionConfig{maxVersion: tls.VersionTLS13, n: 100 << 10}, tls.VersionTLS13, false},
		{"TLS 1.2", sessionConfig{maxVersion: tls.VersionTLS12, n: 100 << 10}, tls.VersionTLS12, false},
		{"TLS 1.3 HelloRetryRequest", sessionConfig{maxVersion: tls.VersionTLS13, curves: []tls.CurveID{tls.CurveP256}, n: 10 << 10}, tls.VersionTLS13, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := runTLS(t, tc.cfg)
			if s.state.Version != tc.version {
				t.Fatalf("crypto/tls negotiated 0x%04x", s.state.Version)
			}
			for _, dir := range []struct {
				name   string
				raw    []byte
				writes [][]byte
				client bool
			}{{"client", s.client, s.clientWrites, true}, {"server", s.server, s.serverWrites, false}} {
				if ok, _ := Sniff(dir.raw); !ok {
					t.Fatalf("%s: Sniff rejects % x", dir.name, dir.raw[:5])
				}
				for _, c := range chunkings {
					t.Run(dir.name+"/"+c.name, func(t *testing.T) {
						plan := c.plan(dir.raw, dir.writes)
						w := walk(dir.raw, plan, true)
						checkComplete(t, dir.raw, plan, w)
						checkHellos(t, s, w, dir.client, tc.version, tc.retry)
						if c.name == "write by write" {
							checkWriteBoundaries(t, dir.writes, w.Records())
						}
					})
				}
			}
		})
	}
}

// checkWriteBoundaries: crypto/tls hands the connection whole records, so
// every write boundary is a record boundary. An independent check of the
// framing: the walker never sees the writes.
func checkWriteBoundaries(t *testing.T, writes [][]byte, recs []Record) {
	t.Helper()
	starts := map[int64]bool{}
	for _, r := range recs {
		starts[r.Start] = true
	}
	var off int64
	for i, wr := range writes {
		if !starts[off] {
			t.Fatalf("write %d starts at %d, inside a record", i, off)
		}
		off += int64(len(wr))
	}
}

func checkHellos(t *testing.T, s *session, w *Walker, client bool, version uint16, retry bool) {
	t.Helper()
	ch, sh := w.ClientHello(), w.ServerHello()
	if client {
		if sh != nil || ch == nil {
			t.Fatalf("client direction: ClientHello %+v, ServerHello %+v", ch, sh)
		}
		if ch.SNI != "segscope.test" || ch.SNI != s.hello.ServerName {
			t.Errorf("SNI %q, crypto/tls saw %q", ch.SNI, s.hello.ServerName)
		}
		if !slices.Equal(ch.ALPN, []string{"h2", "http/1.1"}) || !slices.Equal(ch.ALPN, s.hello.SupportedProtos) {
			t.Errorf("ALPN %q, crypto/tls saw %q", ch.ALPN, s.hello.SupportedProtos)
		}
		if !slices.Equal(ch.Versions, s.hello.SupportedVersions) || ch.Versions[0] != version {
			t.Errorf("versions %x, crypto/tls saw %x", ch.Versions, s.hello.SupportedVersions)
		}
		return
	}
	if ch != nil || sh == nil {
		t.Fatalf("server direction: ClientHello %+v, ServerHello %+v", ch, sh)
	}
	wantALPN := ""
	if version == tls.VersionTLS12 {
		wantALPN = "h2" // TLS 1.3 sends it encrypted
	}
	if s.state.NegotiatedProtocol != "h2" {
		t.Fatalf("crypto/tls negotiated ALPN %q", s.state.NegotiatedProtocol)
	}
	if sh.Version != version || sh.Cipher != s.state.CipherSuite || sh.ALPN != wantALPN || sh.HelloRetryRequest != retry {
		t.Errorf("ServerHello %+v; want version 0x%04x cipher 0x%04x ALPN %q retry %v", sh, version, s.state.CipherSuite, wantALPN, retry)
	}
}

// TestGaps places gaps on a real server stream.
func TestGaps(t *testing.T) {
	s := runTLS(t, sessionConfig{maxVersion: tls.VersionTLS13, n: 100 << 10})
	raw := s.server
	full := walk(raw, wiretest.Split(len(raw), func() int { return 1000 }, wiretest.SeqPos), true).Records()
	k := len(full) / 2 // an application data record in the middle
	rk := full[k]
	if rk.Type != ApplicationData || rk.Length < 200 {
		t.Fatalf("record %d is %+v", k, rk)
	}
	gapPos := stream.Pos{Packet: 999, Start: rk.Start + 20}

	t.Run("inside a payload", func(t *testing.T) {
		w := NewWalker(Limits{})
		w.Data(0, raw[:rk.Start+20], stream.Pos{Packet: 1})
		w.Gap(rk.Start+20, 100, gapPos)
		w.Data(rk.Start+120, raw[rk.Start+120:], stream.Pos{Packet: 2, Start: rk.Start + 120})
		w.End(int64(len(raw)))
		recs := w.Records()
		if len(recs) != len(full) || len(w.Problems()) != 0 || w.Stopped() {
			t.Fatalf("%d records (want %d), problems %v", len(recs), len(full), w.Problems())
		}
		for i, r := range recs {
			if r.Range != full[i].Range || r.Length != full[i].Length || r.Truncated != (i == k) {
				t.Fatalf("record %d: %+v, without the gap %+v", i, r, full[i])
			}
		}
		if recs[k].Last.Packet != 2 || recs[k+1].First.Packet != 2 {
			t.Fatalf("Pos around the gap: %+v %+v", recs[k], recs[k+1])
		}
		if w.Stats().Truncated != 1 {
			t.Fatalf("stats %+v", w.Stats())
		}
	})
	t.Run("to the end of a payload", func(t *testing.T) {
		w := NewWalker(Limits{})
		w.Data(0, raw[:rk.Start+20], stream.Pos{Packet: 1})
		w.Gap(rk.Start+20, rk.End-rk.Start-20, gapPos)
		w.Data(rk.End, raw[rk.End:], stream.Pos{Packet: 2, Start: rk.End})
		recs := w.Records()
		if len(recs) != len(full) || !recs[k].Truncated || recs[k].Last != gapPos || len(w.Problems()) != 0 {
			t.Fatalf("%d records, record %d %+v, problems %v", len(recs), k, recs[k], w.Problems())
		}
	})
	t.Run("into the next header", func(t *testing.T) {
		w := NewWalker(Limits{})
		w.Data(0, raw[:rk.Start+20], stream.Pos{Packet: 1})
		w.Gap(rk.Start+20, rk.End-rk.Start-20+2, gapPos)
		w.Data(rk.End+2, raw[rk.End+2:], stream.Pos{Packet: 2, Start: rk.End + 2})
		w.End(int64(len(raw)))
		recs := w.Records()
		if len(recs) != k+1 || !recs[k].Truncated || recs[k].End != rk.End {
			t.Fatalf("%d records (want %d), last %+v", len(recs), k+1, recs[len(recs)-1])
		}
		p := w.Problems()
		if len(p) != 1 || p[0].Offset != rk.End || !strings.Contains(p[0].Reason, "sync lost") || !w.Stopped() {
			t.Fatalf("problems %v, stopped %v", p, w.Stopped())
		}
	})
	t.Run("over a header", func(t *testing.T) {
		w := NewWalker(Limits{})
		w.Data(0, raw[:rk.Start+2], stream.Pos{Packet: 1})
		w.Gap(rk.Start+2, 10, gapPos)
		w.Data(rk.Start+12, raw[rk.Start+12:], stream.Pos{Packet: 2, Start: rk.Start + 12})
		recs := w.Records()
		p := w.Problems()
		if len(recs) != k || len(p) != 1 || p[0].Offset != rk.Start || !w.Stopped() {
			t.Fatalf("%d records (want %d), problems %v", len(recs), k, p)
		}
	})
	t.Run("inside the ClientHello", func(t *testing.T) {
		c := s.client
		w := NewWalker(Limits{})
		w.Data(0, c[:50], stream.Pos{Packet: 1})
		w.Gap(50, 10, stream.Pos{Packet: 2, Start: 50})
		w.Data(60, c[60:], stream.Pos{Packet: 3, Start: 60})
		w.End(int64(len(c)))
		p := w.Problems()
		if w.ClientHello() != nil || len(p) != 1 || p[0].Offset != 0 || w.Stopped() {
			t.Fatalf("ClientHello %+v, problems %v", w.ClientHello(), p)
		}
		if !w.Records()[0].Truncated || w.Records()[len(w.Records())-1].End != int64(len(c)) {
			t.Fatalf("records %+v", w.Records())
		}
	})
}

func TestEnds(t *testing.T) {
	s := runTLS(t, sessionConfig{maxVersion: tls.VersionTLS12, n: 40 << 10})
	raw := s.server
	full := walk(raw, wiretest.Split(len(raw), func() int { return len(raw) }, wiretest.SeqPos), true).Records()
	k := len(full) - 2
	rk := full[k]
	t.Run("inside a payload", func(t *testing.T) {
		cut := rk.Start + 7
		w := walk(raw[:cut], wiretest.Split(int(cut), func() int { return 1400 }, wiretest.SeqPos), true)
		recs := w.Records()
		last := recs[len(recs)-1]
		if len(recs) != k+1 || !last.Truncated || last.Range != (stream.Range{Start: rk.Start, End: cut}) || last.Length != rk.Length || len(w.Problems()) != 0 {
			t.Fatalf("%d records (want %d), last %+v, problems %v", len(recs), k+1, last, w.Problems())
		}
	})
	t.Run("inside a header", func(t *testing.T) {
		cut := rk.Start + 3
		w := walk(raw[:cut], wiretest.Split(int(cut), func() int { return 1400 }, wiretest.SeqPos), true)
		p := w.Problems()
		if len(w.Records()) != k || len(p) != 1 || p[0].Offset != rk.Start {
			t.Fatalf("%d records (want %d), problems %v", len(w.Records()), k, p)
		}
	})
	t.Run("after missing bytes", func(t *testing.T) {
		w := NewWalker(Limits{})
		w.Data(0, raw[:rk.Start+7], stream.Pos{Packet: 1})
		w.End(rk.End) // the last bytes of the record were never delivered
		recs := w.Records()
		if len(recs) != k+1 || !recs[k].Truncated || recs[k].End != rk.End {
			t.Fatalf("%d records, last %+v", len(recs), recs[len(recs)-1])
		}
	})
}

func TestGarbage(t *testing.T) {
	for _, tc := range []struct {
		in     string
		reason string
	}{
		{"GET / HTTP/1.1\r\nHost: segscope.test\r\n\r\n", "record header: content type 0x47 is not TLS"},
		{"\x16\x02\x01\x00\x10", "record header: version 0x0201 is not TLS"},
		{"\x17\x03\x03\x50\x00", "record header: length 20480 is over the 18432 a record may carry"},
	} {
		w := walk([]byte(tc.in), wiretest.Split(len(tc.in), func() int { return 2 }, wiretest.SeqPos), true)
		p := w.Problems()
		if len(p) != 1 || p[0] != (Problem{Offset: 0, Reason: tc.reason}) || len(w.Records()) != 0 || !w.Stopped() {
			t.Errorf("%q: problems %v, records %v", tc.in, p, w.Records())
		}
		if ok, more := Sniff([]byte(tc.in)); ok || more {
			t.Errorf("Sniff(%q) = %v, %v", tc.in, ok, more)
		}
	}
	// Garbage after good records: the offset is that of the bad header.
	good := []byte("\x15\x03\x03\x00\x02\x01\x00")
	in := append(append([]byte(nil), good...), "SSH-2.0-OpenSSH_9.6\r\n"...)
	w := walk(in, wiretest.Split(len(in), func() int { return 3 }, wiretest.SeqPos), true)
	if p := w.Problems(); len(w.Records()) != 1 || len(p) != 1 || p[0].Offset != int64(len(good)) {
		t.Fatalf("records %v, problems %v", w.Records(), p)
	}
}

func TestSniff(t *testing.T) {
	for _, tc := range []struct {
		in           string
		ok, needMore bool
	}{
		{"", false, true},
		{"\x16", false, true},
		{"\x16\x03\x01\x02", false, true},
		{"\x16\x03\x01\x02\x00", true, false},
		{"\x17\x03\x03\x40\x00", true, false},
		{"\x14\x03\x04\x00\x01", true, false},
		{"\x19", false, false},
		{"\x16\x02", false, false},
		{"\x16\x03\x05", false, false},
		{"\x16\x03\x03\x48\x01", false, false},
		{"PRI * HTTP/2.0", false, false},
	} {
		if ok, more := Sniff([]byte(tc.in)); ok != tc.ok || more != tc.needMore {
			t.Errorf("Sniff(%q) = %v, %v; want %v, %v", tc.in, ok, more, tc.ok, tc.needMore)
		}
	}
}

func TestLimits(t *testing.T) {
	s := runTLS(t, sessionConfig{maxVersion: tls.VersionTLS13, n: 50 << 10})
	raw := s.server
	all := walk(raw, wiretest.Split(len(raw), func() int { return 1000 }, wiretest.SeqPos), true)
	w := NewWalker(Limits{MaxRecords: 3})
	wiretest.Feed(w, raw, wiretest.Split(len(raw), func() int { return 1000 }, wiretest.SeqPos), true)
	total := len(all.Records())
	if len(w.Records()) != 3 || w.Dropped() != total-3 || w.Stats().Records != total || w.Stats().Bytes != int64(len(raw)) {
		t.Fatalf("kept %d, dropped %d, stats %+v; %d records in all", len(w.Records()), w.Dropped(), w.Stats(), total)
	}
	if fmt.Sprint(w.Stats().Sizes) != fmt.Sprint(all.Stats().Sizes) {
		t.Fatalf("sizes %v, want %v", w.Stats().Sizes, all.Stats().Sizes)
	}
	if w.ServerHello() == nil {
		t.Fatal("no ServerHello")
	}
}

// TestHelloSpansRecords splits a real ClientHello over records of 7
// bytes each, as a sender may (RFC 8446 allows any fragmentation of
// handshake messages).
func TestHelloSpansRecords(t *testing.T) {
	s := runTLS(t, sessionConfig{maxVersion: tls.VersionTLS13, n: 10})
	first := s.client[:5+(int(s.client[3])<<8|int(s.client[4]))]
	msg := first[5:]
	var in []byte
	for len(msg) > 0 {
		n := min(7, len(msg))
		in = append(in, 22, 3, 1, 0, byte(n))
		in = append(in, msg[:n]...)
		msg = msg[n:]
	}
	w := walk(in, wiretest.Split(len(in), func() int { return 3 }, wiretest.SeqPos), true)
	ch := w.ClientHello()
	if ch == nil || ch.SNI != "segscope.test" || len(w.Problems()) != 0 {
		t.Fatalf("ClientHello %+v, problems %v", ch, w.Problems())
	}
	if want := (len(first) - 5 + 6) / 7; len(w.Records()) != want {
		t.Fatalf("%d records, want %d", len(w.Records()), want)
	}
}

// TestClientRandomSnapCut: a snap length keeps a ClientHello's first
// bytes only (tcpdump -s 200: 134 of its 517); the random, at bytes 11-42
// of the record, is still there and names the connection (a key log's
// lines, a curl trace's dump), though the hello is not read.
func TestClientRandomSnapCut(t *testing.T) {
	s := runTLS(t, sessionConfig{maxVersion: tls.VersionTLS13, n: 10})
	rec := s.client[:5+(int(s.client[3])<<8|int(s.client[4]))]
	var want [32]byte
	copy(want[:], rec[11:43])
	for _, kept := range []int{43, 134, len(rec) - 1} {
		w := NewWalker(Limits{})
		w.Data(0, rec[:kept], stream.Pos{})
		w.Gap(int64(kept), int64(len(rec)-kept), stream.Pos{Packet: 1})
		got, ok := w.ClientRandom()
		if w.ClientHello() != nil || !ok || got != want {
			t.Errorf("%d of %d bytes kept: hello %v, random %x (%v), want %x", kept, len(rec), w.ClientHello(), got[:4], ok, want[:4])
		}
	}
	// One byte short of the random: none.
	w := NewWalker(Limits{})
	w.Data(0, rec[:42], stream.Pos{})
	w.Gap(42, int64(len(rec)-42), stream.Pos{Packet: 1})
	if _, ok := w.ClientRandom(); ok {
		t.Error("a random taken from 31 of its 32 bytes")
	}
	// A whole hello gives the same random through both.
	w = NewWalker(Limits{})
	w.Data(0, rec, stream.Pos{})
	if got, ok := w.ClientRandom(); !ok || got != want || w.ClientHello() == nil || w.ClientHello().Random != want {
		t.Errorf("whole hello: random %x (%v)", got[:4], ok)
	}
}
