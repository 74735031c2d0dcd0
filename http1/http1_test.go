package http1

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/segscope/segscope/stream"
)

// recConn records the bytes a real client connection sends and receives.
type recConn struct {
	net.Conn
	mu       sync.Mutex
	sent, rx bytes.Buffer
}

func (c *recConn) Write(b []byte) (int, error) {
	n, err := c.Conn.Write(b)
	c.mu.Lock()
	c.sent.Write(b[:n])
	c.mu.Unlock()
	return n, err
}

func (c *recConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	c.mu.Lock()
	c.rx.Write(b[:n])
	c.mu.Unlock()
	return n, err
}

var body5000 = bytes.Repeat([]byte("0123456789"), 500)

func testServer(t *testing.T) *httptest.Server {
	mux := http.NewServeMux()
	mux.HandleFunc("/cl", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "5000")
		w.Write(body5000)
	})
	mux.HandleFunc("/chunked", func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i < 3; i++ {
			w.Write(bytes.Repeat([]byte{'x'}, 1000))
			w.(http.Flusher).Flush()
		}
	})
	mux.HandleFunc("/nocontent", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(204) })
	mux.HandleFunc("/notmodified", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(304) })
	mux.HandleFunc("/upload", func(w http.ResponseWriter, r *http.Request) {
		n, _ := io.Copy(io.Discard, r.Body)
		fmt.Fprintf(w, "%d", n)
	})
	mux.HandleFunc("/stream", func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i < 3; i++ {
			w.Write(bytes.Repeat([]byte{'y'}, 1000))
			w.(http.Flusher).Flush()
		}
	})
	mux.HandleFunc("/upgrade", func(w http.ResponseWriter, r *http.Request) {
		conn, rw, _ := w.(http.Hijacker).Hijack()
		defer conn.Close()
		rw.WriteString("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")
		rw.Write(bytes.Repeat([]byte{0x81, 0x05}, 500))
		rw.Flush()
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// exchange runs requests on one real TCP connection to srv and returns the
// bytes each direction carried.
func exchange(t *testing.T, srv *httptest.Server, reqs ...*http.Request) (client, server []byte) {
	t.Helper()
	raw, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	c := &recConn{Conn: raw}
	br := bufio.NewReader(c)
	for _, req := range reqs {
		if err := req.Write(c); err != nil {
			t.Fatal(err)
		}
		resp, err := http.ReadResponse(br, req)
		for err == nil && resp.StatusCode == 100 {
			// ReadResponse hands back interim responses: the final follows.
			resp, err = http.ReadResponse(br, req)
		}
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	c.Close()
	return c.sent.Bytes(), c.rx.Bytes()
}

// rawExchange writes one raw request and reads until the server closes.
func rawExchange(t *testing.T, srv *httptest.Server, request string) (client, server []byte) {
	t.Helper()
	c, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := io.WriteString(c, request); err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(c)
	if err != nil {
		t.Fatal(err)
	}
	return []byte(request), b
}

func req(t *testing.T, method, url string, body []byte, hdr ...string) *http.Request {
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	q, err := http.NewRequest(method, url, r)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		q.Header.Set(hdr[i], hdr[i+1])
	}
	return q
}

// feed gives the client stream then the server stream to a new Conn, cut
// into chunks of random sizes with one Pos per chunk.
func feed(t *testing.T, client, server []byte, seed uint64) *Conn {
	c := NewConn(Options{HashBodies: true})
	rng := rand.New(rand.NewPCG(seed, 7))
	for dir, b := range [][]byte{client, server} {
		cons := c.Client()
		if dir == 1 {
			cons = c.Server()
		}
		off := 0
		for off < len(b) {
			n := 1 + rng.IntN(1500)
			if seed == 0 {
				n = len(b)
			}
			n = min(n, len(b)-off)
			cons.Data(int64(off), b[off:off+n], stream.Pos{Packet: off + 1, Start: int64(off)})
			off += n
		}
		cons.End(int64(len(b)))
	}
	return c
}

func TestKeepAliveExchangesOnARealServer(t *testing.T) {
	srv := testServer(t)
	u := srv.URL
	upload := bytes.Repeat([]byte("u"), 3000)
	client, server := exchange(t, srv,
		req(t, "GET", u+"/cl", nil),
		req(t, "GET", u+"/chunked", nil),
		req(t, "HEAD", u+"/cl", nil),
		req(t, "GET", u+"/nocontent", nil),
		req(t, "GET", u+"/notmodified", nil, "If-None-Match", `"x"`),
		req(t, "POST", u+"/upload", upload, "Expect", "100-continue"),
	)
	sum := sha256.Sum256(body5000)
	for _, seed := range []uint64{0, 1, 2, 3} {
		c := feed(t, client, server, seed)
		if p := c.Problems(); len(p) != 0 {
			t.Fatalf("seed %d: problems %+v", seed, p)
		}
		ex := c.Exchanges()
		if len(ex) != 6 {
			t.Fatalf("seed %d: %d exchanges, want 6", seed, len(ex))
		}
		wantStatus := []int{200, 200, 200, 204, 304, 200}
		wantBody := []int64{5000, 3000, 0, 0, 0, 4}
		var prevReq, prevResp int64
		for i, e := range ex {
			if e.Request == nil || e.Response == nil || !e.Request.Complete || !e.Response.Complete {
				t.Fatalf("seed %d exchange %d incomplete: %+v %+v\n%q", seed, i, e.Request, e.Response, server)
			}
			if e.Response.Status != wantStatus[i] || e.Response.BodyBytes != wantBody[i] {
				t.Errorf("seed %d exchange %d: status %d body %d; want %d %d", seed, i, e.Response.Status, e.Response.BodyBytes, wantStatus[i], wantBody[i])
			}
			// Messages tile each stream: header, body, next header; an
			// interim 100 Continue comes before the final header.
			respStart := e.Response.Header.Start
			if len(e.Response.Interim) > 0 {
				respStart = e.Response.Interim[0].Header.Start
				if e.Response.Interim[0].Header.End != e.Response.Header.Start {
					t.Errorf("seed %d exchange %d: interim ends at %d, final header starts at %d", seed, i, e.Response.Interim[0].Header.End, e.Response.Header.Start)
				}
			}
			if e.Request.Header.Start != prevReq || respStart != prevResp || e.Response.Body.Start != e.Response.Header.End {
				t.Errorf("seed %d exchange %d: request at %d (want %d), response at %d (want %d)", seed, i, e.Request.Header.Start, prevReq, e.Response.Header.Start, prevResp)
			}
			prevReq, prevResp = e.Request.Body.End, e.Response.Body.End
		}
		if prevReq != int64(len(client)) || prevResp != int64(len(server)) {
			t.Errorf("seed %d: messages end at %d/%d, streams at %d/%d", seed, prevReq, prevResp, len(client), len(server))
		}
		if ex[0].Response.SHA256 != hex.EncodeToString(sum[:]) || ex[0].Response.ContentLength != 5000 {
			t.Errorf("seed %d: /cl body hash %s", seed, ex[0].Response.SHA256)
		}
		ch := ex[1].Response
		if !ch.Chunked || len(ch.Chunks) != 4 || ch.Chunks[0].Size != 1000 || ch.Chunks[3].Size != 0 {
			t.Fatalf("seed %d: chunks %+v", seed, ch.Chunks)
		}
		// A chunk is its size line, data and CRLF: "3e8\r\n" + 1000 + "\r\n".
		if ch.Chunks[0].Len() != 1007 || ch.Chunks[0].Start != ch.Body.Start || ch.Chunks[1].Start != ch.Chunks[0].End || ch.Chunks[3].End != ch.Body.End || ch.Chunks[3].Len() != 5 {
			t.Errorf("seed %d: chunk ranges %+v body %+v", seed, ch.Chunks, ch.Body)
		}
		if got := server[ch.Chunks[1].Data.Start:ch.Chunks[1].Data.End]; !bytes.Equal(got, bytes.Repeat([]byte{'x'}, 1000)) {
			t.Errorf("seed %d: chunk data range does not hold the data", seed)
		}
		up := ex[5]
		if up.Request.BodyBytes != 3000 || len(up.Response.Interim) != 1 || up.Response.Interim[0].Status != 100 {
			t.Errorf("seed %d: upload request body %d, interim %+v", seed, up.Request.BodyBytes, up.Response.Interim)
		}
		if ex[2].Request.Method != "HEAD" || ex[2].Response.ContentLength != 5000 || ex[2].Response.Body.Len() != 0 {
			t.Errorf("seed %d: HEAD response %+v", seed, ex[2].Response)
		}
		if seed == 0 && (ex[0].Response.Header.First.Packet != 1 || ex[0].Response.Body.Last.Packet != 1) {
			t.Errorf("positions: %+v", ex[0].Response)
		}
	}
}

func TestCloseDelimitedAndUpgrade(t *testing.T) {
	srv := testServer(t)
	client, server := rawExchange(t, srv, "GET /stream HTTP/1.0\r\nHost: x\r\n\r\n")
	c := feed(t, client, server, 5)
	ex := c.Exchanges()
	if len(ex) != 1 || len(c.Problems()) != 0 || !ex[0].Response.CloseDelimited || ex[0].Response.BodyBytes != 3000 || !ex[0].Response.Complete {
		t.Fatalf("HTTP/1.0 close-delimited: %+v problems %+v", ex[0].Response, c.Problems())
	}

	client, server = rawExchange(t, srv, "GET /upgrade HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n")
	c = feed(t, client, server, 6)
	if len(c.Problems()) != 0 || c.UpgradedAt == nil || c.Exchanges()[0].Response.Status != 101 {
		t.Fatalf("upgrade: %+v problems %+v", c.UpgradedAt, c.Problems())
	}
	if c.UpgradedAt[1] != c.Exchanges()[0].Response.Header.End || c.UpgradedAt[1] >= int64(len(server)) {
		t.Errorf("upgraded at %v, header ends %d, stream %d", c.UpgradedAt, c.Exchanges()[0].Response.Header.End, len(server))
	}
}

func TestBadInputIsReportedWithItsOffset(t *testing.T) {
	okReq := "GET / HTTP/1.1\r\nHost: x\r\n\r\n"
	cases := []struct {
		name     string
		client   string
		server   string
		response bool
		offset   int64
		reason   string
	}{
		{"bad chunk size", okReq, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\nzz\r\n", true, 57, `bad chunk size "zz"`},
		{"garbage after response", okReq, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi<html>oops\r\n\r\n", true, 40, `garbage after a response: "<html>oops"`},
		{"not a request", "\x16\x03\x01\x02\x00hello\r\n\r\n", "", false, 0, "not an HTTP request line"},
		{"oversized header", "GET / HTTP/1.1\r\nX: " + strings.Repeat("a", 70000), "", false, 0, "header block longer than 65536 bytes"},
		{"bad content length", "POST / HTTP/1.1\r\nContent-Length: 12x\r\n\r\n", "", false, 0, `bad Content-Length "12x"`},
	}
	for _, tc := range cases {
		c := feed(t, []byte(tc.client), []byte(tc.server), 0)
		p := c.Problems()
		if len(p) != 1 || p[0].Response != tc.response || p[0].Offset != tc.offset || !strings.HasPrefix(p[0].Reason, tc.reason) {
			t.Errorf("%s: problems %+v; want offset %d %q", tc.name, p, tc.offset, tc.reason)
		}
	}

	// A gap inside a body is counted; one over a header stops parsing.
	c := NewConn(Options{HashBodies: true})
	s := c.Server()
	c.Client().Data(0, []byte(okReq+okReq), stream.Pos{})
	hdr := "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n"
	s.Data(0, []byte(hdr+"0123456789"), stream.Pos{})
	s.Gap(int64(len(hdr)+10), 80, stream.Pos{})
	s.Data(int64(len(hdr)+90), []byte("0123456789"), stream.Pos{})
	s.Gap(int64(len(hdr)+100), 30, stream.Pos{})
	ex := c.Exchanges()
	if len(ex) != 2 || ex[0].Response.BodyBytes != 100 || !ex[0].Response.Complete || ex[0].Response.SHA256 != "" {
		t.Errorf("gap in body: %+v", ex[0].Response)
	}
	if p := c.Problems(); len(p) != 1 || p[0].Offset != int64(len(hdr)+100) || !strings.Contains(p[0].Reason, "data missing under a gap of 30 bytes") {
		t.Errorf("gap over a header: %+v", p)
	}
}

// FuzzConn feeds arbitrary bytes to both directions in arbitrary pieces,
// with gaps: parsing must never panic and every part must lie within what
// was fed.
func FuzzConn(f *testing.F) {
	f.Add([]byte("GET / HTTP/1.1\r\n\r\nHEAD /x HTTP/1.1\r\n\r\n"), []byte("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nX: y\r\n\r\nHTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n"), uint8(7))
	f.Add([]byte("POST /u HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc"), []byte("HTTP/1.0 200 OK\r\n\r\nuntil close"), uint8(1))
	f.Fuzz(func(t *testing.T, client, server []byte, cut uint8) {
		c := NewConn(Options{HashBodies: true, MaxHeaderBytes: 256, MaxChunks: 4})
		for dir, b := range [][]byte{client, server} {
			cons := c.Client()
			if dir == 1 {
				cons = c.Server()
			}
			step := int(cut%32) + 1
			var off int64
			for i := 0; i < len(b); i += step {
				piece := b[i:min(i+step, len(b))]
				if cut%5 == 0 && i%3 == 1 {
					cons.Gap(off, int64(len(piece)), stream.Pos{})
				} else {
					cons.Data(off, piece, stream.Pos{})
				}
				off += int64(len(piece))
			}
			cons.End(off)
		}
		for _, e := range c.Exchanges() {
			for i, m := range []*Message{e.Request, e.Response} {
				if m == nil {
					continue
				}
				limit := int64(len(client))
				if i == 1 {
					limit = int64(len(server))
				}
				if m.Header.Start < 0 || m.Header.End > limit || m.Body.End > limit || m.Body.Start < m.Header.Start {
					t.Fatalf("message outside the stream: header %+v body %+v limit %d", m.Header.Range, m.Body.Range, limit)
				}
			}
		}
	})
}

// TestOneByteAtATime: a response stream given one byte per Data call is
// parsed as it is given whole, every boundary split at every byte; in
// particular the empty line ending a chunked body split after its CR
// (which read the next response's head as trailers).
func TestOneByteAtATime(t *testing.T) {
	server := []byte("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n" +
		"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok" +
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\nX-Trailer: 1\r\n\r\n")
	client := []byte("GET /a HTTP/1.1\r\n\r\nPOST /b HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 0\r\n\r\nGET /c HTTP/1.1\r\n\r\n")
	parse := func(step int) []Exchange {
		c := NewConn(Options{})
		for dir, b := range [][]byte{client, server} {
			cons := c.Client()
			if dir == 1 {
				cons = c.Server()
			}
			for off := 0; off < len(b); off += step {
				n := min(step, len(b)-off)
				cons.Data(int64(off), b[off:off+n], stream.Pos{Packet: off + 1, Start: int64(off)})
			}
			cons.End(int64(len(b)))
		}
		if len(c.Problems()) > 0 {
			t.Errorf("step %d: problems %v", step, c.Problems())
		}
		return c.Exchanges()
	}
	whole := parse(len(server))
	if len(whole) != 3 || whole[1].Response == nil || len(whole[1].Response.Interim) != 1 || whole[2].Response.Chunks[1].End != int64(len(server)) {
		t.Fatalf("whole: %+v", whole)
	}
	for _, step := range []int{1, 2, 3} {
		got := parse(step)
		if len(got) != len(whole) {
			t.Fatalf("step %d: %d exchanges, want %d", step, len(got), len(whole))
		}
		for i := range got {
			g, w := got[i].Response, whole[i].Response
			if g.Header.Range != w.Header.Range || g.Body.Range != w.Body.Range || len(g.Interim) != len(w.Interim) || g.BodyBytes != w.BodyBytes {
				t.Errorf("step %d, response %d: header %v body %v (%d interim, %d bytes); whole: %v %v (%d, %d)", step, i,
					g.Header.Range, g.Body.Range, len(g.Interim), g.BodyBytes, w.Header.Range, w.Body.Range, len(w.Interim), w.BodyBytes)
			}
		}
	}
}
