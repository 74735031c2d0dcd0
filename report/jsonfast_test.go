package report

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/segscope/segscope/analyze"
	"github.com/segscope/segscope/capture"
	"github.com/segscope/segscope/internal/synth"
	"github.com/segscope/segscope/keylog"
)

// refJSONStream is writeJSONStream as it was before the reflection-free
// encoder: every element through encoding/json. The fast path must write
// the same bytes.
func refJSONStream(w io.Writer, doc any, key string, next func() (any, bool)) error {
	head, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return err
	}
	marker := []byte("\n  \"" + key + "\": []")
	i := bytes.Index(head, marker)
	bw := bufio.NewWriterSize(w, 1<<16)
	bw.Write(head[:i])
	fmt.Fprintf(bw, "\n  %q: [", key)
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("    ", "  ")
	first := true
	for {
		v, ok := next()
		if !ok {
			break
		}
		buf.Reset()
		if err := enc.Encode(v); err != nil {
			return err
		}
		if !first {
			bw.WriteByte(',')
		}
		first = false
		bw.WriteString("\n    ")
		bw.Write(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
	}
	if !first {
		bw.WriteString("\n  ")
	}
	bw.WriteByte(']')
	bw.Write(head[i+len(marker):])
	bw.WriteByte('\n')
	return bw.Flush()
}

// pcapResults analyzes every capture in pcaps/ (with its key log when it
// has one) keeping every segment, and a synthetic one with
// retransmissions and super-segments.
func pcapResults(t *testing.T) map[string]*analyze.Result {
	t.Helper()
	out := map[string]*analyze.Result{}
	var files []string
	for _, pat := range []string{"*.pcap", "*.pcap.gz", "*.pcapng"} {
		m, _ := filepath.Glob(filepath.Join("..", "pcaps", pat))
		files = append(files, m...)
	}
	if len(files) < 10 {
		t.Fatalf("only %d captures in pcaps/", len(files))
	}
	// TLS inside a proxy's CONNECT tunnel: HTTP/1 and HTTP/2 within.
	for _, f := range []string{"proxy-tls12.pcap.gz", "proxy-h2.pcap.gz"} {
		files = append(files, filepath.Join("..", "explain", "testdata", "field", f))
	}
	for _, f := range files {
		ks := &keylog.Store{}
		k := strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(f, ".gz"), ".pcap"), ".pcapng") + ".keys"
		if _, err := os.Stat(k); err == nil {
			if err := ks.LoadFile(k); err != nil {
				t.Fatal(err)
			}
		}
		a := analyze.New(analyze.Options{Keys: ks, KeepSegments: func(*analyze.Connection) bool { return true }})
		src, err := capture.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		a.ReadAll(src) // a cut capture still has what was read
		src.Close()
		out[filepath.Base(f)] = a.Result()
	}
	b, _, err := synth.Bytes(synth.Config{Connections: 50, ReusedTuples: 10, ResponseBytes: 30000, Timestamps: true, SuperSegmentEvery: 5, RetransmitEvery: 7, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	src, _ := capture.NewReader("synth", bytes.NewReader(b), int64(len(b)))
	a := analyze.New(analyze.Options{KeepSegments: func(*analyze.Connection) bool { return true }})
	a.ReadAll(src)
	out["synth"] = a.Result()
	return out
}

// TestFastJSONMatchesEncodingJSON: the documents of `analyze --format
// json` and `segments --format json`, and the lines of jsonl, are byte
// for byte what encoding/json writes, on every capture in pcaps/.
func TestFastJSONMatchesEncodingJSON(t *testing.T) {
	for name, res := range pcapResults(t) {
		t.Run(name, func(t *testing.T) {
			a := Analysis{Result: res, Connections: res.Connections}
			var got, want bytes.Buffer
			if err := a.Write(&got, JSON); err != nil {
				t.Fatal(err)
			}
			i := 0
			refJSONStream(&want, a.jsonHead(), "connections", func() (any, bool) {
				if i == len(a.Connections) {
					return nil, false
				}
				i++
				return jsonConnOf(a.Connections[i-1], true), true
			})
			if got.String() != want.String() {
				t.Fatalf("analyze JSON differs from encoding/json's:\n%s", jsonDiff(got.String(), want.String()))
			}

			// jsonl: one compact line per connection.
			got.Reset()
			w := NewAnalysisJSONL(&got)
			want.Reset()
			for _, c := range res.Connections {
				w.Conn(c, nil)
				b, _ := json.Marshal(jsonConnOf(c, true))
				want.Write(append(b, '\n'))
			}
			w.w.Flush()
			if got.String() != want.String() {
				t.Fatalf("jsonl differs from encoding/json's:\n%s", jsonDiff(got.String(), want.String()))
			}
		})
	}
}

func jsonDiff(a, b string) string {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	lo := max(0, i-200)
	return fmt.Sprintf("at byte %d:\ngot:  %q\nwant: %q", i, a[lo:min(len(a), i+100)], b[lo:min(len(b), i+100)])
}

// TestJencStrings: strings that need escaping are escaped as
// encoding/json does, floats formatted alike.
func TestJencStrings(t *testing.T) {
	for _, s := range []string{"", "plain", "a\"b", "<html>&", "tab\tnl\n", "\x00\x1f", "é", "\u2028", "bad\xffutf8"} {
		e := &jenc{}
		e.str(s)
		want, _ := json.Marshal(s)
		if string(e.b) != string(want) {
			t.Errorf("%q: got %s, want %s", s, e.b, want)
		}
	}
	for _, f := range []float64{0, 1, -1.5, 0.001, 1e-7, 1.234e21, 123456.789, 1e20} {
		e := &jenc{}
		e.float(f)
		want, _ := json.Marshal(f)
		if string(e.b) != string(want) {
			t.Errorf("%v: got %s, want %s", f, e.b, want)
		}
	}
}
