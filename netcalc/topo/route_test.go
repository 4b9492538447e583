package topo

import (
	"errors"
	"net/netip"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func mp(s string) netip.Prefix { return netip.MustParsePrefix(s) }
func ma(s string) netip.Addr   { return netip.MustParseAddr(s) }

func TestParseRoute(t *testing.T) {
	st := func(r Route) Route {
		r.Table, r.Origin = "main", Static
		if r.Type == "" {
			r.Type = Unicast
		}
		return r
	}
	tests := []struct {
		name string
		in   string
		want Route
	}{
		{"default v4", "default via 198.51.100.1", st(Route{Dst: mp("0.0.0.0/0"), Via: ma("198.51.100.1"), Scope: "global"})},
		{"default v6 from gateway", "default via 2001:db8::1", st(Route{Dst: mp("::/0"), Via: ma("2001:db8::1"), Scope: "global", Metric: 1024})},
		{"all keywords", "203.0.113.0/24 via 198.51.100.2 dev eth0 src 198.51.100.10 metric 10",
			st(Route{Dst: mp("203.0.113.0/24"), Via: ma("198.51.100.2"), Dev: "eth0", Src: ma("198.51.100.10"), Metric: 10, Scope: "global"})},
		{"dev only is scope link", "203.0.113.0/24 dev eth0", st(Route{Dst: mp("203.0.113.0/24"), Dev: "eth0", Scope: "link"})},
		{"bare address is a host route", "203.0.113.7 dev eth0", st(Route{Dst: mp("203.0.113.7/32"), Dev: "eth0", Scope: "link"})},
		{"blackhole", "blackhole 192.0.2.0/24", st(Route{Type: Blackhole, Dst: mp("192.0.2.0/24"), Scope: "global"})},
		{"unreachable v6", "unreachable 2001:db8:dead::/48", st(Route{Type: Unreachable, Dst: mp("2001:db8:dead::/48"), Scope: "global", Metric: 1024})},
		{"prohibit", "prohibit 203.0.113.0/25 metric 5", st(Route{Type: Prohibit, Dst: mp("203.0.113.0/25"), Scope: "global", Metric: 5})},
		{"via inet6", "2001:db8:2::/64 via inet6 fe80::1 dev eth0", st(Route{Dst: mp("2001:db8:2::/64"), Via: ma("fe80::1"), Dev: "eth0", Scope: "global", Metric: 1024})},
		{"onlink", "default via 203.0.113.1 dev eth0 onlink", st(Route{Dst: mp("0.0.0.0/0"), Via: ma("203.0.113.1"), Dev: "eth0", Scope: "global", Onlink: true})},
		{"preference is metric", "default via 198.51.100.1 preference 7", st(Route{Dst: mp("0.0.0.0/0"), Via: ma("198.51.100.1"), Scope: "global", Metric: 7})},
		{"scope host", "198.51.100.9 dev eth0 scope host", st(Route{Dst: mp("198.51.100.9/32"), Dev: "eth0", Scope: "host"})},
		{"unicast keyword and proto", "unicast 10.1.0.0/16 via 198.51.100.1 proto static", st(Route{Dst: mp("10.1.0.0/16"), Via: ma("198.51.100.1"), Scope: "global"})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseRoute(tt.in)
			if err != nil {
				t.Fatalf("ParseRoute(%q) error %v", tt.in, err)
			}
			if d := cmp.Diff(tt.want, got, cmp.Comparer(func(a, b netip.Addr) bool { return a == b }), cmp.Comparer(func(a, b netip.Prefix) bool { return a == b })); d != "" {
				t.Errorf("ParseRoute(%q) (-want +got):\n%s", tt.in, d)
			}
			back, err := ParseRoute(got.String())
			if err != nil || back != got {
				t.Errorf("ParseRoute(%q).String() = %q, reads back as %+v, %v", tt.in, got.String(), back, err)
			}
		})
	}
}

func TestParseRouteErrors(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"bad gateway", "default via 10.0.0.300", `"via 10.0.0.300": not an IP address: want a gateway such as 198.51.100.1 or 2001:db8::1`},
		{"empty", "  ", `empty route: want e.g. "default via 198.51.100.1" or "203.0.113.0/24 dev eth0"`},
		{"host bits", "10.1.2.3/16 dev eth0", `"10.1.2.3/16": host bits set: want the network 10.1.0.0/16 (ip route refuses it: "Invalid prefix for given prefix length")`},
		{"no destination", "blackhole", `"blackhole": no destination: want a prefix such as 203.0.113.0/24 or default`},
		{"bad destination", "10.0.0.0/33 dev eth0", `"10.0.0.0/33": not a destination: want a prefix such as 203.0.113.0/24, an address, or default`},
		{"mixed families", "10.0.0.0/8 via 2001:db8::1", `"via 2001:db8::1": an IPv6 address in an IPv4 route`},
		{"no gateway nor dev", "10.0.0.0/8", `"10.0.0.0/8": a unicast route needs a gateway (via ADDR) or an interface (dev IFACE)`},
		{"blackhole with gateway", "blackhole 10.0.0.0/8 via 198.51.100.1", `"via 198.51.100.1": a blackhole route has no gateway`},
		{"missing value", "default via", `"via": missing value after via`},
		{"unknown keyword", "default via 198.51.100.1 weight 3", `"weight": unknown keyword: want via, dev, src, metric, scope, proto or onlink`},
		{"metric range", "default via 198.51.100.1 metric 4294967296", `"metric 4294967296": want a metric from 0 to 4294967295`},
		{"long dev", "default dev abcdefghijklmnop", `"dev abcdefghijklmnop": not an interface name: want 1-15 characters, no '/', ':' or spaces`},
		{"given twice", "default via 198.51.100.1 via 198.51.100.2", `"via": given twice`},
		{"local is the kernel's", "local 198.51.100.1 dev eth0", `"local": the kernel adds local routes itself from the addresses; want unicast, blackhole, unreachable or prohibit`},
		{"gateway scope link", "default via 198.51.100.1 scope link", `"scope link": a route with a gateway has scope global (the kernel refuses a gateway with scope link: "Nexthop has invalid gateway")`},
		{"onlink without gateway", "10.0.0.0/8 dev eth0 onlink", `"onlink": onlink needs a gateway (via ADDR)`},
		{"other table", "default via 198.51.100.1 table 100", `"table 100": only the main table is simulated`},
		{"mapped gateway", "default via ::ffff:198.51.100.1", `"via ::ffff:198.51.100.1": an IPv4-mapped IPv6 address: write the IPv4 address`},
		{"inet mismatch", "default via inet6 198.51.100.1", `"via inet6 198.51.100.1": want an IPv6 gateway address`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseRoute(tt.in)
			if err == nil {
				t.Fatalf("ParseRoute(%q) = nil error; want %q", tt.in, tt.want)
			}
			if err.Error() != tt.want {
				t.Errorf("ParseRoute(%q) error\n got %s\nwant %s", tt.in, err, tt.want)
			}
			if !errors.Is(err, ErrRouteSyntax) {
				t.Errorf("ParseRoute(%q) error does not wrap ErrRouteSyntax", tt.in)
			}
		})
	}
}
