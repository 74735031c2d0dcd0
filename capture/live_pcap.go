//go:build pcap

package capture

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcap"
)

// PcapLive is a Source reading an interface through libpcap, in builds with
// the pcap tag (cgo and libpcap-dev needed). It takes full pcap-filter
// expressions and works wherever libpcap does. libpcap hides the duplicate
// loopback copies itself.
type PcapLive struct {
	name     string
	expr     string
	handle   *pcap.Handle
	linkType layers.LinkType
	snapLen  int
	number   int
	err      error

	closed    atomic.Bool
	closeOnce sync.Once

	liveStats
}

// OpenPcapLive opens o.Interface with libpcap and filters with expr
// compiled by libpcap, combined with o's hosts and ports as PcapExpression
// does (an empty expr means TCP only, as OpenLive).
func OpenPcapLive(o LiveOptions, expr string) (*PcapLive, error) {
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
	if _, err := Interfaces(); err == nil && !hasInterface(o.Interface) {
		return nil, newNoInterfaceError(o.Interface)
	}
	in, err := pcap.NewInactiveHandle(o.Interface)
	if err != nil {
		return nil, pcapOpenFailed(o.Interface, err)
	}
	defer in.CleanUp()
	for _, set := range []func() error{
		func() error { return in.SetSnapLen(snap) },
		func() error { return in.SetPromisc(o.Promisc) },
		func() error { return in.SetBufferSize(bufBytes) },
		func() error { return in.SetImmediateMode(true) },
		func() error { return in.SetTimeout(pcap.BlockForever) },
	} {
		if err := set(); err != nil {
			return nil, pcapOpenFailed(o.Interface, err)
		}
	}
	h, err := in.Activate()
	if err != nil {
		return nil, pcapOpenFailed(o.Interface, err)
	}
	full := PcapExpression(o, expr)
	if err := h.SetBPFFilter(full); err != nil {
		h.Close()
		return nil, &Error{Source: src, Err: fmt.Errorf("filter %q: %w", full, err)}
	}
	return &PcapLive{name: o.Interface, expr: full, handle: h, linkType: h.LinkType(), snapLen: snap}, nil
}

func hasInterface(name string) bool {
	names, _ := Interfaces()
	for _, n := range names {
		if n == name {
			return true
		}
	}
	return false
}

// pcapOpenFailed maps libpcap's open errors onto ErrPermission and
// ErrNoInterface.
func pcapOpenFailed(iface string, err error) error {
	msg := err.Error()
	switch {
	case strings.Contains(msg, "Permission Denied"), strings.Contains(msg, "permission"), strings.Contains(msg, "Operation not permitted"):
		return &Error{Source: iface, Err: permissionError{errno: err}}
	case strings.Contains(msg, "No Such Device"), strings.Contains(msg, "No such device"):
		return newNoInterfaceError(iface)
	}
	return &Error{Source: iface, Err: fmt.Errorf("opening with libpcap: %w", err)}
}

// Name returns the interface name.
func (l *PcapLive) Name() string { return l.name }

// Filter returns the filter expression libpcap compiled.
func (l *PcapLive) Filter() string { return l.expr }

// LinkType is the link type libpcap reports for the interface.
func (l *PcapLive) LinkType() layers.LinkType { return l.linkType }

// SnapLen is the most bytes kept of a frame.
func (l *PcapLive) SnapLen() int { return l.snapLen }

// ReadPacket waits for the next packet; its Data is valid until the next
// call. It returns io.EOF after Close or Stop.
func (l *PcapLive) ReadPacket() (Packet, error) {
	if l.err != nil {
		return Packet{}, l.err
	}
	for {
		if l.closed.Load() {
			return Packet{}, io.EOF
		}
		data, ci, err := l.handle.ZeroCopyReadPacketData()
		switch {
		case err == io.EOF || l.closed.Load():
			return Packet{}, io.EOF
		case errors.Is(err, pcap.NextErrorTimeoutExpired):
			continue
		case err != nil:
			l.err = &Error{Source: l.name, Packet: l.number + 1, Err: err}
			return Packet{}, l.err
		}
		l.number++
		return Packet{Data: data, Timestamp: ci.Timestamp, Length: max(ci.Length, len(data)), LinkType: l.linkType, Number: l.number}, nil
	}
}

// Stop is Close for libpcap captures: what libpcap buffered is lost.
func (l *PcapLive) Stop() error { return l.Close() }

// Close ends the capture; a ReadPacket waiting in another goroutine returns
// io.EOF. Stats still works after Close and gives the final counts.
func (l *PcapLive) Close() error {
	l.closeOnce.Do(func() {
		l.closed.Store(true)
		l.statsMu.Lock()
		l.updateStats()
		l.statsFinal = true
		l.statsMu.Unlock()
		l.handle.Close()
	})
	return nil
}

// Stats returns the packets libpcap received (passed by the filter) and
// dropped because its buffer was full, as pcap_stats counts them
// (tcpdump's "received by filter" and "dropped by kernel").
func (l *PcapLive) Stats() (received, dropped uint64, err error) {
	return l.read(l.name, l.updateStats)
}

func (l *PcapLive) updateStats() error {
	st, err := l.handle.Stats()
	if err != nil {
		return err
	}
	// pcap_stats counts from the start; it does not reset.
	l.received = uint64(st.PacketsReceived)
	l.dropped = uint64(st.PacketsDropped)
	return nil
}

var _ Source = (*PcapLive)(nil)
