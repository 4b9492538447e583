package fib_test

import (
	"fmt"
	"net/netip"

	"github.com/netcalc/netcalc/netcalc/fib"
)

// A host with a default route and a more specific route in table 100 for
// traffic from 203.0.113.1: the lookup keeps every rule it tried and the
// deciding table's candidates.
func ExampleState_Lookup() {
	p, a := netip.MustParsePrefix, netip.MustParseAddr
	tb := fib.State{
		Routes: []fib.Route{
			{Dst: p("0.0.0.0/0"), Type: fib.Unicast, Gateway: a("203.0.113.254"), Interface: "eth0", Table: fib.TableMain},
			{Dst: p("198.51.100.0/24"), Type: fib.Unicast, Gateway: a("203.0.113.253"), Interface: "eth0", Table: 100},
			{Dst: p("0.0.0.0/0"), Type: fib.Unicast, Gateway: a("203.0.113.252"), Interface: "eth0", Table: 100},
		},
		Rules4: append([]fib.Rule{{Priority: 100, From: p("203.0.113.1/32"), Action: fib.ActionLookup, Table: 100,
			SuppressPrefixLength: -1, SuppressIfgroup: -1}}, fib.DefaultRules(4)...),
	}
	d := tb.Lookup(fib.Query{Dst: a("198.51.100.7"), Src: a("203.0.113.1")})
	for _, st := range d.Steps {
		fmt.Printf("%d: %s -> %s\n", st.Rule.Priority, st.Rule, st.Outcome)
	}
	for i, c := range d.Candidates {
		fmt.Println(c.Dst, "via", c.Gateway, i == d.Winner)
	}
	// Output:
	// 0: from all lookup local -> no_route
	// 100: from 203.0.113.1 lookup 100 -> chosen
	// 198.51.100.0/24 via 203.0.113.253 true
	// 0.0.0.0/0 via 203.0.113.252 false
}
