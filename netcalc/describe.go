package netcalc

import (
	"net/netip"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Info describes an address within its network: everything `netcalc cidr`
// prints. Counts are exact. Fields that do not apply hold zero values:
// Broadcast for IPv6, /31 and /32; Class for IPv6; IPv4Mapped and Embedded
// unless the address carries an IPv4 address.
type Info struct {
	// Address is the address as given, zone included; its host bits are
	// kept (192.168.1.10 in 192.168.1.10/24).
	Address netip.Addr
	// Bits is the prefix length.
	Bits int
	// Mask says how the prefix length was written (for DescribeSpec).
	Mask MaskForm
	// Netmask and Wildcard are the mask and its inverse (host mask), in
	// the address's family.
	Netmask, Wildcard netip.Addr
	// Network is the prefix with the host bits cleared.
	Network netip.Prefix
	// Broadcast is the IPv4 broadcast address, invalid where there is none.
	Broadcast netip.Addr
	// FirstHost and LastHost bound the usable hosts (see UsableHosts).
	FirstHost, LastHost netip.Addr
	// First and Last bound the whole block.
	First, Last netip.Addr
	// Addresses is the block size; UsableHosts how many can be hosts.
	Addresses, UsableHosts Count
	// Class is the legacy classful class of an IPv4 address ("A" to "E"),
	// informational only; "" for IPv6.
	Class string
	// Registry lists the special-purpose entries containing the address,
	// most specific first.
	Registry []Entry
	// AddressSpace is the IANA IPv6 Address Space row of an IPv6 address
	// (2000::/3 Global Unicast, fec0::/10 Reserved by IETF, ...); the zero
	// Entry for IPv4.
	AddressSpace Entry
	// GloballyReachable follows the most specific registry entry (see
	// ClassifyAddr).
	GloballyReachable bool
	// DecidedBy names the registry entry that decided GloballyReachable.
	DecidedBy Decision
	// PTR is the reverse-DNS name of the address (in-addr.arpa. or
	// ip6.arpa.).
	PTR string
	// Exploded is the address with every IPv6 group written in full; for
	// IPv4 the dotted quad.
	Exploded string
	// IPv4Mapped is the IPv4 address inside an IPv4-mapped IPv6 address
	// (::ffff:a.b.c.d), else invalid.
	IPv4Mapped netip.Addr
	// Embedded describes an IPv4 address carried inside an IPv6 address
	// (IPv4-mapped, NAT64 64:ff9b::/96, 6to4 2002::/16), or is nil.
	Embedded *Embedded
	// HostRule names the rule behind FirstHost, LastHost and UsableHosts,
	// with its RFC where one applies.
	HostRule string
}

// Embedded is an IPv4 address found inside an IPv6 address, with its own
// classification: "is this public?" checks must look at it too.
type Embedded struct {
	Kind              string     `json:"kind"` // "ipv4-mapped", "nat64" or "6to4"
	Address           netip.Addr `json:"address"`
	Registry          []Entry    `json:"registry"`
	GloballyReachable bool       `json:"globally_reachable"`
	DecidedBy         Decision   `json:"decided_by"`
}

// Describe returns the facts of p, an address with its prefix length; the
// host bits of p are kept as the Address. An invalid p gives the zero Info.
func Describe(p netip.Prefix) Info {
	var in Info
	describe(&in, p)
	return in
}

// describe fills in, which is zero, with Describe(p). Info is large: it is
// built in place rather than copied between helpers.
func describe(in *Info, p netip.Prefix) {
	if !p.IsValid() {
		return
	}
	a := p.Addr()
	bits := p.Bits()
	bitLen := a.BitLen()
	h := bitLen - bits
	in.Address, in.Bits, in.Mask = a, bits, MaskLength
	// The block's bounds, masks and hosts come from integer arithmetic on
	// the address: the general helpers (netipx.RangeOfPrefix, HostRange,
	// Broadcast) each redo the masking, a fifth of a line's cost.
	if a.Is4() {
		b := a.As4()
		u := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
		m := ^uint32(0)
		if h == 32 {
			m = 0
		} else {
			m <<= h
		}
		lo, hi := u&m, u|^m
		in.First, in.Last = addr4(lo), addr4(hi)
		in.Netmask, in.Wildcard = addr4(m), addr4(^m)
		if h >= 2 {
			in.Broadcast = in.Last
			in.FirstHost, in.LastHost = addr4(lo+1), addr4(hi-1)
		} else {
			in.FirstHost, in.LastHost = in.First, in.Last
		}
		in.Class = class(a)
	} else {
		b := a.As16()
		uh, ul := beUint64(b[:8]), beUint64(b[8:])
		mh, ml := mask128(bits)
		loH, loL := uh&mh, ul&ml
		hiH, hiL := uh|^mh, ul|^ml
		in.First, in.Last = addr16(loH, loL), addr16(hiH, hiL)
		in.Netmask, in.Wildcard = addr16(mh, ml), addr16(^mh, ^ml)
		in.FirstHost, in.LastHost = in.First, in.Last
		if h >= 2 {
			in.FirstHost = addr16(loH, loL+1) // the low bit is a host bit: no carry
		}
		in.Embedded = embedded(a)
		if a.Is4In6() {
			in.IPv4Mapped = a.Unmap()
		}
	}
	in.Network = netip.PrefixFrom(in.First, bits)
	in.Addresses = PowerOfTwo(h)
	in.UsableHosts = UsableHosts(p)
	in.HostRule = hostRule(a.Is4(), h)
	classify(a, &in.Registry, &in.AddressSpace, &in.GloballyReachable, &in.DecidedBy)
	// PTR and Exploded share one allocation.
	if a.Is4() {
		var buf [29 + 15]byte
		t := appendPTR(buf[:0], a)
		n := len(t)
		s := string(appendAddrText(t, a))
		in.PTR, in.Exploded = s[:n], s[n:]
		return
	}
	// IPv6: 32 reversed nibbles and "ip6.arpa.", then eight groups of
	// four hex digits, written by index into a fixed array.
	const hex = "0123456789abcdef"
	var buf [73 + 39]byte
	x := a.As16()
	for i := 0; i < 16; i++ {
		o := 4 * (15 - i)
		buf[o], buf[o+1], buf[o+2], buf[o+3] = hex[x[i]&0xf], '.', hex[x[i]>>4], '.'
	}
	copy(buf[64:], "ip6.arpa.")
	for i := 0; i < 8; i++ {
		o := 73 + 5*i
		if i > 0 {
			buf[o-1] = ':'
		}
		buf[o], buf[o+1], buf[o+2], buf[o+3] = hex[x[2*i]>>4], hex[x[2*i]&0xf], hex[x[2*i+1]>>4], hex[x[2*i+1]&0xf]
	}
	s := string(buf[:])
	in.PTR, in.Exploded = s[:73], s[73:]
}

func addr4(u uint32) netip.Addr {
	return netip.AddrFrom4([4]byte{byte(u >> 24), byte(u >> 16), byte(u >> 8), byte(u)})
}

func addr16(hi, lo uint64) netip.Addr {
	var b [16]byte
	putBeUint64(b[:8], hi)
	putBeUint64(b[8:], lo)
	return netip.AddrFrom16(b)
}

func beUint64(b []byte) uint64 {
	_ = b[7]
	return uint64(b[0])<<56 | uint64(b[1])<<48 | uint64(b[2])<<40 | uint64(b[3])<<32 |
		uint64(b[4])<<24 | uint64(b[5])<<16 | uint64(b[6])<<8 | uint64(b[7])
}

func putBeUint64(b []byte, v uint64) {
	_ = b[7]
	b[0], b[1], b[2], b[3] = byte(v>>56), byte(v>>48), byte(v>>40), byte(v>>32)
	b[4], b[5], b[6], b[7] = byte(v>>24), byte(v>>16), byte(v>>8), byte(v)
}

// mask128 returns the high and low halves of the 128-bit netmask of
// length bits (0-128).
func mask128(bits int) (hi, lo uint64) {
	switch {
	case bits <= 0:
		return 0, 0
	case bits < 64:
		return ^uint64(0) << (64 - bits), 0
	case bits < 128:
		return ^uint64(0), ^uint64(0) << (128 - bits)
	}
	return ^uint64(0), ^uint64(0)
}

// DescribeSpec is Describe for a parsed Spec, keeping its zone and mask form.
func DescribeSpec(s Spec) Info {
	var in Info
	describe(&in, s.Prefix)
	if !s.Prefix.IsValid() {
		in.Address = s.Addr()
		in.Mask = s.Mask
		return in
	}
	in.Address = s.Addr()
	in.Mask = s.Mask
	return in
}

// The host rules Info.HostRule names.
const (
	rule31   = "RFC 3021 point-to-point /31: no network or broadcast address, both addresses are hosts"
	rule32   = "/32 host route: one address, no broadcast"
	ruleV4   = "first address is the network, last is the broadcast: 2^h - 2 hosts"
	rule127  = "RFC 6164 point-to-point /127: both addresses are hosts"
	rule128  = "/128: one address"
	ruleV6   = "RFC 4291 Section 2.6.1: the first address is the Subnet-Router anycast, not a host; IPv6 has no broadcast: 2^h - 1 hosts"
	reachF   = "Globally Reachable = False, the most specific entry with a value"
	reachT   = "Globally Reachable = True, the most specific entry with a value"
	reachNA  = "Globally Reachable = N/A, so not called globally reachable"
	noEntry4 = "in no entry, so global unicast"
	global6  = "global unicast, in no special-purpose entry"
	outside6 = "outside 2000::/3, so not global unicast and not globally reachable"
)

// hostRule explains the usable-host rule for h host bits.
func hostRule(v4 bool, h int) string {
	switch {
	case v4 && h == 1:
		return rule31
	case v4 && h == 0:
		return rule32
	case v4:
		return ruleV4
	case h == 1:
		return rule127
	case h == 0:
		return rule128
	default:
		return ruleV6
	}
}

// appendFixedStr is appendStr for a field that usually holds one of the
// fixed texts above, none of which needs escaping: those are copied as
// they are (a third of a line's escaping work otherwise).
func appendFixedStr(b []byte, key, s string) []byte {
	switch s {
	case rule31, rule32, ruleV4, rule127, rule128, ruleV6, reachF, reachT, reachNA, noEntry4, global6, outside6:
		b = append(b, key...)
		b = append(b, '"')
		b = append(b, s...)
		return append(b, '"')
	}
	return appendStr(b, key, s)
}

// MaskString formats a netmask or wildcard mask. IPv6 masks are always in
// hexadecimal groups: the wildcard of a /80 is ::ffff:ffff:ffff, which
// net/netip would print as the IPv4-mapped ::ffff:255.255.255.255.
func MaskString(m netip.Addr) string { return string(appendMask(nil, m)) }

func appendMask(dst []byte, m netip.Addr) []byte {
	if !m.Is4In6() {
		return appendAddrText(dst, m)
	}
	b := m.As16()
	dst = append(dst, "::ffff:"...)
	dst = strconv.AppendUint(dst, uint64(b[12])<<8|uint64(b[13]), 16)
	dst = append(dst, ':')
	return strconv.AppendUint(dst, uint64(b[14])<<8|uint64(b[15]), 16)
}

// class returns the legacy class of an IPv4 address.
func class(a netip.Addr) string {
	switch o := a.As4()[0]; {
	case o < 128:
		return "A"
	case o < 192:
		return "B"
	case o < 224:
		return "C"
	case o < 240:
		return "D"
	}
	return "E"
}

// PTR returns the reverse-DNS name of a: the octets reversed under
// in-addr.arpa. for IPv4, the 32 nibbles reversed under ip6.arpa. for IPv6
// (IPv4-mapped addresses included). The zone is ignored.
func PTR(a netip.Addr) string {
	if !a.IsValid() {
		return ""
	}
	var buf [73]byte
	return string(appendPTR(buf[:0], a))
}

// appendPTR appends PTR(a) for a valid a.
func appendPTR(buf []byte, a netip.Addr) []byte {
	if a.Is4() {
		b := a.As4()
		for i := 3; i >= 0; i-- {
			buf = strconv.AppendUint(buf, uint64(b[i]), 10)
			buf = append(buf, '.')
		}
		return append(buf, "in-addr.arpa."...)
	}
	const hex = "0123456789abcdef"
	b := a.As16()
	for i := 15; i >= 0; i-- {
		buf = append(buf, hex[b[i]&0xf], '.', hex[b[i]>>4], '.')
	}
	return append(buf, "ip6.arpa."...)
}

// The NAT64 well-known prefix and 6to4's, from their bytes (parsing them
// at start-up cost more).
var (
	nat64Prefix = netip.PrefixFrom(netip.AddrFrom16([16]byte{0x00, 0x64, 0xff, 0x9b}), 96) // 64:ff9b::/96
	sixToFour   = netip.PrefixFrom(netip.AddrFrom16([16]byte{0x20, 0x02}), 16)             // 2002::/16
)

// embedded finds an IPv4 address carried in an IPv6 address.
func embedded(a netip.Addr) *Embedded {
	b := a.As16()
	if b[0] != 0 && b[0] != 0x20 {
		return nil // neither ::ffff:0:0/96, 64:ff9b::/96 nor 2002::/16
	}
	a = a.WithZone("")
	var kind string
	var v4 netip.Addr
	switch {
	case a.Is4In6():
		kind, v4 = "ipv4-mapped", a.Unmap()
	case nat64Prefix.Contains(a):
		kind, v4 = "nat64", netip.AddrFrom4([4]byte(b[12:16]))
	case sixToFour.Contains(a):
		kind, v4 = "6to4", netip.AddrFrom4([4]byte(b[2:6]))
	default:
		return nil
	}
	em := &Embedded{Kind: kind, Address: v4}
	c := ClassifyAddr(v4)
	em.Registry, em.GloballyReachable, em.DecidedBy = c.Entries, c.GloballyReachable, c.DecidedBy
	return em
}

// Binary renders a's bits grouped by octet (IPv4, separated by '.') or by
// 16-bit group (IPv6, separated by ':'), with " | " between the first split
// bits and the rest. split outside 1..BitLen-1 draws no bar.
func Binary(a netip.Addr, split int) string {
	b := a.AsSlice()
	group, sep := 8, byte('.')
	if len(b) == 16 {
		group, sep = 16, ':'
	}
	var sb strings.Builder
	sb.Grow(len(b)*9 + 3)
	for i := 0; i < len(b)*8; i++ {
		switch {
		case i == split && i > 0:
			sb.WriteString(" | ")
		case i > 0 && i%group == 0:
			sb.WriteByte(sep)
		}
		if b[i/8]&(0x80>>(i%8)) != 0 {
			sb.WriteByte('1')
		} else {
			sb.WriteByte('0')
		}
	}
	return sb.String()
}

// HostIndex returns the position of the address inside its network
// (0 for the network address itself), as a Count.
func (in Info) HostIndex() Count {
	return RangeCount(in.First, in.Address.WithZone("")).Sub(CountFromUint64(1))
}

// AppendJSON appends the JSON object's members (without braces) in the
// `netcalc cidr -o json` contract: version, address, prefix_length,
// netmask, wildcard, network, cidr, broadcast, first_host, last_host,
// addresses, usable_hosts, class, registry, globally_reachable, ptr,
// exploded, ipv4_mapped, then the additions mask_form, host_rule,
// embedded_ipv4, address_space and decided_by.
func (in Info) AppendJSON(b []byte) []byte {
	v := 6
	if in.Address.Is4() {
		v = 4
	}
	b = append(b, `"version":`...)
	b = strconv.AppendInt(b, int64(v), 10)
	b = appendAddr(b, ",\"address\":", in.Address)
	b = append(b, `,"prefix_length":`...)
	b = strconv.AppendInt(b, int64(in.Bits), 10)
	b = append(b, `,"netmask":"`...)
	b = appendMask(b, in.Netmask)
	b = append(b, `","wildcard":"`...)
	b = appendMask(b, in.Wildcard)
	b = append(b, '"')
	b = appendAddr(b, ",\"network\":", in.Network.Addr())
	b = appendPrefixStr(b, `,"cidr":`, in.Network)
	b = appendAddrOrNull(b, ",\"broadcast\":", in.Broadcast)
	b = appendAddr(b, ",\"first_host\":", in.FirstHost)
	b = appendAddr(b, ",\"last_host\":", in.LastHost)
	b = append(b, `,"addresses":"`...)
	b = in.Addresses.AppendTo(b)
	b = append(b, `","usable_hosts":"`...)
	b = in.UsableHosts.AppendTo(b)
	b = append(b, '"')
	if in.Class == "" {
		b = append(b, `,"class":null`...)
	} else {
		b = appendStr(b, ",\"class\":", in.Class)
	}
	b = append(b, `,"registry":`...)
	b = appendEntries(b, in.Registry)
	b = append(b, `,"globally_reachable":`...)
	b = strconv.AppendBool(b, in.GloballyReachable)
	b = appendStr(b, ",\"ptr\":", in.PTR)
	b = appendStr(b, ",\"exploded\":", in.Exploded)
	b = appendAddrOrNull(b, ",\"ipv4_mapped\":", in.IPv4Mapped)
	b = appendStr(b, ",\"mask_form\":", string(in.Mask))
	b = appendFixedStr(b, ",\"host_rule\":", in.HostRule)
	b = append(b, `,"embedded_ipv4":`...)
	if in.Embedded == nil {
		b = append(b, "null"...)
	} else {
		b = appendStr(b, `{"kind":`, in.Embedded.Kind)
		b = appendAddr(b, `,"address":`, in.Embedded.Address)
		b = append(b, `,"registry":`...)
		b = appendEntries(b, in.Embedded.Registry)
		b = append(b, `,"globally_reachable":`...)
		b = strconv.AppendBool(b, in.Embedded.GloballyReachable)
		b = append(b, `,"decided_by":`...)
		b = appendDecision(b, in.Embedded.DecidedBy)
		b = append(b, '}')
	}
	b = append(b, `,"address_space":`...)
	if !in.AddressSpace.Prefix.IsValid() {
		b = append(b, "null"...)
	} else {
		b = appendPrefixStr(b, `{"prefix":`, in.AddressSpace.Prefix)
		b = appendStr(b, `,"name":`, in.AddressSpace.Name)
		b = appendStr(b, `,"rfc":`, in.AddressSpace.RFC)
		b = append(b, '}')
	}
	b = append(b, `,"decided_by":`...)
	return appendDecision(b, in.DecidedBy)
}

// appendDecision appends {"registry", "prefix", "name", "rfc", "rule"};
// prefix, name and rfc are null when no entry decided (an IPv4 address in
// no special-purpose block).
func appendDecision(b []byte, d Decision) []byte {
	b = appendStr(b, `{"registry":`, d.Registry)
	if d.Entry.Prefix.IsValid() {
		b = appendPrefixStr(b, `,"prefix":`, d.Entry.Prefix)
		b = appendStr(b, `,"name":`, d.Entry.Name)
		b = appendStr(b, `,"rfc":`, d.Entry.RFC)
	} else {
		b = append(b, `,"prefix":null,"name":null,"rfc":null`...)
	}
	b = appendFixedStr(b, `,"rule":`, d.Rule)
	return append(b, '}')
}

// MarshalJSON encodes in as the `netcalc cidr -o json` object without its
// "input" member.
func (in Info) MarshalJSON() ([]byte, error) {
	b := append([]byte{'{'}, in.AppendJSON(nil)...)
	return append(b, '}'), nil
}

func appendEntries(b []byte, es []Entry) []byte {
	b = append(b, '[')
	for i, en := range es {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendPrefixStr(b, `{"prefix":`, en.Prefix)
		b = appendStr(b, `,"name":`, en.Name)
		b = appendStr(b, `,"rfc":`, en.RFC)
		b = append(b, `,"globally_reachable":`...)
		if en.GloballyReachable == ReachNA {
			b = append(b, "null"...)
		} else {
			b = strconv.AppendBool(b, en.GloballyReachable == ReachTrue)
		}
		b = append(b, '}')
	}
	return append(b, ']')
}

func appendAddrOrNull(b []byte, key string, a netip.Addr) []byte {
	if !a.IsValid() {
		return append(append(b, key...), "null"...)
	}
	return appendAddr(b, key, a)
}

// appendAddr appends key and the address as a JSON string; address text
// never needs escaping (zones are checked at parse time, and escaped anyway).
func appendAddr(b []byte, key string, a netip.Addr) []byte {
	if a.Zone() != "" {
		return appendStr(b, key, a.String())
	}
	b = append(b, key...)
	b = append(b, '"')
	b = appendAddrText(b, a)
	return append(b, '"')
}

// appendPrefixStr appends key and p as a JSON string ("invalid Prefix"
// for an invalid p, as Prefix.String says); prefix text needs no escaping.
func appendPrefixStr(b []byte, key string, p netip.Prefix) []byte {
	if !p.IsValid() {
		return appendStr(b, key, p.String())
	}
	b = append(b, key...)
	b = append(b, '"')
	b = appendAddrText(b, p.Addr())
	b = append(b, '/')
	b = strconv.AppendUint(b, uint64(p.Bits()), 10)
	return append(b, '"')
}

// appendAddrText appends a as netip.Addr.AppendTo does, with a faster
// IPv6 formatter (RFC 5952: lower-case hex without leading zeros, the
// first longest run of two or more zero groups as "::"). IPv4, IPv4-mapped
// and zoned addresses go to net/netip.
func appendAddrText(b []byte, a netip.Addr) []byte {
	// Digits go into a fixed array, then one append: appending byte by
	// byte checked b's capacity at every digit.
	if a.Is4() {
		var out [15]byte
		n := 0
		for i, v := range a.As4() {
			if i > 0 {
				out[n] = '.'
				n++
			}
			switch {
			case v >= 100:
				out[n], out[n+1], out[n+2] = '0'+v/100, '0'+v/10%10, '0'+v%10
				n += 3
			case v >= 10:
				out[n], out[n+1] = '0'+v/10, '0'+v%10
				n += 2
			default:
				out[n] = '0' + v
				n++
			}
		}
		return append(b, out[:n]...)
	}
	if !a.Is6() || a.Is4In6() || a.Zone() != "" {
		return a.AppendTo(b)
	}
	x := a.As16()
	var g [8]uint16
	for i := range g {
		g[i] = uint16(x[2*i])<<8 | uint16(x[2*i+1])
	}
	zs, ze := -1, -1
	for i := 0; i < 8; {
		if g[i] != 0 {
			i++
			continue
		}
		j := i + 1
		for j < 8 && g[j] == 0 {
			j++
		}
		if j-i >= 2 && j-i > ze-zs {
			zs, ze = i, j
		}
		i = j
	}
	const hex = "0123456789abcdef"
	var out [41]byte
	n := 0
	for i := 0; i < 8; i++ {
		if i == zs {
			out[n], out[n+1] = ':', ':'
			n += 2
			i = ze
			if i >= 8 {
				break
			}
		} else if i > 0 {
			out[n] = ':'
			n++
		}
		v := g[i]
		switch {
		case v >= 0x1000:
			out[n], out[n+1], out[n+2], out[n+3] = hex[v>>12], hex[v>>8&0xf], hex[v>>4&0xf], hex[v&0xf]
			n += 4
		case v >= 0x100:
			out[n], out[n+1], out[n+2] = hex[v>>8], hex[v>>4&0xf], hex[v&0xf]
			n += 3
		case v >= 0x10:
			out[n], out[n+1] = hex[v>>4], hex[v&0xf]
			n += 2
		default:
			out[n] = hex[v]
			n++
		}
	}
	return append(b, out[:n]...)
}

func appendStr(b []byte, key, s string) []byte {
	b = append(b, key...)
	return AppendJSONString(b, s)
}

// AppendJSONString appends s as a JSON string (quotes and escapes, no HTML
// escaping).
func AppendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	i := 0
	// Eight bytes at a time while none needs escaping: no byte below
	// 0x20, none from 0x7f up, no '"' and no '\\'.
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	for ; i+8 <= len(s); i += 8 {
		x := uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
			uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
		q, bs, del := x^(ones*'"'), x^(ones*'\\'), x^(ones*0x7f)
		if ((x-ones*0x20)&^x|(q-ones)&^q|(bs-ones)&^bs|(del-ones)&^del|x)&highs != 0 {
			break
		}
	}
	for i < len(s) && s[i] >= 0x20 && s[i] < 0x7f && s[i] != '"' && s[i] != '\\' {
		i++
	}
	b = append(b, s[:i]...)
	for ; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c == '\n':
			b = append(b, '\\', 'n')
		case c == '\t':
			b = append(b, '\\', 't')
		case c == '\r':
			b = append(b, '\\', 'r')
		case c < 0x20 || c == 0x7f:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		case c >= utf8.RuneSelf:
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				b = append(b, `\ufffd`...)
			} else {
				b = append(b, s[i:i+size]...)
			}
			i += size - 1
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}
