package tlsdec

import (
	"crypto"
	"crypto/tls"
	"fmt"
	"strings"

	// The hashes the suites name, registered for crypto.Hash.New.
	_ "crypto/sha256"
	_ "crypto/sha512"
)

// CipherSuite is a TLS cipher suite as the ServerHello selected it.
type CipherSuite uint16

// String is the IANA name ("TLS_AES_128_GCM_SHA256"), or the hex value of
// a suite Go does not know.
func (c CipherSuite) String() string {
	name := tls.CipherSuiteName(uint16(c))
	if len(name) > 2 && name[:2] == "0x" {
		return fmt.Sprintf("0x%04X", uint16(c))
	}
	return name
}

// Version is a TLS protocol version.
type Version uint16

const (
	VersionTLS12 Version = 0x0303
	VersionTLS13 Version = 0x0304
)

func (v Version) String() string {
	switch v {
	case 0x0300:
		return "SSL 3.0"
	case 0x0301:
		return "TLS 1.0"
	case 0x0302:
		return "TLS 1.1"
	case VersionTLS12:
		return "TLS 1.2"
	case VersionTLS13:
		return "TLS 1.3"
	}
	return fmt.Sprintf("0x%04x", uint16(v))
}

type aeadKind uint8

const (
	aesGCM aeadKind = iota + 1
	chacha
)

// suite is what decrypting with a cipher suite takes.
type suite struct {
	aead   aeadKind
	keyLen int
	hash   crypto.Hash // TLS 1.3 HKDF, TLS 1.2 PRF
	// ivLen is the IV derived from the secrets: 12 bytes, except TLS 1.2
	// AES-GCM's 4-byte salt, completed by an 8-byte nonce sent in each
	// record (explicit).
	ivLen    int
	explicit int
}

// Overhead is what the suite adds to each record's plaintext on the wire:
// the explicit nonce and the tag, plus the inner content type in TLS 1.3.
func (s suite) overhead(v Version) int {
	n := s.explicit + 16
	if v == VersionTLS13 {
		n++
	}
	return n
}

var (
	tls13AES128 = suite{aead: aesGCM, keyLen: 16, hash: crypto.SHA256, ivLen: 12}
	tls13AES256 = suite{aead: aesGCM, keyLen: 32, hash: crypto.SHA384, ivLen: 12}
	tls13ChaCha = suite{aead: chacha, keyLen: 32, hash: crypto.SHA256, ivLen: 12}
	tls12AES128 = suite{aead: aesGCM, keyLen: 16, hash: crypto.SHA256, ivLen: 4, explicit: 8}
	tls12AES256 = suite{aead: aesGCM, keyLen: 32, hash: crypto.SHA384, ivLen: 4, explicit: 8}
	tls12ChaCha = suite{aead: chacha, keyLen: 32, hash: crypto.SHA256, ivLen: 12}
)

// lookupSuite tells how to decrypt suite c under version v; false for
// anything but the AEAD suites of TLS 1.2 and 1.3.
func lookupSuite(v Version, c CipherSuite) (suite, bool) {
	if v == VersionTLS13 {
		switch c {
		case 0x1301:
			return tls13AES128, true
		case 0x1302:
			return tls13AES256, true
		case 0x1303:
			return tls13ChaCha, true
		}
		return suite{}, false
	}
	if v != VersionTLS12 {
		return suite{}, false
	}
	switch c {
	case 0x009C, 0x009E, 0xC02B, 0xC02F: // RSA, DHE_RSA, ECDHE_ECDSA, ECDHE_RSA with AES_128_GCM_SHA256
		return tls12AES128, true
	case 0x009D, 0x009F, 0xC02C, 0xC030: // the same with AES_256_GCM_SHA384
		return tls12AES256, true
	case 0xCCA8, 0xCCA9, 0xCCAA: // ECDHE_RSA, ECDHE_ECDSA, DHE_RSA with CHACHA20_POLY1305_SHA256
		return tls12ChaCha, true
	}
	return suite{}, false
}

// OverheadOfName is the per-record overhead of a suite named as OpenSSL
// (and curl's "SSL connection using TLSv1.2 / ECDHE-RSA-AES256-GCM-SHA384"
// line) names it: the AEAD suites only. version is "TLSv1.2" or
// "TLSv1.3". false for anything else (CBC suites pad to a block).
func OverheadOfName(version, name string) (int, bool) {
	switch version {
	case "TLSv1.3":
		switch name {
		case "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256":
			return tls13AES128.overhead(VersionTLS13), true
		}
	case "TLSv1.2":
		switch {
		case strings.HasSuffix(name, "CHACHA20-POLY1305"):
			return tls12ChaCha.overhead(VersionTLS12), true
		case strings.Contains(name, "AES128-GCM-") || strings.Contains(name, "AES256-GCM-"):
			return tls12AES128.overhead(VersionTLS12), true
		}
	}
	return 0, false
}
