package report

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"io"
	"slices"

	"github.com/segscope/segscope/analyze"
)

// AnalysisJSONStream writes `analyze --format json` while the capture is
// read: each connection as soon as it ends, in ID order (see reorder), so
// memory holds the live connections and the finished ones waiting for an
// earlier one, never every connection. The document is the one Analysis
// writes, with the keys known only at the end (source, files, capture,
// warnings, errors) after the connections.
type AnalysisJSONStream struct {
	w       *bufio.Writer
	ord     reorder
	e       jenc
	started bool
	written bool // a connection was written: the next takes a comma
	// The connections' warnings, kept for the end in the order the
	// whole-capture analysis gives them: every connection's size and
	// missing-bytes warnings, then the bounds they hit.
	finish, bound []analyze.Warning
}

// NewAnalysisJSONStream returns a writer of `analyze --format json` to w.
func NewAnalysisJSONStream(w io.Writer) *AnalysisJSONStream {
	bw := bufio.NewWriterSize(w, 1<<16)
	s := &AnalysisJSONStream{w: bw, e: jenc{prefix: "    ", indent: true}}
	s.ord = newReorder(func(b []byte) error {
		if s.written {
			bw.WriteByte(',')
		}
		s.written = true
		_, err := bw.Write(b)
		return err
	})
	return s
}

func (s *AnalysisJSONStream) start() error {
	s.started = true
	_, err := s.w.WriteString("{\n  \"schema\": \"" + AnalysisSchema + "\",\n  \"connections\": [")
	return err
}

// Conn writes one ended connection (when its turn comes) and keeps its
// warnings for the end.
func (s *AnalysisJSONStream) Conn(c *analyze.Connection, ws []analyze.Warning) error {
	s.e.b = s.e.connBytes(s.e.b[:0], c)
	return s.putEncoded(c, ws, s.e.b)
}

// encoder returns an encoder of connections for one goroutine.
func (s *AnalysisJSONStream) encoder() connEncoder {
	e := &jenc{prefix: s.e.prefix, indent: true}
	return func(dst []byte, c *analyze.Connection, _ []analyze.Warning) []byte { return e.connBytes(dst, c) }
}

// connBytes appends c as an element of the document's connections.
func (e *jenc) connBytes(dst []byte, c *analyze.Connection) []byte {
	e.b = append(dst, "\n    "...)
	e.connFast(c)
	b := e.b
	e.b = nil
	return b
}

// putEncoded writes what encoder made of c (when its turn comes) and
// keeps its warnings for the end.
func (s *AnalysisJSONStream) putEncoded(c *analyze.Connection, ws []analyze.Warning, b []byte) error {
	if !s.started {
		if err := s.start(); err != nil {
			return err
		}
	}
	for _, w := range ws {
		if w.Kind == analyze.WarnDirectionBound || w.Kind == analyze.WarnUnitsDropped {
			s.bound = append(s.bound, w)
		} else {
			s.finish = append(s.finish, w)
		}
	}
	return s.ord.put(c.ID, b)
}

// Skip passes over a connection the output leaves out.
func (s *AnalysisJSONStream) Skip(id int) error { return s.ord.put(id, nil) }

// Close writes the rest of the document and flushes.
func (s *AnalysisJSONStream) Close(res *analyze.Result, errs []error) error {
	if res == nil {
		return s.w.Flush()
	}
	if !s.started {
		if err := s.start(); err != nil {
			return err
		}
	}
	if err := s.ord.flush(); err != nil {
		return err
	}
	if s.written {
		s.w.WriteString("\n  ")
	}
	s.w.WriteByte(']')
	head := Analysis{Result: res, Errors: errs}.jsonHead()
	// The connections' warnings were handed over with them (only those
	// in the output); the result holds the capture's.
	// Connections end in any order; the whole-capture document lists
	// their warnings by ID.
	byConn := func(a, b analyze.Warning) int { return a.Conn - b.Conn }
	slices.SortStableFunc(s.finish, byConn)
	slices.SortStableFunc(s.bound, byConn)
	ws := append(append(append([]analyze.Warning{}, s.finish...), s.bound...), res.Warnings...)
	head.Warnings = jsonWarnings(ws, func(int) bool { return true })
	tail, err := json.MarshalIndent(struct {
		Source   string        `json:"source"`
		Files    []string      `json:"files"`
		Capture  jsonCapture   `json:"capture"`
		Warnings []jsonWarning `json:"warnings"`
		Errors   []string      `json:"errors"`
	}{head.Source, head.Files, head.Capture, head.Warnings, head.Errors}, "", "  ")
	if err != nil {
		return err
	}
	s.w.WriteByte(',')
	s.w.Write(tail[1:]) // past its "{"
	s.w.WriteByte('\n')
	return s.w.Flush()
}

// AnalysisCSVStream writes `analyze --format csv` while the capture is
// read, as AnalysisJSONStream does: a connection's rows when it ends, in
// ID order.
type AnalysisCSVStream struct {
	w       *bufio.Writer
	ord     reorder
	buf     bytes.Buffer
	cw      *csv.Writer
	started bool
	enc     connEncoder // Conn's own
	b       []byte
}

// NewAnalysisCSVStream returns a writer of `analyze --format csv` to w.
func NewAnalysisCSVStream(w io.Writer) *AnalysisCSVStream {
	bw := bufio.NewWriterSize(w, 1<<16)
	s := &AnalysisCSVStream{w: bw}
	s.cw = csv.NewWriter(&s.buf)
	s.ord = newReorder(func(b []byte) error {
		_, err := bw.Write(b)
		return err
	})
	return s
}

func (s *AnalysisCSVStream) start() error {
	s.started = true
	s.buf.Reset()
	s.cw.Write(analysisCSVHeader())
	s.cw.Flush()
	_, err := s.w.Write(s.buf.Bytes())
	return err
}

// Conn writes one ended connection's rows when its turn comes.
func (s *AnalysisCSVStream) Conn(c *analyze.Connection, ws []analyze.Warning) error {
	if s.enc == nil {
		s.enc = s.encoder()
	}
	s.b = s.enc(s.b[:0], c, ws)
	return s.putEncoded(c, ws, s.b)
}

// encoder returns an encoder of connections for one goroutine.
func (s *AnalysisCSVStream) encoder() connEncoder {
	var buf bytes.Buffer
	cw := csv.NewWriter(&buf)
	return func(dst []byte, c *analyze.Connection, _ []analyze.Warning) []byte {
		buf.Reset()
		writeCSVConn(cw, c) // into a bytes.Buffer: no error
		cw.Flush()
		return append(dst, buf.Bytes()...)
	}
}

// putEncoded writes the rows encoder made of c when its turn comes.
func (s *AnalysisCSVStream) putEncoded(c *analyze.Connection, _ []analyze.Warning, b []byte) error {
	if !s.started {
		if err := s.start(); err != nil {
			return err
		}
	}
	return s.ord.put(c.ID, b)
}

// Skip passes over a connection the output leaves out.
func (s *AnalysisCSVStream) Skip(id int) error { return s.ord.put(id, nil) }

// Close writes what waits and flushes.
func (s *AnalysisCSVStream) Close(res *analyze.Result, _ []error) error {
	if res != nil && !s.started {
		if err := s.start(); err != nil {
			return err
		}
	}
	if err := s.ord.flush(); err != nil {
		return err
	}
	return s.w.Flush()
}
