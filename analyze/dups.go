package analyze

// dupTable finds a data packet captured twice when the copies are far
// apart in the file: mergecap of a client's and a server's capture (one
// interface block for both) interleaves the two copies of a burst, so a
// copy can come a few packets after its first, past the last data packet
// of its direction (Direction.recent), and counted as a retransmission,
// its bytes twice (review round 8: 15 segments and 371 140 bytes for 13
// and 300 244). The router turns it on at the first data packet that
// repeats the one before it (a capture holding copies shows some next to
// each other), and uses it alone, in capture order, so the result does
// not depend on the shards.
//
// It remembers the most recent data packets by a 64-bit hash of their
// connection, direction and fingerprint, in a fixed table of buckets of
// four (512 KiB, no allocation per packet): a bucket forgets its oldest
// when a fifth hash comes, so copies are found within about the last
// 50 000 data packets (one slot per hash lost about one copy in 300 to
// another packet's hash, 200 packets apart on a router's two sides).
type dupTable [1 << 14][4]uint64

// seen tells whether the packet fp of connection id in direction dir was
// seen before, and remembers it. (The router asks only for packets whose
// IP ID or TSval tells a copy from a resend with the same bytes.)
func (t *dupTable) seen(id int, dir Dir, fp fingerprint) bool {
	h := mix(uint64(id)<<1 | uint64(dir))
	h = mix(h ^ fp.seqAck)
	h = mix(h ^ fp.tsLen)
	h = mix(h^uint64(fp.idWin)) | 1 // 0 is an empty slot
	b := &t[h>>50]                  // the top bits pick the bucket
	for _, x := range b {
		if x == h {
			return true
		}
	}
	copy(b[1:], b[:3])
	b[0] = h
	return false
}

// mix is splitmix64's finaliser.
func mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	return x ^ x>>31
}
