// Package htmlreport writes one self-contained HTML page that draws a
// capture's connections: curl's reads laid over the segments, TLS records
// and HTTP/2 frames or HTTP messages that carried them, a time-sequence
// (Stevens) graph, and a segment-size histogram per direction.
//
// The page holds everything it needs: its script and style inline (allowed
// by a Content-Security-Policy that names their hashes and permits no
// network request of any kind), and its data as JSON blocks. Those blocks
// are the documents `--format json` writes (segscope.analyze/1,
// segscope.explain/2, segscope.map/1, produced by package report's own
// writers), plus one compact document of its own (segscope.report/1) with
// the per-segment columns the graphs need, downsampled past a bound.
//
// It computes nothing about the capture: it lays out what analyze and
// explain found. It does not read captures or traces either: the commands
// in cmd/segscope do, and hand it their results.
package htmlreport

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"sort"
	"strings"

	"github.com/segscope/segscope/internal/atomicfile"
	"github.com/segscope/segscope/report/prose"

	"github.com/segscope/segscope/analyze"
	"github.com/segscope/segscope/explain"
	"github.com/segscope/segscope/report"
)

//go:embed assets/report.js
var script string

//go:embed assets/report.css
var style string

// Schema is the version of the page's own data block (id segscope-plot).
const Schema = "segscope.report/1"

// Defaults of the bounds in Options.
const (
	DefaultMaxSegments        = 300000
	DefaultMaxConnections     = 20
	DefaultMaxMapUnits        = 20000
	DefaultMaxMapSegments     = 50000
	DefaultMaxOtherListed     = 1000
	DefaultMaxExplainSegments = 200000
	DefaultMaxExplainEvents   = 5000
	DefaultMaxReads           = 300000
	defaultMinBinsPerDir      = 2000
)

// Options bound what the page holds.
type Options struct {
	// MaxSegments bounds the segment rows drawn over all connections; past
	// it a connection's data segments are aggregated into time bins (and
	// the page says so). 0: DefaultMaxSegments.
	MaxSegments int
	// MaxConnections is how many connections are drawn when none were
	// chosen and no trace names them (the largest by payload).
	// 0: DefaultMaxConnections.
	MaxConnections int
	// MaxExplainEvents bounds the reads the explanation block holds in
	// full (about 2 kB each, with their facts); the others are drawn from
	// the page's own columns. 0: DefaultMaxExplainEvents.
	MaxExplainEvents int
	// MaxExplainSegments bounds the segments the explanation lists over
	// the reads it holds; past it each read lists its first and last.
	// 0: DefaultMaxExplainSegments.
	MaxExplainSegments int
	// MaxReads bounds the reads drawn. 0: DefaultMaxReads.
	MaxReads int
	// MaxMapUnits and MaxMapSegments bound each connection's boundary map
	// (segscope.map/1): past MaxMapSegments data segments the map carries
	// units only, past MaxMapUnits the first units only.
	MaxMapUnits, MaxMapSegments int
}

func (o Options) withDefaults() Options {
	if o.MaxSegments <= 0 {
		o.MaxSegments = DefaultMaxSegments
	}
	if o.MaxConnections <= 0 {
		o.MaxConnections = DefaultMaxConnections
	}
	if o.MaxMapUnits <= 0 {
		o.MaxMapUnits = DefaultMaxMapUnits
	}
	if o.MaxMapSegments <= 0 {
		o.MaxMapSegments = DefaultMaxMapSegments
	}
	if o.MaxExplainSegments <= 0 {
		o.MaxExplainSegments = DefaultMaxExplainSegments
	}
	if o.MaxExplainEvents <= 0 {
		o.MaxExplainEvents = DefaultMaxExplainEvents
	}
	if o.MaxReads <= 0 {
		o.MaxReads = DefaultMaxReads
	}
	return o
}

// Input is what a report is made of.
type Input struct {
	// Capture is the analysis; nil with a trace only. Connections drawn
	// need their segments kept (analyze.Options.KeepSegments).
	Capture *analyze.Result
	// Explain is the explanation of a trace against Capture; nil without
	// a trace.
	Explain *explain.Result
	// Conns are the connection IDs asked for (--conn); empty: the ones
	// the trace used, else the largest.
	Conns []int
	// Errors met while reading, shown in the header.
	Errors []error
	// Title names the page; empty: the capture files.
	Title   string
	Options Options
}

// Write writes the report page for in.
func Write(w io.Writer, in Input) error {
	in.Options = in.Options.withDefaults()
	if in.Capture == nil {
		in.Capture = &analyze.Result{}
	}
	p := build(in)
	var blocks []block
	add := func(id string, write func(io.Writer) error) error {
		var b, c bytes.Buffer
		if err := write(&b); err != nil {
			return fmt.Errorf("report %s: %w", id, err)
		}
		// The writers indent for people; in the page a third of that is
		// spaces. Compacted, it is the same document.
		if err := json.Compact(&c, b.Bytes()); err != nil {
			return fmt.Errorf("report %s: %w", id, err)
		}
		blocks = append(blocks, block{id, c.Bytes()})
		return nil
	}
	analysis := report.Analysis{Result: in.Capture, Connections: p.conns, Errors: in.Errors}
	if err := add("segscope-analysis", func(w io.Writer) error { return analysis.Write(w, report.JSON) }); err != nil {
		return err
	}
	if in.Explain != nil {
		r, cut, segs := boundedExplain(in.Explain, in.Options)
		p.doc.ExplainEvents = len(r.Events)
		if cut > 0 {
			p.doc.Notes = append(p.doc.Notes, prose.PageExplainCut(len(r.Events), len(in.Explain.Events)))
		}
		if segs > 0 {
			p.doc.Notes = append(p.doc.Notes, prose.PageExplainSegments(segs))
		}
		x := report.Explanation{Result: r, Capture: in.Capture}
		if err := add("segscope-explain", func(w io.Writer) error { return x.Write(w, report.JSON) }); err != nil {
			return err
		}
	}
	for i, c := range p.conns {
		bm := report.BoundaryMap{Result: in.Capture, Conn: c, Map: p.maps[i]}
		id := fmt.Sprintf("segscope-map-%d", c.ID)
		p.doc.Connections[i].MapBlock = id
		if err := add(id, func(w io.Writer) error { return bm.Write(w, report.JSON) }); err != nil {
			return err
		}
	}
	if err := add("segscope-plot", func(w io.Writer) error { return writeJSON(w, p.doc) }); err != nil {
		return err
	}
	return writePage(w, pageTitle(in), blocks)
}

type block struct {
	id   string
	data []byte
}

func pageTitle(in Input) string {
	if in.Title != "" {
		return in.Title
	}
	var parts []string
	parts = append(parts, in.Capture.Sources...)
	if in.Explain != nil && in.Explain.Trace != nil {
		parts = append(parts, in.Explain.Trace.Name)
	}
	if len(parts) == 0 {
		return "segscope report"
	}
	return "segscope report: " + strings.Join(parts, ", ")
}

// csp allows the page's own script and style (by hash) and nothing else:
// no fetch, no image, no font, no frame, no form, from anywhere.
func csp() string {
	return fmt.Sprintf("default-src 'none'; script-src '%s'; style-src '%s'; base-uri 'none'; form-action 'none'",
		hash(script), hash(style))
}

func hash(s string) string {
	h := sha256.Sum256([]byte(s))
	return "sha256-" + base64.StdEncoding.EncodeToString(h[:])
}

// writePage assembles the page. Data blocks are JSON in script elements
// of type application/json: the browser never runs them, and safeJSON
// makes sure no string in them can close the element.
func writePage(w io.Writer, title string, blocks []block) error {
	var b bytes.Buffer
	b.WriteString("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
	fmt.Fprintf(&b, "<meta http-equiv=\"Content-Security-Policy\" content=\"%s\">\n", csp())
	b.WriteString("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
	b.WriteString("<meta name=\"referrer\" content=\"no-referrer\">\n")
	fmt.Fprintf(&b, "<title>%s</title>\n<style>%s</style>\n</head>\n<body>\n", html.EscapeString(title), style)
	b.WriteString("<noscript>This report draws with JavaScript; its data is in the JSON blocks of this file.</noscript>\n<main id=\"report\"></main>\n")
	if _, err := w.Write(b.Bytes()); err != nil {
		return err
	}
	for _, bl := range blocks {
		if _, err := fmt.Fprintf(w, "<script type=\"application/json\" id=\"%s\">", bl.id); err != nil {
			return err
		}
		if _, err := w.Write(safeJSON(bl.data)); err != nil {
			return err
		}
		if _, err := io.WriteString(w, "</script>\n"); err != nil {
			return err
		}
	}
	_, err := fmt.Fprintf(w, "<script>%s</script>\n</body>\n</html>\n", script)
	return err
}

// safeJSON escapes every '<' as \u003c. In JSON a '<' can only sit inside
// a string, where the escape means the same, so the document is unchanged
// for a parser, and no "</script" or "<!--" from a capture can end the
// block. (encoding/json already escapes it; this holds whatever writer
// made the bytes.)
func safeJSON(b []byte) []byte {
	if bytes.IndexByte(b, '<') < 0 {
		return b
	}
	return bytes.ReplaceAll(b, []byte("<"), []byte(`\u003c`))
}

// What a connection's boundary map block holds (plotConn.MapDetail).
const (
	mapFull       = "full"
	mapUnits      = "units"       // units without their segments
	mapFirstUnits = "first-units" // the first MaxMapUnits units
)

// boundedMap is the connection's boundary map, cut down past the bounds:
// units only past MaxMapSegments data segments, the first MaxMapUnits
// units; detail says which.
func boundedMap(c *analyze.Connection, o Options) (m analyze.Map, detail string) {
	m = c.Map()
	detail = mapFull
	if len(m.Segments) > o.MaxMapSegments {
		detail = mapUnits
		m.Segments, m.SegmentUnits = nil, nil
		for i := range m.UnitSegments {
			m.UnitSegments[i] = nil
		}
	}
	if len(m.Units) > o.MaxMapUnits {
		detail = mapFirstUnits
		m.Units = m.Units[:o.MaxMapUnits]
		m.UnitSegments = m.UnitSegments[:o.MaxMapUnits]
		for i, us := range m.SegmentUnits {
			m.SegmentUnits[i] = below(us, o.MaxMapUnits)
		}
		if m.Records != nil {
			m.Records = m.Records[:o.MaxMapUnits]
			for i, rs := range m.Records {
				m.Records[i] = below(rs, o.MaxMapUnits)
			}
		}
	}
	return m, detail
}

// below keeps the indices under n, in a new slice.
func below(idx []int, n int) []int {
	var out []int
	for _, i := range idx {
		if i < n {
			out = append(out, i)
		}
	}
	return out
}

// Choose picks the connections to draw: those asked for by ID, else those
// the trace matched, else the largest by payload. rest are the others,
// largest first.
func Choose(res *analyze.Result, x *explain.Result, ids []int, maxConns int) (chosen, rest []*analyze.Connection, by string) {
	if maxConns <= 0 {
		maxConns = DefaultMaxConnections
	}
	pick := map[int]bool{}
	switch {
	case len(ids) > 0:
		by = "conn"
		for _, id := range ids {
			pick[id] = true
		}
	case x != nil && len(x.Matches) > 0:
		by = "trace"
		for _, m := range x.Matches {
			if m.Conn != nil {
				pick[m.Conn.ID] = true
			}
		}
	default:
		by = "largest"
	}
	all := append([]*analyze.Connection(nil), res.Connections...)
	sort.SliceStable(all, func(i, j int) bool { return payload(all[i]) > payload(all[j]) })
	for _, c := range all {
		if (by == "largest" && len(chosen) < maxConns) || pick[c.ID] {
			chosen = append(chosen, c)
		} else {
			rest = append(rest, c)
		}
	}
	sort.SliceStable(chosen, func(i, j int) bool { return chosen[i].ID < chosen[j].ID })
	return chosen, rest, by
}

func payload(c *analyze.Connection) int64 {
	return c.Dirs[0].PayloadBytes + c.Dirs[1].PayloadBytes
}

// WriteFile writes the report page for in to path, through a temporary
// file beside it, so a failed run never leaves half a page behind.
func WriteFile(path string, in Input) error {
	f, err := atomicfile.Create(path)
	if err != nil {
		return err
	}
	defer f.Abort()
	bw := bufio.NewWriterSize(f, 1<<20)
	if err := Write(bw, in); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	return f.Commit()
}

// FromExplanation is the report of what `segscope explain` or `segscope
// curl` just explained: the connections the trace used, the capture's
// analysis and the explanation, with the errors met on the way. Those
// commands write it with WriteFile(path, FromExplanation(x)) for --html.
func FromExplanation(x report.Explanation) Input {
	return Input{Capture: x.Capture, Explain: x.Result, Errors: x.Errors}
}

// boundedExplain returns x, or a copy cut to what the page holds: the
// first MaxExplainEvents reads (cut counts the others), and past
// MaxExplainSegments segment entries over those reads, each read's first
// and last segment only (segs counts the entries there were).
func boundedExplain(x *explain.Result, o Options) (r *explain.Result, cut, segs int) {
	events, sends := x.Events, x.Sends
	if len(events) > o.MaxExplainEvents {
		cut = len(events) - o.MaxExplainEvents
		events = events[:o.MaxExplainEvents]
	}
	if len(sends) > o.MaxExplainEvents {
		sends = sends[:o.MaxExplainEvents] // the sends' summary keeps them all
	}
	for _, evs := range [][]explain.Event{events, sends} {
		for _, e := range evs {
			segs += len(e.Segments)
		}
	}
	if segs <= o.MaxExplainSegments {
		segs = 0
	}
	if cut == 0 && segs == 0 && len(sends) == len(x.Sends) {
		return x, 0, 0
	}
	c := *x
	c.Events = append([]explain.Event(nil), events...)
	c.Sends = append([]explain.Event(nil), sends...)
	if segs > 0 {
		for _, evs := range [][]explain.Event{c.Events, c.Sends} {
			for i := range evs {
				if s := evs[i].Segments; len(s) > 2 {
					evs[i].Segments = []explain.Seg{s[0], s[len(s)-1]}
				}
			}
		}
	}
	return &c, cut, segs
}
