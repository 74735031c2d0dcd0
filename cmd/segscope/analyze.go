package main

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"runtime"

	"github.com/spf13/cobra"

	"github.com/segscope/segscope/analyze"
	"github.com/segscope/segscope/report"
)

type analyzeOptions struct {
	captureOptions
	streamOptions
	liveOptions
	conns   []string
	workers int
}

func newAnalyzeCmd(s *streams) *cobra.Command {
	o := &analyzeOptions{}
	cmd := &cobra.Command{
		Use:   "analyze FILE...",
		Short: "Report each TCP connection's segmentation",
		Long: `Analyze reads one or more captures (pcap or pcapng, optionally gzip-compressed;
"-" reads standard input) as one capture, in the order of their first packets
(tcpdump -C/-G pieces in time order, whatever the shell's sort), and prints one row
per connection direction: the MSS its sender advertised, the effective MSS (the
MSS minus the TCP option bytes each data segment carries), how many data
segments and bytes it sent, their sizes (min, median, max, the most common),
how many were full-size, short, or super-segments longer than the MSS (left by
TSO/GSO/GRO offload), retransmissions and the handshake RTT. Warnings under the
table say what the numbers mean about where the capture was taken.

Connection IDs count from 0 in order of appearance (packets in time order), like
Wireshark's tcp.stream; a new SYN on a 4-tuple already seen starts a new
connection. An ID marked "?" had no captured handshake: its client and server
were guessed from the ports.

--format json and csv are written as the capture is read: each connection as
soon as it ends (FIN or RST plus --close-grace, or idle past --idle-timeout),
in ID order, so memory is bounded by the connections live at once; json puts
the totals after the connections. A connection whose FINs were both
acknowledged ends at once: only its 4-tuple is held for --close-grace, and a
packet that still comes in that time (a FIN resent because the last ACK was
lost past the capture point) is reported as late, not counted in it; given
--close-grace, such a connection is held whole for it and counts them. --format jsonl streams one JSON object per
connection (the same as in --format json) in the order they end, then a final
{"record":"summary"} line with the totals and the capture's warnings.
--format parquet -w DIR streams the same way into DIR/connections.parquet (one
row per connection direction), DIR/segments.parquet (one row per segment),
DIR/http.parquet and DIR/tls_records.parquet. Streaming holds at most 32 MiB of
out-of-order bytes for the whole capture unless --max-buffered-total is given.`,
		Example: `  segscope analyze pcaps/mtu1440-ts.pcap.gz
  segscope analyze --port 8080 --format json capture.pcapng
  tcpdump -i lo -w - port 8080 | segscope analyze -
  segscope analyze --format csv rotated-*.pcap > sizes.csv
  segscope analyze --format jsonl day.pcap | jq 'select(.id) | .directions.server_to_client.retransmitted_segments'
  segscope analyze --format parquet -w out/ rotated-*.pcap`,
		Args: captureArgs(cobra.MinimumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.bufferedSet = cmd.Flags().Changed("max-buffered-total")
			o.graceSet = cmd.Flags().Changed("close-grace")
			return runAnalyze(s, o, args)
		},
	}
	o.captureOptions.addFlags(cmd.Flags())
	o.streamOptions.addFlags(cmd.Flags())
	o.liveOptions.addFlags(cmd.Flags())
	cmd.Flags().Lookup("format").Usage = "output format: table, json, csv, jsonl (streamed) or parquet (streamed, with -w DIR)"
	o.formats = "table, json, csv, jsonl or parquet"
	cmd.Flags().BoolVar(&o.segmentsOnly, "segments-only", false, "skip reassembly and the application layer (faster; no HTTP, TLS or HTTP/2)")
	cmd.Flags().StringSliceVar(&o.conns, "conn", nil, "only these connection IDs (repeatable, or comma-separated)")
	cmd.Flags().IntVar(&o.workers, "workers", 0, "track connections on this many goroutines beside the one that reads, each connection on one (the output is the same, in every format); 0: one per CPU but one, none on 2 CPUs or fewer")
	return cmd
}

func runAnalyze(s *streams, o *analyzeOptions, paths []string) error {
	sf, streamed := report.ParseStreamFormat(o.format)
	if o.writeDir != "" && sf != report.Parquet {
		return usageError{fmt.Errorf("-w %s: -w is the directory --format parquet writes to; the other formats go to standard output (redirect it to a file)", o.writeDir)}
	}
	if streamed {
		o.format = string(report.JSON) // for the rest of the flags' checks
	}
	format, filter, err := o.parse()
	if err != nil {
		return err
	}
	if filter.IDs, err = parseIDs(o.conns); err != nil {
		return err
	}
	if err := o.streamOptions.check(); err != nil {
		return err
	}
	if err := o.liveOptions.check(); err != nil {
		return err
	}
	opts := o.streamOptions.options()
	opts.Keys, opts.KeyLogErrors = o.keys()
	if o.workers < 0 {
		return usageError{fmt.Errorf("--workers %d: a number of goroutines, or 0 to fit the CPUs", o.workers)}
	}
	opts.Workers = o.workers
	if o.workers == 0 {
		opts.Workers = autoWorkers(runtime.GOMAXPROCS(0))
	}
	if streamed {
		return runAnalyzeStreamed(s, o, sf, filter, opts, paths)
	}
	if format == report.JSON || format == report.CSV {
		// Written as connections end, in ID order: memory holds the live
		// connections, not every one.
		return runAnalyzeStreamed(s, o, format, filter, opts, paths)
	}
	res, errs := load(s, paths, opts, !o.noProgress)
	if err := missingIDs(res, filter.IDs); err != nil {
		errs = append(errs, err)
	}
	return writeReport(s, report.Analysis{Result: res, Connections: res.Select(filter), Errors: errs}, format, res, errs)
}

// writeReport writes r and turns read errors into the exit status. The
// errors go to standard error whatever the format, as every command's do
// (the table also lists them under itself, JSON in "errors"), so a
// script or a pipe into head still sees them.
func writeReport(s *streams, r interface {
	Write(io.Writer, report.Format) error
}, f report.Format, res *analyze.Result, errs []error) error {
	if len(res.Sources) == 0 {
		// Not one capture could be opened: there is nothing to report.
		return errors.Join(errs...)
	}
	if err := r.Write(s.out, f); err != nil {
		return err
	}
	if len(errs) == 0 {
		return nil
	}
	for _, err := range errs {
		fmt.Fprintf(s.err, "segscope: %v\n", err)
	}
	return failed(errs)
}

// runAnalyzeStreamed writes json, csv, jsonl or parquet while the captures
// are read.
func runAnalyzeStreamed(s *streams, o *analyzeOptions, f report.Format, filter analyze.Filter, opts analyze.Options, paths []string) error {
	o.liveOptions.apply(&opts)
	// A second file may be another capture of the same traffic: its
	// copies of a connection the first wrote at its close would be late.
	opts.HoldClosed = opts.HoldClosed || len(paths) > 1
	switch f {
	case report.JSONL:
		return loadStreamed(s, paths, opts, filter, func(func() int64) report.ConnWriter { return report.NewAnalysisJSONL(s.out) }, !o.noProgress)
	case report.JSON:
		return loadStreamed(s, paths, opts, filter, func(func() int64) report.ConnWriter { return report.NewAnalysisJSONStream(s.out) }, !o.noProgress)
	case report.CSV:
		return loadStreamed(s, paths, opts, filter, func(func() int64) report.ConnWriter { return report.NewAnalysisCSVStream(s.out) }, !o.noProgress)
	}
	if o.writeDir == "" {
		return usageError{errors.New("--format parquet needs a directory to write to (-w DIR)")}
	}
	for _, name := range []string{report.ParquetConnections, report.ParquetSegments, report.ParquetHTTP, report.ParquetTLSRecords} {
		// Review 24: a capture named connections.parquet in DIR was
		// replaced by the output, exit 0.
		if err := notAnInput(filepath.Join(o.writeDir, name), append(paths, o.keylogs...)...); err != nil {
			return err
		}
	}
	opts.KeepSegments = filter.Match
	var first func() int64
	w, err := report.NewParquet(o.writeDir, func() int64 { return first() })
	if err != nil {
		return err
	}
	return loadStreamed(s, paths, opts, filter, func(f func() int64) report.ConnWriter { first = f; return w }, !o.noProgress)
}

// autoWorkers is --workers 0 on n CPUs: the goroutine that reads and
// routes every packet keeps one CPU, and the others track connections.
// On two CPUs that does not pay (the reading ahead and the writers have
// the second: bench/compare.sh, README's Speed), so the tracking stays on
// the reading goroutine.
func autoWorkers(n int) int {
	if n <= 2 {
		return 1
	}
	return min(n-1, analyze.BudgetShares)
}
