package main

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/segscope/segscope/analyze"
	"github.com/segscope/segscope/curltrace"
	"github.com/segscope/segscope/explain"
	"github.com/segscope/segscope/report"
	"github.com/segscope/segscope/report/htmlreport"
)

type explainOptions struct {
	captureOptions
	trace string
	html  string
}

func newExplainCmd(s *streams) *cobra.Command {
	o := &explainOptions{}
	cmd := &cobra.Command{
		Use:   "explain --trace TRACE [CAPTURE...]",
		Short: "Explain the sizes of curl's 'Recv data' and 'Send data' lines from a capture of the same transfer",
		Long: `Explain reads a curl trace (curl --trace or --trace-ascii, plain or gzip-compressed,
with or without --trace-time and --trace-ids, curl 7.x or 8.x) and a capture of the same
transfer. It finds the bytes curl logged on the capture's connections (HTTP/1 in the clear
or decrypted), which tells which connection and stream offset every event belongs to
whatever curl's ids or interleaving; without them (HTTP/2, TLS without keys) it matches by
server, client port, connect time and order. It places every Recv data event on its
connection's stream and says which segments carried its bytes, when they arrived relative
to the read, and why N is what it is: one full segment (with the MSS arithmetic), one short
segment, one push of the server read whole, one chunk write, several segments waiting (the
reader was slower than the network), curl's buffer, a pause for --limit-rate, the end of the
body, the first read after the headers, the receive window, a loss's recovery, a TLS record
(with the negotiated suite's overhead), HTTP/2 DATA frames (with --keylog the frames each
read held; without, inferred from the record lengths on the wire), or a capture taken above
TSO/GRO. It names where the capture was taken (the SYNs' TTLs, the handshake).

Every Send header and Send data event is explained too: its size from curl's side (the
upload buffer the full sends show, the head sharing the first buffer, the sends of one
buffer adding up to it when the socket took less, the body's end against the
Content-Length, a chunk's data and framing), where it went on the client's stream
(segments, TLS records, HTTP/2 DATA frames), how backed up the socket was when curl logged
a short send, and the wait for 100 Continue.

Each cause comes with its facts and their sources (capture, trace, key log) and a
confidence: certain, inferred (with the inference), or cannot tell, with what is
missing and how to get it. Without a capture it reports what the trace alone tells. When the
evidence shows the trace and the capture are of different transfers (bytes, request, Date,
clocks), no cause is given and the exit status is 1.`,
		Example: `  segscope explain --trace pcaps/mtu1440-ts.trace pcaps/mtu1440-ts.pcap.gz
  segscope explain --trace out.txt --format json capture.pcap
  segscope explain --trace out.txt`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.trace == "" {
				return usageError{errors.New("--trace is required: the curl --trace or --trace-ascii output to explain")}
			}
			if err := stdinOnce(args); err != nil {
				return usageError{err}
			}
			return runExplain(s, o, args)
		},
	}
	o.captureOptions.addFlags(cmd.Flags())
	cmd.Flags().StringVarP(&o.trace, "trace", "t", "", "the curl trace file (curl --trace FILE or --trace-ascii FILE); - reads it from standard input")
	cmd.Flags().StringVar(&o.html, "html", "", "also write the HTML report (timeline, time-sequence graph, histograms) to this file")
	return cmd
}

func runExplain(s *streams, o *explainOptions, paths []string) error {
	format, flt, err := o.parse()
	if err != nil {
		return err
	}
	if err := notAnInput(o.html, append(append([]string{o.trace}, o.keylogs...), paths...)...); err != nil {
		return err
	}
	if err := dirExists("--html", o.html); err != nil {
		return err
	}
	tr, terr := readTrace(s, o.trace, paths)
	if tr == nil || (terr != nil && len(tr.Events) == 0) {
		return terr // nothing of a trace to explain
	}
	var errs []error
	if terr != nil {
		errs = append(errs, terr)
	}
	x := report.Explanation{Errors: errs}
	if len(paths) > 0 {
		opts := explainOptionsFor(tr)
		opts.Keys, opts.KeyLogErrors = o.keys()
		res, cerrs := load(s, paths, opts, !o.noProgress)
		if len(res.Sources) == 0 {
			return errors.Join(cerrs...)
		}
		errs = append(errs, cerrs...)
		x.Capture, x.Errors = res, errs
		// --host and --port choose the capture connections the trace's
		// may be matched to (several connections to one server).
		sel := *res
		sel.Connections = res.Select(flt)
		x.Result = explain.Explain(tr, &sel)
		if alone, r, note := fromOnePoint(s, tr, res, x.Result, paths, opts, flt); alone != nil {
			x.Capture, x.Result = alone, r
			fmt.Fprintf(s.err, "segscope: %s\n", note)
		}
	} else {
		x.Result = explain.Explain(tr, nil)
	}
	// The file first: standard output may be a pipe its reader closes
	// early (| head), which ends the process at its next write (review
	// 21: --html was never written).
	var htmlErr error
	if o.html != "" {
		if htmlErr = htmlreport.WriteFile(o.html, htmlreport.FromExplanation(x)); htmlErr == nil {
			fmt.Fprintf(s.err, "segscope: wrote %s\n", o.html)
		}
	}
	// A page that could not be written (a full disk) does not cost the
	// report on standard output (review 24).
	if err := x.Write(s.out, format); err != nil {
		return err
	}
	if htmlErr != nil {
		return htmlErr
	}
	// CSV has no place for the problems the errors below point to
	// (review 32: "the problems listed above" listed nowhere), and JSON's
	// are not above them on the terminal (review 36).
	if format != report.Table {
		for _, p := range x.Problems() {
			fmt.Fprintf(s.err, "segscope: problem: %s\n", p)
		}
	}
	// The errors go to standard error whatever the format, as every
	// command's do (the table lists them under itself too).
	for _, err := range errs {
		fmt.Fprintf(s.err, "segscope: %v\n", err)
	}
	if len(errs) > 0 {
		return failed(errs)
	}
	if x.Result.Refused {
		return errors.New("the trace and the capture are of different transfers: the problems listed above say why; no cause was given")
	}
	if len(paths) > 0 && len(x.Result.Matches) == 0 && !onlyUnixSockets(x.Result.Trace) {
		if len(x.Result.Trace.Conns) == 0 {
			return errors.New("the trace has no connection: curl did not connect (its info lines say why), so there is nothing to match in the capture")
		}
		return fmt.Errorf("nothing in the capture matched the trace: the problems listed above say why (%d)", len(x.Result.Problems))
	}
	return nil
}

// explainOptionsFor keeps the segments of the trace's connections and
// lifts the unit bound: explain must place every read on a record, frame
// or chunk, however long the transfer.
func explainOptionsFor(tr *curltrace.Trace) analyze.Options {
	return explain.AnalyzeOptions(tr)
}

// fromOnePoint explains the trace against each capture file alone when the
// files are two capture points of the same traffic (they overlap in time:
// analyze.WarnOverlap), and returns the one that explains it better than
// all of them together, with a note saying so; nil when none does. Read
// together, a connection is seen from the file read first, the server's
// side, say, above its offload, where every read "cannot tell"; and two
// clients fetching one file, one traced, are both candidates, where the
// client's file alone holds only its own (review 20: 0 certain together,
// 16 from the client's file alone).
func fromOnePoint(s *streams, tr *curltrace.Trace, res *analyze.Result, together *explain.Result, paths []string,
	opts analyze.Options, flt analyze.Filter) (*analyze.Result, *explain.Result, string) {
	overlap := false
	for _, w := range res.Warnings {
		overlap = overlap || w.Kind == analyze.WarnOverlap
	}
	if !overlap || slices.Contains(paths, "-") {
		return nil, nil, "" // one capture point, or a pipe that cannot be read again
	}
	best, bestRes, bestPath := together, (*analyze.Result)(nil), ""
	scores := []string{fmt.Sprintf("%d together", certainOf(together))}
	for _, p := range paths {
		one, errs := load(s, []string{p}, opts, false)
		if len(errs) > 0 || len(one.Sources) == 0 {
			continue
		}
		sel := *one
		sel.Connections = one.Select(flt)
		r := explain.Explain(tr, &sel)
		scores = append(scores, fmt.Sprintf("%d from %s alone", certainOf(r), p))
		// On a tie the file taken at curl's side wins over the files read
		// together: there a connection can be seen from a copy at the
		// server (review 25: the server's capture in pieces, its copies
		// of the last piece taken for retransmissions, reads timed 32 ms
		// off).
		if better(r, best) || (best == together && !better(best, r) && atClient(r)) {
			best, bestRes, bestPath = r, one, p
		}
	}
	if bestRes == nil {
		return nil, nil, ""
	}
	return bestRes, best, fmt.Sprintf("the captures are of two capture points of the same traffic (they overlap in time): "+
		"explained from %s alone, where the trace's events are best told (certain causes: %s)", bestPath, strings.Join(scores, ", "))
}

// better tells whether explanation a tells more than b: it matched (b was
// refused), with fewer guessed matches, or with more certain causes.
func better(a, b *explain.Result) bool {
	if a.Refused != b.Refused {
		return !a.Refused
	}
	if len(a.Matches) != len(b.Matches) {
		return len(a.Matches) > len(b.Matches)
	}
	if ga, gb := guessed(a), guessed(b); ga != gb {
		return ga < gb
	}
	return certainOf(a) > certainOf(b)
}

// atClient tells whether every connection r matched was captured at
// curl's side.
func atClient(r *explain.Result) bool {
	for _, m := range r.Matches {
		if m.Point == nil || m.Point.Where != explain.PointClient {
			return false
		}
	}
	return len(r.Matches) > 0
}

func guessed(r *explain.Result) int {
	n := 0
	for _, m := range r.Matches {
		if m.Ambiguous {
			n++
		}
	}
	return n
}

// certainOf counts the reads and sends explained with certainty.
func certainOf(r *explain.Result) int {
	n := 0
	for _, e := range append(r.Events[:len(r.Events):len(r.Events)], r.Sends...) {
		if e.Confidence == explain.Certain {
			n++
		}
	}
	return n
}

// onlyUnixSockets tells whether every connection of the trace is to a
// Unix socket (curl --unix-socket): no capture can hold one, so none
// matching is no failure.
func onlyUnixSockets(t *curltrace.Trace) bool {
	for _, c := range t.Conns {
		if c.Unix == "" {
			return false
		}
	}
	return len(t.Conns) > 0
}
