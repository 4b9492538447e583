package netcalc

import (
	"math/big"
	"math/bits"
	"net/netip"
	"strconv"
)

// Count is an exact non-negative number of addresses, wide enough for the
// 2^128 addresses of ::/0. The zero value is 0. Counts never use floating
// point.
type Count struct {
	hi, lo uint64
	full   bool // the value is exactly 2^128 (hi and lo are zero)
}

// CountFromUint64 returns n as a Count.
func CountFromUint64(n uint64) Count { return Count{lo: n} }

// PowerOfTwo returns 2^n for 0 <= n <= 128; other n give the zero Count.
func PowerOfTwo(n int) Count {
	switch {
	case n < 0 || n > 128:
		return Count{}
	case n == 128:
		return Count{full: true}
	case n >= 64:
		return Count{hi: 1 << (n - 64)}
	default:
		return Count{lo: 1 << n}
	}
}

// PrefixCount returns the number of addresses in p (2^(bits-len)), or zero
// for an invalid prefix.
func PrefixCount(p netip.Prefix) Count {
	if !p.IsValid() {
		return Count{}
	}
	return PowerOfTwo(p.Addr().BitLen() - p.Bits())
}

// RangeCount returns the number of addresses from first to last inclusive,
// or zero if they are of different families or last < first.
func RangeCount(first, last netip.Addr) Count {
	if !first.IsValid() || first.BitLen() != last.BitLen() || last.Less(first) {
		return Count{}
	}
	fh, fl := addrUint128(first)
	lh, ll := addrUint128(last)
	lo, borrow := bits.Sub64(ll, fl, 0)
	hi, _ := bits.Sub64(lh, fh, borrow)
	// +1 for the inclusive range
	lo, carry := bits.Add64(lo, 1, 0)
	hi, carry = bits.Add64(hi, 0, carry)
	return Count{hi: hi, lo: lo, full: carry == 1}
}

// Add returns c+d. Sums beyond 2^128 saturate at 2^128, the size of the
// whole IPv6 space.
func (c Count) Add(d Count) Count {
	if c.full || d.full {
		return Count{full: true}
	}
	lo, carry := bits.Add64(c.lo, d.lo, 0)
	hi, carry := bits.Add64(c.hi, d.hi, carry)
	if carry == 1 {
		return Count{full: true}
	}
	return Count{hi: hi, lo: lo}
}

// Sub returns c-d, or zero when d > c.
func (c Count) Sub(d Count) Count {
	if c.Cmp(d) <= 0 {
		return Count{}
	}
	if c.full { // 2^128 - d = (2^128-1) - d + 1
		lo, b := bits.Sub64(^uint64(0), d.lo, 0)
		hi, _ := bits.Sub64(^uint64(0), d.hi, b)
		return Count{hi: hi, lo: lo}.Add(Count{lo: 1})
	}
	lo, b := bits.Sub64(c.lo, d.lo, 0)
	hi, _ := bits.Sub64(c.hi, d.hi, b)
	return Count{hi: hi, lo: lo}
}

// Cmp returns -1, 0 or +1 as c is less than, equal to or greater than d.
func (c Count) Cmp(d Count) int {
	switch {
	case c.full && d.full:
		return 0
	case c.full:
		return 1
	case d.full:
		return -1
	case c.hi != d.hi:
		if c.hi < d.hi {
			return -1
		}
		return 1
	case c.lo != d.lo:
		if c.lo < d.lo {
			return -1
		}
		return 1
	}
	return 0
}

// IsZero reports whether c is 0.
func (c Count) IsZero() bool { return !c.full && c.hi == 0 && c.lo == 0 }

// Uint64 returns c and true when it fits in a uint64.
func (c Count) Uint64() (uint64, bool) {
	if c.full || c.hi != 0 {
		return 0, false
	}
	return c.lo, true
}

// Big returns c as a new big.Int.
func (c Count) Big() *big.Int {
	if c.full {
		return new(big.Int).Lsh(big.NewInt(1), 128)
	}
	v := new(big.Int).SetUint64(c.hi)
	v.Lsh(v, 64)
	return v.Or(v, new(big.Int).SetUint64(c.lo))
}

// String returns c in decimal.
func (c Count) String() string { return string(c.AppendTo(nil)) }

// AppendTo appends c in decimal to b.
func (c Count) AppendTo(b []byte) []byte {
	if !c.full && c.hi == 0 {
		return strconv.AppendUint(b, c.lo, 10)
	}
	if c.full {
		return append(b, "340282366920938463463374607431768211456"...)
	}
	// Split into base-1e19 digits with 128/64-bit division.
	const base = 1e19
	var parts [3]uint64
	hi, lo := c.hi, c.lo
	n := 0
	for hi != 0 || n == 0 {
		qhi := hi / base
		r := hi % base
		qlo, rem := bits.Div64(r, lo, base)
		parts[n] = rem
		n++
		hi, lo = qhi, qlo
	}
	b = strconv.AppendUint(b, lo, 10)
	for i := n - 1; i >= 0; i-- {
		var d [19]byte
		v := parts[i]
		for j := 18; j >= 0; j-- {
			d[j] = byte('0' + v%10)
			v /= 10
		}
		b = append(b, d[:]...)
	}
	return b
}

// MarshalText implements encoding.TextMarshaler: the decimal digits.
func (c Count) MarshalText() ([]byte, error) { return c.AppendTo(nil), nil }

// MarshalJSON encodes c as a JSON string of decimal digits, since counts
// can exceed 2^53 and JSON numbers lose precision there.
func (c Count) MarshalJSON() ([]byte, error) {
	b := append([]byte{'"'}, c.AppendTo(nil)...)
	return append(b, '"'), nil
}

// UnmarshalText implements encoding.TextUnmarshaler.
func (c *Count) UnmarshalText(text []byte) error {
	v, ok := new(big.Int).SetString(string(text), 10)
	if !ok || v.Sign() < 0 || v.BitLen() > 129 {
		return parseErr(string(text), ErrSyntax, "not a count: want decimal digits up to 2^128")
	}
	max := new(big.Int).Lsh(big.NewInt(1), 128)
	switch v.Cmp(max) {
	case 1:
		return parseErr(string(text), ErrSyntax, "count above 2^128")
	case 0:
		*c = Count{full: true}
		return nil
	}
	lo := new(big.Int).And(v, new(big.Int).SetUint64(^uint64(0))).Uint64()
	*c = Count{hi: new(big.Int).Rsh(v, 64).Uint64(), lo: lo}
	return nil
}

// addrUint128 returns the address as a 128-bit number (IPv4 in the low 32
// bits).
func addrUint128(a netip.Addr) (hi, lo uint64) {
	if a.Is4() {
		b := a.As4()
		return 0, uint64(b[0])<<24 | uint64(b[1])<<16 | uint64(b[2])<<8 | uint64(b[3])
	}
	b := a.As16()
	for i := 0; i < 8; i++ {
		hi = hi<<8 | uint64(b[i])
		lo = lo<<8 | uint64(b[i+8])
	}
	return hi, lo
}
