package netcalc

import (
	"errors"
	"net"
	"net/netip"
	"strconv"
	"strings"
)

// This file builds modified EUI-64 interface identifiers (RFC 4291
// appendix A) from MAC addresses and back.

// ErrMAC means a text is not a MAC address (EUI-48) or EUI-64.
var ErrMAC = errors.New("bad MAC address")

// ErrNotEUI64 means an IPv6 address's interface identifier was not made
// from a MAC address: its bytes 11 and 12 are not ff:fe.
var ErrNotEUI64 = errors.New("not an EUI-64 interface identifier")

// ParseMAC parses a 48-bit MAC address or a 64-bit EUI-64 in the forms
// net.ParseMAC accepts (00:11:22:33:44:55, 00-11-22-33-44-55,
// 0011.2233.4455) and also as 12 or 16 bare hex digits. Errors are
// *ParseError wrapping ErrMAC.
func ParseMAC(s string) (net.HardwareAddr, error) {
	t := strings.TrimSpace(s)
	if t == "" {
		return nil, parseErr(s, ErrEmpty, "empty input, expected a MAC address such as 00:11:22:33:44:55")
	}
	if (len(t) == 12 || len(t) == 16) && isHex(t) {
		t = strings.Join(splitEvery(t, 2), ":")
	}
	m, err := net.ParseMAC(t)
	if err != nil || (len(m) != 6 && len(m) != 8) {
		return nil, parseErr(s, ErrMAC, "not a MAC address, expected 6 bytes (00:11:22:33:44:55) or an 8-byte EUI-64")
	}
	return m, nil
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i] | 0x20
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

func splitEvery(s string, n int) []string {
	var out []string
	for len(s) > n {
		out = append(out, s[:n])
		s = s[n:]
	}
	return append(out, s)
}

// InterfaceID returns the modified EUI-64 interface identifier of mac
// (RFC 4291 section 2.5.1 and appendix A): for a 48-bit MAC, ff:fe is
// inserted between its third and fourth bytes; for a 64-bit EUI-64 the
// bytes are kept; then the universal/local bit (0x02 of the first byte) is
// inverted. It fails with ErrMAC for any other length.
func InterfaceID(mac net.HardwareAddr) ([8]byte, error) {
	var id [8]byte
	switch len(mac) {
	case 6:
		copy(id[:3], mac[:3])
		id[3], id[4] = 0xff, 0xfe
		copy(id[5:], mac[3:])
	case 8:
		copy(id[:], mac)
	default:
		return id, calcErr(ErrMAC, "", "a MAC address has 6 or 8 bytes, not %d", len(mac))
	}
	id[0] ^= 0x02
	return id, nil
}

// SLAAC returns the address stateless autoconfiguration (RFC 4862) gives
// the interface with MAC mac in the /64 prefix p: p's first 64 bits and
// mac's modified EUI-64 interface identifier. p must be an IPv6 /64; its
// host bits are ignored. Errors wrap ErrPrefixLength or ErrMAC.
func SLAAC(p netip.Prefix, mac net.HardwareAddr) (netip.Addr, error) {
	if !p.IsValid() || !p.Addr().Is6() || p.Bits() != 64 {
		return netip.Addr{}, calcErr(ErrPrefixLength, "", "SLAAC needs an IPv6 /64 prefix, not %s", p)
	}
	id, err := InterfaceID(mac)
	if err != nil {
		return netip.Addr{}, err
	}
	b := p.Masked().Addr().As16()
	copy(b[8:], id[:])
	return netip.AddrFrom16(b), nil
}

var linkLocal64 = netip.PrefixFrom(netip.AddrFrom16([16]byte{0xfe, 0x80}), 64) // fe80::/64

// LinkLocal returns the IPv6 link-local address fe80::/64 plus mac's
// modified EUI-64 interface identifier (RFC 4862 section 5.3), without zone.
func LinkLocal(mac net.HardwareAddr) (netip.Addr, error) { return SLAAC(linkLocal64, mac) }

// MACFromEUI64 returns the 48-bit MAC address an IPv6 address's modified
// EUI-64 interface identifier was made from (the reverse of SLAAC): the
// universal/local bit flipped back and the ff:fe in bytes 11-12 dropped.
// It fails with ErrNotEUI64 when a is not IPv6 or those bytes are not
// ff:fe (a privacy or manually set identifier).
func MACFromEUI64(a netip.Addr) (net.HardwareAddr, error) {
	if !a.Is6() || a.Is4In6() {
		return nil, calcErr(ErrNotEUI64, a.String(), "not an IPv6 address with an interface identifier")
	}
	b := a.As16()
	if b[11] != 0xff || b[12] != 0xfe {
		return nil, calcErr(ErrNotEUI64, a.WithZone("").String(), "the interface identifier has no ff:fe in its middle, so it was not made from a MAC address")
	}
	mac := net.HardwareAddr{b[8] ^ 0x02, b[9], b[10], b[13], b[14], b[15]}
	return mac, nil
}

// InterfaceIDString writes an interface identifier as the last four
// groups of an IPv6 address, uncompressed (5054:ff:fe12:3456, 0:ff:fe00:1).
func InterfaceIDString(id [8]byte) string {
	var b []byte
	for i := 0; i < 8; i += 2 {
		if i > 0 {
			b = append(b, ':')
		}
		b = strconv.AppendUint(b, uint64(id[i])<<8|uint64(id[i+1]), 16)
	}
	return string(b)
}
