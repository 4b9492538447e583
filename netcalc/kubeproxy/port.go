package kubeproxy

import (
	"net/netip"
	"slices"
	"strconv"
)

// Reasons a rule marks a packet for masquerading.
const (
	masqOffCluster = "offcluster"
	masqAll        = "all"
	masqExternal   = "external"
	masqLocalExt   = "localexternal"
	masqHairpin    = "hairpin"
)

// renderPort writes the rules of one Service port, following kube-proxy's
// syncProxyRules (pkg/proxy/iptables/proxier.go) step by step.
func (pt *part) renderPort(sp *svcPort) PortChains {
	rs, cfg := pt.rs, pt.cfg
	filter, nat := &pt.filter, &pt.nat
	s, p, name, eps := sp.svc, sp.port, sp.name, sp.eps
	proto := p.Protocol.String()
	clusterChain := pt.chainName(PrefixService, name, proto)
	hash := clusterChain[len(PrefixService):]
	localChain := pt.text.join(PrefixLocal, hash)
	extChain := pt.text.join(PrefixExternal, hash)
	fwChain := pt.text.join(PrefixFirewall, hash)
	clusterID, localID, extID, fwID := nat.chain(clusterChain), nat.chain(localChain), nat.chain(extChain), nat.chain(fwChain)
	pc := PortChains{Service: name, Protocol: proto}

	sameFamily := func(a netip.Addr) bool { return a.IsValid() && a.Is6() == cfg.IPv6 }
	var extIPs, lbIPs []netip.Addr
	for _, a := range s.ExternalIPs {
		if sameFamily(a) {
			extIPs = append(extIPs, a)
		}
	}
	if s.Type == LoadBalancer {
		vips := s.LoadBalancerIPs
		if cfg.minor() < 30 { // LoadBalancerIPMode off: every ingress IP is a VIP
			vips = append(append([]netip.Addr(nil), vips...), s.LoadBalancerProxyIPs...)
		}
		for _, a := range vips {
			if sameFamily(a) {
				lbIPs = append(lbIPs, a)
			}
		}
	}
	var srcRanges []netip.Prefix
	for _, r := range s.LoadBalancerSourceRanges {
		if r.IsValid() && r.Addr().Is6() == cfg.IPv6 {
			srcRanges = append(srcRanges, r)
		}
	}
	nodePort := 0
	if s.Type == NodePort || s.Type == LoadBalancer {
		nodePort = p.NodePort
	}
	externallyAccessible := nodePort != 0 || len(lbIPs) > 0 || len(extIPs) > 0
	externalLocal := externallyAccessible && s.ExternalTrafficPolicy == PolicyLocal
	internalLocal := s.InternalTrafficPolicy == PolicyLocal
	usesCluster := !internalLocal || (externallyAccessible && !externalLocal)
	usesLocal := internalLocal || externalLocal

	// proxy.CategorizeEndpoints (pkg/proxy/topology.go).
	var clusterEps, localEps, reachable []endpoint
	hasEndpoints := false
	topology := false
	if usesCluster {
		avail, byNode := pt.topologyFilter(eps)
		topology = avail != nil
		ready := 0
		for i := range eps {
			if eps[i].ready {
				ready++
			}
		}
		if !topology && ready == len(eps) {
			clusterEps = eps // every endpoint: no copy
		} else {
			clusterEps = make([]endpoint, 0, ready)
			for _, e := range eps {
				if e.ready && (avail == nil || avail(e)) {
					clusterEps = append(clusterEps, e)
				}
			}
		}
		if topology {
			n := Note{Kind: NoteTopology, Service: name, Endpoints: len(clusterEps), Ready: ready, NodeHints: byNode, Hint: cfg.Zone}
			if byNode {
				n.Hint = cfg.Node
			}
			pt.notes = append(pt.notes, n)
		}
		if len(clusterEps) == 0 {
			for _, e := range eps {
				if e.serving && e.terminating {
					clusterEps = append(clusterEps, e)
				}
			}
		}
		hasEndpoints = len(clusterEps) > 0
	}
	if !usesLocal {
		reachable = clusterEps
	} else {
		var localReady, localST, servingTerminating bool
		for _, e := range eps {
			if e.ready {
				hasEndpoints = true
				localReady = localReady || e.local
			} else if e.serving && e.terminating {
				hasEndpoints = true
				localST = localST || e.local
			}
		}
		servingTerminating = !localReady && localST
		for _, e := range eps {
			if e.local && ((localReady && e.ready) || (servingTerminating && e.serving && e.terminating)) {
				localEps = append(localEps, e)
			}
		}
		if !usesCluster {
			reachable = localEps
		} else if !topology && !servingTerminating {
			reachable = clusterEps
		} else {
			reachable = append(reachable, clusterEps...)
			in := make(map[string]bool, len(clusterEps))
			for _, e := range clusterEps {
				in[e.str] = true
			}
			for _, e := range localEps {
				if !in[e.str] {
					reachable = append(reachable, e)
				}
			}
		}
	}
	usesClusterChain := len(clusterEps) > 0 && usesCluster
	usesLocalChain := len(localEps) > 0 && usesLocal

	internalChain, internalID := clusterChain, clusterID
	hasInternal := hasEndpoints
	if internalLocal {
		internalChain, internalID = localChain, localID
		if len(localEps) == 0 {
			hasInternal = false
		}
	}
	externalPolicyChain := clusterChain
	hasExternal := hasEndpoints
	if externalLocal {
		externalPolicyChain = localChain
		if len(localEps) == 0 {
			hasExternal = false
		}
	}
	usesExtChain := hasEndpoints && externallyAccessible
	lbChain := extChain
	usesFW := hasEndpoints && len(lbIPs) > 0 && len(srcRanges) > 0
	if usesFW {
		lbChain = fwChain
	}

	var intTarget, intComment, extTarget, extComment string
	if !hasEndpoints {
		intTarget, intComment = "REJECT", name+" has no endpoints"
		extTarget, extComment = intTarget, intComment
		pc.NoEndpoints = "REJECT"
	} else {
		if !hasInternal {
			intTarget, intComment = "DROP", name+" has no local endpoints"
			pc.NoEndpoints = "DROP"
		}
		if !hasExternal {
			extTarget, extComment = "DROP", name+" has no local endpoints"
			pc.NoEndpoints = "DROP"
		}
	}

	clusterIP := s.clusterIPFor(cfg.IPv6)

	// Capture the cluster IP.
	if hasInternal {
		nat.rule(natServices).comment(name, " cluster IP").proto(proto).dstIP(clusterIP, false).dport(p.Port).jump(internalChain)
	} else {
		filter.rule(filterServices).comment(intComment).proto(proto).dstIP(clusterIP, false).dport(p.Port).jump(intTarget)
	}
	// External IPs.
	for _, a := range extIPs {
		if hasEndpoints {
			nat.rule(natServices).comment(name, " external IP").proto(proto).dstIP(a, false).dport(p.Port).jump(extChain)
		}
		if !hasExternal {
			filter.rule(filterExternalServices).comment(extComment).proto(proto).dstIP(a, false).dport(p.Port).jump(extTarget)
		}
	}
	// Load-balancer ingress.
	for _, a := range lbIPs {
		if hasEndpoints {
			nat.rule(natServices).comment(name, " loadbalancer IP").proto(proto).dstIP(a, false).dport(p.Port).jump(lbChain)
		}
		if usesFW {
			filter.rule(filterProxyFirewall).comment(name, " traffic not accepted by ", fwChain).proto(proto).dstIP(a, false).dport(p.Port).jump("DROP")
		}
	}
	if !hasExternal {
		for _, a := range lbIPs {
			filter.rule(filterExternalServices).comment(extComment).proto(proto).dstIP(a, false).dport(p.Port).jump(extTarget)
		}
	}
	// NodePorts.
	if nodePort != 0 {
		if hasEndpoints {
			if cfg.LocalhostNodePorts && rs.npa.v4Loopback && !cfg.IPv6 && cfg.NFAcctLocalhost {
				nat.rule(natNodePorts).comment(name).proto(proto).dst("127.0.0.0/8", false).dport(nodePort).
					raw("-m", "nfacct", "--nfacct-name", NFAcctLocalhostCounter).jump(extChain)
			}
			nat.rule(natNodePorts).comment(name).proto(proto).dport(nodePort).jump(extChain)
		}
		if !hasExternal {
			filter.rule(filterExternalServices).comment(extComment).dstTypeLocal().proto(proto).dport(nodePort).jump(extTarget)
		}
	}
	// Health-check NodePort (the API sets one only for LoadBalancer
	// Services with externalTrafficPolicy Local).
	if s.HealthCheckNodePort != 0 && s.Type == LoadBalancer && s.ExternalTrafficPolicy == PolicyLocal {
		filter.rule(filterNodePorts).comment(name, " health check node port").proto("tcp").dport(s.HealthCheckNodePort).jump("ACCEPT")
	}

	// Internal traffic handling.
	if hasInternal {
		switch {
		case cfg.MasqueradeAll:
			r := nat.rule(internalID).comment(name, " cluster IP").proto(proto).dstIP(clusterIP, false).dport(p.Port).jump(ChainMarkMasq)
			r.masqReason = masqAll
		case cfg.ClusterCIDR.IsValid():
			r := nat.rule(internalID).comment(name, " cluster IP").proto(proto).dstIP(clusterIP, false).dport(p.Port).
				srcPrefix(cfg.ClusterCIDR, true).jump(ChainMarkMasq)
			r.masqReason = masqOffCluster
		}
	}
	// External traffic handling.
	if usesExtChain {
		pc.External = extChain
		nat.addChain(extID)
		if !externalLocal {
			r := nat.rule(extID).comment("masquerade traffic for ", name, " external destinations").jump(ChainMarkMasq)
			r.masqReason = masqExternal
		} else {
			if cfg.ClusterCIDR.IsValid() {
				r := nat.rule(extID).comment("pod traffic for ", name, " external destinations").srcPrefix(cfg.ClusterCIDR, false).jump(clusterChain)
				r.note = ReasonPodToExternal
			}
			r := nat.rule(extID).comment("masquerade LOCAL traffic for ", name, " external destinations").srcTypeLocal().jump(ChainMarkMasq)
			r.masqReason = masqLocalExt
			r = nat.rule(extID).comment("route LOCAL traffic for ", name, " external destinations").srcTypeLocal().jump(clusterChain)
			r.note = ReasonNodeToExternal
		}
		if hasExternal {
			nat.rule(extID).jump(externalPolicyChain)
		}
	}
	// Firewall chain.
	if usesFW {
		pc.Firewall = fwChain
		nat.addChain(fwID)
		allowFromNode := false
		nodeIP := firstOfFamily(cfg.NodeIPs, cfg.IPv6)
		for _, r := range srcRanges {
			nat.rule(fwID).comment(name, " loadbalancer IP").srcPrefix(r, false).jump(extChain)
			if nodeIP.IsValid() && r.Contains(nodeIP) {
				allowFromNode = true
			}
		}
		if allowFromNode {
			for _, a := range lbIPs {
				nat.rule(fwID).comment(name, " loadbalancer IP").srcIP(a, false).jump(extChain)
			}
		}
		nat.rule(fwID).comment("other traffic to ", name, " will be dropped by KUBE-PROXY-FIREWALL").done()
	}
	if usesClusterChain {
		pc.Cluster = clusterChain
		nat.addChain(clusterID)
		pt.endpointRules(s, name, proto, clusterID, clusterEps)
	}
	if usesLocalChain {
		pc.Local = localChain
		nat.addChain(localID)
		pt.endpointRules(s, name, proto, localID, localEps)
	}
	if len(reachable) > 0 {
		pc.Endpoints = make([]PortEndpoint, 0, len(reachable))
	}
	for _, e := range reachable {
		nat.addChain(e.cid)
		b := nat.rule(e.cid)
		if !rs.large {
			b.comment(name)
		}
		h := b.srcIP(e.src.IP, false).jump(ChainMarkMasq)
		h.masqReason = masqHairpin
		b = nat.rule(e.cid)
		if !rs.large {
			b.comment(name)
		}
		if s.SessionAffinity == AffinityClientIP {
			b.raw("-m", "recent", "--name", e.chain, "--set")
		}
		b.proto(proto).jump("DNAT", "--to-destination", e.str)
		pc.Endpoints = append(pc.Endpoints, PortEndpoint{Endpoint: e.str, Chain: e.chain, Local: e.local})
	}
	return pc
}

// endpointRules is kube-proxy's writeServiceToEndpointRules: affinity
// checks first, then one statistic rule per endpoint but the last.
func (pt *part) endpointRules(s *Service, name, proto string, chain chainID, eps []endpoint) {
	nat, large := &pt.nat, pt.rs.large
	if s.SessionAffinity == AffinityClientIP {
		var tb [20]byte
		timeout := string(strconv.AppendInt(tb[:0], int64(s.affinityTimeout()), 10))
		for _, e := range eps {
			b := nat.rule(chain)
			if !large {
				b.comment(name, " -> ", e.str)
			}
			b.raw("-m", "recent", "--name", e.chain, "--rcheck", "--seconds", timeout, "--reap")
			b.r.recentCheck = true
			b.jump(e.chain)
		}
	}
	n := len(eps)
	for i, e := range eps {
		b := nat.rule(chain)
		if !large {
			b.comment(name, " -> ", e.str)
		}
		if i < n-1 {
			b.raw("-m", "statistic", "--mode", "random", "--probability", pt.probs.get(n-i))
			b.r.probability = 1 / float64(n-i)
		}
		b.jump(e.chain)
	}
}

// firstOfFamily returns the first address of the family, kube-proxy's
// single node IP.
func firstOfFamily(addrs []netip.Addr, v6 bool) netip.Addr {
	for _, a := range addrs {
		if a.Is6() == v6 {
			return a
		}
	}
	return netip.Addr{}
}

// topologyFilter is kube-proxy's topologyModeFromHints and
// availableForTopology: nil when every ready endpoint may be used, else
// the test an endpoint must pass and whether it checks node hints (else
// zone hints). Node hints (PreferSameNode, 1.34 and
// later) apply when every ready endpoint has one and one is for this
// node; zone hints when every ready endpoint has one and one is for the
// node's zone.
func (pt *part) topologyFilter(eps []endpoint) (avail func(endpoint) bool, byNode bool) {
	cfg := pt.cfg
	ready, allNode, forNode, allZone, forZone := false, true, false, true, false
	for _, e := range eps {
		if !e.ready {
			continue
		}
		ready = true
		if len(e.src.NodeHints) == 0 {
			allNode = false
		} else if slices.Contains(e.src.NodeHints, cfg.Node) {
			forNode = true
		}
		if len(e.src.ZoneHints) == 0 {
			allZone = false
		} else if slices.Contains(e.src.ZoneHints, cfg.Zone) {
			forZone = true
		}
	}
	switch {
	case !ready:
		return nil, false
	case cfg.minor() >= 34 && allNode && forNode:
		return func(e endpoint) bool { return slices.Contains(e.src.NodeHints, cfg.Node) }, true
	case allZone && forZone:
		return func(e endpoint) bool { return slices.Contains(e.src.ZoneHints, cfg.Zone) }, false
	}
	return nil, false
}
