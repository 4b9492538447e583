package k8s

import (
	"errors"
	"fmt"
	"math/bits"
	"net/netip"
	"strings"

	"github.com/netcalc/netcalc/netcalc"
)

// ErrConfig means a Config cannot be planned at all (as opposed to a plan
// with error findings): an invalid prefix, node masks that do not match
// the cluster CIDRs, an unknown instance type.
var ErrConfig = errors.New("k8s: bad plan input")

// PlanError is a plan that cannot be made: Err is ErrConfig (input that
// cannot be planned), ErrNoPlan (Suggest found nothing that fits) or
// ErrFormat (Plan.Render was asked for a format it does not know); Msg
// says why, in the user's words, without the sentinel's text.
type PlanError struct {
	Err error
	Msg string
}

// Error returns the sentinel's text, ": " and Msg.
func (e *PlanError) Error() string { return e.Err.Error() + ": " + e.Msg }

// Unwrap returns the sentinel.
func (e *PlanError) Unwrap() error { return e.Err }

// Config is what a plan starts from. The zero Config plans the upstream
// components' defaults for the latest version.
type Config struct {
	// Profile supplies defaults and extra rules; default Upstream.
	Profile Profile
	// Version selects the rules of that Kubernetes release; default Latest.
	Version Version
	// ClusterCIDRs are the pod ranges (kube-controller-manager
	// --cluster-cidr), one or two, one per family, the primary first;
	// default the profile's.
	ClusterCIDRs []netip.Prefix
	// ServiceCIDRs are the Service ranges (kube-apiserver
	// --service-cluster-ip-range); default the profile's.
	ServiceCIDRs []netip.Prefix
	// NodeMasks are the node CIDR prefix lengths in ClusterCIDRs order;
	// default the profile's (24 and 64 for kube-controller-manager). For
	// Calico they are the IPAM block sizes.
	NodeMasks []int
	// Nodes is the number of nodes planned; 0 means not given.
	Nodes uint64
	// MaxPods is kubelet's maxPods; 0 means the profile's (110; EKS from
	// the instance type).
	MaxPods int
	// ClusterDNS are the DNS Service addresses (kubelet clusterDNS); none
	// means the conventional 10th address of each Service range.
	ClusterDNS []netip.Addr
	// NodeNetworks are the nodes' own subnets (or the VPC).
	NodeNetworks []netip.Prefix
	// Avoid are networks the cluster must not overlap: peered VPCs, VPNs,
	// on-premises ranges.
	Avoid []netip.Prefix
	// InstanceType is the EC2 type of the nodes (EKS).
	InstanceType string
	// PrefixDelegation is the VPC CNI's ENABLE_PREFIX_DELEGATION (EKS).
	PrefixDelegation bool
	// ShowNode asks for the pod CIDRs of the node with index NodeIndex,
	// in kube-controller-manager's allocation order (0 is the first node).
	ShowNode  bool
	NodeIndex uint64
	// NoNodeCIDRs is kube-controller-manager --allocate-node-cidrs=false:
	// no node gets a pod CIDR, the CNI hands out pod addresses itself, and
	// kubeadm skips its node mask check.
	NoNodeCIDRs bool
	// Suggested marks the pod and Service ranges as chosen by Suggest.
	Suggested bool
	// NoDefaults leaves ranges that are not given unset instead of taking
	// the profile's defaults (a node list says nothing about them).
	NoDefaults bool
}

// Role is what a range is for.
type Role string

// The roles of a plan's ranges.
const (
	RoleCluster     Role = "cluster"
	RoleService     Role = "service"
	RoleNodeNetwork Role = "node_network"
	RoleAvoid       Role = "avoid"
)

// Range is one of a plan's ranges with its bounds.
type Range struct {
	Role  Role          `json:"role"`
	CIDR  netip.Prefix  `json:"cidr"`
	First netip.Addr    `json:"first"`
	Last  netip.Addr    `json:"last"`
	Size  netcalc.Count `json:"size"`
	// Default reports whether the range is the profile's default rather
	// than given.
	Default bool `json:"default"`
	// Suggested reports whether Suggest chose the range.
	Suggested bool `json:"suggested,omitempty"`
}

// PodNetwork is the capacity of one pod range.
type PodNetwork struct {
	CIDR netip.Prefix `json:"cidr"`
	IPAM IPAM         `json:"ipam"`
	// NodeMask is the prefix length of a node's pod CIDR (Calico: of an
	// IPAM block); 0 when pods take node-subnet addresses (EKS).
	NodeMask int `json:"node_mask"`
	// MaxNodes is how many node CIDRs (Calico: blocks; EKS: nodes at full
	// density) the range holds.
	MaxNodes netcalc.Count `json:"max_nodes"`
	// Lost is how many of them kube-controller-manager will not hand out
	// because they overlap the Service range.
	Lost netcalc.Count `json:"lost"`
	// AddressesPerNode is the size of a node CIDR.
	AddressesPerNode netcalc.Count `json:"addresses_per_node"`
	// PodIPsPerNode is what the node's IPAM hands out of it.
	PodIPsPerNode netcalc.Count `json:"pod_ips_per_node"`
	// MaxPodsPerNode is kubelet's maxPods, or fewer when the addresses
	// run out first.
	MaxPodsPerNode uint64 `json:"max_pods_per_node"`
	// TotalPods is (MaxNodes - Lost) x MaxPodsPerNode.
	TotalPods netcalc.Count `json:"total_pods"`
	// FreeNodes is how many more nodes fit after Config.Nodes; nil when
	// Nodes was not given or more nodes were asked for than fit.
	FreeNodes *netcalc.Count `json:"free_nodes,omitempty"`
}

// NodeCIDRs are one node's pod CIDRs, one per pod range.
type NodeCIDRs struct {
	Index uint64         `json:"index"`
	CIDRs []netip.Prefix `json:"cidrs"`
}

// Plan is the result of planning: ranges, capacities, reserved addresses
// and findings.
type Plan struct {
	Profile  Profile          `json:"profile"`
	Version  Version          `json:"version"`
	Ranges   []Range          `json:"ranges"`
	Pods     []PodNetwork     `json:"pods"`
	Services []ServiceNetwork `json:"services"`
	Node     *NodeCIDRs       `json:"node,omitempty"`
	// ClusterDNS is Config.ClusterDNS.
	ClusterDNS []netip.Addr `json:"cluster_dns,omitempty"`
	Findings   []Finding    `json:"findings"`
}

// HasErrors reports whether any finding is an error.
func (p *Plan) HasErrors() bool {
	for _, f := range p.Findings {
		if f.Severity == Error {
			return true
		}
	}
	return false
}

// Count returns the number of findings of severity s.
func (p *Plan) Count(s Severity) int {
	n := 0
	for _, f := range p.Findings {
		if f.Severity == s {
			n++
		}
	}
	return n
}

func cfgErr(format string, args ...any) error {
	return &PlanError{Err: ErrConfig, Msg: fmt.Sprintf(format, args...)}
}

// planner carries a plan under construction.
type planner struct {
	cfg  Config
	spec profileSpec
	v    Version
	p    *Plan
}

func (pl *planner) add(sev Severity, id string, cidrs []netip.Prefix, format string, args ...any) {
	pl.p.Findings = append(pl.p.Findings, finding(sev, id, cidrs, format, args...))
}

// NewPlan plans cfg: it fills in the profile's defaults, applies every
// rule of the profile and version, computes the capacities, reserved
// addresses and overlaps, and returns the plan. The error (wrapping
// ErrConfig) is only for input that cannot be planned; problems of the
// network design are error findings.
func NewPlan(cfg Config) (*Plan, error) {
	spec, ok := profiles()[cfg.Profile]
	if !ok {
		return nil, cfgErr("unknown profile %q", string(cfg.Profile))
	}
	for _, l := range [][]netip.Prefix{cfg.ClusterCIDRs, cfg.ServiceCIDRs, cfg.NodeNetworks, cfg.Avoid} {
		for _, p := range l {
			if !p.IsValid() {
				return nil, cfgErr("invalid prefix")
			}
		}
	}
	pl := &planner{cfg: cfg, spec: spec, v: cfg.Version.orLatest()}
	pl.p = &Plan{Profile: cfg.Profile, Version: pl.v}
	if err := pl.defaults(); err != nil {
		return nil, err
	}
	masks, err := pl.masks()
	if err != nil {
		return nil, err
	}
	pl.lists()
	pl.services()
	pl.clusterDNS()
	pl.p.ClusterDNS = cfg.ClusterDNS
	switch cfg.Profile {
	case EKS:
		if err := pl.eks(); err != nil {
			return nil, err
		}
	case AKSAzureCNI:
		pl.aksAzureCNI()
	default:
		pl.pods(masks)
	}
	if cfg.Profile == AKS || cfg.Profile == AKSKubenet || cfg.Profile == AKSAzureCNI {
		pl.aksReserved()
	}
	pl.overlaps(masks)
	pl.scale()
	return pl.p, nil
}

// defaults fills in the profile's ranges for the families in use.
func (pl *planner) defaults() error {
	c := &pl.cfg
	clusterDefault, serviceDefault := false, false
	fams := func(l []netip.Prefix) []bool {
		var f []bool
		for _, p := range l {
			f = append(f, p.Addr().Is4())
		}
		return f
	}
	if c.NoDefaults {
		// Nothing to fill in.
	} else if c.Profile == EKS {
		if len(c.ClusterCIDRs) > 0 {
			pl.add(Note, "eks-subnet-ips", c.ClusterCIDRs, "the VPC CNI takes pod addresses from the node subnets; --cluster-cidr is used as the pod subnets of custom networking")
		}
		v6only := len(c.NodeNetworks) > 0
		for _, n := range c.NodeNetworks {
			if n.Addr().Is4() {
				v6only = false
			}
		}
		if len(c.ServiceCIDRs) == 0 && v6only {
			pl.add(Note, "eks-service-range", nil, "IPv6 EKS clusters get their Service range from fc00::/7, chosen by EKS: not planned")
		} else if len(c.ServiceCIDRs) == 0 {
			def := netip.MustParsePrefix("10.100.0.0/16")
			ten := netip.MustParsePrefix("10.0.0.0/8")
			for _, n := range c.NodeNetworks {
				if n.Addr().Is4() && ten.Overlaps(n) {
					def = netip.MustParsePrefix("172.20.0.0/16")
				}
			}
			c.ServiceCIDRs = []netip.Prefix{def}
			serviceDefault = true
			pl.add(Note, "eks-service-range", []netip.Prefix{def}, "EKS picks %s when no serviceIpv4Cidr is given (172.20.0.0/16 when the VPC is in 10.0.0.0/8, else 10.100.0.0/16; which one is not documented)", def)
		}
	} else {
		want := fams(c.ServiceCIDRs)
		if len(want) == 0 {
			want = []bool{true}
		}
		if len(c.ClusterCIDRs) == 0 && c.Profile != AKSAzureCNI {
			for _, is4 := range want {
				if p, ok := pl.spec.def(pl.spec.cluster, is4); ok {
					c.ClusterCIDRs = append(c.ClusterCIDRs, p)
					clusterDefault = true
				}
			}
			if clusterDefault {
				pl.add(Note, "profile-default", c.ClusterCIDRs, "pod range %s is the %s default", joinPrefixes(c.ClusterCIDRs), c.Profile)
			} else {
				pl.add(Note, "profile-default", nil, "no pod range given and %s has no default: node CIDRs are not planned (give --cluster-cidr)", c.Profile)
			}
		}
		if len(c.ServiceCIDRs) == 0 {
			want = fams(c.ClusterCIDRs)
			if len(want) == 0 {
				want = []bool{true}
			}
			for _, is4 := range want {
				if p, ok := pl.spec.def(pl.spec.service, is4); ok {
					c.ServiceCIDRs = append(c.ServiceCIDRs, p)
					serviceDefault = true
				} else {
					pl.add(Note, "profile-default", nil, "%s has no default %s Service range: give --service-cidr", c.Profile, map[bool]string{true: "IPv4", false: "IPv6"}[is4])
				}
			}
			if serviceDefault {
				if c.Profile == Upstream {
					pl.add(Warning, "apiserver-service-default", c.ServiceCIDRs, "no Service range given: kube-apiserver falls back to its deprecated default %s", joinPrefixes(c.ServiceCIDRs))
				} else {
					pl.add(Note, "profile-default", c.ServiceCIDRs, "Service range %s is the %s default", joinPrefixes(c.ServiceCIDRs), c.Profile)
				}
			}
		}
	}
	add := func(role Role, l []netip.Prefix, def bool) {
		for _, p := range l {
			m := p.Masked()
			sug := c.Suggested && (role == RoleCluster || role == RoleService)
			pl.p.Ranges = append(pl.p.Ranges, Range{Role: role, CIDR: m, First: m.Addr(), Last: lastAddr(m), Size: size(m), Default: def, Suggested: sug})
		}
	}
	add(RoleCluster, c.ClusterCIDRs, clusterDefault)
	add(RoleService, c.ServiceCIDRs, serviceDefault)
	add(RoleNodeNetwork, c.NodeNetworks, false)
	add(RoleAvoid, c.Avoid, false)
	return nil
}

// masks returns the node mask of each cluster CIDR.
func (pl *planner) masks() ([]int, error) {
	c := pl.cfg
	if len(c.NodeMasks) == 0 {
		var m []int
		for _, p := range c.ClusterCIDRs {
			m = append(m, pl.spec.maskFor(p.Addr().Is4()))
		}
		return m, nil
	}
	if len(c.ClusterCIDRs) == 0 {
		return nil, cfgErr("node masks given without a pod range (cluster CIDR)")
	}
	if len(c.NodeMasks) != len(c.ClusterCIDRs) {
		return nil, cfgErr("%d node mask(s) for %d cluster CIDR(s) %s: give one mask per cluster CIDR, in the same order", len(c.NodeMasks), len(c.ClusterCIDRs), joinPrefixes(c.ClusterCIDRs))
	}
	for i, m := range c.NodeMasks {
		bl := c.ClusterCIDRs[i].Addr().BitLen()
		if m < 0 || m > bl {
			return nil, cfgErr("node mask /%d for %s: want a prefix length 0-%d", m, c.ClusterCIDRs[i], bl)
		}
	}
	return c.NodeMasks, nil
}

// lists applies the list rules: at most two entries, one per family, and
// the same primary family for pods and Services.
func (pl *planner) lists() {
	check := func(what, flag string, l []netip.Prefix) {
		if len(l) > 2 {
			pl.add(Error, "cidr-list", l, "%d %s ranges: at most two, one per family (%s)", len(l), what, flag)
		}
		if len(l) >= 2 && l[0].Addr().Is4() == l[1].Addr().Is4() {
			pl.add(Error, "dual-stack-families", l[:2], "%s ranges %s and %s are both %s: two ranges must be one IPv4 and one IPv6 (%s)", what, l[0], l[1], family(l[0]), flag)
		}
	}
	c := pl.cfg
	check("pod", "--cluster-cidr", c.ClusterCIDRs)
	check("Service", "--service-cluster-ip-range", c.ServiceCIDRs)
	if len(c.ClusterCIDRs) > 0 && len(c.ServiceCIDRs) > 0 && pl.cfg.Profile != EKS {
		if c.ClusterCIDRs[0].Addr().Is4() != c.ServiceCIDRs[0].Addr().Is4() {
			pl.add(Warning, "family-match", []netip.Prefix{c.ClusterCIDRs[0], c.ServiceCIDRs[0]}, "the primary pod range %s is %s but the primary Service range %s is %s: Services of single-stack pods get ClusterIPs of the other family", c.ClusterCIDRs[0], family(c.ClusterCIDRs[0]), c.ServiceCIDRs[0], family(c.ServiceCIDRs[0]))
		} else if len(c.ClusterCIDRs) == 2 && len(c.ServiceCIDRs) == 1 {
			pl.add(Note, "family-match", c.ServiceCIDRs, "dual-stack pods with a single-stack Service range %s: Services get %s ClusterIPs only", c.ServiceCIDRs[0], family(c.ServiceCIDRs[0]))
		}
	}
}

// services applies the Service range rules and computes the reserved
// addresses.
func (pl *planner) services() {
	flags := []string{"--service-cluster-ip-range", "--service-cluster-ip-range[1]"}
	newAlloc := newAllocator(pl.v)
	for i, p := range pl.cfg.ServiceCIDRs {
		p = p.Masked()
		one := []netip.Prefix{p}
		bl, hb := p.Addr().BitLen(), p.Addr().BitLen()-p.Bits()
		flag := flags[min(i, 1)]
		if hb > 20 {
			if !newAlloc {
				pl.add(Error, "apiserver-service-max-size", one, "specified %s is too large; for %d-bit addresses, the mask must be >= %d (Kubernetes %s; the limit is lifted from 1.34)", flag, bl, bl-20, pl.v)
			} else {
				pl.add(Note, "apiserver-service-max-size", one, "%s is larger than /%d: accepted from 1.34 (ServiceCIDR allocator), rejected by kube-apiserver 1.33 and older", p, bl-20)
			}
		}
		if pl.v.AtLeast(v133) && !p.Addr().Is4() && p.Bits() < 64 {
			pl.add(Error, "allocator-ipv6-min-prefix", one, "shortest allowed prefix length for service CIDR is 64, got %d", p.Bits())
		}
		if i == 0 && min(rangeSize(p), 1<<16) < 8 {
			why := fmt.Sprintf("%s has %d", p, rangeSize(p))
			if hb >= bl-1 {
				why = fmt.Sprintf("k8s.io/utils RangeSize counts a /%d as 0 addresses", p.Bits())
			}
			pl.add(Error, "apiserver-service-min-size", one, "the service cluster IP range must be at least 8 IP addresses (%s)", why)
		}
		if !newAlloc && !p.Addr().Is4() && hb > 16 {
			pl.add(Note, "bitmap-ipv6-cap", one, "the bitmap allocator of Kubernetes %s uses only the first 65536 addresses of %s (%s)", pl.v, p, netip.PrefixFrom(p.Addr(), 112))
		}
		if pl.spec.kubeadm {
			if n := rangeSize(p); n < 10 {
				pl.add(Error, "kubeadm-service-min-size", one, "subnet with %d address(es) is too small, the minimum is 10", n)
			}
			if msg := KubeadmServiceSizeError(p); msg != "" {
				pl.add(Error, "kubeadm-service-max-size", one, "%s (kubeadm, every version)", msg)
			}
		}
		s := newServiceNetwork(p, pl.v)
		pl.p.Services = append(pl.p.Services, s)
		switch {
		case !s.DNS.IsValid():
			if !pl.spec.kubeadm {
				pl.add(Note, "dns-in-dynamic-band", one, "%s has no 10th address for the conventional cluster DNS Service", p)
			}
		case pl.v.AtLeast(v126) && !s.DNSInStaticBand:
			why := "16 addresses or fewer"
			if hb >= bl-1 {
				why = fmt.Sprintf("RangeSize counts a /%d as 0 addresses", p.Bits())
			}
			pl.add(Warning, "dns-in-dynamic-band", one, "%s has no static band (%s): the DNS address %s is in the dynamic pool and a Service created first may take it", p, why, s.DNS)
		}
		if pl.cfg.Profile == EKS && p.Addr().Is4() {
			pl.eksService(p)
		} else if pl.cfg.Profile == EKS {
			pl.add(Error, "eks-service-range", one, "%s: EKS takes no custom IPv6 Service range; IPv6 clusters get one from fc00::/7", p)
		}
	}
}

// clusterDNS checks the configured DNS addresses against the Service ranges
// and their static bands.
func (pl *planner) clusterDNS() {
	for _, a := range pl.cfg.ClusterDNS {
		found := false
		for _, s := range pl.p.Services {
			if !s.CIDR.Contains(a) {
				continue
			}
			found = true
			first, _ := indexedIP(s.CIDR, 1)
			switch {
			case a == s.CIDR.Addr() || a == lastAddr(s.CIDR) && a.Is4():
				pl.add(Error, "dns-ip", []netip.Prefix{s.CIDR}, "cluster DNS %s is the network or broadcast address of %s, which no Service gets", a, s.CIDR)
			case a == first:
				pl.add(Error, "dns-ip", []netip.Prefix{s.CIDR}, "cluster DNS %s is the kubernetes Service's address", a)
			case pl.v.AtLeast(v126) && (s.BandOffset == 0 || s.StaticLast.Less(a)):
				pl.add(Warning, "dns-in-dynamic-band", []netip.Prefix{s.CIDR}, "cluster DNS %s is outside the static band of %s: a Service created first may take it", a, s.CIDR)
			}
		}
		if !found && len(pl.p.Services) > 0 {
			pl.add(Error, "dns-ip", nil, "the provided IP (%s) is not in the valid range. The range of valid IPs is %s", a, joinPrefixes(pl.cfg.ServiceCIDRs))
		}
	}
}

func (pl *planner) eksService(p netip.Prefix) {
	one := []netip.Prefix{p}
	private := false
	for _, r := range []string{"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"} {
		if q := netip.MustParsePrefix(r); q.Bits() <= p.Bits() && q.Contains(p.Addr()) {
			private = true
		}
	}
	if !private {
		pl.add(Error, "eks-service-range", one, "%s is not within 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16", p)
	}
	if p.Bits() < 12 || p.Bits() > 24 {
		pl.add(Error, "eks-service-range", one, "%s: EKS wants a Service range between /24 and /12", p)
	}
}

// pods computes each pod range's capacity and applies the node IPAM rules.
func (pl *planner) pods(masks []int) {
	c := pl.cfg
	maxPods := c.MaxPods
	if maxPods == 0 {
		maxPods = pl.spec.maxPods
	}
	for i, cl := range c.ClusterCIDRs {
		if i >= 2 {
			break
		}
		cl = cl.Masked()
		one := []netip.Prefix{cl}
		is4 := cl.Addr().Is4()
		mask := masks[i]
		if pl.spec.ipam == GKEAlias && is4 {
			want := gkeNodeMask(maxPods)
			switch {
			case maxPods < 8 || maxPods > 256:
				pl.add(Error, "gke-pod-range", one, "GKE max pods per node %d: want 8 to 256", maxPods)
			case len(c.NodeMasks) == 0:
				mask = want
			case mask != want:
				pl.add(Warning, "gke-pod-range", one, "GKE gives nodes with %d max pods a /%d, not /%d", maxPods, want, mask)
				mask = want
			}
		}
		if pl.spec.ipam == AzureOverlay {
			if !is4 {
				pl.add(Note, "aks-node-cidr", one, "IPv6 pod ranges of AKS are not modelled; planning %s as kube-controller-manager would", cl)
			} else if mask != 24 {
				pl.add(Warning, "aks-node-cidr", one, "AKS gives every node a /24 of the pod range, not /%d", mask)
				mask = 24
			}
		}
		pn := PodNetwork{CIDR: cl, IPAM: pl.spec.ipam, NodeMask: mask, MaxNodes: MaxNodes(cl, mask)}
		if mask >= cl.Bits() {
			pn.AddressesPerNode = netcalc.PowerOfTwo(cl.Addr().BitLen() - mask)
			pn.PodIPsPerNode = PodIPs(is4, mask)
		}
		if c.NoNodeCIDRs && pl.spec.ipam == KCM {
			pl.add(Note, "kcm-node-mask", one, "--allocate-node-cidrs=false: nodes get no pod CIDR; the CNI must hand out addresses of %s itself", cl)
			pn.AddressesPerNode, pn.PodIPsPerNode = netcalc.Count{}, netcalc.Count{}
			pn.MaxPodsPerNode = uint64(maxPods)
			pl.p.Pods = append(pl.p.Pods, pn)
			continue
		}
		switch pl.spec.ipam {
		case CalicoBlocks:
			lo, hi := 20, 32
			if !is4 {
				lo, hi = 116, 128
			}
			if mask < lo || mask > hi {
				pl.add(Error, "calico-block-size", one, "Calico blockSize %d for %s: want %d-%d", mask, family(cl), lo, hi)
			}
			if mask < cl.Bits() {
				pl.add(Error, "calico-block-size", one, "Calico blockSize /%d is larger than the pool %s: the pool must hold at least one block", mask, cl)
			}
			// Pods per node are not capped by one block: a node takes more blocks.
			pn.PodIPsPerNode = pn.AddressesPerNode
			pl.add(Note, "calico-block-size", one, "Calico hands out /%d blocks on demand (%s in %s), affine to nodes: a node with more than %s pods takes another block, and nodes borrow addresses from other blocks unless strictAffinity is set", mask, pn.MaxNodes, cl, pn.AddressesPerNode)
		default:
			if mask < cl.Bits() {
				pl.add(Error, "kcm-node-mask", one, "node mask /%d is shorter than %s: no node CIDR fits (\"CIDR allocation failed; there are no remaining CIDRs left to allocate in the accepted range\")", mask, cl)
			}
			if msg := KCMNodeMaskError(cl, mask); msg != "" {
				id := "kcm-ipv6-mask-diff"
				if pl.spec.ipam == CiliumPool {
					id = "cilium-cluster-pool"
					msg = "unable to initialize IPv6 allocator " + msg
				}
				pl.add(Error, id, one, "%s: node mask /%d is %d bits longer than %s, at most 16 for IPv6", msg, mask, mask-cl.Bits(), cl)
			}
		}
		if pl.cfg.Profile == Kubeadm || pl.cfg.Profile == Kind {
			if msg := KubeadmNodeMaskError(cl, mask); msg != "" {
				pl.add(Error, "kubeadm-node-mask", one, "%s", msg)
			}
			if n := rangeSize(cl); n < 14 {
				pl.add(Error, "kubeadm-pod-min-size", one, "subnet with %d address(es) is too small, the minimum is 14", n)
			}
		}
		pn.MaxPodsPerNode = uint64(maxPods)
		if pl.spec.ipam != CalicoBlocks && mask >= cl.Bits() {
			if ips, ok := pn.PodIPsPerNode.Uint64(); ok && ips < uint64(maxPods) {
				pn.MaxPodsPerNode = ips
				pl.add(Error, "max-pods-fit", one, "max pods per node %d is more than the %d pod addresses of a /%d node CIDR: pods beyond %d fail to get an address", maxPods, ips, mask, ips)
			}
		}
		pl.p.Pods = append(pl.p.Pods, pn)
	}
	if pl.spec.ipam == GKEAlias {
		pl.gkeNodeSubnets()
	}
	if c.ShowNode && len(c.ClusterCIDRs) > 0 {
		n := &NodeCIDRs{Index: c.NodeIndex}
		for i, cl := range c.ClusterCIDRs[:min(2, len(c.ClusterCIDRs))] {
			p, err := NodeCIDR(cl, pl.p.Pods[i].NodeMask, c.NodeIndex)
			if err != nil {
				pl.add(Error, "kcm-nodes-fit", []netip.Prefix{cl.Masked()}, "node %d: %s has only %s node CIDRs of /%d (indexes 0-%s)", c.NodeIndex, cl.Masked(), pl.p.Pods[i].MaxNodes, pl.p.Pods[i].NodeMask, pl.p.Pods[i].MaxNodes.Sub(netcalc.CountFromUint64(1)))
				continue
			}
			n.CIDRs = append(n.CIDRs, p)
		}
		pl.p.Node = n
	}
}

// gkeNodeSubnets checks the nodes against the subnet's primary range, of
// which GCP reserves 4 addresses (network, gateway, second-to-last,
// broadcast).
func (pl *planner) gkeNodeSubnets() {
	var total uint64
	var subnets []netip.Prefix
	for _, s := range pl.cfg.NodeNetworks {
		s = s.Masked()
		if !s.Addr().Is4() {
			continue
		}
		n, _ := size(s).Uint64()
		if n > 4 {
			total += n - 4
		}
		subnets = append(subnets, s)
	}
	if len(subnets) == 0 {
		return
	}
	if pl.cfg.Nodes > total {
		pl.add(Error, "gke-pod-range", subnets, "%d nodes but the primary range %s holds %d node addresses (GCP reserves 4 per subnet)", pl.cfg.Nodes, joinPrefixes(subnets), total)
	} else {
		pl.add(Note, "gke-pod-range", subnets, "the primary range %s holds %d nodes (GCP reserves 4 addresses per subnet)", joinPrefixes(subnets), total)
	}
}

// aksReserved checks every range against the addresses AKS forbids.
func (pl *planner) aksReserved() {
	for _, r := range pl.p.Ranges {
		if r.Role == RoleAvoid {
			continue
		}
		for _, f := range []string{"169.254.0.0/16", "172.30.0.0/16", "172.31.0.0/16", "192.0.2.0/24"} {
			q := netip.MustParsePrefix(f)
			if in, n, ok := shared(r.CIDR, q); ok {
				pl.add(Error, "aks-reserved", []netip.Prefix{r.CIDR, q}, "%s %s overlaps %s, which AKS reserves: %s shared addresses (%s)", roleName(r.Role), r.CIDR, q, n, in)
			}
		}
	}
	if pl.cfg.Profile == AKSKubenet && pl.cfg.Nodes > 400 {
		pl.add(Warning, "aks-node-cidr", nil, "%d nodes: kubenet routes every node's /24 through one route table, which holds 400 routes [hedge]", pl.cfg.Nodes)
	}
}

// aksAzureCNI plans Azure CNI in node-subnet mode: IPs are reserved up
// front, one per node and maxPods per node, for the nodes, one surge node
// and the scale-out asked for.
func (pl *planner) aksAzureCNI() {
	c := pl.cfg
	maxPods := c.MaxPods
	if maxPods == 0 {
		maxPods = pl.spec.maxPods
	}
	if maxPods < 10 || maxPods > 250 {
		pl.add(Error, "aks-subnet-ips", nil, "AKS Azure CNI max pods %d: want 10-250", maxPods)
	}
	perNode := uint64(maxPods) + 1
	for _, s := range c.NodeNetworks {
		s = s.Masked()
		if !s.Addr().Is4() {
			continue
		}
		usable := cloudUsable(s)
		nodes := usable / perNode
		if nodes > 0 {
			nodes-- // the surge node of upgrades
		}
		pn := PodNetwork{CIDR: s, IPAM: AzureVNet, MaxNodes: netcalc.CountFromUint64(nodes), AddressesPerNode: netcalc.CountFromUint64(perNode),
			PodIPsPerNode: netcalc.CountFromUint64(uint64(maxPods)), MaxPodsPerNode: uint64(maxPods), TotalPods: netcalc.CountFromUint64(nodes * uint64(maxPods))}
		if c.Nodes > 0 && nodes >= c.Nodes {
			free := netcalc.CountFromUint64(nodes - c.Nodes)
			pn.FreeNodes = &free
		}
		pl.p.Pods = append(pl.p.Pods, pn)
		if c.Nodes > 0 {
			need := (c.Nodes + 1) * perNode
			if need > usable {
				pl.add(Error, "aks-subnet-ips", []netip.Prefix{s}, "(%d nodes + 1 surge node) x (1 + %d pods) = %d addresses, but %s holds %d (Azure reserves 5)", c.Nodes, maxPods, need, s, usable)
			}
		}
	}
	if len(c.NodeNetworks) == 0 {
		pl.add(Note, "aks-subnet-ips", nil, "no node subnet given (--node-network): pod capacity not planned")
	}
}

// gkeNodeMask is 32 - ceil(log2(2 x maxPods)): GKE's node block holds at
// least twice the node's max pods.
func gkeNodeMask(maxPods int) int {
	if maxPods < 1 {
		return 32
	}
	return 32 - bits.Len(uint(2*maxPods-1))
}

// eks plans the VPC CNI: pods take addresses of the node subnets.
func (pl *planner) eks() error {
	c := pl.cfg
	maxPods := c.MaxPods
	var it InstanceType
	if c.InstanceType != "" {
		var ok bool
		it, ok = LookupInstanceType(c.InstanceType)
		if !ok {
			var names []string
			for _, t := range InstanceTypes() {
				names = append(names, t.Name)
			}
			return cfgErr("unknown instance type %q, want one of %s", c.InstanceType, strings.Join(names, ", "))
		}
		formula := it.MaxPods(c.PrefixDelegation)
		if maxPods == 0 {
			maxPods = formula
		} else if maxPods > formula {
			pl.add(Error, "eks-max-pods", nil, "max pods %d is more than %s allows (%d): pods beyond fail with \"failed to assign an IP address to container\"", maxPods, it.Name, formula)
		}
		how := fmt.Sprintf("%d ENIs x (%d - 1) + 2 = %d", it.ENIs, it.IPv4PerENI, formula)
		if c.PrefixDelegation {
			how = fmt.Sprintf("min(%d ENIs x ((%d - 1) x 16) + 2 = %d, %d for %d vCPUs) = %d", it.ENIs, it.IPv4PerENI, it.ENIs*((it.IPv4PerENI-1)*16)+2, map[bool]int{true: 110, false: 250}[it.VCPUs < 30], it.VCPUs, formula)
		}
		pl.add(Note, "eks-max-pods", nil, "%s max pods: %s", it.Name, how)
	} else if c.PrefixDelegation {
		return cfgErr("--prefix-delegation needs the instance type")
	}
	if maxPods == 0 {
		maxPods = 110
		pl.add(Note, "eks-max-pods", nil, "no instance type or max pods given: planning 110 pods per node")
	}
	subnets := c.ClusterCIDRs
	if len(subnets) == 0 {
		subnets = c.NodeNetworks
	}
	for _, s := range subnets {
		if !s.Addr().Is4() {
			pl.add(Note, "eks-subnet-ips", []netip.Prefix{s.Masked()}, "IPv6 subnet %s: IPv6 EKS clusters give each node a prefix of the subnet for its pods, so pods are limited by max pods, not addresses; Services come from fc00::/7, chosen by EKS [hedge]", s.Masked())
		}
	}
	if len(subnets) == 0 {
		pl.add(Note, "eks-subnet-ips", nil, "no node subnets given (--node-network): pod capacity not planned")
	}
	// Addresses one node takes at full density: its primary address and
	// one per pod that is not on the host network (the 2 of the formula);
	// with prefix delegation whole /28s.
	podIPs := uint64(max(maxPods-2, 0))
	perNode := podIPs + 1
	switch {
	case it.Name != "" && c.PrefixDelegation:
		// Whole /28s, and the primary address of each ENI holding them.
		prefixes := (podIPs + 15) / 16
		slots := uint64(max(it.IPv4PerENI-1, 1))
		perNode = prefixes*16 + (prefixes+slots-1)/slots
	case it.Name != "":
		// Secondary-IP mode at full density: every address of every ENI.
		perNode = uint64(it.ENIs * it.IPv4PerENI)
	}
	var total uint64
	for _, s := range subnets {
		s = s.Masked()
		if !s.Addr().Is4() {
			continue
		}
		nodes := cloudUsable(s) / perNode
		total += nodes
		pn := PodNetwork{CIDR: s, IPAM: VPCCNI, MaxNodes: netcalc.CountFromUint64(nodes), AddressesPerNode: netcalc.CountFromUint64(perNode),
			PodIPsPerNode: netcalc.CountFromUint64(podIPs), MaxPodsPerNode: uint64(maxPods), TotalPods: netcalc.CountFromUint64(nodes * uint64(maxPods))}
		if c.Nodes > 0 && len(subnets) == 1 {
			if nodes >= c.Nodes {
				free := netcalc.CountFromUint64(nodes - c.Nodes)
				pn.FreeNodes = &free
			}
		}
		pl.p.Pods = append(pl.p.Pods, pn)
		if c.PrefixDelegation {
			pl.add(Note, "eks-subnet-ips", []netip.Prefix{s}, "prefix delegation takes /28s: %s must keep free contiguous /28 blocks (a fragmented subnet fails with \"no contiguous /28 block anywhere in the subnet\", amazon-vpc-cni-k8s#2749)", s)
		}
	}
	v6 := false
	for _, s := range subnets {
		v6 = v6 || !s.Addr().Is4()
	}
	if c.Nodes > 0 && len(subnets) > 0 && !v6 {
		need := c.Nodes * perNode
		if c.Nodes > total {
			pl.add(Error, "eks-subnet-ips", subnets, "%d nodes x %d addresses = %d addresses, but the node subnets hold %d nodes at full density (AWS reserves 5 addresses per subnet)", c.Nodes, perNode, need, total)
		}
	}
	return nil
}

// joinPrefixes returns "a,b".
func joinPrefixes(l []netip.Prefix) string {
	s := make([]string, len(l))
	for i, p := range l {
		s[i] = p.Masked().String()
	}
	return strings.Join(s, ",")
}

// cloudUsable is the number of addresses of an Azure or AWS subnet that
// can be given out: all but the five both clouds reserve in every subnet
// (the first four and the last).
func cloudUsable(s netip.Prefix) uint64 {
	n, _ := size(s).Uint64()
	if n <= 5 {
		return 0
	}
	return n - 5
}
