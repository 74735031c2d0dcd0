package htmlreport

import (
	"github.com/segscope/segscope/analyze"
	"github.com/segscope/segscope/explain"
	"github.com/segscope/segscope/report/prose"
)

// plotReads are one connection's Recv data reads in columns: what the
// timeline draws of each, whether or not the explanation block holds the
// read in full (past Options.MaxExplainEvents it holds the first ones).
// line, start, t_us and first_us are delta-coded (t_us and first_us over
// their non-null values only); cause and confidence index the document's
// causes and confidences.
type plotReads struct {
	Line  []int    `json:"line"`
	Size  []int    `json:"size"`
	Start []int64  `json:"start"`
	Len   []int64  `json:"len"` // end - start, on the server-to-client TCP stream
	T     []*int64 `json:"t_us"`
	// First is when the read's first bytes were captured (its earliest
	// segment), for the span drawn back from the read; null without times.
	First []*int64 `json:"first_us"`
	Cause []int    `json:"cause"`
	Conf  []int    `json:"confidence"`
	// Pkt0 and Pkt1 are the first and last packet that carried the read
	// (0: none captured).
	Pkt0 []int `json:"first_packet"`
	Pkt1 []int `json:"last_packet"`

	lastLine         int
	lastStart        int64
	lastT, lastFirst int64
}

// names numbers strings in the order first seen.
type names struct {
	list  []string
	index map[string]int
}

func (n *names) of(s string) int {
	if i, ok := n.index[s]; ok {
		return i
	}
	if n.index == nil {
		n.index = map[string]int{}
	}
	n.index[s] = len(n.list)
	n.list = append(n.list, s)
	return len(n.list) - 1
}

func (r *plotReads) add(e explain.Event, c *analyze.Connection, causes, confs *names) {
	r.Line = append(r.Line, e.Line-r.lastLine)
	r.lastLine = e.Line
	r.Size = append(r.Size, e.Size)
	r.Start = append(r.Start, e.Range.Start-r.lastStart)
	r.lastStart = e.Range.Start
	r.Len = append(r.Len, e.Range.End-e.Range.Start)
	var t, first *int64
	if !e.Time.IsZero() {
		tu := (e.Time.UnixNano() - c.First) / 1e3
		fu := tu
		for _, s := range e.Segments {
			fu = min(fu, tu-s.Before.Microseconds())
		}
		dt, df := tu-r.lastT, fu-r.lastFirst
		r.lastT, r.lastFirst = tu, fu
		t, first = &dt, &df
	}
	r.T = append(r.T, t)
	r.First = append(r.First, first)
	r.Cause = append(r.Cause, causes.of(e.Cause.String()))
	r.Conf = append(r.Conf, confs.of(e.Confidence.String()))
	p0, p1 := 0, 0
	if n := len(e.Segments); n > 0 {
		p0, p1 = e.Segments[0].Packet, e.Segments[n-1].Packet
	}
	r.Pkt0 = append(r.Pkt0, p0)
	r.Pkt1 = append(r.Pkt1, p1)
}

// addReads puts the explanation's reads on the chosen connections, up to
// max in all, and says what was left out.
func addReads(d *plotDoc, x *explain.Result, conns []*analyze.Connection, max int) {
	if x == nil {
		return
	}
	at := map[int]int{}
	for i, c := range conns {
		at[c.ID] = i
	}
	var causes, confs names
	kept, dropped := 0, 0
	for _, e := range x.Events {
		i, ok := at[e.Conn]
		if !ok {
			continue
		}
		if kept == max {
			dropped++
			continue
		}
		kept++
		pc := &d.Connections[i]
		if pc.Reads == nil {
			pc.Reads = &plotReads{}
		}
		pc.Reads.add(e, conns[i], &causes, &confs)
	}
	sent := 0
	for _, e := range x.Sends {
		i, ok := at[e.Conn]
		if !ok || sent == max {
			continue
		}
		sent++
		pc := &d.Connections[i]
		if pc.Sends == nil {
			pc.Sends = &plotReads{}
		}
		pc.Sends.add(e, conns[i], &causes, &confs)
	}
	d.Causes, d.Confidences = append([]string{}, causes.list...), append([]string{}, confs.list...)
	if dropped > 0 {
		d.Notes = append(d.Notes, prose.PageReadsCut(kept, dropped))
	}
}
