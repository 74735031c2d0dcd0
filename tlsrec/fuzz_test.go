package tlsrec

import (
	"github.com/segscope/segscope/internal/wiretest"

	"crypto/tls"
	"strings"
	"testing"

	"github.com/segscope/segscope/stream"
)

func FuzzWalker(f *testing.F) {
	// Small seeds: the fuzzer minimizes every new input it finds, and
	// minimizing a large one takes its whole minimize time. The server's
	// certificate flight is cut: its records are walked, not read.
	cut := func(b []byte) []byte { return b[:min(len(b), 2500)] }
	s := runTLS(f, sessionConfig{maxVersion: tls.VersionTLS13, n: 100})
	f.Add(cut(s.client), []byte{4, 0xC3, 200, 17}, true)
	f.Add(cut(s.server), []byte{0, 1, 2, 3, 190, 0xC1, 100}, true)
	s = runTLS(f, sessionConfig{maxVersion: tls.VersionTLS12, n: 100})
	f.Add(cut(s.client), []byte{}, false)
	f.Add(cut(s.server), []byte{5, 5, 5, 5, 5}, true)
	f.Add([]byte("\x16\x03\x01\x00\x04\x01\x00\x00\x00\x17\x03\x03\x00\x00"), []byte{2, 2}, true)
	f.Add([]byte("GET / HTTP/1.1\r\n"), []byte{1}, true)
	f.Fuzz(func(t *testing.T, data []byte, planBytes []byte, end bool) {
		plan := wiretest.FuzzPlan(len(data), planBytes)
		w := NewWalker(Limits{MaxRecords: 50})
		wiretest.Feed(w, data, plan, end)
		total := int64(len(data))
		recs := w.Records()
		gaps := false
		for _, c := range plan {
			gaps = gaps || c.Gap
		}

		var next, bytes int64
		for i, r := range recs {
			resumed := r.Resync && r.Start > next && gaps // a gap lost sync, a header picked it up
			if (r.Start != next && !resumed) || r.End < r.Start || r.End > total {
				t.Fatalf("record %d %v: previous ended at %d, stream is %d bytes", i, r.Range, next, total)
			}
			next = r.End
			bytes += r.Len()
			if full := int64(5 + r.Length); r.Len() > full || (r.Len() < full && !(end && r.Truncated && i == len(recs)-1 && w.Dropped() == 0)) {
				t.Fatalf("record %d: %v for length %d (truncated %v)", i, r.Range, r.Length, r.Truncated)
			}
			if r.Truncated && !gaps && !(end && r.End == total) {
				t.Fatalf("record %d truncated without gap or end", i)
			}
			if !wiretest.Holds(plan, r.First, r.Start) || !wiretest.Holds(plan, r.Last, r.End-1) {
				t.Fatalf("record %d %v: First %+v Last %+v", i, r.Range, r.First, r.Last)
			}
		}
		st := w.Stats()
		if st.Records != len(recs)+w.Dropped() || (w.Dropped() == 0 && st.Bytes != bytes) || st.Bytes > total || (st.Resyncs > 0 && !gaps) {
			t.Fatalf("stats %+v, %d kept, %d dropped, %d bytes", st, len(recs), w.Dropped(), bytes)
		}
		for _, p := range w.Problems() {
			if p.Offset < 0 || p.Offset > total {
				t.Fatalf("problem %v outside the stream", p)
			}
		}
		// An ended walk that never lost sync covers the whole stream, or
		// stops at a header the stream ends inside. One that lost it and
		// picked it up again on a later header (Resyncs) did not walk the
		// bytes between.
		if end && !w.Stopped() && st.Resyncs == 0 && w.Dropped() == 0 && st.Bytes != total {
			p := w.Problems()
			found := false
			for _, q := range p {
				found = found || q.Offset == st.Bytes && strings.Contains(q.Reason, "inside a record header")
			}
			if !found {
				t.Fatalf("walk covers %d of %d bytes; problems %v", st.Bytes, total, p)
			}
		}
		// Without gaps, chunking does not matter.
		if !gaps {
			one := NewWalker(Limits{MaxRecords: 50})
			one.Data(0, data, stream.Pos{})
			if end {
				one.End(total)
			}
			a, b := one.Records(), recs
			if len(a) != len(b) || one.Stats().Records != st.Records || len(one.Problems()) != len(w.Problems()) {
				t.Fatalf("one call: %d records, %d problems; chunked: %d, %d", len(a), len(one.Problems()), len(b), len(w.Problems()))
			}
			for i := range a {
				a[i].First, a[i].Last = stream.Pos{}, stream.Pos{}
				c := b[i]
				c.First, c.Last = stream.Pos{}, stream.Pos{}
				if a[i] != c {
					t.Fatalf("record %d: one call %+v, chunked %+v", i, a[i], c)
				}
			}
			if (one.ClientHello() == nil) != (w.ClientHello() == nil) || (one.ServerHello() == nil) != (w.ServerHello() == nil) {
				t.Fatal("hellos depend on chunking")
			}
		}
	})
}
