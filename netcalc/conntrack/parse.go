package conntrack

import (
	"strconv"
	"strings"

	"github.com/netcalc/netcalc/netcalc/packet"
)

// ParseConn parses one `conntrack -L` line as Conn.String prints it, for
// the protocols conntrack simulates. Past the protocol, timeout and TCP
// state it reads the fields as ParseListed does (one parser), so it also
// accepts lines from other conntrack-tools versions: counters, zones,
// labels, the security context, flags such as [OFFLOAD] and missing
// "mark=" or "use=" fields, which Conn does not keep. Errors are
// *SyntaxError naming the offending token.
func ParseConn(line string) (Conn, error) {
	var c Conn
	f := strings.Fields(line)
	if len(f) < 3 {
		return c, &SyntaxError{Token: line, Msg: "want PROTO NUMBER TIMEOUT fields"}
	}
	p, err := packet.ParseProtocol(f[0])
	if err != nil || !Simulated(p) {
		return c, &SyntaxError{Token: f[0], Msg: "want a protocol name (tcp, udp, icmp, icmpv6, sctp)"}
	}
	if n, err := strconv.ParseUint(f[1], 10, 8); err != nil || packet.Protocol(n) != p {
		return c, &SyntaxError{Token: f[1], Msg: "want protocol number " + strconv.Itoa(int(p)) + " for " + p.String()}
	}
	t, err := strconv.ParseUint(f[2], 10, 32)
	if err != nil {
		return c, &SyntaxError{Token: f[2], Msg: "want the seconds until expiry"}
	}
	c.Timeout = uint32(t)
	f = f[3:]
	if p == packet.TCP {
		if len(f) == 0 {
			return c, &SyntaxError{Token: line, Msg: "want a TCP state after the timeout"}
		}
		if err := c.State.UnmarshalText([]byte(f[0])); err != nil {
			return c, &SyntaxError{Token: f[0], Msg: "want a TCP state such as ESTABLISHED"}
		}
		f = f[1:]
	}
	e := Listed{Proto: p.String(), ProtoNum: uint8(p)}
	if se := e.parseFields(f, line); se != nil {
		return c, se
	}
	c.Orig, c.Reply = e.Orig, e.Reply
	c.Unreplied, c.Assured = e.Unreplied, e.Assured
	c.Mark, c.Use = e.Mark, e.Use
	if c.Use == 1 {
		c.Use = 0 // String prints 0 as 1; keep the round trip exact
	}
	return c, nil
}

// Simulated reports whether conntrack simulates p's state machine and
// Conn holds its tuples: TCP, UDP, ICMP, ICMPv6 and SCTP (to its first
// packet). ParseConn reads only these; ParseList reads any protocol.
func Simulated(p packet.Protocol) bool {
	switch p {
	case packet.TCP, packet.UDP, packet.ICMP, packet.ICMPv6, packet.SCTP:
		return true
	}
	return false
}
