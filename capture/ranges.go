package capture

import (
	"encoding/binary"
	"fmt"
	"io"
	"math/bits"
	"os"
	"sync/atomic"
	"time"

	"github.com/gopacket/gopacket/layers"
)

// Ranges reads a pcap file in byte ranges that can be parsed on several
// goroutines at once (range-parallel decoding): the file is cut at fixed
// offsets, and each range finds its first record by validating a chain of
// record headers (ReadRange with exact false). Only the range before can
// say for sure where it begins: it ends at the first record at or past
// its end, so whoever takes the ranges in order confirms each guess, and
// reads a range again from the confirmed offset (exact true) in the rare
// case the guess was wrong. Read so, in order, a file yields exactly the
// records, errors included, that ReadPacket yields.
//
// Only plain pcap files opened by name have ranges: pcapng's blocks carry
// interfaces and secrets that are read in order, and a gzip stream or a
// pipe cannot be read from an offset. Those read through ReadPacket.
type Ranges struct {
	name  string
	f     *os.File // read with ReadAt only: safe from several goroutines
	start int64    // the first record's offset, past the file header
	size  int64
	read  *atomic.Int64 // the File's progress

	swap     bool
	nsFactor uint32
	snaplen  uint32
	link     layers.LinkType
}

// Ranges returns the file's ranges, or nil when it has none (pcapng,
// compressed, not a regular file, or packets already read from it). Use
// one or the other: ReadPacket after ranges were read is undefined.
func (f *File) Ranges() *Ranges {
	if f.pcap == nil || f.compressed || f.file == nil || f.total == 0 || f.number > 0 || f.pcap.ahead != nil {
		return nil
	}
	r := f.pcap
	return &Ranges{
		name: f.name, f: f.file, start: 24, size: f.total, read: f.read,
		swap: r.swap, nsFactor: r.nsFactor, snaplen: r.snaplen, link: r.link,
	}
}

// Start is the offset of the file's first record; Size the file's size.
func (rg *Ranges) Start() int64 { return rg.start }

// Size is the file's size in bytes.
func (rg *Ranges) Size() int64 { return rg.size }

// LinkType is the link type of every record.
func (rg *Ranges) LinkType() layers.LinkType { return rg.link }

// Name names the file in messages.
func (rg *Ranges) Name() string { return rg.name }

// Consumed reports the records up to offset off taken, for progress.
func (rg *Ranges) Consumed(off int64) { rg.read.Store(off) }

// Record is one packet record of a range: its bytes are Range.Buf[Off :
// Off+CapLen].
type Record struct {
	Off    int32
	CapLen int32
	Length int   // the frame's length on the wire
	Time   int64 // Unix nanoseconds
}

// Range is the records that begin in [Start, End) of the file; End is
// where the next record begins (or where the file, or the records, end).
// Err is what stopped the records before the range's end (ErrTruncated,
// a bad record header, a read error), nil at the range's end: not yet an
// *Error, as only the caller knows the packet's number (Wrap). Buf is reused by the next ReadRange
// given it.
type Range struct {
	Start, End int64
	Records    []Record
	Buf        []byte
	Err        error
	// Found is false when exact was false and no chain of records was
	// found in the range: Start is the range's nominal start and there
	// are no records (the caller reads it again from where the range
	// before ended).
	Found bool
}

// chainLen is how many record headers in a row must be valid for an
// offset to be taken as a range's first record (fewer where the file
// ends first). A wrong guess costs a second read of the range, never a
// wrong record.
const chainLen = 8

// ReadRange reads the records that begin in [off, end) into out, reusing
// out's buffers. With exact, a record begins at off (the first range, or
// the end of the one before); without, the first record is searched for
// from off. A record that begins before end is read whole even when it
// extends past end.
func (rg *Ranges) ReadRange(off, end int64, exact bool, out *Range) {
	end = min(end, rg.size)
	out.Start, out.End, out.Records, out.Err, out.Found = off, off, out.Records[:0], nil, true
	if off >= end {
		return // a record before began past the range
	}
	// Most records that begin before end finish within a page or two
	// of it: read a little past end at once.
	n := int(min(end-off+min(tailRead, end-off), rg.size-off))
	if err := rg.readAt(out, off, n); err != nil {
		out.Err = err
		return
	}
	pos := 0
	if !exact {
		pos = rg.findChain(out.Buf, min(int(end-off), maxGuess), len(out.Buf) < n || off+int64(len(out.Buf)) == rg.size)
		if pos < 0 {
			out.Found = false
			return
		}
		out.Start += int64(pos)
	}
	for off+int64(pos) < end {
		h := out.Buf[pos:min(pos+16, len(out.Buf))]
		if len(h) < 16 {
			if err := rg.extend(out, off, pos+16); err != nil {
				if err == ErrTruncated && pos == len(out.Buf) {
					break // the file (cut since it was opened) ends between records
				}
				out.Err = err
				break
			}
			h = out.Buf[pos : pos+16]
		}
		caplen, length, t, err := rg.header(h)
		if err != nil {
			out.Err = err
			break
		}
		if pos+16+caplen > len(out.Buf) {
			if err := rg.extend(out, off, pos+16+caplen); err != nil {
				out.Err = err
				break
			}
		}
		out.Records = append(out.Records, Record{Off: int32(pos + 16), CapLen: int32(caplen), Length: length, Time: t})
		pos += 16 + caplen
		// Each header is read after the one before it: a chain of cache
		// misses. Records of a bulk transfer have one size, so the
		// header a few records on is, most likely, where this one's
		// length says: ask for it now.
		if k := pos + 4*(16+caplen); k+128 <= len(out.Buf) {
			prefetch(&out.Buf[k])
		}
	}
	out.End = off + int64(pos)
}

// tailRead is how far past a range's end it is read at once.
const tailRead = 64 << 10

// maxGuess is how far into a range its first record is looked for: past
// a record longer than that (a 64 KiB TSO unit fits), the range is read
// again from where the one before ended, as after a wrong guess. It bounds
// what a file where no chain is found costs (review 18: scanning every
// offset of every 1 MiB range made such a file 3x slower than one core).
const maxGuess = 70 << 10

// readAt fills out.Buf with the n bytes at off, or those the file has: a
// file cut while it is read ends where the read stops (review 18: the
// stale bytes of the buffer's earlier range were parsed as records).
func (rg *Ranges) readAt(out *Range, off int64, n int) error {
	if cap(out.Buf) < n {
		out.Buf = make([]byte, n)
	}
	m, err := rg.f.ReadAt(out.Buf[:n], off)
	out.Buf = out.Buf[:m]
	if err != nil && err != io.EOF {
		return err
	}
	return nil
}

// extend reads more of the file into out.Buf (which holds the bytes from
// off), so it holds at least n; ErrTruncated when the file ends first.
func (rg *Ranges) extend(out *Range, off int64, n int) error {
	if off+int64(n) > rg.size {
		return ErrTruncated
	}
	have := len(out.Buf)
	more := max(n, have+min(have, tailRead))
	more = int(min(int64(more), rg.size-off))
	if cap(out.Buf) < more {
		b := make([]byte, have, more+more/4)
		copy(b, out.Buf)
		out.Buf = b
	}
	m, err := rg.f.ReadAt(out.Buf[have:more], off+int64(have))
	out.Buf = out.Buf[:have+m]
	if err != nil && err != io.EOF {
		return err
	}
	if len(out.Buf) < n {
		return ErrTruncated // the file is shorter than it was
	}
	return nil
}

// header parses a record header as pcapReader.next does, with its errors.
func (rg *Ranges) header(h []byte) (caplen, length int, t int64, err error) {
	sec, frac := u32(h[0:4], rg.swap), u32(h[4:8], rg.swap)
	caplen, length = int(u32(h[8:12], rg.swap)), int(u32(h[12:16], rg.swap))
	if caplen > max(int(rg.snaplen), eagerReadMax) {
		return 0, 0, 0, fmt.Errorf("capture length exceeds snap length: %d > %d", caplen, rg.snaplen)
	}
	if caplen > length {
		return 0, 0, 0, fmt.Errorf("capture length exceeds original packet length: %d > %d", caplen, length)
	}
	return caplen, length, time.Unix(int64(sec), int64(frac*rg.nsFactor)).UnixNano(), nil
}

// findChain returns the first offset below limit in b where chainLen
// valid record headers follow one another, or fewer that run exactly to
// the end of the file (b ends there when eof), or -1.
func (rg *Ranges) findChain(b []byte, limit int, eof bool) int {
	limit = min(limit, len(b))
	for p := 0; p < limit; p++ {
		q, n := p, 0
		var prev int64
		atEOF, short := false, false
		for n < chainLen {
			if q == len(b) && eof {
				atEOF = true
				break
			}
			if q+16 > len(b) {
				short = !eof // the chain runs on past what was read
				break
			}
			caplen, t, ok := rg.plausible(b[q : q+16])
			if !ok {
				break
			}
			if n > 0 && (t < prev-int64(time.Hour) || t > prev+int64(time.Hour)) {
				break
			}
			prev = t
			q += 16 + caplen
			n++
		}
		if n == chainLen || (n > 0 && atEOF) || (n >= 2 && short) {
			return p
		}
	}
	return -1
}

// plausible tells whether h can be a record header: header would take
// it.
func (rg *Ranges) plausible(h []byte) (caplen int, t int64, ok bool) {
	sec, frac := u32(h[0:4], rg.swap), u32(h[4:8], rg.swap)
	c, length := u32(h[8:12], rg.swap), u32(h[12:16], rg.swap)
	// What header takes, no more: a file whose sub-second fields are out
	// of range (nanoseconds under the microsecond magic) is read by
	// ReadPacket all the same (review 18: no guess ever held there).
	if c > max(rg.snaplen, eagerReadMax) || c > length {
		return 0, 0, false
	}
	return int(c), int64(sec)*1e9 + int64(frac*rg.nsFactor), true
}

// u32 reads a record header's field, swapping a big-endian file's.
func u32(b []byte, swap bool) uint32 {
	v := binary.LittleEndian.Uint32(b)
	if swap {
		v = bits.ReverseBytes32(v)
	}
	return v
}

// Wrap makes err, from the range's record that would have been packet
// number, beginning at byte off, the error ReadPacket returns there.
func (rg *Ranges) Wrap(err error, number int, off int64) error {
	return &Error{Source: rg.name, Packet: number, Offset: off, Err: err}
}
