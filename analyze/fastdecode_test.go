package analyze

import (
	"errors"
	"io"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"

	"github.com/segscope/segscope/capture"
)

// decodedView is a decoded with its payload replaced by where it lies in
// the frame, so two decodings of one frame compare with ==.
type decodedView struct {
	d              decoded
	dataAt, dataLn int
}

func viewOf(frame []byte, d decoded) decodedView {
	v := decodedView{d: d, dataAt: -1, dataLn: len(d.data)}
	if d.data != nil {
		v.dataAt = offsetOf(frame, d.data)
	}
	v.d.data = nil
	if !d.hasTSval {
		v.d.tsval = 0 // not read by anyone then
	}
	return v
}

// sameDecoding checks that fastDecode, when it takes a frame, decodes it
// exactly as gopacket's parser does. It reports whether the fast path
// took it.
func sameDecoding(t *testing.T, dec *decoder, p capture.Packet) bool {
	t.Helper()
	var fast, slow decoded
	// Stale values in out must not leak into a decoding: start both from
	// garbage that differs.
	fast.tsval, slow.tsval = 1, 2
	fast.synOptions.MSS, slow.synOptions.MSS = 3, 4
	if !fastDecode(&p, &fast) {
		return false
	}
	if err := dec.decodeLayers(&p, &slow); err != nil {
		t.Fatalf("packet %d (link type %v, % x): the fast path decoded it, gopacket says %v", p.Number, p.LinkType, p.Data, err)
	}
	if f, s := viewOf(p.Data, fast), viewOf(p.Data, slow); !reflect.DeepEqual(f, s) {
		t.Fatalf("packet %d (link type %v, % x):\nfast    %+v\ngopacket %+v", p.Number, p.LinkType, p.Data, f, s)
	}
	return true
}

// TestFastDecodeMatchesGopacket decodes every frame of every capture in
// pcaps/ both ways. The fast path must agree wherever it answers, and it
// must answer for every TCP frame of these captures, which are what users
// make: anything it leaves to gopacket here is a missed case.
func TestFastDecodeMatchesGopacket(t *testing.T) {
	var files []string
	for _, pat := range []string{"*.pcap", "*.pcap.gz", "*.pcapng"} {
		m, _ := filepath.Glob(filepath.Join("..", "pcaps", pat))
		files = append(files, m...)
	}
	if len(files) < 40 {
		t.Fatalf("only %d captures in pcaps/", len(files))
	}
	dec := newDecoder()
	var total, fastTotal int
	for _, path := range files {
		src, err := capture.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		var tcp, fast int
		for {
			p, err := src.ReadPacket()
			if err == io.EOF {
				break
			}
			if err != nil {
				break // a capture cut on purpose
			}
			if sameDecoding(t, dec, p) {
				fast++
			}
			var d decoded
			if dec.decodeLayers(&p, &d) == nil {
				tcp++
			}
		}
		src.Close()
		if fast != tcp {
			t.Errorf("%s: %d TCP frames, %d of them by the fast path", filepath.Base(path), tcp, fast)
		}
		total, fastTotal = total+tcp, fastTotal+fast
	}
	t.Logf("%d captures, %d TCP frames, %d by the fast path", len(files), total, fastTotal)
}

// TestFastDecodeLeavesToGopacket: the frames the fast path must not take,
// each built from a good one, and what gopacket then makes of them.
func TestFastDecodeLeavesToGopacket(t *testing.T) {
	good := build(t, frame{client: true, seq: 1, flags: flagSYN, mss: 1460, ts: true}).Data
	at := func(f func(b []byte) []byte) []byte { return f(append([]byte(nil), good...)) }
	cases := []struct {
		name    string
		frame   []byte
		wantErr error // nil: decodes; errNotTCP; or any error (errAny)
	}{
		{"IPv4 options", at(func(b []byte) []byte {
			// IHL 6 with a 4-byte NOP option block: gopacket decodes it.
			b = append(b[:34], append([]byte{1, 1, 1, 1}, b[34:]...)...)
			b[14] = 0x46
			b[16], b[17] = byte((len(b)-14)>>8), byte(len(b)-14)
			return b
		}), nil},
		{"IPv4 more fragments", at(func(b []byte) []byte { b[20] |= 0x20; return b }), errNotTCP},
		{"IPv4 length 0 (TSO)", at(func(b []byte) []byte { b[16], b[17] = 0, 0; return b }), nil},
		{"IPv4 length below the header", at(func(b []byte) []byte { b[16], b[17] = 0, 19; return b }), errAny},
		{"UDP", at(func(b []byte) []byte { b[23] = 17; return b }), errNotTCP},
		{"TCP data offset 4", at(func(b []byte) []byte { b[46] = 0x40; return b }), errAny},
		{"TCP data offset past the frame", at(func(b []byte) []byte { b[46] = 0xf0; return b }), errAny},
		{"MPTCP option", at(func(b []byte) []byte { b[54] = 30; return b }), nil},
		{"three VLAN tags", at(func(b []byte) []byte {
			tag := []byte{0x81, 0x00, 0, 1}
			return append(append(append(append(b[:12:12], tag...), tag...), tag...), b[12:]...)
		}), nil}, // gopacket follows any number of tags
		{"ARP", at(func(b []byte) []byte { b[12], b[13] = 0x08, 0x06; return b }), errAny},
	}
	dec := newDecoder()
	for _, c := range cases {
		p := capture.Packet{Data: c.frame, Length: len(c.frame), LinkType: layers.LinkTypeEthernet, Timestamp: time.Unix(1, 0)}
		var d decoded
		if fastDecode(&p, &d) {
			t.Errorf("%s: taken by the fast path", c.name)
		}
		err := dec.decode(&p, &d)
		switch {
		case c.wantErr == nil && err != nil:
			t.Errorf("%s: %v, want a decoded segment", c.name, err)
		case c.wantErr == errAny && err == nil, c.wantErr != nil && c.wantErr != errAny && !errors.Is(err, c.wantErr):
			t.Errorf("%s: error %v, want %v", c.name, err, c.wantErr)
		}
	}
	// And a frame it does take, with its values.
	p := capture.Packet{Data: good, Length: len(good), LinkType: layers.LinkTypeEthernet}
	var d decoded
	if !fastDecode(&p, &d) || d.synOptions.MSS != 1460 || !d.synOptions.Timestamps || !d.hasTSval || d.flags != flagSYN || d.seq != 1 {
		t.Errorf("a SYN with MSS 1460 and timestamps: %+v", d)
	}
}

// errAny stands for "some error" in the table above.
var errAny = errors.New("any error")

// FuzzFastDecode: on any bytes of any link type, with any wire length,
// the fast path either leaves the frame to gopacket or decodes it as
// gopacket does.
func FuzzFastDecode(f *testing.F) {
	for _, fr := range []frame{
		{client: true, seq: 1, flags: flagSYN, mss: 1440, ts: true},
		{seq: 5001, ack: 1001, flags: flagACK, payload: 100, ts: true, ipID: 3},
		{client: true, seq: 1, flags: flagSYN, mss: 1440, v6: true, vlan: []uint16{200, 300}},
	} {
		data := build(f, fr).Data
		f.Add(uint16(layers.LinkTypeEthernet), 0, data)
		f.Add(uint16(layers.LinkTypeRaw), 0, data[14:])
	}
	f.Add(uint16(layers.LinkTypeLinuxSLL2), 3, []byte{0x08, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 6, 0, 0, 0, 0, 0, 0, 0, 0, 0x45})
	dec := newDecoder()
	f.Fuzz(func(t *testing.T, lt uint16, extra int, data []byte) {
		if extra < 0 || extra > 1<<16 {
			extra = 0
		}
		sameDecoding(t, dec, capture.Packet{Data: data, Length: len(data) + extra, LinkType: layers.LinkType(lt)})
	})
}
