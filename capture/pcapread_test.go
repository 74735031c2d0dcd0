package capture

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/pcapgo"
)

// pcapgoRecords reads b with pcapgo, the reference.
func pcapgoRecords(t *testing.T, b []byte) ([]record, error) {
	t.Helper()
	r, err := pcapgo.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	var out []record
	for n := 1; ; n++ {
		data, ci, err := r.ReadPacketData()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, record{data, ci.Timestamp, ci.Length, r.LinkType(), n})
	}
}

// TestPcapInPlaceMatchesPcapgo: every uncompressed pcap in pcaps/, and
// each cut short at several places, reads the same through Open, through
// NewReader and with pcapgo: the same packets, and an
// ErrTruncated where pcapgo meets an unexpected end.
func TestPcapInPlaceMatchesPcapgo(t *testing.T) {
	files, _ := filepath.Glob("../pcaps/*.pcap")
	if len(files) < 5 {
		t.Fatalf("only %d pcap files", len(files))
	}
	dir := t.TempDir()
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, cut := range []int{len(b), len(b) - 1, len(b) - 20, len(b) / 2, 40} {
			if cut < 24 || cut > len(b) {
				continue
			}
			in := b[:cut]
			want, wantErr := pcapgoRecords(t, in)
			path := filepath.Join(dir, "cut.pcap")
			if err := os.WriteFile(path, in, 0o644); err != nil {
				t.Fatal(err)
			}
			name := fmt.Sprintf("%s cut at %d", filepath.Base(f), cut)
			var gotErr error
			for _, inline := range []bool{false, true} {
				opened, err := Open(path)
				if err != nil {
					t.Fatal(err)
				}
				opened.pcap.inline = inline // as on one core, or on several
				got, err := readAll(opened)
				opened.Close()
				samePackets(t, fmt.Sprintf("%s (Open, inline %v)", name, inline), got, want)
				if inline && (err == nil) != (gotErr == nil) {
					t.Errorf("%s: inline read ends with %v, read ahead with %v", name, err, gotErr)
				}
				gotErr = err
			}
			src, err := NewReader("buf", bytes.NewReader(in), int64(len(in)))
			if err != nil {
				t.Fatal(err)
			}
			got2, gotErr2 := readAll(src)
			samePackets(t, name+" (buffered)", got2, want)
			consumed := 24
			for _, r := range want {
				consumed += 16 + len(r.data)
			}
			if wantErr == nil && cut-consumed == 16 {
				// pcapgo takes a record header with no data after it for
				// the end of the file (io.ReadFull's io.EOF); it is a cut.
				wantErr = io.ErrUnexpectedEOF
			}
			for _, e := range []error{gotErr, gotErr2} {
				switch {
				case wantErr == nil && e != nil:
					t.Errorf("%s: %v, pcapgo reads to the end", name, e)
				case errors.Is(wantErr, io.ErrUnexpectedEOF) && !errors.Is(e, ErrTruncated):
					t.Errorf("%s: %v, want ErrTruncated (pcapgo: %v)", name, e, wantErr)
				}
			}
		}
	}
}

// TestPcapLargeRecord: a record larger than the read buffer is copied
// whole.
func TestPcapLargeRecord(t *testing.T) {
	var buf bytes.Buffer
	w := pcapgo.NewWriter(&buf)
	w.WriteFileHeader(4<<20, 1)
	big := bytes.Repeat([]byte{7}, 3<<20)
	if err := w.WritePacket(ciOf(len(big)), big); err != nil {
		t.Fatal(err)
	}
	w.WritePacket(ciOf(60), big[:60])
	recs := mustRead(t, "big", buf.Bytes())
	if len(recs) != 2 || !bytes.Equal(recs[0].data, big) || len(recs[1].data) != 60 {
		t.Fatalf("%d records", len(recs))
	}
	// The same through one chunk read inline, reused for every read, as
	// on one core: past the first 1 MiB buffered, by raw read(2) calls,
	// which the progress count sees.
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	path := filepath.Join(t.TempDir(), "big.pcap")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if !f.pcap.inline {
		t.Fatal("one core: not read inline")
	}
	recs, err = readAll(f)
	if err != nil || len(recs) != 2 || !bytes.Equal(recs[0].data, big) || len(recs[1].data) != 60 {
		t.Fatalf("inline: %d records, %v", len(recs), err)
	}
	if read, total := f.Progress(); read != int64(buf.Len()) || total != read {
		t.Errorf("inline: progress %d of %d, want %d of %d", read, total, buf.Len(), buf.Len())
	}
}

func ciOf(n int) gopacket.CaptureInfo {
	return gopacket.CaptureInfo{Timestamp: time.Unix(1, 0), CaptureLength: n, Length: n}
}
