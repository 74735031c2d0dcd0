package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/segscope/segscope/bench/hostile"
)

// pcapFiles lists the captures in pcaps/, with the key log beside each
// when there is one.
func pcapFiles(t *testing.T) (files []string, keys map[string]string) {
	t.Helper()
	keys = map[string]string{}
	for _, pat := range []string{"*.pcap", "*.pcap.gz", "*.pcapng"} {
		m, err := filepath.Glob(filepath.Join(pcaps, pat))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	sort.Strings(files)
	if len(files) < 10 {
		t.Fatalf("only %d captures in %s", len(files), pcaps)
	}
	for _, f := range files {
		k := strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(f, ".gz"), ".pcap"), ".pcapng") + ".keys"
		if _, err := os.Stat(k); err == nil {
			keys[f] = k
		}
	}
	return files, keys
}

// jsonLines decodes one JSON value per line.
func jsonLines(t *testing.T, out string) []map[string]any {
	t.Helper()
	var recs []map[string]any
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(nil, 64<<20)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("line %d: %v: %.200s", len(recs)+1, err, sc.Text())
		}
		recs = append(recs, m)
	}
	return recs
}

// TestJSONLMatchesJSON checks, on every capture in pcaps/ (decrypted with
// its key log when it has one), that `analyze --format jsonl` streams the
// very connection objects of `--format json`, its warnings, and the
// same totals; and that `segments --format jsonl` streams the segments of
// `segments --format json`.
func TestJSONLMatchesJSON(t *testing.T) {
	files, keys := pcapFiles(t)
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			args := []string{"-q", f}
			if k := keys[f]; k != "" {
				args = append(args, "--keylog", k)
			}
			code, out, stderr := runCmd(t, nil, append([]string{"analyze", "--format", "json"}, args...)...)
			codeL, outL, stderrL := runCmd(t, nil, append([]string{"analyze", "--format", "jsonl"}, args...)...)
			if code != codeL || stderr != stderrL {
				t.Fatalf("json: exit %d %q; jsonl: exit %d %q", code, stderr, codeL, stderrL)
			}
			var doc map[string]any
			if err := json.Unmarshal([]byte(out), &doc); err != nil {
				t.Fatal(err)
			}
			want := map[float64]any{}
			for _, c := range doc["connections"].([]any) {
				want[c.(map[string]any)["id"].(float64)] = c
			}
			recs := jsonLines(t, outL)
			if len(recs) == 0 {
				t.Fatal("no output")
			}
			sum := recs[len(recs)-1]
			if sum["record"] != "summary" {
				t.Fatalf("last record is not the summary: %v", sum)
			}
			got := map[float64]any{}
			var warnings []any
			for _, r := range recs[:len(recs)-1] {
				switch r["record"] {
				case nil:
					got[r["id"].(float64)] = r
				case "warning":
					w := map[string]any{"conn": r["conn"], "text": r["text"]}
					if d, ok := r["direction"]; ok {
						w["direction"] = d
					}
					warnings = append(warnings, w)
				default:
					t.Fatalf("unexpected record %v", r)
				}
			}
			if len(got) != len(want) {
				t.Fatalf("jsonl has %d connections, json %d", len(got), len(want))
			}
			for id, c := range want {
				if !reflect.DeepEqual(got[id], c) {
					a, _ := json.Marshal(c)
					b, _ := json.Marshal(got[id])
					t.Fatalf("connection %v differs:\njson:  %s\njsonl: %s", id, a, b)
				}
			}
			warnings = append(warnings, sum["warnings"].([]any)...)
			if !sameMultiset(warnings, doc["warnings"].([]any)) {
				t.Errorf("warnings differ:\njson:  %v\njsonl: %v", doc["warnings"], warnings)
			}
			for _, k := range []string{"packets", "tcp_packets", "connections_total", "malformed_packets", "start", "duration_s"} {
				if a, b := dig(t, doc, "capture", k), dig(t, sum, "capture", k); a != b {
					t.Errorf("capture.%s: json %v, jsonl %v", k, a, b)
				}
			}

			// segments, in the same way.
			_, out, _ = runCmd(t, nil, append([]string{"segments", "--format", "json"}, args...)...)
			_, outL, _ = runCmd(t, nil, append([]string{"segments", "--format", "jsonl"}, args...)...)
			if err := json.Unmarshal([]byte(out), &doc); err != nil {
				t.Fatal(err)
			}
			recs = jsonLines(t, outL)
			segs := doc["segments"].([]any)
			if len(recs) != len(segs)+1 {
				t.Fatalf("segments: jsonl %d records, json %d segments", len(recs), len(segs))
			}
			var gotSegs []any
			for _, r := range recs[:len(recs)-1] {
				gotSegs = append(gotSegs, r)
			}
			if !sameMultiset(gotSegs, segs) {
				t.Errorf("segments differ")
			}
		})
	}
}

// sameMultiset compares two lists regardless of order.
func sameMultiset(a, b []any) bool {
	key := func(l []any) []string {
		var out []string
		for _, v := range l {
			j, _ := json.Marshal(v)
			out = append(out, string(j))
		}
		sort.Strings(out)
		return out
	}
	return fmt.Sprint(key(a)) == fmt.Sprint(key(b))
}

// TestStreamFormatFlags: parquet needs a directory, segments has no
// parquet, and parquet writes its four files.
func TestStreamFormatFlags(t *testing.T) {
	f := pcaps + "lo-http.pcap"
	if code, _, stderr := runCmd(t, nil, "analyze", "--format", "parquet", f); code != 2 || !strings.Contains(stderr, "-w DIR") {
		t.Errorf("parquet without -w: exit %d, %q", code, stderr)
	}
	if code, _, stderr := runCmd(t, nil, "segments", "--format", "parquet", f); code != 2 || !strings.Contains(stderr, "analyze --format parquet") {
		t.Errorf("segments parquet: exit %d, %q", code, stderr)
	}
	dir := t.TempDir()
	if code, _, stderr := runCmd(t, nil, "analyze", "-q", "--format", "parquet", "-w", dir, f); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, name := range []string{"connections.parquet", "segments.parquet", "http.parquet", "tls_records.parquet"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil || len(b) < 8 || string(b[:4]) != "PAR1" || string(b[len(b)-4:]) != "PAR1" {
			t.Errorf("%s: not a Parquet file (%v)", name, err)
		}
	}
	if code, _, _ := runCmd(t, nil, "analyze", "--format", "jsonl", "missing.pcap"); code == 0 {
		t.Errorf("a missing capture: exit 0")
	}
}

// TestWorkersFlag: --workers gives the output of one worker, in every
// format (jsonl in the order connections end).
func TestWorkersFlag(t *testing.T) {
	for cpus, want := range map[int]int{1: 1, 2: 1, 3: 2, 8: 7, 64: 8} {
		if got := autoWorkers(cpus); got != want {
			t.Errorf("--workers 0 on %d CPUs: %d shards, want %d", cpus, got, want)
		}
	}
	for _, f := range []string{pcaps + "lo-keepalive.pcap", pcaps + "mtu1440-tso.pcap.gz", pcaps + "h2-tls13-dsb.pcapng"} {
		for _, format := range []string{"table", "json", "csv", "jsonl"} {
			_, one, _ := runCmd(t, nil, "analyze", "-q", "--format", format, "--workers", "1", f)
			if len(one) < 100 {
				t.Fatalf("%s --format %s: %q", f, format, one)
			}
			for _, n := range []string{"0", "3"} {
				if _, got, _ := runCmd(t, nil, "analyze", "-q", "--format", format, "--workers", n, f); got != one {
					t.Errorf("%s --format %s --workers %s differs from one worker", f, format, n)
				}
			}
		}
		// Parquet keeps every segment: the shards keep them too.
		files := map[string][]byte{}
		for _, n := range []string{"1", "3"} {
			dir := t.TempDir()
			if code, _, stderr := runCmd(t, nil, "analyze", "-q", "--format", "parquet", "-w", dir, "--workers", n, f); code != 0 {
				t.Fatalf("%s parquet --workers %s: exit %d, %s", f, n, code, stderr)
			}
			for _, name := range []string{"connections.parquet", "segments.parquet"} {
				b, err := os.ReadFile(filepath.Join(dir, name))
				if err != nil || len(b) < 1000 {
					t.Fatalf("%s: %d bytes, %v", name, len(b), err)
				}
				if one, ok := files[name]; ok && !bytes.Equal(one, b) {
					t.Errorf("%s parquet --workers %s: %s differs from one worker's", f, n, name)
				}
				files[name] = b
			}
		}
	}
}

// countingReader counts the bytes read from r (by the capture's read-ahead
// goroutine, which may still be ending when the command returns).
type countingReader struct {
	r io.Reader
	n atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

type fullWriter struct{}

func (fullWriter) Write([]byte) (int, error) { return 0, errors.New("no space left on device") }

// TestStreamedWriteFailureStops: once the output cannot be written, the
// analysis stops at its next packet instead of reading the rest of its
// input (a tcpdump pipe into a full disk ran until tcpdump ended).
func TestStreamedWriteFailureStops(t *testing.T) {
	var flood bytes.Buffer
	if err := hostile.Write(&flood, hostile.Config{Kind: hostile.SYNFlood, Count: 300000}); err != nil {
		t.Fatal(err)
	}
	total := flood.Len()
	for _, workers := range []string{"1", "3"} {
		in := &countingReader{r: bytes.NewReader(flood.Bytes())}
		var errb bytes.Buffer
		code := run([]string{"analyze", "-q", "--format", "jsonl", "--max-live", "1000", "--workers", workers, "-"}, in, fullWriter{}, &errb)
		if code != 1 || !strings.Contains(errb.String(), "no space left") {
			t.Errorf("--workers %s: exit %d, %q", workers, code, errb.String())
		}
		if n := in.n.Load(); n > int64(total/2) {
			t.Errorf("--workers %s: read %d of %d bytes after the output failed", workers, n, total)
		}
	}
}

// TestCloseGraceHoldsCleanClose: analyze writes a connection whose FINs
// were both acknowledged at once and reports what still came for it as
// late (analyze/testdata/late-fin.pcap: curl's FIN resent five times
// after the last ACK was dropped past tcpdump); --close-grace given holds
// it whole for the grace, and counts them in it, as the table does;
// segments, which lists every segment, always holds it.
func TestCloseGraceHoldsCleanClose(t *testing.T) {
	const f = "../../analyze/testdata/late-fin.pcap"
	for _, tc := range []struct {
		args    []string
		packets []float64
		late    string
	}{
		{nil, []float64{13, 2}, "8 packets came for connection 0 after it had closed"},
		{[]string{"--close-grace", "2s"}, []float64{21, 2}, ""},
	} {
		code, out, stderr := runCmd(t, nil, append(append([]string{"analyze", "-q", "-o", "json"}, tc.args...), f)...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", tc.args, code, stderr)
		}
		var doc struct {
			Connections []struct{ Packets float64 }
			Warnings    []struct{ Text string }
		}
		if err := json.Unmarshal([]byte(out), &doc); err != nil {
			t.Fatal(err)
		}
		var packets []float64
		for _, c := range doc.Connections {
			packets = append(packets, c.Packets)
		}
		if !reflect.DeepEqual(packets, tc.packets) {
			t.Errorf("%v: packets %v, want %v", tc.args, packets, tc.packets)
		}
		if tc.late == "" && len(doc.Warnings) != 0 || tc.late != "" && (len(doc.Warnings) != 1 || !strings.HasPrefix(doc.Warnings[0].Text, tc.late)) {
			t.Errorf("%v: warnings %+v, want %q", tc.args, doc.Warnings, tc.late)
		}
	}
	// segments lists every one of the 23 packets tshark reads (in two
	// connections: 22 and 23 came past the grace).
	code, out, stderr := runCmd(t, nil, "segments", "-q", "-o", "jsonl", f)
	if n := strings.Count(out, `{"packet":`); code != 0 || n != 23 {
		t.Errorf("segments: exit %d, %d segments, want 23: %s", code, n, stderr)
	}
}
