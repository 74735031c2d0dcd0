package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/segscope/segscope/analyze"
	"github.com/segscope/segscope/capture"
	"github.com/segscope/segscope/internal/atomicfile"
	"github.com/segscope/segscope/report"
	"github.com/segscope/segscope/sniffer"
)

type sniffOptions struct {
	captureOptions
	iface    string
	duration time.Duration
	write    string
	filter   string
}

// errNeedsPcapBuild: a full libpcap filter expression asked of a build
// without libpcap.
var errNeedsPcapBuild = errors.New("full filter expressions (-f) need segscope built with libpcap: go build -tags pcap ./cmd/segscope (requires libpcap-dev); the default build filters with --host and --port")

func newSniffCmd(s *streams) *cobra.Command {
	o := &sniffOptions{}
	cmd := &cobra.Command{
		Use:   "sniff -i IFACE [--host H] [--port P] [--duration D] [-w FILE]",
		Short: "Capture live and show each connection's segmentation",
		Long: `Sniff captures TCP on an interface (pure Go, AF_PACKET; on lo each packet once)
and shows the connections and their segmentation as it goes: a view that refreshes
when standard output is a terminal, one status line a second when it is not.
Ctrl-C (or --duration) stops it cleanly: packets already captured are read, the
-w file is completed, and the final 'segscope analyze' report is printed with the
kernel's received and dropped counts.

Capturing needs root, or the capabilities: sudo setcap cap_net_raw,cap_net_admin+ep $(command -v segscope)`,
		Example: `  sudo segscope sniff -i lo --port 8080
  sudo segscope sniff -i eth0 --host 10.0.0.5 --duration 30s -w capture.pcapng`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runSniff(s, o)
		},
	}
	o.captureOptions.addFlags(cmd.Flags())
	cmd.Flags().StringVarP(&o.iface, "interface", "i", "", "the interface to capture on (required)")
	cmd.Flags().DurationVar(&o.duration, "duration", 0, "stop after this long (default: until Ctrl-C)")
	cmd.Flags().StringVarP(&o.write, "write", "w", "", "also write the packets to this pcapng file")
	cmd.Flags().StringVarP(&o.filter, "filter", "f", "", "a libpcap filter expression (needs the build with -tags pcap)")
	return cmd
}

func runSniff(s *streams, o *sniffOptions) error {
	if !canCapture {
		return sniffPlatform
	}
	format, filter, err := o.parse()
	if err != nil {
		return err
	}
	if o.iface == "" {
		return usageError{fmt.Errorf("--interface (-i) is required")}
	}
	for _, k := range o.keylogs {
		// The key log may not exist yet (the client creates it at its
		// first handshake), but its directory must.
		if dir := filepath.Dir(k); !isDir(dir) {
			return usageError{fmt.Errorf("--keylog %s: no directory %s to find it in", k, dir)}
		}
	}
	if o.write == "-" {
		return usageError{errors.New("-w -: standard output carries sniff's report; name a file (tcpdump -w - writes packets to a pipe)")}
	}
	// A key log is followed as it grows: -w onto it would replace it
	// with the capture, and a browser's later secrets would go to the
	// deleted file (review 21).
	if err := notAnInput(o.write, o.keylogs...); err != nil {
		return err
	}
	for _, k := range o.keylogs {
		if k == o.write || filepath.Clean(k) == filepath.Clean(o.write) {
			return usageError{fmt.Errorf("%s is also an input of this command (--keylog): refusing to write over it", o.write)}
		}
	}
	if o.duration < 0 {
		return usageError{fmt.Errorf("--duration %v: a time to capture for (0: until Ctrl-C)", o.duration)}
	}
	if o.filter != "" {
		return errNeedsPcapBuild
	}
	// --keylog files may still be growing (a browser's SSLKEYLOGFILE):
	// they are followed during the capture, and embedded in -w's pcapng.
	opts := sniffer.Options{Live: capture.LiveOptions{Interface: o.iface, Hosts: filter.Hosts, Ports: filter.Ports}, KeyLogs: o.keylogs}
	// -w goes to a temporary file beside its target, renamed into place
	// at the end: a mistyped interface or a missing capability leaves an
	// existing file as it was (tcpdump too opens the interface first).
	var file *lazyFile
	if o.write != "" {
		file = &lazyFile{path: o.write}
		defer file.Abort()
		opts.Write = file
	}
	sess, err := sniffer.Start(opts)
	if err != nil {
		return err
	}
	warnSmallBuffer(s, sess)
	// A closed terminal (SIGHUP) ends the capture as Ctrl-C does: with
	// its report and its -w file.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer stop()
	if o.duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, o.duration)
		defer cancel()
	}
	live := isTerminal(s.out) && format == report.Table
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	start := time.Now()
loop:
	for {
		select {
		case <-ctx.Done():
			break loop
		case <-sess.Done():
			break loop // the capture failed: Stop reports why
		case <-tick.C:
			sess.View(func(packets int, conns []*analyze.Connection) {
				if live {
					fmt.Fprint(s.out, "\033[H\033[2J")
					liveView(s.out, o.iface, time.Since(start), packets, conns)
				} else if !o.noProgress {
					fmt.Fprintf(s.err, "%s %s: %d packets, %d connections\n", time.Now().Format("15:04:05"), o.iface, packets, len(conns))
				}
			})
		}
	}
	stopped := time.Since(start)
	res, st, err := sess.Stop()
	var we sniffer.WriteError
	writeFailed := errors.As(err, &we)
	if file != nil {
		// What was captured is kept, an interrupt or a key log that never
		// came included; only a failed write keeps the file that was there.
		if writeFailed {
			file.Abort()
		} else if cerr := file.Commit(); cerr != nil {
			err = errors.Join(err, cerr)
		}
	}
	if live {
		fmt.Fprint(s.out, "\033[H\033[2J")
	}
	res.Sources = []string{o.iface}
	a := report.Analysis{Result: res, Connections: res.Select(filter)}
	if werr := a.Write(s.out, format); werr != nil {
		return werr
	}
	fmt.Fprintf(s.err, "%s: %d packets received by the filter, %d dropped by the kernel", o.iface, st.Received, st.Dropped)
	switch {
	case o.write != "" && writeFailed:
		// Review 21: "209 written to s.pcapng" of a file left as it was.
		fmt.Fprintf(s.err, ", nothing written to %s (writing failed after %d packets; what was there is kept)", o.write, st.Written)
	case o.write != "":
		fmt.Fprintf(s.err, ", %d written to %s", st.Written, o.write)
	}
	fmt.Fprintln(s.err)
	if writeFailed {
		fmt.Fprintf(s.err, "segscope: the capture stopped when writing failed, %s after it began: the report above covers the packets until then\n", stopped.Round(time.Millisecond))
	}
	if st.Dropped > 0 {
		fmt.Fprintf(s.err, "segscope: warning: the kernel dropped %d packets (the reader fell behind): connections that lost packets show gaps and false retransmissions\n", st.Dropped)
	}
	return err
}

func isDir(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.IsDir()
}

// lazyFile creates its atomic file at the first write: the capture's
// header is written once the interface is open, so a failed open leaves no
// trace, and the file's appearing says the capture has started.
type lazyFile struct {
	path string
	f    *atomicfile.File
}

func (l *lazyFile) Write(p []byte) (int, error) {
	if l.f == nil {
		f, err := atomicfile.Create(l.path)
		if err != nil {
			return 0, fmt.Errorf("writing %s: %w", l.path, err)
		}
		l.f = f
	}
	return l.f.Write(p)
}

// Commit renames what was written into place.
func (l *lazyFile) Commit() error {
	if l.f == nil {
		return nil
	}
	return l.f.Commit()
}

// Abort removes what was written; the file at path stays as it was.
func (l *lazyFile) Abort() {
	if l.f != nil {
		l.f.Abort()
	}
}

// liveView draws the connections with the most bytes so far.
func liveView(w io.Writer, iface string, since time.Duration, packets int, conns []*analyze.Connection) {
	fmt.Fprintf(w, "segscope sniff %s: %s, %d packets, %d connections (Ctrl-C to stop)\n\n", iface, since.Round(time.Second), packets, len(conns))
	top := append([]*analyze.Connection(nil), conns...)
	sort.Slice(top, func(i, j int) bool {
		return top[i].Dirs[1].PayloadBytes+top[i].Dirs[0].PayloadBytes > top[j].Dirs[1].PayloadBytes+top[j].Dirs[0].PayloadBytes
	})
	if len(top) > 20 {
		top = top[:20]
	}
	fmt.Fprintf(w, "%4s  %-45s %8s %10s %8s %8s\n", "ID", "SERVER > CLIENT", "SEGS", "BYTES", "MAX SEG", "RETX")
	for _, c := range top {
		d := c.Dir(analyze.ServerToClient)
		fmt.Fprintf(w, "%4d  %-45s %8d %10d %8d %8d\n", c.ID, c.Server.String()+" > "+c.Client.String(), d.DataSegments, d.PayloadBytes, d.Stats().Max, d.RetransmittedSegments)
	}
}

// warnSmallBuffer says when the kernel granted less capture buffer than
// asked, before any packet can be dropped for it.
func warnSmallBuffer(s *streams, sess *sniffer.Session) {
	if asked, granted := sess.Buffer(); granted > 0 && granted < asked {
		fmt.Fprintf(s.err, "segscope: warning: the kernel granted a %d KiB capture buffer of the %d KiB asked (net.core.rmem_max; CAP_NET_ADMIN lifts it): fast transfers may drop packets\n", granted>>10, asked>>10)
	}
}
