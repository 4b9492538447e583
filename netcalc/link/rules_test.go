package link

import (
	"errors"
	"net/netip"
	"strings"
	"testing"

	"github.com/netcalc/netcalc/netcalc/fib"
)

func TestWalkRules(t *testing.T) {
	pfx := netip.MustParsePrefix
	addr := netip.MustParseAddr
	rule := func(prio int, r Rule) Rule {
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
	routes := []Route{
		{Dst: pfx("203.0.113.1/32"), Type: Local, Interface: "d0", Table: 255},
		{Dst: pfx("0.0.0.0/0"), Type: Unicast, Gateway: addr("203.0.113.254"), Interface: "d0", Table: 254},
		{Dst: pfx("198.51.100.64/26"), Type: Unicast, Gateway: addr("203.0.113.254"), Interface: "d0", Table: 254},
		{Dst: pfx("198.51.100.64/27"), Type: Unicast, Gateway: addr("203.0.113.253"), Interface: "d0", Table: 100},
		{Dst: pfx("198.51.100.64/28"), Type: Unicast, Gateway: addr("203.0.113.252"), Interface: "d1", Table: 200},
		{Dst: pfx("198.51.100.64/29"), Type: Throw, Table: 300},
		{Dst: pfx("198.51.100.0/24"), Type: Unicast, Gateway: addr("203.0.113.251"), Interface: "d0", Table: 300},
		{Dst: pfx("198.51.100.70/32"), Type: Unicast, Gateway: addr("203.0.113.250"), Interface: "d0", Table: 400, Metric: 20},
		{Dst: pfx("198.51.100.70/32"), Type: Unicast, Gateway: addr("203.0.113.249"), Interface: "d0", Table: 400, Metric: 10},
		{Dst: pfx("198.51.100.128/25"), Type: Blackhole, Table: 254},
	}
	defaults := DefaultRules(4)
	with := func(extra ...Rule) []Rule { return append(append([]Rule{}, extra...), defaults...) }
	dst := addr("198.51.100.70")
	suppress0 := rule(10, Rule{Table: 254})
	suppress0.SuppressPrefixLength = 0

	// The words of each step (why it matched, what followed) are the
	// CLI's: internal/cli's TestRouteGetWalkWords walks these cases and
	// more against testdata/link/route-get-walk.golden.
	tests := []struct {
		name    string
		rules   []Rule
		q       RouteQuery
		table   int    // table of the chosen route (0 when refused)
		via     string // its gateway
		refused string // substring of the refusal an error names
		steps   int    // number of steps walked
	}{
		{"defaults use main", defaults, RouteQuery{Dst: dst}, 254, "203.0.113.254", "", 2},
		{"from matches", with(rule(100, Rule{From: pfx("203.0.113.1/32"), Table: 100})), RouteQuery{Dst: dst, Src: addr("203.0.113.1")}, 100, "203.0.113.253", "", 2},
		{"from does not match", with(rule(100, Rule{From: pfx("203.0.113.1/32"), Table: 100})), RouteQuery{Dst: dst, Src: addr("203.0.113.5")}, 254, "203.0.113.254", "", 3},
		{"no source given", with(rule(100, Rule{From: pfx("203.0.113.1/32"), Table: 100})), RouteQuery{Dst: dst}, 254, "203.0.113.254", "", 3},
		{"to selector", with(rule(100, Rule{To: pfx("198.51.100.64/27"), Table: 100})), RouteQuery{Dst: dst}, 100, "203.0.113.253", "", 2},
		{"fwmark matches under mask", with(rule(100, Rule{Mark: 0x10, Mask: 0xff, Table: 200})), RouteQuery{Dst: dst, Mark: 0x310}, 200, "203.0.113.252", "", 2},
		{"fwmark differs", with(rule(100, Rule{Mark: 0x10, Mask: 0xff, Table: 200})), RouteQuery{Dst: dst, Mark: 0x11}, 254, "203.0.113.254", "", 3},
		{"not inverts", with(rule(100, Rule{Not: true, Mark: 0x10, Mask: 0xffffffff, Table: 200})), RouteQuery{Dst: dst}, 200, "203.0.113.252", "", 2},
		{"iif matches", with(rule(100, Rule{Iif: "d1", Table: 100})), RouteQuery{Dst: dst, Src: addr("198.51.100.9"), Iif: "d1"}, 100, "203.0.113.253", "", 2},
		{"iif lo is local output", with(rule(100, Rule{Iif: "lo", Table: 100})), RouteQuery{Dst: dst}, 100, "203.0.113.253", "", 2},
		{"iif differs", with(rule(100, Rule{Iif: "d1", Table: 100})), RouteQuery{Dst: dst}, 254, "203.0.113.254", "", 3},
		{"detached iif never matches", with(rule(100, Rule{Iif: "gone", IifDetached: true, Table: 100})), RouteQuery{Dst: dst, Iif: "gone"}, 254, "203.0.113.254", "", 3},
		{"oif", with(rule(100, Rule{Oif: "d1", Table: 200})), RouteQuery{Dst: dst, Oif: "d1"}, 200, "203.0.113.252", "", 2},
		{"empty table goes on", with(rule(100, Rule{Table: 999})), RouteQuery{Dst: dst}, 254, "203.0.113.254", "", 3},
		{"throw goes on", with(rule(100, Rule{Table: 300})), RouteQuery{Dst: dst}, 254, "203.0.113.254", "", 3},
		{"throw only when longest", with(rule(100, Rule{Table: 300})), RouteQuery{Dst: addr("198.51.100.9")}, 300, "203.0.113.251", "", 2},
		{"lowest metric wins", with(rule(100, Rule{Table: 400})), RouteQuery{Dst: dst}, 400, "203.0.113.249", "", 2},
		{"suppress_prefixlength 0 skips default", append([]Rule{suppress0}, with(rule(100, Rule{Table: 100}))...),
			RouteQuery{Dst: addr("203.0.113.77")}, 0, "", "", 0},
		{"unreachable rule", with(rule(100, Rule{To: pfx("198.51.100.0/24"), Action: ActionUnreachable})), RouteQuery{Dst: dst}, 0, "", "unreachable rule 100", 2},
		{"prohibit rule", with(rule(100, Rule{Action: ActionProhibit})), RouteQuery{Dst: dst}, 0, "", "prohibit rule 100", 2},
		{"blackhole route", defaults, RouteQuery{Dst: addr("198.51.100.130")}, 0, "", "blackhole route 198.51.100.128/25 in table main", 2},
		{"goto skips rules", with(rule(50, Rule{Action: ActionGoto, Goto: 200}), rule(100, Rule{Table: 100}), rule(200, Rule{Table: 200})), RouteQuery{Dst: dst}, 200, "203.0.113.252", "", 3},
		{"goto to nothing goes on", with(rule(50, Rule{Action: ActionGoto, Goto: 70}), rule(100, Rule{Table: 100})), RouteQuery{Dst: dst}, 100, "203.0.113.253", "", 3},
		{"nop", with(rule(50, Rule{Action: ActionNop})), RouteQuery{Dst: dst}, 254, "203.0.113.254", "", 3},
		{"ipproto rule does not match a route get", with(rule(100, Rule{IPProto: 6, Table: 100})), RouteQuery{Dst: dst}, 254, "203.0.113.254", "", 3},
		{"uidrange", with(rule(100, Rule{UIDRange: &[2]uint32{1000, 1999}, Table: 100})), RouteQuery{Dst: dst, UID: 1500}, 100, "203.0.113.253", "", 2},
		{"uidrange outside", with(rule(100, Rule{UIDRange: &[2]uint32{1000, 1999}, Table: 100})), RouteQuery{Dst: dst}, 254, "203.0.113.254", "", 3},
		{"no route at all", DefaultRules(4)[:1], RouteQuery{Dst: dst}, 0, "", "no rule found a route", 1},
		{"priority order, not list order", []Rule{defaults[1], rule(100, Rule{Table: 100}), defaults[0]}, RouteQuery{Dst: dst}, 100, "203.0.113.253", "", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := WalkRules(tt.rules, routes, tt.q)
			var trace []string
			for _, s := range w.Steps {
				trace = append(trace, s.Rule.String()+": "+string(s.Outcome)+" "+string(s.Failed))
			}
			if tt.name == "suppress_prefixlength 0 skips default" {
				// main's only route for the target is the default route,
				// suppressed; table 100 has none; main again (32766) takes it.
				if w.Route.Table != 254 || w.Decided != 3 || w.Steps[1].Outcome != fib.Suppressed {
					t.Errorf("walk:\n%s", strings.Join(trace, "\n"))
				}
				return
			}
			if tt.refused != "" {
				if w.OK() || !strings.Contains(w.refusal(), tt.refused) {
					t.Errorf("OK %v, refusal %q; want %q\n%s", w.OK(), w.refusal(), tt.refused, strings.Join(trace, "\n"))
				}
			} else if !w.OK() || w.Route.Table != tt.table || w.Route.Gateway.String() != tt.via {
				t.Errorf("route = table %d via %s (refusal %q); want table %d via %s\n%s", w.Route.Table, w.Route.Gateway, w.refusal(), tt.table, tt.via, strings.Join(trace, "\n"))
			}
			if len(w.Steps) != tt.steps {
				t.Errorf("%d steps; want %d\n%s", len(w.Steps), tt.steps, strings.Join(trace, "\n"))
			}
		})
	}
}

func TestRuleString(t *testing.T) {
	r := Rule{Priority: 5, Not: true, From: netip.MustParsePrefix("203.0.113.1/32"), To: netip.MustParsePrefix("198.51.100.0/24"),
		Mark: 0x10, Mask: 0xff, Iif: "eth0", Action: ActionLookup, Table: 100, SuppressPrefixLength: 0, SuppressIfgroup: -1}
	if got, want := r.String(), "not from 203.0.113.1 to 198.51.100.0/24 fwmark 0x10/0xff iif eth0 lookup 100 suppress_prefixlength 0"; got != want {
		t.Errorf("String() = %q; want %q", got, want)
	}
	if got, want := DefaultRules(4)[1].String(), "from all lookup main"; got != want {
		t.Errorf("String() = %q; want %q", got, want)
	}
}

// TestRouteGetQueryWalk checks that Host.RouteGetQuery reports the rule walk
// and the deciding table's candidates, and says so when the kernel's answer
// differs from the walk.
func TestRouteGetQueryWalk(t *testing.T) {
	f := newFake()
	pfx, addr := netip.MustParsePrefix, netip.MustParseAddr
	f.rs = append(f.rs, Route{Dst: pfx("198.51.100.0/24"), Type: Unicast, Gateway: addr("203.0.113.253"), Interface: "eth0", Index: 2, Table: 100})
	rules := append([]Rule{{Priority: 100, From: pfx("203.0.113.1/32"), Action: ActionLookup, Table: 100, SuppressPrefixLength: -1, SuppressIfgroup: -1}}, DefaultRules(4)...)
	for _, r := range rules {
		f.rls = append(f.rls, famRule{4, r})
	}
	kernelTable := 100 // what the fake kernel answers for a packet from 203.0.113.1
	f.get = func(dst, src netip.Addr, oif int) (Route, error) {
		if src == addr("203.0.113.1") {
			return Route{Dst: netip.PrefixFrom(dst, 32), Type: Unicast, Gateway: addr("203.0.113.253"), Interface: "eth0", Index: 2, Table: kernelTable}, nil
		}
		return Route{Dst: netip.PrefixFrom(dst, 32), Type: Unicast, Gateway: addr("203.0.113.254"), Interface: "eth0", Index: 2, Table: 254}, nil
	}
	h := newHost(f, "")
	ctx := t.Context()

	d, err := h.RouteGetQuery(ctx, RouteQuery{Dst: addr("198.51.100.7"), Src: addr("203.0.113.1")})
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Rules) != 2 || d.Rules[1].Rule.Priority != 100 || d.Rules[1].Outcome != fib.Chosen || d.Mismatch || d.Decided != 1 {
		t.Errorf("from 203.0.113.1: rules %+v, mismatch %v, decided %d; want local then rule 100 chosen, no mismatch", d.Rules, d.Mismatch, d.Decided)
	}
	if d.Winner != 0 || len(d.Candidates) != 1 || d.Candidates[0].Table != 100 || d.From != addr("203.0.113.1") {
		t.Errorf("from 203.0.113.1: candidates %+v winner %d; want table 100's /24", d.Candidates, d.Winner)
	}

	d, err = h.RouteGetQuery(ctx, RouteQuery{Dst: addr("198.51.100.7")})
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Rules) != 3 || d.Rules[1].Failed != fib.SelectorFrom || d.From.IsValid() || d.Candidates[d.Winner].Dst != pfx("0.0.0.0/0") {
		t.Errorf("no source: rules %+v, candidates %+v; want rule 100 skipped and main's default route", d.Rules, d.Candidates)
	}

	d, err = h.RouteGetQuery(ctx, RouteQuery{Dst: addr("198.51.100.7"), UID: 1000})
	if want := (RouteQuery{Dst: addr("198.51.100.7"), UID: 1000}); err != nil || d.Query() != want {
		t.Errorf("uid 1000: Query() = %+v, err %v; want %+v", d.Query(), err, want)
	}

	kernelTable = 254 // a kernel that disagrees with the walk
	d, err = h.RouteGetQuery(ctx, RouteQuery{Dst: addr("198.51.100.7"), Src: addr("203.0.113.1")})
	if err != nil || !d.Mismatch || d.Decided != 1 || d.Route.Table != 254 || d.Candidates[d.Winner].Table != 100 {
		t.Errorf("disagreeing kernel: mismatch %v, decided %d, route %+v, candidates %+v, err %v; want a mismatch of main and table 100",
			d.Mismatch, d.Decided, d.Route, d.Candidates, err)
	}

	if _, err := h.RouteGetQuery(ctx, RouteQuery{Dst: addr("198.51.100.7"), Iif: "nosuch0"}); !errors.Is(err, ErrNoInterface) {
		t.Errorf("iif nosuch0: error %v; want ErrNoInterface", err)
	}
	if _, err := h.RouteGetQuery(ctx, RouteQuery{Dst: addr("198.51.100.7"), Src: addr("2001:db8::1")}); !errors.Is(err, ErrInvalidTarget) {
		t.Errorf("from of the other family: error %v; want ErrInvalidTarget", err)
	}
}
