package netcalc

import (
	"cmp"
	"slices"

	"go4.org/netipx"
)

// Overlap is a pair of ranges that share addresses: A and B index the
// slice given to Overlaps (A < B), and Common holds the addresses in both.
type Overlap struct {
	A, B   int
	Common netipx.IPRange
}

// Overlaps returns every pair of rs that shares at least one address,
// ordered by A then B. It sorts the ranges by first address and sweeps
// them, so it takes O(n log n) time plus the number of pairs, not n². An
// IPv4 range never overlaps an IPv6 range (an IPv4-mapped ::ffff:10.0.0.1
// is IPv6); invalid ranges overlap nothing.
func Overlaps(rs []netipx.IPRange) []Overlap {
	order := make([]int, 0, len(rs))
	for i, r := range rs {
		if r.IsValid() {
			order = append(order, i)
		}
	}
	slices.SortFunc(order, func(i, j int) int {
		return cmp.Or(rs[i].From().Compare(rs[j].From()), cmp.Compare(i, j))
	})
	var out []Overlap
	var active []int
	for _, j := range order {
		from := rs[j].From()
		// Drop the ranges that end before this one starts; ranges of the
		// other family end before any address of a later family, as
		// netip orders IPv4 first.
		active = slices.DeleteFunc(active, func(i int) bool { return rs[i].To().Less(from) })
		for _, i := range active {
			a, b := min(i, j), max(i, j)
			out = append(out, Overlap{A: a, B: b, Common: commonRange(rs[a], rs[b])})
		}
		active = append(active, j)
	}
	slices.SortFunc(out, func(x, y Overlap) int { return cmp.Or(cmp.Compare(x.A, y.A), cmp.Compare(x.B, y.B)) })
	return out
}

// commonRange returns the addresses in both of two overlapping ranges.
func commonRange(a, b netipx.IPRange) netipx.IPRange {
	from, to := a.From(), a.To()
	if from.Less(b.From()) {
		from = b.From()
	}
	if b.To().Less(to) {
		to = b.To()
	}
	return netipx.IPRangeFrom(from, to)
}
