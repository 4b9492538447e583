package kubeproxy

import (
	"errors"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/netcalc/netcalc/netcalc/packet"
)

// netipEqual compares netip values with ==.
var netipEqual = cmp.Options{cmp.Comparer(func(a, b netip.Addr) bool { return a == b }), cmp.Comparer(func(a, b netip.Prefix) bool { return a == b })}

// given returns a Given that reports the names listed.
func given(names ...string) func(string) bool {
	return func(n string) bool { return slices.Contains(names, n) }
}

func TestSettingsApply(t *testing.T) {
	base := func() *Config {
		return &Config{Node: "file", NodeIPs: []netip.Addr{netip.MustParseAddr("198.51.100.1")}, LocalhostNodePorts: true}
	}
	for _, tt := range []struct {
		name    string
		s       Settings
		want    func(*Config)
		setting string // the *SettingError expected, "" for none
	}{
		{name: "nothing given changes nothing", s: Settings{Node: "flag", MasqueradeAll: true}, want: func(*Config) {}},
		{name: "node and node IPs", s: Settings{Node: "flag", NodeIPs: []string{"198.51.100.9", "2001:db8::9"}, Given: given("node", "node-ip")},
			want: func(c *Config) {
				c.Node, c.NodeIPs = "flag", []netip.Addr{netip.MustParseAddr("198.51.100.9"), netip.MustParseAddr("2001:db8::9")}
			}},
		{name: "cluster CIDR is masked", s: Settings{ClusterCIDR: "10.244.7.1/16", Given: given("cluster-cidr")},
			want: func(c *Config) { c.ClusterCIDR = netip.MustParsePrefix("10.244.0.0/16") }},
		{name: "localhost NodePorts off", s: Settings{Given: given("localhost-nodeports")}, want: func(c *Config) { c.LocalhostNodePorts = false }},
		{name: "nodeport addresses", s: Settings{NodePortAddresses: []string{"primary", "198.51.100.7/24"}, Given: given("nodeport-addresses")},
			want: func(c *Config) { c.NodePortAddresses = []string{"primary", "198.51.100.0/24"} }},
		{name: "nfacct all", s: Settings{NFAcct: []string{"all"}, Given: given("nfacct")}, want: func(c *Config) { c.NFAcctInvalid, c.NFAcctLocalhost = true, true }},
		{name: "nfacct one", s: Settings{NFAcct: []string{NFAcctLocalhostCounter}, Given: given("nfacct")}, want: func(c *Config) { c.NFAcctLocalhost = true }},
		{name: "bad node IP", s: Settings{NodeIPs: []string{"198.51.100"}, Given: given("node-ip")}, setting: "node-ip"},
		{name: "bad bridge IP", s: Settings{BridgeIP: "x", Given: given("bridge-ip")}, setting: "bridge-ip"},
		{name: "bad cluster CIDR", s: Settings{ClusterCIDR: "10.244.0.0", Given: given("cluster-cidr")}, setting: "cluster-cidr"},
		{name: "bad kube version", s: Settings{KubeVersion: "1.99", Given: given("kube-version")}, setting: "kube-version"},
		{name: "bad nodeport address", s: Settings{NodePortAddresses: []string{"secondary"}, Given: given("nodeport-addresses")}, setting: "nodeport-addresses"},
		{name: "bad nfacct counter", s: Settings{NFAcct: []string{"packets"}, Given: given("nfacct")}, setting: "nfacct"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := base()
			err := tt.s.Apply(got)
			if tt.setting != "" {
				var se *SettingError
				if !errors.As(err, &se) || se.Setting != tt.setting {
					t.Fatalf("Apply() = %v; want a *SettingError for %s", err, tt.setting)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := base()
			tt.want(want)
			if d := cmp.Diff(want, got, netipEqual); d != "" {
				t.Errorf("Apply() (-want +got):\n%s", d)
			}
		})
	}
}

func TestSettingsDumpNode(t *testing.T) {
	s := Settings{NodeIPs: []string{"198.51.100.10"}, ClusterCIDR: "10.244.0.0/16", IPv6: false, Given: given("node-ip", "cluster-cidr")}
	node, err := s.DumpNode(false)
	if err != nil || len(node.NodeIPs) != 1 || node.ClusterCIDR.String() != "10.244.0.0/16" {
		t.Fatalf("DumpNode(iptables) = %+v, %v", node, err)
	}
	// An nft dump holds the cluster CIDR in its rules.
	var de *DumpSettingError
	if _, err := s.DumpNode(true); !errors.As(err, &de) || de.Setting != "cluster-cidr" {
		t.Errorf("DumpNode(nft) = %v; want a *DumpSettingError for cluster-cidr", err)
	}
	// The first rule-changing setting is named, before any value is parsed.
	s = Settings{NodeIPs: []string{"bad"}, Given: given("node-ip", "zone", "masquerade-all")}
	if _, err := s.DumpNode(false); !errors.As(err, &de) || de.Setting != "masquerade-all" {
		t.Errorf("DumpNode = %v; want a *DumpSettingError for masquerade-all", err)
	}
	s.Given = given("node-ip", "service-cidr")
	if _, err := s.DumpNode(false); err == nil || errors.As(err, &de) {
		t.Errorf("DumpNode(iptables) = %v; want the bad --node-ip (service-cidr is nftables-only)", err)
	}
}

func TestSettingsNFTOptions(t *testing.T) {
	cfg := &Config{IPv6: true, NodeIPs: []netip.Addr{netip.MustParseAddr("198.51.100.10"), netip.MustParseAddr("2001:db8::10")},
		NodePortAddresses: []string{"primary", "2001:db8:1::/64"}}
	s := Settings{ServiceCIDRs: []string{"fd00:96::1/108"}, NFTLocalhostNodePortReject: true}
	o, err := s.NFTOptions(cfg)
	want := NFTOptions{ServiceCIDRs: []netip.Prefix{netip.MustParsePrefix("fd00:96::/108")}, LocalhostNodePortReject: true,
		NodePortAddresses: []netip.Prefix{netip.MustParsePrefix("2001:db8::10/128"), netip.MustParsePrefix("2001:db8:1::/64")}}
	if err != nil || !cmp.Equal(o, want, netipEqual) {
		t.Errorf("NFTOptions() = %+v, %v; want %+v", o, err, want)
	}
	var se *SettingError
	if _, err := (&Settings{ServiceCIDRs: []string{"fd00:96::"}}).NFTOptions(cfg); !errors.As(err, &se) || se.Setting != "service-cidr" {
		t.Errorf("NFTOptions() = %v; want a *SettingError for service-cidr", err)
	}
}

func TestParseMode(t *testing.T) {
	for in, want := range map[string]Mode{"": ModeIPTables, "iptables": ModeIPTables, "NFTables": ModeNFTables} {
		if m, err := ParseMode(in); err != nil || m != want {
			t.Errorf("ParseMode(%q) = %q, %v; want %q", in, m, err, want)
		}
	}
	var se *SettingError
	if _, err := ParseMode("ipvs"); !errors.As(err, &se) || se.Setting != "mode" || se.Value != "ipvs" {
		t.Errorf(`ParseMode("ipvs") = %v; want a *SettingError for mode`, err)
	}
}

func TestIsIPTablesSave(t *testing.T) {
	for in, want := range map[string]bool{
		"# Generated by iptables-save\n\n*nat\n:PREROUTING ACCEPT [0:0]\n": true,
		"  *filter\n":             true,
		"node: a\nservices: []\n": false,
		"":                        false,
		"# only comments\n":       false,
	} {
		if got := IsIPTablesSave([]byte(in)); got != want {
			t.Errorf("IsIPTablesSave(%q) = %v; want %v", in, got, want)
		}
	}
}

func TestPacketCheckFamily(t *testing.T) {
	p := packet.Tuple{Src: netip.MustParseAddrPort("10.244.1.7:40000"), Dst: netip.MustParseAddrPort("[2001:db8::1]:80")}
	var fe *FamilyError
	if err := CheckFamily(p, false); !errors.As(err, &fe) || !fe.Dst || fe.IPv6 {
		t.Errorf("CheckFamily(IPv4) = %v; want the destination refused", err)
	}
	if err := CheckFamily(p, true); !errors.As(err, &fe) || fe.Dst || !fe.IPv6 {
		t.Errorf("CheckFamily(IPv6) = %v; want the source refused", err)
	}
	p.Dst = netip.MustParseAddrPort("10.96.0.1:443")
	if err := CheckFamily(p, false); err != nil {
		t.Errorf("CheckFamily(IPv4) = %v; want nil", err)
	}
}

func TestLoadScenarioErrors(t *testing.T) {
	var pe *ParseError
	if _, err := LoadScenario([]byte("services: 3\n"), "s.yaml", &Settings{}); !errors.As(err, &pe) || pe.File != "s.yaml" {
		t.Errorf("LoadScenario(bad YAML) = %v; want a *ParseError naming s.yaml", err)
	}
	var se *SettingError
	if _, err := LoadScenario([]byte("services: []\n"), "s.yaml", &Settings{Zone: "a", KubeVersion: "x", Given: given("kube-version")}); !errors.As(err, &se) {
		t.Errorf("LoadScenario(--kube-version x) = %v; want a *SettingError", err)
	}
}

// TestJSONSchema: the library structs are the JSON of a result (written
// as the CLI writes JSON, without HTML escaping): rule
// text unescaped, the nft steps with their "kind", the iptables steps
// with reason codes and counts, no note.
func TestJSONSchema(t *testing.T) {
	cfg := mustParseFile(t, "cluster.yaml")
	b, err := marshal(Render(cfg).NAT)
	if err != nil || !strings.HasPrefix(string(b), `{"table":"nat","chains":["KUBE-`) || !strings.Contains(string(b), " -> ") {
		t.Errorf("nat table JSON = %.200s, %v; want the table, its chains and unescaped \"->\"", b, err)
	}
	p := packet.Tuple{Src: netip.MustParseAddrPort("10.244.1.7:40000"), Dst: netip.MustParseAddrPort("10.96.12.34:80"), Protocol: packet.TCP}
	b, _ = marshal(NewTracer(Render(cfg), 1).Trace(p))
	for _, want := range []string{`"action":"skip","count":`, `"reasons":["in-cluster"]`, `"cluster_cidr":"10.244.0.0/16"`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("trace JSON lacks %s:\n%s", want, b)
		}
	}
	if strings.Contains(string(b), `"note"`) || strings.Contains(string(b), `\u003e`) {
		t.Errorf("trace JSON has a note or escaped HTML:\n%s", b)
	}
	rs := RenderNFT(cfg, NFTOptions{})
	b, _ = marshal(NewNFTTracer(rs, 1).Trace(p))
	for _, want := range []string{`{"kind":"enter","hook":"prerouting","chain":"filter-prerouting-pre-dnat","action":"enter"}`,
		`"kind":"lookup","hook":"prerouting","chain":"services","depth":1,`, `"lookup":{"set":"service-ips","key":"10.96.12.34 . tcp . 80","hit":true,`,
		`"verdict":"ACCEPT"`, `"conntrack_line":"tcp `} {
		if !strings.Contains(string(b), want) {
			t.Errorf("nft trace JSON lacks %s:\n%s", want, b)
		}
	}
	b, _ = marshal(rs)
	if !strings.HasPrefix(string(b), `{"kube_proxy_version":"`+NFTVersion+`","family":"ip","table":"kube-proxy","objects":[`) {
		t.Errorf("nft ruleset JSON = %.200s", b)
	}
}

func TestServiceDrops(t *testing.T) {
	var got []string
	for _, r := range Render(mustParseFile(t, "cluster.yaml")).ServiceDrops() {
		got = append(got, r.Target+" "+r.comment)
	}
	want := []string{"DROP shop/cache:redis has no local endpoints", "REJECT shop/legacy has no endpoints"}
	if !slices.Equal(got, want) {
		t.Errorf("ServiceDrops() = %q; want %q", got, want)
	}
}

func TestChainNamesFor(t *testing.T) {
	c, err := ChainNamesFor("kube-system/kube-dns:dns", packet.UDP, netip.MustParseAddrPort("10.244.0.5:53"))
	want := ChainNames{ServicePort: "kube-system/kube-dns:dns", Protocol: packet.UDP, Endpoint: "10.244.0.5:53",
		Cluster: "KUBE-SVC-TCOU7JCQXEZGVUNU", Local: "KUBE-SVL-TCOU7JCQXEZGVUNU", External: "KUBE-EXT-TCOU7JCQXEZGVUNU",
		Firewall: "KUBE-FW-TCOU7JCQXEZGVUNU", EndpointChain: EndpointChain("kube-system/kube-dns:dns", "udp", "10.244.0.5:53")}
	if err != nil || c != want {
		t.Errorf("ChainNamesFor() = %+v, %v; want %+v", c, err, want)
	}
	for _, bad := range []string{"kube-dns", "/kube-dns", "ns/", "ns/:dns", "ns/kube-dns:"} {
		var pe *ServicePortNameError
		if _, err := ChainNamesFor(bad, packet.TCP, netip.AddrPort{}); !errors.As(err, &pe) || pe.Text != bad {
			t.Errorf("ChainNamesFor(%q) = %v; want a *ServicePortNameError", bad, err)
		}
	}
}

func TestRefused(t *testing.T) {
	rs := Render(mustParseFile(t, "cluster.yaml"))
	nft := RenderNFT(mustParseFile(t, "cluster.yaml"), NFTOptions{})
	for _, tt := range []struct {
		dst  string
		want bool
	}{{"10.96.12.34:80", false}, {"10.96.30.3:5432", true}, {"10.96.99.99:80", false}} {
		p := packet.Tuple{Src: netip.MustParseAddrPort("10.244.1.7:40000"), Dst: netip.MustParseAddrPort(tt.dst), Protocol: packet.TCP}
		if r := NewTracer(rs, 1).Trace(p); r.Refused() != tt.want {
			t.Errorf("iptables %s: verdict %s, Refused() = %v; want %v", tt.dst, r.Verdict, r.Refused(), tt.want)
		}
		if r := NewNFTTracer(nft, 1).Trace(p); r.Refused() != tt.want {
			t.Errorf("nftables %s: verdict %s, Refused() = %v; want %v", tt.dst, r.Verdict, r.Refused(), tt.want)
		}
	}
}

func TestSettingsRenderNFT(t *testing.T) {
	cfg := &Config{NodeIPs: []netip.Addr{netip.MustParseAddr("198.51.100.10")}, NodePortAddresses: []string{"primary"}}
	s := Settings{ServiceCIDRs: []string{"10.96.0.0/12"}}
	opt, err := s.NFTOptions(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var want, got strings.Builder
	RenderNFT(cfg, opt).WriteTo(&want)
	rs, err := s.RenderNFT(cfg)
	if err != nil {
		t.Fatalf("Settings.RenderNFT() error = %v", err)
	}
	rs.WriteTo(&got)
	if got.String() != want.String() || !strings.Contains(got.String(), "10.96.0.0/12") {
		t.Errorf("Settings.RenderNFT() =\n%s\nwant RenderNFT(cfg, NFTOptions) =\n%s", got.String(), want.String())
	}
	var se *SettingError
	if _, err := (&Settings{ServiceCIDRs: []string{"nope"}}).RenderNFT(cfg); !errors.As(err, &se) || se.Value != "nope" {
		t.Errorf("Settings.RenderNFT() error = %v; want a *SettingError for \"nope\"", err)
	}
}
