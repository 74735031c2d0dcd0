package analyze

import (
	"math"
	"slices"
	"sort"
)

// SizeCount is how many data segments had one payload size.
type SizeCount struct {
	Size  int
	Count int
}

// sizeCounts counts data segments by payload size, sorted by size. A
// direction rarely has more than a handful of distinct sizes, so a sorted
// slice beats a map in memory, and allocates only when a new size appears.
type sizeCounts []sizeCount

type sizeCount struct{ size, count uint32 }

// add counts a segment of n bytes and returns its size's index.
func (s *sizeCounts) add(n int) int {
	c := *s
	i := sort.Search(len(c), func(i int) bool { return c[i].size >= uint32(n) })
	if i < len(c) && c[i].size == uint32(n) {
		c[i].count++
		return i
	}
	c = append(c, sizeCount{})
	copy(c[i+1:], c[i:])
	c[i] = sizeCount{uint32(n), 1}
	*s = c
	return i
}

// Bucket is one histogram bar: segments with Min <= size <= Max.
type Bucket struct {
	Min, Max int
	Count    int
}

// SizeStats describes a direction's data segment sizes.
type SizeStats struct {
	Min, Max    int
	Mean        float64
	Median, P95 int
	// Full segments carry exactly the effective MSS; short ones less;
	// super-segments more (several MSS merged by TSO/GSO/GRO).
	Full, Short, Super int
	// LargestMultiple is the largest segment divided by the effective MSS.
	LargestMultiple float64
	// Sizes lists every distinct size with its count, by size.
	Sizes []SizeCount
	// Histogram has power-of-two buckets (1-63, 64-127, ... 65536+),
	// only the non-empty ones.
	Histogram []Bucket
}

// TopSizes returns up to n sizes, the most common first.
func (s SizeStats) TopSizes(n int) []SizeCount {
	return topOf(append([]SizeCount(nil), s.Sizes...), n)
}

// TopCounts returns the n most common sizes of a size -> count map (TLS
// record lengths, chunk sizes), most common first, the larger size first
// among equals.
func TopCounts(m map[int]int, n int) []SizeCount {
	out := make([]SizeCount, 0, len(m))
	for size, count := range m {
		out = append(out, SizeCount{Size: size, Count: count})
	}
	return topOf(out, n)
}

func topOf(top []SizeCount, n int) []SizeCount {
	// Sizes are distinct, so the order is total (a stable sort is not
	// needed), and SortFunc does not allocate as sort.SliceStable's
	// reflection does (3 allocations a direction a connection).
	slices.SortFunc(top, func(a, b SizeCount) int {
		if a.Count != b.Count {
			return b.Count - a.Count
		}
		return b.Size - a.Size
	})
	if len(top) > n {
		top = top[:n]
	}
	return top
}

func bucketOf(n int) (lo, hi int) {
	if n < 64 {
		return 1, 63
	}
	if n >= 65536 {
		return 65536, math.MaxInt32
	}
	lo = 64
	for lo*2 <= n {
		lo *= 2
	}
	return lo, lo*2 - 1
}

func sizeStats(counts sizeCounts, effMSS int) SizeStats {
	sizes := make([]SizeCount, len(counts))
	for i, c := range counts {
		sizes[i] = SizeCount{int(c.size), int(c.count)}
	}
	st := SizeStats{Sizes: sizes}
	total := 0
	var sum int64
	for _, c := range sizes {
		total += c.Count
		sum += int64(c.Size) * int64(c.Count)
	}
	if total == 0 {
		return st
	}
	st.Min, st.Max = sizes[0].Size, sizes[len(sizes)-1].Size
	st.Mean = float64(sum) / float64(total)
	st.Median = nearestRank(sizes, total, 0.50)
	st.P95 = nearestRank(sizes, total, 0.95)
	for _, c := range sizes {
		switch {
		case effMSS == 0 || c.Size < effMSS:
			st.Short += c.Count
		case c.Size == effMSS:
			st.Full += c.Count
		default:
			st.Super += c.Count
		}
		lo, hi := bucketOf(c.Size)
		if n := len(st.Histogram); n > 0 && st.Histogram[n-1].Min == lo {
			st.Histogram[n-1].Count += c.Count
		} else {
			st.Histogram = append(st.Histogram, Bucket{lo, hi, c.Count})
		}
	}
	if effMSS > 0 {
		st.LargestMultiple = float64(st.Max) / float64(effMSS)
	}
	return st
}

// nearestRank is the p-th percentile by the nearest-rank method.
func nearestRank(sizes []SizeCount, total int, p float64) int {
	rank := int(math.Ceil(p * float64(total)))
	seen := 0
	for _, c := range sizes {
		seen += c.Count
		if seen >= rank {
			return c.Size
		}
	}
	return sizes[len(sizes)-1].Size
}

// EffectiveMSS is the largest payload a direction's segments can carry on
// the path: the MSS from the SYNs minus the TCP option bytes every data
// segment carries.
type EffectiveMSS struct {
	Value int
	// Inferred is set when no usable MSS option was captured and Value was
	// taken from the segment sizes.
	Inferred bool
	// MSS is the MSS option that limits this direction: the peer's, or
	// the sender's own when smaller and its segments keep to it (its own
	// path MTU binds), and MSSFrom says whose SYN carried it.
	MSS     int
	MSSFrom Dir
	// OptionBytes are the TCP option bytes on this direction's data
	// segments (the most common count); 12 with timestamps.
	OptionBytes int
	Timestamps  bool
}

// effectiveMSS works out the effective MSS of the data sent by dir.
func effectiveMSS(c *Connection, dir Dir) EffectiveMSS {
	d := &c.Dirs[dir]
	peer := &c.Dirs[1-dir]
	e := EffectiveMSS{OptionBytes: d.optionBytes()}
	e.Timestamps = d.SYN.Timestamps && peer.SYN.Timestamps
	// Its own MSS as its host sent it (the first copy); the peer's as it
	// reached this side, clamped or not (review 35: the client's SYN
	// clamped on its way out had made the client's own data 1188).
	own, theirs := int(d.SYN.MSS), peer.SYN.held()
	switch {
	case own > 0 && theirs > 0 && own < theirs && !sizeBetween(d.sizes, own-e.OptionBytes, theirs-e.OptionBytes):
		// The peer's MSS bounds what this side sends; its own smaller
		// MSS does only where its own path MTU does (the usual source
		// of the value), not where a route's advmss lowered it alone.
		// A segment longer than its own MSS allows shows it does not.
		e.MSS, e.MSSFrom = own, dir
	case theirs > 0:
		e.MSS, e.MSSFrom = theirs, 1-dir
	case own > 0:
		e.MSS, e.MSSFrom = own, dir
	}
	if e.MSS > e.OptionBytes {
		e.Value = e.MSS - e.OptionBytes
		return e
	}
	e.MSS = 0
	e.Value = inferMSS(d.sizes)
	if e.Value > maxWireMSS && !onOneHost(c) {
		// Between two hosts no wire segment is that long (a 9000-byte
		// jumbo frame carries 8960): the sizes are offload's.
		e.Value = 0
	}
	e.Inferred = e.Value > 0
	return e
}

// held is the MSS a SYN held its peer to: the smaller of its copies' (a
// router's clamp between two interfaces of the capture lowers the one
// that left it).
func (s SYNOptions) held() int {
	m := int(s.MSS)
	if s.CopyMSS > 0 && int(s.CopyMSS) < m {
		m = int(s.CopyMSS)
	}
	return m
}

// maxWireMSS is the most payload a TCP segment carries on a wire between
// hosts: a 9000-byte jumbo frame less 40 bytes of IPv4 and TCP headers.
const maxWireMSS = 8960

// onOneHost tells whether both ends are on the capturing host's loopback
// (or share an address), where segments of 64 KB are the path's own.
func onOneHost(c *Connection) bool {
	a, b := c.Client.Addr().Unmap(), c.Server.Addr().Unmap()
	return a == b || a.IsLoopback() && b.IsLoopback()
}

// sizeBetween tells whether a segment size lies in (lo, hi].
func sizeBetween(sizes sizeCounts, lo, hi int) bool {
	for _, c := range sizes {
		if int(c.size) > lo && int(c.size) <= hi {
			return true
		}
	}
	return false
}

// inferMSS guesses the effective MSS from segment sizes alone: the most
// common size in the upper half of the sizes seen (the full segments of a
// bulk transfer), the larger on a tie. No guess (0) when segments larger
// than it are not rare: super-segments of offload, whose sizes say
// nothing of the MSS (review round 8: a capture without its SYN, of
// GRO'd segments on a 1500-byte path, was given an MSS of 32768, and the
// warning said no wire segment carried more).
func inferMSS(sizes sizeCounts) int {
	if len(sizes) == 0 {
		return 0
	}
	largest := sizes[len(sizes)-1].size
	best := sizeCount{}
	upper := 0
	for _, c := range sizes {
		if 2*c.size < largest {
			continue
		}
		upper += int(c.count)
		if c.count >= best.count {
			best = c
		}
	}
	above := 0
	for _, c := range sizes {
		if c.size > best.size {
			above += int(c.count)
		}
	}
	if 20*above > upper {
		return unitsMSS(sizes)
	}
	if best.size < minInferredMSS || best.count < 2 {
		return 0 // one request, or a few short writes, say nothing of the MSS
	}
	return int(best.size)
}

// minInferredMSS is the least effective MSS taken from sizes: IPv4's
// minimum MSS, 536, less 40 bytes of options.
const minInferredMSS = 496

// unitsMSS: the most common size, when nearly every longer segment is a
// whole multiple of it: the GRO or TSO units of wire segments of that size
// (review 12: a capture begun mid-transfer, after GRO, of 164 segments of
// 1448 bytes and 117 of 2 to 6 times that).
func unitsMSS(sizes sizeCounts) int {
	best := sizeCount{}
	for _, c := range sizes {
		if c.count >= best.count {
			best = c
		}
	}
	if best.size < minInferredMSS || best.count < 3 {
		return 0
	}
	larger, multiples := 0, 0
	for _, c := range sizes {
		if c.size > best.size {
			larger += int(c.count)
			if c.size%best.size == 0 {
				multiples += int(c.count)
			}
		}
	}
	if larger == 0 || 10*multiples < 9*larger {
		return 0
	}
	return int(best.size)
}
