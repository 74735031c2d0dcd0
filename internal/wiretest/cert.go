package wiretest

import (
	"crypto/tls"
	"crypto/x509"
	"time"

	"github.com/segscope/segscope/internal/selfcert"
)

// SelfSigned makes a P-256 certificate for name, valid for an hour either
// side of now, and the pool that trusts it: what a crypto/tls client and
// server in one process need to talk.
func SelfSigned(name string) (tls.Certificate, *x509.CertPool, error) {
	c, err := selfcert.New(name, nil, time.Hour)
	return c.TLS, c.Pool, err
}
