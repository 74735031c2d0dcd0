package capture

import (
	"errors"
	"fmt"
	"io"
	"runtime"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// NgWriter writes packets to a pcapng file that tshark, Wireshark and Open
// read, with nanosecond timestamps. Every packet is flushed to the
// underlying writer as it is written, so the file is complete after each
// WritePacket: a capture stopped at any point, even by a kill, leaves a
// valid file.
type NgWriter struct {
	w       *pcapgo.NgWriter
	name    string
	snapLen int
	first   layers.LinkType
	ifaces  map[layers.LinkType]int // interface block of each link type
	closed  bool
	err     error // the first write error; later writes return it
	packets int
	started time.Time
}

// NewNgWriter writes the pcapng section header and an interface block for
// ifaceName with linkType and snapLen (0: unlimited) to w, and flushes them.
func NewNgWriter(w io.Writer, linkType layers.LinkType, snapLen int, ifaceName string) (*NgWriter, error) {
	if snapLen < 0 {
		return nil, fmt.Errorf("pcapng writer: snap length %d is negative", snapLen)
	}
	ng, err := pcapgo.NewNgWriterInterface(w, ngInterface(ifaceName, linkType, snapLen), pcapgo.NgWriterOptions{
		SectionInfo: pcapgo.NgSectionInfo{Hardware: runtime.GOARCH, OS: runtime.GOOS, Application: "segscope"},
	})
	if err != nil {
		return nil, fmt.Errorf("pcapng writer: %w", err)
	}
	if err := ng.Flush(); err != nil {
		return nil, fmt.Errorf("pcapng writer: %w", err)
	}
	return &NgWriter{
		w: ng, name: ifaceName, snapLen: snapLen, first: linkType,
		ifaces:  map[layers.LinkType]int{linkType: 0},
		started: time.Now(),
	}, nil
}

func ngInterface(name string, lt layers.LinkType, snapLen int) pcapgo.NgInterface {
	return pcapgo.NgInterface{
		Name:                name,
		OS:                  runtime.GOOS,
		LinkType:            lt,
		SnapLength:          uint32(snapLen),
		TimestampResolution: 9,
	}
}

// errNgWriterClosed is returned by writes after Close.
var errNgWriterClosed = errors.New("pcapng writer: write after Close")

// WritePacket appends p and flushes it. A packet with another link type
// than the writer's gets an interface block of its own (Open reads such
// files).
func (w *NgWriter) WritePacket(p Packet) error {
	if w.closed {
		return errNgWriterClosed
	}
	if w.err != nil {
		return w.err
	}
	idx, ok := w.ifaces[p.LinkType]
	if !ok {
		var err error
		if idx, err = w.w.AddInterface(ngInterface(w.name, p.LinkType, w.snapLen)); err != nil {
			return w.fail(err)
		}
		w.ifaces[p.LinkType] = idx
	}
	length := max(p.Length, len(p.Data))
	// InterfaceIndex is the file's interface block, not the system's
	// interface index a live capture reports.
	ci := gopacket.CaptureInfo{Timestamp: p.Timestamp, CaptureLength: len(p.Data), Length: length, InterfaceIndex: idx}
	if err := w.w.WritePacket(ci, p.Data); err != nil {
		return w.fail(err)
	}
	if err := w.w.Flush(); err != nil {
		return w.fail(err)
	}
	w.packets++
	return nil
}

// WriteStats records the capture's counts (Live.Stats) in an interface
// statistics block, which tshark's capinfos and Wireshark's capture file
// properties show. Call it once, at the end, before Close.
func (w *NgWriter) WriteStats(received, dropped uint64) error {
	if w.closed {
		return errNgWriterClosed
	}
	if w.err != nil {
		return w.err
	}
	now := time.Now()
	if err := w.w.WriteInterfaceStats(0, pcapgo.NgInterfaceStatistics{
		LastUpdate: now, StartTime: w.started, EndTime: now,
		PacketsReceived: received, PacketsDropped: dropped,
	}); err != nil {
		return w.fail(err)
	}
	if err := w.w.Flush(); err != nil {
		return w.fail(err)
	}
	return nil
}

// WriteTLSKeyLog writes keyLog, TLS secrets in the NSS key log format
// (keylog.Store.Bytes), in a Decryption Secrets Block, and flushes it.
// Wireshark and tshark then decrypt the file's TLS connections without
// a key log file, and File.TLSKeyLogs returns keyLog. Write it before the
// packets of the connections it decrypts: readers that stream the file,
// like segscope, learn the keys where the block stands. An empty keyLog
// writes nothing.
func (w *NgWriter) WriteTLSKeyLog(keyLog []byte) error {
	if w.closed {
		return errNgWriterClosed
	}
	if w.err != nil {
		return w.err
	}
	if len(keyLog) == 0 {
		return nil
	}
	if len(keyLog) > maxSecretsBlock-minSecretsBlock-3 {
		return fmt.Errorf("pcapng writer: a key log of %d bytes is more than the %d MiB segscope reads back", len(keyLog), maxSecretsBlock>>20)
	}
	if err := w.w.WriteDecryptionSecretsBlock(pcapgo.DSB_SECRETS_TYPE_TLS, keyLog); err != nil {
		return w.fail(err)
	}
	if err := w.w.Flush(); err != nil {
		return w.fail(err)
	}
	return nil
}

// Packets returns the number of packets written.
func (w *NgWriter) Packets() int { return w.packets }

func (w *NgWriter) fail(err error) error {
	w.err = fmt.Errorf("pcapng writer: %w", err)
	return w.err
}

// Close flushes what is buffered (nothing, as every write is flushed) and
// makes later writes fail. It does not close the underlying writer.
func (w *NgWriter) Close() error {
	if w.closed {
		return nil
	}
	w.closed = true
	if err := w.w.Flush(); err != nil {
		return w.fail(err)
	}
	return w.err
}
