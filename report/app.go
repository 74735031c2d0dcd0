package report

import (
	"fmt"
	"sort"

	"github.com/segscope/segscope/analyze"
	"github.com/segscope/segscope/http1"
	"github.com/segscope/segscope/report/prose"
	"github.com/segscope/segscope/stream"
	"github.com/segscope/segscope/tlsdec"
)

// JSON of the application layer, under each connection's "app".

type jsonApp struct {
	Protocol string `json:"protocol"`
	// Inner is what decrypted TLS carried; "http" and "http2" then hold it
	// on the plaintext coordinate, each part with its ciphertext range.
	Inner       string           `json:"inner,omitempty"`
	Decryption  *jsonDecryption  `json:"decryption,omitempty"`
	Streams     jsonStreamsDirs  `json:"streams"`
	HTTP        []jsonExchange   `json:"http"`
	HTTPDropped int              `json:"http_dropped"`
	TLS         *jsonTLS         `json:"tls"`
	HTTP2       *jsonH2          `json:"http2"`
	Problems    []jsonAppProblem `json:"problems"`
	UpgradedAt  *[2]int64        `json:"upgraded_at,omitempty"`
	// Tunnel is what went through an HTTP proxy's CONNECT tunnel (TLS to
	// the origin), on this connection's stream offsets after upgraded_at.
	Tunnel *jsonApp `json:"tunnel,omitempty"`

	// src and cm are where the fast JSON path appends the exchanges from.
	src *analyze.App
	cm  coords
}

type jsonDecryption struct {
	Status         string         `json:"status"`
	Version        string         `json:"version,omitempty"`
	CipherSuite    string         `json:"cipher_suite,omitempty"`
	ALPN           *string        `json:"alpn"` // null when the capture does not show it
	Resumed        bool           `json:"resumed"`
	Overhead       int            `json:"record_overhead,omitempty"`
	ClientRandom   string         `json:"client_random,omitempty"`
	ClientToServer jsonDecryptDir `json:"client_to_server"`
	ServerToClient jsonDecryptDir `json:"server_to_client"`
}

type jsonDecryptDir struct {
	Status         string `json:"status"`
	Encrypted      int    `json:"encrypted_records"`
	Decrypted      int    `json:"decrypted_records"`
	Undecryptable  int    `json:"undecryptable_records"`
	FirstCut       *int64 `json:"first_undecryptable_offset,omitempty"`
	FailedRecord   *int   `json:"failed_record,omitempty"`
	FailedOffset   *int64 `json:"failed_offset,omitempty"`
	PlaintextBytes int64  `json:"plaintext_bytes"`
	// EarlyData: the client's 0-RTT records, when it sent any.
	EarlyData *jsonEarlyData `json:"early_data,omitempty"`
}

type jsonEarlyData struct {
	Records       int   `json:"records"`
	Decrypted     int   `json:"decrypted"`
	Cut           int   `json:"cut"`
	NoServerHello int   `json:"no_server_hello"`
	Secret        bool  `json:"secret"`
	Accepted      *bool `json:"accepted"` // null when not known
}

type jsonStreamsDirs struct {
	ClientToServer jsonStream `json:"client_to_server"`
	ServerToClient jsonStream `json:"server_to_client"`
}

type jsonStream struct {
	Delivered int64     `json:"delivered_bytes"`
	GapCount  int       `json:"gaps"`
	GapBytes  int64     `json:"gap_bytes"`
	Gaps      []jsonGap `json:"gap_list"`
	BoundHits int       `json:"memory_bound_hits"`
}

type jsonGap struct {
	Start  int64  `json:"start"`
	End    int64  `json:"end"`
	Reason string `json:"reason"`
}

type jsonAppProblem struct {
	Direction string `json:"direction"`
	Offset    int64  `json:"offset"`
	Reason    string `json:"reason"`
}

// jsonPart places a unit on the stream and on the segments that carried
// its first and last byte.
type jsonPart struct {
	Start       int64  `json:"start"`
	End         int64  `json:"end"`
	FirstPacket int    `json:"first_packet"`
	FirstOffset int64  `json:"first_offset"` // where the unit starts inside its first segment
	LastPacket  int    `json:"last_packet"`
	LastOffset  int64  `json:"last_offset"` // where the unit ends inside its last segment
	FirstTime   string `json:"first_time,omitempty"`
	LastTime    string `json:"last_time,omitempty"`
	// Inside TLS, Start and End are plaintext offsets; these are the
	// ciphertext that carried the unit on the TCP stream.
	CipherStart *int64 `json:"cipher_start,omitempty"`
	CipherEnd   *int64 `json:"cipher_end,omitempty"`
}

// coords places the parts of one connection's units: on the TCP stream,
// or, for what was decrypted from TLS, on the plaintext stream with the
// ciphertext range beside (where in a segment a unit starts and ends is
// measured on the ciphertext, the segments' own coordinate).
type coords struct {
	a   *analyze.App // nil: the TCP stream
	dir analyze.Dir
}

func (c coords) in(d analyze.Dir) coords { c.dir = d; return c }

func (c coords) part(r stream.Range, first, last stream.Pos) jsonPart {
	if c.a == nil {
		return partOf(r, first, last)
	}
	cr, ok := c.a.CipherRange(c.dir, r)
	if !ok {
		return partOf(r, stream.Pos{}, stream.Pos{})
	}
	p := partOf(cr, first, last)
	p.Start, p.End = r.Start, r.End
	p.CipherStart, p.CipherEnd = &cr.Start, &cr.End
	return p
}

func partOf(r stream.Range, first, last stream.Pos) jsonPart {
	p := jsonPart{Start: r.Start, End: r.End, FirstPacket: first.Packet, LastPacket: last.Packet,
		FirstTime: timeString(first.Time), LastTime: timeString(last.Time)}
	if first.Packet != 0 {
		p.FirstOffset = r.Start - first.Start
	}
	if last.Packet != 0 {
		p.LastOffset = r.End - last.Start
	}
	return p
}

type jsonExchange struct {
	Index    int          `json:"index"`
	Request  *jsonMessage `json:"request"`
	Response *jsonMessage `json:"response"`
	// TTFBMs is from the request's last byte to the response's first.
	TTFBMs *float64 `json:"ttfb_ms"`
}

type jsonMessage struct {
	Method         string        `json:"method,omitempty"`
	Target         string        `json:"target,omitempty"`
	Status         int           `json:"status,omitempty"`
	Version        string        `json:"version"`
	Header         jsonPart      `json:"header"`
	HeaderBytes    int64         `json:"header_bytes"`
	Body           jsonPart      `json:"body"`
	BodyBytes      int64         `json:"body_bytes"`
	ContentLength  *int64        `json:"content_length"`
	Chunked        bool          `json:"chunked"`
	CloseDelimited bool          `json:"close_delimited"`
	Complete       bool          `json:"complete"`
	Chunks         []jsonChunk   `json:"chunks,omitempty"`
	ChunksDropped  int           `json:"chunks_dropped,omitempty"`
	Interim        []jsonInterim `json:"interim,omitempty"`
	SHA256         string        `json:"body_sha256,omitempty"`
}

type jsonChunk struct {
	jsonPart
	Size      int64 `json:"size"`
	DataStart int64 `json:"data_start"`
	DataEnd   int64 `json:"data_end"`
}

type jsonInterim struct {
	Status int      `json:"status"`
	Header jsonPart `json:"header"`
}

type jsonTLS struct {
	ClientHello    *jsonClientHello `json:"client_hello"`
	ServerHello    *jsonServerHello `json:"server_hello"`
	ClientToServer jsonTLSDir       `json:"client_to_server"`
	ServerToClient jsonTLSDir       `json:"server_to_client"`
}

type jsonClientHello struct {
	SNI      string   `json:"sni"`
	ALPN     []string `json:"alpn"`
	Versions []string `json:"versions"`
}

type jsonServerHello struct {
	Version string `json:"version"`
	Cipher  string `json:"cipher"`
	ALPN    string `json:"alpn"`
}

type jsonTLSDir struct {
	Records int             `json:"records"`
	Bytes   int64           `json:"bytes"`
	Sizes   []jsonSizeCount `json:"sizes"` // record lengths, most common first
	List    []jsonRecord    `json:"list"`
	Dropped int             `json:"dropped"`
}

type jsonRecord struct {
	jsonPart
	Type      string `json:"type"`
	Version   string `json:"version"`
	Length    int    `json:"length"`
	Truncated bool   `json:"truncated,omitempty"`
}

type jsonH2 struct {
	Preface        *jsonPart      `json:"preface"`
	ClientToServer jsonH2Dir      `json:"client_to_server"`
	ServerToClient jsonH2Dir      `json:"server_to_client"`
	Streams        []jsonH2Stream `json:"streams"`
}

type jsonH2Dir struct {
	Frames  []jsonFrame `json:"frames"`
	Dropped int         `json:"dropped"`
}

type jsonFrame struct {
	jsonPart
	Type      string `json:"type"`
	Flags     uint8  `json:"flags"`
	Stream    uint32 `json:"stream"`
	Length    int    `json:"length"`
	Truncated bool   `json:"truncated,omitempty"`
}

type jsonH2Stream struct {
	ID         uint32 `json:"id"`
	Method     string `json:"method"`
	Path       string `json:"path"`
	Authority  string `json:"authority"`
	Status     int    `json:"status"`
	DataBytes  int64  `json:"data_bytes"`
	DataFrames int    `json:"data_frames"`
}

func jsonAppOf(c *analyze.Connection) *jsonApp {
	if c.App == nil {
		return nil
	}
	return jsonAppOfApp(c.App)
}

func jsonAppOfApp(a *analyze.App) *jsonApp {
	out, cm := jsonAppHead(a)
	out.src, out.cm = a, cm
	out.HTTP = []jsonExchange{}
	if a.HTTP != nil {
		for i, e := range a.HTTP.Exchanges() {
			out.HTTP = append(out.HTTP, jsonExchangeOf(i, e, cm))
		}
	}
	return out
}

// jsonAppHead is the application layer without the HTTP/1 exchanges (the
// fast JSON path appends those straight from the walker), and the
// coordinates their parts are placed in.
func jsonAppHead(a *analyze.App) (*jsonApp, coords) {
	out := &jsonApp{Protocol: string(a.Protocol), Problems: []jsonAppProblem{}}
	out.Streams.ClientToServer = jsonStreamOf(a.Streams[0])
	out.Streams.ServerToClient = jsonStreamOf(a.Streams[1])
	var cm coords
	if a.Protocol == analyze.ProtoTLS {
		out.TLS = jsonTLSOf(a, out)
		out.Decryption = jsonDecryptionOf(a)
		if a.Inner != analyze.ProtoNone {
			out.Inner = string(a.Inner)
		}
		cm.a = a
	}
	switch {
	case a.HTTP != nil:
		out.HTTPDropped = a.HTTP.Dropped()
		for _, p := range a.HTTP.Problems() {
			d := analyze.ClientToServer
			if p.Response {
				d = analyze.ServerToClient
			}
			out.Problems = append(out.Problems, jsonAppProblem{d.String(), p.Offset, p.Reason})
		}
		out.UpgradedAt = a.HTTP.UpgradedAt
		if a.Tunnel != nil {
			out.Tunnel = jsonAppOfApp(a.Tunnel)
		}
	case a.H2[0] != nil:
		out.HTTP2 = jsonH2Of(a, out, cm)
	}
	return out, cm
}

func jsonStreamOf(s analyze.StreamStats) jsonStream {
	js := jsonStream{Delivered: s.Delivered, GapCount: int(s.GapCount), GapBytes: s.GapBytes, BoundHits: int(s.BoundHits), Gaps: []jsonGap{}}
	for _, g := range s.Gaps {
		js.Gaps = append(js.Gaps, jsonGap{g.Start, g.End, g.Reason.String()})
	}
	return js
}

// ttfb is an exchange's time to first byte, in milliseconds.
func ttfb(e http1.Exchange) (float64, bool) {
	ns, ok := e.TTFB()
	return round3(float64(ns) / 1e6), ok
}

func jsonExchangeOf(i int, e http1.Exchange, cm coords) jsonExchange {
	je := jsonExchange{Index: i, Request: jsonMessageOf(e.Request, cm.in(analyze.ClientToServer)), Response: jsonMessageOf(e.Response, cm.in(analyze.ServerToClient))}
	if v, ok := ttfb(e); ok {
		je.TTFBMs = &v
	}
	return je
}

func jsonMessageOf(m *http1.Message, cm coords) *jsonMessage {
	if m == nil {
		return nil
	}
	jm := &jsonMessage{Method: m.Method, Target: m.Target, Status: m.Status, Version: m.Version,
		Header: cm.part(m.Header.Range, m.Header.First, m.Header.Last), HeaderBytes: m.Header.Len(),
		Body: cm.part(m.Body.Range, m.Body.First, m.Body.Last), BodyBytes: m.BodyBytes,
		Chunked: m.Chunked, CloseDelimited: m.CloseDelimited, Complete: m.Complete, ChunksDropped: m.ChunksDropped, SHA256: m.SHA256}
	if m.ContentLength >= 0 {
		cl := m.ContentLength
		jm.ContentLength = &cl
	}
	for _, ch := range m.Chunks {
		jm.Chunks = append(jm.Chunks, jsonChunk{cm.part(ch.Range, ch.First, ch.Last), ch.Size, ch.Data.Start, ch.Data.End})
	}
	for _, in := range m.Interim {
		jm.Interim = append(jm.Interim, jsonInterim{in.Status, cm.part(in.Header.Range, in.Header.First, in.Header.Last)})
	}
	return jm
}

func tlsVersion(v uint16) string { return tlsdec.Version(v).String() }

func jsonTLSOf(a *analyze.App, out *jsonApp) *jsonTLS {
	t := &jsonTLS{}
	for d, w := range a.TLS {
		if ch := w.ClientHello(); ch != nil {
			jc := &jsonClientHello{SNI: ch.SNI, ALPN: ch.ALPN, Versions: []string{}}
			for _, v := range ch.Versions {
				jc.Versions = append(jc.Versions, tlsVersion(v))
			}
			t.ClientHello = jc
		}
		if sh := w.ServerHello(); sh != nil {
			t.ServerHello = &jsonServerHello{Version: tlsVersion(sh.Version), Cipher: fmt.Sprintf("0x%04x", sh.Cipher), ALPN: sh.ALPN}
		}
		st := w.Stats()
		jd := jsonTLSDir{Records: st.Records, Bytes: st.Bytes, Dropped: w.Dropped(), Sizes: topCounts(st.Sizes, maxJSONSizes), List: []jsonRecord{}}
		for _, r := range w.Records() {
			jd.List = append(jd.List, jsonRecord{partOf(r.Range, r.First, r.Last), r.Type.String(), tlsVersion(r.Version), r.Length, r.Truncated})
		}
		if d == 0 {
			t.ClientToServer = jd
		} else {
			t.ServerToClient = jd
		}
		for _, p := range w.Problems() {
			out.Problems = append(out.Problems, jsonAppProblem{analyze.Dir(d).String(), p.Offset, p.Reason})
		}
	}
	return t
}

func jsonH2Of(a *analyze.App, out *jsonApp, cm coords) *jsonH2 {
	j := &jsonH2{Streams: []jsonH2Stream{}}
	byID := map[uint32]*jsonH2Stream{}
	var ids []uint32
	for d, w := range a.H2 {
		if p := w.Preface(); p != nil {
			jp := cm.in(analyze.Dir(d)).part(*p, stream.Pos{}, stream.Pos{})
			j.Preface = &jp
		}
		jd := jsonH2Dir{Frames: []jsonFrame{}, Dropped: w.Dropped()}
		for _, f := range w.Frames() {
			jd.Frames = append(jd.Frames, jsonFrame{cm.in(analyze.Dir(d)).part(f.Range, f.First, f.Last), f.Type.String(), uint8(f.Flags), f.StreamID, f.Length, f.Truncated})
		}
		if d == 0 {
			j.ClientToServer = jd
		} else {
			j.ServerToClient = jd
		}
		for _, s := range w.Streams() {
			js := byID[s.ID]
			if js == nil {
				js = &jsonH2Stream{ID: s.ID}
				byID[s.ID] = js
				ids = append(ids, s.ID)
			}
			if s.Method != "" {
				js.Method, js.Path, js.Authority = s.Method, s.Path, s.Authority
			}
			if s.Status != 0 {
				js.Status = s.Status
			}
			if d == 1 {
				js.DataBytes, js.DataFrames = s.DataBytes, s.DataFrames
			}
		}
		for _, p := range w.Problems() {
			out.Problems = append(out.Problems, jsonAppProblem{analyze.Dir(d).String(), p.Offset, p.Reason})
		}
	}
	sort.Slice(ids, func(i, k int) bool { return ids[i] < ids[k] })
	for _, id := range ids {
		j.Streams = append(j.Streams, *byID[id])
	}
	return j
}

func jsonDecryptionOf(a *analyze.App) *jsonDecryption {
	c := a.TLSDec
	if c == nil {
		return nil
	}
	j := &jsonDecryption{Status: c.Status().String(), Resumed: c.Resumed(), Overhead: c.Overhead()}
	if c.Version() != 0 {
		j.Version, j.CipherSuite = c.Version().String(), c.Suite().String()
	}
	if p, ok := c.ALPN(); ok {
		j.ALPN = &p
	}
	if r := c.ClientRandom(); r != [32]byte{} {
		j.ClientRandom = fmt.Sprintf("%x", r[:])
	}
	for d, x := range [2]*tlsdec.Direction{c.Client(), c.Server()} {
		st := x.Stats()
		jd := jsonDecryptDir{Status: st.Status.String(), Encrypted: st.Encrypted, Decrypted: st.Decrypted,
			Undecryptable: st.Undecryptable, PlaintextBytes: st.Plaintext}
		if st.FirstCut >= 0 {
			jd.FirstCut = &st.FirstCut
		}
		if st.Failed.Record >= 0 {
			jd.FailedRecord, jd.FailedOffset = &st.Failed.Record, &st.Failed.Offset
		}
		if e := st.Early; e.Records > 0 {
			jd.EarlyData = &jsonEarlyData{Records: e.Records, Decrypted: e.Decrypted, Cut: e.Cut, NoServerHello: e.NoHello, Secret: e.Secret}
			if e.Known {
				jd.EarlyData.Accepted = &e.Accepted
			}
		}
		if d == 0 {
			j.ClientToServer = jd
		} else {
			j.ServerToClient = jd
		}
	}
	return j
}

// topCounts is analyze.TopCounts as JSON rows.
func topCounts(m map[int]int, n int) []jsonSizeCount {
	out := []jsonSizeCount{}
	for _, c := range analyze.TopCounts(m, n) {
		out = append(out, jsonSizeCount{c.Size, c.Count})
	}
	return out
}

// appSummary is one line per connection for the table: what its
// application layer was.
func appSummary(c *analyze.Connection) string {
	streams := 0
	if c.App != nil && c.App.Protocol == analyze.ProtoH2C {
		streams = len(jsonH2Of(c.App, &jsonApp{}, coords{}).Streams)
	}
	return prose.AppSummary(c, streams)
}
