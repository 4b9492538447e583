package topo

import (
	"os"
	"strconv"
	"strings"
	"testing"
)

func TestCheck(t *testing.T) {
	f, err := os.Open("../../testdata/topo/lint.yaml")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	top, err := Parse(f, Options{File: "lint.yaml"})
	if err != nil {
		t.Fatal(err)
	}
	fs := top.Check()
	SortFindings(fs)
	var got []string
	for _, x := range fs {
		got = append(got, string(x.Severity)+" "+x.Check+" "+x.Path+":"+itoa(x.Line)+" "+x.Message)
	}
	want := []string{
		`error no-forwarding nodes.a.routes[0]:8 node r is the gateway of "203.0.113.0/24 via 198.51.100.1" but does not forward IPv4: set kind: router or net.ipv4.ip_forward: 1 on r`,
		`warning no-return-route nodes.a.routes[0]:8 node b, reached by this route, has no route back to 198.51.100.10 (a:eth0): replies are lost`,
		`error gateway-off-link nodes.a.routes[1]:9 gateway 10.0.0.1 is not on-link: no address of node a covers it (the kernel refuses the route: "Nexthop has invalid gateway"); add an address in its subnet or "onlink"`,
		`error missing-interface nodes.a.routes[2]:10 "10.8.0.0/16 dev eth7": node a has no interface "eth7" (the kernel refuses the route: "Cannot find device")`,
		`error duplicate-address nodes.b.interfaces.eth0:17 203.0.113.1 on b:eth0 is also on r:eth1, on the same segment: ARP/NDP answers from both`,
		`error missing-interface nodes.c.bridges.br0.ports[1]:20 "p9": node c has no interface "p9": list it under interfaces or link it`,
		`warning mtu-mismatch links[0]:22 a:eth0 has MTU 9000 but its peer r:eth0 has 1500: the larger side's big packets are dropped at the smaller`,
		`error missing-node links[2].endpoints[1]:24 "zz:eth0": no node "zz" in the file`,
		`error link-reuse links[3].endpoints[1]:25 "b:eth0" is already one end of links[1]: a veth end has exactly one peer`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("Check:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestCheckClean(t *testing.T) {
	for _, name := range []string{"veth.yaml", "bridge.yaml", "gateway.yaml", "home-nat.yaml"} {
		t.Run(name, func(t *testing.T) {
			f, err := os.Open("../../examples/topo/" + name)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			top, err := Parse(f, Options{File: name})
			if err != nil {
				t.Fatal(err)
			}
			if fs := top.Check(); len(fs) != 0 {
				t.Errorf("Check(%s) = %+v; want no findings", name, fs)
			}
		})
	}
}

func TestCheckMore(t *testing.T) {
	tests := []struct {
		name, in string
		want     []string // "check path"
	}{
		{"two subnets on a bridge", `
nodes:
  a: {interfaces: {eth0: {addrs: [198.51.100.1/24]}}}
  b: {interfaces: {eth0: {addrs: [203.0.113.1/24]}}}
  sw: {bridges: {br0: {ports: [p1, p2]}}}
links:
  - endpoints: ["a:eth0", "sw:p1"]
  - endpoints: ["b:eth0", "sw:p2"]
`, []string{"two-subnets nodes.b.interfaces.eth0"}},
		{"gateway owned by nobody", `
nodes:
  a: {interfaces: {eth0: {addrs: [198.51.100.1/24]}}, routes: ["default via 198.51.100.254"]}
  b: {interfaces: {eth0: {addrs: [198.51.100.2/24]}}}
links:
  - endpoints: ["a:eth0", "b:eth0"]
`, []string{"gateway-missing nodes.a.routes[0]"}},
		{"onlink gateway is fine", `
nodes:
  a: {interfaces: {eth0: {addrs: [198.51.100.1/32]}}, routes: ["default via 203.0.113.1 dev eth0 onlink"]}
  b: {kind: router, interfaces: {eth0: {addrs: [203.0.113.1/24]}}}
links:
  - endpoints: ["a:eth0", "b:eth0"]
`, nil},
		{"bridge port mtu and a link to a bridge", `
nodes:
  a: {interfaces: {eth0: {mtu: 1400}}}
  sw: {bridges: {br0: {ports: [p1], mtu: 9000}}}
links:
  - endpoints: ["a:eth0", "sw:p1"]
  - endpoints: ["a:eth1", "sw:br0"]
`, []string{"mtu-mismatch links[0]", "link-reuse links[1].endpoints[1]", "mtu-mismatch nodes.sw.bridges.br0.ports[0]"}},
		{"ipv6 router without forwarding", `
nodes:
  a: {interfaces: {eth0: {addrs: ["2001:db8:1::10/64"]}}, routes: ["2001:db8:2::/64 via 2001:db8:1::1"]}
  r: {kind: router, sysctls: {net.ipv6.conf.all.forwarding: 0}, interfaces: {eth0: {addrs: ["2001:db8:1::1/64"]}, eth1: {addrs: ["2001:db8:2::1/64"]}}}
  b: {interfaces: {eth0: {addrs: ["2001:db8:2::20/64"]}}, routes: ["default via 2001:db8:2::1"]}
links:
  - endpoints: ["a:eth0", "r:eth0"]
  - endpoints: ["r:eth1", "b:eth0"]
`, []string{"no-forwarding nodes.a.routes[0]"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			top := parseString(t, tt.in)
			var got []string
			for _, f := range top.Check() {
				got = append(got, f.Check+" "+f.Path)
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("Check:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}
