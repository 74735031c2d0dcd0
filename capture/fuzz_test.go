package capture

import (
	"bytes"
	"io"
	"os"
	"testing"
)

// FuzzReader feeds arbitrary bytes to the capture reader: it must return
// packets or errors, never panic or loop, and every error must be an
// *Error naming the source.
func FuzzReader(f *testing.F) {
	if b, err := os.ReadFile(realCapture); err == nil {
		f.Add(b[:min(len(b), 4096)])
		ng := toPcapngFuzzSeed(b)
		f.Add(ng)
	}
	f.Add([]byte{0x0a, 0x0d, 0x0d, 0x0a, 0x1c, 0, 0, 0, 0x4d, 0x3c, 0x2b, 0x1a})
	f.Add([]byte{0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 1, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		src, err := NewReader("fuzz", bytes.NewReader(b), int64(len(b)))
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("error %T %v is not a *capture.Error", err, err)
			}
			return
		}
		for i := 0; i < 1<<16; i++ {
			p, err := src.ReadPacket()
			if err == io.EOF {
				return
			}
			if err != nil {
				if _, ok := err.(*Error); !ok {
					t.Fatalf("error %T %v is not a *capture.Error", err, err)
				}
				return
			}
			if len(p.Data) > len(b) {
				t.Fatalf("packet of %d bytes from %d bytes of input", len(p.Data), len(b))
			}
		}
	})
}

// toPcapngFuzzSeed returns a small pcapng seed built from a pcap's first
// packets; nil if the pcap cannot be read.
func toPcapngFuzzSeed(pcap []byte) []byte {
	src, err := NewReader("seed", bytes.NewReader(pcap), 0)
	if err != nil {
		return nil
	}
	var recs []record
	for i := 0; i < 3; i++ {
		p, err := src.ReadPacket()
		if err != nil {
			break
		}
		recs = append(recs, record{append([]byte(nil), p.Data...), p.Timestamp, p.Length, p.LinkType, p.Number})
	}
	if len(recs) == 0 {
		return nil
	}
	return toPcapng(&testing.T{}, recs)
}
