package packet

import (
	"fmt"
	"strconv"
	"strings"
)

// Protocol is an IP protocol number (IANA "Assigned Internet Protocol
// Numbers"). Its text form is the lower-case name iptables, nft and
// conntrack print ("tcp", "icmpv6"); the zero Protocol is not a protocol
// netcalc simulates.
type Protocol uint8

// The protocols netcalc's simulators and matches know.
const (
	ICMP    Protocol = 1   // RFC 792; the echo identifier plays the port's role
	TCP     Protocol = 6   // RFC 9293
	UDP     Protocol = 17  // RFC 768
	DCCP    Protocol = 33  // RFC 4340
	ICMPv6  Protocol = 58  // RFC 4443; the echo identifier plays the port's role
	SCTP    Protocol = 132 // RFC 9260
	UDPLite Protocol = 136 // RFC 3828
)

// protocolNames are the names of the protocols that have one, by number
// (an array the compiler lays out, nothing built at start-up).
var protocolNames = [256]string{
	ICMP: "icmp", TCP: "tcp", UDP: "udp", DCCP: "dccp", ICMPv6: "icmpv6", SCTP: "sctp", UDPLite: "udplite",
}

// String returns the protocol's lower-case name ("tcp"), or "unknown" for
// a number without one, which is what conntrack prints for protocols it
// has no tracker for.
func (p Protocol) String() string {
	if s := protocolNames[p]; s != "" {
		return s
	}
	return "unknown"
}

// IsICMP reports whether p is ICMP or ICMPv6, whose tuples carry an echo
// identifier, type and code instead of ports.
func (p Protocol) IsICMP() bool { return p == ICMP || p == ICMPv6 }

// HasPorts reports whether p's header carries source and destination
// ports (TCP, UDP, UDP-Lite, SCTP, DCCP).
func (p Protocol) HasPorts() bool {
	switch p {
	case TCP, UDP, UDPLite, SCTP, DCCP:
		return true
	}
	return false
}

// ParseProtocol parses a protocol name in any case ("tcp", "TCP",
// "ipv6-icmp" for ICMPv6, as /etc/protocols spells it) or its decimal
// number (1-255).
func ParseProtocol(s string) (Protocol, error) {
	switch l := strings.ToLower(s); l {
	case "ipv6-icmp":
		return ICMPv6, nil
	default:
		for p, name := range protocolNames {
			if name != "" && name == l {
				return Protocol(p), nil
			}
		}
	}
	if n, err := strconv.ParseUint(s, 10, 8); err == nil && n > 0 {
		return Protocol(n), nil
	}
	return 0, &ProtocolError{Text: s}
}

// ProtocolError reports text that is not a protocol.
type ProtocolError struct{ Text string }

func (e *ProtocolError) Error() string {
	return fmt.Sprintf("%q is not a protocol: want tcp, udp, icmp, icmpv6, sctp, dccp, udplite or a number 1-255", e.Text)
}

// MarshalText returns the protocol's name ("tcp"); a number without a name
// is written as its decimal number, so that UnmarshalText reads it back.
func (p Protocol) MarshalText() ([]byte, error) {
	if s := protocolNames[p]; s != "" {
		return []byte(s), nil
	}
	return strconv.AppendUint(nil, uint64(p), 10), nil
}

// UnmarshalText reads what ParseProtocol reads.
func (p *Protocol) UnmarshalText(b []byte) error {
	v, err := ParseProtocol(string(b))
	if err != nil {
		return err
	}
	*p = v
	return nil
}
