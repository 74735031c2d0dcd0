//go:build !noparquet

package report

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync/atomic"

	"github.com/segscope/segscope/internal/atomicfile"

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

// connections.parquet has one row per connection direction: the
// connection's columns (as in `--format csv`), then DirFields, then the
// direction's runs and every distinct segment size. Its row type,
// pqConnDir, is generated from DirFields into parquet_rows.go (go test
// ./report -run TestParquetRowGenerated -update), typed so that
// parquet-go writes it column by column without reflecting on each row;
// the test fails when the file and DirFields differ. segments.parquet's
// row, pqSegment, is generated the same way from SegmentFields.

type pqSize struct {
	Size  int32 `parquet:"size"`
	Count int64 `parquet:"count"`
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

// parquetBatch is how many rows are handed to parquet-go at once.
const parquetBatch = 4096

// parquetRowGroup bounds the rows buffered before a row group is written:
// memory stays bounded however long the capture.
const parquetRowGroup = 64 << 10

// ParquetWriter streams an analysis into Parquet files in a directory.
type ParquetWriter struct {
	dir   string
	first func() int64
	files []*atomicfile.File
	made  bool // dir was made for these files: removed again if they are
	conns *pqFile[pqConnDir]
	segs  *pqFile[pqSegment]
	http  *pqFile[pqExchange]
	tls   *pqFile[pqRecord]

	connRows []pqConnDir
	segRows  []pqSegment
	httpRows []pqExchange
	tlsRows  []pqRecord
}

// NewParquet creates dir (if missing) and its Parquet files. first gives
// the capture's first frame time.
func NewParquet(dir string, first func() int64) (*ParquetWriter, error) {
	_, statErr := os.Stat(dir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	p := &ParquetWriter{dir: dir, first: first, made: os.IsNotExist(statErr)}
	// Each file is written under a temporary name and renamed into place
	// when the run completes: a failed run (a full disk, an unreadable
	// input) leaves no half-written file and no earlier file removed.
	// Written through the atomicfile, so a failed write names the file
	// asked for, not the temporary one.
	open := func(name string) (io.Writer, error) {
		f, err := atomicfile.Create(filepath.Join(dir, name))
		if err != nil {
			return nil, err
		}
		p.files = append(p.files, f)
		return f, nil
	}
	opts := []parquet.WriterOption{parquet.Compression(&parquet.Snappy), parquet.MaxRowsPerRowGroup(parquetRowGroup),
		parquet.CreatedBy("segscope", "", "")}
	for _, f := range []struct {
		name string
		mk   func(io.Writer)
	}{
		{ParquetConnections, func(f io.Writer) { p.conns = newPQFile(parquet.NewGenericWriter[pqConnDir](f, opts...)) }},
		{ParquetSegments, func(f io.Writer) { p.segs = newPQFile(parquet.NewGenericWriter[pqSegment](f, opts...)) }},
		{ParquetHTTP, func(f io.Writer) { p.http = newPQFile(parquet.NewGenericWriter[pqExchange](f, opts...)) }},
		{ParquetTLSRecords, func(f io.Writer) { p.tls = newPQFile(parquet.NewGenericWriter[pqRecord](f, opts...)) }},
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

// abort stops the files' goroutines and removes the files.
func (p *ParquetWriter) abort() {
	if p.conns != nil {
		p.conns.close()
	}
	if p.segs != nil {
		p.segs.close()
	}
	if p.http != nil {
		p.http.close()
	}
	if p.tls != nil {
		p.tls.close()
	}
	for _, f := range p.files {
		f.Abort()
	}
	if p.made {
		os.Remove(p.dir) // only if empty: the files it was made for are gone
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
		row := pqConnDir{ID: int64(c.ID), Client: jc.Client, Server: jc.Server, ServerIP: c.Server.Addr().String(),
			ServerPort: int32(c.Server.Port()), RolesGuessed: c.RolesGuessed, Start: c.First / 1000, StartNs: c.First,
			DurationMs: jc.DurationMs, ConnPackets: int64(jc.Packets), HandshakeRTTMs: rtt, Protocol: proto, Direction: dir.String(),
			PSHRuns: int64(jd.PSHRuns.Count), Sizes: make([]pqSize, 0, len(jd.row.st.Sizes))}
		row.setDir(&jd.row)
		for _, s := range jd.row.st.Sizes {
			row.Sizes = append(row.Sizes, pqSize{int32(s.Size), int64(s.Count)})
		}
		p.connRows = append(p.connRows, row)
	}
	r := newSegRow(c, p.first(), false)
	for i := range c.Segments.Len() {
		r.seg = c.Segments.At(i)
		var row pqSegment
		row.set(&r)
		p.segRows = append(p.segRows, row)
		if len(p.segRows) == parquetBatch {
			// A long connection's segments go in batches: its million
			// rows were held at once (650 MB for a 1.5 GB transfer).
			if p.segRows = p.segs.send(p.segRows); p.segs.failed() != nil {
				return fmt.Errorf("writing %s: %w", p.dir, p.segs.failed())
			}
		}
	}
	if app != nil {
		p.addApp(c, app)
	}
	return p.flush(false)
}

func (p *ParquetWriter) addApp(c *analyze.Connection, app *jsonApp) {
	p.addUnits(c, app, 0)
	if t := app.Tunnel; t != nil {
		// A proxy's CONNECT tunnel: its exchanges follow the CONNECT's.
		p.addUnits(c, t, len(app.HTTP))
	}
}

func (p *ParquetWriter) addUnits(c *analyze.Connection, app *jsonApp, first int) {
	for _, e := range app.HTTP {
		row := pqExchange{Conn: int64(c.ID), Index: int32(first + e.Index), InTLS: app.Inner != "", TTFBMs: e.TTFBMs}
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

// flush hands the buffered rows to the files' goroutines (whose writers
// cut row groups).
func (p *ParquetWriter) flush(all bool) error {
	const batch = parquetBatch
	if all || len(p.connRows) >= batch {
		p.connRows = p.conns.send(p.connRows)
	}
	if all || len(p.segRows) >= batch {
		p.segRows = p.segs.send(p.segRows)
	}
	if all || len(p.httpRows) >= batch {
		p.httpRows = p.http.send(p.httpRows)
	}
	if all || len(p.tlsRows) >= batch {
		p.tlsRows = p.tls.send(p.tlsRows)
	}
	if err := errors.Join(p.conns.failed(), p.segs.failed(), p.http.failed(), p.tls.failed()); err != nil {
		return fmt.Errorf("writing %s: %w", p.dir, err)
	}
	return nil
}

// pqFile writes one Parquet file on a goroutine of its own: encoding and
// compressing segments.parquet was the longest goroutine of a Parquet
// run, and the files are independent. Batches of rows are handed over
// whole; the emptied ones come back for reuse.
type pqFile[T any] struct {
	w      *parquet.GenericWriter[T]
	ch     chan []T
	free   chan []T
	done   chan struct{}
	err    error                 // read after done
	bad    atomic.Pointer[error] // err, for the analysis goroutine to see early
	closed bool
}

func newPQFile[T any](w *parquet.GenericWriter[T]) *pqFile[T] {
	f := &pqFile[T]{w: w, ch: make(chan []T, 2), free: make(chan []T, 4), done: make(chan struct{})}
	go func() {
		defer close(f.done)
		for rows := range f.ch {
			if f.err == nil {
				if _, f.err = f.w.Write(rows); f.err != nil {
					err := f.err
					f.bad.Store(&err)
				}
			}
			select {
			case f.free <- rows[:0]:
			default:
			}
		}
	}()
	return f
}

// send hands rows over and returns an empty batch to fill next.
func (f *pqFile[T]) send(rows []T) []T {
	if len(rows) == 0 {
		return rows
	}
	f.ch <- rows
	select {
	case b := <-f.free:
		return b
	default:
		return make([]T, 0, parquetBatch)
	}
}

// failed is the error that stopped the file's writer, nil while none.
func (f *pqFile[T]) failed() error {
	if e := f.bad.Load(); e != nil {
		return *e
	}
	return nil
}

// close waits for what was handed over, then writes the footer.
func (f *pqFile[T]) close() error {
	if f.closed {
		return nil
	}
	f.closed = true
	close(f.ch)
	<-f.done
	return errors.Join(f.err, f.w.Close())
}

// Close writes what is buffered and the files' footers. With a nil
// result (nothing could be read) it removes the files.
func (p *ParquetWriter) Close(res *analyze.Result, _ []error) error {
	if res == nil {
		p.abort()
		return nil
	}
	p.flush(true)
	errs := []error{p.conns.close(), p.segs.close(), p.http.close(), p.tls.close()}
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

// optInt64 is an optional field's value as Parquet's optional INT64.
func optInt64(v fieldValue) *int64 {
	if v.Null {
		return nil
	}
	n := v.I
	return &n
}

// optInt32 is an optional field's value as Parquet's optional INT32.
func optInt32(v fieldValue) *int32 {
	if v.Null {
		return nil
	}
	n := int32(v.I)
	return &n
}
