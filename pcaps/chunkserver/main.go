// Command chunkserver is a tiny HTTP server used by pcaps/make.sh to record
// captures of chunked responses.
//
// GET /chunked?n=20&size=1000&every=5ms writes size bytes n times, flushing
// after each write and sleeping every between writes. Because the handler
// flushes before it returns and sets no Content-Length, net/http sends the
// body with Transfer-Encoding: chunked, one chunk per write.
//
// The body is deterministic: byte i of the body is "0123456789abcdef"[i%16],
// so the de-chunked body of n*size bytes always has the same SHA-256.
package main

import (
	"flag"
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

func main() {
	listen := flag.String("listen", "127.0.0.1:8081", "address to listen on")
	flag.Parse()
	mux := http.NewServeMux()
	mux.HandleFunc("/chunked", chunked)
	srv := &http.Server{Addr: *listen, Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	log.Fatal(srv.ListenAndServe())
}
