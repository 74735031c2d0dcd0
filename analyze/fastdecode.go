package analyze

import (
	"encoding/binary"
	"net/netip"

	"github.com/gopacket/gopacket/layers"

	"github.com/segscope/segscope/capture"
)

// fastDecode decodes the frames nearly every capture is made of (Ethernet
// with up to two VLAN tags, Linux cooked v1 and v2, or raw IP; IPv4
// without options or fragments, or IPv6 without extension headers; TCP)
// by reading the headers in place. It is the gopacket parser's answer,
// field for field, at a tenth of its cost: that parser looks every layer
// up in a map and fills every field of every layer, and was half of the
// analysis of a bulk capture.
//
// It reports false for anything else, and for anything gopacket would
// treat specially or reject (short headers, IP options, TSO's zero IP
// length, MPTCP options, an option whose length cannot be followed...):
// decode then asks gopacket, so errors and edge cases have one source.
// fastdecode_test.go checks the two agree on every capture in pcaps/ and
// FuzzFastDecode on any bytes.
func fastDecode(p *capture.Packet, out *decoded) bool {
	data := p.Data
	var etype uint16
	switch p.LinkType {
	case layers.LinkTypeEthernet:
		if len(data) < 14 {
			return false
		}
		etype = binary.BigEndian.Uint16(data[12:14])
		data = data[14:]
		// 802.1Q and 802.1ad tags, at most two (QinQ).
		for range 2 {
			if etype != uint16(layers.EthernetTypeDot1Q) && etype != uint16(layers.EthernetTypeQinQ) {
				break
			}
			if len(data) < 4 {
				return false
			}
			etype = binary.BigEndian.Uint16(data[2:4])
			data = data[4:]
		}
	case layers.LinkTypeLinuxSLL:
		if len(data) < 16 || binary.BigEndian.Uint16(data[4:6]) > 8 {
			return false
		}
		etype = binary.BigEndian.Uint16(data[14:16])
		data = data[16:]
	case layers.LinkTypeLinuxSLL2:
		if len(data) < 20 || data[11] > 8 {
			return false
		}
		etype = binary.BigEndian.Uint16(data[0:2])
		data = data[20:]
	case layers.LinkTypeRaw, layers.LinkTypeIPv4, layers.LinkTypeIPv6, 12, 14:
		if len(data) == 0 {
			return false
		}
		switch data[0] >> 4 {
		case 4:
			etype = uint16(layers.EthernetTypeIPv4)
		case 6:
			etype = uint16(layers.EthernetTypeIPv6)
		}
	default:
		return false
	}

	var (
		tcp      []byte // the IP payload: the TCP header and what follows
		ipLen    int    // the IP length field as gopacket's caller reads it
		src, dst netip.Addr
	)
	switch etype {
	case uint16(layers.EthernetTypeIPv4):
		if len(data) < 20 || data[0]&0x0f != 5 || data[9] != uint8(layers.IPProtocolTCP) {
			return false
		}
		ipLen = int(binary.BigEndian.Uint16(data[2:4]))
		if ipLen < 20 || binary.BigEndian.Uint16(data[6:8])&0x3fff != 0 { // MF or an offset
			return false
		}
		if len(data) > ipLen {
			data = data[:ipLen]
		}
		tcp = data[20:]
		src, dst = netip.AddrFrom4([4]byte(data[12:16])), netip.AddrFrom4([4]byte(data[16:20]))
		out.ipID = binary.BigEndian.Uint16(data[4:6])
		out.ttl = data[8]
	case uint16(layers.EthernetTypeIPv6):
		if len(data) < 40 || data[6] != uint8(layers.IPProtocolTCP) {
			return false
		}
		plen := int(binary.BigEndian.Uint16(data[4:6]))
		if plen == 0 {
			return false
		}
		ipLen = 40 + plen
		tcp = data[40:]
		if len(tcp) > plen {
			tcp = tcp[:plen]
		}
		src, dst = netip.AddrFrom16([16]byte(data[8:24])), netip.AddrFrom16([16]byte(data[24:40]))
		out.ipID = 0
		out.ttl = data[7]
	default:
		return false
	}

	if len(tcp) < 20 {
		return false
	}
	hdr := int(tcp[12]>>4) * 4
	if hdr < 20 || hdr > len(tcp) {
		return false
	}
	ipStart := offsetOf(p.Data, data)
	tcpStart := offsetOf(p.Data, tcp)
	ipEnd := ipStart + ipLen
	if ipEnd > p.Length {
		ipEnd = p.Length
	}
	out.payload = ipEnd - tcpStart - hdr
	if out.payload < 0 {
		return false // gopacket's path words the error
	}
	out.src = netip.AddrPortFrom(src, binary.BigEndian.Uint16(tcp[0:2]))
	out.dst = netip.AddrPortFrom(dst, binary.BigEndian.Uint16(tcp[2:4]))
	out.data = tcp[hdr:]
	if len(out.data) > out.payload {
		out.data = out.data[:out.payload]
	}
	out.seq = binary.BigEndian.Uint32(tcp[4:8])
	out.ack = binary.BigEndian.Uint32(tcp[8:12])
	out.window = binary.BigEndian.Uint16(tcp[14:16])
	out.optionLen = hdr - 20
	out.flags = tcp[13] & (flagFIN | flagSYN | flagRST | flagPSH | flagACK)
	out.hasTSval = false
	out.synOptions = SYNOptions{}
	syn := out.flags&flagSYN != 0
	if syn {
		out.synOptions.Seen = true
		out.synOptions.WindowScale = -1
		out.synOptions.TTL = out.ttl
	}
	// The options, read as gopacket reads them: kinds 0 and 1 are one
	// byte, 0 ends the list, any other has a length that must be at
	// least 2 and stay inside the header, or the list stops there.
	opts := tcp[20:hdr]
	for len(opts) > 0 {
		kind := opts[0]
		if kind == uint8(layers.TCPOptionKindEndList) {
			break
		}
		if kind == uint8(layers.TCPOptionKindNop) {
			opts = opts[1:]
			continue
		}
		if kind == uint8(layers.TCPOptionKindMultipathTCP) {
			return false // its own rules for stopping
		}
		if len(opts) < 2 || opts[1] < 2 || int(opts[1]) > len(opts) {
			break
		}
		od := opts[2:opts[1]]
		switch layers.TCPOptionKind(kind) {
		case layers.TCPOptionKindTimestamps:
			if len(od) == 8 {
				out.hasTSval = true
				out.tsval = binary.BigEndian.Uint32(od)
				if syn {
					out.synOptions.Timestamps = true
				}
			}
		case layers.TCPOptionKindMSS:
			if syn && len(od) == 2 {
				out.synOptions.MSS = binary.BigEndian.Uint16(od)
			}
		case layers.TCPOptionKindWindowScale:
			if syn && len(od) == 1 {
				out.synOptions.WindowScale = int8(min(od[0], 127))
			}
		case layers.TCPOptionKindSACKPermitted:
			if syn {
				out.synOptions.SACKPermitted = true
			}
		}
		opts = opts[opts[1]:]
	}
	return true
}
