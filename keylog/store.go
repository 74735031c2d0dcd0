package keylog

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"io"
	"iter"
	"sync"
)

// Store holds the secrets of key logs by client random. The zero Store is
// empty and ready; a nil *Store looks up nothing. A Store may be filled
// from several key logs (a file, a pcapng Decryption Secrets Block, ...)
// and used from several goroutines at once.
type Store struct {
	mu      sync.RWMutex
	index   map[Random]int // into entries
	entries []entry        // in the order the randoms first appeared
	arena   []byte         // secrets are sliced from here, to allocate little
}

type entry struct {
	random  Random
	secrets Secrets
}

// Add stores secret as the label l secret of the connection whose
// ClientHello random is r, replacing an earlier one. The secret is copied.
// It fails when l is not a label the Store keeps or the secret's length
// does not fit it.
func (s *Store) Add(l Label, r Random, secret []byte) error {
	if !l.ValidLength(len(secret)) {
		return lengthError(l, len(secret))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.add(l, r, s.alloc(len(secret), func(b []byte) { copy(b, secret) }))
	return nil
}

func lengthError(l Label, n int) error {
	if !l.known() {
		return fmt.Errorf("%v is not a label a key log store keeps", l)
	}
	return fmt.Errorf("%v: secret is %d bytes, want %s", l, n, l.wantLength())
}

// alloc returns n bytes of the arena filled by fill. s.mu is held.
func (s *Store) alloc(n int, fill func([]byte)) []byte {
	if cap(s.arena)-len(s.arena) < n {
		s.arena = make([]byte, 0, max(4096, n))
	}
	start := len(s.arena)
	s.arena = s.arena[:start+n]
	b := s.arena[start : start+n : start+n]
	fill(b)
	return b
}

// add stores secret (already in the arena). s.mu is held.
func (s *Store) add(l Label, r Random, secret []byte) {
	i, ok := s.index[r]
	if !ok {
		if s.index == nil {
			s.index = make(map[Random]int)
		}
		i = len(s.entries)
		s.index[r] = i
		s.entries = append(s.entries, entry{random: r})
	}
	*s.entries[i].secrets.field(l) = secret
}

// Lookup returns the secrets for the connection whose ClientHello random
// is r; ok is false when the key logs have no line for it. It does not
// allocate. The returned slices are shared: do not modify them.
func (s *Store) Lookup(r Random) (sec Secrets, ok bool) {
	if s == nil {
		return Secrets{}, false
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	i, ok := s.index[r]
	if !ok {
		return Secrets{}, false
	}
	return s.entries[i].secrets, true
}

// Len returns the number of connections (client randoms) the Store has
// secrets for.
func (s *Store) Len() int {
	if s == nil {
		return 0
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.entries)
}

// All yields every client random with its secrets, in the order the
// randoms first appeared. It iterates over a copy: the Store may be
// changed meanwhile.
func (s *Store) All() iter.Seq2[Random, Secrets] {
	return func(yield func(Random, Secrets) bool) {
		if s == nil {
			return
		}
		s.mu.RLock()
		entries := append([]entry(nil), s.entries...)
		s.mu.RUnlock()
		for _, e := range entries {
			if !yield(e.random, e.secrets) {
				return
			}
		}
	}
}

// WriteTo writes the Store as an NSS key log: for each client random in
// the order it first appeared, one line per secret, in the order a
// handshake produces them. The result parses back into an equal Store; it
// is what a pcapng Decryption Secrets Block embeds.
func (s *Store) WriteTo(w io.Writer) (n int64, err error) {
	if s == nil {
		return 0, nil
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	buf := make([]byte, 0, 8192)
	flush := func() error {
		m, err := w.Write(buf)
		n += int64(m)
		buf = buf[:0]
		return err
	}
	for i := range s.entries {
		e := &s.entries[i]
		for _, l := range labels {
			secret := e.secrets.Get(l)
			if secret == nil {
				continue
			}
			buf = append(buf, labelNames[l]...)
			buf = append(buf, ' ')
			buf = hex.AppendEncode(buf, e.random[:])
			buf = append(buf, ' ')
			buf = hex.AppendEncode(buf, secret)
			buf = append(buf, '\n')
		}
		if len(buf) > cap(buf)/2 {
			if err := flush(); err != nil {
				return n, err
			}
		}
	}
	if len(buf) > 0 {
		err = flush()
	}
	return n, err
}

// Bytes returns the Store as an NSS key log, as WriteTo writes it.
func (s *Store) Bytes() []byte {
	var b bytes.Buffer
	s.WriteTo(&b) // a bytes.Buffer does not fail
	return b.Bytes()
}
