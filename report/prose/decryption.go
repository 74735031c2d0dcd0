package prose

import (
	"fmt"
	"strings"

	"github.com/segscope/segscope/analyze"
	"github.com/segscope/segscope/tlsdec"
)

// Decryption says whether the connection was decrypted, with
// what, and if not, why and what would do it.
func Decryption(a *analyze.App) string {
	c := a.TLSDec
	if c == nil {
		return ""
	}
	cli, srv := c.Client().Stats(), c.Server().Stats()
	notDone := cli.Encrypted - cli.Decrypted + srv.Encrypted - srv.Decrypted
	switch c.Status() {
	case tlsdec.Decrypted:
		var what []string
		switch a.Inner {
		case analyze.ProtoH2:
			what = append(what, "HTTP/2 inside")
		case analyze.ProtoHTTP1:
			what = append(what, "HTTP/1 inside")
		case analyze.ProtoUnknown:
			what = append(what, "unrecognised plaintext")
		}
		if c.Resumed() {
			what = append(what, "resumed session")
		}
		s := fmt.Sprintf("decrypted (%s)", strings.Join(append([]string{c.Suite().String()}, what...), ", "))
		for d, st := range [2]tlsdec.Stats{cli, srv} {
			dir := analyze.Dir(d).Arrow()
			switch {
			case st.Status == tlsdec.AuthFailed:
				s += fmt.Sprintf("; %s: record %d at offset %d failed authentication (wrong key or corrupted record): not decrypted past it", dir, st.Failed.Record, st.Failed.Offset)
			case st.Status == tlsdec.NoKey && st.NoAppKey:
				s += fmt.Sprintf("; %s: not decrypted past the handshake (from record %d at offset %d): the key log has no application traffic secret for this direction (%s_TRAFFIC_SECRET_0)", dir, st.Failed.Record, st.Failed.Offset, [2]string{"CLIENT", "SERVER"}[d])
			case st.Status == tlsdec.NoKey:
				s += fmt.Sprintf("; %s: not decrypted: the key log has no secret for this direction", dir)
			case st.Undecryptable > 0 && st.SeqLost:
				// Review 17: "cut by the capture ... first at offset X" of
				// whole records after one the capture lost.
				s += fmt.Sprintf("; %s: %d record%s from offset %d on not decryptable: the capture lost bytes before it, record headers among them, so the records' sequence numbers are not known", dir, st.Undecryptable, plural(st.Undecryptable), st.FirstCut)
			case st.Undecryptable > 0:
				s += fmt.Sprintf("; %s: %d record%s cut by the capture (snap length or loss, first at offset %d) not decryptable", dir, st.Undecryptable, plural(st.Undecryptable), st.FirstCut)
			}
			if st.Resumed > 0 {
				s += fmt.Sprintf("; %s: whole records lost by the capture at %d place%s (a dropped packet), the next record's tag telling how many: decryption went on after them", dir, st.Resumed, plural(st.Resumed))
			}
			if st.NoHandshakeKey > 0 && st.Status != tlsdec.NoKey {
				s += fmt.Sprintf("; %s: %d handshake record%s not decrypted: the key log has no handshake secret for this direction", dir, st.NoHandshakeKey, plural(st.NoHandshakeKey))
			}
			if e := st.Early; e.Records > 0 {
				s += "; " + dir + ": " + earlyData(e)
			}
		}
		return s
	case tlsdec.NoKey:
		r := c.ClientRandom()
		if c.KeysGiven() {
			return fmt.Sprintf("not decrypted: the key log given has no key for client random %x... (%d records): pass the key log of the run this capture is of (curl adds each run's keys to $SSLKEYLOGFILE)", r[:4], notDone)
		}
		return fmt.Sprintf("not decrypted: no key for client random %x... (%d records; pass its key log with --keylog)", r[:4], notDone)
	case tlsdec.Unsupported:
		return fmt.Sprintf("not decrypted: unsupported %s cipher suite %s (0x%04X)", c.Version(), c.Suite(), uint16(c.Suite()))
	case tlsdec.NoHello:
		if a.Streams[0].GapBytes+a.Streams[1].GapBytes > 0 {
			return fmt.Sprintf("not decrypted: the capture cut the handshake's hellos (a snap length, or loss), so there is no client random to find the keys by (%d records); capture whole packets (tcpdump -s 0)", notDone)
		}
		return fmt.Sprintf("not decrypted: the capture lacks the handshake's hellos, so there is no client random to find the keys by (%d records); start the capture before the connection", notDone)
	}
	return ""
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// earlyData says what became of a client's 0-RTT records.
func earlyData(e tlsdec.EarlyData) string {
	s := fmt.Sprintf("%d record%s of 0-RTT early data", e.Records, plural(e.Records))
	them := "them"
	if e.Records == 1 {
		them = "it"
	}
	missing := e.Records - e.Decrypted
	switch {
	case !e.Known:
		s += "; whether the server accepted " + them + " is not known (its EncryptedExtensions was not decrypted, nor the client's EndOfEarlyData): not on the plaintext stream"
	case !e.Accepted:
		s += ", rejected by the server (it never read " + them + "): not on the plaintext stream"
	case missing == 0:
		s += ", accepted by the server: the start of the plaintext stream"
	default:
		s += ", accepted by the server: the start of the plaintext stream, a gap where not decrypted"
	}
	var why []string
	if e.Cut > 0 {
		why = append(why, fmt.Sprintf("%d cut by the capture: a snap length or loss", e.Cut))
	}
	if e.NoHello > 0 {
		why = append(why, fmt.Sprintf("%d not tried: no ServerHello after them in the capture to tell the cipher suite", e.NoHello))
	}
	switch n := missing - e.Cut - e.NoHello; {
	case n > 0 && !e.Secret:
		why = append(why, fmt.Sprintf("%d not decrypted: the key log has no CLIENT_EARLY_TRAFFIC_SECRET for this connection; the client writes one when it sends early data: pass that key log", n))
	case n > 0:
		why = append(why, fmt.Sprintf("%d not decrypted with the key log's CLIENT_EARLY_TRAFFIC_SECRET", n))
	}
	if len(why) > 0 {
		s += " (" + strings.Join(why, "; ") + ")"
	}
	return s
}
