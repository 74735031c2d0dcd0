package analyze

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/segscope/segscope/capture"
	"github.com/segscope/segscope/keylog"
	"github.com/segscope/segscope/tlsdec"
)

// Records decrypted only where the walkers read (tlsdec's lazy path,
// taken when nothing keeps the plaintext) give the walks that decrypting
// every record whole gives (KeepBytes keeps the plaintext, so every byte
// is decrypted), on every capture in pcaps/ with a key log.
func TestLazyDecryptionMatchesWhole(t *testing.T) {
	logs, _ := filepath.Glob("../pcaps/*.keys")
	compared := 0
	for _, kf := range logs {
		base := strings.TrimSuffix(kf, ".keys")
		var file string
		for _, ext := range []string{".pcap", ".pcap.gz", ".pcapng"} {
			if _, err := os.Stat(base + ext); err == nil {
				file = base + ext
			}
		}
		if file == "" {
			continue
		}
		t.Run(filepath.Base(base), func(t *testing.T) {
			keys := &keylog.Store{}
			if err := keys.LoadFile(kf); err != nil {
				t.Fatal(err)
			}
			run := func(keep bool) *Result {
				src, err := capture.Open(file)
				if err != nil {
					t.Fatal(err)
				}
				defer src.Close()
				opts := Options{Keys: keys}
				if keep {
					all := func(*Connection) bool { return true }
					opts.KeepSegments, opts.KeepBytes = all, all
				}
				a := New(opts)
				a.ReadAll(src)
				return a.Result()
			}
			lazy, whole := run(false), run(true)
			if len(lazy.Connections) != len(whole.Connections) {
				t.Fatalf("%d connections, %d decrypting whole", len(lazy.Connections), len(whole.Connections))
			}
			for i, c := range lazy.Connections {
				w := whole.Connections[i]
				if c.App.TLSDec == nil {
					continue
				}
				compared++
				if c.App.Inner != w.App.Inner {
					t.Errorf("conn %d: inner %v, whole %v", i, c.App.Inner, w.App.Inner)
				}
				for d, x := range []*tlsdec.Direction{c.App.TLSDec.Client(), c.App.TLSDec.Server()} {
					y := []*tlsdec.Direction{w.App.TLSDec.Client(), w.App.TLSDec.Server()}[d]
					if !reflect.DeepEqual(x.Stats(), y.Stats()) || !reflect.DeepEqual(x.Spans(), y.Spans()) {
						t.Errorf("conn %d dir %d: %+v, whole %+v", i, d, x.Stats(), y.Stats())
					}
				}
				if (c.App.HTTP == nil) != (w.App.HTTP == nil) {
					t.Fatalf("conn %d: HTTP/1 walked in one run only", i)
				}
				if c.App.HTTP != nil && (!reflect.DeepEqual(c.App.HTTP.Exchanges(), w.App.HTTP.Exchanges()) || !reflect.DeepEqual(c.App.HTTP.Problems(), w.App.HTTP.Problems())) {
					t.Errorf("conn %d: HTTP/1 exchanges differ", i)
				}
				for d, h := range c.App.H2 {
					g := w.App.H2[d]
					if (h == nil) != (g == nil) {
						t.Fatalf("conn %d dir %d: HTTP/2 walked in one run only", i, d)
					}
					if h != nil && (!reflect.DeepEqual(h.Frames(), g.Frames()) || !reflect.DeepEqual(h.Streams(), g.Streams()) || !reflect.DeepEqual(h.Problems(), g.Problems())) {
						t.Errorf("conn %d dir %d: HTTP/2 frames differ", i, d)
					}
				}
			}
		})
	}
	if compared < 20 {
		t.Errorf("compared %d TLS connections: too few", compared)
	}
}
