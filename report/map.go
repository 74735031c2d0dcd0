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

// MapSchema is the version of `segscope map --format json`.
const MapSchema = "segscope.map/1"

// BoundaryMap is what `segscope map` reports for one connection.
type BoundaryMap struct {
	Result *analyze.Result
	Conn   *analyze.Connection
	Map    analyze.Map
	// BySegment prints the timeline of segments (with the units each
	// carried) instead of the units (with their segments).
	BySegment bool
	Errors    []error
}

type jsonMap struct {
	Schema   string           `json:"schema"`
	Source   string           `json:"source"`
	Conn     jsonMapConn      `json:"connection"`
	Units    []jsonUnit       `json:"units"`
	Segments []jsonMapSegment `json:"segments"`
	Errors   []string         `json:"errors"`
}

type jsonMapConn struct {
	ID       int    `json:"id"`
	Client   string `json:"client"`
	Server   string `json:"server"`
	Protocol string `json:"protocol"`
}

// jsonUnit writes a unit's UnitFields as a JSON object.
type jsonUnit struct{ r unitRow }

func (u jsonUnit) MarshalJSON() ([]byte, error) {
	var e jenc
	UnitFields.jsonObject(&e, &u.r)
	return e.b, nil
}

type jsonMapSegment struct {
	Packet    int     `json:"packet"`
	Time      string  `json:"time"`
	RelTimeS  float64 `json:"rel_time_s"`
	Direction string  `json:"direction"`
	Offset    int64   `json:"offset"`
	Len       int     `json:"len"`
	Class     string  `json:"class"`
	Units     []int   `json:"units"` // indices into units
}

// unit is unit i's row for UnitFields.
func (b BoundaryMap) unit(i int) unitRow {
	return unitRow{c: b.Conn, m: &b.Map, i: i, u: &b.Map.Units[i], nested: b.Map.Records != nil}
}

// Write renders the map.
func (b BoundaryMap) Write(w io.Writer, f Format) error {
	c := b.Conn
	switch f {
	case JSON:
		proto := ""
		if c.App != nil {
			proto = string(c.App.Protocol)
		}
		doc := jsonMap{Schema: MapSchema, Source: strings.Join(b.Result.Sources, ", "),
			Conn:  jsonMapConn{c.ID, c.Client.String(), c.Server.String(), proto},
			Units: []jsonUnit{}, Segments: []jsonMapSegment{}, Errors: []string{}}
		for i := range b.Map.Units {
			doc.Units = append(doc.Units, jsonUnit{b.unit(i)})
		}
		for i, s := range b.Map.Segments {
			js := jsonMapSegment{Packet: s.Packet, Time: timeString(s.Time), RelTimeS: float64(s.Time-b.Result.First) / 1e9,
				Direction: s.Dir.String(), Offset: s.Offset, Len: s.Len, Class: c.Class(s), Units: append([]int{}, b.Map.SegmentUnits[i]...)}
			doc.Segments = append(doc.Segments, js)
		}
		for _, err := range b.Errors {
			doc.Errors = append(doc.Errors, err.Error())
		}
		return writeJSON(w, doc)
	case CSV:
		cw := csv.NewWriter(w)
		if err := cw.Write(UnitFields.csvHeader()); err != nil {
			return err
		}
		var row []string
		for i := range b.Map.Units {
			r := b.unit(i)
			if err := cw.Write(UnitFields.appendCSV(row[:0], &r)); err != nil {
				return err
			}
		}
		cw.Flush()
		return cw.Error()
	}
	fmt.Fprintf(w, "connection %d: %s > %s", c.ID, c.Client, c.Server)
	if s := appSummary(c); s != "" {
		fmt.Fprintf(w, ", %s", s)
	}
	fmt.Fprintf(w, "\n%d units, %d data segments\n\n", len(b.Map.Units), len(b.Map.Segments))
	var err error
	if b.BySegment {
		err = b.segmentTable(w)
	} else {
		err = b.unitTable(w)
	}
	for _, e := range b.Errors {
		fmt.Fprintf(w, "error: %v\n", e)
	}
	return err
}

// place renders where a unit starts or ends in a segment: "#8@258" is
// byte 258 of packet 8's payload.
func place(packet int, off int64) string {
	if packet == 0 {
		return "-"
	}
	return fmt.Sprintf("#%d@%d", packet, off)
}

// unitTable lists the units, a column per UnitFields entry with a table
// title. Decrypted, it shows each record on the TCP stream and under it
// the frames or messages it carried, with their plaintext range (the
// PLAINTEXT column) and the records they span.
func (b BoundaryMap) unitTable(w io.Writer) error {
	var cols Fields[unitRow]
	for _, f := range UnitFields.tabled() {
		if f.Name != "plaintext" || b.Map.Records != nil {
			cols = append(cols, f)
		}
	}
	align, head := cols.tableHead()
	return streamTable(w, align, head, func(emit func([]string) error) error {
		cells := make([]string, len(cols))
		for i := range b.Map.Units {
			r := b.unit(i)
			cols.tableCells(cells, &r)
			if err := emit(cells); err != nil {
				return err
			}
		}
		return nil
	})
}

func (b BoundaryMap) segmentTable(w io.Writer) error {
	return streamTable(w, "rrlrrll",
		[]string{"PACKET", "TIME", "DIR", "OFFSET", "LEN", "CLASS", "CARRIED"},
		func(emit func([]string) error) error {
			for i, s := range b.Map.Segments {
				var carried []string
				for _, ui := range b.Map.SegmentUnits[i] {
					u := b.Map.Units[ui]
					lo, hi := max(u.Start, s.Offset)-s.Offset, min(u.End, s.End())-s.Offset
					carried = append(carried, fmt.Sprintf("%s %s [%d,%d)", u.Kind, prose.UnitLabel(u), lo, hi))
				}
				if err := emit([]string{strconv.Itoa(s.Packet), strconv.FormatFloat(float64(s.Time-b.Result.First)/1e9, 'f', 6, 64),
					s.Dir.Arrow(), strconv.FormatInt(s.Offset, 10), strconv.Itoa(s.Len), b.Conn.Class(s), strings.Join(carried, "; ")}); err != nil {
					return err
				}
			}
			return nil
		})
}
