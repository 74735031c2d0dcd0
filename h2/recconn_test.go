package h2

import (
	"net"
	"sync"
)

// recConn records, write by write, the bytes one side puts on the wire:
// that side's direction of the stream, as the peer receives it. Writes
// are queued so that they never wait for the peer's read, as on TCP:
// net.Pipe alone is synchronous and deadlocks when both sides write at
// once (an HTTP/2 server's SETTINGS and the client's preface do).
type recConn struct {
	net.Conn
	mu     sync.Mutex
	writes [][]byte
	q      chan []byte
	done   chan struct{}
	once   sync.Once
}

func newRecConn(c net.Conn) *recConn {
	q := make(chan []byte, 1<<16)
	r := &recConn{Conn: c, q: q, done: make(chan struct{})}
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

func (c *recConn) Write(p []byte) (int, error) {
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
func (c *recConn) Close() error {
	c.once.Do(func() {
		c.mu.Lock()
		close(c.q)
		c.q = nil
		c.mu.Unlock()
		<-c.done
	})
	return c.Conn.Close()
}

func (c *recConn) bytes() (all []byte, writes [][]byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, w := range c.writes {
		all = append(all, w...)
	}
	return all, c.writes
}
