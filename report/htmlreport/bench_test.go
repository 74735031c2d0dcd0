package htmlreport

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/segscope/segscope/explain"
	"github.com/segscope/segscope/internal/synthtrace"
)

// BenchmarkOpenReportTrace writes the page of a 100000-read transfer (145
// MB, each read one segment: the most reads a transfer that size can
// have), reports its size, and opens it in headless chromium.
func BenchmarkOpenReportTrace(b *testing.B) {
	tr, res := synthtrace.Transfer(100000, 1448, 100*time.Microsecond)
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
