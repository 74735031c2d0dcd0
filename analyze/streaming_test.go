package analyze

import (
	"bytes"
	"os"
	"reflect"
	"testing"
	"time"

	"github.com/segscope/segscope/bench/hostile"
	"github.com/segscope/segscope/capture"
	"github.com/segscope/segscope/internal/synth"
)

// streamBytes analyzes b streaming and returns the connections in the
// order they were handed over.
func streamBytes(tb testing.TB, b []byte, opts Options) ([]*Connection, *Result) {
	tb.Helper()
	var got []*Connection
	opts.Done = func(c *Connection, _ []Warning, _ int64) { got = append(got, c) }
	res := analyzeBytes(tb, b, opts)
	return got, res
}

// TestStreamingMatchesBatch: a streamed connection has the numbers of the
// same connection analyzed with the whole capture in memory, and only a
// few connections are live at once.
func TestStreamingMatchesBatch(t *testing.T) {
	b, _ := synthCapture(t, synth.Config{Connections: 3000, ReusedTuples: 500, ResponseBytes: 3000, Timestamps: true, RetransmitEvery: 7, Seed: 5})
	batch := analyzeBytes(t, b, Options{})
	got, res := streamBytes(t, b, Options{CloseGrace: time.Millisecond})
	if len(res.Connections) != 0 || res.Streamed != len(batch.Connections) || len(got) != len(batch.Connections) {
		t.Fatalf("streamed %d (%d handed over, %d kept), batch %d", res.Streamed, len(got), len(res.Connections), len(batch.Connections))
	}
	for _, c := range got {
		w := batch.Connections[c.ID]
		if c.Client != w.Client || c.Server != w.Server || c.Packets != w.Packets || c.Handshake != w.Handshake ||
			c.First != w.First || c.Last != w.Last || !reflect.DeepEqual(c.Dirs, w.Dirs) {
			t.Fatalf("connection %d differs:\nstreamed %+v\nbatch    %+v", c.ID, c.Dirs, w.Dirs)
		}
		if (c.App == nil) != (w.App == nil) || c.App != nil && !reflect.DeepEqual(c.App.Streams, w.App.Streams) {
			t.Fatalf("connection %d: application layer differs", c.ID)
		}
	}
	if res.MaxLiveSeen > 20 || res.Evicted != 0 || res.IdleEnded != 0 {
		t.Errorf("max live %d, evicted %d, idle %d: want a handful, 0, 0", res.MaxLiveSeen, res.Evicted, res.IdleEnded)
	}
}

// TestStreamingBounds: under a SYN flood MaxLive evicts the least
// recently active connections (counted, and warned about), and the idle
// timeout ends quiet ones.
func TestStreamingBounds(t *testing.T) {
	var buf bytes.Buffer
	if err := hostile.Write(&buf, hostile.Config{Kind: hostile.SYNFlood, Count: 5000}); err != nil {
		t.Fatal(err)
	}
	got, res := streamBytes(t, buf.Bytes(), Options{MaxLive: 100})
	if len(got) != 5000 || res.MaxLiveSeen != 100 || res.Evicted != 4900 {
		t.Errorf("MaxLive 100: %d connections, max live %d, evicted %d; want 5000, 100, 4900", len(got), res.MaxLiveSeen, res.Evicted)
	}
	if want := (Warning{Conn: -1, Kind: WarnEvicted, N: 4900, Bound: 100}); len(res.Warnings) != 1 || res.Warnings[0] != want {
		t.Errorf("warnings %v", res.Warnings)
	}
	_, res = streamBytes(t, buf.Bytes(), Options{IdleTimeout: 10 * time.Microsecond})
	if res.IdleEnded < 4900 || res.MaxLiveSeen > 20 || res.Evicted != 0 {
		t.Errorf("idle timeout 10us: %d ended idle, max live %d, evicted %d", res.IdleEnded, res.MaxLiveSeen, res.Evicted)
	}
}

// TestHostileBoundsReported: a flood of segments out of any window, and
// connections whose every segment follows a gap, hit the reassembly
// bound, which the warnings report; the analysis goes on.
func TestHostileBoundsReported(t *testing.T) {
	for _, tc := range []struct {
		cfg  hostile.Config
		opts Options
		want WarningKind
	}{
		{hostile.Config{Kind: hostile.OutOfWindow, Count: 20000, Conns: 20}, Options{MaxBufferedTotal: 1 << 20}, WarnCaptureBound},
		{hostile.Config{Kind: hostile.Gaps, Count: 20000, Conns: 50}, Options{MaxBufferedTotal: 1 << 20}, WarnCaptureBound},
		// One connection: its holes are merged past maxHoles, and what was
		// never filled is reported missing.
		{hostile.Config{Kind: hostile.Gaps, Count: 5000, Conns: 1}, Options{}, WarnMissingBytes},
	} {
		var buf bytes.Buffer
		if err := hostile.Write(&buf, tc.cfg); err != nil {
			t.Fatal(err)
		}
		var ws []Warning
		opts := tc.opts
		opts.Done = func(_ *Connection, w []Warning, _ int64) { ws = append(ws, w...) }
		res := analyzeBytes(t, buf.Bytes(), opts)
		ws = append(ws, res.Warnings...)
		found := false
		for _, w := range ws {
			found = found || w.Kind == tc.want && w.N > 0 && (w.Kind != WarnCaptureBound || w.Bound == 1<<20)
		}
		if !found || res.Streamed != tc.cfg.Conns {
			t.Errorf("%s: %d connections, warnings %v; want %v", tc.cfg.Kind, res.Streamed, ws, tc.want)
		}
	}
}

// TestStreamingLateAfterCleanClose: testdata/late-fin.pcap is curl
// fetching from python3 -m http.server on lo in a namespace whose
// nftables dropped the server's pure ACKs after tcpdump saw them: the
// server's last ACK (frame 12, then curl's ACK of the server's FIN in 13)
// never reached curl, which resent its FIN five times, each ACKed (frames
// 14-23, at 0.21-3.34 s). Streamed, the connection is handed over at
// frame 13 and a tomb counts frames 14-21 (inside the 2 s grace) as late;
// 22 and 23, past the grace, are a connection of their own, as they are
// when the closed connection is held whole (HoldClosed), which counts the
// late ones in it. Read whole, the 23 frames (tshark's count) are one
// connection.
func TestStreamingLateAfterCleanClose(t *testing.T) {
	b, err := os.ReadFile("testdata/late-fin.pcap")
	if err != nil {
		t.Fatal(err)
	}
	type conn struct {
		id      int
		packets int32
		fins    int32
	}
	connsOf := func(cs []*Connection) []conn {
		var out []conn
		for _, c := range cs {
			out = append(out, conn{c.ID, c.Packets, c.Dirs[ClientToServer].Fins})
		}
		return out
	}
	batch := analyzeBytes(t, b, Options{})
	if got, want := connsOf(batch.Connections), []conn{{0, 23, 6}}; !reflect.DeepEqual(got, want) {
		t.Errorf("read whole: %v, want %v", got, want)
	}
	got, res := streamBytes(t, b, Options{})
	if want := []conn{{0, 13, 1}, {1, 2, 1}}; !reflect.DeepEqual(connsOf(got), want) {
		t.Errorf("streamed: %v, want %v", connsOf(got), want)
	}
	if res.Late != 8 || res.LateConns != 1 || res.MaxLiveSeen != 1 {
		t.Errorf("late %d for %d connections, max live %d; want 8, 1, 1", res.Late, res.LateConns, res.MaxLiveSeen)
	}
	if want := (Warning{Conn: -1, Kind: WarnLate, N: 8, Conns: 1, First: 0}); len(res.Warnings) != 1 || res.Warnings[0] != want {
		t.Errorf("warnings %+v, want %+v", res.Warnings, want)
	}
	got, res = streamBytes(t, b, Options{HoldClosed: true})
	if want := []conn{{0, 21, 5}, {1, 2, 1}}; !reflect.DeepEqual(connsOf(got), want) || res.Late != 0 || len(res.Warnings) != 0 {
		t.Errorf("held: %v, late %d, warnings %v; want %v and none late", connsOf(got), res.Late, res.Warnings, want)
	}
	// Kept segments (Parquet) end at the clean close too.
	got, res = streamBytes(t, b, Options{KeepSegments: func(*Connection) bool { return true }})
	if got[0].Packets != 13 || got[0].Segments.Len() != 13 || res.Late != 8 {
		t.Errorf("segments kept: %d packets, %d segments, %d late; want 13, 13, 8", got[0].Packets, got[0].Segments.Len(), res.Late)
	}
}

// TestStreamingHoldsNoCleanClose: connections that close with a FIN each
// way acknowledged are handed over at once, so with the default 2 s grace
// a capture of 2 000 of them in under a second has a handful live, not
// the 2 000 held whole for their grace; what is handed over is what the
// whole capture gives.
func TestStreamingHoldsNoCleanClose(t *testing.T) {
	// 300 reuse an earlier 4-tuple within its grace: their SYNs must start
	// connections of their own, not be taken as late packets of a tomb.
	b, _ := synthCapture(t, synth.Config{Connections: 2000, ReusedTuples: 300, ResponseBytes: 3000, Timestamps: true, Seed: 9})
	batch := analyzeBytes(t, b, Options{})
	got, res := streamBytes(t, b, Options{})
	if len(got) != len(batch.Connections) || len(got) != 2000 || res.Late != 0 {
		t.Fatalf("streamed %d, batch %d, late %d", len(got), len(batch.Connections), res.Late)
	}
	for _, c := range got {
		if w := batch.Connections[c.ID]; c.Packets != w.Packets || !reflect.DeepEqual(c.Dirs, w.Dirs) {
			t.Fatalf("connection %d differs:\nstreamed %+v\nbatch    %+v", c.ID, c.Dirs, w.Dirs)
		}
	}
	_, held := streamBytes(t, b, Options{HoldClosed: true})
	if res.MaxLiveSeen > 20 || held.MaxLiveSeen < 1500 {
		t.Errorf("max live %d, held whole %d; want a handful, about 1700 (reuse ends 300 early)", res.MaxLiveSeen, held.MaxLiveSeen)
	}
}

// TestOverlappingFiles: the client's and the server's capture of one
// transfer (explain/testdata/field/server-window.*) given as two files.
// The second begins before the first ends: another capture point, not
// the next piece of one capture, so its packets of the connection are
// copies. The counts are the first file's alone (8 retransmissions:
// tshark's 7, and frame 123, the second copy of frame 103's bytes, which
// it calls out of order), read whole or streamed, with the overlap warned
// about; files of other times, in either order, are not.
func TestOverlappingFiles(t *testing.T) {
	files := []string{"../explain/testdata/field/server-window.client.pcap.gz", "../explain/testdata/field/server-window.server.pcap.gz"}
	read := func(opts Options, paths ...string) *Result {
		a := New(opts)
		for _, p := range paths {
			src, err := capture.Open(p)
			if err != nil {
				t.Fatal(err)
			}
			if err := a.ReadAll(src); err != nil {
				t.Fatal(err)
			}
			src.Close()
		}
		return a.Result()
	}
	alone := read(Options{}, files[0]).Connections[0].Dirs[ServerToClient]
	var streamed []*Connection
	for _, res := range []*Result{
		read(Options{}, files...),
		read(Options{HoldClosed: true, Done: func(c *Connection, _ []Warning, _ int64) { streamed = append(streamed, c) }}, files...),
	} {
		cs := res.Connections
		if res.Streamed > 0 {
			cs = streamed
		}
		if len(cs) != 1 {
			t.Fatalf("%d connections", len(cs))
		}
		d := cs[0].Dirs[ServerToClient]
		if d.DataSegments != alone.DataSegments || d.RetransmittedSegments != alone.RetransmittedSegments || alone.RetransmittedSegments != 8 || d.PayloadBytes != alone.PayloadBytes || d.Duplicates == 0 {
			t.Errorf("two files: %d segments, %d retransmitted, %d bytes, %d copies; the client's alone: %d, %d, %d",
				d.DataSegments, d.RetransmittedSegments, d.PayloadBytes, d.Duplicates, alone.DataSegments, alone.RetransmittedSegments, alone.PayloadBytes)
		}
		if len(res.Warnings) != 1 || res.Warnings[0].Kind != WarnOverlap || res.Warnings[0].Source != files[1] {
			t.Errorf("warnings %+v", res.Warnings)
		}
	}
	// The server's file first: the client's begins 17 us before it, and
	// overlaps all of it (review 13: it had been taken for another time).
	if res := read(Options{}, files[1], files[0]); len(res.Warnings) != 1 || res.Warnings[0].Kind != WarnOverlap {
		t.Errorf("server's file first: warnings %+v", res.Warnings)
	}
	// Captures of other times, in either order, are not overlapping.
	if res := read(Options{}, "testdata/late-fin.pcap", "testdata/advmss-server.pcap.gz"); len(res.Warnings) != 0 {
		t.Errorf("an earlier capture after a later one: warnings %+v", res.Warnings)
	}
	res := read(Options{KeepSegments: func(*Connection) bool { return true }}, "testdata/advmss-server.pcap.gz", "testdata/late-fin.pcap")
	if len(res.Warnings) != 0 {
		t.Errorf("files in time order: warnings %+v", res.Warnings)
	}
	// Packet numbers count across the files, as mergecap -a numbers them.
	first := res.Packets - 23 // late-fin.pcap holds 23 frames
	last := res.Connections[len(res.Connections)-1]
	if s := last.Segments.At(0); s.Packet != first+1 {
		t.Errorf("the second file's first packet is number %d, want %d", s.Packet, first+1)
	}
}
