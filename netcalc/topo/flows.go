package topo

import (
	"net/netip"
	"strconv"
	"strings"

	"github.com/netcalc/netcalc/netcalc/packet"
)

// FlowSyntax is the grammar of one line of a flows file.
const FlowSyntax = "NODE ADDR[:PORT] [icmp|tcp|udp] [SPORT]"

// DefaultSrcPort is the source port (the echo identifier for ICMP) of a
// flow that names none.
const DefaultSrcPort = 40000

// FlowError is a flow that cannot be read or traced: the part at fault,
// the text given for it and what was expected.
type FlowError struct {
	// Field is the part at fault: "from", "to", "proto", "sport", "src",
	// "reply", or "line" for a flows file line with the wrong number of
	// fields.
	Field string
	// Token is the text given for Field ("" when it is missing; the whole
	// line for Field "line").
	Token string
	// Missing reports that Field was not given at all.
	Missing bool
	// Want says what was expected, in the user's words ("want icmp, tcp
	// or udp").
	Want string
}

// Error returns `topo: FIELD "TOKEN": WANT`.
func (e *FlowError) Error() string {
	return "topo: " + e.Field + " " + quote(e.Token) + ": " + e.Want
}

// Wants of FlowError that callers may print their own way.
const (
	// WantNode is FlowError.Want for a node that is not in the topology.
	WantNode = "no such node in the topology"
	// WantPort is FlowError.Want for a source port out of range.
	WantPort = "want a port 0-65535"
)

// flowProtocols are the protocols a flow may name.
var flowProtocols = [...]packet.Protocol{packet.ICMP, packet.TCP, packet.UDP}

// ParseFlowProtocol reads a flow's protocol: icmp, tcp or udp in any case
// (an ICMP flow is ICMPv6 when its destination is IPv6).
func ParseFlowProtocol(s string) (packet.Protocol, error) {
	l := strings.ToLower(s)
	for _, p := range flowProtocols {
		if p.String() == l {
			return p, nil
		}
	}
	return 0, &FlowError{Field: "proto", Token: s, Want: "want icmp, tcp or udp"}
}

// ParseFlow reads a flow as a person gives it: the node that sends, the
// destination ADDR[:PORT] ([ADDR]:PORT for IPv6; a port for tcp and udp,
// none for icmp), the protocol (ParseFlowProtocol) and the source port
// (the echo identifier for icmp). It checks them in that order but the
// protocol and the port before the destination, and returns a *FlowError
// naming the first at fault.
func ParseFlow(t *Topology, from, to, proto string, sport int) (Flow, error) {
	if from == "" {
		return Flow{}, &FlowError{Field: "from", Missing: true, Want: "want a node"}
	}
	if t != nil && t.Node(from) == nil {
		return Flow{}, &FlowError{Field: "from", Token: from, Want: WantNode}
	}
	if to == "" {
		return Flow{}, &FlowError{Field: "to", Missing: true, Want: "want ADDR[:PORT]"}
	}
	p, err := ParseFlowProtocol(proto)
	if err != nil {
		return Flow{}, err
	}
	if sport < 0 || sport > 65535 {
		return Flow{}, &FlowError{Field: "sport", Token: strconv.Itoa(sport), Want: WantPort}
	}
	f := Flow{From: from, Proto: p, SrcPort: uint16(sport)}
	if f.Dst, f.DstPort, err = parseFlowDst(to, p); err != nil {
		return Flow{}, err
	}
	return f, nil
}

// parseFlowDst reads a flow's ADDR[:PORT] for protocol p.
func parseFlowDst(to string, p packet.Protocol) (netip.Addr, uint16, error) {
	bad := func(want string) (netip.Addr, uint16, error) {
		return netip.Addr{}, 0, &FlowError{Field: "to", Token: to, Want: want}
	}
	var dst netip.Addr
	var port uint16
	if ap, err := netip.ParseAddrPort(to); err == nil {
		dst, port = ap.Addr().Unmap(), ap.Port()
	} else if a, err := netip.ParseAddr(to); err == nil {
		dst = a.Unmap()
	} else {
		return bad("want an address such as 203.0.113.20 or 203.0.113.20:80 ([2001:db8::1]:80)")
	}
	switch {
	case dst.Zone() != "":
		return bad("want an address without a zone")
	case p == packet.ICMP && port != 0:
		return bad("icmp has no ports: give the address alone")
	case p != packet.ICMP && port == 0:
		return bad(p.String() + " needs a port: ADDR:PORT")
	}
	return dst, port, nil
}

// ParseFlowLine reads one flow, FROM TO[:PORT] [PROTO] [SPORT]: the node
// that sends, the destination (with a port for tcp and udp, [ADDR]:PORT
// for IPv6), icmp (default), tcp or udp, and the source port (default
// 40000). A '#' starts a comment; a line with nothing else gives ok false.
// A bad line is a *FlowError whose Token is the offending token.
func ParseFlowLine(t *Topology, line string) (f Flow, ok bool, err error) {
	if j := strings.IndexByte(line, '#'); j >= 0 {
		line = line[:j]
	}
	fs := strings.Fields(line)
	if len(fs) == 0 {
		return Flow{}, false, nil
	}
	if len(fs) < 2 || len(fs) > 4 {
		return Flow{}, true, &FlowError{Field: "line", Token: strings.TrimSpace(line), Want: "want " + FlowSyntax}
	}
	proto := "icmp"
	if len(fs) >= 3 {
		proto = fs[2]
	}
	if f, err = ParseFlow(t, fs[0], fs[1], proto, DefaultSrcPort); err != nil {
		return Flow{}, true, err
	}
	if len(fs) == 4 {
		n, perr := strconv.Atoi(fs[3])
		if perr != nil || n < 0 || n > 65535 {
			return Flow{}, true, &FlowError{Field: "sport", Token: fs[3], Want: "want a source port 0-65535"}
		}
		f.SrcPort = uint16(n)
	}
	return f, true, nil
}

// AppendText appends the flow as a flows file line gives it: FROM
// TO[:PORT] PROTO SPORT.
func (f Flow) AppendText(dst []byte) []byte {
	dst = append(dst, f.From...)
	dst = append(dst, ' ')
	if f.DstPort != 0 {
		dst = netip.AddrPortFrom(f.Dst, f.DstPort).AppendTo(dst)
	} else {
		dst = f.Dst.AppendTo(dst)
	}
	dst = append(dst, ' ')
	dst = append(dst, f.protocol().String()...)
	dst = append(dst, ' ')
	return strconv.AppendUint(dst, uint64(f.SrcPort), 10)
}

// String returns the flow as a flows file line gives it (AppendText).
func (f Flow) String() string { return string(f.AppendText(nil)) }

// protocol is the flow's protocol, ICMP for the zero Protocol.
func (f Flow) protocol() packet.Protocol {
	if f.Proto == 0 {
		return packet.ICMP
	}
	return f.Proto
}
