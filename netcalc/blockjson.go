package netcalc

import (
	"math/big"
	"net/netip"

	"go4.org/netipx"
)

// AppendPrefixJSON appends p as the JSON object the commands write for a
// block: {"cidr","first","last","addresses"}, the count as a decimal
// string. p's host bits are kept in "cidr" and ignored for the range.
func AppendPrefixJSON(b []byte, p netip.Prefix) []byte {
	r := netipx.RangeOfPrefix(p)
	b = append(b, `{"cidr":"`...)
	b = p.AppendTo(b)
	b = append(b, `","first":"`...)
	b = r.From().AppendTo(b)
	b = append(b, `","last":"`...)
	b = r.To().AppendTo(b)
	b = append(b, `","addresses":"`...)
	b = PrefixCount(p).AppendTo(b)
	return append(b, `"}`...)
}

// AppendRangeJSON appends r as the JSON object the commands write for a
// range: {"first","last","addresses"}, the count as a decimal string.
func AppendRangeJSON(b []byte, r netipx.IPRange) []byte {
	b = append(b, `{"first":"`...)
	b = r.From().AppendTo(b)
	b = append(b, `","last":"`...)
	b = r.To().AppendTo(b)
	b = append(b, `","addresses":"`...)
	b = RangeCount(r.From(), r.To()).AppendTo(b)
	return append(b, `"}`...)
}

// BigCount returns the exact number of addresses in s. Count saturates at
// 2^128, so a set holding all of IPv6 and some IPv4 (up to 2^128+2^32
// addresses) needs this.
func (s *Set) BigCount() *big.Int {
	v4, v6 := s.Count4(), s.Count6()
	if sum := v4.Add(v6); sum.Cmp(PowerOfTwo(128)) < 0 {
		return sum.Big()
	}
	return new(big.Int).Add(v4.Big(), v6.Big())
}

// NumPrefixes returns the number of prefixes AllPrefixes yields: the
// length of the minimal CIDR list of s.
func (s *Set) NumPrefixes() int {
	n := 0
	for range s.AllPrefixes() {
		n++
	}
	return n
}

// AppendSubnetJSON appends p as the JSON object split writes for a
// subnet: {"cidr","first","last","addresses","usable_hosts"}, the counts
// as decimal strings.
func AppendSubnetJSON(b []byte, p netip.Prefix) []byte {
	b = AppendPrefixJSON(b, p)
	b = append(b[:len(b)-1], `,"usable_hosts":"`...)
	b = UsableHosts(p).AppendTo(b)
	return append(b, `"}`...)
}

// Cover is the smallest single prefix holding a set, with its price: how
// many of its addresses the set does not hold.
type Cover struct {
	Prefix    netip.Prefix `json:"cidr"`
	First     netip.Addr   `json:"first"`
	Last      netip.Addr   `json:"last"`
	Addresses Count        `json:"addresses"`
	Inputs    Count        `json:"input_addresses"` // the set's own addresses
	Extra     Count        `json:"extra_addresses"` // Addresses - Inputs
}

// Cover returns Supernet's prefix with its range and counts; ok is false
// when Supernet's is.
func (s *Set) Cover() (c Cover, ok bool) {
	p, ok := s.Supernet()
	if !ok {
		return c, false
	}
	r := netipx.RangeOfPrefix(p)
	c = Cover{Prefix: p, First: r.From(), Last: r.To(), Addresses: PrefixCount(p), Inputs: s.Count()}
	c.Extra = c.Addresses.Sub(c.Inputs)
	return c, true
}

// SetSummary is the size of a set as merge --total -o json writes it: the
// number of addresses in decimal (a string, as it may pass 2^64), the
// count of each family, and how many prefixes and ranges list it.
type SetSummary struct {
	Addresses string `json:"addresses"`
	IPv4      Count  `json:"ipv4"`
	IPv6      Count  `json:"ipv6"`
	CIDRs     int    `json:"cidrs"`
	Ranges    int    `json:"ranges"`
}

// Summary returns the size of s.
func (s *Set) Summary() SetSummary {
	return SetSummary{s.BigCount().String(), s.Count4(), s.Count6(), s.NumPrefixes(), s.NumRanges()}
}

// AppendJSON appends o as the JSON object overlaps writes for a pair:
// {"a": TEXT, "b": TEXT, "overlap": [CIDR...], "addresses": "N"}, where a
// and b are the texts the two ranges were read from and the overlap is the
// common part as its minimal sorted CIDR list, counted in decimal.
func (o Overlap) AppendJSON(dst []byte, a, b string) []byte {
	dst = append(dst, `{"a":`...)
	dst = AppendJSONString(dst, a)
	dst = append(dst, `,"b":`...)
	dst = AppendJSONString(dst, b)
	dst = append(dst, `,"overlap":[`...)
	for i, p := range RangePrefixes(o.Common) {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, '"')
		dst = p.AppendTo(dst)
		dst = append(dst, '"')
	}
	dst = append(dst, `],"addresses":"`...)
	dst = RangeCount(o.Common.From(), o.Common.To()).AppendTo(dst)
	return append(dst, `"}`...)
}
