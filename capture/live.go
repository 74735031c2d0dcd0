package capture

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strings"
	"sync"
)

// LiveOptions selects an interface and what to capture on it.
type LiveOptions struct {
	Interface string // e.g. "lo", "eth0"
	// Hosts keeps only packets with one of these addresses as source or
	// destination (IPv4 or IPv6; a v4-mapped IPv6 address means the IPv4
	// one); empty: any.
	Hosts []netip.Addr
	// Ports keeps only TCP packets with one of these ports as source or
	// destination port; empty: any TCP packet.
	Ports []uint16
	// SnapLen is the most bytes kept of a frame; 0 means DefaultSnapLen
	// (262144), which keeps every frame whole.
	SnapLen int
	Promisc bool
	// BufferMB is the kernel socket buffer in MiB; 0 means
	// DefaultBufferMB. Packets that arrive while it is full are dropped
	// and counted (Stats).
	BufferMB int
}

// DefaultBufferMB is the kernel buffer of a live capture when
// LiveOptions.BufferMB is 0.
const DefaultBufferMB = 32

// maxBufferMB keeps the buffer size in a C int after the kernel doubles it.
const maxBufferMB = 1023

func (o LiveOptions) bufferBytes() (int, error) {
	switch {
	case o.BufferMB == 0:
		return DefaultBufferMB << 20, nil
	case o.BufferMB < 0 || o.BufferMB > maxBufferMB:
		return 0, fmt.Errorf("buffer size %d MiB: must be between 1 and %d (0 means %d)", o.BufferMB, maxBufferMB, DefaultBufferMB)
	}
	return o.BufferMB << 20, nil
}

// ErrPermission is wrapped by the error OpenLive returns when the process
// may not open a packet socket; its message says how to fix that.
var ErrPermission = errors.New("capturing needs root or the CAP_NET_RAW and CAP_NET_ADMIN capabilities: run as root, or give the binary the capabilities once with: sudo setcap cap_net_raw,cap_net_admin+ep $(command -v segscope)")

// ErrNoInterface is wrapped by the error OpenLive returns for an interface
// that does not exist; the message lists those that do.
var ErrNoInterface = errors.New("no such interface")

// Interfaces lists the names of the network interfaces that exist, in the
// system's order.
func Interfaces() ([]string, error) {
	ifs, err := net.Interfaces()
	if err != nil {
		return nil, err
	}
	names := make([]string, len(ifs))
	for i, ifi := range ifs {
		names[i] = ifi.Name
	}
	return names, nil
}

// permissionError is ErrPermission with the system's error underneath.
type permissionError struct{ errno error }

func (e permissionError) Error() string        { return ErrPermission.Error() }
func (e permissionError) Is(target error) bool { return target == ErrPermission }
func (e permissionError) Unwrap() error        { return e.errno }

// noInterfaceError names the interface asked for and those that exist.
type noInterfaceError struct {
	name  string
	names []string
}

func (e noInterfaceError) Error() string {
	have := "none"
	if len(e.names) > 0 {
		have = strings.Join(e.names, ", ")
	}
	if e.name == "" {
		return "no interface given; interfaces here: " + have
	}
	return fmt.Sprintf("no interface %q; interfaces here: %s", e.name, have)
}

func (e noInterfaceError) Is(target error) bool { return target == ErrNoInterface }

func newNoInterfaceError(name string) error {
	names, _ := Interfaces()
	return &Error{Source: liveSourceName(name), Err: noInterfaceError{name: name, names: names}}
}

// liveSourceName names a live capture in messages.
func liveSourceName(iface string) string {
	if iface == "" {
		return "live capture"
	}
	return iface
}

// openFailed wraps a failure opening a capture on iface. A denied
// permission (EPERM, EACCES) becomes ErrPermission with its advice; what
// is the failing step, e.g. "opening a packet socket".
func openFailed(iface, what string, err error) error {
	if errors.Is(err, os.ErrPermission) {
		return &Error{Source: liveSourceName(iface), Err: permissionError{errno: err}}
	}
	return &Error{Source: liveSourceName(iface), Err: fmt.Errorf("%s: %w", what, err)}
}

var _ Source = (*Live)(nil)

// liveStats are a live source's packet counts: read from the kernel (or
// libpcap) until the source closes, final after.
type liveStats struct {
	statsMu           sync.Mutex
	received, dropped uint64
	statsFinal        bool // the source is closed: the counts are final
}

// read brings the counts up to date with update (called with statsMu
// held) unless they are final, and returns them.
func (s *liveStats) read(name string, update func() error) (received, dropped uint64, err error) {
	s.statsMu.Lock()
	defer s.statsMu.Unlock()
	if !s.statsFinal {
		if err := update(); err != nil {
			return s.received, s.dropped, &Error{Source: name, Err: fmt.Errorf("reading statistics: %w", err)}
		}
	}
	return s.received, s.dropped, nil
}
