package netcalc

import (
	"crypto/sha1"
	"encoding/binary"
	"math/big"
	"math/rand/v2"
	"net"
	"net/netip"
	"slices"
	"time"
)

// This file picks random prefixes: an RFC 4193 unique local IPv6 /48 and a
// private IPv4 subnet that avoids given prefixes.

// ntpEpochOffset is the number of seconds from 1900-01-01 (the NTP era 0
// epoch) to 1970-01-01 (the Unix epoch).
const ntpEpochOffset = 2208988800

// NTPTime returns t in the 64-bit NTP timestamp format of RFC 5905: 32
// bits of seconds since 1900-01-01 UTC (era 0, wrapping in 2036 as NTP
// does) and 32 bits of fraction.
func NTPTime(t time.Time) uint64 {
	sec := uint64(t.Unix() + ntpEpochOffset)
	frac := uint64(t.Nanosecond()) << 32 / 1e9
	return sec<<32 | frac
}

// ULA returns the unique local IPv6 /48 of RFC 4193 section 3.2.2 for
// the 64-bit NTP time ntp and the EUI-64 eui: the SHA-1 digest of the time
// followed by the EUI-64, whose least significant 40 bits become the Global
// ID after fd00::/8 (FC00::/7 with the L bit set). The result is the same
// for the same inputs; call it with the current NTPTime and the EUI-64 of
// an interface (InterfaceID of its MAC) for a fresh one.
func ULA(ntp uint64, eui [8]byte) netip.Prefix {
	var key [16]byte
	binary.BigEndian.PutUint64(key[:8], ntp)
	copy(key[8:], eui[:])
	sum := sha1.Sum(key[:])
	var b [16]byte
	b[0] = 0xfd
	copy(b[1:6], sum[len(sum)-5:])
	return netip.PrefixFrom(netip.AddrFrom16(b), 48)
}

// privateBlocks are the IPv4 private-use blocks of RFC 1918 section 3
// (from their bytes: parsing them at start-up cost more).
var privateBlocks = []netip.Prefix{
	netip.PrefixFrom(netip.AddrFrom4([4]byte{10, 0, 0, 0}), 8),     // 10.0.0.0/8
	netip.PrefixFrom(netip.AddrFrom4([4]byte{172, 16, 0, 0}), 12),  // 172.16.0.0/12
	netip.PrefixFrom(netip.AddrFrom4([4]byte{192, 168, 0, 0}), 16), // 192.168.0.0/16
}

// PrivateBlocks returns the RFC 1918 private-use IPv4 blocks, 10.0.0.0/8,
// 172.16.0.0/12 and 192.168.0.0/16.
func PrivateBlocks() []netip.Prefix { return append([]netip.Prefix(nil), privateBlocks...) }

// RandomPrivate returns a /bits subnet of the RFC 1918 private IPv4 space
// that overlaps none of avoid, chosen uniformly among all such subnets with
// r (the caller seeds r: rand.New(rand.NewPCG(seed, 0)) for a reproducible
// choice). IPv6 prefixes in avoid are ignored. It fails with
// ErrPrefixLength when bits is outside 8..32 and with ErrNoRoom when every
// /bits subnet of the private space overlaps avoid.
func RandomPrivate(r *rand.Rand, bits int, avoid []netip.Prefix) (netip.Prefix, error) {
	if bits < 8 || bits > 32 {
		return netip.Prefix{}, calcErr(ErrPrefixLength, "", "a private IPv4 subnet has a length from 8 to 32, not %d", bits)
	}
	var sb SetBuilder
	for _, p := range privateBlocks {
		sb.AddPrefix(p)
	}
	for _, p := range avoid {
		if p.Addr().Is4() {
			sb.RemovePrefix(p.Masked())
		}
	}
	free := sb.Set()
	// Every prefix of the free set's minimal cover that is /bits or larger
	// holds 2^(bits-len) whole /bits subnets; smaller pieces hold none.
	var total uint64
	for p := range free.AllPrefixes() {
		if p.Bits() <= bits {
			total += 1 << (bits - p.Bits())
		}
	}
	if total == 0 {
		return netip.Prefix{}, calcErr(ErrNoRoom, "", "every /%d of the private IPv4 space overlaps the prefixes to avoid", bits)
	}
	k := r.Uint64N(total)
	for p := range free.AllPrefixes() {
		if p.Bits() > bits {
			continue
		}
		n := uint64(1) << (bits - p.Bits())
		if k < n {
			a := toA4(p.Addr()) + a4(k<<(32-bits))
			return netip.PrefixFrom(a.addr(), bits), nil
		}
		k -= n
	}
	panic("unreachable")
}

// ULAInputFrom draws from r the NTP time and the EUI-64 that RFC 4193
// section 3.2.2 hashes: the time first, then the eight EUI-64 bytes one
// by one. A generator seeded alike always gives the same /48 (for tests
// and documentation; a real network uses the time and its MAC).
func ULAInputFrom(r *rand.Rand) (ntp uint64, eui [8]byte) {
	ntp = r.Uint64()
	for i := range eui {
		eui[i] = byte(r.Uint32())
	}
	return ntp, eui
}

// ULASubnet returns the /bits subnet (bits 48 to 64) of the ULA /48 p
// whose subnet ID is drawn from r; p itself when bits is 48.
func ULASubnet(p netip.Prefix, bits int, r *rand.Rand) (netip.Prefix, error) {
	if bits < 48 || bits > 64 || p.Bits() != 48 {
		return netip.Prefix{}, calcErr(ErrPrefixLength, p.String(), "a subnet of a ULA /48 has a length from 48 to 64, not %d", bits)
	}
	if bits == 48 {
		return p, nil
	}
	return NthSubnet(p, bits, new(big.Int).SetUint64(r.Uint64N(1<<(bits-48))))
}

// FirstMAC returns the hardware address of the first interface of ifaces
// that has one an EUI-64 can be made from (6 or 8 bytes, not all zero),
// or nil.
func FirstMAC(ifaces []net.Interface) net.HardwareAddr {
	for _, ifc := range ifaces {
		if hw := ifc.HardwareAddr; (len(hw) == 6 || len(hw) == 8) && slices.ContainsFunc(hw, func(b byte) bool { return b != 0 }) {
			return hw
		}
	}
	return nil
}
