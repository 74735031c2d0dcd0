package analyze

import (
	"bytes"
	"errors"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"github.com/segscope/segscope/capture"
)

const ms = time.Millisecond

// bulk returns n server data segments of size bytes each, starting at
// stream offset 0 after a server ISN of sisn, 1 ms apart from start.
func bulk(sisn uint32, n, size int, start time.Duration) []frame {
	var out []frame
	for i := 0; i < n; i++ {
		out = append(out, frame{seq: sisn + 1 + uint32(i*size), ack: 1001, flags: flagACK, payload: size, ts: true,
			tsval: uint32(100 + i), ipID: uint16(i + 1), at: start + time.Duration(i)*ms})
	}
	return out
}

func TestEffectiveMSSFromSYNs(t *testing.T) {
	frames := handshake(1000, 5000, 1460, 1400)
	frames = append(frames, frame{client: true, seq: 1001, ack: 5001, flags: flagACK | flagPSH, payload: 87, ts: true, ipID: 7, at: 300 * time.Microsecond})
	frames = append(frames, bulk(5000, 5, 1388, ms)...)
	frames = append(frames, frame{seq: 5001 + 5*1388, ack: 1088, flags: flagACK | flagPSH, payload: 500, ts: true, tsval: 200, ipID: 99, at: 10 * ms})
	res := feed(t, frames...)

	if len(res.Connections) != 1 {
		t.Fatalf("connections = %d, want 1", len(res.Connections))
	}
	c := res.Connections[0]
	if c.Client.String() != "10.0.0.1:40000" || c.Server.String() != "10.0.0.2:80" || c.RolesGuessed {
		t.Errorf("roles: client %v server %v guessed %v", c.Client, c.Server, c.RolesGuessed)
	}
	s2c := c.Dir(ServerToClient)
	if int(s2c.SYN.MSS) != 1400 || !s2c.SYN.Timestamps || int(s2c.SYN.WindowScale) != -1 {
		t.Errorf("server SYN options = %+v", s2c.SYN)
	}
	e := s2c.EffectiveMSS()
	if e.Value != 1388 || e.MSS != 1400 || e.MSSFrom != ServerToClient || e.OptionBytes != 12 || e.Inferred {
		t.Errorf("effective MSS = %+v, want 1388 from the server's 1400 minus 12", e)
	}
	// The client's data is limited by the smaller MSS too: the server's 1400.
	if got := c.Dir(ClientToServer).EffectiveMSS(); got.Value != 1388 || got.MSSFrom != ServerToClient {
		t.Errorf("client effective MSS = %+v", got)
	}
	st := s2c.Stats()
	if int(s2c.DataSegments) != 6 || s2c.PayloadBytes != 5*1388+500 {
		t.Errorf("segments %d bytes %d", int(s2c.DataSegments), s2c.PayloadBytes)
	}
	if st.Min != 500 || st.Max != 1388 || st.Median != 1388 || st.P95 != 1388 || st.Full != 5 || st.Short != 1 || st.Super != 0 {
		t.Errorf("stats = %+v", st)
	}
	if s2c.Runs.Count != 1 || s2c.Runs.Bytes != 5*1388+500 {
		t.Errorf("PSH runs = %+v, want one run of all bytes", s2c.Runs)
	}
	if rtt, ok := c.Handshake.RTT(); !ok || rtt != 200*time.Microsecond {
		t.Errorf("handshake RTT = %v %v, want 200us", rtt, ok)
	}
	want := []Bucket{{256, 511, 1}, {1024, 2047, 5}}
	if len(st.Histogram) != 2 || st.Histogram[0] != want[0] || st.Histogram[1] != want[1] {
		t.Errorf("histogram = %+v, want %+v", st.Histogram, want)
	}
	if got := c.Class(*c.Segments.At(c.Segments.Len() - 2)); got != "full" {
		t.Errorf("class of a 1388-byte segment = %q", got)
	}
	if got := c.Class(*c.Segments.At(0)); got != "syn" {
		t.Errorf("class of the SYN = %q", got)
	}
	if c.Segments.At(0).Offset != -1 || c.Segments.At(3).Offset != 0 || c.Segments.At(5).Offset != 1388 {
		t.Errorf("offsets: SYN %d, request %d, second data %d", c.Segments.At(0).Offset, c.Segments.At(3).Offset, c.Segments.At(5).Offset)
	}
}

func TestSequenceWrap(t *testing.T) {
	const sisn = 0xFFFFF000 // wraps after 4095 bytes
	frames := append(handshake(1000, sisn, 1460, 1460), bulk(sisn, 10, 1448, ms)...)
	res := feed(t, frames...)
	c := res.Connections[0]
	d := c.Dir(ServerToClient)
	if int(d.DataSegments) != 10 || int(d.RetransmittedSegments) != 0 || int(d.OutOfOrderSegments) != 0 || d.MissingBytes != 0 {
		t.Fatalf("across the wrap: %d segments, %d retransmitted, %d out of order, %d missing", int(d.DataSegments), int(d.RetransmittedSegments), int(d.OutOfOrderSegments), d.MissingBytes)
	}
	var offs []int64
	for _, s := range c.Segments.All() {
		if s.Dir == ServerToClient && s.Len > 0 {
			offs = append(offs, s.Offset)
		}
	}
	for i, off := range offs {
		if off != int64(i*1448) {
			t.Errorf("segment %d at offset %d, want %d", i, off, i*1448)
		}
	}
}

func TestRetransmissionReorderingAndGaps(t *testing.T) {
	const sisn = 5000
	seg := func(i int, at time.Duration, id uint16) frame {
		return frame{seq: sisn + 1 + uint32(i*1000), ack: 1001, flags: flagACK, payload: 1000, ts: true, tsval: uint32(at / ms), ipID: id, at: at}
	}
	frames := append(handshake(1000, sisn, 1460, 1460),
		seg(0, 10*ms, 1),
		seg(2, 11*ms, 2),                      // skips segment 1: a hole opens
		seg(1, 11*ms+100*time.Microsecond, 3), // fills it within the RTT (200 us): reordering
		seg(3, 20*ms, 4),                      //
		seg(5, 21*ms, 5),                      // skips segment 4
		seg(4, 500*ms, 6),                     // fills it long after: lost before the capture point
		seg(0, 600*ms, 7),                     // bytes seen before: a retransmission
		seg(0, 600*ms, 7),                     // the same packet captured twice
		seg(7, 700*ms, 8),                     // skips segment 6, never filled
	)
	d := feed(t, frames...).Connections[0].Dir(ServerToClient)
	if int(d.OutOfOrderSegments) != 1 {
		t.Errorf("out of order = %d, want 1", int(d.OutOfOrderSegments))
	}
	if int(d.RetransmittedSegments) != 2 || d.RetransmittedBytes != 2000 {
		t.Errorf("retransmitted = %d segments %d bytes, want 2 and 2000", int(d.RetransmittedSegments), d.RetransmittedBytes)
	}
	if int(d.Duplicates) != 1 || int(d.DataSegments) != 8 {
		t.Errorf("duplicates %d, data segments %d; want 1 and 8", int(d.Duplicates), int(d.DataSegments))
	}
	if d.MissingBytes != 1000 {
		t.Errorf("missing bytes = %d, want 1000 (segment 6)", d.MissingBytes)
	}
}

func TestNewSYNOnReusedTupleStartsNewConnection(t *testing.T) {
	var frames []frame
	for i, isn := range []uint32{1000, 900000, 900000} { // the third SYN repeats the second
		at := time.Duration(i) * time.Second
		frames = append(frames, frame{client: true, seq: isn, flags: flagSYN, mss: 1460, at: at})
	}
	frames = append(frames, frame{client: true, seq: 77, flags: flagSYN, mss: 1460, at: 3 * time.Second})
	res := feed(t, frames...)
	if len(res.Connections) != 3 {
		t.Fatalf("connections = %d, want 3 (a retransmitted SYN is not a new connection)", len(res.Connections))
	}
	for i, c := range res.Connections {
		if c.ID != i {
			t.Errorf("connection %d has ID %d", i, c.ID)
		}
	}
	if res.Connections[1].Packets != 2 {
		t.Errorf("second connection has %d packets, want 2", res.Connections[1].Packets)
	}
}

func TestNoHandshakeGuessesRolesAndInfersMSS(t *testing.T) {
	frames := bulk(7000, 5, 1448, 0)
	frames = append(frames, frame{seq: 7001 + 5*1448, ack: 1001, flags: flagACK | flagPSH, payload: 300, ts: true, ipID: 50, at: 10 * ms})
	c := feed(t, frames...).Connections[0]
	if !c.RolesGuessed || c.Server.Port() != 80 || c.Handshake.Seen() {
		t.Errorf("roles: guessed %v, server %v, handshake %v", c.RolesGuessed, c.Server, c.Handshake.Seen())
	}
	e := c.Dir(ServerToClient).EffectiveMSS()
	if !e.Inferred || e.Value != 1448 {
		t.Errorf("effective MSS = %+v, want 1448 inferred", e)
	}
	if c.Dir(ServerToClient).SYN.Seen {
		t.Error("no SYN was captured")
	}
}

func TestSnapLengthKeepsWireSizes(t *testing.T) {
	frames := append(handshake(1000, 5000, 1400, 1400), frame{seq: 5001, ack: 1001, flags: flagACK, payload: 1388, ts: true, ipID: 9, at: ms, snaplen: 96})
	d := feed(t, frames...).Connections[0].Dir(ServerToClient)
	if d.PayloadBytes != 1388 || d.Stats().Full != 1 {
		t.Errorf("snap-length frame: payload %d, full %d; want 1388 and 1", d.PayloadBytes, d.Stats().Full)
	}
}

func TestTSOZeroIPLengthAndSuperSegments(t *testing.T) {
	a := New(Options{})
	for i, f := range handshake(1000, 5000, 1460, 1460) {
		p := build(t, f)
		p.Number = i + 1
		if err := a.Add(p); err != nil {
			t.Fatal(err)
		}
	}
	p := build(t, frame{seq: 5001, ack: 1001, flags: flagACK, payload: 45 * 1448, ts: true, ipID: 5, at: ms})
	p.Data[16], p.Data[17] = 0, 0 // a TSO capture: IPv4 total length 0
	if err := a.Add(p); err != nil {
		t.Fatal(err)
	}
	res := a.Result()
	d := res.Connections[0].Dir(ServerToClient)
	if d.PayloadBytes != 65160 || d.Stats().Super != 1 || d.Stats().LargestMultiple != 45 {
		t.Errorf("payload %d, super %d, multiple %v; want 65160, 1, 45", d.PayloadBytes, d.Stats().Super, d.Stats().LargestMultiple)
	}
	if want := (Warning{Conn: 0, Dir: ServerToClient.String(), Kind: WarnSuperSegments, N: 1, Segments: 1, MSS: 1448, Largest: 65160}); len(res.Warnings) != 1 || res.Warnings[0] != want {
		t.Errorf("warnings = %+v", res.Warnings)
	}
}

func TestZeroWindowAndKeepAlive(t *testing.T) {
	frames := append(handshake(1000, 5000, 1460, 1460),
		frame{seq: 5001, ack: 1001, flags: flagACK, payload: 100, ts: true, ipID: 1, at: ms},
		frame{client: true, seq: 1001, ack: 5101, flags: flagACK, zeroWin: true, ts: true, ipID: 2, at: 2 * ms},
		frame{seq: 5100, ack: 1001, flags: flagACK, ts: true, ipID: 3, at: 3 * ms},             // zero-length probe
		frame{seq: 5100, ack: 1001, flags: flagACK, payload: 1, ts: true, ipID: 4, at: 4 * ms}, // one-byte probe
	)
	c := feed(t, frames...).Connections[0]
	if z := int(c.Dir(ClientToServer).ZeroWindows); z != 1 {
		t.Errorf("zero windows = %d, want 1", z)
	}
	s2c := c.Dir(ServerToClient)
	if int(s2c.KeepAlives) != 2 || int(s2c.DataSegments) != 1 || int(s2c.RetransmittedSegments) != 0 {
		t.Errorf("keep-alives %d, data %d, retransmitted %d; want 2, 1, 0", int(s2c.KeepAlives), int(s2c.DataSegments), int(s2c.RetransmittedSegments))
	}
}

func TestLinkTypes(t *testing.T) {
	base := frame{client: true, seq: 1, flags: flagSYN, mss: 1460}
	eth := build(t, base)
	ipOnly := eth.Data[14:]
	null := append([]byte{2, 0, 0, 0}, ipOnly...) // BSD loopback, IPv4, host byte order
	sll := append([]byte{0, 0, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0, 0x08, 0x00}, ipOnly...)
	cases := []struct {
		name string
		lt   layers.LinkType
		data []byte
	}{
		{"ethernet", layers.LinkTypeEthernet, eth.Data},
		{"raw", layers.LinkTypeRaw, ipOnly},
		{"null", layers.LinkTypeNull, null},
		{"linux sll", layers.LinkTypeLinuxSLL, sll},
		{"qinq ipv6", layers.LinkTypeEthernet, build(t, frame{client: true, seq: 1, flags: flagSYN, mss: 1440, v6: true, vlan: []uint16{200, 300}}).Data},
		{"ipv6 extension headers", layers.LinkTypeEthernet, withIPv6Extensions(build(t, frame{client: true, seq: 1, flags: flagSYN, mss: 1440, v6: true})).Data},
	}
	for _, tc := range cases {
		a := New(Options{})
		err := a.Add(withData(eth, tc.lt, tc.data))
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		res := a.Result()
		if res.TCPPackets != 1 || len(res.Connections) != 1 {
			t.Fatalf("%s: %d TCP packets, %d connections", tc.name, res.TCPPackets, len(res.Connections))
		}
		c := res.Connections[0]
		if c.Client.Port() != 40000 || c.Dir(ClientToServer).SYN.MSS == 0 {
			t.Errorf("%s: client %v, SYN %+v", tc.name, c.Client, c.Dir(ClientToServer).SYN)
		}
	}
	a := New(Options{})
	err := a.Add(withData(eth, 147, eth.Data))
	var ul UnsupportedLinkTypeError
	if !errors.As(err, &ul) || ul.LinkType != 147 {
		t.Errorf("link type 147: err = %v", err)
	}
}

func TestNonTCPAndMalformed(t *testing.T) {
	a := New(Options{})
	p := build(t, frame{client: true, seq: 1, flags: flagSYN})
	udp := append([]byte(nil), p.Data...)
	udp[14+9] = 17 // protocol UDP
	if err := a.Add(withData(p, layers.LinkTypeEthernet, udp)); err != nil {
		t.Fatal(err)
	}
	bad := append([]byte(nil), p.Data...)
	bad[14+20+12] = 0x20 // TCP data offset 2 words: less than the header
	q := withData(p, layers.LinkTypeEthernet, bad)
	q.Number = 2
	if err := a.Add(q); err != nil {
		t.Fatal(err)
	}
	res := a.Result()
	if res.NonTCP != 1 || res.Malformed != 1 || res.TCPPackets != 0 {
		t.Fatalf("non-TCP %d, malformed %d, TCP %d", res.NonTCP, res.Malformed, res.TCPPackets)
	}
	if pr := res.Problems[0]; pr.Packet != 2 || !strings.Contains(pr.Reason, "data offset") {
		t.Errorf("problem = %+v", pr)
	}
}

// A data segment of a known connection must cost no allocation.
func TestAddAllocatesNothingPerPacket(t *testing.T) {
	a := New(Options{})
	for _, f := range handshake(1000, 5000, 1460, 1460) {
		if err := a.Add(build(t, f)); err != nil {
			t.Fatal(err)
		}
	}
	// A request and the start of a long response: the packets below are
	// its body, which the HTTP/1 walker counts as it goes.
	request := []byte("GET /big HTTP/1.1\r\nHost: x\r\n\r\n")
	header := []byte("HTTP/1.1 200 OK\r\nContent-Length: 1000000000\r\n\r\n")
	for _, f := range []frame{
		{client: true, seq: 1001, ack: 5001, flags: flagACK | flagPSH, body: request, ts: true, ipID: 1, at: ms},
		{seq: 5001, ack: 1001 + uint32(len(request)), flags: flagACK, body: header, ts: true, ipID: 1, at: ms},
	} {
		if err := a.Add(build(t, f)); err != nil {
			t.Fatal(err)
		}
	}
	p := build(t, frame{seq: 5001, ack: 1001, flags: flagACK, payload: 1448, ts: true, ipID: 1, at: ms})
	seq := 5001 + uint32(len(header)) - 1448 // the first packet below follows the header
	allocs := testing.AllocsPerRun(1000, func() {
		// Advance the sequence number so every packet is new data.
		seq += 1448
		p.Data[14+20+4], p.Data[14+20+5], p.Data[14+20+6], p.Data[14+20+7] = byte(seq>>24), byte(seq>>16), byte(seq>>8), byte(seq)
		if err := a.Add(p); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("Add allocates %.1f times per packet, want 0", allocs)
	}
	c := a.Result().Connections[0]
	if d := c.Dir(ServerToClient); int(d.DataSegments) < 1000 || int(d.RetransmittedSegments) != 0 {
		t.Errorf("data %d, retransmitted %d", int(d.DataSegments), int(d.RetransmittedSegments))
	}
	if ex := c.App.HTTP.Exchanges(); len(ex) != 1 || ex[0].Response.BodyBytes < 1000*1448 {
		t.Errorf("the HTTP walker did not follow the body: %+v", ex)
	}
}

func TestIPv6ExtensionHeadersLeaveThePayloadLength(t *testing.T) {
	a := New(Options{})
	p := withIPv6Extensions(build(t, frame{seq: 5001, ack: 1001, flags: flagACK, payload: 1388, ts: true, v6: true}))
	p.Data = p.Data[:14+40+16+32+10] // and a snap length: the size still comes from the IPv6 header
	if err := a.Add(p); err != nil {
		t.Fatal(err)
	}
	res := a.Result()
	if res.TCPPackets != 1 || len(res.Connections) != 1 {
		t.Fatalf("TCP packets %d (malformed %d %+v)", res.TCPPackets, res.Malformed, res.Problems)
	}
	if got := res.Connections[0].Dir(ServerToClient).PayloadBytes; got != 1388 {
		t.Errorf("payload %d, want 1388", got)
	}
}

// More holes than are tracked, all filled within the RTT (5 ms) of the
// highest byte: nothing is missing and nothing was retransmitted (the
// reviewer's 66-hole case).
func TestManyHolesFilledLate(t *testing.T) {
	const sisn, n = 5000, 2400 // 1200 holes: more than maxHoles
	frames := handshake(1000, sisn, 1460, 1460)
	frames[1].at, frames[2].at = 2500*time.Microsecond, 5*ms // a 5 ms RTT
	seg := func(i int, at time.Duration) frame {
		return frame{seq: sisn + 1 + uint32(i*100), ack: 1001, flags: flagACK, payload: 100, ts: true, tsval: uint32(i), ipID: uint16(i + 1), at: at}
	}
	for i := 0; i < n; i += 2 { // every other segment: n/2 holes
		frames = append(frames, seg(i, 6*ms+time.Duration(i)*time.Microsecond))
	}
	for i := 1; i < n; i += 2 { // then the missing ones, shortly after
		frames = append(frames, seg(i, 9*ms+time.Duration(i)*time.Microsecond))
	}
	d := feed(t, frames...).Connections[0].Dir(ServerToClient)
	if d.RetransmittedSegments != 0 || d.MissingBytes != 0 || int(d.OutOfOrderSegments) < n/2-n/2/10 {
		t.Errorf("retransmitted %d, missing %d, out of order %d; want 0, 0 and about %d", d.RetransmittedSegments, d.MissingBytes, d.OutOfOrderSegments, n/2)
	}
}

// When the reassembly bound is hit, the report says so.
func TestReassemblyBoundIsReported(t *testing.T) {
	a := New(Options{MaxBuffered: 1000})
	frames := append(handshake(1000, 5000, 1460, 1460),
		frame{client: true, seq: 1001, ack: 5001, flags: flagACK | flagPSH, body: []byte("GET / HTTP/1.1\r\n\r\n"), ts: true, ipID: 1, at: ms})
	// The first response segment is never captured: the ones after it
	// wait in the buffer until it overflows.
	for i := 1; i <= 3; i++ {
		frames = append(frames, frame{seq: 5001 + uint32(i*800), ack: 1019, flags: flagACK, payload: 800, ts: true, ipID: uint16(10 + i), at: time.Duration(i+1) * ms})
	}
	for i, f := range frames {
		p := build(t, f)
		p.Number = i + 1
		if err := a.Add(p); err != nil {
			t.Fatal(err)
		}
	}
	res := a.Result()
	s := res.Connections[0].App.Streams[ServerToClient]
	if s.BoundHits == 0 || s.GapBytes != 800 {
		t.Fatalf("bound hits %d, gap bytes %d; want a hit and the 800 missing bytes as a gap", s.BoundHits, s.GapBytes)
	}
	found := false
	for _, w := range res.Warnings {
		found = found || (w.Conn == 0 && w.Kind == WarnDirectionBound && w.N == int64(s.BoundHits))
	}
	if !found {
		t.Errorf("no warning about the bound: %+v", res.Warnings)
	}
}

// TestRetransmissionAsWireshark: a segment filling a hole is reordered
// only within the handshake RTT of the highest byte's arrival (3 ms
// without a handshake), and not when it ends at the highest byte; one
// that comes at the byte two duplicate ACKs asked for, within 20 ms of the
// last, is a fast retransmission, however soon. tshark classes these
// frames the same way (a tbf-lossy capture had 6 hole-fillers 2.4 ms
// after the highest byte, with a 79 us RTT, called reordered).
func TestRetransmissionAsWireshark(t *testing.T) {
	const cisn, sisn = 1000, 5000
	us := time.Microsecond
	seg := func(i int, at time.Duration, id uint16) frame {
		return frame{seq: sisn + 1 + uint32(i*1000), ack: cisn + 1, flags: flagACK, payload: 1000, ts: true, tsval: uint32(at / us), ipID: id, at: at}
	}
	dupAck := func(i int, at time.Duration) frame { // the client asks again for segment i
		return frame{client: true, seq: cisn + 1, ack: sisn + 1 + uint32(i*1000), flags: flagACK, ts: true, tsval: uint32(at / us), at: at}
	}
	for _, tc := range []struct {
		name       string
		rtt        time.Duration
		frames     func() []frame
		retx, ooo  int32
		kindOfLast Kind
	}{
		{"within the RTT", 2 * ms, func() []frame {
			return []frame{seg(0, 10*ms, 1), seg(2, 11*ms, 2), seg(1, 12*ms, 3)}
		}, 0, 1, KindOutOfOrder},
		{"after the RTT, within 3 ms", 100 * us, func() []frame {
			return []frame{seg(0, 10*ms, 1), seg(2, 11*ms, 2), seg(1, 13*ms, 3)}
		}, 1, 0, KindRetransmission},
		{"after two duplicate ACKs", 50 * ms, func() []frame {
			return []frame{seg(0, 100*ms, 1), dupAck(1, 100*ms+100*us), seg(2, 101*ms, 2), dupAck(1, 101*ms+100*us), dupAck(1, 101*ms+200*us), seg(1, 101*ms+500*us, 3)}
		}, 1, 0, KindRetransmission},
		{"one duplicate ACK is not enough", 50 * ms, func() []frame {
			return []frame{seg(0, 100*ms, 1), dupAck(1, 100*ms+100*us), seg(2, 101*ms, 2), seg(1, 101*ms+500*us, 3)}
		}, 0, 1, KindOutOfOrder},
	} {
		frames := handshake(cisn, sisn, 1460, 1460)
		frames[1].at, frames[2].at = tc.rtt/2, tc.rtt
		frames = append(frames, tc.frames()...)
		a := New(Options{KeepSegments: func(*Connection) bool { return true }})
		for i, f := range frames {
			p := build(t, f)
			p.Number = i + 1
			if err := a.Add(p); err != nil {
				t.Fatal(err)
			}
		}
		c := a.Result().Connections[0]
		d := c.Dir(ServerToClient)
		last := *c.Segments.Last()
		if d.RetransmittedSegments != tc.retx || d.OutOfOrderSegments != tc.ooo || last.Kind&(KindRetransmission|KindOutOfOrder) != tc.kindOfLast {
			t.Errorf("%s: %d retransmitted, %d out of order, last %v; want %d, %d, %v", tc.name, d.RetransmittedSegments, d.OutOfOrderSegments, last.Kind, tc.retx, tc.ooo, tc.kindOfLast)
		}
	}
}

// TestTwoInterfaces: dumpcap -i lo -i any (testdata/two-interfaces.pcapng.gz)
// wrote every packet of one curl download (nginx, 40 000 bytes) twice, the
// "any" copies first and then the loopback ones, so each copy comes 14
// packets after its first. tshark calls 8 of them retransmissions; they
// are the same packets: the connection is seen on one interface, and its
// packets on the other (8 from the client, 6 from the server: tshark -T
// fields -e frame.interface_id -e tcp.srcport) are duplicates, each
// direction's bytes counted once.
func TestTwoInterfaces(t *testing.T) {
	for _, workers := range []int{1, 3} {
		src, err := capture.Open("testdata/two-interfaces.pcapng.gz")
		if err != nil {
			t.Fatal(err)
		}
		a := New(Options{Workers: workers})
		if err := a.ReadAll(src); err != nil {
			t.Fatal(err)
		}
		src.Close()
		res := a.Result()
		if res.Packets != 28 || len(res.Connections) != 1 {
			t.Fatalf("workers %d: %d packets, %d connections", workers, res.Packets, len(res.Connections))
		}
		c := res.Connections[0]
		// Its packets are the 14 on its own interface (tshark -Y
		// frame.interface_id==0), not the copies too (review 13).
		if c.Packets != 14 || c.Dirs[ClientToServer].Packets+c.Dirs[ServerToClient].Packets != 14 {
			t.Errorf("workers %d: %d packets (%d + %d), want the 14 on one interface", workers, c.Packets, c.Dirs[0].Packets, c.Dirs[1].Packets)
		}
		for _, w := range []struct {
			dir              Dir
			data, dup        int32
			bytes, retx, ooo int64
		}{{ClientToServer, 1, 8, 86, 0, 0}, {ServerToClient, 3, 6, 40242, 0, 0}} {
			d := c.Dir(w.dir)
			if d.DataSegments != w.data || d.Duplicates != w.dup || d.PayloadBytes != w.bytes || int64(d.RetransmittedSegments) != w.retx || int64(d.OutOfOrderSegments) != w.ooo {
				t.Errorf("workers %d, %s: %d data segments, %d duplicates, %d bytes, %d retransmitted, %d out of order; want %+v",
					workers, w.dir, d.DataSegments, d.Duplicates, d.PayloadBytes, d.RetransmittedSegments, d.OutOfOrderSegments, w)
			}
		}
	}
}

// TestAsymmetricInterfaces: a connection whose directions each show on
// one interface only (asymmetric routing, a bond's slaves), made from the
// router capture: the client's packets of its side, the server's of the
// other. Each direction is the connection's own, not a copy: tshark on
// that file counts the server's 277 data segments, 67 retransmissions and
// 1 out of order; they had all been dropped as copies.
func TestAsymmetricInterfaces(t *testing.T) {
	src, err := capture.Open("../explain/testdata/field/router-two-sides.pcapng.gz")
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	var buf bytes.Buffer
	w, err := pcapgo.NewNgWriterInterface(&buf, pcapgo.NgInterface{Name: "client-side", LinkType: layers.LinkTypeEthernet, SnapLength: 262144}, pcapgo.NgWriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.AddInterface(pcapgo.NgInterface{Name: "server-side", LinkType: layers.LinkTypeEthernet, SnapLength: 262144}); err != nil {
		t.Fatal(err)
	}
	for {
		p, err := src.ReadPacket()
		if err != nil {
			break
		}
		fromServer := bytes.Contains(p.Data[26:30], []byte{10, 66, 2, 2}) // the IPv4 source
		if fromServer != (p.Interface == 1) {
			continue
		}
		ci := gopacket.CaptureInfo{Timestamp: p.Timestamp, CaptureLength: len(p.Data), Length: p.Length, InterfaceIndex: p.Interface}
		if err := w.WritePacket(ci, p.Data); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	asym, err := capture.NewReader("asymmetric", bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	a := New(Options{})
	if err := a.ReadAll(asym); err != nil {
		t.Fatal(err)
	}
	cs := a.Result().Connections
	if len(cs) != 1 {
		t.Fatalf("%d connections", len(cs))
	}
	d := cs[0].Dir(ServerToClient)
	if d.DataSegments != 277 || d.RetransmittedSegments+d.OutOfOrderSegments != 68 || d.Duplicates != 0 || !d.SYN.Seen {
		t.Errorf("server: %d data segments, %d retransmitted, %d duplicates, SYN seen %v", d.DataSegments, d.RetransmittedSegments, d.Duplicates, d.SYN.Seen)
	}
	if c := cs[0].Dir(ClientToServer); c.DataSegments != 1 || c.Duplicates != 0 {
		t.Errorf("client: %d data segments, %d duplicates", c.DataSegments, c.Duplicates)
	}
}

// TestInterleavedCopies: every packet of a capture twice on one interface,
// the copies of each pair of packets after both (A B A' B'), as mergecap
// leaves a client's and a server's capture of one transfer (review round
// 8: 15 segments and 371 140 bytes for 13 and 300 244). Each direction's
// counts are the original's, every copy a duplicate.
func TestInterleavedCopies(t *testing.T) {
	read := func(src capture.Source) (*Result, []capture.Packet) {
		a := New(Options{})
		var ps []capture.Packet
		for {
			p, err := src.ReadPacket()
			if err != nil {
				break
			}
			p.Data = append([]byte(nil), p.Data...)
			ps = append(ps, p)
			if err := a.Add(p); err != nil {
				t.Fatal(err)
			}
		}
		return a.Result(), ps
	}
	src, err := capture.Open("../pcaps/mtu1440-ts.pcap.gz")
	if err != nil {
		t.Fatal(err)
	}
	orig, ps := read(src)
	src.Close()
	var buf bytes.Buffer
	w := pcapgo.NewWriter(&buf)
	if err := w.WriteFileHeader(262144, layers.LinkTypeEthernet); err != nil {
		t.Fatal(err)
	}
	write := func(p capture.Packet) {
		if err := w.WritePacket(gopacket.CaptureInfo{Timestamp: p.Timestamp, CaptureLength: len(p.Data), Length: p.Length}, p.Data); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < len(ps); i += 2 {
		pair := ps[i:min(i+2, len(ps))]
		for _, p := range pair {
			write(p)
		}
		for _, p := range pair {
			write(p)
		}
	}
	twice, err := capture.NewReader("twice", bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	got, _ := read(twice)
	if len(got.Connections) != len(orig.Connections) {
		t.Fatalf("%d connections, want %d", len(got.Connections), len(orig.Connections))
	}
	for i, c := range got.Connections {
		for _, d := range []Dir{ClientToServer, ServerToClient} {
			g, o := c.Dir(d), orig.Connections[i].Dir(d)
			if g.DataSegments != o.DataSegments || g.PayloadBytes != o.PayloadBytes || g.RetransmittedSegments != o.RetransmittedSegments || g.Duplicates < o.DataSegments-1 {
				t.Errorf("connection %d %s: %d data, %d bytes, %d retransmitted, %d duplicates; the original %d, %d, %d",
					i, d, g.DataSegments, g.PayloadBytes, g.RetransmittedSegments, g.Duplicates, o.DataSegments, o.PayloadBytes, o.RetransmittedSegments)
			}
		}
	}
}

// TestInferMSSNotFromOffload: without the SYNs the MSS is guessed from the
// segment sizes, but not from super-segments (review round 8: a capture
// cut after the handshake, of GRO'd segments on a 1500-byte path, got an
// MSS of 32768, then 65160): sizes above the most common that are not rare,
// or a guess past a jumbo frame's payload between two hosts, leave it
// unknown. On loopback 65483 is the path's own.
func TestInferMSSNotFromOffload(t *testing.T) {
	conn := func(client, server string, sizes ...int) *Connection {
		c := &Connection{Client: netip.MustParseAddrPort(client), Server: netip.MustParseAddrPort(server)}
		for _, n := range sizes {
			c.Dirs[ServerToClient].sizes.add(n)
		}
		return c
	}
	rep := func(n, k int) []int {
		out := make([]int, k)
		for i := range out {
			out[i] = n
		}
		return out
	}
	for _, c := range []struct {
		name string
		c    *Connection
		want int
	}{
		{"wire segments", conn("10.0.0.2:40000", "10.0.0.1:80", append(rep(1448, 50), 600, 300)...), 1448},
		{"super-segments above", conn("10.0.0.2:40000", "10.0.0.1:80", append(rep(32768, 3), 60760, 47784, 31856, 7240)...), 0},
		{"one size past a jumbo frame", conn("10.0.0.2:40000", "10.0.0.1:80", append(rep(65160, 3), 14480, 4052)...), 0},
		{"loopback", conn("127.0.0.1:40000", "127.0.0.1:8080", append(rep(65483, 10), 1000)...), 65483},
		// Review 12: begun mid-transfer after GRO, the server's sizes of
		// a real capture: 1448 x164, and whole multiples of it but one.
		{"GRO units of wire segments", conn("10.212.1.2:40000", "10.212.2.2:19200", slices.Concat(rep(1448, 164), rep(2896, 55), rep(5792, 27), rep(8688, 13), rep(4344, 12), rep(7240, 9), []int{9440, 1040, 258})...), 1448},
		{"one request", conn("10.0.0.2:40000", "10.0.0.1:80", 88), 0},
		{"short writes", conn("10.0.0.2:40000", "10.0.0.1:80", rep(120, 30)...), 0},
	} {
		if e := effectiveMSS(c.c, ServerToClient); e.Value != c.want || e.Inferred != (c.want > 0) {
			t.Errorf("%s: %d (inferred %v), want %d", c.name, e.Value, e.Inferred, c.want)
		}
	}
}

// TestHandshakeRTTResentSYN: testdata/synack-lost.pcap is the handshake of
// a curl download whose server's SYN-ACKs an nftables rule dropped for
// 2.5 s after tcpdump saw them (review 13): curl resent its SYN at 1.03,
// 2.06 and 3.08 s, and the last was answered. The RTT is from that SYN to
// the ACK (frames 8 and 10), as tshark's initial_rtt (61 us): it had been
// 3079 ms, from the first SYN.
func TestHandshakeRTTResentSYN(t *testing.T) {
	res, err := analyzeFile(t, "testdata/synack-lost.pcap")
	if err != nil {
		t.Fatal(err)
	}
	h := res.Connections[0].Handshake
	rtt, ok := h.RTT()
	if !ok || rtt != 61*time.Microsecond || h.SYNACK-h.SYN != 39000 {
		t.Errorf("rtt %v (ok %v), SYN to SYN-ACK %d ns; want 61us, 39000", rtt, ok, h.SYNACK-h.SYN)
	}
}
