package netcalc

import (
	"iter"
	"math/bits"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"unsafe"

	"go4.org/netipx"
)

// Set is an immutable set of IPv4 and IPv6 addresses, held as sorted,
// disjoint ranges of 32-bit and 128-bit integers. IPv4 and IPv6 never mix:
// an IPv4-mapped IPv6 address (::ffff:10.0.0.1) is an IPv6 member and is
// not contained in an IPv4 prefix, as in net/netip. Zones are dropped.
//
// The zero Set (and a nil *Set) is empty and ready to use. Build a Set
// with a SetBuilder, or combine Sets with Union, Intersect and Subtract.
// Set does what go4.org/netipx's IPSet does, with a faster builder for
// lists of millions of entries (a sort of packed integers and one sweep);
// netipx serves as the oracle in its tests.
type Set struct {
	v4 []span4
	v6 []span6
}

// SetBuilder accumulates additions and removals for a Set. Its zero value
// is an empty builder ready to use.
type SetBuilder struct {
	add4 []uint64 // lo<<32 | hi, sorted at Set time
	add6 []span6
	rm4  []uint64
	rm6  []span6
}

func pack4(s span4) uint64 { return uint64(s.lo)<<32 | uint64(s.hi) }

// AddAddr adds one address. An invalid address is ignored.
func (b *SetBuilder) AddAddr(a netip.Addr) {
	b.AddPrefix(netip.PrefixFrom(a, a.BitLen()))
}

// AddPrefix adds the addresses of p's network (host bits are ignored:
// 10.0.0.1/24 adds 10.0.0.0-10.0.0.255). An invalid prefix is ignored.
func (b *SetBuilder) AddPrefix(p netip.Prefix) {
	switch {
	case !p.IsValid():
	case p.Addr().Is4():
		b.add4 = append(b.add4, pack4(prefixSpan4(toA4(p.Addr()), p.Bits())))
	default:
		b.add6 = append(b.add6, prefixSpan6(toA6(p.Addr()), p.Bits()))
	}
}

// AddRange adds the addresses of r. An invalid range (mixed families or
// From after To) is ignored.
func (b *SetBuilder) AddRange(r netipx.IPRange) {
	switch {
	case !r.IsValid():
	case r.From().Is4():
		b.add4 = append(b.add4, pack4(span4{toA4(r.From()), toA4(r.To())}))
	default:
		b.add6 = append(b.add6, span6{toA6(r.From()), toA6(r.To())})
	}
}

// AddSet adds every address of s.
func (b *SetBuilder) AddSet(s *Set) {
	if s == nil {
		return
	}
	for _, r := range s.v4 {
		b.add4 = append(b.add4, pack4(r))
	}
	b.add6 = append(b.add6, s.v6...)
}

// RemoveAddr removes one address. Removals apply after all additions,
// whatever the order of the calls.
func (b *SetBuilder) RemoveAddr(a netip.Addr) {
	b.RemovePrefix(netip.PrefixFrom(a, a.BitLen()))
}

// RemovePrefix removes the addresses of p's network (host bits ignored).
// Removals apply after all additions, whatever the order of the calls.
func (b *SetBuilder) RemovePrefix(p netip.Prefix) {
	switch {
	case !p.IsValid():
	case p.Addr().Is4():
		b.rm4 = append(b.rm4, pack4(prefixSpan4(toA4(p.Addr()), p.Bits())))
	default:
		b.rm6 = append(b.rm6, prefixSpan6(toA6(p.Addr()), p.Bits()))
	}
}

// RemoveRange removes the addresses of r. Removals apply after all
// additions, whatever the order of the calls.
func (b *SetBuilder) RemoveRange(r netipx.IPRange) {
	switch {
	case !r.IsValid():
	case r.From().Is4():
		b.rm4 = append(b.rm4, pack4(span4{toA4(r.From()), toA4(r.To())}))
	default:
		b.rm6 = append(b.rm6, span6{toA6(r.From()), toA6(r.To())})
	}
}

// RemoveSet removes every address of s. Removals apply after all
// additions, whatever the order of the calls.
func (b *SetBuilder) RemoveSet(s *Set) {
	if s == nil {
		return
	}
	for _, r := range s.v4 {
		b.rm4 = append(b.rm4, pack4(r))
	}
	b.rm6 = append(b.rm6, s.v6...)
}

// Set returns the union of everything added minus everything removed, and
// resets b to empty. It sorts the packed IPv4 ranges and merges them in one
// sweep: O(n log n) time, and memory close to 8 bytes per IPv4 entry.
func (b *SetBuilder) Set() *Set {
	s := &Set{v4: sweep4(b.add4), v6: normalize6(b.add6)}
	if len(b.rm4) > 0 {
		s.v4 = subtract(s.v4, sweep4(b.rm4))
	}
	if len(b.rm6) > 0 {
		s.v6 = subtract(s.v6, normalize6(b.rm6))
	}
	*b = SetBuilder{}
	return s
}

// sweep4 sorts packed IPv4 ranges and merges them, reusing the slice's
// memory for the result.
func sweep4(ks []uint64) []span4 {
	if len(ks) == 0 {
		return nil
	}
	sortPacked(ks)
	n := 0
	cur := ks[0]
	for _, k := range ks[1:] {
		lo, hi := k>>32, k&0xffffffff
		if lo <= cur&0xffffffff+1 {
			if hi > cur&0xffffffff {
				cur = cur&^0xffffffff | hi
			}
			continue
		}
		ks[n] = cur
		n++
		cur = k
	}
	ks[n] = cur
	n++
	// The spans take the place of the packed keys (both are 8 bytes, the
	// span at index i is written after key i is read): no second array.
	out := unsafe.Slice((*span4)(unsafe.Pointer(unsafe.SliceData(ks))), n)
	for i, k := range ks[:n] {
		out[i] = span4{a4(k >> 32), a4(k)}
	}
	if n < cap(ks)/2 {
		return slices.Clone(out) // do not keep a mostly unused array alive
	}
	return slices.Clip(out)
}

// sortPacked sorts ks by their upper 32 bits (the range starts; sweep4
// does not need the ends in order): an LSD radix sort for large inputs
// (linear time) with three 11-bit digits, whose counts are all taken in
// one read of the input, and a pass skipped where every key has the same
// digit; slices.Sort for small inputs.
func sortPacked(ks []uint64) {
	if len(ks) < 1<<12 {
		slices.Sort(ks)
		return
	}
	const bits = 11
	shifts := [3]uint{32, 32 + bits, 32 + 2*bits}
	var count [3][1 << bits]int
	for _, k := range ks {
		count[0][(k>>shifts[0])&(1<<bits-1)]++
		count[1][(k>>shifts[1])&(1<<bits-1)]++
		count[2][(k>>shifts[2])&(1<<bits-1)]++
	}
	var buf []uint64
	src := ks
	for p, shift := range shifts {
		c := &count[p]
		if c[(src[0]>>shift)&(1<<bits-1)] == len(src) {
			continue // every key has the same digit: nothing to move
		}
		if buf == nil {
			buf = make([]uint64, len(ks))
		}
		dst := buf
		if &src[0] == &buf[0] {
			dst = ks
		}
		pos := 0
		for i, n := range c {
			c[i] = pos
			pos += n
		}
		for _, k := range src {
			d := (k >> shift) & (1<<bits - 1)
			dst[c[d]] = k
			c[d]++
		}
		src = dst
	}
	if &src[0] != &ks[0] {
		copy(ks, src)
	}
}

// SetOfPrefixes returns the set of the given prefixes' networks.
func SetOfPrefixes(ps ...netip.Prefix) *Set {
	var b SetBuilder
	for _, p := range ps {
		b.AddPrefix(p)
	}
	return b.Set()
}

// SetOfRange returns the set of the addresses of r (empty when r is
// invalid).
func SetOfRange(r netipx.IPRange) *Set {
	var b SetBuilder
	b.AddRange(r)
	return b.Set()
}

func (s *Set) get() (v4 []span4, v6 []span6) {
	if s == nil {
		return nil, nil
	}
	return s.v4, s.v6
}

// Union returns the addresses in s or o (linear time).
func (s *Set) Union(o *Set) *Set {
	a4, a6 := s.get()
	b4, b6 := o.get()
	return &Set{v4: union(a4, b4), v6: union(a6, b6)}
}

// Intersect returns the addresses in both s and o (linear time).
func (s *Set) Intersect(o *Set) *Set {
	a4, a6 := s.get()
	b4, b6 := o.get()
	return &Set{v4: intersect(a4, b4), v6: intersect(a6, b6)}
}

// Subtract returns the addresses of s that are not in o (linear time).
func (s *Set) Subtract(o *Set) *Set {
	a4, a6 := s.get()
	b4, b6 := o.get()
	return &Set{v4: subtract(a4, b4), v6: subtract(a6, b6)}
}

// IsEmpty reports whether s has no addresses.
func (s *Set) IsEmpty() bool {
	v4, v6 := s.get()
	return len(v4) == 0 && len(v6) == 0
}

// Equal reports whether s and o hold the same addresses.
func (s *Set) Equal(o *Set) bool {
	a4, a6 := s.get()
	b4, b6 := o.get()
	return slices.Equal(a4, b4) && slices.Equal(a6, b6)
}

// Contains reports whether a is in s. The zone of a is ignored; an
// IPv4-mapped IPv6 address is only found among IPv6 members.
func (s *Set) Contains(a netip.Addr) bool {
	v4, v6 := s.get()
	switch {
	case !a.IsValid():
		return false
	case a.Is4():
		return find(v4, toA4(a)) >= 0
	default:
		return find(v6, toA6(a)) >= 0
	}
}

// ContainsPrefix reports whether every address of p's network is in s.
func (s *Set) ContainsPrefix(p netip.Prefix) bool {
	v4, v6 := s.get()
	switch {
	case !p.IsValid():
		return false
	case p.Addr().Is4():
		return containsSpan(v4, prefixSpan4(toA4(p.Addr()), p.Bits()))
	default:
		return containsSpan(v6, prefixSpan6(toA6(p.Addr()), p.Bits()))
	}
}

// ContainsRange reports whether every address of r is in s; false for an
// invalid range.
func (s *Set) ContainsRange(r netipx.IPRange) bool {
	v4, v6 := s.get()
	switch {
	case !r.IsValid():
		return false
	case r.From().Is4():
		return containsSpan(v4, span4{toA4(r.From()), toA4(r.To())})
	default:
		return containsSpan(v6, span6{toA6(r.From()), toA6(r.To())})
	}
}

// ContainsSet reports whether every address of o is in s.
func (s *Set) ContainsSet(o *Set) bool {
	return o.Subtract(s).IsEmpty()
}

// OverlapsRange reports whether any address of r is in s.
func (s *Set) OverlapsRange(r netipx.IPRange) bool {
	v4, v6 := s.get()
	switch {
	case !r.IsValid():
		return false
	case r.From().Is4():
		return overlapsSpan(v4, span4{toA4(r.From()), toA4(r.To())})
	default:
		return overlapsSpan(v6, span6{toA6(r.From()), toA6(r.To())})
	}
}

// OverlapsPrefix reports whether any address of p's network is in s.
func (s *Set) OverlapsPrefix(p netip.Prefix) bool {
	return p.IsValid() && s.OverlapsRange(netipx.RangeOfPrefix(p.Masked()))
}

// Overlaps reports whether s and o share an address.
func (s *Set) Overlaps(o *Set) bool {
	return !s.Intersect(o).IsEmpty()
}

// Count returns the exact number of addresses in s, IPv4 and IPv6
// together. Like Count.Add it saturates at 2^128, which only a set holding
// all of IPv6 and some IPv4 reaches; Count4 and Count6 are always exact.
func (s *Set) Count() Count {
	return s.Count4().Add(s.Count6())
}

// Count4 returns the number of IPv4 addresses in s.
func (s *Set) Count4() Count {
	v4, _ := s.get()
	var n uint64
	for _, r := range v4 {
		n += uint64(r.hi) - uint64(r.lo) + 1
	}
	return CountFromUint64(n)
}

// Count6 returns the number of IPv6 addresses in s; the whole IPv6 space
// counts 2^128.
func (s *Set) Count6() Count {
	_, v6 := s.get()
	var c Count
	for _, r := range v6 {
		d, ok := r.hi.sub(r.lo).inc()
		if !ok {
			return PowerOfTwo(128)
		}
		c = c.Add(Count{hi: d.hi, lo: d.lo})
	}
	return c
}

// NumRanges returns how many disjoint ranges s holds.
func (s *Set) NumRanges() int {
	v4, v6 := s.get()
	return len(v4) + len(v6)
}

// AllRanges yields the maximal ranges of s in order, IPv4 first.
func (s *Set) AllRanges() iter.Seq[netipx.IPRange] {
	return func(yield func(netipx.IPRange) bool) {
		v4, v6 := s.get()
		for _, r := range v4 {
			if !yield(netipx.IPRangeFrom(r.lo.addr(), r.hi.addr())) {
				return
			}
		}
		for _, r := range v6 {
			if !yield(netipx.IPRangeFrom(r.lo.addr(), r.hi.addr())) {
				return
			}
		}
	}
}

// Ranges returns the maximal ranges of s in order, IPv4 first.
func (s *Set) Ranges() []netipx.IPRange {
	return slices.AppendSeq(make([]netipx.IPRange, 0, s.NumRanges()), s.AllRanges())
}

// AllPrefixes yields the minimal list of prefixes that covers s exactly,
// sorted by address, IPv4 first. It allocates nothing per prefix, so it
// suits streaming millions of them.
func (s *Set) AllPrefixes() iter.Seq[netip.Prefix] {
	return func(yield func(netip.Prefix) bool) {
		v4, v6 := s.get()
		for _, r := range v4 {
			if !eachPrefix4(r, yield) {
				return
			}
		}
		for _, r := range v6 {
			if !eachPrefix6(r, yield) {
				return
			}
		}
	}
}

// Prefixes returns the minimal sorted list of prefixes that covers s
// exactly, IPv4 first.
func (s *Set) Prefixes() []netip.Prefix {
	return slices.Collect(s.AllPrefixes())
}

// String returns the prefixes of s separated by commas, as in a WireGuard
// AllowedIPs line; "" for the empty set.
func (s *Set) String() string {
	var b strings.Builder
	for p := range s.AllPrefixes() {
		if b.Len() > 0 {
			b.WriteString(", ")
		}
		b.WriteString(p.String())
	}
	return b.String()
}

// RangePrefixes returns the minimal sorted list of prefixes that covers r
// exactly (10.0.0.3-10.0.0.77 gives 10.0.0.3/32, 10.0.0.4/30, 10.0.0.8/29,
// 10.0.0.16/28, 10.0.0.32/27, 10.0.0.64/29, 10.0.0.72/30, 10.0.0.76/31),
// or nil for an invalid range. Unlike a cover, it never takes in addresses
// outside r.
func RangePrefixes(r netipx.IPRange) []netip.Prefix {
	var out []netip.Prefix
	add := func(p netip.Prefix) bool { out = append(out, p); return true }
	switch {
	case !r.IsValid():
	case r.From().Is4():
		eachPrefix4(span4{toA4(r.From()), toA4(r.To())}, add)
	default:
		eachPrefix6(span6{toA6(r.From()), toA6(r.To())}, add)
	}
	return out
}

// Supernet returns the smallest single prefix that covers every address
// of s, and false when s is empty or holds both IPv4 and IPv6 addresses
// (no prefix covers both families).
func (s *Set) Supernet() (netip.Prefix, bool) {
	v4, v6 := s.get()
	switch {
	case len(v4) > 0 && len(v6) > 0, len(v4) == 0 && len(v6) == 0:
		return netip.Prefix{}, false
	case len(v4) > 0:
		first, last := v4[0].lo, v4[len(v4)-1].hi
		n := 32
		if d := first ^ last; d != 0 {
			n = 31 - (bits.Len32(uint32(d)) - 1)
		}
		return netip.PrefixFrom(first.addr(), n).Masked(), true
	default:
		first, last := v6[0].lo, v6[len(v6)-1].hi
		n := 128
		if d := (a6{first.hi ^ last.hi, first.lo ^ last.lo}); d != (a6{}) {
			n = 127 - d.log2()
		}
		return netip.PrefixFrom(first.addr(), n).Masked(), true
	}
}

// AppendPrefix appends p as netip.Prefix.AppendTo does, faster: for
// printing millions of prefixes.
func AppendPrefix(b []byte, p netip.Prefix) []byte {
	if !p.IsValid() || p.Addr().Zone() != "" {
		return p.AppendTo(b)
	}
	b = appendAddrText(b, p.Addr())
	b = append(b, '/')
	return strconv.AppendUint(b, uint64(p.Bits()), 10)
}
