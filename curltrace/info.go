package curltrace

import (
	"net/netip"
	"sort"
	"strconv"
	"strings"
)

// splitComponents takes the leading "[COMP] " tags off an info text
// (the spec's COMP = ^((?:\[[^\]]+\] )+)(.*)$). A first tag that looks like
// --trace-ids ids ("[0-x] ", repeated inside the text by a curl 8.13-8.16
// bug) is skipped, not a component.
func splitComponents(text string) ([]string, string) {
	var tags []string
	s := text
	for len(s) > 0 && s[0] == '[' {
		j := strings.IndexByte(s, ']')
		if j < 2 || j+1 >= len(s) || s[j+1] != ' ' {
			break
		}
		tag := s[1:j]
		if len(tags) != 0 || !looksIDs(tag) {
			tags = append(tags, tag)
		}
		s = s[j+2:]
	}
	return tags, s
}

func looksIDs(tag string) bool {
	_, _, n, ok := parseIDs([]byte("[" + tag + "] "))
	return ok && n == len(tag)+3
}

// parseInfo fills an info event's components and the typed lines they
// carry: a TCP filter's recv, an SSL filter's read, an HTTP/2 frame or
// stream. sslOld is the trace's order of "-> A, B" so far: true when its
// TCP lines were 8.3-8.14's "nread, err=E" (an SSL line without "err="
// is then read in that order too).
func parseInfo(e *Event, sslOld bool) {
	tags, msg := splitComponents(e.Text)
	if len(tags) == 0 {
		return
	}
	e.Components = tags
	last := tags[len(tags)-1]
	switch {
	case last == "TCP" || strings.HasPrefix(last, "TCP-"):
		if r, ok := parseTCPRecv(msg); ok {
			e.TCPRecv = &r
		}
	case last == "SSL" || strings.HasPrefix(last, "SSL-"):
		if r, ok := parseSSLRecv(msg, sslOld); ok {
			e.SSLRecv = &r
		}
	case last == "WRITE":
		e.BodyWrite = parseBodyWrite(msg)
	default:
		e.H2Frame, e.H2Open = parseH2(tags, msg)
	}
}

// parseBodyWrite reads "client_write(type=1, len=N) -> R": curl handing
// N body bytes (type 1, CLIENTWRITE_BODY) on; 0 for any other line.
func parseBodyWrite(s string) int {
	s, ok := strings.CutPrefix(s, "client_write(type=1, len=")
	if !ok {
		return 0
	}
	n, k, ok := digits([]byte(s), 18)
	if !ok || !strings.HasPrefix(s[k:], ")") {
		return 0
	}
	return n
}

// parseComponents returns an info text's components and, for a TCP
// filter's recv line, the read it reports.
func parseComponents(text string) ([]string, *TCPRecv) {
	e := Event{Text: text}
	parseInfo(&e, false)
	return e.Components, e.TCPRecv
}

// parseSSLRecv parses the SSL filter's reads: "NAME(len=L) -> R, N" with
// an optional " (in_pending=P)" (8.15+), "NAME(len=L) -> N, err=R" and
// "NAME(len=L) -> N, R" (8.3-8.14; N is -1 on failure; taken in this
// order when old, unless "in_pending" says 8.15+). Only names that
// read: "cf_recv", "ossl_recv", "ossl_bio_cf_in_read" and the like.
func parseSSLRecv(s string, old bool) (SSLRecv, bool) {
	r := SSLRecv{InPending: -1}
	i := strings.Index(s, "(len=")
	if i <= 0 || !strings.Contains(s[:i], "recv") && !strings.Contains(s[:i], "read") {
		return r, false
	}
	r.Func = s[:i]
	s = s[i:]
	if j := strings.LastIndex(s, " (in_pending="); j > 0 && strings.HasSuffix(s, ")") {
		p, k, ok := digits([]byte(s[j+13:]), 18)
		if !ok || j+13+k != len(s)-1 {
			return r, false
		}
		r.InPending, s = p, s[:j]
	}
	if !strings.Contains(s, ", err=") && (old && r.InPending < 0 || strings.Contains(s, ") -> -")) {
		// 8.3-8.14 without "err=": "-> 177, 0" is nread 177, result 0,
		// "-> -1, 81" a read that found nothing.
		if j := strings.LastIndex(s, ", "); j > 0 {
			s = s[:j] + ", err=" + s[j+2:]
		}
	}
	t, ok := parseTCPRecv("recv" + s)
	if !ok {
		return r, false
	}
	r.Len, r.Result, r.NRead = t.Len, t.Result, t.NRead
	return r, true
}

// parseTCPRecv parses "recv(len=L) -> R, N" (8.15+) or
// "recv(len=L) -> N, err=R" (8.3-8.14, N is -1 on failure).
func parseTCPRecv(s string) (TCPRecv, bool) {
	var r TCPRecv
	s, ok := strings.CutPrefix(s, "recv(len=")
	if !ok {
		return r, false
	}
	l, n, ok := digits([]byte(s), 18)
	if !ok {
		return r, false
	}
	s, ok = strings.CutPrefix(s[n:], ") -> ")
	if !ok {
		return r, false
	}
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	a, n, ok := digits([]byte(s), 18)
	if !ok {
		return r, false
	}
	if neg {
		a = -a
	}
	s, ok = strings.CutPrefix(s[n:], ", ")
	if !ok {
		return r, false
	}
	old := strings.HasPrefix(s, "err=")
	if old {
		s = s[4:]
	}
	b, n, ok := digits([]byte(s), 18)
	if !ok || n != len(s) {
		return r, false
	}
	r.Len = l
	if old {
		r.NRead, r.Result = max(a, 0), b
	} else {
		if neg {
			return r, false
		}
		r.Result, r.NRead = a, b
	}
	return r, true
}

// infoMessage is an info event's text without its components and without
// leading spaces ("  Trying ..." is "Trying ...").
func infoMessage(e *Event) string {
	_, msg := splitComponents(e.Text)
	return strings.TrimLeft(msg, " ")
}

// connState follows the connection events belong to when the trace has no
// ids: the one most recently connected or re-used, until it is left
// intact or closed. It also indexes Conns by id and host.
type connState struct {
	cur     int
	lastTry netip.AddrPort
	byID    map[int][]int  // id -> indexes into Conns, in order
	byHost  map[string]int // host -> latest index into Conns
	setup   map[int]*setup // connection id (-1 without ids) -> the connection being set up
	// pend is the index of the event after the "Trying" line of a
	// connection being set up in a trace without ids, -1 when none: curl
	// 8.x traces the TLS handshake before the connect line, and the
	// events after the "Trying" line get the connection once it is known.
	pend int
	// idle is the index of the event after a "left intact" line of a
	// trace without ids (-1 when none), and left the connection it
	// left: curl 7 checks a connection it is about to reuse, and reads
	// what the server sent since (an HTTP/2 frame ending the last
	// stream) before its "Re-using existing connection" line; those TLS
	// reads and writes are that connection's (review 39: a 26-byte
	// record read so went to none, and the next transfer's reads were
	// laid 31 bytes early).
	idle, left int
	// from is the line where each connection's lines begin (its "Trying"
	// line, else its connect line), by index into Conns: with ids, an
	// event belongs to the latest connection of its id begun by then.
	from map[int]int
}

// setup is a connection being set up, from its "Trying" line on: the ALPN
// lines seen before its connect line (curl 8.x) wait here for it.
type setup struct {
	conn int // index into Conns once connected, else -1
	alpn ALPN
	// Where it was tried (its "Trying" line and address), and whether a
	// request head was sent on it before it connected (a proxy's CONNECT).
	line int
	addr netip.AddrPort
	sent bool
	// ports are the local ports of the attempts made so far, by the
	// address tried (happy eyeballs tries ::1 and 127.0.0.1 under one
	// id): the connect line's address picks the one that won.
	ports map[netip.Addr]uint16
}

// trying starts the setup of a connection (id -1 without ids) at event i.
// A setup before it that never connected but sent a request head was a
// connection of its own that curl gave up (a proxy that answered the
// CONNECT with a 407 and closed; curl 8 logs no connect line for it): it
// becomes one, with the events since its "Trying" line.
func (s *connState) trying(t *Trace, id, i int, line int, ap netip.AddrPort) {
	if s.setup == nil {
		s.setup = map[int]*setup{}
	}
	if su := s.setup[id]; su != nil && su.conn < 0 && su.sent && su.addr.IsValid() {
		c := Connection{ID: id, Host: su.addr.Addr().String(), IP: su.addr.Addr(), Port: su.addr.Port(), LocalPort: su.ports[su.addr.Addr().Unmap()], Line: su.line}
		if id < 0 {
			c.ID = len(t.Conns)
		}
		k := s.add(t, c)
		s.from[k] = su.line
		if s.pend >= 0 {
			for j := s.pend; j < i; j++ {
				if t.EventConn[j] == -1 {
					t.EventConn[j] = k
				}
			}
			s.pend = -1
		}
	}
	next := &setup{conn: -1, line: line, addr: ap, ports: map[netip.Addr]uint16{}}
	if su := s.setup[id]; su != nil && su.conn < 0 && !su.sent {
		for a, p := range su.ports {
			next.ports[a] = p // another attempt of the same connection
		}
	}
	s.setup[id] = next
}

// connected gives the connection set up under id the ALPN lines seen
// before its connect line.
func (s *connState) connected(t *Trace, id, k int) {
	if s.setup == nil {
		s.setup = map[int]*setup{}
	}
	su := s.setup[id]
	if su == nil || su.conn >= 0 {
		// No "Trying" line (or one already used): lines from here on
		// are this connection's.
		s.setup[id] = &setup{conn: k}
		return
	}
	su.conn = k
	s.from[k] = su.line
	if p, ok := su.ports[t.Conns[k].IP.Unmap()]; ok && t.Conns[k].LocalPort == 0 {
		t.Conns[k].LocalPort = p
	}
	mergeALPN(&t.Conns[k].ALPN, su.alpn)
}

// alpnLine handles an "ALPN: ..." line and tells whether msg was one.
func (s *connState) alpnLine(t *Trace, e *Event, msg string) bool {
	a, ok := parseALPN(msg, e.Line)
	if !ok {
		return false
	}
	if s.setup == nil {
		s.setup = map[int]*setup{}
	}
	su := s.setup[e.Conn]
	if su == nil {
		// No "Trying" line: the connection with the line's id, else the
		// current one, else the next to connect.
		k := -1
		if e.Conn >= 0 {
			k = s.byIDAt(t, e.Conn, e.Line)
		} else {
			k = s.cur
		}
		su = &setup{conn: k}
		s.setup[e.Conn] = su
	}
	if su.conn >= 0 {
		mergeALPN(&t.Conns[su.conn].ALPN, a)
	} else {
		mergeALPN(&su.alpn, a)
	}
	return true
}

// mergeALPN adds what one or more ALPN lines said to dst.
func mergeALPN(dst *ALPN, a ALPN) {
	if a.Offered != "" {
		dst.Offered = a.Offered
	}
	if a.Accepted != "" || a.Refused {
		dst.Accepted, dst.Refused, dst.Line = a.Accepted, a.Refused, a.Line
	}
}

// parseALPN parses curl's ALPN info lines:
//
//	ALPN: offers h2,http/1.1                                   7.x
//	ALPN: curl offers h2,http/1.1                              8.x
//	ALPN: server accepted h2
//	ALPN: server did not agree on a protocol. Uses default.
func parseALPN(msg string, line int) (ALPN, bool) {
	var a ALPN
	s, ok := strings.CutPrefix(msg, "ALPN: ")
	if !ok {
		return a, false
	}
	if l, ok := strings.CutPrefix(s, "curl offers "); ok {
		s = "offers " + l
	}
	switch {
	case strings.HasPrefix(s, "offers "):
		a.Offered = strings.TrimSpace(s[len("offers "):])
		if a.Offered == "" {
			return a, false
		}
	case strings.HasPrefix(s, "server accepted "):
		a.Accepted = strings.TrimSpace(s[len("server accepted "):])
		if a.Accepted == "" {
			return a, false
		}
		a.Line = line
	case strings.HasPrefix(s, "server did not agree"):
		a.Refused, a.Line = true, line
	default:
		return a, false
	}
	return a, true
}

// add appends c to t.Conns and returns its index.
func (s *connState) add(t *Trace, c Connection) int {
	k := len(t.Conns)
	t.Conns = append(t.Conns, c)
	if s.byID == nil {
		s.byID = map[int][]int{}
		s.byHost = map[string]int{}
		s.from = map[int]int{}
	}
	s.from[k] = c.Line
	s.byID[c.ID] = append(s.byID[c.ID], k)
	s.byHost[c.Host] = k
	return k
}

// event updates Conns for event i (just appended) and returns the index of
// the connection it belongs to, -1 when none.
func (s *connState) event(t *Trace, i int) int {
	e := &t.Events[i]
	if e.Kind != Info {
		if su := s.setup[e.Conn]; e.Kind == SendHeader && su != nil && su.conn < 0 {
			su.sent = true
		}
		return s.cur
	}
	tags, msg := splitComponents(e.Text)
	msg = strings.TrimLeft(msg, " ")
	if su := s.setup[e.Conn]; su != nil && su.conn < 0 && len(tags) == 1 && tags[0] == "TCP" {
		// curl 8.3+ --trace-config tcp: "[TCP] local address IP port N...".
		if p, ok := parseLocalAddress(msg); ok && su.ports != nil {
			su.ports[su.addr.Addr().Unmap()] = p
		}
	}
	if tags != nil {
		// A filter's own trace ("[HAPPY-EYEBALLS] Connected to ..."), not
		// the transfer's connect line.
		return s.cur
	}
	if s.alpnLine(t, e, msg) {
		return s.cur
	}
	if c, ok := parseConnect(msg); ok {
		c.Line, s.idle = e.Line, -1
		switch {
		case c.ID >= 0:
		case e.Conn >= 0:
			c.ID = e.Conn
		default:
			c.ID = len(t.Conns)
		}
		if !c.IP.IsValid() && s.lastTry.IsValid() && c.Port == s.lastTry.Port() {
			c.IP = s.lastTry.Addr()
		}
		s.cur = s.add(t, c)
		s.connected(t, e.Conn, s.cur)
		if s.pend >= 0 {
			for j := s.pend; j < i; j++ {
				if t.EventConn[j] == -1 {
					t.EventConn[j] = s.cur
				}
			}
			s.pend = -1
		}
		return s.cur
	}
	if ap, ok := parseTrying(msg); ok {
		s.lastTry, s.idle = ap, -1
		s.trying(t, e.Conn, i, e.Line, ap)
		if e.Conn < 0 {
			// A new connection: what follows is not the last one's.
			if s.pend < 0 {
				s.pend = i + 1
			}
			s.cur = -1
		}
		return s.cur
	}
	if id, host, ok := parseReuse(msg); ok {
		target := -1
		if id >= 0 {
			target = s.byIDAt(t, id, e.Line)
		}
		if target < 0 && e.Conn >= 0 {
			target = s.byIDAt(t, e.Conn, e.Line)
		}
		if target < 0 && host != "" {
			if k, ok := s.byHost[host]; ok {
				target = k
			}
		}
		if target >= 0 {
			t.Conns[target].Reused = true
		}
		if s.idle >= 0 && target >= 0 && target == s.left {
			for j := s.idle; j < i; j++ {
				if k := t.Events[j].Kind; t.EventConn[j] == -1 && (k == RecvSSL || k == SendSSL) {
					t.EventConn[j] = target
				}
			}
		}
		s.cur, s.pend, s.idle = target, -1, -1
		return target
	}
	if id, ok := endsConn(msg); ok {
		target := s.cur
		if id >= 0 {
			if k := s.byIDAt(t, id, e.Line); k >= 0 {
				target = k
			}
		}
		switch {
		case strings.HasPrefix(msg, "Closing"):
			// The close_notify alerts curl traces next are this
			// connection's, until the next one is tried.
			s.cur = target
		case target == s.cur:
			s.cur = -1
			if e.Conn < 0 && target >= 0 {
				s.idle, s.left = i+1, target
			}
		}
		return target
	}
	return s.cur
}

// byIDAt returns the latest connection with the id connected at or before
// line, else the first one after it, else -1.
func (s *connState) byIDAt(t *Trace, id, line int) int {
	ks := s.byID[id]
	if len(ks) == 0 {
		return -1
	}
	// Conns are in line order: the last one begun at or before line.
	j := sort.Search(len(ks), func(j int) bool { return s.from[ks[j]] > line })
	if j == 0 {
		return ks[0]
	}
	return ks[j-1]
}

// parseConnect parses the connect lines:
//
//	Connected to H (IP) port P (#N)                              up to 8.1
//	Connected to H (IP) port P                                   8.2 to 8.15
//	Established connection to H (IP port P) from LIP port LP     8.16+ (trailing space)
//
// ID is -1 when the line has no "#N".
func parseConnect(msg string) (Connection, bool) {
	c := Connection{ID: -1}
	if s, ok := strings.CutPrefix(msg, "Connected to "); ok {
		i := strings.Index(s, " (")
		if i <= 0 {
			return c, false
		}
		c.Host, s = s[:i], s[i+2:]
		j := strings.IndexByte(s, ')')
		if j < 0 {
			return c, false
		}
		c.IP, c.Unix = addrOrSocket(s[:j])
		s, ok = strings.CutPrefix(s[j+1:], " port ")
		if !ok {
			return c, false
		}
		if c.Port, s, ok = port(s); !ok {
			return c, false
		}
		if r, ok := strings.CutPrefix(s, " (#"); ok {
			if n, k, ok := digits([]byte(r), 18); ok && strings.HasPrefix(r[k:], ")") {
				c.ID = n
			}
		}
		return c, true
	}
	if s, ok := strings.CutPrefix(msg, "Established connection to "); ok {
		i := strings.Index(s, " (")
		if i <= 0 {
			return c, false
		}
		c.Host, s = s[:i], s[i+2:]
		j := strings.Index(s, " port ")
		if j < 0 {
			return c, false
		}
		c.IP, c.Unix = addrOrSocket(s[:j])
		if c.Port, s, ok = port(s[j+6:]); !ok {
			return c, false
		}
		s, ok = strings.CutPrefix(s, ") from ")
		if !ok {
			return c, true
		}
		j = strings.Index(s, " port ")
		if j < 0 {
			return c, true
		}
		lip, err := netip.ParseAddr(s[:j])
		lport, _, ok := port(s[j+6:])
		if err == nil && ok {
			c.LocalIP, c.LocalPort = lip, lport
		}
		return c, true
	}
	return c, false
}

// addrOrSocket reads a connect line's address: an IP, or the path of a
// Unix socket (abstract ones start with '@').
func addrOrSocket(s string) (netip.Addr, string) {
	if ip, err := netip.ParseAddr(s); err == nil {
		return ip, ""
	}
	if strings.HasPrefix(s, "/") || strings.HasPrefix(s, "@") {
		return netip.Addr{}, s
	}
	return netip.Addr{}, ""
}

// port parses a port number at the start of s and returns the rest.
func port(s string) (uint16, string, bool) {
	n, k, ok := digits([]byte(s), 5)
	if !ok || n > 65535 {
		return 0, s, false
	}
	return uint16(n), s[k:], true
}

// parseLocalAddress parses "local address IP port N..." of curl 8's
// [TCP] filter.
func parseLocalAddress(msg string) (uint16, bool) {
	s, ok := strings.CutPrefix(msg, "local address ")
	if !ok {
		return 0, false
	}
	_, s, ok = strings.Cut(s, " port ")
	if !ok {
		return 0, false
	}
	s = strings.TrimRight(s, ".")
	n, err := strconv.ParseUint(s, 10, 16)
	return uint16(n), err == nil
}

// parseTrying parses "Trying IP:port..." ("Trying [::1]:8080...").
func parseTrying(msg string) (netip.AddrPort, bool) {
	s, ok := strings.CutPrefix(msg, "Trying ")
	if !ok {
		return netip.AddrPort{}, false
	}
	s, ok = strings.CutSuffix(s, "...")
	if !ok {
		return netip.AddrPort{}, false
	}
	ap, err := netip.ParseAddrPort(s)
	return ap, err == nil
}

// parseReuse parses "Re-using existing connection #N with host H" (7.x),
// "Re-using existing connection with host H" and "Reusing existing http:
// connection with host H" (8.x). id is -1 without "#N".
func parseReuse(msg string) (id int, host string, ok bool) {
	s, ok := strings.CutPrefix(msg, "Re-using existing ")
	if !ok {
		s, ok = strings.CutPrefix(msg, "Reusing existing ")
	}
	if !ok || !strings.Contains(s, "connection") {
		return -1, "", false
	}
	id = -1
	if i := strings.IndexByte(s, '#'); i >= 0 {
		if n, _, ok := digits([]byte(s[i+1:]), 18); ok {
			id = n
		}
	}
	for _, w := range []string{" with host ", " with proxy "} {
		if i := strings.Index(s, w); i >= 0 {
			host = s[i+len(w):]
			if j := strings.IndexByte(host, ' '); j >= 0 {
				host = host[:j]
			}
			break
		}
	}
	return id, host, true
}

// endsConn parses "Connection #N to host H left intact" and "Closing
// connection", "Closing connection N", "Closing connection #N". id is -1
// when the line names none.
func endsConn(msg string) (int, bool) {
	if s, ok := strings.CutPrefix(msg, "Connection #"); ok {
		if !strings.Contains(s, " left intact") {
			return -1, false
		}
		n, _, ok := digits([]byte(s), 18)
		if !ok {
			return -1, true
		}
		return n, true
	}
	s, ok := strings.CutPrefix(msg, "Closing connection")
	if !ok {
		s, ok = strings.CutPrefix(msg, "closing connection")
	}
	if !ok {
		return -1, false
	}
	if s == "" {
		return -1, true
	}
	s, ok = strings.CutPrefix(s, " ")
	if !ok {
		return -1, false
	}
	s = strings.TrimPrefix(s, "#")
	if n, _, ok := digits([]byte(s), 18); ok {
		return n, true
	}
	return -1, false
}

// String formats a connection for messages: "#0 127.0.0.1:8080
// (127.0.0.1)".
func (c Connection) String() string {
	var b strings.Builder
	b.WriteString("#")
	b.WriteString(strconv.Itoa(c.ID))
	b.WriteString(" ")
	b.WriteString(netip.AddrPortFrom(c.IP, c.Port).String())
	if c.Host != "" {
		b.WriteString(" (")
		b.WriteString(c.Host)
		b.WriteString(")")
	}
	return b.String()
}
