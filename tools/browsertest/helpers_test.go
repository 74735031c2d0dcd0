package browsertest

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"github.com/segscope/segscope/analyze"
	"github.com/segscope/segscope/capture"
	"github.com/segscope/segscope/curltrace"
	"github.com/segscope/segscope/explain"
	"github.com/segscope/segscope/keylog"
	"github.com/segscope/segscope/report/htmlreport"
)

// pcaps are the repository's captures.
const pcaps = "../../pcaps/"

// input analyzes captures (keeping every segment) and explains the trace
// against them, as `segscope report` does.
func input(t testing.TB, captures []string, trace, keys string) htmlreport.Input {
	t.Helper()
	ks := &keylog.Store{}
	if keys != "" {
		if err := ks.LoadFile(keys); err != nil {
			t.Fatal(err)
		}
	}
	a := analyze.New(analyze.Options{KeepSegments: func(*analyze.Connection) bool { return true }, MaxUnits: math.MaxInt32, Keys: ks})
	for _, p := range captures {
		src, err := capture.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := a.ReadAll(src); err != nil {
			t.Fatal(err)
		}
		src.Close()
	}
	in := htmlreport.Input{Capture: a.Result()}
	if trace != "" {
		in.Explain = explain.Explain(readTrace(t, trace), in.Capture)
	}
	return in
}

func readTrace(t testing.TB, path string) *curltrace.Trace {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tr, err := curltrace.Parse(f, path)
	if err != nil && (tr == nil || len(tr.Events) == 0) {
		t.Fatal(err)
	}
	return tr
}

func recvData(tr *curltrace.Trace) int {
	n := 0
	for _, e := range tr.Events {
		if e.Kind == curltrace.RecvData {
			n++
		}
	}
	return n
}

func page(t testing.TB, in htmlreport.Input) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := htmlreport.Write(&b, in); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func ts(i int) time.Time { return time.Date(2026, 1, 1, 0, 0, i, 0, time.UTC) }

// noTCPCapture writes a capture of three UDP packets.
func noTCPCapture(t testing.TB) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "udp.pcap")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w := pcapgo.NewWriter(f)
	if err := w.WriteFileHeader(65535, layers.LinkTypeEthernet); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		buf := gopacket.NewSerializeBuffer()
		eth := &layers.Ethernet{SrcMAC: []byte{2, 0, 0, 0, 0, 1}, DstMAC: []byte{2, 0, 0, 0, 0, 2}, EthernetType: layers.EthernetTypeIPv4}
		ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolUDP, SrcIP: []byte{10, 0, 0, 1}, DstIP: []byte{10, 0, 0, 2}}
		udp := &layers.UDP{SrcPort: 5353, DstPort: 5353}
		udp.SetNetworkLayerForChecksum(ip)
		if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, eth, ip, udp, gopacket.Payload("<script>x</script>")); err != nil {
			t.Fatal(err)
		}
		ci := gopacket.CaptureInfo{Timestamp: ts(i), CaptureLength: len(buf.Bytes()), Length: len(buf.Bytes())}
		if err := w.WritePacket(ci, buf.Bytes()); err != nil {
			t.Fatal(err)
		}
	}
	return path
}
