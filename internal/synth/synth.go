// Package synth writes synthetic, protocol-correct pcap files of HTTP-like
// TCP traffic, so that benchmarks and tests can run on a fresh clone without
// any real capture.
//
// The output is a classic pcap file (microsecond timestamps, little-endian,
// LINKTYPE_ETHERNET). Every frame has correct lengths, a correct IPv4 header
// checksum (IPv4) and a correct TCP checksum; sequence and acknowledgement
// numbers, TCP options and timestamps are consistent across a connection, so
// tools such as tshark and tcptrace accept the files as they would a real
// capture taken on the client.
//
// Each connection is: SYN, SYN-ACK, ACK, the request, the response (the client
// ACKs every two server segments), FIN/ACK from the server, FIN/ACK from the
// client and the server's final ACK. Connections run one after another.
//
// What it is not: a traffic simulator. There is no congestion control, no
// receive-window limit, no loss other than the configured retransmissions
// (which are sent right after the original, not after a timeout) and no
// concurrency between connections. The timing is plausible (an RTT of about
// 100 µs, a few µs to a few tens of µs between segments, seeded jitter) but
// it models nothing. Use it to exercise a parser or analyzer on known input,
// not to learn anything about how TCP behaves.
package synth

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"strconv"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// Config describes the traffic to generate. The zero value of a field means
// its default; negative values are errors.
type Config struct {
	Connections       int       // number of TCP connections (default 1)
	ReusedTuples      int       // of those, how many reuse the 4-tuple of an earlier, already closed connection (new SYN, new ISN); at most Connections-1
	ResponseBytes     int       // bytes the server sends per connection (default 100000)
	RequestBytes      int       // bytes the client sends per connection (default 100)
	MSS               int       // MSS the client advertises in its SYN (default 1460); the server's segments carry at most MSS-12 bytes with Timestamps, MSS otherwise
	ServerMSS         int       // MSS the server advertises in its SYN-ACK (default 1460); sizes the client's segments the same way
	Timestamps        bool      // TCP timestamps: NOP NOP TS (12 bytes) on every non-SYN segment, TS in the SYN and SYN-ACK
	SuperSegmentEvery int       // if > 0, every Nth server data segment is a TSO super-segment of 4 x the effective MSS (only while that many bytes remain)
	RetransmitEvery   int       // if > 0, every Nth server data segment is sent again right after it (same seq, same bytes, later time)
	IPv6              bool      // IPv6 (fd00::/64) instead of IPv4 (10.0.0.0/8)
	Snaplen           int       // if > 0, record at most this many bytes of each frame (the original length is kept), like tcpdump -s
	Seed              int64     // seeds ISNs, ports, IDs and timing jitter; the same Config gives byte-identical output
	Start             time.Time // time of the first packet (default 2026-01-01T00:00:00Z)
	// TimeScale multiplies every time offset from Start (0 means 1): 0.2
	// makes the same traffic five times as dense, more connections
	// opening per second of capture time.
	TimeScale float64
	// Request and Response, when set, are what every connection carries
	// each way instead of generated HTTP (RequestBytes and ResponseBytes
	// are then their lengths): a recorded TLS session, say (TLSSession).
	Request, Response []byte
}

// Stats counts what Write wrote.
type Stats struct {
	Packets            int
	Connections        int
	DataSegments       int   // segments with payload, both directions (retransmissions included)
	ServerDataSegments int   // of those, sent by the server (retransmissions included)
	PayloadBytes       int64 // sum of TCP payload lengths, both directions (retransmissions included)
	SuperSegments      int   // server segments of 4 x the effective MSS (a retransmitted copy is not counted again)
	Retransmissions    int   // server segments sent a second time (each also counted in the three fields above but SuperSegments)
}

// String formats the stats on one line.
func (s Stats) String() string {
	return fmt.Sprintf("packets=%d connections=%d data_segments=%d server_data_segments=%d payload_bytes=%d super_segments=%d retransmissions=%d",
		s.Packets, s.Connections, s.DataSegments, s.ServerDataSegments, s.PayloadBytes, s.SuperSegments, s.Retransmissions)
}

// Default values and fixed parameters.
var DefaultStart = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

const (
	defaultResponseBytes = 100000
	defaultRequestBytes  = 100
	defaultMSS           = 1460
	tsOptionBytes        = 12 // NOP NOP TS(10)
	superFactor          = 4
	serverPort           = 80
	clientPortMin        = 32768
	clientPortMax        = 60999 // Linux ip_local_port_range default
	clientPortCount      = clientPortMax - clientPortMin + 1
	tuplesPerClientHost  = 10000 // new client host every this many distinct tuples
	fileSnaplen          = 262144
	wscale               = 7
	isnGap               = 1 << 24 // > the largest scaled window, 65535<<wscale
)

const (
	flagFIN = 1 << iota
	flagSYN
	flagPSH
	flagACK
)

// Write writes a pcap file described by cfg to w and returns what it wrote.
func Write(w io.Writer, cfg Config) (Stats, error) {
	bw := bufio.NewWriterSize(w, 1<<20)
	st, err := write(bw, cfg)
	if err != nil {
		return st, err
	}
	return st, bw.Flush()
}

// Bytes is Write into memory, for benchmarks and tests; the whole file is
// held in memory (about 1.1 GB for a million full-size packets).
func Bytes(cfg Config) ([]byte, Stats, error) {
	var b bytes.Buffer
	st, err := write(&b, cfg)
	if err != nil {
		return nil, st, err
	}
	return b.Bytes(), st, nil
}

func (c *Config) normalize() error {
	if c.Connections < 0 || c.ReusedTuples < 0 || c.ResponseBytes < 0 || c.RequestBytes < 0 ||
		c.MSS < 0 || c.ServerMSS < 0 || c.SuperSegmentEvery < 0 || c.RetransmitEvery < 0 || c.Snaplen < 0 {
		return errors.New("synth: negative value in Config")
	}
	if c.Connections == 0 {
		c.Connections = 1
	}
	if c.ReusedTuples > c.Connections-1 {
		return fmt.Errorf("synth: ReusedTuples %d must be less than Connections %d (the first connection cannot reuse anything)", c.ReusedTuples, c.Connections)
	}
	if c.Request != nil {
		c.RequestBytes = len(c.Request)
	}
	if c.Response != nil {
		c.ResponseBytes = len(c.Response)
	}
	if c.ResponseBytes == 0 {
		c.ResponseBytes = defaultResponseBytes
	}
	if c.RequestBytes == 0 {
		c.RequestBytes = defaultRequestBytes
	}
	if c.MSS == 0 {
		c.MSS = defaultMSS
	}
	if c.ServerMSS == 0 {
		c.ServerMSS = defaultMSS
	}
	if c.Start.IsZero() {
		c.Start = DefaultStart
	}
	minMSS := 1
	if c.Timestamps {
		minMSS = tsOptionBytes + 1
	}
	for _, m := range []int{c.MSS, c.ServerMSS} {
		if m < minMSS || m > 65535 {
			return fmt.Errorf("synth: MSS %d out of range [%d, 65535]", m, minMSS)
		}
	}
	// Every segment must fit an IPv4 total length / IPv6 payload length.
	hdr := 20 + 20 + tsOptionBytes
	largest := max(segSize(c.MSS, c.Timestamps), segSize(c.ServerMSS, c.Timestamps))
	if c.SuperSegmentEvery > 0 {
		largest = max(largest, superFactor*segSize(c.MSS, c.Timestamps))
	}
	if largest+hdr > 65535 {
		return fmt.Errorf("synth: segments of %d bytes do not fit in an IP packet; lower the MSS", largest)
	}
	return nil
}

// segSize is the payload a sender puts in a full segment when its peer
// advertised mss.
func segSize(mss int, ts bool) int {
	if ts {
		return mss - tsOptionBytes
	}
	return mss
}

// stream is a deterministic byte stream of a given length whose any
// segment can be had as a sub-slice of preallocated memory: the first bytes
// (a prefix such as an HTTP header) are materialized, the rest repeats a
// pattern of period len(pattern).
type stream struct {
	head      []byte // stream[0:len(head)], materialized
	fixed     []byte // the whole stream, when given (Config.Request, Response)
	prefixLen int    // bytes before the periodic part starts
	pat       []byte // pattern repeated, long enough for any segment
	period    int
}

const patternText = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ\r\n"

func newStream(prefix []byte, total, maxSeg int) *stream {
	s := &stream{prefixLen: len(prefix), period: len(patternText)}
	s.pat = make([]byte, s.period+maxSeg)
	for i := range s.pat {
		s.pat[i] = patternText[i%s.period]
	}
	n := min(total, len(prefix)+maxSeg)
	s.head = make([]byte, n)
	c := copy(s.head, prefix)
	for i := c; i < n; i++ {
		s.head[i] = patternText[(i-s.prefixLen)%s.period]
	}
	return s
}

func (s *stream) slice(off, n int) []byte {
	if s.fixed != nil {
		return s.fixed[off : off+n]
	}
	if off+n <= len(s.head) {
		return s.head[off : off+n]
	}
	// off >= prefixLen here: len(head) >= prefixLen+maxSeg and n <= maxSeg.
	p := (off - s.prefixLen) % s.period
	return s.pat[p : p+n]
}

func requestStream(total, maxSeg int, host string) *stream {
	start := "GET /object HTTP/1.1\r\nHost: " + host + "\r\nUser-Agent: segscope-synth\r\nAccept: */*\r\n"
	const padName, end = "X-Pad: ", "\r\n\r\n"
	if total >= len(start)+len(padName)+len(end) && total <= 1<<16 {
		// A complete request of exactly total bytes.
		b := make([]byte, 0, total)
		b = append(b, start...)
		b = append(b, padName...)
		for len(b) < total-len(end) {
			b = append(b, 'a')
		}
		b = append(b, end...)
		return newStream(b, total, maxSeg)
	}
	// Too small or too large to be a complete request: a prefix of one.
	return newStream([]byte(start+padName), total, maxSeg)
}

func responseStream(total, maxSeg int) *stream {
	hdr := "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nServer: segscope-synth\r\nContent-Length: "
	body := total - len(hdr) - 4
	for body > 0 && len(hdr)+len(strconv.Itoa(body))+4+body > total {
		body--
	}
	if body <= 0 {
		return newStream([]byte(hdr), total, maxSeg)
	}
	return newStream([]byte(hdr+strconv.Itoa(body)+"\r\n\r\n"), total, maxSeg)
}

// payloadLayer is gopacket.Payload behind a pointer, so that putting it in
// the layer list does not allocate.
type payloadLayer struct{ b []byte }

func (p *payloadLayer) LayerType() gopacket.LayerType { return gopacket.LayerTypePayload }

func (p *payloadLayer) SerializeTo(b gopacket.SerializeBuffer, _ gopacket.SerializeOptions) error {
	dst, err := b.PrependBytes(len(p.b))
	if err != nil {
		return err
	}
	copy(dst, p.b)
	return nil
}

type endpoint struct {
	ip     net.IP
	mac    net.HardwareAddr
	port   uint16
	ipid   *uint16
	mss    int    // MSS it advertises
	isn    uint32 // initial sequence number
	tsOff  uint32 // TSval offset
	tsLast uint32 // last TSval it sent
	win    uint16 // window field in non-SYN segments
	flow   uint32 // IPv6 flow label
}

type tuple struct {
	host    int
	port    uint16
	nextISN uint32 // an ISN beyond the last incarnation's sequence space
}

type gen struct {
	cfg     Config
	rng     *rand.Rand
	pw      *pcapgo.Writer
	buf     gopacket.SerializeBuffer
	sopts   gopacket.SerializeOptions
	eth     layers.Ethernet
	ip4     layers.IPv4
	ip6     layers.IPv6
	tcp     layers.TCP
	pay     payloadLayer
	l4, l6  []gopacket.SerializableLayer
	now     int64 // µs since cfg.Start
	snaplen int
	st      Stats

	serverIP  net.IP
	serverMAC net.HardwareAddr
	serverID  uint16
	clientIP  []net.IP
	clientMAC []net.HardwareAddr
	clientID  []uint16
	portsUsed [][]uint64 // per client host, bitset over clientPortCount

	req, resp *stream
	reqSeg    int // client full segment
	respSeg   int // server full segment

	mssData [2]byte
	tsData  [8]byte
	wsData  [1]byte
	synOpts []layers.TCPOption
	tsOpts  []layers.TCPOption
}

func write(w io.Writer, cfg Config) (Stats, error) {
	if err := cfg.normalize(); err != nil {
		return Stats{}, err
	}
	g := &gen{
		cfg:     cfg,
		rng:     rand.New(rand.NewPCG(uint64(cfg.Seed), 0x5e95c0fe)),
		pw:      pcapgo.NewWriter(w),
		buf:     gopacket.NewSerializeBufferExpectedSize(1<<17, 64),
		sopts:   gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true},
		snaplen: fileSnaplen,
	}
	if cfg.Snaplen > 0 {
		g.snaplen = cfg.Snaplen
	}
	g.reqSeg = segSize(cfg.ServerMSS, cfg.Timestamps)
	g.respSeg = segSize(cfg.MSS, cfg.Timestamps)
	g.wsData[0] = wscale
	if cfg.Timestamps {
		g.synOpts = []layers.TCPOption{
			{OptionType: layers.TCPOptionKindMSS, OptionLength: 4, OptionData: g.mssData[:]},
			{OptionType: layers.TCPOptionKindSACKPermitted, OptionLength: 2},
			{OptionType: layers.TCPOptionKindTimestamps, OptionLength: 10, OptionData: g.tsData[:]},
			{OptionType: layers.TCPOptionKindNop},
			{OptionType: layers.TCPOptionKindWindowScale, OptionLength: 3, OptionData: g.wsData[:]},
		}
		g.tsOpts = []layers.TCPOption{
			{OptionType: layers.TCPOptionKindNop},
			{OptionType: layers.TCPOptionKindNop},
			{OptionType: layers.TCPOptionKindTimestamps, OptionLength: 10, OptionData: g.tsData[:]},
		}
	} else {
		g.synOpts = []layers.TCPOption{
			{OptionType: layers.TCPOptionKindMSS, OptionLength: 4, OptionData: g.mssData[:]},
			{OptionType: layers.TCPOptionKindNop},
			{OptionType: layers.TCPOptionKindNop},
			{OptionType: layers.TCPOptionKindSACKPermitted, OptionLength: 2},
			{OptionType: layers.TCPOptionKindNop},
			{OptionType: layers.TCPOptionKindWindowScale, OptionLength: 3, OptionData: g.wsData[:]},
		}
	}
	g.eth.EthernetType = layers.EthernetTypeIPv4
	g.ip4 = layers.IPv4{Version: 4, TTL: 64, Flags: layers.IPv4DontFragment, Protocol: layers.IPProtocolTCP}
	g.ip6 = layers.IPv6{Version: 6, HopLimit: 64, NextHeader: layers.IPProtocolTCP}
	g.l4 = []gopacket.SerializableLayer{&g.eth, &g.ip4, &g.tcp, &g.pay}
	g.l6 = []gopacket.SerializableLayer{&g.eth, &g.ip6, &g.tcp, &g.pay}
	if cfg.IPv6 {
		g.eth.EthernetType = layers.EthernetTypeIPv6
		g.serverIP = net.ParseIP("fd00::80")
		if err := g.tcp.SetNetworkLayerForChecksum(&g.ip6); err != nil {
			return Stats{}, err
		}
	} else {
		g.serverIP = net.IPv4(10, 0, 0, 80).To4()
		if err := g.tcp.SetNetworkLayerForChecksum(&g.ip4); err != nil {
			return Stats{}, err
		}
	}
	g.serverMAC = net.HardwareAddr{0x02, 0x00, 0x5e, 0x00, 0x00, 0x50}
	g.serverID = uint16(g.rng.Uint32())

	distinct := cfg.Connections - cfg.ReusedTuples
	nHosts := (distinct + tuplesPerClientHost - 1) / tuplesPerClientHost
	if nHosts > 1<<16-2 {
		return Stats{}, fmt.Errorf("synth: too many connections (%d)", cfg.Connections)
	}
	for h := range nHosts {
		k := h + 1 // 1-based host number
		var ip net.IP
		if cfg.IPv6 {
			ip = make(net.IP, net.IPv6len)
			copy(ip, g.serverIP)
			ip[12], ip[13], ip[14], ip[15] = 0, 1, byte(k>>8), byte(k)
		} else {
			ip = net.IPv4(10, 1, byte(k>>8), byte(k)).To4()
		}
		g.clientIP = append(g.clientIP, ip)
		g.clientMAC = append(g.clientMAC, net.HardwareAddr{0x02, 0x00, 0x00, 0x01, byte(k >> 8), byte(k)})
		g.clientID = append(g.clientID, uint16(g.rng.Uint32()))
		g.portsUsed = append(g.portsUsed, make([]uint64, (clientPortCount+63)/64))
	}

	host := g.serverIP.String()
	if cfg.IPv6 {
		host = "[" + host + "]"
	}
	g.req = requestStream(cfg.RequestBytes, g.reqSeg, host)
	g.resp = responseStream(cfg.ResponseBytes, superFactor*g.respSeg)
	if cfg.Request != nil {
		g.req = &stream{fixed: cfg.Request}
	}
	if cfg.Response != nil {
		g.resp = &stream{fixed: cfg.Response}
	}

	if err := g.pw.WriteFileHeader(uint32(g.snaplen), layers.LinkTypeEthernet); err != nil {
		return Stats{}, err
	}

	// Which connections reuse a tuple: a seeded choice among 1..n-1.
	reuse := make([]bool, cfg.Connections)
	if cfg.ReusedTuples > 0 {
		perm := g.rng.Perm(cfg.Connections - 1)
		for _, p := range perm[:cfg.ReusedTuples] {
			reuse[p+1] = true
		}
	}
	tuples := make([]tuple, 0, distinct)
	for i := range cfg.Connections {
		var ti int
		if reuse[i] {
			ti = g.rng.IntN(len(tuples))
		} else {
			host := len(tuples) % nHosts
			tuples = append(tuples, tuple{host: host, port: g.pickPort(host), nextISN: g.rng.Uint32()})
			ti = len(tuples) - 1
		}
		end, err := g.connection(&tuples[ti])
		if err != nil {
			return g.st, err
		}
		// RFC 1122 4.2.2.13 / RFC 6191: a new incarnation starts above the
		// old sequence space, here by at least isnGap so that it also lies
		// beyond anything the old window covered (tcptrace, for one, needs
		// that to see a new connection).
		tuples[ti].nextISN = end + isnGap + g.rng.Uint32N(1<<30)
		g.st.Connections++
		g.now += 10 + g.rng.Int64N(40) // idle time between connections
	}
	return g.st, nil
}

// pickPort picks a random unused client port on host.
func (g *gen) pickPort(host int) uint16 {
	used := g.portsUsed[host]
	p := g.rng.IntN(clientPortCount)
	for used[p/64]&(1<<(p%64)) != 0 {
		p = (p + 1) % clientPortCount
	}
	used[p/64] |= 1 << (p % 64)
	return uint16(clientPortMin + p)
}

func (g *gen) jitter(lo, hi int64) int64 { return lo + g.rng.Int64N(hi-lo+1) }

// at is now as an offset from Start, scaled by TimeScale.
func (g *gen) at() time.Duration {
	d := time.Duration(g.now) * time.Microsecond
	if g.cfg.TimeScale > 0 {
		d = time.Duration(float64(d) * g.cfg.TimeScale)
	}
	return d
}

// connection writes one connection on tuple t and returns the client's
// sequence number after its FIN.
func (g *gen) connection(t *tuple) (uint32, error) {
	cfg := &g.cfg
	c := &endpoint{
		ip: g.clientIP[t.host], mac: g.clientMAC[t.host], port: t.port, ipid: &g.clientID[t.host],
		mss: cfg.MSS, isn: t.nextISN, tsOff: g.rng.Uint32(), win: 502, flow: g.rng.Uint32() & 0xfffff,
	}
	s := &endpoint{
		ip: g.serverIP, mac: g.serverMAC, port: serverPort, ipid: &g.serverID,
		mss: cfg.ServerMSS, isn: g.rng.Uint32(), tsOff: g.rng.Uint32(), win: 509, flow: g.rng.Uint32() & 0xfffff,
	}
	rtt := g.jitter(90, 110)
	cs, ss := c.isn, s.isn // next sequence numbers

	// Handshake.
	if err := g.emit(c, s, flagSYN, cs, 0, nil); err != nil {
		return 0, err
	}
	cs++
	g.now += rtt
	if err := g.emit(s, c, flagSYN|flagACK, ss, cs, nil); err != nil {
		return 0, err
	}
	ss++
	g.now += g.jitter(5, 15)
	if err := g.emit(c, s, flagACK, cs, ss, nil); err != nil {
		return 0, err
	}

	// Request; the server ACKs every two segments.
	unacked := 0
	for off := 0; off < cfg.RequestBytes; {
		n := min(g.reqSeg, cfg.RequestBytes-off)
		f := flagACK
		if off+n == cfg.RequestBytes {
			f |= flagPSH
		}
		g.now += g.jitter(1, 5)
		if err := g.emit(c, s, f, cs, ss, g.req.slice(off, n)); err != nil {
			return 0, err
		}
		off += n
		cs += uint32(n)
		if unacked++; unacked >= 2 {
			unacked = 0
			g.now += g.jitter(2, 6)
			if err := g.emit(s, c, flagACK, ss, cs, nil); err != nil {
				return 0, err
			}
		}
	}

	// Response; the client ACKs every two (MSS-sized) segments.
	g.now += rtt + g.jitter(10, 30) // request travels, server thinks
	unacked = 0
	idx := 0
	for off := 0; off < cfg.ResponseBytes; {
		idx++
		n := min(g.respSeg, cfg.ResponseBytes-off)
		super := cfg.SuperSegmentEvery > 0 && idx%cfg.SuperSegmentEvery == 0 && cfg.ResponseBytes-off >= superFactor*g.respSeg
		if super {
			n = superFactor * g.respSeg
			g.st.SuperSegments++
		}
		f := flagACK
		if off+n == cfg.ResponseBytes {
			f |= flagPSH
		}
		if idx > 1 {
			g.now += g.jitter(8, 24)
		}
		data := g.resp.slice(off, n)
		if err := g.emit(s, c, f, ss, cs, data); err != nil {
			return 0, err
		}
		if cfg.RetransmitEvery > 0 && idx%cfg.RetransmitEvery == 0 {
			g.now += g.jitter(2, 8)
			if err := g.emit(s, c, f, ss, cs, data); err != nil {
				return 0, err
			}
			g.st.Retransmissions++
		}
		off += n
		ss += uint32(n)
		unacked += (n + g.respSeg - 1) / g.respSeg
		if unacked >= 2 {
			unacked = 0
			g.now += g.jitter(2, 6)
			if err := g.emit(c, s, flagACK, cs, ss, nil); err != nil {
				return 0, err
			}
		}
	}
	if unacked > 0 { // the last odd segment is acked on its own
		g.now += g.jitter(20, 40)
		if err := g.emit(c, s, flagACK, cs, ss, nil); err != nil {
			return 0, err
		}
	}

	// Teardown: server closes first.
	g.now += g.jitter(5, 15)
	if err := g.emit(s, c, flagFIN|flagACK, ss, cs, nil); err != nil {
		return 0, err
	}
	ss++
	g.now += g.jitter(20, 60)
	if err := g.emit(c, s, flagFIN|flagACK, cs, ss, nil); err != nil {
		return 0, err
	}
	cs++
	g.now += rtt
	if err := g.emit(s, c, flagACK, ss, cs, nil); err != nil {
		return 0, err
	}
	return cs, nil
}

// emit serializes and writes one segment from src to dst at time g.now.
func (g *gen) emit(src, dst *endpoint, flags int, seq, ack uint32, payload []byte) error {
	t := &g.tcp
	syn := flags&flagSYN != 0
	*t = layers.TCP{
		SrcPort: layers.TCPPort(src.port),
		DstPort: layers.TCPPort(dst.port),
		Seq:     seq,
		Ack:     ack,
		SYN:     syn,
		ACK:     flags&flagACK != 0,
		PSH:     flags&flagPSH != 0,
		FIN:     flags&flagFIN != 0,
		Window:  src.win,
	}
	if syn {
		// Linux: 64240 in the SYN, 65160 in the SYN-ACK (unscaled).
		t.Window = 64240
		if t.ACK {
			t.Window = 65160
		}
	}
	if g.cfg.Timestamps {
		tsval := src.tsOff + uint32(g.now/1000) // 1 kHz clock
		var tsecr uint32
		if !(syn && !t.ACK) {
			tsecr = dst.tsLast
		}
		src.tsLast = tsval
		g.tsData = [8]byte{byte(tsval >> 24), byte(tsval >> 16), byte(tsval >> 8), byte(tsval),
			byte(tsecr >> 24), byte(tsecr >> 16), byte(tsecr >> 8), byte(tsecr)}
	}
	if syn {
		g.mssData = [2]byte{byte(src.mss >> 8), byte(src.mss)}
		t.Options = g.synOpts
	} else if g.cfg.Timestamps {
		t.Options = g.tsOpts
	}
	g.pay.b = payload
	g.eth.SrcMAC, g.eth.DstMAC = src.mac, dst.mac

	ls := g.l4
	if g.cfg.IPv6 {
		g.ip6.SrcIP, g.ip6.DstIP = src.ip, dst.ip
		g.ip6.FlowLabel = src.flow
		ls = g.l6
		if err := t.SetNetworkLayerForChecksum(&g.ip6); err != nil {
			return err
		}
	} else {
		g.ip4.SrcIP, g.ip4.DstIP = src.ip, dst.ip
		g.ip4.Id = *src.ipid
		*src.ipid++
		if err := t.SetNetworkLayerForChecksum(&g.ip4); err != nil {
			return err
		}
	}
	if err := gopacket.SerializeLayers(g.buf, g.sopts, ls...); err != nil {
		return err
	}
	data := g.buf.Bytes()
	capLen := min(len(data), g.snaplen)
	ci := gopacket.CaptureInfo{
		Timestamp:     g.cfg.Start.Add(g.at()),
		CaptureLength: capLen,
		Length:        len(data),
	}
	if err := g.pw.WritePacket(ci, data[:capLen]); err != nil {
		return err
	}
	g.st.Packets++
	if len(payload) > 0 {
		g.st.DataSegments++
		g.st.PayloadBytes += int64(len(payload))
		if src.port == serverPort {
			g.st.ServerDataSegments++
		}
	}
	return nil
}
