package report

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
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
}

// segTableCols are the columns: header, width, right-aligned.
var segTableCols = []struct {
	head  string
	width int
	right bool
}{
	{"PACKET", 8, true}, {"TIME", 12, true}, {"CONN", 6, true}, {"DIR", 3, false}, {"FROM", 21, false},
	{"OFFSET", 11, true}, {"LEN", 6, true}, {"FLAGS", 6, false}, {"WIN", 6, true}, {"CLASS", 14, false},
}

// NewSegmentsTable writes to w; first gives the capture's first packet
// time once known, carried adds what each segment carried, dir keeps one
// direction only.
func NewSegmentsTable(w io.Writer, first func() int64, carried bool, dir *analyze.Dir) *SegmentsTable {
	return &SegmentsTable{w: bufio.NewWriterSize(w, 1<<16), first: first, carried: carried, dir: dir}
}

func (s *SegmentsTable) header() error {
	s.started = true
	cells := make([]string, 0, len(segTableCols)+1)
	for _, c := range segTableCols {
		cells = append(cells, c.head)
	}
	if s.carried {
		cells = append(cells, "CARRIED")
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
		if i >= len(segTableCols) {
			b = append(b, c...) // CARRIED: the last column, as long as it is
			continue
		}
		col := segTableCols[i]
		pad := max(0, col.width-len(c))
		if col.right {
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
	first := s.first()
	var carried map[int][]string
	if s.carried {
		carried = carriedNames(c)
	}
	cells := make([]string, 0, len(segTableCols)+1)
	for _, seg := range c.Segments {
		if s.dir != nil && seg.Dir != *s.dir {
			continue
		}
		s.n++
		r := segmentRow(c, seg, first, carried)
		dir := "c>s"
		if seg.Dir == analyze.ServerToClient {
			dir = "s>c"
		}
		cells = append(cells[:0], strconv.Itoa(r.Packet), strconv.FormatFloat(r.RelTimeS, 'f', 6, 64), strconv.Itoa(r.Conn), dir,
			r.Source, strconv.FormatInt(r.Offset, 10), strconv.Itoa(r.Len), r.Flags, strconv.Itoa(r.Window), r.Class)
		if s.carried {
			cells = append(cells, strings.Join(r.Carried, "; "))
		}
		if err := s.row(cells); err != nil {
			return err
		}
	}
	return nil
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
	fmt.Fprintf(s.w, "%d segments in %d connections\n", s.n, s.nc)
	for _, err := range errs {
		fmt.Fprintf(s.w, "error: %v\n", err)
	}
	return s.w.Flush()
}
