package kubeproxy

import (
	"errors"
	"net/netip"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/netcalc/netcalc/netcalc/packet"
)

func mustReadNFTDump(t testing.TB, name string, node *Config) *NFTRuleset {
	t.Helper()
	f, err := os.Open(nftDumpFixture(name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rs, err := ReadNFTListing(f, node)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return rs
}

// nftWalkSummary is what a trace says, without the rules' text (the
// listing writes the rules in nft's own words: "meta mark set meta mark |
// 0x00004000" for the transaction's "mark set mark or 0x4000").
type nftWalkSummary struct {
	Chains               []string
	Reasons              []packet.Reason
	Service, Verdict     string
	Endpoint             netip.AddrPort
	Masquerade, Affinity bool
	BalancedBy           string
	Pick                 int
	Choices              []NFTChoice
	SNAT                 netip.AddrPort
	Conntrack            string
	Steps                []string
}

func summarizeNFTWalk(r NFTTraceResult) nftWalkSummary {
	s := nftWalkSummary{Chains: r.Chains, Reasons: r.MasqueradeReasons, Service: r.Service, Verdict: r.Verdict,
		Endpoint: r.Endpoint, Masquerade: r.Masquerade, Affinity: r.Affinity, BalancedBy: r.BalancedBy, Pick: r.Pick,
		Choices: r.Choices, SNAT: r.SNAT, Conntrack: r.ConntrackLine()}
	for _, st := range r.Steps {
		var l packet.Lookup
		if st.Lookup != nil {
			l = *st.Lookup
		}
		var d packet.Draw
		if st.Draw != nil {
			d = *st.Draw
		}
		s.Steps = append(s.Steps, strings.Join([]string{string(st.Action), st.Hook, st.Chain, l.Set, l.Key, l.Value + d.Value + st.Verdict,
			map[bool]string{true: "hit"}[l.Hit]}, "|")+"|"+itoaStep(st.Depth, st.Count, d.Mod, d.Pick))
	}
	return s
}

func itoaStep(depth, count, mod, pick int) string {
	return strings.Join([]string{string(rune('0' + depth)), string(rune('0' + count%10)), string(rune('0' + mod)), string(rune('0' + pick))}, ",")
}

// TestNFTDumpRoundTrip traces packets through RenderNFT's ruleset and
// through the kernel's `nft list ruleset` of the same ruleset (read by
// ReadNFTListing, knowing only the node's addresses): every walk must be
// the same, step by step, draw by draw.
func TestNFTDumpRoundTrip(t *testing.T) {
	packets := map[string][]struct {
		src, dst string
		proto    packet.Protocol
	}{
		"overall": {
			{"203.0.113.9:5000", "172.30.0.41:80", packet.TCP},
			{"10.0.1.5:5000", "172.30.0.41:80", packet.TCP},
			{"10.180.0.1:5000", "172.30.0.41:80", packet.TCP},
			{"10.0.1.5:5000", "172.30.0.44:80", packet.TCP},
			{"10.0.1.5:5000", "172.30.0.45:80", packet.TCP},
			{"10.0.1.5:5000", "172.30.0.46:80", packet.TCP},
			{"198.51.100.1:5000", "5.6.7.8:80", packet.TCP},
			{"203.0.113.9:5000", "5.6.7.8:80", packet.TCP},
			{"203.0.113.9:5000", "192.168.0.2:3001", packet.TCP},
			{"203.0.113.9:5000", "192.168.0.2:3003", packet.TCP},
			{"192.168.0.2:5000", "1.2.3.4:80", packet.TCP},
			{"203.0.113.9:5000", "192.168.99.33:80", packet.TCP},
			{"10.0.1.5:5000", "172.30.0.99:80", packet.TCP},
			{"10.0.1.5:5000", "172.30.0.41:81", packet.TCP},
			{"127.0.0.1:5000", "127.0.0.1:3003", packet.TCP},
			{"10.0.1.5:5000", "198.51.100.7:80", packet.UDP},
		},
		"overall-ipv6": {
			{"[2001:db8:ffff::9]:5000", "[fd00:172:30::41]:80", packet.TCP},
			{"[fd00:10:180::1]:5000", "[fd00:172:30::41]:80", packet.TCP},
			{"[fd00:10::5]:5000", "[fd00:172:30::44]:80", packet.TCP},
			{"[fd00:10::5]:5000", "[fd00:172:30::45]:80", packet.TCP},
			{"[fd00:10::5]:5000", "[fd00:172:30::46]:80", packet.TCP},
		},
		"startup":  {{"10.0.1.5:5000", "172.30.0.41:80", packet.TCP}, {"203.0.113.9:5000", "172.30.0.42:8080", packet.TCP}, {"10.0.1.5:5000", "172.30.0.43:80", packet.TCP}},
		"repeated": {{"10.0.1.5:5000", "172.30.0.41:80", packet.TCP}, {"10.0.1.5:5000", "172.30.0.42:8080", packet.TCP}},
	}
	for _, n := range nftDumpScenarios {
		cfg := mustParseNFT(t, n+".yaml")
		node := &Config{NodeIPs: cfg.NodeIPs, IPv6: cfg.IPv6}
		dump := mustReadNFTDump(t, n, node)
		for seed := uint64(1); seed <= 3; seed++ {
			want := NewNFTTracer(RenderNFT(cfg, upstreamNFTOptions(cfg.IPv6)), seed)
			got := NewNFTTracer(dump, seed)
			if len(packets[n]) == 0 {
				t.Fatalf("%s: no packets", n)
			}
			for _, p := range packets[n] {
				// Twice: the second connection meets the affinity set the
				// first one filled.
				for range 2 {
					pk := packet.Tuple{Src: netip.MustParseAddrPort(p.src), Dst: netip.MustParseAddrPort(p.dst), Protocol: p.proto}
					w, g := summarizeNFTWalk(want.Trace(pk)), summarizeNFTWalk(got.Trace(pk))
					if !reflect.DeepEqual(w, g) {
						t.Errorf("%s seed %d %s -> %s:\nmanifest %+v\ndump     %+v", n, seed, p.src, p.dst, w, g)
					}
				}
			}
		}
	}
}

// TestNFTDumpStepsCarryListingText checks that the dump's steps show the
// rules as the node lists them.
func TestNFTDumpStepsCarryListingText(t *testing.T) {
	dump := mustReadNFTDump(t, "overall", &Config{NodeIPs: []netip.Addr{netip.MustParseAddr("192.168.0.2")}})
	r := NewNFTTracer(dump, 1).Trace(packet.Tuple{Src: netip.MustParseAddrPort("203.0.113.9:5000"), Dst: netip.MustParseAddrPort("172.30.0.41:80"), Protocol: packet.TCP})
	found := false
	for _, s := range r.Steps {
		found = found || s.Rule == `ip daddr @cluster-ips ip saddr != 10.0.0.0/8 meta mark set meta mark | 0x00004000 comment "masquerade clusterIP traffic from outside cluster"`
	}
	if !found || r.Verdict != "DNAT" || !r.Masquerade || r.MasqueradeReasons[0] != MasqOffCluster {
		t.Errorf("%+v", r)
	}
}

func TestReadNFTListingErrors(t *testing.T) {
	valid, err := os.ReadFile(nftDumpFixture("startup"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, in string
		line     int
		token    string
	}{
		{"iptables-save", "*nat\n:PREROUTING ACCEPT [0:0]\n", 1, "*nat"},
		{"unknown statement", strings.Replace(string(valid), "jump services", "jump services log", 1), 0, "log"},
		{"missing chain", strings.Replace(string(valid), "jump masquerading", "jump masquerading2", 1), 0, "masquerading2"},
		{"truncated", string(valid[:len(valid)/2]), 0, ""},
		{"bad dnat", strings.Replace(string(valid), "dnat to 10.0.2.1:8080", "dnat to 10.0.2.1", 1), 0, "10.0.2.1"},
	} {
		_, err := ReadNFTListing(strings.NewReader(c.in), nil)
		var de *NFTDumpError
		if !errors.As(err, &de) {
			t.Errorf("%s: %v, want an *NFTDumpError", c.name, err)
			continue
		}
		if (c.line != 0 && de.Line != c.line) || !strings.HasPrefix(de.Token, c.token) {
			t.Errorf("%s: line %d token %q (%v)", c.name, de.Line, de.Token, err)
		}
	}
	if _, err := ReadNFTListing(strings.NewReader("table inet filter {\n\tchain input {\n\t\ttype filter hook input priority 0; policy accept;\n\t}\n}\n"), nil); !errors.Is(err, ErrNoKubeProxyTable) {
		t.Errorf("no kube-proxy table: %v", err)
	}
	if _, err := ReadNFTListing(strings.NewReader(string(valid)), &Config{IPv6: true}); err == nil || !strings.Contains(err.Error(), "only table ip kube-proxy") {
		t.Errorf("wrong family: %v", err)
	}
	// Other tables are skipped, before and after.
	other := "table inet filter {\n\tchain input {\n\t\ttype filter hook input priority 0; policy accept;\n\t\tiifname \"lo\" accept comment \"{ brace }\"\n\t}\n}\n"
	if _, err := ReadNFTListing(strings.NewReader(other+string(valid)+other), nil); err != nil {
		t.Errorf("with other tables: %v", err)
	}
}

func TestNFTDumpVerdictsVary(t *testing.T) {
	dump := mustReadNFTDump(t, "overall", &Config{NodeIPs: []netip.Addr{netip.MustParseAddr("192.168.0.2")}})
	tr := NewNFTTracer(dump, 1)
	got := map[string]bool{}
	for _, d := range []string{"172.30.0.41:80", "172.30.0.46:80", "172.30.0.99:80", "198.51.100.7:80"} {
		got[tr.Trace(packet.Tuple{Src: netip.MustParseAddrPort("10.0.1.5:5000"), Dst: netip.MustParseAddrPort(d), Protocol: packet.TCP}).Verdict] = true
	}
	if len(got) != 4 {
		t.Errorf("verdicts %v, want DNAT, REJECT, DROP and NONE", got)
	}
}

func TestReadNFTListingLoop(t *testing.T) {
	in := "table ip kube-proxy {\n\tchain a {\n\t\tjump b\n\t}\n\tchain b {\n\t\tgoto a\n\t}\n}\n"
	_, err := ReadNFTListing(strings.NewReader(in), nil)
	var de *NFTDumpError
	if !errors.As(err, &de) || de.Line == 0 || !strings.Contains(de.Msg, "reaches itself") {
		t.Fatalf("%v", err)
	}
}

// FuzzReadNFTListing: any input is read or refused with an error, and a
// ruleset read can be traced.
func FuzzReadNFTListing(f *testing.F) {
	for _, n := range []string{"startup", "overall"} {
		b, err := os.ReadFile(nftDumpFixture(n))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b))
	}
	f.Add("table ip kube-proxy {\n\tchain nat-prerouting {\n\t\tjump services\n\t}\n\tchain services {\n\t\tnumgen random mod 1 vmap { 0 : goto x }\n\t}\n\tchain x {\n\t\tdnat to 10.0.0.1:80\n\t}\n}\n")
	f.Fuzz(func(t *testing.T, in string) {
		rs, err := ReadNFTListing(strings.NewReader(in), nil)
		if err != nil {
			return
		}
		tr := NewNFTTracer(rs, 1)
		tr.Trace(packet.Tuple{Src: netip.MustParseAddrPort("10.0.1.5:5000"), Dst: netip.MustParseAddrPort("172.30.0.41:80"), Protocol: packet.TCP})
		tr.Trace(packet.Tuple{Src: netip.MustParseAddrPort("127.0.0.1:5000"), Dst: netip.MustParseAddrPort("127.0.0.1:3001"), Protocol: packet.TCP})
	})
}
