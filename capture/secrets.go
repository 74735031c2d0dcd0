package capture

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// pcapng block types and the secrets type that secretsTap knows.
const (
	blockSectionHeader    = 0x0A0D0D0A // the same in either byte order
	blockDecryptionSecret = 0x0000000A
	byteOrderMagic        = 0x1A2B3C4D
	// secretsTLSKeyLog is the secrets type of an NSS key log: "TLSK".
	secretsTLSKeyLog = 0x544c534b
	// maxSecretsBlock bounds the Decryption Secrets Blocks read: a key log
	// takes some 500 bytes per connection.
	maxSecretsBlock = 64 << 20
	// maxBlock is the longest block a sane pcapng holds (tshark's
	// bound is close: 128 MiB and a snap length): a longer declared
	// length is a corrupt header, not a cut file.
	maxBlock = 128 << 20
	// minSecretsBlock is a block with empty secrets and no options.
	minSecretsBlock = 20
)

// SecretsError is a malformed pcapng Decryption Secrets Block. It comes
// wrapped in an *Error naming the file and the packet that was being read.
type SecretsError struct {
	// Offset is where the block starts in the file (after decompression).
	Offset int64
	Reason string
	// Err is ErrTruncated when the file ends inside the block, else nil.
	Err error
}

func (e *SecretsError) Error() string {
	return fmt.Sprintf("decryption secrets block at byte %d: %s", e.Offset, e.Reason)
}

func (e *SecretsError) Unwrap() error { return e.Err }

// secretsTap sits between the buffered file and pcapgo.NgReader, which
// skips Decryption Secrets Blocks and keeps no accessor for them. It
// follows the pcapng block boundaries (with each section's byte order),
// takes the Decryption Secrets Blocks out of the stream and keeps the TLS
// key logs among them. Other blocks pass through as they are: it copies
// nothing it does not keep and allocates nothing per packet.
//
// When the framing cannot be followed (a block length too small, an
// unknown byte order, the end of the file in a block header) the tap
// passes the rest through untouched and leaves the error to NgReader.
type secretsTap struct {
	r         *bufio.Reader
	off       int64 // bytes taken from r: the offset in the file
	left      int64 // bytes of the current block still to pass on
	bigEndian bool
	lost      bool // framing not followed: pass everything on
	// blockStart and blockLen are the last block passed on: where it
	// starts in the file and the length its header declares.
	blockStart int64
	blockLen   uint32
	keyLogs    [][]byte // TLS key logs, in file order
	err        error    // a malformed secrets block, returned from then on
	errSent    bool     // err was returned by Read: the reader reached it
}

func (t *secretsTap) u32(b []byte) uint32 {
	if t.bigEndian {
		return binary.BigEndian.Uint32(b)
	}
	return binary.LittleEndian.Uint32(b)
}

// Read passes on the bytes of blocks other than Decryption Secrets Blocks.
func (t *secretsTap) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) && t.err == nil {
		if t.left == 0 && !t.lost {
			// Do not wait for the next block with bytes in hand: on a pipe
			// it may be long in coming.
			if n > 0 && t.r.Buffered() < minSecretsBlock {
				break
			}
			typ, length, ok := t.header()
			switch {
			case !ok || length < 12:
				t.lost = true
			case typ == blockDecryptionSecret:
				if n > 0 {
					return n, nil // read it on the next call, with no bytes in hand
				}
				t.err = t.readSecrets(length)
			case length%4 != 0 || length < minBlockLen(typ):
				// A length no block can have: the file is corrupt here
				// (review 32: a 13-byte block was passed on, and the
				// error named the garbage after it, 13 bytes on).
				t.err = fmt.Errorf("pcapng block at byte %d (type 0x%x) declares a length of %d bytes: %s, so the file is corrupt there, not cut short", t.off, typ, length, badLength(typ, length))
				if n > 0 {
					return n, nil
				}
			default:
				t.left = int64(length)
				t.blockStart, t.blockLen = t.off, length
			}
			continue
		}
		want := len(p) - n
		if !t.lost {
			want = int(min(int64(want), t.left))
		}
		m, err := t.r.Read(p[n : n+want])
		n += m
		t.off += int64(m)
		if !t.lost {
			t.left -= int64(m)
		}
		if err != nil || m == 0 {
			return n, err
		}
	}
	if n == 0 && t.err != nil {
		t.errSent = true
		return 0, t.err
	}
	return n, nil
}

// minBlockLen is the least length a block of type typ can declare: its
// header, its fixed fields and the trailing length (pcapng, section 4).
func minBlockLen(typ uint32) uint32 {
	switch typ {
	case blockSectionHeader:
		return 28
	case 1: // Interface Description
		return 20
	case 3: // Simple Packet
		return 16
	case 6: // Enhanced Packet
		return 32
	}
	return 12
}

func badLength(typ, length uint32) string {
	if length%4 != 0 {
		return "not a multiple of 4"
	}
	return fmt.Sprintf("less than such a block's %d", minBlockLen(typ))
}

// header peeks at the type and length of the block that starts here, in
// the byte order of its section; ok is false when they cannot be read.
func (t *secretsTap) header() (typ, length uint32, ok bool) {
	h, _ := t.r.Peek(8)
	if len(h) < 8 {
		return 0, 0, false
	}
	if binary.BigEndian.Uint32(h) == blockSectionHeader {
		if h, _ = t.r.Peek(12); len(h) < 12 {
			return 0, 0, false
		}
		switch {
		case binary.BigEndian.Uint32(h[8:]) == byteOrderMagic:
			t.bigEndian = true
		case binary.LittleEndian.Uint32(h[8:]) == byteOrderMagic:
			t.bigEndian = false
		default:
			return 0, 0, false
		}
	}
	return t.u32(h), t.u32(h[4:]), true
}

// readSecrets reads the Decryption Secrets Block of length bytes that
// starts here, keeping its secrets if they are a TLS key log.
func (t *secretsTap) readSecrets(length uint32) error {
	start := t.off
	bad := func(format string, a ...any) error {
		return &SecretsError{Offset: start, Reason: fmt.Sprintf(format, a...)}
	}
	switch {
	case length < minSecretsBlock:
		return bad("block length %d is less than %d", length, minSecretsBlock)
	case length%4 != 0:
		return bad("block length %d is not a multiple of 4", length)
	case length > maxSecretsBlock:
		return bad("block of %d bytes: more than the %d MiB segscope reads", length, maxSecretsBlock>>20)
	}
	h, err := t.r.Peek(16)
	if len(h) < 16 {
		return t.cut(start, length, err)
	}
	typ, size := t.u32(h[8:]), t.u32(h[12:])
	if pad4(size) > int64(length)-minSecretsBlock {
		return bad("%d bytes of secrets do not fit in a block of %d bytes", size, length)
	}
	t.discard(16)
	var data []byte
	if typ == secretsTLSKeyLog {
		if data, err = t.readN(int(size)); err != nil {
			return t.cut(start, length, err)
		}
	} else if err := t.discard(int(size)); err != nil {
		return t.cut(start, length, err)
	}
	// Padding and options (none is defined for this block), then the
	// block length again.
	if err := t.discard(int(int64(length) - 20 - int64(size))); err != nil {
		return t.cut(start, length, err)
	}
	tail, err := t.r.Peek(4)
	if len(tail) < 4 {
		return t.cut(start, length, err)
	}
	if end := t.u32(tail); end != length {
		return bad("block length %d at its end differs from %d at its start", end, length)
	}
	t.discard(4)
	if data != nil {
		t.keyLogs = append(t.keyLogs, data)
	}
	return nil
}

func pad4(n uint32) int64 { return (int64(n) + 3) &^ 3 }

// cut is the error for a block that could not be read whole: the file
// ends inside it, or reading failed (a gzip error, which File reports as
// such).
func (t *secretsTap) cut(start int64, length uint32, err error) error {
	if err != nil && err != io.EOF && !errors.Is(err, io.ErrUnexpectedEOF) {
		return err
	}
	return &SecretsError{
		Offset: start,
		Reason: fmt.Sprintf("the file ends inside it, after %d of its %d bytes", t.off-start+int64(t.r.Buffered()), length),
		Err:    ErrTruncated,
	}
}

func (t *secretsTap) discard(n int) error {
	m, err := t.r.Discard(n)
	t.off += int64(m)
	return err
}

// readN reads n bytes into a new slice that grows with what the file
// holds, not with what a length field claims.
func (t *secretsTap) readN(n int) ([]byte, error) {
	b := make([]byte, 0, min(n, 64<<10))
	for len(b) < n {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		m, err := t.r.Read(b[len(b):min(n, cap(b))])
		b = b[:len(b)+m]
		t.off += int64(m)
		if err != nil {
			if err == io.EOF && len(b) == n {
				break
			}
			return nil, err
		}
	}
	return b, nil
}
