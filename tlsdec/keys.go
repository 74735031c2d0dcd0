package tlsdec

import (
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"hash"

	"golang.org/x/crypto/chacha20poly1305"
)

// trafficKeys are one direction's record protection: the AEAD and the IV
// that, with the record sequence number, makes each nonce.
type trafficKeys struct {
	aead cipher.AEAD
	iv   [12]byte
	ivN  int

	// For decrypting a record's ranges alone (lazy.go): the AES block
	// cipher, or (nil) the ChaCha20 key.
	block cipher.Block
	key   []byte
	// verified: a record opened and authenticated under these keys.
	verified bool
}

// expandLabel is TLS 1.3's HKDF-Expand-Label (RFC 8446, 7.1) with an
// empty context.
func expandLabel(h crypto.Hash, secret []byte, label string, n int) ([]byte, error) {
	full := "tls13 " + label
	info := make([]byte, 0, 4+len(full))
	info = append(info, byte(n>>8), byte(n), byte(len(full)))
	info = append(info, full...)
	info = append(info, 0) // context: empty
	return hkdf.Expand(func() hash.Hash { return h.New() }, secret, string(info), n)
}

// keys13 derives the write key and IV from a TLS 1.3 traffic secret
// (RFC 8446, 7.3).
func keys13(s suite, secret []byte) (trafficKeys, error) {
	key, err := expandLabel(s.hash, secret, "key", s.keyLen)
	if err != nil {
		return trafficKeys{}, err
	}
	iv, err := expandLabel(s.hash, secret, "iv", s.ivLen)
	if err != nil {
		return trafficKeys{}, err
	}
	return newTrafficKeys(s, key, iv)
}

// nextSecret is the traffic secret after a KeyUpdate (RFC 8446, 7.2).
func nextSecret(s suite, secret []byte) ([]byte, error) {
	return expandLabel(s.hash, secret, "traffic upd", s.hash.Size())
}

// keys12 derives both directions' keys from a TLS 1.2 master secret
// (RFC 5246, 6.3): the key block holds the client's key, the server's
// key, the client's IV, the server's IV; AEAD suites have no MAC keys.
func keys12(s suite, master []byte, clientRandom, serverRandom [32]byte) (client, server trafficKeys, err error) {
	seed := make([]byte, 0, 64)
	seed = append(seed, serverRandom[:]...)
	seed = append(seed, clientRandom[:]...)
	block := prf12(s.hash, master, "key expansion", seed, 2*s.keyLen+2*s.ivLen)
	ck, sk := block[:s.keyLen], block[s.keyLen:2*s.keyLen]
	civ, siv := block[2*s.keyLen:2*s.keyLen+s.ivLen], block[2*s.keyLen+s.ivLen:]
	if client, err = newTrafficKeys(s, ck, civ); err != nil {
		return
	}
	server, err = newTrafficKeys(s, sk, siv)
	return
}

// prf12 is TLS 1.2's PRF: P_hash(secret, label + seed) (RFC 5246, 5).
func prf12(h crypto.Hash, secret []byte, label string, seed []byte, n int) []byte {
	ls := append([]byte(label), seed...)
	mac := hmac.New(h.New, secret)
	a := ls
	out := make([]byte, 0, n+h.Size())
	for len(out) < n {
		mac.Reset()
		mac.Write(a)
		a = mac.Sum(nil)
		mac.Reset()
		mac.Write(a)
		mac.Write(ls)
		out = mac.Sum(out)
	}
	return out[:n]
}

func newTrafficKeys(s suite, key, iv []byte) (trafficKeys, error) {
	k := trafficKeys{ivN: len(iv)}
	copy(k.iv[:], iv)
	var err error
	if s.aead == chacha {
		k.key = append([]byte(nil), key...)
		k.aead, err = chacha20poly1305.New(key)
		return k, err
	}
	// One AES block cipher for the AEAD and for lazy.go's counter mode.
	if k.block, err = aes.NewCipher(key); err != nil {
		return trafficKeys{}, err
	}
	if s.explicit > 0 {
		k.aead, err = cipher.NewGCMWithNonceSize(k.block, 12)
	} else {
		k.aead, err = cipher.NewGCM(k.block)
	}
	return k, err
}
