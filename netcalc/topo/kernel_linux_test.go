//go:build linux

package topo

import (
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/netcalc/netcalc/internal/testlab"
)

// build creates top in namespaces of lab: per node a namespace (lo up,
// IPv6 DAD off), every interface with the model's MAC and MTU (veth pairs
// for links, dummies for listed interfaces on no link, bridges with their
// ports), forwarding for routers and the sysctls, the addresses, then the
// static routes. It returns node name → namespace.
func build(t *testing.T, lab *testlab.Lab, top *Topology) map[string]string {
	t.Helper()
	ns := map[string]string{}
	for _, n := range top.Nodes {
		ns[n.Name] = lab.NS(n.Name)
		if n.Forwarding(4) {
			lab.Sysctl(ns[n.Name], "net.ipv4.ip_forward", "1")
		}
		if n.Forwarding(6) {
			lab.Sysctl(ns[n.Name], "net.ipv6.conf.all.forwarding", "1")
		}
	}
	for _, l := range top.Links {
		a, b := l.Endpoints[0], l.Endpoints[1]
		lab.IP("link", "add", a.Interface, "netns", ns[a.Node], "type", "veth", "peer", "name", b.Interface, "netns", ns[b.Node])
	}
	for _, n := range top.Nodes {
		for _, ifc := range n.Interfaces {
			switch ifc.Kind {
			case Dummy:
				// No carrier: a veth whose peer stays down elsewhere.
				lab.IP("link", "add", ifc.Name, "netns", ns[n.Name], "type", "veth", "peer", "name", "peer", "netns", lab.NS("nc"+strconv.Itoa(len(ns))))
			case Bridge:
				lab.IP("-n", ns[n.Name], "link", "add", ifc.Name, "type", "bridge")
			}
			lab.IP("-n", ns[n.Name], "link", "set", ifc.Name, "address", ifc.MAC.String(), "mtu", strconv.Itoa(ifc.MTU))
		}
		for _, ifc := range n.Interfaces {
			if ifc.Master != "" {
				lab.IP("-n", ns[n.Name], "link", "set", ifc.Name, "master", ifc.Master)
				if ifc.Hairpin {
					lab.IP("-n", ns[n.Name], "link", "set", "dev", ifc.Name, "type", "bridge_slave", "hairpin", "on")
				}
			}
		}
		for _, ifc := range n.Interfaces {
			lab.IP("-n", ns[n.Name], "link", "set", ifc.Name, "up")
			for _, a := range ifc.Addrs {
				lab.Addr(ns[n.Name], ifc.Name, a.String())
			}
		}
	}
	for _, n := range top.Nodes {
		for _, r := range n.Routes {
			lab.Route(ns[n.Name], strings.Fields(r.String())...)
		}
	}
	return ns
}

// routeKey is a route reduced to what `ip route show table all` and Table
// both state: type, destination, table, gateway, device, source, metric
// and (IPv4 only: ip prints no scope for IPv6) scope.
func routeKey(typ, dst, table, via, dev, src string, metric uint32, scope string) string {
	return fmt.Sprintf("%s %s table=%s via=%s dev=%s src=%s metric=%d scope=%s", typ, dst, table, via, dev, src, metric, scope)
}

// kernelRoutes parses `ip -F route show table all` of one family.
func kernelRoutes(t *testing.T, out string, v6 bool) []string {
	var keys []string
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		typ := "unicast"
		switch f[0] {
		case "local", "broadcast", "anycast", "multicast", "blackhole", "unreachable", "prohibit", "unicast":
			typ, f = f[0], f[1:]
		}
		dst := f[0]
		switch {
		case dst == "default" && v6:
			dst = "::/0"
		case dst == "default":
			dst = "0.0.0.0/0"
		case !strings.Contains(dst, "/"):
			a := netip.MustParseAddr(dst)
			dst = netip.PrefixFrom(a, a.BitLen()).String()
		}
		kv := map[string]string{"table": "main"}
		for i := 1; i < len(f); i++ {
			switch f[i] {
			case "via", "dev", "table", "proto", "scope", "src", "metric", "pref":
				if i+1 < len(f) {
					kv[f[i]] = f[i+1]
					i++
				}
			}
		}
		scope := kv["scope"]
		if scope == "" {
			scope = "global"
		}
		if v6 {
			scope = ""
		}
		dev := kv["dev"]
		if typ != "unicast" && typ != "local" && typ != "broadcast" && typ != "anycast" && typ != "multicast" {
			dev = "" // Linux shows IPv6 reject routes on lo
		}
		m, _ := strconv.ParseUint(kv["metric"], 10, 32)
		keys = append(keys, routeKey(typ, dst, kv["table"], kv["via"], dev, kv["src"], uint32(m), scope))
	}
	sort.Strings(keys)
	return keys
}

func modelRoutes(n *Node, v6 bool) []string {
	var keys []string
	for _, r := range n.RoutingTable() {
		if r.Dst.Addr().Is6() != v6 {
			continue
		}
		dev := r.Dev
		if dev == "" && r.Via.IsValid() {
			if ifc := n.linkRoute(r.Via, ""); ifc != nil {
				dev = ifc.Name
			}
		}
		if r.Type != Unicast && r.Type != Local && r.Type != Broadcast && r.Type != Anycast && r.Type != Multicast {
			dev = ""
		}
		via, src, scope := "", "", r.Scope
		if r.Via.IsValid() {
			via = r.Via.String()
		}
		if r.Src.IsValid() {
			src = r.Src.String()
		}
		if v6 {
			scope = ""
		}
		keys = append(keys, routeKey(string(r.Type), r.Dst.String(), r.Table, via, dev, src, r.Metric, scope))
	}
	sort.Strings(keys)
	return keys
}

// TestKernelTables builds each example in network namespaces and compares
// every node's routing tables (main and local, IPv4 and IPv6) with Table:
// the connected, local, broadcast, anycast and multicast routes the kernel
// derives, link-local addresses from the MACs, and the static routes. It
// also checks the bridges' MTU (the smallest of the ports). It needs root
// and iproute2 and skips without them.
func TestKernelTables(t *testing.T) {
	if s := testlab.Skip(); s != "" {
		t.Skip(s)
	}
	if _, err := os.Stat("/proc/sys/net/ipv6"); err != nil {
		t.Skip("the kernel has no IPv6")
	}
	for _, ex := range []string{"veth", "bridge", "gateway", "home-nat", "routes"} {
		t.Run(ex, func(t *testing.T) {
			var top *Topology
			if ex == "routes" {
				top = parseString(t, kernelRoutesFile)
			} else {
				top = readExample(t, ex+".yaml")
			}
			lab := testlab.New(t)
			ns := build(t, lab, top)
			for _, n := range top.Nodes {
				for _, v6 := range []bool{false, true} {
					fam := "-4"
					if v6 {
						fam = "-6"
					}
					// Addresses come up asynchronously (addrconf's work
					// queue): poll for up to two seconds.
					want := modelRoutes(n, v6)
					var got []string
					for i := 0; i < 20; i++ {
						got = kernelRoutes(t, lab.IP(fam, "-n", ns[n.Name], "route", "show", "table", "all"), v6)
						if strings.Join(got, "\n") == strings.Join(want, "\n") {
							break
						}
						time.Sleep(100 * time.Millisecond)
					}
					if strings.Join(got, "\n") != strings.Join(want, "\n") {
						t.Errorf("node %s %s: kernel:\n%s\nTable:\n%s", n.Name, fam, strings.Join(got, "\n"), strings.Join(want, "\n"))
					}
				}
				for _, ifc := range n.Interfaces {
					if ifc.Kind != Bridge {
						continue
					}
					out := lab.IP("-n", ns[n.Name], "-o", "link", "show", "dev", ifc.Name)
					if !strings.Contains(out, " mtu "+strconv.Itoa(ifc.MTU)+" ") {
						t.Errorf("node %s bridge %s: kernel %q; model MTU %d", n.Name, ifc.Name, out, ifc.MTU)
					}
				}
			}
		})
	}
}

// kernelRoutesFile has every kind of static route: metrics, src, onlink,
// blackhole/unreachable/prohibit in both families, a /32 address, a
// bridge with an address on a port, a dummy interface.
const kernelRoutesFile = `
nodes:
  a:
    interfaces:
      eth0: {addrs: [198.51.100.10/24, "2001:db8:1::10/64"], mtu: 1400}
      dummy0: {addrs: [203.0.113.5/32]}
    routes:
      - default via 198.51.100.1 metric 100
      - default via 2001:db8:1::1
      - 203.0.113.0/25 via 198.51.100.2 dev eth0 src 198.51.100.10 metric 10
      - 203.0.113.128/25 via 198.51.100.3 dev eth0 onlink
      - 10.20.0.0/16 dev eth0
      - blackhole 10.30.0.0/16
      - unreachable 10.40.0.0/16 metric 7
      - prohibit 10.50.0.0/16
      - blackhole 2001:db8:dead::/48
      - 2001:db8:3::/64 via fe80::1 dev eth0
  r:
    kind: router
    interfaces:
      p2: {addrs: [198.51.100.99/24]}
    bridges:
      br0: {ports: [p1, p2], addrs: [198.51.100.1/24, "2001:db8:1::1/64"]}
  s: {}
links:
  - endpoints: ["a:eth0", "r:p1"]
  - endpoints: ["r:p2", "s:eth0"]
`

// TestKernelRefuses checks the kernel's words that the route parser and
// Check quote: the routes they call refused are refused by Linux with that
// message, and the ones they accept are accepted.
func TestKernelRefuses(t *testing.T) {
	if s := testlab.Skip(); s != "" {
		t.Skip(s)
	}
	top := parseString(t, `
nodes:
  a:
    interfaces:
      eth0: {addrs: [198.51.100.10/24]}
  b: {}
links:
  - endpoints: ["a:eth0", "b:eth0"]
`)
	lab := testlab.New(t)
	ns := build(t, lab, top)["a"]
	tests := []struct {
		route string
		want  string // "" = accepted
	}{
		{"10.9.0.0/16 via 10.0.0.1", "Nexthop has invalid gateway"},                // gateway-off-link
		{"10.8.0.0/16 dev eth7", "Cannot find device"},                             // missing-interface
		{"10.1.2.3/16 dev eth0", "Invalid prefix for given prefix length"},         // ParseRoute: host bits set
		{"10.7.0.0/16 via 198.51.100.1 scope link", "Nexthop has invalid gateway"}, // ParseRoute: gateway needs scope global
		{"10.6.0.0/16 via 203.0.113.1 dev eth0 onlink", ""},                        // onlink makes it on-link
		{"10.5.0.0/16 via 198.51.100.1", ""},                                       // an on-link gateway
	}
	for _, tt := range tests {
		out, err := exec.Command("ip", append([]string{"-n", ns, "route", "add"}, strings.Fields(tt.route)...)...).CombinedOutput()
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("ip route add %s: %v %s; want accepted", tt.route, err, out)
		case tt.want != "" && (err == nil || !strings.Contains(string(out), tt.want)):
			t.Errorf("ip route add %s: %v %q; want refused with %q", tt.route, err, out, tt.want)
		}
	}
}

// TestKernelK8s builds generated clusters (bridge and ptp, each masquerade
// mode) in namespaces: every node's routing tables must match Table, and
// every node's iptables text must load with iptables-restore and read
// back from iptables-save with the same number of rules per chain.
func TestKernelK8s(t *testing.T) {
	if s := testlab.Skip(); s != "" {
		t.Skip(s)
	}
	for _, tool := range []string{"iptables-restore", "iptables-save"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed", tool)
		}
	}
	v4 := `services:
- {namespace: default, name: web, clusterIP: 10.96.0.80, ports: [{name: http, port: 80, targetPort: 8080}],
   endpoints: [{ip: 10.244.1.2}, {ip: 10.244.1.3}]}
`
	v6 := `services:
- {namespace: default, name: web, clusterIP: "fd00:10:96::80", ports: [{name: http, port: 80, targetPort: 8080}],
   endpoints: [{ip: "2001:db8:100:1::2"}, {ip: "2001:db8:100:1::3"}]}
`
	for _, variant := range []string{"cni: bridge\n  masquerade: ip-masq-agent\n  hairpin: true", "cni: bridge\n  masquerade: bridge-ipmasq", "cni: ptp\n  masquerade: none",
		"ipv6\n  cni: bridge\n  masquerade: ip-masq-agent", "ipv6\n  cni: ptp\n  masquerade: bridge-ipmasq"} {
		t.Run(strings.ReplaceAll(strings.ReplaceAll(variant, "\n  ", ","), ": ", "="), func(t *testing.T) {
			is6 := strings.HasPrefix(variant, "ipv6\n  ")
			nets, services, restore, save, fam := "node-network: 198.51.100.0/24\n  cluster-cidr: 10.244.0.0/16", v4, "iptables-restore", "iptables-save", "-4"
			if is6 {
				variant = strings.TrimPrefix(variant, "ipv6\n  ")
				nets, services, restore, save, fam = "node-network: \"2001:db8:1::/64\"\n  cluster-cidr: \"2001:db8:100::/56\"", v6, "ip6tables-restore", "ip6tables-save", "-6"
				for _, tool := range []string{restore, save} {
					if _, err := exec.LookPath(tool); err != nil {
						t.Skipf("%s not installed", tool)
					}
				}
			}
			file := "k8s:\n  nodes: 2\n  " + nets + "\n  " + variant +
				"\n  pods: {node-1: [client], node-2: [web-1, web-2]}\n  services: s.yaml\n"
			top, err := Parse(strings.NewReader(file), Options{ReadFile: func(string) ([]byte, error) { return []byte(services), nil }})
			if err != nil {
				t.Fatal(err)
			}
			lab := testlab.New(t)
			ns := build(t, lab, top)
			for _, n := range top.Nodes {
				want := modelRoutes(n, is6)
				var got []string
				for i := 0; i < 20; i++ {
					got = kernelRoutes(t, lab.IP(fam, "-n", ns[n.Name], "route", "show", "table", "all"), is6)
					if strings.Join(got, "\n") == strings.Join(want, "\n") {
						break
					}
					time.Sleep(100 * time.Millisecond)
				}
				if strings.Join(got, "\n") != strings.Join(want, "\n") {
					t.Errorf("node %s: kernel:\n%s\nTable:\n%s", n.Name, strings.Join(got, "\n"), strings.Join(want, "\n"))
				}
				for _, ifc := range n.Interfaces {
					if ifc.Master == "" {
						continue
					}
					out := lab.IP("-d", "-n", ns[n.Name], "link", "show", "dev", ifc.Name)
					if on := strings.Contains(out, "hairpin on"); on != ifc.Hairpin {
						t.Errorf("node %s port %s: kernel hairpin %v, model %v", n.Name, ifc.Name, on, ifc.Hairpin)
					}
				}
				if n.IPTables == "" {
					continue
				}
				cmd := exec.Command("ip", "netns", "exec", ns[n.Name], restore, "-w", "5")
				cmd.Stdin = strings.NewReader(n.IPTables)
				if out, err := cmd.CombinedOutput(); err != nil {
					t.Fatalf("node %s: %s: %v\n%s\n%s", n.Name, restore, err, out, n.IPTables)
				}
				saved := lab.Exec(ns[n.Name], save)
				if g, w := chainCounts(saved), chainCounts(n.IPTables); g != w {
					t.Errorf("node %s: iptables-save rules per chain:\n%s\nwant:\n%s", n.Name, g, w)
				}
			}
		})
	}
}

// chainCounts returns "table chain count" lines for the rules of an
// iptables-save text.
func chainCounts(text string) string {
	table := ""
	counts := map[string]int{}
	for _, l := range strings.Split(text, "\n") {
		switch {
		case strings.HasPrefix(l, "*"):
			table = l[1:]
		case strings.HasPrefix(l, "-A "):
			counts[table+" "+strings.Fields(l)[1]]++
		}
	}
	var out []string
	for k, v := range counts {
		out = append(out, k+" "+strconv.Itoa(v))
	}
	sort.Strings(out)
	return strings.Join(out, "\n")
}
