// Package stream turns one direction's TCP segments into its byte stream
// and hands the bytes, in order, to a Consumer (an application-protocol
// walker). Everything is placed on one coordinate: the stream offset,
// where 0 is the first byte after the SYN.
//
// It knows nothing about packets or link layers (package analyze places
// segments on the stream and feeds them here) and nothing about
// application protocols (the walkers in http1, tlsrec and h2 do).
package stream

import "strconv"

// Range is [Start, End) on one direction's stream.
type Range struct {
	Start, End int64
}

// Len is the number of bytes in r.
func (r Range) Len() int64 { return r.End - r.Start }

// Contains tells whether off lies in r.
func (r Range) Contains(off int64) bool { return off >= r.Start && off < r.End }

// Overlaps tells whether r and o share a byte.
func (r Range) Overlaps(o Range) bool { return r.Start < o.End && o.Start < r.End }

// Problem is something in a stream that stopped or limited a walker, at
// a stream offset: a malformed unit, a gap over a header. The walkers
// (http1, tlsrec, h2) all report this one type.
type Problem struct {
	Offset int64
	Reason string
}

func (p Problem) String() string { return strconv.FormatInt(p.Offset, 10) + ": " + p.Reason }

// Error makes a Problem an error, for callers that pass it on as one.
func (p Problem) Error() string { return "stream offset " + p.String() }

// Pos identifies the segment that delivered some bytes: walkers record it
// for the first and last byte of every unit, so a unit can be mapped to
// the segments that carried it without keeping the segments.
type Pos struct {
	Packet int   // packet number of the segment in the capture
	Time   int64 // its capture time, Unix nanoseconds
	Start  int64 // stream offset of the segment's first payload byte
}

// Consumer receives one direction's bytes in stream order. Offsets only
// grow: Data and Gap calls tile the stream from 0 with no overlap.
type Consumer interface {
	// Data delivers contiguous bytes starting at off. data is only valid
	// during the call: a consumer copies what it keeps.
	Data(off int64, data []byte, at Pos)
	// Gap says the n bytes at off were never captured (lost before the
	// capture point, cut by a snap length, or dropped at a memory bound).
	Gap(off, n int64, at Pos)
	// End says the direction ended at off: FIN, RST, or the end of the
	// capture. No call follows.
	End(off int64)
}

// A Skipper is a Consumer that can say, before the next Data call, how
// many of the bytes from off on it will only count, never read: a body it
// does not hash, an HTTP/2 DATA payload. A producer for which bytes are
// costly (a decrypter) may then deliver those bytes as they are, not as
// the stream's: their length and positions are right, their values are
// not. 0 means the next byte is read.
type Skipper interface {
	Skippable(off int64) int64
}

// A Stopper is a walker that can say it has stopped reading: what it read
// made no sense as its protocol (or the protocol left it, an upgrade). A
// producer that skipped a check on what it delivered (a decrypter that did
// not authenticate a record) checks the piece that stopped it.
type Stopper interface {
	Stopped() bool
}

// Trim brings a Data call back to the tiling a walker expects when it has
// consumed everything below next: bytes before next are cut off, and a
// call that starts past next reports the hole as gap. Consumers are
// promised a tiling; walkers use this to stay safe when fed directly.
func Trim(next, off int64, data []byte) (gap int64, rest []byte) {
	switch {
	case off > next:
		return off - next, data
	case off < next:
		skip := next - off
		if skip >= int64(len(data)) {
			return 0, nil
		}
		return 0, data[skip:]
	}
	return 0, data
}

// A Walker is a consumer that can stop: the protocol walkers (HTTP/2
// frames, TLS records) stop once they lose sync.
type Walker interface {
	Gap(off, n int64, at Pos)
	Done() bool
}

// Enter is the start of a walker's Data call: nothing when the walker is
// done or data is empty; a hole before off reported to w as a gap (which
// may end the walk); bytes before next cut off. It returns what is left to
// walk, and false when there is nothing.
func Enter(w Walker, next, off int64, data []byte, at Pos) ([]byte, bool) {
	if w.Done() || len(data) == 0 {
		return nil, false
	}
	gap, data := Trim(next, off, data)
	if gap > 0 {
		w.Gap(next, gap, at)
		if w.Done() {
			return nil, false
		}
	}
	return data, len(data) > 0
}
