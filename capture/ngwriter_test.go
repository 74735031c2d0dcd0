package capture

import (
	"bytes"
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
)

// record is a copy of a Packet.
// checkPcapng reads file with Open and wants exactly the packets want, and
// has tshark count its frames when tshark is installed.
func checkPcapng(t *testing.T, file string, want []record) {
	t.Helper()
	src, err := Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	got, err := readAll(src)
	if err != nil {
		t.Fatalf("reading back %s: %v", filepath.Base(file), err)
	}
	if src.Format() != FormatPcapng {
		t.Errorf("format %v", src.Format())
	}
	if len(got) != len(want) {
		t.Fatalf("%s: %d packets, want %d", filepath.Base(file), len(got), len(want))
	}
	for i := range want {
		g, w := got[i], want[i]
		if !bytes.Equal(g.data, w.data) || !g.ts.Equal(w.ts) || g.length != w.length || g.lt != w.lt || g.number != i+1 {
			t.Fatalf("%s: packet %d differs: %d/%d bytes, length %d/%d, time %v/%v, link type %v/%v, number %d",
				filepath.Base(file), i+1, len(g.data), len(w.data), g.length, w.length, g.ts, w.ts, g.lt, w.lt, g.number)
		}
	}
	if n, out, ok := tsharkFrames(t, file); ok && n != len(want) {
		t.Errorf("tshark counts %d frames in %s, want %d:\n%s", n, filepath.Base(file), len(want), out)
	}
}

// tsharkFrames returns the number of frames tshark -z io,stat,0 counts in
// file; ok is false when tshark is not installed.
func tsharkFrames(t *testing.T, file string) (n int, out []byte, ok bool) {
	t.Helper()
	tshark, err := exec.LookPath("tshark")
	if err != nil {
		t.Logf("tshark is not installed: not checked with tshark")
		return 0, nil, false
	}
	out, err = exec.Command(tshark, "-r", file, "-q", "-z", "io,stat,0").CombinedOutput()
	if err != nil {
		t.Fatalf("tshark -r %s: %v\n%s", filepath.Base(file), err, out)
	}
	rows := 0
	for _, line := range strings.Split(string(out), "\n") {
		if !strings.Contains(line, "<>") {
			continue
		}
		rows++
		f := strings.Split(line, "|")
		if len(f) < 3 {
			t.Fatalf("tshark io,stat line %q", line)
		}
		frames, err := strconv.Atoi(strings.TrimSpace(f[2]))
		if err != nil {
			t.Fatalf("tshark io,stat line %q: %v", line, err)
		}
		n += frames
	}
	if rows == 0 {
		// io,stat prints no interval for a capture lasting 0 s (one
		// packet, or none): count the frames tshark lists instead.
		list, err := exec.Command(tshark, "-r", file, "-T", "fields", "-e", "frame.number").Output()
		if err != nil {
			t.Fatalf("tshark -r %s -T fields: %v", filepath.Base(file), err)
		}
		n = len(strings.Fields(string(list)))
		out = append(out, list...)
	}
	return n, out, true
}

// synthetic returns n Ethernet TCP frames with nanosecond timestamps, some
// cut by a snap length.
func synthetic(t *testing.T, n int) []Packet {
	t.Helper()
	var ps []Packet
	ts := time.Date(2026, 3, 1, 12, 0, 0, 123456789, time.UTC)
	for i := 0; i < n; i++ {
		f := testFrame{src: "10.0.0.1", dst: "10.0.0.2", sport: 8080, dport: uint16(40000 + i)}
		data := f.build(t, false)
		length := len(data)
		if i%3 == 2 {
			data = data[:40] // as if cut by a snap length
		}
		ps = append(ps, Packet{Data: data, Timestamp: ts.Add(time.Duration(i) * 1001 * time.Nanosecond), Length: length, LinkType: layers.LinkTypeEthernet, Number: i + 1})
	}
	return ps
}

func toRecords(ps []Packet) []record {
	out := make([]record, len(ps))
	for i, p := range ps {
		out[i] = record{p.Data, p.Timestamp, p.Length, p.LinkType, i + 1}
	}
	return out
}

// TestNgWriterRoundTrip writes packets and reads them back with Open.
func TestNgWriterRoundTrip(t *testing.T) {
	ps := synthetic(t, 10)
	file := filepath.Join(t.TempDir(), "out.pcapng")
	f, err := os.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w, err := NewNgWriter(f, layers.LinkTypeEthernet, DefaultSnapLen, "lo")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range ps {
		p.Number = 99 // the file numbers packets itself
		if err := w.WritePacket(p); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.WriteStats(12, 2); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if w.Packets() != len(ps) {
		t.Errorf("Packets() = %d", w.Packets())
	}
	if err := w.WritePacket(ps[0]); err == nil {
		t.Error("WritePacket after Close succeeded")
	}
	checkPcapng(t, file, toRecords(ps))

	// capinfos (from tshark's package) shows the interface name and the
	// kernel's counts from the statistics block.
	if capinfos, err := exec.LookPath("capinfos"); err == nil {
		out, err := exec.Command(capinfos, file).CombinedOutput()
		if err != nil {
			t.Fatalf("capinfos: %v\n%s", err, out)
		}
		for _, want := range []string{"Name = lo", "Number of packets = 10", "Number of stat entries = 1"} {
			if !strings.Contains(string(out), want) {
				t.Errorf("capinfos output lacks %q:\n%s", want, out)
			}
		}
	}
}

// TestNgWriterValidAfterEveryPacket: the file is complete after every
// WritePacket, before any Close, and after Close at any point (a capture
// stopped by Ctrl-C).
func TestNgWriterValidAfterEveryPacket(t *testing.T) {
	ps := synthetic(t, 5)
	dir := t.TempDir()
	for stop := 0; stop <= len(ps); stop++ {
		file := filepath.Join(dir, "stop"+strconv.Itoa(stop)+".pcapng")
		f, err := os.Create(file)
		if err != nil {
			t.Fatal(err)
		}
		w, err := NewNgWriter(f, layers.LinkTypeEthernet, 0, "eth0")
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < stop; i++ {
			if err := w.WritePacket(ps[i]); err != nil {
				t.Fatal(err)
			}
			// Not closed yet: what is on disk already reads whole.
			checkPcapngQuiet(t, file, toRecords(ps[:i+1]))
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		f.Close()
		checkPcapng(t, file, toRecords(ps[:stop]))
	}
}

// checkPcapngQuiet is checkPcapng without tshark (fast, for many files).
func checkPcapngQuiet(t *testing.T, file string, want []record) {
	t.Helper()
	src, err := Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	got, err := readAll(src)
	if err != nil || len(got) != len(want) {
		t.Fatalf("%s: %d packets (%v), want %d", filepath.Base(file), len(got), err, len(want))
	}
}

// TestNgWriterMixedLinkTypes: a packet of another link type gets its own
// interface block and reads back with its link type.
func TestNgWriterMixedLinkTypes(t *testing.T) {
	ps := synthetic(t, 3)
	raw := ps[1]
	raw.Data = raw.Data[14:]
	raw.Length -= 14
	raw.LinkType = layers.LinkTypeRaw
	ps[1] = raw
	file := filepath.Join(t.TempDir(), "mixed.pcapng")
	f, err := os.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w, err := NewNgWriter(f, layers.LinkTypeEthernet, 0, "any")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range ps {
		if err := w.WritePacket(p); err != nil {
			t.Fatal(err)
		}
	}
	w.Close()
	checkPcapng(t, file, toRecords(ps))
}

type failingWriter struct{ after int }

func (w *failingWriter) Write(b []byte) (int, error) {
	if w.after <= 0 {
		return 0, errors.New("disk full")
	}
	w.after--
	return len(b), nil
}

func TestNgWriterErrors(t *testing.T) {
	if _, err := NewNgWriter(&failingWriter{}, layers.LinkTypeEthernet, 0, "lo"); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("NewNgWriter on a failing writer: %v", err)
	}
	if _, err := NewNgWriter(io.Discard, layers.LinkTypeEthernet, -1, "lo"); err == nil {
		t.Error("negative snap length accepted")
	}
	fw := &failingWriter{after: 1}
	w, err := NewNgWriter(fw, layers.LinkTypeEthernet, 0, "lo")
	if err != nil {
		t.Fatal(err)
	}
	p := synthetic(t, 1)[0]
	err1 := w.WritePacket(p)
	err2 := w.WritePacket(p)
	if err1 == nil || err2 == nil || !strings.Contains(err1.Error(), "disk full") || w.Close() == nil {
		t.Errorf("writes to a full disk: %v, %v", err1, err2)
	}
	var buf bytes.Buffer
	if _, err = NewNgWriter(&buf, layers.LinkTypeEthernet, 0, "lo"); err != nil || buf.Len() == 0 {
		t.Errorf("the header is not flushed at once: %d bytes, %v", buf.Len(), err)
	}
}
