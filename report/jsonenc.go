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
// eight times the CSV. The values it has no appender for (the TLS and
// HTTP/2 parts of a connection, rare and small) go through encoding/json.
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
	if d.Sizes == nil {
		e.null()
	} else {
		e.open('[')
		for _, s := range d.Sizes {
			e.sep()
			e.open('{')
			e.key("size")
			e.int(int64(s.Size))
			e.key("count")
			e.int(int64(s.Count))
			e.close('}')
		}
		e.close(']')
	}
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
		e.any(a.TLS)
	}
	e.key("http2")
	if a.HTTP2 == nil {
		e.null()
	} else {
		e.any(a.HTTP2)
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
