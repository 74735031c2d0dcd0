// Package capture yields captured frames from capture files (and, later, live
// interfaces) behind one small interface.
//
// It knows link types and timestamps, nothing about IP or TCP: decoding
// belongs to package analyze. A Source hands out one frame at a time in a
// buffer it reuses, so reading a capture allocates nothing per packet.
package capture

import (
	"errors"
	"fmt"
	"time"

	"github.com/gopacket/gopacket/layers"
)

// Packet is one captured frame. Data is only valid until the next call to
// ReadPacket on the Source that returned it.
type Packet struct {
	Data      []byte
	Timestamp time.Time
	// Length is the frame's length on the wire; len(Data) is smaller when
	// the capture was taken with a snap length.
	Length   int
	LinkType layers.LinkType
	// Number counts packets from 1 in the order the source yields them,
	// like Wireshark's frame.number.
	Number int
	// Interface is the pcapng interface the frame was captured on (0 in
	// pcap files and live captures), and Interfaces how many the file
	// has described so far (0 or 1 but for pcapng of several).
	Interface, Interfaces int
}

// Source is anything that yields frames: a capture file, standard input, a
// live interface.
type Source interface {
	// ReadPacket returns the next frame, or io.EOF after the last one.
	// Any other error is an *Error naming the source and the packet.
	ReadPacket() (Packet, error)
	// Name names the source for messages: a file name, "stdin", an interface.
	Name() string
	Close() error
}

// ErrTruncated is wrapped by errors for a capture that ends inside a packet
// record: everything before that packet was read and is valid.
var ErrTruncated = errors.New("capture ends in the middle of a packet (file cut short?)")

// Error is a failure reading one source, with the place it happened.
type Error struct {
	Source string
	// Packet is the number of the packet being read when it failed; 0 for
	// a failure in the file header.
	Packet int
	// Offset is where that packet's record begins in a pcap file (in
	// the decompressed stream of a gzip'd one); 0 when not told (pcapng
	// errors name their block's byte themselves).
	Offset int64
	Err    error
}

func (e *Error) Error() string {
	switch {
	case e.Packet == 0:
		return fmt.Sprintf("reading %s: %v", e.Source, e.Err)
	case e.Offset > 0:
		return fmt.Sprintf("reading %s: packet %d (its record at byte %d): %v", e.Source, e.Packet, e.Offset, e.Err)
	}
	return fmt.Sprintf("reading %s: packet %d: %v", e.Source, e.Packet, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }
