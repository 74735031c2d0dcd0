package main

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/segscope/segscope/lab"
	"github.com/segscope/segscope/report"
	"github.com/segscope/segscope/report/htmlreport"
	"github.com/segscope/segscope/report/prose"
)

type labOptions struct {
	format string
	// path
	mtu                      int
	ipv6                     bool
	mss                      int
	timestamps, sack         bool
	offloads                 string
	tso, gso, gro            bool
	rate, burst, delay, loss string
	// server
	size       string
	chunked    bool
	writeSize  int
	writeDelay time.Duration
	tls        string
	http2      bool
	// run
	serverCapture bool
	nice          int
	curl          string
	keep          string
	settle        time.Duration
	verbose       bool
	compare       string
	preset        string
	html          string
}

// labNotCompared are the flags that say how to run, not what: --compare and
// --preset cannot vary them.
var labNotCompared = map[string]bool{"compare": true, "preset": true, "keep": true, "format": true, "verbose": true, "html": true}

func newLabCmd(s *streams) *cobra.Command { return labCommand(s, &labOptions{}) }

// labCommand builds the command over o, which tests read back.
func labCommand(s *streams, o *labOptions) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "lab [flags] [-- CURL-ARGS...]",
		Short: "Reproduce a segmentation condition in two network namespaces and explain curl's reads",
		Long: `Lab builds two network namespaces joined by a veth pair (addresses and names of
its own, so several labs run at once), shapes the path (MTU, MSS clamp, IPv6,
TCP timestamps and SACK, offloads, a tbf rate), serves a generated body from a
built-in Go server in the server namespace, captures on the client's veth (and
with --server-capture on the server's), runs the real curl in the client
namespace with --trace, --trace-time and a TLS key log, and prints the
'segscope explain' report. Everything is torn down afterwards: on success, on
failure, on Ctrl-C and on SIGTERM.

--compare FLAG=V1,V2,... runs one transfer per value and prints the conditions
side by side; --preset NAME runs a named set of conditions (1388: the three
ways to get 1388-byte reads; timestamps; offloads; pacing).

Arguments after -- go to curl, before the URL. netem (--delay, --loss) needs
a kernel with sch_netem; where it is missing the lab says so and stops.

Needs root (network namespaces), ip, tc and ethtool.`,
		Example: `  sudo segscope lab --mtu 1440
  sudo segscope lab --compare timestamps=true,false --mtu 1440
  sudo segscope lab --preset 1388
  sudo segscope lab --tls 1.3 --write-size 1388 --keep /tmp/run
  sudo segscope lab --offloads on --server-capture --rate 0`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runLab(s, cmd.Flags(), o, args)
		},
	}
	addLabFlags(cmd.Flags(), o)
	cmd.Flags().StringVarP(&o.format, "format", "o", "table", "report format: table, json or csv")
	cmd.Flags().StringVar(&o.keep, "keep", "", "keep the captures (client.pcapng, server.pcapng), the trace (trace.txt), the key log (keys.txt) and the certificate (ca.pem) in this directory (one subdirectory per condition with --compare or --preset)")
	cmd.Flags().BoolVarP(&o.verbose, "verbose", "v", false, "show the commands that build the lab")
	cmd.Flags().Var(&onceString{v: &o.compare, name: "compare"}, "compare", "run once per value of one flag and compare, e.g. mtu=1500,1440,1400 or timestamps=true,false (one --compare: one flag at a time)")
	cmd.Flags().StringVar(&o.html, "html", "", "also write the HTML report (segments, records and reads drawn) to this file; with --compare or --preset one file per condition, FILE-1-LABEL.html...")
	cmd.Flags().StringVar(&o.preset, "preset", "", "run a named set of conditions and compare: "+strings.Join(presetNames(), ", "))
	return cmd
}

// addLabFlags declares the flags that say what a condition is. --compare
// reparses them once per value on a fresh set.
func addLabFlags(f *pflag.FlagSet, o *labOptions) {
	f.IntVar(&o.mtu, "mtu", 1500, "MTU of the veth pair")
	f.BoolVar(&o.ipv6, "ipv6", false, "fetch over IPv6")
	f.IntVar(&o.mss, "mss", 0, "clamp the MSS both sides advertise (the routes' advmss); 0: from the MTU")
	f.BoolVar(&o.timestamps, "timestamps", true, "TCP timestamps (net.ipv4.tcp_timestamps, both namespaces)")
	f.BoolVar(&o.sack, "sack", true, "TCP SACK (net.ipv4.tcp_sack, both namespaces)")
	f.StringVar(&o.offloads, "offloads", "off", "on or off: TSO, GSO and GRO on both veth ends (--tso, --gso, --gro override one)")
	f.BoolVar(&o.tso, "tso", false, "TCP segmentation offload")
	f.BoolVar(&o.gso, "gso", false, "generic segmentation offload")
	f.BoolVar(&o.gro, "gro", false, "generic receive offload")
	f.StringVar(&o.rate, "rate", "20mbit", "pace the server's side with tbf at this rate (tc syntax); 0 or none: unpaced")
	f.StringVar(&o.burst, "burst", "", "tbf's burst (tc syntax, e.g. 32kbit); default: one full frame, or 100us of the rate when more")
	f.StringVar(&o.delay, "delay", "", "add delay with netem, e.g. 20ms (needs sch_netem in the kernel)")
	f.StringVar(&o.loss, "loss", "", "drop packets with netem, e.g. 1% (needs sch_netem in the kernel)")
	f.StringVar(&o.size, "size", "1M", "body size (bytes, or with K, M, G: 1024-based)")
	f.BoolVar(&o.chunked, "chunked", false, "send the body chunked (one chunk per write)")
	f.IntVar(&o.writeSize, "write-size", 0, "the server writes (and flushes) the body in pieces of this many bytes; with TLS each piece is one record")
	f.DurationVar(&o.writeDelay, "write-delay", 0, "wait this long between the server's writes")
	f.StringVar(&o.tls, "tls", "", "serve HTTPS with TLS 1.2 or 1.3 (a generated certificate, which curl is given)")
	f.BoolVar(&o.http2, "http2", false, "serve HTTP/2 (h2 over TLS, prior knowledge in the clear)")
	f.BoolVar(&o.serverCapture, "server-capture", false, "also capture on the server's veth (above TSO: shows super-segments when offloads are on)")
	f.StringVar(&o.curl, "curl", "curl", "the curl binary to run")
	f.IntVar(&o.nice, "nice", -15, "run curl at this niceness, so a busy machine does not make it lag behind the path (0: as segscope)")
	f.DurationVar(&o.settle, "settle", 200*time.Millisecond, "how long to keep capturing after curl exits")
}

// experiment turns the flags into a condition. changed tells whether a
// flag was given (the separate offload flags override --offloads).
func (o *labOptions) experiment(changed func(string) bool) (lab.Experiment, error) {
	var e lab.Experiment
	p := lab.Path{MTU: o.mtu, IPv6: o.ipv6, MSS: o.mss, Timestamps: o.timestamps, SACK: o.sack,
		Burst: o.burst, Delay: o.delay, Loss: o.loss}
	if err := lab.CheckPath(p); err != nil {
		// A flag's value out of range is a usage error, as the others.
		return e, usageError{fmt.Errorf("--mtu %d --mss %d: %w", o.mtu, o.mss, err)}
	}
	switch o.offloads {
	case "on":
		p.TSO, p.GSO, p.GRO = true, true, true
	case "off":
	default:
		return e, usageError{fmt.Errorf("--offloads %q: want on or off", o.offloads)}
	}
	for name, v := range map[string]*bool{"tso": &p.TSO, "gso": &p.GSO, "gro": &p.GRO} {
		if changed(name) {
			*v = map[string]bool{"tso": o.tso, "gso": o.gso, "gro": o.gro}[name]
		}
	}
	if r := strings.ToLower(o.rate); r != "" && r != "0" && r != "none" {
		if _, err := lab.ParseRate(o.rate); err != nil {
			return e, usageError{err}
		}
		p.Rate = o.rate
	}
	size, err := parseSize(o.size)
	if err != nil {
		return e, usageError{err}
	}
	if o.tls != "" && o.tls != "1.2" && o.tls != "1.3" {
		return e, usageError{fmt.Errorf("--tls %q: want 1.2 or 1.3", o.tls)}
	}
	if o.writeSize < 0 || o.writeDelay < 0 {
		return e, usageError{errors.New("--write-size and --write-delay must not be negative")}
	}
	e.Path = p
	e.Server = lab.ServerConfig{TLS: o.tls, HTTP2: o.http2,
		Body: lab.Body{Size: size, Chunked: o.chunked, WriteSize: o.writeSize, WriteDelay: o.writeDelay}}
	if o.nice < -20 || o.nice > 19 {
		return e, usageError{fmt.Errorf("--nice %d: must be between -20 and 19", o.nice)}
	}
	e.Curl, e.ServerCapture, e.Settle, e.Nice = o.curl, o.serverCapture, o.settle, o.nice
	return e, nil
}

// parseSize reads 1048576, 1M, 512K, 100k.
func parseSize(s string) (int64, error) {
	t := strings.TrimSpace(s)
	mult := int64(1)
	if t != "" {
		switch t[len(t)-1] {
		case 'k', 'K':
			mult = 1 << 10
		case 'm', 'M':
			mult = 1 << 20
		case 'g', 'G':
			mult = 1 << 30
		}
		if mult != 1 {
			t = t[:len(t)-1]
		}
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil || n < 0 || n > 1<<40/mult {
		return 0, fmt.Errorf("size %q: want a number of bytes, optionally with K, M or G", s)
	}
	return n * mult, nil
}

func runLab(s *streams, flags *pflag.FlagSet, o *labOptions, curlArgs []string) error {
	if !canLab {
		return labPlatform
	}
	format, err := report.ParseFormat(o.format)
	if err != nil {
		return usageError{err}
	}
	conds, err := o.conditions(flags)
	if err != nil {
		return err
	}
	// A signal cancels the run; everything is torn down before the
	// command returns, and the exit status says which signal it was.
	ctx, stop := signalContext()
	defer stop()
	if gone, err := lab.Reap(); err != nil {
		fmt.Fprintf(s.err, "segscope: removing what earlier labs left: %v\n", err)
	} else if len(gone) > 0 {
		fmt.Fprintf(s.err, "segscope: removed namespaces left by labs that were killed: %s\n", strings.Join(gone, ", "))
	}
	if len(conds) == 1 {
		r, err := o.experiment1(s, conds[0], 0, 1, curlArgs).Do(ctx)
		switch {
		case ctx.Err() != nil:
			return interrupted(s, ctx)
		case r == nil || r.Outcome == nil || r.Explanation == nil:
			return err
		case err != nil:
			fmt.Fprintf(s.err, "segscope: %v\n", err)
		}
		if err := o.writeHTML(s, 0, 1, conds[0], r); err != nil {
			return err
		}
		return writeLabRun(s, o, r, format)
	}
	return compareLab(ctx, s, o, conds, curlArgs, format)
}

// compareLab runs each condition and prints them side by side; a
// condition that fails shows as failed, and the others still run.
func compareLab(ctx context.Context, s *streams, o *labOptions, conds []labCondition, curlArgs []string, format report.Format) error {
	cmp := report.Comparison{Flag: o.compareTitle()}
	failed := false
	for i, c := range conds {
		e := o.experiment1(s, c, i, len(conds), curlArgs)
		r, err := e.Do(ctx)
		if ctx.Err() != nil {
			return interrupted(s, ctx)
		}
		if err != nil {
			fmt.Fprintf(s.err, "segscope: %s: %v\n", c.label, err)
			failed = true
		}
		if r == nil || r.Outcome == nil || r.Explanation == nil {
			r = &lab.Run{Path: e.Path, Server: e.Server}
		} else {
			if err := o.writeHTML(s, i, len(conds), c, r); err != nil {
				return err
			}
			fmt.Fprintf(s.err, "segscope: %s: %d reads explained\n", c.label, len(r.Explanation.Events))
		}
		cmp.Conditions = append(cmp.Conditions, lab.Summarize(c.label, r))
	}
	if err := cmp.Write(s.out, format); err != nil {
		return err
	}
	if o.keep != "" {
		fmt.Fprintf(s.err, "segscope: kept in %s\n", o.keep)
	}
	if failed {
		return errReported
	}
	return nil
}

// experiment1 completes condition i of n with what every run shares:
// curl's arguments and output, the log, where files are kept.
func (o *labOptions) experiment1(s *streams, c labCondition, i, n int, curlArgs []string) lab.Experiment {
	e := c.exp
	e.Args = curlArgs
	e.Stdout, e.Stderr = s.out, s.err
	if o.verbose {
		e.Log = func(cmd []string) { fmt.Fprintf(s.err, "+ %s\n", strings.Join(cmd, " ")) }
	}
	if o.keep != "" {
		e.Dir, e.Keep = o.keep, true
		if n > 1 {
			e.Dir = filepath.Join(o.keep, fmt.Sprintf("%d-%s", i+1, c.slug))
		}
	}
	return e
}

// interrupted reports a run stopped by a signal, after the teardown, and
// exits as a shell reports a process killed by it (128 + the signal).
func interrupted(s *streams, ctx context.Context) error {
	var se signalError
	if errors.As(context.Cause(ctx), &se) {
		fmt.Fprintf(s.err, "segscope: %s: stopped; the lab is torn down\n", se.sig)
		return exitStatus(128 + int(se.sig))
	}
	fmt.Fprintln(s.err, "segscope: stopped; the lab is torn down")
	return exitStatus(130)
}

// writeLabRun prints one run: the explanation of the client's capture,
// and the server's capture's analysis when there is one.
func writeLabRun(s *streams, o *labOptions, r *lab.Run, format report.Format) error {
	fmt.Fprintf(s.err, "segscope: lab %s: %s; %s; %s\n", r.ID, prose.LabPath(r.Path), prose.LabServer(r.Server), r.URL)
	if err := labExplanation(r).Write(s.out, format); err != nil {
		return err
	}
	for _, c := range r.Captures[1:] {
		fmt.Fprintf(s.out, "\nThe %s's side of the veth (%s):\n", c.Name, r.Peer.Dev)
		a := report.Analysis{Result: c.Result, Connections: c.Result.Connections}
		if err := a.Write(s.out, format); err != nil {
			return err
		}
	}
	for _, c := range r.Captures {
		fmt.Fprintf(s.err, "segscope: %s capture: %d packets, %d dropped by the kernel\n", c.Name, c.Stats.Received, c.Stats.Dropped)
	}
	if o.keep != "" {
		fmt.Fprintf(s.err, "segscope: kept in %s\n", r.Dir)
	}
	if r.CurlExit != 0 {
		return exitStatus(r.CurlExit)
	}
	if len(r.Errors) > 0 {
		return errReported
	}
	return nil
}

// labExplanation is the report of a run's client capture.
func labExplanation(r *lab.Run) report.Explanation {
	return report.Explanation{Result: r.Explanation, Capture: r.Captures[0].Result, Errors: r.Errors}
}

// writeHTML writes the HTML report of one run, when asked: to --html,
// or with several conditions to FILE-N-LABEL.html.
func (o *labOptions) writeHTML(s *streams, i, n int, c labCondition, r *lab.Run) error {
	if o.html == "" {
		return nil
	}
	path := o.html
	if n > 1 {
		path = fmt.Sprintf("%s-%d-%s.html", strings.TrimSuffix(path, ".html"), i+1, c.slug)
	}
	in := htmlreport.FromExplanation(labExplanation(r))
	in.Title = "segscope lab: " + prose.LabPath(r.Path) + "; " + prose.LabServer(r.Server)
	if err := htmlreport.WriteFile(path, in); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	fmt.Fprintf(s.err, "segscope: wrote %s\n", path)
	return nil
}

// labCondition is one transfer of a comparison.
type labCondition struct {
	label, slug string
	exp         lab.Experiment
}

// conditions is the one condition the flags say, or one per --compare
// value (the flags given reparsed with its own on top) or preset entry
// (its values over the options given).
func (o *labOptions) conditions(flags *pflag.FlagSet) ([]labCondition, error) {
	if o.compare != "" && o.preset != "" {
		return nil, usageError{errors.New("--compare and --preset do not go together")}
	}
	var variants []labVariant
	switch {
	case o.compare != "":
		name, vals, ok := strings.Cut(o.compare, "=")
		if !ok || vals == "" {
			return nil, usageError{fmt.Errorf("--compare %q: want FLAG=V1,V2,..., e.g. mtu=1500,1440", o.compare)}
		}
		name = strings.TrimPrefix(name, "--")
		if flags.Lookup(name) == nil || labNotCompared[name] {
			return nil, usageError{fmt.Errorf("--compare: %q is not a lab flag that describes a condition", name)}
		}
		for _, v := range strings.Split(vals, ",") {
			variants = append(variants, labVariant{label: name + "=" + v, args: []string{"--" + name + "=" + v}})
		}
	case o.preset != "":
		p, ok := labPresets[o.preset]
		if !ok {
			return nil, usageError{fmt.Errorf("--preset %q: want one of %s", o.preset, strings.Join(presetNames(), ", "))}
		}
		variants = p.variants
	default:
		e, err := o.experiment(flags.Changed)
		if err != nil {
			return nil, err
		}
		return []labCondition{{label: "lab", exp: e}}, nil
	}
	// The flags given on the command line apply to every condition; the
	// variant's come after, so they win.
	var given []string
	flags.Visit(func(f *pflag.Flag) {
		if !labNotCompared[f.Name] {
			given = append(given, "--"+f.Name+"="+f.Value.String())
		}
	})
	var conds []labCondition
	for _, v := range variants {
		var vo labOptions
		var changed func(string) bool
		if v.set != nil {
			// A preset's values, over the options the command line gave.
			vo = *o
			v.set(&vo)
			changed = func(name string) bool { return flags.Changed(name) || slices.Contains(v.sets, name) }
		} else {
			fs := pflag.NewFlagSet("lab", pflag.ContinueOnError)
			addLabFlags(fs, &vo)
			if err := fs.Parse(append(append([]string(nil), given...), v.args...)); err != nil {
				return nil, usageError{fmt.Errorf("%s: %w", v.label, err)}
			}
			changed = fs.Changed
		}
		e, err := vo.experiment(changed)
		if err != nil {
			return nil, err
		}
		conds = append(conds, labCondition{label: v.label, slug: slug(v.label), exp: e})
	}
	return conds, nil
}

func (o *labOptions) compareTitle() string {
	if o.preset != "" {
		return "preset " + o.preset + ": " + labPresets[o.preset].title
	}
	name, _, _ := strings.Cut(o.compare, "=")
	return strings.TrimPrefix(name, "--")
}

func slug(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '-':
			return r
		}
		return '_'
	}, s)
}

// labVariant is one condition of a comparison: a label and what makes
// it. A --compare value is flags the user wrote (args, parsed as they
// would be); a preset's is values (set), with the flags they stand for
// (sets), so that the condition is built as if they had been given.
type labVariant struct {
	label string
	args  []string
	set   func(o *labOptions)
	sets  []string
}

type labPreset struct {
	title    string
	variants []labVariant
}

var labPresets = map[string]labPreset{
	"1388": {"three ways to get 1388-byte reads", []labVariant{
		{label: "IPv4 MTU 1440 + timestamps", set: func(o *labOptions) { o.mtu, o.timestamps = 1440, true }, sets: []string{"mtu", "timestamps"}},
		{label: "IPv6 MTU 1460 + timestamps", set: func(o *labOptions) { o.ipv6, o.mtu, o.timestamps = true, 1460, true }, sets: []string{"ipv6", "mtu", "timestamps"}},
		{label: "TLS 1.3 records of 1388", set: func(o *labOptions) { o.tls, o.writeSize = "1.3", 1388 }, sets: []string{"tls", "write-size"}},
	}},
	"timestamps": {"what the 12 bytes of the timestamps option cost", []labVariant{
		{label: "timestamps on", set: func(o *labOptions) { o.timestamps = true }, sets: []string{"timestamps"}},
		{label: "timestamps off", set: func(o *labOptions) { o.timestamps = false }, sets: []string{"timestamps"}},
	}},
	// Unpaced: tbf cuts a GSO packet longer than its bucket into segments
	// before the capture sees it (the capture taps after the qdisc), so a
	// paced lab shows no super-segments even with offloads on.
	"offloads": {"where the capture sits relative to TSO/GSO/GRO (unpaced; the server's side is captured too)", []labVariant{
		{label: "offloads off", set: func(o *labOptions) { o.offloads, o.serverCapture, o.rate = "off", true, "none" }, sets: []string{"offloads", "server-capture", "rate"}},
		{label: "offloads on", set: func(o *labOptions) { o.offloads, o.serverCapture, o.rate = "on", true, "none" }, sets: []string{"offloads", "server-capture", "rate"}},
		{label: "GRO only", set: func(o *labOptions) { o.offloads, o.gro, o.serverCapture, o.rate = "off", true, true, "none" }, sets: []string{"offloads", "gro", "server-capture", "rate"}},
	}},
	"pacing": {"curl keeping up with the network or not", []labVariant{
		{label: "unpaced", set: func(o *labOptions) { o.rate = "none" }, sets: []string{"rate"}},
		{label: "tbf 20mbit", set: func(o *labOptions) { o.rate = "20mbit" }, sets: []string{"rate"}},
	}},
}

func presetNames() []string { return []string{"1388", "timestamps", "offloads", "pacing"} }

// onceString is a string flag that may be given once: a second --compare
// would otherwise replace the first without a word.
type onceString struct {
	v    *string
	name string
	set  bool
}

func (o *onceString) String() string {
	if o.v == nil {
		return ""
	}
	return *o.v
}

func (o *onceString) Set(s string) error {
	if o.set {
		return fmt.Errorf("--%s is given once: it compares one flag at a time (run lab again for another)", o.name)
	}
	*o.v, o.set = s, true
	return nil
}

func (o *onceString) Type() string { return "string" }
