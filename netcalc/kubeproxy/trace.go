package kubeproxy

import (
	"errors"
	"math/rand/v2"
	"net/netip"
	"strings"

	"github.com/netcalc/netcalc/netcalc/nat"
	"github.com/netcalc/netcalc/netcalc/netfilter"
	"github.com/netcalc/netcalc/netcalc/packet"
)

// DefaultSourcePort is the client port of a traced packet when none is
// given.
const DefaultSourcePort = 40000

// The actions of a trace's steps (packet.Step.Action). Both modes use
// ActionEnter, ActionMatch and ActionSkip; the others are one mode's.
const (
	// ActionEnter: the packet enters Chain (Depth counts the jumps from
	// the built-in or base chain).
	ActionEnter packet.Action = "enter"
	// ActionMatch: Rule matched; Reason says what the match means when
	// kube-proxy's rules say more than the rule text (ReasonDrawn,
	// ReasonAffinity, ReasonNotMarked, ReasonPodToExternal,
	// ReasonNodeToExternal).
	ActionMatch packet.Action = "match"
	// ActionSkip: Count rules of Chain did not match.
	ActionSkip packet.Action = "skip"
	// ActionNotTaken (iptables): Rule's statistic match was not drawn
	// (Reason ReasonNotDrawn, Draw.Probability its probability).
	ActionNotTaken packet.Action = "not-taken"
	// ActionFallThrough (iptables): a firewall chain's last rule, which
	// only comments, matched: the source is not in
	// loadBalancerSourceRanges (Reason ReasonSourceNotAllowed).
	ActionFallThrough packet.Action = "fall-through"
	// ActionLookup (nftables): Rule looked Lookup.Key up in the set or map
	// Lookup.Set; Lookup.Hit says whether it is there and Lookup.Value is
	// a map element's verdict.
	ActionLookup packet.Action = "lookup"
	// ActionNumgen (nftables): Rule's "numgen random mod Draw.Mod" gave
	// Draw.Pick; Draw.Value is the element picked (an endpoint "IP .
	// port" or "goto CHAIN").
	ActionNumgen packet.Action = "numgen"
	// ActionUpdate (nftables): Rule added the source address Lookup.Key
	// to the affinity set Lookup.Set.
	ActionUpdate packet.Action = "update"
	// ActionVerdict (nftables): the walk of a base chain ended with
	// Verdict: ACCEPT (the policy, or after dnat or masquerade), DROP or
	// REJECT.
	ActionVerdict packet.Action = "verdict"
)

// The reasons of a trace's steps (packet.Step.Reason) and of an iptables
// TraceResult (TraceResult.Reasons).
const (
	// ReasonDrawn and ReasonNotDrawn: a statistic match with
	// Draw.Probability fired or did not.
	ReasonDrawn    packet.Reason = "drawn"
	ReasonNotDrawn packet.Reason = "not-drawn"
	// ReasonAffinity: a "recent --rcheck" rule matched: this client used
	// this endpoint recently (ClientIP affinity).
	ReasonAffinity packet.Reason = "affinity"
	// ReasonNotMarked: KUBE-POSTROUTING returned for a packet without the
	// masquerade mark: no SNAT.
	ReasonNotMarked packet.Reason = "not-marked"
	// ReasonPodToExternal: a pod reaching an external address of a
	// Local-policy Service uses all endpoints, as if it went out to the
	// load balancer and back.
	ReasonPodToExternal packet.Reason = "pod-to-external"
	// ReasonNodeToExternal: the node itself reaching an external address
	// of a Local-policy Service uses all endpoints.
	ReasonNodeToExternal packet.Reason = "node-to-external"
	// ReasonSourceNotAllowed: the source is not in
	// loadBalancerSourceRanges: no DNAT, and the filter table's
	// KUBE-PROXY-FIREWALL drops the packet.
	ReasonSourceNotAllowed packet.Reason = "source-not-allowed"

	// ReasonMarked: a rule of no known kind marked the packet for
	// masquerade (the Masq* reasons name the known kinds).
	ReasonMarked packet.Reason = "marked"
	// ReasonPolicyDrop: the built-in filter chain TraceResult.PolicyChain
	// dropped the packet by its policy.
	ReasonPolicyDrop packet.Reason = "policy-drop"
	// ReasonNoRule: no kube-proxy rule matches the destination: the packet
	// is routed unchanged.
	ReasonNoRule packet.Reason = "no-rule"
	// ReasonLocalPolicy: traffic policy Local: the endpoint is on this
	// node and sees the client address (no SNAT).
	ReasonLocalPolicy packet.Reason = "local-policy"
	// ReasonInCluster: the source is inside the cluster CIDR: no SNAT, the
	// endpoint sees the pod address.
	ReasonInCluster packet.Reason = "in-cluster"
	// ReasonNoMasqueradeJump: no rule jumped to KUBE-MARK-MASQ: no SNAT.
	ReasonNoMasqueradeJump packet.Reason = "no-masquerade-jump"
	// ReasonNoNodeAddress: the node has no address of the packet's family
	// in the scenario, so the MASQUERADE source is shown as the
	// unspecified address.
	ReasonNoNodeAddress packet.Reason = "no-node-address"
	// ReasonWalkFailed: the rules could not be walked (TraceResult.Error says
	// why).
	ReasonWalkFailed packet.Reason = "walk-failed"
)

// Choice is one endpoint the balancing chain can pick, with its overall
// share of new connections (1/n for each of n endpoints).
type Choice struct {
	Endpoint string  `json:"endpoint"`
	Chain    string  `json:"chain"`
	Share    float64 `json:"share"`
	// RuleProbability is the --probability of the endpoint's rule as
	// kube-proxy prints it; "" for the last rule, which always matches.
	RuleProbability string `json:"rule_probability,omitempty"`
}

// TraceResult is what kube-proxy's iptables rules do to the first packet
// of a connection.
type TraceResult struct {
	// Packet is the packet traced, the first of its connection (the one
	// kube-proxy's rules see; conntrack handles the rest), with its
	// defaults filled in: source port DefaultSourcePort, protocol TCP.
	Packet packet.Tuple `json:"packet"`
	// Hook is PREROUTING for packets arriving at the node, OUTPUT for
	// packets the node itself sends.
	Hook string `json:"hook"`
	// Service is the Service port whose rule captured the packet.
	Service string        `json:"service,omitempty"`
	Steps   []packet.Step `json:"steps"`
	// Chain is the KUBE-SVC-/KUBE-SVL- chain that balanced the packet and
	// Choices its endpoints.
	Chain   string   `json:"balanced_by,omitempty"`
	Choices []Choice `json:"choices,omitempty"`
	// Verdict is DNAT, REJECT, DROP or ACCEPT, or NONE when no kube-proxy
	// rule applies.
	Verdict  string         `json:"verdict"`
	Endpoint netip.AddrPort `json:"endpoint,omitzero"`
	// Affinity reports whether a ClientIP affinity rule picked the
	// endpoint.
	Affinity   bool `json:"affinity,omitempty"`
	Masquerade bool `json:"masquerade"`
	// Reasons say why the packet was or was not masqueraded (the Masq*
	// reasons of the rules that marked it, ReasonMarked,
	// ReasonNoNodeAddress; ReasonLocalPolicy, ReasonInCluster,
	// ReasonNoMasqueradeJump), or why kube-proxy did not DNAT it
	// (ReasonNoRule, ReasonPolicyDrop, ReasonWalkFailed).
	Reasons []packet.Reason `json:"reasons"`
	// ClusterCIDR is the node's cluster CIDR (from the scenario or read
	// from a dump's "! -s CIDR" rule), which the off-cluster and
	// in-cluster reasons are about; invalid when the node has none.
	ClusterCIDR netip.Prefix `json:"cluster_cidr,omitzero"`
	// PolicyChain is the built-in filter chain whose policy dropped the
	// packet (ReasonPolicyDrop); "" otherwise.
	PolicyChain string `json:"policy_chain,omitempty"`
	// Error is why the rules could not be walked (ReasonWalkFailed).
	Error string `json:"error,omitempty"`
	// SNAT is the source after MASQUERADE; invalid when not masqueraded.
	SNAT netip.AddrPort `json:"snat,omitzero"`
	// Conntrack is the entry the connection creates (DNAT only). Its
	// `conntrack -L` line is ConntrackLine, rendered from this struct, so
	// the JSON "conntrack" object and "conntrack_line" always agree.
	Conntrack *nat.Conn `json:"conntrack,omitempty"`
}

// Refused reports whether kube-proxy's rules rejected or dropped the
// packet (Verdict REJECT or DROP).
func (r TraceResult) Refused() bool { return r.Verdict == "REJECT" || r.Verdict == "DROP" }

// ConntrackLine returns Conntrack as `conntrack -L` prints it, or "" when
// the packet created no entry.
func (r TraceResult) ConntrackLine() string {
	if r.Conntrack == nil {
		return ""
	}
	return r.Conntrack.String()
}

// MarshalJSON writes the TraceResult's fields plus "conntrack_line", rendered
// from the same Conntrack value that is marshalled as "conntrack".
func (r TraceResult) MarshalJSON() ([]byte, error) {
	type plain TraceResult
	return marshal(struct {
		plain
		ConntrackLine string `json:"conntrack_line,omitempty"`
	}{plain(r), r.ConntrackLine()})
}

// Tracer walks packets through a Ruleset with netcalc/netfilter's walker:
// the rules are rendered as iptables-restore text, parsed, completed with
// the jumps kube-proxy adds to the built-in chains, and walked; the trace's
// steps are the walker's steps with kube-proxy's annotations (why a rule
// masquerades, what a statistic draw or an affinity check means). It keeps
// the state of the "recent" match (ClientIP affinity), so successive
// connections stick, and draws statistic matches from a seeded generator:
// the same seed gives the same walks.
type Tracer struct {
	rs     *Ruleset
	seed   uint64
	rng    *rand.Rand
	recent netfilter.Recent
	local  map[netip.Addr]bool
	onNode map[netip.AddrPort]bool // endpoints on this node

	// nat is the nat table with kube-proxy's jumps from PREROUTING,
	// OUTPUT and POSTROUTING; filter holds the filter table's chains, to
	// which filterRuleset adds one jump from a built-in chain.
	nat     *netfilter.Ruleset
	filter  *netfilter.Table
	filters map[string]*netfilter.Ruleset // by jump rule text
	walkers map[*netfilter.Ruleset]*netfilter.Walker
	err     error // rendering or parsing the rules failed

	// What the Ports say about chains: the balancing chains (KUBE-SVC-,
	// KUBE-SVL-), the Local-policy ones, every chain of a Service port,
	// the firewall chains, and each endpoint chain's endpoint.
	balancers, localChains, serviceChains, fwChains map[string]bool
	seps                                            map[string]netip.AddrPort
}

// natJumps are the rules kube-proxy inserts into the nat table's built-in
// chains (iptablesJumpChains in pkg/proxy/iptables/proxier.go).
const natJumps = `*nat
-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING
COMMIT
`

// NewTracer returns a Tracer over rs whose random draws come from seed.
func NewTracer(rs *Ruleset, seed uint64) *Tracer {
	t := &Tracer{rs: rs, seed: seed, rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		local: map[netip.Addr]bool{}, onNode: map[netip.AddrPort]bool{}, filters: map[string]*netfilter.Ruleset{},
		walkers:   map[*netfilter.Ruleset]*netfilter.Walker{},
		balancers: map[string]bool{}, localChains: map[string]bool{}, serviceChains: map[string]bool{},
		fwChains: map[string]bool{}, seps: map[string]netip.AddrPort{}}
	t.local[netip.MustParseAddr("127.0.0.1")] = true
	t.local[netip.IPv6Loopback()] = true
	for _, a := range rs.cfg.NodeIPs {
		t.local[a] = true
	}
	for _, pc := range rs.Ports {
		for _, c := range []string{pc.Cluster, pc.Local} {
			if c != "" {
				t.balancers[c] = true
			}
		}
		for _, c := range []string{pc.Cluster, pc.Local, pc.External, pc.Firewall} {
			if c != "" {
				t.serviceChains[c] = true
			}
		}
		if pc.Local != "" {
			t.localChains[pc.Local] = true
		}
		if pc.Firewall != "" {
			t.fwChains[pc.Firewall] = true
		}
		for _, e := range pc.Endpoints {
			if ap, err := netip.ParseAddrPort(e.Endpoint); err == nil {
				t.seps[e.Chain] = ap
				if e.Local {
					t.onNode[ap] = true
				}
			}
		}
	}
	t.nat, t.filter, t.err = parseRules(rs)
	return t
}

// parseRules renders rs as iptables-restore text and parses it back: the
// nat table completed with kube-proxy's jumps from the built-in chains,
// and the filter table.
func parseRules(rs *Ruleset) (*netfilter.Ruleset, *netfilter.Table, error) {
	if rs.saved != nil {
		return &netfilter.Ruleset{Tables: rs.saved.Tables[:1]}, rs.saved.Tables[1], nil
	}
	var b strings.Builder
	if _, err := rs.WriteTo(&b); err != nil {
		return nil, nil, err
	}
	parsed, err := netfilter.ParseString(b.String())
	if err != nil {
		return nil, nil, err
	}
	jumps, err := netfilter.ParseString(natJumps)
	if err != nil {
		return nil, nil, err
	}
	nat, filter := parsed.Table("nat"), parsed.Table("filter")
	if nat == nil || filter == nil {
		return nil, nil, errors.New("kubeproxy: the rendered rules lack the nat or the filter table")
	}
	nat.Chains = append(nat.Chains, jumps.Tables[0].Chains...)
	return &netfilter.Ruleset{Tables: []*netfilter.Table{nat}}, filter, nil
}

// filterRuleset returns the filter table with jump as the only rule of its
// built-in chain.
func (t *Tracer) filterRuleset(jump string) (*netfilter.Ruleset, error) {
	if rs := t.filters[jump]; rs != nil {
		return rs, nil
	}
	j, err := netfilter.ParseString("*filter\n" + jump + "\nCOMMIT\n")
	if err != nil {
		return nil, err
	}
	chains := append(append([]*netfilter.Chain(nil), j.Tables[0].Chains...), t.filter.Chains...)
	rs := &netfilter.Ruleset{Tables: []*netfilter.Table{{Name: "filter", Chains: chains}}}
	t.filters[jump] = rs
	return rs, nil
}

// addrType is the addrtype match's view of the node: its node IPs and
// loopback are LOCAL.
func (t *Tracer) addrType(a netip.Addr) netfilter.AddrType {
	if t.local[a] {
		return netfilter.AddrLocal
	}
	return netfilter.AddrUnicast
}

type walk struct {
	t        *Tracer
	res      *TraceResult
	src      netip.Addr
	reasons  []packet.Reason
	sawLocal bool // went through a KUBE-SVL chain
	hook     string
}

func (w *walk) step(s packet.Step) {
	s.Hook = w.hook
	w.res.Steps = append(w.res.Steps, s)
}

// annotation returns kube-proxy's own rule behind step s of the walker, or
// nil for the jumps from the built-in chains, which Render does not write.
// The parsed chains hold Render's rules in Render's order.
func (w *walk) annotation(s netfilter.Step) *Rule {
	tb := w.t.rs.NAT
	if s.Table == "filter" {
		tb = w.t.rs.Filter
	}
	if rules := tb.rules[s.Chain]; s.Rule >= 0 && s.Rule < len(rules) {
		return rules[s.Rule]
	}
	return nil
}

// run walks table at hook with the netfilter walker and adds its steps to
// the trace (see steps); it returns the walker's result.
func (w *walk) run(rs *netfilter.Ruleset, table string, hook netfilter.Hook, p netfilter.Packet) (netfilter.Result, error) {
	nw := w.t.walkers[rs]
	if nw == nil {
		nw = &netfilter.Walker{Rules: rs, AddrType: w.t.addrType, Random: w.t.rng.Float64, Recent: &w.t.recent}
		w.t.walkers[rs] = nw
	}
	w.hook = string(hook)
	res, err := nw.Walk(table, hook, p)
	w.steps(res.Steps)
	return res, err
}

// steps turns the walker's steps into the trace's: a matched rule becomes
// ActionMatch (then ActionEnter for the chain it jumps to), a statistic
// rule whose draw failed ActionNotTaken, the comment-only rule of a
// firewall chain ActionFallThrough, and the rules that did not match an
// ActionSkip count per chain. The jump into KUBE-MARK-MASQ is shown as the match that marks the
// packet, with the reason, not as a chain of its own; KUBE-POSTROUTING
// shows only the rules that matched; chain ends and policies are not shown.
func (w *walk) steps(steps []netfilter.Step) {
	skipped := map[int]int{} // by depth
	flush := func(s netfilter.Step) {
		if n := skipped[s.Depth]; n > 0 {
			w.step(packet.Step{Table: s.Table, Chain: s.Chain, Depth: s.Depth, Action: ActionSkip, Count: n})
			skipped[s.Depth] = 0
		}
	}
	hide := -1 // steps deeper than this are inside KUBE-MARK-MASQ
	for _, s := range steps {
		if hide >= 0 {
			if s.Depth > hide {
				continue
			}
			hide = -1
		}
		switch {
		case s.Action == netfilter.ActionPolicy && s.Rule < 0:
			continue
		case s.Action == netfilter.ActionEnd:
			flush(s)
			continue
		}
		r := w.annotation(s)
		if !s.Matched || (s.Action == netfilter.ActionContinue && !w.t.fwChains[s.Chain]) {
			switch {
			case s.Chain == ChainPostrouting:
			case s.Miss == "statistic" && r != nil:
				flush(s)
				w.step(packet.Step{Table: s.Table, Chain: s.Chain, Depth: s.Depth, Action: ActionNotTaken, Rule: s.Text,
					Reason: ReasonNotDrawn, Draw: &packet.Draw{Probability: r.probability}})
			default:
				skipped[s.Depth]++
			}
			continue
		}
		flush(s)
		if s.Action == netfilter.ActionContinue {
			w.step(packet.Step{Table: s.Table, Chain: s.Chain, Depth: s.Depth, Action: ActionFallThrough, Rule: s.Text,
				Reason: ReasonSourceNotAllowed})
			continue
		}
		st := packet.Step{Table: s.Table, Chain: s.Chain, Depth: s.Depth, Action: ActionMatch, Rule: s.Text}
		switch {
		case r == nil:
		case s.Chain == ChainPostrouting && s.Action == netfilter.ActionReturn:
			st.Reason = ReasonNotMarked
		case r.probability > 0:
			st.Reason, st.Draw = ReasonDrawn, &packet.Draw{Probability: r.probability}
		case r.recentCheck:
			st.Reason = ReasonAffinity
			w.res.Affinity = true
		default:
			st.Reason = r.note
		}
		w.step(st)
		if r != nil && w.res.Service == "" && r.comment != "" && (s.Target == "REJECT" || s.Target == "DROP" || w.t.serviceChains[s.Target]) {
			w.res.Service, _, _ = strings.Cut(r.comment, " ")
		}
		switch {
		case s.Target == ChainMarkMasq && s.Action == netfilter.ActionJump:
			if r != nil {
				w.reasons = append(w.reasons, w.reason(r.masqReason))
			}
			hide = s.Depth
		case s.Action == netfilter.ActionJump || s.Action == netfilter.ActionGoto:
			depth := s.Depth
			if s.Action == netfilter.ActionJump {
				depth++
			}
			w.step(packet.Step{Table: s.Table, Chain: s.Target, Depth: depth, Action: ActionEnter})
			if w.t.balancers[s.Target] && w.res.Chain == "" {
				w.res.Chain = s.Target
				w.res.Choices = w.t.choices(w.t.rs.NAT, s.Target)
			}
			if w.t.localChains[s.Target] {
				w.sawLocal = true
			}
		}
	}
}

// reason returns the Masq* reason of a rule's masqReason.
func (w *walk) reason(kind string) packet.Reason {
	switch kind {
	case masqOffCluster:
		return MasqOffCluster
	case masqAll:
		return MasqAll
	case masqExternal:
		return MasqExternalCluster
	case masqLocalExt:
		return MasqLocalExternal
	case masqHairpin:
		return MasqHairpin
	}
	return ReasonMarked
}

// choices lists the endpoints of balancing chain c with their shares.
func (t *Tracer) choices(tb *Table, c string) []Choice {
	var out []Choice
	remaining := 1.0
	for _, r := range tb.rules[c] {
		if r.recentCheck || !strings.HasPrefix(r.Target, PrefixEndpoint) {
			continue
		}
		p, ps := 1.0, ""
		if r.probability > 0 {
			p = r.probability
			ps = probText(r)
		}
		ch := Choice{Chain: r.Target, Share: remaining * p, RuleProbability: ps}
		if ep, ok := t.seps[r.Target]; ok {
			ch.Endpoint = ep.String()
		}
		remaining *= 1 - p
		out = append(out, ch)
	}
	return out
}

func probText(r *Rule) string {
	const k = "--probability "
	i := strings.Index(r.Text, k)
	if i < 0 {
		return ""
	}
	s := r.Text[i+len(k):]
	if j := strings.IndexByte(s, ' '); j >= 0 {
		s = s[:j]
	}
	return s
}

// Trace walks p through the rules: nat PREROUTING (or OUTPUT for a packet
// the node sends) → KUBE-SERVICES and the chains it jumps to, then the
// filter chains kube-proxy fills, each entered from the built-in chain
// whose jump brings the packet there (filterJump), then nat POSTROUTING →
// KUBE-POSTROUTING. Statistic matches draw from the Tracer's generator;
// affinity state is remembered for later calls.
func (t *Tracer) Trace(p packet.Tuple) TraceResult {
	if p.Src.Port() == 0 {
		p.Src = netip.AddrPortFrom(p.Src.Addr(), DefaultSourcePort)
	}
	if p.Protocol == 0 {
		p.Protocol = packet.TCP
	}
	res := TraceResult{Packet: p, Hook: "PREROUTING", Verdict: "NONE", ClusterCIDR: t.rs.cfg.ClusterCIDR}
	w := &walk{t: t, res: &res, src: p.Src.Addr()}
	if t.local[w.src] {
		res.Hook = "OUTPUT"
	}
	fail := func(err error) TraceResult {
		res.Reasons = append(res.Reasons, ReasonWalkFailed)
		res.Error = err.Error()
		return res
	}
	if t.err != nil {
		return fail(t.err)
	}
	pkt := netfilter.Packet{Src: p.Src.Addr(), Dst: p.Dst.Addr(), Proto: p.Protocol, SrcPort: p.Src.Port(),
		DstPort: p.Dst.Port(), State: netfilter.CTNew}
	nr, err := w.run(t.nat, "nat", netfilter.Hook(res.Hook), pkt)
	if err != nil {
		return fail(err)
	}
	pkt.Mark = nr.Packet.Mark
	if !nr.Verdict.Policy && nr.Verdict.Kind == netfilter.VerdictDNAT {
		to := nr.Verdict.To
		res.Verdict = "DNAT"
		res.Endpoint = netip.AddrPortFrom(to.MinAddr, to.MinPort)
		pkt.Dst, pkt.DstPort = to.MinAddr, to.MinPort
		pkt.State |= netfilter.CTDNAT
	}
	if t.rs.saved != nil {
		// A node's dump: its filter table as it is, from the built-in
		// chain the packet passes.
		hook := netfilter.Forward
		switch {
		case t.local[w.src]:
			hook = netfilter.Output
		case t.local[pkt.Dst]:
			hook = netfilter.Input
		}
		frs := &netfilter.Ruleset{Tables: []*netfilter.Table{t.filter}}
		if t.filter.Chain(string(hook)) != nil {
			before := len(res.Steps)
			fr, err := w.run(frs, "filter", hook, pkt)
			res.Steps = append(res.Steps[:before], pruneEmptyJumps(res.Steps[before:])...)
			if err != nil {
				return fail(err)
			}
			if k := fr.Verdict.Kind; !fr.Verdict.Policy || k == netfilter.VerdictDrop {
				if k == netfilter.VerdictDrop || k == netfilter.VerdictReject {
					res.Verdict = k.String()
					if fr.Verdict.Policy {
						res.Reasons = append(res.Reasons, ReasonPolicyDrop)
						res.PolicyChain = string(hook)
					}
				}
			}
		}
	}
	for _, c := range []string{ChainServices, ChainExternalServices, ChainNodePorts, ChainProxyFirewall} {
		if t.rs.saved != nil || (res.Verdict != "NONE" && res.Verdict != "DNAT") {
			break
		}
		before := len(res.Steps)
		hook, jump := filterJump(c, t.local[w.src], t.local[pkt.Dst])
		frs, err := t.filterRuleset(jump)
		if err != nil {
			return fail(err)
		}
		fr, err := w.run(frs, "filter", netfilter.Hook(hook), pkt)
		if err != nil {
			return fail(err)
		}
		if !fr.Verdict.Policy {
			res.Verdict = fr.Verdict.Kind.String()
			break
		}
		// Keep the filter walk short: drop chains that matched nothing.
		if onlyEnterSkip(res.Steps[before+1:]) {
			res.Steps = res.Steps[:before]
		}
	}
	if res.Verdict != "DNAT" {
		if res.Verdict == "NONE" {
			res.Reasons = append(res.Reasons, ReasonNoRule)
		}
		return res
	}
	pr, err := w.run(t.nat, "nat", netfilter.Postrouting, pkt)
	if err != nil {
		return fail(err)
	}
	res.Masquerade = !pr.Verdict.Policy && pr.Verdict.Kind == netfilter.VerdictMasquerade
	if !res.Masquerade {
		cfg := t.rs.cfg
		switch {
		case w.sawLocal:
			res.Reasons = append(res.Reasons, ReasonLocalPolicy)
		case cfg.ClusterCIDR.IsValid() && cfg.ClusterCIDR.Contains(w.src):
			res.Reasons = append(res.Reasons, ReasonInCluster)
		default:
			res.Reasons = append(res.Reasons, ReasonNoMasqueradeJump)
		}
	} else {
		res.Reasons = w.reasons
		// MASQUERADE writes the primary address of the outgoing interface
		// (the pod bridge towards a local pod, the node address otherwise)
		// and picks the port as the kernel does: nat's source choice.
		addr := firstOfFamily(t.rs.cfg.NodeIPs, t.rs.cfg.IPv6)
		if t.onNode[res.Endpoint] && t.rs.cfg.BridgeIP.IsValid() {
			addr = t.rs.cfg.BridgeIP
		}
		res.SNAT = masquerade(addr, p, res.Endpoint, t.rs.cfg.RandomFully, t.rng)
		if !firstOfFamily(t.rs.cfg.NodeIPs, t.rs.cfg.IPv6).IsValid() && !res.SNAT.Addr().IsValid() {
			unspec := netip.IPv4Unspecified()
			if t.rs.cfg.IPv6 {
				unspec = netip.IPv6Unspecified()
			}
			res.SNAT = netip.AddrPortFrom(unspec, res.SNAT.Port())
			res.Reasons = append(res.Reasons, ReasonNoNodeAddress)
		}
	}
	res.Conntrack = newConntrack(p, res.Endpoint, res.SNAT)
	return res
}

// filterJump returns the built-in filter chain from which kube-proxy's
// jump (iptablesJumpChains in pkg/proxy/iptables/proxier.go) brings a
// packet to chain c, and that jump rule as iptables-save prints it. A
// packet the node sends passes OUTPUT, and INPUT too when it is for the
// node itself; one the node receives passes INPUT when it is for the node,
// else FORWARD.
func filterJump(c string, srcLocal, dstLocal bool) (hook, rule string) {
	hook = "FORWARD"
	newOnly, comment := "-m conntrack --ctstate NEW ", ""
	switch c {
	case ChainServices:
		comment = "kubernetes service portals"
		if srcLocal {
			hook = "OUTPUT"
		}
	case ChainExternalServices:
		comment = "kubernetes externally-visible service portals"
		if dstLocal {
			hook = "INPUT"
		}
	case ChainNodePorts:
		hook, newOnly, comment = "INPUT", "", "kubernetes health check service ports"
	case ChainProxyFirewall:
		comment = "kubernetes load balancer firewall"
		switch {
		case srcLocal:
			hook = "OUTPUT"
		case dstLocal:
			hook = "INPUT"
		}
	}
	return hook, "-A " + hook + " " + newOnly + `-m comment --comment "` + comment + `" -j ` + c
}

// pruneEmptyJumps drops the jumps into chains where nothing matched (the
// match, the enter and the skip count), to keep a walk through a node's
// whole filter table short.
func pruneEmptyJumps(steps []packet.Step) []packet.Step {
	var out []packet.Step
	for i := 0; i < len(steps); i++ {
		s := steps[i]
		if s.Action == ActionMatch && i+1 < len(steps) && steps[i+1].Action == ActionEnter && steps[i+1].Depth == s.Depth+1 {
			j := i + 2
			for j < len(steps) && steps[j].Depth > s.Depth && steps[j].Action == ActionSkip {
				j++
			}
			if j >= len(steps) || steps[j].Depth <= s.Depth {
				i = j - 1
				continue
			}
		}
		out = append(out, s)
	}
	return out
}

func onlyEnterSkip(steps []packet.Step) bool {
	for _, s := range steps {
		if s.Action != ActionEnter && s.Action != ActionSkip {
			return false
		}
	}
	return true
}
