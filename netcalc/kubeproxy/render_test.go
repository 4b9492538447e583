package kubeproxy

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"sort"
	"strings"
	"testing"

	"github.com/netcalc/netcalc/netcalc/packet"
)

// TestRenderPartsAgree renders random configs (every Service type and
// policy, affinity, topology hints, terminating endpoints, duplicate
// Service names and endpoints, both families, sizes around the
// large-cluster threshold) in one goroutine and split over 2, 3 and 7
// parts, and checks that the tables (chains, every rule with its parsed
// fields, the chains a config names but does not declare), Ports and
// Notes are the same. One goroutine is what the golden files check.
func TestRenderPartsAgree(t *testing.T) {
	sizes := [][2]int{{0, 0}, {1, 1}, {3, 2}, {12, 4}, {25, 3}, {40, 6}, {120, 3}, {400, 3}}
	for i, sz := range sizes {
		cfg := randomConfig(rand.New(rand.NewPCG(uint64(i), 7)), sz[0], sz[1])
		one := render(cfg, 1, 0)
		want := dumpRuleset(one)
		// WriteTo writes a chain's lines at once when they are one run in
		// memory: the same as rule by rule.
		runs := 0
		for _, tb := range []*Table{one.Filter, one.NAT} {
			for _, l := range tb.lines {
				if l != "" {
					runs++
				}
			}
			fast := tb.String()
			tb.lines = nil
			if slow := tb.String(); fast != slow {
				t.Errorf("config %d: %s table written by runs differs from rule by rule:\n%s", i, tb.Name, firstDiff(slow, fast))
			}
		}
		if sz[0] > 0 && runs == 0 {
			t.Errorf("config %d: no chain written as one run", i)
		}
		for _, n := range []int{2, 3, 7} {
			if got := dumpRuleset(render(cfg, n, 0)); got != want {
				t.Errorf("config %d (%d Services): %d parts differ from one:\n%s", i, sz[0], n, firstDiff(want, got))
			}
		}
	}
	// Below parallelEndpoints one part renders everything; above, the
	// ports are split evenly.
	for _, tt := range []struct{ svcs, want int }{{100, 1}, {1000, 2}} {
		rs := &Ruleset{cfg: bigConfig(tt.svcs, 10)}
		parts := splitPorts(rs, newPart(rs, nil).servicePorts(), 2, parallelEndpoints)
		if len(parts) != tt.want || len(parts[0].ports) != tt.svcs/tt.want {
			t.Errorf("%d Services x 10 endpoints: %d parts, the first of %d ports; want %d parts of %d", tt.svcs, len(parts), len(parts[0].ports), tt.want, tt.svcs/tt.want)
		}
	}
}

// firstDiff returns the first line where a and b differ, with its number.
func firstDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := range min(len(al), len(bl)) {
		if al[i] != bl[i] {
			return fmt.Sprintf("line %d:\n  want %s\n  got  %s", i+1, al[i], bl[i])
		}
	}
	return fmt.Sprintf("want %d lines, got %d", len(al), len(bl))
}

// randomConfig makes nSvc random Services with up to maxEp endpoints each.
func randomConfig(r *rand.Rand, nSvc, maxEp int) *Config {
	v6 := r.IntN(5) == 0
	addr := func(net4 byte, i int) netip.Addr {
		if v6 {
			return netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, net4, 0, 0, 0, 0, 0, 0, 0, 0, byte(i >> 16), byte(i >> 8), byte(i)})
		}
		return netip.AddrFrom4([4]byte{net4, byte(i >> 16), byte(i >> 8), byte(i)})
	}
	cfg := &Config{Node: fmt.Sprintf("node-%d", r.IntN(3)), IPv6: v6, Zone: []string{"", "z1", "z2"}[r.IntN(3)]}
	cfg.NodeIPs = []netip.Addr{addr(198, 10)}
	if r.IntN(4) > 0 {
		if v6 {
			cfg.ClusterCIDR = netip.MustParsePrefix("2001:db8:a::/48")
		} else {
			cfg.ClusterCIDR = netip.MustParsePrefix("10.0.0.0/8")
		}
	}
	cfg.MasqueradeAll = r.IntN(6) == 0
	cfg.LocalhostNodePorts = r.IntN(2) == 0
	cfg.NFAcctInvalid = r.IntN(3) == 0
	cfg.NFAcctLocalhost = r.IntN(3) == 0
	cfg.RandomFully = r.IntN(2) == 0
	cfg.ConntrackTCPBeLiberal = r.IntN(4) == 0
	cfg.KubeVersion = []string{"", "1.28", "1.33", "1.36"}[r.IntN(4)]
	switch r.IntN(5) {
	case 0:
		cfg.NodePortAddresses = []string{"primary"}
	case 1:
		cfg.NodePortAddresses = []string{"127.0.0.0/8", "198.0.0.0/8"}
	case 2:
		cfg.NodePortAddresses = []string{"0.0.0.0/0"}
	}
	if r.IntN(5) == 0 {
		cfg.MasqueradeBit = r.IntN(33)
	}
	for i := 0; i < nSvc; i++ {
		s := Service{Namespace: fmt.Sprintf("ns%d", r.IntN(5)), Name: fmt.Sprintf("svc%d", r.IntN(nSvc*2+1)),
			Type: []ServiceType{ClusterIP, NodePort, LoadBalancer}[r.IntN(3)]}
		if r.IntN(15) > 0 {
			s.ClusterIP = addr(172, i+1)
		}
		if r.IntN(10) == 0 {
			s.ClusterIP = netip.AddrFrom4([4]byte{172, 31, byte(i >> 8), byte(i)})
			s.ClusterIPs = []netip.Addr{s.ClusterIP, netip.AddrFrom16([16]byte{0x20, 1, 0xd, 0xb8, 172, 31, 15: byte(i)})}
		}
		if r.IntN(4) == 0 {
			s.ExternalIPs = []netip.Addr{addr(203, i), netip.AddrFrom4([4]byte{203, 0, 113, byte(i)})}
		}
		if s.Type == LoadBalancer {
			s.LoadBalancerIPs = []netip.Addr{addr(203, 1000+i)}
			if r.IntN(2) == 0 {
				s.LoadBalancerProxyIPs = []netip.Addr{addr(203, 2000+i)}
			}
			if r.IntN(2) == 0 {
				s.LoadBalancerSourceRanges = []netip.Prefix{netip.PrefixFrom(addr(198, 0), 8), netip.PrefixFrom(addr(100, 0), 24)}
			}
			if r.IntN(2) == 0 {
				s.HealthCheckNodePort = 32000 + i
			}
		}
		if r.IntN(3) == 0 {
			s.SessionAffinity = AffinityClientIP
			s.SessionAffinityTimeout = r.IntN(3) * 100
		}
		s.ExternalTrafficPolicy = []TrafficPolicy{"", PolicyCluster, PolicyLocal}[r.IntN(3)]
		s.InternalTrafficPolicy = []TrafficPolicy{"", PolicyCluster, PolicyLocal}[r.IntN(3)]
		np := 1 + r.IntN(3)
		for j := 0; j < np; j++ {
			p := ServicePort{Name: []string{"", "http", "dns", "x"}[r.IntN(4)], Protocol: []packet.Protocol{packet.TCP, packet.UDP, packet.SCTP}[r.IntN(3)], Port: 80 + j}
			if s.Type != ClusterIP {
				p.NodePort = 30000 + i*3 + j
			}
			s.Ports = append(s.Ports, p)
		}
		ne := r.IntN(maxEp + 1)
		for j := 0; j < ne; j++ {
			e := Endpoint{IP: addr(10, r.IntN(nSvc*maxEp+5)), Node: fmt.Sprintf("node-%d", r.IntN(4)), Ports: map[string]int{}}
			if r.IntN(20) == 0 {
				e.IP = netip.AddrFrom4([4]byte{10, 9, 9, byte(j)})
			}
			for _, p := range s.Ports {
				if r.IntN(6) > 0 {
					e.Ports[p.Name] = 8000 + r.IntN(3)
				}
			}
			e.Ready = r.IntN(5) > 0
			e.Serving = e.Ready || r.IntN(2) == 0
			e.Terminating = !e.Ready && r.IntN(2) == 0
			if r.IntN(4) == 0 {
				e.ZoneHints = []string{[]string{"z1", "z2"}[r.IntN(2)]}
			}
			if r.IntN(4) == 0 {
				e.NodeHints = []string{fmt.Sprintf("node-%d", r.IntN(3))}
			}
			s.Endpoints = append(s.Endpoints, e)
		}
		cfg.Services = append(cfg.Services, s)
	}
	return cfg
}

// dumpRuleset writes everything Render returns: the tables as WriteTo
// writes them, every chain the rules map holds with each rule's fields,
// Ports as JSON and Notes.
func dumpRuleset(rs *Ruleset) string {
	var b strings.Builder
	rs.WriteTo(&b)
	for _, t := range []*Table{rs.Filter, rs.NAT} {
		fmt.Fprintf(&b, "== %s chains %q numrules %d\n", t.Name, t.Chains(), t.NumRules())
		var keys []string
		for k := range t.rules {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			rules := t.Rules(k)
			fmt.Fprintf(&b, "chain %s %d\n", k, len(rules))
			for _, r := range rules {
				fmt.Fprintf(&b, "  %q %q %q %q %v %v %q %q\n", r.Chain, r.Text, r.Target, r.comment, r.probability, r.recentCheck, r.masqReason, r.note)
			}
		}
	}
	j, _ := json.Marshal(rs.Ports)
	b.Write(j)
	fmt.Fprintf(&b, "\nnotes %+v\n", rs.Notes)
	return b.String()
}

// TestRenderChainOrder checks the chain order of a table large enough for
// the radix sort against the documented order, compared name by name:
// KUBE-NODEPORTS, KUBE-SERVICES, the other KUBE- chains, the rest, each
// group alphabetically and each chain once.
func TestRenderChainOrder(t *testing.T) {
	rank := func(c string) int {
		switch {
		case c == ChainNodePorts:
			return 0
		case c == ChainServices:
			return 1
		case strings.HasPrefix(c, "KUBE-"):
			return 2
		}
		return 3
	}
	for _, n := range []int{1, 2} {
		rs := render(bigConfig(3000, 3), n, 0)
		for _, tb := range []*Table{rs.Filter, rs.NAT} {
			cs := tb.Chains()
			for i := 1; i < len(cs); i++ {
				a, b := cs[i-1], cs[i]
				if ra, rb := rank(a), rank(b); ra > rb || ra == rb && a >= b {
					t.Fatalf("%d parts: %s chain %d %s comes after %s", n, tb.Name, i, b, a)
				}
			}
			if tb == rs.NAT && len(cs) != 3000*4+4 {
				t.Errorf("%d parts: %d nat chains; want %d (a KUBE-SVC- and 3 KUBE-SEP- a Service, 4 fixed)", n, len(cs), 3000*4+4)
			}
		}
	}
}
