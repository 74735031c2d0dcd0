package analyze_test

import (
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/segscope/segscope/analyze"
	"github.com/segscope/segscope/capture"
)

// TestRangesMatchInOrder: a file decoded in ranges on several goroutines
// gives the very bytes (JSON and CSV, and streamed: the order connections
// are handed over in) that reading it in order gives, on every capture in
// pcaps/ (the gzip ones unpacked, so they have ranges; with their key
// logs), on all of them read as one capture, with ranges from a few bytes
// (most hold no record's start, or a wrong guess) to the default, and
// with flow shards behind.
func TestRangesMatchInOrder(t *testing.T) {
	dir := t.TempDir()
	var files []string
	m, _ := filepath.Glob("../pcaps/*.pcap")
	files = append(files, m...)
	gz, _ := filepath.Glob("../pcaps/*.pcap.gz")
	for _, g := range gz {
		files = append(files, gunzipTo(t, g, dir))
	}
	if len(files) < 40 {
		t.Fatalf("only %d captures", len(files))
	}
	open := func(paths ...string) func() []capture.Source {
		return func() []capture.Source {
			out := openFiles(t, paths...)()
			for _, src := range out {
				if src.(*capture.File).Ranges() == nil {
					t.Fatalf("%s has no ranges", src.Name())
				}
			}
			return out
		}
	}
	type way struct {
		decoders, workers int
		size              int64
	}
	ways := []way{{2, 1, 0}, {3, 1, 1500}, {2, 1, 97}, {2, 3, 4096}}
	check := func(name, keys string, open func() []capture.Source) {
		t.Run(name, func(t *testing.T) {
			one := renderWith(t, 1, keys, open, analyze.Options{Decoders: 1})
			for _, w := range ways {
				got := renderWith(t, w.workers, keys, open, analyze.WithRangeSize(analyze.Options{Decoders: w.decoders}, w.size))
				if got != one {
					t.Fatalf("%+v differs from reading in order:\n%s", w, firstLineDiff(got, one))
				}
			}
			bounds := analyze.Options{CloseGrace: time.Millisecond, IdleTimeout: 50 * time.Millisecond, MaxLive: 7}
			for _, opts := range []analyze.Options{{}, bounds} {
				in := opts
				in.Decoders = 1
				one := renderStreamed(t, 1, keys, open, in)
				got := renderStreamed(t, 1, keys, open, analyze.WithRangeSize(analyze.Options{Decoders: 2, CloseGrace: opts.CloseGrace, IdleTimeout: opts.IdleTimeout, MaxLive: opts.MaxLive}, 1000))
				if got != one {
					t.Fatalf("streamed %+v: ranges differ from reading in order:\n%s", opts, firstLineDiff(got, one))
				}
			}
		})
	}
	for _, f := range files {
		base := strings.TrimSuffix(filepath.Base(f), ".pcap")
		keys := filepath.Join("..", "pcaps", base+".keys")
		if _, err := os.Stat(keys); err != nil {
			keys = ""
		}
		check(filepath.Base(f), keys, open(f))
	}
	check("all as one", "", open(files...))
}

// gunzipTo unpacks a .gz file into dir.
func gunzipTo(t *testing.T, path, dir string) string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, strings.TrimSuffix(filepath.Base(path), ".gz"))
	w, err := os.Create(out)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(w, zr); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestRangesWrongGuess: a range that begins inside a packet carrying a
// pcap file (curl downloading one over lo: analyze/testdata/pcap-in-pcap.pcap)
// finds the inner file's records first, a chain of valid headers that is
// not the outer file's; the range before tells where it really begins,
// and the range is read again from there: the output is the one read in
// order, and the guesses were wrong (so this test tests the confirming).
func TestRangesWrongGuess(t *testing.T) {
	const path = "testdata/pcap-in-pcap.pcap"
	open := openFiles(t, path)
	one := renderWith(t, 1, "", open, analyze.Options{Decoders: 1})
	a := analyze.New(analyze.WithRangeSize(analyze.Options{Decoders: 2}, 1000))
	src := open()[0]
	if err := a.ReadAll(src); err != nil {
		t.Fatal(err)
	}
	src.Close()
	// 68545 bytes in ranges of 1000: 65 of them start inside the two
	// 32834-byte records, which hold inner records of 66-77 bytes.
	if n := analyze.Rereads(a); n < 40 {
		t.Fatalf("%d ranges read again, want most of the 65 inside the big records", n)
	}
	if got := renderWith(t, 1, "", open, analyze.WithRangeSize(analyze.Options{Decoders: 2}, 1000)); got != one {
		t.Fatalf("differs from reading in order:\n%s", firstLineDiff(got, one))
	}
	// tshark: 16 frames; the server's segments' tcp.len add up to 67104.
	res := a.Result()
	if res.Packets != 16 || len(res.Connections) != 1 || res.Connections[0].Dirs[analyze.ServerToClient].PayloadBytes != 67104 {
		t.Fatalf("%d packets, %d connections", res.Packets, len(res.Connections))
	}
}
