package netcalc

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"strings"
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

// TestOverlapsAgainstPython compares Overlaps (pairs and the shared part
// as CIDRs) and Set.Cover (smallest covering prefix and the addresses it
// adds) with Python's ipaddress: overlaps, summarize_address_range,
// supernet and collapse_addresses.
func TestOverlapsAgainstPython(t *testing.T) {
	const script = `
import ipaddress, sys
for line in sys.stdin:
    nets = [ipaddress.ip_network(s) for s in line.split()]
    out = []
    for i in range(len(nets)):
        for j in range(i+1, len(nets)):
            a, b = nets[i], nets[j]
            if a.version == b.version and a.overlaps(b):
                first = max(a[0], b[0]); last = min(a[-1], b[-1])
                out.append("%d-%d=%s" % (i, j, ",".join(str(p) for p in ipaddress.summarize_address_range(first, last))))
    cover = "-"
    if len({n.version for n in nets}) == 1:
        c = nets[0]
        while not all(n.subnet_of(c) for n in nets):
            c = c.supernet()
        have = sum(n.num_addresses for n in ipaddress.collapse_addresses(nets))
        cover = "%s+%d" % (c, c.num_addresses - have)
    print(" ".join(out) + " | " + cover)
`
	rnd := rand.New(rand.NewPCG(9, 9))
	var cases [][]netip.Prefix
	var in strings.Builder
	for i := 0; i < 300; i++ {
		var ps []netip.Prefix
		v6 := rnd.IntN(2) == 0
		for n := 1 + rnd.IntN(6); n > 0; n-- {
			mixed := v6 != (rnd.IntN(8) == 0) // now and then the other family
			if mixed {
				ps = append(ps, netip.PrefixFrom(netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, 4: byte(rnd.IntN(4)), 5: byte(rnd.IntN(256))}), 30+rnd.IntN(20)).Masked())
			} else {
				ps = append(ps, netip.PrefixFrom(netip.AddrFrom4([4]byte{198, 51, byte(rnd.IntN(4)), byte(rnd.IntN(256))}), 14+rnd.IntN(19)).Masked())
			}
		}
		cases = append(cases, ps)
		for j, p := range ps {
			if j > 0 {
				in.WriteByte(' ')
			}
			in.WriteString(p.String())
		}
		in.WriteByte('\n')
	}
	want := pythonLines(t, script, in.String())
	if len(want) != len(cases) {
		t.Fatalf("python gave %d lines for %d cases", len(want), len(cases))
	}
	for i, ps := range cases {
		rs := make([]netipx.IPRange, len(ps))
		for j, p := range ps {
			rs[j] = netipx.RangeOfPrefix(p)
		}
		var out []string
		for _, o := range Overlaps(rs) {
			var cidrs []string
			for _, p := range RangePrefixes(o.Common) {
				cidrs = append(cidrs, p.String())
			}
			out = append(out, fmt.Sprintf("%d-%d=%s", o.A, o.B, strings.Join(cidrs, ",")))
		}
		cover := "-"
		if c, ok := SetOfPrefixes(ps...).Cover(); ok {
			cover = c.Prefix.String() + "+" + c.Extra.String()
		}
		if got := strings.Join(out, " ") + " | " + cover; got != want[i] {
			t.Errorf("case %v:\n got  %s\n want %s", ps, got, want[i])
		}
	}
}
