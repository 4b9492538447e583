package netcalc

import (
	"errors"
	"fmt"
	"math/big"
	"net/netip"
	"strings"
)

// This file converts addresses to and from their integer and bit-string
// forms and embeds IPv4 addresses in IPv6 ones (IPv4-mapped, 6to4, NAT64).

// ErrNAT64Prefix means a NAT64 prefix is not one of the lengths RFC 6052
// section 2.2 allows (32, 40, 48, 56, 64 or 96), is not IPv6, or has bits
// 64-71 (the "u" octet) set.
var ErrNAT64Prefix = errors.New("bad NAT64 prefix")

// ErrNotEmbedded means an IPv6 address does not carry an IPv4 address in
// the asked form (it is outside 2002::/16, outside the NAT64 prefix, not
// IPv4-mapped, or its "u" octet is not zero).
var ErrNotEmbedded = errors.New("no embedded IPv4 address")

// AddrInt returns a's value as a non-negative integer: 0 to 2^32-1 for
// IPv4, 0 to 2^128-1 for IPv6 (an IPv4-mapped address is IPv6 here). The
// zone is ignored; the zero Addr gives nil.
func AddrInt(a netip.Addr) *big.Int {
	if !a.IsValid() {
		return nil
	}
	return new(big.Int).SetBytes(a.AsSlice())
}

// AddrFromInt returns the address whose value is n: IPv6 when ipv6 is set,
// else IPv4. It fails with ErrOutOfRange when n is negative or does not fit
// in 32 (128) bits.
func AddrFromInt(n *big.Int, ipv6 bool) (netip.Addr, error) {
	size, fam := 4, 4
	if ipv6 {
		size, fam = 16, 6
	}
	if n.Sign() < 0 || n.BitLen() > size*8 {
		return netip.Addr{}, calcErr(ErrOutOfRange, "", "%s is outside the IPv%d address space (0 to 2^%d-1)", n, fam, size*8)
	}
	var b [16]byte
	n.FillBytes(b[16-size:])
	if ipv6 {
		return netip.AddrFrom16(b), nil
	}
	return netip.AddrFrom4([4]byte(b[12:])), nil
}

// AddrHex returns a's value in hexadecimal with a "0x" prefix and all its
// digits: 8 for IPv4 (0xc0000201), 32 for IPv6.
func AddrHex(a netip.Addr) string {
	const hex = "0123456789abcdef"
	b := a.AsSlice()
	out := make([]byte, 2, 2+2*len(b))
	out[0], out[1] = '0', 'x'
	for _, c := range b {
		out = append(out, hex[c>>4], hex[c&0xf])
	}
	return string(out)
}

// AddrBinary returns a's bits as one string of 32 (IPv4) or 128 (IPv6)
// '0' and '1' characters with a "0b" prefix.
func AddrBinary(a netip.Addr) string {
	return "0b" + strings.NewReplacer(".", "", ":", "").Replace(Binary(a, -1))
}

// AddrDottedBinary returns a's bits grouped like its text form: four
// 8-bit groups separated by '.' for IPv4, eight 16-bit groups separated
// by ':' for IPv6.
func AddrDottedBinary(a netip.Addr) string { return Binary(a, -1) }

// ParseAddrAny parses an address in any form netcalc prints: the usual text
// form (ParseAddr), a decimal integer, a "0x" hexadecimal integer, a "0b"
// binary integer, or dotted binary (four '.'-separated 8-bit groups for
// IPv4, eight ':'-separated 16-bit groups for IPv6). An integer is IPv4 when
// it is below 2^32 and ipv6 is false, as Python's ipaddress.ip_address
// reads it; otherwise IPv6. Like ParseAddr it takes no surrounding space.
// Errors are *ParseError.
func ParseAddrAny(s string, ipv6 bool) (netip.Addr, error) {
	t := s
	if strings.TrimSpace(s) == "" {
		return netip.Addr{}, parseErr(s, ErrEmpty, "empty input, expected an address or an integer")
	}
	if a, ok := parseDottedBinary(t); ok {
		return a, nil
	}
	lower := strings.ToLower(t)
	base, digits, name := 0, "", ""
	switch {
	case strings.HasPrefix(lower, "0x"):
		base, digits, name = 16, t[2:], "hexadecimal"
	case strings.HasPrefix(lower, "0b"):
		base, digits, name = 2, t[2:], "binary"
	case allDigits(t):
		base, digits, name = 10, t, "decimal"
	default:
		a, err := ParseAddr(t)
		if err != nil {
			var pe *ParseError
			if errors.As(err, &pe) && pe.Input == t && strings.IndexByte(t, '.') < 0 && strings.IndexByte(t, ':') < 0 {
				return netip.Addr{}, parseErr(s, ErrSyntax, "not an address or an integer, expected a.b.c.d, an IPv6 address, a decimal number, 0xHEX, 0bBINARY or dotted binary")
			}
			return netip.Addr{}, err
		}
		return a, nil
	}
	if digits == "" {
		return netip.Addr{}, parseErr(s, ErrSyntax, fmt.Sprintf("no digits after %q, expected a %s number", t[:2], name))
	}
	n, ok := new(big.Int).SetString(digits, base)
	if !ok {
		return netip.Addr{}, parseErr(s, ErrSyntax, fmt.Sprintf("%q is not a %s number", digits, name))
	}
	if len(digits) > 1 && digits[0] == '0' && base == 10 {
		return netip.Addr{}, parseErr(s, ErrLeadingZero, "a decimal address with a leading zero is ambiguous (octal?); write it without the zero or as 0x…")
	}
	six := ipv6 || n.BitLen() > 32
	a, err := AddrFromInt(n, six)
	if err != nil {
		return netip.Addr{}, parseErr(s, ErrOutOfRange, "the number is above 2^128-1, the largest IPv6 address")
	}
	return a, nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// parseDottedBinary reads 8-bit groups separated by '.' (4 of them) or
// 16-bit groups separated by ':' (8 of them), each group exactly that many
// '0'/'1' characters. Such strings are never valid addresses in the usual
// form (an octet 00000001 has a leading zero and 11000000 is above 255), so
// there is no ambiguity.
func parseDottedBinary(s string) (netip.Addr, bool) {
	var sep byte
	var width, groups int
	switch {
	case len(s) == 4*8+3:
		sep, width, groups = '.', 8, 4
	case len(s) == 8*16+7:
		sep, width, groups = ':', 16, 8
	default:
		return netip.Addr{}, false
	}
	var b [16]byte
	bit := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (i+1)%(width+1) == 0 {
			if c != sep {
				return netip.Addr{}, false
			}
			continue
		}
		switch c {
		case '1':
			b[bit/8] |= 0x80 >> (bit % 8)
		case '0':
		default:
			return netip.Addr{}, false
		}
		bit++
	}
	if groups == 4 {
		return netip.AddrFrom4([4]byte(b[:4])), true
	}
	return netip.AddrFrom16(b), true
}

// IPv4Mapped returns the IPv4-mapped IPv6 address ::ffff:a.b.c.d of the
// IPv4 address a (RFC 4291 section 2.5.5.2), and false when a is not IPv4.
func IPv4Mapped(a netip.Addr) (netip.Addr, bool) {
	if !a.Is4() {
		return netip.Addr{}, false
	}
	return netip.AddrFrom16(a.As16()), true
}

// SixToFourPrefix returns the 6to4 site prefix 2002:V4::/48 of the IPv4
// address v4 (RFC 3056 section 2), and false when v4 is not IPv4.
func SixToFourPrefix(v4 netip.Addr) (netip.Prefix, bool) {
	if !v4.Is4() {
		return netip.Prefix{}, false
	}
	b := v4.As4()
	var a [16]byte
	a[0], a[1] = 0x20, 0x02
	copy(a[2:6], b[:])
	return netip.PrefixFrom(netip.AddrFrom16(a), 48), true
}

// SixToFourAddr returns the IPv4 address a 6to4 address (inside 2002::/16)
// carries in its bits 16-47, and false when a is not inside 2002::/16.
func SixToFourAddr(a netip.Addr) (netip.Addr, bool) {
	a = a.WithZone("")
	if !sixToFour.Contains(a) {
		return netip.Addr{}, false
	}
	b := a.As16()
	return netip.AddrFrom4([4]byte(b[2:6])), true
}

// NAT64WellKnown returns 64:ff9b::/96, the well-known prefix of RFC 6052
// section 2.1 for algorithmic IPv4/IPv6 translation.
func NAT64WellKnown() netip.Prefix { return nat64Prefix }

// checkNAT64Prefix validates a NAT64 prefix per RFC 6052 section 2.2.
func checkNAT64Prefix(p netip.Prefix) error {
	if !p.IsValid() || !p.Addr().Is6() || p.Addr().Is4In6() && p.Bits() < 96 {
		return calcErr(ErrNAT64Prefix, "", "NAT64 prefix %s is not an IPv6 prefix", p)
	}
	switch p.Bits() {
	case 32, 40, 48, 56, 64, 96:
	default:
		return calcErr(ErrNAT64Prefix, "", "NAT64 prefix %s has length %d, RFC 6052 allows 32, 40, 48, 56, 64 or 96", p, p.Bits())
	}
	if b := p.Masked().Addr().As16(); p.Bits() > 64 && b[8] != 0 {
		return calcErr(ErrNAT64Prefix, "", "NAT64 prefix %s sets bits 64-71, which RFC 6052 reserves (must be zero)", p)
	}
	return nil
}

// NAT64Embed returns the IPv4-embedded IPv6 address of v4 under the NAT64
// prefix p as RFC 6052 section 2.2 lays it out: the 32 bits of v4 follow
// the prefix, skipping bits 64-71 (the "u" octet, always zero), and the
// suffix is zero. p must be IPv6 with length 32, 40, 48, 56, 64 or 96;
// its host bits are ignored. Errors wrap ErrNAT64Prefix.
func NAT64Embed(p netip.Prefix, v4 netip.Addr) (netip.Addr, error) {
	if err := checkNAT64Prefix(p); err != nil {
		return netip.Addr{}, err
	}
	if !v4.Is4() {
		return netip.Addr{}, calcErr(ErrSyntax, "", "%s is not an IPv4 address", v4)
	}
	b := p.Masked().Addr().As16()
	v := v4.As4()
	pos := p.Bits() / 8
	for _, c := range v {
		if pos == 8 {
			pos++ // skip the u octet
		}
		b[pos] = c
		pos++
	}
	return netip.AddrFrom16(b), nil
}

// NAT64Extract returns the IPv4 address embedded in a under the NAT64
// prefix p (RFC 6052 section 2.2), the reverse of NAT64Embed. It fails with
// ErrNotEmbedded when a is outside p or its "u" octet (bits 64-71) is not
// zero, and with ErrNAT64Prefix when p is not a valid NAT64 prefix.
func NAT64Extract(p netip.Prefix, a netip.Addr) (netip.Addr, error) {
	if err := checkNAT64Prefix(p); err != nil {
		return netip.Addr{}, err
	}
	a = a.WithZone("")
	if !p.Masked().Contains(a) {
		return netip.Addr{}, calcErr(ErrNotEmbedded, "", "%s is not inside the NAT64 prefix %s", a, p.Masked())
	}
	b := a.As16()
	if b[8] != 0 {
		return netip.Addr{}, calcErr(ErrNotEmbedded, "", "%s has bits 64-71 set, which RFC 6052 requires to be zero", a)
	}
	var v [4]byte
	pos := p.Bits() / 8
	for i := range v {
		if pos == 8 {
			pos++
		}
		v[i] = b[pos]
		pos++
	}
	return netip.AddrFrom4(v), nil
}

// Forms is an address written in every form netcalc converts between:
// its integer in decimal, hex and binary, its dotted binary, and what
// links it to the other family.
type Forms struct {
	Version      int        `json:"version"` // 4 or 6
	Address      netip.Addr `json:"address"` // without zone
	Decimal      string     `json:"decimal"`
	Hex          string     `json:"hex"`
	Binary       string     `json:"binary"`
	DottedBinary string     `json:"dotted_binary"`
	// MappedIPv6, SixToFour and NAT64 are an IPv4 address's IPv4-mapped
	// address (RFC 4291), its 6to4 prefix (RFC 3056) and its address under
	// the NAT64 prefix (RFC 6052); zero for IPv6.
	MappedIPv6 netip.Addr   `json:"mapped_ipv6,omitzero"`
	SixToFour  netip.Prefix `json:"sixtofour_prefix,omitzero"`
	NAT64      netip.Addr   `json:"nat64,omitzero"`
	// Embedded is the IPv4 address an IPv6 address carries (IPv4-mapped,
	// under the NAT64 prefix, or 6to4, tried in that order), or nil.
	Embedded *EmbeddedIPv4 `json:"embedded_ipv4,omitempty"`
}

// EmbeddedIPv4 is an IPv4 address inside an IPv6 address and how it got
// there: "ipv4-mapped", "nat64" or "6to4", as Info.Embedded names them.
type EmbeddedIPv4 struct {
	Kind    string     `json:"kind"`
	Address netip.Addr `json:"address"`
}

// Convert returns a's forms, with the NAT64 address made and looked for
// under nat64 (NAT64WellKnown unless the network uses its own /32 to /96;
// an invalid one gives IPv4 addresses no NAT64 form). a's zone is
// dropped.
func Convert(a netip.Addr, nat64 netip.Prefix) Forms {
	a = a.WithZone("")
	f := Forms{Version: 4, Address: a, Decimal: AddrInt(a).String(), Hex: AddrHex(a), Binary: AddrBinary(a), DottedBinary: AddrDottedBinary(a)}
	if a.Is4() {
		f.MappedIPv6, _ = IPv4Mapped(a)
		f.SixToFour, _ = SixToFourPrefix(a)
		f.NAT64, _ = NAT64Embed(nat64, a)
		return f
	}
	f.Version = 6
	switch {
	case a.Is4In6():
		f.Embedded = &EmbeddedIPv4{"ipv4-mapped", a.Unmap()}
	case nat64.Masked().Contains(a):
		if v4, err := NAT64Extract(nat64, a); err == nil {
			f.Embedded = &EmbeddedIPv4{"nat64", v4}
		}
	default:
		if v4, ok := SixToFourAddr(a); ok {
			f.Embedded = &EmbeddedIPv4{"6to4", v4}
		}
	}
	return f
}
