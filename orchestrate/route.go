package orchestrate

import (
	"fmt"
	"net"
	"net/netip"
)

// RouteInterface names the interface packets to ip leave by: the one that
// holds the local address a UDP socket connected to ip would use (no
// packet is sent).
func RouteInterface(ip netip.Addr) (string, error) {
	if ip.IsLoopback() {
		return "lo", nil
	}
	c, err := net.Dial("udp", netip.AddrPortFrom(ip, 9).String())
	if err != nil {
		return "", fmt.Errorf("no route to %s: %w", ip, err)
	}
	local := c.LocalAddr().(*net.UDPAddr).IP
	c.Close()
	ifs, err := net.Interfaces()
	if err != nil {
		return "", err
	}
	for _, ifc := range ifs {
		addrs, _ := ifc.Addrs()
		for _, a := range addrs {
			if n, ok := a.(*net.IPNet); ok && n.IP.Equal(local) {
				return ifc.Name, nil
			}
		}
	}
	return "", fmt.Errorf("no interface holds %s, the address that routes to %s", local, ip)
}
