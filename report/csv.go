package report

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/segscope/segscope/analyze"
)

// analysisCSVHeader names the columns of `analyze --format csv`: one row
// per connection direction.
var analysisCSVHeader = []string{
	"id", "client", "server", "direction", "source", "destination",
	"syn_seen", "mss", "window_scale", "sack_permitted", "timestamps",
	"effective_mss", "effective_mss_inferred", "option_bytes",
	"packets", "data_segments", "payload_bytes",
	"min_segment", "median_segment", "p95_segment", "mean_segment", "max_segment",
	"full_size_segments", "short_segments", "super_segments",
	"retransmitted_segments", "retransmitted_bytes", "out_of_order_segments", "duplicate_segments",
	"zero_windows", "keep_alives", "resets", "missing_bytes", "psh_runs", "handshake_rtt_ms", "sizes",
}

func (a Analysis) writeCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(analysisCSVHeader); err != nil {
		return err
	}
	for _, c := range a.Connections {
		jc := jsonConnOf(c, false)
		for _, dir := range dirs() {
			jd := jc.Directions.ClientToServer
			if dir == analyze.ServerToClient {
				jd = jc.Directions.ServerToClient
			}
			var sizes []string
			for _, s := range jd.Sizes {
				sizes = append(sizes, fmt.Sprintf("%d:%d", s.Size, s.Count))
			}
			row := []string{
				strconv.Itoa(c.ID), jc.Client, jc.Server, dir.String(), jd.Source, jd.Destination,
				strconv.FormatBool(jd.SYNSeen), optInt(jd.MSS), optInt(jd.WindowScale),
				strconv.FormatBool(jd.SACKPermitted), strconv.FormatBool(jd.Timestamps),
				optInt(jd.EffectiveMSS), strconv.FormatBool(jd.EffectiveMSSInferred), strconv.Itoa(jd.OptionBytes),
				strconv.Itoa(jd.Packets), strconv.Itoa(jd.DataSegments), strconv.FormatInt(jd.PayloadBytes, 10),
				strconv.Itoa(jd.MinSegment), strconv.Itoa(jd.MedianSegment), strconv.Itoa(jd.P95Segment),
				strconv.FormatFloat(jd.MeanSegment, 'f', -1, 64), strconv.Itoa(jd.MaxSegment),
				strconv.Itoa(jd.FullSizeSegments), strconv.Itoa(jd.ShortSegments), strconv.Itoa(jd.SuperSegments),
				strconv.Itoa(jd.RetransmittedSegments), strconv.FormatInt(jd.RetransmittedBytes, 10),
				strconv.Itoa(jd.OutOfOrderSegments), strconv.Itoa(jd.DuplicateSegments),
				strconv.Itoa(jd.ZeroWindows), strconv.Itoa(jd.KeepAlives), strconv.Itoa(jd.Resets),
				strconv.FormatInt(jd.MissingBytes, 10), strconv.Itoa(jd.PSHRuns.Count),
				optFloat(jc.Handshake.RTTMs), strings.Join(sizes, ";"),
			}
			if err := cw.Write(row); err != nil {
				return err
			}
		}
	}
	cw.Flush()
	return cw.Error()
}

func optInt(p *int) string {
	if p == nil {
		return ""
	}
	return strconv.Itoa(*p)
}

func optFloat(p *float64) string {
	if p == nil {
		return ""
	}
	return strconv.FormatFloat(*p, 'f', -1, 64)
}
