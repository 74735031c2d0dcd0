package curltrace

import (
	"bytes"
	"errors"
	"os"
	"testing"
)

// FuzzParse: Parse never panics, always returns a Trace, and what it
// returns is consistent: no event holds more data than its size,
// EventConn has one valid index (or -1) per event, a nil error means
// every dump was complete, and every error is a *ParseError or wraps
// ErrTruncated.
func FuzzParse(f *testing.F) {
	for _, file := range realTraces(f) {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b[:min(len(b), 4096)])
	}
	for _, file := range ourTraces(f) {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b[:min(len(b), 4096)])
	}
	for _, s := range []string{
		sample788hex, sample821, sample8x, sample817,
		"*   Trying 127.0.0.1:8080...\n> GET / HTTP/1.1\n",
		"<= Recv data, 65540 bytes (0x10004)\n0000: " + string(bytes.Repeat([]byte("x"), 64)) + "\n10000: abcd\n",
		"<= Recv data, 12 bytes (0xc)\n0000: hel",
		"== Info: x\n\n",
		"",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		Sniff(data)
		tr, err := Parse(bytes.NewReader(data), "fuzz")
		checkInvariants(t, tr)
		var pe *ParseError
		switch {
		case err == nil:
			for _, e := range tr.Events {
				if e.Kind == Info {
					continue
				}
				// Complete dumps; only curl#18755 leaves Data short of
				// Size, then marked as cut.
				if len(e.Data) != e.HeaderSize-e.Inflated || e.Cut == NotCut && len(e.Data) != e.Size {
					t.Fatalf("line %d: %d bytes, size %d (header %d, inflated %d, %v) without an error", e.Line, len(e.Data), e.Size, e.HeaderSize, e.Inflated, e.Cut)
				}
			}
		case errors.As(err, &pe):
			if pe.Line < 1 || len(pe.Text) > 80 || pe.Reason == "" {
				t.Fatalf("bad ParseError %+v", pe)
			}
			_ = pe.Error()
		case errors.Is(err, ErrTruncated):
		case errors.Is(err, ErrEmpty):
			if len(data) != 0 {
				t.Fatalf("%d bytes called empty", len(data))
			}
		default:
			t.Fatalf("unexpected error %v", err)
		}
	})
}

// FuzzDumpRoundTrip: any data dumped the way curl dumps it, in both
// formats, parses back to the data (hex) or its --trace-ascii view.
func FuzzDumpRoundTrip(f *testing.F) {
	for _, s := range []string{"", "\r\n", "a\r\nb", "\x00\x7f\x80\xff", "hello world\n",
		string(bytes.Repeat([]byte("x"), 63)) + "\r\n", string(bytes.Repeat([]byte("0123456789abcdef"), 9)) + "\r\n\r\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		roundTrip(t, data)
	})
}

// TestEmptyTrace: a file with nothing in it is named and called empty,
// not "no Recv data events" (a field test passed an empty file).
func TestEmptyTrace(t *testing.T) {
	_, err := Parse(bytes.NewReader(nil), "out.txt")
	if !errors.Is(err, ErrEmpty) || err.Error() != "out.txt: empty file: not a curl trace (curl --trace FILE writes one)" {
		t.Errorf("empty trace: %v", err)
	}
	if _, err := Parse(bytes.NewReader([]byte("\n")), "nl.txt"); errors.Is(err, ErrEmpty) {
		t.Errorf("a blank line is not an empty file: %v", err)
	}
}
