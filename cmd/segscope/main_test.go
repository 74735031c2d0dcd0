package main

import (
	"bytes"
	"encoding/binary"
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/pcapgo"

	"github.com/segscope/segscope/capture"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

const pcaps = "../../pcaps/"

// exec runs segscope with args and returns its exit status and output.
func runCmd(t *testing.T, stdin []byte, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(args, bytes.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./cmd/segscope -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("output differs from %s (rerun with -update if the change is intended):\n%s", path, got)
	}
}

// expectedFor reads what tshark recorded for a capture in pcaps/.
func expectedFor(t *testing.T, name string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(pcaps, "expected", strings.TrimSuffix(name, ".gz")+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// dig walks a decoded JSON document: dig(m, "connections", 0, "client").
func dig(t *testing.T, v any, path ...any) any {
	t.Helper()
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				t.Fatalf("%v: not an object at %q", path, k)
			}
			v, ok = m[k]
			if !ok {
				t.Fatalf("%v: no key %q", path, k)
			}
		case int:
			a, ok := v.([]any)
			if !ok || k >= len(a) {
				t.Fatalf("%v: no element %d", path, k)
			}
			v = a[k]
		}
	}
	return v
}

func TestAnalyzeTableGolden(t *testing.T) {
	for _, name := range []string{"mtu1440-ts.pcap.gz", "mtu1440-tso.pcap.gz", "vlan-qinq.pcap.gz"} {
		code, out, errs := runCmd(t, nil, "analyze", pcaps+name)
		if code != 0 || errs != "" {
			t.Fatalf("%s: exit %d, stderr %q", name, code, errs)
		}
		golden(t, "analyze-"+strings.TrimSuffix(name, ".pcap.gz")+".txt", out)
	}
}

func TestAnalyzeJSONMatchesTshark(t *testing.T) {
	for _, name := range []string{"mtu1440-ts.pcap.gz", "mtu1440-nots.pcap.gz", "ipv6-mtu1460.pcapng", "raw-ip.pcap"} {
		code, out, _ := runCmd(t, nil, "analyze", "--format", "json", pcaps+name)
		if code != 0 {
			t.Fatalf("%s: exit %d", name, code)
		}
		var doc map[string]any
		if err := json.Unmarshal([]byte(out), &doc); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		want := expectedFor(t, name)
		if dig(t, doc, "schema") != "segscope.analyze/1" || dig(t, doc, "source") != pcaps+name {
			t.Errorf("%s: schema %v source %v", name, doc["schema"], doc["source"])
		}
		if dig(t, doc, "capture", "packets") != dig(t, want, "frames") {
			t.Errorf("%s: packets %v, tshark %v", name, dig(t, doc, "capture", "packets"), dig(t, want, "frames"))
		}
		for _, k := range []string{"client", "server"} {
			if dig(t, doc, "connections", 0, k) != dig(t, want, "connections", 0, k) {
				t.Errorf("%s: %s %v, tshark %v", name, k, dig(t, doc, "connections", 0, k), dig(t, want, "connections", 0, k))
			}
		}
		for _, dir := range []string{"client_to_server", "server_to_client"} {
			got := dig(t, doc, "connections", 0, "directions", dir).(map[string]any)
			w := dig(t, want, "connections", 0, dir).(map[string]any)
			for _, k := range []string{"mss", "window_scale", "sack_permitted", "timestamps", "data_segments", "payload_bytes", "min_segment", "max_segment", "retransmitted_segments", "out_of_order_segments"} {
				if got[k] != w[k] {
					t.Errorf("%s %s: %s = %v, tshark %v", name, dir, k, got[k], w[k])
				}
			}
			// The effective MSS is the smaller MSS minus the option bytes tshark saw on data.
			mss := min(dig(t, want, "connections", 0, "client_to_server", "mss").(float64), dig(t, want, "connections", 0, "server_to_client", "mss").(float64))
			if eff := mss - w["option_bytes_on_data"].(float64); got["effective_mss"] != eff {
				t.Errorf("%s %s: effective_mss %v, want %v", name, dir, got["effective_mss"], eff)
			}
		}
	}
	// The 1388 arithmetic is spelled out for scripts too.
	_, out, _ := runCmd(t, nil, "analyze", "-o", "json", pcaps+"mtu1440-ts.pcap.gz")
	if !strings.Contains(out, `"effective_mss_arithmetic": "1400 (MSS in the client's SYN) - 12 (timestamps option) = 1388"`) {
		t.Errorf("no 1388 arithmetic in the JSON:\n%s", out)
	}
}

func TestAnalyzeCSV(t *testing.T) {
	code, out, _ := runCmd(t, nil, "analyze", "--format", "csv", pcaps+"vlan-qinq.pcap.gz")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := expectedFor(t, "vlan-qinq.pcap.gz")
	conns := dig(t, want, "connections").([]any)
	if len(rows) != 1+2*len(conns) || rows[0][0] != "id" {
		t.Fatalf("%d rows, want a header and %d", len(rows), 2*len(conns))
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	for i := range conns {
		row := rows[1+2*i+1] // server_to_client
		w := dig(t, want, "connections", i, "server_to_client").(map[string]any)
		if row[col["direction"]] != "server_to_client" || row[col["data_segments"]] != strconv.Itoa(int(w["data_segments"].(float64))) ||
			row[col["payload_bytes"]] != strconv.Itoa(int(w["payload_bytes"].(float64))) || row[col["effective_mss"]] != "1448" {
			t.Errorf("connection %d: %v; tshark %v", i, row, w)
		}
	}
}

func TestSegmentsListEveryDataSegment(t *testing.T) {
	code, out, _ := runCmd(t, nil, "segments", "--conn", "0", "--dir", "s2c", "--format", "csv", pcaps+"mtu1440-ts.pcap.gz")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	w := dig(t, expectedFor(t, "mtu1440-ts.pcap.gz"), "connections", 0, "server_to_client").(map[string]any)
	var packets, data, bytes, full int
	var lastEnd int64
	for _, r := range rows[1:] {
		packets++
		n, _ := strconv.Atoi(r[8])
		off, _ := strconv.ParseInt(r[7], 10, 64)
		if r[4] != "server_to_client" {
			t.Fatalf("row %v is not server_to_client", r)
		}
		if n > 0 {
			if off != lastEnd {
				t.Errorf("segment at offset %d, previous ended at %d", off, lastEnd)
			}
			lastEnd = off + int64(n)
			data++
			bytes += n
		}
		if r[12] == "full" {
			full++
			if n != 1388 {
				t.Errorf("a %d-byte segment classed full", n)
			}
		}
	}
	if packets != int(w["packets"].(float64)) || data != int(w["data_segments"].(float64)) || bytes != int(w["payload_bytes"].(float64)) {
		t.Errorf("listed %d packets, %d data, %d bytes; tshark %v %v %v", packets, data, bytes, w["packets"], w["data_segments"], w["payload_bytes"])
	}
	if full != int(w["sizes"].(map[string]any)["1388"].(float64)) {
		t.Errorf("%d full segments, tshark counts %v of 1388 bytes", full, w["sizes"])
	}

	// The table form lists the same segments.
	_, table, _ := runCmd(t, nil, "segments", "--conn", "0", "--dir", "s2c", pcaps+"mtu1440-ts.pcap.gz")
	if !strings.Contains(table, strconv.Itoa(packets)+" segments in 1 connection") {
		t.Errorf("table footer missing:\n%s", table)
	}
}

func TestStdinReadsTheSameCapture(t *testing.T) {
	b, err := os.ReadFile(pcaps + "mtu1440-ts.pcap.gz")
	if err != nil {
		t.Fatal(err)
	}
	_, fromFile, _ := runCmd(t, nil, "analyze", "-o", "csv", pcaps+"mtu1440-ts.pcap.gz")
	code, fromStdin, _ := runCmd(t, b, "analyze", "-o", "csv", "-")
	if code != 0 || fromStdin != fromFile || !strings.Contains(fromStdin, ",1388,") {
		t.Errorf("stdin (exit %d):\n%s\nfile:\n%s", code, fromStdin, fromFile)
	}
}

func TestTruncatedCaptureReportsThenFails(t *testing.T) {
	want := expectedFor(t, "truncated.pcap")
	frames := strconv.Itoa(int(want["frames"].(float64)))
	code, out, _ := runCmd(t, nil, "analyze", pcaps+"truncated.pcap")
	if code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	// The cut record's byte: past the file header and tshark's frames.
	raw, err := os.ReadFile(pcaps + "truncated.pcap")
	if err != nil {
		t.Fatal(err)
	}
	off := 24
	for range int(want["frames"].(float64)) {
		off += 16 + int(binary.LittleEndian.Uint32(raw[off+8:]))
	}
	wantErr := fmt.Sprintf("reading %struncated.pcap: packet %d (its record at byte %d): capture ends in the middle of a packet", pcaps, int(want["frames"].(float64))+1, off)
	if !strings.Contains(out, frames+" packets") || !strings.Contains(out, wantErr) {
		t.Errorf("report of the cut capture lacks %q or %q:\n%s", frames+" packets", wantErr, out)
	}
	code, out, errs := runCmd(t, nil, "analyze", "-o", "json", pcaps+"truncated.pcap")
	var doc map[string]any
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	if code != 1 || !strings.Contains(errs, wantErr) || !strings.Contains(dig(t, doc, "errors", 0).(string), wantErr) {
		t.Errorf("json: exit %d, stderr %q, errors %v", code, errs, doc["errors"])
	}
	if dig(t, doc, "capture", "packets") != want["frames"] {
		t.Errorf("packets %v, tshark read %v before the cut", dig(t, doc, "capture", "packets"), want["frames"])
	}
}

func TestErrorsAndExitCodes(t *testing.T) {
	dir := t.TempDir()
	text := filepath.Join(dir, "notes.txt")
	os.WriteFile(text, []byte("GET / HTTP/1.1\r\n"), 0o644)
	cases := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"analyze", filepath.Join(dir, "nope.pcap")}, 1, "nope.pcap: cannot open: no such file or directory"},
		{[]string{"analyze", text}, 1, `notes.txt: not a pcap or pcapng capture: it starts with bytes 47 45 54 20 ("GET ")`},
		{[]string{"analyze", "--format", "yaml", text}, 2, `--format "yaml": use table, json, csv, jsonl or parquet`},
		{[]string{"analyze", "--host", "example.com", text}, 2, `--host "example.com": not an IP address`},
		{[]string{"analyze", "--port", "70000", text}, 2, "--port 70000: not a TCP port"},
		{[]string{"segments", "--conn", "x", text}, 2, `--conn "x": not a connection ID`},
		{[]string{"segments", "--dir", "up", text}, 2, `--dir "up"`},
		{[]string{"analyze"}, 2, "requires at least 1 arg"},
		{[]string{"frobnicate"}, 2, "unknown command"},
	}
	for _, tc := range cases {
		code, _, errs := runCmd(t, nil, tc.args...)
		if code != tc.code || !strings.Contains(errs, tc.want) {
			t.Errorf("%v: exit %d stderr %q; want exit %d and %q", tc.args, code, errs, tc.code, tc.want)
		}
	}
	// One bad file among good ones: the good ones are reported, the exit is 1.
	code, out, _ := runCmd(t, nil, "analyze", pcaps+"nanosecond.pcap", filepath.Join(dir, "nope.pcap"))
	if code != 1 || !strings.Contains(out, "1 of 1 connections") || !strings.Contains(out, "nope.pcap: cannot open") {
		t.Errorf("exit %d:\n%s", code, out)
	}
}

func TestFilters(t *testing.T) {
	name := pcaps + "vlan-qinq.pcap.gz"
	want := expectedFor(t, "vlan-qinq.pcap.gz")
	client0 := dig(t, want, "connections", 0, "client").(string)
	host0 := client0[:strings.LastIndex(client0, ":")]
	for _, tc := range []struct {
		args []string
		ids  []float64
	}{
		{[]string{"--host", host0}, []float64{0}},
		{[]string{"--port", "8080"}, []float64{0, 1}},
		{[]string{"--port", "9"}, nil},
		{[]string{"--conn", "1"}, []float64{1}},
	} {
		_, out, _ := runCmd(t, nil, append(append([]string{"analyze", "-o", "json"}, tc.args...), name)...)
		var doc map[string]any
		if err := json.Unmarshal([]byte(out), &doc); err != nil {
			t.Fatal(err)
		}
		var ids []float64
		for _, c := range doc["connections"].([]any) {
			ids = append(ids, c.(map[string]any)["id"].(float64))
		}
		if len(ids) != len(tc.ids) || (len(ids) > 0 && ids[0] != tc.ids[0]) || dig(t, doc, "capture", "connections_total") != 2.0 {
			t.Errorf("%v: ids %v, want %v", tc.args, ids, tc.ids)
		}
	}
}

func TestVersionAndCompletion(t *testing.T) {
	code, out, _ := runCmd(t, nil, "version")
	if code != 0 || out != versionString()+"\n" || !strings.HasPrefix(out, "segscope ") ||
		!strings.Contains(out, " "+runtime.Version()+" "+runtime.GOOS+"/"+runtime.GOARCH) {
		t.Errorf("version: %d %q", code, out)
	}
	code, out, _ = runCmd(t, nil, "completion", "bash")
	if code != 0 || !strings.Contains(out, "__start_segscope") {
		t.Errorf("completion bash: exit %d", code)
	}
}

func TestExplainCommand(t *testing.T) {
	code, out, errs := runCmd(t, nil, "explain", "--trace", pcaps+"mtu1440-ts.trace", pcaps+"mtu1440-ts.pcap.gz")
	if code != 0 || errs != "" {
		t.Fatalf("exit %d, stderr %q", code, errs)
	}
	for _, want := range []string{
		"A full segment carries 1400 (MSS in the client's SYN) - 12 (timestamps option) = 1388.",
		"So 1388 is not what a standard MTU-1500 link with nothing clamping the MSS gives: there the MSS on IPv4 is 1460",
		"full-segment",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("explain output lacks %q", want)
		}
	}
	trace, err := os.ReadFile(pcaps + "mtu1440-ts.trace")
	if err != nil {
		t.Fatal(err)
	}
	recv := strings.Count(string(trace), "<= Recv data, ")
	sent := strings.Count(string(trace), "=> Send header, ")
	code, out, _ = runCmd(t, nil, "explain", "-t", pcaps+"mtu1440-ts.trace", "-o", "json", pcaps+"mtu1440-ts.pcap.gz")
	var doc map[string]any
	if err := json.Unmarshal([]byte(out), &doc); err != nil || code != 0 {
		t.Fatalf("json: exit %d, %v", code, err)
	}
	n := 0
	for _, e := range doc["events"].([]any) {
		if e.(map[string]any)["direction"] == "recv" {
			n++
		}
	}
	if n != recv || len(doc["events"].([]any)) != recv+sent || dig(t, doc, "summary", "dominant_cause") != "full-segment" || dig(t, doc, "schema") != "segscope.explain/2" {
		t.Errorf("json: %d events (trace has %d), dominant %v", n, recv, dig(t, doc, "summary", "dominant_cause"))
	}
	code, out, _ = runCmd(t, nil, "explain", "-t", pcaps+"mtu1440-ts.trace", "-o", "csv", pcaps+"mtu1440-ts.pcap.gz")
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil || code != 0 || len(rows) != recv+sent+1 || rows[0][1] != "direction" || rows[0][9] != "cause" {
		t.Errorf("csv: exit %d, %d rows, err %v", code, len(rows), err)
	}
}

// TestExplainTwoCapturePoints: a client's capture and the server's given
// together (explain/testdata/field/two-points-*: two clients fetched one
// file at once, the traced one from 10.44.1.2; tshark: its connection is
// 10.44.1.2:44514, the other's 10.44.2.2:45356, only the server's file
// holds both). Read together, each connection is seen from the server's
// file, read first, and the trace was matched, as a guess, to the other
// client's connection; the client's file alone holds only its own.
func TestExplainTwoCapturePoints(t *testing.T) {
	field := "../../explain/testdata/field/"
	code, out, errs := runCmd(t, nil, "explain", "-o", "json", "--trace", field+"two-points.trace.gz",
		field+"two-points-server.pcap.gz", field+"two-points-client.pcap.gz")
	var doc map[string]any
	if err := json.Unmarshal([]byte(out), &doc); err != nil || code != 0 {
		t.Fatalf("exit %d, %v, stderr %q", code, err, errs)
	}
	m := doc["matches"].([]any)
	files := doc["capture_files"].([]any)
	if len(m) != 1 || m[0].(map[string]any)["client"] != "10.44.1.2:44514" || len(files) != 1 || files[0] != field+"two-points-client.pcap.gz" {
		t.Errorf("matched %v from %v", m, files)
	}
	if !strings.Contains(errs, "explained from "+field+"two-points-client.pcap.gz alone") {
		t.Errorf("stderr %q", errs)
	}
}

func TestExplainErrors(t *testing.T) {
	dir := t.TempDir()
	trace, _ := os.ReadFile(pcaps + "mtu1440-ts.trace")
	// Cut in the middle of the hex dump of a Recv data event.
	i := strings.Index(string(trace), "<= Recv data, 1388 bytes")
	cut := filepath.Join(dir, "cut.trace")
	os.WriteFile(cut, trace[:i+300], 0o644)

	code, out, _ := runCmd(t, nil, "explain", "--trace", cut, pcaps+"mtu1440-ts.pcap.gz")
	if code != 1 || !strings.Contains(out, "Recv data events") || !strings.Contains(out, "cut.trace") {
		t.Errorf("cut trace: exit %d:\n%s", code, out)
	}
	code, out, errs := runCmd(t, nil, "explain", "--trace", pcaps+"mtu1440-ts.trace", pcaps+"lo-chunked.pcap")
	if code != 1 || !strings.Contains(out, "no capture connection to that address and port") || !strings.Contains(errs, "nothing in the capture matched") {
		t.Errorf("different transfers: exit %d, stderr %q:\n%s", code, errs, out)
	}
	// Two unrelated transfers to one address and port (a python server
	// and nginx's, 4 minutes apart, a snap length too short for the
	// bytes): only the order pairs them and the clocks say they are not
	// one transfer. No cause is given, and the exit status says so.
	code, out, errs = runCmd(t, nil, "explain", "--trace", pcaps+"python-server.trace", pcaps+"snaplen96.pcap")
	if code != 1 || !strings.Contains(out, "No cause is given: the trace and the capture are of different transfers") ||
		strings.Contains(out, "\nCauses:") || !strings.Contains(out, "only the order of connection paired them") || !strings.Contains(errs, "different transfers") {
		t.Errorf("a trace of another transfer: exit %d, stderr %q:\n%s", code, errs, out)
	}
	code, out, _ = runCmd(t, nil, "explain", "--trace", pcaps+"python-server.trace", "-o", "json", pcaps+"snaplen96.pcap")
	var doc map[string]any
	if err := json.Unmarshal([]byte(out), &doc); err != nil || code != 1 || doc["refused"] != true {
		t.Errorf("json of a trace of another transfer: exit %d, refused %v, %v", code, doc["refused"], err)
	}
	code, _, errs = runCmd(t, nil, "explain", "--trace", pcaps+"lo-chunked.pcap")
	if code != 1 || !strings.Contains(errs, "lo-chunked.pcap") || !strings.Contains(errs, "line 1") {
		t.Errorf("not a trace: exit %d, stderr %q", code, errs)
	}
	code, _, errs = runCmd(t, nil, "explain", pcaps+"lo-chunked.pcap")
	if code != 2 || !strings.Contains(errs, "--trace is required") {
		t.Errorf("no --trace: exit %d, stderr %q", code, errs)
	}
}

func TestCurlTarget(t *testing.T) {
	// The URL is the last one: -e (the referer) takes a URL too.
	addrs, ports, err := target([]string{"-e", "https://ref.example/", "-o", "x", "http://127.0.0.1:8080/big"})
	if err != nil || len(addrs) != 1 || addrs[0].String() != "127.0.0.1" || !slices.Equal(ports, []uint16{8080}) {
		t.Errorf("target = %v %v %v", addrs, ports, err)
	}
	if addrs, ports, err = target([]string{"https://[::1]/x"}); err != nil || addrs[0].String() != "::1" || !slices.Equal(ports, []uint16{443}) {
		t.Errorf("IPv6 default port: %v %v %v", addrs, ports, err)
	}
	// Several URLs: every one is captured (a field test fetched two
	// servers and the capture had only the last one's port).
	addrs, ports, err = target([]string{"-s", "-o", "/dev/null", "-o", "/dev/null", "http://127.0.0.1:19501/a", "-H", "X-Url: http://10.9.9.9:1/", "http://127.0.0.2:19510/b"})
	if err != nil || len(addrs) != 2 || addrs[1].String() != "127.0.0.2" || !slices.Equal(ports, []uint16{19501, 19510}) {
		t.Errorf("two URLs: %v %v %v", addrs, ports, err)
	}
	if _, _, err = target([]string{"-s", "-o", "/dev/null"}); err == nil {
		t.Error("no URL: no error")
	}
	// As curl reads them (review 32): a URL without a scheme is http; a
	// clustered -x is the proxy and -e's value no URL; a value-taking
	// option at the end is curl's error, not segscope's --trace eaten;
	// over a Unix socket no name is looked up; after -- every argument
	// is a URL.
	for _, c := range []struct {
		args  []string
		addrs string
		ports []uint16
		err   string
	}{
		{[]string{"-s", "127.0.0.1:18500/x"}, "127.0.0.1", []uint16{18500}, ""},
		{[]string{"-sx", "127.0.0.3:3128", "-o", "/dev/null", "http://127.0.0.1:18500/x"}, "127.0.0.3", []uint16{3128}, ""},
		{[]string{"-sx127.0.0.4:3128", "http://127.0.0.1:18500/x"}, "127.0.0.4", []uint16{3128}, ""},
		{[]string{"-se", "http://10.99.99.99/", "http://127.0.0.1:18500/x"}, "127.0.0.1", []uint16{18500}, ""},
		{[]string{"-s", "http://127.0.0.1:18500/x", "-o"}, "", nil, "curl option -o: requires parameter"},
		{[]string{"-S", "http://127.0.0.1:18500/x", "--header"}, "", nil, "curl option --header: requires parameter"},
		{[]string{"--unix-socket", "/run/docker.sock", "http://docker/v1/info"}, "127.0.0.1", []uint16{80}, ""},
		{[]string{"-s", "--", "127.0.0.5:81/-L"}, "127.0.0.5", []uint16{81}, ""},
		{[]string{"ftp.example.test/x"}, "", nil, "only http and https URLs are explained"},
		// curl 7 takes a unique prefix of a long option (review 36).
		{[]string{"--resol", "example.test:80:127.0.0.9", "--max-t", "5", "http://example.test/"}, "127.0.0.9", []uint16{80}, ""},
		{[]string{"http://[::1/x"}, "", nil, "cannot read its host and port"},
		{[]string{"-K", "cfg.txt"}, "", nil, "does not read a -K config file"},
	} {
		addrs, ports, err := targetWith(c.args, func(string) string { return "" }, func(h string) ([]string, error) { return nil, fmt.Errorf("lookup %s: no such host", h) })
		var got []string
		for _, a := range addrs {
			got = append(got, a.String())
		}
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%q: %v, want error %q", c.args, err, c.err)
			}
			continue
		}
		if err != nil || strings.Join(got, " ") != c.addrs || !slices.Equal(ports, c.ports) {
			t.Errorf("%q: %v %v %v, want %s %v", c.args, got, ports, err, c.addrs, c.ports)
		}
	}
	// Every address a name resolves to is captured: curl may use any.
	if addrs, _, err = target([]string{"http://localhost:9/"}); err != nil || len(addrs) == 0 || !addrs[0].IsLoopback() {
		t.Errorf("localhost: %v %v", addrs, err)
	}
}

// TestRotatedFilesInTimeOrder: a capture rotated by tcpdump -C into
// x.pcap, x.pcap1 ... x.pcap10 comes from the shell as x.pcap, x.pcap1,
// x.pcap10, x.pcap2: the files are read in the order of their first
// packet, which says so, and the analysis is the whole capture's (no
// out-of-order segment, no gap), not one with time going backwards.
func TestRotatedFilesInTimeOrder(t *testing.T) {
	whole := "../../pcaps/mtu1440-ts.pcap.gz"
	src, err := capture.Open(whole)
	if err != nil {
		t.Fatal(err)
	}
	var pkts []capture.Packet
	for {
		p, err := src.ReadPacket()
		if err != nil {
			break
		}
		p.Data = append([]byte(nil), p.Data...)
		pkts = append(pkts, p)
	}
	src.Close()
	dir := t.TempDir()
	names := []string{"x.pcap", "x.pcap1", "x.pcap2"} // written in this time order
	per := (len(pkts) + 2) / 3
	for i, n := range names {
		f, err := os.Create(filepath.Join(dir, n))
		if err != nil {
			t.Fatal(err)
		}
		w := pcapgo.NewWriterNanos(f)
		w.WriteFileHeader(262144, pkts[0].LinkType)
		for _, p := range pkts[i*per : min((i+1)*per, len(pkts))] {
			w.WritePacket(gopacket.CaptureInfo{Timestamp: p.Timestamp, CaptureLength: len(p.Data), Length: p.Length}, p.Data)
		}
		f.Close()
	}
	_, want, _ := runCmd(t, nil, "analyze", "-o", "csv", whole)
	// The shell's order for x.pcap10-style names: not time order.
	args := []string{"analyze", "-o", "csv", filepath.Join(dir, "x.pcap2"), filepath.Join(dir, "x.pcap"), filepath.Join(dir, "x.pcap1")}
	code, got, errs := runCmd(t, nil, args...)
	if code != 0 || !strings.Contains(errs, "reading the 3 files in the order of their first packet") {
		t.Fatalf("exit %d, stderr %q", code, errs)
	}
	strip := func(s string) string { // the source column names the files
		var out []string
		for _, l := range strings.Split(s, "\n") {
			if i := strings.Index(l, ","); i >= 0 {
				l = l[i:]
			}
			out = append(out, l)
		}
		return strings.Join(out, "\n")
	}
	if strip(got) != strip(want) {
		t.Errorf("rotated files read as given:\n%s\nwant, as the whole capture:\n%s", got, want)
	}
}

// TestTableErrorsOnStderr: a read error goes to standard error with the
// table too (a field test piped the table into head and saw none), and
// the table still lists it, with the packets before it.
func TestTableErrorsOnStderr(t *testing.T) {
	b, err := os.ReadFile(pcaps + "lo-http.pcap")
	if err != nil {
		t.Fatal(err)
	}
	cut := filepath.Join(t.TempDir(), "cut.pcap")
	if err := os.WriteFile(cut, b[:len(b)-10], 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs := runCmd(t, nil, "analyze", cut)
	if code != 1 || !strings.Contains(errs, "segscope: reading "+cut+": packet ") || !strings.Contains(errs, "capture ends in the middle of a packet") || !strings.Contains(out, "Errors (the numbers above cover what was read before them)") {
		t.Errorf("exit %d, stderr %q, stdout ends %q", code, errs, out[max(0, len(out)-200):])
	}
}

// TestLabCompareOnce: a second --compare is refused, not silently taken
// instead of the first (no namespace is made: flags are parsed first).
func TestLabCompareOnce(t *testing.T) {
	code, _, errs := runCmd(t, nil, "lab", "--compare", "mtu=1500,9000", "--compare", "sack=true,false")
	if code != 2 || !strings.Contains(errs, "--compare is given once") {
		t.Errorf("exit %d, stderr %q", code, errs)
	}
}

// TestCurlTargetRoutes: where curl really connects, as its options and
// environment say: --resolve (a name that does not resolve had failed
// with "no such host"), --connect-to, a proxy from -x or the environment
// (the wrong host had been captured), and the hosts exempt from it.
func TestCurlTargetRoutes(t *testing.T) {
	noLookup := func(h string) ([]string, error) { return nil, fmt.Errorf("lookup %s: no such host", h) }
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	for _, c := range []struct {
		args  []string
		env   map[string]string
		addrs string
		ports []uint16
	}{
		{[]string{"--resolve", "example.test:18080:127.0.0.1", "http://example.test:18080/x"}, nil, "127.0.0.1", []uint16{18080}},
		{[]string{"--resolve", "example.test:443:[::1],127.0.0.2", "https://example.test/"}, nil, "::1 127.0.0.2", []uint16{443}},
		{[]string{"--connect-to", "example.test:443:127.0.0.3:8443", "https://example.test/"}, nil, "127.0.0.3", []uint16{8443}},
		{[]string{"--connect-to", "::127.0.0.4:", "http://example.test:81/"}, nil, "127.0.0.4", []uint16{81}},
		{[]string{"-x", "127.0.0.5:3128", "http://example.test/"}, nil, "127.0.0.5", []uint16{3128}},
		{[]string{"--proxy", "http://127.0.0.6", "https://example.test/"}, nil, "127.0.0.6", []uint16{1080}},
		{[]string{"https://example.test/"}, map[string]string{"HTTPS_PROXY": "http://127.0.0.7:8080"}, "127.0.0.7", []uint16{8080}},
		{[]string{"http://example.test/"}, map[string]string{"http_proxy": "127.0.0.8:3128", "HTTPS_PROXY": "127.0.0.9:1"}, "127.0.0.8", []uint16{3128}},
		// HTTP_PROXY in capitals is not read by curl (httpoxy).
		{[]string{"--resolve", "example.test:80:127.0.0.10", "http://example.test/"}, map[string]string{"HTTP_PROXY": "127.0.0.99:1"}, "127.0.0.10", []uint16{80}},
		{[]string{"--resolve", "example.test:80:127.0.0.11", "http://example.test/"}, map[string]string{"ALL_PROXY": "127.0.0.99:1", "NO_PROXY": ".test"}, "127.0.0.11", []uint16{80}},
		{[]string{"-x", "", "--resolve", "example.test:80:127.0.0.12", "http://example.test/"}, map[string]string{"http_proxy": "127.0.0.99:1"}, "127.0.0.12", []uint16{80}},
	} {
		addrs, ports, err := targetWith(c.args, env(c.env), noLookup)
		var got []string
		for _, a := range addrs {
			got = append(got, a.String())
		}
		if err != nil || strings.Join(got, " ") != c.addrs || !slices.Equal(ports, c.ports) {
			t.Errorf("%q %v: %v %v %v, want %s %v", c.args, c.env, got, ports, err, c.addrs, c.ports)
		}
	}
	if _, _, err := targetWith([]string{"--resolve", "bad", "http://x/"}, env(nil), noLookup); err == nil || !strings.Contains(err.Error(), "HOST:PORT:ADDRESS") {
		t.Errorf("a bad --resolve: %v", err)
	}
}

// A full filter expression needs the libpcap build, and says how to make it.
func TestSniffFilterNeedsPcap(t *testing.T) {
	if !canCapture {
		t.Skip("sniff needs Linux")
	}
	code, _, errs := runCmd(t, nil, "sniff", "-i", "lo", "-f", "tcp port 80")
	if code == 0 || !strings.Contains(errs, "go build -tags pcap ./cmd/segscope") || !strings.Contains(errs, "--host and --port") {
		t.Errorf("exit %d, stderr %q", code, errs)
	}
}

// TestEmptyKeyLog: a --keylog file with no key lines is an error naming
// it, and the analysis still runs (review 17: it was taken in silence).
func TestEmptyKeyLog(t *testing.T) {
	empty := filepath.Join(t.TempDir(), "empty.keys")
	if err := os.WriteFile(empty, []byte("# nothing\n\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runCmd(t, nil, "analyze", "-q", "--keylog", empty, "../../pcaps/h2-tls12.pcap.gz")
	if code != 1 || !strings.Contains(stderr, "--keylog "+empty+": no key log lines in it") || !strings.Contains(stdout, "TLS 1.2") {
		t.Fatalf("exit %d\nstderr: %s\nstdout: %.300s", code, stderr, stdout)
	}
	// The same file after one with this capture's key: it adds nothing,
	// and says so; the first decrypts.
	code, _, stderr = runCmd(t, nil, "analyze", "-q", "--keylog", "../../pcaps/h2-tls12.keys", "--keylog", empty, "../../pcaps/h2-tls12.pcap.gz")
	if code != 1 || !strings.Contains(stderr, empty) {
		t.Fatalf("exit %d: %s", code, stderr)
	}
}

// TestSniffWriteOverKeyLog: sniff -w onto its own --keylog is refused
// before anything is captured, and the key log stays (review 21).
func TestSniffWriteOverKeyLog(t *testing.T) {
	keys := filepath.Join(t.TempDir(), "sslkeys.log")
	if err := os.WriteFile(keys, []byte("CLIENT_RANDOM 00 00\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := runCmd(t, nil, "sniff", "-i", "lo", "--duration", "1s", "-q", "-w", keys, "--keylog", keys)
	if b, _ := os.ReadFile(keys); code != 2 || !strings.Contains(stderr, "refusing to write over it") || string(b) != "CLIENT_RANDOM 00 00\n" {
		t.Fatalf("exit %d, stderr %q, key log now %q", code, stderr, b)
	}
}

// TestTraceFromStdin: --trace - reads the trace from standard input
// (review 21: "reading -: no such file or directory"), and not with a
// capture on - too.
func TestTraceFromStdin(t *testing.T) {
	tr, err := os.ReadFile("../../pcaps/mtu1440-ts.trace")
	if err != nil {
		t.Fatal(err)
	}
	code, out, stderr := runCmd(t, tr, "explain", "-q", "--trace", "-", "../../pcaps/mtu1440-ts.pcap.gz")
	if code != 0 || !strings.Contains(out, "trace stdin against ../../pcaps/mtu1440-ts.pcap.gz") || !strings.Contains(out, "70 Recv data events, 102400 bytes") {
		t.Fatalf("exit %d, stderr %s\n%.400s", code, stderr, out)
	}
	if code, _, stderr := runCmd(t, tr, "explain", "--trace", "-", "-"); code != 2 || !strings.Contains(stderr, "only one of them can come from standard input") {
		t.Errorf("both on stdin: exit %d, %s", code, stderr)
	}
}

// TestNegativeBounds: a negative bound is a command-line mistake (exit
// 2), not the default (review 21), and so is a shell completion does not
// know.
func TestNegativeBounds(t *testing.T) {
	const capture = "../../pcaps/mtu1440-ts.pcap.gz"
	for _, args := range [][]string{
		{"analyze", "--max-live", "-5", capture},
		{"analyze", "--idle-timeout", "-1s", capture},
		{"analyze", "--close-grace", "-1s", capture},
		{"analyze", "--max-buffered", "-1", capture},
		{"analyze", "--max-buffered-total", "-1", capture},
		{"analyze", "--max-units", "-1", capture},
		{"segments", "--max-live", "-1", capture},
		{"map", "--max-units", "-1", "--conn", "0", capture},
		{"report", "--max-segments", "-1", "-w", filepath.Join(t.TempDir(), "r.html"), capture},
		{"completion", "bsah"},
	} {
		code, _, stderr := runCmd(t, nil, args...)
		if code != 2 || !strings.Contains(stderr, args[1]) {
			t.Errorf("%v: exit %d, %q", args, code, stderr)
		}
	}
	if code, out, _ := runCmd(t, nil, "completion", "bash"); code != 0 || !strings.Contains(out, "bash completion") {
		t.Errorf("completion bash: exit %d", code)
	}
}

// TestExplainCSVProblems: CSV has no place for problems, so a refused pair
// lists them on standard error, where the error points (review 32: "the
// problems listed above say why", listed nowhere).
func TestExplainCSVProblems(t *testing.T) {
	code, out, errs := runCmd(t, nil, "explain", "-o", "csv", "--trace", "../../pcaps/python-server.trace", "../../pcaps/snaplen96.pcap")
	if code != 1 || !strings.Contains(errs, "segscope: problem: trace connection (line 2) and capture connection 0:") ||
		strings.Index(errs, "problem:") > strings.Index(errs, "the problems listed above") || !strings.HasPrefix(out, "line,") {
		t.Errorf("exit %d\nstderr %s\nstdout %.100s", code, errs, out)
	}
	// The refused rows name no connection, packets or timing: "no
	// capture connection matched" beside conn 0 and packets 8;10;12 was
	// a contradiction.
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil || len(rows) != 71 {
		t.Fatalf("%d rows, %v", len(rows), err)
	}
	for _, r := range rows[1:] {
		if r[4] != "-1" || r[8] != "" || r[9] != "unmatched" || strings.Contains(r[10], "segment") {
			t.Errorf("refused row %q", r)
		}
	}
}
