// Package wiretest records what real protocol implementations (crypto/tls,
// x/net/http2) put on the wire in-process, for the walkers' tests. It is
// test support only; nothing in segscope's commands imports it.
package wiretest

import (
	"net"
	"sync"
)

// RecConn records, write by write, the bytes one side puts on the wire:
// that side's direction of the stream, as the peer receives it. Writes
// are queued so that they never wait for the peer's read, as on TCP:
// net.Pipe alone is synchronous and deadlocks when both sides write at
// once (an HTTP/2 server's SETTINGS and the client's preface do, and so do
// TLS 1.3 compatibility-mode change_cipher_spec records).
type RecConn struct {
	net.Conn
	mu     sync.Mutex
	writes [][]byte
	q      chan []byte
	done   chan struct{}
	once   sync.Once
}

func NewRecConn(c net.Conn) *RecConn {
	q := make(chan []byte, 1<<16)
	r := &RecConn{Conn: c, q: q, done: make(chan struct{})}
	go func() {
		defer close(r.done)
		for b := range q {
			if _, err := c.Write(b); err != nil {
				for range q { // the peer is gone: drop the rest
				}
				return
			}
		}
	}()
	return r
}

func (c *RecConn) Write(p []byte) (int, error) {
	b := append([]byte(nil), p...)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.q == nil {
		return 0, net.ErrClosed
	}
	c.writes = append(c.writes, b)
	c.q <- b
	return len(p), nil
}

// Close delivers what is queued, then closes.
func (c *RecConn) Close() error {
	c.once.Do(func() {
		c.mu.Lock()
		close(c.q)
		c.q = nil
		c.mu.Unlock()
		<-c.done
	})
	return c.Conn.Close()
}

// Bytes returns everything written, and the writes one by one.
func (c *RecConn) Bytes() (all []byte, writes [][]byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, w := range c.writes {
		all = append(all, w...)
	}
	return all, c.writes
}
