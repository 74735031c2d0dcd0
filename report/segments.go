package report

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
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
	Schema   string        `json:"schema"`
	Source   string        `json:"source"`
	Segments []jsonSegment `json:"segments"`
	Errors   []string      `json:"errors"`
}

type jsonSegment struct {
	Packet    int      `json:"packet"`
	Time      string   `json:"time"`
	RelTimeS  float64  `json:"rel_time_s"`
	Conn      int      `json:"conn"`
	Direction string   `json:"direction"`
	Source    string   `json:"source"`
	Dest      string   `json:"destination"`
	Offset    int64    `json:"offset"`
	Len       int      `json:"len"`
	Flags     string   `json:"flags"`
	Window    int      `json:"window"`
	Options   int      `json:"option_bytes"`
	Class     string   `json:"class"`
	Carried   []string `json:"carried,omitempty"`
}

// segmentsCSVHeader names the columns of `segments --format csv`.
var segmentsCSVHeader = []string{"packet", "time", "rel_time_s", "conn", "direction", "source", "destination", "offset", "len", "flags", "window", "option_bytes", "class"}

func (s Segments) rows() []jsonSegment {
	var out []jsonSegment
	for _, c := range s.Connections {
		var carried map[int][]string
		if s.Carried {
			carried = carriedNames(c)
		}
		for _, seg := range c.Segments {
			out = append(out, segmentRow(c, seg, s.Result.First, carried))
		}
	}
	return out
}

// segmentRow renders one segment; first is the capture's first frame time.
func segmentRow(c *analyze.Connection, seg analyze.Segment, first int64, carried map[int][]string) jsonSegment {
	src, dst := endpoint(c, seg.Dir)
	return jsonSegment{
		Packet: seg.Packet, Time: timeString(seg.Time),
		RelTimeS: float64(seg.Time-first) / 1e9,
		Conn:     c.ID, Direction: seg.Dir.String(), Source: src, Dest: dst,
		Offset: seg.Offset, Len: seg.Len, Flags: analyze.FlagString(seg.Flags),
		Window: int(seg.Window), Options: int(seg.OptionLen), Class: c.Class(seg),
		Carried: carried[seg.Packet],
	}
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

// Write renders the segments in the given format.
func (s Segments) Write(w io.Writer, f Format) error {
	rows := s.rows()
	switch f {
	case JSON:
		doc := jsonSegments{Schema: SegmentsSchema, Source: strings.Join(s.Result.Sources, ", "), Segments: []jsonSegment{}, Errors: []string{}}
		for _, err := range s.Errors {
			doc.Errors = append(doc.Errors, err.Error())
		}
		i := 0
		return writeJSONStream(w, doc, "segments", func() (any, bool) {
			if i == len(rows) {
				return nil, false
			}
			i++
			return rows[i-1], true
		})
	case CSV:
		cw := csv.NewWriter(w)
		if err := cw.Write(segmentsCSVHeader); err != nil {
			return err
		}
		for _, r := range rows {
			if err := cw.Write([]string{
				strconv.Itoa(r.Packet), r.Time, strconv.FormatFloat(r.RelTimeS, 'f', 6, 64), strconv.Itoa(r.Conn),
				r.Direction, r.Source, r.Dest, strconv.FormatInt(r.Offset, 10), strconv.Itoa(r.Len),
				r.Flags, strconv.Itoa(r.Window), strconv.Itoa(r.Options), r.Class,
			}); err != nil {
				return err
			}
		}
		cw.Flush()
		return cw.Error()
	}
	align, head := "rrrllrrlrl", []string{"PACKET", "TIME", "CONN", "DIR", "FROM", "OFFSET", "LEN", "FLAGS", "WIN", "CLASS"}
	if s.Carried {
		align, head = align+"l", append(head, "CARRIED")
	}
	err := streamTable(w, align, head,
		func(emit func([]string) error) error {
			for _, r := range rows {
				dir := "c>s"
				if r.Direction == analyze.ServerToClient.String() {
					dir = "s>c"
				}
				row := []string{
					strconv.Itoa(r.Packet), strconv.FormatFloat(r.RelTimeS, 'f', 6, 64), strconv.Itoa(r.Conn), dir,
					r.Source, strconv.FormatInt(r.Offset, 10), strconv.Itoa(r.Len), r.Flags, strconv.Itoa(r.Window), r.Class,
				}
				if s.Carried {
					row = append(row, strings.Join(r.Carried, "; "))
				}
				if err := emit(row); err != nil {
					return err
				}
			}
			return nil
		})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "%d segments in %d connections\n", len(rows), len(s.Connections))
	for _, err := range s.Errors {
		fmt.Fprintf(w, "error: %v\n", err)
	}
	return nil
}
