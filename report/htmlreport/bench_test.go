package htmlreport

import (
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/segscope/segscope/analyze"
	"github.com/segscope/segscope/curltrace"
	"github.com/segscope/segscope/explain"
)

// syntheticTransfer builds a trace and an analysis of one clear HTTP/1
// transfer of n reads of size bytes, each one segment captured 20 µs
// before its read, a read every 100 µs (as explain's own benchmark does),
// so the page's scale with a trace is measured on a fresh clone.
func syntheticTransfer(n, size int) (*curltrace.Trace, *analyze.Result) {
	srv := netip.MustParseAddrPort("10.0.0.1:80")
	t := &curltrace.Trace{Name: "synthetic", HasTimes: true,
		Conns: []curltrace.Connection{{IP: srv.Addr(), Port: srv.Port(), Line: 1}}}
	start := 10 * time.Hour
	t.Events = append(t.Events, curltrace.Event{Kind: curltrace.RecvHeader, Line: 2, Size: 17, HeaderSize: 17,
		Data: []byte("HTTP/1.1 200 OK\r\n"), HasTime: true, Time: start, At: curltrace.TimeOfDay(start), Xfer: -1, Conn: -1})
	c := &analyze.Connection{ID: 0, Client: netip.MustParseAddrPort("10.0.0.2:40000"), Server: srv}
	day := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c.First = day.Add(start).UnixNano()
	c.Segments = append(c.Segments, analyze.Segment{Time: c.First, Offset: 0, Len: 17, Packet: 1, Dir: analyze.ServerToClient})
	for i := range n {
		at := start + time.Duration(i+1)*100*time.Microsecond
		t.Events = append(t.Events, curltrace.Event{Kind: curltrace.RecvData, Line: 3 + i, Size: size, HeaderSize: size,
			HasTime: true, Time: at, At: curltrace.TimeOfDay(at), Xfer: -1, Conn: -1})
		c.Segments = append(c.Segments, analyze.Segment{Time: day.Add(at - 20*time.Microsecond).UnixNano(),
			Offset: 17 + int64(i*size), Len: size, Packet: 2 + i, Dir: analyze.ServerToClient})
	}
	c.Last = c.Segments[len(c.Segments)-1].Time
	t.EventConn = make([]int, len(t.Events))
	return t, &analyze.Result{Sources: []string{"synthetic"}, First: c.First, Last: c.Last, Connections: []*analyze.Connection{c}}
}

// BenchmarkOpenReportTrace writes the page of a 100000-read transfer (145
// MB, each read one segment: the most reads a transfer that size can
// have), reports its size, and opens it in headless chromium.
func BenchmarkOpenReportTrace(b *testing.B) {
	tr, res := syntheticTransfer(100000, 1448)
	in := Input{Capture: res, Explain: explain.Explain(tr, res)}
	path := filepath.Join(b.TempDir(), "trace.html")
	start := time.Now()
	if err := WriteFile(path, in); err != nil {
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
