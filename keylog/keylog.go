// Package keylog reads and writes TLS key logs in the NSS key log format:
// the file that SSLKEYLOGFILE makes curl (OpenSSL), Firefox and Chrome
// write, that Go's tls.Config.KeyLogWriter writes, and that Wireshark reads
// or finds embedded in a pcapng Decryption Secrets Block.
//
// Each line is
//
//	LABEL <client random, 64 hex digits> <secret, hex>
//
// and the client random (the 32 random bytes of the connection's
// ClientHello) is how a connection in a capture finds its secrets. A Store
// keeps the secrets by client random; look-ups are meant to be made once per
// connection, not per packet.
//
// The package only parses and stores key material. It derives no keys and
// decrypts nothing: that belongs to the TLS record layer above it. It does
// not keep the RSA pre-master secrets of the old RSA key exchange (label
// RSA), which need the ClientKeyExchange, not the client random.
package keylog

import (
	"encoding/hex"
	"errors"
	"fmt"
)

// Label is the kind of secret on a key log line.
type Label uint8

// The labels a Store keeps. Other labels (RSA, and any a later TLS version
// adds) are skipped when parsing.
const (
	// ClientRandom is the 48-byte master secret of TLS 1.2 and earlier.
	ClientRandom Label = iota + 1
	// TLS 1.3 secrets, 32 bytes (SHA-256 suites) or 48 (SHA-384).
	ClientEarlyTrafficSecret
	ClientHandshakeTrafficSecret
	ServerHandshakeTrafficSecret
	ClientTrafficSecret0
	ServerTrafficSecret0
	ExporterSecret
)

// labels lists the labels in the order WriteTo writes them: the order in
// which a handshake produces them.
var labels = [...]Label{
	ClientRandom,
	ClientEarlyTrafficSecret,
	ClientHandshakeTrafficSecret,
	ServerHandshakeTrafficSecret,
	ClientTrafficSecret0,
	ServerTrafficSecret0,
	ExporterSecret,
}

var labelNames = [...]string{
	ClientRandom:                 "CLIENT_RANDOM",
	ClientEarlyTrafficSecret:     "CLIENT_EARLY_TRAFFIC_SECRET",
	ClientHandshakeTrafficSecret: "CLIENT_HANDSHAKE_TRAFFIC_SECRET",
	ServerHandshakeTrafficSecret: "SERVER_HANDSHAKE_TRAFFIC_SECRET",
	ClientTrafficSecret0:         "CLIENT_TRAFFIC_SECRET_0",
	ServerTrafficSecret0:         "SERVER_TRAFFIC_SECRET_0",
	ExporterSecret:               "EXPORTER_SECRET",
}

// String returns the label as a key log line spells it.
func (l Label) String() string {
	if !l.known() {
		return fmt.Sprintf("Label(%d)", uint8(l))
	}
	return labelNames[l]
}

// ParseLabel returns the label a key log line spells s; ok is false for a
// label the package does not keep.
func ParseLabel(s string) (l Label, ok bool) {
	for _, l := range labels {
		if labelNames[l] == s {
			return l, true
		}
	}
	return 0, false
}

// ValidLength tells whether n bytes is a valid length for a secret of
// label l: 48 for ClientRandom, 32 or 48 for the TLS 1.3 secrets.
func (l Label) ValidLength(n int) bool {
	switch {
	case l == ClientRandom:
		return n == 48
	case l.known():
		return n == 32 || n == 48
	}
	return false
}

func (l Label) known() bool { return l != 0 && int(l) < len(labelNames) }

func (l Label) wantLength() string {
	if l == ClientRandom {
		return "48"
	}
	return "32 or 48"
}

// Random is the 32-byte random of a ClientHello, which names a connection
// in a key log. It is comparable and serves as a map key.
type Random [32]byte

// ParseRandom parses 64 hex digits.
func ParseRandom(s string) (Random, error) {
	var r Random
	if len(s) != 2*len(r) {
		return Random{}, fmt.Errorf("client random is %d hex digits, want %d", len(s), 2*len(r))
	}
	if _, err := hex.Decode(r[:], []byte(s)); err != nil || !isHex([]byte(s)) {
		return Random{}, errors.New("client random is not hex")
	}
	return r, nil
}

// String returns the random as 64 lower-case hex digits.
func (r Random) String() string { return hex.EncodeToString(r[:]) }

// Secrets are the secrets a key log holds for one connection. A field is
// nil when the key log has no line for it. The slices are shared with the
// Store: do not modify them.
type Secrets struct {
	// MasterSecret is the TLS 1.2 (and earlier) master secret, from a
	// CLIENT_RANDOM line.
	MasterSecret []byte
	// TLS 1.3 traffic secrets.
	ClientEarlyTraffic []byte
	ClientHandshake    []byte
	ServerHandshake    []byte
	ClientTraffic0     []byte
	ServerTraffic0     []byte
	Exporter           []byte
}

// Get returns the secret for label l, nil if there is none.
func (s *Secrets) Get(l Label) []byte {
	if p := s.field(l); p != nil {
		return *p
	}
	return nil
}

func (s *Secrets) field(l Label) *[]byte {
	switch l {
	case ClientRandom:
		return &s.MasterSecret
	case ClientEarlyTrafficSecret:
		return &s.ClientEarlyTraffic
	case ClientHandshakeTrafficSecret:
		return &s.ClientHandshake
	case ServerHandshakeTrafficSecret:
		return &s.ServerHandshake
	case ClientTrafficSecret0:
		return &s.ClientTraffic0
	case ServerTrafficSecret0:
		return &s.ServerTraffic0
	case ExporterSecret:
		return &s.Exporter
	}
	return nil
}

// TLS13 tells whether s has the four secrets that decrypt a TLS 1.3
// connection's handshake and application data in both directions.
func (s *Secrets) TLS13() bool {
	return s.ClientHandshake != nil && s.ServerHandshake != nil && s.ClientTraffic0 != nil && s.ServerTraffic0 != nil
}
