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

// comparisonRows are the table's rows: a name and one cell per condition.
func (c Comparison) rows() [][]string {
	row := func(name string, cell func(labcompare.Condition) string) []string {
		out := []string{name}
		for _, k := range c.Conditions {
			if k.Failed && name != "path" && name != "server" {
				out = append(out, "failed")
				continue
			}
			out = append(out, cell(k))
		}
		return out
	}
	return [][]string{
		row("path", func(k labcompare.Condition) string { return LabPath(k.Path) }),
		row("server", func(k labcompare.Condition) string { return LabServer(k.Server) }),
		row("MSS the MTU allows", func(k labcompare.Condition) string {
			return fmt.Sprintf("%d - %d (IP) - 20 (TCP) = %d", k.Path.MTU, k.IPHeader, k.PathMSS)
		}),
		row("MSS (SYN)", func(k labcompare.Condition) string { return itoaOr(k.MSS, "not seen") }),
		row("effective MSS", func(k labcompare.Condition) string {
			switch {
			case k.EffectiveMSS == 0:
				return "unknown"
			case k.OptionBytes == 0:
				return fmt.Sprintf("%d (no options)", k.EffectiveMSS)
			}
			return fmt.Sprintf("%d = %d - %d (options)", k.EffectiveMSS, k.MSS, k.OptionBytes)
		}),
		row("most common segment", func(k labcompare.Condition) string {
			return fmt.Sprintf("%d x%d of %d", k.TopSegment.Size, k.TopSegment.Count, k.Segments)
		}),
		row("super-segments", func(k labcompare.Condition) string {
			s := fmt.Sprintf("client side %d", k.Super)
			if k.ServerSuper >= 0 {
				s += fmt.Sprintf(", server side %d", k.ServerSuper)
			}
			return s
		}),
		row("most common read", func(k labcompare.Condition) string {
			return fmt.Sprintf("%d x%d of %d", k.TopRead.Size, k.TopRead.Count, k.Reads)
		}),
		row("its cause", func(k labcompare.Condition) string { return fmt.Sprint(k.TopReadWhy) }),
		row("reads by cause", func(k labcompare.Condition) string {
			var parts []string
			for _, cc := range k.Causes {
				parts = append(parts, fmt.Sprintf("%v %s", cc.Cause, percent(cc.Count, k.Reads)))
			}
			return strings.Join(parts, ", ")
		}),
	}
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

type jsonCondition struct {
	Label        string           `json:"label"`
	Path         string           `json:"path"`
	Server       string           `json:"server"`
	Failed       bool             `json:"failed,omitempty"`
	PathMSS      int              `json:"path_mss"`
	MSS          int              `json:"mss"`
	OptionBytes  int              `json:"option_bytes"`
	EffectiveMSS int              `json:"effective_mss"`
	Segments     int              `json:"segments"`
	TopSegment   jsonSizeCount    `json:"top_segment"`
	Super        int              `json:"super_segments"`
	ServerSuper  *int             `json:"server_super_segments,omitempty"`
	Reads        int              `json:"reads"`
	TopRead      jsonSizeCount    `json:"top_read"`
	TopReadCause string           `json:"top_read_cause"`
	Causes       []jsonCauseShare `json:"causes"`
}

type jsonCauseShare struct {
	Cause string  `json:"cause"`
	Count int     `json:"count"`
	Share float64 `json:"share"`
}

func (c Comparison) doc() any {
	var conds []jsonCondition
	for _, k := range c.Conditions {
		j := jsonCondition{Label: k.Label, Path: LabPath(k.Path), Server: LabServer(k.Server), Failed: k.Failed,
			PathMSS: k.PathMSS, MSS: k.MSS, OptionBytes: k.OptionBytes, EffectiveMSS: k.EffectiveMSS,
			Segments: k.Segments, TopSegment: jsonSizeCount{k.TopSegment.Size, k.TopSegment.Count},
			Super: k.Super, Reads: k.Reads, TopRead: jsonSizeCount{k.TopRead.Size, k.TopRead.Count},
			TopReadCause: fmt.Sprint(k.TopReadWhy)}
		if k.ServerSuper >= 0 {
			j.ServerSuper = &k.ServerSuper
		}
		for _, cc := range k.Causes {
			j.Causes = append(j.Causes, jsonCauseShare{fmt.Sprint(cc.Cause), cc.Count, share(cc.Count, k.Reads)})
		}
		conds = append(conds, j)
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
