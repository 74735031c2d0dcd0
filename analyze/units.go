package analyze

import (
	"fmt"
	"sort"

	"github.com/segscope/segscope/http1"
	"github.com/segscope/segscope/stream"
)

// UnitKind names a kind of application unit.
type UnitKind string

const (
	UnitRequestHeader  UnitKind = "request-header"
	UnitRequestBody    UnitKind = "request-body"
	UnitInterimHeader  UnitKind = "interim-header"
	UnitResponseHeader UnitKind = "response-header"
	UnitResponseBody   UnitKind = "response-body"
	UnitChunk          UnitKind = "chunk"
	UnitTLSRecord      UnitKind = "tls-record"
	UnitH2Preface      UnitKind = "h2-preface"
	UnitH2Frame        UnitKind = "h2-frame"
)

// Unit is one application unit on a direction's stream: a header block, a
// body, a chunk, a TLS record, an HTTP/2 frame. Units of one direction may
// nest (a chunk inside its body) but never overlap otherwise.
type Unit struct {
	Dir  Dir
	Kind UnitKind
	stream.Range
	First, Last stream.Pos // the segments carrying the first and last byte
	// Exchange is the HTTP exchange (index) or HTTP/2 stream ID the unit
	// belongs to; -1 when none.
	Exchange int
	// Label names the unit by what it holds: "GET /x", "200",
	// "application_data", "DATA"; empty for a body or a chunk, which its
	// Size (and Chunks) describe (report/prose words them).
	Label string
	// Chunks is the number of chunks of a chunked body, those not kept
	// included.
	Chunks int
	// Size is the payload the unit carries: a header's bytes, body or
	// chunk data bytes, TLS record length, HTTP/2 frame length.
	Size int64
	// Truncated units were cut by the end of the capture or a gap.
	Truncated bool
	// Plain is the unit's range on the decrypted stream when it travelled
	// inside TLS (InTLS); Range is then the ciphertext that carried it, on
	// the TCP stream, from its first byte's position to its last's.
	Plain stream.Range
	InTLS bool
}

// Units lists the connection's application units, by direction then
// offset (a body before the chunks inside it).
func (c *Connection) Units() []Unit {
	if c.App == nil {
		return nil
	}
	out := c.App.units(nil)
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Dir != out[j].Dir {
			return out[i].Dir < out[j].Dir
		}
		return out[i].Start < out[j].Start
	})
	return out
}

// units appends a's units, a proxy's CONNECT tunnel's after the CONNECT
// (their exchanges numbered after its exchanges).
func (a *App) units(out []Unit) []Unit {
	switch a.Protocol {
	case ProtoHTTP1:
		out = a.httpUnits(out)
		if a.Tunnel != nil {
			n, first := len(out), len(a.HTTP.Exchanges())
			out = a.Tunnel.units(out)
			for i := n; i < len(out); i++ {
				if out[i].Exchange >= 0 && out[i].Kind != UnitH2Frame && out[i].Kind != UnitH2Preface {
					out[i].Exchange += first
				}
			}
		}
	case ProtoTLS:
		for d, w := range a.TLS {
			for _, r := range w.Records() {
				out = append(out, Unit{Dir: Dir(d), Kind: UnitTLSRecord, Range: r.Range, First: r.First, Last: r.Last,
					Exchange: -1, Label: r.Type.String(), Size: int64(r.Length), Truncated: r.Truncated})
			}
		}
		n := len(out)
		switch a.Inner {
		case ProtoHTTP1:
			out = a.httpUnits(out)
		case ProtoH2:
			out = a.h2Units(out)
		}
		out = append(out[:n], a.toCipher(out[n:])...)
	case ProtoH2C:
		out = a.h2Units(out)
	}
	return out
}

func (a *App) httpUnits(out []Unit) []Unit {
	for i, e := range a.HTTP.Exchanges() {
		out = appendMessage(out, ClientToServer, i, e.Request)
		out = appendMessage(out, ServerToClient, i, e.Response)
	}
	return out
}

func (a *App) h2Units(out []Unit) []Unit {
	for d, w := range a.H2 {
		if p := w.Preface(); p != nil {
			first, last := w.PrefacePos()
			out = append(out, Unit{Dir: Dir(d), Kind: UnitH2Preface, Range: *p, First: first, Last: last, Exchange: -1, Label: "preface", Size: p.Len()})
		}
		for _, f := range w.Frames() {
			out = append(out, Unit{Dir: Dir(d), Kind: UnitH2Frame, Range: f.Range, First: f.First, Last: f.Last,
				Exchange: int(f.StreamID), Label: f.Type.String(), Size: int64(f.Length), Truncated: f.Truncated})
		}
	}
	return out
}

// CipherRange maps a range of direction d's decrypted stream to the TCP
// stream range of the ciphertext that carried it.
func (a *App) CipherRange(d Dir, r stream.Range) (stream.Range, bool) {
	if a.TLSDec == nil {
		return stream.Range{}, false
	}
	x := a.TLSDec.Client()
	if d == ServerToClient {
		x = a.TLSDec.Server()
	}
	return x.ToCipher(r)
}

// toCipher moves units found on the decrypted streams onto the TCP
// stream, keeping their plaintext range in Plain. A unit the record map
// no longer covers (past MaxUnits records) is left out.
func (a *App) toCipher(us []Unit) []Unit {
	out := us[:0]
	for _, u := range us {
		c, ok := a.CipherRange(u.Dir, u.Range)
		if !ok {
			continue
		}
		u.Plain, u.Range, u.InTLS = u.Range, c, true
		out = append(out, u)
	}
	return out
}

func appendMessage(out []Unit, d Dir, ex int, m *http1.Message) []Unit {
	if m == nil {
		return out
	}
	for _, in := range m.Interim {
		out = append(out, Unit{Dir: d, Kind: UnitInterimHeader, Range: in.Header.Range, First: in.Header.First, Last: in.Header.Last,
			Exchange: ex, Label: fmt.Sprint(in.Status)})
	}
	if m.Header.Len() == 0 {
		return out // only interim responses were seen
	}
	hdr, body := UnitRequestHeader, UnitRequestBody
	label := m.Method + " " + m.Target
	if d == ServerToClient {
		hdr, body = UnitResponseHeader, UnitResponseBody
		label = fmt.Sprint(m.Status)
	}
	out = append(out, Unit{Dir: d, Kind: hdr, Range: m.Header.Range, First: m.Header.First, Last: m.Header.Last, Exchange: ex, Label: label, Size: m.Header.Len()})
	if m.Body.Len() > 0 || m.BodyBytes > 0 {
		u := Unit{Dir: d, Kind: body, Range: m.Body.Range, First: m.Body.First, Last: m.Body.Last,
			Exchange: ex, Size: m.BodyBytes, Truncated: !m.Complete}
		if m.Chunked {
			u.Chunks = len(m.Chunks) + m.ChunksDropped
		}
		out = append(out, u)
		for _, ch := range m.Chunks {
			out = append(out, Unit{Dir: d, Kind: UnitChunk, Range: ch.Range, First: ch.First, Last: ch.Last,
				Exchange: ex, Size: ch.Size})
		}
	}
	return out
}

// Map is the boundary map of one connection: every unit with the data
// segments that carried it, and every data segment with the units it
// carried. Building it needs the connection's segments (Options.KeepSegments).
type Map struct {
	Units        []Unit
	Segments     []Segment // data segments, in capture order
	UnitSegments [][]int   // per unit: indices into Segments
	SegmentUnits [][]int   // per segment: indices into Units
	// Records, per unit found inside TLS: the indices (into Units) of the
	// TLS records that carried it; nil for the others.
	Records [][]int
}

// Map intersects the connection's units with its data segments.
func (c *Connection) Map() Map {
	m := Map{Units: c.Units()}
	for _, s := range c.Segments.All() {
		if s.Len > 0 && s.Kind&(KindDuplicate|KindKeepAlive) == 0 {
			m.Segments = append(m.Segments, s)
		}
	}
	m.UnitSegments = make([][]int, len(m.Units))
	m.SegmentUnits = make([][]int, len(m.Segments))
	// Per direction, segment indices by offset, and the longest segment:
	// a segment overlapping a unit starts at most that far before it.
	var byOff [2][]int
	var longest [2]int64
	for i, s := range m.Segments {
		byOff[s.Dir] = append(byOff[s.Dir], i)
		longest[s.Dir] = max(longest[s.Dir], int64(s.Len))
	}
	for d := range byOff {
		sort.SliceStable(byOff[d], func(i, j int) bool { return m.Segments[byOff[d][i]].Offset < m.Segments[byOff[d][j]].Offset })
	}
	for ui, u := range m.Units {
		idx := byOff[u.Dir]
		from := sort.Search(len(idx), func(i int) bool { return m.Segments[idx[i]].Offset >= u.Start-longest[u.Dir] })
		for _, si := range idx[from:] {
			s := m.Segments[si]
			if s.Offset >= u.End {
				break
			}
			if s.End() > u.Start {
				m.UnitSegments[ui] = append(m.UnitSegments[ui], si)
				m.SegmentUnits[si] = append(m.SegmentUnits[si], ui)
			}
		}
		sort.Ints(m.UnitSegments[ui])
	}
	m.Records = recordsOf(m.Units)
	return m
}

// recordsOf finds, for each unit inside TLS, the records its ciphertext
// range overlaps.
func recordsOf(units []Unit) [][]int {
	var recs [2][]int // record unit indices by direction, in stream order
	inTLS := false
	for i, u := range units {
		if u.Kind == UnitTLSRecord {
			recs[u.Dir] = append(recs[u.Dir], i)
		}
		inTLS = inTLS || u.InTLS
	}
	if !inTLS {
		return nil
	}
	out := make([][]int, len(units))
	for i, u := range units {
		if !u.InTLS {
			continue
		}
		rs := recs[u.Dir]
		k := sort.Search(len(rs), func(k int) bool { return units[rs[k]].End > u.Start })
		for ; k < len(rs) && units[rs[k]].Start < max(u.End, u.Start+1); k++ {
			out[i] = append(out[i], rs[k])
		}
	}
	return out
}
