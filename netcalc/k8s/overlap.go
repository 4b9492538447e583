package k8s

import (
	"net/netip"
	"strings"
	"sync"

	"github.com/netcalc/netcalc/netcalc"
)

// wellKnownRange is a range every plan is checked against.
type wellKnownRange struct {
	cidr netip.Prefix
	name string
	sev  Severity
	rule string
}

// wellKnown are the ranges every plan is checked against, parsed on first
// use.
var wellKnown = sync.OnceValue(func() []wellKnownRange {
	return []wellKnownRange{
		{netip.MustParsePrefix("172.17.0.0/16"), "Docker's default bridge docker0", Warning, "overlap-docker"},
		{netip.MustParsePrefix("169.254.0.0/16"), "IPv4 link-local", Error, "overlap-link-local"},
		{netip.MustParsePrefix("fe80::/10"), "IPv6 link-local", Error, "overlap-link-local"},
		{netip.MustParsePrefix("fec0::/10"), "deprecated IPv6 site-local (RFC 3879)", Warning, "kubeadm-site-local"},
	}
})

// roleName names a range's role in a finding.
func roleName(r Role) string {
	switch r {
	case RoleCluster:
		return "pod range"
	case RoleService:
		return "Service range"
	case RoleNodeNetwork:
		return "node network"
	case RoleAvoid:
		return "avoided network"
	}
	return ""
}

// shared returns the addresses a and b have in common, using netcalc's
// sets; the intersection of two prefixes is the longer one.
func shared(a, b netip.Prefix) (netip.Prefix, netcalc.Count, bool) {
	s := netcalc.SetOfPrefixes(a).Intersect(netcalc.SetOfPrefixes(b))
	if s.IsEmpty() {
		return netip.Prefix{}, netcalc.Count{}, false
	}
	ps := s.Prefixes()
	return ps[0], s.Count(), true
}

// overlaps checks every pair of ranges of different roles and every range
// against the well-known ones.
func (pl *planner) overlaps(masks []int) {
	rs := pl.p.Ranges
	for i := range rs {
		for j := i + 1; j < len(rs); j++ {
			a, b := rs[i], rs[j]
			if a.Role == b.Role {
				continue // two families, or already a list error
			}
			if a.Role == RoleAvoid && b.Role == RoleAvoid {
				continue
			}
			in, n, ok := shared(a.CIDR, b.CIDR)
			if !ok {
				continue
			}
			pair := []netip.Prefix{a.CIDR, b.CIDR}
			switch {
			case a.Role == RoleCluster && b.Role == RoleService:
				pl.podService(a.CIDR, b.CIDR, in, n, masks)
			case a.Role == RoleCluster && b.Role == RoleNodeNetwork && (pl.cfg.Profile == EKS || pl.cfg.Profile == AKSAzureCNI):
				// VPC CNI: pods are in the node subnets by design.
			case b.Role == RoleAvoid:
				pl.add(Error, "overlap-avoid", pair, "%s %s overlaps the avoided network %s: %s shared addresses (%s)", roleName(a.Role), a.CIDR, b.CIDR, n, in)
			default:
				pl.add(Error, "overlap-node-network", pair, "%s %s overlaps the %s %s: %s shared addresses (%s)", roleName(a.Role), a.CIDR, roleName(b.Role), b.CIDR, n, in)
			}
		}
	}
	for _, r := range rs {
		if r.Role == RoleAvoid {
			continue
		}
		for _, w := range wellKnown() {
			in, n, ok := shared(r.CIDR, w.cidr)
			if !ok {
				continue
			}
			if w.rule == "overlap-link-local" && r.Role == RoleNodeNetwork {
				continue
			}
			sev := w.sev
			if w.rule == "overlap-docker" && pl.isAvoided(w.cidr) {
				continue // the user declared it; overlap-avoid said it
			}
			pl.add(sev, w.rule, []netip.Prefix{r.CIDR, w.cidr}, "%s %s overlaps %s %s: %s shared addresses (%s)", roleName(r.Role), r.CIDR, w.name, w.cidr, n, in)
		}
	}
}

func (pl *planner) isAvoided(p netip.Prefix) bool {
	for _, a := range pl.cfg.Avoid {
		if a.Masked() == p {
			return true
		}
	}
	return false
}

// podService judges a pod range over a Service range. With
// kube-controller-manager's allocator the Service range is marked used
// (range allocator filterOutServiceRange), so node CIDRs are lost, not
// shared; a CNI with its own IPAM hands out the shared addresses to pods.
func (pl *planner) podService(cl, svc, in netip.Prefix, n netcalc.Count, masks []int) {
	pair := []netip.Prefix{cl, svc}
	idx := -1
	for i, p := range pl.p.Pods {
		if p.CIDR == cl {
			idx = i
		}
	}
	if pl.spec.ipam != KCM || idx < 0 {
		pl.add(Error, "overlap-pod-service", pair, "pod range %s overlaps Service range %s: %s shared addresses (%s); %s ignores the Service range, so a pod and a ClusterIP can get the same address", cl, svc, n, in, pl.spec.ipam)
		return
	}
	pod := &pl.p.Pods[idx]
	if svc.Bits() <= cl.Bits() {
		pod.Lost = pod.MaxNodes
		pl.add(Error, "overlap-pod-service", pair, "pod range %s lies inside Service range %s: kube-controller-manager has no node CIDR left to hand out", cl, svc)
		return
	}
	lost := netcalc.CountFromUint64(1)
	if pod.NodeMask > svc.Bits() {
		lost = netcalc.PowerOfTwo(pod.NodeMask - svc.Bits())
	}
	pod.Lost = lost
	pl.add(Warning, "overlap-pod-service", pair, "pod range %s overlaps Service range %s (%s shared addresses): kube-controller-manager skips the %s node CIDRs of /%d inside it", cl, svc, n, lost, pod.NodeMask)
}

// scale fills the totals and applies the node count and size rules.
func (pl *planner) scale() {
	c := pl.cfg
	nodes := netcalc.CountFromUint64(c.Nodes)
	for i := range pl.p.Pods {
		p := &pl.p.Pods[i]
		if p.IPAM == VPCCNI || p.IPAM == AzureVNet || c.NoNodeCIDRs && p.IPAM == KCM {
			continue
		}
		avail := p.MaxNodes
		if p.Lost.Cmp(avail) <= 0 {
			avail = avail.Sub(p.Lost)
		}
		p.TotalPods = mulCount(avail, p.MaxPodsPerNode)
		if c.Nodes == 0 {
			continue
		}
		one := []netip.Prefix{p.CIDR}
		if nodes.Cmp(avail) > 0 {
			id := "kcm-nodes-fit"
			what := "node CIDRs"
			if p.IPAM == CalicoBlocks {
				id, what = "calico-block-size", "blocks"
			}
			if avail == netcalc.CountFromUint64(1) {
				what = strings.TrimSuffix(what, "s")
			}
			pl.add(Error, id, one, "%d nodes but %s holds %s %s of /%d: %s nodes get none (CIDRNotAvailable)", c.Nodes, p.CIDR, avail, what, p.NodeMask, nodes.Sub(avail))
		} else {
			free := avail.Sub(nodes)
			p.FreeNodes = &free
		}
	}
	maxPods := c.MaxPods
	if maxPods == 0 {
		maxPods = pl.spec.maxPods
	}
	if maxPods > 110 {
		pl.add(Note, "cluster-large", nil, "max pods per node %d is above the 110 Kubernetes is tested with", maxPods)
	}
	if c.Nodes > 5000 {
		pl.add(Warning, "cluster-large", nil, "%d nodes is above the 5,000 Kubernetes is tested with", c.Nodes)
	}
	if maxPods > 0 && c.Nodes*uint64(maxPods) > 150000 {
		pl.add(Note, "cluster-large", nil, "%d nodes x %d pods = %d pods, above the 150,000 Kubernetes is tested with", c.Nodes, maxPods, c.Nodes*uint64(maxPods))
	}
}

// mulCount returns c x n, saturating at 2^128.
func mulCount(c netcalc.Count, n uint64) netcalc.Count {
	var r netcalc.Count
	for b := 63; b >= 0; b-- {
		r = r.Add(r)
		if n>>b&1 == 1 {
			r = r.Add(c)
		}
	}
	return r
}
