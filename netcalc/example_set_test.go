package netcalc_test

import (
	"fmt"
	"io"
	"net/netip"
	"strings"

	"go4.org/netipx"

	"github.com/netcalc/netcalc/netcalc"
)

// Merge a list with overlapping and adjacent entries into the minimal CIDR
// list, IPv4 first.
func ExampleSetBuilder() {
	var b netcalc.SetBuilder
	for _, s := range []string{"10.0.0.0/25", "10.0.0.128/25", "10.0.1.0-10.0.1.255", "2001:db8::/33", "2001:db8:8000::/33", "10.0.0.7"} {
		b.AddEntry(netcalc.MustParseEntry(s))
	}
	for p := range b.Set().AllPrefixes() {
		fmt.Println(p)
	}
	// Output:
	// 10.0.0.0/23
	// 2001:db8::/32
}

// Exclude private ranges from "everything", as for a WireGuard AllowedIPs
// line that routes all public IPv4 traffic through the tunnel.
func ExampleSetBuilder_RemovePrefix() {
	var b netcalc.SetBuilder
	b.AddPrefix(netip.MustParsePrefix("0.0.0.0/0"))
	b.RemovePrefix(netip.MustParsePrefix("10.0.0.0/8"))
	b.RemovePrefix(netip.MustParsePrefix("128.0.0.0/1"))
	fmt.Println(b.Set())
	// Output:
	// 0.0.0.0/5, 8.0.0.0/7, 11.0.0.0/8, 12.0.0.0/6, 16.0.0.0/4, 32.0.0.0/3, 64.0.0.0/2
}

func ExampleSet_Intersect() {
	a := netcalc.SetOfPrefixes(netip.MustParsePrefix("10.0.0.0/16"), netip.MustParsePrefix("2001:db8::/48"))
	b := netcalc.SetOfRange(netipx.MustParseIPRange("10.0.255.0-10.1.0.255"))
	fmt.Println(a.Intersect(b))
	// Output:
	// 10.0.255.0/24
}

func ExampleSet_Subtract() {
	a := netcalc.SetOfPrefixes(netip.MustParsePrefix("192.168.0.0/24"))
	b := netcalc.SetOfPrefixes(netip.MustParsePrefix("192.168.0.64/26"))
	fmt.Println(a.Subtract(b))
	fmt.Println(a.Subtract(b).Count(), "addresses")
	// Output:
	// 192.168.0.0/26, 192.168.0.128/25
	// 192 addresses
}

func ExampleSet_ContainsPrefix() {
	s := netcalc.SetOfPrefixes(netip.MustParsePrefix("10.0.0.0/8"))
	fmt.Println(s.ContainsPrefix(netip.MustParsePrefix("10.1.0.0/16")))
	fmt.Println(s.Contains(netip.MustParseAddr("192.168.0.1")))
	fmt.Println(s.Contains(netip.MustParseAddr("::ffff:10.0.0.1"))) // IPv4-mapped is IPv6
	fmt.Println(s.OverlapsPrefix(netip.MustParsePrefix("8.0.0.0/6")))
	// Output:
	// true
	// false
	// false
	// true
}

func ExampleSet_Supernet() {
	s := netcalc.SetOfPrefixes(netip.MustParsePrefix("10.0.0.0/24"), netip.MustParsePrefix("10.0.3.0/24"))
	p, _ := s.Supernet()
	extra := netcalc.PrefixCount(p).Sub(s.Count())
	fmt.Println(p, "takes in", extra, "more addresses")
	// Output:
	// 10.0.0.0/22 takes in 512 more addresses
}

func ExampleRangePrefixes() {
	for _, p := range netcalc.RangePrefixes(netipx.MustParseIPRange("10.0.0.3-10.0.0.77")) {
		fmt.Println(p)
	}
	// Output:
	// 10.0.0.3/32
	// 10.0.0.4/30
	// 10.0.0.8/29
	// 10.0.0.16/28
	// 10.0.0.32/27
	// 10.0.0.64/29
	// 10.0.0.72/30
	// 10.0.0.76/31
}

func ExampleListReader() {
	list := `# office networks
10.1.0.0/16
10.2.0.5/24      # host bits set: counts as 10.2.0.0/24
10.0.0.300
2001:db8::1-2001:db8::ff
`
	lr := netcalc.NewListReader(strings.NewReader(list), "office.txt")
	for {
		e, err := lr.Next()
		if err != nil {
			if err != io.EOF {
				fmt.Println(err)
				continue
			}
			break
		}
		fmt.Println(e.Line, e, e.HostBits())
	}
	// Output:
	// 2 10.1.0.0/16 false
	// 3 10.2.0.5/24 true
	// netcalc: office.txt:4: "10.0.0.300": octet 4 is 300, must be 0-255
	// 5 2001:db8::1-2001:db8::ff false
}
