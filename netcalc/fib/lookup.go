package fib

import (
	"cmp"
	"net/netip"
	"slices"
)

// Query is the packet a route lookup is made for, as `ip route get`
// describes it. The zero values mean: no source address yet (a locally
// generated packet before the kernel picks one), locally generated (input
// interface lo), any output interface, mark 0, user 0.
type Query struct {
	Dst  netip.Addr `json:"dst"`
	Src  netip.Addr `json:"from,omitzero"`
	Iif  string     `json:"iif,omitempty"`
	Oif  string     `json:"oif,omitempty"`
	Mark uint32     `json:"mark,omitempty"`
	// UID is the user the lookup is made for; it matters only for
	// uidrange rules. A forwarded packet has none: 0xffffffff.
	UID uint32 `json:"-"`
}

// Selector names one selector of a policy rule, as `ip rule` spells it.
type Selector string

// Rule selectors, in the order the kernel's fib_rule_match checks them.
const (
	SelectorIif     Selector = "iif"
	SelectorOif     Selector = "oif"
	SelectorMark    Selector = "fwmark"
	SelectorTunID   Selector = "tun_id"
	SelectorL3mdev  Selector = "l3mdev"
	SelectorUID     Selector = "uidrange"
	SelectorFrom    Selector = "from"
	SelectorTo      Selector = "to"
	SelectorTos     Selector = "tos"
	SelectorIPProto Selector = "ipproto"
	SelectorSport   Selector = "sport"
	SelectorDport   Selector = "dport"
)

// Match is how a rule's selectors met a packet.
type Match struct {
	// Matched reports whether the rule applies, after Not.
	Matched bool `json:"matched"`
	// Not repeats the rule's inversion (`ip rule add not ...`): Matched is
	// then the opposite of what the selectors say.
	Not bool `json:"not,omitempty"`
	// Failed is the first selector that did not hold; "" when all held.
	Failed Selector `json:"failed,omitempty"`
	// Held lists the selectors that held, in the kernel's order (only those
	// checked before Failed); empty when the rule has none (from all).
	Held []Selector `json:"held,omitempty"`
}

// Outcome is what one rule of the walk did with the packet.
type Outcome string

// Outcomes of a rule.
const (
	// NextRule: the selectors did not match; the walk goes on.
	NextRule Outcome = "next_rule"
	// Jump: a goto rule matched; the walk goes on at Rule.Goto.
	Jump Outcome = "goto"
	// NoJumpTarget: a goto rule matched but no later rule has that
	// priority; the walk goes on at the next rule.
	NoJumpTarget Outcome = "goto_missing"
	// Nop: a nop rule matched; the walk goes on.
	Nop Outcome = "nop"
	// RuleRefused: a blackhole, unreachable or prohibit rule matched; the
	// lookup fails.
	RuleRefused Outcome = "rule_refused"
	// NoRoute: the rule's table has no route for the destination (or none
	// out of the query's Oif); the walk goes on.
	NoRoute Outcome = "no_route"
	// Thrown: the longest match is a throw route; the walk goes on.
	Thrown Outcome = "throw"
	// Suppressed: the longest match's prefix is no longer than the rule's
	// suppress_prefixlength; the walk goes on.
	Suppressed Outcome = "suppressed"
	// RouteRefused: the longest match is a blackhole, unreachable or
	// prohibit route; the lookup fails.
	RouteRefused Outcome = "route_refused"
	// Chosen: the longest match is the answer.
	Chosen Outcome = "chosen"
)

// Ends reports whether the outcome ends the walk.
func (o Outcome) Ends() bool { return o == RuleRefused || o == RouteRefused || o == Chosen }

// Step is one rule of the walk: how its selectors met the packet, the
// table a matching lookup rule consulted and that table's routes
// containing the destination, and the outcome.
type Step struct {
	Rule  Rule  `json:"rule"`
	Match Match `json:"match"`
	// Table is the table a matching lookup rule consulted, Candidates its
	// routes containing the destination, ranked (SortCandidates), and
	// Winner indexes the one the lookup returned; -1 for none.
	Table      int     `json:"table,omitempty"`
	Candidates []Route `json:"candidates,omitempty"`
	Winner     int     `json:"winner"`
	Outcome    Outcome `json:"outcome"`
}

// Decision is the kernel's policy routing decision for one packet, worked
// out from the rules and routes: every rule consulted, in priority order,
// up to the one that decided.
type Decision struct {
	Query Query  `json:"query"`
	Steps []Step `json:"steps"`
	// Decided indexes the step that ended the walk with a route or a
	// refusal; -1 when no rule decided (no route: the kernel answers
	// "network is unreachable").
	Decided int `json:"decided"`
	// Route is the route the deciding step's lookup returned: the answer
	// when OK, the refusing route when that step's Outcome is RouteRefused.
	Route Route `json:"route"`
	// Candidates and Winner repeat the deciding step's.
	Candidates []Route `json:"candidates,omitempty"`
	Winner     int     `json:"winner"`
	// Unmodelled lists the priorities of rules whose selectors the walk
	// cannot evaluate (l3mdev, suppress_ifgroup); the kernel's answer may
	// differ.
	Unmodelled []int `json:"unmodelled,omitempty"`
}

// OK reports whether the walk chose a route.
func (d Decision) OK() bool { return d.Decided >= 0 && d.Steps[d.Decided].Outcome == Chosen }

// Outcome returns the deciding step's outcome, or NoRoute when no rule
// decided.
func (d Decision) Outcome() Outcome {
	if d.Decided < 0 {
		return NoRoute
	}
	return d.Steps[d.Decided].Outcome
}

// WalkRules works out, as the kernel's fib_rules_lookup does, which rule
// and which route the packet q takes: the rules are tried in priority
// order; a rule whose selectors match applies its action; a lookup
// action looks q.Dst up in its table (longest prefix, then lowest metric)
// and ends the walk with that route, unless the table has none, the route
// is a throw route or the rule suppresses it, in which case the walk goes
// on. rules and routes are of q.Dst's family (routes of the other family
// never contain it); routes hold every table.
func WalkRules(rules []Rule, routes []Route, q Query) Decision {
	rules = slices.Clone(rules)
	slices.SortStableFunc(rules, func(a, b Rule) int { return cmp.Compare(a.Priority, b.Priority) })
	d := Decision{Query: q, Decided: -1, Winner: -1}
	for i := 0; i < len(rules); i++ {
		r := rules[i]
		st := Step{Rule: r, Winner: -1, Match: MatchRule(r, q)}
		if r.L3mdev || (st.Match.Matched && r.SuppressIfgroup >= 0) {
			d.Unmodelled = append(d.Unmodelled, r.Priority)
		}
		if !st.Match.Matched {
			st.Outcome = NextRule
			d.Steps = append(d.Steps, st)
			continue
		}
		switch r.Action {
		case ActionGoto:
			j := slices.IndexFunc(rules, func(x Rule) bool { return x.Priority == r.Goto })
			if j < 0 || j <= i {
				st.Outcome = NoJumpTarget
				d.Steps = append(d.Steps, st)
				continue
			}
			st.Outcome = Jump
			d.Steps = append(d.Steps, st)
			i = j - 1
			continue
		case ActionNop:
			st.Outcome = Nop
			d.Steps = append(d.Steps, st)
			continue
		case ActionBlackhole, ActionUnreachable, ActionProhibit:
			st.Outcome = RuleRefused
			d.Steps = append(d.Steps, st)
			d.Decided = len(d.Steps) - 1
			return d
		}
		// A lookup.
		st.Table = r.Table
		st.Candidates = Candidates(routes, r.Table, q.Dst)
		for k, c := range st.Candidates {
			if q.Oif != "" && c.Interface != "" && c.Interface != q.Oif && c.Type != Local && c.Type != Broadcast {
				continue // the kernel skips nexthops out of another device
			}
			st.Winner = k
			break
		}
		if st.Winner < 0 {
			st.Outcome = NoRoute
			d.Steps = append(d.Steps, st)
			continue
		}
		c := st.Candidates[st.Winner]
		switch {
		case c.Type == Throw:
			st.Outcome = Thrown
			d.Steps = append(d.Steps, st)
			continue
		case r.SuppressPrefixLength >= 0 && c.Dst.Bits() <= r.SuppressPrefixLength:
			st.Outcome = Suppressed
			d.Steps = append(d.Steps, st)
			continue
		case c.Type.Refuses():
			st.Outcome = RouteRefused
		default:
			st.Outcome = Chosen
		}
		d.Steps = append(d.Steps, st)
		d.Decided = len(d.Steps) - 1
		d.Route, d.Candidates, d.Winner = c, st.Candidates, st.Winner
		return d
	}
	return d
}

// MatchRule applies the rule's selectors to q as the kernel's
// fib_rule_match does. A packet without an input interface is locally
// generated and has iif lo; a lookup names no tos, protocol or ports, so
// rules selecting on them match only in their zero form.
func MatchRule(r Rule, q Query) Match {
	m := selectorsMatch(r, q)
	m.Not = r.Not
	if r.Not {
		m.Matched = !m.Matched
	}
	return m
}

func selectorsMatch(r Rule, q Query) Match {
	iif := q.Iif
	if iif == "" {
		iif = "lo" // the kernel gives locally generated packets iif lo
	}
	var m Match
	fail := func(s Selector) Match { m.Failed = s; return m }
	if r.Iif != "" {
		if r.IifDetached || r.Iif != iif {
			return fail(SelectorIif)
		}
		m.Held = append(m.Held, SelectorIif)
	}
	if r.Oif != "" {
		if r.OifDetached || r.Oif != q.Oif {
			return fail(SelectorOif)
		}
		m.Held = append(m.Held, SelectorOif)
	}
	if (r.Mark^q.Mark)&r.Mask != 0 {
		return fail(SelectorMark)
	}
	if r.Mask != 0 {
		m.Held = append(m.Held, SelectorMark)
	}
	if r.TunID != 0 {
		return fail(SelectorTunID) // not a tunnel packet
	}
	if r.L3mdev {
		return fail(SelectorL3mdev) // VRF: not modelled
	}
	if r.UIDRange != nil && (q.UID < r.UIDRange[0] || q.UID > r.UIDRange[1]) {
		return fail(SelectorUID)
	}
	if r.From.IsValid() && r.From.Bits() > 0 {
		src := q.Src.WithZone("")
		if !src.IsValid() || !r.From.Contains(src) {
			return fail(SelectorFrom)
		}
		m.Held = append(m.Held, SelectorFrom)
	}
	if r.To.IsValid() && r.To.Bits() > 0 {
		if !r.To.Contains(q.Dst.WithZone("")) {
			return fail(SelectorTo)
		}
		m.Held = append(m.Held, SelectorTo)
	}
	if r.Tos != 0 {
		return fail(SelectorTos)
	}
	if r.IPProto != 0 {
		return fail(SelectorIPProto)
	}
	if r.Sport != nil && r.Sport[0] > 0 {
		return fail(SelectorSport)
	}
	if r.Dport != nil && r.Dport[0] > 0 {
		return fail(SelectorDport)
	}
	m.Matched = true
	return m
}

// State is the forwarding state of one host: its interfaces, the routes
// of every routing table of both families, the policy rules of each
// family and the neighbour cache. The zero State has no routes and the
// default rules.
type State struct {
	Interfaces []Interface `json:"interfaces,omitempty"`
	Routes     []Route     `json:"routes,omitempty"`
	// Rules4 and Rules6 are the policy rules of each family; nil means the
	// rules a new namespace starts with (DefaultRules), an empty non-nil
	// slice means no rules at all.
	Rules4    []Rule     `json:"rules4,omitempty"`
	Rules6    []Rule     `json:"rules6,omitempty"`
	Neighbors []Neighbor `json:"neighbors,omitempty"`
}

// Rules returns the policy rules of one family (4 or 6), DefaultRules when
// none are set.
func (t *State) Rules(fam int) []Rule {
	rs := t.Rules4
	if fam == 6 {
		rs = t.Rules6
	}
	if rs == nil {
		return DefaultRules(fam)
	}
	return rs
}

// Lookup makes the kernel's route lookup for the packet q (its Dst's
// family; an IPv4-mapped address counts as IPv4): the policy rule walk
// and, in the table that decides, the longest-prefix match. The Decision
// keeps every step and the deciding table's candidates.
func (t *State) Lookup(q Query) Decision {
	q.Dst, q.Src = q.Dst.Unmap(), q.Src.Unmap()
	fam := 4
	if q.Dst.Is6() {
		fam = 6
	}
	return WalkRules(t.Rules(fam), t.Routes, q)
}

// Interface returns the interface named name.
func (t *State) Interface(name string) (Interface, bool) {
	for _, i := range t.Interfaces {
		if i.Name == name {
			return i, true
		}
	}
	return Interface{}, false
}

// Neighbor returns the neighbour cache entry for addr (zone ignored) on
// the interface named dev.
func (t *State) Neighbor(dev string, addr netip.Addr) (Neighbor, bool) {
	addr = addr.WithZone("")
	for _, n := range t.Neighbors {
		if n.Interface == dev && n.Addr.WithZone("") == addr {
			return n, true
		}
	}
	return Neighbor{}, false
}
