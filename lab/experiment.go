package lab

import (
	"context"
	"errors"
	"fmt"
	"github.com/segscope/segscope/internal/tempdir"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/segscope/segscope/capture"
	"github.com/segscope/segscope/orchestrate"
	"github.com/segscope/segscope/sniffer"
)

// Experiment is one transfer through a lab: the path, the server, and
// the curl that fetches from it.
type Experiment struct {
	Path   Path
	Server ServerConfig
	Curl   string   // curl binary; "" is curl on PATH
	Args   []string // extra curl arguments, before the URL
	// ServerCapture also captures on the server's veth: with offloads on
	// it shows TSO's super-segments above the wire.
	ServerCapture bool
	// Dir receives the files (trace.txt, keys.txt, ca.pem, and with Keep
	// client.pcapng and server.pcapng). Empty: a temporary directory.
	Dir  string
	Keep bool
	// Nice, when not 0, runs curl at this niceness: a busy machine then
	// does not make curl lag behind a paced link (measured with four
	// busy loops on two CPUs at 5mbit: 63 of 78 reads were one segment at
	// nice 0, 87 of 89 at -15).
	Nice int
	// Settle is how long the captures go on after curl exits.
	Settle         time.Duration
	Stdout, Stderr io.Writer // curl's
	Log            func(cmd []string)
}

// Run is an experiment done: the lab it ran in (gone by now) and what
// the orchestrator returned.
type Run struct {
	ID           string
	Path         Path
	Server       ServerConfig
	Client, Peer Side // the client's and server's sides
	URL          string
	CurlArgs     []string
	*orchestrate.Outcome
}

// Do builds the lab, serves, captures and runs curl, then tears it all
// down, whatever happened: on an error, and when ctx is cancelled (by
// SIGINT or SIGTERM), before it returns.
func (e Experiment) Do(ctx context.Context) (*Run, error) {
	l, err := New(ctx, e.Path, Options{Log: e.Log})
	if err != nil {
		return nil, err
	}
	defer l.Close()
	srv, err := l.StartServer(e.Server)
	if err != nil {
		return nil, err
	}
	defer srv.Close() // before the namespaces go: its sockets would keep them
	dir := e.Dir
	if dir == "" {
		if dir, err = tempdir.Make("segscope-lab"); err != nil {
			return nil, err
		}
		defer os.RemoveAll(dir)
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	curl := e.Curl
	if curl == "" {
		curl = "curl"
	}
	args, err := e.curlArgs(srv, dir)
	if err != nil {
		return nil, err
	}
	prefix := []string{"ip", "netns", "exec", l.Client.NS}
	if e.Nice != 0 {
		prefix = append(prefix, "nice", "-n", strconv.Itoa(e.Nice))
	}
	plan := orchestrate.Plan{
		Curl: curl, Args: args, TraceConfig: orchestrate.CurlAtLeast(curl, 8, 3),
		Dir: dir, Keep: e.Keep, Captures: e.captures(l),
		Runner: orchestrate.Exec{Prefix: prefix},
		Server: srv, Settle: e.Settle, Stdout: e.Stdout, Stderr: e.Stderr,
	}
	out, err := orchestrate.Run(ctx, plan)
	r := &Run{ID: l.ID, Path: l.Path, Server: e.Server, Client: l.Client, Peer: l.Server,
		URL: srv.URL, CurlArgs: args, Outcome: out}
	// The orchestrator closed the server (and reported its error).
	if cerr := l.Close(); cerr != nil {
		err = errors.Join(err, fmt.Errorf("tearing the lab down: %w", cerr))
	}
	return r, err
}

// curlArgs are what the lab gives curl: quiet, the body thrown away, the
// certificate to trust, the protocol the server speaks; then the user's
// arguments and the URL.
func (e Experiment) curlArgs(srv *Server, dir string) ([]string, error) {
	args := []string{"-sS", "-o", os.DevNull}
	if srv.CACert != nil {
		ca := filepath.Join(dir, "ca.pem")
		if err := os.WriteFile(ca, srv.CACert, 0o644); err != nil {
			return nil, err
		}
		args = append(args, "--cacert", ca)
	}
	switch {
	case e.Server.HTTP2 && e.Server.TLS != "":
		args = append(args, "--http2")
	case e.Server.HTTP2:
		args = append(args, "--http2-prior-knowledge")
	case e.Server.TLS != "":
		args = append(args, "--http1.1")
	}
	return append(append(args, e.Args...), srv.URL), nil
}

// captures are the client's veth, and the server's when asked, each
// filtered to the server's port.
func (e Experiment) captures(l *Lab) []orchestrate.Capture {
	port := uint16(80)
	if e.Server.TLS != "" {
		port = 443
	}
	at := func(name string, s Side) orchestrate.Capture {
		return orchestrate.Capture{Name: name, Source: Capturer{NS: s.NS},
			Options: sniffer.Options{Live: capture.LiveOptions{Interface: s.Dev, Ports: []uint16{port}}}}
	}
	caps := []orchestrate.Capture{at("client", l.Client)}
	if e.ServerCapture {
		caps = append(caps, at("server", l.Server))
	}
	return caps
}

// Capturer opens captures inside a namespace.
type Capturer struct{ NS string }

// Start implements orchestrate.Capturer: the packet socket is opened
// inside the namespace, then read from this process like any other.
func (c Capturer) Start(o sniffer.Options) (orchestrate.Session, error) {
	var s *sniffer.Session
	err := In(c.NS, func() error {
		var err error
		s, err = sniffer.Start(o)
		return err
	})
	if err != nil {
		return nil, err
	}
	return s, nil
}
