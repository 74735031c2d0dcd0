package orchestrate

import (
	"net"
	"net/netip"
	"testing"
)

// Loopback is lo; any other address is the interface that holds the local
// address the kernel picks towards it (the loopback address itself here,
// which every host has).
func TestRouteInterface(t *testing.T) {
	if got, err := RouteInterface(netip.MustParseAddr("127.0.0.1")); err != nil || got != "lo" {
		t.Errorf("127.0.0.1: %q, %v", got, err)
	}
	ifs, err := net.Interfaces()
	if err != nil {
		t.Skip(err)
	}
	for _, ifc := range ifs {
		addrs, _ := ifc.Addrs()
		for _, a := range addrs {
			n, ok := a.(*net.IPNet)
			if !ok || n.IP.IsLoopback() || n.IP.To4() == nil {
				continue
			}
			ip, _ := netip.AddrFromSlice(n.IP.To4())
			if got, err := RouteInterface(ip); err != nil || got != ifc.Name {
				// Routing to one's own address goes by lo on Linux.
				if got != "lo" {
					t.Errorf("%s (on %s): %q, %v", ip, ifc.Name, got, err)
				}
			}
			return
		}
	}
}
