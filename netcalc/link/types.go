package link

import (
	"net/netip"
	"time"
)

// Interface is one network interface as the kernel reports it (`ip link`).
// The zero Interface is not a valid interface (Index 0).
type Interface struct {
	Index int    `json:"ifindex"`
	Name  string `json:"ifname"`
	// Kind is the rtnetlink link kind: "veth", "bridge", "dummy", "vlan",
	// ..., or "device" for physical and loopback devices.
	Kind string `json:"kind"`
	// MAC is the hardware address; zero for loopback and for links whose
	// address is not a 6-byte Ethernet MAC (see HasMAC).
	MAC MAC `json:"address"`
	// HasMAC reports whether the link has a 6-byte Ethernet address.
	HasMAC bool     `json:"-"`
	MTU    int      `json:"mtu"`
	State  string   `json:"operstate"` // "UP", "DOWN", "UNKNOWN", "LOWERLAYERDOWN", ...
	Flags  []string `json:"flags"`     // "UP", "BROADCAST", "LOOPBACK", "POINTOPOINT", "MULTICAST", "RUNNING", "NOARP"
	// Master is the name of the bridge (or bond) this link is a port of, or "".
	Master string `json:"master,omitempty"`
	// Peer names a veth's other end: its name when it is in the same
	// namespace, else "ifindex N in another namespace". Empty when unknown.
	Peer string `json:"peer,omitempty"`

	up, loopback, pointToPoint, noARP bool
}

// IsUp reports whether the UP flag is set.
func (i Interface) IsUp() bool { return i.up }

// IsLoopback reports whether this is a loopback interface.
func (i Interface) IsLoopback() bool { return i.loopback }

// Address is one address assigned to an interface (`ip addr`).
type Address struct {
	Interface string `json:"ifname"`
	Index     int    `json:"ifindex"`
	// Prefix is the address with its prefix length, as configured:
	// 203.0.113.1/24, not masked.
	Prefix netip.Prefix `json:"local"`
	Scope  string       `json:"scope"`           // "global", "link", "host", ...
	Flags  []string     `json:"flags,omitempty"` // "permanent", "nodad", "tentative", ...
}

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
func (r Route) TableName() string { return tableName(r.Table) }

// RouteDecision explains the kernel's choice of route for one target
// (`ip route get`).
type RouteDecision struct {
	Target netip.Addr `json:"target"`
	// From, Iif, Oif and Mark repeat the question's other selectors.
	From netip.Addr `json:"from,omitzero"`
	Iif  string     `json:"iif,omitempty"`
	Oif  string     `json:"oif,omitempty"`
	Mark uint32     `json:"mark,omitempty"`
	// Route is the kernel's answer: interface, gateway (zero when the target
	// is on-link) and preferred source. Its Dst is the target's host prefix.
	Route Route `json:"route"`
	// Rules is the policy rule walk: every rule consulted, in priority
	// order, up to the one whose table gave the route.
	Rules []RuleStep `json:"rules"`
	// Candidates are the routes of the table that decided whose prefix
	// contains Target, most specific first.
	Candidates []Route `json:"candidates"`
	// Winner indexes the candidate that the lookup returned; -1 when the
	// walk found none.
	Winner int `json:"winner"`
	// Note is set when the kernel's answer differs from the rule walk.
	Note string `json:"note,omitempty"`
}

// NextHop returns the address whose hardware address a packet to the
// target is sent to: the gateway, or the target itself when on-link.
func (d RouteDecision) NextHop() netip.Addr {
	if d.Route.Gateway.IsValid() {
		return d.Route.Gateway
	}
	return d.Target
}

// NeighborState is a neighbour table entry's NUD state, named as
// `ip neigh` names it: REACHABLE, STALE, DELAY, PROBE, FAILED, INCOMPLETE,
// NOARP, PERMANENT (or NONE).
type NeighborState string

// Neighbor is one entry of the kernel's neighbour (ARP/NDP) table.
type Neighbor struct {
	Addr      netip.Addr    `json:"dst"`
	MAC       MAC           `json:"lladdr"`
	HasMAC    bool          `json:"-"` // false for FAILED and INCOMPLETE entries
	Interface string        `json:"dev"`
	Index     int           `json:"ifindex"`
	State     NeighborState `json:"state"`
	// Router reports whether the neighbour said it is a router (the R flag
	// of an IPv6 Neighbor Advertisement; `ip neigh` prints "router").
	Router bool `json:"router,omitempty"`
	// Used, Confirmed and Updated are how long ago the entry was last used,
	// last confirmed reachable and last changed state (`ip -s neigh`), to
	// the kernel's clock tick (10ms).
	Used      time.Duration `json:"used_ns"`
	Confirmed time.Duration `json:"confirmed_ns"`
	Updated   time.Duration `json:"updated_ns"`
	// Probes is the number of probes sent since the entry was last
	// confirmed.
	Probes int `json:"probes"`
	// Refs is the kernel's reference count of the entry (`ip -s neigh`
	// prints it as "ref N" when it is not 0): routes and sockets holding it.
	Refs int `json:"refcnt,omitempty"`
}

// Result is the answer to one address resolution.
type Result struct {
	Target netip.Addr `json:"target"`
	// NextHop is the address that was asked: Target when it is on-link,
	// else the gateway of the route to Target.
	NextHop   netip.Addr `json:"next_hop"`
	OnLink    bool       `json:"on_link"`
	Interface string     `json:"interface"`
	// Source is the sender address of the probe (the route's preferred
	// source unless Resolver.Source is set); zero for cached answers.
	Source netip.Addr `json:"source,omitzero"`
	MAC    MAC        `json:"mac"`
	// Protocol is "arp" for IPv4 and "ndp" for IPv6.
	Protocol string `json:"protocol"`
	// RTT is the time from sending the request that was answered to
	// receiving the reply; zero for cached and local answers.
	RTT time.Duration `json:"rtt_ns"`
	// Attempt is the 1-based attempt that got the reply.
	Attempt int `json:"attempt,omitempty"`
	// Cached reports whether the answer came from the kernel's neighbour
	// table rather than a probe; State is then the entry's NUD state.
	Cached bool          `json:"cached"`
	State  NeighborState `json:"state,omitempty"`
	// Local reports whether Target is one of this host's own addresses; MAC
	// is then the owning interface's address.
	Local bool `json:"local"`
}
