package netcalc

import (
	"net/netip"

	"go4.org/netipx"
)

// UsableHosts returns how many addresses of p can be assigned to hosts:
//
//   - IPv4 /0-/30: 2^h - 2 (the network and broadcast addresses are not hosts);
//   - IPv4 /31: 2, point-to-point link without broadcast (RFC 3021);
//   - IPv6 /0-/126: 2^h - 1, the Subnet-Router anycast address (the prefix
//     itself, RFC 4291 §2.6.1) is not a host, and IPv6 has no broadcast;
//   - IPv6 /127: 2 (RFC 6164);
//   - /32 and /128: 1.
//
// h is the number of host bits. The host bits of p are ignored. An invalid
// prefix gives 0.
func UsableHosts(p netip.Prefix) Count {
	if !p.IsValid() {
		return Count{}
	}
	h := p.Addr().BitLen() - p.Bits()
	switch {
	case h <= 1:
		return PowerOfTwo(h)
	case p.Addr().Is4():
		return PowerOfTwo(h).Sub(CountFromUint64(2))
	default:
		return PowerOfTwo(h).Sub(CountFromUint64(1))
	}
}

// HostRange returns the first and last usable host address of p's network
// under the rules of UsableHosts. The host bits of p are ignored; an
// invalid prefix gives zero Addrs.
func HostRange(p netip.Prefix) (first, last netip.Addr) {
	if !p.IsValid() {
		return netip.Addr{}, netip.Addr{}
	}
	p = p.Masked()
	r := netipx.RangeOfPrefix(p)
	first, last = r.From(), r.To()
	h := p.Addr().BitLen() - p.Bits()
	if h <= 1 {
		return first, last
	}
	first = first.Next()
	if p.Addr().Is4() {
		last = last.Prev()
	}
	return first, last
}

// Broadcast returns the IPv4 broadcast address of p's network, and false
// where there is none: IPv6, /31 (RFC 3021) and /32.
func Broadcast(p netip.Prefix) (netip.Addr, bool) {
	if !p.IsValid() || !p.Addr().Is4() || p.Bits() >= 31 {
		return netip.Addr{}, false
	}
	return netipx.RangeOfPrefix(p.Masked()).To(), true
}
