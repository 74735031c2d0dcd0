package analyze_test

import (
	"bytes"
	"crypto/tls"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/segscope/segscope/analyze"
	"github.com/segscope/segscope/bench/hostile"
	"github.com/segscope/segscope/capture"
	"github.com/segscope/segscope/internal/synth"
	"github.com/segscope/segscope/keylog"
	"github.com/segscope/segscope/report"
)

// render analyzes the sources with n workers and renders the JSON and
// CSV documents.
func render(t *testing.T, n int, keys string, open func() []capture.Source) string {
	return renderWith(t, n, keys, open, analyze.Options{})
}

func renderWith(t *testing.T, n int, keys string, open func() []capture.Source, opts analyze.Options) string {
	t.Helper()
	ks := &keylog.Store{}
	if keys != "" {
		if err := ks.LoadFile(keys); err != nil {
			t.Fatal(err)
		}
	}
	opts.Workers, opts.Keys = n, ks
	a := analyze.New(opts)
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

// renderStreamed analyzes the sources with n workers, streaming with the
// given bounds, and writes each connection as it is handed over (jsonl, in
// that order, and the JSON document), then the result's counts.
func renderStreamed(t *testing.T, n int, keys string, open func() []capture.Source, opts analyze.Options) string {
	t.Helper()
	ks := &keylog.Store{}
	if keys != "" {
		if err := ks.LoadFile(keys); err != nil {
			t.Fatal(err)
		}
	}
	var lines, doc bytes.Buffer
	jl, js := report.NewAnalysisJSONL(&lines), report.NewAnalysisJSONStream(&doc)
	var firsts []int64
	opts.Workers, opts.Keys = n, ks
	opts.Done = func(c *analyze.Connection, ws []analyze.Warning, first int64) {
		firsts = append(firsts, first)
		if err := jl.Conn(c, ws); err != nil {
			t.Error(err)
		}
		if err := js.Conn(c, ws); err != nil {
			t.Error(err)
		}
	}
	a := analyze.New(opts)
	for _, src := range open() {
		a.ReadAll(src)
		src.Close()
	}
	res := a.Result()
	if len(res.Connections) != 0 || res.Streamed != len(firsts) {
		t.Fatalf("%d workers: %d connections kept, %d streamed, %d handed over", n, len(res.Connections), res.Streamed, len(firsts))
	}
	if err := jl.Close(res, nil); err != nil {
		t.Fatal(err)
	}
	if err := js.Close(res, nil); err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%s\n%s\nfirst %v\nlive %d idle %d evicted %d\n", lines.String(), doc.String(), firsts, res.MaxLiveSeen, res.IdleEnded, res.Evicted)
}

// openFiles opens the captures at paths, anew at each call.
func openFiles(t *testing.T, paths ...string) func() []capture.Source {
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

// TestWorkersMatchOne: N workers write the very bytes one writes, on every
// capture in pcaps/ (with its key log, or the keys inside a pcapng file),
// on all of them read as one capture, and on generated ones (port reuse,
// retransmissions, super-segments, TLS); streamed too, in the order one
// worker hands the connections over, with the bounds that end them early.
func TestWorkersMatchOne(t *testing.T) {
	var files []string
	for _, pat := range []string{"*.pcap", "*.pcap.gz", "*.pcapng"} {
		m, _ := filepath.Glob(filepath.Join("..", "pcaps", pat))
		files = append(files, m...)
	}
	if len(files) < 10 {
		t.Fatalf("only %d captures", len(files))
	}
	streamings := []analyze.Options{
		{},
		{CloseGrace: time.Millisecond, IdleTimeout: 50 * time.Millisecond, MaxLive: 7},
	}
	check := func(name, keys string, open func() []capture.Source) {
		t.Run(name, func(t *testing.T) {
			one := render(t, 1, keys, open)
			for _, n := range []int{2, 5} {
				if got := render(t, n, keys, open); got != one {
					t.Fatalf("%d workers differ from one:\n%s", n, firstLineDiff(got, one))
				}
			}
			for i, opts := range streamings {
				one := renderStreamed(t, 1, keys, open, opts)
				for _, n := range []int{2, 5} {
					if got := renderStreamed(t, n, keys, open, opts); got != one {
						t.Fatalf("streamed with bounds %d: %d workers differ from one:\n%s", i, n, firstLineDiff(got, one))
					}
				}
			}
		})
	}
	for _, f := range files {
		keys := strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(f, ".gz"), ".pcap"), ".pcapng") + ".keys"
		if _, err := os.Stat(keys); err != nil {
			keys = ""
		}
		check(filepath.Base(f), keys, openFiles(t, f))
	}
	check("all as one", "", openFiles(t, files...))
	check("late-fin", "", openFiles(t, "testdata/late-fin.pcap")) // late packets for a tomb

	// A SYN flood: with MaxLive 7 nearly every connection is evicted.
	var flood bytes.Buffer
	if err := hostile.Write(&flood, hostile.Config{Kind: hostile.SYNFlood, Count: 3000}); err != nil {
		t.Fatal(err)
	}
	check("synflood", "", func() []capture.Source {
		src, _ := capture.NewReader("synflood", bytes.NewReader(flood.Bytes()), int64(flood.Len()))
		return []capture.Source{src}
	})

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

// TestWorkersMatchOneAtTheBound: floods of segments after gaps and out of
// any window hit the whole capture's reassembly bound (1 MiB here) many
// times; which connection finds it hit decides gaps, their reasons and
// packets. With one count shared by the shards that followed the order in
// which they ran, and differed from one goroutine's and from run to run
// (30 hits against 35); with the bound in shares by flow, each share's
// connections on one shard, it is the same bytes every time.
func TestWorkersMatchOneAtTheBound(t *testing.T) {
	for _, cfg := range []hostile.Config{
		{Kind: hostile.Gaps, Count: 20000, Conns: 50},
		{Kind: hostile.OutOfWindow, Count: 20000, Conns: 20},
	} {
		var buf bytes.Buffer
		if err := hostile.Write(&buf, cfg); err != nil {
			t.Fatal(err)
		}
		open := func() []capture.Source {
			src, _ := capture.NewReader(string(cfg.Kind), bytes.NewReader(buf.Bytes()), int64(buf.Len()))
			return []capture.Source{src}
		}
		opts := analyze.Options{MaxBufferedTotal: 1 << 20}
		one := renderWith(t, 1, "", open, opts)
		if !strings.Contains(one, "reassembly bound for the whole capture") {
			t.Fatalf("%s: the bound was not hit", cfg.Kind)
		}
		for _, n := range []int{2, 3, 5, 5, 8} {
			if got := renderWith(t, n, "", open, opts); got != one {
				t.Fatalf("%s: %d workers differ from one:\n%s", cfg.Kind, n, firstLineDiff(got, one))
			}
		}
	}
}
