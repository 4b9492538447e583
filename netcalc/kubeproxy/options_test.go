package kubeproxy

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// optScenario is one NodePort Service with a local and a remote endpoint
// on node test-node, the shape of kube-proxy's TestNodePorts.
const optScenario = `
node: test-node
nodeIPs: [192.168.0.2, 192.168.1.2, 2001:db8::1]
clusterCIDR: 10.0.0.0/8
services:
- namespace: ns1
  name: svc1
  type: NodePort
  clusterIP: 172.30.0.41
  clusterIPs: [172.30.0.41, fd00:172:30::41]
  ports: [{name: p80, port: 80, nodePort: 3001}]
  endpoints: [{ip: 10.180.0.1, node: test-node}, {ip: "fd00:10:180::1", node: test-node}]
`

func renderLines(t *testing.T, yaml string, mod func(*Config)) []string {
	t.Helper()
	cfg := mustParseYAML(t, yaml, "test.yaml")
	if mod != nil {
		mod(cfg)
	}
	return strings.Split(renderString(t, cfg), "\n")
}

func grepLines(lines []string, sub string) []string {
	var out []string
	for _, l := range lines {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return out
}

// TestNodePortAddresses follows the cases of kube-proxy's TestNodePorts
// (kubernetes v1.37.2 pkg/proxy/iptables/proxier_test.go): which
// destinations KUBE-SERVICES sends to KUBE-NODEPORTS and whether the
// KUBE-FIREWALL localhost guard exists.
func TestNodePortAddresses(t *testing.T) {
	const last = `-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" `
	tests := []struct {
		name      string
		ipv6      bool
		localhost bool
		addrs     []string
		want      []string // the nodeports jumps, after last
		firewall  bool
	}{
		{"ipv4, localhost-nodeports enabled", false, true, nil, []string{"-m addrtype --dst-type LOCAL -j KUBE-NODEPORTS"}, true},
		{"ipv4, localhost-nodeports disabled", false, false, nil, []string{"-m addrtype --dst-type LOCAL ! -d 127.0.0.0/8 -j KUBE-NODEPORTS"}, false},
		{"ipv4, localhost-nodeports disabled, localhost in nodeport-addresses", false, false, []string{"192.168.0.0/24", "127.0.0.1/32"},
			[]string{"-d 192.168.0.2 -j KUBE-NODEPORTS"}, false},
		{"ipv4, localhost-nodeports enabled, localhost in nodeport-addresses", false, true, []string{"192.168.0.0/24", "127.0.0.1/32"},
			[]string{"-d 127.0.0.1 -j KUBE-NODEPORTS", "-d 192.168.0.2 -j KUBE-NODEPORTS"}, true},
		{"ipv4, multiple nodeport-addresses (localhost NodePorts off: no loopback CIDR)", false, true, []string{"192.168.0.0/24", "192.168.1.0/24", "2001:db8::/64"},
			[]string{"-d 192.168.0.2 -j KUBE-NODEPORTS", "-d 192.168.1.2 -j KUBE-NODEPORTS"}, false},
		{"ipv4, primary", false, true, []string{"primary"}, []string{"-d 192.168.0.2 -j KUBE-NODEPORTS", "-d 192.168.1.2 -j KUBE-NODEPORTS"}, false},
		{"ipv4, 0.0.0.0/0 matches all", false, true, []string{"0.0.0.0/0"}, []string{"-m addrtype --dst-type LOCAL -j KUBE-NODEPORTS"}, true},
		{"ipv6, localhost-nodeports enabled", true, true, nil, []string{"-m addrtype --dst-type LOCAL ! -d ::1/128 -j KUBE-NODEPORTS"}, false},
		{"ipv6, multiple nodeport-addresses", true, false, []string{"192.168.0.0/24", "192.168.1.0/24", "2001:db8::/64"},
			[]string{"-d 2001:db8::1 -j KUBE-NODEPORTS"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lines := renderLines(t, optScenario, func(c *Config) {
				c.IPv6, c.LocalhostNodePorts, c.NodePortAddresses = tt.ipv6, tt.localhost, tt.addrs
			})
			var got []string
			for _, l := range grepLines(lines, last) {
				got = append(got, strings.TrimPrefix(l, last))
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("nodeports jumps = %q; want %q", got, tt.want)
			}
			if fw := len(grepLines(lines, "-A KUBE-FIREWALL")) > 0; fw != tt.firewall {
				t.Errorf("KUBE-FIREWALL rule present = %v; want %v", fw, tt.firewall)
			}
		})
	}
}

// TestDropInvalidRule follows kube-proxy's TestDropInvalidRule: the
// INVALID drop with and without its nfacct counter, and none at all when
// nf_conntrack_tcp_be_liberal is on.
func TestDropInvalidRule(t *testing.T) {
	tests := []struct {
		name             string
		liberal, counter bool
		want             string
	}{
		{"plain", false, false, "-A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP"},
		{"nfacct", false, true, "-A KUBE-FORWARD -m conntrack --ctstate INVALID -m nfacct --nfacct-name ct_state_invalid_dropped_pkts -j DROP"},
		{"tcp_be_liberal", true, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lines := renderLines(t, optScenario, func(c *Config) { c.ConntrackTCPBeLiberal, c.NFAcctInvalid = tt.liberal, tt.counter })
			got := strings.Join(grepLines(lines, "INVALID"), "\n")
			if got != tt.want {
				t.Errorf("INVALID rule = %q; want %q", got, tt.want)
			}
		})
	}
}

// TestNFAcctIndependent checks that the two counters are separate
// settings: the localhost NodePort counter rule does not need the INVALID
// one, and "nfacct" takes a list of the counters that exist.
func TestNFAcctIndependent(t *testing.T) {
	lines := renderLines(t, "nfacct: [localhost_nps_accepted_pkts]\n"+optScenario, nil)
	if got := grepLines(lines, "nfacct"); len(got) != 1 || !strings.Contains(got[0], "-d 127.0.0.0/8 --dport 3001 -m nfacct --nfacct-name localhost_nps_accepted_pkts") {
		t.Errorf("nfacct rules = %q; want only the localhost NodePort one", got)
	}
	lines = renderLines(t, "nfacct: [ct_state_invalid_dropped_pkts]\n"+optScenario, nil)
	if got := grepLines(lines, "nfacct"); len(got) != 1 || !strings.Contains(got[0], "INVALID") {
		t.Errorf("nfacct rules = %q; want only the INVALID one", got)
	}
	if _, err := Parse([]byte("nfacct: [bogus]\n"), "x.yaml"); err == nil || !strings.Contains(err.Error(), "ct_state_invalid_dropped_pkts") {
		t.Errorf("Parse(nfacct: [bogus]) error = %v; want one naming the counters", err)
	}
}

// TestLoadBalancerIPModeProxy follows kube-proxy's
// TestLoadBalancerIngressRouteTypeProxy: an ingress IP with ipMode Proxy
// gets no KUBE-SERVICES rule, VIP and unset do; before 1.30 (gate off)
// Proxy is treated as VIP.
func TestLoadBalancerIPModeProxy(t *testing.T) {
	const m = `
apiVersion: v1
kind: Service
metadata: {namespace: ns1, name: svc1}
spec:
  type: LoadBalancer
  clusterIP: 10.20.30.41
  ports: [{name: p80, port: 80, nodePort: 3001}]
status:
  loadBalancer:
    ingress: [{ip: 1.2.3.4, ipMode: Proxy}, {ip: 1.2.3.5, ipMode: VIP}, {ip: 1.2.3.6}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {namespace: ns1, name: svc1-1, labels: {kubernetes.io/service-name: svc1}}
addressType: IPv4
endpoints: [{addresses: [10.180.0.1]}]
ports: [{name: p80, port: 80}]
`
	for _, tt := range []struct {
		version string
		want    map[string]bool
	}{
		{"", map[string]bool{"1.2.3.4": false, "1.2.3.5": true, "1.2.3.6": true}},
		{"1.29", map[string]bool{"1.2.3.4": true, "1.2.3.5": true, "1.2.3.6": true}},
	} {
		lines := renderLines(t, m, func(c *Config) { c.KubeVersion = tt.version })
		for ip, want := range tt.want {
			if got := len(grepLines(lines, "-d "+ip+" --dport 80 -j KUBE-")) > 0; got != want {
				t.Errorf("version %q: KUBE-SERVICES rule for %s = %v; want %v", tt.version, ip, got, want)
			}
		}
	}
}

// TestKubeVersion checks what changed between releases: 1.37 always
// writes MASQUERADE --random-fully; 1.36 only when iptables supports it.
func TestKubeVersion(t *testing.T) {
	for _, tt := range []struct {
		version string
		rf      bool
		want    string
	}{
		{"", false, "-j MASQUERADE --random-fully"},
		{"1.37", false, "-j MASQUERADE --random-fully"},
		{"1.36", false, "-j MASQUERADE"},
		{"1.36", true, "-j MASQUERADE --random-fully"},
	} {
		lines := renderLines(t, optScenario, func(c *Config) { c.KubeVersion, c.RandomFully = tt.version, tt.rf })
		got := grepLines(lines, "-j MASQUERADE")
		if len(got) != 1 || !strings.HasSuffix(got[0], tt.want) {
			t.Errorf("version %q randomFully %v: %q; want it to end %q", tt.version, tt.rf, got, tt.want)
		}
	}
	if _, err := Parse([]byte("kubeVersion: 1.30\n"), "x.yaml"); err == nil || !strings.Contains(err.Error(), `want the release quoted, e.g. kubeVersion: "1.37"`) {
		t.Errorf("Parse(kubeVersion: 1.30 unquoted) error = %v; want a hint to quote it", err)
	}
	if cfg, err := Parse([]byte("kubeVersion: 1.36\n"), "x.yaml"); err != nil || cfg.KubeVersion != "1.36" {
		t.Errorf("Parse(kubeVersion: 1.36 unquoted) = %v, %v; want 1.36", cfg, err)
	}
	for _, v := range []string{"1.27", "1.38", "2.0", "x"} {
		if _, err := Parse([]byte("kubeVersion: \""+v+"\"\n"), "x.yaml"); err == nil {
			t.Errorf("Parse(kubeVersion %q) = nil error; want refused", v)
		}
	}
}

// TestTopologyHints checks kube-proxy's CategorizeEndpoints with hints:
// PreferClose hints every endpoint for its zone, a node in zone-a uses the
// zone-a endpoints only; a node whose zone no endpoint is hinted for, or
// hints missing on one endpoint, uses all.
func TestTopologyHints(t *testing.T) {
	const sc = `
node: n1
nodeIPs: [192.168.0.2]
services:
- namespace: ns
  name: web
  clusterIP: 172.30.0.10
  trafficDistribution: PreferClose
  ports: [{port: 80}]
  endpoints:
  - {ip: 10.0.0.1, node: n1, zone: zone-a}
  - {ip: 10.0.0.2, node: n2, zone: zone-a}
  - {ip: 10.0.0.3, node: n3, zone: zone-b}
`
	count := func(lines []string) int { return len(grepLines(lines, "-j DNAT")) }
	for _, tt := range []struct {
		name, zone, yaml string
		want             int
	}{
		{"zone-a", "zone-a", sc, 2},
		{"zone-b", "zone-b", sc, 1},
		{"no zone", "", sc, 3},
		{"zone without hints", "zone-c", sc, 3},
		{"one endpoint without zone", "zone-a", strings.Replace(sc, ", zone: zone-b}", "}", 1), 3},
		{"no trafficDistribution", "zone-a", strings.Replace(sc, "  trafficDistribution: PreferClose\n", "", 1), 3},
		{"explicit hints", "zone-b", strings.Replace(strings.Replace(sc, "  trafficDistribution: PreferClose\n", "", 1), "zone: zone-a}", "zone: zone-a, zoneHints: [zone-a, zone-b]}", 2), 3},
	} {
		t.Run(tt.name, func(t *testing.T) {
			lines := renderLines(t, tt.yaml, func(c *Config) { c.Zone = tt.zone })
			if got := count(lines); got != tt.want {
				t.Errorf("DNAT endpoints = %d; want %d", got, tt.want)
			}
		})
	}
	cfg := mustParseYAML(t, sc, "t.yaml")
	cfg.Zone = "zone-b"
	want := []Note{{Kind: NoteTopology, Service: "ns/web", Endpoints: 1, Ready: 3, Hint: "zone-b"}}
	if diff := cmp.Diff(want, Render(cfg).Notes); diff != "" {
		t.Errorf("Render notes: want one on the topology filter; diff (-want +got):\n%s", diff)
	}
	// PreferSameNode: node hints, honoured from 1.34.
	sn := strings.Replace(sc, "PreferClose", "PreferSameNode", 1)
	if got := count(renderLines(t, sn, func(c *Config) { c.Zone = "zone-a" })); got != 1 {
		t.Errorf("PreferSameNode on n1: %d endpoints; want 1", got)
	}
	if got := count(renderLines(t, sn, func(c *Config) { c.Zone, c.KubeVersion = "zone-a", "1.33" })); got != 2 {
		t.Errorf("PreferSameNode on n1, kube-proxy 1.33 (zone hints only): %d endpoints; want 2", got)
	}
}

// TestLeadingZeros checks that manifest addresses with leading zeros are
// read as kube-proxy reads them, with a note naming the line.
func TestLeadingZeros(t *testing.T) {
	cfg := mustParseFile(t, "upstream-bad-ips.yaml")
	if got := cfg.Services[0].ClusterIP.String(); got != "172.30.0.41" {
		t.Errorf("clusterIP = %s; want 172.30.0.41", got)
	}
	first := Note{Kind: NoteLeadingZeros, File: "upstream-bad-ips.yaml", Line: 17, Field: "spec.clusterIP", Value: "172.30.0.041", Canonical: "172.30.0.41"}
	if len(cfg.Notes) != 5 || cfg.Notes[0] != first {
		t.Errorf("notes = %+v; want 5, the first %+v", cfg.Notes, first)
	}
	for _, bad := range []string{"172.30.0.0041", "172.30.0.256", "1.2.3", "0x1.2.3.4"} {
		if _, err := Parse([]byte("nodeIPs: [\""+bad+"\"]\n"), "x.yaml"); err == nil {
			t.Errorf("Parse(nodeIPs: [%s]) = nil error; want refused", bad)
		}
	}
}
