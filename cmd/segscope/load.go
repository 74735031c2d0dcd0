package main

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"

	"github.com/spf13/pflag"

	"github.com/segscope/segscope/analyze"
	"github.com/segscope/segscope/capture"
	"github.com/segscope/segscope/keylog"
	"github.com/segscope/segscope/report"
)

// captureOptions are the flags shared by the commands that read captures.
type captureOptions struct {
	format     string
	formats    string // the formats the command writes, for its errors ("table, json or csv" when empty)
	hosts      []string
	ports      []string
	noProgress bool
	keylogs    []string
}

func (o *captureOptions) addFlags(fs *pflag.FlagSet) {
	fs.StringVarP(&o.format, "format", "o", "table", "output format: table, json or csv")
	fs.StringSliceVar(&o.hosts, "host", nil, "only connections with this IP address at either end (repeatable, or comma-separated)")
	fs.StringSliceVar(&o.ports, "port", nil, "only connections with this port at either end (repeatable, or comma-separated)")
	fs.BoolVarP(&o.noProgress, "quiet", "q", false, "no progress indication on standard error")
	fs.StringArrayVar(&o.keylogs, "keylog", nil, "TLS key log (SSLKEYLOGFILE format) to decrypt with (repeatable); pcapng Decryption Secrets Blocks are used without it")
}

// keys reads the --keylog files into one store. A file that cannot be
// read, or is not a key log, gives an error naming it (and the line); the
// good lines are kept and the analysis goes on, so nothing else is lost.
func (o *captureOptions) keys() (*keylog.Store, []error) {
	ks := &keylog.Store{}
	var errs []error
	for _, path := range o.keylogs {
		before := ks.Len()
		if err := ks.LoadFile(path); err != nil {
			errs = append(errs, fmt.Errorf("--keylog: %w", err))
		} else if ks.Len() == before && !hasKeyLines(path) {
			// Review 17: an empty file was taken in silence, and the
			// advice then asked for the key log.
			errs = append(errs, fmt.Errorf("--keylog %s: no key log lines in it (CLIENT_RANDOM, *_TRAFFIC_SECRET_0, ...): nothing to decrypt with", path))
		}
	}
	return ks, errs
}

// hasKeyLines tells whether the key log at path has any secret for the
// Store (its client randoms may all have been in an earlier file).
func hasKeyLines(path string) bool {
	one := &keylog.Store{}
	return one.LoadFile(path) == nil && one.Len() > 0
}

func (o *captureOptions) parse() (report.Format, analyze.Filter, error) {
	f, err := report.ParseFormat(o.format)
	if err != nil {
		list := o.formats
		if list == "" {
			list = "table, json or csv"
		}
		return "", analyze.Filter{}, usageError{fmt.Errorf("--format %q: use %s", o.format, list)}
	}
	var flt analyze.Filter
	for _, h := range o.hosts {
		// "[fd00::2]", as addresses with a port are written, is taken too.
		a, err := netip.ParseAddr(strings.TrimSuffix(strings.TrimPrefix(h, "["), "]"))
		if err != nil {
			return "", flt, usageError{fmt.Errorf("--host %q: not an IP address (names are not resolved)", h)}
		}
		flt.Hosts = append(flt.Hosts, a.Unmap())
	}
	for _, p := range o.ports {
		n, err := strconv.ParseUint(p, 10, 16)
		if err != nil || n == 0 {
			return "", flt, usageError{fmt.Errorf("--port %s: not a TCP port (1-65535)", p)}
		}
		flt.Ports = append(flt.Ports, uint16(n))
	}
	return f, flt, nil
}

// load analyzes the captures in order, as one capture. A file that cannot
// be opened or read to the end adds an error; whatever was read of it
// stays in the result.
func load(s *streams, paths []string, aopts analyze.Options, progress bool) (*analyze.Result, []error) {
	a := analyze.New(aopts)
	errs := readAll(s, a, paths, progress, func() bool { return false })
	res := a.Result()
	errs = append(errs, res.KeyLogErrors...)
	// The analysis is done: hand the memory it no longer needs (reassembly
	// and parser state, decode buffers) back before the report is built.
	debug.FreeOSMemory()
	return res, errs
}

// readAll feeds the captures to a in order ("-" is standard input),
// showing progress on a terminal, until they end or stop says so. It
// returns the files' errors.
func readAll(s *streams, a *analyze.Analyzer, paths []string, progress bool, stop func() bool) (errs []error) {
	if sorted, moved := capture.TimeOrder(paths); moved {
		fmt.Fprintf(s.err, "segscope: reading the %d files in the order of their first packet (%s), not as given: the shell sorts tcpdump -C/-G names (x.pcap10 before x.pcap2) out of time order\n", len(paths), strings.Join(sorted, ", "))
		paths = sorted
	}
	var (
		mu  sync.Mutex
		cur *capture.File // the file being read
	)
	clear := interrupts.onStop(func() {
		a.Stop()
		// A read can wait on a pipe whose writer lives on: end it.
		mu.Lock()
		if cur != nil {
			cur.Interrupt()
		}
		mu.Unlock()
	})
	defer func() {
		clear()
		if sig, ok := interrupts.signal(); ok {
			errs = append(errs, interruptError{sig})
		}
	}()
	for _, path := range paths {
		var (
			src *capture.File
			err error
		)
		if path == "-" {
			src, err = capture.NewReader("stdin", s.in, 0)
		} else {
			src, err = capture.Open(path)
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		done := func() {}
		if progress && isTerminal(s.err) {
			done = showProgress(s.err, src)
		}
		mu.Lock()
		cur = src
		mu.Unlock()
		err = a.ReadAll(src)
		mu.Lock()
		cur = nil
		mu.Unlock()
		done()
		src.Close()
		if errors.Is(err, analyze.ErrStopped) {
			break // the deferred end says why
		}
		if err != nil {
			errs = append(errs, err)
		}
		if stop() {
			break
		}
	}
	return errs
}

func isTerminal(w any) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// missingIDs is an error naming the --conn IDs the capture has no
// connection for (nil when it has them all): a typo must not look like a
// connection without packets.
func missingIDs(res *analyze.Result, ids []int) error {
	if len(ids) == 0 || len(res.Sources) == 0 {
		return nil
	}
	have := map[int]bool{}
	for _, c := range res.Connections {
		have[c.ID] = true
	}
	// Streamed connections are gone from the result: their IDs are the
	// ones before the count.
	if res.Streamed > 0 {
		for id := range res.Streamed + len(res.Connections) {
			have[id] = true
		}
	}
	var missing []string
	for _, id := range ids {
		if !have[id] {
			missing = append(missing, strconv.Itoa(id))
		}
	}
	if len(missing) == 0 {
		return nil
	}
	span := "none"
	if n := len(have); n > 0 {
		last := 0
		for id := range have {
			last = max(last, id)
		}
		span = fmt.Sprintf("0 to %d", last)
	}
	return fmt.Errorf("--conn %s: no such connection (the capture's connection IDs are %s)", strings.Join(missing, ","), span)
}

// parseIDs reads --conn values.
func parseIDs(vals []string) ([]int, error) {
	var ids []int
	for _, v := range vals {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return nil, usageError{fmt.Errorf("--conn %q: not a connection ID (a number from the analyze table)", v)}
		}
		ids = append(ids, n)
	}
	return ids, nil
}
