package analyze

import (
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/segscope/segscope/capture"
)

// expected is what pcaps/expect.py recorded from tshark when each capture
// in pcaps/ was made.
type expected struct {
	File        string `json:"file"`
	Frames      int    `json:"frames"`
	TCPFrames   int    `json:"tcp_frames"`
	Truncated   bool   `json:"truncated"`
	Connections []struct {
		Stream         int          `json:"stream"`
		Client         string       `json:"client"`
		Server         string       `json:"server"`
		SYNSeen        bool         `json:"syn_seen"`
		InitialRTTMs   *float64     `json:"initial_rtt_ms"`
		ClientToServer expectedSide `json:"client_to_server"`
		ServerToClient expectedSide `json:"server_to_client"`
	} `json:"connections"`
}

type expectedSide struct {
	MSS                   *int           `json:"mss"`
	WindowScale           *int           `json:"window_scale"`
	SACKPermitted         bool           `json:"sack_permitted"`
	Timestamps            bool           `json:"timestamps"`
	Packets               int            `json:"packets"`
	DataSegments          int            `json:"data_segments"`
	PayloadBytes          int64          `json:"payload_bytes"`
	MinSegment            int            `json:"min_segment"`
	MaxSegment            int            `json:"max_segment"`
	Sizes                 map[string]int `json:"sizes"`
	RetransmittedSegments int            `json:"retransmitted_segments"`
	OutOfOrderSegments    int            `json:"out_of_order_segments"`
	ZeroWindows           int            `json:"zero_windows"`
	KeepAlives            int            `json:"keep_alives"`
	Resets                int            `json:"resets"`
	Fins                  int            `json:"fins"`
	PushedDataSegments    int            `json:"pushed_data_segments"`
	OptionBytesOnData     int            `json:"option_bytes_on_data"`
}

func loadExpected(t *testing.T) []expected {
	t.Helper()
	files, err := filepath.Glob("../pcaps/expected/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no expected values in pcaps/expected (err %v)", err)
	}
	var out []expected
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var e expected
		if err := json.Unmarshal(b, &e); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		out = append(out, e)
	}
	return out
}

func analyzeFile(t *testing.T, path string) (*Result, error) {
	t.Helper()
	src, err := capture.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	a := New(Options{})
	err = a.ReadAll(src)
	return a.Result(), err
}

// TestCapturesMatchTshark checks every number tshark can give for the real
// captures in pcaps/ against segscope's.
func TestCapturesMatchTshark(t *testing.T) {
	for _, want := range loadExpected(t) {
		t.Run(want.File, func(t *testing.T) {
			res, err := analyzeFile(t, filepath.Join("..", "pcaps", want.File))
			if want.Truncated {
				if !errors.Is(err, capture.ErrTruncated) {
					t.Errorf("err = %v, want the capture reported as cut", err)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			if res.Packets != want.Frames || res.TCPPackets != want.TCPFrames {
				t.Errorf("packets %d (TCP %d), tshark %d (TCP %d)", res.Packets, res.TCPPackets, want.Frames, want.TCPFrames)
			}
			if len(res.Connections) != len(want.Connections) {
				t.Fatalf("%d connections, tshark %d", len(res.Connections), len(want.Connections))
			}
			for i, wc := range want.Connections {
				c := res.Connections[i]
				if c.ID != wc.Stream || c.Client.String() != wc.Client || c.Server.String() != wc.Server {
					t.Errorf("connection %d: %d %v > %v, tshark stream %d %s > %s", i, c.ID, c.Client, c.Server, wc.Stream, wc.Client, wc.Server)
				}
				if c.Handshake.Seen() != wc.SYNSeen {
					t.Errorf("connection %d: handshake seen %v, tshark %v", i, c.Handshake.Seen(), wc.SYNSeen)
				}
				rtt, ok := c.Handshake.RTT()
				if (wc.InitialRTTMs != nil) != ok || ok && math.Abs(float64(rtt.Microseconds())/1000-*wc.InitialRTTMs) > 0.0015 {
					t.Errorf("connection %d: handshake RTT %v (%v), tshark %v ms", i, rtt, ok, wc.InitialRTTMs)
				}
				compareSide(t, strconv.Itoa(i)+" c>s", c.Dir(ClientToServer), wc.ClientToServer)
				compareSide(t, strconv.Itoa(i)+" s>c", c.Dir(ServerToClient), wc.ServerToClient)
			}
		})
	}
}

func compareSide(t *testing.T, name string, d *Direction, w expectedSide) {
	t.Helper()
	intOr0 := func(p *int) int {
		if p == nil {
			return 0
		}
		return *p
	}
	ws := -1
	if w.WindowScale != nil {
		ws = *w.WindowScale
	}
	if int(d.SYN.MSS) != intOr0(w.MSS) || (d.SYN.Seen && int(d.SYN.WindowScale) != ws) || d.SYN.SACKPermitted != w.SACKPermitted || d.SYN.Timestamps != w.Timestamps {
		t.Errorf("%s: SYN options %+v, tshark mss %v wscale %v sack %v ts %v", name, d.SYN, intOr0(w.MSS), ws, w.SACKPermitted, w.Timestamps)
	}
	// tshark counts duplicates as data; segscope counts them apart. (It
	// would count one-byte keep-alive probes as data too: none of these
	// captures idles long enough for one, which KeepAlives checks.)
	if int(d.Packets) != w.Packets || int(d.DataSegments)+int(d.Duplicates) != w.DataSegments || int(d.KeepAlives) != w.KeepAlives {
		t.Errorf("%s: %d packets, %d data segments; tshark %d and %d", name, int(d.Packets), int(d.DataSegments), w.Packets, w.DataSegments)
	}
	if d.PayloadBytes != w.PayloadBytes || d.Stats().Min != w.MinSegment || d.Stats().Max != w.MaxSegment {
		t.Errorf("%s: %d bytes, min %d, max %d; tshark %d, %d, %d", name, d.PayloadBytes, d.Stats().Min, d.Stats().Max, w.PayloadBytes, w.MinSegment, w.MaxSegment)
	}
	got := map[string]int{}
	for _, s := range d.Stats().Sizes {
		got[strconv.Itoa(s.Size)] = s.Count
	}
	if len(got) != len(w.Sizes) {
		t.Errorf("%s: sizes %v, tshark %v", name, got, w.Sizes)
	}
	for size, n := range w.Sizes {
		if got[size] != n {
			t.Errorf("%s: %s-byte segments: %d, tshark %d", name, size, got[size], n)
		}
	}
	if int(d.RetransmittedSegments) != w.RetransmittedSegments || int(d.OutOfOrderSegments) != w.OutOfOrderSegments {
		t.Errorf("%s: retransmitted %d, out of order %d; tshark %d, %d", name, int(d.RetransmittedSegments), int(d.OutOfOrderSegments), w.RetransmittedSegments, w.OutOfOrderSegments)
	}
	if int(d.ZeroWindows) != w.ZeroWindows || int(d.Resets) != w.Resets || int(d.Fins) != w.Fins || int(d.PushedSegments) != w.PushedDataSegments {
		t.Errorf("%s: zero windows %d resets %d fins %d pushed %d; tshark %d %d %d %d", name, int(d.ZeroWindows), int(d.Resets), int(d.Fins), int(d.PushedSegments), w.ZeroWindows, w.Resets, w.Fins, w.PushedDataSegments)
	}
	if int(d.DataSegments) > 0 && d.EffectiveMSS().OptionBytes != w.OptionBytesOnData {
		t.Errorf("%s: option bytes on data %d, tshark %d", name, d.EffectiveMSS().OptionBytes, w.OptionBytesOnData)
	}
}

// TestClockSteppedBack: a veth capture (nanosecond) whose clock steps
// back a few hundred nanoseconds between packets, frames 1-3 and
// 9150-9450 of one connection (analyze/testdata/clock-back.pcap.gz).
// tshark counts 5 retransmissions and 97 out-of-order segments there: a
// segment filling a hole "before" the highest byte arrived is not out of
// order to Wireshark, whose gap is unsigned; segscope had 0 and 102.
func TestClockSteppedBack(t *testing.T) {
	res, err := analyzeFile(t, "testdata/clock-back.pcap.gz")
	if err != nil {
		t.Fatal(err)
	}
	d := res.Connections[0].Dirs[ServerToClient]
	if d.RetransmittedSegments != 5 || d.OutOfOrderSegments != 97 {
		t.Errorf("%d retransmitted, %d out of order; tshark: 5, 97", d.RetransmittedSegments, d.OutOfOrderSegments)
	}
}

// TestEveryPacketCapturedTwice: pcaps/lo-methods.pcap merged with itself
// by mergecap (analyze/testdata/lo-methods-twice.pcap), as a capture of a
// mirrored port holds each packet twice. tshark calls each FIN's copy a
// retransmission; segscope counts every copy of a packet with data, FIN
// or RST as a duplicate and nothing else, so the counts are the single
// capture's (a FIN's copy was counted twice in fins).
func TestEveryPacketCapturedTwice(t *testing.T) {
	once, err := analyzeFile(t, "../pcaps/lo-methods.pcap")
	if err != nil {
		t.Fatal(err)
	}
	twice, err := analyzeFile(t, "testdata/lo-methods-twice.pcap")
	if err != nil {
		t.Fatal(err)
	}
	if len(once.Connections) != 2 || len(twice.Connections) != 2 {
		t.Fatalf("%d and %d connections, want 2 and 2", len(once.Connections), len(twice.Connections))
	}
	for i := range once.Connections {
		for _, dir := range []Dir{ClientToServer, ServerToClient} {
			o, w := once.Connections[i].Dir(dir), twice.Connections[i].Dir(dir)
			if o.Duplicates != 0 || o.Fins != 1 {
				t.Fatalf("conn %d %v: the single capture has %d duplicates and %d FINs; want 0 and 1 (tshark)", i, dir, o.Duplicates, o.Fins)
			}
			if w.Fins != o.Fins || w.Resets != o.Resets || w.DataSegments != o.DataSegments || w.PayloadBytes != o.PayloadBytes ||
				w.RetransmittedSegments != o.RetransmittedSegments || w.ZeroWindows != o.ZeroWindows || w.Packets != 2*o.Packets {
				t.Errorf("conn %d %v: twice %+v\nonce %+v", i, dir, *w, *o)
			}
			if want := o.DataSegments + o.Fins + o.Resets; w.Duplicates != want {
				t.Errorf("conn %d %v: %d duplicates, want %d (%d data segments, %d FINs, %d RSTs)", i, dir, w.Duplicates, want, o.DataSegments, o.Fins, o.Resets)
			}
		}
	}
}
