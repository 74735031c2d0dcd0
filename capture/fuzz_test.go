package capture

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"os"
	"testing"
)

// FuzzReader feeds arbitrary bytes to the capture reader: it must return
// packets or errors, never panic or loop, and every error must be an
// *Error naming the source. Key logs from Decryption Secrets Blocks come
// from the input (no more bytes than it has), and a bad block is placed
// inside it. The committed corpus (testdata/fuzz/FuzzReader) has pcapng
// files with such blocks, whole, cut and damaged.
func FuzzReader(f *testing.F) {
	if b, err := os.ReadFile(realCapture); err == nil {
		f.Add(b[:min(len(b), 4096)])
		ng := toPcapngFuzzSeed(b)
		f.Add(ng)
	}
	// A pcapng of two interfaces, written in blocks per interface: read
	// in time order (merge).
	if b, err := gunzipFile("../analyze/testdata/two-interfaces.pcapng.gz"); err == nil {
		f.Add(b[:min(len(b), 8192)])
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
				checkKeyLogs(t, src, b)
				return
			}
			if err != nil {
				if _, ok := err.(*Error); !ok {
					t.Fatalf("error %T %v is not a *capture.Error", err, err)
				}
				var se *SecretsError
				if errors.As(err, &se) && !src.Compressed() && (se.Offset < 0 || se.Offset >= int64(len(b))) {
					t.Fatalf("%v: offset %d outside the %d bytes of input", err, se.Offset, len(b))
				}
				checkKeyLogs(t, src, b)
				return
			}
			checkKeyLogs(t, src, b)
			if len(p.Data) > len(b) {
				t.Fatalf("packet of %d bytes from %d bytes of input", len(p.Data), len(b))
			}
		}
	})
}

// gunzipFile reads a gzip-compressed file whole.
func gunzipFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, err
	}
	return io.ReadAll(zr)
}

// checkKeyLogs fails if src's key logs hold more bytes than its input.
func checkKeyLogs(t *testing.T, src *File, in []byte) {
	n := 0
	for _, l := range src.TLSKeyLogs() {
		n += len(l)
	}
	if n > len(in) && !src.Compressed() {
		t.Fatalf("%d bytes of key logs from %d bytes of input", n, len(in))
	}
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
