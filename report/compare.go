package report

import (
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/segscope/segscope/lab/labcompare"
)

// LabSchema versions the JSON of `segscope lab --compare`.
const LabSchema = "segscope.lab-compare/1"

// Comparison is what `segscope lab --compare` and `--preset` report: one
// column per condition.
type Comparison struct {
	Flag       string // what varies: a flag's name, or the preset's title
	Conditions []labcompare.Condition
}

// Write renders the comparison.
func (c Comparison) Write(w io.Writer, f Format) error {
	switch f {
	case JSON:
		return writeJSON(w, c.doc())
	case CSV:
		return c.writeCSV(w)
	}
	return c.writeTable(w)
}

// rows are the table's rows: a ConditionFields title and one cell per
// condition (a failed condition's cells say so, but for how it was set up).
func (c Comparison) rows() [][]string {
	var out [][]string
	for _, f := range ConditionFields.tabled() {
		row := []string{f.Table}
		for i := range c.Conditions {
			k := &c.Conditions[i]
			if k.Failed && f.Name != "path" && f.Name != "server" {
				row = append(row, "failed")
				continue
			}
			row = append(row, f.tableCell(&condRow{k}))
		}
		out = append(out, row)
	}
	return out
}

func (c Comparison) writeTable(w io.Writer) error {
	fmt.Fprintf(w, "Compared: %s\n\n", c.Flag)
	header := []string{""}
	for _, k := range c.Conditions {
		header = append(header, k.Label)
	}
	return streamTable(w, strings.Repeat("l", len(header)), header, func(emit func([]string) error) error {
		for _, r := range c.rows() {
			if err := emit(r); err != nil {
				return err
			}
		}
		return nil
	})
}

func (c Comparison) writeCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	header := []string{"row"}
	for _, k := range c.Conditions {
		header = append(header, k.Label)
	}
	cw.Write(header)
	for _, r := range c.rows() {
		cw.Write(r)
	}
	cw.Flush()
	return cw.Error()
}

// jsonCondition writes a condition's ConditionFields as a JSON object.
type jsonCondition struct{ r condRow }

func (c jsonCondition) MarshalJSON() ([]byte, error) {
	var e jenc
	ConditionFields.jsonObject(&e, &c.r)
	return e.b, nil
}

func (c Comparison) doc() any {
	var conds []jsonCondition
	for i := range c.Conditions {
		conds = append(conds, jsonCondition{condRow{&c.Conditions[i]}})
	}
	return struct {
		Schema     string          `json:"schema"`
		Compared   string          `json:"compared"`
		Conditions []jsonCondition `json:"conditions"`
	}{LabSchema, c.Flag, conds}
}

func share(n, of int) float64 {
	if of == 0 {
		return 0
	}
	return math.Round(float64(n)/float64(of)*1000) / 1000
}

func percent(n, of int) string {
	switch {
	case of == 0:
		return "-"
	case n > 0 && n*200 < of: // would round to 0%
		return "<1%"
	}
	return fmt.Sprintf("%.0f%%", float64(n)*100/float64(of))
}

func itoaOr(n int, none string) string {
	if n == 0 {
		return none
	}
	return fmt.Sprint(n)
}

// LabPath says how a lab's path was built, in the flags' terms.
func LabPath(p labcompare.Path) string {
	ip := "IPv4"
	if p.IPv6 {
		ip = "IPv6"
	}
	parts := []string{fmt.Sprintf("%s MTU %d", ip, p.MTU)}
	if p.MSS != 0 {
		parts = append(parts, fmt.Sprintf("MSS clamped to %d", p.MSS))
	}
	parts = append(parts, "timestamps "+onOff(p.Timestamps), "SACK "+onOff(p.SACK))
	switch {
	case p.TSO && p.GSO && p.GRO:
		parts = append(parts, "offloads on")
	case !p.TSO && !p.GSO && !p.GRO:
		parts = append(parts, "offloads off")
	default:
		parts = append(parts, fmt.Sprintf("TSO %s GSO %s GRO %s", onOff(p.TSO), onOff(p.GSO), onOff(p.GRO)))
	}
	if p.Rate != "" {
		parts = append(parts, "tbf "+p.Rate)
	} else {
		parts = append(parts, "unpaced")
	}
	if p.Delay != "" {
		parts = append(parts, "delay "+p.Delay)
	}
	if p.Loss != "" {
		parts = append(parts, "loss "+p.Loss)
	}
	return strings.Join(parts, ", ")
}

// LabServer says what a lab's built-in server sends.
func LabServer(s labcompare.ServerConfig) string {
	proto := "HTTP/1.1"
	if s.HTTP2 {
		proto = "HTTP/2"
	}
	if s.TLS != "" {
		proto += " over TLS " + s.TLS
	}
	parts := []string{proto, fmt.Sprintf("%d-byte body", s.Body.Size)}
	if s.Body.Chunked {
		parts = append(parts, "chunked")
	}
	if s.Body.WriteSize > 0 {
		parts = append(parts, fmt.Sprintf("writes of %d", s.Body.WriteSize))
	}
	if s.Body.WriteDelay > 0 {
		parts = append(parts, fmt.Sprintf("every %v", s.Body.WriteDelay))
	}
	return strings.Join(parts, ", ")
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}
