package kubeproxy

import (
	"net/netip"

	"github.com/netcalc/netcalc/netcalc/nat"
)

// Timeouts of a connection's first packet, kernel defaults
// (nf_conntrack-sysctl): a TCP SYN leaves the entry in SYN_SENT for 120 s,
// a first UDP packet makes an [UNREPLIED] entry for 30 s, an SCTP INIT
// waits 3 s (COOKIE_WAIT).
const (
	timeoutSynSent   = 120
	timeoutUDP       = 30
	timeoutSCTPWait  = 3
	conntrackUnknown = "the node has no address of this family in the scenario; shown as the unspecified address"
)

// newConntrack returns the conntrack entry the first packet of p creates:
// the original tuple as the client sent it and the reply tuple the
// endpoint's answers must match. DNAT is recorded as the reply source (the
// endpoint), masquerade as the reply destination (snat), in netcalc/nat's
// Conn type so that it prints exactly as `conntrack -L`.
func newConntrack(p Packet, ep, snat netip.AddrPort) *nat.Conn {
	proto := map[Protocol]nat.Proto{TCP: nat.TCP, UDP: nat.UDP, SCTP: nat.SCTP}[p.Proto]
	c := &nat.Conn{
		Orig:      nat.Tuple{Proto: proto, Src: p.Src.Addr(), Dst: p.Dst.Addr(), SrcPort: p.Src.Port(), DstPort: p.Dst.Port()},
		Reply:     nat.Tuple{Proto: proto, Src: ep.Addr(), Dst: p.Src.Addr(), SrcPort: ep.Port(), DstPort: p.Src.Port()},
		Unreplied: true,
		Use:       1, // a listed entry holds one reference, as conntrack -L prints it
	}
	if snat.Port() != 0 || snat.Addr().IsValid() {
		c.Reply.Dst, c.Reply.DstPort = snat.Addr(), snat.Port()
	}
	switch p.Proto {
	case UDP:
		c.Timeout = timeoutUDP
	case SCTP:
		c.Timeout = timeoutSCTPWait
	default:
		c.Timeout, c.State = timeoutSynSent, nat.SynSent
	}
	return c
}
