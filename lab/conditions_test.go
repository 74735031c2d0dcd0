package lab

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/segscope/segscope/explain"
)

// curl8 marks the rows run with curl 8.14, which .ci/install-curl8.sh
// installs beside the system's 7.88 ($SEGSCOPE_CURL8 names another).
const curl8 = "curl 8"

func curl8Bin() string {
	if bin := os.Getenv("SEGSCOPE_CURL8"); bin != "" {
		return bin
	}
	return "/opt/segscope/curl-8.14/bin/curl"
}

// condition is one row of the table of conditions: a lab set up one way,
// and what the capture and the trace must then show. Every row was first
// run by hand and its sizes read from the capture (docs/lab.md has the
// outputs); the tests keep them true.
type condition struct {
	name  string
	exp   Experiment
	check func(t errorf, c Condition, r *Run)
}

// errorf is what the checks report to: a *testing.T, or an attempt's
// recorder.
type errorf interface {
	Helper()
	Errorf(format string, args ...any)
}

// attempt records one run's failures: a row is retried, since whether
// curl keeps up with a paced link depends on the machine's load (CI runs
// other packages' tests, a browser among them, beside these).
type attempt struct{ errs []string }

func (a *attempt) Helper() {}
func (a *attempt) Errorf(format string, args ...any) {
	a.errs = append(a.errs, fmt.Sprintf(format, args...))
}

// paced is the default path with tbf at rate.
func paced(rate string) Path { p := DefaultPath(); p.Rate = rate; return p }

func body(size int64) ServerConfig { return ServerConfig{Body: Body{Size: size}} }

var conditions = []condition{
	{"mtu1500", Experiment{Path: paced("5mbit"), Server: body(192 << 10)}, func(t errorf, c Condition, r *Run) {
		wantSegments(t, c, 1460, 12, 1448)
		wantRead(t, c, 1448, explain.CauseFullSegment, 0.8)
	}},
	{"timestamps-off", Experiment{Path: with(paced("5mbit"), func(p *Path) { p.Timestamps = false }), Server: body(192 << 10)},
		func(t errorf, c Condition, r *Run) {
			wantSegments(t, c, 1460, 0, 1460)
			wantRead(t, c, 1460, explain.CauseFullSegment, 0.8)
		}},
	{"mtu1440", Experiment{Path: with(paced("5mbit"), func(p *Path) { p.MTU = 1440 }), Server: body(192 << 10)},
		func(t errorf, c Condition, r *Run) {
			wantSegments(t, c, 1400, 12, 1388)
			wantRead(t, c, 1388, explain.CauseFullSegment, 0.8)
		}},
	{"mtu1440-timestamps-off", Experiment{Path: with(paced("5mbit"), func(p *Path) { p.MTU, p.Timestamps = 1440, false }), Server: body(192 << 10)},
		func(t errorf, c Condition, r *Run) {
			wantSegments(t, c, 1400, 0, 1400)
			wantRead(t, c, 1400, explain.CauseFullSegment, 0.8)
		}},
	{"ipv6-mtu1460", Experiment{Path: with(paced("5mbit"), func(p *Path) { p.MTU, p.IPv6 = 1460, true }), Server: body(192 << 10)},
		func(t errorf, c Condition, r *Run) {
			wantSegments(t, c, 1400, 12, 1388)
			wantRead(t, c, 1388, explain.CauseFullSegment, 0.8)
			if !r.Client.IPv6.IsValid() || !strings.Contains(r.URL, "[fd00:") {
				t.Errorf("fetched %s, not over IPv6", r.URL)
			}
		}},
	{"ipv6-mtu1460-curl8", Experiment{Path: with(paced("5mbit"), func(p *Path) { p.MTU, p.IPv6 = 1460, true }), Server: body(256 << 10), Curl: curl8},
		func(t errorf, c Condition, r *Run) {
			wantSegments(t, c, 1400, 12, 1388)
			wantRead(t, c, 1388, explain.CauseFullSegment, 0.8)
		}},
	{"mss-clamp-1300", Experiment{Path: with(paced("5mbit"), func(p *Path) { p.MSS = 1300 }), Server: body(128 << 10)},
		func(t errorf, c Condition, r *Run) {
			wantSegments(t, c, 1300, 12, 1288)
		}},
	{"ipv6-mss-clamp-1300", Experiment{Path: with(paced("5mbit"), func(p *Path) { p.MSS, p.IPv6 = 1300, true }), Server: body(128 << 10)},
		func(t errorf, c Condition, r *Run) {
			wantSegments(t, c, 1300, 12, 1288)
		}},
	{"offloads-on", Experiment{Path: with(DefaultPath(), func(p *Path) { p.TSO, p.GSO, p.GRO = true, true, true }),
		Server: body(512 << 10), ServerCapture: true},
		func(t errorf, c Condition, r *Run) {
			// The sending side's capture sits above TSO: most of its
			// "segments" are several MSS long, and are flagged.
			if c.ServerSuper < c.Segments/2 || c.ServerSuper == 0 {
				t.Errorf("server side: %d super-segments of %d, want most", c.ServerSuper, c.Segments)
			}
			// A veth has no NIC below it to cut them: they reach the
			// client whole, so the client's side shows them too, and
			// explain says it cannot tell the wire's segments.
			if c.Super == 0 {
				t.Errorf("client side: no super-segments")
			}
			if n := noted(r, explain.NoteSuperSegments); n == 0 {
				t.Errorf("no read noted as carried by super-segments")
			}
		}},
	{"gro-only", Experiment{Path: with(DefaultPath(), func(p *Path) { p.GRO = true }), Server: body(1 << 20), ServerCapture: true},
		func(t errorf, c Condition, r *Run) {
			// GRO merges on the receiving side, before its capture: the
			// client's side shows super-segments, the sender's the
			// segments that crossed the veth.
			if c.Super < c.Segments/2 || c.Super == 0 {
				t.Errorf("client side: %d super-segments of %d, want most", c.Super, c.Segments)
			}
			if c.ServerSuper != 0 {
				t.Errorf("server side: %d super-segments, want none (TSO and GSO are off)", c.ServerSuper)
			}
		}},
	{"low-rate", Experiment{Path: paced("5mbit"), Server: body(128 << 10)}, func(t errorf, c Condition, r *Run) {
		wantRead(t, c, 1448, explain.CauseFullSegment, 0.9)
	}},
	{"unpaced", Experiment{Path: DefaultPath(), Server: body(1 << 20)}, func(t errorf, c Condition, r *Run) {
		// curl cannot keep up with a veth: reads take what waits, and
		// which limit stops them (the buffer, the receive window the slow
		// reader let fill, or nothing) depends on the machine's load, so
		// any of the three is the outcome; one segment per read is not.
		if c.TopRead.Size == 1448 && c.TopRead.Count > c.Reads/2 {
			t.Errorf("unpaced, yet most reads were one segment: %+v", c.TopRead)
		}
		if count(r, explain.CauseBacklog)+count(r, explain.CauseBufferCap)+count(r, explain.CauseWindowFull) == 0 {
			t.Errorf("no read took more than was sent at once (backlog, buffer-cap or window-full): %v", c.Causes)
		}
	}},
	{"limit-rate-32k", Experiment{Path: DefaultPath(), Server: body(160 << 10), Args: []string{"--limit-rate", "32k"}},
		func(t errorf, c Condition, r *Run) {
			// curl's buffer is the rate: reads of 32768 bytes.
			wantRateCapped(t, c, r, 32768)
		}},
	{"limit-rate-16k-curl8", Experiment{Path: DefaultPath(), Server: body(64 << 10), Args: []string{"--limit-rate", "16k"}, Curl: curl8},
		func(t errorf, c Condition, r *Run) {
			// curl 8 waits about a second between its reads of 16384.
			wantRateCapped(t, c, r, 16384)
		}},
	{"paced-writes-1000", Experiment{Path: paced("20mbit"),
		Server: ServerConfig{Body: Body{Size: 20000, WriteSize: 1000, WriteDelay: 10 * time.Millisecond}}},
		func(t errorf, c Condition, r *Run) {
			wantRead(t, c, 1000, explain.CauseShortSegment, 0.8)
			if c.TopSegment.Size != 1000 {
				t.Errorf("most common segment %+v, want 1000", c.TopSegment)
			}
		}},
	{"paced-writes-1000-chunked", Experiment{Path: paced("20mbit"),
		Server: ServerConfig{Body: Body{Size: 20000, Chunked: true, WriteSize: 1000, WriteDelay: 10 * time.Millisecond}}},
		func(t errorf, c Condition, r *Run) {
			// 1000 bytes of data plus "3e8\r\n" before and "\r\n" after.
			wantRead(t, c, 1007, explain.CauseChunkWrite, 0.8)
			if c.TopSegment.Size != 1007 {
				t.Errorf("most common segment %+v, want 1007", c.TopSegment)
			}
		}},
	{"tls13", Experiment{Path: paced("50mbit"), Server: ServerConfig{TLS: "1.3", Body: Body{Size: 512 << 10}}},
		func(t errorf, c Condition, r *Run) {
			wantRead(t, c, 16384, explain.CauseTLSRecord, 0.8)
		}},
	{"tls13-write-1388", Experiment{Path: paced("50mbit"), Server: ServerConfig{TLS: "1.3", Body: Body{Size: 256 << 10, WriteSize: 1388}}},
		func(t errorf, c Condition, r *Run) {
			wantRead(t, c, 1388, explain.CauseTLSRecord, 0.9)
			// The path is MTU 1500: the segments are not what made 1388.
			wantSegments(t, c, 1460, 12, 1448)
		}},
	{"tls12-write-1388", Experiment{Path: paced("50mbit"), Server: ServerConfig{TLS: "1.2", Body: Body{Size: 128 << 10, WriteSize: 1388}}},
		func(t errorf, c Condition, r *Run) {
			wantRead(t, c, 1388, explain.CauseTLSRecord, 0.9)
		}},
}

func with(p Path, f func(*Path)) Path { f(&p); return p }

// TestConditions runs the table of conditions, each in a lab of its own,
// one after the other (timing is part of what they measure).
func TestConditions(t *testing.T) {
	needLab(t)
	start := time.Now()
	for _, tc := range conditions {
		t.Run(tc.name, func(t *testing.T) {
			e := tc.exp
			if e.Curl == curl8 {
				e.Curl = curl8Bin()
				if _, err := os.Stat(e.Curl); err != nil {
					if os.Getenv("SEGSCOPE_LIVE_TESTS") == "1" {
						t.Fatalf("curl 8: %v (run .ci/install-curl8.sh)", err)
					}
					t.Skip(err)
				}
			}
			e.Settle, e.Nice = 100*time.Millisecond, -15
			const tries = 3
			for i := 1; ; i++ {
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				r, err := e.Do(ctx)
				cancel()
				if err != nil {
					t.Fatal(err)
				}
				for _, e := range r.Errors {
					t.Errorf("run: %v", e)
				}
				c := Summarize(tc.name, r)
				t.Logf("%s: MSS %d, effective %d, segments %d (top %+v, %d super, server side %d); reads %d (top %+v %v) %v",
					tc.name, c.MSS, c.EffectiveMSS, c.Segments, c.TopSegment, c.Super, c.ServerSuper, c.Reads, c.TopRead, c.TopReadWhy, c.Causes)
				a := &attempt{}
				tc.check(a, c, r)
				if len(a.errs) == 0 {
					break
				}
				if i == tries {
					for _, e := range a.errs {
						t.Error(e)
					}
					break
				}
				t.Logf("attempt %d of %d: %s; again", i, tries, strings.Join(a.errs, "; "))
			}
		})
	}
	if left := labNamespaces(t); len(left) > 0 {
		t.Errorf("left behind: %v", left)
	}
	t.Logf("%d conditions in %v", len(conditions), time.Since(start).Round(time.Millisecond))
}

// wantSegments checks the server-to-client direction's MSS arithmetic
// and that most data segments are full.
func wantSegments(t errorf, c Condition, mss, opts, eff int) {
	t.Helper()
	if c.MSS != mss || c.OptionBytes != opts || c.EffectiveMSS != eff {
		t.Errorf("MSS %d - options %d = %d; want %d - %d = %d", c.MSS, c.OptionBytes, c.EffectiveMSS, mss, opts, eff)
	}
	if c.TopSegment.Size != eff || c.TopSegment.Count < c.Segments/2 {
		t.Errorf("most common segment %d x%d of %d; want %d, most of them", c.TopSegment.Size, c.TopSegment.Count, c.Segments, eff)
	}
	if c.Super != 0 {
		t.Errorf("%d super-segments with offloads off", c.Super)
	}
}

// wantRead checks the most common read, its cause, and that at least
// share of the reads had that size.
func wantRead(t errorf, c Condition, size int, cause explain.Cause, share float64) {
	t.Helper()
	if c.TopRead.Size != size || c.TopReadWhy != cause {
		t.Errorf("most common read %d (%v); want %d (%v)", c.TopRead.Size, c.TopReadWhy, size, cause)
	}
	if float64(c.TopRead.Count) < share*float64(c.Reads) {
		t.Errorf("%d of %d reads were %d; want at least %.0f%%", c.TopRead.Count, c.Reads, size, share*100)
	}
}

// wantRateCapped checks that --limit-rate's buffer capped the reads.
func wantRateCapped(t errorf, c Condition, r *Run, size int) {
	t.Helper()
	if c.TopRead.Size != size || (c.TopReadWhy != explain.CauseBufferCap && c.TopReadWhy != explain.CauseRateLimit) {
		t.Errorf("most common read %d (%v); want %d (buffer-cap or rate-limit)", c.TopRead.Size, c.TopReadWhy, size)
	}
	for _, ev := range r.Explanation.Events {
		if ev.Size > size {
			t.Errorf("read of %d bytes, above the rate's %d", ev.Size, size)
		}
	}
}

func noted(r *Run, note explain.Note) int {
	n := 0
	for _, ev := range r.Explanation.Events {
		if slices.Contains(ev.Notes, note) {
			n++
		}
	}
	return n
}

func count(r *Run, cause explain.Cause) int {
	n := 0
	for _, ev := range r.Explanation.Events {
		if ev.Cause == cause {
			n++
		}
	}
	return n
}

// TestTwoLabsAtOnce runs two labs side by side, as two users (or two
// terminals) would: each must see its own path, and neither may disturb
// the other's teardown.
func TestTwoLabsAtOnce(t *testing.T) {
	needLab(t)
	type result struct {
		c   Condition
		err error
	}
	mtus := []int{1440, 1500}
	out := make(chan result, len(mtus))
	for _, mtu := range mtus {
		go func() {
			e := Experiment{Path: with(paced("5mbit"), func(p *Path) { p.MTU = mtu }), Server: body(128 << 10),
				Settle: 100 * time.Millisecond, Nice: -15}
			r, err := e.Do(context.Background())
			if err != nil {
				out <- result{err: err}
				return
			}
			out <- result{c: Summarize(fmt.Sprint(mtu), r)}
		}()
	}
	got := map[string]int{}
	for range mtus {
		r := <-out
		if r.err != nil {
			t.Fatal(r.err)
		}
		got[r.c.Label] = r.c.EffectiveMSS
	}
	if got["1440"] != 1388 || got["1500"] != 1448 {
		t.Errorf("effective MSS by MTU: %v, want 1440: 1388, 1500: 1448", got)
	}
	if left := labNamespaces(t); len(left) > 0 {
		t.Errorf("left behind: %v", left)
	}
}
