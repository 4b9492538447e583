package kubeproxy

import (
	"errors"
	"net/netip"
	"os"
	"strings"
	"testing"

	"github.com/netcalc/netcalc/netcalc/netfilter"

	"github.com/netcalc/netcalc/netcalc/packet"
)

// FuzzParse feeds arbitrary bytes to Parse: it must never panic, every
// error must be a *ParseError whose line lies inside the input, and
// anything it accepts must render and trace.
func FuzzParse(f *testing.F) {
	for _, name := range []string{"cluster.yaml", "manifests.yaml", "upstream-overall.yaml", "ipv6.yaml"} {
		if data, err := os.ReadFile(fixture(name)); err == nil {
			f.Add(data) // the real fixtures: every feature at once
		}
	}
	f.Add([]byte("services:\n\t- name: web\n"))                                                            // tab indentation
	f.Add([]byte("---\n---\n"))                                                                            // only separators: empty documents
	f.Add([]byte("services: [{name: a, clusterIP: None, ports: [{port: 1}]}]"))                            // headless, flow style
	f.Add([]byte("a: &x [*x]\n"))                                                                          // recursive alias
	f.Add([]byte("kind: List\nitems: [{kind: Service}, 3]\n"))                                             // List with junk items
	f.Add([]byte("services:\n- name: w\n  clusterIP: 1.2.3.4\n  ports: [{port: 99999999999999999999}]\n")) // integer overflow
	f.Add([]byte("kind: EndpointSlice\nmetadata: {labels: {kubernetes.io/service-name: s}}\nendpoints: [{addresses: []}]\n"))
	f.Add([]byte("services:\n- name: w\n  clusterIP: \"::ffff:10.0.0.1\"\n  ports: [{port: 80}]\n  endpoints: [{ip: \"fe80::1%eth0\"}]\n")) // 4in6 and a zone
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := Parse(data, "f.yaml")
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("Parse error %v (%T) is not a *ParseError", err, err)
			}
			if lines := strings.Count(string(data), "\n") + 1; pe.Line < 0 || pe.Line > lines {
				t.Fatalf("Parse error line %d outside the input's %d lines: %v", pe.Line, lines, err)
			}
			if !strings.HasPrefix(err.Error(), "kubeproxy: f.yaml") {
				t.Fatalf("error %q does not name the file", err)
			}
			return
		}
		rs := Render(cfg)
		tr := NewTracer(rs, 1)
		for _, s := range cfg.Services {
			for _, p := range s.Ports {
				if s.ClusterIP.IsValid() {
					tr.Trace(packet.Tuple{Src: netip.AddrPortFrom(s.ClusterIP, 1), Dst: netip.AddrPortFrom(s.ClusterIP, uint16(p.Port)), Protocol: p.Protocol})
				}
			}
		}
	})
}

// FuzzReadIPTablesSave feeds arbitrary bytes to ReadIPTablesSave: it must
// never panic, an error is a *netfilter.ParseError or ErrNoKubeProxyRules,
// and an accepted dump must trace (a packet to every -d address of
// KUBE-SERVICES) without panicking.
func FuzzReadIPTablesSave(f *testing.F) {
	if data, err := os.ReadFile(fixture("node-a.iptables-save")); err == nil {
		f.Add(data) // a whole node: foreign chains, policies, counters
	}
	f.Add([]byte("*nat\n:KUBE-SERVICES - [0:0]\nCOMMIT\n"))                                                                                              // kube-proxy chain, no built-in chains
	f.Add([]byte("*nat\n:PREROUTING ACCEPT [0:0]\n:KUBE-SERVICES - [0:0]\n-A PREROUTING -j KUBE-SERVICES\n-A KUBE-SERVICES -j KUBE-SERVICES\nCOMMIT\n")) // a loop
	f.Add([]byte("*nat\n:KUBE-SERVICES - [0:0]\n:KUBE-SVC-X - [0:0]\n-A KUBE-SVC-X -m statistic --mode random --probability 2 -j KUBE-SEP-Y\nCOMMIT\n")) // jump to a missing chain, odd probability
	f.Add([]byte("*nat\n:KUBE-SERVICES - [0:0]\n:KUBE-SEP-Y - [0:0]\n-A KUBE-SEP-Y -p tcp -j DNAT --to-destination\nCOMMIT\n"))                          // DNAT without an address
	f.Fuzz(func(t *testing.T, data []byte) {
		rs, err := ReadIPTablesSave(strings.NewReader(string(data)), &Config{NodeIPs: []netip.Addr{netip.MustParseAddr("198.51.100.10")}})
		if err != nil {
			var pe *netfilter.ParseError
			if !errors.As(err, &pe) && !errors.Is(err, ErrNoKubeProxyRules) {
				t.Fatalf("ReadIPTablesSave error %v (%T) is neither a *netfilter.ParseError nor ErrNoKubeProxyRules", err, err)
			}
			return
		}
		tr := NewTracer(rs, 1)
		for _, r := range rs.NAT.Rules(ChainServices) {
			_, rest, ok := strings.Cut(r.Text, " -d ")
			if !ok {
				continue
			}
			a, _, _ := strings.Cut(rest, " ")
			a, _, _ = strings.Cut(a, "/")
			if ip, err := netip.ParseAddr(a); err == nil {
				tr.Trace(packet.Tuple{Src: netip.MustParseAddrPort("203.0.113.9:40000"), Dst: netip.AddrPortFrom(ip, 80), Protocol: packet.TCP})
			}
		}
	})
}
