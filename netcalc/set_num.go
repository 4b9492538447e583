package netcalc

import (
	"encoding/binary"
	"math/bits"
	"net/netip"
)

// This file holds the integer forms of addresses the set code works on:
// a4 is an IPv4 address as a uint32, a6 an IPv6 address as a 128-bit
// number, and span an inclusive range of either.

type a4 uint32

type a6 struct{ hi, lo uint64 }

// addrNum is the arithmetic the generic set algorithms need.
type addrNum[T any] interface {
	comparable
	less(T) bool
	inc() (T, bool) // x+1 and false when x is the largest value
	dec() (T, bool) // x-1 and false when x is zero
}

func (x a4) less(y a4) bool { return x < y }
func (x a4) inc() (a4, bool) {
	if x == ^a4(0) {
		return x, false
	}
	return x + 1, true
}
func (x a4) dec() (a4, bool) {
	if x == 0 {
		return x, false
	}
	return x - 1, true
}

func (x a6) less(y a6) bool { return x.hi < y.hi || (x.hi == y.hi && x.lo < y.lo) }
func (x a6) inc() (a6, bool) {
	lo, c := bits.Add64(x.lo, 1, 0)
	hi, c := bits.Add64(x.hi, 0, c)
	if c != 0 {
		return x, false
	}
	return a6{hi, lo}, true
}
func (x a6) dec() (a6, bool) {
	lo, b := bits.Sub64(x.lo, 1, 0)
	hi, b := bits.Sub64(x.hi, 0, b)
	if b != 0 {
		return x, false
	}
	return a6{hi, lo}, true
}

func (x a6) sub(y a6) a6 {
	lo, b := bits.Sub64(x.lo, y.lo, 0)
	hi, _ := bits.Sub64(x.hi, y.hi, b)
	return a6{hi, lo}
}

func (x a6) add(y a6) a6 {
	lo, c := bits.Add64(x.lo, y.lo, 0)
	hi, _ := bits.Add64(x.hi, y.hi, c)
	return a6{hi, lo}
}

func (x a6) tz() int {
	if x.lo != 0 {
		return bits.TrailingZeros64(x.lo)
	}
	return 64 + bits.TrailingZeros64(x.hi) // 128 for zero
}

// log2 returns floor(log2(x)) for x > 0.
func (x a6) log2() int {
	if x.hi != 0 {
		return 127 - bits.LeadingZeros64(x.hi)
	}
	return 63 - bits.LeadingZeros64(x.lo)
}

// pow2m1 returns 2^n - 1 for 0 <= n <= 128.
func pow2m1(n int) a6 {
	switch {
	case n >= 128:
		return a6{^uint64(0), ^uint64(0)}
	case n >= 64:
		return a6{1<<(n-64) - 1, ^uint64(0)}
	default:
		return a6{0, 1<<n - 1}
	}
}

// span is an inclusive range lo..hi with lo <= hi.
type span[T addrNum[T]] struct{ lo, hi T }

type (
	span4 = span[a4]
	span6 = span[a6]
)

func toA4(a netip.Addr) a4 {
	b := a.As4()
	return a4(binary.BigEndian.Uint32(b[:]))
}

func toA6(a netip.Addr) a6 {
	b := a.As16()
	return a6{binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint64(b[8:])}
}

func (x a4) addr() netip.Addr {
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], uint32(x))
	return netip.AddrFrom4(b)
}

func (x a6) addr() netip.Addr {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], x.hi)
	binary.BigEndian.PutUint64(b[8:], x.lo)
	return netip.AddrFrom16(b)
}

// prefixSpan4 returns the addresses of the masked prefix of length n
// holding x.
func prefixSpan4(x a4, n int) span4 {
	if n == 0 {
		return span4{0, ^a4(0)}
	}
	mask := ^a4(0) << (32 - n)
	return span4{x & mask, x | ^mask}
}

func prefixSpan6(x a6, n int) span6 {
	host := pow2m1(128 - n)
	return span6{a6{x.hi &^ host.hi, x.lo &^ host.lo}, a6{x.hi | host.hi, x.lo | host.lo}}
}

// eachPrefix4 calls yield with the minimal, sorted list of prefixes that
// covers s exactly; it stops early when yield returns false.
func eachPrefix4(s span4, yield func(netip.Prefix) bool) bool {
	lo, hi := uint64(s.lo), uint64(s.hi)
	for {
		n := hi - lo + 1
		size := bits.Len64(n) - 1 // floor(log2(n))
		if lo != 0 {
			if tz := bits.TrailingZeros64(lo); tz < size {
				size = tz
			}
		}
		if !yield(netip.PrefixFrom(a4(lo).addr(), 32-size)) {
			return false
		}
		lo += 1 << size
		if lo > hi {
			return true
		}
	}
}

func eachPrefix6(s span6, yield func(netip.Prefix) bool) bool {
	lo, hi := s.lo, s.hi
	for {
		var size int
		n, ok := hi.sub(lo).inc()
		if !ok { // the whole space
			size = 128
		} else {
			size = n.log2()
		}
		if tz := lo.tz(); tz < size {
			size = tz
		}
		if !yield(netip.PrefixFrom(lo.addr(), 128-size)) {
			return false
		}
		last := lo.add(pow2m1(size))
		if last == hi {
			return true
		}
		lo, _ = last.inc()
	}
}
