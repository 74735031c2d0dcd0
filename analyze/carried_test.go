package analyze

import (
	"fmt"

	"path/filepath"
	"testing"

	"github.com/segscope/segscope/capture"
)

// On pcaps/mtu1440-ts (tshark: the GET in frame 6 at .240466, the
// response's first segment, 258 header bytes, in frame 8 at .240560), the
// exchange's time to first byte is 94 µs, and each segment names what it
// carried.
func TestTTFBAndCarriedBy(t *testing.T) {
	src, err := capture.Open(filepath.Join("..", "pcaps", "mtu1440-ts.pcap.gz"))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	a := New(Options{KeepSegments: func(*Connection) bool { return true }})
	if err := a.ReadAll(src); err != nil {
		t.Fatal(err)
	}
	c := a.Result().Connections[0]
	ex := c.App.HTTP.Exchanges()
	if ns, ok := ex[0].TTFB(); !ok || ns != 94000 {
		t.Errorf("TTFB %d ns, %v", ns, ok)
	}
	carried := c.CarriedBy()
	name := func(p int) string {
		var out []string
		for _, u := range carried[p] {
			out = append(out, fmt.Sprintf("%s %q %d", u.Kind, u.Label, u.Size))
		}
		return fmt.Sprint(out)
	}
	if got := name(6); got != `[request-header "GET /100k.bin" 87]` {
		t.Errorf("frame 6 carried %s", got)
	}
	if got := name(8); got != `[response-header "200" 258]` {
		t.Errorf("frame 8 carried %s", got)
	}
	if got := name(10); got != `[response-body "" 102400]` {
		t.Errorf("frame 10 carried %s", got)
	}
}

func TestTopCounts(t *testing.T) {
	got := TopCounts(map[int]int{258: 1, 1388: 73, 1076: 1}, 2)
	if fmt.Sprint(got) != "[{1388 73} {1076 1}]" {
		t.Errorf("%v", got)
	}
}
