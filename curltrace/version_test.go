package curltrace

import (
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCurlVersion: the version comes from the request's User-Agent in the
// real traces of pcaps/ (curl 7.88.1 and 8.14.1, HTTP/1 and HTTP/2).
func TestCurlVersion(t *testing.T) {
	for name, want := range map[string]string{
		"mtu1440-ts.trace":     "7.88.1",
		"https-h2.trace":       "7.88.1",
		"h2-tls13-curl8.trace": "8.14.1",
		"mtu1400-curl8.trace":  "8.14.1",
	} {
		f, err := os.Open(filepath.Join("..", "pcaps", name))
		if err != nil {
			t.Fatal(err)
		}
		tr, err := Parse(f, name)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		if got := tr.Curl.String(); got != want {
			t.Errorf("%s: curl %s, want %s", name, got, want)
		}
	}
	for in, want := range map[string]string{"8.15.0-DEV\r\n": "8.15.0", "7.88.1]": "7.88.1", "x.y": "unknown", "6.1.0 ": "unknown"} {
		v, _ := parseVersion([]byte(in))
		if v.String() != want {
			t.Errorf("parseVersion(%q) = %s, want %s", in, v, want)
		}
	}
	if !(Version{8, 3, 0}).AtLeast(8, 3) || (Version{7, 88, 1}).AtLeast(8, 3) || (Version{}).AtLeast(7, 0) {
		t.Error("AtLeast")
	}
}

// TestParseGzip: a gzip-compressed trace reads as the trace itself.
func TestParseGzip(t *testing.T) {
	plain, err := os.ReadFile(filepath.Join("..", "pcaps", "mtu1440-ts.trace"))
	if err != nil {
		t.Fatal(err)
	}
	var z bytes.Buffer
	zw := gzip.NewWriter(&z)
	zw.Write(plain)
	zw.Close()
	a, err1 := Parse(bytes.NewReader(plain), "t")
	b, err2 := Parse(&z, "t.gz")
	if err1 != nil || err2 != nil || len(a.Events) != len(b.Events) || len(a.Events) != 84 || !bytes.Equal(a.Events[40].Data, b.Events[40].Data) || a.Curl != b.Curl {
		t.Fatalf("plain %d events (%v), gzip %d (%v)", len(a.Events), err1, len(b.Events), err2)
	}
	if _, err := Parse(bytes.NewReader([]byte{0x1f, 0x8b, 0, 0}), "bad.gz"); err == nil || !strings.Contains(err.Error(), "bad.gz") {
		t.Errorf("a cut gzip header: %v", err)
	}
}
