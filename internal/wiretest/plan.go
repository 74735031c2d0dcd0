package wiretest

import (
	"sort"

	"github.com/segscope/segscope/stream"
)

// Chunk is one Data (or Gap) call of a feeding plan: how a test hands a
// recorded stream to a walker.
type Chunk struct {
	Off int64
	N   int
	Gap bool
	At  stream.Pos
}

// Feed makes the plan's calls on c, and End after them when end is set.
func Feed(c stream.Consumer, raw []byte, plan []Chunk, end bool) {
	var off int64
	for _, ch := range plan {
		if ch.Gap {
			c.Gap(ch.Off, int64(ch.N), ch.At)
		} else {
			c.Data(ch.Off, raw[ch.Off:ch.Off+int64(ch.N)], ch.At)
		}
		off = ch.Off + int64(ch.N)
	}
	if end {
		c.End(off)
	}
}

// Split cuts n bytes into chunks of the sizes size returns; a chunk's Pos
// has Start = its offset and Packet and Time from pos.
func Split(n int, size func() int, pos func(i int) stream.Pos) []Chunk {
	var plan []Chunk
	for off := 0; off < n; {
		k := min(size(), n-off)
		at := pos(len(plan))
		at.Start = int64(off)
		plan = append(plan, Chunk{Off: int64(off), N: k, At: at})
		off += k
	}
	return plan
}

// SeqPos numbers the calls: packet i+1 at time (i+1) microseconds.
func SeqPos(i int) stream.Pos { return stream.Pos{Packet: i + 1, Time: int64(i+1) * 1000} }

// PosAt is the Pos of the call that held stream offset off; Packet -1 when
// none did.
func PosAt(plan []Chunk, off int64) stream.Pos {
	i := sort.Search(len(plan), func(i int) bool { return plan[i].Off+int64(plan[i].N) > off })
	if i == len(plan) {
		return stream.Pos{Packet: -1}
	}
	return plan[i].At
}

// FuzzPlan turns plan bytes into Data and Gap calls over n stream bytes:
// a byte below 0xC0 is a Data call of that many bytes plus one, a byte
// from 0xC0 a gap of its low 6 bits plus one. The rest goes in one call.
// Each call's Pos names its index, so First and Last can be checked.
func FuzzPlan(n int, plan []byte) []Chunk {
	var out []Chunk
	off := 0
	add := func(k int, gap bool) {
		k = min(k, n-off)
		if k <= 0 {
			return
		}
		out = append(out, Chunk{Off: int64(off), N: k, Gap: gap, At: stream.Pos{Packet: len(out), Start: int64(off)}})
		off += k
	}
	for _, b := range plan {
		if b < 0xC0 {
			add(int(b)+1, false)
		} else {
			add(int(b&0x3F)+1, true)
		}
	}
	add(n-off, false)
	return out
}

// Holds tells whether Pos at names the FuzzPlan call that held stream
// offset off.
func Holds(plan []Chunk, at stream.Pos, off int64) bool {
	if at.Packet < 0 || at.Packet >= len(plan) {
		return false
	}
	c := plan[at.Packet]
	return off >= c.Off && off < c.Off+int64(c.N)
}
