package report

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/segscope/segscope/analyze"
)

// analysisCSVHeader names the columns of `analyze --format csv`: one row
// per connection direction, the connection's columns, then DirFields,
// then the direction's runs, the handshake and the sizes.
func analysisCSVHeader() []string {
	h := append([]string{"id", "client", "server", "direction"}, DirFields.csvHeader()...)
	return append(h, "psh_runs", "handshake_rtt_ms", "sizes")
}

func (a Analysis) writeCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(analysisCSVHeader()); err != nil {
		return err
	}
	for _, c := range a.Connections {
		if err := writeCSVConn(cw, c); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// writeCSVConn writes a connection's two rows.
func writeCSVConn(cw *csv.Writer, c *analyze.Connection) error {
	jc := jsonConnOf(c, false)
	for _, dir := range dirs() {
		jd := jc.Directions.ClientToServer
		if dir == analyze.ServerToClient {
			jd = jc.Directions.ServerToClient
		}
		var sizes []string
		for _, s := range jd.Sizes {
			sizes = append(sizes, fmt.Sprintf("%d:%d", s.Size, s.Count))
		}
		row := make([]string, 0, 7+len(DirFields))
		row = append(row, strconv.Itoa(c.ID), jc.Client, jc.Server, dir.String())
		row = DirFields.appendCSV(row, &jd.row)
		row = append(row, strconv.Itoa(jd.PSHRuns.Count), optFloat(jc.Handshake.RTTMs), strings.Join(sizes, ";"))
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	return nil
}

func optFloat(p *float64) string {
	if p == nil {
		return ""
	}
	return strconv.FormatFloat(*p, 'f', -1, 64)
}
