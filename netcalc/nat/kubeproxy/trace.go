package kubeproxy

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"strings"

	"github.com/netcalc/netcalc/netcalc/nat"
)

// Packet is the first packet of a connection, the one kube-proxy's rules
// see (conntrack handles the rest).
type Packet struct {
	// Src is the client; a zero port means DefaultSourcePort.
	Src   netip.AddrPort `json:"src"`
	Dst   netip.AddrPort `json:"dst"`
	Proto Protocol       `json:"protocol"`
}

// DefaultSourcePort is the client port of a traced packet when none is
// given.
const DefaultSourcePort = 40000

// Step is one event of a packet walk: entering a chain, a rule that
// matched, a statistic rule that did not fire, or rules skipped.
type Step struct {
	Table  string `json:"table"`
	Chain  string `json:"chain"`
	Depth  int    `json:"depth"`
	Action string `json:"action"` // enter, match, not-taken, skip, fall-through
	Rule   string `json:"rule,omitempty"`
	Note   string `json:"note,omitempty"`
}

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

// Result is what happens to a packet.
type Result struct {
	Packet Packet `json:"packet"`
	// Hook is PREROUTING for packets arriving at the node, OUTPUT for
	// packets the node itself sends.
	Hook string `json:"hook"`
	// Service is the Service port whose rule captured the packet.
	Service string `json:"service,omitempty"`
	Steps   []Step `json:"steps"`
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
	Affinity   bool     `json:"affinity,omitempty"`
	Masquerade bool     `json:"masquerade"`
	Reasons    []string `json:"reasons"`
	// SNAT is the source after MASQUERADE; invalid when not masqueraded.
	SNAT netip.AddrPort `json:"snat,omitzero"`
	// Conntrack is the entry the connection creates (DNAT only). Its
	// `conntrack -L` line is ConntrackLine, rendered from this struct, so
	// the JSON "conntrack" object and "conntrack_line" always agree.
	Conntrack *nat.Conn `json:"conntrack,omitempty"`
}

// ConntrackLine returns Conntrack as `conntrack -L` prints it, or "" when
// the packet created no entry.
func (r Result) ConntrackLine() string {
	if r.Conntrack == nil {
		return ""
	}
	return r.Conntrack.String()
}

// MarshalJSON writes the Result's fields plus "conntrack_line", rendered
// from the same Conntrack value that is marshalled as "conntrack".
func (r Result) MarshalJSON() ([]byte, error) {
	type plain Result
	return json.Marshal(struct {
		plain
		ConntrackLine string `json:"conntrack_line,omitempty"`
	}{plain(r), r.ConntrackLine()})
}

// Tracer walks packets through a Ruleset. It keeps the state of the
// "recent" match (ClientIP affinity), so successive connections stick, and
// draws statistic matches from a seeded generator: the same seed gives the
// same walks.
type Tracer struct {
	rs     *Ruleset
	seed   uint64
	rng    *rand.Rand
	recent map[string]map[netip.Addr]bool
	local  map[netip.Addr]bool
	seps   map[string]*Rule        // KUBE-SEP chain → its DNAT rule
	onNode map[netip.AddrPort]bool // endpoints on this node
}

// NewTracer returns a Tracer over rs whose random draws come from seed.
func NewTracer(rs *Ruleset, seed uint64) *Tracer {
	t := &Tracer{rs: rs, seed: seed, rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		recent: map[string]map[netip.Addr]bool{}, local: map[netip.Addr]bool{}, seps: map[string]*Rule{}}
	t.local[netip.MustParseAddr("127.0.0.1")] = true
	t.local[netip.IPv6Loopback()] = true
	for _, a := range rs.cfg.NodeIPs {
		t.local[a] = true
	}
	t.onNode = map[netip.AddrPort]bool{}
	for _, pc := range rs.Ports {
		for _, e := range pc.Endpoints {
			if ap, err := netip.ParseAddrPort(e.Endpoint); err == nil && e.Local {
				t.onNode[ap] = true
			}
		}
	}
	for _, c := range rs.NAT.chains {
		if strings.HasPrefix(c, PrefixEndpoint) {
			for _, r := range rs.NAT.rules[c] {
				if r.Target == "DNAT" {
					t.seps[c] = r
				}
			}
		}
	}
	return t
}

type walk struct {
	t        *Tracer
	res      *Result
	src      netip.Addr
	dst      netip.AddrPort
	proto    string
	marked   bool
	reasons  []string
	sawLocal bool // went through a KUBE-SVL chain
}

func (w *walk) step(s Step) { w.res.Steps = append(w.res.Steps, s) }

func (w *walk) matches(r *Rule) bool {
	if r.markCheck || r.Target == "" {
		return false
	}
	if r.proto != "" && r.proto != w.proto {
		return false
	}
	if r.src.IsValid() && r.src.Contains(w.src) == r.srcNeg {
		return false
	}
	if r.dst.IsValid() && r.dst.Contains(w.dst.Addr()) == r.dstNeg {
		return false
	}
	if r.srcLocal && !w.t.local[w.src] {
		return false
	}
	if r.dstLocal && !w.t.local[w.dst.Addr()] {
		return false
	}
	if r.dport != 0 && r.dport != int(w.dst.Port()) {
		return false
	}
	if r.recentCheck && !w.t.recent[r.recentName][w.src] {
		return false
	}
	return true
}

// run walks chain c of table tb; it reports whether a terminal target
// (DNAT, REJECT, DROP, ACCEPT) ended the walk.
func (w *walk) run(tb *Table, c string, depth int) bool {
	w.step(Step{Table: tb.Name, Chain: c, Depth: depth, Action: "enter"})
	if (strings.HasPrefix(c, PrefixService) || strings.HasPrefix(c, PrefixLocal)) && w.res.Chain == "" {
		w.res.Chain = c
		w.res.Choices = w.t.choices(tb, c)
	}
	if strings.HasPrefix(c, PrefixLocal) {
		w.sawLocal = true
	}
	skipped := 0
	flush := func() {
		if skipped > 0 {
			w.step(Step{Table: tb.Name, Chain: c, Depth: depth, Action: "skip", Note: fmt.Sprintf("%d rule(s) did not match", skipped)})
			skipped = 0
		}
	}
	for _, r := range tb.rules[c] {
		if r.Target == "" && strings.HasPrefix(c, PrefixFirewall) {
			flush()
			w.step(Step{Table: tb.Name, Chain: c, Depth: depth, Action: "fall-through", Rule: r.Text,
				Note: "source not in loadBalancerSourceRanges: no DNAT; filter KUBE-PROXY-FIREWALL drops it"})
			continue
		}
		if !w.matches(r) {
			skipped++
			continue
		}
		flush()
		if r.probability > 0 {
			if w.t.rng.Float64() >= r.probability {
				w.step(Step{Table: tb.Name, Chain: c, Depth: depth, Action: "not-taken", Rule: r.Text,
					Note: fmt.Sprintf("statistic: probability %.4g, not drawn", r.probability)})
				continue
			}
		}
		note := ""
		switch {
		case r.probability > 0:
			note = fmt.Sprintf("statistic: probability %.4g, drawn", r.probability)
		case r.recentCheck:
			note = "ClientIP affinity: this client used this endpoint recently"
			w.res.Affinity = true
		case r.note != "":
			note = r.note
		}
		w.step(Step{Table: tb.Name, Chain: c, Depth: depth, Action: "match", Rule: r.Text, Note: note})
		if w.res.Service == "" && r.comment != "" && (r.Target == "REJECT" || r.Target == "DROP" || isServiceChain(r.Target)) {
			w.res.Service, _, _ = strings.Cut(r.comment, " ")
		}
		switch r.Target {
		case ChainMarkMasq:
			w.marked = true
			w.reasons = append(w.reasons, w.reason(r.masqReason))
		case "DNAT":
			if r.recentName != "" {
				m := w.t.recent[r.recentName]
				if m == nil {
					m = map[netip.Addr]bool{}
					w.t.recent[r.recentName] = m
				}
				m[w.src] = true
			}
			w.res.Verdict = "DNAT"
			w.res.Endpoint = r.toDestination
			return true
		case "REJECT", "DROP", "ACCEPT":
			w.res.Verdict = r.Target
			return true
		default:
			if tb.declared[r.Target] && w.run(tb, r.Target, depth+1) {
				return true
			}
		}
	}
	flush()
	return false
}

func (w *walk) reason(kind string) string {
	cfg := w.t.rs.cfg
	switch kind {
	case masqOffCluster:
		return fmt.Sprintf("source %s is outside the cluster CIDR %s (! -s %s): off-cluster traffic to a ClusterIP is masqueraded so that replies return through this node", w.src, cfg.ClusterCIDR, cfg.ClusterCIDR)
	case masqAll:
		return "--masquerade-all: every ClusterIP connection is masqueraded"
	case masqExternal:
		return "external traffic with externalTrafficPolicy Cluster: masqueraded because the endpoint may be on another node (the client IP is lost)"
	case masqLocalExt:
		return "the node itself connects to an external address (--src-type LOCAL): masqueraded so the endpoint can reply"
	case masqHairpin:
		return fmt.Sprintf("hairpin: the endpoint %s is the client itself; without SNAT it would answer itself directly and drop the reply", w.src)
	}
	return "marked for masquerade"
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
		if d := t.seps[r.Target]; d != nil {
			ch.Endpoint = d.toDestination.String()
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
// filter chains kube-proxy fills, then nat POSTROUTING → KUBE-POSTROUTING.
// Statistic matches draw from the Tracer's generator; affinity state is
// remembered for later calls.
func (t *Tracer) Trace(p Packet) Result {
	if p.Src.Port() == 0 {
		p.Src = netip.AddrPortFrom(p.Src.Addr(), DefaultSourcePort)
	}
	if p.Proto == "" {
		p.Proto = TCP
	}
	res := Result{Packet: p, Hook: "PREROUTING", Verdict: "NONE"}
	w := &walk{t: t, res: &res, src: p.Src.Addr(), dst: p.Dst, proto: p.Proto.lower()}
	if t.local[w.src] {
		res.Hook = "OUTPUT"
	}
	nat, filter := t.rs.NAT, t.rs.Filter
	w.step(Step{Table: "nat", Chain: res.Hook, Action: "match",
		Rule: "-A " + res.Hook + ` -m comment --comment "kubernetes service portals" -j KUBE-SERVICES`})
	w.run(nat, ChainServices, 1)
	if res.Verdict == "DNAT" {
		w.dst = res.Endpoint
	}
	for _, c := range []string{ChainServices, ChainExternalServices, ChainNodePorts, ChainProxyFirewall} {
		if res.Verdict != "NONE" && res.Verdict != "DNAT" {
			break
		}
		before := len(res.Steps)
		hook, jump := filterJump(c, t.local[w.src], t.local[w.dst.Addr()])
		w.step(Step{Table: "filter", Chain: hook, Action: "match", Rule: jump})
		if w.run(filter, c, 1) {
			break
		}
		// Keep the filter walk short: drop chains that matched nothing.
		if onlyEnterSkip(res.Steps[before+1:]) {
			res.Steps = res.Steps[:before]
		}
	}
	if res.Verdict != "DNAT" {
		if res.Verdict == "NONE" {
			res.Reasons = append(res.Reasons, "no kube-proxy rule matches this destination: the packet is routed unchanged")
		}
		return res
	}
	// POSTROUTING.
	w.step(Step{Table: "nat", Chain: "POSTROUTING", Action: "match",
		Rule: `-A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING`})
	w.step(Step{Table: "nat", Chain: ChainPostrouting, Depth: 1, Action: "enter"})
	pr := nat.rules[ChainPostrouting]
	res.Masquerade = w.marked
	if !w.marked {
		w.step(Step{Table: "nat", Chain: ChainPostrouting, Depth: 1, Action: "match", Rule: pr[0].Text, Note: "not marked: no SNAT"})
		cfg := t.rs.cfg
		switch {
		case w.sawLocal:
			res.Reasons = append(res.Reasons, fmt.Sprintf("traffic policy Local: only endpoints on this node, no SNAT; the endpoint sees the client address %s", w.src))
		case cfg.ClusterCIDR.IsValid() && cfg.ClusterCIDR.Contains(w.src):
			res.Reasons = append(res.Reasons, fmt.Sprintf("source %s is inside the cluster CIDR %s: no SNAT, the endpoint sees the pod address", w.src, cfg.ClusterCIDR))
		default:
			res.Reasons = append(res.Reasons, fmt.Sprintf("no rule jumped to KUBE-MARK-MASQ: no SNAT, the endpoint sees %s", w.src))
		}
	} else {
		for _, r := range pr[1:] {
			w.step(Step{Table: "nat", Chain: ChainPostrouting, Depth: 1, Action: "match", Rule: r.Text})
		}
		res.Reasons = w.reasons
		res.SNAT = t.masqueradeSource(p.Src, res.Endpoint)
		if !firstOfFamily(t.rs.cfg.NodeIPs, t.rs.cfg.IPv6).IsValid() && !res.SNAT.Addr().IsValid() {
			unspec := netip.IPv4Unspecified()
			if t.rs.cfg.IPv6 {
				unspec = netip.IPv6Unspecified()
			}
			res.SNAT = netip.AddrPortFrom(unspec, res.SNAT.Port())
			res.Reasons = append(res.Reasons, "MASQUERADE source: "+conntrackUnknown)
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

func onlyEnterSkip(steps []Step) bool {
	for _, s := range steps {
		if s.Action != "enter" && s.Action != "skip" {
			return false
		}
	}
	return true
}

// masqueradeSource picks what MASQUERADE writes: the primary address of
// the outgoing interface, the pod bridge (BridgeIP) towards a local pod,
// the node address otherwise. Without --random-fully the source port is
// kept (it is free in a one-connection simulation); with it, a seeded
// random port from 1024-65535.
func (t *Tracer) masqueradeSource(src, ep netip.AddrPort) netip.AddrPort {
	cfg := t.rs.cfg
	a := firstOfFamily(cfg.NodeIPs, cfg.IPv6)
	if t.onNode[ep] && cfg.BridgeIP.IsValid() {
		a = cfg.BridgeIP
	}
	port := src.Port()
	if cfg.RandomFully {
		port = uint16(1024 + t.rng.IntN(65536-1024))
	}
	return netip.AddrPortFrom(a, port)
}

func isServiceChain(c string) bool {
	for _, p := range []string{PrefixService, PrefixLocal, PrefixExternal, PrefixFirewall} {
		if strings.HasPrefix(c, p) {
			return true
		}
	}
	return false
}
