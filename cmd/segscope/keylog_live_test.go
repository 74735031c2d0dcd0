package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/segscope/segscope/analyze"
	"github.com/segscope/segscope/capture"
	"github.com/segscope/segscope/tlsdec"
)

// curl8 is curl 8.14, installed beside curl 7.88 by .ci/install-curl8.sh.
func curl8(t *testing.T) string {
	t.Helper()
	bin := os.Getenv("SEGSCOPE_CURL8")
	if bin == "" {
		bin = "/opt/segscope/curl-8.14/bin/curl"
	}
	if _, err := exec.LookPath(bin); err != nil {
		// CI (SEGSCOPE_LIVE_TESTS=1) installs it and must fail without
		// it; a fresh machine with only Go skips, as for every tool.
		if os.Getenv("SEGSCOPE_LIVE_TESTS") == "1" {
			t.Fatalf("curl 8 is needed (bash .ci/install-curl8.sh): %v", err)
		}
		t.Skipf("curl 8 is not installed (bash .ci/install-curl8.sh; SEGSCOPE_LIVE_TESTS=1 makes this a failure): %v", err)
	}
	return bin
}

// TestCurlKeepDecrypts fetches over HTTP/2 and TLS with curl 7.88 and
// 8.14 under 'segscope curl --keep': the kept pcapng carries curl's key
// log in a Decryption Secrets Block, so segscope (with no --keylog) and
// tshark (with no key file) both decrypt it, and the DATA frames add up
// to the body.
func TestCurlKeepDecrypts(t *testing.T) {
	needLive(t)
	body := bytes.Repeat([]byte("segscope"), 1<<17) // 1 MiB
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.Write(body)
	}))
	srv.EnableHTTP2 = true
	srv.StartTLS()
	t.Cleanup(srv.Close)
	for _, c := range []struct{ name, bin string }{{"curl7.88", "curl"}, {"curl8.14", curl8(t)}} {
		bin := c.bin
		t.Run(c.name, func(t *testing.T) {
			keep := t.TempDir()
			code, out, errs := runCmd(t, nil, "curl", "--curl", bin, "-o", "json", "--keep", keep, "--", "-sk", "--http2", "-o", os.DevNull, srv.URL+"/big")
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errs)
			}
			// The explanation was made with curl's keys: every read is
			// placed on decrypted DATA frames, none left "cannot tell".
			var doc struct {
				Events []struct {
					Line       int    `json:"line"`
					Size       int    `json:"size"`
					Cause      string `json:"cause"`
					Confidence string `json:"confidence"`
				} `json:"events"`
			}
			if err := json.Unmarshal([]byte(out), &doc); err != nil {
				t.Fatalf("%v:\n%s", err, out)
			}
			if len(doc.Events) == 0 {
				t.Fatal("no events explained")
			}
			for _, e := range doc.Events {
				if e.Confidence == "cannot tell" || e.Cause == "unknown" {
					t.Errorf("line %d (%d bytes): %s, %s", e.Line, e.Size, e.Cause, e.Confidence)
				}
			}
			keys, err := os.ReadFile(filepath.Join(keep, "keys.txt"))
			if err != nil || len(keys) == 0 {
				t.Fatalf("curl wrote no key log: %v", err)
			}
			path := filepath.Join(keep, "capture.pcapng")
			src, err := capture.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			a := analyze.New(analyze.Options{}) // no key log given: the file's own
			if err := a.ReadAll(src); err != nil {
				t.Fatal(err)
			}
			logs := src.TLSKeyLogs()
			src.Close()
			if len(logs) != 1 || !bytes.Equal(logs[0], keys) {
				t.Fatalf("secrets blocks %d, first %d bytes; curl's key log %d bytes", len(logs), len(logs[0]), len(keys))
			}
			res := a.Result()
			if len(res.Connections) != 1 {
				t.Fatalf("%d connections", len(res.Connections))
			}
			app := res.Connections[0].App
			if app.TLSDec.Status() != tlsdec.Decrypted || app.Inner != analyze.ProtoH2 {
				t.Fatalf("%v, inner %q", app.TLSDec.Status(), app.Inner)
			}
			var data int64
			for _, f := range app.H2[analyze.ServerToClient].Frames() {
				if f.Type == 0 {
					data += int64(f.Length)
				}
			}
			if data != int64(len(body)) {
				t.Errorf("segscope: DATA frames carry %d bytes, the body is %d", data, len(body))
			}
			// tshark, given no key file, decrypts from the block too.
			tout, err := exec.Command("tshark", "-n", "-r", path, "-o", "tls.keylog_file:", "-Y", "http2.type == 0", "-T", "fields", "-e", "http2.length").Output()
			if err != nil {
				t.Fatalf("tshark: %v", err)
			}
			var tsum int64
			for _, l := range strings.Fields(strings.ReplaceAll(string(tout), ",", " ")) {
				n, _ := strconv.ParseInt(l, 10, 64)
				tsum += n
			}
			if tsum != int64(len(body)) {
				t.Errorf("tshark: DATA frames carry %d bytes, the body is %d", tsum, len(body))
			}
		})
	}
}
