package stream

import "testing"

// TestBytesGapsAndLimit: what a consumer hands over, with a gap (a lost
// segment never retransmitted) and a repeat, is held at its offsets; a
// read across the gap is refused, Next skips it, and the limit cuts the
// copy where the call that would pass it begins.
func TestBytesGapsAndLimit(t *testing.T) {
	x := &Bytes{Limit: 20}
	x.Data(0, []byte("GET / HTTP/1.1\r\n")) // 0-16
	x.Data(11, []byte("1.1\r\nHo"))         // repeats 11-16, adds 16-18
	x.Data(25, []byte("st: a\r\n"))         // gap 18-25, then 25-32: past the limit
	if x.Len() != 18 || x.End() != 18 || !x.Truncated || x.TruncatedAt != 25 {
		t.Fatalf("Len %d End %d Truncated %v at %d, want 18, 18, true at 25", x.Len(), x.End(), x.Truncated, x.TruncatedAt)
	}
	x.Data(32, []byte("more")) // after truncation: dropped
	if x.Len() != 18 {
		t.Errorf("Len %d after truncation, want 18", x.Len())
	}
	if b, ok := x.At(Range{4, 18}); !ok || string(b) != "/ HTTP/1.1\r\nHo" {
		t.Errorf("At(4-18) = %q, %v", b, ok)
	}
	if _, ok := x.At(Range{17, 19}); ok {
		t.Error("At(17-19) ok across the end of what was captured")
	}
	if b := x.From(16); string(b) != "Ho" {
		t.Errorf("From(16) = %q, want \"Ho\"", b)
	}

	y := &Bytes{}
	y.Data(0, []byte("abc"))
	y.Data(10, []byte("klm"))
	for _, c := range []struct {
		off, want int64
		ok        bool
	}{{0, 0, true}, {2, 2, true}, {3, 10, true}, {9, 10, true}, {12, 12, true}, {13, 0, false}} {
		if got, ok := y.Next(c.off); got != c.want || ok != c.ok {
			t.Errorf("Next(%d) = %d, %v; want %d, %v", c.off, got, ok, c.want, c.ok)
		}
	}
	if y.Captured(Range{2, 11}) || !y.Captured(Range{10, 13}) || !y.Captured(Range{5, 5}) {
		t.Error("Captured: a range across the gap must be false, one inside a run true")
	}
	if b := y.From(5); b != nil {
		t.Errorf("From(5) in the gap = %q, want nil", b)
	}
}
