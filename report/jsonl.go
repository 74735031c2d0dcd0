package report

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"strings"

	"github.com/segscope/segscope/analyze"
	"github.com/segscope/segscope/report/prose"
)

// Streaming formats: written while the capture is read, one connection
// (or segment) at a time, so a capture of any length fits in memory.
const (
	JSONL   Format = "jsonl"
	Parquet Format = "parquet"
)

// ParseStreamFormat tells whether s names a streaming format.
func ParseStreamFormat(s string) (Format, bool) {
	switch f := Format(strings.ToLower(s)); f {
	case JSONL, Parquet:
		return f, true
	}
	return "", false
}

// Schemas of the streaming documents' final records.
const (
	AnalysisJSONLSchema = "segscope.analyze.jsonl/1"
	SegmentsJSONLSchema = "segscope.segments.jsonl/1"
)

// ConnWriter receives the connections of a streamed analysis as they
// end, then the result (totals and capture-wide warnings) once.
type ConnWriter interface {
	Conn(c *analyze.Connection, warnings []analyze.Warning) error
	Close(res *analyze.Result, errs []error) error
}

// AnalysisJSONL writes `analyze --format jsonl`: one line per connection,
// the same object as the connection in `--format json` (compact), as soon
// as it ends; a line {"record":"warning",...} after it for each of its
// warnings; and a last line {"record":"summary",...} with the capture's
// totals, its own warnings and the errors.
type AnalysisJSONL struct {
	w   *bufio.Writer
	enc *json.Encoder
	n   int
	own connEncoder // Conn's own
	b   []byte
}

// NewAnalysisJSONL returns a writer of `analyze --format jsonl` to w.
func NewAnalysisJSONL(w io.Writer) *AnalysisJSONL {
	bw := bufio.NewWriterSize(w, 1<<16)
	return &AnalysisJSONL{w: bw, enc: json.NewEncoder(bw)}
}

type jsonlWarning struct {
	Record    string `json:"record"`
	Conn      int    `json:"conn"`
	Direction string `json:"direction,omitempty"`
	Text      string `json:"text"`
}

// Conn writes one ended connection and its warnings.
func (j *AnalysisJSONL) Conn(c *analyze.Connection, ws []analyze.Warning) error {
	if j.own == nil {
		j.own = j.encoder()
	}
	j.b = j.own(j.b[:0], c, ws)
	return j.putEncoded(c, ws, j.b)
}

// encoder returns an encoder of connections for one goroutine: the
// connection's line and its warnings' lines.
func (j *AnalysisJSONL) encoder() connEncoder {
	var e jenc
	var warn bytes.Buffer
	enc := json.NewEncoder(&warn)
	return func(dst []byte, c *analyze.Connection, ws []analyze.Warning) []byte {
		e.b = dst
		e.connFast(c)
		dst = append(e.b, '\n')
		e.b = nil
		for _, w := range ws {
			warn.Reset()
			enc.Encode(jsonlWarning{"warning", w.Conn, w.Dir, prose.WarningText(w)}) // strings and ints: no error
			dst = append(dst, warn.Bytes()...)
		}
		return dst
	}
}

// putEncoded writes the lines encoder made of c.
func (j *AnalysisJSONL) putEncoded(_ *analyze.Connection, _ []analyze.Warning, b []byte) error {
	j.n++
	_, err := j.w.Write(b)
	return err
}

type jsonlSummary struct {
	Record   string        `json:"record"`
	Schema   string        `json:"schema"`
	Source   string        `json:"source"`
	Files    []string      `json:"files"`
	Capture  jsonCapture   `json:"capture"`
	Written  int           `json:"connections_written"`
	Live     jsonlLive     `json:"streaming"`
	Warnings []jsonWarning `json:"warnings"`
	Errors   []string      `json:"errors"`
}

// jsonlLive says how the live connections were bounded.
type jsonlLive struct {
	MaxLive   int `json:"max_live_connections"`
	IdleEnded int `json:"ended_idle"`
	// Evicted were ended early because too many connections were live:
	// the bound was hit, and their later packets started new connections.
	Evicted int `json:"evicted_at_bound"`
}

// Close writes the summary record and flushes.
func (j *AnalysisJSONL) Close(res *analyze.Result, errs []error) error {
	if res == nil {
		return j.w.Flush()
	}
	head := Analysis{Result: res, Errors: errs}.jsonHead()
	s := jsonlSummary{
		Record: "summary", Schema: AnalysisJSONLSchema, Source: head.Source, Files: head.Files,
		Capture: head.Capture, Written: j.n, Warnings: head.Warnings, Errors: head.Errors,
		Live: jsonlLive{MaxLive: res.MaxLiveSeen, IdleEnded: res.IdleEnded, Evicted: res.Evicted},
	}
	if err := j.enc.Encode(s); err != nil {
		return err
	}
	return j.w.Flush()
}

// SegmentsJSONL writes `segments --format jsonl`: one line per segment
// (the objects of `segments --format json`), a connection's segments
// together when it ends, then a summary record.
type SegmentsJSONL struct {
	w       *bufio.Writer
	enc     *json.Encoder
	first   func() int64
	carried bool
	dir     *analyze.Dir
	fast    jenc
	n, nc   int
}

// NewSegmentsJSONL returns a writer of `segments --format jsonl`. first
// gives the capture's first frame time (for rel_time_s); carried adds
// what each segment carried; dir, when set, keeps one direction.
func NewSegmentsJSONL(w io.Writer, first func() int64, carried bool, dir *analyze.Dir) *SegmentsJSONL {
	bw := bufio.NewWriterSize(w, 1<<16)
	return &SegmentsJSONL{w: bw, enc: json.NewEncoder(bw), first: first, carried: carried, dir: dir}
}

// Conn writes the segments of one ended connection.
func (s *SegmentsJSONL) Conn(c *analyze.Connection, _ []analyze.Warning) error {
	s.nc++
	r := newSegRow(c, s.first(), s.carried)
	for i := range c.Segments.Len() {
		r.seg = c.Segments.At(i)
		if s.dir != nil && r.seg.Dir != *s.dir {
			continue
		}
		s.n++
		s.fast.b = s.fast.b[:0]
		SegmentFields.jsonObject(&s.fast, &r)
		s.fast.b = append(s.fast.b, '\n')
		if _, err := s.w.Write(s.fast.b); err != nil {
			return err
		}
	}
	return nil
}

type jsonlSegSummary struct {
	Record      string   `json:"record"`
	Schema      string   `json:"schema"`
	Source      string   `json:"source"`
	Segments    int      `json:"segments"`
	Connections int      `json:"connections"`
	Errors      []string `json:"errors"`
}

// Close writes the summary record and flushes.
func (s *SegmentsJSONL) Close(res *analyze.Result, errs []error) error {
	if res == nil {
		return s.w.Flush()
	}
	sum := jsonlSegSummary{Record: "summary", Schema: SegmentsJSONLSchema, Source: strings.Join(res.Sources, ", "),
		Segments: s.n, Connections: s.nc, Errors: []string{}}
	for _, err := range errs {
		sum.Errors = append(sum.Errors, err.Error())
	}
	if err := s.enc.Encode(sum); err != nil {
		return err
	}
	return s.w.Flush()
}
