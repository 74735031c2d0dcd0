package analyze

// CarriedBy lists, per data segment (by packet), the innermost units it
// carried: inside decrypted TLS the frames and messages, not the records.
func (c *Connection) CarriedBy() map[int][]Unit {
	m := c.Map()
	out := map[int][]Unit{}
	for si, seg := range m.Segments {
		var units []Unit
		inner := false
		for _, ui := range m.SegmentUnits[si] {
			inner = inner || m.Units[ui].InTLS
		}
		for _, ui := range m.SegmentUnits[si] {
			if u := m.Units[ui]; !inner || u.InTLS {
				units = append(units, u)
			}
		}
		out[seg.Packet] = units
	}
	return out
}
