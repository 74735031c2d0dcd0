package tlsdec

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/segscope/segscope/internal/wiretest"
	"github.com/segscope/segscope/keylog"
	"github.com/segscope/segscope/stream"
	"github.com/segscope/segscope/tlsrec"
)

// session is one real crypto/tls connection: each direction's bytes, the
// key log crypto/tls wrote, and the plaintext each side sent.
type session struct {
	client, server []byte
	keys           string
	sent           [2][]byte
	state          tls.ConnectionState
}

type config struct {
	max    uint16
	suites []uint16      // TLS 1.2 only: crypto/tls picks TLS 1.3 suites itself
	curves []tls.CurveID // server's: P-256 alone forces a HelloRetryRequest
	n      int
}

func testCert(tb testing.TB) (tls.Certificate, *x509.CertPool) {
	tb.Helper()
	cert, pool, err := wiretest.SelfSigned("segscope.test")
	if err != nil {
		tb.Fatal(err)
	}
	return cert, pool
}

// run makes a real TLS connection: the client sends n bytes, the server
// sends back 2n, in writes of varied sizes, then both close.
func run(tb testing.TB, cfg config) *session {
	tb.Helper()
	cert, pool := testCert(tb)
	cp, sp := net.Pipe()
	cr, sr := wiretest.NewRecConn(cp), wiretest.NewRecConn(sp)
	var keys bytes.Buffer
	var mu sync.Mutex
	kw := writerFunc(func(p []byte) (int, error) { mu.Lock(); defer mu.Unlock(); return keys.Write(p) })
	srv := tls.Server(sr, &tls.Config{Certificates: []tls.Certificate{cert}, MaxVersion: cfg.max, CipherSuites: cfg.suites,
		CurvePreferences: cfg.curves, NextProtos: []string{"h2"}})
	cli := tls.Client(cr, &tls.Config{RootCAs: pool, ServerName: "segscope.test", MaxVersion: cfg.max, CipherSuites: cfg.suites,
		KeyLogWriter: kw, NextProtos: []string{"h2", "http/1.1"}})
	s := &session{}
	for i := 0; i < cfg.n; i++ {
		s.sent[0] = append(s.sent[0], byte(i*7))
	}
	for i := 0; i < 2*cfg.n; i++ {
		s.sent[1] = append(s.sent[1], byte(i*13+1))
	}
	errs := make(chan error, 2)
	go func() {
		buf := make([]byte, cfg.n)
		if _, err := io.ReadFull(srv, buf); err != nil {
			errs <- err
			return
		}
		for p := s.sent[1]; len(p) > 0; {
			k := min(len(p), 1000+len(p)%7000)
			if _, err := srv.Write(p[:k]); err != nil {
				errs <- err
				return
			}
			p = p[k:]
		}
		_, err := io.Copy(io.Discard, srv)
		srv.Close()
		errs <- err
	}()
	go func() { _, err := cli.Write(s.sent[0]); errs <- err }()
	got := make([]byte, 2*cfg.n)
	if _, err := io.ReadFull(cli, got); err != nil {
		tb.Fatal("client read:", err)
	}
	s.state = cli.ConnectionState()
	cli.Close()
	for range 2 {
		if err := <-errs; err != nil {
			tb.Fatal(err)
		}
	}
	s.client, _ = cr.Bytes()
	s.server, _ = sr.Bytes()
	s.keys = keys.String()
	return s
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

func parseKeys(tb testing.TB, text string) *keylog.Store {
	tb.Helper()
	var s keylog.Store
	if err := s.Parse("crypto/tls key log", strings.NewReader(text)); err != nil {
		tb.Fatal(err)
	}
	return &s
}

// sink collects a plaintext stream and checks that it tiles.
type sink struct {
	tb    testing.TB
	data  []byte
	at    []stream.Pos // Pos of each byte
	gaps  int64
	ended bool
}

func (s *sink) Data(off int64, p []byte, at stream.Pos) {
	if off != int64(len(s.data)) {
		s.tb.Fatalf("plaintext Data at %d, want %d", off, len(s.data))
	}
	s.data = append(s.data, p...)
	for range p {
		s.at = append(s.at, at)
	}
}
func (s *sink) Gap(off, n int64, at stream.Pos) {
	s.gaps += n
	s.data = append(s.data, make([]byte, n)...)
	for range n {
		s.at = append(s.at, at)
	}
}
func (s *sink) End(off int64) { s.ended = true }

// feed hands each direction to c in segments, in the order a capture
// shows them: the client's first record (its ClientHello), the server's
// bytes, then the rest of the client's.
func feed(c *Conn, s *session, plans [2][]wiretest.Chunk) {
	raw := [2][]byte{s.client, s.server}
	dirs := [2]*Direction{c.Client(), c.Server()}
	hello := int64(5 + (int(s.client[3])<<8 | int(s.client[4])))
	i := 0
	for ; i < len(plans[0]) && plans[0][i].Off+int64(plans[0][i].N) <= hello; i++ {
		ch := plans[0][i]
		dirs[0].Data(ch.Off, raw[0][ch.Off:ch.Off+int64(ch.N)], ch.At)
	}
	rest := plans[0][i:]
	if len(rest) > 0 && rest[0].Off < hello { // the segment the hello ends in
		ch := rest[0]
		dirs[0].Data(ch.Off, raw[0][ch.Off:hello], ch.At)
		rest = append([]wiretest.Chunk{{Off: hello, N: int(ch.Off + int64(ch.N) - hello), At: ch.At}}, rest[1:]...)
	}
	wiretest.Feed(dirs[1], raw[1], plans[1], true)
	wiretest.Feed(dirs[0], raw[0], rest, true)
}

func plans(s *session) [2][]wiretest.Chunk {
	var out [2][]wiretest.Chunk
	for d, raw := range [2][]byte{s.client, s.server} {
		sizes := []int{1448, 517, 1448, 31, 2896, 1}
		k := 0
		out[d] = wiretest.Split(len(raw), func() int { k++; return sizes[k%len(sizes)] },
			func(i int) stream.Pos { return stream.Pos{Packet: 1000*(d+1) + i} })
	}
	return out
}

func TestDecryptRealSessions(t *testing.T) {
	cases := []struct {
		name    string
		cfg     config
		version Version
		suite   CipherSuite
		over    int
	}{
		{"tls13", config{max: tls.VersionTLS13, n: 70000}, VersionTLS13, 0, 17},
		{"tls13-hrr", config{max: tls.VersionTLS13, curves: []tls.CurveID{tls.CurveP256}, n: 5000}, VersionTLS13, 0, 17},
		{"tls12-aes128", config{max: tls.VersionTLS12, suites: []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256}, n: 40000}, VersionTLS12, 0xC02B, 24},
		{"tls12-aes256", config{max: tls.VersionTLS12, suites: []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384}, n: 40000}, VersionTLS12, 0xC02C, 24},
		{"tls12-chacha", config{max: tls.VersionTLS12, suites: []uint16{tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256}, n: 40000}, VersionTLS12, 0xCCA9, 16},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := run(t, tc.cfg)
			cs := [2]*sink{{tb: t}, {tb: t}}
			c := New(parseKeys(t, s.keys), Limits{}, cs[0], cs[1])
			p := plans(s)
			feed(c, s, p)
			if c.Status() != Decrypted {
				t.Fatalf("status %v", c.Status())
			}
			if c.Version() != tc.version || uint16(c.Suite()) != s.state.CipherSuite || (tc.suite != 0 && c.Suite() != tc.suite) {
				t.Errorf("version %v suite %v; crypto/tls negotiated %x %v", c.Version(), c.Suite(), s.state.Version, CipherSuite(s.state.CipherSuite))
			}
			if c.Overhead() != tc.over {
				t.Errorf("overhead %d, want %d", c.Overhead(), tc.over)
			}
			if alpn, ok := c.ALPN(); !ok || alpn != "h2" {
				t.Errorf("ALPN %q known %v, want h2", alpn, ok)
			}
			for d, dir := range []*Direction{c.Client(), c.Server()} {
				st := dir.Stats()
				if !bytes.Equal(cs[d].data, s.sent[d]) {
					t.Errorf("dir %d: %d plaintext bytes, sent %d (equal prefix %v)", d, len(cs[d].data), len(s.sent[d]), bytes.HasPrefix(s.sent[d], cs[d].data))
				}
				if st.Status != Decrypted || st.Decrypted != st.Encrypted || st.Undecryptable != 0 || st.Plaintext != int64(len(s.sent[d])) || !cs[d].ended {
					t.Errorf("dir %d: %+v ended %v", d, st, cs[d].ended)
				}
				checkSpans(t, dir, p[d], cs[d])
			}
		})
	}
}

// checkSpans checks that the spans tile the plaintext, that every
// plaintext byte's ciphertext position is inside its record, and that
// each byte was delivered with the Pos of the segment that carried its
// ciphertext.
func checkSpans(t *testing.T, dir *Direction, plan []wiretest.Chunk, s *sink) {
	t.Helper()
	recs := dir.W.Records()
	var off int64
	for _, sp := range dir.Spans() {
		if sp.Plain.Start != off {
			t.Fatalf("span %+v starts at %d, want %d", sp, sp.Plain.Start, off)
		}
		off = sp.Plain.End
		r := recs[sp.Record]
		if sp.Cipher < r.Start+5 || sp.Cipher+sp.Plain.Len() > r.End-16 {
			t.Errorf("span %+v outside its record %+v", sp, r.Range)
		}
		for _, p := range []int64{sp.Plain.Start, sp.Plain.End - 1} {
			if p < sp.Plain.Start || p >= int64(len(s.at)) {
				continue
			}
			c, ok := dir.ToCipher(stream.Range{Start: p, End: p + 1})
			if !ok {
				t.Fatalf("ToCipher(%d) failed", p)
			}
			if want := wiretest.PosAt(plan, c.Start); s.at[p] != want {
				t.Errorf("plaintext byte %d (ciphertext %d) delivered with %+v, carried by %+v", p, c.Start, s.at[p], want)
			}
		}
	}
	if off != int64(len(s.data)) {
		t.Errorf("spans cover %d plaintext bytes, stream has %d", off, len(s.data))
	}
}

func TestNoKeyAndWrongKey(t *testing.T) {
	s := run(t, config{max: tls.VersionTLS13, n: 3000})
	cs := [2]*sink{{tb: t}, {tb: t}}
	c := New(&keylog.Store{}, Limits{}, cs[0], cs[1])
	feed(c, s, plans(s))
	if c.Status() != NoKey || c.Server().Stats().Status != NoKey || len(cs[1].data) != 0 {
		t.Errorf("no key: status %v, server %+v, %d plaintext bytes", c.Status(), c.Server().Stats(), len(cs[1].data))
	}
	if st := c.Server().Stats(); st.Encrypted == 0 || st.Decrypted != 0 {
		t.Errorf("no key: %+v", st)
	}

	// The right random with a wrong application secret: the handshake
	// decrypts, the first application record fails, and decryption stops
	// there with its offset.
	keys := parseKeys(t, s.keys)
	for r, sec := range keys.All() {
		keys.Add(keylog.ServerTrafficSecret0, r, bytes.Repeat([]byte{1}, len(sec.ServerTraffic0)))
	}
	cs = [2]*sink{{tb: t}, {tb: t}}
	c = New(keys, Limits{}, cs[0], cs[1])
	feed(c, s, plans(s))
	st := c.Server().Stats()
	if st.Status != AuthFailed || st.Failed.Offset <= 0 || st.Decrypted == 0 || len(cs[1].data) != 0 || !cs[1].ended {
		t.Fatalf("wrong key: %+v, %d plaintext bytes", st, len(cs[1].data))
	}
	if r := c.Server().W.Records()[st.Failed.Record]; r.Start != st.Failed.Offset {
		t.Errorf("failure at record %d offset %d; the record starts at %d", st.Failed.Record, st.Failed.Offset, r.Start)
	}
	if !bytes.Equal(cs[0].data, s.sent[0]) {
		t.Errorf("the client direction, with its right key, gave %d bytes of %d", len(cs[0].data), len(s.sent[0]))
	}
}

// A gap inside a record (a snap length, a loss never resent) leaves that
// record undecryptable; the records after it still decrypt, and the
// plaintext stream keeps its coordinate with an estimated gap.
func TestGapInsideRecord(t *testing.T) {
	s := run(t, config{max: tls.VersionTLS12, suites: []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256}, n: 30000})
	cs := [2]*sink{{tb: t}, {tb: t}}
	c := New(parseKeys(t, s.keys), Limits{}, cs[0], cs[1])
	p := plans(s)
	// Turn one segment of the server's data, in the middle and inside one
	// record's payload, into a gap.
	var bounds []int64
	for off := 0; off+5 <= len(s.server); off += 5 + (int(s.server[off+3])<<8 | int(s.server[off+4])) {
		bounds = append(bounds, int64(off))
	}
	mid := len(p[1]) / 2
	for ; mid < len(p[1]); mid++ {
		ch := p[1][mid]
		inside := true
		for _, b := range bounds {
			if b+5 > ch.Off && b < ch.Off+int64(ch.N) {
				inside = false
			}
		}
		if inside {
			break
		}
	}
	p[1][mid].Gap = true
	raw := [2][]byte{s.client, s.server}
	for d, dir := range []*Direction{c.Client(), c.Server()} {
		wiretest.Feed(dir, raw[d], p[d], true)
	}
	st := c.Server().Stats()
	if st.Status != Decrypted || st.Undecryptable < 1 || st.Undecryptable > 2 || st.Decrypted+st.Undecryptable != st.Encrypted {
		t.Fatalf("%+v", st)
	}
	if int64(len(cs[1].data)) != int64(len(s.sent[1])) || cs[1].gaps == 0 {
		t.Errorf("plaintext %d bytes with %d in gaps; sent %d", len(cs[1].data), cs[1].gaps, len(s.sent[1]))
	}
	// Every byte outside the gaps is right.
	for i := range cs[1].data {
		if cs[1].data[i] != s.sent[1][i] && cs[1].data[i] != 0 {
			t.Fatalf("plaintext byte %d wrong", i)
		}
	}
	if !bytes.HasSuffix(cs[1].data, s.sent[1][len(s.sent[1])-100:]) {
		t.Error("the records after the gap did not decrypt")
	}
}

// TestGapOverRecords: a gap takes one or more whole records with it (a
// packet the capture dropped; review 23: every record after was left
// undecrypted). The walk picks up again at the next record header, whose
// tag tells how many records were lost: every record after decrypts, and
// the lost ones are one gap on the plaintext stream, of their plaintext's
// length (crypto/tls does not pad).
func TestGapOverRecords(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  config
		lost int
	}{
		{"tls12-gcm", config{max: tls.VersionTLS12, suites: []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256}, n: 30000}, 1},
		{"tls12-chacha", config{max: tls.VersionTLS12, suites: []uint16{tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256}, n: 30000}, 2},
		{"tls13", config{max: tls.VersionTLS13, n: 30000}, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := run(t, tc.cfg)
			var bounds []int
			for off := 0; off+5 <= len(s.server); off += 5 + (int(s.server[off+3])<<8 | int(s.server[off+4])) {
				bounds = append(bounds, off)
			}
			bounds = append(bounds, len(s.server))
			j := len(bounds) / 2 // an application data record in the middle
			from, to := bounds[j], bounds[j+tc.lost]
			var plan []wiretest.Chunk
			add := func(lo, hi int, gap bool) {
				for off := lo; off < hi; {
					n := min(1448, hi-off)
					if gap {
						n = hi - off
					}
					plan = append(plan, wiretest.Chunk{Off: int64(off), N: n, Gap: gap, At: stream.Pos{Packet: len(plan), Start: int64(off)}})
					off += n
				}
			}
			add(0, from, false)
			add(from, to, true)
			add(to, len(s.server), false)
			cs := [2]*sink{{tb: t}, {tb: t}}
			c := New(parseKeys(t, s.keys), Limits{}, cs[0], cs[1])
			wiretest.Feed(c.Client(), s.client, plans(s)[0], true)
			wiretest.Feed(c.Server(), s.server, plan, true)
			st := c.Server().Stats()
			if st.Status != Decrypted || st.SeqLost || st.Resumed != 1 || st.Undecryptable != 0 {
				t.Fatalf("%+v", st)
			}
			lostPlain := 0
			for k := j; k < j+tc.lost; k++ {
				lostPlain += bounds[k+1] - bounds[k] - 5 - c.Server().c.s.overhead(c.Server().c.version)
			}
			if int64(len(cs[1].data)) != int64(len(s.sent[1])) || cs[1].gaps != int64(lostPlain) {
				t.Fatalf("plaintext %d bytes, %d in gaps; sent %d, lost %d", len(cs[1].data), cs[1].gaps, len(s.sent[1]), lostPlain)
			}
			for i := range cs[1].data {
				if cs[1].data[i] != s.sent[1][i] && cs[1].data[i] != 0 {
					t.Fatalf("plaintext byte %d wrong", i)
				}
			}
			if !bytes.HasSuffix(cs[1].data, s.sent[1][len(s.sent[1])-1000:]) {
				t.Error("the records after the gap did not decrypt")
			}
		})
	}
}

// TestGapOverHeaderMidSegment: the usual drop, one 1448-byte segment of a
// bulk transfer whose records span many segments: it takes a record's end
// and the next one's header, and no later header starts a segment (review
// 25: the walk, and so decryption, stopped there for good). The walk picks
// up again on the next copy of the sender's bulk record header inside a
// segment, and decryption goes on.
func TestGapOverHeaderMidSegment(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  config
	}{
		{"tls12-gcm", config{max: tls.VersionTLS12, suites: []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256}, n: 200000}},
		{"tls13", config{max: tls.VersionTLS13, n: 200000}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := run(t, tc.cfg)
			var bounds []int
			for off := 0; off+5 <= len(s.server); off += 5 + (int(s.server[off+3])<<8 | int(s.server[off+4])) {
				bounds = append(bounds, off)
			}
			plan := wiretest.Split(len(s.server), func() int { return 1448 }, func(i int) stream.Pos { return stream.Pos{Packet: i} })
			// A segment in the second half holding a record header not at
			// its start.
			gap := -1
			for i := len(plan) / 2; i < len(plan) && gap < 0; i++ {
				ch := plan[i]
				for _, b := range bounds {
					if int64(b) > ch.Off && int64(b)+5 <= ch.Off+int64(ch.N) {
						gap = i
						break
					}
				}
			}
			if gap < 0 {
				t.Fatal("no segment holds a header inside it")
			}
			plan[gap].Gap = true
			cs := [2]*sink{{tb: t}, {tb: t}}
			c := New(parseKeys(t, s.keys), Limits{}, cs[0], cs[1])
			wiretest.Feed(c.Client(), s.client, plans(s)[0], true)
			wiretest.Feed(c.Server(), s.server, plan, true)
			st := c.Server().Stats()
			if st.Status != Decrypted || st.SeqLost || st.Resumed != 1 {
				t.Fatalf("%+v", st)
			}
			if int64(len(cs[1].data)) != int64(len(s.sent[1])) {
				t.Fatalf("plaintext %d bytes, sent %d", len(cs[1].data), len(s.sent[1]))
			}
			for i := range cs[1].data {
				if cs[1].data[i] != s.sent[1][i] && cs[1].data[i] != 0 {
					t.Fatalf("plaintext byte %d wrong", i)
				}
			}
			if !bytes.HasSuffix(cs[1].data, s.sent[1][len(s.sent[1])-20000:]) {
				t.Error("the records after the gap did not decrypt")
			}
		})
	}
}

// A live capture learns the keys a moment after the handshake, from the
// client's key log: the records after that decrypt, with the sequence
// numbers counted through the records before.
func TestKeysArriveLate(t *testing.T) {
	for _, max := range []uint16{tls.VersionTLS12, tls.VersionTLS13} {
		s := run(t, config{max: max, n: 60000})
		keys := &keylog.Store{}
		cs := [2]*sink{{tb: t}, {tb: t}}
		c := New(keys, Limits{}, cs[0], cs[1])
		p := plans(s)
		half := len(p[1]) / 2
		hello := int64(5 + (int(s.client[3])<<8 | int(s.client[4])))
		c.Client().Data(0, s.client[:hello], stream.Pos{Packet: 1})
		wiretest.Feed(c.Server(), s.server, p[1][:half], false)
		if c.Status() != NoKey {
			t.Fatalf("before the keys: %v", c.Status())
		}
		if err := keys.Parse("late", strings.NewReader(s.keys)); err != nil {
			t.Fatal(err)
		}
		wiretest.Feed(c.Server(), s.server, p[1][half:], true)
		st := c.Server().Stats()
		if c.Status() != Decrypted || st.Decrypted == 0 || st.Status != Decrypted {
			t.Fatalf("TLS %x after the keys: %v %+v", max, c.Status(), st)
		}
		tail := s.sent[1][len(s.sent[1])-5000:]
		if !bytes.Contains(cs[1].data, tail) {
			t.Errorf("TLS %x: the records after the keys arrived did not decrypt (%d plaintext bytes)", max, len(cs[1].data))
		}
	}
}

// seal13 makes a TLS 1.3 record of inner type typ holding p, with pad
// zero bytes of padding, protected by k at sequence number seq.
func seal13(k *trafficKeys, seq uint64, typ tlsrec.ContentType, p []byte, pad int) []byte {
	inner := append(append(append([]byte(nil), p...), byte(typ)), make([]byte, pad)...)
	n := len(inner) + k.aead.Overhead()
	hdr := []byte{23, 3, 3, byte(n >> 8), byte(n)}
	var nonce [12]byte
	copy(nonce[:], k.iv[:])
	for i := 0; i < 8; i++ {
		nonce[11-i] ^= byte(seq >> (8 * i))
	}
	return k.aead.Seal(hdr, nonce[:], inner, hdr)
}

// serverUpdateKeys derives the server's application keys before and after
// one KeyUpdate from the key log's secret (the session's one), not from the
// Direction under test, to seal records with.
func serverUpdateKeys(tb testing.TB, c *Conn, keys *keylog.Store) (k0, k1 trafficKeys) {
	tb.Helper()
	var sec keylog.Secrets
	for _, v := range keys.All() {
		sec = v
	}
	k0, err0 := keys13(c.s, sec.ServerTraffic0)
	next, err1 := nextSecret(c.s, sec.ServerTraffic0)
	k1, err2 := keys13(c.s, next)
	if err0 != nil || err1 != nil || err2 != nil {
		tb.Fatal(err0, err1, err2)
	}
	return k0, k1
}

// earlySession is a real 0-RTT connection (pcaps/earlydata-tls13-curl8,
// connection 1: curl 8.14 --tls-earlydata, nginx accepting): each
// direction's bytes; its key log is loaded into keys.
func earlySession(tb testing.TB, keys *keylog.Store) (cli, srv []byte) {
	tb.Helper()
	dir := filepath.Join("testdata", "sessions", "earlydata-curl8")
	cli, err1 := os.ReadFile(dir + ".client")
	srv, err2 := os.ReadFile(dir + ".server")
	if err := keys.LoadFile(dir + ".keys"); err != nil || err1 != nil || err2 != nil {
		tb.Fatal(err, err1, err2)
	}
	return cli, srv
}

// A KeyUpdate moves the sender to the next application secret; padded
// records give back their content without the padding.
func TestKeyUpdateAndPadding(t *testing.T) {
	s := run(t, config{max: tls.VersionTLS13, n: 2000})
	keys := parseKeys(t, s.keys)
	cs := [2]*sink{{tb: t}, {tb: t}}
	c := New(keys, Limits{}, cs[0], cs[1])
	hello := int64(5 + (int(s.client[3])<<8 | int(s.client[4])))
	c.Client().Data(0, s.client[:hello], stream.Pos{Packet: 1})
	srv := c.Server()
	srv.Data(0, s.server, stream.Pos{Packet: 2})
	if !srv.onApp || srv.app == nil {
		t.Fatal("the server is not on its application keys")
	}
	k0, k1 := serverUpdateKeys(t, c, keys)
	var more []byte
	more = append(more, seal13(&k0, srv.seq, tlsrec.Handshake, []byte{24, 0, 0, 1, 0}, 0)...)
	more = append(more, seal13(&k1, 0, tlsrec.ApplicationData, []byte("after the update"), 0)...)
	more = append(more, seal13(&k1, 1, tlsrec.ApplicationData, []byte("padded"), 100)...)
	srv.Data(int64(len(s.server)), more, stream.Pos{Packet: 3})
	srv.End(int64(len(s.server) + len(more)))
	want := append(append([]byte(nil), s.sent[1]...), "after the updatepadded"...)
	if string(cs[1].data) != string(want) {
		t.Errorf("plaintext ends %q", cs[1].data[max(0, len(cs[1].data)-30):])
	}
	if st := srv.Stats(); st.Status != Decrypted || st.Decrypted != st.Encrypted {
		t.Errorf("%+v", st)
	}
}
