package cli

import (
	"bytes"
	"encoding/json"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/netcalc/netcalc/netcalc/kubeproxy"
	"github.com/netcalc/netcalc/netcalc/packet"
)

// nftScenario parses a scenario of testdata/kubeproxy.
func nftScenario(t *testing.T, name string) *kubeproxy.Config {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "testdata", "kubeproxy", name))
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := kubeproxy.Parse(data, name)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// nftEnv returns an Env writing to out unbuffered, as on a terminal but
// without colour.
func nftEnv(json bool) (*Env, *bytes.Buffer) {
	var out bytes.Buffer
	env := NewEnv(strings.NewReader(""), &out, &bytes.Buffer{}, func(string) string { return "" })
	env.Out = nopFlusher{&out}
	if json {
		env.Output = "json"
	}
	return env, &out
}

var upstreamNFTFlags = kubeProxyNFTFlags{ServiceCIDRs: []string{"172.30.0.0/16"}, NodePortAddresses: []string{"192.168.0.2/32"}, LocalhostReject: true}

func TestKubeProxyRulesNFT(t *testing.T) {
	cfg := nftScenario(t, "nft/overall.yaml")
	opt, err := upstreamNFTFlags.options()
	if err != nil {
		t.Fatal(err)
	}
	env, out := nftEnv(false)
	if err := runKubeProxyRulesNFT(env, cfg, opt); err != nil {
		t.Fatal(err)
	}
	if want := kubeproxy.RenderNFT(cfg, opt).String(); out.String() != want {
		t.Errorf("text output differs from RenderNFT:\n%s", out)
	}
	lines := strings.Split(out.String(), "\n")
	if lines[0] != `add table ip kube-proxy { comment "rules for kube-proxy" ; }` {
		t.Errorf("first line %q; want the table", lines[0])
	}
	for _, want := range []string{
		"add rule ip kube-proxy cluster-ips-check ip daddr { 172.30.0.0/16 } drop comment \"Drop traffic to unallocated ClusterIPs\"",
		"add element ip kube-proxy service-ips { 172.30.0.41 . tcp . 80 : goto service-ULMVA6XW-ns1/svc1/tcp/p80 }",
		"add element ip kube-proxy localhost-nodeport-reject-ports { tcp . 3001 : goto localhost-nodeport-reject-tcp }",
	} {
		if !strings.Contains(out.String(), want+"\n") {
			t.Errorf("output lacks %q", want)
		}
	}

	env, out = nftEnv(true)
	if err := runKubeProxyRulesNFT(env, cfg, opt); err != nil {
		t.Fatal(err)
	}
	var j kubeProxyNFTJSON
	if err := json.Unmarshal(out.Bytes(), &j); err != nil {
		t.Fatalf("JSON: %v\n%s", err, out)
	}
	if j.Family != "ip" || j.Version != kubeproxy.NFTVersion || len(j.Objects) != len(lines)-1 || len(j.Ports) != 6 {
		t.Errorf("JSON family %q version %q, %d objects for %d lines, %d ports", j.Family, j.Version, len(j.Objects), len(lines)-1, len(j.Ports))
	}
}

func TestKubeProxyNFTFlags(t *testing.T) {
	for _, tt := range []struct {
		name string
		f    kubeProxyNFTFlags
		err  string
	}{
		{name: "bad service CIDR", f: kubeProxyNFTFlags{ServiceCIDRs: []string{"10.96.0.0"}}, err: `--service-cidr: "10.96.0.0" is not a CIDR prefix`},
		{name: "bad nodeport address", f: kubeProxyNFTFlags{NodePortAddresses: []string{"primary/8"}}, err: `--nodeport-addresses: "primary/8" is not a CIDR prefix`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.f.options()
			if err == nil || !strings.Contains(err.Error(), tt.err) || ExitCode(err, true) != ExitUsage {
				t.Errorf("options() = %v; want bad input %q", err, tt.err)
			}
		})
	}
	o, err := (&kubeProxyNFTFlags{ServiceCIDRs: []string{"10.96.1.0/16"}}).options()
	if err != nil || len(o.ServiceCIDRs) != 1 || o.ServiceCIDRs[0] != netip.MustParsePrefix("10.96.0.0/16") {
		t.Errorf("options() = %+v, %v; want 10.96.0.0/16", o, err)
	}
}

func TestKubeProxyTraceNFT(t *testing.T) {
	cfg := nftScenario(t, "nft/overall.yaml")
	opt, _ := upstreamNFTFlags.options()
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
			src, err := parseAddrPort("--src", tt.src, false)
			if err != nil {
				t.Fatal(err)
			}
			dst, _ := parseAddrPort("--dst", tt.dst, true)
			env, out := nftEnv(false)
			err = runKubeProxyTraceNFT(env, cfg, opt, kubeproxy.Packet{Src: src, Dst: dst, Proto: packet.TCP}, 1, 1)
			if (err != nil) != tt.fail || (tt.fail && ExitCode(err, true) != ExitFail) {
				t.Errorf("error %v; want failure %v", err, tt.fail)
			}
			if n := strings.Count(out.String(), "match: meta l4proto tcp dnat ip addr . port to numgen"); n > 1 {
				t.Errorf("the numgen rule is printed %d times:\n%s", n, out)
			}
			for _, w := range tt.want {
				if !strings.Contains(out.String(), w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
		})
	}

	// --connections: the distribution over the two endpoints.
	env, out := nftEnv(true)
	p := kubeproxy.Packet{Src: netip.MustParseAddrPort("10.0.1.5:1024"), Dst: netip.MustParseAddrPort("172.30.0.44:80"), Proto: packet.TCP}
	if err := runKubeProxyTraceNFT(env, cfg, opt, p, 2000, 5); err != nil {
		t.Fatal(err)
	}
	var d kubeproxy.Distribution
	if err := json.Unmarshal(out.Bytes(), &d); err != nil {
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
	cfg := nftScenario(t, "nft/overall.yaml")
	opt, _ := upstreamNFTFlags.options()
	env, out := nftEnv(false)
	p := kubeproxy.Packet{Src: netip.MustParseAddrPort("203.0.113.5:1024"), Dst: netip.MustParseAddrPort("5.6.7.8:80"), Proto: packet.TCP}
	if err := runKubeProxyTraceNFT(env, cfg, opt, p, 50, 1); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"ns5/svc5:p80: 50 connections from 203.0.113.5, seed 1", "masqueraded: 50 of 50", "in the endpoint's affinity set"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}
