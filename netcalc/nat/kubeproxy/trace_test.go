package kubeproxy

import (
	"net/netip"
	"strings"
	"testing"
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
		proto   Protocol
		verdict string
		want    []string // acceptable endpoints for DNAT
		masq    bool
		reason  string // substring of a reason
	}{
		{name: "no match", src: "10.0.0.2", dst: "10.0.0.3:80", verdict: "NONE"},
		{name: "cluster IP from a pod", src: "10.0.0.2", dst: "172.30.0.41:80", verdict: "DNAT", want: []string{"10.180.0.1:80"}, reason: "inside the cluster CIDR"},
		{name: "hairpin to cluster IP", src: "10.180.0.1", dst: "172.30.0.41:80", verdict: "DNAT", want: []string{"10.180.0.1:80"}, masq: true, reason: "hairpin"},
		{name: "cluster IP from off-cluster", src: "203.0.113.2", dst: "172.30.0.41:80", verdict: "DNAT", want: []string{"10.180.0.1:80"}, masq: true, reason: "outside the cluster CIDR"},
		{name: "multiple endpoints", src: "10.0.0.2", dst: "172.30.0.44:80", verdict: "DNAT", want: []string{"10.180.0.4:80", "10.180.0.5:80"}},
		{name: "UDP does not match a TCP port", src: "10.0.0.2", dst: "172.30.0.41:80", proto: UDP, verdict: "NONE"},
		{name: "LOCAL to Local-policy external IP", src: "192.168.0.2", dst: "192.168.99.22:80", verdict: "DNAT", want: []string{"10.180.0.2:80"}, masq: true, reason: "node itself"},
		{name: "external to Local-policy external IP without local endpoints", src: "203.0.113.2", dst: "192.168.99.22:80", verdict: "DROP"},
		{name: "external to Local-policy NodePort without local endpoints", src: "203.0.113.2", dst: "192.168.0.2:3001", verdict: "DROP"},
		{name: "pod to Local-policy NodePort short-circuits to cluster chain", src: "10.0.0.2", dst: "192.168.0.2:3001", verdict: "DNAT", want: []string{"10.180.0.2:80"}},
		{name: "health check node port", src: "192.168.0.2", dst: "192.168.0.2:30000", verdict: "ACCEPT"},
		{name: "no endpoints", src: "10.0.0.2", dst: "172.30.0.46:80", verdict: "REJECT"},
		{name: "external to Cluster-policy NodePort", src: "203.0.113.2", dst: "192.168.0.2:3003", verdict: "DNAT", want: []string{"10.180.0.3:80"}, masq: true, reason: "externalTrafficPolicy Cluster"},
		{name: "accepted external to LB", src: "203.0.113.2", dst: "5.6.7.8:80", verdict: "DNAT", want: []string{"10.180.0.3:80"}, masq: true},
		{name: "blocked external to LB", src: "203.0.113.130", dst: "5.6.7.8:80", verdict: "DROP"},
		{name: "pod to LB outside source ranges", src: "10.0.0.2", dst: "5.6.7.8:80", verdict: "DROP"},
		{name: "nodePort bypasses source ranges", src: "203.0.113.130", dst: "192.168.0.2:3002", verdict: "DNAT", want: []string{"10.180.0.3:80"}, masq: true},
		{name: "localhost NodePort", src: "127.0.0.1", dst: "127.0.0.1:3003", verdict: "DNAT", want: []string{"10.180.0.3:80"}, masq: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := NewTracer(rs, 1)
			p := Packet{Src: netip.AddrPortFrom(netip.MustParseAddr(tt.src), 0), Dst: netip.MustParseAddrPort(tt.dst), Proto: tt.proto}
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
			if tt.reason != "" && !strings.Contains(strings.Join(r.Reasons, "\n"), tt.reason) {
				t.Errorf("Trace(%s → %s).Reasons = %q; want one containing %q", tt.src, tt.dst, r.Reasons, tt.reason)
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

func dumpSteps(r Result) string {
	var b strings.Builder
	for _, s := range r.Steps {
		b.WriteString(strings.Repeat("  ", s.Depth) + s.Table + " " + s.Chain + " " + s.Action + " " + s.Rule + " " + s.Note + "\n")
	}
	return b.String()
}

func TestConntrackHairpin(t *testing.T) {
	rs := Render(mustParseFile(t, "upstream-overall.yaml"))
	r := NewTracer(rs, 1).Trace(Packet{Src: netip.MustParseAddrPort("10.180.0.1:41000"), Dst: netip.MustParseAddrPort("172.30.0.41:80")})
	// MASQUERADE picks the first node address (no bridgeIP configured);
	// the source port is kept because randomFully is off.
	want := "tcp      6 120 SYN_SENT src=10.180.0.1 dst=172.30.0.41 sport=41000 dport=80 [UNREPLIED] src=10.180.0.1 dst=192.168.0.2 sport=80 dport=41000 mark=0 use=1"
	if got := r.Conntrack.String(); got != want {
		t.Errorf("Conntrack = %q; want %q", got, want)
	}
}

func TestDistribution(t *testing.T) {
	rs := Render(mustParseFile(t, "upstream-overall.yaml"))
	p := Packet{Src: netip.MustParseAddrPort("10.0.0.2:1024"), Dst: netip.MustParseAddrPort("172.30.0.44:80")}
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
	lb := Packet{Src: netip.MustParseAddrPort("203.0.113.2:1024"), Dst: netip.MustParseAddrPort("172.30.0.45:80")}
	da := NewTracer(rs, 7).Distribute(lb, 50)
	if !da.Affinity && len(da.Shares) != 1 {
		t.Errorf("affinity distribution = %+v; want all on one endpoint", da)
	}
}
