package kubeproxy

import (
	"fmt"
	"net/netip"
	"strings"
)

// Conntrack is the connection-tracking entry the first packet creates, as
// `conntrack -L` prints it: the original tuple as the client sent it and
// the reply tuple the endpoint's answers must match (its source is the
// endpoint after DNAT; its destination the masquerade address after SNAT).
type Conntrack struct {
	Proto Protocol `json:"protocol"`
	// Timeout is the seconds left: 120 for a TCP SYN (SYN_SENT), 30 for a
	// first UDP packet, 3 for an SCTP INIT (COOKIE_WAIT), kernel defaults.
	Timeout   int            `json:"timeout"`
	State     string         `json:"state,omitempty"`
	OrigSrc   netip.AddrPort `json:"origSrc"`
	OrigDst   netip.AddrPort `json:"origDst"`
	ReplySrc  netip.AddrPort `json:"replySrc"`
	ReplyDst  netip.AddrPort `json:"replyDst"`
	Unreplied bool           `json:"unreplied"`
}

func newConntrack(p Packet, ep, snat netip.AddrPort) *Conntrack {
	c := &Conntrack{Proto: p.Proto, OrigSrc: p.Src, OrigDst: p.Dst, ReplySrc: ep, ReplyDst: p.Src, Unreplied: true}
	if snat.IsValid() {
		c.ReplyDst = snat
	} else if snat.Port() != 0 { // masqueraded to an unknown node address
		c.ReplyDst = netip.AddrPortFrom(netip.Addr{}, snat.Port())
	}
	switch p.Proto {
	case UDP:
		c.Timeout = 30
	case SCTP:
		c.Timeout, c.State = 3, "COOKIE_WAIT"
	default:
		c.Timeout, c.State = 120, "SYN_SENT"
	}
	return c
}

// String returns the entry in `conntrack -L` format, e.g.
// "tcp      6 120 SYN_SENT src=10.0.0.2 dst=172.30.0.41 sport=40000 dport=80 [UNREPLIED] src=10.180.0.1 dst=10.0.0.2 sport=80 dport=40000 mark=0 use=1".
// An unknown masquerade address prints as "NODE-IP".
func (c *Conntrack) String() string {
	num := map[Protocol]int{TCP: 6, UDP: 17, SCTP: 132}[c.Proto]
	var b strings.Builder
	fmt.Fprintf(&b, "%-8s %d %d ", c.Proto.lower(), num, c.Timeout)
	if c.State != "" {
		b.WriteString(c.State + " ")
	}
	tuple := func(s, d netip.AddrPort) {
		fmt.Fprintf(&b, "src=%s dst=%s sport=%d dport=%d ", addrText(s.Addr()), addrText(d.Addr()), s.Port(), d.Port())
	}
	tuple(c.OrigSrc, c.OrigDst)
	if c.Unreplied {
		b.WriteString("[UNREPLIED] ")
	}
	tuple(c.ReplySrc, c.ReplyDst)
	b.WriteString("mark=0 use=1")
	return b.String()
}

func addrText(a netip.Addr) string {
	if !a.IsValid() {
		return "NODE-IP"
	}
	return a.String()
}
