package netcalc_test

import (
	"fmt"
	"net/netip"

	"github.com/netcalc/netcalc/netcalc"
)

func ExampleSplitPrefix() {
	s, err := netcalc.SplitPrefix(netip.MustParsePrefix("10.0.0.0/22"), 24)
	if err != nil {
		panic(err)
	}
	fmt.Println(s.Count(), "subnets:")
	for p := range s.All() {
		fmt.Println(p)
	}
	// Output:
	// 4 subnets:
	// 10.0.0.0/24
	// 10.0.1.0/24
	// 10.0.2.0/24
	// 10.0.3.0/24
}

func ExampleSplitByCount() {
	// Ten equal parts of a /8 need 16 subnets: /12.
	s, err := netcalc.SplitByCount(netip.MustParsePrefix("10.0.0.0/8"), netcalc.CountFromUint64(10))
	if err != nil {
		panic(err)
	}
	fmt.Printf("/%d: %s subnets of %s addresses\n", s.Bits, s.Count(), s.Size())
	// Output:
	// /12: 16 subnets of 1048576 addresses
}

func ExampleSplitByHosts() {
	// 500 hosts need a /23 (510 usable); a /24 holds only 254.
	s, err := netcalc.SplitByHosts(netip.MustParsePrefix("10.0.0.0/16"), netcalc.CountFromUint64(500))
	if err != nil {
		panic(err)
	}
	fmt.Println(s, s.Count())
	// Output:
	// 10.0.0.0/16 -> /23 128
}

func ExamplePlanVLSM() {
	plan, err := netcalc.PlanVLSM(netip.MustParsePrefix("192.168.1.0/24"), []netcalc.Request{
		{Name: "lan", Hosts: netcalc.CountFromUint64(50)},
		{Name: "wifi", Hosts: netcalc.CountFromUint64(20)},
		{Name: "mgmt", Hosts: netcalc.CountFromUint64(10)},
		{Name: "link", Hosts: netcalc.CountFromUint64(2)}, // a /31, RFC 3021
	})
	if err != nil {
		panic(err)
	}
	for _, a := range plan.Allocations {
		fmt.Println(a.Name, a.Prefix, a.UsableHosts, a.FirstHost, a.LastHost)
	}
	fmt.Println("unused", plan.Unused)
	// Output:
	// lan 192.168.1.0/26 62 192.168.1.1 192.168.1.62
	// wifi 192.168.1.64/27 30 192.168.1.65 192.168.1.94
	// mgmt 192.168.1.96/28 14 192.168.1.97 192.168.1.110
	// link 192.168.1.112/31 2 192.168.1.112 192.168.1.113
	// unused [192.168.1.114/31 192.168.1.116/30 192.168.1.120/29 192.168.1.128/25]
}

func ExamplePlanVLSM_noFit() {
	_, err := netcalc.PlanVLSM(netip.MustParsePrefix("192.168.1.0/24"), []netcalc.Request{
		{Hosts: netcalc.CountFromUint64(200)},
		{Hosts: netcalc.CountFromUint64(60)},
	})
	fmt.Println(err)
	// Output:
	// netcalc: the requests need 320 addresses but 192.168.1.0/24 has 256: 64 addresses missing (a /23 parent would hold them)
}

func ExampleNewPartitionMap() {
	m := netcalc.NewPartitionMap(netip.MustParsePrefix("10.0.0.0/24"), []netcalc.MapSegment{
		{Prefix: netip.MustParsePrefix("10.0.0.0/25"), Label: "A"},
		{Prefix: netip.MustParsePrefix("10.0.0.128/27"), Label: "B"},
	}, 32)
	fmt.Println(m)
	// Output:
	// [AAAAAAAAAAAAAAAABBBB............]
	// 10.0.0.0                10.0.0.255
}

func ExamplePlanTree() {
	used := []netcalc.MapSegment{
		{Prefix: netip.MustParsePrefix("10.0.0.0/26"), Label: "A"},
		{Prefix: netip.MustParsePrefix("10.0.0.64/28"), Label: "B"},
	}
	for line := range netcalc.PlanTree(netip.MustParsePrefix("10.0.0.0/24"), used) {
		fmt.Println(line)
	}
	// Output:
	// 10.0.0.0/24
	// +-- 10.0.0.0/25
	// |   +-- 10.0.0.0/26  A
	// |   `-- 10.0.0.64/26
	// |       +-- 10.0.0.64/27
	// |       |   +-- 10.0.0.64/28  B
	// |       |   `-- 10.0.0.80/28  (free)
	// |       `-- 10.0.0.96/27  (free)
	// `-- 10.0.0.128/25  (free)
}
