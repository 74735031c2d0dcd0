package capture

// prefetch asks the CPU to bring the two cache lines from p into its
// cache, without waiting for them.
//
//go:noescape
func prefetch(p *byte)
