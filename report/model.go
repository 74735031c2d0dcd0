// Package report renders analysis results as tables for people and JSON or
// CSV for scripts. It is the only package that formats output; it computes
// nothing that the analysis did not.
package report

import (
	"fmt"
	"io"
	"math"
	"strings"
	"time"

	"github.com/segscope/segscope/analyze"
)

// Format is an output format.
type Format string

const (
	Table Format = "table"
	JSON  Format = "json"
	CSV   Format = "csv"
)

// Formats lists the accepted formats, for flag help and completion.
var Formats = []string{string(Table), string(JSON), string(CSV)}

// ParseFormat checks a --format value.
func ParseFormat(s string) (Format, error) {
	switch f := Format(strings.ToLower(s)); f {
	case Table, JSON, CSV:
		return f, nil
	}
	return "", fmt.Errorf("unknown format %q: use table, json or csv", s)
}

// Schema versions of the JSON documents. A field is only ever added within
// a version; renaming or removing one makes a new version.
const (
	AnalysisSchema = "segscope.analyze/1"
	SegmentsSchema = "segscope.segments/1"
)

// Analysis is what `segscope analyze` reports: a result, the connections
// chosen from it, and the errors met while reading.
type Analysis struct {
	Result      *analyze.Result
	Connections []*analyze.Connection
	Errors      []error
}

// Write renders a in the given format.
func (a Analysis) Write(w io.Writer, f Format) error {
	switch f {
	case JSON:
		return a.writeJSON(w)
	case CSV:
		return a.writeCSV(w)
	default:
		return a.writeTable(w)
	}
}

func ms(d time.Duration) float64 { return round3(float64(d) / float64(time.Millisecond)) }

func round3(x float64) float64 { return math.Round(x*1000) / 1000 }

func timeString(ns int64) string {
	if ns == 0 {
		return ""
	}
	if ns < 0 {
		return time.Unix(0, ns).UTC().Format(time.RFC3339Nano)
	}
	var buf [40]byte
	return string(appendRFC3339Nano(buf[:0], ns))
}

// endpoint renders an address and port; IPv6 in brackets.
func endpoint(c *analyze.Connection, d analyze.Dir) (src, dst string) {
	if d == analyze.ClientToServer {
		return c.Client.String(), c.Server.String()
	}
	return c.Server.String(), c.Client.String()
}

func dirs() []analyze.Dir { return []analyze.Dir{analyze.ClientToServer, analyze.ServerToClient} }
