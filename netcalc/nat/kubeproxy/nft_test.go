package kubeproxy

import (
	"net/netip"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// nftObjectOrder and sortNFT are kube-proxy's sortNFTablesTransaction
// (pkg/proxy/nftables/helpers_test.go, v1.37.2): the form in which its
// tests compare a transaction, blank and "#" lines dropped, objects sorted
// by kind, then name, rules kept in order.
var nftObjectOrder = map[string]int{"table": 10, "chain": 9, "rule": 8, "set": 7, "map": 6, "element": 5}

func sortNFT(tx string) string {
	var lines []string
	for _, l := range strings.Split(tx, "\n") {
		if l != "" && l[0] != '#' {
			lines = append(lines, l)
		}
	}
	sort.SliceStable(lines, func(i, j int) bool {
		wi, wj := strings.Split(lines[i], " "), strings.Split(lines[j], " ")
		if len(wi) < 5 || len(wj) < 5 {
			return false
		}
		if wi[1] != wj[1] {
			return nftObjectOrder[wi[1]] >= nftObjectOrder[wj[1]]
		}
		if wi[4] != wj[4] {
			return wi[4] < wj[4]
		}
		if wi[1] == "rule" {
			return false
		}
		return lines[i] < lines[j]
	})
	return strings.Join(lines, "\n")
}

func nftFixture(name string) string {
	return filepath.Join("..", "..", "..", "testdata", "kubeproxy", "nft", name)
}

func mustParseNFT(t testing.TB, name string) *Config {
	t.Helper()
	data, err := os.ReadFile(nftFixture(name))
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := Parse(data, name)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// upstreamNFTOptions are the settings of upstream's NewFakeProxier that
// the Config does not hold, with the localhost NodePort gate on as
// TestOverallNFTablesRules sets it.
func upstreamNFTOptions(v6 bool) NFTOptions {
	if v6 {
		return NFTOptions{ServiceCIDRs: []netip.Prefix{netip.MustParsePrefix("fd00:10:96::/112")},
			NodePortAddresses: []netip.Prefix{netip.MustParsePrefix("192.168.0.2/32"), netip.MustParsePrefix("2001:db8::1/128")}, LocalhostNodePortReject: true}
	}
	return NFTOptions{ServiceCIDRs: []netip.Prefix{netip.MustParsePrefix("172.30.0.0/16")},
		NodePortAddresses: []netip.Prefix{netip.MustParsePrefix("192.168.0.2/32"), netip.MustParsePrefix("2001:db8::1/128")}, LocalhostNodePortReject: true}
}

// TestUpstreamNFTOverall renders the Services of kube-proxy's
// TestOverallNFTablesRules and TestOverallNFTablesRulesIPv6 (v1.37.2) and
// compares with those tests' expected text, copied verbatim into
// testdata/kubeproxy/nft/overall*.nft (never rewritten), in the sorted
// form upstream compares.
func TestUpstreamNFTOverall(t *testing.T) {
	for _, tt := range []struct {
		in, want string
		v6       bool
	}{{"overall.yaml", "overall.nft", false}, {"overall-ipv6.yaml", "overall-ipv6.nft", true}} {
		t.Run(tt.in, func(t *testing.T) {
			cfg := mustParseNFT(t, tt.in)
			want, err := os.ReadFile(nftFixture(tt.want))
			if err != nil {
				t.Fatal(err)
			}
			got := RenderNFT(cfg, upstreamNFTOptions(tt.v6)).String()
			if diff := cmp.Diff(sortNFT(string(want)), sortNFT(got)); diff != "" {
				t.Errorf("RenderNFT(%s) differs from upstream %s (-upstream +netcalc):\n%s", tt.in, tt.want, diff)
			}
		})
	}
}
