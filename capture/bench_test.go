package capture

import (
	"bufio"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/gopacket/gopacket/pcapgo"

	"github.com/segscope/segscope/internal/synth"
)

// BenchmarkRead reads a 1448-byte-segment capture of about 110 MB from the
// page cache: parsed in place in the 1 MiB buffer (Open), and with pcapgo
// over the same buffer as before. b.SetBytes makes the figures MB/s.
func BenchmarkRead(b *testing.B) {
	data, _, err := synth.Bytes(synth.Config{Connections: 100, ResponseBytes: 1 << 20, Timestamps: true, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(b.TempDir(), "bench.pcap")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		b.Fatal(err)
	}
	drain := func(b *testing.B, src Source) {
		for {
			_, err := src.ReadPacket()
			if err == io.EOF {
				return
			}
			if err != nil {
				b.Fatal(err)
			}
		}
	}
	b.Run("inplace", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			src, err := Open(path)
			if err != nil {
				b.Fatal(err)
			}
			drain(b, src)
			src.Close()
		}
	})
	b.Run("pcapgo", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			f, _ := os.Open(path)
			r, err := pcapgo.NewReader(bufio.NewReaderSize(f, readBufferSize))
			if err != nil {
				b.Fatal(err)
			}
			for {
				if _, _, err := r.ZeroCopyReadPacketData(); err != nil {
					break
				}
			}
			f.Close()
		}
	})
}
