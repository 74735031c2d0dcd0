// Command synth writes a synthetic pcap file of HTTP-like TCP traffic (see
// package internal/synth) and prints what it wrote as one line on stderr.
//
//	go run ./bench/synth -o big.pcap -conns 1000 -response-bytes 1000000
package main

import (
	"crypto/tls"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/segscope/segscope/internal/synth"
)

func main() {
	var cfg synth.Config
	out := flag.String("o", "", "output file (required; - for stdout)")
	flag.IntVar(&cfg.Connections, "conns", 1, "number of TCP connections")
	flag.IntVar(&cfg.ReusedTuples, "reused", 0, "how many of the connections reuse the 4-tuple of an earlier, closed one")
	flag.IntVar(&cfg.ResponseBytes, "response-bytes", 100000, "bytes the server sends per connection")
	flag.IntVar(&cfg.RequestBytes, "request-bytes", 100, "bytes the client sends per connection")
	flag.IntVar(&cfg.MSS, "mss", 1460, "MSS the client advertises (server segments carry MSS-12 bytes with timestamps)")
	flag.IntVar(&cfg.ServerMSS, "server-mss", 1460, "MSS the server advertises")
	flag.BoolVar(&cfg.Timestamps, "timestamps", true, "TCP timestamps option")
	flag.IntVar(&cfg.SuperSegmentEvery, "super-every", 0, "every Nth server data segment is a 4 x MSS TSO super-segment (0: none)")
	flag.IntVar(&cfg.RetransmitEvery, "retransmit-every", 0, "every Nth server data segment is retransmitted (0: none)")
	flag.BoolVar(&cfg.IPv6, "ipv6", false, "IPv6 instead of IPv4")
	flag.IntVar(&cfg.Snaplen, "snaplen", 0, "record at most this many bytes per frame (0: all)")
	flag.Int64Var(&cfg.Seed, "seed", 1, "seed; the same flags give byte-identical files")
	flag.Float64Var(&cfg.TimeScale, "time-scale", 1, "multiply every time offset by this: 0.2 opens five times as many connections per second of capture time")
	tlsVersion := flag.String("tls", "", "1.2 or 1.3: every connection carries one real TLS session (HTTP/1.1, a -response-bytes body) instead of clear HTTP")
	keyLog := flag.String("keylog", "", "with -tls: write the session's key log (SSLKEYLOGFILE format) here")
	flag.Parse()
	if *out == "" || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: synth -o FILE [flags]")
		flag.PrintDefaults()
		os.Exit(2)
	}

	if *tlsVersion != "" {
		v := map[string]uint16{"1.2": tls.VersionTLS12, "1.3": tls.VersionTLS13}[*tlsVersion]
		if v == 0 {
			fatal(fmt.Errorf("-tls %q: use 1.2 or 1.3", *tlsVersion))
		}
		cli, srv, keys, err := synth.TLSSession(v, cfg.ResponseBytes)
		if err != nil {
			fatal(err)
		}
		cfg.Request, cfg.Response = cli, srv
		if *keyLog != "" {
			if err := os.WriteFile(*keyLog, []byte(keys), 0o644); err != nil {
				fatal(err)
			}
		}
	}

	var w io.Writer = os.Stdout
	var f *os.File
	if *out != "-" {
		var err error
		if f, err = os.Create(*out); err != nil {
			fatal(err)
		}
		w = f
	}
	t0 := time.Now()
	st, err := synth.Write(w, cfg) // buffers internally
	if err == nil && f != nil {
		err = f.Close()
	}
	if err != nil {
		if f != nil {
			os.Remove(*out)
		}
		fatal(err)
	}
	fmt.Fprintf(os.Stderr, "%s elapsed=%.2fs\n", st, time.Since(t0).Seconds())
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "synth:", err)
	os.Exit(1)
}
