package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/segscope/segscope/analyze"
	"github.com/segscope/segscope/report"
)

type analyzeOptions struct {
	captureOptions
	streamOptions
	conns []string
}

func newAnalyzeCmd(s *streams) *cobra.Command {
	o := &analyzeOptions{}
	cmd := &cobra.Command{
		Use:   "analyze FILE...",
		Short: "Report each TCP connection's segmentation",
		Long: `Analyze reads one or more captures (pcap or pcapng, optionally gzip-compressed;
"-" reads standard input) as one capture, in the order given, and prints one row
per connection direction: the MSS its sender advertised, the effective MSS (the
MSS minus the TCP option bytes each data segment carries), how many data
segments and bytes it sent, their sizes (min, median, max, the most common),
how many were full-size, short, or super-segments longer than the MSS (left by
TSO/GSO/GRO offload), retransmissions and the handshake RTT. Warnings under the
table say what the numbers mean about where the capture was taken.

Connection IDs count from 0 in order of appearance, like Wireshark's tcp.stream;
a new SYN on a 4-tuple already seen starts a new connection. An ID marked "?"
had no captured handshake: its client and server were guessed from the ports.`,
		Example: `  segscope analyze pcaps/mtu1440-ts.pcap.gz
  segscope analyze --port 8080 --format json capture.pcapng
  tcpdump -i lo -w - port 8080 | segscope analyze -
  segscope analyze --format csv rotated-*.pcap > sizes.csv`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runAnalyze(s, o, args)
		},
	}
	o.captureOptions.addFlags(cmd.Flags())
	o.streamOptions.addFlags(cmd.Flags())
	cmd.Flags().BoolVar(&o.segmentsOnly, "segments-only", false, "skip reassembly and the application layer (faster; no HTTP, TLS or HTTP/2)")
	cmd.Flags().StringSliceVar(&o.conns, "conn", nil, "only these connection IDs (repeatable, or comma-separated)")
	return cmd
}

func runAnalyze(s *streams, o *analyzeOptions, paths []string) error {
	format, filter, err := o.parse()
	if err != nil {
		return err
	}
	if filter.IDs, err = parseIDs(o.conns); err != nil {
		return err
	}
	opts := o.streamOptions.options()
	opts.Keys, opts.KeyLogErrors = o.keys()
	res, errs := load(s, paths, opts, !o.noProgress)
	return writeReport(s, report.Analysis{Result: res, Connections: res.Select(filter), Errors: errs}, format, res, errs)
}

// writeReport writes r and turns read errors into the exit status. The
// table lists the errors itself; for JSON and CSV, which scripts read, they
// go to standard error (JSON also carries them in "errors").
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
	if f != report.Table {
		for _, err := range errs {
			fmt.Fprintf(s.err, "segscope: %v\n", err)
		}
	}
	return errReported
}
