package k8s

import (
	"fmt"
	"net/netip"
	"strings"
	"sync"
)

// Profile names a distribution, CNI or cloud whose defaults and extra
// rules a plan applies. The zero Profile is the upstream components alone
// (kube-apiserver, kube-controller-manager, kubelet).
type Profile string

// The profiles.
const (
	Upstream Profile = ""
	Kubeadm  Profile = "kubeadm"
	Kind     Profile = "kind"
	K3s      Profile = "k3s"
	RKE2     Profile = "rke2"
	MicroK8s Profile = "microk8s"
	Calico   Profile = "calico"
	Cilium   Profile = "cilium"
	GKE      Profile = "gke"
	EKS      Profile = "eks"
	// AKS is Azure CNI Overlay, AKS's default: a private pod range, a /24
	// per node.
	AKS Profile = "aks"
	// AKSKubenet is AKS kubenet: a /24 per node, routes in a route table.
	AKSKubenet Profile = "aks-kubenet"
	// AKSAzureCNI is Azure CNI with pods in the node subnet: every pod a
	// VNet address, reserved up front.
	AKSAzureCNI Profile = "aks-azure-cni"
)

// Profiles lists the profile names ParseProfile accepts.
func Profiles() []Profile {
	return []Profile{Kubeadm, Kind, K3s, RKE2, MicroK8s, Calico, Cilium, GKE, EKS, AKS, AKSKubenet, AKSAzureCNI}
}

// ParseProfile returns the profile named s (case-insensitive); "" and
// "upstream" are Upstream.
func ParseProfile(s string) (Profile, error) {
	t := Profile(strings.ToLower(strings.TrimSpace(s)))
	if t == "" || t == "upstream" {
		return Upstream, nil
	}
	if _, ok := profiles()[t]; ok {
		return t, nil
	}
	names := make([]string, 0, len(profiles()))
	for _, p := range Profiles() {
		names = append(names, string(p))
	}
	return "", fmt.Errorf("k8s: %q is not a profile, want one of %s", s, strings.Join(names, ", "))
}

// String returns the name, "upstream" for the zero Profile.
func (p Profile) String() string {
	if p == Upstream {
		return "upstream"
	}
	return string(p)
}

// IPAM says who hands out pod addresses.
type IPAM string

// The IPAM kinds.
const (
	// KCM is kube-controller-manager's range allocator: one node CIDR per
	// node (node.spec.podCIDRs), used by flannel, kindnet, kubenet and
	// the host-local plugin.
	KCM IPAM = "kube-controller-manager"
	// CalicoBlocks is Calico IPAM: blocks of the pool affine to nodes,
	// allocated on demand.
	CalicoBlocks IPAM = "calico-ipam"
	// CiliumPool is Cilium's cluster-pool: the operator cuts the pool into
	// per-node CIDRs with its own copy of the cidrset allocator.
	CiliumPool IPAM = "cilium-cluster-pool"
	// VPCCNI is the Amazon VPC CNI: pods take secondary addresses (or
	// /28 prefixes) of the node subnets.
	VPCCNI IPAM = "aws-vpc-cni"
	// GKEAlias is GKE VPC-native: each node gets an alias range from the
	// subnet's secondary pod range.
	GKEAlias IPAM = "gke-alias-ip"
	// AzureOverlay is AKS Azure CNI Overlay (and kubenet): a /24 of the
	// pod range per node.
	AzureOverlay IPAM = "azure-cni-overlay"
	// AzureVNet is AKS Azure CNI in node-subnet mode: pods take addresses
	// of the node subnet, reserved per node up front.
	AzureVNet IPAM = "azure-cni"
)

// profileSpec holds a profile's defaults: CIDRs per family (v4, v6), node
// masks, kubelet max pods and whether kubeadm validates the config.
type profileSpec struct {
	cluster   [2]string
	service   [2]string
	mask      [2]int
	maxPods   int
	ipam      IPAM
	kubeadm   bool // kubeadm's networking validation runs
	kcmIgnore bool // the CNI ignores node.spec.podCIDRs
	source    string
}

// profiles are the profiles' defaults, built on first use.
var profiles = sync.OnceValue(func() map[Profile]profileSpec {
	return map[Profile]profileSpec{
		Upstream: {service: [2]string{"10.0.0.0/24", ""}, mask: [2]int{24, 64}, maxPods: 110, ipam: KCM,
			source: "kube-apiserver DefaultServiceIPCIDR; kube-controller-manager defaultNodeMaskCIDRIPv4/IPv6; kubelet maxPods 110"},
		Kubeadm: {service: [2]string{"10.96.0.0/12", ""}, mask: [2]int{24, 64}, maxPods: 110, ipam: KCM, kubeadm: true,
			source: "kubeadm constants DefaultServicesSubnet 10.96.0.0/12; no pod subnet by default (--pod-network-cidr)"},
		Kind: {cluster: [2]string{"10.244.0.0/16", "fd00:10:244::/56"}, service: [2]string{"10.96.0.0/16", "fd00:10:96::/112"}, mask: [2]int{24, 64}, maxPods: 110, ipam: KCM, kubeadm: true,
			source: "kind pkg/apis/config/v1alpha4/default.go"},
		K3s: {cluster: [2]string{"10.42.0.0/16", ""}, service: [2]string{"10.43.0.0/16", ""}, mask: [2]int{24, 64}, maxPods: 110, ipam: KCM,
			source: "k3s pkg/cli/cmds/server.go --cluster-cidr, --service-cidr"},
		RKE2: {cluster: [2]string{"10.42.0.0/16", ""}, service: [2]string{"10.43.0.0/16", ""}, mask: [2]int{24, 64}, maxPods: 110, ipam: KCM,
			source: "rke2 server --cluster-cidr, --service-cidr"},
		MicroK8s: {cluster: [2]string{"10.1.0.0/16", ""}, service: [2]string{"10.152.183.0/24", ""}, mask: [2]int{26, 122}, maxPods: 110, ipam: CalicoBlocks, kcmIgnore: true,
			source: "MicroK8s args/kube-apiserver --service-cluster-ip-range, Calico pool 10.1.0.0/16 [2nd]"},
		Calico: {cluster: [2]string{"192.168.0.0/16", ""}, service: [2]string{"10.96.0.0/12", ""}, mask: [2]int{26, 122}, maxPods: 110, ipam: CalicoBlocks, kubeadm: true, kcmIgnore: true,
			source: "Calico manifest default pool 192.168.0.0/16, blockSize 26/122; kubeadm Service default"},
		Cilium: {cluster: [2]string{"10.0.0.0/8", "fd00::/104"}, service: [2]string{"10.96.0.0/12", ""}, mask: [2]int{24, 120}, maxPods: 110, ipam: CiliumPool, kubeadm: true, kcmIgnore: true,
			source: "Cilium values.yaml clusterPoolIPv4PodCIDRList 10.0.0.0/8 mask 24, clusterPoolIPv6PodCIDRList fd00::/104 mask 120; kubeadm Service default"},
		GKE: {service: [2]string{"34.118.224.0/20", ""}, mask: [2]int{24, 64}, maxPods: 110, ipam: GKEAlias,
			source: "GKE: Services from 34.118.224.0/20 when no secondary range is given; 110 pods per node on a /24"},
		AKS: {cluster: [2]string{"10.244.0.0/16", ""}, service: [2]string{"10.0.0.0/16", ""}, mask: [2]int{24, 64}, maxPods: 110, ipam: AzureOverlay, kcmIgnore: true,
			source: "AKS Service default 10.0.0.0/16 (cilium PR #31504 quoting AKS docs); overlay: a /24 per node; pod range 10.244.0.0/16 [hedge]"},
		AKSKubenet: {cluster: [2]string{"10.244.0.0/16", ""}, service: [2]string{"10.0.0.0/16", ""}, mask: [2]int{24, 64}, maxPods: 110, ipam: AzureOverlay, kcmIgnore: true,
			source: "AKS kubenet: pods NATed behind the node, max pods 110, pod range 10.244.0.0/16 [hedge]"},
		AKSAzureCNI: {service: [2]string{"10.0.0.0/16", ""}, maxPods: 30, ipam: AzureVNet,
			source: "AKS Azure CNI (node subnet): every pod a VNet address, max pods default 30 (10-250)"},
		EKS: {service: [2]string{"10.100.0.0/16", ""}, maxPods: 0, ipam: VPCCNI,
			source: "EKS API serviceIpv4Cidr default 10.100.0.0/16 or 172.20.0.0/16; pods from the VPC subnets"},
	}
})

func (s profileSpec) def(list [2]string, is4 bool) (netip.Prefix, bool) {
	i := 0
	if !is4 {
		i = 1
	}
	if list[i] == "" {
		return netip.Prefix{}, false
	}
	return netip.MustParsePrefix(list[i]), true
}

func (s profileSpec) maskFor(is4 bool) int {
	if is4 {
		return s.mask[0]
	}
	return s.mask[1]
}
