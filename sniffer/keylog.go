package sniffer

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/segscope/segscope/keylog"
)

// keyPoll is how often a growing key log is read during a capture: a
// client writes its secrets right after the ServerHello, and the sooner
// they are known the fewer records go by undecrypted.
const keyPoll = 20 * time.Millisecond

// keyFollower reads a key log as a client writes it, one complete line at
// a time, into the analysis's key store.
type keyFollower struct {
	path  string
	keys  *keylog.Store
	mu    sync.Mutex
	off   int64
	err   error
	stop  chan struct{}
	done  chan struct{}
	lines []byte // every complete line read, for the pcapng
	seen  bool   // the file existed at some read
}

func followKeys(path string, keys *keylog.Store) *keyFollower {
	f := &keyFollower{path: path, keys: keys, stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(f.done)
		t := time.NewTicker(keyPoll)
		defer t.Stop()
		for {
			f.read()
			select {
			case <-f.stop:
				return
			case <-t.C:
			}
		}
	}()
	return f
}

// read takes the complete lines added since the last read. A file not
// there yet is not an error: the client creates it at its first handshake.
func (f *keyFollower) read() {
	f.mu.Lock()
	defer f.mu.Unlock()
	file, err := os.Open(f.path)
	if errors.Is(err, os.ErrNotExist) {
		return
	}
	if err != nil {
		f.err = err
		return
	}
	f.seen = true
	defer file.Close()
	if _, err := file.Seek(f.off, io.SeekStart); err != nil {
		f.err = err
		return
	}
	b, err := io.ReadAll(file)
	if err != nil {
		f.err = err
		return
	}
	end := bytes.LastIndexByte(b, '\n')
	if end < 0 {
		return
	}
	b = b[:end+1]
	f.off += int64(len(b))
	f.lines = append(f.lines, b...)
	if err := f.keys.Parse(f.path, bytes.NewReader(b)); err != nil && f.err == nil {
		f.err = err
	}
}

// finish reads what is left and returns every line read.
func (f *keyFollower) finish() ([]byte, error) {
	close(f.stop)
	<-f.done
	f.read()
	if !f.seen && f.err == nil {
		// A mistyped name: waiting for the client to create it was
		// in vain, and nothing was decrypted with it.
		return nil, fmt.Errorf("key log %s: no such file, and none appeared during the capture: nothing was decrypted with it", f.path)
	}
	return f.lines, f.err
}
