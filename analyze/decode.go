package analyze

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/segscope/segscope/capture"
)

// decoded is what the analyzer needs from one TCP packet: a value, so
// decoding allocates nothing.
type decoded struct {
	src, dst   netip.AddrPort
	seq, ack   uint32
	flags      uint8 // the TCP flags byte: FIN 0x01 SYN 0x02 RST 0x04 PSH 0x08 ACK 0x10
	window     uint16
	payload    int    // TCP payload bytes on the wire, from the IP lengths
	data       []byte // the captured payload bytes: payload or fewer (snap length)
	optionLen  int    // bytes of TCP options (header length - 20)
	ipID       uint16
	ttl        uint8 // IPv4 TTL or IPv6 hop limit
	hasTSval   bool
	tsval      uint32
	synOptions SYNOptions // filled for SYN segments only
	// iface is the capture interface the packet came on; dup tells the
	// router found it on another than its connection's (a copy).
	iface int32
	dup   bool
	// copy: dup because it is a copy on another interface than its
	// connection's; not one of the connection's packets there, as
	// tshark on that interface alone counts them.
	copy bool
}

const (
	flagFIN = FlagFIN
	flagSYN = FlagSYN
	flagRST = FlagRST
	flagPSH = FlagPSH
	flagACK = FlagACK
)

// errNotTCP marks a frame that decoded fine but carries no TCP segment.
var errNotTCP = errors.New("not TCP")

// errFragment marks an IP fragment that does not start the TCP header.
var errFragment = errors.New("IP fragment")

// UnsupportedLinkTypeError is returned for a frame whose link type the
// decoder does not know.
type UnsupportedLinkTypeError struct{ LinkType layers.LinkType }

func (e UnsupportedLinkTypeError) Error() string {
	return fmt.Sprintf("link type %d (%s) is not supported; supported are Ethernet (with 802.1Q/QinQ tags), Linux cooked v1 and v2, BSD loopback (NULL/LOOP) and raw IPv4/IPv6", uint16(e.LinkType), e.LinkType)
}

// decoder turns frames into decoded segments with one gopacket
// DecodingLayerParser per first layer, reused for every packet.
type decoder struct {
	eth   layers.Ethernet
	dot1q layers.Dot1Q
	sll   layers.LinuxSLL
	sll2  layers.LinuxSLL2
	loop  layers.Loopback
	ip4   layers.IPv4
	ip6   layers.IPv6
	ext   layers.IPv6ExtensionSkipper
	frag  layers.IPv6Fragment
	tcp   layers.TCP

	parsers map[gopacket.LayerType]*gopacket.DecodingLayerParser
	layers  []gopacket.LayerType
}

func newDecoder() *decoder {
	d := &decoder{parsers: map[gopacket.LayerType]*gopacket.DecodingLayerParser{}, layers: make([]gopacket.LayerType, 0, 16)}
	for _, first := range []gopacket.LayerType{
		layers.LayerTypeEthernet, layers.LayerTypeLinuxSLL, layers.LayerTypeLinuxSLL2,
		layers.LayerTypeLoopback, layers.LayerTypeIPv4, layers.LayerTypeIPv6,
	} {
		// The fragment layer is added after the skipper so that it, not
		// the skipper, decodes fragment headers and we can see the offset.
		p := gopacket.NewDecodingLayerParser(first,
			&d.eth, &d.dot1q, &d.sll, &d.sll2, &d.loop, &d.ip4, &d.ip6, &d.ext, &d.frag, &d.tcp)
		p.IgnoreUnsupported = true
		d.parsers[first] = p
	}
	return d
}

// firstLayer maps a link type to the layer its frames start with.
func firstLayer(lt layers.LinkType, data []byte) (gopacket.LayerType, error) {
	switch lt {
	case layers.LinkTypeEthernet:
		return layers.LayerTypeEthernet, nil
	case layers.LinkTypeLinuxSLL:
		return layers.LayerTypeLinuxSLL, nil
	case layers.LinkTypeLinuxSLL2:
		return layers.LayerTypeLinuxSLL2, nil
	case layers.LinkTypeNull, layers.LinkTypeLoop:
		return layers.LayerTypeLoopback, nil
	case layers.LinkTypeRaw, layers.LinkTypeIPv4, layers.LinkTypeIPv6, 12, 14:
		// 12 and 14 are DLT_RAW on some BSDs, as libpcap maps them.
		if len(data) == 0 {
			return 0, errors.New("empty frame")
		}
		switch data[0] >> 4 {
		case 4:
			return layers.LayerTypeIPv4, nil
		case 6:
			return layers.LayerTypeIPv6, nil
		}
		return 0, fmt.Errorf("raw IP frame with IP version %d", data[0]>>4)
	}
	return 0, UnsupportedLinkTypeError{lt}
}

// offsetOf returns where sub starts inside frame. gopacket's layers slice
// the frame without copying, so the difference in capacity is the offset.
func offsetOf(frame, sub []byte) int { return cap(frame) - cap(sub) }

// decode fills out from one frame. It returns errNotTCP for frames without
// TCP, errFragment for IP fragments that cannot be decoded alone, and any
// other error for a malformed frame.
func (d *decoder) decode(p *capture.Packet, out *decoded) error {
	if fastDecode(p, out) {
		return nil
	}
	return d.decodeLayers(p, out)
}

// decodeLayers is decode by gopacket's parser, for every frame fastDecode
// leaves to it.
func (d *decoder) decodeLayers(p *capture.Packet, out *decoded) error {
	first, err := firstLayer(p.LinkType, p.Data)
	if err != nil {
		return err
	}
	parser := d.parsers[first]
	if err := parser.DecodeLayers(p.Data, &d.layers); err != nil {
		return err
	}
	var (
		ipStart, ipEnd, ipHeader int
		isIP4, isIP6, sawTCP     bool
	)
	for _, t := range d.layers {
		switch t {
		case layers.LayerTypeIPv4:
			isIP4 = true
		case layers.LayerTypeIPv6:
			isIP6 = true
		case layers.LayerTypeIPv6Fragment:
			if d.frag.FragmentOffset != 0 {
				return errFragment
			}
		case layers.LayerTypeTCP:
			sawTCP = true
		}
	}
	if !sawTCP || (!isIP4 && !isIP6) {
		return errNotTCP
	}

	// The wire length comes from the IP header, not the captured bytes, so
	// a snap-length capture still gives true sizes. A length of 0 (TSO,
	// IPv6 jumbograms) falls back to the frame's length on the wire.
	var ipLen int
	if isIP4 {
		if d.ip4.Flags&layers.IPv4MoreFragments != 0 || d.ip4.FragOffset != 0 {
			return errFragment
		}
		ipStart = offsetOf(p.Data, d.ip4.Contents)
		ipLen = int(binary.BigEndian.Uint16(d.ip4.Contents[2:4]))
		out.src = netip.AddrPortFrom(netip.AddrFrom4([4]byte(d.ip4.SrcIP)), uint16(d.tcp.SrcPort))
		out.dst = netip.AddrPortFrom(netip.AddrFrom4([4]byte(d.ip4.DstIP)), uint16(d.tcp.DstPort))
		out.ipID = d.ip4.Id
		out.ttl = d.ip4.TTL
	} else {
		ipStart = offsetOf(p.Data, d.ip6.Contents)
		ipHeader = len(d.ip6.Contents)
		if d.ip6.Length != 0 {
			ipLen = ipHeader + int(d.ip6.Length)
		}
		out.src = netip.AddrPortFrom(netip.AddrFrom16([16]byte(d.ip6.SrcIP)), uint16(d.tcp.SrcPort))
		out.dst = netip.AddrPortFrom(netip.AddrFrom16([16]byte(d.ip6.DstIP)), uint16(d.tcp.DstPort))
		out.ipID = 0
		out.ttl = d.ip6.HopLimit
	}
	ipEnd = ipStart + ipLen
	if ipLen == 0 || ipEnd > p.Length {
		ipEnd = p.Length
	}
	tcpStart := offsetOf(p.Data, d.tcp.Contents)
	tcpHeader := len(d.tcp.Contents)
	out.payload = ipEnd - tcpStart - tcpHeader
	if out.payload < 0 {
		return fmt.Errorf("IP length %d is shorter than its IP and TCP headers (%d + %d bytes)", ipLen, tcpStart-ipStart, tcpHeader)
	}

	out.data = d.tcp.Payload
	if len(out.data) > out.payload {
		out.data = out.data[:out.payload]
	}
	out.seq = d.tcp.Seq
	out.ack = d.tcp.Ack
	out.window = d.tcp.Window
	out.optionLen = tcpHeader - 20
	out.flags = tcpFlags(&d.tcp)
	out.hasTSval = false
	out.synOptions = SYNOptions{}
	syn := d.tcp.SYN
	if syn {
		out.synOptions.Seen = true
		out.synOptions.TTL = out.ttl
		out.synOptions.WindowScale = -1
	}
	for i := range d.tcp.Options {
		o := &d.tcp.Options[i]
		switch o.OptionType {
		case layers.TCPOptionKindTimestamps:
			if len(o.OptionData) == 8 {
				out.hasTSval = true
				out.tsval = binary.BigEndian.Uint32(o.OptionData)
				if syn {
					out.synOptions.Timestamps = true
				}
			}
		case layers.TCPOptionKindMSS:
			if syn && len(o.OptionData) == 2 {
				out.synOptions.MSS = binary.BigEndian.Uint16(o.OptionData)
			}
		case layers.TCPOptionKindWindowScale:
			if syn && len(o.OptionData) == 1 {
				out.synOptions.WindowScale = int8(min(o.OptionData[0], 127))
			}
		case layers.TCPOptionKindSACKPermitted:
			if syn {
				out.synOptions.SACKPermitted = true
			}
		}
	}
	return nil
}

func tcpFlags(t *layers.TCP) uint8 {
	var f uint8
	if t.FIN {
		f |= flagFIN
	}
	if t.SYN {
		f |= flagSYN
	}
	if t.RST {
		f |= flagRST
	}
	if t.PSH {
		f |= flagPSH
	}
	if t.ACK {
		f |= flagACK
	}
	return f
}
