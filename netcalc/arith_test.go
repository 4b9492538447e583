package netcalc

import (
	"errors"
	"fmt"
	"math/big"
	"math/rand/v2"
	"net/netip"
	"strings"
	"testing"
)

// TestArithmeticAgainstPython compares AddrAdd, AddrDistance, PrefixStep,
// NthAddr and NthSubnet with Python's ipaddress (address + int, int
// differences, network indexing and subnets), errors included: Python
// raises where netcalc must fail with ErrOutOfRange.
func TestArithmeticAgainstPython(t *testing.T) {
	const script = `
import ipaddress, itertools, sys
def show(f):
    try:
        return str(f())
    except (ValueError, IndexError):
        return 'ERR'
for line in sys.stdin:
    a, n, b, p, sub, i = line.split()
    a, n, b, i, sub = ipaddress.ip_address(a), int(n), ipaddress.ip_address(b), int(i), int(sub)
    net = ipaddress.ip_network(p, strict=False)
    def step():
        x = int(net.network_address) + n * net.num_addresses
        if x < 0:
            raise ValueError
        return ipaddress.IPv4Network((x, net.prefixlen)) if net.version == 4 else ipaddress.IPv6Network((x, net.prefixlen))
    def nth_subnet():
        count = 1 << (sub - net.prefixlen)
        k = i + count if i < 0 else i
        if k < 0 or k >= count:
            raise IndexError
        if count <= 4096:
            return next(itertools.islice(net.subnets(new_prefix=sub), k, None))
        size = 1 << (net.max_prefixlen - sub)
        return ipaddress.IPv4Network((int(net.network_address) + k * size, sub)) if net.version == 4 else ipaddress.IPv6Network((int(net.network_address) + k * size, sub))
    print(show(lambda: a + n), int(b) - int(a) if a.version == b.version else 'ERR', show(step), show(lambda: net[i]), show(nth_subnet), sep='|')
`
	r := rand.New(rand.NewPCG(9, 15))
	type tc struct {
		a, b netip.Addr
		n, i *big.Int
		p    netip.Prefix
		sub  int
	}
	var cases []tc
	var in strings.Builder
	for k := 0; k < 3000; k++ {
		a := randomAddr(r)
		b := randomAddr(r)
		if k%5 != 0 { // mostly one family
			for b.BitLen() != a.BitLen() {
				b = randomAddr(r)
			}
		}
		p := netip.PrefixFrom(randomAddr(r), 0)
		p = netip.PrefixFrom(p.Addr(), r.IntN(p.Addr().BitLen()+1))
		if r.IntN(2) == 0 { // long prefixes, where indexes are small
			p = netip.PrefixFrom(p.Addr(), p.Addr().BitLen()-r.IntN(13))
		}
		sub := p.Bits() + r.IntN(min(p.Addr().BitLen()-p.Bits(), 14)+1)
		var i *big.Int
		if r.IntN(2) == 0 {
			i = big.NewInt(int64(r.IntN(20)) - 10)
		} else {
			i = randomOffset(r, p.Addr())
		}
		c := tc{a: a, b: b, n: randomOffset(r, a), i: i, p: p, sub: sub}
		cases = append(cases, c)
		fmt.Fprintf(&in, "%s %s %s %s %d %s\n", a, c.n, b, p, sub, i)
	}
	lines := pythonLines(t, script, in.String())
	if len(lines) != len(cases) {
		t.Fatalf("python printed %d lines for %d cases", len(lines), len(cases))
	}
	show := func(v fmt.Stringer, err error) string {
		if err != nil {
			if !errors.Is(err, ErrOutOfRange) && !errors.Is(err, ErrFamily) {
				t.Fatalf("unexpected error kind: %v", err)
			}
			return "ERR"
		}
		return v.String()
	}
	for k, c := range cases {
		sum, err1 := AddrAdd(c.a, c.n)
		dist, err2 := AddrDistance(c.a, c.b)
		step, err3 := PrefixStep(c.p, c.n)
		nth, err4 := NthAddr(c.p, c.i)
		nsub, err5 := NthSubnet(c.p, c.sub, c.i)
		got := strings.Join([]string{show(sum, err1), show(dist, err2), show(step, err3), show(nth, err4), show(nsub, err5)}, "|")
		if got != lines[k] {
			t.Fatalf("case %d: a=%v n=%v b=%v p=%v sub=/%d i=%v\n  netcalc %s\n  python  %s", k, c.a, c.n, c.b, c.p, c.sub, c.i, got, lines[k])
		}
		if err1 == nil {
			if d, _ := AddrDistance(c.a, sum); d.Cmp(c.n) != 0 {
				t.Fatalf("AddrDistance(%v, AddrAdd(%v, %v)) = %v", c.a, c.a, c.n, d)
			}
		}
	}
}

func TestArithmeticEdges(t *testing.T) {
	tests := []struct {
		name string
		f    func() (fmt.Stringer, error)
		want string
		err  error
	}{
		{"broadcast plus one does not wrap", func() (fmt.Stringer, error) {
			return AddrAdd(netip.MustParseAddr("255.255.255.255"), big.NewInt(1))
		}, "", ErrOutOfRange},
		{"zero minus one does not wrap", func() (fmt.Stringer, error) { return AddrAdd(netip.MustParseAddr("::"), big.NewInt(-1)) }, "", ErrOutOfRange},
		{"zone dropped", func() (fmt.Stringer, error) {
			return AddrAdd(netip.MustParseAddr("fe80::1%eth0"), big.NewInt(1))
		}, "fe80::2", nil},
		{"next /24", func() (fmt.Stringer, error) { return NextPrefix(netip.MustParsePrefix("10.0.0.0/24")) }, "10.0.1.0/24", nil},
		{"next uses the network", func() (fmt.Stringer, error) { return NextPrefix(netip.MustParsePrefix("10.0.0.77/24")) }, "10.0.1.0/24", nil},
		{"prev /64", func() (fmt.Stringer, error) { return PrevPrefix(netip.MustParsePrefix("2001:db8:0:1::/64")) }, "2001:db8::/64", nil},
		{"no next after the last", func() (fmt.Stringer, error) { return NextPrefix(netip.MustParsePrefix("255.255.255.0/24")) }, "", ErrOutOfRange},
		{"no next /0", func() (fmt.Stringer, error) { return NextPrefix(netip.MustParsePrefix("::/0")) }, "", ErrOutOfRange},
		{"5th /24 of a /16", func() (fmt.Stringer, error) {
			return NthSubnet(netip.MustParsePrefix("10.1.0.0/16"), 24, big.NewInt(5))
		}, "10.1.5.0/24", nil},
		{"last /64 of a /48", func() (fmt.Stringer, error) {
			return NthSubnet(netip.MustParsePrefix("2001:db8::/48"), 64, big.NewInt(-1))
		}, "2001:db8:0:ffff::/64", nil},
		{"subnet longer than allowed", func() (fmt.Stringer, error) {
			return NthSubnet(netip.MustParsePrefix("10.0.0.0/8"), 33, big.NewInt(0))
		}, "", ErrPrefixLength},
		{"subnet shorter than block", func() (fmt.Stringer, error) {
			return NthSubnet(netip.MustParsePrefix("10.0.0.0/16"), 8, big.NewInt(0))
		}, "", ErrPrefixLength},
		{"256th address of a /24", func() (fmt.Stringer, error) { return NthAddr(netip.MustParsePrefix("10.0.0.0/24"), big.NewInt(256)) }, "", ErrOutOfRange},
		{"broadcast is -1", func() (fmt.Stringer, error) { return NthAddr(netip.MustParsePrefix("10.0.0.0/24"), big.NewInt(-1)) }, "10.0.0.255", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.f()
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("got %v, %v; want error %v", got, err, tt.err)
				}
				return
			}
			if err != nil || got.String() != tt.want {
				t.Fatalf("got %v, %v; want %s", got, err, tt.want)
			}
		})
	}
	if _, err := AddrDistance(netip.MustParseAddr("10.0.0.1"), netip.MustParseAddr("::1")); !errors.Is(err, ErrFamily) {
		t.Errorf("AddrDistance across families: %v; want ErrFamily", err)
	}
}
