package cli

import (
	"net/netip"
	"testing"

	"github.com/netcalc/netcalc/netcalc/packet"
	"github.com/netcalc/netcalc/netcalc/topo"
)

// TestTopoStepWords: the printer says each way a trace can end from the
// step's reason code and typed facts, in the words topo trace has always
// printed (text and the JSON detail).
func TestTopoStepWords(t *testing.T) {
	mac := topo.DefaultMAC("b", "eth0")
	drop := func(r packet.Reason) topo.Step {
		return topo.Step{Step: packet.Step{Node: "a", Action: topo.ActDropped, Reason: r}}
	}
	for _, c := range []struct {
		name string
		s    topo.Step
		want string // stepDetail
		text string // stepText
	}{
		{"no route", with(drop(topo.ReasonNoRoute), func(s *topo.Step) { s.Addr = netip.MustParseAddr("198.51.100.10") }),
			"no route to 198.51.100.10", "no route to 198.51.100.10"},
		{"forwarding off", with(drop(topo.ReasonForwardingOff), func(s *topo.Step) { s.In, s.Detail = "eth0", "net.ipv4.ip_forward = 0" }),
			"forwarding is off (net.ipv4.ip_forward = 0)", "in eth0: forwarding is off (net.ipv4.ip_forward = 0)"},
		{"ttl", with(drop(topo.ReasonTTLExceeded), func(s *topo.Step) { s.In = "eth1" }), "ttl exceeded", "in eth1: ttl exceeded"},
		{"no device", with(drop(topo.ReasonNoDevice), func(s *topo.Step) { s.Out = "eth9" }), "no device eth9", "no device eth9"},
		{"no neighbour", with(drop(topo.ReasonNoNeighbor), func(s *topo.Step) { s.Out, s.NextHop = "eth0", netip.MustParseAddr("2001:db8:1::99") }),
			"no answer for 2001:db8:1::99 on eth0", "no answer for 2001:db8:1::99 on eth0"},
		{"no peer", with(drop(topo.ReasonNoPeer), func(s *topo.Step) { s.Out = "veth0" }), "veth0 has no peer", "veth0 has no peer"},
		{"not for the device", with(drop(topo.ReasonNotForDevice), func(s *topo.Step) { s.In, s.DstMAC = "eth0", mac }),
			"frame for " + mac.String() + " not for eth0", "in eth0: frame for " + mac.String() + " not for eth0"},
		{"no bridge port to a device", with(drop(topo.ReasonNoBridgePort), func(s *topo.Step) { s.Out, s.Bridge, s.DstDev, s.DstMAC = "br0", "br0", "eth0", mac }),
			"no port of br0 leads to eth0", "no port of br0 leads to eth0"},
		{"no bridge port to a MAC", with(drop(topo.ReasonNoBridgePort), func(s *topo.Step) { s.In, s.Bridge, s.DstMAC = "p1", "br0", mac }),
			"no port of br0 leads to " + mac.String(), "in p1: no port of br0 leads to " + mac.String()},
		{"hairpin", with(drop(topo.ReasonHairpinOff), func(s *topo.Step) { s.In, s.Out, s.Bridge, s.Hairpin = "p1", "p1", "br0", true }),
			"hairpin off on p1: the frame may not go back out the port it came in on", "in p1: hairpin off on p1: the frame may not go back out the port it came in on"},
		{"hairpin after DNAT", with(drop(topo.ReasonHairpinOff), func(s *topo.Step) { s.In, s.Out, s.Hairpin, s.DNATed = "p1", "p1", true, true }),
			"hairpin off on p1: the DNATed frame may not go back out the port it came in on", "in p1: hairpin off on p1: the DNATed frame may not go back out the port it came in on"},
		{"null route keeps the route", with(drop(topo.ReasonNullRoute), func(s *topo.Step) { s.Detail = "blackhole 10.0.0.0/8" }),
			"blackhole 10.0.0.0/8", "blackhole 10.0.0.0/8"},
		{"random source port", topo.Step{Step: packet.Step{Node: "r", Action: topo.ActTransformed, Hook: "POSTROUTING", Table: "nat"}, Detail: "MASQUERADE", RandomPort: true},
			"MASQUERADE (the kernel draws the source port at random)", "nat POSTROUTING: MASQUERADE (the kernel draws the source port at random)"},
		{"conntrack de-NAT", topo.Step{Step: packet.Step{Node: "r", Action: topo.ActTransformed, Hook: "PREROUTING"}, Detail: "conntrack", Reply: true},
			"conntrack", "conntrack PREROUTING: reply de-NAT"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := stepDetail(&c.s); got != c.want {
				t.Errorf("stepDetail = %q; want %q", got, c.want)
			}
			if got := stepText(&c.s); got != c.text {
				t.Errorf("stepText = %q; want %q", got, c.text)
			}
		})
	}
}

func with(s topo.Step, f func(*topo.Step)) topo.Step {
	f(&s)
	return s
}
