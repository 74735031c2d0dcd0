package explain

import (
	"time"

	"github.com/segscope/segscope/analyze"
)

// CapturePoint is where on the path the capture was taken.
type CapturePoint uint8

const (
	PointUnknown CapturePoint = iota // the handshake does not tell (one host, or no handshake)
	PointClient                      // on curl's side: the SYN-ACK came a round trip after the SYN
	PointServer                      // on the server's side: the client's ACK came a round trip after the SYN-ACK
)

func (p CapturePoint) String() string {
	return [...]string{"unknown", "client", "server"}[min(int(p), 2)]
}

// MarshalText writes the capture point's name in JSON.
func (p CapturePoint) MarshalText() ([]byte, error) { return []byte(p.String()), nil }

// PointFact is where the capture was taken, from the handshake's timing,
// and whether the server's segments show offload (segments longer than
// the effective MSS).
//
// A capture sees the round trip on the side away from it: at the client
// the SYN-ACK follows the SYN by a round trip and the ACK follows the
// SYN-ACK at once; at the server the other way round.
type PointFact struct {
	Source Source       `json:"source"`
	Where  CapturePoint `json:"where"`
	// By says what told Where: the SYNs' TTLs, or the handshake's gaps.
	By string `json:"by,omitempty"`
	// ClientTTL and ServerTTL are the TTLs (hop limits) of the two SYNs.
	ClientTTL uint8 `json:"client_ttl,omitempty"`
	ServerTTL uint8 `json:"server_ttl,omitempty"`
	// ClientCopyTTL and ServerCopyTTL are the TTLs of the SYNs' copies
	// on another interface of the capture, when they differ: a router
	// captured on both sides (By "forwarded").
	ClientCopyTTL uint8 `json:"client_copy_ttl,omitempty"`
	ServerCopyTTL uint8 `json:"server_copy_ttl,omitempty"`
	// SynToSynAck and SynAckToAck are the handshake's two gaps.
	SynToSynAck time.Duration `json:"syn_to_synack_ns"`
	SynAckToAck time.Duration `json:"synack_to_ack_ns"`
	// Super counts the server's data segments longer than the effective
	// MSS (MSS), of Segments.
	Super    int `json:"super"`
	Segments int `json:"segments"`
	MSS      int `json:"mss"`
}

// pointRatio is how much longer one handshake gap must be than the other,
// and pointMin how long at least, to tell the side: on one host both are
// microseconds.
const (
	pointRatio = 4
	pointMin   = 200 * time.Microsecond
)

// pointOf reads the capture point of c's capture.
func pointOf(c *analyze.Connection) *PointFact {
	f := pointFacts(c)
	if c.Client.Addr() == c.Server.Addr() {
		// Both ends on one address: curl and the server shared a host,
		// and the capture was on it; loopback hands segments over whole,
		// so they are what curl's socket received.
		f.Where, f.By = PointClient, "one-host"
	}
	return f
}

// pointFacts reads what tells the capture point: the SYNs' TTLs, the
// handshake's gaps, and the server's segments longer than the MSS.
func pointFacts(c *analyze.Connection) *PointFact {
	d := c.Dir(analyze.ServerToClient)
	f := &PointFact{Source: FromCapture, Segments: int(d.DataSegments), MSS: d.EffectiveMSS().Value}
	for _, s := range c.Segments.All() {
		if s.Dir == analyze.ServerToClient && f.MSS > 0 && s.Len > f.MSS && s.Kind&(analyze.KindDuplicate|analyze.KindKeepAlive) == 0 {
			f.Super++
		}
	}
	cs, ss := c.Dir(analyze.ClientToServer).SYN, c.Dir(analyze.ServerToClient).SYN
	if cs.Seen && ss.Seen {
		f.ClientTTL, f.ServerTTL = cs.TTL, ss.TTL
		f.ClientCopyTTL, f.ServerCopyTTL = cs.CopyTTL, ss.CopyTTL
		if cs.CopyTTL != 0 && ss.CopyTTL != 0 {
			// Each SYN twice, on two interfaces, one TTL apart: a
			// router that forwarded them, captured on both sides
			// (review 31: "alike on both sides, as on one host").
			f.By = "forwarded"
			return f
		}
		// A SYN leaves its host with the initial TTL and loses one at
		// each router: the side whose SYN still has it is where the
		// capture was taken.
		switch ci, si := initialTTL(cs.TTL), initialTTL(ss.TTL); {
		case ci && !si:
			f.Where, f.By = PointClient, "ttl"
			return f
		case si && !ci:
			f.Where, f.By = PointServer, "ttl"
			return f
		}
	}
	h := c.Handshake
	if h.SYN == 0 || h.SYNACK == 0 || h.ACK == 0 {
		return f
	}
	f.SynToSynAck, f.SynAckToAck = time.Duration(h.SYNACK-h.SYN), time.Duration(h.ACK-h.SYNACK)
	switch a, b := f.SynToSynAck, f.SynAckToAck; {
	case a >= pointMin && a > pointRatio*b:
		f.Where, f.By = PointClient, "handshake"
	case b >= pointMin && b > pointRatio*a:
		f.Where, f.By = PointServer, "handshake"
	}
	return f
}

// initialTTL tells whether a TTL is one systems start with (Linux and
// macOS 64, Windows 128, some routers and Solaris 255).
func initialTTL(t uint8) bool { return t == 64 || t == 128 || t == 255 }

// awayFromCurl tells that the capture was taken where the server's
// segments had not yet passed the last queue before curl: at the server,
// or on a router that forwarded them (its incoming copies are the ones
// kept; a queue after it, a shaper, may still have held them: review 33,
// "window-full, certain, captured 35.9 ms before the read" of segments a
// tbf after the router passed one by one).
func (f *PointFact) awayFromCurl() bool {
	return f != nil && (f.Where == PointServer || f.By == "forwarded")
}

// aboveOffload tells that the server's segments show offload and the
// capture was not shown to be at the client: the segments curl's socket
// received are not known.
func (f *PointFact) aboveOffload() bool { return f != nil && f.Super > 0 && f.Where != PointClient }
