package topo

import (
	"net/netip"
	"strconv"
	"strings"
)

// FlowSyntax is the grammar of one line of a flows file.
const FlowSyntax = "NODE ADDR[:PORT] [icmp|tcp|udp] [SPORT]"

// DefaultSrcPort is the source port (the echo identifier for ICMP) of a
// flow that names none.
const DefaultSrcPort = 40000

// FlowLineError is a line of a flows file that is not a flow: the token
// at fault and what was wanted.
type FlowLineError struct {
	Token string // the offending token, or the whole line for a wrong count
	Msg   string // what was expected, in the user's words
}

func (e *FlowLineError) Error() string { return strconv.Quote(e.Token) + ": " + e.Msg }

// ParseFlowLine reads one flow, FROM TO[:PORT] [PROTO] [SPORT]: the node
// that sends, the destination (with a port for tcp and udp, [ADDR]:PORT
// for IPv6), icmp (default), tcp or udp, and the source port (default
// 40000). A '#' starts a comment; a line with nothing else gives ok false.
func ParseFlowLine(t *Topology, line string) (f Flow, ok bool, err *FlowLineError) {
	if j := strings.IndexByte(line, '#'); j >= 0 {
		line = line[:j]
	}
	fs := strings.Fields(line)
	if len(fs) == 0 {
		return Flow{}, false, nil
	}
	bad := func(tok, msg string) (Flow, bool, *FlowLineError) {
		return Flow{}, true, &FlowLineError{Token: tok, Msg: msg}
	}
	if len(fs) < 2 || len(fs) > 4 {
		return bad(strings.TrimSpace(line), "want "+FlowSyntax)
	}
	f = Flow{From: fs[0], Proto: "icmp", SrcPort: DefaultSrcPort}
	if t != nil && t.Node(fs[0]) == nil {
		return bad(fs[0], "no such node in the topology")
	}
	if len(fs) >= 3 {
		f.Proto = strings.ToLower(fs[2])
		if f.Proto != "icmp" && f.Proto != "tcp" && f.Proto != "udp" {
			return bad(fs[2], "want icmp, tcp or udp")
		}
	}
	if ap, perr := netip.ParseAddrPort(fs[1]); perr == nil {
		f.Dst, f.DstPort = ap.Addr().Unmap(), ap.Port()
	} else if a, perr := netip.ParseAddr(fs[1]); perr == nil {
		f.Dst = a.Unmap()
	} else {
		return bad(fs[1], "want an address such as 203.0.113.20 or 203.0.113.20:80 ([2001:db8::1]:80)")
	}
	if f.Dst.Zone() != "" {
		return bad(fs[1], "want an address without a zone")
	}
	if f.Proto == "icmp" && f.DstPort != 0 {
		return bad(fs[1], "icmp has no ports: give the address alone")
	}
	if f.Proto != "icmp" && f.DstPort == 0 {
		return bad(fs[1], f.Proto+" needs a port: ADDR:PORT")
	}
	if len(fs) == 4 {
		n, perr := strconv.Atoi(fs[3])
		if perr != nil || n < 0 || n > 65535 {
			return bad(fs[3], "want a source port 0-65535")
		}
		f.SrcPort = uint16(n)
	}
	return f, true, nil
}
