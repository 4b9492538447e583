package k8s

import (
	"errors"
	"fmt"
	"math/bits"
	"net/netip"
	"sync"

	"github.com/netcalc/netcalc/netcalc"
)

// ErrNoPlan means Suggest found no plan that fits the request.
var ErrNoPlan = errors.New("k8s: no plan fits")

func noPlan(format string, args ...any) error {
	return &PlanError{Err: ErrNoPlan, Msg: fmt.Sprintf(format, args...)}
}

// Family selects the IP families of a suggested plan.
type Family string

// The families.
const (
	IPv4 Family = "ipv4" // the zero Family means IPv4
	IPv6 Family = "ipv6"
	Dual Family = "dual" // IPv4 primary, IPv6 secondary
)

// Request is what Suggest sizes a plan for.
type Request struct {
	Profile Profile
	Version Version
	Family  Family
	// Nodes, MaxPods and Services are what the cluster must hold before
	// growth; MaxPods 0 is the profile's (110), Services 0 is 500.
	Nodes    uint64
	MaxPods  int
	Services uint64
	// Growth multiplies Nodes and Services for headroom; 0 means 2.
	Growth uint64
	// NodeNetworks and Avoid are kept clear, as are Docker's
	// 172.17.0.0/16 and, for AKS, the ranges AKS reserves.
	NodeNetworks []netip.Prefix
	Avoid        []netip.Prefix
}

// privateSpace is where suggestions are placed: RFC 1918 for IPv4, the
// ULA range fd00::/8 (RFC 4193 locally assigned) for IPv6. Built on
// first use.
var privateSpace = sync.OnceValue(func() map[bool][]netip.Prefix {
	return map[bool][]netip.Prefix{
		true:  {netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("172.16.0.0/12"), netip.MustParsePrefix("192.168.0.0/16")},
		false: {netip.MustParsePrefix("fd00::/8")},
	}
})

// ceilLog2 returns the smallest k with 2^k >= n (0 for n <= 1).
func ceilLog2(n uint64) int {
	if n <= 1 {
		return 0
	}
	return bits.Len64(n - 1)
}

// Suggest proposes the smallest plan in private space that holds the
// request with its growth: per family a node mask whose block holds at
// least twice max pods (GKE's rule, /24 for 110), a pod range of
// 2^ceil(log2(nodes x growth)) node blocks, and a Service range for the
// Services x growth plus the kubernetes Service, at least a /27 (IPv4) or
// /112 (IPv6) so the KEP-3070 static band holds the DNS address. Ranges are
// the first aligned free blocks of 10.0.0.0/8, 172.16.0.0/12,
// 192.168.0.0/16 (IPv4) or fd00::/8 (IPv6) clear of every avoided network.
// The returned Config plans without error findings for the profile, or
// Suggest fails with ErrNoPlan.
func Suggest(r Request) (Config, error) {
	spec, ok := profiles()[r.Profile]
	if !ok {
		return Config{}, cfgErr("unknown profile %q", string(r.Profile))
	}
	if r.Profile == EKS || r.Profile == AKSAzureCNI {
		return Config{}, cfgErr("%s pods take node-subnet addresses: nothing to suggest; size --node-network with k8s plan instead", r.Profile)
	}
	if r.Nodes == 0 {
		return Config{}, cfgErr("suggest needs the number of nodes")
	}
	growth := r.Growth
	if growth == 0 {
		growth = 2
	}
	maxPods := r.MaxPods
	if maxPods == 0 {
		maxPods = spec.maxPods
	}
	services := r.Services
	if services == 0 {
		services = 500
	}
	nodes, svc := r.Nodes*growth, services*growth
	fams := []bool{true}
	switch r.Family {
	case IPv6:
		fams = []bool{false}
	case Dual:
		fams = []bool{true, false}
	case IPv4, "":
	default:
		return Config{}, cfgErr("family %q, want ipv4, ipv6 or dual", string(r.Family))
	}
	var ub netcalc.SetBuilder
	for _, l := range [][]netip.Prefix{r.NodeNetworks, r.Avoid} {
		for _, p := range l {
			ub.AddPrefix(p.Masked())
		}
	}
	ub.AddPrefix(netip.MustParsePrefix("172.17.0.0/16"))
	if r.Profile == AKS || r.Profile == AKSKubenet {
		for _, s := range []string{"172.30.0.0/16", "172.31.0.0/16"} {
			ub.AddPrefix(netip.MustParsePrefix(s))
		}
	}
	used := ub.Set() // SetBuilder.Set resets the builder: keep the Set
	cfg := Config{Profile: r.Profile, Version: r.Version, Nodes: r.Nodes, MaxPods: r.MaxPods,
		NodeNetworks: r.NodeNetworks, Avoid: r.Avoid, Suggested: true}
	take := func(is4 bool, bitsWanted int) (netip.Prefix, error) {
		var free netcalc.SetBuilder
		for _, p := range privateSpace()[is4] {
			free.AddPrefix(p)
		}
		free.RemoveSet(used)
		for p := range free.Set().AllPrefixes() {
			if p.Bits() <= bitsWanted {
				got := netip.PrefixFrom(p.Addr(), bitsWanted)
				used = used.Union(netcalc.SetOfPrefixes(got))
				return got, nil
			}
		}
		return netip.Prefix{}, noPlan("no free /%d left in %s private space", bitsWanted, map[bool]string{true: "IPv4", false: "IPv6"}[is4])
	}
	for _, is4 := range fams {
		bl := 128
		if is4 {
			bl = 32
		}
		var mask int
		switch {
		case spec.ipam == CalicoBlocks:
			mask = spec.maskFor(is4)
		case spec.ipam == AzureOverlay && is4:
			mask = 24
		case !is4:
			mask = 64
		default:
			mask = bl - ceilLog2(2*uint64(maxPods))
			if spec.ipam == GKEAlias {
				mask = gkeNodeMask(maxPods)
			}
		}
		blocks := nodes
		if spec.ipam == CalicoBlocks {
			// Enough blocks for every node's pods, one block at least each.
			per := max(1, (uint64(maxPods)+(1<<(bl-mask))-1)>>(bl-mask))
			blocks = nodes * per
		}
		clusterBits := mask - ceilLog2(blocks)
		if clusterBits < 1 || !is4 && mask-clusterBits > 16 || spec.kubeadm && mask-clusterBits > 16 {
			return Config{}, noPlan("%d nodes x %d growth need %d node CIDRs of /%d, more than one %s pod range can hold under the 16-bit limit", r.Nodes, growth, blocks, mask, map[bool]string{true: "IPv4", false: "IPv6"}[is4])
		}
		pod, err := take(is4, clusterBits)
		if err != nil {
			return Config{}, err
		}
		svcBits := bl - ceilLog2(svc+2)
		if is4 {
			svcBits = min(svcBits, 27)
		} else {
			svcBits = min(svcBits, 112)
		}
		if bl-svcBits > 20 && !newAllocator(r.Version.orLatest()) || spec.kubeadm && bl-svcBits > 20 {
			return Config{}, noPlan("%d Services x %d growth need more than a /%d Service range", services, growth, bl-20)
		}
		service, err := take(is4, svcBits)
		if err != nil {
			return Config{}, err
		}
		cfg.ClusterCIDRs = append(cfg.ClusterCIDRs, pod)
		cfg.ServiceCIDRs = append(cfg.ServiceCIDRs, service)
		cfg.NodeMasks = append(cfg.NodeMasks, mask)
	}
	p, err := NewPlan(cfg)
	if err != nil {
		return Config{}, err
	}
	if p.HasErrors() {
		for _, f := range p.Findings {
			if f.Severity == Error {
				return cfg, noPlan("the suggestion fails %s: %s", f.Rule, f.Message)
			}
		}
	}
	return cfg, nil
}
