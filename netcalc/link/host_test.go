package link

import (
	"net/netip"
	"testing"

	"github.com/netcalc/netcalc/netcalc/fib"
)

func TestHostTables(t *testing.T) {
	f := newFake()
	addr := netip.MustParseAddr
	f.ns = []Neighbor{
		{Addr: addr("ff02::16"), Interface: "eth0", Index: 2, State: "NOARP", HasMAC: true},
		{Addr: addr("203.0.113.254"), Interface: "eth0", Index: 2, State: "REACHABLE", MAC: macGW, HasMAC: true},
		{Addr: addr("203.0.113.2"), Interface: "eth0", Index: 2, State: "STALE", MAC: macPeer, HasMAC: true},
	}
	h := newHost(f, "")
	ctx := t.Context()

	rs, err := h.Routes(ctx, 4, fib.TableMain)
	if err != nil || len(rs) != 3 {
		t.Errorf("Routes(4, main) = %d routes, %v; want the 3 IPv4 routes of main", len(rs), err)
	}
	for _, r := range rs {
		if r.Table != fib.TableMain || !r.Dst.Addr().Is4() {
			t.Errorf("Routes(4, main) has %s in table %d", r.Dst, r.Table)
		}
	}
	if rs, _ := h.Routes(ctx, 4, 0); len(rs) != 5 {
		t.Errorf("Routes(4, all) = %d routes; want 5", len(rs))
	}
	if _, err := h.Routes(ctx, 5, 0); err == nil {
		t.Errorf("Routes(5, 0): no error; want a bad family refused")
	}

	all, _ := h.NeighborTable(ctx, 0)
	if len(all) != 3 || all[0].Addr != addr("ff02::16") {
		t.Errorf("NeighborTable(0) = %v; want the 3 entries in the table's order", all)
	}
	ns, _ := h.Neighbors(ctx)
	if len(ns) != 2 || ns[0].Addr != addr("203.0.113.2") || ns[1].Addr != addr("203.0.113.254") {
		t.Errorf("Neighbors = %v; want the 2 unicast entries sorted", ns)
	}

	tb, err := h.State(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(tb.Interfaces) != 4 || len(tb.Routes) != len(f.rs) || len(tb.Rules4) != 3 || len(tb.Rules6) != 2 || len(tb.Neighbors) != 3 {
		t.Errorf("Table = %d interfaces, %d routes, %d+%d rules, %d neighbours; want 4, %d, 3+2, 3",
			len(tb.Interfaces), len(tb.Routes), len(tb.Rules4), len(tb.Rules6), len(tb.Neighbors), len(f.rs))
	}
	if i, ok := tb.Interface("eth0"); !ok || !i.Resolves() || len(i.Addrs) != 2 || i.Addrs[0] != netip.MustParsePrefix("203.0.113.1/24") {
		t.Errorf("Table.Interface(eth0) = %+v; want eth0, resolving, with its two addresses", i)
	}
	if i, _ := tb.Interface("wg0"); i.Resolves() {
		t.Errorf("Table.Interface(wg0) resolves; want not (NOARP, point-to-point)")
	}
	d := tb.Lookup(fib.Query{Dst: addr("198.51.100.7")})
	if !d.OK() || d.Route.Gateway != addr("203.0.113.254") {
		t.Errorf("Table.Lookup(198.51.100.7) = %s via %s; want the default route via 203.0.113.254", d.Outcome(), d.Route.Gateway)
	}
}

// TestWalkRulesOutcome checks that the worded walk carries fib's outcome
// and failed selector as data.
func TestWalkRulesOutcome(t *testing.T) {
	pfx, addr := netip.MustParsePrefix, netip.MustParseAddr
	rules := append([]Rule{{Priority: 100, From: pfx("203.0.113.1/32"), Action: ActionLookup, Table: 100, SuppressPrefixLength: -1, SuppressIfgroup: -1}}, DefaultRules(4)...)
	routes := []Route{{Dst: pfx("0.0.0.0/0"), Type: Unicast, Gateway: addr("203.0.113.254"), Table: 254}}
	w := WalkRules(rules, routes, RouteQuery{Dst: addr("198.51.100.7")})
	var got []string
	for _, s := range w.Steps {
		got = append(got, string(s.Outcome)+"/"+string(s.Failed))
	}
	want := []string{"no_route/", "next_rule/from", "chosen/"}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
		t.Errorf("WalkRules outcomes = %v; want %v", got, want)
	}
}
