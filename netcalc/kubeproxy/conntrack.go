package kubeproxy

import (
	"math/rand/v2"
	"net/netip"

	"go4.org/netipx"

	"github.com/netcalc/netcalc/netcalc/conntrack"
	"github.com/netcalc/netcalc/netcalc/nat"
	"github.com/netcalc/netcalc/netcalc/packet"
)

// newConntrack returns the conntrack entry the first packet of p creates
// (conntrack.First, Linux's default timeouts: a TCP SYN leaves the entry
// in SYN_SENT for 120 s, a first UDP packet makes an [UNREPLIED] entry
// for 30 s, an SCTP INIT waits 3 s in COOKIE_WAIT): the original tuple
// as the client sent it and the reply tuple the endpoint's answers must
// match. DNAT is recorded as the reply source (the endpoint), masquerade
// as the reply destination (snat).
func newConntrack(p packet.Tuple, ep, snat netip.AddrPort) *nat.Conn {
	orig := conntrack.Tuple{Proto: p.Protocol, Src: p.Src.Addr(), Dst: p.Dst.Addr(), SrcPort: p.Src.Port(), DstPort: p.Dst.Port()}
	reply := orig.Reverse().WithSrc(ep.Addr(), ep.Port())
	if snat.Port() != 0 || snat.Addr().IsValid() {
		reply.Dst, reply.DstPort = snat.Addr(), snat.Port()
	}
	c := conntrack.First(orig, reply, 0, conntrack.Timeouts{})
	return &c
}

// masquerade returns the source MASQUERADE writes on the first packet of
// p toward the endpoint ep, chosen by netcalc/nat's source-NAT choice
// (nat.ChooseSource, get_unique_tuple) rather than by hand: addr is the
// outgoing interface's primary address (the node address, or the pod
// bridge toward a local pod). Without --random-fully the source port is
// preserved (no other connection holds it in a one-connection trace);
// with it the search starts at rng's draw from 0-64511, so the port is
// 1024 + that draw, as kube-proxy's --random-fully rules give. When addr
// is invalid (the node has no address of the family) the port is chosen
// on the unspecified address and the returned address is invalid.
func masquerade(addr netip.Addr, p packet.Tuple, ep netip.AddrPort, randomFully bool, rng *rand.Rand) netip.AddrPort {
	cfg := nat.Config{Kind: nat.Masquerade, Ports: nat.Preserve}
	if randomFully {
		cfg.Ports = nat.RandomFully
	}
	ext := addr
	if !ext.IsValid() {
		ext = netip.IPv4Unspecified()
		if p.Src.Addr().Is6() {
			ext = netip.IPv6Unspecified()
		}
	}
	cfg.External = netipx.IPRangeFrom(ext, ext)
	orig := conntrack.Tuple{Proto: p.Protocol, Src: p.Src.Addr(), Dst: ep.Addr(), SrcPort: p.Src.Port(), DstPort: ep.Port()}
	draw := func() uint32 { return uint32(rng.IntN(65536 - 1024)) }
	src, _, err := nat.ChooseSource(cfg, orig, nil, draw)
	if err != nil { // no connection holds a port: cannot be exhausted
		return netip.AddrPortFrom(addr, p.Src.Port())
	}
	return netip.AddrPortFrom(addr, src.Port())
}
