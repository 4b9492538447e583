package conntrack

import (
	"net/netip"
	"strconv"

	"github.com/netcalc/netcalc/netcalc/packet"
)

//go:generate go run golang.org/x/tools/cmd/stringer@v0.51.0 -type=TCPState -linecomment

// TCPState is a conntrack TCP state (nf_conntrack_proto_tcp.c). The zero
// TCPState is None, used for protocols without states.
type TCPState uint8

// The TCP states, in the kernel's order.
const (
	None        TCPState = iota // NONE
	SynSent                     // SYN_SENT
	SynRecv                     // SYN_RECV
	Established                 // ESTABLISHED
	FinWait                     // FIN_WAIT
	CloseWait                   // CLOSE_WAIT
	LastAck                     // LAST_ACK
	TimeWait                    // TIME_WAIT
	Close                       // CLOSE
	SynSent2                    // SYN_SENT2
)

// MarshalText returns the state as conntrack prints it, e.g. "ESTABLISHED".
func (s TCPState) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText parses a state name as conntrack prints it.
func (s *TCPState) UnmarshalText(b []byte) error {
	for v := None; v <= SynSent2; v++ {
		if v.String() == string(b) {
			*s = v
			return nil
		}
	}
	return &SyntaxError{Token: string(b), Msg: "want a conntrack TCP state such as ESTABLISHED"}
}

// Tuple is one direction of a tracked connection: what a packet in that
// direction looks like. For ICMP and ICMPv6, SrcPort holds the echo
// identifier (the "id=" field), DstPort is zero, and Type and Code hold
// the ICMP type and code; for other protocols Type and Code are zero. The
// zero Tuple is not valid.
type Tuple struct {
	Proto   packet.Protocol `json:"proto"`
	Src     netip.Addr      `json:"src"`
	Dst     netip.Addr      `json:"dst"`
	SrcPort uint16          `json:"sport"`
	DstPort uint16          `json:"dport"`
	Type    uint8           `json:"type,omitempty"`
	Code    uint8           `json:"code,omitempty"`
}

// Reverse returns the tuple a reply to t would carry if nothing rewrote
// it: addresses and ports swapped. For ICMP echo the identifier stays and
// an echo request type becomes the matching echo reply (8 → 0 for ICMP,
// 128 → 129 for ICMPv6) and back.
func (t Tuple) Reverse() Tuple {
	r := Tuple{Proto: t.Proto, Src: t.Dst, Dst: t.Src, Type: t.Type, Code: t.Code}
	if t.Proto.IsICMP() {
		r.SrcPort = t.SrcPort
		r.Type = ReplyType(t.Proto, t.Type)
		return r
	}
	r.SrcPort, r.DstPort = t.DstPort, t.SrcPort
	return r
}

// ReplyType returns the ICMP type answering typ: an echo request (8 for
// ICMP, 128 for ICMPv6) becomes the echo reply (0, 129) and back; other
// types are returned unchanged.
func ReplyType(p packet.Protocol, typ uint8) uint8 {
	switch {
	case p == packet.ICMP && typ == 8:
		return 0
	case p == packet.ICMP && typ == 0:
		return 8
	case p == packet.ICMPv6 && typ == 128:
		return 129
	case p == packet.ICMPv6 && typ == 129:
		return 128
	}
	return typ
}

// DstID returns the port naming t's destination: DstPort, or the echo
// identifier (SrcPort) for ICMP, whose tuples have no destination port.
func (t Tuple) DstID() uint16 {
	if t.Proto.IsICMP() {
		return t.SrcPort
	}
	return t.DstPort
}

// WithSrc returns t with its source address and port rewritten, as
// source NAT rewrites a packet.
func (t Tuple) WithSrc(a netip.Addr, port uint16) Tuple {
	t.Src, t.SrcPort = a, port
	return t
}

// WithDst returns t with its destination rewritten, as destination NAT
// rewrites a packet; for ICMP the port is the echo identifier.
func (t Tuple) WithDst(a netip.Addr, port uint16) Tuple {
	t.Dst = a
	if t.Proto.IsICMP() {
		t.SrcPort = port
	} else {
		t.DstPort = port
	}
	return t
}

// SrcAddrPort returns the source address and port (the echo identifier
// for ICMP).
func (t Tuple) SrcAddrPort() netip.AddrPort { return netip.AddrPortFrom(t.Src, t.SrcPort) }

// DstAddrPort returns the destination address and port (zero for ICMP).
func (t Tuple) DstAddrPort() netip.AddrPort { return netip.AddrPortFrom(t.Dst, t.DstPort) }

// String returns the tuple's fields as conntrack prints them, without the
// protocol: "src=A dst=B sport=P dport=Q", or for ICMP
// "src=A dst=B type=T code=C id=I".
func (t Tuple) String() string {
	return string(t.appendTo(make([]byte, 0, 80)))
}

func (t Tuple) appendTo(b []byte) []byte {
	b = append(b, "src="...)
	b = t.Src.AppendTo(b)
	b = append(b, " dst="...)
	b = t.Dst.AppendTo(b)
	if t.Proto.IsICMP() {
		b = append(b, " type="...)
		b = strconv.AppendUint(b, uint64(t.Type), 10)
		b = append(b, " code="...)
		b = strconv.AppendUint(b, uint64(t.Code), 10)
		b = append(b, " id="...)
		return strconv.AppendUint(b, uint64(t.SrcPort), 10)
	}
	b = append(b, " sport="...)
	b = strconv.AppendUint(b, uint64(t.SrcPort), 10)
	b = append(b, " dport="...)
	return strconv.AppendUint(b, uint64(t.DstPort), 10)
}

// Conn is one conntrack entry as `conntrack -L` lists it: the original
// tuple (the first packet as it arrived), the reply tuple (what replies
// must look like; NAT is recorded by altering it), the TCP state, the
// seconds until the entry expires and its flags. The zero Conn is not a
// valid entry.
type Conn struct {
	Orig  Tuple `json:"orig"`
	Reply Tuple `json:"reply"`
	// State is the TCP state; None for other protocols.
	State TCPState `json:"state,omitempty"`
	// Timeout is the number of seconds until the entry expires, the third
	// column of `conntrack -L`.
	Timeout uint32 `json:"timeout"`
	// Unreplied reports that no packet has been seen in the reply
	// direction ("[UNREPLIED]").
	Unreplied bool `json:"unreplied,omitempty"`
	// Assured reports that the connection has seen traffic both ways and
	// will not be early-dropped ("[ASSURED]").
	Assured bool `json:"assured,omitempty"`
	// Mark is the connection mark (ctmark); default 0.
	Mark uint32 `json:"mark"`
	// Use is the reference count conntrack prints last; 0 prints as 1,
	// the value a listed entry always has.
	Use uint32 `json:"use"`
}

// String returns the entry as one `conntrack -L` line (conntrack-tools
// 1.4, default output, no accounting), for example
//
//	tcp      6 431999 ESTABLISHED src=10.0.13.67 dst=10.0.13.109 sport=63473 dport=22 src=10.0.13.109 dst=10.0.13.67 sport=22 dport=63473 [ASSURED] mark=0 use=1
//
// The protocol name is left-aligned in 8 columns, the TCP state appears
// only for TCP, "[UNREPLIED]" sits between the two tuples and "[ASSURED]"
// after the reply tuple.
func (c Conn) String() string {
	return string(c.AppendTo(make([]byte, 0, 200)))
}

// AppendTo appends the line String returns to b, without a newline.
func (c Conn) AppendTo(b []byte) []byte {
	name := c.Orig.Proto.String()
	b = append(b, name...)
	for i := len(name); i < 8; i++ {
		b = append(b, ' ')
	}
	b = append(b, ' ')
	b = strconv.AppendUint(b, uint64(c.Orig.Proto), 10)
	b = append(b, ' ')
	b = strconv.AppendUint(b, uint64(c.Timeout), 10)
	b = append(b, ' ')
	if c.Orig.Proto == packet.TCP {
		b = append(b, c.State.String()...)
		b = append(b, ' ')
	}
	b = c.Orig.appendTo(b)
	b = append(b, ' ')
	if c.Unreplied {
		b = append(b, "[UNREPLIED] "...)
	}
	b = c.Reply.appendTo(b)
	b = append(b, ' ')
	if c.Assured {
		b = append(b, "[ASSURED] "...)
	}
	b = append(b, "mark="...)
	b = strconv.AppendUint(b, uint64(c.Mark), 10)
	b = append(b, " use="...)
	use := c.Use
	if use == 0 {
		use = 1
	}
	return strconv.AppendUint(b, uint64(use), 10)
}

// Packet returns t as the flow tuple netcalc's simulators share: the
// addresses with their ports (for ICMP the echo identifier as the source
// port and 0 as the destination port, as Tuple holds them). The ICMP type
// and code are not kept.
func (t Tuple) Packet() packet.Tuple {
	return packet.Tuple{Protocol: t.Proto, Src: t.SrcAddrPort(), Dst: t.DstAddrPort()}
}
