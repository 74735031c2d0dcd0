package analyze

import (
	"math"

	"github.com/segscope/segscope/stream"
)

// maxHeldPlain bounds the plaintext held while the protocol inside TLS is
// not yet known (the server may speak first, and only the client's first
// bytes decide).
const maxHeldPlain = 64 << 10

// inner recognises what a decrypted connection carries and starts its
// walkers on the plaintext streams: ALPN decides when the capture shows it
// (TLS 1.2's ServerHello, TLS 1.3's decrypted EncryptedExtensions), else
// the client's first bytes do.
type inner struct {
	a       *App
	decided bool
	cons    [2]stream.Consumer
	held    [2][]sniffed
	heldN   int
}

// plainDispatcher is the plaintext consumer of one direction.
type plainDispatcher struct {
	in *inner
	d  Dir
}

func (x *plainDispatcher) Data(off int64, data []byte, at stream.Pos) {
	in := x.in
	if b := in.a.Plain[x.d]; b != nil {
		b.Data(off, data)
	}
	if in.decided {
		if c := in.cons[x.d]; c != nil {
			c.Data(off, data, at)
		}
		return
	}
	in.held[x.d] = append(in.held[x.d], sniffed{off, append([]byte(nil), data...), at})
	in.heldN += len(data)
	in.decide()
}

func (x *plainDispatcher) Gap(off, n int64, at stream.Pos) {
	in := x.in
	if !in.decided {
		in.decide()
		if !in.decided {
			in.start(in.byALPN(true))
		}
	}
	if c := in.cons[x.d]; c != nil {
		c.Gap(off, n, at)
	}
}

func (x *plainDispatcher) End(off int64) {
	in := x.in
	if !in.decided && x.d == ClientToServer && len(in.held[0])+len(in.held[1]) > 0 {
		in.start(in.byALPN(true))
	}
	if c := in.cons[x.d]; c != nil {
		c.End(off)
	}
}

// byALPN is the protocol ALPN names; ProtoNone when it is not known or
// names nothing (unless final: then HTTP/1, curl's and every server's
// default without ALPN).
func (in *inner) byALPN(final bool) Protocol {
	alpn, known := in.a.TLSDec.ALPN()
	switch {
	case alpn == "h2":
		return ProtoH2
	case alpn == "http/1.1" || alpn == "http/1.0":
		return ProtoHTTP1
	case known && alpn != "":
		return ProtoUnknown
	case final:
		return ProtoUnknown
	}
	return ProtoNone
}

func (in *inner) decide() {
	if p := in.byALPN(false); p != ProtoNone {
		in.start(p)
		return
	}
	var head []byte
	for _, s := range in.held[ClientToServer] {
		head = append(head, s.data...)
		if len(head) >= sniffLimit {
			break
		}
	}
	p, decided := recognise(ClientToServer, head, len(head) >= sniffLimit)
	switch {
	case !decided:
		if in.heldN > maxHeldPlain {
			in.start(ProtoUnknown)
		}
	case p == ProtoH2C: // the preface: HTTP/2, here inside TLS
		in.start(ProtoH2)
	case p == ProtoHTTP1:
		in.start(ProtoHTTP1)
	default:
		in.start(ProtoUnknown)
	}
}

// start makes the walkers of p and hands them what was held.
func (in *inner) start(p Protocol) {
	in.decided = true
	a := in.a
	a.Inner = p
	switch p {
	case ProtoHTTP1:
		in.cons = a.newHTTP1()
	case ProtoH2:
		in.cons = a.newH2()
	}
	for d := range in.held {
		if c := in.cons[d]; c != nil {
			for _, s := range in.held[d] {
				c.Data(s.off, s.data, s.at)
			}
		}
		in.held[d] = nil
	}
}

// skipDispatcher is the plaintext consumer of a direction whose
// plaintext is not kept: a stream.Skipper, so the decrypter decrypts only
// what the walker reads.
type skipDispatcher struct{ plainDispatcher }

// Skippable implements stream.Skipper: what the walker only counts, once
// the protocol is recognised.
func (x *skipDispatcher) Skippable(off int64) int64 {
	in := x.in
	if !in.decided {
		return 0
	}
	switch c := in.cons[x.d].(type) {
	case nil:
		return math.MaxInt64 // nothing walks this protocol
	case stream.Skipper:
		return c.Skippable(off)
	}
	return 0
}

// Stopped implements stream.Stopper: the walker stopped (so the decrypter
// authenticates the record it stopped in).
func (x *skipDispatcher) Stopped() bool {
	s, ok := x.in.cons[x.d].(stream.Stopper)
	return ok && s.Stopped()
}
