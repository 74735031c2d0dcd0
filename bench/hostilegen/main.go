// Command hostilegen writes a hostile capture (see bench/hostile) to a file
// or standard output.
//
//	go run ./bench/hostilegen -kind synflood -count 2000000 -o - | segscope analyze --format jsonl -
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/segscope/segscope/bench/hostile"
)

func main() {
	var cfg hostile.Config
	out := flag.String("o", "-", "output file (- for stdout)")
	kind := flag.String("kind", "synflood", "synflood, oow (segments out of any window) or gaps (a gap before every segment)")
	flag.IntVar(&cfg.Count, "count", 1000000, "SYNs, or data segments")
	flag.IntVar(&cfg.Conns, "conns", 1, "connections the data segments are spread over (oow, gaps)")
	flag.IntVar(&cfg.Payload, "payload", 1000, "bytes per data segment")
	flag.Uint64Var(&cfg.Seed, "seed", 1, "seed")
	flag.Parse()
	cfg.Kind = hostile.Kind(*kind)
	var w io.Writer = os.Stdout
	if *out != "-" {
		f, err := os.Create(*out)
		if err != nil {
			fatal(err)
		}
		defer f.Close()
		w = f
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	if err := hostile.Write(bw, cfg); err != nil {
		fatal(err)
	}
	if err := bw.Flush(); err != nil {
		fatal(err)
	}
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "hostilegen:", err)
	os.Exit(1)
}
