package link

import (
	"fmt"

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

// RuleStep is one rule of the walk: whether it matched the packet and
// which selectors decided, and what its action gave, as data (fib.Step
// with the match spread out); printers put them into words.
type RuleStep struct {
	Rule    Rule `json:"rule"`
	Matched bool `json:"matched"`
	// Held lists the selectors that held, in the kernel's order (only
	// those checked before Failed); empty when the rule has none (from
	// all). With Failed and Rule.Not they say why the rule matched or
	// not, for the packet of the walk (Walk.Query, RouteDecision.Query).
	Held []fib.Selector `json:"held,omitempty"`
	// Table is the table a matching lookup rule consulted, and
	// Candidates its routes containing the destination, most specific
	// first; Winner indexes the one the lookup returned, -1 for none.
	Table      int     `json:"table,omitempty"`
	Candidates []Route `json:"candidates,omitempty"`
	Winner     int     `json:"winner"`
	// Outcome is what happened next (fib.Chosen, fib.NoRoute, fib.Jump
	// to Rule.Goto, ...), and Failed the selector that did not hold (""
	// when all held).
	Outcome fib.Outcome  `json:"outcome"`
	Failed  fib.Selector `json:"failed,omitempty"`
}

// Walk is the kernel's policy routing decision for one packet, worked out
// from the rules and routes: every rule consulted, in order, up to the
// one that decided (fib.Decision).
type Walk struct {
	// Query is the packet walked.
	Query RouteQuery `json:"query"`
	Steps []RuleStep `json:"steps"`
	// Decided indexes the step that ended the walk with a route or a
	// refusal; -1 when no rule decided (no route: the kernel answers
	// "network is unreachable").
	Decided int `json:"decided"`
	// Route is the chosen route when OK, the refusing route when the
	// deciding step's Outcome is fib.RouteRefused, else zero.
	Route Route `json:"route"`
	// Unmodelled lists rules whose selectors the walk cannot evaluate
	// (l3mdev, suppress_ifgroup); the kernel's answer may differ.
	Unmodelled []int `json:"unmodelled,omitempty"`
}

// WalkRules works out, as the kernel's fib_rules_lookup does, which rule
// and which route the packet q takes (fib.WalkRules). rules and routes
// are of q.Dst's family; routes hold every table.
func WalkRules(rules []Rule, routes []Route, q RouteQuery) Walk {
	return walkOf(fib.WalkRules(rules, routes, q))
}

// OK reports whether the walk chose a route: the step that decided has
// Outcome fib.Chosen. Otherwise that step refused the packet
// (fib.RuleRefused: its rule's action; fib.RouteRefused: Route's type),
// or no rule decided (Decided is -1).
func (w Walk) OK() bool { return w.Decided >= 0 && w.Steps[w.Decided].Outcome == fib.Chosen }

// refusal names what ended w without a route, for an error's detail: the
// rule action ("unreachable rule 200"), the route type ("blackhole route
// 198.51.100.128/25 in table main"), or "no rule found a route"; "" when
// w is OK.
func (w Walk) refusal() string {
	switch {
	case w.OK():
		return ""
	case w.Decided < 0:
		return "no rule found a route"
	case w.Steps[w.Decided].Outcome == fib.RuleRefused:
		r := w.Steps[w.Decided].Rule
		return fmt.Sprintf("%s rule %d", r.Action, r.Priority)
	}
	return fmt.Sprintf("%s route %s in table %s", w.Route.Type, w.Route.Dst, w.Route.TableName())
}

// Query returns the packet d is for, as the rule walk saw it: the
// question RouteGetQuery was asked, with Oif set from a zoned target.
func (d RouteDecision) Query() RouteQuery {
	return RouteQuery{Dst: d.Target, Src: d.From, Iif: d.Iif, Oif: d.Oif, Mark: d.Mark, UID: d.UID}
}

// walkOf turns a fib.Decision into a Walk.
func walkOf(d fib.Decision) Walk {
	w := Walk{Query: d.Query, Decided: d.Decided, Unmodelled: d.Unmodelled}
	for _, st := range d.Steps {
		w.Steps = append(w.Steps, RuleStep{Rule: st.Rule, Matched: st.Match.Matched, Held: st.Match.Held,
			Table: st.Table, Candidates: st.Candidates, Winner: st.Winner, Outcome: st.Outcome, Failed: st.Match.Failed})
	}
	if o := d.Outcome(); o == fib.Chosen || o == fib.RouteRefused {
		w.Route = d.Route
	}
	return w
}
