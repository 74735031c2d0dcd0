package curltrace

import (
	"os"
	"path/filepath"
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
