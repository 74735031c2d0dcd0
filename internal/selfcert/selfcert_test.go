package selfcert

import (
	"crypto/x509"
	"encoding/pem"
	"net/netip"
	"testing"
	"time"
)

// A certificate verifies for its name and address against its own pool,
// and its PEM is the same certificate.
func TestNew(t *testing.T) {
	ip := netip.MustParseAddr("10.200.1.1")
	c, err := New("segscope.lab", []netip.Addr{ip}, 24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	for _, host := range []string{"segscope.lab", "10.200.1.1"} {
		if _, err := c.TLS.Leaf.Verify(x509.VerifyOptions{DNSName: host, Roots: c.Pool}); err != nil {
			t.Errorf("%s: %v", host, err)
		}
	}
	if _, err := c.TLS.Leaf.Verify(x509.VerifyOptions{DNSName: "other.example", Roots: c.Pool}); err == nil {
		t.Error("verified for another name")
	}
	b, _ := pem.Decode(c.PEM)
	if b == nil || string(b.Bytes) != string(c.TLS.Certificate[0]) {
		t.Error("the PEM is not the certificate")
	}
	if left := time.Until(c.TLS.Leaf.NotAfter); left < 23*time.Hour || left > 25*time.Hour {
		t.Errorf("valid for %v more", left)
	}
}
