package netcalc

import (
	"net/netip"
	"strconv"
	"strings"
)

// This file names the reverse-DNS zones of a prefix: whole octets under
// in-addr.arpa., whole nibbles under ip6.arpa., and RFC 2317 classless
// delegation for IPv4 prefixes longer than /24.

// ReverseZone is one reverse-DNS zone covering (part of) a prefix.
type ReverseZone struct {
	// Prefix is the part of the asked prefix the zone holds: the prefix
	// itself, or one of the octet- (nibble-) aligned subnets it was split
	// into.
	Prefix netip.Prefix `json:"prefix"`
	// Zone is the zone's fully qualified name, such as
	// "2.0.192.in-addr.arpa." or, for RFC 2317, "0/26.2.0.192.in-addr.arpa.".
	Zone string `json:"zone"`
	// Parent is the zone that delegates an RFC 2317 child zone (the /24's
	// zone) and holds its CNAMEs; "" for an ordinary zone.
	Parent string `json:"parent,omitempty"`
}

// Classless reports whether z is an RFC 2317 classless child zone.
func (z ReverseZone) Classless() bool { return z.Parent != "" }

// ReverseZones returns the reverse-DNS zones that together hold exactly
// the PTR names of p's addresses, host bits ignored:
//
//   - IPv4 on an octet boundary (/0, /8, /16, /24, /32): one zone.
//   - IPv4 /1-/23 off the boundary: the zones of the octet-aligned subnets
//     at the next boundary (a /22 gives four /24 zones).
//   - IPv4 /25-/31: one RFC 2317 classless zone named "FIRST/LEN" under
//     the /24's zone (192.0.2.64/26 → 64/26.2.0.192.in-addr.arpa.), with
//     Parent set; the parent holds a CNAME for each address (see
//     ClasslessCNAMEs).
//   - IPv6 on a nibble boundary (a multiple of 4): one zone; otherwise the
//     2, 4 or 8 zones at the next nibble boundary (a /49 gives eight /52
//     zones).
//
// The zero Prefix gives nil.
func ReverseZones(p netip.Prefix) []ReverseZone {
	if !p.IsValid() {
		return nil
	}
	p = p.Masked()
	step := 8
	if p.Addr().Is6() {
		step = 4
	}
	if p.Addr().Is4() && p.Bits() > 24 && p.Bits() < 32 {
		parent := zoneName(netip.PrefixFrom(p.Addr(), 24).Masked())
		first := p.Addr().As4()[3]
		return []ReverseZone{{Prefix: p, Zone: strconv.Itoa(int(first)) + "/" + strconv.Itoa(p.Bits()) + "." + parent, Parent: parent}}
	}
	if p.Bits()%step == 0 {
		return []ReverseZone{{Prefix: p, Zone: zoneName(p)}}
	}
	bits := (p.Bits()/step + 1) * step
	var zs []ReverseZone
	for sub := netip.PrefixFrom(p.Addr(), bits); p.Contains(sub.Addr()); {
		zs = append(zs, ReverseZone{Prefix: sub, Zone: zoneName(sub)})
		next, err := NextPrefix(sub)
		if err != nil {
			break
		}
		sub = next
	}
	return zs
}

// zoneName names the zone of a prefix on an octet (nibble) boundary: the
// leading octets (nibbles) of its PTR name.
func zoneName(p netip.Prefix) string {
	ptr := PTR(p.Addr())
	labels := p.Bits() / 8
	if p.Addr().Is6() {
		labels = p.Bits() / 4
	}
	all := strings.Split(strings.TrimSuffix(ptr, "."), ".")
	// all is the address labels in reverse then the two suffix labels.
	n := len(all) - 2
	return strings.Join(all[n-labels:], ".") + "."
}

// CNAME is one record of RFC 2317 classless delegation: Name, in the
// parent zone, is an alias for Target, in the child zone.
type CNAME struct {
	Name   string `json:"name"`
	Target string `json:"target"`
}

// String returns the record in zone-file form, "NAME CNAME TARGET".
func (c CNAME) String() string { return c.Name + "\tCNAME\t" + c.Target }

// ClasslessCNAMEs returns the CNAME records the parent /24 zone holds for
// the RFC 2317 child zone of p, one per address of p in order (RFC 2317
// section 4: "1.2.0.192.in-addr.arpa. CNAME 1.0/25.2.0.192.in-addr.arpa.").
// It returns nil unless p is IPv4 with a length from 25 to 31.
func ClasslessCNAMEs(p netip.Prefix) []CNAME {
	zs := ReverseZones(p)
	if len(zs) != 1 || !zs[0].Classless() {
		return nil
	}
	z := zs[0]
	var out []CNAME
	a := z.Prefix.Addr()
	for z.Prefix.Contains(a) {
		last := strconv.Itoa(int(a.As4()[3]))
		out = append(out, CNAME{Name: last + "." + z.Parent, Target: last + "." + z.Zone})
		a = a.Next()
	}
	return out
}
