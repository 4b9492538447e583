package kubeproxy

import (
	"errors"
	"io"
	"net/netip"
	"sort"
	"strconv"
	"strings"

	"github.com/netcalc/netcalc/netcalc/netfilter"
)

// ErrNoKubeProxyRules means an iptables-save dump has no nat table with
// kube-proxy's KUBE-SERVICES chain: not the rules of a kube-proxy node in
// iptables mode.
var ErrNoKubeProxyRules = errors.New("no kube-proxy rules")

// ReadIPTablesSave reads the output of iptables-save (or ip6tables-save) on
// a node and returns it as a Ruleset to trace, without any manifest: the
// nat and filter tables as dumped, every chain and rule (also those of
// other software, walked as the kernel would), and what Render's Ports
// would say, derived from kube-proxy's chain names and comments (KUBE-SVC-
// and KUBE-SVL- chains balance, KUBE-SEP- chains DNAT to their endpoint).
// An endpoint counts as on this node when a KUBE-SVL- chain lists it
// (the dump says nothing else about where endpoints run), which matters
// only for the MASQUERADE source (BridgeIP towards a local endpoint).
// node supplies what the dump does not hold: the node's addresses (for
// addrtype LOCAL and the MASQUERADE source), its pod bridge, and the
// family; a nil node means an IPv4 node whose only local address is
// loopback. The cluster CIDR, when node has none, is read from the
// "! -s CIDR -j KUBE-MARK-MASQ" rules. Errors are *netfilter.ParseError
// values (with the line) or wrap ErrNoKubeProxyRules.
func ReadIPTablesSave(r io.Reader, node *Config) (*Ruleset, error) {
	saved, err := netfilter.Parse(r)
	if err != nil {
		return nil, err
	}
	nat := saved.Table("nat")
	if nat == nil || nat.Chain(ChainServices) == nil {
		return nil, ErrNoKubeProxyRules
	}
	filter := saved.Table("filter")
	if filter == nil {
		filter = &netfilter.Table{Name: "filter"}
	}
	cfg := &Config{}
	if node != nil {
		c := *node
		c.Services = nil
		cfg = &c
	}
	rs := &Ruleset{Filter: newTable("filter"), NAT: newTable("nat"), cfg: cfg,
		saved: &netfilter.Ruleset{Tables: []*netfilter.Table{nat, filter}}}
	for _, pair := range []struct {
		in  *netfilter.Table
		out *Table
	}{{nat, rs.NAT}, {filter, rs.Filter}} {
		for _, c := range pair.in.Chains {
			pair.out.addChain(c.Name)
			for i := range c.Rules {
				pair.out.add(annotate(&c.Rules[i], c.Name, cfg))
			}
		}
	}
	rs.Ports = savedPorts(rs.NAT)
	return rs, nil
}

// annotate returns Render's view of a dumped rule: its comment, statistic
// probability, whether it checks ClientIP affinity, and why it marks for
// masquerade, read from the rule's matches and the chain it is in.
func annotate(nr *netfilter.Rule, chain string, cfg *Config) *Rule {
	r := &Rule{Chain: chain, Text: nr.Text(chain), Target: nr.Target.Name, comment: nr.Comment()}
	if m, ok := nr.Match("statistic"); ok {
		if o, ok := m.Option("--probability"); ok {
			r.probability, _ = strconv.ParseFloat(o.Arg(), 64)
		}
	}
	if m, ok := nr.Match("recent"); ok {
		_, r.recentCheck = m.Option("--rcheck")
	}
	if r.Target == "MASQUERADE" && chain == ChainPostrouting && strings.Contains(r.Text, "--random-fully") {
		cfg.RandomFully = true
	}
	if r.Target != ChainMarkMasq {
		switch {
		case strings.HasPrefix(r.comment, "pod traffic for "):
			r.note = ReasonPodToExternal
		case strings.HasPrefix(r.comment, "route LOCAL traffic for "):
			r.note = ReasonNodeToExternal
		}
		return r
	}
	src, negated := "", false
	for _, m := range nr.Matches {
		if m.Name == "" && len(m.Options) == 1 && m.Options[0].Name == "-s" {
			src, negated = m.Options[0].Arg(), m.Options[0].Negated
		}
	}
	switch {
	case strings.HasPrefix(chain, PrefixEndpoint):
		r.masqReason = masqHairpin
	case strings.HasPrefix(chain, PrefixExternal) && strings.Contains(r.Text, "--src-type LOCAL"):
		r.masqReason = masqLocalExt
	case strings.HasPrefix(chain, PrefixExternal):
		r.masqReason = masqExternal
	case negated:
		r.masqReason = masqOffCluster
		if p, err := netip.ParsePrefix(src); err == nil && !cfg.ClusterCIDR.IsValid() {
			cfg.ClusterCIDR = p.Masked()
		}
	default:
		r.masqReason = masqAll
	}
	return r
}

// savedPorts derives the Service port chains from a dumped nat table: one
// PortChains per KUBE-SVC-/KUBE-SVL- chain hash, with the endpoints its
// KUBE-SEP- chains DNAT to.
func savedPorts(nat *Table) []PortChains {
	byHash := map[string]*PortChains{}
	get := func(hash string) *PortChains {
		pc := byHash[hash]
		if pc == nil {
			pc = &PortChains{}
			byHash[hash] = pc
		}
		return pc
	}
	sepEndpoint := map[string]string{}
	for _, c := range nat.Chains() {
		if !strings.HasPrefix(c, PrefixEndpoint) {
			continue
		}
		for _, r := range nat.Rules(c) {
			if r.Target == "DNAT" {
				if _, to, ok := strings.Cut(r.Text, "--to-destination "); ok {
					to, _, _ = strings.Cut(to, " ")
					sepEndpoint[c] = to
				}
				if r.comment != "" {
					sepEndpoint[c+" svc"] = r.comment
				}
			}
		}
	}
	for _, c := range nat.Chains() {
		for _, p := range []string{PrefixService, PrefixLocal, PrefixExternal, PrefixFirewall} {
			hash, ok := strings.CutPrefix(c, p)
			if !ok {
				continue
			}
			pc := get(hash)
			switch p {
			case PrefixService:
				pc.Cluster = c
			case PrefixLocal:
				pc.Local = c
			case PrefixExternal:
				pc.External = c
			case PrefixFirewall:
				pc.Firewall = c
			}
			if p != PrefixService && p != PrefixLocal {
				continue
			}
			for _, r := range nat.Rules(c) {
				ep, ok := sepEndpoint[r.Target]
				if !ok || r.recentCheck {
					continue
				}
				pc.Endpoints = append(pc.Endpoints, PortEndpoint{Endpoint: ep, Chain: r.Target, Local: p == PrefixLocal})
				if pc.Service == "" {
					pc.Service = sepEndpoint[r.Target+" svc"]
				}
			}
		}
	}
	hashes := make([]string, 0, len(byHash))
	for h := range byHash {
		hashes = append(hashes, h)
	}
	sort.Strings(hashes)
	out := make([]PortChains, 0, len(hashes))
	for _, h := range hashes {
		out = append(out, *byHash[h])
	}
	return out
}
