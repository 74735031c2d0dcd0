package capture

import "container/heap"

// merge puts the packets of a pcapng file of several interfaces in time
// order. dumpcap writes what each interface captured in blocks, hundreds
// of packets apart (a router's two sides: 30, 191, 161, 218 packets), so
// in file order time goes back and forth, and a TCP analysis takes the
// copies of one interface for the other's retransmissions (tshark does:
// 280 instead of 257 on such a file). It holds up to mergePackets packets
// (or mergeBytes of their data), copied, and hands out the earliest; a
// packet older than one handed out already comes as soon as it is read.
type merge struct {
	h     packetHeap
	bytes int
	err   error    // the error that ended the file, once the held packets are out
	free  [][]byte // buffers of packets handed out, for reuse
	out   []byte   // the buffer of the last packet handed out
}

const (
	mergePackets = 8192
	mergeBytes   = 64 << 20
)

// push holds a copy of p.
func (m *merge) push(p Packet) {
	var b []byte
	if n := len(m.free); n > 0 {
		b, m.free = m.free[n-1][:0], m.free[:n-1]
	}
	p.Data = append(b, p.Data...)
	m.bytes += len(p.Data)
	heap.Push(&m.h, p)
}

// next reads until the window is full (or the file ends), then hands out
// the earliest packet held into out. Its Data is valid until the next call.
func (m *merge) next(read func(*Packet) error, out *Packet) error {
	if m.out != nil {
		m.free = append(m.free, m.out)
		m.out = nil
	}
	for m.err == nil && len(m.h) < mergePackets && m.bytes < mergeBytes {
		var p Packet
		if err := read(&p); err != nil {
			m.err = err
			break
		}
		m.push(p)
	}
	if len(m.h) == 0 {
		*out = Packet{}
		return m.err
	}
	p := heap.Pop(&m.h).(Packet)
	m.bytes -= len(p.Data)
	m.out = p.Data
	*out = p
	return nil
}

// packetHeap orders packets by time, then by their place in the file.
type packetHeap []Packet

func (h packetHeap) Len() int { return len(h) }
func (h packetHeap) Less(i, j int) bool {
	if !h[i].Timestamp.Equal(h[j].Timestamp) {
		return h[i].Timestamp.Before(h[j].Timestamp)
	}
	return h[i].Number < h[j].Number
}
func (h packetHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *packetHeap) Push(x any)   { *h = append(*h, x.(Packet)) }
func (h *packetHeap) Pop() any {
	old := *h
	p := old[len(old)-1]
	*h = old[:len(old)-1]
	return p
}
