package analyze

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/segscope/segscope/capture"
	"github.com/segscope/segscope/keylog"
	"github.com/segscope/segscope/tlsdec"
)

// earlyRun analyzes one of the 0-RTT captures with the key log, less the
// lines drop names.
func earlyRun(t *testing.T, name, drop string) *Result {
	t.Helper()
	b, err := os.ReadFile("../pcaps/" + name + ".keys")
	if err != nil {
		t.Fatal(err)
	}
	var kept []byte
	for _, l := range bytes.SplitAfter(b, []byte("\n")) {
		if drop == "" || !bytes.HasPrefix(l, []byte(drop+" ")) {
			kept = append(kept, l...)
		}
	}
	keys := &keylog.Store{}
	if err := keys.Parse(name+".keys", bytes.NewReader(kept)); err != nil {
		t.Fatal(err)
	}
	src, err := capture.Open("../pcaps/" + name + ".pcap.gz")
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	a := New(Options{Keys: keys})
	if err := a.ReadAll(src); err != nil {
		t.Fatal(err)
	}
	return a.Result()
}

// TLS 1.3 0-RTT early data (pcaps/earlydata-*: curl 8.14 --tls-earlydata
// and openssl s_client against nginx with ssl_early_data on). Packet
// numbers are tshark's (expected/earlydata-*.json, decrypted with the same
// key log).
func TestEarlyData(t *testing.T) {
	t.Run("accepted", func(t *testing.T) {
		c := earlyRun(t, "earlydata-tls13-curl8", "").Connections[1]
		e := c.App.TLSDec.Client().Stats().Early
		if want := (tlsdec.EarlyData{Records: 1, Decrypted: 1, Known: true, Accepted: true, Secret: true}); e != want {
			t.Errorf("early data %+v, want %+v", e, want)
		}
		if st := c.App.TLSDec.Client().Stats(); st.Status != tlsdec.Decrypted || st.Decrypted != st.Encrypted {
			t.Errorf("client %+v", st)
		}
		// The request went as early data in packet 54 (tshark's
		// request_frame); nginx answered in packet 58, before curl's
		// Finished.
		xs := c.App.HTTP.Exchanges()
		if len(xs) != 1 || xs[0].Request == nil || xs[0].Response == nil {
			t.Fatalf("exchanges %+v", xs)
		}
		if r := xs[0].Request; r.Target != "/small.txt" || r.Header.Last.Packet != 54 || xs[0].Response.Header.Last.Packet != 58 {
			t.Errorf("request %s in packet %d, response in %d; tshark: /small.txt in 54, 58", r.Target, r.Header.Last.Packet, xs[0].Response.Header.Last.Packet)
		}
	})
	t.Run("accepted, no early secret", func(t *testing.T) {
		c := earlyRun(t, "earlydata-tls13-curl8", "CLIENT_EARLY_TRAFFIC_SECRET").Connections[1]
		e := c.App.TLSDec.Client().Stats().Early
		if want := (tlsdec.EarlyData{Records: 1, Decrypted: 0, Known: true, Accepted: true}); e != want {
			t.Errorf("early data %+v, want %+v", e, want)
		}
		// Not an authentication failure: the records after it decrypt
		// (all but the early data and EndOfEarlyData).
		st := c.App.TLSDec.Client().Stats()
		if st.Status != tlsdec.Decrypted || st.Decrypted != st.Encrypted-2 {
			t.Errorf("client %+v", st)
		}
		// The early data is a gap of its length (127 - 17) at the start of
		// the client's plaintext, where the HTTP/1 walker stops.
		sp := c.App.TLSDec.Client().Spans()
		if len(sp) == 0 || !sp[0].Estimated || sp[0].Plain.Start != 0 || sp[0].Plain.End != 110 {
			t.Errorf("first client span %+v, want an estimated [0,110)", sp)
		}
		ps := c.App.HTTP.Problems()
		if len(ps) == 0 || ps[0].Response || ps[0].Offset != 0 || !strings.Contains(ps[0].Reason, "not decrypted") {
			t.Errorf("HTTP/1 problems %+v", ps)
		}
	})
	t.Run("accepted, no server handshake secret", func(t *testing.T) {
		c := earlyRun(t, "earlydata-tls13-curl8", "SERVER_HANDSHAKE_TRAFFIC_SECRET").Connections[1]
		// The client's EndOfEarlyData says the server accepted.
		e := c.App.TLSDec.Client().Stats().Early
		if want := (tlsdec.EarlyData{Records: 1, Decrypted: 1, Known: true, Accepted: true, Secret: true}); e != want {
			t.Errorf("early data %+v, want %+v", e, want)
		}
		srv := c.App.TLSDec.Server().Stats()
		if srv.Status != tlsdec.Decrypted || srv.NoHandshakeKey == 0 || srv.Decrypted+srv.NoHandshakeKey != srv.Encrypted {
			t.Errorf("server %+v: its handshake records are not decrypted, the rest are", srv)
		}
		if xs := c.App.HTTP.Exchanges(); len(xs) != 1 || xs[0].Request == nil || xs[0].Request.Target != "/small.txt" || xs[0].Response == nil {
			t.Errorf("exchanges %+v", xs)
		}
	})
	t.Run("rejected", func(t *testing.T) {
		c := earlyRun(t, "earlydata-rejected", "").Connections[1]
		e := c.App.TLSDec.Client().Stats().Early
		if want := (tlsdec.EarlyData{Records: 1, Decrypted: 1, Known: true, Accepted: false, Secret: true}); e != want {
			t.Errorf("early data %+v, want %+v", e, want)
		}
		// tshark shows the early request in packet 24, never answered:
		// the server did not read it, and it is not on the stream.
		if c.App.HTTP != nil && len(c.App.HTTP.Exchanges()) > 0 {
			t.Errorf("exchanges from rejected early data: %+v", c.App.HTTP.Exchanges())
		}
		if st := c.App.TLSDec.Client().Stats(); st.Plaintext != 0 || st.Status != tlsdec.Decrypted {
			t.Errorf("client %+v", st)
		}
	})
}
