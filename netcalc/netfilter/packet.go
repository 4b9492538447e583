package netfilter

import (
	"net/netip"
	"strconv"
	"strings"

	"github.com/netcalc/netcalc/netcalc/packet"
)

// protoNames are the -p names iptables accepts (it also accepts any
// /etc/protocols name, which this package does not read): the names of
// packet.Protocol and a few more, spelled as iptables spells them.
var protoNames = [...]struct {
	name  string
	proto packet.Protocol
}{
	{"icmp", packet.ICMP}, {"tcp", packet.TCP}, {"udp", packet.UDP}, {"dccp", packet.DCCP},
	{"icmpv6", packet.ICMPv6}, {"ipv6-icmp", packet.ICMPv6}, {"sctp", packet.SCTP}, {"udplite", packet.UDPLite},
	{"esp", 50}, {"ah", 51}, {"gre", 47}, {"mh", 135}, {"ipv6-mh", 135},
}

// parseProtocol returns the protocol of an iptables -p value: a name from
// the list above (any case) or a decimal number 0-255; "all" is 0, which
// matches every protocol.
func parseProtocol(s string) (packet.Protocol, bool) {
	ls := strings.ToLower(s)
	if ls == "all" {
		return 0, true
	}
	for _, pn := range protoNames {
		if pn.name == ls {
			return pn.proto, true
		}
	}
	n, err := strconv.ParseUint(s, 10, 8)
	return packet.Protocol(n), err == nil
}

// CTState is a set of conntrack states as the conntrack match's --ctstate
// names them. The zero CTState is the empty set, which no --ctstate
// matches; a first packet is CTNew.
type CTState uint8

// The conntrack states. CTSNAT and CTDNAT are the virtual states of a
// connection whose reply tuple differs from the original in the source
// (SNAT) or destination (DNAT).
const (
	CTInvalid CTState = 1 << iota
	CTNew
	CTEstablished
	CTRelated
	CTUntracked
	CTSNAT
	CTDNAT
)

// ctNames are the states in the order iptables-save prints them.
var ctNames = []struct {
	s    CTState
	name string
}{
	{CTInvalid, "INVALID"}, {CTNew, "NEW"}, {CTRelated, "RELATED"}, {CTEstablished, "ESTABLISHED"},
	{CTUntracked, "UNTRACKED"}, {CTSNAT, "SNAT"}, {CTDNAT, "DNAT"},
}

// ParseCTState parses a comma-separated --ctstate list ("RELATED,ESTABLISHED").
func ParseCTState(s string) (CTState, bool) {
	var st CTState
	for _, n := range strings.Split(s, ",") {
		found := false
		for _, c := range ctNames {
			if strings.EqualFold(n, c.name) {
				st |= c.s
				found = true
			}
		}
		if !found {
			return 0, false
		}
	}
	return st, true
}

// String returns the states as a --ctstate list in the order iptables-save
// prints them (INVALID, NEW, RELATED, ESTABLISHED, UNTRACKED, SNAT, DNAT),
// "" for the empty set.
func (s CTState) String() string {
	var parts []string
	for _, c := range ctNames {
		if s&c.s != 0 {
			parts = append(parts, c.name)
		}
	}
	return strings.Join(parts, ",")
}

// AddrType is the kernel's type of an address on this host, as the addrtype
// match names it (the route type of the address: LOCAL for an address of the
// host, UNICAST for one routed elsewhere, ...).
type AddrType string

// Address types of the addrtype match.
const (
	AddrUnspec      AddrType = "UNSPEC"
	AddrUnicast     AddrType = "UNICAST"
	AddrLocal       AddrType = "LOCAL"
	AddrBroadcast   AddrType = "BROADCAST"
	AddrAnycast     AddrType = "ANYCAST"
	AddrMulticast   AddrType = "MULTICAST"
	AddrBlackhole   AddrType = "BLACKHOLE"
	AddrUnreachable AddrType = "UNREACHABLE"
	AddrProhibit    AddrType = "PROHIBIT"
	AddrThrow       AddrType = "THROW"
	AddrNAT         AddrType = "NAT"
	AddrXResolve    AddrType = "XRESOLVE"
)

// Packet is what the walker's matches look at. Its zero value is not a
// useful packet: set at least Src, Dst and Proto.
type Packet struct {
	Src, Dst netip.Addr
	// Proto is the IP protocol (packet.TCP, ...).
	Proto packet.Protocol
	// SrcPort and DstPort are the ports of TCP, UDP, UDP-Lite, SCTP and
	// DCCP packets.
	SrcPort, DstPort uint16
	// In and Out are the input and output interfaces; "" where the hook
	// has none (no In at OUTPUT and POSTROUTING, no Out at PREROUTING and
	// INPUT).
	In, Out string
	// Mark is the packet mark (skb->mark).
	Mark uint32
	// State is the packet's conntrack state set (CTNew for a first
	// packet, with CTDNAT once a DNAT rule has rewritten it).
	State CTState
	// Fragment reports whether the packet is a non-first fragment (-f).
	Fragment bool
}
