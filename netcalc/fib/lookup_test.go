package fib

import (
	"net/netip"
	"slices"
	"testing"
)

var (
	pfx  = netip.MustParsePrefix
	addr = netip.MustParseAddr
)

// rule returns a rule with the unset suppressors of a real one.
func rule(prio int, r Rule) Rule {
	r.Priority = prio
	if r.Action == "" {
		r.Action = ActionLookup
	}
	r.SuppressIfgroup = -1
	if r.SuppressPrefixLength == 0 {
		r.SuppressPrefixLength = -1
	}
	return r
}

func testRoutes() []Route {
	return []Route{
		{Dst: pfx("203.0.113.1/32"), Type: Local, Interface: "d0", Table: TableLocal},
		{Dst: pfx("0.0.0.0/0"), Type: Unicast, Gateway: addr("203.0.113.254"), Interface: "d0", Table: TableMain},
		{Dst: pfx("198.51.100.64/26"), Type: Unicast, Gateway: addr("203.0.113.254"), Interface: "d0", Table: TableMain},
		{Dst: pfx("198.51.100.64/27"), Type: Unicast, Gateway: addr("203.0.113.253"), Interface: "d0", Table: 100},
		{Dst: pfx("198.51.100.64/28"), Type: Unicast, Gateway: addr("203.0.113.252"), Interface: "d1", Table: 200},
		{Dst: pfx("198.51.100.64/29"), Type: Throw, Table: 300},
		{Dst: pfx("198.51.100.70/32"), Type: Unicast, Gateway: addr("203.0.113.250"), Interface: "d0", Table: 400, Metric: 20},
		{Dst: pfx("198.51.100.70/32"), Type: Unicast, Gateway: addr("203.0.113.249"), Interface: "d0", Table: 400, Metric: 10},
		{Dst: pfx("198.51.100.128/25"), Type: Blackhole, Table: TableMain},
		{Dst: pfx("2001:db8:2::/48"), Type: Unicast, Gateway: addr("2001:db8:1::fe"), Interface: "d0", Table: TableMain, Metric: 1024},
	}
}

func TestLookup(t *testing.T) {
	dst := addr("198.51.100.70")
	with := func(extra ...Rule) []Rule { return append(extra, DefaultRules(4)...) }
	suppress := rule(10, Rule{Table: TableMain})
	suppress.SuppressPrefixLength = 0
	tests := []struct {
		name     string
		rules4   []Rule
		q        Query
		outcome  Outcome   // of the decision
		via      string    // the decided route's gateway ("" for none)
		outcomes []Outcome // every step's, in order
	}{
		{"defaults use main", nil, Query{Dst: dst}, Chosen, "203.0.113.254", []Outcome{NoRoute, Chosen}},
		{"IPv4-mapped is IPv4", nil, Query{Dst: addr("::ffff:198.51.100.70")}, Chosen, "203.0.113.254", []Outcome{NoRoute, Chosen}},
		{"IPv6 uses the IPv6 rules", nil, Query{Dst: addr("2001:db8:2::9")}, Chosen, "2001:db8:1::fe", []Outcome{NoRoute, Chosen}},
		{"local table first", nil, Query{Dst: addr("203.0.113.1")}, Chosen, "", []Outcome{Chosen}},
		{"from rule", with(rule(100, Rule{From: pfx("203.0.113.1/32"), Table: 100})), Query{Dst: dst, Src: addr("203.0.113.1")}, Chosen, "203.0.113.253", []Outcome{NoRoute, Chosen}},
		{"from rule, other source", with(rule(100, Rule{From: pfx("203.0.113.1/32"), Table: 100})), Query{Dst: dst, Src: addr("203.0.113.5")}, Chosen, "203.0.113.254", []Outcome{NoRoute, NextRule, Chosen}},
		{"lowest metric", with(rule(100, Rule{Table: 400})), Query{Dst: dst}, Chosen, "203.0.113.249", []Outcome{NoRoute, Chosen}},
		{"throw goes on", with(rule(100, Rule{Table: 300})), Query{Dst: dst}, Chosen, "203.0.113.254", []Outcome{NoRoute, Thrown, Chosen}},
		{"suppressed default", append([]Rule{suppress}, DefaultRules(4)...), Query{Dst: addr("203.0.113.77")}, Chosen, "203.0.113.254", []Outcome{NoRoute, Suppressed, Chosen}},
		{"unreachable rule", with(rule(100, Rule{Action: ActionUnreachable})), Query{Dst: dst}, RuleRefused, "", []Outcome{NoRoute, RuleRefused}},
		{"blackhole route", nil, Query{Dst: addr("198.51.100.130")}, RouteRefused, "", []Outcome{NoRoute, RouteRefused}},
		{"goto", with(rule(50, Rule{Action: ActionGoto, Goto: 200}), rule(100, Rule{Table: 100}), rule(200, Rule{Table: 200})), Query{Dst: dst}, Chosen, "203.0.113.252", []Outcome{NoRoute, Jump, Chosen}},
		{"goto nowhere", with(rule(50, Rule{Action: ActionGoto, Goto: 70}), rule(100, Rule{Table: 100})), Query{Dst: dst}, Chosen, "203.0.113.253", []Outcome{NoRoute, NoJumpTarget, Chosen}},
		{"nop", with(rule(50, Rule{Action: ActionNop})), Query{Dst: dst}, Chosen, "203.0.113.254", []Outcome{NoRoute, Nop, Chosen}},
		{"oif skips other devices", with(rule(100, Rule{Table: 200})), Query{Dst: dst, Oif: "d0"}, Chosen, "203.0.113.254", []Outcome{NoRoute, NoRoute, Chosen}},
		{"no rules at all", []Rule{}, Query{Dst: dst}, NoRoute, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tb := State{Routes: testRoutes(), Rules4: tt.rules4}
			d := tb.Lookup(tt.q)
			var got []Outcome
			for _, s := range d.Steps {
				got = append(got, s.Outcome)
			}
			if d.Outcome() != tt.outcome || !slices.Equal(got, tt.outcomes) {
				t.Errorf("Lookup(%+v) = %s, steps %v; want %s, steps %v", tt.q, d.Outcome(), got, tt.outcome, tt.outcomes)
			}
			via := ""
			if d.Decided >= 0 && d.Route.Gateway.IsValid() {
				via = d.Route.Gateway.String()
			}
			if via != tt.via || d.OK() != (tt.outcome == Chosen) {
				t.Errorf("Lookup(%+v): route via %q, OK %v; want via %q", tt.q, via, d.OK(), tt.via)
			}
			if d.Decided >= 0 && d.Steps[d.Decided].Table != 0 && (d.Winner < 0 || d.Candidates[d.Winner].Dst != d.Route.Dst) {
				t.Errorf("Lookup(%+v): winner %d of %v; want the route %s", tt.q, d.Winner, d.Candidates, d.Route.Dst)
			}
		})
	}
}

func TestMatchRule(t *testing.T) {
	q := Query{Dst: addr("198.51.100.70"), Src: addr("203.0.113.1"), Mark: 0x310}
	tests := []struct {
		name    string
		r       Rule
		q       Query
		matched bool
		failed  Selector
		held    []Selector
	}{
		{"all", Rule{}, q, true, "", nil},
		{"from and mark held", Rule{From: pfx("203.0.113.0/24"), Mark: 0x10, Mask: 0xff}, q, true, "", []Selector{SelectorMark, SelectorFrom}},
		{"mark fails", Rule{Mark: 0x11, Mask: 0xff}, q, false, SelectorMark, nil},
		{"no source", Rule{From: pfx("203.0.113.0/24")}, Query{Dst: q.Dst}, false, SelectorFrom, nil},
		{"iif lo for local packets", Rule{Iif: "lo"}, q, true, "", []Selector{SelectorIif}},
		{"iif of a forwarded packet", Rule{Iif: "lo"}, Query{Dst: q.Dst, Iif: "d1"}, false, SelectorIif, nil},
		{"detached iif", Rule{Iif: "d1", IifDetached: true}, Query{Dst: q.Dst, Iif: "d1"}, false, SelectorIif, nil},
		{"oif needs one", Rule{Oif: "d0"}, q, false, SelectorOif, nil},
		{"not inverts", Rule{Not: true, To: pfx("198.51.100.0/24")}, q, false, "", []Selector{SelectorTo}},
		{"not of a failure", Rule{Not: true, To: pfx("203.0.113.0/24")}, q, true, SelectorTo, nil},
		{"uid range", Rule{UIDRange: &[2]uint32{1000, 2000}}, q, false, SelectorUID, nil},
		{"ipproto never in a lookup", Rule{IPProto: 6}, q, false, SelectorIPProto, nil},
		{"zero sport range matches", Rule{Sport: &[2]uint16{0, 65535}}, q, true, "", nil},
		{"l3mdev not modelled", Rule{L3mdev: true}, q, false, SelectorL3mdev, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := MatchRule(tt.r, tt.q)
			if m.Matched != tt.matched || m.Failed != tt.failed || !slices.Equal(m.Held, tt.held) || m.Not != tt.r.Not {
				t.Errorf("MatchRule(%s) = %+v; want matched %v failed %q held %v", tt.r, m, tt.matched, tt.failed, tt.held)
			}
		})
	}
}

func TestCandidates(t *testing.T) {
	got := Candidates(testRoutes(), 400, addr("198.51.100.70"))
	if len(got) != 2 || got[0].Metric != 10 || got[1].Metric != 20 {
		t.Errorf("Candidates(table 400) = %+v; want metric 10 then 20", got)
	}
	all := testRoutes()[:4]
	SortCandidates(all)
	if all[0].Dst != pfx("203.0.113.1/32") || all[len(all)-1].Dst.Bits() != 0 {
		t.Errorf("SortCandidates = %v; want the /32 first and the default route last", all)
	}
	if got := Candidates(testRoutes(), TableMain, addr("2001:db8::1")); len(got) != 0 {
		t.Errorf("Candidates(main, 2001:db8::1) = %v; want none", got)
	}
}

func TestRuleString(t *testing.T) {
	r := Rule{Priority: 5, Not: true, From: pfx("203.0.113.1/32"), To: pfx("198.51.100.0/24"),
		Mark: 0x10, Mask: 0xff, Iif: "eth0", Action: ActionLookup, Table: 100, SuppressPrefixLength: 0, SuppressIfgroup: -1}
	if got, want := r.String(), "not from 203.0.113.1 to 198.51.100.0/24 fwmark 0x10/0xff iif eth0 lookup 100 suppress_prefixlength 0"; got != want {
		t.Errorf("String() = %q; want %q", got, want)
	}
}

func TestTableAccessors(t *testing.T) {
	tb := State{
		Interfaces: []Interface{{Index: 2, Name: "d0", HasMAC: true, Up: true}, {Index: 1, Name: "lo", Loopback: true}},
		Neighbors:  []Neighbor{{Addr: addr("fe80::1"), Interface: "d0", State: Stale}},
	}
	if i, ok := tb.Interface("d0"); !ok || i.Index != 2 || !i.Resolves() {
		t.Errorf("Interface(d0) = %+v, %v; want index 2, resolving", i, ok)
	}
	if i, _ := tb.Interface("lo"); i.Resolves() {
		t.Errorf("lo resolves; want not")
	}
	if _, ok := tb.Interface("d9"); ok {
		t.Errorf("Interface(d9) found")
	}
	if n, ok := tb.Neighbor("d0", addr("fe80::1%d0")); !ok || n.State != Stale {
		t.Errorf("Neighbor(d0, fe80::1%%d0) = %+v, %v; want the STALE entry", n, ok)
	}
	if _, ok := tb.Neighbor("lo", addr("fe80::1")); ok {
		t.Errorf("Neighbor(lo, fe80::1) found")
	}
	if got := (&State{}).Rules(6); len(got) != 2 {
		t.Errorf("zero State's IPv6 rules = %v; want the 2 default rules", got)
	}
}
