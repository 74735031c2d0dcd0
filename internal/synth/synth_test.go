package synth

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// seg is one frame read back and decoded with gopacket.
type seg struct {
	ci               gopacket.CaptureInfo
	frame            []byte
	src, dst         net.IP
	sport, dport     uint16
	seq, ack         uint32
	syn, ak, psh     bool
	fin, rst         bool
	payload          int
	opts             []layers.TCPOptionKind
	window           uint16
	ipid             uint16
	v6               bool
	ipHdr, tcpPacket []byte // raw IP header and TCP header+payload, for checksums
}

func (s seg) tuple() string {
	c, cp, sv, sp := s.src, s.sport, s.dst, s.dport
	if s.sport == serverPort {
		c, cp, sv, sp = s.dst, s.dport, s.src, s.sport
	}
	return fmt.Sprintf("%s:%d-%s:%d", c, cp, sv, sp)
}

func (s seg) fromServer() bool { return s.sport == serverPort }

type file struct {
	linkType layers.LinkType
	snaplen  uint32
	segs     []seg
}

func generate(t *testing.T, cfg Config) ([]byte, Stats) {
	t.Helper()
	b, st, err := Bytes(cfg)
	if err != nil {
		t.Fatalf("Bytes(%+v): %v", cfg, err)
	}
	return b, st
}

// read parses a pcap written by Write. With full set, it decodes every frame
// and requires it to be complete and well formed.
func read(t *testing.T, b []byte, full bool) file {
	t.Helper()
	r, err := pcapgo.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	f := file{linkType: r.LinkType(), snaplen: r.Snaplen()}
	for {
		data, ci, err := r.ReadPacketData()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		s := seg{ci: ci, frame: data}
		if full {
			s = decode(t, len(f.segs), ci, data)
		}
		f.segs = append(f.segs, s)
	}
	return f
}

func decode(t *testing.T, i int, ci gopacket.CaptureInfo, data []byte) seg {
	t.Helper()
	p := gopacket.NewPacket(data, layers.LayerTypeEthernet, gopacket.DecodeOptions{NoCopy: true})
	if el := p.ErrorLayer(); el != nil {
		t.Fatalf("packet %d: decode error: %v", i, el.Error())
	}
	s := seg{ci: ci, frame: data}
	tl, ok := p.Layer(layers.LayerTypeTCP).(*layers.TCP)
	if !ok {
		t.Fatalf("packet %d: no TCP layer: %v", i, p)
	}
	switch ip := p.NetworkLayer().(type) {
	case *layers.IPv4:
		s.src, s.dst, s.ipid = ip.SrcIP, ip.DstIP, ip.Id
		s.ipHdr = ip.Contents
		s.tcpPacket = ip.Payload
		if int(ip.Length) != len(ip.Contents)+len(ip.Payload) {
			t.Fatalf("packet %d: IPv4 total length %d, header+payload %d", i, ip.Length, len(ip.Contents)+len(ip.Payload))
		}
		if ip.Flags != layers.IPv4DontFragment || ip.TTL != 64 {
			t.Fatalf("packet %d: flags %v ttl %d", i, ip.Flags, ip.TTL)
		}
	case *layers.IPv6:
		s.src, s.dst, s.v6 = ip.SrcIP, ip.DstIP, true
		s.tcpPacket = ip.Payload
		if int(ip.Length) != len(ip.Payload) {
			t.Fatalf("packet %d: IPv6 payload length %d, payload %d", i, ip.Length, len(ip.Payload))
		}
	default:
		t.Fatalf("packet %d: network layer %T", i, ip)
	}
	if ci.CaptureLength != ci.Length || len(data) != ci.Length {
		t.Fatalf("packet %d: capture length %d, length %d, data %d", i, ci.CaptureLength, ci.Length, len(data))
	}
	s.sport, s.dport = uint16(tl.SrcPort), uint16(tl.DstPort)
	s.seq, s.ack = tl.Seq, tl.Ack
	s.syn, s.ak, s.psh, s.fin, s.rst = tl.SYN, tl.ACK, tl.PSH, tl.FIN, tl.RST
	s.payload = len(tl.Payload)
	s.window = tl.Window
	for _, o := range tl.Options {
		s.opts = append(s.opts, o.OptionType)
	}
	return s
}

// sum16 is the RFC 1071 one's complement sum, written independently of
// gopacket's.
func sum16(b []byte, acc uint32) uint32 {
	for len(b) >= 2 {
		acc += uint32(binary.BigEndian.Uint16(b))
		b = b[2:]
	}
	if len(b) == 1 {
		acc += uint32(b[0]) << 8
	}
	for acc > 0xffff {
		acc = acc>>16 + acc&0xffff
	}
	return acc
}

func checkChecksums(t *testing.T, i int, s seg) {
	t.Helper()
	var pseudo []byte
	if s.v6 {
		pseudo = append(append(pseudo, s.src.To16()...), s.dst.To16()...)
		pseudo = binary.BigEndian.AppendUint32(pseudo, uint32(len(s.tcpPacket)))
		pseudo = append(pseudo, 0, 0, 0, 6)
	} else {
		if got := sum16(s.ipHdr, 0); got != 0xffff {
			t.Fatalf("packet %d: bad IPv4 header checksum (sum %#x)", i, got)
		}
		pseudo = append(append(pseudo, s.src.To4()...), s.dst.To4()...)
		pseudo = append(pseudo, 0, 6)
		pseudo = binary.BigEndian.AppendUint16(pseudo, uint16(len(s.tcpPacket)))
	}
	if got := sum16(s.tcpPacket, sum16(pseudo, 0)); got != 0xffff {
		t.Fatalf("packet %d: bad TCP checksum (sum %#x)", i, got)
	}
}

// readBack computes from the decoded frames what Stats should say.
func readBack(t *testing.T, f file, effMSS int) Stats {
	t.Helper()
	var st Stats
	high := map[string]uint32{} // per connection: end of server data seen
	for i, s := range f.segs {
		checkChecksums(t, i, s)
		st.Packets++
		if s.syn && !s.ak {
			st.Connections++
			delete(high, s.tuple())
		}
		if s.payload == 0 {
			continue
		}
		st.DataSegments++
		st.PayloadBytes += int64(s.payload)
		if !s.fromServer() {
			continue
		}
		st.ServerDataSegments++
		k := s.tuple()
		end := s.seq + uint32(s.payload)
		if h, ok := high[k]; ok && int32(end-h) <= 0 {
			st.Retransmissions++
			continue
		}
		high[k] = end
		if s.payload > effMSS {
			if s.payload != superFactor*effMSS {
				t.Fatalf("packet %d: server segment of %d bytes, neither <= %d nor a super-segment of %d", i, s.payload, effMSS, superFactor*effMSS)
			}
			st.SuperSegments++
		}
	}
	return st
}

func TestPcapHeader(t *testing.T) {
	b, _ := generate(t, Config{})
	if got := binary.LittleEndian.Uint32(b[0:4]); got != 0xa1b2c3d4 {
		t.Fatalf("magic %#x, want a1b2c3d4 (microseconds, little-endian)", got)
	}
	f := read(t, b, true)
	if f.linkType != layers.LinkTypeEthernet {
		t.Fatalf("link type %v", f.linkType)
	}
	if f.snaplen != fileSnaplen {
		t.Fatalf("snaplen %d", f.snaplen)
	}
	if got := f.segs[0].ci.Timestamp; !got.Equal(DefaultStart) {
		t.Fatalf("first packet at %v, want %v", got, DefaultStart)
	}
	start := time.Date(2030, 5, 6, 7, 8, 9, 123456000, time.UTC)
	b, _ = generate(t, Config{Start: start})
	if got := read(t, b, false).segs[0].ci.Timestamp; !got.Equal(start) {
		t.Fatalf("first packet at %v, want %v", got, start)
	}
}

// TestPacketCounts checks exact packet counts worked out by hand.
func TestPacketCounts(t *testing.T) {
	cases := []struct {
		name string
		cfg  Config
		want Stats
	}{
		// 100000/1448: 69 full + 88 bytes = 70 segments, 35 client ACKs.
		// 3 handshake + 1 request + 70 + 35 + 3 teardown.
		{"defaults+ts", Config{Timestamps: true},
			Stats{Packets: 112, Connections: 1, DataSegments: 71, ServerDataSegments: 70, PayloadBytes: 100100}},
		// 100000/1460: 68 full + 720 = 69 segments, 34 ACKs + 1 for the odd last.
		{"defaults", Config{},
			Stats{Packets: 111, Connections: 1, DataSegments: 70, ServerDataSegments: 69, PayloadBytes: 100100}},
		// Request 5000/1448: 4 segments, 2 server ACKs. Response 10000/1448:
		// 7 segments, 3 + 1 ACKs. Retransmit every 3rd: 2 more.
		// 3 + 4 + 2 + 9 + 4 + 3 = 25.
		{"request+retrans", Config{Timestamps: true, RequestBytes: 5000, ResponseBytes: 10000, RetransmitEvery: 3},
			Stats{Packets: 25, Connections: 1, DataSegments: 13, ServerDataSegments: 9, PayloadBytes: 5000 + 10000 + 2*1448, Retransmissions: 2}},
		// Response 20000 with every 2nd a super-segment (5792):
		// 1448, 5792, 1448, 5792, 1448, then 4072 left: 1448, [super needs 5792, no] 1448, 1176
		// = 8 segments, 2 super. ACK units: 1,4,1,4,1,1,1,1 -> ACK after
		// seg 2, 4, 6(1+1), 8(1+1) = 4 ACKs. 3+1+8+4+3 = 19.
		{"super", Config{Timestamps: true, ResponseBytes: 20000, SuperSegmentEvery: 2},
			Stats{Packets: 19, Connections: 1, DataSegments: 9, ServerDataSegments: 8, PayloadBytes: 20100, SuperSegments: 2}},
		{"3 conns", Config{Connections: 3, Timestamps: true},
			Stats{Packets: 3 * 112, Connections: 3, DataSegments: 3 * 71, ServerDataSegments: 3 * 70, PayloadBytes: 3 * 100100}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b, st := generate(t, c.cfg)
			if st != c.want {
				t.Errorf("Stats\n got %+v\nwant %+v", st, c.want)
			}
			eff := 1460
			if c.cfg.Timestamps {
				eff = 1448
			}
			if got := readBack(t, read(t, b, true), eff); got != c.want {
				t.Errorf("read back\n got %+v\nwant %+v", got, c.want)
			}
		})
	}
}

func TestConnectionShape(t *testing.T) {
	for _, ts := range []bool{true, false} {
		t.Run(fmt.Sprint("timestamps=", ts), func(t *testing.T) {
			cfg := Config{Timestamps: ts, RequestBytes: 3000, ResponseBytes: 30000, MSS: 1400, ServerMSS: 1200, Seed: 7}
			b, _ := generate(t, cfg)
			f := read(t, b, true)
			s := f.segs
			n := len(s)

			wantSyn := []layers.TCPOptionKind{layers.TCPOptionKindMSS, layers.TCPOptionKindSACKPermitted,
				layers.TCPOptionKindTimestamps, layers.TCPOptionKindNop, layers.TCPOptionKindWindowScale}
			wantData := []layers.TCPOptionKind{layers.TCPOptionKindNop, layers.TCPOptionKindNop, layers.TCPOptionKindTimestamps}
			if !ts {
				wantSyn = []layers.TCPOptionKind{layers.TCPOptionKindMSS, layers.TCPOptionKindNop, layers.TCPOptionKindNop,
					layers.TCPOptionKindSACKPermitted, layers.TCPOptionKindNop, layers.TCPOptionKindWindowScale}
				wantData = nil
			}
			syn, synack := s[0], s[1]
			if !syn.syn || syn.ak || syn.fromServer() || !synack.syn || !synack.ak || !synack.fromServer() {
				t.Fatalf("handshake: %+v %+v", syn, synack)
			}
			if fmt.Sprint(syn.opts) != fmt.Sprint(wantSyn) || fmt.Sprint(synack.opts) != fmt.Sprint(wantSyn) {
				t.Fatalf("SYN options %v, SYN-ACK options %v, want %v", syn.opts, synack.opts, wantSyn)
			}
			// MSS values: parse raw options (kind 2 is first in both orders).
			for _, c := range []struct {
				s   seg
				mss int
			}{{syn, 1400}, {synack, 1200}} {
				o := c.s.tcpPacket[20:]
				if o[0] != 2 || o[1] != 4 || int(binary.BigEndian.Uint16(o[2:])) != c.mss {
					t.Fatalf("MSS option % x, want %d", o[:4], c.mss)
				}
			}
			if synack.ack != syn.seq+1 {
				t.Fatalf("SYN-ACK acks %d, want %d", synack.ack, syn.seq+1)
			}
			if rtt := synack.ci.Timestamp.Sub(syn.ci.Timestamp); rtt < 90*time.Microsecond || rtt > 110*time.Microsecond {
				t.Fatalf("handshake RTT %v", rtt)
			}
			for i := 2; i < n; i++ {
				if fmt.Sprint(s[i].opts) != fmt.Sprint(wantData) {
					t.Fatalf("packet %d options %v, want %v", i, s[i].opts, wantData)
				}
				if !s[i].ak || s[i].syn || s[i].rst {
					t.Fatalf("packet %d flags", i)
				}
				if d := s[i].ci.Timestamp.Sub(s[i-1].ci.Timestamp); d <= 0 || d > 200*time.Microsecond {
					t.Fatalf("packet %d: %v after the previous one", i, d)
				}
			}
			if s[2].fromServer() || s[2].payload != 0 || s[2].ack != synack.seq+1 {
				t.Fatalf("third packet is not the client's ACK: %+v", s[2])
			}

			// Sequence numbers: each side's data is contiguous from ISN+1,
			// sizes are exactly the effective MSS except the last, PSH on
			// the last, ACKs acknowledge what was sent.
			cEff, sEff := 1200, 1400 // client segments sized by server's MSS
			if ts {
				cEff, sEff = 1188, 1388
			}
			cNext, sNext := syn.seq+1, synack.seq+1
			var cSizes, sSizes []int
			var lastC, lastS seg
			for i := 2; i < n-3; i++ {
				p := s[i]
				if p.payload == 0 {
					if p.fromServer() && p.ack != cNext || !p.fromServer() && p.ack != sNext {
						t.Fatalf("packet %d: ACK %d does not cover the data sent (%d/%d)", i, p.ack, cNext, sNext)
					}
					continue
				}
				if p.fromServer() {
					if p.seq != sNext || p.ack != cNext {
						t.Fatalf("packet %d: server seq %d ack %d, want %d %d", i, p.seq, p.ack, sNext, cNext)
					}
					sNext += uint32(p.payload)
					sSizes = append(sSizes, p.payload)
					lastS = p
					if p.psh != (len(sSizes)*sEff >= 30000) {
						t.Fatalf("packet %d: PSH %v", i, p.psh)
					}
				} else {
					if p.seq != cNext {
						t.Fatalf("packet %d: client seq %d, want %d", i, p.seq, cNext)
					}
					cNext += uint32(p.payload)
					cSizes = append(cSizes, p.payload)
					lastC = p
				}
			}
			checkSizes := func(who string, sizes []int, eff, total int) {
				sum := 0
				for i, z := range sizes {
					sum += z
					if i < len(sizes)-1 && z != eff {
						t.Fatalf("%s segment %d is %d bytes, want %d", who, i, z, eff)
					}
				}
				if sum != total || sizes[len(sizes)-1] > eff || sizes[len(sizes)-1] <= 0 {
					t.Fatalf("%s sizes %v, sum %d, want %d", who, sizes, sum, total)
				}
			}
			checkSizes("server", sSizes, sEff, 30000)
			checkSizes("client", cSizes, cEff, 3000)
			if !lastC.psh || !lastS.psh {
				t.Fatalf("PSH missing on the last request/response segment")
			}
			// Teardown.
			fin1, fin2, last := s[n-3], s[n-2], s[n-1]
			if !fin1.fin || !fin1.fromServer() || fin1.seq != sNext || fin1.ack != cNext {
				t.Fatalf("server FIN %+v", fin1)
			}
			if !fin2.fin || fin2.fromServer() || fin2.seq != cNext || fin2.ack != sNext+1 {
				t.Fatalf("client FIN %+v", fin2)
			}
			if last.fin || !last.fromServer() || last.seq != sNext+1 || last.ack != cNext+1 {
				t.Fatalf("final ACK %+v", last)
			}
			// The first request segment starts like an HTTP request, the
			// first response segment like an HTTP response.
			seen := map[bool]bool{}
			for _, p := range s {
				if p.payload > 0 && !seen[p.fromServer()] {
					seen[p.fromServer()] = true
					pl := p.tcpPacket[len(p.tcpPacket)-p.payload:]
					want := "GET /object HTTP/1.1\r\n"
					if p.fromServer() {
						want = "HTTP/1.1 200 OK\r\n"
					}
					if !bytes.HasPrefix(pl, []byte(want)) {
						t.Fatalf("first payload %q", pl[:min(len(pl), 30)])
					}
				}
			}
		})
	}
}

func TestSegmentSizes(t *testing.T) {
	for _, c := range []struct {
		mss int
		ts  bool
		eff int
	}{{1460, true, 1448}, {1460, false, 1460}, {536, true, 524}, {9000, true, 8988}} {
		cfg := Config{MSS: c.mss, Timestamps: c.ts, ResponseBytes: 200000, Connections: 2}
		b, _ := generate(t, cfg)
		f := read(t, b, true)
		var sizes []int
		for _, s := range f.segs {
			if s.fromServer() && s.payload > 0 {
				sizes = append(sizes, s.payload)
			}
			if s.fromServer() && (s.fin || s.syn) {
				// check each connection separately at its FIN
				if s.fin {
					for i, z := range sizes {
						if i < len(sizes)-1 && z != c.eff || z > c.eff {
							t.Fatalf("mss %d ts %v: segment %d of %d is %d bytes, want %d", c.mss, c.ts, i, len(sizes), z, c.eff)
						}
					}
					if want := 200000 % c.eff; sizes[len(sizes)-1] != want && want != 0 {
						t.Fatalf("last segment %d, want %d", sizes[len(sizes)-1], want)
					}
					sizes = nil
				}
			}
		}
	}
}

func TestStatsMatchReadBack(t *testing.T) {
	for _, v6 := range []bool{false, true} {
		cfg := Config{
			Connections: 40, ReusedTuples: 15, ResponseBytes: 150000, RequestBytes: 4000,
			Timestamps: true, SuperSegmentEvery: 5, RetransmitEvery: 7, IPv6: v6, Seed: 42,
		}
		b, st := generate(t, cfg)
		got := readBack(t, read(t, b, true), 1448)
		if got != st {
			t.Fatalf("ipv6=%v: read back\n %+v\nStats\n %+v", v6, got, st)
		}
		if st.SuperSegments == 0 || st.Retransmissions == 0 || st.Connections != 40 {
			t.Fatalf("config not exercised: %+v", st)
		}
		// Every 35th server segment is a retransmitted super-segment.
		var retransSuper int
		f := read(t, b, true)
		for i := 1; i < len(f.segs); i++ {
			p, q := f.segs[i-1], f.segs[i]
			if q.fromServer() && q.payload == 4*1448 && p.seq == q.seq && p.payload == q.payload {
				retransSuper++
				if !q.ci.Timestamp.After(p.ci.Timestamp) || !bytes.Equal(p.frame[len(p.frame)-p.payload:], q.frame[len(q.frame)-q.payload:]) {
					t.Fatalf("retransmission %d not later or not the same bytes", i)
				}
			}
		}
		if retransSuper == 0 {
			t.Fatalf("no retransmitted super-segment")
		}
	}
}

func TestReusedTuples(t *testing.T) {
	cfg := Config{Connections: 60, ReusedTuples: 25, ResponseBytes: 5000, Timestamps: true, Seed: 3}
	b, st := generate(t, cfg)
	f := read(t, b, true)
	type state struct {
		isns   []uint32
		open   bool
		closed time.Time
		end    uint32 // client sequence number after its FIN
	}
	tuples := map[string]*state{}
	syns := 0
	for i, s := range f.segs {
		k := s.tuple()
		ts := tuples[k]
		if ts == nil {
			ts = &state{}
			tuples[k] = ts
		}
		if !s.fromServer() && (s.sport < clientPortMin || s.sport > clientPortMax) {
			t.Fatalf("client port %d out of range", s.sport)
		}
		switch {
		case s.syn && !s.ak:
			syns++
			if ts.open {
				t.Fatalf("packet %d: SYN on %s while the previous connection is open", i, k)
			}
			for _, old := range ts.isns {
				if old == s.seq {
					t.Fatalf("packet %d: reused tuple %s with the same ISN %d", i, k, s.seq)
				}
			}
			if len(ts.isns) > 0 && !s.ci.Timestamp.After(ts.closed) {
				t.Fatalf("packet %d: reuse starts before the earlier connection ended", i)
			}
			// The new ISN lies beyond the old sequence space and any
			// window of it (RFC 1122 4.2.2.13; tcptrace relies on it).
			if d := s.seq - ts.end; len(ts.isns) > 0 && (d < 1<<24 || d >= 1<<31) {
				t.Fatalf("packet %d: new ISN %d only %d past the old connection's end %d", i, s.seq, d, ts.end)
			}
			ts.isns = append(ts.isns, s.seq)
			ts.open = true
		case !ts.open:
			t.Fatalf("packet %d on %s outside a connection", i, k)
		case s.fromServer() && !s.fin && s.payload == 0 && i > 0 && f.segs[i-1].fin && !f.segs[i-1].fromServer():
			ts.open, ts.closed, ts.end = false, s.ci.Timestamp, s.ack // final ACK
		}
	}
	reused := 0
	for _, ts := range tuples {
		reused += len(ts.isns) - 1
		if ts.open {
			t.Fatalf("connection left open")
		}
	}
	if syns != 60 || len(tuples) != 35 || reused != 25 || st.Connections != 60 {
		t.Fatalf("syns %d tuples %d reused %d stats %+v", syns, len(tuples), reused, st)
	}
}

// TestManyFlows generates enough distinct tuples to need several client
// hosts and checks, with a hand-written parser, that non-reused tuples are
// distinct, that reuses only follow closed connections and that IPv4 IDs
// count up per host.
func TestManyFlows(t *testing.T) {
	if testing.Short() {
		t.Skip("250k packets")
	}
	cfg := Config{Connections: 25000, ReusedTuples: 3000, ResponseBytes: 2000, Timestamps: true, Seed: 9}
	b, st := generate(t, cfg)
	f := read(t, b, false)
	if len(f.segs) != st.Packets || st.Packets != 25000*10 {
		t.Fatalf("%d packets read, Stats %+v", len(f.segs), st)
	}
	type key struct {
		c  [4]byte
		cp uint16
	}
	isn := map[key]uint32{}
	open := map[key]bool{}
	ids := map[[4]byte]uint16{}
	hosts := map[[4]byte]bool{}
	syns := 0
	for i, s := range f.segs {
		fr := s.frame
		if binary.BigEndian.Uint16(fr[12:]) != 0x0800 {
			t.Fatalf("not IPv4")
		}
		ip := fr[14:]
		tcp := ip[20:]
		var src, dst [4]byte
		copy(src[:], ip[12:16])
		copy(dst[:], ip[16:20])
		id := binary.BigEndian.Uint16(ip[4:])
		if prev, ok := ids[src]; ok && id != prev+1 {
			t.Fatalf("packet %d: IPv4 ID %d after %d from %v", i, id, prev, src)
		}
		ids[src] = id
		sport, dport := binary.BigEndian.Uint16(tcp), binary.BigEndian.Uint16(tcp[2:])
		flags := tcp[13]
		k := key{src, sport}
		if sport == serverPort {
			k = key{dst, dport}
		} else {
			hosts[src] = true
		}
		switch {
		case flags == 0x02: // SYN
			syns++
			seq := binary.BigEndian.Uint32(tcp[4:])
			if old, ok := isn[k]; ok && old == seq {
				t.Fatalf("packet %d: same ISN on reuse", i)
			}
			if open[k] {
				t.Fatalf("packet %d: SYN on an open tuple", i)
			}
			isn[k], open[k] = seq, true
		case flags == 0x10 && sport == serverPort && f.segs[i-1].frame[14+20+13]&0x01 != 0:
			open[k] = false // server's final ACK after the client's FIN
		}
	}
	if syns != 25000 || len(isn) != 22000 || len(hosts) != 3 {
		t.Fatalf("syns %d distinct tuples %d client hosts %d", syns, len(isn), len(hosts))
	}
}

func TestDeterminism(t *testing.T) {
	cfg := Config{Connections: 20, ReusedTuples: 5, Timestamps: true, SuperSegmentEvery: 9, RetransmitEvery: 11, Seed: 99}
	a, sa := generate(t, cfg)
	b, sb := generate(t, cfg)
	if !bytes.Equal(a, b) || sa != sb {
		t.Fatalf("same config, different output")
	}
	var w bytes.Buffer
	sw, err := Write(&w, cfg)
	if err != nil || !bytes.Equal(w.Bytes(), a) || sw != sa {
		t.Fatalf("Write and Bytes differ (err %v)", err)
	}
	cfg.Seed++
	c, _ := generate(t, cfg)
	if bytes.Equal(a, c) {
		t.Fatalf("different seed, same output")
	}
}

func TestSnaplen(t *testing.T) {
	cfg := Config{Connections: 3, Timestamps: true, SuperSegmentEvery: 4, Seed: 5}
	full, _ := generate(t, cfg)
	cfg.Snaplen = 96
	cut, st := generate(t, cfg)
	ff, fc := read(t, full, true), read(t, cut, false)
	if fc.snaplen != 96 {
		t.Fatalf("file snaplen %d", fc.snaplen)
	}
	if len(ff.segs) != len(fc.segs) || len(fc.segs) != st.Packets {
		t.Fatalf("%d vs %d packets", len(ff.segs), len(fc.segs))
	}
	sawSuper := false
	for i := range ff.segs {
		a, b := ff.segs[i], fc.segs[i]
		if b.ci.Length != a.ci.Length || b.ci.CaptureLength != min(96, a.ci.Length) || len(b.frame) != b.ci.CaptureLength {
			t.Fatalf("packet %d: cut %+v, full %+v", i, b.ci, a.ci)
		}
		if !bytes.Equal(b.frame, a.frame[:len(b.frame)]) || !b.ci.Timestamp.Equal(a.ci.Timestamp) {
			t.Fatalf("packet %d: cut frame is not a prefix of the full one", i)
		}
		if a.ci.Length == 14+20+32+4*1448 {
			sawSuper = true
		}
	}
	if !sawSuper {
		t.Fatalf("no super-segment of full length %d", 14+20+32+4*1448)
	}
}

func TestIPv6(t *testing.T) {
	b, st := generate(t, Config{IPv6: true, Connections: 4, ReusedTuples: 1, Timestamps: true})
	f := read(t, b, true)
	_, prefix, _ := net.ParseCIDR("fd00::/64")
	for i, s := range f.segs {
		if !s.v6 || !prefix.Contains(s.src) || !prefix.Contains(s.dst) || s.src.To4() != nil {
			t.Fatalf("packet %d: %v -> %v", i, s.src, s.dst)
		}
		if binary.BigEndian.Uint16(s.frame[12:]) != 0x86dd {
			t.Fatalf("packet %d: ethertype", i)
		}
	}
	if got := readBack(t, f, 1448); got != st {
		t.Fatalf("read back %+v, Stats %+v", got, st)
	}
	// IPv4 is 10/8.
	b, _ = generate(t, Config{})
	_, ten, _ := net.ParseCIDR("10.0.0.0/8")
	for _, s := range read(t, b, true).segs {
		if s.v6 || !ten.Contains(s.src) || !ten.Contains(s.dst) {
			t.Fatalf("%v -> %v", s.src, s.dst)
		}
	}
}

func TestIPv4IDPerHost(t *testing.T) {
	b, _ := generate(t, Config{Connections: 5, ReusedTuples: 2})
	last := map[string]uint16{}
	for i, s := range read(t, b, true).segs {
		k := s.src.String()
		if prev, ok := last[k]; ok && s.ipid != prev+1 {
			t.Fatalf("packet %d: ID %d after %d from %s", i, s.ipid, prev, k)
		}
		last[k] = s.ipid
	}
	if len(last) != 2 {
		t.Fatalf("%d hosts, want 2", len(last))
	}
}

func TestConfigErrors(t *testing.T) {
	for _, cfg := range []Config{
		{Connections: 5, ReusedTuples: 5},
		{ReusedTuples: 1},
		{Connections: -1},
		{ResponseBytes: -5},
		{MSS: 70000},
		{MSS: 12, Timestamps: true},
		{MSS: 20000, SuperSegmentEvery: 1},
	} {
		if _, _, err := Bytes(cfg); err == nil {
			t.Errorf("%+v: no error", cfg)
		}
	}
	if _, _, err := Bytes(Config{MSS: 16000, SuperSegmentEvery: 1, Timestamps: true}); err != nil {
		t.Errorf("4x16000 super-segments fit: %v", err)
	}
}

// TestSpeed guards against accidental slowness: 100k full-size packets
// must take well under a second.
func TestSpeed(t *testing.T) {
	if testing.Short() {
		t.Skip()
	}
	t0 := time.Now()
	st, err := Write(io.Discard, Config{Connections: 100, ResponseBytes: 1400000, Timestamps: true})
	if err != nil {
		t.Fatal(err)
	}
	d := time.Since(t0)
	t.Logf("%d packets in %v (%.0f ns/packet)", st.Packets, d, float64(d.Nanoseconds())/float64(st.Packets))
	if d > 3*time.Second {
		t.Fatalf("too slow: %v for %d packets", d, st.Packets)
	}
}
