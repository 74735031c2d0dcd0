package main

import (
	"errors"
	"fmt"
	"math"
	"net"
	"net/netip"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/segscope/segscope/analyze"
	"github.com/segscope/segscope/capture"
	"github.com/segscope/segscope/curltrace"
	"github.com/segscope/segscope/explain"
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
		Short: "Run curl while capturing, then explain its Recv data sizes",
		Long: `Curl captures the traffic to the URL's host and port (on lo for localhost, or the
interface that routes to the host), runs the real curl with your arguments plus
--trace (hex, so bytes match exactly) and --trace-time into a temporary file, with
SSLKEYLOGFILE set, waits for the last packets, and prints the 'segscope explain'
report for the transfer. curl's own output and exit status pass through: its
output comes first, the report after it (use -o to keep the body out of the way).

Capturing needs root, or the capabilities: sudo setcap cap_net_raw,cap_net_admin+ep $(command -v segscope)`,
		Example: `  sudo segscope curl -- -o /dev/null http://localhost:8080/big
  sudo segscope curl --keep /tmp/run -- -sk https://127.0.0.1:8443/file -o file`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runCurl(s, o, args)
		},
	}
	cmd.Flags().StringVarP(&o.format, "format", "o", "table", "report format: table, json or csv")
	cmd.Flags().StringVarP(&o.iface, "interface", "i", "", "capture on this interface (default: the one that routes to the URL's host)")
	cmd.Flags().StringVar(&o.keep, "keep", "", "keep the capture (capture.pcapng), the trace (trace.txt) and the TLS key log (keys.txt) in this directory")
	cmd.Flags().StringVar(&o.curl, "curl", "curl", "the curl binary to run")
	cmd.Flags().DurationVar(&o.settle, "settle", 300*time.Millisecond, "how long to keep capturing after curl exits, for the last packets")
	cmd.Flags().StringVar(&o.html, "html", "", "also write the HTML report of what was explained to this file")
	return cmd
}

// target finds the URL in curl's arguments (the last one: flags such as -e
// take URLs too) and the addresses and port it reaches: every address the
// name resolves to, since curl may pick any of them.
func target(args []string) ([]netip.Addr, uint16, error) {
	for i := len(args) - 1; i >= 0; i-- {
		a := args[i]
		if !strings.Contains(a, "://") {
			continue
		}
		u, err := url.Parse(a)
		if err != nil || u.Hostname() == "" {
			continue
		}
		port := u.Port()
		if port == "" {
			switch u.Scheme {
			case "https":
				port = "443"
			case "http":
				port = "80"
			default:
				return nil, 0, fmt.Errorf("%s: only http and https URLs are explained", a)
			}
		}
		p, err := strconv.ParseUint(port, 10, 16)
		if err != nil {
			return nil, 0, fmt.Errorf("%s: bad port", a)
		}
		host := u.Hostname()
		if ip, err := netip.ParseAddr(host); err == nil {
			return []netip.Addr{ip.Unmap()}, uint16(p), nil
		}
		// Names are resolved as curl would (the hosts file for localhost).
		names, err := net.LookupHost(host)
		if err != nil || len(names) == 0 {
			return nil, 0, fmt.Errorf("resolving %s: %v", host, err)
		}
		var ips []netip.Addr
		for _, n := range names {
			if ip, err := netip.ParseAddr(n); err == nil {
				ips = append(ips, ip.Unmap())
			}
		}
		return ips, uint16(p), nil
	}
	return nil, 0, errors.New("no http:// or https:// URL among curl's arguments")
}

// routeInterface names the interface packets to ip leave by: the one that
// holds the local address a UDP socket connected to ip would use (no
// packet is sent).
func routeInterface(ip netip.Addr) (string, error) {
	if ip.IsLoopback() {
		return "lo", nil
	}
	c, err := net.Dial("udp", netip.AddrPortFrom(ip, 9).String())
	if err != nil {
		return "", fmt.Errorf("no route to %s: %w", ip, err)
	}
	local := c.LocalAddr().(*net.UDPAddr).IP
	c.Close()
	ifs, err := net.Interfaces()
	if err != nil {
		return "", err
	}
	for _, ifc := range ifs {
		addrs, _ := ifc.Addrs()
		for _, a := range addrs {
			if n, ok := a.(*net.IPNet); ok && n.IP.Equal(local) {
				return ifc.Name, nil
			}
		}
	}
	return "", fmt.Errorf("no interface holds %s, the address that routes to %s: name one with -i", local, ip)
}

func runCurl(s *streams, o *curlOptions, args []string) error {
	format, err := report.ParseFormat(o.format)
	if err != nil {
		return usageError{err}
	}
	bin, err := exec.LookPath(o.curl)
	if err != nil {
		return fmt.Errorf("%s not found: install curl (apt-get install curl) or name it with --curl", o.curl)
	}
	addrs, port, err := target(args)
	if err != nil {
		return usageError{err}
	}
	iface := o.iface
	if iface == "" {
		if iface, err = routeInterface(addrs[0]); err != nil {
			return err
		}
	}
	dir := o.keep
	if dir == "" {
		if dir, err = os.MkdirTemp("", "segscope-curl-"); err != nil {
			return err
		}
		defer os.RemoveAll(dir)
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	tracePath := filepath.Join(dir, "trace.txt")
	// curl writes its TLS secrets to keys.txt: the analysis decrypts with
	// them, and the kept capture carries them.
	opts := sniffer.Options{Live: capture.LiveOptions{Interface: iface, Hosts: addrs, Ports: []uint16{port}},
		KeyLogs: []string{filepath.Join(dir, "keys.txt")}}
	if o.keep != "" {
		f, err := os.Create(filepath.Join(dir, "capture.pcapng"))
		if err != nil {
			return err
		}
		defer f.Close()
		opts.Write = f
	}
	// The filter captures only the target: keep every segment for explain,
	// and every record, frame and chunk, so each read finds its unit.
	opts.Analyze.KeepSegments = func(c *analyze.Connection) bool { return c.Server.Port() == port }
	opts.Analyze.MaxUnits = math.MaxInt32
	sess, err := sniffer.Start(opts)
	if err != nil {
		return err
	}
	warnSmallBuffer(s, sess)
	cargs := []string{"--trace", tracePath, "--trace-time"}
	if curlAtLeast(bin, 8, 3) {
		// Component lines ([TCP] recv ... -> 0, 1388) add evidence.
		cargs = append(cargs, "--trace-config", "ids,tcp,ssl,http/2")
	}
	cargs = append(cargs, args...)
	cmd := exec.Command(bin, cargs...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = s.in, s.out, s.err
	cmd.Env = append(os.Environ(), "SSLKEYLOGFILE="+filepath.Join(dir, "keys.txt"))
	runErr := cmd.Run()
	time.Sleep(o.settle)
	res, st, serr := sess.Stop()
	res.Sources = []string{iface}

	var errs []error
	if serr != nil {
		errs = append(errs, serr)
	}
	exit := 0
	var ee *exec.ExitError
	switch {
	case errors.As(runErr, &ee):
		exit = ee.ExitCode()
		errs = append(errs, fmt.Errorf("curl exited with status %d (its message is above); the capture is explained all the same", exit))
	case runErr != nil:
		return fmt.Errorf("running curl: %w", runErr)
	}
	tf, err := os.Open(tracePath)
	if err != nil {
		return fmt.Errorf("curl wrote no trace (%v): nothing to explain", err)
	}
	tr, terr := curltrace.Parse(tf, tracePath)
	tf.Close()
	if tr == nil {
		return terr
	}
	if terr != nil {
		errs = append(errs, terr)
	}
	if st.Dropped > 0 {
		errs = append(errs, fmt.Errorf("the kernel dropped %d packets during the capture: reads that needed them are explained as missing", st.Dropped))
	}
	fmt.Fprintln(s.out)
	x := report.Explanation{Result: explain.Explain(tr, res), Capture: res, Errors: errs}
	if err := x.Write(s.out, format); err != nil {
		return err
	}
	if o.html != "" {
		in := htmlreport.FromExplanation(x)
		in.Title = "segscope curl " + strings.Join(args, " ")
		if err := htmlreport.WriteFile(o.html, in); err != nil {
			return err
		}
		fmt.Fprintf(s.err, "segscope: wrote %s\n", o.html)
	}
	fmt.Fprintf(s.err, "segscope: %s: %d packets captured, %d dropped by the kernel", iface, st.Received, st.Dropped)
	if o.keep != "" {
		fmt.Fprintf(s.err, "; kept in %s", dir)
	}
	fmt.Fprintln(s.err)
	if exit != 0 {
		return exitStatus(exit)
	}
	if len(errs) > 0 {
		return errReported // the capture or the trace failed: scripts must see it
	}
	return nil
}

// exitStatus passes curl's exit status through.
type exitStatus int

func (e exitStatus) Error() string { return fmt.Sprintf("curl exited with status %d", int(e)) }

// curlAtLeast tells whether the curl at bin is version major.minor or
// later (--trace-config came in 8.3).
func curlAtLeast(bin string, major, minor int) bool {
	out, err := exec.Command(bin, "--version").Output()
	if err != nil {
		return false
	}
	var ma, mi int
	if _, err := fmt.Sscanf(string(out), "curl %d.%d", &ma, &mi); err != nil {
		return false
	}
	return ma > major || ma == major && mi >= minor
}
