package htmlreport

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/segscope/segscope/analyze"
	"github.com/segscope/segscope/capture"
	"github.com/segscope/segscope/curltrace"
	"github.com/segscope/segscope/explain"
	"github.com/segscope/segscope/internal/synth"
	"github.com/segscope/segscope/keylog"
	"github.com/segscope/segscope/report"
)

const pcaps = "../../pcaps/"

// input analyzes captures (keeping every segment) and explains the trace
// against them, as `segscope report` does.
func input(t testing.TB, captures []string, trace, keys string) Input {
	t.Helper()
	ks := &keylog.Store{}
	if keys != "" {
		if err := ks.LoadFile(keys); err != nil {
			t.Fatal(err)
		}
	}
	a := analyze.New(analyze.Options{KeepSegments: func(*analyze.Connection) bool { return true }, MaxUnits: math.MaxInt32, Keys: ks})
	for _, p := range captures {
		src, err := capture.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := a.ReadAll(src); err != nil {
			t.Fatal(err)
		}
		src.Close()
	}
	in := Input{Capture: a.Result()}
	if trace != "" {
		in.Explain = explain.Explain(readTrace(t, trace), in.Capture)
	}
	return in
}

func readTrace(t testing.TB, path string) *curltrace.Trace {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tr, err := curltrace.Parse(f, path)
	if err != nil && (tr == nil || len(tr.Events) == 0) {
		t.Fatal(err)
	}
	return tr
}

func page(t testing.TB, in Input) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := Write(&b, in); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

var blockRE = regexp.MustCompile(`(?s)<script type="application/json" id="([^"]+)">(.*?)</script>`)

// blocks returns the page's JSON blocks by id.
func blocks(t testing.TB, html []byte) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	for _, m := range blockRE.FindAllSubmatch(html, -1) {
		out[string(m[1])] = m[2]
	}
	return out
}

func plot(t testing.TB, html []byte) plotDoc {
	t.Helper()
	var d plotDoc
	if err := json.Unmarshal(blocks(t, html)["segscope-plot"], &d); err != nil {
		t.Fatal(err)
	}
	return d
}

// sameJSON compares two JSON documents as values.
func sameJSON(t *testing.T, name string, got, want []byte) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if err := json.Unmarshal(want, &w); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	gb, _ := json.Marshal(g)
	wb, _ := json.Marshal(w)
	if !bytes.Equal(gb, wb) {
		t.Errorf("%s: the page's block differs from --format json", name)
	}
}

// The blocks are the --format json documents, so they can be extracted.
func TestBlocksAreTheJSONDocuments(t *testing.T) {
	in := input(t, []string{pcaps + "https-h2.pcap.gz"}, pcaps+"https-h2.trace", pcaps+"https-h2.keys")
	html := page(t, in)
	bl := blocks(t, html)
	conns, _, _ := Choose(in.Capture, in.Explain, nil, 0)
	var want bytes.Buffer
	report.Analysis{Result: in.Capture, Connections: conns}.Write(&want, report.JSON)
	sameJSON(t, "analysis", bl["segscope-analysis"], want.Bytes())
	want.Reset()
	report.Explanation{Result: in.Explain, Capture: in.Capture}.Write(&want, report.JSON)
	sameJSON(t, "explain", bl["segscope-explain"], want.Bytes())
	want.Reset()
	c := conns[0]
	report.BoundaryMap{Result: in.Capture, Conn: c, Map: c.Map()}.Write(&want, report.JSON)
	sameJSON(t, "map", bl["segscope-map-0"], want.Bytes())
	d := plot(t, html)
	if d.Schema != Schema || d.ChosenBy != "trace" || len(d.Connections) != 1 || d.Connections[0].MapDetail != "full" {
		t.Errorf("plot doc: %+v", d)
	}
}

// A capture cannot put markup into the page: the request target, Host
// header and SNI below all hold <script>.
func TestHostileStringsEscaped(t *testing.T) {
	for _, tc := range []struct{ capture, trace string }{
		{"testdata/hostile-http.pcap", "testdata/hostile-http.trace"},
		{"testdata/hostile-sni.pcap", ""},
	} {
		in := input(t, []string{tc.capture}, tc.trace, "")
		html := page(t, in)
		if bytes.Contains(html, []byte("pwned")) == false {
			t.Fatalf("%s: the hostile strings are not in the page at all: the test tests nothing", tc.capture)
		}
		if n := bytes.Count(bytes.ToLower(html), []byte("<script")); n != len(blocks(t, html))+1 {
			t.Errorf("%s: %d script elements, want the %d data blocks and the page's own", tc.capture, n, len(blocks(t, html)))
		}
		for _, bad := range []string{"<script>window.pwned", "<img", "</script>?"} {
			if bytes.Contains(html, []byte(bad)) {
				t.Errorf("%s: %q is in the page unescaped", tc.capture, bad)
			}
		}
	}
}

func TestSafeJSON(t *testing.T) {
	in := []byte(`{"a":"</script><!--<x>"}`)
	out := safeJSON(in)
	if bytes.Contains(out, []byte("<")) {
		t.Fatalf("%s", out)
	}
	var a, b map[string]string
	json.Unmarshal(in, &a)
	json.Unmarshal(out, &b)
	if a["a"] != b["a"] {
		t.Fatalf("%q != %q", a["a"], b["a"])
	}
}

// The policy lets the page's own script and style run and fetch nothing.
func TestCSP(t *testing.T) {
	html := string(page(t, Input{}))
	m := regexp.MustCompile(`Content-Security-Policy" content="([^"]+)"`).FindStringSubmatch(html)
	if m == nil {
		t.Fatal("no Content-Security-Policy")
	}
	p := m[1]
	for _, want := range []string{"default-src 'none'", "script-src '" + hash(script) + "'", "style-src '" + hash(style) + "'"} {
		if !strings.Contains(p, want) {
			t.Errorf("policy %q lacks %q", p, want)
		}
	}
	for _, bad := range []string{"http", "unsafe", "*"} {
		if strings.Contains(p, bad) {
			t.Errorf("policy %q allows %q", p, bad)
		}
	}
	if !strings.Contains(html, "<script>"+script+"</script>") || !strings.Contains(html, "<style>"+style+"</style>") {
		t.Error("the script or style in the page is not the one hashed")
	}
}

func TestBadInputSaysWhatIsMissing(t *testing.T) {
	for _, tc := range []struct {
		name           string
		captures       []string
		trace          string
		want           string
		conns, drawnBy int
	}{
		{"no TCP", []string{"testdata/no-tcp.pcap"}, "", "holds no TCP connection", 0, 0},
		{"trace matches nothing", []string{pcaps + "https-h2.pcap.gz"}, pcaps + "mtu1440-ts.trace", "Nothing in the capture matches the trace", 1, 0},
		{"no trace", []string{pcaps + "mtu1440-ts.pcap.gz"}, "", "No trace was given", 1, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := plot(t, page(t, input(t, tc.captures, tc.trace, "")))
			if !strings.Contains(strings.Join(d.Missing, "\n"), tc.want) {
				t.Errorf("missing %q, want %q", d.Missing, tc.want)
			}
			if len(d.Connections) != tc.conns {
				t.Errorf("%d connections drawn, want %d", len(d.Connections), tc.conns)
			}
		})
	}
}

func TestChooseConnections(t *testing.T) {
	in := input(t, []string{synthFile(t, synth.Config{Connections: 5, ResponseBytes: 20000})}, "", "")
	n := len(in.Capture.Connections)
	if n != 5 {
		t.Fatalf("%d connections, want 5", n)
	}
	in.Options.MaxConnections = 2
	d := plot(t, page(t, in))
	if d.ChosenBy != "largest" || len(d.Connections) != 2 || len(d.Others) != n-2 {
		t.Errorf("chosen by %s: %d drawn, %d listed, of %d", d.ChosenBy, len(d.Connections), len(d.Others), n)
	}
	in.Conns = []int{1, 99}
	d = plot(t, page(t, in))
	if d.ChosenBy != "conn" || len(d.Connections) != 1 || d.Connections[0].ID != 1 || !strings.Contains(strings.Join(d.Missing, " "), "no connection 99") {
		t.Errorf("--conn 1 99: %+v, missing %q", d.Connections, d.Missing)
	}
}

// synthFile writes a synthetic capture (internal/synth).
func synthFile(t testing.TB, cfg synth.Config) string {
	t.Helper()
	b, _, err := synth.Bytes(cfg)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "synth.pcap")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// Past MaxSegments a connection is drawn as time bins, and the page says so.
func TestAggregatesPastTheBound(t *testing.T) {
	in := input(t, []string{pcaps + "mtu1440-ts.pcap.gz"}, "", "")
	c := in.Capture.Connections[0]
	in.Options = Options{MaxSegments: 10, MaxMapSegments: 10}
	d := plot(t, page(t, in))
	s := d.Connections[0].Segments
	if !s.Aggregated || len(s.T) >= c.Segments.Len() || len(s.N) != len(s.T) || s.Total != c.Segments.Len() {
		t.Fatalf("not aggregated: %d rows of %d segments", len(s.T), c.Segments.Len())
	}
	sum := 0
	for _, n := range s.N {
		sum += n
	}
	if want := int(c.Dirs[0].DataSegments + c.Dirs[1].DataSegments); sum < want {
		t.Errorf("bins hold %d segments, the connection %d data segments", sum, want)
	}
	notes := strings.Join(d.Notes, " ")
	if !strings.Contains(notes, "time bins") || !strings.Contains(notes, "without the packets") || d.Connections[0].MapDetail != "units" {
		t.Errorf("notes %q, map %s", notes, d.Connections[0].MapDetail)
	}
}

// What explain and curl hold is enough for the same page.
func TestFromExplanation(t *testing.T) {
	in := input(t, []string{pcaps + "mtu1440-ts.pcap.gz"}, pcaps+"mtu1440-ts.trace", "")
	x := report.Explanation{Result: in.Explain, Capture: in.Capture, Errors: []error{errors.New("<b>an error</b>")}}
	a, b := page(t, in), page(t, FromExplanation(x))
	if !bytes.Contains(b, []byte(`\u003cb\u003ean error`)) {
		t.Error("the error is not in the page")
	}
	if bytes.Equal(blocks(t, a)["segscope-plot"], nil) || !bytes.Equal(blocks(t, a)["segscope-plot"], blocks(t, b)["segscope-plot"]) {
		t.Error("the page from the explanation differs from the report's")
	}
}

// Past the bound each read lists its first and last segment, and the page
// says so.
func TestExplanationBounded(t *testing.T) {
	in := input(t, []string{pcaps + "https-h2.pcap.gz"}, pcaps+"https-h2.trace", pcaps+"https-h2.keys")
	in.Options.MaxExplainSegments = 10
	html := page(t, in)
	var x struct {
		Events []struct {
			Direction string                 `json:"direction"`
			Segments  []struct{ Packet int } `json:"segments"`
		} `json:"events"`
	}
	if err := json.Unmarshal(blocks(t, html)["segscope-explain"], &x); err != nil {
		t.Fatal(err)
	}
	i := 0
	for _, e := range x.Events {
		if e.Direction != "recv" {
			continue
		}
		if len(e.Segments) > 2 || len(e.Segments) != min(2, len(in.Explain.Events[i].Segments)) {
			t.Errorf("read %d lists %d segments", i, len(e.Segments))
		}
		i++
	}
	if len(in.Explain.Events[0].Segments) <= 2 {
		t.Error("the explanation itself was cut")
	}
	if !strings.Contains(strings.Join(plot(t, html).Notes, " "), "first and last segment") {
		t.Error("the page does not say the segments were cut")
	}
}

// An aggregated connection keeps its resent segments one by one.
func TestAggregatedKeepsAnomalies(t *testing.T) {
	cfg := synth.Config{ResponseBytes: 300000, RetransmitEvery: 20, Timestamps: true}
	_, st, err := synth.Bytes(cfg)
	if err != nil {
		t.Fatal(err)
	}
	in := input(t, []string{synthFile(t, cfg)}, "", "")
	in.Options = Options{MaxSegments: 4}
	d := plot(t, page(t, in))
	got := 0
	for _, pc := range d.Connections {
		if !pc.Segments.Aggregated {
			t.Fatal("not aggregated")
		}
		for i, cls := range pc.Segments.Class {
			if cls/16&int(analyze.KindRetransmission) != 0 && pc.Segments.N[i] == 1 {
				got++
			}
		}
	}
	if got != st.Retransmissions || got == 0 {
		t.Errorf("%d resent segments kept one by one, the capture has %d", got, st.Retransmissions)
	}
}

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// The page's own document for a small capture, as a golden file: a change
// to segscope.report/1 shows up here (go test -update rewrites it).
func TestPlotGolden(t *testing.T) {
	in := input(t, []string{pcaps + "mtu1440-ts.pcap.gz"}, pcaps+"mtu1440-ts.trace", "")
	var got bytes.Buffer
	enc := json.NewEncoder(&got)
	enc.SetIndent("", "  ")
	if err := enc.Encode(plot(t, page(t, in))); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("testdata", "mtu1440-ts.plot.json")
	if *update {
		if err := os.WriteFile(path, got.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test -update writes it)", err)
	}
	if !bytes.Equal(got.Bytes(), want) {
		t.Errorf("segscope.report/1 differs from %s (go test -update if intended)", path)
	}
}
