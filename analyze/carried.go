package analyze

import "fmt"

// CarriedBy names, per data segment (by packet), the innermost units it
// carried: inside decrypted TLS the frames and messages, not the records.
func (c *Connection) CarriedBy() map[int][]string {
	m := c.Map()
	out := map[int][]string{}
	for si, seg := range m.Segments {
		var names []string
		inner := false
		for _, ui := range m.SegmentUnits[si] {
			inner = inner || m.Units[ui].InTLS
		}
		for _, ui := range m.SegmentUnits[si] {
			u := m.Units[ui]
			if inner && !u.InTLS {
				continue
			}
			name := string(u.Kind) + " " + u.Label
			if u.Kind == UnitH2Frame {
				name += fmt.Sprintf(" s%d", u.Exchange)
			}
			names = append(names, name)
		}
		out[seg.Packet] = names
	}
	return out
}
