package nat

import (
	"encoding/binary"
	"math/bits"
	"net/netip"
)

// jhash2 is the kernel's jhash2 (include/linux/jhash.h, Bob Jenkins'
// lookup3 hashword) over 32-bit words.
func jhash2(k []uint32, initval uint32) uint32 {
	a := 0xdeadbeef + uint32(len(k))<<2 + initval
	b, c := a, a
	for len(k) > 3 {
		a += k[0]
		b += k[1]
		c += k[2]
		a -= c
		a ^= bits.RotateLeft32(c, 4)
		c += b
		b -= a
		b ^= bits.RotateLeft32(a, 6)
		a += c
		c -= b
		c ^= bits.RotateLeft32(b, 8)
		b += a
		a -= c
		a ^= bits.RotateLeft32(c, 16)
		c += b
		b -= a
		b ^= bits.RotateLeft32(a, 19)
		a += c
		c -= b
		c ^= bits.RotateLeft32(b, 4)
		b += a
		k = k[3:]
	}
	switch len(k) {
	case 3:
		c += k[2]
		fallthrough
	case 2:
		b += k[1]
		fallthrough
	case 1:
		a += k[0]
		c ^= b
		c -= bits.RotateLeft32(b, 14)
		a ^= c
		a -= bits.RotateLeft32(c, 11)
		b ^= a
		b -= bits.RotateLeft32(a, 25)
		c ^= b
		c -= bits.RotateLeft32(b, 16)
		a ^= c
		a -= bits.RotateLeft32(c, 4)
		b ^= a
		b -= bits.RotateLeft32(a, 14)
		c ^= b
		c -= bits.RotateLeft32(b, 24)
	}
	return c
}

// inetWords returns an address as the kernel's union nf_inet_addr read as
// host-order (little-endian) 32-bit words: an IPv4 address fills the first
// word and the rest are zero.
func inetWords(a netip.Addr) [4]uint32 {
	var w [4]uint32
	if a.Is4() {
		b := a.As4()
		w[0] = binary.LittleEndian.Uint32(b[:])
		return w
	}
	b := a.As16()
	for i := range w {
		w[i] = binary.LittleEndian.Uint32(b[4*i:])
	}
	return w
}

// bestIP is nf_nat_core.c find_best_ips_proto for a source NAT: a hash
// of the source address (and the destination unless persistent) scaled
// into the range, so that a client keeps its external address per
// destination (or for all destinations when persistent).
func bestIP(r rangeV, src, dst netip.Addr, persistent bool) netip.Addr {
	if r.from == r.to {
		return r.from
	}
	sw, dw := inetWords(src), inetWords(dst)
	max := 3
	if src.Is4() {
		max = 0
	}
	var initval uint32
	if !persistent {
		initval = dw[max]
	}
	j := jhash2(sw[:], initval)
	lo, hi := inetWordsBE(r.from), inetWordsBE(r.to)
	var out [4]uint32
	full := false
	for i := 0; i <= max; i++ {
		var minip, dist uint32
		if !full {
			minip = lo[i]
			dist = hi[i] - minip + 1
		} else {
			minip, dist = 0, ^uint32(0)
		}
		out[i] = minip + uint32((uint64(j)*uint64(dist))>>32) // reciprocal_scale
		if out[i] != hi[i] {
			full = true
		}
		if !persistent {
			j ^= dw[i]
		}
	}
	if src.Is4() {
		var b [4]byte
		binary.BigEndian.PutUint32(b[:], out[0])
		return netip.AddrFrom4(b)
	}
	var b [16]byte
	for i := range out {
		binary.BigEndian.PutUint32(b[4*i:], out[i])
	}
	return netip.AddrFrom16(b)
}

// inetWordsBE returns the address as network-order numbers (ntohl of each
// word).
func inetWordsBE(a netip.Addr) [4]uint32 {
	var w [4]uint32
	if a.Is4() {
		b := a.As4()
		w[0] = binary.BigEndian.Uint32(b[:])
		return w
	}
	b := a.As16()
	for i := range w {
		w[i] = binary.BigEndian.Uint32(b[4*i:])
	}
	return w
}
