package k8s

import (
	"net/netip"

	"github.com/netcalc/netcalc/netcalc"
)

// Report is the result of Check: the plan of the configuration found and
// the nodes read.
type Report struct {
	Kinds []string `json:"inputs"`
	Plan  *Plan    `json:"plan"`
	Nodes []Node   `json:"nodes,omitempty"`
}

// Merge returns the file's configuration with every non-zero field of
// flags laid over it (flags win).
func (in *Input) Merge(flags Config) Config {
	c := in.Config
	if flags.Profile != Upstream {
		c.Profile = flags.Profile
	}
	if !flags.Version.IsZero() {
		c.Version = flags.Version
	}
	if len(flags.ClusterCIDRs) > 0 {
		c.ClusterCIDRs = flags.ClusterCIDRs
	}
	if len(flags.ServiceCIDRs) > 0 {
		c.ServiceCIDRs = flags.ServiceCIDRs
	}
	if len(flags.NodeMasks) > 0 {
		c.NodeMasks = flags.NodeMasks
	}
	if flags.Nodes > 0 {
		c.Nodes = flags.Nodes
	}
	if flags.MaxPods > 0 {
		c.MaxPods = flags.MaxPods
	}
	if len(flags.ClusterDNS) > 0 {
		c.ClusterDNS = flags.ClusterDNS
	}
	c.NodeNetworks = append(c.NodeNetworks, flags.NodeNetworks...)
	c.Avoid = append(c.Avoid, flags.Avoid...)
	if flags.InstanceType != "" {
		c.InstanceType = flags.InstanceType
	}
	c.PrefixDelegation = c.PrefixDelegation || flags.PrefixDelegation
	if flags.ShowNode {
		c.ShowNode, c.NodeIndex = true, flags.NodeIndex
	}
	if in.HasNodes && flags.Nodes == 0 {
		c.Nodes = uint64(len(in.Nodes))
	}
	if in.HasNodes && len(in.Kinds) == 1 {
		c.NoDefaults = true
	}
	// Node masks from the nodes' own pod CIDRs when the file has nodes and
	// the cluster CIDRs are known.
	if len(c.NodeMasks) == 0 && len(c.ClusterCIDRs) > 0 {
		masks := make([]int, len(c.ClusterCIDRs))
		found := 0
		for i, cl := range c.ClusterCIDRs {
			for _, n := range in.Nodes {
				for _, p := range n.PodCIDRs {
					if masks[i] == 0 && cl.Overlaps(p) && p.Bits() >= cl.Bits() {
						masks[i] = p.Bits()
						found++
					}
				}
			}
		}
		if found == len(masks) {
			c.NodeMasks = masks
		}
	}
	return c
}

// Check runs the plan rules on cfg (usually in.Merge of the flags) and the
// node rules on in's nodes: pod CIDRs that overlap each other, nodes
// without a pod CIDR, pod CIDRs outside the cluster CIDRs, node addresses
// inside the pod or Service ranges, and, through the plan, how many more
// nodes fit.
func Check(in *Input, cfg Config) (*Report, error) {
	p, err := NewPlan(cfg)
	if err != nil {
		return nil, err
	}
	r := &Report{Kinds: in.Kinds, Plan: p, Nodes: in.Nodes}
	add := func(sev Severity, id string, cidrs []netip.Prefix, format string, args ...any) {
		p.Findings = append(p.Findings, finding(sev, id, cidrs, format, args...))
	}
	if a := in.AdvertiseAddress; a.IsValid() && len(p.Services) > 0 && a.Is4() != p.Services[0].CIDR.Addr().Is4() {
		add(Error, "apiserver-advertise-family", []netip.Prefix{p.Services[0].CIDR}, "service IP family %q must match public address family %q", p.Services[0].CIDR.String(), a.String())
	}
	var clusters, services []netip.Prefix
	for _, rg := range p.Ranges {
		switch rg.Role {
		case RoleCluster:
			clusters = append(clusters, rg.CIDR)
		case RoleService:
			services = append(services, rg.CIDR)
		}
	}
	ipamReadsPodCIDR := profiles()[cfg.Profile].ipam == KCM
	for i, n := range in.Nodes {
		if len(n.PodCIDRs) == 0 {
			sev := Warning
			if !ipamReadsPodCIDR {
				sev = Note
			}
			add(sev, "node-without-pod-cidr", nil, "node %s has no pod CIDR (spec.podCIDRs)", n.Name)
		}
		for _, pc := range n.PodCIDRs {
			inside := len(clusters) == 0
			for _, cl := range clusters {
				if cl.Bits() <= pc.Bits() && cl.Contains(pc.Addr()) {
					inside = true
				}
			}
			if !inside {
				add(Warning, "node-pod-cidr-outside", []netip.Prefix{pc}, "node %s pod CIDR %s is outside the cluster CIDRs %s", n.Name, pc, joinPrefixes(clusters))
			}
			for _, m := range in.Nodes[i+1:] {
				for _, qc := range m.PodCIDRs {
					if pc.Overlaps(qc) {
						s := netcalc.SetOfPrefixes(pc).Intersect(netcalc.SetOfPrefixes(qc))
						add(Error, "node-pod-cidr-overlap", []netip.Prefix{pc, qc}, "nodes %s (%s) and %s (%s) share %s pod addresses", n.Name, pc, m.Name, qc, s.Count())
					}
				}
			}
		}
		for _, a := range n.Addresses {
			for _, l := range []struct {
				what string
				ps   []netip.Prefix
			}{{"pod range", clusters}, {"Service range", services}} {
				for _, q := range l.ps {
					if q.Contains(a) {
						add(Error, "node-address-overlap", []netip.Prefix{q}, "node %s address %s is inside the %s %s", n.Name, a, l.what, q)
					}
				}
			}
		}
	}
	// How many more nodes fit: the node CIDRs in use (distinct blocks of
	// the node mask inside the cluster CIDR) and one for every node still
	// waiting for one.
	if in.HasNodes {
		for i := range p.Pods {
			pn := &p.Pods[i]
			if pn.IPAM == VPCCNI || pn.NodeMask < pn.CIDR.Bits() {
				continue
			}
			used := map[netip.Prefix]bool{}
			extra := netcalc.Count{}
			waiting := uint64(0)
			for _, n := range in.Nodes {
				if len(n.PodCIDRs) == 0 {
					waiting++
				}
				for _, pc := range n.PodCIDRs {
					if !pn.CIDR.Overlaps(pc) || pc.Addr().Is4() != pn.CIDR.Addr().Is4() {
						continue
					}
					if pc.Bits() >= pn.NodeMask {
						used[netip.PrefixFrom(pc.Addr(), pn.NodeMask).Masked()] = true
					} else {
						extra = extra.Add(netcalc.PowerOfTwo(pn.NodeMask - max(pc.Bits(), pn.CIDR.Bits())))
					}
				}
			}
			taken := extra.Add(netcalc.CountFromUint64(uint64(len(used)) + waiting)).Add(pn.Lost)
			if taken.Cmp(pn.MaxNodes) <= 0 {
				free := pn.MaxNodes.Sub(taken)
				pn.FreeNodes = &free
			} else {
				pn.FreeNodes = nil
			}
		}
	}
	if in.HasNodes && len(clusters) == 0 {
		add(Note, "kcm-nodes-fit", nil, "give --cluster-cidr to learn how many more nodes fit")
	}
	return r, nil
}
