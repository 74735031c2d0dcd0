package report

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/pkg/twwidth"
	"github.com/olekukonko/tablewriter/tw"

	"github.com/segscope/segscope/analyze"
	"github.com/segscope/segscope/http1"
	"github.com/segscope/segscope/report/prose"
)

// streamTable renders a table in a plain style that pastes well into
// issues and chat: ASCII, no outer border, a line under the header. Rows
// come from rows(emit), which is called twice: once to measure the column
// widths, once to print. Nothing holds all rows, so a capture of 60 000
// connections prints in constant memory.
func streamTable(w io.Writer, align string, header []string, rows func(emit func([]string) error) error) error {
	return streamTableRows(w, align, header, rows, true)
}

// streamTableRows is streamTable; padRows false has tablewriter render
// every row (the tests' reference).
func streamTableRows(w io.Writer, align string, header []string, rows func(emit func([]string) error) error, padRows bool) error {
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
	al := alignments(align)
	var line []byte
	first := true
	if err := rows(func(cells []string) error {
		// tablewriter renders the header with the first row; after it,
		// plain cells are padded here as tablewriter pads them (one space
		// each side, aligned in the measured width): its Append took 47
		// µs a row, most of a 60 000-connection table's 8.5 s.
		// TestStreamTableRowsAsTablewriter holds the two equal.
		var ok bool
		if line, ok = appendPlainRow(line[:0], cells, widths, al); first || !ok || !padRows {
			first = false
			return t.Append(cells)
		}
		_, err := w.Write(line)
		return err
	}); err != nil {
		return err
	}
	return t.Close()
}

// appendPlainRow appends a row as tablewriter's streaming mode renders it
// in this style; false when a cell is not plain (a line break, a tab, an
// escape, or spaces at either end, which tablewriter reworks).
func appendPlainRow(b []byte, cells []string, widths []int, al []tw.Align) ([]byte, bool) {
	if len(cells) != len(widths) {
		return b, false
	}
	for i, c := range cells {
		if !plainCell(c) {
			return b, false
		}
		pad := widths[i] - twwidth.WidthNoCache(c)
		if pad < 0 {
			return b, false
		}
		b = append(b, ' ')
		if i < len(al) && al[i] == tw.AlignRight {
			b = appendSpaces(b, pad)
			b = append(b, c...)
		} else {
			b = append(b, c...)
			b = appendSpaces(b, pad)
		}
		b = append(b, ' ')
	}
	return append(b, '\n'), true
}

func plainCell(c string) bool {
	if c == "" {
		return true
	}
	if c[0] == ' ' || c[len(c)-1] == ' ' || !utf8.ValidString(c) {
		return false
	}
	prev := rune(0)
	for _, r := range c {
		// tablewriter collapses runs of spaces, trims and replaces other
		// white space and line breaks (NBSP, NEL, U+2028): such cells are
		// left to it.
		if r < ' ' || r == 0x7f || (r == ' ' && prev == ' ') || (r != ' ' && unicode.IsSpace(r)) || unicode.IsControl(r) {
			return false
		}
		prev = r
	}
	return true
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
	if r.SnapCut > 0 {
		fmt.Fprintf(w, ", %d cut by the snap length", r.SnapCut)
	}
	fmt.Fprintf(w, "), %s, %d of %d connections shown\n\n", r.Duration().Round(time.Microsecond), len(a.Connections), len(r.Connections))

	if len(a.Connections) > 0 {
		align, header := tableDirFields.tableHead()
		align = "ll" + align + "rl"
		header = append(append([]string{"ID", "DIRECTION"}, header...), "RTT ms", "TOP SIZES")
		err := streamTable(w, align, header,
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
	if err := writeAppTables(w, a.Connections); err != nil {
		return err
	}
	writeNotes(w, a)
	return nil
}

// The tables are for people: past these sizes they stop and point to JSON.
const (
	maxTableApps = 100
	maxTableRows = 1000
)

// writeAppTables prints what the connections' application layers carried:
// a line per connection, then HTTP/1 exchanges and HTTP/2 streams.
func writeAppTables(w io.Writer, conns []*analyze.Connection) error {
	var lines []string
	var httpConns, h2Conns []*analyze.Connection
	protocols := map[analyze.Protocol]int{}
	for _, c := range conns {
		if c.App != nil {
			protocols[c.App.Protocol]++
		}
		if len(lines) < maxTableApps {
			if s := appSummary(c); s != "" {
				lines = append(lines, fmt.Sprintf("  %d: %s", c.ID, s))
			}
		}
		if c.App == nil {
			continue
		}
		// Clear or decrypted from TLS alike.
		switch {
		case c.App.HTTP != nil:
			if len(c.App.HTTP.Exchanges()) > 0 {
				httpConns = append(httpConns, c)
			}
		case c.App.H2[0] != nil:
			h2Conns = append(h2Conns, c)
		}
	}
	if len(lines) == 0 {
		return nil
	}
	fmt.Fprintln(w, "\nApplication layer:")
	for _, l := range lines {
		fmt.Fprintln(w, l)
	}
	if n := len(protocols); n > 0 && len(lines) == maxTableApps {
		var parts []string
		for _, p := range []analyze.Protocol{analyze.ProtoHTTP1, analyze.ProtoTLS, analyze.ProtoH2C, analyze.ProtoUnknown} {
			if protocols[p] > 0 {
				parts = append(parts, fmt.Sprintf("%d %s", protocols[p], p))
			}
		}
		fmt.Fprintf(w, "  ... the first %d shown; in all: %s (--format json lists every one)\n", maxTableApps, strings.Join(parts, ", "))
	}
	if len(httpConns) > 0 {
		fmt.Fprintln(w, "\nHTTP/1 exchanges:")
		err := streamTable(w, "lrlrrrlrl",
			[]string{"ID", "#", "REQUEST", "STATUS", "HEADER", "BODY", "FRAMING", "TTFB ms", "BODY PACKETS"},
			func(emit func([]string) error) error {
				rows := 0
				for _, c := range httpConns {
					for i, e := range c.App.HTTP.Exchanges() {
						if rows++; rows > maxTableRows {
							return nil
						}
						if err := emit(exchangeRow(c, i, e)); err != nil {
							return err
						}
					}
				}
				return nil
			})
		if err != nil {
			return err
		}
		total := 0
		for _, c := range httpConns {
			total += len(c.App.HTTP.Exchanges())
		}
		if total > maxTableRows {
			fmt.Fprintf(w, "  ... the first %d of %d exchanges shown (--format json lists every one)\n", maxTableRows, total)
		}
	}
	if len(h2Conns) > 0 {
		fmt.Fprintln(w, "\nHTTP/2 streams:")
		err := streamTable(w, "lrlrrr",
			[]string{"ID", "STREAM", "REQUEST", "STATUS", "DATA BYTES", "DATA FRAMES"},
			func(emit func([]string) error) error {
				for _, c := range h2Conns {
					for _, s := range jsonH2Of(c.App, &jsonApp{}, coords{}).Streams {
						if err := emit([]string{strconv.Itoa(c.ID), strconv.Itoa(int(s.ID)), s.Method + " " + s.Path,
							strconv.Itoa(s.Status), strconv.FormatInt(s.DataBytes, 10), strconv.Itoa(s.DataFrames)}); err != nil {
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
	return nil
}

// earlyMissing tells whether the client's 0-RTT data, accepted by the
// server, is missing from the plaintext stream: a first request there
// was captured, but not decrypted.
func earlyMissing(c *analyze.Connection) bool {
	if c.App == nil || c.App.TLSDec == nil {
		return false
	}
	e := c.App.TLSDec.Client().Stats().Early
	return e.Accepted && e.Decrypted < e.Records
}

func exchangeRow(c *analyze.Connection, i int, e http1.Exchange) []string {
	request := "(not captured)"
	if earlyMissing(c) {
		// The client's stream starts with early data not decrypted: its
		// walker stopped at that gap.
		request = "(not parsed: 0-RTT data not decrypted)"
	}
	if e.Request != nil {
		request = e.Request.Method + " " + e.Request.Target
	}
	status, header, body, framing, ttfbCol, packets := "-", "", "", "", "", ""
	if r := e.Response; r != nil && r.Header.Len() > 0 {
		status = strconv.Itoa(r.Status)
		for _, in := range r.Interim {
			status = strconv.Itoa(in.Status) + "," + status
		}
		header = strconv.FormatInt(r.Header.Len(), 10)
		body = strconv.FormatInt(r.BodyBytes, 10)
		switch {
		case r.Chunked:
			framing = fmt.Sprintf("chunked: %d chunks", len(r.Chunks)+r.ChunksDropped)
			if top := commonChunk(r); top != "" {
				framing += ", " + top
			}
		case r.CloseDelimited:
			framing = "until close"
		case r.ContentLength >= 0:
			framing = "content-length"
		default:
			framing = "none"
		}
		if !r.Complete {
			framing += " (incomplete)"
		}
		if r.Body.Len() > 0 {
			packets = fmt.Sprintf("%d-%d", r.Body.First.Packet, r.Body.Last.Packet)
		}
	}
	if v, ok := ttfb(e); ok {
		ttfbCol = strconv.FormatFloat(v, 'f', 3, 64)
	}
	return []string{strconv.Itoa(c.ID), strconv.Itoa(i), request, status, header, body, framing, ttfbCol, packets}
}

// commonChunk names the most common chunk size, as "1000 x19".
func commonChunk(m *http1.Message) string {
	counts := map[int]int{}
	for _, ch := range m.Chunks {
		if ch.Size > 0 {
			counts[int(ch.Size)]++
		}
	}
	top := topCounts(counts, 1)
	if len(top) == 0 {
		return ""
	}
	return fmt.Sprintf("%d x%d", top[0].Size, top[0].Count)
}

func tableRow(c *analyze.Connection, dir analyze.Dir) []string {
	r := newDirRow(c, dir)
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
	row := []string{id, r.src + " > " + r.dst}
	for _, f := range tableDirFields {
		row = append(row, f.tableCell(&r))
	}
	return append(row, rtt, topSizes(r.st, 3))
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
			warnings = append(warnings, prose.WarningText(wr))
		case chosen[wr.Conn]:
			warnings = append(warnings, fmt.Sprintf("connection %d %s: %s", wr.Conn, wr.Dir, prose.WarningText(wr)))
		}
	}
	if len(warnings) > 0 {
		fmt.Fprintln(w, "\nWarnings:")
		for _, s := range warnings {
			fmt.Fprintf(w, "  - %s\n", s)
		}
	}
	var appProblems []string
	for _, c := range a.Connections {
		if ja := jsonAppOf(c); ja != nil {
			for _, p := range ja.Problems {
				appProblems = append(appProblems, fmt.Sprintf("connection %d %s at offset %d: %s", c.ID, p.Direction, p.Offset, p.Reason))
			}
		}
	}
	if len(appProblems) > 0 {
		fmt.Fprintln(w, "\nProtocol problems (parsing of that direction stopped there):")
		for _, s := range appProblems {
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
				if e := c.Dir(dir).EffectiveMSS(); e.Value > 0 {
					fmt.Fprintf(w, "  %d %s: %s\n", c.ID, dir.Arrow(), prose.EffectiveMSS(e))
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
