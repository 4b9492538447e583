package kubeproxy

import (
	"math/rand/v2"
	"net/netip"
	"strconv"
	"strings"

	"github.com/netcalc/netcalc/netcalc/nat"
	"github.com/netcalc/netcalc/netcalc/packet"
)

// NFTChoice is one element of the numgen map or verdict map that balances
// a Service port: the endpoint, its endpoint- chain (ClientIP affinity
// only) and its share of new connections (1/n).
type NFTChoice struct {
	Index    int            `json:"index"`
	Endpoint netip.AddrPort `json:"endpoint"`
	Chain    string         `json:"chain,omitempty"`
	Share    float64        `json:"share"`
}

// NFTTraceResult is what kube-proxy's nftables table does to the first packet
// of a connection.
type NFTTraceResult struct {
	// Packet is the packet traced, with its defaults filled in (see
	// TraceResult.Packet).
	Packet packet.Tuple `json:"packet"`
	// Chains are the base chains walked, in hook order.
	Chains []string `json:"chains"`
	// Service is the Service port ("namespace/name:port") whose map
	// element or chain took the packet.
	Service string        `json:"service,omitempty"`
	Steps   []packet.Step `json:"steps"`
	// BalancedBy is the service- or local- chain whose numgen picked the
	// endpoint; Choices are its elements and Pick the one numgen gave
	// (-1 when a ClientIP affinity set picked the endpoint instead).
	BalancedBy string      `json:"balanced_by,omitempty"`
	Choices    []NFTChoice `json:"choices,omitempty"`
	Pick       int         `json:"pick"`
	Affinity   bool        `json:"affinity,omitempty"`
	// Verdict is DNAT, REJECT, DROP, or NONE when no kube-proxy rule
	// changes the packet.
	Verdict  string         `json:"verdict"`
	Endpoint netip.AddrPort `json:"endpoint,omitzero"`
	// Masquerade reports whether the masquerading chain masqueraded the
	// packet; MasqueradeReasons say which rules asked for it (Masq*
	// constants) and MarkedIn the chain of the first of them.
	Masquerade        bool            `json:"masquerade"`
	MasqueradeReasons []packet.Reason `json:"masquerade_reasons,omitempty"`
	MarkedIn          string          `json:"marked_in,omitempty"`
	// MasqueradeMark is the mark the rules set to ask for masquerade
	// (1 << Config.MasqueradeBit, 0x4000 by default).
	MasqueradeMark uint32 `json:"masquerade_mark"`
	// ClusterCIDR is the node's cluster CIDR (the off-cluster reason is
	// about it); invalid when the node has none.
	ClusterCIDR netip.Prefix `json:"cluster_cidr,omitzero"`
	// IPv6 reports whether the table walked is table ip6 kube-proxy.
	IPv6 bool `json:"ipv6"`
	// SNAT is the source after masquerade (fully-random: a seeded port
	// 1024-65535); invalid when not masqueraded.
	SNAT      netip.AddrPort `json:"snat,omitzero"`
	Conntrack *nat.Conn      `json:"conntrack,omitempty"`
}

// Refused reports whether kube-proxy's table rejected or dropped the
// packet (Verdict REJECT or DROP).
func (r NFTTraceResult) Refused() bool { return r.Verdict == "REJECT" || r.Verdict == "DROP" }

// ConntrackLine returns the conntrack entry as `conntrack -L` prints it,
// or "".
func (r NFTTraceResult) ConntrackLine() string {
	if r.Conntrack == nil {
		return ""
	}
	return r.Conntrack.String()
}

// MarshalJSON writes the NFTTraceResult's fields plus "conntrack_line",
// rendered from the same Conntrack value that is marshalled as
// "conntrack". Each step also carries "kind", its Action under the name
// netcalc's nftables trace JSON has always used for it.
func (r NFTTraceResult) MarshalJSON() ([]byte, error) {
	type plain NFTTraceResult
	type step struct {
		Kind packet.Action `json:"kind"`
		packet.Step
	}
	steps := make([]step, len(r.Steps))
	for i, s := range r.Steps {
		steps[i] = step{s.Action, s}
	}
	return marshal(struct {
		plain
		Steps         []step `json:"steps"`
		ConntrackLine string `json:"conntrack_line,omitempty"`
	}{plain(r), steps, r.ConntrackLine()})
}

// NFTTracer walks packets through an NFTRuleset. numgen draws come from a
// generator seeded by the seed, so the same seed gives the same walks;
// affinity sets fill as connections pass the endpoint- chains, so a later
// connection from the same client sticks (timeouts are not simulated).
type NFTTracer struct {
	rs       *NFTRuleset
	seed     uint64
	rng      *rand.Rand
	affinity map[string]map[netip.Addr]bool
}

// NewNFTTracer returns a tracer over rs whose draws come from seed.
func NewNFTTracer(rs *NFTRuleset, seed uint64) *NFTTracer {
	return &NFTTracer{rs: rs, seed: seed, rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), affinity: map[string]map[netip.Addr]bool{}}
}

type nftPacket struct {
	src, dst     netip.Addr
	sport, dport uint16
	proto        string
	mark         uint32
	dnat         bool
}

type nftWalk struct {
	t    *NFTTracer
	res  *NFTTraceResult
	pkt  nftPacket
	hook string
	mark uint32
}

func (t *NFTTracer) isLocal(a netip.Addr) bool { return a.IsLoopback() || t.rs.local[a] }

// Trace walks the first packet of p. A packet from a node address or
// loopback takes the output path (filter-output-pre-dnat, nat-output,
// filter-output, nat-postrouting, then filter-input when its destination
// after DNAT is the node); any other packet the prerouting path
// (filter-prerouting-pre-dnat, nat-prerouting, then filter-input when its
// destination after DNAT is the node, else filter-forward and
// nat-postrouting).
func (t *NFTTracer) Trace(p packet.Tuple) NFTTraceResult {
	if p.Src.Port() == 0 {
		p.Src = netip.AddrPortFrom(p.Src.Addr(), DefaultSourcePort)
	}
	if p.Protocol == 0 {
		p.Protocol = packet.TCP
	}
	res := NFTTraceResult{Packet: p, Verdict: "NONE", Pick: -1, MasqueradeMark: t.rs.cfg.masqueradeMark(),
		ClusterCIDR: t.rs.cfg.ClusterCIDR, IPv6: t.rs.cfg.IPv6}
	w := &nftWalk{t: t, res: &res, mark: res.MasqueradeMark,
		pkt: nftPacket{src: p.Src.Addr().Unmap(), dst: p.Dst.Addr().Unmap(), sport: p.Src.Port(), dport: p.Dst.Port(), proto: p.Protocol.String()}}
	output := t.isLocal(w.pkt.src)
	first := []struct{ chain, hook string }{{"filter-prerouting-pre-dnat", "prerouting"}, {"nat-prerouting", "prerouting"}}
	if output {
		first = []struct{ chain, hook string }{{"filter-output-pre-dnat", "output"}, {"nat-output", "output"}, {"filter-output", "output"}}
	}
	run := func(chain, hook string) bool {
		w.hook = hook
		res.Chains = append(res.Chains, chain)
		v := w.chain(chain, 0)
		if v == "" {
			v = "accept"
		}
		w.step(packet.Step{Action: ActionVerdict, Chain: chain, Verdict: strings.ToUpper(v)})
		switch v {
		case "drop":
			res.Verdict = "DROP"
		case "reject":
			res.Verdict = "REJECT"
		default:
			return true
		}
		return false
	}
	for _, c := range first {
		if !run(c.chain, c.hook) {
			return t.finish(res, w)
		}
	}
	toNode := t.isLocal(w.pkt.dst)
	var rest []struct{ chain, hook string }
	switch {
	case output:
		rest = append(rest, struct{ chain, hook string }{"nat-postrouting", "postrouting"})
		if toNode {
			rest = append(rest, struct{ chain, hook string }{"filter-input", "input"})
		}
	case toNode:
		rest = append(rest, struct{ chain, hook string }{"filter-input", "input"})
	default:
		rest = append(rest, struct{ chain, hook string }{"filter-forward", "forward"}, struct{ chain, hook string }{"nat-postrouting", "postrouting"})
	}
	for _, c := range rest {
		if !run(c.chain, c.hook) {
			break
		}
	}
	return t.finish(res, w)
}

func (t *NFTTracer) finish(res NFTTraceResult, w *nftWalk) NFTTraceResult {
	if res.Verdict == "DROP" || res.Verdict == "REJECT" {
		res.Masquerade, res.MasqueradeReasons = false, nil
		return res
	}
	if !w.pkt.dnat {
		res.Masquerade, res.MasqueradeReasons = false, nil
		return res
	}
	if !res.Masquerade {
		res.MasqueradeReasons = nil
	}
	res.Verdict = "DNAT"
	res.Endpoint = netip.AddrPortFrom(w.pkt.dst, w.pkt.dport)
	if res.Masquerade {
		cfg := t.rs.cfg
		a := nftFirstOfFamily(cfg.NodeIPs, cfg.IPv6)
		if cfg.BridgeIP.IsValid() && t.endpointLocal(res.Endpoint) {
			a = cfg.BridgeIP
		}
		// nftables mode always masquerades fully-random; the port is
		// nat's source choice, as in iptables mode (masquerade).
		res.SNAT = masquerade(a, res.Packet, res.Endpoint, true, t.rng)
		if !a.IsValid() {
			unspec := netip.IPv4Unspecified()
			if cfg.IPv6 {
				unspec = netip.IPv6Unspecified()
			}
			res.SNAT = netip.AddrPortFrom(unspec, res.SNAT.Port())
		}
	}
	res.Conntrack = newConntrack(res.Packet, res.Endpoint, res.SNAT)
	return res
}

// endpointLocal reports whether ep is an endpoint on this node.
func (t *NFTTracer) endpointLocal(ep netip.AddrPort) bool {
	for _, p := range t.rs.Ports {
		for _, e := range p.Endpoints {
			if e.Endpoint == ep {
				return e.Local
			}
		}
	}
	return false
}

func (w *nftWalk) step(s packet.Step) {
	s.Hook = w.hook
	w.res.Steps = append(w.res.Steps, s)
}

// lookup checks key in set or map name and records the step.
func (w *nftWalk) lookup(r *nftRule, depth int, name, key string) (string, bool) {
	var v string
	var hit bool
	if s := w.t.rs.sets[name]; s != nil {
		v, hit = s.elems[key]
		if hit && w.res.Service == "" && s.comments[key] != "" {
			w.res.Service = s.comments[key]
		}
	}
	w.step(packet.Step{Action: ActionLookup, Chain: r.chain, Depth: depth, Rule: r.text, Lookup: &packet.Lookup{Set: name, Key: key, Hit: hit, Value: v}})
	return v, hit
}

func inPrefixes(a netip.Addr, ps []netip.Prefix) bool {
	for _, p := range ps {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// matches evaluates the matches of r on the packet.
func (w *nftWalk) matches(r *nftRule, depth int) bool {
	p := &w.pkt
	switch {
	case r.ctDNAT && !p.dnat,
		r.markNonZero && p.mark&w.mark == 0,
		r.fibSaddrLocal && !w.t.isLocal(p.src),
		r.fibDaddrLocal && !w.t.isLocal(p.dst),
		r.l4proto != "" && r.l4proto != p.proto,
		len(r.daddr) > 0 && inPrefixes(p.dst, r.daddr) == r.daddrNeg,
		len(r.saddr) > 0 && inPrefixes(p.src, r.saddr) == r.saddrNeg:
		return false
	}
	if r.daddrSet != "" {
		if _, ok := w.lookup(r, depth, r.daddrSet, p.dst.String()); !ok {
			return false
		}
	}
	if r.saddrSet != "" {
		if strings.HasPrefix(r.saddrSet, NFTPrefixAffinity) {
			hit := w.t.affinity[r.saddrSet][p.src]
			w.step(packet.Step{Action: ActionLookup, Chain: r.chain, Depth: depth, Rule: r.text, Lookup: &packet.Lookup{Set: r.saddrSet, Key: p.src.String(), Hit: hit}})
			if !hit {
				return false
			}
			w.res.Affinity = true
		} else if _, ok := w.lookup(r, depth, r.saddrSet, p.src.String()); !ok {
			return false
		}
	}
	if r.hairpin {
		key := p.src.String() + " . " + p.dst.String() + " . " + p.proto + " . " + strconv.Itoa(int(p.dport))
		if _, ok := w.lookup(r, depth, NFTHairpinConnections, key); !ok {
			return false
		}
	}
	return true
}

// chain walks chain c and returns its verdict: "" when the packet falls
// off the end (return to the caller; the policy, accept, for a base
// chain), else accept, drop or reject.
func (w *nftWalk) chain(c string, depth int) string {
	rs := w.t.rs
	w.step(packet.Step{Action: ActionEnter, Chain: c, Depth: depth})
	if w.res.Service == "" && rs.owner[c] != "" {
		w.res.Service = rs.owner[c]
	}
	for _, r := range rs.rules[c] {
		if r.verdict == "numgen-dnat" || r.verdict == "numgen-vmap" {
			w.balance(c, r)
		}
	}
	skipped := 0
	flush := func() {
		if skipped > 0 {
			w.step(packet.Step{Action: ActionSkip, Chain: c, Depth: depth, Count: skipped})
			skipped = 0
		}
	}
	for _, r := range rs.rules[c] {
		if !w.matches(r, depth) {
			skipped++
			continue
		}
		flush()
		if r.verdict != "vmap" {
			w.step(packet.Step{Action: ActionMatch, Chain: c, Depth: depth, Rule: r.text})
		}
		if r.markOr {
			w.pkt.mark |= w.mark
			w.res.MasqueradeReasons = append(w.res.MasqueradeReasons, r.masqReason)
			if w.res.MarkedIn == "" {
				w.res.MarkedIn = c
			}
		}
		if r.markXor {
			w.pkt.mark ^= w.mark
		}
		if r.update != "" {
			if w.t.affinity[r.update] == nil {
				w.t.affinity[r.update] = map[netip.Addr]bool{}
			}
			w.t.affinity[r.update][w.pkt.src] = true
			w.step(packet.Step{Action: ActionUpdate, Chain: c, Depth: depth, Rule: r.text, Lookup: &packet.Lookup{Set: r.update, Key: w.pkt.src.String()}})
		}
		switch r.verdict {
		case "":
			continue
		case "jump":
			if v := w.chain(r.target, depth+1); v != "" {
				return v
			}
		case "goto":
			return w.chain(r.target, depth+1)
		case "drop", "reject":
			return r.verdict
		case "masquerade":
			w.res.Masquerade = true
			if r.masqReason != "" {
				w.res.MasqueradeReasons = append(w.res.MasqueradeReasons, r.masqReason)
			}
			return "accept"
		case "dnat":
			w.dnat(r.dnat)
			return "accept"
		case "numgen-dnat", "numgen-vmap":
			w.balance(c, r)
			i := w.t.rng.IntN(len(r.eps))
			w.res.Pick = i
			if r.verdict == "numgen-dnat" {
				w.step(packet.Step{Action: ActionNumgen, Chain: c, Depth: depth, Rule: r.text,
					Draw: &packet.Draw{Mod: len(r.eps), Pick: i, Value: r.eps[i].Addr().String() + " . " + strconv.Itoa(int(r.eps[i].Port()))}})
				w.dnat(r.eps[i])
				return "accept"
			}
			w.step(packet.Step{Action: ActionNumgen, Chain: c, Depth: depth, Rule: r.text, Draw: &packet.Draw{Mod: len(r.eps), Pick: i, Value: "goto " + r.numgen[i]}})
			return w.chain(r.numgen[i], depth+1)
		case "vmap":
			key := w.pkt.dst.String() + " . " + w.pkt.proto + " . " + strconv.Itoa(int(w.pkt.dport))
			if r.portKey {
				key = w.pkt.proto + " . " + strconv.Itoa(int(w.pkt.dport))
			}
			v, hit := w.lookup(r, depth, r.target, key)
			if !hit {
				continue
			}
			if target, ok := strings.CutPrefix(v, "goto "); ok {
				return w.chain(target, depth+1)
			}
			return v // drop
		}
	}
	flush()
	return ""
}

func (w *nftWalk) dnat(ep netip.AddrPort) {
	w.pkt.dst, w.pkt.dport, w.pkt.dnat = ep.Addr(), ep.Port(), true
}

// balance records chain c's numgen elements as the Choices, once; an
// affinity rule that matched before leaves Pick at -1.
func (w *nftWalk) balance(c string, r *nftRule) {
	if w.res.BalancedBy != "" {
		return
	}
	w.res.BalancedBy = c
	for i, ep := range r.eps {
		ch := NFTChoice{Index: i, Endpoint: ep, Share: 1 / float64(len(r.eps))}
		if i < len(r.numgen) {
			ch.Chain = r.numgen[i]
		}
		w.res.Choices = append(w.res.Choices, ch)
	}
}

// Distribute traces n connections of p, each from the next source port
// (the client address stays, so ClientIP affinity applies), and counts
// where they went against the share numgen promises (1/n per element).
// A tracer built with the same seed gives the same counts.
func (t *NFTTracer) Distribute(p packet.Tuple, n int) Distribution {
	return distribute(p, n, t.seed, func(q packet.Tuple, first bool) distSample {
		r := t.Trace(q)
		s := distSample{key: r.Verdict, service: r.Service, affinity: r.Affinity, masquerade: r.Masquerade}
		if r.Verdict == "DNAT" {
			s.key = r.Endpoint.String()
		}
		if first {
			for _, c := range r.Choices {
				s.choices = append(s.choices, Share{Target: c.Endpoint.String(), Expected: c.Share})
			}
		}
		return s
	})
}
