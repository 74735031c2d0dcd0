package report

import (
	"encoding/csv"
	"fmt"
	"io"
	"strings"

	"github.com/segscope/segscope/analyze"
	"github.com/segscope/segscope/explain"
	"github.com/segscope/segscope/report/prose"
)

// ExplainSchema is the version of `segscope explain --format json`. Version
// 2 names keys as every other document does: "capture_files" (was
// "capture", an array where analyze's "capture" is an object), the
// summary's confidence keys in snake_case ("cannot_tell"), null for what
// is not known ("trace" when curl's trace was not kept, "buffer_size"
// when no read shows curl's buffer); events carry "direction" and
// "kind", and the summary "sends".
const ExplainSchema = "segscope.explain/2"

// Explanation is what `segscope explain` reports.
type Explanation struct {
	Result  *explain.Result
	Capture *analyze.Result // nil with a trace only
	Errors  []error
}

type jsonExplain struct {
	Schema   string             `json:"schema"`
	Trace    *string            `json:"trace"` // null: curl's trace was not kept (segscope curl without --keep)
	Capture  []string           `json:"capture_files"`
	Matches  []jsonExplainMatch `json:"matches"`
	Summary  jsonExplainSummary `json:"summary"`
	Events   []any              `json:"events"` // EventFields, written by the fast encoder
	Problems []string           `json:"problems"`
	// Refused: the problems show that the trace and the capture are of
	// different transfers, and no event has a cause.
	Refused bool     `json:"refused"`
	Errors  []string `json:"errors"`
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
	// Point is where the capture was taken (client, server, unknown),
	// with its evidence.
	Point *explain.PointFact `json:"capture_point,omitempty"`
	// KeyMissing: TLS, and the key log given has no secret for it.
	KeyMissing bool `json:"key_missing,omitempty"`
}

type jsonExplainSummary struct {
	Events       int             `json:"events"`
	Bytes        int64           `json:"bytes"`
	Sizes        []jsonSizeCount `json:"sizes"`
	Causes       []jsonCause     `json:"causes"`
	Dominant     string          `json:"dominant_cause"`
	DominantSize int             `json:"dominant_size"`
	BufferSize   *int            `json:"buffer_size"` // null: no read shows curl's buffer
	Confidence   map[string]int  `json:"confidence"`
	Needs        []jsonNeed      `json:"needs"`
	Sentences    []string        `json:"sentences"`
	// Sends condenses the Send header and Send data events; the fields
	// above are the reads'.
	Sends jsonSendSummary `json:"sends"`
}

type jsonSendSummary struct {
	Events   int                     `json:"events"`
	Headers  int                     `json:"headers"`
	Bytes    int64                   `json:"bytes"`
	Buffer   *int                    `json:"upload_buffer"` // null: the trace does not show it
	BufferBy explain.BufferSource    `json:"upload_buffer_by"`
	Causes   []jsonCause             `json:"causes"`
	Requests []explain.UploadSummary `json:"requests"`
}

type jsonCause struct {
	Cause   string `json:"cause"`
	Count   int    `json:"count"`
	Meaning string `json:"meaning"`
}

type jsonNeed struct {
	Need   string `json:"need"`
	Events int    `json:"events"`
	How    string `json:"how"`
}

func (x Explanation) doc() jsonExplain {
	r := x.Result
	d := jsonExplain{Schema: ExplainSchema, Trace: traceName(r), Capture: []string{}, Matches: []jsonExplainMatch{},
		Events: []any{}, Problems: []string{}, Errors: []string{}}
	if x.Capture != nil {
		d.Capture = append(d.Capture, x.Capture.Sources...)
	}
	for _, p := range r.Problems {
		d.Problems = append(d.Problems, prose.ProblemText(p))
	}
	d.Refused = r.Refused
	for _, m := range r.Matches {
		d.Matches = append(d.Matches, jsonExplainMatch{TraceLine: r.Trace.Conns[m.TraceConn].Line, Conn: m.Conn.ID,
			Client: m.Conn.Client.String(), Server: m.Conn.Server.String(), How: prose.MatchHow(r, m), Aligned: m.Aligned,
			ZoneHours: m.ClockZone.Hours(), SkewUs: round3(float64(m.ClockSkew) / 1e3), Point: m.Point, KeyMissing: m.KeyMissing})
	}
	d.Summary = summaryDoc(r)
	for _, err := range x.Errors {
		d.Errors = append(d.Errors, err.Error())
	}
	return d
}

func summaryDoc(r *explain.Result) jsonExplainSummary {
	s := r.Summary
	js := jsonExplainSummary{Events: s.Events, Bytes: s.Bytes, Sizes: []jsonSizeCount{}, Causes: []jsonCause{},
		Dominant: s.Dominant.String(), DominantSize: s.DominantSize, Needs: []jsonNeed{}, Sentences: prose.Summary(r),
		Confidence: map[string]int{}}
	if s.Events == 0 {
		js.Dominant = ""
	}
	if r.Buffer != nil {
		b := r.Buffer.Size
		js.BufferSize = &b
	}
	for c, n := range s.Confidence {
		js.Confidence[strings.ReplaceAll(explain.Confidence(c).Name(), "-", "_")] = n
	}
	for _, sc := range s.Sizes {
		js.Sizes = append(js.Sizes, jsonSizeCount{sc.Size, sc.Count})
	}
	for _, c := range s.Causes {
		js.Causes = append(js.Causes, jsonCause{c.Cause.String(), c.Count, prose.CauseMeaning(c.Cause)})
	}
	for _, n := range s.Needs {
		js.Needs = append(js.Needs, jsonNeed{n.Need.String(), n.Count, prose.NeedText(n.Need)})
	}
	ss := s.Send
	js.Sends = jsonSendSummary{Events: ss.Events, Headers: ss.Headers, Bytes: ss.Bytes, BufferBy: ss.BufferBy, Causes: []jsonCause{},
		Requests: append([]explain.UploadSummary{}, ss.Requests...)}
	if ss.Buffer > 0 {
		b := ss.Buffer
		js.Sends.Buffer = &b
	}
	for _, c := range ss.Causes {
		js.Sends.Causes = append(js.Sends.Causes, jsonCause{c.Cause.String(), c.Count, prose.CauseMeaning(c.Cause)})
	}
	return js
}

// traceName is the trace's file name; nil when it was not kept (segscope
// curl makes one in a temporary directory).
func traceName(r *explain.Result) *string {
	if r.Trace.Name == "" {
		return nil
	}
	n := r.Trace.Name
	return &n
}

// inTraceOrder merges the reads and the sends in the order of the trace.
func inTraceOrder(r *explain.Result) []explain.Event {
	out := make([]explain.Event, 0, len(r.Events)+len(r.Sends))
	i, j := 0, 0
	for i < len(r.Events) || j < len(r.Sends) {
		if j == len(r.Sends) || (i < len(r.Events) && r.Events[i].Index < r.Sends[j].Index) {
			out = append(out, r.Events[i])
			i++
		} else {
			out = append(out, r.Sends[j])
			j++
		}
	}
	return out
}

// Write renders the explanation.
func (x Explanation) Write(w io.Writer, f Format) error {
	d := x.doc()
	switch f {
	case JSON:
		events := inTraceOrder(x.Result)
		i := 0
		return writeJSONStreamFast(w, d, "events", func(e *jenc) bool {
			if i == len(events) {
				return false
			}
			EventFields.jsonObject(e, &eventRow{&events[i]})
			i++
			return true
		})
	case CSV:
		return writeExplainCSV(w, inTraceOrder(x.Result))
	}
	return x.writeTable(w, d)
}

// Problems are the explanation's problems as the table lists them: CSV,
// which has no place for them, leaves them to standard error.
func (x Explanation) Problems() []string {
	return x.doc().Problems
}

func writeExplainCSV(w io.Writer, events []explain.Event) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(EventFields.csvHeader()); err != nil {
		return err
	}
	var row []string
	for i := range events {
		row = EventFields.appendCSV(row[:0], &eventRow{&events[i]})
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func (x Explanation) writeTable(w io.Writer, d jsonExplain) error {
	if d.Trace != nil {
		fmt.Fprintf(w, "trace %s", *d.Trace)
	} else {
		fmt.Fprint(w, "curl's trace (not kept: --keep DIR keeps it)")
	}
	if len(d.Capture) > 0 {
		fmt.Fprintf(w, " against %s", strings.Join(d.Capture, ", "))
	}
	fmt.Fprintln(w)
	for _, m := range x.Result.Matches {
		fmt.Fprintf(w, "  %s\n", prose.MatchLine(x.Result, m))
	}
	fmt.Fprintln(w, "\nSummary:")
	for _, s := range d.Summary.Sentences {
		fmt.Fprintf(w, "  %s\n", s)
	}
	if len(d.Summary.Causes) > 0 && !d.Refused {
		fmt.Fprintln(w, "\nCauses:")
		for _, c := range d.Summary.Causes {
			fmt.Fprintf(w, "  %5d  %-14s %s\n", c.Count, c.Cause, c.Meaning)
		}
		fmt.Fprintf(w, "\nSizes: %s\n", sizeList(d.Summary.Sizes))
	}
	if len(d.Summary.Sends.Causes) > 0 && !d.Refused {
		fmt.Fprintln(w, "\nSend causes:")
		for _, c := range d.Summary.Sends.Causes {
			fmt.Fprintf(w, "  %5d  %-15s %s\n", c.Count, c.Cause, c.Meaning)
		}
	}
	if len(d.Problems) > 0 {
		fmt.Fprintln(w, "\nProblems:")
		for _, p := range d.Problems {
			fmt.Fprintf(w, "  - %s\n", p)
		}
	}
	if events := inTraceOrder(x.Result); len(events) > 0 && !d.Refused {
		if err := writeEventTable(w, events); err != nil {
			return err
		}
		fmt.Fprintln(w, "\nOne event of each cause, in full:")
		for _, c := range x.Result.Summary.Causes {
			e := x.Result.Events[c.Example]
			fmt.Fprintf(w, "  line %d, %d bytes (%s, %s): %s\n", e.Line, e.Size, e.Cause, e.Confidence, prose.Why(e))
		}
		for _, c := range x.Result.Summary.Send.Causes {
			e := x.Result.Sends[c.Example]
			fmt.Fprintf(w, "  line %d, %s %d bytes (%s, %s): %s\n", e.Line, e.Kind, e.Size, e.Cause, e.Confidence, prose.Why(e))
		}
	}
	for _, err := range x.Errors {
		fmt.Fprintf(w, "\nerror: %v\n", err)
	}
	return nil
}

func sizeList(sizes []jsonSizeCount) string {
	var out []string
	for i, s := range sizes {
		if i == 8 {
			out = append(out, "...")
			break
		}
		out = append(out, fmt.Sprintf("%dx%d", s.Size, s.Count))
	}
	return strings.Join(out, " ")
}

func writeEventTable(w io.Writer, events []explain.Event) error {
	fmt.Fprintln(w, "\nEvents:")
	cols := EventFields.tabled()
	align, head := cols.tableHead()
	return streamTable(w, align, head, func(emit func([]string) error) error {
		cells := make([]string, len(cols))
		for i := range events {
			cols.tableCells(cells, &eventRow{&events[i]})
			if err := emit(cells); err != nil {
				return err
			}
		}
		return nil
	})
}
