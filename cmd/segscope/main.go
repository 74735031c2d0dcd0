// Command segscope inspects TCP segmentation in packet captures and explains
// it. Each subcommand parses its flags, calls the packages that do the work,
// and hands the result to package report; none holds analysis logic.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
)

// errReported marks a failure whose details were already printed with the
// report (a cut capture, say): main only sets the exit status.
var errReported = errors.New("errors reported above")

func main() {
	// Nearly all of segscope's heap is connection state that lives to the
	// end, and the per-packet path allocates nothing, so collections are
	// rare: collecting at 25% growth instead of 100% keeps the peak near
	// what is live, for a few percent more time on captures of many
	// connections. GOGC overrides.
	if os.Getenv("GOGC") == "" {
		lateGC()
	}
	stop := startProfiles(os.Stderr)
	code := run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// lateGC collects at 25% heap growth, but the first time at 16 MiB: the
// runtime's first goal is 4 MiB times GOGC/100, 1 MiB at 25, and the three
// collections on the way to a few MiB each scanned gopacket's 5 MB of
// globals (7 ms of a 260 ms one-core run of real-1500). A finalizer tells
// when the first collection has run.
func lateGC() {
	debug.SetGCPercent(400)
	first := &struct{ _ [32]byte }{} // not a tiny allocation: those may never be finalized
	runtime.SetFinalizer(first, func(*struct{ _ [32]byte }) { debug.SetGCPercent(25) })
}

// run executes the command line and returns the exit status: 0 on success,
// 1 when something failed (after reporting what could be read), 2 for
// usage errors.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	// The signals are watched for the whole command: a signal stops the
	// reading, never the writing, and the exit status is 128 + the signal.
	end := watchInterrupts()
	code := execute(args, stdin, stdout, stderr)
	if sig, ok := end(); ok && code < 128 {
		fmt.Fprintf(stderr, "segscope: %s: stopped; what was read is reported\n", sig)
		return 128 + int(sig)
	}
	return code
}

func execute(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	root := newRootCmd(stdin, stdout, stderr)
	root.SetArgs(args)
	return statusOf(root.Execute(), stderr)
}

// statusOf turns a command's error into its exit status, saying why on
// stderr where the command did not.
func statusOf(err error, stderr io.Writer) int {
	var status exitStatus
	var platform platformError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &platform):
		fmt.Fprintln(stderr, err) // it names segscope and the command
		return 1
	case errors.As(err, &status):
		return int(status) // curl's, passed through by segscope curl
	case errors.Is(err, errReported):
		return 1
	case isUsageError(err):
		fmt.Fprintf(stderr, "segscope: %v\nRun 'segscope --help' for usage.\n", err)
		return 2
	default:
		fmt.Fprintf(stderr, "segscope: %v\n", err)
		return 1
	}
}
