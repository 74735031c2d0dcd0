package report

import (
	"encoding/json"

	"math"
	"strconv"
	"strings"

	"github.com/segscope/segscope/analyze"
)

// jenc appends JSON without reflection, byte for byte what encoding/json
// writes for the same values (indented as json.Encoder.SetIndent(prefix,
// "  ") does, or compact): a connection of the analysis is written tens of
// thousands of times, and reflection plus the separate indenting pass cost
// eight times the CSV. The values it has no appender for (the decryption
// summary, one small object a connection) go through encoding/json.
// TestFastJSONMatchesEncodingJSON holds the two to the same bytes on every
// capture in pcaps/: a field added to a json* struct must be added to its
// appender below, or that test fails.
type jenc struct {
	b      []byte
	prefix string // before every line but the first; "" and !indent: compact
	indent bool
	first  []bool // per open object or array: nothing written in it yet
	nl     string // "\n", the prefix and spaces: every line's start
	// httpApp, when set, is the walker whose exchanges go under "http"
	// (jsonConnFast left them out of the jsonApp).
	httpApp *analyze.App
	httpCM  coords
}

const jencSpaces = "                                                                "

func (e *jenc) newline() {
	if e.nl == "" {
		e.nl = "\n" + e.prefix + jencSpaces
	}
	if n := 1 + len(e.prefix) + 2*len(e.first); n <= len(e.nl) {
		e.b = append(e.b, e.nl[:n]...)
		return
	}
	e.b = append(e.b, e.nl...)
	for range len(e.first) - len(jencSpaces)/2 {
		e.b = append(e.b, "  "...)
	}
}

func (e *jenc) open(c byte) {
	e.b = append(e.b, c)
	e.first = append(e.first, true)
}

func (e *jenc) close(c byte) {
	empty := e.first[len(e.first)-1]
	e.first = e.first[:len(e.first)-1]
	if !empty && e.indent {
		e.newline()
	}
	e.b = append(e.b, c)
}

// sep starts an element of the innermost object or array.
func (e *jenc) sep() {
	top := &e.first[len(e.first)-1]
	if !*top {
		e.b = append(e.b, ',')
	}
	*top = false
	if e.indent {
		e.newline()
	}
}

// key starts a member; k is a plain ASCII name.
func (e *jenc) key(k string) {
	e.sep()
	e.b = append(e.b, '"')
	e.b = append(e.b, k...)
	if e.indent {
		e.b = append(e.b, '"', ':', ' ')
	} else {
		e.b = append(e.b, '"', ':')
	}
}

func (e *jenc) str(s string) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			b, _ := json.Marshal(s) // escapes as encoding/json does
			e.b = append(e.b, b...)
			return
		}
	}
	e.b = append(e.b, '"')
	e.b = append(e.b, s...)
	e.b = append(e.b, '"')
}

func (e *jenc) int(v int64) { e.b = strconv.AppendInt(e.b, v, 10) }

func (e *jenc) bool(v bool) { e.b = strconv.AppendBool(e.b, v) }

func (e *jenc) null() { e.b = append(e.b, "null"...) }

// float writes a float64 as encoding/json does (ES6 number formatting).
func (e *jenc) float(f float64) {
	abs := math.Abs(f)
	fmt := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		fmt = 'e'
	}
	e.b = strconv.AppendFloat(e.b, f, fmt, -1, 64)
	if fmt == 'e' {
		// clean up e-09 to e-9
		n := len(e.b)
		if n >= 4 && e.b[n-4] == 'e' && e.b[n-3] == '-' && e.b[n-2] == '0' {
			e.b[n-2] = e.b[n-1]
			e.b = e.b[:n-1]
		}
	}
}

// any writes v with encoding/json, indented to fit where it sits.
func (e *jenc) any(v any) {
	var b []byte
	if e.indent {
		b, _ = json.MarshalIndent(v, e.prefix+strings.Repeat("  ", len(e.first)), "  ")
	} else {
		b, _ = json.Marshal(v)
	}
	e.b = append(e.b, b...)
}

func (e *jenc) optInt(p *int) {
	if p == nil {
		e.null()
	} else {
		e.int(int64(*p))
	}
}

func (e *jenc) optFloat(p *float64) {
	if p == nil {
		e.null()
	} else {
		e.float(*p)
	}
}

func (e *jenc) conn(c *jsonConn) {
	e.open('{')
	e.key("id")
	e.int(int64(c.ID))
	e.key("client")
	e.str(c.Client)
	e.key("server")
	e.str(c.Server)
	e.key("roles_guessed")
	e.bool(c.RolesGuessed)
	e.key("start")
	e.str(c.Start)
	e.key("duration_ms")
	e.float(c.DurationMs)
	e.key("packets")
	e.int(int64(c.Packets))
	e.key("handshake")
	h := &c.Handshake
	e.open('{')
	e.key("seen")
	e.bool(h.Seen)
	e.key("rtt_ms")
	e.optFloat(h.RTTMs)
	e.key("syn_to_synack_ms")
	e.optFloat(h.SYNToSYNACK)
	e.key("synack_to_ack_ms")
	e.optFloat(h.SYNACKToACK)
	e.key("synack_seen")
	e.bool(h.SYNACKSeen)
	e.key("ack_seen")
	e.bool(h.FinalACKSeen)
	e.close('}')
	e.key("directions")
	e.open('{')
	e.key("client_to_server")
	e.dir(&c.Directions.ClientToServer)
	e.key("server_to_client")
	e.dir(&c.Directions.ServerToClient)
	e.close('}')
	e.key("app")
	if c.App == nil {
		e.null()
	} else {
		e.app(c.App)
	}
	e.close('}')
}

func (e *jenc) dir(d *jsonDir) {
	e.open('{')
	DirFields.json(e, &d.row)
	e.key("psh_runs")
	e.open('{')
	e.key("count")
	e.int(int64(d.PSHRuns.Count))
	e.key("mean_bytes")
	e.float(d.PSHRuns.MeanBytes)
	e.key("min_bytes")
	e.int(d.PSHRuns.MinBytes)
	e.key("max_bytes")
	e.int(d.PSHRuns.MaxBytes)
	e.close('}')
	e.key("sizes")
	e.sizeCounts(d.Sizes)
	e.key("histogram")
	if d.Histogram == nil {
		e.null()
	} else {
		e.open('[')
		for _, b := range d.Histogram {
			e.sep()
			e.open('{')
			e.key("min")
			e.int(int64(b.Min))
			e.key("max")
			e.optInt(b.Max)
			e.key("count")
			e.int(int64(b.Count))
			e.close('}')
		}
		e.close(']')
	}
	e.close('}')
}

func (e *jenc) app(a *jsonApp) {
	e.open('{')
	e.key("protocol")
	e.str(a.Protocol)
	if a.Inner != "" {
		e.key("inner")
		e.str(a.Inner)
	}
	if a.Decryption != nil {
		e.key("decryption")
		e.any(a.Decryption)
	}
	e.key("streams")
	e.open('{')
	e.key("client_to_server")
	e.stream(&a.Streams.ClientToServer)
	e.key("server_to_client")
	e.stream(&a.Streams.ServerToClient)
	e.close('}')
	e.key("http")
	// A connection reaches jenc through connFast, which leaves the
	// exchanges in the walker: they are appended from there.
	if e.httpApp != nil {
		e.httpFrom(e.httpApp, e.httpCM)
	} else {
		e.b = append(e.b, "[]"...)
	}
	e.key("http_dropped")
	e.int(int64(a.HTTPDropped))
	e.key("tls")
	if a.TLS == nil {
		e.null()
	} else {
		e.tls(a.TLS)
	}
	e.key("http2")
	if a.HTTP2 == nil {
		e.null()
	} else {
		e.http2(a.HTTP2)
	}
	e.key("problems")
	if a.Problems == nil {
		e.null()
	} else {
		e.open('[')
		for _, p := range a.Problems {
			e.sep()
			e.open('{')
			e.key("direction")
			e.str(p.Direction)
			e.key("offset")
			e.int(p.Offset)
			e.key("reason")
			e.str(p.Reason)
			e.close('}')
		}
		e.close(']')
	}
	if a.UpgradedAt != nil {
		e.key("upgraded_at")
		e.open('[')
		for _, v := range a.UpgradedAt {
			e.sep()
			e.int(v)
		}
		e.close(']')
	}
	if a.Tunnel != nil {
		// The tunnel's exchanges come from its own walker.
		e.key("tunnel")
		app, cm := e.httpApp, e.httpCM
		e.httpApp, e.httpCM = nil, coords{}
		if t := a.Tunnel.src; t != nil && t.HTTP != nil {
			e.httpApp, e.httpCM = t, a.Tunnel.cm
		}
		e.app(a.Tunnel)
		e.httpApp, e.httpCM = app, cm
	}
	e.close('}')
}

func (e *jenc) stream(s *jsonStream) {
	e.open('{')
	e.key("delivered_bytes")
	e.int(s.Delivered)
	e.key("gaps")
	e.int(int64(s.GapCount))
	e.key("gap_bytes")
	e.int(s.GapBytes)
	e.key("gap_list")
	if s.Gaps == nil {
		e.null()
	} else {
		e.open('[')
		for _, g := range s.Gaps {
			e.sep()
			e.open('{')
			e.key("start")
			e.int(g.Start)
			e.key("end")
			e.int(g.End)
			e.key("reason")
			e.str(g.Reason)
			e.close('}')
		}
		e.close(']')
	}
	e.key("memory_bound_hits")
	e.int(int64(s.BoundHits))
	e.close('}')
}

// tls writes a connection's TLS records: the one part of the document
// that grows with the bytes (a record per 16 KiB), so it has an appender
// of its own rather than encoding/json (a third of a run over 1 000 TLS
// connections went to encoding/json's indenting).
func (e *jenc) tls(t *jsonTLS) {
	e.open('{')
	e.key("client_hello")
	if ch := t.ClientHello; ch == nil {
		e.null()
	} else {
		e.open('{')
		e.key("sni")
		e.str(ch.SNI)
		e.key("alpn")
		e.strs(ch.ALPN)
		e.key("versions")
		e.strs(ch.Versions)
		e.close('}')
	}
	e.key("server_hello")
	if sh := t.ServerHello; sh == nil {
		e.null()
	} else {
		e.open('{')
		e.key("version")
		e.str(sh.Version)
		e.key("cipher")
		e.str(sh.Cipher)
		e.key("alpn")
		e.str(sh.ALPN)
		e.close('}')
	}
	e.key("client_to_server")
	e.tlsDir(&t.ClientToServer)
	e.key("server_to_client")
	e.tlsDir(&t.ServerToClient)
	e.close('}')
}

func (e *jenc) tlsDir(d *jsonTLSDir) {
	e.open('{')
	e.key("records")
	e.int(int64(d.Records))
	e.key("bytes")
	e.int(d.Bytes)
	e.key("sizes")
	e.sizeCounts(d.Sizes)
	e.key("list")
	if d.List == nil {
		e.null()
	} else {
		e.open('[')
		for i := range d.List {
			r := &d.List[i]
			e.sep()
			e.open('{')
			e.jsonPart(&r.jsonPart)
			e.key("type")
			e.str(r.Type)
			e.key("version")
			e.str(r.Version)
			e.key("length")
			e.int(int64(r.Length))
			if r.Truncated {
				e.key("truncated")
				e.bool(true)
			}
			e.close('}')
		}
		e.close(']')
	}
	e.key("dropped")
	e.int(int64(d.Dropped))
	e.close('}')
}

// jsonPart writes a part's members (its object's braces are the caller's).
func (e *jenc) jsonPart(p *jsonPart) {
	e.key("start")
	e.int(p.Start)
	e.key("end")
	e.int(p.End)
	e.key("first_packet")
	e.int(int64(p.FirstPacket))
	e.key("first_offset")
	e.int(p.FirstOffset)
	e.key("last_packet")
	e.int(int64(p.LastPacket))
	e.key("last_offset")
	e.int(p.LastOffset)
	if p.FirstTime != "" {
		e.key("first_time")
		e.str(p.FirstTime)
	}
	if p.LastTime != "" {
		e.key("last_time")
		e.str(p.LastTime)
	}
	if p.CipherStart != nil {
		e.key("cipher_start")
		e.int(*p.CipherStart)
	}
	if p.CipherEnd != nil {
		e.key("cipher_end")
		e.int(*p.CipherEnd)
	}
}

// strs writes a list of strings; null for nil, as encoding/json does.
func (e *jenc) strs(ss []string) {
	if ss == nil {
		e.null()
		return
	}
	e.open('[')
	for _, s := range ss {
		e.sep()
		e.str(s)
	}
	e.close(']')
}

// sizeCount writes {size, count}.
func (e *jenc) sizeCount(size, count int) {
	e.open('{')
	e.key("size")
	e.int(int64(size))
	e.key("count")
	e.int(int64(count))
	e.close('}')
}

// sizeCounts writes [{size, count}]; null for nil.
func (e *jenc) sizeCounts(sc []jsonSizeCount) {
	if sc == nil {
		e.null()
		return
	}
	e.open('[')
	for _, s := range sc {
		e.sep()
		e.sizeCount(s.Size, s.Count)
	}
	e.close(']')
}

// http2 writes a connection's HTTP/2 frames and streams (a frame per 16
// KiB of DATA, so, like tls, not through encoding/json).
func (e *jenc) http2(h *jsonH2) {
	e.open('{')
	e.key("preface")
	if h.Preface == nil {
		e.null()
	} else {
		e.open('{')
		e.jsonPart(h.Preface)
		e.close('}')
	}
	for _, d := range []struct {
		key string
		dir *jsonH2Dir
	}{{"client_to_server", &h.ClientToServer}, {"server_to_client", &h.ServerToClient}} {
		e.key(d.key)
		e.open('{')
		e.key("frames")
		if d.dir.Frames == nil {
			e.null()
		} else {
			e.open('[')
			for i := range d.dir.Frames {
				f := &d.dir.Frames[i]
				e.sep()
				e.open('{')
				e.jsonPart(&f.jsonPart)
				e.key("type")
				e.str(f.Type)
				e.key("flags")
				e.int(int64(f.Flags))
				e.key("stream")
				e.int(int64(f.Stream))
				e.key("length")
				e.int(int64(f.Length))
				if f.Truncated {
					e.key("truncated")
					e.bool(true)
				}
				e.close('}')
			}
			e.close(']')
		}
		e.key("dropped")
		e.int(int64(d.dir.Dropped))
		e.close('}')
	}
	e.key("streams")
	if h.Streams == nil {
		e.null()
	} else {
		e.open('[')
		for _, s := range h.Streams {
			e.sep()
			e.open('{')
			e.key("id")
			e.int(int64(s.ID))
			e.key("method")
			e.str(s.Method)
			e.key("path")
			e.str(s.Path)
			e.key("authority")
			e.str(s.Authority)
			e.key("status")
			e.int(int64(s.Status))
			e.key("data_bytes")
			e.int(s.DataBytes)
			e.key("data_frames")
			e.int(int64(s.DataFrames))
			e.close('}')
		}
		e.close(']')
	}
	e.close('}')
}
