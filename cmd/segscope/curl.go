package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/segscope/segscope/capture"
	"github.com/segscope/segscope/curltrace"
	"github.com/segscope/segscope/orchestrate"
	"github.com/segscope/segscope/report"
	"github.com/segscope/segscope/report/htmlreport"
	"github.com/segscope/segscope/sniffer"
)

type curlOptions struct {
	format string
	iface  string
	keep   string
	curl   string
	html   string
	settle time.Duration
}

func newCurlCmd(s *streams) *cobra.Command {
	o := &curlOptions{}
	cmd := &cobra.Command{
		Use:   "curl [flags] -- CURL-ARGS...",
		Short: "Run curl while capturing, then explain its Recv data and Send data sizes",
		Long: `Curl captures the traffic to the URL's host and port (on lo for localhost, or the
interface that routes to the host), runs the real curl with your arguments plus
--trace (hex, so bytes match exactly) and --trace-time into a temporary file, with
SSLKEYLOGFILE set, waits for the last packets, and prints the 'segscope explain'
report for the transfer. curl's own output and exit status pass through: its
output comes first, the report after it (use -o to keep the body out of the way).

Capturing needs root, or the capabilities: sudo setcap cap_net_raw,cap_net_admin+ep $(command -v segscope)`,
		Example: `  sudo segscope curl -- -o /dev/null http://localhost:8080/big
  sudo segscope curl --keep /tmp/run -- -sk https://127.0.0.1:8443/file -o file`,
		Args: usageArgs(cobra.MinimumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			if cmd.ArgsLenAtDash() < 0 {
				if _, err := report.ParseFormat(o.format); err != nil {
					// 'segscope curl -o /dev/null URL': curl's -o taken
					// for segscope's.
					return usageError{fmt.Errorf("--format %q: curl's arguments go after --, segscope's before: segscope curl [flags] -- -o /dev/null URL", o.format)}
				}
			}
			return runCurl(s, o, args)
		},
	}
	cmd.Flags().StringVarP(&o.format, "format", "o", "table", "report format: table, json or csv")
	cmd.Flags().StringVarP(&o.iface, "interface", "i", "", "capture on this interface (default: the one that routes to where curl connects)")
	// curl's options given without the -- are taken for segscope's: say
	// where they go.
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		return usageError{fmt.Errorf("%v: curl's arguments go after --, segscope's before: segscope curl [flags] -- -o /dev/null URL", err)}
	})
	cmd.Flags().StringVar(&o.keep, "keep", "", "keep the capture (capture.pcapng), the trace (trace.txt) and the TLS key log (keys.txt) in this directory")
	cmd.Flags().StringVar(&o.curl, "curl", "curl", "the curl binary to run")
	cmd.Flags().DurationVar(&o.settle, "settle", 300*time.Millisecond, "how long to keep capturing after curl exits, for the last packets")
	cmd.Flags().StringVar(&o.html, "html", "", "also write the HTML report of what was explained to this file")
	return cmd
}

// followsRedirects tells whether curl's arguments ask it to follow
// redirects (-L, --location, --location-trusted, also inside a cluster
// of short options such as -sSL).
func followsRedirects(line curlLine) bool {
	return line.has("-L", "--location", "--location-trusted")
}

func runCurl(s *streams, o *curlOptions, args []string) error {
	if !canCapture {
		return curlPlatform
	}
	format, err := report.ParseFormat(o.format)
	if err != nil {
		return usageError{err}
	}
	if err := dirExists("--html", o.html); err != nil {
		return err
	}
	line, err := parseCurlLine(args)
	if err != nil {
		return usageError{err}
	}
	// --html is not curl's download either (review 36).
	for _, out := range line.outputs() {
		if o.html != "" && samePath(out.path, o.html) {
			return usageError{fmt.Errorf("curl writes %s (%s), which --html would replace with the report: write the page elsewhere", out.path, out.flag)}
		}
	}
	userKeys := os.Getenv("SSLKEYLOGFILE")
	if o.keep != "" {
		if st, err := os.Stat(o.keep); err == nil && !st.IsDir() {
			// (MkdirAll said "mkdir kf: not a directory": review 40.)
			return usageError{fmt.Errorf("--keep %s: is a file, not a directory", o.keep)}
		}
		var kept []string
		for _, f := range []string{orchestrate.TraceFile, orchestrate.KeysFile, "capture.pcapng"} {
			kept = append(kept, filepath.Join(o.keep, f))
		}
		if err := notAnOutput(o.html, kept...); err != nil {
			return err
		}
		// curl's own downloads too (review 32: -o DIR/trace.txt, or -O
		// of keys.txt into --keep ., was replaced by segscope's file).
		for _, out := range line.outputs() {
			if err := notAnOutput(out.path, kept...); err != nil {
				return usageError{fmt.Errorf("curl writes %s (%s), which --keep %s keeps segscope's file as: keep them in another directory", out.path, out.flag, o.keep)}
			}
		}
		// The user's key log would be replaced by the run's (review 36:
		// SSLKEYLOGFILE=$PWD/keys.txt with --keep . lost its keys).
		if userKeys != "" && samePath(userKeys, kept[1]) {
			return usageError{fmt.Errorf("SSLKEYLOGFILE is %s, which --keep %s replaces with this run's key log: keep in another directory", userKeys, o.keep)}
		}
		// Files there that are not an earlier run's are not replaced
		// (review 36: any trace.txt was, in silence).
		if err := earlierRun(kept); err != nil {
			return usageError{err}
		}
	}
	if err := appendable(userKeys); err != nil {
		// Found out before the run, not after it, when the keys are gone.
		return fmt.Errorf("SSLKEYLOGFILE %s: %w: the run's keys could not be added to it", userKeys, err)
	}
	bin, err := exec.LookPath(o.curl)
	if err != nil {
		return fmt.Errorf("%s not found: install curl (apt-get install curl) or name it with --curl", o.curl)
	}
	addrs, ports, err := line.target(os.Getenv, net.LookupHost)
	var re resolveError
	if errors.As(err, &re) {
		// curl may resolve what segscope cannot (its resolver, a
		// typo): it runs alone, and its status is the run's (review 32:
		// exit 1 where curl alone gave 6).
		fmt.Fprintf(s.err, "segscope: %v: nothing to capture; curl runs without a capture\n", err)
		return runCurlAlone(s, o.curl, args)
	}
	if err != nil {
		return usageError{err}
	}
	for _, t := range line.values("--trace", "--trace-ascii") {
		// curl takes the last trace option: segscope's, after the user's.
		fmt.Fprintf(s.err, "segscope: curl's trace goes to segscope, not to %s (keep it with --keep DIR, as DIR/%s)\n", t, orchestrate.TraceFile)
	}
	iface := o.iface
	if iface == "" {
		for _, a := range addrs {
			i, err := orchestrate.RouteInterface(a)
			if err != nil {
				return fmt.Errorf("%w: name the interface to capture on with -i", err)
			}
			if iface != "" && i != iface {
				return usageError{fmt.Errorf("the URLs are reached by different interfaces (%s, %s): name the one to capture on with -i, or fetch them one at a time", iface, i)}
			}
			iface = i
		}
	}
	// The filter captures only the target: the orchestrator keeps every
	// segment and unit of it for explain, and the kept file is
	// capture.pcapng, as before. Following redirects (-L), curl may
	// connect to any port of the target's hosts (http to https, another
	// port of the same server): every port is captured.
	if followsRedirects(line) {
		ports = nil
	}
	live := capture.LiveOptions{Interface: iface, Hosts: addrs, Ports: ports}
	// Ctrl-C (or SIGTERM, SIGHUP) stops curl and the capture: what curl
	// traced until then is explained, the temporary directory (with the
	// trace and the key log) removed, and the exit status is 128+signal.
	ctx, stop := signalContext()
	defer stop()
	out, err := orchestrate.Run(ctx, orchestrate.Plan{
		Curl: bin, Args: args, Dashes: line.dashes, TraceConfig: orchestrate.CurlAtLeast(bin, 8, 3),
		// The user's own key log gets this run's keys too (review 32: it
		// was left empty, segscope's temporary one set in its place).
		KeyLogCopy: os.Getenv("SSLKEYLOGFILE"),
		Dir:        o.keep, Keep: o.keep != "", Settle: o.settle,
		Captures: []orchestrate.Capture{{Name: "capture", Source: orchestrate.Local{}, Options: sniffer.Options{Live: live}}},
		Stdin:    s.in, Stdout: s.out, Stderr: s.err,
		OnStart: func(_ string, sess orchestrate.Session) {
			if ss, ok := sess.(*sniffer.Session); ok {
				warnSmallBuffer(s, ss)
			}
		},
	})
	var sig signalError
	if err != nil && !(errors.As(context.Cause(ctx), &sig) && out != nil && out.Explanation != nil) {
		if sig.sig != 0 {
			return exitStatus(128 + int(sig.sig))
		}
		if out != nil && out.CurlExit != 0 {
			// curl failed before it traced anything (a bad option, a
			// host it could not resolve): its status is the run's
			// (review 24: 1 where curl alone gave 2).
			fmt.Fprintf(s.err, "segscope: %v\n", err)
			return exitStatus(out.CurlExit)
		}
		return err
	}
	st := out.Captures[0].Stats
	if format == report.Table {
		fmt.Fprintln(s.out) // apart from curl's output; not before CSV or JSON (review 36)
	}
	x := report.Explanation{Result: out.Explanation, Capture: out.Captures[0].Result, Errors: out.Errors}
	var htmlErr error
	if o.html != "" { // before standard output, which a pipe may close (explain.go)
		in := htmlreport.FromExplanation(x)
		in.Title = "segscope curl " + strings.Join(args, " ")
		if htmlErr = htmlreport.WriteFile(o.html, in); htmlErr == nil {
			fmt.Fprintf(s.err, "segscope: wrote %s\n", o.html)
		}
	}
	// A page that could not be written does not cost the report the run
	// made (review 24: nothing printed, after the whole transfer).
	if err := x.Write(s.out, format); err != nil {
		return err
	}
	if htmlErr != nil {
		return htmlErr
	}
	if format == report.CSV {
		// CSV has no place for them (review 32: curl's failure was
		// said nowhere).
		for _, p := range x.Problems() {
			fmt.Fprintf(s.err, "segscope: problem: %s\n", p)
		}
		for _, err := range x.Errors {
			fmt.Fprintf(s.err, "segscope: %v\n", err)
		}
	}
	fmt.Fprintf(s.err, "segscope: %s: %d packets captured, %d dropped by the kernel", iface, st.Received, st.Dropped)
	if o.keep != "" {
		fmt.Fprintf(s.err, "; kept in %s", o.keep)
	}
	fmt.Fprintln(s.err)
	if sig.sig != 0 {
		fmt.Fprintf(s.err, "segscope: %s: curl and the capture stopped; what curl traced until then is explained above\n", sig.sig)
		return exitStatus(128 + int(sig.sig))
	}
	if out.CurlExit != 0 {
		return exitStatus(out.CurlExit)
	}
	if len(out.Errors) > 0 {
		return errReported // the capture or the trace failed: scripts must see it
	}
	return nil
}

// appendable tells why a file could not be appended to, creating nothing:
// it opens one that is there, and checks the directory of one that is not.
func appendable(path string) error {
	if path == "" {
		return nil
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if errors.Is(err, os.ErrNotExist) {
		_, err = os.Stat(filepath.Dir(path))
		return err
	}
	if err == nil {
		f.Close()
	}
	return err
}

// earlierRun checks that the kept files already there are an earlier
// run's, which this one replaces: a trace, a key log, a pcapng.
func earlierRun(kept []string) error {
	for _, p := range kept {
		b := make([]byte, 64)
		f, err := os.Open(p)
		if err != nil {
			continue // not there (or unreadable: the rename will say)
		}
		n, _ := io.ReadFull(f, b)
		f.Close()
		b = b[:n]
		ok := n == 0
		switch filepath.Base(p) {
		case orchestrate.TraceFile:
			ok = ok || curltrace.LooksLikeTrace(b)
		case orchestrate.KeysFile:
			ok = ok || bytes.HasPrefix(b, []byte("CLIENT_")) || bytes.HasPrefix(b, []byte("SERVER_")) || bytes.HasPrefix(b, []byte("EXPORTER_")) || bytes.HasPrefix(b, []byte("#"))
		default:
			ok = ok || bytes.HasPrefix(b, []byte{0x0a, 0x0d, 0x0d, 0x0a})
		}
		if !ok {
			return fmt.Errorf("%s is there and is not an earlier segscope run's: --keep would replace it; keep in another directory", p)
		}
	}
	return nil
}

// runCurlAlone runs curl with the user's arguments and nothing else,
// passing its output and status through.
func runCurlAlone(s *streams, bin string, args []string) error {
	cmd := exec.Command(bin, args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = s.in, s.out, s.err
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee) && ee.ExitCode() > 0:
		return exitStatus(ee.ExitCode())
	case err != nil:
		return fmt.Errorf("running curl: %w", err)
	}
	// curl reached it where segscope could not look it up: nothing was
	// captured, so nothing is explained.
	fmt.Fprintf(s.err, "segscope: curl succeeded, but nothing was captured to explain: name the address with curl's --resolve HOST:PORT:ADDRESS\n")
	return errReported
}

// exitStatus passes curl's exit status through.
type exitStatus int

func (e exitStatus) Error() string { return fmt.Sprintf("curl exited with status %d", int(e)) }
