package prose

import (
	"fmt"
	"time"

	"github.com/segscope/segscope/analyze"
)

// WarningText words a warning of the analysis, naming the flag that
// moves the bound it is about.
func WarningText(w analyze.Warning) string {
	switch w.Kind {
	case analyze.WarnCaptureBound:
		return fmt.Sprintf("the reassembly bound for the whole capture (%d MiB of out-of-order bytes, in %d shares by connection) was hit %d times: bytes that would not fit in a connection's share became gaps (raise it with --max-buffered-total)", w.Bound>>20, analyze.BudgetShares, w.N)
	case analyze.WarnEvicted:
		return fmt.Sprintf("%d connections were ended before they closed or went idle because %d were live at once (a SYN flood, or more concurrent connections than the bound): a later packet of one started a new connection without a handshake (raise the bound with --max-live)", w.N, w.Bound)
	case analyze.WarnLate:
		// Connections closed cleanly are written at once when streaming.
		what, them := fmt.Sprintf("connection %d after it", w.First), "it"
		if w.Conns > 1 {
			what, them = fmt.Sprintf("%d connections (the first: %d) after they", w.Conns, w.First), "them"
		}
		return fmt.Sprintf("%d packets came for %s had closed (a FIN each way, each acknowledged) and been written: they are not counted in %s (a FIN resent then means the last ACK was lost past the capture point); give --close-grace to hold such connections that long and count them", w.N, what, them)
	case analyze.WarnOverlap:
		s := fmt.Sprintf("%s begins %s before the end of the files read before it: not the next piece of one capture (rotated files follow each other in time) but another capture of the same traffic, as from a second capture point; its packets of the connections the earlier files hold were counted as copies (duplicates), seen from the earlier capture. To compare capture points, analyze each file alone",
			w.Source, time.Duration(w.N).Round(time.Microsecond))
		if w.Bound == 1 {
			// Streamed, connections end as capture time passes, and the
			// files are read one after the other.
			s += "; and as this format writes connections as they end, one that ended (its close grace over) before this file was read is counted again from it: merge the files first (mergecap -w merged.pcap FILES) to read them as one capture"
		}
		return s
	case analyze.WarnMalformed:
		return fmt.Sprintf("%d malformed packets skipped", w.N)
	case analyze.WarnMissingBytes:
		return fmt.Sprintf("%d bytes of this direction were never captured (packets missed by the capture, or sent before it started): sizes and retransmission counts around the gap are uncertain", w.N)
	case analyze.WarnDirectionBound:
		if w.Lost {
			return fmt.Sprintf("the reassembly bound (out-of-order bytes held per direction) was hit %d times: the capture lost packets (see the bytes never captured), and bytes held behind their holes became gaps; raising it (--max-buffered) does not bring lost packets back: capture with a larger buffer (tcpdump -B 32768)", w.N)
		}
		return fmt.Sprintf("the reassembly bound (out-of-order bytes held per direction) was hit %d times: the bytes still missing then became gaps (raise it with --max-buffered)", w.N)
	case analyze.WarnUnitsDropped:
		return fmt.Sprintf("%d exchanges, records or frames beyond the per-connection bound were counted but not listed (raise it with --max-units)", w.N)
	case analyze.WarnSuperSegments:
		return fmt.Sprintf("%d of %d segments are longer than the effective MSS %d (largest %d = %.1f x %d): "+
			"the capture was taken above segmentation offload (TSO/GSO on the sending host) or after receive offload (GRO/LRO on the receiving host). "+
			"Once segmented (by the NIC or the stack, where the path requires it; a veth between namespaces passes them whole) none carries more than %d bytes: these sizes are what the capturing host's stack handled, not wire segments",
			w.N, w.Segments, w.MSS, w.Largest, float64(w.Largest)/float64(w.MSS), w.MSS, w.MSS)
	case analyze.WarnSnapCut:
		return fmt.Sprintf("%d packets were cut inside their IP or TCP header by the capture's snap length (%d bytes kept) and could not be analyzed: capture whole packets (tcpdump -s 0), or keep at least the headers with their options (-s 128)", w.N, w.Bound)
	}
	return w.Kind.String()
}
