package main

import (
	"errors"
	"fmt"
	"math"
	"os"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/segscope/segscope/analyze"
	"github.com/segscope/segscope/curltrace"
	"github.com/segscope/segscope/explain"
	"github.com/segscope/segscope/report/htmlreport"
)

type reportOptions struct {
	captureOptions
	trace       string
	output      string
	format      string
	conns       []string
	maxSegments int
}

func newReportCmd(s *streams) *cobra.Command {
	o := &reportOptions{}
	cmd := &cobra.Command{
		Use:   "report CAPTURE... [--trace TRACE] [--keylog KEYS] [--conn ID...] -w report.html",
		Short: "Write one self-contained HTML page that draws segments, records, frames and curl's reads",
		Long: `Report writes one HTML file that draws what analyze, map and explain find, per
connection: curl's Recv data reads (with --trace) laid over the segments, TLS records
and HTTP/2 frames or HTTP messages and chunks that carried them, coloured by cause; a
time-sequence (Stevens) graph; a segment-size histogram per direction with the
effective MSS marked; and the summary numbers and warnings.

The file needs nothing else: its script, style and data are inline, it makes no
network request, and it opens from disk in Chromium or Firefox. Its data are the
documents --format json writes (analyze, explain, and map per connection), in
<script type="application/json"> blocks, so they can be extracted.

The connections drawn are those given with --conn, else those the trace used, else
the 20 largest (the others are listed). Past a bound the segments of a connection
are drawn as time bins, and the page says so.`,
		Example: `  segscope report pcaps/https-h2.pcap.gz --trace pcaps/https-h2.trace --keylog pcaps/https-h2.keys -w h2.html
  segscope report pcaps/mtu1440-ts.pcap.gz --trace pcaps/mtu1440-ts.trace -w report.html
  segscope report big.pcap --conn 3 --conn 7 -w two.html`,
		Args: captureArgs(cobra.MinimumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			// -o is the format in every command, as -w is the file: the
			// page's format is html, and an old '-o FILE' is told so.
			if f := strings.ToLower(o.format); f != "html" {
				return usageError{fmt.Errorf("--format %q: the report is html (name the page's file with -w FILE)", o.format)}
			}
			if o.output == "" {
				return usageError{errors.New("-w FILE is required: where to write the HTML report (- for standard output)")}
			}
			return runReport(s, o, args)
		},
	}
	fs := cmd.Flags()
	fs.StringVarP(&o.trace, "trace", "t", "", "the curl trace of the same transfer (curl --trace or --trace-ascii, best with --trace-time); - reads it from standard input")
	fs.StringVarP(&o.output, "write", "w", "", "the HTML file to write (- for standard output); written under a temporary name and renamed into place")
	fs.StringVarP(&o.format, "format", "o", "html", "output format: html (the only one; -o is the format in every command, -w the file)")
	fs.StringSliceVar(&o.conns, "conn", nil, "draw these connection IDs (repeatable, or comma-separated)")
	fs.StringArrayVar(&o.keylogs, "keylog", nil, "TLS key log (SSLKEYLOGFILE format) to decrypt with (repeatable); pcapng Decryption Secrets Blocks are used without it")
	fs.BoolVarP(&o.noProgress, "quiet", "q", false, "no progress indication on standard error")
	fs.IntVar(&o.maxSegments, "max-segments", htmlreport.DefaultMaxSegments, "segments drawn one by one over all connections; past it they are drawn as time bins")
	return cmd
}

func runReport(s *streams, o *reportOptions, paths []string) error {
	if o.maxSegments < 0 {
		return usageError{fmt.Errorf("--max-segments %d: a number of segments, not negative", o.maxSegments)}
	}
	if err := notAnInput(o.output, append(append([]string{o.trace}, o.keylogs...), paths...)...); err != nil {
		return err
	}
	ids, err := parseIDs(o.conns)
	if err != nil {
		return err
	}
	var tr *curltrace.Trace
	var errs []error
	if o.trace != "" {
		if tr, err = readTrace(s, o.trace, paths); err != nil {
			if tr == nil || len(tr.Events) == 0 {
				return err
			}
			errs = append(errs, err)
		}
	}
	opts := reportAnalyzeOptions(ids, tr)
	opts.Keys, opts.KeyLogErrors = o.keys()
	res, cerrs := load(s, paths, opts, !o.noProgress)
	if len(res.Sources) == 0 || res.Packets == 0 && len(cerrs) > 0 {
		// Nothing was read: a page of nothing would replace what -w
		// names (review 29: a capture cut inside its first packet).
		return errors.Join(cerrs...)
	}
	errs = append(errs, cerrs...)
	if err := missingIDs(res, ids); err != nil {
		return err // a mistake, not a result: no page replaces what -w names
	}
	in := htmlreport.Input{Capture: res, Conns: ids, Errors: errs, Options: htmlreport.Options{MaxSegments: o.maxSegments}}
	if tr != nil {
		in.Explain = explain.Explain(tr, res)
	}
	if o.output == "-" {
		err = htmlreport.Write(s.out, in)
	} else {
		err = htmlreport.WriteFile(o.output, in)
	}
	if err != nil {
		return err
	}
	for _, e := range errs {
		fmt.Fprintf(s.err, "segscope: %v\n", e)
	}
	if o.output != "-" {
		fmt.Fprintf(s.err, "segscope: wrote %s\n", o.output)
	}
	if len(errs) > 0 {
		return failed(errs)
	}
	if in.Explain != nil && in.Explain.Refused {
		// As explain: the page is written (it shows the problems), and
		// the exit status says the trace is of another transfer.
		return errors.New("the trace and the capture are of different transfers: the page lists why; no cause was given")
	}
	return nil
}

// readTrace parses the trace at path; "-" is standard input (curl
// --trace - ... | segscope explain --trace - CAPTURE), which the captures
// then cannot also be read from (review 21: "reading -: no such file").
func readTrace(s *streams, path string, captures []string) (*curltrace.Trace, error) {
	if path == "-" {
		if slices.Contains(captures, "-") {
			return nil, usageError{errors.New("--trace - and a capture on -: only one of them can come from standard input")}
		}
		return curltrace.Parse(s.in, "stdin")
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, errors.Unwrap(err))
	}
	defer f.Close()
	return curltrace.Parse(f, path)
}

// reportAnalyzeOptions keeps the segments the page draws: the connections
// asked for, else every connection (the trace's, or the largest, are only
// known at the end). With a trace the unit bound is lifted, as explain
// needs every record and frame.
func reportAnalyzeOptions(ids []int, tr *curltrace.Trace) analyze.Options {
	opts := analyze.Options{KeepSegments: func(*analyze.Connection) bool { return true }}
	if len(ids) > 0 {
		opts.KeepSegments = analyze.Filter{IDs: ids}.Match
	}
	if tr != nil {
		opts.MaxUnits = math.MaxInt32
		opts.KeepBytes = explain.Wanted(tr)
	}
	return opts
}
