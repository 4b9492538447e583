package kubeproxy

import (
	"flag"
	"net/netip"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/kubeproxy")

// TestGolden renders the shared scenarios (filter then nat, as kube-proxy
// restores them) and compares with testdata/kubeproxy/*.golden; -update
// rewrites them.
func TestGolden(t *testing.T) {
	tests := []struct {
		name, in, golden string
		node             func(*Config)
	}{
		{name: "cluster", in: "cluster.yaml", golden: "cluster.golden"},
		{name: "manifests", in: "manifests.yaml", golden: "manifests.golden", node: func(c *Config) {
			c.Node = "node-a"
			c.NodeIPs = []netip.Addr{netip.MustParseAddr("198.51.100.10")}
			c.ClusterCIDR = netip.MustParsePrefix("10.244.0.0/16")
		}},
		{name: "ipv6", in: "ipv6.yaml", golden: "ipv6.golden"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := mustParseFile(t, tt.in)
			if tt.node != nil {
				tt.node(cfg)
			}
			var b strings.Builder
			if _, err := Render(cfg).WriteTo(&b); err != nil {
				t.Fatal(err)
			}
			if *update {
				if err := os.WriteFile(fixture(tt.golden), []byte(b.String()), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(fixture(tt.golden))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(string(want), b.String()); diff != "" {
				t.Errorf("Render(%s) differs from %s (-want +got):\n%s", tt.in, tt.golden, diff)
			}
		})
	}
}
