package k8s

import (
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/netcalc/netcalc/netcalc"
)

func pfx(ss ...string) []netip.Prefix {
	var l []netip.Prefix
	for _, s := range ss {
		l = append(l, netip.MustParsePrefix(s))
	}
	return l
}

// ids returns "severity rule" for every finding.
func ids(p *Plan) []string {
	var s []string
	for _, f := range p.Findings {
		s = append(s, string(f.Severity)+" "+f.Rule)
	}
	return s
}

// Reference k8s-plan.md A1.4 oracle table: usable (old bitmap), band
// offset, static band, kubernetes and DNS addresses.
func TestServiceNetworkOracle(t *testing.T) {
	tests := []struct {
		cidr                 string
		usable               uint64
		offset               uint64
		staticFirst, staticL string
		kube, dns            string
	}{
		{"10.96.0.0/12", 1048574, 256, "10.96.0.1", "10.96.1.0", "10.96.0.1", "10.96.0.10"},
		{"10.96.0.0/16", 65534, 256, "10.96.0.1", "10.96.1.0", "10.96.0.1", "10.96.0.10"},
		{"10.96.0.0/20", 4094, 256, "10.96.0.1", "10.96.1.0", "10.96.0.1", "10.96.0.10"},
		{"10.96.0.0/22", 1022, 64, "10.96.0.1", "10.96.0.64", "10.96.0.1", "10.96.0.10"},
		{"10.96.0.0/24", 254, 16, "10.96.0.1", "10.96.0.16", "10.96.0.1", "10.96.0.10"},
		{"10.96.0.0/27", 30, 16, "10.96.0.1", "10.96.0.16", "10.96.0.1", "10.96.0.10"},
		{"10.96.0.0/28", 14, 0, "", "", "10.96.0.1", "10.96.0.10"},
		{"10.96.0.0/29", 6, 0, "", "", "10.96.0.1", ""},
		{"fd00::/108", 65535, 256, "fd00::1", "fd00::100", "fd00::1", "fd00::a"},
		{"fd00::/120", 255, 16, "fd00::1", "fd00::10", "fd00::1", "fd00::a"},
	}
	for _, tt := range tests {
		t.Run(tt.cidr, func(t *testing.T) {
			p := netip.MustParsePrefix(tt.cidr)
			s := newServiceNetwork(p, Version{1, 33}) // bitmap allocator
			str := func(a netip.Addr) string {
				if !a.IsValid() {
					return ""
				}
				return a.String()
			}
			got := []string{s.Services.String(), str(s.StaticFirst), str(s.StaticLast), str(s.Kubernetes), str(s.DNS)}
			want := []string{netcalc.CountFromUint64(tt.usable).String(), tt.staticFirst, tt.staticL, tt.kube, tt.dns}
			if !slices.Equal(got, want) || s.BandOffset != tt.offset {
				t.Errorf("newServiceNetwork(%s) = %q offset %d; want %q offset %d", p, got, s.BandOffset, want, tt.offset)
			}
		})
	}
	// The ServiceCIDR allocator uses the whole IPv6 range, broadcast included.
	if got := IPAddressServices(netip.MustParsePrefix("fd00::/108")); got != netcalc.CountFromUint64(1<<20-1) {
		t.Errorf("IPAddressServices(fd00::/108) = %s; want %d", got, 1<<20-1)
	}
	// website extend-service-ip-ranges: "a /28 leaves 13 Services after kubernetes".
	if got := IPAddressServices(netip.MustParsePrefix("10.96.0.0/28")); got != netcalc.CountFromUint64(14) {
		t.Errorf("IPAddressServices(10.96.0.0/28) = %s; want 14 (kubernetes + 13)", got)
	}
}

// Reference k8s-plan.md A2 oracle table: nodes, addresses per node and the
// kcm / kubeadm outcome.
func TestNodeIPAMOracle(t *testing.T) {
	tests := []struct {
		cluster      string
		mask         int
		nodes        netcalc.Count
		kcm, kubeadm bool // valid
	}{
		{"10.244.0.0/16", 24, netcalc.CountFromUint64(256), true, true},
		{"10.42.0.0/16", 24, netcalc.CountFromUint64(256), true, true},
		{"10.0.0.0/8", 24, netcalc.CountFromUint64(65536), true, true},
		{"10.0.0.0/8", 26, netcalc.CountFromUint64(262144), true, false},
		{"fd00:10:244::/56", 64, netcalc.CountFromUint64(256), true, true},
		{"2001:db8::/48", 64, netcalc.CountFromUint64(65536), true, true},
		{"2001:db8::/32", 64, netcalc.PowerOfTwo(32), false, false},
		{"10.244.0.0/24", 24, netcalc.CountFromUint64(1), true, true},
	}
	for _, tt := range tests {
		cl := netip.MustParsePrefix(tt.cluster)
		if got := MaxNodes(cl, tt.mask); got != tt.nodes {
			t.Errorf("MaxNodes(%s, %d) = %s; want %s", cl, tt.mask, got, tt.nodes)
		}
		if got := KCMNodeMaskError(cl, tt.mask) == ""; got != tt.kcm {
			t.Errorf("kcm accepts %s /%d = %v; want %v", cl, tt.mask, got, tt.kcm)
		}
		if got := KubeadmNodeMaskError(cl, tt.mask) == ""; got != tt.kubeadm {
			t.Errorf("kubeadm accepts %s /%d = %v; want %v", cl, tt.mask, got, tt.kubeadm)
		}
	}
}

// Each case quotes the rule's source (reference k8s-plan.md section) and
// lists the findings the plan must contain (and, with not, must not).
func TestPlanFindings(t *testing.T) {
	tests := []struct {
		name   string
		source string
		cfg    Config
		want   []string
		not    []string
	}{
		{
			name:   "service /8 on 1.33 is too large",
			source: "A1.1 validateClusterIPFlags: \"the mask must be >= 12\"; A1.3 limits apply up to 1.33",
			cfg:    Config{Version: Version{1, 33}, ServiceCIDRs: pfx("10.0.0.0/8")},
			want:   []string{"error apiserver-service-max-size"},
		},
		{
			name:   "service /8 on 1.34 is accepted",
			source: "A1.3: \"≥ 1.34 default: no max-size check on the flag\"",
			cfg:    Config{Version: Version{1, 34}, ServiceCIDRs: pfx("10.0.0.0/8")},
			want:   []string{"note apiserver-service-max-size"},
			not:    []string{"error apiserver-service-max-size"},
		},
		{
			name:   "kubeadm keeps the /12 limit on 1.34",
			source: "A1.5 MaximumBitsForServiceSubnet = 20, \"identical to validation performed in the apiserver\"",
			cfg:    Config{Profile: Kubeadm, Version: Version{1, 34}, ServiceCIDRs: pfx("10.0.0.0/8")},
			want:   []string{"error kubeadm-service-max-size"},
			not:    []string{"error apiserver-service-max-size"},
		},
		{
			name:   "IPv6 service /48 on 1.34: allocator wants /64",
			source: "A1.2 NewIPAllocator: \"shortest allowed prefix length for service CIDR is 64, got %d\"",
			cfg:    Config{Version: Version{1, 34}, ClusterCIDRs: pfx("2001:db8:1::/56"), ServiceCIDRs: pfx("2001:db8::/48")},
			want:   []string{"error allocator-ipv6-min-prefix"},
		},
		{
			name:   "IPv6 service /64 on 1.34 is fine",
			source: "A1.3: the only remaining size rule is the new allocator's IPv6 ≥ /64",
			cfg:    Config{Version: Version{1, 34}, ClusterCIDRs: pfx("2001:db8:1::/56"), ServiceCIDRs: pfx("2001:db8::/64")},
			not:    []string{"error allocator-ipv6-min-prefix", "error apiserver-service-max-size"},
		},
		{
			name:   "IPv6 service /108 on 1.32: bitmap uses the first /112",
			source: "A1.2 bitmap.go: \"if max > 65536 { max = 65536 }\"",
			cfg:    Config{Version: Version{1, 32}, ClusterCIDRs: pfx("2001:db8:1::/56"), ServiceCIDRs: pfx("2001:db8::/108")},
			want:   []string{"note bitmap-ipv6-cap"},
			not:    []string{"error apiserver-service-max-size"},
		},
		{
			name:   "service /30 is below 8 addresses",
			source: "A1.1 ServiceIPRange: \"the service cluster IP range must be at least 8 IP addresses\"",
			cfg:    Config{ServiceCIDRs: pfx("10.96.0.0/30")},
			want:   []string{"error apiserver-service-min-size"},
		},
		{
			name:   "kubeadm rejects a /29 Service subnet",
			source: "A1.5 MinimumAddressesInServiceSubnet = 10: \"subnet with 8 address(es) is too small, the minimum is 10\"",
			cfg:    Config{Profile: Kubeadm, ServiceCIDRs: pfx("10.96.0.0/29")},
			want:   []string{"error kubeadm-service-min-size"},
			not:    []string{"error apiserver-service-min-size"},
		},
		{
			name:   "a /28 Service range has no static band",
			source: "A1.4 calculateRangeOffset: cidrSize <= 16 gives 0",
			cfg:    Config{ServiceCIDRs: pfx("10.96.0.0/28")},
			want:   []string{"warning dns-in-dynamic-band"},
		},
		{
			name:   "cluster DNS outside the Service range",
			source: "ErrNotInRange: \"the provided IP (%v) is not in the valid range. The range of valid IPs is %s\"",
			cfg:    Config{ServiceCIDRs: pfx("10.96.0.0/16"), ClusterDNS: []netip.Addr{netip.MustParseAddr("10.97.0.10")}},
			want:   []string{"error dns-ip"},
		},
		{
			name:   "cluster DNS in the dynamic band",
			source: "A1.4: static band 10.96.0.1-10.96.0.16 of a /24",
			cfg:    Config{ServiceCIDRs: pfx("10.96.0.0/24"), ClusterDNS: []netip.Addr{netip.MustParseAddr("10.96.0.53")}},
			want:   []string{"warning dns-in-dynamic-band"},
			not:    []string{"error dns-ip"},
		},
		{
			name:   "cluster DNS at .10 is fine",
			source: "A1.5 DefaultClusterDNSIP 10.96.0.10",
			cfg:    Config{ServiceCIDRs: pfx("10.96.0.0/12"), ClusterDNS: []netip.Addr{netip.MustParseAddr("10.96.0.10")}},
			not:    []string{"error dns-ip", "warning dns-in-dynamic-band"},
		},
		{
			name:   "two IPv4 Service ranges",
			source: "A1.1: \"--service-cluster-ip-range[0] and --service-cluster-ip-range[1] must be of different IP family\"",
			cfg:    Config{ServiceCIDRs: pfx("10.96.0.0/16", "10.97.0.0/16")},
			want:   []string{"error dual-stack-families"},
		},
		{
			name:   "three pod ranges",
			source: "A2 validateCIDRs: \"more than max allowed of 2\"",
			cfg:    Config{ClusterCIDRs: pfx("10.244.0.0/16", "fd00::/56", "10.245.0.0/16"), NodeMasks: []int{24, 64, 24}},
			want:   []string{"error cidr-list"},
		},
		{
			name:   "IPv6 pod /32 with /64 nodes",
			source: "A2 cidr_set.go clusterSubnetMaxDiff = 16, IPv6 only: \"New CIDR set failed; the node CIDR size is too big\"",
			cfg:    Config{ClusterCIDRs: pfx("2001:db8::/32"), ServiceCIDRs: pfx("fd00::/112")},
			want:   []string{"error kcm-ipv6-mask-diff"},
		},
		{
			name:   "IPv4 /8 with /26 nodes: kcm yes, kubeadm no",
			source: "A2: \"IPv4 in kcm: any difference is accepted\"; kubeadm PodSubnetNodeMaskMaxDiff = 16 for both families",
			cfg:    Config{Profile: Kubeadm, ClusterCIDRs: pfx("10.0.0.0/8"), NodeMasks: []int{26}, ServiceCIDRs: pfx("172.20.0.0/16")},
			want:   []string{"error kubeadm-node-mask"},
			not:    []string{"error kcm-ipv6-mask-diff"},
		},
		{
			name:   "5 nodes in a /24 cluster CIDR with /24 nodes",
			source: "A2 oracle: 2nd..5th node CIDRNotAvailable (kubernetes#85866)",
			cfg:    Config{ClusterCIDRs: pfx("10.244.0.0/24"), Nodes: 5, ServiceCIDRs: pfx("10.96.0.0/16")},
			want:   []string{"error kcm-nodes-fit"},
		},
		{
			name:   "max pods above a /26 node CIDR",
			source: "A3: host-local hands out the node CIDR minus network, gateway, broadcast",
			cfg:    Config{ClusterCIDRs: pfx("10.244.0.0/16"), NodeMasks: []int{26}, ServiceCIDRs: pfx("10.96.0.0/16")},
			want:   []string{"error max-pods-fit"},
		},
		{
			name:   "cilium default pool encloses the kubeadm Service range",
			source: "A5: Faisal-Hajari/ai-platform#6 (Cilium 10.0.0.0/8 encloses kubeadm 10.96.0.0/12)",
			cfg:    Config{Profile: Cilium},
			want:   []string{"error overlap-pod-service"},
		},
		{
			name:   "kcm IPAM only loses node CIDRs to a Service range inside the pod range",
			source: "A5: \"error (warn if kcm IPAM + --service-cluster-ip-range)\"",
			cfg:    Config{Profile: Kubeadm, ClusterCIDRs: pfx("10.0.0.0/8"), ServiceCIDRs: pfx("10.96.0.0/12")},
			want:   []string{"warning overlap-pod-service"},
			not:    []string{"error overlap-pod-service"},
		},
		{
			name:   "pod range over the node network",
			source: "A5: Cilium cluster-pool doc \"you will lose connectivity to other nodes\"",
			cfg:    Config{Profile: K3s, NodeNetworks: pfx("10.42.7.0/24")},
			want:   []string{"error overlap-node-network"},
		},
		{
			name:   "Service range over an avoided VPN",
			source: "A5: aws/containers-roadmap#216 (10.100.0.0/16 colliding with VPN)",
			cfg:    Config{Profile: EKS, NodeNetworks: pfx("192.168.0.0/20"), Avoid: pfx("10.100.0.0/16")},
			want:   []string{"error overlap-avoid"},
		},
		{
			name:   "docker0",
			source: "A5: EKS \"Docker runs in the 172.17.0.0/16 CIDR range\"",
			cfg:    Config{ClusterCIDRs: pfx("172.16.0.0/12"), ServiceCIDRs: pfx("10.96.0.0/16")},
			want:   []string{"warning overlap-docker"},
		},
		{
			name:   "link-local pod range",
			source: "A5: Calico IPPool \"Must not overlap with the Link Local range 169.254.0.0/16\"",
			cfg:    Config{ClusterCIDRs: pfx("169.254.0.0/16"), ServiceCIDRs: pfx("10.96.0.0/16")},
			want:   []string{"error overlap-link-local"},
		},
		{
			name:   "site-local IPv6",
			source: "A1.5 kubeadm warning \"deprecated by rfc3879\"",
			cfg:    Config{ClusterCIDRs: pfx("fec0::/56"), ServiceCIDRs: pfx("fd00::/112")},
			want:   []string{"warning kubeadm-site-local"},
		},
		{
			name:   "EKS service range outside RFC 1918",
			source: "A3 EKS API: within 10/8, 172.16/12 or 192.168/16, between /24 and /12",
			cfg:    Config{Profile: EKS, ServiceCIDRs: pfx("100.64.0.0/16")},
			want:   []string{"error eks-service-range"},
		},
		{
			name:   "EKS IPv6 Service range is not configurable",
			source: "A3 EKS: IPv6 clusters: services from fc00::/7, no custom v6 service CIDR",
			cfg:    Config{Profile: EKS, NodeNetworks: pfx("2001:db8:1::/56"), ServiceCIDRs: pfx("fd00::/108")},
			want:   []string{"error eks-service-range", "note eks-subnet-ips"},
		},
		{
			name:   "EKS subnet too small for the nodes",
			source: "A3: pods take VPC subnet IPs; AWS reserves 5 per subnet",
			cfg:    Config{Profile: EKS, NodeNetworks: pfx("10.0.0.0/24"), InstanceType: "m5.large", Nodes: 10},
			want:   []string{"error eks-subnet-ips"},
		},
		{
			name:   "Calico blocks run out",
			source: "A3 Calico: node count is 2^(blockSize − poolMask) blocks",
			cfg:    Config{Profile: Calico, ClusterCIDRs: pfx("192.168.0.0/24"), Nodes: 5},
			want:   []string{"error calico-block-size"},
		},
		{
			name:   "AKS reserved ranges",
			source: "A3 AKS: 169.254.0.0/16, 172.30.0.0/16, 172.31.0.0/16, 192.0.2.0/24 forbidden (docs.azure.cn)",
			cfg:    Config{Profile: AKS, NodeNetworks: pfx("172.31.0.0/20")},
			want:   []string{"error aks-reserved"},
		},
		{
			name:   "AKS overlay gives a /24 per node",
			source: "A3 AKS overlay: \"Each node in your cluster is assigned a /24\"",
			cfg:    Config{Profile: AKS, NodeMasks: []int{26}},
			want:   []string{"warning aks-node-cidr"},
		},
		{
			name:   "AKS Azure CNI: aksip -n 50 -s 10 needs 1891 addresses (+1 internal LB = 1892), more than a /22",
			source: "A3 AKS: required = (nodes + 1 + scale) + (nodes + 1 + scale) x maxPods (carlos.mendible aksip)",
			cfg:    Config{Profile: AKSAzureCNI, NodeNetworks: pfx("10.240.0.0/22"), Nodes: 60},
			want:   []string{"error aks-subnet-ips"},
		},
		{
			name:   "AKS Azure CNI: a /21 holds them",
			source: "A3 AKS: aksip -n 50 -s 10 → /21",
			cfg:    Config{Profile: AKSAzureCNI, NodeNetworks: pfx("10.240.0.0/21"), Nodes: 60},
			not:    []string{"error aks-subnet-ips"},
		},
		{
			name:   "MicroK8s defaults are clean",
			source: "A4 MicroK8s 10.1.0.0/16 (Calico), 10.152.183.0/24",
			cfg:    Config{Profile: MicroK8s, Nodes: 3},
			not:    []string{"error calico-block-size", "error overlap-pod-service"},
		},
		{
			name:   "GKE nodes take primary-range addresses",
			source: "A3 GKE: max nodes = 2^(32−N) − 4 (GCP reserves 4 addresses per subnet)",
			cfg:    Config{Profile: GKE, ClusterCIDRs: pfx("10.4.0.0/14"), NodeNetworks: pfx("10.0.0.0/28"), Nodes: 13},
			want:   []string{"error gke-pod-range"},
		},
		{
			name:   "GKE: 12 nodes fit a /28",
			source: "A3 GKE: 2^(32−28) − 4 = 12",
			cfg:    Config{Profile: GKE, ClusterCIDRs: pfx("10.4.0.0/14"), NodeNetworks: pfx("10.0.0.0/28"), Nodes: 12},
			not:    []string{"error gke-pod-range"},
		},
		{
			name:   "GKE 110 pods need a /24",
			source: "A3 GKE: nodeMask = 32 − ceil(log2(2 × maxPods))",
			cfg:    Config{Profile: GKE, ClusterCIDRs: pfx("10.4.0.0/14"), NodeMasks: []int{25}},
			want:   []string{"warning gke-pod-range"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := NewPlan(tt.cfg)
			if err != nil {
				t.Fatalf("NewPlan: %v", err)
			}
			got := ids(p)
			for _, w := range tt.want {
				if !slices.Contains(got, w) {
					t.Errorf("findings %q; want %q (source: %s)", got, w, tt.source)
				}
			}
			for _, w := range tt.not {
				if slices.Contains(got, w) {
					t.Errorf("findings %q; do not want %q (source: %s)", got, w, tt.source)
				}
			}
			for _, f := range p.Findings {
				r, ok := RuleByID(f.Rule)
				if !ok || f.Source != r.Source || f.Source == "" {
					t.Errorf("finding %s does not carry its rule's source", f)
				}
			}
			if (p.Count(Error) > 0) != p.HasErrors() {
				t.Errorf("HasErrors disagrees with Count")
			}
		})
	}
}

func TestPlanCapacities(t *testing.T) {
	p, err := NewPlan(Config{Profile: Kind, Nodes: 3, ShowNode: true, NodeIndex: 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Pods) != 1 || len(p.Services) != 1 {
		t.Fatalf("pods %d services %d; want 1 and 1", len(p.Pods), len(p.Services))
	}
	pn := p.Pods[0]
	got := []string{pn.CIDR.String(), pn.MaxNodes.String(), pn.PodIPsPerNode.String(), pn.TotalPods.String(), pn.FreeNodes.String()}
	want := []string{"10.244.0.0/16", "256", "253", "28160", "253"}
	if !slices.Equal(got, want) {
		t.Errorf("kind pods = %q; want %q", got, want)
	}
	if p.Node == nil || len(p.Node.CIDRs) != 1 || p.Node.CIDRs[0].String() != "10.244.2.0/24" {
		t.Errorf("node 2 = %+v; want 10.244.2.0/24", p.Node)
	}
	if p.HasErrors() {
		t.Errorf("kind defaults have errors: %q", ids(p))
	}

	// Dual-stack kind: both families, node CIDRs per family.
	p, err = NewPlan(Config{Profile: Kind, ClusterCIDRs: pfx("10.244.0.0/16", "fd00:10:244::/56"), ServiceCIDRs: pfx("10.96.0.0/16", "fd00:10:96::/112"), ShowNode: true, NodeIndex: 1})
	if err != nil {
		t.Fatal(err)
	}
	if got := joinPrefixes(p.Node.CIDRs); got != "10.244.1.0/24,fd00:10:244:1::/64" {
		t.Errorf("dual-stack node 1 = %s", got)
	}
	if p.HasErrors() {
		t.Errorf("dual-stack kind has errors: %q", ids(p))
	}

	// kcm loses the node CIDRs inside the Service range: 10.96.0.0/12 in
	// 10.0.0.0/8 with /24 nodes is 4096 node CIDRs.
	p, _ = NewPlan(Config{Profile: Kubeadm, ClusterCIDRs: pfx("10.0.0.0/8"), ServiceCIDRs: pfx("10.96.0.0/12")})
	if got := p.Pods[0].Lost; got != netcalc.CountFromUint64(4096) {
		t.Errorf("lost node CIDRs = %s; want 4096", got)
	}
	if got := p.Pods[0].TotalPods; got != netcalc.CountFromUint64((65536-4096)*110) {
		t.Errorf("total pods = %s; want %d", got, (65536-4096)*110)
	}
}

func TestPlanConfigErrors(t *testing.T) {
	for _, cfg := range []Config{
		{ClusterCIDRs: pfx("10.244.0.0/16", "fd00::/56"), NodeMasks: []int{24}},
		{ClusterCIDRs: pfx("10.244.0.0/16"), NodeMasks: []int{33}},
		{Profile: EKS, InstanceType: "x9.huge"},
		{ClusterCIDRs: []netip.Prefix{{}}},
		{Profile: "nope"},
	} {
		if _, err := NewPlan(cfg); err == nil {
			t.Errorf("NewPlan(%+v) = nil error; want ErrConfig", cfg)
		}
	}
}

func TestRulesCatalog(t *testing.T) {
	seen := map[string]bool{}
	for _, r := range Rules() {
		if seen[r.ID] || r.Source == "" || strings.TrimSpace(r.ID) != r.ID {
			t.Errorf("rule %+v: duplicate, empty source or bad id", r)
		}
		seen[r.ID] = true
	}
	if r, _ := RuleByID("apiserver-service-max-size"); r.Versions.String() != "<= 1.33" {
		t.Errorf("apiserver-service-max-size versions %s; want <= 1.33", r.Versions)
	}
}

func TestParseVersion(t *testing.T) {
	for in, want := range map[string]string{"1.34": "1.34", "v1.33": "1.33", "1.35.2": "1.35"} {
		v, err := ParseVersion(in)
		if err != nil || v.String() != want {
			t.Errorf("ParseVersion(%q) = %v, %v; want %s", in, v, err, want)
		}
	}
	for _, in := range []string{"", "1", "2.0", "1.x", "1.-3", "1.34.2.1"} {
		if _, err := ParseVersion(in); err == nil {
			t.Errorf("ParseVersion(%q) = nil error", in)
		}
	}
}

// Every profile plans its defaults and a suggestion in every family
// without a structural error, and the suggestions have no error finding.
func TestEveryProfileAndFamily(t *testing.T) {
	for _, prof := range append([]Profile{Upstream}, Profiles()...) {
		for _, fam := range []Family{IPv4, IPv6, Dual} {
			t.Run(prof.String()+"/"+string(fam), func(t *testing.T) {
				var cfg Config
				switch fam {
				case IPv4:
					cfg = Config{Profile: prof, Nodes: 10, NodeNetworks: pfx("198.51.100.0/24")}
				case IPv6:
					cfg = Config{Profile: prof, Nodes: 10, ClusterCIDRs: pfx("fd00:1::/56"), ServiceCIDRs: pfx("fd00:2::/112"), NodeNetworks: pfx("2001:db8:1::/64")}
				case Dual:
					cfg = Config{Profile: prof, Nodes: 10, ClusterCIDRs: pfx("10.244.0.0/16", "fd00:1::/56"), ServiceCIDRs: pfx("10.96.0.0/16", "fd00:2::/112"), NodeNetworks: pfx("198.51.100.0/24", "2001:db8:1::/64")}
				}
				if prof == Cilium && fam != IPv4 {
					// cluster-pool /120 nodes need a pool of /104 or longer.
					cfg.ClusterCIDRs[len(cfg.ClusterCIDRs)-1] = netip.MustParsePrefix("fd00:1::/104")
				}
				if prof == EKS || prof == AKSAzureCNI {
					cfg.ClusterCIDRs = nil
					switch fam {
					case IPv6:
						cfg.ServiceCIDRs = nil
					case Dual:
						cfg.ServiceCIDRs = cfg.ServiceCIDRs[:1] // no custom IPv6 Service range on EKS
					}
					cfg.NodeNetworks = pfx("10.0.0.0/20")
					if fam == IPv6 {
						cfg.NodeNetworks = pfx("2001:db8:1::/56")
					}
				}
				p, err := NewPlan(cfg)
				if err != nil {
					t.Fatalf("NewPlan: %v", err)
				}
				// Explicit, sane ranges plan without error in every profile
				// (the IPv4 case takes the defaults, which may collide: Cilium).
				if fam != IPv4 && p.HasErrors() {
					t.Errorf("%+v plans with errors %q", cfg, ids(p))
				}
				if prof == EKS || prof == AKSAzureCNI {
					return
				}
				s, err := Suggest(Request{Profile: prof, Family: fam, Nodes: 50})
				if err != nil {
					t.Fatalf("Suggest: %v", err)
				}
				p, err = NewPlan(s)
				if err != nil || p.HasErrors() {
					t.Fatalf("suggestion %+v plans with %v %q", s, err, ids(p))
				}
			})
		}
	}
}
