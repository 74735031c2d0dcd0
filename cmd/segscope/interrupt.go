package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"sync"
	"syscall"
)

// Reading a capture is interrupted by SIGINT, SIGTERM or SIGHUP: the
// reading stops, the command reports what was read (a pipeline such as
// `tcpdump -w - | segscope analyze -` ends with its report, not with
// nothing), and it exits as a shell reports a process killed by the
// signal, 128 + its number.

// interruptError says a signal stopped the reading.
type interruptError struct{ sig syscall.Signal }

func (e interruptError) Error() string {
	return fmt.Sprintf("%s: stopped reading; what was read is reported", e.sig)
}

// onInterrupt calls stop (once) when a signal comes, until the returned
// function is called; that function says which signal came, if one did.
func onInterrupt(stop func()) (end func() (syscall.Signal, bool)) {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	var (
		mu  sync.Mutex
		got os.Signal
	)
	quit := make(chan struct{})
	go func() {
		select {
		case sig := <-ch:
			mu.Lock()
			got = sig
			mu.Unlock()
			stop()
		case <-quit:
		}
	}()
	return func() (syscall.Signal, bool) {
		signal.Stop(ch)
		close(quit)
		mu.Lock()
		defer mu.Unlock()
		s, ok := got.(syscall.Signal)
		return s, ok
	}
}

// failed is the error a command returns once its errors are reported: the
// exit status of a signal when one stopped it, else 1.
func failed(errs []error) error {
	var ie interruptError
	for _, err := range errs {
		if errors.As(err, &ie) {
			return exitStatus(128 + int(ie.sig))
		}
	}
	return errReported
}

// signalContext is cancelled by SIGINT, SIGTERM or SIGHUP, with the
// signal as its cause.
func signalContext() (context.Context, func()) {
	ctx, cancel := context.WithCancelCause(context.Background())
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	go func() {
		select {
		case sig := <-ch:
			cancel(signalError{sig.(syscall.Signal)})
		case <-ctx.Done():
		}
	}()
	return ctx, func() { signal.Stop(ch); cancel(nil) }
}

type signalError struct{ sig syscall.Signal }

func (e signalError) Error() string { return e.sig.String() }
