package cli

import (
	"bytes"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/netcalc/netcalc/netcalc/link"
)

// routeWalkGolden holds, for every decision of routeWalkCases, the JSON
// object route get writes and each rule's "matched (WHY): RESULT" or "no
// match: WHY" as the text view shows it. It was first written by the
// library's own wording (link.RuleStep's Why and Result), before the words
// moved into this package.
var routeWalkGolden = filepath.Join("..", "..", "testdata", "link", "route-get-walk.golden")

// TestRouteGetWalkWords checks the words of the rule walk (ruleWhy,
// ruleResult) and route get's JSON record for walks through every kind of
// selector, outcome and refusal, IPv4 and IPv6, against the golden file.
func TestRouteGetWalkWords(t *testing.T) {
	var b bytes.Buffer
	for _, d := range routeWalkCases() {
		if err := WriteJSON(&b, newRouteJSON(d)); err != nil {
			t.Fatal(err)
		}
		q := d.Query()
		for _, st := range d.Rules {
			words := "no match: " + ruleWhy(st, q)
			if st.Matched {
				words = "matched (" + ruleWhy(st, q) + "): " + ruleResult(st)
			}
			b.WriteString("  " + strconv.Itoa(st.Rule.Priority) + ": " + words + "\n")
		}
	}
	if updateGolden() {
		if err := os.WriteFile(routeWalkGolden, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(routeWalkGolden)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), b.String()); diff != "" {
		t.Errorf("route get walk words and JSON (-%s +got):\n%s", routeWalkGolden, diff)
	}
}

// routeWalkCases are RouteDecisions as RouteGetQuery fills them, from
// link.WalkRules over one set of tables and a rule set per case.
func routeWalkCases() []link.RouteDecision {
	pfx := netip.MustParsePrefix
	addr := netip.MustParseAddr
	rule := func(prio int, r link.Rule) link.Rule {
		r.Priority = prio
		if r.Action == "" {
			r.Action = link.ActionLookup
		}
		r.SuppressIfgroup = -1
		if r.SuppressPrefixLength == 0 {
			r.SuppressPrefixLength = -1
		}
		return r
	}
	routes := []link.Route{
		{Dst: pfx("203.0.113.1/32"), Type: link.Local, Interface: "d0", Table: 255},
		{Dst: pfx("0.0.0.0/0"), Type: link.Unicast, Gateway: addr("203.0.113.254"), Interface: "d0", Table: 254},
		{Dst: pfx("198.51.100.64/26"), Type: link.Unicast, Gateway: addr("203.0.113.254"), Interface: "d0", Table: 254},
		{Dst: pfx("198.51.100.64/27"), Type: link.Unicast, Gateway: addr("203.0.113.253"), Interface: "d0", Table: 100},
		{Dst: pfx("198.51.100.64/28"), Type: link.Unicast, Gateway: addr("203.0.113.252"), Interface: "d1", Table: 200},
		{Dst: pfx("198.51.100.64/29"), Type: link.Throw, Table: 300},
		{Dst: pfx("198.51.100.0/24"), Type: link.Unicast, Gateway: addr("203.0.113.251"), Interface: "d0", Table: 300},
		{Dst: pfx("198.51.100.70/32"), Type: link.Unicast, Gateway: addr("203.0.113.250"), Interface: "d0", Table: 400, Metric: 20},
		{Dst: pfx("198.51.100.70/32"), Type: link.Unicast, Gateway: addr("203.0.113.249"), Interface: "d0", Table: 400, Metric: 10},
		{Dst: pfx("198.51.100.128/25"), Type: link.Blackhole, Table: 254},
		{Dst: pfx("2001:db8::/32"), Type: link.Unicast, Gateway: addr("fe80::1"), Interface: "d0", Table: 254},
		{Dst: pfx("2001:db8:1::/48"), Type: link.Prohibit, Table: 500},
	}
	defaults := link.DefaultRules(4)
	with := func(extra ...link.Rule) []link.Rule { return append(append([]link.Rule{}, extra...), defaults...) }
	dst := addr("198.51.100.70")
	suppress0 := rule(10, link.Rule{Table: 254})
	suppress0.SuppressPrefixLength = 0
	tests := []struct {
		rules []link.Rule
		q     link.RouteQuery
	}{
		{defaults, link.RouteQuery{Dst: dst}},
		{with(rule(100, link.Rule{From: pfx("203.0.113.1/32"), Table: 100})), link.RouteQuery{Dst: dst, Src: addr("203.0.113.1")}},
		{with(rule(100, link.Rule{From: pfx("203.0.113.0/24"), Table: 100})), link.RouteQuery{Dst: dst, Src: addr("203.0.113.5")}},
		{with(rule(100, link.Rule{From: pfx("203.0.113.1/32"), Table: 100})), link.RouteQuery{Dst: dst, Src: addr("203.0.113.5")}},
		{with(rule(100, link.Rule{From: pfx("203.0.113.1/32"), Table: 100})), link.RouteQuery{Dst: dst}},
		{with(rule(100, link.Rule{To: pfx("198.51.100.64/27"), Table: 100})), link.RouteQuery{Dst: dst}},
		{with(rule(100, link.Rule{To: pfx("198.51.100.1/32"), Table: 100})), link.RouteQuery{Dst: dst}},
		{with(rule(100, link.Rule{Mark: 0x10, Mask: 0xff, Table: 200})), link.RouteQuery{Dst: dst, Mark: 0x310}},
		{with(rule(100, link.Rule{Mark: 0x10, Mask: 0xff, Table: 200})), link.RouteQuery{Dst: dst, Mark: 0x11}},
		{with(rule(100, link.Rule{Not: true, Mark: 0x10, Mask: 0xffffffff, Table: 200})), link.RouteQuery{Dst: dst}},
		{with(rule(100, link.Rule{Not: true, From: pfx("203.0.113.1/32"), Table: 200})), link.RouteQuery{Dst: dst, Src: addr("203.0.113.1")}},
		{with(rule(100, link.Rule{Iif: "d1", Table: 100})), link.RouteQuery{Dst: dst, Src: addr("198.51.100.9"), Iif: "d1", UID: 0xffffffff}},
		{with(rule(100, link.Rule{Iif: "d1", Table: 100})), link.RouteQuery{Dst: dst, Src: addr("198.51.100.9"), Iif: "d2", UID: 0xffffffff}},
		{with(rule(100, link.Rule{Iif: "lo", Table: 100})), link.RouteQuery{Dst: dst}},
		{with(rule(100, link.Rule{Iif: "d1", Table: 100})), link.RouteQuery{Dst: dst}},
		{with(rule(100, link.Rule{Iif: "gone", IifDetached: true, Table: 100})), link.RouteQuery{Dst: dst, Iif: "gone", UID: 0xffffffff}},
		{with(rule(100, link.Rule{Oif: "d1", Table: 200})), link.RouteQuery{Dst: dst, Oif: "d1"}},
		{with(rule(100, link.Rule{Oif: "d1", Table: 200})), link.RouteQuery{Dst: dst, Oif: "d0"}},
		{with(rule(100, link.Rule{Oif: "d1", Table: 200})), link.RouteQuery{Dst: dst}},
		{with(rule(100, link.Rule{Oif: "gone", OifDetached: true, Table: 200})), link.RouteQuery{Dst: dst, Oif: "gone"}},
		{with(rule(100, link.Rule{Iif: "d1", Oif: "d1", Mark: 1, Mask: 1, From: pfx("198.51.100.0/24"), To: pfx("198.51.100.64/26"), Table: 200})), link.RouteQuery{Dst: dst, Src: addr("198.51.100.9"), Iif: "d1", Oif: "d1", Mark: 3, UID: 0xffffffff}},
		{with(rule(100, link.Rule{Table: 999})), link.RouteQuery{Dst: dst}},
		{with(rule(100, link.Rule{Table: 300})), link.RouteQuery{Dst: dst}},
		{with(rule(100, link.Rule{Table: 300})), link.RouteQuery{Dst: addr("198.51.100.9")}},
		{with(rule(100, link.Rule{Table: 400})), link.RouteQuery{Dst: dst}},
		{append([]link.Rule{suppress0}, with(rule(100, link.Rule{Table: 100}))...), link.RouteQuery{Dst: addr("203.0.113.77")}},
		{with(rule(100, link.Rule{To: pfx("198.51.100.0/24"), Action: link.ActionUnreachable})), link.RouteQuery{Dst: dst}},
		{with(rule(100, link.Rule{Action: link.ActionProhibit})), link.RouteQuery{Dst: dst}},
		{with(rule(100, link.Rule{Action: link.ActionBlackhole})), link.RouteQuery{Dst: dst}},
		{defaults, link.RouteQuery{Dst: addr("198.51.100.130")}},
		{with(rule(50, link.Rule{Action: link.ActionGoto, Goto: 200}), rule(100, link.Rule{Table: 100}), rule(200, link.Rule{Table: 200})), link.RouteQuery{Dst: dst}},
		{with(rule(50, link.Rule{Action: link.ActionGoto, Goto: 70}), rule(100, link.Rule{Table: 100})), link.RouteQuery{Dst: dst}},
		{with(rule(50, link.Rule{Action: link.ActionNop})), link.RouteQuery{Dst: dst}},
		{with(rule(100, link.Rule{IPProto: 6, Table: 100})), link.RouteQuery{Dst: dst}},
		{with(rule(100, link.Rule{Tos: 4, Table: 100})), link.RouteQuery{Dst: dst}},
		{with(rule(100, link.Rule{Sport: &[2]uint16{1, 2}, Table: 100})), link.RouteQuery{Dst: dst}},
		{with(rule(100, link.Rule{Dport: &[2]uint16{1, 2}, Table: 100})), link.RouteQuery{Dst: dst}},
		{with(rule(100, link.Rule{TunID: 7, Table: 100})), link.RouteQuery{Dst: dst}},
		{with(rule(100, link.Rule{L3mdev: true, Table: 100})), link.RouteQuery{Dst: dst}},
		{with(rule(100, link.Rule{UIDRange: &[2]uint32{1000, 1999}, Table: 100})), link.RouteQuery{Dst: dst, UID: 1500}},
		{with(rule(100, link.Rule{UIDRange: &[2]uint32{1000, 1999}, Table: 100})), link.RouteQuery{Dst: dst}},
		{with(rule(100, link.Rule{UIDRange: &[2]uint32{1000, 1999}, Table: 100})), link.RouteQuery{Dst: dst, Iif: "d1", UID: 0xffffffff}},
		{link.DefaultRules(4)[:1], link.RouteQuery{Dst: dst}},
		{[]link.Rule{defaults[1], rule(100, link.Rule{Table: 100}), defaults[0]}, link.RouteQuery{Dst: dst}},
		{append([]link.Rule{rule(100, link.Rule{From: pfx("2001:db8::/64"), To: pfx("2001:db8::5/128"), Table: 500})}, link.DefaultRules(6)...), link.RouteQuery{Dst: addr("2001:db8::5%d0"), Src: addr("2001:db8::9%d0"), Oif: "d0"}},
		{append([]link.Rule{rule(100, link.Rule{To: pfx("2001:db8:1::/48"), Table: 500})}, link.DefaultRules(6)...), link.RouteQuery{Dst: addr("2001:db8:1::5")}},
		{append([]link.Rule{rule(100, link.Rule{To: pfx("2001:db8:2::1/128"), Table: 500})}, link.DefaultRules(6)...), link.RouteQuery{Dst: addr("2001:db8:1::5")}},
	}
	var ds []link.RouteDecision
	for _, tt := range tests {
		w := link.WalkRules(tt.rules, routes, tt.q)
		d := link.RouteDecision{Target: tt.q.Dst, From: tt.q.Src, Iif: tt.q.Iif, Oif: tt.q.Oif, Mark: tt.q.Mark, UID: tt.q.UID, Route: w.Route, Rules: w.Steps, Winner: -1}
		if w.Decided >= 0 {
			d.Candidates, d.Winner = w.Steps[w.Decided].Candidates, w.Steps[w.Decided].Winner
		}
		ds = append(ds, d)
	}
	return ds
}

// TestRouteNote checks the note route get writes when the kernel's answer
// differs from the rule walk, in text and as JSON's "note" (between
// "winner" and "rules", where the library's field used to be).
func TestRouteNote(t *testing.T) {
	pfx, addr := netip.MustParsePrefix, netip.MustParseAddr
	routes := []link.Route{
		{Dst: pfx("0.0.0.0/0"), Type: link.Unicast, Gateway: addr("203.0.113.254"), Interface: "d0", Table: 254},
		{Dst: pfx("198.51.100.64/27"), Type: link.Unicast, Gateway: addr("203.0.113.253"), Interface: "d0", Table: 100},
		{Dst: pfx("198.51.100.128/25"), Type: link.Blackhole, Table: 254},
	}
	rule := func(prio int, r link.Rule) link.Rule {
		r.Priority, r.SuppressPrefixLength, r.SuppressIfgroup = prio, -1, -1
		if r.Action == "" {
			r.Action = link.ActionLookup
		}
		return r
	}
	defaults := link.DefaultRules(4)
	with := func(extra ...link.Rule) []link.Rule { return append(append([]link.Rule{}, extra...), defaults...) }
	dst := addr("198.51.100.70")
	kernel := link.Route{Dst: pfx("198.51.100.70/32"), Type: link.Unicast, Gateway: addr("203.0.113.254"), Interface: "d0", Table: 254}
	tests := []struct {
		name     string
		rules    []link.Rule
		dst      netip.Addr
		mismatch bool
		want     string
	}{
		{"agree", with(), dst, false, ""},
		{"other table", with(rule(100, link.Rule{Table: 100})), dst, true,
			"the kernel's answer (table main) differs from the rule walk (198.51.100.64/27 in table 100)"},
		{"unreachable rule", with(rule(100, link.Rule{Action: link.ActionUnreachable})), dst, true,
			"the rule walk found no route (unreachable rule 100) but the kernel did"},
		{"blackhole route", with(), addr("198.51.100.130"), true,
			"the rule walk found no route (blackhole route 198.51.100.128/25 in table main) but the kernel did"},
		{"no rule", defaults[:1], dst, true, "the rule walk found no route (no rule found a route) but the kernel did"},
		{"unmodelled selectors", with(rule(90, link.Rule{L3mdev: true, Table: 100}), rule(100, link.Rule{Table: 100})), dst, true,
			"the kernel's answer (table main) differs from the rule walk (198.51.100.64/27 in table 100); rules [90] have selectors netcalc does not model"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := link.WalkRules(tt.rules, routes, link.RouteQuery{Dst: tt.dst})
			d := link.RouteDecision{Target: tt.dst, Route: kernel, Rules: w.Steps, Winner: -1, Decided: w.Decided,
				Unmodelled: w.Unmodelled, Mismatch: tt.mismatch}
			if w.Decided >= 0 {
				d.Candidates, d.Winner = w.Steps[w.Decided].Candidates, w.Steps[w.Decided].Winner
			}
			if got := routeNote(d); got != tt.want {
				t.Errorf("routeNote = %q; want %q", got, tt.want)
			}
			var b bytes.Buffer
			if err := WriteJSON(&b, newRouteJSON(d)); err != nil {
				t.Fatal(err)
			}
			wantJSON := `"winner":` + strconv.Itoa(d.Winner) + `,"rules":`
			if tt.want != "" {
				wantJSON = `"winner":` + strconv.Itoa(d.Winner) + `,"note":"` + tt.want + `","rules":`
			}
			if !bytes.Contains(b.Bytes(), []byte(wantJSON)) {
				t.Errorf("JSON %s; want it to hold %s", b.String(), wantJSON)
			}
		})
	}
}
