package main

import (
	"bytes"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/segscope/segscope/internal/testtool"

	"github.com/segscope/segscope/analyze"
	"github.com/segscope/segscope/capture"
	"github.com/segscope/segscope/curltrace"
)

// needLive skips a live-capture test only where capturing cannot work and
// nobody asked for it: CI sets SEGSCOPE_LIVE_TESTS=1, so there a missing
// permission fails the test instead.
func needLive(t *testing.T) {
	t.Helper()
	if !canCapture {
		t.Skip("live capture needs Linux")
	}
	testtool.Need(t, "curl")
	if os.Geteuid() != 0 && os.Getenv("SEGSCOPE_LIVE_TESTS") != "1" {
		t.Skip("live capture needs root (or SEGSCOPE_LIVE_TESTS=1 to fail instead of skipping)")
	}
}

// liveServer serves /big (1 MB, Content-Length) and /chunked (20 writes of
// 1000 bytes, flushed) on 127.0.0.1, in clear text or TLS.
func liveServer(t *testing.T, useTLS bool) *httptest.Server { return liveServerProto(t, useTLS, false) }

// liveServerProto is liveServer, offering HTTP/2 (ALPN h2) when h2.
func liveServerProto(t *testing.T, useTLS, h2 bool) *httptest.Server {
	body := bytes.Repeat([]byte("0123456789abcdef"), 1<<16)
	mux := http.NewServeMux()
	mux.HandleFunc("/big", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", fmt.Sprint(len(body)))
		w.Write(body)
	})
	mux.HandleFunc("/chunked", func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i < 20; i++ {
			w.Write(body[:1000])
			w.(http.Flusher).Flush()
			time.Sleep(2 * time.Millisecond)
		}
	})
	mux.HandleFunc("/up", func(w http.ResponseWriter, r *http.Request) {
		n, _ := io.Copy(io.Discard, r.Body)
		fmt.Fprintf(w, "%d\n", n)
	})
	srv := httptest.NewUnstartedServer(mux)
	srv.EnableHTTP2 = h2
	if useTLS {
		srv.StartTLS()
	} else {
		srv.Start()
	}
	t.Cleanup(srv.Close)
	return srv
}

// TestCurlExplainsEveryRead runs the real curl under 'segscope curl'
// against a real server and checks that every Recv data event of the
// trace is placed on the capture and given a cause.
func TestCurlExplainsEveryRead(t *testing.T) {
	needLive(t)
	plain, secure := liveServer(t, false), liveServer(t, true)
	for _, tc := range []struct {
		name, url string
		extra     []string
		causes    []string
	}{
		{"plain", plain.URL + "/big", nil, []string{"backlog", "buffer-cap", "body-end", "after-headers", "short-segment", "full-segment", "window-full"}},
		{"chunked", plain.URL + "/chunked", nil, []string{"chunk-write", "short-segment", "after-headers", "backlog", "body-end"}},
		{"https", secure.URL + "/big", []string{"-k", "--http1.1"}, []string{"tls-record"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			keep := t.TempDir()
			args := append([]string{"curl", "-o", "json", "--keep", keep, "--", "-s", "-o", os.DevNull}, tc.extra...)
			code, out, errs := runCmd(t, nil, append(args, tc.url)...)
			if code != 0 {
				t.Fatalf("exit %d, stderr %s", code, errs)
			}
			var doc map[string]any
			if err := json.Unmarshal([]byte(out), &doc); err != nil {
				t.Fatalf("%v:\n%s", err, out)
			}
			trace, err := os.ReadFile(filepath.Join(keep, "trace.txt"))
			if err != nil {
				t.Fatal(err)
			}
			recv, sent := 0, 0
			for _, l := range strings.Split(string(trace), "\n") {
				if strings.Contains(l, "<= Recv data, ") && !strings.Contains(l, "Recv data, 0 bytes") {
					recv++
				}
				if strings.Contains(l, "=> Send header, ") || strings.Contains(l, "=> Send data, ") {
					sent++
				}
			}
			var events []any
			sends := 0
			for _, e := range doc["events"].([]any) {
				if e.(map[string]any)["direction"] == "send" {
					sends++
					continue
				}
				events = append(events, e)
			}
			if len(events) != recv || recv == 0 || sends != sent || sent == 0 {
				t.Fatalf("%d reads and %d sends explained, the trace has %d Recv data and %d Send lines", len(events), sends, recv, sent)
			}
			for _, e := range events {
				ev := e.(map[string]any)
				cause := ev["cause"].(string)
				ok := false
				for _, c := range tc.causes {
					ok = ok || c == cause
				}
				if !ok || ev["conn"].(float64) < 0 || len(ev["segments"].([]any)) == 0 {
					t.Errorf("line %v (%v bytes): cause %s, conn %v, %d segments: %v", ev["line"], ev["size"], cause, ev["conn"], len(ev["segments"].([]any)), ev["why"])
				}
			}
			if !strings.Contains(errs, "0 dropped by the kernel") {
				t.Errorf("stderr: %q", errs)
			}
			// The kept capture reads back and holds the transfer.
			src, err := capture.Open(filepath.Join(keep, "capture.pcapng"))
			if err != nil {
				t.Fatal(err)
			}
			a := analyze.New(analyze.Options{})
			if err := a.ReadAll(src); err != nil {
				t.Fatal(err)
			}
			src.Close()
			if res := a.Result(); len(res.Connections) != 1 || res.Connections[0].Dir(analyze.ServerToClient).PayloadBytes < 20000 {
				t.Errorf("kept capture: %d connections", len(res.Connections))
			}
		})
	}
}

// TestSniffSeesEachPacketOnce captures loopback while a client fetches,
// and checks the count against the -w file and the absence of duplicates
// (the outgoing copies of loopback packets are dropped in the kernel).
func TestSniffSeesEachPacketOnce(t *testing.T) {
	needLive(t)
	srv := liveServer(t, false)
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	file := filepath.Join(t.TempDir(), "sniff.pcapng")
	done := make(chan struct{})
	go func() {
		defer close(done)
		time.Sleep(500 * time.Millisecond) // let the capture start
		for i := 0; i < 3; i++ {
			resp, err := (&http.Client{Transport: &http.Transport{DisableKeepAlives: true, TLSClientConfig: &tls.Config{}}}).Get(srv.URL + "/big")
			if err == nil {
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		}
	}()
	code, out, errs := runCmd(t, nil, "sniff", "-i", "lo", "--port", port, "--duration", "3s", "-w", file, "-o", "json", "-q")
	<-done
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	conns := doc["connections"].([]any)
	if len(conns) != 3 {
		t.Fatalf("%d connections, want 3", len(conns))
	}
	for _, c := range conns {
		d := c.(map[string]any)["directions"].(map[string]any)["server_to_client"].(map[string]any)
		// Duplicates are the point (the outgoing copies of lo are dropped
		// in the kernel); a real resend on lo is rare but happens on a
		// loaded machine, and a copy counted twice would be a duplicate.
		if d["duplicate_segments"].(float64) != 0 || d["retransmitted_segments"].(float64) > 2 || d["payload_bytes"].(float64) < 1<<20 {
			t.Errorf("server direction: %v duplicates, %v retransmissions, %v bytes", d["duplicate_segments"], d["retransmitted_segments"], d["payload_bytes"])
		}
	}
	packets := int(doc["capture"].(map[string]any)["packets"].(float64))
	src, err := capture.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for {
		if _, err := src.ReadPacket(); err != nil {
			break
		}
		n++
	}
	if n != packets || !strings.Contains(errs, fmt.Sprintf("%d written to", packets)) {
		t.Errorf("-w file holds %d packets, the analysis %d; stderr %q", n, packets, errs)
	}
}

func TestLiveErrors(t *testing.T) {
	needLive(t)
	code, _, errs := runCmd(t, nil, "sniff", "-i", "nosuchif0", "--duration", "1s")
	if code != 1 || !strings.Contains(errs, "nosuchif0") || !strings.Contains(errs, "lo") {
		t.Errorf("unknown interface: exit %d, %q", code, errs)
	}
	code, _, errs = runCmd(t, nil, "curl", "--curl", "no-such-curl", "--", "http://127.0.0.1:9/")
	if code != 1 || !strings.Contains(errs, "no-such-curl not found") {
		t.Errorf("curl missing: exit %d, %q", code, errs)
	}
	code, _, errs = runCmd(t, nil, "sniff", "-i", "lo", "-f", "tcp port 80")
	if code != 1 || !strings.Contains(errs, "-tags pcap") {
		t.Errorf("filter expression: exit %d, %q", code, errs)
	}
	// curl failing (nothing listens on port 9): its status passes through
	// and the capture is still reported.
	code, out, errs := runCmd(t, nil, "curl", "--", "-s", "http://127.0.0.1:9/")
	if code != 7 || !strings.Contains(errs, "curl exited with status 7") && !strings.Contains(out, "curl exited with status 7") {
		t.Errorf("curl failing: exit %d, stdout %q, stderr %q", code, out, errs)
	}
}

// TestCurlTwoServers fetches from two servers on two ports in one curl
// command: the capture's filter takes both, and each trace connection is
// matched to its own capture connection, every read placed.
func TestCurlTwoServers(t *testing.T) {
	needLive(t)
	a, b := liveServer(t, false), liveServer(t, false)
	code, out, errs := runCmd(t, nil, "curl", "-o", "json", "--", "-s", "-o", os.DevNull, "-o", os.DevNull, a.URL+"/chunked", b.URL+"/big")
	if code != 0 {
		t.Fatalf("exit %d, stderr %s", code, errs)
	}
	var doc struct {
		Matches []struct {
			Conn int `json:"conn"`
		} `json:"matches"`
		Problems []any `json:"problems"`
		Events   []struct {
			Line      int    `json:"line"`
			Direction string `json:"direction"`
			Conn      int    `json:"conn"`
			Size      int    `json:"size"`
			Cause     string `json:"cause"`
		} `json:"events"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("%v:\n%s", err, out)
	}
	if len(doc.Matches) != 2 || len(doc.Problems) != 0 {
		t.Fatalf("%d trace connections matched, problems %v", len(doc.Matches), doc.Problems)
	}
	bytesOn := map[int]int{}
	for _, e := range doc.Events {
		if e.Direction != "recv" {
			continue
		}
		if e.Conn < 0 || e.Cause == "unmatched" || e.Cause == "missing" {
			t.Errorf("line %d (%d bytes): conn %d, %s", e.Line, e.Size, e.Conn, e.Cause)
		}
		bytesOn[e.Conn] += e.Size
	}
	// /chunked is 20 x 1000 bytes with chunk framing; /big is 1 MiB.
	if len(bytesOn) != 2 || bytesOn[doc.Matches[1].Conn] != 1<<20 || bytesOn[doc.Matches[0].Conn] < 20000 {
		t.Errorf("bytes read per capture connection %v", bytesOn)
	}
}

// TestCurlResolve: curl told where a name is with --resolve (a name no
// resolver knows) is captured where it connects, and every read explained
// (it had failed with "no such host").
func TestCurlResolve(t *testing.T) {
	needLive(t)
	srv := liveServer(t, false)
	port := srv.URL[strings.LastIndex(srv.URL, ":")+1:]
	code, out, errs := runCmd(t, nil, "curl", "-o", "json", "--", "-s", "-o", os.DevNull,
		"--resolve", "segscope.invalid:"+port+":127.0.0.1", "http://segscope.invalid:"+port+"/big")
	if code != 0 {
		t.Fatalf("exit %d, stderr %s", code, errs)
	}
	var doc struct {
		Matches []any `json:"matches"`
		Events  []struct {
			Direction string `json:"direction"`
			Size      int    `json:"size"`
			Cause     string `json:"cause"`
		} `json:"events"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("%v:\n%s", err, out)
	}
	total := 0
	for _, e := range doc.Events {
		if e.Direction != "recv" {
			continue
		}
		total += e.Size
		if e.Cause == "unmatched" || e.Cause == "missing" {
			t.Errorf("a %d-byte read: %s", e.Size, e.Cause)
		}
	}
	if len(doc.Matches) != 1 || total != 1<<20 {
		t.Errorf("%d matches, %d bytes read", len(doc.Matches), total)
	}
	// Forgetting the -- : curl's options are not segscope's, and it says so.
	code, _, errs = runCmd(t, nil, "curl", "-s", "-o", os.DevNull, "http://127.0.0.1:"+port+"/big")
	if code != 2 || !strings.Contains(errs, "curl's arguments go after --") {
		t.Errorf("without --: exit %d, stderr %q", code, errs)
	}
}

// TestCurlExplainsUpload uploads a file under 'segscope curl' with curl
// 7.88 and 8.14, over HTTP/1.1 and HTTPS: every Send line of the trace is
// an event, the body's sends add up to the file, the full ones are curl's
// 65536-byte upload buffer and the last the body's end, and in the clear
// each send is placed on the client's stream where the bytes before it
// end.
func TestCurlExplainsUpload(t *testing.T) {
	needLive(t)
	plain, secure, h2 := liveServer(t, false), liveServer(t, true), liveServerProto(t, true, true)
	file := filepath.Join(t.TempDir(), "body.bin")
	const size = 300000 // 4 x 65536 + 37856
	if err := os.WriteFile(file, bytes.Repeat([]byte("upload!\n"), size/8), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, curl, url string
		extra           []string
	}{
		{"7.88", "curl", plain.URL, nil},
		{"8.14", curl8(t), plain.URL, nil},
		{"8.14-https", curl8(t), secure.URL, []string{"-k", "--http1.1"}},
		// HTTP/2 over TLS: segscope curl keeps the key log, so each send
		// is placed on the DATA frames that carried it.
		{"8.14-h2", curl8(t), h2.URL, []string{"-k", "--http2"}},
		{"7.88-h2", "curl", h2.URL, []string{"-k", "--http2"}},
		// PUT of the file (-T) rather than a POST of it.
		{"8.14-put", curl8(t), plain.URL, []string{"-T", file}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			keep := t.TempDir()
			upload := []string{"--data-binary", "@" + file}
			if slices.Contains(tc.extra, "-T") {
				upload = nil
			}
			args := append(append([]string{"curl", "-o", "json", "--curl", tc.curl, "--keep", keep, "--", "-s", "-o", os.DevNull}, upload...), tc.extra...)
			code, out, errs := runCmd(t, nil, append(args, tc.url+"/up")...)
			if code != 0 {
				t.Fatalf("exit %d, stderr %s", code, errs)
			}
			var doc struct {
				Events []struct {
					Direction string `json:"direction"`
					Kind      string `json:"kind"`
					Size      int    `json:"size"`
					Start     int64  `json:"start"`
					End       int64  `json:"end"`
					Cause     string `json:"cause"`
					Why       string `json:"why"`
					Segments  []any  `json:"segments"`
				} `json:"events"`
				Summary struct {
					Sends struct {
						Buffer   *int `json:"upload_buffer"`
						Requests []struct {
							Body int64 `json:"body"`
						} `json:"requests"`
					} `json:"sends"`
				} `json:"summary"`
			}
			if err := json.Unmarshal([]byte(out), &doc); err != nil {
				t.Fatalf("%v:\n%s", err, out)
			}
			trace, err := os.ReadFile(filepath.Join(keep, "trace.txt"))
			if err != nil {
				t.Fatal(err)
			}
			lines := strings.Count(string(trace), "=> Send header, ") + strings.Count(string(trace), "=> Send data, ")
			var body, sent int64
			sends := 0
			causes := map[string]int{}
			for _, e := range doc.Events {
				if e.Direction != "send" {
					continue
				}
				sends++
				causes[e.Cause]++
				if e.Cause == "unknown" {
					t.Logf("%s of %d bytes: %s", e.Kind, e.Size, e.Why)
				}
				if len(e.Segments) == 0 {
					t.Errorf("%s of %d bytes: no segments", e.Kind, e.Size)
				}
				if e.Kind == "Send data" {
					body += int64(e.Size)
				}
				if tc.url == plain.URL && e.Start != sent {
					t.Errorf("%s of %d bytes at %d, the sends before it end at %d", e.Kind, e.Size, e.Start, sent)
				}
				sent += int64(e.Size)
			}
			if sends != lines || body != size || causes["request-header"] != 1 || causes["body-end"] != 1 || causes["upload-buffer"] < 3 || causes["unknown"] > 0 {
				t.Errorf("%d sends (trace: %d lines), body %d, causes %v", sends, lines, body, causes)
			}
			if b := doc.Summary.Sends.Buffer; b == nil || *b != 65536 || len(doc.Summary.Sends.Requests) != 1 || doc.Summary.Sends.Requests[0].Body != size {
				t.Errorf("summary: buffer %v, requests %+v", b, doc.Summary.Sends.Requests)
			}
		})
	}
}

// TestCurlVerbose: a -v among curl's arguments does not replace the
// trace segscope asks for (review 16: curl keeps the last of -v and
// --trace, and there was no trace to explain, exit 1).
func TestCurlVerbose(t *testing.T) {
	needLive(t)
	srv := liveServer(t, false)
	code, out, errs := runCmd(t, nil, "curl", "-o", "json", "--", "-s", "-o", os.DevNull, srv.URL+"/big", "-v")
	if code != 0 {
		t.Fatalf("exit %d, stderr %s", code, errs)
	}
	var doc struct {
		Events []struct {
			Direction string `json:"direction"`
			Size      int    `json:"size"`
		} `json:"events"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("%v:\n%s", err, out)
	}
	recv := 0
	for _, e := range doc.Events {
		if e.Direction == "recv" {
			recv += e.Size
		}
	}
	if recv != 1<<20 { // liveServer's /big
		t.Fatalf("%d bytes of reads explained, want 1048576", recv)
	}
}

// TestCurlKeepsUserFiles: what review 32 found lost. --keep . kept the
// trace and key log but threw the capture away (the work directory's
// path, "./.segscope-run-N", never equalled the capture's cleaned one);
// curl's own download named like a kept file was replaced by it; the
// user's SSLKEYLOGFILE got none of the run's keys.
func TestCurlKeepsUserFiles(t *testing.T) {
	needLive(t)
	srv := liveServer(t, true)
	dir := t.TempDir()
	t.Chdir(dir)
	userKeys := filepath.Join(dir, "user.keys")
	t.Setenv("SSLKEYLOGFILE", userKeys)
	code, _, errs := runCmd(t, nil, "curl", "--keep", ".", "--", "-sk", "-o", os.DevNull, srv.URL+"/big")
	if code != 0 {
		t.Fatalf("--keep .: exit %d, stderr %s", code, errs)
	}
	for _, f := range []string{"capture.pcapng", "trace.txt", "keys.txt"} {
		if st, err := os.Stat(filepath.Join(dir, f)); err != nil || st.Size() == 0 {
			t.Errorf("--keep .: %s: %v", f, err)
		}
	}
	kept, _ := os.ReadFile(filepath.Join(dir, "keys.txt"))
	got, _ := os.ReadFile(userKeys)
	if len(kept) == 0 || !bytes.Equal(got, kept) {
		t.Errorf("SSLKEYLOGFILE holds %d bytes, the run's key log %d: want the same keys", len(got), len(kept))
	}
	// curl's download where --keep puts segscope's trace: refused before
	// anything runs, and nothing is written there.
	code, _, errs = runCmd(t, nil, "curl", "--keep", "out", "--", "-sk", "--create-dirs", "-o", "out/trace.txt", srv.URL+"/big")
	if code != 2 || !strings.Contains(errs, "curl writes out/trace.txt (-o out/trace.txt)") {
		t.Errorf("-o into --keep: exit %d, stderr %q", code, errs)
	}
	if _, err := os.Stat(filepath.Join(dir, "out", "trace.txt")); err == nil {
		t.Error("-o into --keep: out/trace.txt was written")
	}
	code, _, errs = runCmd(t, nil, "curl", "--keep", ".", "--", "-skO", srv.URL+"/keys.txt")
	if code != 2 || !strings.Contains(errs, "curl writes keys.txt") {
		t.Errorf("-O keys.txt into --keep .: exit %d, stderr %q", code, errs)
	}
	// The same file by an absolute path or through .. (review 33).
	for _, out := range []string{filepath.Join(dir, "capture.pcapng"), filepath.Join("..", filepath.Base(dir), "keys.txt")} {
		before, _ := os.ReadFile(filepath.Join(dir, filepath.Base(out)))
		code, _, errs = runCmd(t, nil, "curl", "--keep", ".", "--", "-sk", "-o", out, srv.URL+"/big")
		after, _ := os.ReadFile(filepath.Join(dir, filepath.Base(out)))
		if code != 2 || !strings.Contains(errs, "curl writes "+out) || !bytes.Equal(before, after) {
			t.Errorf("-o %s into --keep .: exit %d, stderr %q", out, code, errs)
		}
	}
	// Review 36. The user's key log as the kept keys.txt; --html onto
	// curl's download; a trace.txt there that is no earlier run's: each
	// refused before the run, the file as it was.
	if err := os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("mine\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SSLKEYLOGFILE", filepath.Join(dir, "keys.txt"))
	code, _, errs = runCmd(t, nil, "curl", "--keep", ".", "--", "-sk", "-o", os.DevNull, srv.URL+"/big")
	if code != 2 || !strings.Contains(errs, "SSLKEYLOGFILE is") {
		t.Errorf("SSLKEYLOGFILE = kept keys.txt: exit %d, stderr %q", code, errs)
	}
	t.Setenv("SSLKEYLOGFILE", userKeys)
	code, _, errs = runCmd(t, nil, "curl", "--html", "notes.txt", "--", "-sk", "-o", "notes.txt", srv.URL+"/big")
	if b, _ := os.ReadFile(filepath.Join(dir, "notes.txt")); code != 2 || string(b) != "mine\n" || !strings.Contains(errs, "--html would replace") {
		t.Errorf("--html onto curl's -o: exit %d, stderr %q", code, errs)
	}
	// Review 40: --keep naming a file.
	code, _, errs = runCmd(t, nil, "curl", "--keep", "notes.txt", "--", "-sk", "-o", os.DevNull, srv.URL+"/big")
	if b, _ := os.ReadFile(filepath.Join(dir, "notes.txt")); code != 2 || string(b) != "mine\n" || !strings.Contains(errs, "--keep notes.txt: is a file, not a directory") {
		t.Errorf("--keep FILE: exit %d, stderr %q", code, errs)
	}
	other := t.TempDir()
	if err := os.WriteFile(filepath.Join(other, "trace.txt"), []byte("my notes\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errs = runCmd(t, nil, "curl", "--keep", other, "--", "-sk", "-o", os.DevNull, srv.URL+"/big")
	if b, _ := os.ReadFile(filepath.Join(other, "trace.txt")); code != 2 || string(b) != "my notes\n" || !strings.Contains(errs, "is not an earlier segscope run's") {
		t.Errorf("a trace.txt of the user's in --keep: exit %d, stderr %q", code, errs)
	}
	// A name the command line does not show (a glob's #1): curl's file
	// stays, segscope's goes beside it.
	globDir := t.TempDir()
	code, stdout, _ := runCmd(t, nil, "curl", "--keep", globDir, "--", "-sk", "-o", filepath.Join(globDir, "#1.txt"), srv.URL+"/{trace}")
	if b, _ := os.ReadFile(filepath.Join(globDir, "trace.txt")); curltrace.LooksLikeTrace(b) || !strings.Contains(stdout, "was written during the run") {
		t.Errorf("a glob's trace.txt: exit %d, trace.txt %.40q, report %s", code, b, stdout)
	}
	if b, _ := os.ReadFile(filepath.Join(globDir, "trace.txt.segscope")); !curltrace.LooksLikeTrace(b) {
		t.Errorf("segscope's trace not kept beside curl's: %.40q", b)
	}
	// curl's own -- (every argument after it a URL): segscope's trace
	// options go before it (review 33: taken for URLs, exit 6).
	code, _, errs = runCmd(t, nil, "curl", "--", "-sk", "-o", os.DevNull, "--", srv.URL+"/big")
	if code != 0 || !strings.Contains(errs, "packets captured") {
		t.Errorf("curl's --: exit %d, stderr %q", code, errs)
	}
}
