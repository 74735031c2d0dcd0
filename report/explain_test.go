package report

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/segscope/segscope/analyze"
	"github.com/segscope/segscope/capture"
	"github.com/segscope/segscope/curltrace"
	"github.com/segscope/segscope/explain"
	"github.com/segscope/segscope/keylog"
	"github.com/segscope/segscope/report/prose"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

const pcapsDir = "../pcaps"

// explainPair explains pcaps/NAME.trace against its capture and key log
// (when there is one), as `segscope explain --keylog` does.
func explainPair(t testing.TB, name string, withKeys bool) Explanation {
	t.Helper()
	f, err := os.Open(filepath.Join(pcapsDir, name+".trace"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tr, err := curltrace.Parse(f, name+".trace")
	if err != nil {
		t.Fatal(err)
	}
	opts := explain.AnalyzeOptions(tr)
	if keys := filepath.Join(pcapsDir, name+".keys"); withKeys && exists(keys) {
		opts.Keys = &keylog.Store{}
		if err := opts.Keys.LoadFile(keys); err != nil {
			t.Fatal(err)
		}
	}
	path := ""
	for _, ext := range []string{".pcap", ".pcap.gz", ".pcapng"} {
		if p := filepath.Join(pcapsDir, name+ext); exists(p) {
			path = p
		}
	}
	src, err := capture.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	a := analyze.New(opts)
	var errs []error
	if err := a.ReadAll(src); err != nil {
		errs = append(errs, err) // truncated.pcap is cut short on purpose
	}
	res := a.Result()
	res.Sources = []string{filepath.Base(path)}
	return Explanation{Result: explain.Explain(tr, res), Capture: res, Errors: errs}
}

func exists(p string) bool { _, err := os.Stat(p); return err == nil }

// pairNames lists the traces in pcaps/ (each has its capture beside it).
func pairNames(t testing.TB) []string {
	files, err := filepath.Glob(filepath.Join(pcapsDir, "*.trace"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no traces in %s: %v", pcapsDir, err)
	}
	var out []string
	for _, f := range files {
		out = append(out, strings.TrimSuffix(filepath.Base(f), ".trace"))
	}
	return out
}

// TestExplainGolden renders every pair in pcaps/ as a table and as JSON
// and compares with testdata/explain/NAME.txt and NAME.json (go test
// ./report -update rewrites them).
func TestExplainGolden(t *testing.T) {
	for _, name := range pairNames(t) {
		t.Run(name, func(t *testing.T) {
			x := explainPair(t, name, true)
			for _, f := range []struct {
				format Format
				ext    string
			}{{Table, ".txt"}, {JSON, ".json"}} {
				var b bytes.Buffer
				if err := x.Write(&b, f.format); err != nil {
					t.Fatal(err)
				}
				golden(t, filepath.Join("testdata", "explain", name+f.ext), b.Bytes())
			}
		})
	}
}

func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test ./report -update writes it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the output (go test ./report -update rewrites it); first difference at line %d", path, firstDiff(got, want))
	}
}

func firstDiff(a, b []byte) int {
	la, lb := strings.Split(string(a), "\n"), strings.Split(string(b), "\n")
	for i := range min(len(la), len(lb)) {
		if la[i] != lb[i] {
			return i + 1
		}
	}
	return min(len(la), len(lb)) + 1
}

// The summary is computed from the events: no fixed sentence survives a
// transfer it does not fit.
func TestExplainSummaryIsComputed(t *testing.T) {
	for _, c := range []struct {
		name     string
		keys     bool
		want     []string
		dontWant []string
	}{
		// curl 7.88 over HTTP/2: the record's DATA less two frame headers.
		{"https-h2", true, []string{"16366 = 16384 - 2 x 9"}, []string{"ssl_buffer_size", "records hold 16366"}},
		// curl 8: 8192 is nginx's DATA frame, not a record size.
		{"h2-tls12-curl8", true, []string{"whole HTTP/2 DATA frames", "(8192 at line 224: its choice, or what curl's flow-control window let through)", "bytes 0-8174 of a 8192-byte frame, in a record of 16384 bytes"}, []string{"16366", "ssl_buffer_size", "8192-byte records"}},
		// Without keys curl 8's reads are inferred from the records: the
		// two reads of a record add up to it less two frame headers; the
		// key log is what would make it certain. No record size is
		// claimed from the frame size, and no read is called a record's.
		{"h2-tls13-curl8", false, []string{"2 reads, 16366 bytes = 16384 - 2 x 9", "pass the key log with --keylog", "--trace-config http/2"}, []string{"8192-byte records", "one TLS record each"}},
		// 1388 without timestamps is not claimed to be timestamps.
		{"mtu1440-nots", false, []string{"1400 (MSS in the", "no TCP options on data segments) = 1400", "an MTU of 1440 gives"}, []string{"timestamps option", "- 12"}},
		{"ipv6-mtu1460", false, []string{"MSS 1400 on IPv6 is what an MTU of 1460 gives", "1400 (MSS in the client's SYN) - 12 (timestamps option) = 1388"}, []string{"IPv4"}},
		// Records chosen by the server.
		{"ssl-buffer-1388", true, []string{"72 of them were whole records of 1388 bytes of plaintext, 1405 after the record header (17 of overhead with TLS 1.3"}, nil},
		{"https-tls12", true, []string{"one TLS record each", "16384 bytes of plaintext, the most TLS allows, 16408 after the record header (24 of overhead with TLS 1.2"}, []string{"chose that record size"}},
		{"limit-rate-curl8", false, []string{"paused to hold --limit-rate", "(51200 bytes)"}, nil},
		{"notime-curl8", false, []string{"no times (curl without --trace-time)"}, []string{"before the read"}},
		{"h2-tls13-snap200", true, []string{"a capture of whole packets: tcpdump -s 0"}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			x := explainPair(t, c.name, c.keys)
			var b bytes.Buffer
			if err := x.Write(&b, Table); err != nil {
				t.Fatal(err)
			}
			out := b.String()
			summary := out[strings.Index(out, "Summary:"):strings.Index(out, "\nCauses:")]
			for _, w := range c.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, summary)
				}
			}
			for _, w := range c.dontWant {
				if strings.Contains(summary, w) {
					t.Errorf("summary says %q:\n%s", w, summary)
				}
			}
		})
	}
}

// The JSON carries each event's facts with their sources, its confidence
// and what it needs.
func TestExplainJSONFacts(t *testing.T) {
	x := explainPair(t, "h2-tls12-curl8", true)
	var b bytes.Buffer
	if err := x.Write(&b, JSON); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Schema string `json:"schema"`
		Events []struct {
			Direction  string `json:"direction"`
			Kind       string `json:"kind"`
			Size       int    `json:"size"`
			Cause      string `json:"cause"`
			Confidence string `json:"confidence"`
			Why        string `json:"why"`
			Facts      struct {
				Layer  string `json:"layer"`
				Frames *struct {
					Source string `json:"source"`
					Shape  string `json:"shape"`
				} `json:"frames"`
				Record *struct {
					Source   string `json:"source"`
					Overhead int    `json:"overhead"`
					Version  string `json:"version"`
				} `json:"record"`
			} `json:"facts"`
		} `json:"events"`
	}
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Schema != ExplainSchema || len(doc.Events) != 20 {
		t.Fatalf("schema %s, %d events", doc.Schema, len(doc.Events))
	}
	// The request head comes first: curl's HTTP/1-style rendering of the
	// HEADERS frame, which the decryption found on the wire.
	h := doc.Events[0]
	if h.Direction != "send" || h.Kind != "Send header" || h.Cause != "request-header" || h.Confidence != "certain" ||
		h.Facts.Frames == nil || h.Facts.Frames.Source != "key log" || !strings.Contains(h.Why, "HEADERS frame") {
		t.Errorf("request head: %+v", h)
	}
	e := doc.Events[1]
	if e.Direction != "recv" || e.Kind != "Recv data" {
		t.Errorf("second event is not the first read: %+v", e)
	}
	if e.Size != 8192 || e.Cause != "h2-frames" || e.Confidence != "certain" || e.Facts.Layer != "h2-tls" ||
		e.Facts.Frames == nil || e.Facts.Frames.Source != "key log" || e.Facts.Frames.Shape != "whole-frames" ||
		e.Facts.Record == nil || e.Facts.Record.Overhead != 24 || e.Facts.Record.Version != "TLS 1.2" || e.Why == "" {
		t.Errorf("first event: %+v", e)
	}
}

// Every pair renders in every format with the key log, without it and
// from the trace alone: no fact a sentence needs is ever missing.
func TestExplainEveryMode(t *testing.T) {
	for _, name := range pairNames(t) {
		for _, mode := range []string{"keys", "no keys", "trace only"} {
			x := explainPair(t, name, mode == "keys")
			if mode == "trace only" {
				x = Explanation{Result: explain.Explain(x.Result.Trace, nil)}
			}
			for _, f := range []Format{Table, JSON, CSV} {
				var b bytes.Buffer
				if err := x.Write(&b, f); err != nil {
					t.Fatalf("%s (%s): %v", name, mode, err)
				}
			}
			for _, e := range x.Result.Events {
				if w := prose.Why(e); strings.Contains(w, "%!") || strings.Contains(w, "#-1") {
					t.Errorf("%s (%s) line %d: %s", name, mode, e.Line, w)
				}
			}
		}
	}
}
