package main

import (
	"errors"
	"time"

	"github.com/spf13/pflag"

	"github.com/segscope/segscope/analyze"
	"github.com/segscope/segscope/report"
)

// liveOptions are the flags of the streaming formats (jsonl, parquet).
type liveOptions struct {
	writeDir    string
	idleTimeout time.Duration
	closeGrace  time.Duration
	maxLive     int
	// bufferedSet: --max-buffered-total was given; otherwise streaming
	// holds at most analyze.DefaultStreamingMaxBufferedTotal.
	bufferedSet bool
}

func (o *liveOptions) addFlags(fs *pflag.FlagSet) {
	fs.StringVarP(&o.writeDir, "write-dir", "w", "", "with --format parquet: the directory to write the Parquet files to (created if missing)")
	fs.DurationVar(&o.idleTimeout, "idle-timeout", analyze.DefaultIdleTimeout, "with --format json, csv, jsonl or parquet: end a connection idle this long (capture time)")
	fs.DurationVar(&o.closeGrace, "close-grace", analyze.DefaultCloseGrace, "with --format json, csv, jsonl or parquet: how long after its FINs or RST a connection still takes packets (capture time)")
	fs.IntVar(&o.maxLive, "max-live", analyze.DefaultMaxLive, "with --format json, csv, jsonl or parquet: most connections held at once; past it the least recently active one is ended early (reported)")
}

func (o *liveOptions) apply(opts *analyze.Options) {
	opts.IdleTimeout, opts.CloseGrace, opts.MaxLive = o.idleTimeout, o.closeGrace, o.maxLive
	if !o.bufferedSet {
		opts.MaxBufferedTotal = analyze.DefaultStreamingMaxBufferedTotal
	}
}

// documentWriter is a ConnWriter of one document in ID order (analyze's
// JSON and CSV): it is told of the connections it leaves out, and it is
// finished even when a --conn was missing.
type documentWriter interface {
	report.ConnWriter
	Skip(id int) error
}

// loadStreamed analyzes the captures in order, as one capture, handing
// each connection that passes match to w as soon as it ends; then the
// result to out.Close. Errors are handled as load does. started, when
// set, is given the analyzer before the first packet.
func loadStreamed(s *streams, paths []string, opts analyze.Options, flt analyze.Filter, out report.ConnWriter, started func(*analyze.Analyzer), progress bool) error {
	match := flt.Match
	var outErr error
	doc, isDoc := out.(documentWriter)
	opts.Done = func(c *analyze.Connection, ws []analyze.Warning) {
		switch {
		case outErr != nil:
		case match(c):
			outErr = out.Conn(c, ws)
		case isDoc:
			outErr = doc.Skip(c.ID)
		}
	}
	a := analyze.New(opts)
	if started != nil {
		started(a)
	}
	errs := readAll(s, a, paths, progress, func() bool { return outErr != nil })
	res := a.Result()
	errs = append(errs, res.KeyLogErrors...)
	if outErr != nil {
		return outErr
	}
	if len(res.Sources) == 0 {
		out.Close(nil, nil) // nothing written: drop what was started
		return errors.Join(errs...)
	}
	if err := missingIDs(res, flt.IDs); err != nil && isDoc {
		// The document is finished, saying what was missing, as the
		// whole-capture report did.
		errs = append(errs, err)
	} else if err != nil {
		// A --conn the capture lacks is a mistake, not a result: no file
		// is replaced by an empty one.
		out.Close(nil, nil)
		return err
	}
	if err := out.Close(res, errs); err != nil {
		return err
	}
	if len(errs) > 0 {
		for _, err := range errs {
			s.err.Write([]byte("segscope: " + err.Error() + "\n"))
		}
		return failed(errs)
	}
	return nil
}
