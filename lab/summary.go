package lab

import (
	"fmt"
	"sort"

	"github.com/segscope/segscope/analyze"
	"github.com/segscope/segscope/explain"
)

// Summarize condenses a run.
func Summarize(label string, r *Run) Condition {
	c := Condition{Label: label, Path: r.Path, Server: r.Server, ServerSuper: -1, IPHeader: 20}
	if c.Path.IPv6 {
		c.IPHeader = 40
	}
	c.PathMSS = c.Path.MTU - c.IPHeader - 20
	if r.Outcome == nil || r.Explanation == nil {
		c.Failed = true
		return c
	}
	if conn := transfer(r.Captures[0].Result); conn != nil {
		d := conn.Dir(analyze.ServerToClient)
		eff := d.EffectiveMSS()
		c.MSS, c.OptionBytes, c.EffectiveMSS = eff.MSS, eff.OptionBytes, eff.Value
		st := d.Stats()
		c.Segments, c.Super = int(d.DataSegments), st.Super
		if top := st.TopSizes(1); len(top) > 0 {
			c.TopSegment = top[0]
		}
	}
	for _, cp := range r.Captures[1:] {
		if conn := transfer(cp.Result); conn != nil {
			c.ServerSuper = conn.Dir(analyze.ServerToClient).Stats().Super
		}
	}
	sizes := map[int]int{}
	causes := map[explain.Cause]int{}
	for _, ev := range r.Explanation.Events {
		sizes[ev.Size]++
		causes[ev.Cause]++
		c.Reads++
	}
	c.TopRead = top(sizes)
	why := map[explain.Cause]int{}
	for _, ev := range r.Explanation.Events {
		if ev.Size == c.TopRead.Size {
			why[ev.Cause]++
		}
	}
	c.Causes = byCount(causes)
	if w := byCount(why); len(w) > 0 {
		c.TopReadWhy = w[0].Cause
	}
	return c
}

// transfer is the connection that carried the most bytes to the client.
func transfer(res *analyze.Result) *analyze.Connection {
	var best *analyze.Connection
	for _, c := range res.Connections {
		if best == nil || c.Dir(analyze.ServerToClient).PayloadBytes > best.Dir(analyze.ServerToClient).PayloadBytes {
			best = c
		}
	}
	return best
}

func top(m map[int]int) analyze.SizeCount {
	var t analyze.SizeCount
	for s, n := range m {
		if n > t.Count || n == t.Count && s > t.Size {
			t = analyze.SizeCount{Size: s, Count: n}
		}
	}
	return t
}

func byCount(m map[explain.Cause]int) []explain.CauseCount {
	var out []explain.CauseCount
	for c, n := range m {
		out = append(out, explain.CauseCount{Cause: c, Count: n})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return fmt.Sprint(out[i].Cause) < fmt.Sprint(out[j].Cause)
	})
	return out
}
