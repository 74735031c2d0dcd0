package analyze

// WithRangeSize cuts files into ranges of n bytes (ranges.go).
func WithRangeSize(o Options, n int64) Options {
	o.rangeSize = n
	return o
}

// Rereads is how many ranges a read again from the end of the one before.
func Rereads(a *Analyzer) int { return a.rereads }
