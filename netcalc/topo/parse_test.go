package topo

import (
	"errors"
	"strings"
	"testing"
)

func parseString(t *testing.T, s string) *Topology {
	t.Helper()
	top, err := Parse(strings.NewReader(s), Options{File: "t.yaml"})
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return top
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, in, want string
		sentinel       error
	}{
		{"route names path and line", "nodes:\n  r:\n    routes:\n      - default via 198.51.100.1\n      - default via 10.0.0.300\n",
			`t.yaml:5: nodes.r.routes[1]: "via 10.0.0.300": not an IP address: want a gateway such as 198.51.100.1 or 2001:db8::1`, ErrRouteSyntax},
		{"yaml syntax", "nodes:\n  a: [\n", `t.yaml:2: did not find expected node content`, ErrSyntax},
		{"empty", "", `t.yaml: empty file: want a mapping with nodes and links (or a k8s block)`, ErrInvalid},
		{"not a mapping", "- a\n", `t.yaml:1: want a mapping with nodes and links (or a k8s block), not a list`, ErrInvalid},
		{"unknown top field", "nodes: {}\ntopology: {}\n", `t.yaml:2: topology: unknown field: want name, nodes, links or k8s`, ErrUnknownField},
		{"unknown node field", "nodes:\n  a:\n    ifaces: {}\n", `t.yaml:3: nodes.a.ifaces: unknown field: want kind, interfaces, bridges, routes, sysctls or iptables`, ErrUnknownField},
		{"bad kind", "nodes:\n  a: {kind: switch}\n", `t.yaml:2: nodes.a.kind: "switch": want host or router`, ErrInvalid},
		{"bad address", "nodes:\n  a:\n    interfaces:\n      eth0: {addrs: [198.51.100.1]}\n", `t.yaml:4: nodes.a.interfaces.eth0.addrs[0]: "198.51.100.1": want an address with its prefix length, such as 198.51.100.10/24 or 2001:db8::10/64`, ErrInvalid},
		{"duplicate node", "nodes:\n  a: {}\n  a: {}\n", `t.yaml:3: nodes.a: given twice`, ErrDuplicate},
		{"long interface name", "nodes:\n  a:\n    interfaces:\n      averyveryverylongname: {}\n", `t.yaml:4: nodes.a.interfaces.averyveryverylongname: "averyveryverylongname": not an interface name: want 1-15 characters, no '/', ':' or spaces`, ErrInvalid},
		{"bad mac", "nodes:\n  a:\n    interfaces:\n      eth0: {mac: \"03:00:00:00:00:01\"}\n", `t.yaml:4: nodes.a.interfaces.eth0.mac: "03:00:00:00:00:01": a multicast MAC address cannot be an interface's address`, ErrInvalid},
		{"mtu range", "nodes:\n  a:\n    interfaces:\n      eth0: {mtu: 20}\n", `t.yaml:4: nodes.a.interfaces.eth0.mtu: "20": want an MTU from 68 to 65535`, ErrInvalid},
		{"bridge and interface", "nodes:\n  a:\n    interfaces:\n      br0: {}\n    bridges:\n      br0: {}\n", `t.yaml:6: nodes.a.bridges.br0: "br0" is both an interface and a bridge`, ErrDuplicate},
		{"endpoint syntax", "links:\n  - endpoints: [\"a-eth0\", \"b:eth0\"]\n", `t.yaml:2: links[0].endpoints[0]: "a-eth0": want NODE:INTERFACE such as "a:eth0" (interface names 1-15 characters)`, ErrInvalid},
		{"one endpoint", "links:\n  - endpoints: [\"a:eth0\"]\n", `t.yaml:2: links[0].endpoints: want two endpoints such as ["a:eth0", "b:eth0"], not a list`, ErrInvalid},
		{"same ends", "links:\n  - endpoints: [\"a:eth0\", \"a:eth0\"]\n", `t.yaml:2: links[0].endpoints: "a:eth0": both ends are the same interface`, ErrInvalid},
		{"lo", "nodes:\n  a:\n    interfaces:\n      lo: {}\n", `t.yaml:4: nodes.a.interfaces.lo: "lo" is every node's loopback: 127.0.0.1/8 and ::1 are implied`, ErrInvalid},
		{"two documents", "nodes: {}\n---\nnodes: {}\n", `t.yaml:2: a second YAML document: want one topology per file`, ErrInvalid},
		{"k8s without services reader", "k8s:\n  nodes: 1\n  node-network: 198.51.100.0/24\n  cluster-cidr: 10.244.0.0/16\n  services: s.yaml\n", `t.yaml:5: k8s.services: "s.yaml": this reader cannot open other files`, ErrInvalid},
		{"k8s too many nodes", "k8s:\n  nodes: 300\n  node-network: 198.51.100.0/24\n  cluster-cidr: 10.244.0.0/16\n", `t.yaml:3: k8s.node-network: 198.51.100.0/24 is too small for 300 nodes: node-n is network+10+n, so it needs at least 312 addresses`, ErrInvalid},
		{"k8s mask too long", "k8s:\n  nodes: 2\n  node-network: 198.51.100.0/24\n  cluster-cidr: 10.0.0.0/8\n  node-cidr-mask: 25\n", `t.yaml:5: k8s.node-cidr-mask: 25: kube-controller-manager refuses a node CIDR more than 16 bits longer than the cluster CIDR /8`, ErrInvalid},
		{"k8s cluster too small", "k8s:\n  nodes: 3\n  node-network: 198.51.100.0/24\n  cluster-cidr: 10.244.0.0/23\n", `t.yaml:4: k8s.cluster-cidr: 10.244.0.0/23 holds 2 node CIDRs of /24 outside the Service CIDR, want 3 (one per node)`, ErrInvalid},
		{"k8s pods on unknown node", "k8s:\n  nodes: 2\n  node-network: 198.51.100.0/24\n  cluster-cidr: 10.244.0.0/16\n  pods: {node-3: [a]}\n", `t.yaml:5: k8s.pods.node-3: "node-3": no such node: want node-1 .. node-2`, ErrInvalid},
		{"k8s pod named like a node", "k8s:\n  nodes: 2\n  node-network: 198.51.100.0/24\n  cluster-cidr: 10.244.0.0/16\n  pods: {node-1: [node-2]}\n", `t.yaml:5: k8s.pods: "node-2": a pod name must differ from every node and pod name`, ErrInvalid},
		{"k8s bad cni", "k8s:\n  cni: calico\n", `t.yaml:2: k8s.cni: "calico": want bridge or ptp`, ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(strings.NewReader(tt.in), Options{File: "t.yaml"})
			if err == nil {
				t.Fatalf("Parse = nil error; want %s", tt.want)
			}
			var te *Error
			if !errors.As(err, &te) {
				t.Fatalf("Parse error %T %v; want *Error", err, err)
			}
			if te.Message() != tt.want {
				t.Errorf("Parse error\n got %s\nwant %s", te.Message(), tt.want)
			}
			if !errors.Is(err, tt.sentinel) {
				t.Errorf("Parse error %v does not wrap %v", err, tt.sentinel)
			}
		})
	}
}

func TestDerive(t *testing.T) {
	top := parseString(t, `
nodes:
  a:
    interfaces:
      eth0: {addrs: [198.51.100.10/24, "2001:db8:1::10/64"], mac: "02:00:00:00:00:0a", mtu: 9000}
      dummy0: {addrs: [203.0.113.5/32]}
  r:
    kind: router
    bridges:
      br0: {ports: [p1, p2], addrs: ["2001:db8:1::1/64"]}
links:
  - endpoints: ["a:eth0", "r:p1"]
  - endpoints: ["r:p2", "x:eth0"]
`)
	a, r := top.Node("a"), top.Node("r")
	eth0 := a.Interface("eth0")
	if eth0.Kind != Veth || eth0.Peer != "r:p1" || eth0.MTU != 9000 || eth0.MAC.String() != "02:00:00:00:00:0a" {
		t.Errorf("a:eth0 = %+v", *eth0)
	}
	if got := eth0.LinkLocal.String(); got != "fe80::ff:fe00:a/64" {
		t.Errorf("a:eth0 link-local = %s; want fe80::ff:fe00:a/64 (EUI-64 of 02:00:00:00:00:0a)", got)
	}
	if d := a.Interface("dummy0"); d.Kind != Dummy {
		t.Errorf("dummy0 kind = %s; want dummy", d.Kind)
	}
	p1 := r.Interface("p1")
	if p1 == nil || !p1.Created || p1.Master != "br0" || p1.Kind != Veth || !p1.LinkLocal.IsValid() {
		t.Fatalf("r:p1 = %+v; want a created veth port of br0 with a link-local address", p1)
	}
	if br := r.Interface("br0"); br.MTU != 1500 {
		t.Errorf("br0 MTU = %d; want 1500 (smallest of its ports)", br.MTU)
	}
	if p1.MAC != DefaultMAC("r", "p1") || p1.MAC[0]&1 != 0 || p1.MAC[0]&2 == 0 {
		t.Errorf("r:p1 MAC %s: want DefaultMAC, unicast and locally administered", p1.MAC)
	}
	if DefaultMAC("r", "p1") == DefaultMAC("r", "p2") {
		t.Errorf("DefaultMAC does not depend on the interface")
	}
	var got []string
	for _, rt := range a.RoutingTable() {
		got = append(got, rt.String())
	}
	// As TestKernelTables checks against Linux: no ::1 route in main, no
	// link-local address on dummy0 (no carrier).
	want := []string{
		"198.51.100.0/24 dev eth0 proto kernel scope link src 198.51.100.10",
		"2001:db8:1::/64 dev eth0 proto kernel metric 256",
		"fe80::/64 dev eth0 proto kernel metric 256",
		"local 127.0.0.0/8 dev lo table local proto kernel scope host src 127.0.0.1",
		"local 127.0.0.1 dev lo table local proto kernel scope host src 127.0.0.1",
		"broadcast 127.255.255.255 dev lo table local proto kernel scope link src 127.0.0.1",
		"local ::1 dev lo table local proto kernel",
		"local 198.51.100.10 dev eth0 table local proto kernel scope host src 198.51.100.10",
		"broadcast 198.51.100.255 dev eth0 table local proto kernel scope link src 198.51.100.10",
		"local 2001:db8:1::10 dev eth0 table local proto kernel",
		"local fe80::ff:fe00:a dev eth0 table local proto kernel",
		"multicast ff00::/8 dev eth0 table local proto kernel metric 256",
		"local 203.0.113.5 dev dummy0 table local proto kernel scope host src 203.0.113.5",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("a's table:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// A router gets the subnet-router anycast route for IPv6 (forwarding on).
	found := false
	for _, rt := range r.RoutingTable() {
		if rt.String() == "anycast 2001:db8:1:: dev br0 table local proto kernel" {
			found = true
		}
	}
	if !found {
		t.Errorf("router r has no anycast 2001:db8:1:: route")
	}
}

func TestForwarding(t *testing.T) {
	top := parseString(t, `
nodes:
  h: {sysctls: {net.ipv4.ip_forward: 1}}
  r: {kind: router, sysctls: {net.ipv6.conf.all.forwarding: 0}}
`)
	h, r := top.Node("h"), top.Node("r")
	if !h.Forwarding(4) || h.Forwarding(6) || !r.Forwarding(4) || r.Forwarding(6) {
		t.Errorf("forwarding h4=%v h6=%v r4=%v r6=%v; want true false true false", h.Forwarding(4), h.Forwarding(6), r.Forwarding(4), r.Forwarding(6))
	}
}

// TestDeriveHostPrefixes: Linux adds a prefix route for an IPv6 /128 but
// none for an IPv4 /32 (TestKernelK8s's ptp cluster checks it in the
// kernel).
func TestDeriveHostPrefixes(t *testing.T) {
	top := parseString(t, `
nodes:
  a: {interfaces: {eth0: {addrs: [198.51.100.7/32, "2001:db8::7/128"]}}}
  b: {}
links:
  - endpoints: ["a:eth0", "b:eth0"]
`)
	var main []string
	for _, r := range top.Node("a").RoutingTable() {
		if r.Table == "main" {
			main = append(main, r.String())
		}
	}
	want := "2001:db8::7 dev eth0 proto kernel metric 256; fe80::/64 dev eth0 proto kernel metric 256" // ip prints a host prefix bare
	if got := strings.Join(main, "; "); got != want {
		t.Errorf("main table = %s; want %s", got, want)
	}
}
