package curltrace

import (
	"bytes"
	"strconv"
	"strings"
)

// Version is the curl version a trace was written by, as its requests'
// User-Agent tells (curl/7.88.1); zero when the trace does not show it
// (no request logged, or -A / -H 'User-Agent:' replaced it).
type Version struct {
	Major, Minor, Patch int
}

// Known tells whether the trace showed its curl version.
func (v Version) Known() bool { return v.Major > 0 }

// AtLeast tells whether v is known and major.minor or later.
func (v Version) AtLeast(major, minor int) bool {
	return v.Known() && (v.Major > major || v.Major == major && v.Minor >= minor)
}

func (v Version) String() string {
	if !v.Known() {
		return "unknown"
	}
	return strconv.Itoa(v.Major) + "." + strconv.Itoa(v.Minor) + "." + strconv.Itoa(v.Patch)
}

// MarshalText writes the version in JSON ("7.88.1", or "unknown").
func (v Version) MarshalText() ([]byte, error) { return []byte(v.String()), nil }

// curlVersion finds the curl version in the first request's User-Agent:
// the Send header of HTTP/1 (and curl's HTTP/1-style rendering of an
// HTTP/2 request), or the "[user-agent: curl/...]" info line of HTTP/2.
func curlVersion(t *Trace) Version {
	for i := range t.Events {
		e := &t.Events[i]
		var s []byte
		switch {
		case e.Kind == SendHeader:
			s = e.Data
		case e.Kind == Info && strings.Contains(e.Text, "user-agent: curl/"):
			s = []byte(e.Text)
		default:
			continue
		}
		k := bytes.Index(asciiLower(s), []byte("user-agent: curl/"))
		if k < 0 {
			continue
		}
		if v, ok := parseVersion(s[k+len("user-agent: curl/"):]); ok {
			return v
		}
	}
	return Version{}
}

// asciiLower lowers ASCII letters only, keeping every other byte where it
// was: bytes.ToLower turns a byte that is not UTF-8 into three, and an
// index into its result overran the line (found by FuzzParse).
func asciiLower(s []byte) []byte {
	out := make([]byte, len(s))
	for i, c := range s {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		out[i] = c
	}
	return out
}

// parseVersion reads "8.14.1" (up to a space, CR or bracket).
func parseVersion(b []byte) (Version, bool) {
	end := bytes.IndexAny(b, " \r\n]")
	if end >= 0 {
		b = b[:end]
	}
	parts := strings.SplitN(string(b), ".", 3)
	if len(parts) < 2 {
		return Version{}, false
	}
	var n [3]int
	for i, p := range parts {
		// "8.15.0-DEV": the patch number up to the first non-digit
		j := 0
		for j < len(p) && p[j] >= '0' && p[j] <= '9' {
			j++
		}
		v, err := strconv.Atoi(p[:j])
		if err != nil {
			return Version{}, false
		}
		n[i] = v
	}
	if n[0] < 7 || n[0] > 99 {
		return Version{}, false
	}
	return Version{n[0], n[1], n[2]}, true
}
