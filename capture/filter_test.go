package capture

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"net/netip"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"golang.org/x/net/bpf"
)

// testFrame describes a frame for filter tests.
type testFrame struct {
	name     string
	v6       bool
	udp      bool
	arp      bool
	src, dst string
	sport    uint16
	dport    uint16
	tag      layers.EthernetType // an in-band VLAN tag with this TPID, 0 for none
	inner    layers.EthernetType // a second tag inside tag, 0 for none
	fragOff  uint16              // IPv4 fragment offset (8-byte units)
	v6frag   bool                // an IPv6 fragment header before TCP
	v6hop    bool                // an IPv6 hop-by-hop header before TCP
}

// build serializes f as an Ethernet frame, or as a raw IP packet.
func (f testFrame) build(t testing.TB, raw bool) []byte {
	t.Helper()
	var ls []gopacket.SerializableLayer
	eth := &layers.Ethernet{SrcMAC: net.HardwareAddr{2, 0, 0, 0, 0, 1}, DstMAC: net.HardwareAddr{2, 0, 0, 0, 0, 2}}
	ethType := layers.EthernetTypeIPv4
	switch {
	case f.arp:
		ethType = layers.EthernetTypeARP
	case f.v6:
		ethType = layers.EthernetTypeIPv6
	}
	switch {
	case f.tag != 0 && f.inner != 0:
		eth.EthernetType = f.tag
		ls = append(ls, eth, &layers.Dot1Q{VLANIdentifier: 100, Type: f.inner}, &layers.Dot1Q{VLANIdentifier: 200, Priority: 5, Type: ethType})
	case f.tag != 0:
		eth.EthernetType = f.tag
		ls = append(ls, eth, &layers.Dot1Q{VLANIdentifier: 100, Type: ethType})
	default:
		eth.EthernetType = ethType
		ls = append(ls, eth)
	}
	if f.arp {
		ls = append(ls, &layers.ARP{AddrType: layers.LinkTypeEthernet, Protocol: layers.EthernetTypeIPv4, HwAddressSize: 6, ProtAddressSize: 4,
			Operation: layers.ARPRequest, SourceHwAddress: eth.SrcMAC, SourceProtAddress: []byte{10, 0, 0, 1},
			DstHwAddress: make([]byte, 6), DstProtAddress: []byte{10, 0, 0, 2}})
		return serialize(t, ls)
	}
	var nl gopacket.NetworkLayer
	proto := layers.IPProtocolTCP
	if f.udp {
		proto = layers.IPProtocolUDP
	}
	if f.v6 {
		ip := &layers.IPv6{Version: 6, HopLimit: 64, SrcIP: net.ParseIP(f.src), DstIP: net.ParseIP(f.dst), NextHeader: proto}
		ls = append(ls, ip)
		nl = ip
		if f.v6hop {
			ip.NextHeader = layers.IPProtocolIPv6HopByHop
			hop := &layers.IPv6HopByHop{}
			hop.NextHeader = proto
			hop.Options = []*layers.IPv6HopByHopOption{{OptionType: 1, OptionLength: 4, OptionData: []byte{0, 0, 0, 0}}}
			ls = append(ls, hop)
		}
		if f.v6frag {
			ip.NextHeader = layers.IPProtocolIPv6Fragment
			ls = append(ls, &layers.IPv6Fragment{NextHeader: proto, Identification: 7, MoreFragments: true})
		}
	} else {
		ip := &layers.IPv4{Version: 4, IHL: 5, TTL: 64, Protocol: proto, SrcIP: net.ParseIP(f.src).To4(), DstIP: net.ParseIP(f.dst).To4(), FragOffset: f.fragOff}
		if f.fragOff > 0 {
			ip.Flags = layers.IPv4MoreFragments
		}
		ls = append(ls, ip)
		nl = ip
	}
	payload := gopacket.Payload("hello")
	if f.udp {
		u := &layers.UDP{SrcPort: layers.UDPPort(f.sport), DstPort: layers.UDPPort(f.dport)}
		u.SetNetworkLayerForChecksum(nl)
		ls = append(ls, u, payload)
	} else {
		tcp := &layers.TCP{SrcPort: layers.TCPPort(f.sport), DstPort: layers.TCPPort(f.dport), Seq: 1, ACK: true, PSH: true, Window: 512}
		tcp.SetNetworkLayerForChecksum(nl)
		ls = append(ls, tcp, payload)
	}
	b := serialize(t, ls)
	if raw {
		if f.tag != 0 {
			t.Fatalf("%s: a raw IP frame has no VLAN tag", f.name)
		}
		return b[14:]
	}
	return b
}

func serialize(t testing.TB, ls []gopacket.SerializableLayer) []byte {
	t.Helper()
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, ls...); err != nil {
		t.Fatal(err)
	}
	return append([]byte(nil), buf.Bytes()...)
}

// testFrames is a set of frames around hosts 10.0.0.1, 2001:db8::1 and
// ports 8080, 443.
func testFrames() []testFrame {
	var fs []testFrame
	for _, v6 := range []bool{false, true} {
		a, b, other := "10.0.0.1", "10.0.0.2", "10.9.9.9"
		if v6 {
			a, b, other = "2001:db8::1", "2001:db8::2", "2001:db8::99"
		}
		fam := map[bool]string{false: "v4", true: "v6"}[v6]
		fs = append(fs,
			testFrame{name: fam + " a:8080>b", v6: v6, src: a, dst: b, sport: 8080, dport: 40000},
			testFrame{name: fam + " b>a:8080", v6: v6, src: b, dst: a, sport: 40000, dport: 8080},
			testFrame{name: fam + " b>a:443", v6: v6, src: b, dst: a, sport: 40001, dport: 443},
			testFrame{name: fam + " b>other:8080", v6: v6, src: b, dst: other, sport: 40000, dport: 8080},
			testFrame{name: fam + " other>b:9090", v6: v6, src: other, dst: b, sport: 9090, dport: 40000},
			testFrame{name: fam + " a>b:9090", v6: v6, src: a, dst: b, sport: 40000, dport: 9090},
			testFrame{name: fam + " udp a>b:8080", v6: v6, udp: true, src: a, dst: b, sport: 40000, dport: 8080},
			testFrame{name: fam + " tagged b>a:8080", v6: v6, src: b, dst: a, sport: 40000, dport: 8080, tag: layers.EthernetTypeDot1Q},
			testFrame{name: fam + " qinq-tagged a:443>other", v6: v6, src: a, dst: other, sport: 443, dport: 40000, tag: layers.EthernetTypeQinQ},
			testFrame{name: fam + " tagged udp a>b:8080", v6: v6, udp: true, src: a, dst: b, sport: 40000, dport: 8080, tag: layers.EthernetTypeDot1Q},
		)
		if v6 {
			fs = append(fs,
				testFrame{name: "v6 frag-header a>b:8080", v6: true, src: a, dst: b, sport: 40000, dport: 8080, v6frag: true},
				testFrame{name: "v6 hop-by-hop a>b:8080", v6: true, src: a, dst: b, sport: 40000, dport: 8080, v6hop: true},
			)
		} else {
			fs = append(fs, testFrame{name: "v4 later fragment a>b:8080", src: a, dst: b, sport: 40000, dport: 8080, fragOff: 185})
		}
	}
	return append(fs, testFrame{name: "arp", arp: true})
}

// runFilter runs prog on frame in x/net/bpf's VM; pktType stands in for
// the packet-type extension, which the VM does not implement.
func runFilter(t testing.TB, prog []bpf.RawInstruction, frame []byte, pktType uint32) int {
	t.Helper()
	ins, ok := bpf.Disassemble(prog)
	if !ok {
		t.Fatalf("program does not disassemble: %v", prog)
	}
	for i, in := range ins {
		if e, ok := in.(bpf.LoadExtension); ok && e.Num == bpf.ExtType {
			ins[i] = bpf.LoadConstant{Dst: bpf.RegA, Val: pktType}
		}
	}
	vm, err := bpf.NewVM(ins)
	if err != nil {
		t.Fatalf("VM: %v\n%v", err, ins)
	}
	n, err := vm.Run(frame)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func hosts(ss ...string) []netip.Addr {
	var out []netip.Addr
	for _, s := range ss {
		out = append(out, netip.MustParseAddr(s))
	}
	return out
}

// TestFilterVerdicts checks the program's verdicts on frames built with
// gopacket against the verdicts written down here.
func TestFilterVerdicts(t *testing.T) {
	o := LiveOptions{Hosts: hosts("10.0.0.1", "2001:db8::1"), Ports: []uint16{8080, 443}}
	accept := map[string]bool{
		"v4 a:8080>b": true, "v4 b>a:8080": true, "v4 b>a:443": true,
		"v4 tagged b>a:8080": true, "v4 qinq-tagged a:443>other": true,
		"v6 a:8080>b": true, "v6 b>a:8080": true, "v6 b>a:443": true,
		"v6 tagged b>a:8080": true, "v6 qinq-tagged a:443>other": true,
		// rejected: other hosts and ports, UDP, ARP, IPv4 fragments after
		// the first (no TCP header), IPv6 extension headers.
	}
	for _, loopback := range []bool{false, true} {
		prog, err := Filter(o, loopback)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range testFrames() {
			frame := f.build(t, false)
			got := runFilter(t, prog, frame, 0) // PACKET_HOST
			if want := accept[f.name]; (got > 0) != want {
				t.Errorf("loopback=%v %s: verdict %d, want accept=%v", loopback, f.name, got, want)
			}
			if got > 0 && got != DefaultSnapLen {
				t.Errorf("%s: keeps %d bytes, want %d", f.name, got, DefaultSnapLen)
			}
			out := runFilter(t, prog, frame, packetOutgoing)
			if loopback && out != 0 {
				t.Errorf("loopback %s: an outgoing copy is accepted", f.name)
			}
			if !loopback && out != got {
				t.Errorf("%s: outgoing verdict %d differs from incoming %d without loopback", f.name, out, got)
			}
		}
	}

	prog, err := Filter(LiveOptions{Ports: []uint16{8080}, SnapLen: 96}, false)
	if err != nil {
		t.Fatal(err)
	}
	if got := runFilter(t, prog, testFrame{src: "10.1.1.1", dst: "10.2.2.2", sport: 1, dport: 8080}.build(t, false), 0); got != 96 {
		t.Errorf("snap length 96: the filter keeps %d bytes", got)
	}
}

// tcpdumpProgram returns the program tcpdump -dd prints for expr on the
// link type dlt (EN10MB, RAW), or nil if tcpdump is not installed.
func tcpdumpProgram(t *testing.T, dlt, expr string) []bpf.RawInstruction {
	t.Helper()
	path, err := exec.LookPath("tcpdump")
	if err != nil {
		return nil
	}
	out, err := exec.Command(path, "-y", dlt, "-dd", expr).CombinedOutput()
	if err != nil {
		t.Fatalf("tcpdump -y %s -dd %q: %v\n%s", dlt, expr, err, out)
	}
	var prog []bpf.RawInstruction
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		line := strings.Trim(strings.TrimSpace(sc.Text()), "{},")
		f := strings.Split(line, ",")
		if len(f) != 4 {
			t.Fatalf("tcpdump -dd line %q", sc.Text())
		}
		var v [4]uint64
		for i := range f {
			if v[i], err = strconv.ParseUint(strings.TrimSpace(f[i]), 0, 32); err != nil {
				t.Fatalf("tcpdump -dd line %q: %v", sc.Text(), err)
			}
		}
		prog = append(prog, bpf.RawInstruction{Op: uint16(v[0]), Jt: uint8(v[1]), Jf: uint8(v[2]), K: uint32(v[3])})
	}
	return prog
}

// TestFilterAgreesWithTcpdump runs the program and the one libpcap compiles
// (tcpdump -dd) for the same expression on the same frames, for many
// combinations of hosts and ports, on Ethernet and raw IP, and wants the
// same verdicts. libpcap does not look inside in-band VLAN tags without the
// vlan keyword, so tagged frames are left to TestFilterVerdicts.
func TestFilterAgreesWithTcpdump(t *testing.T) {
	if _, err := exec.LookPath("tcpdump"); err != nil {
		t.Skip("tcpdump is not installed: the filter is checked by TestFilterVerdicts only")
	}
	many := []string{"10.0.0.1"}
	for i := 0; i < 40; i++ {
		many = append(many, fmt.Sprintf("2001:db8:1::%x", i+1))
	}
	many = append(many, "2001:db8::1")
	hostSets := [][]netip.Addr{nil, hosts("10.0.0.1"), hosts("2001:db8::1"), hosts("10.0.0.2", "2001:db8::1", "10.0.0.1"), hosts(many...), hosts("::ffff:10.0.0.1")}
	portSets := [][]uint16{nil, {8080}, {443, 8080}, {9090, 1, 2, 3, 443}}
	for _, hs := range hostSets {
		for _, ps := range portSets {
			o := LiveOptions{Hosts: hs, Ports: ps}
			expr := PcapExpression(o, "")
			for _, raw := range []bool{false, true} {
				dlt, link := "EN10MB", linkEthernet
				if raw {
					dlt, link = "RAW", linkRaw
				}
				want := tcpdumpProgram(t, dlt, expr)
				got, err := buildFilter(o, link, false)
				if err != nil {
					t.Fatal(err)
				}
				for _, f := range testFrames() {
					if f.tag != 0 || (raw && f.arp) {
						continue
					}
					frame := f.build(t, raw)
					g, w := runFilter(t, got, frame, 0), runFilter(t, want, frame, 0)
					if g != w {
						t.Errorf("%s %q, %s: verdict %d, libpcap's %d", dlt, shorten(expr), f.name, g, w)
					}
				}
			}
		}
	}
}

func shorten(s string) string {
	if len(s) > 120 {
		return s[:100] + "..." + s[len(s)-20:]
	}
	return s
}

func TestFilterFarJumps(t *testing.T) {
	// 60 IPv6 hosts put the accept instruction more than 255 instructions
	// after the first host comparison: the assembler must route around.
	var hs []string
	for i := 0; i < 60; i++ {
		hs = append(hs, fmt.Sprintf("2001:db8:1::%x", i+1))
	}
	o := LiveOptions{Hosts: hosts(hs...), Ports: []uint16{8080}}
	prog, err := Filter(o, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(prog) < 300 {
		t.Fatalf("program of %d instructions: too short to need far jumps", len(prog))
	}
	for i, h := range []string{hs[0], hs[30], hs[59], "2001:db8:1::ff"} {
		f := testFrame{v6: true, src: h, dst: "2001:db8::2", sport: 8080, dport: 40000}
		if got := runFilter(t, prog, f.build(t, false), 0); (got > 0) != (i < 3) {
			t.Errorf("source %s: verdict %d", h, got)
		}
		f.src, f.dst = f.dst, f.src
		if got := runFilter(t, prog, f.build(t, false), 0); (got > 0) != (i < 3) {
			t.Errorf("destination %s: verdict %d", h, got)
		}
	}
}

func TestFilterErrors(t *testing.T) {
	var many []netip.Addr
	for i := 0; i < 300; i++ {
		many = append(many, netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, 14: byte(i >> 8), 15: byte(i)}))
	}
	for _, tc := range []struct {
		o    LiveOptions
		want string
	}{
		{LiveOptions{SnapLen: -1}, "snap length -1: must be between 1 and 262144"},
		{LiveOptions{SnapLen: 300000}, "snap length 300000"},
		{LiveOptions{Hosts: []netip.Addr{{}}}, "invalid host address"},
		{LiveOptions{Hosts: many, Ports: []uint16{1}}, "the kernel takes at most 4096"},
	} {
		if _, err := Filter(tc.o, false); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Filter(%+v) = %v, want %q", tc.o.SnapLen, err, tc.want)
		}
	}
}

func TestPcapExpression(t *testing.T) {
	o := LiveOptions{Hosts: hosts("10.0.0.1", "::ffff:10.0.0.2", "fe80::1%eth0"), Ports: []uint16{80, 443}}
	if got, want := PcapExpression(o, ""), "tcp and (host 10.0.0.1 or host 10.0.0.2 or host fe80::1) and (port 80 or port 443)"; got != want {
		t.Errorf("got %q\nwant %q", got, want)
	}
	if got, want := PcapExpression(LiveOptions{Ports: []uint16{53}}, "udp or icmp"), "(udp or icmp) and (port 53)"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if got := PcapExpression(LiveOptions{}, " "); got != "tcp" {
		t.Errorf("got %q, want tcp", got)
	}
}
