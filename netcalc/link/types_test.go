package link

import (
	"net/netip"
	"strings"
	"testing"
)

func TestRouteDecisionFields(t *testing.T) {
	addr := netip.MustParseAddr
	d := RouteDecision{Target: addr("198.51.100.7"), From: addr("203.0.113.9"), Iif: "eth1", Mark: 16,
		Route: Route{Type: Unicast, Gateway: addr("203.0.113.254"), Interface: "eth0", Source: addr("203.0.113.1"), Table: 100}}
	want := "198.51.100.7 from 203.0.113.9 via 203.0.113.254 dev eth0 src 203.0.113.1 table 100 iif eth1 mark 0x10"
	if got := strings.Join(d.Fields(), " "); got != want {
		t.Errorf("Fields() = %q; want %q", got, want)
	}
	d = RouteDecision{Target: addr("203.0.113.9"), Route: Route{Type: Unreachable, Table: 254}}
	if got, want := strings.Join(d.Fields(), " "), "unreachable 203.0.113.9 table main"; got != want {
		t.Errorf("Fields() = %q; want %q", got, want)
	}
}

func TestSubnetAndSelection(t *testing.T) {
	a := Address{Interface: "eth0", Prefix: netip.MustParsePrefix("203.0.113.9/24")}
	s := a.Subnet()
	if s.Network.String() != "203.0.113.0/24" || s.Broadcast.String() != "203.0.113.255" || s.FirstHost.String() != "203.0.113.1" ||
		s.LastHost.String() != "203.0.113.254" || s.UsableHosts.String() != "254" || s.Address.Prefix != a.Prefix {
		t.Errorf("Subnet() = %+v", s)
	}
	if s := (Address{Prefix: netip.MustParsePrefix("203.0.113.9/32")}).Subnet(); s.Broadcast.IsValid() || s.UsableHosts.String() != "1" {
		t.Errorf("/32 Subnet() = %+v; want no broadcast, 1 host", s)
	}
	ls := []Interface{{Name: "lo"}, {Name: "eth0"}, {Name: "eth1"}}
	sel, missing := SelectInterfaces(ls, []string{"eth1", "wg0", "lo"})
	if len(sel) != 2 || sel[0].Name != "eth1" || sel[1].Name != "lo" || len(missing) != 1 || missing[0] != "wg0" {
		t.Errorf("SelectInterfaces = %v, %v; want [eth1 lo], [wg0]", sel, missing)
	}
	if got := strings.Join(InterfaceNames(ls), " "); got != "lo eth0 eth1" {
		t.Errorf("InterfaceNames = %q; want \"lo eth0 eth1\"", got)
	}
	if got := InterfaceNames(nil); len(got) != 0 {
		t.Errorf("InterfaceNames(nil) = %v; want none", got)
	}
	as := []Address{{Interface: "lo"}, {Interface: "eth0"}, {Interface: "eth1"}, {Interface: "eth0"}}
	if got := AddressesOn(as, []string{"eth0", "wg0"}); len(got) != 2 || got[0].Interface != "eth0" || got[1].Interface != "eth0" {
		t.Errorf("AddressesOn = %v; want the two eth0 addresses", got)
	}
}
