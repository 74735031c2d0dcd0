package prose

import (
	"strings"
	"testing"

	"github.com/segscope/segscope/analyze"
)

// TestWarningText: every kind of warning is worded with its own numbers
// and names the flag that moves its bound.
func TestWarningText(t *testing.T) {
	for _, c := range []struct {
		w    analyze.Warning
		want []string
	}{
		{analyze.Warning{Kind: analyze.WarnCaptureBound, N: 7, Bound: 256 << 20}, []string{"(256 MiB of out-of-order bytes, in 8 shares by connection) was hit 7 times", "--max-buffered-total"}},
		{analyze.Warning{Kind: analyze.WarnEvicted, N: 4900, Bound: 100}, []string{"4900 connections were ended", "because 100 were live at once", "--max-live"}},
		{analyze.Warning{Kind: analyze.WarnLate, N: 9, Conns: 1, First: 0}, []string{"9 packets came for connection 0 after it had closed (a FIN each way, each acknowledged)", "not counted in it", "--close-grace"}},
		{analyze.Warning{Kind: analyze.WarnLate, N: 4, Conns: 2, First: 17}, []string{"4 packets came for 2 connections (the first: 17) after they had closed", "not counted in them"}},
		{analyze.Warning{Kind: analyze.WarnOverlap, N: 231390000, Source: "server.pcap"}, []string{"server.pcap begins 231.39ms before the end of the files read before it", "another capture of the same traffic", "copies (duplicates)"}},
		{analyze.Warning{Kind: analyze.WarnMalformed, N: 3}, []string{"3 malformed packets skipped"}},
		{analyze.Warning{Kind: analyze.WarnMissingBytes, N: 1448}, []string{"1448 bytes of this direction were never captured"}},
		{analyze.Warning{Kind: analyze.WarnDirectionBound, N: 2}, []string{"was hit 2 times", "--max-buffered)"}},
		{analyze.Warning{Kind: analyze.WarnDirectionBound, N: 64, Lost: true}, []string{"was hit 64 times", "the capture lost packets", "does not bring lost packets back", "tcpdump -B"}},
		{analyze.Warning{Kind: analyze.WarnUnitsDropped, N: 12}, []string{"12 exchanges, records or frames", "--max-units"}},
		{analyze.Warning{Kind: analyze.WarnSuperSegments, N: 1, Segments: 9, MSS: 1448, Largest: 65160}, []string{"1 of 9 segments are longer than the effective MSS 1448 (largest 65160 = 45.0 x 1448)", "TSO/GSO", "none carries more than 1448 bytes"}},
	} {
		got := WarningText(c.w)
		for _, s := range c.want {
			if !strings.Contains(got, s) {
				t.Errorf("%v: %q lacks %q", c.w.Kind, got, s)
			}
		}
	}
	if got := WarningText(analyze.Warning{Kind: 200}); got != "WarningKind(200)" {
		t.Errorf("an unknown kind: %q", got)
	}
}
