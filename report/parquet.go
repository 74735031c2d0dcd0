package report

import (
	"errors"
	"fmt"
	"github.com/segscope/segscope/internal/atomicfile"
	"os"
	"path/filepath"

	"github.com/parquet-go/parquet-go"

	"github.com/segscope/segscope/analyze"
)

// Parquet files written by `analyze --format parquet -w DIR`, for engines
// that read many captures at once (DuckDB, Spark, Trino, pandas). Every
// column has an explicit physical and logical type (the struct tags
// below); a column that can be unknown is optional (NULL), never 0.
// Times are TIMESTAMP(MICROS, UTC-adjusted), which Spark, DuckDB, Trino
// and pandas all read (Spark has no nanosecond timestamps), with the exact
// Unix nanoseconds beside them as INT64 (start_ns, time_ns); strings are
// dictionary-encoded where they repeat. The schema is documented in README.md; like the JSON
// schema, a column is only ever added.
const (
	ParquetConnections = "connections.parquet" // one row per connection direction
	ParquetSegments    = "segments.parquet"    // one row per segment
	ParquetHTTP        = "http.parquet"        // one row per HTTP/1 exchange (clear or decrypted)
	ParquetTLSRecords  = "tls_records.parquet" // one row per TLS record
)

// pqConnDir is one row of connections.parquet: a connection direction
// with its connection's columns repeated, as in `--format csv`.
type pqConnDir struct {
	ID                    int64    `parquet:"id"`
	Client                string   `parquet:"client"`
	Server                string   `parquet:"server"`
	ServerIP              string   `parquet:"server_ip,dict"`
	ServerPort            int32    `parquet:"server_port"`
	RolesGuessed          bool     `parquet:"roles_guessed"`
	Start                 int64    `parquet:"start,timestamp(microsecond)"`
	StartNs               int64    `parquet:"start_ns"`
	DurationMs            float64  `parquet:"duration_ms"`
	ConnPackets           int64    `parquet:"conn_packets"`
	HandshakeRTTMs        *float64 `parquet:"handshake_rtt_ms,optional"`
	Protocol              string   `parquet:"protocol,dict"`
	Direction             string   `parquet:"direction,dict"`
	Source                string   `parquet:"source"`
	Destination           string   `parquet:"destination"`
	SYNSeen               bool     `parquet:"syn_seen"`
	MSS                   *int32   `parquet:"mss,optional"`
	WindowScale           *int32   `parquet:"window_scale,optional"`
	SACKPermitted         bool     `parquet:"sack_permitted"`
	Timestamps            bool     `parquet:"timestamps"`
	EffectiveMSS          *int32   `parquet:"effective_mss,optional"`
	EffectiveMSSInferred  bool     `parquet:"effective_mss_inferred"`
	OptionBytes           int32    `parquet:"option_bytes"`
	Packets               int64    `parquet:"packets"`
	DataSegments          int64    `parquet:"data_segments"`
	PayloadBytes          int64    `parquet:"payload_bytes"`
	MinSegment            int32    `parquet:"min_segment"`
	MedianSegment         int32    `parquet:"median_segment"`
	P95Segment            int32    `parquet:"p95_segment"`
	MeanSegment           float64  `parquet:"mean_segment"`
	MaxSegment            int32    `parquet:"max_segment"`
	FullSizeSegments      int64    `parquet:"full_size_segments"`
	ShortSegments         int64    `parquet:"short_segments"`
	SuperSegments         int64    `parquet:"super_segments"`
	RetransmittedSegments int64    `parquet:"retransmitted_segments"`
	RetransmittedBytes    int64    `parquet:"retransmitted_bytes"`
	OutOfOrderSegments    int64    `parquet:"out_of_order_segments"`
	DuplicateSegments     int64    `parquet:"duplicate_segments"`
	ZeroWindows           int64    `parquet:"zero_windows"`
	KeepAlives            int64    `parquet:"keep_alives"`
	Resets                int64    `parquet:"resets"`
	Fins                  int64    `parquet:"fins"`
	PushedSegments        int64    `parquet:"pushed_segments"`
	MissingBytes          int64    `parquet:"missing_bytes"`
	PSHRuns               int64    `parquet:"psh_runs"`
	// Sizes lists every distinct data segment size with its count, by
	// size (JSON lists the 32 most common).
	Sizes []pqSize `parquet:"sizes,list"`
}

type pqSize struct {
	Size  int32 `parquet:"size"`
	Count int64 `parquet:"count"`
}

// pqSegment is one row of segments.parquet.
type pqSegment struct {
	Conn        int64  `parquet:"conn"`
	Packet      int64  `parquet:"packet"`
	Time        int64  `parquet:"time,timestamp(microsecond)"`
	TimeNs      int64  `parquet:"time_ns"`
	Direction   string `parquet:"direction,dict"`
	Source      string `parquet:"source,dict"`
	Destination string `parquet:"destination,dict"`
	Offset      int64  `parquet:"offset"`
	Len         int32  `parquet:"len"`
	Flags       string `parquet:"flags,dict"`
	Window      int32  `parquet:"window"`
	OptionBytes int32  `parquet:"option_bytes"`
	Class       string `parquet:"class,dict"`
	// Ack is the offset on the other direction's stream the segment
	// acknowledges; NULL without the ACK flag.
	Ack *int64 `parquet:"ack,optional"`
}

// pqExchange is one row of http.parquet.
type pqExchange struct {
	Conn           int64    `parquet:"conn"`
	Index          int32    `parquet:"index"`
	InTLS          bool     `parquet:"in_tls"`
	Method         string   `parquet:"method,dict"`
	Target         string   `parquet:"target"`
	Status         *int32   `parquet:"status,optional"`
	RequestHeader  int64    `parquet:"request_header_bytes"`
	RequestBody    int64    `parquet:"request_body_bytes"`
	ResponseHeader *int64   `parquet:"response_header_bytes,optional"`
	ResponseBody   *int64   `parquet:"response_body_bytes,optional"`
	Chunked        bool     `parquet:"response_chunked"`
	Chunks         int32    `parquet:"response_chunks"`
	TTFBMs         *float64 `parquet:"ttfb_ms,optional"`
}

// pqRecord is one row of tls_records.parquet.
type pqRecord struct {
	Conn      int64  `parquet:"conn"`
	Direction string `parquet:"direction,dict"`
	Type      string `parquet:"type,dict"`
	Version   string `parquet:"version,dict"`
	Length    int32  `parquet:"length"`
	Start     int64  `parquet:"start"`
	End       int64  `parquet:"end"`
	// The packets that carried the record's first and last byte.
	FirstPacket int64 `parquet:"first_packet"`
	LastPacket  int64 `parquet:"last_packet"`
}

// parquetRowGroup bounds the rows buffered before a row group is written:
// memory stays bounded however long the capture.
const parquetRowGroup = 64 << 10

// ParquetWriter streams an analysis into Parquet files in a directory.
type ParquetWriter struct {
	dir   string
	first func() int64
	files []*atomicfile.File
	conns *parquet.GenericWriter[pqConnDir]
	segs  *parquet.GenericWriter[pqSegment]
	http  *parquet.GenericWriter[pqExchange]
	tls   *parquet.GenericWriter[pqRecord]

	connRows []pqConnDir
	segRows  []pqSegment
	httpRows []pqExchange
	tlsRows  []pqRecord
}

// NewParquet creates dir (if missing) and its Parquet files. first gives
// the capture's first frame time.
func NewParquet(dir string, first func() int64) (*ParquetWriter, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	p := &ParquetWriter{dir: dir, first: first}
	// Each file is written under a temporary name and renamed into place
	// when the run completes: a failed run (a full disk, an unreadable
	// input) leaves no half-written file and no earlier file removed.
	open := func(name string) (*os.File, error) {
		f, err := atomicfile.Create(filepath.Join(dir, name))
		if err != nil {
			return nil, err
		}
		p.files = append(p.files, f)
		return f.File, nil
	}
	opts := []parquet.WriterOption{parquet.Compression(&parquet.Snappy), parquet.MaxRowsPerRowGroup(parquetRowGroup),
		parquet.CreatedBy("segscope", "", "")}
	for _, f := range []struct {
		name string
		mk   func(*os.File)
	}{
		{ParquetConnections, func(f *os.File) { p.conns = parquet.NewGenericWriter[pqConnDir](f, opts...) }},
		{ParquetSegments, func(f *os.File) { p.segs = parquet.NewGenericWriter[pqSegment](f, opts...) }},
		{ParquetHTTP, func(f *os.File) { p.http = parquet.NewGenericWriter[pqExchange](f, opts...) }},
		{ParquetTLSRecords, func(f *os.File) { p.tls = parquet.NewGenericWriter[pqRecord](f, opts...) }},
	} {
		fh, err := open(f.name)
		if err != nil {
			p.abort()
			return nil, err
		}
		f.mk(fh)
	}
	return p, nil
}

func (p *ParquetWriter) abort() {
	for _, f := range p.files {
		f.Abort()
	}
}

// Conn adds one ended connection's rows.
func (p *ParquetWriter) Conn(c *analyze.Connection, _ []analyze.Warning) error {
	jc := jsonConnOf(c, false)
	var app *jsonApp
	if c.App != nil {
		app = jsonAppOf(c)
	}
	var rtt *float64
	if jc.Handshake.RTTMs != nil {
		rtt = jc.Handshake.RTTMs
	}
	proto := ""
	if c.App != nil {
		proto = string(c.App.Protocol)
		if c.App.Inner != analyze.ProtoNone {
			proto += "/" + string(c.App.Inner)
		}
	}
	for _, dir := range dirs() {
		jd := jc.Directions.ClientToServer
		if dir == analyze.ServerToClient {
			jd = jc.Directions.ServerToClient
		}
		st := c.Dir(dir).Stats()
		row := pqConnDir{
			ID: int64(c.ID), Client: jc.Client, Server: jc.Server,
			ServerIP: c.Server.Addr().String(), ServerPort: int32(c.Server.Port()),
			RolesGuessed: c.RolesGuessed, Start: c.First / 1000, StartNs: c.First, DurationMs: jc.DurationMs,
			ConnPackets: int64(jc.Packets), HandshakeRTTMs: rtt, Protocol: proto,
			Direction: dir.String(), Source: jd.Source, Destination: jd.Destination,
			SYNSeen: jd.SYNSeen, MSS: opt32(jd.MSS), WindowScale: opt32(jd.WindowScale),
			SACKPermitted: jd.SACKPermitted, Timestamps: jd.Timestamps,
			EffectiveMSS: opt32(jd.EffectiveMSS), EffectiveMSSInferred: jd.EffectiveMSSInferred,
			OptionBytes: int32(jd.OptionBytes), Packets: int64(jd.Packets), DataSegments: int64(jd.DataSegments),
			PayloadBytes: jd.PayloadBytes, MinSegment: int32(jd.MinSegment), MedianSegment: int32(jd.MedianSegment),
			P95Segment: int32(jd.P95Segment), MeanSegment: jd.MeanSegment, MaxSegment: int32(jd.MaxSegment),
			FullSizeSegments: int64(jd.FullSizeSegments), ShortSegments: int64(jd.ShortSegments), SuperSegments: int64(jd.SuperSegments),
			RetransmittedSegments: int64(jd.RetransmittedSegments), RetransmittedBytes: jd.RetransmittedBytes,
			OutOfOrderSegments: int64(jd.OutOfOrderSegments), DuplicateSegments: int64(jd.DuplicateSegments),
			ZeroWindows: int64(jd.ZeroWindows), KeepAlives: int64(jd.KeepAlives), Resets: int64(jd.Resets), Fins: int64(jd.Fins),
			PushedSegments: int64(jd.PushedSegments), MissingBytes: jd.MissingBytes, PSHRuns: int64(jd.PSHRuns.Count),
			Sizes: make([]pqSize, 0, len(st.Sizes)),
		}
		for _, s := range st.Sizes {
			row.Sizes = append(row.Sizes, pqSize{int32(s.Size), int64(s.Count)})
		}
		p.connRows = append(p.connRows, row)
	}
	first := p.first()
	for _, seg := range c.Segments {
		r := segmentRow(c, seg, first, nil)
		var ack *int64
		if seg.Ack >= 0 {
			a := seg.Ack
			ack = &a
		}
		p.segRows = append(p.segRows, pqSegment{Ack: ack,
			Conn: int64(c.ID), Packet: int64(seg.Packet), Time: seg.Time / 1000, TimeNs: seg.Time, Direction: r.Direction,
			Source: r.Source, Destination: r.Dest, Offset: seg.Offset, Len: int32(seg.Len),
			Flags: r.Flags, Window: int32(seg.Window), OptionBytes: int32(seg.OptionLen), Class: r.Class,
		})
	}
	if app != nil {
		p.addApp(c, app)
	}
	return p.flush(false)
}

func (p *ParquetWriter) addApp(c *analyze.Connection, app *jsonApp) {
	for _, e := range app.HTTP {
		row := pqExchange{Conn: int64(c.ID), Index: int32(e.Index), InTLS: app.Inner != "", TTFBMs: e.TTFBMs}
		if m := e.Request; m != nil {
			row.Method, row.Target = m.Method, m.Target
			row.RequestHeader, row.RequestBody = m.HeaderBytes, m.BodyBytes
		}
		if m := e.Response; m != nil {
			st := int32(m.Status)
			hb, bb := m.HeaderBytes, m.BodyBytes
			row.Status, row.ResponseHeader, row.ResponseBody = &st, &hb, &bb
			row.Chunked, row.Chunks = m.Chunked, int32(len(m.Chunks)+m.ChunksDropped)
		}
		p.httpRows = append(p.httpRows, row)
	}
	if app.TLS == nil {
		return
	}
	for _, d := range []struct {
		dir analyze.Dir
		t   *jsonTLSDir
	}{{analyze.ClientToServer, &app.TLS.ClientToServer}, {analyze.ServerToClient, &app.TLS.ServerToClient}} {
		for _, r := range d.t.List {
			p.tlsRows = append(p.tlsRows, pqRecord{Conn: int64(c.ID), Direction: d.dir.String(), Type: r.Type, Version: r.Version,
				Length: int32(r.Length), Start: r.Start, End: r.End, FirstPacket: int64(r.FirstPacket), LastPacket: int64(r.LastPacket)})
		}
	}
}

// flush hands the buffered rows to the writers (which cut row groups).
func (p *ParquetWriter) flush(all bool) error {
	const batch = 4096
	var errs []error
	if all || len(p.connRows) >= batch {
		_, err := p.conns.Write(p.connRows)
		errs, p.connRows = append(errs, err), p.connRows[:0]
	}
	if all || len(p.segRows) >= batch {
		_, err := p.segs.Write(p.segRows)
		errs, p.segRows = append(errs, err), p.segRows[:0]
	}
	if all || len(p.httpRows) >= batch {
		_, err := p.http.Write(p.httpRows)
		errs, p.httpRows = append(errs, err), p.httpRows[:0]
	}
	if all || len(p.tlsRows) >= batch {
		_, err := p.tls.Write(p.tlsRows)
		errs, p.tlsRows = append(errs, err), p.tlsRows[:0]
	}
	return errors.Join(errs...)
}

// Close writes what is buffered and the files' footers. With a nil
// result (nothing could be read) it removes the files.
func (p *ParquetWriter) Close(res *analyze.Result, _ []error) error {
	if res == nil {
		p.abort()
		return nil
	}
	errs := []error{p.flush(true), p.conns.Close(), p.segs.Close(), p.http.Close(), p.tls.Close()}
	if err := errors.Join(errs...); err != nil {
		p.abort()
		return fmt.Errorf("writing %s: %w", p.dir, err)
	}
	// Complete: renamed into place together (a rename that fails leaves
	// the ones before it renamed; each file is whole either way).
	for _, f := range p.files {
		if err := f.Commit(); err != nil {
			p.abort()
			return fmt.Errorf("writing %s: %w", p.dir, err)
		}
	}
	return nil
}

func opt32(p *int) *int32 {
	if p == nil {
		return nil
	}
	v := int32(*p)
	return &v
}
