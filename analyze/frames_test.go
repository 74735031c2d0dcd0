package analyze

import (
	"encoding/binary"
	"net"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/segscope/segscope/capture"
)

// frame describes one TCP segment to serialize for a test.
type frame struct {
	client   bool // sent by the client (10.0.0.1:40000) to the server (10.0.0.2:80)
	seq, ack uint32
	flags    uint8
	payload  int
	body     []byte // payload bytes (zeros when nil)
	mss      int    // MSS option (SYNs)
	ts       bool
	tsval    uint32
	ipID     uint16
	zeroWin  bool // advertise a zero window
	at       time.Duration
	v6       bool
	vlan     []uint16 // 802.1Q tags, outermost first
	snaplen  int
}

var testStart = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// build serializes f as an Ethernet frame with real headers and checksums.
func build(t testing.TB, f frame) capture.Packet {
	t.Helper()
	src, dst := net.IP{10, 0, 0, 1}, net.IP{10, 0, 0, 2}
	sport, dport := layers.TCPPort(40000), layers.TCPPort(80)
	if f.v6 {
		src, dst = net.ParseIP("fd00::1"), net.ParseIP("fd00::2")
	}
	if !f.client {
		src, dst = dst, src
		sport, dport = dport, sport
	}
	win := uint16(502)
	if f.zeroWin {
		win = 0
	}
	tcp := &layers.TCP{
		SrcPort: sport, DstPort: dport, Seq: f.seq, Ack: f.ack, Window: win,
		FIN: f.flags&flagFIN != 0, SYN: f.flags&flagSYN != 0, RST: f.flags&flagRST != 0,
		PSH: f.flags&flagPSH != 0, ACK: f.flags&flagACK != 0,
	}
	if f.mss > 0 {
		tcp.Options = append(tcp.Options, layers.TCPOption{OptionType: layers.TCPOptionKindMSS, OptionLength: 4, OptionData: binary.BigEndian.AppendUint16(nil, uint16(f.mss))})
	}
	if f.ts {
		data := make([]byte, 8)
		binary.BigEndian.PutUint32(data, f.tsval)
		tcp.Options = append(tcp.Options,
			layers.TCPOption{OptionType: layers.TCPOptionKindNop},
			layers.TCPOption{OptionType: layers.TCPOptionKindNop},
			layers.TCPOption{OptionType: layers.TCPOptionKindTimestamps, OptionLength: 10, OptionData: data})
	}
	var ip gopacket.SerializableLayer
	etype := layers.EthernetTypeIPv4
	if f.v6 {
		ip6 := &layers.IPv6{Version: 6, SrcIP: src, DstIP: dst, NextHeader: layers.IPProtocolTCP, HopLimit: 64}
		tcp.SetNetworkLayerForChecksum(ip6)
		ip = ip6
		etype = layers.EthernetTypeIPv6
	} else {
		ip4 := &layers.IPv4{Version: 4, IHL: 5, TTL: 64, Id: f.ipID, Flags: layers.IPv4DontFragment, Protocol: layers.IPProtocolTCP, SrcIP: src, DstIP: dst}
		tcp.SetNetworkLayerForChecksum(ip4)
		ip = ip4
	}
	stack := []gopacket.SerializableLayer{}
	eth := &layers.Ethernet{SrcMAC: net.HardwareAddr{2, 0, 0, 0, 0, 1}, DstMAC: net.HardwareAddr{2, 0, 0, 0, 0, 2}, EthernetType: etype}
	stack = append(stack, eth)
	if len(f.vlan) > 0 {
		eth.EthernetType = layers.EthernetTypeQinQ
		if len(f.vlan) == 1 {
			eth.EthernetType = layers.EthernetTypeDot1Q
		}
		for i, id := range f.vlan {
			next := layers.EthernetTypeDot1Q
			if i == len(f.vlan)-1 {
				next = etype
			}
			stack = append(stack, &layers.Dot1Q{VLANIdentifier: id, Type: next})
		}
	}
	body := f.body
	if body == nil {
		body = make([]byte, f.payload)
	}
	stack = append(stack, ip, tcp, gopacket.Payload(body))
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, stack...); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	length := len(data)
	if f.snaplen > 0 && f.snaplen < len(data) {
		data = data[:f.snaplen]
	}
	return capture.Packet{Data: data, Timestamp: testStart.Add(f.at), Length: length, LinkType: layers.LinkTypeEthernet}
}

// feed runs frames through a fresh analyzer that keeps all segments.
func feed(t testing.TB, frames ...frame) *Result {
	t.Helper()
	a := New(Options{KeepSegments: func(*Connection) bool { return true }})
	for i, f := range frames {
		p := build(t, f)
		p.Number = i + 1
		if err := a.Add(p); err != nil {
			t.Fatalf("frame %d: %v", i+1, err)
		}
	}
	return a.Result()
}

// handshake returns the three packets of a handshake with the given ISNs
// and MSS values, timestamps on, 100 us apart.
func handshake(cisn, sisn uint32, cmss, smss int) []frame {
	return []frame{
		{client: true, seq: cisn, flags: flagSYN, mss: cmss, ts: true, at: 0},
		{client: false, seq: sisn, ack: cisn + 1, flags: flagSYN | flagACK, mss: smss, ts: true, at: 100 * time.Microsecond},
		{client: true, seq: cisn + 1, ack: sisn + 1, flags: flagACK, ts: true, at: 200 * time.Microsecond},
	}
}

// withData returns a copy of p carrying other bytes of another link type.
func withData(p capture.Packet, lt layers.LinkType, data []byte) capture.Packet {
	p.LinkType, p.Data, p.Length = lt, data, len(data)
	return p
}

// withIPv6Extensions inserts a destination options header and an atomic
// fragment header (offset 0, no more fragments) between the IPv6 header and
// TCP of an Ethernet frame built by build.
func withIPv6Extensions(p capture.Packet) capture.Packet {
	const ip = 14
	dstOpts := []byte{44, 0, 1, 4, 0, 0, 0, 0} // next: fragment; PadN
	frag := []byte{6, 0, 0, 0, 0, 0, 0, 7}     // next: TCP; offset 0, M 0
	data := append([]byte(nil), p.Data[:ip+40]...)
	data[ip+6] = 60 // next header: destination options
	plen := int(data[ip+4])<<8 | int(data[ip+5]) + len(dstOpts) + len(frag)
	data[ip+4], data[ip+5] = byte(plen>>8), byte(plen)
	data = append(append(append(data, dstOpts...), frag...), p.Data[ip+40:]...)
	return withData(p, layers.LinkTypeEthernet, data)
}
