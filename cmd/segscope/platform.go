package main

import (
	"errors"
	"fmt"
	"runtime"

	"github.com/segscope/segscope/capture"
	"github.com/segscope/segscope/lab"
)

// What this build can run: a lab is made of Linux network namespaces, and
// the live capture (sniff, curl) is Linux's packet socket. Elsewhere those
// commands say so and stop; the offline ones work everywhere. Variables,
// so that the tests see what other systems print.
var (
	canLab     = lab.Supported
	canCapture = capture.LiveSupported
)

// platformError is the error of a command this build cannot run. main
// prints it alone: it names the command itself.
type platformError struct {
	command string // as typed: "lab"
	needs   string // what Linux has and this system has not
	instead string // what to do here; "" when nothing
}

func (e platformError) Error() string {
	msg := fmt.Sprintf("segscope %s needs Linux (%s); this build is for %s/%s", e.command, e.needs, runtime.GOOS, runtime.GOARCH)
	if e.instead != "" {
		msg += ": " + e.instead
	}
	return msg
}

func (e platformError) Unwrap() error { return errors.ErrUnsupported }

// Each Linux-only command checks before anything else.
var (
	labPlatform = platformError{command: "lab", needs: "network namespaces"}
	// sniff and curl: tcpdump captures everywhere, and the offline
	// commands read what it writes.
	sniffPlatform = platformError{command: "sniff", needs: "live capture through a packet socket",
		instead: "capture with tcpdump -w FILE and read the file with segscope analyze"}
	curlPlatform = platformError{command: "curl", needs: "live capture through a packet socket",
		instead: "capture with tcpdump -w while curl runs with --trace-time --trace, then read both with segscope explain"}
)
