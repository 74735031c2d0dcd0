package keylog

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"errors"
	"math/big"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

func mustRandom(t *testing.T, s string) Random {
	t.Helper()
	r, err := ParseRandom(s)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func prefix(b []byte) string { return hex.EncodeToString(b[:min(len(b), 8)]) }

// TestRealKeyLogs reads the key logs curl (OpenSSL) wrote for the captures
// in pcaps/. The client randoms are the ones tshark shows in each
// capture's ClientHello (tls.handshake.random).
func TestRealKeyLogs(t *testing.T) {
	tests := []struct {
		file   string
		random string
		tls13  bool
		// hex prefixes of the secrets, by label
		want map[Label]string
	}{
		{"https-tls12.keys", "eac25d8675b8954691e41860875817a0ed49cf9c489e3ab3dcf8c69cac5b5bc9", false,
			map[Label]string{ClientRandom: "7252ae0770561887"}},
		{"https-h2.keys", "167c38a61251c629c8c916eff8fd048f6be03220ff060ba46cda236cc0379cef", true,
			map[Label]string{
				ClientHandshakeTrafficSecret: "ef743a1ee86f1ab4", ServerHandshakeTrafficSecret: "ad84344a54d1e5c7",
				ClientTrafficSecret0: "400595dc3805c9fa", ServerTrafficSecret0: "5c2a4fd16ff2021f",
				ExporterSecret: "0dbe60a412e5d1c0",
			}},
		{"https-tls13.keys", "eb0e6ecbfe571399341896910c8bf60010cb2b121be7527924dcdc018b6428fc", true,
			map[Label]string{ClientHandshakeTrafficSecret: "29d543db36bc8a1a", ServerTrafficSecret0: "faa9032f6461aec7"}},
		{"ssl-buffer-1388.keys", "4b9df8c17ee863867b8c60b6e1c70f04a301bc5d08bebd2674380bfd1b85251e", true,
			map[Label]string{ClientTrafficSecret0: "6e6f19ccaad0df13"}},
	}
	var all Store
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			var s Store
			if err := s.LoadFile("../pcaps/" + tt.file); err != nil {
				t.Fatal(err)
			}
			if err := all.LoadFile("../pcaps/" + tt.file); err != nil {
				t.Fatal(err)
			}
			if s.Len() != 1 {
				t.Fatalf("Len() = %d, want 1", s.Len())
			}
			sec, ok := s.Lookup(mustRandom(t, tt.random))
			if !ok {
				t.Fatalf("no secrets for %s", tt.random)
			}
			for l, want := range tt.want {
				got := sec.Get(l)
				if len(got) != 48 || prefix(got) != want {
					t.Errorf("%v: %d bytes %s..., want 48 bytes %s...", l, len(got), prefix(got), want)
				}
			}
			if sec.TLS13() != tt.tls13 {
				t.Errorf("TLS13() = %v", sec.TLS13())
			}
			if tt.tls13 && sec.MasterSecret != nil || !tt.tls13 && sec.ClientTraffic0 != nil {
				t.Errorf("secrets of the other TLS version: %+v", sec)
			}
			if sec.ClientEarlyTraffic != nil {
				t.Error("an early traffic secret no line gave")
			}
			// Written back, the key log has the same lines (in another order).
			got, want := sortedLines(s.Bytes()), sortedLines(mustReadFile(t, "../pcaps/"+tt.file))
			if got != want {
				t.Errorf("WriteTo wrote\n%s\nwant the lines of the file:\n%s", got, want)
			}
		})
	}
	if all.Len() != 4 {
		t.Errorf("a store filled from the 4 files has %d randoms", all.Len())
	}
	if _, ok := all.Lookup(Random{}); ok {
		t.Error("Lookup of the zero random found secrets")
	}
	var none *Store
	if _, ok := none.Lookup(mustRandom(t, tests[0].random)); ok || none.Len() != 0 || len(none.Bytes()) != 0 {
		t.Error("a nil *Store is not empty")
	}
}

func mustReadFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func sortedLines(b []byte) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	for i := range lines {
		for j := i + 1; j < len(lines); j++ {
			if lines[j] < lines[i] {
				lines[i], lines[j] = lines[j], lines[i]
			}
		}
	}
	return strings.Join(lines, "\n")
}

// TestGoKeyLogWriter makes a real TLS 1.3 and a TLS 1.2 handshake with
// crypto/tls, logging keys with tls.Config.KeyLogWriter, and finds the
// secrets under the random of the ClientHello the client sent.
func TestGoKeyLogWriter(t *testing.T) {
	cert := selfSigned(t)
	for _, version := range []uint16{tls.VersionTLS13, tls.VersionTLS12} {
		t.Run(tls.VersionName(version), func(t *testing.T) {
			var keys bytes.Buffer
			random := handshake(t, cert, version, &keys)
			var s Store
			if err := s.Parse("go.keys", &keys); err != nil {
				t.Fatalf("%v\n%s", err, keys.Bytes())
			}
			if s.Len() != 1 {
				t.Fatalf("Len() = %d, want 1", s.Len())
			}
			sec, ok := s.Lookup(random)
			if !ok {
				t.Fatalf("no secrets for the ClientHello random %v", random)
			}
			if version == tls.VersionTLS13 {
				// TLS_AES_128_GCM_SHA256: 32-byte secrets.
				if !sec.TLS13() || len(sec.ClientHandshake) != 32 || len(sec.ServerTraffic0) != 32 || sec.MasterSecret != nil {
					t.Errorf("TLS 1.3 secrets: %+v", sec)
				}
			} else if len(sec.MasterSecret) != 48 || sec.TLS13() {
				t.Errorf("TLS 1.2 secrets: %+v", sec)
			}
			n := 0
			for r, sec := range s.All() {
				if r != random || (version == tls.VersionTLS13) != sec.TLS13() {
					t.Errorf("All yields %v %+v", r, sec)
				}
				n++
			}
			if n != 1 {
				t.Errorf("All yields %d randoms", n)
			}
		})
	}
}

func selfSigned(t *testing.T) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "segscope.test"},
		DNSNames:     []string{"segscope.test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// recordingConn keeps the first bytes the client writes: its ClientHello.
type recordingConn struct {
	net.Conn
	mu      sync.Mutex
	written []byte
}

func (c *recordingConn) Write(b []byte) (int, error) {
	c.mu.Lock()
	if len(c.written) < 64 {
		c.written = append(c.written, b...)
	}
	c.mu.Unlock()
	return c.Conn.Write(b)
}

// handshake connects a client and a server over net.Pipe with version,
// the client logging keys to keys, and returns the ClientHello random.
func handshake(t *testing.T, cert tls.Certificate, version uint16, keys *bytes.Buffer) Random {
	t.Helper()
	cc, sc := net.Pipe()
	rec := &recordingConn{Conn: cc}
	pool := x509.NewCertPool()
	leaf, _ := x509.ParseCertificate(cert.Certificate[0])
	pool.AddCert(leaf)
	client := tls.Client(rec, &tls.Config{
		ServerName: "segscope.test", RootCAs: pool, KeyLogWriter: keys,
		MinVersion: version, MaxVersion: version,
	})
	// No session tickets: on net.Pipe the server would block writing them.
	server := tls.Server(sc, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: version, MaxVersion: version, SessionTicketsDisabled: true})
	errc := make(chan error, 1)
	go func() {
		err := server.Handshake()
		if err == nil {
			// Read the client's message so the handshake completes on
			// both sides in TLS 1.3 as well.
			buf := make([]byte, 5)
			_, err = server.Read(buf)
		}
		errc <- err
		sc.Close() // not server.Close: its close_notify would wait for a reader
	}()
	if err := client.Handshake(); err != nil {
		t.Fatal(err)
	}
	if _, err := client.Write([]byte("hello")); err != nil {
		t.Fatal(err)
	}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	cc.Close()
	// A TLS record header (5 bytes), a handshake header (4), the legacy
	// version (2), then the 32-byte random.
	w := rec.written
	if len(w) < 43 || w[0] != 22 || w[5] != 1 {
		t.Fatalf("the client's first bytes are not a ClientHello: % x", w)
	}
	var r Random
	copy(r[:], w[11:43])
	return r
}

func TestParseErrors(t *testing.T) {
	const (
		rnd    = "eac25d8675b8954691e41860875817a0ed49cf9c489e3ab3dcf8c69cac5b5bc9"
		ms     = "7252ae0770561887da299572724e44701dcbca226df194ad0ea393d3c514430c2a8b17b93ca2a4487ee396ee2687f81a"
		secret = "ad84344a54d1e5c7a8c9f4dd856323c38b83201e14ab0b74cdceb1e99ace6d111042fbae203ac4c8fdd57f24f041983d"
		other  = "167c38a61251c629c8c916eff8fd048f6be03220ff060ba46cda236cc0379cef"
	)
	good := "CLIENT_RANDOM " + rnd + " " + ms + "\n"
	good2 := "SERVER_TRAFFIC_SECRET_0 " + other + " " + secret + "\n"
	tests := []struct {
		name, in string
		line     int
		reason   string
		kept     int // randoms kept despite the error
	}{
		{"short master secret", "# comment\n\n" + "CLIENT_RANDOM " + rnd + " " + ms[:94] + "\n", 3,
			"CLIENT_RANDOM: secret is 47 bytes, want 48", 0},
		{"bad hex", good + "SERVER_TRAFFIC_SECRET_0 " + other + " " + secret[:94] + "zz\n", 2,
			"SERVER_TRAFFIC_SECRET_0: secret is not hex", 1},
		{"odd digits", good + "SERVER_TRAFFIC_SECRET_0 " + other + " " + secret[:95] + "\n", 2,
			"SERVER_TRAFFIC_SECRET_0: secret is not hex", 1},
		{"tls13 length", good + "CLIENT_TRAFFIC_SECRET_0 " + other + " " + secret[:80] + "\n", 2,
			"CLIENT_TRAFFIC_SECRET_0: secret is 40 bytes, want 32 or 48", 1},
		{"short random", good + "CLIENT_RANDOM " + rnd[:62] + " " + ms + "\n", 2,
			"CLIENT_RANDOM: client random is 62 hex digits, want 64", 1},
		{"random not hex", good + "CLIENT_RANDOM x" + rnd[1:] + " " + ms + "\n", 2,
			"CLIENT_RANDOM: client random is not hex", 1},
		{"fields", good + "CLIENT_RANDOM " + rnd + "\n", 2,
			"CLIENT_RANDOM: want 3 fields (label, client random, secret), got 2", 1},
		{"first error wins, good lines after it kept", "CLIENT_RANDOM " + rnd + " 00\r\n" + "garbage here\r\n" +
			"SERVER_TRAFFIC_SECRET_0 " + other + " " + secret + "\r\n", 1,
			"CLIENT_RANDOM: secret is 1 bytes, want 48", 1},
		{"garbage inside", good + "Fri Nov 28 lost+found\n", 2,
			"not a key log line: want LABEL CLIENT_RANDOM SECRET", 1},
		// A first line that is not a key log line no longer drops the
		// good lines after it.
		{"not a key log", "# written by hand\n== Info: Trying 127.0.0.1:443...\n" + good, 2,
			"not a key log line: want LABEL CLIENT_RANDOM SECRET", 1},
		{"nothing of a key log", "== Info: Trying 127.0.0.1:443...\n== Info: Connected\n", 1,
			"not a key log line: want LABEL CLIENT_RANDOM SECRET", 0},
		{"binary", good + "\x1f\x8b\x08\x00\x00\x00\x00\x00\n" + good, 2, "binary data: not a key log", 1},
		// A pcapng header: its first bytes are "\n\r\r\n", two blank lines.
		{"binary at once", "\x0a\x0d\x0d\x0a\x6c\x00\x00\x00M<+\x1a\n" + good, 3, "binary data: not a key log", 0},
		{"long line", strings.Repeat("A", 5000), 1, "line longer than 1024 bytes: not a key log", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s Store
			err := s.Parse("keys.txt", strings.NewReader(tt.in))
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %T %v, want a *ParseError", err, err)
			}
			if pe.File != "keys.txt" || pe.Line != tt.line || pe.Reason != tt.reason {
				t.Errorf("got %q (file %q line %d), want keys.txt:%d: %s", err, pe.File, pe.Line, tt.line, tt.reason)
			}
			if s.Len() != tt.kept {
				t.Errorf("kept %d randoms, want %d", s.Len(), tt.kept)
			}
			if len(pe.Text) > 75 || strings.ContainsAny(pe.Text, "\x00\x1f\r\n") {
				t.Errorf("Text %q is not shortened and printable", pe.Text)
			}
		})
	}
	var pe *ParseError
	err := new(Store).Parse("keys.txt", strings.NewReader("CLIENT_RANDOM "+rnd+" "+ms[:94]+"\n"))
	if errors.As(err, &pe); err.Error() != "keys.txt:1: CLIENT_RANDOM: secret is 47 bytes, want 48 (and no line of the file is a key log line: nothing was used)" {
		t.Errorf("Error() = %q", err)
	}
	// The message says what was used: a bad line among good ones, a
	// file of no key log line, and reading stopped by binary data.
	for in, want := range map[string]string{
		"junk first\n" + good + good2:       "keys.txt:1: not a key log line: want LABEL CLIENT_RANDOM SECRET (that line was skipped; the file's 2 other key log lines were used)",
		good + "\x1f\x8b\x08\x00\n" + good2: "keys.txt:2: binary data: not a key log (reading stopped there; the 1 key log lines before it were used)",
		"\x1f\x8b\x08\x00\n" + good:         "keys.txt:1: binary data: not a key log (nothing was used)",
		// Every skipped line is named (review 32: line 8 went unsaid).
		"junk\n" + good + "CLIENT_RANDOM zz 11\n" + good2: "keys.txt:1: not a key log line: want LABEL CLIENT_RANDOM SECRET (that line was skipped, and line 3 too; the file's 2 other key log lines were used)",
		"a\nb\nc\n": "keys.txt:1: not a key log line: want LABEL CLIENT_RANDOM SECRET (that line was skipped, and 2 more lines (2, 3); no line of the file is a key log line: nothing was used)",
	} {
		if err := new(Store).Parse("keys.txt", strings.NewReader(in)); err == nil || err.Error() != want {
			t.Errorf("Error() = %q, want %q", err, want)
		}
	}
}

func TestParseSkips(t *testing.T) {
	const rnd = "eac25d8675b8954691e41860875817a0ed49cf9c489e3ab3dcf8c69cac5b5bc9"
	in := "# SSL/TLS secrets log file, generated by NSS\r\n" +
		"\r\n" +
		"RSA 1a2b3c4d5e6f7081 " + strings.Repeat("ab", 48) + "\r\n" +
		"CLIENT_EARLY_TRAFFIC_SECRET " + rnd + " " + strings.Repeat("01", 32) + "\r\n" +
		"\tCLIENT_RANDOM  " + rnd + "\t" + strings.Repeat("02", 48) + "  \r\n"
	var s Store
	if err := s.Parse("nss.keys", strings.NewReader(in)); err != nil {
		t.Fatal(err)
	}
	sec, ok := s.Lookup(mustRandom(t, strings.ToUpper(rnd)))
	if !ok || len(sec.ClientEarlyTraffic) != 32 || sec.MasterSecret[47] != 2 || s.Len() != 1 {
		t.Errorf("Len %d, secrets %+v", s.Len(), sec)
	}
	for _, in := range []string{"", "\n\n", "# nothing yet\n"} {
		if err := s.Parse("empty.keys", strings.NewReader(in)); err != nil {
			t.Errorf("Parse(%q): %v", in, err)
		}
	}
	if err := s.LoadFile("testdata/no-such.keys"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("LoadFile of a missing file: %v", err)
	}
}

func TestAdd(t *testing.T) {
	var s Store
	r := Random{1, 2, 3}
	if err := s.Add(ClientRandom, r, make([]byte, 32)); err == nil || err.Error() != "CLIENT_RANDOM: secret is 32 bytes, want 48" {
		t.Errorf("Add of a short master secret: %v", err)
	}
	if err := s.Add(Label(0), r, make([]byte, 32)); err == nil {
		t.Error("Add of label 0 succeeded")
	}
	secret := bytes.Repeat([]byte{7}, 48)
	if err := s.Add(ClientRandom, r, secret); err != nil {
		t.Fatal(err)
	}
	secret[0] = 8 // Add copied it
	if sec, _ := s.Lookup(r); sec.MasterSecret[0] != 7 {
		t.Error("Add did not copy the secret")
	}
	if err := s.Add(ClientRandom, r, bytes.Repeat([]byte{9}, 48)); err != nil {
		t.Fatal(err)
	}
	if sec, _ := s.Lookup(r); sec.MasterSecret[0] != 9 || s.Len() != 1 {
		t.Error("a later secret does not replace the earlier one")
	}
	want := "CLIENT_RANDOM 0102030000000000000000000000000000000000000000000000000000000000 " + strings.Repeat("09", 48) + "\n"
	if got := string(s.Bytes()); got != want {
		t.Errorf("Bytes() = %q", got)
	}
	if l, ok := ParseLabel("SERVER_HANDSHAKE_TRAFFIC_SECRET"); !ok || l != ServerHandshakeTrafficSecret || l.String() != "SERVER_HANDSHAKE_TRAFFIC_SECRET" {
		t.Errorf("ParseLabel: %v %v", l, ok)
	}
	if _, ok := ParseLabel("RSA"); ok || Label(99).String() != "Label(99)" {
		t.Error("RSA is a label")
	}
}

// TestConcurrent fills one Store from several goroutines, by Add and by
// Parse, while others look up (run with -race).
func TestConcurrent(t *testing.T) {
	var s Store
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(2)
		go func() {
			defer wg.Done()
			for i := 0; i < 100; i++ {
				s.Add(ServerTrafficSecret0, Random{byte(g), byte(i)}, make([]byte, 32))
			}
		}()
		go func() {
			defer wg.Done()
			for i := 0; i < 100; i++ {
				s.Lookup(Random{byte(g), byte(i)})
				_ = s.Len()
			}
		}()
	}
	keys := mustReadFile(t, "../pcaps/https-h2.keys")
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; i < 20; i++ {
			if err := s.Parse("https-h2.keys", bytes.NewReader(keys)); err != nil {
				t.Error(err)
			}
		}
	}()
	wg.Wait()
	if s.Len() != 401 {
		t.Errorf("Len() = %d", s.Len())
	}
	var again Store
	if err := again.Parse("round trip", bytes.NewReader(s.Bytes())); err != nil || again.Len() != 401 {
		t.Errorf("round trip: %d randoms, %v", again.Len(), err)
	}
}

func TestLookupDoesNotAllocate(t *testing.T) {
	var s Store
	if err := s.LoadFile("../pcaps/https-h2.keys"); err != nil {
		t.Fatal(err)
	}
	r := mustRandom(t, "167c38a61251c629c8c916eff8fd048f6be03220ff060ba46cda236cc0379cef")
	if n := testing.AllocsPerRun(100, func() { s.Lookup(r) }); n != 0 {
		t.Errorf("Lookup allocates %v times", n)
	}
}

// TestParseBOM: a key log saved with a UTF-8 byte order mark (a Windows
// editor) is read (review 21: its first line was "not a key log line").
func TestParseBOM(t *testing.T) {
	const rnd = "eac25d8675b8954691e41860875817a0ed49cf9c489e3ab3dcf8c69cac5b5bc9"
	var s Store
	if err := s.Parse("bom.keys", strings.NewReader("\xef\xbb\xbfCLIENT_RANDOM "+rnd+" "+strings.Repeat("02", 48)+"\r\n")); err != nil || s.Len() != 1 {
		t.Fatalf("Len %d, %v", s.Len(), err)
	}
}
