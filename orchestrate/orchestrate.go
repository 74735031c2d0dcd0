// Package orchestrate runs one explained transfer: it starts the captures
// (and a server, when there is one), runs curl with a trace, --trace-time
// and a TLS key log, stops the captures once the last packets are in, and
// hands the trace and the capture to explain.
//
// It is the loop behind `segscope curl` and `segscope lab`. Where the
// packets are captured and where curl runs sit behind two small
// interfaces, Capturer and Runner: `segscope curl` captures and runs here,
// the lab inside its namespaces, and tests use fakes, so the logic is
// tested without root. It prints nothing: the caller reports the Outcome.
package orchestrate

import (
	"context"
	"errors"
	"fmt"
	"github.com/segscope/segscope/internal/tempdir"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/segscope/segscope/analyze"
	"github.com/segscope/segscope/curltrace"
	"github.com/segscope/segscope/explain"
	"github.com/segscope/segscope/sniffer"
)

// Session is a capture in progress (a *sniffer.Session).
type Session interface {
	Stop() (*analyze.Result, sniffer.Stats, error)
}

// Capturer starts a capture.
type Capturer interface {
	Start(sniffer.Options) (Session, error)
}

// Command is one client run.
type Command struct {
	Path           string
	Args           []string
	Env            []string // added to the runner's environment
	Stdin          io.Reader
	Stdout, Stderr io.Writer
}

// Runner runs a command to its end and returns its exit status; err is
// for a command that could not run at all (not found, not started), or
// was stopped by ctx.
type Runner interface {
	Run(ctx context.Context, c Command) (exit int, err error)
}

// Server is something to fetch from that lives only for the transfer.
// The orchestrator closes it after the captures stop, so that its last
// packets are captured.
type Server interface {
	Close() error
}

// Capture is one capture point.
type Capture struct {
	Name   string // "client", "server", or the interface: names the kept file
	Source Capturer
	// Options; KeyLogs, Write and the analysis bounds are filled in by Run
	// when unset.
	Options sniffer.Options
}

// Plan is one transfer.
type Plan struct {
	Curl string   // the curl binary
	Args []string // curl's arguments, the URL among them
	// Dashes is the index in Args of a "--" after which curl reads every
	// argument as a URL (0 or -1: none): the trace's options go before
	// it (review 33: after it they were taken for URLs, exit 6).
	Dashes int
	// TraceConfig adds --trace-config ids,tcp,ssl,http/2 (curl 8.3 and
	// later: component lines add evidence). See CurlAtLeast.
	TraceConfig bool
	// Dir receives trace.txt and keys.txt, and with Keep NAME.pcapng for
	// each capture. Empty: a temporary directory, removed at the end.
	Dir  string
	Keep bool
	// Captures: the first is the one explained; the others (the server's
	// side of a lab) are analysed and returned.
	Captures []Capture
	Runner   Runner
	Server   Server // closed after the captures stop; may be nil
	// Settle is how long the captures go on after curl exits, for the
	// last packets.
	Settle         time.Duration
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	Env            []string
	OnStart        func(name string, s Session) // called as each capture starts (to warn of a small buffer)
	// KeyLogCopy, when set, is a key log (the user's SSLKEYLOGFILE) that
	// this run's keys are appended to once curl exits.
	KeyLogCopy string
}

// Captured is what one capture point saw.
type Captured struct {
	Name   string
	Result *analyze.Result
	Stats  sniffer.Stats
	File   string // the kept pcapng, when kept
}

// Outcome is the transfer, captured and explained.
type Outcome struct {
	started     time.Time // when curl was started: files changed since are not replaced
	Dir         string    // where the files are (gone when not kept)
	Trace       *curltrace.Trace
	Captures    []Captured // in the plan's order
	Explanation *explain.Result
	// Errors are what went wrong without stopping the explanation: a
	// capture's error, curl's exit status, a trace partly parsed, drops.
	Errors   []error
	CurlExit int
	// Interrupted: ctx was cancelled (a signal) before curl was done;
	// Explanation is of what it traced until then.
	Interrupted bool

	args []string // the user's curl arguments, for the explanation
}

// Files in Dir.
const (
	TraceFile = "trace.txt"
	KeysFile  = "keys.txt"
)

// ErrNoTrace is wrapped when curl left no trace to explain.
var ErrNoTrace = errors.New("curl wrote no trace: nothing to explain")

// Run carries out the plan. Whatever happens (an error, ctx cancelled by
// a signal) the captures are stopped, the server closed and the temporary
// files removed before it returns. err is set when there is nothing to
// explain; otherwise the Outcome carries the lesser errors.
func Run(ctx context.Context, p Plan) (out *Outcome, err error) {
	if len(p.Captures) == 0 {
		return nil, errors.New("orchestrate: no capture in the plan")
	}
	if p.Runner == nil {
		p.Runner = Exec{}
	}
	out = &Outcome{Dir: p.Dir, args: p.Args}
	if out.Dir == "" {
		// The directories of runs killed before they could remove theirs
		// (SIGKILL) go first: they hold traces and TLS key logs.
		if _, err := tempdir.Reap("segscope-run"); err != nil {
			out.Errors = append(out.Errors, fmt.Errorf("removing what killed runs left: %w", err))
		}
		if out.Dir, err = tempdir.Make("segscope-run"); err != nil {
			return nil, err
		}
		defer os.RemoveAll(out.Dir)
	} else {
		// A kept directory this run makes goes again if the run leaves
		// nothing in it (review 24: curl failing on its options left an
		// empty one, where the README says DIR is left as it was).
		if _, err := os.Stat(out.Dir); errors.Is(err, os.ErrNotExist) {
			defer os.Remove(out.Dir) // only when empty
		}
		if err := os.MkdirAll(out.Dir, 0o755); err != nil {
			return nil, err
		}
	}
	if p.Server != nil {
		defer func() {
			if cerr := p.Server.Close(); cerr != nil {
				out.Errors = append(out.Errors, fmt.Errorf("server: %w", cerr))
			}
		}()
	}
	// A kept directory may hold an earlier run's files: this run writes
	// its own beside them, in a directory of its own, and they replace
	// the earlier ones only once curl has traced (review 21: a mistyped
	// interface had deleted the earlier trace, key log and capture).
	work := out.Dir
	if p.Keep && p.Dir != "" {
		if work, err = os.MkdirTemp(out.Dir, ".segscope-run-"); err != nil {
			return nil, err
		}
		// Clean, as filepath.Dir is: "./.segscope-run-1" for --keep .
		// never equalled the capture's directory, and the capture went
		// with the work directory (review 32).
		work = filepath.Clean(work)
		defer os.RemoveAll(work) // empty once published
	}
	keys := filepath.Join(work, KeysFile)
	trace := filepath.Join(work, TraceFile)

	caps, err := startCaptures(p, work, keys)
	defer func() { // only on the early returns: the normal path stops them itself
		for _, r := range caps {
			if r.sess != nil {
				r.sess.Stop()
				r.close()
			}
		}
	}()
	if err != nil {
		return nil, err
	}

	out.started = time.Now()
	exit, rerr := p.Runner.Run(ctx, Command{Path: p.Curl, Args: curlArgs(p, trace),
		Env:   append(append([]string(nil), p.Env...), "SSLKEYLOGFILE="+keys),
		Stdin: p.Stdin, Stdout: p.Stdout, Stderr: p.Stderr})
	if rerr == nil && ctx.Err() == nil {
		wait(ctx, p.Settle)
	}
	out.stop(caps)
	caps = nil
	if p.KeyLogCopy != "" {
		if err := appendFile(p.KeyLogCopy, keys); err != nil {
			out.Errors = append(out.Errors, fmt.Errorf("adding this run's keys to SSLKEYLOGFILE %s: %w", p.KeyLogCopy, err))
		}
	}
	if work != out.Dir {
		if _, err := os.Stat(trace); err == nil {
			var perr error
			trace, perr = out.publish(work, trace, keys)
			if perr != nil {
				out.Errors = append(out.Errors, perr)
			}
		} else {
			out.Errors = append(out.Errors, fmt.Errorf("%s is kept as it was: this run wrote no trace", out.Dir))
		}
	}
	// The trace is named as the report will show it: its path when kept,
	// none when it goes with the temporary directory.
	name := trace
	if !p.Keep {
		name = ""
	}
	if cerr := ctx.Err(); cerr != nil {
		// Stopped by a signal: what curl traced up to then is explained
		// all the same (the caller reports it and exits as the signal
		// says); the temporary directory goes as on every return.
		out.Interrupted = true
		if err := out.explain(trace, name); err != nil {
			out.Errors = append(out.Errors, err)
		}
		return out, cerr
	}
	if rerr != nil {
		return out, fmt.Errorf("running curl: %w", rerr)
	}
	out.CurlExit = exit
	if exit != 0 {
		if exit > 128 {
			out.Errors = append(out.Errors, fmt.Errorf("curl was killed by signal %d (status %d); the capture is explained all the same", exit-128, exit))
		} else {
			out.Errors = append(out.Errors, fmt.Errorf("curl exited with status %d (%s); the capture is explained all the same", exit, exitNote(p.Args, exit)))
		}
	}
	return out, out.explain(trace, name)
}

// appendFile appends the file from (when there is one) to to.
func appendFile(to, from string) error {
	b, err := os.ReadFile(from)
	if errors.Is(err, os.ErrNotExist) || len(b) == 0 {
		return nil
	}
	if err != nil {
		return err
	}
	f, err := os.OpenFile(to, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// publish moves this run's files from work into the kept directory,
// replacing an earlier run's (and removing an earlier key log this run
// has none for, which would not be its keys), and returns the trace's new
// path.
func (out *Outcome) publish(work, trace, keys string) (string, error) {
	var errs []error
	move := func(from string) string {
		to := filepath.Join(out.Dir, filepath.Base(from))
		if st, err := os.Lstat(to); err == nil && !st.ModTime().Before(out.started) {
			// Written during the run, by curl most likely (-J, a glob, a
			// -K config: names the command line does not show; review
			// 36): not replaced. Ours goes beside it.
			alt := to + ".segscope"
			errs = append(errs, fmt.Errorf("%s was written during the run (by curl?) and is left as it is: segscope's is %s", to, alt))
			to = alt
		}
		if _, err := os.Stat(from); err != nil {
			if err := os.Remove(to); err != nil && !errors.Is(err, os.ErrNotExist) {
				errs = append(errs, err)
			}
			return to
		}
		if err := os.Rename(from, to); err != nil {
			errs = append(errs, err)
			return from
		}
		return to
	}
	trace = move(trace)
	move(keys)
	for i := range out.Captures {
		if c := &out.Captures[i]; c.File != "" && filepath.Dir(c.File) == work {
			c.File = move(c.File)
		}
	}
	return trace, errors.Join(errs...)
}

// stop stops every capture, in order. (sniffer analyses a capture again
// with every key once it stops, so records that passed before curl wrote
// their secrets are decrypted.)
func (out *Outcome) stop(caps []*running) {
	for _, r := range caps {
		c, err := r.stop()
		out.Captures = append(out.Captures, c)
		if err != nil {
			out.Errors = append(out.Errors, fmt.Errorf("%s: %w", captureLabel(c.Name), err))
		}
		if c.Stats.Dropped > 0 {
			out.Errors = append(out.Errors, fmt.Errorf("%s capture: the kernel dropped %d packets: reads that needed them are explained as missing", c.Name, c.Stats.Dropped))
		}
	}
}

// explain parses curl's trace and explains it against the first capture.
func (out *Outcome) explain(path, name string) error {
	tf, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("%w (%v)", ErrNoTrace, err)
	}
	tr, terr := curltrace.Parse(tf, name)
	tf.Close()
	if tr == nil {
		return terr
	}
	if terr != nil {
		out.Errors = append(out.Errors, terr)
	}
	out.Trace = tr
	tr.Args = out.args // what --limit-rate curl ran with, which the trace does not say
	out.Explanation = explain.Explain(tr, out.Captures[0].Result)
	return nil
}

// exitNote says where curl's message for a failure is: above, unless -s
// without -S kept it back (review 16); then what the status means, for
// the common ones (curl's man page, EXIT CODES).
func exitNote(args []string, exit int) string {
	silent, show := false, false
	for _, a := range args {
		switch {
		case a == "--silent":
			silent = true
		case a == "--show-error":
			show = true
		case len(a) > 1 && a[0] == '-' && a[1] != '-':
			// A cluster of short flags (-sSL); a value-taking flag
			// ends it, and what follows is its value (-o-s).
			for _, c := range a[1:] {
				if strings.ContainsRune("oOdDeEHuUxXAbcCrTwzKmYyP", c) {
					break
				}
				silent = silent || c == 's'
				show = show || c == 'S'
			}
		}
	}
	if !silent || show {
		return "its message went to standard error"
	}
	meaning := map[int]string{6: "could not resolve the host", 7: "could not connect", 18: "the transfer ended early", 22: "an HTTP error with --fail", 28: "timed out", 35: "the TLS handshake failed", 52: "the server replied nothing", 56: "receiving failed"}[exit]
	if meaning == "" {
		return "-s kept its message back: see EXIT CODES in man curl"
	}
	return "-s kept its message back: " + meaning
}

// curlArgs are the user's arguments, then the trace's: curl keeps the
// last of -v, --trace and --trace-ascii (review 16: a -v of the user's
// after them left no trace, and nothing to explain), and the trace
// options are global, so they hold across --next.
func curlArgs(p Plan, trace string) []string {
	head, tail := p.Args, []string(nil)
	if p.Dashes > 0 && p.Dashes < len(p.Args) && p.Args[p.Dashes] == "--" {
		head, tail = p.Args[:p.Dashes], p.Args[p.Dashes:]
	}
	args := append(slices.Clone(head), "--trace", trace, "--trace-time")
	if p.TraceConfig {
		args = append(args, "--trace-config", "ids,tcp,ssl,http/2")
	}
	return append(args, tail...)
}

func wait(ctx context.Context, d time.Duration) {
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

type running struct {
	name  string
	sess  Session
	file  *os.File
	path  string
	iface string
}

func (r *running) close() error {
	if r.file == nil {
		return nil
	}
	err := r.file.Close()
	r.file = nil
	return err
}

func (r *running) stop() (Captured, error) {
	res, st, err := r.sess.Stop()
	r.sess = nil
	if cerr := r.close(); cerr != nil {
		err = errors.Join(err, cerr)
	}
	if res != nil && len(res.Sources) == 0 && r.iface != "" {
		res.Sources = []string{r.iface} // a live capture's source is its interface
	}
	return Captured{Name: r.name, Result: res, Stats: st, File: r.path}, err
}

// startCaptures starts every capture, in order; on an error the ones
// started are returned so the caller stops them.
func startCaptures(p Plan, dir, keys string) ([]*running, error) {
	var rs []*running
	for _, c := range p.Captures {
		o := c.Options
		if o.KeyLogs == nil {
			o.KeyLogs = []string{keys}
		}
		if o.Analyze.MaxUnits == 0 {
			// Every record, frame and chunk, so each read finds its unit.
			o.Analyze.MaxUnits = math.MaxInt32
		}
		if o.Analyze.KeepSegments == nil {
			// The capture filter keeps only the transfer: keep every
			// segment for explain.
			o.Analyze.KeepSegments = func(*analyze.Connection) bool { return true }
		}
		if o.Analyze.KeepBytes == nil {
			// and their bytes, where explain finds curl's logged bytes.
			o.Analyze.KeepBytes = func(*analyze.Connection) bool { return true }
		}
		r := &running{name: c.Name, iface: o.Live.Interface}
		if p.Keep && o.Write == nil {
			r.path = filepath.Join(dir, c.Name+".pcapng")
			f, err := os.Create(r.path)
			if err != nil {
				return rs, err
			}
			r.file, o.Write = f, f
		}
		sess, err := c.Source.Start(o)
		if err != nil {
			r.close()
			os.Remove(r.path)
			return rs, fmt.Errorf("%s: %w", captureLabel(c.Name), err)
		}
		r.sess = sess
		rs = append(rs, r)
		if p.OnStart != nil {
			p.OnStart(c.Name, sess)
		}
	}
	return rs, nil
}

// captureLabel names a capture in messages: "client capture", or
// "capture" for segscope curl's one (not "capture capture").
func captureLabel(name string) string {
	if name == "capture" {
		return name
	}
	return name + " capture"
}
