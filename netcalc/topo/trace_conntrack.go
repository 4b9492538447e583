package topo

// The one place the trace touches netcalc/nat: its conntrack entry type
// (nat.Conn, printed as `conntrack -L` prints it) and tuple. When conntrack
// moves to netcalc/conntrack, only this file changes.

import (
	"net/netip"

	"github.com/netcalc/netcalc/netcalc/nat"
)

// Conn is one conntrack entry a trace created on a node: the original
// tuple (the first packet as it arrived) and the reply tuple (what
// replies look like, NAT included), as `conntrack -L` lists them.
type Conn = nat.Conn

// ctTable is one node's conntrack table.
type ctTable struct{ conns []nat.Conn }

// tuple returns the conntrack tuple of p; reply says it is an echo reply.
func tuple(p Packet, reply bool) nat.Tuple {
	t := nat.Tuple{Proto: nat.Proto(p.Proto), Src: p.Src, Dst: p.Dst, SrcPort: p.SrcPort, DstPort: p.DstPort}
	if p.Proto == protoICMP || p.Proto == protoICMPv6 {
		t.DstPort = 0
		t.Type = icmpEchoType(p.Proto, reply)
	}
	return t
}

func icmpEchoType(proto uint8, reply bool) uint8 {
	switch {
	case proto == protoICMP && !reply:
		return 8
	case proto == protoICMP:
		return 0
	case !reply:
		return 128
	}
	return 129
}

// sameFlow compares tuples as conntrack does (addresses, protocol, ports or
// echo identifier); the ICMP type is not part of the key.
func sameFlow(a, b nat.Tuple) bool {
	return a.Proto == b.Proto && a.Src == b.Src && a.Dst == b.Dst && a.SrcPort == b.SrcPort && a.DstPort == b.DstPort
}

// lookup finds the entry p belongs to: dir 0 original, 1 reply, -1 none.
func (c *ctTable) lookup(p Packet) (int, int) {
	t := tuple(p, false)
	for i, e := range c.conns {
		if sameFlow(e.Orig, t) {
			return i, 0
		}
		r := e.Reply
		if p.Proto == protoICMP || p.Proto == protoICMPv6 {
			// An echo reply carries the request's identifier.
			r.SrcPort, r.DstPort = e.Reply.SrcPort, 0
		}
		if sameFlow(r, t) {
			return i, 1
		}
	}
	return -1, -1
}

// add records a new entry for orig (the packet as it arrived) whose reply
// tuple is the reverse of out (the packet as it left, after NAT).
func (c *ctTable) add(orig, out Packet) nat.Conn {
	o := tuple(orig, false)
	r := tuple(Packet{Proto: out.Proto, Src: out.Dst, Dst: out.Src, SrcPort: out.DstPort, DstPort: out.SrcPort}, true)
	if out.Proto == protoICMP || out.Proto == protoICMPv6 {
		r.SrcPort = out.SrcPort // the identifier (after NAT)
	}
	e := nat.Conn{Orig: o, Reply: r, Unreplied: true, Timeout: timeout(orig.Proto)}
	if orig.Proto == protoTCP {
		e.State = nat.SynSent
	}
	c.conns = append(c.conns, e)
	return e
}

// replied marks entry i as having seen a reply.
func (c *ctTable) replied(i int) {
	c.conns[i].Unreplied = false
	if c.conns[i].Orig.Proto == nat.TCP {
		c.conns[i].State = nat.SynRecv
	}
}

// origDst and origSrc are what de-NAT restores on a reply: the original
// destination (as the reply's source) and the original source (as its
// destination).
func (c *ctTable) orig(i int) (src, dst netip.AddrPort) {
	o := c.conns[i].Orig
	return netip.AddrPortFrom(o.Src, o.SrcPort), netip.AddrPortFrom(o.Dst, o.DstPort)
}

// replyTuple returns entry i's reply tuple as endpoints.
func (c *ctTable) replyTuple(i int) (src, dst netip.AddrPort) {
	r := c.conns[i].Reply
	return netip.AddrPortFrom(r.Src, r.SrcPort), netip.AddrPortFrom(r.Dst, r.DstPort)
}

func timeout(proto uint8) uint32 {
	t := nat.LinuxTimeouts()
	switch proto {
	case protoTCP:
		return uint32(t.TCPSynSent.Seconds())
	case protoUDP:
		return uint32(t.UDP.Seconds())
	}
	return uint32(t.ICMP.Seconds())
}
