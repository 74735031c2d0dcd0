package prose

import (
	"fmt"
	"strings"

	"github.com/segscope/segscope/lab/labcompare"
)

// The words of `segscope lab --compare`'s cells: how a condition was set
// up, and what it measured.

// LabPath says how a lab's path was built, in the flags' terms.
func LabPath(p labcompare.Path) string {
	ip := "IPv4"
	if p.IPv6 {
		ip = "IPv6"
	}
	parts := []string{fmt.Sprintf("%s MTU %d", ip, p.MTU)}
	if p.MSS != 0 {
		parts = append(parts, fmt.Sprintf("MSS clamped to %d", p.MSS))
	}
	parts = append(parts, "timestamps "+onOff(p.Timestamps), "SACK "+onOff(p.SACK))
	switch {
	case p.TSO && p.GSO && p.GRO:
		parts = append(parts, "offloads on")
	case !p.TSO && !p.GSO && !p.GRO:
		parts = append(parts, "offloads off")
	default:
		parts = append(parts, fmt.Sprintf("TSO %s GSO %s GRO %s", onOff(p.TSO), onOff(p.GSO), onOff(p.GRO)))
	}
	if p.Rate != "" {
		parts = append(parts, "tbf "+p.Rate)
	} else {
		parts = append(parts, "unpaced")
	}
	if p.Delay != "" {
		parts = append(parts, "delay "+p.Delay)
	}
	if p.Loss != "" {
		parts = append(parts, "loss "+p.Loss)
	}
	return strings.Join(parts, ", ")
}

// LabServer says what a lab's built-in server sends.
func LabServer(s labcompare.ServerConfig) string {
	proto := "HTTP/1.1"
	if s.HTTP2 {
		proto = "HTTP/2"
	}
	if s.TLS != "" {
		proto += " over TLS " + s.TLS
	}
	parts := []string{proto, fmt.Sprintf("%d-byte body", s.Body.Size)}
	if s.Body.Chunked {
		parts = append(parts, "chunked")
	}
	if s.Body.WriteSize > 0 {
		parts = append(parts, fmt.Sprintf("writes of %d", s.Body.WriteSize))
	}
	if s.Body.WriteDelay > 0 {
		parts = append(parts, fmt.Sprintf("every %v", s.Body.WriteDelay))
	}
	return strings.Join(parts, ", ")
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

// Percent is n of `of` as a whole percentage: "<1%" for a share that
// would round to 0, "-" for none of none.
func Percent(n, of int) string {
	switch {
	case of == 0:
		return "-"
	case n > 0 && n*200 < of: // would round to 0%
		return "<1%"
	}
	return fmt.Sprintf("%.0f%%", float64(n)*100/float64(of))
}

// PathMSS is the MSS a path's MTU allows, as arithmetic.
func PathMSS(mtu, ipHeader, mss int) string {
	return fmt.Sprintf("%d - %d (IP) - 20 (TCP) = %d", mtu, ipHeader, mss)
}

// SYNMSS is the MSS as the SYN showed it, or that it was not seen.
func SYNMSS(mss int) string {
	if mss == 0 {
		return "not seen"
	}
	return fmt.Sprint(mss)
}

// LabEffectiveMSS is a condition's effective MSS with its arithmetic.
func LabEffectiveMSS(eff, mss, options int) string {
	switch {
	case eff == 0:
		return "unknown"
	case options == 0:
		return fmt.Sprintf("%d (no options)", eff)
	}
	return fmt.Sprintf("%d = %d - %d (options)", eff, mss, options)
}

// MostCommon is the most common size with its count, of a total: "1388
// x751 of 760".
func MostCommon(size, count, of int) string {
	return fmt.Sprintf("%d x%d of %d", size, count, of)
}

// SuperSides counts super-segments on each side; server < 0: that side
// was not captured.
func SuperSides(client, server int) string {
	s := fmt.Sprintf("client side %d", client)
	if server >= 0 {
		s += fmt.Sprintf(", server side %d", server)
	}
	return s
}

// CauseShares lists the reads by cause with their shares: "full-segment
// 99%, short-segment 1%".
func CauseShares(causes []string, counts []int, of int) string {
	parts := make([]string, len(causes))
	for i := range causes {
		parts[i] = causes[i] + " " + Percent(counts[i], of)
	}
	return strings.Join(parts, ", ")
}

// Failed is a failed condition's cell.
const Failed = "failed"
