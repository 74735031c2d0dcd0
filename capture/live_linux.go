//go:build linux

package capture

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"github.com/gopacket/gopacket/layers"
	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"
)

// LiveSupported tells whether OpenLive can capture in this build: the
// pure-Go capture is Linux's packet socket.
const LiveSupported = true

// Live is a Source reading a network interface through a Linux packet
// socket (AF_PACKET), in pure Go: no libpcap, no cgo. The kernel filters
// with the program Filter builds, so only the TCP packets asked for are
// copied to user space; on the loopback interface the copy of each packet
// made when it is sent is dropped, so every packet is seen once, as with
// tcpdump.
//
// ReadPacket must be called from one goroutine at a time; Stop, Close,
// Stats and Name may be called from any goroutine at any time.
type Live struct {
	name      string
	linkType  layers.LinkType
	snapLen   int
	bufAsked  int // socket buffer asked for, bytes
	bufGotten int // what the kernel granted (SO_RCVBUF / 2: it counts overhead twice)
	file      *os.File
	rc        syscall.RawConn

	// Used by ReadPacket only. buf has room for a VLAN tag in front.
	buf     []byte
	oob     []byte
	sa      unix.RawSockaddrLinklayer
	iov     unix.Iovec
	msg     unix.Msghdr
	n       int
	errno   syscall.Errno
	recvFn  func(fd uintptr) bool // l.recv, bound once: no allocation per read
	drainFn func(fd uintptr)
	number  int
	err     error // the error that ended the capture, returned again

	stopped   atomic.Bool
	closed    atomic.Bool
	closeOnce sync.Once
	closeErr  error

	liveStats
}

// vlanRoom is the space kept in front of a frame to put back the 802.1Q tag
// the kernel took out of it.
const vlanRoom = 4

// OpenLive opens a capture on o.Interface. It needs root or the CAP_NET_RAW
// capability (errors.Is(err, ErrPermission) tells); CAP_NET_ADMIN lets it
// set a buffer larger than the system's rmem_max. Only packets that arrive
// after OpenLive returns are captured.
func OpenLive(o LiveOptions) (*Live, error) {
	return openLive(o, true)
}

// openLive is OpenLive; with dropOutgoing false a loopback capture keeps
// the outgoing copies (tests use it to see that they are there).
func openLive(o LiveOptions, dropOutgoing bool) (*Live, error) {
	src := liveSourceName(o.Interface)
	snap, err := o.snapLen()
	if err != nil {
		return nil, &Error{Source: src, Err: err}
	}
	bufBytes, err := o.bufferBytes()
	if err != nil {
		return nil, &Error{Source: src, Err: err}
	}
	if o.Interface == "" {
		return nil, newNoInterfaceError("")
	}
	ifi, err := net.InterfaceByName(o.Interface)
	if err != nil {
		if strings.Contains(err.Error(), "no such network interface") || strings.Contains(err.Error(), "invalid network interface name") {
			return nil, newNoInterfaceError(o.Interface)
		}
		return nil, openFailed(o.Interface, "looking up the interface", err)
	}
	if ifi.Flags&net.FlagUp == 0 {
		return nil, &Error{Source: src, Err: fmt.Errorf("interface %s is down (ip link set %s up)", o.Interface, o.Interface)}
	}

	// Protocol 0: the socket receives nothing until it is bound with a
	// protocol below, after the filter is in place, so no packet the
	// filter would reject slips in first.
	fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, openFailed(o.Interface, "opening a packet socket", err)
	}
	ok := false
	defer func() {
		if !ok {
			unix.Close(fd)
		}
	}()

	// Bound with protocol 0 the socket still receives nothing, but it
	// tells the interface's hardware type, which decides the link type.
	if err := unix.Bind(fd, &unix.SockaddrLinklayer{Ifindex: ifi.Index}); err != nil {
		if errors.Is(err, unix.ENODEV) {
			return nil, newNoInterfaceError(o.Interface)
		}
		return nil, openFailed(o.Interface, "binding to the interface", err)
	}
	sa, err := unix.Getsockname(fd)
	if err != nil {
		return nil, openFailed(o.Interface, "reading the interface type", err)
	}
	ll, _ := sa.(*unix.SockaddrLinklayer)
	if ll == nil {
		return nil, &Error{Source: src, Err: fmt.Errorf("reading the interface type: unexpected address %T", sa)}
	}
	var (
		link     linkKind
		linkType layers.LinkType
		loopback bool
	)
	switch ll.Hatype {
	case unix.ARPHRD_ETHER:
		link, linkType = linkEthernet, layers.LinkTypeEthernet
	case unix.ARPHRD_LOOPBACK:
		link, linkType, loopback = linkEthernet, layers.LinkTypeEthernet, true
	case unix.ARPHRD_NONE, unix.ARPHRD_RAWIP:
		link, linkType = linkRaw, layers.LinkTypeRaw
	default:
		return nil, &Error{Source: src, Err: fmt.Errorf("interface %s has hardware type %d, neither Ethernet nor raw IP: capture it with a build using libpcap (go build -tags pcap ./cmd/segscope)", o.Interface, ll.Hatype)}
	}
	prog, err := buildFilter(o, link, loopback && dropOutgoing)
	if err != nil {
		return nil, &Error{Source: src, Err: fmt.Errorf("filter: %w", err)}
	}

	if err := unix.SetsockoptInt(fd, unix.SOL_PACKET, unix.PACKET_AUXDATA, 1); err != nil {
		return nil, openFailed(o.Interface, "asking for packet lengths (PACKET_AUXDATA)", err)
	}
	if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_TIMESTAMPNS, 1); err != nil {
		return nil, openFailed(o.Interface, "asking for timestamps (SO_TIMESTAMPNS)", err)
	}
	// SO_RCVBUFFORCE needs CAP_NET_ADMIN; without it the size is capped
	// by net.core.rmem_max.
	if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, bufBytes); err != nil {
		if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUF, bufBytes); err != nil {
			return nil, openFailed(o.Interface, "setting the socket buffer", err)
		}
	}
	granted, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUF)
	if err != nil {
		return nil, openFailed(o.Interface, "reading the socket buffer size", err)
	}
	if err := attachFilter(fd, prog); err != nil {
		return nil, openFailed(o.Interface, "attaching the filter", err)
	}
	if o.Promisc {
		mreq := unix.PacketMreq{Ifindex: int32(ifi.Index), Type: unix.PACKET_MR_PROMISC}
		if err := unix.SetsockoptPacketMreq(fd, unix.SOL_PACKET, unix.PACKET_ADD_MEMBERSHIP, &mreq); err != nil {
			return nil, openFailed(o.Interface, "setting promiscuous mode", err)
		}
	}
	if err := unix.Bind(fd, &unix.SockaddrLinklayer{Protocol: htons(unix.ETH_P_ALL), Ifindex: ifi.Index}); err != nil {
		if errors.Is(err, unix.ENODEV) {
			return nil, newNoInterfaceError(o.Interface)
		}
		return nil, openFailed(o.Interface, "binding to the interface", err)
	}

	file := os.NewFile(uintptr(fd), "packet socket on "+o.Interface)
	rc, err := file.SyscallConn()
	if err != nil {
		file.Close()
		ok = true // closed with the file
		return nil, openFailed(o.Interface, "opening the socket", err)
	}
	ok = true
	l := &Live{
		name:      o.Interface,
		linkType:  linkType,
		snapLen:   snap,
		bufAsked:  bufBytes,
		bufGotten: granted / 2,
		file:      file,
		rc:        rc,
		buf:       make([]byte, vlanRoom+snap),
		oob:       make([]byte, unix.CmsgSpace(int(unsafe.Sizeof(unix.TpacketAuxdata{})))+unix.CmsgSpace(int(unsafe.Sizeof(unix.Timespec{})))),
	}
	l.iov.Base = &l.buf[vlanRoom]
	l.iov.SetLen(snap)
	l.msg.Name = (*byte)(unsafe.Pointer(&l.sa))
	l.msg.Iov = &l.iov
	l.msg.Iovlen = 1
	l.msg.Control = &l.oob[0]
	l.recvFn = l.recv
	l.drainFn = func(fd uintptr) {
		if !l.recv(fd) {
			l.errno = unix.EAGAIN
		}
	}
	return l, nil
}

func htons(v uint16) uint16 { return v<<8 | v>>8 }

func attachFilter(fd int, prog []bpf.RawInstruction) error {
	if len(prog) == 0 {
		return errors.New("empty filter")
	}
	f := make([]unix.SockFilter, len(prog))
	for i, ins := range prog {
		f[i] = unix.SockFilter{Code: ins.Op, Jt: ins.Jt, Jf: ins.Jf, K: ins.K}
	}
	return unix.SetsockoptSockFprog(fd, unix.SOL_SOCKET, unix.SO_ATTACH_FILTER, &unix.SockFprog{Len: uint16(len(f)), Filter: &f[0]})
}

// recv reads one packet; false means there is none yet (EAGAIN).
func (l *Live) recv(fd uintptr) bool {
	l.msg.Namelen = uint32(unsafe.Sizeof(l.sa))
	l.msg.SetControllen(len(l.oob))
	// The descriptor is non-blocking. MSG_TRUNC: n is the frame's length
	// as the filter left it, even when longer than the buffer.
	n, _, e := unix.Syscall(unix.SYS_RECVMSG, fd, uintptr(unsafe.Pointer(&l.msg)), unix.MSG_TRUNC)
	if e == unix.EAGAIN {
		return false
	}
	l.n, l.errno = int(n), e
	return true
}

// Name returns the interface name.
func (l *Live) Name() string { return l.name }

// LinkType is the link type of the frames: Ethernet (the loopback interface
// too), or raw IP for tun and WireGuard interfaces.
func (l *Live) LinkType() layers.LinkType { return l.linkType }

// SnapLen is the most bytes kept of a frame (a frame with a VLAN tag put
// back can be 4 more).
func (l *Live) SnapLen() int { return l.snapLen }

// Buffer returns the kernel buffer size asked for and the size granted,
// in bytes. Without CAP_NET_ADMIN the kernel grants at most
// net.core.rmem_max (often 208 KiB), where fast traffic gets dropped: a
// caller can warn when granted < asked.
func (l *Live) Buffer() (asked, granted int) { return l.bufAsked, l.bufGotten }

// ReadPacket waits for the next packet and returns it; its Data is valid
// until the next call. It returns io.EOF after Close, and after Stop once
// the packets already captured are read.
func (l *Live) ReadPacket() (Packet, error) {
	if l.err != nil {
		return Packet{}, l.err
	}
	for {
		if l.closed.Load() {
			return Packet{}, io.EOF
		}
		var err error
		l.errno = 0
		if l.stopped.Load() {
			err = l.rc.Control(l.drainFn)
			if err == nil && l.errno == unix.EAGAIN {
				return Packet{}, io.EOF
			}
		} else {
			err = l.rc.Read(l.recvFn)
		}
		switch {
		case l.closed.Load():
			return Packet{}, io.EOF
		case err != nil && l.stopped.Load() && errors.Is(err, os.ErrDeadlineExceeded):
			continue // Stop woke us: read what is left
		case err != nil:
			return Packet{}, l.fail(err)
		case l.errno == unix.EINTR:
			continue
		case l.errno == unix.ENETDOWN || l.errno == unix.ENXIO || l.errno == unix.ENODEV:
			return Packet{}, l.fail(fmt.Errorf("the interface went down or away: %w", l.errno))
		case l.errno != 0:
			return Packet{}, l.fail(l.errno)
		}
		return l.packet(), nil
	}
}

func (l *Live) fail(err error) error {
	l.err = &Error{Source: l.name, Packet: l.number + 1, Err: err}
	return l.err
}

// packet makes the Packet of the frame recv put in l.buf.
func (l *Live) packet() Packet {
	capLen := min(l.n, len(l.buf)-vlanRoom)
	p := Packet{Length: l.n, LinkType: l.linkType}
	var aux *unix.TpacketAuxdata
	oob := l.oob[:l.msg.Controllen]
	for hdrLen := unix.CmsgSpace(0); len(oob) >= hdrLen; {
		h := (*unix.Cmsghdr)(unsafe.Pointer(&oob[0]))
		hl := int(h.Len)
		if hl < unix.CmsgLen(0) || hl > len(oob) {
			break
		}
		body := oob[hdrLen:hl]
		switch {
		case h.Level == unix.SOL_PACKET && h.Type == unix.PACKET_AUXDATA && len(body) >= int(unsafe.Sizeof(unix.TpacketAuxdata{})):
			aux = (*unix.TpacketAuxdata)(unsafe.Pointer(&body[0]))
		case h.Level == unix.SOL_SOCKET && h.Type == unix.SO_TIMESTAMPNS && len(body) >= int(unsafe.Sizeof(unix.Timespec{})):
			ts := (*unix.Timespec)(unsafe.Pointer(&body[0]))
			p.Timestamp = time.Unix(int64(ts.Sec), int64(ts.Nsec))
		}
		oob = oob[min(len(oob), unix.CmsgSpace(hl-unix.CmsgLen(0))):]
	}
	if p.Timestamp.IsZero() {
		p.Timestamp = time.Now()
	}
	data := l.buf[vlanRoom : vlanRoom+capLen]
	if aux != nil {
		p.Length = int(aux.Len)
		// The kernel took the 802.1Q tag out of the frame: put it back
		// where it was, as libpcap does.
		if l.linkType == layers.LinkTypeEthernet && capLen >= 12 &&
			(aux.Status&unix.TP_STATUS_VLAN_VALID != 0 || aux.Vlan_tci != 0) {
			tpid := uint16(unix.ETH_P_8021Q)
			if aux.Status&unix.TP_STATUS_VLAN_TPID_VALID != 0 && aux.Vlan_tpid != 0 {
				tpid = aux.Vlan_tpid
			}
			copy(l.buf[0:12], l.buf[vlanRoom:vlanRoom+12])
			binary.BigEndian.PutUint16(l.buf[12:], tpid)
			binary.BigEndian.PutUint16(l.buf[14:], aux.Vlan_tci)
			data = l.buf[:vlanRoom+capLen]
			p.Length += vlanRoom
		}
	}
	if p.Length < len(data) {
		p.Length = len(data)
	}
	l.number++
	p.Data, p.Number = data, l.number
	return p
}

// Stop ends the capture gracefully: no packet is let in after it, and
// ReadPacket returns the packets already in the kernel buffer, then io.EOF.
// Call Close afterwards. Stop does not wait for the reader.
func (l *Live) Stop() error {
	if l.closed.Load() || l.stopped.Swap(true) {
		return nil
	}
	var err error
	cerr := l.rc.Control(func(fd uintptr) {
		// A filter that rejects everything: packets already queued stay.
		err = attachFilter(int(fd), []bpf.RawInstruction{{Op: unix.BPF_RET | unix.BPF_K, K: 0}})
	})
	// Wake a ReadPacket waiting for a packet; it then drains the queue.
	derr := l.file.SetReadDeadline(time.Unix(1, 0))
	if err = errors.Join(cerr, err, derr); err != nil && !l.closed.Load() {
		return &Error{Source: l.name, Err: fmt.Errorf("stopping: %w", err)}
	}
	return nil
}

// Close ends the capture at once: a ReadPacket waiting in another goroutine
// returns io.EOF, and Close returns after it did and the socket is closed.
// Packets still in the kernel buffer are lost (Stop first to read them).
// Stats still works after Close and gives the final counts. Close may be
// called more than once.
func (l *Live) Close() error {
	l.closeOnce.Do(func() {
		l.closed.Store(true)
		l.statsMu.Lock()
		l.updateStats() // the counts die with the socket: keep them
		l.statsFinal = true
		l.statsMu.Unlock()
		if err := l.file.Close(); err != nil {
			l.closeErr = &Error{Source: l.name, Err: fmt.Errorf("closing: %w", err)}
		}
	})
	return l.closeErr
}

// Stats returns the number of packets the filter passed to the capture
// (including those dropped) and the number dropped because the buffer was
// full, since OpenLive (the kernel's PACKET_STATISTICS). After Close it
// returns the final counts.
func (l *Live) Stats() (received, dropped uint64, err error) {
	return l.read(l.name, l.updateStats)
}

// updateStats adds the kernel's counts since the last call (reading them
// resets them) to l's. Called with statsMu held.
func (l *Live) updateStats() error {
	var (
		st  *unix.TpacketStats
		err error
	)
	cerr := l.rc.Control(func(fd uintptr) {
		st, err = unix.GetsockoptTpacketStats(int(fd), unix.SOL_PACKET, unix.PACKET_STATISTICS)
	})
	if cerr != nil {
		return cerr
	}
	if err != nil {
		return err
	}
	// tp_packets counts the dropped packets too.
	l.received += uint64(st.Packets)
	l.dropped += uint64(st.Drops)
	return nil
}
