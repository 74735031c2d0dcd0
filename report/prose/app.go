package prose

import (
	"fmt"
	"strings"

	"github.com/segscope/segscope/analyze"
	"github.com/segscope/segscope/tlsdec"
)

// AppSummary is one line per connection for the tables: what its
// application layer was; h2Streams counts an h2c connection's streams.
func AppSummary(c *analyze.Connection, h2Streams int) string {
	if c.App == nil {
		return ""
	}
	return appLine(c.App, h2Streams)
}

func appLine(a *analyze.App, h2Streams int) string {
	switch a.Protocol {
	case analyze.ProtoHTTP1:
		n := len(a.HTTP.Exchanges())
		s := fmt.Sprintf("HTTP/1: %d exchange%s", n, plural(n))
		if t := a.Tunnel; t != nil {
			s += "; through its CONNECT tunnel, " + appLine(t, 0)
		}
		return s
	case analyze.ProtoTLS:
		var parts []string
		if ch := a.TLS[0].ClientHello(); ch != nil {
			if ch.SNI != "" {
				parts = append(parts, "SNI "+ch.SNI)
			}
			if len(ch.ALPN) > 0 {
				parts = append(parts, "ALPN offered "+strings.Join(ch.ALPN, ","))
			}
		}
		if sh := a.TLS[1].ServerHello(); sh != nil {
			parts = append(parts, tlsdec.Version(sh.Version).String())
			if sh.ALPN != "" {
				parts = append(parts, "ALPN "+sh.ALPN)
			}
		}
		for d, w := range a.TLS {
			st := w.Stats()
			top := analyze.TopCounts(st.Sizes, 2)
			var sizes []string
			for _, s := range top {
				sizes = append(sizes, fmt.Sprintf("%dx%d", s.Size, s.Count))
			}
			parts = append(parts, fmt.Sprintf("%s %d records (%s)", analyze.Dir(d).Arrow(), st.Records, strings.Join(sizes, " ")))
		}
		return "TLS: " + strings.Join(parts, ", ") + "; " + Decryption(a)
	case analyze.ProtoH2C:
		n := 0
		for _, w := range a.H2 {
			n += len(w.Frames()) + w.Dropped()
		}
		return fmt.Sprintf("HTTP/2 (cleartext): %d streams, %d frames", h2Streams, n)
	case analyze.ProtoUnknown:
		return "unrecognised payload (segments only)"
	}
	return ""
}
