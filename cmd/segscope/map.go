package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/segscope/segscope/analyze"
	"github.com/segscope/segscope/report"
)

type mapOptions struct {
	captureOptions
	streamOptions
	conn      int
	bySegment bool
}

func newMapCmd(s *streams) *cobra.Command {
	o := &mapOptions{}
	cmd := &cobra.Command{
		Use:   "map FILE... --conn ID",
		Short: "Map one connection's HTTP messages, chunks, TLS records and HTTP/2 frames onto its segments",
		Long: `Map prints the boundary map of one connection: every application unit (HTTP
request and response header blocks, bodies, each chunk of a chunked body, TLS
records, HTTP/2 frames) with its range on the direction's stream, the segment that
carried its first byte and the one that carried its last ("#8@258" is byte 258 of
packet 8's payload), and how many segments carried it. With --by segment it prints
the timeline the other way round: every data segment with the units it carried and
where they sat inside it.`,
		Example: `  segscope map --conn 0 pcaps/lo-chunked.pcap
  segscope map --conn 0 --by segment pcaps/https-tls13.pcap.gz
  segscope map --conn 0 --format csv pcaps/h2c.pcap > frames.csv`,
		Args: captureArgs(cobra.MinimumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			if !cmd.Flags().Changed("conn") {
				return usageError{fmt.Errorf("--conn is required: which connection to map (IDs are in 'segscope analyze')")}
			}
			return runMap(s, o, args)
		},
	}
	o.captureOptions.addFlags(cmd.Flags())
	o.streamOptions.addFlags(cmd.Flags())
	cmd.Flags().IntVar(&o.conn, "conn", 0, "the connection ID to map (required)")
	var by string
	cmd.Flags().StringVar(&by, "by", "unit", "unit: one row per unit; segment: one row per data segment")
	cmd.PreRunE = func(cmd *cobra.Command, args []string) error {
		switch by {
		case "unit":
		case "segment":
			o.bySegment = true
		default:
			return usageError{fmt.Errorf("--by %q: use unit or segment", by)}
		}
		return nil
	}
	return cmd
}

func runMap(s *streams, o *mapOptions, paths []string) error {
	format, filter, err := o.parse()
	if err != nil {
		return err
	}
	filter.IDs = []int{o.conn}
	if err := o.streamOptions.check(); err != nil {
		return err
	}
	opts := o.streamOptions.options()
	opts.KeepSegments = filter.Match
	opts.Keys, opts.KeyLogErrors = o.keys()
	res, errs := load(s, paths, opts, !o.noProgress)
	conns := res.Select(filter)
	if len(res.Sources) > 0 && len(conns) == 0 {
		return fmt.Errorf("no connection %d in %d connections (that pass the filters)", o.conn, len(res.Connections))
	}
	var m report.BoundaryMap
	if len(conns) > 0 {
		m = report.BoundaryMap{Result: res, Conn: conns[0], Map: conns[0].Map(), BySegment: o.bySegment, Errors: errs}
	}
	return writeReport(s, m, format, res, errs)
}

// streamOptions are the flags that tune reassembly and the application
// layer, shared by analyze and map.
type streamOptions struct {
	segmentsOnly     bool
	maxBuffered      int64
	maxBufferedTotal int64
	maxUnits         int
	hashBodies       bool
}

func (o *streamOptions) addFlags(fs interface {
	BoolVar(*bool, string, bool, string)
	Int64Var(*int64, string, int64, string)
	IntVar(*int, string, int, string)
}) {
	fs.Int64Var(&o.maxBuffered, "max-buffered", 4<<20, "out-of-order bytes held per direction while waiting for missing ones; past it they become gaps")
	fs.Int64Var(&o.maxBufferedTotal, "max-buffered-total", analyze.DefaultMaxBufferedTotal, "out-of-order bytes held for the whole capture")
	fs.IntVar(&o.maxUnits, "max-units", analyze.DefaultMaxUnits, "HTTP exchanges, chunks, TLS records and HTTP/2 frames listed per connection and direction; more are counted, not listed")
	fs.BoolVar(&o.hashBodies, "hash-bodies", false, "compute the SHA-256 of every HTTP/1 body (body_sha256 in JSON)")
}

// check refuses negative bounds (review 21).
func (o *streamOptions) check() error {
	switch {
	case o.maxBuffered < 0:
		return usageError{fmt.Errorf("--max-buffered %d: a number of bytes, not negative", o.maxBuffered)}
	case o.maxBufferedTotal < 0:
		return usageError{fmt.Errorf("--max-buffered-total %d: a number of bytes, not negative", o.maxBufferedTotal)}
	case o.maxUnits < 0:
		return usageError{fmt.Errorf("--max-units %d: a number of units, not negative", o.maxUnits)}
	}
	return nil
}

func (o *streamOptions) options() analyze.Options {
	return analyze.Options{SegmentsOnly: o.segmentsOnly, MaxBuffered: o.maxBuffered, MaxBufferedTotal: o.maxBufferedTotal, MaxUnits: o.maxUnits, HashBodies: o.hashBodies}
}
