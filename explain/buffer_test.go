package explain

import "testing"

// The first read of a body can fill curl's buffer together with the
// header curl logged apart just before it: N + header == buffer.
func TestBufferFilledWithHeader(t *testing.T) {
	r := &Result{Buffer: &BufferFact{Source: FromTrace, Size: 102400, Kind: BufferCurlTool}}
	for _, tc := range []struct {
		size, header int
		filled       bool
		withHeader   int
	}{
		{102400, 0, true, 0},
		{102196, 204, true, 204},
		{102195, 204, false, 0},
		{102196, 0, false, 0},
	} {
		ev := &Event{Size: tc.size}
		if tc.header > 0 {
			ev.Facts.Header = &HeaderFact{Source: FromTrace, Bytes: tc.header}
		}
		r.bufferFacts(ev)
		b := ev.Facts.Buffer
		if (b != nil && b.Filled) != tc.filled || (b != nil && b.HeaderBytes != tc.withHeader) {
			t.Errorf("N %d after %d header bytes: %+v", tc.size, tc.header, b)
		}
	}
}
