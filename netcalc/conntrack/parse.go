package conntrack

import (
	"net/netip"
	"strconv"
	"strings"

	"github.com/netcalc/netcalc/netcalc/packet"
)

// ParseConn parses one `conntrack -L` line as Conn.String prints it. It
// also accepts lines from other conntrack-tools versions: the
// "packets=" and "bytes=" counters (ignored), "[OFFLOAD]"/"[HW_OFFLOAD]"
// flags (ignored), "zone=" and "secctx=" (ignored) and missing "mark=" or
// "use=" fields. Errors are *SyntaxError naming the offending token.
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
	tuples := []*Tuple{&c.Orig, &c.Reply}
	ti := -1 // index of the tuple being filled
	for _, tok := range f {
		if strings.HasPrefix(tok, "[") {
			switch tok {
			case "[UNREPLIED]":
				c.Unreplied = true
			case "[ASSURED]":
				c.Assured = true
			case "[OFFLOAD]", "[HW_OFFLOAD]", "[SEEN_REPLY]":
			default:
				return c, &SyntaxError{Token: tok, Msg: "want [UNREPLIED] or [ASSURED]"}
			}
			continue
		}
		key, val, ok := strings.Cut(tok, "=")
		if !ok {
			return c, &SyntaxError{Token: tok, Msg: "want KEY=VALUE"}
		}
		switch key {
		case "src":
			ti++
			if ti > 1 {
				return c, &SyntaxError{Token: tok, Msg: "a third tuple: want only original and reply"}
			}
			a, err := netip.ParseAddr(val)
			if err != nil || a.Zone() != "" {
				return c, &SyntaxError{Token: tok, Msg: "want an IP address"}
			}
			tuples[ti].Proto = p
			tuples[ti].Src = a
			continue
		case "packets", "bytes", "zone", "secctx", "delta-time", "id":
			if key != "id" || !p.IsICMP() {
				continue
			}
		case "mark":
			v, err := strconv.ParseUint(val, 0, 32)
			if err != nil {
				return c, &SyntaxError{Token: tok, Msg: "want a 32-bit mark"}
			}
			c.Mark = uint32(v)
			continue
		case "use":
			v, err := strconv.ParseUint(val, 10, 32)
			if err != nil {
				return c, &SyntaxError{Token: tok, Msg: "want a reference count"}
			}
			c.Use = uint32(v)
			continue
		}
		if ti < 0 {
			return c, &SyntaxError{Token: tok, Msg: "want src= first"}
		}
		tp := tuples[ti]
		switch key {
		case "dst":
			a, err := netip.ParseAddr(val)
			if err != nil || a.Zone() != "" || a.Is4() != tp.Src.Is4() {
				return c, &SyntaxError{Token: tok, Msg: "want an IP address of the same family as src"}
			}
			tp.Dst = a
		case "sport", "dport", "id":
			if (key == "id") != p.IsICMP() {
				return c, &SyntaxError{Token: tok, Msg: "want sport/dport, or id for ICMP"}
			}
			v, err := strconv.ParseUint(val, 10, 16)
			if err != nil {
				return c, &SyntaxError{Token: tok, Msg: "want a number 0-65535"}
			}
			if key == "dport" {
				tp.DstPort = uint16(v)
			} else {
				tp.SrcPort = uint16(v)
			}
		case "type", "code":
			v, err := strconv.ParseUint(val, 10, 8)
			if err != nil || !p.IsICMP() {
				return c, &SyntaxError{Token: tok, Msg: "want an ICMP type or code 0-255 (ICMP only)"}
			}
			if key == "type" {
				tp.Type = uint8(v)
			} else {
				tp.Code = uint8(v)
			}
		default:
			return c, &SyntaxError{Token: tok, Msg: "unknown field"}
		}
	}
	if ti != 1 || !c.Orig.Dst.IsValid() || !c.Reply.Dst.IsValid() {
		return c, &SyntaxError{Token: line, Msg: "want an original and a reply tuple, each with src= and dst="}
	}
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
