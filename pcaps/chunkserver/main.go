// Command chunkserver is a tiny HTTP server used by pcaps/make.sh to record
// captures of chunked responses and of the less common HTTP/1.x exchanges.
//
// GET /chunked?n=20&size=1000&every=5ms writes size bytes n times, flushing
// after each write and sleeping every between writes. Because the handler
// flushes before it returns and sets no Content-Length, net/http sends the
// body with Transfer-Encoding: chunked, one chunk per write.
//
// The body is deterministic: byte i of the body is "0123456789abcdef"[i%16],
// so the de-chunked body of n*size bytes always has the same SHA-256.
//
// The other handlers:
//
//	POST /upload             reads the whole request body, answers 200 with
//	                         "N\n" (N = bytes read); net/http sends
//	                         "100 Continue" first when the request had
//	                         "Expect: 100-continue"
//	GET /nocontent           204 No Content
//	GET /notmodified         304 if If-None-Match or If-Modified-Since is
//	                         present, else 200 with an ETag and a small body
//	GET /close?size=N&piece=10000&every=5ms
//	                         N bytes of the hex-digit pattern in pieces of
//	                         piece bytes, Flush after each, no Content-Length:
//	                         to an HTTP/1.0 request net/http can not chunk, so
//	                         the body ends when the server closes the connection
//	GET /upgrade?size=2000   hijacks the connection, writes "101 Switching
//	                         Protocols" (Upgrade: websocket), then size raw
//	                         bytes (byte i = i%256) in a second write, and closes
package main

import (
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"strconv"
	"time"
)

const pattern = "0123456789abcdef"

func intParam(r *http.Request, name string, def, max int) (int, bool) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return def, true
	}
	v, err := strconv.Atoi(s)
	if err != nil || v < 0 || v > max {
		return 0, false
	}
	return v, true
}

func chunked(w http.ResponseWriter, r *http.Request) {
	n, ok1 := intParam(r, "n", 20, 100000)
	size, ok2 := intParam(r, "size", 1000, 1<<20)
	every := 5 * time.Millisecond
	if s := r.URL.Query().Get("every"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d < 0 || d > 10*time.Second {
			ok1 = false
		}
		every = d
	}
	if !ok1 || !ok2 {
		http.Error(w, "bad parameters", http.StatusBadRequest)
		return
	}
	flusher, ok := w.(http.Flusher)
	if !ok {
		http.Error(w, "streaming unsupported", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	buf := make([]byte, size)
	pos := 0
	for i := 0; i < n; i++ {
		for j := range buf {
			buf[j] = pattern[(pos+j)%len(pattern)]
		}
		pos += size
		if _, err := w.Write(buf); err != nil {
			return
		}
		flusher.Flush()
		if i+1 < n && every > 0 {
			time.Sleep(every)
		}
	}
}

func upload(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost && r.Method != http.MethodPut {
		w.Header().Set("Allow", "POST, PUT")
		http.Error(w, "POST or PUT", http.StatusMethodNotAllowed)
		return
	}
	// Reading the body makes net/http answer "Expect: 100-continue".
	n, err := io.Copy(io.Discard, r.Body)
	if err != nil {
		http.Error(w, "reading body: "+err.Error(), http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "text/plain")
	fmt.Fprintf(w, "%d\n", n)
}

func nocontent(w http.ResponseWriter, r *http.Request) {
	w.WriteHeader(http.StatusNoContent)
}

const notModifiedBody = "segscope notmodified body\n"

func notmodified(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("ETag", `"segscope-1"`)
	w.Header().Set("Last-Modified", "Mon, 01 Jan 2024 00:00:00 GMT")
	if r.Header.Get("If-None-Match") != "" || r.Header.Get("If-Modified-Since") != "" {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("Content-Type", "text/plain")
	w.Header().Set("Content-Length", strconv.Itoa(len(notModifiedBody)))
	io.WriteString(w, notModifiedBody)
}

func closeDelimited(w http.ResponseWriter, r *http.Request) {
	size, ok1 := intParam(r, "size", 50000, 1<<26)
	piece, ok2 := intParam(r, "piece", 10000, 1<<20)
	every := 5 * time.Millisecond
	if s := r.URL.Query().Get("every"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d < 0 || d > 10*time.Second {
			ok1 = false
		}
		every = d
	}
	if !ok1 || !ok2 || piece == 0 {
		http.Error(w, "bad parameters", http.StatusBadRequest)
		return
	}
	flusher, ok := w.(http.Flusher)
	if !ok {
		http.Error(w, "streaming unsupported", http.StatusInternalServerError)
		return
	}
	// No Content-Length: HTTP/1.0 gets a close-delimited body (HTTP/1.1 would
	// get chunked encoding instead).
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Connection", "close")
	buf := make([]byte, piece)
	for pos := 0; pos < size; {
		k := min(piece, size-pos)
		for j := 0; j < k; j++ {
			buf[j] = pattern[(pos+j)%len(pattern)]
		}
		if _, err := w.Write(buf[:k]); err != nil {
			return
		}
		flusher.Flush()
		pos += k
		if pos < size && every > 0 {
			time.Sleep(every)
		}
	}
}

func upgrade(w http.ResponseWriter, r *http.Request) {
	size, ok := intParam(r, "size", 2000, 1<<20)
	if !ok {
		http.Error(w, "bad parameters", http.StatusBadRequest)
		return
	}
	hj, ok := w.(http.Hijacker)
	if !ok {
		http.Error(w, "hijacking unsupported", http.StatusInternalServerError)
		return
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	defer conn.Close()
	hdr := "HTTP/1.1 101 Switching Protocols\r\n" +
		"Upgrade: websocket\r\n" +
		"Connection: Upgrade\r\n\r\n"
	if _, err := io.WriteString(conn, hdr); err != nil {
		return
	}
	time.Sleep(20 * time.Millisecond) // the raw bytes go in their own segment
	raw := make([]byte, size)
	for i := range raw {
		raw[i] = byte(i % 256)
	}
	conn.Write(raw)
	time.Sleep(20 * time.Millisecond)
}

func main() {
	listen := flag.String("listen", "127.0.0.1:8081", "address to listen on")
	flag.Parse()
	mux := http.NewServeMux()
	mux.HandleFunc("/chunked", chunked)
	mux.HandleFunc("/upload", upload)
	mux.HandleFunc("/nocontent", nocontent)
	mux.HandleFunc("/notmodified", notmodified)
	mux.HandleFunc("/close", closeDelimited)
	mux.HandleFunc("/upgrade", upgrade)
	srv := &http.Server{Addr: *listen, Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	log.Fatal(srv.ListenAndServe())
}
