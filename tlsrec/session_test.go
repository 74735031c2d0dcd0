package tlsrec

import (
	"github.com/segscope/segscope/internal/wiretest"

	"crypto/tls"
	"crypto/x509"
	"io"
	"net"
	"sync"
	"testing"
)

// session is one recorded TLS connection, with what crypto/tls itself
// saw: the oracle for the hello fields.
type session struct {
	client, server             []byte   // each direction's bytes
	clientWrites, serverWrites [][]byte // the same, write by write
	hello                      tls.ClientHelloInfo
	state                      tls.ConnectionState
}

var certOnce struct {
	sync.Once
	cert tls.Certificate
	pool *x509.CertPool
	err  error
}

func testCert(tb testing.TB) (tls.Certificate, *x509.CertPool) {
	tb.Helper()
	c := &certOnce
	c.Do(func() { c.cert, c.pool, c.err = wiretest.SelfSigned("segscope.test") })
	if c.err != nil {
		tb.Fatal(c.err)
	}
	return c.cert, c.pool
}

type sessionConfig struct {
	maxVersion uint16
	curves     []tls.CurveID // server's preferences: P-256 only forces a HelloRetryRequest
	n          int           // application bytes each way
}

// runTLS runs a crypto/tls client and server over net.Pipe: the client
// sends n bytes, the server echoes them, both close.
func runTLS(tb testing.TB, cfg sessionConfig) *session {
	tb.Helper()
	cert, pool := testCert(tb)
	cp, sp := net.Pipe()
	cr, sr := wiretest.NewRecConn(cp), wiretest.NewRecConn(sp)
	s := &session{}
	var helloMu sync.Mutex
	srv := tls.Server(sr, &tls.Config{
		Certificates:     []tls.Certificate{cert},
		NextProtos:       []string{"h2", "http/1.1"},
		MaxVersion:       cfg.maxVersion,
		CurvePreferences: cfg.curves,
		GetConfigForClient: func(h *tls.ClientHelloInfo) (*tls.Config, error) {
			helloMu.Lock()
			s.hello = tls.ClientHelloInfo{ServerName: h.ServerName, SupportedProtos: h.SupportedProtos, SupportedVersions: h.SupportedVersions}
			helloMu.Unlock()
			return nil, nil
		},
	})
	cli := tls.Client(cr, &tls.Config{
		RootCAs:    pool,
		ServerName: "segscope.test",
		NextProtos: []string{"h2", "http/1.1"},
		MaxVersion: cfg.maxVersion,
	})
	payload := make([]byte, cfg.n)
	for i := range payload {
		payload[i] = byte(i * 7)
	}
	srvErr, wrErr := make(chan error, 1), make(chan error, 1)
	go func() {
		buf := make([]byte, cfg.n)
		if _, err := io.ReadFull(srv, buf); err != nil {
			srvErr <- err
			return
		}
		if _, err := srv.Write(buf); err != nil {
			srvErr <- err
			return
		}
		_, err := io.Copy(io.Discard, srv) // until the client's close_notify
		srv.Close()                        // the peer is gone: its alert is not sent
		srvErr <- err
	}()
	go func() {
		_, err := cli.Write(payload)
		wrErr <- err
	}()
	got := make([]byte, cfg.n)
	if _, err := io.ReadFull(cli, got); err != nil {
		tb.Fatal("client read:", err)
	}
	if err := <-wrErr; err != nil {
		tb.Fatal("client write:", err)
	}
	s.state = cli.ConnectionState()
	if err := cli.Close(); err != nil {
		tb.Fatal("client close:", err)
	}
	if err := <-srvErr; err != nil {
		tb.Fatal("server:", err)
	}
	s.client, s.clientWrites = cr.Bytes()
	s.server, s.serverWrites = sr.Bytes()
	return s
}
