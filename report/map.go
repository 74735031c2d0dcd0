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

type jsonUnit struct {
	Index     int    `json:"index"`
	Direction string `json:"direction"`
	Kind      string `json:"kind"`
	Label     string `json:"label"`
	Exchange  int    `json:"exchange"`
	jsonPart
	Size      int64 `json:"size"`
	Segments  []int `json:"segments"` // packet numbers
	Truncated bool  `json:"truncated,omitempty"`
	// Inside TLS: the unit's range on the decrypted stream, and the
	// records (indices into units) that carried it; start and end are
	// then the ciphertext's, on the TCP stream.
	PlainStart *int64 `json:"plain_start,omitempty"`
	PlainEnd   *int64 `json:"plain_end,omitempty"`
	Records    []int  `json:"records,omitempty"`
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

func (b BoundaryMap) unit(i int) jsonUnit {
	u := b.Map.Units[i]
	ju := jsonUnit{Index: i, Direction: u.Dir.String(), Kind: string(u.Kind), Label: prose.UnitLabel(u), Exchange: u.Exchange,
		jsonPart: partOf(u.Range, u.First, u.Last), Size: u.Size, Segments: []int{}, Truncated: u.Truncated}
	for _, si := range b.Map.UnitSegments[i] {
		ju.Segments = append(ju.Segments, b.Map.Segments[si].Packet)
	}
	if u.InTLS {
		ju.PlainStart, ju.PlainEnd = &u.Plain.Start, &u.Plain.End
		if b.Map.Records != nil {
			ju.Records = b.Map.Records[i]
		}
	}
	return ju
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
			doc.Units = append(doc.Units, b.unit(i))
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
		cw.Write([]string{"conn", "direction", "kind", "label", "exchange", "start", "end", "size", "first_packet", "first_offset", "last_packet", "last_offset", "segments", "truncated"})
		for i := range b.Map.Units {
			u := b.unit(i)
			if err := cw.Write([]string{strconv.Itoa(c.ID), u.Direction, u.Kind, u.Label, strconv.Itoa(u.Exchange),
				strconv.FormatInt(u.Start, 10), strconv.FormatInt(u.End, 10), strconv.FormatInt(u.Size, 10),
				strconv.Itoa(u.FirstPacket), strconv.FormatInt(u.FirstOffset, 10), strconv.Itoa(u.LastPacket), strconv.FormatInt(u.LastOffset, 10),
				strconv.Itoa(len(u.Segments)), strconv.FormatBool(u.Truncated)}); err != nil {
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

func (b BoundaryMap) unitTable(w io.Writer) error {
	if b.Map.Records != nil {
		return b.nestedTable(w)
	}
	return streamTable(w, "lllrrrllr",
		[]string{"DIR", "UNIT", "LABEL", "START", "END", "BYTES", "FIRST", "LAST", "SEGS"},
		func(emit func([]string) error) error {
			for i := range b.Map.Units {
				u := b.unit(i)
				if err := emit([]string{b.Map.Units[i].Dir.Arrow(), unitKind(u), u.Label, strconv.FormatInt(u.Start, 10), strconv.FormatInt(u.End, 10),
					strconv.FormatInt(u.End-u.Start, 10), place(u.FirstPacket, u.FirstOffset), place(u.LastPacket, u.LastOffset),
					strconv.Itoa(len(u.Segments))}); err != nil {
					return err
				}
			}
			return nil
		})
}

func unitKind(u jsonUnit) string {
	if u.Truncated {
		return u.Kind + " (cut)"
	}
	return u.Kind
}

// nestedTable is the unit table of a decrypted connection: each record on
// the TCP stream, and under it the frames or messages it carried, with
// their plaintext range and the records they span.
func (b BoundaryMap) nestedTable(w io.Writer) error {
	return streamTable(w, "lllrrrlllr",
		[]string{"DIR", "UNIT", "LABEL", "START", "END", "BYTES", "PLAINTEXT", "FIRST", "LAST", "SEGS"},
		func(emit func([]string) error) error {
			for i, mu := range b.Map.Units {
				u := b.unit(i)
				kind, label, plain := unitKind(u), u.Label, "-"
				if mu.InTLS {
					kind = "└ " + kind
					plain = fmt.Sprintf("[%d,%d) %dB", mu.Plain.Start, mu.Plain.End, mu.Plain.Len())
					if mu.Exchange >= 0 && mu.Kind == analyze.UnitH2Frame {
						label = fmt.Sprintf("%s s%d", label, mu.Exchange)
					}
					if n := len(u.Records); n > 1 {
						label += fmt.Sprintf(" (%d records)", n)
					}
				}
				if err := emit([]string{mu.Dir.Arrow(), kind, label, strconv.FormatInt(u.Start, 10), strconv.FormatInt(u.End, 10),
					strconv.FormatInt(u.End-u.Start, 10), plain, place(u.FirstPacket, u.FirstOffset), place(u.LastPacket, u.LastOffset),
					strconv.Itoa(len(u.Segments))}); err != nil {
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
