// Package sniffer runs a live capture into an analysis, and optionally a
// pcapng file, until it is told to stop. It is the loop behind `segscope
// sniff` and `segscope curl`; it prints nothing.
package sniffer

import (
	"errors"
	"io"
	"sync"

	"github.com/segscope/segscope/analyze"
	"github.com/segscope/segscope/capture"
)

// Options say what to capture and what to do with it.
type Options struct {
	Live    capture.LiveOptions
	Analyze analyze.Options
	// Write, when set, receives every packet as pcapng.
	Write io.Writer
}

// Session is a capture in progress.
type Session struct {
	live *capture.Live
	an   *analyze.Analyzer
	w    *capture.NgWriter

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
	s := &Session{live: live, an: analyze.New(o.Analyze), done: make(chan struct{})}
	if o.Write != nil {
		if s.w, err = capture.NewNgWriter(o.Write, live.LinkType(), live.SnapLen(), live.Name()); err != nil {
			live.Close()
			return nil, err
		}
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
	var werr error
	if s.w != nil {
		s.w.WriteStats(st.Received, st.Dropped)
		st.Written = s.w.Packets()
		werr = s.w.Close()
	}
	res := s.an.Result()
	return res, st, errors.Join(s.err, serr, cerr, werr)
}
