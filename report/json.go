package report

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/segscope/segscope/analyze"
	"github.com/segscope/segscope/report/prose"
)

// The JSON documents. Field names are part of the schema documented in
// README.md; keep them stable.

type jsonAnalysis struct {
	Schema      string        `json:"schema"`
	Source      string        `json:"source"`
	Files       []string      `json:"files"`
	Capture     jsonCapture   `json:"capture"`
	Connections []jsonConn    `json:"connections"`
	Warnings    []jsonWarning `json:"warnings"`
	Errors      []string      `json:"errors"`
}

type jsonCapture struct {
	Packets    int           `json:"packets"`
	TCPPackets int           `json:"tcp_packets"`
	NonTCP     int           `json:"non_tcp_packets"`
	Fragments  int           `json:"fragments"`
	Malformed  int           `json:"malformed_packets"`
	SnapCut    int           `json:"snap_cut_packets"`
	Problems   []jsonProblem `json:"malformed_examples"`
	Start      *string       `json:"start"` // null: no packet was read
	DurationS  float64       `json:"duration_s"`
	Total      int           `json:"connections_total"`
}

type jsonProblem struct {
	File   string `json:"file"`
	Packet int    `json:"packet"`
	Reason string `json:"reason"`
}

type jsonWarning struct {
	Conn      *int   `json:"conn"`
	Direction string `json:"direction,omitempty"`
	Text      string `json:"text"`
}

type jsonConn struct {
	ID           int           `json:"id"`
	Client       string        `json:"client"`
	Server       string        `json:"server"`
	RolesGuessed bool          `json:"roles_guessed"`
	Start        string        `json:"start"`
	DurationMs   float64       `json:"duration_ms"`
	Packets      int           `json:"packets"`
	Handshake    jsonHandshake `json:"handshake"`
	Directions   jsonDirs      `json:"directions"`
	// App is null when the connection carried no payload or the analysis
	// was segments-only.
	App *jsonApp `json:"app"`
}

type jsonHandshake struct {
	Seen         bool     `json:"seen"`
	RTTMs        *float64 `json:"rtt_ms"`
	SYNToSYNACK  *float64 `json:"syn_to_synack_ms"`
	SYNACKToACK  *float64 `json:"synack_to_ack_ms"`
	SYNACKSeen   bool     `json:"synack_seen"`
	FinalACKSeen bool     `json:"ack_seen"`
}

type jsonDirs struct {
	ClientToServer jsonDir `json:"client_to_server"`
	ServerToClient jsonDir `json:"server_to_client"`
}

// jsonDir is one direction of a connection: the scalar fields of
// DirFields, in their order, then its runs, sizes and histogram. Both JSON
// encoders write it with jenc.dir (encoding/json through MarshalJSON), so
// the fields are declared once.
type jsonDir struct {
	row       dirRow // what DirFields read, each value when it is written
	PSHRuns   jsonRuns
	Sizes     []jsonSizeCount
	Histogram []jsonBucket
}

// MarshalJSON writes the direction as jenc.dir does.
func (d jsonDir) MarshalJSON() ([]byte, error) {
	e := &jenc{}
	e.dir(&d)
	return e.b, nil
}

type jsonRuns struct {
	Count     int     `json:"count"`
	MeanBytes float64 `json:"mean_bytes"`
	MinBytes  int64   `json:"min_bytes"`
	MaxBytes  int64   `json:"max_bytes"`
}

type jsonSizeCount struct {
	Size  int `json:"size"`
	Count int `json:"count"`
}

type jsonBucket struct {
	Min   int  `json:"min"`
	Max   *int `json:"max"` // null for the open last bucket
	Count int  `json:"count"`
}

// maxJSONSizes bounds the sizes listed per direction (most common first).
const maxJSONSizes = 32

// jsonHead is everything of the analysis document but its connections, which
// are streamed one at a time so a capture of many connections never sits in
// memory as one JSON value.
func (a Analysis) jsonHead() jsonAnalysis {
	r := a.Result
	out := jsonAnalysis{
		Schema: AnalysisSchema,
		Source: strings.Join(r.Sources, ", "),
		Files:  append([]string{}, r.Sources...),
		Capture: jsonCapture{
			Packets: r.Packets, TCPPackets: r.TCPPackets, NonTCP: r.NonTCP,
			Fragments: r.Fragments, Malformed: r.Malformed, SnapCut: r.SnapCut, Problems: []jsonProblem{},
			DurationS: round3(r.Duration().Seconds()),
			Total:     r.Total(),
		},
		Connections: []jsonConn{},
		Warnings:    []jsonWarning{},
		Errors:      []string{},
	}
	if r.Packets > 0 {
		s := timeString(r.First)
		out.Capture.Start = &s
	}
	for _, p := range r.Problems {
		out.Capture.Problems = append(out.Capture.Problems, jsonProblem{p.Source, p.Packet, p.Reason})
	}
	chosen := map[int]bool{}
	for _, c := range a.Connections {
		chosen[c.ID] = true
	}
	out.Warnings = jsonWarnings(r.Warnings, func(id int) bool { return chosen[id] })
	for _, err := range a.Errors {
		out.Errors = append(out.Errors, err.Error())
	}
	return out
}

// jsonWarnings renders the warnings of the capture (Conn -1) and of the
// connections keep says are in the output.
func jsonWarnings(ws []analyze.Warning, keep func(id int) bool) []jsonWarning {
	out := []jsonWarning{}
	for _, w := range ws {
		if w.Conn >= 0 && !keep(w.Conn) {
			continue
		}
		jw := jsonWarning{Direction: w.Dir, Text: prose.WarningText(w)}
		if w.Conn >= 0 {
			id := w.Conn
			jw.Conn = &id
		}
		out = append(out, jw)
	}
	return out
}

// jsonConnOf renders a connection; withApp adds its application layer
// (exchanges, records, frames), which CSV has no column for.
func jsonConnOf(c *analyze.Connection, withApp bool) jsonConn {
	h := c.Handshake
	jc := jsonConn{
		ID: c.ID, Client: c.Client.String(), Server: c.Server.String(),
		RolesGuessed: c.RolesGuessed, Start: timeString(c.First),
		DurationMs: round3(float64(c.Last-c.First) / 1e6), Packets: int(c.Packets),
		Handshake: jsonHandshake{Seen: h.Seen(), SYNACKSeen: h.SYNACK != 0, FinalACKSeen: h.ACK != 0},
	}
	if rtt, ok := h.RTT(); ok {
		v := ms(rtt)
		jc.Handshake.RTTMs = &v
	}
	if h.SYN != 0 && h.SYNACK != 0 {
		v := round3(float64(h.SYNACK-h.SYN) / 1e6)
		jc.Handshake.SYNToSYNACK = &v
	}
	if h.SYNACK != 0 && h.ACK != 0 {
		v := round3(float64(h.ACK-h.SYNACK) / 1e6)
		jc.Handshake.SYNACKToACK = &v
	}
	if withApp {
		jc.App = jsonAppOf(c)
	}
	jc.Directions.ClientToServer = jsonDirOf(c, analyze.ClientToServer, jc.Client, jc.Server)
	jc.Directions.ServerToClient = jsonDirOf(c, analyze.ServerToClient, jc.Client, jc.Server)
	return jc
}

func intPtr(v int) *int { return &v }

func jsonDirOf(c *analyze.Connection, dir analyze.Dir, client, server string) jsonDir {
	r := newDirRowOf(c, dir, client, server) // the direction's statistics, computed once
	d := r.d
	jd := jsonDir{
		row:     r,
		PSHRuns: jsonRuns{Count: int(d.Runs.Count), MeanBytes: round3(d.Runs.Mean()), MinBytes: d.Runs.Min, MaxBytes: d.Runs.Max},
		Sizes:   []jsonSizeCount{}, Histogram: []jsonBucket{},
	}
	for _, s := range r.st.TopSizes(maxJSONSizes) {
		jd.Sizes = append(jd.Sizes, jsonSizeCount{s.Size, s.Count})
	}
	for _, b := range r.st.Histogram {
		jb := jsonBucket{Min: b.Min, Count: b.Count}
		if b.Min < 65536 {
			jb.Max = intPtr(b.Max)
		}
		jd.Histogram = append(jd.Histogram, jb)
	}
	return jd
}

// writeJSON writes the analysis document, its connections appended one at
// a time without reflection (nor boxing each into an interface).
func (a Analysis) writeJSON(w io.Writer) error {
	i := 0
	return writeJSONStreamFast(w, a.jsonHead(), "connections", func(e *jenc) bool {
		if i == len(a.Connections) {
			return false
		}
		e.connFast(a.Connections[i])
		i++
		return true
	})
}

// writeJSONStream writes doc as an indented JSON object, with the array
// under key produced one element at a time by next (which returns false
// after the last). Segments are appended without reflection (jenc);
// anything else goes through encoding/json, in one buffer for every
// element: the document may hold tens of thousands of them.
func writeJSONStream(w io.Writer, doc any, key string, next func() (any, bool)) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("    ", "  ")
	var encErr error
	err := writeJSONStreamFast(w, doc, key, func(e *jenc) bool {
		v, ok := next()
		if !ok {
			return false
		}
		buf.Reset()
		if encErr = enc.Encode(v); encErr != nil {
			return false
		}
		e.b = append(e.b, bytes.TrimSuffix(buf.Bytes(), []byte("\n"))...)
		return true
	})
	if encErr != nil {
		return encErr
	}
	return err
}

// writeJSONStreamFast writes doc as an indented JSON object, with each
// element of the array under key appended by next to the encoder (which
// returns false after the last).
func writeJSONStreamFast(w io.Writer, doc any, key string, next func(*jenc) bool) error {
	head, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return err
	}
	marker := []byte("\n  \"" + key + "\": []")
	i := bytes.Index(head, marker)
	if i < 0 {
		return fmt.Errorf("report: no %q array in the document", key)
	}
	bw := bufio.NewWriterSize(w, 1<<16)
	bw.Write(head[:i])
	fmt.Fprintf(bw, "\n  %q: [", key)
	e := &jenc{prefix: "    ", indent: true}
	first := true
	for {
		e.b = e.b[:0]
		if !first {
			e.b = append(e.b, ',')
		}
		e.b = append(e.b, "\n    "...)
		if !next(e) {
			break
		}
		first = false
		bw.Write(e.b)
	}
	if !first {
		bw.WriteString("\n  ")
	}
	bw.WriteByte(']')
	bw.Write(head[i+len(marker):])
	bw.WriteByte('\n')
	return bw.Flush()
}

// writeJSON writes a small document (one connection's map) indented.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
