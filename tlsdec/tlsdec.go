// Package tlsdec decrypts the TLS records of one TCP connection with the
// secrets of a key log, and lays each direction's plaintext on a stream
// of its own: application data, in order, from offset 0, handed to a
// stream.Consumer (the HTTP/1 or HTTP/2 walker). Every plaintext range
// maps back to the record that carried it and its ciphertext range on the
// TCP stream (Direction.Spans, Direction.ToCipher).
//
// It decrypts TLS 1.3 (AES-128-GCM, AES-256-GCM, ChaCha20-Poly1305;
// handshake keys, application keys, KeyUpdate, HelloRetryRequest, the
// inner content type and its padding, 0-RTT early data: early.go) and TLS
// 1.2 with those AEADs (any key exchange, resumed sessions). Anything else
// is reported as unsupported, and its records stay as they are. When the
// plaintext's consumer is a stream.Skipper, application data is decrypted
// only where it reads (lazy.go).
//
// It is not a TLS implementation: it verifies nothing but records'
// authentication tags (every record's, or with a Skipper the first under
// each key, handshake records, alerts, and a record that stops a
// stream.Stopper), derives nothing from a handshake (the key log gives the
// secrets), and never sends. It does no reassembly either: a
// Direction is a stream.Consumer fed in stream order by package analyze,
// and it walks the record layer with a tlsrec.Walker.
package tlsdec

import (
	"fmt"

	"github.com/segscope/segscope/keylog"
	"github.com/segscope/segscope/stream"
	"github.com/segscope/segscope/tlsrec"
)

// Keys finds a connection's secrets by its ClientHello random
// (*keylog.Store does).
type Keys interface {
	Lookup(clientRandom keylog.Random) (keylog.Secrets, bool)
}

// Status says how far a direction was decrypted.
type Status uint8

const (
	// NotEncrypted: no encrypted record was seen (yet).
	NotEncrypted Status = iota
	// Decrypted: the encrypted records were decrypted (those cut by a snap
	// length or a gap excepted: Direction.Undecryptable counts them).
	Decrypted
	// NoHello: the capture lacks the ClientHello or ServerHello, so there
	// is no client random to look the keys up by, or no cipher suite.
	NoHello
	// NoKey: the key log has no secrets for this client random.
	NoKey
	// Unsupported: the version or cipher suite is not one this package
	// decrypts (CBC suites, TLS 1.1 and older).
	Unsupported
	// AuthFailed: a record did not authenticate (a wrong key or a
	// corrupted record); the direction is not decrypted past it.
	AuthFailed
)

func (s Status) String() string {
	switch s {
	case NotEncrypted:
		return "not encrypted"
	case Decrypted:
		return "decrypted"
	case NoHello:
		return "no hello"
	case NoKey:
		return "no key"
	case Unsupported:
		return "unsupported"
	case AuthFailed:
		return "authentication failed"
	}
	return fmt.Sprintf("status %d", uint8(s))
}

// Span maps one record's application data onto both coordinates.
type Span struct {
	// Record is the index of the record in the direction's record walk;
	// -1 for records a gap took whole, which the walk never saw (their
	// plaintext Estimated, Cipher where the first of them began).
	Record int
	Plain  stream.Range // on the plaintext stream
	// Cipher is the TCP stream offset of the plaintext's first byte inside
	// the record: the record's start, its 5-byte header, the explicit
	// nonce (TLS 1.2 AES-GCM). An AEAD keeps byte positions, so plaintext
	// byte Plain.Start+i sits at Cipher+i.
	Cipher int64
	// Estimated: the record was not decrypted (cut by a snap length or a
	// gap); Plain's length is its length less the suite's overhead.
	Estimated bool
}

// Failure is where a direction stopped decrypting.
type Failure struct {
	Record int   // index of the record
	Offset int64 // stream offset of its header
}

// Conn decrypts one connection. Its two Directions are the stream
// consumers of the client's and the server's bytes.
type Conn struct {
	keys Keys
	dirs [2]Direction

	ready   bool // setup has run
	status  Status
	version Version
	suite   CipherSuite
	s       suite
	alpn    string
	alpnSet bool
	resumed bool
	random  [32]byte
	// The server's EncryptedExtensions was read (earlyKnown) and accepted
	// 0-RTT early data (earlyAccepted).
	earlyKnown, earlyAccepted bool
}

// Limits bound what a Conn keeps.
type Limits struct {
	MaxRecords int // records kept per direction (tlsrec.Limits); spans follow it
}

// New returns a Conn whose plaintext goes to client and server (either
// may be nil).
func New(keys Keys, l Limits, client, server stream.Consumer) *Conn {
	c := &Conn{keys: keys}
	inner := [2]stream.Consumer{client, server}
	for d := range c.dirs {
		x := &c.dirs[d]
		x.c, x.server = c, d == 1
		x.W = tlsrec.NewWalker(tlsrec.Limits{MaxRecords: l.MaxRecords})
		x.W.SetSink(x)
		x.inner = inner[d]
		x.maxSpans = l.MaxRecords
		if x.maxSpans == 0 {
			x.maxSpans = 100000
		}
		x.failedAt = Failure{-1, -1}
	}
	return c
}

// Client and Server are the two directions.
func (c *Conn) Client() *Direction { return &c.dirs[0] }
func (c *Conn) Server() *Direction { return &c.dirs[1] }

// Status is the connection's state: how its keys were found.
// A connection with keys has Decrypted; a direction may still have
// stopped (Direction.Status).
func (c *Conn) Status() Status { return c.status }

// KeysGiven tells whether any key material was given to look this
// connection's secrets up in (NoKey with keys given: not this run's).
func (c *Conn) KeysGiven() bool {
	if n, ok := c.keys.(interface{ Len() int }); ok {
		return n.Len() > 0 // a *keylog.Store, nil or not
	}
	return c.keys != nil
}

// Version and Suite are what the ServerHello selected (0 before it).
func (c *Conn) Version() Version       { return c.version }
func (c *Conn) Suite() CipherSuite     { return c.suite }
func (c *Conn) ClientRandom() [32]byte { return c.random }

// Overhead is what each record adds to its plaintext with the negotiated
// suite (24 for TLS 1.2 AES-GCM, 16 for TLS 1.2 ChaCha20, 17 for TLS 1.3
// plus any padding); 0 when the suite is not known.
func (c *Conn) Overhead() int {
	if c.s.aead == 0 {
		return 0
	}
	return c.s.overhead(c.version)
}

// ALPN is the negotiated application protocol; known is false when the
// capture did not show it (TLS 1.3 sends it encrypted, in
// EncryptedExtensions).
func (c *Conn) ALPN() (proto string, known bool) { return c.alpn, c.alpnSet }

// Resumed tells whether the handshake resumed an earlier session.
func (c *Conn) Resumed() bool { return c.resumed }

// setup finds the version, suite and secrets once the first encrypted
// record ends.
func (c *Conn) setup() {
	if c.ready {
		return
	}
	ch, sh := c.dirs[0].W.ClientHello(), c.dirs[1].W.ServerHello()
	// Until both hellos are in, try again at the next record: a client's
	// early data can come before the ServerHello.
	c.ready = ch != nil && sh != nil
	if sh != nil {
		c.version, c.suite = Version(sh.Version), CipherSuite(sh.Cipher)
		if c.version != VersionTLS13 && sh.ALPN != "" {
			c.alpn, c.alpnSet = sh.ALPN, true
		}
		// The suite's record overhead is known from the ServerHello
		// alone, even when nothing can be decrypted (a snap length cut
		// the ClientHello, or no key): Overhead reports it.
		if s, ok := lookupSuite(c.version, c.suite); ok {
			c.s = s
		}
	}
	if ch == nil || sh == nil {
		c.status = NoHello
		return
	}
	c.random = ch.Random
	if c.version == VersionTLS13 {
		c.resumed = sh.PSK
	} else {
		c.resumed = len(ch.SessionID) > 0 && string(ch.SessionID) == string(sh.SessionID)
		if !c.alpnSet {
			c.alpnSet = true // TLS 1.2 ServerHello without ALPN: none was chosen
		}
	}
	s, ok := lookupSuite(c.version, c.suite)
	if !ok {
		c.status = Unsupported
		return
	}
	c.s = s
	var sec keylog.Secrets
	if c.keys != nil {
		sec, ok = c.keys.Lookup(ch.Random)
	}
	if !ok || (c.version == VersionTLS13 && sec.ClientTraffic0 == nil && sec.ServerTraffic0 == nil && sec.ClientHandshake == nil && sec.ServerHandshake == nil && sec.ClientEarlyTraffic == nil) ||
		(c.version == VersionTLS12 && len(sec.MasterSecret) != 48) {
		// Look again at the next record: a live capture learns the keys
		// from the client's key log a moment after the handshake.
		c.status, c.ready = NoKey, false
		return
	}
	c.status = Decrypted
	if c.version == VersionTLS12 {
		ck, sk, err := keys12(s, sec.MasterSecret, ch.Random, sh.Random)
		if err != nil {
			c.status = NoKey
			return
		}
		c.dirs[0].app, c.dirs[1].app = &ck, &sk
		return
	}
	for d, pair := range [2][2][]byte{{sec.ClientHandshake, sec.ClientTraffic0}, {sec.ServerHandshake, sec.ServerTraffic0}} {
		x := &c.dirs[d]
		if pair[0] != nil {
			if k, err := keys13(s, pair[0]); err == nil {
				x.hs = &k
			}
		}
		if pair[1] != nil {
			if k, err := keys13(s, pair[1]); err == nil {
				x.app = &k
				x.secret = append([]byte(nil), pair[1]...)
			}
		}
	}
	if sec.ClientEarlyTraffic != nil {
		// 0-RTT data is protected with the resumed session's suite, which
		// a server accepting it selects again.
		if k, err := keys13(s, sec.ClientEarlyTraffic); err == nil {
			c.dirs[0].early = &k
		}
	}
}
