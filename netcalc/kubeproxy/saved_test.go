package kubeproxy

import (
	"errors"
	"io"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/netcalc/netcalc/netcalc/netfilter"

	"github.com/netcalc/netcalc/netcalc/packet"
)

// TestIPTablesSaveAgreesWithManifest traces packets through the dump of
// node-a's rules (node-a.iptables-save: the rules of cluster.yaml as
// iptables-save prints them on a node, with the built-in chains, other
// software's rules and counters) and through the manifest, and checks
// that both say the same: verdict, endpoint, choices, masquerade and
// conntrack entry. (Shares and probabilities agree to 1e-9:
// the dump holds the probabilities as printed.)
func TestIPTablesSaveAgreesWithManifest(t *testing.T) {
	f, err := os.Open(fixture("node-a.iptables-save"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	checkSavedAgrees(t, f)
}

// checkSavedAgrees reads a dump of cluster.yaml's rules on node-a and
// compares traces through it with traces through the manifest.
func checkSavedAgrees(t *testing.T, dump io.Reader) {
	t.Helper()
	cfg := mustParseFile(t, "cluster.yaml")
	node := &Config{NodeIPs: cfg.NodeIPs, BridgeIP: cfg.BridgeIP}
	saved, err := ReadIPTablesSave(dump, node)
	if err != nil {
		t.Fatal(err)
	}
	if got := saved.cfg.ClusterCIDR; got != cfg.ClusterCIDR {
		t.Errorf("cluster CIDR read from the dump = %s; want %s", got, cfg.ClusterCIDR)
	}
	tests := []struct {
		name, src, dst string
		proto          packet.Protocol
	}{
		{"pod to ClusterIP", "10.244.1.7:40000", "10.96.12.34:80", packet.TCP},
		{"off-cluster to ClusterIP", "198.51.100.77:40000", "10.96.12.34:80", packet.TCP},
		{"external to NodePort", "203.0.113.9:51000", "198.51.100.10:30080", packet.TCP},
		{"node to NodePort on localhost", "127.0.0.1:41000", "127.0.0.1:30080", packet.TCP},
		{"external to load balancer, Local policy", "203.0.113.9:51000", "203.0.113.50:80", packet.TCP},
		{"no endpoints", "10.244.1.7:40000", "10.96.30.3:5432", packet.TCP},
		{"DNS over UDP", "10.244.1.7:40000", "10.96.0.10:53", packet.UDP},
		{"not a Service", "10.244.1.7:40000", "10.96.99.99:80", packet.TCP},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := packet.Tuple{Src: netip.MustParseAddrPort(tt.src), Dst: netip.MustParseAddrPort(tt.dst), Protocol: tt.proto}
			want := NewTracer(Render(cfg), 7).Trace(p)
			got := NewTracer(saved, 7).Trace(p)
			type choice struct {
				Endpoint, Chain   string
				Share, Probabilty float64
			}
			type view struct {
				Verdict, Service, Chain, Conntrack string
				Endpoint, SNAT                     string
				Masquerade                         bool
				Choices                            []choice
			}
			v := func(r TraceResult) view {
				var cs []choice
				for _, c := range r.Choices {
					// The kernel stores a probability in 31 bits, so the real
					// iptables-save prints 0.33333333349 for 0.3333333333.
					p, _ := strconv.ParseFloat(c.RuleProbability, 64)
					cs = append(cs, choice{c.Endpoint, c.Chain, c.Share, p})
				}
				return view{r.Verdict, r.Service, r.Chain, r.ConntrackLine(), r.Endpoint.String(), r.SNAT.String(), r.Masquerade, cs}
			}
			wv := v(want)
			if want.SNAT.Addr() == cfg.BridgeIP {
				// The dump does not say which endpoints of a KUBE-SVC-
				// chain are on this node (only KUBE-SVL- chains do), so
				// MASQUERADE's source is the node address, not cni0's.
				node := netip.AddrPortFrom(cfg.NodeIPs[0], want.SNAT.Port())
				wv.SNAT = node.String()
				wv.Conntrack = strings.Replace(wv.Conntrack, "dst="+cfg.BridgeIP.String()+" ", "dst="+cfg.NodeIPs[0].String()+" ", 1)
			}
			if diff := cmp.Diff(wv, v(got), cmpopts.EquateApprox(0, 1e-9)); diff != "" {
				t.Errorf("trace through the dump differs from the manifest's (-manifest +dump):\n%s\ndump steps:\n%s", diff, dumpSteps(got))
			}
		})
	}
}

// TestIPTablesSaveRefuses checks the dump errors: a line that is not
// iptables-save output (with its number), and a dump without kube-proxy.
func TestIPTablesSaveRefuses(t *testing.T) {
	_, err := ReadIPTablesSave(strings.NewReader("*nat\n:PREROUTING ACCEPT [0:0]\nnot a rule\nCOMMIT\n"), nil)
	var pe *netfilter.ParseError
	if !errors.As(err, &pe) || pe.Line != 3 {
		t.Errorf("ReadIPTablesSave(bad line 3) error = %v; want a *netfilter.ParseError on line 3", err)
	}
	_, err = ReadIPTablesSave(strings.NewReader("*nat\n:PREROUTING ACCEPT [0:0]\nCOMMIT\n"), nil)
	if !errors.Is(err, ErrNoKubeProxyRules) {
		t.Errorf("ReadIPTablesSave(no KUBE-SERVICES) error = %v; want ErrNoKubeProxyRules", err)
	}
}
