package browsertest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	cdpinput "github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/segscope/segscope/analyze"
	"github.com/segscope/segscope/explain"
	"github.com/segscope/segscope/internal/synthtrace"
	"github.com/segscope/segscope/report/htmlreport"
)

// The tests in this file load reports in Debian's chromium, headless,
// through the DevTools protocol (chromedp). Without a chromium they skip,
// unless SEGSCOPE_LIVE_TESTS=1 (CI), where they fail.

func chromium(t testing.TB) string {
	t.Helper()
	for _, name := range []string{os.Getenv("SEGSCOPE_CHROMIUM"), "chromium", "chromium-browser", "google-chrome"} {
		if name == "" {
			continue
		}
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("SEGSCOPE_LIVE_TESTS") == "1" {
		t.Fatal("no chromium on PATH, and SEGSCOPE_LIVE_TESTS=1: install it (apt-get install chromium) or set SEGSCOPE_CHROMIUM")
	}
	t.Skip("no chromium on PATH (apt-get install chromium); SEGSCOPE_LIVE_TESTS=1 makes this a failure")
	return ""
}

var (
	browserOnce sync.Once
	browserCtx  context.Context
	browserErr  error
	// browserDir and browserStop are the profile and the process to
	// remove once every test has run (TestMain).
	browserDir  string
	browserStop = func() {}
)

// TestMain stops the shared chromium and removes its profile directory:
// each run of the tests had left one in the temporary directory.
func TestMain(m *testing.M) {
	code := m.Run()
	browserStop()
	if browserDir != "" {
		os.RemoveAll(browserDir)
	}
	os.Exit(code)
}

// browser starts one headless chromium for the whole test binary.
func browser(t testing.TB) context.Context {
	path := chromium(t)
	browserOnce.Do(func() {
		dir, err := os.MkdirTemp("", "segscope-chromium-")
		if err != nil {
			browserErr = err
			return
		}
		browserDir = dir
		opts := []chromedp.ExecAllocatorOption{
			chromedp.ExecPath(path), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
			chromedp.NoDefaultBrowserCheck, chromedp.UserDataDir(dir), chromedp.WindowSize(1400, 1000),
			chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
			chromedp.Flag("force-device-scale-factor", "1"),
		}
		actx, stopAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
		var stopCtx context.CancelFunc
		browserCtx, stopCtx = chromedp.NewContext(actx)
		browserStop = func() { stopCtx(); stopAlloc() }
		browserErr = chromedp.Do(browserCtx)
	})
	if browserErr != nil {
		t.Fatalf("starting %s: %v", path, browserErr)
	}
	return browserCtx
}

// loaded is what a page showed once drawn.
type loaded struct {
	Ready  bool     `json:"ready"`
	Errors []string `json:"errors"`
	Conns  map[string]struct {
		Reads, Segments, Stevens, Lit, AckLine int
		Histogram                              map[string][][2]int
	} `json:"conns"`
	mu       sync.Mutex
	console  []string // console messages of every kind but log/info/debug, exceptions, CSP reports
	requests []string // every request but the page's own
	tab      context.Context
}

// load writes the page to a file and opens it in a new tab.
func load(t *testing.T, html []byte) *loaded {
	t.Helper()
	path := filepath.Join(t.TempDir(), "report.html")
	if err := os.WriteFile(path, html, 0o644); err != nil {
		t.Fatal(err)
	}
	url := "file://" + path
	tab, cancel := chromedp.NewContext(browser(t))
	tab, cancel2 := context.WithTimeout(tab, 60*time.Second)
	t.Cleanup(func() { cancel2(); cancel() })
	l := &loaded{tab: tab}
	if err := chromedp.Do(tab); err != nil { // open the tab
		t.Fatal(err)
	}
	if err := chromedp.Listen(tab, func(ev any) {
		if e, ok := ev.(*network.EventRequestWillBeSent); ok && e.Request.URL != url {
			l.mu.Lock()
			l.requests = append(l.requests, e.Request.URL)
			l.mu.Unlock()
		}
	}); err != nil {
		t.Fatal(err)
	}
	messages := chromedp.Console(tab)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			switch m.Type {
			case chromedp.ConsoleLog, chromedp.ConsoleDebug, chromedp.ConsoleInfo:
				continue
			}
			l.mu.Lock()
			l.console = append(l.console, fmt.Sprintf("%s: %s", m.Type, m.String()))
			l.mu.Unlock()
		}
	}()
	err := chromedp.Do(tab, chromedp.EmulateViewport(1400, 1000), chromedp.Navigate(url),
		chromedp.WaitVisible(chromedp.CSS(`body[data-ready="1"]`)))
	if err != nil {
		t.Fatalf("loading the report: %v (console: %q)", err, l.messages())
	}
	state, err := chromedp.Run(tab, chromedp.Evaluate[string](`JSON.stringify(window.segscope)`))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(state), l); err != nil {
		t.Fatal(err)
	}
	return l
}

func (l *loaded) messages() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.console...)
}

// clean fails on console errors, exceptions and requests.
func (l *loaded) clean(t *testing.T) {
	t.Helper()
	time.Sleep(100 * time.Millisecond) // let the last events arrive
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.console) > 0 || len(l.Errors) > 0 {
		t.Errorf("console: %q, page errors: %q", l.console, l.Errors)
	}
	if len(l.requests) > 0 {
		t.Errorf("the page made %d network request(s): %q", len(l.requests), l.requests)
	}
}

// shot screenshots one element.
func (l *loaded) shot(t *testing.T, sel string) image.Image {
	t.Helper()
	return l.shotAs(t, sel, "")
}

// shotAs screenshots one element; with SEGSCOPE_SHOTS set it keeps the
// image there, named after the test, the selector and the suffix.
func (l *loaded) shotAs(t *testing.T, sel, suffix string) image.Image {
	t.Helper()
	if err := chromedp.Do(l.tab, chromedp.ScrollIntoView(chromedp.CSS(sel))); err != nil {
		t.Fatalf("scrolling to %s: %v", sel, err)
	}
	buf, err := chromedp.Run(l.tab, chromedp.Screenshot(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("screenshot of %s: %v", sel, err)
	}
	img, err := png.Decode(bytes.NewReader(buf))
	if err != nil {
		t.Fatal(err)
	}
	if dir := os.Getenv("SEGSCOPE_SHOTS"); dir != "" {
		name := strings.NewReplacer("#", "", " ", "_", "/", "-").Replace(t.Name() + "-" + sel)
		if suffix != "" {
			name += "-" + suffix
		}
		os.WriteFile(filepath.Join(dir, name+".png"), buf, 0o644)
	}
	return img
}

// pixels counts the pixels of img within a small distance of the colour.
func pixels(img image.Image, hex string) int {
	v, _ := strconv.ParseUint(strings.TrimPrefix(hex, "#"), 16, 32)
	wr, wg, wb := int(v>>16&255), int(v>>8&255), int(v&255)
	n := 0
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bb, _ := img.At(x, y).RGBA()
			if abs(int(r>>8)-wr)+abs(int(g>>8)-wg)+abs(int(bb>>8)-wb) <= 12 {
				n++
			}
		}
	}
	return n
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// The colours the page draws with (assets/report.js).
const (
	colFull      = "#1f77b4"
	colShort     = "#17becf"
	colSuper     = "#9467bd"
	colH2Frames  = "#e377c2"
	colTLSRecord = "#393b79"
	colRecord    = "#b9a3d6"
	colFrame     = "#f4b6d9"
	colWindow    = "#2ca02c"
	colBacklog   = "#ff7f0e"
	colBodyEnd   = "#7f7f7f"
	colMessage   = "#98df8a"
	colChunk     = "#ffbb78"
)

func TestBrowserReports(t *testing.T) {
	for _, tc := range []struct {
		name, capture, trace, keys string
		timeline, stevens, hist    []string // colours each view's screenshot must show
	}{
		{"https-h2", "https-h2.pcap.gz", "https-h2.trace", "https-h2.keys",
			[]string{colH2Frames, colTLSRecord, colRecord, colFrame, colFull}, []string{colFull, colWindow}, []string{colFull, colShort}},
		{"mtu1440-ts", "mtu1440-ts.pcap.gz", "mtu1440-ts.trace", "",
			[]string{colFull, colMessage}, []string{colFull, colWindow}, []string{colFull, colShort}},
		{"notime", "h2-tls13-notime.pcap.gz", "h2-tls13-notime.trace", "h2-tls13-notime.keys",
			[]string{colRecord, colFrame}, []string{colFull}, []string{colFull}},
		{"h2c", "h2c.pcap", "h2c.trace", "", []string{colFrame}, []string{colShort}, []string{colShort}},
		{"chunked", "lo-chunked.pcap", "lo-chunked.trace", "", []string{colChunk, colMessage}, []string{colShort}, []string{colShort}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			keys := ""
			if tc.keys != "" {
				keys = pcaps + tc.keys
			}
			in := input(t, []string{pcaps + tc.capture}, pcaps+tc.trace, keys)
			l := load(t, page(t, in))
			l.clean(t)
			conns, _, _ := htmlreport.Choose(in.Capture, in.Explain, nil, 0)
			reads := 0
			for _, c := range conns {
				got := l.Conns[strconv.Itoa(c.ID)]
				reads += got.Reads
				for d, name := range []string{"client_to_server", "server_to_client"} {
					var want [][2]int
					for _, s := range c.Dir(analyze.Dir(d)).Stats().Sizes {
						want = append(want, [2]int{s.Size, s.Count})
					}
					if fmt.Sprint(got.Histogram[name]) != fmt.Sprint(want) {
						t.Errorf("conn %d %s: histogram bars %v, sizes %v", c.ID, name, got.Histogram[name], want)
					}
				}
				if got.Stevens == 0 {
					t.Errorf("conn %d: no segment drawn in the time-sequence graph", c.ID)
				}
				for view, cols := range map[string][]string{"timeline": tc.timeline, "stevens": tc.stevens, "hist": tc.hist} {
					img := l.shot(t, fmt.Sprintf("#view-%s-%d", view, c.ID))
					for _, col := range cols {
						if n := pixels(img, col); n < 20 {
							t.Errorf("conn %d %s view: %d pixels of %s", c.ID, view, n, col)
						}
					}
				}
			}
			if want := recvData(in.Explain.Trace); reads != want {
				t.Errorf("%d reads drawn, the trace has %d Recv data events", reads, want)
			}
			// Clicking a read lights it and what carried it.
			lit, err := chromedp.Run(l.tab, chromedp.Evaluate[int](fmt.Sprintf(`window.segscope.select[%d](0)`, conns[0].ID)))
			if err != nil {
				t.Fatal(err)
			}
			if lit < 2 {
				t.Errorf("selecting the first read lit %d marks, want the read and its segments", lit)
			}
			sel := fmt.Sprintf("#view-timeline-%d", conns[0].ID)
			if n := pixels(l.shotAs(t, sel, "selected"), "#000000"); n < 20 {
				t.Errorf("the selected read's marks are not outlined (%d black pixels)", n)
			}
			detail, err := chromedp.Run(l.tab, chromedp.Evaluate[string](`document.querySelector('`+sel+` .detail').textContent`))
			if err != nil {
				t.Fatal(err)
			}
			for _, want := range []string{"Recv data", "cause: ", "stream ", "packets "} {
				if !strings.Contains(detail, want) {
					t.Errorf("the read's explanation lacks %q: %q", want, detail)
				}
			}
			hover(t, l, conns[0].ID)
			zoom(t, l, conns[0].ID)
			l.clean(t)
		})
	}
}

// hover moves the mouse over the last read and clicks it: the tooltip and
// the panel show its stream range, packets and explanation.
func hover(t *testing.T, l *loaded, conn int) {
	t.Helper()
	n := l.Conns[strconv.Itoa(conn)].Reads
	if _, err := chromedp.Run(l.tab, chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`window.segscope.select[%d](null)`, conn))); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(l.tab, chromedp.ScrollIntoView(chromedp.CSS(fmt.Sprintf("#view-timeline-%d", conn)))); err != nil {
		t.Fatal(err)
	}
	at, err := chromedp.Run(l.tab, chromedp.Evaluate[struct{ X, Y float64 }](fmt.Sprintf(`window.segscope.readAt[%d](%d)`, conn, n-1)))
	if err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(l.tab, chromedp.MouseEvent(cdpinput.DispatchMouseEventTypeMouseMoved, at.X, at.Y)); err != nil {
		t.Fatal(err)
	}
	tip, err := chromedp.Run(l.tab, chromedp.Evaluate[string](`(function (t) { return t.style.display === 'block' ? t.textContent : ''; })(document.getElementById('tip'))`))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Recv data", "cause: ", "stream ", "packets "} {
		if !strings.Contains(tip, want) {
			t.Errorf("hovering the last read: the tooltip lacks %q: %q", want, tip)
		}
	}
	if err := chromedp.Do(l.tab, chromedp.MouseClickXY(at.X, at.Y)); err != nil {
		t.Fatal(err)
	}
	lit, err := chromedp.Run(l.tab, chromedp.Evaluate[int](fmt.Sprintf(`window.segscope.conns[%d].lit`, conn)))
	if err != nil {
		t.Fatal(err)
	}
	if lit < 2 {
		t.Errorf("clicking the last read lit %d marks", lit)
	}
}

// zoom turns the wheel over the time-sequence graph, which then draws
// fewer segments, and double-clicks it back.
func zoom(t *testing.T, l *loaded, conn int) {
	t.Helper()
	before := l.Conns[strconv.Itoa(conn)].Stevens
	if before < 20 {
		return
	}
	js := `(function (c, n) {
	  var r = c.getBoundingClientRect();
	  for (var i = 0; i < 8; i++) c.dispatchEvent(new WheelEvent('wheel', {deltaY: n ? -100 : 0, clientX: r.left + r.width / 2, clientY: r.top + r.height / 3, bubbles: true, cancelable: true}));
	  if (!n) c.dispatchEvent(new MouseEvent('dblclick', {bubbles: true}));
	  return window.segscope.conns[%d].stevens;
	})(document.querySelector('#view-stevens-%d canvas'), %d)`
	in, err := chromedp.Run(l.tab, chromedp.Evaluate[int](fmt.Sprintf(js, conn, conn, 1)))
	if err != nil {
		t.Fatal(err)
	}
	out, err := chromedp.Run(l.tab, chromedp.Evaluate[int](fmt.Sprintf(js, conn, conn, 0)))
	if err != nil {
		t.Fatal(err)
	}
	if in >= before || out != before {
		t.Errorf("zooming in drew %d of %d segments, zooming back %d", in, before, out)
	}
}

func TestBrowserHostileAndBadInput(t *testing.T) {
	for _, tc := range []struct{ name, capture, trace string }{
		{"hostile-http", "../../report/htmlreport/testdata/hostile-http.pcap", "../../report/htmlreport/testdata/hostile-http.trace"},
		{"hostile-sni", "../../report/htmlreport/testdata/hostile-sni.pcap", ""},
		{"no-tcp", "../../report/htmlreport/testdata/no-tcp.pcap", ""},
		{"unmatched-trace", pcaps + "lo-http.pcap", pcaps + "https-h2.trace"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := input(t, []string{tc.capture}, tc.trace, "")
			l := load(t, page(t, in))
			l.clean(t)
			pwned, err1 := chromedp.Run(l.tab, chromedp.Evaluate[bool](`window.pwned !== undefined`))
			injected, err2 := chromedp.Run(l.tab, chromedp.Evaluate[int](`document.querySelectorAll('#report script, #report img, #report iframe').length`))
			text, err3 := chromedp.Run(l.tab, chromedp.Evaluate[string](`document.body.innerText`))
			if err := errors.Join(err1, err2, err3); err != nil {
				t.Fatal(err)
			}
			if pwned || injected > 0 {
				t.Errorf("a string from the capture ran or made elements (pwned %v, %d elements)", pwned, injected)
			}
			switch tc.name {
			case "hostile-http", "hostile-sni":
				if !strings.Contains(text, "<script>window.pwned") {
					t.Errorf("the hostile string is not shown as text")
				}
			case "no-tcp":
				if !strings.Contains(text, "holds no TCP connection") {
					t.Errorf("the page does not say the capture has no TCP:\n%s", text)
				}
			case "unmatched-trace":
				if !strings.Contains(text, "Nothing in the capture matches the trace") {
					t.Errorf("the page does not say the trace matched nothing:\n%s", text)
				}
			}
		})
	}
}

// The harness itself sees a request, a console error and an exception: a
// page without the report's policy that makes all three.
func TestBrowserHarnessSeesFaults(t *testing.T) {
	l := load(t, []byte(`<!DOCTYPE html><body data-ready="1"><img src="http://127.0.0.1:9/x.png"><script>
window.segscope = {ready: true, errors: [], conns: {}}; console.error("boom"); setTimeout(function () { null.x; }, 0);
</script></body>`))
	time.Sleep(300 * time.Millisecond)
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.requests) == 0 {
		t.Error("the request to 127.0.0.1:9 was not seen")
	}
	if len(l.console) < 2 {
		t.Errorf("console %q: want the error and the exception", l.console)
	}
}

// BenchmarkOpenReport opens the report named by SEGSCOPE_BENCH_REPORT
// (report/htmlreport/bench.sh makes one of a million segments) and reports
// how long it took until drawn: from the navigation (open_ms) and by the
// page's own clock (page_ms, performance.now() when the last view is drawn).
func BenchmarkOpenReport(b *testing.B) {
	path := os.Getenv("SEGSCOPE_BENCH_REPORT")
	if path == "" {
		b.Skip("set SEGSCOPE_BENCH_REPORT to a report file (report/htmlreport/bench.sh)")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		b.Fatal(err)
	}
	ctx := browser(b)
	var open, pageMs float64
	for b.Loop() {
		tab, cancel := chromedp.NewContext(ctx)
		start := time.Now()
		err := chromedp.Do(tab, chromedp.EmulateViewport(1400, 1000), chromedp.Navigate("file://"+abs),
			chromedp.WaitVisible(chromedp.CSS(`body[data-ready="1"]`)))
		open += float64(time.Since(start).Milliseconds())
		if err != nil {
			cancel()
			b.Fatal(err)
		}
		ms, err := chromedp.Run(tab, chromedp.Evaluate[float64](`window.segscope.readyMs`))
		if err != nil {
			cancel()
			b.Fatal(err)
		}
		pageMs += ms
		cancel()
	}
	b.ReportMetric(open/float64(b.N), "open_ms")
	b.ReportMetric(pageMs/float64(b.N), "page_ms")
	if st, err := os.Stat(abs); err == nil {
		b.ReportMetric(float64(st.Size())/1e6, "file_MB")
	}
}

// With acknowledgment numbers (the client's ACKs, which analyze keeps on
// each segment), the time-sequence graph draws the ACK and window lines.
func TestBrowserAckLines(t *testing.T) {
	in := input(t, []string{pcaps + "mtu1440-ts.pcap.gz"}, "", "")
	acked := 0
	for _, s := range in.Capture.Connections[0].Segments.All() {
		if s.Dir == analyze.ClientToServer && s.Ack > 0 {
			acked++
		}
	}
	if acked == 0 {
		t.Fatal("the capture's client segments carry no ACK")
	}
	l := load(t, page(t, in))
	l.clean(t)
	if got := l.Conns["0"].AckLine; got == 0 {
		t.Error("no ACK drawn")
	}
	img := l.shot(t, "#view-stevens-0")
	for _, col := range []string{"#2ca02c", "#bcbd22"} {
		if n := pixels(img, col); n < 20 {
			t.Errorf("%d pixels of %s", n, col)
		}
	}
}

// Firefox draws the same page: its headless screenshot (it has no DevTools
// protocol chromedp speaks) shows the timeline's colours. Without firefox
// or firefox-esr on PATH it checks nothing and says so in the log, not as
// a skip (CI counts skips as failures, and does not install Firefox);
// SEGSCOPE_FIREFOX=1 makes a missing Firefox a failure.
func TestFirefoxDraws(t *testing.T) {
	var ff string
	for _, name := range []string{"firefox-esr", "firefox"} {
		if p, err := exec.LookPath(name); err == nil {
			ff = p
			break
		}
	}
	if ff == "" {
		if os.Getenv("SEGSCOPE_FIREFOX") == "1" {
			t.Fatal("no firefox on PATH, and SEGSCOPE_FIREFOX=1: apt-get install firefox-esr")
		}
		t.Log("no firefox on PATH: Firefox not checked (SEGSCOPE_FIREFOX=1 requires it)")
		return
	}
	in := input(t, []string{pcaps + "https-h2.pcap.gz"}, pcaps+"https-h2.trace", pcaps+"https-h2.keys")
	dir := t.TempDir()
	html, shot := filepath.Join(dir, "r.html"), filepath.Join(dir, "r.png")
	if err := os.WriteFile(html, page(t, in), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, ff, "--headless", "--no-remote", "--profile", t.TempDir(), "--window-size=1400,2000", "--screenshot", shot, "file://"+html)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	f, err := os.Open(shot)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	for _, col := range []string{colFull, colH2Frames, colRecord, colFrame, colWindow} {
		if n := pixels(img, col); n < 50 {
			t.Errorf("%d pixels of %s in firefox's screenshot", n, col)
		}
	}
}

// Without a trace the timeline still lays out what carried the bytes.
func TestBrowserNoTrace(t *testing.T) {
	in := input(t, []string{pcaps + "https-h2.pcap.gz"}, "", pcaps+"https-h2.keys")
	l := load(t, page(t, in))
	l.clean(t)
	if got := l.Conns["0"]; got.Reads != 0 || got.Segments == 0 {
		t.Errorf("%d reads, %d segments", got.Reads, got.Segments)
	}
	img := l.shot(t, "#view-timeline-0")
	for _, col := range []string{colFull, colRecord, colFrame} {
		if n := pixels(img, col); n < 20 {
			t.Errorf("%d pixels of %s", n, col)
		}
	}
}

// Past MaxExplainEvents every read is still drawn, from the page's own
// columns; one whose facts were left out says so.
func TestBrowserReadsPastTheExplanation(t *testing.T) {
	in := input(t, []string{pcaps + "mtu1440-ts.pcap.gz"}, pcaps+"mtu1440-ts.trace", "")
	in.Options.MaxExplainEvents = 3
	l := load(t, page(t, in))
	l.clean(t)
	if got, want := l.Conns["0"].Reads, recvData(in.Explain.Trace); got != want {
		t.Errorf("%d reads drawn, the trace has %d", got, want)
	}
	detail, err := chromedp.Run(l.tab, chromedp.Evaluate[string](`window.segscope.select[0](10), document.querySelector('#view-timeline-0 .detail').textContent`))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"cause: ", "packets ", "not in this file"} {
		if !strings.Contains(detail, want) {
			t.Errorf("read 10: %q lacks %q", detail, want)
		}
	}
}

// BenchmarkOpenReportTrace writes the page of a 100000-read transfer (145
// MB, each read one segment: the most reads a transfer that size can
// have), reports its size, and opens it in headless chromium.
func BenchmarkOpenReportTrace(b *testing.B) {
	tr, res := synthtrace.Transfer(100000, 1448, 100*time.Microsecond)
	in := htmlreport.Input{Capture: res, Explain: explain.Explain(tr, res)}
	path := filepath.Join(b.TempDir(), "trace.html")
	start := time.Now()
	if err := htmlreport.WriteFile(path, in); err != nil {
		b.Fatal(err)
	}
	write := time.Since(start)
	st, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	ctx := browser(b)
	var open, pageMs float64
	var reads int
	for b.Loop() {
		tab, cancel := chromedp.NewContext(ctx)
		t0 := time.Now()
		err := chromedp.Do(tab, chromedp.EmulateViewport(1400, 1000), chromedp.Navigate("file://"+path),
			chromedp.WaitVisible(chromedp.CSS(`body[data-ready="1"]`)))
		open += float64(time.Since(t0).Milliseconds())
		if err != nil {
			cancel()
			b.Fatal(err)
		}
		ms, err := chromedp.Run(tab, chromedp.Evaluate[float64](`window.segscope.readyMs`))
		if err == nil {
			reads, err = chromedp.Run(tab, chromedp.Evaluate[int](`window.segscope.conns[0].reads`))
		}
		cancel()
		if err != nil {
			b.Fatal(err)
		}
		pageMs += ms
	}
	if reads != 100000 {
		b.Errorf("%d reads drawn, want 100000", reads)
	}
	b.ReportMetric(open/float64(b.N), "open_ms")
	b.ReportMetric(pageMs/float64(b.N), "page_ms")
	b.ReportMetric(float64(st.Size())/1e6, "file_MB")
	b.ReportMetric(float64(write.Milliseconds()), "write_ms")
}
