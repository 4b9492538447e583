package k8s

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The cases below are kubelet's own, from k8s.io/kubernetes v1.37.2
// pkg/kubelet/network/dns/dns_test.go, with the same inputs and outputs.

// TestPodResolvConfParseNode is kubelet's TestParseResolvConf.
func TestPodResolvConfParseNode(t *testing.T) {
	tests := []struct {
		data        string
		nameservers []string
		searches    []string
		options     []string
		isErr       bool
	}{
		{"", nil, nil, nil, false},
		{" ", nil, nil, nil, false},
		{"\n", nil, nil, nil, false},
		{"\t\n\t", nil, nil, nil, false},
		{"#comment\n", nil, nil, nil, false},
		{" #comment\n", nil, nil, nil, false},
		{"#comment\n#comment", nil, nil, nil, false},
		{"#comment\nnameserver", nil, nil, nil, true},
		{"#comment\nnameserver\nsearch", nil, nil, nil, true},
		{"#comment\nnameserver 203.0.113.4\nsearch", []string{"203.0.113.4"}, nil, nil, false},
		{"nameserver 203.0.113.4", []string{"203.0.113.4"}, nil, nil, false},
		{" nameserver 203.0.113.4", []string{"203.0.113.4"}, nil, nil, false},
		{"\tnameserver 203.0.113.4", []string{"203.0.113.4"}, nil, nil, false},
		{"nameserver\t203.0.113.4", []string{"203.0.113.4"}, nil, nil, false},
		{"nameserver \t 203.0.113.4", []string{"203.0.113.4"}, nil, nil, false},
		{"nameserver 203.0.113.4\nnameserver 5.6.7.8", []string{"203.0.113.4", "5.6.7.8"}, nil, nil, false},
		{"nameserver 203.0.113.4 #comment", []string{"203.0.113.4"}, nil, nil, false},
		{"search ", nil, nil, nil, false},
		{"search .", nil, nil, nil, false},
		{"search . foo", nil, []string{"foo"}, nil, false},
		{"search foo .", nil, []string{"foo"}, nil, false},
		{"search foo .  bar", nil, []string{"foo", "bar"}, nil, false},
		{"search foo", nil, []string{"foo"}, nil, false},
		{"search foo bar", nil, []string{"foo", "bar"}, nil, false},
		{"search foo. bar", nil, []string{"foo", "bar"}, nil, false},
		{"search foo bar bat\n", nil, []string{"foo", "bar", "bat"}, nil, false},
		{"search foo\nsearch bar", nil, []string{"bar"}, nil, false},
		{"nameserver 203.0.113.4\nsearch foo bar", []string{"203.0.113.4"}, []string{"foo", "bar"}, nil, false},
		{"nameserver 203.0.113.4\nsearch foo\nnameserver 5.6.7.8\nsearch bar", []string{"203.0.113.4", "5.6.7.8"}, []string{"bar"}, nil, false},
		{"#comment\nnameserver 203.0.113.4\n#comment\nsearch foo\ncomment", []string{"203.0.113.4"}, []string{"foo"}, nil, false},
		{"options ", nil, nil, nil, false},
		{"options ndots:5 attempts:2", nil, nil, []string{"ndots:5", "attempts:2"}, false},
		{"options ndots:1 ndots:5 attempts:2", nil, nil, []string{"ndots:5", "attempts:2"}, false},
		{"options ndots:1 edns0 attempts:2 single-request-reopen", nil, nil, []string{"edns0", "attempts:2", "single-request-reopen", "ndots:1"}, false},
		{"options ndots:1\noptions ndots:5 attempts:3", nil, nil, []string{"ndots:5", "attempts:3"}, false},
		{"options ndots:1 timeout:3 timeout:1 attempts:3\noptions ndots:5", nil, nil, []string{"ndots:5", "timeout:1", "attempts:3"}, false},
		{"options ndots:1 attempts:3\noptions ndots:1 attempts:3 ndots:5", nil, nil, []string{"ndots:5", "attempts:3"}, false},
		{"nameserver 203.0.113.4\nsearch foo\nnameserver 5.6.7.8\nsearch bar\noptions ndots:5 attempts:4", []string{"203.0.113.4", "5.6.7.8"}, []string{"bar"}, []string{"ndots:5", "attempts:4"}, false},
	}
	for i, tt := range tests {
		t.Run(fmt.Sprintf("%d", i), func(t *testing.T) {
			n := parsePodResolvConfNode([]byte(tt.data))
			if gotErr := len(n.errs) > 0; gotErr != tt.isErr {
				t.Fatalf("parse(%q) errors %v; want error %v", tt.data, n.errs, tt.isErr)
			}
			if tt.isErr {
				return
			}
			if diff := cmp.Diff(tt.nameservers, n.nameservers); diff != "" {
				t.Errorf("parse(%q) nameservers (-want +got):\n%s", tt.data, diff)
			}
			if len(tt.searches) > 0 || len(n.searches) > 0 {
				if diff := cmp.Diff(tt.searches, n.searches); diff != "" {
					t.Errorf("parse(%q) searches (-want +got):\n%s", tt.data, diff)
				}
			}
			if !sameSet(tt.options, n.options) {
				t.Errorf("parse(%q) options = %q; want the set %q", tt.data, n.options, tt.options)
			}
		})
	}
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(slices.Compact(a), slices.Compact(b)) && len(a) == len(b)
}

// TestPodResolvConfSearchLimits is kubelet's TestFormDNSSearchFitsLimits.
func TestPodResolvConfSearchLimits(t *testing.T) {
	list2048 := []string{strings.Repeat("A", 128)} // 2048 = 128 + 127*15 + 15
	for i := 0; i < 15; i++ {
		list2048 = append(list2048, strings.Repeat("A", 127))
	}
	nums := func(n int) []string {
		s := []string{"testNS.svc.TEST", "svc.TEST", "TEST"}
		for i := 4; i <= n; i++ {
			s = append(s, fmt.Sprint(i))
		}
		return s
	}
	const prefix = "Search Line limits were exceeded, some search paths have been omitted, the applied search line is: "
	tests := []struct {
		desc   string
		in     []string
		want   []string
		events []string
	}{
		{"valid: 3 search paths", []string{"testNS.svc.TEST", "svc.TEST", "TEST"}, []string{"testNS.svc.TEST", "svc.TEST", "TEST"}, nil},
		{"valid: 5 search paths", []string{"testNS.svc.TEST", "svc.TEST", "TEST", "AAA", "BBB"}, []string{"testNS.svc.TEST", "svc.TEST", "TEST", "AAA", "BBB"}, nil},
		{"invalid: longer than 256 characters in search path list", []string{"testNS.svc.TEST", "svc.TEST", "TEST", "AAA", strings.Repeat("B", 256), "BBB"},
			[]string{"testNS.svc.TEST", "svc.TEST", "TEST", "AAA", "BBB"}, []string{prefix + "testNS.svc.TEST svc.TEST TEST AAA BBB"}},
		{"valid: 2048 characters in search path list", list2048, list2048, nil},
		{"invalid: 2050 characters in search path list", append(slices.Clone(list2048), "B"), list2048, []string{prefix + strings.Join(list2048, " ")}},
		{"invalid: 256 characters search path", []string{"testNS.svc.TEST", "svc.TEST", "TEST", "AAA", strings.Repeat("B", 256), "BBB"},
			[]string{"testNS.svc.TEST", "svc.TEST", "TEST", "AAA", "BBB"}, []string{prefix + "testNS.svc.TEST svc.TEST TEST AAA BBB"}},
		{"valid: 7 search paths", []string{"testNS.svc.TEST", "svc.TEST", "TEST", "AAA", "BBB", "CCC", "DDD"}, []string{"testNS.svc.TEST", "svc.TEST", "TEST", "AAA", "BBB", "CCC", "DDD"}, nil},
		{"valid: 32 search paths", nums(32), nums(32), nil},
		{"invalid: 33 search paths", nums(33), nums(32), []string{prefix + strings.Join(nums(32), " ")}},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			_, got, _, _, ev := podResolvConfFitsLimits(nil, tt.in)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("searches (-want +got):\n%s", diff)
			}
			var msgs []string
			for _, e := range ev {
				if e.Reason != "DNSConfigForming" || e.Type != "Warning" || e.Object != "Pod" {
					t.Errorf("event %+v; want a Warning DNSConfigForming on the Pod", e)
				}
				msgs = append(msgs, e.Message)
			}
			if diff := cmp.Diff(tt.events, msgs); diff != "" {
				t.Errorf("events (-want +got):\n%s", diff)
			}
		})
	}
}

// TestPodResolvConfNameserverLimits is kubelet's
// TestFormDNSNameserversFitsLimits.
func TestPodResolvConfNameserverLimits(t *testing.T) {
	tests := []struct {
		desc  string
		in    []string
		want  []string
		event bool
	}{
		{"valid: 1 nameserver", []string{"127.0.0.1"}, []string{"127.0.0.1"}, false},
		{"valid: 3 nameservers", []string{"127.0.0.1", "10.0.0.10", "198.51.100.8"}, []string{"127.0.0.1", "10.0.0.10", "198.51.100.8"}, false},
		{"invalid: 4 nameservers, trimmed to 3", []string{"127.0.0.1", "10.0.0.10", "198.51.100.8", "203.0.113.4"}, []string{"127.0.0.1", "10.0.0.10", "198.51.100.8"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			got, _, _, _, ev := podResolvConfFitsLimits(tt.in, nil)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("nameservers (-want +got):\n%s", diff)
			}
			if (len(ev) > 0) != tt.event {
				t.Errorf("events %v; want an event %v", ev, tt.event)
			}
			if tt.event && ev[0].Message != "Nameserver limits were exceeded, some nameservers have been omitted, the applied nameserver line is: 127.0.0.1 10.0.0.10 198.51.100.8" {
				t.Errorf("event message %q", ev[0].Message)
			}
		})
	}
}

func strp(s string) *string { return &s }

// TestPodResolvConfMergeOptions is kubelet's TestMergeDNSOptions, through
// a Default pod whose node file holds the existing options.
func TestPodResolvConfMergeOptions(t *testing.T) {
	tests := []struct {
		desc     string
		existing string
		opts     []PodDNSOption
		want     []string
	}{
		{"Empty dnsConfigOptions", "ndots:5 debug", nil, []string{"ndots:5", "debug"}},
		{"No duplicated entries", "ndots:5 debug", []PodDNSOption{{Name: "single-request"}, {Name: "attempts", Value: strp("3")}}, []string{"ndots:5", "debug", "single-request", "attempts:3"}},
		{"Overwrite duplicated entries", "ndots:5 debug", []PodDNSOption{{Name: "ndots", Value: strp("3")}, {Name: "debug"}, {Name: "single-request"}, {Name: "attempts", Value: strp("3")}},
			[]string{"ndots:3", "debug", "single-request", "attempts:3"}},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			r, err := PodResolvConf(PodResolvConfInput{DNSPolicy: DNSPolicyDefault, ResolvConf: "node-resolv.conf",
				ResolvConfData: []byte("options " + tt.existing + "\n"), DNSConfig: &PodDNSConfig{Options: tt.opts}})
			if err != nil {
				t.Fatal(err)
			}
			if !sameSet(r.Options, tt.want) {
				t.Errorf("options = %q; want the set %q", r.Options, tt.want)
			}
			// netcalc's fixed order: base first, the pod's after.
			if diff := cmp.Diff(tt.want, r.Options); diff != "" {
				t.Errorf("options order (-want +got):\n%s", diff)
			}
		})
	}
}

// TestPodResolvConfType is kubelet's TestGetPodDNSType, read from the
// result's Type (the invalid policy falls back to cluster, as kubelet
// does after logging its error).
func TestPodResolvConfType(t *testing.T) {
	tests := []struct {
		desc        string
		clusterDNS  bool
		hostNetwork bool
		policy      DNSPolicy
		want        string
	}{
		{"valid DNSClusterFirst without hostnetwork", true, false, DNSPolicyClusterFirst, "cluster"},
		{"valid DNSClusterFirstWithHostNet with hostnetwork", true, true, DNSPolicyClusterFirstWithHostNet, "cluster"},
		{"valid DNSClusterFirstWithHostNet without hostnetwork", true, false, DNSPolicyClusterFirstWithHostNet, "cluster"},
		{"valid DNSDefault without hostnetwork", false, false, DNSPolicyDefault, "host"},
		{"valid DNSDefault with hostnetwork", false, true, DNSPolicyDefault, "host"},
		{"DNSClusterFirst with hostnetwork, fallback to DNSDefault", true, true, DNSPolicyClusterFirst, "host"},
		{"valid DNSNone", false, false, DNSPolicyNone, "none"},
		{"invalid DNS policy, falls back to cluster", true, false, "invalidPolicy", "cluster"},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			in := PodResolvConfInput{PodName: "test_pod", Namespace: "testNS", ClusterDomain: "TEST", DNSPolicy: tt.policy, HostNetwork: tt.hostNetwork}
			if tt.clusterDNS {
				in.ClusterDNS = []netip.Addr{netip.MustParseAddr("203.0.113.1")}
			}
			r, err := PodResolvConf(in)
			if err != nil {
				t.Fatal(err)
			}
			if r.Type != tt.want {
				t.Errorf("PodResolvConf(%s, hostNetwork %v).Type = %q; want %q", tt.policy, tt.hostNetwork, r.Type, tt.want)
			}
		})
	}
}

// TestPodResolvConfGetPodDNS is kubelet's TestGetPodDNS: four hostNetwork
// pods without a namespace, first with --resolv-conf="" then with a node
// file (kubelet's fakeGetHostDNSConfigCustom: nameserver 198.51.100.8, search
// host.domain).
func TestPodResolvConfGetPodDNS(t *testing.T) {
	policies := []DNSPolicy{DNSPolicyClusterFirstWithHostNet, DNSPolicyClusterFirst, DNSPolicyClusterFirst, DNSPolicyDefault}
	hostNet := []bool{true, true, false, true}
	base := PodResolvConfInput{ClusterDomain: "kubernetes.io", ClusterDNS: []netip.Addr{netip.MustParseAddr("203.0.113.1")}}
	type want struct{ ns, search []string }
	run := func(t *testing.T, in PodResolvConfInput, wants []want) {
		for i := range policies {
			in.PodName, in.DNSPolicy, in.HostNetwork = fmt.Sprintf("pod%d", i), policies[i], hostNet[i]
			r, err := PodResolvConf(in)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(wants[i].ns, r.Nameservers); diff != "" {
				t.Errorf("pod%d nameservers (-want +got):\n%s", i, diff)
			}
			if diff := cmp.Diff(wants[i].search, r.Searches); diff != "" {
				t.Errorf("pod%d searches (-want +got):\n%s", i, diff)
			}
		}
	}
	cluster := []string{".svc.kubernetes.io", "svc.kubernetes.io", "kubernetes.io"}
	t.Run("no resolv-conf", func(t *testing.T) {
		run(t, base, []want{
			{[]string{"203.0.113.1"}, cluster},
			{[]string{"127.0.0.1"}, []string{"."}},
			{[]string{"203.0.113.1"}, cluster},
			{[]string{"127.0.0.1"}, []string{"."}},
		})
	})
	t.Run("node file", func(t *testing.T) {
		in := base
		in.ResolvConf, in.ResolvConfData = "node-resolv.conf", []byte("nameserver 198.51.100.8\nsearch host.domain\n")
		withHost := append(slices.Clone(cluster), "host.domain")
		run(t, in, []want{
			{[]string{"203.0.113.1"}, withHost},
			{[]string{"198.51.100.8"}, []string{"host.domain"}},
			{[]string{"203.0.113.1"}, withHost},
			{[]string{"198.51.100.8"}, []string{"host.domain"}},
		})
	})
}

// TestPodResolvConfCustom is kubelet's TestGetPodDNSCustom (node file
// "nameserver 198.51.100.8\nsearch host.domain\n", --cluster-dns 10.0.0.10,
// --cluster-domain kubernetes.io, namespace testNS).
func TestPodResolvConfCustom(t *testing.T) {
	cfg := func(ns string, searches ...string) *PodDNSConfig {
		return &PodDNSConfig{Nameservers: []string{ns}, Searches: searches, Options: []PodDNSOption{{Name: "ndots", Value: strp("3")}, {Name: "debug"}}}
	}
	tests := []struct {
		desc        string
		hostNetwork bool
		policy      DNSPolicy
		dnsConfig   *PodDNSConfig
		ns, search  []string
		options     []string
	}{
		{"DNSNone without DNSConfig should have empty DNS settings", false, DNSPolicyNone, nil, []string{}, []string{}, []string{}},
		{"DNSNone with DNSConfig should have a merged DNS settings", false, DNSPolicyNone, cfg("203.0.113.1", "my.domain", "second.domain"),
			[]string{"203.0.113.1"}, []string{"my.domain", "second.domain"}, []string{"ndots:3", "debug"}},
		{"DNSClusterFirst with DNSConfig should have a merged DNS settings", false, DNSPolicyClusterFirst, cfg("10.0.0.11", "my.domain"),
			[]string{"10.0.0.10", "10.0.0.11"}, []string{"testNS.svc.kubernetes.io", "svc.kubernetes.io", "kubernetes.io", "host.domain", "my.domain"}, []string{"ndots:3", "debug"}},
		{"DNSClusterFirstWithHostNet with DNSConfig should have a merged DNS settings", true, DNSPolicyClusterFirstWithHostNet, cfg("10.0.0.11", "my.domain"),
			[]string{"10.0.0.10", "10.0.0.11"}, []string{"testNS.svc.kubernetes.io", "svc.kubernetes.io", "kubernetes.io", "host.domain", "my.domain"}, []string{"ndots:3", "debug"}},
		{"DNSDefault with DNSConfig should have a merged DNS settings", false, DNSPolicyDefault, cfg("10.0.0.11", "my.domain"),
			[]string{"198.51.100.8", "10.0.0.11"}, []string{"host.domain", "my.domain"}, []string{"ndots:3", "debug"}},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			r, err := PodResolvConf(PodResolvConfInput{PodName: "test_pod", Namespace: "testNS", DNSPolicy: tt.policy, HostNetwork: tt.hostNetwork,
				DNSConfig: tt.dnsConfig, ClusterDomain: "kubernetes.io", ClusterDNS: []netip.Addr{netip.MustParseAddr("10.0.0.10")},
				ResolvConf: "/tmp/tmpResolvConf", ResolvConfData: []byte("nameserver 198.51.100.8\nsearch host.domain\n")})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.ns, r.Nameservers); diff != "" {
				t.Errorf("nameservers (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.search, r.Searches); diff != "" {
				t.Errorf("searches (-want +got):\n%s", diff)
			}
			if !sameSet(tt.options, r.Options) {
				t.Errorf("options %q; want the set %q", r.Options, tt.options)
			}
		})
	}
}

// TestPodResolvConfFile checks the bytes of the file and netcalc's own
// cases: the reference's worked examples, the events, kubelet's parse
// error.
func TestPodResolvConfFile(t *testing.T) {
	node := []byte("search corp.example\nnameserver 198.51.100.53\nnameserver 198.51.100.54\n")
	dns := []netip.Addr{netip.MustParseAddr("10.96.0.10")}
	tests := []struct {
		name   string
		in     PodResolvConfInput
		file   string
		events []string
	}{
		{"ClusterFirst", PodResolvConfInput{Namespace: "shop"},
			"search shop.svc.cluster.local svc.cluster.local cluster.local corp.example\nnameserver 10.96.0.10\noptions ndots:5\n", nil},
		{"ClusterFirst hostNetwork is Default", PodResolvConfInput{Namespace: "shop", HostNetwork: true},
			"search corp.example\nnameserver 198.51.100.53\nnameserver 198.51.100.54\n", nil},
		{"ClusterFirstWithHostNet", PodResolvConfInput{Namespace: "shop", HostNetwork: true, DNSPolicy: DNSPolicyClusterFirstWithHostNet},
			"search shop.svc.cluster.local svc.cluster.local cluster.local corp.example\nnameserver 10.96.0.10\noptions ndots:5\n", nil},
		{"ClusterFirst dnsConfig", PodResolvConfInput{Namespace: "shop", DNSConfig: &PodDNSConfig{Nameservers: []string{"10.0.0.11"},
			Searches: []string{"corp.example", "my.domain"}, Options: []PodDNSOption{{Name: "ndots", Value: strp("2")}, {Name: "single-request-reopen"}}}},
			"search shop.svc.cluster.local svc.cluster.local cluster.local corp.example my.domain\nnameserver 10.96.0.10\nnameserver 10.0.0.11\noptions ndots:2 single-request-reopen\n", nil},
		{"None", PodResolvConfInput{Namespace: "shop", DNSPolicy: DNSPolicyNone, DNSConfig: &PodDNSConfig{Nameservers: []string{"203.0.113.4"},
			Searches: []string{"ns1.svc.cluster-domain.example", "my.dns.search.suffix"}, Options: []PodDNSOption{{Name: "ndots", Value: strp("2")}, {Name: "edns0"}}}},
			"search ns1.svc.cluster-domain.example my.dns.search.suffix\nnameserver 203.0.113.4\noptions ndots:2 edns0\n", nil},
		{"pod searches keep their trailing dot", PodResolvConfInput{Namespace: "shop", DNSPolicy: DNSPolicyNone, DNSConfig: &PodDNSConfig{Nameservers: []string{"203.0.113.4"},
			Searches: []string{"a.example.", "a.example"}}}, "search a.example. a.example\nnameserver 203.0.113.4\n", nil},
		{"no cluster DNS", PodResolvConfInput{PodName: "web", Namespace: "shop", PodUID: "u1", ClusterDNS: []netip.Addr{}},
			"search corp.example\nnameserver 198.51.100.53\nnameserver 198.51.100.54\n", []string{
				"Node Warning MissingClusterDNS kubelet does not have ClusterDNS IP configured and cannot create Pod using \"ClusterFirst\" policy. Falling back to \"Default\" policy.",
				"Pod Warning MissingClusterDNS pod: \"web_shop(u1)\". kubelet does not have ClusterDNS IP configured and cannot create Pod using \"ClusterFirst\" policy. Falling back to \"Default\" policy."}},
		{"four nameservers", PodResolvConfInput{Namespace: "shop", DNSConfig: &PodDNSConfig{Nameservers: []string{"10.0.0.11", "10.0.0.12", "10.0.0.13"}}},
			"search shop.svc.cluster.local svc.cluster.local cluster.local corp.example\nnameserver 10.96.0.10\nnameserver 10.0.0.11\nnameserver 10.0.0.12\noptions ndots:5\n",
			[]string{"Pod Warning DNSConfigForming Nameserver limits were exceeded, some nameservers have been omitted, the applied nameserver line is: 10.96.0.10 10.0.0.11 10.0.0.12"}},
		{"duplicates from dnsConfig", PodResolvConfInput{Namespace: "shop", DNSConfig: &PodDNSConfig{Nameservers: []string{"10.96.0.10"}, Searches: []string{"svc.cluster.local"}}},
			"search shop.svc.cluster.local svc.cluster.local cluster.local corp.example\nnameserver 10.96.0.10\noptions ndots:5\n", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := tt.in
			in.ResolvConf, in.ResolvConfData = "node-resolv.conf", node
			if in.ClusterDNS == nil {
				in.ClusterDNS = dns
			}
			in.ClusterDomain = "cluster.local"
			r, err := PodResolvConf(in)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.file, r.File()); diff != "" {
				t.Errorf("file (-want +got):\n%s", diff)
			}
			var ev []string
			for _, e := range r.Events {
				ev = append(ev, e.Object+" "+e.Type+" "+e.Reason+" "+e.Message)
			}
			if diff := cmp.Diff(tt.events, ev); diff != "" {
				t.Errorf("events (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPodResolvConfNodeErrors(t *testing.T) {
	_, err := PodResolvConf(PodResolvConfInput{ResolvConf: "node-resolv.conf", ResolvConfData: []byte("nameserver\n")})
	if !errors.Is(err, ErrPodResolvConf) {
		t.Fatalf("err = %v; want ErrPodResolvConf", err)
	}
	if want := "k8s: node-resolv.conf: Encountered error while parsing resolv conf file. Error: nameserver list is empty "; err.Error() != want {
		t.Errorf("err = %q; want %q", err, want)
	}
	var many []string
	for i := 0; i < 30; i++ {
		many = append(many, fmt.Sprintf("d%d.example", i))
	}
	r, err := PodResolvConf(PodResolvConfInput{ClusterDomain: "cluster.local", ClusterDNS: []netip.Addr{netip.MustParseAddr("10.96.0.10")},
		ResolvConf: "node-resolv.conf", ResolvConfData: []byte("search " + strings.Join(many, " ") + "\n")})
	if err != nil {
		t.Fatal(err)
	}
	want := "Resolv.conf file 'node-resolv.conf' contains search line consisting of more than 29 domains!"
	if len(r.Events) == 0 || r.Events[0].Message != want || r.Events[0].Object != "Node" {
		t.Errorf("events %+v; want first a Node event %q", r.Events, want)
	}
	if len(r.Searches) != 32 {
		t.Errorf("%d searches; want 32 (3 cluster + 29 node)", len(r.Searches))
	}
}

func TestPodResolvConfValidate(t *testing.T) {
	tests := []struct {
		name   string
		policy DNSPolicy
		cfg    *PodDNSConfig
		want   string
	}{
		{"ok", DNSPolicyClusterFirst, nil, ""},
		{"None without dnsConfig", DNSPolicyNone, nil, "spec.dnsConfig: Required value: must provide `dnsConfig` when `dnsPolicy` is None"},
		{"None without nameservers", DNSPolicyNone, &PodDNSConfig{}, "spec.dnsConfig.nameservers: Required value: must provide at least one DNS nameserver when `dnsPolicy` is None"},
		{"four nameservers", DNSPolicyDefault, &PodDNSConfig{Nameservers: []string{"198.51.100.1", "198.51.100.2", "198.51.100.3", "198.51.100.4"}},
			`spec.dnsConfig.nameservers: Invalid value: ["198.51.100.1","198.51.100.2","198.51.100.3","198.51.100.4"]: must not have more than 3 nameservers`},
		{"not an IP", DNSPolicyDefault, &PodDNSConfig{Nameservers: []string{"dns.example"}},
			`spec.dnsConfig.nameservers[0]: Invalid value: "dns.example": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)`},
		{"upper-case search", DNSPolicyDefault, &PodDNSConfig{Searches: []string{"Corp.example"}}, `spec.dnsConfig.searches[0]: Invalid value: "Corp.example": a lowercase RFC 1123`},
		{"underscore and dot are fine", DNSPolicyDefault, &PodDNSConfig{Searches: []string{"_tcp.example.", "."}}, ""},
		{"empty option", DNSPolicyDefault, &PodDNSConfig{Options: []PodDNSOption{{Value: strp("1")}}}, "spec.dnsConfig.options[0]: Required value: must not be empty"},
		{"bad policy", "Cluster", nil, `spec.dnsPolicy: Unsupported value: "Cluster": supported values: "ClusterFirst", "ClusterFirstWithHostNet", "Default", "None"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := PodResolvConfValidate(tt.policy, tt.cfg)
			got := ""
			if err != nil {
				got = err.Error()
			}
			if tt.want == "" && got != "" || tt.want != "" && !strings.HasPrefix(got, tt.want) {
				t.Errorf("PodResolvConfValidate = %q; want %q", got, tt.want)
			}
		})
	}
}
