package explain

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/segscope/segscope/curltrace"
)

// TestContentDiffers: a trace whose one read holds bytes the capture's
// connection does not (that direction captured whole, SYN to FIN) is of
// another transfer: listed with the line, and no event keeps a cause.
func TestContentDiffers(t *testing.T) {
	tr := readTrace(t, filepath.Join(pcaps, "mtu1440-ts.trace"))
	res := analyzeFor(t, tr, captureOf(t, "mtu1440-ts"), "")
	other := *tr
	other.Events = append([]curltrace.Event(nil), tr.Events...)
	line, n := 0, 0
	for i, e := range other.Events {
		if e.Kind == curltrace.RecvData && len(e.Data) > 100 {
			if n++; n == 30 {
				d := append([]byte(nil), e.Data...)
				d[50] ^= 0xff
				other.Events[i].Data = d
				line = e.Line
				break
			}
		}
	}
	r := Explain(&other, res)
	if !r.Refused || len(r.Problems) != 1 || r.Problems[0].Kind != ProblemContentDiffers || r.Problems[0].Line != line || r.Problems[0].Unfound != 1 {
		t.Fatalf("refused %v, problems %+v (line %d changed)", r.Refused, r.Problems, line)
	}
	for _, e := range r.Events {
		if e.Cause != CauseUnmatched || e.Confidence != CannotTell {
			t.Errorf("line %d: %v %v", e.Line, e.Cause, e.Confidence)
		}
	}
	// Unchanged, every read is found on the connection, in order, where
	// the counting of bytes put it.
	r = Explain(tr, res)
	if r.Refused || len(r.Matches) != 1 || r.Matches[0].By != ByContent {
		t.Fatalf("refused %v, matches %+v", r.Refused, r.Matches)
	}
	for i, e := range r.Events {
		if i > 0 && e.Range.Start != r.Events[i-1].Range.End {
			t.Errorf("line %d at %d, after %d", e.Line, e.Range.Start, r.Events[i-1].Range.End)
		}
	}
}

// TestZoneOf: a trace clock's offset is a time zone from UTC-12:00 to
// UTC+14:00, in whole or half hours or one of the zones off by a quarter
// (+05:45, +08:45, +12:45, +13:45); times of day wrap at midnight.
func TestZoneOf(t *testing.T) {
	for _, c := range []struct{ d, want time.Duration }{
		{0, 0},
		{5*time.Hour + 44*time.Minute, 5*time.Hour + 45*time.Minute},
		{-13 * time.Hour, 11 * time.Hour},
		{-(23*time.Hour + 50*time.Minute), 0}, // 00:10: no zone is +00:15
		{14*time.Minute + 50*time.Second, 0},  // two runs 14m50s apart (review round 4)
		{-(14*time.Minute + 50*time.Second), 0},
		{-(3*time.Hour + 25*time.Minute), -(3*time.Hour + 30*time.Minute)},
		{12*time.Hour + 50*time.Minute, 12*time.Hour + 45*time.Minute},
		{9*time.Hour + 40*time.Minute, 9*time.Hour + 30*time.Minute},
		{14 * time.Hour, 14 * time.Hour},
		{-12 * time.Hour, -12 * time.Hour},
	} {
		if got := zoneOf(c.d); got != c.want {
			t.Errorf("zoneOf(%v) = %v, want %v", c.d, got, c.want)
		}
	}
}

// TestH2DateDiffers: over HTTP/2 the response's date is in HPACK; with the
// key log it is decoded, and a trace whose response has another date
// (another run of the request) is not matched to the capture's.
func TestH2DateDiffers(t *testing.T) {
	for _, name := range []string{"https-h2", "h2-tls13-curl8"} {
		tr := readTrace(t, filepath.Join(pcaps, name+".trace"))
		res := analyzeFor(t, tr, captureOf(t, name), filepath.Join(pcaps, name+".keys"))
		if r := Explain(tr, res); len(r.Matches) != 1 || r.Refused {
			t.Fatalf("%s: the trace's own capture: %d matches, problems %+v", name, len(r.Matches), r.Problems)
		}
		other := *tr
		other.Events = append([]curltrace.Event(nil), tr.Events...)
		noHello(&other) // else the ClientHello's random decides first
		changed := false
		for i, e := range other.Events {
			if e.Kind == curltrace.RecvHeader && len(e.Data) > 30 && string(e.Data[:6]) == "date: " {
				d := append([]byte(nil), e.Data...)
				d[len(d)-7] = '0' + (d[len(d)-7]-'0'+1)%10 // another second
				other.Events[i].Data, changed = d, true
				break
			}
		}
		if !changed {
			t.Fatalf("%s: no date line", name)
		}
		r := Explain(&other, res)
		if len(r.Matches) != 0 || len(r.Problems) != 1 || r.Problems[0].Kind != ProblemResponseDiffers || r.Problems[0].Began[:6] != "date: " {
			t.Errorf("%s: %d matches, problems %+v", name, len(r.Matches), r.Problems)
		}
	}
}

// TestKeyLogOfAnotherRun: a key log that has no secret for the
// connection (another run's) is not answered with "pass the key log":
// the user did; what is missing is this run's.
func TestKeyLogOfAnotherRun(t *testing.T) {
	tr := readTrace(t, filepath.Join(pcaps, "https-h2.trace"))
	res := analyzeFor(t, tr, captureOf(t, "https-h2"), filepath.Join(pcaps, "h2-tls13-curl8.keys"))
	r := Explain(tr, res)
	for _, e := range r.Events {
		if len(e.Needs) == 0 || e.Needs[0] != NeedRunKeyLog || e.Confidence == Certain {
			t.Errorf("line %d: %v %v", e.Line, e.Confidence, e.Needs)
		}
	}
	res = analyzeFor(t, tr, captureOf(t, "https-h2"), "")
	for _, e := range Explain(tr, res).Events {
		if len(e.Needs) == 0 || e.Needs[0] != NeedKeyLog {
			t.Errorf("no key log, line %d: %v", e.Line, e.Needs)
		}
	}
}

// noHello makes the ClientHello dumps of t unreadable, as a trace
// without them (--trace-ascii): t's events must be its own copy.
func noHello(t *curltrace.Trace) {
	for i, e := range t.Events {
		if e.Kind == curltrace.SendSSL && len(e.Data) >= 38 && e.Data[0] == 1 {
			d := append([]byte(nil), e.Data...)
			d[0] = 0
			t.Events[i].Data = d
		}
	}
}

// TestHelloDiffers: the ClientHello curl dumped (--trace hex) names its
// TLS session; a capture connection to the same server whose ClientHello
// has another random is another transfer's (review 20: another client's
// HTTPS run 30 ms apart, no key log, was matched in the order of
// connection and every cause called certain); and the connection that
// has it is matched by it.
func TestHelloDiffers(t *testing.T) {
	for _, name := range []string{"https-h2", "h2-tls13-curl8", "go-tls13"} {
		tr := readTrace(t, filepath.Join(pcaps, name+".trace"))
		res := analyzeFor(t, tr, captureOf(t, name), "")
		r := Explain(tr, res)
		for _, m := range r.Matches {
			if m.By != ByClientRandom {
				t.Fatalf("%s: %+v", name, r.Matches)
			}
		}
		if len(r.Matches) != len(tr.Conns) {
			t.Fatalf("%s: %d matches for %d trace connections", name, len(r.Matches), len(tr.Conns))
		}
		other := *tr
		other.Events = append([]curltrace.Event(nil), tr.Events...)
		for i, e := range other.Events {
			if e.Kind == curltrace.SendSSL && len(e.Data) >= 38 && e.Data[0] == 1 {
				d := append([]byte(nil), e.Data...)
				d[10] ^= 0xff // another random
				other.Events[i].Data = d
			}
		}
		r = Explain(&other, res)
		if len(r.Matches) != 0 || !r.Refused || len(r.Problems) != len(tr.Conns) {
			t.Errorf("%s: another session: %d matches, refused %v, problems %+v", name, len(r.Matches), r.Refused, r.Problems)
		}
		for _, p := range r.Problems {
			if p.Kind != ProblemHelloDiffers {
				t.Errorf("%s: problem %+v", name, p)
			}
		}
	}
}
