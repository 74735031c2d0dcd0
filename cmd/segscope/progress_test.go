package main

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/segscope/segscope/capture"
)

func TestProgressLineAndStop(t *testing.T) {
	src, err := capture.Open(pcaps + "lo-http.pcap")
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	var buf bytes.Buffer
	stop := showProgress(&buf, src)
	for {
		if _, err := src.ReadPacket(); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(300 * time.Millisecond) // at least one tick of the 250 ms ticker
	stop()
	out := buf.String()
	if !strings.Contains(out, "reading "+pcaps+"lo-http.pcap: 100% (1.0 MiB of 1.0 MiB)") || !strings.HasSuffix(out, "\r\033[K") {
		t.Errorf("progress output %q", out)
	}
	if got := progressLine("stdin", 3<<20, 0); got != "reading stdin: 3.0 MiB" {
		t.Errorf("unknown size: %q", got)
	}
}
