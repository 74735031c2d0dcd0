package htmlreport

import (
	"encoding/json"
	"io"
	"strings"
	"time"

	"github.com/segscope/segscope/analyze"
	"github.com/segscope/segscope/report/prose"
)

// plotDoc is the page's own data (schema segscope.report/1): what the
// graphs need per segment, in columns, and what the page must say about
// the data it holds. The other blocks are the --format json documents.
type plotDoc struct {
	Schema string `json:"schema"`
	Title  string `json:"title"`
	// ChosenBy says how the connections were picked: "conn" (--conn),
	// "trace" (the ones the trace used) or "largest".
	ChosenBy    string      `json:"chosen_by"`
	Trace       string      `json:"trace"`
	Captures    []string    `json:"captures"`
	Start       string      `json:"start"` // the capture's first packet, RFC 3339
	Notes       []string    `json:"notes"`
	Missing     []string    `json:"missing"`
	Connections []plotConn  `json:"connections"`
	Others      []plotOther `json:"other_connections"`
	// Causes and Confidences name the reads' cause and confidence
	// indices (plotReads).
	Causes      []string `json:"causes"`
	Confidences []string `json:"confidences"`
	// ExplainEvents is how many reads the explanation block holds in
	// full (the first ones); -1 without a trace.
	ExplainEvents int `json:"explain_events"`
	// OthersNotListed counts connections past the list's bound.
	OthersNotListed int `json:"other_connections_not_listed"`
}

type plotConn struct {
	ID       int    `json:"id"`
	Client   string `json:"client"`
	Server   string `json:"server"`
	Protocol string `json:"protocol"`
	// Start is the connection's first packet; t_us counts from it.
	Start    string `json:"start"`
	StartUs  int64  `json:"start_us"` // from the capture's first packet
	MapBlock string `json:"map_block"`
	// MapDetail: "full", "units" (segments left out), or "first-units".
	MapDetail string   `json:"map_detail"`
	Segments  plotSegs `json:"segments"`
	// Sizes lists every data segment size per direction, [size, count],
	// by size: the histogram's bars.
	Sizes       [2][][2]int `json:"sizes"`
	EffMSS      [2]int      `json:"effective_mss"`
	WindowScale [2]int      `json:"window_scale"`
	// Reads are the trace's reads on this connection; null without.
	Reads *plotReads `json:"reads"`
	// Sends are curl's Send header and Send data events on this
	// connection, in the same columns (start and len on the client's
	// stream); drawn on the time line only.
	Sends *plotReads `json:"sends,omitempty"`
	// HasAck tells whether the segments carry their acknowledgment
	// numbers (segments.ack): analyze keeps none yet.
	HasAck bool `json:"has_ack"`
}

// plotSegs holds a connection's segments in columns. t_us, off and pkt are
// delta-coded (each value is the difference from the previous row's, the
// first from 0); the rest are plain. class is the base class (classBase)
// plus 16 times the analyze.Kind bits. With aggregated set, each row is a
// time bin of one direction's data segments: off its lowest offset, len
// up to its highest end, n how many segments, class the largest base and
// every kind bit seen; pure ACKs are then left out, and the resent,
// out-of-order and after-gap segments follow the bins one by one.
type plotSegs struct {
	Total      int     `json:"total"`
	Aggregated bool    `json:"aggregated"`
	BinUs      float64 `json:"bin_us,omitempty"`
	T          []int64 `json:"t_us"`
	Dir        []int   `json:"dir"`
	Off        []int64 `json:"off"`
	Len        []int   `json:"len"`
	Class      []int   `json:"class"`
	Win        []int   `json:"win"`
	Pkt        []int64 `json:"pkt"`
	N          []int   `json:"n,omitempty"`
	// AnomaliesDropped counts the resent, out-of-order and after-gap
	// segments of an aggregated connection past the ones kept one by one
	// (after its bins, with n 1); their bins still show them.
	AnomaliesDropped int `json:"anomalies_not_listed,omitempty"`
	// Ack is the offset on the other direction's stream the segment
	// acknowledges, -1 without one; absent while analyze keeps none.
	Ack []int64 `json:"ack,omitempty"`
}

// Base classes, in the order of analyze's Class names.
var classBase = []string{"ack", "short", "full", "super", "syn", "syn-ack", "fin", "rst"}

type plotOther struct {
	ID      int    `json:"id"`
	Client  string `json:"client"`
	Server  string `json:"server"`
	Packets int    `json:"packets"`
	Bytes   int64  `json:"payload_bytes"`
}

type built struct {
	doc   plotDoc
	conns []*analyze.Connection
	maps  []analyze.Map // per connection, as bounded for the page
}

func build(in Input) built {
	res := in.Capture
	var b built
	d := &b.doc
	d.Schema = Schema
	d.Title = pageTitle(in)
	d.Captures = append([]string{}, res.Sources...)
	d.Start = timeString(res.First)
	d.Notes, d.Missing, d.Connections, d.Others = []string{}, []string{}, []plotConn{}, []plotOther{}
	d.Causes, d.Confidences = []string{}, []string{}
	if in.Explain != nil && in.Explain.Trace != nil {
		d.Trace = in.Explain.Trace.Name
	}
	chosen, rest, by := Choose(res, in.Explain, in.Conns, in.Options.MaxConnections)
	d.ChosenBy = by
	b.conns = chosen
	d.Missing = append(d.Missing, missing(in, chosen)...)
	total := 0
	for _, c := range chosen {
		total += c.Segments.Len()
	}
	share := in.Options.MaxSegments
	if len(chosen) > 0 {
		// Each connection gets its part, but never fewer rows than a
		// readable graph needs (unless the bound itself is smaller).
		share = max(in.Options.MaxSegments/len(chosen), min(in.Options.MaxSegments, 2*defaultMinBinsPerDir))
	}
	for _, c := range chosen {
		pc := plotConnOf(res, c, total <= in.Options.MaxSegments, share)
		m, detail := boundedMap(c, in.Options)
		pc.MapDetail = detail
		d.Notes = append(d.Notes, connNotes(c, pc, in.Options)...)
		d.Connections = append(d.Connections, pc)
		b.maps = append(b.maps, m)
	}
	d.ExplainEvents = -1
	addReads(d, in.Explain, chosen, in.Options.MaxReads)
	for _, c := range rest {
		if len(d.Others) == DefaultMaxOtherListed {
			d.OthersNotListed++
			continue
		}
		d.Others = append(d.Others, plotOther{c.ID, c.Client.String(), c.Server.String(), int(c.Packets), payload(c)})
	}
	return b
}

// connNotes say what detail of a connection the page left out.
func connNotes(c *analyze.Connection, pc plotConn, o Options) []string {
	var out []string
	if pc.Segments.Aggregated {
		out = append(out, prose.PageConnBinned(c.ID, pc.Segments.Total, time.Duration(pc.Segments.BinUs*1e3).Round(time.Microsecond)))
	}
	if n := pc.Segments.AnomaliesDropped; n > 0 {
		out = append(out, prose.PageConnAnomalies(c.ID, n))
	}
	switch pc.MapDetail {
	case mapUnits:
		out = append(out, prose.PageMapUnitsOnly(c.ID, o.MaxMapSegments))
	case mapFirstUnits:
		out = append(out, prose.PageMapFirstUnits(c.ID, o.MaxMapUnits))
	}
	return out
}

// missing lists what the page cannot show and why, in words.
func missing(in Input, chosen []*analyze.Connection) []string {
	res := in.Capture
	var out []string
	switch {
	case len(res.Sources) == 0:
		out = append(out, prose.PageNoCapture())
	case len(res.Connections) == 0:
		out = append(out, prose.PageNoTCP(res.Packets, res.NonTCP, res.Malformed))
	}
	if len(in.Conns) > 0 {
		have := map[int]bool{}
		for _, c := range chosen {
			have[c.ID] = true
		}
		for _, id := range in.Conns {
			if !have[id] {
				out = append(out, prose.PageNoConnection(id, len(res.Connections)))
			}
		}
	}
	x := in.Explain
	if x != nil && len(res.Sources) > 0 && len(x.Matches) == 0 {
		out = append(out, prose.PageNothingMatches())
	}
	if x == nil && len(res.Connections) > 0 {
		out = append(out, prose.PageNoTrace())
	}
	for _, c := range chosen {
		if c.Segments.Len() == 0 && c.Packets > 0 {
			out = append(out, prose.PageSegmentsNotKept(c.ID))
		}
	}
	return out
}

func plotConnOf(res *analyze.Result, c *analyze.Connection, full bool, share int) plotConn {
	pc := plotConn{ID: c.ID, Client: c.Client.String(), Server: c.Server.String(), Start: timeString(c.First),
		StartUs: (c.First - res.First) / 1e3}
	if c.App != nil {
		pc.Protocol = string(c.App.Protocol)
		if c.App.Inner != "" {
			pc.Protocol += "+" + string(c.App.Inner)
		}
	}
	for d := range 2 {
		dir := c.Dir(analyze.Dir(d))
		st := dir.Stats()
		pc.Sizes[d] = [][2]int{}
		for _, s := range st.Sizes {
			pc.Sizes[d] = append(pc.Sizes[d], [2]int{s.Size, s.Count})
		}
		pc.EffMSS[d] = dir.EffectiveMSS().Value
		pc.WindowScale[d] = -1
		if dir.SYN.Seen {
			pc.WindowScale[d] = int(dir.SYN.WindowScale)
		}
	}
	pc.Segments = segsOf(c, full || c.Segments.Len() <= share, share)
	pc.HasAck = pc.Segments.Ack != nil
	return pc
}

func baseOf(c *analyze.Connection, s analyze.Segment) int {
	cls := c.Class(s)
	if i := strings.IndexByte(cls, '+'); i >= 0 {
		cls = cls[:i]
	}
	for i, n := range classBase {
		if n == cls {
			return i
		}
	}
	return 0
}

type colWriter struct {
	s            *plotSegs
	lastT, lastO int64
	lastP        int64
	first        int64
}

func (w *colWriter) row(t int64, d analyze.Dir, off int64, n, cls, win int, pkt int64) {
	tu := (t - w.first) / 1e3
	w.s.T = append(w.s.T, tu-w.lastT)
	w.s.Off = append(w.s.Off, off-w.lastO)
	w.s.Pkt = append(w.s.Pkt, pkt-w.lastP)
	w.lastT, w.lastO, w.lastP = tu, off, pkt
	w.s.Dir = append(w.s.Dir, int(d))
	w.s.Len = append(w.s.Len, n)
	w.s.Class = append(w.s.Class, cls)
	w.s.Win = append(w.s.Win, win)
}

func segsOf(c *analyze.Connection, full bool, share int) plotSegs {
	s := plotSegs{Total: c.Segments.Len(), T: []int64{}, Dir: []int{}, Off: []int64{}, Len: []int{}, Class: []int{}, Win: []int{}, Pkt: []int64{}}
	w := colWriter{s: &s, first: c.First}
	if full {
		w.every(c)
		return s
	}
	s.Aggregated = true
	w.bins(c, max(share/2, 1))
	w.anomalies(c)
	return s
}

// segRow writes one segment as it is.
func (w *colWriter) segRow(c *analyze.Connection, g analyze.Segment) {
	w.row(g.Time, g.Dir, g.Offset, g.Len, baseOf(c, g)+16*int(g.Kind), int(g.Window), int64(g.Packet))
}

// every writes every segment, with its acknowledgment when known.
func (w *colWriter) every(c *analyze.Connection) {
	for _, g := range c.Segments.All() {
		w.segRow(c, g)
		// The acknowledgment as an offset on the other direction's
		// stream, -1 without the ACK flag: the time-sequence graph draws
		// the ACK and advertised-window lines from it.
		w.s.Ack = append(w.s.Ack, g.Ack)
	}
}

// bin is one time bin of a direction's data segments.
type bin struct {
	t, lo, hi int64
	n, cls    int
	kind, win int
	pkt       int64
	used      bool
}

func (b *bin) add(g analyze.Segment, base int) {
	if !b.used {
		*b = bin{t: g.Time, lo: g.Offset, hi: g.End(), cls: base, win: int(g.Window), pkt: int64(g.Packet), used: true}
	}
	b.lo, b.hi = min(b.lo, g.Offset), max(b.hi, g.End())
	b.n++
	b.cls = max(b.cls, base)
	b.kind |= int(g.Kind)
	b.win = min(b.win, int(g.Window))
}

// bins writes each direction's data segments as n time bins over the
// connection's life.
func (w *colWriter) bins(c *analyze.Connection, n int) {
	width := (max(c.Last-c.First, 1) + int64(n) - 1) / int64(n)
	w.s.BinUs = float64(width) / 1e3
	var cur [2]bin
	var idx [2]int64
	flush := func(d int) {
		if b := cur[d]; b.used {
			w.row(b.t, analyze.Dir(d), b.lo, int(b.hi-b.lo), b.cls+16*b.kind, b.win, b.pkt)
			w.s.N = append(w.s.N, b.n)
		}
		cur[d] = bin{}
	}
	for _, g := range c.Segments.All() {
		if g.Len == 0 {
			continue
		}
		d, i := int(g.Dir), (g.Time-c.First)/width
		if cur[d].used && i != idx[d] {
			flush(d)
		}
		idx[d] = i
		cur[d].add(g, baseOf(c, g))
	}
	flush(0)
	flush(1)
}

// anomalies writes the segments that tell a story one by one, after the
// bins they sit in: resent, out of order, after a gap (up to a bound).
func (w *colWriter) anomalies(c *analyze.Connection) {
	kept := 0
	for _, g := range c.Segments.All() {
		if g.Len == 0 || g.Kind&(analyze.KindRetransmission|analyze.KindOutOfOrder|analyze.KindAfterGap) == 0 {
			continue
		}
		if kept == maxAnomalies {
			w.s.AnomaliesDropped++
			continue
		}
		kept++
		w.segRow(c, g)
		w.s.N = append(w.s.N, 1)
	}
}

// maxAnomalies bounds the resent, out-of-order and after-gap segments an
// aggregated connection keeps one by one.
const maxAnomalies = 50000

func timeString(ns int64) string {
	if ns == 0 {
		return ""
	}
	return time.Unix(0, ns).UTC().Format(time.RFC3339Nano)
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	return enc.Encode(v)
}
