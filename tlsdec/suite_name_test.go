package tlsdec

import "testing"

// TestOverheadOfName: the overheads of the suites curl names, as the
// decryption measures them (TLS 1.3: 16-byte tag + the content type; TLS
// 1.2 GCM: 8-byte explicit nonce + tag; ChaCha20: tag), none for CBC.
func TestOverheadOfName(t *testing.T) {
	for _, c := range []struct {
		v, name string
		want    int
		ok      bool
	}{
		{"TLSv1.3", "TLS_AES_256_GCM_SHA384", 17, true},
		{"TLSv1.3", "TLS_CHACHA20_POLY1305_SHA256", 17, true},
		{"TLSv1.2", "ECDHE-RSA-AES256-GCM-SHA384", 24, true},
		{"TLSv1.2", "ECDHE-ECDSA-AES128-GCM-SHA256", 24, true},
		{"TLSv1.2", "ECDHE-RSA-CHACHA20-POLY1305", 16, true},
		{"TLSv1.2", "ECDHE-RSA-AES256-SHA384", 0, false},
		{"TLSv1.1", "ECDHE-RSA-AES256-GCM-SHA384", 0, false},
	} {
		got, ok := OverheadOfName(c.v, c.name)
		if got != c.want || ok != c.ok {
			t.Errorf("%s %s: %d %v, want %d %v", c.v, c.name, got, ok, c.want, c.ok)
		}
	}
}
