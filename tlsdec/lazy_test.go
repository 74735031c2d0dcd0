package tlsdec

import (
	"bytes"
	"crypto/tls"
	"testing"

	"github.com/segscope/segscope/keylog"
	"github.com/segscope/segscope/stream"
	"github.com/segscope/segscope/tlsrec"
)

// skipSink reads the first read bytes of every period and says it only
// counts the rest, as a walker does a body: the decrypter may hand those
// over as ciphertext.
type skipSink struct {
	sink
	period, read int64
}

func (s *skipSink) Skippable(off int64) int64 {
	if r := off % s.period; r >= s.read {
		return s.period - r
	}
	return 0
}

// check compares the bytes the sink reads with what was sent, and counts
// the skipped bytes that were left encrypted (were not decrypted).
func (s *skipSink) check(t *testing.T, d int, sent []byte) (encrypted int) {
	t.Helper()
	if len(s.data) != len(sent) {
		t.Fatalf("dir %d: %d bytes delivered, %d sent", d, len(s.data), len(sent))
	}
	for i := range sent {
		if int64(i)%s.period < s.read {
			if s.data[i] != sent[i] {
				t.Fatalf("dir %d: byte %d read as %#x, sent %#x", d, i, s.data[i], sent[i])
			}
		} else if s.data[i] != sent[i] {
			encrypted++
		}
	}
	return encrypted
}

// Records decrypted where the consumer reads give the bytes it reads
// exactly, at every offset inside a record (periods not aligned to the
// cipher's blocks), leave what it skips undecrypted, and count as
// decrypted; each suite.
func TestLazyDecryptsWhatIsRead(t *testing.T) {
	cases := []struct {
		name string
		cfg  config
	}{
		{"tls13", config{max: tls.VersionTLS13, n: 70000}},
		{"tls12-aes128", config{max: tls.VersionTLS12, suites: []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256}, n: 40000}},
		{"tls12-aes256", config{max: tls.VersionTLS12, suites: []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384}, n: 40000}},
		{"tls12-chacha", config{max: tls.VersionTLS12, suites: []uint16{tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256}, n: 40000}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := run(t, tc.cfg)
			cs := [2]*skipSink{{sink{tb: t}, 1013, 37}, {sink{tb: t}, 3001, 9}}
			c := New(parseKeys(t, s.keys), Limits{}, cs[0], cs[1])
			p := plans(s)
			feed(c, s, p)
			for d, dir := range []*Direction{c.Client(), c.Server()} {
				enc := cs[d].check(t, d, s.sent[d])
				skipped := len(s.sent[d]) - len(s.sent[d])/int(cs[d].period)*int(cs[d].read)
				// Pieces of 64 bytes and more are decrypted where the sink
				// reads, and the first record whole: most skipped bytes stay.
				if enc < skipped/2 {
					t.Errorf("dir %d: %d of %d skipped bytes left encrypted", d, enc, skipped)
				}
				st := dir.Stats()
				if st.Status != Decrypted || st.Decrypted != st.Encrypted || st.Plaintext != int64(len(s.sent[d])) {
					t.Errorf("dir %d: %+v", d, st)
				}
				checkSpans(t, dir, p[d], &cs[d].sink)
			}
		})
	}
}

// A wrong key is still told when the consumer skips: the first record
// under each key is opened whole and fails.
func TestLazyWrongKey(t *testing.T) {
	s := run(t, config{max: tls.VersionTLS13, n: 3000})
	keys := parseKeys(t, s.keys)
	for r, sec := range keys.All() {
		keys.Add(keylog.ServerTrafficSecret0, r, bytes.Repeat([]byte{1}, len(sec.ServerTraffic0)))
	}
	cs := [2]*skipSink{{sink{tb: t}, 100, 0}, {sink{tb: t}, 100, 0}}
	c := New(keys, Limits{}, cs[0], cs[1])
	feed(c, s, plans(s))
	if st := c.Server().Stats(); st.Status != AuthFailed || len(cs[1].data) != 0 {
		t.Fatalf("wrong key, skipping consumer: %+v, %d plaintext bytes", st, len(cs[1].data))
	}
}

// After a KeyUpdate the first record under the new key is authenticated,
// and a record with more padding than one piece of its tail still gives
// its content type.
func TestLazyKeyUpdateAndPadding(t *testing.T) {
	s := run(t, config{max: tls.VersionTLS13, n: 2000})
	keys := parseKeys(t, s.keys)
	cs := [2]*skipSink{{sink{tb: t}, 1 << 30, 1 << 30}, {sink{tb: t}, 1 << 30, 1 << 30}} // reads everything
	c := New(keys, Limits{}, cs[0], cs[1])
	hello := int64(5 + (int(s.client[3])<<8 | int(s.client[4])))
	c.Client().Data(0, s.client[:hello], stream.Pos{Packet: 1})
	srv := c.Server()
	srv.Data(0, s.server, stream.Pos{Packet: 2})
	k0, k1 := serverUpdateKeys(t, c, keys)
	bad := k0 // the old key, where the new is due
	var more []byte
	more = append(more, seal13(&k0, srv.seq, tlsrec.Handshake, []byte{24, 0, 0, 1, 0}, 0)...)
	more = append(more, seal13(&k1, 0, tlsrec.ApplicationData, []byte("after the update"), 0)...)
	more = append(more, seal13(&k1, 1, tlsrec.ApplicationData, []byte("padded"), 200)...)
	more = append(more, seal13(&k1, 2, tlsrec.Alert, []byte{1, 0}, 70)...)
	srv.Data(int64(len(s.server)), more, stream.Pos{Packet: 3})
	want := append(append([]byte(nil), s.sent[1]...), "after the updatepadded"...)
	if string(cs[1].data) != string(want) {
		t.Errorf("plaintext ends %q", cs[1].data[max(0, len(cs[1].data)-30):])
	}
	// The session's own close_notify came before; the new one is last.
	st := srv.Stats()
	if a := st.Alerts; st.Status != Decrypted || st.Decrypted != st.Encrypted || len(a) == 0 || a[len(a)-1].Offset != int64(len(s.server)+len(more))-int64(5+2+1+70+16) || a[len(a)-1].Level != 1 {
		t.Errorf("%+v", st)
	}

	// A second update whose records are sealed under the old key: the
	// first of them fails, though the keys before had authenticated.
	off := int64(len(s.server) + len(more))
	more = seal13(&k1, 3, tlsrec.Handshake, []byte{24, 0, 0, 1, 0}, 0)
	more = append(more, seal13(&bad, 0, tlsrec.ApplicationData, []byte("under the old key"), 0)...)
	srv.Data(off, more, stream.Pos{Packet: 4})
	if st := srv.Stats(); st.Status != AuthFailed {
		t.Errorf("a record under the wrong key after an update: %+v", st)
	}
}

// stopSink is a skipSink that, like a walker reading garbage, stops at the
// first byte it reads that is not what was sent.
type stopSink struct {
	skipSink
	want    []byte
	stopped bool
}

func (s *stopSink) Data(off int64, p []byte, at stream.Pos) {
	for i, b := range p {
		o := off + int64(i)
		if !s.stopped && o%s.period < s.read && o < int64(len(s.want)) && b != s.want[o] {
			s.stopped = true
		}
	}
	s.skipSink.Data(off, p, at)
}

func (s *stopSink) Stopped() bool { return s.stopped }

// A record corrupted where the consumer reads stops it, and that record is
// then authenticated, fails, and is reported as the old path reported it;
// corrupted where the consumer only counts, nothing it reads changes.
func TestLazyCorruptedRecord(t *testing.T) {
	s := run(t, config{max: tls.VersionTLS13, n: 70000})
	keys := parseKeys(t, s.keys)
	clean := [2]*stopSink{{skipSink{sink{tb: t}, 3001, 9}, s.sent[0], false}, {skipSink{sink{tb: t}, 3001, 9}, s.sent[1], false}}
	c := New(keys, Limits{}, clean[0], clean[1])
	feed(c, s, plans(s))
	spans := c.Server().Spans()
	cipherAt := func(p int64) (int64, int) {
		for _, sp := range spans {
			if sp.Plain.Contains(p) {
				return sp.Cipher + p - sp.Plain.Start, sp.Record
			}
		}
		t.Fatalf("plaintext offset %d in no span", p)
		return 0, 0
	}
	for _, tc := range []struct {
		name  string
		plain int64 // the plaintext byte whose ciphertext is flipped
		fails bool
	}{
		{"read", 20*3001 + 4, true},
		{"skipped", 20*3001 + 1500, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			off, rec := cipherAt(tc.plain)
			bad := *s
			bad.server = append([]byte(nil), s.server...)
			bad.server[off] ^= 0x40
			cs := [2]*stopSink{{skipSink{sink{tb: t}, 3001, 9}, s.sent[0], false}, {skipSink{sink{tb: t}, 3001, 9}, s.sent[1], false}}
			c := New(keys, Limits{}, cs[0], cs[1])
			feed(c, &bad, plans(&bad))
			st := c.Server().Stats()
			if !tc.fails {
				if st.Status != Decrypted || cs[1].stopped || st.Decrypted != st.Encrypted {
					t.Errorf("a flipped byte nobody reads: %+v, stopped %v", st, cs[1].stopped)
				}
				return
			}
			if st.Status != AuthFailed || st.Failed.Record != rec || !cs[1].stopped {
				t.Errorf("a flipped byte that was read: %+v (record %d), stopped %v", st, rec, cs[1].stopped)
			}
			if st.Decrypted+1 >= st.Encrypted {
				t.Errorf("records after the failure counted as decrypted: %+v", st)
			}
		})
	}
}

// A real 0-RTT connection in capture order (curl 8.14 --tls-earlydata,
// nginx accepting; pcaps/earlydata-tls13-curl8 connection 1): the early
// data comes before the ServerHello, is held, and begins the client's
// plaintext stream once EncryptedExtensions says the server accepted it,
// before the server's answer.
func TestEarlyDataSession(t *testing.T) {
	keys := &keylog.Store{}
	cli, srv := earlySession(t, keys)
	// ClientHello (5+652), ChangeCipherSpec (5+1), early data (5+127).
	early := 657 + 6 + 132
	var order []string
	cs := [2]*orderSink{{sink: sink{tb: t}, name: "client", order: &order}, {sink: sink{tb: t}, name: "server", order: &order}}
	c := New(keys, Limits{}, cs[0], cs[1])
	c.Client().Data(0, cli[:early], stream.Pos{Packet: 1})
	c.Server().Data(0, srv, stream.Pos{Packet: 2})
	c.Client().Data(int64(early), cli[early:], stream.Pos{Packet: 3})
	c.Client().End(int64(len(cli)))
	c.Server().End(int64(len(srv)))
	if !bytes.HasPrefix(cs[0].data, []byte("GET /small.txt HTTP/1.1\r\n")) || len(cs[0].data) != 110 {
		t.Errorf("client plaintext %q", cs[0].data)
	}
	if !bytes.HasPrefix(cs[1].data, []byte("HTTP/1.1 200 OK\r\n")) {
		t.Errorf("server plaintext %.40q", cs[1].data)
	}
	if len(order) == 0 || order[0] != "client" {
		t.Errorf("delivered in the order %v: the request must come before its answer", order)
	}
	st := c.Client().Stats()
	if want := (EarlyData{Records: 1, Decrypted: 1, Known: true, Accepted: true, Secret: true}); st.Early != want || st.Status != Decrypted || st.Decrypted != st.Encrypted {
		t.Errorf("client %+v", st)
	}
}

// orderSink records which direction's Data came first.
type orderSink struct {
	sink
	name  string
	order *[]string
}

func (s *orderSink) Data(off int64, p []byte, at stream.Pos) {
	*s.order = append(*s.order, s.name)
	s.sink.Data(off, p, at)
}

// Early data the capture lost still uses up its early sequence number:
// EndOfEarlyData after it opens, and says the server accepted.
func TestEarlyDataCut(t *testing.T) {
	keys := &keylog.Store{}
	cli, srv := earlySession(t, keys)
	hello, early := 657+6, 657+6+132
	cs := [2]*sink{{tb: t}, {tb: t}}
	c := New(keys, Limits{}, cs[0], cs[1])
	c.Client().Data(0, cli[:hello+50], stream.Pos{Packet: 1})
	c.Client().Gap(int64(hello+50), int64(early-hello-50), stream.Pos{Packet: 2})
	c.Server().Data(0, srv, stream.Pos{Packet: 3})
	c.Client().Data(int64(early), cli[early:], stream.Pos{Packet: 4})
	c.Client().End(int64(len(cli)))
	st := c.Client().Stats()
	if want := (EarlyData{Records: 1, Cut: 1, Known: true, Accepted: true, Secret: true}); st.Early != want || st.Status != Decrypted {
		t.Errorf("client %+v", st)
	}
	if cs[0].gaps != 110 {
		t.Errorf("client plaintext gap %d bytes, want the early data's 110", cs[0].gaps)
	}
}
