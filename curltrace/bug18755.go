package curltrace

import "github.com/segscope/segscope/tlsrec"

// trcLineMax is curl's buffer for one trace line: curl 8.13-8.16 copied
// the data of an event under this size behind the library's ids, with
// "%.*s" (curl#18755). Larger events pass unchanged.
const trcLineMax = 2048

// idsTagLen returns the length of a leading "[X-C] " or "[X-x] " in b, 0
// when there is none.
func idsTagLen(b []byte) int {
	if len(b) < 6 || b[0] != '[' {
		return 0
	}
	_, _, n, ok := parseIDs(b)
	if !ok {
		return 0
	}
	return n
}

// detectIDsInData tells whether the trace shows curl#18755: an info line
// or a short data event repeats its own --trace-ids ids at the start of
// its text or data ("[0-x] == Info: [0-x] [MULTI] ..."). It sets
// IDsInData and IDsInDataLine.
func detectIDsInData(t *Trace) bool {
	for i := range t.Events {
		e := &t.Events[i]
		if e.Xfer < 0 {
			continue
		}
		var b []byte
		switch {
		case e.Kind == Info:
			b = []byte(e.Text)
		case e.HeaderSize < trcLineMax:
			b = e.Data
		}
		n := idsTagLen(b)
		if n == 0 {
			continue
		}
		x, c, _, _ := parseIDs(b)
		if x == e.Xfer && c == e.Conn {
			t.IDsInData, t.IDsInDataLine = true, e.Line
			return true
		}
	}
	return false
}

// fixIDsInData undoes what curl#18755 did where the trace shows it: takes
// the ids off info texts and off the data of events under 2048 bytes, and
// marks every such event's data as complete, cut or maybe cut. It returns
// whether each event's bytes were exact before it was marked (for
// resolveH2), nil when the trace does not show the bug.
func fixIDsInData(t *Trace) []bool {
	if !detectIDsInData(t) {
		return nil
	}
	exact := make([]bool, len(t.Events))
	ssl := map[sslKey]tlsrec.ContentType{}
	for i := range t.Events {
		e := &t.Events[i]
		exact[i] = e.Exact
		if e.Kind == Info {
			if n := idsTagLen([]byte(e.Text)); n > 0 {
				e.Text, e.Inflated = e.Text[n:], n
			}
			continue
		}
		if e.HeaderSize == 0 || e.HeaderSize >= trcLineMax || len(e.Data) != e.HeaderSize {
			continue // not touched by the bug, or cut short by the end of the file
		}
		if n := idsTagLen(e.Data); n > 0 {
			e.Data, e.Inflated = e.Data[n:], n
			e.Size = len(e.Data)
		}
		switch e.Kind {
		case SendHeader, RecvHeader:
			// Header text holds no NUL: complete.
		case SendSSL, RecvSSL:
			markSSL(e, exact[i], ssl)
		default:
			e.Cut, e.SizeLowerBound, e.Exact = MaybeCut, true, false
		}
		if e.HeaderSize >= trcLineMax-4 && e.Cut == NotCut {
			// curl shortens a line that does not fit its buffer.
			e.Cut, e.SizeLowerBound, e.Exact = MaybeCut, true, false
		}
	}
	return exact
}

// sslKey is one direction of one connection, for following the TLS record
// a message belongs to.
type sslKey struct {
	conn int
	sent bool
}

// markSSL marks a short SSL data event of a trace with curl#18755. curl
// logs a TLS record's 5-byte header, then (TLS 1.3) its 1-byte inner
// content type, then each message in it; a message is cut where its first
// NUL is, and the byte after the cut is that NUL. state follows the
// content type of the record being read in each direction.
func markSSL(e *Event, exact bool, state map[sslKey]tlsrec.ContentType) {
	key := sslKey{e.Conn, e.Kind == SendSSL}
	d := e.Data
	cut := func(size int, lower bool) {
		e.Cut, e.Size, e.SizeLowerBound, e.Exact = CutAtNUL, size, lower, false
	}
	if !exact {
		// --trace-ascii: the bytes are not known, so neither is the cut.
		e.Cut, e.SizeLowerBound, e.Exact = MaybeCut, true, false
		delete(state, key)
		return
	}
	if h, ok := recordHeader(d, true); ok {
		e.TLSHeader = &h
		state[key] = h.Type
		if len(d) < 5 {
			cut(5, false)
		}
		return
	}
	switch st, ok := state[key]; {
	case ok && st == tlsrec.ApplicationData && len(d) == 1 && validContentType(d[0]):
		// TLS 1.3's inner content type: never 0, so never cut.
		state[key] = tlsrec.ContentType(d[0])
	case ok && st == tlsrec.Handshake:
		// type(1) length(3) body: the length tells the size.
		if len(d) < 4 {
			cut(len(d)+1, true)
			return
		}
		n := 4 + (int(d[1])<<16 | int(d[2])<<8 | int(d[3]))
		if len(d) < n {
			cut(n, false)
		}
	case ok && st == tlsrec.ChangeCipherSpec:
		if len(d) < 1 {
			cut(1, false)
		}
	case ok && st == tlsrec.Alert:
		if len(d) < 2 {
			cut(2, false)
		}
	default:
		e.Cut, e.SizeLowerBound, e.Exact = MaybeCut, true, false
	}
}

func validContentType(b byte) bool {
	return tlsrec.ContentType(b) >= tlsrec.ChangeCipherSpec && tlsrec.ContentType(b) <= tlsrec.Heartbeat
}

// recordHeader reads a TLS record header: 5 bytes of type (20-24),
// version 3.x and length. With cut, 3 or 4 bytes are a header cut at its
// first NUL (curl#18755): the missing byte after them was 0.
func recordHeader(d []byte, cut bool) (TLSHeader, bool) {
	var h TLSHeader
	if len(d) != 5 && !(cut && (len(d) == 3 || len(d) == 4)) {
		return h, false
	}
	if !validContentType(d[0]) || d[1] != 3 || d[2] > 4 {
		return h, false
	}
	h.Type, h.Version = tlsrec.ContentType(d[0]), uint16(d[1])<<8|uint16(d[2])
	switch len(d) {
	case 5:
		h.Length, h.LengthKnown, h.LengthMax = int(d[3])<<8|int(d[4]), true, int(d[3])<<8|int(d[4])
	case 4:
		h.Length, h.LengthKnown, h.LengthMax = int(d[3])<<8, true, int(d[3])<<8 // low byte 0
	case 3:
		h.LengthMax = 255 // high byte 0, low byte unknown
	}
	return h, true
}

// tlsHeaders sets TLSHeader on the complete 5-byte record headers of a
// trace without curl#18755 (where the bytes are exact: --trace).
func tlsHeaders(t *Trace) {
	if t.IDsInData {
		return // markSSL did it
	}
	for i := range t.Events {
		e := &t.Events[i]
		if (e.Kind != RecvSSL && e.Kind != SendSSL) || len(e.Data) != 5 || e.Size != 5 {
			continue
		}
		if !e.Exact {
			if h, ok := asciiHeader(e.Data); ok && t.ASCII {
				e.TLSHeader = &h
			}
			continue
		}
		if h, ok := recordHeader(e.Data, false); ok {
			e.TLSHeader = &h
		}
	}
}

// asciiHeader reads a record header from --trace-ascii, which prints a
// byte outside 0x20-0x7E as a dot: the type (20-24) and version (3, x)
// always are, and a length byte only when it is below 0x20 or above 0x7e
// (a record is at most 0x4800 long, so a printed high byte is at most
// 0x48), or a '.' itself.
func asciiHeader(d []byte) (TLSHeader, bool) {
	if d[0] != '.' || d[1] != '.' || d[2] != '.' {
		return TLSHeader{}, false
	}
	h := TLSHeader{ASCII: true, LengthMax: 0x4800}
	hi, lo := d[3], d[4]
	if hi != '.' {
		if hi > 0x48 {
			return TLSHeader{}, false
		}
		h.Length, h.LengthMask = int(hi)<<8, 0xff00
		h.LengthMax = int(hi)<<8 | 0xff
	} else {
		// A dot: below 0x20, or a '.' itself (0x2e: an 11776-12031-byte
		// record, which a server with 12 KiB records sends; review 23:
		// 11877 was taken for no record the capture had).
		h.LengthMax, h.HighDot = 0x2eff, true
	}
	if lo != '.' {
		h.Length |= int(lo)
		h.LengthMask |= 0x00ff
	}
	if h.LengthMask == 0xffff {
		h.LengthKnown, h.LengthMax = true, h.Length
	}
	return h, true
}

// resolveH2 settles the size of cut or maybe-cut "Recv data" events of
// HTTP/2 connections from the DATA frame lines after them: the Recv data
// events since the connection's previous received frame line carry that
// DATA frame's payload. When their sizes add up to it, none was cut; when
// one alone is unsettled, its size is the payload less the others.
// Received END_STREAM closes a stream; a "Recv data, 0 bytes" while no
// stream is open is curl's end-of-stream event, never cut.
func resolveH2(t *Trace, exact []bool) {
	if exact == nil {
		return
	}
	type conn struct {
		group  []int
		open   map[uint32]bool
		frames bool
	}
	conns := map[int]*conn{}
	for i := range t.Events {
		// The connection: its index, else (no connect line in the trace)
		// its --trace-ids id, kept apart from the indexes.
		ci := t.EventConn[i]
		if ci < 0 && t.Events[i].Conn >= 0 {
			ci = -2 - t.Events[i].Conn
		} else if ci < 0 {
			continue
		}
		c := conns[ci]
		if c == nil {
			c = &conn{open: map[uint32]bool{}}
			conns[ci] = c
		}
		e := &t.Events[i]
		switch {
		case e.Kind == RecvData:
			if c.frames && len(c.open) == 0 && e.Size == 0 && e.Cut == MaybeCut {
				settle(e, exact[i])
				continue
			}
			c.group = append(c.group, i)
		case e.H2Open != nil:
			c.open[e.H2Open.Stream] = true
		case e.H2Frame != nil && e.H2Frame.In:
			f := e.H2Frame
			c.frames = true
			if n := f.DataLen(); n >= 0 {
				settleGroup(t, c.group, n, exact)
			}
			if f.EOS && (f.Type == FrameData || f.Type == FrameHeaders) || f.Type == FrameRSTStream {
				delete(c.open, f.Stream)
			}
			c.group = c.group[:0]
		}
	}
}

// settle marks an event's data complete.
func settle(e *Event, exact bool) {
	e.Cut, e.SizeLowerBound, e.Exact = NotCut, false, exact
	e.Size = len(e.Data)
}

// settleGroup settles the events in group, which carry payload bytes.
func settleGroup(t *Trace, group []int, payload int, exact []bool) {
	sum, open := 0, -1
	for _, i := range group {
		e := &t.Events[i]
		sum += e.Size
		if e.SizeLowerBound {
			if open >= 0 {
				open = -2 // more than one
			} else if open == -1 {
				open = i
			}
		}
	}
	switch {
	case sum == payload:
		// Every size is at least its lower bound: all are exact.
		for _, i := range group {
			if e := &t.Events[i]; e.SizeLowerBound {
				settle(e, exact[i])
			}
		}
	case open >= 0 && sum < payload:
		e := &t.Events[open]
		e.Cut, e.Size, e.SizeLowerBound, e.Exact = CutAtNUL, e.Size+payload-sum, false, false
	}
}

// settleByWrites settles the size of cut or maybe-cut "Recv data" events
// from curl's write lines (--trace-config write, part of "all"): curl logs
// "client_write(type=1, len=N)" as it hands the event's body bytes on,
// before the transfer's next Recv data. N is then the event's size: its
// data was complete when N is what survived, else cut at a NUL.
func settleByWrites(t *Trace, exact []bool) {
	if exact == nil {
		return
	}
	open := map[int]int{} // transfer -> its Recv data event awaiting a write line
	for i := range t.Events {
		e := &t.Events[i]
		switch {
		case e.Kind == RecvData:
			open[e.Xfer] = i
		case e.Kind == Info && e.BodyWrite > 0:
			j, ok := open[e.Xfer]
			if !ok {
				continue
			}
			delete(open, e.Xfer)
			d := &t.Events[j]
			if !d.SizeLowerBound || e.BodyWrite < d.Size {
				continue
			}
			if e.BodyWrite == len(d.Data) {
				settle(d, exact[j])
			} else {
				d.Cut, d.Size, d.SizeLowerBound, d.Exact = CutAtNUL, e.BodyWrite, false, false
			}
		}
	}
}
