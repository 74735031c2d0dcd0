package report

import (
	"github.com/segscope/segscope/analyze"
	"github.com/segscope/segscope/http1"
	"github.com/segscope/segscope/stream"
)

// The HTTP/1 exchanges of a connection's JSON, appended straight from the
// walker: building them as jsonExchange values first (jsonAppOf) allocated
// about 1 KB a connection that the collector then had to trace through a
// heap holding every connection. The bytes are jsonAppOf's, which
// TestFastJSONMatchesEncodingJSON checks on every capture in pcaps/.

// jsonConnFast is jsonConnOf(c, true) without the HTTP exchanges, which
// jenc.conn then appends from c.App (see jenc.httpOf).
func jsonConnFast(c *analyze.Connection) (jsonConn, *analyze.App, coords) {
	jc := jsonConnOf(c, false)
	a := c.App
	if a == nil || a.HTTP == nil {
		jc.App = jsonAppOf(c)
		return jc, nil, coords{}
	}
	var cm coords
	jc.App, cm = jsonAppHead(a)
	return jc, a, cm
}

// httpFrom appends the exchanges of a's HTTP/1 walker.
func (e *jenc) httpFrom(a *analyze.App, cm coords) {
	e.open('[')
	for i, x := range a.HTTP.Exchanges() {
		e.sep()
		e.open('{')
		e.key("index")
		e.int(int64(i))
		e.key("request")
		e.messageFrom(x.Request, cm.in(analyze.ClientToServer))
		e.key("response")
		e.messageFrom(x.Response, cm.in(analyze.ServerToClient))
		e.key("ttfb_ms")
		if v, ok := ttfb(x); ok {
			e.float(v)
		} else {
			e.null()
		}
		e.close('}')
	}
	e.close(']')
}

func (e *jenc) messageFrom(m *http1.Message, cm coords) {
	if m == nil {
		e.null()
		return
	}
	e.open('{')
	if m.Method != "" {
		e.key("method")
		e.str(m.Method)
	}
	if m.Target != "" {
		e.key("target")
		e.str(m.Target)
	}
	if m.Status != 0 {
		e.key("status")
		e.int(int64(m.Status))
	}
	e.key("version")
	e.str(m.Version)
	e.key("header")
	e.partObject(rp(m.Header), cm)
	e.key("header_bytes")
	e.int(m.Header.Len())
	e.key("body")
	e.partObject(rp(m.Body), cm)
	e.key("body_bytes")
	e.int(m.BodyBytes)
	e.key("content_length")
	if m.ContentLength >= 0 {
		e.int(m.ContentLength)
	} else {
		e.null()
	}
	e.key("chunked")
	e.bool(m.Chunked)
	e.key("close_delimited")
	e.bool(m.CloseDelimited)
	e.key("complete")
	e.bool(m.Complete)
	if len(m.Chunks) > 0 {
		e.key("chunks")
		e.open('[')
		for i := range m.Chunks {
			ch := &m.Chunks[i]
			e.sep()
			e.open('{')
			e.partMembers(rp(ch.Part), cm)
			e.key("size")
			e.int(ch.Size)
			e.key("data_start")
			e.int(ch.Data.Start)
			e.key("data_end")
			e.int(ch.Data.End)
			e.close('}')
		}
		e.close(']')
	}
	if m.ChunksDropped != 0 {
		e.key("chunks_dropped")
		e.int(int64(m.ChunksDropped))
	}
	if len(m.Interim) > 0 {
		e.key("interim")
		e.open('[')
		for _, in := range m.Interim {
			e.sep()
			e.open('{')
			e.key("status")
			e.int(int64(in.Status))
			e.key("header")
			e.partObject(rp(in.Header), cm)
			e.close('}')
		}
		e.close(']')
	}
	if m.SHA256 != "" {
		e.key("body_sha256")
		e.str(m.SHA256)
	}
	e.close('}')
}

// rangePos is an http1.Part's range and the positions of its ends.
type rangePos struct {
	r           stream.Range
	first, last stream.Pos
}

func rp(p http1.Part) rangePos { return rangePos{p.Range, p.First, p.Last} }

func (e *jenc) partObject(p rangePos, cm coords) {
	e.open('{')
	e.partMembers(p, cm)
	e.close('}')
}

// partMembers appends what coords.part makes of p, without building it.
func (e *jenc) partMembers(p rangePos, cm coords) {
	r, first, last := p.r, p.first, p.last
	var cipher *stream.Range
	if cm.a != nil {
		cr, ok := cm.a.CipherRange(cm.dir, r)
		if !ok {
			first, last = stream.Pos{}, stream.Pos{}
		} else {
			cipher = &cr
			r = cr
		}
	}
	var firstOff, lastOff int64
	if first.Packet != 0 {
		firstOff = r.Start - first.Start
	}
	if last.Packet != 0 {
		lastOff = r.End - last.Start
	}
	e.key("start")
	e.int(p.r.Start)
	e.key("end")
	e.int(p.r.End)
	e.key("first_packet")
	e.int(int64(first.Packet))
	e.key("first_offset")
	e.int(firstOff)
	e.key("last_packet")
	e.int(int64(last.Packet))
	e.key("last_offset")
	e.int(lastOff)
	if first.Time != 0 {
		e.key("first_time")
		e.time(first.Time)
	}
	if last.Time != 0 {
		e.key("last_time")
		e.time(last.Time)
	}
	if cipher != nil {
		e.key("cipher_start")
		e.int(cipher.Start)
		e.key("cipher_end")
		e.int(cipher.End)
	}
}

// time appends timeString(ns) as a JSON string (ns != 0).
func (e *jenc) time(ns int64) {
	if ns < 0 {
		e.str(timeString(ns))
		return
	}
	e.b = append(e.b, '"')
	e.b = appendRFC3339Nano(e.b, ns)
	e.b = append(e.b, '"')
}

// connFast appends the connection of jsonConnFast.
func (e *jenc) connFast(c *analyze.Connection) {
	jc, a, cm := jsonConnFast(c)
	e.httpApp, e.httpCM = a, cm
	e.conn(&jc)
	e.httpApp = nil
}
