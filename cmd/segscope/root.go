package main

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
)

// usageError marks a mistake in the command line.
type usageError struct{ error }

func isUsageError(err error) bool {
	var u usageError
	return errors.As(err, &u)
}

// usageArgs marks a command's argument errors as usage errors.
func usageArgs(v cobra.PositionalArgs) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := v(cmd, args); err != nil {
			return usageError{err}
		}
		return nil
	}
}

// captureArgs checks the capture arguments with v, and that standard
// input ("-") is among them at most once: a second read of it finds it
// empty (review 24: analyze - - reported "reading stdin: empty file").
func captureArgs(v cobra.PositionalArgs) cobra.PositionalArgs {
	return usageArgs(func(cmd *cobra.Command, args []string) error {
		if err := v(cmd, args); err != nil {
			return err
		}
		return stdinOnce(args)
	})
}

// stdinOnce refuses standard input given twice among the captures.
func stdinOnce(paths []string) error {
	n := 0
	for _, p := range paths {
		if p == "-" {
			n++
		}
	}
	if n > 1 {
		return fmt.Errorf("standard input (-) is given %d times: it can be read once", n)
	}
	return nil
}

// rootArgs: a word that names no command is a usage error, with cobra's
// suggestions.
func rootArgs(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	msg := fmt.Sprintf("unknown command %q for %q", args[0], cmd.CommandPath())
	if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
		msg += "\n\nDid you mean this?\n\t" + strings.Join(s, "\n\t") + "\n"
	}
	return usageError{errors.New(msg)}
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
		Args:          rootArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return cmd.Help()
		},
	}
	// Flag errors (an unknown flag, a missing value, a bad number) are
	// usage errors, for every command: cobra asks the parent's function.
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.AddCommand(newAnalyzeCmd(s), newSegmentsCmd(s), newMapCmd(s), newExplainCmd(s), newSniffCmd(s), newCurlCmd(s), newReportCmd(s), newLabCmd(s), newVersionCmd(s))
	// cobra's completion command prints its help and exits 0 for a shell
	// it does not know, so `source <(segscope completion bsah)` failed
	// in silence (review 21): an unknown shell is a usage error.
	root.InitDefaultCompletionCmd()
	for _, c := range root.Commands() {
		if c.Name() == "completion" {
			c.Args = func(cmd *cobra.Command, args []string) error {
				if len(args) > 0 {
					return usageError{fmt.Errorf("completion %s: no such shell; use bash, zsh, fish or powershell", args[0])}
				}
				return nil
			}
			c.RunE = func(cmd *cobra.Command, args []string) error {
				return cmd.Help() // no shell named: the list of shells
			}
		}
	}
	return root
}
