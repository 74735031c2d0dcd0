package analyze

import (
	"github.com/segscope/segscope/h2"
	"github.com/segscope/segscope/http1"
	"github.com/segscope/segscope/stream"
	"github.com/segscope/segscope/tlsdec"
	"github.com/segscope/segscope/tlsrec"
)

// Protocol is what a connection's payload was recognised as.
type Protocol string

const (
	ProtoNone    Protocol = ""        // no payload seen
	ProtoHTTP1   Protocol = "http/1"  // HTTP/1.x in clear text
	ProtoTLS     Protocol = "tls"     // TLS records (content not decrypted)
	ProtoH2C     Protocol = "h2c"     // HTTP/2 in clear text, prior knowledge
	ProtoH2      Protocol = "h2"      // HTTP/2 inside TLS (App.Inner only)
	ProtoUnknown Protocol = "unknown" // something else: segments only
)

// App is what the application layer of a connection carried: the
// reassembled streams and what the walkers found on them.
//
// Inside TLS, with keys, Inner says what the decrypted streams carried,
// and HTTP or H2 hold it on the plaintext coordinate (TLSDec maps it back
// to the records and the TCP stream).
type App struct {
	Protocol Protocol
	Inner    Protocol          // ProtoTLS decrypted: ProtoHTTP1, ProtoH2 or ProtoUnknown
	HTTP     *http1.Conn       // ProtoHTTP1, or Inner ProtoHTTP1
	TLS      [2]*tlsrec.Walker // ProtoTLS, by Dir
	TLSDec   *tlsdec.Conn      // ProtoTLS: decryption, and the plaintext's map
	H2       [2]*h2.Walker     // ProtoH2C or Inner ProtoH2, by Dir
	Streams  [2]StreamStats    // reassembly, by Dir
	// Bytes and Plain are copies of what each direction carried, on the
	// TCP stream and (decrypted TLS) on the plaintext stream; nil unless
	// Options.KeepBytes asked for them.
	Bytes [2]*stream.Bytes
	Plain [2]*stream.Bytes

	// Tunnel is what went through an HTTP proxy's CONNECT tunnel on this
	// connection: the origin's TLS, walked (and decrypted, with the keys)
	// on this connection's stream from the offsets in HTTP.UpgradedAt,
	// as a connection of its own would be, or clear HTTP/1 (curl -p to
	// an http:// URL). Its Protocol is ProtoTLS or ProtoHTTP1, or
	// ProtoUnknown for anything else (not walked); nil without a tunnel.
	// Its Streams and Bytes are the outer connection's.
	Tunnel *App
	// base is, in a tunnel, where its bytes begin on each direction.
	base *[2]int64
	// midStream: the capture began after the server's SYN (the App
	// is made at the first payload, after any SYN).
	midStream bool

	// live is the state of reassembly and recognition, dropped when both
	// directions have ended so a finished connection keeps only results.
	*live
}

type live struct {
	disp   [2]dispatcher // kept here so the reassemblers hold pointers, not copies
	reasm  [2]*stream.Reassembler
	cons   [2]stream.Consumer // the walker of each direction once the protocol is known
	sniff  [2][]sniffed       // first bytes held until the protocol is known
	fin    [2]int64           // offset of a FIN not yet reached, -1 when none
	limits *appLimits
}

// StreamStats describes one direction's reassembly.
type StreamStats struct {
	Delivered int64 // bytes handed to the walker
	GapBytes  int64
	Gaps      []stream.Gap // the first gaps
	GapCount  int32
	BoundHits int32 // times the memory bound forced a gap
}

type sniffed struct {
	off  int64
	data []byte
	at   stream.Pos
}

// sniffLimit is how many first bytes may be held to recognise a protocol:
// the HTTP/2 preface is the longest signature.
const sniffLimit = len(h2.Preface)

type appLimits struct {
	maxBuffered int64
	// budgets are the whole capture's reassembly bound in BudgetShares
	// shares, each connection drawing on the share of its flow (see
	// BudgetShares).
	budgets    [BudgetShares]stream.Budget
	maxUnits   int
	hashBodies bool
	keys       tlsdec.Keys
}

// BudgetShares is how many shares the whole capture's reassembly bound
// (Options.MaxBufferedTotal) is split in, by flow: a
// connection holds out-of-order bytes from one share, and every
// connection of a share is tracked on one goroutine, so which connection
// finds the bound hit depends on capture order only, not on how many
// shards there are or how they ran (one shared count made it differ from
// run to run). A flood on some connections cannot take the whole bound
// from the others either. It also bounds the shards that can have work.
const BudgetShares = 8

func newLimits(o *Options) *appLimits {
	l := &appLimits{maxBuffered: o.MaxBuffered, maxUnits: o.MaxUnits, hashBodies: o.HashBodies, keys: o.Keys}
	for i := range l.budgets {
		l.budgets[i].Max = max(1, o.MaxBufferedTotal/BudgetShares)
	}
	return l
}

// budgetHits counts the times a connection found its share of the bound
// exhausted.
func (l *appLimits) budgetHits() int64 {
	var n int64
	for i := range l.budgets {
		n += l.budgets[i].Hits()
	}
	return n
}

func newApp(l *appLimits, share uint8) *App {
	a := &App{live: &live{limits: l, fin: [2]int64{-1, -1}}}
	for d := range a.reasm {
		a.disp[d] = dispatcher{a, Dir(d)}
		a.reasm[d] = stream.NewReassembler(&a.disp[d], l.maxBuffered, &l.budgets[share])
	}
	return a
}

// defaultMaxKeptBytes bounds the copy of each direction KeepBytes keeps.
const defaultMaxKeptBytes = 256 << 20

// keepBytes starts copying what both directions carry.
func (a *App) keepBytes(limit int64) {
	if limit <= 0 {
		limit = defaultMaxKeptBytes
	}
	for d := range a.Bytes {
		a.Bytes[d] = &stream.Bytes{Limit: limit}
		a.Plain[d] = &stream.Bytes{Limit: limit}
	}
}

// segment feeds one data segment of direction d.
func (a *App) segment(d Dir, off int64, n int, data []byte, at stream.Pos) {
	if a.live == nil {
		return
	}
	r := a.reasm[d]
	if r == nil {
		return
	}
	r.Segment(off, n, data, at)
	a.maybeClose(d)
}

// finAt records a FIN at off in direction d.
func (a *App) finAt(d Dir, off int64) {
	if a.live == nil {
		return
	}
	if a.fin[d] < 0 {
		a.fin[d] = off
	}
	a.maybeClose(d)
}

func (a *App) maybeClose(d Dir) {
	if a.live == nil {
		return
	}
	if r := a.reasm[d]; r != nil && a.fin[d] >= 0 && r.Next() >= a.fin[d] {
		a.close(d, a.fin[d])
	}
}

// close ends direction d at end and keeps its reassembly statistics.
func (a *App) close(d Dir, end int64) {
	if a.live == nil {
		return
	}
	if r := a.reasm[d]; r != nil {
		r.Close(end)
		a.Streams[d] = StreamStats{Delivered: r.Delivered, Gaps: r.Gaps, GapCount: int32(r.GapCount), GapBytes: r.GapBytes, BoundHits: int32(r.BoundHits)}
		// Tunnels (a proxy chain nests them) end with the stream; their
		// offsets are the stream's.
		for t, up := a.Tunnel, a.HTTP; t != nil && up != nil && up.UpgradedAt != nil; t, up = t.Tunnel, t.HTTP {
			t.Streams[d] = tunnelStats(a.Streams[d], up.UpgradedAt[d])
		}
		a.reasm[d] = nil
		a.sniff[d] = nil
	}
	if a.reasm[0] == nil && a.reasm[1] == nil {
		a.live = nil
		for t := a.Tunnel; t != nil; t = t.Tunnel {
			t.live = nil
		}
	}
}

// tunnelStats is what of a direction's reassembly falls in a tunnel that
// begins at base: the bytes delivered past it and its gaps there. (The
// memory bound's hits are the connection's: they stay with it.)
func tunnelStats(s StreamStats, base int64) StreamStats {
	t := StreamStats{Delivered: max(0, s.Delivered-base), GapCount: s.GapCount, GapBytes: s.GapBytes}
	// Gaps are kept from the first on: those before base are all known.
	for _, g := range s.Gaps {
		switch {
		case g.End <= base:
			t.GapCount--
			t.GapBytes -= g.Len()
		case g.Start < base:
			t.GapBytes -= base - g.Start
			g.Start = base
			fallthrough
		default:
			t.Gaps = append(t.Gaps, g)
		}
	}
	return t
}

// dispatcher is the reassembler's consumer for one direction: it holds the
// first bytes until the protocol is known, then passes everything to the
// walker.
type dispatcher struct {
	a *App
	d Dir
}

func (x *dispatcher) Data(off int64, data []byte, at stream.Pos) {
	a := x.a
	if a.live == nil {
		return
	}
	if b := a.Bytes[x.d]; b != nil {
		b.Data(off, data)
	}
	if c := a.cons[x.d]; c != nil {
		if a.tunnelled() {
			a.toTunnel(x.d, off, data, at)
			return
		}
		c.Data(off, data, at)
		if a.tunnelled() {
			// This data ended the proxy's response: what follows it
			// is the tunnel's.
			a.toTunnel(x.d, off, data, at)
		}
		return
	}
	if a.Protocol != ProtoNone {
		return // recognised as something without a walker for this direction
	}
	held := 0
	for _, s := range a.sniff[x.d] {
		held += len(s.data)
	}
	take := min(len(data), sniffLimit-held)
	a.sniff[x.d] = append(a.sniff[x.d], sniffed{off, append([]byte(nil), data[:take]...), at})
	var head []byte
	for _, s := range a.sniff[x.d] {
		head = append(head, s.data...)
	}
	p, decided := recognise(x.d, head, len(head) >= sniffLimit)
	if !decided {
		return
	}
	if a.base != nil && p != ProtoTLS && p != ProtoHTTP1 {
		p = ProtoUnknown // in a tunnel TLS and clear HTTP/1 are walked
	}
	a.start(p) // replays what was held
	if c := a.cons[x.d]; c != nil && take < len(data) {
		c.Data(off+int64(take), data[take:], at)
	}
}

func (x *dispatcher) Gap(off, n int64, at stream.Pos) {
	a := x.a
	if a.live == nil {
		return
	}
	if c := a.cons[x.d]; c != nil {
		if a.tunnelled() {
			if start := a.HTTP.UpgradedAt[x.d]; off+n > start {
				lo := max(off, start)
				a.tunnel(x.d).Gap(lo, off+n-lo, at)
			}
			return
		}
		c.Gap(off, n, at)
		return
	}
	if a.Protocol == ProtoNone && len(a.sniff[x.d]) == 0 && off == 0 {
		// The start of this direction is missing: let the other direction
		// tell what the connection carries.
		return
	}
	if a.Protocol == ProtoNone {
		a.start(ProtoUnknown)
	}
}

func (x *dispatcher) End(off int64) {
	if x.a.live == nil {
		return
	}
	if c := x.a.cons[x.d]; c != nil {
		c.End(off)
	}
	if t := x.a.Tunnel; t != nil {
		t.disp[x.d].End(off)
	}
}

// tunnelled tells that the connection's HTTP/1 established a proxy's
// CONNECT tunnel: bytes after HTTP.UpgradedAt are the tunnel's.
func (a *App) tunnelled() bool {
	return a.Protocol == ProtoHTTP1 && a.HTTP != nil && a.HTTP.Tunnel && a.HTTP.UpgradedAt != nil
}

// tunnel returns the tunnel's consumer of direction d, starting it.
func (a *App) tunnel(d Dir) stream.Consumer {
	if a.Tunnel == nil {
		t := &App{live: &live{limits: a.limits, fin: [2]int64{-1, -1}}, base: a.HTTP.UpgradedAt}
		for d := range t.disp {
			t.disp[d] = dispatcher{t, Dir(d)}
			if a.Plain[d] != nil {
				t.Plain[d] = &stream.Bytes{Limit: a.Plain[d].Limit}
			}
		}
		a.Tunnel = t
	}
	return &a.Tunnel.disp[d]
}

// toTunnel hands the tunnel its bytes of data: those from where the
// proxy's response (or the CONNECT request) ended.
func (a *App) toTunnel(d Dir, off int64, data []byte, at stream.Pos) {
	start := a.HTTP.UpgradedAt[d]
	if off+int64(len(data)) <= start {
		return
	}
	if off < start {
		data, off = data[start-off:], start
	}
	a.tunnel(d).Data(off, data, at)
}

// recognise tells the protocol from the first bytes a direction sent;
// decided is false while more bytes could change the answer.
func recognise(d Dir, b []byte, full bool) (p Protocol, decided bool) {
	if d == ClientToServer {
		if ok, more := h2.SniffClient(b); ok {
			return ProtoH2C, true
		} else if more && !full {
			return ProtoNone, false
		}
	}
	if ok, more := tlsrec.Sniff(b); ok {
		return ProtoTLS, true
	} else if more && !full {
		return ProtoNone, false
	}
	switch looksHTTP1(d, b) {
	case yes:
		return ProtoHTTP1, true
	case maybe:
		if !full {
			return ProtoNone, false
		}
	}
	return ProtoUnknown, true
}

type tri uint8

const (
	no tri = iota
	yes
	maybe
)

// looksHTTP1 checks a request line's method and space, or "HTTP/1." at the
// start of a response.
func looksHTTP1(d Dir, b []byte) tri {
	if d == ServerToClient {
		const sig = "HTTP/1."
		n := min(len(b), len(sig))
		if string(b[:n]) != sig[:n] {
			return no
		}
		if n < len(sig) {
			return maybe
		}
		return yes
	}
	for i, c := range b {
		switch {
		case c == ' ' && i > 0:
			return yes
		case c < 'A' || c > 'Z':
			return no
		case i >= 20:
			return no
		}
	}
	return maybe
}

// start creates the walkers for protocol p on both directions.
func (a *App) start(p Protocol) {
	a.Protocol = p
	l := a.limits
	switch p {
	case ProtoHTTP1:
		a.cons = a.newHTTP1()
	case ProtoTLS:
		in := &inner{a: a}
		var c, s stream.Consumer = &plainDispatcher{in, ClientToServer}, &plainDispatcher{in, ServerToClient}
		if a.Plain[0] == nil {
			// Nothing keeps the plaintext: what the walkers only count
			// need not be decrypted.
			c, s = &skipDispatcher{plainDispatcher{in, ClientToServer}}, &skipDispatcher{plainDispatcher{in, ServerToClient}}
		}
		a.TLSDec = tlsdec.New(l.keys, tlsdec.Limits{MaxRecords: l.maxUnits}, c, s)
		a.TLS = [2]*tlsrec.Walker{a.TLSDec.Client().W, a.TLSDec.Server().W}
		if a.base != nil {
			// In a tunnel the records begin after the CONNECT exchange.
			a.TLS[0].StartAt(a.base[0])
			a.TLS[1].StartAt(a.base[1])
		}
		a.cons = [2]stream.Consumer{a.TLSDec.Client(), a.TLSDec.Server()}
	case ProtoH2C:
		a.cons = a.newH2()
	default:
		a.sniff = [2][]sniffed{}
		if a.Bytes[0] != nil && a.base == nil && a.midStream {
			// Nothing to parse, but explain keeps the bytes of a
			// capture begun mid-transfer (its first bytes a body's,
			// recognised as nothing; review 30): it lays a trace's
			// reads there. (Not of a connection whose start was
			// captured: review 42.)
			return
		}
		// Nothing to parse: stop reassembling.
		a.reasm = [2]*stream.Reassembler{}
		return
	}
	// The other direction may already hold bytes: hand them over.
	for d := range a.sniff {
		if a.cons[d] == nil {
			continue
		}
		for _, s := range a.sniff[d] {
			a.cons[d].Data(s.off, s.data, s.at)
		}
		a.sniff[d] = nil
	}
}

// newHTTP1 and newH2 make the walkers of a protocol and return them as
// the consumers of the two directions (of the TCP stream, or of the
// plaintext inside TLS).
func (a *App) newHTTP1() [2]stream.Consumer {
	l := a.limits
	a.HTTP = http1.NewConn(http1.Options{MaxMessages: l.maxUnits, MaxChunks: l.maxUnits, HashBodies: l.hashBodies})
	return [2]stream.Consumer{a.HTTP.Client(), a.HTTP.Server()}
}

func (a *App) newH2() [2]stream.Consumer {
	l := a.limits
	a.H2[ClientToServer] = h2.NewWalker(true, h2.Limits{MaxFrames: l.maxUnits})
	a.H2[ServerToClient] = h2.NewWalker(false, h2.Limits{MaxFrames: l.maxUnits})
	return [2]stream.Consumer{a.H2[0], a.H2[1]}
}
