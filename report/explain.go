package report

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/segscope/segscope/analyze"
	"github.com/segscope/segscope/explain"
)

// ExplainSchema is the version of `segscope explain --format json`.
const ExplainSchema = "segscope.explain/1"

// Explanation is what `segscope explain` reports.
type Explanation struct {
	Result  *explain.Result
	Capture *analyze.Result // nil with a trace only
	Errors  []error
}

type jsonExplain struct {
	Schema   string             `json:"schema"`
	Trace    string             `json:"trace"`
	Capture  []string           `json:"capture"`
	Matches  []jsonExplainMatch `json:"matches"`
	Summary  jsonExplainSummary `json:"summary"`
	Events   []jsonExplainEvent `json:"events"`
	Problems []string           `json:"problems"`
	Errors   []string           `json:"errors"`
}

type jsonExplainMatch struct {
	TraceLine int     `json:"trace_line"`
	Conn      int     `json:"conn"`
	Client    string  `json:"client"`
	Server    string  `json:"server"`
	How       string  `json:"how"`
	Aligned   bool    `json:"clock_aligned"`
	ZoneHours float64 `json:"trace_clock_utc_offset_h"`
	SkewUs    float64 `json:"trace_clock_after_capture_us"`
}

type jsonExplainSummary struct {
	Events     int             `json:"events"`
	Bytes      int64           `json:"bytes"`
	Sizes      []jsonSizeCount `json:"sizes"`
	Causes     []jsonCause     `json:"causes"`
	Dominant   string          `json:"dominant_cause"`
	BufferSize int             `json:"buffer_size"`
	Sentences  []string        `json:"sentences"`
}

type jsonCause struct {
	Cause   string `json:"cause"`
	Count   int    `json:"count"`
	Meaning string `json:"meaning"`
}

type jsonExplainEvent struct {
	Line         int              `json:"line"`
	Size         int              `json:"size"`
	Time         string           `json:"time,omitempty"`
	Conn         int              `json:"conn"`
	Start        int64            `json:"start"`
	End          int64            `json:"end"`
	Segments     []jsonExplainSeg `json:"segments"`
	Cause        string           `json:"cause"`
	Why          string           `json:"why"`
	ChunkFraming int              `json:"chunk_framing,omitempty"`
}

type jsonExplainSeg struct {
	Packet   int     `json:"packet"`
	Offset   int64   `json:"offset"`
	Len      int     `json:"len"`
	BeforeUs float64 `json:"before_read_us"`
	Super    bool    `json:"super,omitempty"`
}

func (x Explanation) doc() jsonExplain {
	r := x.Result
	d := jsonExplain{Schema: ExplainSchema, Trace: r.Trace.Name, Capture: []string{}, Matches: []jsonExplainMatch{},
		Events: []jsonExplainEvent{}, Problems: append([]string{}, r.Problems...), Errors: []string{}}
	if x.Capture != nil {
		d.Capture = append(d.Capture, x.Capture.Sources...)
	}
	for _, m := range r.Matches {
		d.Matches = append(d.Matches, jsonExplainMatch{TraceLine: r.Trace.Conns[m.TraceConn].Line, Conn: m.Conn.ID,
			Client: m.Conn.Client.String(), Server: m.Conn.Server.String(), How: m.How, Aligned: m.Aligned,
			ZoneHours: m.ClockZone.Hours(), SkewUs: round3(float64(m.ClockSkew) / 1e3)})
	}
	s := r.Summary
	d.Summary = jsonExplainSummary{Events: s.Events, Bytes: s.Bytes, Sizes: []jsonSizeCount{}, Causes: []jsonCause{},
		Dominant: string(s.Dominant), BufferSize: r.BufferSize, Sentences: s.Sentences}
	for _, sc := range s.Sizes {
		d.Summary.Sizes = append(d.Summary.Sizes, jsonSizeCount{sc.Size, sc.Count})
	}
	for _, c := range s.Causes {
		d.Summary.Causes = append(d.Summary.Causes, jsonCause{string(c.Cause), c.Count, c.Cause.Describe()})
	}
	for _, e := range r.Events {
		je := jsonExplainEvent{Line: e.Line, Size: e.Size, Conn: e.Conn, Start: e.Range.Start, End: e.Range.End,
			Segments: []jsonExplainSeg{}, Cause: string(e.Cause), Why: e.Why, ChunkFraming: e.ChunkFraming}
		if !e.Time.IsZero() {
			je.Time = e.Time.UTC().Format(time.RFC3339Nano)
		}
		for _, sg := range e.Segments {
			je.Segments = append(je.Segments, jsonExplainSeg{sg.Packet, sg.Offset, sg.Len, round3(float64(sg.Before) / 1e3), sg.Super})
		}
		d.Events = append(d.Events, je)
	}
	for _, err := range x.Errors {
		d.Errors = append(d.Errors, err.Error())
	}
	return d
}

// Write renders the explanation.
func (x Explanation) Write(w io.Writer, f Format) error {
	d := x.doc()
	switch f {
	case JSON:
		i := 0
		events := d.Events
		d.Events = []jsonExplainEvent{}
		return writeJSONStream(w, d, "events", func() (any, bool) {
			if i == len(events) {
				return nil, false
			}
			i++
			return events[i-1], true
		})
	case CSV:
		cw := csv.NewWriter(w)
		cw.Write([]string{"line", "size", "time", "conn", "start", "end", "segments", "packets", "cause", "why"})
		for _, e := range d.Events {
			var pk []string
			for _, s := range e.Segments {
				pk = append(pk, strconv.Itoa(s.Packet))
			}
			if err := cw.Write([]string{strconv.Itoa(e.Line), strconv.Itoa(e.Size), e.Time, strconv.Itoa(e.Conn),
				strconv.FormatInt(e.Start, 10), strconv.FormatInt(e.End, 10), strconv.Itoa(len(e.Segments)),
				strings.Join(pk, ";"), e.Cause, e.Why}); err != nil {
				return err
			}
		}
		cw.Flush()
		return cw.Error()
	}
	return x.writeTable(w, d)
}

func (x Explanation) writeTable(w io.Writer, d jsonExplain) error {
	r := x.Result
	fmt.Fprintf(w, "trace %s", d.Trace)
	if len(d.Capture) > 0 {
		fmt.Fprintf(w, " against %s", strings.Join(d.Capture, ", "))
	}
	fmt.Fprintln(w)
	for _, m := range d.Matches {
		fmt.Fprintf(w, "  trace connection (line %d) = capture connection %d, %s > %s: matched by %s", m.TraceLine, m.Conn, m.Client, m.Server, m.How)
		if m.Aligned {
			skew := time.Duration(m.SkewUs * 1e3).Round(time.Microsecond)
			way := "ahead of"
			if skew < 0 {
				skew, way = -skew, "behind"
			}
			fmt.Fprintf(w, "; trace clock UTC%+03.0f:%02d, %s %s the capture's (taking the quickest read as immediate)", m.ZoneHours, int(absf(m.ZoneHours)*60)%60, skew, way)
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintln(w, "\nSummary:")
	for _, s := range d.Summary.Sentences {
		fmt.Fprintf(w, "  %s\n", s)
	}
	if len(d.Summary.Causes) > 0 {
		fmt.Fprintln(w, "\nCauses:")
		for _, c := range d.Summary.Causes {
			fmt.Fprintf(w, "  %5d  %-14s %s\n", c.Count, c.Cause, c.Meaning)
		}
		var sizes []string
		for i, s := range d.Summary.Sizes {
			if i == 8 {
				sizes = append(sizes, "...")
				break
			}
			sizes = append(sizes, fmt.Sprintf("%dx%d", s.Size, s.Count))
		}
		fmt.Fprintf(w, "\nSizes: %s\n", strings.Join(sizes, " "))
	}
	if len(d.Problems) > 0 {
		fmt.Fprintln(w, "\nProblems:")
		for _, p := range d.Problems {
			fmt.Fprintf(w, "  - %s\n", p)
		}
	}
	if len(d.Events) > 0 {
		fmt.Fprintln(w, "\nEvents:")
		err := streamTable(w, "rrrrlrl",
			[]string{"LINE", "N", "CONN", "STREAM", "PACKETS", "LAST BEFORE READ", "CAUSE"},
			func(emit func([]string) error) error {
				for _, e := range d.Events {
					conn, rng, pk, before := "-", "", "", ""
					if e.Conn >= 0 {
						conn = strconv.Itoa(e.Conn)
						rng = fmt.Sprintf("%d-%d", e.Start, e.End)
					}
					if n := len(e.Segments); n > 0 {
						pk = strconv.Itoa(e.Segments[0].Packet)
						if n > 1 {
							pk = fmt.Sprintf("%d-%d (%d)", e.Segments[0].Packet, e.Segments[n-1].Packet, n)
						}
						if e.Time != "" {
							last := e.Segments[0].BeforeUs // the segment captured last
							for _, sg := range e.Segments {
								last = min(last, sg.BeforeUs)
							}
							before = time.Duration(last * 1e3).Round(time.Microsecond).String()
						}
					}
					if err := emit([]string{strconv.Itoa(e.Line), strconv.Itoa(e.Size), conn, rng, pk, before, e.Cause}); err != nil {
						return err
					}
				}
				return nil
			})
		if err != nil {
			return err
		}
		// One worked example per cause, in full.
		fmt.Fprintln(w, "\nOne event of each cause, in full:")
		seen := map[explain.Cause]bool{}
		for _, e := range r.Events {
			if seen[e.Cause] {
				continue
			}
			seen[e.Cause] = true
			fmt.Fprintf(w, "  line %d, %d bytes (%s): %s\n", e.Line, e.Size, e.Cause, e.Why)
		}
	}
	for _, err := range x.Errors {
		fmt.Fprintf(w, "\nerror: %v\n", err)
	}
	return nil
}

func absf(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}
