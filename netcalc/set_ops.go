package netcalc

import (
	"cmp"
	"slices"
	"sort"
)

// Generic algorithms on normalized span lists: sorted by lo, disjoint and
// not adjacent (a gap of at least one address between neighbours).

// coalescer appends spans given in order of lo, merging overlapping and
// adjacent ones.
type coalescer[T addrNum[T]] struct {
	out  []span[T]
	open bool
	cur  span[T]
}

func (c *coalescer[T]) push(s span[T]) {
	if c.open {
		next, ok := c.cur.hi.inc()
		if !ok || !next.less(s.lo) { // s starts inside cur or right after it
			if c.cur.hi.less(s.hi) {
				c.cur.hi = s.hi
			}
			return
		}
		c.out = append(c.out, c.cur)
	}
	c.cur, c.open = s, true
}

func (c *coalescer[T]) done() []span[T] {
	if c.open {
		c.out = append(c.out, c.cur)
		c.open = false
	}
	return c.out
}

// normalize6 sorts rs and merges it in place. The comparison is written
// out for a6: through the generic less method it is twice as slow.
func normalize6(rs []span6) []span6 {
	if len(rs) == 0 {
		return nil
	}
	slices.SortFunc(rs, func(a, b span6) int {
		if c := cmp.Compare(a.lo.hi, b.lo.hi); c != 0 {
			return c
		}
		return cmp.Compare(a.lo.lo, b.lo.lo)
	})
	return coalesceSorted(rs)
}

// coalesceSorted merges a list sorted by lo in place.
func coalesceSorted[T addrNum[T]](rs []span[T]) []span[T] {
	c := coalescer[T]{out: rs[:0]}
	for _, s := range rs {
		c.push(s)
	}
	return slices.Clip(c.done())
}

// union merges two normalized lists in linear time.
func union[T addrNum[T]](a, b []span[T]) []span[T] {
	c := coalescer[T]{out: make([]span[T], 0, len(a)+len(b))}
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		if j == len(b) || (i < len(a) && !b[j].lo.less(a[i].lo)) {
			c.push(a[i])
			i++
		} else {
			c.push(b[j])
			j++
		}
	}
	return slices.Clip(c.done())
}

// intersect returns the addresses in both normalized lists.
func intersect[T addrNum[T]](a, b []span[T]) []span[T] {
	var out []span[T]
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		lo, hi := a[i].lo, a[i].hi
		if lo.less(b[j].lo) {
			lo = b[j].lo
		}
		if b[j].hi.less(hi) {
			hi = b[j].hi
		}
		if !hi.less(lo) {
			out = append(out, span[T]{lo, hi})
		}
		if a[i].hi.less(b[j].hi) {
			i++
		} else {
			j++
		}
	}
	return out
}

// subtract returns the addresses of a that are not in b.
func subtract[T addrNum[T]](a, b []span[T]) []span[T] {
	if len(b) == 0 {
		return a
	}
	out := make([]span[T], 0, len(a))
	j := 0
	for _, s := range a {
		// skip b's ranges that end before s starts
		for j < len(b) && b[j].hi.less(s.lo) {
			j++
		}
		lo := s.lo
		alive := true
		k := j
		for ; k < len(b) && !s.hi.less(b[k].lo); k++ {
			if lo.less(b[k].lo) {
				prev, _ := b[k].lo.dec()
				out = append(out, span[T]{lo, prev})
			}
			next, ok := b[k].hi.inc()
			if !ok || s.hi.less(next) {
				alive = false
				break
			}
			lo = next
		}
		if alive {
			out = append(out, span[T]{lo, s.hi})
		}
	}
	return out
}

// find returns the index of the span holding x, or -1.
func find[T addrNum[T]](rs []span[T], x T) int {
	// first span whose hi >= x
	i := sort.Search(len(rs), func(i int) bool { return !rs[i].hi.less(x) })
	if i < len(rs) && !x.less(rs[i].lo) {
		return i
	}
	return -1
}

// containsSpan reports whether s lies inside one span of rs.
func containsSpan[T addrNum[T]](rs []span[T], s span[T]) bool {
	i := find(rs, s.lo)
	return i >= 0 && !rs[i].hi.less(s.hi)
}

// overlapsSpan reports whether any address of s is in rs.
func overlapsSpan[T addrNum[T]](rs []span[T], s span[T]) bool {
	i := sort.Search(len(rs), func(i int) bool { return !rs[i].hi.less(s.lo) })
	return i < len(rs) && !s.hi.less(rs[i].lo)
}
