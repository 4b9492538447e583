package k8s

import (
	"encoding/binary"
	"math"
	"math/bits"
	"net/netip"
	"strconv"
	"unicode/utf8"

	"go4.org/netipx"

	"github.com/netcalc/netcalc/netcalc"
)

// addOffset returns a+n (n shifted left by shift bits), and false when the
// result leaves the family's address space.
func addOffset(a netip.Addr, n uint64, shift int) (netip.Addr, bool) {
	b := a.As16()
	hi, lo := binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint64(b[8:])
	var dhi, dlo uint64
	switch {
	case shift >= 128:
		if n != 0 {
			return netip.Addr{}, false
		}
	case shift >= 64:
		dhi = n << (shift - 64)
		if shift > 64 && n>>(128-shift) != 0 {
			return netip.Addr{}, false
		}
	case shift == 0:
		dlo = n
	default:
		dlo, dhi = n<<shift, n>>(64-shift)
	}
	lo, c := bits.Add64(lo, dlo, 0)
	hi, c = bits.Add64(hi, dhi, c)
	if c != 0 {
		return netip.Addr{}, false
	}
	binary.BigEndian.PutUint64(b[:8], hi)
	binary.BigEndian.PutUint64(b[8:], lo)
	r := netip.AddrFrom16(b)
	if a.Is4() {
		if hi != 0 || lo>>32 != 0xffff {
			return netip.Addr{}, false
		}
		r = r.Unmap()
	}
	return r, true
}

// indexedIP is k8s.io/utils/net GetIndexedIP: the address index places
// after p's network address, and false when it leaves p.
func indexedIP(p netip.Prefix, index uint64) (netip.Addr, bool) {
	a, ok := addOffset(p.Masked().Addr(), index, 0)
	if !ok || !p.Contains(a) {
		return netip.Addr{}, false
	}
	return a, true
}

// rangeSize is k8s.io/utils/net RangeSize as the upstream validations use
// it: 2^host bits, 0 for IPv4 /0 and /1 and IPv6 /0 and /1 (a quirk the
// upstream checks inherit), math.MaxInt64 from 63 host bits on.
func rangeSize(p netip.Prefix) int64 {
	hb := p.Addr().BitLen() - p.Bits()
	if p.Addr().Is4() && hb >= 31 || !p.Addr().Is4() && hb >= 127 {
		return 0
	}
	if hb >= 63 {
		return math.MaxInt64
	}
	return 1 << hb
}

// lastAddr returns the last address of p.
func lastAddr(p netip.Prefix) netip.Addr { return netipx.PrefixLastIP(p.Masked()) }

// size returns the number of addresses in p.
func size(p netip.Prefix) netcalc.Count { return netcalc.PrefixCount(p) }

// family names the address family of p: "IPv4" or "IPv6".
func family(p netip.Prefix) string {
	if p.Addr().Is4() {
		return "IPv4"
	}
	return "IPv6"
}

// quote quotes s for an error message, cut to 80 characters with "…".
func quote(s string) string {
	if utf8.RuneCountInString(s) > 80 {
		n := 0
		for i := range s {
			if n == 80 {
				s = s[:i] + "…"
				break
			}
			n++
		}
	}
	return strconv.Quote(s)
}
