package prose

import (
	"fmt"
	"strconv"

	"github.com/segscope/segscope/analyze"
)

// UnitLabel names a unit in a few words: its own label ("GET /x", "200",
// "application_data", "DATA"), or for a body or a chunk its size: "1000
// bytes", "102400 bytes in 3 chunks".
func UnitLabel(u analyze.Unit) string {
	switch {
	case u.Label != "":
		return u.Label
	case u.Chunks > 0:
		return fmt.Sprintf("%d bytes in %d chunks", u.Size, u.Chunks)
	case u.Kind == analyze.UnitRequestBody || u.Kind == analyze.UnitResponseBody || u.Kind == analyze.UnitChunk:
		return strconv.FormatInt(u.Size, 10) + " bytes"
	}
	return ""
}

// UnitName is a unit's kind and label, and its HTTP/2 stream: what the
// segments' "carried" column lists.
func UnitName(u analyze.Unit) string {
	name := string(u.Kind) + " " + UnitLabel(u)
	if u.Kind == analyze.UnitH2Frame {
		name += fmt.Sprintf(" s%d", u.Exchange)
	}
	return name
}
