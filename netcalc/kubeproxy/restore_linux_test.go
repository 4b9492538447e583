//go:build linux

package kubeproxy

import (
	"bytes"
	"fmt"
	"net/netip"
	"os/exec"
	"sort"
	"strings"
	"testing"

	"github.com/netcalc/netcalc/internal/testlab"
)

// TestIPTablesRestore is the kernel's opinion of the rendered text: it
// loads each scenario with iptables-restore (ip6tables-restore for IPv6)
// into a network namespace the test creates and deletes (its name unique
// to the run: internal/testlab), reads it back with iptables-save and
// checks that every chain exists and holds the same number of rules per
// jump target. It needs root, `ip` and iptables; it sends no packets.
func TestIPTablesRestore(t *testing.T) {
	for _, tool := range []string{"ip", "iptables-restore", "iptables-save", "ip6tables-restore", "ip6tables-save"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed (Debian package iptables / iproute2)", tool)
		}
	}
	ns := testlab.New(t).NS("restore")

	tests := []struct {
		name string
		file string
		node func(*Config)
	}{
		{name: "cluster", file: "cluster.yaml"},
		{name: "manifests", file: "manifests.yaml", node: func(c *Config) {
			c.Node, c.ClusterCIDR = "node-a", netip.MustParsePrefix("10.244.0.0/16")
		}},
		{name: "ipv6", file: "ipv6.yaml"},
		{name: "upstream without nfacct", file: "upstream-overall.yaml", node: func(c *Config) { c.NFAcctInvalid, c.NFAcctLocalhost = false, false }},
		{name: "upstream bad IPs without nfacct", file: "upstream-bad-ips.yaml", node: func(c *Config) { c.NFAcctInvalid, c.NFAcctLocalhost = false, false }},
		{name: "nodeport addresses, tcp_be_liberal, 1.36", file: "cluster.yaml", node: func(c *Config) {
			c.NodePortAddresses, c.ConntrackTCPBeLiberal, c.KubeVersion = []string{"primary", "127.0.0.0/8"}, true, "1.36"
		}},
		{name: "kubectl List with zone hints", file: "kubectl-list.yaml", node: func(c *Config) {
			c.Node, c.Zone, c.ClusterCIDR = "node-a", "zone-a", netip.MustParsePrefix("10.244.0.0/16")
		}},
		{name: "large cluster", node: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var cfg *Config
			if tt.file == "" {
				cfg = bigConfig(150, 10) // 1500 endpoints: no per-endpoint comments
			} else {
				cfg = mustParseFile(t, tt.file)
			}
			if tt.node != nil {
				tt.node(cfg)
			}
			rs := Render(cfg)
			var in bytes.Buffer
			rs.WriteTo(&in)
			restore, save := "iptables-restore", "iptables-save"
			if cfg.IPv6 {
				restore, save = "ip6tables-restore", "ip6tables-save"
			}
			cmd := exec.Command("ip", "netns", "exec", ns, restore, "-w", "5")
			cmd.Stdin = &in
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("%s rejected the rules: %v\n%s", restore, err, out)
			}
			for _, tb := range []*Table{rs.Filter, rs.NAT} {
				out, err := exec.Command("ip", "netns", "exec", ns, save, "-t", tb.Name).Output()
				if err != nil {
					t.Fatalf("%s -t %s: %v", save, tb.Name, err)
				}
				got := summarize(string(out))
				want := map[string]int{}
				for _, c := range tb.Chains() {
					want[":"+c]++
					for _, r := range tb.Rules(c) {
						want[c+" -j "+r.Target]++
					}
				}
				if g, w := keys(got), keys(want); g != w {
					t.Errorf("%s table after restore/save:\n got %s\nwant %s", tb.Name, g, w)
				}
			}
		})
	}
}

// summarize counts the KUBE- chains and (chain, target) pairs of
// iptables-save output.
func summarize(save string) map[string]int {
	m := map[string]int{}
	for _, l := range strings.Split(save, "\n") {
		f := strings.Fields(l)
		switch {
		case len(f) > 0 && strings.HasPrefix(f[0], ":KUBE-"):
			m[f[0]]++
		case len(f) > 1 && f[0] == "-A" && strings.HasPrefix(f[1], "KUBE-"):
			target := ""
			for i := 2; i+1 < len(f); i++ {
				if f[i] == "-j" {
					target = f[i+1]
				}
			}
			m[f[1]+" -j "+target]++
		}
	}
	return m
}

func keys(m map[string]int) string {
	var s []string
	for k, v := range m {
		s = append(s, fmt.Sprintf("%s×%d", k, v))
	}
	sort.Strings(s)
	return strings.Join(s, ", ")
}
