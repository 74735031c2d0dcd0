package orchestrate

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/segscope/segscope/analyze"
	"github.com/segscope/segscope/capture"
	"github.com/segscope/segscope/explain"
	"github.com/segscope/segscope/sniffer"
)

// The fakes replay a real transfer from pcaps/: a capture taken at MTU
// 1440 with timestamps, and curl's trace of it.
const (
	replayCapture = "../pcaps/mtu1440-ts.pcap.gz"
	replayTrace   = "../pcaps/mtu1440-ts.trace"
)

// events records what happened, in order, across the fakes.
type events struct{ log []string }

func (e *events) add(s string) { e.log = append(e.log, s) }

type fakeCapturer struct {
	name string
	ev   *events
	fail error
	opts sniffer.Options
}

func (f *fakeCapturer) Start(o sniffer.Options) (Session, error) {
	if f.fail != nil {
		return nil, f.fail
	}
	f.opts = o
	f.ev.add("start " + f.name)
	return &fakeSession{f}, nil
}

type fakeSession struct{ c *fakeCapturer }

// Stop analyses the replayed capture with the options the orchestrator
// gave, so that what explain gets depends on them, as it does live.
func (s *fakeSession) Stop() (*analyze.Result, sniffer.Stats, error) {
	s.c.ev.add("stop " + s.c.name)
	f, err := capture.Open(replayCapture)
	if err != nil {
		return nil, sniffer.Stats{}, err
	}
	defer f.Close()
	a := analyze.New(s.c.opts.Analyze)
	if err := a.ReadAll(f); err != nil {
		return nil, sniffer.Stats{}, err
	}
	if s.c.opts.Write != nil {
		s.c.opts.Write.Write([]byte("pcapng"))
	}
	return a.Result(), sniffer.Stats{Received: 10}, nil
}

type fakeRunner struct {
	ev      *events
	exit    int
	noTrace bool
	block   bool // wait for ctx, as a curl stopped by a signal
	got     Command
}

func (r *fakeRunner) Run(ctx context.Context, c Command) (int, error) {
	r.ev.add("run")
	r.got = c
	if r.block {
		<-ctx.Done()
		return -1, ctx.Err()
	}
	if !r.noTrace {
		i := slices.Index(c.Args, "--trace")
		b, err := os.ReadFile(replayTrace)
		if err != nil {
			return -1, err
		}
		if err := os.WriteFile(c.Args[i+1], b, 0o644); err != nil {
			return -1, err
		}
	}
	return r.exit, nil
}

type fakeServer struct{ ev *events }

func (s fakeServer) Close() error { s.ev.add("server closed"); return nil }

func plan(ev *events, r *fakeRunner, caps ...*fakeCapturer) Plan {
	p := Plan{Curl: "curl", Args: []string{"-o", "/dev/null", "http://10.0.0.1/"}, Runner: r, Server: fakeServer{ev}}
	for _, c := range caps {
		p.Captures = append(p.Captures, Capture{Name: c.name, Source: c})
	}
	return p
}

func TestRun(t *testing.T) {
	ev := &events{}
	r := &fakeRunner{ev: ev}
	client, server := &fakeCapturer{name: "client", ev: ev}, &fakeCapturer{name: "server", ev: ev}
	p := plan(ev, r, client, server)
	p.TraceConfig = true
	out, err := Run(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	// Captures before curl, stopped after it in order, the server last so
	// its final packets are captured.
	want := []string{"start client", "start server", "run", "stop client", "stop server", "server closed"}
	if !slices.Equal(ev.log, want) {
		t.Errorf("order %v, want %v", ev.log, want)
	}
	args := strings.Join(r.got.Args, " ")
	// The trace's options last: curl keeps the last of -v and --trace.
	if !strings.HasPrefix(args, "-o /dev/null http://") || !strings.HasSuffix(args, " --trace "+filepath.Join(out.Dir, TraceFile)+" --trace-time --trace-config ids,tcp,ssl,http/2") {
		t.Errorf("curl args %q", args)
	}
	if !slices.Contains(r.got.Env, "SSLKEYLOGFILE="+filepath.Join(out.Dir, KeysFile)) {
		t.Errorf("env %v: no key log", r.got.Env)
	}
	if !slices.Equal(client.opts.KeyLogs, []string{filepath.Join(out.Dir, KeysFile)}) {
		t.Errorf("capture follows key logs %v", client.opts.KeyLogs)
	}
	if len(out.Errors) != 0 {
		t.Errorf("errors: %v", out.Errors)
	}
	if len(out.Captures) != 2 || out.Captures[1].Name != "server" {
		t.Fatalf("captures %+v", out.Captures)
	}
	// The analysis kept the segments explain needs: the reads are placed.
	x := out.Explanation
	if x == nil || len(x.Events) == 0 {
		t.Fatal("nothing explained")
	}
	full := 0
	for _, e := range x.Events {
		if e.Cause == explain.CauseFullSegment && e.Size == 1388 {
			full++
		}
	}
	if full < len(x.Events)/2 {
		t.Errorf("%d of %d reads explained as full 1388-byte segments", full, len(x.Events))
	}
	if _, err := os.Stat(out.Dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("temporary directory %s left: %v", out.Dir, err)
	}
}

func TestRunKeep(t *testing.T) {
	ev := &events{}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, KeysFile), []byte("stale\n"), 0o644)
	p := plan(ev, &fakeRunner{ev: ev}, &fakeCapturer{name: "client", ev: ev}, &fakeCapturer{name: "server", ev: ev})
	p.Dir, p.Keep = dir, true
	out, err := Run(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{TraceFile, "client.pcapng", "server.pcapng"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Error(err)
		}
	}
	if out.Captures[0].File != filepath.Join(dir, "client.pcapng") {
		t.Errorf("file %q", out.Captures[0].File)
	}
	// A key log from an earlier run would be read as this one's.
	if b, _ := os.ReadFile(filepath.Join(dir, KeysFile)); strings.Contains(string(b), "stale") {
		t.Error("the old key log was kept")
	}
}

func TestRunCurlFails(t *testing.T) {
	ev := &events{}
	out, err := Run(context.Background(), plan(ev, &fakeRunner{ev: ev, exit: 7}, &fakeCapturer{name: "client", ev: ev}))
	if err != nil {
		t.Fatal(err)
	}
	if out.CurlExit != 7 || len(out.Errors) != 1 || !strings.Contains(out.Errors[0].Error(), "status 7") {
		t.Errorf("exit %d, errors %v", out.CurlExit, out.Errors)
	}
	if out.Explanation == nil {
		t.Error("the capture was not explained")
	}
}

func TestRunNoTrace(t *testing.T) {
	ev := &events{}
	_, err := Run(context.Background(), plan(ev, &fakeRunner{ev: ev, noTrace: true}, &fakeCapturer{name: "client", ev: ev}))
	if !errors.Is(err, ErrNoTrace) {
		t.Fatalf("error %v, want ErrNoTrace", err)
	}
	if !slices.Contains(ev.log, "stop client") || !slices.Contains(ev.log, "server closed") {
		t.Errorf("not cleaned up: %v", ev.log)
	}
}

func TestRunCaptureFails(t *testing.T) {
	ev := &events{}
	broken := errors.New("no such device")
	r := &fakeRunner{ev: ev}
	_, err := Run(context.Background(), plan(ev, r, &fakeCapturer{name: "client", ev: ev}, &fakeCapturer{name: "server", ev: ev, fail: broken}))
	if !errors.Is(err, broken) || !strings.Contains(err.Error(), "server capture") {
		t.Fatalf("error %v", err)
	}
	// The first capture is stopped, curl never runs, the server is closed.
	want := []string{"start client", "stop client", "server closed"}
	if !slices.Equal(ev.log, want) {
		t.Errorf("order %v, want %v", ev.log, want)
	}
}

func TestRunCancelled(t *testing.T) {
	ev := &events{}
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(20*time.Millisecond, cancel)
	p := plan(ev, &fakeRunner{ev: ev, block: true}, &fakeCapturer{name: "client", ev: ev})
	p.Settle = time.Hour // not waited for once cancelled
	_, err := Run(ctx, p)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want context.Canceled", err)
	}
	want := []string{"start client", "run", "stop client", "server closed"}
	if !slices.Equal(ev.log, want) {
		t.Errorf("order %v, want %v", ev.log, want)
	}
}

func TestExecRunner(t *testing.T) {
	code, err := Exec{}.Run(context.Background(), Command{Path: "sh", Args: []string{"-c", "exit 3"}})
	if err != nil || code != 3 {
		t.Errorf("exit %d, %v", code, err)
	}
	var out strings.Builder
	code, err = Exec{Prefix: []string{"env"}}.Run(context.Background(), Command{Path: "sh", Args: []string{"-c", "echo $X"}, Env: []string{"X=y"}, Stdout: &out})
	if err != nil || code != 0 || out.String() != "y\n" {
		t.Errorf("exit %d, %v, output %q", code, err, out.String())
	}
	if _, err := (Exec{}).Run(context.Background(), Command{Path: "/nonexistent/curl"}); err == nil {
		t.Error("no error for a missing binary")
	}
	// Killed by a signal: 128 + the signal, as a shell says (was -1).
	if code, err := (Exec{}).Run(context.Background(), Command{Path: "sh", Args: []string{"-c", "kill -TERM $$"}}); err != nil || code != 143 {
		t.Errorf("a child killed by SIGTERM: exit %d, %v; want 143", code, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := (Exec{}).Run(ctx, Command{Path: "sleep", Args: []string{"10"}}); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("error %v, want the deadline", err)
	}
}

// TestKeptDirSurvivesFailedRun: a kept directory's files from an earlier
// run stay as they were when this run fails before curl traced (a
// mistyped interface: the capture does not start; curl writing no
// trace), and are replaced, a key log this run has none for removed,
// once it traced (review 21: the earlier run's files had been deleted
// first).
func TestKeptDirSurvivesFailedRun(t *testing.T) {
	dir := t.TempDir()
	old := map[string]string{TraceFile: "old trace", KeysFile: "old keys", "client.pcapng": "old capture"}
	for n, c := range old {
		if err := os.WriteFile(filepath.Join(dir, n), []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	same := func(when string) {
		t.Helper()
		for n, c := range old {
			if b, err := os.ReadFile(filepath.Join(dir, n)); err != nil || string(b) != c {
				t.Errorf("%s: %s is %q (%v), want %q", when, n, b, err, c)
			}
		}
		if m, _ := filepath.Glob(filepath.Join(dir, ".segscope-run-*")); len(m) > 0 {
			t.Errorf("%s: left %v", when, m)
		}
	}
	ev := &events{}
	p := plan(ev, &fakeRunner{ev: ev}, &fakeCapturer{name: "client", ev: ev, fail: errors.New("no interface eth9")})
	p.Dir, p.Keep = dir, true
	if _, err := Run(context.Background(), p); err == nil {
		t.Fatal("a capture that does not start: no error")
	}
	same("capture failed")

	p = plan(ev, &fakeRunner{ev: ev, noTrace: true, exit: 1}, &fakeCapturer{name: "client", ev: ev})
	p.Dir, p.Keep = dir, true
	Run(context.Background(), p)
	same("no trace")

	p = plan(ev, &fakeRunner{ev: ev}, &fakeCapturer{name: "client", ev: ev})
	p.Dir, p.Keep = dir, true
	out, err := Run(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "client.pcapng")); string(b) != "pcapng" {
		t.Errorf("capture after a run: %q", b)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, TraceFile)); len(b) < 1000 {
		t.Errorf("trace after a run: %d bytes", len(b))
	}
	if _, err := os.Stat(filepath.Join(dir, KeysFile)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the earlier run's key log stayed beside this run's files (%v)", err)
	}
	if out.Captures[0].File != filepath.Join(dir, "client.pcapng") {
		t.Errorf("capture file %q", out.Captures[0].File)
	}
	// A kept directory the run made, and a run that traced nothing: the
	// directory goes again (review 24: left behind empty).
	fresh := filepath.Join(t.TempDir(), "new")
	p = plan(ev, &fakeRunner{ev: ev, noTrace: true, exit: 2}, &fakeCapturer{name: "client", ev: ev})
	p.Dir, p.Keep = fresh, true
	out, _ = Run(context.Background(), p)
	if _, err := os.Stat(fresh); !errors.Is(err, os.ErrNotExist) || out == nil || out.CurlExit != 2 {
		t.Errorf("a new kept directory after a run without a trace: %v, outcome %+v", err, out)
	}
}
