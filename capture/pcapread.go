package capture

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"math/bits"
	"time"

	"github.com/gopacket/gopacket/layers"
)

// pcapReader reads classic pcap records in place: a packet's bytes are a
// slice of a 1 MiB chunk of the file, not copied (pcapgo.Reader copied each
// record through a 4 KiB buffer of its own into another), unless the
// record straddles two chunks. A goroutine reads the chunks ahead, so the
// read(2) copies (about a third of a bulk analysis) overlap the analysis
// on another core. It returns what pcapgo returns for the same file,
// errors included, but for a file that ends right after a record header,
// which is a cut here and the end of the file for pcapgo (pcapread_test.go
// compares them).
//
// Mapping the file (mmap) instead was measured twice and dropped: parsing
// in place from the buffer read a 140 MB capture from the page cache at
// about 8 GB/s, the mapped file at about 6 GB/s (page faults); and on a
// 1.5 GB capture (real-1500, 1.06 M packets, 2 cores) 64 MiB windows took
// 0.51-0.99 s against read(2)'s 0.29-0.44 s, with MAP_POPULATE 0.54-0.63
// s, and with a goroutine mapping and populating the next window 0.37-0.43
// s and 280 MB of RSS: the read-ahead goroutine already moves the copy
// to the other core, and parsing from mapped pages misses the cache where
// the just-copied chunk does not. On one core the two were equal
// (0.48-0.61 s).
type pcapReader struct {
	order    binary.ByteOrder // the file header's
	swap     bool             // records are big-endian: u32 swaps (no interface call per field)
	nsFactor uint32
	snaplen  uint32
	link     layers.LinkType

	br *bufio.Reader // the file header is peeked through it; then it feeds the chunks

	ahead *readAhead    // started by the first record
	cur   []byte        // the chunk being parsed; records are slices of it
	pos   int           // the next record starts at cur[pos]
	join  []byte        // a record that straddles chunks, copied whole
	err   error         // what ended the file, once cur is used up
	intr  chan struct{} // closed by Interrupt: a wait for the next chunk ends
	// inline: read each chunk when it is needed, in this goroutine, into
	// cur. Set for a regular file when the program has one core to run
	// on: a goroutine reading ahead cannot overlap the copy with the
	// analysis there, and rotating four 1 MiB buffers through the cache
	// made the kernel's copy slower than into one (real-1500 read alone
	// on one core: 170 ms with the goroutine, 150 ms inline, dd 120 ms).
	// A pipe is always read ahead: Interrupt cannot end a read(2).
	inline bool
	// base is where cur starts in the file (in the decompressed stream of
	// a gzip'd one); recStart where the record being read starts, for
	// errors (review 32: "packet 59: capture ends ..." named no byte).
	base, recStart int64
}

// pcapgo's bound on a record's length when the snap length is smaller.
const eagerReadMax = 262144

// readHeader reads the 24-byte file header, as pcapgo.NewReader does.
func (r *pcapReader) readHeader() error {
	h, err := r.br.Peek(24)
	if err != nil {
		if len(h) > 0 && err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return err
	}
	hdr := append([]byte(nil), h...)
	r.br.Discard(24)
	switch magic := binary.LittleEndian.Uint32(hdr); magic {
	case 0xa1b23c4d:
		r.order, r.nsFactor = binary.LittleEndian, 1
	case 0x4d3cb2a1:
		r.order, r.nsFactor = binary.BigEndian, 1
	case 0xa1b2c3d4:
		r.order, r.nsFactor = binary.LittleEndian, 1000
	case 0xd4c3b2a1:
		r.order, r.nsFactor = binary.BigEndian, 1000
	default:
		return fmt.Errorf("unknown magic %x", magic)
	}
	if v := r.order.Uint16(hdr[4:6]); v != 2 {
		return fmt.Errorf("unknown major version %d", v)
	}
	if v := r.order.Uint16(hdr[6:8]); v != 4 {
		return fmt.Errorf("unknown minor version %d", v)
	}
	r.swap = r.order == binary.BigEndian
	r.base = 24
	r.snaplen = r.order.Uint32(hdr[16:20])
	r.link = layers.LinkType(r.order.Uint32(hdr[20:24]))
	return nil
}

// next reads the next record into p (its Data, Timestamp and Length);
// Data is valid until the following call. It fills p in place: a frame
// returned by value through the readers' layers was copied three times,
// and the copies of gopacket.CaptureInfo were 14% of reading real-1500
// on one core.
func (r *pcapReader) next(p *Packet) error {
	r.recStart = r.base + int64(r.pos)
	h, err := r.read(16)
	if err != nil {
		return err
	}
	capLen, length := int(r.u32(h[8:12])), int(r.u32(h[12:16]))
	p.Timestamp = time.Unix(int64(r.u32(h[0:4])), int64(r.u32(h[4:8])*r.nsFactor)).UTC()
	p.Length = length
	if capLen > max(int(r.snaplen), eagerReadMax) {
		return fmt.Errorf("capture length exceeds snap length: %d > %d", capLen, r.snaplen)
	}
	if capLen > length {
		return fmt.Errorf("capture length exceeds original packet length: %d > %d", capLen, length)
	}
	p.Data, err = r.read(capLen)
	if err == io.EOF {
		err = io.ErrUnexpectedEOF // a header without its data is a cut
	}
	// The next record's header (and the frame's headers after it) are
	// read after this packet is analyzed: ask for them now. The kernel's
	// copy into the chunk does not leave them in the cache, and waiting
	// for each was 11% of reading real-1500 on one core.
	if r.pos+128 <= len(r.cur) {
		prefetch(&r.cur[r.pos])
	}
	return err
}

// u32 reads a record header's field in the file's byte order.
func (r *pcapReader) u32(b []byte) uint32 {
	v := binary.LittleEndian.Uint32(b)
	if r.swap {
		v = bits.ReverseBytes32(v)
	}
	return v
}

// read returns the next n bytes, contiguous: a slice of the chunk being
// read, or, where they straddle chunks, a copy in join (growing with the
// bytes actually read: a length from a corrupt file cannot make it
// allocate 4 GiB). io.EOF when the file ended before any of them,
// io.ErrUnexpectedEOF when it ended among them.
func (r *pcapReader) read(n int) ([]byte, error) {
	if len(r.cur)-r.pos >= n {
		b := r.cur[r.pos : r.pos+n : r.pos+n]
		r.pos += n
		return b, nil
	}
	if r.pos == len(r.cur) {
		// The bytes start in the next chunk: take them from there, in
		// place when they fit.
		if err := r.nextChunk(); err != nil {
			return nil, err
		}
		if len(r.cur)-r.pos >= n {
			b := r.cur[r.pos : r.pos+n : r.pos+n]
			r.pos += n
			return b, nil
		}
	}
	r.join = append(r.join[:0], r.cur[r.pos:]...)
	r.pos = len(r.cur)
	for len(r.join) < n {
		if err := r.nextChunk(); err != nil {
			if err == io.EOF && len(r.join) > 0 {
				err = io.ErrUnexpectedEOF
			}
			return nil, err
		}
		k := min(n-len(r.join), len(r.cur)-r.pos)
		r.join = append(r.join, r.cur[r.pos:r.pos+k]...)
		r.pos += k
	}
	return r.join, nil
}

// nextChunk hands the chunk read back for reuse and takes the next one
// the reading goroutine filled; it returns the error that ended the file
// once its bytes are used.
func (r *pcapReader) nextChunk() error {
	if r.err != nil {
		return r.err
	}
	r.base += int64(len(r.cur))
	if r.inline {
		return r.readInline()
	}
	if r.ahead == nil {
		r.startAhead()
	}
	if r.cur != nil {
		r.ahead.free <- r.cur[:cap(r.cur)]
		r.cur, r.pos = nil, 0
	}
	var c chunk
	select {
	case c = <-r.ahead.full:
	case <-r.intr:
		r.err = ErrInterrupted
		return r.err
	}
	r.cur, r.pos = c.b, 0
	if c.err != nil {
		r.err = c.err
		if len(c.b) == 0 {
			return c.err
		}
	}
	return nil
}

// readAhead reads the file in a goroutine of its own, a chunk ahead of
// the records being parsed: on two cores the read(2) copies overlap the
// analysis instead of adding to it. The chunks are recycled.
type readAhead struct {
	full chan chunk
	free chan []byte
	done chan struct{}
}

type chunk struct {
	b   []byte
	err error
}

const (
	chunkSize       = 1 << 20
	chunksAhead     = 3
	inlineChunkSize = 2 << 20
)

func (r *pcapReader) startAhead() {
	a := &readAhead{full: make(chan chunk, chunksAhead), free: make(chan []byte, chunksAhead+1), done: make(chan struct{})}
	for range chunksAhead + 1 {
		a.free <- make([]byte, chunkSize)
	}
	r.ahead = a
	src := r.br // what it buffered past the file header first, then the file
	go func() {
		for {
			var buf []byte
			select {
			case buf = <-a.free:
			case <-a.done:
				return
			}
			n, err := readChunk(src, buf)
			select {
			case a.full <- chunk{buf[:n], err}:
			case <-a.done:
				return
			}
			if err != nil {
				return
			}
		}
	}()
}

// readInline reads the next chunk into cur's buffer.
func (r *pcapReader) readInline() error {
	select {
	case <-r.intr:
		r.err = ErrInterrupted
		return r.err
	default:
	}
	if r.cur == nil {
		r.cur = make([]byte, inlineChunkSize)
	}
	buf := r.cur[:cap(r.cur)]
	n, err := readChunk(r.br, buf)
	r.cur, r.pos = buf[:n], 0
	if err != nil {
		r.err = err
		if n == 0 {
			return err
		}
	}
	return nil
}

// readChunk reads once into buf, again while a read returns nothing and
// no error.
func readChunk(src io.Reader, buf []byte) (int, error) {
	n, err := src.Read(buf)
	for n == 0 && err == nil {
		n, err = src.Read(buf)
	}
	return n, err
}

// stop ends the reading goroutine.
func (r *pcapReader) stop() {
	if r.ahead != nil {
		close(r.ahead.done)
		r.ahead = nil
	}
}
