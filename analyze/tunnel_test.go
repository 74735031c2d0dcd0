package analyze

import (
	"testing"
	"time"
)

// talk builds one connection from messages, each one segment (client's
// when c), then both FINs.
func talk(t *testing.T, msgs ...struct {
	c bool
	b string
}) *Connection {
	t.Helper()
	const cisn, sisn = 1000, 5000
	fr := handshake(cisn, sisn, 1460, 1460)
	cs, ss := uint32(cisn+1), uint32(sisn+1)
	at := time.Millisecond
	for _, m := range msgs {
		if m.c {
			fr = append(fr, frame{client: true, seq: cs, ack: ss, flags: flagACK | flagPSH, body: []byte(m.b), payload: len(m.b), at: at})
			cs += uint32(len(m.b))
		} else {
			fr = append(fr, frame{seq: ss, ack: cs, flags: flagACK | flagPSH, body: []byte(m.b), payload: len(m.b), at: at})
			ss += uint32(len(m.b))
		}
		at += time.Millisecond
	}
	fr = append(fr, frame{client: true, seq: cs, ack: ss, flags: flagACK | flagFIN, at: at})
	fr = append(fr, frame{seq: ss, ack: cs + 1, flags: flagACK | flagFIN, at: at + time.Millisecond})
	res := feed(t, fr...)
	if len(res.Connections) != 1 || res.Connections[0].App == nil {
		t.Fatalf("%d connections", len(res.Connections))
	}
	return res.Connections[0]
}

type say = struct {
	c bool
	b string
}

// helloRecord is a TLS handshake record of 55 bytes (a ClientHello's start).
func helloRecord() string {
	b := []byte{0x16, 0x03, 0x01, 0x00, 0x32, 0x01, 0x00, 0x00, 0x2e, 0x03, 0x03}
	for len(b) < 55 {
		b = append(b, 0)
	}
	return string(b)
}

// TestTunnelNested: a chain of two proxies (CONNECT, 200, CONNECT, 200,
// then TLS): the inner tunnel is walked, and it ends with the stream (its
// streams had stayed zero and its walkers held; code review).
func TestTunnelNested(t *testing.T) {
	c := talk(t,
		say{true, "CONNECT proxy2:3128 HTTP/1.1\r\nHost: proxy2:3128\r\n\r\n"},
		say{false, "HTTP/1.1 200 OK\r\n\r\n"},
		say{true, "CONNECT example:443 HTTP/1.1\r\nHost: example:443\r\n\r\n"},
		say{false, "HTTP/1.1 200 OK\r\n\r\n"},
		say{true, helloRecord()},
	)
	outer := c.App.Tunnel
	if outer == nil || outer.Protocol != ProtoHTTP1 || outer.Tunnel == nil || outer.Tunnel.Protocol != ProtoTLS {
		t.Fatalf("tunnels: %+v", outer)
	}
	inner := outer.Tunnel
	if got := inner.Streams[ClientToServer].Delivered; got != 55 {
		t.Errorf("inner tunnel delivered %d bytes, want the record's 55", got)
	}
	if inner.live != nil || outer.live != nil {
		t.Error("a tunnel's state outlived the connection")
	}
	if rs := inner.TLS[ClientToServer].Records(); len(rs) != 1 || rs[0].Start != 51+51 {
		t.Errorf("inner records %+v", rs)
	}
}

// TestUpgradeIsNoTunnel: a 101 (WebSocket) switches protocols, but what
// follows is not a proxy's tunnel: it is not walked as one.
func TestUpgradeIsNoTunnel(t *testing.T) {
	c := talk(t,
		say{true, "GET /chat HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"},
		say{false, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"},
		say{true, helloRecord()},
	)
	if c.App.Tunnel != nil || c.App.HTTP.Tunnel || c.App.HTTP.UpgradedAt == nil {
		t.Errorf("tunnel %+v, http tunnel %v, upgraded at %v", c.App.Tunnel, c.App.HTTP.Tunnel, c.App.HTTP.UpgradedAt)
	}
}
