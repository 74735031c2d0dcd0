package analyze

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/segscope/segscope/capture"
)

// TestAckMatchesTshark checks every segment's acknowledged offset against
// tshark's relative tcp.ack (which counts the SYN as byte 0, so it is one
// more than segscope's offset).
func TestAckMatchesTshark(t *testing.T) {
	if _, err := exec.LookPath("tshark"); err != nil {
		if os.Getenv("SEGSCOPE_LIVE_TESTS") == "1" {
			t.Fatalf("tshark is needed (apt-get install tshark): %v", err)
		}
		t.Skipf("tshark is not installed (SEGSCOPE_LIVE_TESTS=1 makes this a failure): %v", err)
	}
	for _, name := range []string{"mtu1440-ts.pcap.gz", "https-h2.pcap.gz", "lo-keepalive.pcap"} {
		path := filepath.Join("..", "pcaps", name)
		out, err := exec.Command("tshark", "-n", "-r", path, "-T", "fields", "-e", "frame.number", "-e", "tcp.ack", "-e", "tcp.flags.ack").Output()
		if err != nil {
			t.Fatalf("tshark: %v", err)
		}
		want := map[int]int64{}
		for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			f := strings.Split(l, "\t")
			n, _ := strconv.Atoi(f[0])
			ack, _ := strconv.ParseInt(f[1], 10, 64)
			if len(f) > 2 && (f[2] == "1" || f[2] == "True") {
				want[n] = ack - 1
			} else {
				want[n] = -1
			}
		}
		src, err := capture.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		a := New(Options{KeepSegments: func(*Connection) bool { return true }, SegmentsOnly: true})
		a.ReadAll(src)
		src.Close()
		n := 0
		for _, c := range a.Result().Connections {
			for _, s := range c.Segments.All() {
				if w, ok := want[s.Packet]; !ok || s.Ack != w {
					t.Errorf("%s packet %d: ack %d, tshark %d", name, s.Packet, s.Ack, w)
				}
				n++
			}
		}
		if n < 20 {
			t.Errorf("%s: only %d segments compared", name, n)
		}
	}
}
