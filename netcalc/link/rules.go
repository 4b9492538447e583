package link

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/netcalc/netcalc/netcalc/fib"
)

// RuleAction is what a policy routing rule does when it matches, named as
// `ip rule` names it (see fib.RuleAction).
type RuleAction = fib.RuleAction

// Rule actions.
const (
	ActionLookup      = fib.ActionLookup
	ActionGoto        = fib.ActionGoto
	ActionNop         = fib.ActionNop
	ActionBlackhole   = fib.ActionBlackhole
	ActionUnreachable = fib.ActionUnreachable
	ActionProhibit    = fib.ActionProhibit
)

// Rule is one policy routing rule (`ip rule`; see fib.Rule).
type Rule = fib.Rule

// RouteQuery is the packet a route lookup is made for, as `ip route get`
// describes it (see fib.Query). Host.RouteGetQuery sets UID to 0xffffffff
// (no user) when Iif is given.
type RouteQuery = fib.Query

// DefaultRules returns the rules every new namespace starts with for
// one family: lookup local (0), main (32766) and, for IPv4, default (32767).
func DefaultRules(fam int) []Rule { return fib.DefaultRules(fam) }

// SortCandidates orders routes as a table lookup ranks them: longest
// prefix first, then lowest metric, then the local table before the
// others (for lists spanning tables).
func SortCandidates(rs []Route) { fib.SortCandidates(rs) }

// ProtoName names an IP protocol number as iproute2 does ("tcp", "udp",
// "icmp", "ipv6-icmp", "sctp"), or gives the number.
func ProtoName(p int) string { return fib.ProtoName(p) }

// TableName names a routing table as iproute2 does: "local", "main",
// "default" or the number.
func TableName(t int) string { return fib.TableName(t) }

// RuleStep is one rule of the walk: whether it matched the packet, why,
// and what its action gave, in words (fib.Step holds the same as data).
type RuleStep struct {
	Rule    Rule   `json:"rule"`
	Matched bool   `json:"matched"`
	Why     string `json:"why"` // the selector that decided the match, in words
	// Table is the table a matching lookup rule consulted, and
	// Candidates its routes containing the destination, most specific
	// first; Winner indexes the one the lookup returned, -1 for none.
	Table      int     `json:"table,omitempty"`
	Candidates []Route `json:"candidates,omitempty"`
	Winner     int     `json:"winner"`
	// Result says what happened next: "chosen", "no route in table 100,
	// next rule", "suppressed ..., next rule", "unreachable: the lookup
	// fails", "jump to priority 200".
	Result string `json:"result"`
	// Outcome is Result as data (fib.Chosen, fib.NoRoute, ...), and
	// Failed the selector that did not hold ("" when all held).
	Outcome fib.Outcome  `json:"outcome"`
	Failed  fib.Selector `json:"failed,omitempty"`
}

// Walk is the kernel's policy routing decision for one packet, worked out
// from the rules and routes: every rule consulted, in order, up to the
// one that decided. It is fib.Decision explained in words.
type Walk struct {
	Steps []RuleStep `json:"steps"`
	// Decided indexes the step that ended the walk with a route or a
	// refusal; -1 when no rule decided (no route: the kernel answers
	// "network is unreachable").
	Decided int `json:"decided"`
	// Route is the chosen route; valid when Refused is "".
	Route Route `json:"route"`
	// Refused is non-empty when the decision is not to route: the rule
	// action ("unreachable rule 200") or the route type ("blackhole route
	// 198.51.100.128/25 in table main"), or "no rule found a route".
	Refused string `json:"refused,omitempty"`
	// Unmodelled lists rules whose selectors the walk cannot evaluate
	// (l3mdev, suppress_ifgroup); the kernel's answer may differ.
	Unmodelled []int `json:"unmodelled,omitempty"`
}

// WalkRules works out, as the kernel's fib_rules_lookup does, which rule
// and which route the packet q takes (fib.WalkRules), and explains each
// step in words. rules and routes are of q.Dst's family; routes hold every
// table.
func WalkRules(rules []Rule, routes []Route, q RouteQuery) Walk {
	return explain(fib.WalkRules(rules, routes, q))
}

// explain words a fib.Decision.
func explain(d fib.Decision) Walk {
	w := Walk{Decided: d.Decided, Unmodelled: d.Unmodelled}
	for _, st := range d.Steps {
		w.Steps = append(w.Steps, RuleStep{Rule: st.Rule, Matched: st.Match.Matched, Why: why(st.Rule, d.Query, st.Match),
			Table: st.Table, Candidates: st.Candidates, Winner: st.Winner, Result: result(st), Outcome: st.Outcome, Failed: st.Match.Failed})
	}
	switch d.Outcome() {
	case fib.Chosen:
		w.Route = d.Route
	case fib.RuleRefused:
		r := d.Steps[d.Decided].Rule
		w.Refused = fmt.Sprintf("%s rule %d", r.Action, r.Priority)
	case fib.RouteRefused:
		w.Route = d.Route
		w.Refused = fmt.Sprintf("%s route %s in table %s", d.Route.Type, d.Route.Dst, d.Route.TableName())
	default:
		w.Refused = "no rule found a route"
	}
	return w
}

// result says in words what a step's outcome was.
func result(st fib.Step) string {
	r := st.Rule
	switch st.Outcome {
	case fib.NextRule:
		return "next rule"
	case fib.NoJumpTarget:
		return fmt.Sprintf("no rule of priority %d to jump to, next rule", r.Goto)
	case fib.Jump:
		return fmt.Sprintf("jump to priority %d", r.Goto)
	case fib.Nop:
		return "nop, next rule"
	case fib.RuleRefused:
		return string(r.Action) + ": the lookup fails"
	case fib.NoRoute:
		return "no route in table " + fib.TableName(r.Table) + ", next rule"
	}
	c := st.Candidates[st.Winner]
	switch st.Outcome {
	case fib.Thrown:
		return fmt.Sprintf("throw route %s, next rule", c.Dst)
	case fib.Suppressed:
		return fmt.Sprintf("%s suppressed (prefix length %d <= suppress_prefixlength %d), next rule", c.Dst, c.Dst.Bits(), r.SuppressPrefixLength)
	case fib.RouteRefused:
		return fmt.Sprintf("%s route %s: the lookup fails", c.Type, c.Dst)
	}
	return "chosen"
}

// why says in words which selector decided the match of rule r for q.
func why(r Rule, q RouteQuery, m fib.Match) string {
	s := selectorWhy(r, q, m)
	if m.Not {
		return "not: " + s
	}
	return s
}

func selectorWhy(r Rule, q RouteQuery, m fib.Match) string {
	dst, src := q.Dst.WithZone(""), q.Src.WithZone("")
	switch m.Failed {
	case fib.SelectorIif:
		switch {
		case r.IifDetached:
			return "iif " + r.Iif + " does not exist"
		case q.Iif == "":
			return "iif " + r.Iif + " != lo (a locally generated packet)"
		}
		return "iif " + r.Iif + " != " + q.Iif
	case fib.SelectorOif:
		switch {
		case r.OifDetached:
			return "oif " + r.Oif + " does not exist"
		case q.Oif == "":
			return "oif " + r.Oif + ": no output interface given"
		}
		return "oif " + r.Oif + " != " + q.Oif
	case fib.SelectorMark:
		return fmt.Sprintf("mark %#x & %#x != %#x", q.Mark, r.Mask, r.Mark&r.Mask)
	case fib.SelectorTunID:
		return "tun_id: not a tunnel packet"
	case fib.SelectorL3mdev:
		return "l3mdev (VRF): not modelled"
	case fib.SelectorUID:
		return fmt.Sprintf("uid %d not in %d-%d", q.UID, r.UIDRange[0], r.UIDRange[1])
	case fib.SelectorFrom:
		if !src.IsValid() {
			return "from " + prefixString(r.From) + ": no source address given (add 'from SRC')"
		}
		return "from " + prefixString(r.From) + " does not contain " + src.String()
	case fib.SelectorTo:
		return "to " + prefixString(r.To) + " does not contain " + dst.String()
	case fib.SelectorTos:
		return "tos: the lookup has tos 0"
	case fib.SelectorIPProto:
		return "ipproto: the lookup names no protocol"
	case fib.SelectorSport:
		return "sport: the lookup has no port"
	case fib.SelectorDport:
		return "dport: the lookup has no port"
	}
	if len(m.Held) == 0 {
		return "all"
	}
	iif := q.Iif
	if iif == "" {
		iif = "lo"
	}
	var ok []string
	for _, s := range m.Held {
		switch s {
		case fib.SelectorIif:
			ok = append(ok, "iif "+iif)
		case fib.SelectorOif:
			ok = append(ok, "oif "+q.Oif)
		case fib.SelectorMark:
			ok = append(ok, fmt.Sprintf("mark %#x", q.Mark))
		case fib.SelectorFrom:
			ok = append(ok, "from "+src.String())
		case fib.SelectorTo:
			ok = append(ok, "to "+dst.String())
		}
	}
	return strings.Join(ok, ", ")
}

// prefixString writes a host prefix as its bare address, as ip rule does.
func prefixString(p netip.Prefix) string {
	if p.Bits() == p.Addr().BitLen() {
		return p.Addr().String()
	}
	return p.String()
}
