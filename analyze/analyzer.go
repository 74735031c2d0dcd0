// Package analyze turns captured frames into TCP connections and measures
// how each direction's bytes were cut into segments.
//
// It decodes frames (with a reused gopacket DecodingLayerParser, no
// allocation per packet), tracks every connection (a new SYN on a reused
// 4-tuple starts a new one), places every segment on its direction's stream
// offset, and derives the statistics that explain segmentation: SYN options,
// effective MSS, size distribution, super-segments, retransmissions.
//
// It does not read files (package capture does), does not parse
// application protocols, and prints nothing (package report renders).
package analyze

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync/atomic"
	"time"

	"github.com/segscope/segscope/capture"
	"github.com/segscope/segscope/keylog"
	"github.com/segscope/segscope/stream"
)

// Options tune an analysis.
type Options struct {
	// KeepSegments, when set, is asked once per connection (with its ID,
	// client and server known) whether to keep every segment of it in
	// Connection.Segments. Keeping segments costs memory per packet.
	KeepSegments func(*Connection) bool
	// KeepBytes, when set, is asked once per connection whose segments
	// are kept whether to keep a copy of what it carried too (App.Bytes;
	// App.Plain inside TLS when decrypted), up to MaxKeptBytes per
	// direction (0: 256 MiB): explain finds a trace's logged bytes there.
	KeepBytes    func(*Connection) bool
	MaxKeptBytes int64
	// SegmentsOnly skips reassembly and the application layer.
	SegmentsOnly bool
	// MaxBuffered bounds the out-of-order bytes held per direction
	// (0: stream.DefaultMaxBuffered, 4 MiB); MaxBufferedTotal bounds them
	// for the whole capture (0: DefaultMaxBufferedTotal), in BudgetShares
	// shares by flow.
	MaxBuffered, MaxBufferedTotal int64
	// MaxUnits bounds the HTTP exchanges, chunks, TLS records and HTTP/2
	// frames kept per connection and direction (0: DefaultMaxUnits); past
	// it they are counted, not listed.
	MaxUnits int
	// HashBodies computes the SHA-256 of every HTTP/1 body.
	HashBodies bool
	// Keys are the TLS secrets (a key log) to decrypt with; nil decrypts
	// nothing, and TLS connections show their records only.
	Keys *keylog.Store
	// KeyLogErrors are what reading the key logs reported; they go on to
	// Result.KeyLogErrors with those of the captures' secrets blocks.
	KeyLogErrors []error

	// Done, when set, streams the analysis: each connection is finished
	// and handed to Done (with its own warnings) as soon as it has ended
	// (see streaming.go), has been idle for IdleTimeout,
	// or is the least recently active when MaxLive connections are live.
	// The analyzer then forgets it: memory is bounded by the live
	// connections, and Result holds no connections. Done must not keep
	// the connection's App past its return if memory matters. first is
	// the capture's earliest frame time (Unix nanoseconds) when c ended.
	// Done is called in the same order whatever Workers is, one call at a
	// time, but with Workers above 1 not on the goroutine that reads.
	Done func(c *Connection, warnings []Warning, first int64)
	// IdleTimeout (0: DefaultIdleTimeout), CloseGrace (0:
	// DefaultCloseGrace) and MaxLive (0: DefaultMaxLive) bound the live
	// connections when streaming; they are measured in capture time.
	IdleTimeout, CloseGrace time.Duration
	MaxLive                 int
	// HoldClosed holds a connection that closed cleanly (a FIN each way,
	// each acknowledged) whole for CloseGrace, as one closed otherwise,
	// so that packets still coming count in it. Without it the connection
	// is handed over at once and only a tomb is held (see streaming.go):
	// the memory of a few hundred bytes instead of a few kilobytes for
	// each connection closed in the last CloseGrace.
	HoldClosed bool

	// Workers, above 1, tracks connections on that many goroutines
	// beside the one that reads, each connection on one of them (see
	// shards.go); the result is the same, streamed or not. Ignored with
	// KeepBytes (it is asked from the tracking, and keeps every byte of
	// a few connections).
	Workers int

	// Decoders, above 1, reads a plain pcap file in ranges decoded on
	// that many goroutines (see ranges.go); the result is the same. 0:
	// one per CPU (GOMAXPROCS); 1: read in order, on a read-ahead.
	Decoders int
	// rangeSize overrides rangeSize, for tests.
	rangeSize int64
}

// Defaults of the bounds in Options.
const (
	DefaultMaxBufferedTotal = 256 << 20
	DefaultMaxUnits         = 10000
)

// PacketProblem is one packet that could not be analyzed.
type PacketProblem struct {
	Source string
	Packet int
	Reason string
}

// Warning is something about the capture a reader should know: its kind
// and its numbers (package report words it). Conn is -1 for warnings about
// the whole capture.
type Warning struct {
	Conn int
	Dir  string
	Kind WarningKind
	// N counts what Kind is about: bound hits, connections evicted,
	// malformed packets, bytes never captured, units not listed, or
	// segments longer than the effective MSS.
	N int64
	// Bound is the bound that was hit: bytes (WarnCaptureBound), live
	// connections (WarnEvicted).
	Bound int64
	// For WarnSuperSegments: the direction's data segments, its effective
	// MSS, and the largest segment.
	Segments, MSS, Largest int
	// For WarnDirectionBound: the direction also has bytes the capture
	// never saw, so holes that would not fill held the bound.
	Lost bool
	// For WarnLate: how many connections the N late packets came for,
	// and the ID of the first.
	Conns, First int
	// For WarnOverlap: the source that began N nanoseconds before the
	// end of the sources before it; Bound 1 when streaming.
	Source string
}

// WarningKind tells what a Warning is about.
type WarningKind uint8

const (
	// WarnCaptureBound: the whole capture's reassembly bound was hit N
	// times (Options.MaxBufferedTotal, in Bound).
	WarnCaptureBound WarningKind = iota + 1
	// WarnEvicted: N connections were ended early because Bound were live.
	WarnEvicted
	// WarnMalformed: N malformed packets were skipped.
	WarnMalformed
	// WarnMissingBytes: N bytes of the direction were never captured.
	WarnMissingBytes
	// WarnDirectionBound: the direction's reassembly bound
	// (Options.MaxBuffered) was hit N times.
	WarnDirectionBound
	// WarnUnitsDropped: N units past Options.MaxUnits were counted, not
	// listed.
	WarnUnitsDropped
	// WarnSuperSegments: N of Segments data segments are longer than the
	// effective MSS (capture above TSO/GSO or after GRO/LRO).
	WarnSuperSegments
	// WarnSnapCut: N frames were cut inside their headers by the snap
	// length (at most Bound bytes kept) and not analyzed.
	WarnSnapCut
	// WarnLate: N packets came for Conns connections (the first: First)
	// after they had closed cleanly and been handed over when streaming;
	// they are not counted in them.
	WarnLate
	// WarnOverlap: Source began N ns before the end of the sources read
	// before it: another capture of the same traffic, read as another
	// capture point (its copies are duplicates).
	WarnOverlap
)

var warningKindNames = [...]string{"", "capture-bound", "evicted", "malformed", "missing-bytes", "direction-bound", "units-dropped", "super-segments", "snap-cut", "late", "overlap"}

func (k WarningKind) String() string {
	if int(k) < len(warningKindNames) && k != 0 {
		return warningKindNames[k]
	}
	return fmt.Sprintf("WarningKind(%d)", uint8(k))
}

// maxProblemExamples bounds the malformed packets remembered by number.
const maxProblemExamples = 10

// Result is the outcome of an analysis.
type Result struct {
	Sources    []string
	Packets    int // frames read
	TCPPackets int
	NonTCP     int // frames without TCP (ARP, UDP, ICMP...), skipped
	Fragments  int // IP fragments, skipped
	Malformed  int
	// SnapCut counts frames the capture's snap length cut inside their
	// IP or TCP header, so that they could not be decoded; SnapLen is the
	// most bytes kept of one of them.
	SnapCut, SnapLen int
	Problems         []PacketProblem // the first few malformed packets
	First, Last      int64           // Unix nanoseconds of the first and last frame
	Connections      []*Connection
	Warnings         []Warning
	// KeyLog counts the connections the TLS key material (--keylog files
	// and the captures' own Decryption Secrets Blocks) has secrets for;
	// KeyLogErrors are the secrets blocks that were not key logs.
	KeyLog       int
	KeyLogErrors []error

	// Streamed counts the connections handed to Options.Done (none are
	// then in Connections); of those, IdleEnded ended by the idle timeout
	// and Evicted were ended early because MaxLive connections were live
	// (the bound hit: their later packets start new connections).
	Streamed, IdleEnded, Evicted int
	// MaxLiveSeen is the most connections live at once when streaming.
	MaxLiveSeen int
	// Late counts packets that came for LateConns connections after they
	// closed cleanly and were handed over (see WarnLate).
	Late, LateConns int
}

// Total is the number of connections: those listed plus those streamed.
func (r *Result) Total() int { return len(r.Connections) + r.Streamed }

// Analyzer consumes frames one at a time.
type Analyzer struct {
	stopped atomic.Bool // Stop was called
	opts    Options
	limits  *appLimits
	dec     *decoder
	rereads int // ranges read again: their guessed start was wrong (ranges.go)
	conns   map[Key]*Connection
	// dups finds copies of data packets once the capture has shown one
	// (prev: the data packet before, to see the first).
	dups *dupTable
	prev struct {
		c  *Connection
		fp fingerprint
	}
	// multi: the capture has several interfaces (a pcapng of lo and any,
	// a router's two sides); each connection is then seen on one, the
	// first it appeared on, and its copies on the others are duplicates.
	multi bool
	// ifaceBase is added to the interface of the packets of a source
	// that overlaps the ones before it in time (overlaps); numBase to
	// their numbers (the frames of the sources before).
	ifaceBase int32
	numBase   int
	res       Result
	source    string
	pkt       decoded
	meta      frameMeta // the packet being taken, beside pkt

	// The last connection looked up: bulk transfers hit it again and again.
	lastKey  Key
	lastConn *Connection

	nextID int
	live   liveLists // streaming: the connections not yet handed to Done
	tombs  tombs     // streaming: the connections handed over at a clean close

	shards *shards // flow-sharded: where connections are tracked
}

// New returns an Analyzer.
func New(opts Options) *Analyzer {
	if opts.MaxBufferedTotal <= 0 {
		opts.MaxBufferedTotal = DefaultMaxBufferedTotal
	}
	if opts.MaxUnits <= 0 {
		opts.MaxUnits = DefaultMaxUnits
	}
	if opts.Keys == nil {
		opts.Keys = &keylog.Store{} // a capture's own secrets go here
	}
	if opts.IdleTimeout <= 0 {
		opts.IdleTimeout = DefaultIdleTimeout
	}
	if opts.CloseGrace <= 0 {
		opts.CloseGrace = DefaultCloseGrace
	}
	if opts.MaxLive <= 0 {
		opts.MaxLive = DefaultMaxLive
	}
	if opts.Decoders == 0 {
		opts.Decoders = runtime.GOMAXPROCS(0)
	}
	an := &Analyzer{opts: opts, limits: newLimits(&opts), dec: newDecoder(), conns: map[Key]*Connection{}}
	an.res.KeyLogErrors = opts.KeyLogErrors
	if opts.Workers > 1 && opts.KeepBytes == nil {
		an.startShards(opts.Workers)
	}
	return an
}

// ReadAll analyzes every packet of src. It stops at the first error that
// ends the source (a cut file, an unsupported link type) and returns it;
// what was read before stays in the analysis.
func (a *Analyzer) ReadAll(src capture.Source) error {
	a.source = src.Name()
	a.res.Sources = append(a.res.Sources, src.Name())
	secrets, _ := src.(keyLogSource)
	if f, ok := src.(*capture.File); ok && f.Format() != capture.FormatPcapng {
		secrets = nil // only pcapng carries secrets: no call per packet
	}
	seen := 0
	first := true
	// Packet numbers count across the files, as in one capture of them
	// all (mergecap -a): this one's start after the frames read before.
	a.numBase = a.res.Packets
	if f, ok := src.(*capture.File); ok && a.opts.Decoders > 1 {
		if rg := f.Ranges(); rg != nil {
			return a.readRanges(rg)
		}
	}
	into, _ := src.(packetReaderInto)
	var p capture.Packet
	for {
		if a.stopped.Load() {
			return ErrStopped
		}
		var err error
		if into != nil {
			err = into.ReadInto(&p)
		} else {
			p, err = src.ReadPacket()
		}
		if secrets != nil {
			if logs := secrets.TLSKeyLogs(); len(logs) > seen {
				seen = a.addKeyLogs(src.Name(), logs, seen)
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil && a.stopped.Load() {
			return ErrStopped // the source was closed to stop a blocked read
		}
		if err != nil {
			return err
		}
		if first {
			first = false
			a.overlaps(src.Name(), p.Timestamp.UnixNano())
		}
		if err := a.add(&p); err != nil {
			return &capture.Error{Source: src.Name(), Packet: p.Number, Err: err}
		}
	}
}

// packetReaderInto is a source that fills a packet in place (a
// capture.File): cheaper than returning each by value.
type packetReaderInto interface {
	ReadInto(*capture.Packet) error
}

// overlaps starts a source whose first packet is at t: when it falls
// within the time the sources before it held, it is not the next
// piece of one capture (tcpdump -C/-G rotates in time order) but another
// capture of the same traffic (two capture points): its packets are read
// as coming on interfaces of their own, so that those of a connection an
// earlier file holds are copies (duplicates), not retransmissions.
func (a *Analyzer) overlaps(name string, t int64) {
	if len(a.res.Sources) < 2 || a.res.TCPPackets == 0 || t >= a.res.Last-overlapSlack || t < a.res.First-overlapSlack {
		// The next piece (a few packets out of order at the cut are
		// not an overlap: review 13 saw 12 us under load), or a capture
		// of another time given out of order.
		return
	}
	a.ifaceBase = int32(len(a.res.Sources)-1) * sourceIfaces
	a.multi = true
	w := Warning{Conn: -1, Kind: WarnOverlap, Source: name, N: a.res.Last - t}
	if a.streaming() {
		w.Bound = 1 // connections ended as time passed: copies of them start new ones
	}
	a.res.Warnings = append(a.res.Warnings, w)
}

// overlapSlack is how far a file may begin before the end of the ones
// before it (or before their start) and still be taken as the next piece.
const overlapSlack = int64(time.Millisecond)

// sourceIfaces spaces the interfaces of overlapping sources apart (the
// interface bits of a connection are taken mod 64: see copyOf).
const sourceIfaces = 16

// ErrStopped is what ReadAll returns when Stop ended it early.
var ErrStopped = errors.New("stopped before the end of the capture")

// Stop makes ReadAll return ErrStopped before the next packet (from any
// goroutine): what was read stays in the analysis.
func (a *Analyzer) Stop() { a.stopped.Store(true) }

// keyLogSource is a capture that carries its own TLS secrets (a pcapng
// file's Decryption Secrets Blocks).
type keyLogSource interface {
	TLSKeyLogs() [][]byte
}

// addKeyLogs adds the key logs past the first seen to the key store: a
// block precedes the packets it decrypts, so it is read before them.
func (a *Analyzer) addKeyLogs(source string, logs [][]byte, seen int) int {
	if seen < len(logs) && a.shards != nil {
		a.shards.barrier() // the packets before the block go without its keys
	}
	for i := seen; i < len(logs); i++ {
		name := fmt.Sprintf("%s: decryption secrets block %d", source, i+1)
		if err := a.opts.Keys.Parse(name, bytes.NewReader(logs[i])); err != nil {
			a.res.KeyLogErrors = append(a.res.KeyLogErrors, err)
		}
	}
	return len(logs)
}

// Add analyzes one frame. Malformed and non-TCP frames are counted, not
// returned; the error is for a frame the analysis cannot go on past (an
// unsupported link type).
func (a *Analyzer) Add(p capture.Packet) error { return a.add(&p) }

func (a *Analyzer) add(p *capture.Packet) error {
	err := a.dec.decode(p, &a.pkt)
	// Field by field: a struct literal is built on the stack and copied
	// with wider loads than its stores, which stalls (60% of add).
	m := &a.meta
	m.now, m.number, m.capLen, m.length = p.Timestamp.UnixNano(), p.Number, len(p.Data), p.Length
	m.iface, m.ifaces = p.Interface, p.Interfaces
	return a.take(&a.pkt, err, m)
}

// frameMeta is what Add needs of a packet besides its decoding. It is
// passed by pointer: six words by value were copied through the stack on
// every packet.
type frameMeta struct {
	now                    int64
	number, capLen, length int
	iface, ifaces          int
}

// take counts a frame decoded into pkt (or not: err) and routes it.
func (a *Analyzer) take(pkt *decoded, err error, f *frameMeta) error {
	a.res.Packets++
	now := f.now
	if a.res.First == 0 || now < a.res.First {
		a.res.First = now
	}
	if now > a.res.Last {
		a.res.Last = now
	}

	switch {
	case err == nil:
	case errors.Is(err, errNotTCP):
		a.res.NonTCP++
		return nil
	case errors.Is(err, errFragment):
		a.res.Fragments++
		return nil
	case errors.As(err, new(UnsupportedLinkTypeError)):
		return err
	case f.capLen < f.length:
		// The snap length cut the frame inside its headers: not a
		// malformed packet, but one the capture did not keep enough of.
		a.res.SnapCut++
		a.res.SnapLen = max(a.res.SnapLen, f.capLen)
		return nil
	default:
		a.res.Malformed++
		if len(a.res.Problems) < maxProblemExamples {
			a.res.Problems = append(a.res.Problems, PacketProblem{a.source, f.number, err.Error()})
		}
		return nil
	}
	a.res.TCPPackets++
	a.multi = a.multi || f.iface != 0 || f.ifaces > 1
	pkt.iface = a.ifaceBase + int32(f.iface)
	a.route(pkt, now, a.numBase+f.number)
	return nil
}

// track accounts a segment of c sent in direction dir.
func (a *Analyzer) track(c *Connection, dir Dir, p *decoded, now int64, number int) {
	d := &c.Dirs[dir]
	if !p.copy {
		c.Packets++
		c.Last = now
	}

	switch {
	case p.dup:
		// A copy on another interface: its SYN options and times are the
		// other side of a router's, not this view's; its TTL tells that
		// the capture holds both sides of a router.
		if p.flags&flagSYN != 0 && d.SYN.Seen && p.ttl != d.SYN.TTL && d.SYN.CopyTTL == 0 {
			d.SYN.CopyTTL = p.ttl
		}
		if p.flags&flagSYN != 0 && d.SYN.Seen && p.synOptions.MSS != d.SYN.MSS && d.SYN.CopyMSS == 0 {
			d.SYN.CopyMSS = p.synOptions.MSS
		}
	case p.flags&flagSYN != 0:
		if d.SYN.Seen && p.ttl != d.SYN.TTL && d.SYN.CopyTTL == 0 {
			// The SYN again with another TTL: a copy from the other
			// side of a router (tcpdump -i any there), not resent by
			// its host, whose TTL does not change; its MSS may have
			// been clamped there (review 33).
			d.SYN.CopyTTL = p.ttl
			if p.synOptions.MSS != d.SYN.MSS {
				d.SYN.CopyMSS = p.synOptions.MSS
			}
		}
		if !d.SYN.Seen {
			d.SYN = p.synOptions
			// A SYN seen after data from this side does not move the
			// origin already fixed by that data.
			if !d.started {
				d.start(p.seq, true)
			}
		}
		// The latest SYN and SYN-ACK before the handshake's ACK, as
		// Wireshark's initial_rtt takes the most recent SYN: resent ones
		// (their first copies lost past the capture point) are what the
		// ACK answered (review 13: 3079 ms, tshark 0.061 ms).
		if dir == ClientToServer && p.flags&flagACK == 0 && c.Handshake.ACK == 0 {
			c.Handshake.SYN = now
		}
		if dir == ServerToClient && p.flags&flagACK != 0 && c.Handshake.ACK == 0 {
			c.Handshake.SYNACK = now
		}
	case dir == ClientToServer && p.flags&flagACK != 0 && c.Handshake.SYNACK != 0 && c.Handshake.ACK == 0:
		c.Handshake.ACK = now
	}

	window := defaultRTTWindow
	if rtt, ok := c.Handshake.RTT(); ok && rtt > 0 {
		window = int64(rtt)
	}
	off, kind := d.segment(p, now, window, &c.Dirs[1-dir])
	if !a.opts.SegmentsOnly && kind&(KindDuplicate|KindKeepAlive) == 0 {
		a.feedApp(c, dir, p, off, now, number)
	}
	if c.keepSegments {
		c.Segments.Append(Segment{
			Time: now, Offset: off, Len: p.payload, Packet: number,
			Window: p.window, Flags: p.flags, Dir: dir, Kind: kind,
			OptionLen: uint8(p.optionLen), Ack: c.Dirs[1-dir].ackOffset(p),
		})
	}
}

// feedApp hands a segment's payload to the connection's reassembly.
func (a *Analyzer) feedApp(c *Connection, dir Dir, p *decoded, off int64, now int64, number int) {
	if p.payload > 0 {
		if c.App == nil {
			c.App = newApp(a.limits, c.r.share)
			c.App.midStream = !c.Dir(ServerToClient).SYN.Seen
			if c.keepSegments && a.opts.KeepBytes != nil && a.opts.KeepBytes(c) {
				c.App.keepBytes(a.opts.MaxKeptBytes)
			}
		}
		c.App.segment(dir, off, p.payload, p.data, stream.Pos{Packet: number, Time: now, Start: off})
	}
	if c.App == nil {
		return
	}
	switch {
	case p.flags&flagRST != 0:
		c.closeApp()
	case p.flags&flagFIN != 0:
		c.App.finAt(dir, off+int64(p.payload))
	}
}

// closeApp ends both directions' reassembly: what is still missing
// becomes gaps.
func (c *Connection) closeApp() {
	if c.App == nil {
		return
	}
	for d := range c.Dirs {
		c.App.close(Dir(d), c.Dirs[d].highest)
	}
}

func (a *Analyzer) newConnection(key Key, p *decoded, now int64) *Connection {
	c := &Connection{ID: a.nextID, First: now, Last: now, iface: p.iface}
	a.nextID++
	switch {
	case p.flags&(flagSYN|flagACK) == flagSYN:
		c.Client, c.Server = p.src, p.dst
	case p.flags&(flagSYN|flagACK) == flagSYN|flagACK:
		c.Client, c.Server = p.dst, p.src
	default:
		// No handshake: servers listen on the lower port far more often
		// than not (80, 443, 8080 against ephemeral 32768+).
		c.RolesGuessed = true
		c.Client, c.Server = p.src, p.dst
		if p.src.Port() < p.dst.Port() {
			c.Client, c.Server = p.dst, p.src
		}
	}
	if a.opts.KeepSegments != nil {
		c.keepSegments = a.opts.KeepSegments(c)
	}
	a.conns[key] = c
	c.r.share = shareOf(key)
	if a.shards != nil {
		c.r.shard = uint16(int(c.r.share) % len(a.shards.workers))
	}
	if a.streaming() {
		a.live.active.pushBack(c)
		a.live.n++
	} else {
		a.res.Connections = append(a.res.Connections, c)
	}
	return c
}

// Connections returns the connections seen so far, for a live view; their
// statistics are final only after Result.
func (a *Analyzer) Connections() []*Connection { return a.res.Connections }

// Result finishes the analysis and returns it. Call it once, after the
// last Add or ReadAll.
func (a *Analyzer) Result() *Result {
	if a.streaming() {
		a.flushLive()
	}
	if a.shards != nil {
		a.shards.stop()
		a.shards = nil
	}
	a.res.KeyLog = a.opts.Keys.Len()
	for _, c := range a.res.Connections {
		a.res.Warnings = finishConn(c, a.res.Warnings)
	}
	for _, c := range a.res.Connections {
		a.res.Warnings = append(a.res.Warnings, boundWarnings(c)...)
	}
	if hits := a.limits.budgetHits(); hits > 0 {
		a.res.Warnings = append(a.res.Warnings, Warning{Conn: -1, Kind: WarnCaptureBound, N: int64(hits), Bound: a.opts.MaxBufferedTotal})
	}
	if a.res.Evicted > 0 {
		a.res.Warnings = append(a.res.Warnings, Warning{Conn: -1, Kind: WarnEvicted, N: int64(a.res.Evicted), Bound: int64(a.opts.MaxLive)})
	}
	if a.tombs.late > 0 {
		a.res.Late, a.res.LateConns = a.tombs.late, a.tombs.lateConns
		a.res.Warnings = append(a.res.Warnings, Warning{Conn: -1, Kind: WarnLate, N: int64(a.tombs.late), Conns: a.tombs.lateConns, First: a.tombs.firstLate})
	}
	a.tombs = tombs{}
	if a.res.Malformed > 0 {
		a.res.Warnings = append(a.res.Warnings, Warning{Conn: -1, Kind: WarnMalformed, N: int64(a.res.Malformed)})
	}
	if a.res.SnapCut > 0 {
		a.res.Warnings = append(a.res.Warnings, Warning{Conn: -1, Kind: WarnSnapCut, N: int64(a.res.SnapCut), Bound: int64(a.res.SnapLen)})
	}
	a.conns = nil
	a.lastConn = nil
	return &a.res
}

// finishConn closes a connection's streaming state, derives its effective
// MSS, and appends its warnings about sizes and missing bytes to ws.
func finishConn(c *Connection, ws []Warning) []Warning {
	c.closeApp()
	for dir := ClientToServer; dir <= ServerToClient; dir++ {
		d := &c.Dirs[dir]
		d.finish()
		e := effectiveMSS(c, dir)
		d.eff = effective{value: uint16(e.Value), mss: uint16(e.MSS), optionBytes: uint8(e.OptionBytes), from: e.MSSFrom, inferred: e.Inferred, timestamps: e.Timestamps}
		if w, ok := superSegmentWarning(c, dir); ok {
			ws = append(ws, w)
		}
		if d.MissingBytes > 0 {
			ws = append(ws, Warning{Conn: c.ID, Dir: dir.String(), Kind: WarnMissingBytes, N: d.MissingBytes})
		}
	}
	return ws
}

// boundWarnings says where a connection hit a memory bound.
func boundWarnings(c *Connection) []Warning {
	a := c.App
	if a == nil {
		return nil
	}
	var out []Warning
	for d, s := range a.Streams {
		if s.BoundHits > 0 {
			out = append(out, Warning{Conn: c.ID, Dir: Dir(d).String(), Kind: WarnDirectionBound, N: int64(s.BoundHits), Lost: c.Dirs[d].MissingBytes > 0})
		}
	}
	dropped := 0
	if a.HTTP != nil {
		dropped += a.HTTP.Dropped()
	}
	for d := range a.TLS {
		if a.TLS[d] != nil {
			dropped += a.TLS[d].Dropped()
		}
		if a.H2[d] != nil {
			dropped += a.H2[d].Dropped()
		}
	}
	if dropped > 0 {
		out = append(out, Warning{Conn: c.ID, Kind: WarnUnitsDropped, N: int64(dropped)})
	}
	return out
}

func superSegmentWarning(c *Connection, dir Dir) (Warning, bool) {
	d := &c.Dirs[dir]
	e := d.EffectiveMSS()
	// Counted from the size counts directly: Stats would allocate its
	// lists for every direction of every connection.
	super, largest := 0, 0
	for _, sc := range d.sizes {
		if e.Value > 0 && int(sc.size) > e.Value {
			super += int(sc.count)
			largest = int(sc.size)
		}
	}
	if super == 0 {
		return Warning{}, false
	}
	return Warning{Conn: c.ID, Dir: dir.String(), Kind: WarnSuperSegments, N: int64(super), Segments: int(d.DataSegments), MSS: e.Value, Largest: largest}, true
}

// Duration is the time from the first to the last frame.
func (r *Result) Duration() time.Duration { return time.Duration(r.Last - r.First) }
