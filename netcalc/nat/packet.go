package nat

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/netcalc/netcalc/netcalc/conntrack"
	"github.com/netcalc/netcalc/netcalc/packet"
)

// PacketError reports why ParsePacket rejected its input: Token is the
// offending word, Msg what was expected.
type PacketError struct {
	Input string
	Token string
	Msg   string
}

// Error returns `nat: packet "INPUT": "TOKEN": MSG`.
func (e *PacketError) Error() string { return "nat: " + e.msg() }

func (e *PacketError) msg() string { return fmt.Sprintf("packet %q: %q: %s", e.Input, e.Token, e.Msg) }

// Unwrap returns ErrPacket.
func (e *PacketError) Unwrap() error { return ErrPacket }

// ParsePacket parses a packet written as
//
//	PROTO SRC -> DST [FLAGS]
//
// where PROTO is tcp, udp, icmp or icmpv6; SRC and DST are ADDR:PORT
// ([ADDR]:PORT for IPv6) for tcp and udp and plain addresses for ICMP;
// FLAGS are TCP flags (syn, ack, fin, rst, or a list such as syn,ack) for
// tcp, and for ICMP "id=N" (the echo identifier, default 0) and "request"
// or "reply" (default: request for outbound, reply for inbound, the
// common case of a ping from inside). ">" works as the arrow too.
func ParsePacket(s string, dir Direction) (Tuple, TCPFlags, error) {
	var t Tuple
	f := strings.Fields(s)
	bad := func(tok, msg string) (Tuple, TCPFlags, error) {
		return Tuple{}, 0, &PacketError{Input: s, Token: tok, Msg: msg}
	}
	if len(f) < 4 {
		return bad(s, "want PROTO SRC -> DST [FLAGS]")
	}
	p, err := packet.ParseProtocol(f[0])
	if err != nil || (p != packet.TCP && p != packet.UDP && !p.IsICMP()) {
		return bad(f[0], "want a protocol: tcp, udp, icmp or icmpv6")
	}
	t.Proto = p
	if f[2] != "->" && f[2] != ">" {
		return bad(f[2], "want -> between source and destination")
	}
	parseEnd := func(tok string) (netip.Addr, uint16, bool) {
		if p.IsICMP() {
			a, err := netip.ParseAddr(tok)
			return a, 0, err == nil && a.Zone() == ""
		}
		ap, err := netip.ParseAddrPort(tok)
		return ap.Addr(), ap.Port(), err == nil && ap.Addr().Zone() == ""
	}
	want := "want ADDR:PORT ([ADDR]:PORT for IPv6)"
	if p.IsICMP() {
		want = "want an IP address (ICMP has no ports; give id=N)"
	}
	var ok bool
	if t.Src, t.SrcPort, ok = parseEnd(f[1]); !ok {
		return bad(f[1], want)
	}
	if t.Dst, t.DstPort, ok = parseEnd(f[3]); !ok {
		return bad(f[3], want)
	}
	if t.Src.Is4() != t.Dst.Is4() {
		return bad(f[3], "want the same address family as the source "+t.Src.String())
	}
	if p == packet.ICMP && !t.Src.Is4() {
		return bad(f[0], "icmp is IPv4; use icmpv6 for IPv6 addresses")
	}
	if p == packet.ICMPv6 && t.Src.Is4() {
		return bad(f[0], "icmpv6 is IPv6; use icmp for IPv4 addresses")
	}
	var flags TCPFlags
	reply := dir == Inbound
	for _, tok := range f[4:] {
		switch {
		case p == packet.TCP:
			fl, err := ParseTCPFlags(tok)
			if err != nil {
				return bad(tok, "want TCP flags: syn, ack, fin, rst or a list such as syn,ack")
			}
			flags |= fl
		case tok == "request":
			reply = false
		case tok == "reply":
			reply = true
		case p.IsICMP() && strings.HasPrefix(tok, "id="):
			n, err := strconv.ParseUint(tok[3:], 10, 16)
			if err != nil {
				return bad(tok, "want id=N with N 0-65535")
			}
			t.SrcPort = uint16(n)
		case p.IsICMP():
			return bad(tok, "want id=N, request or reply")
		default:
			return bad(tok, "udp takes nothing after the destination")
		}
	}
	if p.IsICMP() {
		t.Type = 8
		if p == packet.ICMPv6 {
			t.Type = 128
		}
		if reply {
			t.Type = conntrack.ReplyType(p, t.Type)
		}
	}
	return t, flags, nil
}

// FormatPacket writes a packet the way ParsePacket reads it, without
// flags: "tcp 10.0.0.5:40000 -> 198.51.100.7:443", "icmp 10.0.0.5 ->
// 198.51.100.1 id=7 request".
func FormatPacket(t Tuple) string {
	if t.Proto.IsICMP() {
		kind := "request"
		if t.Type == 0 || t.Type == 129 {
			kind = "reply"
		}
		return fmt.Sprintf("%v %v -> %v id=%d %s", t.Proto, t.Src, t.Dst, t.SrcPort, kind)
	}
	return fmt.Sprintf("%v %v -> %v", t.Proto, t.SrcAddrPort(), t.DstAddrPort())
}
