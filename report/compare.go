package report

import (
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/segscope/segscope/lab/labcompare"
	"github.com/segscope/segscope/report/prose"
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
				row = append(row, prose.Failed)
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
