package kubeproxy

import (
	"bytes"
	"fmt"
	"io"
	"net/netip"
	"testing"

	"github.com/netcalc/netcalc/netcalc/packet"
)

// bigConfig builds nSvc ClusterIP Services with nEp ready endpoints each,
// spread over 50 nodes.
func bigConfig(nSvc, nEp int) *Config {
	cfg := &Config{Node: "node-0", NodeIPs: []netip.Addr{netip.MustParseAddr("198.51.100.10")},
		ClusterCIDR: netip.MustParsePrefix("10.0.0.0/8")}
	cfg.Services = make([]Service, nSvc)
	for i := range cfg.Services {
		s := &cfg.Services[i]
		*s = Service{Namespace: fmt.Sprintf("ns%d", i%100), Name: fmt.Sprintf("svc%d", i), Type: ClusterIP,
			ClusterIP: netip.AddrFrom4([4]byte{172, 30, byte(i >> 8), byte(i)}),
			Ports:     []ServicePort{{Name: "http", Protocol: packet.TCP, Port: 80, TargetPort: 8080}}}
		s.Endpoints = make([]Endpoint, nEp)
		ports := map[string]int{"http": 8080}
		for j := range s.Endpoints {
			k := i*nEp + j
			s.Endpoints[j] = Endpoint{IP: netip.AddrFrom4([4]byte{10, byte(k >> 16), byte(k >> 8), byte(k)}), Ports: ports,
				Node: fmt.Sprintf("node-%d", k%50), Ready: true, Serving: true}
		}
	}
	return cfg
}

// BenchmarkRender10kServices renders and writes the rules for 10,000
// Services × 10 endpoints (100,000 endpoints: kube-proxy's large-cluster
// mode, no per-endpoint comments). The target is under 2 s per op.
func BenchmarkRender10kServices(b *testing.B) {
	cfg := bigConfig(10000, 10)
	b.ReportAllocs()
	rules := 0
	for b.Loop() {
		rs := Render(cfg)
		if _, err := rs.WriteTo(io.Discard); err != nil {
			b.Fatal(err)
		}
		rules = rs.NAT.NumRules() + rs.Filter.NumRules()
	}
	b.ReportMetric(float64(rules), "rules")
}

// bigYAML is the scenario bench/compare.d/kubeproxy.sh writes: bigConfig's
// Services in netcalc's own format.
func bigYAML(nSvc, nEp int) []byte {
	var b bytes.Buffer
	b.WriteString("node: node-0\nnodeIPs: [198.51.100.10]\nclusterCIDR: 10.0.0.0/8\nservices:\n")
	for i := range nSvc {
		fmt.Fprintf(&b, "- namespace: ns%d\n  name: svc%d\n  clusterIP: 172.30.%d.%d\n", i%100, i, i>>8&255, i&255)
		b.WriteString("  ports:\n  - {name: http, port: 80, targetPort: 8080}\n  endpoints:\n")
		for j := range nEp {
			k := i*nEp + j
			fmt.Fprintf(&b, "  - {ip: 10.%d.%d.%d, node: node-%d}\n", k>>16&255, k>>8&255, k&255, k%50)
		}
	}
	return b.Bytes()
}

// BenchmarkRules10kFromYAML is `kube-proxy rules --table all` in process:
// Parse of the 5 MB scenario, Render and WriteTo, for 10,000 Services x 10
// endpoints (issue 18's end-to-end target is 0.5 s for the CLI).
func BenchmarkRules10kFromYAML(b *testing.B) {
	data := bigYAML(10000, 10)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		cfg, err := Parse(data, "big.yaml")
		if err != nil {
			b.Fatal(err)
		}
		if _, err := Render(cfg).WriteTo(io.Discard); err != nil {
			b.Fatal(err)
		}
	}
}

func TestRenderLarge(t *testing.T) {
	if testing.Short() {
		t.Skip("large render skipped in -short mode")
	}
	rs := Render(bigConfig(200, 10)) // 2000 endpoints: large-cluster mode
	for _, r := range rs.NAT.Rules(ServiceChain("ns0/svc0:http", "tcp")) {
		if r.Target != ChainMarkMasq && r.comment != "" {
			t.Errorf("large-cluster rule keeps its comment: %s", r.Text)
		}
	}
	small := Render(bigConfig(100, 10)) // exactly 1000: not large
	if rs := small.NAT.Rules(ServiceChain("ns0/svc0:http", "tcp")); rs[len(rs)-1].comment == "" {
		t.Errorf("1000 endpoints lost comments; want large-cluster mode only above 1000")
	}
}

// TestRenderSlabSized checks that a small config does not get a 4,096-Rule
// slab (about 450 KB for a handful of rules), and that a large one still
// renders every rule.
func TestRenderSlabSized(t *testing.T) {
	rs := Render(bigConfig(2, 2))
	used := rs.NAT.NumRules() + rs.Filter.NumRules()
	if rs.slabRules > 200 {
		t.Errorf("Render of 2 Services x 2 endpoints (%d rules) allocated slabs of %d Rules", used, rs.slabRules)
	}
	big := Render(bigConfig(2000, 10))
	if n := big.NAT.NumRules() + big.Filter.NumRules(); n < 2000*10*3 {
		t.Errorf("2000 Services x 10 endpoints: %d rules", n)
	}
}
