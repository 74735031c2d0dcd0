package synth

import (
	"bytes"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"strconv"

	"github.com/segscope/segscope/internal/wiretest"
)

// TLSSession runs a real crypto/tls client and server in memory: the
// client sends an HTTP/1.1 GET, the server answers with a response of
// body bytes, both close. It returns each direction's bytes, as they
// would cross TCP, and the key log (NSS format) that decrypts them. A
// capture made with Config.Request and Config.Response set to them is
// HTTPS that segscope (and tshark) can decrypt with the key log; every
// connection of it carries the same session, under the same keys.
func TLSSession(version uint16, body int) (client, server []byte, keyLog string, err error) {
	cert, pool, err := wiretest.SelfSigned("synth.test")
	if err != nil {
		return nil, nil, "", err
	}
	cp, sp := net.Pipe()
	cr, sr := wiretest.NewRecConn(cp), wiretest.NewRecConn(sp)
	var keys bytes.Buffer
	srv := tls.Server(sr, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: version, MaxVersion: version, NextProtos: []string{"http/1.1"}})
	cli := tls.Client(cr, &tls.Config{RootCAs: pool, ServerName: "synth.test", MinVersion: version, MaxVersion: version,
		NextProtos: []string{"http/1.1"}, KeyLogWriter: &keys})
	req := "GET /object HTTP/1.1\r\nHost: synth.test\r\nUser-Agent: segscope-synth\r\nAccept: */*\r\n\r\n"
	hdr := "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: " + strconv.Itoa(body) + "\r\n\r\n"
	resp := make([]byte, 0, len(hdr)+body)
	resp = append(resp, hdr...)
	for i := 0; i < body; i++ {
		resp = append(resp, patternText[i%len(patternText)])
	}
	errs := make(chan error, 1)
	go func() {
		buf := make([]byte, len(req))
		if _, err := io.ReadFull(srv, buf); err != nil {
			errs <- err
			return
		}
		// 16 KiB writes: one full record each, as servers send.
		for p := resp; len(p) > 0; {
			k := min(len(p), 16384)
			if _, err := srv.Write(p[:k]); err != nil {
				errs <- err
				return
			}
			p = p[k:]
		}
		_, err := io.Copy(io.Discard, srv)
		srv.Close()
		errs <- err
	}()
	if _, err := cli.Write([]byte(req)); err != nil {
		return nil, nil, "", err
	}
	if _, err := io.CopyN(io.Discard, cli, int64(len(resp))); err != nil {
		return nil, nil, "", fmt.Errorf("synth: TLS client read: %w", err)
	}
	cli.Close()
	if err := <-errs; err != nil {
		return nil, nil, "", fmt.Errorf("synth: TLS server: %w", err)
	}
	c, _ := cr.Bytes()
	s, _ := sr.Bytes()
	return c, s, keys.String(), nil
}
