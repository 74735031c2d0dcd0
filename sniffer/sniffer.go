// Package sniffer runs a live capture into an analysis, and optionally a
// pcapng file, until it is told to stop. It is the loop behind `segscope
// sniff` and `segscope curl`; it prints nothing.
package sniffer

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sync"

	"github.com/segscope/segscope/analyze"
	"github.com/segscope/segscope/capture"
	"github.com/segscope/segscope/keylog"
)

// Options say what to capture and what to do with it.
type Options struct {
	Live    capture.LiveOptions
	Analyze analyze.Options
	// Write, when set, receives every packet as pcapng.
	Write io.Writer
	// KeyLogs are TLS key logs written during the capture (the
	// SSLKEYLOGFILE of the client being captured). They are read as they grow,
	// so the analysis decrypts, and the pcapng carries it in a Decryption
	// Secrets Block: one file then holds everything, and Wireshark opens
	// it decrypted.
	KeyLogs []string
}

// Session is a capture in progress.
type Session struct {
	live *capture.Live
	an   *analyze.Analyzer
	w    *capture.NgWriter
	keys []*keyFollower
	out  io.Writer // the pcapng's destination, when w writes a temporary file first
	tmp  *os.File
	opts analyze.Options // to analyze the capture again once every key is known

	mu      sync.Mutex // guards an and packets while the reader runs
	packets int
	done    chan struct{}
	err     error
}

// Stats are the kernel's and the writer's counts at the end.
type Stats struct {
	Received, Dropped uint64 // packets the kernel filter passed, and dropped for lack of buffer space
	Analyzed          int
	Written           int
}

// Start opens the interface and starts reading in the background.
func Start(o Options) (*Session, error) {
	live, err := capture.OpenLive(o.Live)
	if err != nil {
		return nil, err
	}
	if len(o.KeyLogs) > 0 && o.Analyze.Keys == nil {
		o.Analyze.Keys = &keylog.Store{}
	}
	s := &Session{live: live, an: analyze.New(o.Analyze), opts: o.Analyze, done: make(chan struct{})}
	if o.Write != nil || len(o.KeyLogs) > 0 {
		w := o.Write
		if len(o.KeyLogs) > 0 {
			// The packets go to a temporary file: the pcapng is written at
			// the end with the key log ahead of them, and the analysis is
			// made again from it with every key (a client writes its
			// secrets a moment after each handshake, and a fast transfer
			// is over before the live analysis could use them).
			if s.tmp, err = os.CreateTemp("", "segscope-sniff-*.pcapng"); err != nil {
				live.Close()
				return nil, err
			}
			// Unlinked at once: the open file is all that is needed, and
			// no way out of the process (SIGKILL included) leaves it behind.
			os.Remove(s.tmp.Name())
			s.out, w = o.Write, s.tmp
		}
		if s.w, err = capture.NewNgWriter(w, live.LinkType(), live.SnapLen(), live.Name()); err != nil {
			live.Close()
			s.removeTemp()
			return nil, err
		}
	}
	for _, path := range o.KeyLogs {
		s.keys = append(s.keys, followKeys(path, o.Analyze.Keys))
	}
	go s.run()
	return s, nil
}

func (s *Session) run() {
	defer close(s.done)
	for {
		p, err := s.live.ReadPacket()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			s.err = err
			return
		}
		if s.w != nil {
			if err := s.w.WritePacket(p); err != nil {
				s.err = err
				return
			}
		}
		s.mu.Lock()
		err = s.an.Add(p)
		s.packets++
		s.mu.Unlock()
		if err != nil {
			s.err = err
			return
		}
	}
}

// Buffer reports the kernel buffer asked for and granted: without
// CAP_NET_ADMIN the kernel caps it at net.core.rmem_max, and a fast
// transfer then drops packets.
func (s *Session) Buffer() (asked, granted int) { return s.live.Buffer() }

// Done is closed when the reader stopped on its own (an error, or the
// interface went away): Stop then says why.
func (s *Session) Done() <-chan struct{} { return s.done }

// View calls f with the connections seen so far, under the lock that keeps
// the reader out: f must not keep them.
func (s *Session) View(f func(packets int, conns []*analyze.Connection)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f(s.packets, s.an.Connections())
}

// Stop ends the capture: packets already in the kernel buffer are read,
// the file is completed, and the analysis finished.
func (s *Session) Stop() (*analyze.Result, Stats, error) {
	serr := s.live.Stop()
	<-s.done
	cerr := s.live.Close()
	st := Stats{Analyzed: s.packets}
	st.Received, st.Dropped, _ = s.live.Stats()
	var keyLog []byte
	var kerr error
	for _, k := range s.keys {
		b, err := k.finish()
		keyLog = append(keyLog, b...)
		kerr = errors.Join(kerr, err)
	}
	var werr error
	res := s.an.Result()
	if s.w != nil {
		s.w.WriteStats(st.Received, st.Dropped)
		st.Written = s.w.Packets()
		werr = s.w.Close()
		if s.tmp != nil {
			st.Written = 0
			if werr == nil {
				var again *analyze.Result
				again, st.Written, werr = s.replay(keyLog, st)
				if again != nil {
					res = again
				}
			}
			s.removeTemp()
		}
	}
	if werr != nil {
		werr = WriteError{werr}
	}
	return res, st, errors.Join(s.err, serr, cerr, werr, kerr)
}

// WriteError is an error of writing the capture (Options.Write): what was
// written is not whole. Other errors (a key log that never came, the
// interface going away) leave what was written whole.
type WriteError struct{ Err error }

func (e WriteError) Error() string { return "writing the capture: " + e.Err.Error() }
func (e WriteError) Unwrap() error { return e.Err }

// replay reads the temporary capture once, now that the key store holds
// every secret the key logs gave: it writes the caller's pcapng with the
// key log in a Decryption Secrets Block ahead of the packets, so a reader
// streaming the file (tshark, segscope) has the keys before the records
// they decrypt, and analyzes the packets again (nil result when there
// were no keys to do better with).
func (s *Session) replay(keyLog []byte, st Stats) (res *analyze.Result, written int, err error) {
	size, err := s.tmp.Seek(0, io.SeekCurrent)
	if err != nil {
		return nil, 0, err
	}
	if _, err := s.tmp.Seek(0, io.SeekStart); err != nil {
		return nil, 0, err
	}
	src, err := capture.NewReader("the temporary capture", s.tmp, size)
	if err != nil {
		return nil, 0, err
	}
	defer src.Close()
	var w *capture.NgWriter
	if s.out != nil {
		if w, err = capture.NewNgWriter(s.out, s.live.LinkType(), s.live.SnapLen(), s.live.Name()); err != nil {
			return nil, 0, err
		}
		if err := w.WriteTLSKeyLog(keyLog); err != nil {
			return nil, 0, err
		}
	}
	var a *analyze.Analyzer
	if len(keyLog) > 0 {
		a = analyze.New(s.opts)
	}
	for {
		p, err := src.ReadPacket()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, written, fmt.Errorf("reading the capture again to add its key log: %w", err)
		}
		if w != nil {
			if err := w.WritePacket(p); err != nil {
				return nil, written, err
			}
			written++
		}
		if a != nil {
			if err := a.Add(p); err != nil {
				return nil, written, fmt.Errorf("analyzing the capture again with the keys: %w", err)
			}
		}
	}
	if w != nil {
		w.WriteStats(st.Received, st.Dropped)
		if err := w.Close(); err != nil {
			return nil, written, err
		}
	}
	if a != nil {
		res = a.Result()
	}
	return res, written, nil
}

func (s *Session) removeTemp() {
	if s.tmp != nil {
		s.tmp.Close() // unlinked when made
		s.tmp = nil
	}
}
