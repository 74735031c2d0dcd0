package capture

import (
	"path/filepath"
	"slices"
	"testing"
)

// TestTimeOrder: files sorted by their first packet (tshark's
// frame.time_epoch of frame 1: lo-chunked 1795466656.13, mtu1440-ts
// 1795466674.24, https-h2 1795466691.95); a file that cannot be read keeps
// its place; standard input moves nothing.
func TestTimeOrder(t *testing.T) {
	p := func(n string) string { return filepath.Join("..", "pcaps", n) }
	in := []string{p("https-h2.pcap.gz"), "missing.pcap", p("mtu1440-ts.pcap.gz"), p("lo-chunked.pcap")}
	got, moved := TimeOrder(in)
	want := []string{p("lo-chunked.pcap"), "missing.pcap", p("mtu1440-ts.pcap.gz"), p("https-h2.pcap.gz")}
	if !moved || !slices.Equal(got, want) {
		t.Errorf("got %v (moved %v), want %v", got, moved, want)
	}
	if got, moved := TimeOrder(want); moved || !slices.Equal(got, want) {
		t.Errorf("sorted input moved: %v", got)
	}
	withStdin := []string{p("https-h2.pcap.gz"), "-"}
	if got, moved := TimeOrder(withStdin); moved || !slices.Equal(got, withStdin) {
		t.Errorf("with stdin: %v", got)
	}
}
