package fib

import (
	"cmp"
	"net/netip"
	"slices"
	"strconv"
	"time"
)

// Well-known routing table numbers.
const (
	TableDefault = 253
	TableMain    = 254
	TableLocal   = 255
)

// RouteType is the rtnetlink route type as `ip route` names it.
type RouteType string

// Route types.
const (
	Unicast     RouteType = "unicast"
	Local       RouteType = "local"
	Broadcast   RouteType = "broadcast"
	Anycast     RouteType = "anycast"
	Multicast   RouteType = "multicast"
	Blackhole   RouteType = "blackhole"
	Unreachable RouteType = "unreachable"
	Prohibit    RouteType = "prohibit"
	Throw       RouteType = "throw"
)

// Refuses reports whether a lookup that ends at a route of this type
// fails: blackhole, unreachable and prohibit routes drop the packet.
func (t RouteType) Refuses() bool { return t == Blackhole || t == Unreachable || t == Prohibit }

// Route is one routing table entry, or the kernel's answer for one
// destination.
type Route struct {
	// Dst is the destination prefix; 0.0.0.0/0 or ::/0 for a default route.
	Dst       netip.Prefix `json:"dst"`
	Type      RouteType    `json:"type"`
	Gateway   netip.Addr   `json:"gateway,omitzero"` // zero for on-link routes
	Interface string       `json:"dev,omitempty"`
	Index     int          `json:"ifindex,omitempty"`
	Source    netip.Addr   `json:"prefsrc,omitzero"` // preferred source, may be zero
	Table     int          `json:"table"`            // 254 main, 255 local
	Metric    int          `json:"metric"`
	// Protocol is who installed the route, named as `ip route` names it:
	// "kernel", "boot" (ip route add), "static", "dhcp", "ra", ... or the
	// number; "" when unknown (a fake or the kernel's route get answer).
	Protocol string `json:"protocol,omitempty"`
	// Scope is the route's scope: "global", "link", "host", ...; "" when
	// unknown.
	Scope string `json:"scope,omitempty"`
	// Pref is an IPv6 route's router preference ("medium", "high", "low");
	// "" for IPv4.
	Pref string `json:"pref,omitempty"`
	// Flags are the route's flags as `ip route` names them: "onlink",
	// "linkdown", "dead", ...
	Flags []string `json:"flags,omitempty"`
	// Nexthops lists every nexthop of a multipath route (`ip route add
	// ... nexthop via A nexthop via B`); nil for a single-path route. Gateway,
	// Interface and Index then repeat the first nexthop.
	Nexthops []Nexthop `json:"nexthops,omitempty"`
	// Expires is how long the route has left (an IPv6 route learned from a
	// router advertisement, or added with `expires`); zero for a route
	// that does not expire.
	Expires time.Duration `json:"expires_ns,omitempty"`
	// Metrics are the route's TCP and path metrics (`ip route add ... mtu
	// 1400 hoplimit 64`), in the kernel's order (RTAX_*).
	Metrics []Metric `json:"metrics,omitempty"`
}

// Metric is one route metric: its `ip route` name ("mtu", "advmss",
// "hoplimit", "initcwnd", "rtt", ..., "congctl"), its value (for rtt,
// rttvar and rto_min in milliseconds, as ip shows them) or, for congctl,
// the algorithm's name, and whether it is locked (`mtu lock 1400`).
type Metric struct {
	Name   string `json:"name"`
	Value  uint32 `json:"value,omitempty"`
	Algo   string `json:"algo,omitempty"`
	Locked bool   `json:"locked,omitempty"`
}

// Nexthop is one path of a multipath route.
type Nexthop struct {
	Gateway   netip.Addr `json:"gateway,omitzero"`
	Interface string     `json:"dev,omitempty"`
	Index     int        `json:"ifindex,omitempty"`
	// Weight is the share of flows given to this path (1 to 256).
	Weight int      `json:"weight"`
	Flags  []string `json:"flags,omitempty"`
}

// TableName returns "main", "local", "default" or the table number.
func (r Route) TableName() string { return TableName(r.Table) }

// TableName names a routing table as iproute2 does: "local", "main",
// "default" or the number.
func TableName(t int) string {
	switch t {
	case TableLocal:
		return "local"
	case TableMain:
		return "main"
	case TableDefault:
		return "default"
	}
	return strconv.Itoa(t)
}

// tableOrder sorts the local table first, as the kernel's default policy
// rules consult it first (priority 0), then main, then default, then the rest.
func tableOrder(t int) int {
	switch t {
	case TableLocal:
		return 0
	case TableMain:
		return 1
	case TableDefault:
		return 2
	}
	return 3 + t
}

// SortCandidates orders routes as a table lookup ranks them: longest
// prefix first, then lowest metric, then the local table before the
// others (for lists spanning tables). The sort is stable.
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

// Candidates returns the routes of table whose prefix contains dst (its
// zone ignored), ranked by SortCandidates: the first is the longest-prefix
// match.
func Candidates(routes []Route, table int, dst netip.Addr) []Route {
	dst = dst.WithZone("")
	var out []Route
	for _, rt := range routes {
		if rt.Table == table && rt.Dst.Contains(dst) {
			out = append(out, rt)
		}
	}
	SortCandidates(out)
	return out
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
	return strconv.Itoa(p)
}
