package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/netcalc/netcalc/netcalc/kubeproxy"
)

// runKubeProxy runs one netcalc command line in-process, as on a
// terminal but without colour, and returns its output and exit status.
func runKubeProxy(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	env := NewEnv(strings.NewReader(""), &out, &errb, func(string) string { return "" })
	code = Run(context.Background(), env, args)
	return out.String(), errb.String(), code
}

var (
	nftOverall   = filepath.Join("..", "..", "testdata", "kubeproxy", "nft", "overall.yaml")
	upstreamNFT  = []string{"--mode", "nftables", "--service-cidr", "172.30.0.0/16", "--nodeport-addresses", "192.168.0.2/32", "--nftables-localhost-nodeports"}
	nftTraceArgs = slices.Clip(append([]string{"kube-proxy", "trace", nftOverall}, upstreamNFT...))
)

func TestKubeProxyRulesNFT(t *testing.T) {
	data, err := os.ReadFile(nftOverall)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := kubeproxy.Parse(data, "overall.yaml")
	if err != nil {
		t.Fatal(err)
	}
	opt := kubeproxy.NFTOptions{ServiceCIDRs: []netip.Prefix{netip.MustParsePrefix("172.30.0.0/16")},
		NodePortAddresses: []netip.Prefix{netip.MustParsePrefix("192.168.0.2/32")}, LocalhostNodePortReject: true}
	out, _, code := runKubeProxy(t, append([]string{"kube-proxy", "rules", nftOverall}, upstreamNFT...)...)
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	if want := kubeproxy.RenderNFT(cfg, opt).String(); out != want {
		t.Errorf("text output differs from RenderNFT:\n%s", out)
	}
	lines := strings.Split(out, "\n")
	if lines[0] != `add table ip kube-proxy { comment "rules for kube-proxy" ; }` {
		t.Errorf("first line %q; want the table", lines[0])
	}
	for _, want := range []string{
		"add rule ip kube-proxy cluster-ips-check ip daddr { 172.30.0.0/16 } drop comment \"Drop traffic to unallocated ClusterIPs\"",
		"add element ip kube-proxy service-ips { 172.30.0.41 . tcp . 80 : goto service-ULMVA6XW-ns1/svc1/tcp/p80 }",
		"add element ip kube-proxy localhost-nodeport-reject-ports { tcp . 3001 : goto localhost-nodeport-reject-tcp }",
	} {
		if !strings.Contains(out, want+"\n") {
			t.Errorf("output lacks %q", want)
		}
	}

	out, _, _ = runKubeProxy(t, append([]string{"-o", "json", "kube-proxy", "rules", nftOverall}, upstreamNFT...)...)
	var j struct {
		Version string                `json:"kube_proxy_version"`
		Family  string                `json:"family"`
		Objects []kubeproxy.NFTObject `json:"objects"`
		Ports   []kubeproxy.NFTPort   `json:"ports"`
	}
	if err := json.Unmarshal([]byte(out), &j); err != nil {
		t.Fatalf("JSON: %v\n%s", err, out)
	}
	if j.Family != "ip" || j.Version != kubeproxy.NFTVersion || len(j.Objects) != len(lines)-1 || len(j.Ports) != 6 {
		t.Errorf("JSON family %q version %q, %d objects for %d lines, %d ports", j.Family, j.Version, len(j.Objects), len(lines)-1, len(j.Ports))
	}
}

func TestKubeProxyNFTFlags(t *testing.T) {
	for _, tt := range []struct {
		name string
		args []string
		err  string
	}{
		{name: "bad service CIDR", args: []string{"--mode", "nftables", "--service-cidr", "10.96.0.0"}, err: `--service-cidr: "10.96.0.0" is not a CIDR prefix`},
		{name: "bad nodeport address", args: []string{"--nodeport-addresses", "primary/8"}, err: `--nodeport-addresses: "primary/8" is not a CIDR prefix`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, stderr, code := runKubeProxy(t, append([]string{"kube-proxy", "rules", nftOverall}, tt.args...)...)
			if !strings.Contains(stderr, tt.err) || code != ExitUsage {
				t.Errorf("stderr %q, exit %d; want bad input %q", stderr, code, tt.err)
			}
		})
	}
}

func TestKubeProxyTraceNFT(t *testing.T) {
	for _, tt := range []struct {
		name, src, dst string
		fail           bool
		want           []string
	}{
		{name: "off-cluster ClusterIP", src: "203.0.113.9:5000", dst: "172.30.0.41:80", want: []string{
			"packet     tcp 203.0.113.9:5000 -> 172.30.0.41:80 (first packet, prerouting path, table ip kube-proxy)",
			"service    ns1/svc1:p80",
			"chain nat-prerouting  (prerouting, DNAT (priority -100))",
			"lookup: @service-ips { 172.30.0.41 . tcp . 80 }: -> goto service-ULMVA6XW-ns1/svc1/tcp/p80",
			"verdict    DNAT to 10.180.0.1:80",
			"masquerade yes (masquerade fully-random), source becomes 192.168.0.2:",
			"why: services: source 203.0.113.9 is outside the cluster CIDR 10.0.0.0/8",
			"conntrack  tcp      6 120 SYN_SENT src=203.0.113.9 dst=172.30.0.41 sport=5000 dport=80 [UNREPLIED] src=10.180.0.1 dst=192.168.0.2 sport=80 dport=",
		}},
		{name: "numgen", src: "10.0.1.5", dst: "172.30.0.44:80", want: []string{
			"numgen random mod 2 drew ",
			"balanced by service-LAUZTJTB-ns4/svc4/tcp/p80 (numgen random mod 2, each new connection independently):",
			"10.180.0.4:80",
			"masquerade no",
		}},
		{name: "no endpoints", src: "10.0.1.5", dst: "172.30.0.46:80", fail: true, want: []string{
			"lookup: @no-endpoint-services { 172.30.0.46 . tcp . 80 }: -> goto reject-chain",
			"verdict    REJECT",
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			out, _, code := runKubeProxy(t, append(nftTraceArgs, "--src", tt.src, "--dst", tt.dst)...)
			if want := map[bool]int{false: 0, true: ExitFail}[tt.fail]; code != want {
				t.Errorf("exit %d; want %d", code, want)
			}
			if n := strings.Count(out, "match: meta l4proto tcp dnat ip addr . port to numgen"); n > 1 {
				t.Errorf("the numgen rule is printed %d times:\n%s", n, out)
			}
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
		})
	}

	// --connections: the distribution over the two endpoints.
	out, _, code := runKubeProxy(t, append(append([]string{"-o", "json"}, nftTraceArgs...), "--src", "10.0.1.5:1024", "--dst", "172.30.0.44:80", "--connections", "2000", "--seed", "5")...)
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	var d kubeproxy.Distribution
	if err := json.Unmarshal([]byte(out), &d); err != nil {
		t.Fatal(err)
	}
	if len(d.Shares) != 2 || d.Shares[0].Expected != 0.5 || d.Shares[0].Count+d.Shares[1].Count != 2000 || d.Service != "ns4/svc4:p80" {
		t.Errorf("distribution %+v", d)
	}
}

// TestKubeProxyTraceNFTAffinityDistribution: with ClientIP affinity every
// connection of --connections sticks to one endpoint, said in nftables
// terms.
func TestKubeProxyTraceNFTAffinityDistribution(t *testing.T) {
	out, _, code := runKubeProxy(t, append(nftTraceArgs, "--src", "203.0.113.5:1024", "--dst", "5.6.7.8:80", "--connections", "50")...)
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{"ns5/svc5:p80: 50 connections from 203.0.113.5, seed 1", "masqueraded: 50 of 50", "in the endpoint's affinity set"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}
