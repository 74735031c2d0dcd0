package keylog

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"unicode/utf8"
)

// ParseError is a line of a key log that could not be read.
type ParseError struct {
	File string // the name given to Parse, or the path given to LoadFile
	Line int    // counted from 1
	// Text is the offending line, shortened and with unprintable bytes
	// shown as '.'.
	Text   string
	Reason string
	// Used counts the key log lines of the file that were read and kept
	// all the same: the error skipped only its own line, unless Stopped
	// (binary data, an over-long line), where reading ended.
	Used    int
	Stopped bool
	// More are the lines after Line that were skipped too (review 32:
	// only the first bad line was named).
	More []int
}

// more names the other skipped lines: ", and line 8" or ", and 3 more
// lines (8, 12, 20)".
func (e *ParseError) more() string {
	switch n := len(e.More); {
	case n == 0:
		return ""
	case n == 1:
		return fmt.Sprintf(", and line %d too", e.More[0])
	}
	var list []string
	for i, l := range e.More {
		if i == 5 {
			list = append(list, "...")
			break
		}
		list = append(list, strconv.Itoa(l))
	}
	return fmt.Sprintf(", and %d more lines (%s)", len(e.More), strings.Join(list, ", "))
}

func (e *ParseError) Error() string {
	where := fmt.Sprintf("%s:%d", e.File, e.Line)
	if e.File == "" {
		where = fmt.Sprintf("line %d", e.Line)
	}
	switch {
	case e.Stopped && e.Used > 0:
		return fmt.Sprintf("%s: %s (reading stopped there; the %d key log lines before it were used)", where, e.Reason, e.Used)
	case e.Stopped:
		return fmt.Sprintf("%s: %s (nothing was used)", where, e.Reason)
	case e.Used > 0:
		return fmt.Sprintf("%s: %s (that line was skipped%s; the file's %d other key log lines were used)", where, e.Reason, e.more(), e.Used)
	}
	if m := e.more(); m != "" {
		return fmt.Sprintf("%s: %s (that line was skipped%s; no line of the file is a key log line: nothing was used)", where, e.Reason, m)
	}
	return fmt.Sprintf("%s: %s (and no line of the file is a key log line: nothing was used)", where, e.Reason)
}

// maxLine is the longest line Parse reads. Real lines are under 200 bytes
// (a label, 64 hex digits and at most 96 more).
const maxLine = 1024

// LoadFile adds the secrets of the key log file at path, as Parse does.
func (s *Store) LoadFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return s.Parse(path, f)
}

// Parse adds the secrets of the key log read from r, naming it name in
// errors.
//
// Blank lines, comments (#) and lines with a label the Store does not keep
// (such as RSA) are skipped; CRLF line ends are accepted. A line with a
// label the Store keeps but a malformed client random or secret is an
// error, and so is a line that is not a key log line at all: Parse keeps
// the good lines, reads on, and returns the first error as a *ParseError,
// which says how many good lines were used. Input that does not look like
// a key log stops Parse at once: binary data, or an over-long line. Empty
// input is not an error; Len tells what was found.
// An error reading r is returned as it is, wrapped.
func (s *Store) Parse(name string, r io.Reader) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), maxLine)
	var (
		first  *ParseError
		lineNo int
		good   int // key log lines read
	)
	for sc.Scan() {
		lineNo++
		line := bytes.TrimSpace(sc.Bytes())
		if lineNo == 1 {
			// A byte order mark, as Windows editors save UTF-8 (review
			// 21: the first line was "not a key log line").
			line = bytes.TrimPrefix(line, []byte("\xef\xbb\xbf"))
		}
		if !text(line) {
			return s.stop(first, good, name, lineNo, line, "binary data: not a key log")
		}
		if len(line) == 0 || line[0] == '#' {
			continue
		}
		reason := s.parseLine(line)
		if reason == "" {
			good++
			continue
		}
		if first == nil {
			first = newError(name, lineNo, line, reason)
		} else {
			first.More = append(first.More, lineNo)
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return s.stop(first, good, name, lineNo+1, sc.Bytes(), fmt.Sprintf("line longer than %d bytes: not a key log", maxLine))
		}
		return fmt.Errorf("reading %s: %w", name, err)
	}
	if first == nil {
		return nil
	}
	first.Used = good
	return first
}

// stop returns first, or else a new error for the line: Parse stops
// there, with good key log lines read before it.
func (s *Store) stop(first *ParseError, good int, name string, lineNo int, line []byte, reason string) error {
	e := first
	if e == nil {
		e = newError(name, lineNo, line, reason)
	}
	e.Used, e.Stopped = good, true
	return e
}

func newError(name string, lineNo int, line []byte, reason string) *ParseError {
	const max = 72
	t := line
	if len(t) > max {
		t = t[:max]
	}
	text := string(bytes.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == utf8.RuneError {
			return '.'
		}
		return r
	}, t))
	if len(line) > max {
		text += "..."
	}
	return &ParseError{File: name, Line: lineNo, Text: text, Reason: reason}
}

// text tells whether line is printable text (tabs allowed).
func text(line []byte) bool {
	for _, c := range line {
		if (c < 0x20 && c != '\t') || c == 0x7f {
			return false
		}
	}
	return utf8.Valid(line)
}

// parseLine adds the secret on line (trimmed, not blank, not a comment)
// and returns "", or the reason it is malformed.
func (s *Store) parseLine(line []byte) (reason string) {
	var f [3][]byte // label, client random, secret
	n := 0
	for rest := line; len(rest) > 0; n++ {
		var x []byte
		x, rest = field(rest)
		if n < len(f) {
			f[n] = x
		}
	}
	label, rnd, secret := f[0], f[1], f[2]
	l, ok := ParseLabel(string(label))
	if !ok {
		if n == 3 && isLabel(label) && isHex(rnd) && isHex(secret) {
			return "" // a label this package does not keep, such as RSA
		}
		return "not a key log line: want LABEL CLIENT_RANDOM SECRET"
	}
	if n != 3 {
		return fmt.Sprintf("%v: want 3 fields (label, client random, secret), got %d", l, n)
	}
	r, err := ParseRandom(string(rnd))
	if err != nil {
		return fmt.Sprintf("%v: %v", l, err)
	}
	if len(secret)%2 != 0 || !isHex(secret) {
		return fmt.Sprintf("%v: secret is not hex", l)
	}
	if size := len(secret) / 2; !l.ValidLength(size) {
		return fmt.Sprintf("%v: secret is %d bytes, want %s", l, size, l.wantLength())
	}
	// Lock per line, not per Parse: the reader may be slow (a pipe) and
	// look-ups go on meanwhile.
	s.mu.Lock()
	s.add(l, r, s.alloc(len(secret)/2, func(b []byte) { hex.Decode(b, secret) }))
	s.mu.Unlock()
	return ""
}

// field cuts the first space- or tab-separated field from b, which has no
// leading blanks.
func field(b []byte) (f, rest []byte) {
	i := bytes.IndexAny(b, " \t")
	if i < 0 {
		return b, nil
	}
	return b[:i], bytes.TrimLeft(b[i:], " \t")
}

func isLabel(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if !('A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

func isHex(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}
