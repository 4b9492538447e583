package kubeproxy

import (
	"math"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/netcalc/netcalc/netcalc/packet"
)

func nftOverallTracer(t *testing.T, seed uint64) *NFTTracer {
	t.Helper()
	cfg := mustParseNFT(t, "overall.yaml")
	return NewNFTTracer(RenderNFT(cfg, upstreamNFTOptions(false)), seed)
}

func pkt(src, dst string, proto packet.Protocol) packet.Tuple {
	s, err := netip.ParseAddrPort(src)
	if err != nil {
		s = netip.AddrPortFrom(netip.MustParseAddr(src), 0)
	}
	return packet.Tuple{Src: s, Dst: netip.MustParseAddrPort(dst), Protocol: proto}
}

// stepsOf returns the steps of one kind.
func stepsOf(r NFTTraceResult, k packet.Action) []packet.Step {
	var out []packet.Step
	for _, s := range r.Steps {
		if s.Action == k {
			out = append(out, s)
		}
	}
	return out
}

func TestNFTTrace(t *testing.T) {
	for _, tt := range []struct {
		name, src, dst string
		verdict        string
		endpoint       string
		service        string
		masq           []packet.Reason
		lookup         string // a map or set that must have been hit
		chains         []string
	}{
		{name: "pod to ClusterIP", src: "10.0.1.5", dst: "172.30.0.41:80", verdict: "DNAT", endpoint: "10.180.0.1:80", service: "ns1/svc1:p80",
			lookup: NFTServiceIPs, chains: []string{"filter-prerouting-pre-dnat", "nat-prerouting", "filter-forward", "nat-postrouting"}},
		{name: "off-cluster to ClusterIP", src: "203.0.113.9", dst: "172.30.0.41:80", verdict: "DNAT", endpoint: "10.180.0.1:80", service: "ns1/svc1:p80",
			masq: []packet.Reason{MasqOffCluster}, lookup: NFTClusterIPs},
		{name: "hairpin", src: "10.180.0.1", dst: "172.30.0.41:80", verdict: "DNAT", endpoint: "10.180.0.1:80", masq: []packet.Reason{MasqHairpin}, lookup: NFTHairpinConnections},
		{name: "no endpoints", src: "10.0.1.5", dst: "172.30.0.46:80", verdict: "REJECT", service: "ns6/svc6:p80", lookup: NFTNoEndpointServices},
		{name: "ClusterIP, unknown port", src: "10.0.1.5", dst: "172.30.0.41:81", verdict: "REJECT", lookup: NFTClusterIPs},
		{name: "unallocated ClusterIP", src: "10.0.1.5", dst: "172.30.9.9:80", verdict: "DROP"},
		{name: "not a Service", src: "10.0.1.5", dst: "198.51.100.7:80", verdict: "NONE"},
		{name: "Local policy, no local endpoint", src: "203.0.113.9", dst: "1.2.3.4:80", verdict: "DROP", service: "ns2/svc2:p80", lookup: NFTNoEndpointServices},
		{name: "Local policy, pod short-circuit", src: "10.0.1.5", dst: "1.2.3.4:80", verdict: "DNAT", endpoint: "10.180.0.2:80", service: "ns2/svc2:p80"},
		{name: "NodePort", src: "203.0.113.9", dst: "192.168.0.2:3003", verdict: "DNAT", endpoint: "10.180.0.3:80", service: "ns3/svc3:p80",
			masq: []packet.Reason{MasqExternalCluster}, lookup: NFTServiceNodePorts},
		{name: "NodePort on an address outside nodeport-ips", src: "203.0.113.9", dst: "192.168.1.2:3003", verdict: "NONE"},
		{name: "firewall drops", src: "198.51.100.1", dst: "5.6.7.8:80", verdict: "DROP", service: "ns5/svc5:p80", lookup: NFTFirewallIPs},
		{name: "firewall allows", src: "203.0.113.5", dst: "5.6.7.8:80", verdict: "DNAT", endpoint: "10.180.0.3:80", masq: []packet.Reason{MasqExternalCluster}},
		{name: "node to ClusterIP", src: "192.168.0.2", dst: "172.30.0.41:80", verdict: "DNAT", endpoint: "10.180.0.1:80", masq: []packet.Reason{MasqOffCluster},
			chains: []string{"filter-output-pre-dnat", "nat-output", "filter-output", "nat-postrouting"}},
		{name: "localhost NodePort rejected", src: "127.0.0.1", dst: "127.0.0.1:3001", verdict: "REJECT", lookup: NFTLocalhostRejectPorts},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := nftOverallTracer(t, 1).Trace(pkt(tt.src, tt.dst, packet.TCP))
			if r.Verdict != tt.verdict {
				t.Fatalf("verdict %s; want %s\n%+v", r.Verdict, tt.verdict, r.Steps)
			}
			if tt.endpoint != "" && r.Endpoint.String() != tt.endpoint {
				t.Errorf("endpoint %s; want %s", r.Endpoint, tt.endpoint)
			}
			if tt.service != "" && r.Service != tt.service {
				t.Errorf("service %q; want %q", r.Service, tt.service)
			}
			if r.Masquerade != (len(tt.masq) > 0) || !slices.Equal(r.MasqueradeReasons, tt.masq) {
				t.Errorf("masquerade %v %v; want %v", r.Masquerade, r.MasqueradeReasons, tt.masq)
			}
			if tt.lookup != "" && !slices.ContainsFunc(stepsOf(r, ActionLookup), func(s packet.Step) bool { return s.Lookup.Set == tt.lookup && s.Lookup.Hit }) {
				t.Errorf("no hit in %s: %+v", tt.lookup, stepsOf(r, ActionLookup))
			}
			if tt.chains != nil && !slices.Equal(r.Chains, tt.chains) {
				t.Errorf("base chains %v; want %v", r.Chains, tt.chains)
			}
			if (r.Conntrack != nil) != (r.Verdict == "DNAT") {
				t.Errorf("conntrack %v with verdict %s", r.Conntrack, r.Verdict)
			}
			if r.Masquerade && (r.SNAT.Addr() != netip.MustParseAddr("192.168.0.2") || r.SNAT.Port() < 1024) {
				t.Errorf("SNAT %s; want 192.168.0.2 and a port from 1024", r.SNAT)
			}
		})
	}
}

// TestNFTTraceNumgen checks the numgen draw: seeded (the same seed gives
// the same picks), the Choices of the map, and an even spread.
func TestNFTTraceNumgen(t *testing.T) {
	picks := func(seed uint64) []int {
		tr := nftOverallTracer(t, seed)
		var out []int
		for i := range 20 {
			r := tr.Trace(pkt("10.0.1.5:"+strconv.Itoa(1024+i), "172.30.0.44:80", packet.TCP))
			if r.BalancedBy != "service-LAUZTJTB-ns4/svc4/tcp/p80" || len(r.Choices) != 2 {
				t.Fatalf("balanced by %q with %v", r.BalancedBy, r.Choices)
			}
			n := stepsOf(r, ActionNumgen)
			if len(n) != 1 || n[0].Draw.Mod != 2 || n[0].Draw.Pick != r.Pick || r.Choices[r.Pick].Endpoint != r.Endpoint {
				t.Fatalf("numgen steps %+v, pick %d, endpoint %s, choices %v", n, r.Pick, r.Endpoint, r.Choices)
			}
			out = append(out, r.Pick)
		}
		return out
	}
	a, b, c := picks(7), picks(7), picks(8)
	if !slices.Equal(a, b) {
		t.Errorf("seed 7 gave %v then %v", a, b)
	}
	if slices.Equal(a, c) {
		t.Errorf("seeds 7 and 8 gave the same picks %v", a)
	}
	tr := nftOverallTracer(t, 3)
	n := map[string]int{}
	const total = 4000
	for i := range total {
		n[tr.Trace(pkt("10.0.1.5:"+strconv.Itoa(1024+i), "172.30.0.44:80", packet.TCP)).Endpoint.String()]++
	}
	for _, ep := range []string{"10.180.0.4:80", "10.180.0.5:80"} {
		if f := float64(n[ep]) / total; math.Abs(f-0.5) > 0.05 {
			t.Errorf("%s got %.3f of connections; want about 0.5 (%v)", ep, f, n)
		}
	}
}

// TestNFTTraceAffinity: the first connection goes through numgen and
// the endpoint- chain's update; the next from the same client matches the
// affinity set.
func TestNFTTraceAffinity(t *testing.T) {
	tr := nftOverallTracer(t, 1)
	r1 := tr.Trace(pkt("203.0.113.5:1111", "5.6.7.8:80", packet.TCP))
	if r1.Affinity || r1.Pick != 0 || len(stepsOf(r1, ActionUpdate)) != 1 {
		t.Fatalf("first connection: affinity %v pick %d updates %v", r1.Affinity, r1.Pick, stepsOf(r1, ActionUpdate))
	}
	r2 := tr.Trace(pkt("203.0.113.5:2222", "5.6.7.8:80", packet.TCP))
	if !r2.Affinity || r2.Pick != -1 || len(stepsOf(r2, ActionNumgen)) != 0 || r2.Endpoint != r1.Endpoint {
		t.Fatalf("second connection: affinity %v pick %d endpoint %s", r2.Affinity, r2.Pick, r2.Endpoint)
	}
	if r3 := tr.Trace(pkt("203.0.113.6:2222", "5.6.7.8:80", packet.TCP)); r3.Affinity {
		t.Errorf("another client matched the affinity set")
	}
}

// TestNFTTraceIPv6 walks the ip6 table of TestOverallNFTablesRulesIPv6's
// Services: ip6 keys, bracketed endpoints, the IPv6 node address as the
// masquerade source.
func TestNFTTraceIPv6(t *testing.T) {
	cfg := mustParseNFT(t, "overall-ipv6.yaml")
	tr := NewNFTTracer(RenderNFT(cfg, upstreamNFTOptions(true)), 1)
	r := tr.Trace(packet.Tuple{Src: netip.MustParseAddrPort("[2001:db8:ffff::9]:5000"), Dst: netip.MustParseAddrPort("[fd00:172:30::41]:80"), Protocol: packet.TCP})
	if r.Verdict != "DNAT" || r.Endpoint.String() != "[fd00:10:180::1]:80" || !r.Masquerade || r.SNAT.Addr() != netip.MustParseAddr("2001:db8::1") {
		t.Fatalf("verdict %s endpoint %s masquerade %v SNAT %s", r.Verdict, r.Endpoint, r.Masquerade, r.SNAT)
	}
	if !slices.ContainsFunc(stepsOf(r, ActionLookup), func(s packet.Step) bool {
		return s.Lookup.Set == NFTServiceIPs && s.Lookup.Key == "fd00:172:30::41 . tcp . 80" && s.Lookup.Hit
	}) {
		t.Errorf("no service-ips hit for fd00:172:30::41 . tcp . 80: %+v", stepsOf(r, ActionLookup))
	}
	if want := "src=2001:db8:ffff::9 dst=fd00:172:30::41 sport=5000 dport=80 [UNREPLIED] src=fd00:10:180::1 dst=2001:db8::1 sport=80"; !strings.Contains(r.ConntrackLine(), want) {
		t.Errorf("conntrack %q; want it to contain %q", r.ConntrackLine(), want)
	}
	if r := tr.Trace(packet.Tuple{Src: netip.MustParseAddrPort("[fd00:10::5]:5000"), Dst: netip.MustParseAddrPort("[fd00:172:30::46]:80")}); r.Verdict != "REJECT" || r.Service != "ns6/svc6:p80" {
		t.Errorf("no-endpoint Service: verdict %s service %q; want REJECT ns6/svc6:p80", r.Verdict, r.Service)
	}
}
