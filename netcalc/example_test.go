package netcalc_test

import (
	"fmt"
	"net/netip"

	"github.com/netcalc/netcalc/netcalc"
)

// The classic beginner question: what does 192.168.1.10/24 cover?
func ExampleDescribe() {
	info := netcalc.Describe(netip.MustParsePrefix("192.168.1.10/24"))
	fmt.Println("network:  ", info.Network)
	fmt.Println("broadcast:", info.Broadcast)
	fmt.Println("hosts:    ", info.FirstHost, "-", info.LastHost)
	fmt.Println("usable:   ", info.UsableHosts, "of", info.Addresses)
	// Output:
	// network:   192.168.1.0/24
	// broadcast: 192.168.1.255
	// hosts:     192.168.1.1 - 192.168.1.254
	// usable:    254 of 256
}

func ExampleParseSpec() {
	for _, s := range []string{"10.0.0.1 0.0.0.3", "fe80::1%eth0/64", "010.0.0.1"} {
		sp, err := netcalc.ParseSpec(s)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Println(sp, sp.Mask)
	}
	// Output:
	// 10.0.0.1/30 wildcard
	// fe80::1%eth0/64 length
	// netcalc: "010.0.0.1": octet 1 is "010": a leading zero is ambiguous (octal or decimal?), write 10
}

func ExampleUsableHosts() {
	for _, s := range []string{"10.0.0.0/30", "10.0.0.0/31", "10.0.0.0/32", "2001:db8::/64", "2001:db8::/127"} {
		fmt.Println(s, netcalc.UsableHosts(netip.MustParsePrefix(s)))
	}
	// Output:
	// 10.0.0.0/30 2
	// 10.0.0.0/31 2
	// 10.0.0.0/32 1
	// 2001:db8::/64 18446744073709551615
	// 2001:db8::/127 2
}

// 192.0.0.9 is globally reachable although it sits inside the non-global
// 192.0.0.0/24: the most specific registry entry decides.
func ExampleClassify() {
	entries, global := netcalc.Classify(netip.MustParseAddr("192.0.0.9"))
	for _, e := range entries {
		fmt.Println(e.Prefix, e.Name, e.GloballyReachable)
	}
	fmt.Println("globally reachable:", global)
	// Output:
	// 192.0.0.9/32 Port Control Protocol Anycast true
	// 192.0.0.0/24 IETF Protocol Assignments false
	// globally reachable: true
}

func ExampleBinary() {
	fmt.Println(netcalc.Binary(netip.MustParseAddr("192.168.1.10"), 24))
	// Output: 11000000.10101000.00000001 | 00001010
}
