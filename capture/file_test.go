package capture

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// realCapture is a loopback capture made by tcpdump (see pcaps/README.md).
const realCapture = "../pcaps/lo-http.pcap"

type record struct {
	data   []byte
	ts     time.Time
	length int
	lt     layers.LinkType
	number int
}

// readAll copies every packet of src.
func readAll(src Source) ([]record, error) {
	var out []record
	for {
		p, err := src.ReadPacket()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, record{append([]byte(nil), p.Data...), p.Timestamp, p.Length, p.LinkType, p.Number})
	}
}

func mustRead(t *testing.T, name string, b []byte) []record {
	t.Helper()
	src, err := NewReader(name, bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	recs, err := readAll(src)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return recs
}

func samePackets(t *testing.T, name string, got, want []record) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d packets, want %d", name, len(got), len(want))
	}
	for i := range want {
		g, w := got[i], want[i]
		if !bytes.Equal(g.data, w.data) || !g.ts.Equal(w.ts) || g.length != w.length || g.lt != w.lt || g.number != i+1 {
			t.Fatalf("%s: packet %d differs: len %d/%d ts %v/%v linktype %v/%v number %d", name, i+1, len(g.data), len(w.data), g.ts, w.ts, g.lt, w.lt, g.number)
		}
	}
}

// swapPcap rewrites a little-endian microsecond pcap as big-endian, and
// optionally with nanosecond timestamps, record by record.
func swapPcap(t *testing.T, in []byte, nano bool) []byte {
	t.Helper()
	le, be := binary.LittleEndian, binary.BigEndian
	if le.Uint32(in) != 0xa1b2c3d4 {
		t.Fatalf("not a little-endian microsecond pcap")
	}
	out := make([]byte, 0, len(in))
	hdr := make([]byte, 24)
	magic := uint32(0xa1b2c3d4)
	if nano {
		magic = 0xa1b23c4d
	}
	be.PutUint32(hdr[0:], magic)
	be.PutUint16(hdr[4:], le.Uint16(in[4:]))
	be.PutUint16(hdr[6:], le.Uint16(in[6:]))
	be.PutUint32(hdr[16:], le.Uint32(in[16:]))
	be.PutUint32(hdr[20:], le.Uint32(in[20:]))
	out = append(out, hdr...)
	for off := 24; off < len(in); {
		rec := make([]byte, 16)
		frac := le.Uint32(in[off+4:])
		if nano {
			frac *= 1000
		}
		be.PutUint32(rec[0:], le.Uint32(in[off:]))
		be.PutUint32(rec[4:], frac)
		incl := le.Uint32(in[off+8:])
		be.PutUint32(rec[8:], incl)
		be.PutUint32(rec[12:], le.Uint32(in[off+12:]))
		out = append(out, rec...)
		out = append(out, in[off+16:off+16+int(incl)]...)
		off += 16 + int(incl)
	}
	return out
}

func toPcapng(t *testing.T, recs []record) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := pcapgo.NewNgWriter(&buf, recs[0].lt)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		ci := gopacket.CaptureInfo{Timestamp: r.ts, CaptureLength: len(r.data), Length: r.length}
		if err := w.WritePacket(ci, r.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func gz(t *testing.T, b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestFormatsYieldTheSamePackets(t *testing.T) {
	orig, err := os.ReadFile(realCapture)
	if err != nil {
		t.Fatal(err)
	}
	want := mustRead(t, "original", orig)
	if len(want) < 10 || want[0].lt != layers.LinkTypeEthernet {
		t.Fatalf("original: %d packets, link type %v", len(want), want[0].lt)
	}
	ng := toPcapng(t, want)
	for name, b := range map[string][]byte{
		"big-endian":            swapPcap(t, orig, false),
		"big-endian nanosecond": swapPcap(t, orig, true),
		"gzip pcap":             gz(t, orig),
		"pcapng":                ng,
		"gzip pcapng":           gz(t, ng),
	} {
		samePackets(t, name, mustRead(t, name, b), want)
	}
}

func TestOpenFileAndProgress(t *testing.T) {
	src, err := Open(realCapture)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	if src.Format() != FormatPcap || src.Compressed() || src.Name() != realCapture {
		t.Errorf("format %v compressed %v name %q", src.Format(), src.Compressed(), src.Name())
	}
	if _, err := readAll(src); err != nil {
		t.Fatal(err)
	}
	st, _ := os.Stat(realCapture)
	if read, total := src.Progress(); read != st.Size() || total != st.Size() {
		t.Errorf("progress = %d of %d, want %d of %d", read, total, st.Size(), st.Size())
	}
}

func TestTruncatedCaptureKeepsWhatWasRead(t *testing.T) {
	orig, err := os.ReadFile(realCapture)
	if err != nil {
		t.Fatal(err)
	}
	all := mustRead(t, "original", orig)
	// Cut 10 bytes into the data of the 6th packet.
	off := 24
	for i := 0; i < 5; i++ {
		off += 16 + int(binary.LittleEndian.Uint32(orig[off+8:]))
	}
	cut := off + 16 + 10
	for name, b := range map[string][]byte{"cut.pcap": orig[:cut], "cut.pcap.gz": gz(t, orig[:cut]), "cut-header.pcap": orig[:off+7]} {
		src, err := NewReader(name, bytes.NewReader(b), int64(len(b)))
		if err != nil {
			t.Fatal(err)
		}
		got, err := readAll(src)
		samePackets(t, name, got, all[:5])
		var ce *Error
		if !errors.Is(err, ErrTruncated) || !errors.As(err, &ce) || ce.Packet != 6 || ce.Source != name {
			t.Fatalf("%s: err = %v, want ErrTruncated at packet 6", name, err)
		}
		// Where: the record's byte (review 32), and a gzip'd file's cut
		// is named as the gzip stream's.
		want := fmt.Sprintf("reading %s: packet 6 (its record at byte %d): capture ends in the middle of a packet", name, off)
		if strings.HasSuffix(name, ".gz") {
			want = fmt.Sprintf("reading %s: packet 6 (its record at byte %d): the gzip stream ends early: capture ends in the middle of a packet", name, off)
		}
		if !strings.HasPrefix(err.Error(), want) {
			t.Errorf("message %q does not start with %q", err, want)
		}
		// The error sticks: the source does not go on past the cut.
		if _, again := src.ReadPacket(); again != err {
			t.Errorf("second read after the cut: %v", again)
		}
	}
}

func TestBadInputErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	cases := []struct {
		path string
		want string
	}{
		{filepath.Join(dir, "missing.pcap"), "missing.pcap: cannot open: no such file or directory"},
		{write("empty.pcap", nil), "empty.pcap: empty file: not a capture"},
		{write("page.html", []byte("<!DOCTYPE html><html>")), `page.html: not a pcap or pcapng capture: it starts with bytes 3c 21 44 4f ("<!DO")`},
		{write("t.trace", []byte("12:34:56.789012 == Info:   Trying 127.0.0.1:8080...\n")), `t.trace: not a pcap or pcapng capture: it starts with bytes 31 32 3a 33 ("12:3"): it looks like a curl trace, which explain and report read with --trace TRACE`},
		{write("short.pcap", []byte{0xd4, 0xc3}), "short.pcap: only 2 bytes: too short to be a capture"},
		{write("header.pcap", []byte{0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0}), "header.pcap: pcap header: file ends inside the capture file header"},
		{write("bad.gz", []byte{0x1f, 0x8b, 0, 0}), "bad.gz: gzip header:"},
	}
	for _, tc := range cases {
		_, err := Open(tc.path)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "reading ") {
			t.Errorf("Open(%s) = %v, want an error containing %q", filepath.Base(tc.path), err, tc.want)
		}
	}
}

func TestMixedLinkTypesInPcapng(t *testing.T) {
	var buf bytes.Buffer
	w, err := pcapgo.NewNgWriterInterface(&buf, pcapgo.NgInterface{Name: "lo", LinkType: layers.LinkTypeEthernet, SnapLength: 262144}, pcapgo.DefaultNgWriterOptions)
	if err != nil {
		t.Fatal(err)
	}
	any, err := w.AddInterface(pcapgo.NgInterface{Name: "any", LinkType: layers.LinkTypeLinuxSLL2, SnapLength: 262144})
	if err != nil {
		t.Fatal(err)
	}
	ts := time.Unix(1700000000, 5000).UTC()
	w.WritePacket(gopacket.CaptureInfo{Timestamp: ts, CaptureLength: 3, Length: 3, InterfaceIndex: 0}, []byte{1, 2, 3})
	w.WritePacket(gopacket.CaptureInfo{Timestamp: ts, CaptureLength: 2, Length: 9, InterfaceIndex: any}, []byte{4, 5})
	w.Flush()
	recs := mustRead(t, "mixed", buf.Bytes())
	if len(recs) != 2 || recs[0].lt != layers.LinkTypeEthernet || recs[1].lt != layers.LinkTypeLinuxSLL2 || recs[1].length != 9 {
		t.Fatalf("records = %+v", recs)
	}
}

// TestPcapngCorruptBlockLength: a block header in the middle of a real
// pcapng whose length field is garbage (as a field test made: 0x7ffffff0)
// is named as corruption at its byte offset, not as a file cut short;
// the packets before it are kept.
func TestPcapngCorruptBlockLength(t *testing.T) {
	b, err := os.ReadFile("../pcaps/ipv6-mtu1460.pcapng")
	if err != nil {
		t.Fatal(err)
	}
	// Walk the blocks (little-endian file) to the 20th enhanced packet.
	off, epbs := 0, 0
	for off+8 <= len(b) {
		typ, length := binary.LittleEndian.Uint32(b[off:]), int(binary.LittleEndian.Uint32(b[off+4:]))
		if typ == 6 {
			if epbs++; epbs == 20 {
				break
			}
		}
		off += length
	}
	if epbs != 20 {
		t.Fatalf("only %d packet blocks", epbs)
	}
	bad := append([]byte(nil), b...)
	binary.LittleEndian.PutUint32(bad[off+4:], 0x7ffffff0)
	src, err := NewReader("bad.pcapng", bytes.NewReader(bad), int64(len(bad)))
	if err != nil {
		t.Fatal(err)
	}
	recs, err := readAll(src)
	want := fmt.Sprintf("pcapng block at byte %d declares a length of 2147483632 bytes", off)
	if len(recs) != 19 || err == nil || !strings.Contains(err.Error(), want) || errors.Is(err, ErrTruncated) {
		t.Errorf("%d packets, error %v; want 19 and %q", len(recs), err, want)
	}
}

// TestOpenDirectory: a directory given as a capture is named as one.
func TestOpenDirectory(t *testing.T) {
	dir := t.TempDir()
	_, err := Open(dir)
	if err == nil || err.Error() != "reading "+dir+": is a directory, not a capture file" {
		t.Errorf("Open(directory): %v", err)
	}
}

// TestMergeInterfaces: a pcapng of two interfaces written in blocks per
// interface (dumpcap on a router's two sides: 6, 295, 366 and 137 frames
// by interface) comes back in time order, every frame once, each with its
// place in the file; a copy of the file cut short gives the frames before
// the cut, then the error.
func TestMergeInterfaces(t *testing.T) {
	const path = "../explain/testdata/field/router-two-sides.pcapng.gz"
	read := func(src Source) ([]Packet, error) {
		var out []Packet
		for {
			p, err := src.ReadPacket()
			if err != nil {
				if errors.Is(err, io.EOF) {
					err = nil
				}
				return out, err
			}
			p.Data = append([]byte(nil), p.Data...)
			out = append(out, p)
		}
	}
	src, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	ps, err := read(src)
	src.Close()
	if err != nil || len(ps) != 804 {
		t.Fatalf("%d frames, %v; tshark counts 804", len(ps), err)
	}
	seen := make([]bool, len(ps)+1)
	for i, p := range ps {
		if i > 0 && p.Timestamp.Before(ps[i-1].Timestamp) {
			t.Fatalf("frame %d (file %d) at %v before frame %d's %v", i+1, p.Number, p.Timestamp, ps[i-1].Number, ps[i-1].Timestamp)
		}
		if p.Number < 1 || p.Number > len(ps) || seen[p.Number] || p.Interfaces != 2 {
			t.Fatalf("frame number %d (interfaces %d) twice or out of range", p.Number, p.Interfaces)
		}
		seen[p.Number] = true
	}
	moved := 0
	for i, p := range ps {
		if p.Number != i+1 {
			moved++
		}
	}
	if moved == 0 {
		t.Error("every frame in file order: the test file is not out of order")
	}

	// Cut inside the last frames: what came before is read, then the cut.
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(zr)
	cut, err := NewReader("cut", bytes.NewReader(raw[:len(raw)*9/10]), 0)
	if err != nil {
		t.Fatal(err)
	}
	got, err := read(cut)
	if !errors.Is(err, ErrTruncated) || len(got) < 700 || len(got) >= 804 {
		t.Errorf("cut file: %d frames, %v", len(got), err)
	}
}

// TestPcapngDamagedNotCut: a pcapng packet block whose header declares
// less than its packet needs, in the middle of the file, is damage, not a
// cut (review 21: "capture ends in the middle of a packet (file cut
// short?)"); a file that ends inside a block is a cut.
func TestPcapngDamagedNotCut(t *testing.T) {
	b, err := os.ReadFile("../pcaps/ipv6-mtu1460.pcapng")
	if err != nil {
		t.Fatal(err)
	}
	// The 20th block (an Enhanced Packet Block of 1508 bytes): its
	// header's length made 64, less than its captured length needs.
	off := 0
	for range 19 {
		off += int(binary.LittleEndian.Uint32(b[off+4:]))
	}
	n := int(binary.LittleEndian.Uint32(b[off+4:]))
	bad := bytes.Clone(b)
	binary.LittleEndian.PutUint32(bad[off+4:], 64)
	dir := t.TempDir()
	read := func(data []byte) error {
		p := filepath.Join(dir, "f.pcapng")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		src, err := Open(p)
		if err != nil {
			t.Fatal(err)
		}
		defer src.Close()
		for {
			if _, err := src.ReadPacket(); err != nil {
				return err
			}
		}
	}
	if err := read(bad); errors.Is(err, ErrTruncated) || err == io.EOF || !strings.Contains(err.Error(), "not cut short") {
		t.Errorf("damaged block: %v", err)
	}
	// A length no block can have (review 32: 13, and the error named the
	// garbage 13 bytes on): named at its own byte.
	for _, c := range []struct {
		length uint32
		why    string
	}{{13, "not a multiple of 4"}, {16, "less than such a block's 32"}} {
		bad := bytes.Clone(b)
		binary.LittleEndian.PutUint32(bad[off+4:], c.length)
		want := fmt.Sprintf("pcapng block at byte %d (type 0x6) declares a length of %d bytes: %s, so the file is corrupt there", off, c.length, c.why)
		if err := read(bad); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("length %d: %v, want %q", c.length, err, want)
		}
	}
	// Review 21's: the header of the block at byte 6824 says 124 bytes,
	// its trailer 120 (NgReader then reads across the next block).
	dmg, err := os.ReadFile("testdata/damaged-block.pcapng")
	if err != nil {
		t.Fatal(err)
	}
	if err := read(dmg); errors.Is(err, ErrTruncated) || err == io.EOF || !strings.Contains(err.Error(), "is damaged") {
		t.Errorf("review 21's damaged block: %v", err)
	}
	// Cut inside a block: named at the block's byte (review 40: no
	// byte was named, where a cut pcap names its record's).
	want := fmt.Sprintf("the pcapng block at byte %d declares %d bytes, past the file's end at byte %d", off, n, off+n/2)
	if err := read(b[:off+n/2]); !errors.Is(err, ErrTruncated) || !strings.Contains(err.Error(), want) {
		t.Errorf("cut inside a block: %v, want %q", err, want)
	}
}
