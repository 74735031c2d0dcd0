package main

import (
	"fmt"
	"os"
)

// notAnInput refuses an output file that is one of the files the command
// reads: written under a temporary name and renamed into place, it would
// replace the capture or the trace it was made from (review round 8:
// segscope report in.pcap -w in.pcap left an HTML page where the capture
// was). A path that does not exist yet, or standard output, is fine.
func notAnInput(out string, inputs ...string) error {
	if out == "" || out == "-" {
		return nil
	}
	ost, err := os.Stat(out)
	if err != nil {
		return nil
	}
	for _, in := range inputs {
		if in == "" || in == "-" {
			continue
		}
		if ist, err := os.Stat(in); err == nil && os.SameFile(ost, ist) {
			return usageError{fmt.Errorf("%s is also an input of this command: refusing to write over it", out)}
		}
	}
	return nil
}
