package lab

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"sync"
	"time"

	"github.com/segscope/segscope/internal/selfcert"
)

// Server is the built-in server, listening inside a namespace.
type Server struct {
	URL    string // what the client fetches
	CACert []byte // PEM of the self-signed certificate, for curl --cacert; nil without TLS
	srv    *http.Server
	ln     net.Listener
	done   chan error
	once   sync.Once
	err    error
}

// writeChunk is the size of the server's writes when none is asked for:
// larger than a TLS record, so records are full.
const writeChunk = 64 << 10

// StartServer listens on the lab's server address (port 80, or 443 with
// TLS) inside the server namespace, and serves until Close.
func (l *Lab) StartServer(c ServerConfig) (*Server, error) {
	addr := l.Server.Addr(l.Path.IPv6)
	return startServer(l.Server.NS, addr, c)
}

func startServer(ns string, addr netip.Addr, c ServerConfig) (*Server, error) {
	if c.Body.Size < 0 || c.Body.WriteSize < 0 || c.Body.WriteDelay < 0 {
		return nil, errors.New("size, write size and write delay must not be negative")
	}
	scheme, port := "http", uint16(80)
	var tcfg *tls.Config
	s := &Server{done: make(chan error, 1)}
	if c.TLS != "" {
		v, err := tlsVersion(c.TLS)
		if err != nil {
			return nil, err
		}
		cert, pemBytes, err := selfSigned(addr)
		if err != nil {
			return nil, err
		}
		scheme, port = "https", 443
		s.CACert = pemBytes
		tcfg = &tls.Config{MinVersion: v, MaxVersion: v, Certificates: []tls.Certificate{cert},
			// Full records from the first byte: Go otherwise starts a
			// connection with records that fit one segment.
			DynamicRecordSizingDisabled: true}
	}
	var protos http.Protocols
	protos.SetHTTP1(true)
	if c.HTTP2 {
		if tcfg != nil {
			protos.SetHTTP2(true)
		} else {
			protos.SetUnencryptedHTTP2(true)
		}
	}
	s.srv = &http.Server{Handler: bodyHandler(c.Body), TLSConfig: tcfg, Protocols: &protos,
		ReadHeaderTimeout: 10 * time.Second}
	ap := netip.AddrPortFrom(addr, port)
	err := In(ns, func() error {
		var err error
		s.ln, err = net.Listen("tcp", ap.String())
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("server: %w", err)
	}
	host := addr.String()
	if addr.Is6() {
		host = "[" + host + "]"
	}
	s.URL = fmt.Sprintf("%s://%s/%d", scheme, host, c.Body.Size)
	go func() {
		if tcfg != nil {
			s.done <- s.srv.ServeTLS(s.ln, "", "")
		} else {
			s.done <- s.srv.Serve(s.ln)
		}
	}()
	return s, nil
}

// Close stops the server and closes its connections (which must happen
// before the namespace is deleted, or their sockets keep it alive).
func (s *Server) Close() error {
	s.once.Do(func() {
		s.srv.Close()
		if err := <-s.done; err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.err = err
		}
	})
	return s.err
}

func tlsVersion(v string) (uint16, error) {
	switch v {
	case "1.2":
		return tls.VersionTLS12, nil
	case "1.3":
		return tls.VersionTLS13, nil
	}
	return 0, fmt.Errorf("TLS version %q: want 1.2 or 1.3", v)
}

// selfSigned makes a certificate for the server's address, valid for a
// day, that is its own CA: curl trusts it with --cacert.
func selfSigned(addr netip.Addr) (tls.Certificate, []byte, error) {
	c, err := selfcert.New("segscope.lab", []netip.Addr{addr}, 24*time.Hour)
	return c.TLS, c.PEM, err
}

// bodyHandler serves a Body.
type bodyHandler Body

// ServeHTTP sends the body: Content-Length unless chunked, in writes of
// WriteSize (each flushed) or of 64 KiB.
func (b bodyHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/octet-stream")
	if !b.Chunked {
		w.Header().Set("Content-Length", strconv.FormatInt(b.Size, 10))
	}
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodHead {
		return
	}
	rc := http.NewResponseController(w)
	size, flush := b.WriteSize, b.WriteSize > 0 || b.Chunked
	if size == 0 {
		size = writeChunk
	}
	if flush {
		// The header goes alone, so that every write of the body is
		// sized as asked (and, with TLS, every record).
		if err := rc.Flush(); err != nil {
			return
		}
	}
	buf := pattern(size)
	ctx := r.Context()
	for left := b.Size; left > 0; {
		n := min(int64(size), left)
		if _, err := w.Write(buf[:n]); err != nil {
			return
		}
		left -= n
		if flush {
			if err := rc.Flush(); err != nil {
				return
			}
		}
		if b.WriteDelay > 0 && left > 0 {
			if !sleep(ctx, b.WriteDelay) {
				return
			}
		}
	}
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// pattern is printable, so a body shown in a capture reads as text.
func pattern(n int) []byte {
	const alphabet = "segscope lab body 0123456789abcdefghijklmnopqrstuvwxyz\n"
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[i%len(alphabet)]
	}
	return b
}
