package topo

import (
	"strings"
	"testing"
)

func TestGeneratePodCIDRs(t *testing.T) {
	// The Service CIDR inside the cluster CIDR takes its /24s out of the
	// allocator, as kube-controller-manager's filterOutServiceRange does.
	top := parseString(t, `
k8s:
  nodes: 3
  node-network: 198.51.100.0/24
  cluster-cidr: 10.0.0.0/16
  service-cidr: 10.0.1.0/24
  pods-per-node: 2
`)
	want := map[string]string{"node-1": "10.0.0.1/24", "node-2": "10.0.2.1/24", "node-3": "10.0.3.1/24"}
	for n, w := range want {
		if got := top.Node(n).Interface("cni0").Addrs[0].String(); got != w {
			t.Errorf("%s cni0 = %s; want %s", n, got, w)
		}
	}
	if got := top.Node("node-2-pod-2").Interface("eth0").Addrs[0].String(); got != "10.0.2.3/24" {
		t.Errorf("node-2-pod-2 eth0 = %s; want 10.0.2.3/24 (host-local: .1 is the gateway)", got)
	}
	if got := top.Node("node-3").Interface("eth0").Addrs[0].String(); got != "198.51.100.13/24" {
		t.Errorf("node-3 eth0 = %s; want 198.51.100.13/24", got)
	}
	var routes []string
	for _, r := range top.Node("node-1").Routes {
		routes = append(routes, r.String())
	}
	if got, want := strings.Join(routes, "; "), "default via 198.51.100.1 dev eth0; 10.0.2.0/24 via 198.51.100.12 dev eth0; 10.0.3.0/24 via 198.51.100.13 dev eth0"; got != want {
		t.Errorf("node-1 routes = %s; want %s", got, want)
	}
	if fs := top.Check(); len(fs) != 0 {
		t.Errorf("Check = %+v; want none", fs)
	}
}

func TestGeneratePtpAndMasq(t *testing.T) {
	top := parseString(t, `
k8s:
  nodes: 2
  node-network: "2001:db8:1::/64"
  cluster-cidr: "2001:db8:100::/56"
  cni: ptp
  masquerade: bridge-ipmasq
  pods: {node-2: [p]}
`)
	p := top.Node("p")
	if got := p.Interface("eth0").Addrs[0].String(); got != "2001:db8:100:1::2/128" {
		t.Errorf("pod p eth0 = %s; want 2001:db8:100:1::2/128", got)
	}
	var routes []string
	for _, r := range p.Routes {
		routes = append(routes, r.String())
	}
	if got, want := strings.Join(routes, "; "), "2001:db8:100:1::1 dev eth0 src 2001:db8:100:1::2; default via 2001:db8:100:1::1 dev eth0 src 2001:db8:100:1::2"; got != want {
		t.Errorf("pod p routes = %s; want %s", got, want)
	}
	n2 := top.Node("node-2")
	ipt := n2.IPTables
	for _, w := range []string{
		`-A POSTROUTING -s 2001:db8:100:1::2/128 -m comment --comment "name: \"cbr0\" id: \"p\"" -j CNI-`,
		`! -d ff00::/8 -m comment --comment "name: \"cbr0\" id: \"p\"" -j MASQUERADE`,
	} {
		if !strings.Contains(ipt, w) {
			t.Errorf("node-2 iptables lacks %q:\n%s", w, ipt)
		}
	}
	if strings.Contains(ipt, "IP-MASQ-AGENT") {
		t.Errorf("bridge-ipmasq node has ip-masq-agent rules")
	}
	if fs := top.Check(); len(fs) != 0 {
		t.Errorf("Check = %+v; want none", fs)
	}
}

func TestVethName(t *testing.T) {
	used := map[string]bool{}
	a := vethName("web-1", used)
	b := vethName("web-1", used)
	if a == b || len(a) != 12 || len(b) > 15 {
		t.Errorf("vethName twice = %q, %q; want two different names of at most 15 bytes", a, b)
	}
}
