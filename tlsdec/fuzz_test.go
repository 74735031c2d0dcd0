package tlsdec

import (
	"crypto/tls"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/segscope/segscope/internal/wiretest"
	"github.com/segscope/segscope/keylog"
	"github.com/segscope/segscope/stream"
)

var genSessions = flag.Bool("gen-sessions", false, "record the fuzz seed sessions in testdata/sessions")

// The fuzz seeds are real crypto/tls sessions with their key log, kept in
// testdata so that the fuzzer mutates records it can decrypt.
var seedSessions = []struct {
	name string
	cfg  config
}{
	{"tls13", config{max: tls.VersionTLS13, n: 3000}},
	{"tls12-aes128", config{max: tls.VersionTLS12, suites: []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256}, n: 3000}},
	{"tls12-chacha", config{max: tls.VersionTLS12, suites: []uint16{tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256}, n: 3000}},
}

// TestSeedSessions checks that the committed seed sessions decrypt with
// their key logs, both ways, to the plaintext run sent (3000 bytes up,
// 6000 down); -gen-sessions records them again first.
func TestSeedSessions(t *testing.T) {
	dir := filepath.Join("testdata", "sessions")
	for _, s := range seedSessions {
		if *genSessions {
			ses := run(t, s.cfg)
			os.MkdirAll(dir, 0o755)
			for ext, b := range map[string][]byte{".client": ses.client, ".server": ses.server, ".keys": []byte(ses.keys)} {
				if err := os.WriteFile(filepath.Join(dir, s.name+ext), b, 0o644); err != nil {
					t.Fatal(err)
				}
			}
		}
		cli, err1 := os.ReadFile(filepath.Join(dir, s.name+".client"))
		srv, err2 := os.ReadFile(filepath.Join(dir, s.name+".server"))
		keys := &keylog.Store{}
		if err := keys.LoadFile(filepath.Join(dir, s.name+".keys")); err != nil || err1 != nil || err2 != nil {
			t.Fatal(err, err1, err2)
		}
		cs := [2]*sink{{tb: t}, {tb: t}}
		c := New(keys, Limits{}, cs[0], cs[1])
		feed(c, &session{client: cli, server: srv}, plans(&session{client: cli, server: srv}))
		if c.Status() != Decrypted || len(cs[0].data) != s.cfg.n || len(cs[1].data) != 2*s.cfg.n {
			t.Errorf("%s: %v, %d bytes up, %d down", s.name, c.Status(), len(cs[0].data), len(cs[1].data))
		}
	}
}

// FuzzConn feeds mutated real sessions, in segments and gaps the plan
// bytes choose, and checks what must hold on any input: the plaintext
// tiles its stream, every span lies inside its record, each plaintext
// byte maps back into the ciphertext, and the counts add up.
func FuzzConn(f *testing.F) {
	keys := &keylog.Store{}
	for _, s := range seedSessions {
		dir := filepath.Join("testdata", "sessions", s.name)
		cli, err1 := os.ReadFile(dir + ".client")
		srv, err2 := os.ReadFile(dir + ".server")
		if err1 != nil || err2 != nil {
			f.Fatalf("seed %s: %v %v", s.name, err1, err2)
		}
		if err := keys.LoadFile(dir + ".keys"); err != nil {
			f.Fatal(err)
		}
		f.Add(cli, srv, []byte{0x20, 0xC3, 0x80, 0x05})
		f.Add(cli, srv, []byte{})
		f.Add(cli, srv, []byte{0x21, 0xC3, 0x80, 0x05})
	}
	// A real 0-RTT connection (pcaps/earlydata-tls13-curl8, connection 1:
	// curl 8.14 --tls-earlydata, nginx accepting): its early data and
	// EndOfEarlyData under the early keys.
	cli, srv := earlySession(f, keys)
	f.Add(cli, srv, []byte{})
	f.Add(cli, srv, []byte{0x21, 0x40, 0x07})
	f.Fuzz(func(t *testing.T, cli, srv, plan []byte) {
		cs := [2]*sink{{tb: t}, {tb: t}}
		cons := [2]stream.Consumer{cs[0], cs[1]}
		if len(plan) > 0 && plan[0]&1 == 1 {
			// A consumer that skips, as the walkers do: records are then
			// decrypted only where it reads (lazy.go).
			ss := [2]*skipSink{{sink{tb: t}, 1 + int64(plan[0]), int64(plan[0] >> 2)}, {sink{tb: t}, 700 + int64(plan[0]), 9}}
			cs, cons = [2]*sink{&ss[0].sink, &ss[1].sink}, [2]stream.Consumer{ss[0], ss[1]}
		}
		c := New(keys, Limits{MaxRecords: 1000}, cons[0], cons[1])
		dirs := [2]*Direction{c.Client(), c.Server()}
		// The client's first 600 bytes (its hello), then the server, then
		// the rest of the client, each cut by the plan.
		head := min(len(cli), 600)
		wiretest.Feed(dirs[0], cli, wiretest.FuzzPlan(head, plan), false)
		wiretest.Feed(dirs[1], srv, wiretest.FuzzPlan(len(srv), plan), true)
		rest := wiretest.FuzzPlan(len(cli)-head, plan)
		for i := range rest {
			rest[i].Off += int64(head)
		}
		wiretest.Feed(dirs[0], cli, rest, false)
		dirs[0].End(int64(len(cli)))
		for d, x := range dirs {
			st := x.Stats()
			if st.Decrypted+st.Undecryptable > st.Encrypted {
				t.Fatalf("dir %d: %+v", d, st)
			}
			if st.Plaintext != int64(len(cs[d].data)) || !cs[d].ended {
				t.Fatalf("dir %d: %d plaintext bytes delivered, stats say %d (ended %v)", d, len(cs[d].data), st.Plaintext, cs[d].ended)
			}
			recs := x.W.Records()
			var off int64
			for _, sp := range x.Spans() {
				if sp.Plain.Start != off || sp.Plain.End < sp.Plain.Start {
					t.Fatalf("dir %d: span %+v after %d", d, sp, off)
				}
				off = sp.Plain.End
				if sp.Record < 0 {
					if !sp.Estimated {
						t.Fatalf("dir %d: span %+v of no record, not estimated", d, sp)
					}
					continue // records a gap took whole
				}
				if sp.Record >= len(recs) {
					continue // past the records kept
				}
				r := recs[sp.Record]
				if sp.Cipher < r.Start+5 || sp.Cipher+sp.Plain.Len() > r.Start+5+int64(r.Length) {
					t.Fatalf("dir %d: span %+v outside record %+v", d, sp, r)
				}
				if sp.Plain.Len() > 0 {
					cr, ok := x.ToCipher(stream.Range{Start: sp.Plain.Start, End: sp.Plain.End})
					if !ok || cr.Start != sp.Cipher || cr.Len() != sp.Plain.Len() {
						t.Fatalf("dir %d: ToCipher of span %+v = %+v %v", d, sp, cr, ok)
					}
				}
			}
			if len(x.Spans()) < 1000 && off != st.Plaintext {
				t.Fatalf("dir %d: spans cover %d of %d plaintext bytes", d, off, st.Plaintext)
			}
		}
	})
}
