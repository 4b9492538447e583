package netcalc

import (
	"errors"
	"math/big"
	"net/netip"
)

// This file does address arithmetic: an address plus or minus a number,
// the distance between two addresses, neighbouring subnets and the n-th
// subnet or address of a block. Offsets and indexes are *big.Int because
// they are signed and reach 2^128; results never wrap around.

// ErrOutOfRange means an arithmetic result falls outside the address space
// of its family (below 0.0.0.0 or ::, above 255.255.255.255 or
// ffff:…:ffff) or outside the block it was asked within. netcalc never
// wraps around silently.
var ErrOutOfRange = errors.New("out of range")

// ErrFamily means two addresses or prefixes of different families were
// combined (IPv4 with IPv6).
var ErrFamily = errors.New("mixed address families")

// AddrAdd returns a + n (n may be negative). The zone is dropped. It fails
// with ErrOutOfRange when the result would leave a's family's address
// space: 255.255.255.255 + 1 is an error, not 0.0.0.0.
func AddrAdd(a netip.Addr, n *big.Int) (netip.Addr, error) {
	a = a.WithZone("")
	v := AddrInt(a)
	if v == nil {
		return netip.Addr{}, calcErr(ErrSyntax, "", "no address to add to")
	}
	r, err := AddrFromInt(v.Add(v, n), a.Is6())
	if err != nil {
		if n.Sign() < 0 {
			first := netip.IPv4Unspecified()
			if a.Is6() {
				first = netip.IPv6Unspecified()
			}
			return netip.Addr{}, calcErr(ErrOutOfRange, a.String(), "subtracting %s goes below %s, the first IPv%d address", new(big.Int).Neg(n), first, family(a))
		}
		last := netip.AddrFrom4([4]byte{255, 255, 255, 255})
		if a.Is6() {
			last = netip.AddrFrom16([16]byte{255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255})
		}
		return netip.Addr{}, calcErr(ErrOutOfRange, a.String(), "adding %s goes past %s, the last IPv%d address", n, last, family(a))
	}
	return r, nil
}

// AddrDistance returns b - a, the signed number of steps from a to b (so
// that AddrAdd(a, AddrDistance(a, b)) is b). Zones are ignored. It fails
// with ErrFamily when a and b are of different families.
func AddrDistance(a, b netip.Addr) (*big.Int, error) {
	if !a.IsValid() || !b.IsValid() || a.BitLen() != b.BitLen() {
		return nil, calcErr(ErrFamily, "", "%s and %s are not of one family", a, b)
	}
	x, y := AddrInt(a.WithZone("")), AddrInt(b.WithZone(""))
	return y.Sub(y, x), nil
}

// PrefixStep returns the subnet n places after p among the subnets of p's
// size (n negative: before it): PrefixStep(10.0.0.0/24, 1) is 10.0.1.0/24.
// p's host bits are ignored. It fails with ErrOutOfRange when the result
// would leave the address space.
func PrefixStep(p netip.Prefix, n *big.Int) (netip.Prefix, error) {
	if !p.IsValid() {
		return netip.Prefix{}, calcErr(ErrSyntax, "", "no prefix to step from")
	}
	p = p.Masked()
	size := PrefixCount(p).Big()
	a, err := AddrAdd(p.Addr(), new(big.Int).Mul(size, n))
	if err != nil {
		dir, end := "after", "last"
		if n.Sign() < 0 {
			dir, end = "before", "first"
		}
		if m := new(big.Int).Abs(n); m.IsInt64() && m.Int64() == 1 {
			return netip.Prefix{}, calcErr(ErrOutOfRange, p.String(), "it is the %s /%d of the IPv%d address space, none comes %s it", end, p.Bits(), family(p.Addr()), dir)
		}
		return netip.Prefix{}, calcErr(ErrOutOfRange, p.String(), "fewer than %s /%d subnets come %s it in the IPv%d address space", new(big.Int).Abs(n), p.Bits(), dir, family(p.Addr()))
	}
	return netip.PrefixFrom(a, p.Bits()), nil
}

// NextPrefix returns the subnet of p's size right after p
// (10.0.0.0/24 → 10.0.1.0/24), or an error wrapping ErrOutOfRange after the
// last one.
func NextPrefix(p netip.Prefix) (netip.Prefix, error) { return PrefixStep(p, big.NewInt(1)) }

// PrevPrefix returns the subnet of p's size right before p
// (10.0.1.0/24 → 10.0.0.0/24), or an error wrapping ErrOutOfRange before
// the first one.
func PrevPrefix(p netip.Prefix) (netip.Prefix, error) { return PrefixStep(p, big.NewInt(-1)) }

// nthIndex turns index i of a list of count items into a position from the
// start; negative i counts from the end (-1 is the last), as Python does.
func nthIndex(i *big.Int, count *big.Int) (*big.Int, bool) {
	k := new(big.Int).Set(i)
	if k.Sign() < 0 {
		k.Add(k, count)
	}
	return k, k.Sign() >= 0 && k.Cmp(count) < 0
}

// NthSubnet returns subnet number i (0 is the first) of length bits inside
// block, counting from the end when i is negative (-1 is the last), like
// Python's list(block.subnets(new_prefix=bits))[i]. block's host bits are
// ignored. It fails with ErrPrefixLength when bits is shorter than block's
// length or longer than the family allows, and with ErrOutOfRange when
// block has no such subnet.
func NthSubnet(block netip.Prefix, bits int, i *big.Int) (netip.Prefix, error) {
	if !block.IsValid() {
		return netip.Prefix{}, calcErr(ErrSyntax, "", "no block")
	}
	block = block.Masked()
	max := block.Addr().BitLen()
	if bits < block.Bits() || bits > max {
		return netip.Prefix{}, calcErr(ErrPrefixLength, block.String(), "/%d subnets do not fit in it, want a length from %d to %d", bits, block.Bits(), max)
	}
	count := PowerOfTwo(bits - block.Bits()).Big()
	k, ok := nthIndex(i, count)
	if !ok {
		return netip.Prefix{}, calcErr(ErrOutOfRange, block.String(), "it has %s subnets of length /%d, numbered 0 to %s (or -1 to -%s from the end); there is no number %s", count, bits, new(big.Int).Sub(count, big.NewInt(1)), count, i)
	}
	a, err := AddrAdd(block.Addr(), k.Mul(k, PowerOfTwo(max-bits).Big()))
	if err != nil {
		return netip.Prefix{}, err // cannot happen: the subnet is inside block
	}
	return netip.PrefixFrom(a, bits), nil
}

// NthAddr returns address number i of block (0 is the network address
// itself), counting from the end when i is negative (-1 is the last
// address, the IPv4 broadcast), like Python's ip_network(block)[i]. block's
// host bits are ignored. It fails with ErrOutOfRange when block has no such
// address.
func NthAddr(block netip.Prefix, i *big.Int) (netip.Addr, error) {
	p, err := NthSubnet(block, block.Addr().BitLen(), i)
	if err != nil {
		if errors.Is(err, ErrOutOfRange) {
			count := PrefixCount(block.Masked()).Big()
			return netip.Addr{}, calcErr(ErrOutOfRange, block.Masked().String(), "it has %s addresses, numbered 0 to %s (or -1 to -%s from the end); there is no number %s", count, new(big.Int).Sub(count, big.NewInt(1)), count, i)
		}
		return netip.Addr{}, err
	}
	return p.Addr(), nil
}
