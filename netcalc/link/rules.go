package link

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"
	"strings"
)

// RuleAction is what a policy routing rule does when it matches, named as
// `ip rule` names it.
type RuleAction string

// Rule actions.
const (
	ActionLookup      RuleAction = "lookup" // look the destination up in Table
	ActionGoto        RuleAction = "goto"   // continue at the rule of priority Goto
	ActionNop         RuleAction = "nop"
	ActionBlackhole   RuleAction = "blackhole"
	ActionUnreachable RuleAction = "unreachable"
	ActionProhibit    RuleAction = "prohibit"
)

// Rule is one policy routing rule (`ip rule`): selectors that a packet
// must match and the action taken when it does. A zero selector matches
// everything.
type Rule struct {
	Priority int `json:"priority"`
	// Not inverts the selectors (`ip rule add not ...`).
	Not bool `json:"not,omitempty"`
	// From and To are the source and destination selectors; the zero
	// Prefix means all.
	From netip.Prefix `json:"src,omitzero"`
	To   netip.Prefix `json:"dst,omitzero"`
	// Iif and Oif name the input and output interface selectors. A
	// detached rule names an interface that does not exist (now): it never
	// matches.
	Iif         string `json:"iif,omitempty"`
	IifDetached bool   `json:"iif_detached,omitempty"`
	Oif         string `json:"oif,omitempty"`
	OifDetached bool   `json:"oif_detached,omitempty"`
	// Mark and Mask select by firewall mark: the rule matches when
	// (packet mark XOR Mark) AND Mask is zero. Mask is 0 when the rule has
	// no fwmark selector, 0xffffffff for a bare `fwmark N`.
	Mark uint32 `json:"fwmark,omitempty"`
	Mask uint32 `json:"fwmask,omitempty"`
	// Tos, IPProto, the port ranges and the UID range are selectors that a
	// route lookup without those fields (as `ip route get` makes) only
	// matches in their zero or full form.
	Tos      int        `json:"tos,omitempty"`
	IPProto  int        `json:"ipproto,omitempty"`
	Sport    *[2]uint16 `json:"sport,omitempty"`
	Dport    *[2]uint16 `json:"dport,omitempty"`
	UIDRange *[2]uint32 `json:"uid_range,omitempty"`
	TunID    uint64     `json:"tun_id,omitempty"`
	L3mdev   bool       `json:"l3mdev,omitempty"`
	Action   RuleAction `json:"action"`
	Table    int        `json:"table,omitempty"` // for ActionLookup
	Goto     int        `json:"goto,omitempty"`  // for ActionGoto: target priority
	// SuppressPrefixLength rejects a lookup result whose prefix length is
	// at most this (`suppress_prefixlength`); -1 when unset.
	SuppressPrefixLength int `json:"suppress_prefixlength"`
	// SuppressIfgroup rejects a result whose device is in this interface
	// group; -1 when unset. The walk cannot see device groups and reports
	// such a rule as not modelled.
	SuppressIfgroup int `json:"suppress_ifgroup"`
}

// DefaultRules returns the rules every new namespace starts with for
// one family: lookup local (0), main (32766) and, for IPv4, default (32767).
func DefaultRules(fam int) []Rule {
	rs := []Rule{
		{Priority: 0, Action: ActionLookup, Table: 255, SuppressPrefixLength: -1, SuppressIfgroup: -1},
		{Priority: 32766, Action: ActionLookup, Table: 254, SuppressPrefixLength: -1, SuppressIfgroup: -1},
	}
	if fam == 4 {
		rs = append(rs, Rule{Priority: 32767, Action: ActionLookup, Table: 253, SuppressPrefixLength: -1, SuppressIfgroup: -1})
	}
	return rs
}

// String formats the rule as `ip rule` lists it, without the priority:
// "from 203.0.113.1 lookup 100", "not fwmark 0x10/0xff unreachable".
func (r Rule) String() string {
	var b []string
	if r.Not {
		b = append(b, "not")
	}
	if r.From.IsValid() && r.From.Bits() > 0 {
		b = append(b, "from "+prefixString(r.From))
	} else {
		b = append(b, "from all")
	}
	if r.To.IsValid() && r.To.Bits() > 0 {
		b = append(b, "to "+prefixString(r.To))
	}
	if r.Tos != 0 {
		b = append(b, fmt.Sprintf("tos 0x%02x", r.Tos))
	}
	if r.Mask != 0 || r.Mark != 0 {
		if r.Mask == 0xffffffff {
			b = append(b, fmt.Sprintf("fwmark %#x", r.Mark))
		} else {
			b = append(b, fmt.Sprintf("fwmark %#x/%#x", r.Mark, r.Mask))
		}
	}
	if r.Iif != "" {
		s := "iif " + r.Iif
		if r.IifDetached {
			s += " [detached]"
		}
		b = append(b, s)
	}
	if r.Oif != "" {
		s := "oif " + r.Oif
		if r.OifDetached {
			s += " [detached]"
		}
		b = append(b, s)
	}
	if r.L3mdev {
		b = append(b, "l3mdev")
	}
	if r.UIDRange != nil {
		b = append(b, fmt.Sprintf("uidrange %d-%d", r.UIDRange[0], r.UIDRange[1]))
	}
	if r.IPProto != 0 {
		b = append(b, "ipproto "+ProtoName(r.IPProto))
	}
	if r.Sport != nil {
		b = append(b, portRange("sport", *r.Sport))
	}
	if r.Dport != nil {
		b = append(b, portRange("dport", *r.Dport))
	}
	if r.TunID != 0 {
		b = append(b, fmt.Sprintf("tun_id %d", r.TunID))
	}
	switch r.Action {
	case ActionLookup:
		if !r.L3mdev {
			b = append(b, "lookup "+tableName(r.Table))
		}
	case ActionGoto:
		b = append(b, fmt.Sprintf("goto %d", r.Goto))
	default:
		b = append(b, string(r.Action))
	}
	if r.SuppressPrefixLength >= 0 {
		b = append(b, fmt.Sprintf("suppress_prefixlength %d", r.SuppressPrefixLength))
	}
	if r.SuppressIfgroup >= 0 {
		b = append(b, fmt.Sprintf("suppress_ifgroup %d", r.SuppressIfgroup))
	}
	return strings.Join(b, " ")
}

func prefixString(p netip.Prefix) string {
	if p.Bits() == p.Addr().BitLen() {
		return p.Addr().String()
	}
	return p.String()
}

func portRange(name string, r [2]uint16) string {
	if r[0] == r[1] {
		return fmt.Sprintf("%s %d", name, r[0])
	}
	return fmt.Sprintf("%s %d-%d", name, r[0], r[1])
}

// RouteQuery is the packet a route lookup is made for, as `ip route get`
// describes it. The zero values mean: no source address yet (a locally
// generated packet before the kernel picks one), locally generated (input
// interface lo), any output interface, mark 0.
type RouteQuery struct {
	Dst  netip.Addr `json:"dst"`
	Src  netip.Addr `json:"from,omitzero"`
	Iif  string     `json:"iif,omitempty"`
	Oif  string     `json:"oif,omitempty"`
	Mark uint32     `json:"mark,omitempty"`
	// UID is the user the lookup is made for (ip route get uses the
	// caller's; Host.RouteGetQuery sets 0xffffffff, no user, when Iif is
	// given); it matters only for uidrange rules.
	UID uint32 `json:"-"`
}

// RuleStep is one rule of the walk: whether it matched the packet, why,
// and what its action gave.
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
}

// Walk is the kernel's policy routing decision for one packet, worked out
// from the rules and routes: every rule consulted, in order, up to the
// one that decided.
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
// and which route the packet q takes: the rules are tried in priority
// order; a rule whose selectors match applies its action; a lookup
// action looks q.Dst up in its table (longest prefix, then lowest metric)
// and ends the walk with that route, unless the table has none, the route
// is a throw route or the rule suppresses it, in which case the walk goes
// on. rules and routes are of q.Dst's family; routes hold every table.
func WalkRules(rules []Rule, routes []Route, q RouteQuery) Walk {
	rules = slices.Clone(rules)
	slices.SortStableFunc(rules, func(a, b Rule) int { return cmp.Compare(a.Priority, b.Priority) })
	w := Walk{Decided: -1}
	dst := q.Dst.WithZone("")
	for i := 0; i < len(rules); i++ {
		r := rules[i]
		st := RuleStep{Rule: r, Winner: -1}
		st.Matched, st.Why = ruleMatches(r, q)
		if r.L3mdev || (st.Matched && r.SuppressIfgroup >= 0) {
			w.Unmodelled = append(w.Unmodelled, r.Priority)
		}
		if !st.Matched {
			st.Result = "next rule"
			w.Steps = append(w.Steps, st)
			continue
		}
		switch r.Action {
		case ActionGoto:
			j := slices.IndexFunc(rules, func(x Rule) bool { return x.Priority == r.Goto })
			if j < 0 || j <= i {
				st.Result = fmt.Sprintf("no rule of priority %d to jump to, next rule", r.Goto)
				w.Steps = append(w.Steps, st)
				continue
			}
			st.Result = fmt.Sprintf("jump to priority %d", r.Goto)
			w.Steps = append(w.Steps, st)
			i = j - 1
			continue
		case ActionNop:
			st.Result = "nop, next rule"
			w.Steps = append(w.Steps, st)
			continue
		case ActionBlackhole, ActionUnreachable, ActionProhibit:
			st.Result = string(r.Action) + ": the lookup fails"
			w.Steps = append(w.Steps, st)
			w.Decided = len(w.Steps) - 1
			w.Refused = fmt.Sprintf("%s rule %d", r.Action, r.Priority)
			return w
		}
		// A lookup.
		st.Table = r.Table
		for _, rt := range routes {
			if rt.Table == r.Table && rt.Dst.Contains(dst) {
				st.Candidates = append(st.Candidates, rt)
			}
		}
		SortCandidates(st.Candidates)
		for k, c := range st.Candidates {
			if q.Oif != "" && c.Interface != "" && c.Interface != q.Oif && c.Type != Local && c.Type != Broadcast {
				continue // the kernel skips nexthops out of another device
			}
			st.Winner = k
			break
		}
		if st.Winner < 0 {
			st.Result = "no route in table " + tableName(r.Table) + ", next rule"
			w.Steps = append(w.Steps, st)
			continue
		}
		c := st.Candidates[st.Winner]
		switch {
		case c.Type == Throw:
			st.Result = fmt.Sprintf("throw route %s, next rule", c.Dst)
			w.Steps = append(w.Steps, st)
			continue
		case r.SuppressPrefixLength >= 0 && c.Dst.Bits() <= r.SuppressPrefixLength:
			st.Result = fmt.Sprintf("%s suppressed (prefix length %d <= suppress_prefixlength %d), next rule", c.Dst, c.Dst.Bits(), r.SuppressPrefixLength)
			w.Steps = append(w.Steps, st)
			continue
		}
		w.Steps = append(w.Steps, st)
		w.Decided = len(w.Steps) - 1
		w.Route = c
		switch c.Type {
		case Unreachable, Blackhole, Prohibit:
			w.Steps[w.Decided].Result = fmt.Sprintf("%s route %s: the lookup fails", c.Type, c.Dst)
			w.Refused = fmt.Sprintf("%s route %s in table %s", c.Type, c.Dst, tableName(c.Table))
		default:
			w.Steps[w.Decided].Result = "chosen"
		}
		return w
	}
	w.Refused = "no rule found a route"
	return w
}

// SortCandidates orders routes as a table lookup ranks them: longest
// prefix first, then lowest metric, then the local table before the
// others (for lists spanning tables).
func SortCandidates(rs []Route) {
	slices.SortStableFunc(rs, func(a, b Route) int {
		if c := cmp.Compare(b.Dst.Bits(), a.Dst.Bits()); c != 0 {
			return c
		}
		if c := cmp.Compare(tableOrder(a.Table), tableOrder(b.Table)); c != 0 {
			return c
		}
		return cmp.Compare(a.Metric, b.Metric)
	})
}

// ruleMatches applies the rule's selectors to q as fib_rule_match does
// and says which selector decided.
func ruleMatches(r Rule, q RouteQuery) (bool, string) {
	ok, why := selectorsMatch(r, q)
	if r.Not {
		if ok {
			return false, "not: " + why
		}
		return true, "not: " + why
	}
	return ok, why
}

func selectorsMatch(r Rule, q RouteQuery) (bool, string) {
	iif := q.Iif
	if iif == "" {
		iif = "lo" // the kernel gives locally generated packets iif lo
	}
	var ok []string
	if r.Iif != "" {
		if r.IifDetached {
			return false, "iif " + r.Iif + " does not exist"
		}
		if r.Iif != iif {
			if q.Iif == "" {
				return false, "iif " + r.Iif + " != lo (a locally generated packet)"
			}
			return false, "iif " + r.Iif + " != " + iif
		}
		ok = append(ok, "iif "+iif)
	}
	if r.Oif != "" {
		if r.OifDetached {
			return false, "oif " + r.Oif + " does not exist"
		}
		if r.Oif != q.Oif {
			if q.Oif == "" {
				return false, "oif " + r.Oif + ": no output interface given"
			}
			return false, "oif " + r.Oif + " != " + q.Oif
		}
		ok = append(ok, "oif "+q.Oif)
	}
	if (r.Mark^q.Mark)&r.Mask != 0 {
		return false, fmt.Sprintf("mark %#x & %#x != %#x", q.Mark, r.Mask, r.Mark&r.Mask)
	}
	if r.Mask != 0 {
		ok = append(ok, fmt.Sprintf("mark %#x", q.Mark))
	}
	if r.TunID != 0 {
		return false, "tun_id: not a tunnel packet"
	}
	if r.L3mdev {
		return false, "l3mdev (VRF): not modelled"
	}
	if r.UIDRange != nil && (q.UID < r.UIDRange[0] || q.UID > r.UIDRange[1]) {
		return false, fmt.Sprintf("uid %d not in %d-%d", q.UID, r.UIDRange[0], r.UIDRange[1])
	}
	if r.From.IsValid() && r.From.Bits() > 0 {
		src := q.Src.WithZone("")
		if !src.IsValid() {
			return false, "from " + prefixString(r.From) + ": no source address given (add 'from SRC')"
		}
		if !r.From.Contains(src) {
			return false, "from " + prefixString(r.From) + " does not contain " + src.String()
		}
		ok = append(ok, "from "+src.String())
	}
	if r.To.IsValid() && r.To.Bits() > 0 {
		if !r.To.Contains(q.Dst.WithZone("")) {
			return false, "to " + prefixString(r.To) + " does not contain " + q.Dst.WithZone("").String()
		}
		ok = append(ok, "to "+q.Dst.WithZone("").String())
	}
	if r.Tos != 0 {
		return false, "tos: the lookup has tos 0"
	}
	if r.IPProto != 0 {
		return false, "ipproto: the lookup names no protocol"
	}
	if r.Sport != nil && r.Sport[0] > 0 {
		return false, "sport: the lookup has no port"
	}
	if r.Dport != nil && r.Dport[0] > 0 {
		return false, "dport: the lookup has no port"
	}
	if len(ok) == 0 {
		return true, "all"
	}
	return true, strings.Join(ok, ", ")
}

// ProtoName names an IP protocol number as iproute2 does ("tcp", "udp",
// "icmp", "ipv6-icmp", "sctp"), or gives the number.
func ProtoName(p int) string {
	switch p {
	case 1:
		return "icmp"
	case 6:
		return "tcp"
	case 17:
		return "udp"
	case 58:
		return "ipv6-icmp"
	case 132:
		return "sctp"
	}
	return itoa(p)
}

// TableName names a routing table as iproute2 does: "local", "main",
// "default" or the number.
func TableName(t int) string { return tableName(t) }
