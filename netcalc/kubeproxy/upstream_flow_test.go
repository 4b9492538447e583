package kubeproxy

import (
	"net/netip"
	"strconv"
	"strings"
	"testing"

	"github.com/netcalc/netcalc/netcalc/packet"
)

// upstreamMasqScenario is the setup of kube-proxy's
// TestInternalExternalMasquerade (kubernetes v1.37.2
// pkg/proxy/iptables/proxier_test.go): three LoadBalancer Services with a
// local and a remote endpoint each, svc2 with externalTrafficPolicy Local,
// svc3 with internalTrafficPolicy Local, on the fake proxier's node (its
// addresses 192.168.0.2, 192.168.1.2, 192.168.99.11; cluster CIDR
// 10.0.0.0/8 as its LocalTrafficDetector).
const upstreamMasqScenario = `
node: test-node
nodeIPs: [192.168.0.2, 192.168.1.2, 192.168.99.11]
clusterCIDR: 10.0.0.0/8
nfacct: true
services:
- {namespace: ns1, name: svc1, type: LoadBalancer, clusterIP: 172.30.0.41, loadBalancerIPs: [1.2.3.4], healthCheckNodePort: 30001,
   ports: [{name: p80, port: 80, nodePort: 3001}], endpoints: [{ip: 10.180.0.1, node: test-node}, {ip: 10.180.1.1, node: remote}]}
- {namespace: ns2, name: svc2, type: LoadBalancer, clusterIP: 172.30.0.42, loadBalancerIPs: [5.6.7.8], healthCheckNodePort: 30002,
   externalTrafficPolicy: Local,
   ports: [{name: p80, port: 80, nodePort: 3002}], endpoints: [{ip: 10.180.0.2, node: test-node}, {ip: 10.180.1.2, node: remote}]}
- {namespace: ns3, name: svc3, type: LoadBalancer, clusterIP: 172.30.0.43, loadBalancerIPs: [9.10.11.12], healthCheckNodePort: 30003,
   internalTrafficPolicy: Local,
   ports: [{name: p80, port: 80, nodePort: 3003}], endpoints: [{ip: 10.180.0.3, node: test-node}, {ip: 10.180.1.3, node: remote}]}
`

// upstreamFlows are that test's flowTests: the endpoints a connection
// can reach (in the balancing chain's order) and whether it is
// masqueraded.
var upstreamFlows = []struct {
	name, src, dst string
	port           int
	output         string
	masq           bool
}{
	{"pod to ClusterIP", "10.0.0.2", "172.30.0.41", 80, "10.180.0.1:80, 10.180.1.1:80", false},
	{"pod to NodePort", "10.0.0.2", "192.168.0.2", 3001, "10.180.0.1:80, 10.180.1.1:80", true},
	{"pod to LB", "10.0.0.2", "1.2.3.4", 80, "10.180.0.1:80, 10.180.1.1:80", true},
	{"node to ClusterIP", "192.168.0.2", "172.30.0.41", 80, "10.180.0.1:80, 10.180.1.1:80", true},
	{"node to NodePort", "192.168.0.2", "192.168.0.2", 3001, "10.180.0.1:80, 10.180.1.1:80", true},
	{"localhost to NodePort", "127.0.0.1", "127.0.0.1", 3001, "10.180.0.1:80, 10.180.1.1:80", true},
	{"node to LB", "192.168.0.2", "1.2.3.4", 80, "10.180.0.1:80, 10.180.1.1:80", true},
	{"external to ClusterIP", "203.0.113.2", "172.30.0.41", 80, "10.180.0.1:80, 10.180.1.1:80", true},
	{"external to NodePort", "203.0.113.2", "192.168.0.2", 3001, "10.180.0.1:80, 10.180.1.1:80", true},
	{"external to LB", "203.0.113.2", "1.2.3.4", 80, "10.180.0.1:80, 10.180.1.1:80", true},
	{"pod to ClusterIP with eTP:Local", "10.0.0.2", "172.30.0.42", 80, "10.180.0.2:80, 10.180.1.2:80", false},
	{"pod to NodePort with eTP:Local", "10.0.0.2", "192.168.0.2", 3002, "10.180.0.2:80, 10.180.1.2:80", false},
	{"pod to LB with eTP:Local", "10.0.0.2", "5.6.7.8", 80, "10.180.0.2:80, 10.180.1.2:80", false},
	{"node to ClusterIP with eTP:Local", "192.168.0.2", "172.30.0.42", 80, "10.180.0.2:80, 10.180.1.2:80", true},
	{"node to NodePort with eTP:Local", "192.168.0.2", "192.168.0.2", 3001, "10.180.0.1:80, 10.180.1.1:80", true},
	{"localhost to NodePort with eTP:Local", "127.0.0.1", "127.0.0.1", 3002, "10.180.0.2:80, 10.180.1.2:80", true},
	{"node to LB with eTP:Local", "192.168.0.2", "5.6.7.8", 80, "10.180.0.2:80, 10.180.1.2:80", true},
	{"external to ClusterIP with eTP:Local", "203.0.113.2", "172.30.0.42", 80, "10.180.0.2:80, 10.180.1.2:80", true},
	{"external to NodePort with eTP:Local", "203.0.113.2", "192.168.0.2", 3002, "10.180.0.2:80", false},
	{"external to LB with eTP:Local", "203.0.113.2", "5.6.7.8", 80, "10.180.0.2:80", false},
	{"pod to ClusterIP with iTP:Local", "10.0.0.2", "172.30.0.43", 80, "10.180.0.3:80", false},
	{"pod to NodePort with iTP:Local", "10.0.0.2", "192.168.0.2", 3003, "10.180.0.3:80, 10.180.1.3:80", true},
	{"pod to LB with iTP:Local", "10.0.0.2", "9.10.11.12", 80, "10.180.0.3:80, 10.180.1.3:80", true},
	{"node to ClusterIP with iTP:Local", "192.168.0.2", "172.30.0.43", 80, "10.180.0.3:80", true},
	{"node to NodePort with iTP:Local", "192.168.0.2", "192.168.0.2", 3003, "10.180.0.3:80, 10.180.1.3:80", true},
	{"localhost to NodePort with iTP:Local", "127.0.0.1", "127.0.0.1", 3003, "10.180.0.3:80, 10.180.1.3:80", true},
	{"node to LB with iTP:Local", "192.168.0.2", "9.10.11.12", 80, "10.180.0.3:80, 10.180.1.3:80", true},
	{"external to ClusterIP with iTP:Local", "203.0.113.2", "172.30.0.43", 80, "10.180.0.3:80", true},
	{"external to NodePort with iTP:Local", "203.0.113.2", "192.168.0.2", 3003, "10.180.0.3:80, 10.180.1.3:80", true},
	{"external to LB with iTP:Local", "203.0.113.2", "9.10.11.12", 80, "10.180.0.3:80, 10.180.1.3:80", true},
}

// TestUpstreamInternalExternalMasquerade runs the packet flows of
// kube-proxy's TestInternalExternalMasquerade through Trace, in its four
// cases: base, no LocalTrafficDetector (no cluster CIDR), masqueradeAll,
// and both; the overrides are upstream's.
func TestUpstreamInternalExternalMasquerade(t *testing.T) {
	type override struct {
		output string
		masq   *bool
	}
	yes, no := true, false
	cases := []struct {
		name          string
		masqueradeAll bool
		localDetector bool
		overrides     map[string]override
	}{
		{"base", false, true, nil},
		{"no LocalTrafficDetector", false, false, map[string]override{
			"node to ClusterIP":                    {masq: &no},
			"node to ClusterIP with eTP:Local":     {masq: &no},
			"node to ClusterIP with iTP:Local":     {masq: &no},
			"external to ClusterIP":                {masq: &no},
			"external to ClusterIP with eTP:Local": {masq: &no},
			"external to ClusterIP with iTP:Local": {masq: &no},
			"pod to NodePort with eTP:Local":       {output: "10.180.0.2:80"},
			"pod to LB with eTP:Local":             {output: "10.180.0.2:80"},
		}},
		{"masqueradeAll", true, true, map[string]override{
			"pod to ClusterIP":                {masq: &yes},
			"pod to ClusterIP with eTP:Local": {masq: &yes},
			"pod to ClusterIP with iTP:Local": {masq: &yes},
		}},
		{"masqueradeAll, no LocalTrafficDetector", true, false, map[string]override{
			"pod to ClusterIP":                {masq: &yes},
			"pod to ClusterIP with eTP:Local": {masq: &yes},
			"pod to ClusterIP with iTP:Local": {masq: &yes},
			"pod to NodePort with eTP:Local":  {output: "10.180.0.2:80"},
			"pod to LB with eTP:Local":        {output: "10.180.0.2:80"},
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := mustParseYAML(t, upstreamMasqScenario, "upstream-masq.yaml")
			cfg.MasqueradeAll = tc.masqueradeAll
			if !tc.localDetector {
				cfg.ClusterCIDR = netip.Prefix{}
			}
			rs := Render(cfg)
			for _, f := range upstreamFlows {
				want, masq := f.output, f.masq
				if o, ok := tc.overrides[f.name]; ok {
					if o.output != "" {
						want = o.output
					}
					if o.masq != nil {
						masq = *o.masq
					}
				}
				p := packet.Tuple{Src: netip.AddrPortFrom(netip.MustParseAddr(f.src), 0),
					Dst: netip.MustParseAddrPort(f.dst + ":" + strconv.Itoa(f.port)), Protocol: packet.TCP}
				r := NewTracer(rs, 1).Trace(p)
				var eps []string
				for _, c := range r.Choices {
					eps = append(eps, c.Endpoint)
				}
				if got := strings.Join(eps, ", "); got != want || r.Masquerade != masq || r.Verdict != "DNAT" {
					t.Errorf("%s: %s -> %s:%d = %s to [%s], masquerade %v; want DNAT to [%s], masquerade %v\n%s",
						f.name, f.src, f.dst, f.port, r.Verdict, got, r.Masquerade, want, masq, dumpSteps(r))
				}
			}
		})
	}
}

// TestUpstreamNodePorts runs the cases of kube-proxy's TestNodePorts
// (kubernetes v1.37.2 pkg/proxy/iptables/proxier_test.go): a NodePort
// Service with two endpoints under --iptables-localhost-nodeports and
// --nodeport-addresses, in both families; the packet flows and whether
// the KUBE-FIREWALL localhost guard exists are upstream's.
func TestUpstreamNodePorts(t *testing.T) {
	cases := []struct {
		name           string
		ipv6           bool
		localhost      bool
		addrs          []string
		allowAltNodeIP bool
		expectFirewall bool
	}{
		{"ipv4, localhost-nodeports enabled", false, true, nil, true, true},
		{"ipv4, localhost-nodeports disabled", false, false, nil, true, false},
		{"ipv4, localhost-nodeports disabled, localhost in nodeport-addresses", false, false, []string{"192.168.0.0/24", "127.0.0.1/32"}, false, false},
		{"ipv4, localhost-nodeports enabled, multiple nodeport-addresses", false, false, []string{"192.168.0.0/24", "192.168.1.0/24", "2001:db8::/64"}, true, false},
		{"ipv6, localhost-nodeports enabled", true, true, nil, true, false},
		{"ipv6, localhost-nodeports disabled", true, false, nil, true, false},
		{"ipv6, localhost-nodeports disabled, multiple nodeport-addresses", true, false, []string{"192.168.0.0/24", "192.168.1.0/24", "2001:db8::/64"}, false, false},
	}
	const sc = `
node: test-node
nodeIPs: [192.168.0.2, 192.168.1.2, 192.168.99.11, "2001:db8::1", "2001:db8:1::2"]
services:
- {namespace: ns1, name: svc1, type: NodePort, clusterIP: CIP, ports: [{name: p80, port: 80, nodePort: 3001}],
   endpoints: [{ip: "EP1"}, {ip: "EP2", node: test-node}]}
`
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			svcIP, ep1, ep2, cidr := "172.30.0.41", "10.180.0.1", "10.180.2.1", "10.0.0.0/8"
			pod, ext, node, alt, lo := "10.0.0.2", "203.0.113.2", "192.168.0.2", "192.168.1.2", "127.0.0.1"
			if tc.ipv6 {
				svcIP, ep1, ep2, cidr = "fd00:172:30::41", "fd00:10:180::1", "fd00:10:180::2:1", "fd00:10::/64"
				pod, ext, node, alt, lo = "fd00:10::2", "2600:5200::1", "2001:db8::1", "2001:db8:1::2", "::1"
			}
			cfg := mustParseYAML(t, strings.NewReplacer("CIP", svcIP, "EP1", ep1, "EP2", ep2).Replace(sc), "nodeports.yaml")
			cfg.IPv6, cfg.LocalhostNodePorts, cfg.NodePortAddresses = tc.ipv6, tc.localhost, tc.addrs
			cfg.ClusterCIDR = netip.MustParsePrefix(cidr)
			rs := Render(cfg)
			join := func(a string) string { return netip.AddrPortFrom(netip.MustParseAddr(a), 80).String() }
			output := join(ep1) + ", " + join(ep2)
			flows := []struct {
				name, src, dst string
				port           int
				output         string
				masq           bool
			}{
				{"pod to cluster IP", pod, svcIP, 80, output, false},
				{"external to nodePort", ext, node, 3001, output, true},
				{"node to nodePort", node, node, 3001, output, true},
			}
			if !tc.ipv6 && tc.localhost {
				flows = append(flows, struct {
					name, src, dst string
					port           int
					output         string
					masq           bool
				}{"localhost to nodePort gets masqueraded", lo, lo, 3001, output, true})
			} else {
				flows = append(flows, struct {
					name, src, dst string
					port           int
					output         string
					masq           bool
				}{"localhost to nodePort is ignored", lo, lo, 3001, "", false})
			}
			if tc.allowAltNodeIP {
				flows = append(flows, struct {
					name, src, dst string
					port           int
					output         string
					masq           bool
				}{"external to nodePort on secondary IP", ext, alt, 3001, output, true})
			} else {
				flows = append(flows, struct {
					name, src, dst string
					port           int
					output         string
					masq           bool
				}{"secondary nodeIP ignores NodePorts", ext, alt, 3001, "", false})
			}
			for _, f := range flows {
				p := packet.Tuple{Src: netip.AddrPortFrom(netip.MustParseAddr(f.src), 0), Dst: netip.AddrPortFrom(netip.MustParseAddr(f.dst), uint16(f.port)), Protocol: packet.TCP}
				r := NewTracer(rs, 1).Trace(p)
				var eps []string
				for _, c := range r.Choices {
					eps = append(eps, c.Endpoint)
				}
				if got := strings.Join(eps, ", "); got != f.output || r.Masquerade != f.masq {
					t.Errorf("%s: %s -> %s:%d = %s to [%s], masquerade %v; want [%s], masquerade %v\n%s",
						f.name, f.src, f.dst, f.port, r.Verdict, got, r.Masquerade, f.output, f.masq, dumpSteps(r))
				}
			}
			fw := strings.Contains(rs.Filter.String(), "-A KUBE-FIREWALL")
			if fw != tc.expectFirewall {
				t.Errorf("KUBE-FIREWALL rule present = %v; want %v", fw, tc.expectFirewall)
			}
		})
	}
}

// TestUpstreamLargeClusterMode follows the full syncs of kube-proxy's
// TestSyncProxyRulesLargeClusterMode (kubernetes v1.37.2, masqueradeAll
// on): with 2×499 endpoints every DNAT rule keeps its comment; with 3
// more (1001, above largeClusterEndpointsThreshold 1000) none does. The
// expected rule lines are upstream's.
func TestUpstreamLargeClusterMode(t *testing.T) {
	var b strings.Builder
	b.WriteString("node: test-node\nnodeIPs: [192.168.0.2]\nclusterCIDR: 10.0.0.0/8\nmasqueradeAll: true\nservices:\n")
	for _, s := range []struct{ ns, name, ip, port, net string }{
		{"ns1", "svc1", "172.30.0.41", "p80:80", "10.0"}, {"ns2", "svc2", "172.30.0.42", "p8080:8080", "10.1"},
	} {
		name, port, _ := strings.Cut(s.port, ":")
		b.WriteString("- {namespace: " + s.ns + ", name: " + s.name + ", clusterIP: " + s.ip + ", ports: [{name: " + name + ", port: " + port + "}], endpoints: [")
		for i := 0; i < LargeClusterEndpoints/2-1; i++ {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("{ip: " + s.net + "." + strconv.Itoa(i%256) + "." + strconv.Itoa(i/256) + "}")
		}
		b.WriteString("]}\n")
	}
	svc3 := "- {namespace: ns3, name: svc3, clusterIP: 172.30.0.43, ports: [{name: p8081, port: 8081}], endpoints: [{ip: 203.0.113.4}, {ip: 203.0.113.8}, {ip: 203.0.113.12}]}\n"
	count := func(yaml, match string) (first string, eps, comments int) {
		for _, l := range renderLines(t, yaml, nil) {
			if strings.HasPrefix(l, "-A KUBE-SEP-") && strings.Contains(l, "-j DNAT") {
				eps++
				if strings.Contains(l, "--comment") {
					comments++
				}
				if strings.Contains(l, match) && first == "" {
					first = l
				}
			}
		}
		return first, eps, comments
	}
	first, eps, comments := count(b.String(), "10.0.0.0")
	if want := "-A KUBE-SEP-DKGQUZGBKLTPAR56 -m comment --comment ns1/svc1:p80 -m tcp -p tcp -j DNAT --to-destination 10.0.0.0:80"; first != want || eps != 998 || comments != 998 {
		t.Errorf("998 endpoints: first %q, %d DNAT rules, %d with comments; want %q, 998, 998", first, eps, comments, want)
	}
	first, eps, comments = count(b.String()+svc3, "10.0.0.0")
	if want := "-A KUBE-SEP-DKGQUZGBKLTPAR56 -m tcp -p tcp -j DNAT --to-destination 10.0.0.0:80"; first != want || eps != 1001 || comments != 0 {
		t.Errorf("1001 endpoints: first %q, %d DNAT rules, %d with comments; want %q, 1001, 0", first, eps, comments, want)
	}
	first, _, _ = count(b.String()+svc3, "203.0.113.4")
	if want := "-A KUBE-SEP-RUVVH7YV3PHQBDOS -m tcp -p tcp -j DNAT --to-destination 203.0.113.4:8081"; first != want {
		t.Errorf("svc3's first endpoint: %q; want %q", first, want)
	}
}

// flow is one packetFlowTest of kube-proxy's iptables proxier tests: the
// endpoints the connection can reach, in the balancing chain's order
// ("DROP" or "REJECT" when the filter table ends it, "" when no rule
// applies), and whether it is masqueraded.
type flow struct {
	name, src, dst string
	port           int
	output         string
	masq           bool
}

// mustParseYAML parses a scenario given in the test, named name in
// errors, and fails the test if it does not parse.
func mustParseYAML(t testing.TB, yaml, name string) *Config {
	t.Helper()
	cfg, err := Parse([]byte(yaml), name)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// checkFlows traces each flow through rs and compares with upstream's
// expectation.
func checkFlows(t *testing.T, rs *Ruleset, flows []flow) {
	t.Helper()
	checkFlowsProto(t, rs, flows, nil)
}

// checkFlowsProto is checkFlows with each flow's protocol (TCP where
// protos has none).
func checkFlowsProto(t *testing.T, rs *Ruleset, flows []flow, protos []packet.Protocol) {
	t.Helper()
	for i, f := range flows {
		proto := packet.TCP
		if i < len(protos) && protos[i] != 0 {
			proto = protos[i]
		}
		p := packet.Tuple{Src: netip.AddrPortFrom(netip.MustParseAddr(f.src), 0), Dst: netip.AddrPortFrom(netip.MustParseAddr(f.dst), uint16(f.port)), Protocol: proto}
		r := NewTracer(rs, 1).Trace(p)
		var got string
		switch r.Verdict {
		case "DNAT":
			var eps []string
			for _, c := range r.Choices {
				eps = append(eps, c.Endpoint)
			}
			got = strings.Join(eps, ", ")
		case "NONE":
		default:
			got = r.Verdict
		}
		if got != f.output || r.Masquerade != f.masq {
			t.Errorf("%s: %s -> %s:%d = %q, masquerade %v; want %q, masquerade %v\n%s",
				f.name, f.src, f.dst, f.port, got, r.Masquerade, f.output, f.masq, dumpSteps(r))
		}
	}
}

// upstreamNode is NewFakeProxier's node: test-node with addresses
// 192.168.0.2, 192.168.1.2 and 192.168.99.11 and cluster CIDR 10.0.0.0/8.
const upstreamNode = "node: test-node\nnodeIPs: [192.168.0.2, 192.168.1.2, 192.168.99.11]\nclusterCIDR: 10.0.0.0/8\nnfacct: true\n"

// TestUpstreamFlows runs the packet flows of kube-proxy's TestLoadBalancer
// (loadBalancerSourceRanges, with a range written " 203.0.113.0/25" as
// upstream does), TestExternalTrafficPolicyLocal and
// TestExternalTrafficPolicyCluster (kubernetes v1.37.2
// pkg/proxy/iptables/proxier_test.go) with upstream's expectations.
func TestUpstreamFlows(t *testing.T) {
	const ep1, ep2 = "10.180.0.1:80", "10.180.2.1:80"
	both := ep1 + ", " + ep2
	tests := []struct {
		name, yaml string
		flows      []flow
	}{
		{"TestLoadBalancer", `services:
- {namespace: ns1, name: svc1, type: LoadBalancer, clusterIP: 172.30.0.41, loadBalancerIPs: [1.2.3.4, 5.6.7.8],
   loadBalancerSourceRanges: [192.168.0.0/24, " 203.0.113.0/25"],
   ports: [{name: p80, port: 80, nodePort: 3001}], endpoints: [{ip: 10.180.0.1}]}
`, []flow{
			{"pod to cluster IP", "10.0.0.2", "172.30.0.41", 80, ep1, false},
			{"external to nodePort", "203.0.113.2", "192.168.0.2", 3001, ep1, true},
			{"nodePort bypasses LoadBalancerSourceRanges", "203.0.113.130", "192.168.0.2", 3001, ep1, true},
			{"accepted external to LB1", "203.0.113.2", "1.2.3.4", 80, ep1, true},
			{"accepted external to LB2", "203.0.113.2", "5.6.7.8", 80, ep1, true},
			{"blocked external to LB1", "203.0.113.130", "1.2.3.4", 80, "DROP", false},
			{"blocked external to LB2", "203.0.113.130", "5.6.7.8", 80, "DROP", false},
			{"pod to LB1 (blocked by LoadBalancerSourceRanges)", "10.0.0.2", "1.2.3.4", 80, "DROP", false},
			{"pod to LB2 (blocked by LoadBalancerSourceRanges)", "10.0.0.2", "5.6.7.8", 80, "DROP", false},
			{"node to LB1 (allowed by LoadBalancerSourceRanges)", "192.168.0.2", "1.2.3.4", 80, ep1, true},
			{"node to LB2 (allowed by LoadBalancerSourceRanges)", "192.168.0.2", "5.6.7.8", 80, ep1, true},
			{"same node to LB1, SNATted to LB1 (implicitly allowed)", "1.2.3.4", "1.2.3.4", 80, ep1, true},
			{"same node to LB2, SNATted to LB2 (implicitly allowed)", "5.6.7.8", "5.6.7.8", 80, ep1, true},
		}},
		{"TestExternalTrafficPolicyLocal", `services:
- {namespace: ns1, name: svc1, type: LoadBalancer, externalTrafficPolicy: Local, clusterIP: 172.30.0.41,
   externalIPs: [192.168.99.11], loadBalancerIPs: [1.2.3.4], healthCheckNodePort: 30000,
   ports: [{name: p80, port: 80, targetPort: 80, nodePort: 3001}], endpoints: [{ip: 10.180.0.1}, {ip: 10.180.2.1, node: test-node}]}
`, []flow{
			{"pod to cluster IP hits both endpoints, unmasqueraded", "10.0.0.2", "172.30.0.41", 80, both, false},
			{"pod to external IP hits both endpoints, unmasqueraded", "10.0.0.2", "192.168.99.11", 80, both, false},
			{"external to external IP hits only local endpoint, unmasqueraded", "203.0.113.2", "192.168.99.11", 80, ep2, false},
			{"pod to LB IP hits only both endpoints, unmasqueraded", "10.0.0.2", "1.2.3.4", 80, both, false},
			{"external to LB IP hits only local endpoint, unmasqueraded", "203.0.113.2", "1.2.3.4", 80, ep2, false},
			{"pod to NodePort hits both endpoints, unmasqueraded", "10.0.0.2", "192.168.0.2", 3001, both, false},
			{"external to NodePort hits only local endpoint, unmasqueraded", "203.0.113.2", "192.168.0.2", 3001, ep2, false},
		}},
		{"TestExternalTrafficPolicyCluster", `services:
- {namespace: ns1, name: svc1, type: LoadBalancer, externalTrafficPolicy: Cluster, clusterIP: 172.30.0.41,
   externalIPs: [192.168.99.11], loadBalancerIPs: [1.2.3.4],
   ports: [{name: p80, port: 80, targetPort: 80, nodePort: 3001}], endpoints: [{ip: 10.180.0.1}, {ip: 10.180.2.1, node: test-node}]}
`, []flow{
			{"pod to cluster IP hits both endpoints, unmasqueraded", "10.0.0.2", "172.30.0.41", 80, both, false},
			{"pod to external IP hits both endpoints, masqueraded", "10.0.0.2", "192.168.99.11", 80, both, true},
			{"external to external IP hits both endpoints, masqueraded", "203.0.113.2", "192.168.99.11", 80, both, true},
			{"pod to LB IP hits both endpoints, masqueraded", "10.0.0.2", "1.2.3.4", 80, both, true},
			{"external to LB IP hits both endpoints, masqueraded", "203.0.113.2", "1.2.3.4", 80, both, true},
			{"pod to NodePort hits both endpoints, masqueraded", "10.0.0.2", "192.168.0.2", 3001, both, true},
			{"external to NodePort hits both endpoints, masqueraded", "203.0.113.2", "192.168.0.2", 3001, both, true},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := mustParseYAML(t, upstreamNode+tt.yaml, tt.name+".yaml")
			checkFlows(t, Render(cfg), tt.flows)
		})
	}
}

// TestUpstreamInternalTrafficPolicy runs kube-proxy's
// TestInternalTrafficPolicy (kubernetes v1.37.2): an unnamed port, three
// endpoints on various nodes, internalTrafficPolicy Cluster or Local; then,
// as upstream does after deleting the slice, the Service without
// endpoints is rejected.
func TestUpstreamInternalTrafficPolicy(t *testing.T) {
	tests := []struct {
		name, policy string
		nodes        [3]string
		output       string
	}{
		{"internalTrafficPolicy is cluster", "Cluster", [3]string{"test-node", "node1", "node2"}, "10.0.1.1:80, 10.0.1.2:80, 10.0.1.3:80"},
		{"internalTrafficPolicy is local and there is one local endpoint", "Local", [3]string{"test-node", "node1", "node2"}, "10.0.1.1:80"},
		{"internalTrafficPolicy is local and there are multiple local endpoints", "Local", [3]string{"test-node", "test-node", "node2"}, "10.0.1.1:80, 10.0.1.2:80"},
		{"internalTrafficPolicy is local and there are no local endpoints", "Local", [3]string{"node0", "node1", "node2"}, "DROP"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			svc := "services:\n- {namespace: ns1, name: svc1, clusterIP: 172.30.1.1, internalTrafficPolicy: " + tt.policy + ", ports: [{port: 80}]"
			eps := ", endpoints: [{ip: 10.0.1.1, node: " + tt.nodes[0] + "}, {ip: 10.0.1.2, node: " + tt.nodes[1] + "}, {ip: 10.0.1.3, node: " + tt.nodes[2] + "}]}\n"
			for _, c := range []struct {
				yaml string
				f    flow
			}{
				{svc + eps, flow{"pod to ClusterIP", "10.0.0.2", "172.30.1.1", 80, tt.output, false}},
				{svc + "}\n", flow{"endpoints deleted", "10.0.0.2", "172.30.1.1", 80, "REJECT", false}},
			} {
				cfg := mustParseYAML(t, upstreamNode+c.yaml, "itp.yaml")
				checkFlows(t, Render(cfg), []flow{c.f})
			}
		})
	}
}

// TestUpstreamTerminatingEndpoints runs kube-proxy's
// TestTerminatingEndpointsTrafficPolicyLocal and
// TestTerminatingEndpointsTrafficPolicyCluster (kubernetes v1.37.2; the
// cases generated from its source): a LoadBalancer Service (no NodePort,
// ingress 1.2.3.4) whose endpoints are ready, serving-and-terminating or
// neither, on this node or another; then, as upstream does after deleting
// the slice, both flows are rejected.
func TestUpstreamTerminatingEndpoints(t *testing.T) {
	tests := []struct {
		test, name, endpoints string
		flows                 []flow
	}{
		{"TestTerminatingEndpointsTrafficPolicyLocal", "ready endpoints exist", "[{ip: 10.0.1.1, node: test-node, ready: true, serving: true, terminating: false}, {ip: 10.0.1.2, node: test-node, ready: true, serving: true, terminating: false}, {ip: 10.0.1.3, node: test-node, ready: false, serving: true, terminating: true}, {ip: 10.0.1.4, node: test-node, ready: false, serving: false, terminating: true}, {ip: 10.0.1.5, node: node-1, ready: true, serving: true, terminating: false}]", []flow{
			{"pod to clusterIP", "10.0.0.2", "172.30.1.1", 80, "10.0.1.1:80, 10.0.1.2:80, 10.0.1.5:80", false},
			{"external to LB", "203.0.113.2", "1.2.3.4", 80, "10.0.1.1:80, 10.0.1.2:80", false},
		}},
		{"TestTerminatingEndpointsTrafficPolicyLocal", "only terminating endpoints exist", "[{ip: 10.0.1.2, node: test-node, ready: false, serving: true, terminating: true}, {ip: 10.0.1.3, node: test-node, ready: false, serving: true, terminating: true}, {ip: 10.0.1.4, node: test-node, ready: false, serving: false, terminating: true}, {ip: 10.0.1.5, node: node-1, ready: true, serving: true, terminating: false}]", []flow{
			{"pod to clusterIP", "10.0.0.2", "172.30.1.1", 80, "10.0.1.5:80", false},
			{"external to LB", "203.0.113.2", "1.2.3.4", 80, "10.0.1.2:80, 10.0.1.3:80", false},
		}},
		{"TestTerminatingEndpointsTrafficPolicyLocal", "terminating endpoints on remote node", "[{ip: 10.0.1.5, node: node-1, ready: false, serving: true, terminating: true}]", []flow{
			{"pod to clusterIP", "10.0.0.2", "172.30.1.1", 80, "10.0.1.5:80", false},
			{"external to LB, no locally-usable endpoints", "203.0.113.2", "1.2.3.4", 80, "DROP", false},
		}},
		{"TestTerminatingEndpointsTrafficPolicyLocal", "no usable endpoints on any node", "[{ip: 10.0.1.5, node: test-node, ready: false, serving: false, terminating: true}, {ip: 10.0.1.5, node: node-1, ready: false, serving: false, terminating: true}]", []flow{
			{"pod to clusterIP, no usable endpoints", "10.0.0.2", "172.30.1.1", 80, "REJECT", false},
			{"external to LB, no usable endpoints", "203.0.113.2", "1.2.3.4", 80, "REJECT", false},
		}},
		{"TestTerminatingEndpointsTrafficPolicyCluster", "ready endpoints exist", "[{ip: 10.0.1.1, node: test-node, ready: true, serving: true, terminating: false}, {ip: 10.0.1.2, node: test-node, ready: true, serving: true, terminating: false}, {ip: 10.0.1.3, node: another-node, ready: false, serving: true, terminating: true}, {ip: 10.0.1.4, node: another-node, ready: false, serving: false, terminating: true}, {ip: 10.0.1.5, node: another-node, ready: true, serving: true, terminating: false}]", []flow{
			{"pod to clusterIP", "10.0.0.2", "172.30.1.1", 80, "10.0.1.1:80, 10.0.1.2:80, 10.0.1.5:80", false},
			{"external to LB", "203.0.113.2", "1.2.3.4", 80, "10.0.1.1:80, 10.0.1.2:80, 10.0.1.5:80", true},
		}},
		{"TestTerminatingEndpointsTrafficPolicyCluster", "only terminating endpoints exist", "[{ip: 10.0.1.2, node: test-node, ready: false, serving: true, terminating: true}, {ip: 10.0.1.3, node: test-node, ready: false, serving: true, terminating: true}, {ip: 10.0.1.4, node: another-node, ready: false, serving: false, terminating: true}, {ip: 10.0.1.5, node: another-node, ready: false, serving: true, terminating: true}]", []flow{
			{"pod to clusterIP", "10.0.0.2", "172.30.1.1", 80, "10.0.1.2:80, 10.0.1.3:80, 10.0.1.5:80", false},
			{"external to LB", "203.0.113.2", "1.2.3.4", 80, "10.0.1.2:80, 10.0.1.3:80, 10.0.1.5:80", true},
		}},
		{"TestTerminatingEndpointsTrafficPolicyCluster", "terminating endpoints on remote node", "[{ip: 10.0.1.5, node: node-1, ready: false, serving: true, terminating: true}]", []flow{
			{"pod to clusterIP", "10.0.0.2", "172.30.1.1", 80, "10.0.1.5:80", false},
			{"external to LB", "203.0.113.2", "1.2.3.4", 80, "10.0.1.5:80", true},
		}},
		{"TestTerminatingEndpointsTrafficPolicyCluster", "no usable endpoints on any node", "[{ip: 10.0.1.5, node: test-node, ready: false, serving: false, terminating: true}, {ip: 10.0.1.5, node: node-1, ready: false, serving: false, terminating: true}]", []flow{
			{"pod to clusterIP", "10.0.0.2", "172.30.1.1", 80, "REJECT", false},
			{"external to LB", "203.0.113.2", "1.2.3.4", 80, "REJECT", false},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.test+"/"+tt.name, func(t *testing.T) {
			policy := strings.TrimPrefix(tt.test, "TestTerminatingEndpointsTrafficPolicy")
			svc := "services:\n- {namespace: ns1, name: svc1, type: LoadBalancer, externalTrafficPolicy: " + policy +
				", clusterIP: 172.30.1.1, loadBalancerIPs: [1.2.3.4], healthCheckNodePort: 30000, ports: [{port: 80, targetPort: 80, nodePort: 0}]"
			cfg := mustParseYAML(t, upstreamNode+svc+", endpoints: "+tt.endpoints+"}\n", "terminating.yaml")
			checkFlows(t, Render(cfg), tt.flows)
			cfg = mustParseYAML(t, upstreamNode+svc+"}\n", "terminating.yaml")
			checkFlows(t, Render(cfg), []flow{
				{"pod to clusterIP after endpoints deleted", "10.0.0.2", "172.30.1.1", 80, "REJECT", false},
				{"external to LB after endpoints deleted", "203.0.113.2", "1.2.3.4", 80, "REJECT", false},
			})
		})
	}
}

// TestUpstreamClusterIPGeneral and TestUpstreamNoEndpointsReject run the
// packet flows of kube-proxy's TestClusterIPGeneral (hairpin, targetPort,
// one port number in TCP, UDP and SCTP) and TestNoEndpointsReject
// (kubernetes v1.37.2).
func TestUpstreamClusterIPGeneral(t *testing.T) {
	cfg := mustParseYAML(t, upstreamNode+`services:
- {namespace: ns1, name: svc1, clusterIP: 172.30.0.41, ports: [{name: http, port: 80}], endpoints: [{ip: 10.180.0.1, node: test-node}]}
- namespace: ns2
  name: svc2
  clusterIP: 172.30.0.42
  ports:
  - {name: http, port: 80}
  - {name: https, port: 443, targetPort: 8443}
  - {name: dns-udp, port: 53, protocol: UDP}
  - {name: dns-tcp, port: 53, targetPort: 5353}
  - {name: dns-sctp, port: 53, protocol: SCTP}
  endpoints:
  - {ip: 10.180.0.1, node: test-node, ports: {http: 80, https: 8443, dns-udp: 53, dns-tcp: 5353, dns-sctp: 53}}
  - {ip: 10.180.2.1, node: node2, ports: {http: 80, https: 8443, dns-udp: 53, dns-tcp: 5353, dns-sctp: 53}}
`, "general.yaml")
	checkFlowsProto(t, Render(cfg), []flow{
		{"simple clusterIP", "10.180.0.2", "172.30.0.41", 80, "10.180.0.1:80", false},
		{"hairpin to cluster IP", "10.180.0.1", "172.30.0.41", 80, "10.180.0.1:80", true},
		{"clusterIP with multiple endpoints", "10.180.0.2", "172.30.0.42", 80, "10.180.0.1:80, 10.180.2.1:80", false},
		{"clusterIP with TargetPort", "10.180.0.2", "172.30.0.42", 443, "10.180.0.1:8443, 10.180.2.1:8443", false},
		{"clusterIP with TCP, UDP, and SCTP on same port (TCP)", "10.180.0.2", "172.30.0.42", 53, "10.180.0.1:5353, 10.180.2.1:5353", false},
		{"clusterIP with TCP, UDP, and SCTP on same port (UDP)", "10.180.0.2", "172.30.0.42", 53, "10.180.0.1:53, 10.180.2.1:53", false},
		{"clusterIP with TCP, UDP, and SCTP on same port (SCTP)", "10.180.0.2", "172.30.0.42", 53, "10.180.0.1:53, 10.180.2.1:53", false},
		{"TCP-only port does not match UDP traffic", "10.180.0.2", "172.30.0.42", 80, "", false},
		{"svc1 does not accept svc2's ports", "10.180.0.2", "172.30.0.41", 443, "", false},
	}, []packet.Protocol{packet.TCP, packet.TCP, packet.TCP, packet.TCP, packet.TCP, packet.UDP, packet.SCTP, packet.UDP, packet.TCP})
}

func TestUpstreamNoEndpointsReject(t *testing.T) {
	cfg := mustParseYAML(t, upstreamNode+`services:
- {namespace: ns1, name: svc1, type: LoadBalancer, clusterIP: 172.30.0.41, externalIPs: [192.168.99.11], loadBalancerIPs: [1.2.3.4],
   ports: [{name: p80, port: 80, nodePort: 3001}]}
`, "noendpoints.yaml")
	checkFlows(t, Render(cfg), []flow{
		{"pod to cluster IP with no endpoints", "10.0.0.2", "172.30.0.41", 80, "REJECT", false},
		{"external to external IP with no endpoints", "203.0.113.2", "192.168.99.11", 80, "REJECT", false},
		{"pod to NodePort with no endpoints", "10.0.0.2", "192.168.0.2", 3001, "REJECT", false},
		{"external to NodePort with no endpoints", "203.0.113.2", "192.168.0.2", 3001, "REJECT", false},
		{"pod to LoadBalancer IP with no endpoints", "10.0.0.2", "1.2.3.4", 80, "REJECT", false},
		{"external to LoadBalancer IP with no endpoints", "203.0.113.2", "1.2.3.4", 80, "REJECT", false},
	})
}

// TestUpstreamHealthCheckNodePort runs kube-proxy's TestHealthCheckNodePort
// (kubernetes v1.37.2, --nodeport-addresses 127.0.0.0/8): the filter table
// accepts the health-check port, and without the Service nothing matches.
func TestUpstreamHealthCheckNodePort(t *testing.T) {
	const svc = `services:
- {namespace: ns1, name: svc1, type: LoadBalancer, externalTrafficPolicy: Local, clusterIP: 172.30.0.42, healthCheckNodePort: 30000,
   ports: [{name: p80, port: 80, nodePort: 3001}]}
`
	for _, c := range []struct {
		yaml string
		f    flow
	}{
		{svc, flow{"firewall accepts HealthCheckNodePort", "1.2.3.4", "192.168.0.2", 30000, "ACCEPT", false}},
		{"", flow{"HealthCheckNodePort no longer has any rule", "1.2.3.4", "192.168.0.2", 30000, "", false}},
	} {
		cfg := mustParseYAML(t, upstreamNode+c.yaml, "hc.yaml")
		cfg.NodePortAddresses = []string{"127.0.0.0/8"}
		checkFlows(t, Render(cfg), []flow{c.f})
	}
}
