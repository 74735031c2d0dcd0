package main

import (
	"errors"
	"fmt"
	"sync/atomic"
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
	// graceSet: --close-grace was given: a connection that closed
	// cleanly is held for it too (analyze.Options.HoldClosed).
	graceSet bool
}

func (o *liveOptions) addFlags(fs *pflag.FlagSet) {
	fs.StringVarP(&o.writeDir, "write-dir", "w", "", "with --format parquet: the directory to write the Parquet files to (created if missing)")
	fs.DurationVar(&o.idleTimeout, "idle-timeout", analyze.DefaultIdleTimeout, "with --format json, csv, jsonl or parquet: end a connection idle this long (capture time)")
	fs.DurationVar(&o.closeGrace, "close-grace", analyze.DefaultCloseGrace, "with --format json, csv, jsonl or parquet: how long after its FINs or RST a connection still takes packets (capture time); a connection whose FINs were both acknowledged is written at once, and packets that still come are reported as late, unless this is given")
	fs.IntVar(&o.maxLive, "max-live", analyze.DefaultMaxLive, "with --format json, csv, jsonl or parquet: most connections held at once; past it the least recently active one is ended early (reported)")
}

// check refuses negative bounds: a command-line mistake, not "the
// default" (review 21: --max-live -5 ran with the default).
func (o *liveOptions) check() error {
	switch {
	case o.idleTimeout < 0:
		return usageError{fmt.Errorf("--idle-timeout %v: a time, not negative", o.idleTimeout)}
	case o.closeGrace < 0:
		return usageError{fmt.Errorf("--close-grace %v: a time, not negative", o.closeGrace)}
	case o.maxLive < 0:
		return usageError{fmt.Errorf("--max-live %d: a number of connections, not negative", o.maxLive)}
	}
	return nil
}

func (o *liveOptions) apply(opts *analyze.Options) {
	opts.IdleTimeout, opts.CloseGrace, opts.MaxLive = o.idleTimeout, o.closeGrace, o.maxLive
	opts.HoldClosed = o.graceSet
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
// each connection that passes match, as soon as it ends, to the writer mk
// makes; then the result to its Close. The writer runs on a goroutine of
// its own (report.Async): first gives it the capture's first frame time
// as it was when the connection it writes ended. Errors are handled as
// load does.
func loadStreamed(s *streams, paths []string, opts analyze.Options, flt analyze.Filter, mk func(first func() int64) report.ConnWriter, progress bool) error {
	match := flt.Match
	var aw *report.Async
	out := mk(func() int64 { return aw.First.Load() })
	_, isDoc := out.(documentWriter)
	aw = report.NewAsync(out)
	// Done runs on the analysis's goroutines one call at a time. Once
	// writing failed, the analysis stops at its next packet (a pipe from
	// tcpdump into a full disk must not run on until tcpdump ends).
	var outErr error
	var outFailed atomic.Bool
	var a *analyze.Analyzer
	opts.Done = func(c *analyze.Connection, ws []analyze.Warning, first int64) {
		switch {
		case outErr != nil:
		case match(c):
			outErr = aw.Put(c, ws, first)
		case isDoc:
			outErr = aw.Skip(c.ID, first)
		}
		if outErr != nil && !outFailed.Swap(true) {
			a.Stop()
		}
	}
	a = analyze.New(opts)
	errs := readAll(s, a, paths, progress, outFailed.Load)
	res := a.Result() // the last connections are handed over here
	if err := aw.Wait(); err != nil {
		out.Close(nil, nil) // drop what was started
		return err
	}
	aw.First.Store(res.First)
	errs = append(errs, res.KeyLogErrors...)
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
