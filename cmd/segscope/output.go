package main

import (
	"fmt"
	"os"
	"path/filepath"
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
		if in == "-" {
			// Standard input: /dev/stdin, /dev/fd/0 or the file or pipe
			// it was redirected from (review 24: the pipe read from,
			// opened for writing, blocked once full, past any signal).
			if ist, err := os.Stdin.Stat(); err == nil && os.SameFile(ost, ist) {
				return usageError{fmt.Errorf("%s is standard input, which this command reads: refusing to write to it", out)}
			}
			continue
		}
		if in == "" {
			continue
		}
		if ist, err := os.Stat(in); err == nil && os.SameFile(ost, ist) {
			return usageError{fmt.Errorf("%s is also an input of this command: refusing to write over it", out)}
		}
	}
	return nil
}

// notAnOutput refuses out when it is one of the files another output of
// the same command writes (review 24: curl --keep DIR --html
// DIR/capture.pcapng replaced the kept capture with the page, exit 0).
// The files may not exist yet: the paths are compared cleaned.
func notAnOutput(out string, others ...string) error {
	if out == "" || out == "-" {
		return nil
	}
	for _, o := range others {
		if samePath(o, out) {
			return usageError{fmt.Errorf("%s is also written by this command (%s): refusing to write it twice", out, o)}
		}
		a, err1 := os.Stat(out)
		b, err2 := os.Stat(o)
		if err1 == nil && err2 == nil && os.SameFile(a, b) {
			return usageError{fmt.Errorf("%s is also written by this command (%s): refusing to write it twice", out, o)}
		}
	}
	return nil
}

// samePath tells whether a and b name one file, existing or not: compared
// absolute, their directories' symbolic links resolved (review 33: with
// --keep ., "$PWD/keys.txt" and "../d/capture.pcapng" were not refused,
// and curl's download was replaced by segscope's file).
func samePath(a, b string) bool {
	abs := func(p string) string {
		p, err := filepath.Abs(p)
		if err != nil {
			return filepath.Clean(p)
		}
		if d, err := filepath.EvalSymlinks(filepath.Dir(p)); err == nil {
			p = filepath.Join(d, filepath.Base(p))
		}
		return p
	}
	return filepath.Clean(a) == filepath.Clean(b) || abs(a) == abs(b)
}

// dirExists checks, before any work, that out's directory is there: a
// report written after a long capture or analysis must not fail then for
// a typo (review 24).
func dirExists(flag, out string) error {
	if out == "" || out == "-" {
		return nil
	}
	dir := filepath.Dir(out)
	st, err := os.Stat(dir)
	if err != nil {
		return usageError{fmt.Errorf("%s %s: %w", flag, out, err)}
	}
	if !st.IsDir() {
		return usageError{fmt.Errorf("%s %s: %s is not a directory", flag, out, dir)}
	}
	return nil
}
