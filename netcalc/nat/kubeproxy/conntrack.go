package kubeproxy

import (
	"net/netip"

	"github.com/netcalc/netcalc/netcalc/conntrack"
	"github.com/netcalc/netcalc/netcalc/nat"
)

// conntrackUnknown is the reason given when the node has no address of the
// packet's family to masquerade to.
const conntrackUnknown = "the node has no address of this family in the scenario; shown as the unspecified address"

// newConntrack returns the conntrack entry the first packet of p creates
// (conntrack.First, Linux's default timeouts: a TCP SYN leaves the entry
// in SYN_SENT for 120 s, a first UDP packet makes an [UNREPLIED] entry
// for 30 s, an SCTP INIT waits 3 s in COOKIE_WAIT): the original tuple
// as the client sent it and the reply tuple the endpoint's answers must
// match. DNAT is recorded as the reply source (the endpoint), masquerade
// as the reply destination (snat).
func newConntrack(p Packet, ep, snat netip.AddrPort) *nat.Conn {
	proto := map[Protocol]conntrack.Proto{TCP: conntrack.TCP, UDP: conntrack.UDP, SCTP: conntrack.SCTP}[p.Proto]
	orig := conntrack.Tuple{Proto: proto, Src: p.Src.Addr(), Dst: p.Dst.Addr(), SrcPort: p.Src.Port(), DstPort: p.Dst.Port()}
	reply := orig.Reverse().WithSrc(ep.Addr(), ep.Port())
	if snat.Port() != 0 || snat.Addr().IsValid() {
		reply.Dst, reply.DstPort = snat.Addr(), snat.Port()
	}
	c := conntrack.First(orig, reply, 0, conntrack.Timeouts{})
	return &c
}
