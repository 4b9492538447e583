package netcalc

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"go4.org/netipx"
)

// randEntry returns a random prefix or range, mostly inside small windows
// so that entries overlap and touch, sometimes at the ends of the address
// spaces, where off-by-one and overflow bugs live.
func randEntry(rng *rand.Rand) netipx.IPRange {
	v4 := rng.IntN(2) == 0
	var base netip.Addr
	switch rng.IntN(10) {
	case 0:
		base = netip.MustParseAddr("0.0.0.0")
		if !v4 {
			base = netip.MustParseAddr("::")
		}
	case 1:
		base = netip.MustParseAddr("255.255.240.0")
		if !v4 {
			base = netip.MustParseAddr("ffff:ffff:ffff:ffff:ffff:ffff:ffff:f000")
		}
	default:
		base = netip.MustParseAddr("10.20.0.0")
		if !v4 {
			base = netip.MustParseAddr("2001:db8::")
		}
	}
	bits := base.BitLen()
	off := func() netip.Addr {
		a := base
		b := a.AsSlice()
		n := rng.Uint32N(1 << 12)
		b[len(b)-2] |= byte(n >> 8)
		b[len(b)-1] |= byte(n)
		a, _ = netip.AddrFromSlice(b)
		return a
	}
	if rng.IntN(3) == 0 { // a range
		a, b := off(), off()
		if b.Less(a) {
			a, b = b, a
		}
		return netipx.IPRangeFrom(a, b)
	}
	p := netip.PrefixFrom(off(), bits-rng.IntN(13)).Masked()
	if rng.IntN(50) == 0 {
		p = netip.PrefixFrom(base, rng.IntN(3)).Masked() // huge: /0, /1, /2
	}
	return netipx.RangeOfPrefix(p)
}

func buildBoth(rng *rand.Rand, nadd, nrm int) (*Set, *netipx.IPSet) {
	var b SetBuilder
	var o netipx.IPSetBuilder
	var adds, rms []netipx.IPRange
	for range nadd {
		adds = append(adds, randEntry(rng))
	}
	for range nrm {
		rms = append(rms, randEntry(rng))
	}
	// the builder applies removals after additions whatever the call order
	for i := 0; i < len(adds) || i < len(rms); i++ {
		if i < len(rms) {
			b.RemoveRange(rms[i])
		}
		if i < len(adds) {
			b.AddRange(adds[i])
			o.AddRange(adds[i])
		}
	}
	for _, r := range rms {
		o.RemoveRange(r)
	}
	os, err := o.IPSet()
	if err != nil {
		panic(err)
	}
	return b.Set(), os
}

func TestSetAgainstNetipx(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 400; i++ {
		nadd, nrm := 1+rng.IntN(60), rng.IntN(20)
		s, o := buildBoth(rng, nadd, nrm)
		if got, want := s.Prefixes(), o.Prefixes(); !slices.Equal(got, want) {
			t.Fatalf("case %d: Prefixes() = %v; want %v", i, got, want)
		}
		if got, want := s.Ranges(), o.Ranges(); !slices.Equal(got, want) {
			t.Fatalf("case %d: Ranges() = %v; want %v", i, got, want)
		}
		// membership of random probes
		for range 50 {
			r := randEntry(rng)
			a := r.From()
			if got, want := s.Contains(a), o.Contains(a); got != want {
				t.Fatalf("case %d: Contains(%v) = %v; want %v", i, a, got, want)
			}
			if got, want := s.ContainsRange(r), o.ContainsRange(r); got != want {
				t.Fatalf("case %d: ContainsRange(%v) = %v; want %v", i, r, got, want)
			}
			if got, want := s.OverlapsRange(r), o.OverlapsRange(r); got != want {
				t.Fatalf("case %d: OverlapsRange(%v) = %v; want %v", i, r, got, want)
			}
		}
		// counts: the sum of the netipx prefixes' sizes
		var want Count
		for _, p := range o.Prefixes() {
			want = want.Add(PrefixCount(p))
		}
		if got := s.Count(); got.Cmp(want) != 0 {
			t.Fatalf("case %d: Count() = %v; want %v", i, got, want)
		}
	}
}

func TestSetOpsAgainstNetipx(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for i := 0; i < 300; i++ {
		a, oa := buildBoth(rng, 1+rng.IntN(40), rng.IntN(10))
		b, ob := buildBoth(rng, 1+rng.IntN(40), rng.IntN(10))
		ops := []struct {
			name string
			got  *Set
			want func(*netipx.IPSetBuilder)
		}{
			{"Union", a.Union(b), func(x *netipx.IPSetBuilder) { x.AddSet(ob) }},
			{"Intersect", a.Intersect(b), func(x *netipx.IPSetBuilder) { x.Intersect(ob) }},
			{"Subtract", a.Subtract(b), func(x *netipx.IPSetBuilder) { x.RemoveSet(ob) }},
		}
		for _, op := range ops {
			var x netipx.IPSetBuilder
			x.AddSet(oa)
			op.want(&x)
			want, _ := x.IPSet()
			if got := op.got.Ranges(); !slices.Equal(got, want.Ranges()) {
				t.Fatalf("case %d: %s = %v; want %v (a=%v b=%v)", i, op.name, got, want.Ranges(), a, b)
			}
		}
		if got, want := a.Overlaps(b), oa.Overlaps(ob); got != want {
			t.Fatalf("case %d: Overlaps = %v; want %v", i, got, want)
		}
		if got, want := a.Union(b).ContainsSet(a), true; got != want {
			t.Fatalf("case %d: (a∪b).ContainsSet(a) = %v; want %v", i, got, want)
		}
		// the builder agrees with the linear-time operations
		var bb SetBuilder
		bb.AddSet(a)
		bb.RemoveSet(b)
		if got := bb.Set(); !got.Equal(a.Subtract(b)) {
			t.Fatalf("case %d: builder AddSet/RemoveSet = %v; want %v", i, got, a.Subtract(b))
		}
	}
}

// slowRangePrefixes is the textbook reference: repeatedly take the
// largest aligned block that starts at the first address and fits, using
// math/big through Count and netip only.
func slowRangePrefixes(r netipx.IPRange) []netip.Prefix {
	var out []netip.Prefix
	from := r.From()
	for {
		var p netip.Prefix
		for n := 0; n <= from.BitLen(); n++ {
			c := netip.PrefixFrom(from, n)
			if c.Masked().Addr() != from {
				continue
			}
			if rc := netipx.RangeOfPrefix(c); !r.To().Less(rc.To()) {
				p = c
				break
			}
		}
		out = append(out, p)
		last := netipx.RangeOfPrefix(p).To()
		if last == r.To() {
			return out
		}
		from = last.Next()
	}
}

func TestRangePrefixes(t *testing.T) {
	tests := []struct {
		name, in string
		want     string
	}{
		{"issue example", "10.0.0.3-10.0.0.77", "10.0.0.3/32 10.0.0.4/30 10.0.0.8/29 10.0.0.16/28 10.0.0.32/27 10.0.0.64/29 10.0.0.72/30 10.0.0.76/31"},
		{"single address", "10.0.0.1-10.0.0.1", "10.0.0.1/32"},
		{"whole IPv4", "0.0.0.0-255.255.255.255", "0.0.0.0/0"},
		{"top of IPv4", "255.255.255.254-255.255.255.255", "255.255.255.254/31"},
		{"all but zero", "0.0.0.1-255.255.255.255", "0.0.0.1/32 0.0.0.2/31 0.0.0.4/30 0.0.0.8/29 0.0.0.16/28 0.0.0.32/27 0.0.0.64/26 0.0.0.128/25 0.0.1.0/24 0.0.2.0/23 0.0.4.0/22 0.0.8.0/21 0.0.16.0/20 0.0.32.0/19 0.0.64.0/18 0.0.128.0/17 0.1.0.0/16 0.2.0.0/15 0.4.0.0/14 0.8.0.0/13 0.16.0.0/12 0.32.0.0/11 0.64.0.0/10 0.128.0.0/9 1.0.0.0/8 2.0.0.0/7 4.0.0.0/6 8.0.0.0/5 16.0.0.0/4 32.0.0.0/3 64.0.0.0/2 128.0.0.0/1"},
		{"whole IPv6", "::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "::/0"},
		{"IPv6", "2001:db8::1-2001:db8::8", "2001:db8::1/128 2001:db8::2/127 2001:db8::4/126 2001:db8::8/128"},
		{"IPv6 across 64 bits", "2001:db8::ffff:ffff:ffff:ffff-2001:db8:0:1::", "2001:db8::ffff:ffff:ffff:ffff/128 2001:db8:0:1::/128"},
		{"invalid", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r netipx.IPRange
			if tt.in != "" {
				r = netipx.MustParseIPRange(tt.in)
			}
			var got []string
			for _, p := range RangePrefixes(r) {
				got = append(got, p.String())
			}
			if s := strings.Join(got, " "); s != tt.want {
				t.Errorf("RangePrefixes(%s) = %s; want %s", tt.in, s, tt.want)
			}
		})
	}
}

func TestRangePrefixesRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for i := 0; i < 2000; i++ {
		r := randEntry(rng)
		got, want := RangePrefixes(r), slowRangePrefixes(r)
		if !slices.Equal(got, want) {
			t.Fatalf("RangePrefixes(%v) = %v; want %v", r, got, want)
		}
		if nx := r.Prefixes(); !slices.Equal(got, nx) {
			t.Fatalf("RangePrefixes(%v) = %v; netipx gives %v", r, got, nx)
		}
	}
}

func TestSupernet(t *testing.T) {
	tests := []struct {
		name string
		in   []string
		want string // "" for none
	}{
		{"issue example", []string{"10.0.0.0/24", "10.0.3.0/24"}, "10.0.0.0/22"},
		{"one prefix", []string{"10.0.0.0/24"}, "10.0.0.0/24"},
		{"one address", []string{"10.0.0.7"}, "10.0.0.7/32"},
		{"far apart", []string{"0.0.0.0", "255.255.255.255"}, "0.0.0.0/0"},
		{"neighbours across a boundary", []string{"10.0.0.255", "10.0.1.0"}, "10.0.0.0/23"},
		{"IPv6", []string{"2001:db8:1::/48", "2001:db8:2::/48"}, "2001:db8::/46"},
		{"IPv6 high bits", []string{"::", "8000::"}, "::/0"},
		{"IPv6 low bits", []string{"2001:db8::", "2001:db8::1"}, "2001:db8::/127"},
		{"mixed families", []string{"10.0.0.0/8", "2001:db8::/32"}, ""},
		{"empty", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b SetBuilder
			for _, s := range tt.in {
				b.AddEntry(MustParseEntry(s))
			}
			p, ok := b.Set().Supernet()
			got := ""
			if ok {
				got = p.String()
			}
			if got != tt.want {
				t.Errorf("Supernet(%v) = %q; want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestSupernetRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for i := 0; i < 500; i++ {
		var b SetBuilder
		r1, r2 := randEntry(rng), randEntry(rng)
		if r1.From().Is4() != r2.From().Is4() {
			continue
		}
		b.AddRange(r1)
		b.AddRange(r2)
		s := b.Set()
		p, ok := s.Supernet()
		if !ok {
			t.Fatalf("Supernet(%v, %v) = none", r1, r2)
		}
		// it covers both, and neither half of it does
		if !SetOfPrefixes(p).ContainsSet(s) {
			t.Fatalf("Supernet(%v, %v) = %v does not cover them", r1, r2, p)
		}
		if p.Bits() < p.Addr().BitLen() {
			for _, half := range []netip.Prefix{netip.PrefixFrom(p.Addr(), p.Bits()+1), netip.PrefixFrom(netipx.RangeOfPrefix(p).To(), p.Bits()+1).Masked()} {
				if SetOfPrefixes(half).ContainsSet(s) {
					t.Fatalf("Supernet(%v, %v) = %v, but %v covers them too", r1, r2, p, half)
				}
			}
		}
	}
}

func TestSetEmptyAndNil(t *testing.T) {
	var nilSet *Set
	var zero Set
	for _, s := range []*Set{nilSet, &zero, new(SetBuilder).Set()} {
		if !s.IsEmpty() || s.Contains(netip.MustParseAddr("10.0.0.1")) || s.Count().Cmp(Count{}) != 0 || len(s.Prefixes()) != 0 || s.String() != "" {
			t.Errorf("empty set %#v is not empty", s)
		}
		if got := s.Union(SetOfPrefixes(netip.MustParsePrefix("10.0.0.0/8"))).String(); got != "10.0.0.0/8" {
			t.Errorf("empty.Union(10.0.0.0/8) = %q; want 10.0.0.0/8", got)
		}
	}
}

func TestSetFamiliesAndMapped(t *testing.T) {
	s := SetOfPrefixes(netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("2001:db8::/32"))
	tests := []struct {
		addr string
		want bool
	}{
		{"10.1.2.3", true},
		{"::ffff:10.1.2.3", false}, // IPv4-mapped stays IPv6, as in net/netip
		{"2001:db8::1", true},
		{"11.0.0.0", false},
	}
	for _, tt := range tests {
		if got := s.Contains(netip.MustParseAddr(tt.addr)); got != tt.want {
			t.Errorf("Contains(%s) = %v; want %v", tt.addr, got, tt.want)
		}
	}
	if got, want := s.String(), "10.0.0.0/8, 2001:db8::/32"; got != want {
		t.Errorf("String() = %q; want %q", got, want)
	}
	whole := SetOfPrefixes(netip.MustParsePrefix("::/0"), netip.MustParsePrefix("0.0.0.0/0"))
	counts := []struct {
		name      string
		got, want Count
	}{
		{"Count4", whole.Count4(), PowerOfTwo(32)},
		{"Count6", whole.Count6(), PowerOfTwo(128)},
		{"Count", whole.Count(), PowerOfTwo(128)}, // saturates, as Count.Add does
	}
	for _, c := range counts {
		if c.got.Cmp(c.want) != 0 {
			t.Errorf("%s(everything) = %v; want %v", c.name, c.got, c.want)
		}
	}
}

func TestSortPacked(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	for _, n := range []int{0, 1, 100, 5000, 70000} {
		ks := make([]uint64, n)
		for i := range ks {
			ks[i] = rng.Uint64()
			if i%7 == 0 && i > 0 {
				ks[i] = ks[i-1] // duplicates
			}
		}
		got := slices.Clone(ks)
		sortPacked(got)
		for i := 1; i < len(got); i++ {
			if got[i-1]>>32 > got[i]>>32 {
				t.Fatalf("n=%d: sortPacked out of order at %d: %x > %x", n, i, got[i-1], got[i])
			}
		}
		want := slices.Clone(ks)
		slices.Sort(want)
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Fatalf("n=%d: sortPacked lost or changed keys", n)
		}
	}
}

// benchList returns n random IPv4 /32 lines as one text, like bench/gen.
func benchList(n int, kind string) []byte {
	rng := rand.New(rand.NewPCG(42, 0))
	var b []byte
	for range n {
		x := rng.Uint32()
		switch kind {
		case "v4":
			b = fmt.Appendf(b, "%d.%d.%d.%d\n", x>>24, x>>16&0xff, x>>8&0xff, x&0xff)
		case "v6":
			b = fmt.Appendf(b, "2001:db8:%x:%x::/%d\n", x>>16, x&0xffff, 48+rng.IntN(81))
		}
	}
	return b
}

func benchEntries(b *testing.B, data []byte) []ListEntry {
	lr := NewListReader(strings.NewReader(string(data)), "")
	var es []ListEntry
	for {
		e, err := lr.Next()
		if err != nil {
			break
		}
		es = append(es, e)
	}
	if len(es) == 0 {
		b.Fatal("no entries")
	}
	return es
}

// BenchmarkSetBuild compares Set with netipx.IPSet on 100k random IPv4
// addresses: the reason Set exists.
func BenchmarkSetBuild(b *testing.B) {
	for _, kind := range []string{"v4", "v6"} {
		es := benchEntries(b, benchList(100000, kind))
		b.Run("Set/"+kind, func(b *testing.B) {
			for b.Loop() {
				var sb SetBuilder
				for _, e := range es {
					sb.AddEntry(e)
				}
				sb.Set()
			}
		})
		b.Run("netipx/"+kind, func(b *testing.B) {
			for b.Loop() {
				var sb netipx.IPSetBuilder
				for _, e := range es {
					sb.AddRange(e.Range)
				}
				sb.IPSet()
			}
		})
	}
}

func BenchmarkAllPrefixes(b *testing.B) {
	var sb SetBuilder
	for _, e := range benchEntries(b, benchList(100000, "v4")) {
		sb.AddEntry(e)
	}
	s := sb.Set()
	var buf []byte
	for b.Loop() {
		for p := range s.AllPrefixes() {
			buf = p.AppendTo(buf[:0])
		}
	}
}

// BenchmarkListReader parses 100k IPv4 and 100k IPv6 lines: the parsing
// half of a merge.
func BenchmarkListReader(b *testing.B) {
	for _, kind := range []string{"v4", "v6"} {
		data := string(benchList(100000, kind))
		b.Run(kind, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				lr := NewListReader(strings.NewReader(data), "")
				for {
					if _, err := lr.Next(); err != nil {
						break
					}
				}
			}
		})
	}
}

// TestAppendPrefixMatchesNetip checks AppendPrefix against
// netip.Prefix.AppendTo on random IPv4, IPv6 and IPv4-mapped prefixes.
func TestAppendPrefixMatchesNetip(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	for i := 0; i < 100000; i++ {
		var b [16]byte
		for g := 0; g < 8; g++ {
			if r.IntN(3) > 0 {
				b[2*g], b[2*g+1] = byte(r.IntN(256)), byte(r.IntN(256))
			}
		}
		a := netip.AddrFrom16(b)
		switch i % 3 {
		case 1:
			a = netip.AddrFrom4([4]byte(b[:4]))
		case 2:
			if i%6 == 2 {
				b[10], b[11] = 0xff, 0xff
				for j := 0; j < 10; j++ {
					b[j] = 0
				}
				a = netip.AddrFrom16(b)
			}
		}
		p := netip.PrefixFrom(a, r.IntN(a.BitLen()+1))
		if got, want := string(AppendPrefix(nil, p)), string(p.AppendTo(nil)); got != want {
			t.Fatalf("AppendPrefix(%s) = %q, want %q", p, got, want)
		}
	}
}
