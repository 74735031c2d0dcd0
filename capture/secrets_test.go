package capture

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"

	"github.com/segscope/segscope/keylog"
)

const (
	// dsbCapture is pcaps/https-h2.pcap.gz as pcapng with pcaps/https-h2.keys
	// injected by editcap (testdata/make-dsb.sh).
	dsbCapture = "testdata/https-h2-dsb.pcapng"
	// dsbFrames is the number of frames `tshark -r` lists in dsbCapture.
	dsbFrames = 126
	h2Keys    = "../pcaps/https-h2.keys"
	h2Random  = "167c38a61251c629c8c916eff8fd048f6be03220ff060ba46cda236cc0379cef"
)

func mustReadFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestTLSKeyLogsFromEditcap reads the secrets editcap --inject-secrets
// wrote, before the first packet, and the same packets as the pcap.
func TestTLSKeyLogsFromEditcap(t *testing.T) {
	keys := mustReadFile(t, h2Keys)
	src, err := Open(dsbCapture)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	if _, err := src.ReadPacket(); err != nil {
		t.Fatal(err)
	}
	logs := src.TLSKeyLogs()
	if len(logs) != 1 || !bytes.Equal(logs[0], keys) {
		t.Fatalf("after packet 1: %d key logs, want exactly the text of %s:\n%q", len(logs), h2Keys, logs)
	}
	rest, err := readAll(src)
	if err != nil {
		t.Fatal(err)
	}
	if n := 1 + len(rest); n != dsbFrames {
		t.Errorf("%d packets, tshark lists %d", n, dsbFrames)
	}
	if n, out, ok := tsharkFrames(t, dsbCapture); ok && n != dsbFrames {
		t.Errorf("tshark now counts %d frames, the test says %d:\n%s", n, dsbFrames, out)
	}
	if len(src.TLSKeyLogs()) != 1 {
		t.Errorf("%d key logs at the end", len(src.TLSKeyLogs()))
	}

	// The packets are those of the pcap it was made from.
	pcap, err := Open("../pcaps/https-h2.pcap.gz")
	if err != nil {
		t.Fatal(err)
	}
	defer pcap.Close()
	want, err := readAll(pcap)
	if err != nil {
		t.Fatal(err)
	}
	again, err := Open(dsbCapture)
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	got, err := readAll(again)
	if err != nil {
		t.Fatal(err)
	}
	samePackets(t, dsbCapture, got, want)
	if pcap.TLSKeyLogs() != nil {
		t.Error("a pcap file has key logs")
	}

	// What package analyze will do with it: the connection's secrets.
	var store keylog.Store
	for _, l := range src.TLSKeyLogs() {
		if err := store.Parse(src.Name(), bytes.NewReader(l)); err != nil {
			t.Fatal(err)
		}
	}
	r, _ := keylog.ParseRandom(h2Random)
	if sec, ok := store.Lookup(r); !ok || !sec.TLS13() {
		t.Errorf("no TLS 1.3 secrets for %s in the embedded key log", h2Random)
	}
}

// TestNgWriterTLSKeyLog writes a key log before the packets of the HTTPS
// capture and reads it back with Open, and with tshark, which decrypts the
// HTTP/2 frames only when it honours the block.
func TestNgWriterTLSKeyLog(t *testing.T) {
	keys := mustReadFile(t, h2Keys)
	src, err := Open("../pcaps/https-h2.pcap.gz")
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	recs, err := readAll(src)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	write := func(name string, keyLog []byte) string {
		file := filepath.Join(dir, name)
		f, err := os.Create(file)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		w, err := NewNgWriter(f, recs[0].lt, 0, "lo")
		if err != nil {
			t.Fatal(err)
		}
		if err := w.WriteTLSKeyLog(keyLog); err != nil {
			t.Fatal(err)
		}
		for _, r := range recs {
			if err := w.WritePacket(Packet{Data: r.data, Timestamp: r.ts, Length: r.length, LinkType: r.lt}); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		if err := w.WriteTLSKeyLog(keyLog); err == nil {
			t.Error("WriteTLSKeyLog after Close succeeded")
		}
		return file
	}
	with, without := write("with.pcapng", keys), write("without.pcapng", nil)

	for file, want := range map[string][][]byte{with: {keys}, without: nil} {
		checkPcapng(t, file, recs)
		f, err := Open(file)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := readAll(f); err != nil {
			t.Fatal(err)
		}
		if got := f.TLSKeyLogs(); len(got) != len(want) || len(want) == 1 && !bytes.Equal(got[0], want[0]) {
			t.Errorf("%s: key logs %q, want %q", filepath.Base(file), got, want)
		}
		f.Close()
	}

	if _, err := exec.LookPath("tshark"); err != nil {
		t.Skip("tshark is not installed: not checked that it decrypts")
	}
	if n := tsharkHTTP2Frames(t, with); n == 0 {
		t.Errorf("tshark decrypts no HTTP/2 frame with the key log block")
	}
	if n := tsharkHTTP2Frames(t, without); n != 0 {
		t.Errorf("tshark decrypts %d HTTP/2 frames without a key log block: the check proves nothing", n)
	}
}

// tsharkHTTP2Frames returns the number of packets in which tshark, given
// no key log file of its own, shows HTTP/2 frames.
func tsharkHTTP2Frames(t *testing.T, file string) int {
	t.Helper()
	out, err := exec.Command("tshark", "-r", file, "-o", "tls.keylog_file:", "-Y", "http2", "-T", "fields", "-e", "http2.type").Output()
	if err != nil {
		t.Fatalf("tshark -r %s: %v", filepath.Base(file), err)
	}
	return len(strings.Fields(string(out)))
}

// ngBlock returns a pcapng block in byte order o.
func ngBlock(o binary.AppendByteOrder, typ uint32, body []byte) []byte {
	body = append(body, make([]byte, (4-len(body)%4)%4)...)
	n := uint32(12 + len(body))
	b := o.AppendUint32(nil, typ)
	b = o.AppendUint32(b, n)
	b = append(b, body...)
	return o.AppendUint32(b, n)
}

// bigEndianSection returns a big-endian pcapng section with a TLS key log
// block, an SSH secrets block (skipped), and one Ethernet packet.
func bigEndianSection(keyLog, frame []byte) []byte {
	be := binary.BigEndian
	shb := be.AppendUint32(nil, byteOrderMagic)
	shb = be.AppendUint16(shb, 1)
	shb = be.AppendUint16(shb, 0)
	shb = be.AppendUint64(shb, ^uint64(0))
	dsb := func(typ uint32, data []byte, options []byte) []byte {
		body := be.AppendUint32(nil, typ)
		body = be.AppendUint32(body, uint32(len(data)))
		body = append(body, data...)
		body = append(body, make([]byte, (4-len(data)%4)%4)...)
		return ngBlock(be, blockDecryptionSecret, append(body, options...))
	}
	// An opt_comment and opt_endofopt after the secrets.
	opts := be.AppendUint16(nil, 1)
	opts = be.AppendUint16(opts, 3)
	opts = append(opts, "hi\x00\x00\x00\x00\x00"...)
	idb := be.AppendUint16(nil, uint16(layers.LinkTypeEthernet))
	idb = be.AppendUint16(idb, 0)
	idb = be.AppendUint32(idb, 0)
	epb := be.AppendUint32(nil, 0)    // interface
	epb = be.AppendUint64(epb, 1<<32) // timestamp (µs), high word first
	epb = be.AppendUint32(epb, uint32(len(frame)))
	epb = be.AppendUint32(epb, uint32(len(frame)))
	epb = append(epb, frame...)
	var b []byte
	b = append(b, ngBlock(be, blockSectionHeader, shb)...)
	b = append(b, dsb(0x5353484b, []byte("ssh key"), nil)...) // "SSHK"
	b = append(b, dsb(secretsTLSKeyLog, keyLog, opts)...)
	b = append(b, ngBlock(be, 1, idb)...)
	b = append(b, ngBlock(be, 6, epb)...)
	return b
}

// dsbFile is a little-endian pcapng section written by NgWriter: two
// packets, a key log block at dsbAt, two more packets; then a big-endian
// section with a second key log and a fifth packet.
func dsbFile(t *testing.T) (file []byte, dsbAt int, keyLogs [][]byte, ps []Packet) {
	t.Helper()
	keyLogs = [][]byte{mustReadFile(t, h2Keys), mustReadFile(t, "../pcaps/https-tls12.keys")}
	ps = synthetic(t, 5)
	var buf bytes.Buffer
	w, err := NewNgWriter(&buf, layers.LinkTypeEthernet, 0, "eth0")
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range ps[:4] {
		if i == 2 {
			dsbAt = buf.Len()
			if err := w.WriteTLSKeyLog(keyLogs[0]); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.WritePacket(p); err != nil {
			t.Fatal(err)
		}
	}
	ps[4].Data = ps[4].Data[:len(ps[4].Data):len(ps[4].Data)]
	ps[4].Length = len(ps[4].Data)
	ps[4].Timestamp = time.Unix(4294, 967296000).UTC()
	return append(buf.Bytes(), bigEndianSection(keyLogs[1], ps[4].Data)...), dsbAt, keyLogs, ps
}

func TestTLSKeyLogsEveryBlockAndSection(t *testing.T) {
	file, _, keyLogs, ps := dsbFile(t)
	src, err := NewReader("two-sections.pcapng", bytes.NewReader(file), 0)
	if err != nil {
		t.Fatal(err)
	}
	got, err := readAll(src)
	if err != nil {
		t.Fatal(err)
	}
	samePackets(t, "two-sections.pcapng", got, toRecords(ps))
	logs := src.TLSKeyLogs()
	if len(logs) != 2 || !bytes.Equal(logs[0], keyLogs[0]) || !bytes.Equal(logs[1], keyLogs[1]) {
		t.Errorf("key logs %q", logs)
	}
	if path, err := exec.LookPath("tshark"); err == nil {
		tmp := filepath.Join(t.TempDir(), "two-sections.pcapng")
		if err := os.WriteFile(tmp, file, 0o644); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command(path, "-r", tmp).CombinedOutput(); err != nil {
			t.Errorf("tshark does not read the hand-made file: %v\n%s", err, out)
		}
		if n, out, _ := tsharkFrames(t, tmp); n != len(ps) {
			t.Errorf("tshark counts %d frames:\n%s", n, out)
		}
	}
}

// TestTLSKeyLogsComeWithTheirPackets: the key log is there when the packet
// after it is, and reading a file that grows on a pipe does not wait for
// the next block.
func TestTLSKeyLogsComeWithTheirPackets(t *testing.T) {
	file, dsbAt, keyLogs, _ := dsbFile(t)
	pr, pw := io.Pipe()
	defer pr.Close()
	written := make(chan int, 1)
	go func() {
		// Header, interface and packet 1; then packet 2; then the rest.
		for _, cut := range []int{dsbAt - epbLen(file, dsbAt), dsbAt, len(file)} {
			at := <-written
			if _, err := pw.Write(file[at:cut]); err != nil {
				return
			}
		}
		pw.Close()
	}()
	written <- 0
	var src *File
	within(t, "the file header", func() error {
		var err error
		src, err = NewReader("pipe", pr, 0)
		return err
	})
	next := func(want int) {
		t.Helper()
		within(t, "packet "+strconv.Itoa(want), func() error {
			p, err := src.ReadPacket()
			if err == nil && p.Number != want {
				t.Errorf("packet %d, want %d", p.Number, want)
			}
			return err
		})
	}
	next(1)
	written <- dsbAt - epbLen(file, dsbAt)
	next(2)
	if len(src.TLSKeyLogs()) != 0 {
		t.Error("a key log before its block")
	}
	written <- dsbAt
	next(3)
	if logs := src.TLSKeyLogs(); len(logs) != 1 || !bytes.Equal(logs[0], keyLogs[0]) {
		t.Errorf("after packet 3: key logs %q", logs)
	}
}

// within runs f and fails unless it returns, without error, within 5 s.
func within(t *testing.T, what string, f func() error) {
	t.Helper()
	c := make(chan error, 1)
	go func() { c <- f() }()
	select {
	case err := <-c:
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("%s does not come before more is written", what)
	}
}

// epbLen returns the length of the block that ends at end.
func epbLen(file []byte, end int) int {
	return int(binary.LittleEndian.Uint32(file[end-4:]))
}

func TestTLSKeyLogErrors(t *testing.T) {
	file, at, _, _ := dsbFile(t)
	le := binary.LittleEndian
	length := int(le.Uint32(file[at+4:]))
	tests := []struct {
		name      string
		edit      func([]byte) []byte
		reason    string
		truncated bool
	}{
		{"cut in the header", func(b []byte) []byte { return b[:at+10] },
			"the file ends inside it, after 10 of its " + itoa(length) + " bytes", true},
		{"cut in the secrets", func(b []byte) []byte { return b[:at+100] },
			"the file ends inside it, after 100 of its " + itoa(length) + " bytes", true},
		{"cut before the end length", func(b []byte) []byte { return b[:at+length-2] },
			"the file ends inside it, after " + itoa(length-2) + " of its " + itoa(length) + " bytes", true},
		{"secrets longer than the block", func(b []byte) []byte { le.PutUint32(b[at+12:], uint32(length)); return b },
			itoa(length) + " bytes of secrets do not fit in a block of " + itoa(length) + " bytes", false},
		{"end length differs", func(b []byte) []byte { le.PutUint32(b[at+length-4:], 8); return b },
			"block length 8 at its end differs from " + itoa(length) + " at its start", false},
		{"block too short", func(b []byte) []byte { le.PutUint32(b[at+4:], 16); return b },
			"block length 16 is less than 20", false},
		{"length not a multiple of 4", func(b []byte) []byte { le.PutUint32(b[at+4:], uint32(length+1)); return b },
			"block length " + itoa(length+1) + " is not a multiple of 4", false},
		{"huge", func(b []byte) []byte { le.PutUint32(b[at+4:], 0xfffffff0); return b },
			"block of 4294967280 bytes: more than the 64 MiB segscope reads", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := tt.edit(append([]byte(nil), file...))
			for _, compressed := range []bool{false, true} {
				in := b
				if compressed {
					in = gz(t, b)
				}
				src, err := NewReader("bad.pcapng", bytes.NewReader(in), 0)
				if err != nil {
					t.Fatal(err)
				}
				got, err := readAll(src)
				if len(got) != 2 {
					t.Errorf("%d packets before the bad block, want 2", len(got))
				}
				var ce *Error
				var se *SecretsError
				if !errors.As(err, &ce) || !errors.As(err, &se) {
					t.Fatalf("error %T %v, want a *SecretsError in an *Error", err, err)
				}
				if ce.Source != "bad.pcapng" || ce.Packet != 3 || se.Offset != int64(at) || se.Reason != tt.reason {
					t.Errorf("got %q (packet %d, offset %d), want packet 3, offset %d: %s", err, ce.Packet, se.Offset, at, tt.reason)
				}
				if errors.Is(err, ErrTruncated) != tt.truncated {
					t.Errorf("errors.Is(%v, ErrTruncated) = %v", err, !tt.truncated)
				}
				if _, again := src.ReadPacket(); again != err {
					t.Errorf("the next read returns %v", again)
				}
				if len(src.TLSKeyLogs()) != 0 {
					t.Error("a key log from a bad block")
				}
			}
		})
	}
	want := "reading bad.pcapng: packet 3: decryption secrets block at byte " + itoa(at) + ": block length 16 is less than 20"
	b := append([]byte(nil), file...)
	le.PutUint32(b[at+4:], 16)
	src, _ := NewReader("bad.pcapng", bytes.NewReader(b), 0)
	if _, err := readAll(src); err == nil || err.Error() != want {
		t.Errorf("error %q, want %q", err, want)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestWriteTLSKeyLogErrors(t *testing.T) {
	var buf bytes.Buffer
	w, err := NewNgWriter(&buf, layers.LinkTypeEthernet, 0, "lo")
	if err != nil {
		t.Fatal(err)
	}
	n := buf.Len()
	if err := w.WriteTLSKeyLog(nil); err != nil || buf.Len() != n {
		t.Errorf("an empty key log: %v, %d bytes written", err, buf.Len()-n)
	}
	fw := &failingWriter{after: 1}
	if w, err = NewNgWriter(fw, layers.LinkTypeEthernet, 0, "lo"); err != nil {
		t.Fatal(err)
	}
	if err := w.WriteTLSKeyLog([]byte("CLIENT_RANDOM x y\n")); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("a key log to a full disk: %v", err)
	}
}

// TestPcapngReadDoesNotAllocate: the tap under the pcapng reader copies
// and allocates nothing per packet.
func TestPcapngReadDoesNotAllocate(t *testing.T) {
	b := mustReadFile(t, dsbCapture)
	src, err := NewReader(dsbCapture, bytes.NewReader(b), 0)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 10; i++ { // let the packet buffer grow
		if _, err := src.ReadPacket(); err != nil {
			t.Fatal(err)
		}
	}
	allocs := testing.AllocsPerRun(100, func() {
		if _, err := src.ReadPacket(); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("%v allocations per packet", allocs)
	}
}
