package capture

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"github.com/segscope/segscope/curltrace"
	"io"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// Format is the container format of a capture file.
type Format string

const (
	FormatPcap   Format = "pcap"
	FormatPcapng Format = "pcapng"
)

// readBufferSize is large so a big capture is read in few system calls.
const readBufferSize = 1 << 20

// File reads a pcap or pcapng capture, optionally gzip-compressed, from a
// file or standard input.
type File struct {
	name       string
	closer     io.Closer
	format     Format
	compressed bool

	pcap *pcapReader
	ng   *pcapgo.NgReader
	tap  *secretsTap // under ng: collects its Decryption Secrets Blocks

	number int    // packets returned so far
	err    error  // the error that ended the file; returned again on later reads
	merge  *merge // a pcapng file of several interfaces: its packets in time order

	read  *atomic.Int64 // bytes of the file read so far, for progress
	total int64         // size of the file, 0 when unknown (stdin)
	file  *os.File      // the regular file opened by name, for Ranges

	intrOnce sync.Once
}

// Open opens a capture file; "-" means standard input. The format (pcap or
// pcapng, either byte order, microsecond or nanosecond) and gzip compression
// are recognised from the content, not the name.
func Open(path string) (*File, error) {
	if path == "-" {
		return NewReader("stdin", os.Stdin, 0)
	}
	f, err := os.Open(path)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err // the path is already in the message
		}
		return nil, &Error{Source: path, Err: fmt.Errorf("cannot open: %w", err)}
	}
	var size int64
	if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
		size = st.Size()
	} else if err == nil && st.IsDir() {
		f.Close()
		return nil, &Error{Source: path, Err: errors.New("is a directory, not a capture file")}
	}
	var in io.Reader = f
	oneCore := runtime.GOMAXPROCS(0) == 1
	if size > 0 && oneCore {
		in = rawReads(f)
	}
	src, err := NewReader(path, in, size)
	if err != nil {
		f.Close()
		return nil, err
	}
	src.closer = f
	if size > 0 {
		src.file = f
		if src.pcap != nil && !src.compressed {
			src.pcap.inline = oneCore
		}
	}
	return src, nil
}

// NewReader reads a capture from r, naming it name in messages. size is the
// number of bytes r will yield, for progress reports; 0 if unknown.
func NewReader(name string, r io.Reader, size int64) (*File, error) {
	src := &File{name: name, total: size, read: new(atomic.Int64)}
	br := bufio.NewReaderSize(&countingReader{r: r, n: src.read}, readBufferSize)

	magic, err := br.Peek(4)
	if len(magic) >= 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		gz, gerr := gzip.NewReader(br)
		if gerr != nil {
			return nil, &Error{Source: name, Err: fmt.Errorf("gzip header: %w", gerr)}
		}
		src.compressed = true
		br = bufio.NewReaderSize(gz, readBufferSize)
		magic, err = br.Peek(4)
	}
	if len(magic) == 0 && err == io.EOF {
		return nil, &Error{Source: name, Err: errors.New("empty file: not a capture")}
	}
	if len(magic) < 4 {
		return nil, &Error{Source: name, Err: fmt.Errorf("only %d bytes: too short to be a capture", len(magic))}
	}

	switch {
	case isPcapMagic(magic):
		src.format = FormatPcap
		src.pcap = &pcapReader{br: br, intr: make(chan struct{})}
		err = src.pcap.readHeader()
	case binary.BigEndian.Uint32(magic) == 0x0a0d0d0a:
		src.format = FormatPcapng
		src.tap = &secretsTap{r: br}
		// NgReader buffers what it reads; its own buffer over the tap
		// need not be large, as br is.
		src.ng, err = pcapgo.NewNgReader(bufio.NewReaderSize(src.tap, 64<<10), pcapgo.NgReaderOptions{WantMixedLinkType: true})
	default:
		what := ""
		if head, _ := br.Peek(64); curltrace.LooksLikeTrace(head) {
			what = ": it looks like a curl trace, which explain and report read with --trace TRACE"
		}
		return nil, &Error{Source: name, Err: fmt.Errorf("not a pcap or pcapng capture: it starts with bytes % x (%q)%s", magic, printable(magic), what)}
	}
	if err != nil {
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			err = errors.New("file ends inside the capture file header")
		}
		return nil, &Error{Source: name, Err: fmt.Errorf("%s header: %w", src.format, err)}
	}
	return src, nil
}

func isPcapMagic(m []byte) bool {
	switch binary.LittleEndian.Uint32(m) {
	case 0xa1b2c3d4, 0xd4c3b2a1, 0xa1b23c4d, 0x4d3cb2a1:
		return true
	}
	return false
}

func printable(b []byte) string {
	out := bytes.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e {
			return '.'
		}
		return r
	}, b)
	return string(out)
}

// Name names the source in messages.
func (f *File) Name() string { return f.name }

// Format tells whether the file is pcap or pcapng.
func (f *File) Format() Format { return f.format }

// Compressed tells whether the file was gzip-compressed.
func (f *File) Compressed() bool { return f.compressed }

// Progress returns the bytes of the (possibly compressed) file read so far
// and its size (0 when unknown). It is safe to call from another goroutine.
func (f *File) Progress() (read, total int64) { return f.read.Load(), f.total }

// TLSKeyLogs returns the TLS key logs (NSS key log text, as
// package keylog parses it) of the pcapng Decryption Secrets Blocks read so
// far, in file order; nil for a pcap file.
//
// Poll it after each ReadPacket: the result only grows, so comparing its
// length with the last one tells in O(1) that a block arrived, and it
// costs nothing when none did. When ReadPacket returns packet n, every
// block before packet n in the file is there (a block may show up a
// little earlier, as the file is read ahead). The slices are shared: do
// not modify them.
func (f *File) TLSKeyLogs() [][]byte {
	if f.tap == nil {
		return nil
	}
	return f.tap.keyLogs
}

// ErrInterrupted is what ReadPacket returns after Interrupt.
var ErrInterrupted = errors.New("reading interrupted")

// Interrupt makes a ReadPacket that waits for input (a pipe whose writer
// is still there) return ErrInterrupted, and every later one; it may be
// called from any goroutine, and more than once. A pcapng file is read
// without a read-ahead, so its wait ends only with its input.
func (f *File) Interrupt() {
	if f.pcap != nil {
		f.intrOnce.Do(func() { close(f.pcap.intr) })
	}
}

// interfaces is how many interfaces a pcapng file has described so far
// (dumpcap writes them all before the first packet); 0 for pcap.
func (f *File) interfaces() int {
	if f.ng == nil {
		return 0
	}
	return f.ng.NInterfaces()
}

// Close closes the underlying file (standard input is left open).
func (f *File) Close() error {
	if f.pcap != nil {
		f.pcap.stop()
	}
	if f.closer != nil {
		return f.closer.Close()
	}
	return nil
}

// ReadPacket returns the next frame; its Data is reused by the next call.
// A pcapng file of several interfaces is returned in time order (each
// packet keeps its Number, its place in the file): dumpcap writes each
// interface's packets in blocks.
func (f *File) ReadPacket() (Packet, error) {
	var p Packet
	err := f.ReadInto(&p)
	return p, err
}

// ReadInto is ReadPacket filling p in place (a reader of many frames
// saves the copies of returning them).
func (f *File) ReadInto(p *Packet) error {
	if f.merge != nil {
		return f.merge.next(f.readFrame, p)
	}
	err := f.readFrame(p)
	if err == nil && p.Interfaces > 1 {
		f.merge = &merge{}
		f.merge.push(*p)
		return f.merge.next(f.readFrame, p)
	}
	return err
}

// readFrame reads the file's next frame into p.
func (f *File) readFrame(p *Packet) error {
	if f.err != nil {
		return f.err
	}
	var err error
	if f.pcap != nil {
		err = f.pcap.next(p)
		p.LinkType = f.pcap.link
		p.Interface, p.Interfaces = 0, 0
	} else {
		var ci gopacket.CaptureInfo
		p.Data, ci, err = f.ng.ZeroCopyReadPacketData()
		p.Timestamp, p.Length, p.Interface = ci.Timestamp, ci.Length, ci.InterfaceIndex
		p.LinkType = 0
		if err == nil && len(ci.AncillaryData) > 0 {
			p.LinkType, _ = ci.AncillaryData[0].(layers.LinkType)
		}
		p.Interfaces = f.interfaces()
	}
	if err != nil {
		*p = Packet{}
		f.err = f.wrap(err)
		return f.err
	}
	f.number++
	p.Number = f.number
	return nil
}

func (f *File) wrap(err error) error {
	if f.tap != nil && f.tap.errSent {
		// NgReader reached the malformed secrets block; whatever it made
		// of the tap's error, this is the cause.
		err = f.tap.err
	}
	switch {
	case err == io.EOF:
		return io.EOF
	case errors.Is(err, io.ErrUnexpectedEOF) && f.tap != nil && f.tap.blockLen > maxBlock:
		err = fmt.Errorf("pcapng block at byte %d declares a length of %d bytes, more than any block holds (%d MiB): the file is corrupt there, not cut short", f.tap.blockStart, f.tap.blockLen, maxBlock>>20)
	case errors.Is(err, io.ErrUnexpectedEOF) && f.tap != nil && f.total > 0 && !f.compressed && f.tap.blockLen >= 12 &&
		f.tap.blockStart+int64(f.tap.blockLen) <= f.total,
		f.tap != nil && strings.HasSuffix(err.Error(), bufio.ErrNegativeCount.Error()):
		// The block's declared length fits in the file, yet it could not
		// be read whole: its fields disagree (a trailer that does not
		// repeat the length, a packet longer than its block), not a cut
		// (review 21: "capture ends in the middle of a packet").
		// (Where: NgReader reads through a buffer, so the tap's block is
		// ahead of the one that failed.) Where int has 32 bits, NgReader
		// computes the rest of such a block as negative and says so in
		// text only ("could not discard -8 bytes: bufio: negative count").
		err = errors.New("the pcapng block holding it (or one just before) is damaged: its contents do not fit the length its header declares, and the file goes on past it, so it was not cut short")
	case errors.Is(err, io.ErrUnexpectedEOF) && f.tap != nil && f.total > 0 && !f.compressed &&
		f.tap.blockStart+int64(f.tap.blockLen) > f.total:
		// Review 40: a cut pcapng was named with no byte, where a cut
		// pcap names its record's. The last block read runs past the
		// end: that is the cut one.
		err = fmt.Errorf("the pcapng block at byte %d declares %d bytes, past the file's end at byte %d: %w", f.tap.blockStart, f.tap.blockLen, f.total, ErrTruncated)
	case errors.Is(err, io.ErrUnexpectedEOF) && f.compressed:
		// Review 32: a gzip file cut in half was not named as one.
		err = fmt.Errorf("the gzip stream ends early: %w", ErrTruncated)
	case errors.Is(err, io.ErrUnexpectedEOF):
		err = ErrTruncated
	case errors.Is(err, gzip.ErrChecksum), errors.Is(err, gzip.ErrHeader):
		err = fmt.Errorf("decompressing: %w", err)
	}
	e := &Error{Source: f.name, Packet: f.number + 1, Err: err}
	if f.pcap != nil {
		e.Offset = f.pcap.recStart
	}
	return e
}

// countingReader counts the bytes read through it, for progress reports.
type countingReader struct {
	r io.Reader
	n *atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}
