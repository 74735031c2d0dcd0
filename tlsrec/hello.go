package tlsrec

import (
	"bytes"
	"errors"
	"fmt"
)

// hello collects the handshake messages at the start of a direction until
// the first ClientHello or ServerHello is read. Only this part of the
// handshake is in clear (TLS 1.3 encrypts everything after the
// ServerHello), and only it is ever buffered.
type hello struct {
	active    bool   // still looking for a hello
	capturing bool   // the current record's payload is handshake data to read
	buf       []byte // handshake message stream, concatenated from records
	pos       int    // start of the first message not yet read in buf
	retry     *ServerHello
}

// hrrRandom is the ServerHello.random that marks a HelloRetryRequest
// (RFC 8446, 4.1.3).
var hrrRandom = []byte{
	0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
	0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C,
}

// helloRecord is called on every record header while the walker still
// looks for a hello.
func (w *Walker) helloRecord() {
	if !w.hs.active {
		return
	}
	switch w.cur.Type {
	case Handshake:
		w.hs.capturing = true
	case ChangeCipherSpec:
		// TLS 1.3 middlebox compatibility mode may send one between a
		// HelloRetryRequest and the ServerHello: keep looking.
	default:
		// An alert or encrypted data before any hello: nothing to read.
		w.helloDone()
	}
}

// cutClientRandom is what the buffer holds of the random of the
// ClientHello whose start it holds: all 32 bytes, or the first of them
// when a snap length cut it inside (tcpdump -s 100 keeps 23); nil when
// fewer than minRandomPrefix are there.
func (h *hello) cutClientRandom() []byte {
	b := h.buf[h.pos:]
	if len(b) < 6+minRandomPrefix || b[0] != 1 {
		return nil
	}
	return append([]byte(nil), b[6:min(len(b), 38)]...)
}

// minRandomPrefix is the fewest bytes of a cut random kept: fewer do not
// tell one ClientHello from another.
const minRandomPrefix = 8

// helloDone stops looking for a hello and frees the buffer.
func (w *Walker) helloDone() {
	h := &w.hs
	if h.retry != nil && w.sh == nil {
		w.sh = h.retry
	}
	*h = hello{}
}

func (w *Walker) helloFail(off int64, format string, args ...any) {
	w.problem(off, format, args...)
	w.helloDone()
}

// helloBytes takes payload bytes of a handshake record and reads the
// messages they complete.
func (w *Walker) helloBytes(p []byte) {
	h := &w.hs
	if room := maxHello - len(h.buf); len(p) > room {
		p = p[:room]
	}
	h.buf = append(h.buf, p...)
	for h.active {
		b := h.buf[h.pos:]
		if len(b) < 4 {
			if len(h.buf) >= maxHello {
				w.helloFail(w.cur.Start, "handshake: no hello within the first %d bytes", maxHello)
			}
			return
		}
		n := int(b[1])<<16 | int(b[2])<<8 | int(b[3])
		if h.pos+4+n > maxHello {
			w.helloFail(w.cur.Start, "handshake: a %d-byte message is over the %d-byte bound", n, maxHello)
			return
		}
		if len(b) < 4+n {
			return
		}
		body := b[4 : 4+n]
		h.pos += 4 + n
		switch b[0] {
		case 1:
			ch, err := parseClientHello(body)
			if err != nil {
				w.helloFail(w.cur.Start, "handshake: ClientHello: %v", err)
				return
			}
			w.ch = ch
			w.helloDone()
		case 2:
			sh, retry, err := parseServerHello(body)
			if err != nil {
				w.helloFail(w.cur.Start, "handshake: ServerHello: %v", err)
				return
			}
			sh.HelloRetryRequest = retry || h.retry != nil
			if retry && h.retry == nil {
				h.retry = sh // the real ServerHello should follow
				continue
			}
			w.sh = sh
			w.helloDone()
		default:
			// Another message first: not the start of a handshake.
			w.helloDone()
		}
	}
}

var errShort = errors.New("message too short")

func parseClientHello(b []byte) (*ClientHello, error) {
	r := reader{b: b}
	legacy := r.u16()
	random := r.bytes(32)
	sid := r.vec8()
	r.vec16() // cipher_suites
	r.vec8()  // legacy_compression_methods
	if r.bad {
		return nil, errShort
	}
	ch := &ClientHello{SessionID: append([]byte(nil), sid.b...)}
	copy(ch.Random[:], random)
	if len(r.b) > 0 { // extensions are optional before TLS 1.3
		exts := r.vec16()
		if r.bad {
			return nil, fmt.Errorf("extensions: %w", errShort)
		}
		for len(exts.b) > 0 {
			typ := exts.u16()
			data := exts.vec16()
			if exts.bad {
				return nil, fmt.Errorf("extension list: %w", errShort)
			}
			// A malformed extension body is skipped: the rest is still good.
			switch typ {
			case 0: // server_name
				list := data.vec16()
				for len(list.b) > 0 && !list.bad {
					t := list.u8()
					name := list.vec16()
					if !list.bad && t == 0 && ch.SNI == "" {
						ch.SNI = string(name.b)
					}
				}
			case 16: // application_layer_protocol_negotiation
				list := data.vec16()
				for len(list.b) > 0 && !list.bad {
					p := list.vec8()
					if !list.bad {
						ch.ALPN = append(ch.ALPN, string(p.b))
					}
				}
			case 42: // early_data
				ch.EarlyData = true
			case 43: // supported_versions
				list := data.vec8()
				for len(list.b) >= 2 {
					ch.Versions = append(ch.Versions, uint16(list.u16()))
				}
			}
		}
	}
	if len(ch.Versions) == 0 {
		ch.Versions = []uint16{uint16(legacy)}
	}
	return ch, nil
}

// parseServerHello reads a ServerHello; retry tells it is a
// HelloRetryRequest.
func parseServerHello(b []byte) (sh *ServerHello, retry bool, err error) {
	r := reader{b: b}
	legacy := r.u16()
	random := r.bytes(32)
	sid := r.vec8()
	cipher := r.u16()
	r.u8() // legacy_compression_method
	if r.bad {
		return nil, false, errShort
	}
	sh = &ServerHello{Version: uint16(legacy), Cipher: uint16(cipher), SessionID: append([]byte(nil), sid.b...)}
	copy(sh.Random[:], random)
	retry = bytes.Equal(random, hrrRandom)
	if len(r.b) > 0 {
		exts := r.vec16()
		if r.bad {
			return nil, false, fmt.Errorf("extensions: %w", errShort)
		}
		for len(exts.b) > 0 {
			typ := exts.u16()
			data := exts.vec16()
			if exts.bad {
				return nil, false, fmt.Errorf("extension list: %w", errShort)
			}
			switch typ {
			case 16: // application_layer_protocol_negotiation: one name
				list := data.vec16()
				p := list.vec8()
				if !list.bad {
					sh.ALPN = string(p.b)
				}
			case 41: // pre_shared_key: the server resumed
				sh.PSK = true
			case 43: // supported_versions: the selected one
				if v := data.u16(); !data.bad {
					sh.Version = uint16(v)
				}
			}
		}
	}
	return sh, retry, nil
}

// reader reads TLS presentation-language fields; reading past the end
// sets bad and yields zeros, so parsers check once per structure.
type reader struct {
	b   []byte
	bad bool
}

func (r *reader) bytes(n int) []byte {
	if r.bad || n > len(r.b) {
		r.bad = true
		r.b = nil
		return nil
	}
	p := r.b[:n]
	r.b = r.b[n:]
	return p
}

func (r *reader) u8() int {
	p := r.bytes(1)
	if p == nil {
		return 0
	}
	return int(p[0])
}

func (r *reader) u16() int {
	p := r.bytes(2)
	if p == nil {
		return 0
	}
	return int(p[0])<<8 | int(p[1])
}

func (r *reader) vec8() reader  { return reader{b: r.bytes(r.u8())} }
func (r *reader) vec16() reader { return reader{b: r.bytes(r.u16())} }
