package k8s

import (
	"fmt"
	"net/netip"
)

// Severity says how bad a finding is.
type Severity string

// The severities, worst first.
const (
	// Error means a component refuses the configuration or the cluster
	// breaks: kube-apiserver does not start, nodes get no pod CIDR,
	// ClusterIPs shadow real hosts.
	Error Severity = "error"
	// Warning means it works but something will hurt: lost node CIDRs, a
	// range that collides with Docker's bridge, a deprecated range.
	Warning Severity = "warning"
	// Note is information: a default applied, a limit that changes with
	// the version.
	Note Severity = "note"
)

// Rule is one checked rule: its id, the component and source it comes
// from, and the Kubernetes versions where it holds.
type Rule struct {
	ID string `json:"rule"`
	// Source names the component, file or document and, where the
	// component prints one, its error text.
	Source   string   `json:"source"`
	Versions Versions `json:"versions"`
}

// Finding is one result of a rule applied to a plan.
type Finding struct {
	Severity Severity `json:"severity"`
	Rule     string   `json:"rule"`
	Message  string   `json:"message"`
	Source   string   `json:"source"`
	Versions string   `json:"versions"`
	// CIDRs are the ranges the finding is about, if any.
	CIDRs []netip.Prefix `json:"cidrs,omitempty"`
}

// String returns "SEVERITY RULE: MESSAGE".
func (f Finding) String() string { return string(f.Severity) + " " + f.Rule + ": " + f.Message }

// Rules returns the catalog of every rule, in the order plans apply them.
func Rules() []Rule { return append([]Rule(nil), catalog...) }

// RuleByID returns the rule with that id.
func RuleByID(id string) (Rule, bool) {
	for _, r := range catalog {
		if r.ID == id {
			return r, true
		}
	}
	return Rule{}, false
}

var (
	v126 = Version{1, 26}
	v133 = Version{1, 33}
	v134 = Version{1, 34}
)

// catalog lists the rules; sources are in ../../shared/reference/k8s-plan.md
// and the Kubernetes tree (v1.37.2).
var catalog = []Rule{
	// Lists and families.
	{"cidr-list", "kube-apiserver validateClusterIPFlags: \"--service-cluster-ip-range must not contain more than two entries\"; kube-controller-manager validateCIDRs: \"length of clusterCIDRs is:%v more than max allowed of 2\"", Versions{}},
	{"dual-stack-families", "kube-apiserver: \"--service-cluster-ip-range[0] and --service-cluster-ip-range[1] must be of different IP family\"; kube-controller-manager validateCIDRs: \"they are not configured as dual stack (at least one from each IPFamily\"", Versions{}},
	{"family-match", "kube-apiserver / kube-controller-manager: the primary (first) family of the pod and Service ranges should agree; dual-stack needs both families in both lists", Versions{}},
	{"apiserver-service-default", "kube-apiserver pkg/kubeapiserver/options DefaultServiceIPCIDR 10.0.0.0/24, used when --service-cluster-ip-range is unset (deprecated default)", Versions{}},
	// Service range size.
	{"apiserver-service-max-size", "kube-apiserver cmd/kube-apiserver/app/options/validation.go validateMaxCIDRRange (maxCIDRBits 20): \"specified --service-cluster-ip-range is too large; for 32-bit addresses, the mask must be >= 12\"; lifted when MultiCIDRServiceAllocator and DisableAllocatorDualWrite are on (default from 1.34)", Versions{To: v133}},
	{"apiserver-service-min-size", "kube-apiserver pkg/controlplane/apiserver/options ServiceIPRange: \"the service cluster IP range must be at least 8 IP addresses\"", Versions{}},
	{"allocator-ipv6-min-prefix", "kube-apiserver pkg/registry/core/service/ipallocator NewIPAllocator (ServiceCIDR allocator, KEP-1880): \"shortest allowed prefix length for service CIDR is 64, got %d\"", Versions{From: v133}},
	{"bitmap-ipv6-cap", "kube-apiserver pkg/registry/core/service/ipallocator bitmap.go: \"Limit the max size, since the allocator keeps a bitmap of that size\" (65536), so only the first /112 is used", Versions{To: v133}},
	{"kubeadm-service-min-size", "kubeadm validation ValidateIPNetFromString, MinimumAddressesInServiceSubnet 10 (\"the DNS service is always at the tenth cluster clusterIP\"): \"subnet with %d address(es) is too small, the minimum is 10\"", Versions{}},
	{"kubeadm-service-max-size", "kubeadm validation ValidateServiceSubnetSize, MaximumBitsForServiceSubnet 20: \"specified service subnet is too large; for %d-bit addresses, the mask must be >= %d\" (kubeadm keeps it after 1.34)", Versions{}},
	{"kubeadm-pod-min-size", "kubeadm validation ValidateIPNetFromString, MinimumAddressesInPodSubnet 14: \"subnet with %d address(es) is too small, the minimum is 14\"", Versions{}},
	{"kubeadm-site-local", "kubeadm validation: \"the subnet %v contains IPv6 site-local addresses that belong to fec0::/10 which has been deprecated by rfc3879\" (a warning)", Versions{}},
	// Reserved addresses.
	{"service-band", "KEP-3070 calculateRangeOffset (pkg/registry/core/service/ipallocator): static band min(max(16, size/16), 256) addresses, none for ranges of 16 addresses or fewer; GA 1.26", Versions{From: v126}},
	{"dns-in-dynamic-band", "KEP-3070 / website cluster-ip-allocation.md: kube-dns at the 10th address is a convention (\"has not been reserved\"); outside the static band a dynamically allocated Service may take it first", Versions{From: v126}},
	{"dns-ip", "kube-apiserver ErrNotInRange: \"the provided IP (%v) is not in the valid range. The range of valid IPs is %s\" when the DNS Service asks for a ClusterIP outside the Service range; kubelet clusterDNS must be that ClusterIP", Versions{}},
	// Node IPAM.
	{"kcm-node-mask", "kube-controller-manager cidrset getMaxCIDRs: max nodes 2^(node mask - cluster mask); a node mask shorter than the cluster's leaves none: \"CIDR allocation failed; there are no remaining CIDRs left to allocate in the accepted range\"", Versions{}},
	{"kcm-ipv6-mask-diff", "kube-controller-manager pkg/controller/nodeipam/ipam/cidrset NewCIDRSet, clusterSubnetMaxDiff 16 (IPv6 only): \"New CIDR set failed; the node CIDR size is too big\"", Versions{}},
	{"kubeadm-node-mask", "kubeadm validation ValidatePodSubnetNodeMask (both families, PodSubnetNodeMaskMaxDiff 16): \"pod subnet mask (%d) and node-mask (%d) difference is greater than 16\" / \"the size of pod subnet with mask %d is smaller than the size of node subnet with mask %d\"", Versions{}},
	{"kcm-nodes-fit", "kube-controller-manager range allocator: a node beyond 2^(node mask - cluster mask) gets no pod CIDR (event CIDRNotAvailable, kubernetes#85866)", Versions{}},
	{"max-pods-fit", "kubelet maxPods (default 110, pkg/kubelet/apis/config/v1beta1/defaults.go) against the node's pod CIDR: host-local IPAM hands out the CIDR minus network, gateway and (IPv4) broadcast", Versions{}},
	{"cluster-large", "website setup/best-practices/cluster-large.md: no more than 110 pods per node, 5,000 nodes, 150,000 pods", Versions{}},
	// Overlaps.
	{"overlap-pod-service", "pod and Service ranges must not overlap: a ClusterIP shadows a pod IP (kubeadm#3312, cilium PR #31504); kube-controller-manager skips node CIDRs inside --service-cluster-ip-range, CNIs with their own IPAM do not", Versions{}},
	{"overlap-node-network", "pod or Service range over the nodes' network: pod routes and ClusterIP DNAT capture node traffic (Cilium cluster-pool doc, aws/eks-anywhere#2086, EKS and AKS API rules)", Versions{}},
	{"overlap-avoid", "a range over a network declared with --avoid (peered VPC, VPN, on-premises): return traffic goes to the wrong place (aws/containers-roadmap#216)", Versions{}},
	{"overlap-docker", "Docker's default bridge docker0 172.17.0.0/16: traffic to it is routed into the bridge (EKS docs, Azure/acs-engine#750, kops#710)", Versions{}},
	{"overlap-link-local", "link-local 169.254.0.0/16 and fe80::/10 are never pod or Service ranges (Calico IPPool, AKS reserved ranges)", Versions{}},
	// Profiles.
	{"calico-block-size", "Calico IPPool blockSize: default 26 (IPv4) / 122 (IPv6), allowed 20-32 / 116-128; blocks are affine to nodes, a busy node takes several (docs.tigera.io reference/resources/ippool)", Versions{}},
	{"cilium-cluster-pool", "Cilium cluster-pool (values.yaml clusterPoolIPv4MaskSize 24, clusterPoolIPv6MaskSize 120; cidrset \"New CIDR set failed; the node CIDR size is too big\" for IPv6 beyond 16 bits; pool entries /30 or larger)", Versions{}},
	{"eks-max-pods", "Amazon VPC CNI (awslabs/amazon-eks-ami eni-max-pods.txt): ENIs x (IPv4 per ENI - 1) + 2; prefix delegation ENIs x ((IPv4 per ENI - 1) x 16) + 2, capped at 110 below 30 vCPUs, else 250", Versions{}},
	{"eks-subnet-ips", "Amazon VPC CNI takes pod IPs from the node subnets; AWS reserves 5 addresses per subnet; prefix delegation needs free contiguous /28s (amazon-vpc-cni-k8s#2749)", Versions{}},
	{"eks-service-range", "EKS API KubernetesNetworkConfigRequest.serviceIpv4Cidr: within 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16, between /24 and /12, not overlapping the VPC; default 10.100.0.0/16 or 172.20.0.0/16", Versions{}},
	{"gke-pod-range", "GKE flexible pod CIDR: the node block holds at least twice max pods per node, node mask = 32 - ceil(log2(2 x maxPods)), max pods 8-256; nodes in the pod range 2^(node mask - range mask); GCP reserves 4 addresses in the node subnet", Versions{}},
	{"aks-reserved", "AKS: 169.254.0.0/16, 172.30.0.0/16, 172.31.0.0/16 and 192.0.2.0/24 may not be used for Service, pod or VNet ranges (docs.azure.cn azure-cni-overview)", Versions{}},
	{"aks-node-cidr", "AKS Azure CNI Overlay: \"Each node in your cluster is assigned a /24 (256 IP addresses) subnet for pods\" (learn.microsoft.com concepts-network-ip-address-planning); kubenet: a /24 per node, at most 400 nodes (route table limit) [hedge]", Versions{}},
	{"aks-subnet-ips", "AKS Azure CNI (node subnet): IPs reserved up front, required = (nodes + 1 + scale) + (nodes + 1 + scale) x maxPods; max pods 10-250, default 30; Azure reserves 5 addresses per subnet (carlos.mendible.com aksip)", Versions{}},
	{"apiserver-advertise-family", "kube-apiserver validatePublicIPServiceClusterIPRangeIPFamilies: \"service IP family %q must match public address family %q\"", Versions{}},
	{"node-pod-cidr-overlap", "two nodes with overlapping spec.podCIDRs route the same pod addresses to two places; kube-controller-manager never hands out one CIDR twice, so one was set by hand or by another allocator", Versions{}},
	{"node-without-pod-cidr", "a node without spec.podCIDRs gets no pod network from CNIs that read it (flannel: \"failed to acquire lease: node %q pod cidr not assigned\"); kube-controller-manager leaves it empty when the cluster CIDR is full (CIDRNotAvailable) or --allocate-node-cidrs is false", Versions{}},
	{"node-pod-cidr-outside", "a node's spec.podCIDRs outside --cluster-cidr: the cluster CIDR changed after allocation, or another allocator set it; kube-proxy's --cluster-cidr masquerade decisions and CNI routes then disagree", Versions{}},
	{"node-address-overlap", "a node address inside the pod or Service range: pod routes or ClusterIP DNAT capture traffic to the node", Versions{}},
	{"profile-default", "the profile's default, applied because the flag was not given (reference k8s-plan.md A4)", Versions{}},
}

// finding builds a Finding of rule id; it panics on an unknown id (a
// programming error, caught by the tests).
func finding(sev Severity, id string, cidrs []netip.Prefix, format string, args ...any) Finding {
	r, ok := RuleByID(id)
	if !ok {
		panic("k8s: unknown rule " + id)
	}
	return Finding{Severity: sev, Rule: id, Message: fmt.Sprintf(format, args...), Source: r.Source, Versions: r.Versions.String(), CIDRs: cidrs}
}
