package kubeproxy

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/netcalc/netcalc/netcalc/packet"
)

// TestTraceUpstreamFlows replays packet-flow cases from kube-proxy's own
// tests (TestTracePacket, TestLoadBalancer, TestNoEndpointsReject in
// pkg/proxy/iptables/proxier_test.go) against the upstream-overall
// Services: destination(s) and masquerade as upstream expects them.
func TestTraceUpstreamFlows(t *testing.T) {
	rs := Render(mustParseFile(t, "upstream-overall.yaml"))
	tests := []struct {
		name    string
		src     string
		dst     string
		proto   packet.Protocol
		verdict string
		want    []string // acceptable endpoints for DNAT
		masq    bool
		reason  packet.Reason // one of the reasons
	}{
		{name: "no match", src: "10.0.0.2", dst: "10.0.0.3:80", verdict: "NONE"},
		{name: "cluster IP from a pod", src: "10.0.0.2", dst: "172.30.0.41:80", verdict: "DNAT", want: []string{"10.180.0.1:80"}, reason: ReasonInCluster},
		{name: "hairpin to cluster IP", src: "10.180.0.1", dst: "172.30.0.41:80", verdict: "DNAT", want: []string{"10.180.0.1:80"}, masq: true, reason: MasqHairpin},
		{name: "cluster IP from off-cluster", src: "203.0.113.2", dst: "172.30.0.41:80", verdict: "DNAT", want: []string{"10.180.0.1:80"}, masq: true, reason: MasqOffCluster},
		{name: "multiple endpoints", src: "10.0.0.2", dst: "172.30.0.44:80", verdict: "DNAT", want: []string{"10.180.0.4:80", "10.180.0.5:80"}},
		{name: "UDP does not match a TCP port", src: "10.0.0.2", dst: "172.30.0.41:80", proto: packet.UDP, verdict: "NONE"},
		{name: "LOCAL to Local-policy external IP", src: "192.168.0.2", dst: "192.168.99.22:80", verdict: "DNAT", want: []string{"10.180.0.2:80"}, masq: true, reason: MasqLocalExternal},
		{name: "external to Local-policy external IP without local endpoints", src: "203.0.113.2", dst: "192.168.99.22:80", verdict: "DROP"},
		{name: "external to Local-policy NodePort without local endpoints", src: "203.0.113.2", dst: "192.168.0.2:3001", verdict: "DROP"},
		{name: "pod to Local-policy NodePort short-circuits to cluster chain", src: "10.0.0.2", dst: "192.168.0.2:3001", verdict: "DNAT", want: []string{"10.180.0.2:80"}},
		{name: "health check node port", src: "192.168.0.2", dst: "192.168.0.2:30000", verdict: "ACCEPT"},
		{name: "no endpoints", src: "10.0.0.2", dst: "172.30.0.46:80", verdict: "REJECT"},
		{name: "external to Cluster-policy NodePort", src: "203.0.113.2", dst: "192.168.0.2:3003", verdict: "DNAT", want: []string{"10.180.0.3:80"}, masq: true, reason: MasqExternalCluster},
		{name: "accepted external to LB", src: "203.0.113.2", dst: "5.6.7.8:80", verdict: "DNAT", want: []string{"10.180.0.3:80"}, masq: true},
		{name: "blocked external to LB", src: "203.0.113.130", dst: "5.6.7.8:80", verdict: "DROP"},
		{name: "pod to LB outside source ranges", src: "10.0.0.2", dst: "5.6.7.8:80", verdict: "DROP"},
		{name: "nodePort bypasses source ranges", src: "203.0.113.130", dst: "192.168.0.2:3002", verdict: "DNAT", want: []string{"10.180.0.3:80"}, masq: true},
		{name: "localhost NodePort", src: "127.0.0.1", dst: "127.0.0.1:3003", verdict: "DNAT", want: []string{"10.180.0.3:80"}, masq: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := NewTracer(rs, 1)
			p := packet.Tuple{Src: netip.AddrPortFrom(netip.MustParseAddr(tt.src), 0), Dst: netip.MustParseAddrPort(tt.dst), Protocol: tt.proto}
			r := tr.Trace(p)
			if r.Verdict != tt.verdict {
				t.Fatalf("Trace(%s → %s).Verdict = %s; want %s\n%s", tt.src, tt.dst, r.Verdict, tt.verdict, dumpSteps(r))
			}
			if tt.verdict != "DNAT" {
				return
			}
			ok := false
			for _, w := range tt.want {
				ok = ok || r.Endpoint.String() == w
			}
			if !ok {
				t.Errorf("Trace(%s → %s).Endpoint = %s; want one of %v", tt.src, tt.dst, r.Endpoint, tt.want)
			}
			if r.Masquerade != tt.masq {
				t.Errorf("Trace(%s → %s).Masquerade = %v; want %v\n%s", tt.src, tt.dst, r.Masquerade, tt.masq, dumpSteps(r))
			}
			if tt.reason != "" && !slices.Contains(r.Reasons, tt.reason) {
				t.Errorf("Trace(%s → %s).Reasons = %q; want one of them %q", tt.src, tt.dst, r.Reasons, tt.reason)
			}
			if len(tt.want) > 1 {
				if len(r.Choices) != len(tt.want) {
					t.Fatalf("Choices = %+v; want %d", r.Choices, len(tt.want))
				}
				for i, c := range r.Choices {
					if c.Endpoint != tt.want[i] || c.Share != 1/float64(len(tt.want)) {
						t.Errorf("Choices[%d] = %+v; want %s with share 1/%d", i, c, tt.want[i], len(tt.want))
					}
				}
			}
			if r.Conntrack == nil {
				t.Fatal("no conntrack entry")
			}
		})
	}
}

func dumpSteps(r TraceResult) string {
	var b strings.Builder
	for _, s := range r.Steps {
		fmt.Fprintf(&b, "%s%s %s %s %s %s %d\n", strings.Repeat("  ", s.Depth), s.Table, s.Chain, s.Action, s.Rule, s.Reason, s.Count)
	}
	return b.String()
}

func TestConntrackHairpin(t *testing.T) {
	rs := Render(mustParseFile(t, "upstream-overall.yaml"))
	r := NewTracer(rs, 1).Trace(packet.Tuple{Src: netip.MustParseAddrPort("10.180.0.1:41000"), Dst: netip.MustParseAddrPort("172.30.0.41:80")})
	// MASQUERADE picks the first node address (no bridgeIP configured);
	// the source port is kept because randomFully is off.
	want := "tcp      6 120 SYN_SENT src=10.180.0.1 dst=172.30.0.41 sport=41000 dport=80 [UNREPLIED] src=10.180.0.1 dst=192.168.0.2 sport=80 dport=41000 mark=0 use=1"
	if got := r.Conntrack.String(); got != want {
		t.Errorf("Conntrack = %q; want %q", got, want)
	}
}

func TestDistribution(t *testing.T) {
	rs := Render(mustParseFile(t, "upstream-overall.yaml"))
	p := packet.Tuple{Src: netip.MustParseAddrPort("10.0.0.2:1024"), Dst: netip.MustParseAddrPort("172.30.0.44:80")}
	d := NewTracer(rs, 7).Distribute(p, 10000)
	if len(d.Shares) != 2 {
		t.Fatalf("Shares = %+v; want two endpoints", d.Shares)
	}
	for _, s := range d.Shares {
		if s.Expected != 0.5 || s.Observed < 0.47 || s.Observed > 0.53 {
			t.Errorf("share %+v; want expected 0.5 and observed within 0.03 of it", s)
		}
	}
	again := NewTracer(rs, 7).Distribute(p, 10000)
	if again.Shares[0].Count != d.Shares[0].Count {
		t.Errorf("same seed gave %d then %d", d.Shares[0].Count, again.Shares[0].Count)
	}
	// ClientIP affinity pins every connection of a client to one endpoint.
	lb := packet.Tuple{Src: netip.MustParseAddrPort("203.0.113.2:1024"), Dst: netip.MustParseAddrPort("172.30.0.45:80")}
	da := NewTracer(rs, 7).Distribute(lb, 50)
	if !da.Affinity && len(da.Shares) != 1 {
		t.Errorf("affinity distribution = %+v; want all on one endpoint", da)
	}
}

func TestTraceCluster(t *testing.T) {
	rs := Render(mustParseFile(t, "cluster.yaml"))
	tests := []struct {
		name, src, dst, verdict string
		masq                    bool
		reason                  packet.Reason
	}{
		{name: "internalTrafficPolicy Local without a local endpoint", src: "10.244.1.7", dst: "10.96.40.4:6379", verdict: "DROP"},
		{name: "LoadBalancer Local keeps the client address", src: "203.0.113.9", dst: "203.0.113.50:80", verdict: "DNAT", reason: ReasonLocalPolicy},
		{name: "node to its own Local NodePort is masqueraded", src: "198.51.100.10", dst: "198.51.100.10:31080", verdict: "DNAT", masq: true, reason: MasqLocalExternal},
		{name: "pod to a LoadBalancer IP short-circuits", src: "10.244.1.7", dst: "203.0.113.50:80", verdict: "DNAT", reason: ReasonInCluster},
		{name: "not-ready endpoint never chosen", src: "10.244.1.7", dst: "10.96.12.34:80", verdict: "DNAT"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for seed := uint64(0); seed < 20; seed++ {
				r := NewTracer(rs, seed).Trace(packet.Tuple{Src: netip.AddrPortFrom(netip.MustParseAddr(tt.src), 0), Dst: netip.MustParseAddrPort(tt.dst)})
				if r.Verdict != tt.verdict || (r.Verdict == "DNAT" && r.Masquerade != tt.masq) {
					t.Fatalf("seed %d: verdict %s masquerade %v; want %s %v\n%s", seed, r.Verdict, r.Masquerade, tt.verdict, tt.masq, dumpSteps(r))
				}
				if r.Endpoint.Addr() == netip.MustParseAddr("10.244.1.9") {
					t.Fatalf("seed %d: DNAT to the not-ready endpoint 10.244.1.9", seed)
				}
				if tt.reason != "" && !slices.Contains(r.Reasons, tt.reason) {
					t.Fatalf("seed %d: reasons %q; want one of them %q", seed, r.Reasons, tt.reason)
				}
			}
		})
	}
}

// TestAffinitySticks checks ClientIP affinity over three endpoints: the
// first connection draws, every later one from the same client matches the
// recent rule of that endpoint; another client draws independently.
func TestAffinitySticks(t *testing.T) {
	rs := Render(mustParseFile(t, "cluster.yaml"))
	tr := NewTracer(rs, 11)
	dst := netip.MustParseAddrPort("10.96.20.5:80") // shop/api ClusterIP, 3 endpoints
	first := tr.Trace(packet.Tuple{Src: netip.MustParseAddrPort("10.244.1.7:1000"), Dst: dst})
	if first.Affinity {
		t.Fatal("first connection reported affinity")
	}
	for i := 1; i < 50; i++ {
		r := tr.Trace(packet.Tuple{Src: netip.AddrPortFrom(netip.MustParseAddr("10.244.1.7"), uint16(1000+i)), Dst: dst})
		if !r.Affinity || r.Endpoint != first.Endpoint {
			t.Fatalf("connection %d went to %s (affinity %v); want %s by affinity", i, r.Endpoint, r.Affinity, first.Endpoint)
		}
	}
	other := tr.Trace(packet.Tuple{Src: netip.MustParseAddrPort("10.244.2.8:1000"), Dst: dst})
	if other.Affinity {
		t.Error("another client inherited the first client's affinity")
	}
	d := NewTracer(rs, 3).Distribute(packet.Tuple{Src: netip.MustParseAddrPort("10.244.1.7:1000"), Dst: dst}, 200)
	if len(d.Shares) != 3 || !d.Affinity {
		t.Fatalf("Distribute = %+v; want 3 shares with affinity", d)
	}
	n := 0
	for _, s := range d.Shares {
		if s.Count == 200 {
			n++
		}
		if d := s.Expected - 1.0/3; d > 1e-9 || d < -1e-9 {
			t.Errorf("expected share %v; want 1/3", s.Expected)
		}
	}
	if n != 1 {
		t.Errorf("Distribute with affinity = %+v; want all 200 on one endpoint", d.Shares)
	}
}

// TestTraceFilterHook checks that a trace into kube-proxy's filter chains
// starts at the built-in chain the kernel passes (iptablesJumpChains): a
// pod's packet is forwarded, the node's own goes out through OUTPUT, and a
// packet for a NodePort on the node comes in through INPUT.
func TestTraceFilterHook(t *testing.T) {
	cfg := mustParseYAML(t, `
node: node-a
nodeIPs: [198.51.100.10]
clusterCIDR: 10.244.0.0/16
services:
- {namespace: shop, name: gone, type: NodePort, clusterIP: 10.96.40.4, ports: [{port: 80, nodePort: 30090}]}
`, "gone.yaml")
	rs := Render(cfg)
	tests := []struct {
		name, src, dst, want string
	}{
		{name: "pod to cluster IP", src: "10.244.1.7", dst: "10.96.40.4:80",
			want: `-A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES`},
		{name: "node to cluster IP", src: "198.51.100.10", dst: "10.96.40.4:80",
			want: `-A OUTPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES`},
		{name: "client to NodePort", src: "203.0.113.9", dst: "198.51.100.10:30090",
			want: `-A INPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewTracer(rs, 1).Trace(packet.Tuple{Src: netip.AddrPortFrom(netip.MustParseAddr(tt.src), 0), Dst: netip.MustParseAddrPort(tt.dst)})
			if r.Verdict != "REJECT" {
				t.Fatalf("Trace(%s → %s).Verdict = %s; want REJECT", tt.src, tt.dst, r.Verdict)
			}
			var got []string
			for _, s := range r.Steps {
				if s.Table == "filter" && s.Depth == 0 {
					got = append(got, s.Rule)
				}
			}
			if len(got) != 1 || got[0] != tt.want {
				t.Errorf("Trace(%s → %s) filter jumps = %q; want [%q]", tt.src, tt.dst, got, tt.want)
			}
		})
	}
}

// TestTraceStepsAreRules checks that the trace walks the rules themselves:
// every rule a step shows is a line of the rendered iptables-restore text
// or one of the jumps kube-proxy adds to the built-in chains.
func TestTraceStepsAreRules(t *testing.T) {
	rs := Render(mustParseFile(t, "upstream-overall.yaml"))
	var b strings.Builder
	rs.WriteTo(&b)
	lines := map[string]bool{}
	// kube-proxy's jumps from the built-in nat chains.
	b.WriteString(`-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING
`)
	for _, l := range strings.Split(b.String(), "\n") {
		lines[l] = true
	}
	tr := NewTracer(rs, 1)
	n := 0
	for _, src := range []string{"10.0.0.2", "10.180.0.1", "203.0.113.2", "203.0.113.130", "192.168.0.2", "127.0.0.1"} {
		for _, dst := range []string{"172.30.0.41:80", "172.30.0.44:80", "172.30.0.45:80", "172.30.0.46:80", "192.168.99.22:80",
			"1.2.3.4:80", "5.6.7.8:80", "192.168.0.2:3001", "192.168.0.2:3002", "192.168.0.2:3003", "192.168.0.2:30000", "127.0.0.1:3003"} {
			r := tr.Trace(packet.Tuple{Src: netip.MustParseAddrPort(src + ":0"), Dst: netip.MustParseAddrPort(dst)})
			for _, s := range r.Steps {
				if s.Rule == "" {
					continue
				}
				n++
				if !lines[s.Rule] && !isFilterJump(s.Rule) {
					t.Errorf("Trace(%s → %s) shows %q, which is not a rule", src, dst, s.Rule)
				}
			}
		}
	}
	if n < 100 {
		t.Fatalf("only %d rule steps: the flows do not exercise the walk", n)
	}
}

// isFilterJump reports whether rule is one of kube-proxy's jumps from a
// built-in filter chain.
func isFilterJump(rule string) bool {
	for _, c := range []string{ChainServices, ChainExternalServices, ChainNodePorts, ChainProxyFirewall} {
		for _, srcLocal := range []bool{false, true} {
			for _, dstLocal := range []bool{false, true} {
				if _, j := filterJump(c, srcLocal, dstLocal); j == rule {
					return true
				}
			}
		}
	}
	return false
}

// TestTraceOtherFamily walks an IPv4 packet through IPv6 rules, as no
// kernel would: a rule of the other family never matches, negated or not.
// The hand-written walk it replaced let "! -d ::1/128" match the IPv4
// packet and entered KUBE-NODEPORTS.
func TestTraceOtherFamily(t *testing.T) {
	cfg := mustParseFile(t, "upstream-overall.yaml")
	cfg.IPv6 = true
	r := NewTracer(Render(cfg), 1).Trace(packet.Tuple{Src: netip.MustParseAddrPort("10.0.0.2:40000"), Dst: netip.MustParseAddrPort("127.0.0.1:80")})
	if r.Verdict != "NONE" {
		t.Errorf("Verdict = %s; want NONE", r.Verdict)
	}
	for _, s := range r.Steps {
		if s.Action == ActionEnter && s.Chain == ChainNodePorts {
			t.Errorf("an IPv4 packet entered %s through an IPv6 rule:\n%s", ChainNodePorts, dumpSteps(r))
		}
	}
}

// TestTraceWalkerMark checks that masquerading follows the packet mark the
// walker carries from KUBE-MARK-MASQ (MARK --or-mark) to KUBE-POSTROUTING
// (-m mark, RETURN, MARK --xor-mark, MASQUERADE), with a non-default
// masquerade bit.
func TestTraceWalkerMark(t *testing.T) {
	cfg := mustParseFile(t, "upstream-overall.yaml")
	cfg.MasqueradeBit = 10
	r := NewTracer(Render(cfg), 1).Trace(packet.Tuple{Src: netip.MustParseAddrPort("203.0.113.2:40000"), Dst: netip.MustParseAddrPort("172.30.0.41:80")})
	if !r.Masquerade || r.Verdict != "DNAT" {
		t.Fatalf("Verdict %s, Masquerade %v; want DNAT, masqueraded\n%s", r.Verdict, r.Masquerade, dumpSteps(r))
	}
	var post []string
	for _, s := range r.Steps {
		if s.Chain == ChainPostrouting && s.Action == ActionMatch {
			post = append(post, s.Rule)
		}
	}
	want := []string{"-A KUBE-POSTROUTING -j MARK --xor-mark 0x400",
		`-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully`}
	if strings.Join(post, "\n") != strings.Join(want, "\n") {
		t.Errorf("KUBE-POSTROUTING steps = %q; want %q", post, want)
	}
}
