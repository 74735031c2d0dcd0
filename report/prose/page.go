package prose

import (
	"fmt"
	"time"
)

// The HTML report's notes: what the page holds, and what it cannot show
// and why.

// PageExplainCut: the page's explanation holds the first held of total
// reads in full.
func PageExplainCut(held, total int) string {
	return fmt.Sprintf("The explanation (segscope.explain/2) in this file holds the first %d of its %d reads in full; every read is drawn, and the others show their cause, range and packets without their facts (segscope explain --format json has them all).", held, total)
}

// PageExplainSegments: each read lists only its first and last segment.
func PageExplainSegments(entries int) string {
	return fmt.Sprintf("The explanation (segscope.explain/2) lists only the first and last segment of each read: its %d segment entries are more than the page holds. The timeline lights what carried a read from its stream range.", entries)
}

// PageConnBinned: a connection's data segments are drawn as time bins.
func PageConnBinned(conn, total int, bin time.Duration) string {
	return fmt.Sprintf("Connection %d: %d segments are more than this page draws one by one; its data segments are drawn as time bins of %s (each spans its lowest to its highest byte, coloured by the worst it holds), the resent, out-of-order and after-gap segments on top one by one, and pure ACKs are left out. Zooming in shows no more than that: segscope segments --conn %d lists every segment.",
		conn, total, bin, conn)
}

// PageConnAnomalies: anomalous segments past the bound show only in their
// bin's colour.
func PageConnAnomalies(conn, n int) string {
	return fmt.Sprintf("Connection %d: %d more resent, out-of-order or after-gap segments show only in the colour of their time bin.", conn, n)
}

// PageMapUnitsOnly: the boundary map lists the units without their
// packets.
func PageMapUnitsOnly(conn, maxSegments int) string {
	return fmt.Sprintf("Connection %d: its boundary map (segscope.map/1) lists the units without the packets that carried them (more than %d data segments).", conn, maxSegments)
}

// PageMapFirstUnits: only the first units are drawn.
func PageMapFirstUnits(conn, maxUnits int) string {
	return fmt.Sprintf("Connection %d: only the first %d of its records, frames and messages are drawn (and listed in its segscope.map/1).", conn, maxUnits)
}

// PageNoCapture: no capture was read.
func PageNoCapture() string { return "No capture was read: only what the trace tells is shown." }

// PageNoTCP: the capture holds no TCP connection.
func PageNoTCP(packets, nonTCP, malformed int) string {
	return fmt.Sprintf("The capture holds no TCP connection (%d packets read, %d of them not TCP, %d malformed): there are no segments to draw.", packets, nonTCP, malformed)
}

// PageNoConnection: a connection asked for is not in the capture.
func PageNoConnection(id, conns int) string {
	return fmt.Sprintf("There is no connection %d in the capture (%d connections).", id, conns)
}

// PageNothingMatches: no capture connection matches the trace.
func PageNothingMatches() string {
	return "Nothing in the capture matches the trace: the reads cannot be placed on any connection, so none is drawn (the largest connections are, without them). The capture may be of another transfer, or taken on another host or interface."
}

// PageNoTrace: no trace was given.
func PageNoTrace() string {
	return "No trace was given (--trace): the read timeline needs curl's trace of the same transfer."
}

// PageSegmentsNotKept: a connection's segments were not kept.
func PageSegmentsNotKept(conn int) string {
	return fmt.Sprintf("Connection %d: its segments were not kept, so its graphs are empty.", conn)
}

// PageReadsCut: only the first reads are drawn.
func PageReadsCut(kept, dropped int) string {
	return fmt.Sprintf("Only the first %d reads are drawn: %d more are in segscope explain's output.", kept, dropped)
}
