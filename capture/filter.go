package capture

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"golang.org/x/net/bpf"
)

// DefaultSnapLen is the capture length used when LiveOptions.SnapLen is 0:
// libpcap's maximum. Full loopback frames are 65549 bytes and segmentation
// offload hands the capture point frames of 64 KB and more, so the 65535
// of old tools cuts them.
const DefaultSnapLen = 262144

// maxFilterLen is the kernel's limit on a classic BPF program (BPF_MAXINSNS).
const maxFilterLen = 4096

// packetOutgoing is skb->pkt_type PACKET_OUTGOING: the copy of a packet a
// packet socket sees when the packet is sent. On loopback the same packet is
// then received again, so the outgoing copy is a duplicate.
const packetOutgoing = 4

// linkKind is how a frame starts, which decides where the IP header is.
type linkKind int

const (
	linkEthernet linkKind = iota // 14-byte Ethernet header (and lo on Linux)
	linkRaw                      // the IP header first (tun, WireGuard)
)

// Filter builds the classic BPF program OpenLive attaches to its socket for
// o: TCP over IPv4 or IPv6 without extension headers, on Ethernet frames,
// untagged or with one 802.1Q/802.1ad tag left in the frame (the kernel
// normally moves the tag out of the frame, where the filter does not see
// it). As with libpcap, fragments that carry no TCP header (IPv4 fragments
// after the first, IPv6 behind a fragment header) pass only when no port is
// asked. A
// packet has to match one of o.Hosts as source or destination (any when
// empty) and one of o.Ports as source or destination port (any when empty).
// An accepted packet is kept up to o.SnapLen bytes (DefaultSnapLen when 0).
//
// With loopback set, the program first rejects the copies the kernel hands
// a packet socket when a packet is sent (packet type PACKET_OUTGOING): on
// the loopback interface every packet is sent and received, so it would be
// seen twice. libpcap drops these copies in user space; doing it in the
// filter keeps them out of the socket buffer and out of the kernel's counts.
//
// The verdicts are those libpcap gives for the expression PcapExpression
// returns, except that libpcap does not look inside VLAN tags without the
// vlan keyword.
func Filter(o LiveOptions, loopback bool) ([]bpf.RawInstruction, error) {
	return buildFilter(o, linkEthernet, loopback)
}

// PcapExpression returns the libpcap filter expression equivalent to the
// hosts and ports of o: "tcp and (host A or host B) and (port P or port Q)".
// A non-empty expr replaces "tcp": "(expr) and (host A) and (port P)".
func PcapExpression(o LiveOptions, expr string) string {
	var parts []string
	if strings.TrimSpace(expr) == "" {
		parts = append(parts, "tcp")
	} else {
		parts = append(parts, "("+expr+")")
	}
	if len(o.Hosts) > 0 {
		hs := make([]string, len(o.Hosts))
		for i, h := range o.Hosts {
			hs[i] = "host " + h.Unmap().WithZone("").String()
		}
		parts = append(parts, "("+strings.Join(hs, " or ")+")")
	}
	if len(o.Ports) > 0 {
		ps := make([]string, len(o.Ports))
		for i, p := range o.Ports {
			ps[i] = "port " + strconv.Itoa(int(p))
		}
		parts = append(parts, "("+strings.Join(ps, " or ")+")")
	}
	return strings.Join(parts, " and ")
}

// snapLen returns the capture length o asks for, checked.
func (o LiveOptions) snapLen() (int, error) {
	switch {
	case o.SnapLen == 0:
		return DefaultSnapLen, nil
	case o.SnapLen < 0 || o.SnapLen > DefaultSnapLen:
		return 0, fmt.Errorf("snap length %d: must be between 1 and %d (0 means %d)", o.SnapLen, DefaultSnapLen, DefaultSnapLen)
	}
	return o.SnapLen, nil
}

// buildFilter is Filter for a given link layer; dropOutgoing adds the
// packet-type check.
func buildFilter(o LiveOptions, link linkKind, dropOutgoing bool) ([]bpf.RawInstruction, error) {
	snap, err := o.snapLen()
	if err != nil {
		return nil, err
	}
	var v4, v6 []netip.Addr
	for _, h := range o.Hosts {
		if !h.IsValid() {
			return nil, errors.New("invalid host address in the filter")
		}
		h = h.Unmap().WithZone("") // a v4-mapped address is IPv4 on the wire
		if h.Is4() {
			v4 = append(v4, h)
		} else {
			v6 = append(v6, h)
		}
	}
	anyHost := len(o.Hosts) == 0

	var a asm
	reject, accept := a.newLabel(), a.newLabel()
	v4Labels, v6Labels := map[uint32]label{}, map[uint32]label{}
	ipv4At := func(off uint32) label { // the block checking an IPv4 packet at off
		if !anyHost && len(v4) == 0 {
			return reject
		}
		if l, ok := v4Labels[off]; ok {
			return l
		}
		v4Labels[off] = a.newLabel()
		return v4Labels[off]
	}
	ipv6At := func(off uint32) label {
		if !anyHost && len(v6) == 0 {
			return reject
		}
		if l, ok := v6Labels[off]; ok {
			return l
		}
		v6Labels[off] = a.newLabel()
		return v6Labels[off]
	}

	if dropOutgoing {
		a.op(bpf.LoadExtension{Num: bpf.ExtType})
		a.jeq(packetOutgoing, reject, next)
	}
	var offsets []uint32 // where IP headers are checked, in the order the blocks follow
	switch link {
	case linkEthernet:
		const tagged = 18
		tag := a.newLabel()
		a.op(bpf.LoadAbsolute{Off: 12, Size: 2})
		a.jeq(0x0800, ipv4At(14), next)
		a.jeq(0x86dd, ipv6At(14), next)
		a.jeq(0x8100, tag, next)
		a.jeq(0x88a8, tag, reject)
		a.mark(tag)
		a.op(bpf.LoadAbsolute{Off: 16, Size: 2})
		a.jeq(0x0800, ipv4At(tagged), next)
		a.jeq(0x86dd, ipv6At(tagged), reject)
		offsets = []uint32{14, tagged}
	case linkRaw:
		a.op(bpf.LoadAbsolute{Off: 0, Size: 1})
		a.op(bpf.ALUOpConstant{Op: bpf.ALUOpAnd, Val: 0xf0})
		a.jeq(0x40, ipv4At(0), next)
		a.jeq(0x60, ipv6At(0), reject)
		offsets = []uint32{0}
	default:
		return nil, fmt.Errorf("unknown link kind %d", link)
	}

	for _, off := range offsets {
		if l, ok := v4Labels[off]; ok {
			a.mark(l)
			a.ipv4(off, v4, o.Ports, accept, reject)
		}
		if l, ok := v6Labels[off]; ok {
			a.mark(l)
			a.ipv6(off, v6, o.Ports, accept, reject)
		}
	}
	a.mark(accept)
	a.op(bpf.RetConstant{Val: uint32(snap)})
	a.mark(reject)
	a.op(bpf.RetConstant{Val: 0})

	prog, err := a.assemble()
	if err != nil {
		return nil, err
	}
	if len(prog) > maxFilterLen {
		return nil, fmt.Errorf("%d hosts and %d ports make a filter of %d instructions; the kernel takes at most %d", len(o.Hosts), len(o.Ports), len(prog), maxFilterLen)
	}
	return prog, nil
}

// ipv4 checks an IPv4 header at off: protocol TCP, one of hosts as source
// or destination (any if none), one of ports (any if none; a port needs the
// first fragment, where the TCP header is).
func (a *asm) ipv4(off uint32, hosts []netip.Addr, ports []uint16, accept, reject label) {
	a.op(bpf.LoadAbsolute{Off: off + 9, Size: 1})
	a.jeq(6, next, reject)
	hostOK := accept
	if len(ports) > 0 {
		hostOK = a.newLabel()
	}
	if len(hosts) > 0 {
		for i, field := range []uint32{off + 12, off + 16} { // source, destination
			a.op(bpf.LoadAbsolute{Off: field, Size: 4})
			for j, h := range hosts {
				b := h.As4()
				miss := next
				if i == 1 && j == len(hosts)-1 {
					miss = reject
				}
				a.jeq(uint32(b[0])<<24|uint32(b[1])<<16|uint32(b[2])<<8|uint32(b[3]), hostOK, miss)
			}
		}
	} else if len(ports) == 0 {
		a.ja(accept)
	}
	if len(ports) > 0 {
		a.mark(hostOK)
		a.op(bpf.LoadAbsolute{Off: off + 6, Size: 2})
		a.jset(0x1fff, reject, next) // not the first fragment: no TCP header
		a.op(bpf.LoadMemShift{Off: off})
		a.ports(true, off, ports, accept, reject)
	}
}

// ipv6 checks an IPv6 header at off: next header TCP (or, when no port is
// asked, a fragment header followed by TCP, as libpcap's "tcp" does), one of
// hosts as source or destination, one of ports.
func (a *asm) ipv6(off uint32, hosts []netip.Addr, ports []uint16, accept, reject label) {
	tcp := a.newLabel()
	a.op(bpf.LoadAbsolute{Off: off + 6, Size: 1})
	if len(ports) > 0 {
		a.jeq(6, next, reject)
	} else {
		a.jeq(6, tcp, next)
		a.jeq(44, next, reject)
		a.op(bpf.LoadAbsolute{Off: off + 40, Size: 1})
		a.jeq(6, next, reject)
	}
	a.mark(tcp)
	hostOK := accept
	if len(ports) > 0 {
		hostOK = a.newLabel()
	}
	if len(hosts) > 0 {
		for i, field := range []uint32{off + 8, off + 24} { // source, destination
			for j, h := range hosts {
				b := h.As16()
				miss := a.newLabel()
				if i == 1 && j == len(hosts)-1 {
					miss = reject
				}
				for w := uint32(0); w < 4; w++ {
					a.op(bpf.LoadAbsolute{Off: field + 4*w, Size: 4})
					hit := next
					if w == 3 {
						hit = hostOK
					}
					a.jeq(uint32(b[4*w])<<24|uint32(b[4*w+1])<<16|uint32(b[4*w+2])<<8|uint32(b[4*w+3]), hit, miss)
				}
				if miss != reject {
					a.mark(miss)
				}
			}
		}
	} else if len(ports) == 0 {
		a.ja(accept)
	}
	if len(ports) > 0 {
		a.mark(hostOK)
		a.ports(false, off+40, ports, accept, reject)
	}
}

// ports compares the TCP source and destination ports with ports; the TCP
// header starts at off, or at X+off when indirect.
func (a *asm) ports(indirect bool, off uint32, ports []uint16, accept, reject label) {
	for i, field := range []uint32{off, off + 2} {
		if indirect {
			a.op(bpf.LoadIndirect{Off: field, Size: 2})
		} else {
			a.op(bpf.LoadAbsolute{Off: field, Size: 2})
		}
		for j, p := range ports {
			miss := next
			if i == 1 && j == len(ports)-1 {
				miss = reject
			}
			a.jeq(uint32(p), accept, miss)
		}
	}
}

// asm assembles a classic BPF program with symbolic forward jumps. A
// conditional jump reaches at most 255 instructions ahead; one that has to
// go further becomes a conditional jump over two unconditional ones.
type asm struct {
	items  []asmItem
	labels int
}

// label names a place in the program; next is the following instruction.
type label int

const next label = -1

type asmItem struct {
	ins    bpf.Instruction // a plain instruction, or nil
	cond   bpf.JumpTest    // for a conditional jump (ins == nil, !isMark, !isJa)
	val    uint32
	jt, jf label
	isJa   bool
	isMark bool
	mark   label
	far    bool // assembled as jcond +0/+1; ja jt; ja jf
}

func (a *asm) newLabel() label { a.labels++; return label(a.labels - 1) }
func (a *asm) op(ins bpf.Instruction) {
	a.items = append(a.items, asmItem{ins: ins})
}
func (a *asm) mark(l label) { a.items = append(a.items, asmItem{isMark: true, mark: l}) }
func (a *asm) ja(l label)   { a.items = append(a.items, asmItem{isJa: true, jt: l}) }
func (a *asm) jeq(v uint32, jt, jf label) {
	a.items = append(a.items, asmItem{cond: bpf.JumpEqual, val: v, jt: jt, jf: jf})
}
func (a *asm) jset(v uint32, jt, jf label) {
	a.items = append(a.items, asmItem{cond: bpf.JumpBitsSet, val: v, jt: jt, jf: jf})
}

func (it *asmItem) size() int {
	switch {
	case it.isMark:
		return 0
	case it.far:
		return 3
	}
	return 1
}

func (a *asm) assemble() ([]bpf.RawInstruction, error) {
	pos := make([]int, len(a.items))
	at := make([]int, a.labels)
	for {
		for i := range at {
			at[i] = -1
		}
		n := 0
		for i := range a.items {
			pos[i] = n
			if a.items[i].isMark {
				at[a.items[i].mark] = n
			}
			n += a.items[i].size()
		}
		// target is where l leads from the item at i: next is the
		// instruction after the item.
		target := func(i int, l label) int {
			if l == next {
				return pos[i] + a.items[i].size()
			}
			return at[l]
		}
		for i := range a.items {
			it := &a.items[i]
			if it.isMark || it.ins != nil {
				continue
			}
			for _, l := range []label{it.jt, it.jf} {
				if l != next && (at[l] < 0 || at[l] <= pos[i]) {
					return nil, fmt.Errorf("filter assembly: jump from %d to label %d at %d", pos[i], l, at[l])
				}
			}
		}
		grew := false
		for i := range a.items {
			it := &a.items[i]
			if it.isMark || it.isJa || it.ins != nil || it.far {
				continue
			}
			if target(i, it.jt)-(pos[i]+1) > 255 || target(i, it.jf)-(pos[i]+1) > 255 {
				it.far, grew = true, true
			}
		}
		if grew {
			continue
		}
		prog := make([]bpf.Instruction, 0, n)
		for i := range a.items {
			it := &a.items[i]
			p := pos[i]
			switch {
			case it.isMark:
			case it.ins != nil:
				prog = append(prog, it.ins)
			case it.isJa:
				prog = append(prog, bpf.Jump{Skip: uint32(target(i, it.jt) - (p + 1))})
			case it.far:
				prog = append(prog,
					bpf.JumpIf{Cond: it.cond, Val: it.val, SkipTrue: 0, SkipFalse: 1},
					bpf.Jump{Skip: uint32(target(i, it.jt) - (p + 2))},
					bpf.Jump{Skip: uint32(target(i, it.jf) - (p + 3))})
			default:
				prog = append(prog, bpf.JumpIf{Cond: it.cond, Val: it.val,
					SkipTrue: uint8(target(i, it.jt) - (p + 1)), SkipFalse: uint8(target(i, it.jf) - (p + 1))})
			}
		}
		return bpf.Assemble(prog)
	}
}
