package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/segscope/segscope/analyze"
	"github.com/segscope/segscope/report"
)

type segmentsOptions struct {
	captureOptions
	liveOptions
	conns []string
	dir   string
}

func newSegmentsCmd(s *streams) *cobra.Command {
	o := &segmentsOptions{}
	cmd := &cobra.Command{
		Use:   "segments FILE...",
		Short: "List every TCP segment with its stream offset, length and class",
		Long: `Segments lists every TCP segment of the chosen connections: packet number (as
Wireshark's frame.number), time since the first packet, connection ID, direction,
sender, stream offset (0 is the first payload byte; the SYN sits at -1), payload
length on the wire (from the IP header, so snap-length captures show true sizes),
TCP flags (S F R P, "." for ACK), the raw window field and a class:

  full, short, super   data segment equal to, below, or above the effective MSS
  syn, syn-ack, fin, rst, ack   segments without payload
  +retransmission, +out-of-order, +duplicate, +keep-alive, +zero-window, +after-gap
                       what else was noticed about the segment

The table and --format jsonl (one JSON object per segment, then a final
{"record":"summary"} line) are written as the capture is read, each connection's
segments as soon as it ends (see --idle-timeout): memory is bounded by the
connections live at once. json and csv hold every segment of the chosen
connections in memory. Connection IDs are those of analyze --format jsonl: a
connection idle past --idle-timeout is ended there and a later packet of it
starts a new one, where the analyze table holds it to the end.`,
		Example: `  segscope segments --conn 0 pcaps/mtu1440-ts.pcap.gz
  segscope segments --conn 0 --dir server_to_client --format csv capture.pcap`,
		Args: captureArgs(cobra.MinimumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runSegments(s, o, args)
		},
	}
	o.captureOptions.addFlags(cmd.Flags())
	o.liveOptions.addFlags(cmd.Flags())
	cmd.Flags().MarkHidden("write-dir") // Parquet comes from analyze
	cmd.Flags().Lookup("format").Usage = "output format: table, json, csv or jsonl (streamed)"
	o.formats = "table, json, csv or jsonl"
	for _, f := range []string{"idle-timeout", "close-grace", "max-live"} {
		fl := cmd.Flags().Lookup(f)
		fl.Usage = strings.Replace(fl.Usage, "with --format json, csv, jsonl or parquet", "with the table or jsonl", 1)
	}
	// Every segment is listed, so a connection closed cleanly is held too
	// (runSegments sets HoldClosed).
	fl := cmd.Flags().Lookup("close-grace")
	fl.Usage, _, _ = strings.Cut(fl.Usage, ";")
	cmd.Flags().StringSliceVar(&o.conns, "conn", nil, "only these connection IDs (repeatable, or comma-separated)")
	cmd.Flags().StringVar(&o.dir, "dir", "", "only one direction: client_to_server (c2s) or server_to_client (s2c)")
	return cmd
}

func runSegments(s *streams, o *segmentsOptions, paths []string) error {
	sf, streamed := report.ParseStreamFormat(o.format)
	if o.writeDir != "" {
		return usageError{fmt.Errorf("-w %s: segments writes to standard output (redirect it to a file); analyze --format parquet -w DIR writes segments.parquet", o.writeDir)}
	}
	if streamed && sf != report.JSONL {
		return usageError{fmt.Errorf("segments --format %s: use jsonl, or analyze --format parquet -w DIR (it writes segments.parquet)", sf)}
	}
	if streamed {
		o.format = string(report.JSON)
	}
	format, filter, err := o.parse()
	if err != nil {
		return err
	}
	if filter.IDs, err = parseIDs(o.conns); err != nil {
		return err
	}
	keepDir, err := parseDir(o.dir)
	if err != nil {
		return err
	}
	// With a key log, walk the application layer too, to say what each
	// segment carried inside TLS.
	opts := analyze.Options{KeepSegments: filter.Match, SegmentsOnly: len(o.keylogs) == 0}
	opts.Keys, opts.KeyLogErrors = o.keys()
	if err := o.liveOptions.check(); err != nil {
		return err
	}
	if streamed || format == report.Table {
		// jsonl and the table are written as connections end: memory
		// holds the live ones only.
		o.liveOptions.apply(&opts)
		opts.HoldClosed = true // a FIN resent after the last ACK is a segment to list
		return loadStreamed(s, paths, opts, filter, func(first func() int64) report.ConnWriter {
			if streamed {
				return report.NewSegmentsJSONL(s.out, first, !opts.SegmentsOnly, keepDir)
			}
			return report.NewSegmentsTable(s.out, first, !opts.SegmentsOnly, keepDir)
		}, !o.noProgress)
	}
	res, errs := load(s, paths, opts, !o.noProgress)
	if err := missingIDs(res, filter.IDs); err != nil {
		errs = append(errs, err)
	}
	conns := res.Select(filter)
	if keepDir != nil {
		for _, c := range conns {
			c.Segments.OnlyDir(*keepDir)
		}
	}
	return writeReport(s, report.Segments{Result: res, Connections: conns, Errors: errs, Carried: !opts.SegmentsOnly}, format, res, errs)
}

func parseDir(v string) (*analyze.Dir, error) {
	var d analyze.Dir
	switch v {
	case "":
		return nil, nil
	case "client_to_server", "c2s":
		d = analyze.ClientToServer
	case "server_to_client", "s2c":
		d = analyze.ServerToClient
	default:
		return nil, usageError{fmt.Errorf("--dir %q: use client_to_server (c2s) or server_to_client (s2c)", v)}
	}
	return &d, nil
}
