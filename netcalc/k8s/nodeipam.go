package k8s

import (
	"errors"
	"fmt"
	"net/netip"

	"github.com/netcalc/netcalc/netcalc"
)

// Errors of NodeCIDR; test for them with errors.Is.
var (
	// ErrNodeMask means the node mask is shorter than the cluster CIDR's
	// prefix or longer than the family allows.
	ErrNodeMask = errors.New("k8s: node mask out of range")
	// ErrNodeIndex means the cluster CIDR holds fewer node CIDRs than the
	// index asked for.
	ErrNodeIndex = errors.New("k8s: node index beyond the cluster CIDR")
)

// MaxNodes returns how many node CIDRs of length mask the cluster CIDR
// holds, 2^(mask - cluster prefix length) as kube-controller-manager's
// cidrset getMaxCIDRs computes it; zero when mask is shorter than the
// cluster's prefix length.
func MaxNodes(cluster netip.Prefix, mask int) netcalc.Count {
	if mask < cluster.Bits() || mask > cluster.Addr().BitLen() {
		return netcalc.Count{}
	}
	return netcalc.PowerOfTwo(mask - cluster.Bits())
}

// NodeCIDR returns the node CIDR with that index, in the order
// kube-controller-manager's range allocator hands them out to new nodes
// (cidrset indexToCIDRBlock: the cluster's network address plus index
// node blocks; index 0 is the first node). The host bits of cluster are
// cleared first, as ParseCIDR does upstream.
func NodeCIDR(cluster netip.Prefix, mask int, index uint64) (netip.Prefix, error) {
	cluster = cluster.Masked()
	bl := cluster.Addr().BitLen()
	if mask < cluster.Bits() || mask > bl {
		return netip.Prefix{}, fmt.Errorf("%w: /%d for %s, want /%d to /%d", ErrNodeMask, mask, cluster, cluster.Bits(), bl)
	}
	if d := mask - cluster.Bits(); d < 64 && index >= 1<<d {
		return netip.Prefix{}, fmt.Errorf("%w: %s holds %s node CIDRs of /%d, index %d is beyond", ErrNodeIndex, cluster, netcalc.PowerOfTwo(d), mask, index)
	}
	a, ok := addOffset(cluster.Addr(), index, bl-mask)
	if !ok {
		return netip.Prefix{}, fmt.Errorf("%w: index %d", ErrNodeIndex, index)
	}
	return netip.PrefixFrom(a, mask), nil
}

// PodIPs returns how many pod addresses host-local IPAM hands out in a
// node CIDR of that length: all but the network address, the gateway
// (the bridge, network+1) and, for IPv4, the broadcast address.
func PodIPs(is4 bool, mask int) netcalc.Count {
	bl := 128
	if is4 {
		bl = 32
	}
	n := netcalc.PowerOfTwo(bl - mask)
	reserved := netcalc.CountFromUint64(2)
	if is4 {
		reserved = netcalc.CountFromUint64(3)
	}
	if n.Cmp(reserved) <= 0 {
		return netcalc.Count{}
	}
	return n.Sub(reserved)
}

// KCMNodeMaskError reproduces kube-controller-manager's NewCIDRSet check
// for one cluster CIDR: the IPv6-only 16-bit limit between the cluster and
// node masks. It returns the upstream error text, or "".
func KCMNodeMaskError(cluster netip.Prefix, mask int) string {
	if !cluster.Addr().Is4() && mask-cluster.Bits() > 16 {
		return "New CIDR set failed; the node CIDR size is too big"
	}
	return ""
}

// KubeadmNodeMaskError reproduces kubeadm's ValidatePodSubnetNodeMask for
// one pod subnet: the node mask must not be shorter than the subnet's and
// at most 16 bits longer, in both families. It returns the upstream error
// text, or "".
func KubeadmNodeMaskError(cluster netip.Prefix, mask int) string {
	switch {
	case cluster.Bits() > mask:
		return fmt.Sprintf("the size of pod subnet with mask %d is smaller than the size of node subnet with mask %d", cluster.Bits(), mask)
	case mask-cluster.Bits() > 16:
		return fmt.Sprintf("pod subnet mask (%d) and node-mask (%d) difference is greater than %d", cluster.Bits(), mask, 16)
	}
	return ""
}

// KubeadmSubnetErrors reproduces kubeadm's ValidateIPNetFromString for a
// comma-separated list: parse, one or two CIDRs of different families, and
// each at least minAddrs addresses (10 for the Service subnet, 14 for the
// pod subnet). It returns the upstream error texts.
func KubeadmSubnetErrors(cidrs []netip.Prefix, minAddrs int64) []string {
	var errs []string
	switch {
	case len(cidrs) > 2:
		errs = append(errs, "expected one (IPv4 or IPv6) CIDR or two CIDRs from each family for dual-stack networking")
	case len(cidrs) == 2 && cidrs[0].Addr().Is4() == cidrs[1].Addr().Is4():
		errs = append(errs, "expected one (IPv4 or IPv6) CIDR or two CIDRs from each family for dual-stack networking")
	}
	for _, p := range cidrs {
		if n := rangeSize(p); n < minAddrs {
			errs = append(errs, fmt.Sprintf("subnet with %d address(es) is too small, the minimum is %d", n, minAddrs))
		}
	}
	return errs
}

// KubeadmServiceSizeError reproduces kubeadm's ValidateServiceSubnetSize
// for one subnet (20 host bits at most, whatever the version), or "".
func KubeadmServiceSizeError(p netip.Prefix) string {
	bl := p.Addr().BitLen()
	if bl-p.Bits() > 20 {
		return fmt.Sprintf("specified service subnet is too large; for %d-bit addresses, the mask must be >= %d", bl, bl-20)
	}
	return ""
}
