package kubeproxy

import (
	"net/netip"
	"testing"

	"github.com/netcalc/netcalc/netcalc/packet"
)

// The expected names were computed independently, once, with Python:
//
//	import hashlib, base64
//	def h(s): return base64.b32encode(hashlib.sha256(s.encode()).digest()).decode()[:16]
//
// and pasted here. The first two also appear on real clusters (nat.md §3.2)
// and the SEP one in kube-proxy's own test fixtures.
func TestChainNames(t *testing.T) {
	tests := []struct {
		name     string
		svc      Service
		port     ServicePort
		endpoint string // "" for the service chain
		want     string
	}{
		{name: "kubernetes https", svc: Service{Namespace: "default", Name: "kubernetes"}, port: ServicePort{Name: "https", Protocol: packet.TCP}, want: "KUBE-SVC-NPX46M4PTMTKRN6Y"},
		{name: "kube-dns udp", svc: Service{Namespace: "kube-system", Name: "kube-dns"}, port: ServicePort{Name: "dns", Protocol: packet.UDP}, want: "KUBE-SVC-TCOU7JCQXEZGVUNU"},
		{name: "kube-dns dns-tcp", svc: Service{Namespace: "kube-system", Name: "kube-dns"}, port: ServicePort{Name: "dns-tcp", Protocol: packet.TCP}, want: "KUBE-SVC-ERIFXISQEP7F7OF4"},
		// An unnamed port adds no ":" ("shop/legacy:tcp" would give IZRW4VSMYMWCINP7).
		{name: "unnamed port", svc: Service{Namespace: "shop", Name: "legacy"}, port: ServicePort{Protocol: packet.TCP}, want: "KUBE-SVC-62T5GFCWAAWXTMUY"},
		{name: "sctp", svc: Service{Namespace: "shop", Name: "web"}, port: ServicePort{Name: "http", Protocol: packet.SCTP}, want: "KUBE-SVC-Y4HFYFQBPIOMX2AV"},
		{name: "endpoint", svc: Service{Namespace: "ns1", Name: "svc1"}, port: ServicePort{Name: "p80", Protocol: packet.TCP}, endpoint: "10.180.0.1:80", want: "KUBE-SEP-SXIVWICOYRO3J4NJ"},
		{name: "IPv6 endpoint in brackets", svc: Service{Namespace: "ns1", Name: "svc1"}, port: ServicePort{Name: "p80", Protocol: packet.TCP}, endpoint: joinHostPort(netip.MustParseAddr("fd00:10:180::1"), 80), want: "KUBE-SEP-OGYCNMB4EMRUSJ6N"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			name := tt.svc.PortName(tt.port)
			var got string
			if tt.endpoint == "" {
				got = ServiceChain(name, tt.port.Protocol.String())
			} else {
				got = EndpointChain(name, tt.port.Protocol.String(), tt.endpoint)
			}
			if got != tt.want {
				t.Errorf("chain(%q, %q, %q) = %s; want %s", name, tt.port.Protocol.String(), tt.endpoint, got, tt.want)
			}
			if len(got) > 28 {
				t.Errorf("%s is longer than iptables' 28 characters", got)
			}
		})
	}
}

func TestProbabilities(t *testing.T) {
	var pc probCache
	want := map[int]string{1: "1.0000000000", 2: "0.5000000000", 3: "0.3333333333", 4: "0.2500000000", 5: "0.2000000000", 7: "0.1428571429"}
	for n, w := range want {
		if got := pc.get(n); got != w {
			t.Errorf("probability(%d) = %s; want %s", n, got, w)
		}
	}
}

// TestEndpointOrder checks kube-proxy's string sort of "IP:port" (not a
// numeric one): 10.0.0.100:80 < 10.0.0.10:80 < 10.0.0.2:80 < 10.0.0.9:80, and the statistic rules follow 1/(n-i).
func TestEndpointOrder(t *testing.T) {
	cfg := &Config{ClusterCIDR: netip.MustParsePrefix("10.0.0.0/8"), Services: []Service{{
		Namespace: "ns", Name: "s", Type: ClusterIP, ClusterIP: netip.MustParseAddr("172.30.0.1"),
		Ports: []ServicePort{{Name: "p", Protocol: packet.TCP, Port: 80}},
	}}}
	for _, ip := range []string{"10.0.0.9", "10.0.0.10", "10.0.0.100", "10.0.0.2"} {
		cfg.Services[0].Endpoints = append(cfg.Services[0].Endpoints, Endpoint{IP: netip.MustParseAddr(ip), Ports: map[string]int{"p": 80}, Ready: true, Serving: true})
	}
	rs := Render(cfg)
	chain := ServiceChain("ns/s:p", "tcp")
	var got []string
	for _, r := range rs.NAT.Rules(chain) {
		if r.Target != ChainMarkMasq {
			got = append(got, r.comment+" p="+probText(r))
		}
	}
	want := []string{
		"ns/s:p -> 10.0.0.100:80 p=0.2500000000", // '0' sorts before ':'
		"ns/s:p -> 10.0.0.10:80 p=0.3333333333",
		"ns/s:p -> 10.0.0.2:80 p=0.5000000000",
		"ns/s:p -> 10.0.0.9:80 p=",
	}
	if len(got) != len(want) {
		t.Fatalf("rules = %q; want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("rule %d = %q; want %q", i, got[i], want[i])
		}
	}
	// Each endpoint's overall share is exactly 1/n.
	tr := NewTracer(rs, 1)
	for _, c := range tr.choices(rs.NAT, chain) {
		if d := c.Share - 0.25; d > 1e-12 || d < -1e-12 {
			t.Errorf("share of %s = %v; want 0.25", c.Endpoint, c.Share)
		}
	}
}
