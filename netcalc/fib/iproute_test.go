package fib

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"strings"
	"testing"
	"time"
)

func TestParseTable(t *testing.T) {
	tests := []struct {
		in   string
		want int
		err  bool
	}{
		{"main", TableMain, false}, {"LOCAL", TableLocal, false}, {"default", TableDefault, false},
		{"all", 0, false}, {"0", 0, false}, {"100", 100, false}, {"4294967295", 4294967295, false},
		{"4294967296", 0, true}, {"-1", 0, true}, {"mian", 0, true}, {"", 0, true},
	}
	for _, tt := range tests {
		got, err := ParseTable(tt.in)
		if got != tt.want || (err != nil) != tt.err || (err != nil && !errors.Is(err, ErrTable)) {
			t.Errorf("ParseTable(%q) = %d, %v; want %d, error %v", tt.in, got, err, tt.want, tt.err)
		}
	}
}

func TestRouteFields(t *testing.T) {
	tests := []struct {
		name      string
		r         Route
		showTable bool
		want      string
	}{
		{"default via", Route{Dst: netip.MustParsePrefix("0.0.0.0/0"), Type: Unicast, Gateway: netip.MustParseAddr("198.51.100.1"),
			Interface: "eth0", Table: TableMain, Protocol: "dhcp", Scope: "global", Metric: 100}, false,
			"default via 198.51.100.1 dev eth0 proto dhcp metric 100"},
		{"local host route in all tables", Route{Dst: netip.MustParsePrefix("198.51.100.7/32"), Type: Local, Interface: "eth0",
			Table: TableLocal, Protocol: "kernel", Scope: "host", Source: netip.MustParseAddr("198.51.100.7")}, true,
			"local 198.51.100.7 dev eth0 table local proto kernel scope host src 198.51.100.7"},
		{"IPv6 shows metric 0, metrics and pref", Route{Dst: netip.MustParsePrefix("2001:db8::/64"), Type: Unicast, Interface: "eth0",
			Table: TableMain, Protocol: "ra", Expires: 90 * time.Second, Pref: "medium",
			Metrics: []Metric{{Name: "mtu", Value: 1400, Locked: true}, {Name: "rtt", Value: 1500}, {Name: "congctl", Algo: "bbr"}, {Name: "features", Value: 1}}}, true,
			"2001:db8::/64 dev eth0 proto ra metric 0 expires 90sec mtu lock 1400 rtt 1.5s congctl bbr features ecn pref medium"},
		{"multipath leaves gateway to nexthops", Route{Dst: netip.MustParsePrefix("203.0.113.0/24"), Type: Unicast, Table: 100,
			Gateway: netip.MustParseAddr("198.51.100.1"), Interface: "eth0", Protocol: "boot",
			Nexthops: []Nexthop{{Gateway: netip.MustParseAddr("198.51.100.1"), Interface: "eth0", Weight: 1}}}, true,
			"203.0.113.0/24 table 100"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := strings.Join(tt.r.Fields(tt.showTable), " "); got != tt.want {
				t.Errorf("Fields(%v) = %q; want %q", tt.showTable, got, tt.want)
			}
		})
	}
	nh := Nexthop{Gateway: netip.MustParseAddr("198.51.100.2"), Interface: "eth1", Weight: 3, Flags: []string{"onlink"}}
	if got, want := strings.Join(nh.Fields(), " "), "nexthop via 198.51.100.2 dev eth1 weight 3 onlink"; got != want {
		t.Errorf("Nexthop.Fields() = %q; want %q", got, want)
	}
}

// ruleMap is the map form `ip -j rule` output was first written with in
// the CLI, the reference for RuleEntry: encoding/json writes a map's keys
// sorted, so RuleEntry must give the same bytes.
func ruleMap(r Rule, fam int) map[string]any {
	m := map[string]any{"priority": r.Priority, "family": map[int]string{4: "inet", 6: "inet6"}[fam]}
	if r.Not {
		m["not"] = true
	}
	m["src"] = "all"
	if r.From.IsValid() && r.From.Bits() > 0 {
		m["src"] = r.From.Addr().String()
		if r.From.Bits() < r.From.Addr().BitLen() {
			m["srclen"] = r.From.Bits()
		}
	}
	if r.To.IsValid() && r.To.Bits() > 0 {
		m["dst"] = r.To.Addr().String()
		if r.To.Bits() < r.To.Addr().BitLen() {
			m["dstlen"] = r.To.Bits()
		}
	}
	if r.Tos != 0 {
		m["tos"] = fmt.Sprintf("%#x", r.Tos)
	}
	if r.Mark != 0 || r.Mask != 0 {
		m["fwmark"] = fmt.Sprintf("%#x", r.Mark)
		if r.Mask != 0xffffffff {
			m["fwmask"] = fmt.Sprintf("%#x", r.Mask)
		}
	}
	if r.Iif != "" {
		m["iif"] = r.Iif
		if r.IifDetached {
			m["iif_detached"] = true
		}
	}
	if r.Oif != "" {
		m["oif"] = r.Oif
		if r.OifDetached {
			m["oif_detached"] = true
		}
	}
	if r.L3mdev {
		m["l3mdev"] = true
	}
	if r.UIDRange != nil {
		m["uid_start"], m["uid_end"] = r.UIDRange[0], r.UIDRange[1]
	}
	if r.IPProto != 0 {
		m["ipproto"] = ProtoName(r.IPProto)
	}
	if r.Sport != nil {
		m["sport_start"], m["sport_end"] = r.Sport[0], r.Sport[1]
	}
	if r.Dport != nil {
		m["dport_start"], m["dport_end"] = r.Dport[0], r.Dport[1]
	}
	if r.TunID != 0 {
		m["tun_id"] = r.TunID
	}
	switch r.Action {
	case ActionLookup:
		if !r.L3mdev {
			m["table"] = TableName(r.Table)
		}
	case ActionGoto:
		m["goto"] = r.Goto
	case ActionNop:
		m["nop"] = true
	default:
		m["action"] = string(r.Action)
	}
	if r.SuppressPrefixLength >= 0 {
		m["suppress_prefixlen"] = r.SuppressPrefixLength
	}
	if r.SuppressIfgroup >= 0 {
		m["suppress_ifgroup"] = r.SuppressIfgroup
	}
	return m
}

// TestRuleEntryAgainstMap draws random rules, every selector and action
// set or not (zero values included: uid 0-0, goto 0, suppress_prefixlength
// 0), and checks that RuleEntry encodes to the bytes of the map form.
func TestRuleEntryAgainstMap(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 17))
	pick := func() bool { return rnd.IntN(2) == 0 }
	actions := []RuleAction{ActionLookup, ActionGoto, ActionNop, ActionBlackhole, ActionUnreachable, ActionProhibit}
	for i := 0; i < 2000; i++ {
		fam := 4 + 2*rnd.IntN(2)
		pfx := func() netip.Prefix {
			if fam == 4 {
				return netip.PrefixFrom(netip.AddrFrom4([4]byte{198, 51, 100, byte(rnd.IntN(256))}), rnd.IntN(33))
			}
			return netip.PrefixFrom(netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, 15: byte(rnd.IntN(256))}), rnd.IntN(129))
		}
		r := Rule{Priority: rnd.IntN(40000), Not: pick(), Action: actions[rnd.IntN(len(actions))], Table: rnd.IntN(300),
			Goto: rnd.IntN(3), SuppressPrefixLength: rnd.IntN(3) - 1, SuppressIfgroup: rnd.IntN(3) - 1, L3mdev: rnd.IntN(5) == 0}
		if pick() {
			r.From = pfx()
		}
		if pick() {
			r.To = pfx()
		}
		if pick() {
			r.Iif, r.IifDetached = "eth0", pick()
		}
		if pick() {
			r.Oif, r.OifDetached = "eth1", pick()
		}
		if pick() {
			r.Mark, r.Mask = uint32(rnd.IntN(3)), []uint32{0, 0xff, 0xffffffff}[rnd.IntN(3)]
		}
		if pick() {
			r.Tos = rnd.IntN(3)
		}
		if pick() {
			r.IPProto = []int{0, 6, 17, 99}[rnd.IntN(4)]
		}
		if pick() {
			r.UIDRange = &[2]uint32{uint32(rnd.IntN(2)), uint32(rnd.IntN(2000))}
		}
		if pick() {
			r.Sport = &[2]uint16{uint16(rnd.IntN(2)), uint16(rnd.IntN(70000))}
		}
		if pick() {
			r.Dport = &[2]uint16{uint16(rnd.IntN(2)), uint16(rnd.IntN(70000))}
		}
		if pick() {
			r.TunID = uint64(rnd.IntN(3))
		}
		want, _ := json.Marshal(ruleMap(r, fam))
		got, err := json.Marshal(r.Entry(fam))
		if err != nil || string(got) != string(want) {
			t.Fatalf("Entry(%+v) = %s, %v; want %s", r, got, err, want)
		}
	}
}

func TestNeighborForms(t *testing.T) {
	n := Neighbor{Addr: netip.MustParseAddr("fe80::1%eth0"), MAC: MustParseMAC("52:54:00:12:34:56"), HasMAC: true,
		Interface: "eth0", State: "STALE,PROBE", Router: true, Used: 1500 * time.Millisecond, Probes: 2}
	if got, want := strings.Join(n.Fields(true), " "), "fe80::1 dev eth0 lladdr 52:54:00:12:34:56 router STALE PROBE"; got != want {
		t.Errorf("Fields(true) = %q; want %q", got, want)
	}
	got, _ := json.Marshal(n.Entry())
	want := `{"dst":"fe80::1","dev":"eth0","lladdr":"52:54:00:12:34:56","router":true,"used":1,"confirmed":0,"updated":0,"probes":2,"state":["STALE","PROBE"],"family":"inet6"}`
	if string(got) != want {
		t.Errorf("Entry() = %s; want %s", got, want)
	}
	for _, s := range []NeighborState{NoARP, NoState} {
		if s.Listed() {
			t.Errorf("%s.Listed() = true; want false", s)
		}
	}
	if !Stale.Listed() || !Permanent.Listed() {
		t.Errorf("Stale.Listed(), Permanent.Listed() = false; want true")
	}
}

func TestSelectNeighbors(t *testing.T) {
	addr := netip.MustParseAddr
	ns := []Neighbor{
		{Addr: addr("198.51.100.1"), Interface: "eth0", State: Reachable},
		{Addr: addr("224.0.0.1"), Interface: "eth0", State: NoARP},
		{Addr: addr("198.51.100.2"), Interface: "eth1", State: "STALE,PROBE"},
		{Addr: addr("2001:db8::1"), Interface: "eth1", State: NoState},
	}
	tests := []struct {
		name string
		dev  string
		all  bool
		want []string
	}{
		{"every device, listed only", "", false, []string{"198.51.100.1", "198.51.100.2"}},
		{"every device, nud all", "", true, []string{"198.51.100.1", "224.0.0.1", "198.51.100.2", "2001:db8::1"}},
		{"one device", "eth1", false, []string{"198.51.100.2"}},
		{"one device, nud all", "eth0", true, []string{"198.51.100.1", "224.0.0.1"}},
		{"no such device", "eth9", true, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, n := range SelectNeighbors(ns, tt.dev, tt.all) {
				got = append(got, n.Addr.String())
			}
			if strings.Join(got, " ") != strings.Join(tt.want, " ") {
				t.Errorf("SelectNeighbors(%q, %v) = %v; want %v", tt.dev, tt.all, got, tt.want)
			}
		})
	}
}
