package analyze

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/segscope/segscope/capture"
	"github.com/segscope/segscope/h2"
	"github.com/segscope/segscope/http1"
	"github.com/segscope/segscope/keylog"
	"github.com/segscope/segscope/stream"
	"github.com/segscope/segscope/tlsdec"
)

// expectedApp is the application layer pcaps/expect.py recorded from
// tshark (http, tls.record.*, http2.*) for each connection.
type expectedApp struct {
	File       string `json:"file"`
	BodySHA256 string `json:"body_sha256"`
	Bodies     []struct {
		Path   string `json:"path"`
		SHA256 string `json:"sha256"`
	} `json:"bodies"`
	Connections []struct {
		HTTP      []expectedExchange `json:"http"`
		Decrypted *struct {
			HTTP  []expectedExchange `json:"http"`
			HTTP2 *expectedH2        `json:"http2"`
		} `json:"decrypted"`
		TLS *struct {
			SNI            *string          `json:"sni"`
			ALPNOffered    []string         `json:"alpn_offered"`
			ClientToServer []expectedRecord `json:"client_to_server"`
			ServerToClient []expectedRecord `json:"server_to_client"`
		} `json:"tls"`
		HTTP2 *expectedH2 `json:"http2"`
	} `json:"connections"`
}

type expectedH2 struct {
	Preface        bool            `json:"preface"`
	ClientToServer []expectedFrame `json:"client_to_server"`
	ServerToClient []expectedFrame `json:"server_to_client"`
	Streams        []struct {
		Stream    uint32 `json:"stream"`
		Method    string `json:"method"`
		Path      string `json:"path"`
		Status    int    `json:"status"`
		DataBytes int64  `json:"data_bytes"`
	} `json:"streams"`
}

// expectedExchange is one HTTP request and its response as tshark saw them.
type expectedExchange struct {
	RequestFrame       int     `json:"request_frame"`
	RequestFirstFrame  int     `json:"request_first_frame"`
	Method             *string `json:"method"`
	URI                string  `json:"uri"`
	RequestFileDataLen *int64  `json:"request_file_data_len"`
	ResponseFrame      int     `json:"response_frame"`
	ResponseFirstFrame int     `json:"response_first_frame"`
	Status             int     `json:"status"`
	ContentLength      *int64  `json:"content_length"`
	ChunkSizes         []int64 `json:"chunk_sizes"`
	FileDataLen        *int64  `json:"file_data_len"`
	InterimStatuses    []int   `json:"interim_statuses"`
}

type expectedRecord struct {
	Frame   int    `json:"frame"`
	Type    uint8  `json:"type"`
	Version uint16 `json:"version"`
	Length  int    `json:"length"`
}

type expectedFrame struct {
	Frame  int    `json:"frame"`
	Type   uint8  `json:"type"`
	Flags  uint8  `json:"flags"`
	Stream uint32 `json:"stream"`
	Length int    `json:"length"`
}

// TestApplicationLayerMatchesTshark checks every HTTP exchange, chunk size,
// TLS record and HTTP/2 frame of the captures in pcaps/ against tshark,
// including the packet each one completed in, and every complete HTTP/1
// body's SHA-256 against the file the server sent.
func TestApplicationLayerMatchesTshark(t *testing.T) {
	files, _ := filepath.Glob("../pcaps/expected/*.json")
	checked := map[string]int{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var want expectedApp
		if err := json.Unmarshal(b, &want); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		t.Run(want.File, func(t *testing.T) {
			src, err := capture.Open(filepath.Join("..", "pcaps", want.File))
			if err != nil {
				t.Fatal(err)
			}
			defer src.Close()
			// The key log the capture was made with, if any: tshark
			// decrypted with the same one.
			keys := &keylog.Store{}
			base := strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(want.File, ".gz"), ".pcap"), ".pcapng")
			if err := keys.LoadFile(filepath.Join("..", "pcaps", base+".keys")); err != nil && !errors.Is(err, fs.ErrNotExist) {
				t.Fatal(err)
			}
			a := New(Options{HashBodies: true, Keys: keys})
			a.ReadAll(src) // a cut capture reports an error; what was read is checked
			res := a.Result()
			if len(res.Connections) != len(want.Connections) {
				t.Fatalf("%d connections, tshark %d", len(res.Connections), len(want.Connections))
			}
			for i, wc := range want.Connections {
				c := res.Connections[i]
				if len(wc.HTTP) > 0 {
					checked["http"] += checkHTTP(t, c, wc.HTTP, want)
				}
				if wc.TLS != nil {
					checked["tls"] += checkTLS(t, c, wc.TLS.SNI, wc.TLS.ALPNOffered, [2][]expectedRecord{wc.TLS.ClientToServer, wc.TLS.ServerToClient})
				}
				if wc.HTTP2 != nil {
					checked["h2"] += checkH2Streams(t, c, wc.HTTP2)
				}
				if wc.Decrypted != nil && (len(wc.Decrypted.HTTP) > 0 || wc.Decrypted.HTTP2 != nil) {
					if st := c.App.TLSDec.Status(); st == tlsdec.Unsupported && strings.Contains(c.App.TLSDec.Suite().String(), "_CBC_") {
						checked["unsupported"]++ // CBC suites are not decrypted: reported, not guessed
						continue
					}
					if c.App.TLSDec.Status() != tlsdec.Decrypted {
						t.Errorf("connection %d: %v; tshark decrypted it", c.ID, c.App.TLSDec.Status())
						continue
					}
					if e := c.App.TLSDec.Client().Stats().Early; e.Known && !e.Accepted && unanswered(wc.Decrypted.HTTP) {
						// tshark decrypts 0-RTT data the server rejected and
						// shows its request; the server never read it, and
						// segscope does not lay it on the stream.
						if c.App.HTTP != nil && len(c.App.HTTP.Exchanges()) > 0 {
							t.Errorf("connection %d: HTTP exchanges from early data the server rejected", c.ID)
						}
						checked["rejected early data"]++
						continue
					}
					if len(wc.Decrypted.HTTP) > 0 {
						checked["decrypted http"] += checkHTTP(t, c, wc.Decrypted.HTTP, want)
					}
					if wc.Decrypted.HTTP2 != nil {
						checked["decrypted h2"] += checkH2Streams(t, c, wc.Decrypted.HTTP2)
					}
				} else if wc.TLS != nil && c.App.Inner != ProtoNone && c.App.Inner != ProtoUnknown {
					t.Errorf("connection %d: decrypted to %s; tshark did not decrypt it", c.ID, c.App.Inner)
				}
			}
		})
	}
	// The captures must exercise every walker, or this test proves little.
	if checked["http"] < 20 || checked["tls"] < 50 || checked["h2"] < 20 || checked["decrypted h2"] < 40 || checked["decrypted http"] < 2 {
		t.Errorf("checked %v: too few units compared with tshark", checked)
	}
}

// unanswered tells whether no request of es got a response.
func unanswered(es []expectedExchange) bool {
	for _, e := range es {
		if e.ResponseFrame != 0 {
			return false
		}
	}
	return true
}

func checkH2Streams(t *testing.T, c *Connection, w *expectedH2) int {
	t.Helper()
	n := checkH2(t, c, w.Preface, [2][]expectedFrame{w.ClientToServer, w.ServerToClient})
	for i, ws := range w.Streams {
		req := findStream(c.App.H2[ClientToServer].Streams(), ws.Stream)
		resp := findStream(c.App.H2[ServerToClient].Streams(), ws.Stream)
		if req.Method != ws.Method || req.Path != ws.Path || resp.Status != ws.Status || resp.DataBytes != ws.DataBytes {
			t.Errorf("h2 stream %d (%d): %s %s %d %d bytes; tshark %+v", ws.Stream, i, req.Method, req.Path, resp.Status, resp.DataBytes, ws)
		}
	}
	return n
}

// completedIn is the packet in which the bytes up to a unit's end could
// be read: the segment that carried its last byte or, inside TLS, the one
// that completed the record holding it (tshark's frame for a decrypted
// unit).
func completedIn(c *Connection, d Dir, end int64, last stream.Pos) int {
	if c.App.TLSDec == nil {
		return last.Packet
	}
	x := c.App.TLSDec.Client()
	if d == ServerToClient {
		x = c.App.TLSDec.Server()
	}
	i, ok := x.SpanOf(end - 1)
	if !ok {
		return -1
	}
	return x.W.Records()[x.Spans()[i].Record].Last.Packet
}

func findStream(ss []h2.StreamInfo, id uint32) h2.StreamInfo {
	for _, s := range ss {
		if s.ID == id {
			return s
		}
	}
	return h2.StreamInfo{}
}

func checkHTTP(t *testing.T, c *Connection, want []expectedExchange, files expectedApp) int {
	t.Helper()
	if c.App == nil || c.App.HTTP == nil {
		t.Fatalf("connection %d: protocol %v, tshark saw HTTP", c.ID, c.App)
	}
	ex := c.App.HTTP.Exchanges()
	if c.App.Streams[0].GapBytes > 0 || c.App.Streams[1].GapBytes > 0 {
		// Bytes were not captured (a snap length): tshark dissects what it
		// has of a cut header, segscope reports the header as lost.
		if len(c.App.HTTP.Problems()) == 0 {
			t.Errorf("connection %d: gaps under HTTP but no problem reported", c.ID)
		}
		return 0
	}
	if len(ex) != len(want) {
		t.Fatalf("connection %d: %d exchanges, tshark %d", c.ID, len(ex), len(want))
	}
	for i, w := range want {
		e := ex[i]
		q, r := e.Request, e.Response
		if w.ResponseFrame == 0 && q != nil && r != nil {
			// tshark names no response that did not complete in the capture.
			if r.Complete {
				t.Errorf("connection %d exchange %d: response complete; tshark saw none", c.ID, i)
			}
			continue
		}
		if q == nil || r == nil {
			t.Errorf("connection %d exchange %d: request %v response %v", c.ID, i, q != nil, r != nil)
			continue
		}
		if q.Method != *w.Method || q.Target != w.URI || r.Status != w.Status {
			t.Errorf("connection %d exchange %d: %s %s %d; tshark %s %s %d", c.ID, i, q.Method, q.Target, r.Status, *w.Method, w.URI, w.Status)
		}
		if c.App.TLSDec == nil { // inside TLS, tshark's first frames are the records' ends, a guess
			if lastPacket(q) != w.RequestFrame || q.Header.First.Packet != w.RequestFirstFrame {
				t.Errorf("connection %d exchange %d: request in packets %d-%d; tshark %d-%d", c.ID, i, q.Header.First.Packet, lastPacket(q), w.RequestFirstFrame, w.RequestFrame)
			}
			// A body delimited by the close ends, for tshark, at the FIN.
			if (lastPacket(r) != w.ResponseFrame && !(r.CloseDelimited && w.ResponseFrame > lastPacket(r))) || r.Header.First.Packet != w.ResponseFirstFrame {
				t.Errorf("connection %d exchange %d: response in packets %d-%d; tshark %d-%d", c.ID, i, r.Header.First.Packet, lastPacket(r), w.ResponseFirstFrame, w.ResponseFrame)
			}
		} else {
			qe, re := q.Header.End, r.Header.End
			if q.Body.Len() > 0 {
				qe = q.Body.End
			}
			if r.Body.Len() > 0 {
				re = r.Body.End
			}
			if got := completedIn(c, ClientToServer, qe, stream.Pos{}); got != w.RequestFrame {
				t.Errorf("connection %d exchange %d: request complete in packet %d; tshark %d", c.ID, i, got, w.RequestFrame)
			}
			if got := completedIn(c, ServerToClient, re, stream.Pos{}); got != w.ResponseFrame {
				t.Errorf("connection %d exchange %d: response complete in packet %d; tshark %d", c.ID, i, got, w.ResponseFrame)
			}
		}
		if (w.ContentLength == nil) != (r.ContentLength < 0) || w.ContentLength != nil && *w.ContentLength != r.ContentLength {
			t.Errorf("connection %d exchange %d: Content-Length %d; tshark %v", c.ID, i, r.ContentLength, w.ContentLength)
		}
		if w.FileDataLen != nil && *w.FileDataLen != r.BodyBytes {
			t.Errorf("connection %d exchange %d: body %d bytes; tshark %d", c.ID, i, r.BodyBytes, *w.FileDataLen)
		}
		if w.RequestFileDataLen != nil && *w.RequestFileDataLen != q.BodyBytes {
			t.Errorf("connection %d exchange %d: request body %d bytes; tshark %d", c.ID, i, q.BodyBytes, *w.RequestFileDataLen)
		}
		var sizes []int64
		for _, ch := range r.Chunks {
			sizes = append(sizes, ch.Size)
		}
		if !slices.Equal(sizes, w.ChunkSizes) && (len(sizes) > 0 || len(w.ChunkSizes) > 0) {
			t.Errorf("connection %d exchange %d: chunk sizes %v; tshark %v", c.ID, i, sizes, w.ChunkSizes)
		}
		var interim []int
		for _, in := range r.Interim {
			interim = append(interim, in.Status)
		}
		if !slices.Equal(interim, w.InterimStatuses) {
			t.Errorf("connection %d exchange %d: interim %v; tshark %v", c.ID, i, interim, w.InterimStatuses)
		}
		if r.SHA256 != "" {
			if wantSum := bodySum(files, q.Target); wantSum != "" && r.SHA256 != wantSum {
				t.Errorf("connection %d exchange %d: body SHA-256 %s, the server's file %s", c.ID, i, r.SHA256, wantSum)
			}
		}
	}
	return len(want)
}

func lastPacket(m *http1.Message) int {
	if m.Body.Len() > 0 {
		return m.Body.Last.Packet
	}
	return m.Header.Last.Packet
}

func bodySum(e expectedApp, target string) string {
	for _, b := range e.Bodies {
		if b.Path == target {
			return b.SHA256
		}
	}
	if len(e.Bodies) == 0 {
		return e.BodySHA256
	}
	return ""
}

func checkTLS(t *testing.T, c *Connection, sni *string, alpn []string, want [2][]expectedRecord) int {
	t.Helper()
	if c.App == nil || c.App.Protocol != ProtoTLS {
		t.Fatalf("connection %d: protocol %v, tshark saw TLS", c.ID, c.App)
	}
	if c.App.Streams[0].GapBytes > 0 || c.App.Streams[1].GapBytes > 0 {
		// A snap length cut the records: tshark resynchronises on record
		// headers at segment starts; segscope stops at the first gap over a
		// header, and says so.
		if len(c.App.TLS[0].Problems())+len(c.App.TLS[1].Problems()) == 0 {
			t.Errorf("connection %d: gaps under TLS but no problem reported", c.ID)
		}
		return 0
	}
	ch := c.App.TLS[ClientToServer].ClientHello()
	if ch == nil || sni != nil && ch.SNI != *sni || !slices.Equal(ch.ALPN, alpn) {
		t.Errorf("connection %d: ClientHello %+v; tshark SNI %v ALPN %v", c.ID, ch, sni, alpn)
	}
	n := 0
	for d, w := range want {
		got := c.App.TLS[d].Records()
		if len(got) != len(w) {
			t.Errorf("connection %d %s: %d records; tshark %d", c.ID, Dir(d), len(got), len(w))
			continue
		}
		for i, r := range got {
			if uint8(r.Type) != w[i].Type || r.Version != w[i].Version || r.Length != w[i].Length || r.Last.Packet != w[i].Frame {
				t.Errorf("connection %d %s record %d: type %d version %x length %d in packet %d; tshark %+v", c.ID, Dir(d), i, r.Type, r.Version, r.Length, r.Last.Packet, w[i])
			}
		}
		n += len(w)
	}
	return n
}

func checkH2(t *testing.T, c *Connection, preface bool, want [2][]expectedFrame) int {
	t.Helper()
	if c.App == nil || c.App.H2[0] == nil {
		t.Fatalf("connection %d: protocol %v, tshark saw HTTP/2", c.ID, c.App)
	}
	if (c.App.H2[ClientToServer].Preface() != nil) != preface {
		t.Errorf("connection %d: preface %v, tshark %v", c.ID, c.App.H2[ClientToServer].Preface(), preface)
	}
	n := 0
	for d, w := range want {
		got := c.App.H2[d].Frames()
		if len(got) != len(w) {
			t.Errorf("connection %d %s: %d frames; tshark %d", c.ID, Dir(d), len(got), len(w))
			continue
		}
		for i, f := range got {
			in := completedIn(c, Dir(d), f.End, f.Last)
			if uint8(f.Type) != w[i].Type || uint8(f.Flags) != w[i].Flags || f.StreamID != w[i].Stream || f.Length != w[i].Length || in != w[i].Frame {
				t.Errorf("connection %d %s frame %d: type %d flags %x stream %d length %d in packet %d; tshark %+v", c.ID, Dir(d), i, f.Type, f.Flags, f.StreamID, f.Length, in, w[i])
			}
		}
		n += len(w)
	}
	return n
}

// TestH2PrefaceUnit: the client preface of pcaps/h2c.pcap is the first 24
// bytes of packet 4 (tshark: its 64 bytes start with the preface, then
// SETTINGS), and its unit names that packet as its first and last.
func TestH2PrefaceUnit(t *testing.T) {
	res, err := analyzeFile(t, "../pcaps/h2c.pcap")
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range res.Connections[0].Units() {
		if u.Kind != UnitH2Preface {
			continue
		}
		if u.Range.Start != 0 || u.Range.End != 24 || u.First.Packet != 4 || u.Last.Packet != 4 {
			t.Errorf("preface %+v", u)
		}
		return
	}
	t.Error("no preface unit")
}

// TestAdvmssOneSide: the server's route announced MSS 1000 (ip route
// ... advmss 1000; offloads off, veth MTU 1500), the client 1460. A
// route's advmss lowers what the server announces, not what it sends:
// tshark shows 41 server segments of 1448. The server's direction is
// limited by the client's MSS (1448 = 1460 - 12), with no super-segment;
// the client's by the server's (988 = 1000 - 12).
// testdata/advmss-server.pcap.gz: two namespaces, python3 -m http.server
// serving 60000 bytes, curl 7.88, tcpdump -i on the client's veth.
func TestAdvmssOneSide(t *testing.T) {
	res, err := analyzeFile(t, "testdata/advmss-server.pcap.gz")
	if err != nil || len(res.Connections) != 1 {
		t.Fatalf("%v, %d connections", err, len(res.Connections))
	}
	c := res.Connections[0]
	s := c.Dir(ServerToClient).EffectiveMSS()
	if s.Value != 1448 || s.MSS != 1460 || s.MSSFrom != ClientToServer {
		t.Errorf("server's effective MSS %+v, want 1448 from the client's 1460", s)
	}
	if st := c.Dir(ServerToClient).Stats(); st.Super != 0 || st.Full != 41 {
		t.Errorf("server's segments: %d super, %d full; want 0 and 41", st.Super, st.Full)
	}
	if e := c.Dir(ClientToServer).EffectiveMSS(); e.Value != 988 || e.MSSFrom != ServerToClient {
		t.Errorf("client's effective MSS %+v, want 988 from the server's 1000", e)
	}
	for _, w := range res.Warnings {
		if w.Kind == WarnSuperSegments {
			t.Errorf("warning %+v", w)
		}
	}
}

// TestConnectTunnel: curl 8.14 -x http://proxy https://origin (a Go
// CONNECT proxy, nginx TLS 1.2 serving 40 000 bytes), both legs captured,
// with the key log (explain/testdata/field/proxy-tls12.*). The TLS inside
// the tunnel (connection 0, after the proxy's 39-byte response) is walked
// and decrypted: its records are the proxy-to-origin leg's (connection 1),
// 39 bytes further on, and carry the same GET.
func TestConnectTunnel(t *testing.T) {
	ks := &keylog.Store{}
	if err := ks.LoadFile("../explain/testdata/field/proxy-tls12.keys"); err != nil {
		t.Fatal(err)
	}
	for _, workers := range []int{1, 3} {
		src, err := capture.Open("../explain/testdata/field/proxy-tls12.pcap.gz")
		if err != nil {
			t.Fatal(err)
		}
		a := New(Options{Keys: ks, Workers: workers})
		if err := a.ReadAll(src); err != nil {
			t.Fatal(err)
		}
		src.Close()
		cs := a.Result().Connections
		if len(cs) != 2 || cs[0].App == nil || cs[1].App == nil {
			t.Fatalf("%d connections", len(cs))
		}
		proxy, origin := cs[0].App, cs[1].App
		tu := proxy.Tunnel
		if proxy.Protocol != ProtoHTTP1 || tu == nil || tu.Protocol != ProtoTLS || tu.Inner != ProtoHTTP1 || origin.Protocol != ProtoTLS || origin.Tunnel != nil {
			t.Fatalf("proxy %s tunnel %+v, origin %s", proxy.Protocol, tu, origin.Protocol)
		}
		if up := proxy.HTTP.UpgradedAt; up == nil || *up != [2]int64{114, 39} || !proxy.HTTP.Tunnel {
			t.Fatalf("upgraded at %v", up)
		}
		for d, shift := range []int64{114, 39} {
			in, out := tu.TLS[d].Records(), origin.TLS[d].Records()
			if len(in) != len(out) || len(in) == 0 {
				t.Fatalf("workers %d, dir %d: %d records in the tunnel, %d on the origin's leg", workers, d, len(in), len(out))
			}
			for i := range in {
				if in[i].Start != out[i].Start+shift || in[i].End != out[i].End+shift || in[i].Type != out[i].Type {
					t.Errorf("dir %d record %d: %v in the tunnel, %v on the origin's leg", d, i, in[i].Range, out[i].Range)
				}
			}
		}
		ex := tu.HTTP.Exchanges()
		if tu.TLSDec.Status() != tlsdec.Decrypted || len(ex) != 1 || ex[0].Request.Target != "/40k.txt" || ex[0].Response.BodyBytes != 40000 {
			t.Errorf("tunnel: %v, %d exchanges", tu.TLSDec.Status(), len(ex))
		}
		// The map: the CONNECT's units, then the tunnel's records and the
		// GET inside them on the TCP stream (its first record at 1359,
		// after 5 bytes of header and 8 of explicit nonce), exchange 1.
		var body, get *Unit
		units := cs[0].Units()
		for i := range units {
			switch u := &units[i]; {
			case u.Kind == UnitRequestHeader && u.Label == "GET /40k.txt":
				get = u
			case u.Kind == UnitResponseBody:
				body = u
			}
		}
		if len(units) != 20 || get == nil || body == nil || get.Exchange != 1 || get.Range != (stream.Range{Start: 737, End: 823}) || body.Range != (stream.Range{Start: 1614, End: 41672}) {
			t.Errorf("%d units, GET %+v, body %+v", len(units), get, body)
		}
	}
}
