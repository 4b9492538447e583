package netcalc

import (
	"math/rand/v2"
	"net/netip"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go4.org/netipx"
)

// TestOverlapsBruteForce compares Overlaps with the check of every pair,
// address by address, on random ranges of both families in small spaces
// (so that many overlap), with duplicates, nested and touching ranges.
func TestOverlapsBruteForce(t *testing.T) {
	rnd := rand.New(rand.NewPCG(17, 5))
	addr := func(v6 bool, n int) netip.Addr {
		if v6 {
			return netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, 15: byte(n)})
		}
		return netip.AddrFrom4([4]byte{198, 51, 100, byte(n)})
	}
	for round := 0; round < 300; round++ {
		n := rnd.IntN(12)
		rs := make([]netipx.IPRange, n)
		for i := range rs {
			v6 := rnd.IntN(3) == 0
			lo := rnd.IntN(40)
			hi := lo + rnd.IntN(10)
			rs[i] = netipx.IPRangeFrom(addr(v6, lo), addr(v6, hi))
		}
		var want []Overlap
		for a := 0; a < n; a++ {
			for b := a + 1; b < n; b++ {
				var first, last netip.Addr
				for x := rs[a].From(); ; x = x.Next() {
					if rs[b].Contains(x) {
						if !first.IsValid() {
							first = x
						}
						last = x
					}
					if x == rs[a].To() {
						break
					}
				}
				if first.IsValid() {
					want = append(want, Overlap{A: a, B: b, Common: netipx.IPRangeFrom(first, last)})
				}
			}
		}
		got := Overlaps(rs)
		if diff := cmp.Diff(want, got, cmp.Comparer(func(x, y netipx.IPRange) bool { return x == y })); diff != "" {
			t.Fatalf("Overlaps(%v) mismatch (-brute force +got):\n%s", rs, diff)
		}
	}
}

func TestOverlapsEdges(t *testing.T) {
	r := netipx.MustParseIPRange
	tests := []struct {
		name string
		in   []netipx.IPRange
		want []Overlap
	}{
		{"none", nil, nil},
		{"touching is not overlapping", []netipx.IPRange{r("10.0.0.0-10.0.0.255"), r("10.0.1.0-10.0.1.255")}, nil},
		{"one shared address", []netipx.IPRange{r("10.0.1.0-10.0.1.255"), r("10.0.0.0-10.0.1.0")},
			[]Overlap{{0, 1, r("10.0.1.0-10.0.1.0")}}},
		{"families apart", []netipx.IPRange{r("0.0.0.0-255.255.255.255"), r("::-::ffff:ffff:ffff")}, nil},
		{"invalid skipped", []netipx.IPRange{{}, r("10.0.0.0-10.0.0.9"), r("10.0.0.5-10.0.0.6")},
			[]Overlap{{1, 2, r("10.0.0.5-10.0.0.6")}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Overlaps(tt.in)
			if diff := cmp.Diff(tt.want, got, cmp.Comparer(func(x, y netipx.IPRange) bool { return x == y })); diff != "" {
				t.Errorf("Overlaps(%v) mismatch (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}
