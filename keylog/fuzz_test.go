package keylog

import (
	"bytes"
	"errors"
	"testing"
)

// FuzzParse feeds arbitrary text to Parse. Beyond not panicking: every
// secret kept has a valid length for its label, an error is a *ParseError
// naming the input and a line that exists, and what was kept writes out as
// a key log that parses back, without error, into the same secrets.
func FuzzParse(f *testing.F) {
	// The committed corpus (testdata/fuzz/FuzzParse) holds real lines from
	// pcaps/*.keys; these add the shapes around them.
	f.Add([]byte("# comment\r\n\r\nRSA 0011223344556677 " + string(bytes.Repeat([]byte("ab"), 48)) + "\r\n"))
	f.Add([]byte("CLIENT_RANDOM 00 11\n"))
	f.Add([]byte("\x0a\x0d\x0d\x0a\x1c\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, in []byte) {
		var s Store
		err := s.Parse("fuzz.keys", bytes.NewReader(in))
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %T %v is not a *ParseError", err, err)
			}
			lines := bytes.Count(in, []byte("\n"))
			if len(in) > 0 && in[len(in)-1] != '\n' {
				lines++
			}
			if pe.File != "fuzz.keys" || pe.Line < 1 || pe.Line > lines {
				t.Fatalf("error %q: file %q line %d of %d lines", err, pe.File, pe.Line, lines)
			}
		}
		n := 0
		for r, sec := range s.All() {
			n++
			for _, l := range labels {
				if b := sec.Get(l); b != nil && !l.ValidLength(len(b)) {
					t.Fatalf("%v %v: kept a secret of %d bytes", l, r, len(b))
				}
			}
		}
		if n != s.Len() {
			t.Fatalf("All yields %d randoms, Len is %d", n, s.Len())
		}
		out := s.Bytes()
		var again Store
		if err := again.Parse("again", bytes.NewReader(out)); err != nil {
			t.Fatalf("written key log does not parse: %v\n%s", err, out)
		}
		if !bytes.Equal(again.Bytes(), out) {
			t.Fatalf("round trip differs:\n%s\n%s", out, again.Bytes())
		}
	})
}
