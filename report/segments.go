package report

import (
	"encoding/csv"
	"io"
	"strings"

	"github.com/segscope/segscope/analyze"
	"github.com/segscope/segscope/report/prose"
)

// Segments is what `segscope segments` reports: every segment of the
// chosen connections.
type Segments struct {
	Result      *analyze.Result
	Connections []*analyze.Connection
	Errors      []error
	// Carried adds what each data segment carried (the analysis must
	// have walked the application layer): with a key log, the frames and
	// messages inside TLS.
	Carried bool
}

type jsonSegments struct {
	Schema   string   `json:"schema"`
	Source   string   `json:"source"`
	Segments []any    `json:"segments"` // SegmentFields, written by the fast encoder
	Errors   []string `json:"errors"`
}

// carriedNames names, per data segment (by packet), the innermost units
// it carried.
func carriedNames(c *analyze.Connection) map[int][]string {
	out := map[int][]string{}
	for p, units := range c.CarriedBy() {
		names := make([]string, 0, len(units))
		for _, u := range units {
			names = append(names, prose.UnitName(u))
		}
		out[p] = names
	}
	return out
}

// each calls fn with every segment of the chosen connections, in order.
func (s Segments) each(fn func(r *segRow) error) error {
	for _, c := range s.Connections {
		r := newSegRow(c, s.Result.First, s.Carried)
		for i := range c.Segments.Len() {
			r.seg = c.Segments.At(i)
			if err := fn(&r); err != nil {
				return err
			}
		}
	}
	return nil
}

// Write renders the segments in the given format.
func (s Segments) Write(w io.Writer, f Format) error {
	switch f {
	case JSON:
		doc := jsonSegments{Schema: SegmentsSchema, Source: strings.Join(s.Result.Sources, ", "), Segments: []any{}, Errors: []string{}}
		for _, err := range s.Errors {
			doc.Errors = append(doc.Errors, err.Error())
		}
		ci, si := 0, 0
		var r segRow
		return writeJSONStreamFast(w, doc, "segments", func(e *jenc) bool {
			for ci < len(s.Connections) && si == s.Connections[ci].Segments.Len() {
				ci, si = ci+1, 0
			}
			if ci == len(s.Connections) {
				return false
			}
			c := s.Connections[ci]
			if si == 0 {
				r = newSegRow(c, s.Result.First, s.Carried)
			}
			r.seg = c.Segments.At(si)
			si++
			SegmentFields.jsonObject(e, &r)
			return true
		})
	case CSV:
		cw := csv.NewWriter(w)
		if err := cw.Write(SegmentFields.csvHeader()); err != nil {
			return err
		}
		var row []string
		err := s.each(func(r *segRow) error {
			row = SegmentFields.appendCSV(row[:0], r)
			return cw.Write(row)
		})
		if err != nil {
			return err
		}
		cw.Flush()
		return cw.Error()
	}
	t := NewSegmentsTable(w, func() int64 { return s.Result.First }, s.Carried, nil)
	for _, c := range s.Connections {
		if err := t.Conn(c, nil); err != nil {
			return err
		}
	}
	return t.Close(s.Result, s.Errors)
}
