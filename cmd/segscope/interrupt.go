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

// interrupts is the command's signal state. run watches SIGINT, SIGTERM
// and SIGHUP for the whole command, so a signal never kills segscope in
// the middle of writing (a half-written file, temporary files left): the
// reader registered is stopped, the command finishes what it writes, and
// run exits 128 + the signal.
var interrupts interruptState

type interruptState struct {
	mu   sync.Mutex
	sig  syscall.Signal
	got  bool
	stop func()
}

// watchInterrupts starts watching; the function it returns stops and
// says which signal came, if one did.
func watchInterrupts() (end func() (syscall.Signal, bool)) {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	quit := make(chan struct{})
	done := make(chan struct{})
	interrupts.mu.Lock()
	interrupts.got, interrupts.stop = false, nil
	interrupts.mu.Unlock()
	go func() {
		defer close(done)
		for {
			select {
			case sig := <-ch:
				if stop := interrupts.record(sig); stop != nil {
					stop()
				}
			case <-quit:
				return
			}
		}
	}()
	return func() (syscall.Signal, bool) {
		signal.Stop(ch)
		close(quit)
		<-done
		// A signal that came as the watcher quit is still in ch.
		select {
		case sig := <-ch:
			interrupts.record(sig)
		default:
		}
		return interrupts.signal()
	}
}

// record keeps the first signal and returns what stops the reading.
func (s *interruptState) record(sig os.Signal) (stop func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.got {
		s.sig, _ = sig.(syscall.Signal)
		s.got = true
	}
	return s.stop
}

// onStop registers what stops the reading when a signal comes (at once
// if one came already); clear unregisters it.
func (s *interruptState) onStop(stop func()) (clear func()) {
	s.mu.Lock()
	s.stop = stop
	got := s.got
	s.mu.Unlock()
	if got {
		stop()
	}
	return func() {
		s.mu.Lock()
		s.stop = nil
		s.mu.Unlock()
	}
}

// signal says which signal came during the command, if one did.
func (s *interruptState) signal() (syscall.Signal, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sig, s.got
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
