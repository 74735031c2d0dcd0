package report

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/pkg/twwidth"
	"github.com/olekukonko/tablewriter/tw"

	"github.com/segscope/segscope/analyze"
)

// streamTable renders a table in a plain style that pastes well into
// issues and chat: ASCII, no outer border, a line under the header. Rows
// come from rows(emit), which is called twice: once to measure the column
// widths, once to print. Nothing holds all rows, so a capture of 60 000
// connections prints in constant memory.
func streamTable(w io.Writer, align string, header []string, rows func(emit func([]string) error) error) error {
	widths := make([]int, len(header))
	measure := func(cells []string) error {
		for i, c := range cells {
			widths[i] = max(widths[i], twwidth.WidthNoCache(c))
		}
		return nil
	}
	measure(header)
	if err := rows(measure); err != nil {
		return err
	}
	perCol := tw.NewMapper[int, int]()
	for i, n := range widths {
		perCol.Set(i, n+2) // one space of padding each side
	}
	t := newTable(w, alignments(align),
		tablewriter.WithStreaming(tw.StreamConfig{Enable: true}),
		tablewriter.WithWidths(tw.CellWidth{PerColumn: perCol}))
	if err := t.Start(); err != nil {
		return err
	}
	t.Header(header)
	if err := rows(func(cells []string) error { return t.Append(cells) }); err != nil {
		return err
	}
	return t.Close()
}

func newTable(w io.Writer, align []tw.Align, opts ...tablewriter.Option) *tablewriter.Table {
	return tablewriter.NewTable(w, append([]tablewriter.Option{
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithHeaderAlignmentConfig(tw.CellAlignment{PerColumn: align}),
		tablewriter.WithRowAlignmentConfig(tw.CellAlignment{PerColumn: align}),
		tablewriter.WithRendition(tw.Rendition{
			Borders: tw.BorderNone,
			Symbols: tw.NewSymbols(tw.StyleASCII),
			Settings: tw.Settings{
				Separators: tw.Separators{BetweenColumns: tw.Off, BetweenRows: tw.Off},
				Lines:      tw.Lines{ShowHeaderLine: tw.On},
			},
		}),
	}, opts...)...)
}

func alignments(spec string) []tw.Align {
	out := make([]tw.Align, len(spec))
	for i, c := range spec {
		if c == 'r' {
			out[i] = tw.AlignRight
		} else {
			out[i] = tw.AlignLeft
		}
	}
	return out
}

func (a Analysis) writeTable(w io.Writer) error {
	r := a.Result
	fmt.Fprintf(w, "%s: %d packets (%d TCP", strings.Join(r.Sources, ", "), r.Packets, r.TCPPackets)
	if r.NonTCP > 0 {
		fmt.Fprintf(w, ", %d other skipped", r.NonTCP)
	}
	if r.Fragments > 0 {
		fmt.Fprintf(w, ", %d fragments skipped", r.Fragments)
	}
	if r.Malformed > 0 {
		fmt.Fprintf(w, ", %d malformed", r.Malformed)
	}
	fmt.Fprintf(w, "), %s, %d of %d connections shown\n\n", r.Duration().Round(time.Microsecond), len(a.Connections), len(r.Connections))

	if len(a.Connections) > 0 {
		err := streamTable(w, "llrlrrrrrrrrrrl",
			[]string{"ID", "DIRECTION", "MSS", "EFFECTIVE MSS", "SEGS", "BYTES", "MIN", "MEDIAN", "MAX", "FULL", "SHORT", "SUPER", "RETX", "RTT ms", "TOP SIZES"},
			func(emit func([]string) error) error {
				for _, c := range a.Connections {
					for _, dir := range dirs() {
						if err := emit(tableRow(c, dir)); err != nil {
							return err
						}
					}
				}
				return nil
			})
		if err != nil {
			return err
		}
	}
	writeNotes(w, a)
	return nil
}

func tableRow(c *analyze.Connection, dir analyze.Dir) []string {
	d := c.Dir(dir)
	st, e := d.Stats(), d.EffectiveMSS
	src, dst := endpoint(c, dir)
	id, rtt := "", ""
	if dir == analyze.ClientToServer {
		id = strconv.Itoa(c.ID)
		if c.RolesGuessed {
			id += "?"
		}
		if v, ok := c.Handshake.RTT(); ok {
			rtt = strconv.FormatFloat(ms(v), 'f', 3, 64)
		}
	}
	mss := "-"
	if d.SYN.MSS > 0 {
		mss = strconv.Itoa(d.SYN.MSS)
	}
	eff := "-"
	switch {
	case e.Inferred:
		eff = fmt.Sprintf("%d (inferred)", e.Value)
	case e.Value > 0 && e.OptionBytes > 0:
		eff = fmt.Sprintf("%d = %d-%d", e.Value, e.MSS, e.OptionBytes)
	case e.Value > 0:
		eff = strconv.Itoa(e.Value)
	}
	retx := strconv.Itoa(d.RetransmittedSegments)
	if d.OutOfOrderSegments > 0 {
		retx += fmt.Sprintf(" (+%d ooo)", d.OutOfOrderSegments)
	}
	return []string{
		id, src + " > " + dst, mss, eff,
		strconv.Itoa(d.DataSegments), strconv.FormatInt(d.PayloadBytes, 10),
		strconv.Itoa(st.Min), strconv.Itoa(st.Median), strconv.Itoa(st.Max),
		strconv.Itoa(st.Full), strconv.Itoa(st.Short), strconv.Itoa(st.Super),
		retx, rtt, topSizes(st, 3),
	}
}

// topSizes renders the most common sizes as "1388x755 2776x29".
func topSizes(st analyze.SizeStats, n int) string {
	var parts []string
	for _, s := range st.TopSizes(n) {
		parts = append(parts, fmt.Sprintf("%dx%d", s.Size, s.Count))
	}
	if len(st.Sizes) > n {
		parts = append(parts, "...")
	}
	return strings.Join(parts, " ")
}

// writeNotes prints the effective MSS arithmetic, the warnings, the
// malformed packets and the errors under the table.
func writeNotes(w io.Writer, a Analysis) {
	chosen := map[int]bool{}
	for _, c := range a.Connections {
		chosen[c.ID] = true
	}
	var warnings []string
	for _, wr := range a.Result.Warnings {
		switch {
		case wr.Conn < 0:
			warnings = append(warnings, wr.Text)
		case chosen[wr.Conn]:
			warnings = append(warnings, fmt.Sprintf("connection %d %s: %s", wr.Conn, wr.Dir, wr.Text))
		}
	}
	if len(warnings) > 0 {
		fmt.Fprintln(w, "\nWarnings:")
		for _, s := range warnings {
			fmt.Fprintf(w, "  - %s\n", s)
		}
	}
	if p := a.Result.Problems; len(p) > 0 {
		fmt.Fprintln(w, "\nMalformed packets (first ones):")
		for _, x := range p {
			fmt.Fprintf(w, "  - %s packet %d: %s\n", x.Source, x.Packet, x.Reason)
		}
	}
	if len(a.Connections) > 0 && len(a.Connections) <= 10 {
		fmt.Fprintln(w, "\nEffective MSS (largest payload a segment can carry):")
		for _, c := range a.Connections {
			for _, dir := range dirs() {
				if e := c.Dir(dir).EffectiveMSS; e.Value > 0 {
					fmt.Fprintf(w, "  %d %s: %s\n", c.ID, dir.Arrow(), e.Arithmetic())
				}
			}
		}
	}
	if len(a.Errors) > 0 {
		fmt.Fprintln(w, "\nErrors (the numbers above cover what was read before them):")
		for _, err := range a.Errors {
			fmt.Fprintf(w, "  - %v\n", err)
		}
	}
}
