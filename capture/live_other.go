//go:build !linux

package capture

import (
	"errors"
	"fmt"
	"io"
	"runtime"

	"github.com/gopacket/gopacket/layers"
)

// LiveSupported tells whether OpenLive can capture in this build: the
// pure-Go capture is Linux's packet socket, and this is not Linux.
const LiveSupported = false

// Live is a Source reading a network interface. The pure-Go capture exists
// on Linux only (AF_PACKET); elsewhere OpenLive returns an error and a
// build with libpcap (-tags pcap, OpenPcapLive) captures instead.
type Live struct{ name string }

// OpenLive returns an error wrapping errors.ErrUnsupported on this system.
func OpenLive(o LiveOptions) (*Live, error) {
	return nil, &Error{Source: liveSourceName(o.Interface), Err: fmt.Errorf(
		"live capture without libpcap works on Linux only, not on %s: build segscope with libpcap (go build -tags pcap ./cmd/segscope) or capture with tcpdump and read the file: %w",
		runtime.GOOS, errors.ErrUnsupported)}
}

func (l *Live) Name() string                                 { return l.name }
func (l *Live) LinkType() layers.LinkType                    { return layers.LinkTypeEthernet }
func (l *Live) SnapLen() int                                 { return DefaultSnapLen }
func (l *Live) ReadPacket() (Packet, error)                  { return Packet{}, io.EOF }
func (l *Live) Buffer() (asked, granted int)                 { return 0, 0 }
func (l *Live) Stop() error                                  { return nil }
func (l *Live) Close() error                                 { return nil }
func (l *Live) Stats() (received, dropped uint64, err error) { return 0, 0, nil }
