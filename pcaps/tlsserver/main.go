// Command tlsserver serves the files of a directory over HTTPS with Go's own
// TLS stack (crypto/tls) and net/http, for pcaps/make.sh: the go-tls13
// capture shows how a server other than nginx/OpenSSL sizes its TLS records
// and HTTP/2 frames.
//
//	tlsserver -listen 10.200.1.1:8443 -root DIR -cert cert.pem -key key.pem [-keylog FILE] [-max 1.3]
//
// ALPN offers h2 and http/1.1 (net/http's defaults), so a client picks
// HTTP/2 or HTTP/1.1. -keylog writes the server's own key log (NSS format);
// the captures keep curl's SSLKEYLOGFILE instead. Standard library only.
package main

import (
	"crypto/tls"
	"flag"
	"log"
	"net"
	"net/http"
	"os"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:8443", "address to listen on")
	root := flag.String("root", ".", "directory to serve")
	cert := flag.String("cert", "cert.pem", "certificate (PEM)")
	key := flag.String("key", "key.pem", "private key (PEM)")
	keylog := flag.String("keylog", "", "write the TLS key log here (NSS format)")
	max := flag.String("max", "1.3", "highest TLS version: 1.2 or 1.3")
	flag.Parse()

	cfg := &tls.Config{MinVersion: tls.VersionTLS12, MaxVersion: tls.VersionTLS13}
	switch *max {
	case "1.2":
		cfg.MaxVersion = tls.VersionTLS12
	case "1.3":
	default:
		log.Fatalf("-max %q: want 1.2 or 1.3", *max)
	}
	if *keylog != "" {
		f, err := os.OpenFile(*keylog, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			log.Fatal(err)
		}
		defer f.Close()
		cfg.KeyLogWriter = f
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		log.Fatal(err)
	}
	srv := &http.Server{
		Handler:   http.FileServer(http.Dir(*root)),
		TLSConfig: cfg,
		ErrorLog:  log.New(os.Stderr, "tlsserver: ", log.LstdFlags),
	}
	log.Printf("serving %s on https://%s", *root, ln.Addr())
	// ServeTLS sets NextProtos to h2, http/1.1 (HTTP/2 is on by default).
	log.Fatal(srv.ServeTLS(ln, *cert, *key))
}
