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
		written := s.w.Packets()
		werr = s.w.Close()
		if s.tmp != nil && werr == nil && len(keyLog) > 0 {
			if again, err := s.reanalyze(s.tmp.Name()); err == nil {
				res = again
			} else {
				werr = err
			}
		}
		if s.out != nil && werr == nil && s.tmp != nil {
			written, werr = embed(s.out, s.tmp.Name(), s.live, keyLog, st.Received, st.Dropped)
		}
		if s.out != nil || s.tmp == nil {
			st.Written = written // the packets in the caller's file
		}
		s.removeTemp()
	}
	return res, st, errors.Join(s.err, serr, cerr, werr, kerr)
}

// reanalyze analyzes the capture written during the session again, now
// that the key store holds every secret the key logs gave.
func (s *Session) reanalyze(path string) (*analyze.Result, error) {
	src, err := capture.Open(path)
	if err != nil {
		return nil, err
	}
	defer src.Close()
	a := analyze.New(s.opts)
	if err := a.ReadAll(src); err != nil {
		return nil, fmt.Errorf("analyzing the capture again with the keys: %w", err)
	}
	return a.Result(), nil
}

func (s *Session) removeTemp() {
	if s.tmp != nil {
		s.tmp.Close()
		os.Remove(s.tmp.Name())
		s.tmp = nil
	}
}
