package k8s

import (
	"net/netip"
	"strings"
	"testing"
)

// FuzzPodResolvConf feeds node files to kubelet's parser and the whole
// computation: no panic, and the result always fits kubelet's limits.
func FuzzPodResolvConf(f *testing.F) {
	f.Add("nameserver 203.0.113.4\nsearch foo bar\noptions ndots:1 ndots:5\n", "shop", uint8(0))
	f.Add("nameserver\n", "", uint8(1))                          // kubelet's parse error
	f.Add("search .\n", "ns", uint8(2))                          // a lone dot is dropped
	f.Add("search a. b.. .\n", "x", uint8(3))                    // one trailing dot trimmed only
	f.Add("options a:b:c\noptions a\n", "y", uint8(2))           // option names cut at the first colon
	f.Add(" #c\n\tnameserver 198.51.100.9 #x\n", "z", uint8(0))  // indented comment and field 2 only
	f.Add("search "+strings.Repeat("d ", 40)+"\n", "", uint8(0)) // more than 32 paths
	f.Fuzz(func(t *testing.T, node, ns string, policy uint8) {
		pols := []DNSPolicy{DNSPolicyClusterFirst, DNSPolicyClusterFirstWithHostNet, DNSPolicyDefault, DNSPolicyNone}
		in := PodResolvConfInput{Namespace: ns, DNSPolicy: pols[int(policy)%4], HostNetwork: policy >= 4, ClusterDomain: "cluster.local",
			ClusterDNS: []netip.Addr{netip.MustParseAddr("10.96.0.10")}, ResolvConf: "node", ResolvConfData: []byte(node),
			DNSConfig: &PodDNSConfig{Nameservers: []string{"10.0.0.1", "10.0.0.2", "10.0.0.3"}}}
		r, err := PodResolvConf(in)
		if err != nil {
			if !strings.Contains(err.Error(), "nameserver list is empty") {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		if len(r.Nameservers) > 3 || len(r.Searches) > 32 || len(strings.Join(r.Searches, " ")) > 2048 {
			t.Fatalf("limits broken: %d nameservers, %d searches", len(r.Nameservers), len(r.Searches))
		}
		for _, s := range r.Searches {
			if len(s) > 253 {
				t.Fatalf("search path of %d characters", len(s))
			}
		}
		if f := r.File(); f != "" && !strings.HasSuffix(f, "\n") {
			t.Fatalf("file %q does not end in a newline", f)
		}
	})
}
