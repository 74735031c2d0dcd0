package analyze

import (
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"

	"github.com/segscope/segscope/capture"
)

// FuzzAdd feeds arbitrary frames of every supported link type to the
// analyzer: it must count them as TCP, non-TCP, fragments or malformed,
// never panic, and report sizes that the frame's wire length allows.
func FuzzAdd(f *testing.F) {
	for _, fr := range append(handshake(1000, 5000, 1460, 1400),
		frame{seq: 5001, ack: 1001, flags: flagACK, payload: 100, ts: true, ipID: 3},
		frame{client: true, seq: 1, flags: flagSYN, mss: 1440, v6: true, vlan: []uint16{200, 300}}) {
		f.Add(uint16(layers.LinkTypeEthernet), build(f, fr).Data)
	}
	f.Add(uint16(layers.LinkTypeRaw), build(f, frame{client: true, flags: flagSYN}).Data[14:])
	f.Add(uint16(layers.LinkTypeNull), append([]byte{2, 0, 0, 0}, build(f, frame{client: true, flags: flagSYN}).Data[14:]...))
	f.Add(uint16(layers.LinkTypeLinuxSLL2), []byte{0x08, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 6, 0, 0, 0, 0, 0, 0, 0, 0, 0x45})
	f.Fuzz(func(t *testing.T, lt uint16, data []byte) {
		a := New(Options{KeepSegments: func(*Connection) bool { return true }})
		for i := 0; i < 3; i++ { // the same frame again: exercises retransmission paths
			// The second time on another interface: a copy (the paths of
			// a pcapng of several interfaces).
			p := capture.Packet{Data: data, Timestamp: time.Unix(1, int64(i)), Length: len(data), LinkType: layers.LinkType(lt), Number: i + 1, Interface: i & 1}
			if err := a.Add(p); err != nil {
				return
			}
		}
		res := a.Result()
		if res.TCPPackets+res.NonTCP+res.Fragments+res.Malformed+res.SnapCut != res.Packets {
			t.Fatalf("packets %d != tcp %d + other %d + fragments %d + malformed %d", res.Packets, res.TCPPackets, res.NonTCP, res.Fragments, res.Malformed)
		}
		for _, c := range res.Connections {
			for _, s := range c.Segments.All() {
				if s.Len < 0 || s.Len > len(data) {
					t.Fatalf("segment length %d from a %d-byte frame", s.Len, len(data))
				}
			}
		}
	})
}
