package netcalc_test

import (
	"fmt"
	"math/big"
	"math/rand/v2"
	"net/netip"

	"github.com/netcalc/netcalc/netcalc"
)

// An address in every integer form, and back from one of them.
func ExampleAddrInt() {
	a := netip.MustParseAddr("192.0.2.1")
	fmt.Println(netcalc.AddrInt(a), netcalc.AddrHex(a))
	fmt.Println(netcalc.AddrBinary(a))
	fmt.Println(netcalc.AddrDottedBinary(a))
	back, _ := netcalc.ParseAddrAny("3221225985", false)
	fmt.Println(back)
	// Output:
	// 3221225985 0xc0000201
	// 0b11000000000000000000001000000001
	// 11000000.00000000.00000010.00000001
	// 192.0.2.1
}

// The examples of RFC 6052 section 2.4, both ways. (The RFC writes
// 2001:db8:122:344:c0:2:2100::; RFC 5952 text, as printed here, does not
// compress a single zero group.)
func ExampleNAT64Embed() {
	v4 := netip.MustParseAddr("192.0.2.33")
	for _, p := range []string{"64:ff9b::/96", "2001:db8::/32", "2001:db8:122:344::/64"} {
		a, _ := netcalc.NAT64Embed(netip.MustParsePrefix(p), v4)
		back, _ := netcalc.NAT64Extract(netip.MustParsePrefix(p), a)
		fmt.Println(p, a, back)
	}
	// Output:
	// 64:ff9b::/96 64:ff9b::c000:221 192.0.2.33
	// 2001:db8::/32 2001:db8:c000:221:: 192.0.2.33
	// 2001:db8:122:344::/64 2001:db8:122:344:c0:2:2100:0 192.0.2.33
}

func ExampleSixToFourPrefix() {
	p, _ := netcalc.SixToFourPrefix(netip.MustParseAddr("198.51.100.7"))
	v4, _ := netcalc.SixToFourAddr(netip.MustParseAddr("2002:c633:6407::1"))
	fmt.Println(p, v4)
	// Output: 2002:c633:6407::/48 198.51.100.7
}

// Arithmetic never wraps around: past the end is an error.
func ExampleAddrAdd() {
	a, _ := netcalc.AddrAdd(netip.MustParseAddr("10.0.0.250"), big.NewInt(10))
	fmt.Println(a)
	_, err := netcalc.AddrAdd(netip.MustParseAddr("255.255.255.250"), big.NewInt(10))
	fmt.Println(err)
	d, _ := netcalc.AddrDistance(netip.MustParseAddr("2001:db8::1"), netip.MustParseAddr("2001:db8::1:0"))
	fmt.Println(d)
	// Output:
	// 10.0.1.4
	// netcalc: 255.255.255.250: adding 10 goes past 255.255.255.255, the last IPv4 address: out of range
	// 65535
}

func ExampleNextPrefix() {
	next, _ := netcalc.NextPrefix(netip.MustParsePrefix("10.0.0.0/24"))
	prev, _ := netcalc.PrevPrefix(netip.MustParsePrefix("2001:db8:0:1::/64"))
	fmt.Println(next, prev)
	// Output: 10.0.1.0/24 2001:db8::/64
}

// Subnet 5 of size /24 inside a /16, the last /64 of a /48, and host 10
// of a /24 (0 is the network address, -1 the last address).
func ExampleNthSubnet() {
	s, _ := netcalc.NthSubnet(netip.MustParsePrefix("10.1.0.0/16"), 24, big.NewInt(5))
	last, _ := netcalc.NthSubnet(netip.MustParsePrefix("2001:db8::/48"), 64, big.NewInt(-1))
	h, _ := netcalc.NthAddr(netip.MustParsePrefix("10.1.5.0/24"), big.NewInt(10))
	fmt.Println(s, last, h)
	// Output: 10.1.5.0/24 2001:db8:0:ffff::/64 10.1.5.10
}

func ExampleSLAAC() {
	mac, _ := netcalc.ParseMAC("52:54:00:12:34:56")
	a, _ := netcalc.SLAAC(netip.MustParsePrefix("2001:db8:1:2::/64"), mac)
	ll, _ := netcalc.LinkLocal(mac)
	back, _ := netcalc.MACFromEUI64(a)
	fmt.Println(a)
	fmt.Println(ll)
	fmt.Println(back)
	// Output:
	// 2001:db8:1:2:5054:ff:fe12:3456
	// fe80::5054:ff:fe12:3456
	// 52:54:00:12:34:56
}

// A reproducible ULA: the same time and EUI-64 always give the same /48.
func ExampleULA() {
	mac, _ := netcalc.ParseMAC("52:54:00:12:34:56")
	eui, _ := netcalc.InterfaceID(mac)
	fmt.Println(netcalc.ULA(0xeb2f5c9a80000000, eui))
	// Output: fd5c:2e7:347c::/48
}

func ExampleRandomPrivate() {
	r := rand.New(rand.NewPCG(42, 0))
	avoid := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("172.16.0.0/12")}
	p, _ := netcalc.RandomPrivate(r, 24, avoid)
	fmt.Println(p, netip.MustParsePrefix("192.168.0.0/16").Contains(p.Addr()))
	// Output: 192.168.159.0/24 true
}

// RFC 2317 classless delegation of a /26, and the nibble zones of an IPv6
// prefix off a nibble boundary.
func ExampleReverseZones() {
	for _, p := range []string{"192.0.2.64/26", "198.51.100.0/23", "2001:db8::/47"} {
		for _, z := range netcalc.ReverseZones(netip.MustParsePrefix(p)) {
			fmt.Println(z.Prefix, z.Zone)
		}
	}
	fmt.Println(netcalc.ClasslessCNAMEs(netip.MustParsePrefix("192.0.2.64/26"))[1])
	// Output:
	// 192.0.2.64/26 64/26.2.0.192.in-addr.arpa.
	// 198.51.100.0/24 100.51.198.in-addr.arpa.
	// 198.51.101.0/24 101.51.198.in-addr.arpa.
	// 2001:db8::/48 0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.
	// 2001:db8:1::/48 1.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.
	// 65.2.0.192.in-addr.arpa.	CNAME	65.64/26.2.0.192.in-addr.arpa.
}
