package netcalc

import (
	"errors"
	"math/big"
	"math/rand/v2"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go4.org/netipx"
)

func planMustCount(t *testing.T, s string) Count {
	t.Helper()
	var c Count
	if err := c.UnmarshalText([]byte(s)); err != nil {
		t.Fatal(err)
	}
	return c
}

func TestSplitPrefix(t *testing.T) {
	tests := []struct {
		name    string
		parent  string
		bits    int
		want    []string // nil: check only count
		count   string
		wantErr error
	}{
		{name: "v4 /24 into /26", parent: "192.168.0.0/24", bits: 26, count: "4",
			want: []string{"192.168.0.0/26", "192.168.0.64/26", "192.168.0.128/26", "192.168.0.192/26"}},
		{name: "same length is one subnet", parent: "10.0.0.0/8", bits: 8, count: "1", want: []string{"10.0.0.0/8"}},
		{name: "host bits cleared", parent: "10.1.2.3/30", bits: 31, count: "2", want: []string{"10.1.2.0/31", "10.1.2.2/31"}},
		{name: "top of v4 space", parent: "255.255.255.252/30", bits: 32, count: "4",
			want: []string{"255.255.255.252/32", "255.255.255.253/32", "255.255.255.254/32", "255.255.255.255/32"}},
		{name: "v6 /62 into /64", parent: "2001:db8::/62", bits: 64, count: "4",
			want: []string{"2001:db8::/64", "2001:db8:0:1::/64", "2001:db8:0:2::/64", "2001:db8:0:3::/64"}},
		{name: "v6 /48 into /64", parent: "2001:db8:1::/48", bits: 64, count: "65536"},
		{name: "all of v6 into /128", parent: "::/0", bits: 128, count: "340282366920938463463374607431768211456"},
		{name: "top of v6 space", parent: "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe/127", bits: 128, count: "2",
			want: []string{"ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe/128", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128"}},
		{name: "shorter than parent", parent: "10.0.0.0/16", bits: 8, wantErr: ErrSplitLength},
		{name: "longer than family", parent: "10.0.0.0/16", bits: 33, wantErr: ErrSplitLength},
		{name: "v6 longer than family", parent: "2001:db8::/32", bits: 129, wantErr: ErrSplitLength},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := SplitPrefix(MustParsePrefix(tt.parent), tt.bits)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("SplitPrefix(%s, %d) error = %v; want %v", tt.parent, tt.bits, err, tt.wantErr)
				}
				if !strings.HasPrefix(err.Error(), "netcalc: ") {
					t.Errorf("error %q lacks the package prefix", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("SplitPrefix(%s, %d) error = %v", tt.parent, tt.bits, err)
			}
			if got := s.Count().String(); got != tt.count {
				t.Errorf("Count() = %s; want %s", got, tt.count)
			}
			if tt.want != nil {
				var got []string
				for p := range s.All() {
					got = append(got, p.String())
				}
				if diff := cmp.Diff(tt.want, got); diff != "" {
					t.Errorf("All() mismatch (-want +got):\n%s", diff)
				}
			}
		})
	}
}

func TestSplitByCount(t *testing.T) {
	tests := []struct {
		name    string
		parent  string
		n       string
		want    int
		wantErr error
	}{
		{name: "9 needs 16", parent: "10.0.0.0/16", n: "9", want: 20},
		{name: "exact power", parent: "10.0.0.0/16", n: "16", want: 20},
		{name: "one", parent: "10.0.0.0/16", n: "1", want: 16},
		{name: "ten parts of a /8", parent: "10.0.0.0/8", n: "10", want: 12},
		{name: "every address", parent: "10.0.0.0/30", n: "4", want: 32},
		{name: "too many", parent: "10.0.0.0/30", n: "5", wantErr: ErrNoRoom},
		{name: "zero", parent: "10.0.0.0/30", n: "0", wantErr: ErrZeroRequest},
		{name: "v6 2^64", parent: "2001:db8::/32", n: "18446744073709551616", want: 96},
		{name: "v6 all", parent: "::/0", n: "340282366920938463463374607431768211456", want: 128},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := SplitByCount(MustParsePrefix(tt.parent), planMustCount(t, tt.n))
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("SplitByCount(%s, %s) error = %v; want %v", tt.parent, tt.n, err, tt.wantErr)
				}
				return
			}
			if err != nil || s.Bits != tt.want {
				t.Fatalf("SplitByCount(%s, %s) = /%d, %v; want /%d", tt.parent, tt.n, s.Bits, err, tt.want)
			}
		})
	}
}

func TestSplitByHosts(t *testing.T) {
	tests := []struct {
		name    string
		parent  string
		n       string
		want    int
		wantErr error
	}{
		{name: "500 hosts", parent: "10.0.0.0/16", n: "500", want: 23},
		{name: "254 fits /24", parent: "10.0.0.0/16", n: "254", want: 24},
		{name: "255 needs /23", parent: "10.0.0.0/16", n: "255", want: 23},
		{name: "two is a /31", parent: "10.0.0.0/24", n: "2", want: 31},
		{name: "three is a /29", parent: "10.0.0.0/24", n: "3", want: 29},
		{name: "one is a /32", parent: "10.0.0.0/24", n: "1", want: 32},
		{name: "whole parent", parent: "10.0.0.0/24", n: "254", want: 24},
		{name: "more than parent", parent: "10.0.0.0/24", n: "255", wantErr: ErrNoRoom},
		{name: "zero", parent: "10.0.0.0/24", n: "0", wantErr: ErrZeroRequest},
		{name: "v6 anycast rule", parent: "2001:db8::/64", n: "3", want: 126},
		{name: "v6 four needs /125", parent: "2001:db8::/64", n: "4", want: 125},
		{name: "v6 two is /127", parent: "2001:db8::/64", n: "2", want: 127},
		{name: "v6 2^64-1 is a /64", parent: "2001:db8::/48", n: "18446744073709551615", want: 64},
		{name: "v6 2^64 needs /63", parent: "2001:db8::/48", n: "18446744073709551616", want: 63},
		{name: "beyond v4", parent: "0.0.0.0/0", n: "4294967295", wantErr: ErrNoRoom},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := SplitByHosts(MustParsePrefix(tt.parent), planMustCount(t, tt.n))
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("SplitByHosts(%s, %s) error = %v; want %v", tt.parent, tt.n, err, tt.wantErr)
				}
				return
			}
			if err != nil || s.Bits != tt.want {
				t.Fatalf("SplitByHosts(%s, %s) = /%d, %v; want /%d", tt.parent, tt.n, s.Bits, err, tt.want)
			}
		})
	}
}

// planBigOfAddr and planAddrOfBig are the independent math/big model of addresses
// used as the oracle below.
func planBigOfAddr(a netip.Addr) *big.Int { return new(big.Int).SetBytes(a.AsSlice()) }

func planAddrOfBig(x *big.Int, is4 bool) netip.Addr {
	if is4 {
		var b [4]byte
		x.FillBytes(b[:])
		return netip.AddrFrom4(b)
	}
	var b [16]byte
	x.FillBytes(b[:])
	return netip.AddrFrom16(b)
}

// planModelUsable is UsableHosts written again from the rules in the reference:
// IPv4 2^h-2, IPv6 2^h-1, h <= 1 all addresses.
func planModelUsable(is4 bool, h int) *big.Int {
	size := new(big.Int).Lsh(big.NewInt(1), uint(h))
	switch {
	case h <= 1:
		return size
	case is4:
		return size.Sub(size, big.NewInt(2))
	default:
		return size.Sub(size, big.NewInt(1))
	}
}

func planRandomPrefix(r *rand.Rand) netip.Prefix {
	if r.IntN(2) == 0 {
		var b [4]byte
		for i := range b {
			b[i] = byte(r.UintN(256))
		}
		return netip.PrefixFrom(netip.AddrFrom4(b), r.IntN(33))
	}
	var b [16]byte
	for i := range b {
		b[i] = byte(r.UintN(256))
	}
	return netip.PrefixFrom(netip.AddrFrom16(b), r.IntN(129))
}

// TestSplitDifferential compares Split.All, Count and the choices of
// SplitByCount and SplitByHosts with a math/big model on random prefixes of
// both families.
func TestSplitDifferential(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2)) // fixed seed: reproducible
	for iter := 0; iter < 3000; iter++ {
		parent := planRandomPrefix(r)
		is4 := parent.Addr().Is4()
		bitLen := parent.Addr().BitLen()
		pb := parent.Bits()
		// At most 2^10 subnets each so the test stays fast.
		bits := pb + r.IntN(min(10, bitLen-pb)+1)
		s, err := SplitPrefix(parent, bits)
		if err != nil {
			t.Fatalf("SplitPrefix(%s, %d): %v", parent, bits, err)
		}
		start := planBigOfAddr(parent.Masked().Addr())
		step := new(big.Int).Lsh(big.NewInt(1), uint(bitLen-bits))
		n := 0
		for p := range s.All() {
			want := netip.PrefixFrom(planAddrOfBig(new(big.Int).Add(start, new(big.Int).Mul(step, big.NewInt(int64(n)))), is4), bits)
			if p != want {
				t.Fatalf("SplitPrefix(%s, %d) subnet %d = %s; want %s", parent, bits, n, p, want)
			}
			n++
		}
		if want := 1 << (bits - pb); n != want || s.Count() != CountFromUint64(uint64(want)) {
			t.Fatalf("SplitPrefix(%s, %d) gave %d subnets, Count %s; want %d", parent, bits, n, s.Count(), want)
		}

		// SplitByCount: the shortest L >= pb with 2^(L-pb) >= k.
		k := planRandomBig(r, r.IntN(bitLen-pb+2)) // 1 to 2^e, sometimes beyond the parent

		wantL := -1
		for l := pb; l <= bitLen; l++ {
			if new(big.Int).Lsh(big.NewInt(1), uint(l-pb)).Cmp(k) >= 0 {
				wantL = l
				break
			}
		}
		kc := planCountOfBig(t, k)
		got, err := SplitByCount(parent, kc)
		switch {
		case wantL < 0 && !errors.Is(err, ErrNoRoom):
			t.Fatalf("SplitByCount(%s, %s) = %v, %v; want ErrNoRoom", parent, k, got, err)
		case wantL >= 0 && (err != nil || got.Bits != wantL):
			t.Fatalf("SplitByCount(%s, %s) = /%d, %v; want /%d", parent, k, got.Bits, err, wantL)
		}

		// SplitByHosts: the longest L >= pb whose model usable hosts hold k.
		wantL = -1
		for l := bitLen; l >= pb; l-- {
			if planModelUsable(is4, bitLen-l).Cmp(k) >= 0 {
				wantL = l
				break
			}
		}
		got, err = SplitByHosts(parent, kc)
		switch {
		case wantL < 0 && !errors.Is(err, ErrNoRoom):
			t.Fatalf("SplitByHosts(%s, %s) = %v, %v; want ErrNoRoom", parent, k, got, err)
		case wantL >= 0 && (err != nil || got.Bits != wantL):
			t.Fatalf("SplitByHosts(%s, %s) = /%d, %v; want /%d", parent, k, got.Bits, err, wantL)
		}
	}
}

// planRandomBig returns a random integer from 1 to 2^e inclusive.
func planRandomBig(r *rand.Rand, e int) *big.Int {
	b := make([]byte, 17)
	for i := range b {
		b[i] = byte(r.UintN(256))
	}
	x := new(big.Int).SetBytes(b)
	x.Mod(x, new(big.Int).Lsh(big.NewInt(1), uint(e)))
	return x.Add(x, big.NewInt(1))
}

func planCountOfBig(t *testing.T, x *big.Int) Count {
	t.Helper()
	return planMustCount(t, x.String())
}

// TestSplitStreams checks that a split into 2^128 subnets streams: the
// first few come at once and stopping early ends the iteration.
func TestSplitStreams(t *testing.T) {
	s, err := SplitPrefix(MustParsePrefix("::/0"), 128)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for p := range s.All() {
		got = append(got, p.String())
		if len(got) == 3 {
			break
		}
	}
	if diff := cmp.Diff([]string{"::/128", "::1/128", "::2/128"}, got); diff != "" {
		t.Errorf("first subnets of ::/0 into /128 (-want +got):\n%s", diff)
	}
	allocs := testing.AllocsPerRun(10, func() {
		n := 0
		for range s.All() {
			if n++; n == 1000 {
				break
			}
		}
	})
	if allocs > 2 {
		t.Errorf("streaming 1000 subnets allocated %v times; want a constant", allocs)
	}
	if got := (Split{}).Count(); !got.IsZero() {
		t.Errorf("zero Split Count() = %s; want 0", got)
	}
	for range (Split{}).All() {
		t.Fatal("zero Split yielded a subnet")
	}
}

func TestSplitTree(t *testing.T) {
	s, err := SplitPrefix(MustParsePrefix("10.0.0.0/22"), 24)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for l := range s.Tree() {
		got = append(got, l.String())
	}
	want := []string{
		"10.0.0.0/22",
		"+-- 10.0.0.0/23",
		"|   +-- 10.0.0.0/24",
		"|   `-- 10.0.1.0/24",
		"`-- 10.0.2.0/23",
		"    +-- 10.0.2.0/24",
		"    `-- 10.0.3.0/24",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Tree() (-want +got):\n%s", diff)
	}
	// 2N-1 lines whose leaves are exactly All().
	s, _ = SplitPrefix(MustParsePrefix("2001:db8::/60"), 64)
	var leaves []netip.Prefix
	lines := 0
	for l := range s.Tree() {
		lines++
		if l.Kind == TreeLeaf {
			leaves = append(leaves, l.Prefix)
		}
	}
	if want := slices.Collect(s.All()); lines != 2*len(want)-1 || !slices.Equal(leaves, want) {
		t.Errorf("Tree() of %s: %d lines, leaves %v; want %d lines, leaves %v", s, lines, leaves, 2*len(want)-1, want)
	}
}

func TestPartitionMap(t *testing.T) {
	seg := func(p, label string) MapSegment { return MapSegment{Prefix: MustParsePrefix(p), Label: label} }
	tests := []struct {
		name   string
		parent string
		used   []MapSegment
		width  int
		want   string
	}{
		{name: "vlsm example", parent: "192.168.1.0/24", width: 64,
			used: []MapSegment{seg("192.168.1.0/26", "1"), seg("192.168.1.64/27", "2"), seg("192.168.1.96/28", "3"), seg("192.168.1.112/31", "4")},
			want: "[11111111111111112222222233334...................................]\n" +
				"192.168.1.0                                          192.168.1.255"},
		{name: "halves", parent: "10.0.0.0/8", width: 8, used: []MapSegment{seg("10.128.0.0/9", "b")},
			want: "[....bbbb]\n10.0.0.0 10.255.255.255"},
		{name: "tiny used segment still shows", parent: "2001:db8::/32", width: 10, used: []MapSegment{seg("2001:db8:8000::1/128", "x")},
			want: "[.....x....]\n2001:db8:: 2001:db8:ffff:ffff:ffff:ffff:ffff:ffff"},
		{name: "more segments than cells", parent: "10.0.0.0/24", width: 4,
			used: []MapSegment{seg("10.0.0.0/26", "a"), seg("10.0.0.64/27", "b"), seg("10.0.0.96/27", "c"), seg("10.0.0.128/26", "d"), seg("10.0.0.192/27", "e"), seg("10.0.0.224/27", "f")},
			want: "[acdf]\n10.0.0.0 10.0.0.255"},
		{name: "outside parent ignored", parent: "10.0.0.0/30", width: 4, used: []MapSegment{seg("10.0.0.8/30", "z"), seg("10.0.0.0/24", "y")},
			want: "[....]\n10.0.0.0 10.0.0.3"},
		{name: "empty", parent: "10.0.0.0/30", width: 0, want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := NewPartitionMap(MustParsePrefix(tt.parent), tt.used, tt.width)
			if diff := cmp.Diff(tt.want, m.String()); diff != "" {
				t.Errorf("NewPartitionMap(%s).String() (-want +got):\n%s", tt.parent, diff)
			}
		})
	}
}

// TestPartitionMapProperties checks random maps: every cell points at a
// segment, cells run left to right in address order, segments tile the
// parent, each used segment is drawn when there is room, and each piece's
// width is drawn at all.
func TestPartitionMapProperties(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6)) // fixed seed: reproducible
	for iter := 0; iter < 500; iter++ {
		parent := planRandomPrefix(r).Masked()
		hb := parent.Addr().BitLen() - parent.Bits()
		if hb < 3 {
			continue
		}
		// Split the parent at a random depth and mark a random subset as used.
		s, _ := SplitPrefix(parent, parent.Bits()+1+r.IntN(min(hb, 7)))
		var used []MapSegment
		for p := range s.All() {
			if r.IntN(3) == 0 {
				used = append(used, MapSegment{Prefix: p, Label: "u"})
			}
		}
		width := 1 + r.IntN(80)
		m := NewPartitionMap(parent, used, width)
		if len(m.Cells) != width {
			t.Fatalf("%s: %d cells; want %d", parent, len(m.Cells), width)
		}
		var tiles netipx.IPSetBuilder
		total := PrefixCount(parent)
		var sum Count
		for i, sg := range m.Segments {
			tiles.AddPrefix(sg.Prefix)
			sum = sum.Add(PrefixCount(sg.Prefix))
			if i > 0 && !m.Segments[i-1].Prefix.Addr().Less(sg.Prefix.Addr()) {
				t.Fatalf("%s: segments out of order at %d", parent, i)
			}
		}
		ts, _ := tiles.IPSet()
		if sum != total || !ts.ContainsPrefix(parent) {
			t.Fatalf("%s: segments do not tile the parent: %v", parent, m.Segments)
		}
		for c := 1; c < width; c++ {
			if m.Cells[c] < m.Cells[c-1] {
				t.Fatalf("%s: cell %d goes back", parent, c)
			}
		}
		drawn := make(map[int]bool)
		for _, i := range m.Cells {
			drawn[i] = true
		}
		pieces := 0
		for i, sg := range m.Segments {
			if !sg.Free() || i == 0 || !m.Segments[i-1].Free() {
				pieces++
			}
		}
		if pieces <= width {
			for i, sg := range m.Segments {
				if !sg.Free() && !drawn[i] {
					t.Fatalf("%s width %d: used segment %s not drawn", parent, width, sg.Prefix)
				}
			}
		}
	}
}

func BenchmarkSplitAll(b *testing.B) {
	for _, bc := range []struct{ parent, name string }{
		{"10.0.0.0/8", "v4 /8 into /24"},
		{"2001:db8::/32", "v6 /32 into /48"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			s, err := SplitPrefix(MustParsePrefix(bc.parent), MustParsePrefix(bc.parent).Bits()+16)
			if err != nil {
				b.Fatal(err)
			}
			var buf []byte
			b.ReportAllocs()
			for b.Loop() {
				for p := range s.All() {
					buf = p.AppendTo(buf[:0])
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/65536, "ns/subnet")
		})
	}
}

func BenchmarkPartitionMap(b *testing.B) {
	parent := MustParsePrefix("10.0.0.0/16")
	var used []MapSegment
	s, _ := SplitPrefix(parent, 22)
	for p := range s.All() {
		used = append(used, MapSegment{Prefix: p, Label: "x"})
		if len(used) == 40 {
			break
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		NewPartitionMap(parent, used, 64)
	}
}
