package kubeproxy

import (
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/netcalc/netcalc/netcalc/packet"
)

// nftInternalExternalScenario is the setup of kube-proxy's
// TestInternalExternalMasquerade (v1.37.2 pkg/proxy/nftables/proxier_test.go):
// three LoadBalancer Services, plain, eTP:Local and iTP:Local, each with
// a local and a remote endpoint, on the fake proxier's node.
const nftInternalExternalScenario = `
node: test-node
nodeIPs: [192.168.0.2, 192.168.1.2, 192.168.99.11]
services:
- {namespace: ns1, name: svc1, type: LoadBalancer, clusterIP: 172.30.0.41, loadBalancerIPs: [1.2.3.4], healthCheckNodePort: 30001,
   ports: [{name: p80, port: 80, nodePort: 3001}],
   endpoints: [{ip: 10.180.0.1, node: test-node}, {ip: 10.180.1.1, node: remote}]}
- {namespace: ns2, name: svc2, type: LoadBalancer, clusterIP: 172.30.0.42, loadBalancerIPs: [5.6.7.8], healthCheckNodePort: 30002,
   externalTrafficPolicy: Local, ports: [{name: p80, port: 80, nodePort: 3002}],
   endpoints: [{ip: 10.180.0.2, node: test-node}, {ip: 10.180.1.2, node: remote}]}
- {namespace: ns3, name: svc3, type: LoadBalancer, clusterIP: 172.30.0.43, loadBalancerIPs: [9.10.11.12], healthCheckNodePort: 30003,
   internalTrafficPolicy: Local, ports: [{name: p80, port: 80, nodePort: 3003}],
   endpoints: [{ip: 10.180.0.3, node: test-node}, {ip: 10.180.1.3, node: remote}]}
`

type nftFlow struct {
	name, src, dst string
	output         string // upstream's: the possible endpoints, DROP, REJECT, or "" (untouched)
	masq           bool
}

// checkNFTFlows traces each flow and compares with upstream's packet-flow
// expectation: the set of endpoints the balancing map can pick (or the
// single DNAT target) and whether the packet is masqueraded. Upstream's
// tracer follows every numgen branch; NFTTracer draws one, which must be
// among them.
func checkNFTFlows(t *testing.T, rs *NFTRuleset, flows []nftFlow) {
	t.Helper()
	checkNFTFlowsProto(t, rs, packet.TCP, flows)
}

// checkNFTFlowsProto is checkNFTFlows for packets of protocol proto.
func checkNFTFlowsProto(t *testing.T, rs *NFTRuleset, proto packet.Protocol, flows []nftFlow) {
	t.Helper()
	for _, f := range flows {
		t.Run(f.name, func(t *testing.T) {
			r := NewNFTTracer(rs, 1).Trace(packet.Tuple{Src: netip.AddrPortFrom(netip.MustParseAddr(f.src), 40000), Dst: netip.MustParseAddrPort(f.dst), Protocol: proto})
			var got string
			switch r.Verdict {
			case "DNAT":
				var eps []string
				for _, c := range r.Choices {
					eps = append(eps, c.Endpoint.String())
				}
				if len(eps) == 0 {
					eps = []string{r.Endpoint.String()}
				}
				if !slices.Contains(eps, r.Endpoint.String()) {
					t.Errorf("DNAT to %s, not one of the choices %v", r.Endpoint, eps)
				}
				got = strings.Join(eps, ", ")
			case "NONE":
				got = "" // upstream's tracer: no output
			default:
				got = r.Verdict
			}
			if got != f.output || r.Masquerade != f.masq {
				t.Errorf("Trace(%s -> %s) = %s, masquerade %v; upstream %s, masquerade %v", f.src, f.dst, got, r.Masquerade, f.output, f.masq)
			}
		})
	}
}

// TestNFTInternalExternalMasquerade is kube-proxy's
// TestInternalExternalMasquerade: all its flows in its four variants
// (local detector on or off, --masquerade-all on or off).
func TestNFTInternalExternalMasquerade(t *testing.T) {
	const node, ext = "192.168.0.2", "203.0.113.2"
	base := []nftFlow{
		{"pod to ClusterIP", "10.0.0.2", "172.30.0.41:80", "10.180.0.1:80, 10.180.1.1:80", false},
		{"pod to NodePort", "10.0.0.2", node + ":3001", "10.180.0.1:80, 10.180.1.1:80", true},
		{"pod to LB", "10.0.0.2", "1.2.3.4:80", "10.180.0.1:80, 10.180.1.1:80", true},
		{"node to ClusterIP", node, "172.30.0.41:80", "10.180.0.1:80, 10.180.1.1:80", true},
		{"node to NodePort", node, node + ":3001", "10.180.0.1:80, 10.180.1.1:80", true},
		{"node to LB", node, "1.2.3.4:80", "10.180.0.1:80, 10.180.1.1:80", true},
		{"external to ClusterIP", ext, "172.30.0.41:80", "10.180.0.1:80, 10.180.1.1:80", true},
		{"external to NodePort", ext, node + ":3001", "10.180.0.1:80, 10.180.1.1:80", true},
		{"external to LB", ext, "1.2.3.4:80", "10.180.0.1:80, 10.180.1.1:80", true},
		{"pod to ClusterIP with eTP:Local", "10.0.0.2", "172.30.0.42:80", "10.180.0.2:80, 10.180.1.2:80", false},
		{"pod to NodePort with eTP:Local", "10.0.0.2", node + ":3002", "10.180.0.2:80, 10.180.1.2:80", false},
		{"pod to LB with eTP:Local", "10.0.0.2", "5.6.7.8:80", "10.180.0.2:80, 10.180.1.2:80", false},
		{"node to ClusterIP with eTP:Local", node, "172.30.0.42:80", "10.180.0.2:80, 10.180.1.2:80", true},
		{"node to NodePort with eTP:Local", node, node + ":3001", "10.180.0.1:80, 10.180.1.1:80", true},
		{"node to LB with eTP:Local", node, "5.6.7.8:80", "10.180.0.2:80, 10.180.1.2:80", true},
		{"external to ClusterIP with eTP:Local", ext, "172.30.0.42:80", "10.180.0.2:80, 10.180.1.2:80", true},
		{"external to NodePort with eTP:Local", ext, node + ":3002", "10.180.0.2:80", false},
		{"external to LB with eTP:Local", ext, "5.6.7.8:80", "10.180.0.2:80", false},
		{"pod to ClusterIP with iTP:Local", "10.0.0.2", "172.30.0.43:80", "10.180.0.3:80", false},
		{"pod to NodePort with iTP:Local", "10.0.0.2", node + ":3003", "10.180.0.3:80, 10.180.1.3:80", true},
		{"pod to LB with iTP:Local", "10.0.0.2", "9.10.11.12:80", "10.180.0.3:80, 10.180.1.3:80", true},
		{"node to ClusterIP with iTP:Local", node, "172.30.0.43:80", "10.180.0.3:80", true},
		{"node to NodePort with iTP:Local", node, node + ":3003", "10.180.0.3:80, 10.180.1.3:80", true},
		{"node to LB with iTP:Local", node, "9.10.11.12:80", "10.180.0.3:80, 10.180.1.3:80", true},
		{"external to ClusterIP with iTP:Local", ext, "172.30.0.43:80", "10.180.0.3:80", true},
		{"external to NodePort with iTP:Local", ext, node + ":3003", "10.180.0.3:80, 10.180.1.3:80", true},
		{"external to LB with iTP:Local", ext, "9.10.11.12:80", "10.180.0.3:80, 10.180.1.3:80", true},
	}
	type override struct {
		output string
		masq   *bool
	}
	no, yes := false, true
	noDetector := map[string]override{
		"node to ClusterIP": {masq: &no}, "node to ClusterIP with eTP:Local": {masq: &no}, "node to ClusterIP with iTP:Local": {masq: &no},
		"external to ClusterIP": {masq: &no}, "external to ClusterIP with eTP:Local": {masq: &no}, "external to ClusterIP with iTP:Local": {masq: &no},
		"pod to NodePort with eTP:Local": {output: "10.180.0.2:80"}, "pod to LB with eTP:Local": {output: "10.180.0.2:80"},
	}
	masqAll := map[string]override{"pod to ClusterIP": {masq: &yes}, "pod to ClusterIP with eTP:Local": {masq: &yes}, "pod to ClusterIP with iTP:Local": {masq: &yes}}
	both := map[string]override{
		"pod to ClusterIP": {masq: &yes}, "pod to ClusterIP with eTP:Local": {masq: &yes}, "pod to ClusterIP with iTP:Local": {masq: &yes},
		"pod to NodePort with eTP:Local": {output: "10.180.0.2:80"}, "pod to LB with eTP:Local": {output: "10.180.0.2:80"},
	}
	for _, tc := range []struct {
		name          string
		masqueradeAll bool
		detector      bool
		overrides     map[string]override
	}{
		{"base", false, true, nil},
		{"no LocalTrafficDetector", false, false, noDetector},
		{"masqueradeAll", true, true, masqAll},
		{"masqueradeAll, no LocalTrafficDetector", true, false, both},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := mustParseYAML(t, nftInternalExternalScenario, "internal-external.yaml")
			cfg.MasqueradeAll = tc.masqueradeAll
			if tc.detector {
				cfg.ClusterCIDR = netip.MustParsePrefix("10.0.0.0/8")
			}
			flows := slices.Clone(base)
			applied := 0
			for i := range flows {
				if o, ok := tc.overrides[flows[i].name]; ok {
					applied++
					if o.output != "" {
						flows[i].output = o.output
					}
					if o.masq != nil {
						flows[i].masq = *o.masq
					}
				}
			}
			if applied != len(tc.overrides) {
				t.Fatalf("%d overrides name no flow", len(tc.overrides)-applied)
			}
			checkNFTFlows(t, RenderNFT(cfg, upstreamNFTOptions(false)), flows)
		})
	}
}

func mustRenderNFT(t *testing.T, scenario string) *NFTRuleset {
	t.Helper()
	cfg := mustParseYAML(t, scenario, "flow.yaml")
	return RenderNFT(cfg, upstreamNFTOptions(false))
}

// nftFakeNode is upstream's NewFakeProxier node: its addresses and pod
// CIDR.
const nftFakeNode = `
node: test-node
nodeIPs: [192.168.0.2, 192.168.1.2, 192.168.99.11]
clusterCIDR: 10.0.0.0/8
`

// TestNFTNoEndpointsReject is kube-proxy's TestNoEndpointsReject.
func TestNFTNoEndpointsReject(t *testing.T) {
	rs := mustRenderNFT(t, nftFakeNode+`services:
- {namespace: ns1, name: svc1, type: LoadBalancer, clusterIP: 172.30.0.41, externalIPs: [192.168.99.11], loadBalancerIPs: [1.2.3.4],
   ports: [{name: p80, port: 80, nodePort: 3001}]}
`)
	checkNFTFlows(t, rs, []nftFlow{
		{"pod to cluster IP with no endpoints", "10.0.0.2", "172.30.0.41:80", "REJECT", false},
		{"external to external IP with no endpoints", "203.0.113.2", "192.168.99.11:80", "REJECT", false},
		{"pod to NodePort with no endpoints", "10.0.0.2", "192.168.0.2:3001", "REJECT", false},
		{"external to NodePort with no endpoints", "203.0.113.2", "192.168.0.2:3001", "REJECT", false},
		{"pod to LoadBalancer IP with no endpoints", "10.0.0.2", "1.2.3.4:80", "REJECT", false},
		{"external to LoadBalancer IP with no endpoints", "203.0.113.2", "1.2.3.4:80", "REJECT", false},
	})
}

// TestNFTLoadBalancer is kube-proxy's TestLoadBalancer:
// loadBalancerSourceRanges, which NodePorts bypass and which let the node
// (and its LB IPs) in when a range holds the node IP.
func TestNFTLoadBalancer(t *testing.T) {
	rs := mustRenderNFT(t, nftFakeNode+`services:
- {namespace: ns1, name: svc1, type: LoadBalancer, clusterIP: 172.30.0.41, loadBalancerIPs: [1.2.3.4, 5.6.7.8],
   loadBalancerSourceRanges: [192.168.0.0/24, 203.0.113.0/25],
   ports: [{name: p80, port: 80, nodePort: 3001}], endpoints: [{ip: 10.180.0.1, node: test-node}]}
`)
	const ep = "10.180.0.1:80"
	checkNFTFlows(t, rs, []nftFlow{
		{"pod to cluster IP", "10.0.0.2", "172.30.0.41:80", ep, false},
		{"external to nodePort", "203.0.113.2", "192.168.0.2:3001", ep, true},
		{"nodePort bypasses LoadBalancerSourceRanges", "203.0.113.130", "192.168.0.2:3001", ep, true},
		{"accepted external to LB1", "203.0.113.2", "1.2.3.4:80", ep, true},
		{"accepted external to LB2", "203.0.113.2", "5.6.7.8:80", ep, true},
		{"blocked external to LB1", "203.0.113.130", "1.2.3.4:80", "DROP", false},
		{"blocked external to LB2", "203.0.113.130", "5.6.7.8:80", "DROP", false},
		{"pod to LB1 (blocked by LoadBalancerSourceRanges)", "10.0.0.2", "1.2.3.4:80", "DROP", false},
		{"pod to LB2 (blocked by LoadBalancerSourceRanges)", "10.0.0.2", "5.6.7.8:80", "DROP", false},
		{"node to LB1 (allowed by LoadBalancerSourceRanges)", "192.168.0.2", "1.2.3.4:80", ep, true},
		{"node to LB2 (allowed by LoadBalancerSourceRanges)", "192.168.0.2", "5.6.7.8:80", ep, true},
		{"same node to LB1, SNATted to LB1 (implicitly allowed)", "1.2.3.4", "1.2.3.4:80", ep, true},
		{"same node to LB2, SNATted to LB2 (implicitly allowed)", "5.6.7.8", "5.6.7.8:80", ep, true},
	})
}

// TestNFTClusterIPGeneral is kube-proxy's TestClusterIPGeneral: hairpin,
// several endpoints, targetPort, one port number for three protocols,
// unknown ports and an unallocated ClusterIP.
func TestNFTClusterIPGeneral(t *testing.T) {
	rs := mustRenderNFT(t, nftFakeNode+`services:
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
  - {ip: 10.180.0.1, node: test-node}
  - {ip: 10.180.2.1, node: node2}
`)
	checkNFTFlows(t, rs, []nftFlow{
		{"simple clusterIP", "10.180.0.2", "172.30.0.41:80", "10.180.0.1:80", false},
		{"hairpin to cluster IP", "10.180.0.1", "172.30.0.41:80", "10.180.0.1:80", true},
		{"clusterIP with multiple endpoints", "10.180.0.2", "172.30.0.42:80", "10.180.0.1:80, 10.180.2.1:80", false},
		{"clusterIP with TargetPort", "10.180.0.2", "172.30.0.42:443", "10.180.0.1:8443, 10.180.2.1:8443", false},
		{"clusterIP with TCP, UDP, and SCTP on same port (TCP)", "10.180.0.2", "172.30.0.42:53", "10.180.0.1:5353, 10.180.2.1:5353", false},
		{"svc1 does not accept svc2's ports", "10.180.0.2", "172.30.0.41:443", "REJECT", false},
		{"packet to unallocated cluster ip", "10.180.0.2", "172.30.0.50:80", "DROP", false},
	})
	checkNFTFlowsProto(t, rs, packet.UDP, []nftFlow{
		{"clusterIP with TCP, UDP, and SCTP on same port (UDP)", "10.180.0.2", "172.30.0.42:53", "10.180.0.1:53, 10.180.2.1:53", false},
		{"TCP-only port does not match UDP traffic", "10.180.0.2", "172.30.0.42:80", "REJECT", false},
	})
	checkNFTFlowsProto(t, rs, packet.SCTP, []nftFlow{
		{"clusterIP with TCP, UDP, and SCTP on same port (SCTP)", "10.180.0.2", "172.30.0.42:53", "10.180.0.1:53, 10.180.2.1:53", false},
	})
}

// TestNFTNodePorts is kube-proxy's TestNodePorts: a NodePort on the
// primary node IP (upstream's default --nodeport-addresses) or on every
// node IP in the given CIDRs, IPv4 and IPv6.
func TestNFTNodePorts(t *testing.T) {
	for _, tc := range []struct {
		name      string
		v6        bool
		addresses []string
		allowAlt  bool
	}{
		{"ipv4", false, nil, false},
		{"ipv4, multiple nodeport-addresses", false, []string{"192.168.0.0/24", "192.168.1.0/24", "2001:db8::/64"}, true},
		{"ipv6", true, nil, false},
		{"ipv6, multiple nodeport-addresses", true, []string{"192.168.0.0/24", "192.168.1.0/24", "2001:db8::/64", "2001:db8:1::2/128"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			svcIP, ep1, ep2, node, alt, pod, ext := "172.30.0.41", "10.180.0.1", "10.180.2.1", "192.168.0.2", "192.168.1.2", "10.0.0.2", "203.0.113.2"
			scenario := nftFakeNode
			if tc.v6 {
				svcIP, ep1, ep2, node, alt, pod, ext = "fd00:172:30::41", "fd00:10:180::1", "fd00:10:180::2:1", "2001:db8::1", "2001:db8:1::2", "fd00:10::2", "2600:5200::1"
				scenario = "node: test-node\nipv6: true\nnodeIPs: [2001:db8::1, 2001:db8:1::2]\nclusterCIDR: fd00:10::/64\n"
			}
			cfg := mustParseYAML(t, scenario+`services:
- {namespace: ns1, name: svc1, type: NodePort, clusterIP: `+svcIP+`, ports: [{name: p80, port: 80, nodePort: 3001}],
   endpoints: [{ip: "`+ep1+`", node: other-node}, {ip: "`+ep2+`", node: test-node}]}
`, "nodeports.yaml")
			opt := upstreamNFTOptions(tc.v6)
			if tc.addresses != nil {
				opt.NodePortAddresses = nil
				for _, a := range tc.addresses {
					opt.NodePortAddresses = append(opt.NodePortAddresses, netip.MustParsePrefix(a))
				}
			}
			rs := RenderNFT(cfg, opt)
			hp := func(a string) string { return netip.AddrPortFrom(netip.MustParseAddr(a), 80).String() }
			hp3001 := func(a string) string { return netip.AddrPortFrom(netip.MustParseAddr(a), 3001).String() }
			out := hp(ep1) + ", " + hp(ep2)
			flows := []nftFlow{
				{"pod to cluster IP", pod, hp(svcIP), out, false},
				{"external to nodePort", ext, hp3001(node), out, true},
				{"node to nodePort", node, hp3001(node), out, true},
			}
			if tc.allowAlt {
				flows = append(flows, nftFlow{"external to nodePort on secondary IP", ext, hp3001(alt), out, true})
			} else {
				flows = append(flows, nftFlow{"secondary nodeIP ignores NodePorts", ext, hp3001(alt), "", false})
			}
			checkNFTFlows(t, rs, flows)
		})
	}
}

// TestNFTExternalTrafficPolicy is kube-proxy's TestExternalTrafficPolicyLocal
// and TestExternalTrafficPolicyCluster: external traffic under Local
// reaches only the local endpoint, unmasqueraded; under Cluster every
// endpoint, masqueraded.
func TestNFTExternalTrafficPolicy(t *testing.T) {
	const both, local = "10.180.0.1:80, 10.180.2.1:80", "10.180.2.1:80"
	for _, tc := range []struct {
		policy string
		flows  []nftFlow
	}{
		{"Local", []nftFlow{
			{"pod to cluster IP hits both endpoints, unmasqueraded", "10.0.0.2", "172.30.0.41:80", both, false},
			{"pod to external IP hits both endpoints, unmasqueraded", "10.0.0.2", "192.168.99.11:80", both, false},
			{"external to external IP hits only local endpoint, unmasqueraded", "203.0.113.2", "192.168.99.11:80", local, false},
			{"pod to LB IP hits only both endpoints, unmasqueraded", "10.0.0.2", "1.2.3.4:80", both, false},
			{"external to LB IP hits only local endpoint, unmasqueraded", "203.0.113.2", "1.2.3.4:80", local, false},
			{"pod to NodePort hits both endpoints, unmasqueraded", "10.0.0.2", "192.168.0.2:3001", both, false},
			{"external to NodePort hits only local endpoint, unmasqueraded", "203.0.113.2", "192.168.0.2:3001", local, false},
		}},
		{"Cluster", []nftFlow{
			{"pod to cluster IP hits both endpoints, unmasqueraded", "10.0.0.2", "172.30.0.41:80", both, false},
			{"pod to external IP hits both endpoints, masqueraded", "10.0.0.2", "192.168.99.11:80", both, true},
			{"external to external IP hits both endpoints, masqueraded", "203.0.113.2", "192.168.99.11:80", both, true},
			{"pod to LB IP hits both endpoints, masqueraded", "10.0.0.2", "1.2.3.4:80", both, true},
			{"external to LB IP hits both endpoints, masqueraded", "203.0.113.2", "1.2.3.4:80", both, true},
			{"pod to NodePort hits both endpoints, masqueraded", "10.0.0.2", "192.168.0.2:3001", both, true},
			{"external to NodePort hits both endpoints, masqueraded", "203.0.113.2", "192.168.0.2:3001", both, true},
		}},
	} {
		t.Run(tc.policy, func(t *testing.T) {
			rs := mustRenderNFT(t, nftFakeNode+`services:
- {namespace: ns1, name: svc1, type: LoadBalancer, externalTrafficPolicy: `+tc.policy+`, clusterIP: 172.30.0.41, externalIPs: [192.168.99.11],
   loadBalancerIPs: [1.2.3.4], healthCheckNodePort: 30000, ports: [{name: p80, port: 80, targetPort: 80, nodePort: 3001}],
   endpoints: [{ip: 10.180.0.1, node: other-node}, {ip: 10.180.2.1, node: test-node}]}
`)
			checkNFTFlows(t, rs, tc.flows)
		})
	}
}

// TestNFTInternalTrafficPolicy is kube-proxy's TestInternalTrafficPolicy,
// with its "endpoints deleted" check as a Service without endpoints.
func TestNFTInternalTrafficPolicy(t *testing.T) {
	for _, tc := range []struct {
		name, policy string
		nodes        [3]string // of 10.0.1.1, .2, .3
		output       string
	}{
		{"internalTrafficPolicy is cluster", "Cluster", [3]string{"test-node", "node1", "node2"}, "10.0.1.1:80, 10.0.1.2:80, 10.0.1.3:80"},
		{"internalTrafficPolicy is local and there is one local endpoint", "Local", [3]string{"test-node", "node1", "node2"}, "10.0.1.1:80"},
		{"internalTrafficPolicy is local and there are multiple local endpoints", "Local", [3]string{"test-node", "test-node", "node2"}, "10.0.1.1:80, 10.0.1.2:80"},
		{"internalTrafficPolicy is local and there are no local endpoints", "Local", [3]string{"node0", "node1", "node2"}, "DROP"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			svc := nftFakeNode + `services:
- {namespace: ns1, name: svc1, clusterIP: 172.30.1.1, internalTrafficPolicy: ` + tc.policy + `, ports: [{port: 80}]`
			rs := mustRenderNFT(t, svc+`,
   endpoints: [{ip: 10.0.1.1, node: `+tc.nodes[0]+`}, {ip: 10.0.1.2, node: `+tc.nodes[1]+`}, {ip: 10.0.1.3, node: `+tc.nodes[2]+`}]}
`)
			checkNFTFlows(t, rs, []nftFlow{{"pod to ClusterIP", "10.0.0.2", "172.30.1.1:80", tc.output, false}})
			checkNFTFlows(t, mustRenderNFT(t, svc+"}\n"), []nftFlow{{"endpoints deleted", "10.0.0.2", "172.30.1.1:80", "REJECT", false}})
		})
	}
}

// nftEp writes an endpoint of a scenario: address, node and conditions
// (r ready, s serving, t terminating).
func nftEp(ip, node string, r, s, term bool) string {
	return "{ip: " + ip + ", node: " + node + ", ready: " + strconv.FormatBool(r) + ", serving: " + strconv.FormatBool(s) + ", terminating: " + strconv.FormatBool(term) + "}"
}

// TestNFTTerminatingEndpoints is kube-proxy's
// TestTerminatingEndpointsTrafficPolicyLocal and
// TestTerminatingEndpointsTrafficPolicyCluster: serving-terminating
// endpoints are used only when no endpoint is ready, per policy.
func TestNFTTerminatingEndpoints(t *testing.T) {
	const me, other = "test-node", "another-node"
	type tcase struct {
		name                 string
		eps                  []string
		pod, external        string
		externalMasq, podMsq bool
	}
	for _, pol := range []struct {
		policy string
		cases  []tcase
	}{
		{"Local", []tcase{
			{"ready endpoints exist", []string{nftEp("10.0.1.1", me, true, true, false), nftEp("10.0.1.2", me, true, true, false), nftEp("10.0.1.3", me, false, true, true),
				nftEp("10.0.1.4", me, false, false, true), nftEp("10.0.1.5", "node-1", true, true, false)}, "10.0.1.1:80, 10.0.1.2:80, 10.0.1.5:80", "10.0.1.1:80, 10.0.1.2:80", false, false},
			{"only terminating endpoints exist", []string{nftEp("10.0.1.2", me, false, true, true), nftEp("10.0.1.3", me, false, true, true),
				nftEp("10.0.1.4", me, false, false, true), nftEp("10.0.1.5", "node-1", true, true, false)}, "10.0.1.5:80", "10.0.1.2:80, 10.0.1.3:80", false, false},
			{"terminating endpoints on remote node", []string{nftEp("10.0.1.5", "node-1", false, true, true)}, "10.0.1.5:80", "DROP", false, false},
			{"no usable endpoints on any node", []string{nftEp("10.0.1.5", me, false, false, true), nftEp("10.0.1.5", "node-1", false, false, true)}, "REJECT", "REJECT", false, false},
			{"endpoints deleted", nil, "REJECT", "REJECT", false, false},
		}},
		{"Cluster", []tcase{
			{"ready endpoints exist", []string{nftEp("10.0.1.1", me, true, true, false), nftEp("10.0.1.2", me, true, true, false), nftEp("10.0.1.3", other, false, true, true),
				nftEp("10.0.1.4", other, false, false, true), nftEp("10.0.1.5", other, true, true, false)}, "10.0.1.1:80, 10.0.1.2:80, 10.0.1.5:80", "10.0.1.1:80, 10.0.1.2:80, 10.0.1.5:80", true, false},
			{"only terminating endpoints exist", []string{nftEp("10.0.1.2", me, false, true, true), nftEp("10.0.1.3", me, false, true, true),
				nftEp("10.0.1.4", other, false, false, true), nftEp("10.0.1.5", other, false, true, true)}, "10.0.1.2:80, 10.0.1.3:80, 10.0.1.5:80", "10.0.1.2:80, 10.0.1.3:80, 10.0.1.5:80", true, false},
			{"terminating endpoints on remote node", []string{nftEp("10.0.1.5", "node-1", false, true, true)}, "10.0.1.5:80", "10.0.1.5:80", true, false},
			{"no usable endpoints on any node", []string{nftEp("10.0.1.5", me, false, false, true), nftEp("10.0.1.5", "node-1", false, false, true)}, "REJECT", "REJECT", false, false},
			{"endpoints deleted", nil, "REJECT", "REJECT", false, false},
		}},
	} {
		for _, tc := range pol.cases {
			t.Run(pol.policy+"/"+tc.name, func(t *testing.T) {
				rs := mustRenderNFT(t, nftFakeNode+`services:
- {namespace: ns1, name: svc1, type: LoadBalancer, externalTrafficPolicy: `+pol.policy+`, clusterIP: 172.30.1.1, loadBalancerIPs: [1.2.3.4],
   healthCheckNodePort: 30000, ports: [{port: 80, targetPort: 80, nodePort: 0}],
   endpoints: [`+strings.Join(tc.eps, ", ")+`]}
`)
				checkNFTFlows(t, rs, []nftFlow{
					{"pod to clusterIP", "10.0.0.2", "172.30.1.1:80", tc.pod, tc.podMsq},
					{"external to LB", "203.0.113.2", "1.2.3.4:80", tc.external, tc.externalMasq},
				})
			})
		}
	}
}
