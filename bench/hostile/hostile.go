// Package hostile writes pcap files of traffic meant to exhaust an
// analyzer's memory: SYN floods (half-open connections that never end),
// floods of segments far outside any window, and connections whose every
// segment starts past a gap. Tests and bench/memory.sh use them to check
// that segscope's memory stays bounded and that it reports the bound hit.
//
// The frames are valid Ethernet/IPv4/TCP with correct checksums; the
// traffic models an attack, not TCP.
package hostile

import (
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// Kind is the attack a capture carries.
type Kind string

const (
	// SYNFlood: Count SYNs from distinct client 4-tuples to one server,
	// never answered: Count half-open connections.
	SYNFlood Kind = "synflood"
	// OutOfWindow: Conns handshaken connections, then Count server data
	// segments (Payload bytes each) at random sequence numbers, spread
	// over the connections.
	OutOfWindow Kind = "oow"
	// Gaps: Conns handshaken connections, then Count server data segments
	// each starting Payload bytes past the end of the one before: a gap
	// before every segment, never filled.
	Gaps Kind = "gaps"
)

// Config describes a hostile capture.
type Config struct {
	Kind    Kind
	Count   int // SYNs or data segments
	Conns   int // connections the data segments are spread over (OutOfWindow, Gaps; default 1)
	Payload int // bytes per data segment (default 1000)
	Seed    uint64
}

// Write writes the capture to w.
func Write(w io.Writer, cfg Config) error {
	if cfg.Conns <= 0 {
		cfg.Conns = 1
	}
	if cfg.Payload <= 0 {
		cfg.Payload = 1000
	}
	g := &gen{rng: rand.New(rand.NewPCG(cfg.Seed, 7)), payload: make([]byte, cfg.Payload), buf: gopacket.NewSerializeBuffer()}
	g.pw = pcapgo.NewWriter(w)
	if err := g.pw.WriteFileHeader(65535, layers.LinkTypeEthernet); err != nil {
		return err
	}
	server := net.IPv4(10, 0, 0, 1).To4()
	switch cfg.Kind {
	case SYNFlood:
		for i := 0; i < cfg.Count; i++ {
			src := net.IPv4(10, byte(1+i>>24), byte(i>>16), byte(i>>8)).To4()
			port := uint16(1024 + i&0xff)
			if err := g.packet(src, server, port, 443, g.rng.Uint32(), 0, true, false, nil); err != nil {
				return err
			}
		}
	case OutOfWindow, Gaps:
		type conn struct {
			ip   net.IP
			port uint16
			cseq uint32
			sseq uint32
			next uint32
		}
		conns := make([]conn, cfg.Conns)
		for i := range conns {
			c := &conns[i]
			c.ip = net.IPv4(10, byte(1+i>>16), byte(i>>8), byte(i)).To4()
			c.port = uint16(20000 + i%40000)
			c.cseq, c.sseq = g.rng.Uint32(), g.rng.Uint32()
			if err := g.handshake(c.ip, server, c.port, c.cseq, c.sseq); err != nil {
				return err
			}
			c.next = c.sseq + 1
		}
		for i := 0; i < cfg.Count; i++ {
			c := &conns[i%len(conns)]
			seq := g.rng.Uint32()
			if cfg.Kind == Gaps {
				seq = c.next + uint32(cfg.Payload)
				c.next = seq + uint32(cfg.Payload)
			}
			if err := g.packet(server, c.ip, 443, c.port, seq, c.cseq+1, false, true, g.payload); err != nil {
				return err
			}
		}
	default:
		return fmt.Errorf("hostile: unknown kind %q", cfg.Kind)
	}
	return nil
}

type gen struct {
	rng     *rand.Rand
	pw      *pcapgo.Writer
	buf     gopacket.SerializeBuffer
	payload []byte
	now     time.Duration
}

var start = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func (g *gen) handshake(cli, srv net.IP, port uint16, cseq, sseq uint32) error {
	if err := g.packet(cli, srv, port, 443, cseq, 0, true, false, nil); err != nil {
		return err
	}
	if err := g.packetFlags(srv, cli, 443, port, sseq, cseq+1, true, true, nil); err != nil {
		return err
	}
	return g.packet(cli, srv, port, 443, cseq+1, sseq+1, false, true, nil)
}

func (g *gen) packet(src, dst net.IP, sport, dport uint16, seq, ack uint32, syn, isAck bool, payload []byte) error {
	return g.packetFlags(src, dst, sport, dport, seq, ack, syn, isAck, payload)
}

func (g *gen) packetFlags(src, dst net.IP, sport, dport uint16, seq, ack uint32, syn, isAck bool, payload []byte) error {
	g.now += time.Microsecond
	eth := layers.Ethernet{SrcMAC: net.HardwareAddr{2, 0, 0, 0, 0, 1}, DstMAC: net.HardwareAddr{2, 0, 0, 0, 0, 2}, EthernetType: layers.EthernetTypeIPv4}
	ip := layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolTCP, SrcIP: src, DstIP: dst, Id: uint16(g.now)}
	tcp := layers.TCP{SrcPort: layers.TCPPort(sport), DstPort: layers.TCPPort(dport), Seq: seq, Ack: ack, SYN: syn, ACK: isAck, Window: 64240}
	if syn {
		tcp.Options = []layers.TCPOption{{OptionType: layers.TCPOptionKindMSS, OptionLength: 4, OptionData: []byte{0x05, 0xb4}}}
	}
	if err := tcp.SetNetworkLayerForChecksum(&ip); err != nil {
		return err
	}
	if err := gopacket.SerializeLayers(g.buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true},
		&eth, &ip, &tcp, gopacket.Payload(payload)); err != nil {
		return err
	}
	data := g.buf.Bytes()
	return g.pw.WritePacket(gopacket.CaptureInfo{Timestamp: start.Add(g.now), CaptureLength: len(data), Length: len(data)}, data)
}
