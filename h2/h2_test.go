package h2

import (
	"github.com/segscope/segscope/internal/wiretest"

	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"strings"
	"testing"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"

	"github.com/segscope/segscope/stream"
)

// chunk is one call of a feeding plan.
type chunk = wiretest.Chunk

var chunkings = []struct {
	name string
	plan func(raw []byte) []chunk
}{
	{"one call", func(raw []byte) []chunk {
		return wiretest.Split(len(raw), func() int { return len(raw) }, wiretest.SeqPos)
	}},
	{"1-byte calls", func(raw []byte) []chunk { return wiretest.Split(len(raw), func() int { return 1 }, wiretest.SeqPos) }},
	{"random chunks", func(raw []byte) []chunk {
		rng := rand.New(rand.NewPCG(uint64(len(raw)), 9))
		return wiretest.Split(len(raw), func() int { return 1 + rng.IntN(3000) }, func(int) stream.Pos {
			return stream.Pos{Packet: rng.IntN(1 << 20), Time: rng.Int64()}
		})
	}},
}

func walk(client bool, raw []byte, plan []chunk, end bool) *Walker {
	w := NewWalker(client, Limits{})
	wiretest.Feed(w, raw, plan, end)
	return w
}

// oracle reads raw (after any preface) with x/net's own Framer: the frame
// headers in order, and DATA bytes by stream (padding excluded).
func oracle(t *testing.T, raw []byte) ([]http2.FrameHeader, map[uint32]int64) {
	t.Helper()
	fr := http2.NewFramer(nil, bytes.NewReader(raw))
	fr.SetMaxReadFrameSize(1<<24 - 1)
	fr.AllowIllegalReads = true // it does not follow a PUSH_PROMISE's CONTINUATION
	var hdrs []http2.FrameHeader
	data := map[uint32]int64{}
	for {
		f, err := fr.ReadFrame()
		if errors.Is(err, io.EOF) {
			return hdrs, data
		}
		if err != nil {
			t.Fatalf("Framer after %d frames: %v", len(hdrs), err)
		}
		hdrs = append(hdrs, f.Header())
		if d, ok := f.(*http2.DataFrame); ok {
			data[d.StreamID] += int64(len(d.Data()))
		}
	}
}

// checkComplete asserts that a gapless walk's frames tile raw after the
// preface, match x/net's Framer frame for frame, and carry the right Pos.
func checkComplete(t *testing.T, client bool, raw []byte, plan []chunk, w *Walker) {
	t.Helper()
	if p := w.Problems(); len(p) > 0 {
		t.Fatalf("problems: %v", p)
	}
	var next int64
	if client {
		if p := w.Preface(); p == nil || *p != (stream.Range{Start: 0, End: 24}) {
			t.Fatalf("preface %v", p)
		}
		next = 24
	} else if w.Preface() != nil {
		t.Fatalf("server direction with a preface %v", w.Preface())
	}
	want, data := oracle(t, raw[next:])
	frames := w.Frames()
	if len(frames) != len(want) || w.FrameCount() != len(want) {
		t.Fatalf("%d frames, Framer reads %d", len(frames), len(want))
	}
	for i, f := range frames {
		h := want[i]
		if f.Start != next || f.Len() != int64(9+f.Length) || f.Truncated {
			t.Fatalf("frame %d %+v: previous ended at %d", i, f, next)
		}
		next = f.End
		if f.Type != FrameType(h.Type) || f.Flags != Flags(h.Flags) || f.StreamID != h.StreamID || f.Length != int(h.Length) {
			t.Fatalf("frame %d: %s flags 0x%x stream %d length %d; Framer: %v", i, f.Type, f.Flags, f.StreamID, f.Length, h)
		}
		if at := wiretest.PosAt(plan, f.Start); f.First != at {
			t.Fatalf("frame %d at %d: First %+v, want %+v", i, f.Start, f.First, at)
		}
		if at := wiretest.PosAt(plan, f.End-1); f.Last != at {
			t.Fatalf("frame %d ending at %d: Last %+v, want %+v", i, f.End, f.Last, at)
		}
	}
	if next != int64(len(raw)) {
		t.Fatalf("frames end at %d, stream at %d", next, len(raw))
	}
	for _, s := range w.Streams() {
		if s.DataBytes != data[s.ID] {
			t.Fatalf("stream %d: %d DATA bytes, Framer reads %d", s.ID, s.DataBytes, data[s.ID])
		}
		delete(data, s.ID)
	}
	if len(data) > 0 {
		t.Fatalf("DATA on streams the walker does not list: %v", data)
	}
}

func TestRealSession(t *testing.T) {
	s := runH2(t, 0)
	if ok, _ := SniffClient(s.client); !ok {
		t.Fatal("SniffClient rejects the client")
	}
	for _, c := range chunkings {
		t.Run(c.name, func(t *testing.T) {
			cplan, splan := c.plan(s.client), c.plan(s.server)
			cw, sw := walk(true, s.client, cplan, true), walk(false, s.server, splan, true)
			checkComplete(t, true, s.client, cplan, cw)
			checkComplete(t, false, s.server, splan, sw)
			checkExchanges(t, cw.Streams(), sw.Streams())
			// The 40 KB header cannot fit a 16 KB frame.
			conts := 0
			for _, f := range sw.Frames() {
				if f.Type == TypeContinuation {
					conts++
				}
			}
			if conts < 1 {
				t.Fatalf("%d CONTINUATION frames from the server", conts)
			}
		})
	}
}

// checkExchanges matches each request the handler answered to the
// streams both walkers report.
func checkExchanges(t *testing.T, cs, ss []StreamInfo) {
	t.Helper()
	if len(cs) != len(exchanges) || len(ss) != len(exchanges) {
		t.Fatalf("client streams %d, server streams %d, want %d", len(cs), len(ss), len(exchanges))
	}
	byPath := map[string]exchange{}
	for _, e := range exchanges {
		byPath[e.path] = e
	}
	for i, c := range cs {
		s := ss[i]
		e, ok := byPath[c.Path]
		if !ok || c.ID != s.ID || c.ID%2 != 1 {
			t.Fatalf("client stream %+v, server stream %+v", c, s)
		}
		delete(byPath, c.Path)
		if c.Method != e.method || c.Authority != "segscope.test" || c.Status != 0 || c.DataBytes != int64(e.reqBody) || !c.EndStream {
			t.Errorf("client stream %d: %+v; want %+v", c.ID, c, e)
		}
		if s.Status != e.status || s.DataBytes != int64(e.respBody) || s.Method != "" || !s.EndStream {
			t.Errorf("server stream %d (%s): %+v; want %+v", s.ID, c.Path, s, e)
		}
		if c.Headers.Len() < 9 || s.Headers.Len() < 9 {
			t.Errorf("stream %d: HEADERS at %v and %v", c.ID, c.Headers, s.Headers)
		}
		if e.respBody > 0 && (s.DataFrames == 0 || s.FirstData.Start > s.LastData.Start) {
			t.Errorf("stream %d: %d DATA frames, first %+v last %+v", s.ID, s.DataFrames, s.FirstData, s.LastData)
		}
	}
}

// crafted builds both directions with http2.Framer: HEADERS with padding
// and priority split over CONTINUATIONs, padded DATA, a second request
// that leans on the HPACK dynamic table, a PUSH_PROMISE and trailers.
func crafted(t testing.TB, cookie int) (client, server []byte) {
	var cb, sb bytes.Buffer
	cb.WriteString(Preface)
	cf, sf := http2.NewFramer(&cb, nil), http2.NewFramer(&sb, nil)
	var hb bytes.Buffer
	cenc, senc := hpack.NewEncoder(&hb), hpack.NewEncoder(&hb)
	block := func(enc *hpack.Encoder, kv ...string) []byte {
		hb.Reset()
		for i := 0; i < len(kv); i += 2 {
			if err := enc.WriteField(hpack.HeaderField{Name: kv[i], Value: kv[i+1]}); err != nil {
				t.Fatal(err)
			}
		}
		return append([]byte(nil), hb.Bytes()...)
	}
	must := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	big := strings.Repeat("c", cookie)
	must(cf.WriteSettings(http2.Setting{ID: http2.SettingInitialWindowSize, Val: 1 << 20}))
	b := block(cenc, ":method", "POST", ":scheme", "http", ":authority", "segscope.test", ":path", "/padded", "cookie", big)
	must(cf.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: b[:len(b)/3], PadLength: 17,
		Priority: http2.PriorityParam{StreamDep: 0, Exclusive: true, Weight: 200}}))
	must(cf.WriteContinuation(1, false, b[len(b)/3:2*len(b)/3]))
	must(cf.WriteContinuation(1, true, b[2*len(b)/3:]))
	must(cf.WriteDataPadded(1, false, bytes.Repeat([]byte{'d'}, 1000), make([]byte, 255)))
	must(cf.WriteDataPadded(1, false, bytes.Repeat([]byte{'d'}, 500), []byte{}))
	must(cf.WriteData(1, true, nil))
	// Indexed from the dynamic table: decodable only after the first block.
	b = block(cenc, ":method", "GET", ":scheme", "http", ":authority", "segscope.test", ":path", "/second", "cookie", big)
	must(cf.WriteHeaders(http2.HeadersFrameParam{StreamID: 3, BlockFragment: b, EndHeaders: true, EndStream: true}))
	must(cf.WriteWindowUpdate(0, 1<<16))
	must(cf.WritePing(false, [8]byte{1, 2, 3}))

	must(sf.WriteSettings())
	must(sf.WriteSettingsAck())
	b = block(senc, ":method", "GET", ":scheme", "http", ":authority", "segscope.test", ":path", "/pushed")
	must(sf.WritePushPromise(http2.PushPromiseParam{StreamID: 1, PromiseID: 2, BlockFragment: b[:3], PadLength: 4}))
	must(sf.WriteContinuation(1, true, b[3:]))
	must(sf.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: block(senc, ":status", "100"), EndHeaders: true}))
	must(sf.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: block(senc, ":status", "200", "content-type", "text/plain"), EndHeaders: true}))
	must(sf.WriteHeaders(http2.HeadersFrameParam{StreamID: 2, BlockFragment: block(senc, ":status", "200"), EndHeaders: true}))
	must(sf.WriteDataPadded(2, true, []byte("pushed body"), make([]byte, 9)))
	must(sf.WriteData(1, false, bytes.Repeat([]byte{'r'}, 3000)))
	must(sf.WriteRawFrame(0x10, 0, 0, []byte("unknown type: skipped"))) // PRIORITY_UPDATE-like extension
	must(sf.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: block(senc, "grpc-status", "0"), EndHeaders: true, EndStream: true}))
	must(sf.WriteHeaders(http2.HeadersFrameParam{StreamID: 3, BlockFragment: block(senc, ":status", "404"), EndHeaders: true, EndStream: true, PadLength: 255}))
	must(sf.WriteGoAway(3, http2.ErrCodeNo, []byte("bye")))
	return cb.Bytes(), sb.Bytes()
}

func TestCrafted(t *testing.T) {
	client, server := crafted(t, 40000)
	for _, c := range chunkings {
		t.Run(c.name, func(t *testing.T) {
			cplan, splan := c.plan(client), c.plan(server)
			cw, sw := walk(true, client, cplan, true), walk(false, server, splan, true)
			checkComplete(t, true, client, cplan, cw)
			checkComplete(t, false, server, splan, sw)
			var types []string
			for _, f := range cw.Frames() {
				types = append(types, f.Type.String())
			}
			if got := strings.Join(types, " "); got != "SETTINGS HEADERS CONTINUATION CONTINUATION DATA DATA DATA HEADERS WINDOW_UPDATE PING" {
				t.Fatalf("client frames: %s", got)
			}
			cs := cw.Streams()
			if len(cs) != 2 {
				t.Fatalf("client streams %+v", cs)
			}
			if s := cs[0]; s.ID != 1 || s.Method != "POST" || s.Path != "/padded" || s.Authority != "segscope.test" || s.DataBytes != 1500 || s.DataFrames != 3 || !s.EndStream {
				t.Errorf("stream 1: %+v", s)
			}
			if s := cs[1]; s.ID != 3 || s.Method != "GET" || s.Path != "/second" || s.DataFrames != 0 || !s.EndStream || s.Headers != cw.Frames()[7].Range {
				t.Errorf("stream 3: %+v", s)
			}
			ss := sw.Streams()
			if len(ss) != 3 {
				t.Fatalf("server streams %+v", ss)
			}
			if s := ss[0]; s.Status != 200 || s.DataBytes != 3000 || !s.EndStream || s.Method != "" {
				t.Errorf("stream 1: %+v", s)
			}
			if s := ss[1]; s.ID != 2 || s.Method != "GET" || s.Path != "/pushed" || s.Status != 200 || s.DataBytes != int64(len("pushed body")) || !s.EndStream {
				t.Errorf("pushed stream 2: %+v", s)
			}
			if s := ss[2]; s.ID != 3 || s.Status != 404 || !s.EndStream {
				t.Errorf("stream 3: %+v", s)
			}
		})
	}
}

// TestGaps places gaps on the real server direction.
func TestGaps(t *testing.T) {
	s := runH2(t, 0)
	raw := s.server
	full := walk(false, raw, wiretest.Split(len(raw), func() int { return len(raw) }, wiretest.SeqPos), true)
	frames := full.Frames()
	var bigData, laterHeaders = -1, -1
	for i, f := range frames {
		if bigData < 0 && f.Type == TypeData && f.Length > 1000 {
			bigData = i
		}
		if bigData >= 0 && i > bigData+3 && f.Type == TypeHeaders && laterHeaders < 0 {
			laterHeaders = i
		}
	}
	if bigData < 0 || laterHeaders < 0 {
		t.Fatal("no DATA frame, or no HEADERS after it")
	}
	gapAt := func(off, n int64) *Walker {
		w := NewWalker(false, Limits{})
		w.Data(0, raw[:off], stream.Pos{Packet: 1})
		w.Gap(off, n, stream.Pos{Packet: 2, Start: off})
		w.Data(off+n, raw[off+n:], stream.Pos{Packet: 3, Start: off + n})
		w.End(int64(len(raw)))
		return w
	}
	t.Run("inside DATA", func(t *testing.T) {
		f := frames[bigData]
		w := gapAt(f.Start+20, 500)
		if len(w.Problems()) != 0 || len(w.Frames()) != len(frames) || !w.Decoding() {
			t.Fatalf("problems %v, %d frames (want %d)", w.Problems(), len(w.Frames()), len(frames))
		}
		for i, g := range w.Frames() {
			if g.Range != frames[i].Range || g.Truncated != (i == bigData) {
				t.Fatalf("frame %d %+v, without the gap %+v", i, g, frames[i])
			}
		}
		if got, want := w.Streams(), full.Streams(); len(got) != len(want) {
			t.Fatalf("streams %+v", got)
		} else {
			for i := range got {
				if got[i].Status != want[i].Status || got[i].DataBytes != want[i].DataBytes {
					t.Fatalf("stream %+v, without the gap %+v", got[i], want[i])
				}
			}
		}
	})
	t.Run("inside HEADERS", func(t *testing.T) {
		f := frames[laterHeaders]
		w := gapAt(f.Start+10, 1)
		p := w.Problems()
		if len(p) != 1 || p[0].Offset != f.Start || !strings.Contains(p[0].Reason, "header decoding stops") || w.Decoding() || w.Stopped() {
			t.Fatalf("problems %v", p)
		}
		if len(w.Frames()) != len(frames) {
			t.Fatalf("%d frames, want %d", len(w.Frames()), len(frames))
		}
		decoded, undecoded := 0, 0
		for _, s := range w.Streams() {
			if s.Status != 0 {
				decoded++
			} else {
				undecoded++
			}
			if s.DataBytes != streamByID(full.Streams(), s.ID).DataBytes {
				t.Fatalf("stream %+v", s)
			}
		}
		if decoded == 0 || undecoded == 0 {
			t.Fatalf("%d streams decoded, %d not", decoded, undecoded)
		}
	})
	t.Run("over a frame header", func(t *testing.T) {
		f := frames[bigData+1]
		w := gapAt(f.Start+3, 3)
		p := w.Problems()
		if len(p) != 1 || p[0].Offset != f.Start || !w.Stopped() || len(w.Frames()) != bigData+1 {
			t.Fatalf("problems %v, %d frames (want %d)", p, len(w.Frames()), bigData+1)
		}
	})
	t.Run("from a payload into the next header", func(t *testing.T) {
		f := frames[bigData]
		w := gapAt(f.End-5, 7)
		p := w.Problems()
		if len(p) != 1 || p[0].Offset != f.End || !w.Stopped() || len(w.Frames()) != bigData+1 || !w.Frames()[bigData].Truncated {
			t.Fatalf("problems %v, %d frames (want %d)", p, len(w.Frames()), bigData+1)
		}
	})
	t.Run("inside the preface", func(t *testing.T) {
		c := s.client
		w := NewWalker(true, Limits{})
		w.Data(0, c[:10], stream.Pos{})
		w.Gap(10, 4, stream.Pos{})
		w.Data(14, c[14:], stream.Pos{})
		if p := w.Problems(); len(p) != 1 || p[0].Offset != 0 || !w.Stopped() || len(w.Frames()) != 0 || w.Preface() != nil {
			t.Fatalf("problems %v", p)
		}
	})
	t.Run("end inside a frame", func(t *testing.T) {
		f := frames[bigData]
		cut := f.Start + 100
		w := walk(false, raw[:cut], wiretest.Split(int(cut), func() int { return 1000 }, wiretest.SeqPos), true)
		fs := w.Frames()
		last := fs[len(fs)-1]
		if len(fs) != bigData+1 || !last.Truncated || last.End != cut || last.Length != f.Length || len(w.Problems()) != 0 {
			t.Fatalf("%d frames, last %+v, problems %v", len(fs), last, w.Problems())
		}
		want := int64(91) // the cut frame's payload before the cut (x/net does not pad)
		for _, g := range frames[:bigData] {
			if g.Type == TypeData && g.StreamID == f.StreamID {
				want += int64(g.Length)
			}
		}
		if s := streamByID(w.Streams(), f.StreamID); s.DataBytes != want {
			t.Fatalf("stream %+v, want %d DATA bytes", s, want)
		}
	})
	t.Run("end inside a header", func(t *testing.T) {
		cut := frames[bigData].Start + 4
		w := walk(false, raw[:cut], wiretest.Split(int(cut), func() int { return 1000 }, wiretest.SeqPos), true)
		if p := w.Problems(); len(p) != 1 || p[0].Offset != frames[bigData].Start || len(w.Frames()) != bigData {
			t.Fatalf("problems %v", p)
		}
	})
}

func streamByID(ss []StreamInfo, id uint32) StreamInfo {
	for _, s := range ss {
		if s.ID == id {
			return s
		}
	}
	return StreamInfo{}
}

func TestNotHTTP2(t *testing.T) {
	req := []byte("GET / HTTP/1.1\r\nHost: segscope.test\r\n\r\n")
	w := walk(true, req, wiretest.Split(len(req), func() int { return 5 }, wiretest.SeqPos), true)
	if p := w.Problems(); len(p) != 1 || p[0].Offset != 0 || !strings.Contains(p[0].Reason, "preface") || !w.Stopped() {
		t.Fatalf("problems %v", p)
	}
	resp := []byte("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
	w = walk(false, resp, wiretest.Split(len(resp), func() int { return 5 }, wiretest.SeqPos), true)
	if p := w.Problems(); len(p) != 1 || p[0].Offset != 0 || !strings.Contains(p[0].Reason, "not SETTINGS") || len(w.Frames()) != 0 {
		t.Fatalf("problems %v", p)
	}
	// A frame header that no endpoint accepts, after a good SETTINGS.
	bad := append([]byte("\x00\x00\x00\x04\x00\x00\x00\x00\x00"), "\x00\x00\x07\x06\x00\x00\x00\x00\x00abcdefg"...)
	w = walk(false, bad, wiretest.Split(len(bad), func() int { return 4 }, wiretest.SeqPos), true)
	if p := w.Problems(); len(p) != 1 || p[0] != (Problem{Offset: 9, Reason: "frame header: PING with length 7: not HTTP/2 or sync lost"}) || len(w.Frames()) != 1 {
		t.Fatalf("problems %v", p)
	}
	for _, tc := range []struct {
		in           string
		ok, needMore bool
	}{
		{"", false, true},
		{"PRI * HTTP/2.0\r\n", false, true},
		{Preface, true, false},
		{Preface + "\x00\x00", true, false},
		{"PRI * HTTP/1.1", false, false},
		{"GET", false, false},
	} {
		if ok, more := SniffClient([]byte(tc.in)); ok != tc.ok || more != tc.needMore {
			t.Errorf("SniffClient(%q) = %v, %v", tc.in, ok, more)
		}
	}
}

func TestLimits(t *testing.T) {
	_, server := crafted(t, 40000)
	w := NewWalker(false, Limits{MaxFrames: 2, MaxStreams: 1})
	wiretest.Feed(w, server, wiretest.Split(len(server), func() int { return 100 }, wiretest.SeqPos), true)
	all := walk(false, server, wiretest.Split(len(server), func() int { return 100 }, wiretest.SeqPos), true)
	if len(w.Frames()) != 2 || w.Dropped() != len(all.Frames())-2 || w.FrameCount() != len(all.Frames()) {
		t.Fatalf("%d frames kept, %d dropped, of %d", len(w.Frames()), w.Dropped(), len(all.Frames()))
	}
	if ss := w.Streams(); len(ss) != 1 || ss[0].ID != 2 || ss[0].Path != "/pushed" || ss[0].Status != 200 || w.DroppedStreams() != 2 {
		t.Fatalf("streams %+v, dropped %d", ss, w.DroppedStreams())
	}
}

func TestTypeName(t *testing.T) {
	for typ, want := range map[FrameType]string{0: "DATA", 9: "CONTINUATION", 0xa: "ALTSVC", 0xb: "UNKNOWN_0x0b", 0xc: "ORIGIN", 0x10: "PRIORITY_UPDATE", 0xff: "UNKNOWN_0xff"} {
		if got := typ.String(); got != want {
			t.Errorf("FrameType(%d) = %q, want %q", typ, got, want)
		}
	}
	// The RFC 9113 types and their flags are named as x/net/http2 names
	// them.
	for typ := TypeData; typ <= TypeContinuation; typ++ {
		if got, want := typ.String(), http2.FrameType(typ).String(); got != want {
			t.Errorf("FrameType(%d) = %q, x/net says %q", typ, got, want)
		}
		for bit := Flags(1); bit != 0; bit <<= 1 {
			got := typ.FlagString(bit)
			xs := http2.FrameHeader{Type: http2.FrameType(typ), Flags: http2.Flags(bit)}.String()
			named := !strings.HasPrefix(got, "0x")
			xnamed := !strings.Contains(xs, "flags=0x")
			if named != xnamed || (named && !strings.Contains(xs, "flags="+got+" ")) {
				t.Errorf("%s flag 0x%02x: %q, x/net's header %q", typ, uint8(bit), got, xs)
			}
		}
	}
	if got := TypeHeaders.FlagString(FlagEndStream | FlagEndHeaders | 0x40); got != "END_STREAM|END_HEADERS|0x40" {
		t.Errorf("HEADERS flags: %q", got)
	}
}

// A padded DATA frame's Data leaves out the pad-length byte and padding.
func TestFrameDataExcludesPadding(t *testing.T) {
	var buf bytes.Buffer
	buf.WriteString(Preface)
	fr := http2.NewFramer(&buf, nil)
	fr.WriteSettings()
	fr.WriteDataPadded(1, false, []byte("hello"), make([]byte, 10))
	fr.WriteData(1, true, []byte("world!"))
	w := NewWalker(true, Limits{})
	w.Data(0, buf.Bytes(), stream.Pos{})
	w.End(int64(buf.Len()))
	var got []int
	for _, f := range w.Frames() {
		if f.Type == TypeData {
			got = append(got, f.Length, f.Data)
		}
	}
	if len(got) != 4 || got[0] != 16 || got[1] != 5 || got[2] != 6 || got[3] != 6 {
		t.Errorf("DATA (length, data) = %v, want [16 5 6 6]", got)
	}
}

// What the peer granted: a SETTINGS frame's initial window size and each
// WINDOW_UPDATE's increment, written by x/net's Framer and read one byte
// per Data call, so that every value straddles calls.
func TestFlowValues(t *testing.T) {
	var buf bytes.Buffer
	fr := http2.NewFramer(&buf, nil)
	fr.WriteSettings(http2.Setting{ID: http2.SettingMaxFrameSize, Val: 1 << 20}, http2.Setting{ID: http2.SettingInitialWindowSize, Val: 1048576})
	fr.WriteSettings(http2.Setting{ID: http2.SettingMaxConcurrentStreams, Val: 250})
	fr.WriteWindowUpdate(0, 983041)
	fr.WriteWindowUpdate(1, 4096)
	w := NewWalker(false, Limits{})
	raw := buf.Bytes()
	for i := range raw {
		w.Data(int64(i), raw[i:i+1], stream.Pos{Packet: i})
	}
	w.End(int64(len(raw)))
	fs := w.Frames()
	if len(fs) != 4 || len(w.Problems()) != 0 {
		t.Fatalf("%d frames, problems %v", len(fs), w.Problems())
	}
	if !fs[0].SetsWindow || fs[0].InitialWindow != 1048576 || fs[1].SetsWindow {
		t.Errorf("settings: %+v, %+v", fs[0], fs[1])
	}
	if fs[2].Increment != 983041 || fs[2].StreamID != 0 || fs[3].Increment != 4096 || fs[3].StreamID != 1 {
		t.Errorf("window updates: %+v, %+v", fs[2], fs[3])
	}
}
