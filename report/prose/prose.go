package prose

import (
	"fmt"
	"time"

	"github.com/segscope/segscope/explain"
)

// Why explains one event, a read or a send, in a sentence: its cause with
// the facts that show it, the inference or what would tell, and its
// timing.
func Why(e explain.Event) string {
	if e.Dir == explain.DirSend {
		return sendWhy(e)
	}
	return why(e)
}

// Summary is the explanation's summary, one sentence per line: the sizes,
// the main causes with an example's numbers, the uploads, the capture
// point, the confidence, and the capture's warnings.
func Summary(r *explain.Result) []string {
	out := summarySentences(r)
	if r.Trace != nil {
		if s := skippedSentence(r.Trace.Skipped); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// CauseMeaning says what a cause means, in a line.
func CauseMeaning(c explain.Cause) string { return causeMeaning(c) }

// NeedText says what is missing and how to get it.
func NeedText(n explain.Need) string { return needText(n) }

// ProblemText words a problem that kept the trace and the capture apart.
func ProblemText(p explain.Problem) string { return problemText(p) }

// MatchHow says how a trace connection was matched to the capture's.
func MatchHow(r *explain.Result, m explain.Match) string { return matchHow(r, m) }

// utcOffset writes a zone offset as UTC+05:45: hours and minutes apart,
// so a zone 45 minutes off the hour is not rounded to the next one.
func utcOffset(d time.Duration) string {
	sign := '+'
	if d < 0 {
		sign, d = '-', -d
	}
	m := int(d.Round(time.Minute) / time.Minute)
	return fmt.Sprintf("UTC%c%02d:%02d", sign, m/60, m%60)
}

// MatchLine says which capture connection a trace connection is, how that
// was found, and how the two clocks were aligned.
func MatchLine(r *explain.Result, m explain.Match) string {
	s := fmt.Sprintf("trace connection (line %d) = capture connection %d, %s > %s: matched by %s",
		r.Trace.Conns[m.TraceConn].Line, m.Conn.ID, m.Conn.Client, m.Conn.Server, matchHow(r, m))
	if m.KeyMissing {
		s += "; the key log given has no secret for it (of another run?), so it is not decrypted"
	}
	if m.Aligned && m.ClockAsIs {
		return s + fmt.Sprintf("; trace clock %s, taken as the capture's (curl 8's trace clock is the system's, and no read comes before its data)", utcOffset(m.ClockZone))
	}
	if m.Aligned {
		skew := m.ClockSkew.Round(time.Microsecond)
		way := "ahead of"
		if skew < 0 {
			skew, way = -skew, "behind"
		}
		how := "taking the quickest read or HTTP/1 request head as immediate"
		if m.ClockByH2Head {
			how = "taking the HTTP/2 request head as sent when curl logged it: every read came later than the head allows, held back by curl"
		}
		s += fmt.Sprintf("; trace clock %s, %s %s the capture's (%s)", utcOffset(m.ClockZone), skew, way, how)
	}
	return s
}
