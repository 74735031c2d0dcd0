package h2

import (
	"github.com/segscope/segscope/internal/wiretest"

	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"

	"golang.org/x/net/http2"
)

// exchange is one request the client makes and what the handler answers.
type exchange struct {
	method, path string
	reqBody      int // request body bytes
	status       int // final status
	respBody     int // response body bytes
}

var exchanges = []exchange{
	{"GET", "/large", 0, 200, 100000},
	{"GET", "/small", 0, 200, 12345},
	{"POST", "/upload", 30000, 201, len("got 30000")},
	{"GET", "/hints", 0, 200, 5000},     // a 103 Early Hints first
	{"GET", "/big-header", 0, 200, 10},  // a 40 KB header: HEADERS + CONTINUATION
	{"POST", "/empty", 0, 204, 0},       // no body either way
	{"PUT", "/echo", 70000, 200, 70000}, // flow control windows in both directions
	{"GET", "/not-found", 0, http.StatusNotFound, len("404 page not found\n")},
}

func handler(bodySize int) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		switch r.URL.Path {
		case "/large":
			for i := 0; i < 10; i++ {
				w.Write(bytes.Repeat([]byte{'l'}, 10000))
			}
		case "/small":
			w.Write(bytes.Repeat([]byte{'s'}, 12345))
		case "/upload":
			w.WriteHeader(201)
			fmt.Fprintf(w, "got %d", len(body))
		case "/hints":
			w.Header().Set("Link", "</style.css>; rel=preload; as=style")
			w.WriteHeader(http.StatusEarlyHints)
			w.Write(bytes.Repeat([]byte{'h'}, 5000))
		case "/big-header":
			w.Header().Set("X-Big", strings.Repeat("b", 40000))
			w.Write([]byte("0123456789"))
		case "/empty":
			w.WriteHeader(204)
		case "/echo":
			w.Write(body)
		case "/bench":
			buf := bytes.Repeat([]byte{'x'}, 64<<10)
			for n := 0; n < bodySize; n += len(buf) {
				w.Write(buf[:min(len(buf), bodySize-n)])
			}
		default:
			http.NotFound(w, r)
		}
	})
}

// h2session is one recorded h2c connection (prior knowledge) between
// golang.org/x/net/http2's Transport and Server.
type h2session struct {
	client, server []byte
}

// runH2 makes the exchanges (the first two concurrently, so their DATA
// frames interleave), or, with bench > 0, one GET /bench of that size.
func runH2(tb testing.TB, bench int) *h2session {
	tb.Helper()
	cp, sp := net.Pipe()
	cr, sr := wiretest.NewRecConn(cp), wiretest.NewRecConn(sp)
	served := make(chan struct{})
	go func() {
		defer close(served)
		//lint:ignore SA1019 the deprecated x/net server serves one net.Conn without a listener, which is what this test needs
		(&http2.Server{}).ServeConn(sr, &http2.ServeConnOpts{Handler: handler(bench)})
		sr.Close()
	}()
	//lint:ignore SA1019 the deprecated x/net transport speaks h2c over one net.Conn, which is what this test needs
	cc, err := (&http2.Transport{AllowHTTP: true}).NewClientConn(cr)
	if err != nil {
		tb.Fatal(err)
	}
	do := func(e exchange) error {
		var body io.Reader
		if e.reqBody > 0 {
			body = bytes.NewReader(bytes.Repeat([]byte{'q'}, e.reqBody))
		}
		req, err := http.NewRequest(e.method, "http://segscope.test"+e.path, body)
		if err != nil {
			return err
		}
		resp, err := cc.RoundTrip(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		n, err := io.Copy(io.Discard, resp.Body)
		if err != nil {
			return err
		}
		if resp.StatusCode != e.status || n != int64(e.respBody) {
			return fmt.Errorf("%s %s: status %d, %d bytes; want %d, %d", e.method, e.path, resp.StatusCode, n, e.status, e.respBody)
		}
		return nil
	}
	if bench > 0 {
		if err := do(exchange{"GET", "/bench", 0, 200, bench}); err != nil {
			tb.Fatal(err)
		}
	} else {
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i := range 2 {
			wg.Go(func() { errs[i] = do(exchanges[i]) })
		}
		wg.Wait()
		for _, e := range exchanges[2:] {
			errs = append(errs, do(e))
		}
		for _, err := range errs {
			if err != nil {
				tb.Fatal(err)
			}
		}
	}
	if err := cc.Close(); err != nil {
		tb.Fatal(err)
	}
	cr.Close()
	<-served
	s := &h2session{}
	s.client, _ = cr.Bytes()
	s.server, _ = sr.Bytes()
	return s
}
