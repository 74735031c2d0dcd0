package main

import (
	"errors"
	"io"
	"strings"

	"github.com/spf13/cobra"
)

// usageError marks a mistake in the command line.
type usageError struct{ error }

func isUsageError(err error) bool {
	var u usageError
	if errors.As(err, &u) {
		return true
	}
	// cobra's own flag and argument errors.
	msg := err.Error()
	return strings.HasPrefix(msg, "unknown command") || strings.HasPrefix(msg, "unknown flag") ||
		strings.HasPrefix(msg, "unknown shorthand flag") || strings.Contains(msg, "flag needs an argument") ||
		strings.HasPrefix(msg, "invalid argument") || strings.HasPrefix(msg, "accepts ") ||
		strings.HasPrefix(msg, "requires at least")
}

// streams are where a command reads and writes, injectable for tests.
type streams struct {
	in       io.Reader
	out, err io.Writer
}

func newRootCmd(stdin io.Reader, stdout, stderr io.Writer) *cobra.Command {
	s := &streams{in: stdin, out: stdout, err: stderr}
	root := &cobra.Command{
		Use:   "segscope",
		Short: "Inspect TCP segmentation in packet captures and explain it",
		Long: `segscope reads packet captures (pcap or pcapng, gzip-compressed or not, a file
or standard input) and reports, for every TCP connection, how each direction's
bytes were cut into segments: the MSS each side advertised, the effective MSS
after TCP options, the segment size distribution, super-segments left by
TSO/GRO offload, retransmissions and reordering.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.AddCommand(newAnalyzeCmd(s), newSegmentsCmd(s), newMapCmd(s), newExplainCmd(s), newSniffCmd(s), newCurlCmd(s), newReportCmd(s), newLabCmd(s), newVersionCmd(s))
	return root
}
