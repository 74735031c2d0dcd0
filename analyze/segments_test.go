package analyze

import "testing"

// TestSegmentsBlocks checks indexing and iteration across block
// boundaries, and that no segment moves once appended.
func TestSegmentsBlocks(t *testing.T) {
	var s Segments
	const n = 3*segBlock + 17
	var firstAt *Segment
	for i := range n {
		s.Append(Segment{Packet: i + 1, Offset: int64(i) * 1448})
		if i == segBlock {
			firstAt = s.At(0)
		}
	}
	if s.Len() != n || s.Last().Packet != n {
		t.Fatalf("len %d, last packet %d; want %d", s.Len(), s.Last().Packet, n)
	}
	if s.At(0) != firstAt {
		t.Error("the first segment moved when the list grew")
	}
	for _, i := range []int{0, segBlock - 1, segBlock, 2*segBlock + 5, n - 1} {
		if g := s.At(i); g.Packet != i+1 || g.Offset != int64(i)*1448 {
			t.Errorf("At(%d) = packet %d offset %d", i, g.Packet, g.Offset)
		}
	}
	k := 0
	for i, g := range s.All() {
		if i != k || g.Packet != k+1 {
			t.Fatalf("All: index %d packet %d at step %d", i, g.Packet, k)
		}
		k++
	}
	if k != n || len(s.Slice()) != n || s.Slice()[segBlock].Packet != segBlock+1 {
		t.Errorf("All yielded %d, Slice %d", k, len(s.Slice()))
	}
	s.At(7).Dir = ServerToClient
	s.At(segBlock + 3).Dir = ServerToClient
	s.OnlyDir(ServerToClient)
	if s.Len() != 2 || s.At(0).Packet != 8 || s.At(1).Packet != segBlock+4 {
		t.Errorf("OnlyDir kept %d: %v", s.Len(), s.Slice())
	}
}
