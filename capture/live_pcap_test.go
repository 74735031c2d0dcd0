//go:build pcap

package capture

import (
	"errors"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"
)

// TestPcapLiveLoopback captures an HTTP transfer on lo through libpcap with
// a full filter expression: every segment once, all of the server's bytes.
func TestPcapLiveLoopback(t *testing.T) {
	needLive(t)
	body := make([]byte, 300000)
	port := serve(t, body)
	live, err := OpenPcapLive(LiveOptions{Interface: "lo", Ports: []uint16{port}}, "tcp and not icmp")
	if err != nil {
		t.Fatal(err)
	}
	defer live.Close()
	if want := fmt.Sprintf("(tcp and not icmp) and (port %d)", port); live.Filter() != want || live.LinkType() != layers.LinkTypeEthernet {
		t.Errorf("filter %q, link type %v", live.Filter(), live.LinkType())
	}
	col := collect(live, nil)
	wire, _, err := fetch(fmt.Sprintf("http://127.0.0.1:%d/big", port))
	if err != nil {
		t.Fatal(err)
	}
	col.waitFor(t, 5*time.Second, "the server's bytes and both FINs", func(ps []capturedPacket) bool {
		var n int64
		fins := 0
		for _, p := range ps {
			if p.sport == port {
				n += int64(p.payload)
			}
			if p.flags&1 != 0 {
				fins++
			}
		}
		return n >= wire && fins >= 2
	})
	live.Close()
	packets := col.finish(t)
	seen := map[segmentKey]bool{}
	for _, p := range packets {
		if seen[p.key()] {
			t.Errorf("segment seen twice: %+v", p.key())
		}
		seen[p.key()] = true
	}
	if rcv, drop, err := live.Stats(); err != nil || drop != 0 || rcv < uint64(len(packets)) {
		t.Errorf("stats after Close: received %d dropped %d (%v), %d packets read", rcv, drop, err, len(packets))
	}
	if _, err := live.ReadPacket(); err != io.EOF {
		t.Errorf("ReadPacket after Close = %v", err)
	}
}

func TestPcapLiveErrors(t *testing.T) {
	needLive(t)
	if _, err := OpenPcapLive(LiveOptions{Interface: "nosuchif0"}, ""); !errors.Is(err, ErrNoInterface) {
		t.Errorf("unknown interface: %v", err)
	}
	if _, err := OpenPcapLive(LiveOptions{Interface: "lo"}, "tcp port"); err == nil {
		t.Error("a bad expression was accepted")
	} else {
		t.Logf("bad expression: %v", err)
	}
	live, err := OpenPcapLive(LiveOptions{Interface: "lo", Ports: []uint16{freeTCPPort(t)}}, "")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { _, err := live.ReadPacket(); done <- err }()
	time.Sleep(200 * time.Millisecond)
	live.Close()
	select {
	case err := <-done:
		if err != io.EOF {
			t.Errorf("ReadPacket after Close = %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not unblock ReadPacket within 5 s")
	}
}
