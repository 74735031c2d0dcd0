package curltrace

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkParseASCII parses pcaps/lo-http.trace: 1.1 MB of --trace-ascii
// for a 1 MB download (16430 lines).
func BenchmarkParseASCII(b *testing.B) { benchParse(b, "lo-http.trace") }

// BenchmarkParseHex parses pcaps/lo-methods.trace: 0.7 MB of --trace (hex)
// for 150 KB sent and 50 KB received.
func BenchmarkParseHex(b *testing.B) { benchParse(b, "lo-methods.trace") }

func benchParse(b *testing.B, name string) {
	raw, err := os.ReadFile(filepath.Join(pcaps, name))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(bytes.NewReader(raw), name); err != nil {
			b.Fatal(err)
		}
	}
}
