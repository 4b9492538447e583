package conntrack

import (
	"fmt"
	"strings"
	"time"

	"github.com/netcalc/netcalc/netcalc/packet"
)

// TCPFlags are the TCP flags of a simulated packet that drive the TCP
// state machine. The zero TCPFlags means "whatever the connection expects
// next": SYN for a new connection, SYN+ACK for the first reply, ACK
// afterwards.
type TCPFlags uint8

// The TCP flags netcalc tracks.
const (
	SYN TCPFlags = 1 << iota
	ACK
	FIN
	RST
)

// String returns the flags as a comma-separated list ("syn,ack"), or ""
// for none.
func (f TCPFlags) String() string {
	var s []string
	for i, n := range []string{"syn", "ack", "fin", "rst"} {
		if f&(1<<i) != 0 {
			s = append(s, n)
		}
	}
	return strings.Join(s, ",")
}

// ParseTCPFlags parses a comma- or plus-separated list of syn, ack, fin,
// rst (any case; "synack" is syn,ack). An unknown flag is an error
// wrapping ErrFlags.
func ParseTCPFlags(s string) (TCPFlags, error) {
	var f TCPFlags
	for _, part := range strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return r == ',' || r == '+' || r == '|' }) {
		switch part {
		case "syn":
			f |= SYN
		case "ack":
			f |= ACK
		case "fin":
			f |= FIN
		case "rst":
			f |= RST
		case "synack", "syn-ack":
			f |= SYN | ACK
		default:
			return 0, fmt.Errorf("%w %q, want syn, ack, fin or rst", ErrFlags, part)
		}
	}
	return f, nil
}

// MarshalText returns the flags as String does.
func (f TCPFlags) MarshalText() ([]byte, error) { return []byte(f.String()), nil }

// Timeouts are conntrack timeouts per protocol and TCP state. A zero field
// takes Linux's default (Documentation/networking/nf_conntrack-sysctl.rst),
// given in each field's comment.
type Timeouts struct {
	TCPSynSent     time.Duration `json:"tcp-syn-sent,omitempty"`     // 120 s
	TCPSynRecv     time.Duration `json:"tcp-syn-recv,omitempty"`     // 60 s
	TCPEstablished time.Duration `json:"tcp-established,omitempty"`  // 432000 s (5 days)
	TCPFinWait     time.Duration `json:"tcp-fin-wait,omitempty"`     // 120 s
	TCPCloseWait   time.Duration `json:"tcp-close-wait,omitempty"`   // 60 s
	TCPLastAck     time.Duration `json:"tcp-last-ack,omitempty"`     // 30 s
	TCPTimeWait    time.Duration `json:"tcp-time-wait,omitempty"`    // 120 s
	TCPClose       time.Duration `json:"tcp-close,omitempty"`        // 10 s
	UDP            time.Duration `json:"udp,omitempty"`              // 30 s, unreplied or younger than 2 s
	UDPStream      time.Duration `json:"udp-stream,omitempty"`       // 120 s, replied and older than 2 s (ASSURED)
	ICMP           time.Duration `json:"icmp,omitempty"`             // 30 s, ICMP and ICMPv6
	SCTPCookieWait time.Duration `json:"sctp-cookie-wait,omitempty"` // 3 s, after an SCTP INIT
}

// LinuxTimeouts returns Linux's default conntrack timeouts.
func LinuxTimeouts() Timeouts {
	return Timeouts{
		TCPSynSent:     120 * time.Second,
		TCPSynRecv:     60 * time.Second,
		TCPEstablished: 432000 * time.Second,
		TCPFinWait:     120 * time.Second,
		TCPCloseWait:   60 * time.Second,
		TCPLastAck:     30 * time.Second,
		TCPTimeWait:    120 * time.Second,
		TCPClose:       10 * time.Second,
		UDP:            30 * time.Second,
		UDPStream:      120 * time.Second,
		ICMP:           30 * time.Second,
		SCTPCookieWait: 3 * time.Second,
	}
}

// TCP returns the timeout of a TCP state.
func (t *Timeouts) TCP(s TCPState) time.Duration {
	switch s {
	case SynSent:
		return t.TCPSynSent
	case SynRecv:
		return t.TCPSynRecv
	case Established:
		return t.TCPEstablished
	case FinWait:
		return t.TCPFinWait
	case CloseWait:
		return t.TCPCloseWait
	case LastAck:
		return t.TCPLastAck
	case TimeWait:
		return t.TCPTimeWait
	}
	return t.TCPClose
}

// WithDefaults returns t with its zero fields taken from LinuxTimeouts.
func (t Timeouts) WithDefaults() Timeouts {
	d := LinuxTimeouts()
	fill := func(v *time.Duration, def time.Duration) {
		if *v == 0 {
			*v = def
		}
	}
	fill(&t.TCPSynSent, d.TCPSynSent)
	fill(&t.TCPSynRecv, d.TCPSynRecv)
	fill(&t.TCPEstablished, d.TCPEstablished)
	fill(&t.TCPFinWait, d.TCPFinWait)
	fill(&t.TCPCloseWait, d.TCPCloseWait)
	fill(&t.TCPLastAck, d.TCPLastAck)
	fill(&t.TCPTimeWait, d.TCPTimeWait)
	fill(&t.TCPClose, d.TCPClose)
	fill(&t.UDP, d.UDP)
	fill(&t.UDPStream, d.UDPStream)
	fill(&t.ICMP, d.ICMP)
	fill(&t.SCTPCookieWait, d.SCTPCookieWait)
	return t
}

// Status is the set of an entry's status bits, as the kernel's
// nf_conn.status (IPS_SEEN_REPLY, IPS_ASSURED). Bits from StatusOwner up
// are left to the table's owner (netcalc/nat marks the connections an
// inbound packet created with one).
type Status uint8

// The status bits conntrack itself sets.
const (
	// SeenReply: a packet was seen in the reply direction; without it
	// `conntrack -L` prints [UNREPLIED].
	SeenReply Status = 1 << iota
	// Assured: traffic was seen both ways long enough that the entry is
	// not early-dropped; `conntrack -L` prints [ASSURED].
	Assured
	_
	_
	// StatusOwner is the first bit the table's owner may use.
	StatusOwner
)

// Track runs conntrack's per-protocol state machine for one packet of a
// connection of protocol p: isNew for the packet that creates the entry,
// reply for a packet in the reply direction, f its TCP flags (zero: what
// the connection expects next), age the time since the entry was created.
// It returns the new TCP state and status and how long the entry now
// lives, from to (which must have every field set, see WithDefaults).
func Track(p packet.Protocol, s TCPState, st Status, f TCPFlags, reply, isNew bool, age time.Duration, to *Timeouts) (TCPState, Status, time.Duration) {
	if reply {
		st |= SeenReply
	}
	switch p {
	case packet.TCP:
		if f == 0 {
			switch {
			case isNew:
				f = SYN
			case reply && s == SynSent:
				f = SYN | ACK
			default:
				f = ACK
			}
		}
		switch {
		case f&RST != 0:
			s = Close
		case isNew && f&SYN != 0:
			s = SynSent
		case isNew:
			s = Established // picked up mid-stream (nf_conntrack_tcp_loose)
		case f&SYN != 0 && f&ACK != 0 && reply && s == SynSent:
			s = SynRecv
		case f&FIN != 0:
			switch s {
			case Established, SynRecv:
				s = FinWait
			case FinWait, CloseWait:
				s = LastAck
			}
		case f&ACK != 0:
			switch s {
			case SynRecv:
				if !reply {
					s = Established
				}
			case FinWait:
				s = CloseWait
			case LastAck:
				s = TimeWait
			}
		}
		if s == Established && st&SeenReply != 0 {
			st |= Assured
		}
		return s, st, to.TCP(s)
	case packet.UDP:
		if st&SeenReply != 0 && age > 2*time.Second {
			return s, st | Assured, to.UDPStream
		}
		return s, st, to.UDP
	case packet.SCTP:
		// SCTP is tracked to its first packet only (COOKIE_WAIT).
		return s, st, to.SCTPCookieWait
	}
	return s, st, to.ICMP
}

// First returns the entry the first packet of a connection creates, as
// `conntrack -L` lists it right after: orig is the packet as it arrived,
// reply what the answers must look like (the NAT decision is recorded
// there), the state and timeout those of a new entry under to (zero
// fields: Linux's defaults) and the entry [UNREPLIED], holding one
// reference.
func First(orig, reply Tuple, f TCPFlags, to Timeouts) Conn {
	to = to.WithDefaults()
	s, st, d := Track(orig.Proto, None, 0, f, false, true, 0, &to)
	c := Conn{Orig: orig, Reply: reply, Timeout: uint32(d / time.Second), Unreplied: st&SeenReply == 0, Use: 1}
	if orig.Proto == packet.TCP {
		c.State = s
	}
	return c
}
