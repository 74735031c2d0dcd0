package report

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/segscope/segscope/analyze"
)

// SegmentsTable writes `segments` as a table while the capture is read:
// one connection's rows as soon as it ends, so memory holds only the live
// connections (a 1.3 M-packet capture had taken 915 MB and a minute as a
// table that measured every row before the first line). The columns have
// fixed widths, wide enough for IPv4 endpoints and captures of up to 10^8
// packets; a longer cell pushes its row right rather than hold the rest.
type SegmentsTable struct {
	w       *bufio.Writer
	first   func() int64
	carried bool
	dir     *analyze.Dir
	n, nc   int
	started bool
	line    []byte
	cols    Fields[segRow] // the columns shown
}

// segTableCols are the table's columns: SegmentFields with a Table
// title, in order (CARRIED, the last, only when asked for: its width is
// 0, as long as it is).
var segTableCols = SegmentFields.tabled()

// NewSegmentsTable writes to w; first gives the capture's first packet
// time once known, carried adds what each segment carried, dir keeps one
// direction only.
func NewSegmentsTable(w io.Writer, first func() int64, carried bool, dir *analyze.Dir) *SegmentsTable {
	return &SegmentsTable{w: bufio.NewWriterSize(w, 1<<16), first: first, carried: carried, dir: dir, cols: columns(carried)}
}

func (s *SegmentsTable) header() error {
	s.started = true
	var cells []string
	for _, c := range s.cols {
		cells = append(cells, c.Table)
	}
	s.row(cells)
	n := len(s.line) - 1
	s.line = append(s.line[:0], strings.Repeat("-", n)...)
	s.line = append(s.line, '\n')
	_, err := s.w.Write(s.line)
	return err
}

// row writes one line of cells, padded to the columns' widths.
func (s *SegmentsTable) row(cells []string) error {
	b := s.line[:0]
	for i, c := range cells {
		b = append(b, ' ')
		col := &s.cols[i]
		if col.width == 0 {
			b = append(b, c...) // CARRIED: the last column, as long as it is
			continue
		}
		pad := max(0, col.width-len(c))
		if !col.left {
			b = appendSpaces(b, pad)
			b = append(b, c...)
		} else {
			b = append(b, c...)
			if i < len(cells)-1 {
				b = appendSpaces(b, pad)
			}
		}
		b = append(b, ' ')
	}
	b = append(b, '\n')
	s.line = b
	_, err := s.w.Write(b)
	return err
}

func appendSpaces(b []byte, n int) []byte {
	for range n {
		b = append(b, ' ')
	}
	return b
}

// Conn writes the segments of one ended connection.
func (s *SegmentsTable) Conn(c *analyze.Connection, _ []analyze.Warning) error {
	if !s.started {
		if err := s.header(); err != nil {
			return err
		}
	}
	s.nc++
	cols := s.cols
	cells := make([]string, len(cols))
	r := newSegRow(c, s.first(), s.carried)
	for i := range c.Segments.Len() {
		r.seg = c.Segments.At(i)
		if s.dir != nil && r.seg.Dir != *s.dir {
			continue
		}
		s.n++
		for k := range cols {
			cells[k] = cols[k].tableCell(&r)
		}
		if err := s.row(cells); err != nil {
			return err
		}
	}
	return nil
}

// columns are the columns a table shows: CARRIED only when asked for.
func columns(carried bool) Fields[segRow] {
	var out Fields[segRow]
	for _, f := range segTableCols {
		if f.Name != "carried" || carried {
			out = append(out, f)
		}
	}
	return out
}

// Close writes the count and the errors, and flushes.
func (s *SegmentsTable) Close(res *analyze.Result, errs []error) error {
	if res == nil {
		return s.w.Flush()
	}
	if !s.started {
		if err := s.header(); err != nil {
			return err
		}
	}
	fmt.Fprintf(s.w, "%d segment%s in %d connection%s\n", s.n, plural(s.n), s.nc, plural(s.nc))
	for _, err := range errs {
		fmt.Fprintf(s.w, "error: %v\n", err)
	}
	return s.w.Flush()
}

// plural is "s" unless n is 1.
func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
