package topo

// The trace's use of the shared engines for connection tracking and
// source NAT: netcalc/conntrack's entry model (Conn, Tuple, First, printed
// as `conntrack -L` prints it) and netcalc/nat's choice of a source
// address and port (ChooseSource). The policy the iptables rule sets
// (addresses, ports, --random, --random-fully) is passed in; nothing about
// NAT behaviour is decided here.

import (
	"net/netip"

	"go4.org/netipx"

	"github.com/netcalc/netcalc/netcalc/conntrack"
	"github.com/netcalc/netcalc/netcalc/nat"
	"github.com/netcalc/netcalc/netcalc/packet"
)

// Conn is one conntrack entry a trace created on a node: the original
// tuple (the first packet as it arrived) and the reply tuple (what
// replies look like, NAT included), as `conntrack -L` lists them.
type Conn = conntrack.Conn

// ctTable is one node's conntrack table.
type ctTable struct{ conns []conntrack.Conn }

// tuple returns the conntrack tuple of p; reply says it is an echo reply.
func tuple(p IPPacket, reply bool) conntrack.Tuple {
	t := conntrack.Tuple{Proto: p.Proto, Src: p.Src, Dst: p.Dst, SrcPort: p.SrcPort, DstPort: p.DstPort}
	if p.Proto.IsICMP() {
		t.DstPort = 0
		t.Type = icmpEchoType(p.Proto, reply)
	}
	return t
}

func icmpEchoType(proto packet.Protocol, reply bool) uint8 {
	switch {
	case proto == packet.ICMP && !reply:
		return 8
	case proto == packet.ICMP:
		return 0
	case !reply:
		return 128
	}
	return 129
}

// sameFlow compares tuples as conntrack does (addresses, protocol, ports or
// echo identifier); the ICMP type is not part of the key.
func sameFlow(a, b conntrack.Tuple) bool {
	return a.Proto == b.Proto && a.Src == b.Src && a.Dst == b.Dst && a.SrcPort == b.SrcPort && a.DstPort == b.DstPort
}

// lookup finds the entry p belongs to: its index (-1: none) and direction
// (0 original, 1 reply).
func (c *ctTable) lookup(p IPPacket) (int, int) {
	t := tuple(p, false)
	for i, e := range c.conns {
		if sameFlow(e.Orig, t) {
			return i, 0
		}
		if sameFlow(e.Reply, t) {
			return i, 1
		}
	}
	return -1, -1
}

// taken reports whether a reply tuple already belongs to an entry (the
// clash source NAT avoids).
func (c *ctTable) taken(r conntrack.Tuple) bool {
	for _, e := range c.conns {
		if sameFlow(e.Reply, r) {
			return true
		}
	}
	return false
}

// add records a new entry for orig (the packet as it arrived) whose reply
// tuple is the reverse of out (the packet as it left, after NAT).
func (c *ctTable) add(orig, out IPPacket) conntrack.Conn {
	o := tuple(orig, false)
	r := tuple(IPPacket{Proto: out.Proto, Src: out.Dst, Dst: out.Src, SrcPort: out.DstPort, DstPort: out.SrcPort}, true)
	if out.Proto.IsICMP() {
		r.SrcPort, r.DstPort = out.SrcPort, 0 // the identifier (after NAT)
	}
	var f conntrack.TCPFlags
	if orig.Proto == packet.TCP {
		f = conntrack.SYN
	}
	e := conntrack.First(o, r, f, conntrack.Timeouts{})
	c.conns = append(c.conns, e)
	return e
}

// replied marks entry i as having seen a reply.
func (c *ctTable) replied(i int) { c.conns[i].Unreplied = false }

// orig returns entry i's original tuple as endpoints: what de-NAT restores
// on a reply.
func (c *ctTable) orig(i int) (src, dst netip.AddrPort) {
	o := c.conns[i].Orig
	return netip.AddrPortFrom(o.Src, o.SrcPort), netip.AddrPortFrom(o.Dst, o.DstPort)
}

// replyTuple returns entry i's reply tuple as endpoints.
func (c *ctTable) replyTuple(i int) (src, dst netip.AddrPort) {
	r := c.conns[i].Reply
	return netip.AddrPortFrom(r.Src, r.SrcPort), netip.AddrPortFrom(r.Dst, r.DstPort)
}

// snatPorts is how a SNAT or MASQUERADE rule picks the port.
type snatPorts int

const (
	portsPreserve    snatPorts = iota // keep the port unless it clashes
	portsRandom                       // --random
	portsRandomFully                  // --random-fully
)

// chooseSource is the source a new connection p gets from a SNAT or
// MASQUERADE rule on a node with table c: an address of lo..hi, a port of
// minPort..maxPort (0, 0: Linux's ranges), as nat.ChooseSource decides;
// rnd draws for the random modes.
func (c *ctTable) chooseSource(p IPPacket, masq bool, lo, hi netip.Addr, minPort, maxPort uint16, mode snatPorts, rnd func() uint32) (netip.AddrPort, error) {
	cfg := nat.Config{Kind: nat.SNAT, External: netipx.IPRangeFrom(lo, hi), PortMin: minPort, PortMax: maxPort, Ports: nat.Preserve}
	if masq {
		cfg.Kind = nat.Masquerade
	}
	switch mode {
	case portsRandom:
		cfg.Ports = nat.Random
	case portsRandomFully:
		cfg.Ports = nat.RandomFully
	}
	ap, _, err := nat.ChooseSource(cfg, tuple(p, false), c.taken, rnd)
	return ap, err
}
