package analyze_test

import (
	"bytes"
	"crypto/tls"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/segscope/segscope/analyze"
	"github.com/segscope/segscope/capture"
	"github.com/segscope/segscope/internal/synth"
	"github.com/segscope/segscope/keylog"
	"github.com/segscope/segscope/report"
)

// render analyzes the sources with n workers and renders the JSON and
// CSV documents.
func render(t *testing.T, n int, keys string, open func() []capture.Source) string {
	t.Helper()
	ks := &keylog.Store{}
	if keys != "" {
		if err := ks.LoadFile(keys); err != nil {
			t.Fatal(err)
		}
	}
	a := analyze.New(analyze.Options{Workers: n, Keys: ks})
	for _, src := range open() {
		a.ReadAll(src) // a cut capture keeps what was read
		src.Close()
	}
	res := a.Result()
	var out bytes.Buffer
	for _, f := range []report.Format{report.JSON, report.CSV} {
		if err := (report.Analysis{Result: res, Connections: res.Connections}).Write(&out, f); err != nil {
			t.Fatal(err)
		}
	}
	return out.String()
}

// TestWorkersMatchOne: N workers write the very bytes one writes, on every
// capture in pcaps/ (with its key log, or the keys inside a pcapng file),
// on all of them read as one capture, and on generated ones (port reuse,
// retransmissions, super-segments, TLS).
func TestWorkersMatchOne(t *testing.T) {
	var files []string
	for _, pat := range []string{"*.pcap", "*.pcap.gz", "*.pcapng"} {
		m, _ := filepath.Glob(filepath.Join("..", "pcaps", pat))
		files = append(files, m...)
	}
	if len(files) < 10 {
		t.Fatalf("only %d captures", len(files))
	}
	openFiles := func(paths ...string) func() []capture.Source {
		return func() []capture.Source {
			var out []capture.Source
			for _, p := range paths {
				src, err := capture.Open(p)
				if err != nil {
					t.Fatal(err)
				}
				out = append(out, src)
			}
			return out
		}
	}
	check := func(name, keys string, open func() []capture.Source) {
		t.Run(name, func(t *testing.T) {
			one := render(t, 1, keys, open)
			for _, n := range []int{2, 5} {
				if got := render(t, n, keys, open); got != one {
					t.Fatalf("%d workers differ from one:\n%s", n, firstLineDiff(got, one))
				}
			}
		})
	}
	for _, f := range files {
		keys := strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(f, ".gz"), ".pcap"), ".pcapng") + ".keys"
		if _, err := os.Stat(keys); err != nil {
			keys = ""
		}
		check(filepath.Base(f), keys, openFiles(f))
	}
	check("all as one", "", openFiles(files...))

	cli, srv, tlsKeys, err := synth.TLSSession(tls.VersionTLS13, 100000)
	if err != nil {
		t.Fatal(err)
	}
	kf := filepath.Join(t.TempDir(), "keys")
	os.WriteFile(kf, []byte(tlsKeys), 0o644)
	for name, cfg := range map[string]synth.Config{
		"many-flows": {Connections: 3000, ReusedTuples: 500, ResponseBytes: 3000, Timestamps: true, RetransmitEvery: 5, SuperSegmentEvery: 4, Seed: 8},
		"tls":        {Connections: 20, Request: cli, Response: srv, Timestamps: true, Seed: 9},
	} {
		b, _, err := synth.Bytes(cfg)
		if err != nil {
			t.Fatal(err)
		}
		keys := ""
		if name == "tls" {
			keys = kf
		}
		check(name, keys, func() []capture.Source {
			src, _ := capture.NewReader(name, bytes.NewReader(b), int64(len(b)))
			return []capture.Source{src}
		})
	}
}

func firstLineDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := range min(len(al), len(bl)) {
		if al[i] != bl[i] {
			return "line " + al[i] + "\nwant " + bl[i]
		}
	}
	return "lengths differ"
}
